/* aof.c — the multi-part append-only file (see aof.h): the AOF thread that
 * reads the write log and writes the incremental file, fsync policies and
 * group commit, rewrites on the forkless snapshot, start-up and loading. */
#include "aof.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof_format.h"
#include "aof_load.h"
#include "aof_manifest.h"
#include "control.h"
#include "rdb_file.h"
#include "snapshot.h"
#include "snapwrite.h"
#include "tunables.h"
#include "wlog.h"

_Atomic uint64_t aof_reply_seq;

static struct aof_settings set;

enum { RW_IDLE = 0, RW_REQUESTED, RW_RUNNING };

static struct {
    atomic_bool on;   /* the AOF is enabled and its thread runs */
    atomic_bool stop; /* the thread's stop request */
    pthread_t th;
    int efd;             /* wakes the thread (eventfd) */
    atomic_int sleeping; /* the thread is about to wait on efd */
    /* the manifest and the open incremental file (AOF thread; the lock
     * guards them against INFO and the rewrite's end) */
    pthread_mutex_t lock;
    struct aof_manifest m;
    int fd;
    struct rdb_out out; /* the write buffer, sink: the incremental file */
    int selected_db;
    long long last_ts;
    uint64_t written_seq; /* last unit in the buffer */
    uint64_t pending_seq; /* last unit written to the file */
    uint64_t fsynced_seq; /* last unit fsynced (or handed to the fsync thread) */
    int64_t last_fsync_us;
    uint64_t incr_size;    /* bytes in the incremental files */
    uint64_t base_size;    /* bytes of the base */
    uint64_t rewrite_base; /* aof_current_size after the last rewrite */
    /* rewrite */
    atomic_int rw;
    /* CONFIG SET appendonly yes: the next rewrite to start switches the
     * AOF on (the log starts at its cut) */
    atomic_bool enable_pending;
    /* appendonly changed while a rewrite ran: its result is dropped, as
     * Redis kills the rewriting child */
    atomic_uint rw_gen;        /* the running (or last) rewrite's number */
    atomic_uint rw_cancel_gen; /* the number of a rewrite to drop */
    char rw_new_incr[256];     /* the INCR file switch_incr opened for the running rewrite */
    _Atomic uint64_t rw_cut;   /* units after it go to the new file; UINT64_MAX: none */
    bool rw_switched;
    int64_t rw_start, last_rw_secs;
    atomic_bool last_rw_ok, last_write_ok;
    atomic_uint_fast64_t rewrites, rw_failures;
    char write_err[128];
    struct keyspace *ks;
} A = {.fd = -1, .selected_db = -1, .efd = -1};

/* everysec's fsync thread (see fsync_thread) */
static struct {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int job;   /* descriptor to fsync and close; -1: none */
    bool busy; /* a job is queued or running */
    bool stop, started;
    atomic_bool ok; /* the last background fsync succeeded */
    atomic_uint_fast64_t delayed;
} F = {.job = -1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .ok = true};

void aof_configure(const struct aof_settings *s)
{
    set = *s;
    pthread_mutex_init(&A.lock, NULL);
    atomic_store(&A.last_rw_ok, true);
    atomic_store(&A.last_write_ok, true);
    atomic_store(&A.rw_cut, UINT64_MAX);
}

static int policy(void)
{
    return set.fsync ? *set.fsync : AOF_FSYNC_EVERYSEC;
}

bool aof_hold_replies(void)
{
    return atomic_load_explicit(&A.on, memory_order_relaxed);
}

const char *aof_write_error(void)
{
    return A.write_err[0] ? A.write_err : "Unknown error";
}

bool aof_writes_denied(void)
{
    return atomic_load_explicit(&A.on, memory_order_relaxed) &&
           (!atomic_load_explicit(&A.last_write_ok, memory_order_relaxed) ||
            !atomic_load_explicit(&F.ok, memory_order_relaxed));
}

/* ---- names and paths ---------------------------------------------------- */

static void names(char *dir, size_t dl, char *fname, size_t fl)
{
    if (set.lock) pthread_mutex_lock(set.lock);
    snprintf(dir, dl, "%s/%s", set.dir && set.dir[0] ? set.dir : ".",
             set.dirname && set.dirname[0] ? set.dirname : "appendonlydir");
    snprintf(fname, fl, "%s", set.filename && set.filename[0] ? set.filename : "appendonly.aof");
    if (set.lock) pthread_mutex_unlock(set.lock);
}

static void file_path(char *out, size_t n, const char *file)
{
    char dir[1024], fname[256];
    names(dir, sizeof(dir), fname, sizeof(fname));
    snprintf(out, n, "%s/%s", dir, file);
}

static bool preamble(void)
{
    return set.rdb_preamble ? *set.rdb_preamble != 0 : true;
}

static struct aof_file new_file(long long seq, char type, bool rdb)
{
    char dir[1024], fname[200];
    names(dir, sizeof(dir), fname, sizeof(fname));
    struct aof_file f = {.seq = seq, .type = type};
    if (type == AOF_BASE)
        snprintf(f.name, sizeof(f.name), "%s.%lld.base.%s", fname, seq, rdb ? "rdb" : "aof");
    else
        snprintf(f.name, sizeof(f.name), "%s.%lld.incr.aof", fname, seq);
    return f;
}

static uint64_t file_size(const char *name)
{
    char path[2048];
    file_path(path, sizeof(path), name);
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int save_manifest(char *err, size_t errlen)
{
    char dir[1024], fname[256], mname[300];
    names(dir, sizeof(dir), fname, sizeof(fname));
    snprintf(mname, sizeof(mname), "%s.manifest", fname);
    return aofm_save(&A.m, dir, mname, err, errlen);
}

/* ---- loading ------------------------------------------------------------ */

static bool is_rdb_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char sig[5];
    bool rdb = fread(sig, 1, 5, f) == 5 && memcmp(sig, "REDIS", 5) == 0;
    fclose(f);
    return rdb;
}

/* A file is an RDB followed by commands (a base with the preamble, an old
 * single-file AOF), or commands only, as Redis reads either. */
static int load_one(struct keyspace *ks, const char *name, bool last, char *err, size_t errlen)
{
    char path[2048];
    file_path(path, sizeof(path), name);
    long start = 0;
    if (is_rdb_file(path)) {
        struct rdbf_load_opts opts = {.checksum = set.rdbchecksum ? *set.rdbchecksum != 0 : true,
                                      .deep = store_tun.sanitize_dump_payload == 1};
        struct rdbf_load_result res;
        if (rdbf_load_locked(ks, path, &opts, &res, err, errlen) < 0) return -1;
        if (res.missing) {
            snprintf(err, errlen, "The AOF file %s doesn't exist", name);
            return -1;
        }
        start = (long)res.end;
    }
    struct aof_load_stats st = {0};
    bool load_truncated = set.load_truncated && *set.load_truncated;
    int rc =
        aof_replay_file(path, start, last && load_truncated, set.load_thread, &st, err, errlen);
    if (rc == AOF_REPLAY_TRUNCATED && !last && load_truncated)
        snprintf(err, errlen, "Fatal error: the truncated file %s is not the last file", name);
    return rc < 0 ? -1 : 0;
}

/* Every file the manifest names must be there before any is loaded, as in
 * Redis (it sums their sizes first): a missing one is fatal. */
static int check_files(char *err, size_t errlen)
{
    int n = (A.m.has_base ? 1 : 0) + A.m.nincr;
    for (int i = 0; i < n; i++) {
        const char *name =
            A.m.has_base ? (i == 0 ? A.m.base.name : A.m.incr[i - 1].name) : A.m.incr[i].name;
        char path[2048];
        struct stat st;
        file_path(path, sizeof(path), name);
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "Unable to obtain the AOF file %s length. stat: %s", name,
                     strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Before 7.0 the AOF was one file, dir/appendfilename. Finding it and no
 * manifest, Redis 7.0 adopts it as the base of a new manifest and moves it
 * into the AOF directory, the manifest first; a manifest naming only that
 * base while the file is still beside the directory is a move a crash
 * interrupted, finished now. So do we. 1 adopted, 0 none, -1 with err. */
static int adopt_single_file(bool have_manifest, char *err, size_t errlen)
{
    char dir[1024], fname[256], old[1400], moved[1400];
    names(dir, sizeof(dir), fname, sizeof(fname));
    if (set.lock) pthread_mutex_lock(set.lock);
    snprintf(old, sizeof(old), "%s/%s", set.dir && set.dir[0] ? set.dir : ".", fname);
    if (set.lock) pthread_mutex_unlock(set.lock);
    struct stat st;
    if (stat(old, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    snprintf(moved, sizeof(moved), "%s/%s", dir, fname);
    if (have_manifest &&
        !(A.m.has_base && A.m.nincr == 0 && !strcmp(A.m.base.name, fname) && stat(moved, &st) != 0))
        return 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "Can't create the AOF directory %s: %s", dir, strerror(errno));
        return -1;
    }
    aofm_free(&A.m);
    aofm_init(&A.m);
    A.m.has_base = true;
    A.m.base = (struct aof_file){.seq = 1, .type = AOF_BASE};
    snprintf(A.m.base.name, sizeof(A.m.base.name), "%s", fname);
    A.m.base_seq = 1;
    if (save_manifest(err, errlen) != 0) return -1;
    if (rename(old, moved) != 0) {
        snprintf(err, errlen, "Error trying to move the old AOF file %s into dir %s: %s", old, dir,
                 strerror(errno));
        return -1;
    }
    ctl_log(LOG_NOTICE,
            "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", fname,
            dir);
    return 1;
}

int aof_load_startup(struct keyspace *ks, bool enabled, char *err, size_t errlen)
{
    if (!enabled) return 0;
    A.ks = ks;
    char dir[1024], fname[256], mpath[1400];
    names(dir, sizeof(dir), fname, sizeof(fname));
    snprintf(mpath, sizeof(mpath), "%s/%s.manifest", dir, fname);
    int rc = aofm_load(&A.m, mpath, err, errlen);
    if (rc < 0) return -1;
    int adopted = adopt_single_file(rc == 1, err, errlen);
    if (adopted < 0) return -1;
    if (rc == 0 && adopted == 0) return 0; /* no AOF yet: aof_start creates one */
    if (check_files(err, errlen) < 0) return -1;
    int64_t t0 = store_ustime();
    int total = (A.m.has_base ? 1 : 0) + A.m.nincr;
    int done = 0;
    if (A.m.has_base) {
        done++;
        if (load_one(ks, A.m.base.name, done == total, err, errlen) < 0) return -1;
        A.base_size = file_size(A.m.base.name);
    }
    for (int i = 0; i < A.m.nincr; i++) {
        done++;
        if (load_one(ks, A.m.incr[i].name, done == total, err, errlen) < 0) return -1;
        A.incr_size += file_size(A.m.incr[i].name);
    }
    ctl_log(LOG_NOTICE, "DB loaded from append only file: %.3f seconds",
            (double)(store_ustime() - t0) / 1e6);
    return 1;
}

/* ---- the incremental file ----------------------------------------------- */

static int fd_sink(void *arg, const void *p, size_t n)
{
    (void)arg;
    const char *b = p;
    while (n) {
        ssize_t w = write(A.fd, b, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        b += w;
        n -= (size_t)w;
        A.incr_size += (uint64_t)w;
    }
    return 0;
}

static int open_incr(const struct aof_file *f, char *err, size_t errlen)
{
    char path[2048];
    file_path(path, sizeof(path), f->name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "Can't open the append-only file %s: %s", f->name, strerror(errno));
        return -1;
    }
    A.fd = fd;
    A.selected_db = -1; /* a new file starts with a SELECT */
    rdb_out_free(&A.out);
    rdb_out_sink(&A.out, false, false, fd_sink, NULL);
    return 0;
}

/* ---- everysec's fsync, on a thread of its own ------------------------- */

/* Redis fsyncs everysec's file in a background thread so that a slow disk
 * holds up neither the event loop nor the writes; so do we: the AOF thread
 * hands over a duplicate of the file's descriptor (the file may be
 * switched meanwhile) and goes on writing. One fsync at a time: one still
 * running when the next is due is a delayed fsync (INFO aof_delayed_fsync). */

static void *fsync_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&F.mu);
    for (;;) {
        while (F.job < 0 && !F.stop) pthread_cond_wait(&F.cv, &F.mu);
        if (F.job < 0) break; /* stopping, nothing queued */
        int fd = F.job;
        F.job = -1;
        pthread_mutex_unlock(&F.mu);
        int rc = fdatasync(fd);
        int en = errno;
        close(fd);
        if (rc != 0) {
            if (atomic_exchange(&F.ok, false))
                ctl_log_any(LOG_WARNING, "Fsync error on the AOF file: %s", strerror(en));
        } else if (!atomic_load(&F.ok)) {
            ctl_log_any(LOG_WARNING, "AOF fsync error looks solved, Redis can write again.");
            atomic_store(&F.ok, true);
        }
        pthread_mutex_lock(&F.mu);
        F.busy = false;
    }
    pthread_mutex_unlock(&F.mu);
    return NULL;
}

/* Queue an fsync of the incremental file; false when the last one still
 * runs (or the descriptor cannot be duplicated). */
static bool fsync_in_background(void)
{
    pthread_mutex_lock(&F.mu);
    bool queued = false;
    if (F.started && !F.busy) {
        int fd = fcntl(A.fd, F_DUPFD_CLOEXEC, 0);
        if (fd >= 0) {
            F.job = fd;
            F.busy = queued = true;
            pthread_cond_signal(&F.cv);
        }
    }
    pthread_mutex_unlock(&F.mu);
    return queued;
}

static int fsync_pending(void)
{
    pthread_mutex_lock(&F.mu);
    int n = F.busy ? 1 : 0;
    pthread_mutex_unlock(&F.mu);
    return n;
}

static void fsync_thread_start(void)
{
    pthread_mutex_lock(&F.mu);
    F.stop = false;
    F.started = pthread_create(&F.th, NULL, fsync_thread, NULL) == 0;
    pthread_mutex_unlock(&F.mu);
}

/* After the AOF thread: the queued fsync still runs. */
static void fsync_thread_stop(void)
{
    pthread_mutex_lock(&F.mu);
    bool started = F.started;
    F.stop = true;
    F.started = false;
    pthread_cond_signal(&F.cv);
    pthread_mutex_unlock(&F.mu);
    if (started) pthread_join(F.th, NULL);
}

/* ---- writing ------------------------------------------------------------ */

static void release_replies(uint64_t seq)
{
    if (seq <= atomic_load(&aof_reply_seq)) return;
    atomic_store(&aof_reply_seq, seq);
    if (set.wake_workers) set.wake_workers();
}

/* Write the buffer out, release the replies it covers, fsync as the policy
 * says (force_sync: now, on this thread, whatever the policy).
 *
 * Replies go once their units are in the file, or under `always` once
 * fsynced too, except while no-appendfsync-on-rewrite skips the fsync
 * (then as written, as Redis). A failed write keeps the buffer (retried
 * every turn) and makes the server refuse writes; the replies of what
 * waits in the buffer then go anyway, as Redis replies to a command that
 * is in its AOF buffer, except under `always`, where they wait for the disk
 * to take them. */
static void flush_and_sync(bool force_sync)
{
    if (A.fd < 0) return; /* enabled at run time: no file before the rewrite's cut */
    int p = policy();
    if (A.out.len) {
        A.out.err = 0;
        if (rdb_out_flush(&A.out) != 0) {
            if (atomic_exchange(&A.last_write_ok, false))
                ctl_log_any(LOG_WARNING, "Error writing to the AOF file: %s", strerror(-A.out.err));
            snprintf(A.write_err, sizeof(A.write_err), "%s", strerror(-A.out.err));
            if (p != AOF_FSYNC_ALWAYS) release_replies(A.written_seq);
            return;
        }
        if (!atomic_load(&A.last_write_ok)) {
            ctl_log_any(LOG_WARNING, "AOF write error looks solved, Redis can write again.");
            atomic_store(&A.last_write_ok, true);
        }
        A.pending_seq = A.written_seq;
    }
    bool rewriting = atomic_load(&A.rw) == RW_RUNNING;
    bool skip = rewriting && set.no_fsync_on_rewrite && *set.no_fsync_on_rewrite;
    int64_t now = store_ustime();
    bool unsynced = A.pending_seq > A.fsynced_seq;
    if (unsynced && (force_sync || (p == AOF_FSYNC_ALWAYS && !skip))) {
        if (fdatasync(A.fd) != 0) {
            snprintf(A.write_err, sizeof(A.write_err), "%s", strerror(errno));
            ctl_log_any(LOG_WARNING, "Fsync error on the AOF file: %s", A.write_err);
            atomic_store(&A.last_write_ok, false);
            if (p != AOF_FSYNC_ALWAYS) release_replies(A.pending_seq);
            return;
        }
        A.fsynced_seq = A.pending_seq;
        A.last_fsync_us = now;
    } else if (unsynced && p == AOF_FSYNC_EVERYSEC && !skip && now - A.last_fsync_us >= 1000000) {
        if (fsync_in_background()) {
            A.fsynced_seq = A.pending_seq; /* as far as the queued fsync goes */
            A.last_fsync_us = now;
        } else {
            atomic_fetch_add(&F.delayed, 1);
            A.last_fsync_us = now; /* try again in a second */
        }
    }
    release_replies(A.pending_seq <= A.fsynced_seq || p != AOF_FSYNC_ALWAYS || skip
                        ? A.pending_seq
                        : A.fsynced_seq);
}

/* A rewrite's cut was passed: units after it go to a new incremental file
 * (the manifest names it at once, so a crash now loads old base + old
 * incremental files + the new one). */
static void switch_incr(uint64_t cut)
{
    char err[256];
    flush_and_sync(true);
    pthread_mutex_lock(&A.lock);
    if (A.fd >= 0) close(A.fd);
    A.fd = -1;
    /* nothing at or before the cut is left to write (the log may have
     * started at it) */
    if (A.written_seq < cut) A.written_seq = A.pending_seq = A.fsynced_seq = cut;
    struct aof_file f = new_file(A.m.incr_seq + 1, AOF_INCR, false);
    if (open_incr(&f, err, sizeof(err)) == 0) {
        aofm_add_incr(&A.m, &f);
        snprintf(A.rw_new_incr, sizeof(A.rw_new_incr), "%s", f.name);
        if (save_manifest(err, sizeof(err)) != 0) ctl_log_any(LOG_WARNING, "%s", err);
    } else {
        ctl_log_any(LOG_WARNING, "%s", err);
        atomic_store(&A.last_write_ok, false);
    }
    pthread_mutex_unlock(&A.lock);
    A.rw_switched = true;
}

static void emit_unit(const struct wlog_unit *u)
{
    if (set.timestamps && *set.timestamps) {
        long long now = (long long)time(NULL);
        if (now != A.last_ts) {
            aoff_timestamp(&A.out, now);
            A.last_ts = now;
        }
    }
    bool wrap = u->n > 1 && !(u->flags & WLOG_NO_WRAP);
    const char *cur = NULL;
    struct wlog_fx_view fx;
    for (uint32_t i = 0; wlog_unit_fx(u, i, &cur, &fx); i++) {
        if (fx.db != A.selected_db) {
            aoff_select(&A.out, fx.db);
            A.selected_db = fx.db;
        }
        if (i == 0 && wrap) aoff_multi(&A.out);
        rdb_write(&A.out, fx.resp, fx.len);
    }
    if (wrap) aoff_exec(&A.out);
    A.written_seq = u->seq;
}

static void kick(void)
{
    if (atomic_load(&A.sleeping)) {
        uint64_t one = 1;
        if (write(A.efd, &one, sizeof(one)) < 0) { /* full: awake already */
        }
    }
}

/* A rewrite's cut is pending and everything up to it is written: move to
 * the new incremental file before the first unit after it. */
static void maybe_switch(uint64_t next_seq)
{
    uint64_t cut = atomic_load(&A.rw_cut);
    if (A.rw_switched || cut == UINT64_MAX) return;
    if (next_seq > cut || wlog.consumed_seq >= cut) switch_incr(cut);
}

static void *aof_thread(void *arg)
{
    (void)arg;
    while (!atomic_load(&A.stop)) {
        struct wlog_unit u;
        unsigned n = 0;
        maybe_switch(0);
        while (wlog_next(&u)) {
            maybe_switch(u.seq);
            emit_unit(&u);
            if (++n >= 4096 || A.out.len > (4u << 20)) break; /* keep fsyncs coming */
        }
        if (n) {
            flush_and_sync(false);
            continue;
        }
        flush_and_sync(false); /* everysec's due fsync on a quiet server */
        /* nothing pending: sleep until a worker kicks (a unit came: its
         * writer's reply waits for it) or the time for everysec's fsync */
        atomic_store(&A.sleeping, 1);
        if (wlog_next(&u)) { /* a unit came before we slept */
            atomic_store(&A.sleeping, 0);
            maybe_switch(u.seq);
            emit_unit(&u);
            flush_and_sync(false);
            continue;
        }
        struct pollfd p = {.fd = A.efd, .events = POLLIN};
        poll(&p, 1, 10);
        atomic_store(&A.sleeping, 0);
        uint64_t v;
        if (p.revents & POLLIN && read(A.efd, &v, sizeof(v)) < 0) { /* spurious */
        }
    }
    flush_and_sync(true);
    return NULL;
}

/* The log calls this after every unit it numbers (store/wlog.h): the
 * writer's reply waits for the unit to be in the file, so wake the AOF
 * thread if it sleeps. */
static void on_commit(void)
{
    kick();
}

/* ---- start, stop -------------------------------------------------------- */

static void enable_log(void *arg, uint64_t seq)
{
    (void)arg;
    wlog_set_enabled_locked(true, seq);
    atomic_store(&aof_reply_seq, seq);
    A.written_seq = A.pending_seq = A.fsynced_seq = seq;
}

static int create_base_locked(struct keyspace *ks, char *err, size_t errlen)
{
    char dir[1024], fname[256];
    names(dir, sizeof(dir), fname, sizeof(fname));
    bool rdb = preamble();
    struct aof_file f = new_file(A.m.base_seq + 1, AOF_BASE, rdb);
    struct rdb_aux aux = {.redis_ver = set.redis_ver ? set.redis_ver : "7.0.15",
                          .ctime = (long long)time(NULL),
                          .aof_base = true};
    char tmpname[64];
    snprintf(tmpname, sizeof(tmpname), "temp-rewriteaof-%d.aof", (int)getpid());
    int rc = snapw_save(ks, rdb ? &snapw_rdb : &snapw_aof, dir, f.name, tmpname,
                        set.rdbcompression ? *set.rdbcompression != 0 : true,
                        rdb && (set.rdbchecksum ? *set.rdbchecksum != 0 : true), &aux,
                        RDB_USAGE_NONE, NULL, NULL, NULL, NULL, err, errlen);
    if (rc != 0) return -1;
    A.m.base = f;
    A.m.has_base = true;
    A.m.base_seq = f.seq;
    A.base_size = file_size(f.name);
    return 0;
}

static int start_thread(char *err, size_t errlen)
{
    if (A.efd < 0) A.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    atomic_store(&A.stop, false);
    if (pthread_create(&A.th, NULL, aof_thread, NULL) != 0) {
        snprintf(err, errlen, "Can't start the AOF thread");
        return -1;
    }
    fsync_thread_start();
    wlog_commit_hook = on_commit;
    atomic_store(&A.on, true);
    return 0;
}

int aof_start(struct keyspace *ks, bool enabled, char *err, size_t errlen)
{
    A.ks = ks;
    if (!enabled) return 0;
    char dir[1024], fname[256];
    names(dir, sizeof(dir), fname, sizeof(fname));
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "Can't create the AOF directory %s: %s", dir, strerror(errno));
        return -1;
    }
    /* Redis 7: starting without any AOF file writes a base at once */
    if (!A.m.has_base && A.m.nincr == 0 && create_base_locked(ks, err, errlen) != 0) return -1;
    struct aof_file inc;
    if (A.m.nincr)
        inc = A.m.incr[A.m.nincr - 1];
    else {
        inc = new_file(A.m.incr_seq + 1, AOF_INCR, false);
        aofm_add_incr(&A.m, &inc);
    }
    if (open_incr(&inc, err, errlen) != 0) return -1;
    if (save_manifest(err, errlen) != 0) return -1;
    A.rewrite_base = A.base_size + A.incr_size;
    wlog_cut(ks, enable_log, NULL);
    return start_thread(err, errlen);
}

static void stop_thread(void)
{
    if (!atomic_load(&A.on)) return;
    atomic_store(&A.stop, true);
    uint64_t one = 1;
    if (write(A.efd, &one, sizeof(one)) < 0) {
    }
    pthread_join(A.th, NULL);
    fsync_thread_stop();
    atomic_store(&A.on, false);
    wlog_commit_hook = NULL;
}

static void disable_log(void *arg, uint64_t seq)
{
    (void)arg;
    wlog_set_enabled_locked(false, seq);
}

void aof_shutdown(void)
{
    stop_thread();
    wlog_release(); /* the thread is gone: what the cut left is freed */
    if (A.fd >= 0) {
        fsync(A.fd);
        close(A.fd);
        A.fd = -1;
    }
    rdb_out_free(&A.out);
}

/* ---- rewriting ---------------------------------------------------------- */

/* Inside the rewrite's cut: the log starts here when the AOF is being
 * switched on, and the AOF thread moves to a new file after this unit. */
struct rw_job {
    unsigned gen;
    bool enabling; /* the rewrite that switches the AOF on */
};

static bool rw_cancelled(const struct rw_job *j)
{
    return atomic_load(&A.rw_cancel_gen) == j->gen;
}

static void rw_at_cut(void *arg, uint64_t seq)
{
    const struct rw_job *j = arg;
    /* appendonly switched since the rewrite began: no log, no new file */
    if (rw_cancelled(j)) return;
    if (j->enabling) {
        wlog_set_enabled_locked(true, seq);
        atomic_store(&aof_reply_seq, seq);
    }
    atomic_store(&A.rw_cut, seq);
}

static void delete_file(const char *name)
{
    char path[2048];
    file_path(path, sizeof(path), name);
    unlink(path);
}

/* appendonly was switched while the rewrite ran: its base goes; an
 * enabling rewrite's INCR file (opened at its cut, after the log stopped
 * again) leaves the manifest as it was before. Then the next rewrite, if
 * a later CONFIG SET appendonly yes asked for one. */
static void rewrite_dropped(const struct aof_file *base, bool enabling)
{
    if (base) delete_file(base->name);
    pthread_mutex_lock(&A.lock);
    if (enabling && A.rw_new_incr[0] && A.m.nincr &&
        strcmp(A.m.incr[A.m.nincr - 1].name, A.rw_new_incr) == 0) {
        char err[256];
        A.m.nincr--;
        if (save_manifest(err, sizeof(err)) != 0) ctl_log_any(LOG_WARNING, "%s", err);
        delete_file(A.rw_new_incr);
    }
    A.rw_new_incr[0] = '\0';
    pthread_mutex_unlock(&A.lock);
    atomic_store(&A.rw_cut, UINT64_MAX);
    ctl_log_any(LOG_NOTICE, "Background AOF rewrite stopped: appendonly was switched meanwhile");
    atomic_store(&A.rw, atomic_load(&A.enable_pending) ? RW_REQUESTED : RW_IDLE);
}

/* The rewrite: a base as of a cut; the AOF thread moves to a new
 * incremental file for what follows the cut; at the end the manifest
 * names the new base and that file only, and the old files go. With the
 * AOF off, the base comes with a new empty incremental file. */
static void *rewrite_thread(void *arg)
{
    (void)arg;
    struct rw_job job = {.gen = atomic_load(&A.rw_gen),
                         .enabling = atomic_exchange(&A.enable_pending, false)};
    bool enabling = job.enabling;
    bool aof_on = atomic_load(&A.on);
    A.rw_new_incr[0] = '\0';
    char err[1024], dir[1024], fname[256];
    names(dir, sizeof(dir), fname, sizeof(fname));
    bool rdb = preamble();
    pthread_mutex_lock(&A.lock);
    struct aof_file base = new_file(A.m.base_seq + 1, AOF_BASE, rdb);
    pthread_mutex_unlock(&A.lock);
    struct rdb_aux aux = {.redis_ver = set.redis_ver ? set.redis_ver : "7.0.15",
                          .ctime = (long long)time(NULL),
                          .aof_base = true};
    char tmpname[64];
    snprintf(tmpname, sizeof(tmpname), "temp-rewriteaof-bg-%d.aof", (int)getpid());
    int64_t t0 = (int64_t)time(NULL);
    A.rw_switched = false;
    int rc =
        snapw_save(A.ks, rdb ? &snapw_rdb : &snapw_aof, dir, base.name, tmpname,
                   set.rdbcompression ? *set.rdbcompression != 0 : true,
                   rdb && (set.rdbchecksum ? *set.rdbchecksum != 0 : true), &aux, RDB_USAGE_NONE,
                   aof_on ? rw_at_cut : NULL, &job, NULL, NULL, err, sizeof(err));
    if (rc == -EBUSY) { /* a BGSAVE holds the snapshot: the cron retries */
        if (enabling) atomic_store(&A.enable_pending, true);
        atomic_store(&A.rw, RW_REQUESTED);
        return NULL;
    }
    /* the AOF thread moves past the cut within a turn of its loop */
    for (int i = 0; rc == 0 && aof_on && !A.rw_switched && !rw_cancelled(&job) && i < 5000; i++) {
        kick();
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        if (!atomic_load(&A.on)) break;
    }
    if (rw_cancelled(&job)) {
        rewrite_dropped(rc == 0 ? &base : NULL, enabling);
        return NULL;
    }
    if (rc == 0 && aof_on && !A.rw_switched) {
        snprintf(err, sizeof(err), "the AOF thread did not reach the rewrite's cut");
        rc = -1;
    }
    pthread_mutex_lock(&A.lock);
    if (rc == 0) {
        struct aof_manifest old = A.m, nm;
        aofm_init(&nm);
        nm.has_base = true;
        nm.base = base;
        nm.base_seq = base.seq;
        nm.incr_seq = old.incr_seq;
        /* with the AOF on, the INCR file opened at the cut goes on; with it
         * off, Redis 7.0 leaves the base alone in the manifest (every INCR
         * file becomes history and is deleted; none is opened) */
        struct aof_file keep = {0};
        if (aof_on) {
            keep = old.incr[old.nincr - 1];
            aofm_add_incr(&nm, &keep);
        }
        A.m = nm;
        if (save_manifest(err, sizeof(err)) != 0) {
            aofm_free(&A.m);
            A.m = old;
            rc = -1;
        } else {
            if (old.has_base) delete_file(old.base.name);
            for (int i = 0; i < old.nincr; i++)
                if (!aof_on || strcmp(old.incr[i].name, keep.name) != 0)
                    delete_file(old.incr[i].name);
            for (int i = 0; i < old.nhist; i++) delete_file(old.hist[i].name);
            aofm_free(&old);
            A.base_size = file_size(base.name);
            A.incr_size = aof_on ? file_size(keep.name) : 0;
            A.rewrite_base = A.base_size + A.incr_size;
        }
    } else {
        delete_file(base.name);
    }
    pthread_mutex_unlock(&A.lock);
    atomic_store(&A.rw_cut, UINT64_MAX);
    A.last_rw_secs = (int64_t)time(NULL) - t0;
    if (rc == 0) {
        atomic_fetch_add(&A.rewrites, 1);
        atomic_store(&A.rw_failures, 0);
        atomic_store(&A.last_rw_ok, true);
        ctl_log_any(LOG_NOTICE, "Background AOF rewrite finished successfully");
    } else {
        atomic_fetch_add(&A.rw_failures, 1);
        atomic_store(&A.last_rw_ok, false);
        ctl_log_any(LOG_WARNING, "Background AOF rewrite failed: %s", err);
    }
    A.rw_new_incr[0] = '\0';
    /* a CONFIG SET appendonly yes that came as this one ended: its turn */
    atomic_store(&A.rw, atomic_load(&A.enable_pending) ? RW_REQUESTED : RW_IDLE);
    return NULL;
}

/* Start a rewrite if the state is still `from` (idle, or requested: then
 * no moment shows neither requested nor running). */
static int start_rewrite(int from)
{
    int expect = from;
    if (!atomic_compare_exchange_strong(&A.rw, &expect, RW_RUNNING)) return -1;
    atomic_fetch_add(&A.rw_gen, 1); /* the thread's number (one runs at a time) */
    A.rw_start = (int64_t)time(NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, rewrite_thread, NULL) != 0) {
        atomic_store(&A.rw, from);
        return -1;
    }
    pthread_detach(th);
    ctl_log(LOG_NOTICE, "Background append only file rewriting started");
    return 0;
}

bool aof_rewrite_in_progress(void)
{
    return atomic_load(&A.rw) == RW_RUNNING;
}

int aof_request_rewrite(void)
{
    if (atomic_load(&A.rw) == RW_RUNNING) return -1;
    if (!A.ks) return -1;
    char dir[1024], fname[256];
    names(dir, sizeof(dir), fname, sizeof(fname));
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return -1;
    /* one snapshot at a time: after a BGSAVE's (the cron starts it) */
    if (snap_busy()) {
        atomic_store(&A.rw, RW_REQUESTED);
        return 1;
    }
    if (start_rewrite(RW_REQUESTED) == 0) return 0;
    return start_rewrite(RW_IDLE) == 0 ? 0 : -1;
}

int aof_set_enabled(struct keyspace *ks, bool on, char *err, size_t errlen)
{
    if (on == atomic_load(&A.on)) return 0;
    /* a rewrite running now was started for the other setting: Redis kills
     * its child; ours finishes its snapshot and drops it */
    if (atomic_load(&A.rw) == RW_RUNNING) atomic_store(&A.rw_cancel_gen, atomic_load(&A.rw_gen));
    if (!on) {
        atomic_store(&A.enable_pending, false);
        if (atomic_load(&A.rw) == RW_REQUESTED) atomic_store(&A.rw, RW_IDLE);
        wlog_cut(ks, disable_log, NULL);
        aof_shutdown();
        return 0;
    }
    /* on at run time: a rewrite makes the base; the log starts at its cut */
    char dir[1024], fname[256];
    names(dir, sizeof(dir), fname, sizeof(fname));
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "Can't create the AOF directory %s: %s", dir, strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&A.lock);
    aofm_free(&A.m);
    char mpath[1400];
    snprintf(mpath, sizeof(mpath), "%s/%s.manifest", dir, fname);
    if (aofm_load(&A.m, mpath, err, errlen) < 0) aofm_init(&A.m);
    A.fd = -1; /* the first file opens at the rewrite's cut */
    A.written_seq = A.pending_seq = A.fsynced_seq = 0;
    pthread_mutex_unlock(&A.lock);
    if (start_thread(err, errlen) != 0) return -1;
    atomic_store(&A.enable_pending, true);
    /* a rewrite still running (dropped above) hands over to this one when
     * it ends; a BGSAVE in the way makes it wait for the cron */
    if (atomic_load(&A.rw) == RW_IDLE && aof_request_rewrite() < 0) {
        atomic_store(&A.enable_pending, false);
        snprintf(err, errlen, "Background append only file rewriting could not start");
        return -1;
    }
    return 0;
}

void aof_cron(struct keyspace *ks)
{
    A.ks = ks;
    if (atomic_load(&A.rw) == RW_REQUESTED && !snap_busy()) start_rewrite(RW_REQUESTED);
    if (!atomic_load(&A.on) || atomic_load(&A.rw) != RW_IDLE) return;
    long long perc = set.rewrite_perc ? *set.rewrite_perc : 100;
    long long min = set.rewrite_min_size ? *set.rewrite_min_size : 64LL << 20;
    uint64_t cur = A.base_size + A.incr_size;
    if (!perc || cur < (uint64_t)min) return;
    uint64_t base = A.rewrite_base ? A.rewrite_base : 1;
    if ((cur - (cur > base ? base : cur)) * 100 / base >= (uint64_t)perc) {
        ctl_log(LOG_NOTICE, "Starting automatic rewriting of AOF on %llu%% growth",
                (unsigned long long)((cur - base) * 100 / base));
        start_rewrite(RW_IDLE);
    }
}

size_t aof_info(char *buf, size_t cap)
{
    bool on = atomic_load(&A.on);
    int rw = atomic_load(&A.rw);
    int64_t now = (int64_t)time(NULL);
    int n = snprintf(buf, cap,
                     "aof_enabled:%d\r\n"
                     "aof_rewrite_in_progress:%d\r\n"
                     "aof_rewrite_scheduled:%d\r\n"
                     "aof_last_rewrite_time_sec:%lld\r\n"
                     "aof_current_rewrite_time_sec:%lld\r\n"
                     "aof_last_bgrewrite_status:%s\r\n"
                     "aof_rewrites:%llu\r\n"
                     "aof_rewrites_consecutive_failures:%llu\r\n"
                     "aof_last_write_status:%s\r\n"
                     "aof_last_cow_size:0\r\n"
                     "module_fork_in_progress:0\r\n"
                     "module_fork_last_cow_size:0\r\n",
                     on ? 1 : 0, rw == RW_RUNNING, rw == RW_REQUESTED,
                     (long long)(atomic_load(&A.rewrites) ? A.last_rw_secs : -1),
                     (long long)(rw == RW_RUNNING ? now - A.rw_start : -1),
                     atomic_load(&A.last_rw_ok) ? "ok" : "err",
                     (unsigned long long)atomic_load(&A.rewrites),
                     (unsigned long long)atomic_load(&A.rw_failures),
                     atomic_load(&A.last_write_ok) && atomic_load(&F.ok) ? "ok" : "err");
    if (n < 0 || (size_t)n >= cap) return n < 0 ? 0 : cap - 1;
    if (on) {
        int k = snprintf(buf + n, cap - (size_t)n,
                         "aof_current_size:%llu\r\n"
                         "aof_base_size:%llu\r\n"
                         "aof_pending_rewrite:0\r\n"
                         "aof_buffer_length:%zu\r\n"
                         "aof_pending_bio_fsync:%d\r\n"
                         "aof_delayed_fsync:%llu\r\n",
                         (unsigned long long)(A.base_size + A.incr_size),
                         (unsigned long long)A.base_size, A.out.len, fsync_pending(),
                         (unsigned long long)atomic_load(&F.delayed));
        if (k > 0) n += k;
    }
    return (size_t)n < cap ? (size_t)n : cap - 1;
}
