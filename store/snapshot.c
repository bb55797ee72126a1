/* snapshot.c — forkless point-in-time snapshots (see snapshot.h). */
#include "snapshot.h"

#include <stdatomic.h>

#include "dict.h"
#include "wlog.h"

struct snap_state snap;
static atomic_bool snap_slot;

bool snap_claim(void)
{
    bool f = false;
    return atomic_compare_exchange_strong(&snap_slot, &f, true);
}

void snap_release(void)
{
    atomic_store(&snap_slot, false);
}

bool snap_busy(void)
{
    return atomic_load(&snap_slot);
}

void snap_save_slow(struct shard *s, int db, struct kentry *e)
{
    (void)s;
    snap.save(snap.arg, db, e);
    e->snap_epoch = snap.epoch;
    __atomic_fetch_add(&snap.saved_by_gate, 1, __ATOMIC_RELAXED);
}

struct scan_arg {
    int db;
    unsigned seen;
};

static void scan_one(struct dnode *n, void *arg)
{
    struct scan_arg *a = arg;
    struct kentry *e = (struct kentry *)n;
    a->seen++;
    if (e->snap_epoch == snap.epoch) return; /* saved by the gate, or newer */
    snap.save(snap.arg, a->db, e);
    e->snap_epoch = snap.epoch;
}

void snap_before_flush(struct keyspace *ks, struct shard *s, int db)
{
    (void)ks;
    if (!snap.active) return;
    struct scan_arg a = {.db = db};
    uint64_t cur = 0;
    do {
        cur = dict_scan(&s->db[db].keys, cur, scan_one, &a);
    } while (cur != 0);
}

bool snap_scan_step(struct keyspace *ks, unsigned shard, int db, uint64_t *cursor, unsigned budget)
{
    struct shard *s = &ks->shards[shard];
    struct scan_arg a = {.db = db};
    ks_lock(ks, shard);
    uint64_t cur = *cursor;
    do {
        cur = dict_scan(&s->db[db].keys, cur, scan_one, &a);
    } while (cur != 0 && a.seen < budget);
    ks_unlock(ks, shard);
    *cursor = cur;
    return cur == 0;
}

struct open_arg {
    snap_save_fn save;
    void *arg;
    void (*at_cut)(void *arg, uint64_t seq);
};

static void do_open(void *arg, uint64_t seq)
{
    struct open_arg *o = arg;
    snap.epoch++;
    snap.save = o->save;
    snap.arg = o->arg;
    snap.active = true;
    if (o->at_cut) o->at_cut(o->arg, seq);
}

uint64_t snap_open(struct keyspace *ks, snap_save_fn save, void *arg,
                   void (*at_cut)(void *arg, uint64_t seq))
{
    struct open_arg o = {save, arg, at_cut};
    return wlog_cut(ks, do_open, &o);
}

static void do_close(void *arg, uint64_t seq)
{
    (void)arg;
    (void)seq;
    snap.active = false;
    snap.save = NULL;
    snap.arg = NULL;
}

void snap_close(struct keyspace *ks)
{
    wlog_cut(ks, do_close, NULL);
}
