/* test_wlog.c — store/wlog.c: units from several producer threads come out
 * in sequence order, each exactly once, with their effects intact, across
 * chunk boundaries and for units bigger than a chunk; nothing is recorded
 * while the log is disabled. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "keyspace.h"
#include "wlog.h"

#define PRODUCERS 3
#define UNITS     50000

static struct wlog_buf bufs[PRODUCERS];
static struct keyspace ks;

static void *producer(void *arg)
{
    unsigned p = (unsigned)(uintptr_t)arg;
    struct wlog_buf *b = &bufs[p];
    char big[300000];
    memset(big, 'v', sizeof(big));
    for (unsigned i = 0; i < UNITS; i++) {
        char key[32], val[32];
        int kl = snprintf(key, sizeof(key), "p%u:%u", p, i);
        int vl = snprintf(val, sizeof(val), "%u", i);
        /* every 1000th unit: two effects, one bigger than a chunk */
        struct sarg set[3] = {SARG_LIT("SET"), {key, (size_t)kl}, {val, (size_t)vl}};
        /* the producer's "shard lock": one shard per producer, so units
         * of one producer are numbered in its own order */
        ks_lock(&ks, p);
        wlog_begin(b);
        if (i % 1000 == 999) {
            struct sarg del[2] = {SARG_LIT("DEL"), {key, (size_t)kl}};
            wlog_fx(b, (int)p, 2, del);
            set[2] = (struct sarg){big, sizeof(big)};
        }
        wlog_own(b, (int)p, 3, set, true);
        wlog_commit(b);
        ks_unlock(&ks, p);
    }
    return NULL;
}

static void test_merge_in_order(void)
{
    REQUIRE(ks_init(&ks, 4, 16) == 0);
    for (unsigned p = 0; p < PRODUCERS; p++) {
        wlog_buf_init(&bufs[p]);
        wlog_register(&bufs[p]);
    }
    /* nothing is recorded while disabled */
    wlog_cut(&ks, NULL, NULL);
    CHECK(!wlog_on());
    wlog_set_enabled_locked(true, atomic_load(&wlog.seq));
    pthread_t t[PRODUCERS];
    for (unsigned p = 0; p < PRODUCERS; p++)
        pthread_create(&t[p], NULL, producer, (void *)(uintptr_t)p);
    unsigned next[PRODUCERS] = {0};
    uint64_t got = 0, last = 0, bad = 0;
    while (got < (uint64_t)PRODUCERS * UNITS) {
        struct wlog_unit u;
        if (!wlog_next(&u)) continue;
        if (u.seq != last + 1) bad++;
        last = u.seq;
        const char *cur = NULL;
        struct wlog_fx_view fx;
        uint32_t nfx = 0;
        int db = -1;
        const char *setfx = NULL;
        uint32_t setlen = 0;
        for (uint32_t i = 0; wlog_unit_fx(&u, i, &cur, &fx); i++) {
            nfx++;
            db = fx.db;
            setfx = fx.resp;
            setlen = fx.len;
        }
        if (db < 0 || db >= PRODUCERS) {
            bad++;
            continue;
        }
        unsigned i = next[db]++;
        char want[64];
        int kl = snprintf(want, sizeof(want), "p%d:%u", db, i);
        /* "*3\r\n$3\r\nSET\r\n$<kl>\r\n<key>..." */
        char head[64];
        int hl = snprintf(head, sizeof(head), "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n", kl, want);
        if (setlen < (uint32_t)hl || memcmp(setfx, head, (size_t)hl) != 0) bad++;
        if (nfx != (i % 1000 == 999 ? 2u : 1u)) bad++;
        got++;
    }
    for (unsigned p = 0; p < PRODUCERS; p++) pthread_join(t[p], NULL);
    CHECK(bad == 0);
    CHECK(last == (uint64_t)PRODUCERS * UNITS);
    struct wlog_unit u;
    CHECK(!wlog_next(&u));
    /* disabled again: units are neither recorded nor numbered */
    wlog_set_enabled_locked(false, last);
    CHECK(!wlog_on());
    for (unsigned p = 0; p < PRODUCERS; p++) wlog_buf_free(&bufs[p]);
    ks_destroy(&ks);
}

int main(void)
{
    test_merge_in_order();
    printf("test_wlog: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
