/* keyspace.h — the sharded keyspace: slots, shards, logical databases.
 *
 * A key's Redis Cluster hash slot (CRC16-XMODEM of the key, or of its
 * {hash tag}, mod 16384) picks its shard: shards own contiguous slot ranges,
 * shard = slot >> (14 - log2(nshards)). Each shard holds, for each logical
 * database, a dictionary of keys and an expiry index, behind one lock.
 *
 * Locking protocol (two-phase): the worker executing a command locks the
 * shards of all its keys in ascending shard order, executes, then unlocks.
 * Functions named do_* and everything in db.h require the caller to hold the
 * lock of the shard they touch; ks_lock*()/ks_unlock*() are the only lock
 * operations. Commands that span the keyspace take shards one at a time
 * (KEYS, SCAN, DBSIZE, RANDOMKEY) or all of them in order (FLUSHALL, SWAPDB).
 */
#ifndef SS_KEYSPACE_H
#define SS_KEYSPACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "object.h"

#define KS_SLOTS      16384
#define KS_MAX_SHARDS 1024

/* One key. Allocated with its key bytes inline. */
struct kentry {
    struct dnode node; /* in kdb.keys; node.hash = dict_hash(key) */
    /* const: a value to change comes from db_begin_write(), the write gate
     * (db.h); the entry-write path in db.c is the only code that stores
     * here */
    const struct sobj *val;
    int64_t expire; /* absolute Unix time in ms, or -1 */
    uint32_t xidx;  /* position in kdb.xindex when expire >= 0 */
    uint32_t klen;
    /* the last snapshot that wrote it, or that it postdates (snapshot.h);
     * in what was padding before the key, so entries did not grow */
    uint32_t snap_epoch;
    uint16_t shard; /* index of the shard holding it (saves a CRC16) */
    char key[];
};

/* Expiry index: the keys of one kdb that carry a TTL, in a dense array.
 * kentry.xidx is each key's position; removal swaps the last element in, so
 * add/remove are O(1), and the active-expiry sweep walks it with a cursor. */
struct xindex {
    struct kentry **v;
    uint32_t n, cap;
    uint32_t cursor;
};

struct blk_shard;
struct watch_shard;

struct kdb {
    struct dict keys;
    struct xindex xi;
};

struct shard {
    pthread_mutex_t lock;
    unsigned id;
    struct kdb *db;            /* [ndb] */
    uint64_t version;          /* bumped by every write */
    struct blk_shard *blk;     /* blocked clients' waiter table (blocking.c), lazily made */
    struct watch_shard *watch; /* WATCHed keys (watch.c); NULL when nobody watches */
} __attribute__((aligned(64)));

struct keyspace {
    unsigned nshards;
    unsigned shift; /* slot >> shift = shard */
    unsigned ndb;
    struct shard *shards;
};

unsigned ks_keyslot(const char *key, size_t len);
uint16_t ks_crc16(const char *p, size_t len);

static inline unsigned ks_shard_of_slot(const struct keyspace *ks, unsigned slot)
{
    return slot >> ks->shift;
}
static inline unsigned ks_shard_of(const struct keyspace *ks, const char *key, size_t len)
{
    return ks_shard_of_slot(ks, ks_keyslot(key, len));
}

/* nshards: power of two, 1..KS_MAX_SHARDS. 0 or -errno. */
int ks_init(struct keyspace *ks, unsigned nshards, unsigned ndb);
void ks_destroy(struct keyspace *ks);

void ks_lock(struct keyspace *ks, unsigned shard);
void ks_unlock(struct keyspace *ks, unsigned shard);
/* Lock a sorted, duplicate-free list of shards; unlock in reverse. */
void ks_lock_set(struct keyspace *ks, const uint16_t *ids, int n);
void ks_unlock_set(struct keyspace *ks, const uint16_t *ids, int n);
void ks_lock_all(struct keyspace *ks);
void ks_unlock_all(struct keyspace *ks);

/* Expiry index primitives (caller holds the shard lock). */
int xindex_add(struct xindex *xi, struct kentry *e);
void xindex_remove(struct xindex *xi, struct kentry *e);
void xindex_free(struct xindex *xi);

#endif
