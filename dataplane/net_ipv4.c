/* net_ipv4.c — IPv4 input (RFC 791, RFC 1122 §3.2.1) and ICMP echo (RFC 792).
 *
 * Input validates version, header length, total length against the frame
 * (and trims Ethernet padding: RFC 894 frames are at least 60 bytes, so a
 * 40-byte ACK arrives with 6 bytes of junk that must never reach TCP), the
 * header checksum (or the device's verdict), fragments (dropped: Redis
 * clients never fragment over a sane MTU, and reassembly is an attack
 * surface) and the destination. Options are skipped.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net.h"
#include "tcp.h"

static void icmp_input(struct net_worker *w, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
                       unsigned hl, const struct rte_ether_addr *src_mac)
{
    uint32_t len = rte_be_to_cpu_16(ip->total_length) - hl;
    if (len < sizeof(struct rte_icmp_hdr) || rte_pktmbuf_data_len(m) < hl + len) {
        NET_INC(w, drop_icmp_short);
        goto drop;
    }
    const struct rte_icmp_hdr *ic = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, hl);
    if (rte_raw_cksum(ic, len) != 0xffff) {
        NET_INC(w, drop_icmp_cksum);
        goto drop;
    }
    if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0) {
        NET_INC(w, drop_icmp_type);
        goto drop;
    }
    NET_INC(w, icmp_echo_in);
    /* RFC 1812 §4.3.2.8: rate-limit ICMP we generate. */
    if (!net_ratelimit(w->now_us, &w->rl_icmp_sec, &w->rl_icmp_used, w->rl_icmp_max)) {
        NET_INC(w, drop_icmp_ratelimit);
        goto drop;
    }
    uint8_t *l4;
    struct rte_mbuf *r = net_ip_alloc(w, (uint16_t)len, &l4);
    if (r == NULL) goto drop;
    memcpy(l4, ic, len);
    struct rte_icmp_hdr *ro = (struct rte_icmp_hdr *)l4;
    ro->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
    ro->icmp_cksum = 0;
    ro->icmp_cksum = (uint16_t)~rte_raw_cksum(ro, len);
    /* RFC 1122 §3.2.2.6: reply to the sender, via the hop it came from. */
    net_ip_send(w, r, ip->src_addr, IPPROTO_ICMP, src_mac);
    NET_INC(w, icmp_echo_out);
drop:
    rte_pktmbuf_free(m);
}

void net_ipv4_input(struct net_worker *w, struct rte_mbuf *m, const struct rte_ether_addr *src_mac)
{
    struct net_if *nif = w->nif;
    if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ipv4_hdr)) {
        NET_INC(w, drop_ip_short);
        goto drop;
    }
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
    if ((ip->version_ihl >> 4) != 4) {
        NET_INC(w, drop_ip_version);
        goto drop;
    }
    unsigned hl = (ip->version_ihl & 0xf) * 4u;
    if (hl < sizeof(struct rte_ipv4_hdr)) {
        NET_INC(w, drop_ip_hlen);
        goto drop;
    }
    if (rte_pktmbuf_data_len(m) < hl) {
        NET_INC(w, drop_ip_short);
        goto drop;
    }
    uint16_t tot = rte_be_to_cpu_16(ip->total_length);
    if (tot < hl || tot > m->pkt_len) {
        NET_INC(w, drop_ip_len);
        goto drop;
    }
    uint64_t ipck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (ipck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
        (ipck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && rte_raw_cksum(ip, hl) != 0xffff)) {
        NET_INC(w, drop_ip_cksum);
        goto drop;
    }
    /* Trim link-layer padding: lengths come from the IP header only. */
    if (m->pkt_len > tot) rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - tot));
    uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);
    if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
        NET_INC(w, drop_ip_frag);
        goto drop;
    }
    if (ip->dst_addr != nif->ip) {
        NET_INC(w, drop_ip_dst);
        goto drop;
    }
    /* RFC 1122 §3.2.1.3: a source that is broadcast, multicast, loopback or
     * ourselves is bogus. */
    uint32_t src = rte_be_to_cpu_32(ip->src_addr);
    if (ip->src_addr == nif->ip || src == 0xffffffffu || (src >> 28) == 0xe || (src >> 24) == 127 ||
        src == 0 || (nif->mask != 0xffffffffu && ip->src_addr == (nif->ip | ~nif->mask))) {
        NET_INC(w, drop_ip_src);
        goto drop;
    }
    m->l3_len = hl;
    if (ip->next_proto_id == IPPROTO_TCP) {
        rte_pktmbuf_adj(m, (uint16_t)hl);
        /* ip stays valid: adj only moves data_off, the bytes remain. */
        tcp_input(w, m, ip, src_mac);
        return;
    }
    if (ip->next_proto_id == IPPROTO_ICMP) {
        icmp_input(w, m, ip, hl, src_mac);
        return;
    }
    NET_INC(w, drop_ip_proto);
drop:
    rte_pktmbuf_free(m);
}
