/* sg_dpdk.c — ssgen on a DPDK port (see sg_run.h): EAL, the port, the mbuf
 * pool, and the poll loop: RX burst -> sg_net -> due requests -> output of
 * touched connections -> timers -> TX burst.
 *
 * EAL: -l <core> --no-pci --vdev <devargs> --no-shconf, a per-process file
 * prefix (ssgen-<pid>, its runtime directory removed at exit), and
 * --no-huge -m 256 unless --eal names hugepages or memory. net_memif needs
 * no hugepages: its rings and buffers are shared memory (memfd) the PMD
 * maps in both processes, and mbufs are copied in and out of them; only
 * its zero-copy mode (zero-copy=yes) shares the mbuf pool itself, which
 * then must be hugepage-backed and file-backed (--single-file-segments).
 *
 * Transmission keeps what the TX queue did not take for the next
 * iteration (up to SG_TX_MAX frames) instead of dropping it: a drop would
 * cost an RTO (200 ms) that is the generator's, not the server's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "eal_exit.h"
#include "sg_net.h"
#include "sg_run.h"

#define SG_RX_BURST     64
#define SG_TX_MAX       2048
#define SG_NB_MBUF      16383
#define SG_LINK_WAIT_MS 5000
#define SG_RST_BATCH    256

struct port {
    uint16_t id;
    struct rte_mempool *pool;
    struct rte_mbuf *tx[SG_TX_MAX];
    unsigned ntx;
    uint64_t tx_dropped, tx_full; /* frames dropped; bursts the queue did not take whole */
};

static unsigned tx_flush(struct port *pt)
{
    if (pt->ntx == 0) return 0;
    unsigned sent = 0;
    for (int tries = 0; sent < pt->ntx && tries < 4; tries++)
        sent += rte_eth_tx_burst(pt->id, 0, pt->tx + sent, (uint16_t)(pt->ntx - sent));
    if (sent < pt->ntx) {
        memmove(pt->tx, pt->tx + sent, (pt->ntx - sent) * sizeof(pt->tx[0]));
        pt->tx_full++;
    }
    pt->ntx -= sent;
    return sent;
}

static void drain_rx(struct port *pt)
{
    struct rte_mbuf *m[SG_RX_BURST];
    uint16_t n = rte_eth_rx_burst(pt->id, 0, m, SG_RX_BURST);
    if (n) rte_pktmbuf_free_bulk(m, n);
}

static uint8_t *frame_alloc(void *ctx, uint16_t len, void **h)
{
    struct port *pt = ctx;
    struct rte_mbuf *m = rte_pktmbuf_alloc(pt->pool);
    if (m == NULL) return NULL;
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);
    if (p == NULL) {
        rte_pktmbuf_free(m);
        return NULL;
    }
    *h = m;
    return p;
}

static void frame_xmit(void *ctx, void *h)
{
    struct port *pt = ctx;
    if (pt->ntx == SG_TX_MAX) tx_flush(pt);
    if (pt->ntx == SG_TX_MAX) { /* the queue takes nothing: TCP retransmits */
        pt->tx_dropped++;
        rte_pktmbuf_free(h);
        return;
    }
    pt->tx[pt->ntx++] = h;
}

static const struct sg_frame_ops frame_ops = {frame_alloc, frame_xmit};

/* A memif client's link comes up when it has connected to the server's
 * socket and the two have agreed on the rings; frames before that are not
 * taken. */
static int wait_link(const struct port *pt, uint64_t until)
{
    for (;;) {
        struct rte_eth_link link;
        if (rte_eth_link_get_nowait(pt->id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
            return 0;
        if (rte_rdtsc() >= until || sg_signal) return -1;
        rte_delay_us_sleep(1000);
    }
}

static int port_setup(struct port *pt, const char *vdev)
{
    uint16_t pid, n = 0;
    RTE_ETH_FOREACH_DEV(pid)
    {
        if (n++ == 0) pt->id = pid;
    }
    if (n == 0) {
        fprintf(stderr, "ssgen: no DPDK port from --vdev %s\n", vdev);
        return -1;
    }
    pt->pool = rte_pktmbuf_pool_create("ssgen_mbuf", SG_NB_MBUF, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                       (int)rte_socket_id());
    if (pt->pool == NULL) {
        fprintf(stderr, "ssgen: cannot create the mbuf pool: %s\n", rte_strerror(rte_errno));
        return -1;
    }
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf)); /* no offloads: software checksums */
    int rc = rte_eth_dev_configure(pt->id, 1, 1, &conf);
    uint16_t nrx = 1024, ntx = 1024;
    if (rc == 0) rc = rte_eth_dev_adjust_nb_rx_tx_desc(pt->id, &nrx, &ntx);
    int sock = rte_eth_dev_socket_id(pt->id);
    if (sock < 0) sock = (int)rte_socket_id();
    if (rc == 0) rc = rte_eth_rx_queue_setup(pt->id, 0, nrx, (unsigned)sock, NULL, pt->pool);
    if (rc == 0) rc = rte_eth_tx_queue_setup(pt->id, 0, ntx, (unsigned)sock, NULL);
    if (rc == 0) rc = rte_eth_dev_start(pt->id);
    if (rc != 0) {
        fprintf(stderr, "ssgen: port set-up failed: %s\n", rte_strerror(-rc));
        return -1;
    }
    return 0;
}

/* EAL's arguments (see the top of the file); `store` keeps the strings. */
static int eal_args(const struct sg_cfg *cfg, char **av, int max, char *store, size_t slen)
{
    int ac = 0;
    size_t off = 0;
#define ADD(s)                    \
    do {                          \
        if (ac >= max) return -1; \
        av[ac++] = (char *)(s);   \
    } while (0)
#define ADDF(...)                                                 \
    do {                                                          \
        if (off >= slen) return -1;                               \
        char *p_ = store + off;                                   \
        off += (size_t)snprintf(p_, slen - off, __VA_ARGS__) + 1; \
        ADD(p_);                                                  \
    } while (0)
    ADD("ssgen");
    ADD("-l");
    ADDF("%u", cfg->core);
    ADD("--no-pci"); /* never a PCI device: only the --vdev port */
    ADD("--vdev");
    ADD(cfg->vdev);
    ADD("--no-shconf");
    ADDF("--file-prefix=ssgen-%d", (int)getpid());
    ADD("--log-level=4");
    ADD("--no-telemetry");
    const char *x = cfg->eal_extra;
    if (!strstr(x, "huge") && !strstr(x, "-m ") && !strstr(x, "--socket-mem")) {
        ADD("--no-huge");
        ADD("-m");
        ADD("256");
    }
    if (off >= slen) return -1;
    char *copy = store + off, *save;
    snprintf(copy, slen - off, "%s", x);
    for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (strcmp(t, "-a") == 0 || strncmp(t, "--allow", 7) == 0 || strncmp(t, "-w", 2) == 0) {
            fprintf(stderr, "ssgen: --eal may not name a PCI device\n");
            return -1;
        }
        ADD(t);
    }
    av[ac] = NULL;
    return ac;
#undef ADD
#undef ADDF
}

int sg_dpdk_run(struct sg_gen *g, const struct sg_cfg *cfg, const struct sg_opts *o,
                struct sg_counters *k)
{
    char *av[64], store[2048];
    int ac = eal_args(cfg, av, 63, store, sizeof(store));
    if (ac < 0) return -1;
    if (rte_eal_init(ac, av) < 0) {
        fprintf(stderr, "ssgen: EAL init failed: %s\n", rte_strerror(rte_errno));
        /* a failed probe leaves the (empty) runtime directory it made */
        const char *dir = rte_eal_get_runtime_dir();
        if (dir && strstr(dir, "ssgen-")) rmdir(dir);
        return -1;
    }
    static struct port pt; /* the TX array is large */
    struct sg_net net;
    int rc = -1;
    bool port_up = false, net_up = false;
    if (sg_gen_init(g, o, rte_get_tsc_hz()) != 0) {
        fprintf(stderr, "ssgen: out of memory\n");
        goto out;
    }
    if (port_setup(&pt, cfg->vdev) != 0) goto out;
    port_up = true;
    struct rte_ether_addr kmac, mac;
    rte_eth_macaddr_get(pt.id, &kmac);
    mac = kmac;
    if (cfg->own_mac) memcpy(mac.addr_bytes, cfg->mac, 6);
    /* a fresh random port range and ISNs each run, whatever --seed says: no
     * tuple of an earlier run reused (sg_net.h) */
    uint64_t fresh[2];
    if (getrandom(fresh, sizeof(fresh), 0) != (ssize_t)sizeof(fresh)) {
        fresh[0] = rte_rdtsc() ^ ((uint64_t)getpid() << 32);
        fresh[1] = sg_splitmix64(fresh[0]);
    }
    uint16_t base = (uint16_t)(10000 + fresh[0] % (55000 - 10000 - g->n));
    if (sg_net_init(&net, g, &frame_ops, &pt, cfg->ip, cfg->srv_ip, cfg->srv_port, &mac, &kmac,
                    base, fresh[1]) != 0) {
        fprintf(stderr, "ssgen: out of memory\n");
        goto out;
    }
    net_up = true;
    net.verify_l4 =
        strncmp(cfg->vdev, "net_af_packet", 13) != 0 && strncmp(cfg->vdev, "net_tap", 7) != 0;

    uint64_t now = rte_rdtsc(), tsc_ms = g->clk.hz / 1000;
    uint64_t deadline = now + (uint64_t)(cfg->timeout * (double)g->clk.hz);
    if (wait_link(&pt, now + SG_LINK_WAIT_MS * tsc_ms) != 0) {
        fprintf(stderr,
                "ssgen: the link of %s did not come up within %d ms (net_memif: is the server "
                "running, role=server, on the same socket?)\n",
                cfg->vdev, SG_LINK_WAIT_MS);
        goto out;
    }
    uint64_t next_tick = now;
    sg_net_begin(&net, now);
    struct rte_mbuf *rx[SG_RX_BURST];
    static uint8_t scratch[RTE_MBUF_DEFAULT_BUF_SIZE * 8];
    while (!g->failed && !sg_gen_finished(g)) {
        now = rte_rdtsc();
        sg_gen_iter(g, now);
        if (sg_signal) {
            sg_gen_fail(g, "interrupted by signal %d after %" PRIu64 " replies", (int)sg_signal,
                        g->done);
            break;
        }
        if (now >= deadline) {
            sg_gen_fail(g, "timeout after %.1f s: %" PRIu64 " replies, %" PRIu64 " outstanding",
                        cfg->timeout, g->done, g->outstanding);
            break;
        }
        uint16_t nb = rte_eth_rx_burst(pt.id, 0, rx, SG_RX_BURST);
        if (nb) sg_gen_worked(g);
        for (uint16_t i = 0; i < nb; i++) {
            uint32_t len = rte_pktmbuf_pkt_len(rx[i]);
            const uint8_t *p =
                len <= sizeof(scratch) ? rte_pktmbuf_read(rx[i], 0, len, scratch) : NULL;
            if (p) sg_net_input(&net, p, len, now);
            rte_pktmbuf_free(rx[i]);
        }
        sg_gen_issue(g, now);
        sg_net_flush(&net, now);
        /* timers once the RX queue is drained: after a stall (the process
         * descheduled), ACKs still queued must not look like a lost segment
         * (a spurious RTO is the generator's, not the server's); 10 ms late
         * at most */
        if (now >= next_tick && (nb < SG_RX_BURST || now >= next_tick + 10 * tsc_ms)) {
            sg_net_tick(&net, now);
            next_tick = now + tsc_ms;
        }
        if (tx_flush(&pt)) sg_gen_worked(g);
    }
    /* the servers clean up at once: RST every connection, a TX queue's worth
     * at a time, each batch out before the next (1 s at most) */
    uint64_t rst_end = rte_rdtsc() + 1000 * tsc_ms;
    for (unsigned i = 0; i < g->n && rte_rdtsc() < rst_end; i += SG_RST_BATCH) {
        sg_net_reset(&net, i, i + SG_RST_BATCH);
        while (pt.ntx && rte_rdtsc() < rst_end) {
            tx_flush(&pt);
            drain_rx(&pt);
        }
    }
    /* and taken by the peer before the port closes (memif cannot tell) */
    for (uint64_t t = rte_rdtsc() + 100 * tsc_ms; rte_rdtsc() < t;) drain_rx(&pt);
    rc = 0;
    sg_counter(k, "tx_frames", net.st.tx_frames);
    sg_counter(k, "rx_frames", net.st.rx_frames);
    sg_counter(k, "rexmit_segs", net.st.rexmit_segs);
    sg_counter(k, "rto_events", net.st.rto_events);
    sg_counter(k, "syn_rexmit", net.st.syn_rexmit);
    sg_counter(k, "syn_answer_other", net.st.syn_answer_other);
    sg_counter(k, "probes", net.st.probes);
    sg_counter(k, "dup_segs", net.st.dup_segs);
    sg_counter(k, "ooo_segs", net.st.ooo_segs);
    sg_counter(k, "bad_cksum", net.st.bad_cksum);
    sg_counter(k, "own_frames", net.st.own_frames);
    sg_counter(k, "nombuf", net.st.nombuf);
    sg_counter(k, "tx_full", pt.tx_full);
    sg_counter(k, "tx_dropped", pt.tx_dropped);
out:
    if (net_up) sg_net_free(&net);
    if (pt.ntx) rte_pktmbuf_free_bulk(pt.tx, pt.ntx);
    pt.ntx = 0;
    if (port_up) {
        rte_eth_dev_stop(pt.id);
        rte_eth_dev_close(pt.id);
    }
    eal_cleanup_runtime_dir();
    return rc;
}
