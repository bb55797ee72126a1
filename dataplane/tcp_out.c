/* tcp_out.c — building and sending segments (RFC 9293 §3.8, §3.10.7).
 *
 * tcp_output() is called once per poll iteration for every TCB marked dirty
 * (new application data, an ACK owed, a window that opened) and sends what
 * the congestion window (RFC 5681), the peer's window and sender-side
 * silly-window avoidance (RFC 9293 §3.8.6.2.1) allow. Nagle is off, like
 * Redis' TCP_NODELAY: a reply is never held back waiting for an ACK. Every
 * segment carries the current ACK and window, so a reply produced in the
 * same iteration as the request's arrival also acknowledges it (no separate
 * delayed ACK on request/response traffic).
 *
 * Each segment is a single mbuf: headers, then payload copied from the send
 * buffer (which keeps the bytes until they are acknowledged, so
 * retransmissions copy again).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp.h"

/* The window field to advertise, updating rcv_adv (RFC 9293 §3.8.6.2.2
 * receiver SWS avoidance; RFC 7323 §2.4 never shrink the right edge). */
static uint16_t rcv_window(struct net_worker *w, struct tcb *t, bool syn)
{
    uint32_t space = tcp_rcv_space(w, t);
    uint32_t cur = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
    uint32_t thresh = NET_MIN(w->nif->rcvbuf_max / 2, (uint32_t)t->rcv_mss);
    if (space < cur || space - cur < thresh) space = cur;
    uint8_t shift = (!syn && (t->flags & TCBF_WSCALE)) ? t->rcv_wscale : 0;
    uint32_t max = 65535u << shift;
    if (space > max) space = max;
    uint32_t field = space >> shift;
    if ((field << shift) < cur && field < 65535) field++;
    uint32_t edge = t->rcv_nxt + (field << shift);
    if (SEQ_GT(edge, t->rcv_adv) || t->rcv_adv == 0) t->rcv_adv = edge;
    return (uint16_t)field;
}

/* Build one TCP segment to (dst, dport) from sport. optlen a multiple of 4.
 * Payload: plen bytes from the TCB's send buffer at offset poff. */
static struct rte_mbuf *build(struct net_worker *w, uint16_t sport, uint16_t dport, uint32_t seq,
                              uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt,
                              unsigned optlen, const struct tcb *src, uint32_t poff, uint32_t plen)
{
    uint8_t *l4;
    struct rte_mbuf *m =
        net_ip_alloc(w, (uint16_t)(sizeof(struct rte_tcp_hdr) + optlen + plen), &l4);
    if (m == NULL) return NULL;
    struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;
    th->src_port = sport;
    th->dst_port = dport;
    th->sent_seq = rte_cpu_to_be_32(seq);
    th->recv_ack = rte_cpu_to_be_32(ack);
    th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
    th->tcp_flags = flags;
    th->rx_win = rte_cpu_to_be_16(win);
    th->cksum = 0;
    th->tcp_urp = 0;
    if (optlen) memcpy(th + 1, opt, optlen);
    if (plen) tcp_buf_read_at(&src->snd, poff, (uint8_t *)(th + 1) + optlen, plen);
    NET_INC(w, segs_out);
    return m;
}

static void send_tcb(struct net_worker *w, struct tcb *t, struct rte_mbuf *m)
{
    net_ip_send(w, m, t->key.raddr, IPPROTO_TCP, &t->peer_mac);
}

void tcp_send_seg(struct net_worker *w, struct tcb *t, uint32_t seq, uint32_t len, uint8_t flags)
{
    uint16_t win = rcv_window(w, t, false);
    struct rte_mbuf *m = build(w, t->key.lport, t->key.rport, seq, t->rcv_nxt, flags, win, NULL, 0,
                               t, seq - t->snd_una, len);
    if (m == NULL) return;
    /* Every segment carries the ACK: nothing is owed any more. */
    t->flags &= ~(uint32_t)(TCBF_ACK_NOW | TCBF_DELACK);
    t->delack_at = 0;
    t->rcv_unacked = 0;
    send_tcb(w, t, m);
}

void tcp_send_ack(struct net_worker *w, struct tcb *t)
{
    tcp_send_seg(w, t, t->snd_nxt, 0, TCP_F_ACK);
}

void tcp_send_synack(struct net_worker *w, struct tcb *t)
{
    uint8_t opt[8];
    unsigned n = 0;
    uint16_t mss = (uint16_t)(w->nif->mtu - 40);
    opt[n++] = 2; /* MSS (RFC 9293 §3.7.1): always sent */
    opt[n++] = 4;
    opt[n++] = (uint8_t)(mss >> 8);
    opt[n++] = (uint8_t)mss;
    if (t->flags & TCBF_WSCALE) {
        opt[n++] = 1; /* NOP, then WS (RFC 7323 §2.2) */
        opt[n++] = 3;
        opt[n++] = 3;
        opt[n++] = t->rcv_wscale;
    }
    /* SACK-permitted and timestamps are declined by not echoing them. */
    uint16_t win = rcv_window(w, t, true);
    struct rte_mbuf *m = build(w, t->key.lport, t->key.rport, t->iss, t->rcv_nxt,
                               TCP_F_SYN | TCP_F_ACK, win, opt, n, NULL, 0, 0);
    if (m != NULL) send_tcb(w, t, m);
}

void tcp_send_cookie_synack(struct net_worker *w, const struct rte_ipv4_hdr *ip,
                            const struct rte_tcp_hdr *th, uint32_t iss, uint16_t mss,
                            const struct rte_ether_addr *dst_mac)
{
    uint8_t opt[4] = {2, 4, (uint8_t)(mss >> 8), (uint8_t)mss};
    uint16_t win = (uint16_t)NET_MIN(w->nif->rcvbuf_max, 65535u);
    struct rte_mbuf *m =
        build(w, th->dst_port, th->src_port, iss, rte_be_to_cpu_32(th->sent_seq) + 1,
              TCP_F_SYN | TCP_F_ACK, win, opt, 4, NULL, 0, 0);
    if (m != NULL) net_ip_send(w, m, ip->src_addr, IPPROTO_TCP, dst_mac);
}

/* RFC 9293 §3.10.7.1: if ACK, <SEQ=SEG.ACK><CTL=RST>; else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Rate-limited per worker. */
void tcp_send_reset(struct net_worker *w, const struct rte_ipv4_hdr *ip,
                    const struct rte_tcp_hdr *th, uint32_t seglen,
                    const struct rte_ether_addr *dst_mac)
{
    if (th->tcp_flags & TCP_F_RST) return;
    if (!net_ratelimit(w->now_us, &w->rl_rst_sec, &w->rl_rst_used, w->rl_rst_max)) {
        NET_INC(w, drop_tcp_rst_ratelimit);
        return;
    }
    uint32_t seq = 0, ack = 0;
    uint8_t flags = TCP_F_RST;
    if (th->tcp_flags & TCP_F_ACK) {
        seq = rte_be_to_cpu_32(th->recv_ack);
    } else {
        ack = rte_be_to_cpu_32(th->sent_seq) + seglen;
        flags |= TCP_F_ACK;
    }
    struct rte_mbuf *m =
        build(w, th->dst_port, th->src_port, seq, ack, flags, 0, NULL, 0, NULL, 0, 0);
    if (m == NULL) return;
    NET_INC(w, resets_out);
    net_ip_send(w, m, ip->src_addr, IPPROTO_TCP, dst_mac);
}

void tcp_send_rst_tcb(struct net_worker *w, struct tcb *t)
{
    struct rte_mbuf *m = build(w, t->key.lport, t->key.rport, t->snd_max, t->rcv_nxt,
                               TCP_F_RST | TCP_F_ACK, 0, NULL, 0, NULL, 0, 0);
    if (m == NULL) return;
    NET_INC(w, resets_out);
    send_tcb(w, t, m);
}

void tcp_challenge_ack(struct net_worker *w, struct tcb *t)
{
    uint32_t sec = (uint32_t)(w->now_us / 1000000);
    if (t->chal_sec != sec) {
        t->chal_sec = sec;
        t->chal_cnt = 0;
    }
    if (t->chal_cnt >= TCP_CHALLENGE_MAX) {
        NET_INC(w, challenge_acks_limited);
        return;
    }
    t->chal_cnt++;
    NET_INC(w, challenge_acks);
    tcp_send_ack(w, t);
}

void tcp_output(struct net_worker *w, struct tcb *t)
{
    if (t->abort) {
        tcp_send_rst_tcb(w, t);
        tcp_tcb_free(w, t);
        return;
    }
    switch (t->state) {
    case TCP_ESTABLISHED:
    case TCP_CLOSE_WAIT:
    case TCP_FIN_WAIT_1:
    case TCP_CLOSING:
    case TCP_LAST_ACK: break;
    default:
        if (t->flags & TCBF_ACK_NOW) tcp_send_ack(w, t);
        tcp_timer_update(w, t);
        return;
    }
    uint32_t mss = t->snd_mss;
    uint32_t data_end = t->snd_una + t->snd.len;
    unsigned sent = 0;
    for (unsigned guard = 0; guard < 4096; guard++) {
        if (SEQ_LT(t->snd_nxt, t->snd_una)) t->snd_nxt = t->snd_una;
        uint32_t off = t->snd_nxt - t->snd_una;
        uint32_t avail = off < t->snd.len ? t->snd.len - off : 0;
        uint32_t cwnd = t->cwnd;
        if (!(t->flags & TCBF_RECOVERY) && t->dupacks > 0 && t->dupacks < 3)
            cwnd += t->dupacks * mss; /* RFC 3042 limited transmit */
        uint32_t wnd = NET_MIN(t->snd_wnd, cwnd);
        uint32_t inflight = t->snd_nxt - t->snd_una;
        uint32_t usable = wnd > inflight ? wnd - inflight : 0;
        uint32_t len = NET_MIN(NET_MIN(avail, usable), mss);
        bool probe = false;
        if ((t->flags & TCBF_PROBE_1) && len == 0 && avail > 0) {
            /* RFC 9293 §3.8.6.1: a zero-window probe carries one byte. */
            len = 1;
            probe = true;
        }
        t->flags &= ~(uint32_t)TCBF_PROBE_1;
        bool fin = (t->flags & TCBF_FIN_QUEUED) && !(t->flags & TCBF_FIN_SENT) &&
                   t->snd_nxt + len == data_end;
        if (len == 0 && !fin) break;
        /* Sender SWS avoidance: a short segment only if it empties the
         * queue or fills half the largest window the peer ever offered. */
        if (!probe && len > 0 && len < mss && len < avail && len < t->max_snd_wnd / 2) break;
        uint8_t flags = TCP_F_ACK;
        if (len > 0 && len == avail) flags |= TCP_F_PSH;
        if (fin) flags |= TCP_F_FIN;
        if (SEQ_LT(t->snd_nxt, t->snd_max)) {
            NET_INC(w, retransmits);
        } else if (!(t->flags & TCBF_RTT_ACTIVE) && len > 0) {
            t->flags |= TCBF_RTT_ACTIVE;
            t->rtt_seq = t->snd_nxt;
            t->rtt_start_us = w->now_us;
        }
        tcp_send_seg(w, t, t->snd_nxt, len, flags);
        if (fin) t->flags |= TCBF_FIN_SENT;
        t->snd_nxt += len + (fin ? 1 : 0);
        t->snd_max = SEQ_MAX(t->snd_max, t->snd_nxt);
        if (t->rexmt_at == 0) t->rexmt_at = w->now_us + t->rto;
        sent++;
        if (probe || fin) break;
    }
    if (sent == 0 && (t->flags & TCBF_ACK_NOW)) tcp_send_ack(w, t);
    /* Persist (RFC 9293 §3.8.6.1): data waits, nothing in flight, and the
     * window is closed or too small to use — someone must poke the peer. */
    uint32_t off = t->snd_nxt - t->snd_una;
    bool waiting =
        off < t->snd.len || ((t->flags & TCBF_FIN_QUEUED) && !(t->flags & TCBF_FIN_SENT));
    if (waiting && t->snd_nxt == t->snd_una && t->snd_una == t->snd_max) {
        if (!(t->flags & TCBF_PERSIST)) {
            t->flags |= TCBF_PERSIST;
            t->pshift = 0;
            t->persist_at = w->now_us + NET_MAX(t->rto, (uint32_t)TCP_PERSIST_MIN_US);
        }
        t->rexmt_at = 0;
    }
    tcp_timer_update(w, t);
}

void tcp_flush_output(struct net_worker *w)
{
    struct tcp_worker *tw = w->tcp;
    struct tcb *t;
    if (tw == NULL) return; /* worker stopped */
    while ((t = TAILQ_FIRST(&tw->out_list)) != NULL) {
        TAILQ_REMOVE(&tw->out_list, t, out_link);
        t->on_out = 0;
        /* A delayed ACK still owed stays armed; anything else goes now. */
        tcp_output(w, t);
    }
}
