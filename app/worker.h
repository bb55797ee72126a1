/* worker.h — a worker lcore: its loop, its sessions, its statistics.
 *
 * A worker runs: poll the transport (parse and execute what arrived, queue
 * replies) -> flush (replies leave this iteration) -> timers (client
 * timeouts, pause expiry, kill requests) -> a slice of active expiry. Its
 * counters are its own (one cache line apart from the others); INFO sums
 * them. Nothing here blocks. */
#ifndef SS_WORKER_H
#define SS_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "cmdtable.h"

#define ERRSTAT_MAX 128

#include "mailbox.h"
#include "wlog.h"

struct errstat {
    char code[32];
    uint64_t count;
};

struct worker {
    unsigned id;
    unsigned lcore;
    struct wstats st;         /* store counters (hits, misses, expired...) */
    struct cmdstat *cmdstats; /* [srv.ncmds] */
    struct errstat errs[ERRSTAT_MAX];
    int nerrs;
    uint64_t total_error_replies;
    uint64_t commands, net_in, net_out, reads, writes;
    uint64_t client_max_qbuf, client_max_obuf; /* recent maxima (INFO clients) */
    /* The worker's clock: real time read at most once a millisecond and
     * advanced between readings with the TSC (a command's time costs an
     * rdtsc, not a clock_gettime). */
    int64_t iter_us;
    uint64_t iter_tsc;
    double us_per_tsc;
    uint64_t tsc_per_ms;      /* re-anchoring period */
    unsigned npaused;         /* sessions holding input for CLIENT PAUSE */
    struct session *sessions; /* this worker's clients (own list) */
    unsigned nsessions;
    struct session *closing;          /* closed this iteration, freed by session_reap() */
    struct session *held;             /* output waiting for the AOF's fsync (session.h) */
    unsigned shard_first, shard_last; /* active-expiry share */
    atomic_int kill_pending;
    atomic_bool stop;
    atomic_bool running;
    unsigned resetstat_seen;
    int64_t last_expire_us, last_cron_us;
    uint64_t expire_cycle_us;
    struct sarg *argv; /* scratch argument array */
    int argv_cap;
    struct mailbox mbox;  /* cross-thread events (store/mailbox.h) */
    struct wlog_buf wlog; /* this worker's part of the write log (store/wlog.h) */
    /* blocked sessions (app/block.h) */
    pthread_mutex_t blk_lock; /* guards session.blk against CLIENT UNBLOCK */
    struct session *blocked;
    int64_t blk_next_deadline; /* earliest deadline, ms; INT64_MAX if none */
} __attribute__((aligned(64)));

int worker_main(void *arg); /* the lcore entry point */
/* On the worker's thread, before its loop: mailbox, transport start, the
 * clock. 0 or -errno. (worker_main's first step.) */
int worker_setup(struct worker *w);
/* One turn of worker_main's loop: poll, mailbox, timeouts, flush, kills,
 * cron, expiry, reap (docs/architecture.md, "Threads"). */
void worker_iterate(struct worker *w);
/* Steps of that loop, also run on their own by tests/fuzz/fuzz_session.c:
 * pending CLIENT KILLs, clients held by a CLIENT PAUSE that ended, and the
 * 100 ms cron (idle timeouts, CONFIG RESETSTAT). */
void worker_kills(struct worker *w);
void worker_unpause(struct worker *w);
void worker_cron(struct worker *w, int64_t now_ms);

/* Unix time in microseconds at TSC reading tsc (taken on this worker). */
static inline int64_t worker_now_us(const struct worker *w, uint64_t tsc)
{
    return w->iter_us + (int64_t)((double)(tsc - w->iter_tsc) * w->us_per_tsc);
}
/* CONFIG RESETSTAT on this worker's own thread: zero its counters and
 * record that it has seen generation `gen`. */
void worker_reset_stats(struct worker *w, unsigned gen);
/* Before this worker counts anything: apply a CONFIG RESETSTAT another
 * worker made since (so a count that follows it is not lost to the reset
 * the cron would make later). gen: srv.resetstat_gen. */
static inline void worker_resetstat_sync(struct worker *w, const atomic_uint *gen)
{
    unsigned g = atomic_load_explicit(gen, memory_order_acquire);
    if (g != w->resetstat_seen) worker_reset_stats(w, g);
}
/* From any thread: post m to worker wid's mailbox (and wake it). */
void worker_post(unsigned wid, struct mail *m);
/* Count an error reply (errorstats). */
void worker_count_error(struct worker *w, const char *code);

#endif
