/* tcp.h — the userspace TCP of one worker: states, sequence arithmetic, the
 * transmission control block (TCB) and the per-worker tables.
 *
 * Server side only (passive open, RFC 9293 §3.5): there is no SYN-SENT and no
 * LISTEN TCB; a listener is just w->nif->listen_port, and a SYN to it creates
 * a TCB in SYN-RECEIVED (or, with the backlog full, a stateless SYN cookie).
 *
 * Files: tcp_tcb.c (flow table, TCB life cycle, byte buffers, conn_ops),
 * tcp_in.c (segment arrival, RFC 9293 §3.10.7), tcp_out.c (segment building,
 * output, RST/ACK), tcp_timer.c (the wheel and every timer), tcp_isn.c
 * (RFC 6528 ISNs and RFC 4987 SYN cookies).
 */
#ifndef SS_TCP_H
#define SS_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "conn.h"
#include "net.h"

/* One table of states (RFC 9293 §3.3.2). */
#define TCP_STATES(X) \
    X(CLOSED)         \
    X(SYN_RECEIVED)   \
    X(ESTABLISHED)    \
    X(FIN_WAIT_1)     \
    X(FIN_WAIT_2)     \
    X(CLOSE_WAIT)     \
    X(CLOSING)        \
    X(LAST_ACK)       \
    X(TIME_WAIT)

enum tcp_state {
#define TCP_STATE_ENUM(s) TCP_##s,
    TCP_STATES(TCP_STATE_ENUM)
#undef TCP_STATE_ENUM
        TCP_STATE__COUNT
};

const char *tcp_state_name(int state);

/* Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4). */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))

#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04
#define TCP_F_PSH 0x08
#define TCP_F_ACK 0x10
#define TCP_F_URG 0x20

/* Tunables (RFC values and Linux's where the RFC leaves a choice). */
#define TCP_DEFAULT_MSS      536      /* RFC 9293 §3.7.1: peer sent no MSS */
#define TCP_RCV_WSCALE       7        /* our shift; Linux uses 7 too */
#define TCP_RTO_INIT_US      1000000  /* RFC 6298 §2.1 */
#define TCP_RTO_MIN_US       200000   /* Linux's; RFC 6298 says 1 s (LAN choice) */
#define TCP_RTO_MAX_US       60000000 /* RFC 6298 §2.5 allows >= 60 s */
#define TCP_MAX_RETRIES      12       /* RTOs before abort (Linux tcp_retries2 = 15) */
#define TCP_SYNACK_RETRIES   5        /* Linux tcp_synack_retries */
#define TCP_DELACK_US        40000    /* RFC 9293 §3.8.6.3 allows up to 500 ms */
#define TCP_PERSIST_MIN_US   200000
#define TCP_PERSIST_MAX_US   60000000
#define TCP_KEEPALIVE_PROBES 3
#define TCP_CHALLENGE_MAX    10   /* challenge ACKs per connection per second */
#define TCP_OOO_MAX          16   /* out-of-order intervals per connection */
#define TCP_IW_SEGS          10   /* RFC 6928 */
#define TCP_RQ_MAX           4    /* in-order segments held in place per connection */
#define TCP_RQ_WORKER_MAX    2048 /* ... and per worker, so the mbuf pool never runs dry */
#define TCP_COOKIE_SLOT_US   (64ull * 1000000) /* SYN cookie time counter step */

/* The 16-byte flow key, laid out as the packet carries it (network order). */
struct tcp_key {
    uint32_t raddr;
    uint32_t laddr;
    uint16_t rport;
    uint16_t lport;
    uint32_t pad; /* always 0 */
};

/* A growable circular byte buffer. `base` is the sequence number of data[head]
 * (receive: RCV.NXT minus unread bytes; send: SND.UNA). Space is allocated
 * lazily up to a maximum, so an idle connection costs no buffer memory. */
struct tcp_buf {
    uint8_t *data;
    uint32_t cap, head, len;
};

/* An in-order segment kept in its mbuf until the application reads it: the
 * RESP parser reads straight from it (conn_ops.peek) and nothing is copied
 * on the way to the store. */
struct tcp_rq {
    struct rte_mbuf *m;
    const uint8_t *p; /* unread payload */
    uint32_t len;
};

struct tcp_ooo {
    uint32_t start, end; /* [start, end) sequence numbers present beyond RCV.NXT */
};

/* Flags (tcb->flags). */
#define TCBF_ACK_NOW    0x0001 /* send an ACK at the next output */
#define TCBF_DELACK     0x0002 /* delayed ACK armed */
#define TCBF_APP_CLOSED 0x0004 /* conn->close called: detached from the app */
#define TCBF_FIN_QUEUED 0x0008 /* send FIN after the queued data */
#define TCBF_FIN_RCVD   0x0010 /* peer's FIN consumed */
#define TCBF_WSCALE     0x0020 /* window scaling negotiated (RFC 7323 §2) */
#define TCBF_RECOVERY   0x0040 /* NewReno fast recovery (RFC 6582) */
#define TCBF_RTT_ACTIVE 0x0080 /* one segment is being timed */
#define TCBF_PAUSED     0x0100 /* app asked for no on_readable */
#define TCBF_WANT_WRITE 0x0200 /* app wants on_writable */
#define TCBF_ACCEPTED   0x0400 /* on_accept returned a session */
#define TCBF_OOO_FIN    0x0800 /* a FIN was seen beyond a hole */
#define TCBF_COOKIE     0x1000 /* created from a SYN cookie */
#define TCBF_PERSIST    0x2000 /* persist timer in charge (zero window) */
#define TCBF_PROBE_1    0x4000 /* next output may send 1 byte past the window */
#define TCBF_FIN_SENT   0x8000 /* our FIN occupies snd_max - 1 */

struct tcb {
    struct conn conn; /* first: conn_ops get the TCB back by a cast */
    struct tcp_key key;
    struct net_worker *w;
    uint8_t state;
    uint8_t snd_wscale, rcv_wscale;
    uint8_t retries; /* consecutive RTOs / SYN-ACKs / probes */
    uint8_t dupacks;
    uint8_t nooo;
    uint8_t kprobes; /* unanswered keepalive probes */
    uint8_t pshift;  /* persist backoff */
    uint32_t flags;
    uint16_t snd_mss; /* max segment payload we send */
    uint16_t rcv_mss; /* peer's segments (for ACK every 2nd full segment) */
    struct rte_ether_addr peer_mac;
    /* send sequence space (RFC 9293 §3.3.1) */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
    /* receive sequence space */
    uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge we advertised */
    uint32_t ooo_fin_seq;
    uint32_t rcv_unacked; /* bytes received since our last ACK */
    /* congestion control (RFC 5681, 6582, 3465, 6928) */
    uint32_t cwnd, ssthresh, recover, bytes_acked;
    /* RTT estimation (RFC 6298), microseconds */
    uint32_t srtt, rttvar, rto, rtt_seq;
    uint64_t rtt_start_us;
    /* timers: deadlines in us, 0 = not armed; one wheel entry at the minimum */
    uint64_t rexmt_at, persist_at, delack_at, keep_at, tw_at;
    uint64_t timer_at;
    uint32_t timer_slot;
    uint64_t last_rcv_us;        /* keepalive idle reference */
    uint32_t chal_sec, chal_cnt; /* RFC 5961 §7 per-connection limit */
    struct tcp_buf snd, rcv;
    /* Received, unread bytes are either held segments (rq, in order, while
     * rcv is empty and nothing is out of order) or in rcv; never both. */
    struct tcp_rq rq[TCP_RQ_MAX];
    uint8_t rq_head, rq_n;
    uint32_t rq_bytes;
    struct tcp_ooo ooo[TCP_OOO_MAX];
    TAILQ_ENTRY(tcb) timer_link;
    TAILQ_ENTRY(tcb) out_link; /* dirty list: output at flush */
    TAILQ_ENTRY(tcb) rd_link;  /* readable/writable events pending */
    TAILQ_ENTRY(tcb) tw_link;  /* TIME-WAIT FIFO (recycling when full) */
    struct tcb *free_next;
    uint8_t on_out, on_rd, on_tw, on_timer;
    uint8_t ev_read, ev_write, in_use, abort;
};

TAILQ_HEAD(tcb_list, tcb);

#define TCP_WHEEL_SLOTS 1024 /* 1 ms ticks: one revolution per ~1 s */

struct rte_hash;

struct tcp_worker {
    struct rte_hash *flows;
    struct tcb *tcbs; /* array of nif->tcbs_per_worker */
    struct tcb *free_list;
    uint32_t ntcb, nused, nsynrcvd, ntimewait, nestab;
    uint32_t rq_held; /* segments held in place over all TCBs */
    struct tcb_list out_list, rd_list, tw_list;
    struct tcb_list wheel[TCP_WHEEL_SLOTS];
    uint64_t wheel_ms; /* last tick processed */
};

/* tcp_tcb.c */
int tcp_worker_init(struct net_worker *w);
void tcp_worker_fini(struct net_worker *w); /* aborts all, on_close for attached */
/* Before fini at server stop: FIN (nothing unacknowledged) or RST to every
 * peer, queued for the caller's flush. */
void tcp_worker_shutdown(struct net_worker *w);
struct tcb *tcp_lookup(struct net_worker *w, const struct tcp_key *k);
struct tcb *tcp_tcb_new(struct net_worker *w, const struct tcp_key *k);
/* Remove from every table and return to the pool. No callbacks. */
void tcp_tcb_free(struct net_worker *w, struct tcb *t);
/* Lose the connection: on_close to the app if attached, then free. */
void tcp_tcb_drop(struct net_worker *w, struct tcb *t);
void tcp_set_state(struct net_worker *w, struct tcb *t, int state);
void tcp_mark_output(struct net_worker *w, struct tcb *t);
void tcp_mark_event(struct net_worker *w, struct tcb *t, bool rd, bool wr);
void tcp_deliver_events(struct net_worker *w);
extern const struct conn_ops tcp_conn_ops;
uint32_t tcp_buf_space(const struct tcp_buf *b, uint32_t max);
int tcp_buf_reserve(struct tcp_buf *b, uint32_t need, uint32_t max);
void tcp_buf_write_at(struct tcp_buf *b, uint32_t off, const uint8_t *src, uint32_t len);
void tcp_buf_read_at(const struct tcp_buf *b, uint32_t off, uint8_t *dst, uint32_t len);
void tcp_buf_consume(struct tcp_buf *b, uint32_t len);
void tcp_buf_free(struct tcp_buf *b);
/* Unread received bytes, held segments and buffer alike. */
static inline uint32_t tcp_rcv_queued(const struct tcb *t)
{
    return t->rcv.len + t->rq_bytes;
}
/* Keep an in-order segment's payload in place (takes a reference on m);
 * false when it cannot (chained mbuf, limits, bytes already buffered). */
bool tcp_rq_hold(struct net_worker *w, struct tcb *t, struct rte_mbuf *m, uint32_t off,
                 uint32_t len);
/* Move the held segments' bytes into rcv (before anything is buffered
 * behind them); -errno when rcv cannot grow. */
int tcp_rq_spill(struct net_worker *w, struct tcb *t);
void tcp_rq_free(struct net_worker *w, struct tcb *t);

/* tcp_in.c: m->data_off at the TCP header; ip gives addresses and length. */
void tcp_input(struct net_worker *w, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
               const struct rte_ether_addr *src_mac);
/* RFC 6298 §2: fold one RTT sample (us) into srtt/rttvar/rto. */
void tcp_rtt_sample(struct tcb *t, uint32_t rtt_us);
/* Receive window we can offer now (bytes, before scaling). */
uint32_t tcp_rcv_space(const struct net_worker *w, const struct tcb *t);

/* tcp_out.c */
void tcp_output(struct net_worker *w, struct tcb *t);
void tcp_send_ack(struct net_worker *w, struct tcb *t);
void tcp_send_synack(struct net_worker *w, struct tcb *t);
/* Send one segment of [seq, seq+len) from the send buffer with flags. */
void tcp_send_seg(struct net_worker *w, struct tcb *t, uint32_t seq, uint32_t len, uint8_t flags);
/* RST for a segment that matches no connection (RFC 9293 §3.10.7.1). */
void tcp_send_reset(struct net_worker *w, const struct rte_ipv4_hdr *ip,
                    const struct rte_tcp_hdr *th, uint32_t seglen,
                    const struct rte_ether_addr *dst_mac);
/* RST on an existing connection (abort): <SEQ=SND.NXT><CTL=RST,ACK>. */
void tcp_send_rst_tcb(struct net_worker *w, struct tcb *t);
/* Stateless SYN-ACK with a cookie ISS (no TCB). */
void tcp_send_cookie_synack(struct net_worker *w, const struct rte_ipv4_hdr *ip,
                            const struct rte_tcp_hdr *th, uint32_t iss, uint16_t mss,
                            const struct rte_ether_addr *dst_mac);
/* Challenge ACK (RFC 5961 §7), limited per connection. */
void tcp_challenge_ack(struct net_worker *w, struct tcb *t);
void tcp_flush_output(struct net_worker *w); /* all dirty TCBs */

/* tcp_timer.c */
void tcp_timer_update(struct net_worker *w, struct tcb *t);
void tcp_timer_remove(struct net_worker *w, struct tcb *t);
void tcp_timers_run(struct net_worker *w);
void tcp_arm_rexmt(struct net_worker *w, struct tcb *t);
void tcp_enter_time_wait(struct net_worker *w, struct tcb *t);
uint64_t tcp_keepalive_idle_us(const struct net_worker *w);

/* tcp_isn.c */
uint32_t tcp_isn(const struct net_if *nif, const struct tcp_key *k, uint64_t now_us);
uint32_t tcp_cookie_make(const struct net_if *nif, const struct tcp_key *k, uint32_t peer_isn,
                         uint16_t mss, uint64_t now_us);
/* Returns the MSS encoded in a valid cookie, or 0. */
uint16_t tcp_cookie_check(const struct net_if *nif, const struct tcp_key *k, uint32_t peer_isn,
                          uint32_t cookie, uint64_t now_us);
uint64_t tcp_siphash(const uint8_t key[16], const void *data, size_t len);

#endif
