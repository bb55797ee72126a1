/* t_bitops.c — the bitmap commands of Redis 7.0: SETBIT, GETBIT, BITCOUNT,
 * BITPOS, BITOP, BITFIELD and BITFIELD_RO. Bitmaps are strings; the bit
 * primitives are in bits.h.
 *
 * Replies, errors and the order of the checks follow Redis 7.0.15's
 * src/bitops.c:
 *   - a bit offset is an integer (Redis's string2ll), not negative, whose
 *     byte is below proto-max-bulk-len ("bit offset is not an integer or
 *     out of range"); BITFIELD also takes "#n", n times the field width;
 *     a replayed stream (AOF, master) is exempt from the bound;
 *   - BITCOUNT and BITPOS look the key up before they parse their range
 *     (a missing key answers 0, or BITPOS's -1/0, whatever follows);
 *   - BITOP's result is a raw string that replaces the destination (any
 *     type, TTL dropped), or deletes it when every source is empty;
 *   - BITFIELD parses every subcommand before it touches the key.
 *
 * Writes pass the write gate only when they change something: SETBIT of
 * the bit a string already has within its length, or a BITFIELD SET of the
 * value a field already holds, leaves the entry alone (Redis counts such
 * commands as no change too; it still turns an int or embstr value into
 * raw, which is the one thing we do not repeat). The dirty counter counts
 * as Redis's: one per SETBIT that changed, one per BITFIELD write op that
 * changed a field or grew the string.
 *
 * Locks: the dispatcher holds the shards of every key the command names.
 */
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "db.h"

void cmd_setbit(struct cmdctx *c);
void cmd_getbit(struct cmdctx *c);
void cmd_bitcount(struct cmdctx *c);
void cmd_bitpos(struct cmdctx *c);
void cmd_bitop(struct cmdctx *c);
void cmd_bitfield(struct cmdctx *c);
void cmd_bitfield_ro(struct cmdctx *c);

/* proto-max-bulk-len when the context carries none (unit tests). */
#define BIT_DEFAULT_MAX_BULK (512LL * 1024 * 1024)

static void reply_oom(struct cmdctx *c)
{
    reply_errs(c->r, SERR_OOM);
}

/* Redis's getBitOffsetFromArgument. With field_bits > 0, "#n" means
 * n * field_bits (the product wraps as Redis's does). */
static bool bit_offset_or_reply(struct cmdctx *c, const struct sarg *a, unsigned field_bits,
                                uint64_t *out)
{
    bool hash = field_bits > 0 && a->len > 0 && a->p[0] == '#';
    long long v;
    if (!str_to_ll(a->p + hash, a->len - hash, &v)) {
        reply_errs(c->r, SERR_BIT_RANGE);
        return false;
    }
    if (hash) v = (long long)((unsigned long long)v * field_bits);
    long long max = c->max_bulk > 0 ? c->max_bulk : BIT_DEFAULT_MAX_BULK;
    if (v < 0 || (!c->replaying && (v >> 3) >= max)) {
        reply_errs(c->r, SERR_BIT_RANGE);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

/* The bytes of a string value (ints formatted into buf, >= 24 bytes). */
static const uint8_t *str_bytes(const struct sobj *o, char *buf, size_t *len)
{
    return (const uint8_t *)obj_string_bytes(o, buf, len);
}

/* Entry e's string through the gate as raw, at least `need` bytes long,
 * the new bytes zero (Redis's dbUnshareStringValue + sdsgrowzero). */
static struct sobj *string_for_bits(struct cmdctx *c, struct kentry *e, size_t need)
{
    size_t len = obj_string_len(e->val);
    struct sobj *o = db_string_for_update(c, c->db, e, need > len ? need : len);
    if (o && need > len) {
        memset(o->v.s.ptr + len, 0, need - len);
        o->v.s.len = (uint32_t)need;
        o->v.s.ptr[need] = '\0';
    }
    return o;
}

/* ------------------------------------------------------------------------ */
/* SETBIT key offset value / GETBIT key offset */

static inline int bit_at(const uint8_t *p, size_t len, uint64_t off)
{
    uint64_t byte = off >> 3;
    return byte < len ? (p[byte] >> (7 - (off & 7))) & 1 : 0;
}

void cmd_setbit(struct cmdctx *c)
{
    uint64_t off;
    long long on;
    if (!bit_offset_or_reply(c, &c->argv[2], 0, &off)) return;
    if (!arg_ll(&c->argv[3], &on) || (on & ~1LL)) {
        reply_errs(c->r, SERR_BIT_VALUE);
        return;
    }
    const struct sarg *key = &c->argv[1];
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    if (e && e->val->type != OBJ_STRING) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    size_t need = (size_t)(off >> 3) + 1;
    uint8_t bitmask = (uint8_t)(1u << (7 - (off & 7)));
    if (!e) {
        struct sobj *o = obj_string_new_zeroed(need);
        if (!o) {
            reply_oom(c);
            return;
        }
        if (on) o->v.s.ptr[need - 1] = (char)bitmask;
        if (!db_add(c, c->db, key, o)) {
            obj_free(o);
            reply_oom(c);
            return;
        }
        reply_int(c->r, 0);
        return;
    }
    char buf[24];
    size_t len;
    const uint8_t *p = str_bytes(e->val, buf, &len);
    int old = bit_at(p, len, off);
    if (need > len || old != on) {
        struct sobj *o = string_for_bits(c, e, need);
        if (!o) {
            reply_oom(c);
            return;
        }
        uint8_t *b = (uint8_t *)o->v.s.ptr + need - 1;
        *b = on ? (uint8_t)(*b | bitmask) : (uint8_t)(*b & ~bitmask);
        db_written(c, c->db, e);
    }
    reply_int(c->r, old);
}

void cmd_getbit(struct cmdctx *c)
{
    uint64_t off;
    if (!bit_offset_or_reply(c, &c->argv[2], 0, &off)) return;
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_STRING, &err);
    if (err) return;
    if (!o) {
        reply_int(c->r, 0);
        return;
    }
    char buf[24];
    size_t len;
    const uint8_t *p = str_bytes(o, buf, &len);
    reply_int(c->r, bit_at(p, len, off));
}

/* ------------------------------------------------------------------------ */
/* BITCOUNT key [start end [BYTE|BIT]] / BITPOS key bit [start [end [BYTE|BIT]]] */

/* A start/end pair in bytes or bits made a bit range [*from, *to] of a
 * string of len bytes, as Redis clamps it: negative values count from the
 * end, then both are clamped into the string. False when it is empty. */
static bool clamp_range(long long start, long long end, size_t len, bool isbit, uint64_t *from,
                        uint64_t *to)
{
    long long total = isbit ? (long long)len * 8 : (long long)len;
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (start > end) return false;
    *from = isbit ? (uint64_t)start : (uint64_t)start * 8;
    *to = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    return true;
}

/* BYTE or BIT as the unit argument; false after a syntax error. */
static bool unit_or_reply(struct cmdctx *c, const struct sarg *a, bool *isbit)
{
    if (arg_is(a, "bit"))
        *isbit = true;
    else if (arg_is(a, "byte"))
        *isbit = false;
    else {
        reply_errs(c->r, SERR_SYNTAX);
        return false;
    }
    return true;
}

/* Set bits among bits [from, to]: whole bytes counted fast, the bits of
 * the edge bytes outside the range taken off. */
static uint64_t count_range(const uint8_t *p, uint64_t from, uint64_t to)
{
    uint64_t fb = from >> 3, lb = to >> 3;
    uint64_t n = bits_popcount(p + fb, (size_t)(lb - fb + 1));
    uint8_t head = (uint8_t)(p[fb] & ~(0xffu >> (from & 7)));
    uint8_t tail = (uint8_t)(p[lb] & (0xffu >> ((to & 7) + 1)));
    return n - (uint64_t)__builtin_popcount(head) - (uint64_t)__builtin_popcount(tail);
}

void cmd_bitcount(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_STRING, &err);
    if (err) return;
    if (!o) {
        reply_int(c->r, 0);
        return;
    }
    char buf[24];
    size_t len;
    const uint8_t *p = str_bytes(o, buf, &len);
    long long start = 0, end = -1;
    bool isbit = false;
    if (c->argc == 4 || c->argc == 5) {
        if (!arg_ll_or_reply(c, &c->argv[2], &start) || !arg_ll_or_reply(c, &c->argv[3], &end))
            return;
        if (start < 0 && end < 0 && start > end) {
            reply_int(c->r, 0);
            return;
        }
        if (c->argc == 5 && !unit_or_reply(c, &c->argv[4], &isbit)) return;
    } else if (c->argc != 2) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    uint64_t from, to;
    if (!clamp_range(start, end, len, isbit, &from, &to)) {
        reply_int(c->r, 0);
        return;
    }
    reply_int(c->r, (long long)count_range(p, from, to));
}

void cmd_bitpos(struct cmdctx *c)
{
    long long bit;
    if (!arg_ll_or_reply(c, &c->argv[2], &bit)) return;
    if (bit != 0 && bit != 1) {
        reply_errs(c->r, SERR_BITPOS_BIT);
        return;
    }
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_STRING, &err);
    if (err) return;
    if (!o) {
        /* a missing key is an endless run of zeros */
        reply_int(c->r, bit ? -1 : 0);
        return;
    }
    char buf[24];
    size_t len;
    const uint8_t *p = str_bytes(o, buf, &len);
    long long start = 0, end = -1;
    bool isbit = false, end_given = false;
    if (c->argc >= 4 && c->argc <= 6) {
        if (!arg_ll_or_reply(c, &c->argv[3], &start)) return;
        if (c->argc == 6 && !unit_or_reply(c, &c->argv[5], &isbit)) return;
        if (c->argc >= 5) {
            if (!arg_ll_or_reply(c, &c->argv[4], &end)) return;
            end_given = true;
        }
    } else if (c->argc != 3) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    uint64_t from, to;
    if (!clamp_range(start, end, len, isbit, &from, &to)) {
        reply_int(c->r, -1);
        return;
    }
    int64_t pos = bits_find(p, from, to, (int)bit);
    /* Looking for a clear bit without an explicit end, Redis sees the
     * string as followed by zeros: the answer is the bit after the range
     * (the end of the string). With an end given there is none. */
    if (pos < 0 && bit == 0 && !end_given) pos = (int64_t)to + 1;
    reply_int(c->r, pos);
}

/* ------------------------------------------------------------------------ */
/* BITOP AND|OR|XOR|NOT destkey key [key ...] */

void cmd_bitop(struct cmdctx *c)
{
    const struct sarg *opname = &c->argv[1];
    enum bits_op op;
    if (arg_is(opname, "and"))
        op = BITS_AND;
    else if (arg_is(opname, "or"))
        op = BITS_OR;
    else if (arg_is(opname, "xor"))
        op = BITS_XOR;
    else if (arg_is(opname, "not"))
        op = BITS_NOT;
    else {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    if (op == BITS_NOT && c->argc != 4) {
        reply_errs(c->r, SERR_BITOP_NOT);
        return;
    }
    int n = c->argc - 3;
    const uint8_t **src = malloc(sizeof(*src) * (size_t)n);
    size_t *len = malloc(sizeof(*len) * (size_t)n);
    char(*ibuf)[24] = malloc(sizeof(*ibuf) * (size_t)n);
    if (!src || !len || !ibuf) {
        free(src);
        free(len);
        free(ibuf);
        reply_oom(c);
        return;
    }
    size_t maxlen = 0;
    for (int j = 0; j < n; j++) {
        bool err;
        const struct sobj *o = db_read_typed(c, &c->argv[j + 3], OBJ_STRING, &err);
        if (err) {
            free(src);
            free(len);
            free(ibuf);
            return;
        }
        src[j] = o ? str_bytes(o, ibuf[j], &len[j]) : NULL;
        if (!o) len[j] = 0;
        if (len[j] > maxlen) maxlen = len[j];
    }
    const struct sarg *dst = &c->argv[2];
    /* A raw string destination that is not a source is overwritten in
     * place: same result as Redis's new value (raw, TTL dropped), without
     * a large allocation and free per call (on this allocator a freed
     * megabyte comes back page-faulting). */
    bool is_src = false;
    for (int j = 0; j < n; j++) {
        const struct sarg *k = &c->argv[j + 3];
        if (k->len == dst->len && memcmp(k->p, dst->p, dst->len) == 0) is_src = true;
    }
    struct kentry *de = maxlen && !is_src ? db_lookup_for_write(c, c->db, dst) : NULL;
    if (de && de->val->type == OBJ_STRING && de->val->enc == ENC_RAW &&
        de->val->v.s.cap <= 2 * maxlen + 64) {
        struct sobj *o = db_string_for_update(c, c->db, de, maxlen);
        if (!o) {
            free(src);
            free(len);
            free(ibuf);
            reply_oom(c);
            return;
        }
        bits_op(op, (uint8_t *)o->v.s.ptr, maxlen, src, len, n);
        o->v.s.len = (uint32_t)maxlen;
        o->v.s.ptr[maxlen] = '\0';
        if (de->expire >= 0) db_set_expire(c, c->db, de, -1);
        db_written(c, c->db, de);
    } else if (maxlen) {
        /* Redis stores the result as a raw string, whatever its length */
        struct sobj *res = obj_string_new_zeroed(maxlen);
        if (res) bits_op(op, (uint8_t *)res->v.s.ptr, maxlen, src, len, n);
        if (!res || !db_set(c, c->db, dst, res, false)) {
            if (res) obj_free(res);
            free(src);
            free(len);
            free(ibuf);
            reply_oom(c);
            return;
        }
    } else {
        db_delete(c, c->db, dst);
    }
    free(src);
    free(len);
    free(ibuf);
    reply_int(c->r, (long long)maxlen);
}

/* ------------------------------------------------------------------------ */
/* BITFIELD key [GET type offset] [SET type offset value]
 *              [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
 * BITFIELD_RO key [GET type offset ...] */

enum { BF_GET, BF_SET, BF_INCRBY };

struct bf_op {
    uint64_t off;
    int64_t arg; /* SET's value or INCRBY's increment */
    uint8_t code, bits, sign, ow;
};

/* Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63. */
static bool bf_type_or_reply(struct cmdctx *c, const struct sarg *a, int *sign, unsigned *bits)
{
    long long n;
    /* the digits end at a NUL, as Redis reads them with strlen */
    const char *nul = a->len ? memchr(a->p, '\0', a->len) : NULL;
    size_t dl = (nul ? (size_t)(nul - a->p) : a->len);
    if (a->len == 0 || (a->p[0] != 'i' && a->p[0] != 'u') || !str_to_ll(a->p + 1, dl - 1, &n) ||
        n < 1 || (a->p[0] == 'i' && n > 64) || (a->p[0] == 'u' && n > 63)) {
        reply_errs(c->r, SERR_BITFIELD_TYPE);
        return false;
    }
    *sign = a->p[0] == 'i';
    *bits = (unsigned)n;
    return true;
}

/* One op against the bytes p (long enough for it): its reply value (a
 * FAIL overflow sets *null) and, for writes, the new field (*write). */
static int64_t bf_eval(const struct bf_op *op, const uint8_t *p, bool *null, bool *write,
                       uint64_t *newval, uint64_t *oldval)
{
    *null = false;
    *write = false;
    if (op->sign) {
        int64_t old = bits_get_i(p, op->off, op->bits), nv, lim, ret;
        int of;
        if (op->code == BF_INCRBY) {
            of = bits_check_i(old, op->arg, op->bits, op->ow, &lim);
            nv = of ? lim : (int64_t)((uint64_t)old + (uint64_t)op->arg);
            ret = nv;
        } else {
            nv = op->arg;
            of = bits_check_i(nv, 0, op->bits, op->ow, &lim);
            if (of) nv = lim;
            ret = old;
        }
        if (of && op->ow == BITS_FAIL) {
            *null = true;
            return 0;
        }
        *write = true;
        *newval = (uint64_t)nv;
        *oldval = (uint64_t)old;
        return ret;
    }
    uint64_t old = bits_get_u(p, op->off, op->bits), nv, lim, ret;
    int of;
    if (op->code == BF_INCRBY) {
        nv = old + (uint64_t)op->arg;
        of = bits_check_u(old, op->arg, op->bits, op->ow, &lim);
        if (of) nv = lim;
        ret = nv;
    } else {
        nv = (uint64_t)op->arg;
        of = bits_check_u(nv, 0, op->bits, op->ow, &lim);
        if (of) nv = lim;
        ret = old;
    }
    if (of && op->ow == BITS_FAIL) {
        *null = true;
        return 0;
    }
    *write = true;
    *newval = nv;
    *oldval = old;
    return (int64_t)ret;
}

/* A GET reads through a zero-padded copy of up to 9 bytes, so fields past
 * the end of the string read as zeros. */
static int64_t bf_get(const struct bf_op *op, const uint8_t *p, size_t len)
{
    uint8_t tmp[9] = {0};
    uint64_t byte = op->off >> 3;
    for (int i = 0; i < 9 && byte + (uint64_t)i < len; i++) tmp[i] = p[byte + (uint64_t)i];
    uint64_t off = op->off & 7;
    return op->sign ? bits_get_i(tmp, off, op->bits) : (int64_t)bits_get_u(tmp, off, op->bits);
}

static void bitfield_generic(struct cmdctx *c, bool ro)
{
    struct bf_op stack_ops[16], *ops = stack_ops;
    int nops = 0, cap = 16;
    enum bits_overflow ow = BITS_WRAP;
    bool readonly = true;
    uint64_t highest = 0;
    for (int j = 2; j < c->argc; j++) {
        int rem = c->argc - j - 1;
        const struct sarg *sub = &c->argv[j];
        int code;
        if (arg_is(sub, "get") && rem >= 2)
            code = BF_GET;
        else if (arg_is(sub, "set") && rem >= 3)
            code = BF_SET;
        else if (arg_is(sub, "incrby") && rem >= 3)
            code = BF_INCRBY;
        else if (arg_is(sub, "overflow") && rem >= 1) {
            const struct sarg *t = &c->argv[++j];
            if (arg_is(t, "wrap"))
                ow = BITS_WRAP;
            else if (arg_is(t, "sat"))
                ow = BITS_SAT;
            else if (arg_is(t, "fail"))
                ow = BITS_FAIL;
            else {
                reply_errs(c->r, SERR_BITFIELD_OVERFLOW);
                goto out;
            }
            continue;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            goto out;
        }
        int sign;
        unsigned bits;
        uint64_t off;
        long long arg = 0;
        if (!bf_type_or_reply(c, &c->argv[j + 1], &sign, &bits)) goto out;
        if (!bit_offset_or_reply(c, &c->argv[j + 2], bits, &off)) goto out;
        if (code != BF_GET) {
            readonly = false;
            if (highest < off + bits - 1) highest = off + bits - 1;
            if (!arg_ll_or_reply(c, &c->argv[j + 3], &arg)) goto out;
        }
        if (nops == cap) {
            struct bf_op *n = malloc(sizeof(*n) * (size_t)cap * 2);
            if (!n) {
                reply_oom(c);
                goto out;
            }
            memcpy(n, ops, sizeof(*n) * (size_t)nops);
            if (ops != stack_ops) free(ops);
            ops = n;
            cap *= 2;
        }
        ops[nops++] =
            (struct bf_op){off, arg, (uint8_t)code, (uint8_t)bits, (uint8_t)sign, (uint8_t)ow};
        j += code == BF_GET ? 2 : 3;
    }

    const struct sarg *key = &c->argv[1];
    if (readonly) {
        bool err;
        const struct sobj *o = db_read_typed(c, key, OBJ_STRING, &err);
        if (err) goto out;
        char buf[24];
        size_t len = 0;
        const uint8_t *p = o ? str_bytes(o, buf, &len) : NULL;
        reply_array(c->r, nops);
        for (int i = 0; i < nops; i++) reply_int(c->r, bf_get(&ops[i], p, len));
        goto out;
    }
    if (ro) {
        reply_errs(c->r, SERR_BITFIELD_RO);
        goto out;
    }

    /* Writes. The string must reach the highest bit written (Redis's
     * lookupStringForBitCommand); growing it is a change. Results are
     * collected first so that a failed allocation answers OOM alone. */
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    if (e && e->val->type != OBJ_STRING) {
        reply_errs(c->r, SERR_WRONGTYPE);
        goto out;
    }
    size_t need = (size_t)(highest >> 3) + 1;
    struct sobj *fresh = NULL; /* a new key's value, added once computed */
    struct sobj *o = NULL;     /* the value being written, once through the gate */
    const uint8_t *rp;         /* the bytes ops read */
    size_t rlen;
    char ibuf[24];
    bool dirty = false; /* created or grown: every applied write counts */
    if (!e) {
        fresh = o = obj_string_new_zeroed(need);
        if (!o) {
            reply_oom(c);
            goto out;
        }
        dirty = true;
    } else if (obj_string_len(e->val) < need) {
        o = string_for_bits(c, e, need);
        if (!o) {
            reply_oom(c);
            goto out;
        }
        dirty = true;
    }
    int64_t *res = malloc(sizeof(*res) * (size_t)nops + 1);
    bool *isnull = malloc(sizeof(*isnull) * (size_t)nops + 1);
    if (!res || !isnull) {
        free(res);
        free(isnull);
        obj_free(fresh);
        reply_oom(c);
        goto out;
    }
    uint64_t changes = 0;
    for (int i = 0; i < nops; i++) {
        if (o) {
            rp = (const uint8_t *)o->v.s.ptr;
            rlen = o->v.s.len;
        } else {
            rp = str_bytes(e->val, ibuf, &rlen);
        }
        if (ops[i].code == BF_GET) {
            isnull[i] = false;
            res[i] = bf_get(&ops[i], rp, rlen);
            continue;
        }
        bool write;
        uint64_t nv, old;
        res[i] = bf_eval(&ops[i], rp, &isnull[i], &write, &nv, &old);
        if (!write) continue;
        if (dirty || nv != old) changes++;
        if (nv == old) continue; /* the field already holds it */
        if (!o) {
            o = string_for_bits(c, e, need);
            if (!o) {
                free(res);
                free(isnull);
                reply_oom(c);
                goto out;
            }
        }
        bits_set((uint8_t *)o->v.s.ptr, ops[i].off, ops[i].bits, nv);
    }
    if (fresh) {
        if (!db_add(c, c->db, key, fresh)) {
            obj_free(fresh);
            free(res);
            free(isnull);
            reply_oom(c);
            goto out;
        }
        /* db_add counted one change; Redis counts the ops */
        if (changes) c->dirty += changes - 1;
    } else if (o) {
        db_written(c, c->db, e);
        if (changes) c->dirty += changes - 1;
    }
    reply_array(c->r, nops);
    for (int i = 0; i < nops; i++) {
        if (isnull[i])
            reply_null(c->r);
        else
            reply_int(c->r, res[i]);
    }
    free(res);
    free(isnull);
out:
    if (ops != stack_ops) free(ops);
}

void cmd_bitfield(struct cmdctx *c)
{
    bitfield_generic(c, false);
}

void cmd_bitfield_ro(struct cmdctx *c)
{
    bitfield_generic(c, true);
}
