/* zskiplist.c — the skiplist + dict of zskiplist.h (Pugh's skiplist with
 * spans for ranks, p = 1/4, up to 32 levels). */
#include "zskiplist.h"

#include <stdlib.h>
#include <string.h>

#include "coll.h"

static bool zsn_eq(const struct dnode *n, const void *key, size_t len)
{
    const struct zsnode *z = (const struct zsnode *)n;
    return z->mlen == len && memcmp(zsn_member(z), key, len) == 0;
}

static const struct dict_type zset_dict_type = {.eq = zsn_eq};

int zr_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    size_t m = al < bl ? al : bl;
    int c = m ? memcmp(a, b, m) : 0;
    if (c) return c;
    return al < bl ? -1 : al > bl;
}

/* (score, member) of n compared with (s, m). */
static inline int node_cmp(const struct zsnode *n, double s, const char *m, size_t len)
{
    if (n->score < s) return -1;
    if (n->score > s) return 1;
    return zr_cmp(zsn_member(n), n->mlen, m, len);
}

static int random_level(void)
{
    int l = 1;
    uint64_t r = coll_rand();
    while ((r & 3) == 0 && l < ZSL_MAXLEVEL) {
        l++;
        r >>= 2;
    }
    return l;
}

struct zset *zset_new(void)
{
    struct zset *zs = malloc(sizeof(*zs));
    if (!zs) return NULL;
    zs->head = calloc(1, sizeof(struct zsnode) + ZSL_MAXLEVEL * sizeof(struct zslevel));
    if (!zs->head) {
        free(zs);
        return NULL;
    }
    zs->head->lvl = ZSL_MAXLEVEL;
    dict_init(&zs->d, &zset_dict_type);
    zs->tail = NULL;
    zs->length = 0;
    zs->level = 1;
    return zs;
}

void zset_free(struct zset *zs)
{
    struct zsnode *n = zs->head->lv[0].fwd;
    while (n) {
        struct zsnode *next = n->lv[0].fwd;
        free(n);
        n = next;
    }
    dict_release(&zs->d, NULL, NULL);
    free(zs->head);
    free(zs);
}

struct zsnode *zset_find(struct zset *zs, const void *m, size_t len)
{
    return (struct zsnode *)dict_find(&zs->d, m, len, dict_hash(m, len));
}

/* Link n (score and member set, lvl chosen) into the skiplist. */
static void zsl_link(struct zset *zs, struct zsnode *n)
{
    struct zsnode *update[ZSL_MAXLEVEL], *x = zs->head;
    unsigned long rank[ZSL_MAXLEVEL];
    const char *m = zsn_member(n);
    int level = n->lvl;
    /* levels the list gains start at the head and span the whole list (an
     * unused level's forward pointer is NULL); the walk below then finds
     * the head as their predecessor, at rank 0 */
    for (int i = zs->level; i < level; i++) zs->head->lv[i].span = zs->length;
    if (level > zs->level) zs->level = level;
    update[0] = zs->head;
    rank[0] = 0;
    for (int i = zs->level - 1; i >= 0; i--) {
        rank[i] = i == zs->level - 1 ? 0 : rank[i + 1];
        while (x->lv[i].fwd && node_cmp(x->lv[i].fwd, n->score, m, n->mlen) < 0) {
            rank[i] += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        update[i] = x;
    }
    for (int i = 0; i < level && i < zs->level; i++) { /* level <= zs->level */
        n->lv[i].fwd = update[i]->lv[i].fwd;
        update[i]->lv[i].fwd = n;
        n->lv[i].span = update[i]->lv[i].span - (rank[0] - rank[i]);
        update[i]->lv[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < zs->level; i++) update[i]->lv[i].span++;
    n->back = update[0] == zs->head ? NULL : update[0];
    if (n->lv[0].fwd)
        n->lv[0].fwd->back = n;
    else
        zs->tail = n;
    zs->length++;
}

/* Unlink n from the skiplist (not from the dict, not freed). */
static void zsl_unlink(struct zset *zs, struct zsnode *n)
{
    struct zsnode *update[ZSL_MAXLEVEL], *x = zs->head;
    const char *m = zsn_member(n);
    for (int i = zs->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && x->lv[i].fwd != n &&
               node_cmp(x->lv[i].fwd, n->score, m, n->mlen) < 0)
            x = x->lv[i].fwd;
        update[i] = x;
    }
    for (int i = 0; i < zs->level; i++) {
        if (update[i]->lv[i].fwd == n) {
            update[i]->lv[i].span += n->lv[i].span - 1;
            update[i]->lv[i].fwd = n->lv[i].fwd;
        } else {
            update[i]->lv[i].span -= 1;
        }
    }
    if (n->lv[0].fwd)
        n->lv[0].fwd->back = n->back;
    else
        zs->tail = n->back;
    while (zs->level > 1 && zs->head->lv[zs->level - 1].fwd == NULL) zs->level--;
    zs->length--;
}

struct zsnode *zset_insert(struct zset *zs, double score, const void *m, size_t len)
{
    int level = random_level();
    struct zsnode *n = malloc(sizeof(*n) + (size_t)level * sizeof(struct zslevel) + len);
    if (!n) return NULL;
    n->lvl = (uint8_t)level;
    n->score = score;
    n->mlen = (uint32_t)len;
    memcpy(zsn_member(n), m, len);
    n->node.hash = dict_hash(m, len);
    dict_add(&zs->d, &n->node);
    zsl_link(zs, n);
    return n;
}

void zset_update(struct zset *zs, struct zsnode *n, double score)
{
    /* stays in place when the order does not change (Redis's fast path) */
    if ((!n->back || n->back->score < score ||
         (n->back->score == score &&
          zr_cmp(zsn_member(n->back), n->back->mlen, zsn_member(n), n->mlen) < 0)) &&
        (!n->lv[0].fwd || n->lv[0].fwd->score > score ||
         (n->lv[0].fwd->score == score &&
          zr_cmp(zsn_member(n->lv[0].fwd), n->lv[0].fwd->mlen, zsn_member(n), n->mlen) > 0))) {
        n->score = score;
        return;
    }
    zsl_unlink(zs, n);
    n->score = score;
    zsl_link(zs, n);
}

void zset_delete_node(struct zset *zs, struct zsnode *n)
{
    zsl_unlink(zs, n);
    dict_unlink_node(&zs->d, &n->node);
    free(n);
}

bool zset_delete(struct zset *zs, const void *m, size_t len)
{
    struct zsnode *n = zset_find(zs, m, len);
    if (!n) return false;
    zset_delete_node(zs, n);
    dict_maybe_shrink(&zs->d);
    return true;
}

unsigned long zset_rank(struct zset *zs, const struct zsnode *n)
{
    struct zsnode *x = zs->head;
    unsigned long rank = 0;
    const char *m = zsn_member(n);
    for (int i = zs->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && node_cmp(x->lv[i].fwd, n->score, m, n->mlen) <= 0) {
            rank += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        if (x == n) return rank;
    }
    return 0;
}

struct zsnode *zset_by_rank(struct zset *zs, unsigned long rank)
{
    struct zsnode *x = zs->head;
    unsigned long traversed = 0;
    if (rank == 0 || rank > zs->length) return NULL;
    for (int i = zs->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && traversed + x->lv[i].span <= rank) {
            traversed += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        if (traversed == rank) return x;
    }
    return NULL;
}

bool zr_gte_min(double v, const struct zrange_score *r)
{
    return r->minex ? v > r->min : v >= r->min;
}

bool zr_lte_max(double v, const struct zrange_score *r)
{
    return r->maxex ? v < r->max : v <= r->max;
}

bool zr_empty(const struct zrange_score *r)
{
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

bool zr_lex_gte_min(const char *s, size_t len, const struct zrange_lex *r)
{
    if (r->mininf < 0) return true;
    if (r->mininf > 0) return false;
    int c = zr_cmp(s, len, r->min, r->minlen);
    return r->minex ? c > 0 : c >= 0;
}

bool zr_lex_lte_max(const char *s, size_t len, const struct zrange_lex *r)
{
    if (r->maxinf > 0) return true;
    if (r->maxinf < 0) return false;
    int c = zr_cmp(s, len, r->max, r->maxlen);
    return r->maxex ? c < 0 : c <= 0;
}

bool zr_lex_empty(const struct zrange_lex *r)
{
    if (r->mininf > 0 || r->maxinf < 0) return true;
    if (r->mininf < 0 || r->maxinf > 0) return false;
    int c = zr_cmp(r->min, r->minlen, r->max, r->maxlen);
    return c > 0 || (c == 0 && (r->minex || r->maxex));
}

struct zsnode *zset_first_in_range(struct zset *zs, const struct zrange_score *r)
{
    if (zr_empty(r) || !zs->tail || !zr_gte_min(zs->tail->score, r)) return NULL;
    struct zsnode *x = zs->head;
    for (int i = zs->level - 1; i >= 0; i--)
        while (x->lv[i].fwd && !zr_gte_min(x->lv[i].fwd->score, r)) x = x->lv[i].fwd;
    x = x->lv[0].fwd;
    return x && zr_lte_max(x->score, r) ? x : NULL;
}

struct zsnode *zset_last_in_range(struct zset *zs, const struct zrange_score *r)
{
    struct zsnode *f = zset_first(zs);
    if (zr_empty(r) || !f || !zr_lte_max(f->score, r)) return NULL;
    struct zsnode *x = zs->head;
    for (int i = zs->level - 1; i >= 0; i--)
        while (x->lv[i].fwd && zr_lte_max(x->lv[i].fwd->score, r)) x = x->lv[i].fwd;
    return x != zs->head && zr_gte_min(x->score, r) ? x : NULL;
}

/* Redis's zslIsInLexRange: the range is not empty, the last member is >=
 * min and the first <= max. Members are in (score, member) order, not
 * member order, when scores differ: Redis answers such "undefined" ranges
 * deterministically from these checks and the descents below, and so do we. */
static bool lex_in_reach(struct zset *zs, const struct zrange_lex *r)
{
    struct zsnode *f = zset_first(zs);
    return !zr_lex_empty(r) && zs->tail &&
           zr_lex_gte_min(zsn_member(zs->tail), zs->tail->mlen, r) &&
           zr_lex_lte_max(zsn_member(f), f->mlen, r);
}

struct zsnode *zset_first_gte_lex(struct zset *zs, const struct zrange_lex *r)
{
    struct zsnode *x = zs->head;
    for (int i = zs->level - 1; i >= 0; i--)
        while (x->lv[i].fwd && !zr_lex_gte_min(zsn_member(x->lv[i].fwd), x->lv[i].fwd->mlen, r))
            x = x->lv[i].fwd;
    return x->lv[0].fwd;
}

struct zsnode *zset_first_in_lex(struct zset *zs, const struct zrange_lex *r)
{
    if (!lex_in_reach(zs, r)) return NULL;
    struct zsnode *x = zset_first_gte_lex(zs, r);
    return x && zr_lex_lte_max(zsn_member(x), x->mlen, r) ? x : NULL;
}

struct zsnode *zset_last_in_lex(struct zset *zs, const struct zrange_lex *r)
{
    if (!lex_in_reach(zs, r)) return NULL;
    struct zsnode *x = zs->head;
    for (int i = zs->level - 1; i >= 0; i--)
        while (x->lv[i].fwd && zr_lex_lte_max(zsn_member(x->lv[i].fwd), x->lv[i].fwd->mlen, r))
            x = x->lv[i].fwd;
    return x != zs->head && zr_lex_gte_min(zsn_member(x), x->mlen, r) ? x : NULL;
}
