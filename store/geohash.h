/* geohash.h — the geohash arithmetic of Redis 7.0's geo commands: 52-bit
 * interleaved scores, the nine-box neighbourhood a search scans, and the
 * haversine distances. Pure functions; store/t_geo.c builds the commands.
 *
 * A position is two integers of `step` bits (26 for a stored point): the
 * latitude's offset in [-85.05112878, 85.05112878] and the longitude's in
 * [-180, 180], each scaled to [0, 2^step). Their bits are interleaved,
 * latitude in the even positions and longitude in the odd ones:
 *
 *     bits  ... l2 a2 l1 a1 l0 a0    (a = latitude bit, l = longitude bit)
 *
 * so a prefix of the 52-bit score is a box, and the points of a box are one
 * score range of the sorted set. Every floating-point step is Redis's own
 * (same operations, same order, the same libm functions), so scores,
 * decoded positions, boxes and distances are the same doubles.
 */
#ifndef SS_GEOHASH_H
#define SS_GEOHASH_H

#include <stdbool.h>
#include <stdint.h>

#define GEO_STEP_MAX 26
#define GEO_LAT_MIN  -85.05112878
#define GEO_LAT_MAX  85.05112878
#define GEO_LONG_MIN -180
#define GEO_LONG_MAX 180

struct geo_bits {
    uint64_t bits;
    uint8_t step;
};

struct geo_range {
    double min, max;
};

struct geo_area {
    struct geo_bits hash;
    struct geo_range lon, lat;
};

/* The nine boxes of a search, in the order Redis scans them: the centre,
 * then N, S, E, W, NE, NW, SE, SW. A box with bits and step both 0 is
 * excluded. */
struct geo_boxes {
    struct geo_bits box[9];
    struct geo_area area; /* the centre box */
};

enum geo_shape_type { GEO_CIRCLE = 1, GEO_RECT = 2 };

struct geo_shape {
    enum geo_shape_type type;
    double xy[2];         /* centre: longitude, latitude */
    double conversion;    /* metres per unit */
    double radius;        /* GEO_CIRCLE, in units */
    double width, height; /* GEO_RECT, in units */
    double bounds[4];     /* min lon, min lat, max lon, max lat (set by geo_boxes_for) */
};

/* Encode into the given ranges (false outside them or the WGS84 limits). */
bool geo_encode(const struct geo_range *lon, const struct geo_range *lat, double longitude,
                double latitude, uint8_t step, struct geo_bits *out);
bool geo_encode_wgs84(double longitude, double latitude, uint8_t step, struct geo_bits *out);
/* The box of a hash. */
bool geo_decode(struct geo_range lon, struct geo_range lat, struct geo_bits h,
                struct geo_area *out);
/* A stored score back to a position: the centre of its box, clamped. */
bool geo_decode_score(double score, double xy[2]);
/* A box's 52-bit score prefix, left aligned. */
uint64_t geo_align52(struct geo_bits h);

/* The boxes covering a search shape (fills shape->bounds). */
void geo_boxes_for(struct geo_shape *shape, struct geo_boxes *out);

/* Haversine distance in metres, Redis's formula. */
double geo_distance(double lon1, double lat1, double lon2, double lat2);
/* Is (x2, y2) within the shape centred at (x1, y1)? *dist: the distance. */
bool geo_in_radius(double x1, double y1, double x2, double y2, double radius, double *dist);
bool geo_in_rect(double width_m, double height_m, double x1, double y1, double x2, double y2,
                 double *dist);

#endif
