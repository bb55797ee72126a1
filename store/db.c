/* db.c — the entry-write path and lookups with lazy expiry (see db.h).
 *
 * This file is the only code that adds, removes or replaces entries of a
 * shard's dictionaries and expiry indexes. */
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "db.h"
#include "snapshot.h"
#include "watch.h"

unsigned db_shard_idx(struct cmdctx *c, const struct sarg *key)
{
    bool is_arg = c->argv && key >= c->argv && key < c->argv + c->argc;
    int argi = is_arg ? (int)(key - c->argv) : -1;
    if (is_arg)
        for (unsigned i = 0; i < c->memo_next && i < 4; i++)
            if (c->memo[i].argi == argi) return c->memo[i].shard;
    unsigned idx = ks_shard_of(c->ks, key->p, key->len);
    if (is_arg && c->memo_next < 4) {
        c->memo[c->memo_next].argi = argi;
        c->memo[c->memo_next].shard = (uint16_t)idx;
        c->memo_next++;
    }
    return idx;
}

struct shard *db_shard(struct cmdctx *c, const struct sarg *key)
{
    return &c->ks->shards[db_shard_idx(c, key)];
}

struct kdb *db_kdb(struct cmdctx *c, int db, const struct sarg *key)
{
    return &db_shard(c, key)->db[db];
}

static struct kentry *do_find(struct kdb *k, const struct sarg *key, uint64_t h)
{
    struct dnode *n = dict_find(&k->keys, key->p, key->len, h);
    return (struct kentry *)n;
}

/* The one place outside creation that hands out an entry's value as
 * mutable (keyspace.h keeps it const). */
static inline struct sobj *val_mut(const struct kentry *e)
{
    return (struct sobj *)e->val;
}

struct sobj *db_begin_write(struct cmdctx *c, int db, struct kentry *e)
{
    struct shard *s = &c->ks->shards[e->shard];
    snap_before_write(c->ks, s, db, e);
    s->version++;
    watch_touch_locked(c->ks, s, db, e->key, e->klen);
    return val_mut(e);
}

struct sobj *db_begin_write_unsignaled(struct cmdctx *c, int db, struct kentry *e)
{
    struct shard *s = &c->ks->shards[e->shard];
    snap_before_write(c->ks, s, db, e);
    s->version++;
    return val_mut(e);
}

void db_written(struct cmdctx *c, int db, struct kentry *e)
{
    /* Hook point, after a change: keyspace notifications go here. */
    (void)db;
    (void)e;
    c->dirty++;
}

/* touch: the deletion's WATCH touch, made once the key is gone (expiry:
 * Redis's stale-key rule needs to see the key absent; watch.h). */
/* A stream is going from key e: its group readers must hear (blocking.h). */
static inline void stream_gone(struct keyspace *ks, int db, const struct kentry *e)
{
    struct shard *s = &ks->shards[e->shard];
    if (e->val->type == OBJ_STREAM && s->blk) blk_signal_locked(ks, s, db, e->key, e->klen);
}

static void do_unlink_free(struct keyspace *ks, struct kdb *k, int db, struct kentry *e, bool touch)
{
    stream_gone(ks, db, e);
    dict_unlink_node(&k->keys, &e->node);
    if (e->expire >= 0) xindex_remove(&k->xi, e);
    if (touch) watch_touch_locked(ks, &ks->shards[e->shard], db, e->key, e->klen);
    obj_free(val_mut(e));
    free(e);
    dict_maybe_shrink(&k->keys);
}

/* An expired key's deletion, as Redis 7 propagates it. */
static void expired_effect(struct cmdctx *c, int db, const struct kentry *e)
{
    struct sarg argv[2] = {{"DEL", 3}, {e->key, e->klen}};
    cmd_effect(c, db, 2, argv);
}

/* Lazy expiry: delete e if its time has come. Returns true if deleted. */
static bool do_expire_if_needed(struct cmdctx *c, struct kdb *k, int db, struct kentry *e)
{
    if (!db_expired(c, e)) return false;
    struct shard *s = &c->ks->shards[e->shard];
    snap_before_write(c->ks, s, db, e);
    s->version++;
    expired_effect(c, db, e);
    do_unlink_free(c->ks, k, db, e, true);
    if (c->st) c->st->expired_keys++;
    return true;
}

struct kentry *db_lookup_quiet(struct cmdctx *c, int db, const struct sarg *key)
{
    unsigned si = db_shard_idx(c, key);
    struct kdb *k = &c->ks->shards[si].db[db];
    struct kentry *e = do_find(k, key, dict_hash(key->p, key->len));
    if (!e) return NULL;
    if (do_expire_if_needed(c, k, db, e)) return NULL;
    return e;
}

struct kentry *db_lookup_read(struct cmdctx *c, const struct sarg *key)
{
    struct kentry *e = db_lookup_quiet(c, c->db, key);
    if (c->st) {
        if (e)
            c->st->keyspace_hits++;
        else
            c->st->keyspace_misses++;
    }
    if (e) obj_touch(e->val);
    return e;
}

struct kentry *db_lookup_write(struct cmdctx *c, const struct sarg *key)
{
    struct kentry *e = db_lookup_quiet(c, c->db, key);
    if (e) {
        obj_touch(e->val);
        db_begin_write(c, c->db, e);
    }
    return e;
}

const struct sobj *db_read_typed(struct cmdctx *c, const struct sarg *key, int type, bool *err)
{
    *err = false;
    struct kentry *e = db_lookup_read(c, key);
    if (!e) return NULL;
    if (e->val->type != type) {
        reply_errs(c->r, SERR_WRONGTYPE);
        *err = true;
        return NULL;
    }
    return e->val;
}

struct sobj *db_write_typed(struct cmdctx *c, const struct sarg *key, int type, bool *err)
{
    *err = false;
    struct kentry *e = db_lookup_quiet(c, c->db, key);
    if (!e) return NULL;
    if (e->val->type != type) {
        reply_errs(c->r, SERR_WRONGTYPE);
        *err = true;
        return NULL;
    }
    obj_touch(e->val);
    return db_begin_write(c, c->db, e);
}

struct kentry *db_add(struct cmdctx *c, int db, const struct sarg *key, struct sobj *val)
{
    struct kdb *k = db_kdb(c, db, key);
    struct kentry *e = malloc(sizeof(*e) + key->len);
    if (!e) return NULL;
    e->node.hash = dict_hash(key->p, key->len);
    e->val = val;
    e->expire = -1;
    e->xidx = 0;
    e->klen = (uint32_t)key->len;
    e->shard = (uint16_t)db_shard_idx(c, key);
    memcpy(e->key, key->p, key->len);
    struct shard *s = db_shard(c, key);
    snap_created(s, e); /* an open snapshot must not write what came after it */
    dict_add(&k->keys, &e->node);
    s->version++;
    watch_touch_locked(c->ks, s, db, e->key, e->klen);
    if (s->blk) blk_signal_locked(c->ks, s, db, key->p, key->len); /* blocked clients */
    db_written(c, db, e);
    return e;
}

void db_replace(struct cmdctx *c, struct kentry *e, struct sobj *val)
{
    if (e->val != val) {
        stream_gone(c->ks, c->db, e);
        /* under an LFU policy the key keeps its access history (Redis's
         * dbOverwrite); otherwise the new value is fresh */
        if (obj_lfu_policy) {
            val->lfu = e->val->lfu;
            val->atime = e->val->atime;
        }
        obj_free(val_mut(e));
        e->val = val;
    }
}

struct kentry *db_set(struct cmdctx *c, int db, const struct sarg *key, struct sobj *val,
                      bool keepttl)
{
    struct kentry *e = db_lookup_quiet(c, db, key);
    if (!e) return db_add(c, db, key, val);
    db_begin_write(c, db, e);
    db_replace(c, e, val);
    struct shard *s = db_shard(c, key);
    if (s->blk) blk_signal_locked(c->ks, s, db, key->p, key->len); /* e.g. SORT .. STORE */
    if (!keepttl && e->expire >= 0) db_set_expire(c, db, e, -1);
    db_written(c, db, e);
    return e;
}

void db_removed_from(struct cmdctx *c, int db, struct kentry *e, bool empty)
{
    if (empty)
        db_delete_entry(c, db, e);
    else
        db_written(c, db, e);
}

void db_delete_entry(struct cmdctx *c, int db, struct kentry *e)
{
    struct kdb *k = &c->ks->shards[e->shard].db[db];
    db_begin_write(c, db, e);
    c->dirty++;
    do_unlink_free(c->ks, k, db, e, false);
}

bool db_delete(struct cmdctx *c, int db, const struct sarg *key)
{
    struct kentry *e = db_lookup_quiet(c, db, key);
    if (!e) return false;
    db_delete_entry(c, db, e);
    return true;
}

void db_set_expire(struct cmdctx *c, int db, struct kentry *e, int64_t when_ms)
{
    struct kdb *k = &c->ks->shards[e->shard].db[db];
    if (when_ms < 0) {
        if (e->expire >= 0) xindex_remove(&k->xi, e);
        e->expire = -1;
        return;
    }
    if (e->expire < 0 && xindex_add(&k->xi, e) != 0) {
        /* out of memory for the index: the key keeps no TTL rather than a
         * TTL nobody would ever sweep (the caller's reply stays truthful
         * about the value being stored) */
        return;
    }
    e->expire = when_ms;
}

struct kentry *db_lookup_notouch(struct cmdctx *c, int db, const struct sarg *key)
{
    struct kentry *e = db_lookup_quiet(c, db, key);
    if (c->st) {
        if (e)
            c->st->keyspace_hits++;
        else
            c->st->keyspace_misses++;
    }
    return e;
}

struct kentry *db_lookup_for_write(struct cmdctx *c, int db, const struct sarg *key)
{
    struct kentry *e = db_lookup_quiet(c, db, key);
    if (e) obj_touch(e->val);
    return e;
}

struct sobj *db_string_for_update(struct cmdctx *c, int db, struct kentry *e, size_t need)
{
    struct sobj *cur = db_begin_write(c, db, e);
    /* obj_string_make_raw frees the old object when it has to move it */
    struct sobj *o = obj_string_make_raw(cur, need);
    if (o) e->val = o;
    return o;
}

struct kentry *db_move(struct cmdctx *c, int db, struct kentry *e, int dstdb,
                       const struct sarg *newkey)
{
    bool samekey = newkey->len == e->klen && memcmp(newkey->p, e->key, e->klen) == 0;
    struct kentry *n = e;
    if (!samekey) {
        n = malloc(sizeof(*n) + newkey->len);
        if (!n) return NULL;
    }
    db_begin_write(c, db, e);
    stream_gone(c->ks, db, e);
    struct kdb *src = &c->ks->shards[e->shard].db[db];
    int64_t expire = e->expire;
    dict_unlink_node(&src->keys, &e->node);
    if (expire >= 0) xindex_remove(&src->xi, e);
    dict_maybe_shrink(&src->keys);
    if (!samekey) {
        n->node.hash = dict_hash(newkey->p, newkey->len);
        n->val = e->val;
        n->klen = (uint32_t)newkey->len;
        n->shard = (uint16_t)db_shard_idx(c, newkey);
        memcpy(n->key, newkey->p, newkey->len);
        free(e);
    }
    n->expire = -1;
    n->xidx = 0;
    struct kdb *dst = db_kdb(c, dstdb, newkey);
    /* the old entry passed the gate above: a snapshot has its before-image,
     * so the moved one counts as written (as a new entry does) */
    snap_created(db_shard(c, newkey), n);
    dict_add(&dst->keys, &n->node);
    /* as db_set_expire: without room in the index the key keeps no TTL */
    if (expire >= 0 && xindex_add(&dst->xi, n) == 0) n->expire = expire;
    struct shard *ds = db_shard(c, newkey);
    ds->version++;
    watch_touch_locked(c->ks, ds, dstdb, n->key, n->klen);
    if (ds->blk) blk_signal_locked(c->ks, ds, dstdb, newkey->p, newkey->len);
    db_written(c, dstdb, n);
    return n;
}

void db_swap(struct keyspace *ks, int a, int b)
{
    if (a == b) return;
    int64_t now = store_mstime();
    for (unsigned i = 0; i < ks->nshards; i++) {
        struct shard *s = &ks->shards[i];
        /* an open snapshot keeps both dbs as they were (the gate's step for
         * every entry that changes db) */
        snap_before_flush(ks, s, a);
        snap_before_flush(ks, s, b);
        /* watched keys of either db that exist on either side (Redis's
         * touchAllWatchedKeysInDb, both ways, before the swap) */
        watch_touch_db_locked(ks, s, a, b, now);
        watch_touch_db_locked(ks, s, b, a, now);
        struct kdb t = s->db[a];
        s->db[a] = s->db[b];
        s->db[b] = t;
        s->version++;
    }
    blk_signal_swapdb_locked(ks, a, b); /* clients blocked in a or b may be served */
}

uint64_t db_flush_shard(struct keyspace *ks, unsigned shard, int db, bool async)
{
    /* Freeing happens inline for now: dictionaries of a shard are bounded
     * by keys/nshards. TODO(lazyfree): hand big ones to the control thread. */
    (void)async;
    struct shard *s = &ks->shards[shard];
    struct kdb *k = &s->db[db];
    snap_before_flush(ks, s, db);            /* the gate's step, for every entry at once */
    blk_signal_db_locked(ks, s, db);         /* group readers of streams going */
    watch_touch_db_locked(ks, s, db, -1, 0); /* watched keys that exist */
    uint64_t n = dict_size(&k->keys);
    struct dict_iter it;
    dict_iter_init(&it, &k->keys);
    struct dnode *nd;
    while ((nd = dict_iter_next(&it))) {
        struct kentry *e = (struct kentry *)nd;
        obj_free(val_mut(e));
        free(e);
    }
    dict_iter_done(&it);
    const struct dict_type *t = k->keys.type;
    dict_release(&k->keys, NULL, NULL);
    dict_init(&k->keys, t);
    xindex_free(&k->xi);
    s->version++;
    return n;
}

/* One shard's share of an active-expiry slice. Each db's expiry index is
 * walked from its cursor in batches of 32 keys; like Redis's adaptive cycle,
 * a db keeps its turn only while more than a quarter of a batch had expired,
 * so keys with distant TTLs cost little and a mass expiry is drained fast.
 * The deadline bounds the whole slice. */
static uint64_t do_expire_sweep(struct keyspace *ks, struct shard *s, int64_t now_ms,
                                int64_t deadline_us, struct wstats *st, struct wlog_buf *log,
                                bool *timeout)
{
    struct cmdctx c = {.ks = ks, .log = log}; /* for the DELs' effects */
    uint64_t expired = 0;
    for (unsigned d = 0; d < ks->ndb; d++) {
        struct kdb *k = &s->db[d];
        for (;;) {
            uint32_t batch = k->xi.n < 32 ? k->xi.n : 32, hit = 0;
            for (uint32_t i = 0; i < batch && k->xi.n; i++) {
                if (k->xi.cursor >= k->xi.n) k->xi.cursor = 0;
                struct kentry *e = k->xi.v[k->xi.cursor];
                if (e->expire <= now_ms) {
                    /* the last element moved into cursor */
                    snap_before_write(ks, s, (int)d, e);
                    expired_effect(&c, (int)d, e);
                    do_unlink_free(ks, k, (int)d, e, true);
                    hit++;
                } else {
                    k->xi.cursor++;
                }
            }
            expired += hit;
            if (st) st->expired_keys += hit;
            if (hit) s->version++;
            if (hit * 4 <= batch || !k->xi.n) break;
            if (store_ustime() > deadline_us) {
                *timeout = true;
                return expired;
            }
        }
    }
    return expired;
}

uint64_t db_active_expire(struct keyspace *ks, unsigned first, unsigned last, int64_t budget_us,
                          struct wstats *st, struct wlog_buf *log)
{
    int64_t start = store_ustime();
    int64_t deadline = start + budget_us;
    int64_t now_ms = start / 1000;
    uint64_t n = 0;
    bool timeout = false;
    for (unsigned i = first; i <= last && !timeout; i++) {
        struct shard *s = &ks->shards[i];
        bool ttls = false, rehash = false;
        for (unsigned d = 0; d < ks->ndb; d++) {
            if (s->db[d].xi.n) ttls = true;
            if (dict_is_rehashing(&s->db[d].keys)) rehash = true;
        }
        if (!ttls && !rehash) continue;
        pthread_mutex_lock(&s->lock);
        /* a dictionary left half-rehashed by a burst of writes finishes
         * here, in bounded steps, instead of waiting for more traffic */
        for (unsigned d = 0; rehash && d < ks->ndb; d++)
            if (dict_is_rehashing(&s->db[d].keys)) dict_rehash_steps(&s->db[d].keys, 64);
        if (ttls) n += do_expire_sweep(ks, s, now_ms, deadline, st, log, &timeout);
        pthread_mutex_unlock(&s->lock);
    }
    if (timeout && st) st->expired_time_cap_reached_count++;
    return n;
}
