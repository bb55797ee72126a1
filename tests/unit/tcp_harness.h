/* tcp_harness.h — drive the data-plane stack without a port.
 *
 * The four helpers STYLE.md asks of a TCP test harness:
 *   build   th_seg() / th_build(): a peer's Ethernet+IPv4+TCP frame with
 *           correct checksums (or deliberately wrong ones);
 *   force   th_establish() and th_tcb(): open a connection, then set any TCB
 *           field or state directly;
 *   capture th_next(): every frame the stack transmitted, parsed and with its
 *           checksums verified;
 *   leaks   th_teardown(): all TCBs back in the table and every mbuf back in
 *           the pool, or the test fails.
 * Time is virtual (h->w->now_us); th_advance() runs the timers.
 */
#ifndef SS_TCP_HARNESS_H
#define SS_TCP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "net.h"
#include "tcp.h"

extern int th_failures;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            th_failures++;                                                           \
        }                                                                            \
    } while (0)
#define CHECK_EQ(a, b)                                                                            \
    do {                                                                                          \
        long long _va = (long long)(a), _vb = (long long)(b);                                     \
        if (_va != _vb) {                                                                         \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %lld, %s = %lld\n", __FILE__, __LINE__, \
                    #a, _va, #b, _vb);                                                            \
            th_failures++;                                                                        \
        }                                                                                         \
    } while (0)

/* A captured frame, parsed. */
struct th_pkt {
    bool tcp, arp, icmp;
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t win;
    uint16_t mss; /* 0: no option */
    int ws;       /* -1: no option */
    bool sack_ok, ts;
    uint16_t sport, dport;
    uint32_t src, dst; /* network order */
    uint16_t arp_op;
    uint32_t arp_tip;
    uint8_t icmp_type;
    uint32_t len;
    uint8_t data[9216];
};

struct th {
    struct net_if nif;
    struct net_worker *w;
    struct rte_mempool *pool;
    /* captured transmissions */
    struct rte_mbuf *cap[8192];
    unsigned ncap, rd;
    /* the peer */
    uint32_t peer_ip, our_ip;
    uint16_t peer_port, our_port;
    struct rte_ether_addr peer_mac;
    uint32_t snd_nxt; /* peer's next sequence number */
    uint32_t iss;     /* server's ISS (from its SYN-ACK) */
    /* the application */
    bool echo, refuse, no_read;
    int accepts, closes, readables, writables;
    struct conn *conn;
    size_t rxlen;
    bool eof;
    uint8_t rx[1 << 21];
};

struct th *th_setup(void);            /* EAL on first use; fresh worker */
void th_teardown(struct th *h);       /* leak checks, frees */
void th_expect_no_tcbs(struct th *h); /* every TCB back in the free list */

struct rte_mbuf *th_build(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                          const uint8_t *opt, unsigned optlen, const void *data, unsigned len);
/* Run one frame through a whole poll iteration: rx, events, flush. */
void th_rx(struct th *h, struct rte_mbuf *m);
void th_seg(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const void *data,
            unsigned len);
/* Next captured frame (false: none). Checksums are verified (CHECK). */
bool th_next(struct th *h, struct th_pkt *p);
unsigned th_pending(const struct th *h);
void th_drain(struct th *h);
/* Advance the virtual clock by us, in 1 ms steps, running timers. */
void th_advance(struct th *h, uint64_t us);

/* Three-way handshake from h->peer_port; SYN with mss/ws options (ws < 0:
 * none). Returns the TCB; h->snd_nxt, h->iss set; accept checked. */
struct tcb *th_establish(struct th *h, uint16_t win, uint16_t mss, int ws);
struct tcb *th_tcb(struct th *h); /* TCB of the current tuple, or NULL */
/* Server-side send through the connection (as the app would). */
long th_app_send(struct th *h, const void *buf, size_t len);

#endif
