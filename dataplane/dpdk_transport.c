/* dpdk_transport.c — the port layer: EAL arguments, port and queue set-up,
 * the mbuf pool, per-worker stacks, flow hand-off between workers, batched
 * transmit, INFO "dataplane"/"tcp" and DPDK telemetry.
 *
 * Queues: nq = min(workers, device RX queues, device TX queues). Worker w
 * polls RX queue w if w < nq and transmits on TX queue w % nq (under a
 * spinlock only when queues are shared). A TCP segment that lands on a
 * worker not owning its flow (net_flow_owner) is enqueued on the owner's
 * inbox ring (MPSC) — af_packet's fanout hash and tap's automq follow no
 * hash we control; tap learns the queue we transmit a flow on, so most
 * packets soon arrive at the owner directly.
 *
 * Checksums: offloaded when the device offers IPv4 and TCP TX checksums
 * (net_tap), computed in software otherwise (af_packet); RX results are
 * taken from the device flags when it offers them.
 */
#include "dpdk_transport.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "net.h"
#include "tcp.h"

#define DP_BURST       32
#define DP_RX_DESC     1024
#define DP_TX_DESC     1024
#define DP_INBOX_SIZE  4096
#define DP_MAX_WORKERS 128

struct dp_worker {
    struct net_worker *nw;
    struct rte_ring *inbox;
    uint16_t rxq, txq;
    bool has_rxq, started, stopped;
};

struct dpdk_transport {
    struct transport base;
    struct net_if nif;
    uint16_t port_id;
    unsigned nq, nworkers;
    bool txq_shared;
    uint64_t tsc_per_us;
    struct rte_mempool *pool;
    char devargs[512];
    char driver[64];
    char ipstr[64];
    bool own_mac; /* dataplane-mac: set after the port starts */
    struct rte_ether_addr cfg_mac;
    rte_spinlock_t txlock[DP_MAX_WORKERS];
    struct dp_worker w[DP_MAX_WORKERS];
};

static struct dpdk_transport *g_dp; /* for telemetry callbacks */

/* ---- EAL arguments ------------------------------------------------------ */

static bool is_pci_addr(const char *s)
{
    /* [DDDD:]BB:DD.F */
    unsigned hex = 0, i = 0;
    while (isxdigit((unsigned char)s[i])) i++, hex++;
    if (s[i] != ':') return false;
    if (hex == 4) {
        i++;
        hex = 0;
        while (isxdigit((unsigned char)s[i])) i++, hex++;
        if (hex != 2 || s[i] != ':') return false;
    } else if (hex != 2) {
        return false;
    }
    i++;
    hex = 0;
    while (isxdigit((unsigned char)s[i])) i++, hex++;
    return hex == 2 && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '7';
}

int dpdk_eal_args(const struct transport_config *cfg, const char *dpdk_args, char **argv, int max)
{
    static char devargs[512];
    int n = 0;
#define PUT(s)                   \
    do {                         \
        if (n >= max) return -1; \
        argv[n++] = (char *)(s); \
    } while (0)
    if (cfg->dataplane_port[0] == '\0') return 0;
    snprintf(devargs, sizeof(devargs), "%s", cfg->dataplane_port);
    if (is_pci_addr(devargs)) {
        PUT("-a"); /* probe only the device the configuration names */
        PUT(devargs);
    } else {
        PUT("--no-pci");
        PUT("--vdev");
        PUT(devargs);
    }
    const char *a = dpdk_args ? dpdk_args : "";
    if (strstr(a, "huge") == NULL && strstr(a, "-m ") == NULL &&
        strstr(a, "--socket-mem") == NULL) {
        PUT("--no-huge");
        PUT("-m");
        PUT("512");
    }
    return n;
#undef PUT
}

/* ---- port set-up -------------------------------------------------------- */

static int parse_ip(const char *s, uint32_t *ip, uint32_t *mask)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", s);
    int len = 32;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        char *end;
        long l = strtol(slash + 1, &end, 10);
        if (*end || l < 1 || l > 32) return -1;
        len = (int)l;
    }
    struct in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1) return -1;
    *ip = a.s_addr;
    if (mask) *mask = htonl(len == 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1));
    return 0;
}

static uint64_t now_us(const struct dpdk_transport *dp)
{
    return rte_get_tsc_cycles() / dp->tsc_per_us;
}

static void dp_tx(struct net_worker *nw, struct rte_mbuf **pkts, unsigned n)
{
    struct dpdk_transport *dp = nw->priv;
    struct dp_worker *dw = &dp->w[nw->id];
    struct rte_mbuf *out[NET_TX_MAX + 2 * NET_FAULT_HELD_MAX];
    n = net_fault_apply(&dp->nif.fault, &nw->fault, 1, nw->id, pkts, n, out, RTE_DIM(out),
                        nw->now_us, dp->pool, nw->ctr);
    if (n == 0) return;
    if (dp->txq_shared) rte_spinlock_lock(&dp->txlock[dw->txq]);
    unsigned sent = 0;
    for (unsigned tries = 0; sent < n && tries < 64; tries++)
        sent += rte_eth_tx_burst(dp->port_id, dw->txq, out + sent, (uint16_t)(n - sent));
    if (dp->txq_shared) rte_spinlock_unlock(&dp->txlock[dw->txq]);
    if (sent < n) {
        NET_ADD(nw, tx_dropped, n - sent);
        rte_pktmbuf_free_bulk(out + sent, n - sent);
    }
}

static int dp_fwd(struct net_worker *nw, unsigned owner, struct rte_mbuf *m)
{
    struct dpdk_transport *dp = nw->priv;
    return rte_ring_mp_enqueue(dp->w[owner].inbox, m) == 0 ? 0 : -ENOBUFS;
}

static int find_port(const char *devargs, uint16_t *pid)
{
    char name[RTE_ETH_NAME_MAX_LEN];
    size_t n = strcspn(devargs, ",");
    if (n >= sizeof(name)) return -ENAMETOOLONG;
    memcpy(name, devargs, n);
    name[n] = '\0';
    if (rte_eth_dev_get_port_by_name(name, pid) == 0) return 0;
    /* not probed at EAL init (no --vdev/-a given): hot-plug it now */
    if (rte_dev_probe(devargs) == 0 && rte_eth_dev_get_port_by_name(name, pid) == 0) return 0;
    /* a PCI device may be named differently (domain prefix): one port only */
    if (rte_eth_dev_count_avail() == 1) {
        uint16_t p;
        RTE_ETH_FOREACH_DEV(p)
        {
            *pid = p;
            return 0;
        }
    }
    return -ENODEV;
}

static const struct transport_ops dpdk_ops;

static int dp_setup_port(struct dpdk_transport *dp, char *err, size_t errlen)
{
    struct rte_eth_dev_info info;
    uint16_t pid = dp->port_id;
    int rc = rte_eth_dev_info_get(pid, &info);
    if (rc != 0) {
        snprintf(err, errlen, "dataplane-port: cannot read device info (%s)", strerror(-rc));
        return -1;
    }
    snprintf(dp->driver, sizeof(dp->driver), "%s", info.driver_name);
    unsigned nq = dp->nworkers;
    if (nq > info.max_rx_queues) nq = info.max_rx_queues;
    if (nq > info.max_tx_queues) nq = info.max_tx_queues;
    if (nq == 0) nq = 1;
    dp->nq = nq;
    dp->txq_shared = nq < dp->nworkers;
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    conf.rxmode.mtu = dp->nif.mtu;
    uint64_t txo = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
    if ((info.tx_offload_capa & txo) == txo) {
        conf.txmode.offloads |= txo;
        dp->nif.tx_cksum_offload = true;
    }
    uint64_t rxo = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
    if ((info.rx_offload_capa & rxo) == rxo) {
        conf.rxmode.offloads |= rxo;
        dp->nif.rx_cksum_offload = true;
    }
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
    if (nq > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP)) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf =
            info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP;
    }
    rc = rte_eth_dev_configure(pid, (uint16_t)nq, (uint16_t)nq, &conf);
    if (rc != 0 && dp->nif.mtu != 1500) {
        conf.rxmode.mtu = 0; /* some vdevs refuse an MTU at configure time */
        rc = rte_eth_dev_configure(pid, (uint16_t)nq, (uint16_t)nq, &conf);
    }
    if (rc != 0) {
        snprintf(err, errlen, "dataplane-port: configure failed (%s)", strerror(-rc));
        return -1;
    }
    uint16_t nrx = DP_RX_DESC, ntx = DP_TX_DESC;
    rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
    int socket = rte_eth_dev_socket_id(pid);
    if (socket < 0) socket = (int)rte_socket_id();
    for (unsigned q = 0; q < nq; q++) {
        struct rte_eth_rxconf rxc = info.default_rxconf;
        rxc.offloads = conf.rxmode.offloads;
        rc = rte_eth_rx_queue_setup(pid, (uint16_t)q, nrx, (unsigned)socket, &rxc, dp->pool);
        if (rc == 0) {
            struct rte_eth_txconf txc = info.default_txconf;
            txc.offloads = conf.txmode.offloads;
            rc = rte_eth_tx_queue_setup(pid, (uint16_t)q, ntx, (unsigned)socket, &txc);
        }
        if (rc != 0) {
            snprintf(err, errlen, "dataplane-port: queue %u set-up failed (%s)", q, strerror(-rc));
            return -1;
        }
    }
    rc = rte_eth_dev_start(pid);
    if (rc != 0) {
        snprintf(err, errlen, "dataplane-port: start failed (%s)", strerror(-rc));
        return -1;
    }
    if (dp->nif.mtu != 1500) rte_eth_dev_set_mtu(pid, dp->nif.mtu); /* best effort */
    rte_eth_macaddr_get(pid, &dp->nif.mac);
    if (dp->own_mac && !rte_is_same_ether_addr(&dp->cfg_mac, &dp->nif.mac)) {
        /* Our own MAC beside the interface's: the device must pass frames
         * addressed to it, and the kernel (af_packet) then sees them as
         * another host's and drops them before IP input. */
        rc = rte_eth_promiscuous_enable(pid);
        if (rc != 0 && rc != -ENOTSUP) {
            snprintf(err, errlen, "dataplane-mac: promiscuous mode failed (%s)", strerror(-rc));
            return -1;
        }
        dp->nif.mac = dp->cfg_mac;
    }
    return 0;
}

static int tel_section(const char *cmd, const char *params, struct rte_tel_data *d);

struct transport *dpdk_transport_create(const struct transport_config *cfg, char *err,
                                        size_t errlen)
{
    if (cfg->workers == 0 || cfg->workers > DP_MAX_WORKERS) {
        snprintf(err, errlen, "dataplane: 1..%d workers supported", DP_MAX_WORKERS);
        return NULL;
    }
    struct dpdk_transport *dp = rte_zmalloc("dpdk_transport", sizeof(*dp), RTE_CACHE_LINE_SIZE);
    if (dp == NULL) {
        snprintf(err, errlen, "dataplane: out of memory");
        return NULL;
    }
    dp->base.ops = &dpdk_ops;
    dp->nworkers = cfg->workers;
    dp->tsc_per_us = rte_get_tsc_hz() / 1000000;
    if (dp->tsc_per_us == 0) dp->tsc_per_us = 1;
    snprintf(dp->devargs, sizeof(dp->devargs), "%s", cfg->dataplane_port);
    net_if_init(&dp->nif);
    struct net_if *nif = &dp->nif;
    if (parse_ip(cfg->dataplane_ip, &nif->ip, &nif->mask) != 0) {
        snprintf(err, errlen, "dataplane-ip '%s' is not A.B.C.D/LEN", cfg->dataplane_ip);
        goto fail;
    }
    snprintf(dp->ipstr, sizeof(dp->ipstr), "%s", cfg->dataplane_ip);
    if (cfg->dataplane_mac[0]) {
        if (rte_ether_unformat_addr(cfg->dataplane_mac, &dp->cfg_mac) != 0 ||
            !rte_is_unicast_ether_addr(&dp->cfg_mac) || rte_is_zero_ether_addr(&dp->cfg_mac)) {
            snprintf(err, errlen, "dataplane-mac '%s' is not a unicast MAC address",
                     cfg->dataplane_mac);
            goto fail;
        }
        dp->own_mac = true;
    }
    if (cfg->dataplane_gateway[0] && parse_ip(cfg->dataplane_gateway, &nif->gw, NULL) != 0) {
        snprintf(err, errlen, "dataplane-gateway '%s' is not an IPv4 address",
                 cfg->dataplane_gateway);
        goto fail;
    }
    nif->mtu =
        (uint16_t)(cfg->dataplane_mtu >= 576 && cfg->dataplane_mtu <= 9000 ? cfg->dataplane_mtu
                                                                           : 1500);
    nif->listen_port = (uint16_t)cfg->port;
    nif->nworkers = cfg->workers;
    nif->keepalive_s = cfg->tcp_keepalive > 0 ? (uint32_t)cfg->tcp_keepalive : 0;
    nif->tcbs_per_worker = 16384;
    nif->syn_backlog = cfg->tcp_backlog > 0 ? (uint32_t)cfg->tcp_backlog : 511;
    for (unsigned i = 0; i < 16; i += 8) {
        uint64_t r = rte_rand();
        memcpy(nif->secret + i, &r, 8);
    }
    if (find_port(dp->devargs, &dp->port_id) != 0) {
        snprintf(err, errlen, "dataplane-port '%s': no such DPDK port", dp->devargs);
        goto fail;
    }
    nif->port_id = dp->port_id;
    int socket = rte_eth_dev_socket_id(dp->port_id);
    if (socket < 0) socket = (int)rte_socket_id();
    char name[RTE_MEMPOOL_NAMESIZE];
    snprintf(name, sizeof(name), "ss_mbuf_%u", dp->port_id);
    unsigned nmbuf = dp->nworkers * 8192 + 4096 - 1;
    uint16_t room = (uint16_t)RTE_MAX((unsigned)RTE_MBUF_DEFAULT_BUF_SIZE,
                                      (unsigned)(nif->mtu + 18 + RTE_PKTMBUF_HEADROOM));
    dp->pool = rte_pktmbuf_pool_create(name, nmbuf, 256, 0, room, socket);
    if (dp->pool == NULL) {
        snprintf(err, errlen, "dataplane: cannot create the mbuf pool (%s)",
                 rte_strerror(rte_errno));
        goto fail;
    }
    for (unsigned i = 0; i < DP_MAX_WORKERS; i++) rte_spinlock_init(&dp->txlock[i]);
    if (dp_setup_port(dp, err, errlen) != 0) goto fail;
    for (unsigned w = 0; w < dp->nworkers; w++) {
        struct dp_worker *dw = &dp->w[w];
        dw->nw = net_worker_create(nif, w, dp->pool);
        snprintf(name, sizeof(name), "ss_inbox_%u_%u", dp->port_id, w);
        dw->inbox = rte_ring_create(name, DP_INBOX_SIZE, socket, RING_F_SC_DEQ);
        if (dw->nw == NULL || dw->inbox == NULL) {
            snprintf(err, errlen, "dataplane: cannot create worker %u", w);
            goto fail;
        }
        dw->nw->priv = dp;
        dw->nw->tx_fn = dp_tx;
        dw->nw->fwd_fn = dp->nworkers > 1 ? dp_fwd : NULL;
        dw->has_rxq = w < dp->nq;
        dw->rxq = (uint16_t)w;
        dw->txq = (uint16_t)(w % dp->nq);
    }
    g_dp = dp;
    static bool registered;
    if (!registered) {
        rte_telemetry_register_cmd("/slipstream/dataplane", tel_section,
                                   "Slipstream data-plane counters (INFO dataplane)");
        rte_telemetry_register_cmd("/slipstream/tcp", tel_section,
                                   "Slipstream TCP counters (INFO tcp)");
        registered = true;
    }
    return &dp->base;
fail:
    for (unsigned w = 0; w < dp->nworkers; w++) {
        net_worker_destroy(dp->w[w].nw);
        rte_ring_free(dp->w[w].inbox);
    }
    if (dp->pool) {
        rte_eth_dev_stop(dp->port_id);
        rte_mempool_free(dp->pool);
    }
    rte_free(dp);
    return NULL;
}

/* ---- transport_ops ------------------------------------------------------ */

static int dp_worker_start(struct transport *t, unsigned w, const struct conn_handler *h,
                           void *wctx)
{
    struct dpdk_transport *dp = (struct dpdk_transport *)t;
    if (w >= dp->nworkers) return -EINVAL;
    struct dp_worker *dw = &dp->w[w];
    struct net_worker *nw = dw->nw;
    nw->h = h;
    nw->wctx = wctx;
    nw->now_us = now_us(dp);
    nw->tcp->wheel_ms = nw->now_us / 1000;
    dw->started = true;
    if (w == 0) {
        net_arp_gratuitous(nw); /* RFC 5227 §3 announcement */
        net_flush(nw);
    }
    return 0;
}

static int dp_poll(struct transport *t, unsigned w, int timeout_us)
{
    struct dpdk_transport *dp = (struct dpdk_transport *)t;
    struct dp_worker *dw = &dp->w[w];
    struct net_worker *nw = dw->nw;
    nw->now_us = now_us(dp);
    int events = 0;
    struct rte_mbuf *pkts[DP_BURST], *in[DP_BURST + 2 * NET_FAULT_HELD_MAX];
    if (dw->has_rxq) {
        uint16_t n = rte_eth_rx_burst(dp->port_id, dw->rxq, pkts, DP_BURST);
        unsigned k = net_fault_apply(&dp->nif.fault, &nw->fault, 0, w, pkts, n, in, RTE_DIM(in),
                                     nw->now_us, dp->pool, nw->ctr);
        if (k) net_rx_burst(nw, in, k);
        events += n;
    }
    unsigned m = rte_ring_sc_dequeue_burst(dw->inbox, (void **)pkts, DP_BURST, NULL);
    if (m) {
        NET_ADD(nw, fwd_in, m);
        NET_ADD(nw, rx_frames, m);
        for (unsigned i = 0; i < m; i++) net_rx_local(nw, pkts[i]);
        events += (int)m;
    }
    net_timers(nw);
    net_poll_end(nw);
    (void)timeout_us; /* poll mode: never sleeps */
    return events;
}

static void dp_flush(struct transport *t, unsigned w)
{
    struct dpdk_transport *dp = (struct dpdk_transport *)t;
    net_flush(dp->w[w].nw);
}

static void dp_worker_stop(struct transport *t, unsigned w)
{
    struct dpdk_transport *dp = (struct dpdk_transport *)t;
    struct dp_worker *dw = &dp->w[w];
    struct net_worker *nw = dw->nw;
    /* Tell every peer (FIN or RST) while the port still runs, then close
     * every connection (on_close for the app's). */
    tcp_worker_shutdown(nw);
    net_flush(nw);
    tcp_worker_fini(nw);
    void *m = NULL;
    while (rte_ring_sc_dequeue(dw->inbox, &m) == 0) rte_pktmbuf_free(m);
    dw->stopped = true;
}

static void dp_wake(struct transport *t, unsigned w)
{
    (void)t;
    (void)w; /* poll mode: workers never sleep */
}

static uint64_t sum_ctr(const struct dpdk_transport *dp, unsigned c)
{
    uint64_t s = 0;
    for (unsigned w = 0; w < dp->nworkers; w++)
        if (dp->w[w].nw) s += net_ctr_read(dp->w[w].nw, c);
    return s;
}

static uint64_t sum_gauge(const struct dpdk_transport *dp, int which)
{
    uint64_t s = 0;
    for (unsigned w = 0; w < dp->nworkers; w++) {
        const struct net_worker *nw = dp->w[w].nw;
        const struct tcp_worker *tw = nw ? __atomic_load_n(&nw->tcp, __ATOMIC_RELAXED) : NULL;
        if (tw == NULL) continue;
        switch (which) {
        case 0: s += __atomic_load_n(&tw->nestab, __ATOMIC_RELAXED); break;
        case 1: s += __atomic_load_n(&tw->nsynrcvd, __ATOMIC_RELAXED); break;
        case 2: s += __atomic_load_n(&tw->ntimewait, __ATOMIC_RELAXED); break;
        default: s += __atomic_load_n(&tw->nused, __ATOMIC_RELAXED); break;
        }
    }
    return s;
}

struct kv_sink {
    char *buf;
    size_t len, off;
    struct rte_tel_data *d;
};

static void put_u64(struct kv_sink *k, const char *name, uint64_t v)
{
    if (k->d) {
        rte_tel_data_add_dict_u64(k->d, name, v);
        return;
    }
    if (k->off < k->len) {
        int n =
            snprintf(k->buf + k->off, k->len - k->off, "%s:%llu\r\n", name, (unsigned long long)v);
        if (n > 0) k->off += (size_t)n;
    }
}

static void put_str(struct kv_sink *k, const char *name, const char *v)
{
    if (k->d) {
        rte_tel_data_add_dict_string(k->d, name, v);
        return;
    }
    if (k->off < k->len) {
        int n = snprintf(k->buf + k->off, k->len - k->off, "%s:%s\r\n", name, v);
        if (n > 0) k->off += (size_t)n;
    }
}

static void emit_section(const struct dpdk_transport *dp, int sec, struct kv_sink *k)
{
    if (sec == NET_SEC_DP) {
        struct rte_eth_stats st;
        memset(&st, 0, sizeof(st));
        rte_eth_stats_get(dp->port_id, &st);
        put_str(k, "dataplane_port", dp->devargs);
        put_str(k, "dataplane_driver", dp->driver);
        put_str(k, "dataplane_ip", dp->ipstr);
        char mac[RTE_ETHER_ADDR_FMT_SIZE];
        rte_ether_format_addr(mac, sizeof(mac), &dp->nif.mac);
        put_str(k, "dataplane_mac", mac);
        put_u64(k, "dataplane_mtu", dp->nif.mtu);
        put_u64(k, "ports", 1);
        put_u64(k, "queues", dp->nq);
        put_u64(k, "workers", dp->nworkers);
        put_str(k, "tx_checksum", dp->nif.tx_cksum_offload ? "offload" : "software");
        put_u64(k, "rx_packets", st.ipackets);
        put_u64(k, "tx_packets", st.opackets);
        put_u64(k, "rx_bytes", st.ibytes);
        put_u64(k, "tx_bytes", st.obytes);
        put_u64(k, "rx_missed", st.imissed);
        put_u64(k, "rx_errors", st.ierrors);
        put_u64(k, "tx_errors", st.oerrors);
        put_u64(k, "rx_nombuf", st.rx_nombuf);
        put_u64(k, "mbuf_pool_avail", rte_mempool_avail_count(dp->pool));
        put_u64(k, "mbuf_pool_in_use", rte_mempool_in_use_count(dp->pool));
    } else {
        put_u64(k, "tcp_listen_port", dp->nif.listen_port);
        put_u64(k, "tcp_established", sum_gauge(dp, 0));
        put_u64(k, "tcp_syn_received", sum_gauge(dp, 1));
        put_u64(k, "tcp_time_wait", sum_gauge(dp, 2));
        put_u64(k, "tcp_tcbs_in_use", sum_gauge(dp, 3));
    }
    for (unsigned c = 0; c < NET_CTR__COUNT; c++)
        if (net_ctr_table[c].section == sec) put_u64(k, net_ctr_table[c].name, sum_ctr(dp, c));
}

static size_t dp_info(struct transport *t, const char *section, char *buf, size_t len)
{
    struct dpdk_transport *dp = (struct dpdk_transport *)t;
    struct kv_sink k = {buf, len, 0, NULL};
    bool all = section == NULL || section[0] == '\0' || !strcasecmp(section, "all") ||
               !strcasecmp(section, "everything");
    if (all || !strcasecmp(section, "dataplane")) {
        if (k.off < len) k.off += (size_t)snprintf(buf + k.off, len - k.off, "# Dataplane\r\n");
        emit_section(dp, NET_SEC_DP, &k);
    }
    if (all || !strcasecmp(section, "tcp")) {
        if (k.off > 0 && k.off < len) k.off += (size_t)snprintf(buf + k.off, len - k.off, "\r\n");
        if (k.off < len) k.off += (size_t)snprintf(buf + k.off, len - k.off, "# Tcp\r\n");
        emit_section(dp, NET_SEC_TCP, &k);
    }
    return k.off < len ? k.off : len;
}

/* Telemetry runs on its own control thread: counters are read relaxed. */
static int tel_section(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)params;
    struct dpdk_transport *dp = __atomic_load_n(&g_dp, __ATOMIC_ACQUIRE);
    rte_tel_data_start_dict(d);
    if (dp == NULL) return 0;
    struct kv_sink k = {NULL, 0, 0, d};
    emit_section(dp, strstr(cmd, "tcp") ? NET_SEC_TCP : NET_SEC_DP, &k);
    return 0;
}

static void dp_destroy(struct transport *t)
{
    struct dpdk_transport *dp = (struct dpdk_transport *)t;
    __atomic_store_n(&g_dp, NULL, __ATOMIC_RELEASE);
    for (unsigned w = 0; w < dp->nworkers; w++) {
        struct dp_worker *dw = &dp->w[w];
        net_worker_destroy(dw->nw);
        dw->nw = NULL;
        void *m;
        while (rte_ring_dequeue(dw->inbox, &m) == 0) rte_pktmbuf_free(m);
        rte_ring_free(dw->inbox);
    }
    rte_eth_dev_stop(dp->port_id);
    rte_eth_dev_close(dp->port_id);
    rte_mempool_free(dp->pool);
    rte_free(dp);
}

static const struct transport_ops dpdk_ops = {
    .name = "dpdk",
    .worker_start = dp_worker_start,
    .poll = dp_poll,
    .flush = dp_flush,
    .worker_stop = dp_worker_stop,
    .wake = dp_wake,
    .info = dp_info,
    .destroy = dp_destroy,
};

int dpdk_fault_set(struct transport *t, const char *kind, double prob, uint64_t seed)
{
    if (!dpdk_transport_is(t)) return -EINVAL;
    return net_fault_set(&((struct dpdk_transport *)t)->nif.fault, kind, prob, seed);
}

int dpdk_transport_is(const struct transport *t)
{
    return t != NULL && t->ops == &dpdk_ops;
}
