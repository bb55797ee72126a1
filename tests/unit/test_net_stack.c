/* test_net_stack.c — below and beside TCP: IPv4 validation (RFC 791/1122),
 * ICMP echo with its rate limit, ARP (RFC 826) replies, learning shared
 * between workers and the bounded pending queue, SYN cookies (RFC 4987),
 * sequence arithmetic across the wrap, seeded fault injection. */
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>

#include "tcp_harness.h"

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
    return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
}

static void refix(struct rte_mbuf *m)
{
    struct rte_ipv4_hdr *ip = ip_of(m);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void test_ipv4_drops(void)
{
    struct th *h = th_setup();
    struct rte_mbuf *m;
    /* bad IP checksum */
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    ip_of(m)->hdr_checksum ^= 0x1111;
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_ip_cksum], 1);
    /* bad TCP checksum */
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 34)->cksum ^= 0x2222;
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_cksum], 1);
    /* fragments */
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    ip_of(m)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
    refix(m);
    th_rx(h, m);
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    ip_of(m)->fragment_offset = rte_cpu_to_be_16(100);
    refix(m);
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_ip_frag], 2);
    /* total length larger than the frame / smaller than the header */
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    ip_of(m)->total_length = rte_cpu_to_be_16(1000);
    refix(m);
    th_rx(h, m);
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    ip_of(m)->total_length = rte_cpu_to_be_16(10);
    refix(m);
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_ip_len], 2);
    /* TCP data offset beyond the segment */
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    struct rte_tcp_hdr *tcp = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 34);
    tcp->data_off = 0xf0;
    tcp->cksum = 0;
    tcp->cksum = rte_ipv4_udptcp_cksum(ip_of(m), tcp);
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_short], 1);
    /* version, header length, destination, source */
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    ip_of(m)->version_ihl = 0x65;
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_ip_version], 1);
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    ip_of(m)->version_ihl = 0x44;
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_ip_hlen], 1);
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    ip_of(m)->dst_addr = rte_cpu_to_be_32(0xC6120009);
    refix(m);
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_ip_dst], 1);
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    ip_of(m)->src_addr = rte_cpu_to_be_32(0xE0000001);
    refix(m);
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_ip_src], 1);
    /* runt frame, foreign MAC, other EtherType */
    m = rte_pktmbuf_alloc(h->pool);
    rte_pktmbuf_append(m, 10);
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_eth_short], 1);
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr.addr_bytes[5] = 0x77;
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_eth_dst], 1);
    m = th_build(h, TCP_F_SYN, 1, 0, 100, NULL, 0, NULL, 0);
    rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = rte_cpu_to_be_16(0x86dd);
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_eth_type], 1);
    CHECK_EQ(th_pending(h), 0);
    CHECK_EQ(h->w->tcp->nused, 0);
    th_teardown(h);
}

static struct rte_mbuf *build_icmp(struct th *h, uint8_t type, unsigned len, bool badsum)
{
    struct rte_mbuf *m = th_build(h, 0, 0, 0, 0, NULL, 0, NULL, len - 20 > 0 ? len - 20 : 0);
    struct rte_ipv4_hdr *ip = ip_of(m);
    ip->next_proto_id = IPPROTO_ICMP;
    struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
    memset(ic, 0xab, len);
    ic->icmp_type = type;
    ic->icmp_code = 0;
    ic->icmp_cksum = 0;
    ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len);
    if (badsum) ic->icmp_cksum ^= 1;
    refix(m);
    return m;
}

static void test_icmp_echo(void)
{
    struct th *h = th_setup();
    th_rx(h, build_icmp(h, RTE_IP_ICMP_ECHO_REQUEST, 64, false));
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK(p.icmp);
    CHECK_EQ(p.icmp_type, RTE_IP_ICMP_ECHO_REPLY);
    CHECK_EQ(p.len, 64);
    CHECK_EQ(p.dst, h->peer_ip);
    th_rx(h, build_icmp(h, RTE_IP_ICMP_ECHO_REQUEST, 64, true));
    th_rx(h, build_icmp(h, 13, 64, false)); /* timestamp request: not answered */
    CHECK_EQ(th_pending(h), 0);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_icmp_cksum], 1);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_icmp_type], 1);
    h->w->rl_icmp_max = 3;
    th_advance(h, 1000000);
    for (int i = 0; i < 6; i++) th_rx(h, build_icmp(h, RTE_IP_ICMP_ECHO_REQUEST, 32, false));
    CHECK_EQ(th_pending(h), 3);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_icmp_ratelimit], 3);
    th_teardown(h);
}

static struct rte_mbuf *build_arp(struct th *h, uint16_t op, uint32_t sip, uint32_t tip,
                                  uint8_t mac_last)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(h->pool);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 60);
    if (p == NULL) abort();
    memset(p, 0, 60);
    struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
    memset(&eh->dst_addr, 0xff, 6);
    struct rte_ether_addr src = {{0x02, 0, 0, 0, 0, mac_last}};
    eh->src_addr = src;
    eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eh + 1);
    a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    a->arp_hlen = 6;
    a->arp_plen = 4;
    a->arp_opcode = rte_cpu_to_be_16(op);
    a->arp_data.arp_sha = src;
    a->arp_data.arp_sip = sip;
    a->arp_data.arp_tip = tip;
    return m;
}

static void test_arp(void)
{
    struct th *h = th_setup();
    uint32_t peer = h->peer_ip, other = rte_cpu_to_be_32(0xC6120063);
    th_rx(h, build_arp(h, RTE_ARP_OP_REQUEST, peer, h->our_ip, 0x01));
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK(p.arp);
    CHECK_EQ(p.arp_op, RTE_ARP_OP_REPLY);
    CHECK_EQ(p.arp_tip, peer);
    /* request for someone else: ignored, not learned */
    th_rx(h, build_arp(h, RTE_ARP_OP_REQUEST, other, rte_cpu_to_be_32(0xC6120005), 0x63));
    CHECK_EQ(th_pending(h), 0);
    struct rte_ether_addr mac;
    CHECK(!net_arp_lookup(&h->nif, other, &mac, h->w->now_us));
    /* learned on worker 0, visible to worker 1 (shared table) */
    struct net_worker *w1 = net_worker_create(&h->nif, 1, h->pool);
    w1->now_us = h->w->now_us;
    CHECK(net_arp_lookup(&h->nif, peer, &mac, w1->now_us));
    CHECK_EQ(mac.addr_bytes[5], 0x01);
    net_worker_destroy(w1);
    /* entries age out */
    CHECK(!net_arp_lookup(&h->nif, peer, &mac, h->w->now_us + NET_ARP_AGE_US + 1));
    /* malformed */
    struct rte_mbuf *m = build_arp(h, RTE_ARP_OP_REQUEST, peer, h->our_ip, 0x01);
    rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14)->arp_hlen = 8;
    th_rx(h, m);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_arp_bad], 1);
    th_teardown(h);
}

/* Sending to an unresolved next hop: a request goes out, frames wait (at
 * most NET_ARP_PENDING), leave when the reply arrives, or are dropped. */
static void test_arp_pending(void)
{
    struct th *h = th_setup();
    uint32_t dst = rte_cpu_to_be_32(0xC6120042);
    for (int i = 0; i < NET_ARP_PENDING + 3; i++) {
        uint8_t *l4;
        struct rte_mbuf *m = net_ip_alloc(h->w, 8, &l4);
        memset(l4, 0, 8);
        l4[0] = RTE_IP_ICMP_ECHO_REQUEST;
        ((struct rte_icmp_hdr *)l4)->icmp_cksum = (uint16_t)~rte_raw_cksum(l4, 8);
        net_ip_send(h->w, m, dst, IPPROTO_ICMP, NULL);
    }
    net_flush(h->w);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK(p.arp && p.arp_op == RTE_ARP_OP_REQUEST && p.arp_tip == dst);
    CHECK_EQ(th_pending(h), 0);
    CHECK_EQ(h->w->npending, NET_ARP_PENDING);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_arp_pending_full], 3);
    th_rx(h, build_arp(h, RTE_ARP_OP_REPLY, dst, h->our_ip, 0x42));
    th_advance(h, 1000);
    unsigned n = 0;
    while (th_next(h, &p))
        if (p.icmp || (!p.arp && !p.tcp)) n++;
    CHECK_EQ(n, NET_ARP_PENDING);
    /* off-link destination via the gateway, which never answers */
    uint8_t *l4;
    struct rte_mbuf *m = net_ip_alloc(h->w, 8, &l4);
    memset(l4, 0, 8);
    net_ip_send(h->w, m, rte_cpu_to_be_32(0x08080808), IPPROTO_ICMP, NULL);
    net_flush(h->w);
    CHECK(th_next(h, &p));
    CHECK(p.arp && p.arp_tip == h->nif.gw);
    th_advance(h, 4000000);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_arp_timeout], 1);
    th_teardown(h);
}

/* Backlog full: SYN-ACK with a cookie, no TCB; the ACK establishes from the
 * cookie with the encoded MSS; a forged ACK gets a RST. */
static void test_syn_cookies(void)
{
    struct th *h = th_setup();
    h->nif.syn_backlog = 2;
    struct th_pkt p;
    for (int i = 0; i < 2; i++) {
        h->peer_port = (uint16_t)(41000 + i);
        th_rx(h, th_build(h, TCP_F_SYN, 1000, 0, 1000, NULL, 0, NULL, 0));
        CHECK(th_next(h, &p));
    }
    CHECK_EQ(h->w->tcp->nsynrcvd, 2);
    h->peer_port = 42000;
    uint8_t opt[8] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};
    th_rx(h, th_build(h, TCP_F_SYN, 7777, 0, 1000, opt, 8, NULL, 0));
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_SYN | TCP_F_ACK);
    CHECK_EQ(p.ws, -1); /* not encodable without timestamps */
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->w->ctr[NET_CTR_syncookies_sent], 1);
    th_seg(h, TCP_F_ACK | TCP_F_PSH, 7778, p.seq + 1, 1000, "GET", 3);
    struct tcb *t = th_tcb(h);
    CHECK(t != NULL && t->state == TCP_ESTABLISHED);
    CHECK_EQ(t->snd_mss, 1460);
    CHECK(t->flags & TCBF_COOKIE);
    CHECK_EQ(h->rxlen, 3);
    CHECK_EQ(h->w->ctr[NET_CTR_syncookies_ok], 1);
    /* forged */
    h->peer_port = 42001;
    th_seg(h, TCP_F_ACK, 5, 0x12345678, 1000, NULL, 0);
    th_drain(h);
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->w->ctr[NET_CTR_syncookies_failed], 1);
    /* a cookie expires after two 64-second slots */
    uint32_t c = tcp_cookie_make(&h->nif, &t->key, 1, 1460, 0);
    CHECK_EQ(tcp_cookie_check(&h->nif, &t->key, 1, c, 60000000), 1460);
    CHECK_EQ(tcp_cookie_check(&h->nif, &t->key, 1, c, 200000000), 0);
    CHECK_EQ(tcp_cookie_check(&h->nif, &t->key, 2, c, 0), 0);
    th_teardown(h);
}

static void test_seq_wrap(void)
{
    CHECK(SEQ_LT(0xfffffff0u, 0x10u));
    CHECK(SEQ_GT(0x10u, 0xfffffff0u));
    CHECK(SEQ_LEQ(5u, 5u));
    CHECK(!SEQ_LT(0x80000001u, 1u) || SEQ_LT(1u, 0x80000001u));
    /* a whole connection across the wrap */
    struct th *h = th_setup();
    h->echo = true;
    uint8_t opt[4] = {2, 4, 0x05, 0xb4};
    th_rx(h, th_build(h, TCP_F_SYN, 0xfffffffeu, 0, 65535, opt, 4, NULL, 0));
    struct th_pkt p;
    CHECK(th_next(h, &p));
    th_seg(h, TCP_F_ACK, 0xffffffffu, p.seq + 1, 65535, "ab", 2);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, 1u);
    th_seg(h, TCP_F_ACK, 1u, p.seq + 2, 65535, "cd", 2);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, 3u);
    CHECK_EQ(h->rxlen, 4);
    th_teardown(h);
}

/* Fault injection: same seed, same decisions; off means untouched. */
static void test_fault_injection(void)
{
    struct th *h = th_setup();
    struct net_fault_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    CHECK_EQ(net_fault_set(&cfg, "drop", 0.5, 42), 0);
    CHECK(net_fault_set(&cfg, "bogus", 0.5, 42) < 0);
    CHECK(net_fault_set(&cfg, "drop", 1.5, 42) < 0);
    unsigned kept[2];
    for (int run = 0; run < 2; run++) {
        struct net_fault_state st;
        memset(&st, 0, sizeof(st));
        struct rte_mbuf *in[64], *out[128];
        for (int i = 0; i < 64; i++)
            in[i] = th_build(h, TCP_F_ACK, (uint32_t)i, 0, 0, NULL, 0, NULL, 0);
        uint64_t ctr[NET_CTR__COUNT] = {0};
        kept[run] = net_fault_apply(&cfg, &st, 0, 0, in, 64, out, 128, 0, h->pool, ctr);
        CHECK_EQ(kept[run] + ctr[NET_CTR_fault_drop], 64);
        rte_pktmbuf_free_bulk(out, kept[run]);
        net_fault_release(&st);
    }
    CHECK_EQ(kept[0], kept[1]);
    CHECK(kept[0] > 10 && kept[0] < 54);
    /* reorder + dup + delay + corrupt: everything accounted, nothing leaks */
    net_fault_set(&cfg, "off", 0, 7);
    net_fault_set(&cfg, "dup", 0.2, 7);
    net_fault_set(&cfg, "reorder", 0.2, 7);
    net_fault_set(&cfg, "delay", 0.2, 7);
    net_fault_set(&cfg, "corrupt", 0.2, 7);
    struct net_fault_state st;
    memset(&st, 0, sizeof(st));
    uint64_t ctr[NET_CTR__COUNT] = {0};
    unsigned total = 0;
    for (int burst = 0; burst < 10; burst++) {
        struct rte_mbuf *in[16], *out[64];
        for (int i = 0; i < 16; i++)
            in[i] = th_build(h, TCP_F_ACK, (uint32_t)i, 0, 0, NULL, 0, NULL, 0);
        unsigned n =
            net_fault_apply(&cfg, &st, 0, 0, in, 16, out, 64, (uint64_t)burst * 1000, h->pool, ctr);
        total += n;
        rte_pktmbuf_free_bulk(out, n);
    }
    CHECK(ctr[NET_CTR_fault_dup] > 0 && ctr[NET_CTR_fault_reorder] > 0);
    CHECK(ctr[NET_CTR_fault_delay] > 0 && ctr[NET_CTR_fault_corrupt] > 0);
    net_fault_release(&st);
    th_teardown(h);
}

/* The counter table and INFO names come from one list. */
static void test_counter_table(void)
{
    for (unsigned i = 0; i < NET_CTR__COUNT; i++) {
        const char *name = net_ctr_table[i].name;
        CHECK(name != NULL && net_ctr_table[i].desc != NULL);
        for (unsigned j = 0; name && j < i; j++)
            CHECK(!net_ctr_table[j].name || strcmp(name, net_ctr_table[j].name) != 0);
    }
    CHECK(strcmp(tcp_state_name(TCP_TIME_WAIT), "TIME_WAIT") == 0);
}

int main(void)
{
    test_ipv4_drops();
    test_icmp_echo();
    test_arp();
    test_arp_pending();
    test_syn_cookies();
    test_seq_wrap();
    test_fault_injection();
    test_counter_table();
    if (th_failures) {
        fprintf(stderr, "test_net_stack: %d failures\n", th_failures);
        return 1;
    }
    printf("test_net_stack: ok\n");
    return 0;
}
