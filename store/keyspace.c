/* keyspace.c — hash slots, shards, their locks and the expiry index. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keyspace.h"

/* CRC16-XMODEM (poly 0x1021, init 0, no reflection), as Redis Cluster uses
 * for key slots. The table is computed once at first use. */
static uint16_t crc16_tab[256];
static pthread_once_t crc16_once = PTHREAD_ONCE_INIT;

static void crc16_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t c = (uint16_t)(i << 8);
        for (int b = 0; b < 8; b++) c = (uint16_t)((c & 0x8000) ? (c << 1) ^ 0x1021 : c << 1);
        crc16_tab[i] = c;
    }
}

uint16_t ks_crc16(const char *p, size_t len)
{
    pthread_once(&crc16_once, crc16_init);
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++)
        crc = (uint16_t)((crc << 8) ^ crc16_tab[((crc >> 8) ^ (uint8_t)p[i]) & 0xff]);
    return crc;
}

/* Hash tags: if the key has a '{' followed later by a '}' with at least one
 * byte between them, only those bytes are hashed. */
unsigned ks_keyslot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t rest = len - (size_t)(open - key) - 1;
        const char *close = memchr(open + 1, '}', rest);
        if (close && close != open + 1)
            return ks_crc16(open + 1, (size_t)(close - open - 1)) & (KS_SLOTS - 1);
    }
    return ks_crc16(key, len) & (KS_SLOTS - 1);
}

static bool kentry_eq(const struct dnode *n, const void *key, size_t len)
{
    const struct kentry *e = (const struct kentry *)n;
    return e->klen == len && memcmp(e->key, key, len) == 0;
}

static const struct dict_type kentry_dict_type = {.eq = kentry_eq};

int ks_init(struct keyspace *ks, unsigned nshards, unsigned ndb)
{
    if (nshards == 0 || nshards > KS_MAX_SHARDS || (nshards & (nshards - 1))) return -EINVAL;
    if (ndb == 0) return -EINVAL;
    memset(ks, 0, sizeof(*ks));
    ks->nshards = nshards;
    ks->ndb = ndb;
    unsigned bits = 0;
    while ((1u << bits) < nshards) bits++;
    ks->shift = 14 - bits;
    ks->shards = aligned_alloc(64, sizeof(struct shard) * nshards);
    if (!ks->shards) return -ENOMEM;
    memset(ks->shards, 0, sizeof(struct shard) * nshards);
    for (unsigned i = 0; i < nshards; i++) {
        struct shard *s = &ks->shards[i];
        pthread_mutexattr_t a;
        pthread_mutexattr_init(&a);
        pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
        pthread_mutex_init(&s->lock, &a);
        pthread_mutexattr_destroy(&a);
        s->id = i;
        s->db = calloc(ndb, sizeof(struct kdb));
        if (!s->db) return -ENOMEM;
        for (unsigned d = 0; d < ndb; d++) dict_init(&s->db[d].keys, &kentry_dict_type);
    }
    return 0;
}

static void free_kentry(struct dnode *n, void *arg)
{
    struct kentry *e = (struct kentry *)n;
    obj_free((struct sobj *)e->val); /* the keyspace goes: no gate */
    free(e);
}

void ks_destroy(struct keyspace *ks)
{
    if (!ks->shards) return;
    for (unsigned i = 0; i < ks->nshards; i++) {
        struct shard *s = &ks->shards[i];
        for (unsigned d = 0; s->db && d < ks->ndb; d++) {
            dict_release(&s->db[d].keys, free_kentry, NULL);
            xindex_free(&s->db[d].xi);
        }
        free(s->db);
        pthread_mutex_destroy(&s->lock);
    }
    free(ks->shards);
    ks->shards = NULL;
}

void ks_lock(struct keyspace *ks, unsigned shard)
{
    pthread_mutex_lock(&ks->shards[shard].lock);
}

void ks_unlock(struct keyspace *ks, unsigned shard)
{
    pthread_mutex_unlock(&ks->shards[shard].lock);
}

void ks_lock_set(struct keyspace *ks, const uint16_t *ids, int n)
{
    for (int i = 0; i < n; i++) pthread_mutex_lock(&ks->shards[ids[i]].lock);
}

void ks_unlock_set(struct keyspace *ks, const uint16_t *ids, int n)
{
    for (int i = n - 1; i >= 0; i--) pthread_mutex_unlock(&ks->shards[ids[i]].lock);
}

void ks_lock_all(struct keyspace *ks)
{
    for (unsigned i = 0; i < ks->nshards; i++) pthread_mutex_lock(&ks->shards[i].lock);
}

void ks_unlock_all(struct keyspace *ks)
{
    for (unsigned i = ks->nshards; i-- > 0;) pthread_mutex_unlock(&ks->shards[i].lock);
}

int xindex_add(struct xindex *xi, struct kentry *e)
{
    if (xi->n == xi->cap) {
        uint32_t cap = xi->cap ? xi->cap * 2 : 16;
        struct kentry **v = realloc(xi->v, sizeof(*v) * cap);
        if (!v) return -ENOMEM;
        xi->v = v;
        xi->cap = cap;
    }
    e->xidx = xi->n;
    xi->v[xi->n++] = e;
    return 0;
}

void xindex_remove(struct xindex *xi, struct kentry *e)
{
    uint32_t i = e->xidx;
    struct kentry *last = xi->v[--xi->n];
    xi->v[i] = last;
    last->xidx = i;
    /* keep the sweep cursor from skipping the element moved into a slot it
     * already passed: moving "last" behind the cursor would hide it for one
     * round only, which is harmless; nothing to fix up. */
    if (xi->n < xi->cap / 4 && xi->cap > 64) {
        uint32_t cap = xi->cap / 2;
        struct kentry **v = realloc(xi->v, sizeof(*v) * cap);
        if (v) {
            xi->v = v;
            xi->cap = cap;
        }
    }
}

void xindex_free(struct xindex *xi)
{
    free(xi->v);
    memset(xi, 0, sizeof(*xi));
}
