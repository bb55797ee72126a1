/* aof.h — the append-only file, in Redis 7's multi-part layout.
 *
 * dir/<appenddirname>/ holds a base file (an RDB with aof-use-rdb-preamble
 * yes, a plain AOF otherwise), incremental files and a manifest naming
 * them:
 *
 *     appendonly.aof.1.base.rdb   appendonly.aof.1.incr.aof
 *     appendonly.aof.manifest:  "file appendonly.aof.1.base.rdb seq 1 type b"
 *                               "file appendonly.aof.1.incr.aof seq 1 type i"
 *
 * Writing. The AOF is a reader of the ordered write log (store/wlog.h): its
 * own thread takes the units in sequence order, writes each as Redis does
 * (SELECT when the db changes, MULTI/EXEC around a unit of several
 * effects, #TS annotations with aof-timestamp-enabled) to the last
 * incremental file, and fsyncs per appendfsync: `always` after every batch
 * (group commit: one fsync covers every unit appended before it; a worker
 * releases a write's reply only once aof_synced_seq covers the write's
 * unit), `everysec` once a second, `no` never. No worker ever writes or
 * fsyncs.
 *
 * Rewriting (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes):
 * a base is written from the keyspace as of a cut S of the log, units after
 * S go to a new incremental file, and the manifest switches to the new base
 * and incremental file once the base is complete; the old files become
 * history and are deleted.
 *
 * Loading at start: the manifest, then the base, then every incremental
 * file in order, commands replayed through the session-free executor
 * (store/exec.h) without logging. A truncated last command is handled as
 * aof-load-truncated says; anything else wrong stops the start with the
 * file and offset.
 *
 * Thread rules: aof_configure/aof_load_startup/aof_start run at start-up
 * (no worker yet); aof_request_rewrite/aof_set_enabled/aof_info from any
 * thread; the rest is the AOF thread's.
 */
#ifndef SS_AOF_H
#define SS_AOF_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyspace.h"

enum { AOF_FSYNC_NO = 0, AOF_FSYNC_ALWAYS = 1, AOF_FSYNC_EVERYSEC = 2 };

/* What the AOF reads from the app (pointers into its configuration;
 * strings read under `lock`). */
struct aof_settings {
    const char *dir, *dirname, *filename;
    pthread_mutex_t *lock;
    const int *fsync;          /* AOF_FSYNC_* */
    const int *rdb_preamble;   /* aof-use-rdb-preamble */
    const int *timestamps;     /* aof-timestamp-enabled */
    const int *load_truncated; /* aof-load-truncated */
    const int *no_fsync_on_rewrite;
    const long long *rewrite_perc, *rewrite_min_size;
    const int *rdbcompression, *rdbchecksum;
    const char *redis_ver;
    /* the loader's execution context for the executor (the app's counters) */
    void *load_thread;
    /* wake every worker (a write's reply may be released) */
    void (*wake_workers)(void);
};
void aof_configure(const struct aof_settings *s);

/* The last unit number written and fsynced as appendfsync requires (for
 * `always`: fsynced). A worker holds a write's reply until this covers it. */
extern _Atomic uint64_t aof_synced_seq;
/* True while replies must wait for aof_synced_seq (AOF on, fsync always). */
bool aof_hold_replies(void);

/* Start-up, before any worker: load the AOF if appendonly is on. Returns 1
 * when data came from the AOF, 0 when there was none, -1 with err. */
int aof_load_startup(struct keyspace *ks, bool enabled, char *err, size_t errlen);
/* Start-up, after loading (workers not yet running): with appendonly on,
 * create the base if there is none, open the incremental file, start the
 * AOF thread and the log. 0 or -1 with err. */
int aof_start(struct keyspace *ks, bool enabled, char *err, size_t errlen);
/* CONFIG SET appendonly yes|no. 0 or -1 with err (Redis's text). */
int aof_set_enabled(struct keyspace *ks, bool on, char *err, size_t errlen);
/* BGREWRITEAOF: 0 started, 1 scheduled (a save runs), -1 already running. */
int aof_request_rewrite(void);
bool aof_rewrite_in_progress(void);
/* The control thread's cron: auto-aof-rewrite, scheduled rewrites. */
void aof_cron(struct keyspace *ks);
/* Shutdown: write and fsync what is pending, stop the thread. */
void aof_shutdown(void);
/* INFO persistence's AOF fields. */
size_t aof_info(char *buf, size_t cap);
/* Whether writes must be refused (MISCONF for the AOF: the last write
 * failed with appendfsync always or the disk is gone). */
bool aof_writes_denied(void);
/* The last write error's text (strerror), for that MISCONF. */
const char *aof_write_error(void);

#endif
