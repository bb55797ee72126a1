/* coll.h — helpers shared by the collection types (t_hash.c, t_set.c,
 * t_zset.c): *SCAN argument parsing and replies, random numbers, Redis's
 * double parsing, and replying listpack entries.
 */
#ifndef SS_COLL_H
#define SS_COLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"

/* Per-thread xorshift64*: HRANDFIELD, SPOP, SRANDMEMBER, ZRANDMEMBER. */
uint64_t coll_rand(void);
/* Uniform in [0, n), n > 0. */
static inline uint64_t coll_rand_below(uint64_t n)
{
    return coll_rand() % n;
}

/* A random node of a non-empty dict, uniform over nodes (not over buckets,
 * as dict_random is): a random bucket's chain of length L is taken with
 * probability min(L, 4)/4, then a uniform node of it (Redis's
 * dictGetFairRandomKey has the same goal). SRANDMEMBER/SPOP/HRANDFIELD. */
struct dnode *coll_fair_random(struct dict *d);

/* The options after the cursor (COUNT n, MATCH p; TYPE is SCAN's alone). */
struct scan_opts {
    const char *pat;
    size_t patlen;
    long long count;
    bool all; /* no MATCH, or MATCH "*" */
};
/* HSCAN/SSCAN/ZSCAN's start, in Redis's order: the cursor at argv[2]
 * ("ERR invalid cursor"), the key at argv[1] of `type` (WRONGTYPE; a missing
 * key gets the empty scan reply "*2 $1 0 *0" before any option is looked
 * at), then the options. Returns the collection, or NULL when it replied. */
const struct sobj *coll_scan_begin(struct cmdctx *c, int type, uint64_t *cursor,
                                   struct scan_opts *so);
static inline bool coll_scan_match(const struct scan_opts *o, const void *s, size_t len)
{
    return o->all || str_match(o->pat, o->patlen, s, len, false);
}
/* The nodes one HSCAN/SSCAN/ZSCAN call visits in a hashtable encoding:
 * dict_scan steps until `count` nodes are gathered or 10 x count steps were
 * taken, as Redis does. Returns the next cursor; *out (malloc'd, the caller
 * frees it) holds *n nodes. */
uint64_t coll_scan_dict(struct dict *d, uint64_t cursor, long long count, struct dnode ***out,
                        size_t *n);
/* Write the cursor half of a scan reply: "*2 $n <cursor>". */
void coll_reply_scan_cursor(struct cmdctx *c, uint64_t cursor);

/* A rank range [start, end] over llen elements, as Redis sanitizes it for
 * LRANGE, LTRIM, ZRANGE and ZREMRANGEBYRANK: negative indexes count from
 * the end. False when it holds no element; else both are clamped into
 * [0, llen). */
static inline bool coll_rank_range(long long llen, long long *start, long long *end)
{
    if (*start < 0) *start += llen;
    if (*end < 0) *end += llen;
    if (*start < 0) *start = 0;
    if (*start > *end || *start >= llen) return false;
    if (*end >= llen) *end = llen - 1;
    return true;
}

/* Redis's getDoubleFromObject: strtod over the whole argument, no leading
 * space, no NaN, no overflow to +-HUGE_VAL by ERANGE. "inf" is fine. */
bool coll_str_to_d(const char *s, size_t len, double *out);
/* Redis's getLongFromObjectOrReply + range: replies NOTINT or the range
 * message "ERR value is out of range, must be ..." (msg NULL) or msg. */
bool coll_range_ll_or_reply(struct cmdctx *c, const struct sarg *a, long long min, long long max,
                            const char *msg, long long *out);

/* The listpack entry at p as a bulk string. */
void coll_reply_lp(struct reply *r, const unsigned char *p);

#endif
