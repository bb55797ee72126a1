/* test_sg_hist.c — ssgen's latency histogram (pktgen-tests/ssgen/sg_hist.c):
 * bucket geometry (every value inside its bucket, widths as documented,
 * indexes increasing), percentiles of known distributions against the exact
 * nearest-rank values from a sorted array, the 1 us resolution up to
 * seconds, min/max/mean exact, overflow past the top. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sg_hist.h"
#include "sg_rand.h"

static uint64_t width_of(uint64_t v)
{
    size_t i = sg_hist_index(v);
    return sg_hist_highest(i) - sg_hist_lowest(i) + 1;
}

static void test_geometry(void)
{
    /* exact below 8192 ns */
    for (uint64_t v = 0; v < 8192; v++) {
        CHECK(sg_hist_index(v) == v);
        CHECK(sg_hist_lowest(v) == v && sg_hist_highest(v) == v);
    }
    /* every value in its bucket; indexes never go down; bounded widths */
    struct sg_rng r;
    sg_rng_seed(&r, 7);
    size_t prev = 0;
    unsigned bad_in = 0, bad_w = 0, bad_mono = 0;
    for (uint64_t v = 8192; v < (1ULL << 39); v += 1 + v / 997) {
        size_t i = sg_hist_index(v);
        if (sg_hist_lowest(i) > v || sg_hist_highest(i) < v) bad_in++;
        if (i < prev) bad_mono++;
        prev = i;
        uint64_t w = width_of(v);
        if (v < (1ULL << 22)) {
            if (w > v / 4096 + 1) bad_w++; /* relative 1/4096 */
        } else if (v < (1ULL << 32)) {
            if (w != 512) bad_w++; /* 512 ns: 1 us or better up to 4.29 s */
        } else if (w > v / 4096 + 1) {
            bad_w++;
        }
    }
    for (int k = 0; k < 200000; k++) {
        uint64_t v = sg_rng_u64(&r) >> (25 + sg_rng_below(&r, 39));
        size_t i = sg_hist_index(v);
        if (sg_hist_lowest(i) > v || sg_hist_highest(i) < v) bad_in++;
    }
    CHECK(bad_in == 0);
    CHECK(bad_w == 0);
    CHECK(bad_mono == 0);
    /* the buckets tile the range: each one starts where the previous ended */
    unsigned gaps = 0;
    for (size_t i = 1; i < sg_hist_index((1ULL << 39) - 1); i += 1 + i / 5000)
        if (sg_hist_lowest(i) != sg_hist_highest(i - 1) + 1) gaps++;
    CHECK(gaps == 0);
    CHECK(width_of(1000000000ULL) <= 1000); /* 1 s: within 1 us */
    CHECK(width_of(4000000000ULL) <= 1000); /* 4 s too */
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t exact_rank(const uint64_t *sorted, size_t n, double q)
{
    double want = q * (double)n;
    size_t rank = (size_t)want;
    if ((double)rank < want) rank++;
    if (rank < 1) rank = 1;
    return sorted[rank - 1];
}

/* Each reported percentile is within one bucket width above the exact one
 * (the bucket's highest value) and never below it. */
static void check_against_exact(struct sg_hist *h, uint64_t *vals, size_t n)
{
    static const double qs[] = {0, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0};
    uint64_t got[8];
    sg_hist_quantiles(h, qs, got, 8);
    qsort(vals, n, sizeof(*vals), cmp_u64);
    for (int i = 0; i < 8; i++) {
        uint64_t want = exact_rank(vals, n, qs[i]);
        CHECK(got[i] >= want);
        CHECK(got[i] - want < width_of(want));
        CHECK(sg_hist_quantile(h, qs[i]) == got[i]);
    }
    CHECK(got[0] == vals[0]);
    CHECK(got[7] == vals[n - 1]);
}

static void test_uniform_known(void)
{
    /* 1..1,000,000 ns once each: p50 500,000, p99 990,000, p99.9 999,000 */
    struct sg_hist h;
    REQUIRE(sg_hist_init(&h) == 0);
    size_t n = 1000000;
    uint64_t *v = malloc(n * sizeof(*v));
    REQUIRE(v != NULL);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = i + 1;
        sum += v[i];
        sg_hist_add(&h, v[i]);
    }
    CHECK(h.n == n && h.sum == sum && h.min == 1 && h.max == 1000000);
    uint64_t p50 = sg_hist_quantile(&h, 0.5), p99 = sg_hist_quantile(&h, 0.99);
    uint64_t p999 = sg_hist_quantile(&h, 0.999);
    CHECK(p50 >= 500000 && p50 < 500000 + 64);  /* width at 2^18..2^19: 64 ns */
    CHECK(p99 >= 990000 && p99 < 990000 + 128); /* 2^19..2^20: 128 ns */
    CHECK(p999 >= 999000 && p999 < 999000 + 128);
    check_against_exact(&h, v, n);
    free(v);
    sg_hist_free(&h);
}

static void test_exponential(void)
{
    /* 500,000 latencies, exponential with mean 50 us plus 2 us: the shape of
     * a queue. Mean exact, every percentile within a bucket of the truth. */
    struct sg_hist h;
    REQUIRE(sg_hist_init(&h) == 0);
    size_t n = 500000;
    uint64_t *v = malloc(n * sizeof(*v));
    REQUIRE(v != NULL);
    struct sg_rng r;
    sg_rng_seed(&r, 42);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = 2000 + (uint64_t)sg_rng_exp(&r, 50000.0);
        sum += (double)v[i];
        sg_hist_add(&h, v[i]);
    }
    CHECK(fabs((double)h.sum - sum) < 1.0);
    /* p99 of 2 us + Exp(50 us) is 2 + 50 ln 100 = 232.3 us */
    double p99 = (double)sg_hist_quantile(&h, 0.99) / 1000.0;
    CHECK(p99 > 225 && p99 < 240);
    check_against_exact(&h, v, n);
    free(v);
    sg_hist_free(&h);
}

static void test_seconds_and_overflow(void)
{
    /* a tail of seconds keeps 1 us resolution */
    struct sg_hist h;
    REQUIRE(sg_hist_init(&h) == 0);
    for (int i = 0; i < 990; i++) sg_hist_add(&h, 20000);
    for (int i = 0; i < 10; i++) sg_hist_add(&h, 2000000000ULL + 123456ULL * (uint64_t)i);
    uint64_t p995 = sg_hist_quantile(&h, 0.995);
    uint64_t want = 2000000000ULL + 123456ULL * 4;
    CHECK(p995 >= want && p995 - want < 1000);
    CHECK(sg_hist_quantile(&h, 0.99) >= 20000 && sg_hist_quantile(&h, 0.99) < 20004);
    CHECK(h.overflow == 0);
    sg_hist_add(&h, 1ULL << 40); /* 18 minutes: past the top */
    CHECK(h.overflow == 1);
    CHECK(sg_hist_quantile(&h, 1.0) == 1ULL << 40); /* max stays exact */
    sg_hist_reset(&h);
    CHECK(h.n == 0 && sg_hist_quantile(&h, 0.5) == 0);
    sg_hist_add(&h, 777);
    CHECK(sg_hist_quantile(&h, 0) == 777 && sg_hist_quantile(&h, 1) == 777);
    sg_hist_free(&h);
}

int main(void)
{
    test_geometry();
    test_uniform_known();
    test_exponential();
    test_seconds_and_overflow();
    printf("sg_hist: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
