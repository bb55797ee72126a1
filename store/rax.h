/* rax.h — an ordered map from byte strings to pointers: a path-compressed
 * radix tree (a trie whose single-child chains are folded into the label of
 * the node below them).
 *
 * Streams use it as Redis 7.0 uses its rax: the entries' listpacks keyed by
 * the 128-bit big-endian ID of their master entry, the pending entries lists
 * keyed the same way, and consumer groups and consumers keyed by name. Keys
 * compare as unsigned bytes, a prefix before its extensions, so iteration
 * order is Redis's (XINFO GROUPS, RDB files).
 *
 * Shape: every node holds the label of the edge that leads to it, its
 * children sorted by the first byte of their labels (at most 256), and a
 * value when a key ends there. Invariant: a node other than the root that
 * holds no key has at least two children (inserting splits a label,
 * deleting merges a lone child back into its parent's label), so the tree of
 * a given key set is unique.
 *
 * Worked example: keys "abc" and "abd" give
 *     root("") -> "ab" -> { "c" [key], "d" [key] }
 * four nodes; deleting "abd" merges "ab" and "c" into root -> "abc" [key].
 *
 * Redis's rax spells the same tree with different nodes (a chain starting
 * right under a branching node is a node of its own there), so XINFO
 * STREAM's radix-tree-nodes is computed from ours by rax_redis_nodes().
 *
 * Iterators (Redis's raxSeek/raxNext/raxPrev): after rax_seek() the first
 * rax_next() or rax_prev() yields the element found; later calls move. Any
 * change to the tree invalidates iterators on it: seek again.
 *
 * Not thread-safe: the owner (a stream, under its shard's lock) serializes
 * access. Memory: rax_bytes() is what the tree allocated (nodes, labels,
 * child arrays), the values not included.
 */
#ifndef SS_RAX_H
#define SS_RAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rax_node;

struct rax {
    struct rax_node *root;
    uint64_t nkeys;
    uint64_t nnodes; /* ours, the root included */
    size_t bytes;
};

/* NULL on allocation failure. */
struct rax *rax_new(void);
/* Free the tree; fn (if not NULL) is called for every value first. */
void rax_free(struct rax *r, void (*fn)(void *));

static inline uint64_t rax_size(const struct rax *r)
{
    return r->nkeys;
}
static inline size_t rax_bytes(const struct rax *r)
{
    return r->bytes;
}
/* The number of nodes Redis's rax would have for the same keys (XINFO
 * STREAM radix-tree-nodes); walks the tree. */
uint64_t rax_redis_nodes(const struct rax *r);

/* Check the tree's invariants (children sorted by distinct first bytes,
 * no keyless single-child node but the root, the counters and byte
 * accounting right). For tests. */
bool rax_verify(const struct rax *r);

/* Insert key -> val. 1: added; 0: the key was there (its value goes to
 * *old when old is not NULL, and is replaced by val only when overwrite);
 * -1: out of memory, nothing changed. */
int rax_insert(struct rax *r, const void *key, size_t len, void *val, void **old, bool overwrite);
/* The value's slot of key, NULL if absent; valid until the tree changes. */
void **rax_find(const struct rax *r, const void *key, size_t len);
/* Remove key; true if it was there (its value goes to *old). */
bool rax_remove(struct rax *r, const void *key, size_t len, void **old);

/* Iteration. The key of the current element is key[0..key_len). */
#define RAX_ITER_INLINE 24

struct rax_iter {
    struct rax *rax;
    struct rax_node **stack; /* root .. current */
    uint16_t *idx;           /* idx[d]: position of stack[d] among stack[d-1]'s children */
    uint32_t depth, scap;
    unsigned char *key;
    size_t key_len, key_cap;
    void *val;
    bool eof, just_seeked, oom;
    struct rax_node *stack_buf[RAX_ITER_INLINE];
    uint16_t idx_buf[RAX_ITER_INLINE];
    unsigned char key_buf[64];
};

enum rax_op { RAX_FIRST, RAX_LAST, RAX_GE, RAX_GT, RAX_LE, RAX_LT, RAX_EQ };

void rax_iter_start(struct rax_iter *it, struct rax *r);
void rax_iter_stop(struct rax_iter *it);
/* Position the iterator (key ignored for FIRST and LAST). Returns false
 * when nothing matches (the iterator is then at its end) or on allocation
 * failure (it->oom). */
bool rax_seek(struct rax_iter *it, enum rax_op op, const void *key, size_t len);
bool rax_next(struct rax_iter *it);
bool rax_prev(struct rax_iter *it);
static inline bool rax_eof(const struct rax_iter *it)
{
    return it->eof;
}
/* Change the current element's value in place (the tree does not change,
 * so the iterator stays valid). */
void rax_iter_set(struct rax_iter *it, void *val);

#endif
