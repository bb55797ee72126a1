/* geohash.c — geohash encoding, boxes and distances (see geohash.h).
 *
 * The floating-point expressions below are written exactly as Redis 7.0's
 * geohash.c and geohash_helper.c evaluate them (the build does not fuse
 * multiply-adds: plain x86-64, no -ffast-math), because GEOPOS, GEODIST
 * and the search replies are compared byte for byte with Redis's.
 */
#include "geohash.h"

#include <math.h>
#include <stddef.h>

#define D_R (M_PI / 180.0)
/* Earth's quadratic mean radius for WGS-84, metres (Redis's constant) */
#define EARTH_RADIUS_M 6372797.560856
#define MERCATOR_MAX   20037726.37

#define EVEN_BITS 0x5555555555555555ULL /* latitude */
#define ODD_BITS  0xaaaaaaaaaaaaaaaaULL /* longitude */

static inline double deg_rad(double ang)
{
    return ang * D_R;
}

static inline double rad_deg(double ang)
{
    return ang / D_R;
}

/* Spread the 32 bits of v to the even bit positions of a 64-bit word. */
static uint64_t spread(uint32_t v)
{
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000ffff0000ffffULL;
    x = (x | (x << 8)) & 0x00ff00ff00ff00ffULL;
    x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0fULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & EVEN_BITS;
    return x;
}

/* The even bits of x gathered into 32 bits. */
static uint32_t gather(uint64_t x)
{
    x &= EVEN_BITS;
    x = (x | (x >> 1)) & 0x3333333333333333ULL;
    x = (x | (x >> 2)) & 0x0f0f0f0f0f0f0f0fULL;
    x = (x | (x >> 4)) & 0x00ff00ff00ff00ffULL;
    x = (x | (x >> 8)) & 0x0000ffff0000ffffULL;
    x = (x | (x >> 16)) & 0x00000000ffffffffULL;
    return (uint32_t)x;
}

static inline bool range_zero(const struct geo_range *r)
{
    return r->max == 0 && r->min == 0;
}

bool geo_encode(const struct geo_range *lon, const struct geo_range *lat, double longitude,
                double latitude, uint8_t step, struct geo_bits *out)
{
    if (step > 32 || step == 0 || range_zero(lat) || range_zero(lon)) return false;
    if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX ||
        latitude < GEO_LAT_MIN)
        return false;
    out->bits = 0;
    out->step = step;
    if (latitude < lat->min || latitude > lat->max || longitude < lon->min || longitude > lon->max)
        return false;
    double lat_offset = (latitude - lat->min) / (lat->max - lat->min);
    double long_offset = (longitude - lon->min) / (lon->max - lon->min);
    lat_offset *= (1ULL << step);
    long_offset *= (1ULL << step);
    /* at the very top of a range the offset is 2^step: one bit more, as
     * Redis keeps it */
    out->bits = spread((uint32_t)lat_offset) | (spread((uint32_t)long_offset) << 1);
    return true;
}

bool geo_encode_wgs84(double longitude, double latitude, uint8_t step, struct geo_bits *out)
{
    struct geo_range lon = {GEO_LONG_MIN, GEO_LONG_MAX}, lat = {GEO_LAT_MIN, GEO_LAT_MAX};
    return geo_encode(&lon, &lat, longitude, latitude, step, out);
}

bool geo_decode(struct geo_range lon, struct geo_range lat, struct geo_bits h, struct geo_area *out)
{
    if ((h.bits == 0 && h.step == 0) || range_zero(&lat) || range_zero(&lon)) return false;
    out->hash = h;
    uint32_t ilat = gather(h.bits), ilon = gather(h.bits >> 1);
    double lat_scale = lat.max - lat.min, long_scale = lon.max - lon.min;
    uint8_t step = h.step;
    out->lat.min = lat.min + (ilat * 1.0 / (1ull << step)) * lat_scale;
    out->lat.max = lat.min + ((ilat + 1) * 1.0 / (1ull << step)) * lat_scale;
    out->lon.min = lon.min + (ilon * 1.0 / (1ull << step)) * long_scale;
    out->lon.max = lon.min + ((ilon + 1) * 1.0 / (1ull << step)) * long_scale;
    return true;
}

static bool decode_wgs84(struct geo_bits h, struct geo_area *out)
{
    struct geo_range lon = {GEO_LONG_MIN, GEO_LONG_MAX}, lat = {GEO_LAT_MIN, GEO_LAT_MAX};
    return geo_decode(lon, lat, h, out);
}

bool geo_decode_score(double score, double xy[2])
{
    struct geo_bits h = {(uint64_t)score, GEO_STEP_MAX};
    struct geo_area a;
    if (!decode_wgs84(h, &a)) return false;
    xy[0] = (a.lon.min + a.lon.max) / 2;
    if (xy[0] > GEO_LONG_MAX) xy[0] = GEO_LONG_MAX;
    if (xy[0] < GEO_LONG_MIN) xy[0] = GEO_LONG_MIN;
    xy[1] = (a.lat.min + a.lat.max) / 2;
    if (xy[1] > GEO_LAT_MAX) xy[1] = GEO_LAT_MAX;
    if (xy[1] < GEO_LAT_MIN) xy[1] = GEO_LAT_MIN;
    return true;
}

uint64_t geo_align52(struct geo_bits h)
{
    return h.bits << (52 - h.step * 2);
}

/* ------------------------------------------------------------------------ */
/* Neighbours: one box over in longitude (dx) and/or latitude (dy), wrapping
 * around at the edges of the step's grid. The other coordinate's bits are
 * kept as they are (all of them, as Redis's geohash_move_x/y keep them). */

static struct geo_bits move(struct geo_bits h, int dx, int dy)
{
    uint32_t mask = h.step >= 32 ? 0xffffffffU : (1U << h.step) - 1;
    if (dx) {
        uint32_t lon = (gather(h.bits >> 1) + (uint32_t)dx) & mask;
        h.bits = (h.bits & EVEN_BITS) | (spread(lon) << 1);
    }
    if (dy) {
        uint32_t lat = (gather(h.bits) + (uint32_t)dy) & mask;
        h.bits = (h.bits & ODD_BITS) | spread(lat);
    }
    return h;
}

static uint8_t steps_for_radius(double range_meters, double lat)
{
    if (range_meters == 0) return 26;
    int step = 1;
    while (range_meters < MERCATOR_MAX) {
        range_meters *= 2;
        step++;
    }
    step -= 2; /* make sure the range is included in most base cases */
    /* wider boxes towards the poles */
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > 26) step = 26;
    return (uint8_t)step;
}

/* The shape's bounding box: bounds = min lon, min lat, max lon, max lat.
 * Longitude spans are taken at the latitude nearer the pole. */
static void bounding_box(struct geo_shape *s)
{
    double longitude = s->xy[0], latitude = s->xy[1];
    double height = s->conversion * (s->type == GEO_CIRCLE ? s->radius : s->height / 2);
    double width = s->conversion * (s->type == GEO_CIRCLE ? s->radius : s->width / 2);
    const double lat_delta = rad_deg(height / EARTH_RADIUS_M);
    const double long_delta_top =
        rad_deg(width / EARTH_RADIUS_M / cos(deg_rad(latitude + lat_delta)));
    const double long_delta_bottom =
        rad_deg(width / EARTH_RADIUS_M / cos(deg_rad(latitude - lat_delta)));
    bool south = latitude < 0;
    s->bounds[0] = south ? longitude - long_delta_bottom : longitude - long_delta_top;
    s->bounds[2] = south ? longitude + long_delta_bottom : longitude + long_delta_top;
    s->bounds[1] = latitude - lat_delta;
    s->bounds[3] = latitude + lat_delta;
}

/* The centre box and its 8 neighbours at a step given by the search's
 * radius (one step coarser if a neighbour does not reach the bounding
 * box), dropping neighbours the bounding box does not reach. */
static void nine_boxes(struct geo_bits hash, struct geo_boxes *out)
{
    out->box[0] = hash;
    out->box[1] = move(hash, 0, 1);   /* north */
    out->box[2] = move(hash, 0, -1);  /* south */
    out->box[3] = move(hash, 1, 0);   /* east */
    out->box[4] = move(hash, -1, 0);  /* west */
    out->box[5] = move(hash, 1, 1);   /* north east */
    out->box[6] = move(hash, -1, 1);  /* north west */
    out->box[7] = move(hash, 1, -1);  /* south east */
    out->box[8] = move(hash, -1, -1); /* south west */
}

void geo_boxes_for(struct geo_shape *shape, struct geo_boxes *out)
{
    struct geo_range lon = {GEO_LONG_MIN, GEO_LONG_MAX}, lat = {GEO_LAT_MIN, GEO_LAT_MAX};
    bounding_box(shape);
    double min_lon = shape->bounds[0], min_lat = shape->bounds[1];
    double max_lon = shape->bounds[2], max_lat = shape->bounds[3];
    double longitude = shape->xy[0], latitude = shape->xy[1];
    /* a box's reach is its half-diagonal */
    double radius_meters = shape->type == GEO_CIRCLE
                               ? shape->radius
                               : sqrt((shape->width / 2) * (shape->width / 2) +
                                      (shape->height / 2) * (shape->height / 2));
    radius_meters *= shape->conversion;
    uint8_t steps = steps_for_radius(radius_meters, latitude);
    struct geo_bits hash = {0, 0};
    struct geo_area area = {0};
    geo_encode(&lon, &lat, longitude, latitude, steps, &hash);
    nine_boxes(hash, out);
    geo_decode(lon, lat, hash, &area);

    struct geo_area north = {0}, south = {0}, east = {0}, west = {0};
    geo_decode(lon, lat, out->box[1], &north);
    geo_decode(lon, lat, out->box[2], &south);
    geo_decode(lon, lat, out->box[3], &east);
    geo_decode(lon, lat, out->box[4], &west);
    bool decrease = north.lat.max < max_lat || south.lat.min > min_lat || east.lon.max < max_lon ||
                    west.lon.min > min_lon;
    if (steps > 1 && decrease) {
        steps--;
        geo_encode(&lon, &lat, longitude, latitude, steps, &hash);
        nine_boxes(hash, out);
        geo_decode(lon, lat, hash, &area);
    }
    static const struct geo_bits none = {0, 0};
    if (steps >= 2) {
        if (area.lat.min < min_lat) out->box[2] = out->box[8] = out->box[7] = none;
        if (area.lat.max > max_lat) out->box[1] = out->box[5] = out->box[6] = none;
        if (area.lon.min < min_lon) out->box[4] = out->box[8] = out->box[6] = none;
        if (area.lon.max > max_lon) out->box[3] = out->box[7] = out->box[5] = none;
    }
    out->area = area;
}

/* ------------------------------------------------------------------------ */
/* Distances. */

/* Along a meridian the haversine reduces to the latitude difference. */
static double lat_distance(double lat1d, double lat2d)
{
    return EARTH_RADIUS_M * fabs(deg_rad(lat2d) - deg_rad(lat1d));
}

double geo_distance(double lon1d, double lat1d, double lon2d, double lat2d)
{
    double lon1r = deg_rad(lon1d), lon2r = deg_rad(lon2d);
    double v = sin((lon2r - lon1r) / 2);
    if (v == 0.0) return lat_distance(lat1d, lat2d);
    double lat1r = deg_rad(lat1d), lat2r = deg_rad(lat2d);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * EARTH_RADIUS_M * asin(sqrt(a));
}

bool geo_in_radius(double x1, double y1, double x2, double y2, double radius, double *dist)
{
    *dist = geo_distance(x1, y1, x2, y2);
    return !(*dist > radius);
}

bool geo_in_rect(double width_m, double height_m, double x1, double y1, double x2, double y2,
                 double *dist)
{
    /* the latitude test is cheaper: first */
    if (lat_distance(y2, y1) > height_m / 2) return false;
    if (geo_distance(x2, y2, x1, y2) > width_m / 2) return false;
    *dist = geo_distance(x1, y1, x2, y2);
    return true;
}
