/* hll.c — HyperLogLog registers, sparse and dense, and the estimator
 * (layouts in hll.h).
 *
 * The estimator is Ertl's ("New cardinality estimation algorithms for
 * HyperLogLog sketches", arXiv:1702.01284), computed with the same
 * floating-point operations in the same order as Redis 7.0, so PFCOUNT
 * answers the same number for the same registers.
 */
#include "hll.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HLL_Q         (64 - HLL_P) /* hash bits left for the zero run */
#define HLL_MAX_REG   ((1 << HLL_BITS) - 1)
#define HLL_SEED      0xadc83b19U
#define HLL_REG_BYTES (HLL_DENSE_SIZE - HLL_HDR_SIZE)

/* Sparse opcodes. */
#define OP_IS_ZERO(b)  (((b)&0xc0) == 0x00)
#define OP_IS_XZERO(b) (((b)&0xc0) == 0x40)
#define OP_IS_VAL(b)   (((b)&0x80) != 0)
#define ZERO_LEN(b)    (((b)&0x3f) + 1)
#define VAL_VALUE(b)   ((((b) >> 2) & 0x1f) + 1)
#define VAL_LEN(b)     (((b)&0x3) + 1)
#define VAL_MAX_VALUE  32
#define VAL_MAX_LEN    4
#define ZERO_MAX_LEN   64
#define XZERO_MAX_LEN  16384

static inline uint8_t op_val(unsigned v, unsigned len)
{
    return (uint8_t)(0x80 | ((v - 1) << 2) | (len - 1));
}

/* Length of the XZERO at p; its second byte is read as 0 past the end (the
 * string's NUL, as Redis reads it), so a truncated opcode still decodes. */
static inline long xzero_len(const uint8_t *p, const uint8_t *end)
{
    unsigned lo = p + 1 < end ? p[1] : 0;
    return (long)((((unsigned)p[0] & 0x3f) << 8) | lo) + 1;
}

/* One sparse opcode at q: the registers it spans, their value (0 for ZERO
 * and XZERO) and its length in bytes. */
struct sparse_op {
    long run;
    unsigned v;
    int len;
};

static inline struct sparse_op sparse_op(const uint8_t *q, const uint8_t *end)
{
    if (OP_IS_ZERO(*q)) return (struct sparse_op){ZERO_LEN(*q), 0, 1};
    if (OP_IS_XZERO(*q)) return (struct sparse_op){xzero_len(q, end), 0, 2};
    return (struct sparse_op){VAL_LEN(*q), VAL_VALUE(*q), 1};
}

/* Writes ZERO or XZERO for len registers at n; returns the bytes used. */
static int put_zeros(uint8_t *n, long len)
{
    if (len > ZERO_MAX_LEN) {
        n[0] = (uint8_t)(0x40 | ((len - 1) >> 8));
        n[1] = (uint8_t)((len - 1) & 0xff);
        return 2;
    }
    n[0] = (uint8_t)(len - 1);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Hashing. */

uint64_t hll_murmur64a(const void *key, size_t len, uint32_t seed)
{
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    /* Redis passes the length as an int */
    uint64_t h = seed ^ ((uint64_t)(int)len * m);
    const uint8_t *data = key;
    const uint8_t *end = data + (len - (len & 7));
    while (data != end) {
        uint64_t k;
        memcpy(&k, data, 8); /* little endian, as Redis reads it on every CPU */
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
        data += 8;
    }
    switch (len & 7) {
    case 7: h ^= (uint64_t)data[6] << 48; /* fall through */
    case 6: h ^= (uint64_t)data[5] << 40; /* fall through */
    case 5: h ^= (uint64_t)data[4] << 32; /* fall through */
    case 4: h ^= (uint64_t)data[3] << 24; /* fall through */
    case 3: h ^= (uint64_t)data[2] << 16; /* fall through */
    case 2: h ^= (uint64_t)data[1] << 8;  /* fall through */
    case 1: h ^= (uint64_t)data[0]; h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

unsigned hll_pattern(const void *ele, size_t len, long *reg)
{
    uint64_t hash = hll_murmur64a(ele, len, HLL_SEED);
    *reg = (long)(hash & (HLL_REGISTERS - 1));
    hash >>= HLL_P;
    hash |= 1ULL << HLL_Q; /* the run ends by bit Q: value <= Q + 1 */
    return (unsigned)__builtin_ctzll(hash) + 1;
}

/* ------------------------------------------------------------------------ */
/* Header. */

bool hll_header_ok(const uint8_t *p, size_t len)
{
    if (len < HLL_HDR_SIZE || memcmp(p, "HYLL", 4) != 0) return false;
    if (p[4] > HLL_SPARSE) return false;
    return p[4] != HLL_DENSE || len == HLL_DENSE_SIZE;
}

bool hll_cache_get(const uint8_t *p, uint64_t *card)
{
    if (p[15] & 0x80) return false;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[8 + i];
    *card = v;
    return true;
}

void hll_cache_set(uint8_t *p, uint64_t card)
{
    for (int i = 0; i < 8; i++) p[8 + i] = (uint8_t)(card >> (8 * i));
}

bool hll_new(struct hll_str *s)
{
    uint8_t *p = calloc(HLL_SPARSE_NEW + 1, 1);
    if (!p) return false;
    memcpy(p, "HYLL", 4);
    p[4] = HLL_SPARSE;
    put_zeros(p + HLL_HDR_SIZE, HLL_REGISTERS);
    s->p = p;
    s->len = s->cap = HLL_SPARSE_NEW;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Dense registers. Register i starts at bit 6i, least significant first;
 * it spans two bytes unless it sits in one (never past the last byte: the
 * last register is the top 6 bits of byte 12287). */

unsigned hll_dense_get(const uint8_t *regs, long i)
{
    unsigned long bit = (unsigned long)i * HLL_BITS;
    unsigned long byte = bit >> 3, fb = bit & 7;
    unsigned v = (unsigned)regs[byte] >> fb;
    if (fb > 8 - HLL_BITS) v |= (unsigned)regs[byte + 1] << (8 - fb);
    return v & HLL_MAX_REG;
}

void hll_dense_set(uint8_t *regs, long i, unsigned v)
{
    unsigned long bit = (unsigned long)i * HLL_BITS;
    unsigned long byte = bit >> 3, fb = bit & 7;
    regs[byte] = (uint8_t)((regs[byte] & ~(HLL_MAX_REG << fb)) | (v << fb));
    if (fb > 8 - HLL_BITS) {
        unsigned hi = 8 - (unsigned)fb; /* bits of v already placed */
        regs[byte + 1] = (uint8_t)((regs[byte + 1] & ~(HLL_MAX_REG >> hi)) | (v >> hi));
    }
}

/* ------------------------------------------------------------------------ */
/* Sparse registers. */

int hll_sparse_get(const uint8_t *p, size_t len, long i)
{
    const uint8_t *q = p + HLL_HDR_SIZE, *end = p + len;
    long first = 0;
    while (q < end) {
        struct sparse_op op = sparse_op(q, end);
        if (i <= first + op.run - 1) return (int)op.v;
        q += op.len;
        first += op.run;
    }
    return -1;
}

/* Reserve room for `extra` more bytes. */
static bool hll_reserve(struct hll_str *s, size_t extra)
{
    if (s->cap >= s->len + extra) return true;
    size_t cap = s->len + extra;
    cap = cap < 64 ? 64 : cap + cap / 2;
    uint8_t *n = realloc(s->p, cap + 1);
    if (!n) return false;
    s->p = n;
    s->cap = cap;
    return true;
}

int hll_to_dense(struct hll_str *s)
{
    if (s->p[4] == HLL_DENSE) return 0;
    uint8_t *d = calloc(HLL_DENSE_SIZE + 1, 1);
    if (!d) return -2;
    memcpy(d, s->p, HLL_HDR_SIZE); /* magic and cached cardinality */
    d[4] = HLL_DENSE;
    uint8_t *regs = d + HLL_HDR_SIZE;
    const uint8_t *q = s->p + HLL_HDR_SIZE, *end = s->p + s->len;
    long idx = 0;
    while (q < end) {
        struct sparse_op op = sparse_op(q, end);
        long run = op.run;
        unsigned v = op.v;
        q += op.len;
        if (idx + run > HLL_REGISTERS) {
            idx = -1; /* a run past the last register: damaged */
            break;
        }
        for (long k = 0; v && k < run; k++) hll_dense_set(regs, idx + k, v);
        idx += run;
    }
    if (idx != HLL_REGISTERS) {
        free(d);
        return -1;
    }
    free(s->p);
    s->p = d;
    s->len = s->cap = HLL_DENSE_SIZE;
    return 0;
}

/* Redis's hllSparseSet: find the opcode covering register i; if it must
 * change, replace it by up to three (a run before, the new VAL, a run
 * after), then merge equal adjacent VALs in the five opcodes from the one
 * before. Promotes to dense for a value above 32 or a form growing past
 * sparse_max. */
static int sparse_set(struct hll_str *s, long i, unsigned v, size_t sparse_max)
{
    if (v > VAL_MAX_VALUE) goto promote;
    /* the worst case, XZERO -> XZERO VAL XZERO, grows 3 bytes */
    if (!hll_reserve(s, 3)) return -2;
    uint8_t *sparse = s->p + HLL_HDR_SIZE, *end = s->p + s->len, *p = sparse, *prev = NULL;
    long first = 0, span = 0;
    while (p < end) {
        struct sparse_op op = sparse_op(p, end);
        span = op.run;
        if (i <= first + span - 1) break;
        prev = p;
        p += op.len;
        first += span;
    }
    if (span == 0 || p >= end) return -1;
    bool is_xzero = OP_IS_XZERO(*p), is_zero = OP_IS_ZERO(*p);
    uint8_t *next = p + (is_xzero ? 2 : 1);
    if (next >= end) next = NULL;
    long runlen = span;

    if (!is_xzero && !is_zero) {
        unsigned old = VAL_VALUE(*p);
        if (old >= v) return 0;
        if (runlen == 1) {
            *p = op_val(v, 1);
            goto merge;
        }
    }
    if (is_zero && runlen == 1) {
        *p = op_val(v, 1);
        goto merge;
    }

    /* the general case: split the opcode */
    uint8_t seq[5], *n = seq;
    long last = first + span - 1;
    if (is_zero || is_xzero) {
        if (i != first) n += put_zeros(n, i - first);
        *n++ = op_val(v, 1);
        if (i != last) n += put_zeros(n, last - i);
    } else {
        unsigned cur = VAL_VALUE(*p);
        if (i != first) *n++ = op_val(cur, (unsigned)(i - first));
        *n++ = op_val(v, 1);
        if (i != last) *n++ = op_val(cur, (unsigned)(last - i));
    }
    long seqlen = n - seq, oldlen = is_xzero ? 2 : 1, delta = seqlen - oldlen;
    if (delta > 0 && s->len + (size_t)delta > sparse_max) goto promote;
    if (delta && next) memmove(next + delta, next, (size_t)(end - next));
    s->len = (size_t)((long)s->len + delta);
    s->p[s->len] = '\0';
    memcpy(p, seq, (size_t)seqlen);
    end += delta;

merge:
    p = prev ? prev : sparse;
    for (int scan = 5; p < end && scan--;) {
        if (OP_IS_XZERO(*p)) {
            p += 2;
            continue;
        }
        if (OP_IS_ZERO(*p)) {
            p++;
            continue;
        }
        if (p + 1 < end && OP_IS_VAL(p[1]) && VAL_VALUE(*p) == VAL_VALUE(p[1])) {
            unsigned len = VAL_LEN(*p) + VAL_LEN(p[1]);
            if (len <= VAL_MAX_LEN) {
                p[1] = op_val(VAL_VALUE(*p), len);
                memmove(p, p + 1, (size_t)(end - p));
                s->len--;
                end--;
                s->p[s->len] = '\0';
                continue; /* the merged opcode may merge with the next */
            }
        }
        p++;
    }
    hll_cache_invalidate(s->p);
    return 1;

promote : {
    int r = hll_to_dense(s);
    if (r < 0) return r;
    /* a value the sparse form could not hold, or any value when it grew
     * too big, is above what the register has */
    uint8_t *regs = s->p + HLL_HDR_SIZE;
    if (hll_dense_get(regs, i) >= v) return 0;
    hll_dense_set(regs, i, v);
    return 1;
}
}

int hll_set(struct hll_str *s, long i, unsigned v, size_t sparse_max)
{
    if (s->p[4] == HLL_DENSE) {
        uint8_t *regs = s->p + HLL_HDR_SIZE;
        if (hll_dense_get(regs, i) >= v) return 0;
        hll_dense_set(regs, i, v);
        return 1;
    }
    return sparse_set(s, i, v, sparse_max);
}

/* ------------------------------------------------------------------------ */
/* Counting. */

static void histo_dense(const uint8_t *regs, int *h)
{
    /* 4 registers in every 3 bytes */
    for (long j = 0; j < HLL_REG_BYTES; j += 3) {
        unsigned b0 = regs[j], b1 = regs[j + 1], b2 = regs[j + 2];
        h[b0 & 63]++;
        h[(b0 >> 6 | b1 << 2) & 63]++;
        h[(b1 >> 4 | b2 << 4) & 63]++;
        h[b2 >> 2]++;
    }
}

static bool histo_sparse(const uint8_t *p, size_t len, int *h)
{
    const uint8_t *q = p + HLL_HDR_SIZE, *end = p + len;
    long idx = 0;
    while (q < end) {
        struct sparse_op op = sparse_op(q, end);
        long run = op.run;
        int v = (int)op.v;
        q += op.len;
        if (idx + run > HLL_REGISTERS) return false;
        idx += run;
        h[v] += (int)run;
    }
    return idx == HLL_REGISTERS;
}

/* sigma and tau of Ertl's paper, as Redis computes them. */
static double hll_sigma(double x)
{
    if (x == 1.) return INFINITY;
    double zp, y = 1, z = x;
    do {
        x *= x;
        zp = z;
        z += x * y;
        y += y;
    } while (zp != z);
    return z;
}

static double hll_tau(double x)
{
    if (x == 0. || x == 1.) return 0.;
    double zp, y = 1.0, z = 1 - x;
    do {
        x = sqrt(x);
        zp = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (zp != z);
    return z / 3;
}

static uint64_t estimate(const int *h)
{
    const double m = HLL_REGISTERS;
    double z = m * hll_tau((m - h[HLL_Q + 1]) / (double)m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += h[j];
        z *= 0.5;
    }
    z += m * hll_sigma(h[0] / (double)m);
    /* 0.5 / ln(2) */
    return (uint64_t)llroundl(0.721347520444481703680 * m * m / z);
}

uint64_t hll_count(const uint8_t *p, size_t len, bool *invalid)
{
    int h[64] = {0};
    if (p[4] == HLL_DENSE)
        histo_dense(p + HLL_HDR_SIZE, h);
    else if (!histo_sparse(p, len, h) && invalid)
        *invalid = true;
    return estimate(h);
}

uint64_t hll_count_raw(const uint8_t *regs)
{
    int h[64] = {0};
    for (long j = 0; j < HLL_REGISTERS; j += 8) {
        uint64_t w;
        memcpy(&w, regs + j, 8);
        if (!w) {
            h[0] += 8; /* eight empty registers at once */
            continue;
        }
        for (int k = 0; k < 8; k++) h[regs[j + k] & 63]++;
    }
    return estimate(h);
}

int hll_merge(uint8_t *max, const uint8_t *p, size_t len)
{
    if (p[4] == HLL_DENSE) {
        /* 4 registers in every 3 bytes */
        const uint8_t *regs = p + HLL_HDR_SIZE;
        for (long j = 0, i = 0; j < HLL_REG_BYTES; j += 3, i += 4) {
            unsigned b0 = regs[j], b1 = regs[j + 1], b2 = regs[j + 2];
            uint8_t r[4] = {(uint8_t)(b0 & 63), (uint8_t)((b0 >> 6 | b1 << 2) & 63),
                            (uint8_t)((b1 >> 4 | b2 << 4) & 63), (uint8_t)(b2 >> 2)};
            for (int k = 0; k < 4; k++)
                if (r[k] > max[i + k]) max[i + k] = r[k];
        }
        return 0;
    }
    const uint8_t *q = p + HLL_HDR_SIZE, *end = p + len;
    long idx = 0;
    while (q < end) {
        struct sparse_op op = sparse_op(q, end);
        long run = op.run;
        unsigned v = op.v;
        q += op.len;
        if (idx + run > HLL_REGISTERS) return -1;
        for (long k = 0; v && k < run; k++)
            if (v > max[idx + k]) max[idx + k] = (uint8_t)v;
        idx += run;
    }
    return idx == HLL_REGISTERS ? 0 : -1;
}

bool hll_decode(const uint8_t *p, size_t len, char **out, size_t *outlen)
{
    /* at most "v:32,4 " (7 bytes) per opcode byte, and a cut XZERO at the end */
    size_t cap = (len - HLL_HDR_SIZE) * 7 + 9, n = 0;
    char *s = malloc(cap);
    if (!s) return false;
    const uint8_t *q = p + HLL_HDR_SIZE, *end = p + len;
    while (q < end) {
        if (OP_IS_ZERO(*q)) {
            n += (size_t)snprintf(s + n, cap - n, "z:%d ", ZERO_LEN(*q));
            q++;
        } else if (OP_IS_XZERO(*q)) {
            n += (size_t)snprintf(s + n, cap - n, "Z:%ld ", xzero_len(q, end));
            q += 2;
        } else {
            n += (size_t)snprintf(s + n, cap - n, "v:%d,%d ", VAL_VALUE(*q), VAL_LEN(*q));
            q++;
        }
    }
    if (n && s[n - 1] == ' ') n--; /* Redis trims the spaces at the end */
    s[n] = '\0';
    *out = s;
    *outlen = n;
    return true;
}
