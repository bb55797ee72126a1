/* watch.h — WATCH: which clients watch which keys, and marking them dirty
 * when a watched key changes (Redis's touchWatchedKey, exact per key).
 *
 * Every shard has, lazily made, a watch table: key name -> list of records,
 * one record per (client, db, key). A client's records are also chained in
 * its own `struct watch_client` (embedded in the app's session), so the
 * owner can find and drop them. The table is read and changed only under
 * the shard's lock:
 *
 *   - the write path (db.c) calls watch_touch_locked() for every key it
 *     creates, changes or deletes (including lazy and active expiry) and
 *     watch_touch_db_locked() before FLUSHDB/FLUSHALL/SWAPDB change a whole
 *     db; a touched record sets its client's `dirty` flag, an atomic because
 *     the client may be served by another worker;
 *   - only the owner adds and removes its records (WATCH, then UNWATCH,
 *     EXEC, DISCARD, RESET or disconnect), holding the record's shard lock.
 *     A toucher never frees anything, so a record reached under the shard
 *     lock is always alive.
 *
 * Redis 7.0's stale-key rule: a key that exists but has already expired
 * when it is watched is flagged `expired`; its deletion (lazy or active
 * expiry, a flush) is then no logical change and does not dirty the client.
 * At EXEC, a watched key that was alive at WATCH time and has expired since
 * makes EXEC fail even if nobody deleted it yet (watch_expired_locked).
 *
 * Locks: *_locked functions need the lock of the shard(s) they touch.
 */
#ifndef SS_WATCH_H
#define SS_WATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "keyspace.h"

struct watch_rec;

struct watch_client {
    atomic_bool dirty;      /* a watched key was touched (Redis's DIRTY_CAS) */
    struct watch_rec *recs; /* owner only */
    unsigned n;             /* records */
};

/* Watch key in db (caller holds the key's shard lock). Watching a key twice
 * is a no-op. 0, or -ENOMEM. */
int watch_add_locked(struct keyspace *ks, struct watch_client *wc, int db, const char *key,
                     size_t len, int64_t now_ms);

/* The write path: key of shard s, db, was created, changed or deleted. */
void watch_touch_slow(struct keyspace *ks, struct shard *s, int db, const char *key, size_t len);
static inline void watch_touch_locked(struct keyspace *ks, struct shard *s, int db, const char *key,
                                      size_t len)
{
    if (s->watch) watch_touch_slow(ks, s, db, key, len);
}

/* Db `emptied` of shard s is about to be emptied (replaced_with < 0) or
 * swapped with db replaced_with (SWAPDB calls this for both directions
 * before swapping): touch its watched keys that exist in either db, with
 * Redis 7.0's stale-key rules (touchAllWatchedKeysInDb). */
void watch_touch_db_locked(struct keyspace *ks, struct shard *s, int emptied, int replaced_with,
                           int64_t now_ms);

/* Shards holding the client's records: sorted, unique, at most max (the
 * count is returned; callers size ids for ks->nshards). */
int watch_shards(const struct watch_client *wc, uint16_t *ids, int max);
/* At EXEC, holding every shard of the client's records: has a key that was
 * alive when watched expired since? */
bool watch_expired_locked(struct keyspace *ks, const struct watch_client *wc, int64_t now_ms);
/* Drop every record, holding every shard of the client's records. */
void watch_release_locked(struct keyspace *ks, struct watch_client *wc);
/* Drop every record, holding no shard lock (locks each shard in turn). */
void watch_release(struct keyspace *ks, struct watch_client *wc);

#endif
