/* mailbox.h — a worker's inbox for cross-thread events.
 *
 * Every worker owns one mailbox: an rte_ring (many producers, one consumer)
 * of `struct mail *`, with a mutex-protected overflow list so that posting
 * never fails and never waits for the consumer (a producer may hold shard
 * locks the consumer is waiting for). Posting wakes the worker if it sleeps
 * in its transport's poll. The worker drains its mailbox once per loop
 * iteration, before it flushes replies, and dispatches each message by kind.
 *
 * Messages are malloc'd by the producer and freed by mailbox_drain() after
 * the handler ran; a handler takes ownership of `buf` by setting it NULL.
 * Kinds are a closed set, listed here; add yours with its handler in
 * mailbox.c's switch.
 */
#ifndef SS_MAILBOX_H
#define SS_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

struct worker;

enum mail_kind {
    MAIL_BLOCK_SERVED,  /* ptr: blk_client; buf/len: its reply (app/block.c) */
    MAIL_BLOCK_UNBLOCK, /* ptr: blk_client; arg: BLOCK_UNBLOCK_TIMEOUT/ERROR */
};

struct mail {
    struct mail *next; /* overflow list */
    uint32_t kind;     /* enum mail_kind */
    uint32_t arg;
    uint64_t id; /* a client id, when the kind names one */
    void *ptr;
    char *buf; /* malloc'd payload, freed with the mail unless taken */
    size_t len;
};

/* Set up w's mailbox (on any thread, before anybody posts). 0 or -errno. */
int mailbox_init(struct worker *w);
void mailbox_destroy(struct worker *w);
/* From any thread: queue m for worker `wid` and wake it. Never fails. */
void mailbox_post(unsigned wid, struct mail *m);
/* On the owning worker: handle every queued message. Returns the count. */
unsigned mailbox_drain(struct worker *w);

#endif
