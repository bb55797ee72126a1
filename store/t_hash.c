/* t_hash.c — hashes and the hash commands of Redis 7.0.
 *
 * Two encodings, as OBJECT ENCODING reports them:
 *   listpack   field, value, field, value ... in one listpack (o->v.ptr), in
 *              insertion order; used while the hash has at most
 *              hash-max-listpack-entries fields and no field or value is
 *              longer than hash-max-listpack-value bytes;
 *   hashtable  a dict (o->v.ptr) of `struct hent`, one allocation per field
 *              holding the field and value bytes inline.
 * A hash converts once (Redis's hashTypeTryConversion / hashTypeConvert:
 * an argument that is too long converts before it is stored, too many
 * fields after) and never converts back. Conversion keeps every pair and,
 * for the listpack, insertion order.
 *
 * Memory: a hashtable field costs one allocation, 24 bytes of header plus
 * the field and value bytes (Redis: a 24-byte dictEntry and two sds), and
 * one bucket pointer.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "db.h"
#include "listpack.h"
#include "t_hash.h"
#include "tunables.h"

void cmd_hset(struct cmdctx *c);
void cmd_hsetnx(struct cmdctx *c);
void cmd_hmset(struct cmdctx *c);
void cmd_hget(struct cmdctx *c);
void cmd_hmget(struct cmdctx *c);
void cmd_hgetall(struct cmdctx *c);
void cmd_hkeys(struct cmdctx *c);
void cmd_hvals(struct cmdctx *c);
void cmd_hdel(struct cmdctx *c);
void cmd_hexists(struct cmdctx *c);
void cmd_hlen(struct cmdctx *c);
void cmd_hstrlen(struct cmdctx *c);
void cmd_hincrby(struct cmdctx *c);
void cmd_hincrbyfloat(struct cmdctx *c);
void cmd_hrandfield(struct cmdctx *c);
void cmd_hscan(struct cmdctx *c);

/* ------------------------------------------------------------------------ */
/* The hashtable encoding. */

struct hent {
    struct dnode node;
    uint32_t klen, vlen;
    char d[]; /* field bytes, then value bytes */
};

static bool hent_eq(const struct dnode *n, const void *key, size_t len)
{
    const struct hent *e = (const struct hent *)n;
    return e->klen == len && memcmp(e->d, key, len) == 0;
}

static const struct dict_type hash_dict_type = {.eq = hent_eq};

static struct hent *hent_new(const void *f, size_t flen, const void *v, size_t vlen, uint64_t h)
{
    struct hent *e = malloc(sizeof(*e) + flen + vlen);
    if (!e) return NULL;
    e->node.hash = h;
    e->klen = (uint32_t)flen;
    e->vlen = (uint32_t)vlen;
    memcpy(e->d, f, flen);
    if (vlen) memcpy(e->d + flen, v, vlen);
    return e;
}

static void hent_free_cb(struct dnode *n, void *arg)
{
    (void)arg;
    free(n);
}

static inline struct dict *HD(const struct sobj *o)
{
    return (struct dict *)o->v.ptr;
}

/* ------------------------------------------------------------------------ */
/* Type operations (t_hash.h). */

struct sobj *hash_new(void)
{
    unsigned char *lp = lp_new(0);
    if (!lp) return NULL;
    struct sobj *o = obj_new_coll(OBJ_HASH, ENC_LISTPACK, lp);
    if (!o) lp_free(lp);
    return o;
}

uint64_t hash_len(const struct sobj *o)
{
    if (o->enc == ENC_LISTPACK) return lp_count(o->v.ptr) / 2;
    return dict_size(HD(o));
}

static void hash_free(struct sobj *o)
{
    if (o->enc == ENC_LISTPACK) {
        lp_free(o->v.ptr);
    } else {
        dict_release(HD(o), hent_free_cb, NULL);
        free(HD(o));
    }
}

static struct sobj *hash_dup(const struct sobj *o)
{
    struct sobj *n = hash_new();
    if (!n) return NULL;
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = lp_dup(o->v.ptr);
        if (!lp) {
            obj_free(n);
            return NULL;
        }
        lp_free(n->v.ptr);
        n->v.ptr = lp;
        return n;
    }
    struct dict *d = malloc(sizeof(*d));
    if (!d) {
        obj_free(n);
        return NULL;
    }
    dict_init(d, &hash_dict_type);
    dict_expand(d, dict_size(HD(o)));
    struct dict_iter it;
    dict_iter_init(&it, HD(o));
    for (struct dnode *nd; (nd = dict_iter_next(&it));) {
        struct hent *e = (struct hent *)nd;
        struct hent *c = malloc(sizeof(*c) + e->klen + e->vlen);
        if (c) {
            memcpy(c, e, sizeof(*c) + e->klen + e->vlen);
            dict_add(d, &c->node);
        }
    }
    dict_iter_done(&it);
    lp_free(n->v.ptr);
    n->enc = ENC_HASHTABLE;
    n->v.ptr = d;
    return n;
}

static size_t hash_mem_usage(const struct sobj *o)
{
    if (o->enc == ENC_LISTPACK) return sizeof(*o) + lp_bytes(o->v.ptr);
    const struct dict *d = HD(o);
    size_t n = sizeof(*o) + sizeof(*d) + (d->size[0] + d->size[1]) * sizeof(void *);
    /* sample like Redis's MEMORY USAGE: average the first entries */
    struct dict_iter it;
    dict_iter_init(&it, (struct dict *)d);
    size_t sampled = 0, bytes = 0;
    for (struct dnode *nd; sampled < 5 && (nd = dict_iter_next(&it)); sampled++) {
        struct hent *e = (struct hent *)nd;
        bytes += sizeof(*e) + e->klen + e->vlen;
    }
    dict_iter_done(&it);
    if (sampled) n += bytes * dict_size(d) / sampled;
    return n;
}

static const struct obj_type_ops hash_ops = {hash_free, hash_dup, hash_mem_usage};

__attribute__((constructor)) static void hash_register(void)
{
    obj_register_type(OBJ_HASH, &hash_ops);
}

/* Convert a listpack hash to a hashtable. Returns false on allocation
 * failure (the hash is then unchanged). */
bool hash_convert(struct sobj *o)
{
    if (o->enc != ENC_LISTPACK) return true;
    unsigned char *lp = o->v.ptr;
    struct dict *d = malloc(sizeof(*d));
    if (!d) return false;
    dict_init(d, &hash_dict_type);
    dict_expand(d, lp_count(lp) / 2);
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
        char fb[LP_INTBUF], vb[LP_INTBUF];
        uint32_t fl, vl;
        const unsigned char *f = lp_get_str(p, &fl, fb);
        const unsigned char *v = lp_get_str(lp_next(lp, p), &vl, vb);
        struct hent *e = hent_new(f, fl, v, vl, dict_hash(f, fl));
        if (!e) {
            dict_release(d, hent_free_cb, NULL);
            free(d);
            return false;
        }
        dict_add(d, &e->node);
    }
    lp_free(lp);
    o->enc = ENC_HASHTABLE;
    o->v.ptr = d;
    return true;
}

/* Redis's hashTypeTryConversion: any argument in [first, last] longer than
 * hash-max-listpack-value, or a listpack that would grow past the safe
 * size, converts the hash before the write. */
static void hash_try_convert(struct sobj *o, const struct sarg *argv, int first, int last)
{
    if (o->enc != ENC_LISTPACK) return;
    size_t sum = 0;
    for (int i = first; i <= last; i++) {
        if ((long long)argv[i].len > store_tun.hash_max_listpack_value) {
            hash_convert(o);
            return;
        }
        sum += argv[i].len;
    }
    if (!lp_safe_to_add(o->v.ptr, sum)) hash_convert(o);
}

/* The value of field, or NULL if absent; ints of a listpack are formatted
 * into buf. */
const char *hash_get(const struct sobj *o, const void *f, size_t flen, size_t *vlen,
                     char buf[LP_INTBUF])
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->v.ptr;
        unsigned char *p = lp_first(lp);
        if (!p) return NULL;
        p = lp_find(lp, p, f, flen, 1);
        if (!p) return NULL;
        uint32_t l;
        const unsigned char *v = lp_get_str(lp_next(lp, p), &l, buf);
        *vlen = l;
        return (const char *)v;
    }
    struct hent *e = (struct hent *)dict_find(HD(o), f, flen, dict_hash(f, flen));
    if (!e) return NULL;
    *vlen = e->vlen;
    return e->d + e->klen;
}

/* Set field to value: 1 if the field is new, 0 if updated, -1 on
 * allocation failure. Converts after an insert past the entry limit. */
int hash_set(struct sobj *o, const void *f, size_t flen, const void *v, size_t vlen)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->v.ptr;
        unsigned char *p = lp_first(lp);
        if (p) p = lp_find(lp, p, f, flen, 1);
        if (p) {
            unsigned char *vp = lp_next(lp, p);
            lp = lp_replace(lp, &vp, v, vlen);
            if (!lp) return -1;
            o->v.ptr = lp;
            return 0;
        }
        unsigned char *n = lp_append(lp, f, flen);
        if (!n) return -1;
        lp = n;
        n = lp_append(lp, v, vlen);
        if (!n) {
            /* drop the lone field again: deleting never fails */
            o->v.ptr = lp_delete(lp, lp_last(lp), NULL);
            return -1;
        }
        o->v.ptr = n;
        if ((long long)lp_count(n) / 2 > store_tun.hash_max_listpack_entries) hash_convert(o);
        return 1;
    }
    struct dict *d = HD(o);
    uint64_t h = dict_hash(f, flen);
    struct hent *old = (struct hent *)dict_find(d, f, flen, h);
    if (old && old->vlen == vlen) {
        memcpy(old->d + old->klen, v, vlen);
        return 0;
    }
    struct hent *e = hent_new(f, flen, v, vlen, h);
    if (!e) return -1;
    if (old) {
        dict_unlink_node(d, &old->node);
        free(old);
    }
    dict_add(d, &e->node);
    return old ? 0 : 1;
}

/* Delete field; true if it was there. */
bool hash_del(struct sobj *o, const void *f, size_t flen)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->v.ptr;
        unsigned char *p = lp_first(lp);
        if (p) p = lp_find(lp, p, f, flen, 1);
        if (!p) return false;
        o->v.ptr = lp_delete_range_p(lp, &p, 2);
        return true;
    }
    struct dnode *n = dict_unlink(HD(o), f, flen, dict_hash(f, flen));
    if (!n) return false;
    free(n);
    dict_maybe_shrink(HD(o));
    return true;
}

/* Iteration over both encodings. */
void hash_iter_init(struct hash_iter *it, const struct sobj *o)
{
    it->o = o;
    it->p = NULL;
    it->started = false;
    if (o->enc != ENC_LISTPACK) dict_iter_init(&it->di, HD(o));
}

bool hash_iter_next(struct hash_iter *it)
{
    if (it->o->enc == ENC_LISTPACK) {
        unsigned char *lp = it->o->v.ptr;
        if (!it->started) {
            it->p = lp_first(lp);
            it->started = true;
        } else if (it->p) {
            it->p = lp_next(lp, lp_next(lp, it->p));
        }
        if (!it->p) return false;
        uint32_t l;
        it->f = (const char *)lp_get_str(it->p, &l, it->fbuf);
        it->flen = l;
        it->v = (const char *)lp_get_str(lp_next(lp, it->p), &l, it->vbuf);
        it->vlen = l;
        return true;
    }
    struct hent *e = (struct hent *)dict_iter_next(&it->di);
    if (!e) return false;
    it->f = e->d;
    it->flen = e->klen;
    it->v = e->d + e->klen;
    it->vlen = e->vlen;
    return true;
}

void hash_iter_done(struct hash_iter *it)
{
    if (it->o->enc != ENC_LISTPACK) dict_iter_done(&it->di);
}

/* ------------------------------------------------------------------------ */
/* Lookups. */

/* The hash at key for a command that may write it: *e is its entry, NULL
 * when the key is missing. False after replying WRONGTYPE. Nothing may
 * change yet: the command checks its arguments against e->val first. */
static bool hash_lookup_w(struct cmdctx *c, struct kentry **e)
{
    *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    if (*e && (*e)->val->type != OBJ_HASH) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return false;
    }
    return true;
}

/* The hash to change, right before the first change: the entry's value
 * through the write gate, or a new hash (not yet added) for a missing key.
 * NULL after replying OOM. */
static struct sobj *hash_open(struct cmdctx *c, struct kentry *e)
{
    if (e) return db_begin_write(c, c->db, e);
    struct sobj *o = hash_new();
    if (!o) reply_errs(c->r, SERR_OOM);
    return o;
}

/* After the change: add the new key, or record the change to the entry. */
static void hash_commit(struct cmdctx *c, struct kentry *e, struct sobj *o)
{
    if (!e) {
        if (!db_add(c, c->db, &c->argv[1], o)) obj_free(o);
        return;
    }
    db_written(c, c->db, e);
}

/* ------------------------------------------------------------------------ */
/* HSET HMSET HSETNX */

static void hset_generic(struct cmdctx *c, bool hmset)
{
    if (c->argc % 2 == 1) {
        reply_errorf(c->r, SERRF_ARITY, hmset ? "hmset" : "hset");
        return;
    }
    struct kentry *e;
    if (!hash_lookup_w(c, &e)) return;
    struct sobj *o = hash_open(c, e);
    if (!o) return;
    hash_try_convert(o, c->argv, 2, c->argc - 1);
    long long created = 0;
    for (int i = 2; i < c->argc; i += 2)
        if (hash_set(o, c->argv[i].p, c->argv[i].len, c->argv[i + 1].p, c->argv[i + 1].len) > 0)
            created++;
    hash_commit(c, e, o);
    if (hmset)
        reply_ok(c->r);
    else
        reply_int(c->r, created);
}

void cmd_hset(struct cmdctx *c)
{
    hset_generic(c, false);
}

void cmd_hmset(struct cmdctx *c)
{
    hset_generic(c, true);
}

void cmd_hsetnx(struct cmdctx *c)
{
    struct kentry *e;
    if (!hash_lookup_w(c, &e)) return;
    char buf[LP_INTBUF];
    size_t vl;
    if (e && hash_get(e->val, c->argv[2].p, c->argv[2].len, &vl, buf)) {
        reply_int(c->r, 0); /* no change, so no write for WATCH */
        return;
    }
    struct sobj *o = hash_open(c, e);
    if (!o) return;
    hash_try_convert(o, c->argv, 2, 3);
    hash_set(o, c->argv[2].p, c->argv[2].len, c->argv[3].p, c->argv[3].len);
    hash_commit(c, e, o);
    reply_int(c->r, 1);
}

/* ------------------------------------------------------------------------ */
/* Reads. */

static const struct sobj *hash_for_read(struct cmdctx *c, bool *err)
{
    return db_read_typed(c, &c->argv[1], OBJ_HASH, err);
}

void cmd_hget(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = hash_for_read(c, &err);
    if (err) return;
    char buf[LP_INTBUF];
    size_t vl;
    const char *v = o ? hash_get(o, c->argv[2].p, c->argv[2].len, &vl, buf) : NULL;
    if (v)
        reply_bulk(c->r, v, vl);
    else
        reply_null(c->r);
}

void cmd_hmget(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = hash_for_read(c, &err);
    if (err) return;
    reply_array(c->r, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        char buf[LP_INTBUF];
        size_t vl;
        const char *v = o ? hash_get(o, c->argv[i].p, c->argv[i].len, &vl, buf) : NULL;
        if (v)
            reply_bulk(c->r, v, vl);
        else
            reply_null(c->r);
    }
}

enum { H_KEYS = 1, H_VALS = 2 };

static void hgetall_generic(struct cmdctx *c, int what)
{
    bool err;
    const struct sobj *o = hash_for_read(c, &err);
    if (err) return;
    if (!o) {
        if (what == (H_KEYS | H_VALS))
            reply_map(c->r, 0);
        else
            reply_array(c->r, 0);
        return;
    }
    uint64_t n = hash_len(o);
    if (what == (H_KEYS | H_VALS))
        reply_map(c->r, (long)n);
    else
        reply_array(c->r, (long)n);
    struct hash_iter it;
    hash_iter_init(&it, o);
    while (hash_iter_next(&it)) {
        if (what & H_KEYS) reply_bulk(c->r, it.f, it.flen);
        if (what & H_VALS) reply_bulk(c->r, it.v, it.vlen);
    }
    hash_iter_done(&it);
}

void cmd_hgetall(struct cmdctx *c)
{
    hgetall_generic(c, H_KEYS | H_VALS);
}

void cmd_hkeys(struct cmdctx *c)
{
    hgetall_generic(c, H_KEYS);
}

void cmd_hvals(struct cmdctx *c)
{
    hgetall_generic(c, H_VALS);
}

void cmd_hexists(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = hash_for_read(c, &err);
    if (err) return;
    char buf[LP_INTBUF];
    size_t vl;
    reply_int(c->r, o && hash_get(o, c->argv[2].p, c->argv[2].len, &vl, buf) ? 1 : 0);
}

void cmd_hlen(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = hash_for_read(c, &err);
    if (err) return;
    reply_int(c->r, o ? (long long)hash_len(o) : 0);
}

void cmd_hstrlen(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = hash_for_read(c, &err);
    if (err) return;
    char buf[LP_INTBUF];
    size_t vl = 0;
    if (!o || !hash_get(o, c->argv[2].p, c->argv[2].len, &vl, buf)) vl = 0;
    reply_int(c->r, (long long)vl);
}

void cmd_hdel(struct cmdctx *c)
{
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    if (e->val->type != OBJ_HASH) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    struct sobj *o = NULL;
    long long deleted = 0;
    for (int i = 2; i < c->argc; i++) {
        if (!o) {
            /* through the gate right before the first change */
            char buf[LP_INTBUF];
            size_t vl;
            if (!hash_get(e->val, c->argv[i].p, c->argv[i].len, &vl, buf)) continue;
            o = db_begin_write(c, c->db, e);
        }
        if (hash_del(o, c->argv[i].p, c->argv[i].len)) deleted++;
        if (hash_len(o) == 0) break;
    }
    if (deleted) {
        db_removed_from(c, c->db, e, hash_len(o) == 0);
    }
    reply_int(c->r, deleted);
}

/* ------------------------------------------------------------------------ */
/* HINCRBY HINCRBYFLOAT */

void cmd_hincrby(struct cmdctx *c)
{
    long long incr;
    if (!arg_ll_or_reply(c, &c->argv[3], &incr)) return;
    struct kentry *e;
    if (!hash_lookup_w(c, &e)) return;
    char buf[LP_INTBUF];
    size_t vl;
    const char *v = e ? hash_get(e->val, c->argv[2].p, c->argv[2].len, &vl, buf) : NULL;
    long long cur = 0;
    if (v && !str_to_ll(v, vl, &cur)) {
        reply_errs(c->r, SERR_HASH_NOT_INT);
        return;
    }
    if ((incr < 0 && cur < 0 && incr < LLONG_MIN - cur) ||
        (incr > 0 && cur > 0 && incr > LLONG_MAX - cur)) {
        reply_errs(c->r, SERR_OVERFLOW);
        return;
    }
    cur += incr;
    char nb[LP_INTBUF];
    int nl = ll_to_str(nb, sizeof(nb), cur);
    struct sobj *o = hash_open(c, e);
    if (!o) return;
    hash_try_convert(o, c->argv, 2, 2);
    hash_set(o, c->argv[2].p, c->argv[2].len, nb, (size_t)nl);
    hash_commit(c, e, o);
    reply_int(c->r, cur);
}

/* Redis's ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a
 * trailing point) removed; "-0" becomes "0". */
static int ld_human(char *buf, size_t cap, long double v)
{
    if (isinf(v)) return snprintf(buf, cap, "%s", v > 0 ? "inf" : "-inf");
    int l = snprintf(buf, cap, "%.17Lf", v);
    if (l <= 0 || (size_t)l >= cap) return 0;
    if (strchr(buf, '.')) {
        char *p = buf + l - 1;
        while (*p == '0') {
            p--;
            l--;
        }
        if (*p == '.') l--;
    }
    if (l == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        l = 1;
    }
    buf[l] = '\0';
    return l;
}

void cmd_hincrbyfloat(struct cmdctx *c)
{
    long double incr;
    if (!arg_double(&c->argv[3], &incr)) {
        reply_errs(c->r, SERR_NOTFLOAT);
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        reply_errs(c->r, SERR_NAN_OR_INF);
        return;
    }
    struct kentry *e;
    if (!hash_lookup_w(c, &e)) return;
    char buf[LP_INTBUF];
    size_t vl;
    const char *v = e ? hash_get(e->val, c->argv[2].p, c->argv[2].len, &vl, buf) : NULL;
    long double cur = 0;
    if (v && !str_to_ld(v, vl, &cur)) {
        reply_errs(c->r, SERR_HASH_NOT_FLOAT);
        return;
    }
    cur += incr;
    if (isnan(cur) || isinf(cur)) {
        reply_errs(c->r, SERR_INCR_NAN);
        return;
    }
    char nb[5200];
    int nl = ld_human(nb, sizeof(nb), cur);
    struct sobj *o = hash_open(c, e);
    if (!o) return;
    hash_try_convert(o, c->argv, 2, 2);
    if (o->enc == ENC_LISTPACK && nl > store_tun.hash_max_listpack_value) hash_convert(o);
    hash_set(o, c->argv[2].p, c->argv[2].len, nb, (size_t)nl);
    hash_commit(c, e, o);
    /* logged as HSET key field value (Redis 7: the value it produced) */
    cmd_effect_replace(c, 4,
                       (struct sarg[]){SARG_LIT("HSET"), c->argv[1], c->argv[2], {nb, (size_t)nl}});
    reply_bulk(c->r, nb, (size_t)nl);
}

/* ------------------------------------------------------------------------ */
/* HRANDFIELD key [count [WITHVALUES]] */

/* Entries of a listpack hash as an array of field positions. */
static unsigned char **lp_pairs(unsigned char *lp, uint64_t n)
{
    unsigned char **v = malloc(sizeof(*v) * (n ? n : 1));
    if (!v) return NULL;
    uint64_t i = 0;
    for (unsigned char *p = lp_first(lp); p && i < n; p = lp_next(lp, lp_next(lp, p))) v[i++] = p;
    return v;
}

static void reply_pair(struct cmdctx *c, const char *f, size_t fl, const char *v, size_t vl,
                       bool withvalues)
{
    if (withvalues && c->r->resp > 2) reply_array(c->r, 2);
    reply_bulk(c->r, f, fl);
    if (withvalues) reply_bulk(c->r, v, vl);
}

static void reply_lp_pair(struct cmdctx *c, unsigned char *lp, unsigned char *p, bool withvalues)
{
    char fb[LP_INTBUF], vb[LP_INTBUF];
    uint32_t fl, vl = 0;
    const unsigned char *f = lp_get_str(p, &fl, fb);
    const unsigned char *v = withvalues ? lp_get_str(lp_next(lp, p), &vl, vb) : NULL;
    reply_pair(c, (const char *)f, fl, (const char *)v, vl, withvalues);
}

/* A small open-addressing set of pointers (distinct random picks). */
struct ptrset {
    void **slot;
    uint64_t mask;
};

static bool ptrset_add(struct ptrset *s, void *p)
{
    uint64_t h = ((uintptr_t)p * 0x9e3779b97f4a7c15ULL) >> 20;
    for (uint64_t i = h & s->mask;; i = (i + 1) & s->mask) {
        if (s->slot[i] == p) return false;
        if (!s->slot[i]) {
            s->slot[i] = p;
            return true;
        }
    }
}

void cmd_hrandfield(struct cmdctx *c)
{
    bool err;
    if (c->argc == 2) {
        const struct sobj *o = hash_for_read(c, &err);
        if (err) return;
        if (!o) {
            reply_null(c->r);
            return;
        }
        if (o->enc == ENC_LISTPACK) {
            unsigned char *lp = o->v.ptr;
            unsigned char *p = lp_seek(lp, (long)(2 * coll_rand_below(hash_len(o))));
            coll_reply_lp(c->r, p);
        } else {
            struct hent *e = (struct hent *)coll_fair_random(HD(o));
            reply_bulk(c->r, e->d, e->klen);
        }
        return;
    }
    long long l;
    if (!coll_range_ll_or_reply(c, &c->argv[2], -LLONG_MAX, LLONG_MAX, NULL, &l)) return;
    bool withvalues = false;
    if (c->argc > 4) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    if (c->argc == 4) {
        if (!arg_is(&c->argv[3], "withvalues")) {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
        withvalues = true;
    }
    bool uniq = l >= 0;
    uint64_t count = uniq ? (uint64_t)l : (uint64_t)(-l);
    if (withvalues && count > (uint64_t)LLONG_MAX / 2 && !uniq) {
        reply_errs(c->r, SERR_OUT_OF_RANGE);
        return;
    }
    const struct sobj *o = hash_for_read(c, &err);
    if (err) return;
    if (!o || count == 0) {
        reply_array(c->r, 0);
        return;
    }
    uint64_t size = hash_len(o);
    long mult = withvalues && c->r->resp == 2 ? 2 : 1;

    if (!uniq || count == 1) {
        /* with repetitions: independent uniform picks */
        reply_array(c->r, (long)count * mult);
        if (o->enc == ENC_LISTPACK) {
            unsigned char *lp = o->v.ptr;
            unsigned char **v = lp_pairs(lp, size);
            if (!v) return;
            for (uint64_t i = 0; i < count; i++)
                reply_lp_pair(c, lp, v[coll_rand_below(size)], withvalues);
            free(v);
        } else {
            for (uint64_t i = 0; i < count; i++) {
                struct hent *e = (struct hent *)coll_fair_random(HD(o));
                reply_pair(c, e->d, e->klen, e->d + e->klen, e->vlen, withvalues);
            }
        }
        return;
    }
    if (count >= size) {
        /* the whole hash */
        reply_array(c->r, (long)size * mult);
        struct hash_iter it;
        hash_iter_init(&it, o);
        while (hash_iter_next(&it)) reply_pair(c, it.f, it.flen, it.v, it.vlen, withvalues);
        hash_iter_done(&it);
        return;
    }
    reply_array(c->r, (long)count * mult);
    if (o->enc == ENC_LISTPACK) {
        /* selection sampling: distinct, in listpack order */
        unsigned char *lp = o->v.ptr;
        uint64_t need = count, left = size;
        for (unsigned char *p = lp_first(lp); p && need; p = lp_next(lp, lp_next(lp, p)), left--) {
            if (coll_rand_below(left) < need) {
                reply_lp_pair(c, lp, p, withvalues);
                need--;
            }
        }
        return;
    }
    struct ptrset s;
    uint64_t cap = 16;
    while (cap < count * 2) cap <<= 1;
    s.slot = calloc(cap, sizeof(void *));
    s.mask = cap - 1;
    if (!s.slot) return;
    if (count * 3 > size) {
        /* many of them: a partial shuffle of all entries */
        struct hent **all = malloc(sizeof(*all) * size);
        if (all) {
            uint64_t n = 0;
            struct dict_iter it;
            dict_iter_init(&it, HD(o));
            for (struct dnode *nd; (nd = dict_iter_next(&it));) all[n++] = (struct hent *)nd;
            dict_iter_done(&it);
            for (uint64_t i = 0; i < count && i < n; i++) {
                uint64_t j = i + coll_rand_below(n - i);
                struct hent *t = all[i];
                all[i] = all[j];
                all[j] = t;
                reply_pair(c, all[i]->d, all[i]->klen, all[i]->d + all[i]->klen, all[i]->vlen,
                           withvalues);
            }
            free(all);
        }
    } else {
        for (uint64_t got = 0; got < count;) {
            struct hent *e = (struct hent *)coll_fair_random(HD(o));
            if (!ptrset_add(&s, e)) continue;
            reply_pair(c, e->d, e->klen, e->d + e->klen, e->vlen, withvalues);
            got++;
        }
    }
    free(s.slot);
}

/* ------------------------------------------------------------------------ */
/* HSCAN key cursor [MATCH pattern] [COUNT count] */

void cmd_hscan(struct cmdctx *c)
{
    uint64_t cursor;
    struct scan_opts so;
    const struct sobj *o = coll_scan_begin(c, OBJ_HASH, &cursor, &so);
    if (!o) return;
    if (o->enc == ENC_LISTPACK) {
        coll_reply_scan_cursor(c, 0);
        struct rdefer d = reply_defer(c->r);
        long n = 0;
        struct hash_iter it;
        hash_iter_init(&it, o);
        while (hash_iter_next(&it)) {
            if (!coll_scan_match(&so, it.f, it.flen)) continue;
            reply_bulk(c->r, it.f, it.flen);
            reply_bulk(c->r, it.v, it.vlen);
            n += 2;
        }
        hash_iter_done(&it);
        reply_defer_array(c->r, d, n);
        return;
    }
    struct dnode **v;
    size_t nv;
    cursor = coll_scan_dict(HD(o), cursor, so.count, &v, &nv);
    coll_reply_scan_cursor(c, cursor);
    struct rdefer d = reply_defer(c->r);
    long n = 0;
    for (size_t i = 0; i < nv; i++) {
        struct hent *e = (struct hent *)v[i];
        if (!coll_scan_match(&so, e->d, e->klen)) continue;
        reply_bulk(c->r, e->d, e->klen);
        reply_bulk(c->r, e->d + e->klen, e->vlen);
        n += 2;
    }
    reply_defer_array(c->r, d, n);
    free(v);
}
