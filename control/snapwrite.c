/* snapwrite.c — an RDB of the keyspace as of a cut of the write log,
 * written while the workers serve (see snapwrite.h, store/snapshot.h).
 *
 * The file is written database by database. For database d: every shard's
 * dictionary is walked in slices under that shard's lock; what the walk
 * saves is serialized into a step buffer and written to the file after the
 * lock is released (no file I/O under a shard lock). Meanwhile a worker
 * about to change an entry the walk has not reached serializes it first
 * (the snapshot's save function, through the write gate) into d's pending
 * buffer; once d's walk is complete nothing of d can still be pending
 * (every entry that existed at the cut is marked), so the pending buffer is
 * appended and the walk moves on. Key counts for RESIZEDB are the ones at
 * the cut.
 */
#include "snapwrite.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aof_format.h"
#include "dict.h"
#include "rdb.h"
#include "snapshot.h"

#define STEP_ENTRIES 128 /* entries per slice under one shard lock */

struct pending {
    pthread_mutex_t lock;
    struct rdb_out mem;
    uint64_t n;
};

static bool rdb_entry(struct rdb_out *o, const struct kentry *e, enum rdb_usage usage)
{
    return rdb_write_entry(o, e->key, e->klen, e->val, e->expire, usage);
}

const struct snapw_format snapw_rdb = {
    .header = rdb_write_header,
    .db_start = rdb_write_db_start,
    .entry = rdb_entry,
    .footer = rdb_write_footer,
};

static void aof_db_start(struct rdb_out *o, int db, uint64_t keys, uint64_t expires)
{
    (void)keys;
    (void)expires;
    aoff_select(o, db);
}

static bool aof_entry(struct rdb_out *o, const struct kentry *e, enum rdb_usage usage)
{
    (void)usage;
    return aoff_entry(o, e);
}

const struct snapw_format snapw_aof = {
    .header = NULL,
    .db_start = aof_db_start,
    .entry = aof_entry,
    .footer = rdb_out_flush,
};

struct snapw {
    const struct snapw_format *fmt;
    struct keyspace *ks;
    const struct rdb_aux *aux;
    enum rdb_usage usage;
    pthread_t self;
    int cur_db;
    struct rdb_out step; /* what the current slice saved */
    uint64_t step_n;
    struct pending *pending;  /* [ndb] */
    uint64_t *keys, *expires; /* [ndb], at the cut */
    void (*at_cut)(void *arg, uint64_t seq);
    void *at_cut_arg;
    struct snapw_stats *st;
};

static void save_cb(void *arg, int db, const struct kentry *e)
{
    struct snapw *w = arg;
    if (pthread_equal(pthread_self(), w->self) && db == w->cur_db) {
        if (w->fmt->entry(&w->step, e, w->usage)) w->step_n++;
        return;
    }
    struct pending *p = &w->pending[db];
    pthread_mutex_lock(&p->lock);
    if (w->fmt->entry(&p->mem, e, w->usage)) p->n++;
    pthread_mutex_unlock(&p->lock);
}

static void count_at_cut(void *arg, uint64_t seq)
{
    struct snapw *w = arg;
    struct keyspace *ks = w->ks;
    for (unsigned d = 0; d < ks->ndb; d++) {
        w->keys[d] = w->expires[d] = 0;
        for (unsigned i = 0; i < ks->nshards; i++) {
            w->keys[d] += dict_size(&ks->shards[i].db[d].keys);
            w->expires[d] += ks->shards[i].db[d].xi.n;
        }
    }
    if (w->st) w->st->cut_seq = seq;
    if (w->at_cut) w->at_cut(w->at_cut_arg, seq);
}

/* Move what the slice saved into the file writer (no lock held). */
static void flush_step(struct snapw *w, struct rdb_out *o, uint64_t *total)
{
    if (w->step.len) rdb_write(o, w->step.buf, w->step.len);
    w->step.len = 0;
    *total += w->step_n;
    w->step_n = 0;
}

static int walk(struct rdb_out *o, void *arg, uint64_t *keys)
{
    struct snapw *w = arg;
    struct keyspace *ks = w->ks;
    uint64_t total = 0, by_gate = 0, by_gate_bytes = 0;
    int64_t stall_max = 0;
    if (w->fmt->header) w->fmt->header(o, w->aux);
    for (unsigned d = 0; d < ks->ndb && !o->err; d++) {
        w->cur_db = (int)d;
        if (w->keys[d] == 0) continue; /* empty at the cut: nothing to save */
        w->fmt->db_start(o, (int)d, w->keys[d], w->expires[d]);
        for (unsigned i = 0; i < ks->nshards && !o->err; i++) {
            uint64_t cursor = 0;
            bool done;
            do {
                int64_t t0 = store_ustime();
                done = snap_scan_step(ks, i, (int)d, &cursor, STEP_ENTRIES);
                int64_t dt = store_ustime() - t0;
                if (dt > stall_max) stall_max = dt;
                flush_step(w, o, &total);
            } while (!done && !o->err);
        }
        struct pending *p = &w->pending[d];
        pthread_mutex_lock(&p->lock);
        if (p->mem.len) rdb_write(o, p->mem.buf, p->mem.len);
        total += p->n;
        by_gate += p->n;
        by_gate_bytes += p->mem.len;
        p->mem.len = 0;
        p->n = 0;
        pthread_mutex_unlock(&p->lock);
    }
    *keys = total;
    if (w->st) {
        w->st->keys = total;
        w->st->saved_by_gate = by_gate;
        w->st->saved_by_gate_bytes = by_gate_bytes;
        w->st->max_slice_us = stall_max;
        for (unsigned d = 0; d < ks->ndb; d++) w->st->keys_at_cut += w->keys[d];
    }
    return w->fmt->footer(o);
}

int snapw_save(struct keyspace *ks, const struct snapw_format *fmt, const char *dir,
               const char *name, const char *tmpname, bool compress, bool checksum,
               const struct rdb_aux *aux, enum rdb_usage usage,
               void (*at_cut)(void *arg, uint64_t seq), void *at_cut_arg, struct snapw_stats *st,
               struct rdbf_save_stats *fst, char *err, size_t errlen)
{
    struct snapw w = {.fmt = fmt,
                      .ks = ks,
                      .aux = aux,
                      .usage = usage,
                      .self = pthread_self(),
                      .at_cut = at_cut,
                      .at_cut_arg = at_cut_arg,
                      .st = st};
    if (st) memset(st, 0, sizeof(*st));
    if (!snap_claim()) {
        snprintf(err, errlen, "another snapshot is being taken");
        return -EBUSY;
    }
    w.pending = calloc(ks->ndb, sizeof(*w.pending));
    w.keys = calloc(ks->ndb, sizeof(*w.keys));
    w.expires = calloc(ks->ndb, sizeof(*w.expires));
    if (!w.pending || !w.keys || !w.expires) {
        free(w.pending);
        free(w.keys);
        free(w.expires);
        snap_release();
        snprintf(err, errlen, "Write error saving DB on disk(snapshot): out of memory");
        return -1;
    }
    rdb_out_mem(&w.step, compress);
    for (unsigned d = 0; d < ks->ndb; d++) {
        pthread_mutex_init(&w.pending[d].lock, NULL);
        rdb_out_mem(&w.pending[d].mem, compress);
    }
    int64_t t0 = store_ustime();
    snap_open(ks, save_cb, &w, count_at_cut);
    if (st) st->open_us = store_ustime() - t0;
    int rc = rdbf_save_with(dir, name, tmpname, compress, checksum, walk, &w, fst, err, errlen);
    /* closing also ends an abandoned walk: after it no worker calls save_cb */
    snap_close(ks);
    rdb_out_free(&w.step);
    for (unsigned d = 0; d < ks->ndb; d++) {
        rdb_out_free(&w.pending[d].mem);
        pthread_mutex_destroy(&w.pending[d].lock);
    }
    free(w.pending);
    free(w.keys);
    free(w.expires);
    snap_release();
    return rc;
}
