/* tcp_harness.c — see tcp_harness.h. */
#include "tcp_harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_arp.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "eal_exit.h"

int th_failures;
static struct rte_mempool *th_pool;
#define TH_POOL_SIZE 8191

static void th_eal(void)
{
    static bool done;
    if (done) return;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "ss_ut_%d", (int)getpid());
    char *argv[] = {
        "test", "--no-huge", "--no-pci",    "--no-shconf",   "--no-telemetry", "-m",   "256",
        "-l",   "0",         "--log-level", "lib.eal:error", "--file-prefix",  prefix, NULL};
    int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
    if (rte_eal_init(argc, argv) < 0) {
        fprintf(stderr, "rte_eal_init failed\n");
        exit(2);
    }
    atexit(eal_cleanup_runtime_dir); /* ours, per process: eal_exit.h */
    th_pool = rte_pktmbuf_pool_create("th_pool", TH_POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                      SOCKET_ID_ANY);
    if (th_pool == NULL) {
        fprintf(stderr, "pool create failed\n");
        exit(2);
    }
    done = true;
}

static void th_capture(struct net_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    struct th *h = w->priv;
    for (unsigned i = 0; i < n; i++) {
        if (h->ncap < sizeof(h->cap) / sizeof(h->cap[0]))
            h->cap[h->ncap++] = pkts[i];
        else
            rte_pktmbuf_free(pkts[i]);
    }
}

static void *app_accept(void *wctx, struct conn *c)
{
    struct th *h = wctx;
    h->accepts++;
    if (h->refuse) return NULL;
    h->conn = c;
    h->eof = false;
    return h;
}

static void app_readable(void *s)
{
    struct th *h = s;
    h->readables++;
    if (h->no_read || h->conn == NULL) return;
    for (;;) {
        uint8_t buf[4096];
        ssize_t n = h->conn->ops->recv(h->conn, buf, sizeof(buf));
        if (n == 0) {
            h->eof = true;
            break;
        }
        if (n < 0) break;
        if (h->rxlen + (size_t)n <= sizeof(h->rx)) memcpy(h->rx + h->rxlen, buf, (size_t)n);
        h->rxlen += (size_t)n;
        if (h->echo) {
            struct iovec iov = {buf, (size_t)n};
            h->conn->ops->send(h->conn, &iov, 1);
        }
    }
}

static void app_writable(void *s)
{
    struct th *h = s;
    h->writables++;
}

static void app_close(void *s)
{
    struct th *h = s;
    h->closes++;
    h->conn = NULL;
}

static const struct conn_handler th_handler = {app_accept, app_readable, app_writable, app_close};

struct th *th_setup(void)
{
    th_eal();
    struct th *h = calloc(1, sizeof(*h));
    net_if_init(&h->nif);
    h->nif.ip = rte_cpu_to_be_32(0xC6120002); /* 198.18.0.2 */
    h->nif.mask = rte_cpu_to_be_32(0xFFFFFF00);
    h->nif.gw = rte_cpu_to_be_32(0xC6120001);
    h->nif.listen_port = 6379;
    h->nif.tcbs_per_worker = 256;
    h->nif.syn_backlog = 64;
    h->nif.rcvbuf_max = 256 * 1024;
    h->nif.sndbuf_max = 256 * 1024;
    for (int i = 0; i < 16; i++) h->nif.secret[i] = (uint8_t)(i * 37 + 1);
    struct rte_ether_addr our = {{0x02, 0, 0, 0, 0, 0x02}};
    h->nif.mac = our;
    h->pool = th_pool;
    h->w = net_worker_create(&h->nif, 0, th_pool);
    if (h->w == NULL) {
        fprintf(stderr, "net_worker_create failed\n");
        exit(2);
    }
    h->w->now_us = 1000000000ull; /* 1000 s: nothing special about 0 */
    h->w->tcp->wheel_ms = h->w->now_us / 1000;
    h->w->tx_fn = th_capture;
    h->w->priv = h;
    h->w->h = &th_handler;
    h->w->wctx = h;
    h->peer_ip = rte_cpu_to_be_32(0xC6120001); /* 198.18.0.1 */
    h->our_ip = h->nif.ip;
    h->peer_port = 40000;
    h->our_port = 6379;
    struct rte_ether_addr peer = {{0x02, 0, 0, 0, 0, 0x01}};
    h->peer_mac = peer;
    return h;
}

void th_drain(struct th *h)
{
    while (h->rd < h->ncap) rte_pktmbuf_free(h->cap[h->rd++]);
    h->rd = h->ncap = 0;
}

unsigned th_pending(const struct th *h)
{
    return h->ncap - h->rd;
}

void th_expect_no_tcbs(struct th *h)
{
    CHECK_EQ(h->w->tcp->nused, 0);
}

void th_teardown(struct th *h)
{
    net_flush(h->w);
    th_drain(h);
    net_worker_destroy(h->w);
    th_drain(h);
    /* Every mbuf the test or the stack allocated is back. */
    CHECK_EQ(rte_mempool_avail_count(th_pool), TH_POOL_SIZE);
    free(h);
}

struct rte_mbuf *th_build(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                          const uint8_t *opt, unsigned optlen, const void *data, unsigned len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(th_pool);
    CHECK(m != NULL);
    unsigned tl = 20 + optlen;
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + 20 + tl + len));
    struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
    eh->dst_addr = h->nif.mac;
    eh->src_addr = h->peer_mac;
    eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
    memset(ip, 0, sizeof(*ip));
    ip->version_ihl = 0x45;
    ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + tl + len));
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_TCP;
    ip->src_addr = h->peer_ip;
    ip->dst_addr = h->our_ip;
    struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
    memset(th, 0, sizeof(*th));
    th->src_port = rte_cpu_to_be_16(h->peer_port);
    th->dst_port = rte_cpu_to_be_16(h->our_port);
    th->sent_seq = rte_cpu_to_be_32(seq);
    th->recv_ack = rte_cpu_to_be_32(ack);
    th->data_off = (uint8_t)((tl / 4) << 4);
    th->tcp_flags = flags;
    th->rx_win = rte_cpu_to_be_16(win);
    if (optlen) memcpy(th + 1, opt, optlen);
    if (len && data)
        memcpy((uint8_t *)(th + 1) + optlen, data, len);
    else if (len)
        memset((uint8_t *)(th + 1) + optlen, 0, len);
    th->cksum = rte_ipv4_udptcp_cksum(ip, th);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    return m;
}

void th_rx(struct th *h, struct rte_mbuf *m)
{
    net_rx_burst(h->w, &m, 1);
    net_poll_end(h->w);
    net_flush(h->w);
}

void th_seg(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const void *data,
            unsigned len)
{
    th_rx(h, th_build(h, flags, seq, ack, win, NULL, 0, data, len));
}

bool th_next(struct th *h, struct th_pkt *p)
{
    if (h->rd >= h->ncap) return false;
    struct rte_mbuf *m = h->cap[h->rd++];
    memset(p, 0, offsetof(struct th_pkt, data));
    p->ws = -1;
    const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    uint16_t type = rte_be_to_cpu_16(eh->ether_type);
    if (type == RTE_ETHER_TYPE_ARP) {
        const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(eh + 1);
        p->arp = true;
        p->arp_op = rte_be_to_cpu_16(a->arp_opcode);
        p->arp_tip = a->arp_data.arp_tip;
    } else if (type == RTE_ETHER_TYPE_IPV4) {
        const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
        CHECK(rte_raw_cksum(ip, 20) == 0xffff);
        CHECK(rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_DF_FLAG);
        CHECK_EQ(m->pkt_len, 14u + rte_be_to_cpu_16(ip->total_length));
        p->src = ip->src_addr;
        p->dst = ip->dst_addr;
        if (ip->next_proto_id == IPPROTO_TCP) {
            const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
            CHECK(rte_ipv4_udptcp_cksum(ip, th) == 0 || rte_ipv4_udptcp_cksum(ip, th) == 0xffff);
            p->tcp = true;
            p->flags = th->tcp_flags;
            p->seq = rte_be_to_cpu_32(th->sent_seq);
            p->ack = rte_be_to_cpu_32(th->recv_ack);
            p->win = rte_be_to_cpu_16(th->rx_win);
            p->sport = rte_be_to_cpu_16(th->src_port);
            p->dport = rte_be_to_cpu_16(th->dst_port);
            unsigned doff = (th->data_off >> 4) * 4u;
            const uint8_t *o = (const uint8_t *)(th + 1);
            for (unsigned i = 0; i + 20 < doff;) {
                if (o[i] == 0) break;
                if (o[i] == 1) {
                    i++;
                    continue;
                }
                if (o[i] == 2) p->mss = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
                if (o[i] == 3) p->ws = o[i + 2];
                if (o[i] == 4) p->sack_ok = true;
                if (o[i] == 8) p->ts = true;
                i += o[i + 1] ? o[i + 1] : 1;
            }
            p->len = rte_be_to_cpu_16(ip->total_length) - 20u - doff;
            if (p->len <= sizeof(p->data)) memcpy(p->data, (const uint8_t *)th + doff, p->len);
        } else if (ip->next_proto_id == IPPROTO_ICMP) {
            const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);
            p->icmp = true;
            p->icmp_type = ic->icmp_type;
            p->len = rte_be_to_cpu_16(ip->total_length) - 20u;
            CHECK(rte_raw_cksum(ic, p->len) == 0xffff);
        }
    }
    rte_pktmbuf_free(m);
    if (h->rd == h->ncap) h->rd = h->ncap = 0;
    return true;
}

void th_advance(struct th *h, uint64_t us)
{
    uint64_t end = h->w->now_us + us;
    while (h->w->now_us < end) {
        uint64_t step = end - h->w->now_us < 1000 ? end - h->w->now_us : 1000;
        h->w->now_us += step;
        net_timers(h->w);
        net_poll_end(h->w);
        net_flush(h->w);
    }
}

struct tcb *th_tcb(struct th *h)
{
    struct tcp_key k = {h->peer_ip, h->our_ip, rte_cpu_to_be_16(h->peer_port),
                        rte_cpu_to_be_16(h->our_port), 0};
    return tcp_lookup(h->w, &k);
}

struct tcb *th_establish(struct th *h, uint16_t win, uint16_t mss, int ws)
{
    uint8_t opt[12];
    unsigned n = 0;
    if (mss) {
        opt[n++] = 2;
        opt[n++] = 4;
        opt[n++] = (uint8_t)(mss >> 8);
        opt[n++] = (uint8_t)mss;
    }
    if (ws >= 0) {
        opt[n++] = 1;
        opt[n++] = 3;
        opt[n++] = 3;
        opt[n++] = (uint8_t)ws;
    }
    uint32_t isn = 0x10000000u + h->peer_port * 1000u;
    th_rx(h, th_build(h, TCP_F_SYN, isn, 0, win, opt, n, NULL, 0));
    struct th_pkt p = {0};
    CHECK(th_next(h, &p));
    CHECK(p.tcp && p.flags == (TCP_F_SYN | TCP_F_ACK));
    CHECK_EQ(p.ack, isn + 1);
    h->iss = p.seq;
    h->snd_nxt = isn + 1;
    int before = h->accepts;
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1, win, NULL, 0);
    CHECK_EQ(h->accepts, before + 1);
    struct tcb *t = th_tcb(h);
    CHECK(t != NULL && t->state == TCP_ESTABLISHED);
    return t;
}

long th_app_send(struct th *h, const void *buf, size_t len)
{
    struct iovec iov = {(void *)(uintptr_t)buf, len};
    long n = h->conn->ops->send(h->conn, &iov, 1);
    net_flush(h->w);
    return n;
}
