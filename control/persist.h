/* persist.h — RDB persistence: saving the keyspace to dir/dbfilename,
 * loading it at start-up, save points, and the state INFO persistence and
 * MISCONF report.
 *
 * FOR NOW EVERY SAVE IS SYNCHRONOUS: it takes every shard lock in order,
 * serializes the whole keyspace and unlocks (persist_save_locked()), so
 * writers wait while it runs. SAVE, SHUTDOWN's save and DEBUG RELOAD run it
 * on the worker that received them (Redis's SAVE blocks the server too);
 * BGSAVE and save points run it on the control thread, and BGSAVE answers
 * "Background saving started" before the save begins. The forkless snapshot
 * (a snapshot epoch opened under the locks, shards serialized while workers
 * serve, the write gate serializing an entry before it changes) replaces
 * the iteration in rdbf_write_keyspace_locked() (rdb_file.h); the entry and
 * shard serializers stay.
 *
 * Thread rules: persist_bgsave_request(), the getters and
 * persist_writes_denied() may be called from any thread; persist_cron() and
 * persist_load_startup() run on the control thread; persist_save_locked()
 * and persist_reload_locked() run on the thread holding every shard lock.
 * One save at a time: `busy` is claimed with a compare-and-swap.
 */
#ifndef SS_PERSIST_H
#define SS_PERSIST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyspace.h"
#include "snapwrite.h"

/* What the control side reads from the app (pointers into its
 * configuration, and callbacks for figures only the app has). Strings are
 * read under `lock`. */
struct persist_settings {
    const char *dir, *dbfilename;
    /* the `save` points: (seconds, changes) pairs into sec/chg, their count */
    int (*save_points)(long long sec[], long long chg[], int max);
    pthread_mutex_t *lock;
    const int *rdbchecksum;
    const int *stop_writes_on_bgsave_error;
    const char *redis_ver;
    uint64_t (*dirty)(void);       /* changes so far (monotonic, all workers) */
    uint64_t (*used_memory)(void); /* INFO's used_memory */
    int (*usage)(void);            /* enum rdb_usage of maxmemory-policy */
};
void persist_configure(const struct persist_settings *s);

enum { PERSIST_IDLE = 0, PERSIST_SAVE = 1, PERSIST_BGSAVE = 2 };

/* Claim the save slot for a foreground save (SAVE, DEBUG RELOAD,
 * SHUTDOWN): false when another save runs or a BGSAVE is pending. */
bool persist_claim(void);
void persist_release(void);
/* SHUTDOWN: wait until the slot is free (a BGSAVE finishes), then claim. */
void persist_claim_wait(void);

/* Who asks for a save: SAVE counts in rdb_saves; a background save (BGSAVE,
 * save points) also sets rdb_last_bgsave_status, which MISCONF follows;
 * SHUTDOWN and DEBUG RELOAD save as Redis's rdbSave does, uncounted. */
enum persist_kind { PERSIST_KIND_SAVE, PERSIST_KIND_BGSAVE, PERSIST_KIND_INTERNAL };

/* Save everything to dir/dbfilename (the caller claimed the slot and holds
 * every shard lock). A success also clears a failed background status, as
 * in Redis. 0, or -1 with err set (also logged). */
int persist_save_locked(struct keyspace *ks, enum persist_kind kind, char *err, size_t errlen);

/* BGSAVE: claim the slot as a background save and ask the control thread
 * to run it. False when a save is already running or pending. */
bool persist_bgsave_request(void);
/* BGSAVE SCHEDULE (or BGSAVE inside a transaction) while the slot is busy:
 * the control thread starts it as soon as the slot is free. */
void persist_bgsave_schedule(void);

/* DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] (caller claimed the slot and
 * holds every lock): save unless nosave, empty every database unless
 * noflush, load the file back (merge: loaded keys replace existing ones).
 * 0, -1 when the save failed, -2 when the load failed. */
int persist_reload_locked(struct keyspace *ks, bool merge, bool noflush, bool nosave);

/* At start-up, before any worker runs: load dir/dbfilename if it exists.
 * 0 (loaded, or no file), or -1 with err naming the file and the offset:
 * the server must refuse to start (and never overwrite the file). */
int persist_load_startup(struct keyspace *ks, char *err, size_t errlen);

/* The control thread's cron: a pending BGSAVE, then the save points
 * (Redis's serverCron rules: `save <seconds> <changes>` met, and either the
 * last background save succeeded or 5 s passed since it was tried). */
void persist_cron(struct keyspace *ks);

/* Save points are configured (a SHUTDOWN or SIGTERM saves). */
bool persist_has_save_points(void);

/* stop-writes-on-bgsave-error: the last background save failed, save
 * points are set and the option is on; writes (and PING) get MISCONF. */
bool persist_writes_denied(void);

/* INFO persistence, the rdb_* and loading lines, "\r\n"-terminated. */
size_t persist_info(char *buf, size_t cap);
/* LASTSAVE: Unix time of the last successful save (the start time before
 * any). */
int64_t persist_lastsave(void);
/* What the last background save's snapshot did (control/snapwrite.h). */
struct snapw_stats persist_last_snapshot(void);
void persist_set_start_time(int64_t unix_s);

#endif
