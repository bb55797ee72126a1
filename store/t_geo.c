/* t_geo.c — the geo commands of Redis 7.0: GEOADD, GEODIST, GEOHASH,
 * GEOPOS, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and
 * their _RO forms. A geo set is a sorted set whose scores are 52-bit
 * geohashes (store/geohash.h); everything here follows Redis 7.0.15's
 * src/geo.c so that replies compare byte for byte:
 *
 * - GEOADD turns each longitude/latitude into its score and runs ZADD
 *   with them; it is logged as that ZADD (Redis rewrites the command).
 * - A search scans the nine boxes around the centre (geo_boxes_for) in
 *   Redis's order, each a score range walked in order, keeps the points
 *   inside the shape, then sorts them by distance when asked (or when
 *   COUNT is given without ANY). Distances are the haversine in metres
 *   divided by the unit's metres.
 * - Numbers: distances with four decimals (GEODIST, WITHDIST), coordinates
 *   as Redis's human long double ("%.17Lf" trimmed; a RESP3 double),
 *   WITHHASH the score as an integer.
 * - STORE/STOREDIST and GEOSEARCHSTORE replace the destination with a
 *   sorted set of the results (score: the geohash, or the distance), or
 *   delete it when there are none; they are logged as given, as Redis
 *   propagates them.
 *
 * One difference: when COUNT cuts a sorted result and several points lie
 * at exactly the same distance across the cut, Redis's partial quicksort
 * may keep others among the equals than our stable sort does (the full
 * sort is stable in both).
 *
 * Locks: the dispatcher holds the shards of every key the command names
 * (keys_georadius names STORE's destination).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "geohash.h"
#include "t_zset.h"
#include "zskiplist.h"

void cmd_geoadd(struct cmdctx *c);
void cmd_geodist(struct cmdctx *c);
void cmd_geohash(struct cmdctx *c);
void cmd_geopos(struct cmdctx *c);
void cmd_georadius(struct cmdctx *c);
void cmd_georadius_ro(struct cmdctx *c);
void cmd_georadiusbymember(struct cmdctx *c);
void cmd_georadiusbymember_ro(struct cmdctx *c);
void cmd_geosearch(struct cmdctx *c);
void cmd_geosearchstore(struct cmdctx *c);
int keys_georadius(int argc, const struct sarg *argv, int *out, int max);
void cmd_zadd(struct cmdctx *c);

static void reply_oom(struct cmdctx *c)
{
    reply_errs(c->r, SERR_OOM);
}

/* ------------------------------------------------------------------------ */
/* Arguments. */

/* Redis's getDoubleFromObject: strtod over the whole argument, no leading
 * space, no NaN, no overflow (an underflow to zero is refused too). */
static bool parse_double(const struct sarg *a, double *out)
{
    char buf[128];
    if (a->len == 0 || a->len >= sizeof(buf) || memchr(a->p, '\0', a->len)) return false;
    memcpy(buf, a->p, a->len);
    buf[a->len] = '\0';
    if (buf[0] == ' ' || (buf[0] >= '\t' && buf[0] <= '\r')) return false;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if ((size_t)(end - buf) != a->len || isnan(v)) return false;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO))
        return false;
    *out = v;
    return true;
}

static bool double_or_reply(struct cmdctx *c, const struct sarg *a, enum serr msg, double *out)
{
    if (parse_double(a, out)) return true;
    reply_errs(c->r, msg);
    return false;
}

/* argv[0], argv[1]: longitude and latitude within the WGS84 limits. */
static bool lonlat_or_reply(struct cmdctx *c, const struct sarg *argv, double xy[2])
{
    for (int i = 0; i < 2; i++)
        if (!double_or_reply(c, &argv[i], SERR_NOTFLOAT, &xy[i])) return false;
    if (xy[0] < GEO_LONG_MIN || xy[0] > GEO_LONG_MAX || xy[1] < GEO_LAT_MIN ||
        xy[1] > GEO_LAT_MAX) {
        reply_errorf(c->r, SERRF_GEO_LONLAT, xy[0], xy[1]);
        return false;
    }
    return true;
}

/* Metres per unit, or -1 after replying. */
static double unit_or_reply(struct cmdctx *c, const struct sarg *u)
{
    if (arg_is(u, "m")) return 1;
    if (arg_is(u, "km")) return 1000;
    if (arg_is(u, "ft")) return 0.3048;
    if (arg_is(u, "mi")) return 1609.34;
    reply_errs(c->r, SERR_GEO_UNIT);
    return -1;
}

/* <radius> <unit> */
static bool distance_or_reply(struct cmdctx *c, const struct sarg *argv, double *conversion,
                              double *radius)
{
    if (!double_or_reply(c, &argv[0], SERR_GEO_RADIUS_NUM, radius)) return false;
    if (*radius < 0) {
        reply_errs(c->r, SERR_GEO_RADIUS_NEG);
        return false;
    }
    double m = unit_or_reply(c, &argv[1]);
    if (m < 0) return false;
    *conversion = m;
    return true;
}

/* <width> <height> <unit> */
static bool box_or_reply(struct cmdctx *c, const struct sarg *argv, double *conversion,
                         double *width, double *height)
{
    if (!double_or_reply(c, &argv[0], SERR_GEO_WIDTH_NUM, width) ||
        !double_or_reply(c, &argv[1], SERR_GEO_HEIGHT_NUM, height))
        return false;
    if (*height < 0 || *width < 0) {
        reply_errs(c->r, SERR_GEO_BOX_NEG);
        return false;
    }
    double m = unit_or_reply(c, &argv[2]);
    if (m < 0) return false;
    *conversion = m;
    return true;
}

/* The position of a member, false if it is not in the set. */
static bool member_pos(const struct sobj *z, const struct sarg *m, double xy[2])
{
    double score;
    return zset_obj_score(z, m->p, m->len, &score) && geo_decode_score(score, xy);
}

/* ------------------------------------------------------------------------ */
/* Number formatting. */

/* Redis's fixedpoint_d2string with four decimals: the value scaled by
 * 10^4, rounded to nearest even (llrint), written with its point. */
static void reply_distance(struct cmdctx *c, double d)
{
    char buf[64];
    int n;
    if (d == 0) {
        n = snprintf(buf, sizeof(buf), "0.0000");
    } else {
        long long s = llrint(d * 10000.0);
        unsigned long long v = s < 0 ? 0ULL - (unsigned long long)s : (unsigned long long)s;
        n = snprintf(buf, sizeof(buf), "%s%llu.%04llu", s < 0 ? "-" : "", v / 10000, v % 10000);
    }
    reply_bulk(c->r, buf, (size_t)n);
}

/* Redis's addReplyHumanLongDouble. */
static void reply_coord(struct cmdctx *c, double v)
{
    char buf[5200];
    int n = str_from_ld_human(buf, sizeof(buf) - 3, (long double)v);
    if (c->r->resp == 2) {
        reply_bulk(c->r, buf, (size_t)n);
    } else {
        reply_raw(c->r, ",", 1);
        reply_raw(c->r, buf, (size_t)n);
        reply_raw(c->r, "\r\n", 2);
    }
}

/* ------------------------------------------------------------------------ */
/* GEOADD key [NX|XX] [CH] longitude latitude member [...] */

void cmd_geoadd(struct cmdctx *c)
{
    bool nx = false, xx = false;
    int first = 2;
    for (; first < c->argc; first++) {
        const struct sarg *a = &c->argv[first];
        if (arg_is(a, "nx"))
            nx = true;
        else if (arg_is(a, "xx"))
            xx = true;
        else if (!arg_is(a, "ch")) /* ZADD takes CH itself */
            break;
    }
    if ((c->argc - first) % 3 || (xx && nx)) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    int elements = (c->argc - first) / 3;
    int zargc = first + elements * 2;
    struct sarg *zargv = malloc(sizeof(*zargv) * (size_t)zargc);
    char(*scores)[24] = malloc(24 * (size_t)(elements ? elements : 1));
    if (!zargv || !scores) {
        free(zargv);
        free(scores);
        reply_oom(c);
        return;
    }
    zargv[0] = SARG_LIT("zadd");
    for (int i = 1; i < first; i++) zargv[i] = c->argv[i];
    for (int i = 0; i < elements; i++) {
        double xy[2];
        if (!lonlat_or_reply(c, &c->argv[first + i * 3], xy)) {
            free(zargv);
            free(scores);
            return;
        }
        struct geo_bits h;
        geo_encode_wgs84(xy[0], xy[1], GEO_STEP_MAX, &h);
        zargv[first + i * 2] = sarg_ll(scores[i], (long long)geo_align52(h));
        zargv[first + i * 2 + 1] = c->argv[first + i * 3 + 2];
    }
    /* ZADD does the work, on the rewritten arguments, and is what the log
     * records (Redis's replaceClientCommandVector) */
    int argc = c->argc;
    struct sarg *argv = c->argv;
    c->argc = zargc;
    c->argv = zargv;
    cmd_zadd(c);
    c->argc = argc;
    c->argv = argv;
    cmd_effect_replace(c, zargc, zargv);
    free(zargv);
    free(scores);
}

/* ------------------------------------------------------------------------ */
/* GEODIST, GEOHASH, GEOPOS */

void cmd_geodist(struct cmdctx *c)
{
    double to_meter = 1;
    if (c->argc == 5) {
        to_meter = unit_or_reply(c, &c->argv[4]);
        if (to_meter < 0) return;
    } else if (c->argc > 5) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    bool err;
    const struct sobj *z = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    double a[2], b[2];
    if (!z || !member_pos(z, &c->argv[2], a) || !member_pos(z, &c->argv[3], b)) {
        reply_null(c->r);
        return;
    }
    reply_distance(c, geo_distance(a[0], a[1], b[0], b[1]) / to_meter);
}

void cmd_geohash(struct cmdctx *c)
{
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    bool err;
    const struct sobj *z = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    reply_array(c->r, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double xy[2];
        if (!z || !member_pos(z, &c->argv[j], xy)) {
            reply_null(c->r);
            continue;
        }
        /* the standard geohash uses latitudes -90..90: re-encode */
        struct geo_range lon = {-180, 180}, lat = {-90, 90};
        struct geo_bits h;
        geo_encode(&lon, &lat, xy[0], xy[1], 26, &h);
        char buf[11];
        for (int i = 0; i < 11; i++) {
            /* 52 bits make 10 characters; the 11th is 0, as Redis has it */
            unsigned idx = i == 10 ? 0 : (unsigned)(h.bits >> (52 - (i + 1) * 5)) & 0x1f;
            buf[i] = alphabet[idx];
        }
        reply_bulk(c->r, buf, 11);
    }
}

void cmd_geopos(struct cmdctx *c)
{
    bool err;
    const struct sobj *z = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    reply_array(c->r, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double xy[2];
        if (!z || !member_pos(z, &c->argv[j], xy)) {
            reply_null_array(c->r);
            continue;
        }
        reply_array(c->r, 2);
        reply_coord(c, xy[0]);
        reply_coord(c, xy[1]);
    }
}

/* ------------------------------------------------------------------------ */
/* The searches. */

struct geo_point {
    double lon, lat, dist, score;
    size_t moff, mlen; /* the member's bytes in geo_found.names */
    size_t order;      /* position found: ties keep it (a stable sort) */
};

/* The points found; member names are copied back to back into one buffer
 * (no allocation per point). */
struct geo_found {
    struct geo_point *v;
    size_t n, cap;
    char *names;
    size_t names_len, names_cap;
    size_t limit; /* ANY: stop at this many (0: no limit) */
    const struct geo_shape *shape;
    bool oom;
};

static bool found_add(const char *m, size_t len, double score, void *arg)
{
    struct geo_found *f = arg;
    double xy[2], dist = 0;
    const struct geo_shape *s = f->shape;
    if (!geo_decode_score(score, xy)) return true;
    bool in =
        s->type == GEO_CIRCLE
            ? geo_in_radius(s->xy[0], s->xy[1], xy[0], xy[1], s->radius * s->conversion, &dist)
            : geo_in_rect(s->width * s->conversion, s->height * s->conversion, s->xy[0], s->xy[1],
                          xy[0], xy[1], &dist);
    if (in) {
        if (f->n == f->cap) {
            size_t cap = f->cap ? f->cap * 2 : 8;
            struct geo_point *v = realloc(f->v, sizeof(*v) * cap);
            if (!v) {
                f->oom = true;
                return false;
            }
            f->v = v;
            f->cap = cap;
        }
        if (f->names_len + len > f->names_cap) {
            size_t cap = f->names_cap ? f->names_cap * 2 : 1024;
            while (cap < f->names_len + len) cap *= 2;
            char *nb = realloc(f->names, cap);
            if (!nb) {
                f->oom = true;
                return false;
            }
            f->names = nb;
            f->names_cap = cap;
        }
        memcpy(f->names + f->names_len, m, len);
        f->v[f->n] = (struct geo_point){xy[0], xy[1], dist, score, f->names_len, len, f->n};
        f->names_len += len;
        f->n++;
    }
    return !(f->n && f->limit && f->n >= f->limit);
}

/* Redis's membersOfAllNeighbors: the nine boxes in order, skipping excluded
 * ones and a box equal to the last one scanned (huge radii make adjacent
 * boxes the same), stopping once ANY's count is reached. */
static void scan_boxes(const struct sobj *z, const struct geo_boxes *b, struct geo_found *f)
{
    int last = 0;
    for (int i = 0; i < 9 && !f->oom; i++) {
        const struct geo_bits *h = &b->box[i];
        if (h->bits == 0 && h->step == 0) continue;
        if (last && h->bits == b->box[last].bits && h->step == b->box[last].step) continue;
        if (f->n && f->limit && f->n >= f->limit) break;
        struct geo_bits next = *h;
        next.bits++;
        zset_obj_walk_score(z, (double)geo_align52(*h), (double)geo_align52(next), true, found_add,
                            f);
        last = i;
    }
}

static int cmp_asc(const void *pa, const void *pb)
{
    const struct geo_point *a = pa, *b = pb;
    if (a->dist != b->dist) return a->dist > b->dist ? 1 : -1;
    return a->order > b->order ? 1 : a->order < b->order ? -1 : 0;
}

static int cmp_desc(const void *pa, const void *pb)
{
    const struct geo_point *a = pa, *b = pb;
    if (a->dist != b->dist) return a->dist < b->dist ? 1 : -1;
    return a->order > b->order ? 1 : a->order < b->order ? -1 : 0;
}

enum {
    GEO_BY_COORDS = 1 << 0, /* GEORADIUS */
    GEO_BY_MEMBER = 1 << 1, /* GEORADIUSBYMEMBER */
    GEO_NOSTORE = 1 << 2,   /* the _RO forms */
    GEO_SEARCH = 1 << 3,    /* GEOSEARCH argument syntax */
    GEO_SEARCHSTORE = 1 << 4,
};
enum { SORT_NONE, SORT_ASC, SORT_DESC };

/* Redis's georadiusGeneric: src is the source key's index. */
static void georadius_generic(struct cmdctx *c, int src, int flags)
{
    int store_at = 0; /* STORE/STOREDIST key's argument, 0 for none */
    bool storedist = false;
    bool err;
    const struct sobj *z = db_read_typed(c, &c->argv[src], OBJ_ZSET, &err);
    if (err) return;

    int base;
    struct geo_shape shape = {0};
    if (flags & GEO_BY_COORDS) {
        base = 6;
        shape.type = GEO_CIRCLE;
        if (!lonlat_or_reply(c, &c->argv[2], shape.xy)) return;
        if (!distance_or_reply(c, &c->argv[4], &shape.conversion, &shape.radius)) return;
    } else if ((flags & GEO_BY_MEMBER) && !z) {
        /* no source: parse on to know which empty reply to give */
        base = 5;
    } else if (flags & GEO_BY_MEMBER) {
        base = 5;
        shape.type = GEO_CIRCLE;
        if (!member_pos(z, &c->argv[2], shape.xy)) {
            reply_errs(c->r, SERR_GEO_MEMBER);
            return;
        }
        if (!distance_or_reply(c, &c->argv[3], &shape.conversion, &shape.radius)) return;
    } else {
        base = 2;
        if (flags & GEO_SEARCHSTORE) {
            base = 3;
            store_at = 1;
        }
    }

    bool withdist = false, withhash = false, withcoords = false, any = false;
    bool frommember = false, fromloc = false, byradius = false, bybox = false;
    int sort = SORT_NONE;
    long long count = 0;
    int remaining = c->argc - base;
    for (int i = 0; i < remaining; i++) {
        const struct sarg *a = &c->argv[base + i];
        if (arg_is(a, "withdist")) {
            withdist = true;
        } else if (arg_is(a, "withhash")) {
            withhash = true;
        } else if (arg_is(a, "withcoord")) {
            withcoords = true;
        } else if (arg_is(a, "any")) {
            any = true;
        } else if (arg_is(a, "asc")) {
            sort = SORT_ASC;
        } else if (arg_is(a, "desc")) {
            sort = SORT_DESC;
        } else if (arg_is(a, "count") && i + 1 < remaining) {
            if (!arg_ll_or_reply(c, &c->argv[base + i + 1], &count)) return;
            if (count <= 0) {
                reply_errs(c->r, SERR_GEO_COUNT);
                return;
            }
            i++;
        } else if ((arg_is(a, "store") || arg_is(a, "storedist")) && i + 1 < remaining &&
                   !(flags & GEO_NOSTORE) && !(flags & GEO_SEARCH)) {
            storedist = arg_is(a, "storedist");
            store_at = base + i + 1;
            i++;
        } else if (arg_is(a, "storedist") && (flags & GEO_SEARCH) && (flags & GEO_SEARCHSTORE)) {
            storedist = true;
        } else if (arg_is(a, "frommember") && i + 1 < remaining && (flags & GEO_SEARCH) &&
                   !fromloc) {
            /* without a source, parse on and answer empty at the end */
            if (z && !member_pos(z, &c->argv[base + i + 1], shape.xy)) {
                reply_errs(c->r, SERR_GEO_MEMBER);
                return;
            }
            frommember = true;
            i++;
        } else if (arg_is(a, "fromlonlat") && i + 2 < remaining && (flags & GEO_SEARCH) &&
                   !frommember) {
            if (!lonlat_or_reply(c, &c->argv[base + i + 1], shape.xy)) return;
            fromloc = true;
            i += 2;
        } else if (arg_is(a, "byradius") && i + 2 < remaining && (flags & GEO_SEARCH) && !bybox) {
            if (!distance_or_reply(c, &c->argv[base + i + 1], &shape.conversion, &shape.radius))
                return;
            shape.type = GEO_CIRCLE;
            byradius = true;
            i += 2;
        } else if (arg_is(a, "bybox") && i + 3 < remaining && (flags & GEO_SEARCH) && !byradius) {
            if (!box_or_reply(c, &c->argv[base + i + 1], &shape.conversion, &shape.width,
                              &shape.height))
                return;
            shape.type = GEO_RECT;
            bybox = true;
            i += 3;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    const struct sarg *storekey = store_at ? &c->argv[store_at] : NULL;
    if (store_at && (withdist || withhash || withcoords)) {
        reply_errorf(c->r, SERRF_GEO_STORE_WITH,
                     (flags & GEO_SEARCHSTORE) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return;
    }
    const struct sarg name = c->argv[0];
    if ((flags & GEO_SEARCH) && !(frommember || fromloc)) {
        reply_errorf(c->r, SERRF_GEO_FROM, (int)name.len, name.p);
        return;
    }
    if ((flags & GEO_SEARCH) && !(byradius || bybox)) {
        reply_errorf(c->r, SERRF_GEO_BY, (int)name.len, name.p);
        return;
    }
    if (any && !count) {
        reply_errs(c->r, SERR_GEO_ANY_COUNT);
        return;
    }
    if (!z) {
        if (store_at) {
            db_delete(c, c->db, storekey);
            reply_int(c->r, 0);
        } else {
            reply_array(c->r, 0);
        }
        return;
    }
    /* COUNT means the nearest ones: sorted, unless ANY */
    if (count && sort == SORT_NONE && !any) sort = SORT_ASC;

    struct geo_boxes boxes;
    geo_boxes_for(&shape, &boxes);
    struct geo_found f = {.limit = any ? (size_t)count : 0, .shape = &shape};
    scan_boxes(z, &boxes, &f);
    if (f.oom || (f.n == 0 && !store_at)) {
        free(f.v);
        free(f.names);
        if (f.oom)
            reply_oom(c);
        else
            reply_array(c->r, 0);
        return;
    }
    size_t returned = (count == 0 || f.n < (size_t)count) ? f.n : (size_t)count;
    if (sort != SORT_NONE && f.n > 1)
        qsort(f.v, f.n, sizeof(*f.v), sort == SORT_ASC ? cmp_asc : cmp_desc);

    if (!store_at) {
        int opts = withdist + withhash + withcoords;
        reply_array(c->r, (long)returned);
        for (size_t i = 0; i < returned; i++) {
            struct geo_point *p = &f.v[i];
            p->dist /= shape.conversion;
            if (opts) reply_array(c->r, opts + 1);
            reply_bulk(c->r, f.names + p->moff, p->mlen);
            if (withdist) reply_distance(c, p->dist);
            if (withhash) reply_int(c->r, (long long)p->score);
            if (withcoords) {
                reply_array(c->r, 2);
                reply_coord(c, p->lon);
                reply_coord(c, p->lat);
            }
        }
    } else if (returned) {
        /* a skiplist of the results, then listpack if it fits (Redis's
         * zsetConvertToListpackIfNeeded) */
        struct zset *zs = zset_new();
        struct sobj *o = zs ? obj_new_coll(OBJ_ZSET, ENC_SKIPLIST, zs) : NULL;
        size_t maxlen = 0, totlen = 0;
        bool ok = o != NULL;
        for (size_t i = 0; ok && i < returned; i++) {
            struct geo_point *p = &f.v[i];
            p->dist /= shape.conversion;
            if (p->mlen > maxlen) maxlen = p->mlen;
            totlen += p->mlen;
            ok =
                zset_insert(zs, storedist ? p->dist : p->score, f.names + p->moff, p->mlen) != NULL;
        }
        if (ok) zset_obj_maybe_to_listpack(o, maxlen, totlen);
        if (!ok || !db_set(c, c->db, storekey, o, false)) {
            if (o)
                obj_free(o);
            else if (zs)
                zset_free(zs);
            ok = false;
        }
        if (ok) {
            /* Redis counts one change per element stored; db_set counted one */
            c->dirty += returned - 1;
            reply_int(c->r, (long long)returned);
        } else {
            reply_oom(c);
        }
    } else {
        db_delete(c, c->db, storekey);
        reply_int(c->r, 0);
    }
    free(f.v);
    free(f.names);
}

void cmd_georadius(struct cmdctx *c)
{
    georadius_generic(c, 1, GEO_BY_COORDS);
}

void cmd_georadius_ro(struct cmdctx *c)
{
    georadius_generic(c, 1, GEO_BY_COORDS | GEO_NOSTORE);
}

void cmd_georadiusbymember(struct cmdctx *c)
{
    georadius_generic(c, 1, GEO_BY_MEMBER);
}

void cmd_georadiusbymember_ro(struct cmdctx *c)
{
    georadius_generic(c, 1, GEO_BY_MEMBER | GEO_NOSTORE);
}

void cmd_geosearch(struct cmdctx *c)
{
    georadius_generic(c, 1, GEO_SEARCH);
}

void cmd_geosearchstore(struct cmdctx *c)
{
    georadius_generic(c, 2, GEO_SEARCH | GEO_SEARCHSTORE);
}

/* Keys of GEORADIUS and GEORADIUSBYMEMBER: the source, then the key after
 * each STORE and STOREDIST from the argument where options start (6, or 5
 * BYMEMBER), as Redis's key specs find them. Redis's specs take only the
 * first STORE and the first STOREDIST; we take every one, so that the key
 * the command really writes (the last one) is always locked. */
int keys_georadius(int argc, const struct sarg *argv, int *out, int max)
{
    bool bymember = argv[0].len == strlen("georadiusbymember");
    int n = 0;
    if (n < max) out[n++] = 1;
    for (int i = bymember ? 5 : 6; i < argc - 1 && n < max; i++) {
        if (arg_is(&argv[i], "store") || arg_is(&argv[i], "storedist")) {
            out[n++] = i + 1;
            i++;
        }
    }
    return n;
}
