/* dict.h — intrusive chained hash table with incremental rehashing.
 *
 * Every dictionary in the store (the keyspace of a shard, the expiry index,
 * hash/set/zset values once they outgrow their compact encodings) is a
 * `struct dict`. Nodes are intrusive: the caller embeds `struct dnode` as the
 * first member of its own entry and keeps the key bytes wherever it likes; the
 * dict only needs the cached 64-bit hash and an equality callback.
 *
 * Resizing never stalls: when the load factor reaches 1 a table of twice the
 * size is allocated and buckets migrate a few at a time, on every lookup and
 * update and from dict_rehash_steps() which the owner calls from its time
 * slices. While two tables exist, lookups search both; inserts go to the new
 * one. The table shrinks (again incrementally) when it is less than 1/8 full.
 *
 * SCAN guarantee (Redis's): dict_scan() uses a reverse-binary cursor, so an
 * element present for the whole iteration is returned at least once across
 * grows and shrinks, and the cursor is 0 again exactly when the walk is done.
 *
 * Not thread-safe: the owner (a shard, under its lock) serializes access.
 */
#ifndef SS_DICT_H
#define SS_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dnode {
    struct dnode *next;
    uint64_t hash;
};

struct dict_type {
    /* true when node n has exactly this key */
    bool (*eq)(const struct dnode *n, const void *key, size_t len);
};

struct dict {
    struct dnode **tab[2];
    uint64_t size[2]; /* buckets, power of two, 0 when absent */
    uint64_t used[2];
    int64_t rehashidx;  /* next bucket of tab[0] to migrate; -1 when idle */
    uint32_t iterators; /* safe iterators alive: rehashing paused */
    const struct dict_type *type;
};

/* Seeded 64-bit hash of a byte string (the process picks the seed at start). */
uint64_t dict_hash(const void *key, size_t len);
void dict_hash_seed(uint64_t seed);

void dict_init(struct dict *d, const struct dict_type *type);
/* Release the tables; fn (if not NULL) is called once per node first. */
void dict_release(struct dict *d, void (*fn)(struct dnode *, void *), void *arg);

static inline uint64_t dict_size(const struct dict *d)
{
    return d->used[0] + d->used[1];
}
static inline bool dict_is_rehashing(const struct dict *d)
{
    return d->rehashidx >= 0;
}

/* Lookup by key; hash must be dict_hash(key, len). NULL when absent. */
struct dnode *dict_find(struct dict *d, const void *key, size_t len, uint64_t hash);
/* Add a node whose key is not present; n->hash must already be set.
 * Returns 0, or -ENOMEM if a needed table could not be allocated (the node
 * is then still added, to the current table: the dict never loses data). */
int dict_add(struct dict *d, struct dnode *n);
/* Remove the node with this key and return it (not freed); NULL if absent. */
struct dnode *dict_unlink(struct dict *d, const void *key, size_t len, uint64_t hash);
/* Remove this exact node (found by its cached hash and pointer identity). */
bool dict_unlink_node(struct dict *d, struct dnode *n);

/* Migrate up to n buckets (empty buckets visited count a tenth each).
 * Returns true while more rehashing remains. */
bool dict_rehash_steps(struct dict *d, unsigned n);
/* Start a shrink if the table is oversized (called by owners after deletes). */
void dict_maybe_shrink(struct dict *d);
/* Pre-size for an expected number of elements (used by loaders). */
int dict_expand(struct dict *d, uint64_t n);

/* A uniformly-chosen bucket's random node; rnd is a random 64-bit value.
 * NULL only when the dict is empty. */
struct dnode *dict_random(struct dict *d, uint64_t rnd);

/* One SCAN step: calls fn for every node of the bucket(s) at cursor and
 * returns the next cursor (0 when the walk is complete). */
typedef void (*dict_scan_fn)(struct dnode *n, void *arg);
uint64_t dict_scan(struct dict *d, uint64_t cursor, dict_scan_fn fn, void *arg);

/* Safe iterator: rehashing is paused while it lives, and the node it just
 * returned may be unlinked (and freed) by the caller before the next call. */
struct dict_iter {
    struct dict *d;
    int table;
    int64_t index;
    struct dnode *cur, *next;
};
void dict_iter_init(struct dict_iter *it, struct dict *d);
struct dnode *dict_iter_next(struct dict_iter *it);
void dict_iter_done(struct dict_iter *it);

#endif
