/* aof_format.c — the bytes of an AOF: commands in RESP, SELECT, MULTI/EXEC
 * around a transaction, #TS annotations, and keys written as the commands
 * that rebuild them (a plain-AOF base, aof-use-rdb-preamble no).
 *
 * Redis's shapes: every command is a multibulk of bulk strings; a rewrite
 * emits a key as SET, or RPUSH/SADD/ZADD/HMSET in batches of 64 elements
 * (AOF_REWRITE_ITEMS_PER_CMD), a stream as Redis's rewriteStreamObject does
 * (an XADD per entry, XSETID, then per group XGROUP CREATE ... ENTRIESREAD,
 * an XCLAIM ... FORCE per pending entry, XGROUP CREATECONSUMER for an idle
 * consumer), then PEXPIREAT for a TTL. */
#include "aof_format.h"

#include <stdio.h>
#include <string.h>

#include "quicklist.h"
#include "stream.h"
#include "t_hash.h"
#include "t_set.h"
#include "t_zset.h"

#define ITEMS_PER_CMD 64

static void put_hdr(struct rdb_out *o, char type, size_t n)
{
    char buf[32];
    buf[0] = type;
    int k = ll_to_str(buf + 1, sizeof(buf) - 3, (long long)n);
    buf[k + 1] = '\r';
    buf[k + 2] = '\n';
    rdb_write(o, buf, (size_t)k + 3);
}

void aoff_bulk(struct rdb_out *o, const void *p, size_t len)
{
    put_hdr(o, '$', len);
    rdb_write(o, p, len);
    rdb_write(o, "\r\n", 2);
}

void aoff_bulk_ll(struct rdb_out *o, long long v)
{
    char buf[24];
    int n = ll_to_str(buf, sizeof(buf), v);
    aoff_bulk(o, buf, (size_t)n);
}

void aoff_array(struct rdb_out *o, size_t n)
{
    put_hdr(o, '*', n);
}

void aoff_select(struct rdb_out *o, int db)
{
    aoff_array(o, 2);
    aoff_bulk(o, "SELECT", 6);
    aoff_bulk_ll(o, db);
}

void aoff_multi(struct rdb_out *o)
{
    rdb_write(o, "*1\r\n$5\r\nMULTI\r\n", 15);
}

void aoff_exec(struct rdb_out *o)
{
    rdb_write(o, "*1\r\n$4\r\nEXEC\r\n", 14);
}

void aoff_timestamp(struct rdb_out *o, long long unix_s)
{
    char buf[48];
    int n = snprintf(buf, sizeof(buf), "#TS:%lld\r\n", unix_s);
    rdb_write(o, buf, (size_t)n);
}

/* ---- keys as commands (a plain-AOF base) -------------------------------- */

/* A batch of up to ITEMS_PER_CMD items (each `per` arguments) under one
 * command name: the count is known before each batch is written. */
struct batch {
    struct rdb_out *o;
    const char *cmd;
    const char *key;
    size_t klen;
    uint64_t left; /* items still to come, this batch included */
    unsigned in_batch, per;
};

static void batch_item_start(struct batch *b)
{
    if (b->in_batch == 0) {
        uint64_t n = b->left < ITEMS_PER_CMD ? b->left : ITEMS_PER_CMD;
        aoff_array(b->o, 2 + (size_t)n * b->per);
        aoff_bulk(b->o, b->cmd, strlen(b->cmd));
        aoff_bulk(b->o, b->key, b->klen);
    }
}

static void batch_item_end(struct batch *b)
{
    b->left--;
    if (++b->in_batch == ITEMS_PER_CMD) b->in_batch = 0;
}

static void zset_item(void *arg, const char *m, size_t ml, double score)
{
    struct batch *b = arg;
    batch_item_start(b);
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%.17g", score); /* Redis's rioWriteBulkDouble */
    aoff_bulk(b->o, buf, (size_t)n);
    aoff_bulk(b->o, m, ml);
    batch_item_end(b);
}

static void bulk_sid(struct rdb_out *o, const struct sid *id)
{
    char buf[SID_STRLEN];
    aoff_bulk(o, buf, (size_t)sid_fmt(buf, id));
}

static void stream_cmds(struct rdb_out *o, const struct kentry *e, struct stream *s)
{
    if (s->length) {
        struct stream_iter si;
        stream_iter_start(&si, s, NULL, NULL, false);
        struct sid id;
        int64_t nf;
        while (stream_iter_next(&si, &id, &nf)) {
            aoff_array(o, 3 + (size_t)nf * 2);
            aoff_bulk(o, "XADD", 4);
            aoff_bulk(o, e->key, e->klen);
            bulk_sid(o, &id);
            while (nf-- > 0) {
                const char *f, *v;
                size_t fl, vl;
                stream_iter_field(&si, &f, &fl, &v, &vl);
                aoff_bulk(o, f, fl);
                aoff_bulk(o, v, vl);
            }
        }
        stream_iter_stop(&si);
    } else {
        /* an empty stream: one entry added and trimmed away at once */
        struct sid one = {0, 1};
        aoff_array(o, 7);
        aoff_bulk(o, "XADD", 4);
        aoff_bulk(o, e->key, e->klen);
        aoff_bulk(o, "MAXLEN", 6);
        aoff_bulk(o, "0", 1);
        bulk_sid(o, &one);
        aoff_bulk(o, "x", 1);
        aoff_bulk(o, "y", 1);
    }
    aoff_array(o, 7);
    aoff_bulk(o, "XSETID", 6);
    aoff_bulk(o, e->key, e->klen);
    bulk_sid(o, &s->last_id);
    aoff_bulk(o, "ENTRIESADDED", 12);
    aoff_bulk_ll(o, (long long)s->entries_added);
    aoff_bulk(o, "MAXDELETEDID", 12);
    bulk_sid(o, &s->max_deleted);
    if (!s->cgroups) return;
    struct rax_iter gi;
    rax_iter_start(&gi, s->cgroups);
    rax_seek(&gi, RAX_FIRST, NULL, 0);
    while (rax_next(&gi)) {
        const struct sgroup *g = gi.val;
        aoff_array(o, 7);
        aoff_bulk(o, "XGROUP", 6);
        aoff_bulk(o, "CREATE", 6);
        aoff_bulk(o, e->key, e->klen);
        aoff_bulk(o, gi.key, gi.key_len);
        bulk_sid(o, &g->last_id);
        aoff_bulk(o, "ENTRIESREAD", 11);
        aoff_bulk_ll(o, g->entries_read);
        struct rax_iter ci;
        rax_iter_start(&ci, g->consumers);
        rax_seek(&ci, RAX_FIRST, NULL, 0);
        while (rax_next(&ci)) {
            const struct sconsumer *cs = ci.val;
            if (!rax_size(cs->pel)) {
                aoff_array(o, 5);
                aoff_bulk(o, "XGROUP", 6);
                aoff_bulk(o, "CREATECONSUMER", 14);
                aoff_bulk(o, e->key, e->klen);
                aoff_bulk(o, gi.key, gi.key_len);
                aoff_bulk(o, cs->name, cs->nlen);
                continue;
            }
            struct rax_iter pi;
            rax_iter_start(&pi, cs->pel);
            rax_seek(&pi, RAX_FIRST, NULL, 0);
            while (rax_next(&pi)) {
                const struct snack *na = pi.val;
                struct sid id;
                sid_decode(pi.key, &id);
                aoff_array(o, 12);
                aoff_bulk(o, "XCLAIM", 6);
                aoff_bulk(o, e->key, e->klen);
                aoff_bulk(o, gi.key, gi.key_len);
                aoff_bulk(o, cs->name, cs->nlen);
                aoff_bulk(o, "0", 1);
                bulk_sid(o, &id);
                aoff_bulk(o, "TIME", 4);
                aoff_bulk_ll(o, na->delivery_time);
                aoff_bulk(o, "RETRYCOUNT", 10);
                aoff_bulk_ll(o, (long long)na->delivery_count);
                aoff_bulk(o, "JUSTID", 6);
                aoff_bulk(o, "FORCE", 5);
            }
            rax_iter_stop(&pi);
        }
        rax_iter_stop(&ci);
    }
    rax_iter_stop(&gi);
}

bool aoff_entry(struct rdb_out *o, const struct kentry *e)
{
    const struct sobj *v = e->val;
    struct batch b = {.o = o, .key = e->key, .klen = e->klen, .per = 1};
    switch (v->type) {
    case OBJ_STRING: {
        char buf[24];
        size_t len;
        const char *p = obj_string_bytes(v, buf, &len);
        aoff_array(o, 3);
        aoff_bulk(o, "SET", 3);
        aoff_bulk(o, e->key, e->klen);
        aoff_bulk(o, p, len);
        break;
    }
    case OBJ_LIST: {
        const struct quicklist *ql = v->v.ptr;
        b.cmd = "RPUSH";
        b.left = ql_count(ql);
        struct ql_iter it;
        struct ql_val x;
        ql_iter_init(ql, &it, QL_HEAD);
        while (ql_iter_next(&it, &x)) {
            char buf[24];
            size_t len;
            const char *p = ql_val_bytes(&x, buf, &len);
            batch_item_start(&b);
            aoff_bulk(o, p, len);
            batch_item_end(&b);
        }
        break;
    }
    case OBJ_SET: {
        b.cmd = "SADD";
        b.left = set_len(v);
        struct set_iter it;
        set_iter_init(&it, v);
        while (set_iter_next(&it)) {
            batch_item_start(&b);
            aoff_bulk(o, it.s, it.len);
            batch_item_end(&b);
        }
        set_iter_done(&it);
        break;
    }
    case OBJ_ZSET:
        b.cmd = "ZADD";
        b.per = 2;
        b.left = zset_obj_len(v);
        zset_walk(v, zset_item, &b);
        break;
    case OBJ_HASH: {
        b.cmd = "HMSET";
        b.per = 2;
        b.left = hash_len(v);
        struct hash_iter it;
        hash_iter_init(&it, v);
        while (hash_iter_next(&it)) {
            batch_item_start(&b);
            aoff_bulk(o, it.f, it.flen);
            aoff_bulk(o, it.v, it.vlen);
            batch_item_end(&b);
        }
        hash_iter_done(&it);
        break;
    }
    case OBJ_STREAM: stream_cmds(o, e, v->v.ptr); break;
    default: return false; /* a type with no AOF form yet */
    }
    if (e->expire >= 0) {
        aoff_array(o, 3);
        aoff_bulk(o, "PEXPIREAT", 9);
        aoff_bulk(o, e->key, e->klen);
        aoff_bulk_ll(o, e->expire);
    }
    return true;
}
