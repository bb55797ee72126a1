/* sg_net.h — ssgen's own network stack, for the DPDK transports: ARP,
 * IPv4 and a minimal TCP client, one TCB per sg_gen connection. It reads
 * and writes whole Ethernet frames through sg_frame_ops, so the port behind
 * it (net_memif, net_af_packet, any vdev; sg_dpdk.c) or a unit test's
 * capture (pktgen-tests/unit/test_sg_net.c) can carry them.
 *
 * TCP, client side, only what a request/response benchmark needs:
 *  - one source port per connection (base_port + index, a fresh random base
 *    each run), SYN with MSS 1460 and no other option (so the peer's window
 *    is unscaled and it sends no SACK or timestamps); SYNs paced at
 *    SG_SYN_PER_MS a millisecond, each retried every 200 ms until the
 *    connect deadline (20 s, generous: 10,000 connections through SYN
 *    cookies on a busy machine, under injected loss);
 *  - ACK processing, the peer's window, retransmission of the unacknowledged
 *    request bytes after an RTO without progress (200 ms, doubling to
 *    3.2 s), 1-byte zero-window probes;
 *  - in-order receive only: out-of-order and duplicate data get an
 *    immediate ACK and are dropped (the peer retransmits); an ACK is owed at
 *    once when the connection is idle or two full segments are unacknowledged,
 *    else after 2 ms if nothing carries it;
 *  - checksums computed in software on output; on input the IPv4 header's
 *    is verified, and the TCP checksum too when verify_l4 is set (not on
 *    af_packet or tap, where a kernel peer's segments may carry a partial
 *    checksum left to an offload that a veth never performs); a frame that
 *    fails is counted (bad_cksum) and dropped;
 *  - RST to every connection at the end (sg_net_reset).
 * Frames whose source MAC is the port's own are the kernel's transmissions
 * on an af_packet interface, seen by the socket, and are ignored.
 */
#ifndef SG_NET_H
#define SG_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "sg_gen.h"

#define SG_OUR_MSS        1460
#define SG_OUR_WND        65535
#define SG_RTO_MS         200
#define SG_RTO_MAX_SHIFT  4
#define SG_SYN_RETRY_MS   200
#define SG_SYN_PER_MS     512
#define SG_ARP_RETRY_MS   100
#define SG_ARP_GIVEUP_MS  3000
#define SG_CONNECT_MS_MIN 20000
#define SG_ACK_DELAY_MS   2

struct sg_frame_ops {
    /* A buffer for a frame of len bytes, or NULL (counted as nombuf; the
     * frame is not sent, TCP retransmits); *h names it to xmit. */
    uint8_t *(*alloc)(void *ctx, uint16_t len, void **h);
    void (*xmit)(void *ctx, void *h);
};

enum sg_tcb_state { SG_TCP_CLOSED, SG_TCP_SYN_SENT, SG_TCP_ESTAB };
enum sg_net_phase { SG_NET_ARP, SG_NET_CONNECT, SG_NET_RUN };

struct sg_tcb {
    uint16_t lport;
    uint8_t state;
    bool ack_now; /* a pure ACK is owed at the end of the iteration */
    uint16_t mss; /* the peer's */
    uint32_t iss, snd_una, snd_nxt, snd_wnd, rcv_nxt, ack_sent;
    uint64_t rto_at, ack_due;
    unsigned backoff;
};

struct sg_net_stats {
    uint64_t tx_frames, rx_frames, own_frames, nombuf, rexmit_segs, rto_events, probes, dup_segs,
        ooo_segs, bad_cksum, syn_rexmit, syn_answer_other;
};

struct sg_net {
    struct sg_gen *g;
    const struct sg_frame_ops *ops;
    void *octx;
    uint32_t ip, srv_ip; /* network order */
    uint16_t srv_port;   /* host order */
    struct rte_ether_addr mac, srv_mac, kmac;
    uint16_t base_port, ip_id;
    bool verify_l4;
    int phase;
    uint64_t tsc_ms, phase_deadline, next_arp, connect_ms;
    unsigned nsyn, nestab;
    struct sg_tcb *tcb;
    struct sg_net_stats st;
};

/* mac: ours; kmac: the port's (the same unless a MAC of our own was given).
 * base_port: the first source port (connections use base_port + i);
 * isn_seed: seeds the initial sequence numbers. Both must be fresh each
 * run (sg_dpdk.c draws them from getrandom(), not from --seed): a tuple and
 * ISN of an earlier run that the server still holds (its RST lost) would
 * get a challenge ACK instead of a SYN-ACK. */
int sg_net_init(struct sg_net *n, struct sg_gen *g, const struct sg_frame_ops *ops, void *octx,
                uint32_t ip, uint32_t srv_ip, uint16_t srv_port, const struct rte_ether_addr *mac,
                const struct rte_ether_addr *kmac, uint16_t base_port, uint64_t isn_seed);
void sg_net_free(struct sg_net *n);
/* Starts resolving the server (ARP), then connects every connection. */
void sg_net_begin(struct sg_net *n, uint64_t now);
void sg_net_input(struct sg_net *n, const uint8_t *frame, uint32_t len, uint64_t now);
/* After each receive burst: output of every touched connection. */
void sg_net_flush(struct sg_net *n, uint64_t now);
/* Every millisecond: ARP and SYN retries, RTO, delayed ACKs, deadlines. */
void sg_net_tick(struct sg_net *n, uint64_t now);
/* RST to connections [from, to) (and CLOSED: nothing more from them). */
void sg_net_reset(struct sg_net *n, unsigned from, unsigned to);

#endif
