/* blocking.c — waiter tables, ready keys and serving blocked clients (see
 * blocking.h for the protocol).
 *
 * Per shard (struct blk_shard, made on the first wait): for each db a dict
 * of waited-for keys (struct blk_key, holding a FIFO of records), and one
 * FIFO of ready keys. A record (struct blk_rec) links one waiter to one key.
 *
 * Worked example: client 7 runs BLPOP a b 0 with a in shard 3, b in shard 9.
 * Shard 3's db-0 table gets key a -> [rec(7)], shard 9's gets b -> [rec(7)].
 * LPUSH b x on another worker creates b (db_add -> blk_signal_locked), so b
 * joins shard 9's ready list; before LPUSH's dispatcher unlocks shard 9 it
 * calls blk_serve_locked: client 7 is WAITING, CAS -> SERVED, x is popped
 * and "*2 $1 b $1 x" is posted to client 7's worker. Its record on a (shard
 * 3, not locked by the pusher) stays until client 7's worker runs
 * blk_client_release(); meanwhile servers of a skip it (not WAITING).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "db.h"
#include "t_stream.h"

struct blk_rec {
    struct blk_rec *next, *prev;
    struct blk_client *bc;
    struct blk_key *bk;
};

struct blk_key {
    struct dnode node; /* in blk_shard.keys[db] */
    struct blk_rec *head, *tail;
    struct blk_key *rnext; /* ready list */
    int db;
    bool ready;
    uint32_t klen;
    char key[];
};

struct blk_shard {
    struct dict *keys; /* [ndb] */
    uint64_t nrecs;    /* records in all dbs */
    struct blk_key *rhead, *rtail;
};

/* A BLMOVE waiting for a destination shard this thread does not hold. */
struct blk_defer {
    struct blk_defer *next;
    int db;
    unsigned shard, extra;
    size_t klen;
    char key[];
};

atomic_uint blk_pending;
static blk_deliver_fn deliver_fn;
static __thread struct blk_defer *defer_head, *defer_tail;

void blk_set_deliver(blk_deliver_fn fn)
{
    deliver_fn = fn;
}

static bool bkey_eq(const struct dnode *n, const void *key, size_t len)
{
    const struct blk_key *k = (const struct blk_key *)n;
    return k->klen == len && memcmp(k->key, key, len) == 0;
}

static const struct dict_type bkey_type = {.eq = bkey_eq};

static struct blk_shard *bshard_get(struct keyspace *ks, struct shard *s)
{
    if (s->blk) return s->blk;
    struct blk_shard *b = calloc(1, sizeof(*b));
    if (!b) return NULL;
    b->keys = calloc(ks->ndb, sizeof(struct dict));
    if (!b->keys) {
        free(b);
        return NULL;
    }
    for (unsigned d = 0; d < ks->ndb; d++) dict_init(&b->keys[d], &bkey_type);
    s->blk = b;
    return b;
}

/* ------------------------------------------------------------------------ */
/* Waiters. */

/* A waiter with `extra` bytes (aligned) after its keys, at *extrap. */
static struct blk_client *client_alloc(int kind, int db, uint8_t resp, const struct sarg *keys,
                                       int nkeys, const struct sarg *dst, int64_t deadline_ms,
                                       size_t extra, void **extrap)
{
    size_t bytes = sizeof(struct blk_client) + (sizeof(struct sarg) + sizeof(void *)) * nkeys;
    for (int i = 0; i < nkeys; i++) bytes += keys[i].len;
    if (dst) bytes += dst->len;
    size_t xoff = (bytes + 15) & ~(size_t)15;
    if (extra) bytes = xoff + extra;
    struct blk_client *bc = calloc(1, bytes);
    if (!bc) return NULL;
    if (extrap) *extrap = (char *)bc + xoff;
    bc->kind = (uint8_t)kind;
    bc->db = db;
    bc->resp = resp;
    bc->deadline_ms = deadline_ms;
    bc->keys = (struct sarg *)(bc + 1);
    bc->recs = (struct blk_rec **)(bc->keys + nkeys);
    char *p = (char *)(bc->recs + nkeys);
    for (int i = 0; i < nkeys; i++) {
        bool dup = false;
        for (int j = 0; j < i && !dup; j++)
            dup = keys[j].len == keys[i].len && memcmp(keys[j].p, keys[i].p, keys[i].len) == 0;
        if (dup) continue;
        memcpy(p, keys[i].p, keys[i].len);
        bc->keys[bc->nkeys].p = p;
        bc->keys[bc->nkeys].len = keys[i].len;
        bc->nkeys++;
        p += keys[i].len;
    }
    if (dst) {
        memcpy(p, dst->p, dst->len);
        bc->dst.p = p;
        bc->dst.len = dst->len;
    }
    atomic_init(&bc->state, BLK_WAITING);
    return bc;
}

struct blk_client *blk_client_new(int kind, int db, uint8_t resp, const struct sarg *keys,
                                  int nkeys, const struct sarg *dst, int64_t deadline_ms)
{
    return client_alloc(kind, db, resp, keys, nkeys, dst, deadline_ms, 0, NULL);
}

struct blk_client *blk_client_new_xread(int db, uint8_t resp, const struct sarg *keys,
                                        const struct sid *ids, int nkeys, const struct sarg *group,
                                        const struct sarg *consumer, int64_t deadline_ms)
{
    size_t extra = sizeof(struct blk_xread) + sizeof(struct sid) * (size_t)nkeys;
    if (group) extra += group->len + consumer->len;
    void *x;
    struct blk_client *bc =
        client_alloc(BLK_XREAD, db, resp, keys, nkeys, NULL, deadline_ms, extra, &x);
    if (!bc) return NULL;
    struct blk_xread *xr = x;
    xr->ids = (struct sid *)(xr + 1);
    /* keys were deduplicated keeping first occurrences: so are the IDs */
    for (int d = 0; d < bc->nkeys; d++) {
        for (int i = 0; i < nkeys; i++) {
            if (keys[i].len == bc->keys[d].len &&
                memcmp(keys[i].p, bc->keys[d].p, keys[i].len) == 0) {
                xr->ids[d] = ids[i];
                break;
            }
        }
    }
    if (group) {
        char *p = (char *)(xr->ids + nkeys);
        memcpy(p, group->p, group->len);
        xr->group = (struct sarg){p, group->len};
        p += group->len;
        memcpy(p, consumer->p, consumer->len);
        xr->consumer = (struct sarg){p, consumer->len};
    }
    bc->xr = xr;
    return bc;
}

/* Unlink one record; drop its key when nobody else waits and it is not on
 * the ready list (the serve loop drops ready ones). */
static void rec_unlink_locked(struct blk_shard *b, struct blk_rec *r)
{
    struct blk_key *bk = r->bk;
    if (r->prev)
        r->prev->next = r->next;
    else
        bk->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        bk->tail = r->prev;
    b->nrecs--;
    free(r);
    if (!bk->head && !bk->ready) {
        dict_unlink_node(&b->keys[bk->db], &bk->node);
        dict_maybe_shrink(&b->keys[bk->db]);
        free(bk);
    }
}

int blk_wait_locked(struct keyspace *ks, struct blk_client *bc)
{
    for (int i = 0; i < bc->nkeys; i++) {
        const struct sarg *k = &bc->keys[i];
        struct shard *s = &ks->shards[ks_shard_of(ks, k->p, k->len)];
        struct blk_shard *b = bshard_get(ks, s);
        struct blk_rec *r = b ? malloc(sizeof(*r)) : NULL;
        if (!r) goto fail;
        uint64_t h = dict_hash(k->p, k->len);
        struct blk_key *bk = (struct blk_key *)dict_find(&b->keys[bc->db], k->p, k->len, h);
        if (!bk) {
            bk = calloc(1, sizeof(*bk) + k->len);
            if (!bk) {
                free(r);
                goto fail;
            }
            bk->node.hash = h;
            bk->db = bc->db;
            bk->klen = (uint32_t)k->len;
            memcpy(bk->key, k->p, k->len);
            dict_add(&b->keys[bc->db], &bk->node);
        }
        r->bc = bc;
        r->bk = bk;
        r->next = NULL;
        r->prev = bk->tail;
        if (bk->tail)
            bk->tail->next = r;
        else
            bk->head = r;
        bk->tail = r;
        b->nrecs++;
        bc->recs[i] = r;
    }
    return 0;
fail:
    for (int i = 0; i < bc->nkeys; i++) {
        if (!bc->recs[i]) continue;
        const struct sarg *k = &bc->keys[i];
        rec_unlink_locked(ks->shards[ks_shard_of(ks, k->p, k->len)].blk, bc->recs[i]);
        bc->recs[i] = NULL;
    }
    return -ENOMEM;
}

void blk_client_release(struct keyspace *ks, struct blk_client *bc)
{
    for (int i = 0; i < bc->nkeys; i++) {
        if (!bc->recs[i]) continue;
        const struct sarg *k = &bc->keys[i];
        unsigned id = ks_shard_of(ks, k->p, k->len);
        ks_lock(ks, id);
        rec_unlink_locked(ks->shards[id].blk, bc->recs[i]);
        ks_unlock(ks, id);
    }
    free(bc);
}

uint64_t blk_waiting_records(struct keyspace *ks)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < ks->nshards; i++) {
        ks_lock(ks, i);
        if (ks->shards[i].blk) n += ks->shards[i].blk->nrecs;
        ks_unlock(ks, i);
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Ready keys. */

static void mark_ready(struct blk_shard *b, struct blk_key *bk)
{
    if (bk->ready) return;
    bk->ready = true;
    bk->rnext = NULL;
    if (b->rtail)
        b->rtail->rnext = bk;
    else
        b->rhead = bk;
    b->rtail = bk;
    atomic_fetch_add_explicit(&blk_pending, 1, memory_order_relaxed);
}

void blk_signal_locked(struct keyspace *ks, struct shard *s, int db, const char *key, size_t len)
{
    (void)ks;
    struct blk_shard *b = s->blk;
    if (!b || !b->nrecs) return;
    struct blk_key *bk = (struct blk_key *)dict_find(&b->keys[db], key, len, dict_hash(key, len));
    if (bk) mark_ready(b, bk);
}

void blk_signal_db_locked(struct keyspace *ks, struct shard *s, int db)
{
    (void)ks;
    if (!s->blk || !s->blk->nrecs) return;
    struct dict_iter it;
    dict_iter_init(&it, &s->blk->keys[db]);
    struct dnode *n;
    while ((n = dict_iter_next(&it))) mark_ready(s->blk, (struct blk_key *)n);
    dict_iter_done(&it);
}

void blk_signal_swapdb_locked(struct keyspace *ks, int a, int b)
{
    /* every waited key: one that appeared may serve a pop, one that went
     * (a stream) unblocks its group readers; the others find nothing */
    for (unsigned i = 0; i < ks->nshards; i++) {
        blk_signal_db_locked(ks, &ks->shards[i], a);
        if (b != a) blk_signal_db_locked(ks, &ks->shards[i], b);
    }
}

bool blk_has_ready(const struct shard *s)
{
    return s->blk && s->blk->rhead;
}

/* ------------------------------------------------------------------------ */
/* Serving. */

static char *reply_flatten(struct reply *r, size_t *len)
{
    char *buf = malloc(r->pending ? r->pending : 1);
    size_t n = 0;
    if (buf)
        for (struct rchunk *c = r->head; c; c = c->next) {
            memcpy(buf + n, c->data + c->sent, c->len - c->sent);
            n += c->len - c->sent;
        }
    *len = n;
    return buf;
}

static bool held_has(const uint16_t *held, int nheld, unsigned id)
{
    for (int i = 0; i < nheld; i++)
        if (held[i] == id) return true;
    return false;
}

static void defer_move(int db, unsigned shard, unsigned extra, const struct blk_key *bk)
{
    struct blk_defer *d = malloc(sizeof(*d) + bk->klen);
    if (!d) return; /* the waiter stays blocked; a later push serves it */
    d->next = NULL;
    d->db = db;
    d->shard = shard;
    d->extra = extra;
    d->klen = bk->klen;
    memcpy(d->key, bk->key, bk->klen);
    if (defer_tail)
        defer_tail->next = d;
    else
        defer_head = d;
    defer_tail = d;
}

static bool kind_wants(int kind, int type)
{
    if (kind == BLK_ZPOP || kind == BLK_ZMPOP) return type == OBJ_ZSET;
    return type == OBJ_LIST;
}

/* Serve the waiters of one key in FIFO order while it has elements. */
static void serve_key(struct keyspace *ks, struct shard *s, struct blk_key *bk,
                      const uint16_t *held, int nheld, int64_t now_ms, struct wstats *st,
                      struct wlog_buf *log)
{
    struct sarg key = {.p = bk->key, .len = bk->klen};
    for (struct blk_rec *r = bk->head, *next; r; r = next) {
        next = r->next;
        struct blk_client *bc = r->bc;
        if (atomic_load(&bc->state) != BLK_WAITING) continue;
        struct cmdctx c = {.argc = 0,
                           .ks = ks,
                           .db = bk->db,
                           .now_ms = now_ms,
                           .st = st,
                           .no_block = true,
                           .log = log};
        struct kentry *e = db_lookup_quiet(&c, bk->db, &key);
        int ki = -1;
        if (bc->kind == BLK_XREAD) {
            /* stream readers: an entry after theirs, or the key or group gone */
            for (ki = 0; ki < bc->nkeys && bc->recs[ki] != r; ki++) {
            }
            if (!stream_blk_servable(e ? e->val : NULL, bc, ki)) continue;
        } else if (!e || !kind_wants(bc->kind, e->val->type)) {
            continue;
        }
        if (bc->kind == BLK_MOVE) {
            unsigned dsh = ks_shard_of(ks, bc->dst.p, bc->dst.len);
            if (!held_has(held, nheld, dsh)) {
                defer_move(bk->db, s->id, dsh, bk);
                break;
            }
        }
        if (!blk_claim(bc, BLK_SERVED)) continue;
        struct reply rep;
        reply_init(&rep);
        rep.resp = bc->resp;
        c.r = &rep;
        /* each served client's pop is a unit of its own, after the push's
         * (the server committed its unit before serving) */
        cmd_unit_begin(&c);
        if (bc->kind == BLK_XREAD)
            stream_blk_serve(&c, bc, ki, &key);
        else if (bc->kind == BLK_ZPOP || bc->kind == BLK_ZMPOP)
            zset_blk_serve(&c, bc, &key);
        else
            list_blk_serve(&c, bc, &key);
        uint64_t seq = cmd_unit_end(&c);
        if (st) st->dirty += c.dirty;
        size_t len;
        char *bytes = reply_flatten(&rep, &len);
        reply_release(&rep);
        deliver_fn(bc, bytes, len, seq);
    }
}

/* Take the ready keys of one held shard until none is left. */
static void serve_shard(struct keyspace *ks, struct shard *s, const uint16_t *held, int nheld,
                        int64_t now_ms, struct wstats *st, struct wlog_buf *log)
{
    struct blk_shard *b = s->blk;
    while (b->rhead) {
        struct blk_key *bk = b->rhead;
        b->rhead = bk->rnext;
        if (!b->rhead) b->rtail = NULL;
        bk->ready = false;
        atomic_fetch_sub_explicit(&blk_pending, 1, memory_order_relaxed);
        serve_key(ks, s, bk, held, nheld, now_ms, st, log);
        if (!bk->head && !bk->ready) {
            dict_unlink_node(&b->keys[bk->db], &bk->node);
            free(bk);
        }
    }
}

void blk_serve_locked(struct keyspace *ks, const uint16_t *held, int nheld, int64_t now_ms,
                      struct wstats *st, struct wlog_buf *log)
{
    /* serving a move may make a key of another held shard ready: loop */
    bool again = true;
    while (again) {
        again = false;
        for (int i = 0; i < nheld; i++) {
            struct shard *s = &ks->shards[held[i]];
            if (!blk_has_ready(s)) continue;
            serve_shard(ks, s, held, nheld, now_ms, st, log);
            again = true;
        }
    }
}

bool blk_deferred_pending(void)
{
    return defer_head || atomic_load_explicit(&blk_pending, memory_order_relaxed);
}

void blk_serve_deferred(struct keyspace *ks, struct wstats *st, struct wlog_buf *log)
{
    while (defer_head) {
        struct blk_defer *d = defer_head;
        defer_head = d->next;
        if (!defer_head) defer_tail = NULL;
        uint16_t ids[2] = {(uint16_t)d->shard, (uint16_t)d->extra};
        if (ids[0] > ids[1]) {
            ids[0] = (uint16_t)d->extra;
            ids[1] = (uint16_t)d->shard;
        }
        int n = ids[0] == ids[1] ? 1 : 2;
        ks_lock_set(ks, ids, n);
        struct shard *s = &ks->shards[d->shard];
        struct blk_key *bk = s->blk
                                 ? (struct blk_key *)dict_find(&s->blk->keys[d->db], d->key,
                                                               d->klen, dict_hash(d->key, d->klen))
                                 : NULL;
        /* re-check: mark it ready again and serve with both shards held */
        if (bk) mark_ready(s->blk, bk);
        blk_serve_locked(ks, ids, n, store_mstime(), st, log);
        ks_unlock_set(ks, ids, n);
        free(d);
    }
    /* orphaned ready keys (a path that did not serve before unlocking) */
    if (!atomic_load_explicit(&blk_pending, memory_order_relaxed)) return;
    for (unsigned i = 0; i < ks->nshards; i++) {
        struct shard *s = &ks->shards[i];
        if (!__atomic_load_n(&s->blk, __ATOMIC_RELAXED)) continue;
        ks_lock(ks, i);
        if (blk_has_ready(s)) {
            uint16_t id = (uint16_t)i;
            blk_serve_locked(ks, &id, 1, store_mstime(), st, log);
        }
        ks_unlock(ks, i);
        if (defer_head) blk_serve_deferred(ks, st, log);
    }
}

/* ------------------------------------------------------------------------ */

bool blk_parse_timeout(struct cmdctx *c, const struct sarg *a, int64_t *deadline_ms)
{
    long double ft;
    if (!arg_double(a, &ft)) {
        reply_errs(c->r, SERR_TIMEOUT_INVALID);
        return false;
    }
    /* Redis rounds up: 0.0001 s waits 1 ms rather than forever (0) */
    long double ms = ceill(ft * 1000.0L);
    /* (long long) of an out-of-range value is LLONG_MIN on x86, which
     * Redis then reports as negative */
    long long tval = (ms >= 9.2e18L || ms <= -9.2e18L || isnan(ms)) ? LLONG_MIN : (long long)ms;
    if (tval < 0) {
        reply_errs(c->r, SERR_TIMEOUT_NEG);
        return false;
    }
    if (tval > 0) {
        if (tval > LLONG_MAX - c->now_ms) {
            reply_error(c->r, "ERR timeout is out of range");
            return false;
        }
        tval += c->now_ms;
    }
    *deadline_ms = tval;
    return true;
}
