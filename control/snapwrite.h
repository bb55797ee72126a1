/* snapwrite.h — an RDB file of the keyspace as of a cut of the write log,
 * written without fork and without stopping the workers (the forkless
 * snapshot of store/snapshot.h, in the file framing of rdb_file.h).
 *
 * Used by BGSAVE, save points and the AOF's rewrite. It runs on the
 * calling thread, which must not hold a shard lock; workers keep serving,
 * each shard lock is held only for a slice of the walk (STEP_ENTRIES
 * entries), and the file is written with no shard lock held. */
#ifndef SS_SNAPWRITE_H
#define SS_SNAPWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "keyspace.h"
#include "rdb.h"
#include "rdb_file.h"

/* What a snapshot did (INFO, logs, tests). */
struct snapw_stats {
    uint64_t cut_seq;       /* its point in time, in the write log */
    uint64_t keys;          /* entries written */
    uint64_t keys_at_cut;   /* entries that existed at the cut (== keys) */
    uint64_t saved_by_gate; /* of them, serialized by a worker about to change them */
    uint64_t saved_by_gate_bytes;
    int64_t open_us;      /* the cut: every shard lock held this long */
    int64_t max_slice_us; /* the longest a shard lock was held by the walk */
};

/* The file's shape: an RDB (snapw_rdb), or a plain AOF of commands that
 * rebuild the keys (snapw_aof, an AOF base with aof-use-rdb-preamble no;
 * no header, SELECT per database, no checksum). */
struct snapw_format {
    void (*header)(struct rdb_out *o, const struct rdb_aux *aux); /* NULL: none */
    void (*db_start)(struct rdb_out *o, int db, uint64_t keys, uint64_t expires);
    bool (*entry)(struct rdb_out *o, const struct kentry *e, enum rdb_usage usage);
    int (*footer)(struct rdb_out *o);
};
extern const struct snapw_format snapw_rdb, snapw_aof;

/* Write dir/name (via tmpname in dir). at_cut runs inside the cut (every
 * shard lock held, see snap_open). 0, -EBUSY when another snapshot runs
 * (try again later), or -1 with err (rdb_file.h's texts). */
int snapw_save(struct keyspace *ks, const struct snapw_format *fmt, const char *dir,
               const char *name, const char *tmpname, bool compress, bool checksum,
               const struct rdb_aux *aux, enum rdb_usage usage,
               void (*at_cut)(void *arg, uint64_t seq), void *at_cut_arg, struct snapw_stats *st,
               struct rdbf_save_stats *fst, char *err, size_t errlen);

#endif
