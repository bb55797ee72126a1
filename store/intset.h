/* intset.h — a sorted array of distinct integers (the `intset` encoding of
 * small all-integer sets).
 *
 * Layout, as Redis 7.0 and its RDB type 11 (SET_INTSET) have it, all LE:
 *   <encoding u32: 2, 4 or 8> <length u32> <length values of that width>
 * Values are sorted ascending. The width is the smallest that holds every
 * value; adding a value that does not fit upgrades the whole set (it never
 * downgrades, as in Redis). Example: {1, 2, 3} is
 *   02000000 03000000 0100 0200 0300
 *
 * Calls that change the set may move it: they return the new pointer, or
 * NULL on allocation failure with the old set unchanged.
 */
#ifndef SS_INTSET_H
#define SS_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct intset {
    uint32_t enc; /* bytes per value: 2, 4 or 8 */
    uint32_t len;
    unsigned char v[];
};

struct intset *intset_new(void);
void intset_free(struct intset *is);
struct intset *intset_dup(const struct intset *is);
/* *added tells whether v was new. */
struct intset *intset_add(struct intset *is, int64_t v, bool *added);
/* Removing never fails; *removed tells whether v was there. */
struct intset *intset_remove(struct intset *is, int64_t v, bool *removed);
bool intset_find(const struct intset *is, int64_t v);
/* Value at position pos (< len), in ascending order. */
int64_t intset_get(const struct intset *is, uint32_t pos);
static inline uint32_t intset_len(const struct intset *is)
{
    return is->len;
}
static inline size_t intset_bytes(const struct intset *is)
{
    return sizeof(*is) + (size_t)is->enc * is->len;
}
/* Check an untrusted buffer (RESTORE/RDB): sane encoding, exact size,
 * strictly ascending values. */
bool intset_validate(const void *p, size_t size);

#endif
