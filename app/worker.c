/* worker.c — the worker loop (see worker.h). */
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "block.h"
#include "blocking.h"
#include "config.h"
#include "db.h"
#include "server.h"
#include "session.h"
#include "worker.h"

#ifdef SS_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#define EXPIRE_PERIOD_US 1000   /* an active-expiry slice at most every 1 ms */
#define EXPIRE_BUDGET_US 250    /* ... of at most this long (x active-expire-effort) */
#define CRON_PERIOD_US   100000 /* client timeouts, pause expiry: 10 times a second */

void worker_count_error(struct worker *w, const char *code)
{
    w->total_error_replies++;
    for (int i = 0; i < w->nerrs; i++) {
        if (strcmp(w->errs[i].code, code) == 0) {
            w->errs[i].count++;
            return;
        }
    }
    if (w->nerrs == ERRSTAT_MAX) return; /* Redis also stops tracking new codes */
    snprintf(w->errs[w->nerrs].code, sizeof(w->errs[0].code), "%s", code);
    w->errs[w->nerrs].count = 1;
    w->nerrs++;
}

static void reset_stats(struct worker *w)
{
    memset(w->cmdstats, 0, sizeof(*w->cmdstats) * (size_t)srv.ncmds);
    w->nerrs = 0;
    w->total_error_replies = 0;
    uint64_t dirty = w->st.dirty;
    memset(&w->st, 0, sizeof(w->st));
    w->st.dirty = dirty;
    w->commands = w->net_in = w->net_out = w->reads = w->writes = 0;
    w->client_max_qbuf = w->client_max_obuf = 0;
    w->expire_cycle_us = 0;
}

/* Zero first, then publish the generation: INFO counts a worker whose
 * resetstat_seen lags srv.resetstat_gen as zero, so it never shows stale
 * counts as fresh ones. */
void worker_reset_stats(struct worker *w, unsigned gen)
{
    reset_stats(w);
    __atomic_store_n(&w->resetstat_seen, gen, __ATOMIC_RELEASE);
}

static void wake_worker(void *arg)
{
    struct worker *w = arg;
    srv.tp->ops->wake(srv.tp, w->id);
}

void worker_post(unsigned wid, struct mail *m)
{
    mailbox_post(&srv.workers[wid].mbox, m);
}

/* CLIENT KILL from another worker: the killer flags sessions and wakes us. */
void worker_kills(struct worker *w)
{
    struct session *s = w->sessions;
    for (; s; s = s->wnext)
        if (atomic_load(&s->kill)) session_close(s);
}

/* Paused clients resume as soon as the pause ends or is lifted. */
void worker_unpause(struct worker *w)
{
    if (atomic_load(&srv.pause_kind) != PAUSE_NONE &&
        store_mstime() < atomic_load(&srv.pause_end_ms))
        return;
    for (struct session *s = w->sessions; s && w->npaused; s = s->wnext) {
        if (!(s->flags & SF_PAUSED) || session_closing(s)) continue;
        session_set_paused(s, false);
        s->conn->ops->pause_read(s->conn, false);
        session_process(s);
        session_flush(s);
    }
}

/* Ten times a second: idle timeouts and CONFIG RESETSTAT. */
void worker_cron(struct worker *w, int64_t now_ms)
{
    unsigned gen = atomic_load(&srv.resetstat_gen);
    if (gen != w->resetstat_seen) worker_reset_stats(w, gen);
#ifdef SS_HAVE_JEMALLOC
    /* what this thread freed and jemalloc keeps in its cache still counts
     * as allocated (used_memory, whose figure Redis takes from its own
     * counter instead): give it back ten times a second */
    mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
#endif
    /* the idle timeout counts reads and writes (session.c sets last_ms on
     * both); blocked and paused clients are exempt, as in Redis */
    if (cfg.timeout)
        for (struct session *s = w->sessions; s; s = s->wnext)
            if (now_ms - s->last_ms > cfg.timeout * 1000 && !(s->flags & (SF_PAUSED | SF_BLOCKED)))
                session_close(s);
}

int worker_setup(struct worker *w)
{
    if (numa_available() >= 0) numa_set_localalloc();
    pthread_mutex_init(&w->blk_lock, NULL);
    w->blk_next_deadline = INT64_MAX;
    int rc = mailbox_init(&w->mbox, wake_worker, w);
    wlog_buf_init(&w->wlog);
    wlog_register(&w->wlog);
    if (rc == 0) rc = srv.tp->ops->worker_start(srv.tp, w->id, &session_handler, w);
    if (rc < 0) return rc;
    w->us_per_tsc = 1e6 / (double)rte_get_tsc_hz();
    w->tsc_per_ms = rte_get_tsc_hz() / 1000;
    w->iter_us = store_ustime();
    w->iter_tsc = rte_rdtsc();
    return 0;
}

void worker_iterate(struct worker *w)
{
    const struct transport_ops *ops = srv.tp->ops;
    /* re-anchor the TSC-advanced clock to real time once a millisecond
     * (a busy-polling loop turns in well under that) */
    if (rte_rdtsc() - w->iter_tsc >= w->tsc_per_ms) {
        w->iter_us = store_ustime();
        w->iter_tsc = rte_rdtsc();
    }
    ops->poll(srv.tp, w->id, 10000);
    mailbox_drain(&w->mbox, w);
    if (w->blocked) block_timeouts(w, store_mstime());
    if (blk_deferred_pending()) blk_serve_deferred(&srv.ks, &w->st, &w->wlog);
    if (w->npaused) worker_unpause(w);
    if (w->held) session_release_held(w);
    ops->flush(srv.tp, w->id);
    if (atomic_load_explicit(&w->kill_pending, memory_order_relaxed) &&
        atomic_exchange(&w->kill_pending, 0))
        worker_kills(w);
    int64_t now = worker_now_us(w, rte_rdtsc());
    if (now - w->last_cron_us >= CRON_PERIOD_US) {
        w->last_cron_us = now;
        worker_cron(w, now / 1000);
    }
    if (cfg.active_expire && now - w->last_expire_us >= EXPIRE_PERIOD_US) {
        w->last_expire_us = now;
        db_active_expire(&srv.ks, w->shard_first, w->shard_last,
                         EXPIRE_BUDGET_US * cfg.active_expire_effort, &w->st, &w->wlog);
        w->expire_cycle_us += (uint64_t)(store_ustime() - now);
    }
    /* the one place sessions are freed (session.h, "Closing") */
    if (w->closing) session_reap(w);
}

int worker_main(void *arg)
{
    struct worker *w = arg;
    int rc = worker_setup(w);
    if (rc < 0) {
        fprintf(stderr, "worker %u: transport start failed: %s\n", w->id, strerror(-rc));
        atomic_store(&srv.shutdown_asap, 1);
        return rc;
    }
    atomic_store(&w->running, true);
    while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) worker_iterate(w);
    srv.tp->ops->worker_stop(srv.tp, w->id);
    session_reap(w); /* what worker_stop closed (on_close) */
    atomic_store(&w->running, false);
    return 0;
}
