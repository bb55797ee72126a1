/* sg_net.c — ARP, IPv4 and the minimal TCP client (see sg_net.h). */
#include "sg_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)

static const char *ipstr(uint32_t ip_be, char *buf)
{
    return inet_ntop(AF_INET, &ip_be, buf, INET_ADDRSTRLEN);
}

int sg_net_init(struct sg_net *n, struct sg_gen *g, const struct sg_frame_ops *ops, void *octx,
                uint32_t ip, uint32_t srv_ip, uint16_t srv_port, const struct rte_ether_addr *mac,
                const struct rte_ether_addr *kmac, uint16_t base_port, uint64_t isn_seed)
{
    struct sg_rng isn;
    sg_rng_seed(&isn, isn_seed);
    memset(n, 0, sizeof(*n));
    n->g = g;
    n->ops = ops;
    n->octx = octx;
    n->ip = ip;
    n->srv_ip = srv_ip;
    n->srv_port = srv_port;
    n->mac = *mac;
    n->kmac = *kmac;
    n->base_port = base_port;
    n->tsc_ms = g->clk.hz / 1000;
    /* 10,000 connections take 20 ms of SYNs; allow for SYN cookies and retries */
    n->connect_ms = SG_CONNECT_MS_MIN + g->n / 2;
    n->tcb = calloc(g->n, sizeof(*n->tcb));
    if (n->tcb == NULL) return -ENOMEM;
    for (unsigned i = 0; i < g->n; i++) {
        struct sg_tcb *t = &n->tcb[i];
        t->lport = (uint16_t)(base_port + i);
        t->state = SG_TCP_CLOSED;
        t->iss = (uint32_t)sg_rng_u64(&isn);
        t->snd_una = t->snd_nxt = t->iss;
        t->mss = 536;
    }
    return 0;
}

void sg_net_free(struct sg_net *n)
{
    free(n->tcb);
    n->tcb = NULL;
}

/* ---- output ---- */

static void send_arp(struct sg_net *n, uint16_t op, const struct rte_ether_addr *dst, uint32_t tip)
{
    void *h;
    uint8_t *p =
        n->ops->alloc(n->octx, sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr), &h);
    if (p == NULL) {
        n->st.nombuf++;
        return;
    }
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
    struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
    static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    eth->dst_addr = dst ? *dst : bcast;
    eth->src_addr = n->mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    arp->arp_hlen = RTE_ETHER_ADDR_LEN;
    arp->arp_plen = 4;
    arp->arp_opcode = rte_cpu_to_be_16(op);
    arp->arp_data.arp_sha = n->mac;
    arp->arp_data.arp_sip = n->ip;
    memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
    if (dst) arp->arp_data.arp_tha = *dst;
    arp->arp_data.arp_tip = tip;
    n->ops->xmit(n->octx, h);
    n->st.tx_frames++;
}

/* One segment of connection i; an ACK carries rcv_nxt (and settles any owed
 * ACK). A SYN carries the MSS option and nothing else. */
static void send_seg(struct sg_net *n, unsigned i, uint8_t flags, uint32_t seq, const uint8_t *data,
                     uint32_t len)
{
    struct sg_tcb *t = &n->tcb[i];
    uint16_t optlen = (flags & RTE_TCP_SYN_FLAG) ? 4 : 0;
    uint16_t tcplen = (uint16_t)(sizeof(struct rte_tcp_hdr) + optlen);
    uint16_t iplen = (uint16_t)(sizeof(struct rte_ipv4_hdr) + tcplen + len);
    void *h;
    uint8_t *p = n->ops->alloc(n->octx, (uint16_t)(sizeof(struct rte_ether_hdr) + iplen), &h);
    if (p == NULL) {
        n->st.nombuf++;
        return;
    }
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
    eth->dst_addr = n->srv_mac;
    eth->src_addr = n->mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16(iplen);
    ip->packet_id = rte_cpu_to_be_16(n->ip_id++);
    ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_TCP;
    ip->hdr_checksum = 0;
    ip->src_addr = n->ip;
    ip->dst_addr = n->srv_ip;
    th->src_port = rte_cpu_to_be_16(t->lport);
    th->dst_port = rte_cpu_to_be_16(n->srv_port);
    th->sent_seq = rte_cpu_to_be_32(seq);
    th->recv_ack = (flags & RTE_TCP_ACK_FLAG) ? rte_cpu_to_be_32(t->rcv_nxt) : 0;
    th->data_off = (uint8_t)((tcplen / 4) << 4);
    th->tcp_flags = flags;
    th->rx_win = rte_cpu_to_be_16(SG_OUR_WND);
    th->cksum = 0;
    th->tcp_urp = 0;
    uint8_t *opt = (uint8_t *)(th + 1);
    if (optlen) {
        opt[0] = 2; /* MSS */
        opt[1] = 4;
        opt[2] = SG_OUR_MSS >> 8;
        opt[3] = SG_OUR_MSS & 0xff;
    }
    if (len) memcpy(opt + optlen, data, len);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    th->cksum = rte_ipv4_udptcp_cksum(ip, th);
    if (flags & RTE_TCP_ACK_FLAG) {
        t->ack_sent = t->rcv_nxt;
        t->ack_now = false;
        t->ack_due = 0;
    }
    n->ops->xmit(n->octx, h);
    n->st.tx_frames++;
}

static void send_ack(struct sg_net *n, unsigned i)
{
    send_seg(n, i, RTE_TCP_ACK_FLAG, n->tcb[i].snd_nxt, NULL, 0);
}

static void send_syn(struct sg_net *n, unsigned i, uint64_t now)
{
    struct sg_tcb *t = &n->tcb[i];
    t->state = SG_TCP_SYN_SENT;
    t->rto_at = now + SG_SYN_RETRY_MS * n->tsc_ms;
    send_seg(n, i, RTE_TCP_SYN_FLAG, t->iss, NULL, 0);
}

/* New request bytes, as far as the peer's window and MSS allow. */
static void tcp_output(struct sg_net *n, unsigned i)
{
    struct sg_tcb *t = &n->tcb[i];
    struct sg_conn *c = &n->g->conns[i];
    uint32_t have = sg_conn_unreleased(c);
    uint32_t inflight = t->snd_nxt - t->snd_una;
    const uint8_t *base = c->sbuf + c->soff;
    while (inflight < have) {
        uint32_t room = t->snd_wnd > inflight ? t->snd_wnd - inflight : 0;
        uint32_t len = have - inflight;
        if (len > t->mss) len = t->mss;
        if (len > room) len = room;
        if (len == 0) break;
        uint8_t fl = RTE_TCP_ACK_FLAG | (inflight + len == have ? RTE_TCP_PSH_FLAG : 0);
        send_seg(n, i, fl, t->snd_nxt, base + inflight, len);
        t->snd_nxt += len;
        inflight += len;
    }
}

/* Re-arm the retransmission timer after progress (or disarm when idle). */
static void progress(struct sg_net *n, unsigned i, uint64_t now)
{
    struct sg_tcb *t = &n->tcb[i];
    const struct sg_conn *c = &n->g->conns[i];
    t->backoff = 0;
    t->rto_at = (c->pending || sg_conn_unreleased(c)) ? now + SG_RTO_MS * n->tsc_ms : 0;
}

/* ---- input ---- */

/* A received segment's TCP checksum over the pseudo-header: the folded
 * one's-complement sum of everything, checksum field included, is 0xffff. */
static bool tcp_cksum_ok(const struct rte_ipv4_hdr *ip, const void *l4, uint32_t len)
{
    uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(l4, len);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

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

static void rx_tcp(struct sg_net *n, unsigned i, const struct rte_tcp_hdr *th, uint32_t hlen,
                   const uint8_t *data, uint32_t len, uint64_t now)
{
    struct sg_gen *g = n->g;
    struct sg_tcb *t = &n->tcb[i];
    struct sg_conn *c = &g->conns[i];
    uint8_t fl = th->tcp_flags;
    uint32_t seq = rte_be_to_cpu_32(th->sent_seq), ack = rte_be_to_cpu_32(th->recv_ack);
    if (t->state == SG_TCP_CLOSED) return;
    if (t->state == SG_TCP_SYN_SENT) {
        if ((fl & RTE_TCP_ACK_FLAG) && ack != t->iss + 1) { /* not for this SYN */
            n->st.syn_answer_other++;
            return;
        }
        if (fl & RTE_TCP_RST_FLAG) {
            if (fl & RTE_TCP_ACK_FLAG) {
                char b[INET_ADDRSTRLEN];
                sg_gen_fail(g, "connection refused by %s:%u (RST to the SYN)", ipstr(n->srv_ip, b),
                            n->srv_port);
            }
            return;
        }
        if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) != (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG))
            return;
        t->state = SG_TCP_ESTAB;
        t->rcv_nxt = seq + 1;
        t->snd_una = t->snd_nxt = t->iss + 1;
        t->snd_wnd = rte_be_to_cpu_16(th->rx_win); /* never scaled in a SYN */
        uint16_t mss = syn_mss(th, hlen);
        t->mss = mss < SG_OUR_MSS ? (mss ? mss : 536) : SG_OUR_MSS;
        t->rto_at = 0;
        t->ack_now = true;
        sg_gen_touch(g, c);
        if (++n->nestab == g->n) {
            n->phase = SG_NET_RUN;
            sg_gen_start(g, now);
        }
        return;
    }
    if (fl & RTE_TCP_RST_FLAG) {
        if (SEQ_LEQ(t->rcv_nxt, seq) && SEQ_LT(seq, t->rcv_nxt + SG_OUR_WND))
            sg_gen_fail(g, "connection %u reset by the server (RST) after %" PRIu64 " replies", i,
                        g->done);
        return;
    }
    if (fl & RTE_TCP_SYN_FLAG) { /* our handshake ACK was lost: the SYN-ACK again */
        t->ack_now = true;
        sg_gen_touch(g, c);
        return;
    }
    if (!(fl & RTE_TCP_ACK_FLAG)) return;
    if (SEQ_GT(ack, t->snd_nxt)) { /* acknowledges what we never sent */
        t->ack_now = true;
        sg_gen_touch(g, c);
        return;
    }
    if (SEQ_GT(ack, t->snd_una)) {
        uint32_t k = ack - t->snd_una, have = sg_conn_unreleased(c);
        if (k > have) k = have; /* defensive: snd_nxt never passes the buffer */
        sg_conn_release(c, k);
        t->snd_una = ack;
        progress(n, i, now);
        sg_gen_touch(g, c);
    }
    if (ack == t->snd_una) {
        uint32_t old = t->snd_wnd;
        t->snd_wnd = rte_be_to_cpu_16(th->rx_win);
        if (t->snd_wnd > old) sg_gen_touch(g, c); /* the window opened: more may go */
    }
    bool fin = (fl & RTE_TCP_FIN_FLAG) != 0;
    if (len == 0 && !fin) return;
    sg_gen_touch(g, c);
    if (SEQ_GT(seq, t->rcv_nxt)) { /* a hole before it: dropped, the peer resends */
        n->st.ooo_segs++;
        t->ack_now = true;
        return;
    }
    uint32_t skip = t->rcv_nxt - seq;
    if (skip >= len && !(fin && skip == len)) {
        n->st.dup_segs++;
        t->ack_now = true;
        return;
    }
    if (skip < len) {
        t->rcv_nxt += len - skip;
        sg_gen_rx(g, c, data + skip, len - skip, now);
        progress(n, i, now);
    }
    if (fin && !sg_gen_finished(g))
        sg_gen_fail(g, "connection %u closed by the server (FIN) after %" PRIu64 " replies", i,
                    g->done);
}

static void connect_all(struct sg_net *n, uint64_t now)
{
    n->phase = SG_NET_CONNECT;
    n->phase_deadline = now + n->connect_ms * n->tsc_ms;
    for (; n->nsyn < n->g->n && n->nsyn < SG_SYN_PER_MS; n->nsyn++) send_syn(n, n->nsyn, now);
}

static void rx_arp(struct sg_net *n, const uint8_t *p, uint32_t len, uint64_t now)
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
    if (sip == n->srv_ip && !rte_is_zero_ether_addr(&sha) && !rte_is_multicast_ether_addr(&sha)) {
        n->srv_mac = sha;
        if (n->phase == SG_NET_ARP) connect_all(n, now);
    }
    if (op == RTE_ARP_OP_REQUEST && tip == n->ip) send_arp(n, RTE_ARP_OP_REPLY, &sha, sip);
}

void sg_net_input(struct sg_net *n, const uint8_t *p, uint32_t len, uint64_t now)
{
    n->st.rx_frames++;
    if (len < sizeof(struct rte_ether_hdr)) return;
    const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
    if (rte_is_same_ether_addr(&eth->src_addr, &n->kmac)) { /* the kernel's own output */
        n->st.own_frames++;
        return;
    }
    if (!rte_is_same_ether_addr(&eth->dst_addr, &n->mac) &&
        !rte_is_broadcast_ether_addr(&eth->dst_addr))
        return;
    uint16_t type = rte_be_to_cpu_16(eth->ether_type);
    if (type == RTE_ETHER_TYPE_ARP) {
        rx_arp(n, p, len, now);
        return;
    }
    if (type != RTE_ETHER_TYPE_IPV4 || n->phase < SG_NET_CONNECT) return;
    p += sizeof(*eth);
    len -= (uint32_t)sizeof(*eth);
    if (len < sizeof(struct rte_ipv4_hdr)) return;
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
    uint32_t ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
    uint32_t tot = rte_be_to_cpu_16(ip->total_length);
    if ((ip->version_ihl >> 4) != 4 || ihl < 20 || tot < ihl || tot > len) return;
    if (ip->dst_addr != n->ip || ip->src_addr != n->srv_ip || ip->next_proto_id != IPPROTO_TCP)
        return;
    if (rte_be_to_cpu_16(ip->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
        return;
    const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(p + ihl);
    uint32_t tcplen = tot - ihl;
    if (tcplen < sizeof(*th)) return;
    if (rte_raw_cksum(ip, ihl) != 0xffff ||
        (n->verify_l4 && ihl == 20 && !tcp_cksum_ok(ip, th, tcplen))) {
        n->st.bad_cksum++;
        return;
    }
    uint32_t hlen = (uint32_t)(th->data_off >> 4) * 4;
    if (hlen < sizeof(*th) || hlen > tcplen) return;
    if (rte_be_to_cpu_16(th->src_port) != n->srv_port) return;
    uint16_t idx = (uint16_t)(rte_be_to_cpu_16(th->dst_port) - n->base_port);
    if (idx >= n->g->n) return;
    rx_tcp(n, idx, th, hlen, (const uint8_t *)th + hlen, tcplen - hlen, now);
}

/* ---- flush and timers ---- */

void sg_net_flush(struct sg_net *n, uint64_t now)
{
    struct sg_gen *g = n->g;
    for (unsigned k = 0; k < g->ntouched; k++) {
        unsigned i = g->touched[k];
        struct sg_tcb *t = &n->tcb[i];
        struct sg_conn *c = &g->conns[i];
        c->touched = false;
        if (t->state != SG_TCP_ESTAB) continue;
        if (t->rto_at == 0 && sg_conn_unreleased(c) > t->snd_nxt - t->snd_una) progress(n, i, now);
        tcp_output(n, i);
        if (t->rcv_nxt == t->ack_sent && !t->ack_now) continue;
        if (t->ack_now || c->pending == 0 || t->rcv_nxt - t->ack_sent >= 2 * SG_OUR_MSS)
            send_ack(n, i);
        else if (t->ack_due == 0)
            t->ack_due = now + SG_ACK_DELAY_MS * n->tsc_ms;
    }
    g->ntouched = 0;
}

void sg_net_begin(struct sg_net *n, uint64_t now)
{
    n->phase = SG_NET_ARP;
    n->phase_deadline = now + SG_ARP_GIVEUP_MS * n->tsc_ms;
    n->next_arp = now;
}

void sg_net_tick(struct sg_net *n, uint64_t now)
{
    struct sg_gen *g = n->g;
    char b[INET_ADDRSTRLEN];
    if (n->phase == SG_NET_ARP) {
        if (now >= n->phase_deadline) {
            sg_gen_fail(g, "no ARP reply from %s within %d ms: server unreachable?",
                        ipstr(n->srv_ip, b), SG_ARP_GIVEUP_MS);
        } else if (now >= n->next_arp) {
            send_arp(n, RTE_ARP_OP_REQUEST, NULL, n->srv_ip);
            n->next_arp = now + SG_ARP_RETRY_MS * n->tsc_ms;
        }
        return;
    }
    if (n->phase == SG_NET_CONNECT) {
        if (now >= n->phase_deadline) {
            sg_gen_fail(g,
                        "%u of %u connections got no SYN-ACK from %s:%u within %" PRIu64
                        " ms: server unreachable or not listening?%s",
                        g->n - n->nestab, g->n, ipstr(n->srv_ip, b), n->srv_port, n->connect_ms,
                        n->st.syn_answer_other
                            ? " (it answered SYNs with ACKs for other sequence numbers: it "
                              "holds these tuples already)"
                            : "");
            return;
        }
        unsigned stop = n->nsyn + SG_SYN_PER_MS;
        for (; n->nsyn < g->n && n->nsyn < stop; n->nsyn++) send_syn(n, n->nsyn, now);
    }
    unsigned retries = 0;
    for (unsigned i = 0; i < g->n; i++) {
        struct sg_tcb *t = &n->tcb[i];
        struct sg_conn *c = &g->conns[i];
        if (t->state == SG_TCP_CLOSED) continue;
        if (t->state == SG_TCP_SYN_SENT) {
            if (t->rto_at && now >= t->rto_at && retries < SG_SYN_PER_MS) {
                send_syn(n, i, now);
                n->st.syn_rexmit++;
                retries++;
            }
            continue;
        }
        if (t->ack_due && now >= t->ack_due && t->rcv_nxt != t->ack_sent) send_ack(n, i);
        if (t->rto_at == 0 || now < t->rto_at) continue;
        uint32_t have = sg_conn_unreleased(c);
        if (c->pending == 0 && have == 0) {
            t->rto_at = 0;
            continue;
        }
        uint32_t inflight = t->snd_nxt - t->snd_una;
        if (inflight > have) inflight = have;
        if (inflight > 0) { /* no progress for an RTO: resend what is unacknowledged */
            n->st.rto_events++;
            const uint8_t *base = c->sbuf + c->soff;
            for (uint32_t off = 0; off < inflight;) {
                uint32_t l = inflight - off < t->mss ? inflight - off : t->mss;
                send_seg(n, i, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, t->snd_una + off, base + off,
                         l);
                off += l;
                n->st.rexmit_segs++;
            }
        } else if (have > 0 && t->snd_wnd == 0) { /* zero window: a 1-byte probe */
            send_seg(n, i, RTE_TCP_ACK_FLAG, t->snd_nxt, c->sbuf + c->soff, 1);
            t->snd_nxt++;
            n->st.probes++;
        }
        /* else: the requests are acknowledged and the reply is late; the server
         * retransmits it by itself */
        if (t->backoff < SG_RTO_MAX_SHIFT) t->backoff++;
        t->rto_at = now + ((uint64_t)SG_RTO_MS << t->backoff) * n->tsc_ms;
    }
}

void sg_net_reset(struct sg_net *n, unsigned from, unsigned to)
{
    if (to > n->g->n) to = n->g->n;
    for (unsigned i = from; i < to; i++) {
        struct sg_tcb *t = &n->tcb[i];
        if (t->state == SG_TCP_ESTAB)
            send_seg(n, i, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, t->snd_nxt, NULL, 0);
        else if (t->state == SG_TCP_SYN_SENT)
            send_seg(n, i, RTE_TCP_RST_FLAG, t->iss + 1, NULL, 0);
        t->state = SG_TCP_CLOSED;
    }
}
