/* test_mailbox.c — store/mailbox.c: every message arrives once, and each
 * producer's messages arrive in the order it posted them, also when the
 * ring overflows (the bug this guards: a post after an overflow went back
 * to the ring and overtook the overflowed messages). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "mailbox.h"

#define PRODUCERS    4
#define PER_PRODUCER 200000

static struct mailbox mb;
static uint32_t kind;
static uint64_t next_seq[PRODUCERS];
static uint64_t received, out_of_order;
static atomic_int wakes;

static void on_mail(void *owner, struct mail *m)
{
    (void)owner;
    unsigned p = m->arg;
    if (m->id != next_seq[p]) out_of_order++;
    next_seq[p] = m->id + 1;
    received++;
}

static void wake(void *arg)
{
    (void)arg;
    atomic_fetch_add_explicit(&wakes, 1, memory_order_relaxed);
}

static void *producer(void *arg)
{
    unsigned p = (unsigned)(uintptr_t)arg;
    for (uint64_t i = 0; i < PER_PRODUCER; i++) {
        struct mail *m = calloc(1, sizeof(*m));
        m->kind = kind;
        m->arg = p;
        m->id = i;
        mailbox_post(&mb, m);
    }
    return NULL;
}

/* The consumer is slow now and then, so the 16384-slot ring fills and
 * posts spill into the overflow list while others still reach the ring. */
static void test_order_across_overflow(void)
{
    REQUIRE(mailbox_init(&mb, wake, NULL) == 0);
    pthread_t t[PRODUCERS];
    for (unsigned p = 0; p < PRODUCERS; p++)
        pthread_create(&t[p], NULL, producer, (void *)(uintptr_t)p);
    unsigned rounds = 0;
    while (received < (uint64_t)PRODUCERS * PER_PRODUCER) {
        mailbox_drain(&mb, NULL);
        if (++rounds % 8 == 0) {
            struct timespec ts = {0, 2000000}; /* 2 ms: let the ring fill */
            nanosleep(&ts, NULL);
        }
    }
    for (unsigned p = 0; p < PRODUCERS; p++) pthread_join(t[p], NULL);
    mailbox_drain(&mb, NULL);
    CHECK(received == (uint64_t)PRODUCERS * PER_PRODUCER);
    CHECK(out_of_order == 0);
    CHECK(atomic_load(&mb.overflowed) > 0); /* the case under test happened */
    CHECK(atomic_load(&wakes) == PRODUCERS * PER_PRODUCER);
    mailbox_destroy(&mb);
}

/* What is still queued at destroy is freed (LeakSanitizer in the ASan tree). */
static void test_destroy_frees_queued(void)
{
    REQUIRE(mailbox_init(&mb, NULL, NULL) == 0);
    for (unsigned i = 0; i < MAILBOX_SLOTS + 100; i++) {
        struct mail *m = calloc(1, sizeof(*m));
        m->kind = kind;
        m->buf = malloc(16);
        mailbox_post(&mb, m);
    }
    CHECK(atomic_load(&mb.nover) == 100);
    mailbox_destroy(&mb);
}

int main(void)
{
    kind = mail_kind_register("test", on_mail);
    test_order_across_overflow();
    test_destroy_frees_queued();
    printf("test_mailbox: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
