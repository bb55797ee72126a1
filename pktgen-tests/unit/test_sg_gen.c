/* test_sg_gen.c — ssgen's engine (pktgen-tests/ssgen/sg_gen.c) against a
 * simulated, deliberately slow server on a virtual clock (1 tick = 1 ns):
 * one FIFO queue served at a fixed service time S. The simulated transport
 * delivers each touched connection's request bytes at once and the reply
 * (a nil bulk) at the request's completion.
 *
 * What it shows:
 *  - closed loop: every latency is S, whatever the server's backlog would
 *    have been (the loop waits, which is why closed loops hide queueing);
 *  - open loop below capacity: latency S, throughput = the offered rate,
 *    arrivals exactly 1/R apart across connections;
 *  - open loop above capacity: latency grows with the time the run lasts
 *    (queueing), timed from the schedule also when the generator itself
 *    held requests back (-P 1: the connection was busy), so a stalled
 *    server cannot hide its queue (coordinated omission);
 *  - Poisson arrivals at 50% load: the M/D/1 mean wait S*rho/(2(1-rho)),
 *    a tail the fixed schedule does not have;
 *  - warm-up, -n and --duration bounds; the busy fraction, with time the
 *    generator was away (descheduled) left out of it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sg_gen.h"

#define REQ_LEN 36 /* a GET with a 16-byte key */
#define STEP    1000

struct sim {
    uint64_t service, free_at;
    uint64_t *done_at; /* completion times, FIFO */
    uint32_t *conn;
    size_t head, tail, cap;
    uint64_t last_arrival, arrivals;
    uint64_t min_gap, max_gap;
};

static void sim_enqueue(struct sim *s, uint32_t c, uint64_t t)
{
    if (s->tail == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->done_at = realloc(s->done_at, s->cap * sizeof(*s->done_at));
        s->conn = realloc(s->conn, s->cap * sizeof(*s->conn));
    }
    uint64_t start = s->free_at > t ? s->free_at : t;
    s->free_at = start + s->service;
    s->done_at[s->tail] = s->free_at;
    s->conn[s->tail++] = c;
    if (s->arrivals++) {
        uint64_t gap = t - s->last_arrival;
        if (gap < s->min_gap) s->min_gap = gap;
        if (gap > s->max_gap) s->max_gap = gap;
    }
    s->last_arrival = t;
}

struct result {
    double rps, p50_us, p99_us, max_us, mean_us, busy, stalled;
    uint64_t measured, warm, done;
    bool finished;
    uint64_t min_gap, max_gap;
};

static uint64_t jump_at, jump_ns; /* the generator "descheduled" once */

static struct result run(struct sg_opts o, uint64_t service_ns, uint64_t limit_ns)
{
    struct result res;
    memset(&res, 0, sizeof(res));
    struct sg_gen g;
    o.work.get_w = 1;
    o.work.set_w = 0;
    o.work.keyspace = 1000;
    o.check = true;
    if (sg_work_finish(&o.work) != 0 || sg_gen_init(&g, &o, 1000000000ULL) != 0) return res;
    struct sim s = {.service = service_ns, .min_gap = UINT64_MAX};
    sg_gen_start(&g, 0);
    uint64_t t = 0;
    for (; t < limit_ns && !g.failed && !sg_gen_finished(&g); t += STEP) {
        if (jump_at && t >= jump_at) {
            t += jump_ns;
            jump_at = 0;
        }
        sg_gen_iter(&g, t);
        while (s.head < s.tail && s.done_at[s.head] <= t) {
            sg_gen_rx(&g, &g.conns[s.conn[s.head]], (const uint8_t *)"$-1\r\n", 5, t);
            s.head++;
        }
        sg_gen_issue(&g, t);
        for (unsigned i = 0; i < g.ntouched; i++) {
            struct sg_conn *c = &g.conns[g.touched[i]];
            c->touched = false;
            uint32_t n = sg_conn_unreleased(c);
            for (uint32_t k = 0; k < n / REQ_LEN; k++) sim_enqueue(&s, g.touched[i], t);
            sg_conn_release(c, n);
            sg_gen_worked(&g);
        }
        g.ntouched = 0;
    }
    res.finished = sg_gen_finished(&g) && !g.failed;
    res.measured = g.done_meas;
    res.done = g.done;
    res.warm = g.issued - g.issued_meas;
    double secs = (double)(g.t_last - g.t_first) / 1e9;
    res.rps = secs > 0 ? (double)g.done_meas / secs : 0;
    res.p50_us = (double)sg_hist_quantile(&g.hist, 0.5) / 1000;
    res.p99_us = (double)sg_hist_quantile(&g.hist, 0.99) / 1000;
    res.max_us = (double)g.hist.max / 1000;
    res.mean_us = g.hist.n ? (double)g.hist.sum / (double)g.hist.n / 1000 : 0;
    res.busy = sg_gen_busy(&g);
    res.stalled = sg_gen_stalled(&g);
    res.min_gap = s.min_gap;
    res.max_gap = s.max_gap;
    free(s.done_at);
    free(s.conn);
    sg_gen_free(&g);
    sg_work_free(&o.work);
    return res;
}

static struct sg_opts base(unsigned conns, unsigned pipeline)
{
    struct sg_opts o;
    memset(&o, 0, sizeof(o));
    sg_work_defaults(&o.work);
    o.nconns = conns;
    o.pipeline = pipeline;
    o.seed = 1;
    return o;
}

static void test_closed_loop_hides_queueing(void)
{
    /* 1 connection, S = 10 us: 100,000 requests/s and every latency S */
    struct sg_opts o = base(1, 1);
    o.nreq = 2000;
    struct result r = run(o, 10000, 1000000000ULL);
    CHECK(r.finished && r.measured == 2000 && r.done == 2000);
    CHECK(fabs(r.p50_us - 10) < 0.01 && fabs(r.max_us - 10) < 0.01);
    CHECK(r.rps > 99000 && r.rps < 101000);
    /* 8 connections on the same server: the loop keeps 8 queued, latency 8 S,
     * and nothing shows a backlog growing */
    o = base(8, 1);
    o.nreq = 4000;
    r = run(o, 10000, 1000000000ULL);
    CHECK(r.finished && fabs(r.p99_us - 80) < 1.01 && r.max_us < 81);
}

static void test_open_loop_below_capacity(void)
{
    /* 50,000/s offered to a 100,000/s server over 10 connections: arrivals
     * exactly 20 us apart, latency S, throughput the offered rate */
    struct sg_opts o = base(10, 16);
    o.rate = 50000;
    o.duration = 0.1;
    struct result r = run(o, 10000, 2000000000ULL);
    CHECK(r.finished);
    CHECK(r.measured >= 4999 && r.measured <= 5001);
    CHECK(r.min_gap == 20000 && r.max_gap == 20000);
    CHECK(fabs(r.p99_us - 10) < 0.01 && fabs(r.max_us - 10) < 0.01);
    CHECK(r.rps > 49000 && r.rps < 51000);
    CHECK(r.busy > 0 && r.busy < 0.2); /* one step in 20 does something */
}

static void test_open_loop_overload_shows_queueing(void)
{
    /* 200,000/s offered to a 100,000/s server for 50 ms: the queue grows by
     * 100 requests a millisecond, so request k waits k * 5 us; the last,
     * scheduled at 50 ms, completes at 100 ms: p50 ~ 25 ms, max ~ 50 ms.
     * The closed loop above never showed more than 8 S. */
    static const unsigned pipelines[] = {1000, 1};
    for (unsigned k = 0; k < 2; k++) {
        struct sg_opts o = base(1, pipelines[k]);
        o.rate = 200000;
        o.duration = 0.05;
        struct result r = run(o, 10000, 2000000000ULL);
        CHECK(r.finished);
        CHECK(r.measured >= 9999 && r.measured <= 10001);
        CHECK(r.p50_us > 24000 && r.p50_us < 26000);
        CHECK(r.max_us > 49000 && r.max_us < 51000);
        CHECK(r.rps > 99000 && r.rps < 101000); /* what the server could do */
    }
    /* the same with 100 connections of -P 1: the backlog waits in the
     * generator, each request still timed from its schedule */
    struct sg_opts o = base(100, 1);
    o.rate = 200000;
    o.duration = 0.05;
    struct result r = run(o, 10000, 2000000000ULL);
    CHECK(r.finished && r.p50_us > 20000 && r.max_us > 45000);
}

static void test_poisson(void)
{
    /* Poisson at 50% load on a deterministic server (M/D/1): mean wait
     * S rho / (2 (1 - rho)) = 5 us, mean latency 15 us; gaps vary */
    struct sg_opts o = base(10, 64);
    o.rate = 50000;
    o.poisson = true;
    o.duration = 2.0;
    struct result r = run(o, 10000, 10000000000ULL);
    CHECK(r.finished);
    CHECK(r.measured > 98000 && r.measured < 102000);
    CHECK(r.mean_us > 14.0 && r.mean_us < 17.0); /* + ~0.5 us: arrivals wait for a 1 us step */
    CHECK(r.p99_us > 25);                        /* the fixed schedule's p99 was S */
    CHECK(r.min_gap < 2000 && r.max_gap > 100000);
}

static void test_bounds(void)
{
    /* warm-up: 10 ms of requests answered but not measured */
    struct sg_opts o = base(4, 4);
    o.rate = 100000;
    o.warmup = 0.01;
    o.duration = 0.02;
    struct result r = run(o, 5000, 2000000000ULL);
    CHECK(r.finished && r.warm >= 999 && r.warm <= 1001);
    CHECK(r.measured >= 1999 && r.measured <= 2001 && r.done == r.measured + r.warm);
    /* -n in the open loop: exactly n measured */
    o = base(3, 2);
    o.rate = 100000;
    o.nreq = 1234;
    r = run(o, 5000, 2000000000ULL);
    CHECK(r.finished && r.measured == 1234 && r.warm == 0);
    /* --duration in the closed loop */
    o = base(2, 3);
    o.duration = 0.01;
    r = run(o, 5000, 2000000000ULL);
    CHECK(r.finished && r.measured > 1900 && r.measured < 2100);
    CHECK(r.busy > 0.15 && r.busy < 0.3); /* a reply and a request every 5 steps */
    CHECK(r.stalled == 0);
    /* the same with the generator away for 5 ms of its 10 (a clock jump at
     * 5 ms): half the window stalled, the busy fraction of the rest
     * unchanged */
    double busy = r.busy;
    jump_at = 5000000;
    jump_ns = 5000000;
    r = run(o, 5000, 2000000000ULL);
    CHECK(r.finished && r.stalled > 0.45 && r.stalled < 0.55);
    CHECK(fabs(r.busy - busy) < 0.02);
}

int main(void)
{
    test_closed_loop_hides_queueing();
    test_open_loop_below_capacity();
    test_open_loop_overload_shows_queueing();
    test_poisson();
    test_bounds();
    printf("sg_gen: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
