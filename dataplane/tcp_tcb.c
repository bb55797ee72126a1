/* tcp_tcb.c — TCB life cycle, the per-worker flow table, byte buffers and the
 * conn_ops the application calls.
 *
 * Flow table: one rte_hash per worker (single reader/writer, no locks),
 * 16-byte key (struct tcp_key), CRC32 hash with a random seed, extendable
 * buckets so an insert below capacity never fails. TCBs come from a fixed
 * per-worker array with a free list; when it is empty the oldest TIME-WAIT
 * TCB is recycled (the server side can always do that safely: the tuple's
 * next SYN is handled like a TIME-WAIT reuse anyway).
 *
 * Ownership rule: a TCB is freed only from the stack's own paths (input,
 * timers, flush), never from inside an application callback; conn->close()
 * just marks the TCB, so a callback can never pull the TCB out from under the
 * code that called it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_random.h>

#include "tcp.h"

static const char *const tcp_state_names[TCP_STATE__COUNT] = {
#define TCP_STATE_NAME(s) #s,
    TCP_STATES(TCP_STATE_NAME)
#undef TCP_STATE_NAME
};

const char *tcp_state_name(int state)
{
    return state >= 0 && state < TCP_STATE__COUNT ? tcp_state_names[state] : "?";
}

int tcp_worker_init(struct net_worker *w)
{
    struct tcp_worker *tw = calloc(1, sizeof(*tw));
    if (tw == NULL) return -ENOMEM;
    uint32_t n = w->nif->tcbs_per_worker ? w->nif->tcbs_per_worker : 1024;
    tw->tcbs = calloc(n, sizeof(struct tcb));
    if (tw->tcbs == NULL) {
        free(tw);
        return -ENOMEM;
    }
    tw->ntcb = n;
    for (uint32_t i = n; i-- > 0;) {
        tw->tcbs[i].free_next = tw->free_list;
        tw->free_list = &tw->tcbs[i];
    }
    char name[RTE_HASH_NAMESIZE];
    static unsigned seq;
    snprintf(name, sizeof(name), "tcpf%u_%u", w->id, __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
    struct rte_hash_parameters hp = {
        .name = name,
        .entries = n < 64 ? 64 : n,
        .key_len = sizeof(struct tcp_key),
        .hash_func = rte_hash_crc,
        .hash_func_init_val = (uint32_t)rte_rand(),
        .socket_id = (int)rte_socket_id(),
        .extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
    };
    tw->flows = rte_hash_create(&hp);
    if (tw->flows == NULL) {
        free(tw->tcbs);
        free(tw);
        return -ENOMEM;
    }
    TAILQ_INIT(&tw->out_list);
    TAILQ_INIT(&tw->rd_list);
    TAILQ_INIT(&tw->tw_list);
    for (unsigned i = 0; i < TCP_WHEEL_SLOTS; i++) TAILQ_INIT(&tw->wheel[i]);
    tw->wheel_ms = w->now_us / 1000;
    w->tcp = tw;
    return 0;
}

void tcp_worker_fini(struct net_worker *w)
{
    struct tcp_worker *tw = w->tcp;
    if (tw == NULL) return;
    for (uint32_t i = 0; i < tw->ntcb; i++)
        if (tw->tcbs[i].in_use) tcp_tcb_drop(w, &tw->tcbs[i]);
    rte_hash_free(tw->flows);
    free(tw->tcbs);
    free(tw);
    w->tcp = NULL;
}

/* The server is stopping and its port with it, so no close can complete.
 * Tell every peer now, as a kernel-socket server's exit would: a FIN where
 * everything we sent was acknowledged (the client reads EOF), a RST where
 * data would be lost or a handshake or close is half done. TIME-WAIT TCBs
 * owe nothing. The segments are queued; the caller flushes. */
void tcp_worker_shutdown(struct net_worker *w)
{
    struct tcp_worker *tw = w->tcp;
    if (tw == NULL) return;
    for (uint32_t i = 0; i < tw->ntcb; i++) {
        struct tcb *t = &tw->tcbs[i];
        if (!t->in_use || t->state == TCP_TIME_WAIT || t->state == TCP_CLOSED) continue;
        bool clean = (t->state == TCP_ESTABLISHED || t->state == TCP_CLOSE_WAIT) &&
                     t->snd.len == 0 && t->snd_una == t->snd_max;
        if (clean)
            tcp_send_seg(w, t, t->snd_max, 0, TCP_F_FIN | TCP_F_ACK);
        else
            tcp_send_rst_tcb(w, t);
    }
}

struct tcb *tcp_lookup(struct net_worker *w, const struct tcp_key *k)
{
    void *data;
    if (rte_hash_lookup_data(w->tcp->flows, k, &data) < 0) return NULL;
    return data;
}

void tcp_set_state(struct net_worker *w, struct tcb *t, int state)
{
    struct tcp_worker *tw = w->tcp;
    if (t->state == state) return;
    if (t->state == TCP_SYN_RECEIVED) tw->nsynrcvd--;
    if (t->state == TCP_ESTABLISHED || t->state == TCP_CLOSE_WAIT) tw->nestab--;
    if (t->state == TCP_TIME_WAIT) tw->ntimewait--;
    if (t->on_tw) {
        TAILQ_REMOVE(&tw->tw_list, t, tw_link);
        t->on_tw = 0;
    }
    t->state = (uint8_t)state;
    if (state == TCP_SYN_RECEIVED) tw->nsynrcvd++;
    if (state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT) tw->nestab++;
    if (state == TCP_TIME_WAIT) {
        tw->ntimewait++;
        TAILQ_INSERT_TAIL(&tw->tw_list, t, tw_link);
        t->on_tw = 1;
    }
}

struct tcb *tcp_tcb_new(struct net_worker *w, const struct tcp_key *k)
{
    struct tcp_worker *tw = w->tcp;
    if (tw->free_list == NULL && !TAILQ_EMPTY(&tw->tw_list)) {
        NET_INC(w, time_wait_recycled);
        tcp_tcb_free(w, TAILQ_FIRST(&tw->tw_list));
    }
    struct tcb *t = tw->free_list;
    if (t == NULL) return NULL;
    if (rte_hash_add_key_data(tw->flows, k, t) < 0) return NULL;
    tw->free_list = t->free_next;
    memset(t, 0, sizeof(*t));
    t->in_use = 1;
    t->w = w;
    t->key = *k;
    t->conn.ops = &tcp_conn_ops;
    t->conn.fd = -1;
    t->conn.kind = CONN_DPDK;
    uint32_t ra = rte_be_to_cpu_32(k->raddr), la = rte_be_to_cpu_32(k->laddr);
    snprintf(t->conn.peer, sizeof(t->conn.peer), "%u.%u.%u.%u:%u", ra >> 24, (ra >> 16) & 255,
             (ra >> 8) & 255, ra & 255, rte_be_to_cpu_16(k->rport));
    snprintf(t->conn.local, sizeof(t->conn.local), "%u.%u.%u.%u:%u", la >> 24, (la >> 16) & 255,
             (la >> 8) & 255, la & 255, rte_be_to_cpu_16(k->lport));
    t->rto = TCP_RTO_INIT_US;
    tw->nused++;
    return t;
}

void tcp_tcb_free(struct net_worker *w, struct tcb *t)
{
    struct tcp_worker *tw = w->tcp;
    if (!t->in_use) return;
    rte_hash_del_key(tw->flows, &t->key);
    tcp_set_state(w, t, TCP_CLOSED);
    tcp_timer_remove(w, t);
    if (t->on_out) TAILQ_REMOVE(&tw->out_list, t, out_link);
    if (t->on_rd) TAILQ_REMOVE(&tw->rd_list, t, rd_link);
    tcp_buf_free(&t->snd);
    tcp_buf_free(&t->rcv);
    tcp_rq_free(w, t);
    t->in_use = 0;
    t->on_out = t->on_rd = 0;
    t->free_next = tw->free_list;
    tw->free_list = t;
    tw->nused--;
}

void tcp_tcb_drop(struct net_worker *w, struct tcb *t)
{
    if ((t->flags & TCBF_ACCEPTED) && !(t->flags & TCBF_APP_CLOSED)) {
        t->flags |= TCBF_APP_CLOSED;
        if (w->h != NULL && w->h->on_close != NULL) w->h->on_close(t->conn.session);
    }
    tcp_tcb_free(w, t);
}

void tcp_mark_output(struct net_worker *w, struct tcb *t)
{
    if (!t->on_out) {
        TAILQ_INSERT_TAIL(&w->tcp->out_list, t, out_link);
        t->on_out = 1;
    }
}

void tcp_mark_event(struct net_worker *w, struct tcb *t, bool rd, bool wr)
{
    if (!(t->flags & TCBF_ACCEPTED) || (t->flags & TCBF_APP_CLOSED)) return;
    if (rd) t->ev_read = 1;
    if (wr) t->ev_write = 1;
    if (!t->on_rd) {
        TAILQ_INSERT_TAIL(&w->tcp->rd_list, t, rd_link);
        t->on_rd = 1;
    }
}

/* Readable/writable callbacks, once per TCB per poll iteration, after the
 * whole burst went through the stack (so a pipelined request spread over
 * several segments of the burst is parsed in one go). */
void tcp_deliver_events(struct net_worker *w)
{
    struct tcp_worker *tw = w->tcp;
    const struct conn_handler *h = w->h;
    struct tcb *t;
    if (tw == NULL) return;
    unsigned budget = tw->ntcb; /* bounded: callbacks may re-queue */
    while ((t = TAILQ_FIRST(&tw->rd_list)) != NULL && budget-- > 0) {
        TAILQ_REMOVE(&tw->rd_list, t, rd_link);
        t->on_rd = 0;
        bool rd = t->ev_read, wr = t->ev_write;
        t->ev_read = t->ev_write = 0;
        if (h == NULL || (t->flags & TCBF_APP_CLOSED)) continue;
        if (rd && !(t->flags & TCBF_PAUSED) &&
            (tcp_rcv_queued(t) > 0 || (t->flags & TCBF_FIN_RCVD)))
            h->on_readable(t->conn.session);
        if (wr && (t->flags & (TCBF_WANT_WRITE | TCBF_APP_CLOSED)) == TCBF_WANT_WRITE &&
            h->on_writable != NULL)
            h->on_writable(t->conn.session);
    }
}

/* ---- byte buffers ------------------------------------------------------ */

uint32_t tcp_buf_space(const struct tcp_buf *b, uint32_t max)
{
    return b->len >= max ? 0 : max - b->len;
}

int tcp_buf_reserve(struct tcp_buf *b, uint32_t need, uint32_t max)
{
    if (need <= b->cap) return 0;
    if (need > max) return -ENOBUFS;
    uint32_t cap = b->cap ? b->cap : 4096;
    while (cap < need) cap *= 2;
    if (cap > max) cap = max;
    uint8_t *d = malloc(cap);
    if (d == NULL) return -ENOMEM;
    if (b->cap) {
        /* Keep logical offsets: copy the whole old ring from head. */
        uint32_t first = b->cap - b->head;
        memcpy(d, b->data + b->head, first);
        memcpy(d + first, b->data, b->head);
    }
    free(b->data);
    b->data = d;
    b->cap = cap;
    b->head = 0;
    return 0;
}

void tcp_buf_write_at(struct tcp_buf *b, uint32_t off, const uint8_t *src, uint32_t len)
{
    uint32_t pos = (b->head + off) % b->cap;
    uint32_t n = NET_MIN(len, b->cap - pos);
    memcpy(b->data + pos, src, n);
    if (len > n) memcpy(b->data, src + n, len - n);
}

void tcp_buf_read_at(const struct tcp_buf *b, uint32_t off, uint8_t *dst, uint32_t len)
{
    uint32_t pos = (b->head + off) % b->cap;
    uint32_t n = NET_MIN(len, b->cap - pos);
    memcpy(dst, b->data + pos, n);
    if (len > n) memcpy(dst + n, b->data, len - n);
}

void tcp_buf_consume(struct tcp_buf *b, uint32_t len)
{
    if (len == 0) return;
    b->head = (b->head + len) % b->cap;
    b->len -= len;
}

void tcp_buf_free(struct tcp_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* ---- conn_ops ---------------------------------------------------------- */

/* ---- held segments ----------------------------------------------------- */

bool tcp_rq_hold(struct net_worker *w, struct tcb *t, struct rte_mbuf *m, uint32_t off,
                 uint32_t len)
{
    if (t->rcv.len > 0 || t->nooo > 0 || t->rq_n == TCP_RQ_MAX || m->nb_segs != 1 ||
        w->tcp->rq_held >= TCP_RQ_WORKER_MAX || off + len > rte_pktmbuf_data_len(m))
        return false;
    rte_mbuf_refcnt_update(m, 1);
    struct tcp_rq *q = &t->rq[(t->rq_head + t->rq_n) % TCP_RQ_MAX];
    q->m = m;
    q->p = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
    q->len = len;
    t->rq_n++;
    t->rq_bytes += len;
    w->tcp->rq_held++;
    return true;
}

/* Release the first n unread bytes of the held segments. */
static void rq_consume(struct net_worker *w, struct tcb *t, uint32_t n)
{
    while (n > 0 && t->rq_n > 0) {
        struct tcp_rq *q = &t->rq[t->rq_head];
        uint32_t k = NET_MIN(n, q->len);
        q->p += k;
        q->len -= k;
        t->rq_bytes -= k;
        n -= k;
        if (q->len == 0) {
            rte_pktmbuf_free(q->m);
            q->m = NULL;
            t->rq_head = (uint8_t)((t->rq_head + 1) % TCP_RQ_MAX);
            t->rq_n--;
            w->tcp->rq_held--;
        }
    }
}

int tcp_rq_spill(struct net_worker *w, struct tcb *t)
{
    if (t->rq_n == 0) return 0;
    int rc = tcp_buf_reserve(&t->rcv, t->rcv.len + t->rq_bytes, w->nif->rcvbuf_max);
    if (rc != 0) return rc;
    while (t->rq_n > 0) {
        struct tcp_rq *q = &t->rq[t->rq_head];
        uint32_t len = q->len;
        tcp_buf_write_at(&t->rcv, t->rcv.len, q->p, len);
        t->rcv.len += len;
        rq_consume(w, t, len);
    }
    return 0;
}

void tcp_rq_free(struct net_worker *w, struct tcb *t)
{
    rq_consume(w, t, t->rq_bytes);
    t->rq_head = 0;
}

/* ---- conn_ops ---------------------------------------------------------- */

/* The application read: RFC 9293 §3.8.6.2.2 / RFC 1122 §4.2.3.3 receiver
 * SWS avoidance. Send a window update only when the peer is (nearly)
 * blocked by the window it knows and the read reopened at least
 * min(rcvbuf/2, MSS); otherwise the next ACK carries the new window. */
static void rcv_read(struct net_worker *w, struct tcb *t)
{
    uint32_t after = tcp_rcv_space(w, t);
    uint32_t known = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
    uint32_t max = w->nif->rcvbuf_max;
    uint32_t thresh = NET_MIN(max / 2, (uint32_t)t->rcv_mss);
    if (after > known && known < NET_MAX(2u * t->rcv_mss, max / 8) && after - known >= thresh &&
        t->state != TCP_SYN_RECEIVED) {
        t->flags |= TCBF_ACK_NOW;
        NET_INC(w, window_updates);
        tcp_mark_output(w, t);
    }
}

static const void *tcp_conn_peek(struct conn *c, size_t *len)
{
    struct tcb *t = (struct tcb *)c;
    if (t->rq_n > 0) {
        *len = t->rq[t->rq_head].len;
        return t->rq[t->rq_head].p;
    }
    if (t->rcv.len == 0) {
        *len = 0;
        return NULL;
    }
    /* buffered bytes: the contiguous run from the ring's head */
    *len = NET_MIN(t->rcv.len, t->rcv.cap - t->rcv.head);
    return t->rcv.data + t->rcv.head;
}

static void tcp_conn_consume(struct conn *c, size_t len)
{
    struct tcb *t = (struct tcb *)c;
    struct net_worker *w = t->w;
    uint32_t n = (uint32_t)NET_MIN(len, (size_t)tcp_rcv_queued(t));
    if (n == 0) return;
    if (t->rq_n > 0)
        rq_consume(w, t, n);
    else
        tcp_buf_consume(&t->rcv, n);
    rcv_read(w, t);
}

static ssize_t tcp_conn_recv(struct conn *c, void *buf, size_t len)
{
    struct tcb *t = (struct tcb *)c;
    struct net_worker *w = t->w;
    uint32_t queued = tcp_rcv_queued(t);
    if (queued == 0) {
        if (t->flags & TCBF_FIN_RCVD) return 0;
        return -EAGAIN;
    }
    uint32_t n = (uint32_t)NET_MIN(len, (size_t)queued);
    if (t->rq_n > 0) {
        uint8_t *dst = buf;
        for (uint32_t done = 0; done < n;) {
            const struct tcp_rq *q = &t->rq[t->rq_head];
            uint32_t k = NET_MIN(n - done, q->len);
            memcpy(dst + done, q->p, k);
            rq_consume(w, t, k);
            done += k;
        }
    } else {
        tcp_buf_read_at(&t->rcv, 0, buf, n);
        tcp_buf_consume(&t->rcv, n);
    }
    rcv_read(w, t);
    return n;
}

static ssize_t tcp_conn_send(struct conn *c, const struct iovec *iov, int iovcnt)
{
    struct tcb *t = (struct tcb *)c;
    struct net_worker *w = t->w;
    if ((t->flags & (TCBF_APP_CLOSED | TCBF_FIN_QUEUED)) ||
        (t->state != TCP_ESTABLISHED && t->state != TCP_CLOSE_WAIT))
        return -EPIPE;
    uint32_t max = w->nif->sndbuf_max;
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++) {
        uint32_t space = tcp_buf_space(&t->snd, max);
        if (space == 0) break;
        uint32_t n = (uint32_t)NET_MIN((size_t)space, iov[i].iov_len);
        if (tcp_buf_reserve(&t->snd, t->snd.len + n, max) != 0) break;
        tcp_buf_write_at(&t->snd, t->snd.len, iov[i].iov_base, n);
        t->snd.len += n;
        total += n;
        if (n < iov[i].iov_len) break;
    }
    if (total == 0) return -EAGAIN;
    tcp_mark_output(w, t);
    return (ssize_t)total;
}

static void tcp_conn_close(struct conn *c)
{
    struct tcb *t = (struct tcb *)c;
    struct net_worker *w = t->w;
    if (t->flags & TCBF_APP_CLOSED) return;
    t->flags |= TCBF_APP_CLOSED;
    t->conn.session = NULL;
    /* RFC 2525 §2.17 (and Linux): closing with unread data aborts. The RST
     * and the free happen at flush, outside the application's callback. */
    if (tcp_rcv_queued(t) > 0) {
        NET_INC(w, aborts);
        t->abort = 1;
        tcp_mark_output(w, t);
        return;
    }
    switch (t->state) {
    case TCP_ESTABLISHED:
        NET_INC(w, active_closes);
        tcp_set_state(w, t, TCP_FIN_WAIT_1);
        t->flags |= TCBF_FIN_QUEUED;
        break;
    case TCP_CLOSE_WAIT:
        tcp_set_state(w, t, TCP_LAST_ACK);
        t->flags |= TCBF_FIN_QUEUED;
        break;
    default: break;
    }
    tcp_mark_output(w, t);
}

static void tcp_conn_want_write(struct conn *c, bool on)
{
    struct tcb *t = (struct tcb *)c;
    if (on) {
        t->flags |= TCBF_WANT_WRITE;
        if (tcp_buf_space(&t->snd, t->w->nif->sndbuf_max) > 0) tcp_mark_event(t->w, t, false, true);
    } else {
        t->flags &= ~(uint32_t)TCBF_WANT_WRITE;
    }
}

static void tcp_conn_pause_read(struct conn *c, bool on)
{
    struct tcb *t = (struct tcb *)c;
    if (on) {
        t->flags |= TCBF_PAUSED;
    } else {
        t->flags &= ~(uint32_t)TCBF_PAUSED;
        if (tcp_rcv_queued(t) > 0 || (t->flags & TCBF_FIN_RCVD))
            tcp_mark_event(t->w, t, true, false);
    }
}

const struct conn_ops tcp_conn_ops = {
    .recv = tcp_conn_recv,
    .peek = tcp_conn_peek,
    .consume = tcp_conn_consume,
    .send = tcp_conn_send,
    .close = tcp_conn_close,
    .want_write = tcp_conn_want_write,
    .pause_read = tcp_conn_pause_read,
};
