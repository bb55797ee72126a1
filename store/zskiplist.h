/* zskiplist.h — the `skiplist` encoding of sorted sets: a skiplist ordered
 * by (score, member) with rank spans, plus a dict from member to node.
 *
 * Each element is ONE allocation, `struct zsnode`: the dict link (intrusive
 * dnode with the member's hash), the score, the backward pointer, its
 * levels, then the member bytes inline. Redis spends a skiplist node, an sds
 * and a dictEntry per element; this layout needs ~40 + 16*level + len
 * bytes.
 *
 * Ranks are 1-based inside this module (rank of the first element is 1), as
 * in Redis's zslGetRank; the commands convert to 0-based.
 */
#ifndef SS_ZSKIPLIST_H
#define SS_ZSKIPLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dict.h"

#define ZSL_MAXLEVEL 32

struct zsnode;
struct zslevel {
    struct zsnode *fwd;
    unsigned long span;
};

struct zsnode {
    struct dnode node; /* in zset.d; node.hash = dict_hash(member) */
    double score;
    struct zsnode *back;
    uint32_t mlen;
    uint8_t lvl;
    struct zslevel lv[]; /* lvl levels, then the member bytes */
};

static inline char *zsn_member(const struct zsnode *n)
{
    return (char *)&n->lv[n->lvl];
}

struct zset {
    struct dict d;
    struct zsnode *head; /* ZSL_MAXLEVEL levels, no member */
    struct zsnode *tail;
    unsigned long length;
    int level;
};

/* Score range: min/max with exclusive flags (ZRANGEBYSCORE "(" syntax). */
struct zrange_score {
    double min, max;
    bool minex, maxex;
};
/* Lex range: min/max member bytes; *inf marks "-" / "+". */
struct zrange_lex {
    const char *min, *max;
    size_t minlen, maxlen;
    bool minex, maxex;
    int mininf, maxinf; /* -1 for "-", +1 for "+", 0 otherwise */
};

struct zset *zset_new(void);
void zset_free(struct zset *zs);
/* Node of member, NULL if absent. */
struct zsnode *zset_find(struct zset *zs, const void *m, size_t len);
/* Insert a member that is not present; NULL on allocation failure. */
struct zsnode *zset_insert(struct zset *zs, double score, const void *m, size_t len);
/* Change the score of a present node (repositions it). */
void zset_update(struct zset *zs, struct zsnode *n, double score);
/* Remove and free a node. */
void zset_delete_node(struct zset *zs, struct zsnode *n);
bool zset_delete(struct zset *zs, const void *m, size_t len);

/* 1-based rank of a present node. */
unsigned long zset_rank(struct zset *zs, const struct zsnode *n);
/* Node at 1-based rank, NULL if out of range. */
struct zsnode *zset_by_rank(struct zset *zs, unsigned long rank);
static inline struct zsnode *zset_first(const struct zset *zs)
{
    return zs->head->lv[0].fwd;
}

/* Range helpers (Redis's zslValueGteMin etc.). */
bool zr_gte_min(double v, const struct zrange_score *r);
bool zr_lte_max(double v, const struct zrange_score *r);
bool zr_lex_gte_min(const char *s, size_t len, const struct zrange_lex *r);
bool zr_lex_lte_max(const char *s, size_t len, const struct zrange_lex *r);
bool zr_empty(const struct zrange_score *r);
bool zr_lex_empty(const struct zrange_lex *r);
/* Member order: memcmp, then length (Redis's sdscmp). */
int zr_cmp(const char *a, size_t al, const char *b, size_t bl);

struct zsnode *zset_first_in_range(struct zset *zs, const struct zrange_score *r);
struct zsnode *zset_last_in_range(struct zset *zs, const struct zrange_score *r);
struct zsnode *zset_first_in_lex(struct zset *zs, const struct zrange_lex *r);
struct zsnode *zset_last_in_lex(struct zset *zs, const struct zrange_lex *r);
/* The first node the descent "forward while < min" reaches, without the
 * reach checks of zset_first_in_lex (Redis's zslDeleteRangeByLex). */
struct zsnode *zset_first_gte_lex(struct zset *zs, const struct zrange_lex *r);

#endif
