/* t_zset.h — sorted-set operations for other store files: the blocking
 * commands (BZPOPMIN/BZPOPMAX/BZMPOP are built on zset_pop), RDB and
 * DUMP/RESTORE, SORT, unit tests. Encodings are described in t_zset.c. The
 * caller holds the key's shard lock.
 */
#ifndef SS_T_ZSET_H
#define SS_T_ZSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "object.h"

enum zset_where { ZSET_MIN = 0, ZSET_MAX = 1 };

/* How zset_pop replies (Redis 7.0's shapes):
 *   ZPOP_REPLY_ONE    ZPOPMIN key           [member, score] (flat, RESP2/3)
 *   ZPOP_REPLY_COUNT  ZPOPMIN key count     RESP2 flat [m, s, m, s ...];
 *                                           RESP3 [[m, s], [m, s] ...]
 *   ZPOP_REPLY_BZPOP  BZPOPMIN              [key, member, score]
 *   ZPOP_REPLY_MPOP   ZMPOP / BZMPOP        [key, [[m, s], ...]]  */
enum zpop_reply { ZPOP_REPLY_ONE, ZPOP_REPLY_COUNT, ZPOP_REPLY_BZPOP, ZPOP_REPLY_MPOP };

/* Pop up to `count` (>= 1) elements from the min or max end of the sorted
 * set at key in c->db, which must exist and hold a zset (the caller has
 * checked: a missing key or WRONGTYPE is the caller's reply). Replies in
 * the given shape, deletes the key when it becomes empty, runs the
 * write-path hooks. Returns the number popped. */
long zset_pop(struct cmdctx *c, const struct sarg *key, enum zset_where where, long count,
              enum zpop_reply how);

/* Length of a zset object. */
unsigned long zset_obj_len(const struct sobj *o);
/* Every element, lowest score first, to fn (a member's bytes are valid
 * during the call; integers of a listpack are formatted into a buffer). */
void zset_walk(const struct sobj *o, void (*fn)(void *arg, const char *m, size_t ml, double score),
               void *arg);

/* listpack -> skiplist (a no-op for a skiplist); false on allocation
 * failure, the object unchanged. */
bool zset_obj_to_skiplist(struct sobj *o);
/* skiplist -> listpack when it fits zset-max-listpack-entries/-value
 * (Redis's zsetConvertToListpackIfNeeded): maxlen is the longest member,
 * totlen the sum of their lengths. */
void zset_obj_maybe_to_listpack(struct sobj *o, size_t maxlen, size_t totlen);

/* Score of member m (false if absent). */
bool zset_obj_score(const struct sobj *o, const char *m, size_t len, double *score);
/* Walk the members with min <= score <= max (score < max when maxex) in
 * order, calling fn until it returns false (geo's box scans). */
typedef bool (*zset_walk_fn)(const char *m, size_t len, double score, void *arg);
void zset_obj_walk_score(const struct sobj *o, double min, double max, bool maxex, zset_walk_fn fn,
                         void *arg);

#endif
