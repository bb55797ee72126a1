/* hll.h — HyperLogLog in Redis 7.0's representations, byte for byte.
 *
 * An HLL is a string: a 16-byte header, then the registers, sparse or
 * dense. A value built here from the same inputs is the same bytes as
 * Redis's, so GET, SET, DUMP and RESTORE move HLLs between the two.
 *
 *     offset  0  "HYLL"
 *             4  encoding: 0 dense, 1 sparse
 *             5  three zero bytes
 *             8  cached cardinality, 8 bytes little endian; the top bit of
 *                byte 15 set means "stale" (recompute on PFCOUNT)
 *            16  registers
 *
 * Registers: 16384 (P = 14) of 6 bits. An element's 64-bit MurmurHash64A
 * (seed 0xadc83b19) gives the register (its low 14 bits) and the value
 * (1 + the number of trailing zeros of the other 50 bits, at most 51).
 *
 * Dense: 12288 bytes, register i in bits 6i..6i+5 counting from the least
 * significant bit of byte 0 (so register 1 is the top 2 bits of byte 0 and
 * the low 4 of byte 1): 16 + 12288 = 12304 bytes in all.
 *
 * Sparse: run-length opcodes covering the 16384 registers in order,
 *     00xxxxxx           ZERO   x+1 registers (1..64) at 0
 *     01xxxxxx yyyyyyyy  XZERO  (x<<8 | y)+1 registers (1..16384) at 0
 *     1vvvvvxx           VAL    x+1 registers (1..4) at v+1 (1..32)
 * A new HLL is the header and one XZERO of 16384 (18 bytes). A value above
 * 32, or a sparse form growing past hll-sparse-max-bytes, turns it dense.
 * Sparse updates split and merge opcodes exactly as Redis's hllSparseSet,
 * which is what keeps the bytes equal.
 *
 * Damaged values: a sparse form whose opcodes do not add up to exactly
 * 16384 registers is refused (Redis's checks, with Debian's fix for
 * CVE-2025-32023: no run may pass the end, so no count overflows).
 */
#ifndef SS_HLL_H
#define SS_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HLL_P          14
#define HLL_REGISTERS  (1 << HLL_P)
#define HLL_BITS       6
#define HLL_HDR_SIZE   16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_SPARSE_NEW 18 /* header + one XZERO */

enum { HLL_DENSE = 0, HLL_SPARSE = 1 };

/* The bytes of an HLL being changed: p holds cap + 1 bytes and p[len] is
 * a NUL, as a raw string object's buffer (the functions may realloc p). */
struct hll_str {
    uint8_t *p;
    size_t len, cap;
};

uint64_t hll_murmur64a(const void *key, size_t len, uint32_t seed);
/* Register index and value for an element. */
unsigned hll_pattern(const void *ele, size_t len, long *reg);

/* Redis's isHLLObjectOrReply on the bytes of a string (not int-encoded):
 * length, magic, encoding, dense size. */
bool hll_header_ok(const uint8_t *p, size_t len);
static inline int hll_encoding(const uint8_t *p)
{
    return p[4];
}
/* Cached cardinality: true and *card when valid. */
bool hll_cache_get(const uint8_t *p, uint64_t *card);
void hll_cache_set(uint8_t *p, uint64_t card);
static inline void hll_cache_invalidate(uint8_t *p)
{
    p[15] |= 0x80;
}

/* Fill s with a new empty (sparse) HLL; false on allocation failure. */
bool hll_new(struct hll_str *s);

/* Register i of a dense register array. */
unsigned hll_dense_get(const uint8_t *regs, long i);
void hll_dense_set(uint8_t *regs, long i, unsigned v);
/* Register i of a sparse HLL (whole string), -1 if no opcode covers it. */
int hll_sparse_get(const uint8_t *p, size_t len, long i);

/* Raise register i to v (no-op if it is >= v already), as Redis's
 * hllDenseSet / hllSparseSet, turning a sparse HLL dense when needed
 * (sparse_max: hll-sparse-max-bytes). 1 changed, 0 unchanged, -1 damaged
 * (nothing changed), -2 out of memory (nothing changed). */
int hll_set(struct hll_str *s, long i, unsigned v, size_t sparse_max);
/* Sparse -> dense in place (a dense HLL is left alone): 0, -1 damaged,
 * -2 out of memory. The cached cardinality is carried over. */
int hll_to_dense(struct hll_str *s);

/* Estimated cardinality; *invalid set for a damaged sparse form. */
uint64_t hll_count(const uint8_t *p, size_t len, bool *invalid);
/* The same for 16384 one-byte registers (PFCOUNT of several keys). */
uint64_t hll_count_raw(const uint8_t *regs);
/* max[i] = MAX(max[i], register i) over the HLL p: 0, or -1 damaged. */
int hll_merge(uint8_t *max, const uint8_t *p, size_t len);

/* PFDEBUG DECODE: "z:n Z:n v:val,n ..." into a malloc'd string (*out,
 * *outlen); false on allocation failure. */
bool hll_decode(const uint8_t *p, size_t len, char **out, size_t *outlen);

#endif
