/* t_stream.c — the stream type and its entry commands (Redis 7.0's
 * t_stream.c): XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID, XINFO,
 * and what the other stream files share (t_stream.h).
 *
 * Representation: store/stream.h (listpacks of entries indexed by a radix
 * tree, consumer groups with their PELs). OBJECT ENCODING is "stream".
 *
 * Effects, as Redis 7.0 propagates them: XADD with an ID chosen here (`*`,
 * `ms-*`) is logged with that ID, and a `~` trim (XADD or XTRIM) as `=`
 * with the length (MAXLEN) or first ID (MINID) it left, so a replay trims
 * exactly; group reads and claims log XCLAIM / XGROUP SETID / XGROUP
 * CREATECONSUMER (t_stream_cg.c, t_stream_read.c).
 *
 * WATCH: XADD, XDEL, XTRIM and XGROUP CREATE ... MKSTREAM touch the key, as
 * Redis's signalModifiedKey calls do; consumer-group changes and XSETID
 * pass the write gate without touching watchers (db.h), as in Redis.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "t_stream.h"
#include "tunables.h"

void cmd_xadd(struct cmdctx *c);
void cmd_xlen(struct cmdctx *c);
void cmd_xrange(struct cmdctx *c);
void cmd_xrevrange(struct cmdctx *c);
void cmd_xdel(struct cmdctx *c);
void cmd_xtrim(struct cmdctx *c);
void cmd_xsetid(struct cmdctx *c);
void cmd_xinfo_stream(struct cmdctx *c);
void cmd_xinfo_groups(struct cmdctx *c);
void cmd_xinfo_consumers(struct cmdctx *c);
void cmd_xinfo_help(struct cmdctx *c);

/* ------------------------------------------------------------------------ */
/* The type. */

static void stream_obj_free(struct sobj *o)
{
    stream_free(STREAM(o));
}

static struct sobj *stream_obj_dup(const struct sobj *o)
{
    struct stream *s = stream_dup(STREAM(o));
    if (!s) return NULL;
    struct sobj *n = obj_new_coll(OBJ_STREAM, ENC_STREAM, s);
    if (!n) stream_free(s);
    return n;
}

static size_t stream_obj_mem(const struct sobj *o)
{
    return sizeof(*o) + stream_mem_usage(STREAM(o));
}

static const struct obj_type_ops stream_ops = {stream_obj_free, stream_obj_dup, stream_obj_mem};

__attribute__((constructor)) static void stream_register(void)
{
    obj_register_type(OBJ_STREAM, &stream_ops);
}

/* ------------------------------------------------------------------------ */
/* Parsing. */

/* Redis's string2ull: string2ll's strict form, else strtoull's (which
 * takes leading blanks and a sign). */
static bool str2ull(const char *s, uint64_t *out)
{
    long long ll;
    if (str_to_ll(s, strlen(s), &ll)) {
        if (ll < 0) return false;
        *out = (uint64_t)ll;
        return true;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0')) return false;
    *out = v;
    return true;
}

bool stream_parse_id(struct cmdctx *c, const struct sarg *a, struct sid *id, uint64_t missing_seq,
                     bool strict, bool *seq_given, bool reply)
{
    char buf[128];
    uint64_t ms, seq;
    if (a->len > sizeof(buf) - 1) goto invalid;
    memcpy(buf, a->p, a->len);
    buf[a->len] = '\0';
    if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') goto invalid;
    if (seq_given) *seq_given = true;
    if (buf[0] == '-' && buf[1] == '\0') {
        id->ms = id->seq = 0;
        return true;
    }
    if (buf[0] == '+' && buf[1] == '\0') {
        id->ms = id->seq = UINT64_MAX;
        return true;
    }
    char *dash = strchr(buf, '-');
    if (dash) *dash = '\0';
    if (!str2ull(buf, &ms)) goto invalid;
    if (dash) {
        if (seq_given && dash[1] == '*' && dash[2] == '\0') {
            seq = 0;
            *seq_given = false;
        } else if (!str2ull(dash + 1, &seq)) {
            goto invalid;
        }
    } else {
        seq = missing_seq;
    }
    id->ms = ms;
    id->seq = seq;
    return true;
invalid:
    if (reply) reply_errs(c->r, SERR_XID_INVALID);
    return false;
}

bool stream_parse_interval(struct cmdctx *c, const struct sarg *a, struct sid *id, bool *excl,
                           uint64_t missing_seq)
{
    *excl = a->len > 1 && a->p[0] == '(';
    if (*excl) {
        struct sarg rest = {a->p + 1, a->len - 1};
        return stream_parse_id(c, &rest, id, missing_seq, true, NULL, true);
    }
    return stream_parse_id(c, a, id, missing_seq, false, NULL, true);
}

bool stream_parse_block_ms(struct cmdctx *c, const struct sarg *a, int64_t *deadline)
{
    long long ms;
    if (!arg_ll(a, &ms)) {
        reply_errs(c->r, SERR_XREAD_TIMEOUT_INT);
        return false;
    }
    if (ms < 0) {
        reply_errs(c->r, SERR_TIMEOUT_NEG);
        return false;
    }
    if (ms > 0) {
        if (ms > LLONG_MAX - c->now_ms) {
            reply_error(c->r, "ERR timeout is out of range");
            return false;
        }
        ms += c->now_ms;
    }
    *deadline = ms;
    return true;
}

void reply_sid(struct reply *r, const struct sid *id)
{
    char buf[SID_STRLEN];
    int n = sid_fmt(buf, id);
    reply_bulk(r, buf, (size_t)n);
}

int stream_cstr_len(const struct sarg *a)
{
    const char *z = memchr(a->p, '\0', a->len);
    return (int)(z ? (size_t)(z - a->p) : a->len);
}

void stream_reply_nogroup_key(struct cmdctx *c, const struct sarg *key, const struct sarg *group,
                              const char *suffix)
{
    if (suffix)
        reply_errorf(c->r, SERRF_XREAD_NOGROUP, stream_cstr_len(key), key->p,
                     stream_cstr_len(group), group->p);
    else
        reply_errorf(c->r, SERRF_NOGROUP_KEY, stream_cstr_len(key), key->p, stream_cstr_len(group),
                     group->p);
}

bool stream_lookup_r(struct cmdctx *c, const struct sarg *key, struct kentry **e)
{
    *e = db_lookup_read(c, key);
    if (*e && (*e)->val->type != OBJ_STREAM) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return false;
    }
    return true;
}

bool stream_lookup_w(struct cmdctx *c, const struct sarg *key, struct kentry **e)
{
    *e = db_lookup_for_write(c, c->db, key);
    if (*e && (*e)->val->type != OBJ_STREAM) {
        reply_errs(c->r, SERR_WRONGTYPE);
        return false;
    }
    return true;
}

struct stream *stream_w_open(struct cmdctx *c, struct stream_w *w, bool signaled)
{
    if (!w->opened) {
        w->opened = true;
        if (signaled)
            db_begin_write(c, c->db, w->e);
        else
            db_begin_write_unsignaled(c, c->db, w->e);
    }
    return STREAM(w->e->val);
}

void stream_w_done(struct cmdctx *c, struct stream_w *w)
{
    if (!w->opened || w->changes <= 0) return;
    db_written(c, c->db, w->e);
    c->dirty += (uint64_t)(w->changes - 1);
}

/* ------------------------------------------------------------------------ */
/* Replying entries. */

static void reply_entry_body(struct reply *r, struct stream_iter *si, const struct sid *id,
                             int64_t nf)
{
    reply_array(r, 2);
    reply_sid(r, id);
    reply_array(r, (long)nf * 2);
    while (nf-- > 0) {
        const char *f, *v;
        size_t fl, vl;
        stream_iter_field(si, &f, &fl, &v, &vl);
        reply_bulk(r, f, fl);
        reply_bulk(r, v, vl);
    }
}

bool stream_reply_entry(struct cmdctx *c, struct stream *s, const struct sid *id)
{
    struct stream_iter si;
    stream_iter_start(&si, s, id, id, false);
    struct sid got;
    int64_t nf;
    bool found = stream_iter_next(&si, &got, &nf);
    if (found) reply_entry_body(c->r, &si, &got, nf);
    stream_iter_stop(&si);
    return found;
}

/* XREADGROUP with an ID other than ">": the consumer's own pending
 * entries from start, re-delivered (an entry deleted meanwhile is
 * [id, nil]). */
static size_t reply_from_pel(struct cmdctx *c, struct stream *s, const struct sid *start,
                             size_t count, struct sconsumer *consumer)
{
    unsigned char k[16];
    sid_encode(k, start);
    struct rdefer d = reply_defer(c->r);
    size_t n = 0;
    struct rax_iter ri;
    rax_iter_start(&ri, consumer->pel);
    rax_seek(&ri, RAX_GE, k, 16);
    while ((!count || n < count) && rax_next(&ri)) {
        struct sid id;
        sid_decode(ri.key, &id);
        if (stream_reply_entry(c, s, &id)) {
            struct snack *na = ri.val;
            na->delivery_time = c->now_ms;
            na->delivery_count++;
        } else {
            reply_array(c->r, 2);
            reply_sid(c->r, &id);
            reply_null_array(c->r);
        }
        n++;
    }
    rax_iter_stop(&ri);
    reply_defer_array(c->r, d, (long)n);
    return n;
}

/* Deliver id to consumer: a new NACK in both PELs, or the existing one
 * moved to consumer with its count reset (XGROUP SETID can rewind a group
 * over entries still pending). */
static struct snack *deliver(struct cmdctx *c, struct sgroup *g, struct sconsumer *consumer,
                             const struct sid *id)
{
    unsigned char k[16];
    sid_encode(k, id);
    struct snack *na = stream_nack_new(consumer, c->now_ms);
    void *old = NULL;
    int r = na ? rax_insert(g->pel, k, 16, na, &old, false) : -1;
    if (r == 1) {
        if (rax_insert(consumer->pel, k, 16, na, NULL, false) < 0) {
            rax_remove(g->pel, k, 16, NULL);
            free(na);
            return NULL;
        }
        return na;
    }
    free(na);
    if (r < 0) return NULL;
    struct snack *ex = old;
    rax_remove(ex->consumer->pel, k, 16, NULL);
    ex->consumer = consumer;
    ex->delivery_time = c->now_ms;
    ex->delivery_count = 1;
    rax_insert(consumer->pel, k, 16, ex, NULL, true);
    return ex;
}

size_t stream_reply_range(struct cmdctx *c, struct stream *s, const struct sid *start,
                          const struct sid *end, size_t count, bool rev, struct sgroup *g,
                          struct sconsumer *consumer, int flags, const struct sarg *key,
                          const struct sarg *groupname)
{
    if (g && (flags & SRR_HISTORY)) return reply_from_pel(c, s, start, count, consumer);
    bool noack = flags & SRR_NOACK, raw = flags & SRR_RAW, setid = false;
    struct rdefer d;
    if (!raw) d = reply_defer(c->r);
    size_t n = 0;
    struct stream_iter si;
    stream_iter_start(&si, s, start, end, rev);
    struct sid id;
    int64_t nf;
    while (stream_iter_next(&si, &id, &nf)) {
        if (g && sid_cmp(&id, &g->last_id) > 0) {
            /* the group moves on: its read counter follows while it is
             * known and no tombstone lies ahead, else it is estimated */
            if (g->entries_read != SG_ENTRIES_READ_INVALID &&
                !stream_range_has_tombstones(s, &id, NULL))
                g->entries_read++;
            else if (s->entries_added)
                g->entries_read = stream_estimate_distance(s, &id);
            g->last_id = id;
            if (noack) setid = true;
        }
        reply_entry_body(c->r, &si, &id, nf);
        if (g && !noack) {
            struct snack *na = deliver(c, g, consumer, &id);
            if (na) stream_effect_xclaim(c, key, g, groupname, &id, NULL, na);
        }
        n++;
        if (count && n == count) break;
    }
    stream_iter_stop(&si);
    if (setid) stream_effect_setid(c, key, g, groupname);
    if (!raw) reply_defer_array(c->r, d, (long)n);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Effects. */

void stream_effect_xclaim(struct cmdctx *c, const struct sarg *key, const struct sgroup *g,
                          const struct sarg *groupname, const struct sid *id,
                          const struct sarg *idarg, const struct snack *nack)
{
    if (!c->log) return;
    char idb[SID_STRLEN], lastb[SID_STRLEN], tb[24], nb[24];
    struct sarg a[14] = {
        SARG_LIT("XCLAIM"),
        *key,
        *groupname,
        {nack->consumer->name, nack->consumer->nlen},
        SARG_LIT("0"),
        idarg ? *idarg : (struct sarg){idb, (size_t)sid_fmt(idb, id)},
        SARG_LIT("TIME"),
        sarg_ll(tb, nack->delivery_time),
        SARG_LIT("RETRYCOUNT"),
        sarg_ll(nb, (long long)nack->delivery_count),
        SARG_LIT("FORCE"),
        SARG_LIT("JUSTID"),
        SARG_LIT("LASTID"),
        {lastb, (size_t)sid_fmt(lastb, &g->last_id)},
    };
    cmd_effect(c, c->db, 14, a);
}

void stream_effect_setid(struct cmdctx *c, const struct sarg *key, const struct sgroup *g,
                         const struct sarg *groupname)
{
    if (!c->log) return;
    char idb[SID_STRLEN], nb[24];
    struct sarg a[7] = {
        SARG_LIT("XGROUP"),
        SARG_LIT("SETID"),
        *key,
        *groupname,
        {idb, (size_t)sid_fmt(idb, &g->last_id)},
        SARG_LIT("ENTRIESREAD"),
        sarg_ll(nb, g->entries_read),
    };
    cmd_effect(c, c->db, 7, a);
}

void stream_effect_createconsumer(struct cmdctx *c, const struct sarg *key,
                                  const struct sarg *groupname, const struct sconsumer *cons)
{
    if (!c->log) return;
    struct sarg a[5] = {
        SARG_LIT("XGROUP"), SARG_LIT("CREATECONSUMER"), *key, *groupname, {cons->name, cons->nlen}};
    cmd_effect(c, c->db, 5, a);
}

/* ------------------------------------------------------------------------ */
/* XADD and XTRIM's options. */

struct add_trim {
    struct stream_trim t;
    int arg_idx; /* the MAXLEN/MINID argument, for the effect */
    bool nomkstream;
    bool id_given, seq_given;
    struct sid id;
};

/* Redis's streamParseAddOrTrimArgsOrReply: the ID's position (XADD), or
 * -1 after replying. */
static int parse_add_trim(struct cmdctx *c, struct add_trim *a, bool xadd)
{
    memset(a, 0, sizeof(*a));
    bool limit_given = false;
    int i = 2;
    for (; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        const struct sarg *o = &c->argv[i];
        if (xadd && o->len == 1 && o->p[0] == '*') break;
        if ((arg_is(o, "maxlen") || arg_is(o, "minid")) && more) {
            bool maxlen = arg_is(o, "maxlen");
            if (a->t.kind != STRIM_NONE) {
                reply_errs(c->r, SERR_XTRIM_BOTH);
                return -1;
            }
            a->t.approx = false;
            const struct sarg *nx = &c->argv[i + 1];
            if (more >= 2 && nx->len == 1 && (nx->p[0] == '~' || nx->p[0] == '=')) {
                a->t.approx = nx->p[0] == '~';
                i++;
            }
            if (maxlen) {
                if (!arg_ll_or_reply(c, &c->argv[i + 1], &a->t.maxlen)) return -1;
                if (a->t.maxlen < 0) {
                    reply_errs(c->r, SERR_XTRIM_MAXLEN_NEG);
                    return -1;
                }
                a->t.kind = STRIM_MAXLEN;
            } else {
                if (!stream_parse_id(c, &c->argv[i + 1], &a->t.minid, 0, true, NULL, true))
                    return -1;
                a->t.kind = STRIM_MINID;
            }
            i++;
            a->arg_idx = i;
        } else if (arg_is(o, "limit") && more) {
            if (!arg_ll_or_reply(c, &c->argv[i + 1], &a->t.limit)) return -1;
            if (a->t.limit < 0) {
                reply_errs(c->r, SERR_XTRIM_LIMIT_NEG);
                return -1;
            }
            limit_given = true;
            i++;
        } else if (xadd && arg_is(o, "nomkstream")) {
            a->nomkstream = true;
        } else if (xadd) {
            /* the ID, or a syntax error reported as an invalid ID */
            if (!stream_parse_id(c, o, &a->id, 0, true, &a->seq_given, true)) return -1;
            a->id_given = true;
            break;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return -1;
        }
    }
    if (a->t.limit && a->t.kind == STRIM_NONE) {
        reply_errs(c->r, SERR_XTRIM_LIMIT_NOSTRAT);
        return -1;
    }
    if (!xadd && a->t.kind == STRIM_NONE) {
        reply_errs(c->r, SERR_XTRIM_NOSTRAT);
        return -1;
    }
    if (c->replaying) {
        /* an effect trims exactly (its `~` became `=`) */
        a->t.limit = 0;
    } else if (limit_given) {
        if (!a->t.approx) {
            reply_errs(c->r, SERR_XTRIM_LIMIT_EXACT);
            return -1;
        }
    } else if (a->t.approx) {
        /* at most 100 nodes' worth of work per trim, bounded both ways */
        long long lim = 100 * store_tun.stream_node_max_entries;
        if (lim <= 0) lim = 10000;
        if (lim > 1000000) lim = 1000000;
        a->t.limit = lim;
    } else {
        a->t.limit = 0;
    }
    return i;
}

/* The effect of a trim with `~` (and of XADD's chosen ID): the command as
 * given with `=` and the resulting length or first ID, and the ID. */
static void add_trim_effect(struct cmdctx *c, struct stream *s, const struct add_trim *a, int idpos,
                            const struct sid *added)
{
    if (!c->log) return;
    bool rewrite_id = idpos > 0 && (!a->id_given || !a->seq_given);
    bool rewrite_trim = a->t.kind != STRIM_NONE && a->t.approx;
    if (!rewrite_id && !rewrite_trim) return;
    struct sarg small[32], *v = small;
    if (c->argc > 32 && !(v = malloc(sizeof(*v) * (size_t)c->argc))) return;
    memcpy(v, c->argv, sizeof(*v) * (size_t)c->argc);
    char idb[SID_STRLEN], tb[SID_STRLEN];
    if (rewrite_trim) {
        v[a->arg_idx - 1] = SARG_LIT("=");
        if (a->t.kind == STRIM_MAXLEN) {
            v[a->arg_idx] = sarg_ll(tb, (long long)s->length);
        } else {
            struct sid first;
            stream_edge_id(s, true, false, &first);
            v[a->arg_idx] = (struct sarg){tb, (size_t)sid_fmt(tb, &first)};
        }
    }
    if (rewrite_id) v[idpos] = (struct sarg){idb, (size_t)sid_fmt(idb, added)};
    cmd_effect_replace(c, c->argc, v);
    if (v != small) free(v);
}

static void signal_ready(struct cmdctx *c, const struct sarg *key)
{
    struct shard *sh = db_shard(c, key);
    if (sh->blk) blk_signal_locked(c->ks, sh, c->db, key->p, key->len);
}

/* XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id
 *      field value [field value ...] */
void cmd_xadd(struct cmdctx *c)
{
    struct add_trim a;
    int idpos = parse_add_trim(c, &a, true);
    if (idpos < 0) return;
    int fpos = idpos + 1;
    if (c->argc - fpos < 2 || (c->argc - fpos) % 2 == 1) {
        reply_errorf(c->r, SERRF_ARITY, "xadd");
        return;
    }
    if (a.id_given && a.seq_given && sid_zero(&a.id)) {
        reply_errs(c->r, SERR_XADD_ID_ZERO);
        return;
    }
    const struct sarg *key = &c->argv[1];
    struct stream_w w = {0};
    if (!stream_lookup_w(c, key, &w.e)) return;
    if (!w.e && a.nomkstream) {
        reply_null(c->r);
        return;
    }
    struct stream *s = w.e ? STREAM(w.e->val) : NULL;
    struct stream fresh = {0}; /* the ID checks of a new stream */
    const struct stream *cur = s ? s : &fresh;
    if (cur->last_id.ms == UINT64_MAX && cur->last_id.seq == UINT64_MAX) {
        reply_errs(c->r, SERR_XADD_EXHAUSTED);
        return;
    }
    struct sid id;
    int idrc = stream_next_id(cur, a.id_given ? &a.id : NULL, a.seq_given, c->now_ms, &id);
    if (idrc != SADD_OK) {
        /* Redis picks the message by errno, which its ms-* overflow path
         * leaves unset (not EDOM): it answers "too large" there */
        reply_errs(c->r, idrc == SADD_SEQ_EXHAUSTED ? SERR_XADD_TOO_BIG : SERR_XADD_ID_SMALL);
        return;
    }
    long nfields = (c->argc - fpos) / 2;
    size_t total = 0;
    for (int i = fpos; i < c->argc; i++) total += c->argv[i].len;
    if (total > STREAM_ENTRY_MAX) {
        reply_errs(c->r, SERR_XADD_TOO_BIG);
        return;
    }
    struct lp_item small[32], *fv = small;
    if (2 * nfields > 32 && !(fv = malloc(sizeof(*fv) * 2 * (size_t)nfields))) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    for (long i = 0; i < 2 * nfields; i++)
        fv[i] = (struct lp_item){c->argv[fpos + i].p, c->argv[fpos + i].len, 0};

    struct sobj *o = NULL;
    if (w.e) {
        s = stream_w_open(c, &w, true);
    } else {
        s = stream_new();
        o = s ? obj_new_coll(OBJ_STREAM, ENC_STREAM, s) : NULL;
        if (!o) {
            stream_free(s);
            if (fv != small) free(fv);
            reply_errs(c->r, SERR_OOM);
            return;
        }
    }
    int rc = stream_append(s, fv, nfields, &id);
    if (fv != small) free(fv);
    if (rc != SADD_OK) {
        obj_free(o);
        reply_errs(c->r, rc == SADD_TOO_BIG ? SERR_XADD_TOO_BIG : SERR_OOM);
        return;
    }
    reply_sid(c->r, &id);
    if (a.t.kind != STRIM_NONE) stream_trim(s, &a.t);
    add_trim_effect(c, s, &a, idpos, &id);
    if (o) {
        /* a new key signals its waiters itself */
        if (!db_add(c, c->db, key, o)) obj_free(o);
        return;
    }
    w.changes = 1;
    stream_w_done(c, &w);
    signal_ready(c, key);
}

/* XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] */
void cmd_xtrim(struct cmdctx *c)
{
    struct add_trim a;
    if (parse_add_trim(c, &a, false) < 0) return;
    struct stream_w w = {0};
    if (!stream_lookup_w(c, &c->argv[1], &w.e)) return;
    if (!w.e || !stream_trim_would_delete(STREAM(w.e->val), &a.t)) {
        reply_int(c->r, 0);
        return;
    }
    struct stream *s = stream_w_open(c, &w, true);
    int64_t deleted = stream_trim(s, &a.t);
    add_trim_effect(c, s, &a, -1, NULL);
    w.changes = deleted;
    stream_w_done(c, &w);
    reply_int(c->r, deleted);
}

/* ------------------------------------------------------------------------ */
/* XLEN XRANGE XREVRANGE XDEL */

static const struct stream *stream_read(struct cmdctx *c, const struct sarg *key, bool *err)
{
    const struct sobj *o = db_read_typed(c, key, OBJ_STREAM, err);
    return o ? STREAM(o) : NULL;
}

void cmd_xlen(struct cmdctx *c)
{
    bool err;
    const struct stream *s = stream_read(c, &c->argv[1], &err);
    if (err) return;
    reply_int(c->r, s ? (long long)s->length : 0);
}

static void xrange_generic(struct cmdctx *c, bool rev)
{
    const struct sarg *sa = rev ? &c->argv[3] : &c->argv[2];
    const struct sarg *ea = rev ? &c->argv[2] : &c->argv[3];
    struct sid start, end;
    bool sx, ex;
    long long count = -1;
    if (!stream_parse_interval(c, sa, &start, &sx, 0)) return;
    if (sx && !sid_incr(&start)) {
        reply_errs(c->r, SERR_XRANGE_START);
        return;
    }
    if (!stream_parse_interval(c, ea, &end, &ex, UINT64_MAX)) return;
    if (ex && !sid_decr(&end)) {
        reply_errs(c->r, SERR_XRANGE_END);
        return;
    }
    for (int j = 4; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (!arg_ll_or_reply(c, &c->argv[j + 1], &count)) return;
            if (count < 0) count = 0;
            j++;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    bool err;
    const struct stream *s = stream_read(c, &c->argv[1], &err);
    if (err) return;
    if (!s) {
        reply_array(c->r, 0);
        return;
    }
    if (count == 0) {
        reply_null_array(c->r);
        return;
    }
    /* reading only: the iterator's state is its own */
    stream_reply_range(c, (struct stream *)s, &start, &end, count < 0 ? 0 : (size_t)count, rev,
                       NULL, NULL, 0, NULL, NULL);
}

void cmd_xrange(struct cmdctx *c)
{
    xrange_generic(c, false);
}

void cmd_xrevrange(struct cmdctx *c)
{
    xrange_generic(c, true);
}

/* XDEL key id [id ...] */
void cmd_xdel(struct cmdctx *c)
{
    struct stream_w w = {0};
    if (!stream_lookup_w(c, &c->argv[1], &w.e)) return;
    if (!w.e) {
        reply_int(c->r, 0);
        return;
    }
    int n = c->argc - 2;
    struct sid small[8], *ids = small;
    if (n > 8 && !(ids = malloc(sizeof(*ids) * (size_t)n))) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    /* every ID is checked before anything is deleted */
    for (int j = 0; j < n; j++)
        if (!stream_parse_id(c, &c->argv[2 + j], &ids[j], 0, true, NULL, true)) goto out;
    struct stream *s = STREAM(w.e->val);
    bool any = false;
    for (int j = 0; j < n && !any; j++) any = stream_exists(s, &ids[j]);
    long deleted = 0;
    if (any) {
        s = stream_w_open(c, &w, true);
        bool first = false;
        for (int j = 0; j < n; j++) {
            if (!stream_delete(s, &ids[j])) continue;
            if (sid_cmp(&ids[j], &s->first_id) == 0) first = true;
            if (sid_cmp(&ids[j], &s->max_deleted) > 0) s->max_deleted = ids[j];
            deleted++;
        }
        if (s->length == 0)
            s->first_id.ms = s->first_id.seq = 0;
        else if (first)
            stream_edge_id(s, true, true, &s->first_id);
        w.changes = deleted;
        stream_w_done(c, &w);
    }
    reply_int(c->r, deleted);
out:
    if (ids != small) free(ids);
}

/* XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id] */
void cmd_xsetid(struct cmdctx *c)
{
    struct sid id, maxdel = {0, 0};
    long long added = -1;
    if (!stream_parse_id(c, &c->argv[2], &id, 0, true, NULL, true)) return;
    for (int i = 3; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        if (arg_is(&c->argv[i], "entriesadded") && more) {
            if (!arg_ll_or_reply(c, &c->argv[i + 1], &added)) return;
            if (added < 0) {
                reply_errs(c->r, SERR_XSETID_ENTRIES_NEG);
                return;
            }
            i++;
        } else if (arg_is(&c->argv[i], "maxdeletedid") && more) {
            if (!stream_parse_id(c, &c->argv[i + 1], &maxdel, 0, true, NULL, true)) return;
            if (sid_cmp(&id, &maxdel) < 0) {
                reply_errs(c->r, SERR_XSETID_MAXDEL);
                return;
            }
            i++;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    struct stream_w w = {0};
    if (!stream_lookup_w(c, &c->argv[1], &w.e)) return;
    if (!w.e) {
        reply_errs(c->r, SERR_NOSUCHKEY);
        return;
    }
    struct stream *s = STREAM(w.e->val);
    if (s->length > 0) {
        struct sid top;
        stream_last_valid_id(s, &top);
        if (sid_cmp(&id, &top) < 0) {
            reply_errs(c->r, SERR_XSETID_SMALL);
            return;
        }
        if (added != -1 && s->length > (uint64_t)added) {
            reply_errs(c->r, SERR_XSETID_ENTRIES_SMALL);
            return;
        }
    }
    s = stream_w_open(c, &w, false);
    s->last_id = id;
    if (added != -1) s->entries_added = (uint64_t)added;
    if (!sid_zero(&maxdel)) s->max_deleted = maxdel;
    w.changes = 1;
    stream_w_done(c, &w);
    reply_ok(c->r);
}

/* ------------------------------------------------------------------------ */
/* XINFO */

void stream_reply_subcommand_syntax(struct cmdctx *c, const char *cmd)
{
    const struct sarg *sub = &c->argv[1];
    reply_errorf(c->r, SERRF_SUBCOMMAND_SYNTAX,
                 stream_cstr_len(sub) < 128 ? stream_cstr_len(sub) : 128, sub->p, cmd);
}

/* The stream at argv[2] for XINFO: "no such key" when missing. */
static struct stream *xinfo_lookup(struct cmdctx *c)
{
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[2], OBJ_STREAM, &err);
    if (err) return NULL;
    if (!o) {
        reply_errs(c->r, SERR_NOSUCHKEY);
        return NULL;
    }
    return STREAM(o);
}

static void reply_lag(struct cmdctx *c, const struct stream *s, const struct sgroup *g)
{
    long long lag;
    if (stream_group_lag(s, g, &lag))
        reply_int(c->r, lag);
    else
        reply_null(c->r);
}

static void reply_entries_read(struct cmdctx *c, const struct sgroup *g)
{
    if (g->entries_read != SG_ENTRIES_READ_INVALID)
        reply_int(c->r, g->entries_read);
    else
        reply_null(c->r);
}

static void xinfo_full_groups(struct cmdctx *c, struct stream *s, long long count)
{
    reply_bulk_cstr(c->r, "groups");
    if (!s->cgroups) {
        reply_array(c->r, 0);
        return;
    }
    reply_array(c->r, (long)rax_size(s->cgroups));
    struct rax_iter gi;
    rax_iter_start(&gi, s->cgroups);
    rax_seek(&gi, RAX_FIRST, NULL, 0);
    while (rax_next(&gi)) {
        const struct sgroup *g = gi.val;
        reply_map(c->r, 7);
        reply_bulk_cstr(c->r, "name");
        reply_bulk(c->r, gi.key, gi.key_len);
        reply_bulk_cstr(c->r, "last-delivered-id");
        reply_sid(c->r, &g->last_id);
        reply_bulk_cstr(c->r, "entries-read");
        reply_entries_read(c, g);
        reply_bulk_cstr(c->r, "lag");
        reply_lag(c, s, g);
        reply_bulk_cstr(c->r, "pel-count");
        reply_int(c->r, (long long)rax_size(g->pel));
        reply_bulk_cstr(c->r, "pending");
        struct rdefer d = reply_defer(c->r);
        long n = 0;
        struct rax_iter pi;
        rax_iter_start(&pi, g->pel);
        rax_seek(&pi, RAX_FIRST, NULL, 0);
        while ((!count || n < count) && rax_next(&pi)) {
            const struct snack *na = pi.val;
            struct sid id;
            sid_decode(pi.key, &id);
            reply_array(c->r, 4);
            reply_sid(c->r, &id);
            reply_bulk(c->r, na->consumer->name, na->consumer->nlen);
            reply_int(c->r, na->delivery_time);
            reply_int(c->r, (long long)na->delivery_count);
            n++;
        }
        rax_iter_stop(&pi);
        reply_defer_array(c->r, d, n);
        reply_bulk_cstr(c->r, "consumers");
        reply_array(c->r, (long)rax_size(g->consumers));
        struct rax_iter ci;
        rax_iter_start(&ci, g->consumers);
        rax_seek(&ci, RAX_FIRST, NULL, 0);
        while (rax_next(&ci)) {
            const struct sconsumer *cs = ci.val;
            reply_map(c->r, 4);
            reply_bulk_cstr(c->r, "name");
            reply_bulk(c->r, cs->name, cs->nlen);
            reply_bulk_cstr(c->r, "seen-time");
            reply_int(c->r, cs->seen_time);
            reply_bulk_cstr(c->r, "pel-count");
            reply_int(c->r, (long long)rax_size(cs->pel));
            reply_bulk_cstr(c->r, "pending");
            d = reply_defer(c->r);
            n = 0;
            rax_iter_start(&pi, cs->pel);
            rax_seek(&pi, RAX_FIRST, NULL, 0);
            while ((!count || n < count) && rax_next(&pi)) {
                const struct snack *na = pi.val;
                struct sid id;
                sid_decode(pi.key, &id);
                reply_array(c->r, 3);
                reply_sid(c->r, &id);
                reply_int(c->r, na->delivery_time);
                reply_int(c->r, (long long)na->delivery_count);
                n++;
            }
            rax_iter_stop(&pi);
            reply_defer_array(c->r, d, n);
        }
        rax_iter_stop(&ci);
    }
    rax_iter_stop(&gi);
}

/* XINFO STREAM key [FULL [COUNT count]] */
void cmd_xinfo_stream(struct cmdctx *c)
{
    struct stream *s = xinfo_lookup(c);
    if (!s) return;
    bool full = false;
    long long count = 10;
    int optc = c->argc - 3;
    if (optc) {
        if ((optc != 1 && optc != 3) || !arg_is(&c->argv[3], "full") ||
            (optc == 3 && !arg_is(&c->argv[4], "count"))) {
            stream_reply_subcommand_syntax(c, "XINFO");
            return;
        }
        full = true;
        if (optc == 3) {
            if (!arg_ll_or_reply(c, &c->argv[5], &count)) return;
            if (count < 0) count = 10;
        }
    }
    reply_map(c->r, full ? 9 : 10);
    reply_bulk_cstr(c->r, "length");
    reply_int(c->r, (long long)s->length);
    reply_bulk_cstr(c->r, "radix-tree-keys");
    reply_int(c->r, (long long)rax_size(s->rax));
    reply_bulk_cstr(c->r, "radix-tree-nodes");
    reply_int(c->r, (long long)rax_redis_nodes(s->rax));
    reply_bulk_cstr(c->r, "last-generated-id");
    reply_sid(c->r, &s->last_id);
    reply_bulk_cstr(c->r, "max-deleted-entry-id");
    reply_sid(c->r, &s->max_deleted);
    reply_bulk_cstr(c->r, "entries-added");
    reply_int(c->r, (long long)s->entries_added);
    reply_bulk_cstr(c->r, "recorded-first-entry-id");
    reply_sid(c->r, &s->first_id);
    if (!full) {
        reply_bulk_cstr(c->r, "groups");
        reply_int(c->r, s->cgroups ? (long long)rax_size(s->cgroups) : 0);
        struct sid lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
        reply_bulk_cstr(c->r, "first-entry");
        if (!stream_reply_range(c, s, &lo, &hi, 1, false, NULL, NULL, SRR_RAW, NULL, NULL))
            reply_null(c->r);
        reply_bulk_cstr(c->r, "last-entry");
        if (!stream_reply_range(c, s, &lo, &hi, 1, true, NULL, NULL, SRR_RAW, NULL, NULL))
            reply_null(c->r);
        return;
    }
    reply_bulk_cstr(c->r, "entries");
    stream_reply_range(c, s, NULL, NULL, (size_t)count, false, NULL, NULL, 0, NULL, NULL);
    xinfo_full_groups(c, s, count);
}

/* XINFO GROUPS key */
void cmd_xinfo_groups(struct cmdctx *c)
{
    struct stream *s = xinfo_lookup(c);
    if (!s) return;
    if (!s->cgroups) {
        reply_array(c->r, 0);
        return;
    }
    reply_array(c->r, (long)rax_size(s->cgroups));
    struct rax_iter gi;
    rax_iter_start(&gi, s->cgroups);
    rax_seek(&gi, RAX_FIRST, NULL, 0);
    while (rax_next(&gi)) {
        const struct sgroup *g = gi.val;
        reply_map(c->r, 6);
        reply_bulk_cstr(c->r, "name");
        reply_bulk(c->r, gi.key, gi.key_len);
        reply_bulk_cstr(c->r, "consumers");
        reply_int(c->r, (long long)rax_size(g->consumers));
        reply_bulk_cstr(c->r, "pending");
        reply_int(c->r, (long long)rax_size(g->pel));
        reply_bulk_cstr(c->r, "last-delivered-id");
        reply_sid(c->r, &g->last_id);
        reply_bulk_cstr(c->r, "entries-read");
        reply_entries_read(c, g);
        reply_bulk_cstr(c->r, "lag");
        reply_lag(c, s, g);
    }
    rax_iter_stop(&gi);
}

/* XINFO CONSUMERS key group */
void cmd_xinfo_consumers(struct cmdctx *c)
{
    struct stream *s = xinfo_lookup(c);
    if (!s) return;
    const struct sarg *gn = &c->argv[3], *key = &c->argv[2];
    struct sgroup *g = stream_group_find(s, gn->p, gn->len);
    if (!g) {
        reply_errorf(c->r, SERRF_NOGROUP_GROUP, stream_cstr_len(gn), gn->p, stream_cstr_len(key),
                     key->p);
        return;
    }
    reply_array(c->r, (long)rax_size(g->consumers));
    struct rax_iter ci;
    rax_iter_start(&ci, g->consumers);
    rax_seek(&ci, RAX_FIRST, NULL, 0);
    while (rax_next(&ci)) {
        const struct sconsumer *cs = ci.val;
        int64_t idle = c->now_ms - cs->seen_time;
        if (idle < 0) idle = 0;
        reply_map(c->r, 3);
        reply_bulk_cstr(c->r, "name");
        reply_bulk(c->r, cs->name, cs->nlen);
        reply_bulk_cstr(c->r, "pending");
        reply_int(c->r, (long long)rax_size(cs->pel));
        reply_bulk_cstr(c->r, "idle");
        reply_int(c->r, idle);
    }
    rax_iter_stop(&ci);
}

void cmd_xinfo_help(struct cmdctx *c)
{
    static const char *const help[] = {
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CONSUMERS <key> <groupname>",
        "    The consumers of <groupname> in the stream at <key>.",
        "GROUPS <key>",
        "    The consumer groups of the stream at <key>.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    The stream at <key>: its counters, or with FULL its entries and groups.",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof(help) / sizeof(help[0]);
    reply_array(c->r, (long)n);
    for (size_t i = 0; i < n; i++) reply_simple(c->r, help[i]);
}
