/* quicklist.h — a doubly linked list of listpack nodes: the list type.
 *
 * Redis 7.0 stores every list as a quicklist (OBJECT ENCODING "quicklist"):
 * nodes are listpacks (store/listpack.h) holding a bounded run of elements,
 * so pushes and pops at either end touch one small contiguous buffer, and a
 * long list costs a pointer pair per node rather than per element.
 *
 * Node limits follow list-max-listpack-size (the `fill`), as Redis's
 * _quicklistNodeAllowInsert computes them:
 *   fill < 0   a node's bytes stay within 4/8/16/32/64 KiB for -1..-5;
 *   fill >= 0  a node holds at most `fill` entries and at most 8 KiB (the
 *              safety limit), so fill 0 means one element per node.
 * fill is clamped to [-5, 32767] as Redis's quicklistSetFill does. The size
 * of an insert is estimated like Redis 7.0 (element bytes + 8), so nodes
 * split where Redis's do and a list DUMPs to Redis's bytes.
 *
 * list-compress-depth is accepted and recorded but interior nodes are not
 * compressed (documented in docs/commands.md).
 *
 * Positions: an iterator (struct ql_iter) names one element; ql_iter_del
 * removes it and leaves the iterator ready to return the next element in
 * its direction. Anything else that modifies the list invalidates other
 * iterators. Not thread-safe: the key's shard lock serializes access.
 */
#ifndef SS_QUICKLIST_H
#define SS_QUICKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QL_FILL_MAX     32767
#define QL_SAFETY_LIMIT 8192 /* bytes: Redis's SIZE_SAFETY_LIMIT */

struct ql_node {
    struct ql_node *prev, *next;
    unsigned char *lp;
    uint32_t sz;    /* lp_bytes(lp) */
    uint32_t count; /* entries in lp */
};

struct quicklist {
    struct ql_node *head, *tail;
    unsigned long count; /* elements */
    unsigned long len;   /* nodes */
    int fill;
    int compress; /* list-compress-depth (recorded only) */
};

/* One element: bytes (p != NULL) or an integer (p == NULL, v). Valid until
 * the list changes. */
struct ql_val {
    const unsigned char *p;
    uint32_t len;
    int64_t v;
};

enum { QL_HEAD = 0, QL_TAIL = 1 };

/* An iterator reads; changing the list through it (insert, replace,
 * delete) is for a list the caller opened through the write gate (db.h). */
struct ql_iter {
    struct quicklist *ql;
    struct ql_node *node;
    unsigned char *pos; /* current entry (after ql_iter_next) */
    unsigned char *nextpos;
    int dir;      /* QL_HEAD: head to tail; QL_TAIL: tail to head */
    bool started; /* pos names a returned element */
    bool deleted; /* pos was deleted: nextpos is the next */
};

struct quicklist *ql_new(int fill, int compress);
void ql_free(struct quicklist *ql);
struct quicklist *ql_dup(const struct quicklist *ql);
/* The list's settings from store tunables (list-max-listpack-size,
 * list-compress-depth) at creation, as Redis does. */
struct quicklist *ql_new_default(void);

static inline unsigned long ql_count(const struct quicklist *ql)
{
    return ql->count;
}
/* Approximate heap bytes (MEMORY USAGE). */
size_t ql_mem_usage(const struct quicklist *ql);

/* Push at the head or tail. 0, or -ENOMEM (list unchanged). */
int ql_push(struct quicklist *ql, int where, const void *s, size_t len);
/* Link a listpack (non-empty, already checked) as a new tail node as it
 * is, without splitting or merging, as Redis's quicklistAppendListpack does
 * when loading (RDB, RESTORE): the node keeps the bounds it was written
 * with. The list owns lp on success. 0, -EINVAL (empty) or -ENOMEM. */
int ql_append_listpack(struct quicklist *ql, unsigned char *lp);
/* The element at head or tail (list not empty). */
void ql_peek(const struct quicklist *ql, int where, struct ql_val *out);
/* Remove the element at head or tail (list not empty). */
void ql_pop(struct quicklist *ql, int where);

/* Position an iterator at index (negative: from the tail, -1 the last),
 * walking in direction dir afterwards. False if out of range. The element
 * is returned by the first ql_iter_next(). */
bool ql_iter_at(const struct quicklist *ql, struct ql_iter *it, long index, int dir);
/* From one end (dir QL_HEAD starts at the head). */
void ql_iter_init(const struct quicklist *ql, struct ql_iter *it, int dir);
bool ql_iter_next(struct ql_iter *it, struct ql_val *out);
/* Delete the element last returned; iteration continues after it. */
void ql_iter_del(struct ql_iter *it);
/* Replace the element last returned (LSET). 0 or -ENOMEM. */
int ql_iter_replace(struct ql_iter *it, const void *s, size_t len);
/* Insert before/after the element last returned (LINSERT); invalidates
 * the iterator. 0 or -ENOMEM. */
int ql_iter_insert(struct ql_iter *it, bool after, const void *s, size_t len);

/* Delete count elements from index start (>= 0, in range). */
void ql_del_range(struct quicklist *ql, unsigned long start, unsigned long count);

/* Compare an element with bytes (integers compare as their decimal form). */
bool ql_val_eq(const struct ql_val *v, const void *s, size_t len);
/* Bytes of an element; integers are formatted into buf (>= 24 bytes). */
const char *ql_val_bytes(const struct ql_val *v, char *buf, size_t *len);

/* Consistency check for tests: counts, sizes, links, node limits allow
 * every node's count (except single-element nodes). */
bool ql_check(const struct quicklist *ql);

#endif
