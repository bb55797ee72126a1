/* rdb_file.h — RDB files: serializing the keyspace into a writer, writing a
 * file safely, and loading one into the keyspace.
 *
 * Serializing is split by role so the snapshot can change how it walks the
 * keyspace without touching the format:
 *   rdbf_write_shard_db()        every entry of one database of one shard
 *   rdbf_write_keyspace_locked() the walk: header, then for each non-empty
 *                                database SELECTDB/RESIZEDB and each
 *                                shard's entries, then EOF and the CRC
 *                                (synchronous: every shard lock held)
 *
 * Writing a file follows Redis's rdbSave: a temp file "temp-<pid>.rdb" in
 * dir, data written with incremental fsyncs (every 4 MiB, like
 * rdb-save-incremental-fsync), fsync, close, rename over the target, fsync
 * of the directory. On any failure the temp file is removed and the old file
 * stays as it was.
 *
 * Loading reads through buffered reads, checks the header, every opcode and
 * value, and the CRC (unless the file carries 0 or rdbchecksum is off), and
 * adds keys through the store's entry-write path (db.h). A failure says
 * where: "... at offset N (...)".
 */
#ifndef SS_RDB_FILE_H
#define SS_RDB_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyspace.h"
#include "rdb.h"

/* Serialize one shard's entries of database db (caller holds its lock).
 * Returns the number of keys written; o->err tells of a failure. */
uint64_t rdbf_write_shard_db(struct rdb_out *o, struct shard *s, int db, enum rdb_usage usage);

/* The whole keyspace with every shard lock held. 0 or o->err. */
int rdbf_write_keyspace_locked(struct rdb_out *o, struct keyspace *ks, const struct rdb_aux *aux,
                               enum rdb_usage usage, uint64_t *keys);

/* What a save cost, for INFO. */
struct rdbf_save_stats {
    uint64_t bytes, keys;
    int64_t usec;
};

/* Write dir/name from the keyspace (every shard lock held). 0, or -1 with
 * err set ("Failed opening the temp RDB file ...", "Write error saving DB
 * on disk(...): ...", "Error moving temp DB file ..."). */
int rdbf_save_locked(struct keyspace *ks, const char *dir, const char *name, bool compress,
                     bool checksum, const struct rdb_aux *aux, enum rdb_usage usage,
                     struct rdbf_save_stats *st, char *err, size_t errlen);

/* The same file writing for any way of walking the keyspace (the forkless
 * snapshot, control/snapwrite.c): walk writes everything from the header
 * to the footer into o and returns 0 or a negative errno; tmpname is the
 * temp file's name in dir. */
typedef int (*rdbf_walk_fn)(struct rdb_out *o, void *arg, uint64_t *keys);
int rdbf_save_with(const char *dir, const char *name, const char *tmpname, bool compress,
                   bool checksum, rdbf_walk_fn walk, void *arg, struct rdbf_save_stats *st,
                   char *err, size_t errlen);

struct rdbf_load_opts {
    bool merge;    /* a loaded key replaces an existing one (DEBUG RELOAD MERGE) */
    bool checksum; /* rdbchecksum: verify the CRC */
    bool deep;     /* sanitize-dump-payload yes */
};
struct rdbf_load_result {
    uint64_t loaded, expired, empty_skipped;
    bool missing; /* no such file */
    uint64_t end; /* the offset just past the RDB (an AOF base's commands follow it) */
};

/* Load `path` into the keyspace (caller holds every shard lock, or no
 * worker runs yet). 0, or -1 with err set. Keys loaded before a failure
 * stay (the caller refuses to start, or reports the error). */
int rdbf_load_locked(struct keyspace *ks, const char *path, const struct rdbf_load_opts *opts,
                     struct rdbf_load_result *res, char *err, size_t errlen);

#endif
