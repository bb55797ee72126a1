/* crc64.h — the CRC-64 that Redis puts at the end of RDB files and DUMP
 * payloads.
 *
 * The variant is "Jones": polynomial 0xad93d23594c935a9, input and output
 * reflected, initial value 0, no final xor. Reflected, the register shifts
 * right and the polynomial reads 0x95ac9329ac4bc9b5. Check value:
 * crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca (Redis's crc64.c test).
 *
 * The CRC continues across calls: crc64(crc64(0, a, n), b, m) is the CRC of
 * a followed by b, so a writer can fold bytes in as it emits them. The
 * result is stored little-endian (8 bytes) after the data it covers.
 */
#ifndef SS_CRC64_H
#define SS_CRC64_H

#include <stddef.h>
#include <stdint.h>

uint64_t crc64(uint64_t crc, const void *p, size_t len);

#endif
