/* test_listpack.c — store/listpack.c against Redis 7.0.15's bytes and a
 * reference model.
 *
 *   - layouts: listpacks built here are byte-identical to the ones
 *     redis-server 7.0.15 DUMPs for the same hash (every integer width and
 *     its boundaries, 6/12/32-bit strings, strings that only look like
 *     integers such as "-0" and "017", backlens of 1 and 2 bytes);
 *   - a random sequence of inserts, replaces and deletes at random positions
 *     gives, at every step, the same sequence as a plain array model, read
 *     forwards, backwards and by seek, and passes lp_validate();
 *   - the u16 count saturates at 65535 and lp_count() still answers;
 *   - lp_validate() rejects truncated and corrupted buffers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "listpack.h"
#include "check.h"

static size_t unhex(const char *h, unsigned char *out)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (unsigned char)v;
    }
    return n;
}

/* DUMP h after: CONFIG SET rdbcompression no; HSET h a 1000 bb -1 c 200000
 * d -9000000000 e <60 x> f -4096 g 4095 h -4097 i 32767 j -8388608
 * k 2147483647 l -0 m 017  — the listpack after the 3-byte RDB prefix. */
static const char *REDIS_HASH_LP =
    "a40000001a00816102c3e80282626203dfff02816302f2400d0304816402f400e68ee7fdffffff09816502bc78"
    "787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878"
    "78787878787878787878787878783d816602d00002816702cfff02816802f1ffef03816902f1ff7f03816a02f2"
    "00008004816b02f3ffffff7f05816c02822d3003816d028330313704ff";

static void test_redis_bytes(void)
{
    const char *kv[] = {"a",           "1000",  "bb", "-1",    "c",     "200000",   "d",
                        "-9000000000", "e",     NULL, "f",     "-4096", "g",        "4095",
                        "h",           "-4097", "i",  "32767", "j",     "-8388608", "k",
                        "2147483647",  "l",     "-0", "m",     "017"};
    char x60[61];
    memset(x60, 'x', 60);
    x60[60] = 0;
    kv[9] = x60;
    unsigned char *lp = lp_new(0);
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        lp = lp_append(lp, kv[i], strlen(kv[i]));
    unsigned char want[512];
    size_t n = unhex(REDIS_HASH_LP, want);
    CHECK(lp_bytes(lp) == n);
    CHECK(memcmp(lp, want, n) == 0);
    uint32_t cnt;
    CHECK(lp_validate(want, n, &cnt) && cnt == 26);
    /* read back: every entry gives the bytes it was given */
    unsigned char *p = lp_first(lp);
    for (size_t i = 0; i < 26; i++, p = lp_next(lp, p)) {
        char buf[LP_INTBUF];
        uint32_t l;
        const unsigned char *s = lp_get_str(p, &l, buf);
        CHECK(l == strlen(kv[i]) && memcmp(s, kv[i], l) == 0);
    }
    CHECK(p == NULL);
    lp_free(lp);

    /* a 5000-byte key (32-bit string, 2-byte backlen) and a 200-byte one
     * (12-bit string): DUMP of HSET l <5000 k> v <200 q> w */
    lp = lp_new(0);
    char *k = malloc(5000);
    memset(k, 'k', 5000);
    lp = lp_append(lp, k, 5000);
    lp = lp_append(lp, "v", 1);
    memset(k, 'q', 200);
    lp = lp_append(lp, k, 200);
    lp = lp_append(lp, "w", 1);
    CHECK(lp_bytes(lp) == 0x1468);
    unsigned char hdr[16];
    unhex("681400000400f0881300006b6b", hdr);
    CHECK(memcmp(lp, hdr, 13) == 0);
    unsigned char tail[32];
    size_t tn = unhex("71717101ca817702ff", tail);
    CHECK(memcmp(lp + lp_bytes(lp) - tn, tail, tn) == 0);
    free(k);
    lp_free(lp);
}

/* ---- model-based random test ---- */

struct model {
    char **v;
    size_t *len;
    size_t n;
};

static uint64_t rs = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

/* A random element: small/large ints, int-like strings, strings of every
 * header size. */
static size_t rand_elem(char *buf)
{
    switch (rnd() % 8) {
    case 0: return (size_t)sprintf(buf, "%d", (int)(rnd() % 300) - 150);
    case 1: return (size_t)sprintf(buf, "%" PRId64, (int64_t)rnd());
    case 2: return (size_t)sprintf(buf, "%d", (int)(rnd() % 20000000) - 10000000);
    case 3: return (size_t)sprintf(buf, "0%d", (int)(rnd() % 100));
    case 4: {
        size_t l = rnd() % 70;
        for (size_t i = 0; i < l; i++) buf[i] = (char)('a' + rnd() % 26);
        return l;
    }
    case 5: {
        size_t l = 60 + rnd() % 5000;
        memset(buf, 'y', l);
        return l;
    }
    case 6: {
        size_t l = 4090 + rnd() % 20;
        memset(buf, 'z', l);
        return l;
    }
    default: buf[0] = '\0'; return rnd() % 2 ? 0 : (size_t)sprintf(buf, "-0");
    }
}

static bool same(unsigned char *lp, struct model *m)
{
    if (lp_count(lp) != m->n) return false;
    uint32_t cnt;
    if (!lp_validate(lp, lp_bytes(lp), &cnt) || cnt != m->n) return false;
    unsigned char *p = lp_first(lp);
    for (size_t i = 0; i < m->n; i++, p = lp_next(lp, p))
        if (!p || !lp_eq(p, m->v[i], m->len[i])) return false;
    if (p) return false;
    p = lp_last(lp);
    for (size_t i = m->n; i-- > 0; p = lp_prev(lp, p))
        if (!p || !lp_eq(p, m->v[i], m->len[i])) return false;
    if (p) return false;
    if (m->n) {
        size_t i = rnd() % m->n;
        unsigned char *s = lp_seek(lp, (long)i), *t = lp_seek(lp, (long)i - (long)m->n);
        char buf[LP_INTBUF];
        uint32_t l;
        const unsigned char *b = lp_get_str(s, &l, buf);
        if (s != t || l != m->len[i] || memcmp(b, m->v[i], l)) return false;
    }
    return lp_seek(lp, (long)m->n) == NULL;
}

static void test_model(void)
{
    struct model m = {calloc(4096, sizeof(char *)), calloc(4096, sizeof(size_t)), 0};
    char *buf = malloc(10000);
    unsigned char *lp = lp_new(0);
    for (int step = 0; step < 6000; step++) {
        unsigned op = (unsigned)(rnd() % 10);
        if (m.n > 300) op = 9;
        if (op < 5 || m.n == 0) { /* insert at a random position */
            size_t l = rand_elem(buf);
            size_t at = m.n ? rnd() % (m.n + 1) : 0;
            unsigned char *p = at < m.n ? lp_seek(lp, (long)at) : lp + lp_bytes(lp) - 1, *np;
            if (at > 0 && rnd() % 2) {
                lp = lp_insert_str(lp, lp_seek(lp, (long)at - 1), buf, l, LP_AFTER, &np);
            } else {
                lp = lp_insert_str(lp, p, buf, l, LP_BEFORE, &np);
            }
            CHECK(lp_eq(np, buf, l));
            memmove(m.v + at + 1, m.v + at, (m.n - at) * sizeof(char *));
            memmove(m.len + at + 1, m.len + at, (m.n - at) * sizeof(size_t));
            m.v[at] = malloc(l + 1);
            memcpy(m.v[at], buf, l);
            m.len[at] = l;
            m.n++;
        } else if (op < 7) { /* replace */
            size_t at = rnd() % m.n, l = rand_elem(buf);
            unsigned char *p = lp_seek(lp, (long)at);
            lp = lp_replace(lp, &p, buf, l);
            CHECK(lp_eq(p, buf, l));
            free(m.v[at]);
            m.v[at] = malloc(l + 1);
            memcpy(m.v[at], buf, l);
            m.len[at] = l;
        } else if (op < 9) { /* delete one */
            size_t at = rnd() % m.n;
            unsigned char *next;
            lp = lp_delete(lp, lp_seek(lp, (long)at), &next);
            CHECK(at + 1 == m.n ? next == NULL : lp_eq(next, m.v[at + 1], m.len[at + 1]));
            free(m.v[at]);
            memmove(m.v + at, m.v + at + 1, (m.n - at - 1) * sizeof(char *));
            memmove(m.len + at, m.len + at + 1, (m.n - at - 1) * sizeof(size_t));
            m.n--;
        } else { /* delete a range */
            size_t at = rnd() % m.n, cnt = 1 + rnd() % 40;
            if (at + cnt > m.n) cnt = m.n - at;
            lp = lp_delete_range(lp, (long)at, cnt);
            for (size_t i = at; i < at + cnt; i++) free(m.v[i]);
            memmove(m.v + at, m.v + at + cnt, (m.n - at - cnt) * sizeof(char *));
            memmove(m.len + at, m.len + at + cnt, (m.n - at - cnt) * sizeof(size_t));
            m.n -= cnt;
        }
        if (!same(lp, &m)) {
            CHECK(!"listpack differs from the model");
            break;
        }
    }
    /* lp_find with skip over a key/value layout */
    lp_free(lp);
    lp = lp_new(0);
    for (int i = 0; i < 100; i++) {
        char k[16];
        int kl = sprintf(k, "%d", i);
        lp = lp_append(lp, k, (size_t)kl);
        lp = lp_append(lp, k, (size_t)kl);
    }
    unsigned char *f = lp_find(lp, lp_first(lp), "57", 2, 1);
    CHECK(f && lp_eq(f, "57", 2) && lp_prev(lp, f) && lp_eq(lp_prev(lp, f), "56", 2));
    CHECK(lp_find(lp, lp_first(lp), "100", 3, 1) == NULL);
    CHECK(lp_find(lp, lp_first(lp), "x", 1, 0) == NULL);
    lp_free(lp);
    for (size_t i = 0; i < m.n; i++) free(m.v[i]);
    free(m.v);
    free(m.len);
    free(buf);
}

static void test_count_saturates(void)
{
    unsigned char *lp = lp_new(0);
    for (int i = 0; i < 70000; i++) lp = lp_append_int(lp, i);
    CHECK(lp[4] == 0xff && lp[5] == 0xff);
    CHECK(lp_count(lp) == 70000);
    int64_t v;
    CHECK(lp_get_int(lp_seek(lp, 65534), &v) && v == 65534);
    CHECK(lp_get_int(lp_seek(lp, -1), &v) && v == 69999);
    lp = lp_delete_range(lp, 0, 6000);
    CHECK(lp_count(lp) == 64000);
    CHECK(lp[4] == (64000 & 0xff) && lp[5] == (64000 >> 8)); /* cached again */
    CHECK(lp_get_int(lp_first(lp), &v) && v == 6000);
    lp_free(lp);
}

static void test_validate_rejects(void)
{
    unsigned char *lp = lp_new(0);
    lp = lp_append(lp, "hello", 5);
    lp = lp_append_int(lp, 123456);
    size_t n = lp_bytes(lp);
    CHECK(lp_validate(lp, n, NULL));
    CHECK(!lp_validate(lp, n - 1, NULL));
    unsigned char *c = malloc(n);
    memcpy(c, lp, n);
    c[6] = 0x8f; /* string length beyond the buffer */
    CHECK(!lp_validate(c, n, NULL));
    memcpy(c, lp, n);
    c[4] = 3; /* wrong count */
    CHECK(!lp_validate(c, n, NULL));
    memcpy(c, lp, n);
    c[12] = 9; /* wrong backlen of "hello" */
    CHECK(!lp_validate(c, n, NULL));
    memcpy(c, lp, n);
    c[n - 1] = 0;
    CHECK(!lp_validate(c, n, NULL));
    free(c);
    lp_free(lp);
}

/* lp_append_items (and its growing form) write exactly what one
 * lp_append / lp_append_int per item writes: strings that are canonical
 * integers as integers, every width of both, lengths across the 6/12/32-bit
 * string headers. */
static void test_append_items(void)
{
    static char big[5000];
    memset(big, 'x', sizeof(big));
    static const char *const strs[] = {
        "",   "a",  "17", "-5", "017", "+5", "9223372036854775807", "9223372036854775808",
        "-0", "1.5"};
    static const int64_t ints[] = {0,      127,     128,           -1,        -4096,    4095, 4096,
                                   -32769, 8388608, -2147483649LL, INT64_MAX, INT64_MIN};
    for (int round = 0; round < 200; round++) {
        struct lp_item items[40];
        size_t n = 0;
        unsigned char *ref = lp_new(0), *a = lp_new(0), *g = lp_new(0);
        for (int i = 0; i < 3 + round % 37; i++) {
            int k = (round * 7 + i * 13) % 4;
            if (k == 0) {
                const char *s0 = strs[(round + i) % 10];
                items[n] = (struct lp_item){s0, strlen(s0), 0};
                ref = lp_append(ref, s0, strlen(s0));
            } else if (k == 1) {
                int64_t v = ints[(round + i) % 12];
                items[n] = (struct lp_item){NULL, 0, v};
                ref = lp_append_int(ref, v);
            } else {
                size_t len = (size_t)((round * 31 + i * 97) % (k == 2 ? 70 : 5000));
                items[n] = (struct lp_item){big, len, 0};
                ref = lp_append(ref, big, len);
            }
            n++;
        }
        a = lp_append_items(a, items, n);
        /* twice, growing: the second append lands in the spare room */
        g = lp_append_items_grow(g, items, n / 2, 1 << 20);
        g = lp_append_items_grow(g, items + n / 2, n - n / 2, 1 << 20);
        CHECK(lp_bytes(a) == lp_bytes(ref) && !memcmp(a, ref, lp_bytes(ref)));
        CHECK(lp_bytes(g) == lp_bytes(ref) && !memcmp(g, ref, lp_bytes(ref)));
        uint32_t cnt;
        CHECK(lp_validate(g, lp_bytes(g), &cnt) && cnt == n);
        lp_free(ref);
        lp_free(a);
        lp_free(g);
    }
}

int main(void)
{
    test_append_items();
    test_redis_bytes();
    test_model();
    test_count_saturates();
    test_validate_rejects();
    printf("listpack: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
