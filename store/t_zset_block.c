/* t_zset_block.c — BZPOPMIN, BZPOPMAX and BZMPOP (Redis 7.0's
 * blockingGenericZpopCommand), built on zset_pop() from t_zset.c.
 *
 * A key with members is popped at once, like ZPOPMIN/ZPOPMAX/ZMPOP; when
 * every key is missing the client blocks (store/blocking.h) and
 * zset_blk_serve() pops for it when a key becomes ready. In MULTI or a
 * script the reply is the timeout's null array at once.
 */
#include <limits.h>
#include <stdlib.h>

#include "blocking.h"
#include "db.h"
#include "t_zset.h"

void cmd_bzpopmin(struct cmdctx *c);
void cmd_bzpopmax(struct cmdctx *c);
void cmd_bzmpop(struct cmdctx *c);

/* count -1: BZPOPMIN/BZPOPMAX ([key, member, score]); otherwise BZMPOP. */
static void blocking_zpop(struct cmdctx *c, const struct sarg *keys, int nkeys, int where,
                          int timeout_idx, long long count)
{
    int64_t deadline;
    if (!blk_parse_timeout(c, &c->argv[timeout_idx], &deadline)) return;
    for (int j = 0; j < nkeys; j++) {
        struct kentry *e = db_lookup_for_write(c, c->db, &keys[j]);
        if (!e) continue;
        if (e->val->type != OBJ_ZSET) {
            reply_errs(c->r, SERR_WRONGTYPE);
            return;
        }
        if (!zset_obj_len(e->val)) continue;
        if (count == -1)
            zset_pop(c, &keys[j], (enum zset_where)where, 1, ZPOP_REPLY_BZPOP);
        else
            zset_pop(c, &keys[j], (enum zset_where)where, (long)count, ZPOP_REPLY_MPOP);
        return;
    }
    if (c->no_block) {
        reply_null_array(c->r);
        return;
    }
    struct blk_client *bc = blk_client_new(count == -1 ? BLK_ZPOP : BLK_ZMPOP, c->db, c->r->resp,
                                           keys, nkeys, NULL, deadline);
    if (!bc || blk_wait_locked(c->ks, bc) != 0) {
        free(bc);
        reply_errs(c->r, SERR_OOM);
        return;
    }
    bc->where = (uint8_t)where;
    bc->count = (long)count;
    c->blocked = bc;
}

void cmd_bzpopmin(struct cmdctx *c)
{
    blocking_zpop(c, &c->argv[1], c->argc - 2, ZSET_MIN, c->argc - 1, -1);
}

void cmd_bzpopmax(struct cmdctx *c)
{
    blocking_zpop(c, &c->argv[1], c->argc - 2, ZSET_MAX, c->argc - 1, -1);
}

/* BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
void cmd_bzmpop(struct cmdctx *c)
{
    long long numkeys, count = -1, v;
    if (!arg_ll(&c->argv[2], &numkeys) || numkeys < 1) {
        reply_error(c->r, "ERR numkeys should be greater than 0");
        return;
    }
    long long where_idx = 2 + numkeys + 1;
    if (where_idx >= c->argc) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    int where;
    if (arg_is(&c->argv[where_idx], "MIN")) {
        where = ZSET_MIN;
    } else if (arg_is(&c->argv[where_idx], "MAX")) {
        where = ZSET_MAX;
    } else {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    for (int j = (int)where_idx + 1; j < c->argc; j++) {
        if (count == -1 && arg_is(&c->argv[j], "COUNT") && j + 1 < c->argc) {
            j++;
            if (!arg_ll(&c->argv[j], &v) || v < 1) {
                reply_error(c->r, "ERR count should be greater than 0");
                return;
            }
            count = v;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    if (count == -1) count = 1;
    blocking_zpop(c, &c->argv[3], (int)numkeys, where, 1, count);
}

/* A server pops for a blocked client: key holds a non-empty zset. */
void zset_blk_serve(struct cmdctx *c, struct blk_client *bc, const struct sarg *key)
{
    if (bc->kind == BLK_ZPOP)
        zset_pop(c, key, (enum zset_where)bc->where, 1, ZPOP_REPLY_BZPOP);
    else
        zset_pop(c, key, (enum zset_where)bc->where, bc->count, ZPOP_REPLY_MPOP);
}
