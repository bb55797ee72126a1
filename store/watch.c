/* watch.c — the watch tables of WATCH (see watch.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "watch.h"

/* One watched key name in a shard: the records of every client and db. */
struct watch_key {
    struct dnode node; /* in watch_shard.keys; node.hash = dict_hash(key) */
    struct watch_rec *head;
    uint32_t klen;
    char key[];
};

struct watch_rec {
    struct watch_key *wk;
    struct watch_client *wc;
    struct watch_rec *knext, *kprev; /* the key's records */
    struct watch_rec *cnext;         /* the client's records */
    uint16_t shard;
    int db;
    bool expired; /* existed but had expired when watched (watch.h) */
};

struct watch_shard {
    struct dict keys;
    uint64_t nrecs;
};

static bool wkey_eq(const struct dnode *n, const void *key, size_t len)
{
    const struct watch_key *k = (const struct watch_key *)n;
    return k->klen == len && memcmp(k->key, key, len) == 0;
}

static const struct dict_type wkey_type = {.eq = wkey_eq};

/* The entry of key in db, expired or not (no lazy expiry: WATCH and the
 * checks below look without deleting, as Redis's keyIsExpired). */
static const struct kentry *do_peek(struct shard *s, int db, const char *key, size_t len)
{
    return (const struct kentry *)dict_find(&s->db[db].keys, key, len, dict_hash(key, len));
}

static bool is_expired(const struct kentry *e, int64_t now_ms)
{
    return e && e->expire >= 0 && e->expire <= now_ms;
}

int watch_add_locked(struct keyspace *ks, struct watch_client *wc, int db, const char *key,
                     size_t len, int64_t now_ms)
{
    unsigned si = ks_shard_of(ks, key, len);
    struct shard *s = &ks->shards[si];
    for (struct watch_rec *r = wc->recs; r; r = r->cnext)
        if (r->shard == si && r->db == db && wkey_eq(&r->wk->node, key, len)) return 0;
    if (!s->watch) {
        struct watch_shard *t = calloc(1, sizeof(*t));
        if (!t) return -ENOMEM;
        dict_init(&t->keys, &wkey_type);
        s->watch = t;
    }
    struct watch_shard *t = s->watch;
    struct watch_rec *r = calloc(1, sizeof(*r));
    if (!r) goto oom;
    uint64_t h = dict_hash(key, len);
    struct watch_key *wk = (struct watch_key *)dict_find(&t->keys, key, len, h);
    if (!wk) {
        wk = malloc(sizeof(*wk) + len);
        if (!wk) {
            free(r);
            goto oom;
        }
        wk->node.hash = h;
        wk->head = NULL;
        wk->klen = (uint32_t)len;
        memcpy(wk->key, key, len);
        dict_add(&t->keys, &wk->node);
    }
    r->wk = wk;
    r->wc = wc;
    r->shard = (uint16_t)si;
    r->db = db;
    r->expired = is_expired(do_peek(s, db, key, len), now_ms);
    r->knext = wk->head;
    if (wk->head) wk->head->kprev = r;
    wk->head = r;
    r->cnext = wc->recs;
    wc->recs = r;
    wc->n++;
    t->nrecs++;
    return 0;
oom:
    if (t->nrecs == 0) {
        dict_release(&t->keys, NULL, NULL);
        free(t);
        s->watch = NULL;
    }
    return -ENOMEM;
}

void watch_touch_slow(struct keyspace *ks, struct shard *s, int db, const char *key, size_t len)
{
    (void)ks;
    struct watch_key *wk =
        (struct watch_key *)dict_find(&s->watch->keys, key, len, dict_hash(key, len));
    if (!wk) return;
    for (struct watch_rec *r = wk->head; r; r = r->knext) {
        if (r->db != db) continue;
        if (r->expired) {
            /* the stale key's deletion is no logical change */
            if (!do_peek(s, db, key, len)) {
                r->expired = false;
                continue;
            }
        }
        atomic_store_explicit(&r->wc->dirty, true, memory_order_relaxed);
    }
}

void watch_touch_db_locked(struct keyspace *ks, struct shard *s, int emptied, int replaced_with,
                           int64_t now_ms)
{
    (void)ks;
    struct watch_shard *t = s->watch;
    if (!t) return;
    struct dict_iter it;
    dict_iter_init(&it, &t->keys);
    struct dnode *nd;
    while ((nd = dict_iter_next(&it))) {
        struct watch_key *wk = (struct watch_key *)nd;
        bool in_emptied = do_peek(s, emptied, wk->key, wk->klen) != NULL;
        const struct kentry *repl =
            replaced_with >= 0 ? do_peek(s, replaced_with, wk->key, wk->klen) : NULL;
        if (!in_emptied && !repl) continue;
        for (struct watch_rec *r = wk->head; r; r = r->knext) {
            if (r->db != emptied) continue;
            if (r->expired) {
                if (!repl) {
                    r->expired = false; /* the stale key is gone: no change */
                    continue;
                }
                if (is_expired(repl, now_ms)) continue; /* still stale */
            } else if (!in_emptied && is_expired(repl, now_ms)) {
                r->expired = true; /* a missing key replaced by a stale one */
                continue;
            }
            atomic_store_explicit(&r->wc->dirty, true, memory_order_relaxed);
        }
    }
    dict_iter_done(&it);
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int watch_shards(const struct watch_client *wc, uint16_t *ids, int max)
{
    int n = 0;
    for (const struct watch_rec *r = wc->recs; r; r = r->cnext) {
        bool seen = false;
        for (int i = 0; i < n && !seen; i++) seen = ids[i] == r->shard;
        if (!seen && n < max) ids[n++] = r->shard;
    }
    qsort(ids, (size_t)n, sizeof(ids[0]), cmp_u16);
    return n;
}

bool watch_expired_locked(struct keyspace *ks, const struct watch_client *wc, int64_t now_ms)
{
    for (const struct watch_rec *r = wc->recs; r; r = r->cnext) {
        if (r->expired) continue;
        if (is_expired(do_peek(&ks->shards[r->shard], r->db, r->wk->key, r->wk->klen), now_ms))
            return true;
    }
    return false;
}

/* Unlink and free one record (its shard is locked). */
static void do_rec_free(struct keyspace *ks, struct watch_rec *r)
{
    struct shard *s = &ks->shards[r->shard];
    struct watch_shard *t = s->watch;
    struct watch_key *wk = r->wk;
    if (r->kprev)
        r->kprev->knext = r->knext;
    else
        wk->head = r->knext;
    if (r->knext) r->knext->kprev = r->kprev;
    if (!wk->head) {
        dict_unlink_node(&t->keys, &wk->node);
        free(wk);
        dict_maybe_shrink(&t->keys);
    }
    free(r);
    if (--t->nrecs == 0) {
        dict_release(&t->keys, NULL, NULL);
        free(t);
        s->watch = NULL; /* writes to this shard stop looking */
    }
}

void watch_release_locked(struct keyspace *ks, struct watch_client *wc)
{
    struct watch_rec *r = wc->recs;
    while (r) {
        struct watch_rec *next = r->cnext;
        do_rec_free(ks, r);
        r = next;
    }
    wc->recs = NULL;
    wc->n = 0;
    atomic_store(&wc->dirty, false);
}

void watch_release(struct keyspace *ks, struct watch_client *wc)
{
    while (wc->recs) {
        unsigned si = wc->recs->shard;
        ks_lock(ks, si);
        struct watch_rec **pp = &wc->recs;
        while (*pp) {
            struct watch_rec *r = *pp;
            if (r->shard == si) {
                *pp = r->cnext;
                do_rec_free(ks, r);
                wc->n--;
            } else {
                pp = &r->cnext;
            }
        }
        ks_unlock(ks, si);
    }
    wc->n = 0;
    atomic_store(&wc->dirty, false);
}
