/* listpack.h — a compact, serializable sequence of strings and integers.
 *
 * A listpack is one contiguous allocation in Redis 7.0's byte layout, so RDB
 * and DUMP can write it as is (RDB types 16 hash, 17 zset, 18 quicklist
 * nodes) and a listpack produced by Redis loads here unchanged:
 *
 *   <total-bytes u32 LE> <count u16 LE> <entry> ... <entry> <0xFF>
 *
 * count is 65535 ("unknown") once the listpack holds that many entries;
 * lp_count() then walks it. Each entry is <encoding+data> <backlen>:
 *
 *   0xxxxxxx                      7-bit unsigned int (0..127)
 *   10LLLLLL <data>               string of up to 63 bytes
 *   110xxxxx xxxxxxxx             13-bit signed int (two's complement)
 *   1110LLLL LLLLLLLL <data>      string of up to 4095 bytes
 *   11110000 <len u32 LE> <data>  longer string
 *   11110001 / 0010 / 0011 / 0100 int16 / int24 / int32 / int64, LE
 *
 * backlen is the size of <encoding+data>, written so that it can be read
 * from its last byte backwards: 7 bits a byte, the most significant group at
 * the lowest address, every byte but that first one with bit 7 set (1 byte
 * up to 127, 2 below 16383, 3 below 2097151, 4 below 268435455, else 5).
 *
 * Worked example: the listpack ["a", 1000] is 13 bytes
 *   0d 00 00 00  02 00  81 61 02  c3 e8 02  ff
 *   total=13     count=2 "a"  bl  1000 bl  EOF
 * (1000 = 0x3e8 in 13 bits: 0xc0|0x03, 0xe8).
 *
 * A string that is a canonical decimal int64 ("17", "-5", not "017" or
 * "+5") is stored as an integer, as Redis does; reading it back gives the
 * integer, which formats to the same bytes.
 *
 * Positions are pointers to an entry's first byte. Any call that changes
 * the listpack may move it: it returns the new listpack (NULL on allocation
 * failure, the old one then unchanged and still the caller's) and, where a
 * position is useful afterwards, stores it through an out pointer.
 */
#ifndef SS_LISTPACK_H
#define SS_LISTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LP_HDR_SIZE       6
#define LP_EOF            0xFF
#define LP_COUNT_UNKNOWN  65535
#define LP_INTBUF         24         /* room for a formatted int64 */
#define LP_MAX_SAFE_BYTES (1u << 30) /* Redis's LISTPACK_MAX_SAFETY_SIZE */

enum lp_where { LP_BEFORE, LP_AFTER, LP_REPLACE };

/* An empty listpack with room for `cap` bytes (at least the 7 it needs). */
unsigned char *lp_new(size_t cap);
void lp_free(unsigned char *lp);
/* Release spare capacity (never fails: returns lp if realloc does). */
unsigned char *lp_shrink(unsigned char *lp);
/* A copy (NULL on allocation failure). */
unsigned char *lp_dup(const unsigned char *lp);

static inline uint32_t lp_bytes(const unsigned char *lp)
{
    return (uint32_t)lp[0] | (uint32_t)lp[1] << 8 | (uint32_t)lp[2] << 16 | (uint32_t)lp[3] << 24;
}
/* Number of entries; walks (and then caches when < 65535) if unknown. */
uint32_t lp_count(unsigned char *lp);
/* Would adding `add` bytes keep the listpack under LP_MAX_SAFE_BYTES? */
static inline bool lp_safe_to_add(const unsigned char *lp, size_t add)
{
    return (lp ? lp_bytes(lp) : 0) + add <= LP_MAX_SAFE_BYTES;
}
/* Bytes an entry for this string would take (encoding, data, backlen). */
size_t lp_entry_size_str(const void *s, size_t len);

/* Iteration: NULL past either end. */
unsigned char *lp_first(const unsigned char *lp);
unsigned char *lp_last(const unsigned char *lp);
unsigned char *lp_next(const unsigned char *lp, const unsigned char *p);
unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p);
/* Entry at index (negative: from the end, -1 the last); NULL if out of
 * range. Walks from the nearer end. */
unsigned char *lp_seek(unsigned char *lp, long index);

/* Decode the entry at p: a string (returns its bytes, *len set) or an
 * integer (returns NULL, *ival set). */
const unsigned char *lp_get(const unsigned char *p, uint32_t *len, int64_t *ival);
/* Same, always as bytes: integers are formatted into buf. */
const unsigned char *lp_get_str(const unsigned char *p, uint32_t *len, char buf[LP_INTBUF]);
/* The entry as an int64: integers, and strings Redis's string2ll accepts. */
bool lp_get_int(const unsigned char *p, int64_t *out);
/* Does the entry at p hold exactly these bytes? */
bool lp_eq(const unsigned char *p, const void *s, size_t len);

/* Insert a string / integer before or after p, or replace the entry at p.
 * LP_BEFORE with p at the terminating 0xFF (lp + lp_bytes(lp) - 1) appends.
 * *newp (if not NULL) receives the position of the new entry. */
unsigned char *lp_insert_str(unsigned char *lp, unsigned char *p, const void *s, size_t len,
                             enum lp_where where, unsigned char **newp);
unsigned char *lp_insert_int(unsigned char *lp, unsigned char *p, int64_t v, enum lp_where where,
                             unsigned char **newp);
unsigned char *lp_append(unsigned char *lp, const void *s, size_t len);
unsigned char *lp_append_int(unsigned char *lp, int64_t v);
unsigned char *lp_prepend(unsigned char *lp, const void *s, size_t len);
unsigned char *lp_prepend_int(unsigned char *lp, int64_t v);
/* One item for lp_append_items(): bytes (s not NULL; stored as an integer
 * when they are a canonical int64, as lp_append does) or the integer v. */
struct lp_item {
    const void *s;
    size_t len;
    int64_t v;
};
/* Append n items with one reallocation: the same bytes as n calls of
 * lp_append / lp_append_int. */
unsigned char *lp_append_items(unsigned char *lp, const struct lp_item *items, size_t n);
/* The same for a listpack that keeps growing (a stream's tail node): the
 * allocation grows at least twofold when it must (up to `most` bytes), so
 * a run of appends reallocates a few times, not at every append. Spare
 * room is the caller's to release (lp_shrink). */
unsigned char *lp_append_items_grow(unsigned char *lp, const struct lp_item *items, size_t n,
                                    size_t most);
/* Replace the entry at *p; *p then points at the new entry. */
unsigned char *lp_replace(unsigned char *lp, unsigned char **p, const void *s, size_t len);
unsigned char *lp_replace_int(unsigned char *lp, unsigned char **p, int64_t v);

/* Delete the entry at p; *next (if not NULL) gets the entry that followed
 * it, NULL if it was the last. Shrinking never fails. */
unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **next);
/* Delete `count` entries starting at *p (fewer if the end comes first);
 * *p then points at what followed, NULL at the end. */
unsigned char *lp_delete_range_p(unsigned char *lp, unsigned char **p, unsigned long count);
/* Delete `count` entries from index (negative: from the end). */
unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long count);

/* First entry at or after p equal to s, comparing one entry and then
 * skipping `skip` (1 finds keys of a key/value listpack); NULL if none. */
unsigned char *lp_find(const unsigned char *lp, unsigned char *p, const void *s, size_t len,
                       unsigned skip);

/* Structural check of an untrusted buffer of `size` bytes (RESTORE, RDB):
 * header, every entry's encoding, bounds and backlen, the count when known,
 * the terminator. Returns true if the listpack is well-formed; *count gets
 * the number of entries. */
bool lp_validate(const unsigned char *lp, size_t size, uint32_t *count);

#endif
