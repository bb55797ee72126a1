/* t_set.h — the set type's operations, for other store files (RDB,
 * DUMP/RESTORE, SORT) and unit tests. Encodings are described in t_set.c.
 * The caller holds the key's shard lock. */
#ifndef SS_T_SET_H
#define SS_T_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "object.h"

/* An empty set in the encoding Redis's setTypeCreate picks for its first
 * member: intset if `first` is an integer, else hashtable. NULL on
 * allocation failure. */
struct sobj *set_new_for(const char *first, size_t len);
/* An empty intset-encoded set (createIntsetObject). */
struct sobj *set_new_intset(void);
uint64_t set_len(const struct sobj *o);
/* 1 added, 0 already there, -1 out of memory. Converts intset ->
 * hashtable for a non-integer or past set-max-intset-entries. */
int set_add(struct sobj *o, const char *s, size_t len);
bool set_remove(struct sobj *o, const char *s, size_t len);
bool set_is_member(const struct sobj *o, const char *s, size_t len);
bool set_convert(struct sobj *o);

/* Iteration over either encoding; the member's bytes are valid until the
 * next call (integers are formatted into buf). */
struct set_iter {
    const struct sobj *o;
    uint32_t pos;
    struct dict_iter di;
    const char *s;
    size_t len;
    char buf[24];
};
void set_iter_init(struct set_iter *it, const struct sobj *o);
bool set_iter_next(struct set_iter *it);
void set_iter_done(struct set_iter *it);

#endif
