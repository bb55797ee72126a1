/* fuzz_tcp_rx.c — libFuzzer target for the data plane's receive path.
 *
 * Input: a sequence of records [1-byte length-hint][2-byte len][frame];
 * each frame goes through net_rx_burst() on a worker whose listener accepts
 * and echoes, the clock advancing a little between frames (timers run).
 * Invariants checked after every input: SND.UNA <= SND.NXT <= SND.MAX for
 * every TCB, and every mbuf returned to the pool once the worker is gone.
 * Seed corpus: tests/fuzz/corpus/tcp_rx (a SYN, an ACK with data, a RST).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "eal_exit.h"
#include "net.h"
#include "tcp.h"

static struct rte_mempool *pool;
static struct net_worker *cur;

static void tx_sink(struct net_worker *w, struct rte_mbuf **p, unsigned n)
{
    (void)w;
    rte_pktmbuf_free_bulk(p, n);
}

static struct conn *last;
static void *on_acc(void *wctx, struct conn *c)
{
    last = c;
    return c;
}
static void on_rd(void *s)
{
    struct conn *c = s;
    uint8_t buf[512];
    ssize_t n;
    /* every other event: read in place first (the session's way) */
    static unsigned turn;
    size_t len;
    const void *p;
    while ((turn++ & 1) && (p = c->ops->peek(c, &len)) != NULL) {
        size_t k = len > 7 ? len - 7 : len; /* leave a tail for recv() */
        struct iovec iov = {(void *)(uintptr_t)p, k};
        c->ops->send(c, &iov, 1);
        c->ops->consume(c, k);
    }
    while ((n = c->ops->recv(c, buf, sizeof(buf))) > 0) {
        struct iovec iov = {buf, (size_t)n};
        c->ops->send(c, &iov, 1);
    }
    if (n == 0) c->ops->close(c);
}
static void on_wr(void *s)
{
    (void)s;
}
static void on_cl(void *s)
{
    (void)s;
}
static const struct conn_handler handler = {on_acc, on_rd, on_wr, on_cl};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=ss_fuzz_%d", (int)getpid());
    char *eal[] = {"fuzz", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-m",
                   "128",  "-l",        "0",        "--log-level", "lib.eal:error",  prefix,
                   NULL};
    if (rte_eal_init(11, eal) < 0) abort();
    atexit(eal_cleanup_runtime_dir); /* eal_exit.h */
    pool = rte_pktmbuf_pool_create("fz", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (pool == NULL) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct net_if nif;
    net_if_init(&nif);
    nif.ip = rte_cpu_to_be_32(0xC6120002);
    nif.mask = rte_cpu_to_be_32(0xFFFFFF00);
    nif.listen_port = 6379;
    nif.tcbs_per_worker = 64;
    nif.syn_backlog = 4;
    nif.keepalive_s = 1;
    struct rte_ether_addr mac = {{2, 0, 0, 0, 0, 2}};
    nif.mac = mac;
    struct net_worker *w = net_worker_create(&nif, 0, pool);
    if (w == NULL) abort();
    cur = w;
    w->tx_fn = tx_sink;
    w->h = &handler;
    w->now_us = 1000000000ull;
    w->tcp->wheel_ms = w->now_us / 1000;
    size_t off = 0;
    while (off + 3 <= size) {
        uint8_t step = data[off];
        uint16_t len = (uint16_t)(data[off + 1] << 8 | data[off + 2]);
        off += 3;
        if (len > size - off) len = (uint16_t)(size - off);
        if (len > 2000) len = 2000;
        struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
        if (m == NULL) break;
        char *p = rte_pktmbuf_append(m, len);
        if (p == NULL) {
            rte_pktmbuf_free(m);
            break;
        }
        memcpy(p, data + off, len);
        off += len;
        net_rx_burst(w, &m, 1);
        w->now_us += (uint64_t)step * 10000;
        net_timers(w);
        net_poll_end(w);
        net_flush(w);
        for (uint32_t i = 0; i < w->tcp->ntcb; i++) {
            struct tcb *t = &w->tcp->tcbs[i];
            if (!t->in_use || t->state == TCP_SYN_RECEIVED) continue;
            if (SEQ_GT(t->snd_una, t->snd_max) || SEQ_GT(t->snd_nxt, t->snd_max)) abort();
        }
    }
    net_worker_destroy(w);
    if (rte_mempool_avail_count(pool) != 4095) abort();
    return 0;
}
