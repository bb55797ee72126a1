/* test_tcp_send.c — the send side: initial window of 10 (RFC 6928), RFC 6298
 * retransmission timer (estimator, backoff, Karn, abort), NewReno fast
 * retransmit and recovery with its exit (RFC 5681, 6582), limited transmit
 * (RFC 3042), sender silly-window avoidance, the persist timer, on_writable. */
#include <errno.h>
#include <string.h>

#include "tcp_harness.h"

static uint8_t big[200000];

static unsigned count_data(struct th *h, uint32_t *first_seq, uint32_t *last_end)
{
    struct th_pkt p;
    unsigned n = 0;
    while (th_next(h, &p)) {
        if (p.len == 0) continue;
        if (n == 0 && first_seq) *first_seq = p.seq;
        if (last_end) *last_end = p.seq + p.len;
        n++;
    }
    return n;
}

static void test_initial_window(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    th_app_send(h, big, 100000);
    uint32_t first = 0, end = 0;
    CHECK_EQ(count_data(h, &first, &end), 10);
    CHECK_EQ(first, h->iss + 1);
    CHECK_EQ(end - first, 14600);
    /* ACK 2 segments: slow start (ABC L=2) grows cwnd by 2*MSS -> 4 more */
    th_seg(h, TCP_F_ACK, h->snd_nxt, first + 2920, 65535, NULL, 0);
    CHECK_EQ(count_data(h, NULL, NULL), 4);
    th_teardown(h);
}

static void test_rtt_estimator(void)
{
    struct tcb t;
    memset(&t, 0, sizeof(t));
    tcp_rtt_sample(&t, 100000); /* first: SRTT=R, RTTVAR=R/2 */
    CHECK_EQ(t.srtt, 100000);
    CHECK_EQ(t.rttvar, 50000);
    CHECK_EQ(t.rto, 300000);
    tcp_rtt_sample(&t, 100000);
    CHECK_EQ(t.srtt, 100000);
    CHECK_EQ(t.rttvar, 37500);
    tcp_rtt_sample(&t, 50);
    CHECK_EQ(t.rto >= TCP_RTO_MIN_US, 1); /* floor */
    for (int i = 0; i < 50; i++) tcp_rtt_sample(&t, 100);
    CHECK_EQ(t.rto, TCP_RTO_MIN_US);
}

/* RTO: retransmit SND.UNA after RTO, double each time, cwnd to 1 MSS; after
 * TCP_MAX_RETRIES the connection is aborted with on_close and a RST. */
static void test_rto_backoff_abort(void)
{
    struct th *h = th_setup();
    struct tcb *t = th_establish(h, 65535, 1460, 7);
    th_app_send(h, "hello", 5);
    th_drain(h);
    CHECK_EQ(t->rto, TCP_RTO_INIT_US);
    th_advance(h, TCP_RTO_INIT_US - 1000);
    CHECK_EQ(th_pending(h), 0);
    th_advance(h, 2000);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.seq, h->iss + 1);
    CHECK_EQ(p.len, 5);
    CHECK_EQ(t->rto, 2 * TCP_RTO_INIT_US);
    CHECK_EQ(t->cwnd, t->snd_mss);
    th_advance(h, 2 * TCP_RTO_INIT_US + 1000);
    CHECK(th_next(h, &p));
    CHECK_EQ(h->w->ctr[NET_CTR_rto_expired], 2);
    /* ACK now: retries reset, no RTT sample from a retransmission (Karn) */
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 6, 65535, NULL, 0);
    CHECK_EQ(t->retries, 0);
    CHECK_EQ(t->srtt, 0);
    CHECK_EQ(t->rexmt_at, 0);
    /* new data never acknowledged -> abort */
    th_app_send(h, "again", 5);
    th_advance(h, 20ull * 60 * 1000000);
    CHECK_EQ(h->closes, 1);
    CHECK(th_tcb(h) == NULL);
    bool rst = false;
    while (th_next(h, &p))
        if (p.flags & TCP_F_RST) rst = true;
    CHECK(rst);
    th_expect_no_tcbs(h);
    th_teardown(h);
}

/* Three duplicate ACKs: fast retransmit, recovery with inflation, partial
 * ACK retransmits the next hole, full ACK exits with cwnd = ssthresh-ish. */
static void test_newreno(void)
{
    struct th *h = th_setup();
    struct tcb *t = th_establish(h, 65535, 1000, 7);
    uint32_t base = h->iss + 1;
    th_app_send(h, big, 10000);
    CHECK_EQ(count_data(h, NULL, NULL), 10);
    /* segment 0 and 3 lost; the peer acks nothing new */
    struct th_pkt p;
    th_seg(h, TCP_F_ACK, h->snd_nxt, base, 65535, NULL, 0);
    CHECK_EQ(h->w->ctr[NET_CTR_dup_acks_in], 1);
    th_seg(h, TCP_F_ACK, h->snd_nxt, base, 65535, NULL, 0);
    th_drain(h); /* limited transmit may send new data */
    th_seg(h, TCP_F_ACK, h->snd_nxt, base, 65535, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.seq, base);
    CHECK_EQ(p.len, 1000);
    CHECK_EQ(h->w->ctr[NET_CTR_fast_retransmits], 1);
    CHECK(t->flags & TCBF_RECOVERY);
    uint32_t recover = t->recover;
    th_drain(h);
    /* partial ACK up to the second hole at 3000 */
    th_seg(h, TCP_F_ACK, h->snd_nxt, base + 3000, 65535, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.seq, base + 3000);
    CHECK_EQ(h->w->ctr[NET_CTR_partial_acks], 1);
    CHECK(t->flags & TCBF_RECOVERY);
    th_drain(h);
    /* full ACK: recovery over */
    th_seg(h, TCP_F_ACK, h->snd_nxt, recover, 65535, NULL, 0);
    CHECK(!(t->flags & TCBF_RECOVERY));
    CHECK_EQ(h->w->ctr[NET_CTR_recoveries_exited], 1);
    CHECK(t->cwnd <= t->ssthresh);
    CHECK_EQ(t->ssthresh, 5000);
    th_teardown(h);
}

/* RFC 3042: the first two duplicate ACKs each release one new segment. */
static void test_limited_transmit(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1000, 7);
    uint32_t base = h->iss + 1;
    th_app_send(h, big, 20000);
    CHECK_EQ(count_data(h, NULL, NULL), 10);
    th_seg(h, TCP_F_ACK, h->snd_nxt, base, 65535, NULL, 0);
    uint32_t first = 0;
    CHECK_EQ(count_data(h, &first, NULL), 1);
    CHECK_EQ(first, base + 10000);
    th_seg(h, TCP_F_ACK, h->snd_nxt, base, 65535, NULL, 0);
    CHECK_EQ(count_data(h, &first, NULL), 1);
    CHECK_EQ(first, base + 11000);
    /* a data segment or a window change is not a duplicate ACK */
    th_seg(h, TCP_F_ACK, h->snd_nxt, base, 600, NULL, 0);
    CHECK_EQ(h->w->ctr[NET_CTR_dup_acks_in], 2);
    th_teardown(h);
}

/* Sender SWS: a window of 300 bytes with 5000 queued sends nothing tiny
 * (max window seen was 65535); the persist timer takes over. */
static void test_sender_sws_and_persist(void)
{
    struct th *h = th_setup();
    struct tcb *t = th_establish(h, 65535, 1000, -1);
    uint32_t base = h->iss + 1;
    th_app_send(h, big, 1000);
    th_drain(h);
    /* ack with a small window */
    th_seg(h, TCP_F_ACK, h->snd_nxt, base + 1000, 300, NULL, 0);
    th_app_send(h, big, 5000);
    CHECK_EQ(count_data(h, NULL, NULL), 0);
    CHECK(t->flags & TCBF_PERSIST);
    /* zero window: persist probes of one byte, backing off */
    th_seg(h, TCP_F_ACK, h->snd_nxt, base + 1000, 0, NULL, 0);
    th_advance(h, TCP_PERSIST_MIN_US + 300000);
    struct th_pkt p;
    unsigned probes = 0;
    while (th_next(h, &p))
        if (p.len == 1) probes++;
    CHECK(probes >= 1);
    CHECK(h->w->ctr[NET_CTR_persist_probes] >= 1);
    /* the peer answers probes with window 0 forever: the connection stays */
    for (int i = 0; i < 30; i++) {
        th_seg(h, TCP_F_ACK, h->snd_nxt, base + 1000, 0, NULL, 0);
        th_advance(h, 5000000);
        th_drain(h);
    }
    CHECK(th_tcb(h) != NULL);
    CHECK_EQ(h->closes, 0);
    /* window opens: data flows */
    th_seg(h, TCP_F_ACK, h->snd_nxt, t->snd_una, 65535, NULL, 0);
    CHECK(count_data(h, NULL, NULL) >= 4);
    CHECK(!(t->flags & TCBF_PERSIST));
    th_teardown(h);
}

/* A peer whose window stays closed keeps sending requests (a client that
 * pipelines while a big reply waits for it to read): our ACK of its data
 * must carry SEQ = SND.UNA, its RCV.NXT. After a probe byte it did not take,
 * SEQ = SND.UNA+1 is outside its zero window: it dropped every such ACK and
 * retransmitted the request forever, which the server had long executed. */
static void test_zero_window_peer_sees_our_acks(void)
{
    struct th *h = th_setup();
    struct tcb *t = th_establish(h, 65535, 1460, -1);
    uint32_t una = h->iss + 1 + 2920;
    th_app_send(h, big, 2920);
    th_drain(h);
    th_seg(h, TCP_F_ACK, h->snd_nxt, una, 0, NULL, 0); /* all taken, window closed */
    th_app_send(h, big, 2000);
    CHECK(t->flags & TCBF_PERSIST);
    th_advance(h, TCP_PERSIST_MIN_US + 300000);
    struct th_pkt p;
    unsigned probes = 0;
    while (th_next(h, &p))
        if (p.len == 1 && p.seq == una) probes++;
    CHECK_EQ(probes, 1);
    /* the probe is answered: nothing taken, the window still closed */
    th_seg(h, TCP_F_ACK, h->snd_nxt, una, 0, NULL, 0);
    th_drain(h);
    uint32_t req = h->snd_nxt;
    th_seg(h, TCP_F_ACK | TCP_F_PSH, req, una, 0, "PING\r\n", 6);
    th_advance(h, 300000); /* past the delayed ACK */
    unsigned acks = 0;
    while (th_next(h, &p)) {
        if (p.len != 0 || p.ack != req + 6) continue;
        CHECK_EQ(p.seq, una);
        acks++;
    }
    CHECK(acks >= 1);
    CHECK(h->rxlen >= 6 && memcmp(h->rx + h->rxlen - 6, "PING\r\n", 6) == 0);
    th_teardown(h);
}

/* Send buffer full: send() accepts part, then -EAGAIN; on_writable once
 * ACKs free space. */
static void test_writable(void)
{
    struct th *h = th_setup();
    h->nif.sndbuf_max = 16384;
    th_establish(h, 65535, 1460, 7);
    struct iovec iov = {big, 20000};
    CHECK_EQ(h->conn->ops->send(h->conn, &iov, 1), 16384);
    CHECK_EQ(h->conn->ops->send(h->conn, &iov, 1), -EAGAIN);
    h->conn->ops->want_write(h->conn, true);
    net_flush(h->w);
    th_drain(h);
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1 + 14600, 65535, NULL, 0);
    CHECK_EQ(h->writables, 1);
    CHECK_EQ(h->conn->ops->send(h->conn, &iov, 1), 14600);
    th_teardown(h);
}

int main(void)
{
    test_initial_window();
    test_rtt_estimator();
    test_rto_backoff_abort();
    test_newreno();
    test_limited_transmit();
    test_sender_sws_and_persist();
    test_zero_window_peer_sees_our_acks();
    test_writable();
    if (th_failures) {
        fprintf(stderr, "test_tcp_send: %d failures\n", th_failures);
        return 1;
    }
    printf("test_tcp_send: ok\n");
    return 0;
}
