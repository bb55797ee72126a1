/* t_set.c — sets and the set commands of Redis 7.0.
 *
 * Two encodings, as OBJECT ENCODING reports them in 7.0 (no listpack sets
 * until 7.2):
 *   intset     every member is a canonical decimal int64 and there are at
 *              most set-max-intset-entries of them (intset.h), sorted;
 *   hashtable  a dict of `struct sent`, one allocation per member with the
 *              bytes inline (20 bytes of header + the member).
 * A set converts to hashtable when a non-integer member arrives or it grows
 * past the limit; it converts back only where Redis builds a new set
 * (SPOP with a count that leaves few members, the *STORE commands, which
 * start every destination as an intset).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "db.h"
#include "intset.h"
#include "t_set.h"
#include "tunables.h"

void cmd_sadd(struct cmdctx *c);
void cmd_srem(struct cmdctx *c);
void cmd_scard(struct cmdctx *c);
void cmd_sismember(struct cmdctx *c);
void cmd_smismember(struct cmdctx *c);
void cmd_smembers(struct cmdctx *c);
void cmd_srandmember(struct cmdctx *c);
void cmd_spop(struct cmdctx *c);
void cmd_smove(struct cmdctx *c);
void cmd_sinter(struct cmdctx *c);
void cmd_sintercard(struct cmdctx *c);
void cmd_sinterstore(struct cmdctx *c);
void cmd_sunion(struct cmdctx *c);
void cmd_sunionstore(struct cmdctx *c);
void cmd_sdiff(struct cmdctx *c);
void cmd_sdiffstore(struct cmdctx *c);
void cmd_sscan(struct cmdctx *c);

/* ------------------------------------------------------------------------ */
/* The hashtable encoding. */

struct sent {
    struct dnode node;
    uint32_t len;
    char d[];
};

static bool sent_eq(const struct dnode *n, const void *key, size_t len)
{
    const struct sent *e = (const struct sent *)n;
    return e->len == len && memcmp(e->d, key, len) == 0;
}

static const struct dict_type set_dict_type = {.eq = sent_eq};

static void sent_free_cb(struct dnode *n, void *arg)
{
    (void)arg;
    free(n);
}

static inline struct dict *SD(const struct sobj *o)
{
    return (struct dict *)o->v.ptr;
}

static struct dict *set_dict_new(uint64_t expect)
{
    struct dict *d = malloc(sizeof(*d));
    if (!d) return NULL;
    dict_init(d, &set_dict_type);
    if (expect) dict_expand(d, expect);
    return d;
}

static int dict_add_member(struct dict *d, const char *s, size_t len)
{
    uint64_t h = dict_hash(s, len);
    if (dict_find(d, s, len, h)) return 0;
    struct sent *e = malloc(sizeof(*e) + len);
    if (!e) return -1;
    e->node.hash = h;
    e->len = (uint32_t)len;
    memcpy(e->d, s, len);
    dict_add(d, &e->node);
    return 1;
}

static inline bool as_int(const char *s, size_t len, int64_t *v)
{
    long long ll;
    if (len == 0 || len > 20 || !str_to_ll(s, len, &ll)) return false;
    *v = ll;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Type operations. */

struct sobj *set_new_intset(void)
{
    struct intset *is = intset_new();
    if (!is) return NULL;
    struct sobj *o = obj_new_coll(OBJ_SET, ENC_INTSET, is);
    if (!o) intset_free(is);
    return o;
}

struct sobj *set_new_for(const char *first, size_t len)
{
    int64_t v;
    if (as_int(first, len, &v)) return set_new_intset();
    struct dict *d = set_dict_new(0);
    if (!d) return NULL;
    struct sobj *o = obj_new_coll(OBJ_SET, ENC_HASHTABLE, d);
    if (!o) free(d);
    return o;
}

uint64_t set_len(const struct sobj *o)
{
    if (o->enc == ENC_INTSET) return intset_len(o->v.ptr);
    return dict_size(SD(o));
}

bool set_convert(struct sobj *o)
{
    if (o->enc != ENC_INTSET) return true;
    struct intset *is = o->v.ptr;
    struct dict *d = set_dict_new(intset_len(is));
    if (!d) return false;
    for (uint32_t i = 0; i < intset_len(is); i++) {
        char buf[24];
        int n = ll_to_str(buf, sizeof(buf), intset_get(is, i));
        if (dict_add_member(d, buf, (size_t)n) < 0) {
            dict_release(d, sent_free_cb, NULL);
            free(d);
            return false;
        }
    }
    intset_free(is);
    o->enc = ENC_HASHTABLE;
    o->v.ptr = d;
    return true;
}

int set_add(struct sobj *o, const char *s, size_t len)
{
    if (o->enc == ENC_INTSET) {
        int64_t v;
        if (as_int(s, len, &v)) {
            bool added;
            struct intset *is = intset_add(o->v.ptr, v, &added);
            if (!is) return -1;
            o->v.ptr = is;
            if (added && (long long)intset_len(is) > store_tun.set_max_intset_entries)
                set_convert(o);
            return added ? 1 : 0;
        }
        if (!set_convert(o)) return -1;
    }
    return dict_add_member(SD(o), s, len);
}

bool set_remove(struct sobj *o, const char *s, size_t len)
{
    if (o->enc == ENC_INTSET) {
        int64_t v;
        bool removed = false;
        if (as_int(s, len, &v)) o->v.ptr = intset_remove(o->v.ptr, v, &removed);
        return removed;
    }
    struct dnode *n = dict_unlink(SD(o), s, len, dict_hash(s, len));
    if (!n) return false;
    free(n);
    dict_maybe_shrink(SD(o));
    return true;
}

bool set_is_member(const struct sobj *o, const char *s, size_t len)
{
    if (o->enc == ENC_INTSET) {
        int64_t v;
        return as_int(s, len, &v) && intset_find(o->v.ptr, v);
    }
    return dict_find(SD(o), s, len, dict_hash(s, len)) != NULL;
}

void set_iter_init(struct set_iter *it, const struct sobj *o)
{
    it->o = o;
    it->pos = 0;
    if (o->enc != ENC_INTSET) dict_iter_init(&it->di, SD(o));
}

bool set_iter_next(struct set_iter *it)
{
    if (it->o->enc == ENC_INTSET) {
        const struct intset *is = it->o->v.ptr;
        if (it->pos >= intset_len(is)) return false;
        it->len = (size_t)ll_to_str(it->buf, sizeof(it->buf), intset_get(is, it->pos++));
        it->s = it->buf;
        return true;
    }
    struct sent *e = (struct sent *)dict_iter_next(&it->di);
    if (!e) return false;
    it->s = e->d;
    it->len = e->len;
    return true;
}

void set_iter_done(struct set_iter *it)
{
    if (it->o->enc != ENC_INTSET) dict_iter_done(&it->di);
}

/* A random member: its bytes (ints formatted into buf). */
static const char *set_random(const struct sobj *o, size_t *len, char buf[24])
{
    if (o->enc == ENC_INTSET) {
        const struct intset *is = o->v.ptr;
        *len =
            (size_t)ll_to_str(buf, 24, intset_get(is, (uint32_t)coll_rand_below(intset_len(is))));
        return buf;
    }
    struct sent *e = (struct sent *)coll_fair_random(SD(o));
    *len = e->len;
    return e->d;
}

static void set_free(struct sobj *o)
{
    if (o->enc == ENC_INTSET) {
        intset_free(o->v.ptr);
    } else {
        dict_release(SD(o), sent_free_cb, NULL);
        free(SD(o));
    }
}

static struct sobj *set_dup(const struct sobj *o)
{
    if (o->enc == ENC_INTSET) {
        struct intset *is = intset_dup(o->v.ptr);
        if (!is) return NULL;
        struct sobj *n = obj_new_coll(OBJ_SET, ENC_INTSET, is);
        if (!n) intset_free(is);
        return n;
    }
    struct dict *d = set_dict_new(dict_size(SD(o)));
    if (!d) return NULL;
    struct sobj *n = obj_new_coll(OBJ_SET, ENC_HASHTABLE, d);
    if (!n) {
        free(d);
        return NULL;
    }
    struct set_iter it;
    set_iter_init(&it, o);
    while (set_iter_next(&it)) dict_add_member(d, it.s, it.len);
    set_iter_done(&it);
    return n;
}

static size_t set_mem_usage(const struct sobj *o)
{
    if (o->enc == ENC_INTSET) return sizeof(*o) + intset_bytes(o->v.ptr);
    const struct dict *d = SD(o);
    size_t n = sizeof(*o) + sizeof(*d) + (d->size[0] + d->size[1]) * sizeof(void *);
    struct dict_iter it;
    dict_iter_init(&it, (struct dict *)d);
    size_t sampled = 0, bytes = 0;
    for (struct dnode *nd; sampled < 5 && (nd = dict_iter_next(&it)); sampled++)
        bytes += sizeof(struct sent) + ((struct sent *)nd)->len;
    dict_iter_done(&it);
    if (sampled) n += bytes * dict_size(d) / sampled;
    return n;
}

static const struct obj_type_ops set_ops = {set_free, set_dup, set_mem_usage};

__attribute__((constructor)) static void set_register(void)
{
    obj_register_type(OBJ_SET, &set_ops);
}

/* ------------------------------------------------------------------------ */
/* SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS */

void cmd_sadd(struct cmdctx *c)
{
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    struct sobj *o = NULL; /* the set to change: new, or through the gate */
    if (e) {
        if (e->val->type != OBJ_SET) {
            reply_errs(c->r, SERR_WRONGTYPE);
            return;
        }
    } else {
        o = set_new_for(c->argv[2].p, c->argv[2].len);
        if (!o) {
            reply_errs(c->r, SERR_OOM);
            return;
        }
    }
    long long added = 0;
    for (int i = 2; i < c->argc; i++) {
        if (!o) {
            if (set_is_member(e->val, c->argv[i].p, c->argv[i].len)) continue;
            o = db_begin_write(c, c->db, e);
        }
        if (set_add(o, c->argv[i].p, c->argv[i].len) > 0) added++;
    }
    if (!e) {
        if (!db_add(c, c->db, &c->argv[1], o)) {
            obj_free(o);
            reply_errs(c->r, SERR_OOM);
            return;
        }
    } else if (added) {
        db_written(c, c->db, e);
    }
    reply_int(c->r, added);
}

void cmd_srem(struct cmdctx *c)
{
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    if (e->val->type != OBJ_SET) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    struct sobj *o = NULL;
    long long removed = 0;
    for (int i = 2; i < c->argc; i++) {
        if (!o) {
            if (!set_is_member(e->val, c->argv[i].p, c->argv[i].len)) continue;
            o = db_begin_write(c, c->db, e);
        }
        if (set_remove(o, c->argv[i].p, c->argv[i].len)) removed++;
        if (set_len(o) == 0) break;
    }
    if (removed) {
        db_removed_from(c, c->db, e, set_len(o) == 0);
    }
    reply_int(c->r, removed);
}

void cmd_scard(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_SET, &err);
    if (err) return;
    reply_int(c->r, o ? (long long)set_len(o) : 0);
}

void cmd_sismember(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_SET, &err);
    if (err) return;
    reply_int(c->r, o && set_is_member(o, c->argv[2].p, c->argv[2].len));
}

void cmd_smismember(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_SET, &err);
    if (err) return;
    reply_array(c->r, c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        reply_int(c->r, o && set_is_member(o, c->argv[i].p, c->argv[i].len));
}

static void reply_set_members(struct cmdctx *c, const struct sobj *o)
{
    reply_set(c->r, (long)set_len(o));
    struct set_iter it;
    set_iter_init(&it, o);
    while (set_iter_next(&it)) reply_bulk(c->r, it.s, it.len);
    set_iter_done(&it);
}

void cmd_smembers(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_SET, &err);
    if (err) return;
    if (!o) {
        reply_set(c->r, 0);
        return;
    }
    reply_set_members(c, o);
}

/* ------------------------------------------------------------------------ */
/* SRANDMEMBER key [count] */

void cmd_srandmember(struct cmdctx *c)
{
    bool err;
    char buf[24];
    size_t len;
    if (c->argc > 3) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    if (c->argc == 2) {
        const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_SET, &err);
        if (err) return;
        if (!o) {
            reply_null(c->r);
            return;
        }
        const char *s = set_random(o, &len, buf);
        reply_bulk(c->r, s, len);
        return;
    }
    long long l;
    if (!coll_range_ll_or_reply(c, &c->argv[2], -LLONG_MAX, LLONG_MAX, NULL, &l)) return;
    const struct sobj *o = db_read_typed(c, &c->argv[1], OBJ_SET, &err);
    if (err) return;
    if (!o || l == 0) {
        reply_array(c->r, 0);
        return;
    }
    uint64_t size = set_len(o);
    if (l < 0) {
        uint64_t count = (uint64_t)(-l);
        reply_array(c->r, (long)count);
        for (uint64_t i = 0; i < count; i++) {
            const char *s = set_random(o, &len, buf);
            reply_bulk(c->r, s, len);
        }
        return;
    }
    uint64_t count = (uint64_t)l;
    if (count >= size) {
        /* an array, not a set, even in RESP3 (Redis 7.0) */
        reply_array(c->r, (long)size);
        struct set_iter it;
        set_iter_init(&it, o);
        while (set_iter_next(&it)) {
            reply_bulk(c->r, it.s, it.len);
            cmd_effect(c, c->db, 3, (struct sarg[]){SARG_LIT("SREM"), c->argv[1], {it.s, it.len}});
        }
        set_iter_done(&it);
        return;
    }
    /* distinct members: a partial shuffle of an index array (intset) or
     * of the entries (hashtable) when many are asked for, else random
     * picks deduplicated through a scratch dict */
    reply_array(c->r, (long)count);
    if (o->enc == ENC_INTSET) {
        const struct intset *is = o->v.ptr;
        uint32_t *idx = malloc(sizeof(*idx) * size);
        if (!idx) return;
        for (uint32_t i = 0; i < size; i++) idx[i] = i;
        for (uint64_t i = 0; i < count && i < size; i++) {
            uint64_t j = i + coll_rand_below(size - i);
            uint32_t t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            reply_bulk_ll(c->r, intset_get(is, idx[i]));
        }
        free(idx);
        return;
    }
    struct dict seen;
    dict_init(&seen, &set_dict_type);
    for (uint64_t got = 0; got < count;) {
        struct sent *e = (struct sent *)coll_fair_random(SD(o));
        if (dict_add_member(&seen, e->d, e->len) != 1) continue;
        reply_bulk(c->r, e->d, e->len);
        got++;
    }
    dict_release(&seen, sent_free_cb, NULL);
}

/* ------------------------------------------------------------------------ */
/* SPOP key [count] */

void cmd_spop(struct cmdctx *c)
{
    char buf[24];
    size_t len;
    if (c->argc > 3) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    long long count = 1;
    if (c->argc == 3) {
        /* Redis's getPositiveLongFromObjectOrReply: one message for both */
        if (!arg_ll(&c->argv[2], &count) || count < 0) {
            reply_errs(c->r, SERR_NOT_POSITIVE);
            return;
        }
    }
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    if (!e) {
        if (c->argc == 2)
            reply_null(c->r);
        else
            reply_set(c->r, 0);
        return;
    }
    if (e->val->type != OBJ_SET) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    if (c->argc == 2) {
        struct sobj *o = db_begin_write(c, c->db, e);
        const char *s = set_random(o, &len, buf);
        reply_bulk(c->r, s, len);
        /* logged as SREM of the member chosen (Redis 7), so a replica or an
         * AOF reload removes the same one */
        cmd_effect_replace(c, 3, (struct sarg[]){SARG_LIT("SREM"), c->argv[1], {s, len}});
        char tmp[24];
        if (s == buf) {
            memcpy(tmp, buf, len);
            s = tmp;
        }
        if (o->enc == ENC_INTSET) {
            set_remove(o, s, len);
        } else {
            /* the entry holds the bytes just replied: unlink it last */
            struct dnode *n = dict_unlink(SD(o), s, len, dict_hash(s, len));
            free(n);
            dict_maybe_shrink(SD(o));
        }
        db_removed_from(c, c->db, e, set_len(o) == 0);
        return;
    }
    if (count == 0) {
        reply_set(c->r, 0);
        return;
    }
    uint64_t size = set_len(e->val);
    struct sobj *o = db_begin_write(c, c->db, e);
    if ((uint64_t)count >= size) {
        reply_set_members(c, o);
        db_delete_entry(c, c->db, e);
        cmd_effect_replace(c, 2, (struct sarg[]){SARG_LIT("DEL"), c->argv[1]});
        return;
    }
    /* logged as one SREM per member popped, not as SPOP (Redis 7) */
    cmd_effect_suppress(c);
    reply_set(c->r, count);
    uint64_t remaining = size - (uint64_t)count;
    if (remaining * 5 > (uint64_t)count) {
        /* pop `count` random members one by one */
        for (long long i = 0; i < count; i++) {
            const char *s = set_random(o, &len, buf);
            char tmp[24];
            reply_bulk(c->r, s, len);
            cmd_effect(c, c->db, 3, (struct sarg[]){SARG_LIT("SREM"), c->argv[1], {s, len}});
            if (o->enc == ENC_INTSET) {
                memcpy(tmp, s, len);
                set_remove(o, tmp, len);
            } else {
                struct dnode *n = dict_unlink(SD(o), s, len, dict_hash(s, len));
                free(n);
            }
        }
        if (o->enc != ENC_INTSET) dict_maybe_shrink(SD(o));
    } else {
        /* few remain: move them to a new set (whose encoding Redis picks
         * afresh from its first member) and reply the rest */
        struct sobj *ns = NULL;
        while (remaining--) {
            const char *s = set_random(o, &len, buf);
            char *copy = malloc(len + 1);
            if (!copy) break;
            memcpy(copy, s, len);
            if (!ns) ns = set_new_for(copy, len);
            if (ns) set_add(ns, copy, len);
            set_remove(o, copy, len);
            free(copy);
        }
        struct set_iter it;
        set_iter_init(&it, o);
        while (set_iter_next(&it)) {
            reply_bulk(c->r, it.s, it.len);
            cmd_effect(c, c->db, 3, (struct sarg[]){SARG_LIT("SREM"), c->argv[1], {it.s, it.len}});
        }
        set_iter_done(&it);
        if (ns) db_replace(c, e, ns);
    }
    db_written(c, c->db, e);
}

/* ------------------------------------------------------------------------ */
/* SMOVE source destination member */

void cmd_smove(struct cmdctx *c)
{
    const struct sarg *m = &c->argv[3];
    struct kentry *se = db_lookup_for_write(c, c->db, &c->argv[1]);
    struct kentry *de = db_lookup_for_write(c, c->db, &c->argv[2]);
    if (!se) {
        reply_int(c->r, 0);
        return;
    }
    if (se->val->type != OBJ_SET || (de && de->val->type != OBJ_SET)) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return;
    }
    if (se == de) {
        reply_int(c->r, set_is_member(se->val, m->p, m->len));
        return;
    }
    if (!set_is_member(se->val, m->p, m->len)) {
        reply_int(c->r, 0);
        return;
    }
    struct sobj *so = db_begin_write(c, c->db, se);
    set_remove(so, m->p, m->len);
    if (set_len(so) == 0)
        db_delete_entry(c, c->db, se);
    else
        db_written(c, c->db, se);
    if (de) {
        if (!set_is_member(de->val, m->p, m->len)) {
            set_add(db_begin_write(c, c->db, de), m->p, m->len);
            db_written(c, c->db, de);
        }
    } else {
        struct sobj *o = set_new_for(m->p, m->len);
        if (o) {
            set_add(o, m->p, m->len);
            if (!db_add(c, c->db, &c->argv[2], o)) obj_free(o);
        }
    }
    reply_int(c->r, 1);
}

/* ------------------------------------------------------------------------ */
/* SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE */

/* Look up the sets named by keys[0..n): missing keys are NULL. Replies
 * WRONGTYPE (and returns false) if any key holds another type; Redis
 * checks every key even after a missing one. */
static bool lookup_sets(struct cmdctx *c, const struct sarg *keys, int n, const struct sobj **sets,
                        bool write)
{
    for (int i = 0; i < n; i++) {
        struct kentry *e =
            write ? db_lookup_for_write(c, c->db, &keys[i]) : db_lookup_read(c, &keys[i]);
        sets[i] = NULL;
        if (!e) continue;
        if (e->val->type != OBJ_SET) {
            reply_errs(c->r, SERR_WRONGTYPE);
            return false;
        }
        sets[i] = e->val;
    }
    return true;
}

static int cmp_set_size(const void *a, const void *b)
{
    uint64_t x = set_len(*(const struct sobj *const *)a),
             y = set_len(*(const struct sobj *const *)b);
    return x < y ? -1 : x > y;
}

/* Store result at dst (or delete dst when empty) and reply its size. */
static void store_result(struct cmdctx *c, const struct sarg *dst, struct sobj *res)
{
    if (!res || set_len(res) == 0) {
        if (res) obj_free(res);
        bool deleted = db_delete(c, c->db, dst);
        (void)deleted;
        reply_int(c->r, 0);
        return;
    }
    long long n = (long long)set_len(res);
    if (!db_set(c, c->db, dst, res, false)) {
        obj_free(res);
        reply_errs(c->r, SERR_OOM);
        return;
    }
    reply_int(c->r, n);
}

/* SINTER (dst NULL, limit < 0), SINTERCARD (limit >= 0), SINTERSTORE. */
static void sinter_generic(struct cmdctx *c, const struct sarg *keys, int n, const struct sarg *dst,
                           long long limit, bool card)
{
    const struct sobj *small[16], **sets = n <= 16 ? small : malloc(sizeof(*sets) * (size_t)n);
    if (!sets) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    if (!lookup_sets(c, keys, n, sets, false)) goto out;
    bool empty = false;
    for (int i = 0; i < n; i++)
        if (!sets[i]) empty = true;
    if (empty) {
        if (dst)
            store_result(c, dst, NULL);
        else if (card)
            reply_int(c->r, 0);
        else
            reply_set(c->r, 0);
        goto out;
    }
    qsort(sets, (size_t)n, sizeof(*sets), cmp_set_size);
    struct sobj *res = dst ? set_new_intset() : NULL;
    struct rdefer d;
    if (!dst && !card) d = reply_defer(c->r);
    long long cnt = 0;
    struct set_iter it;
    set_iter_init(&it, sets[0]);
    while (set_iter_next(&it)) {
        int j;
        for (j = 1; j < n; j++) {
            if (sets[j] == sets[0]) continue;
            if (!set_is_member(sets[j], it.s, it.len)) break;
        }
        if (j < n) continue;
        if (res)
            set_add(res, it.s, it.len);
        else if (!card)
            reply_bulk(c->r, it.s, it.len);
        cnt++;
        if (card && limit && cnt >= limit) break;
    }
    set_iter_done(&it);
    if (dst)
        store_result(c, dst, res);
    else if (card)
        reply_int(c->r, cnt);
    else
        reply_defer_set(c->r, d, cnt);
out:
    if (sets != small) free(sets);
}

void cmd_sinter(struct cmdctx *c)
{
    sinter_generic(c, &c->argv[1], c->argc - 1, NULL, -1, false);
}

void cmd_sinterstore(struct cmdctx *c)
{
    sinter_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], -1, false);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
void cmd_sintercard(struct cmdctx *c)
{
    long long numkeys;
    if (!coll_range_ll_or_reply(c, &c->argv[1], 1, LLONG_MAX, serr_text[SERR_NUMKEYS_POSITIVE],
                                &numkeys))
        return;
    if (numkeys > c->argc - 2) {
        reply_errs(c->r, SERR_NUMKEYS_TOO_MANY);
        return;
    }
    long long limit = 0;
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "LIMIT") && j + 1 < c->argc) {
            /* one message for a non-integer too (getPositiveLongFromObjectOrReply) */
            if (!arg_ll(&c->argv[j + 1], &limit) || limit < 0) {
                reply_errs(c->r, SERR_LIMIT_NEGATIVE);
                return;
            }
            j++;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    sinter_generic(c, &c->argv[2], (int)numkeys, NULL, limit, true);
}

enum { OP_UNION, OP_DIFF };

static void sunion_diff_generic(struct cmdctx *c, const struct sarg *keys, int n,
                                const struct sarg *dst, int op)
{
    const struct sobj *small[16] = {0}, **sets = n <= 16 ? small : calloc((size_t)n, sizeof(*sets));
    if (!sets) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    if (!lookup_sets(c, keys, n, sets, false)) goto out;
    struct sobj *res = set_new_intset();
    if (!res) {
        reply_errs(c->r, SERR_OOM);
        goto out;
    }
    if (op == OP_UNION) {
        for (int i = 0; i < n; i++) {
            if (!sets[i]) continue;
            struct set_iter it;
            set_iter_init(&it, sets[i]);
            while (set_iter_next(&it)) set_add(res, it.s, it.len);
            set_iter_done(&it);
        }
    } else if (sets[0]) {
        struct set_iter it;
        set_iter_init(&it, sets[0]);
        while (set_iter_next(&it)) {
            int j;
            for (j = 1; j < n; j++) {
                if (sets[j] == sets[0]) break;
                if (sets[j] && set_is_member(sets[j], it.s, it.len)) break;
            }
            if (j == n) set_add(res, it.s, it.len);
        }
        set_iter_done(&it);
    }
    if (dst) {
        store_result(c, dst, res);
    } else {
        reply_set_members(c, res);
        obj_free(res);
    }
out:
    if (sets != small) free(sets);
}

void cmd_sunion(struct cmdctx *c)
{
    sunion_diff_generic(c, &c->argv[1], c->argc - 1, NULL, OP_UNION);
}

void cmd_sunionstore(struct cmdctx *c)
{
    sunion_diff_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], OP_UNION);
}

void cmd_sdiff(struct cmdctx *c)
{
    sunion_diff_generic(c, &c->argv[1], c->argc - 1, NULL, OP_DIFF);
}

void cmd_sdiffstore(struct cmdctx *c)
{
    sunion_diff_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], OP_DIFF);
}

/* ------------------------------------------------------------------------ */
/* SSCAN key cursor [MATCH pattern] [COUNT count] */

void cmd_sscan(struct cmdctx *c)
{
    uint64_t cursor;
    struct scan_opts so;
    const struct sobj *o = coll_scan_begin(c, OBJ_SET, &cursor, &so);
    if (!o) return;
    if (o->enc == ENC_INTSET) {
        coll_reply_scan_cursor(c, 0);
        struct rdefer d = reply_defer(c->r);
        long n = 0;
        struct set_iter it;
        set_iter_init(&it, o);
        while (set_iter_next(&it)) {
            if (!coll_scan_match(&so, it.s, it.len)) continue;
            reply_bulk(c->r, it.s, it.len);
            n++;
        }
        set_iter_done(&it);
        reply_defer_array(c->r, d, n);
        return;
    }
    struct dnode **v;
    size_t nv;
    cursor = coll_scan_dict(SD(o), cursor, so.count, &v, &nv);
    coll_reply_scan_cursor(c, cursor);
    struct rdefer d = reply_defer(c->r);
    long n = 0;
    for (size_t i = 0; i < nv; i++) {
        struct sent *e = (struct sent *)v[i];
        if (!coll_scan_match(&so, e->d, e->len)) continue;
        reply_bulk(c->r, e->d, e->len);
        n++;
    }
    reply_defer_array(c->r, d, n);
    free(v);
}
