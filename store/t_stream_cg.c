/* t_stream_cg.c — consumer groups (Redis 7.0's t_stream.c): XGROUP CREATE,
 * SETID, DESTROY, CREATECONSUMER, DELCONSUMER and HELP, XACK, XPENDING,
 * XCLAIM, XAUTOCLAIM.
 *
 * These change only group state: they pass the write gate without touching
 * WATCH (db_begin_write_unsignaled), as Redis signals none of them, except
 * XGROUP CREATE ... MKSTREAM creating the key. XCLAIM and XAUTOCLAIM are
 * logged as Redis propagates them: one `XCLAIM key group consumer 0 id TIME
 * ms RETRYCOUNT n FORCE JUSTID LASTID id` per entry claimed or dropped from
 * the PEL, and `XGROUP SETID ... ENTRIESREAD n` when only LASTID moved.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "t_stream.h"

void cmd_xgroup_create(struct cmdctx *c);
void cmd_xgroup_setid(struct cmdctx *c);
void cmd_xgroup_destroy(struct cmdctx *c);
void cmd_xgroup_createconsumer(struct cmdctx *c);
void cmd_xgroup_delconsumer(struct cmdctx *c);
void cmd_xgroup_help(struct cmdctx *c);
void cmd_xack(struct cmdctx *c);
void cmd_xpending(struct cmdctx *c);
void cmd_xclaim(struct cmdctx *c);
void cmd_xautoclaim(struct cmdctx *c);

/* ------------------------------------------------------------------------ */
/* XGROUP */

enum xg_sub { XG_CREATE, XG_SETID, XG_DESTROY, XG_CREATECONSUMER, XG_DELCONSUMER };

static void reply_nogroup_group(struct cmdctx *c, const struct sarg *g, const struct sarg *key)
{
    reply_errorf(c->r, SERRF_NOGROUP_GROUP, stream_cstr_len(g), g->p, stream_cstr_len(key), key->p);
}

/* Redis's xgroupCommand, shared by the subcommands: the options of CREATE
 * and SETID, the key and group checks, then the subcommand. */
static void xgroup(struct cmdctx *c, enum xg_sub sub)
{
    const struct sarg *key = &c->argv[2], *gname = &c->argv[3];
    bool mkstream = false;
    long long entries_read = SG_ENTRIES_READ_INVALID;
    for (int i = 5; i < c->argc;) {
        if (sub == XG_CREATE && arg_is(&c->argv[i], "mkstream")) {
            mkstream = true;
            i++;
        } else if ((sub == XG_CREATE || sub == XG_SETID) && arg_is(&c->argv[i], "entriesread") &&
                   i + 1 < c->argc) {
            if (!arg_ll_or_reply(c, &c->argv[i + 1], &entries_read)) return;
            if (entries_read < 0 && entries_read != SG_ENTRIES_READ_INVALID) {
                reply_errs(c->r, SERR_XGROUP_ENTRIESREAD);
                return;
            }
            i += 2;
        } else {
            stream_reply_subcommand_syntax(c, "XGROUP");
            return;
        }
    }
    struct stream_w w = {0};
    if (!stream_lookup_w(c, key, &w.e)) return;
    struct stream *s = w.e ? STREAM(w.e->val) : NULL;
    struct sgroup *g = NULL;
    if (!mkstream) {
        if (!s) {
            reply_errs(c->r, SERR_XGROUP_NOKEY);
            return;
        }
        g = stream_group_find(s, gname->p, gname->len);
        if (!g && (sub == XG_SETID || sub == XG_CREATECONSUMER || sub == XG_DELCONSUMER)) {
            reply_nogroup_group(c, gname, key);
            return;
        }
    }
    switch (sub) {
    case XG_CREATE: {
        if (c->argc > 8) break;
        struct sid id = {0, 0};
        if (c->argv[4].len == 1 && c->argv[4].p[0] == '$') {
            if (s) id = s->last_id;
        } else if (!stream_parse_id(c, &c->argv[4], &id, 0, true, NULL, true)) {
            return;
        }
        if (s && stream_group_find(s, gname->p, gname->len)) {
            reply_errs(c->r, SERR_XGROUP_BUSY);
            return;
        }
        bool oom;
        if (!s) {
            /* MKSTREAM: a new, empty stream holding the group */
            struct stream *ns = stream_new();
            struct sobj *o = ns ? obj_new_coll(OBJ_STREAM, ENC_STREAM, ns) : NULL;
            if (!o || !stream_group_create(ns, gname->p, gname->len, &id, entries_read, &oom)) {
                if (o)
                    obj_free(o);
                else
                    stream_free(ns);
                reply_errs(c->r, SERR_OOM);
                return;
            }
            if (!db_add(c, c->db, key, o)) {
                obj_free(o);
                reply_errs(c->r, SERR_OOM);
                return;
            }
            c->dirty++; /* the group, after the key */
            reply_ok(c->r);
            return;
        }
        s = stream_w_open(c, &w, false);
        if (!stream_group_create(s, gname->p, gname->len, &id, entries_read, &oom)) {
            reply_errs(c->r, SERR_OOM);
            return;
        }
        w.changes = 1;
        stream_w_done(c, &w);
        reply_ok(c->r);
        return;
    }
    case XG_SETID: {
        if (c->argc != 5 && c->argc != 7) break;
        struct sid id;
        if (c->argv[4].len == 1 && c->argv[4].p[0] == '$') {
            id = s->last_id;
        } else if (!stream_parse_id(c, &c->argv[4], &id, 0, false, NULL, true)) {
            return;
        }
        stream_w_open(c, &w, false);
        g->last_id = id;
        g->entries_read = entries_read;
        w.changes = 1;
        stream_w_done(c, &w);
        reply_ok(c->r);
        return;
    }
    case XG_DESTROY:
        if (c->argc != 4) break;
        if (!g) {
            reply_int(c->r, 0);
            return;
        }
        s = stream_w_open(c, &w, false);
        rax_remove(s->cgroups, gname->p, gname->len, NULL);
        stream_group_free(g);
        w.changes = 1;
        stream_w_done(c, &w);
        reply_int(c->r, 1);
        {
            /* its blocked readers get NOGROUP */
            struct shard *sh = db_shard(c, key);
            if (sh->blk) blk_signal_locked(c->ks, sh, c->db, key->p, key->len);
        }
        return;
    case XG_CREATECONSUMER: {
        if (c->argc != 5) break;
        const struct sarg *cn = &c->argv[4];
        if (stream_consumer_find(g, cn->p, cn->len)) {
            reply_int(c->r, 0);
            return;
        }
        stream_w_open(c, &w, false);
        bool oom;
        if (!stream_consumer_create(g, cn->p, cn->len, c->now_ms, &oom)) {
            reply_errs(c->r, SERR_OOM);
            return;
        }
        w.changes = 1;
        stream_w_done(c, &w);
        reply_int(c->r, 1);
        return;
    }
    case XG_DELCONSUMER: {
        if (c->argc != 5) break;
        const struct sarg *cn = &c->argv[4];
        struct sconsumer *cs = stream_consumer_find(g, cn->p, cn->len);
        long long pending = 0;
        if (cs) {
            stream_w_open(c, &w, false);
            pending = (long long)rax_size(cs->pel);
            stream_consumer_delete(g, cs);
            w.changes = 1;
            stream_w_done(c, &w);
        }
        reply_int(c->r, pending);
        return;
    }
    }
    stream_reply_subcommand_syntax(c, "XGROUP");
}

void cmd_xgroup_create(struct cmdctx *c)
{
    xgroup(c, XG_CREATE);
}
void cmd_xgroup_setid(struct cmdctx *c)
{
    xgroup(c, XG_SETID);
}
void cmd_xgroup_destroy(struct cmdctx *c)
{
    xgroup(c, XG_DESTROY);
}
void cmd_xgroup_createconsumer(struct cmdctx *c)
{
    xgroup(c, XG_CREATECONSUMER);
}
void cmd_xgroup_delconsumer(struct cmdctx *c)
{
    xgroup(c, XG_DELCONSUMER);
}

void cmd_xgroup_help(struct cmdctx *c)
{
    static const char *const help[] = {
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a consumer group starting after <id> ($: the last entry). Options:",
        "    * MKSTREAM",
        "      Create an empty stream at <key> if there is none.",
        "    * ENTRIESREAD entries_read",
        "      The group's entries-read counter (for replication and AOF).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Add a consumer to the group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove a consumer and its pending entries.",
        "DESTROY <key> <groupname>",
        "    Remove the group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Move the group's last delivered ID (and entries-read counter).",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof(help) / sizeof(help[0]);
    reply_array(c->r, (long)n);
    for (size_t i = 0; i < n; i++) reply_simple(c->r, help[i]);
}

/* ------------------------------------------------------------------------ */
/* XACK */

/* IDs argv[from..argc) parsed strictly, all or nothing (after replying on
 * failure, NULL). *small holds up to 8 of them. */
static struct sid *parse_ids(struct cmdctx *c, int from, struct sid small[8])
{
    int n = c->argc - from;
    struct sid *ids = n > 8 ? malloc(sizeof(*ids) * (size_t)n) : small;
    if (!ids) {
        reply_errs(c->r, SERR_OOM);
        return NULL;
    }
    for (int j = 0; j < n; j++) {
        if (!stream_parse_id(c, &c->argv[from + j], &ids[j], 0, true, NULL, true)) {
            if (ids != small) free(ids);
            return NULL;
        }
    }
    return ids;
}

/* Take id out of both PELs; true if it was pending. */
static bool ack_one(struct stream *s, struct sgroup *g, const struct sid *id, struct stream_w *w,
                    struct cmdctx *c)
{
    unsigned char k[16];
    sid_encode(k, id);
    void **slot = rax_find(g->pel, k, 16);
    if (!slot) return false;
    (void)s;
    stream_w_open(c, w, false);
    struct snack *na = *slot;
    rax_remove(g->pel, k, 16, NULL);
    rax_remove(na->consumer->pel, k, 16, NULL);
    free(na);
    return true;
}

/* XACK key group id [id ...] */
void cmd_xack(struct cmdctx *c)
{
    struct stream_w w = {0};
    if (!stream_lookup_r(c, &c->argv[1], &w.e)) return;
    struct sgroup *g =
        w.e ? stream_group_find(STREAM(w.e->val), c->argv[2].p, c->argv[2].len) : NULL;
    if (!g) {
        reply_int(c->r, 0);
        return;
    }
    struct sid small[8];
    struct sid *ids = parse_ids(c, 3, small);
    if (!ids) return;
    long acked = 0;
    for (int j = 0; j < c->argc - 3; j++)
        if (ack_one(STREAM(w.e->val), g, &ids[j], &w, c)) acked++;
    w.changes = acked;
    stream_w_done(c, &w);
    reply_int(c->r, acked);
    if (ids != small) free(ids);
}

/* ------------------------------------------------------------------------ */
/* XPENDING key group [[IDLE min-idle-time] start end count [consumer]] */

void cmd_xpending(struct cmdctx *c)
{
    bool summary = c->argc == 3;
    const struct sarg *key = &c->argv[1], *gname = &c->argv[2], *cname = NULL;
    struct sid start = {0, 0}, end = {0, 0};
    long long count = 0, minidle = 0;
    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    if (c->argc >= 6) {
        int si = 3;
        if (arg_is(&c->argv[3], "idle")) {
            if (!arg_ll_or_reply(c, &c->argv[4], &minidle)) return;
            if (c->argc < 8) {
                reply_errs(c->r, SERR_SYNTAX);
                return;
            }
            si += 2;
        }
        if (!arg_ll_or_reply(c, &c->argv[si + 2], &count)) return;
        if (count < 0) count = 0;
        bool sx, ex;
        if (!stream_parse_interval(c, &c->argv[si], &start, &sx, 0)) return;
        if (sx && !sid_incr(&start)) {
            reply_errs(c->r, SERR_XRANGE_START);
            return;
        }
        if (!stream_parse_interval(c, &c->argv[si + 1], &end, &ex, UINT64_MAX)) return;
        if (ex && !sid_decr(&end)) {
            reply_errs(c->r, SERR_XRANGE_END);
            return;
        }
        if (si + 3 < c->argc) cname = &c->argv[si + 3];
    }
    struct kentry *e;
    if (!stream_lookup_r(c, key, &e)) return;
    struct sgroup *g = e ? stream_group_find(STREAM(e->val), gname->p, gname->len) : NULL;
    if (!g) {
        stream_reply_nogroup_key(c, key, gname, NULL);
        return;
    }
    if (summary) {
        reply_array(c->r, 4);
        reply_int(c->r, (long long)rax_size(g->pel));
        if (!rax_size(g->pel)) {
            reply_null(c->r);
            reply_null(c->r);
            reply_null_array(c->r);
            return;
        }
        struct rax_iter ri;
        rax_iter_start(&ri, g->pel);
        struct sid id;
        rax_seek(&ri, RAX_FIRST, NULL, 0);
        sid_decode(ri.key, &id);
        reply_sid(c->r, &id);
        rax_seek(&ri, RAX_LAST, NULL, 0);
        sid_decode(ri.key, &id);
        reply_sid(c->r, &id);
        rax_iter_stop(&ri);
        rax_iter_start(&ri, g->consumers);
        rax_seek(&ri, RAX_FIRST, NULL, 0);
        struct rdefer d = reply_defer(c->r);
        long n = 0;
        while (rax_next(&ri)) {
            const struct sconsumer *cs = ri.val;
            if (!rax_size(cs->pel)) continue;
            reply_array(c->r, 2);
            reply_bulk(c->r, ri.key, ri.key_len);
            reply_bulk_ll(c->r, (long long)rax_size(cs->pel));
            n++;
        }
        rax_iter_stop(&ri);
        reply_defer_array(c->r, d, n);
        return;
    }
    const struct sconsumer *cs = NULL;
    if (cname) {
        cs = stream_consumer_find(g, cname->p, cname->len);
        if (!cs) {
            reply_array(c->r, 0);
            return;
        }
    }
    struct rax *pel = cs ? cs->pel : g->pel;
    unsigned char sk[16], ek[16];
    sid_encode(sk, &start);
    sid_encode(ek, &end);
    struct rax_iter ri;
    rax_iter_start(&ri, pel);
    rax_seek(&ri, RAX_GE, sk, 16);
    struct rdefer d = reply_defer(c->r);
    long n = 0;
    while (count && rax_next(&ri) && memcmp(ri.key, ek, 16) <= 0) {
        const struct snack *na = ri.val;
        int64_t idle = c->now_ms - na->delivery_time;
        if (minidle && idle < minidle) continue;
        n++;
        count--;
        struct sid id;
        sid_decode(ri.key, &id);
        reply_array(c->r, 4);
        reply_sid(c->r, &id);
        reply_bulk(c->r, na->consumer->name, na->consumer->nlen);
        reply_int(c->r, idle < 0 ? 0 : idle);
        reply_int(c->r, (long long)na->delivery_count);
    }
    rax_iter_stop(&ri);
    reply_defer_array(c->r, d, n);
}

/* ------------------------------------------------------------------------ */
/* XCLAIM and XAUTOCLAIM */

/* Drop a NACK whose entry is gone (after logging its XCLAIM). */
static void drop_nack(struct sgroup *g, const unsigned char k[16], struct snack *na)
{
    rax_remove(g->pel, k, 16, NULL);
    rax_remove(na->consumer->pel, k, 16, NULL);
    free(na);
}

/* The claiming consumer, found (seen now) or created, once per command. */
static struct sconsumer *claimer(struct cmdctx *c, struct sgroup *g, struct sconsumer **cs,
                                 const struct sarg *name)
{
    if (*cs) return *cs;
    *cs = stream_consumer_find(g, name->p, name->len);
    if (*cs)
        (*cs)->seen_time = c->now_ms;
    else
        *cs = stream_consumer_create(g, name->p, name->len, c->now_ms, NULL);
    return *cs;
}

/* Move na to consumer cs. */
static void reassign(struct snack *na, struct sconsumer *cs, const unsigned char k[16])
{
    if (na->consumer == cs) return;
    if (na->consumer) rax_remove(na->consumer->pel, k, 16, NULL);
    rax_insert(cs->pel, k, 16, na, NULL, true);
    na->consumer = cs;
}

/* XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms]
 *        [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id] */
void cmd_xclaim(struct cmdctx *c)
{
    const struct sarg *key = &c->argv[1], *gname = &c->argv[2];
    struct stream_w w = {0};
    if (!stream_lookup_r(c, key, &w.e)) return;
    struct sgroup *g = w.e ? stream_group_find(STREAM(w.e->val), gname->p, gname->len) : NULL;
    if (!g) {
        stream_reply_nogroup_key(c, key, gname, NULL);
        return;
    }
    long long minidle, retrycount = -1, deliverytime = -1;
    bool force = false, justid = false;
    if (!arg_ll(&c->argv[4], &minidle)) {
        reply_errs(c->r, SERR_XCLAIM_MINIDLE);
        return;
    }
    if (minidle < 0) minidle = 0;
    int nids = c->argc - 5;
    struct sid small[8], *ids = nids > 8 ? malloc(sizeof(*ids) * (size_t)nids) : small;
    if (!ids) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    /* IDs until the first argument that is not one: the options */
    int j = 5;
    for (; j < c->argc; j++)
        if (!stream_parse_id(c, &c->argv[j], &ids[j - 5], 0, true, NULL, false)) break;
    int last_id_arg = j - 1;
    int64_t now = c->now_ms;
    struct sid lastid = {0, 0};
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        const struct sarg *o = &c->argv[j];
        if (arg_is(o, "force")) {
            force = true;
        } else if (arg_is(o, "justid")) {
            justid = true;
        } else if (arg_is(o, "idle") && more) {
            if (!arg_ll(&c->argv[++j], &deliverytime)) {
                reply_errs(c->r, SERR_XCLAIM_IDLE);
                goto out;
            }
            deliverytime = now - deliverytime;
        } else if (arg_is(o, "time") && more) {
            if (!arg_ll(&c->argv[++j], &deliverytime)) {
                reply_errs(c->r, SERR_XCLAIM_TIME);
                goto out;
            }
        } else if (arg_is(o, "retrycount") && more) {
            if (!arg_ll(&c->argv[++j], &retrycount)) {
                reply_errs(c->r, SERR_XCLAIM_RETRY);
                goto out;
            }
        } else if (arg_is(o, "lastid") && more) {
            if (!stream_parse_id(c, &c->argv[++j], &lastid, 0, true, NULL, true)) goto out;
        } else {
            reply_errorf(c->r, SERRF_XCLAIM_OPTION, (int)o->len, o->p);
            goto out;
        }
    }
    struct stream *s = STREAM(w.e->val);
    long changes = 0;
    bool setid = false;
    if (sid_cmp(&lastid, &g->last_id) > 0) {
        stream_w_open(c, &w, false);
        g->last_id = lastid;
        setid = true;
    }
    /* a bogus time (negative, or in the future) means now */
    if (deliverytime == -1 || deliverytime < 0 || deliverytime > now) deliverytime = now;
    struct sconsumer *cs = NULL;
    struct rdefer d = reply_defer(c->r);
    long n = 0;
    for (int i = 5; i <= last_id_arg; i++) {
        const struct sid *id = &ids[i - 5];
        unsigned char k[16];
        sid_encode(k, id);
        void **slot = rax_find(g->pel, k, 16);
        struct snack *na = slot ? *slot : NULL;
        if (!stream_exists(s, id)) {
            /* the entry is gone: so goes its NACK */
            if (na) {
                stream_w_open(c, &w, false);
                stream_effect_xclaim(c, key, g, gname, id, &c->argv[i], na);
                setid = false;
                changes++;
                drop_nack(g, k, na);
            }
            continue;
        }
        if (force && !na) {
            stream_w_open(c, &w, false);
            na = stream_nack_new(NULL, now);
            if (!na || rax_insert(g->pel, k, 16, na, NULL, false) != 1) {
                free(na);
                continue;
            }
        }
        if (!na) continue;
        /* a NACK FORCE just made has no owner, and no idle time to check */
        if (na->consumer && minidle && now - na->delivery_time < minidle) continue;
        stream_w_open(c, &w, false);
        if (!claimer(c, g, &cs, &c->argv[3])) break;
        reassign(na, cs, k);
        na->delivery_time = deliverytime;
        if (retrycount >= 0)
            na->delivery_count = (uint64_t)retrycount;
        else if (!justid)
            na->delivery_count++;
        if (justid)
            reply_sid(c->r, id);
        else
            stream_reply_entry(c, s, id);
        n++;
        stream_effect_xclaim(c, key, g, gname, id, &c->argv[i], na);
        setid = false;
        changes++;
    }
    if (setid) {
        stream_effect_setid(c, key, g, gname);
        changes++;
    }
    reply_defer_array(c->r, d, n);
    cmd_effect_suppress(c);
    w.changes = changes;
    stream_w_done(c, &w);
out:
    if (ids != small) free(ids);
}

/* XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] */
void cmd_xautoclaim(struct cmdctx *c)
{
    const struct sarg *key = &c->argv[1], *gname = &c->argv[2];
    long long minidle, count = 100, v;
    bool justid = false;
    if (!arg_ll(&c->argv[4], &minidle)) {
        reply_errs(c->r, SERR_XAUTOCLAIM_MINIDLE);
        return;
    }
    if (minidle < 0) minidle = 0;
    struct sid start;
    bool sx;
    if (!stream_parse_interval(c, &c->argv[5], &start, &sx, 0)) return;
    if (sx && !sid_incr(&start)) {
        reply_errs(c->r, SERR_XRANGE_START);
        return;
    }
    const long long attempts_factor = 10, max_count = LONG_MAX / 16;
    for (int j = 6; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (arg_is(&c->argv[j], "count") && more) {
            if (!arg_ll(&c->argv[j + 1], &v) || v < 1 || v > max_count) {
                reply_errs(c->r, SERR_XAUTOCLAIM_COUNT);
                return;
            }
            count = v;
            j++;
        } else if (arg_is(&c->argv[j], "justid")) {
            justid = true;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    struct stream_w w = {0};
    if (!stream_lookup_r(c, key, &w.e)) return;
    struct sgroup *g = w.e ? stream_group_find(STREAM(w.e->val), gname->p, gname->len) : NULL;
    if (!g) {
        stream_reply_nogroup_key(c, key, gname, NULL);
        return;
    }
    /* Redis allocates COUNT IDs for the deleted ones up front and refuses a
     * COUNT it cannot allocate; we grow as needed, and refuse the same
     * absurd sizes (over 64 GiB of IDs) */
    if ((unsigned long long)count > (1ULL << 36) / sizeof(struct sid)) {
        reply_errs(c->r, SERR_XAUTOCLAIM_NOMEM);
        return;
    }
    struct stream *s = STREAM(w.e->val);
    struct sid *deleted = NULL;
    size_t ndel = 0, capdel = 0;
    long long attempts = count * attempts_factor;
    reply_array(c->r, 3);
    struct rdefer dcur = reply_defer_bulk_slot(c->r, SID_STRLEN), dlist = reply_defer(c->r);
    unsigned char k[16];
    sid_encode(k, &start);
    struct rax_iter ri;
    rax_iter_start(&ri, g->pel);
    rax_seek(&ri, RAX_GE, k, 16);
    long n = 0, changes = 0;
    int64_t now = c->now_ms;
    struct sconsumer *cs = NULL;
    while (attempts-- && count && rax_next(&ri)) {
        struct snack *na = ri.val;
        struct sid id;
        sid_decode(ri.key, &id);
        if (!stream_exists(s, &id)) {
            stream_w_open(c, &w, false);
            stream_effect_xclaim(c, key, g, gname, &id, NULL, na);
            changes++;
            if (ndel == capdel) {
                size_t nc = capdel ? capdel * 2 : 16;
                struct sid *nd = realloc(deleted, nc * sizeof(*nd));
                if (nd) {
                    deleted = nd;
                    capdel = nc;
                }
            }
            if (ndel < capdel) deleted[ndel++] = id;
            memcpy(k, ri.key, 16);
            drop_nack(g, k, na);
            rax_seek(&ri, RAX_GE, k, 16);
            count--;
            continue;
        }
        if (minidle && now - na->delivery_time < minidle) continue;
        stream_w_open(c, &w, false);
        if (!claimer(c, g, &cs, &c->argv[3])) break;
        memcpy(k, ri.key, 16);
        /* the tree does not change shape: only values move between PELs */
        reassign(na, cs, k);
        na->delivery_time = now;
        if (!justid) na->delivery_count++;
        if (justid)
            reply_sid(c->r, &id);
        else
            stream_reply_entry(c, s, &id);
        n++;
        count--;
        stream_effect_xclaim(c, key, g, gname, &id, NULL, na);
        changes++;
        /* the consumer's PEL changed, not the group's: ri stays valid */
    }
    /* the next entry is the cursor of the next call */
    struct sid next = {0, 0};
    if (rax_next(&ri)) sid_decode(ri.key, &next);
    rax_iter_stop(&ri);
    reply_defer_array(c->r, dlist, n);
    /* the cursor goes where its deferred slot was reserved */
    {
        char buf[SID_STRLEN];
        int len = sid_fmt(buf, &next);
        reply_defer_bulk(c->r, dcur, buf, (size_t)len);
    }
    reply_array(c->r, (long)ndel);
    for (size_t i = 0; i < ndel; i++) reply_sid(c->r, &deleted[i]);
    free(deleted);
    cmd_effect_suppress(c);
    w.changes = changes;
    stream_w_done(c, &w);
}
