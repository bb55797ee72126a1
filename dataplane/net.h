/* net.h — the per-worker packet-processing core: interface settings, the
 * worker context, and the Ethernet / ARP / IPv4 / ICMP entry points.
 *
 * The core never touches a port. It receives mbufs through net_rx_burst() and
 * emits frames into w->tx[], handed to w->tx_fn (the DPDK transport's burst
 * transmit, or a unit-test capture) by net_tx_flush(). Time is w->now_us, set by
 * the caller before each call (TSC in the transport, a virtual clock in tests).
 * So the whole stack runs in a unit test with no device at all.
 *
 * Threading: a struct net_worker belongs to one lcore. struct net_if is shared
 * and read-only after set-up, except its ARP table (arp.c: a small table under
 * a reader-writer lock, written when an entry is learned, so every worker sees
 * what any worker learned).
 */
#ifndef SS_NET_H
#define SS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rwlock.h>

#include "conn.h"
#include "net_counters.h"
#include "net_fault.h"

#define NET_TX_MAX       512                /* frames queued per worker before an early flush */
#define NET_ARP_SIZE     256                /* shared ARP table entries (open addressing) */
#define NET_ARP_PENDING  16                 /* frames held per worker while resolving */
#define NET_ARP_AGE_US   (300ull * 1000000) /* entry lifetime (Linux-like) */
#define NET_ARP_RETRY_US 1000000ull         /* resolution retry / give-up step */

struct tcp_worker;

struct arp_entry {
    uint32_t ip; /* network order; 0 = free */
    struct rte_ether_addr mac;
    uint64_t updated_us;
};

/* Settings shared by all workers of one port. Addresses in network order. */
struct net_if {
    uint16_t port_id;
    struct rte_ether_addr mac;
    uint32_t ip, mask, gw;
    uint16_t mtu;          /* IP MTU; MSS = mtu - 40 */
    uint16_t listen_port;  /* host order; 0 = none */
    bool tx_cksum_offload; /* device computes IPv4 and TCP checksums */
    bool rx_cksum_offload; /* device flags RX checksum results */
    unsigned nworkers;
    /* TCP tunables (tests shorten them) */
    uint32_t keepalive_s; /* 0 = off ("tcp-keepalive") */
    uint32_t tcbs_per_worker;
    uint32_t syn_backlog;  /* SYN-RECEIVED TCBs per worker before cookies */
    uint64_t time_wait_us; /* 2*MSL */
    uint64_t fin_wait2_us;
    uint32_t sndbuf_max, rcvbuf_max;
    uint8_t secret[16]; /* ISN and SYN-cookie key, random per start */
    struct net_fault_cfg fault;
    rte_rwlock_t arp_lock;
    struct arp_entry arp[NET_ARP_SIZE];
};

struct arp_pending {
    struct rte_mbuf *m; /* complete IPv4 frame, Ethernet destination unset */
    uint32_t nexthop;
    uint64_t since_us;
};

struct net_worker;
typedef void (*net_tx_fn)(struct net_worker *w, struct rte_mbuf **pkts, unsigned n);
/* Hand a frame to the worker owning its flow; returns 0 or -ENOBUFS (the core
 * then frees it and counts drop_fwd_full). */
typedef int (*net_fwd_fn)(struct net_worker *w, unsigned owner, struct rte_mbuf *m);

struct net_worker {
    uint64_t ctr[NET_CTR__COUNT] __rte_cache_aligned;
    unsigned id;
    struct net_if *nif;
    struct rte_mempool *pool;
    uint64_t now_us;
    struct tcp_worker *tcp;
    const struct conn_handler *h;
    void *wctx;
    net_tx_fn tx_fn;
    net_fwd_fn fwd_fn; /* NULL: every flow is local */
    void *priv;        /* owner's (transport or test) */
    unsigned ntx;
    struct rte_mbuf *tx[NET_TX_MAX];
    uint16_t ip_id;
    /* token buckets: RST replies and ICMP echo, per second */
    uint64_t rl_rst_sec, rl_icmp_sec;
    uint32_t rl_rst_used, rl_icmp_used;
    uint32_t rl_rst_max, rl_icmp_max;
    unsigned npending;
    struct arp_pending pending[NET_ARP_PENDING];
    uint64_t arp_req_us; /* last resolution request */
    uint32_t arp_req_ip; /* ... and its target */
    struct net_fault_state fault;
} __rte_cache_aligned;

/* Plain min/max (nest without the shadowing of RTE_MIN's locals). */
#define NET_MIN(a, b) ((a) < (b) ? (a) : (b))
#define NET_MAX(a, b) ((a) > (b) ? (a) : (b))

#define NET_INC(w, c)    ((w)->ctr[NET_CTR_##c]++)
#define NET_ADD(w, c, n) ((w)->ctr[NET_CTR_##c] += (n))

/* Set-up (control thread or test). nif must outlive the worker. */
void net_if_init(struct net_if *nif);
struct net_worker *net_worker_create(struct net_if *nif, unsigned id, struct rte_mempool *pool);
/* Closes every connection (on_close for attached ones), frees all mbufs the
 * worker holds, then the worker. */
void net_worker_destroy(struct net_worker *w);

/* Process received frames; takes ownership of every mbuf. Returns the count. */
unsigned net_rx_burst(struct net_worker *w, struct rte_mbuf **pkts, unsigned n);
/* Same for one frame already known to belong to this worker (forwarded). */
void net_rx_local(struct net_worker *w, struct rte_mbuf *m);
/* End of a poll iteration: deliver readable events to the application. */
void net_poll_end(struct net_worker *w);
/* Run timers due at w->now_us (TCP wheel, ARP pending). */
void net_timers(struct net_worker *w);
/* Emit queued TCP output, then hand w->tx[] to tx_fn. */
void net_flush(struct net_worker *w);

/* Which worker owns a TCP flow (addresses/ports in network order). */
unsigned net_flow_owner(const struct net_if *nif, uint32_t raddr, uint16_t rport, uint16_t lport);

/* Allocate a frame with Ethernet + IPv4 headers reserved and l4len bytes
 * after them; *l4 points at the L4 header. NULL (counted tx_nombuf) when the
 * pool is empty. */
struct rte_mbuf *net_ip_alloc(struct net_worker *w, uint16_t l4len, uint8_t **l4);
/* Fill the IPv4 and Ethernet headers of a frame from net_ip_alloc() and queue
 * it. For IPPROTO_TCP the TCP checksum is computed here (or offloaded); other
 * protocols carry their own. dst_mac NULL: route and resolve by ARP (the
 * frame may wait in the pending queue). */
void net_ip_send(struct net_worker *w, struct rte_mbuf *m, uint32_t dst, uint8_t proto,
                 const struct rte_ether_addr *dst_mac);
/* Queue a complete Ethernet frame for transmission (flushes early if full). */
void net_tx_frame(struct net_worker *w, struct rte_mbuf *m);
void net_arp_input(struct net_worker *w, struct rte_mbuf *m);
void net_arp_send_request(struct net_worker *w, uint32_t target_ip);
void net_arp_gratuitous(struct net_worker *w);
bool net_arp_lookup(struct net_if *nif, uint32_t ip, struct rte_ether_addr *mac, uint64_t now_us);
void net_arp_learn(struct net_worker *w, uint32_t ip, const struct rte_ether_addr *mac);
void net_arp_timers(struct net_worker *w);

/* IPv4 input: m->data_off at the IP header. */
void net_ipv4_input(struct net_worker *w, struct rte_mbuf *m, const struct rte_ether_addr *src_mac);

/* Token bucket helpers: true if one more event fits this second. */
bool net_ratelimit(uint64_t now_us, uint64_t *sec, uint32_t *used, uint32_t max);

/* Sum of one counter over workers (relaxed loads; any thread). */
static inline uint64_t net_ctr_read(const struct net_worker *w, unsigned c)
{
    return __atomic_load_n(&w->ctr[c], __ATOMIC_RELAXED);
}

#endif
