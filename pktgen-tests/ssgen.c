/* ssgen.c — a small DPDK load generator: RESP over its own minimal TCP
 * client, straight on a DPDK port (net_af_packet on a veth end, in a network
 * namespace), for pktgen-tests/bench_dataplane.py.
 *
 * redis-benchmark at -P 1 spends most of its core in the kernel (epoll_ctl,
 * send and recv per request), so on a 2-core machine it measures itself.
 * ssgen's per-request cost is a few hundred nanoseconds of user space and a
 * share of one sendto() per poll iteration, so the server's core shows.
 *
 *   ssgen --vdev net_af_packet0,iface=ssvc1,qpairs=1,qdisc_bypass=1 \
 *         --ip 198.18.0.3 --server 198.18.0.2 --port 6390 \
 *         -c 50 -P 1 -n 200000 -t set -d 16 -r 100000 --core 0 --csv
 *
 * --ip must be an address the kernel does not own in the namespace (the
 * kernel would RST the SYN-ACKs). The MAC is the port's, shared with the
 * kernel's end of the veth, unless --mac gives one of our own (then the
 * kernel drops the servers' replies at the Ethernet layer instead of running
 * IP input on each). Frames whose source MAC is the port's are the kernel's
 * own transmissions, seen by af_packet, and are ignored.
 *
 * TCP, client side, only what a request/response benchmark needs: one
 * source port per connection, SYN with MSS 1460 and no other option (so the
 * peer's window is unscaled), ACK processing and the peer's window, in-order
 * receive only (out-of-order and duplicate data get an immediate ACK, the
 * peer retransmits), retransmission of unacknowledged request bytes after
 * 200 ms without progress (doubling up to 3.2 s), zero-window probes, RST at
 * the end. Checksums are computed in software; received TCP checksums are
 * not verified (a veth does not corrupt, and a kernel peer's may be left to
 * an offload that never happens on a veth), the IPv4 header's is.
 *
 * Requests are redis-benchmark's: SET key:<12 digits> with a value of -d
 * 'x' bytes, or GET key:<12 digits>; the digits are random in [0, -r) (or the
 * literal key:__rand_int__ without -r). With -P k a connection sends k
 * requests and the next k when all k replies are complete; latency is from
 * the batch leaving to each reply's completion (rte_rdtsc). Throughput is
 * counted from the first request, sent once every connection is
 * established, to the last reply.
 *
 * Exit status: 0 when every request got a non-error reply; 1 on a timeout,
 * an unreachable server, a RST, an error reply; 2 on bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "eal_exit.h"

#define OUR_MSS           1460
#define OUR_WND           65535
#define RX_BURST          64
#define TX_MAX            512
#define NB_MBUF           8191
#define RTO_MS            200
#define RTO_MAX_SHIFT     4 /* 200 ms << 4 = 3.2 s */
#define SYN_RETRY_MS      200
#define ARP_RETRY_MS      100
#define ARP_GIVEUP_MS     3000
#define CONNECT_GIVEUP_MS 5000
#define ACK_DELAY_MS      2
#define MAX_CONNS         16384
#define MAX_REQUESTS      100000000ULL

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)

enum test_kind { T_SET, T_GET };
enum conn_state { C_SYN_SENT, C_ESTAB };
enum phase { PH_ARP, PH_CONNECT, PH_RUN, PH_END };
enum parse_state { P_TYPE, P_LINE, P_BULK };

struct conn {
    uint16_t lport;
    uint8_t state;
    bool touched; /* on this iteration's list */
    bool ack_now; /* a pure ACK is owed at the end of the iteration */
    uint16_t mss; /* the peer's */
    uint32_t iss, snd_una, snd_nxt, snd_wnd, rcv_nxt, ack_sent;
    uint8_t *sbuf; /* request bytes from snd_una on: sent, then unsent */
    uint32_t slen, scap;
    uint32_t pending; /* requests sent whose reply is not complete */
    uint32_t head;    /* ring index (in sent_tsc) of the oldest */
    uint64_t *sent_tsc;
    uint64_t rto_at, ack_due;
    unsigned backoff;
    /* RESP reply parser */
    uint8_t pst;
    char ptype;
    uint32_t linelen;
    uint64_t bulk_left;
    char line[128];
};

static struct {
    /* options */
    char vdev[512];
    uint32_t ip, srv_ip; /* network order */
    uint16_t srv_port;   /* host order */
    unsigned nconns, pipeline, core, dsize;
    uint64_t nreq, keyspace;
    int test;
    bool csv;
    double timeout;
    /* port */
    uint16_t port;
    struct rte_mempool *pool;
    struct rte_ether_addr mac, srv_mac;
    struct rte_ether_addr kmac; /* the port's (the kernel's interface) */
    bool own_mac;               /* --mac given: mac differs from kmac */
    /* run */
    enum phase phase;
    bool failed;
    char why[512];
    uint64_t hz, tsc_ms, t_start, t_end, deadline, phase_deadline, next_arp;
    uint16_t base_port, ip_id;
    struct conn *conns;
    unsigned nestab;
    uint16_t *touched;
    unsigned ntouched;
    struct rte_mbuf *tx[TX_MAX];
    unsigned ntx;
    uint8_t *tmpl;
    uint32_t tmpl_len, key_off;
    uint64_t issued, done, errors;
    uint64_t *lat;
    char first_err[160];
    /* counters */
    uint64_t tx_frames, rx_frames, tx_dropped, nombuf, rexmit, probes, dup_segs, ooo_segs,
        own_frames;
} g;

static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
    g_signal = sig;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    if (g.failed) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g.why, sizeof(g.why), fmt, ap);
    va_end(ap);
    g.failed = true;
}

static const char *ipstr(uint32_t ip_be, char *buf)
{
    return inet_ntop(AF_INET, &ip_be, buf, INET_ADDRSTRLEN);
}

/* ---- transmission ---- */

static void tx_flush(void)
{
    unsigned sent = 0;
    for (int tries = 0; sent < g.ntx && tries < 8; tries++)
        sent += rte_eth_tx_burst(g.port, 0, g.tx + sent, (uint16_t)(g.ntx - sent));
    if (sent < g.ntx) {
        /* the ring is full: what is lost is retransmitted on timeout */
        g.tx_dropped += g.ntx - sent;
        rte_pktmbuf_free_bulk(g.tx + sent, g.ntx - sent);
    }
    g.tx_frames += sent;
    g.ntx = 0;
}

static void tx_add(struct rte_mbuf *m)
{
    if (g.ntx == TX_MAX) tx_flush();
    g.tx[g.ntx++] = m;
}

static void *frame_alloc(struct rte_mbuf **mp, uint16_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(g.pool);
    if (m == NULL) {
        g.nombuf++;
        return NULL;
    }
    void *p = rte_pktmbuf_append(m, len);
    if (p == NULL) {
        rte_pktmbuf_free(m);
        g.nombuf++;
        return NULL;
    }
    *mp = m;
    return p;
}

static void send_arp(uint16_t op, const struct rte_ether_addr *dst, uint32_t tip)
{
    struct rte_mbuf *m;
    uint8_t *p = frame_alloc(&m, sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr));
    if (p == NULL) return;
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
    struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
    static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    eth->dst_addr = dst ? *dst : bcast;
    eth->src_addr = g.mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    arp->arp_hlen = RTE_ETHER_ADDR_LEN;
    arp->arp_plen = 4;
    arp->arp_opcode = rte_cpu_to_be_16(op);
    arp->arp_data.arp_sha = g.mac;
    arp->arp_data.arp_sip = g.ip;
    memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
    if (dst) arp->arp_data.arp_tha = *dst;
    arp->arp_data.arp_tip = tip;
    tx_add(m);
}

/* One TCP segment of connection c; an ACK carries rcv_nxt (and settles any
 * owed ACK). A SYN carries the MSS option and nothing else. */
static void send_seg(struct conn *c, uint8_t flags, uint32_t seq, const uint8_t *data, uint32_t len)
{
    uint16_t optlen = (flags & RTE_TCP_SYN_FLAG) ? 4 : 0;
    uint16_t tcplen = (uint16_t)(sizeof(struct rte_tcp_hdr) + optlen);
    uint16_t iplen = (uint16_t)(sizeof(struct rte_ipv4_hdr) + tcplen + len);
    struct rte_mbuf *m;
    uint8_t *p = frame_alloc(&m, (uint16_t)(sizeof(struct rte_ether_hdr) + iplen));
    if (p == NULL) return;
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
    eth->dst_addr = g.srv_mac;
    eth->src_addr = g.mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16(iplen);
    ip->packet_id = rte_cpu_to_be_16(g.ip_id++);
    ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_TCP;
    ip->hdr_checksum = 0;
    ip->src_addr = g.ip;
    ip->dst_addr = g.srv_ip;
    th->src_port = rte_cpu_to_be_16(c->lport);
    th->dst_port = rte_cpu_to_be_16(g.srv_port);
    th->sent_seq = rte_cpu_to_be_32(seq);
    th->recv_ack = (flags & RTE_TCP_ACK_FLAG) ? rte_cpu_to_be_32(c->rcv_nxt) : 0;
    th->data_off = (uint8_t)((tcplen / 4) << 4);
    th->tcp_flags = flags;
    th->rx_win = rte_cpu_to_be_16(OUR_WND);
    th->cksum = 0;
    th->tcp_urp = 0;
    uint8_t *opt = (uint8_t *)(th + 1);
    if (optlen) {
        opt[0] = 2; /* MSS */
        opt[1] = 4;
        opt[2] = OUR_MSS >> 8;
        opt[3] = OUR_MSS & 0xff;
    }
    if (len) memcpy(opt + optlen, data, len);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    th->cksum = rte_ipv4_udptcp_cksum(ip, th);
    if (flags & RTE_TCP_ACK_FLAG) {
        c->ack_sent = c->rcv_nxt;
        c->ack_now = false;
        c->ack_due = 0;
    }
    tx_add(m);
}

static void send_ack(struct conn *c)
{
    send_seg(c, RTE_TCP_ACK_FLAG, c->snd_nxt, NULL, 0);
}

static void send_syn(struct conn *c)
{
    send_seg(c, RTE_TCP_SYN_FLAG, c->iss, NULL, 0);
}

/* New request bytes, as far as the peer's window and MSS allow. */
static void tcp_output(struct conn *c)
{
    uint32_t inflight = c->snd_nxt - c->snd_una;
    while (inflight < c->slen) {
        uint32_t room = c->snd_wnd > inflight ? c->snd_wnd - inflight : 0;
        uint32_t len = c->slen - inflight;
        if (len > c->mss) len = c->mss;
        if (len > room) len = room;
        if (len == 0) break;
        uint8_t fl = RTE_TCP_ACK_FLAG | (inflight + len == c->slen ? RTE_TCP_PSH_FLAG : 0);
        send_seg(c, fl, c->snd_nxt, c->sbuf + inflight, len);
        c->snd_nxt += len;
        inflight += len;
    }
}

static void touch(struct conn *c)
{
    if (!c->touched) {
        c->touched = true;
        g.touched[g.ntouched++] = (uint16_t)(c - g.conns);
    }
}

/* Re-arm the retransmission timer after progress (or disarm when idle). */
static void progress(struct conn *c, uint64_t now)
{
    c->backoff = 0;
    c->rto_at = (c->pending || c->slen) ? now + RTO_MS * g.tsc_ms : 0;
}

/* ---- requests and replies ---- */

static void put_digits(uint8_t *p, uint64_t v)
{
    for (int i = 11; i >= 0; i--) {
        p[i] = (uint8_t)('0' + v % 10);
        v /= 10;
    }
}

static void build_template(void)
{
    char head[64];
    const char *key = "key:__rand_int__"; /* 16 bytes; digits replace the 12 after "key:" */
    int n;
    if (g.test == T_SET)
        n = snprintf(head, sizeof(head), "*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$%u\r\n", key, g.dsize);
    else
        n = snprintf(head, sizeof(head), "*2\r\n$3\r\nGET\r\n$16\r\n%s\r\n", key);
    g.key_off = (uint32_t)(strstr(head, key) - head) + 4;
    g.tmpl_len = (uint32_t)n + (g.test == T_SET ? g.dsize + 2 : 0);
    g.tmpl = malloc(g.tmpl_len);
    if (g.tmpl == NULL) {
        fprintf(stderr, "ssgen: out of memory\n");
        exit(1);
    }
    memcpy(g.tmpl, head, (size_t)n);
    if (g.test == T_SET) {
        memset(g.tmpl + n, 'x', g.dsize);
        memcpy(g.tmpl + n + g.dsize, "\r\n", 2);
    }
}

/* The next batch of up to -P requests on c (only when nothing is pending). */
static void issue_batch(struct conn *c)
{
    uint64_t left = g.nreq - g.issued;
    uint32_t k = left < g.pipeline ? (uint32_t)left : g.pipeline;
    if (k == 0) return;
    uint32_t need = c->slen + k * g.tmpl_len;
    if (need > c->scap) {
        uint8_t *nb = realloc(c->sbuf, need);
        if (nb == NULL) {
            fail("out of memory");
            return;
        }
        c->sbuf = nb;
        c->scap = need;
    }
    uint64_t now = rte_rdtsc();
    for (uint32_t i = 0; i < k; i++) {
        uint8_t *r = c->sbuf + c->slen;
        memcpy(r, g.tmpl, g.tmpl_len);
        if (g.keyspace) put_digits(r + g.key_off, rte_rand_max(g.keyspace));
        c->slen += g.tmpl_len;
        c->sent_tsc[(c->head + c->pending) % g.pipeline] = now;
        c->pending++;
    }
    g.issued += k;
    if (c->rto_at == 0) progress(c, now);
    touch(c);
}

static void reply_done(struct conn *c, bool err)
{
    if (c->pending == 0) {
        fail("protocol error: a reply on connection %u without a request", (unsigned)(c - g.conns));
        return;
    }
    uint64_t now = rte_rdtsc();
    g.lat[g.done++] = now - c->sent_tsc[c->head];
    c->head = (c->head + 1) % g.pipeline;
    c->pending--;
    if (err && g.errors++ == 0) snprintf(g.first_err, sizeof(g.first_err), "-%s", c->line);
    if (g.done == g.nreq) {
        g.t_end = now;
        g.phase = PH_END;
    } else if (c->pending == 0) {
        issue_batch(c);
    }
}

/* Count complete replies in the in-order byte stream: +..., -..., :...,
 * $N + N bytes, $-1. */
static void parse_replies(struct conn *c, const uint8_t *p, uint32_t len)
{
    while (len > 0 && !g.failed) {
        if (c->pst == P_TYPE) {
            c->ptype = (char)*p++;
            len--;
            c->pst = P_LINE;
            c->linelen = 0;
        } else if (c->pst == P_LINE) {
            const uint8_t *nl = memchr(p, '\n', len);
            uint32_t take = nl ? (uint32_t)(nl - p) + 1 : len;
            for (uint32_t i = 0; i < take && c->linelen + i < sizeof(c->line) - 1; i++)
                c->line[c->linelen + i] = (char)p[i];
            c->linelen += take;
            p += take;
            len -= take;
            if (nl == NULL) continue;
            uint32_t end = c->linelen - 1; /* the '\n' */
            if (end > 0 && end - 1 < sizeof(c->line) - 1 && c->line[end - 1] == '\r') end--;
            if (end > sizeof(c->line) - 1) end = sizeof(c->line) - 1;
            c->line[end] = '\0';
            c->pst = P_TYPE;
            if (c->ptype == '+' || c->ptype == ':') {
                reply_done(c, false);
            } else if (c->ptype == '-') {
                reply_done(c, true);
            } else if (c->ptype == '$') {
                char *e;
                long long n = strtoll(c->line, &e, 10);
                if (e == c->line || *e != '\0' || n < -1) {
                    fail("protocol error: bad bulk length '%s'", c->line);
                } else if (n == -1) {
                    reply_done(c, false);
                } else {
                    c->bulk_left = (uint64_t)n + 2;
                    c->pst = P_BULK;
                }
            } else {
                fail("protocol error: unexpected reply type '%c' (0x%02x)", c->ptype,
                     (unsigned char)c->ptype);
            }
        } else {
            uint32_t take = c->bulk_left < len ? (uint32_t)c->bulk_left : len;
            c->bulk_left -= take;
            p += take;
            len -= take;
            if (c->bulk_left == 0) {
                c->pst = P_TYPE;
                reply_done(c, false);
            }
        }
    }
}

static void start_run(void)
{
    g.phase = PH_RUN;
    g.t_start = rte_rdtsc();
    for (unsigned i = 0; i < g.nconns && g.issued < g.nreq; i++) issue_batch(&g.conns[i]);
}

/* ---- reception ---- */

static uint16_t syn_mss(const struct rte_tcp_hdr *th, uint32_t hlen)
{
    const uint8_t *o = (const uint8_t *)(th + 1), *end = (const uint8_t *)th + hlen;
    while (o < end) {
        if (o[0] == 0) break;
        if (o[0] == 1) {
            o++;
            continue;
        }
        if (o + 1 >= end || o[1] < 2 || o + o[1] > end) break;
        if (o[0] == 2 && o[1] == 4) return (uint16_t)(o[2] << 8 | o[3]);
        o += o[1];
    }
    return 536;
}

static void rx_tcp(struct conn *c, const struct rte_tcp_hdr *th, uint32_t hlen, const uint8_t *data,
                   uint32_t len, uint64_t now)
{
    uint8_t fl = th->tcp_flags;
    uint32_t seq = rte_be_to_cpu_32(th->sent_seq), ack = rte_be_to_cpu_32(th->recv_ack);
    unsigned idx = (unsigned)(c - g.conns);
    if (c->state == C_SYN_SENT) {
        if ((fl & RTE_TCP_ACK_FLAG) && ack != c->iss + 1) return;
        if (fl & RTE_TCP_RST_FLAG) {
            if (fl & RTE_TCP_ACK_FLAG) {
                char b[INET_ADDRSTRLEN];
                fail("connection refused by %s:%u (RST to the SYN)", ipstr(g.srv_ip, b),
                     g.srv_port);
            }
            return;
        }
        if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) != (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG))
            return;
        c->state = C_ESTAB;
        c->rcv_nxt = seq + 1;
        c->snd_una = c->snd_nxt = c->iss + 1;
        c->snd_wnd = rte_be_to_cpu_16(th->rx_win); /* never scaled in a SYN */
        uint16_t mss = syn_mss(th, hlen);
        c->mss = mss < OUR_MSS ? (mss ? mss : 536) : OUR_MSS;
        c->rto_at = 0;
        c->ack_now = true;
        touch(c);
        if (++g.nestab == g.nconns) start_run();
        return;
    }
    if (fl & RTE_TCP_RST_FLAG) {
        if (SEQ_LEQ(c->rcv_nxt, seq) && SEQ_LT(seq, c->rcv_nxt + OUR_WND))
            fail("connection %u reset by the server (RST) after %" PRIu64 " of %" PRIu64 " replies",
                 idx, g.done, g.nreq);
        return;
    }
    if (fl & RTE_TCP_SYN_FLAG) { /* our handshake ACK was lost: the SYN-ACK again */
        c->ack_now = true;
        touch(c);
        return;
    }
    if (!(fl & RTE_TCP_ACK_FLAG)) return;
    if (SEQ_GT(ack, c->snd_nxt)) { /* acknowledges what we never sent */
        c->ack_now = true;
        touch(c);
        return;
    }
    if (SEQ_GT(ack, c->snd_una)) {
        uint32_t n = ack - c->snd_una;
        if (n > c->slen) n = c->slen; /* defensive: snd_nxt never passes the buffer */
        memmove(c->sbuf, c->sbuf + n, c->slen - n);
        c->slen -= n;
        c->snd_una = ack;
        progress(c, now);
        touch(c);
    }
    if (ack == c->snd_una) {
        uint32_t old = c->snd_wnd;
        c->snd_wnd = rte_be_to_cpu_16(th->rx_win);
        if (c->snd_wnd > old) touch(c); /* the window opened: more may go */
    }
    bool fin = (fl & RTE_TCP_FIN_FLAG) != 0;
    if (len == 0 && !fin) return;
    touch(c);
    if (SEQ_GT(seq, c->rcv_nxt)) { /* a hole before it: dropped, the peer resends */
        g.ooo_segs++;
        c->ack_now = true;
        return;
    }
    uint32_t skip = c->rcv_nxt - seq;
    if (skip >= len && !(fin && skip == len)) {
        g.dup_segs++;
        c->ack_now = true;
        return;
    }
    if (skip < len) {
        c->rcv_nxt += len - skip;
        progress(c, now);
        parse_replies(c, data + skip, len - skip);
    }
    if (fin && g.phase != PH_END)
        fail("connection %u closed by the server (FIN) after %" PRIu64 " of %" PRIu64 " replies",
             idx, g.done, g.nreq);
}

static void rx_arp(const uint8_t *p, uint32_t len)
{
    if (len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr)) return;
    const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(p + sizeof(struct rte_ether_hdr));
    if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
        arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
        arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
        return;
    uint16_t op = rte_be_to_cpu_16(arp->arp_opcode);
    struct rte_ether_addr sha = arp->arp_data.arp_sha;
    uint32_t sip = arp->arp_data.arp_sip, tip = arp->arp_data.arp_tip;
    if (sip == g.srv_ip && !rte_is_zero_ether_addr(&sha) && !rte_is_multicast_ether_addr(&sha)) {
        g.srv_mac = sha;
        if (g.phase == PH_ARP) {
            g.phase = PH_CONNECT;
            g.phase_deadline = rte_rdtsc() + CONNECT_GIVEUP_MS * g.tsc_ms;
            uint64_t now = rte_rdtsc();
            for (unsigned i = 0; i < g.nconns; i++) {
                send_syn(&g.conns[i]);
                g.conns[i].rto_at = now + SYN_RETRY_MS * g.tsc_ms;
            }
        }
    }
    if (op == RTE_ARP_OP_REQUEST && tip == g.ip) send_arp(RTE_ARP_OP_REPLY, &sha, sip);
}

static void rx_frame(struct rte_mbuf *m, uint64_t now)
{
    static uint8_t scratch[RTE_ETHER_MAX_JUMBO_FRAME_LEN];
    uint32_t len = rte_pktmbuf_pkt_len(m);
    if (len < sizeof(struct rte_ether_hdr) || len > sizeof(scratch)) return;
    const uint8_t *p = rte_pktmbuf_read(m, 0, len, scratch);
    if (p == NULL) return;
    const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
    if (rte_is_same_ether_addr(&eth->src_addr, &g.kmac)) { /* the kernel's own output */
        g.own_frames++;
        return;
    }
    if (!rte_is_same_ether_addr(&eth->dst_addr, &g.mac) &&
        !rte_is_broadcast_ether_addr(&eth->dst_addr))
        return;
    uint16_t type = rte_be_to_cpu_16(eth->ether_type);
    if (type == RTE_ETHER_TYPE_ARP) {
        rx_arp(p, len);
        return;
    }
    if (type != RTE_ETHER_TYPE_IPV4 || g.phase < PH_CONNECT) return;
    p += sizeof(*eth);
    len -= (uint32_t)sizeof(*eth);
    if (len < sizeof(struct rte_ipv4_hdr)) return;
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
    uint32_t ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
    uint32_t tot = rte_be_to_cpu_16(ip->total_length);
    if ((ip->version_ihl >> 4) != 4 || ihl < 20 || tot < ihl || tot > len) return;
    if (ip->dst_addr != g.ip || ip->src_addr != g.srv_ip || ip->next_proto_id != IPPROTO_TCP)
        return;
    if (rte_be_to_cpu_16(ip->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
        return;
    if (rte_raw_cksum(ip, ihl) != 0xffff) return;
    const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(p + ihl);
    uint32_t tcplen = tot - ihl;
    if (tcplen < sizeof(*th)) return;
    uint32_t hlen = (uint32_t)(th->data_off >> 4) * 4;
    if (hlen < sizeof(*th) || hlen > tcplen) return;
    if (rte_be_to_cpu_16(th->src_port) != g.srv_port) return;
    uint16_t idx = (uint16_t)(rte_be_to_cpu_16(th->dst_port) - g.base_port);
    if (idx >= g.nconns) return;
    rx_tcp(&g.conns[idx], th, hlen, (const uint8_t *)th + hlen, tcplen - hlen, now);
}

/* ---- timers ---- */

static void tick(uint64_t now)
{
    char b[INET_ADDRSTRLEN];
    if (g.phase == PH_ARP) {
        if (now >= g.phase_deadline) {
            fail("no ARP reply from %s within %d ms: server unreachable on %s?", ipstr(g.srv_ip, b),
                 ARP_GIVEUP_MS, g.vdev);
        } else if (now >= g.next_arp) {
            send_arp(RTE_ARP_OP_REQUEST, NULL, g.srv_ip);
            g.next_arp = now + ARP_RETRY_MS * g.tsc_ms;
        }
        return;
    }
    if (g.phase == PH_CONNECT && now >= g.phase_deadline) {
        fail("%u of %u connections got no SYN-ACK from %s:%u within %d ms: server unreachable "
             "or not listening?",
             g.nconns - g.nestab, g.nconns, ipstr(g.srv_ip, b), g.srv_port, CONNECT_GIVEUP_MS);
        return;
    }
    for (unsigned i = 0; i < g.nconns; i++) {
        struct conn *c = &g.conns[i];
        if (c->state == C_SYN_SENT) {
            if (c->rto_at && now >= c->rto_at) {
                send_syn(c);
                c->rto_at = now + SYN_RETRY_MS * g.tsc_ms;
            }
            continue;
        }
        if (c->ack_due && now >= c->ack_due && c->rcv_nxt != c->ack_sent) send_ack(c);
        if (c->rto_at == 0 || now < c->rto_at) continue;
        if (c->pending == 0 && c->slen == 0) {
            c->rto_at = 0;
            continue;
        }
        uint32_t inflight = c->snd_nxt - c->snd_una;
        if (inflight > c->slen) inflight = c->slen;
        if (inflight > 0) { /* no progress for an RTO: resend what is unacknowledged */
            for (uint32_t off = 0; off < inflight;) {
                uint32_t l = inflight - off < c->mss ? inflight - off : c->mss;
                send_seg(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c->snd_una + off, c->sbuf + off,
                         l);
                off += l;
                g.rexmit++;
            }
        } else if (c->slen > 0 && c->snd_wnd == 0) { /* zero window: a 1-byte probe */
            send_seg(c, RTE_TCP_ACK_FLAG, c->snd_nxt, c->sbuf, 1);
            c->snd_nxt++;
            g.probes++;
        }
        /* else: the requests are acknowledged and the reply is late; the server
         * retransmits it by itself */
        if (c->backoff < RTO_MAX_SHIFT) c->backoff++;
        c->rto_at = now + ((uint64_t)RTO_MS << c->backoff) * g.tsc_ms;
    }
}

/* After the burst: each touched connection sends what it can; an owed ACK
 * leaves alone only when nothing carries it (at once when the connection is
 * idle, out-of-order/duplicate data arrived or two full segments wait;
 * otherwise after ACK_DELAY_MS). */
static void flush_conns(uint64_t now)
{
    for (unsigned i = 0; i < g.ntouched; i++) {
        struct conn *c = &g.conns[g.touched[i]];
        c->touched = false;
        if (c->state != C_ESTAB) continue;
        tcp_output(c);
        if (c->rcv_nxt == c->ack_sent && !c->ack_now) continue;
        if (c->ack_now || c->pending == 0 || c->rcv_nxt - c->ack_sent >= 2 * OUR_MSS)
            send_ack(c);
        else if (c->ack_due == 0)
            c->ack_due = now + ACK_DELAY_MS * g.tsc_ms;
    }
    g.ntouched = 0;
}

/* ---- set-up ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: ssgen --vdev DEVARGS --ip A.B.C.D --server A.B.C.D [options]\n"
               "  --vdev DEVARGS   DPDK vdev, e.g. net_af_packet0,iface=ssvc1,qpairs=1,"
               "qdisc_bypass=1\n"
               "  --ip A.B.C.D     our address (not one the kernel owns in this namespace)\n"
               "  --server A.B.C.D the server (same subnet: no gateway)\n"
               "  --port N         server port (6379)\n"
               "  -c N             connections (50)\n"
               "  -P N             pipeline: requests per batch per connection (1)\n"
               "  -n N             total requests (100000)\n"
               "  -t set|get       the command (set)\n"
               "  -d N             SET value size in bytes (16)\n"
               "  -r N             random keys key:%%012d in [0, N) (default: key:__rand_int__)\n"
               "  --core N         the core to poll on (0)\n"
               "  --csv            redis-benchmark's CSV (header and one row)\n"
               "  --mac M          our own MAC instead of the interface's: the kernel\n"
               "                   there then drops the servers' replies to us at once\n"
               "                   (not its address) instead of running IP input\n"
               "  --timeout S      hard stop after S seconds, exit 1 (60)\n");
}

static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || e == s || *e || s[0] == '-' || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv)
{
    static const struct option lo[] = {
        {"vdev", required_argument, NULL, 'V'},   {"ip", required_argument, NULL, 'I'},
        {"server", required_argument, NULL, 'S'}, {"port", required_argument, NULL, 'p'},
        {"core", required_argument, NULL, 'C'},   {"csv", no_argument, NULL, 'x'},
        {"mac", required_argument, NULL, 'M'},    {"timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    g.srv_port = 6379;
    g.nconns = 50;
    g.pipeline = 1;
    g.nreq = 100000;
    g.test = T_SET;
    g.dsize = 16;
    g.timeout = 60;
    bool have_ip = false, have_srv = false;
    int o;
    uint64_t v;
    while ((o = getopt_long(argc, argv, "c:P:n:t:d:r:h", lo, NULL)) != -1) {
        switch (o) {
        case 'V': snprintf(g.vdev, sizeof(g.vdev), "%s", optarg); break;
        case 'I':
            if (inet_pton(AF_INET, optarg, &g.ip) != 1) goto bad;
            have_ip = true;
            break;
        case 'S':
            if (inet_pton(AF_INET, optarg, &g.srv_ip) != 1) goto bad;
            have_srv = true;
            break;
        case 'p':
            if (!parse_u64(optarg, 1, 65535, &v)) goto bad;
            g.srv_port = (uint16_t)v;
            break;
        case 'C':
            if (!parse_u64(optarg, 0, RTE_MAX_LCORE - 1, &v)) goto bad;
            g.core = (unsigned)v;
            break;
        case 'x': g.csv = true; break;
        case 'M':
            if (rte_ether_unformat_addr(optarg, &g.mac) != 0 || !rte_is_unicast_ether_addr(&g.mac))
                goto bad;
            g.own_mac = true;
            break;
        case 'T': {
            char *e;
            g.timeout = strtod(optarg, &e);
            if (e == optarg || *e || !(g.timeout > 0)) goto bad;
            break;
        }
        case 'c':
            if (!parse_u64(optarg, 1, MAX_CONNS, &v)) goto bad;
            g.nconns = (unsigned)v;
            break;
        case 'P':
            if (!parse_u64(optarg, 1, 1024, &v)) goto bad;
            g.pipeline = (unsigned)v;
            break;
        case 'n':
            if (!parse_u64(optarg, 1, MAX_REQUESTS, &v)) goto bad;
            g.nreq = v;
            break;
        case 'd':
            if (!parse_u64(optarg, 0, 1 << 20, &v)) goto bad;
            g.dsize = (unsigned)v;
            break;
        case 'r':
            if (!parse_u64(optarg, 0, 999999999999ULL, &v)) goto bad;
            g.keyspace = v;
            break;
        case 't':
            if (strcasecmp(optarg, "set") == 0)
                g.test = T_SET;
            else if (strcasecmp(optarg, "get") == 0)
                g.test = T_GET;
            else
                goto bad;
            break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind != argc || !g.vdev[0] || !have_ip || !have_srv) {
        fprintf(stderr, "ssgen: --vdev, --ip and --server are required\n");
        usage(stderr);
        return -1;
    }
    if (g.ip == g.srv_ip) {
        fprintf(stderr, "ssgen: --ip and --server are the same address\n");
        return -1;
    }
    return 0;
bad:
    fprintf(stderr, "ssgen: bad value for %s: '%s'\n", argv[optind - 1], optarg);
    usage(stderr);
    return -1;
}

static int setup_port(void)
{
    uint16_t pid, n = 0;
    RTE_ETH_FOREACH_DEV(pid)
    {
        if (n++ == 0) g.port = pid;
    }
    if (n == 0) {
        fprintf(stderr, "ssgen: no DPDK port from --vdev %s\n", g.vdev);
        return -1;
    }
    g.pool = rte_pktmbuf_pool_create("ssgen_mbuf", NB_MBUF, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                     (int)rte_socket_id());
    if (g.pool == NULL) {
        fprintf(stderr, "ssgen: cannot create the mbuf pool: %s\n", rte_strerror(rte_errno));
        return -1;
    }
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf)); /* no offloads: software checksums */
    int rc = rte_eth_dev_configure(g.port, 1, 1, &conf);
    uint16_t nrx = 1024, ntx = 1024;
    if (rc == 0) rc = rte_eth_dev_adjust_nb_rx_tx_desc(g.port, &nrx, &ntx);
    int sock = rte_eth_dev_socket_id(g.port);
    if (sock < 0) sock = (int)rte_socket_id();
    if (rc == 0) rc = rte_eth_rx_queue_setup(g.port, 0, nrx, (unsigned)sock, NULL, g.pool);
    if (rc == 0) rc = rte_eth_tx_queue_setup(g.port, 0, ntx, (unsigned)sock, NULL);
    if (rc == 0) rc = rte_eth_dev_start(g.port);
    if (rc != 0) {
        fprintf(stderr, "ssgen: port set-up failed: %s\n", rte_strerror(-rc));
        return -1;
    }
    rte_eth_macaddr_get(g.port, &g.kmac);
    if (!g.own_mac) g.mac = g.kmac;
    return 0;
}

static int setup_conns(void)
{
    g.conns = calloc(g.nconns, sizeof(*g.conns));
    g.touched = calloc(g.nconns, sizeof(*g.touched));
    uint64_t *ts = calloc((size_t)g.nconns * g.pipeline, sizeof(uint64_t));
    g.lat = malloc(g.nreq * sizeof(uint64_t));
    if (!g.conns || !g.touched || !ts || !g.lat) {
        fprintf(stderr, "ssgen: out of memory\n");
        return -1;
    }
    /* a fresh random port range each run: no tuple of an earlier run reused */
    g.base_port = (uint16_t)(10000 + rte_rand_max(55000 - 10000 - g.nconns));
    for (unsigned i = 0; i < g.nconns; i++) {
        struct conn *c = &g.conns[i];
        c->lport = (uint16_t)(g.base_port + i);
        c->state = C_SYN_SENT;
        c->iss = (uint32_t)rte_rand();
        c->snd_una = c->snd_nxt = c->iss;
        c->mss = 536;
        c->sent_tsc = ts + (size_t)i * g.pipeline;
        c->pst = P_TYPE;
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(double p)
{
    uint64_t rank = (uint64_t)((p / 100.0) * (double)g.done + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > g.done) rank = g.done;
    return (double)g.lat[rank - 1] * 1000.0 / (double)g.hz;
}

static void report(void)
{
    qsort(g.lat, g.done, sizeof(uint64_t), cmp_u64);
    double sum = 0;
    for (uint64_t i = 0; i < g.done; i++) sum += (double)g.lat[i];
    double secs = (double)(g.t_end - g.t_start) / (double)g.hz;
    double rps = secs > 0 ? (double)g.done / secs : 0;
    double avg = sum / (double)g.done * 1000.0 / (double)g.hz;
    const char *name = g.test == T_SET ? "SET" : "GET";
    if (g.csv) {
        printf("\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
               "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n");
        printf("\"%s\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\"\n", name, rps,
               avg, pct_ms(0), pct_ms(50), pct_ms(95), pct_ms(99), pct_ms(100));
    } else {
        printf("%s: %" PRIu64 " requests, %u connections, pipeline %u, %u-byte values\n", name,
               g.done, g.nconns, g.pipeline, g.dsize);
        printf("  %.2f requests per second (%.3f s)\n", rps, secs);
        printf("  latency ms: avg %.3f min %.3f p50 %.3f p95 %.3f p99 %.3f max %.3f\n", avg,
               pct_ms(0), pct_ms(50), pct_ms(95), pct_ms(99), pct_ms(100));
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) != 0) return 2;
    char lcore[16], prefix[64];
    snprintf(lcore, sizeof(lcore), "%u", g.core);
    snprintf(prefix, sizeof(prefix), "--file-prefix=ssgen-%d", (int)getpid());
    /* never a PCI device: only the --vdev port */
    char *eal[] = {argv[0],         "-l",          lcore,  "--no-pci", "--no-huge", "-m",
                   "256",           "--no-shconf", prefix, "--vdev",   g.vdev,      "--log-level=4",
                   "--no-telemetry"};
    int neal = (int)(sizeof(eal) / sizeof(eal[0]));
    if (rte_eal_init(neal, eal) < 0) {
        fprintf(stderr, "ssgen: EAL init failed: %s\n", rte_strerror(rte_errno));
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    g.hz = rte_get_tsc_hz();
    g.tsc_ms = g.hz / 1000;
    int rc = 1;
    if (setup_port() != 0 || setup_conns() != 0) goto out;
    build_template();

    uint64_t now = rte_rdtsc();
    g.deadline = now + (uint64_t)(g.timeout * (double)g.hz);
    g.phase = PH_ARP;
    g.phase_deadline = now + ARP_GIVEUP_MS * g.tsc_ms;
    g.next_arp = now;
    uint64_t next_tick = now;
    struct rte_mbuf *rx[RX_BURST];
    while (g.phase != PH_END && !g.failed) {
        now = rte_rdtsc();
        if (g_signal) {
            fail("interrupted by signal %d after %" PRIu64 " of %" PRIu64 " replies", (int)g_signal,
                 g.done, g.nreq);
            break;
        }
        if (now >= g.deadline) {
            fail("timeout after %.1f s: %" PRIu64 " of %" PRIu64 " requests completed", g.timeout,
                 g.done, g.nreq);
            break;
        }
        uint16_t nb = rte_eth_rx_burst(g.port, 0, rx, RX_BURST);
        g.rx_frames += nb;
        for (uint16_t i = 0; i < nb; i++) {
            rx_frame(rx[i], now);
            rte_pktmbuf_free(rx[i]);
        }
        flush_conns(now);
        if (now >= next_tick) {
            tick(now);
            next_tick = now + g.tsc_ms;
        }
        tx_flush();
    }
    /* the servers clean up at once: RST every connection (all our data was
     * acknowledged on success, so snd_nxt is their rcv_nxt) */
    for (unsigned i = 0; g.conns && i < g.nconns && g.phase > PH_ARP; i++) {
        struct conn *c = &g.conns[i];
        if (c->state == C_ESTAB)
            send_seg(c, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, c->snd_nxt, NULL, 0);
        else
            send_seg(c, RTE_TCP_RST_FLAG, c->iss + 1, NULL, 0);
    }
    tx_flush();
    fprintf(stderr,
            "ssgen: %" PRIu64 "/%" PRIu64 " replies, %" PRIu64 " errors; frames tx %" PRIu64
            " rx %" PRIu64 " (kernel's own %" PRIu64 "), tx dropped %" PRIu64
            ", retransmitted %" PRIu64 ", probes %" PRIu64 ", duplicate %" PRIu64
            ", out of order %" PRIu64 ", no mbuf %" PRIu64 "\n",
            g.done, g.nreq, g.errors, g.tx_frames, g.rx_frames, g.own_frames, g.tx_dropped,
            g.rexmit, g.probes, g.dup_segs, g.ooo_segs, g.nombuf);
    if (g.failed) {
        fprintf(stderr, "ssgen: %s\n", g.why);
    } else if (g.errors) {
        fprintf(stderr, "ssgen: %" PRIu64 " error replies, the first: %s\n", g.errors, g.first_err);
    } else {
        report();
        rc = 0;
    }
out:
    rte_eth_dev_stop(g.port);
    rte_eth_dev_close(g.port);
    eal_cleanup_runtime_dir();
    return rc;
}
