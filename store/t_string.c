/* t_string.c — the string commands of Redis 7.0: GET, SET and its family,
 * MGET/MSET, APPEND, ranges, counters, INCRBYFLOAT and LCS.
 *
 * Replies, error texts and the order in which arguments are checked follow
 * Redis 7.0.15's src/t_string.c, so that a client sees the same reply for
 * the same call, errors included. The value encoding after each command is
 * the one OBJECT ENCODING reports in Redis:
 *   SET, SETNX, SETEX, PSETEX, GETSET, MSET, MSETNX and APPEND to a missing key
 *       store the argument as Redis's tryObjectEncoding would: int for a
 *       canonical integer of at most 20 characters, embstr up to 44 bytes,
 *       raw beyond (obj_string_new);
 *   INCR/DECR/INCRBY/DECRBY leave an int;
 *   INCRBYFLOAT leaves a string (embstr or raw), never an int;
 *   APPEND to an existing key and SETRANGE leave raw, even when they append
 *       nothing to a short value (SETRANGE with an empty value changes
 *       nothing).
 *
 * Locks: the dispatcher holds the shards of every key the command names.
 * Writes go through db.h; a lookup that may lead to a write uses
 * db_lookup_for_write() and runs db_begin_write() only when it does change
 * the entry.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/* Handlers (the generated command table declares them too). */
void cmd_get(struct cmdctx *c);
void cmd_set(struct cmdctx *c);
void cmd_setnx(struct cmdctx *c);
void cmd_setex(struct cmdctx *c);
void cmd_psetex(struct cmdctx *c);
void cmd_getex(struct cmdctx *c);
void cmd_getdel(struct cmdctx *c);
void cmd_getset(struct cmdctx *c);
void cmd_mget(struct cmdctx *c);
void cmd_mset(struct cmdctx *c);
void cmd_msetnx(struct cmdctx *c);
void cmd_append(struct cmdctx *c);
void cmd_strlen(struct cmdctx *c);
void cmd_getrange(struct cmdctx *c);
void cmd_substr(struct cmdctx *c);
void cmd_setrange(struct cmdctx *c);
void cmd_incr(struct cmdctx *c);
void cmd_decr(struct cmdctx *c);
void cmd_incrby(struct cmdctx *c);
void cmd_decrby(struct cmdctx *c);
void cmd_incrbyfloat(struct cmdctx *c);
void cmd_lcs(struct cmdctx *c);

/* proto-max-bulk-len when the context carries none (unit tests). */
#define STR_DEFAULT_MAX_BULK (512LL * 1024 * 1024)
/* Longest INCRBYFLOAT operand / result, as Redis's MAX_LONG_DOUBLE_CHARS. */
#define STR_LD_CHARS 5120

static long long max_bulk(const struct cmdctx *c)
{
    return c->max_bulk > 0 ? c->max_bulk : STR_DEFAULT_MAX_BULK;
}

/* Redis's checkStringLength: would a string of size + append bytes exceed
 * proto-max-bulk-len (or overflow)? Replies when it would. */
static bool check_string_length(struct cmdctx *c, long long size, long long append)
{
    unsigned long long total = (unsigned long long)size + (unsigned long long)append;
    if (total > (unsigned long long)max_bulk(c)) {
        reply_errs(c->r, SERR_STRING_TOO_LONG);
        return false;
    }
    return true;
}

static void reply_expire_invalid(struct cmdctx *c, const char *cmdname)
{
    reply_errorf(c->r, serr_text[SERR_EXPIRE_INVALID], cmdname);
}

static void reply_oom(struct cmdctx *c)
{
    reply_errs(c->r, SERR_OOM);
}

/* ------------------------------------------------------------------------ */
/* SET / GETEX options. */

enum {
    SET_NX = 1 << 0,
    SET_XX = 1 << 1,
    SET_EX = 1 << 2,
    SET_PX = 1 << 3,
    SET_KEEPTTL = 1 << 4,
    SET_GET = 1 << 5,
    SET_EXAT = 1 << 6,
    SET_PXAT = 1 << 7,
    SET_PERSIST = 1 << 8,
};
#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* Redis's parseExtendedStringArgumentsOrReply. SET takes NX XX GET KEEPTTL,
 * GETEX takes PERSIST; both take one of EX PX EXAT PXAT with a value. An
 * option may repeat (the last value wins) but never meet a conflicting one;
 * any conflict, unknown word or missing value is a syntax error. */
static bool parse_string_options(struct cmdctx *c, int first, bool is_set, unsigned *flags,
                                 const struct sarg **expire)
{
    for (int j = first; j < c->argc; j++) {
        const struct sarg *a = &c->argv[j];
        bool next = j + 1 < c->argc;
        unsigned f = *flags;
        if (is_set && arg_is(a, "NX") && !(f & SET_XX)) {
            *flags |= SET_NX;
        } else if (is_set && arg_is(a, "XX") && !(f & SET_NX)) {
            *flags |= SET_XX;
        } else if (is_set && arg_is(a, "GET")) {
            *flags |= SET_GET;
        } else if (is_set && arg_is(a, "KEEPTTL") && !(f & (SET_PERSIST | SET_ANY_EXPIRE))) {
            *flags |= SET_KEEPTTL;
        } else if (!is_set && arg_is(a, "PERSIST") && !(f & (SET_KEEPTTL | SET_ANY_EXPIRE))) {
            *flags |= SET_PERSIST;
        } else if (arg_is(a, "EX") && next &&
                   !(f & (SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_EX)))) {
            *flags |= SET_EX;
            *expire = &c->argv[++j];
        } else if (arg_is(a, "PX") && next &&
                   !(f & (SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_PX)))) {
            *flags |= SET_PX;
            *expire = &c->argv[++j];
        } else if (arg_is(a, "EXAT") && next &&
                   !(f & (SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_EXAT)))) {
            *flags |= SET_EXAT;
            *expire = &c->argv[++j];
        } else if (arg_is(a, "PXAT") && next &&
                   !(f & (SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_PXAT)))) {
            *flags |= SET_PXAT;
            *expire = &c->argv[++j];
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* Redis's getExpireMillisecondsOrReply: the expire argument as an absolute
 * time in ms. It must be a positive integer; seconds are scaled and relative
 * forms (EX, PX) added to the command's time, and any overflow is an
 * "invalid expire time" error naming the command. */
static bool expire_arg_or_reply(struct cmdctx *c, const struct sarg *arg, unsigned flags,
                                const char *cmdname, int64_t *when)
{
    long long v;
    if (!arg_ll_or_reply(c, arg, &v)) return false;
    bool seconds = flags & (SET_EX | SET_EXAT);
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
        reply_expire_invalid(c, cmdname);
        return false;
    }
    if (seconds) v *= 1000;
    if (flags & (SET_EX | SET_PX)) {
        if (v > LLONG_MAX - c->now_ms) {
            reply_expire_invalid(c, cmdname);
            return false;
        }
        v += c->now_ms;
    }
    if (v <= 0) {
        reply_expire_invalid(c, cmdname);
        return false;
    }
    *when = v;
    return true;
}

/* GET's reply for a looked-up entry: nil, WRONGTYPE or the value. Returns
 * false only for WRONGTYPE (Redis's getGenericCommand returning C_ERR). */
static bool reply_get(struct cmdctx *c, struct kentry *e)
{
    if (!e) {
        reply_null(c->r);
        return true;
    }
    if (e->val->type != OBJ_STRING) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return false;
    }
    reply_bulk_obj(c->r, e->val);
    return true;
}

/* Store val at key whose current entry is e (NULL if missing): Redis's
 * setKey. The TTL is cleared unless keepttl. Takes ownership of val;
 * returns the entry, or NULL after replying OOM. */
static struct kentry *set_value(struct cmdctx *c, struct kentry *e, const struct sarg *key,
                                struct sobj *val, bool keepttl)
{
    if (!val) {
        reply_oom(c);
        return NULL;
    }
    if (e) {
        db_begin_write(c, c->db, e);
        db_replace(c, e, val);
        if (!keepttl && e->expire >= 0) db_set_expire(c, c->db, e, -1);
        db_written(c, c->db, e);
        return e;
    }
    e = db_add(c, c->db, key, val);
    if (!e) {
        obj_free(val);
        reply_oom(c);
    }
    return e;
}

/* The SET family. when_ms is the absolute expire or -1. ok/abort are the
 * replies when the value is stored or refused by NX/XX: 1/0 for SETNX,
 * OK/nil otherwise (integer replies when as_int). With GET, the old value
 * is the only reply. */
static void set_generic(struct cmdctx *c, unsigned flags, const struct sarg *key,
                        const struct sarg *val, int64_t when_ms, bool as_int)
{
    struct kentry *e;
    if (flags & SET_GET) {
        e = db_lookup_read(c, key);
        if (!reply_get(c, e)) return;
    } else {
        e = db_lookup_for_write(c, c->db, key);
    }
    if (((flags & SET_NX) && e) || ((flags & SET_XX) && !e)) {
        if (!(flags & SET_GET)) {
            if (as_int)
                reply_int(c->r, 0);
            else
                reply_null(c->r);
        }
        return;
    }
    e = set_value(c, e, key, obj_string_new(val->p, val->len), flags & SET_KEEPTTL);
    if (!e) return;
    if (when_ms >= 0) {
        db_set_expire(c, c->db, e, when_ms);
        /* Redis 7 logs every expiring SET as SET key value PXAT ms */
        char ms[24];
        struct sarg fx[5] = {SARG_LIT("SET"), *key, *val, SARG_LIT("PXAT"), sarg_ll(ms, when_ms)};
        cmd_effect_replace(c, 5, fx);
    } else if (flags & SET_GET) {
        /* ... and drops GET (repeatable) from the others */
        struct sarg small[16], *fx = c->argc <= 16 ? small : malloc(sizeof(*fx) * (size_t)c->argc);
        if (fx) {
            int n = 0;
            for (int j = 0; j < c->argc; j++)
                if (j < 3 || !arg_is(&c->argv[j], "GET")) fx[n++] = c->argv[j];
            cmd_effect_replace(c, n, fx);
            if (fx != small) free(fx);
        }
    }
    if (!(flags & SET_GET)) {
        if (as_int)
            reply_int(c->r, 1);
        else
            reply_ok(c->r);
    }
}

void cmd_set(struct cmdctx *c)
{
    unsigned flags = 0;
    const struct sarg *expire = NULL;
    int64_t when = -1;
    if (c->argc > 3 && !parse_string_options(c, 3, true, &flags, &expire)) return;
    if (expire && !expire_arg_or_reply(c, expire, flags, "set", &when)) return;
    set_generic(c, flags, &c->argv[1], &c->argv[2], when, false);
}

void cmd_setnx(struct cmdctx *c)
{
    set_generic(c, SET_NX, &c->argv[1], &c->argv[2], -1, true);
}

void cmd_setex(struct cmdctx *c)
{
    int64_t when;
    if (!expire_arg_or_reply(c, &c->argv[2], SET_EX, "setex", &when)) return;
    set_generic(c, 0, &c->argv[1], &c->argv[3], when, false);
}

void cmd_psetex(struct cmdctx *c)
{
    int64_t when;
    if (!expire_arg_or_reply(c, &c->argv[2], SET_PX, "psetex", &when)) return;
    set_generic(c, 0, &c->argv[1], &c->argv[3], when, false);
}

void cmd_get(struct cmdctx *c)
{
    reply_get(c, db_lookup_read(c, &c->argv[1]));
}

/* GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]. As in Redis, a missing
 * key answers nil before the expire value is even validated, and an
 * absolute time already in the past deletes the key after replying. */
void cmd_getex(struct cmdctx *c)
{
    unsigned flags = 0;
    const struct sarg *expire = NULL;
    if (!parse_string_options(c, 2, false, &flags, &expire)) return;
    struct kentry *e = db_lookup_read(c, &c->argv[1]);
    if (!e) {
        reply_null(c->r);
        return;
    }
    if (e->val->type != OBJ_STRING) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    int64_t when = 0;
    if (expire && !expire_arg_or_reply(c, expire, flags, "getex", &when)) return;
    reply_bulk_obj(c->r, e->val);
    /* logged as DEL, PEXPIREAT or PERSIST, never as GETEX (Redis 7) */
    char ms[24];
    if ((flags & (SET_EXAT | SET_PXAT)) && when <= c->now_ms) {
        db_delete_entry(c, c->db, e);
        cmd_effect_replace(c, 2, (struct sarg[]){SARG_LIT("DEL"), c->argv[1]});
    } else if (expire) {
        db_begin_write(c, c->db, e);
        db_set_expire(c, c->db, e, when);
        db_written(c, c->db, e);
        cmd_effect_replace(c, 3,
                           (struct sarg[]){SARG_LIT("PEXPIREAT"), c->argv[1], sarg_ll(ms, when)});
    } else if ((flags & SET_PERSIST) && e->expire >= 0) {
        db_begin_write(c, c->db, e);
        db_set_expire(c, c->db, e, -1);
        db_written(c, c->db, e);
        cmd_effect_replace(c, 2, (struct sarg[]){SARG_LIT("PERSIST"), c->argv[1]});
    }
}

void cmd_getdel(struct cmdctx *c)
{
    struct kentry *e = db_lookup_read(c, &c->argv[1]);
    if (!reply_get(c, e) || !e) return;
    db_delete_entry(c, c->db, e);
    cmd_effect_replace(c, 2, (struct sarg[]){SARG_LIT("DEL"), c->argv[1]});
}

void cmd_getset(struct cmdctx *c)
{
    struct kentry *e = db_lookup_read(c, &c->argv[1]);
    if (!reply_get(c, e)) return;
    const struct sarg *v = &c->argv[2];
    /* the reply is already out: an allocation failure cannot be reported */
    struct sobj *o = obj_string_new(v->p, v->len);
    if (!o) return;
    if (e) {
        db_begin_write(c, c->db, e);
        db_replace(c, e, o);
        if (e->expire >= 0) db_set_expire(c, c->db, e, -1);
        db_written(c, c->db, e);
    } else if (!db_add(c, c->db, &c->argv[1], o)) {
        obj_free(o);
        return;
    }
    cmd_effect_replace(c, 3, (struct sarg[]){SARG_LIT("SET"), c->argv[1], c->argv[2]});
}

/* MGET answers nil for missing keys and for keys of another type. */
void cmd_mget(struct cmdctx *c)
{
    reply_array(c->r, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        struct kentry *e = db_lookup_read(c, &c->argv[j]);
        if (!e || e->val->type != OBJ_STRING)
            reply_null(c->r);
        else
            reply_bulk_obj(c->r, e->val);
    }
}

static void mset_generic(struct cmdctx *c, bool nx, const char *name)
{
    if (c->argc % 2 == 0) {
        reply_errorf(c->r, SERRF_ARITY, name);
        return;
    }
    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (db_lookup_for_write(c, c->db, &c->argv[j])) {
                reply_int(c->r, 0);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        const struct sarg *v = &c->argv[j + 1];
        struct sobj *o = obj_string_new(v->p, v->len);
        if (!o || !db_set(c, c->db, &c->argv[j], o, false)) {
            obj_free(o);
            reply_oom(c);
            return;
        }
    }
    if (nx)
        reply_int(c->r, 1);
    else
        reply_ok(c->r);
}

void cmd_mset(struct cmdctx *c)
{
    mset_generic(c, false, "mset");
}

void cmd_msetnx(struct cmdctx *c)
{
    mset_generic(c, true, "msetnx");
}

/* ------------------------------------------------------------------------ */
/* APPEND, STRLEN, GETRANGE, SETRANGE. */

void cmd_append(struct cmdctx *c)
{
    const struct sarg *key = &c->argv[1], *add = &c->argv[2];
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    if (!e) {
        /* a new key holds the argument as SET would store it */
        struct sobj *o = obj_string_new(add->p, add->len);
        if (!o || !db_add(c, c->db, key, o)) {
            obj_free(o);
            reply_oom(c);
            return;
        }
        reply_int(c->r, (long long)add->len);
        return;
    }
    if (e->val->type != OBJ_STRING) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    size_t olen = obj_string_len(e->val);
    if (!check_string_length(c, (long long)olen, (long long)add->len)) return;
    struct sobj *o = db_string_for_update(c, c->db, e, olen + add->len);
    if (!o) {
        reply_oom(c);
        return;
    }
    memcpy(o->v.s.ptr + olen, add->p, add->len);
    o->v.s.len = (uint32_t)(olen + add->len);
    o->v.s.ptr[o->v.s.len] = '\0';
    db_written(c, c->db, e);
    reply_int(c->r, (long long)o->v.s.len);
}

void cmd_strlen(struct cmdctx *c)
{
    struct kentry *e = db_lookup_read(c, &c->argv[1]);
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    if (e->val->type != OBJ_STRING) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    reply_int(c->r, (long long)obj_string_len(e->val));
}

/* GETRANGE key start end: inclusive, negative indexes count from the end,
 * clamped to the string; Redis 7.0 answers "" when both are negative and
 * start > end. Integers are parsed before the key is looked up. */
void cmd_getrange(struct cmdctx *c)
{
    long long start, end;
    if (!arg_ll_or_reply(c, &c->argv[2], &start)) return;
    if (!arg_ll_or_reply(c, &c->argv[3], &end)) return;
    struct kentry *e = db_lookup_read(c, &c->argv[1]);
    if (!e) {
        reply_bulk(c->r, "", 0);
        return;
    }
    if (e->val->type != OBJ_STRING) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    char buf[24];
    size_t slen;
    const char *s = obj_string_bytes(e->val, buf, &slen);
    long long len = (long long)slen;
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c->r, "", 0);
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0)
        reply_bulk(c->r, "", 0);
    else
        reply_bulk(c->r, s + start, (size_t)(end - start + 1));
}

void cmd_substr(struct cmdctx *c)
{
    cmd_getrange(c);
}

/* SETRANGE key offset value: overwrite from offset, zero-padding a shorter
 * string. An empty value changes nothing (and creates no key). */
void cmd_setrange(struct cmdctx *c)
{
    const struct sarg *key = &c->argv[1], *val = &c->argv[3];
    long long offset;
    if (!arg_ll_or_reply(c, &c->argv[2], &offset)) return;
    if (offset < 0) {
        reply_errs(c->r, SERR_OFFSET_RANGE);
        return;
    }
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    struct sobj *o;
    if (!e) {
        if (val->len == 0) {
            reply_int(c->r, 0);
            return;
        }
        if (!check_string_length(c, offset, (long long)val->len)) return;
        o = obj_string_new_zeroed((size_t)offset + val->len);
        if (!o || !(e = db_add(c, c->db, key, o))) {
            obj_free(o);
            reply_oom(c);
            return;
        }
    } else {
        if (e->val->type != OBJ_STRING) {
            reply_errs(c->r, SERR_WRONGTYPE);
            return;
        }
        size_t olen = obj_string_len(e->val);
        if (val->len == 0) {
            reply_int(c->r, (long long)olen);
            return;
        }
        if (!check_string_length(c, offset, (long long)val->len)) return;
        size_t need = (size_t)offset + val->len;
        o = db_string_for_update(c, c->db, e, need > olen ? need : olen);
        if (!o) {
            reply_oom(c);
            return;
        }
        if (need > olen) {
            memset(o->v.s.ptr + olen, 0, need - olen);
            o->v.s.len = (uint32_t)need;
            o->v.s.ptr[need] = '\0';
        }
    }
    memcpy(o->v.s.ptr + offset, val->p, val->len);
    db_written(c, c->db, e);
    reply_int(c->r, (long long)o->v.s.len);
}

/* ------------------------------------------------------------------------ */
/* Counters. */

static void incr_decr(struct cmdctx *c, long long incr)
{
    const struct sarg *key = &c->argv[1];
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    int64_t value = 0;
    if (e) {
        if (e->val->type != OBJ_STRING) {
            reply_errs(c->r, SERR_WRONGTYPE);
            return;
        }
        if (!obj_string_to_int(e->val, &value)) {
            reply_errs(c->r, SERR_NOTINT);
            return;
        }
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        reply_errs(c->r, SERR_OVERFLOW);
        return;
    }
    value += incr;
    if (e && e->val->enc == ENC_INT) {
        db_begin_write(c, c->db, e)->v.i = value;
        db_written(c, c->db, e);
    } else if (e) {
        struct sobj *o = obj_string_from_int(value);
        if (!o) {
            reply_oom(c);
            return;
        }
        db_begin_write(c, c->db, e);
        db_replace(c, e, o);
        db_written(c, c->db, e);
    } else if (!set_value(c, NULL, key, obj_string_from_int(value), false)) {
        return;
    }
    reply_int(c->r, value);
}

void cmd_incr(struct cmdctx *c)
{
    incr_decr(c, 1);
}

void cmd_decr(struct cmdctx *c)
{
    incr_decr(c, -1);
}

void cmd_incrby(struct cmdctx *c)
{
    long long incr;
    if (!arg_ll_or_reply(c, &c->argv[2], &incr)) return;
    incr_decr(c, incr);
}

void cmd_decrby(struct cmdctx *c)
{
    long long incr;
    if (!arg_ll_or_reply(c, &c->argv[2], &incr)) return;
    if (incr == LLONG_MIN) {
        reply_errs(c->r, SERR_DECR_OVERFLOW);
        return;
    }
    incr_decr(c, -incr);
}

void cmd_incrbyfloat(struct cmdctx *c)
{
    const struct sarg *key = &c->argv[1];
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    long double value = 0, incr;
    if (e) {
        if (e->val->type != OBJ_STRING) {
            reply_errs(c->r, SERR_WRONGTYPE);
            return;
        }
        if (e->val->enc == ENC_INT) {
            value = (long double)e->val->v.i;
        } else {
            char ibuf[24];
            size_t len;
            const char *p = obj_string_bytes(e->val, ibuf, &len);
            if (!str_to_ld(p, len, &value)) {
                reply_errs(c->r, SERR_NOTFLOAT);
                return;
            }
        }
    }
    if (!arg_double(&c->argv[2], &incr)) {
        reply_errs(c->r, SERR_NOTFLOAT);
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_errs(c->r, SERR_INCR_NAN);
        return;
    }
    char buf[STR_LD_CHARS];
    int len = str_from_ld_human(buf, sizeof(buf), value);
    struct sobj *o = obj_string_new_str(buf, (size_t)len);
    if (!o) {
        reply_oom(c);
        return;
    }
    if (e) {
        db_begin_write(c, c->db, e);
        db_replace(c, e, o);
        db_written(c, c->db, e);
    } else if (!db_add(c, c->db, key, o)) {
        obj_free(o);
        reply_oom(c);
        return;
    }
    /* logged as the value it produced, so float formatting cannot make a
     * replica or an AOF reload differ (Redis 7: SET key value KEEPTTL) */
    cmd_effect_replace(
        c, 4, (struct sarg[]){SARG_LIT("SET"), *key, {buf, (size_t)len}, SARG_LIT("KEEPTTL")});
    reply_bulk(c->r, buf, (size_t)len);
}

/* ------------------------------------------------------------------------ */
/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]
 *
 * The classic dynamic-programming table of LCS lengths, (alen+1)*(blen+1)
 * uint32 cells, bounded by proto-max-bulk-len as in Redis. The walk back
 * from the bottom-right corner yields the LCS string backwards and, with
 * IDX, the matching ranges from the last to the first, in Redis's order:
 *   IDX reply: {"matches": [[[a0,a1],[b0,b1](,len)], ...], "len": n}
 * (a map in RESP3, a flat array of four in RESP2). A missing key is an
 * empty string; a key of another type an error, checked before the options.
 */
struct lcs_range {
    uint32_t a0, a1, b0, b1;
};

void cmd_lcs(struct cmdctx *c)
{
    struct kentry *ea = db_lookup_read(c, &c->argv[1]);
    struct kentry *eb = db_lookup_read(c, &c->argv[2]);
    if ((ea && ea->val->type != OBJ_STRING) || (eb && eb->val->type != OBJ_STRING)) {
        reply_errs(c->r, SERR_LCS_NOT_STRING);
        return;
    }
    bool getlen = false, getidx = false, withmatchlen = false;
    long long minmatchlen = 0;
    for (int j = 3; j < c->argc; j++) {
        const struct sarg *a = &c->argv[j];
        if (arg_is(a, "IDX")) {
            getidx = true;
        } else if (arg_is(a, "LEN")) {
            getlen = true;
        } else if (arg_is(a, "WITHMATCHLEN")) {
            withmatchlen = true;
        } else if (arg_is(a, "MINMATCHLEN") && j + 1 < c->argc) {
            if (!arg_ll_or_reply(c, &c->argv[j + 1], &minmatchlen)) return;
            if (minmatchlen < 0) minmatchlen = 0;
            j++;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    if (getlen && getidx) {
        reply_errs(c->r, SERR_LCS_LEN_IDX);
        return;
    }
    char abuf[24], bbuf[24];
    size_t al = 0, bl = 0;
    const char *a = ea ? obj_string_bytes(ea->val, abuf, &al) : "";
    const char *b = eb ? obj_string_bytes(eb->val, bbuf, &bl) : "";
    if (al >= UINT32_MAX - 1 || bl >= UINT32_MAX - 1) {
        reply_errs(c->r, SERR_LCS_TOO_LONG);
        return;
    }
    uint32_t alen = (uint32_t)al, blen = (uint32_t)bl;
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    unsigned long long bytes = cells * sizeof(uint32_t);
    if (bytes / sizeof(uint32_t) != cells || bytes >= SIZE_MAX) {
        reply_errs(c->r, SERR_LCS_NOMEM);
        return;
    }
    if (bytes > (unsigned long long)max_bulk(c)) {
        reply_errs(c->r, SERR_LCS_MEM_LIMIT);
        return;
    }
    uint32_t *t = malloc((size_t)bytes);
    if (!t) {
        reply_errs(c->r, SERR_LCS_NOMEM);
        return;
    }
#define LCS(i, j) t[(size_t)(j) + (size_t)(i) * (blen + 1)]
    for (uint32_t i = 0; i <= alen; i++) {
        for (uint32_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0)
                LCS(i, j) = 0;
            else if (a[i - 1] == b[j - 1])
                LCS(i, j) = LCS(i - 1, j - 1) + 1;
            else
                LCS(i, j) = LCS(i - 1, j) > LCS(i, j - 1) ? LCS(i - 1, j) : LCS(i, j - 1);
        }
    }
    uint32_t total = LCS(alen, blen);
    bool computelcs = getidx || !getlen;
    char *result = NULL;
    struct lcs_range *ranges = NULL;
    uint32_t nranges = 0;
    if (computelcs) {
        result = malloc((size_t)total + 1);
        /* at most one range per matched byte */
        if (getidx) ranges = malloc(sizeof(*ranges) * ((size_t)total + 1));
        if (!result || (getidx && !ranges)) {
            free(result);
            free(ranges);
            free(t);
            reply_errs(c->r, SERR_LCS_NOMEM);
            return;
        }
    }
    uint32_t idx = total;
    uint32_t i = alen, j = blen;
    /* current range; a0 == alen means "none open" */
    uint32_t a0 = alen, a1 = 0, b0 = 0, b1 = 0;
    while (computelcs && i > 0 && j > 0) {
        bool emit = false;
        if (a[i - 1] == b[j - 1]) {
            result[idx - 1] = a[i - 1];
            if (a0 == alen) {
                a0 = a1 = i - 1;
                b0 = b1 = j - 1;
            } else if (a0 == i && b0 == j) {
                /* contiguous with the open range: extend it backwards */
                a0--;
                b0--;
            } else {
                emit = true;
            }
            /* a range touching the start of either string is complete */
            if (a0 == 0 || b0 == 0) emit = true;
            idx--;
            i--;
            j--;
        } else {
            if (LCS(i - 1, j) > LCS(i, j - 1))
                i--;
            else
                j--;
            if (a0 != alen) emit = true;
        }
        if (emit) {
            uint32_t mlen = a1 - a0 + 1;
            if (ranges && (minmatchlen == 0 || mlen >= minmatchlen))
                ranges[nranges++] = (struct lcs_range){a0, a1, b0, b1};
            a0 = alen;
        }
    }
#undef LCS
    free(t);
    if (getidx) {
        reply_map(c->r, 2);
        reply_bulk_cstr(c->r, "matches");
        reply_array(c->r, nranges);
        for (uint32_t k = 0; k < nranges; k++) {
            const struct lcs_range *rg = &ranges[k];
            reply_array(c->r, withmatchlen ? 3 : 2);
            reply_array(c->r, 2);
            reply_int(c->r, rg->a0);
            reply_int(c->r, rg->a1);
            reply_array(c->r, 2);
            reply_int(c->r, rg->b0);
            reply_int(c->r, rg->b1);
            if (withmatchlen) reply_int(c->r, (long long)rg->a1 - rg->a0 + 1);
        }
        reply_bulk_cstr(c->r, "len");
        reply_int(c->r, total);
    } else if (getlen) {
        reply_int(c->r, total);
    } else {
        reply_bulk(c->r, result, total);
    }
    free(result);
    free(ranges);
}
