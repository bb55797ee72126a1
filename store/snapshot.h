/* snapshot.h — point-in-time snapshots of the keyspace without fork.
 *
 * A snapshot is the keyspace as it was at one cut of the write log (every
 * unit numbered at or below the cut's number, none after). It is taken
 * while workers keep serving:
 *
 *   1. snap_open(): in a cut (every shard lock held for a moment) the epoch
 *      number grows and the snapshot becomes active. Every entry then
 *      carries an older snap_epoch: nothing is written yet.
 *   2. The snapshot's thread walks the shards, a bounded slice at a time
 *      under each shard's lock (snap_scan_step), and hands every entry
 *      whose snap_epoch is older to the snapshot's `save` function, then
 *      marks it with the epoch.
 *   3. Meanwhile a worker about to change, delete, expire, move or flush an
 *      entry the snapshot has not written yet calls `save` first, through
 *      the write gate (db.h), and marks it; an entry created after the cut
 *      is marked at creation, so the walk leaves it out.
 *   4. snap_close(), in a cut, ends it.
 *
 * So every entry that existed at the cut is saved exactly once, with the
 * value it had at the cut, and nothing created after it is saved. The walk
 * uses the dictionary's SCAN cursor, which returns every element present
 * for the whole walk at least once across incremental rehashing (the
 * epoch mark drops the repeats); an element deleted meanwhile was saved by
 * the gate before it went.
 *
 * `save` runs on a worker (shard lock held) or on the snapshot's thread,
 * for entries of any db: it must be thread-safe and must not take shard
 * locks. The epoch and the active flag change only in a cut, so a thread
 * holding any shard lock sees them stable.
 */
#ifndef SS_SNAPSHOT_H
#define SS_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "gatecheck.h"
#include "keyspace.h"

typedef void (*snap_save_fn)(void *arg, int db, const struct kentry *e);

struct snap_state {
    uint32_t epoch; /* of the open snapshot, or of the last one */
    bool active;
    snap_save_fn save;
    void *arg;
    uint64_t saved_by_gate; /* before-images the write path produced (stats) */
};

extern struct snap_state snap;

void snap_save_slow(struct shard *s, int db, struct kentry *e);

/* The write gate's step (db.c): before e changes. Shard lock held. */
static inline void snap_before_write(struct keyspace *ks, struct shard *s, int db, struct kentry *e)
{
    (void)ks;
    if (gatecheck_on) gatecheck_gate(db, e); /* the debug proof (gatecheck.h) */
    if (snap.active && e->snap_epoch != snap.epoch) snap_save_slow(s, db, e);
}

/* A new entry postdates any open snapshot. */
static inline void snap_created(struct shard *s, struct kentry *e)
{
    (void)s;
    e->snap_epoch = snap.epoch;
}

/* Before every entry of db in shard s goes at once (FLUSHDB, SWAPDB): an
 * open snapshot writes the ones it has not yet. Shard lock held. */
void snap_before_flush(struct keyspace *ks, struct shard *s, int db);

/* Control side (one snapshot at a time, its own thread). A snapshot's
 * owner claims the single slot first (BGSAVE and the AOF's rewrite both
 * take snapshots); false: another one runs. */
bool snap_claim(void);
void snap_release(void);
bool snap_busy(void);
/* Open a snapshot; returns the cut's number in the write log. at_cut (may
 * be NULL) runs inside the cut, every shard lock held, after the epoch
 * opened: what must be true exactly at the snapshot's point in time (count
 * keys, start the write log for a reader that continues from it). */
uint64_t snap_open(struct keyspace *ks, snap_save_fn save, void *arg,
                   void (*at_cut)(void *arg, uint64_t seq));
/* Walk up to `budget` entries of db `db` in shard `shard` from *cursor
 * (start at 0), under that shard's lock. Returns true when the walk of
 * that db in that shard is complete. */
bool snap_scan_step(struct keyspace *ks, unsigned shard, int db, uint64_t *cursor, unsigned budget);
/* End the open snapshot (complete or abandoned). */
void snap_close(struct keyspace *ks);

#endif
