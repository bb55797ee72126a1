/* sg_gen.h — ssgen's engine: connections, when each request is sent,
 * the replies, the measurement window and the latency histogram. It knows
 * nothing of the wire: a transport (sg_net.c on a DPDK port, sg_sock.c on
 * kernel sockets) sends what sg_gen appended to a connection's send buffer,
 * releases bytes with sg_conn_release(), and hands received in-order bytes
 * to sg_gen_rx().
 *
 * Closed loop (the default, redis-benchmark's): a connection sends -P
 * requests and the next -P when all their replies are complete; latency is
 * measured from the batch's sending.
 *
 * Open loop (--rate R): R requests per second in total, on a schedule that
 * does not wait for replies: each connection has its own arrival process of
 * rate R/C (fixed intervals C/R with connection i offset by i/R, so together
 * one request every 1/R; or, with --poisson, exponential gaps, whose
 * superposition is a Poisson process of rate R). A request's latency is
 * measured from its scheduled time, so time a request spent waiting to be
 * sent counts (no coordinated omission). -P bounds the requests in flight
 * per connection; a connection at the bound sends its overdue requests as
 * soon as replies make room, each still timed from its own schedule, and in
 * one segment or write when several are due (pipelining on catch-up).
 *
 * The window: requests scheduled (open loop) or sent (closed loop) before
 * --warmup seconds have passed are answered and checked but not measured.
 * Then -n N measured requests, or those of --duration seconds, are sent;
 * the run ends when every request sent has its reply. Throughput is
 * measured replies / (last measured reply - first measured request).
 *
 * Busy fraction: the transport's loop calls sg_gen_iter() at the top of
 * each iteration; an iteration in which nothing was received, sent or
 * issued counts as idle. An iteration longer than SG_STALL_US (no
 * iteration's work takes that long, even a timer pass over 10,000
 * connections) is taken for the process having been descheduled and is
 * left out of both, counted as stalled. busy = 1 - idle / (window -
 * stalled), over the measurement window while requests are being issued:
 * near 1.0 the generator was the bottleneck while it ran; well below it,
 * the server (or the schedule) was. stalled / window says how much of the
 * window another process had the generator's core.
 */
#ifndef SG_GEN_H
#define SG_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "sg_clock.h"
#include "sg_hist.h"
#include "sg_rand.h"
#include "sg_resp.h"
#include "sg_work.h"

#define SG_MAX_CONNS    16384
#define SG_MAX_PIPELINE 1024
#define SG_MAX_REQUESTS 1000000000ULL
#define SG_STALL_US     500

struct sg_req {
    uint64_t t0; /* sent (closed loop) or scheduled (open loop), TSC */
    uint64_t key;
    uint32_t vlen;
    uint8_t op;
    uint8_t measured;
};

struct sg_conn {
    uint8_t *sbuf; /* request bytes [soff, slen) not yet released by the transport */
    uint32_t soff, slen, scap;
    struct sg_req *ring; /* requests awaiting replies: [head, head + pending) mod -P */
    uint32_t head, pending;
    double due;     /* open loop: the next request's scheduled time (TSC) */
    int32_t hpos;   /* open loop: position in the due heap, -1 when not in it */
    bool exhausted; /* open loop: nothing more to schedule */
    bool touched;   /* on the transport's list for this iteration */
    struct sg_resp rp;
};

struct sg_opts {
    unsigned nconns, pipeline;
    uint64_t nreq;           /* measured requests (without --duration) */
    double duration, warmup; /* seconds; duration > 0 bounds the run by time */
    double rate;             /* > 0: open loop, requests per second in total */
    bool poisson;
    bool check; /* compare GET values */
    uint64_t seed;
    struct sg_work work;
};

struct sg_gen {
    struct sg_opts o;
    struct sg_clock clk;
    struct sg_rng rng;
    struct sg_conn *conns;
    struct sg_req *rings; /* every connection's ring, one block */
    unsigned n;
    uint32_t *touched;
    unsigned ntouched;
    uint32_t *heap;
    unsigned nheap, nlive;
    double gap; /* open loop: ticks between one connection's requests (mean) */
    size_t max_req;
    /* the run */
    bool running, stopping, failed;
    uint64_t t_start, t_meas, t_issue_end, t_stop, t_first, t_last;
    uint64_t issued, issued_meas, done, done_meas, outstanding;
    uint64_t sets, gets, ok, misses, err_replies, bad;
    char why[512];
    char first_err[192];
    struct sg_hist hist;
    /* busy accounting */
    uint64_t it_t, idle, stalled, stall_ticks;
    bool it_worked;
};

int sg_gen_init(struct sg_gen *g, const struct sg_opts *o, uint64_t hz);
void sg_gen_free(struct sg_gen *g);
/* Every connection is established: the run begins. */
void sg_gen_start(struct sg_gen *g, uint64_t now);
/* Open loop: issue the requests due by `now`; both loops: notice the end of
 * --duration. Returns the number of requests issued. */
unsigned sg_gen_issue(struct sg_gen *g, uint64_t now);
/* In-order reply bytes of connection c. */
void sg_gen_rx(struct sg_gen *g, struct sg_conn *c, const uint8_t *p, uint32_t len, uint64_t now);
void sg_gen_fail(struct sg_gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline bool sg_gen_finished(const struct sg_gen *g)
{
    return g->stopping && g->outstanding == 0;
}

static inline void sg_gen_touch(struct sg_gen *g, struct sg_conn *c)
{
    if (!c->touched) {
        c->touched = true;
        g->touched[g->ntouched++] = (uint32_t)(c - g->conns);
    }
}

/* The transport no longer needs the first n unreleased bytes. */
static inline void sg_conn_release(struct sg_conn *c, uint32_t n)
{
    c->soff += n;
    if (c->soff >= c->slen) c->soff = c->slen = 0;
}

static inline uint32_t sg_conn_unreleased(const struct sg_conn *c)
{
    return c->slen - c->soff;
}

/* Top of every transport loop iteration: charges the previous one to idle
 * if it did nothing (sg_gen_worked() not called) within the window. */
static inline void sg_gen_iter(struct sg_gen *g, uint64_t now)
{
    if (g->running && !g->stopping && g->it_t >= g->t_meas) {
        uint64_t d = now - g->it_t;
        if (d > g->stall_ticks)
            g->stalled += d;
        else if (!g->it_worked)
            g->idle += d;
    }
    g->it_t = now;
    g->it_worked = false;
}

static inline void sg_gen_worked(struct sg_gen *g)
{
    g->it_worked = true;
}

/* The measured busy and stalled fractions (see above); -1 before the window. */
double sg_gen_busy(const struct sg_gen *g);
double sg_gen_stalled(const struct sg_gen *g);

#endif
