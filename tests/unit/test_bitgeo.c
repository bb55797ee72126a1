/* test_bitgeo.c — store/bits.c, store/hll.c and store/geohash.c on their own.
 *
 *   - population count, bit search and the BITOP kernels agree with a
 *     bit-by-bit model at every length and alignment;
 *   - BITFIELD fields read back what was written at every width and offset
 *     and leave the neighbouring bits alone; INCRBY's overflow answer (and
 *     the WRAP / SAT value) is exact arithmetic at every width, signed 1..64
 *     and unsigned 1..63; SET's out-of-range quirks are Redis's;
 *   - the sparse HLL opcodes split, merge and promote as Redis's
 *     hllSparseSet does (checked on the decoded opcode lists), sparse and
 *     dense agree register by register and in PFCOUNT's estimate, and
 *     damaged forms (runs past the end, the CVE-2025-32023 floods) are
 *     refused without reading or writing out of bounds (run under ASan);
 *   - geohash scores, positions and distances are Redis's (the values in
 *     Redis's GEOADD/GEOPOS/GEODIST documentation), neighbours wrap;
 *   - GEOADD is logged as the ZADD it ran.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "check.h"
#include "db.h"
#include "geohash.h"
#include "hll.h"
#include "wlog.h"

static uint64_t rs = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static int bit_of(const uint8_t *p, uint64_t i)
{
    return (p[i >> 3] >> (7 - (i & 7))) & 1;
}

/* ------------------------------------------------------------------------ */
/* bits.c */

static void test_popcount(void)
{
    static uint8_t buf[(1 << 20) + 64];
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)rnd();
    for (size_t len = 0; len < 600; len++) {
        size_t off = rnd() % 64;
        uint64_t want = 0;
        for (size_t i = 0; i < len * 8; i++) want += (uint64_t)bit_of(buf + off, i);
        CHECK(bits_popcount(buf + off, len) == want);
    }
    uint64_t want = 0;
    for (size_t i = 0; i < (1 << 20); i++) want += (uint64_t)__builtin_popcount(buf[3 + i]);
    CHECK(bits_popcount(buf + 3, 1 << 20) == want);
    memset(buf, 0xff, sizeof(buf));
    CHECK(bits_popcount(buf + 1, 1 << 20) == 8ULL << 20);
}

static void test_find(void)
{
    static uint8_t buf[512];
    for (int round = 0; round < 3000; round++) {
        /* sparse ones, sparse zeros, or noise */
        int kind = round % 3;
        for (size_t i = 0; i < sizeof(buf); i++) {
            uint8_t v = (uint8_t)rnd();
            buf[i] = kind == 0 ? (rnd() % 50 ? 0 : v) : kind == 1 ? (rnd() % 50 ? 0xff : v) : v;
        }
        uint64_t a = rnd() % (sizeof(buf) * 8), b = rnd() % (sizeof(buf) * 8);
        if (round % 7 == 0) b = a + rnd() % 70;
        if (b >= sizeof(buf) * 8) b = sizeof(buf) * 8 - 1;
        for (int bit = 0; bit < 2; bit++) {
            int64_t want = -1;
            for (uint64_t i = a; i <= b; i++)
                if (bit_of(buf, i) == bit) {
                    want = (int64_t)i;
                    break;
                }
            CHECK(bits_find(buf, a, b, bit) == want);
        }
    }
    CHECK(bits_find(buf, 10, 9, 1) == -1);
}

static void test_bitop_kernels(void)
{
    static uint8_t s[4][40000], dst[40000];
    for (int round = 0; round < 60; round++) {
        int n = 1 + (int)(rnd() % 4);
        size_t len[4], maxlen = 0;
        const uint8_t *src[4];
        for (int i = 0; i < n; i++) {
            len[i] = rnd() % 3 ? rnd() % 40000 : rnd() % 40;
            for (size_t j = 0; j < len[i]; j++) s[i][j] = (uint8_t)rnd();
            src[i] = s[i];
            if (len[i] > maxlen) maxlen = len[i];
        }
        for (int op = 0; op < 4; op++) {
            int m = op == BITS_NOT ? 1 : n;
            size_t ml = op == BITS_NOT ? len[0] : maxlen;
            bits_op((enum bits_op)op, dst, ml, src, len, m);
            bool ok = true;
            for (size_t j = 0; j < ml; j++) {
                uint8_t v = j < len[0] ? s[0][j] : 0;
                if (op == BITS_NOT) v = (uint8_t)~v;
                for (int i = 1; i < m; i++) {
                    uint8_t x = j < len[i] ? s[i][j] : 0;
                    v = op == BITS_AND ? v & x : op == BITS_OR ? v | x : v ^ x;
                }
                if (dst[j] != v) ok = false;
            }
            CHECK(ok);
        }
    }
}

static void test_bitfield_fields(void)
{
    uint8_t buf[32], ref[32];
    for (unsigned bits = 1; bits <= 64; bits++) {
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 32; i++) ref[i] = buf[i] = (uint8_t)rnd();
            uint64_t off = rnd() % 150, v = rnd();
            bits_set(buf, off, bits, v);
            uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
            CHECK(bits_get_u(buf, off, bits) == (v & mask));
            /* the field's bits, most significant first, and nothing else */
            bool ok = true;
            for (uint64_t i = 0; i < 256; i++) {
                int want = i >= off && i < off + bits ? (int)((v >> (bits - 1 - (i - off))) & 1)
                                                      : bit_of(ref, i);
                if (bit_of(buf, i) != want) ok = false;
            }
            CHECK(ok);
            int64_t sv = bits_get_i(buf, off, bits);
            int64_t want = bits == 64 ? (int64_t)v
                                      : (int64_t)((v & mask) ^ (1ULL << (bits - 1))) -
                                            (int64_t)(1ULL << (bits - 1));
            CHECK(sv == want);
        }
    }
    /* Redis's own example (bits.h): u5 = 23 at offset 7 */
    memset(buf, 0, sizeof(buf));
    bits_set(buf, 7, 5, 23);
    CHECK(buf[0] == 0x01 && buf[1] == 0x70);
}

static int64_t pick_incr(void)
{
    static const int64_t special[] = {
        0,         1,           -1, 2, -2, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
        1LL << 32, -(1LL << 32)};
    if (rnd() % 3 == 0) return special[rnd() % (sizeof(special) / sizeof(special[0]))];
    int sh = (int)(rnd() % 64);
    return (int64_t)(rnd() >> sh) * (rnd() & 1 ? 1 : -1);
}

static void test_bitfield_overflow(void)
{
    for (unsigned bits = 1; bits <= 64; bits++) {
        __int128 smax = ((__int128)1 << (bits - 1)) - 1, smin = -smax - 1;
        __int128 umax = ((__int128)1 << bits) - 1;
        for (int round = 0; round < 3000; round++) {
            int64_t incr = pick_incr();
            /* signed: a value in range, exact sum */
            int64_t sv =
                (int64_t)(smin + (__int128)(rnd() % (uint64_t)(smax - smin + 1 > 0 && bits < 64
                                                                   ? (uint64_t)(smax - smin + 1)
                                                                   : UINT64_MAX)));
            if (bits == 64) sv = (int64_t)rnd();
            __int128 sum = (__int128)sv + incr;
            int want = sum > smax ? 1 : sum < smin ? -1 : 0;
            int64_t lim = 12345;
            CHECK(bits_check_i(sv, incr, bits, BITS_FAIL, &lim) == want);
            CHECK(bits_check_i(sv, incr, bits, BITS_SAT, &lim) == want);
            if (want) CHECK(lim == (int64_t)(want > 0 ? smax : smin));
            int got = bits_check_i(sv, incr, bits, BITS_WRAP, &lim);
            CHECK(got == (want ? 1 : 0));
            if (want) {
                /* the sum modulo 2^bits, sign-extended */
                unsigned __int128 m = (unsigned __int128)sum & (((unsigned __int128)1 << bits) - 1);
                __int128 w = (__int128)m > smax ? (__int128)m - ((__int128)1 << bits) : (__int128)m;
                CHECK(lim == (int64_t)w);
            }
            if (bits == 64) continue;
            /* unsigned (u1..u63) */
            uint64_t uv = (uint64_t)(rnd() % (uint64_t)(umax + 1));
            __int128 us = (__int128)uv + incr;
            want = us > umax ? 1 : us < 0 ? -1 : 0;
            uint64_t ulim = 777;
            CHECK(bits_check_u(uv, incr, bits, BITS_FAIL, &ulim) == want);
            CHECK(bits_check_u(uv, incr, bits, BITS_SAT, &ulim) == want);
            if (want) CHECK(ulim == (want > 0 ? (uint64_t)umax : 0));
            got = bits_check_u(uv, incr, bits, BITS_WRAP, &ulim);
            CHECK(got == (want ? 1 : 0));
            if (want) CHECK(ulim == (uint64_t)((unsigned __int128)us & (unsigned __int128)umax));
        }
    }
    /* SET checks its value with increment 0; Redis's wrapping headroom
     * makes INT64_MIN look like an overflow of i8 (redis-server 7.0.15:
     * OVERFLOW SAT SET i8 0 -9223372036854775808 stores 127) */
    int64_t lim;
    CHECK(bits_check_i(INT64_MIN, 0, 8, BITS_SAT, &lim) == 1 && lim == 127);
    CHECK(bits_check_i(-200, 0, 8, BITS_SAT, &lim) == -1 && lim == -128);
    CHECK(bits_check_i(-9223372036854775000LL, 0, 8, BITS_SAT, &lim) == -1 && lim == -128);
    CHECK(bits_check_i(INT64_MIN, 0, 8, BITS_WRAP, &lim) == 1 && lim == 0);
    uint64_t ul;
    CHECK(bits_check_u((uint64_t)-1, 0, 8, BITS_SAT, &ul) == 1 && ul == 255);
    CHECK(bits_check_u((uint64_t)-1, 0, 8, BITS_WRAP, &ul) == 1 && ul == 255);
    CHECK(bits_check_u(256, 0, 8, BITS_WRAP, &ul) == 1 && ul == 0);
}

/* ------------------------------------------------------------------------ */
/* hll.c */

static char dec[1 << 16];
static const char *decode(const struct hll_str *s)
{
    char *out;
    size_t n;
    if (!hll_decode(s->p, s->len, &out, &n)) return "(oom)";
    snprintf(dec, sizeof(dec), "%s", out);
    free(out);
    return dec;
}

static void test_hll_new(void)
{
    struct hll_str s;
    REQUIRE(hll_new(&s));
    static const uint8_t want[18] = {'H', 'Y', 'L', 'L', 1, 0, 0, 0,    0,
                                     0,   0,   0,   0,   0, 0, 0, 0x7f, 0xff};
    CHECK(s.len == 18 && memcmp(s.p, want, 18) == 0);
    CHECK(strcmp(decode(&s), "Z:16384") == 0);
    uint64_t card;
    CHECK(hll_cache_get(s.p, &card) && card == 0);
    hll_cache_invalidate(s.p);
    CHECK(!hll_cache_get(s.p, &card));
    hll_cache_set(s.p, 0x0102030405060708ULL);
    CHECK(hll_cache_get(s.p, &card) && card == 0x0102030405060708ULL && s.p[8] == 8);
    CHECK(hll_header_ok(s.p, s.len));
    CHECK(!hll_header_ok(s.p, 15));
    s.p[4] = 2;
    CHECK(!hll_header_ok(s.p, s.len));
    s.p[4] = HLL_DENSE;
    CHECK(!hll_header_ok(s.p, s.len)); /* dense must be 12304 bytes */
    free(s.p);
}

static void test_hll_sparse_opcodes(void)
{
    struct hll_str s;
    REQUIRE(hll_new(&s));
    /* XZERO split: a run before and after */
    CHECK(hll_set(&s, 100, 3, 3000) == 1);
    CHECK(strcmp(decode(&s), "Z:100 v:3,1 Z:16283") == 0);
    CHECK(hll_set(&s, 100, 2, 3000) == 0); /* not above: nothing */
    CHECK(hll_set(&s, 100, 3, 3000) == 0);
    /* runs of up to 64 are ZERO, beyond XZERO */
    CHECK(hll_set(&s, 165, 1, 3000) == 1);
    CHECK(strcmp(decode(&s), "Z:100 v:3,1 z:64 v:1,1 Z:16218") == 0);
    CHECK(hll_set(&s, 35, 1, 3000) == 1);
    CHECK(strcmp(decode(&s), "z:35 v:1,1 z:64 v:3,1 z:64 v:1,1 Z:16218") == 0);
    /* ZERO of one replaced in place; equal neighbours merge, at most 4 */
    CHECK(hll_set(&s, 166, 1, 3000) == 1);
    CHECK(hll_set(&s, 167, 1, 3000) == 1);
    CHECK(hll_set(&s, 168, 1, 3000) == 1);
    CHECK(strcmp(decode(&s), "z:35 v:1,1 z:64 v:3,1 z:64 v:1,4 Z:16215") == 0);
    CHECK(hll_set(&s, 169, 1, 3000) == 1);
    CHECK(strcmp(decode(&s), "z:35 v:1,1 z:64 v:3,1 z:64 v:1,4 v:1,1 Z:16214") == 0);
    /* splitting a VAL run; the new v:1,2 then merges with the v:1,1 after it */
    CHECK(hll_set(&s, 166, 5, 3000) == 1);
    CHECK(strcmp(decode(&s), "z:35 v:1,1 z:64 v:3,1 z:64 v:1,1 v:5,1 v:1,3 Z:16214") == 0);
    CHECK(hll_sparse_get(s.p, s.len, 166) == 5 && hll_sparse_get(s.p, s.len, 167) == 1 &&
          hll_sparse_get(s.p, s.len, 170) == 0);
    /* a value above 32 cannot be sparse */
    CHECK(hll_set(&s, 16383, 33, 3000) == 1);
    CHECK(hll_encoding(s.p) == HLL_DENSE && s.len == HLL_DENSE_SIZE);
    CHECK(hll_dense_get(s.p + HLL_HDR_SIZE, 16383) == 33 &&
          hll_dense_get(s.p + HLL_HDR_SIZE, 166) == 5 &&
          hll_dense_get(s.p + HLL_HDR_SIZE, 100) == 3 && hll_dense_get(s.p + HLL_HDR_SIZE, 0) == 0);
    free(s.p);
}

static void test_hll_promotion_by_size(void)
{
    /* a split that would take the form past sparse_max promotes instead */
    for (size_t max = 18; max < 60; max++) {
        struct hll_str s;
        REQUIRE(hll_new(&s));
        long reg = 0;
        bool promoted = false;
        for (int i = 0; i < 40 && !promoted; i++, reg += 300) {
            size_t before = s.len;
            CHECK(hll_set(&s, reg, 1 + (unsigned)(i % 5), max) == 1);
            if (hll_encoding(s.p) == HLL_DENSE) {
                promoted = true;
                CHECK(before + 3 > max); /* the XZERO split would have grown 3 */
            } else {
                CHECK(s.len <= max);
            }
        }
        CHECK(promoted);
        free(s.p);
    }
}

static void test_hll_sparse_dense_agree(void)
{
    for (int round = 0; round < 20; round++) {
        struct hll_str sp;
        REQUIRE(hll_new(&sp));
        uint8_t *dense = calloc(HLL_DENSE_SIZE + 1, 1);
        REQUIRE(dense);
        int n = 1 + (int)(rnd() % 3000);
        for (int i = 0; i < n; i++) {
            uint64_t ele = rnd();
            long reg;
            unsigned v = hll_pattern(&ele, sizeof(ele), &reg);
            CHECK(v >= 1 && v <= 51 && reg >= 0 && reg < HLL_REGISTERS);
            uint8_t *regs = dense + HLL_HDR_SIZE;
            if (hll_dense_get(regs, reg) < v) hll_dense_set(regs, reg, v);
            CHECK(hll_set(&sp, reg, v, 3000) >= 0);
        }
        memcpy(dense, "HYLL", 4);
        bool bad = false;
        uint64_t cd = hll_count(dense, HLL_DENSE_SIZE, &bad);
        uint64_t cs = hll_count(sp.p, sp.len, &bad);
        CHECK(!bad && cd == cs);
        uint8_t *mx = calloc(HLL_REGISTERS, 1), *my = calloc(HLL_REGISTERS, 1);
        REQUIRE(mx && my);
        CHECK(hll_merge(mx, sp.p, sp.len) == 0 && hll_merge(my, dense, HLL_DENSE_SIZE) == 0);
        CHECK(memcmp(mx, my, HLL_REGISTERS) == 0);
        CHECK(hll_count_raw(mx) == cd);
        if (hll_encoding(sp.p) == HLL_SPARSE) {
            CHECK(hll_to_dense(&sp) == 0);
            CHECK(memcmp(sp.p + HLL_HDR_SIZE, dense + HLL_HDR_SIZE,
                         HLL_DENSE_SIZE - HLL_HDR_SIZE) == 0);
        }
        free(mx);
        free(my);
        free(dense);
        free(sp.p);
    }
}

/* A sparse string from opcode bytes. */
static struct hll_str sparse_of(const uint8_t *ops, size_t n)
{
    struct hll_str s = {malloc(HLL_HDR_SIZE + n + 1), HLL_HDR_SIZE + n, HLL_HDR_SIZE + n};
    memcpy(s.p, "HYLL\x01\0\0\0\0\0\0\0\0\0\0\0", HLL_HDR_SIZE);
    memcpy(s.p + HLL_HDR_SIZE, ops, n);
    s.p[s.len] = 0;
    return s;
}

static bool refused(struct hll_str *s)
{
    bool invalid = false;
    uint8_t *mx = calloc(HLL_REGISTERS, 1);
    hll_count(s->p, s->len, &invalid);
    bool r = invalid && hll_merge(mx, s->p, s->len) == -1 && hll_to_dense(s) == -1 &&
             hll_encoding(s->p) == HLL_SPARSE;
    free(mx);
    return r;
}

static void test_hll_damage(void)
{
    /* short by one register; one too many; a VAL running past the end */
    uint8_t a[] = {0x7f, 0xfe};
    uint8_t b[] = {0x7f, 0xff, 0x80};
    uint8_t c[] = {0x7f, 0xfe, 0x83};
    uint8_t d[] = {0x7f}; /* a cut XZERO: 16129 registers */
    struct hll_str s;
    s = sparse_of(a, sizeof(a));
    CHECK(refused(&s));
    CHECK(hll_set(&s, 16383, 1, 3000) == -1); /* no opcode covers it */
    free(s.p);
    s = sparse_of(b, sizeof(b));
    CHECK(refused(&s));
    free(s.p);
    s = sparse_of(c, sizeof(c));
    CHECK(refused(&s));
    free(s.p);
    s = sparse_of(d, sizeof(d));
    CHECK(refused(&s));
    CHECK(strcmp(decode(&s), "Z:16129") == 0);
    free(s.p);
    /* CVE-2025-32023: runs adding up past 2^32 registers, then a VAL */
    size_t nx = 131072 + 1000;
    uint8_t *x = malloc(nx * 2 + 1);
    REQUIRE(x);
    for (size_t i = 0; i < nx; i++) {
        x[2 * i] = 0x7f;
        x[2 * i + 1] = 0xff;
    }
    x[nx * 2] = 0xff;
    s = sparse_of(x, nx * 2 + 1);
    CHECK(refused(&s));
    free(s.p);
    free(x);
    size_t nz = 33554432 + 1000;
    uint8_t *z = malloc(nz + 1);
    REQUIRE(z);
    memset(z, 0x3f, nz);
    z[nz] = 0xff;
    s = sparse_of(z, nz + 1);
    CHECK(refused(&s));
    free(s.p);
    free(z);
}

static void test_murmur(void)
{
    /* register and value of single elements, as redis-server 7.0.15's
     * PFADD x <e>; PFDEBUG DECODE x shows them (every tail length of
     * MurmurHash64A: 0, 1, 5, 8, 15, 17 bytes) */
    static const struct {
        const char *e;
        long reg;
        unsigned v;
    } want[] = {{"a", 12711, 2},       {"hello", 9216, 1},
                {"abcdefgh", 1383, 1}, {"abcdefghijklmno", 12377, 4},
                {"", 5938, 2},         {"12345678901234567", 11870, 8}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        long reg;
        unsigned v = hll_pattern(want[i].e, strlen(want[i].e), &reg);
        CHECK(reg == want[i].reg && v == want[i].v);
    }
    /* the same bytes hash the same wherever they sit (unaligned reads) */
    char buf[32];
    for (int off = 0; off < 8; off++) {
        memcpy(buf + off, "abcdefghijklmno", 15);
        CHECK(hll_murmur64a(buf + off, 15, 7) == hll_murmur64a("abcdefghijklmno", 15, 7));
    }
}

/* ------------------------------------------------------------------------ */
/* geohash.c */

static void test_geohash_known(void)
{
    /* Redis's documentation: GEOADD Sicily 13.361389 38.115556 "Palermo"
     * 15.087269 37.502669 "Catania"; ZSCORE, GEOPOS, GEODIST */
    struct geo_bits h;
    CHECK(geo_encode_wgs84(13.361389, 38.115556, GEO_STEP_MAX, &h));
    CHECK(geo_align52(h) == 3479099956230698ULL);
    CHECK(geo_encode_wgs84(15.087269, 37.502669, GEO_STEP_MAX, &h));
    CHECK(geo_align52(h) == 3479447370796909ULL);
    double p[2], c[2];
    CHECK(geo_decode_score(3479099956230698.0, p));
    CHECK(geo_decode_score(3479447370796909.0, c));
    char buf[64];
    snprintf(buf, sizeof(buf), "%.17Lf", (long double)p[0]);
    CHECK(strncmp(buf, "13.36138933897018433", 20) == 0);
    snprintf(buf, sizeof(buf), "%.17Lf", (long double)p[1]);
    CHECK(strncmp(buf, "38.11555639549629859", 20) == 0);
    double d = geo_distance(p[0], p[1], c[0], c[1]);
    CHECK(llrint(d * 10000) == 1662741516LL); /* "166274.1516" */
    /* outside the limits: no hash */
    CHECK(!geo_encode_wgs84(0, 85.1, 26, &h));
    CHECK(!geo_encode_wgs84(180.0001, 0, 26, &h));
    CHECK(!geo_encode_wgs84(0, 0, 0, &h));
}

static void test_geohash_roundtrip(void)
{
    for (int i = 0; i < 20000; i++) {
        double lon = (double)(rnd() % 3600000) / 10000.0 - 180;
        double lat = (double)(rnd() % 1701022) / 10000.0 - 85.05112878;
        struct geo_bits h;
        REQUIRE(geo_encode_wgs84(lon, lat, 26, &h));
        double xy[2];
        CHECK(geo_decode_score((double)geo_align52(h), xy));
        /* within the 52-bit box: about 0.6 m */
        CHECK(fabs(xy[0] - lon) < 360.0 / (1 << 26) && fabs(xy[1] - lat) < 171.0 / (1 << 26));
    }
}

static void test_geohash_boxes(void)
{
    /* a small circle: a fine step, nine distinct boxes around the centre */
    struct geo_shape s = {.type = GEO_CIRCLE, .xy = {15, 37}, .conversion = 1000, .radius = 1};
    struct geo_boxes b;
    geo_boxes_for(&s, &b);
    CHECK(b.box[0].step >= 10);
    CHECK(b.area.lon.min <= 15 && b.area.lon.max >= 15 && b.area.lat.min <= 37 &&
          b.area.lat.max >= 37);
    CHECK(s.bounds[0] < 15 && s.bounds[2] > 15 && s.bounds[1] < 37 && s.bounds[3] > 37);
    /* at the antimeridian the west neighbour wraps to the east edge */
    struct geo_shape e = {.type = GEO_CIRCLE, .xy = {179.9999, 0}, .conversion = 1, .radius = 1};
    geo_boxes_for(&e, &b);
    struct geo_range lon = {-180, 180}, lat = {-85.05112878, 85.05112878};
    struct geo_area east;
    if (b.box[3].step) {
        CHECK(geo_decode(lon, lat, b.box[3], &east));
        CHECK(east.lon.min == -180);
    }
    /* a huge radius: the coarsest step */
    struct geo_shape h = {
        .type = GEO_RECT, .xy = {0, 0}, .conversion = 1000, .width = 40000, .height = 40000};
    geo_boxes_for(&h, &b);
    CHECK(b.box[0].step == 1);
    /* distances: along a meridian, and symmetric */
    CHECK(geo_distance(10, 0, 10, 1) == 6372797.560856 * (M_PI / 180.0));
    CHECK(geo_distance(1, 2, 3, 4) == geo_distance(3, 4, 1, 2));
    double dist;
    CHECK(geo_in_radius(0, 0, 0, 0.001, 112, &dist) && !geo_in_radius(0, 0, 0, 0.001, 111, &dist));
    CHECK(geo_in_rect(300, 300, 0, 0, 0.001, 0.001, &dist) &&
          !geo_in_rect(200, 300, 0, 0, 0.001, 0.001, &dist));
}

/* ------------------------------------------------------------------------ */
/* GEOADD's effect in the write log: the ZADD it ran. */

void cmd_geoadd(struct cmdctx *c);

static void test_geoadd_effect(void)
{
    struct keyspace ks;
    struct reply r;
    struct wstats st = {0};
    static struct wlog_buf buf; /* registered for good: static */
    REQUIRE(ks_init(&ks, 4, 16) == 0);
    reply_init(&r);
    wlog_buf_init(&buf);
    wlog_register(&buf);
    wlog_set_enabled_locked(true, atomic_load(&wlog.seq));
    struct sarg argv[] = {SARG_LIT("GEOADD"),    SARG_LIT("Sicily"),    SARG_LIT("CH"),
                          SARG_LIT("13.361389"), SARG_LIT("38.115556"), SARG_LIT("Palermo")};
    struct cmdctx c = {.argc = 6,
                       .argv = argv,
                       .r = &r,
                       .ks = &ks,
                       .st = &st,
                       .log = &buf,
                       .max_bulk = 512LL * 1024 * 1024,
                       .now_ms = store_mstime()};
    ks_lock_all(&ks);
    cmd_unit_begin(&c);
    cmd_geoadd(&c);
    cmd_unit_end(&c);
    ks_unlock_all(&ks);
    struct wlog_unit u;
    bool got = false;
    for (int i = 0; i < 1000 && !(got = wlog_next(&u)); i++) {
    }
    REQUIRE(got);
    const char *cur = NULL;
    struct wlog_fx_view fx;
    REQUIRE(wlog_unit_fx(&u, 0, &cur, &fx));
    static const char want[] = "*5\r\n$4\r\nzadd\r\n$6\r\nSicily\r\n$2\r\nCH\r\n"
                               "$16\r\n3479099956230698\r\n$7\r\nPalermo\r\n";
    CHECK(fx.len == sizeof(want) - 1 && memcmp(fx.resp, want, fx.len) == 0);
    CHECK(!wlog_unit_fx(&u, 1, &cur, &fx));
    wlog_set_enabled_locked(false, u.seq);
    wlog_buf_free(&buf);
    reply_release(&r);
    ks_destroy(&ks);
}

int main(void)
{
    test_popcount();
    test_find();
    test_bitop_kernels();
    test_bitfield_fields();
    test_bitfield_overflow();
    test_hll_new();
    test_hll_sparse_opcodes();
    test_hll_promotion_by_size();
    test_hll_sparse_dense_agree();
    test_hll_damage();
    test_murmur();
    test_geohash_known();
    test_geohash_roundtrip();
    test_geohash_boxes();
    test_geoadd_effect();
    printf("test_bitgeo: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
