/* tcp_in.c — segment arrival, laid out as RFC 9293 §3.10.7 ("SEGMENT
 * ARRIVES"): CLOSED/LISTEN handling for segments without a TCB, then for a
 * TCB the eight steps in order — sequence check, RST, (security), SYN, ACK,
 * URG, text, FIN — with RFC 5961's hardening of steps 2, 4 and 5.
 *
 * Every discard leaves through a counter (net_counters.h). Payload is copied
 * once, into the connection's receive buffer (in order or at its offset
 * beyond a hole, see tcp_data()), and the mbuf is freed here.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp.h"

/* A parsed segment. */
struct tcp_seg {
    uint32_t seq, ack, len; /* len: payload bytes */
    uint32_t off;           /* payload offset from the TCP header */
    uint16_t wnd;           /* raw window field */
    uint8_t flags;
    int8_t wscale;    /* -1: no WS option */
    uint16_t mss;     /* 0: no MSS option */
    bool sack_ok, ts; /* seen (and declined) */
};

/* RFC 9293 §3.1: options. A malformed option (length < 2 or past the header)
 * ends parsing; what was parsed so far stands, like Linux's tcp_parse_options.
 * MSS and WS count only on a SYN (RFC 9293 §3.7.1, RFC 7323 §2.2). */
static void parse_options(struct tcp_seg *s, const uint8_t *opt, unsigned optlen)
{
    unsigned i = 0;
    while (i < optlen) {
        uint8_t kind = opt[i];
        if (kind == 0) break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= optlen) break;
        uint8_t len = opt[i + 1];
        if (len < 2 || i + len > optlen) break;
        if (s->flags & TCP_F_SYN) {
            if (kind == 2 && len == 4) s->mss = (uint16_t)(opt[i + 2] << 8 | opt[i + 3]);
            if (kind == 3 && len == 3) s->wscale = (int8_t)NET_MIN(opt[i + 2], 14); /* §2.3 */
            if (kind == 4 && len == 2) s->sack_ok = true;
        }
        if (kind == 8 && len == 10) s->ts = true;
        i += len;
    }
}

/* RFC 6298 §2.2-2.4 with G = 1 ms. */
void tcp_rtt_sample(struct tcb *t, uint32_t r)
{
    if (r == 0) r = 1;
    if (t->srtt == 0) {
        t->srtt = r;
        t->rttvar = r / 2;
    } else {
        uint32_t delta = t->srtt > r ? t->srtt - r : r - t->srtt;
        t->rttvar = (3 * t->rttvar + delta) / 4;
        t->srtt = (7 * t->srtt + r) / 8;
    }
    uint64_t rto = (uint64_t)t->srtt + NET_MAX(1000u, 4 * t->rttvar);
    t->rto = (uint32_t)NET_MIN(NET_MAX(rto, (uint64_t)TCP_RTO_MIN_US), (uint64_t)TCP_RTO_MAX_US);
}

uint32_t tcp_rcv_space(const struct net_worker *w, const struct tcb *t)
{
    uint32_t max = w->nif->rcvbuf_max, queued = tcp_rcv_queued(t);
    return queued >= max ? 0 : max - queued;
}

static uint16_t our_mss(const struct net_worker *w)
{
    return (uint16_t)(w->nif->mtu - 40);
}

/* Common set-up when a connection becomes synchronized. */
static void tcb_established(struct net_worker *w, struct tcb *t)
{
    /* RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)). */
    uint32_t mss = t->snd_mss;
    t->cwnd = NET_MIN(TCP_IW_SEGS * mss, NET_MAX(2 * mss, 14600u));
    t->ssthresh = 0x7fffffff; /* RFC 5681 §3.1: arbitrarily high */
    t->recover = t->iss;
    t->last_rcv_us = w->now_us;
    tcp_set_state(w, t, TCP_ESTABLISHED);
    uint64_t idle = tcp_keepalive_idle_us(w);
    if (idle) t->keep_at = w->now_us + idle;
    NET_INC(w, passive_opens);
}

/* Hand a new connection to the application. false: refused (TCB freed). */
static bool tcb_accept(struct net_worker *w, struct tcb *t)
{
    void *s = w->h != NULL ? w->h->on_accept(w->wctx, &t->conn) : NULL;
    if (s == NULL && t->snd.len > 0) {
        /* Refused with a message (e.g. "-DENIED ..."): deliver it, then FIN,
         * like Redis writing the error before closing. */
        t->flags |= TCBF_APP_CLOSED | TCBF_FIN_QUEUED;
        tcp_set_state(w, t, TCP_FIN_WAIT_1);
        tcp_mark_output(w, t);
        return false;
    }
    if (s == NULL) {
        NET_INC(w, aborts);
        tcp_send_rst_tcb(w, t);
        tcp_tcb_free(w, t);
        return false;
    }
    t->conn.session = s;
    t->flags |= TCBF_ACCEPTED;
    return true;
}

static bool fin_acked(const struct tcb *t)
{
    return (t->flags & TCBF_FIN_SENT) && t->snd_una == t->snd_max;
}

/* Step 5 for synchronized states: new data acknowledged, duplicate ACKs
 * (RFC 5681 §3.2, RFC 6582, RFC 3042) and the send-window update. */
static void tcp_ack(struct net_worker *w, struct tcb *t, const struct tcp_seg *s)
{
    uint32_t ack = s->ack;
    uint32_t seg_wnd = (uint32_t)s->wnd << t->snd_wscale;
    uint32_t mss = t->snd_mss;
    if (SEQ_GT(ack, t->snd_una)) {
        uint32_t acked = ack - t->snd_una;
        uint32_t data = NET_MIN(acked, t->snd.len);
        tcp_buf_consume(&t->snd, data);
        /* RFC 6298 §3 / Karn: time only segments sent once. */
        if ((t->flags & TCBF_RTT_ACTIVE) && SEQ_GT(ack, t->rtt_seq)) {
            tcp_rtt_sample(t, (uint32_t)(w->now_us - t->rtt_start_us));
            t->flags &= ~(uint32_t)TCBF_RTT_ACTIVE;
        }
        t->retries = 0;
        t->pshift = 0;
        if (t->flags & TCBF_RECOVERY) {
            if (SEQ_GEQ(ack, t->recover)) {
                /* RFC 6582 §3.2 step 3: full ACK ends recovery. */
                uint32_t flight = t->snd_max - ack;
                t->cwnd = NET_MIN(t->ssthresh, NET_MAX(flight, mss) + mss);
                t->flags &= ~(uint32_t)TCBF_RECOVERY;
                NET_INC(w, recoveries_exited);
            } else {
                /* Step 4: partial ACK — retransmit the next hole, deflate. */
                NET_INC(w, partial_acks);
                t->snd_una = ack;
                tcp_send_seg(w, t, ack, NET_MIN(mss, t->snd.len), TCP_F_ACK);
                NET_INC(w, retransmits);
                t->cwnd = t->cwnd > acked ? t->cwnd - acked : mss;
                if (acked >= mss) t->cwnd += mss;
            }
        } else if (t->cwnd < t->ssthresh) {
            t->cwnd += NET_MIN(acked, 2 * mss); /* RFC 3465 ABC, L = 2 */
        } else {
            t->bytes_acked += acked; /* RFC 5681 §3.1 congestion avoidance */
            if (t->bytes_acked >= t->cwnd) {
                t->bytes_acked -= t->cwnd;
                t->cwnd += mss;
            }
        }
        t->dupacks = 0;
        t->snd_una = ack;
        if (SEQ_LT(t->snd_nxt, ack)) t->snd_nxt = ack;
        /* RFC 6298 §5.2/5.3 */
        t->rexmt_at = t->snd_una == t->snd_max ? 0 : w->now_us + t->rto;
        if (t->flags & TCBF_WANT_WRITE) tcp_mark_event(w, t, false, true);
        tcp_mark_output(w, t);
    } else if (ack == t->snd_una && s->len == 0 && !(s->flags & (TCP_F_SYN | TCP_F_FIN)) &&
               seg_wnd == t->snd_wnd && seg_wnd != 0 && !(t->flags & TCBF_PERSIST) &&
               SEQ_GT(t->snd_max, t->snd_una)) {
        /* RFC 5681 §2 "DUPLICATE ACKNOWLEDGMENT": all five conditions; ACKs
         * of zero-window probes are not loss signals. */
        NET_INC(w, dup_acks_in);
        if (t->dupacks < 255) t->dupacks++;
        if (t->flags & TCBF_RECOVERY) {
            t->cwnd += mss; /* RFC 6582 §3.2 step 3 inflation */
            tcp_mark_output(w, t);
        } else if (t->dupacks == 3) {
            /* RFC 6582 §3.2 step 2: only if this is not the tail of a
             * previous recovery. */
            if (SEQ_GT(ack - 1, t->recover) || t->recover == t->iss) {
                uint32_t flight = t->snd_max - t->snd_una;
                t->ssthresh = NET_MAX(flight / 2, 2 * mss);
                t->recover = t->snd_max;
                t->flags |= TCBF_RECOVERY;
                t->flags &= ~(uint32_t)TCBF_RTT_ACTIVE;
                NET_INC(w, fast_retransmits);
                NET_INC(w, retransmits);
                uint32_t len = NET_MIN(mss, t->snd.len);
                uint8_t fl = TCP_F_ACK;
                if (len == t->snd.len && (t->flags & TCBF_FIN_SENT)) fl |= TCP_F_FIN;
                tcp_send_seg(w, t, t->snd_una, len, fl);
                t->cwnd = t->ssthresh + 3 * mss;
                t->rexmt_at = w->now_us + t->rto;
            }
        } else if (t->dupacks < 3) {
            tcp_mark_output(w, t); /* RFC 3042 limited transmit */
        }
    }
    /* RFC 9293 §3.10.7.4 fifth, "update the send window". */
    if (SEQ_LT(t->snd_wl1, s->seq) || (t->snd_wl1 == s->seq && SEQ_LEQ(t->snd_wl2, ack))) {
        bool opened = seg_wnd > t->snd_wnd;
        t->snd_wnd = seg_wnd;
        t->snd_wl1 = s->seq;
        t->snd_wl2 = ack;
        if (seg_wnd > t->max_snd_wnd) t->max_snd_wnd = seg_wnd;
        if (opened) {
            if (seg_wnd > 0 && (t->flags & TCBF_PERSIST)) {
                t->flags &= ~(uint32_t)TCBF_PERSIST;
                t->persist_at = 0;
                t->pshift = 0;
            }
            tcp_mark_output(w, t);
        }
    }
    if (t->flags & TCBF_PERSIST) {
        t->retries = 0; /* the peer answers probes */
        /* The window is still closed and the probe byte was not taken: it
         * is not in flight. Step back, so that our ACKs carry SEQ = SND.UNA,
         * the peer's RCV.NXT, the one sequence number a receiver with a
         * zero window accepts (RFC 9293 §3.10.7.4): one carrying SND.UNA+1
         * is dropped, and the peer would never see its own requests
         * acknowledged while its window stays closed. The next probe
         * resends the byte. */
        if (seg_wnd == 0 && ack == t->snd_una && SEQ_GT(t->snd_nxt, t->snd_una))
            t->snd_nxt = t->snd_una;
    }
}

/* Insert [seq, seq+len) into the out-of-order interval list (sorted,
 * non-overlapping, merged). false: list full and nothing to merge with. */
static bool ooo_insert(struct tcb *t, uint32_t seq, uint32_t end)
{
    unsigned n = t->nooo, i = 0;
    while (i < n && SEQ_LT(t->ooo[i].end, seq)) i++;
    if (i < n && SEQ_LEQ(t->ooo[i].start, end)) {
        /* overlaps or touches ooo[i]: extend, then swallow followers */
        t->ooo[i].start = SEQ_MIN(t->ooo[i].start, seq);
        t->ooo[i].end = SEQ_MAX(t->ooo[i].end, end);
        unsigned j = i + 1;
        while (j < n && SEQ_LEQ(t->ooo[j].start, t->ooo[i].end)) {
            t->ooo[i].end = SEQ_MAX(t->ooo[i].end, t->ooo[j].end);
            j++;
        }
        memmove(&t->ooo[i + 1], &t->ooo[j], (n - j) * sizeof(t->ooo[0]));
        t->nooo = (uint8_t)(n - (j - i - 1));
        return true;
    }
    if (n == TCP_OOO_MAX) return false;
    memmove(&t->ooo[i + 1], &t->ooo[i], (n - i) * sizeof(t->ooo[0]));
    t->ooo[i].start = seq;
    t->ooo[i].end = end;
    t->nooo = (uint8_t)(n + 1);
    return true;
}

/* RFC 9293 §3.10.7.4 eighth: the FIN, once everything before it arrived. */
static void tcp_fin(struct net_worker *w, struct tcb *t)
{
    t->rcv_nxt++;
    t->flags |= TCBF_FIN_RCVD | TCBF_ACK_NOW;
    t->flags &= ~(uint32_t)TCBF_OOO_FIN;
    tcp_mark_output(w, t);
    switch (t->state) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
        NET_INC(w, passive_closes);
        tcp_set_state(w, t, TCP_CLOSE_WAIT);
        tcp_mark_event(w, t, true, false);
        break;
    case TCP_FIN_WAIT_1:
        if (fin_acked(t))
            tcp_enter_time_wait(w, t);
        else
            tcp_set_state(w, t, TCP_CLOSING);
        break;
    case TCP_FIN_WAIT_2: tcp_enter_time_wait(w, t); break;
    default: break;
    }
}

/* Bytes [off, off + len) of a segment (m may be chained) into the receive
 * buffer at offset boff, straight from the mbuf. */
static void rcv_write(struct tcb *t, const struct rte_mbuf *m, uint32_t off, uint32_t boff,
                      uint32_t len)
{
    while (m != NULL && off >= m->data_len) {
        off -= m->data_len;
        m = m->next;
    }
    while (m != NULL && len > 0) {
        uint32_t n = NET_MIN((uint32_t)m->data_len - off, len);
        tcp_buf_write_at(&t->rcv, boff, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
        boff += n;
        len -= n;
        off = 0;
        m = m->next;
    }
}

/* Seventh step: segment text (already trimmed to the window). */
static void tcp_data(struct net_worker *w, struct tcb *t, struct rte_mbuf *m, uint32_t seq,
                     uint32_t off, uint32_t len, bool fin)
{
    uint32_t max = w->nif->rcvbuf_max;
    bool in_place = false;
    if (seq == t->rcv_nxt && len > 0 && t->rq_bytes + len <= max)
        in_place = tcp_rq_hold(w, t, m, off, len);
    if (!in_place && len > 0 && t->rq_n > 0 && tcp_rq_spill(w, t) != 0) {
        /* the held bytes cannot move into the buffer: keep them, drop this */
        NET_ADD(w, drop_tcp_rcvbuf, len);
        return;
    }
    uint32_t boff = t->rcv.len + (seq - t->rcv_nxt); /* offset in the buffer */
    if (!in_place && boff + len > max) {
        uint32_t keep = boff < max ? max - boff : 0;
        NET_ADD(w, drop_tcp_rcvbuf, len - keep);
        len = keep;
        fin = false;
    }
    if (!in_place && len > 0 && tcp_buf_reserve(&t->rcv, boff + len, max) != 0) {
        NET_ADD(w, drop_tcp_rcvbuf, len);
        len = 0;
        fin = false;
    }
    if (seq == t->rcv_nxt) {
        if (in_place) {
            NET_INC(w, rx_in_place);
        } else if (len > 0) {
            NET_INC(w, rx_buffered);
            rcv_write(t, m, off, boff, len);
        }
        t->rcv_nxt += len;
        if (!in_place) t->rcv.len += len;
        bool filled = false;
        while (t->nooo > 0 && SEQ_LEQ(t->ooo[0].start, t->rcv_nxt)) {
            if (SEQ_GT(t->ooo[0].end, t->rcv_nxt)) {
                t->rcv.len += t->ooo[0].end - t->rcv_nxt;
                t->rcv_nxt = t->ooo[0].end;
            }
            memmove(&t->ooo[0], &t->ooo[1], (t->nooo - 1) * sizeof(t->ooo[0]));
            t->nooo--;
            filled = true;
        }
        if ((t->flags & TCBF_OOO_FIN) && t->rcv_nxt == t->ooo_fin_seq) fin = true;
        if (len > 0 || filled) {
            tcp_mark_event(w, t, true, false);
            t->rcv_unacked += len;
            /* RFC 5681 §4.2: ACK at least every second full-size segment,
             * and at once when a hole is filled (§4.2 / RFC 9293 §3.8.6.3);
             * otherwise delay, hoping to piggyback on the reply. */
            if (filled || t->rcv_unacked >= 2u * t->rcv_mss) {
                t->flags |= TCBF_ACK_NOW;
                tcp_mark_output(w, t);
            } else if (!(t->flags & TCBF_DELACK)) {
                t->flags |= TCBF_DELACK;
                t->delack_at = w->now_us + TCP_DELACK_US;
                tcp_mark_output(w, t); /* output arms the timer if still needed */
            }
        }
        if (fin) tcp_fin(w, t);
        return;
    }
    /* Beyond a hole: keep the bytes at their offset, ACK at once so the
     * sender's fast retransmit sees a duplicate ACK per segment. */
    if (len > 0) {
        if (ooo_insert(t, seq, seq + len)) {
            rcv_write(t, m, off, boff, len);
            NET_INC(w, ooo_segs);
            NET_ADD(w, ooo_bytes, len);
        } else {
            NET_INC(w, drop_tcp_ooo_full);
            fin = false;
        }
    }
    if (fin) {
        t->flags |= TCBF_OOO_FIN;
        t->ooo_fin_seq = seq + len;
    }
    NET_INC(w, dup_acks_out);
    tcp_send_ack(w, t);
}

static void tcp_listen(struct net_worker *w, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
                       const struct rte_tcp_hdr *th, const struct tcp_key *k, struct tcp_seg *s,
                       const struct rte_ether_addr *src_mac);

/* Software check: pseudo-header (RFC 9293 §3.1) plus the segment, which may
 * span chained mbufs. */
static bool tcp_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t len)
{
    uint32_t sum = 0;
    uint16_t raw;
    uint32_t src = ip->src_addr, dst = ip->dst_addr; /* network order */
    sum += (src & 0xffff) + (src >> 16) + (dst & 0xffff) + (dst >> 16);
    sum += rte_cpu_to_be_16(IPPROTO_TCP);
    sum += rte_cpu_to_be_16((uint16_t)len);
    if (rte_raw_cksum_mbuf(m, 0, len, &raw) != 0) return false;
    sum += raw;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}
static void tcb_input(struct net_worker *w, struct tcb *t, struct rte_mbuf *m,
                      const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th,
                      struct tcp_seg *s, const struct rte_ether_addr *src_mac);

void tcp_input(struct net_worker *w, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
               const struct rte_ether_addr *src_mac)
{
    NET_INC(w, segs_in);
    uint32_t seglen = m->pkt_len;
    if (seglen < sizeof(struct rte_tcp_hdr) ||
        rte_pktmbuf_data_len(m) < sizeof(struct rte_tcp_hdr)) {
        NET_INC(w, drop_tcp_short);
        goto drop;
    }
    const struct rte_tcp_hdr *th = rte_pktmbuf_mtod(m, const struct rte_tcp_hdr *);
    unsigned doff = (th->data_off >> 4) * 4u;
    if (doff < sizeof(*th) || doff > seglen || doff > rte_pktmbuf_data_len(m)) {
        NET_INC(w, drop_tcp_short);
        goto drop;
    }
    uint64_t l4ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
    if (l4ck == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
        (l4ck != RTE_MBUF_F_RX_L4_CKSUM_GOOD && !tcp_cksum_ok(m, ip, seglen))) {
        NET_INC(w, drop_tcp_cksum);
        goto drop;
    }
    struct tcp_seg s = {
        .seq = rte_be_to_cpu_32(th->sent_seq),
        .ack = rte_be_to_cpu_32(th->recv_ack),
        .len = seglen - doff,
        .off = doff,
        .wnd = rte_be_to_cpu_16(th->rx_win),
        .flags = th->tcp_flags & 0x3f,
        .wscale = -1,
    };
    parse_options(&s, (const uint8_t *)(th + 1), doff - sizeof(*th));
    struct tcp_key k = {ip->src_addr, ip->dst_addr, th->src_port, th->dst_port, 0};
    struct tcb *t = tcp_lookup(w, &k);
    if (t != NULL)
        tcb_input(w, t, m, ip, th, &s, src_mac);
    else
        tcp_listen(w, m, ip, th, &k, &s, src_mac);
drop:
    rte_pktmbuf_free(m);
}

/* RFC 9293 §3.10.7.1 (CLOSED) and §3.10.7.2 (LISTEN), plus RFC 4987 cookies. */
static void tcp_listen(struct net_worker *w, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
                       const struct rte_tcp_hdr *th, const struct tcp_key *k, struct tcp_seg *s,
                       const struct rte_ether_addr *src_mac)
{
    struct net_if *nif = w->nif;
    uint32_t seglen = s->len + !!(s->flags & TCP_F_SYN) + !!(s->flags & TCP_F_FIN);
    if (s->flags & TCP_F_RST) {
        NET_INC(w, drop_tcp_rst_nomatch);
        return;
    }
    if (nif->listen_port == 0 || k->lport != rte_cpu_to_be_16(nif->listen_port)) {
        NET_INC(w, drop_tcp_closed_port);
        tcp_send_reset(w, ip, th, seglen, src_mac);
        return;
    }
    if ((s->flags & (TCP_F_SYN | TCP_F_ACK)) == TCP_F_ACK) {
        /* The third segment of a handshake we answered with a cookie? */
        uint16_t mss = tcp_cookie_check(nif, k, s->seq - 1, s->ack - 1, w->now_us);
        if (mss == 0) {
            NET_INC(w, syncookies_failed);
            tcp_send_reset(w, ip, th, seglen, src_mac);
            return;
        }
        struct tcb *t = tcp_tcb_new(w, k);
        if (t == NULL) {
            NET_INC(w, drop_tcp_no_tcb);
            return;
        }
        NET_INC(w, syncookies_ok);
        t->flags |= TCBF_COOKIE;
        t->peer_mac = *src_mac;
        t->irs = s->seq - 1;
        t->rcv_nxt = s->seq;
        t->iss = s->ack - 1;
        t->snd_una = t->snd_nxt = t->snd_max = s->ack;
        t->snd_wnd = t->max_snd_wnd = s->wnd; /* no scaling: it was not negotiated */
        t->snd_wl1 = s->seq;
        t->snd_wl2 = s->ack;
        t->snd_mss = NET_MIN(mss, our_mss(w));
        t->rcv_mss = t->snd_mss;
        t->rcv_adv = t->rcv_nxt + NET_MIN(nif->rcvbuf_max, 65535u);
        tcb_established(w, t);
        if (!tcb_accept(w, t)) return;
        if (s->len > 0 || (s->flags & TCP_F_FIN))
            tcp_data(w, t, m, s->seq, s->off, s->len, s->flags & TCP_F_FIN);
        return;
    }
    if ((s->flags & (TCP_F_SYN | TCP_F_ACK)) != TCP_F_SYN) {
        if (s->flags & TCP_F_ACK)
            tcp_send_reset(w, ip, th, seglen, src_mac);
        else
            NET_INC(w, drop_tcp_listen_bad);
        return;
    }
    /* SYN. RFC 9293 §3.7.1: no MSS option means 536. */
    uint16_t peer_mss = s->mss ? s->mss : TCP_DEFAULT_MSS;
    if (peer_mss < 64) peer_mss = 64; /* Linux's floor (tcp_min_snd_mss is 48) */
    struct tcb *t = NULL;
    if (w->tcp->nsynrcvd < nif->syn_backlog) t = tcp_tcb_new(w, k);
    if (t == NULL) {
        /* Backlog (or table) full: answer statelessly (RFC 4987 §3.6). */
        uint32_t cookie = tcp_cookie_make(nif, k, s->seq, NET_MIN(peer_mss, our_mss(w)), w->now_us);
        NET_INC(w, syncookies_sent);
        tcp_send_cookie_synack(w, ip, th, cookie, our_mss(w), src_mac);
        return;
    }
    t->peer_mac = *src_mac;
    t->irs = s->seq;
    t->rcv_nxt = s->seq + 1;
    t->iss = tcp_isn(nif, k, w->now_us);
    t->snd_una = t->iss;
    t->snd_nxt = t->snd_max = t->iss + 1;
    t->snd_wnd = t->max_snd_wnd = s->wnd; /* RFC 7323 §2.2: never scaled in a SYN */
    t->snd_wl1 = s->seq;
    t->snd_wl2 = t->iss;
    t->snd_mss = NET_MIN(peer_mss, our_mss(w));
    t->rcv_mss = t->snd_mss;
    if (s->wscale >= 0) {
        /* RFC 7323 §2.2: both sides sent WS, so scaling is on both ways. */
        t->flags |= TCBF_WSCALE;
        t->snd_wscale = (uint8_t)s->wscale;
        t->rcv_wscale = TCP_RCV_WSCALE;
    }
    tcp_set_state(w, t, TCP_SYN_RECEIVED);
    t->last_rcv_us = w->now_us;
    tcp_send_synack(w, t);
    t->rexmt_at = w->now_us + TCP_RTO_INIT_US;
    tcp_timer_update(w, t);
    (void)m;
}

static void tcb_input(struct net_worker *w, struct tcb *t, struct rte_mbuf *m,
                      const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th,
                      struct tcp_seg *s, const struct rte_ether_addr *src_mac)
{
    uint8_t fl = s->flags;
    /* RFC 1122 §4.2.2.13 / RFC 6191: a SYN on a TIME-WAIT tuple whose ISN is
     * above what we received may reopen the connection. */
    if (t->state == TCP_TIME_WAIT && (fl & (TCP_F_SYN | TCP_F_ACK | TCP_F_RST)) == TCP_F_SYN) {
        if (SEQ_GT(s->seq, t->rcv_nxt)) {
            NET_INC(w, time_wait_reused);
            struct tcp_key k = t->key;
            tcp_tcb_free(w, t);
            tcp_listen(w, m, ip, th, &k, s, src_mac);
            return;
        }
        tcp_send_ack(w, t);
        return;
    }
    /* A retransmitted SYN while we wait for the handshake's ACK. */
    if (t->state == TCP_SYN_RECEIVED && (fl & (TCP_F_SYN | TCP_F_ACK | TCP_F_RST)) == TCP_F_SYN &&
        s->seq == t->irs) {
        NET_INC(w, synack_retransmits);
        tcp_send_synack(w, t);
        return;
    }

    /* First: sequence number (RFC 9293 §3.10.7.4, the four cases). */
    uint32_t rwnd = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
    uint32_t seg_seq = s->seq, len = s->len, off = s->off;
    uint32_t slen = len + !!(fl & TCP_F_SYN) + !!(fl & TCP_F_FIN);
    bool ok;
    if (slen == 0) {
        ok = rwnd == 0 ? seg_seq == t->rcv_nxt
                       : SEQ_LEQ(t->rcv_nxt, seg_seq) && SEQ_LT(seg_seq, t->rcv_nxt + rwnd);
    } else if (rwnd == 0) {
        ok = false;
    } else {
        uint32_t last = seg_seq + slen - 1;
        ok = (SEQ_LEQ(t->rcv_nxt, seg_seq) && SEQ_LT(seg_seq, t->rcv_nxt + rwnd)) ||
             (SEQ_LEQ(t->rcv_nxt, last) && SEQ_LT(last, t->rcv_nxt + rwnd));
    }
    /* A zero window still takes the ACK and the RST of an exact segment. */
    if (!ok && rwnd == 0 && slen > 0 && seg_seq == t->rcv_nxt && !(fl & TCP_F_SYN)) {
        /* process ACK/RST, but take no data (RFC 9293 §3.10.7.4 note) */
        len = 0;
        fl &= (uint8_t)~TCP_F_FIN;
        ok = true;
        NET_INC(w, drop_tcp_unacceptable);
        t->flags |= TCBF_ACK_NOW;
        tcp_mark_output(w, t);
    }
    if (!ok) {
        if (fl & TCP_F_RST) {
            NET_INC(w, drop_tcp_rst_outside);
            return;
        }
        NET_INC(w, drop_tcp_unacceptable);
        tcp_send_ack(w, t);
        return;
    }
    t->last_rcv_us = w->now_us;
    t->kprobes = 0;
    /* Trim to the window: old bytes on the left, excess on the right. */
    if (SEQ_LT(seg_seq, t->rcv_nxt)) {
        uint32_t d = t->rcv_nxt - seg_seq;
        if (fl & TCP_F_SYN) {
            fl &= (uint8_t)~TCP_F_SYN;
            d--;
            seg_seq++;
        }
        if (d > len) d = len;
        off += d;
        len -= d;
        seg_seq += d;
    }
    if (len > 0 && SEQ_GT(seg_seq + len, t->rcv_nxt + rwnd)) {
        uint32_t keep = t->rcv_nxt + rwnd - seg_seq;
        NET_ADD(w, drop_tcp_rcvbuf, len - keep);
        len = keep;
        fl &= (uint8_t)~TCP_F_FIN;
    }

    /* Second: RST (RFC 5961 §3.2). */
    if (fl & TCP_F_RST) {
        if (s->seq != t->rcv_nxt) {
            tcp_challenge_ack(w, t);
            return;
        }
        NET_INC(w, resets_in);
        if (t->state == TCP_SYN_RECEIVED)
            tcp_tcb_free(w, t); /* back to LISTEN */
        else
            tcp_tcb_drop(w, t);
        return;
    }
    /* Fourth: SYN (RFC 5961 §4; RFC 9293 returns SYN-RECEIVED to LISTEN). */
    if (fl & TCP_F_SYN) {
        if (t->state == TCP_SYN_RECEIVED) {
            NET_INC(w, resets_in);
            tcp_tcb_free(w, t);
            return;
        }
        NET_INC(w, drop_tcp_syn_sync);
        tcp_challenge_ack(w, t);
        return;
    }
    /* Fifth: ACK. */
    if (!(fl & TCP_F_ACK)) {
        NET_INC(w, drop_tcp_noack);
        return;
    }
    if (t->state == TCP_SYN_RECEIVED) {
        if (!(SEQ_LT(t->snd_una, s->ack) && SEQ_LEQ(s->ack, t->snd_max))) {
            NET_INC(w, drop_tcp_synack_bad_ack);
            tcp_send_reset(w, ip, th, slen, src_mac);
            return;
        }
        t->snd_una = s->ack;
        t->snd_wnd = (uint32_t)s->wnd << t->snd_wscale;
        t->max_snd_wnd = t->snd_wnd;
        t->snd_wl1 = s->seq;
        t->snd_wl2 = s->ack;
        t->rexmt_at = 0;
        t->retries = 0;
        tcb_established(w, t);
        tcp_timer_update(w, t);
        if (!tcb_accept(w, t)) return;
    } else {
        if (SEQ_GT(s->ack, t->snd_max)) {
            /* RFC 9293: ACK for something not yet sent: ACK and drop. */
            NET_INC(w, drop_tcp_ack_unsent);
            tcp_challenge_ack(w, t);
            return;
        }
        if (SEQ_LT(s->ack, t->snd_una - t->max_snd_wnd)) {
            NET_INC(w, drop_tcp_ack_old); /* RFC 5961 §5.2 */
            tcp_challenge_ack(w, t);
            return;
        }
        tcp_ack(w, t, s); /* untrimmed: dupack rules look at the segment as sent */
        switch (t->state) {
        case TCP_FIN_WAIT_1:
            if (fin_acked(t)) {
                tcp_set_state(w, t, TCP_FIN_WAIT_2);
                t->tw_at = w->now_us + w->nif->fin_wait2_us; /* app closed: bound FW2 */
            }
            break;
        case TCP_CLOSING:
            if (fin_acked(t)) tcp_enter_time_wait(w, t);
            break;
        case TCP_LAST_ACK:
            if (fin_acked(t)) {
                tcp_tcb_free(w, t);
                return;
            }
            break;
        case TCP_TIME_WAIT:
            /* a retransmitted FIN is caught by the sequence check (old) */
            break;
        default: break;
        }
    }
    /* Sixth: URG is ignored, data delivered inline (RFC 6093). */
    /* Seventh: text. */
    bool fin = fl & TCP_F_FIN;
    if (len > 0 || fin) {
        switch (t->state) {
        case TCP_ESTABLISHED:
        case TCP_FIN_WAIT_1:
        case TCP_FIN_WAIT_2:
            if ((t->flags & TCBF_APP_CLOSED) && len > 0) {
                /* Linux: data for a socket the application closed resets.
                 * What the application wrote before closing goes out first
                 * (a client refused at accept reads "-ERR max number of
                 * clients reached" before the reset, as from Redis). */
                NET_INC(w, drop_tcp_after_close);
                NET_INC(w, aborts);
                if (!t->abort) tcp_output(w, t);
                tcp_send_rst_tcb(w, t);
                tcp_tcb_free(w, t);
                return;
            }
            tcp_data(w, t, m, seg_seq, off, len, fin);
            break;
        default:
            if (len > 0) NET_INC(w, drop_tcp_state);
            break;
        }
    }
    tcp_timer_update(w, t);
}
