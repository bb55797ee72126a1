/* test_sg_work.c — ssgen's workload and reply checker
 * (pktgen-tests/ssgen/sg_work.c, sg_resp.c): option parsing, the Zipf
 * sampler's frequencies against 1/k^s, uniform keys, value-size
 * distributions, the exact request bytes, and every reply case parsed
 * whole, split at every byte and byte by byte. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sg_resp.h"
#include "sg_work.h"

static void test_parse(void)
{
    struct sg_work w;
    sg_work_defaults(&w);
    CHECK(w.set_w == 1 && w.get_w == 0 && w.vmin == 16 && w.vdist == SG_V_FIXED);
    CHECK(sg_work_parse_ratio(&w, "1:10") == 0 && w.set_w == 1 && w.get_w == 10);
    CHECK(sg_work_parse_ratio(&w, "0:0") != 0);
    CHECK(sg_work_parse_ratio(&w, "1") != 0);
    CHECK(sg_work_parse_ratio(&w, "1:x") != 0);
    CHECK(sg_work_parse_ratio(&w, "-1:2") != 0);
    CHECK(sg_work_parse_keys(&w, "uniform") == 0 && w.keydist == SG_KEYS_UNIFORM);
    CHECK(sg_work_parse_keys(&w, "zipf:0.99") == 0 && w.keydist == SG_KEYS_ZIPF &&
          w.zipf_s == 0.99);
    CHECK(sg_work_parse_keys(&w, "zipf:0") != 0);
    CHECK(sg_work_parse_keys(&w, "zipf:") != 0);
    CHECK(sg_work_parse_keys(&w, "zipf:1x") != 0);
    CHECK(sg_work_parse_keys(&w, "normal") != 0);
    CHECK(sg_work_parse_keys(&w, "seq") == 0 && w.keydist == SG_KEYS_SEQ);
    CHECK(sg_work_parse_vsize(&w, "100") == 0 && w.vdist == SG_V_FIXED && w.vmin == 100);
    CHECK(sg_work_parse_vsize(&w, "10-20") == 0 && w.vdist == SG_V_UNIFORM && w.vmin == 10 &&
          w.vmax == 20);
    CHECK(sg_work_parse_vsize(&w, "20-10") != 0);
    CHECK(sg_work_parse_vsize(&w, "10-") != 0);
    CHECK(sg_work_parse_vsize(&w, "16:9,4096:1") == 0 && w.vdist == SG_V_WEIGHTED && w.nv == 2 &&
          w.vmax == 4096 && fabs(w.vcum[0] - 0.9) < 1e-12 && w.vcum[1] == 1.0);
    CHECK(sg_work_parse_vsize(&w, "16:0") != 0);
    CHECK(sg_work_parse_vsize(&w, "16:1,") != 0);
    CHECK(sg_work_parse_vsize(&w, "2000000") != 0);
    /* zipf needs a key space */
    sg_work_defaults(&w);
    CHECK(sg_work_parse_keys(&w, "zipf:1") == 0);
    CHECK(sg_work_finish(&w) != 0);
    w.keyspace = 10;
    CHECK(sg_work_finish(&w) == 0);
    sg_work_free(&w);
}

/* Observed frequencies of 1..n against p(k) = k^-s / sum: a chi-square
 * statistic below a bound far above its expectation (n - 1) but far below
 * what a wrong exponent gives. */
static double zipf_chi2(uint64_t n, double s, double s_true, unsigned draws, uint64_t seed)
{
    struct sg_zipf z;
    sg_zipf_init(&z, n, s_true);
    struct sg_rng r;
    sg_rng_seed(&r, seed);
    uint64_t *cnt = calloc(n + 1, sizeof(*cnt));
    for (unsigned i = 0; i < draws; i++) {
        uint64_t k = sg_zipf_draw(&z, &r);
        if (k < 1 || k > n) {
            free(cnt);
            return INFINITY;
        }
        cnt[k]++;
    }
    double norm = 0;
    for (uint64_t k = 1; k <= n; k++) norm += pow((double)k, -s);
    double chi2 = 0;
    for (uint64_t k = 1; k <= n; k++) {
        double e = draws * pow((double)k, -s) / norm;
        chi2 += ((double)cnt[k] - e) * ((double)cnt[k] - e) / e;
    }
    free(cnt);
    return chi2;
}

static void test_zipf(void)
{
    /* 20 ranks, 1,000,000 draws: chi-square with 19 degrees of freedom has
     * mean 19 and a 1e-6 tail at about 60 */
    double s_values[] = {0.5, 0.99, 1.0, 1.2, 2.0};
    for (unsigned i = 0; i < sizeof(s_values) / sizeof(s_values[0]); i++) {
        double s = s_values[i];
        double ok = zipf_chi2(20, s, s, 1000000, 11 + i);
        CHECK(ok < 60);
        double wrong = zipf_chi2(20, s + 0.1, s, 1000000, 11 + i); /* the test can fail */
        CHECK(wrong > 200);
    }
    /* one key; a huge key space stays in range and key 1 has its share */
    struct sg_zipf z;
    struct sg_rng r;
    sg_rng_seed(&r, 3);
    sg_zipf_init(&z, 1, 0.99);
    for (int i = 0; i < 1000; i++) CHECK(sg_zipf_draw(&z, &r) == 1);
    uint64_t n = 1000000000ULL;
    sg_zipf_init(&z, n, 0.99);
    unsigned ones = 0, draws = 200000, out = 0;
    for (unsigned i = 0; i < draws; i++) {
        uint64_t k = sg_zipf_draw(&z, &r);
        if (k < 1 || k > n) out++;
        if (k == 1) ones++;
    }
    CHECK(out == 0);
    /* p(1) = 1 / sum_k k^-0.99, the sum about 23.6 for n = 1e9 */
    double p1 = (double)ones / draws;
    CHECK(p1 > 0.035 && p1 < 0.048);
}

static void test_keys_and_sizes(void)
{
    struct sg_work w;
    sg_work_defaults(&w);
    w.keyspace = 1000;
    REQUIRE(sg_work_finish(&w) == 0);
    struct sg_rng r;
    sg_rng_seed(&r, 5);
    unsigned seen[1000] = {0};
    for (int i = 0; i < 200000; i++) {
        uint64_t k = sg_work_key(&w, &r);
        REQUIRE(k < 1000);
        seen[k]++;
    }
    unsigned lo = 1000000, hi = 0;
    for (int i = 0; i < 1000; i++) {
        if (seen[i] < lo) lo = seen[i];
        if (seen[i] > hi) hi = seen[i];
    }
    CHECK(lo > 120 && hi < 290); /* 200 expected each, sd 14 */
    /* seq: every index in turn, then again */
    REQUIRE(sg_work_parse_keys(&w, "seq") == 0);
    bool in_order = true;
    for (uint64_t i = 0; i < 2500; i++) in_order &= sg_work_key(&w, &r) == i % 1000;
    CHECK(in_order);
    w.keydist = SG_KEYS_UNIFORM;
    /* the mix */
    REQUIRE(sg_work_parse_ratio(&w, "1:3") == 0);
    unsigned sets = 0;
    for (int i = 0; i < 100000; i++) sets += sg_work_op(&w, &r) == SG_SET;
    CHECK(sets > 24000 && sets < 26000);
    /* sizes are a function of the key */
    REQUIRE(sg_work_parse_vsize(&w, "10-20") == 0);
    REQUIRE(sg_work_finish(&w) == 0);
    unsigned hist[21] = {0};
    for (uint64_t k = 0; k < 110000; k++) {
        uint32_t v = sg_work_vlen(&w, k);
        REQUIRE(v >= 10 && v <= 20);
        hist[v]++;
        CHECK(sg_work_vlen(&w, k) == v);
    }
    for (int v = 10; v <= 20; v++) CHECK(hist[v] > 9000 && hist[v] < 11000);
    REQUIRE(sg_work_parse_vsize(&w, "16:9,4096:1") == 0);
    REQUIRE(sg_work_finish(&w) == 0);
    unsigned big = 0;
    for (uint64_t k = 0; k < 100000; k++) {
        uint32_t v = sg_work_vlen(&w, k);
        CHECK(v == 16 || v == 4096);
        big += v == 4096;
    }
    CHECK(big > 9400 && big < 10600);
    sg_work_free(&w);
}

static void test_encode(void)
{
    struct sg_work w;
    sg_work_defaults(&w);
    w.keyspace = 100000;
    REQUIRE(sg_work_finish(&w) == 0);
    uint8_t buf[256];
    size_t n = sg_work_encode(&w, buf, SG_GET, 42, 0);
    const char *get = "*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000042\r\n";
    CHECK(n == strlen(get) && memcmp(buf, get, n) == 0);
    n = sg_work_encode(&w, buf, SG_SET, 1, 5);
    const char *set = "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$5\r\n12345\r\n";
    CHECK(n == strlen(set) && memcmp(buf, set, n) == 0);
    CHECK(n <= sg_work_max_req(&w));
    /* the value pattern: byte i of key k is PATTERN[(k + i) % 62] */
    n = sg_work_encode(&w, buf, SG_SET, 61, 3);
    CHECK(memcmp(buf + n - 5, "Z01\r\n", 5) == 0);
    /* no key space: redis-benchmark's literal key */
    w.keyspace = 0;
    n = sg_work_encode(&w, buf, SG_GET, 0, 0);
    CHECK(memcmp(buf + 13, "$16\r\nkey:__rand_int__\r\n", 23) == 0 && n == 36);
    sg_work_free(&w);
}

/* Feed `text` in pieces of every size from 1 to its length and each split
 * point: the same statuses every time. */
static void expect_replies(const struct sg_work *w, const char *text, int op, uint64_t key,
                           uint32_t vlen, const int *want, int nwant)
{
    size_t len = strlen(text);
    for (size_t chunk = 1; chunk <= len; chunk++) {
        struct sg_resp r;
        sg_resp_init(&r);
        int got[8], ngot = 0;
        for (size_t off = 0; off < len; off += chunk) {
            size_t l = off + chunk > len ? len - off : chunk;
            const uint8_t *p = (const uint8_t *)text + off, *end = p + l;
            while (p < end) {
                int st = sg_resp_next(&r, &p, end, w, op, key, vlen, true);
                if (st == SG_R_MORE) break;
                if (ngot < 8) got[ngot++] = st;
                if (st == SG_R_PROTO) break;
            }
        }
        bool same = ngot == nwant;
        for (int i = 0; same && i < nwant; i++) same = got[i] == want[i];
        CHECK(same);
        if (!same) {
            fprintf(stderr, "  text %.40s chunk %zu: got", text, chunk);
            for (int i = 0; i < ngot; i++) fprintf(stderr, " %d", got[i]);
            fprintf(stderr, "\n");
            return;
        }
    }
}

static void test_resp(void)
{
    struct sg_work w;
    sg_work_defaults(&w);
    w.keyspace = 100;
    REQUIRE(sg_work_finish(&w) == 0);
    /* key 3, 16 bytes: "3456789abcdefghi" */
    const int ok2[] = {SG_R_OK, SG_R_OK};
    expect_replies(&w, "+OK\r\n+OK\r\n", SG_SET, 3, 16, ok2, 2);
    const int ok1[] = {SG_R_OK};
    expect_replies(&w, "$16\r\n3456789abcdefghi\r\n", SG_GET, 3, 16, ok1, 1);
    const int two[] = {SG_R_OK, SG_R_MISS};
    expect_replies(&w, "$16\r\n3456789abcdefghi\r\n$-1\r\n", SG_GET, 3, 16, two, 2);
    const int bad[] = {SG_R_BAD};
    expect_replies(&w, "$16\r\n3456789abcdefghX\r\n", SG_GET, 3, 16, bad, 1); /* a wrong byte */
    expect_replies(&w, "$16\r\n456789abcdefghij\r\n", SG_GET, 3, 16, bad, 1); /* key 4's value */
    expect_replies(&w, "$3\r\n345\r\n", SG_GET, 3, 16, bad, 1);               /* truncated */
    expect_replies(&w, "+OK\r\n", SG_GET, 3, 16, bad, 1);
    expect_replies(&w, "$2\r\nOK\r\n", SG_SET, 3, 16, bad, 1);
    expect_replies(&w, "$-1\r\n", SG_SET, 3, 16, bad, 1);
    expect_replies(&w, ":1\r\n", SG_SET, 3, 16, bad, 1);
    const int err[] = {SG_R_ERR, SG_R_OK};
    expect_replies(&w, "-ERR out of memory\r\n+OK\r\n", SG_SET, 3, 16, err, 2);
    const int proto[] = {SG_R_PROTO};
    expect_replies(&w, "*1\r\n", SG_GET, 3, 16, proto, 1);
    expect_replies(&w, "$x\r\n", SG_GET, 3, 16, proto, 1);
    expect_replies(&w, "$16\r\n3456789abcdefghiXY", SG_GET, 3, 16, proto, 1); /* no CRLF */
    /* the error line is kept for the message */
    struct sg_resp r;
    sg_resp_init(&r);
    const uint8_t *p = (const uint8_t *)"-WRONGTYPE x\r\n", *e = p + 14;
    CHECK(sg_resp_next(&r, &p, e, &w, SG_GET, 1, 16, true) == SG_R_ERR);
    CHECK(strcmp(r.line, "WRONGTYPE x") == 0 && p == e);
    /* --no-check: the value is framed but not compared */
    sg_resp_init(&r);
    p = (const uint8_t *)"$16\r\nXXXXXXXXXXXXXXXX\r\n";
    e = p + 23;
    CHECK(sg_resp_next(&r, &p, e, &w, SG_GET, 3, 16, false) == SG_R_OK);
    sg_work_free(&w);
}

int main(void)
{
    test_parse();
    test_zipf();
    test_keys_and_sizes();
    test_encode();
    test_resp();
    printf("sg_work: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
