/* rdb_legacy.h — the compact encodings older Redis versions wrote into RDB
 * files, which Redis 7.0 still reads and converts on load: ziplists (lists,
 * hashes and sorted sets before 7.0, quicklist v1 nodes) and zipmaps (hashes
 * before 2.6). Read only: each is checked in full, as Redis's deep
 * validation does, while its entries are handed to a callback.
 *
 * Ziplist: <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry>... 0xFF,
 * each entry <prevlen: 1 byte < 254, or 0xFE + u32 LE> <encoding> <data>:
 *   00LLLLLL / 01LLLLLL LLLLLLLL / 10______ <u32 BE>  string of L bytes
 *   0xC0 int16 | 0xD0 int32 | 0xE0 int64 | 0xF0 int24 | 0xFE int8 (LE)
 *   0xF1..0xFD  the integers 0..12 with no data
 * Worked example: the ziplist ["a", 5] is
 *   10000000 0d000000 0200  00 01 61  03 f6  ff
 *   (16 bytes, the last entry at 13, 2 entries; "a"; prevlen 3, 5).
 *
 * Zipmap: <count u8, 254 = unknown> then <flen> field <vlen> <free u8>
 * value <free bytes>... 0xFF, lengths 1 byte below 254 or 0xFE + u32 LE.
 */
#ifndef SS_RDB_LEGACY_H
#define SS_RDB_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One element: bytes (s != NULL) or an integer (s == NULL, v). The callback
 * returns false to reject the blob. */
typedef bool (*zl_entry_fn)(void *arg, const unsigned char *s, uint32_t len, int64_t v);

/* Walk a ziplist of `size` bytes, checking every header, prevlen, the tail
 * offset, the count and the terminator (Redis's ziplistValidateIntegrity
 * with deep set). False if anything is wrong or fn refused an entry. */
bool zl_walk(const unsigned char *zl, size_t size, zl_entry_fn fn, void *arg);

/* Walk a zipmap (zipmapValidateIntegrity, deep): fn gets each field and its
 * value. False if malformed, empty, or fn refused a pair. */
typedef bool (*zm_pair_fn)(void *arg, const unsigned char *f, uint32_t flen, const unsigned char *v,
                           uint32_t vlen);
bool zm_walk(const unsigned char *zm, size_t size, zm_pair_fn fn, void *arg);

#endif
