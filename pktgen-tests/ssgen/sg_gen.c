/* sg_gen.c — the engine (see sg_gen.h). */
#include "sg_gen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sg_gen_fail(struct sg_gen *g, const char *fmt, ...)
{
    if (g->failed) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->why, sizeof(g->why), fmt, ap);
    va_end(ap);
    g->failed = true;
}

int sg_gen_init(struct sg_gen *g, const struct sg_opts *o, uint64_t hz)
{
    memset(g, 0, sizeof(*g));
    g->o = *o;
    sg_clock_set_hz(&g->clk, hz);
    g->stall_ticks = hz / 1000000 * SG_STALL_US;
    sg_rng_seed(&g->rng, o->seed);
    g->n = o->nconns;
    g->max_req = sg_work_max_req(&o->work);
    g->conns = calloc(g->n, sizeof(*g->conns));
    g->touched = calloc(g->n, sizeof(*g->touched));
    g->heap = calloc(g->n, sizeof(*g->heap));
    g->rings = calloc((size_t)g->n * o->pipeline, sizeof(*g->rings));
    if (!g->conns || !g->touched || !g->heap || !g->rings || sg_hist_init(&g->hist) != 0)
        return -ENOMEM; /* sg_gen_free() releases what was had */
    for (unsigned i = 0; i < g->n; i++) {
        struct sg_conn *c = &g->conns[i];
        c->ring = g->rings + (size_t)i * o->pipeline;
        c->hpos = -1;
        sg_resp_init(&c->rp);
    }
    return 0;
}

void sg_gen_free(struct sg_gen *g)
{
    if (g->conns)
        for (unsigned i = 0; i < g->n; i++) free(g->conns[i].sbuf);
    free(g->rings);
    g->rings = NULL;
    free(g->conns);
    free(g->touched);
    free(g->heap);
    sg_hist_free(&g->hist);
    g->conns = NULL;
}

/* ---- the due heap (open loop): connections with room, by next due time ---- */

static bool due_before(const struct sg_gen *g, uint32_t a, uint32_t b)
{
    return g->conns[a].due < g->conns[b].due;
}

static void heap_set(struct sg_gen *g, unsigned pos, uint32_t ci)
{
    g->heap[pos] = ci;
    g->conns[ci].hpos = (int32_t)pos;
}

static void heap_up(struct sg_gen *g, unsigned pos)
{
    uint32_t ci = g->heap[pos];
    while (pos > 0) {
        unsigned parent = (pos - 1) / 2;
        if (!due_before(g, ci, g->heap[parent])) break;
        heap_set(g, pos, g->heap[parent]);
        pos = parent;
    }
    heap_set(g, pos, ci);
}

static void heap_down(struct sg_gen *g, unsigned pos)
{
    uint32_t ci = g->heap[pos];
    for (;;) {
        unsigned l = 2 * pos + 1, m = pos;
        if (l >= g->nheap) break;
        m = l;
        if (l + 1 < g->nheap && due_before(g, g->heap[l + 1], g->heap[l])) m = l + 1;
        if (!due_before(g, g->heap[m], ci)) break;
        heap_set(g, pos, g->heap[m]);
        pos = m;
    }
    heap_set(g, pos, ci);
}

static void heap_push(struct sg_gen *g, struct sg_conn *c)
{
    unsigned pos = g->nheap++;
    heap_set(g, pos, (uint32_t)(c - g->conns));
    heap_up(g, pos);
}

static void heap_pop(struct sg_gen *g)
{
    g->conns[g->heap[0]].hpos = -1;
    if (--g->nheap > 0) {
        heap_set(g, 0, g->heap[g->nheap]);
        heap_down(g, 0);
    }
}

/* ---- issuing ---- */

static void stop_issuing(struct sg_gen *g, uint64_t now)
{
    if (g->stopping) return;
    g->stopping = true;
    g->t_stop = now;
    for (unsigned i = 0; i < g->nheap; i++) g->conns[g->heap[i]].hpos = -1;
    g->nheap = 0;
}

static bool reserve(struct sg_gen *g, struct sg_conn *c, size_t need)
{
    if (c->slen + need <= c->scap) return true;
    if (c->soff > 0) { /* compact: the released head is dead */
        memmove(c->sbuf, c->sbuf + c->soff, c->slen - c->soff);
        c->slen -= c->soff;
        c->soff = 0;
        if (c->slen + need <= c->scap) return true;
    }
    size_t cap = c->scap ? c->scap : 256;
    while (cap < c->slen + need) cap *= 2;
    if (cap > UINT32_MAX) {
        sg_gen_fail(g, "send buffer of connection %u too large", (unsigned)(c - g->conns));
        return false;
    }
    uint8_t *nb = realloc(c->sbuf, cap);
    if (nb == NULL) {
        sg_gen_fail(g, "out of memory");
        return false;
    }
    c->sbuf = nb;
    c->scap = (uint32_t)cap;
    return true;
}

/* One request on c, timed from t0. */
static bool issue_one(struct sg_gen *g, struct sg_conn *c, uint64_t t0, bool measured)
{
    if (!reserve(g, c, g->max_req)) return false;
    struct sg_work *w = &g->o.work;
    struct sg_req *r = &c->ring[(c->head + c->pending) % g->o.pipeline];
    r->op = (uint8_t)sg_work_op(w, &g->rng);
    r->key = sg_work_key(w, &g->rng);
    r->vlen = sg_work_vlen(w, r->key); /* what SET writes and GET expects */
    r->t0 = t0;
    r->measured = measured;
    c->slen += (uint32_t)sg_work_encode(w, c->sbuf + c->slen, r->op, r->key, r->vlen);
    c->pending++;
    g->outstanding++;
    g->issued++;
    if (r->op == SG_SET)
        g->sets++;
    else
        g->gets++;
    if (measured) {
        if (g->issued_meas++ == 0 || t0 < g->t_first) g->t_first = t0;
        if (g->o.duration <= 0 && g->issued_meas == g->o.nreq) stop_issuing(g, t0);
    }
    sg_gen_touch(g, c);
    return true;
}

/* Closed loop: the next batch of up to -P requests on c (nothing pending). */
static void issue_batch(struct sg_gen *g, struct sg_conn *c, uint64_t now)
{
    bool measured = now >= g->t_meas;
    for (unsigned i = 0; i < g->o.pipeline && !g->stopping && !g->failed; i++)
        if (!issue_one(g, c, now, measured)) return;
}

static double next_gap(struct sg_gen *g)
{
    return g->o.poisson ? sg_rng_exp(&g->rng, g->gap) : g->gap;
}

void sg_gen_start(struct sg_gen *g, uint64_t now)
{
    g->running = true;
    g->t_start = now;
    g->t_meas = now + (uint64_t)(g->o.warmup * (double)g->clk.hz);
    g->t_issue_end =
        g->o.duration > 0 ? g->t_meas + (uint64_t)(g->o.duration * (double)g->clk.hz) : UINT64_MAX;
    g->t_first = UINT64_MAX;
    g->it_t = now;
    if (g->o.rate > 0) {
        g->gap = (double)g->clk.hz * g->n / g->o.rate;
        double step = (double)g->clk.hz / g->o.rate;
        g->nlive = g->n;
        for (unsigned i = 0; i < g->n; i++) {
            struct sg_conn *c = &g->conns[i];
            c->due = (double)now + (g->o.poisson ? sg_rng_exp(&g->rng, g->gap) : step * i);
            heap_push(g, c);
        }
        return;
    }
    for (unsigned i = 0; i < g->n && !g->stopping; i++) issue_batch(g, &g->conns[i], now);
}

unsigned sg_gen_issue(struct sg_gen *g, uint64_t now)
{
    if (!g->running || g->stopping) return 0;
    if (g->o.rate <= 0) {
        if (now >= g->t_issue_end) stop_issuing(g, now);
        return 0;
    }
    unsigned n = 0;
    while (g->nheap > 0 && !g->failed) {
        struct sg_conn *c = &g->conns[g->heap[0]];
        if (c->due > (double)now) break;
        uint64_t t0 = (uint64_t)c->due;
        if (t0 >= g->t_issue_end) { /* --duration: this connection's schedule is over */
            heap_pop(g);
            c->exhausted = true;
            if (--g->nlive == 0) stop_issuing(g, now);
            continue;
        }
        if (!issue_one(g, c, t0, t0 >= g->t_meas)) break;
        n++;
        if (g->stopping) break; /* -n reached */
        c->due += next_gap(g);
        if (c->pending == g->o.pipeline)
            heap_pop(g); /* at the bound: back when a reply makes room */
        else
            heap_down(g, 0);
    }
    if (n) sg_gen_worked(g);
    return n;
}

/* ---- replies ---- */

static void complete(struct sg_gen *g, struct sg_conn *c, int st, uint64_t now)
{
    struct sg_req *r = &c->ring[c->head];
    if (r->measured) {
        sg_hist_add(&g->hist, sg_ticks_to_ns(&g->clk, now > r->t0 ? now - r->t0 : 0));
        g->done_meas++;
        g->t_last = now;
    }
    if (st == SG_R_OK) {
        g->ok++;
    } else if (st == SG_R_MISS) {
        g->misses++;
    } else {
        if (st == SG_R_ERR)
            g->err_replies++;
        else
            g->bad++;
        if (g->err_replies + g->bad == 1) {
            if (st == SG_R_ERR)
                snprintf(g->first_err, sizeof(g->first_err), "-%s", c->rp.line);
            else
                snprintf(g->first_err, sizeof(g->first_err), "%s", c->rp.why);
        }
    }
    c->head = (c->head + 1) % g->o.pipeline;
    bool was_full = c->pending == g->o.pipeline;
    c->pending--;
    g->outstanding--;
    g->done++;
    if (g->stopping) return;
    if (g->o.rate <= 0) {
        if (c->pending == 0) issue_batch(g, c, now);
    } else if (was_full && c->hpos < 0 && !c->exhausted) {
        heap_push(g, c);
    }
}

void sg_gen_rx(struct sg_gen *g, struct sg_conn *c, const uint8_t *p, uint32_t len, uint64_t now)
{
    const uint8_t *q = p, *end = p + len;
    sg_gen_worked(g);
    while (q < end && !g->failed) {
        if (c->pending == 0) {
            sg_gen_fail(g, "protocol error: a reply on connection %u without a request",
                        (unsigned)(c - g->conns));
            return;
        }
        const struct sg_req *r = &c->ring[c->head];
        int st = sg_resp_next(&c->rp, &q, end, &g->o.work, r->op, r->key, r->vlen, g->o.check);
        if (st == SG_R_MORE) break;
        if (st == SG_R_PROTO) {
            sg_gen_fail(g, "protocol error on connection %u: %s", (unsigned)(c - g->conns),
                        c->rp.why);
            return;
        }
        complete(g, c, st, now);
    }
}

static double window(const struct sg_gen *g)
{
    uint64_t end = g->stopping ? g->t_stop : g->it_t;
    return g->running && end > g->t_meas ? (double)(end - g->t_meas) : 0;
}

double sg_gen_busy(const struct sg_gen *g)
{
    double win = window(g) - (double)g->stalled;
    if (win <= 0) return -1;
    double b = 1.0 - (double)g->idle / win;
    return b < 0 ? 0 : b;
}

double sg_gen_stalled(const struct sg_gen *g)
{
    double win = window(g);
    return win > 0 ? (double)g->stalled / win : -1;
}
