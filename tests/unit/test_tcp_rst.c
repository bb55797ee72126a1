/* test_tcp_rst.c — RST generation (RFC 9293 §3.10.7.1), RST/SYN/ACK
 * validation (RFC 5961) with its per-connection challenge-ACK limit, and the
 * "unacceptable segment -> ACK" rule (RFC 9293 §3.10.7.4). */
#include <string.h>

#include "tcp_harness.h"

/* SYN to a closed port: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>. ACK to a closed
 * port: <SEQ=SEG.ACK><CTL=RST>. A RST: nothing. */
static void test_closed_port(void)
{
    struct th *h = th_setup();
    h->our_port = 7000;
    th_seg(h, TCP_F_SYN, 500, 0, 1000, NULL, 0);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_RST | TCP_F_ACK);
    CHECK_EQ(p.seq, 0);
    CHECK_EQ(p.ack, 501);
    th_seg(h, TCP_F_ACK | TCP_F_PSH, 500, 9999, 1000, "abc", 3);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_RST);
    CHECK_EQ(p.seq, 9999);
    th_seg(h, TCP_F_RST, 500, 0, 0, NULL, 0);
    CHECK_EQ(th_pending(h), 0);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_rst_nomatch], 1);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_closed_port], 2);
    /* an ACK for no connection on the listening port gets RST too */
    h->our_port = 6379;
    th_seg(h, TCP_F_ACK, 1, 12345, 1000, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_RST);
    CHECK_EQ(p.seq, 12345);
    th_teardown(h);
}

/* RSTs to closed ports are rate-limited per worker. */
static void test_rst_ratelimit(void)
{
    struct th *h = th_setup();
    h->our_port = 7000;
    h->w->rl_rst_max = 5;
    for (int i = 0; i < 8; i++) th_seg(h, TCP_F_SYN, 500 + i, 0, 1000, NULL, 0);
    CHECK_EQ(th_pending(h), 5);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_rst_ratelimit], 3);
    th_drain(h);
    th_advance(h, 1000000);
    th_seg(h, TCP_F_SYN, 600, 0, 1000, NULL, 0);
    CHECK_EQ(th_pending(h), 1);
    th_teardown(h);
}

/* RFC 5961 §3.2: exact RST resets; in-window RST gets a challenge ACK;
 * out-of-window RST is dropped silently. */
static void test_rst_validation(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    struct th_pkt p;
    th_seg(h, TCP_F_RST, h->snd_nxt + 100, 0, 0, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_ACK);
    CHECK_EQ(p.ack, h->snd_nxt);
    CHECK_EQ(h->w->ctr[NET_CTR_challenge_acks], 1);
    th_seg(h, TCP_F_RST, h->snd_nxt + 10000000, 0, 0, NULL, 0);
    CHECK_EQ(th_pending(h), 0);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_rst_outside], 1);
    CHECK_EQ(h->closes, 0);
    th_seg(h, TCP_F_RST, h->snd_nxt, 0, 0, NULL, 0);
    CHECK_EQ(h->closes, 1);
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->w->ctr[NET_CTR_resets_in], 1);
    th_expect_no_tcbs(h);
    th_teardown(h);
}

/* Challenge ACKs are limited per connection (not globally: CVE-2016-5696). */
static void test_challenge_limit_per_conn(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    uint32_t a_nxt = h->snd_nxt;
    for (int i = 0; i < 25; i++) th_seg(h, TCP_F_RST, a_nxt + 5, 0, 0, NULL, 0);
    CHECK_EQ(th_pending(h), TCP_CHALLENGE_MAX);
    CHECK_EQ(h->w->ctr[NET_CTR_challenge_acks_limited], 25 - TCP_CHALLENGE_MAX);
    th_drain(h);
    /* a second connection still gets its own challenge ACKs */
    h->peer_port = 40001;
    th_establish(h, 65535, 1460, 7);
    th_seg(h, TCP_F_RST, h->snd_nxt + 5, 0, 0, NULL, 0);
    CHECK_EQ(th_pending(h), 1);
    th_drain(h);
    /* and the first one again after a second */
    th_advance(h, 1000000);
    h->peer_port = 40000;
    th_seg(h, TCP_F_RST, a_nxt + 5, 0, 0, NULL, 0);
    CHECK_EQ(th_pending(h), 1);
    th_teardown(h);
}

/* RFC 5961 §4: a SYN in ESTABLISHED gets a challenge ACK, whatever its seq. */
static void test_syn_in_established(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    struct th_pkt p;
    th_seg(h, TCP_F_SYN, h->snd_nxt + 50, 0, 1000, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_ACK);
    CHECK_EQ(p.ack, h->snd_nxt);
    CHECK(th_tcb(h)->state == TCP_ESTABLISHED);
    th_seg(h, TCP_F_SYN, 7, 0, 1000, NULL, 0); /* out of window: plain ACK */
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_ACK);
    CHECK(th_tcb(h)->state == TCP_ESTABLISHED);
    th_teardown(h);
}

/* Unacceptable segments are answered with an ACK: old duplicate, beyond the
 * window, a keepalive probe (SEQ = RCV.NXT - 1), and ACKs of unsent data. */
static void test_unacceptable_acked(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    struct th_pkt p;
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1, 512, "hello", 5);
    h->snd_nxt += 5;
    th_advance(h, 50000);
    th_drain(h);
    /* old duplicate */
    th_seg(h, TCP_F_ACK, h->snd_nxt - 5, h->iss + 1, 512, "hello", 5);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt);
    /* keepalive probe from Linux: one old byte (or none) at RCV.NXT-1 */
    th_seg(h, TCP_F_ACK, h->snd_nxt - 1, h->iss + 1, 512, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt);
    th_seg(h, TCP_F_ACK, h->snd_nxt - 1, h->iss + 1, 512, "x", 1);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt);
    /* far beyond the window */
    th_seg(h, TCP_F_ACK, h->snd_nxt + 100000000, h->iss + 1, 512, "y", 1);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt);
    /* ACK of data never sent: ACK back, drop */
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 5000, 512, "z", 1);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt); /* "z" not taken */
    CHECK_EQ(h->rxlen, 5);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_ack_unsent], 1);
    CHECK(h->w->ctr[NET_CTR_drop_tcp_unacceptable] >= 4);
    /* no ACK bit: dropped */
    th_seg(h, 0, h->snd_nxt, 0, 512, "q", 1);
    CHECK_EQ(th_pending(h), 0);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_noack], 1);
    th_teardown(h);
}

/* RFC 5961 §5.2: an ACK older than SND.UNA - MAX.SND.WND is challenged. */
static void test_old_ack(void)
{
    struct th *h = th_setup();
    th_establish(h, 1000, 1460, -1);
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1 - 5000, 1000, "a", 1);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_ack_old], 1);
    CHECK_EQ(h->rxlen, 0);
    th_teardown(h);
}

int main(void)
{
    test_closed_port();
    test_rst_ratelimit();
    test_rst_validation();
    test_challenge_limit_per_conn();
    test_syn_in_established();
    test_unacceptable_acked();
    test_old_ack();
    if (th_failures) {
        fprintf(stderr, "test_tcp_rst: %d failures\n", th_failures);
        return 1;
    }
    printf("test_tcp_rst: ok\n");
    return 0;
}
