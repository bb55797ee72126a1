/* t_hyperloglog.c — PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST, as
 * Redis 7.0.15's src/hyperloglog.c answers them. HLLs are strings in
 * Redis's layout (store/hll.h); these commands read and change them in
 * place.
 *
 * - A string is an HLL when it is not int-encoded and has the header
 *   (hll_header_ok); otherwise "WRONGTYPE Key is not a valid HyperLogLog
 *   string value." (another type is the usual WRONGTYPE).
 * - A damaged sparse form answers "INVALIDOBJ Corrupted HLL object
 *   detected" (PFADD keeps the registers it raised before it met the
 *   damage, and counts no change, as Redis does).
 * - PFCOUNT of one key caches the cardinality in the header: a write
 *   (through the gate, counted dirty, logged as PFCOUNT key, as Redis
 *   propagates it). PFCOUNT of several keys merges them on the fly and
 *   writes nothing.
 * - PFDEBUG GETREG and TODENSE turn a sparse HLL dense: a write too.
 *
 * Writes pass the gate only once a register is about to rise (PFADD of
 * elements already counted changes nothing). The dirty counter counts as
 * Redis's: PFADD one per register raised (and one for a new key).
 *
 * Locks: the dispatcher holds the shards of every key the command names.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hll.h"
#include "tunables.h"

void cmd_pfadd(struct cmdctx *c);
void cmd_pfcount(struct cmdctx *c);
void cmd_pfmerge(struct cmdctx *c);
void cmd_pfdebug(struct cmdctx *c);
void cmd_pfselftest(struct cmdctx *c);

static void reply_oom(struct cmdctx *c)
{
    reply_errs(c->r, SERR_OOM);
}

static size_t sparse_max(void)
{
    long long v = store_tun.hll_sparse_max_bytes;
    return v < 0 ? 0 : (size_t)v;
}

/* A raw string object's buffer as an hll_str, and back. */
static struct hll_str hll_of(struct sobj *o)
{
    return (struct hll_str){(uint8_t *)o->v.s.ptr, o->v.s.len, o->v.s.cap};
}

static void hll_put(struct sobj *o, const struct hll_str *s)
{
    o->v.s.ptr = (char *)s->p;
    o->v.s.len = (uint32_t)s->len;
    o->v.s.cap = (uint32_t)s->cap;
}

/* A raw string object owning s's buffer (freed on failure). */
static struct sobj *obj_of_hll(struct hll_str *s)
{
    struct sobj *o = obj_string_new_raw(NULL, 0);
    if (!o) {
        free(s->p);
        return NULL;
    }
    free(o->v.s.ptr);
    hll_put(o, s);
    return o;
}

/* Redis's isHLLObjectOrReply for a string value; false after replying. */
static bool hll_check(struct cmdctx *c, const struct sobj *o)
{
    if (o->type != OBJ_STRING) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return false;
    }
    size_t len;
    char buf[24];
    const uint8_t *p = (const uint8_t *)obj_string_bytes(o, buf, &len);
    if (o->enc == ENC_INT || !hll_header_ok(p, len)) {
        reply_errs(c->r, SERR_HLL_WRONGTYPE);
        return false;
    }
    return true;
}

static const uint8_t *hll_bytes(const struct sobj *o, size_t *len)
{
    char unused[24];
    return (const uint8_t *)obj_string_bytes(o, unused, len);
}

/* ------------------------------------------------------------------------ */
/* PFADD key [element ...] */

void cmd_pfadd(struct cmdctx *c)
{
    const struct sarg *key = &c->argv[1];
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    if (!e) {
        struct hll_str s;
        if (!hll_new(&s)) {
            reply_oom(c);
            return;
        }
        uint64_t raised = 0;
        for (int j = 2; j < c->argc; j++) {
            long reg;
            unsigned v = hll_pattern(c->argv[j].p, c->argv[j].len, &reg);
            int r = hll_set(&s, reg, v, sparse_max());
            if (r == -2) {
                free(s.p);
                reply_oom(c);
                return;
            }
            raised += r == 1;
        }
        hll_cache_invalidate(s.p);
        struct sobj *o = obj_of_hll(&s);
        if (!o || !db_add(c, c->db, key, o)) {
            obj_free(o);
            reply_oom(c);
            return;
        }
        /* Redis counts the new key and every register raised; db_add
         * counted the key */
        c->dirty += raised;
        reply_int(c->r, 1);
        return;
    }
    if (!hll_check(c, e->val)) return;
    struct sobj *o = NULL; /* the value, once through the gate */
    uint64_t updated = 0;
    for (int j = 2; j < c->argc; j++) {
        long reg;
        unsigned v = hll_pattern(c->argv[j].p, c->argv[j].len, &reg);
        if (!o) {
            /* read only until a register is about to rise */
            size_t len;
            const uint8_t *p = hll_bytes(e->val, &len);
            int cur;
            if (hll_encoding(p) == HLL_DENSE)
                cur = (int)hll_dense_get(p + HLL_HDR_SIZE, reg);
            else if (v > 32)
                cur = 0; /* the sparse form cannot hold it: it changes */
            else if ((cur = hll_sparse_get(p, len, reg)) < 0) {
                reply_errs(c->r, SERR_HLL_INVALID);
                return;
            }
            if ((unsigned)cur >= v) continue;
            o = db_string_for_update(c, c->db, e, len);
            if (!o) {
                reply_oom(c);
                return;
            }
        }
        struct hll_str s = hll_of(o);
        int r = hll_set(&s, reg, v, sparse_max());
        hll_put(o, &s);
        if (r == -1) {
            reply_errs(c->r, SERR_HLL_INVALID);
            return;
        }
        if (r == -2) {
            reply_oom(c);
            return;
        }
        updated += (uint64_t)r;
    }
    if (updated) {
        hll_cache_invalidate((uint8_t *)o->v.s.ptr);
        db_written(c, c->db, e);
        c->dirty += updated - 1;
    }
    reply_int(c->r, updated ? 1 : 0);
}

/* ------------------------------------------------------------------------ */
/* PFCOUNT key [key ...] */

void cmd_pfcount(struct cmdctx *c)
{
    if (c->argc > 2) {
        uint8_t *max = calloc(HLL_REGISTERS, 1);
        if (!max) {
            reply_oom(c);
            return;
        }
        for (int j = 1; j < c->argc; j++) {
            struct kentry *e = db_lookup_read(c, &c->argv[j]);
            if (!e) continue; /* an empty HLL */
            if (!hll_check(c, e->val)) {
                free(max);
                return;
            }
            size_t len;
            const uint8_t *p = hll_bytes(e->val, &len);
            if (hll_merge(max, p, len) < 0) {
                free(max);
                reply_errs(c->r, SERR_HLL_INVALID);
                return;
            }
        }
        reply_int(c->r, (long long)hll_count_raw(max));
        free(max);
        return;
    }
    struct kentry *e = db_lookup_read(c, &c->argv[1]);
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    if (!hll_check(c, e->val)) return;
    size_t len;
    const uint8_t *p = hll_bytes(e->val, &len);
    uint64_t card;
    if (!hll_cache_get(p, &card)) {
        bool invalid = false;
        card = hll_count(p, len, &invalid);
        if (invalid) {
            reply_errs(c->r, SERR_HLL_INVALID);
            return;
        }
        /* the cache is part of the value: a write Redis propagates */
        struct sobj *o = db_string_for_update(c, c->db, e, len);
        if (!o) {
            reply_oom(c);
            return;
        }
        hll_cache_set((uint8_t *)o->v.s.ptr, card);
        db_written(c, c->db, e);
    }
    reply_int(c->r, (long long)card);
}

/* ------------------------------------------------------------------------ */
/* PFMERGE destkey [sourcekey ...] (the destination is a source too) */

void cmd_pfmerge(struct cmdctx *c)
{
    uint8_t *max = calloc(HLL_REGISTERS, 1);
    if (!max) {
        reply_oom(c);
        return;
    }
    bool use_dense = false;
    for (int j = 1; j < c->argc; j++) {
        struct kentry *e = db_lookup_read(c, &c->argv[j]);
        if (!e) continue;
        if (!hll_check(c, e->val)) {
            free(max);
            return;
        }
        size_t len;
        const uint8_t *p = hll_bytes(e->val, &len);
        if (hll_encoding(p) == HLL_DENSE) use_dense = true;
        if (hll_merge(max, p, len) < 0) {
            free(max);
            reply_errs(c->r, SERR_HLL_INVALID);
            return;
        }
    }
    const struct sarg *key = &c->argv[1];
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    struct hll_str s;
    struct sobj *o = NULL;
    if (!e) {
        if (!hll_new(&s)) {
            free(max);
            reply_oom(c);
            return;
        }
    } else {
        /* checked as a source above */
        size_t len = obj_string_len(e->val);
        o = db_string_for_update(c, c->db, e, len);
        if (!o) {
            free(max);
            reply_oom(c);
            return;
        }
        s = hll_of(o);
    }
    int r = use_dense ? hll_to_dense(&s) : 0;
    for (long j = 0; r >= 0 && j < HLL_REGISTERS; j++)
        if (max[j] && hll_set(&s, j, max[j], sparse_max()) == -2) r = -2;
    free(max);
    if (o) hll_put(o, &s);
    if (r < 0) {
        if (!o) free(s.p);
        if (r == -1)
            reply_errs(c->r, SERR_HLL_INVALID);
        else
            reply_oom(c);
        return;
    }
    hll_cache_invalidate(s.p);
    if (!o) {
        o = obj_of_hll(&s);
        if (!o || !db_add(c, c->db, key, o)) {
            obj_free(o);
            reply_oom(c);
            return;
        }
    } else {
        db_written(c, c->db, e);
    }
    reply_ok(c->r);
}

/* ------------------------------------------------------------------------ */
/* PFDEBUG GETREG|DECODE|ENCODING|TODENSE key */

void cmd_pfdebug(struct cmdctx *c)
{
    const struct sarg *sub = &c->argv[1];
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[2]);
    if (!e) {
        reply_errs(c->r, SERR_PFDEBUG_NOKEY);
        return;
    }
    if (!hll_check(c, e->val)) return;
    size_t len;
    const uint8_t *p = hll_bytes(e->val, &len);
    bool getreg = arg_is(sub, "getreg");
    if (getreg || arg_is(sub, "todense")) {
        bool conv = hll_encoding(p) == HLL_SPARSE;
        if (conv) {
            struct sobj *o = db_string_for_update(c, c->db, e, len);
            if (!o) {
                reply_oom(c);
                return;
            }
            struct hll_str s = hll_of(o);
            int r = hll_to_dense(&s);
            hll_put(o, &s);
            if (r < 0) {
                if (r == -1)
                    reply_errs(c->r, SERR_HLL_INVALID);
                else
                    reply_oom(c);
                return;
            }
            db_written(c, c->db, e); /* Redis propagates the conversion */
            p = hll_bytes(e->val, &len);
        }
        if (!getreg) {
            reply_int(c->r, conv);
            return;
        }
        reply_array(c->r, HLL_REGISTERS);
        for (long j = 0; j < HLL_REGISTERS; j++)
            reply_int(c->r, hll_dense_get(p + HLL_HDR_SIZE, j));
    } else if (arg_is(sub, "decode")) {
        if (hll_encoding(p) != HLL_SPARSE) {
            reply_errs(c->r, SERR_PFDEBUG_NOT_SPARSE);
            return;
        }
        char *out;
        size_t n;
        if (!hll_decode(p, len, &out, &n)) {
            reply_oom(c);
            return;
        }
        reply_bulk(c->r, out, n);
        free(out);
    } else if (arg_is(sub, "encoding")) {
        reply_simple(c->r, hll_encoding(p) == HLL_DENSE ? "dense" : "sparse");
    } else {
        reply_errorf(c->r, SERRF_PFDEBUG_UNKNOWN, (int)sub->len, sub->p);
    }
}

/* ------------------------------------------------------------------------ */
/* PFSELFTEST: Redis's two checks. (1) Every dense register keeps what was
 * written and leaves its neighbours alone, over 1000 rounds of random
 * values. (2) Ten million distinct elements added to a dense and a sparse
 * HLL: at 1, 10, 100 ... the sparse one is still sparse while it should
 * be, both estimate the same, and the estimate is within six standard
 * errors (at 10, within 1). Takes a few seconds, as in Redis. */

static uint64_t selftest_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

void cmd_pfselftest(struct cmdctx *c)
{
    uint8_t *dense = calloc(HLL_DENSE_SIZE + 1, 1);
    uint8_t *bytes = malloc(HLL_REGISTERS);
    struct hll_str sp = {0};
    if (!dense || !bytes || !hll_new(&sp)) {
        free(dense);
        free(bytes);
        free(sp.p);
        reply_oom(c);
        return;
    }
    uint8_t *regs = dense + HLL_HDR_SIZE;
    dense[4] = HLL_DENSE;
    uint64_t rnd = (uint64_t)store_ustime() | 1;
    for (int round = 0; round < 1000; round++) {
        for (long i = 0; i < HLL_REGISTERS; i++) {
            bytes[i] = (uint8_t)(selftest_rand(&rnd) & 63);
            hll_dense_set(regs, i, bytes[i]);
        }
        for (long i = 0; i < HLL_REGISTERS; i++) {
            unsigned v = hll_dense_get(regs, i);
            if (v != bytes[i]) {
                reply_errorf(c->r, SERRF_HLL_TEST_REGISTER, (int)i, (int)bytes[i], (int)v);
                goto done;
            }
        }
    }
    memset(regs, 0, HLL_DENSE_SIZE - HLL_HDR_SIZE);
    double relerr = 1.04 / sqrt(HLL_REGISTERS);
    uint64_t checkpoint = 1, seed = selftest_rand(&rnd);
    for (uint64_t j = 1; j <= 10000000; j++) {
        uint64_t ele = j ^ seed;
        long reg;
        unsigned v = hll_pattern(&ele, sizeof(ele), &reg);
        if (hll_dense_get(regs, reg) < v) hll_dense_set(regs, reg, v);
        if (hll_set(&sp, reg, v, sparse_max()) < 0) {
            reply_oom(c);
            goto done;
        }
        if (j != checkpoint) continue;
        if (j < sparse_max() / 2 && hll_encoding(sp.p) != HLL_SPARSE) {
            reply_error(c->r, SERRF_HLL_TEST_SPARSE);
            goto done;
        }
        uint64_t cd = hll_count(dense, HLL_DENSE_SIZE, NULL);
        if (cd != hll_count(sp.p, sp.len, NULL)) {
            reply_error(c->r, SERRF_HLL_TEST_DISAGREE);
            goto done;
        }
        long long abserr = llabs((long long)checkpoint - (long long)cd);
        uint64_t maxerr = (uint64_t)ceil(relerr * 6 * (double)checkpoint);
        if (j == 10) maxerr = 1;
        if ((uint64_t)abserr > maxerr) {
            reply_errorf(c->r, SERRF_HLL_TEST_ERROR, (unsigned long long)checkpoint,
                         (unsigned long long)abserr);
            goto done;
        }
        checkpoint *= 10;
    }
    reply_ok(c->r);
done:
    free(dense);
    free(bytes);
    free(sp.p);
}
