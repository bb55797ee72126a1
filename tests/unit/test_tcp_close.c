/* test_tcp_close.c — connection teardown (RFC 9293 §3.6): half-close with
 * replies in CLOSE-WAIT, active close through FIN-WAIT and TIME-WAIT, the
 * FIN-WAIT-2 timeout, simultaneous close, a new SYN on a TIME-WAIT tuple
 * (RFC 6191), aborts (unread data, data after close), keepalive. */
#include <string.h>

#include "tcp_harness.h"

/* The client pipelines, then shuts down its side: the server still answers
 * from CLOSE-WAIT, then closes (LAST-ACK -> CLOSED). */
static void test_half_close(void)
{
    struct th *h = th_setup();
    h->echo = true;
    th_establish(h, 65535, 1460, 7);
    th_seg(h, TCP_F_ACK | TCP_F_PSH | TCP_F_FIN, h->snd_nxt, h->iss + 1, 512, "PING", 4);
    h->snd_nxt += 5;
    CHECK(h->eof);
    CHECK_EQ(th_tcb(h)->state, TCP_CLOSE_WAIT);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.len, 4); /* the reply, acking data and FIN */
    CHECK_EQ(p.ack, h->snd_nxt);
    th_app_send(h, "MORE", 4);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.len, 4);
    h->conn->ops->close(h->conn);
    net_flush(h->w);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_ACK | TCP_F_FIN);
    CHECK_EQ(th_tcb(h)->state, TCP_LAST_ACK);
    th_seg(h, TCP_F_ACK, h->snd_nxt, p.seq + 1, 512, NULL, 0);
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->closes, 0); /* the app closed; no on_close */
    th_expect_no_tcbs(h);
    th_teardown(h);
}

/* QUIT: the server closes first, FIN after the queued reply, TIME-WAIT for
 * 2*MSL re-ACKing a retransmitted FIN, then gone. */
static void test_active_close_time_wait(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    th_app_send(h, "+OK\r\n", 5);
    h->conn->ops->close(h->conn);
    net_flush(h->w);
    struct th_pkt p;
    bool fin = false;
    uint32_t fin_seq = 0;
    while (th_next(h, &p))
        if (p.flags & TCP_F_FIN) {
            fin = true;
            fin_seq = p.seq + p.len;
        }
    CHECK(fin);
    CHECK_EQ(fin_seq, h->iss + 1 + 5);
    struct tcb *t = th_tcb(h);
    CHECK_EQ(t->state, TCP_FIN_WAIT_1);
    th_seg(h, TCP_F_ACK, h->snd_nxt, fin_seq + 1, 512, NULL, 0);
    CHECK_EQ(t->state, TCP_FIN_WAIT_2);
    th_seg(h, TCP_F_ACK | TCP_F_FIN, h->snd_nxt, fin_seq + 1, 512, NULL, 0);
    CHECK_EQ(t->state, TCP_TIME_WAIT);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt + 1);
    /* retransmitted FIN is re-ACKed */
    th_seg(h, TCP_F_ACK | TCP_F_FIN, h->snd_nxt, fin_seq + 1, 512, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt + 1);
    CHECK_EQ(h->w->tcp->ntimewait, 1);
    th_advance(h, h->nif.time_wait_us - 1000000);
    CHECK(th_tcb(h) != NULL);
    th_advance(h, 2000000);
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->w->tcp->ntimewait, 0);
    th_expect_no_tcbs(h);
    th_teardown(h);
}

static void test_fin_wait2_timeout(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    h->conn->ops->close(h->conn);
    net_flush(h->w);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    th_seg(h, TCP_F_ACK, h->snd_nxt, p.seq + 1, 512, NULL, 0);
    CHECK_EQ(th_tcb(h)->state, TCP_FIN_WAIT_2);
    th_advance(h, h->nif.fin_wait2_us + 2000000);
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->w->ctr[NET_CTR_fin_wait2_timeouts], 1);
    th_teardown(h);
}

/* Both FINs cross: FIN-WAIT-1 -> CLOSING -> TIME-WAIT. */
static void test_simultaneous_close(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    h->conn->ops->close(h->conn);
    net_flush(h->w);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    uint32_t our_fin = p.seq;
    th_seg(h, TCP_F_ACK | TCP_F_FIN, h->snd_nxt, our_fin, 512, NULL, 0); /* acks not our FIN */
    CHECK_EQ(th_tcb(h)->state, TCP_CLOSING);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.ack, h->snd_nxt + 1);
    th_seg(h, TCP_F_ACK, h->snd_nxt + 1, our_fin + 1, 512, NULL, 0);
    CHECK_EQ(th_tcb(h)->state, TCP_TIME_WAIT);
    th_teardown(h);
}

/* A new SYN on a TIME-WAIT tuple with a higher ISN opens a new connection;
 * an old one gets the TIME-WAIT ACK. */
static void test_time_wait_reuse(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    h->conn->ops->close(h->conn);
    net_flush(h->w);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    th_seg(h, TCP_F_ACK | TCP_F_FIN, h->snd_nxt, p.seq + 1, 512, NULL, 0);
    CHECK_EQ(th_tcb(h)->state, TCP_TIME_WAIT);
    th_drain(h);
    uint32_t rcv_nxt = th_tcb(h)->rcv_nxt;
    th_seg(h, TCP_F_SYN, rcv_nxt - 10, 0, 65535, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_ACK);
    CHECK_EQ(th_tcb(h)->state, TCP_TIME_WAIT);
    th_seg(h, TCP_F_SYN, rcv_nxt + 100000, 0, 65535, NULL, 0);
    CHECK(th_next(h, &p));
    CHECK_EQ(p.flags, TCP_F_SYN | TCP_F_ACK);
    CHECK_EQ(p.ack, rcv_nxt + 100001);
    CHECK_EQ(th_tcb(h)->state, TCP_SYN_RECEIVED);
    CHECK_EQ(h->w->ctr[NET_CTR_time_wait_reused], 1);
    th_seg(h, TCP_F_ACK, rcv_nxt + 100001, p.seq + 1, 512, NULL, 0);
    CHECK_EQ(th_tcb(h)->state, TCP_ESTABLISHED);
    CHECK_EQ(h->accepts, 2);
    th_teardown(h);
}

/* Closing with unread data, or data arriving after close: RST (Linux). */
static void test_abort_paths(void)
{
    struct th *h = th_setup();
    h->no_read = true;
    th_establish(h, 65535, 1460, 7);
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1, 512, "unread", 6);
    h->conn->ops->close(h->conn);
    net_flush(h->w);
    struct th_pkt p;
    bool rst = false;
    while (th_next(h, &p))
        if (p.flags & TCP_F_RST) rst = true;
    CHECK(rst);
    CHECK(th_tcb(h) == NULL);
    h->no_read = false;
    h->peer_port++;
    th_establish(h, 65535, 1460, 7);
    h->conn->ops->close(h->conn);
    net_flush(h->w);
    th_drain(h);
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1, 512, "late", 4);
    CHECK(th_next(h, &p));
    CHECK(p.flags & TCP_F_RST);
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->w->ctr[NET_CTR_drop_tcp_after_close], 1);
    th_expect_no_tcbs(h);
    th_teardown(h);
}

/* tcp-keepalive: probes <SEQ=SND.UNA-1> after idle, every idle/3; an answer
 * resets the count; silence drops the connection. */
static void test_keepalive(void)
{
    struct th *h = th_setup();
    h->nif.keepalive_s = 30;
    th_establish(h, 65535, 1460, 7);
    th_advance(h, 29000000);
    CHECK_EQ(th_pending(h), 0);
    th_advance(h, 2000000);
    struct th_pkt p;
    CHECK(th_next(h, &p));
    CHECK_EQ(p.seq, h->iss);
    CHECK_EQ(p.len, 0);
    /* the peer answers */
    th_seg(h, TCP_F_ACK, h->snd_nxt, h->iss + 1, 512, NULL, 0);
    CHECK_EQ(th_tcb(h)->kprobes, 0);
    th_advance(h, 31000000);
    CHECK(th_next(h, &p));
    /* now silence: 3 probes 10 s apart, then RST and on_close */
    th_advance(h, 45000000);
    CHECK_EQ(h->closes, 1);
    CHECK(th_tcb(h) == NULL);
    CHECK_EQ(h->w->ctr[NET_CTR_keepalive_drops], 1);
    CHECK_EQ(h->w->ctr[NET_CTR_keepalive_probes], 4);
    th_teardown(h);
}

/* Worker stop: on_close for live connections, everything freed. */
static void test_worker_stop(void)
{
    struct th *h = th_setup();
    th_establish(h, 65535, 1460, 7);
    th_app_send(h, "pending", 7);
    th_drain(h);
    h->peer_port++;
    th_establish(h, 65535, 1460, 7);
    h->peer_port++;
    th_rx(h, th_build(h, TCP_F_SYN, 5, 0, 1000, NULL, 0, NULL, 0)); /* half-open */
    int closes = h->closes;
    th_teardown(h); /* asserts the mbuf pool is whole again */
    (void)closes;
}

/* Server stop: the peer of an idle connection gets a FIN (EOF, as when a
 * kernel-socket server exits); one with unacknowledged data, or a half-open
 * one, gets a RST; nothing is sent for TIME-WAIT. Regression: a stopping
 * data-plane server left its clients waiting on connections it had
 * forgotten (the integration suite's SIGTERM test over net_tap). */
static void test_worker_shutdown_tells_peers(void)
{
    struct th *h = th_setup();
    struct th_pkt p;
    struct tcb *idle = th_establish(h, 65535, 1460, 7);
    uint16_t idle_port = h->peer_port;
    uint32_t idle_seq = idle->snd_max;
    th_drain(h);
    h->peer_port++;
    th_establish(h, 65535, 1460, 7);
    th_app_send(h, "unacked", 7);
    th_drain(h);
    h->peer_port++;
    th_rx(h, th_build(h, TCP_F_SYN, 5, 0, 1000, NULL, 0, NULL, 0)); /* half-open */
    th_drain(h);
    tcp_worker_shutdown(h->w);
    net_flush(h->w);
    int fins = 0, rsts = 0;
    while (th_next(h, &p)) {
        if (p.flags == (TCP_F_FIN | TCP_F_ACK)) {
            fins++;
            CHECK_EQ(p.dport, idle_port);
            CHECK_EQ(p.seq, idle_seq);
        } else if (p.flags & TCP_F_RST) {
            rsts++;
            CHECK(p.dport != idle_port);
        }
    }
    CHECK_EQ(fins, 1);
    CHECK_EQ(rsts, 2);
    th_teardown(h);
}

int main(void)
{
    test_half_close();
    test_active_close_time_wait();
    test_fin_wait2_timeout();
    test_simultaneous_close();
    test_time_wait_reuse();
    test_abort_paths();
    test_keepalive();
    test_worker_stop();
    test_worker_shutdown_tells_peers();
    if (th_failures) {
        fprintf(stderr, "test_tcp_close: %d failures\n", th_failures);
        return 1;
    }
    printf("test_tcp_close: ok\n");
    return 0;
}
