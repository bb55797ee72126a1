/* dict.c — the intrusive chained hash table declared in dict.h.
 *
 * What lives here:
 *   - dict_hash(): a seeded 64-bit string hash (our own construction, below);
 *   - the two-table incremental rehash: a grow or shrink allocates tab[1] and
 *     buckets of tab[0] migrate one at a time from lookups, updates and
 *     dict_rehash_steps(), so no single call ever walks a whole table;
 *   - dict_random() (uniform over non-empty buckets, bounded work);
 *   - dict_scan() with the reverse-binary cursor of Redis's SCAN;
 *   - the safe iterator, which pauses rehashing while it lives.
 *
 * Invariants (checked by tests/unit/test_dict.c):
 *   - size[i] is 0 or a power of two; tab[i] is NULL exactly when size[i] is 0.
 *   - Not rehashing: tab[1] == NULL, used[1] == 0, rehashidx == -1.
 *   - Rehashing: every bucket of tab[0] below rehashidx is empty, and a node
 *     lives in tab[0] at hash & (size[0]-1) or in tab[1] at hash & (size[1]-1).
 *   - Nothing moves between tables while iterators > 0 (safe iterators, and
 *     dict_scan() while it calls back).
 *
 * Growth policy: before an add, if used >= size (load factor 1) the table
 * grows to the power of two >= 2*used. dict_maybe_shrink() shrinks to the
 * power of two >= 2*used (at least 4) once used < size/8, so a table that just
 * shrank is at most half full and one add or delete cannot flip it back.
 */
#include "dict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DICT_MIN_SIZE 4
/* Largest table we will try to allocate: keeps size * sizeof(ptr) and the
 * "2 * used" arithmetic far from overflow. */
#define DICT_MAX_SIZE ((uint64_t)1 << 56)
/* dict_rehash_steps(): each requested step may skip this many empty buckets. */
#define DICT_EMPTY_VISITS_PER_STEP 10
/* dict_random(): probes at random buckets before the linear fallback. At the
 * sparsest table owners keep (1/8 full) a probe hits with p ~ 0.12, so 100
 * probes all miss with p ~ 4e-6. */
#define DICT_RANDOM_PROBES 100

/* ------------------------------------------------------------------------ */
/* Hashing.
 *
 * Construction: the state starts as (seed ^ len) * K_LEN. Every 8-byte word w
 * is absorbed as h = mix(h ^ w), where mix() is xorshift-multiply-xorshift-
 * multiply-xorshift. The final 1..8 bytes are absorbed as one more word: keys
 * shorter than 8 bytes are zero-padded; longer keys reread their last 8 bytes
 * (overlapping bytes already absorbed, which is harmless because the length is
 * part of the initial state).
 *
 * Why this shape:
 *   - mix() is a bijection, so for a fixed state h ^ w -> mix(h ^ w) is one
 *     too: two keys of the same length that differ in exactly one word can
 *     never collide. In particular sequential short keys ("key:1", "key:2",
 *     ...) are all distinct over the full 64 bits.
 *   - mix() starts with an xorshift before its first multiply, so no input
 *     difference passes through it with certainty (a bare multiply passes a
 *     flip of bit 63 unchanged, which would let a difference in one word be
 *     cancelled by the next word for every seed).
 *   - The length enters through a multiply with the seed, so keys of
 *     different lengths only collide by seed-dependent accident.
 *   - Each word costs two multiplies; keys are short, so this is a few ns.
 *
 * Not a keyed PRF: like any fast non-cryptographic hash it resists accidental
 * clustering and blind flooding (the seed is secret and random per process),
 * not an attacker who can observe hash values. Values depend on the seed and
 * on host byte order; they are never persisted.
 *
 * Constants are "nothing up my sleeve" numbers: fractional parts of pi
 * (default seed), sqrt(3), sqrt(5), sqrt(7), and the golden ratio.
 */
#define HASH_DEFAULT_SEED 0x243f6a8885a308d3ULL
#define HASH_K_LEN        0x3c6ef372fe94f82bULL
#define HASH_M1           0xbb67ae8584caa73bULL
#define HASH_M2           0xa54ff53a5f1d36f1ULL
#define GOLDEN_GAMMA      0x9e3779b97f4a7c15ULL

static uint64_t hash_seed = HASH_DEFAULT_SEED;

static inline uint64_t mix64(uint64_t v)
{
    v ^= v >> 32;
    v *= HASH_M1;
    v ^= v >> 29;
    v *= HASH_M2;
    v ^= v >> 32;
    return v;
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* The first len (< 8) bytes of p as a zero-padded little-endian word. */
static inline uint64_t load_short(const unsigned char *p, size_t len)
{
    uint64_t v = 0;
    switch (len) {
    case 7: v |= (uint64_t)p[6] << 48; /* fall through */
    case 6: v |= (uint64_t)p[5] << 40; /* fall through */
    case 5: v |= (uint64_t)p[4] << 32; /* fall through */
    case 4: v |= (uint64_t)p[3] << 24; /* fall through */
    case 3: v |= (uint64_t)p[2] << 16; /* fall through */
    case 2: v |= (uint64_t)p[1] << 8;  /* fall through */
    case 1: v |= (uint64_t)p[0];       /* fall through */
    default: break;
    }
    return v;
}

uint64_t dict_hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = (hash_seed ^ (uint64_t)len) * HASH_K_LEN;

    if (len < 8) return mix64(h ^ load_short(p, len)); /* len 0 never reads p */
    const unsigned char *last = p + len - 8;
    while (p < last) {
        h = mix64(h ^ load64(p));
        p += 8;
    }
    return mix64(h ^ load64(last));
}

void dict_hash_seed(uint64_t seed)
{
    hash_seed = seed;
}

/* ------------------------------------------------------------------------ */
/* Tables and incremental rehash. */

static uint64_t pow2_at_least(uint64_t n)
{
    uint64_t s = DICT_MIN_SIZE;
    while (s < n) s <<= 1;
    return s;
}

void dict_init(struct dict *d, const struct dict_type *type)
{
    d->tab[0] = d->tab[1] = NULL;
    d->size[0] = d->size[1] = 0;
    d->used[0] = d->used[1] = 0;
    d->rehashidx = -1;
    d->iterators = 0;
    d->type = type;
}

void dict_release(struct dict *d, void (*fn)(struct dnode *, void *), void *arg)
{
    /* Detach first, so fn sees an empty, valid dict if it looks at it. */
    struct dnode **tab[2] = {d->tab[0], d->tab[1]};
    uint64_t size[2] = {d->size[0], d->size[1]};
    dict_init(d, d->type);

    for (int t = 0; t < 2; t++) {
        if (fn) {
            for (uint64_t i = 0; i < size[t]; i++) {
                struct dnode *n = tab[t][i];
                while (n) {
                    struct dnode *next = n->next; /* fn may free n */
                    fn(n, arg);
                    n = next;
                }
            }
        }
        free(tab[t]);
    }
}

/* Allocate a table of `size` buckets and make it the target of a resize.
 * An empty current table is simply replaced (unless an iterator might be
 * looking at it). Caller ensures we are not already rehashing. */
static int start_resize(struct dict *d, uint64_t size)
{
    if (size > DICT_MAX_SIZE) return -ENOMEM;
    struct dnode **tab = calloc(size, sizeof(*tab));
    if (!tab) return -ENOMEM;

    if (d->size[0] == 0 || (d->used[0] == 0 && d->iterators == 0)) {
        free(d->tab[0]);
        d->tab[0] = tab;
        d->size[0] = size;
        return 0;
    }
    d->tab[1] = tab;
    d->size[1] = size;
    d->used[1] = 0;
    d->rehashidx = 0;
    return 0;
}

static void finish_rehash(struct dict *d)
{
    free(d->tab[0]);
    d->tab[0] = d->tab[1];
    d->size[0] = d->size[1];
    d->used[0] = d->used[1];
    d->tab[1] = NULL;
    d->size[1] = 0;
    d->used[1] = 0;
    d->rehashidx = -1;
}

bool dict_rehash_steps(struct dict *d, unsigned n)
{
    if (!dict_is_rehashing(d)) return false;
    if (d->iterators > 0) return true; /* nodes must stay put */

    uint64_t empty_budget = (uint64_t)n * DICT_EMPTY_VISITS_PER_STEP;
    uint64_t mask1 = d->size[1] - 1;

    while (n-- > 0 && d->used[0] != 0) {
        /* used[0] > 0 means a non-empty bucket exists at or after rehashidx,
         * so this walk stays inside tab[0]. */
        while (d->tab[0][d->rehashidx] == NULL) {
            d->rehashidx++;
            if (--empty_budget == 0) return true;
        }
        struct dnode *node = d->tab[0][d->rehashidx];
        while (node) {
            struct dnode *next = node->next;
            uint64_t idx = node->hash & mask1;
            node->next = d->tab[1][idx];
            d->tab[1][idx] = node;
            d->used[0]--;
            d->used[1]++;
            node = next;
        }
        d->tab[0][d->rehashidx] = NULL;
        d->rehashidx++;
    }
    if (d->used[0] == 0) {
        finish_rehash(d);
        return false;
    }
    return true;
}

/* The one step of rehash work that every lookup and update pays. */
static inline void rehash_tick(struct dict *d)
{
    if (dict_is_rehashing(d) && d->iterators == 0) dict_rehash_steps(d, 1);
}

void dict_maybe_shrink(struct dict *d)
{
    if (dict_is_rehashing(d)) return;
    if (d->size[0] <= DICT_MIN_SIZE || d->used[0] >= d->size[0] / 8) return;
    /* Failure just leaves the table oversized, which is harmless. */
    (void)start_resize(d, pow2_at_least(2 * d->used[0]));
}

int dict_expand(struct dict *d, uint64_t n)
{
    if (dict_is_rehashing(d)) return -EBUSY;
    if (n > DICT_MAX_SIZE) return -ENOMEM;
    uint64_t size = pow2_at_least(n);
    if (size <= d->size[0]) return 0;
    return start_resize(d, size);
}

/* ------------------------------------------------------------------------ */
/* Lookup and update. */

struct dnode *dict_find(struct dict *d, const void *key, size_t len, uint64_t hash)
{
    if (dict_size(d) == 0) return NULL;
    rehash_tick(d);
    for (int t = 0; t < 2; t++) {
        if (d->size[t] != 0) {
            for (struct dnode *n = d->tab[t][hash & (d->size[t] - 1)]; n; n = n->next)
                if (n->hash == hash && d->type->eq(n, key, len)) return n;
        }
        if (!dict_is_rehashing(d)) break;
    }
    return NULL;
}

int dict_add(struct dict *d, struct dnode *n)
{
    int rc = 0;

    rehash_tick(d);
    if (!dict_is_rehashing(d) && d->used[0] >= d->size[0]) {
        uint64_t want = d->size[0] == 0 ? DICT_MIN_SIZE : pow2_at_least(2 * d->used[0]);
        rc = start_resize(d, want);
        /* With no table at all there is nowhere to put n: the only case in
         * which the node is not added (the caller still owns it). */
        if (rc < 0 && d->size[0] == 0) return rc;
    }
    int t = dict_is_rehashing(d) ? 1 : 0;
    uint64_t idx = n->hash & (d->size[t] - 1);
    n->next = d->tab[t][idx];
    d->tab[t][idx] = n;
    d->used[t]++;
    return rc;
}

struct dnode *dict_unlink(struct dict *d, const void *key, size_t len, uint64_t hash)
{
    if (dict_size(d) == 0) return NULL;
    rehash_tick(d);
    for (int t = 0; t < 2; t++) {
        if (d->size[t] != 0) {
            struct dnode **pp = &d->tab[t][hash & (d->size[t] - 1)];
            for (; *pp; pp = &(*pp)->next) {
                struct dnode *n = *pp;
                if (n->hash == hash && d->type->eq(n, key, len)) {
                    *pp = n->next;
                    n->next = NULL;
                    d->used[t]--;
                    return n;
                }
            }
        }
        if (!dict_is_rehashing(d)) break;
    }
    return NULL;
}

bool dict_unlink_node(struct dict *d, struct dnode *target)
{
    if (dict_size(d) == 0) return false;
    rehash_tick(d);
    for (int t = 0; t < 2; t++) {
        if (d->size[t] != 0) {
            struct dnode **pp = &d->tab[t][target->hash & (d->size[t] - 1)];
            for (; *pp; pp = &(*pp)->next) {
                if (*pp == target) {
                    *pp = target->next;
                    target->next = NULL;
                    d->used[t]--;
                    return true;
                }
            }
        }
        if (!dict_is_rehashing(d)) break;
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Random element. */

/* A stream of well-mixed 64-bit values from one caller-supplied value: a Weyl
 * sequence pushed through the hash's mixer. */
static inline uint64_t rnd_next(uint64_t *state)
{
    *state += GOLDEN_GAMMA;
    return mix64(*state);
}

/* Bucket number i of the combined candidate space: while rehashing that is
 * tab[0][rehashidx..size0) followed by tab[1][0..size1), since buckets of
 * tab[0] below rehashidx are known to be empty. */
static inline struct dnode *candidate(const struct dict *d, uint64_t lo0, uint64_t span0,
                                      uint64_t i)
{
    if (i < span0) return d->tab[0][lo0 + i];
    i -= span0;
    return i < d->size[1] ? d->tab[1][i] : NULL;
}

struct dnode *dict_random(struct dict *d, uint64_t rnd)
{
    if (dict_size(d) == 0) return NULL;
    rehash_tick(d);

    uint64_t lo0 = dict_is_rehashing(d) ? (uint64_t)d->rehashidx : 0;
    uint64_t span0 = d->size[0] - lo0;
    uint64_t total = span0 + (dict_is_rehashing(d) ? d->size[1] : 0);
    uint64_t state = rnd;
    struct dnode *bucket = NULL;

    /* Rejection sampling gives a uniform choice among non-empty buckets. The
     * modulo bias of a 64-bit value reduced mod total (<= 2^57) is < 2^-7 per
     * bucket relative, and zero when total is a power of two (not rehashing). */
    for (int probe = 0; probe < DICT_RANDOM_PROBES && !bucket; probe++)
        bucket = candidate(d, lo0, span0, rnd_next(&state) % total);

    /* Very sparse table (owner skipped dict_maybe_shrink): walk from a random
     * start. Terminates because dict_size(d) > 0. Slightly favours buckets
     * that follow long empty runs; acceptable for a fallback. */
    if (!bucket) {
        uint64_t i = rnd_next(&state) % total;
        while (!(bucket = candidate(d, lo0, span0, i))) i = (i + 1 == total) ? 0 : i + 1;
    }

    uint64_t chain = 0;
    for (struct dnode *n = bucket; n; n = n->next) chain++;
    uint64_t pick = chain == 1 ? 0 : rnd_next(&state) % chain;
    while (pick--) bucket = bucket->next;
    return bucket;
}

/* ------------------------------------------------------------------------ */
/* SCAN.
 *
 * The cursor counts buckets in bit-reversed order: with mask 0b111 the visit
 * order is 0,4,2,6,1,5,3,7. When a table of mask m grows to mask M, bucket b
 * splits into the buckets whose low bits equal b, and in reversed order those
 * are consecutive and come exactly where b came; when it shrinks they merge
 * back. So "every bucket before the cursor in reversed order has been
 * visited" survives any resize between calls, which gives the guarantee.
 *
 * While rehashing one call visits bucket (cursor & small mask) of the smaller
 * table and every bucket of the larger table that expands from it, so all
 * the places an element of that group can be in are covered at once, then
 * advances the cursor in the smaller table's terms. */

/* Next cursor after v in bit-reversed order over the bits of mask (2^k - 1);
 * 0 after the last bucket. Reversed increment: the highest clear bit of v
 * within mask is set and all mask bits above it are cleared; bits of v above
 * mask (left over from a larger table) are dropped. */
static inline uint64_t cursor_next(uint64_t v, uint64_t mask)
{
    uint64_t clear = ~v & mask;
    if (clear == 0) return 0;
    uint64_t bit = (uint64_t)1 << (63 - __builtin_clzll(clear));
    return (v & (bit - 1)) | bit;
}

static void scan_bucket(struct dnode *n, dict_scan_fn fn, void *arg)
{
    while (n) {
        struct dnode *next = n->next; /* fn may unlink (and free) n */
        fn(n, arg);
        n = next;
    }
}

uint64_t dict_scan(struct dict *d, uint64_t cursor, dict_scan_fn fn, void *arg)
{
    if (dict_size(d) == 0) return 0;

    /* Pause rehashing so callbacks that unlink nodes cannot move buckets
     * under us. */
    d->iterators++;
    uint64_t next;
    if (!dict_is_rehashing(d)) {
        uint64_t mask = d->size[0] - 1;
        scan_bucket(d->tab[0][cursor & mask], fn, arg);
        next = cursor_next(cursor, mask);
    } else {
        int small = d->size[0] <= d->size[1] ? 0 : 1;
        int large = 1 - small;
        uint64_t smask = d->size[small] - 1;
        uint64_t s = cursor & smask;
        scan_bucket(d->tab[small][s], fn, arg);
        for (uint64_t j = s; j < d->size[large]; j += smask + 1)
            scan_bucket(d->tab[large][j], fn, arg);
        next = cursor_next(cursor, smask);
    }
    d->iterators--;
    return next;
}

/* ------------------------------------------------------------------------ */
/* Safe iterator. */

void dict_iter_init(struct dict_iter *it, struct dict *d)
{
    it->d = d;
    it->table = 0;
    it->index = -1;
    it->cur = NULL;
    it->next = NULL;
    d->iterators++;
}

struct dnode *dict_iter_next(struct dict_iter *it)
{
    struct dict *d = it->d;

    while (!it->next) {
        it->index++;
        if ((uint64_t)it->index >= d->size[it->table]) {
            /* tab[1] exists only while rehashing; a rehash that started
             * during the walk (an add that grew the table) is visited too. */
            if (it->table == 1 || !dict_is_rehashing(d)) {
                it->index = (int64_t)d->size[it->table]; /* stay exhausted */
                it->cur = NULL;
                return NULL;
            }
            it->table = 1;
            it->index = 0;
            if (d->size[1] == 0) continue;
        }
        it->next = d->tab[it->table][it->index];
    }
    it->cur = it->next;
    it->next = it->cur->next; /* precomputed: the caller may unlink cur */
    return it->cur;
}

void dict_iter_done(struct dict_iter *it)
{
    it->d->iterators--;
    it->d = NULL;
}
