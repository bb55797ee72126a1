/* mailbox.c — per-worker MPSC inboxes (see mailbox.h). */
#include <errno.h>
#include <stdlib.h>

#include <rte_ring.h>

#include "block.h"
#include "mailbox.h"
#include "server.h"
#include "worker.h"

#define MAILBOX_SLOTS 16384 /* ring size (power of two); beyond it: overflow */

int mailbox_init(struct worker *w)
{
    ssize_t sz = rte_ring_get_memsize(MAILBOX_SLOTS);
    if (sz < 0) return -EINVAL;
    struct rte_ring *r = aligned_alloc(64, ((size_t)sz + 63) & ~(size_t)63);
    if (!r) return -ENOMEM;
    if (rte_ring_init(r, "mbox", MAILBOX_SLOTS, RING_F_SC_DEQ) != 0) {
        free(r);
        return -EINVAL;
    }
    pthread_mutex_init(&w->mbox_lock, NULL);
    w->mbox_over = NULL;
    atomic_store(&w->mbox_nover, 0);
    w->mbox = r;
    return 0;
}

void mailbox_destroy(struct worker *w)
{
    if (!w->mbox) return;
    void *m;
    while (rte_ring_sc_dequeue(w->mbox, &m) == 0) {
        free(((struct mail *)m)->buf);
        free(m);
    }
    free(w->mbox);
    w->mbox = NULL;
}

void mailbox_post(unsigned wid, struct mail *m)
{
    struct worker *w = &srv.workers[wid];
    m->next = NULL;
    if (rte_ring_mp_enqueue(w->mbox, m) != 0) {
        pthread_mutex_lock(&w->mbox_lock);
        m->next = w->mbox_over;
        w->mbox_over = m;
        atomic_fetch_add(&w->mbox_nover, 1);
        pthread_mutex_unlock(&w->mbox_lock);
    }
    srv.tp->ops->wake(srv.tp, wid);
}

static void handle(struct worker *w, struct mail *m)
{
    switch (m->kind) {
    case MAIL_BLOCK_SERVED:
    case MAIL_BLOCK_UNBLOCK: block_on_mail(w, m); break;
    default: break;
    }
    free(m->buf);
    free(m);
}

unsigned mailbox_drain(struct worker *w)
{
    unsigned n = 0;
    void *batch[32];
    unsigned k;
    while ((k = rte_ring_sc_dequeue_burst(w->mbox, batch, 32, NULL)) > 0) {
        for (unsigned i = 0; i < k; i++) handle(w, batch[i]);
        n += k;
    }
    if (atomic_load_explicit(&w->mbox_nover, memory_order_relaxed)) {
        pthread_mutex_lock(&w->mbox_lock);
        struct mail *m = w->mbox_over;
        w->mbox_over = NULL;
        atomic_store(&w->mbox_nover, 0);
        pthread_mutex_unlock(&w->mbox_lock);
        /* the overflow list is LIFO: restore posting order */
        struct mail *rev = NULL;
        while (m) {
            struct mail *next = m->next;
            m->next = rev;
            rev = m;
            m = next;
        }
        for (; rev; n++) {
            struct mail *next = rev->next;
            handle(w, rev);
            rev = next;
        }
    }
    return n;
}
