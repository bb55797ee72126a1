/* rax.c — the path-compressed radix tree of rax.h.
 *
 * A node is one allocation (header + label); its children live in a
 * separate array of `cap` pointers followed by `cap` first bytes, so adding
 * a child never moves the node itself. Nodes move only when their label
 * changes length (a split shortens the lower half, a merge lengthens the
 * child), and then the one pointer to them, in their parent, is updated.
 */
#include "rax.h"

#include <stdlib.h>
#include <string.h>

struct rax_node {
    void *val;
    struct rax_node **kids; /* cap pointers, then cap first bytes */
    uint16_t nkids, cap;
    uint8_t iskey;
    uint32_t len;
    unsigned char label[];
};

static inline unsigned char *kbytes(const struct rax_node *n)
{
    return (unsigned char *)(n->kids + n->cap);
}

static inline size_t node_size(uint32_t len)
{
    return sizeof(struct rax_node) + len;
}

static inline size_t kids_size(unsigned cap)
{
    return cap * (sizeof(struct rax_node *) + 1);
}

static struct rax_node *node_new(struct rax *r, const unsigned char *label, size_t len)
{
    struct rax_node *n = malloc(node_size((uint32_t)len));
    if (!n) return NULL;
    n->val = NULL;
    n->kids = NULL;
    n->nkids = n->cap = 0;
    n->iskey = 0;
    n->len = (uint32_t)len;
    if (len) memcpy(n->label, label, len);
    r->bytes += node_size(n->len);
    r->nnodes++;
    return n;
}

static void node_free(struct rax *r, struct rax_node *n)
{
    r->bytes -= node_size(n->len) + kids_size(n->cap);
    r->nnodes--;
    free(n->kids);
    free(n);
}

/* Resize n's child array to cap entries (>= nkids). */
static bool kids_resize(struct rax *r, struct rax_node *n, unsigned cap)
{
    if (cap == n->cap) return true;
    struct rax_node **k = malloc(kids_size(cap) ? kids_size(cap) : 1);
    if (!k) return false;
    if (n->nkids) {
        memcpy(k, n->kids, n->nkids * sizeof(*k));
        memcpy((unsigned char *)(k + cap), kbytes(n), n->nkids);
    }
    r->bytes += kids_size(cap);
    r->bytes -= kids_size(n->cap);
    free(n->kids);
    n->kids = k;
    n->cap = (uint16_t)cap;
    return true;
}

/* Index of the first child whose first byte is >= b (nkids if none). */
static inline unsigned child_lower(const struct rax_node *n, unsigned char b)
{
    const unsigned char *kb = kbytes(n);
    unsigned lo = 0, hi = n->nkids;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (kb[mid] < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Insert child c at position i of n (room must exist). */
static void child_insert(struct rax_node *n, unsigned i, struct rax_node *c)
{
    unsigned char *kb = kbytes(n);
    memmove(n->kids + i + 1, n->kids + i, (n->nkids - i) * sizeof(*n->kids));
    memmove(kb + i + 1, kb + i, n->nkids - i);
    n->kids[i] = c;
    kb[i] = c->label[0];
    n->nkids++;
}

static void child_remove(struct rax *r, struct rax_node *n, unsigned i)
{
    unsigned char *kb = kbytes(n);
    memmove(n->kids + i, n->kids + i + 1, (n->nkids - i - 1) * sizeof(*n->kids));
    memmove(kb + i, kb + i + 1, n->nkids - i - 1);
    n->nkids--;
    if (n->nkids == 0) {
        r->bytes -= kids_size(n->cap);
        free(n->kids);
        n->kids = NULL;
        n->cap = 0;
    } else if (n->nkids * 4 <= n->cap && n->cap > 4) {
        kids_resize(r, n, n->nkids * 2u); /* failure only keeps the bigger array */
    }
}

static bool child_room(struct rax *r, struct rax_node *n)
{
    if (n->nkids < n->cap) return true;
    unsigned cap = n->cap ? n->cap * 2u : 2u;
    if (cap > 256) cap = 256;
    return kids_resize(r, n, cap);
}

struct rax *rax_new(void)
{
    struct rax *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->bytes = sizeof(*r);
    r->root = node_new(r, NULL, 0);
    if (!r->root) {
        free(r);
        return NULL;
    }
    return r;
}

static void free_rec(struct rax *r, struct rax_node *n, void (*fn)(void *))
{
    for (unsigned i = 0; i < n->nkids; i++) free_rec(r, n->kids[i], fn);
    if (n->iskey && fn) fn(n->val);
    node_free(r, n);
}

void rax_free(struct rax *r, void (*fn)(void *))
{
    if (!r) return;
    free_rec(r, r->root, fn);
    free(r);
}

static uint64_t redis_nodes_rec(const struct rax_node *n)
{
    uint64_t c = 0;
    for (unsigned i = 0; i < n->nkids; i++) {
        const struct rax_node *k = n->kids[i];
        /* below a branching node Redis starts a chain with a node of its
         * own, then the node where the chain ends (ours) */
        c += 1 + (n->nkids >= 2 && k->len >= 2) + redis_nodes_rec(k);
    }
    return c;
}

uint64_t rax_redis_nodes(const struct rax *r)
{
    return 1 + redis_nodes_rec(r->root);
}

static bool verify_rec(const struct rax *r, const struct rax_node *n, bool root, uint64_t *keys,
                       uint64_t *nodes, size_t *bytes)
{
    (*nodes)++;
    *bytes += node_size(n->len) + kids_size(n->cap);
    if (n->iskey) (*keys)++;
    if (!root && n->len == 0) return false;
    if (!root && !n->iskey && n->nkids < 2) return false;
    if (n->nkids > n->cap) return false;
    for (unsigned i = 0; i < n->nkids; i++) {
        const struct rax_node *k = n->kids[i];
        if (kbytes(n)[i] != k->label[0]) return false;
        if (i && kbytes(n)[i - 1] >= kbytes(n)[i]) return false;
        if (!verify_rec(r, k, false, keys, nodes, bytes)) return false;
    }
    return true;
}

bool rax_verify(const struct rax *r)
{
    uint64_t keys = 0, nodes = 0;
    size_t bytes = sizeof(*r);
    if (!verify_rec(r, r->root, true, &keys, &nodes, &bytes)) return false;
    return keys == r->nkeys && nodes == r->nnodes && bytes == r->bytes;
}

static inline size_t common_prefix(const unsigned char *a, size_t alen, const unsigned char *b,
                                   size_t blen)
{
    size_t n = alen < blen ? alen : blen, i = 0;
    while (i < n && a[i] == b[i]) i++;
    return i;
}

/* ------------------------------------------------------------------------ */
/* Lookup, insert, remove. */

void **rax_find(const struct rax *r, const void *key, size_t len)
{
    const unsigned char *k = key;
    struct rax_node *n = r->root;
    size_t pos = 0;
    for (;;) {
        if (pos == len) return n->iskey ? &n->val : NULL;
        unsigned i = child_lower(n, k[pos]);
        if (i == n->nkids || kbytes(n)[i] != k[pos]) return NULL;
        struct rax_node *c = n->kids[i];
        if (c->len > len - pos || memcmp(c->label, k + pos, c->len) != 0) return NULL;
        pos += c->len;
        n = c;
    }
}

int rax_insert(struct rax *r, const void *key, size_t len, void *val, void **old, bool overwrite)
{
    const unsigned char *k = key;
    struct rax_node *n = r->root;
    size_t pos = 0;
    for (;;) {
        if (pos == len) {
            if (n->iskey) {
                if (old) *old = n->val;
                if (overwrite) n->val = val;
                return 0;
            }
            n->iskey = 1;
            n->val = val;
            r->nkeys++;
            return 1;
        }
        unsigned i = child_lower(n, k[pos]);
        if (i == n->nkids || kbytes(n)[i] != k[pos]) {
            /* no edge starts with this byte: a new leaf holds the rest */
            if (!child_room(r, n)) return -1;
            struct rax_node *leaf = node_new(r, k + pos, len - pos);
            if (!leaf) return -1;
            leaf->iskey = 1;
            leaf->val = val;
            child_insert(n, i, leaf);
            r->nkeys++;
            return 1;
        }
        struct rax_node *c = n->kids[i];
        size_t m = common_prefix(c->label, c->len, k + pos, len - pos);
        if (m == c->len) {
            n = c;
            pos += m;
            continue;
        }
        /* the key leaves c's label after m bytes: split c into an upper
         * node holding label[0..m) and c holding the rest */
        bool ends = pos + m == len;
        struct rax_node *up = node_new(r, c->label, m);
        struct rax_node *leaf = NULL;
        if (!up || !kids_resize(r, up, 2) ||
            (!ends && !(leaf = node_new(r, k + pos + m, len - pos - m)))) {
            if (up) node_free(r, up);
            return -1;
        }
        uint32_t rest = c->len - (uint32_t)m;
        memmove(c->label, c->label + m, rest);
        r->bytes -= node_size(c->len) - node_size(rest);
        c->len = rest;
        struct rax_node *shrunk = realloc(c, node_size(rest));
        if (shrunk) c = shrunk;
        child_insert(up, 0, c);
        if (ends) {
            up->iskey = 1;
            up->val = val;
        } else {
            leaf->iskey = 1;
            leaf->val = val;
            child_insert(up, leaf->label[0] < c->label[0] ? 0 : 1, leaf);
        }
        n->kids[i] = up;
        r->nkeys++;
        return 1;
    }
}

/* Fold n's only child into n's place under parent p (n is kids[i] of p):
 * the child's label becomes n's label followed by its own. */
static void merge_down(struct rax *r, struct rax_node *p, unsigned i, struct rax_node *n)
{
    struct rax_node *c = n->kids[0];
    uint32_t len = n->len + c->len;
    struct rax_node *g = realloc(c, node_size(len));
    if (!g) return; /* the tree stays valid, only less compact */
    r->bytes += node_size(len) - node_size(g->len);
    memmove(g->label + n->len, g->label, g->len);
    memcpy(g->label, n->label, n->len);
    g->len = len;
    p->kids[i] = g;
    node_free(r, n);
}

bool rax_remove(struct rax *r, const void *key, size_t len, void **old)
{
    const unsigned char *k = key;
    struct rax_node *n = r->root, *p = NULL, *pp = NULL;
    unsigned pi = 0, ppi = 0;
    size_t pos = 0;
    for (;;) {
        if (pos == len) break;
        unsigned i = child_lower(n, k[pos]);
        if (i == n->nkids || kbytes(n)[i] != k[pos]) return false;
        struct rax_node *c = n->kids[i];
        if (c->len > len - pos || memcmp(c->label, k + pos, c->len) != 0) return false;
        pp = p;
        ppi = pi;
        p = n;
        pi = i;
        pos += c->len;
        n = c;
    }
    if (!n->iskey) return false;
    if (old) *old = n->val;
    n->iskey = 0;
    n->val = NULL;
    r->nkeys--;
    if (n == r->root) return true;
    if (n->nkids == 0) {
        child_remove(r, p, pi);
        node_free(r, n);
        if (p != r->root && !p->iskey && p->nkids == 1) merge_down(r, pp, ppi, p);
    } else if (n->nkids == 1) {
        merge_down(r, p, pi, n);
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Iterators. */

void rax_iter_start(struct rax_iter *it, struct rax *r)
{
    it->rax = r;
    it->stack = it->stack_buf;
    it->idx = it->idx_buf;
    it->scap = RAX_ITER_INLINE;
    it->depth = 0;
    it->key = it->key_buf;
    it->key_cap = sizeof(it->key_buf);
    it->key_len = 0;
    it->val = NULL;
    it->eof = true;
    it->just_seeked = false;
    it->oom = false;
}

void rax_iter_stop(struct rax_iter *it)
{
    if (it->stack != it->stack_buf) {
        free(it->stack);
        free(it->idx);
    }
    if (it->key != it->key_buf) free(it->key);
    it->stack = it->stack_buf;
    it->idx = it->idx_buf;
    it->key = it->key_buf;
}

static bool push(struct rax_iter *it, struct rax_node *n, unsigned i)
{
    if (it->depth == it->scap) {
        uint32_t cap = it->scap * 2;
        struct rax_node **s = malloc(cap * sizeof(*s));
        uint16_t *x = malloc(cap * sizeof(*x));
        if (!s || !x) {
            free(s);
            free(x);
            it->oom = true;
            return false;
        }
        memcpy(s, it->stack, it->depth * sizeof(*s));
        memcpy(x, it->idx, it->depth * sizeof(*x));
        if (it->stack != it->stack_buf) {
            free(it->stack);
            free(it->idx);
        }
        it->stack = s;
        it->idx = x;
        it->scap = cap;
    }
    if (it->key_len + n->len > it->key_cap) {
        size_t cap = (it->key_len + n->len) * 2;
        unsigned char *k = malloc(cap);
        if (!k) {
            it->oom = true;
            return false;
        }
        memcpy(k, it->key, it->key_len);
        if (it->key != it->key_buf) free(it->key);
        it->key = k;
        it->key_cap = cap;
    }
    memcpy(it->key + it->key_len, n->label, n->len);
    it->key_len += n->len;
    it->stack[it->depth] = n;
    it->idx[it->depth] = (uint16_t)i;
    it->depth++;
    return true;
}

static inline struct rax_node *top(const struct rax_iter *it)
{
    return it->stack[it->depth - 1];
}

static inline void pop(struct rax_iter *it)
{
    it->depth--;
    it->key_len -= it->stack[it->depth]->len;
}

/* The iterator ends at the current node (a key), or at the end. */
static bool settle(struct rax_iter *it, bool ok)
{
    if (!ok || it->oom) {
        it->eof = true;
        it->depth = 0;
        it->key_len = 0;
        it->val = NULL;
        return false;
    }
    it->eof = false;
    it->val = top(it)->val;
    return true;
}

/* From the node on top, down to the smallest key of its subtree. */
static bool leftmost(struct rax_iter *it)
{
    while (!top(it)->iskey) {
        struct rax_node *n = top(it);
        if (!n->nkids) return false; /* only an empty root */
        if (!push(it, n->kids[0], 0)) return false;
    }
    return true;
}

static bool rightmost(struct rax_iter *it)
{
    while (top(it)->nkids) {
        struct rax_node *n = top(it);
        if (!push(it, n->kids[n->nkids - 1], n->nkids - 1u)) return false;
    }
    return top(it)->iskey;
}

/* The smallest key after every key of the subtree on top. */
static bool after_subtree(struct rax_iter *it)
{
    while (it->depth > 1) {
        unsigned i = it->idx[it->depth - 1];
        pop(it);
        struct rax_node *p = top(it);
        if (i + 1u < p->nkids) {
            if (!push(it, p->kids[i + 1], i + 1u)) return false;
            return leftmost(it);
        }
    }
    return false;
}

/* The greatest key before every key of the subtree on top. */
static bool before_subtree(struct rax_iter *it)
{
    while (it->depth > 1) {
        unsigned i = it->idx[it->depth - 1];
        pop(it);
        struct rax_node *p = top(it);
        if (i > 0) {
            if (!push(it, p->kids[i - 1], i - 1u)) return false;
            return rightmost(it);
        }
        if (p->iskey) return true;
    }
    return false;
}

/* The key on top's successor. */
static bool step_next(struct rax_iter *it)
{
    struct rax_node *n = top(it);
    if (n->nkids) {
        if (!push(it, n->kids[0], 0)) return false;
        return leftmost(it);
    }
    return after_subtree(it);
}

static bool seek_ge_le(struct rax_iter *it, const unsigned char *k, size_t len, bool ge,
                       bool strict)
{
    size_t pos = 0;
    for (;;) {
        struct rax_node *n = top(it);
        if (pos == len) {
            if (n->iskey) {
                if (!strict) return true;
                return ge ? step_next(it) : before_subtree(it);
            }
            return ge ? leftmost(it) : before_subtree(it);
        }
        unsigned i = child_lower(n, k[pos]);
        if (i < n->nkids && kbytes(n)[i] == k[pos]) {
            struct rax_node *c = n->kids[i];
            size_t m = common_prefix(c->label, c->len, k + pos, len - pos);
            if (!push(it, c, i)) return false;
            if (m == c->len) {
                pos += m;
                continue;
            }
            /* c's subtree is entirely above the key (the key ends inside
             * the label, or the label's next byte is greater), or below */
            bool above = pos + m == len || c->label[m] > k[pos + m];
            if (above) return ge ? leftmost(it) : before_subtree(it);
            return ge ? after_subtree(it) : rightmost(it);
        }
        if (ge) {
            if (i < n->nkids) {
                if (!push(it, n->kids[i], i)) return false;
                return leftmost(it);
            }
            return after_subtree(it);
        }
        if (i > 0) {
            if (!push(it, n->kids[i - 1], i - 1)) return false;
            return rightmost(it);
        }
        if (n->iskey) return true;
        return before_subtree(it);
    }
}

bool rax_seek(struct rax_iter *it, enum rax_op op, const void *key, size_t len)
{
    it->depth = 0;
    it->key_len = 0;
    it->oom = false;
    it->just_seeked = true;
    bool ok = false;
    if (it->rax->nkeys && push(it, it->rax->root, 0)) {
        switch (op) {
        case RAX_FIRST: ok = leftmost(it); break;
        case RAX_LAST: ok = rightmost(it); break;
        case RAX_GE: ok = seek_ge_le(it, key, len, true, false); break;
        case RAX_GT: ok = seek_ge_le(it, key, len, true, true); break;
        case RAX_LE: ok = seek_ge_le(it, key, len, false, false); break;
        case RAX_LT: ok = seek_ge_le(it, key, len, false, true); break;
        case RAX_EQ:
            ok = seek_ge_le(it, key, len, true, false) && it->key_len == len &&
                 memcmp(it->key, key, len) == 0;
            break;
        }
    }
    return settle(it, ok);
}

bool rax_next(struct rax_iter *it)
{
    if (it->just_seeked) {
        it->just_seeked = false;
        return !it->eof;
    }
    if (it->eof) return false;
    return settle(it, step_next(it));
}

bool rax_prev(struct rax_iter *it)
{
    if (it->just_seeked) {
        it->just_seeked = false;
        return !it->eof;
    }
    if (it->eof) return false;
    return settle(it, before_subtree(it));
}

void rax_iter_set(struct rax_iter *it, void *val)
{
    if (it->eof || !it->depth) return;
    top(it)->val = val;
    it->val = val;
}
