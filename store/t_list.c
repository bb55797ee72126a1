/* t_list.c — the list commands of Redis 7.0, blocking ones included.
 *
 * Every list is a quicklist (store/quicklist.h); OBJECT ENCODING answers
 * "quicklist" as Redis 7.0 does. A list that becomes empty is deleted.
 * Replies, errors and the order in which arguments are checked follow
 * Redis 7.0.15's src/t_list.c (e.g. LRANGE parses its indexes before looking
 * at the key, LINDEX looks at the key first).
 *
 * Blocking commands (BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH) pop at once when
 * a key has elements; otherwise they register a waiter (store/blocking.h)
 * and set c->blocked, and the app blocks the client. list_blk_serve() is
 * the pop a server performs on a waiter's behalf when a key becomes ready.
 *
 * Locks: the dispatcher holds the shards of every key named by the command
 * table (for BLMOVE/LMOVE both source and destination).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "coll.h"
#include "db.h"
#include "quicklist.h"

void cmd_lpush(struct cmdctx *c);
void cmd_rpush(struct cmdctx *c);
void cmd_lpushx(struct cmdctx *c);
void cmd_rpushx(struct cmdctx *c);
void cmd_lpop(struct cmdctx *c);
void cmd_rpop(struct cmdctx *c);
void cmd_llen(struct cmdctx *c);
void cmd_lindex(struct cmdctx *c);
void cmd_lset(struct cmdctx *c);
void cmd_lrange(struct cmdctx *c);
void cmd_ltrim(struct cmdctx *c);
void cmd_lrem(struct cmdctx *c);
void cmd_linsert(struct cmdctx *c);
void cmd_lpos(struct cmdctx *c);
void cmd_lmove(struct cmdctx *c);
void cmd_rpoplpush(struct cmdctx *c);
void cmd_lmpop(struct cmdctx *c);
void cmd_blpop(struct cmdctx *c);
void cmd_brpop(struct cmdctx *c);
void cmd_blmove(struct cmdctx *c);
void cmd_brpoplpush(struct cmdctx *c);
void cmd_blmpop(struct cmdctx *c);

/* ------------------------------------------------------------------------ */
/* The list object. */

static void list_free(struct sobj *o)
{
    ql_free(o->v.ptr);
}

static struct sobj *list_wrap(struct quicklist *ql)
{
    struct sobj *o = calloc(1, sizeof(*o));
    if (!o) return NULL;
    o->type = OBJ_LIST;
    o->enc = ENC_QUICKLIST;
    o->lfu = 5;
    o->atime = obj_clock;
    o->v.ptr = ql;
    return o;
}

static struct sobj *list_dup(const struct sobj *o)
{
    struct quicklist *ql = ql_dup(o->v.ptr);
    if (!ql) return NULL;
    struct sobj *n = list_wrap(ql);
    if (!n) ql_free(ql);
    return n;
}

static size_t list_mem(const struct sobj *o)
{
    return sizeof(*o) + ql_mem_usage(o->v.ptr);
}

static const struct obj_type_ops list_ops = {
    .free = list_free, .dup = list_dup, .mem_usage = list_mem};

__attribute__((constructor)) static void list_register(void)
{
    obj_register_type(OBJ_LIST, &list_ops);
}

static struct sobj *list_new(void)
{
    struct quicklist *ql = ql_new_default();
    if (!ql) return NULL;
    struct sobj *o = list_wrap(ql);
    if (!o) ql_free(ql);
    return o;
}

/* ------------------------------------------------------------------------ */
/* Helpers. */

/* The list of an entry, to read; the list to change comes from the write
 * gate (QLW(db_begin_write(...))). */
static inline const struct quicklist *QL(const struct kentry *e)
{
    return e->val->v.ptr;
}

static inline struct quicklist *QLW(struct sobj *o)
{
    return o->v.ptr;
}

/* Lookup for a command that may modify the list: the entry, NULL when
 * missing; WRONGTYPE replied (and *err set) for another type. */
static struct kentry *lookup_w(struct cmdctx *c, const struct sarg *key, bool *err)
{
    *err = false;
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    if (e && e->val->type != OBJ_LIST) {
        reply_errs(c->r, SERR_WRONGTYPE);
        *err = true;
        return NULL;
    }
    return e;
}

static struct kentry *lookup_r(struct cmdctx *c, const struct sarg *key, bool *err)
{
    *err = false;
    struct kentry *e = db_lookup_read(c, key);
    if (e && e->val->type != OBJ_LIST) {
        reply_errs(c->r, SERR_WRONGTYPE);
        *err = true;
        return NULL;
    }
    return e;
}

static void reply_val(struct reply *r, const struct ql_val *v)
{
    if (v->p)
        reply_bulk(r, v->p, v->len);
    else
        reply_bulk_ll(r, v->v);
}

/* After elements were removed: delete the key when the list is empty. */
static void removed(struct cmdctx *c, struct kentry *e)
{
    db_removed_from(c, c->db, e, ql_count(QL(e)) == 0);
}

/* LEFT|RIGHT (Redis's getListPositionFromObjectOrReply). */
static bool parse_where(struct cmdctx *c, const struct sarg *a, int *where)
{
    if (arg_is(a, "LEFT"))
        *where = QL_HEAD;
    else if (arg_is(a, "RIGHT"))
        *where = QL_TAIL;
    else {
        reply_errs(c->r, SERR_SYNTAX);
        return false;
    }
    return true;
}

/* Redis's getRangeLongFromObjectOrReply with an optional custom message. */
static bool range_long(struct cmdctx *c, const struct sarg *a, long long min, long long max,
                       long long *out, const char *msg)
{
    long long v;
    if (!arg_ll(a, &v)) {
        if (msg)
            reply_error(c->r, msg);
        else
            reply_errs(c->r, SERR_NOTINT);
        return false;
    }
    if (v < min || v > max) {
        if (msg)
            reply_error(c->r, msg);
        else
            reply_errorf(c->r, SERRF_LONG_RANGE, (long)min, (long)max);
        return false;
    }
    *out = v;
    return true;
}

/* Redis's getPositiveLongFromObjectOrReply. */
static bool positive_long(struct cmdctx *c, const struct sarg *a, long long *out, const char *msg)
{
    long long v;
    if (!arg_ll(a, &v) || v < 0) {
        if (msg)
            reply_error(c->r, msg);
        else
            reply_errs(c->r, SERR_NOT_POSITIVE);
        return false;
    }
    *out = v;
    return true;
}

/* Pop up to count elements from ql and reply them as an array. */
static void pop_range_reply(struct cmdctx *c, struct quicklist *ql, int where, long long count)
{
    long long n = (long long)ql_count(ql) < count ? (long long)ql_count(ql) : count;
    reply_array(c->r, n);
    for (long long i = 0; i < n; i++) {
        struct ql_val v;
        ql_peek(ql, where, &v);
        reply_val(c->r, &v);
        ql_pop(ql, where);
    }
}

/* The effect of popping from key: [LR]POP key [count] (Redis 7 logs the
 * blocking and multi-key pops so). count < 0: the single-element form. */
static void pop_effect(struct cmdctx *c, int where, const struct sarg *key, long long count)
{
    char n[24];
    struct sarg fx[3] = {where == QL_HEAD ? SARG_LIT("LPOP") : SARG_LIT("RPOP"), *key};
    if (count >= 0) fx[2] = sarg_ll(n, count);
    cmd_effect_replace(c, count >= 0 ? 3 : 2, fx);
}

/* [key, [elements]] — LMPOP / BLMPOP. */
static void pop_range_reply_with_key(struct cmdctx *c, struct kentry *e, const struct sarg *key,
                                     int where, long long count)
{
    long long len = (long long)ql_count(QL(e));
    pop_effect(c, where, key, count < len ? count : len);
    struct quicklist *ql = QLW(db_begin_write(c, c->db, e));
    reply_array(c->r, 2);
    reply_bulk(c->r, key->p, key->len);
    pop_range_reply(c, ql, where, count);
    removed(c, e);
}

/* ------------------------------------------------------------------------ */
/* Push. */

static void push_generic(struct cmdctx *c, int where, bool xx)
{
    bool err;
    const struct sarg *key = &c->argv[1];
    struct kentry *e = lookup_w(c, key, &err);
    if (err) return;
    struct quicklist *ql;
    if (!e) {
        if (xx) {
            reply_int(c->r, 0);
            return;
        }
        struct sobj *o = list_new();
        if (!o || !(e = db_add(c, c->db, key, o))) {
            obj_free(o);
            reply_errs(c->r, SERR_OOM);
            return;
        }
        ql = QLW(o);
    } else {
        ql = QLW(db_begin_write(c, c->db, e));
    }
    for (int j = 2; j < c->argc; j++) {
        if (ql_push(ql, where, c->argv[j].p, c->argv[j].len) != 0) break;
    }
    db_written(c, c->db, e);
    reply_int(c->r, (long long)ql_count(ql));
}

void cmd_lpush(struct cmdctx *c)
{
    push_generic(c, QL_HEAD, false);
}

void cmd_rpush(struct cmdctx *c)
{
    push_generic(c, QL_TAIL, false);
}

void cmd_lpushx(struct cmdctx *c)
{
    push_generic(c, QL_HEAD, true);
}

void cmd_rpushx(struct cmdctx *c)
{
    push_generic(c, QL_TAIL, true);
}

/* ------------------------------------------------------------------------ */
/* Pop. */

static void pop_generic(struct cmdctx *c, int where)
{
    long long count = 0;
    bool hascount = false;
    if (c->argc > 3) {
        reply_errorf(c->r, SERRF_ARITY, where == QL_TAIL ? "rpop" : "lpop");
        return;
    }
    if (c->argc == 3) {
        if (!positive_long(c, &c->argv[2], &count, NULL)) return;
        hascount = true;
    }
    bool err;
    struct kentry *e = lookup_w(c, &c->argv[1], &err);
    if (err) return;
    if (!e) {
        if (hascount)
            reply_null_array(c->r);
        else
            reply_null(c->r);
        return;
    }
    if (hascount && !count) {
        reply_array(c->r, 0);
        return;
    }
    struct quicklist *ql = QLW(db_begin_write(c, c->db, e));
    if (!hascount) {
        struct ql_val v;
        ql_peek(ql, where, &v);
        reply_val(c->r, &v);
        ql_pop(ql, where);
    } else {
        pop_range_reply(c, ql, where, count);
    }
    removed(c, e);
}

void cmd_lpop(struct cmdctx *c)
{
    pop_generic(c, QL_HEAD);
}

void cmd_rpop(struct cmdctx *c)
{
    pop_generic(c, QL_TAIL);
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count], and BLMPOP's
 * arguments after its timeout (Redis's lmpopGenericCommand). Returns false
 * when it replied an error. */
static bool parse_mpop(struct cmdctx *c, int numkeys_idx, long long *numkeys, int *where,
                       long long *count)
{
    *count = -1;
    if (!range_long(c, &c->argv[numkeys_idx], 1, LONG_MAX, numkeys,
                    "ERR numkeys should be greater than 0"))
        return false;
    long long where_idx = numkeys_idx + *numkeys + 1;
    if (where_idx >= c->argc) {
        reply_errs(c->r, SERR_SYNTAX);
        return false;
    }
    if (!parse_where(c, &c->argv[where_idx], where)) return false;
    for (int j = (int)where_idx + 1; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (*count == -1 && arg_is(&c->argv[j], "COUNT") && more) {
            j++;
            if (!range_long(c, &c->argv[j], 1, LONG_MAX, count,
                            "ERR count should be greater than 0"))
                return false;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return false;
        }
    }
    if (*count == -1) *count = 1;
    return true;
}

void cmd_lmpop(struct cmdctx *c)
{
    long long numkeys, count;
    int where;
    if (!parse_mpop(c, 1, &numkeys, &where, &count)) return;
    for (long long j = 0; j < numkeys; j++) {
        const struct sarg *key = &c->argv[2 + j];
        bool err;
        struct kentry *e = lookup_w(c, key, &err);
        if (err) return;
        if (!e) continue;
        pop_range_reply_with_key(c, e, key, where, count);
        return;
    }
    reply_null_array(c->r);
}

/* ------------------------------------------------------------------------ */
/* Reading. */

void cmd_llen(struct cmdctx *c)
{
    bool err;
    struct kentry *e = lookup_r(c, &c->argv[1], &err);
    if (err) return;
    reply_int(c->r, e ? (long long)ql_count(QL(e)) : 0);
}

void cmd_lindex(struct cmdctx *c)
{
    bool err;
    struct kentry *e = lookup_r(c, &c->argv[1], &err);
    if (err) return;
    if (!e) {
        reply_null(c->r);
        return;
    }
    long long index;
    if (!arg_ll_or_reply(c, &c->argv[2], &index)) return;
    struct ql_iter it;
    struct ql_val v;
    if (index < LONG_MIN || !ql_iter_at(QL(e), &it, (long)index, QL_HEAD) ||
        !ql_iter_next(&it, &v)) {
        reply_null(c->r);
        return;
    }
    reply_val(c->r, &v);
}

void cmd_lset(struct cmdctx *c)
{
    bool err;
    struct kentry *e = lookup_w(c, &c->argv[1], &err);
    if (err) return;
    if (!e) {
        reply_errs(c->r, SERR_NOSUCHKEY);
        return;
    }
    long long index;
    if (!arg_ll_or_reply(c, &c->argv[2], &index)) return;
    struct ql_iter it;
    if (!ql_iter_at(QL(e), &it, (long)index, QL_HEAD) || !ql_iter_next(&it, NULL)) {
        reply_errs(c->r, SERR_OUTOFRANGE);
        return;
    }
    db_begin_write(c, c->db, e);
    if (ql_iter_replace(&it, c->argv[3].p, c->argv[3].len) != 0) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    db_written(c, c->db, e);
    reply_ok(c->r);
}

void cmd_lrange(struct cmdctx *c)
{
    long long start, end;
    if (!arg_ll_or_reply(c, &c->argv[2], &start) || !arg_ll_or_reply(c, &c->argv[3], &end)) return;
    bool err;
    struct kentry *e = lookup_r(c, &c->argv[1], &err);
    if (err) return;
    if (!e) {
        reply_array(c->r, 0);
        return;
    }
    if (!coll_rank_range((long long)ql_count(QL(e)), &start, &end)) {
        reply_array(c->r, 0);
        return;
    }
    long long n = end - start + 1;
    reply_array(c->r, n);
    struct ql_iter it;
    struct ql_val v;
    ql_iter_at(QL(e), &it, (long)start, QL_HEAD);
    while (n-- && ql_iter_next(&it, &v)) reply_val(c->r, &v);
}

void cmd_ltrim(struct cmdctx *c)
{
    long long start, end;
    if (!arg_ll_or_reply(c, &c->argv[2], &start) || !arg_ll_or_reply(c, &c->argv[3], &end)) return;
    bool err;
    struct kentry *e = lookup_w(c, &c->argv[1], &err);
    if (err) return;
    if (!e) {
        reply_ok(c->r);
        return;
    }
    long long llen = (long long)ql_count(QL(e)), ltrim, rtrim;
    if (!coll_rank_range(llen, &start, &end)) {
        ltrim = llen;
        rtrim = 0;
    } else {
        ltrim = start;
        rtrim = llen - end - 1;
    }
    struct quicklist *ql = QLW(db_begin_write(c, c->db, e));
    ql_del_range(ql, 0, (unsigned long)ltrim);
    ql_del_range(ql, ql_count(ql) - (unsigned long)rtrim, (unsigned long)rtrim);
    removed(c, e);
    reply_ok(c->r);
}

void cmd_lrem(struct cmdctx *c)
{
    long long toremove;
    if (!arg_ll_or_reply(c, &c->argv[2], &toremove)) return;
    bool err;
    struct kentry *e = lookup_w(c, &c->argv[1], &err);
    if (err) return;
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    const struct sarg *el = &c->argv[3];
    struct ql_iter it;
    struct ql_val v;
    long long removed_n = 0;
    ql_iter_init(QL(e), &it, toremove < 0 ? QL_TAIL : QL_HEAD);
    if (toremove < 0) toremove = -toremove;
    while (ql_iter_next(&it, &v)) {
        if (!ql_val_eq(&v, el->p, el->len)) continue;
        if (!removed_n) db_begin_write(c, c->db, e);
        ql_iter_del(&it);
        removed_n++;
        if (toremove && removed_n == toremove) break;
    }
    if (removed_n) removed(c, e);
    reply_int(c->r, removed_n);
}

void cmd_linsert(struct cmdctx *c)
{
    bool after;
    if (arg_is(&c->argv[2], "AFTER"))
        after = true;
    else if (arg_is(&c->argv[2], "BEFORE"))
        after = false;
    else {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    bool err;
    struct kentry *e = lookup_w(c, &c->argv[1], &err);
    if (err) return;
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    const struct sarg *pivot = &c->argv[3], *el = &c->argv[4];
    struct ql_iter it;
    struct ql_val v;
    ql_iter_init(QL(e), &it, QL_HEAD);
    while (ql_iter_next(&it, &v)) {
        if (!ql_val_eq(&v, pivot->p, pivot->len)) continue;
        db_begin_write(c, c->db, e);
        if (ql_iter_insert(&it, after, el->p, el->len) != 0) {
            reply_errs(c->r, SERR_OOM);
            return;
        }
        db_written(c, c->db, e);
        reply_int(c->r, (long long)ql_count(QL(e)));
        return;
    }
    reply_int(c->r, -1);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
void cmd_lpos(struct cmdctx *c)
{
    long long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (arg_is(&c->argv[j], "RANK") && more) {
            j++;
            if (!range_long(c, &c->argv[j], LONG_MIN, LONG_MAX, &rank, NULL)) return;
            if (rank == 0) {
                reply_error(c->r, "ERR RANK can't be zero: use 1 to start from the first match, "
                                  "2 from the second ... or use negative to start from the end "
                                  "of the list");
                return;
            }
        } else if (arg_is(&c->argv[j], "COUNT") && more) {
            j++;
            if (!positive_long(c, &c->argv[j], &count, "ERR COUNT can't be negative")) return;
        } else if (arg_is(&c->argv[j], "MAXLEN") && more) {
            j++;
            if (!positive_long(c, &c->argv[j], &maxlen, "ERR MAXLEN can't be negative")) return;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    /* Redis 7.0 negates a negative RANK unchecked: -LONG_MIN stays LONG_MIN,
     * so every match from the tail qualifies and COUNT never ends the scan
     * (7.2 refuses the value instead); 7.0's answer is kept. */
    bool wrapped = rank == LONG_MIN;
    int dir = QL_HEAD;
    if (rank < 0) {
        if (!wrapped) rank = -rank;
        dir = QL_TAIL;
    }
    bool err;
    struct kentry *e = lookup_r(c, &c->argv[1], &err);
    if (err) return;
    if (!e) {
        if (count == -1)
            reply_null(c->r);
        else
            reply_array(c->r, 0);
        return;
    }
    struct rdefer d;
    if (count != -1) d = reply_defer(c->r);
    long long llen = (long long)ql_count(QL(e)), index = 0, matches = 0, arraylen = 0;
    const struct sarg *el = &c->argv[2];
    struct ql_iter it;
    struct ql_val v;
    ql_iter_init(QL(e), &it, dir);
    while ((maxlen == 0 || index < maxlen) && ql_iter_next(&it, &v)) {
        if (ql_val_eq(&v, el->p, el->len)) {
            matches++;
            if (matches >= rank) {
                long long pos = dir == QL_HEAD ? index : llen - index - 1;
                if (count != -1) {
                    arraylen++;
                    reply_int(c->r, pos);
                    if (count && !wrapped && arraylen == count) break;
                } else {
                    reply_int(c->r, pos);
                    return;
                }
            }
        }
        index++;
    }
    if (count != -1)
        reply_defer_array(c->r, d, arraylen);
    else
        reply_null(c->r);
}

/* ------------------------------------------------------------------------ */
/* Moves. */

/* The effect of a blocking move that did not block, or was served: LMOVE
 * src dst <from> <to>, or RPOPLPUSH src dst for BRPOPLPUSH (Redis 7). */
static void move_effect(struct cmdctx *c, const struct sarg *src, const struct sarg *dst,
                        int wherefrom, int whereto, bool rpoplpush)
{
    if (rpoplpush) {
        cmd_effect_replace(c, 3, (struct sarg[]){SARG_LIT("RPOPLPUSH"), *src, *dst});
        return;
    }
    struct sarg lr[2] = {SARG_LIT("LEFT"), SARG_LIT("RIGHT")};
    cmd_effect_replace(c, 5,
                       (struct sarg[]){SARG_LIT("LMOVE"), *src, *dst, lr[wherefrom == QL_TAIL],
                                       lr[whereto == QL_TAIL]});
}

/* Pop from src (non-empty list) and push to dst (NULL: created), replying
 * the moved value (Redis's lmoveGenericCommand after its checks). */
static void do_move(struct cmdctx *c, struct kentry *src, const struct sarg *dstkey,
                    struct kentry *dst, int wherefrom, int whereto)
{
    struct ql_val v;
    ql_peek(QL(src), wherefrom, &v);
    char ibuf[24], *copy = NULL;
    size_t len;
    const char *bytes = ql_val_bytes(&v, ibuf, &len);
    if (v.p) {
        copy = malloc(len ? len : 1);
        if (!copy) {
            reply_errs(c->r, SERR_OOM);
            return;
        }
        memcpy(copy, bytes, len);
        bytes = copy;
    }
    struct quicklist *sql = QLW(db_begin_write(c, c->db, src)), *dql;
    ql_pop(sql, wherefrom);
    bool same = dst == src;
    if (same) {
        dql = sql;
    } else if (!dst) {
        struct sobj *o = list_new();
        if (!o || !(dst = db_add(c, c->db, dstkey, o))) {
            obj_free(o);
            ql_push(sql, wherefrom, bytes, len); /* undo */
            free(copy);
            reply_errs(c->r, SERR_OOM);
            return;
        }
        dql = QLW(o);
    } else {
        dql = QLW(db_begin_write(c, c->db, dst));
    }
    ql_push(dql, whereto, bytes, len);
    db_written(c, c->db, dst);
    if (!same) removed(c, src);
    reply_bulk(c->r, bytes, len);
    free(copy);
}

static void lmove_generic(struct cmdctx *c, int wherefrom, int whereto)
{
    bool err;
    struct kentry *src = lookup_w(c, &c->argv[1], &err);
    if (err) return;
    if (!src) {
        reply_null(c->r);
        return;
    }
    struct kentry *dst = lookup_w(c, &c->argv[2], &err);
    if (err) return;
    do_move(c, src, &c->argv[2], dst, wherefrom, whereto);
}

void cmd_lmove(struct cmdctx *c)
{
    int from, to;
    if (!parse_where(c, &c->argv[3], &from) || !parse_where(c, &c->argv[4], &to)) return;
    lmove_generic(c, from, to);
}

void cmd_rpoplpush(struct cmdctx *c)
{
    lmove_generic(c, QL_TAIL, QL_HEAD);
}

/* ------------------------------------------------------------------------ */
/* Blocking. */

/* Block the client on keys (nothing to pop); MULTI and scripts get the
 * timeout reply at once (Redis's CLIENT_DENY_BLOCKING). */
static void block_on(struct cmdctx *c, int kind, const struct sarg *keys, int nkeys,
                     const struct sarg *dst, int where, int whereto, long long count,
                     int64_t deadline, bool null_bulk)
{
    if (c->no_block) {
        if (null_bulk)
            reply_null(c->r);
        else
            reply_null_array(c->r);
        return;
    }
    struct blk_client *bc = blk_client_new(kind, c->db, c->r->resp, keys, nkeys, dst, deadline);
    if (!bc || blk_wait_locked(c->ks, bc) != 0) {
        free(bc);
        reply_errs(c->r, SERR_OOM);
        return;
    }
    bc->where = (uint8_t)where;
    bc->whereto = (uint8_t)whereto;
    bc->count = (long)count;
    c->blocked = bc;
}

/* BLPOP/BRPOP/BLMPOP (Redis's blockingPopGenericCommand); count -1 for
 * the single-element forms. */
static void blocking_pop(struct cmdctx *c, const struct sarg *keys, int nkeys, int where,
                         int timeout_idx, long long count)
{
    int64_t deadline;
    if (!blk_parse_timeout(c, &c->argv[timeout_idx], &deadline)) return;
    for (int j = 0; j < nkeys; j++) {
        bool err;
        struct kentry *e = lookup_w(c, &keys[j], &err);
        if (err) return;
        if (!e) continue;
        if (count != -1) {
            pop_range_reply_with_key(c, e, &keys[j], where, count);
            return;
        }
        pop_effect(c, where, &keys[j], -1);
        struct quicklist *ql = QLW(db_begin_write(c, c->db, e));
        struct ql_val v;
        ql_peek(ql, where, &v);
        reply_array(c->r, 2);
        reply_bulk(c->r, keys[j].p, keys[j].len);
        reply_val(c->r, &v);
        ql_pop(ql, where);
        removed(c, e);
        return;
    }
    block_on(c, count == -1 ? BLK_POP : BLK_MPOP, keys, nkeys, NULL, where, 0, count, deadline,
             false);
}

void cmd_blpop(struct cmdctx *c)
{
    blocking_pop(c, &c->argv[1], c->argc - 2, QL_HEAD, c->argc - 1, -1);
}

void cmd_brpop(struct cmdctx *c)
{
    blocking_pop(c, &c->argv[1], c->argc - 2, QL_TAIL, c->argc - 1, -1);
}

void cmd_blmpop(struct cmdctx *c)
{
    long long numkeys, count;
    int where;
    if (!parse_mpop(c, 2, &numkeys, &where, &count)) return;
    blocking_pop(c, &c->argv[3], (int)numkeys, where, 1, count);
}

static void blmove_generic(struct cmdctx *c, int wherefrom, int whereto, int64_t deadline)
{
    bool err;
    struct kentry *src = lookup_w(c, &c->argv[1], &err);
    if (err) return;
    if (!src) {
        block_on(c, BLK_MOVE, &c->argv[1], 1, &c->argv[2], wherefrom, whereto,
                 c->argc == 4 /* BRPOPLPUSH */, deadline, true);
        return;
    }
    move_effect(c, &c->argv[1], &c->argv[2], wherefrom, whereto, c->argc == 4);
    lmove_generic(c, wherefrom, whereto);
}

void cmd_blmove(struct cmdctx *c)
{
    int from, to;
    int64_t deadline;
    if (!parse_where(c, &c->argv[3], &from) || !parse_where(c, &c->argv[4], &to)) return;
    if (!blk_parse_timeout(c, &c->argv[5], &deadline)) return;
    blmove_generic(c, from, to, deadline);
}

void cmd_brpoplpush(struct cmdctx *c)
{
    int64_t deadline;
    if (!blk_parse_timeout(c, &c->argv[3], &deadline)) return;
    blmove_generic(c, QL_TAIL, QL_HEAD, deadline);
}

/* A server pops for a blocked client (store/blocking.h): the key holds a
 * non-empty list; for moves the destination's shard is held too. */
void list_blk_serve(struct cmdctx *c, struct blk_client *bc, const struct sarg *key)
{
    bool err;
    struct kentry *e = lookup_w(c, key, &err);
    if (err || !e) return; /* the caller checked; never happens */
    switch (bc->kind) {
    case BLK_POP: {
        pop_effect(c, bc->where, key, -1);
        struct quicklist *ql = QLW(db_begin_write(c, c->db, e));
        struct ql_val v;
        ql_peek(ql, bc->where, &v);
        reply_array(c->r, 2);
        reply_bulk(c->r, key->p, key->len);
        reply_val(c->r, &v);
        ql_pop(ql, bc->where);
        removed(c, e);
        break;
    }
    case BLK_MPOP: pop_range_reply_with_key(c, e, key, bc->where, bc->count); break;
    case BLK_MOVE: {
        /* a destination of another type: the client gets WRONGTYPE and
         * the element stays (Redis pops, fails and pushes it back) */
        struct kentry *dst = lookup_w(c, &bc->dst, &err);
        if (err) return;
        /* count: 1 when the client blocked in BRPOPLPUSH (block_on) */
        move_effect(c, key, &bc->dst, bc->where, bc->whereto, bc->count == 1);
        do_move(c, e, &bc->dst, dst, bc->where, bc->whereto);
        break;
    }
    default: break;
    }
}
