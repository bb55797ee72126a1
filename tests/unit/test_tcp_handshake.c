/* test_tcp_handshake.c — passive open (RFC 9293 §3.5), options (MSS, window
 * scaling; SACK and timestamps declined), RFC 6528 ISNs, SYN-ACK
 * retransmission, an application that refuses a connection. */
#include <string.h>

#include "tcp_harness.h"

/* SYN with MSS 1460, WS 7, SACK_PERM and TS, as Linux sends it. */
static void test_linux_syn_options(void)
{
    struct th *h = th_setup();
    uint8_t opt[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
    th_rx(h, th_build(h, TCP_F_SYN, 1000, 0, 64240, opt, sizeof(opt), NULL, 0));
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_SYN | TCP_F_ACK);
    CHECK_EQ(p.ack, 1001);
    CHECK_EQ(p.mss, 1460); /* MTU 1500 - 40 */
    CHECK_EQ(p.ws, TCP_RCV_WSCALE);
    CHECK(!p.sack_ok); /* declined */
    CHECK(!p.ts);      /* declined */
    struct tcb *t = th_tcb(h);
    CHECK(t != NULL && t->state == TCP_SYN_RECEIVED);
    CHECK_EQ(t->snd_mss, 1460);
    CHECK_EQ(t->snd_wscale, 7);
    /* third segment: scaled window from now on */
    th_seg(h, TCP_F_ACK, 1001, p.seq + 1, 502, NULL, 0);
    CHECK_EQ(t->state, TCP_ESTABLISHED);
    CHECK_EQ(t->snd_wnd, 502u << 7);
    CHECK_EQ(h->accepts, 1);
    CHECK(strcmp(h->conn->peer, "198.18.0.1:40000") == 0);
    CHECK(strcmp(h->conn->local, "198.18.0.2:6379") == 0);
    CHECK_EQ(h->conn->kind, CONN_DPDK);
    CHECK_EQ(h->w->ctr[NET_CTR_passive_opens], 1);
    th_teardown(h);
}

/* No WS in the SYN: we must not send WS, and nothing is scaled. */
static void test_no_wscale(void)
{
    struct th *h = th_setup();
    uint8_t opt[4] = {2, 4, 0x05, 0xb4};
    th_rx(h, th_build(h, TCP_F_SYN, 5, 0, 65535, opt, 4, NULL, 0));
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ws, -1);
    th_seg(h, TCP_F_ACK, 6, p.seq + 1, 4000, NULL, 0);
    struct tcb *t = th_tcb(h);
    CHECK_EQ(t->snd_wnd, 4000);
    CHECK(!(t->flags & TCBF_WSCALE));
    /* our advertised window is unscaled and capped at 65535 */
    th_seg(h, TCP_F_ACK | TCP_F_PSH, 6, p.seq + 1, 4000, "x", 1);
    th_advance(h, 50000);
    CHECK(th_next(h, &p));
    CHECK(p.win <= 65535 && p.win > 60000);
    th_teardown(h);
}

/* RFC 9293 §3.7.1: no MSS option means 536 bytes per segment. */
static void test_default_mss(void)
{
    struct th *h = th_setup();
    struct tcb *t = th_establish(h, 65535, 0, -1);
    CHECK_EQ(t->snd_mss, TCP_DEFAULT_MSS);
    static uint8_t big[3000];
    th_app_send(h, big, sizeof(big));
    struct th_pkt p;
    unsigned n = 0;
    while (th_next(h, &p)) {
        CHECK(p.len <= TCP_DEFAULT_MSS);
        n++;
    }
    CHECK_EQ(n, 6); /* 5 x 536 + 320 */
    th_teardown(h);
}

/* Data on the handshake's third segment is delivered. */
static void test_data_on_third_ack(void)
{
    struct th *h = th_setup();
    th_rx(h, th_build(h, TCP_F_SYN, 100, 0, 65535, NULL, 0, NULL, 0));
    struct th_pkt p;
    CHECK(th_next(h, &p));
    th_seg(h, TCP_F_ACK | TCP_F_PSH, 101, p.seq + 1, 65535, "PING\r\n", 6);
    CHECK_EQ(h->rxlen, 6);
    CHECK(memcmp(h->rx, "PING\r\n", 6) == 0);
    th_teardown(h);
}

/* A retransmitted SYN gets the same SYN-ACK; the SYN-ACK is retransmitted
 * with backoff and the half-open TCB given up after TCP_SYNACK_RETRIES. */
static void test_synack_retransmit(void)
{
    struct th *h = th_setup();
    th_rx(h, th_build(h, TCP_F_SYN, 100, 0, 65535, NULL, 0, NULL, 0));
    struct th_pkt p, q;
    CHECK(th_next(h, &p));
    th_rx(h, th_build(h, TCP_F_SYN, 100, 0, 65535, NULL, 0, NULL, 0));
    CHECK(th_next(h, &q));
    CHECK_EQ(q.flags, TCP_F_SYN | TCP_F_ACK);
    CHECK_EQ(q.seq, p.seq);
    th_advance(h, 999000);
    CHECK_EQ(th_pending(h), 0);
    th_advance(h, 2000);
    CHECK(th_next(h, &q) && q.flags == (TCP_F_SYN | TCP_F_ACK) && q.seq == p.seq);
    /* then 2 s, 4 s, 8 s, 16 s, and give up after the 32 s wait */
    th_advance(h, 2000000);
    CHECK(th_next(h, &q));
    th_advance(h, 200000000);
    unsigned n = 0;
    while (th_next(h, &q)) n++;
    CHECK_EQ(n, 3);
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->accepts, 0);
    th_expect_no_tcbs(h);
    th_teardown(h);
}

/* RFC 6528: ISNs differ per tuple and move with the clock. */
static void test_isn(void)
{
    struct th *h = th_setup();
    struct tcp_key a = {1, 2, 3, 4, 0}, b = {1, 2, 3, 5, 0};
    uint32_t ia = tcp_isn(&h->nif, &a, 0), ib = tcp_isn(&h->nif, &b, 0);
    CHECK(ia != ib);
    CHECK_EQ(tcp_isn(&h->nif, &a, 4000) - ia, 1000); /* 4 us clock */
    uint8_t other[16] = {9};
    struct net_if nif2 = h->nif;
    memcpy(nif2.secret, other, 16);
    CHECK(tcp_isn(&nif2, &a, 0) != ia); /* keyed */
    th_teardown(h);
}

/* on_accept returning NULL: the connection is reset at once. */
static void test_app_refuses(void)
{
    struct th *h = th_setup();
    h->refuse = true;
    th_rx(h, th_build(h, TCP_F_SYN, 100, 0, 65535, NULL, 0, NULL, 0));
    struct th_pkt p;
    CHECK(th_next(h, &p));
    th_seg(h, TCP_F_ACK, 101, p.seq + 1, 65535, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK(p.flags & TCP_F_RST);
    CHECK(th_tcb(h) == NULL);
    th_expect_no_tcbs(h);
    th_teardown(h);
}

/* Handshake ACK with a wrong acknowledgment number: RST <SEQ=SEG.ACK>, TCB kept. */
static void test_synrcvd_bad_ack(void)
{
    struct th *h = th_setup();
    th_rx(h, th_build(h, TCP_F_SYN, 100, 0, 65535, NULL, 0, NULL, 0));
    struct th_pkt p;
    CHECK(th_next(h, &p));
    th_seg(h, TCP_F_ACK, 101, p.seq + 77, 65535, NULL, 0);
    struct th_pkt r;
    CHECK(th_next(h, &r));
    CHECK_EQ(r.flags, TCP_F_RST);
    CHECK_EQ(r.seq, p.seq + 77);
    CHECK(th_tcb(h) != NULL && th_tcb(h)->state == TCP_SYN_RECEIVED);
    /* RST in SYN-RECEIVED returns to LISTEN (TCB gone, app never told) */
    th_seg(h, TCP_F_RST, 101, 0, 0, NULL, 0);
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->accepts, 0);
    th_teardown(h);
}

/* Garbage options: parsing stops, the SYN is still answered. */
static void test_options_garbage(void)
{
    struct th *h = th_setup();
    uint8_t opt[8] = {2, 4, 0x02, 0x00, 3, 0, 0xff, 0xff}; /* MSS 512, then WS with len 0 */
    th_rx(h, th_build(h, TCP_F_SYN, 100, 0, 65535, opt, 8, NULL, 0));
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_SYN | TCP_F_ACK);
    CHECK_EQ(p.ws, -1);
    CHECK_EQ(th_tcb(h)->snd_mss, 512);
    uint8_t opt2[4] = {2, 40, 1, 1}; /* length past the header */
    h->peer_port++;
    th_rx(h, th_build(h, TCP_F_SYN, 100, 0, 65535, opt2, 4, NULL, 0));
    CHECK(th_next(h, &p));
    CHECK_EQ(th_tcb(h)->snd_mss, TCP_DEFAULT_MSS);
    th_teardown(h);
}

int main(void)
{
    test_linux_syn_options();
    test_no_wscale();
    test_default_mss();
    test_data_on_third_ack();
    test_synack_retransmit();
    test_isn();
    test_app_refuses();
    test_synrcvd_bad_ack();
    test_options_garbage();
    if (th_failures) {
        fprintf(stderr, "test_tcp_handshake: %d failures\n", th_failures);
        return 1;
    }
    printf("test_tcp_handshake: ok\n");
    return 0;
}
