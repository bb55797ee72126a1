/* test_sg_net.c — ssgen's own TCP client (pktgen-tests/ssgen/sg_net.c),
 * driven frame by frame on a virtual clock: the test plays the server,
 * builds every segment it sends (valid checksums unless a test breaks
 * one) and checks every frame ssgen transmits, field by field.
 *
 *  - ARP request, SYN with MSS 1460 and no other option, the handshake,
 *    the request riding on the handshake's ACK;
 *  - retransmission after 200 ms without an ACK, then after 400 ms;
 *  - a reply completing a request, the next request (closed loop);
 *  - out-of-order data dropped with an immediate ACK; a reply split in two
 *    segments; a duplicate segment; a bad checksum dropped;
 *  - a zero window: nothing sent, a 1-byte probe after the RTO, the rest
 *    when the window opens;
 *  - the peer's MSS honoured (a 3,000-byte SET in three segments, PSH on
 *    the last);
 *  - SYN retries and the connect deadline, a stale tuple's challenge ACK
 *    not taken for a SYN-ACK; RST in the window fails the run;
 *    RST to every connection at the end.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "check.h"
#include "sg_net.h"

#define MS   1000000ULL /* ticks: the test's clock runs at 1 GHz */
#define NCAP 64

static struct {
    uint8_t buf[NCAP][2048];
    uint16_t len[NCAP];
    unsigned n;
} cap;

static uint8_t *cap_alloc(void *ctx, uint16_t len, void **h)
{
    (void)ctx;
    if (cap.n >= NCAP || len > sizeof(cap.buf[0])) return NULL;
    cap.len[cap.n] = len;
    *h = cap.buf[cap.n];
    return cap.buf[cap.n++];
}

static void cap_xmit(void *ctx, void *h)
{
    (void)ctx;
    (void)h;
}

static const struct sg_frame_ops ops = {cap_alloc, cap_xmit};
static const struct rte_ether_addr OUR_MAC = {{0x02, 0, 0, 0, 0, 3}};
static const struct rte_ether_addr SRV_MAC = {{0x02, 0, 0, 0, 0, 2}};
static uint32_t OUR_IP, SRV_IP;
#define SRV_PORT 6390

struct seg {
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t win, sport, dport;
    const uint8_t *data, *opt;
    uint32_t dlen, optlen;
    bool cksum_ok;
};

/* Frame i as a TCP segment (false if it is not one). */
static bool parse(unsigned i, struct seg *s)
{
    const uint8_t *p = cap.buf[i];
    const struct rte_ether_hdr *eth = (const void *)p;
    if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) return false;
    if (!rte_is_same_ether_addr(&eth->dst_addr, &SRV_MAC)) return false;
    const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);
    const struct rte_tcp_hdr *th = (const void *)(ip + 1);
    uint32_t tot = rte_be_to_cpu_16(ip->total_length);
    uint32_t hl = (uint32_t)(th->data_off >> 4) * 4;
    s->flags = th->tcp_flags;
    s->seq = rte_be_to_cpu_32(th->sent_seq);
    s->ack = rte_be_to_cpu_32(th->recv_ack);
    s->win = rte_be_to_cpu_16(th->rx_win);
    s->sport = rte_be_to_cpu_16(th->src_port);
    s->dport = rte_be_to_cpu_16(th->dst_port);
    s->opt = (const uint8_t *)(th + 1);
    s->optlen = hl - 20;
    s->data = (const uint8_t *)th + hl;
    s->dlen = tot - 20 - hl;
    /* both checksums verify: one's-complement sums of 0xffff */
    uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(th, tot - 20);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    s->cksum_ok = rte_raw_cksum(ip, 20) == 0xffff && sum == 0xffff && ip->src_addr == OUR_IP &&
                  ip->dst_addr == SRV_IP && cap.len[i] == 14 + tot;
    return true;
}

static uint16_t g_lport;

/* A segment from the server to our connection 0. */
static void inject(struct sg_net *n, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                   const void *data, uint32_t len, bool mss_opt, bool corrupt, uint64_t now)
{
    uint8_t f[2048];
    memset(f, 0, sizeof(f));
    struct rte_ether_hdr *eth = (void *)f;
    struct rte_ipv4_hdr *ip = (void *)(eth + 1);
    struct rte_tcp_hdr *th = (void *)(ip + 1);
    uint32_t optlen = mss_opt ? 4 : 0;
    eth->dst_addr = OUR_MAC;
    eth->src_addr = SRV_MAC;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + optlen + len));
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_TCP;
    ip->src_addr = SRV_IP;
    ip->dst_addr = OUR_IP;
    th->src_port = rte_cpu_to_be_16(SRV_PORT);
    th->dst_port = rte_cpu_to_be_16(g_lport);
    th->sent_seq = rte_cpu_to_be_32(seq);
    th->recv_ack = rte_cpu_to_be_32(ack);
    th->data_off = (uint8_t)(((20 + optlen) / 4) << 4);
    th->tcp_flags = flags;
    th->rx_win = rte_cpu_to_be_16(win);
    uint8_t *o = (uint8_t *)(th + 1);
    if (mss_opt) {
        o[0] = 2;
        o[1] = 4;
        o[2] = 1400 >> 8;
        o[3] = 1400 & 0xff;
    }
    if (len) memcpy(o + optlen, data, len);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    th->cksum = rte_ipv4_udptcp_cksum(ip, th);
    if (corrupt) o[optlen] ^= 1;
    sg_net_input(n, f, 14 + 40 + optlen + len, now);
}

static void inject_arp_reply(struct sg_net *n, uint64_t now)
{
    uint8_t f[64];
    memset(f, 0, sizeof(f));
    struct rte_ether_hdr *eth = (void *)f;
    struct rte_arp_hdr *arp = (void *)(eth + 1);
    eth->dst_addr = OUR_MAC;
    eth->src_addr = SRV_MAC;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    arp->arp_hlen = 6;
    arp->arp_plen = 4;
    arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
    arp->arp_data.arp_sha = SRV_MAC;
    arp->arp_data.arp_sip = SRV_IP;
    arp->arp_data.arp_tha = OUR_MAC;
    arp->arp_data.arp_tip = OUR_IP;
    sg_net_input(n, f, 60, now);
}

struct env {
    struct sg_gen g;
    struct sg_net n;
    struct sg_opts o;
    uint32_t iss, srv_seq;
};

/* One connection through ARP and the handshake; the SYN checked. */
static bool setup(struct env *e, unsigned pipeline, uint64_t nreq, const char *vsize, bool set)
{
    memset(e, 0, sizeof(*e));
    sg_work_defaults(&e->o.work);
    if (set)
        e->o.work.set_w = 1, e->o.work.get_w = 0;
    else
        e->o.work.set_w = 0, e->o.work.get_w = 1;
    e->o.work.keyspace = 10;
    if (vsize && sg_work_parse_vsize(&e->o.work, vsize) != 0) return false;
    if (sg_work_finish(&e->o.work) != 0) return false;
    e->o.nconns = 1;
    e->o.pipeline = pipeline;
    e->o.nreq = nreq;
    e->o.check = true;
    e->o.seed = 9;
    if (sg_gen_init(&e->g, &e->o, 1000000000ULL) != 0) return false;
    g_lport = 40000;
    if (sg_net_init(&e->n, &e->g, &ops, NULL, OUR_IP, SRV_IP, SRV_PORT, &OUR_MAC, &OUR_MAC, g_lport,
                    12345) != 0)
        return false;
    e->n.verify_l4 = true;
    cap.n = 0;
    sg_net_begin(&e->n, 0);
    sg_net_tick(&e->n, 0);
    /* an ARP request for the server, broadcast */
    const struct rte_ether_hdr *eth = (const void *)cap.buf[0];
    const struct rte_arp_hdr *arp = (const void *)(eth + 1);
    CHECK(cap.n == 1 && eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
          rte_is_broadcast_ether_addr(&eth->dst_addr) &&
          arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
          arp->arp_data.arp_tip == SRV_IP && arp->arp_data.arp_sip == OUR_IP);
    cap.n = 0;
    inject_arp_reply(&e->n, 1 * MS);
    struct seg s;
    if (cap.n != 1 || !parse(0, &s)) return false;
    /* SYN: MSS 1460, nothing else; no data */
    CHECK(s.flags == RTE_TCP_SYN_FLAG && s.cksum_ok && s.dlen == 0 && s.optlen == 4);
    CHECK(s.opt[0] == 2 && s.opt[1] == 4 && (s.opt[2] << 8 | s.opt[3]) == 1460);
    CHECK(s.sport == g_lport && s.dport == SRV_PORT);
    e->iss = s.seq;
    e->srv_seq = 777000;
    cap.n = 0;
    inject(&e->n, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, e->srv_seq, e->iss + 1, 65535, NULL, 0, true,
           false, 2 * MS);
    e->srv_seq++;
    return e->g.running && !e->g.failed;
}

static void teardown(struct env *e)
{
    sg_net_free(&e->n);
    sg_gen_free(&e->g);
    sg_work_free(&e->o.work);
}

static void test_request_path(void)
{
    struct env e;
    REQUIRE(setup(&e, 1, 3, NULL, false));
    struct sg_net *n = &e.n;
    struct sg_gen *g = &e.g;
    sg_net_flush(n, 2 * MS);
    /* the first GET, carrying the handshake's ACK */
    struct seg s;
    REQUIRE(cap.n == 1 && parse(0, &s));
    CHECK(s.flags == (RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG) && s.cksum_ok);
    CHECK(s.seq == e.iss + 1 && s.ack == e.srv_seq && s.win == SG_OUR_WND);
    CHECK(s.dlen == 36 && memcmp(s.data, "*2\r\n$3\r\nGET\r\n$16\r\nkey:0000000000", 31) == 0);
    uint8_t req1[64];
    memcpy(req1, s.data, s.dlen);
    uint32_t snd = e.iss + 1;

    /* no ACK: nothing before 200 ms, the same bytes at 200 ms, again 400 ms later */
    cap.n = 0;
    sg_net_tick(n, 150 * MS);
    CHECK(cap.n == 0);
    sg_net_tick(n, 203 * MS);
    REQUIRE(cap.n == 1 && parse(0, &s));
    CHECK(s.seq == snd && s.dlen == 36 && memcmp(s.data, req1, 36) == 0 && s.cksum_ok);
    CHECK(n->st.rexmit_segs == 1 && n->st.rto_events == 1);
    cap.n = 0;
    sg_net_tick(n, 500 * MS);
    CHECK(cap.n == 0); /* backed off to 400 ms */
    sg_net_tick(n, 604 * MS);
    CHECK(cap.n == 1 && n->st.rexmit_segs == 2);

    /* the reply with the ACK: done, and the second request goes out */
    cap.n = 0;
    snd += 36;
    inject(n, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, e.srv_seq, snd, 65535, "$-1\r\n", 5, false,
           false, 605 * MS);
    e.srv_seq += 5;
    CHECK(g->done == 1 && g->misses == 1);
    sg_net_flush(n, 605 * MS);
    REQUIRE(cap.n == 1 && parse(0, &s));
    CHECK(s.seq == snd && s.ack == e.srv_seq && s.dlen == 36);

    /* out of order (a hole of 10 bytes): dropped, the ACK says where we are */
    cap.n = 0;
    inject(n, RTE_TCP_ACK_FLAG, e.srv_seq + 10, snd + 36, 65535, "$-1\r\n", 5, false, false,
           606 * MS);
    CHECK(g->done == 1 && n->st.ooo_segs == 1);
    sg_net_flush(n, 606 * MS);
    REQUIRE(cap.n == 1 && parse(0, &s));
    CHECK(s.flags == RTE_TCP_ACK_FLAG && s.dlen == 0 && s.ack == e.srv_seq);
    snd += 36;

    /* a bad TCP checksum: dropped and counted, nothing completes */
    cap.n = 0;
    inject(n, RTE_TCP_ACK_FLAG, e.srv_seq, snd, 65535, "$-1\r\n", 5, false, true, 607 * MS);
    CHECK(g->done == 1 && n->st.bad_cksum == 1);

    /* the reply split in two, the second segment closing the window:
     * request 3 is issued but may not leave */
    inject(n, RTE_TCP_ACK_FLAG, e.srv_seq, snd, 65535, "$-", 2, false, false, 608 * MS);
    CHECK(g->done == 1);
    inject(n, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, e.srv_seq + 2, snd, 0, "1\r\n", 3, false, false,
           609 * MS);
    CHECK(g->done == 2);
    /* the second half again: a duplicate, ACKed, not counted twice */
    inject(n, RTE_TCP_ACK_FLAG, e.srv_seq + 2, snd, 0, "1\r\n", 3, false, false, 609 * MS);
    CHECK(g->done == 2 && n->st.dup_segs == 1);
    e.srv_seq += 5;
    cap.n = 0;
    sg_net_flush(n, 609 * MS);
    REQUIRE(cap.n == 1 && parse(0, &s));
    CHECK(s.dlen == 0 && s.ack == e.srv_seq); /* only the ACK: the window is shut */

    /* zero window: a 1-byte probe after the RTO, the rest once it opens */
    cap.n = 0;
    sg_net_tick(n, 700 * MS);
    CHECK(cap.n == 0);
    sg_net_tick(n, 810 * MS);
    REQUIRE(cap.n == 1 && parse(0, &s));
    CHECK(s.seq == snd && s.dlen == 1 && s.data[0] == '*' && n->st.probes == 1);
    cap.n = 0;
    inject(n, RTE_TCP_ACK_FLAG, e.srv_seq, snd + 1, 65535, NULL, 0, false, false, 811 * MS);
    sg_net_flush(n, 811 * MS);
    REQUIRE(cap.n == 1 && parse(0, &s));
    CHECK(s.seq == snd + 1 && s.dlen == 35 && memcmp(s.data, "2\r\n$3\r\nGET", 10) == 0);
    snd += 36;

    /* the last reply: the run is over */
    inject(n, RTE_TCP_ACK_FLAG, e.srv_seq, snd, 65535, "$-1\r\n", 5, false, false, 812 * MS);
    CHECK(g->done == 3 && sg_gen_finished(g) && !g->failed);
    e.srv_seq += 5;

    /* the end: RST|ACK at snd_nxt */
    cap.n = 0;
    sg_net_reset(n, 0, 1);
    REQUIRE(cap.n == 1 && parse(0, &s));
    CHECK(s.flags == (RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG) && s.seq == snd && s.cksum_ok);
    teardown(&e);
}

static void test_mss_and_rst(void)
{
    /* the peer's MSS (1400) cuts a 3,000-byte SET in three, PSH on the last */
    struct env e;
    REQUIRE(setup(&e, 1, 5, "3000", true));
    sg_net_flush(&e.n, 2 * MS);
    struct seg s[3];
    REQUIRE(cap.n == 3 && parse(0, &s[0]) && parse(1, &s[1]) && parse(2, &s[2]));
    CHECK(s[0].dlen == 1400 && s[1].dlen == 1400 && s[2].dlen > 200);
    CHECK(s[1].seq == s[0].seq + 1400 && s[2].seq == s[1].seq + 1400);
    CHECK(!(s[0].flags & RTE_TCP_PSH_FLAG) && !(s[1].flags & RTE_TCP_PSH_FLAG) &&
          (s[2].flags & RTE_TCP_PSH_FLAG));
    CHECK(memcmp(s[0].data, "*3\r\n$3\r\nSET\r\n", 13) == 0);
    /* a RST outside the window is ignored; in the window it ends the run */
    inject(&e.n, RTE_TCP_RST_FLAG, e.srv_seq + 100000, 0, 0, NULL, 0, false, false, 3 * MS);
    CHECK(!e.g.failed);
    inject(&e.n, RTE_TCP_RST_FLAG, e.srv_seq, 0, 0, NULL, 0, false, false, 3 * MS);
    CHECK(e.g.failed && strstr(e.g.why, "reset by the server") != NULL);
    teardown(&e);
}

static void test_syn_retry_and_deadline(void)
{
    struct env e;
    memset(&e, 0, sizeof(e));
    sg_work_defaults(&e.o.work);
    REQUIRE(sg_work_finish(&e.o.work) == 0);
    e.o.nconns = 2;
    e.o.pipeline = 1;
    e.o.nreq = 1;
    REQUIRE(sg_gen_init(&e.g, &e.o, 1000000000ULL) == 0);
    REQUIRE(sg_net_init(&e.n, &e.g, &ops, NULL, OUR_IP, SRV_IP, SRV_PORT, &OUR_MAC, &OUR_MAC, 50000,
                        777) == 0);
    cap.n = 0;
    sg_net_begin(&e.n, 0);
    inject_arp_reply(&e.n, 0);
    CHECK(cap.n == 2); /* a SYN per connection */
    cap.n = 0;
    sg_net_tick(&e.n, 100 * MS);
    CHECK(cap.n == 0);
    sg_net_tick(&e.n, 201 * MS);
    CHECK(cap.n == 2 && e.n.st.syn_rexmit == 2);
    /* a server that still holds the tuple answers with an ACK of its own
     * sequence space (a challenge ACK): not taken for a SYN-ACK, and named
     * when the deadline passes */
    g_lport = 50000;
    inject(&e.n, RTE_TCP_ACK_FLAG, 4242, 999, 65535, NULL, 0, false, false, 300 * MS);
    CHECK(e.n.nestab == 0 && e.n.st.syn_answer_other == 1);
    sg_net_tick(&e.n, (e.n.connect_ms + 1) * MS);
    CHECK(e.g.failed && strstr(e.g.why, "2 of 2 connections got no SYN-ACK") != NULL);
    CHECK(strstr(e.g.why, "holds these tuples already") != NULL);
    sg_net_free(&e.n);
    sg_gen_free(&e.g);
    sg_work_free(&e.o.work);
}

int main(void)
{
    inet_pton(AF_INET, "198.18.0.3", &OUR_IP);
    inet_pton(AF_INET, "198.18.0.2", &SRV_IP);
    test_request_path();
    test_mss_and_rst();
    test_syn_retry_and_deadline();
    printf("sg_net: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
