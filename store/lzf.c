/* lzf.c — LZF compression and decompression (format in lzf.h).
 *
 * The compressor is greedy: at each input position it hashes the next three
 * bytes into a table of 2^16 slots holding the last position seen with that
 * hash, and takes a back reference when that position is within 8 KiB,
 * is not position 0, and really starts with the same three bytes. After a
 * match it re-hashes only the match's last two positions before continuing.
 * These are exactly the rules of the liblzf build Redis uses (HLOG 16,
 * VERY_FAST), including the bounds at which a match stops growing and the
 * tests that give up when the output would not fit, so both compressors
 * pick the same runs and return 0 on the same inputs.
 *
 * The table lives per thread (512 KiB, allocated at first use, freed when
 * the thread exits); each call takes a new generation number instead of
 * clearing it, so a slot written by an earlier call reads as empty.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lzf.h"

#define LZF_HBITS   16
#define LZF_HSIZE   (1u << LZF_HBITS)
#define LZF_MAX_LIT 32          /* longest literal run */
#define LZF_MAX_OFF (1u << 13)  /* farthest back reference */
#define LZF_MAX_REF (256u + 8u) /* longest reference (bound on the search) */

struct lzf_table {
    uint32_t gen;
    uint64_t slot[LZF_HSIZE]; /* gen << 32 | position */
};

static __thread struct lzf_table *lzf_tab;
/* frees a thread's table when the thread exits (a BGSAVE or an AOF
 * rewrite is a thread of its own: each would leave 512 KiB behind) */
static pthread_key_t lzf_key;
static pthread_once_t lzf_key_once = PTHREAD_ONCE_INIT;

static void lzf_key_make(void)
{
    pthread_key_create(&lzf_key, free);
}

static struct lzf_table *table_acquire(void)
{
    struct lzf_table *t = lzf_tab;
    if (!t) {
        t = calloc(1, sizeof(*t));
        if (!t) return NULL;
        pthread_once(&lzf_key_once, lzf_key_make);
        pthread_setspecific(lzf_key, t);
        lzf_tab = t;
    }
    if (++t->gen == 0) { /* wrapped: old slots could look current */
        memset(t->slot, 0, sizeof(t->slot));
        t->gen = 1;
    }
    return t;
}

/* liblzf's VERY_FAST hash of the three bytes at p. */
static inline unsigned hash3(const unsigned char *p)
{
    uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    return ((v >> (24 - LZF_HBITS)) - v * 5) & (LZF_HSIZE - 1);
}

size_t lzf_compress(const void *in_data, size_t in_len, void *out_data, size_t out_len)
{
    const unsigned char *in = in_data;
    unsigned char *out = out_data;
    if (!in_len || !out_len || in_len > UINT32_MAX) return 0;
    struct lzf_table *t = table_acquire();
    if (!t) return 0;
    const uint64_t gen = (uint64_t)t->gen << 32;

    size_t ip = 0, op = 1; /* out[0] is the header of the first literal run */
    unsigned lit = 0;
    while (in_len >= 3 && ip < in_len - 2) {
        unsigned h = hash3(in + ip);
        uint64_t e = t->slot[h];
        t->slot[h] = gen | ip;
        size_t ref = (e & ~0xffffffffULL) == gen ? (size_t)(uint32_t)e : 0;
        if (ref > 0 && ip - ref - 1 < LZF_MAX_OFF && in[ref] == in[ip] &&
            in[ref + 1] == in[ip + 1] && in[ref + 2] == in[ip + 2]) {
            size_t off = ip - ref - 1;
            size_t maxlen = in_len - ip - 2;
            if (maxlen > LZF_MAX_REF) maxlen = LZF_MAX_REF;
            if (op - (lit == 0) + 4 >= out_len) return 0;
            /* close the literal run (or take back its unused header) */
            if (lit)
                out[op - lit - 1] = (unsigned char)(lit - 1);
            else
                op--;
            /* Extend the match. liblzf compares the first sixteen bytes
             * past the three known ones without a bound when more than
             * sixteen remain, so its limit is then at least 19. */
            size_t lim = maxlen > 16 ? (maxlen < 19 ? 19 : maxlen) : (maxlen < 3 ? 3 : maxlen);
            size_t len = 3;
            while (len < lim && in[ref + len] == in[ip + len]) len++;
            size_t l = len - 2; /* the encoded length */
            if (l < 7) {
                out[op++] = (unsigned char)((off >> 8) + (l << 5));
            } else {
                out[op++] = (unsigned char)((off >> 8) + (7 << 5));
                out[op++] = (unsigned char)(l - 7);
            }
            out[op++] = (unsigned char)off;
            lit = 0;
            op++; /* header of the next literal run */
            ip += len;
            if (ip >= in_len - 2) break;
            t->slot[hash3(in + ip - 2)] = gen | (ip - 2);
            t->slot[hash3(in + ip - 1)] = gen | (ip - 1);
        } else {
            if (op >= out_len) return 0;
            lit++;
            out[op++] = in[ip++];
            if (lit == LZF_MAX_LIT) {
                out[op - lit - 1] = (unsigned char)(lit - 1);
                lit = 0;
                op++;
            }
        }
    }
    if (op + 3 > out_len) return 0; /* at most two bytes are left */
    while (ip < in_len) {
        lit++;
        out[op++] = in[ip++];
        if (lit == LZF_MAX_LIT) {
            out[op - lit - 1] = (unsigned char)(lit - 1);
            lit = 0;
            op++;
        }
    }
    if (lit)
        out[op - lit - 1] = (unsigned char)(lit - 1);
    else
        op--;
    return op;
}

size_t lzf_decompress(const void *in_data, size_t in_len, void *out_data, size_t out_len)
{
    const unsigned char *in = in_data;
    unsigned char *out = out_data;
    size_t ip = 0, op = 0;
    while (ip < in_len) {
        unsigned ctrl = in[ip++];
        if (ctrl < 32) {
            size_t n = (size_t)ctrl + 1;
            if (n > out_len - op || n > in_len - ip) return 0;
            memcpy(out + op, in + ip, n);
            op += n;
            ip += n;
            continue;
        }
        size_t len = ctrl >> 5;
        if (ip >= in_len) return 0;
        if (len == 7) {
            len += in[ip++];
            if (ip >= in_len) return 0;
        }
        size_t back = ((size_t)(ctrl & 0x1f) << 8) + in[ip++] + 1;
        len += 2;
        if (back > op || len > out_len - op) return 0;
        const unsigned char *ref = out + op - back;
        /* byte by byte: the source may overlap what is being written */
        for (size_t i = 0; i < len; i++) out[op + i] = ref[i];
        op += len;
    }
    return op;
}
