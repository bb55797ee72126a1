/* quicklist.c — lists as linked listpack nodes (see quicklist.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "listpack.h"
#include "quicklist.h"

#if __has_include("tunables.h")
#include "tunables.h"
#define QL_DEFAULT_FILL     (store_tun.list_max_listpack_size)
#define QL_DEFAULT_COMPRESS (store_tun.list_compress_depth)
#else
#define QL_DEFAULT_FILL     (-2)
#define QL_DEFAULT_COMPRESS 0
#endif

/* Node byte limits for fill -1..-5 (Redis's optimization_level). */
static const size_t ql_level[] = {4096, 8192, 16384, 32768, 65536};

static int clamp_fill(int fill)
{
    if (fill > QL_FILL_MAX) return QL_FILL_MAX;
    if (fill < -5) return -5;
    return fill;
}

struct quicklist *ql_new(int fill, int compress)
{
    struct quicklist *ql = calloc(1, sizeof(*ql));
    if (!ql) return NULL;
    ql->fill = clamp_fill(fill);
    ql->compress = compress < 0 ? 0 : compress;
    return ql;
}

struct quicklist *ql_new_default(void)
{
    return ql_new(QL_DEFAULT_FILL, QL_DEFAULT_COMPRESS);
}

void ql_free(struct quicklist *ql)
{
    if (!ql) return;
    struct ql_node *n = ql->head;
    while (n) {
        struct ql_node *next = n->next;
        lp_free(n->lp);
        free(n);
        n = next;
    }
    free(ql);
}

struct quicklist *ql_dup(const struct quicklist *ql)
{
    struct quicklist *d = ql_new(ql->fill, ql->compress);
    if (!d) return NULL;
    for (struct ql_node *n = ql->head; n; n = n->next) {
        struct ql_node *c = calloc(1, sizeof(*c));
        unsigned char *lp = c ? lp_dup(n->lp) : NULL;
        if (!lp) {
            free(c);
            ql_free(d);
            return NULL;
        }
        c->lp = lp;
        c->sz = n->sz;
        c->count = n->count;
        c->prev = d->tail;
        if (d->tail)
            d->tail->next = c;
        else
            d->head = c;
        d->tail = c;
        d->len++;
    }
    d->count = ql->count;
    return d;
}

size_t ql_mem_usage(const struct quicklist *ql)
{
    size_t n = sizeof(*ql);
    for (const struct ql_node *x = ql->head; x; x = x->next) n += sizeof(*x) + x->sz;
    return n;
}

/* Redis 7.0's _quicklistNodeAllowInsert: would an element of sz bytes fit?
 * The entry's size is estimated as its bytes plus 8 (SIZE_ESTIMATE_OVERHEAD,
 * an overestimate of a listpack entry's encoding and backlen). */
#define QL_SIZE_ESTIMATE_OVERHEAD 8

static bool allow_insert(const struct ql_node *n, int fill, size_t sz)
{
    if (!n) return false;
    size_t new_sz = n->sz + sz + QL_SIZE_ESTIMATE_OVERHEAD;
    if (fill < 0) return new_sz <= ql_level[-fill - 1];
    if (new_sz > QL_SAFETY_LIMIT) return false;
    return (int)n->count < fill;
}

/* Redis's _quicklistNodeAllowMerge: the merged size is estimated as the two
 * sizes less 11 bytes (one listpack's header and terminator, as Redis
 * counts them). */
static bool allow_merge(const struct ql_node *a, const struct ql_node *b, int fill)
{
    if (!a || !b) return false;
    unsigned sz = (unsigned)(a->sz + b->sz - 11);
    if (fill < 0) return sz <= ql_level[-fill - 1];
    if (sz > QL_SAFETY_LIMIT) return false;
    return (long)a->count + b->count <= fill;
}

static struct ql_node *node_new(void)
{
    struct ql_node *n = calloc(1, sizeof(*n));
    if (!n) return NULL;
    n->lp = lp_new(0);
    if (!n->lp) {
        free(n);
        return NULL;
    }
    n->sz = lp_bytes(n->lp);
    return n;
}

static void node_update(struct ql_node *n)
{
    n->sz = lp_bytes(n->lp);
}

/* Link n after `at` (at NULL: as the new head). */
static void link_after(struct quicklist *ql, struct ql_node *at, struct ql_node *n)
{
    n->prev = at;
    n->next = at ? at->next : ql->head;
    if (n->next)
        n->next->prev = n;
    else
        ql->tail = n;
    if (at)
        at->next = n;
    else
        ql->head = n;
    ql->len++;
}

static void unlink_node(struct quicklist *ql, struct ql_node *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        ql->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        ql->tail = n->prev;
    ql->len--;
    lp_free(n->lp);
    free(n);
}

int ql_push(struct quicklist *ql, int where, const void *s, size_t len)
{
    struct ql_node *n = where == QL_HEAD ? ql->head : ql->tail;
    bool fresh = false;
    if (!allow_insert(n, ql->fill, len)) {
        n = node_new();
        if (!n) return -ENOMEM;
        fresh = true;
    }
    unsigned char *lp = where == QL_HEAD ? lp_prepend(n->lp, s, len) : lp_append(n->lp, s, len);
    if (!lp) {
        if (fresh) {
            lp_free(n->lp);
            free(n);
        }
        return -ENOMEM;
    }
    n->lp = lp;
    n->count++;
    node_update(n);
    if (fresh) link_after(ql, where == QL_HEAD ? NULL : ql->tail, n);
    ql->count++;
    return 0;
}

int ql_append_listpack(struct quicklist *ql, unsigned char *lp)
{
    uint32_t count = lp_count(lp);
    if (count == 0) return -EINVAL;
    struct ql_node *n = calloc(1, sizeof(*n));
    if (!n) return -ENOMEM;
    n->lp = lp;
    n->count = count;
    node_update(n);
    link_after(ql, ql->tail, n);
    ql->count += count;
    return 0;
}

static void decode(const unsigned char *p, struct ql_val *out)
{
    out->p = lp_get(p, &out->len, &out->v);
}

void ql_peek(const struct quicklist *ql, int where, struct ql_val *out)
{
    const struct ql_node *n = where == QL_HEAD ? ql->head : ql->tail;
    decode(where == QL_HEAD ? lp_first(n->lp) : lp_last(n->lp), out);
}

void ql_pop(struct quicklist *ql, int where)
{
    struct ql_node *n = where == QL_HEAD ? ql->head : ql->tail;
    unsigned char *p = where == QL_HEAD ? lp_first(n->lp) : lp_last(n->lp);
    n->lp = lp_delete(n->lp, p, NULL);
    n->count--;
    ql->count--;
    if (!n->count)
        unlink_node(ql, n);
    else
        node_update(n);
}

/* ------------------------------------------------------------------------ */
/* Iteration. */

static unsigned char *node_start(const struct ql_node *n, int dir)
{
    return dir == QL_HEAD ? lp_first(n->lp) : lp_last(n->lp);
}

static unsigned char *step(const struct ql_node *n, const unsigned char *p, int dir)
{
    return dir == QL_HEAD ? lp_next(n->lp, p) : lp_prev(n->lp, p);
}

void ql_iter_init(const struct quicklist *ql, struct ql_iter *it, int dir)
{
    memset(it, 0, sizeof(*it));
    it->ql = (struct quicklist *)ql; /* see struct ql_iter */
    it->dir = dir;
    it->node = dir == QL_HEAD ? ql->head : ql->tail;
    it->nextpos = it->node ? node_start(it->node, dir) : NULL;
}

bool ql_iter_at(const struct quicklist *ql, struct ql_iter *it, long index, int dir)
{
    memset(it, 0, sizeof(*it));
    it->ql = (struct quicklist *)ql; /* see struct ql_iter */
    it->dir = dir;
    bool fwd = index >= 0;
    unsigned long want = fwd ? (unsigned long)index : (unsigned long)(-(index + 1));
    if (want >= ql->count) return false;
    struct ql_node *n = fwd ? ql->head : ql->tail;
    unsigned long seen = 0;
    while (n && seen + n->count <= want) {
        seen += n->count;
        n = fwd ? n->next : n->prev;
    }
    if (!n) return false;
    long off = (long)(want - seen);
    it->node = n;
    it->nextpos = lp_seek(n->lp, fwd ? off : -off - 1);
    return it->nextpos != NULL;
}

bool ql_iter_next(struct ql_iter *it, struct ql_val *out)
{
    if (!it->node) return false;
    while (!it->nextpos) {
        it->node = it->dir == QL_HEAD ? it->node->next : it->node->prev;
        if (!it->node) return false;
        it->nextpos = node_start(it->node, it->dir);
    }
    it->pos = it->nextpos;
    it->nextpos = step(it->node, it->pos, it->dir);
    it->started = true;
    it->deleted = false;
    if (out) decode(it->pos, out);
    return true;
}

void ql_iter_del(struct ql_iter *it)
{
    struct ql_node *n = it->node;
    struct quicklist *ql = it->ql;
    /* keep the next position as an offset: deleting may move the listpack */
    long nextoff = it->nextpos ? (long)(it->nextpos - n->lp) : -1;
    long posoff = (long)(it->pos - n->lp);
    size_t before = n->sz;
    n->lp = lp_delete(n->lp, it->pos, NULL);
    n->count--;
    ql->count--;
    it->deleted = true;
    it->started = false;
    if (!n->count) {
        struct ql_node *nb = it->dir == QL_HEAD ? n->next : n->prev;
        unlink_node(ql, n);
        it->node = nb;
        it->nextpos = nb ? node_start(nb, it->dir) : NULL;
        return;
    }
    node_update(n);
    if (nextoff < 0) {
        it->nextpos = NULL;
    } else if (nextoff > posoff) {
        /* the next entry moved back by the deleted entry's size */
        it->nextpos = n->lp + nextoff - (long)(before - n->sz);
    } else {
        it->nextpos = n->lp + nextoff;
    }
}

int ql_iter_replace(struct ql_iter *it, const void *s, size_t len)
{
    struct ql_node *n = it->node;
    unsigned char *p = it->pos;
    unsigned char *lp = lp_replace(n->lp, &p, s, len);
    if (!lp) return -ENOMEM;
    n->lp = lp;
    node_update(n);
    it->pos = p;
    it->nextpos = step(n, p, it->dir);
    return 0;
}

/* Split node n: the entries from index `at` on go to a new node after it. */
static struct ql_node *split_node(struct quicklist *ql, struct ql_node *n, uint32_t at)
{
    struct ql_node *m = calloc(1, sizeof(*m));
    if (!m) return NULL;
    m->lp = lp_dup(n->lp);
    if (!m->lp) {
        free(m);
        return NULL;
    }
    n->lp = lp_delete_range(n->lp, at, n->count - at);
    m->lp = lp_delete_range(m->lp, 0, at);
    m->count = n->count - at;
    n->count = at;
    node_update(n);
    node_update(m);
    link_after(ql, n, m);
    return m;
}

static void try_merge(struct quicklist *ql, struct ql_node *a)
{
    struct ql_node *b = a ? a->next : NULL;
    if (!a || !b || !allow_merge(a, b, ql->fill)) return;
    unsigned char *lp = a->lp;
    for (unsigned char *p = lp_first(b->lp); p; p = lp_next(b->lp, p)) {
        uint32_t len;
        int64_t v;
        const unsigned char *s = lp_get(p, &len, &v);
        unsigned char *nl = s ? lp_append(lp, s, len) : lp_append_int(lp, v);
        if (!nl) { /* leave both nodes as they are: roll back what was added */
            lp = lp_delete_range(lp, a->count, lp_count(lp) - a->count);
            a->lp = lp;
            node_update(a);
            return;
        }
        lp = nl;
    }
    a->lp = lp;
    a->count += b->count;
    node_update(a);
    unlink_node(ql, b);
}

int ql_iter_insert(struct ql_iter *it, bool after, const void *s, size_t len)
{
    struct quicklist *ql = it->ql;
    struct ql_node *n = it->node;
    unsigned char *p = it->pos;
    bool at_tail = lp_next(n->lp, p) == NULL, at_head = lp_prev(n->lp, p) == NULL;
    if (allow_insert(n, ql->fill, len)) {
        unsigned char *lp = lp_insert_str(n->lp, p, s, len, after ? LP_AFTER : LP_BEFORE, NULL);
        if (!lp) return -ENOMEM;
        n->lp = lp;
        n->count++;
        node_update(n);
        ql->count++;
        return 0;
    }
    struct ql_node *nb = after ? n->next : n->prev;
    if (after && at_tail && allow_insert(nb, ql->fill, len)) {
        unsigned char *lp = lp_prepend(nb->lp, s, len);
        if (!lp) return -ENOMEM;
        nb->lp = lp;
    } else if (!after && at_head && allow_insert(nb, ql->fill, len)) {
        unsigned char *lp = lp_append(nb->lp, s, len);
        if (!lp) return -ENOMEM;
        nb->lp = lp;
    } else {
        /* a new node between: after a split if p is inside the node */
        struct ql_node *m = node_new();
        if (!m) return -ENOMEM;
        unsigned char *lp = lp_append(m->lp, s, len);
        if (!lp) {
            lp_free(m->lp);
            free(m);
            return -ENOMEM;
        }
        m->lp = lp;
        m->count = 1;
        node_update(m);
        struct ql_node *at = after ? n : n->prev;
        if (!(after ? at_tail : at_head)) {
            /* index of p within n */
            uint32_t idx = 0;
            for (unsigned char *q = lp_first(n->lp); q != p; q = lp_next(n->lp, q)) idx++;
            if (!split_node(ql, n, after ? idx + 1 : idx)) {
                lp_free(m->lp);
                free(m);
                return -ENOMEM;
            }
            at = n;
        }
        link_after(ql, at, m);
        ql->count++;
        /* Redis merges the neighbours of a split (_quicklistMergeNodes) */
        try_merge(ql, m);
        if (m->prev) try_merge(ql, m->prev);
        return 0;
    }
    nb->count++;
    node_update(nb);
    ql->count++;
    return 0;
}

void ql_del_range(struct quicklist *ql, unsigned long start, unsigned long count)
{
    struct ql_node *n = ql->head;
    unsigned long idx = 0; /* index of n's first element */
    while (n && count) {
        struct ql_node *next = n->next;
        if (idx + n->count <= start) {
            idx += n->count;
            n = next;
            continue;
        }
        unsigned long off = start - idx;
        unsigned long del = n->count - off;
        if (del > count) del = count;
        count -= del;
        ql->count -= del;
        if (del == n->count) {
            unlink_node(ql, n);
        } else {
            n->lp = lp_delete_range(n->lp, (long)off, del);
            n->count -= (uint32_t)del;
            node_update(n);
            idx += n->count;
        }
        n = next;
    }
}

/* ------------------------------------------------------------------------ */

bool ql_val_eq(const struct ql_val *v, const void *s, size_t len)
{
    if (v->p) return v->len == len && memcmp(v->p, s, len) == 0;
    char buf[24];
    int n = ll_to_str(buf, sizeof(buf), v->v);
    return (size_t)n == len && memcmp(buf, s, len) == 0;
}

const char *ql_val_bytes(const struct ql_val *v, char *buf, size_t *len)
{
    if (v->p) {
        *len = v->len;
        return (const char *)v->p;
    }
    *len = (size_t)ll_to_str(buf, 24, v->v);
    return buf;
}

bool ql_check(const struct quicklist *ql)
{
    unsigned long count = 0, len = 0;
    const struct ql_node *prev = NULL;
    for (const struct ql_node *n = ql->head; n; prev = n, n = n->next) {
        if (n->prev != prev) return false;
        if (!n->count || n->count != lp_count((unsigned char *)n->lp) || n->sz != lp_bytes(n->lp))
            return false;
        if (n->count > 1) {
            /* the node without its last element must have allowed it */
            if (ql->fill >= 0 && (int)n->count > (ql->fill ? ql->fill : 1)) return false;
        }
        count += n->count;
        len++;
    }
    return prev == ql->tail && count == ql->count && len == ql->len;
}
