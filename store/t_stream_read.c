/* t_stream_read.c — XREAD and XREADGROUP (Redis 7.0's xreadCommand), and
 * serving their blocked clients.
 *
 * A read that finds nothing new blocks (BLOCK ms) with one waiter for all
 * its keys (store/blocking.h, kind BLK_XREAD): per key the ID it reads
 * after, and for XREADGROUP the group and consumer. An XADD on any worker
 * marks the key ready; before its locks drop, every waiter of the key for
 * which an entry after its ID exists is served, in the order they blocked:
 * XREAD waiters all get the new entries (reading consumes nothing), a
 * group waiter reads after the group's last delivered ID at the moment it
 * is served, so the group's waiters share the new entries in FIFO order,
 * each entry going to one of them. Deleting or replacing the key, or
 * destroying the group, marks it ready too: group waiters then get
 * Redis's UNBLOCKED / NOGROUP errors; XREAD waiters keep waiting.
 *
 * Effects: XREAD changes nothing. XREADGROUP is logged as Redis propagates
 * it: an XCLAIM per entry delivered (or XGROUP SETID with NOACK) and XGROUP
 * CREATECONSUMER for a consumer NOACK created; never as itself.
 */
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "t_stream.h"

void cmd_xread(struct cmdctx *c);
void cmd_xreadgroup(struct cmdctx *c);

#define XREAD_BLOCKED_DEFAULT_COUNT 1000

static inline bool arg_eq1(const struct sarg *a, char ch)
{
    return a->len == 1 && a->p[0] == ch;
}

/* The consumer reading for a group: found (seen now) or created (logged
 * when NOACK, as nothing else would create it on a replica). */
static struct sconsumer *reader(struct cmdctx *c, struct sgroup *g, const struct sarg *name,
                                bool noack, const struct sarg *key, const struct sarg *gname)
{
    struct sconsumer *cs = stream_consumer_find(g, name->p, name->len);
    if (cs) {
        cs->seen_time = c->now_ms;
        return cs;
    }
    cs = stream_consumer_create(g, name->p, name->len, c->now_ms, NULL);
    if (cs && noack) stream_effect_createconsumer(c, key, gname, cs);
    return cs;
}

static void xread(struct cmdctx *c, bool xgroup)
{
    int64_t deadline = 0;
    bool block = false, noack = false;
    long long count = 0;
    int streams_arg = 0, n = 0;
    const struct sarg *gname = NULL, *cname = NULL;
    for (int i = 1; i < c->argc; i++) {
        int more = c->argc - i - 1;
        const struct sarg *o = &c->argv[i];
        if (arg_is(o, "block") && more) {
            if (!stream_parse_block_ms(c, &c->argv[++i], &deadline)) return;
            block = true;
        } else if (arg_is(o, "count") && more) {
            if (!arg_ll_or_reply(c, &c->argv[++i], &count)) return;
            if (count < 0) count = 0;
        } else if (arg_is(o, "streams") && more) {
            streams_arg = i + 1;
            n = c->argc - streams_arg;
            if (n % 2) {
                reply_errs(c->r, SERR_XREAD_UNBALANCED);
                return;
            }
            n /= 2;
            break;
        } else if (arg_is(o, "group") && more >= 2) {
            if (!xgroup) {
                reply_errs(c->r, SERR_XREAD_GROUP_OPT);
                return;
            }
            gname = &c->argv[i + 1];
            cname = &c->argv[i + 2];
            i += 2;
        } else if (arg_is(o, "noack")) {
            if (!xgroup) {
                reply_errs(c->r, SERR_XREAD_NOACK_OPT);
                return;
            }
            noack = true;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    if (!streams_arg) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    if (xgroup && !gname) {
        reply_errs(c->r, SERR_XREADGROUP_NOGROUP);
        return;
    }
    struct sid idsmall[8], *ids = idsmall;
    struct sgroup *gsmall[8], **groups = gsmall;
    if (n > 8) {
        ids = malloc(sizeof(*ids) * (size_t)n);
        groups = malloc(sizeof(*groups) * (size_t)n);
        if (!ids || !groups) {
            reply_errs(c->r, SERR_OOM);
            goto out;
        }
    }
    const struct sarg *keys = &c->argv[streams_arg];
    for (int k = 0; k < n; k++) {
        const struct sarg *ida = &c->argv[streams_arg + n + k];
        struct kentry *e;
        if (!stream_lookup_r(c, &keys[k], &e)) goto out;
        struct stream *s = e ? STREAM(e->val) : NULL;
        groups[k] = NULL;
        if (gname) {
            if (!s || !(groups[k] = stream_group_find(s, gname->p, gname->len))) {
                stream_reply_nogroup_key(c, &keys[k], gname, "xreadgroup");
                goto out;
            }
        }
        if (arg_eq1(ida, '$')) {
            if (xgroup) {
                reply_errs(c->r, SERR_XREADGROUP_DOLLAR);
                goto out;
            }
            ids[k] = s ? s->last_id : (struct sid){0, 0};
        } else if (arg_eq1(ida, '>')) {
            if (!xgroup) {
                reply_errs(c->r, SERR_XREAD_GT);
                goto out;
            }
            /* the maximum ID stands for ">": the group's last ID, when served */
            ids[k].ms = ids[k].seq = UINT64_MAX;
        } else if (!stream_parse_id(c, ida, &ids[k], 0, true, NULL, true)) {
            goto out;
        }
    }

    /* serve at once what can be */
    long served = 0;
    struct rdefer d = {0};
    for (int k = 0; k < n; k++) {
        struct stream_w w = {0};
        if (!stream_lookup_r(c, &keys[k], &w.e) || !w.e) continue;
        struct stream *s = STREAM(w.e->val);
        struct sgroup *g = groups[k];
        struct sid gt = ids[k];
        bool now = false, history = false;
        if (g) {
            if (gt.ms != UINT64_MAX || gt.seq != UINT64_MAX) {
                now = history = true; /* the consumer's own pending entries */
            } else if (s->length) {
                struct sid top;
                stream_last_valid_id(s, &top);
                if (sid_cmp(&top, &g->last_id) > 0) {
                    now = true;
                    gt = g->last_id;
                }
            }
        } else if (s->length) {
            struct sid top;
            stream_last_valid_id(s, &top);
            now = sid_cmp(&top, &gt) > 0;
        }
        if (!now) continue;
        if (!served++) d = reply_defer(c->r);
        struct sid start = gt;
        sid_incr(&start);
        if (c->r->resp == 2) reply_array(c->r, 2);
        reply_bulk(c->r, keys[k].p, keys[k].len);
        struct sconsumer *cs = NULL;
        if (g) {
            s = stream_w_open(c, &w, false);
            cs = reader(c, g, cname, noack, &keys[k], gname);
            if (!cs) {
                reply_array(c->r, 0);
                continue;
            }
        }
        int flags = (noack ? SRR_NOACK : 0) | (history ? SRR_HISTORY : 0);
        stream_reply_range(c, s, &start, NULL, (size_t)count, false, g, cs, flags, &keys[k], gname);
        if (g) {
            w.changes = 1;
            stream_w_done(c, &w);
        }
    }
    if (served) {
        if (c->r->resp == 2)
            reply_defer_array(c->r, d, served);
        else
            reply_defer_map(c->r, d, served);
        goto out;
    }
    if (block && !c->no_block) {
        struct blk_client *bc =
            blk_client_new_xread(c->db, c->r->resp, keys, ids, n, gname, cname, deadline);
        if (!bc || blk_wait_locked(c->ks, bc) != 0) {
            free(bc);
            reply_errs(c->r, SERR_OOM);
            goto out;
        }
        /* without COUNT a low ID must not make the server send a huge
         * stream to the client it serves later */
        bc->count = count ? (long)count : XREAD_BLOCKED_DEFAULT_COUNT;
        bc->xr->noack = noack;
        c->blocked = bc;
        goto out;
    }
    reply_null_array(c->r);
out:
    /* what it changed was logged as XCLAIM / XGROUP effects */
    cmd_effect_suppress(c);
    if (ids != idsmall) free(ids);
    if (groups != gsmall) free(groups);
}

/* XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...] */
void cmd_xread(struct cmdctx *c)
{
    xread(c, false);
}

/* XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK]
 *            STREAMS key [key ...] id [id ...] */
void cmd_xreadgroup(struct cmdctx *c)
{
    xread(c, true);
}

/* Key extraction (Redis's xreadGetKeys): the keys after STREAMS, half of
 * what follows it, skipping the options' arguments before it. */
int keys_xread(int argc, const struct sarg *argv, int *out, int max);
int keys_xread(int argc, const struct sarg *argv, int *out, int max)
{
    int pos = -1;
    for (int i = 1; i < argc; i++) {
        if (arg_is(&argv[i], "block") || arg_is(&argv[i], "count")) {
            i++;
        } else if (arg_is(&argv[i], "group")) {
            i += 2;
        } else if (arg_is(&argv[i], "noack")) {
            continue;
        } else if (arg_is(&argv[i], "streams")) {
            pos = i;
            break;
        } else {
            break;
        }
    }
    int num = pos < 0 ? 0 : argc - pos - 1;
    if (pos < 0 || num == 0 || num % 2) return 0;
    num /= 2;
    int k = 0;
    for (int i = 0; i < num && k < max; i++) out[k++] = pos + 1 + i;
    return k;
}

/* ------------------------------------------------------------------------ */
/* Blocked clients (store/blocking.h). */

bool stream_blk_servable(const struct sobj *v, const struct blk_client *bc, int ki)
{
    const struct blk_xread *xr = bc->xr;
    if (!v || v->type != OBJ_STREAM) return xr->group.p != NULL; /* its key is gone */
    const struct stream *s = STREAM(v);
    struct sid gt = xr->ids[ki];
    if (xr->group.p) {
        const struct sgroup *g = stream_group_find(s, xr->group.p, xr->group.len);
        if (!g) return true; /* NOGROUP */
        gt = g->last_id;
    }
    return sid_cmp(&s->last_id, &gt) > 0;
}

void stream_blk_serve(struct cmdctx *c, struct blk_client *bc, int ki, const struct sarg *key)
{
    const struct blk_xread *xr = bc->xr;
    const struct sarg *gname = xr->group.p ? &xr->group : NULL;
    struct stream_w w = {0};
    w.e = db_lookup_quiet(c, c->db, key);
    if (!w.e || w.e->val->type != OBJ_STREAM) {
        reply_errs(c->r, SERR_XREAD_KEY_GONE);
        return;
    }
    struct stream *s = STREAM(w.e->val);
    struct sgroup *g = NULL;
    struct sid start = xr->ids[ki];
    struct sconsumer *cs = NULL;
    if (gname) {
        g = stream_group_find(s, gname->p, gname->len);
        if (!g) {
            reply_errs(c->r, SERR_XREAD_GROUP_GONE);
            return;
        }
        start = g->last_id;
        s = stream_w_open(c, &w, false);
        cs = reader(c, g, &xr->consumer, xr->noack, key, gname);
    }
    sid_incr(&start);
    if (bc->resp == 2) {
        reply_array(c->r, 1);
        reply_array(c->r, 2);
    } else {
        reply_map(c->r, 1);
    }
    reply_bulk(c->r, key->p, key->len);
    if (gname && !cs) {
        reply_array(c->r, 0);
    } else {
        stream_reply_range(c, s, &start, NULL, (size_t)bc->count, false, g, cs,
                           xr->noack ? SRR_NOACK : 0, key, gname);
    }
    if (g) {
        w.changes = 1;
        stream_w_done(c, &w);
    }
    cmd_effect_suppress(c);
}
