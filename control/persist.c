/* persist.c — RDB persistence state and orchestration (see persist.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "control.h"
#include "db.h"
#include "persist.h"
#include "rdb.h"
#include "rdb_file.h"
#include "snapshot.h"
#include "snapwrite.h"
#include "tunables.h"

#define BGSAVE_RETRY_DELAY 5 /* seconds: Redis's CONFIG_BGSAVE_RETRY_DELAY */
#define MAX_SAVE_POINTS    16

static struct persist_settings set;
static int save_points(long long sec[], long long chg[], int max);

static _Atomic int busy;         /* PERSIST_IDLE / SAVE / BGSAVE */
static atomic_bool bg_pending;   /* BGSAVE accepted, not started yet */
static atomic_bool bg_scheduled; /* BGSAVE SCHEDULE: run when the slot frees */
static atomic_bool lastbgsave_ok = true;
static atomic_bool save_points_set; /* refreshed by the cron from `save` */
static _Atomic int64_t lastsave, lastbgsave_try, bgsave_start = -1, last_bgsave_secs = -1;
static _Atomic uint64_t saves, dirty_saved, last_cow;
static struct snapw_stats last_snapshot; /* persist_last_snapshot(), under snap_stats_lock */
static pthread_mutex_t snap_stats_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t load_loaded, load_expired;
static atomic_bool loading;

void persist_configure(const struct persist_settings *s)
{
    set = *s;
    lastsave = (int64_t)time(NULL);
    long long sec[MAX_SAVE_POINTS], chg[MAX_SAVE_POINTS];
    atomic_store(&save_points_set, save_points(sec, chg, MAX_SAVE_POINTS) > 0);
}

void persist_set_start_time(int64_t unix_s)
{
    lastsave = unix_s;
}

struct snapw_stats persist_last_snapshot(void)
{
    pthread_mutex_lock(&snap_stats_lock);
    struct snapw_stats s = last_snapshot;
    pthread_mutex_unlock(&snap_stats_lock);
    return s;
}

int64_t persist_lastsave(void)
{
    return atomic_load(&lastsave);
}

bool persist_claim(void)
{
    int idle = PERSIST_IDLE;
    return atomic_compare_exchange_strong(&busy, &idle, PERSIST_SAVE);
}

void persist_release(void)
{
    atomic_store(&busy, PERSIST_IDLE);
}

void persist_claim_wait(void)
{
    while (!persist_claim()) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

bool persist_bgsave_request(void)
{
    int idle = PERSIST_IDLE;
    if (!atomic_compare_exchange_strong(&busy, &idle, PERSIST_BGSAVE)) return false;
    atomic_fetch_add(&saves, 1);
    atomic_store(&lastbgsave_try, (int64_t)time(NULL));
    atomic_store(&bgsave_start, (int64_t)time(NULL));
    atomic_store(&bg_pending, true);
    return true;
}

void persist_bgsave_schedule(void)
{
    atomic_store(&bg_scheduled, true);
}

/* dir and dbfilename, copied under the configuration lock. */
static void paths(char *dir, size_t dl, char *name, size_t nl)
{
    if (set.lock) pthread_mutex_lock(set.lock);
    snprintf(dir, dl, "%s", set.dir && set.dir[0] ? set.dir : ".");
    snprintf(name, nl, "%s", set.dbfilename ? set.dbfilename : "dump.rdb");
    if (set.lock) pthread_mutex_unlock(set.lock);
}

int persist_save_locked(struct keyspace *ks, enum persist_kind kind, char *err, size_t errlen)
{
    bool bgsave = kind == PERSIST_KIND_BGSAVE;
    if (kind == PERSIST_KIND_SAVE) atomic_fetch_add(&saves, 1);
    char dir[1024], name[256];
    paths(dir, sizeof(dir), name, sizeof(name));
    uint64_t dirty_before = set.dirty ? set.dirty() : 0;
    struct rdb_aux aux = {
        .redis_ver = set.redis_ver ? set.redis_ver : "7.0.15",
        .ctime = (long long)time(NULL),
        .used_mem = set.used_memory ? (long long)set.used_memory() : 0,
    };
    enum rdb_usage usage = set.usage ? (enum rdb_usage)set.usage() : RDB_USAGE_NONE;
    bool checksum = set.rdbchecksum ? *set.rdbchecksum != 0 : true;
    struct rdbf_save_stats st = {0};
    int rc = rdbf_save_locked(ks, dir, name, store_tun.rdb_compression != 0, checksum, &aux, usage,
                              &st, err, errlen);
    if (rc == 0) {
        ctl_log_any(LOG_NOTICE, "DB saved on disk");
        atomic_store(&dirty_saved, dirty_before);
        atomic_store(&lastsave, (int64_t)time(NULL));
        atomic_store(&lastbgsave_ok, true);
        /* a synchronous save copies nothing ahead of writers; the forkless
         * snapshot records here the bytes it serialized early */
        atomic_store(&last_cow, 0);
    } else {
        ctl_log_any(LOG_WARNING, "%s", err);
        if (bgsave) atomic_store(&lastbgsave_ok, false);
    }
    return rc;
}

static void dirty_at_cut(void *arg, uint64_t seq)
{
    (void)seq;
    *(uint64_t *)arg = set.dirty ? set.dirty() : 0;
}

/* A background save: the forkless snapshot (control/snapwrite.h) on a
 * thread of its own, so the control thread's cron goes on and the workers
 * keep serving; the slot is claimed until it ends. */
static void *bgsave_thread(void *arg)
{
    struct keyspace *ks = arg;
    char err[1024], dir[1024], name[256], tmpname[64];
    paths(dir, sizeof(dir), name, sizeof(name));
    snprintf(tmpname, sizeof(tmpname), "temp-%d.rdb", (int)getpid());
    int64_t t0 = (int64_t)time(NULL);
    struct rdb_aux aux = {
        .redis_ver = set.redis_ver ? set.redis_ver : "7.0.15",
        .ctime = (long long)time(NULL),
        .used_mem = set.used_memory ? (long long)set.used_memory() : 0,
    };
    enum rdb_usage usage = set.usage ? (enum rdb_usage)set.usage() : RDB_USAGE_NONE;
    bool checksum = set.rdbchecksum ? *set.rdbchecksum != 0 : true;
    uint64_t dirty_cut = 0;
    struct snapw_stats sst;
    struct rdbf_save_stats fst = {0};
    int rc =
        snapw_save(ks, &snapw_rdb, dir, name, tmpname, store_tun.rdb_compression != 0, checksum,
                   &aux, usage, dirty_at_cut, &dirty_cut, &sst, &fst, err, sizeof(err));
    if (rc == -EBUSY) { /* the AOF's rewrite holds the snapshot: again later */
        atomic_store(&bgsave_start, -1);
        atomic_store(&busy, PERSIST_IDLE);
        atomic_store(&bg_scheduled, true);
        return NULL;
    }
    if (rc == 0) {
        ctl_log_any(LOG_NOTICE, "DB saved on disk");
        /* what a fork's copy-on-write would have cost: the bytes workers
         * serialized ahead of their writes (INFO rdb_last_cow_size) */
        ctl_log_any(LOG_NOTICE,
                    "Snapshot at write-log position %llu: %llu keys, %llu saved ahead of a write "
                    "(%llu bytes), cut %lld us, longest slice %lld us",
                    (unsigned long long)sst.cut_seq, (unsigned long long)sst.keys,
                    (unsigned long long)sst.saved_by_gate,
                    (unsigned long long)sst.saved_by_gate_bytes, (long long)sst.open_us,
                    (long long)sst.max_slice_us);
        atomic_store(&dirty_saved, dirty_cut);
        atomic_store(&lastsave, (int64_t)time(NULL));
        atomic_store(&lastbgsave_ok, true);
        atomic_store(&last_cow, sst.saved_by_gate_bytes);
        pthread_mutex_lock(&snap_stats_lock);
        last_snapshot = sst;
        pthread_mutex_unlock(&snap_stats_lock);
        ctl_log_any(LOG_NOTICE, "Background saving terminated with success");
    } else {
        ctl_log_any(LOG_WARNING, "%s", err);
        atomic_store(&lastbgsave_ok, false);
        ctl_log_any(LOG_WARNING, "Background saving error");
    }
    atomic_store(&last_bgsave_secs, (int64_t)time(NULL) - t0);
    atomic_store(&bgsave_start, -1);
    atomic_store(&busy, PERSIST_IDLE);
    return NULL;
}

static void run_bgsave(struct keyspace *ks)
{
    ctl_log(LOG_NOTICE, "Background saving started");
    pthread_t th;
    int e = pthread_create(&th, NULL, bgsave_thread, ks);
    if (e != 0) {
        ctl_log(LOG_WARNING, "Can't save in background: thread: %s", strerror(e));
        atomic_store(&lastbgsave_ok, false);
        atomic_store(&bgsave_start, -1);
        atomic_store(&busy, PERSIST_IDLE);
        return;
    }
    pthread_detach(th);
}

/* Parse `save` into (seconds, changes) pairs; returns the count. */
static int save_points(long long sec[], long long chg[], int max)
{
    return set.save_points ? set.save_points(sec, chg, max) : 0;
}

bool persist_has_save_points(void)
{
    long long sec[MAX_SAVE_POINTS], chg[MAX_SAVE_POINTS];
    return save_points(sec, chg, MAX_SAVE_POINTS) > 0;
}

void persist_cron(struct keyspace *ks)
{
    /* one snapshot at a time: an AOF rewrite's goes first */
    if (snap_busy()) return;
    if (atomic_exchange(&bg_pending, false)) run_bgsave(ks);
    if (atomic_load(&bg_scheduled) && persist_bgsave_request()) {
        atomic_store(&bg_scheduled, false);
        atomic_store(&bg_pending, false);
        run_bgsave(ks);
    }
    static int64_t last_check_ms;
    int64_t now_ms = store_mstime();
    if (now_ms - last_check_ms < 100) return;
    last_check_ms = now_ms;
    long long sec[MAX_SAVE_POINTS], chg[MAX_SAVE_POINTS];
    int n = save_points(sec, chg, MAX_SAVE_POINTS);
    atomic_store(&save_points_set, n > 0);
    if (!n || atomic_load(&busy) != PERSIST_IDLE) return;
    int64_t now = now_ms / 1000;
    uint64_t changes = (set.dirty ? set.dirty() : 0) - atomic_load(&dirty_saved);
    for (int i = 0; i < n; i++) {
        if ((long long)changes >= chg[i] && now - atomic_load(&lastsave) > sec[i] &&
            (now - atomic_load(&lastbgsave_try) > BGSAVE_RETRY_DELAY ||
             atomic_load(&lastbgsave_ok))) {
            int idle = PERSIST_IDLE;
            if (!atomic_compare_exchange_strong(&busy, &idle, PERSIST_BGSAVE)) return;
            ctl_log(LOG_NOTICE, "%lld changes in %lld seconds. Saving...", chg[i], sec[i]);
            atomic_fetch_add(&saves, 1);
            atomic_store(&lastbgsave_try, now);
            atomic_store(&bgsave_start, now);
            run_bgsave(ks);
            return;
        }
    }
}

bool persist_writes_denied(void)
{
    if (atomic_load_explicit(&lastbgsave_ok, memory_order_relaxed)) return false;
    return set.stop_writes_on_bgsave_error && *set.stop_writes_on_bgsave_error &&
           atomic_load(&save_points_set);
}

int persist_reload_locked(struct keyspace *ks, bool merge, bool noflush, bool nosave)
{
    char err[2048];
    if (!nosave && persist_save_locked(ks, PERSIST_KIND_INTERNAL, err, sizeof(err)) < 0) return -1;
    if (!noflush)
        for (unsigned i = 0; i < ks->nshards; i++)
            for (unsigned db = 0; db < ks->ndb; db++) db_flush_shard(ks, i, (int)db, false);
    char dir[1024], name[256], path[1300];
    paths(dir, sizeof(dir), name, sizeof(name));
    if (name[0] == '/')
        snprintf(path, sizeof(path), "%s", name);
    else
        snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct rdbf_load_opts opts = {
        .merge = merge,
        .checksum = set.rdbchecksum ? *set.rdbchecksum != 0 : true,
        .deep = store_tun.sanitize_dump_payload == RDB_SANITIZE_YES,
    };
    struct rdbf_load_result res;
    int rc = rdbf_load_locked(ks, path, &opts, &res, err, sizeof(err));
    if (rc == 0 && res.missing) {
        snprintf(err, sizeof(err), "Fatal error loading the DB %s: No such file or directory",
                 path);
        rc = -1;
    }
    if (rc < 0) {
        ctl_log_any(LOG_WARNING, "%s", err);
        return -2;
    }
    atomic_store(&load_loaded, res.loaded);
    atomic_store(&load_expired, res.expired);
    ctl_log_any(LOG_WARNING, "DB reloaded by DEBUG RELOAD");
    return 0;
}

int persist_load_startup(struct keyspace *ks, char *err, size_t errlen)
{
    char dir[1024], name[256], path[1300];
    paths(dir, sizeof(dir), name, sizeof(name));
    if (name[0] == '/')
        snprintf(path, sizeof(path), "%s", name);
    else
        snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct rdbf_load_opts opts = {
        .checksum = set.rdbchecksum ? *set.rdbchecksum != 0 : true,
        .deep = store_tun.sanitize_dump_payload == RDB_SANITIZE_YES,
    };
    struct rdbf_load_result res;
    int64_t t0 = store_ustime();
    atomic_store(&loading, true);
    int rc = rdbf_load_locked(ks, path, &opts, &res, err, errlen);
    atomic_store(&loading, false);
    if (rc < 0) return -1;
    if (res.missing) return 0;
    atomic_store(&load_loaded, res.loaded);
    atomic_store(&load_expired, res.expired);
    if (res.empty_skipped)
        ctl_log(LOG_WARNING,
                "Done loading RDB, keys loaded: %llu, keys expired: %llu, empty keys skipped: "
                "%llu.",
                (unsigned long long)res.loaded, (unsigned long long)res.expired,
                (unsigned long long)res.empty_skipped);
    else
        ctl_log(LOG_NOTICE, "Done loading RDB, keys loaded: %llu, keys expired: %llu.",
                (unsigned long long)res.loaded, (unsigned long long)res.expired);
    ctl_log(LOG_NOTICE, "DB loaded from disk: %.3f seconds", (double)(store_ustime() - t0) / 1e6);
    /* what was just loaded counts as saved */
    atomic_store(&dirty_saved, set.dirty ? set.dirty() : 0);
    return 0;
}

size_t persist_info(char *buf, size_t cap)
{
    int64_t now = (int64_t)time(NULL), start = atomic_load(&bgsave_start);
    bool bg = atomic_load(&busy) == PERSIST_BGSAVE;
    uint64_t dirty = (set.dirty ? set.dirty() : 0) - atomic_load(&dirty_saved);
    int n = snprintf(
        buf, cap,
        "loading:%d\r\n"
        "async_loading:0\r\n"
        "current_cow_peak:0\r\n"
        "current_cow_size:0\r\n"
        "current_cow_size_age:0\r\n"
        "current_fork_perc:0.00\r\n"
        "current_save_keys_processed:0\r\n"
        "current_save_keys_total:0\r\n"
        "rdb_changes_since_last_save:%llu\r\n"
        "rdb_bgsave_in_progress:%d\r\n"
        "rdb_last_save_time:%lld\r\n"
        "rdb_last_bgsave_status:%s\r\n"
        "rdb_last_bgsave_time_sec:%lld\r\n"
        "rdb_current_bgsave_time_sec:%lld\r\n"
        "rdb_saves:%llu\r\n"
        "rdb_last_cow_size:%llu\r\n"
        "rdb_last_load_keys_expired:%llu\r\n"
        "rdb_last_load_keys_loaded:%llu\r\n",
        atomic_load(&loading) ? 1 : 0, (unsigned long long)dirty, bg ? 1 : 0,
        (long long)atomic_load(&lastsave), atomic_load(&lastbgsave_ok) ? "ok" : "err",
        (long long)atomic_load(&last_bgsave_secs), (long long)(bg && start >= 0 ? now - start : -1),
        (unsigned long long)atomic_load(&saves), (unsigned long long)atomic_load(&last_cow),
        (unsigned long long)atomic_load(&load_expired),
        (unsigned long long)atomic_load(&load_loaded));
    return n < 0 ? 0 : (size_t)n;
}
