/* t_keys.c — the keyspace and database commands of Redis 7.0: DEL UNLINK
 * EXISTS TYPE TOUCH, RENAME RENAMENX COPY MOVE, KEYS SCAN RANDOMKEY, OBJECT,
 * the EXPIRE and TTL families, PERSIST, and SELECT SWAPDB DBSIZE FLUSHDB
 * FLUSHALL.
 *
 * Replies, error texts and the order of checks follow Redis 7.0.15's db.c,
 * expire.c and object.c. Where the sharded keyspace changes the mechanics,
 * the visible behaviour is kept:
 *   - KEYS, SCAN, RANDOMKEY and DBSIZE visit shards one at a time, holding
 *     one shard lock at a time (flag `allshards`: the dispatcher locks
 *     nothing for them). KEYS is therefore not a point-in-time snapshot
 *     across shards, which no client can tell from Redis's since a key
 *     written concurrently may or may not be listed in Redis too.
 *   - SCAN's cursor walks the shards in order: cursor = dict_cursor * nshards
 *     + shard. It is 0 exactly at the start and at the end, and Redis's
 *     guarantee holds (a key present for the whole walk is returned at least
 *     once) because each shard's dict_scan keeps it and shards are visited
 *     in a fixed order.
 *   - SWAPDB, FLUSHDB and FLUSHALL take every shard lock (ascending).
 * Expired keys are never returned: lookups apply lazy expiry, KEYS skips
 * them, SCAN and RANDOMKEY delete them as Redis does.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"

/* Handlers (the generated command table declares them too). */
void cmd_del(struct cmdctx *c);
void cmd_unlink(struct cmdctx *c);
void cmd_exists(struct cmdctx *c);
void cmd_type(struct cmdctx *c);
void cmd_touch(struct cmdctx *c);
void cmd_rename(struct cmdctx *c);
void cmd_renamenx(struct cmdctx *c);
void cmd_copy(struct cmdctx *c);
void cmd_move(struct cmdctx *c);
void cmd_keys(struct cmdctx *c);
void cmd_scan(struct cmdctx *c);
void cmd_randomkey(struct cmdctx *c);
void cmd_object_encoding(struct cmdctx *c);
void cmd_object_refcount(struct cmdctx *c);
void cmd_object_idletime(struct cmdctx *c);
void cmd_object_freq(struct cmdctx *c);
void cmd_object_help(struct cmdctx *c);
void cmd_expire(struct cmdctx *c);
void cmd_pexpire(struct cmdctx *c);
void cmd_expireat(struct cmdctx *c);
void cmd_pexpireat(struct cmdctx *c);
void cmd_ttl(struct cmdctx *c);
void cmd_pttl(struct cmdctx *c);
void cmd_expiretime(struct cmdctx *c);
void cmd_pexpiretime(struct cmdctx *c);
void cmd_persist(struct cmdctx *c);
void cmd_select(struct cmdctx *c);
void cmd_swapdb(struct cmdctx *c);
void cmd_dbsize(struct cmdctx *c);
void cmd_flushdb(struct cmdctx *c);
void cmd_flushall(struct cmdctx *c);

/* Redis's getIntFromObjectOrReply: an integer within C int range. Errors are
 * `msg` when given (SWAPDB's "invalid first DB index"), otherwise "not an
 * integer" or "out of range, value must between ...". */
static bool arg_int_or_reply(struct cmdctx *c, const struct sarg *a, int msg, int *out)
{
    long long v;
    if (!arg_ll(a, &v)) {
        reply_errs(c->r, msg >= 0 ? (enum serr)msg : SERR_NOTINT);
        return false;
    }
    if (v < INT_MIN || v > INT_MAX) {
        if (msg >= 0)
            reply_errs(c->r, (enum serr)msg);
        else
            reply_errorf(c->r, SERRF_LONG_RANGE, (long)INT_MIN, (long)INT_MAX);
        return false;
    }
    *out = (int)v;
    return true;
}

/* A database index argument: an int, then 0 <= id < ndb. */
static bool arg_db_or_reply(struct cmdctx *c, const struct sarg *a, int *out)
{
    if (!arg_int_or_reply(c, a, -1, out)) return false;
    if (*out < 0 || (unsigned)*out >= c->ks->ndb) {
        reply_errs(c->r, SERR_DBINDEX);
        return false;
    }
    return true;
}

static bool same_key(const struct sarg *a, const struct sarg *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* A per-thread random stream (RANDOMKEY): splitmix64 seeded from the clock
 * and the thread's own address on first use. */
static uint64_t keys_random(void)
{
    static __thread uint64_t state;
    if (state == 0) state = (uint64_t)store_ustime() ^ (uint64_t)(uintptr_t)&state;
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ------------------------------------------------------------------------ */
/* DEL UNLINK EXISTS TYPE TOUCH. */

/* UNLINK frees inline like DEL: a value's memory belongs to one shard and
 * freeing it is bounded by its size. TODO(lazyfree): hand big values to the
 * control thread. */
static void del_generic(struct cmdctx *c)
{
    long long n = 0;
    for (int j = 1; j < c->argc; j++)
        if (db_delete(c, c->db, &c->argv[j])) n++;
    reply_int(c->r, n);
}

void cmd_del(struct cmdctx *c)
{
    del_generic(c);
}

void cmd_unlink(struct cmdctx *c)
{
    del_generic(c);
}

/* Duplicated keys count once per mention, as in Redis. */
void cmd_exists(struct cmdctx *c)
{
    long long n = 0;
    for (int j = 1; j < c->argc; j++)
        if (db_lookup_notouch(c, c->db, &c->argv[j])) n++;
    reply_int(c->r, n);
}

void cmd_type(struct cmdctx *c)
{
    struct kentry *e = db_lookup_notouch(c, c->db, &c->argv[1]);
    reply_simple(c->r, e ? obj_type_name(e->val) : "none");
}

void cmd_touch(struct cmdctx *c)
{
    long long n = 0;
    for (int j = 1; j < c->argc; j++)
        if (db_lookup_read(c, &c->argv[j])) n++;
    reply_int(c->r, n);
}

/* ------------------------------------------------------------------------ */
/* RENAME RENAMENX MOVE COPY. */

/* The source must exist (else "no such key", also for RENAMENX); renaming a
 * key to itself changes nothing. The value and its TTL move to the new name
 * without being copied; an existing destination is deleted first (RENAME)
 * or makes RENAMENX answer 0. */
static void rename_generic(struct cmdctx *c, bool nx)
{
    const struct sarg *src = &c->argv[1], *dst = &c->argv[2];
    struct kentry *e = db_lookup_for_write(c, c->db, src);
    if (!e) {
        reply_errs(c->r, SERR_NOSUCHKEY);
        return;
    }
    if (same_key(src, dst)) {
        if (nx)
            reply_int(c->r, 0);
        else
            reply_ok(c->r);
        return;
    }
    struct kentry *d = db_lookup_for_write(c, c->db, dst);
    if (d) {
        if (nx) {
            reply_int(c->r, 0);
            return;
        }
        db_delete_entry(c, c->db, d);
    }
    if (!db_move(c, c->db, e, c->db, dst)) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    if (nx)
        reply_int(c->r, 1);
    else
        reply_ok(c->r);
}

void cmd_rename(struct cmdctx *c)
{
    rename_generic(c, false);
}

void cmd_renamenx(struct cmdctx *c)
{
    rename_generic(c, true);
}

/* MOVE key db: the key keeps its shard (shards are by slot, databases live
 * inside each shard), so the dispatcher's lock covers both ends. */
void cmd_move(struct cmdctx *c)
{
    const struct sarg *key = &c->argv[1];
    int dst;
    if (!arg_db_or_reply(c, &c->argv[2], &dst)) return;
    if (dst == c->db) {
        reply_errs(c->r, SERR_SAMEOBJ);
        return;
    }
    struct kentry *e = db_lookup_for_write(c, c->db, key);
    if (!e || db_lookup_for_write(c, dst, key)) {
        reply_int(c->r, 0);
        return;
    }
    if (!db_move(c, c->db, e, dst, key)) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    reply_int(c->r, 1);
}

/* COPY source destination [DB destination-db] [REPLACE]. The destination
 * is argv[2] in the key spec, so its shard is locked in any database. */
void cmd_copy(struct cmdctx *c)
{
    const struct sarg *src = &c->argv[1], *dstkey = &c->argv[2];
    int dstdb = c->db;
    bool replace = false;
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "REPLACE")) {
            replace = true;
        } else if (arg_is(&c->argv[j], "DB") && j + 1 < c->argc) {
            if (!arg_db_or_reply(c, &c->argv[j + 1], &dstdb)) return;
            j++;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    if (dstdb == c->db && same_key(src, dstkey)) {
        reply_errs(c->r, SERR_SAMEOBJ);
        return;
    }
    struct kentry *e = db_lookup_read(c, src);
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    struct kentry *d = db_lookup_for_write(c, dstdb, dstkey);
    if (d && !replace) {
        reply_int(c->r, 0);
        return;
    }
    struct sobj *o = obj_dup(e->val);
    if (!o) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    int64_t expire = e->expire;
    if (d) db_delete_entry(c, dstdb, d);
    struct kentry *n = db_add(c, dstdb, dstkey, o);
    if (!n) {
        obj_free(o);
        reply_errs(c->r, SERR_OOM);
        return;
    }
    if (expire >= 0) db_set_expire(c, dstdb, n, expire);
    reply_int(c->r, 1);
}

/* ------------------------------------------------------------------------ */
/* KEYS SCAN RANDOMKEY DBSIZE: one shard lock at a time. */

void cmd_keys(struct cmdctx *c)
{
    const struct sarg *pat = &c->argv[1];
    bool all = pat->len == 1 && pat->p[0] == '*';
    long n = 0;
    struct rdefer d = reply_defer(c->r);
    for (unsigned s = 0; s < c->ks->nshards; s++) {
        cmd_lock(c, s);
        struct dict *keys = &c->ks->shards[s].db[c->db].keys;
        if (dict_size(keys)) {
            struct dict_iter it;
            dict_iter_init(&it, keys);
            struct dnode *nd;
            while ((nd = dict_iter_next(&it))) {
                struct kentry *e = (struct kentry *)nd;
                if (!all && !str_match(pat->p, pat->len, e->key, e->klen, false)) continue;
                if (db_expired(c, e)) continue; /* Redis's KEYS skips, never deletes */
                reply_bulk(c->r, e->key, e->klen);
                n++;
            }
            dict_iter_done(&it);
        }
        cmd_unlock(c, s);
    }
    reply_defer_array(c->r, d, n);
}

/* Keys collected by one SCAN call: bytes in one buffer, (offset, length)
 * pairs, and whether the key must go through lazy expiry. */
struct scan_key {
    size_t off;
    uint32_t len;
    bool expired;
};

struct scan_acc {
    struct cmdctx *c;
    const struct sarg *pat; /* MATCH filter or NULL */
    const char *type;       /* TYPE filter or NULL */
    char *buf;
    size_t len, cap;
    struct scan_key *v;
    size_t n, vcap;
    size_t visited; /* keys seen before filtering: COUNT's measure */
    bool oom;
};

static void scan_collect(struct dnode *nd, void *arg)
{
    struct scan_acc *a = arg;
    struct kentry *e = (struct kentry *)nd;
    a->visited++;
    /* Redis's filters in its order: pattern, then type, then expiry; a key
     * that matches the pattern but has expired is kept for deletion below
     * whatever its type (Redis's type check looks it up, which expires it) */
    if (a->pat && !str_match(a->pat->p, a->pat->len, e->key, e->klen, false)) return;
    bool expired = db_expired(a->c, e);
    if (!expired && a->type && strcasecmp(a->type, obj_type_name(e->val)) != 0) return;
    if (a->n == a->vcap) {
        size_t cap = a->vcap ? a->vcap * 2 : 32;
        struct scan_key *v = realloc(a->v, cap * sizeof(*v));
        if (!v) {
            a->oom = true;
            return;
        }
        a->v = v;
        a->vcap = cap;
    }
    if (a->len + e->klen > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        while (cap < a->len + e->klen) cap *= 2;
        char *b = realloc(a->buf, cap);
        if (!b) {
            a->oom = true;
            return;
        }
        a->buf = b;
        a->cap = cap;
    }
    memcpy(a->buf + a->len, e->key, e->klen);
    a->v[a->n++] = (struct scan_key){a->len, e->klen, expired};
    a->len += e->klen;
}

/* Redis's parseScanCursorOrReply: strtoul's rules (so "-1" wraps, "" is 0),
 * no leading space, no trailing bytes, no overflow. */
static bool scan_cursor_or_reply(struct cmdctx *c, const struct sarg *a, uint64_t *out)
{
    char small[64];
    char *s = a->len < sizeof(small) ? small : malloc(a->len + 1);
    bool ok = false;
    if (s) {
        memcpy(s, a->p, a->len);
        s[a->len] = '\0';
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        ok = !isspace((unsigned char)s[0]) && *end == '\0' && errno != ERANGE;
        *out = v;
        if (s != small) free(s);
    }
    if (!ok) reply_errs(c->r, SERR_INVALID_CURSOR);
    return ok;
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
 *
 * Like Redis, COUNT bounds the keys gathered before filtering (default 10)
 * and at most COUNT*10 bucket visits are made per call, so a sparse table
 * cannot stall the worker; MATCH, TYPE and expiry filter what was gathered,
 * so a call may return fewer keys, or none, with a nonzero cursor.
 * Empty shards are passed over without counting. */
void cmd_scan(struct cmdctx *c)
{
    uint64_t cursor;
    if (!scan_cursor_or_reply(c, &c->argv[1], &cursor)) return;
    long long count = 10;
    struct scan_acc acc = {.c = c};
    char typebuf[64];
    for (int i = 2; i < c->argc; i++) {
        const struct sarg *o = &c->argv[i];
        bool more = i + 1 < c->argc;
        if (arg_is(o, "COUNT") && more) {
            if (!arg_ll_or_reply(c, &c->argv[i + 1], &count)) return;
            if (count < 1) {
                reply_errs(c->r, SERR_SYNTAX);
                return;
            }
            i++;
        } else if (arg_is(o, "MATCH") && more) {
            acc.pat = &c->argv[++i];
            if (acc.pat->len == 1 && acc.pat->p[0] == '*') acc.pat = NULL; /* matches all */
        } else if (arg_is(o, "TYPE") && more) {
            const struct sarg *t = &c->argv[++i];
            /* a type name longer than any real one matches nothing */
            size_t n = t->len < sizeof(typebuf) - 1 ? t->len : sizeof(typebuf) - 1;
            memcpy(typebuf, t->p, n);
            typebuf[n] = '\0';
            acc.type = typebuf;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }

    unsigned nshards = c->ks->nshards;
    unsigned shard = (unsigned)(cursor % nshards);
    uint64_t dc = cursor / nshards;
    long long maxvisits = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
    long long visits = 0;
    for (;;) {
        cmd_lock(c, shard);
        struct dict *keys = &c->ks->shards[shard].db[c->db].keys;
        size_t first = acc.n;
        if (dict_size(keys) == 0) {
            dc = 0;
        } else {
            do {
                dc = dict_scan(keys, dc, scan_collect, &acc);
                visits++;
            } while (dc && visits < maxvisits && acc.visited < (size_t)count && !acc.oom);
        }
        /* expired keys found in this shard: lazy expiry deletes them */
        size_t kept = first;
        for (size_t k = first; k < acc.n; k++) {
            struct scan_key *sk = &acc.v[k];
            if (sk->expired) {
                struct sarg key = {acc.buf + sk->off, sk->len};
                if (!db_lookup_quiet(c, c->db, &key)) continue;
                /* not expired after all (cannot happen at a frozen time) */
            }
            acc.v[kept++] = *sk;
        }
        acc.n = kept;
        cmd_unlock(c, shard);
        if (dc == 0 && ++shard == nshards) {
            cursor = 0;
            break;
        }
        if (visits >= maxvisits || acc.visited >= (size_t)count || acc.oom) {
            cursor = dc * nshards + shard;
            break;
        }
    }
    if (acc.oom) {
        free(acc.buf);
        free(acc.v);
        reply_errs(c->r, SERR_OOM);
        return;
    }
    char cbuf[24];
    int cl = snprintf(cbuf, sizeof(cbuf), "%" PRIu64, cursor);
    reply_array(c->r, 2);
    reply_bulk(c->r, cbuf, (size_t)cl);
    reply_array(c->r, (long)acc.n);
    for (size_t k = 0; k < acc.n; k++) reply_bulk(c->r, acc.buf + acc.v[k].off, acc.v[k].len);
    free(acc.buf);
    free(acc.v);
}

/* RANDOMKEY: a shard chosen with probability proportional to its number of
 * keys, then dict_random() inside it. An expired key drawn is deleted and
 * the draw repeated, as Redis's dbRandomKey does, so the loop ends: every
 * failed draw removes a key. Sizes are re-read when a draw finds a shard
 * emptied by another worker in the meantime. */
void cmd_randomkey(struct cmdctx *c)
{
    unsigned nshards = c->ks->nshards;
    uint64_t *sizes = malloc(sizeof(*sizes) * nshards);
    if (!sizes) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    for (;;) {
        uint64_t total = 0;
        for (unsigned s = 0; s < nshards; s++) {
            cmd_lock(c, s);
            sizes[s] = dict_size(&c->ks->shards[s].db[c->db].keys);
            cmd_unlock(c, s);
            total += sizes[s];
        }
        if (total == 0) {
            free(sizes);
            reply_null(c->r);
            return;
        }
        for (int draw = 0; draw < 64; draw++) {
            uint64_t pick = keys_random() % total;
            unsigned s = 0;
            while (s + 1 < nshards && pick >= sizes[s]) pick -= sizes[s++];
            cmd_lock(c, s);
            struct dict *keys = &c->ks->shards[s].db[c->db].keys;
            struct kentry *e = (struct kentry *)dict_random(keys, keys_random());
            if (!e) {
                cmd_unlock(c, s);
                break; /* stale sizes */
            }
            if (db_expired(c, e)) {
                struct sarg key = {e->key, e->klen};
                db_lookup_quiet(c, c->db, &key); /* deletes it */
                cmd_unlock(c, s);
                if (sizes[s]) {
                    sizes[s]--;
                    total--;
                }
                if (total == 0) break;
                continue;
            }
            reply_bulk(c->r, e->key, e->klen);
            cmd_unlock(c, s);
            free(sizes);
            return;
        }
    }
}

void cmd_dbsize(struct cmdctx *c)
{
    uint64_t n = 0;
    for (unsigned s = 0; s < c->ks->nshards; s++) {
        cmd_lock(c, s);
        n += dict_size(&c->ks->shards[s].db[c->db].keys);
        cmd_unlock(c, s);
    }
    reply_int(c->r, (long long)n);
}

/* ------------------------------------------------------------------------ */
/* OBJECT. Lookups touch neither the access clock nor (unlike a read) the
 * LFU counter, but count as hits or misses, as Redis's LOOKUP_NOTOUCH. */

static const struct sobj *object_lookup(struct cmdctx *c)
{
    struct kentry *e = db_lookup_notouch(c, c->db, &c->argv[2]);
    if (!e) reply_null(c->r);
    return e ? e->val : NULL;
}

void cmd_object_encoding(struct cmdctx *c)
{
    const struct sobj *o = object_lookup(c);
    if (o) reply_bulk_cstr(c->r, obj_enc_name(o));
}

/* Values are never shared between keys here (one owner, no refcount), but
 * Redis answers INT_MAX for its shared integers 0..9999, which clients and
 * Redis's own tests observe: int-encoded values in that range answer so. */
void cmd_object_refcount(struct cmdctx *c)
{
    const struct sobj *o = object_lookup(c);
    if (!o) return;
    bool shared = o->type == OBJ_STRING && o->enc == ENC_INT && o->v.i >= 0 && o->v.i < 10000;
    reply_int(c->r, shared ? INT_MAX : 1);
}

void cmd_object_idletime(struct cmdctx *c)
{
    const struct sobj *o = object_lookup(c);
    if (!o) return;
    if (obj_lfu_policy) {
        reply_errs(c->r, SERR_LFU_SELECTED);
        return;
    }
    reply_int(c->r, (long long)(uint32_t)(obj_clock - o->atime));
}

void cmd_object_freq(struct cmdctx *c)
{
    const struct sobj *o = object_lookup(c);
    if (!o) return;
    if (!obj_lfu_policy) {
        reply_errs(c->r, SERR_LFU_NOT_SELECTED);
        return;
    }
    reply_int(c->r, obj_lfu_get(o));
}

void cmd_object_help(struct cmdctx *c)
{
    static const char *const help[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Name of the representation chosen for the value of <key>.",
        "FREQ <key>",
        "    Logarithmic access-frequency counter of <key> (LFU maxmemory policies).",
        "IDLETIME <key>",
        "    Seconds since <key> was last read or written (LRU and no-eviction policies).",
        "REFCOUNT <key>",
        "    Reference count of the value of <key>.",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof(help) / sizeof(help[0]);
    reply_array(c->r, (long)n);
    for (size_t i = 0; i < n; i++) reply_simple(c->r, help[i]);
}

/* ------------------------------------------------------------------------ */
/* EXPIRE PEXPIRE EXPIREAT PEXPIREAT, TTL PTTL EXPIRETIME PEXPIRETIME,
 * PERSIST. */

enum { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

/* basetime: the command's time for relative forms, 0 for the *AT forms.
 * Redis's order: options, then the integer, then overflow ("invalid expire
 * time in '<cmd>' command"), then the key. Negative and past times are
 * accepted and delete the key (reply 1). NX/XX/GT/LT compare with the
 * current TTL, a missing TTL counting as infinite. */
static void expire_generic(struct cmdctx *c, int64_t basetime, bool seconds, const char *name)
{
    unsigned flags = 0;
    for (int j = 3; j < c->argc; j++) {
        const struct sarg *a = &c->argv[j];
        if (arg_is(a, "NX"))
            flags |= EXP_NX;
        else if (arg_is(a, "XX"))
            flags |= EXP_XX;
        else if (arg_is(a, "GT"))
            flags |= EXP_GT;
        else if (arg_is(a, "LT"))
            flags |= EXP_LT;
        else {
            reply_errorf(c->r, SERRF_UNSUPPORTED_OPTION, (int)a->len, a->p);
            return;
        }
    }
    if ((flags & EXP_NX) && (flags & (EXP_XX | EXP_GT | EXP_LT))) {
        reply_errs(c->r, SERR_EXPIRE_NX_CONFLICT);
        return;
    }
    if ((flags & EXP_GT) && (flags & EXP_LT)) {
        reply_errs(c->r, SERR_EXPIRE_GT_LT);
        return;
    }
    long long when;
    if (!arg_ll_or_reply(c, &c->argv[2], &when)) return;
    if (seconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            reply_errorf(c->r, serr_text[SERR_EXPIRE_INVALID], name);
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - basetime) {
        reply_errorf(c->r, serr_text[SERR_EXPIRE_INVALID], name);
        return;
    }
    when += basetime;

    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    if (!e) {
        reply_int(c->r, 0);
        return;
    }
    int64_t cur = e->expire;
    if (((flags & EXP_NX) && cur != -1) || ((flags & EXP_XX) && cur == -1) ||
        ((flags & EXP_GT) && (cur == -1 || when <= cur)) ||
        ((flags & EXP_LT) && cur != -1 && when >= cur)) {
        reply_int(c->r, 0);
        return;
    }
    /* Redis's checkAlreadyExpired: a time in the past deletes, except
     * while an AOF or a master's stream is replayed (the key is then set
     * to expire, and its own DEL follows in the stream) */
    if (when <= c->now_ms && !c->replaying) {
        db_delete_entry(c, c->db, e);
        cmd_effect_replace(c, 2, (struct sarg[]){SARG_LIT("DEL"), c->argv[1]});
    } else {
        db_begin_write(c, c->db, e);
        db_set_expire(c, c->db, e, when);
        db_written(c, c->db, e);
        /* logged as PEXPIREAT key ms-timestamp [NX|XX|GT|LT] */
        char ms[24];
        struct sarg small[8], *fx = c->argc <= 8 ? small : malloc(sizeof(*fx) * (size_t)c->argc);
        if (fx) {
            fx[0] = SARG_LIT("PEXPIREAT");
            fx[1] = c->argv[1];
            fx[2] = sarg_ll(ms, when);
            for (int j = 3; j < c->argc; j++) fx[j] = c->argv[j];
            cmd_effect_replace(c, c->argc, fx);
            if (fx != small) free(fx);
        }
    }
    reply_int(c->r, 1);
}

void cmd_expire(struct cmdctx *c)
{
    expire_generic(c, c->now_ms, true, "expire");
}

void cmd_pexpire(struct cmdctx *c)
{
    expire_generic(c, c->now_ms, false, "pexpire");
}

void cmd_expireat(struct cmdctx *c)
{
    expire_generic(c, 0, true, "expireat");
}

void cmd_pexpireat(struct cmdctx *c)
{
    expire_generic(c, 0, false, "pexpireat");
}

/* -2 missing, -1 no TTL; else the remaining (or absolute) time, never
 * negative, seconds rounded to nearest as Redis does ((ms+500)/1000). */
static void ttl_generic(struct cmdctx *c, bool ms, bool absolute)
{
    struct kentry *e = db_lookup_notouch(c, c->db, &c->argv[1]);
    if (!e) {
        reply_int(c->r, -2);
        return;
    }
    if (e->expire < 0) {
        reply_int(c->r, -1);
        return;
    }
    long long t = absolute ? e->expire : e->expire - c->now_ms;
    if (t < 0) t = 0;
    reply_int(c->r, ms ? t : (t + 500) / 1000);
}

void cmd_ttl(struct cmdctx *c)
{
    ttl_generic(c, false, false);
}

void cmd_pttl(struct cmdctx *c)
{
    ttl_generic(c, true, false);
}

void cmd_expiretime(struct cmdctx *c)
{
    ttl_generic(c, false, true);
}

void cmd_pexpiretime(struct cmdctx *c)
{
    ttl_generic(c, true, true);
}

void cmd_persist(struct cmdctx *c)
{
    struct kentry *e = db_lookup_for_write(c, c->db, &c->argv[1]);
    if (!e || e->expire < 0) {
        reply_int(c->r, 0);
        return;
    }
    db_begin_write(c, c->db, e);
    db_set_expire(c, c->db, e, -1);
    db_written(c, c->db, e);
    reply_int(c->r, 1);
}

/* ------------------------------------------------------------------------ */
/* SELECT SWAPDB FLUSHDB FLUSHALL. */

/* The dispatcher stores c->db back into the session after the call. */
void cmd_select(struct cmdctx *c)
{
    int id;
    if (!arg_db_or_reply(c, &c->argv[1], &id)) return;
    c->db = id;
    reply_ok(c->r);
}

void cmd_swapdb(struct cmdctx *c)
{
    int a, b;
    if (!arg_int_or_reply(c, &c->argv[1], SERR_DB_FIRST, &a)) return;
    if (!arg_int_or_reply(c, &c->argv[2], SERR_DB_SECOND, &b)) return;
    if (a < 0 || (unsigned)a >= c->ks->ndb || b < 0 || (unsigned)b >= c->ks->ndb) {
        reply_errs(c->r, SERR_DBINDEX);
        return;
    }
    cmd_lock_all(c);
    cmd_unit_begin(c);
    db_swap(c->ks, a, b);
    c->dirty++;
    cmd_unit_end(c);
    cmd_unlock_all(c);
    reply_ok(c->r);
}

/* [ASYNC|SYNC] as the only argument; anything else is a syntax error. */
static bool flush_async_or_reply(struct cmdctx *c, bool *async)
{
    *async = false;
    if (c->argc == 1) return true;
    if (c->argc == 2 && arg_is(&c->argv[1], "SYNC")) return true;
    if (c->argc == 2 && arg_is(&c->argv[1], "ASYNC")) {
        *async = true;
        return true;
    }
    reply_errs(c->r, SERR_SYNTAX);
    return false;
}

/* dbs: one database (FLUSHDB) or all of them (db < 0). The command counts
 * as a change even when nothing was there, so that it is always logged, as
 * Redis forces FLUSHDB/FLUSHALL's propagation. */
static void flush_generic(struct cmdctx *c, int db)
{
    bool async;
    if (!flush_async_or_reply(c, &async)) return;
    uint64_t n = 0;
    cmd_lock_all(c);
    cmd_unit_begin(c);
    for (unsigned s = 0; s < c->ks->nshards; s++) {
        if (db >= 0) {
            n += db_flush_shard(c->ks, s, db, async);
        } else {
            for (unsigned d = 0; d < c->ks->ndb; d++) n += db_flush_shard(c->ks, s, (int)d, async);
        }
    }
    c->dirty += n ? n : 1;
    c->force_effect = true; /* Redis: logged even when there was nothing */
    cmd_unit_end(c);
    cmd_unlock_all(c);
    reply_ok(c->r);
}

void cmd_flushdb(struct cmdctx *c)
{
    flush_generic(c, c->db);
}

void cmd_flushall(struct cmdctx *c)
{
    flush_generic(c, -1);
}
