/* rax.c — the path-compressed radix tree of rax.h.
 *
 * A node is one allocation: a 16-byte header, its label, then room for
 * `cap` children as their first bytes (searched) and, 8-byte aligned,
 * their pointers:
 *
 *     val | len+iskey | nkids cap | label[len] kbytes[cap] pad | kids[cap]
 *
 * so a leaf with a 9-byte label takes 25 bytes. A node moves when its
 * label changes length (a split shortens the lower half, a merge lengthens
 * the child) or its children outgrow their room; the one pointer to it, in
 * its parent (or the tree's root), is then updated.
 */
#include "rax.h"

#include <stdlib.h>
#include <string.h>

#define KEYBIT 0x80000000u

struct rax_node {
    void *val;
    uint32_t lk; /* label length | KEYBIT when a key ends here */
    uint16_t nkids, cap;
    unsigned char data[];
};

static inline uint32_t nlen(const struct rax_node *n)
{
    return n->lk & ~KEYBIT;
}
static inline bool iskey(const struct rax_node *n)
{
    return (n->lk & KEYBIT) != 0;
}
static inline void set_key(struct rax_node *n, bool on)
{
    n->lk = on ? n->lk | KEYBIT : n->lk & ~KEYBIT;
}
static inline unsigned char *label(struct rax_node *n)
{
    return n->data;
}
static inline const unsigned char *clabel(const struct rax_node *n)
{
    return n->data;
}
static inline unsigned char *kbytes(const struct rax_node *n)
{
    return (unsigned char *)n->data + nlen(n);
}
static inline size_t kids_off(uint32_t len, unsigned cap)
{
    return (len + cap + 7) & ~(size_t)7;
}
static inline struct rax_node **kids(const struct rax_node *n)
{
    return (struct rax_node **)((unsigned char *)n->data + kids_off(nlen(n), n->cap));
}
static inline size_t node_size(uint32_t len, unsigned cap)
{
    if (!cap) return sizeof(struct rax_node) + len;
    return sizeof(struct rax_node) + kids_off(len, cap) + cap * sizeof(struct rax_node *);
}
static inline size_t size_of(const struct rax_node *n)
{
    return node_size(nlen(n), n->cap);
}

static struct rax_node *node_new(struct rax *r, const unsigned char *lab, size_t len, unsigned cap)
{
    struct rax_node *n = malloc(node_size((uint32_t)len, cap));
    if (!n) return NULL;
    n->val = NULL;
    n->lk = (uint32_t)len;
    n->nkids = 0;
    n->cap = (uint16_t)cap;
    if (len) memcpy(n->data, lab, len);
    r->bytes += size_of(n);
    r->nnodes++;
    return n;
}

static void node_free(struct rax *r, struct rax_node *n)
{
    r->bytes -= size_of(n);
    r->nnodes--;
    free(n);
}

/* A copy of n with label lab[len] and room for cap children (>= nkids),
 * its value, key flag and children kept; n is freed. NULL on allocation
 * failure (n then untouched). */
static struct rax_node *node_rebuild(struct rax *r, struct rax_node *n, const unsigned char *lab,
                                     size_t len, unsigned cap)
{
    struct rax_node *m = malloc(node_size((uint32_t)len, cap));
    if (!m) return NULL;
    m->val = n->val;
    m->lk = (uint32_t)len | (n->lk & KEYBIT);
    m->nkids = n->nkids;
    m->cap = (uint16_t)cap;
    memmove(m->data, lab, len); /* lab may point into n */
    if (n->nkids) {
        memcpy(kbytes(m), kbytes(n), n->nkids);
        memcpy(kids(m), kids(n), n->nkids * sizeof(struct rax_node *));
    }
    r->bytes += size_of(m);
    r->bytes -= size_of(n);
    free(n);
    return m;
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
    struct rax_node **k = kids(n);
    memmove(k + i + 1, k + i, (n->nkids - i) * sizeof(*k));
    memmove(kb + i + 1, kb + i, n->nkids - i);
    k[i] = c;
    kb[i] = c->data[0];
    n->nkids++;
}

/* Room for one more child in *np (which may move; the caller re-links). */
static bool child_room(struct rax *r, struct rax_node **np)
{
    struct rax_node *n = *np;
    if (n->nkids < n->cap) return true;
    unsigned cap = n->cap ? n->cap * 2u : 1u;
    if (cap > 256) cap = 256;
    struct rax_node *m = node_rebuild(r, n, label(n), nlen(n), cap);
    if (!m) return false;
    *np = m;
    return true;
}

/* Remove child i of *np, shrinking its room when mostly empty (the node
 * may move; the caller re-links). */
static void child_remove(struct rax *r, struct rax_node **np, unsigned i)
{
    struct rax_node *n = *np;
    unsigned char *kb = kbytes(n);
    struct rax_node **k = kids(n);
    memmove(k + i, k + i + 1, (n->nkids - i - 1) * sizeof(*k));
    memmove(kb + i, kb + i + 1, n->nkids - i - 1);
    n->nkids--;
    if (n->nkids * 4u <= n->cap) {
        /* failure only keeps the bigger room */
        struct rax_node *m = node_rebuild(r, n, label(n), nlen(n), n->nkids * 2u);
        if (m) *np = m;
    }
}

struct rax *rax_new(void)
{
    struct rax *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->bytes = sizeof(*r);
    r->root = node_new(r, NULL, 0, 0);
    if (!r->root) {
        free(r);
        return NULL;
    }
    return r;
}

static void free_rec(struct rax *r, struct rax_node *n, void (*fn)(void *))
{
    for (unsigned i = 0; i < n->nkids; i++) free_rec(r, kids(n)[i], fn);
    if (iskey(n) && fn) fn(n->val);
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
        const struct rax_node *k = kids(n)[i];
        /* below a branching node Redis starts a chain with a node of its
         * own, then the node where the chain ends (ours) */
        c += 1 + (n->nkids >= 2 && nlen(k) >= 2) + redis_nodes_rec(k);
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
    *bytes += size_of(n);
    if (iskey(n)) (*keys)++;
    if (!root && nlen(n) == 0) return false;
    if (!root && !iskey(n) && n->nkids < 2) return false;
    if (n->nkids > n->cap) return false;
    for (unsigned i = 0; i < n->nkids; i++) {
        const struct rax_node *k = kids(n)[i];
        if (kbytes(n)[i] != clabel(k)[0]) return false;
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
        if (pos == len) return iskey(n) ? &n->val : NULL;
        unsigned i = child_lower(n, k[pos]);
        if (i == n->nkids || kbytes(n)[i] != k[pos]) return NULL;
        struct rax_node *c = kids(n)[i];
        uint32_t cl = nlen(c);
        if (cl > len - pos || memcmp(c->data, k + pos, cl) != 0) return NULL;
        pos += cl;
        n = c;
    }
}

int rax_insert(struct rax *r, const void *key, size_t len, void *val, void **old, bool overwrite)
{
    const unsigned char *k = key;
    struct rax_node **link = &r->root; /* where n hangs */
    struct rax_node *n = r->root;
    size_t pos = 0;
    for (;;) {
        if (pos == len) {
            if (iskey(n)) {
                if (old) *old = n->val;
                if (overwrite) n->val = val;
                return 0;
            }
            set_key(n, true);
            n->val = val;
            r->nkeys++;
            return 1;
        }
        unsigned i = child_lower(n, k[pos]);
        if (i == n->nkids || kbytes(n)[i] != k[pos]) {
            /* no edge starts with this byte: a new leaf holds the rest */
            struct rax_node *leaf = node_new(r, k + pos, len - pos, 0);
            if (!leaf) return -1;
            if (!child_room(r, link)) {
                node_free(r, leaf);
                return -1;
            }
            n = *link;
            set_key(leaf, true);
            leaf->val = val;
            child_insert(n, i, leaf);
            r->nkeys++;
            return 1;
        }
        struct rax_node **clink = &kids(n)[i];
        struct rax_node *c = *clink;
        uint32_t cl = nlen(c);
        size_t m = 0;
        size_t lim = cl < len - pos ? cl : len - pos;
        while (m < lim && c->data[m] == k[pos + m]) m++;
        if (m == cl) {
            link = clink;
            n = c;
            pos += m;
            continue;
        }
        /* the key leaves c's label after m bytes: split c into an upper
         * node holding label[0..m) and c holding the rest */
        bool ends = pos + m == len;
        struct rax_node *up = node_new(r, c->data, m, 2);
        struct rax_node *leaf = NULL;
        if (!up || (!ends && !(leaf = node_new(r, k + pos + m, len - pos - m, 0)))) {
            if (up) node_free(r, up);
            return -1;
        }
        struct rax_node *lower = node_rebuild(r, c, c->data + m, cl - m, c->cap);
        if (!lower) {
            node_free(r, up);
            if (leaf) node_free(r, leaf);
            return -1;
        }
        child_insert(up, 0, lower);
        if (ends) {
            set_key(up, true);
            up->val = val;
        } else {
            set_key(leaf, true);
            leaf->val = val;
            child_insert(up, leaf->data[0] < lower->data[0] ? 0 : 1, leaf);
        }
        *clink = up;
        r->nkeys++;
        return 1;
    }
}

/* Fold *link's only child into its place: the child's label becomes the
 * node's label followed by its own. */
static void merge_down(struct rax *r, struct rax_node **link)
{
    struct rax_node *n = *link, *c = kids(n)[0];
    uint32_t nl = nlen(n), cl = nlen(c);
    struct rax_node *g = malloc(node_size(nl + cl, c->cap));
    if (!g) return; /* the tree stays valid, only less compact */
    g->val = c->val;
    g->lk = (nl + cl) | (c->lk & KEYBIT);
    g->nkids = c->nkids;
    g->cap = c->cap;
    memcpy(g->data, n->data, nl);
    memcpy(g->data + nl, c->data, cl);
    if (c->nkids) {
        memcpy(kbytes(g), kbytes(c), c->nkids);
        memcpy(kids(g), kids(c), c->nkids * sizeof(struct rax_node *));
    }
    r->bytes += size_of(g);
    r->nnodes++;
    node_free(r, c);
    node_free(r, n);
    *link = g;
}

bool rax_remove(struct rax *r, const void *key, size_t len, void **old)
{
    const unsigned char *k = key;
    struct rax_node **link = &r->root, **plink = NULL, **pplink = NULL;
    struct rax_node *n = r->root;
    unsigned pi = 0;
    size_t pos = 0;
    while (pos < len) {
        unsigned i = child_lower(n, k[pos]);
        if (i == n->nkids || kbytes(n)[i] != k[pos]) return false;
        struct rax_node *c = kids(n)[i];
        uint32_t cl = nlen(c);
        if (cl > len - pos || memcmp(c->data, k + pos, cl) != 0) return false;
        pplink = plink;
        plink = link;
        link = &kids(n)[i];
        pi = i;
        pos += cl;
        n = c;
    }
    if (!iskey(n)) return false;
    if (old) *old = n->val;
    set_key(n, false);
    n->val = NULL;
    r->nkeys--;
    if (n == r->root) return true;
    if (n->nkids == 0) {
        node_free(r, n);
        child_remove(r, plink, pi);
        struct rax_node *p = *plink;
        if (p != r->root && !iskey(p) && p->nkids == 1) merge_down(r, plink);
        (void)pplink;
    } else if (n->nkids == 1) {
        merge_down(r, link);
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
    if (it->key_len + nlen(n) > it->key_cap) {
        size_t cap = (it->key_len + nlen(n)) * 2;
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
    memcpy(it->key + it->key_len, clabel(n), nlen(n));
    it->key_len += nlen(n);
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
    it->key_len -= nlen(it->stack[it->depth]);
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
    while (!iskey(top(it))) {
        struct rax_node *n = top(it);
        if (!n->nkids) return false; /* only an empty root */
        if (!push(it, kids(n)[0], 0)) return false;
    }
    return true;
}

static bool rightmost(struct rax_iter *it)
{
    while (top(it)->nkids) {
        struct rax_node *n = top(it);
        if (!push(it, kids(n)[n->nkids - 1], n->nkids - 1u)) return false;
    }
    return iskey(top(it));
}

/* The smallest key after every key of the subtree on top. */
static bool after_subtree(struct rax_iter *it)
{
    while (it->depth > 1) {
        unsigned i = it->idx[it->depth - 1];
        pop(it);
        struct rax_node *p = top(it);
        if (i + 1u < p->nkids) {
            if (!push(it, kids(p)[i + 1], i + 1u)) return false;
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
            if (!push(it, kids(p)[i - 1], i - 1u)) return false;
            return rightmost(it);
        }
        if (iskey(p)) return true;
    }
    return false;
}

/* The key on top's successor. */
static bool step_next(struct rax_iter *it)
{
    struct rax_node *n = top(it);
    if (n->nkids) {
        if (!push(it, kids(n)[0], 0)) return false;
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
            if (iskey(n)) {
                if (!strict) return true;
                return ge ? step_next(it) : before_subtree(it);
            }
            return ge ? leftmost(it) : before_subtree(it);
        }
        unsigned i = child_lower(n, k[pos]);
        if (i < n->nkids && kbytes(n)[i] == k[pos]) {
            struct rax_node *c = kids(n)[i];
            size_t m = common_prefix(clabel(c), nlen(c), k + pos, len - pos);
            if (!push(it, c, i)) return false;
            if (m == nlen(c)) {
                pos += m;
                continue;
            }
            /* c's subtree is entirely above the key (the key ends inside
             * the label, or the label's next byte is greater), or below */
            bool above = pos + m == len || clabel(c)[m] > k[pos + m];
            if (above) return ge ? leftmost(it) : before_subtree(it);
            return ge ? after_subtree(it) : rightmost(it);
        }
        if (ge) {
            if (i < n->nkids) {
                if (!push(it, kids(n)[i], i)) return false;
                return leftmost(it);
            }
            return after_subtree(it);
        }
        if (i > 0) {
            if (!push(it, kids(n)[i - 1], i - 1)) return false;
            return rightmost(it);
        }
        if (iskey(n)) return true;
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
