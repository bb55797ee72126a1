/* net_eth.c — Ethernet input/output, ARP (RFC 826), the transmit queue and
 * the worker's life cycle.
 *
 * Receive: net_rx_burst() classifies each frame; a TCP segment whose flow is
 * owned by another worker is handed over (w->fwd_fn) before any state is
 * touched, everything else is processed here. Transmit: every frame built by
 * the stack is appended to w->tx[]; net_flush() hands the array to w->tx_fn
 * once per poll iteration.
 *
 * ARP: one table per port (struct net_if.arp) under a reader-writer lock, so
 * an entry learned by the worker that happened to receive a broadcast reply is
 * at once visible to all the others. Passive TCP flows never need it (replies
 * go to the MAC the SYN came from); resolution is for ICMP-less, TCB-less
 * traffic and for the gratuitous announcement at start.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "net.h"
#include "tcp.h"

const struct net_ctr_desc net_ctr_table[NET_CTR__COUNT] = {
#define NET_CTR_DESC(sec, name, desc) [NET_CTR_##name] = {#name, desc, NET_SEC_##sec},
    NET_COUNTERS(NET_CTR_DESC)
#undef NET_CTR_DESC
};

void net_if_init(struct net_if *nif)
{
    memset(nif, 0, sizeof(*nif));
    nif->mtu = 1500;
    nif->nworkers = 1;
    nif->tcbs_per_worker = 16384;
    nif->syn_backlog = 1024;
    nif->time_wait_us = 60ull * 1000000; /* 2*MSL, MSL = 30 s (Linux TCP_TIMEWAIT_LEN) */
    nif->fin_wait2_us = 60ull * 1000000; /* Linux tcp_fin_timeout */
    nif->sndbuf_max = 1u << 20;
    nif->rcvbuf_max = 1u << 20;
    rte_rwlock_init(&nif->arp_lock);
}

struct net_worker *net_worker_create(struct net_if *nif, unsigned id, struct rte_mempool *pool)
{
    struct net_worker *w = rte_zmalloc("net_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
    if (w == NULL) return NULL;
    w->id = id;
    w->nif = nif;
    w->pool = pool;
    w->rl_rst_max = 1000; /* like Linux icmp_ratelimit / tcp RST limits */
    w->rl_icmp_max = 1000;
    w->ip_id = (uint16_t)(id * 7919);
    if (tcp_worker_init(w) != 0) {
        rte_free(w);
        return NULL;
    }
    return w;
}

void net_worker_destroy(struct net_worker *w)
{
    if (w == NULL) return;
    tcp_worker_fini(w);
    for (unsigned i = 0; i < w->npending; i++) rte_pktmbuf_free(w->pending[i].m);
    w->npending = 0;
    net_fault_release(&w->fault);
    for (unsigned i = 0; i < w->ntx; i++) rte_pktmbuf_free(w->tx[i]);
    w->ntx = 0;
    rte_free(w);
}

bool net_ratelimit(uint64_t now_us, uint64_t *sec, uint32_t *used, uint32_t max)
{
    uint64_t s = now_us / 1000000;
    if (s != *sec) {
        *sec = s;
        *used = 0;
    }
    if (*used >= max) return false;
    (*used)++;
    return true;
}

/* Any deterministic function works for vdevs: net_tap's kernel side learns a
 * flow's queue from the queue we transmit it on, and af_packet's fanout hash
 * is unknowable anyway, so packets are forwarded to this owner. */
unsigned net_flow_owner(const struct net_if *nif, uint32_t raddr, uint16_t rport, uint16_t lport)
{
    if (nif->nworkers <= 1) return 0;
    uint32_t x = raddr ^ ((uint32_t)rport << 16 | lport);
    x ^= x >> 16;
    x *= 0x7feb352d;
    x ^= x >> 15;
    x *= 0x846ca68b;
    x ^= x >> 16;
    return x % nif->nworkers;
}

/* ---- transmit ---------------------------------------------------------- */

void net_tx_frame(struct net_worker *w, struct rte_mbuf *m)
{
    if (w->ntx == NET_TX_MAX) {
        unsigned n = w->ntx;
        w->ntx = 0;
        NET_ADD(w, tx_frames, n);
        w->tx_fn(w, w->tx, n);
    }
    w->tx[w->ntx++] = m;
}

void net_flush(struct net_worker *w)
{
    tcp_flush_output(w);
    if (w->ntx == 0) return;
    unsigned n = w->ntx;
    w->ntx = 0;
    NET_ADD(w, tx_frames, n);
    w->tx_fn(w, w->tx, n);
}

struct rte_mbuf *net_ip_alloc(struct net_worker *w, uint16_t l4len, uint8_t **l4)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
    if (m == NULL) {
        NET_INC(w, tx_nombuf);
        return NULL;
    }
    uint16_t hl = RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + l4len));
    if (p == NULL) {
        rte_pktmbuf_free(m);
        NET_INC(w, tx_nombuf);
        return NULL;
    }
    *l4 = p + hl;
    return m;
}

static void eth_fill(struct net_worker *w, struct rte_mbuf *m, const struct rte_ether_addr *dst,
                     uint16_t type)
{
    struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    rte_ether_addr_copy(dst, &eh->dst_addr);
    rte_ether_addr_copy(&w->nif->mac, &eh->src_addr);
    eh->ether_type = rte_cpu_to_be_16(type);
}

/* RFC 1122 §3.3.1: on-link destinations directly, others via the gateway. */
static uint32_t route_nexthop(const struct net_if *nif, uint32_t dst)
{
    if ((dst & nif->mask) == (nif->ip & nif->mask)) return dst;
    return nif->gw;
}

void net_ip_send(struct net_worker *w, struct rte_mbuf *m, uint32_t dst, uint8_t proto,
                 const struct rte_ether_addr *dst_mac)
{
    struct net_if *nif = w->nif;
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16((uint16_t)(m->pkt_len - RTE_ETHER_HDR_LEN));
    /* RFC 6864 §4.1: atomic datagrams (DF set) may use any ID; a per-worker
     * counter keeps it cheap and distinct enough for observers. */
    ip->packet_id = rte_cpu_to_be_16(w->ip_id++);
    ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    ip->time_to_live = 64;
    ip->next_proto_id = proto;
    ip->hdr_checksum = 0;
    ip->src_addr = nif->ip;
    ip->dst_addr = dst;
    if (proto == IPPROTO_TCP) {
        struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
        th->cksum = 0;
        if (nif->tx_cksum_offload) {
            m->l2_len = RTE_ETHER_HDR_LEN;
            m->l3_len = sizeof(*ip);
            m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
            th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
        } else {
            th->cksum = rte_ipv4_udptcp_cksum(ip, th);
            ip->hdr_checksum = rte_ipv4_cksum(ip);
        }
    } else {
        ip->hdr_checksum = rte_ipv4_cksum(ip);
    }
    if (dst_mac != NULL) {
        eth_fill(w, m, dst_mac, RTE_ETHER_TYPE_IPV4);
        net_tx_frame(w, m);
        return;
    }
    uint32_t nh = route_nexthop(nif, dst);
    struct rte_ether_addr mac;
    if (nh != 0 && net_arp_lookup(nif, nh, &mac, w->now_us)) {
        eth_fill(w, m, &mac, RTE_ETHER_TYPE_IPV4);
        net_tx_frame(w, m);
        return;
    }
    if (nh == 0 || w->npending == NET_ARP_PENDING) {
        NET_INC(w, drop_arp_pending_full);
        rte_pktmbuf_free(m);
        return;
    }
    /* RFC 1122 §2.3.2.2: hold (a bounded number of) frames while resolving. */
    w->pending[w->npending++] = (struct arp_pending){m, nh, w->now_us};
    if (w->arp_req_ip != nh || w->now_us - w->arp_req_us >= NET_ARP_RETRY_US / 4) {
        w->arp_req_us = w->now_us;
        w->arp_req_ip = nh;
        net_arp_send_request(w, nh);
    }
}

/* ---- ARP (RFC 826) ----------------------------------------------------- */

static unsigned arp_slot(uint32_t ip)
{
    uint32_t x = ip * 0x9e3779b1u;
    return (x >> 16) & (NET_ARP_SIZE - 1);
}

bool net_arp_lookup(struct net_if *nif, uint32_t ip, struct rte_ether_addr *mac, uint64_t now_us)
{
    bool found = false;
    rte_rwlock_read_lock(&nif->arp_lock);
    unsigned s = arp_slot(ip);
    for (unsigned i = 0; i < 8; i++) {
        const struct arp_entry *e = &nif->arp[(s + i) & (NET_ARP_SIZE - 1)];
        if (e->ip == ip) {
            if (now_us - e->updated_us < NET_ARP_AGE_US) {
                *mac = e->mac;
                found = true;
            }
            break;
        }
        if (e->ip == 0) break;
    }
    rte_rwlock_read_unlock(&nif->arp_lock);
    return found;
}

void net_arp_learn(struct net_worker *w, uint32_t ip, const struct rte_ether_addr *mac)
{
    struct net_if *nif = w->nif;
    if (ip == 0 || ip == nif->ip) return;
    unsigned s = arp_slot(ip);
    rte_rwlock_write_lock(&nif->arp_lock);
    struct arp_entry *victim = &nif->arp[s];
    for (unsigned i = 0; i < 8; i++) {
        struct arp_entry *e = &nif->arp[(s + i) & (NET_ARP_SIZE - 1)];
        if (e->ip == ip || e->ip == 0) {
            victim = e;
            break;
        }
        if (e->updated_us < victim->updated_us) victim = e; /* oldest in the probe run */
    }
    victim->ip = ip;
    victim->mac = *mac;
    victim->updated_us = w->now_us;
    rte_rwlock_write_unlock(&nif->arp_lock);
    NET_INC(w, arp_learned);
}

static void arp_send(struct net_worker *w, uint16_t op, const struct rte_ether_addr *tha,
                     uint32_t tip, const struct rte_ether_addr *eth_dst)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
    if (m == NULL) {
        NET_INC(w, tx_nombuf);
        return;
    }
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr));
    if (p == NULL) {
        rte_pktmbuf_free(m);
        NET_INC(w, tx_nombuf);
        return;
    }
    eth_fill(w, m, eth_dst, RTE_ETHER_TYPE_ARP);
    struct rte_arp_hdr *a = (struct rte_arp_hdr *)(p + RTE_ETHER_HDR_LEN);
    a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    a->arp_hlen = RTE_ETHER_ADDR_LEN;
    a->arp_plen = 4;
    a->arp_opcode = rte_cpu_to_be_16(op);
    a->arp_data.arp_sha = w->nif->mac;
    a->arp_data.arp_sip = w->nif->ip;
    a->arp_data.arp_tha = *tha;
    a->arp_data.arp_tip = tip;
    net_tx_frame(w, m);
}

static const struct rte_ether_addr eth_bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr eth_zero = {{0}};

void net_arp_send_request(struct net_worker *w, uint32_t target_ip)
{
    NET_INC(w, arp_requests_out);
    arp_send(w, RTE_ARP_OP_REQUEST, &eth_zero, target_ip, &eth_bcast);
}

/* RFC 5227 §3: an announcement is a request with sender = target = our IP. */
void net_arp_gratuitous(struct net_worker *w)
{
    NET_INC(w, arp_requests_out);
    arp_send(w, RTE_ARP_OP_REQUEST, &eth_zero, w->nif->ip, &eth_bcast);
}

void net_arp_input(struct net_worker *w, struct rte_mbuf *m)
{
    struct net_if *nif = w->nif;
    if (rte_pktmbuf_data_len(m) < sizeof(struct rte_arp_hdr)) {
        NET_INC(w, drop_arp_bad);
        goto drop;
    }
    const struct rte_arp_hdr *a = rte_pktmbuf_mtod(m, const struct rte_arp_hdr *);
    if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
        a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
        a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4 ||
        rte_is_multicast_ether_addr(&a->arp_data.arp_sha)) {
        NET_INC(w, drop_arp_bad);
        goto drop;
    }
    uint16_t op = rte_be_to_cpu_16(a->arp_opcode);
    uint32_t sip = a->arp_data.arp_sip, tip = a->arp_data.arp_tip;
    if (tip != nif->ip) {
        /* RFC 826 "merge": refresh an entry we already hold, add nothing. */
        struct rte_ether_addr old;
        if (sip != 0 && net_arp_lookup(nif, sip, &old, w->now_us))
            net_arp_learn(w, sip, &a->arp_data.arp_sha);
        NET_INC(w, drop_arp_other);
        goto drop;
    }
    net_arp_learn(w, sip, &a->arp_data.arp_sha);
    if (op == RTE_ARP_OP_REQUEST) {
        NET_INC(w, arp_requests_in);
        NET_INC(w, arp_replies_out);
        struct rte_ether_addr sha = a->arp_data.arp_sha;
        arp_send(w, RTE_ARP_OP_REPLY, &sha, sip, &sha);
    }
drop:
    rte_pktmbuf_free(m);
}

/* Send frames whose next hop resolved; drop those waiting too long. */
void net_arp_timers(struct net_worker *w)
{
    unsigned j = 0;
    for (unsigned i = 0; i < w->npending; i++) {
        struct arp_pending *p = &w->pending[i];
        struct rte_ether_addr mac;
        if (net_arp_lookup(w->nif, p->nexthop, &mac, w->now_us)) {
            eth_fill(w, p->m, &mac, RTE_ETHER_TYPE_IPV4);
            net_tx_frame(w, p->m);
        } else if (w->now_us - p->since_us >= 3 * NET_ARP_RETRY_US) {
            NET_INC(w, drop_arp_timeout);
            rte_pktmbuf_free(p->m);
        } else {
            if (w->now_us - w->arp_req_us >= NET_ARP_RETRY_US) {
                w->arp_req_us = w->now_us;
                net_arp_send_request(w, p->nexthop);
            }
            w->pending[j++] = *p;
        }
    }
    w->npending = j;
}

/* ---- receive ----------------------------------------------------------- */

/* Owner of a frame if it is a TCP segment we can classify, else our id. */
static unsigned frame_owner(struct net_worker *w, struct rte_mbuf *m)
{
    if (w->nif->nworkers <= 1 || rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + 20 + 4) return w->id;
    const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) return w->id;
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
    if (ip->next_proto_id != IPPROTO_TCP) return w->id;
    unsigned hl = (ip->version_ihl & 0xf) * 4u;
    if (hl < 20 || rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + hl + 4) return w->id;
    const uint16_t *ports = (const uint16_t *)((const uint8_t *)ip + hl);
    return net_flow_owner(w->nif, ip->src_addr, ports[0], ports[1]);
}

void net_rx_local(struct net_worker *w, struct rte_mbuf *m)
{
    if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN) {
        NET_INC(w, drop_eth_short);
        rte_pktmbuf_free(m);
        return;
    }
    struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    if (!rte_is_same_ether_addr(&eh->dst_addr, &w->nif->mac) &&
        !rte_is_broadcast_ether_addr(&eh->dst_addr)) {
        NET_INC(w, drop_eth_dst);
        rte_pktmbuf_free(m);
        return;
    }
    uint16_t type = rte_be_to_cpu_16(eh->ether_type);
    struct rte_ether_addr src = eh->src_addr;
    m->l2_len = RTE_ETHER_HDR_LEN;
    rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
    if (type == RTE_ETHER_TYPE_IPV4) {
        net_ipv4_input(w, m, &src);
    } else if (type == RTE_ETHER_TYPE_ARP) {
        net_arp_input(w, m);
    } else {
        NET_INC(w, drop_eth_type);
        rte_pktmbuf_free(m);
    }
}

unsigned net_rx_burst(struct net_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    NET_ADD(w, rx_frames, n);
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        if (w->fwd_fn != NULL) {
            unsigned owner = frame_owner(w, m);
            if (owner != w->id) {
                if (w->fwd_fn(w, owner, m) == 0) {
                    NET_INC(w, fwd_out);
                } else {
                    NET_INC(w, drop_fwd_full);
                    rte_pktmbuf_free(m);
                }
                continue;
            }
        }
        net_rx_local(w, m);
    }
    return n;
}

void net_poll_end(struct net_worker *w)
{
    tcp_deliver_events(w);
}

void net_timers(struct net_worker *w)
{
    tcp_timers_run(w);
    if (w->npending > 0) net_arp_timers(w);
}
