/* t_zset.c — sorted sets and the sorted-set commands of Redis 7.0 (the
 * blocking BZPOP* family is built on zset_pop() elsewhere).
 *
 * Two encodings, as OBJECT ENCODING reports them:
 *   listpack  member, score, member, score ... ordered by (score, member),
 *             scores written as Redis's d2string does (integers below 2^52
 *             as integers, else %.17g), so a DUMP matches Redis byte for
 *             byte; used while there are at most zset-max-listpack-entries
 *             members of at most zset-max-listpack-value bytes;
 *   skiplist  zskiplist.h: a skiplist with spans plus a member dict, one
 *             allocation per element.
 * The conversion points are Redis's: ZADD creates the key in the encoding
 * its arguments fit (zsetTypeCreate), an insert that would overflow the
 * listpack converts first, and the STORE commands build their result and
 * convert it back to a listpack when it is small (zsetConvertToListpackIfNeeded).
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "db.h"
#include "listpack.h"
#include "t_set.h"
#include "t_zset.h"
#include "tunables.h"
#include "zskiplist.h"

void cmd_zadd(struct cmdctx *c);
void cmd_zincrby(struct cmdctx *c);
void cmd_zrem(struct cmdctx *c);
void cmd_zcard(struct cmdctx *c);
void cmd_zcount(struct cmdctx *c);
void cmd_zlexcount(struct cmdctx *c);
void cmd_zscore(struct cmdctx *c);
void cmd_zmscore(struct cmdctx *c);
void cmd_zrank(struct cmdctx *c);
void cmd_zrevrank(struct cmdctx *c);
void cmd_zrange(struct cmdctx *c);
void cmd_zrangestore(struct cmdctx *c);
void cmd_zrangebyscore(struct cmdctx *c);
void cmd_zrevrangebyscore(struct cmdctx *c);
void cmd_zrangebylex(struct cmdctx *c);
void cmd_zrevrangebylex(struct cmdctx *c);
void cmd_zrevrange(struct cmdctx *c);
void cmd_zremrangebyrank(struct cmdctx *c);
void cmd_zremrangebyscore(struct cmdctx *c);
void cmd_zremrangebylex(struct cmdctx *c);
void cmd_zpopmin(struct cmdctx *c);
void cmd_zpopmax(struct cmdctx *c);
void cmd_zmpop(struct cmdctx *c);
void cmd_zrandmember(struct cmdctx *c);
void cmd_zunion(struct cmdctx *c);
void cmd_zinter(struct cmdctx *c);
void cmd_zdiff(struct cmdctx *c);
void cmd_zunionstore(struct cmdctx *c);
void cmd_zinterstore(struct cmdctx *c);
void cmd_zdiffstore(struct cmdctx *c);
void cmd_zintercard(struct cmdctx *c);
void cmd_zscan(struct cmdctx *c);
int keys_zstore(int argc, const struct sarg *argv, int *out, int max);

static inline struct zset *ZS(const struct sobj *o)
{
    return (struct zset *)o->v.ptr;
}

/* ------------------------------------------------------------------------ */
/* Scores in listpacks. */

/* Redis's d2string: integers in (-2^52, 2^52) as integers, else %.17g. */
static int d2str(char *buf, size_t cap, double d)
{
    if (isinf(d)) return snprintf(buf, cap, "%s", d > 0 ? "inf" : "-inf");
    if (d == 0) return snprintf(buf, cap, "0"); /* -0 too, as redis-server 7.0.15 stores it */
    if (d > -4503599627370495.0 && d < 4503599627370496.0 && d == (double)(long long)d)
        return ll_to_str(buf, cap, (long long)d);
    return snprintf(buf, cap, "%.17g", d);
}

static double lp_score(const unsigned char *p)
{
    uint32_t len;
    int64_t v;
    const unsigned char *s = lp_get(p, &len, &v);
    if (!s) return (double)v;
    char buf[128];
    if (len >= sizeof(buf)) len = sizeof(buf) - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return strtod(buf, NULL);
}

/* Member at p as bytes (ints formatted into buf). */
static inline const char *lp_member(const unsigned char *p, size_t *len, char buf[LP_INTBUF])
{
    uint32_t l;
    const char *s = (const char *)lp_get_str(p, &l, buf);
    *len = l;
    return s;
}

static unsigned char *zlp_find(unsigned char *lp, const char *m, size_t len, double *score)
{
    unsigned char *p = lp_first(lp);
    if (!p) return NULL;
    p = lp_find(lp, p, m, len, 1);
    if (p && score) *score = lp_score(lp_next(lp, p));
    return p;
}

/* Insert (member, score) in order. NULL on allocation failure. */
static unsigned char *zlp_insert(unsigned char *lp, const char *m, size_t len, double score)
{
    char sb[64];
    int sl = d2str(sb, sizeof(sb), score);
    unsigned char *p = lp_first(lp);
    while (p) {
        unsigned char *sp = lp_next(lp, p);
        double s = lp_score(sp);
        if (s > score) break;
        if (s == score) {
            char mb[LP_INTBUF];
            size_t ml;
            const char *mm = lp_member(p, &ml, mb);
            if (zr_cmp(mm, ml, m, len) > 0) break;
        }
        p = lp_next(lp, sp);
    }
    unsigned char *at = p ? p : lp + lp_bytes(lp) - 1, *np;
    unsigned char *n = lp_insert_str(lp, at, m, len, LP_BEFORE, &np);
    if (!n) return NULL;
    unsigned char *n2 = lp_insert_str(n, np, sb, (size_t)sl, LP_AFTER, NULL);
    if (!n2) return lp_delete(n, np, NULL);
    return n2;
}

/* ------------------------------------------------------------------------ */
/* Type operations. */

unsigned long zset_obj_len(const struct sobj *o)
{
    if (o->enc == ENC_LISTPACK) return lp_count(o->v.ptr) / 2;
    return ZS(o)->length;
}

void zset_walk(const struct sobj *o, void (*fn)(void *arg, const char *m, size_t ml, double score),
               void *arg)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->v.ptr;
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
            char buf[LP_INTBUF];
            size_t l;
            const char *m = lp_member(p, &l, buf);
            fn(arg, m, l, lp_score(lp_next(lp, p)));
        }
        return;
    }
    for (const struct zsnode *n = zset_first(ZS(o)); n; n = n->lv[0].fwd)
        fn(arg, zsn_member(n), n->mlen, n->score);
}

/* Redis's zsetTypeCreate: listpack if the hints fit, else skiplist. */
static struct sobj *zobj_new(long size_hint, size_t len_hint)
{
    struct sobj *o;
    if (size_hint <= store_tun.zset_max_listpack_entries &&
        (long long)len_hint <= store_tun.zset_max_listpack_value) {
        unsigned char *lp = lp_new(0);
        if (!lp) return NULL;
        o = obj_new_coll(OBJ_ZSET, ENC_LISTPACK, lp);
        if (!o) lp_free(lp);
    } else {
        struct zset *zs = zset_new();
        if (!zs) return NULL;
        o = obj_new_coll(OBJ_ZSET, ENC_SKIPLIST, zs);
        if (!o) zset_free(zs);
    }
    return o;
}

bool zset_obj_to_skiplist(struct sobj *o)
{
    if (o->enc != ENC_LISTPACK) return true;
    struct zset *zs = zset_new();
    if (!zs) return false;
    unsigned char *lp = o->v.ptr;
    dict_expand(&zs->d, lp_count(lp) / 2);
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
        char mb[LP_INTBUF];
        size_t ml;
        const char *m = lp_member(p, &ml, mb);
        if (!zset_insert(zs, lp_score(lp_next(lp, p)), m, ml)) {
            zset_free(zs);
            return false;
        }
    }
    lp_free(lp);
    o->enc = ENC_SKIPLIST;
    o->v.ptr = zs;
    return true;
}

/* zsetConvertToListpackIfNeeded. */
void zset_obj_maybe_to_listpack(struct sobj *o, size_t maxlen, size_t totlen)
{
    if (o->enc == ENC_LISTPACK) return;
    struct zset *zs = ZS(o);
    if ((long long)zs->length > store_tun.zset_max_listpack_entries ||
        (long long)maxlen > store_tun.zset_max_listpack_value || !lp_safe_to_add(NULL, totlen))
        return;
    unsigned char *lp = lp_new(0);
    if (!lp) return;
    for (struct zsnode *n = zset_first(zs); n; n = n->lv[0].fwd) {
        char sb[64];
        int sl = d2str(sb, sizeof(sb), n->score);
        unsigned char *t = lp_append(lp, zsn_member(n), n->mlen);
        if (t) t = lp_append(lp = t, sb, (size_t)sl);
        if (!t) {
            lp_free(lp);
            return;
        }
        lp = t;
    }
    zset_free(zs);
    o->enc = ENC_LISTPACK;
    o->v.ptr = lp;
}

static bool zobj_score(const struct sobj *o, const char *m, size_t len, double *score)
{
    if (o->enc == ENC_LISTPACK) return zlp_find(o->v.ptr, m, len, score) != NULL;
    struct zsnode *n = zset_find(ZS(o), m, len);
    if (n) *score = n->score;
    return n != NULL;
}

static bool zobj_del(struct sobj *o, const char *m, size_t len)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *p = zlp_find(o->v.ptr, m, len, NULL);
        if (!p) return false;
        o->v.ptr = lp_delete_range_p(o->v.ptr, &p, 2);
        return true;
    }
    return zset_delete(ZS(o), m, len);
}

enum {
    ZADD_IN_INCR = 1 << 0,
    ZADD_IN_NX = 1 << 1,
    ZADD_IN_XX = 1 << 2,
    ZADD_IN_GT = 1 << 3,
    ZADD_IN_LT = 1 << 4,
    ZADD_OUT_NOP = 1 << 0,
    ZADD_OUT_NAN = 1 << 1,
    ZADD_OUT_ADDED = 1 << 2,
    ZADD_OUT_UPDATED = 1 << 3,
};

/* Redis's zsetAdd: 1 on success (see *out), 0 if the result is NaN, -1 out
 * of memory. */
static int zobj_add(struct sobj *o, double score, const char *m, size_t len, int in, int *out,
                    double *newscore)
{
    *out = 0;
    if (isnan(score)) {
        *out = ZADD_OUT_NAN;
        return 0;
    }
    double cur;
    if (zobj_score(o, m, len, &cur)) {
        if (in & ZADD_IN_NX) {
            *out |= ZADD_OUT_NOP;
            return 1;
        }
        if (in & ZADD_IN_INCR) {
            score += cur;
            if (isnan(score)) {
                *out |= ZADD_OUT_NAN;
                return 0;
            }
        }
        if (((in & ZADD_IN_LT) && score >= cur) || ((in & ZADD_IN_GT) && score <= cur)) {
            *out |= ZADD_OUT_NOP;
            return 1;
        }
        if (newscore) *newscore = score;
        if (score != cur) {
            if (o->enc == ENC_LISTPACK) {
                unsigned char *p = zlp_find(o->v.ptr, m, len, NULL);
                char *copy = malloc(len + 1);
                if (!copy) return -1;
                memcpy(copy, m, len); /* m may point into the listpack */
                o->v.ptr = lp_delete_range_p(o->v.ptr, &p, 2);
                unsigned char *lp = zlp_insert(o->v.ptr, copy, len, score);
                free(copy);
                if (!lp) return -1;
                o->v.ptr = lp;
            } else {
                zset_update(ZS(o), zset_find(ZS(o), m, len), score);
            }
            *out |= ZADD_OUT_UPDATED;
        }
        return 1;
    }
    if (in & ZADD_IN_XX) {
        *out |= ZADD_OUT_NOP;
        return 1;
    }
    if (o->enc == ENC_LISTPACK) {
        if ((long long)zset_obj_len(o) + 1 > store_tun.zset_max_listpack_entries ||
            (long long)len > store_tun.zset_max_listpack_value || !lp_safe_to_add(o->v.ptr, len)) {
            if (!zset_obj_to_skiplist(o)) return -1;
        } else {
            unsigned char *lp = zlp_insert(o->v.ptr, m, len, score);
            if (!lp) return -1;
            o->v.ptr = lp;
            if (newscore) *newscore = score;
            *out |= ZADD_OUT_ADDED;
            return 1;
        }
    }
    if (!zset_insert(ZS(o), score, m, len)) return -1;
    if (newscore) *newscore = score;
    *out |= ZADD_OUT_ADDED;
    return 1;
}

static void zobj_free(struct sobj *o)
{
    if (o->enc == ENC_LISTPACK)
        lp_free(o->v.ptr);
    else
        zset_free(ZS(o));
}

static struct sobj *zobj_dup(const struct sobj *o)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = lp_dup(o->v.ptr);
        if (!lp) return NULL;
        struct sobj *n = obj_new_coll(OBJ_ZSET, ENC_LISTPACK, lp);
        if (!n) lp_free(lp);
        return n;
    }
    struct sobj *n = zobj_new(LONG_MAX, 0);
    if (!n) return NULL;
    dict_expand(&ZS(n)->d, ZS(o)->length);
    for (struct zsnode *x = zset_first(ZS(o)); x; x = x->lv[0].fwd)
        zset_insert(ZS(n), x->score, zsn_member(x), x->mlen);
    return n;
}

static size_t zobj_mem_usage(const struct sobj *o)
{
    if (o->enc == ENC_LISTPACK) return sizeof(*o) + lp_bytes(o->v.ptr);
    const struct zset *zs = ZS(o);
    size_t n = sizeof(*o) + sizeof(*zs) + (zs->d.size[0] + zs->d.size[1]) * sizeof(void *);
    size_t sampled = 0, bytes = 0;
    for (struct zsnode *x = zset_first(zs); x && sampled < 5; x = x->lv[0].fwd, sampled++)
        bytes += sizeof(*x) + x->lvl * sizeof(struct zslevel) + x->mlen;
    if (sampled) n += bytes * zs->length / sampled;
    return n;
}

static const struct obj_type_ops zset_ops = {zobj_free, zobj_dup, zobj_mem_usage};

__attribute__((constructor)) static void zset_register(void)
{
    obj_register_type(OBJ_ZSET, &zset_ops);
}

/* ------------------------------------------------------------------------ */
/* A position in either encoding, walked in either direction. */

struct zcur {
    const struct sobj *o;
    unsigned char *p; /* listpack: the member entry */
    struct zsnode *n;
    char buf[LP_INTBUF];
};

static inline bool zc_valid(const struct zcur *z)
{
    return z->o->enc == ENC_LISTPACK ? z->p != NULL : z->n != NULL;
}

static void zc_get(struct zcur *z, const char **m, size_t *len, double *score)
{
    if (z->o->enc == ENC_LISTPACK) {
        *m = lp_member(z->p, len, z->buf);
        *score = lp_score(lp_next(z->o->v.ptr, z->p));
    } else {
        *m = zsn_member(z->n);
        *len = z->n->mlen;
        *score = z->n->score;
    }
}

static void zc_next(struct zcur *z, bool rev)
{
    if (z->o->enc == ENC_LISTPACK) {
        unsigned char *lp = z->o->v.ptr;
        if (rev) {
            unsigned char *s = lp_prev(lp, z->p);
            z->p = s ? lp_prev(lp, s) : NULL;
        } else {
            z->p = lp_next(lp, lp_next(lp, z->p));
        }
    } else {
        z->n = rev ? z->n->back : z->n->lv[0].fwd;
    }
}

/* Cursor at 0-based rank (from the end when rev). */
static void zc_at_rank(struct zcur *z, const struct sobj *o, long rank, bool rev)
{
    z->o = o;
    unsigned long len = zset_obj_len(o);
    if (o->enc == ENC_LISTPACK) {
        long idx = rev ? (long)(len - 1 - (unsigned long)rank) : rank;
        z->p = lp_seek(o->v.ptr, 2 * idx);
    } else {
        z->n = zset_by_rank(ZS(o), rev ? len - (unsigned long)rank : (unsigned long)rank + 1);
    }
}

/* Cursor at the first element inside the score range (last when rev). */
static void zc_in_score(struct zcur *z, const struct sobj *o, const struct zrange_score *r,
                        bool rev)
{
    z->o = o;
    if (o->enc != ENC_LISTPACK) {
        z->n = rev ? zset_last_in_range(ZS(o), r) : zset_first_in_range(ZS(o), r);
        return;
    }
    unsigned char *lp = o->v.ptr;
    z->p = NULL;
    if (zr_empty(r)) return;
    if (!rev) {
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
            double s = lp_score(lp_next(lp, p));
            if (zr_gte_min(s, r)) {
                if (zr_lte_max(s, r)) z->p = p;
                return;
            }
        }
    } else {
        for (unsigned char *sp = lp_last(lp); sp;) {
            unsigned char *p = lp_prev(lp, sp);
            double s = lp_score(sp);
            if (zr_lte_max(s, r)) {
                if (zr_gte_min(s, r)) z->p = p;
                return;
            }
            sp = lp_prev(lp, p);
        }
    }
}

static void zc_in_lex(struct zcur *z, const struct sobj *o, const struct zrange_lex *r, bool rev)
{
    z->o = o;
    if (o->enc != ENC_LISTPACK) {
        z->n = rev ? zset_last_in_lex(ZS(o), r) : zset_first_in_lex(ZS(o), r);
        return;
    }
    unsigned char *lp = o->v.ptr;
    z->p = NULL;
    /* Redis's zzlIsInLexRange first: the last member >= min, the first <=
     * max (with mixed scores the walk below alone would answer otherwise) */
    char mb[LP_INTBUF];
    size_t ml;
    unsigned char *first = lp_first(lp), *last = first ? lp_prev(lp, lp_last(lp)) : NULL;
    if (zr_lex_empty(r) || !first) return;
    const char *lm = lp_member(last, &ml, mb);
    if (!zr_lex_gte_min(lm, ml, r)) return;
    lm = lp_member(first, &ml, mb);
    if (!zr_lex_lte_max(lm, ml, r)) return;
    if (!rev) {
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
            const char *m = lp_member(p, &ml, mb);
            if (zr_lex_gte_min(m, ml, r)) {
                if (zr_lex_lte_max(m, ml, r)) z->p = p;
                return;
            }
        }
    } else {
        for (unsigned char *sp = lp_last(lp); sp;) {
            unsigned char *p = lp_prev(lp, sp);
            const char *m = lp_member(p, &ml, mb);
            if (zr_lex_lte_max(m, ml, r)) {
                if (zr_lex_gte_min(m, ml, r)) z->p = p;
                return;
            }
            sp = lp_prev(lp, p);
        }
    }
}

bool zset_obj_score(const struct sobj *o, const char *m, size_t len, double *score)
{
    return zobj_score(o, m, len, score);
}

void zset_obj_walk_score(const struct sobj *o, double min, double max, bool maxex, zset_walk_fn fn,
                         void *arg)
{
    struct zrange_score r = {min, max, false, maxex};
    if (o->enc == ENC_SKIPLIST) {
        /* the next node is fetched while fn works on this one (a geo
         * search decodes and measures every point it walks) */
        for (struct zsnode *n = zset_first_in_range(ZS(o), &r); n; n = n->lv[0].fwd) {
            if (n->lv[0].fwd) __builtin_prefetch(n->lv[0].fwd);
            if (!zr_lte_max(n->score, &r) || !fn(zsn_member(n), n->mlen, n->score, arg)) break;
        }
        return;
    }
    struct zcur z;
    for (zc_in_score(&z, o, &r, false); zc_valid(&z); zc_next(&z, false)) {
        const char *m;
        size_t ml;
        double s;
        zc_get(&z, &m, &ml, &s);
        if (!zr_lte_max(s, &r) || !fn(m, ml, s, arg)) break;
    }
}

/* ------------------------------------------------------------------------ */
/* Range parsing. */

/* zslParseRange: strtod over the NUL-terminated argument, "(" exclusive;
 * no whole-string or space check beyond what strtod does (Redis's own). */
static bool parse_score_bound(const struct sarg *a, double *v, bool *ex)
{
    char buf[256];
    char *tmp = a->len < sizeof(buf) ? buf : malloc(a->len + 1);
    if (!tmp) return false;
    memcpy(tmp, a->p, a->len);
    tmp[a->len] = '\0';
    char *s = tmp, *end;
    *ex = false;
    if (s[0] == '(') {
        *ex = true;
        s++;
    }
    *v = strtod(s, &end);
    bool ok = *end == '\0' && !isnan(*v);
    if (tmp != buf) free(tmp);
    return ok;
}

static bool parse_score_range(const struct sarg *min, const struct sarg *max,
                              struct zrange_score *r)
{
    return parse_score_bound(min, &r->min, &r->minex) && parse_score_bound(max, &r->max, &r->maxex);
}

static bool parse_lex_bound(const struct sarg *a, const char **s, size_t *len, bool *ex, int *inf)
{
    *inf = 0;
    *ex = false;
    if (a->len == 0) return false;
    switch (a->p[0]) {
    case '+':
        if (a->len != 1) return false;
        *inf = 1;
        return true;
    case '-':
        if (a->len != 1) return false;
        *inf = -1;
        return true;
    case '(': *ex = true; /* fall through */
    case '[':
        *s = a->p + 1;
        *len = a->len - 1;
        return true;
    default: return false;
    }
}

static bool parse_lex_range(const struct sarg *min, const struct sarg *max, struct zrange_lex *r)
{
    return parse_lex_bound(min, &r->min, &r->minlen, &r->minex, &r->mininf) &&
           parse_lex_bound(max, &r->max, &r->maxlen, &r->maxex, &r->maxinf);
}

/* ------------------------------------------------------------------------ */
/* Result sinks: a client reply or a destination zset (ZRANGESTORE). */

struct zsink {
    struct cmdctx *c;
    bool withscores;
    struct sobj *dst; /* store mode */
    struct rdefer d;
    bool deferred;
    long n;
};

static void sink_begin(struct zsink *k, long len)
{
    k->n = 0;
    if (k->dst) return;
    if (len < 0) {
        k->d = reply_defer(k->c->r);
        k->deferred = true;
    } else {
        k->deferred = false;
        reply_array(k->c->r, k->withscores && k->c->r->resp == 2 ? len * 2 : len);
    }
}

static void sink_emit(struct zsink *k, const char *m, size_t len, double score)
{
    k->n++;
    if (k->dst) {
        int out;
        char *copy = malloc(len + 1);
        if (!copy) return;
        memcpy(copy, m, len);
        zobj_add(k->dst, score, copy, len, 0, &out, NULL);
        free(copy);
        return;
    }
    struct reply *r = k->c->r;
    if (k->withscores && r->resp > 2) reply_array(r, 2);
    reply_bulk(r, m, len);
    if (k->withscores) reply_double(r, score);
}

static void sink_end(struct zsink *k, const struct sarg *dstkey)
{
    struct cmdctx *c = k->c;
    if (k->dst) {
        if (k->n) {
            if (!db_set(c, c->db, dstkey, k->dst, false)) {
                obj_free(k->dst);
                reply_errs(c->r, SERR_OOM);
                return;
            }
        } else {
            obj_free(k->dst);
            db_delete(c, c->db, dstkey);
        }
        reply_int(c->r, k->n);
        return;
    }
    if (k->deferred)
        reply_defer_array(c->r, k->d, k->withscores && c->r->resp == 2 ? k->n * 2 : k->n);
}

/* Elements with 0-based ranks [start, end] (Redis's sanitized range). */
static void range_rank(struct zsink *k, const struct sobj *o, long long start, long long end,
                       bool rev)
{
    if (!coll_rank_range((long long)zset_obj_len(o), &start, &end)) {
        sink_begin(k, 0);
        return;
    }
    long rangelen = (long)(end - start + 1);
    sink_begin(k, rangelen);
    struct zcur z;
    zc_at_rank(&z, o, (long)start, rev);
    for (long i = 0; i < rangelen && zc_valid(&z); i++, zc_next(&z, rev)) {
        const char *m;
        size_t ml;
        double s;
        zc_get(&z, &m, &ml, &s);
        sink_emit(k, m, ml, s);
    }
}

static void range_score(struct zsink *k, const struct sobj *o, const struct zrange_score *r,
                        bool rev, long long offset, long long limit)
{
    sink_begin(k, -1);
    /* a negative offset skips everything (Redis counts it down to zero
     * through the whole set); a negative limit means no limit */
    if (offset < 0 || (offset > 0 && offset >= (long long)zset_obj_len(o))) return;
    struct zcur z;
    zc_in_score(&z, o, r, rev);
    while (zc_valid(&z) && offset-- > 0) zc_next(&z, rev);
    while (zc_valid(&z) && limit != 0) {
        if (limit > 0) limit--;
        const char *m;
        size_t ml;
        double s;
        zc_get(&z, &m, &ml, &s);
        if (rev ? !zr_gte_min(s, r) : !zr_lte_max(s, r)) break;
        sink_emit(k, m, ml, s);
        zc_next(&z, rev);
    }
}

static void range_lex(struct zsink *k, const struct sobj *o, const struct zrange_lex *r, bool rev,
                      long long offset, long long limit)
{
    sink_begin(k, -1);
    /* a negative offset skips everything (Redis counts it down to zero
     * through the whole set); a negative limit means no limit */
    if (offset < 0 || (offset > 0 && offset >= (long long)zset_obj_len(o))) return;
    struct zcur z;
    zc_in_lex(&z, o, r, rev);
    while (zc_valid(&z) && offset-- > 0) zc_next(&z, rev);
    while (zc_valid(&z) && limit != 0) {
        if (limit > 0) limit--;
        const char *m;
        size_t ml;
        double s;
        zc_get(&z, &m, &ml, &s);
        if (rev ? !zr_lex_gte_min(m, ml, r) : !zr_lex_lte_max(m, ml, r)) break;
        sink_emit(k, m, ml, s);
        zc_next(&z, rev);
    }
}

enum { ZR_AUTO, ZR_RANK, ZR_SCORE, ZR_LEX };
enum { ZD_AUTO, ZD_FWD, ZD_REV };

/* Redis's zrangeGenericCommand: argv[first] is the source key; the range
 * is at first+1, first+2; options follow. dst != NULL stores. */
static void zrange_generic(struct cmdctx *c, int first, const struct sarg *dst, int type, int dir)
{
    int minidx = first + 1, maxidx = first + 2;
    bool withscores = false;
    long long offset = 0, limit = -1;
    for (int j = first + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        const struct sarg *a = &c->argv[j];
        if (!dst && arg_is(a, "withscores")) {
            withscores = true;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (!arg_ll_or_reply(c, &c->argv[j + 1], &offset) ||
                !arg_ll_or_reply(c, &c->argv[j + 2], &limit))
                return;
            j += 2;
        } else if (dir == ZD_AUTO && arg_is(a, "rev")) {
            dir = ZD_REV;
        } else if (type == ZR_AUTO && arg_is(a, "bylex")) {
            type = ZR_LEX;
        } else if (type == ZR_AUTO && arg_is(a, "byscore")) {
            type = ZR_SCORE;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    if (dir == ZD_AUTO) dir = ZD_FWD;
    if (type == ZR_AUTO) type = ZR_RANK;
    if (limit != -1 && type == ZR_RANK) {
        reply_errs(c->r, SERR_ZRANGE_LIMIT);
        return;
    }
    if (withscores && type == ZR_LEX) {
        reply_errs(c->r, SERR_ZRANGE_WITHSCORES_LEX);
        return;
    }
    bool rev = dir == ZD_REV;
    if (rev && type != ZR_RANK) {
        int t = minidx;
        minidx = maxidx;
        maxidx = t;
    }
    long long start = 0, end = 0;
    struct zrange_score rs;
    struct zrange_lex rl;
    if (type == ZR_RANK) {
        if (!arg_ll_or_reply(c, &c->argv[minidx], &start) ||
            !arg_ll_or_reply(c, &c->argv[maxidx], &end))
            return;
    } else if (type == ZR_SCORE) {
        if (!parse_score_range(&c->argv[minidx], &c->argv[maxidx], &rs)) {
            reply_errs(c->r, SERR_MIN_MAX_FLOAT);
            return;
        }
    } else if (!parse_lex_range(&c->argv[minidx], &c->argv[maxidx], &rl)) {
        reply_errs(c->r, SERR_MIN_MAX_LEX);
        return;
    }
    struct zsink k = {.c = c, .withscores = withscores};
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[first], OBJ_ZSET, &err);
    if (err) return;
    if (!o) {
        if (dst) {
            db_delete(c, c->db, dst);
            reply_int(c->r, 0);
        } else {
            reply_array(c->r, 0);
        }
        return;
    }
    if (dst) {
        long hint = -1;
        if (type == ZR_RANK) {
            long long llen = (long long)zset_obj_len(o), s = start < 0 ? start + llen : start,
                      e = end < 0 ? end + llen : end;
            if (s < 0) s = 0;
            if (e >= llen) e = llen - 1;
            hint = s > e ? 0 : (long)(e - s + 1);
        }
        k.dst = zobj_new(hint, 0);
        if (!k.dst) {
            reply_errs(c->r, SERR_OOM);
            return;
        }
    }
    if (type == ZR_RANK)
        range_rank(&k, o, start, end, rev);
    else if (type == ZR_SCORE)
        range_score(&k, o, &rs, rev, offset, limit);
    else
        range_lex(&k, o, &rl, rev, offset, limit);
    sink_end(&k, dst);
}

void cmd_zrange(struct cmdctx *c)
{
    zrange_generic(c, 1, NULL, ZR_AUTO, ZD_AUTO);
}

void cmd_zrangestore(struct cmdctx *c)
{
    zrange_generic(c, 2, &c->argv[1], ZR_AUTO, ZD_AUTO);
}

void cmd_zrevrange(struct cmdctx *c)
{
    zrange_generic(c, 1, NULL, ZR_RANK, ZD_REV);
}

void cmd_zrangebyscore(struct cmdctx *c)
{
    zrange_generic(c, 1, NULL, ZR_SCORE, ZD_FWD);
}

void cmd_zrevrangebyscore(struct cmdctx *c)
{
    zrange_generic(c, 1, NULL, ZR_SCORE, ZD_REV);
}

void cmd_zrangebylex(struct cmdctx *c)
{
    zrange_generic(c, 1, NULL, ZR_LEX, ZD_FWD);
}

void cmd_zrevrangebylex(struct cmdctx *c)
{
    zrange_generic(c, 1, NULL, ZR_LEX, ZD_REV);
}

/* ------------------------------------------------------------------------ */
/* ZADD ZINCRBY */

static void zadd_generic(struct cmdctx *c, int in)
{
    int scoreidx = 2;
    bool ch = false;
    for (; scoreidx < c->argc; scoreidx++) {
        const struct sarg *a = &c->argv[scoreidx];
        if (arg_is(a, "nx"))
            in |= ZADD_IN_NX;
        else if (arg_is(a, "xx"))
            in |= ZADD_IN_XX;
        else if (arg_is(a, "ch"))
            ch = true;
        else if (arg_is(a, "incr"))
            in |= ZADD_IN_INCR;
        else if (arg_is(a, "gt"))
            in |= ZADD_IN_GT;
        else if (arg_is(a, "lt"))
            in |= ZADD_IN_LT;
        else
            break;
    }
    bool incr = in & ZADD_IN_INCR, nx = in & ZADD_IN_NX, xx = in & ZADD_IN_XX, gt = in & ZADD_IN_GT,
         lt = in & ZADD_IN_LT;
    int elements = c->argc - scoreidx;
    if (elements % 2 || !elements) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    elements /= 2;
    if (nx && xx) {
        reply_errs(c->r, SERR_ZADD_XX_NX);
        return;
    }
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        reply_errs(c->r, SERR_ZADD_GT_LT_NX);
        return;
    }
    if (incr && elements > 1) {
        reply_errs(c->r, SERR_ZADD_INCR_PAIR);
        return;
    }
    double small[16], *scores = elements <= 16 ? small : malloc(sizeof(double) * (size_t)elements);
    if (!scores) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    size_t maxlen = 0;
    for (int j = 0; j < elements; j++) {
        const struct sarg *a = &c->argv[scoreidx + j * 2];
        if (!coll_str_to_d(a->p, a->len, &scores[j])) {
            reply_errs(c->r, SERR_NOTFLOAT);
            goto out;
        }
        size_t ml = c->argv[scoreidx + j * 2 + 1].len;
        if (ml > maxlen) maxlen = ml;
    }
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    struct sobj *o = NULL; /* the zset to change: new, or through the gate */
    if (e) {
        if (e->val->type != OBJ_ZSET) {
            reply_errs(c->r, SERR_WRONGTYPE);
            goto out;
        }
    } else {
        if (xx) {
            if (incr)
                reply_null(c->r);
            else
                reply_int(c->r, 0);
            goto out;
        }
        o = zobj_new(elements, maxlen);
        if (!o) {
            reply_errs(c->r, SERR_OOM);
            goto out;
        }
    }
    long long added = 0, updated = 0, processed = 0;
    double newscore = 0;
    bool nan = false;
    for (int j = 0; j < elements; j++) {
        const struct sarg *m = &c->argv[scoreidx + j * 2 + 1];
        if (!o) {
            /* through the gate right before the first real change */
            double cur;
            bool exists = zobj_score(e->val, m->p, m->len, &cur);
            bool change = exists ? !nx && (incr || scores[j] != cur) : !xx;
            if (!change) continue;
            o = db_begin_write(c, c->db, e);
        }
        int out;
        int rc = zobj_add(o, scores[j], m->p, m->len, in, &out, &newscore);
        if (rc == 0) {
            reply_errs(c->r, SERR_SCORE_NAN);
            nan = true;
            break;
        }
        if (out & ZADD_OUT_ADDED) added++;
        if (out & ZADD_OUT_UPDATED) updated++;
        if (!(out & ZADD_OUT_NOP)) processed++;
    }
    if (!e) {
        if (zset_obj_len(o) == 0 || !db_add(c, c->db, &c->argv[1], o)) obj_free(o);
    } else if (added || updated) {
        db_written(c, c->db, e);
    }
    if (nan) goto out;
    if (incr) {
        if (processed)
            reply_double(c->r, newscore);
        else
            reply_null(c->r);
    } else {
        reply_int(c->r, ch ? added + updated : added);
    }
out:
    if (scores != small) free(scores);
}

void cmd_zadd(struct cmdctx *c)
{
    zadd_generic(c, 0);
}

void cmd_zincrby(struct cmdctx *c)
{
    zadd_generic(c, ZADD_IN_INCR);
}

/* ------------------------------------------------------------------------ */
/* ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT */

void cmd_zrem(struct cmdctx *c)
{
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    if (e->val->type != OBJ_ZSET) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    struct sobj *o = NULL;
    long long deleted = 0;
    for (int i = 2; i < c->argc; i++) {
        double s;
        if (!zobj_score(o ? o : e->val, c->argv[i].p, c->argv[i].len, &s)) continue;
        if (!o) o = db_begin_write(c, c->db, e);
        zobj_del(o, c->argv[i].p, c->argv[i].len);
        deleted++;
        if (zset_obj_len(o) == 0) break;
    }
    if (deleted) {
        db_removed_from(c, c->db, e, zset_obj_len(o) == 0);
    }
    reply_int(c->r, deleted);
}

void cmd_zcard(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    reply_int(c->r, o ? (long long)zset_obj_len(o) : 0);
}

void cmd_zscore(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    double s;
    if (o && zobj_score(o, c->argv[2].p, c->argv[2].len, &s))
        reply_double(c->r, s);
    else
        reply_null(c->r);
}

void cmd_zmscore(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    reply_array(c->r, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        double s;
        if (o && zobj_score(o, c->argv[i].p, c->argv[i].len, &s))
            reply_double(c->r, s);
        else
            reply_null(c->r);
    }
}

static void zrank_generic(struct cmdctx *c, bool rev)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    if (!o) {
        reply_null(c->r);
        return;
    }
    const struct sarg *m = &c->argv[2];
    unsigned long len = zset_obj_len(o), rank = 0;
    bool found = false;
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->v.ptr;
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p)), rank++) {
            if (lp_eq(p, m->p, m->len)) {
                found = true;
                break;
            }
        }
    } else {
        struct zsnode *n = zset_find(ZS(o), m->p, m->len);
        if (n) {
            found = true;
            rank = zset_rank(ZS(o), n) - 1;
        }
    }
    if (!found)
        reply_null(c->r);
    else
        reply_int(c->r, (long long)(rev ? len - 1 - rank : rank));
}

void cmd_zrank(struct cmdctx *c)
{
    zrank_generic(c, false);
}

void cmd_zrevrank(struct cmdctx *c)
{
    zrank_generic(c, true);
}

void cmd_zcount(struct cmdctx *c)
{
    struct zrange_score r;
    if (!parse_score_range(&c->argv[2], &c->argv[3], &r)) {
        reply_errs(c->r, SERR_MIN_MAX_FLOAT);
        return;
    }
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    long long n = 0;
    if (o && o->enc == ENC_SKIPLIST) {
        struct zsnode *f = zset_first_in_range(ZS(o), &r);
        if (f) {
            struct zsnode *l = zset_last_in_range(ZS(o), &r);
            n = (long long)(zset_rank(ZS(o), l) - zset_rank(ZS(o), f) + 1);
        }
    } else if (o) {
        struct zcur z;
        for (zc_in_score(&z, o, &r, false); zc_valid(&z); zc_next(&z, false)) {
            const char *m;
            size_t ml;
            double s;
            zc_get(&z, &m, &ml, &s);
            if (!zr_lte_max(s, &r)) break;
            n++;
        }
    }
    reply_int(c->r, n);
}

void cmd_zlexcount(struct cmdctx *c)
{
    struct zrange_lex r;
    if (!parse_lex_range(&c->argv[2], &c->argv[3], &r)) {
        reply_errs(c->r, SERR_MIN_MAX_LEX);
        return;
    }
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    long long n = 0;
    if (o && o->enc == ENC_SKIPLIST) {
        /* Redis's arithmetic, unsigned as there: with mixed scores the last
         * node in range may rank before the first (or not exist) */
        struct zset *zs = ZS(o);
        struct zsnode *f = zset_first_in_lex(zs, &r);
        if (f) {
            unsigned long count = zs->length - (zset_rank(zs, f) - 1);
            struct zsnode *l = zset_last_in_lex(zs, &r);
            if (l) count -= zs->length - zset_rank(zs, l);
            n = (long long)count;
        }
    } else if (o) {
        struct zcur z;
        for (zc_in_lex(&z, o, &r, false); zc_valid(&z); zc_next(&z, false)) {
            const char *m;
            size_t ml;
            double s;
            zc_get(&z, &m, &ml, &s);
            if (!zr_lex_lte_max(m, ml, &r)) break;
            n++;
        }
    }
    reply_int(c->r, n);
}

/* ------------------------------------------------------------------------ */
/* ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX */

static void zremrange_generic(struct cmdctx *c, int type)
{
    long long start = 0, end = 0;
    struct zrange_score rs;
    struct zrange_lex rl;
    if (type == ZR_RANK) {
        if (!arg_ll_or_reply(c, &c->argv[2], &start) || !arg_ll_or_reply(c, &c->argv[3], &end))
            return;
    } else if (type == ZR_SCORE) {
        if (!parse_score_range(&c->argv[2], &c->argv[3], &rs)) {
            reply_errs(c->r, SERR_MIN_MAX_FLOAT);
            return;
        }
    } else if (!parse_lex_range(&c->argv[2], &c->argv[3], &rl)) {
        reply_errs(c->r, SERR_MIN_MAX_LEX);
        return;
    }
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    if (e->val->type != OBJ_ZSET) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    const struct sobj *cur = e->val;
    if (type == ZR_RANK && !coll_rank_range((long long)zset_obj_len(cur), &start, &end)) {
        reply_int(c->r, 0);
        return;
    }
    /* find the first element and how many follow in range */
    struct zcur z = {0};
    if (type == ZR_RANK)
        zc_at_rank(&z, cur, (long)start, false);
    else if (type == ZR_SCORE)
        zc_in_score(&z, cur, &rs, false);
    else if (cur->enc == ENC_SKIPLIST) {
        /* zslDeleteRangeByLex descends without zslIsInLexRange's checks */
        z.o = cur;
        z.n = zset_first_gte_lex(ZS(cur), &rl);
    } else
        zc_in_lex(&z, cur, &rl, false);
    long long n = 0;
    if (type == ZR_RANK) {
        n = end - start + 1;
    } else {
        struct zcur w = z;
        for (; zc_valid(&w); zc_next(&w, false)) {
            const char *m;
            size_t ml;
            double s;
            zc_get(&w, &m, &ml, &s);
            if (type == ZR_SCORE ? !zr_lte_max(s, &rs) : !zr_lex_lte_max(m, ml, &rl)) break;
            n++;
        }
    }
    if (n == 0) {
        reply_int(c->r, 0);
        return;
    }
    /* the positions found stay valid: the gate changes nothing in place */
    struct sobj *o = db_begin_write(c, c->db, e);
    if (o->enc == ENC_LISTPACK) {
        unsigned char *p = z.p;
        o->v.ptr = lp_delete_range_p(o->v.ptr, &p, (unsigned long)n * 2);
    } else {
        struct zsnode *x = z.n;
        for (long long i = 0; i < n && x; i++) {
            struct zsnode *next = x->lv[0].fwd;
            zset_delete_node(ZS(o), x);
            x = next;
        }
        dict_maybe_shrink(&ZS(o)->d);
    }
    db_removed_from(c, c->db, e, zset_obj_len(o) == 0);
    reply_int(c->r, n);
}

void cmd_zremrangebyrank(struct cmdctx *c)
{
    zremrange_generic(c, ZR_RANK);
}

void cmd_zremrangebyscore(struct cmdctx *c)
{
    zremrange_generic(c, ZR_SCORE);
}

void cmd_zremrangebylex(struct cmdctx *c)
{
    zremrange_generic(c, ZR_LEX);
}

/* ------------------------------------------------------------------------ */
/* ZPOPMIN ZPOPMAX ZMPOP and the pop primitive (t_zset.h) */

long zset_pop(struct cmdctx *c, const struct sarg *key, enum zset_where where, long count,
              enum zpop_reply how)
{
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    unsigned long len = zset_obj_len(e->val);
    long n = count > (long)len ? (long)len : count;
    struct reply *r = c->r;
    bool nested = how == ZPOP_REPLY_MPOP || (how == ZPOP_REPLY_COUNT && r->resp > 2);
    /* ZMPOP and the blocking pops (also when served) are logged as
     * ZPOPMIN/ZPOPMAX key [count] (Redis 7); ZPOPMIN itself as sent */
    if (how == ZPOP_REPLY_MPOP || how == ZPOP_REPLY_BZPOP) {
        char nb[24];
        struct sarg fx[3] = {where == ZSET_MAX ? SARG_LIT("ZPOPMAX") : SARG_LIT("ZPOPMIN"), *key,
                             sarg_ll(nb, n)};
        cmd_effect_replace(c, how == ZPOP_REPLY_MPOP ? 3 : 2, fx);
    }
    if (how == ZPOP_REPLY_MPOP) {
        reply_array(r, 2);
        reply_bulk(r, key->p, key->len);
        reply_array(r, n);
    } else if (how == ZPOP_REPLY_BZPOP) {
        reply_array(r, 3);
        reply_bulk(r, key->p, key->len);
    } else {
        reply_array(r, nested ? n : n * 2);
    }
    struct sobj *o = db_begin_write(c, c->db, e);
    bool rev = where == ZSET_MAX;
    for (long i = 0; i < n; i++) {
        struct zcur z;
        zc_at_rank(&z, o, 0, rev);
        const char *m;
        size_t ml;
        double s;
        zc_get(&z, &m, &ml, &s);
        if (nested) reply_array(r, 2);
        reply_bulk(r, m, ml);
        reply_double(r, s);
        if (o->enc == ENC_LISTPACK) {
            o->v.ptr = lp_delete_range_p(o->v.ptr, &z.p, 2);
        } else {
            zset_delete_node(ZS(o), z.n);
        }
    }
    if (o->enc == ENC_SKIPLIST) dict_maybe_shrink(&ZS(o)->d);
    db_removed_from(c, c->db, e, zset_obj_len(o) == 0);
    return n;
}

static void zpop_generic(struct cmdctx *c, enum zset_where where)
{
    if (c->argc > 3) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    long long count = 1;
    if (c->argc == 3 && (!arg_ll(&c->argv[2], &count) || count < 0)) {
        reply_errs(c->r, SERR_NOT_POSITIVE);
        return;
    }
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    if (!e) {
        reply_array(c->r, 0);
        return;
    }
    if (e->val->type != OBJ_ZSET) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    if (count == 0) {
        reply_array(c->r, 0);
        return;
    }
    zset_pop(c, &c->argv[1], where, (long)count, c->argc == 3 ? ZPOP_REPLY_COUNT : ZPOP_REPLY_ONE);
}

void cmd_zpopmin(struct cmdctx *c)
{
    zpop_generic(c, ZSET_MIN);
}

void cmd_zpopmax(struct cmdctx *c)
{
    zpop_generic(c, ZSET_MAX);
}

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
void cmd_zmpop(struct cmdctx *c)
{
    long long numkeys;
    if (!coll_range_ll_or_reply(c, &c->argv[1], 1, LLONG_MAX, serr_text[SERR_NUMKEYS_POSITIVE],
                                &numkeys))
        return;
    if (numkeys > c->argc - 3) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    int wi = 2 + (int)numkeys;
    enum zset_where where;
    if (arg_is(&c->argv[wi], "min"))
        where = ZSET_MIN;
    else if (arg_is(&c->argv[wi], "max"))
        where = ZSET_MAX;
    else {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    long long count = -1;
    for (int j = wi + 1; j < c->argc; j++) {
        if (count == -1 && arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (!coll_range_ll_or_reply(c, &c->argv[j + 1], 1, LONG_MAX,
                                        serr_text[SERR_COUNT_POSITIVE], &count))
                return;
            j++;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    if (count == -1) count = 1;
    for (int i = 0; i < numkeys; i++) {
        const struct sarg *k = &c->argv[2 + i];
        struct kentry *e = db_lookup_for_write(c, c->db, k);
        if (!e) continue;
        if (e->val->type != OBJ_ZSET) {
            reply_errs(c->r, SERR_WRONGTYPE);
            return;
        }
        zset_pop(c, k, where, (long)count, ZPOP_REPLY_MPOP);
        return;
    }
    reply_null_array(c->r);
}

/* ------------------------------------------------------------------------ */
/* ZRANDMEMBER key [count [WITHSCORES]] */

static void reply_member(struct cmdctx *c, const char *m, size_t ml, double s, bool withscores)
{
    if (withscores && c->r->resp > 2) reply_array(c->r, 2);
    reply_bulk(c->r, m, ml);
    if (withscores) reply_double(c->r, s);
}

void cmd_zrandmember(struct cmdctx *c)
{
    bool err;
    if (c->argc == 2) {
        const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
        if (err) return;
        if (!o) {
            reply_null(c->r);
            return;
        }
        struct zcur z;
        zc_at_rank(&z, o, (long)coll_rand_below(zset_obj_len(o)), false);
        const char *m;
        size_t ml;
        double s;
        zc_get(&z, &m, &ml, &s);
        reply_bulk(c->r, m, ml);
        return;
    }
    long long l;
    if (!coll_range_ll_or_reply(c, &c->argv[2], -LLONG_MAX, LLONG_MAX, NULL, &l)) return;
    bool withscores = false;
    if (c->argc > 4 || (c->argc == 4 && !arg_is(&c->argv[3], "withscores"))) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    withscores = c->argc == 4;
    bool uniq = l >= 0;
    unsigned long long count = uniq ? (unsigned long long)l : (unsigned long long)(-l);
    if (withscores && !uniq && count > (unsigned long long)LLONG_MAX / 2) {
        reply_errs(c->r, SERR_OUT_OF_RANGE);
        return;
    }
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_ZSET, &err);
    if (err) return;
    if (!o || count == 0) {
        reply_array(c->r, 0);
        return;
    }
    unsigned long size = zset_obj_len(o);
    long mult = withscores && c->r->resp == 2 ? 2 : 1;
    struct zcur z;
    const char *m;
    size_t ml;
    double s;
    if (!uniq || count == 1) {
        reply_array(c->r, (long)count * mult);
        /* positions of every element once, then random picks */
        void **pos = malloc(sizeof(void *) * size);
        if (!pos) return;
        zc_at_rank(&z, o, 0, false);
        for (unsigned long i = 0; i < size; i++, zc_next(&z, false))
            pos[i] = o->enc == ENC_LISTPACK ? (void *)z.p : (void *)z.n;
        for (unsigned long long i = 0; i < count; i++) {
            void *p = pos[coll_rand_below(size)];
            if (o->enc == ENC_LISTPACK)
                z.p = p;
            else
                z.n = p;
            zc_get(&z, &m, &ml, &s);
            reply_member(c, m, ml, s, withscores);
        }
        free(pos);
        return;
    }
    if (count >= size) {
        /* the whole set; redis-server 7.0.15 lists a listpack from the end */
        bool rev = o->enc == ENC_LISTPACK;
        reply_array(c->r, (long)size * mult);
        for (zc_at_rank(&z, o, 0, rev); zc_valid(&z); zc_next(&z, rev)) {
            zc_get(&z, &m, &ml, &s);
            reply_member(c, m, ml, s, withscores);
        }
        return;
    }
    /* distinct: selection sampling in order */
    reply_array(c->r, (long)count * mult);
    unsigned long long need = count;
    unsigned long left = size;
    for (zc_at_rank(&z, o, 0, false); zc_valid(&z) && need; zc_next(&z, false), left--) {
        if (coll_rand_below(left) < need) {
            zc_get(&z, &m, &ml, &s);
            reply_member(c, m, ml, s, withscores);
            need--;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* ZUNION ZINTER ZDIFF [STORE] ZINTERCARD */

enum { AGG_SUM, AGG_MIN, AGG_MAX };
enum { SOP_UNION, SOP_INTER, SOP_DIFF };

struct zsrc {
    const struct sobj *o; /* zset or set, NULL when missing */
    double weight;
};

static unsigned long src_len(const struct zsrc *s)
{
    if (!s->o) return 0;
    return s->o->type == OBJ_SET ? set_len(s->o) : zset_obj_len(s->o);
}

static bool src_score(const struct zsrc *s, const char *m, size_t len, double *score)
{
    if (!s->o) return false;
    if (s->o->type == OBJ_SET) {
        *score = 1.0;
        return set_is_member(s->o, m, len);
    }
    return zobj_score(s->o, m, len, score);
}

/* Every element of a source: cb(member, len, score). */
typedef void (*src_cb)(const char *m, size_t len, double score, void *arg);
static void src_each(const struct zsrc *s, src_cb cb, void *arg)
{
    if (!s->o) return;
    if (s->o->type == OBJ_SET) {
        struct set_iter it;
        set_iter_init(&it, s->o);
        while (set_iter_next(&it)) cb(it.s, it.len, 1.0, arg);
        set_iter_done(&it);
        return;
    }
    struct zcur z;
    for (zc_at_rank(&z, s->o, 0, false); zc_valid(&z); zc_next(&z, false)) {
        const char *m;
        size_t ml;
        double sc;
        zc_get(&z, &m, &ml, &sc);
        cb(m, ml, sc, arg);
    }
}

static inline void aggregate(double *t, double v, int agg)
{
    if (agg == AGG_SUM) {
        *t += v;
        if (isnan(*t)) *t = 0.0;
    } else if (agg == AGG_MIN) {
        if (v < *t) *t = v;
    } else if (v > *t) {
        *t = v;
    }
}

static int cmp_src_len(const void *a, const void *b)
{
    unsigned long x = src_len(a), y = src_len(b);
    return x < y ? -1 : x > y;
}

struct zop {
    struct zset *acc; /* skiplist used as the accumulator */
    struct zsrc *srcs;
    int n, op, agg;
    double weight;
    size_t maxlen, totlen;
    long long card, limit;
    bool cardonly;
};

static inline double weighted(double score, double weight)
{
    double v = weight * score;
    return isnan(v) ? 0.0 : v;
}

static void union_cb(const char *m, size_t len, double score, void *arg)
{
    struct zop *z = arg;
    double v = weighted(score, z->weight);
    struct zsnode *n = zset_find(z->acc, m, len);
    if (n) {
        double t = n->score;
        aggregate(&t, v, z->agg);
        n->score = t; /* the skiplist order is rebuilt at the end */
        return;
    }
    zset_insert(z->acc, v, m, len);
    if (len > z->maxlen) z->maxlen = len;
    z->totlen += len;
}

static void inter_cb(const char *m, size_t len, double score, void *arg)
{
    struct zop *z = arg;
    if (z->cardonly && z->limit && z->card >= z->limit) return;
    double v = weighted(score, z->srcs[0].weight);
    for (int j = 1; j < z->n; j++) {
        double s;
        if (z->srcs[j].o == z->srcs[0].o) {
            s = score;
        } else if (!src_score(&z->srcs[j], m, len, &s)) {
            return;
        }
        aggregate(&v, weighted(s, z->srcs[j].weight), z->agg);
    }
    z->card++;
    if (z->cardonly) return;
    zset_insert(z->acc, v, m, len);
    if (len > z->maxlen) z->maxlen = len;
    z->totlen += len;
}

static void diff_cb(const char *m, size_t len, double score, void *arg)
{
    struct zop *z = arg;
    for (int j = 1; j < z->n; j++) {
        double s;
        if (z->srcs[j].o == z->srcs[0].o) return;
        if (src_score(&z->srcs[j], m, len, &s)) return;
    }
    zset_insert(z->acc, score, m, len);
    if (len > z->maxlen) z->maxlen = len;
    z->totlen += len;
}

/* Re-sort a skiplist whose scores were changed in place (union). */
static struct zset *resort(struct zset *zs)
{
    struct zset *n = zset_new();
    if (!n) return zs;
    dict_expand(&n->d, zs->length);
    for (struct zsnode *x = zset_first(zs); x; x = x->lv[0].fwd)
        zset_insert(n, x->score, zsn_member(x), x->mlen);
    zset_free(zs);
    return n;
}

/* numkeys at argv[nki]; dst (store forms) or NULL; cardonly (ZINTERCARD). */
static void zsetop_generic(struct cmdctx *c, int nki, const struct sarg *dst, int op, bool cardonly)
{
    long long setnum;
    if (!arg_ll_or_reply(c, &c->argv[nki], &setnum)) return;
    if (setnum < 1) {
        char name[32];
        size_t nl = c->argv[0].len < sizeof(name) - 1 ? c->argv[0].len : sizeof(name) - 1;
        for (size_t k = 0; k < nl; k++) name[k] = (char)tolower((unsigned char)c->argv[0].p[k]);
        name[nl] = '\0';
        reply_errorf(c->r, SERRF_NEED_KEY, name);
        return;
    }
    if (setnum > c->argc - (nki + 1)) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    struct zsrc *src = calloc((size_t)setnum, sizeof(*src));
    if (!src) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    int j = nki + 1;
    for (long long i = 0; i < setnum; i++, j++) {
        struct kentry *e =
            dst ? db_lookup_for_write(c, c->db, &c->argv[j]) : db_lookup_read(c, &c->argv[j]);
        src[i].weight = 1.0;
        if (!e) continue;
        if (e->val->type != OBJ_ZSET && e->val->type != OBJ_SET) {
            reply_errs(c->r, SERR_WRONGTYPE);
            goto out;
        }
        src[i].o = e->val;
    }
    int agg = AGG_SUM;
    bool withscores = false;
    long long limit = 0;
    int remaining = c->argc - j;
    while (remaining) {
        const struct sarg *a = &c->argv[j];
        if (op != SOP_DIFF && !cardonly && remaining >= setnum + 1 && arg_is(a, "weights")) {
            j++;
            remaining--;
            for (long long i = 0; i < setnum; i++, j++, remaining--) {
                if (!coll_str_to_d(c->argv[j].p, c->argv[j].len, &src[i].weight)) {
                    reply_errs(c->r, SERR_WEIGHT_FLOAT);
                    goto out;
                }
            }
        } else if (op != SOP_DIFF && !cardonly && remaining >= 2 && arg_is(a, "aggregate")) {
            j++;
            remaining--;
            if (arg_is(&c->argv[j], "sum"))
                agg = AGG_SUM;
            else if (arg_is(&c->argv[j], "min"))
                agg = AGG_MIN;
            else if (arg_is(&c->argv[j], "max"))
                agg = AGG_MAX;
            else {
                reply_errs(c->r, SERR_SYNTAX);
                goto out;
            }
            j++;
            remaining--;
        } else if (remaining >= 1 && !dst && !cardonly && arg_is(a, "withscores")) {
            j++;
            remaining--;
            withscores = true;
        } else if (cardonly && remaining >= 2 && arg_is(a, "limit")) {
            j++;
            remaining--;
            if (!arg_ll(&c->argv[j], &limit) || limit < 0) {
                reply_errs(c->r, SERR_LIMIT_NEGATIVE);
                goto out;
            }
            j++;
            remaining--;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            goto out;
        }
    }
    if (op != SOP_UNION)
        qsort(src + (op == SOP_DIFF ? 1 : 0), (size_t)(setnum - (op == SOP_DIFF)), sizeof(*src),
              cmp_src_len);
    struct zop z = {
        .srcs = src, .n = (int)setnum, .op = op, .agg = agg, .limit = limit, .cardonly = cardonly};
    z.acc = zset_new();
    if (!z.acc) {
        reply_errs(c->r, SERR_OOM);
        goto out;
    }
    if (op == SOP_UNION) {
        for (long long i = 0; i < setnum; i++) {
            z.weight = src[i].weight;
            src_each(&src[i], union_cb, &z);
        }
        z.acc = resort(z.acc);
    } else if (op == SOP_INTER) {
        if (src_len(&src[0]) > 0) src_each(&src[0], inter_cb, &z);
    } else {
        src_each(&src[0], diff_cb, &z);
    }
    if (cardonly) {
        zset_free(z.acc);
        reply_int(c->r, z.card);
        goto out;
    }
    if (dst) {
        long long n = (long long)z.acc->length;
        if (n == 0) {
            zset_free(z.acc);
            db_delete(c, c->db, dst);
            reply_int(c->r, 0);
            goto out;
        }
        struct sobj *o = obj_new_coll(OBJ_ZSET, ENC_SKIPLIST, z.acc);
        if (!o) {
            zset_free(z.acc);
            reply_errs(c->r, SERR_OOM);
            goto out;
        }
        zset_obj_maybe_to_listpack(o, z.maxlen, z.totlen);
        if (!db_set(c, c->db, dst, o, false)) {
            obj_free(o);
            reply_errs(c->r, SERR_OOM);
            goto out;
        }
        reply_int(c->r, n);
        goto out;
    }
    long n = (long)z.acc->length;
    reply_array(c->r, withscores && c->r->resp == 2 ? n * 2 : n);
    for (struct zsnode *x = zset_first(z.acc); x; x = x->lv[0].fwd)
        reply_member(c, zsn_member(x), x->mlen, x->score, withscores);
    zset_free(z.acc);
out:
    free(src);
}

void cmd_zunion(struct cmdctx *c)
{
    zsetop_generic(c, 1, NULL, SOP_UNION, false);
}

void cmd_zinter(struct cmdctx *c)
{
    zsetop_generic(c, 1, NULL, SOP_INTER, false);
}

void cmd_zdiff(struct cmdctx *c)
{
    zsetop_generic(c, 1, NULL, SOP_DIFF, false);
}

void cmd_zunionstore(struct cmdctx *c)
{
    zsetop_generic(c, 2, &c->argv[1], SOP_UNION, false);
}

void cmd_zinterstore(struct cmdctx *c)
{
    zsetop_generic(c, 2, &c->argv[1], SOP_INTER, false);
}

void cmd_zdiffstore(struct cmdctx *c)
{
    zsetop_generic(c, 2, &c->argv[1], SOP_DIFF, false);
}

void cmd_zintercard(struct cmdctx *c)
{
    zsetop_generic(c, 1, NULL, SOP_INTER, true);
}

/* Keys of ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE: destination numkeys key ... */
int keys_zstore(int argc, const struct sarg *argv, int *out, int max)
{
    long long num;
    if (argc < 4 || !str_to_ll(argv[2].p, argv[2].len, &num) || num < 1 || num > argc - 3)
        return -1;
    int n = 0;
    if (n < max) out[n++] = 1;
    for (long long i = 0; i < num && n < max; i++) out[n++] = 3 + (int)i;
    return n;
}

/* ------------------------------------------------------------------------ */
/* ZSCAN key cursor [MATCH pattern] [COUNT count] */

void cmd_zscan(struct cmdctx *c)
{
    uint64_t cursor;
    struct scan_opts so;
    const struct sobj *o = coll_scan_begin(c, OBJ_ZSET, &cursor, &so);
    if (!o) return;
    char sb[64];
    if (o->enc == ENC_LISTPACK) {
        coll_reply_scan_cursor(c, 0);
        struct rdefer d = reply_defer(c->r);
        long n = 0;
        unsigned char *lp = o->v.ptr;
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
            char mb[LP_INTBUF];
            size_t ml;
            const char *m = lp_member(p, &ml, mb);
            if (!coll_scan_match(&so, m, ml)) continue;
            reply_bulk(c->r, m, ml);
            coll_reply_lp(c->r, lp_next(lp, p));
            n += 2;
        }
        reply_defer_array(c->r, d, n);
        return;
    }
    struct dnode **v;
    size_t nv;
    cursor = coll_scan_dict(&ZS(o)->d, cursor, so.count, &v, &nv);
    coll_reply_scan_cursor(c, cursor);
    struct rdefer d = reply_defer(c->r);
    long n = 0;
    for (size_t i = 0; i < nv; i++) {
        struct zsnode *x = (struct zsnode *)v[i];
        if (!coll_scan_match(&so, zsn_member(x), x->mlen)) continue;
        reply_bulk(c->r, zsn_member(x), x->mlen);
        /* the skiplist keeps -0 (the listpack stores it as 0) */
        int sl = x->score == 0 && signbit(x->score) ? snprintf(sb, sizeof(sb), "-0")
                                                    : d2str(sb, sizeof(sb), x->score);
        reply_bulk(c->r, sb, (size_t)sl);
        n += 2;
    }
    reply_defer_array(c->r, d, n);
    free(v);
}
