/* test_tcp_data.c — the receive side: in-order delivery, delayed ACKs and
 * "ACK every second full segment" (RFC 5681 §4.2), replies that piggyback
 * the ACK in the same iteration, out-of-order queueing with immediate
 * duplicate ACKs and a bound, Ethernet padding, receive windows (zero
 * window, probes, receiver SWS avoidance, window update after a read). */
#include <string.h>

#include "tcp_harness.h"

/* A request answered in the same poll iteration: one segment carries both
 * the reply and the ACK; no separate ACK, no delay. */
static void test_reply_piggybacks_ack(void)
{
    struct th *h = th_setup();
    h->echo = true;
    th_establish(h, 65535, 1460, 7);
    th_seg(h, TCP_F_ACK | TCP_F_PSH, h->snd_nxt, h->iss + 1, 512, "PING\r\n", 6);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.len, 6);
    CHECK_EQ(p.ack, h->snd_nxt + 6);
    CHECK(p.flags & TCP_F_PSH);
    CHECK(memcmp(p.data, "PING\r\n", 6) == 0);
    CHECK_EQ(th_pending(h), 0);
    th_advance(h, 300000);
    CHECK_EQ(th_pending(h), 0); /* no delayed ACK left behind */
    CHECK_EQ(h->w->ctr[NET_CTR_delayed_acks], 0);
    th_teardown(h);
}

/* No reply: the ACK waits for the delayed-ACK timer (40 ms). */
static void test_delayed_ack(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1, 512, "*1\r\n", 4);
    CHECK_EQ(th_pending(h), 0);
    th_advance(h, TCP_DELACK_US - 2000);
    CHECK_EQ(th_pending(h), 0);
    th_advance(h, 3000);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt + 4);
    CHECK_EQ(h->w->ctr[NET_CTR_delayed_acks], 1);
    th_teardown(h);
}

/* Two full-size segments: ACK at once. */
static void test_ack_every_second_segment(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    static uint8_t buf[1460];
    memset(buf, 'a', sizeof(buf));
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1, 512, buf, 1460);
    CHECK_EQ(th_pending(h), 0);
    th_seg(h, TCP_F_ACK, h->snd_nxt + 1460, h->iss + 1, 512, buf, 1460);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt + 2920);
    CHECK_EQ(h->rxlen, 2920);
    th_teardown(h);
}

/* Out of order: an immediate duplicate ACK per segment; the hole's filling
 * is ACKed at once and the whole run delivered in order. */
static void test_out_of_order(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    uint32_t s = h->snd_nxt;
    th_seg(h, TCP_F_ACK, s + 10, h->iss + 1, 512, "KLMNOPQRST", 10);
    th_seg(h, TCP_F_ACK, s + 25, h->iss + 1, 512, "ZZZZZ", 5);
    th_seg(h, TCP_F_ACK, s + 20, h->iss + 1, 512, "UVWXY", 5);
    struct th_pkt p;
    for (int i = 0; i < 3; i++) {
        CHECK(th_next(h, &p));
        CHECK_EQ(p.ack, s);
        CHECK_EQ(p.len, 0);
    }
    CHECK_EQ(h->rxlen, 0);
    CHECK_EQ(th_tcb(h)->nooo, 1); /* [10,30) merged */
    th_seg(h, TCP_F_ACK, s, h->iss + 1, 512, "ABCDEFGHIJ", 10);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, s + 30);
    CHECK_EQ(h->rxlen, 30);
    CHECK(memcmp(h->rx, "ABCDEFGHIJKLMNOPQRSTUVWXYZZZZZ", 30) == 0);
    CHECK_EQ(h->w->ctr[NET_CTR_dup_acks_out], 3);
    CHECK_EQ(h->w->ctr[NET_CTR_ooo_segs], 3);
    th_teardown(h);
}

/* Overlapping retransmissions and a FIN beyond a hole. */
static void test_ooo_overlap_and_fin(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    uint32_t s = h->snd_nxt;
    th_seg(h, TCP_F_ACK | TCP_F_FIN, s + 4, h->iss + 1, 512, "efgh", 4);
    th_seg(h, TCP_F_ACK, s + 2, h->iss + 1, 512, "cdef", 4);
    th_drain(h);
    th_seg(h, TCP_F_ACK, s, h->iss + 1, 512, "abc", 3);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, s + 9); /* 8 bytes + FIN */
    CHECK_EQ(h->rxlen, 8);
    CHECK(memcmp(h->rx, "abcdefgh", 8) == 0);
    CHECK(h->eof);
    CHECK_EQ(th_tcb(h)->state, TCP_CLOSE_WAIT);
    th_teardown(h);
}

/* The out-of-order queue is bounded (TCP_OOO_MAX intervals). */
static void test_ooo_bound(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    uint32_t s = h->snd_nxt;
    for (int i = 0; i < TCP_OOO_MAX + 4; i++)
        th_seg(h, TCP_F_ACK, s + 10 + 10 * (uint32_t)i, h->iss + 1, 512, "x", 1);
    CHECK_EQ(th_tcb(h)->nooo, TCP_OOO_MAX);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_ooo_full], 4);
    CHECK_EQ(th_pending(h), TCP_OOO_MAX + 4); /* still a dupack for each */
    th_teardown(h);
}

/* RFC 894 padding: a 1-byte segment in a 60-byte frame delivers 1 byte. */
static void test_ethernet_padding(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    struct rte_mbuf *m = th_build(h, TCP_F_ACK, h->snd_nxt, h->iss + 1, 512, NULL, 0, "A", 1);
    char *pad = rte_pktmbuf_append(m, 5);
    memset(pad, 0xee, 5);
    CHECK_EQ(m->pkt_len, 60);
    th_rx(h, m);
    CHECK_EQ(h->rxlen, 1);
    th_advance(h, 50000);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt + 1);
    th_teardown(h);
}

/* The application stops reading: the window closes, a zero-window probe is
 * answered with window 0 and no data taken; reading reopens the window with
 * an immediate update. */
static void test_zero_window_receive(void)
{
    struct th *h = th_setup();
    h->no_read = true;
    h->nif.rcvbuf_max = 8192;
    struct tcb *t = th_establish(h, 65535, 1000, -1);
    static uint8_t buf[1000];
    uint32_t s = h->snd_nxt;
    for (int i = 0; i < 9; i++)
        th_seg(h, TCP_F_ACK, s + 1000u * (uint32_t)i, h->iss + 1, 512, buf, 1000);
    CHECK_EQ(tcp_rcv_queued(t), 8192);
    CHECK_EQ(t->rcv_nxt, s + 8192);
    th_advance(h, 50000);
    struct th_pkt p;
    uint16_t lastwin = 1;
    uint32_t lastack = 0;
    while (th_next(h, &p)) {
        lastwin = p.win;
        lastack = p.ack;
    }
    CHECK_EQ(lastwin, 0);
    CHECK_EQ(lastack, s + 8192);
    /* probe: 1 byte at RCV.NXT into a zero window */
    th_seg(h, TCP_F_ACK, s + 8192, h->iss + 1, 512, "p", 1);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, s + 8192);
    CHECK_EQ(p.win, 0);
    CHECK_EQ(tcp_rcv_queued(t), 8192);
    /* read 4 KiB: window update sent at once */
    uint8_t out[4096];
    CHECK_EQ(h->conn->ops->recv(h->conn, out, sizeof(out)), 4096);
    net_flush(h->w);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.win, 4096);
    CHECK_EQ(h->w->ctr[NET_CTR_window_updates], 1);
    th_teardown(h);
}

/* Receiver SWS avoidance: reading a few bytes does not advertise a tiny
 * window increase. */
static void test_receiver_sws(void)
{
    struct th *h = th_setup();
    h->no_read = true;
    h->nif.rcvbuf_max = 8192;
    th_establish(h, 65535, 1000, -1);
    static uint8_t buf[1000];
    uint32_t s = h->snd_nxt;
    for (int i = 0; i < 9; i++)
        th_seg(h, TCP_F_ACK, s + 1000u * (uint32_t)i, h->iss + 1, 512, buf, 1000);
    th_advance(h, 50000);
    th_drain(h);
    uint8_t out[10];
    CHECK_EQ(h->conn->ops->recv(h->conn, out, sizeof(out)), 10);
    net_flush(h->w);
    CHECK_EQ(th_pending(h), 0);
    th_teardown(h);
}

/* pause_read: no on_readable while paused; resumed delivery afterwards. */
static void test_pause_read(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    h->conn->ops->pause_read(h->conn, true);
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1, 512, "abc", 3);
    CHECK_EQ(h->readables, 0);
    h->conn->ops->pause_read(h->conn, false);
    net_poll_end(h->w);
    CHECK_EQ(h->readables, 1);
    CHECK_EQ(h->rxlen, 3);
    th_teardown(h);
}

/* In-order segments stay in their mbufs: peek() shows the payload in place
 * (inside the received frame), consume() returns the mbuf to the pool, and
 * the window counts the held bytes. */
static void test_in_place_receive(void)
{
    struct th *h = th_setup();
    h->no_read = true;
    struct tcb *t = th_establish(h, 65535, 1460, 7);
    uint32_t s = h->snd_nxt;
    unsigned free0 = rte_mempool_avail_count(h->pool);
    th_seg(h, TCP_F_ACK, s, h->iss + 1, 512, "*1\r\n$4\r\nPING\r\n", 14);
    th_seg(h, TCP_F_ACK, s + 14, h->iss + 1, 512, "abc", 3);
    CHECK_EQ(h->w->ctr[NET_CTR_rx_in_place], 2);
    CHECK_EQ(h->w->ctr[NET_CTR_rx_buffered], 0);
    CHECK_EQ(t->rq_n, 2);
    CHECK_EQ(t->rcv.len, 0);
    CHECK_EQ(tcp_rcv_queued(t), 17);
    CHECK_EQ(rte_mempool_avail_count(h->pool), free0 - 2);
    CHECK_EQ(tcp_rcv_space(h->w, t), h->nif.rcvbuf_max - 17);
    size_t len = 0;
    const uint8_t *p = h->conn->ops->peek(h->conn, &len);
    CHECK(p != NULL);
    CHECK_EQ(len, 14);
    CHECK(p != NULL && memcmp(p, "*1\r\n$4\r\nPING\r\n", 14) == 0);
    /* the bytes are the frame's own: the mbuf holds them */
    const struct rte_mbuf *m = t->rq[t->rq_head].m;
    CHECK(p >= rte_pktmbuf_mtod(m, const uint8_t *) &&
          p + len <= rte_pktmbuf_mtod(m, const uint8_t *) + rte_pktmbuf_data_len(m));
    h->conn->ops->consume(h->conn, 8); /* part of a segment */
    p = h->conn->ops->peek(h->conn, &len);
    CHECK_EQ(len, 6);
    CHECK(p != NULL && memcmp(p, "PING\r\n", 6) == 0);
    CHECK_EQ(rte_mempool_avail_count(h->pool), free0 - 2);
    h->conn->ops->consume(h->conn, 7); /* crosses into the second segment */
    CHECK_EQ(rte_mempool_avail_count(h->pool), free0 - 1);
    p = h->conn->ops->peek(h->conn, &len);
    CHECK_EQ(len, 2);
    CHECK(p != NULL && memcmp(p, "bc", 2) == 0);
    uint8_t out[8];
    CHECK_EQ(h->conn->ops->recv(h->conn, out, sizeof(out)), 2);
    CHECK(memcmp(out, "bc", 2) == 0);
    CHECK_EQ(rte_mempool_avail_count(h->pool), free0);
    CHECK(h->conn->ops->peek(h->conn, &len) == NULL);
    CHECK_EQ(len, 0);
    CHECK_EQ(h->conn->ops->recv(h->conn, out, sizeof(out)), -EAGAIN);
    th_teardown(h);
}

/* Past TCP_RQ_MAX held segments (the application not reading), the held
 * bytes move into the buffer, in order, and so does everything after. */
static void test_in_place_limit_spills(void)
{
    struct th *h = th_setup();
    h->no_read = true;
    struct tcb *t = th_establish(h, 65535, 1460, 7);
    uint32_t s = h->snd_nxt;
    unsigned free0 = rte_mempool_avail_count(h->pool);
    char seg[2] = "a";
    for (int i = 0; i < TCP_RQ_MAX + 2; i++) {
        seg[0] = (char)('a' + i);
        th_seg(h, TCP_F_ACK, s + (uint32_t)i, h->iss + 1, 512, seg, 1);
    }
    CHECK_EQ(h->w->ctr[NET_CTR_rx_in_place], TCP_RQ_MAX);
    CHECK_EQ(h->w->ctr[NET_CTR_rx_buffered], 2);
    CHECK_EQ(t->rq_n, 0);
    CHECK_EQ(t->rcv.len, TCP_RQ_MAX + 2);
    CHECK_EQ(rte_mempool_avail_count(h->pool), free0);
    uint8_t out[16];
    CHECK_EQ(h->conn->ops->recv(h->conn, out, sizeof(out)), TCP_RQ_MAX + 2);
    CHECK(memcmp(out, "abcdef", TCP_RQ_MAX + 2) == 0);
    /* with the buffer empty again, the next segment is held again */
    th_seg(h, TCP_F_ACK, s + TCP_RQ_MAX + 2, h->iss + 1, 512, "z", 1);
    CHECK_EQ(t->rq_n, 1);
    th_teardown(h);
}

/* A hole behind held segments: they move into the buffer first, the
 * out-of-order bytes land at their offset, and the filled hole delivers all
 * in order. */
static void test_in_place_then_out_of_order(void)
{
    struct th *h = th_setup();
    h->no_read = true;
    struct tcb *t = th_establish(h, 65535, 1460, 7);
    uint32_t s = h->snd_nxt;
    th_seg(h, TCP_F_ACK, s, h->iss + 1, 512, "ABCDE", 5);
    CHECK_EQ(t->rq_n, 1);
    th_seg(h, TCP_F_ACK, s + 10, h->iss + 1, 512, "KLMNO", 5);
    CHECK_EQ(t->rq_n, 0);
    CHECK_EQ(t->nooo, 1);
    th_seg(h, TCP_F_ACK, s + 5, h->iss + 1, 512, "FGHIJ", 5);
    CHECK_EQ(t->nooo, 0);
    CHECK_EQ(tcp_rcv_queued(t), 15);
    uint8_t out[32];
    CHECK_EQ(h->conn->ops->recv(h->conn, out, sizeof(out)), 15);
    CHECK(memcmp(out, "ABCDEFGHIJKLMNO", 15) == 0);
    th_teardown(h);
}

/* A connection that ends with segments still held (reset by the peer,
 * closed by the application) returns their mbufs: th_teardown checks. */
static void test_in_place_freed_with_tcb(void)
{
    struct th *h = th_setup();
    h->no_read = true;
    struct tcb *t = th_establish(h, 65535, 1460, 7);
    uint32_t s = h->snd_nxt;
    th_seg(h, TCP_F_ACK, s, h->iss + 1, 512, "abc", 3);
    th_seg(h, TCP_F_ACK, s + 3, h->iss + 1, 512, "def", 3);
    CHECK_EQ(t->rq_n, 2);
    CHECK_EQ(h->w->tcp->rq_held, 2);
    th_seg(h, TCP_F_RST, s + 6, 0, 0, NULL, 0);
    CHECK_EQ(h->w->tcp->rq_held, 0);
    th_teardown(h);

    h = th_setup();
    h->no_read = true;
    t = th_establish(h, 65535, 1460, 7);
    s = h->snd_nxt;
    th_seg(h, TCP_F_ACK, s, h->iss + 1, 512, "abc", 3);
    CHECK_EQ(t->rq_n, 1);
    h->conn->ops->close(h->conn); /* unread data: abort (RST) */
    net_flush(h->w);
    CHECK_EQ(h->w->tcp->rq_held, 0);
    th_teardown(h);
}

int main(void)
{
    test_reply_piggybacks_ack();
    test_delayed_ack();
    test_ack_every_second_segment();
    test_out_of_order();
    test_ooo_overlap_and_fin();
    test_ooo_bound();
    test_ethernet_padding();
    test_zero_window_receive();
    test_receiver_sws();
    test_pause_read();
    test_in_place_receive();
    test_in_place_limit_spills();
    test_in_place_then_out_of_order();
    test_in_place_freed_with_tcb();
    if (th_failures) {
        fprintf(stderr, "test_tcp_data: %d failures\n", th_failures);
        return 1;
    }
    printf("test_tcp_data: ok\n");
    return 0;
}
