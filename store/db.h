/* db.h — reading and writing keys: the entry-write path.
 *
 * Every mutation of the keyspace goes through the functions below; nothing
 * else in the tree touches kdb.keys or the expiry index. The write path is
 * the single choke point where, in order:
 *   1. db_begin_write(), the write gate, runs before an existing entry
 *      changes, and is the only way to get its value to change (an entry's
 *      `val` is const everywhere else): an open snapshot that has not yet
 *      written the entry serializes it first (store/snapshot.h), the shard
 *      version bumps and the key's watchers are touched (watch.h);
 *   2. the change is made, on the value the gate returned;
 *   3. db_written() records it: dirty counter, keyspace-notification hook.
 * Adding (db_add, db_set), deleting, expiring, moving, flushing and swapping
 * pass the gate too. The command's effect goes to the write log
 * (store/wlog.h) from the executor, under the same locks.
 *
 * The caller holds the lock of the key's shard (see keyspace.h). Reads apply
 * lazy expiry: an expired key is deleted and reported missing, so an expired
 * key is never returned.
 */
#ifndef SS_DB_H
#define SS_DB_H

#include "cmd.h"

/* The entry for key in db, after lazy expiry; NULL if absent. Reads update
 * the keyspace hit/miss counters and the object's access clock. */
struct kentry *db_lookup_read(struct cmdctx *c, const struct sarg *key);
/* Same without touching stats or access time (TYPE-like introspection,
 * EXISTS and TOUCH use db_lookup_read). */
struct kentry *db_lookup_quiet(struct cmdctx *c, int db, const struct sarg *key);
/* Lookup for a command about to modify the key: lazy expiry, then the gate
 * (db_begin_write()) on the entry if it exists. */
struct kentry *db_lookup_write(struct cmdctx *c, const struct sarg *key);
/* Read lookup that replies WRONGTYPE (and returns NULL, *err = true) when
 * the key holds another type. */
const struct sobj *db_read_typed(struct cmdctx *c, const struct sarg *key, int type, bool *err);
/* The same through the gate: the value to change. */
struct sobj *db_write_typed(struct cmdctx *c, const struct sarg *key, int type, bool *err);

/* Add a new key (must not exist) holding val. Returns the entry, or NULL on
 * allocation failure (val is then still owned by the caller). */
struct kentry *db_add(struct cmdctx *c, int db, const struct sarg *key, struct sobj *val);
/* Set key to val, replacing any value; the TTL is cleared unless keepttl. */
struct kentry *db_set(struct cmdctx *c, int db, const struct sarg *key, struct sobj *val,
                      bool keepttl);
/* Replace the value of an existing entry (after db_lookup_write). */
void db_replace(struct cmdctx *c, struct kentry *e, struct sobj *val);
/* Delete; returns true if a key was removed. */
bool db_delete(struct cmdctx *c, int db, const struct sarg *key);
void db_delete_entry(struct cmdctx *c, int db, struct kentry *e);

/* TTLs: when_ms absolute; -1 removes. */
void db_set_expire(struct cmdctx *c, int db, struct kentry *e, int64_t when_ms);
/* After elements were removed from the collection in e: Redis never keeps
 * an empty collection, so the key goes when `empty`; otherwise the change
 * is recorded as by db_written(). */
void db_removed_from(struct cmdctx *c, int db, struct kentry *e, bool empty);
/* Post-write hook: counts the change (call after modifying the value). */
void db_written(struct cmdctx *c, int db, struct kentry *e);
/* The write gate (see the top of this file): call it right before e's
 * value or TTL changes, and change the value it returns. Call it only when
 * a change will happen: it is a write for WATCH and for snapshots. */
struct sobj *db_begin_write(struct cmdctx *c, int db, struct kentry *e);
/* The gate for a change Redis does not signal to WATCH (a stream's
 * consumer groups: XACK, XCLAIM, XREADGROUP, XGROUP; XSETID): the snapshot's
 * step and the shard version, the key's watchers left alone. The same
 * rules as db_begin_write() otherwise. */
struct sobj *db_begin_write_unsignaled(struct cmdctx *c, int db, struct kentry *e);

/* True if e has expired at the command's time. */
static inline bool db_expired(const struct cmdctx *c, const struct kentry *e)
{
    return e->expire >= 0 && e->expire <= c->now_ms;
}

/* Lookups with Redis's other flag combinations (t_keys.c, t_string.c):
 *   db_lookup_notouch   hit/miss stats, no access-clock update (Redis's
 *                       LOOKUP_NOTOUCH: EXISTS, TYPE, TTL, OBJECT);
 *   db_lookup_for_write access clock, no stats and NO pre-write hook (Redis's
 *                       lookupKeyWrite): the caller calls db_begin_write()
 *                       only when it does change the entry, so a command that
 *                       ends up changing nothing (SET NX on an existing key,
 *                       EXPIRE ... GT refused) does not look like a write. */
struct kentry *db_lookup_notouch(struct cmdctx *c, int db, const struct sarg *key);
struct kentry *db_lookup_for_write(struct cmdctx *c, int db, const struct sarg *key);

/* In-place update of a string value (APPEND, SETRANGE; Redis's
 * dbUnshareStringValue): passes the gate, makes e's value a raw string
 * with capacity for at least `need` bytes and returns it (the entry points
 * at it). NULL on allocation failure. The caller edits the bytes, then calls
 * db_written(). */
struct sobj *db_string_for_update(struct cmdctx *c, int db, struct kentry *e, size_t need);

/* Move entry e of db `db` to key `newkey` of db `dstdb` with its value and
 * TTL, without copying the value (RENAME, MOVE). newkey must not exist in
 * dstdb (the caller deletes it first). Both keys' shards are locked. Runs the
 * pre-write hook on the old key and the post-write hook on the new one.
 * Returns the entry now holding the value (e itself when only the db
 * changes), or NULL on allocation failure with nothing changed. */
struct kentry *db_move(struct cmdctx *c, int db, struct kentry *e, int dstdb,
                       const struct sarg *newkey);

/* Exchange databases a and b in every shard (SWAPDB); the caller holds every
 * shard lock (ks_lock_all). */
void db_swap(struct keyspace *ks, int a, int b);

/* Index of the shard of a key; memoized when key is one of c->argv. */
unsigned db_shard_idx(struct cmdctx *c, const struct sarg *key);
/* Shard of a key (for commands that lock shards themselves). */
struct shard *db_shard(struct cmdctx *c, const struct sarg *key);
struct kdb *db_kdb(struct cmdctx *c, int db, const struct sarg *key);

/* Remove every key of one db in one shard (caller holds the lock); returns
 * the count. Big dictionaries are handed to a background free when async. */
uint64_t db_flush_shard(struct keyspace *ks, unsigned shard, int db, bool async);

/* Active expiry: sweep the expiry indexes of shards [first, last] for up to
 * budget_us microseconds; takes each shard's lock itself. Returns keys
 * expired. Called by workers in time-bounded slices; the same slice moves
 * idle dictionaries' incremental rehashing along. */
uint64_t db_active_expire(struct keyspace *ks, unsigned first, unsigned last, int64_t budget_us,
                          struct wstats *st, struct wlog_buf *log);

#endif
