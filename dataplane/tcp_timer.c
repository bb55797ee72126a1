/* tcp_timer.c — the per-worker timer wheel and every TCP timer.
 *
 * Each TCB holds its deadlines (retransmission, persist, delayed ACK,
 * keepalive, TIME-WAIT / FIN-WAIT-2) and sits in one wheel slot, the one of
 * its earliest deadline: arming, moving or cancelling is O(1) (a list
 * move). The wheel has TCP_WHEEL_SLOTS 1-ms slots; an entry more than one
 * revolution away is simply looked at once per revolution and put back.
 * Deadlines round up to the next millisecond, so a timer never fires early.
 */
#include <rte_common.h>

#include "net.h"

#include "tcp.h"

static uint64_t earliest(const struct tcb *t)
{
    uint64_t d[5] = {t->rexmt_at, t->persist_at, t->delack_at, t->keep_at, t->tw_at};
    uint64_t m = 0;
    for (unsigned i = 0; i < 5; i++)
        if (d[i] != 0 && (m == 0 || d[i] < m)) m = d[i];
    return m;
}

void tcp_timer_remove(struct net_worker *w, struct tcb *t)
{
    if (t->on_timer) {
        TAILQ_REMOVE(&w->tcp->wheel[t->timer_slot], t, timer_link);
        t->on_timer = 0;
    }
    t->timer_at = 0;
}

void tcp_timer_update(struct net_worker *w, struct tcb *t)
{
    if (!t->in_use) return;
    uint64_t at = earliest(t);
    if (at == t->timer_at && (t->on_timer || at == 0)) return;
    tcp_timer_remove(w, t);
    if (at == 0) return;
    uint64_t ms = (at + 999) / 1000;
    if (ms <= w->tcp->wheel_ms) ms = w->tcp->wheel_ms + 1; /* already due: next tick */
    t->timer_at = at;
    t->timer_slot = (uint32_t)(ms % TCP_WHEEL_SLOTS);
    TAILQ_INSERT_TAIL(&w->tcp->wheel[t->timer_slot], t, timer_link);
    t->on_timer = 1;
}

uint64_t tcp_keepalive_idle_us(const struct net_worker *w)
{
    return (uint64_t)w->nif->keepalive_s * 1000000;
}

void tcp_arm_rexmt(struct net_worker *w, struct tcb *t)
{
    t->rexmt_at = w->now_us + t->rto;
    tcp_timer_update(w, t);
}

void tcp_enter_time_wait(struct net_worker *w, struct tcb *t)
{
    NET_INC(w, time_wait_entered);
    tcp_set_state(w, t, TCP_TIME_WAIT);
    t->rexmt_at = t->persist_at = t->delack_at = t->keep_at = 0;
    t->flags &= ~(uint32_t)(TCBF_DELACK | TCBF_PERSIST);
    t->tw_at = w->now_us + w->nif->time_wait_us;
    /* A TIME-WAIT TCB keeps only what it needs to re-ACK a FIN. */
    tcp_buf_free(&t->snd);
    tcp_buf_free(&t->rcv);
    tcp_rq_free(w, t);
    t->nooo = 0;
    tcp_timer_update(w, t);
}

/* RFC 6298 §5.4-5.7 (and the SYN-ACK retransmission of RFC 9293 §3.8.1). */
static void rexmt_timeout(struct net_worker *w, struct tcb *t)
{
    t->rexmt_at = 0;
    if (t->state == TCP_SYN_RECEIVED) {
        if (++t->retries > TCP_SYNACK_RETRIES) {
            tcp_tcb_free(w, t);
            return;
        }
        NET_INC(w, synack_retransmits);
        tcp_send_synack(w, t);
        t->rexmt_at = w->now_us + ((uint64_t)TCP_RTO_INIT_US << t->retries);
        tcp_timer_update(w, t);
        return;
    }
    if (t->snd_una == t->snd_max) return; /* nothing outstanding any more */
    if (++t->retries > TCP_MAX_RETRIES) {
        NET_INC(w, aborts);
        tcp_send_rst_tcb(w, t);
        tcp_tcb_drop(w, t);
        return;
    }
    NET_INC(w, rto_expired);
    uint32_t mss = t->snd_mss, flight = t->snd_max - t->snd_una;
    if (t->retries == 1) t->ssthresh = NET_MAX(flight / 2, 2 * mss); /* RFC 5681 (4) */
    t->cwnd = mss;                                                   /* loss window */
    t->bytes_acked = 0;
    t->dupacks = 0;
    if (t->flags & TCBF_RECOVERY) t->flags &= ~(uint32_t)TCBF_RECOVERY;
    t->recover = t->snd_max; /* RFC 6582 §3.2 step 5: no FR on old dupacks */
    t->flags &= ~(uint32_t)(TCBF_RTT_ACTIVE | TCBF_FIN_SENT); /* Karn; FIN goes again */
    t->snd_nxt = t->snd_una;                                  /* go back */
    uint64_t rto = (uint64_t)t->rto * 2;                      /* §5.5 back off */
    t->rto = (uint32_t)NET_MIN(rto, (uint64_t)TCP_RTO_MAX_US);
    tcp_output(w, t); /* retransmits snd_una and re-arms with the new RTO */
}

static void persist_timeout(struct net_worker *w, struct tcb *t)
{
    t->persist_at = 0;
    if (!(t->flags & TCBF_PERSIST)) return;
    if (++t->retries > TCP_MAX_RETRIES) {
        NET_INC(w, aborts);
        tcp_send_rst_tcb(w, t);
        tcp_tcb_drop(w, t);
        return;
    }
    NET_INC(w, persist_probes);
    t->flags |= TCBF_PROBE_1;
    t->snd_nxt = t->snd_una; /* the probe (re)sends the first unacked byte */
    t->flags &= ~(uint32_t)TCBF_FIN_SENT;
    if (t->pshift < 16) t->pshift++;
    uint64_t base = NET_MAX(t->rto, (uint32_t)TCP_PERSIST_MIN_US);
    t->persist_at = w->now_us + NET_MIN(base << t->pshift, (uint64_t)TCP_PERSIST_MAX_US);
    tcp_output(w, t);
    /* The probe byte is in flight now; the persist timer stays in charge
     * until the window opens (tcp_ack), so no RTO runs meanwhile. */
    if (t->flags & TCBF_PERSIST) {
        t->rexmt_at = 0;
        if (t->persist_at == 0) t->persist_at = w->now_us + base;
        tcp_timer_update(w, t);
    }
}

/* RFC 9293 §3.8.4 (RFC 1122 §4.2.3.6): after `idle` without a segment, send
 * <SEQ=SND.UNA-1><ACK=RCV.NXT> every idle/3 (Redis' interval), drop after
 * TCP_KEEPALIVE_PROBES unanswered. */
static void keepalive_timeout(struct net_worker *w, struct tcb *t)
{
    uint64_t idle = tcp_keepalive_idle_us(w);
    t->keep_at = 0;
    if (idle == 0 || (t->state != TCP_ESTABLISHED && t->state != TCP_CLOSE_WAIT)) return;
    uint64_t intvl = NET_MAX(idle / 3, (uint64_t)1000000);
    if (w->now_us - t->last_rcv_us < idle) {
        t->keep_at = t->last_rcv_us + idle;
        return;
    }
    if (t->snd_una != t->snd_max) { /* the RTO is in charge */
        t->keep_at = w->now_us + idle;
        return;
    }
    if (t->kprobes >= TCP_KEEPALIVE_PROBES) {
        NET_INC(w, keepalive_drops);
        NET_INC(w, aborts);
        tcp_send_rst_tcb(w, t);
        tcp_tcb_drop(w, t);
        return;
    }
    t->kprobes++;
    NET_INC(w, keepalive_probes);
    tcp_send_seg(w, t, t->snd_una - 1, 0, TCP_F_ACK);
    t->keep_at = w->now_us + intvl;
}

static void tcb_fire(struct net_worker *w, struct tcb *t)
{
    uint64_t now = w->now_us;
    if (t->tw_at && t->tw_at <= now) {
        if (t->state == TCP_FIN_WAIT_2) NET_INC(w, fin_wait2_timeouts);
        tcp_tcb_free(w, t); /* TIME-WAIT over, or FIN-WAIT-2 given up */
        return;
    }
    if (t->delack_at && t->delack_at <= now) {
        t->delack_at = 0;
        if (t->flags & TCBF_DELACK) {
            NET_INC(w, delayed_acks);
            tcp_send_ack(w, t);
        }
    }
    if (t->rexmt_at && t->rexmt_at <= now) {
        rexmt_timeout(w, t);
        if (!t->in_use) return;
    }
    if (t->persist_at && t->persist_at <= now) {
        persist_timeout(w, t);
        if (!t->in_use) return;
    }
    if (t->keep_at && t->keep_at <= now) {
        keepalive_timeout(w, t);
        if (!t->in_use) return;
    }
    tcp_timer_update(w, t);
}

void tcp_timers_run(struct net_worker *w)
{
    struct tcp_worker *tw = w->tcp;
    if (tw == NULL) return;
    uint64_t now_ms = w->now_us / 1000;
    if (now_ms <= tw->wheel_ms) return;
    if (now_ms - tw->wheel_ms > TCP_WHEEL_SLOTS) tw->wheel_ms = now_ms - TCP_WHEEL_SLOTS;
    while (tw->wheel_ms < now_ms) {
        tw->wheel_ms++;
        struct tcb_list *slot = &tw->wheel[tw->wheel_ms % TCP_WHEEL_SLOTS];
        struct tcb_list due;
        TAILQ_INIT(&due);
        TAILQ_CONCAT(&due, slot, timer_link);
        struct tcb *t;
        while ((t = TAILQ_FIRST(&due)) != NULL) {
            TAILQ_REMOVE(&due, t, timer_link);
            t->on_timer = 0;
            if (t->timer_at <= w->now_us) {
                t->timer_at = 0;
                tcb_fire(w, t);
            } else {
                /* later revolution: back into the same slot */
                TAILQ_INSERT_TAIL(slot, t, timer_link);
                t->on_timer = 1;
            }
        }
    }
}
