/* mailbox.c — per-thread MPSC inboxes (see mailbox.h).
 *
 * The ring is the classic bounded queue with a sequence number per slot:
 * slot i is free for the producer that claims position p (p % SLOTS == i)
 * when slot.seq == p, and full for the consumer at position p when
 * slot.seq == p + 1. A producer claims a position with a compare-and-swap
 * on head only after seeing its slot free, so a full ring makes post fail
 * at once (to the overflow list) instead of waiting. */
#include "mailbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static struct {
    const char *name;
    mail_fn fn;
} kinds[MAIL_KINDS_MAX];
static atomic_uint nkinds;

uint32_t mail_kind_register(const char *name, mail_fn fn)
{
    unsigned k = atomic_fetch_add(&nkinds, 1);
    if (k >= MAIL_KINDS_MAX) {
        fprintf(stderr, "mailbox: more than %d kinds (%s)\n", MAIL_KINDS_MAX, name);
        abort();
    }
    kinds[k].name = name;
    kinds[k].fn = fn;
    return k;
}

int mailbox_init(struct mailbox *mb, void (*wake)(void *), void *wake_arg)
{
    mb->slots = calloc(MAILBOX_SLOTS, sizeof(*mb->slots));
    if (!mb->slots) return -ENOMEM;
    for (uint64_t i = 0; i < MAILBOX_SLOTS; i++) atomic_init(&mb->slots[i].seq, i);
    atomic_init(&mb->head, 0);
    mb->tail = 0;
    pthread_mutex_init(&mb->over_lock, NULL);
    mb->over_head = mb->over_tail = NULL;
    atomic_init(&mb->nover, 0);
    atomic_init(&mb->posted, 0);
    atomic_init(&mb->overflowed, 0);
    mb->wake = wake;
    mb->wake_arg = wake_arg;
    return 0;
}

static void mail_free(struct mail *m)
{
    free(m->buf);
    free(m);
}

static struct mail *ring_take(struct mailbox *mb)
{
    struct mbox_slot *s = &mb->slots[mb->tail & (MAILBOX_SLOTS - 1)];
    if (atomic_load_explicit(&s->seq, memory_order_acquire) != mb->tail + 1) return NULL;
    struct mail *m = s->m;
    atomic_store_explicit(&s->seq, mb->tail + MAILBOX_SLOTS, memory_order_release);
    mb->tail++;
    return m;
}

void mailbox_destroy(struct mailbox *mb)
{
    if (!mb->slots) return;
    struct mail *m;
    while ((m = ring_take(mb)) != NULL) mail_free(m);
    for (m = mb->over_head; m;) {
        struct mail *n = m->next;
        mail_free(m);
        m = n;
    }
    mb->over_head = mb->over_tail = NULL;
    free(mb->slots);
    mb->slots = NULL;
}

static int ring_put(struct mailbox *mb, struct mail *m)
{
    uint64_t pos = atomic_load_explicit(&mb->head, memory_order_relaxed);
    for (;;) {
        struct mbox_slot *s = &mb->slots[pos & (MAILBOX_SLOTS - 1)];
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (seq == pos) {
            if (atomic_compare_exchange_weak_explicit(&mb->head, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed)) {
                s->m = m;
                atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
                return 0;
            }
            /* pos was reloaded by the failed CAS */
        } else if (seq < pos) {
            return -ENOBUFS; /* the slot still holds a message: full */
        } else {
            pos = atomic_load_explicit(&mb->head, memory_order_relaxed);
        }
    }
}

void mailbox_post(struct mailbox *mb, struct mail *m)
{
    m->next = NULL;
    atomic_fetch_add_explicit(&mb->posted, 1, memory_order_relaxed);
    /* the ring only while nothing waits in the overflow list (mailbox.h) */
    if (atomic_load_explicit(&mb->nover, memory_order_acquire) != 0 || ring_put(mb, m) != 0) {
        pthread_mutex_lock(&mb->over_lock);
        if (mb->over_tail)
            mb->over_tail->next = m;
        else
            mb->over_head = m;
        mb->over_tail = m;
        atomic_fetch_add_explicit(&mb->nover, 1, memory_order_release);
        pthread_mutex_unlock(&mb->over_lock);
        atomic_fetch_add_explicit(&mb->overflowed, 1, memory_order_relaxed);
    }
    if (mb->wake) mb->wake(mb->wake_arg);
}

static void handle(void *owner, struct mail *m)
{
    if (m->kind < atomic_load_explicit(&nkinds, memory_order_relaxed) && kinds[m->kind].fn)
        kinds[m->kind].fn(owner, m);
    mail_free(m);
}

unsigned mailbox_drain(struct mailbox *mb, void *owner)
{
    unsigned n = 0;
    struct mail *m;
    while ((m = ring_take(mb)) != NULL) {
        handle(owner, m);
        n++;
    }
    if (atomic_load_explicit(&mb->nover, memory_order_acquire) == 0) return n;
    /* The overflow list is newer than everything in the ring (posts go to
     * the list while it is not empty), but a slot claimed by a producer
     * that has not yet filled it stops ring_take(), and messages behind it
     * may be older than the list: take the list only once the ring is
     * caught up to every claim. Otherwise try again next iteration (the
     * claim is a few instructions from being filled). */
    if (mb->tail != atomic_load_explicit(&mb->head, memory_order_acquire)) return n;
    pthread_mutex_lock(&mb->over_lock);
    struct mail *list = mb->over_head;
    mb->over_head = mb->over_tail = NULL;
    atomic_store_explicit(&mb->nover, 0, memory_order_release);
    pthread_mutex_unlock(&mb->over_lock);
    while (list) {
        struct mail *next = list->next;
        handle(owner, list);
        list = next;
        n++;
    }
    return n;
}
