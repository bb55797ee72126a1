/* bits.h — bit-level primitives over byte strings: population count, bit
 * search, the BITOP kernels and BITFIELD's integer fields with Redis 7.0's
 * overflow arithmetic. Pure functions, no keyspace: store/t_bitops.c builds
 * the commands on them and tests/unit/test_bits.c checks them.
 *
 * Bit numbering is Redis's (SETBIT): bit 0 is the most significant bit of
 * byte 0, bit 8 the most significant of byte 1, and so on. A field of
 * `bits` bits at offset `off` is read most significant bit first, so an
 * aligned field is a big-endian integer:
 *
 *     SET u5 at offset 7 to 23 (10111) in zeroed bytes
 *       byte 0: 0000000|1    byte 1: 0111|0000      ->  01 70
 */
#ifndef SS_BITS_H
#define SS_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Set bits in p[0..n). Word at a time: AVX2 (nibble table) or POPCNT when
 * the CPU has them, a portable SWAR count otherwise. */
uint64_t bits_popcount(const void *p, size_t n);

/* Position of the first bit equal to `bit` (0 or 1) among bits [from, to]
 * of p (which holds at least to/8 + 1 bytes), or -1 if there is none. */
int64_t bits_find(const uint8_t *p, uint64_t from, uint64_t to, int bit);

/* BITOP. dst (maxlen bytes) = src[0] op src[1] op ... src[n-1], each source
 * zero-padded to maxlen (src[i] may be NULL when len[i] is 0); NOT takes one
 * source. dst must not overlap the sources. */
enum bits_op { BITS_AND, BITS_OR, BITS_XOR, BITS_NOT };
void bits_op(enum bits_op op, uint8_t *dst, size_t maxlen, const uint8_t *const *src,
             const size_t *len, int n);

/* BITFIELD fields: 1..64 bits at a bit offset. The caller guarantees the
 * bytes covering [off, off + bits) exist. */
uint64_t bits_get_u(const uint8_t *p, uint64_t off, unsigned bits);
int64_t bits_get_i(const uint8_t *p, uint64_t off, unsigned bits);
void bits_set(uint8_t *p, uint64_t off, unsigned bits, uint64_t v);

/* Overflow of value + incr in a field of `bits` bits (Redis's
 * checkUnsignedBitfieldOverflow / checkSignedBitfieldOverflow): 0 when it
 * fits, 1 on overflow, -1 on underflow. Then *limit (if not NULL) is what
 * the field becomes: with WRAP the sum modulo 2^bits (sign-extended for
 * signed fields), with SAT the maximum or the minimum; with FAIL it is not
 * set. SET checks its value with incr 0, so an out-of-range value (a
 * negative one for an unsigned field) overflows like a sum would. */
enum bits_overflow { BITS_WRAP, BITS_SAT, BITS_FAIL };
int bits_check_u(uint64_t value, int64_t incr, unsigned bits, enum bits_overflow ow,
                 uint64_t *limit);
int bits_check_i(int64_t value, int64_t incr, unsigned bits, enum bits_overflow ow, int64_t *limit);

#endif
