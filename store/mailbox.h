/* mailbox.h — a thread's inbox for cross-thread events.
 *
 * Every worker owns one mailbox (and the control thread may own one): a
 * bounded lock-free ring (many producers, one consumer) with a
 * mutex-protected FIFO overflow list, so that posting never fails and never
 * waits for the consumer (a producer may hold shard locks the consumer is
 * waiting for). Posting calls the mailbox's wake function (the transport's
 * wake-up for a worker sleeping in its poll). The owner drains its mailbox
 * once per loop iteration.
 *
 * Order: messages from one producer thread are handled in the order it
 * posted them, also across an overflow: once the overflow list holds
 * anything, every post goes to the list (not back to the ring) until the
 * owner has taken it, and the owner reads the ring before the list (the
 * ring then holds only messages posted before the list's first one).
 * Pub/sub delivery and keyspace notifications rely on this.
 *
 * Kinds are registered in a table (mail_kind_register) by the module that
 * handles them, at start-up, instead of growing a switch here. A message is
 * malloc'd by its producer; the drain frees it (and m->buf) after the
 * handler ran, unless the handler took ownership by setting them NULL.
 *
 * store/ holds the mailbox so that every layer above it (app/ and control/)
 * can post; it depends on nothing but C11 atomics and pthreads.
 */
#ifndef SS_MAILBOX_H
#define SS_MAILBOX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define MAILBOX_SLOTS  16384 /* ring size (a power of two); beyond it: overflow */
#define MAIL_KINDS_MAX 32

struct mail {
    struct mail *next; /* overflow list */
    uint32_t kind;     /* from mail_kind_register() */
    uint32_t arg;
    uint64_t id;  /* a client id, when the kind names one */
    uint64_t seq; /* the write-log unit a reply carried here depends on (0: none) */
    void *ptr;
    char *buf; /* malloc'd payload, freed with the mail unless taken */
    size_t len;
};

/* Handler of one kind, on the owning thread; `owner` is what the owner
 * passes to mailbox_drain() (the worker). */
typedef void (*mail_fn)(void *owner, struct mail *m);

/* Register a kind (start-up, before any post); returns its id. The name is
 * for diagnostics. Aborts past MAIL_KINDS_MAX (a programming error). */
uint32_t mail_kind_register(const char *name, mail_fn fn);

struct mbox_slot {
    _Atomic uint64_t seq;
    struct mail *m;
};

struct mailbox {
    struct mbox_slot *slots;            /* MAILBOX_SLOTS */
    _Alignas(64) _Atomic uint64_t head; /* producers claim here */
    _Alignas(64) uint64_t tail;         /* the consumer's */
    _Alignas(64) pthread_mutex_t over_lock;
    struct mail *over_head, *over_tail; /* FIFO */
    atomic_uint nover;
    _Atomic uint64_t posted, overflowed; /* counters */
    void (*wake)(void *arg);
    void *wake_arg;
};

/* 0 or -ENOMEM. wake (may be NULL) is called after every post. */
int mailbox_init(struct mailbox *mb, void (*wake)(void *), void *wake_arg);
/* Frees what is still queued (unhandled). */
void mailbox_destroy(struct mailbox *mb);
/* From any thread: queue m and wake the owner. Never fails, never waits
 * for the consumer. */
void mailbox_post(struct mailbox *mb, struct mail *m);
/* On the owning thread: handle every queued message in order. Returns the
 * count. */
unsigned mailbox_drain(struct mailbox *mb, void *owner);

#endif
