/* bits.c — population count, bit search, BITOP kernels and BITFIELD
 * arithmetic (see bits.h for the bit numbering and the contracts).
 *
 * Speed. BITCOUNT and BITOP run over strings of up to 512 MB, so they go a
 * word or a vector at a time. The baseline build targets plain x86-64, so
 * the AVX2 and POPCNT forms are compiled with target attributes and picked
 * once at start-up from the CPU's feature bits; the portable forms are
 * there for the rest.
 */
#include "bits.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BITS_X86 1
#endif

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void store64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* ------------------------------------------------------------------------ */
/* Population count. */

static uint64_t popcount_swar(const uint8_t *p, size_t n)
{
    uint64_t total = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = load64(p + i);
        v = v - ((v >> 1) & 0x5555555555555555ULL);
        v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
        v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
        total += (v * 0x0101010101010101ULL) >> 56;
    }
    for (; i < n; i++) {
        unsigned b = p[i];
        b = b - ((b >> 1) & 0x55);
        b = (b & 0x33) + ((b >> 2) & 0x33);
        total += (b + (b >> 4)) & 0x0f;
    }
    return total;
}

#ifdef BITS_X86
__attribute__((target("popcnt"))) static uint64_t popcount_popcnt(const uint8_t *p, size_t n)
{
    /* four independent sums keep the POPCNT units busy */
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a += (uint64_t)__builtin_popcountll(load64(p + i));
        b += (uint64_t)__builtin_popcountll(load64(p + i + 8));
        c += (uint64_t)__builtin_popcountll(load64(p + i + 16));
        d += (uint64_t)__builtin_popcountll(load64(p + i + 24));
    }
    for (; i + 8 <= n; i += 8) a += (uint64_t)__builtin_popcountll(load64(p + i));
    for (; i < n; i++) b += (uint64_t)__builtin_popcount(p[i]);
    return a + b + c + d;
}

/* AVX2: each byte's two nibbles looked up in a 16-entry table (PSHUFB),
 * byte counts summed per 64-bit lane by PSADBW against zero. The byte
 * counters are flushed every 8 vectors (at most 8 * 8 = 64 per byte). */
__attribute__((target("avx2,popcnt"))) static uint64_t popcount_avx2(const uint8_t *p, size_t n)
{
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                           2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i acc = _mm256_setzero_si256();
    size_t i = 0;
    while (i + 32 <= n) {
        __m256i bytes = _mm256_setzero_si256();
        for (int k = 0; k < 8 && i + 32 <= n; k++, i += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
            __m256i lo = _mm256_and_si256(v, low);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
            bytes = _mm256_add_epi8(bytes, _mm256_shuffle_epi8(table, lo));
            bytes = _mm256_add_epi8(bytes, _mm256_shuffle_epi8(table, hi));
        }
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
    }
    uint64_t lanes[4];
    _mm256_storeu_si256((__m256i *)(void *)lanes, acc);
    uint64_t total = lanes[0] + lanes[1] + lanes[2] + lanes[3];
    for (; i + 8 <= n; i += 8) total += (uint64_t)__builtin_popcountll(load64(p + i));
    for (; i < n; i++) total += (uint64_t)__builtin_popcount(p[i]);
    return total;
}
#endif

typedef uint64_t (*popcount_fn)(const uint8_t *, size_t);
static popcount_fn popcount_impl = popcount_swar;

/* BITOP kernels: dst op= src over n bytes. One body, compiled for the
 * baseline and, on x86-64, for AVX2 (the loop vectorizes there). */
#define BITS_KERNEL(name, OP, attr)                                                      \
    attr static void name(uint8_t *dst, const uint8_t *src, size_t n)                    \
    {                                                                                    \
        size_t i = 0;                                                                    \
        for (; i + 8 <= n; i += 8) store64(dst + i, load64(dst + i) OP load64(src + i)); \
        for (; i < n; i++) dst[i] = (uint8_t)(dst[i] OP src[i]);                         \
    }
BITS_KERNEL(k_and, &, )
BITS_KERNEL(k_or, |, )
BITS_KERNEL(k_xor, ^, )
#ifdef BITS_X86
BITS_KERNEL(k_and_avx2, &, __attribute__((target("avx2"))))
BITS_KERNEL(k_or_avx2, |, __attribute__((target("avx2"))))
BITS_KERNEL(k_xor_avx2, ^, __attribute__((target("avx2"))))
#endif
#undef BITS_KERNEL

/* dst = a op b over n bytes: the first two sources in one pass. */
#define BITS_KERNEL2(name, OP, attr)                                                  \
    attr static void name(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n) \
    {                                                                                 \
        size_t i = 0;                                                                 \
        for (; i + 8 <= n; i += 8) store64(dst + i, load64(a + i) OP load64(b + i));  \
        for (; i < n; i++) dst[i] = (uint8_t)(a[i] OP b[i]);                          \
    }
BITS_KERNEL2(k2_and, &, )
BITS_KERNEL2(k2_or, |, )
BITS_KERNEL2(k2_xor, ^, )
#ifdef BITS_X86
BITS_KERNEL2(k2_and_avx2, &, __attribute__((target("avx2"))))
BITS_KERNEL2(k2_or_avx2, |, __attribute__((target("avx2"))))
BITS_KERNEL2(k2_xor_avx2, ^, __attribute__((target("avx2"))))
#endif
#undef BITS_KERNEL2

typedef void (*kernel_fn)(uint8_t *, const uint8_t *, size_t);
typedef void (*kernel2_fn)(uint8_t *, const uint8_t *, const uint8_t *, size_t);
static kernel_fn kernel_impl[3] = {k_and, k_or, k_xor};
static kernel2_fn kernel2_impl[3] = {k2_and, k2_or, k2_xor};

__attribute__((constructor)) static void bits_pick(void)
{
#ifdef BITS_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("popcnt")) popcount_impl = popcount_popcnt;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) {
        popcount_impl = popcount_avx2;
        kernel_impl[0] = k_and_avx2;
        kernel_impl[1] = k_or_avx2;
        kernel_impl[2] = k_xor_avx2;
        kernel2_impl[0] = k2_and_avx2;
        kernel2_impl[1] = k2_or_avx2;
        kernel2_impl[2] = k2_xor_avx2;
    }
#endif
}

uint64_t bits_popcount(const void *p, size_t n)
{
    return popcount_impl(p, n);
}

/* ------------------------------------------------------------------------ */
/* Bit search. */

/* First bit equal to `bit` in byte b among its bit positions [lo, hi]
 * (0 = most significant), or -1. */
static int find_in_byte(unsigned b, unsigned lo, unsigned hi, int bit)
{
    if (!bit) b = ~b & 0xff;
    /* keep positions lo..hi: bit position k is value bit 7-k */
    unsigned mask = (0xffu >> lo) & (0xffu << (7 - hi)) & 0xff;
    b &= mask;
    if (!b) return -1;
    return __builtin_clz(b) - 24;
}

int64_t bits_find(const uint8_t *p, uint64_t from, uint64_t to, int bit)
{
    if (from > to) return -1;
    uint64_t fb = from >> 3, lb = to >> 3;
    if (fb == lb) {
        int k = find_in_byte(p[fb], from & 7, to & 7, bit);
        return k < 0 ? -1 : (int64_t)(fb * 8 + (uint64_t)k);
    }
    int k = find_in_byte(p[fb], from & 7, 7, bit);
    if (k >= 0) return (int64_t)(fb * 8 + (uint64_t)k);
    /* whole bytes fb+1 .. lb-1, a word at a time: a word of all "not bit"
     * is skipped; otherwise its first wanted bit is found big-endian */
    const uint64_t skip = bit ? 0 : ~0ULL;
    uint64_t i = fb + 1;
    for (; i + 8 <= lb; i += 8) {
        uint64_t w = load64(p + i);
        if (w == skip) continue;
        uint64_t be = __builtin_bswap64(w);
        if (!bit) be = ~be;
        return (int64_t)(i * 8 + (uint64_t)__builtin_clzll(be));
    }
    for (; i < lb; i++) {
        if (p[i] == (uint8_t)skip) continue;
        return (int64_t)(i * 8 + (uint64_t)find_in_byte(p[i], 0, 7, bit));
    }
    k = find_in_byte(p[lb], 0, to & 7, bit);
    return k < 0 ? -1 : (int64_t)(lb * 8 + (uint64_t)k);
}

/* ------------------------------------------------------------------------ */
/* BITOP. */

/* Blocks small enough that dst stays in cache while every source passes. */
#define BITOP_BLOCK 16384

void bits_op(enum bits_op op, uint8_t *dst, size_t maxlen, const uint8_t *const *src,
             const size_t *len, int n)
{
    for (size_t at = 0; at < maxlen; at += BITOP_BLOCK) {
        size_t blk = maxlen - at < BITOP_BLOCK ? maxlen - at : BITOP_BLOCK;
        uint8_t *d = dst + at;
        size_t have = len[0] > at ? len[0] - at : 0;
        if (have > blk) have = blk;
        int s = 1;
        if (op != BITS_NOT && n >= 2) {
            /* the first two sources in one pass where both have bytes; past
             * the shorter one, a zero: AND gives zeros, OR and XOR the other */
            size_t h1 = len[1] > at ? len[1] - at : 0;
            if (h1 > blk) h1 = blk;
            size_t both = have < h1 ? have : h1, more = have > h1 ? have : h1;
            if (both) kernel2_impl[op](d, src[0] + at, src[1] + at, both);
            if (op == BITS_AND)
                memset(d + both, 0, blk - both);
            else {
                const uint8_t *longer = have > h1 ? src[0] : src[1];
                if (more > both) memcpy(d + both, longer + at + both, more - both);
                memset(d + more, 0, blk - more);
            }
            s = 2;
        } else {
            /* the first source, zero-padded */
            if (have) memcpy(d, src[0] + at, have);
            memset(d + have, 0, blk - have);
        }
        if (op == BITS_NOT) {
            size_t i = 0;
            for (; i + 8 <= blk; i += 8) store64(d + i, ~load64(d + i));
            for (; i < blk; i++) d[i] = (uint8_t)~d[i];
            continue;
        }
        kernel_fn k = kernel_impl[op];
        for (; s < n; s++) {
            size_t h = len[s] > at ? len[s] - at : 0;
            if (h > blk) h = blk;
            if (h) k(d, src[s] + at, h);
            /* past its end a source is zeros: AND clears, OR and XOR keep */
            if (op == BITS_AND && h < blk) memset(d + h, 0, blk - h);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* BITFIELD fields. A field spans at most 9 bytes: (off & 7) + 64 bits. */

static inline unsigned field_bytes(uint64_t off, unsigned bits)
{
    return (unsigned)(((off & 7) + bits + 7) / 8);
}

uint64_t bits_get_u(const uint8_t *p, uint64_t off, unsigned bits)
{
    const uint8_t *b = p + (off >> 3);
    unsigned nb = field_bytes(off, bits);
    unsigned __int128 acc = 0;
    for (unsigned i = 0; i < nb; i++) acc = (acc << 8) | b[i];
    acc >>= nb * 8 - (unsigned)(off & 7) - bits;
    return bits == 64 ? (uint64_t)acc : (uint64_t)acc & ((1ULL << bits) - 1);
}

int64_t bits_get_i(const uint8_t *p, uint64_t off, unsigned bits)
{
    uint64_t u = bits_get_u(p, off, bits);
    if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~0ULL << bits; /* sign-extend */
    return (int64_t)u;
}

void bits_set(uint8_t *p, uint64_t off, unsigned bits, uint64_t v)
{
    uint8_t *b = p + (off >> 3);
    unsigned nb = field_bytes(off, bits);
    unsigned shift = nb * 8 - (unsigned)(off & 7) - bits;
    unsigned __int128 fmask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    unsigned __int128 acc = 0;
    for (unsigned i = 0; i < nb; i++) acc = (acc << 8) | b[i];
    acc = (acc & ~(fmask << shift)) | (((unsigned __int128)v & fmask) << shift);
    for (unsigned i = nb; i-- > 0;) {
        b[i] = (uint8_t)acc;
        acc >>= 8;
    }
}

/* Two's-complement arithmetic on int64 without undefined behaviour. */
static inline int64_t wrap_sub(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a - (uint64_t)b);
}

int bits_check_u(uint64_t value, int64_t incr, unsigned bits, enum bits_overflow ow,
                 uint64_t *limit)
{
    uint64_t max = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
    /* as Redis: the headroom in each direction, taken as signed */
    int64_t maxincr = (int64_t)(max - value);
    int64_t minincr = (int64_t)(0 - value);
    int r;
    if (value > max || (incr > 0 && incr > maxincr))
        r = 1;
    else if (incr < 0 && incr < minincr)
        r = -1;
    else
        return 0;
    if (limit) {
        if (ow == BITS_WRAP) {
            uint64_t sum = value + (uint64_t)incr;
            *limit = bits == 64 ? sum : sum & max;
            return 1; /* Redis reports a wrapped underflow as an overflow */
        }
        if (ow == BITS_SAT) *limit = r > 0 ? max : 0;
    }
    return r;
}

int bits_check_i(int64_t value, int64_t incr, unsigned bits, enum bits_overflow ow, int64_t *limit)
{
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)((1ULL << (bits - 1)) - 1);
    int64_t min = -max - 1;
    /* Redis computes both in wrapping arithmetic and relies on the order of
     * the tests below: a SET value far below the range can look like an
     * overflow (BITFIELD SET i8 with INT64_MIN saturates to 127, as in Redis) */
    int64_t maxincr = wrap_sub(max, value);
    int64_t minincr = wrap_sub(min, value);
    int r;
    if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr))
        r = 1;
    else if (value < min || (bits != 64 && incr < minincr) ||
             (value < 0 && incr < 0 && incr < minincr))
        r = -1;
    else
        return 0;
    if (limit) {
        if (ow == BITS_WRAP) {
            uint64_t sum = (uint64_t)value + (uint64_t)incr;
            if (bits < 64) {
                uint64_t hi = ~0ULL << bits;
                sum = (sum >> (bits - 1)) & 1 ? sum | hi : sum & ~hi;
            }
            *limit = (int64_t)sum;
            return 1;
        }
        if (ow == BITS_SAT) *limit = r > 0 ? max : min;
    }
    return r;
}
