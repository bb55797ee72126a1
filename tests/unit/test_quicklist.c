/* test_quicklist.c — unit tests for store/quicklist.c.
 *
 * Properties the list commands rely on:
 *   - node limits: with fill N > 0 a node holds at most N entries and at
 *     most 8 KiB; with fill -1..-5 at most 4..64 KiB; fill 0 is one entry
 *     per node; fills beyond the range are clamped like Redis;
 *   - pushes at both ends, pops, index lookups from both ends;
 *   - deleting through an iterator (LREM) in both directions, across node
 *     boundaries, including emptying nodes, keeps order;
 *   - inserting before/after any position (LINSERT), including into full
 *     nodes (split, new node, neighbour) keeps order;
 *   - range deletion (LTRIM) at every start/length keeps order;
 *   - all of it against a plain array model, with random operations, for
 *     every fill, checking the structure (counts, sizes, links) each step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listpack.h"
#include "quicklist.h"
#include "check.h"

/* The model: an array of owned strings. */
struct model {
    char **v;
    size_t *len;
    size_t n, cap;
};

static void m_insert(struct model *m, size_t at, const char *s, size_t len)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = realloc(m->v, sizeof(*m->v) * m->cap);
        m->len = realloc(m->len, sizeof(*m->len) * m->cap);
    }
    memmove(m->v + at + 1, m->v + at, sizeof(*m->v) * (m->n - at));
    memmove(m->len + at + 1, m->len + at, sizeof(*m->len) * (m->n - at));
    m->v[at] = malloc(len + 1);
    memcpy(m->v[at], s, len);
    m->len[at] = len;
    m->n++;
}

static void m_delete(struct model *m, size_t at)
{
    free(m->v[at]);
    memmove(m->v + at, m->v + at + 1, sizeof(*m->v) * (m->n - at - 1));
    memmove(m->len + at, m->len + at + 1, sizeof(*m->len) * (m->n - at - 1));
    m->n--;
}

static void m_free(struct model *m)
{
    while (m->n) m_delete(m, m->n - 1);
    free(m->v);
    free(m->len);
    memset(m, 0, sizeof(*m));
}

static bool same(struct quicklist *ql, const struct model *m)
{
    if (!ql_check(ql) || ql_count(ql) != m->n) return false;
    struct ql_iter it;
    struct ql_val v;
    ql_iter_init(ql, &it, QL_HEAD);
    for (size_t i = 0; i < m->n; i++) {
        if (!ql_iter_next(&it, &v) || !ql_val_eq(&v, m->v[i], m->len[i])) return false;
    }
    if (ql_iter_next(&it, &v)) return false;
    /* and backwards */
    ql_iter_init(ql, &it, QL_TAIL);
    for (size_t i = m->n; i-- > 0;) {
        if (!ql_iter_next(&it, &v) || !ql_val_eq(&v, m->v[i], m->len[i])) return false;
    }
    return !ql_iter_next(&it, &v);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random element: small ints, short strings, sometimes long ones. */
static size_t gen(char *buf)
{
    switch (rnd() % 4) {
    case 0: return (size_t)snprintf(buf, 32, "%lld", (long long)(rnd() % 2000) - 1000);
    case 1: return (size_t)snprintf(buf, 32, "e%llu", (unsigned long long)(rnd() % 100));
    case 2: {
        size_t n = 1 + rnd() % 300;
        for (size_t i = 0; i < n; i++) buf[i] = (char)('a' + rnd() % 26);
        return n;
    }
    default: {
        size_t n = rnd() % 5 == 0 ? 3000 + rnd() % 6000 : 10;
        for (size_t i = 0; i < n; i++) buf[i] = (char)('A' + rnd() % 26);
        return n;
    }
    }
}

static void test_node_limits(void)
{
    /* fill N: at most N entries per node, exactly ceil(n/N) nodes */
    for (int fill = 1; fill <= 7; fill++) {
        struct quicklist *ql = ql_new(fill, 0);
        for (int i = 0; i < 50; i++) ql_push(ql, QL_TAIL, "x", 1);
        CHECK(ql->len == (unsigned long)((50 + fill - 1) / fill));
        for (struct ql_node *n = ql->head; n; n = n->next) CHECK((int)n->count <= fill);
        CHECK(ql_check(ql));
        ql_free(ql);
    }
    /* fill 0: one element per node */
    struct quicklist *ql = ql_new(0, 0);
    for (int i = 0; i < 10; i++) ql_push(ql, QL_TAIL, "abc", 3);
    CHECK(ql->len == 10);
    ql_free(ql);
    /* positive fill: the 8 KiB safety limit still splits */
    ql = ql_new(1000, 0);
    char big[1000];
    memset(big, 'b', sizeof(big));
    for (int i = 0; i < 40; i++) ql_push(ql, QL_TAIL, big, sizeof(big));
    for (struct ql_node *n = ql->head; n; n = n->next) CHECK(n->sz <= QL_SAFETY_LIMIT);
    CHECK(ql->len >= 5);
    ql_free(ql);
    /* negative fill: node bytes within 4/8/16/32/64 KiB */
    static const size_t lim[] = {4096, 8192, 16384, 32768, 65536};
    for (int f = -1; f >= -5; f--) {
        ql = ql_new(f, 0);
        for (int i = 0; i < 2000; i++) ql_push(ql, QL_TAIL, big, 100);
        for (struct ql_node *n = ql->head; n; n = n->next) {
            CHECK(n->sz <= lim[-f - 1]);
            /* and full: another element would not have fit (except the tail),
             * by Redis 7.0's estimate of an entry (its bytes + 8) */
            if (n->next) CHECK(n->sz + 100 + 8 > lim[-f - 1]);
        }
        ql_free(ql);
    }
    /* an element bigger than the limit gets a node of its own */
    ql = ql_new(-1, 0);
    char huge[10000];
    memset(huge, 'h', sizeof(huge));
    ql_push(ql, QL_TAIL, "a", 1);
    ql_push(ql, QL_TAIL, huge, sizeof(huge));
    ql_push(ql, QL_TAIL, "b", 1);
    CHECK(ql->len == 3 && ql_count(ql) == 3 && ql_check(ql));
    ql_free(ql);
    /* clamping */
    ql = ql_new(-100, 0);
    CHECK(ql->fill == -5);
    ql_free(ql);
    ql = ql_new(1 << 20, 0);
    CHECK(ql->fill == QL_FILL_MAX);
    ql_free(ql);
}

static void test_index_and_pop(void)
{
    struct quicklist *ql = ql_new(3, 0);
    char buf[16];
    for (int i = 0; i < 20; i++) {
        int n = snprintf(buf, sizeof(buf), "%d", i);
        ql_push(ql, QL_TAIL, buf, (size_t)n);
    }
    for (long i = -25; i < 25; i++) {
        struct ql_iter it;
        struct ql_val v;
        bool ok = ql_iter_at(ql, &it, i, QL_HEAD) && ql_iter_next(&it, &v);
        if (i < -20 || i >= 20) {
            CHECK(!ok);
        } else {
            CHECK(ok && !v.p && v.v == (i < 0 ? 20 + i : i));
        }
    }
    struct ql_val v;
    ql_peek(ql, QL_HEAD, &v);
    CHECK(v.v == 0);
    ql_peek(ql, QL_TAIL, &v);
    CHECK(v.v == 19);
    for (int i = 0; i < 10; i++) {
        ql_pop(ql, QL_HEAD);
        ql_pop(ql, QL_TAIL);
        CHECK(ql_check(ql));
    }
    CHECK(ql_count(ql) == 0 && ql->len == 0 && !ql->head && !ql->tail);
    ql_free(ql);
}

static void test_random(int fill)
{
    struct quicklist *ql = ql_new(fill, 0);
    struct model m = {0};
    static char buf[10000];
    unsigned bad = 0;
    for (int step = 0; step < 3000 && !bad; step++) {
        unsigned op = (unsigned)(rnd() % 10);
        size_t len = gen(buf);
        if (op <= 2 || m.n == 0) { /* push */
            bool head = rnd() % 2;
            ql_push(ql, head ? QL_HEAD : QL_TAIL, buf, len);
            m_insert(&m, head ? 0 : m.n, buf, len);
        } else if (op == 3) { /* pop */
            bool head = rnd() % 2;
            ql_pop(ql, head ? QL_HEAD : QL_TAIL);
            m_delete(&m, head ? 0 : m.n - 1);
        } else if (op == 4) { /* insert before/after index */
            size_t at = rnd() % m.n;
            bool after = rnd() % 2;
            struct ql_iter it;
            ql_iter_at(ql, &it, (long)at, QL_HEAD);
            ql_iter_next(&it, NULL);
            ql_iter_insert(&it, after, buf, len);
            m_insert(&m, after ? at + 1 : at, buf, len);
        } else if (op == 5) { /* delete every k-th going one way (LREM-like) */
            int dir = rnd() % 2 ? QL_HEAD : QL_TAIL;
            size_t k = 1 + rnd() % 4, i = 0;
            struct ql_iter it;
            ql_iter_init(ql, &it, dir);
            size_t idx = dir == QL_HEAD ? 0 : m.n - 1;
            size_t total = m.n;
            for (size_t seen = 0; seen < total; seen++) {
                CHECK(ql_iter_next(&it, NULL));
                if (i++ % k == 0) {
                    ql_iter_del(&it);
                    m_delete(&m, idx);
                    if (dir == QL_TAIL) idx--;
                } else {
                    if (dir == QL_HEAD)
                        idx++;
                    else
                        idx--;
                }
            }
        } else if (op == 6) { /* replace */
            size_t at = rnd() % m.n;
            struct ql_iter it;
            ql_iter_at(ql, &it, -(long)(m.n - at), QL_HEAD);
            ql_iter_next(&it, NULL);
            ql_iter_replace(&it, buf, len);
            m_delete(&m, at);
            m_insert(&m, at, buf, len);
        } else if (op == 7) { /* range delete */
            size_t start = rnd() % m.n, cnt = rnd() % (m.n - start + 1);
            ql_del_range(ql, start, cnt);
            for (size_t i = 0; i < cnt; i++) m_delete(&m, start);
        } else { /* a burst of tail pushes */
            for (int i = 0; i < 20; i++) {
                len = gen(buf);
                ql_push(ql, QL_TAIL, buf, len);
                m_insert(&m, m.n, buf, len);
            }
        }
        if (!same(ql, &m)) {
            fprintf(stderr, "fill %d: mismatch after step %d (op %u)\n", fill, step, op);
            bad++;
        }
    }
    CHECK(!bad);
    /* a duplicate is equal and independent */
    struct quicklist *d = ql_dup(ql);
    CHECK(same(d, &m));
    ql_free(d);
    ql_free(ql);
    m_free(&m);
}

int main(void)
{
    test_node_limits();
    test_index_and_pop();
    int fills[] = {-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 16, 128, 1000};
    for (size_t i = 0; i < sizeof(fills) / sizeof(fills[0]); i++) test_random(fills[i]);
    if (checks_failed) {
        fprintf(stderr, "test_quicklist: %u checks failed\n", checks_failed);
        return 1;
    }
    printf("test_quicklist: ok\n");
    return 0;
}
