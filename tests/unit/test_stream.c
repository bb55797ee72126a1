/* test_stream.c — the radix tree (store/rax.c) and the stream encoding
 * (store/stream.c), driven through the command handlers.
 *
 * The tree: against a sorted-array model, random inserts and removals of
 * 16-byte IDs and of short keys that are prefixes of one another; after
 * each batch its invariants and byte accounting, both iteration orders and
 * every seek (=, >=, >, <=, <, first, last) with steps after it; Redis's
 * node count for hand-counted trees.
 *
 * Streams, at every boundary of the encoding: the bytes of a node (master
 * entry, SAMEFIELDS entries, entries with their own fields, negative
 * deltas), a node full by entries and by bytes (one byte either side of
 * stream-node-max-bytes), deletion flags and the node freed with its last
 * live entry, trimming with and without `~` (MAXLEN and MINID, LIMIT),
 * iteration both ways over tombstones; RDB payloads back and forth with
 * groups and PELs, and the damaged ones refused (every truncation, bad
 * nodes, NACKs without an owner or with two); the effects logged for XADD,
 * XTRIM, XREADGROUP, XCLAIM and XAUTOCLAIM, as Redis 7.0 propagates them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "db.h"
#include "digest.h"
#include "rax.h"
#include "rdb.h"
#include "stream.h"
#include "tunables.h"
#include "wlog.h"

/* ------------------------------------------------------------------------ */
/* The radix tree against a model. */

struct mkey {
    unsigned char k[20];
    size_t len;
};

static int mkey_cmp(const void *a, const void *b)
{
    const struct mkey *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->k, y->k, n);
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

static struct mkey model[4096];
static size_t nmodel;

static long model_find(const struct mkey *k)
{
    for (size_t i = 0; i < nmodel; i++)
        if (!mkey_cmp(&model[i], k)) return (long)i;
    return -1;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void random_key(struct mkey *k, bool ids)
{
    if (ids) {
        /* 16-byte IDs clustered like a stream's: shared high bytes */
        memset(k->k, 0, 16);
        uint64_t ms = 1000 + rnd() % 40, seq = rnd() % 300;
        for (int i = 0; i < 8; i++) {
            k->k[i] = (unsigned char)(ms >> (56 - 8 * i));
            k->k[8 + i] = (unsigned char)(seq >> (56 - 8 * i));
        }
        if (rnd() % 8 == 0) k->k[3] = (unsigned char)rnd();
        k->len = 16;
    } else {
        /* short keys over three letters: many are prefixes of others */
        k->len = rnd() % 6;
        for (size_t i = 0; i < k->len; i++) k->k[i] = (unsigned char)('a' + rnd() % 3);
    }
}

/* The model's answer to a seek: index or -1. */
static long model_seek(enum rax_op op, const struct mkey *k)
{
    if (!nmodel) return -1;
    if (op == RAX_FIRST) return 0;
    if (op == RAX_LAST) return (long)nmodel - 1;
    long best = -1;
    for (size_t i = 0; i < nmodel; i++) {
        int c = mkey_cmp(&model[i], k);
        bool ok = (op == RAX_EQ && c == 0) || (op == RAX_GE && c >= 0) || (op == RAX_GT && c > 0) ||
                  (op == RAX_LE && c <= 0) || (op == RAX_LT && c < 0);
        if (!ok) continue;
        if (op == RAX_LE || op == RAX_LT)
            best = (long)i; /* the last one */
        else
            return (long)i;
    }
    return best;
}

static bool iter_is(const struct rax_iter *it, long idx)
{
    return it->key_len == model[idx].len && !memcmp(it->key, model[idx].k, it->key_len) &&
           (uintptr_t)it->val == (uintptr_t)idx + 1;
}

static void check_tree(struct rax *r)
{
    CHECK(rax_verify(r));
    CHECK(rax_size(r) == nmodel);
    /* values are model index + 1 after a sort: renumber */
    qsort(model, nmodel, sizeof(model[0]), mkey_cmp);
    for (size_t i = 0; i < nmodel; i++) {
        void **slot = rax_find(r, model[i].k, model[i].len);
        CHECK(slot != NULL);
        if (slot) *slot = (void *)(uintptr_t)(i + 1);
    }
    struct rax_iter it;
    rax_iter_start(&it, r);
    size_t i = 0;
    rax_seek(&it, RAX_FIRST, NULL, 0);
    bool order = true;
    while (rax_next(&it)) order = order && i < nmodel && iter_is(&it, (long)i++);
    CHECK(order && i == nmodel);
    rax_seek(&it, RAX_LAST, NULL, 0);
    order = true;
    while (rax_prev(&it)) order = order && i > 0 && iter_is(&it, (long)--i);
    CHECK(order && i == 0);
    /* seeks, then a few steps either way */
    static const enum rax_op ops[] = {RAX_FIRST, RAX_LAST, RAX_GE, RAX_GT, RAX_LE, RAX_LT, RAX_EQ};
    for (int probe = 0; probe < 40; probe++) {
        struct mkey k;
        if (nmodel && probe % 3 == 0)
            k = model[rnd() % nmodel];
        else
            random_key(&k, probe % 2);
        for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
            long want = model_seek(ops[o], &k);
            bool found = rax_seek(&it, ops[o], k.k, k.len);
            CHECK(found == (want >= 0));
            if (!found || want < 0) continue;
            bool fwd = probe & 1;
            long at = want;
            bool same = true;
            for (int step = 0; step < 4; step++) {
                bool more = fwd ? rax_next(&it) : rax_prev(&it);
                bool exp = at >= 0 && at < (long)nmodel;
                if (more != exp) same = false;
                if (!more || !exp) break;
                if (!iter_is(&it, at)) same = false;
                at += fwd ? 1 : -1;
            }
            CHECK(same);
        }
    }
    rax_iter_stop(&it);
}

static void test_rax_model(bool ids)
{
    struct rax *r = rax_new();
    REQUIRE(r);
    size_t empty = rax_bytes(r);
    nmodel = 0;
    for (int round = 0; round < 60; round++) {
        for (int op = 0; op < 80; op++) {
            struct mkey k;
            random_key(&k, ids);
            long at = model_find(&k);
            if (rnd() % 3) {
                void *old = NULL;
                int rc = rax_insert(r, k.k, k.len, (void *)1, &old, false);
                CHECK(rc == (at < 0 ? 1 : 0));
                if (at < 0 && nmodel < sizeof(model) / sizeof(model[0])) model[nmodel++] = k;
            } else {
                bool gone = rax_remove(r, k.k, k.len, NULL);
                CHECK(gone == (at >= 0));
                if (at >= 0) model[at] = model[--nmodel];
            }
        }
        check_tree(r);
        if (round == 40) {
            /* drain half the keys in order, then continue */
            for (size_t i = 0; i < nmodel / 2; i++)
                CHECK(rax_remove(r, model[i].k, model[i].len, NULL));
            memmove(model, model + nmodel / 2, (nmodel - nmodel / 2) * sizeof(model[0]));
            nmodel -= nmodel / 2;
            check_tree(r);
        }
    }
    /* removing everything gives back every byte */
    for (size_t i = 0; i < nmodel; i++) CHECK(rax_remove(r, model[i].k, model[i].len, NULL));
    nmodel = 0;
    CHECK(rax_verify(r) && rax_size(r) == 0 && rax_bytes(r) == empty);
    CHECK(rax_redis_nodes(r) == 1);
    rax_free(r, NULL);
}

static struct rax *tree_of(const char *const *keys, int n)
{
    struct rax *r = rax_new();
    for (int i = 0; i < n; i++) rax_insert(r, keys[i], strlen(keys[i]), NULL, NULL, false);
    return r;
}

/* Trees counted by hand in Redis's rax (rax.c's node shapes). */
static void test_rax_redis_nodes(void)
{
    struct rax *r = rax_new();
    CHECK(rax_redis_nodes(r) == 1); /* the empty root */
    rax_free(r, NULL);
    /* "abc": root compressed "abc" -> leaf */
    static const char *const one[] = {"abc"};
    r = tree_of(one, 1);
    CHECK(rax_redis_nodes(r) == 2);
    rax_free(r, NULL);
    /* "abc" "abd": "ab" -> [c d] -> two leaves */
    static const char *const two[] = {"abc", "abd"};
    r = tree_of(two, 2);
    CHECK(rax_redis_nodes(r) == 4);
    rax_free(r, NULL);
    /* "abcd" "axyz": "a" -> [b x] -> "cd" / "yz" -> leaves: 6 */
    static const char *const chains[] = {"abcd", "axyz"};
    r = tree_of(chains, 2);
    CHECK(rax_redis_nodes(r) == 6);
    /* removing one folds the other back: root "abcd" -> leaf */
    rax_remove(r, "axyz", 4, NULL);
    CHECK(rax_redis_nodes(r) == 2 && rax_verify(r));
    rax_free(r, NULL);
    /* a key that is a prefix: "a" (key) -> "bc" -> leaf = 3 */
    static const char *const pre[] = {"abc", "a"};
    r = tree_of(pre, 2);
    CHECK(rax_redis_nodes(r) == 3);
    rax_free(r, NULL);
}

/* ------------------------------------------------------------------------ */
/* Streams through the commands. */

static struct keyspace ks;
static struct reply rbuf;
static struct wstats wst;
static struct wlog_buf wbuf;
static char out[1 << 20];
static char fxout[8192];
static int64_t test_now = 1000000;

typedef void (*handler)(struct cmdctx *);
void cmd_xadd(struct cmdctx *c);
void cmd_xdel(struct cmdctx *c);
void cmd_xtrim(struct cmdctx *c);
void cmd_xrange(struct cmdctx *c);
void cmd_xrevrange(struct cmdctx *c);
void cmd_xgroup_create(struct cmdctx *c);
void cmd_xreadgroup(struct cmdctx *c);
void cmd_xclaim(struct cmdctx *c);
void cmd_xautoclaim(struct cmdctx *c);
void cmd_xack(struct cmdctx *c);
void cmd_del(struct cmdctx *c);

static const char *take(void)
{
    struct iovec iov[256];
    int n = reply_iov(&rbuf, iov, 256);
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        size_t k = iov[i].iov_len;
        if (len + k >= sizeof(out)) k = sizeof(out) - 1 - len;
        memcpy(out + len, iov[i].iov_base, k);
        len += k;
    }
    out[len] = '\0';
    reply_consume(&rbuf, rbuf.pending);
    return out;
}

/* The effects of the last unit as "CMD a b | CMD c" (bulk words only). */
static void take_effects(void)
{
    fxout[0] = '\0';
    struct wlog_unit u;
    size_t o = 0;
    while (wlog_next(&u)) {
        o = 0;
        const char *cur = NULL;
        struct wlog_fx_view fx;
        for (uint32_t i = 0; wlog_unit_fx(&u, i, &cur, &fx); i++) {
            if (i && o + 3 < sizeof(fxout))
                o += (size_t)snprintf(fxout + o, sizeof(fxout) - o, " | ");
            const char *p = fx.resp, *end = fx.resp + fx.len;
            bool first = true;
            while (p < end) {
                if (*p == '$') {
                    long l = strtol(p + 1, NULL, 10);
                    p = strchr(p, '\n') + 1;
                    o += (size_t)snprintf(fxout + o, sizeof(fxout) - o, "%s%.*s", first ? "" : " ",
                                          (int)l, p);
                    first = false;
                    p += l + 2;
                } else {
                    p = strchr(p, '\n') + 1;
                }
            }
        }
    }
}

static const char *callv(handler fn, int argc, const char **argv)
{
    static struct sarg a[256];
    for (int i = 0; i < argc; i++) a[i] = (struct sarg){argv[i], strlen(argv[i])};
    struct cmdctx c = {.argc = argc,
                       .argv = a,
                       .r = &rbuf,
                       .ks = &ks,
                       .db = 0,
                       .now_ms = test_now,
                       .st = &wst,
                       .max_bulk = 512LL << 20,
                       .no_block = true,
                       .log = &wbuf};
    ks_lock_all(&ks);
    cmd_unit_begin(&c);
    fn(&c);
    cmd_unit_end(&c);
    ks_unlock_all(&ks);
    take_effects();
    return take();
}

#define CALL(fn, ...)                                                        \
    callv(fn, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)), \
          (const char *[]){__VA_ARGS__})

static struct stream *stream_at(const char *key)
{
    struct cmdctx c = {.ks = &ks, .now_ms = test_now};
    struct sarg k = {key, strlen(key)};
    struct kentry *e = db_lookup_quiet(&c, 0, &k);
    return e && e->val->type == OBJ_STREAM ? e->val->v.ptr : NULL;
}

static const struct sobj *obj_at(const char *key)
{
    struct cmdctx c = {.ks = &ks, .now_ms = test_now};
    struct sarg k = {key, strlen(key)};
    struct kentry *e = db_lookup_quiet(&c, 0, &k);
    return e ? e->val : NULL;
}

/* The listpack of the node at position i (0 = first). */
static unsigned char *node(struct stream *s, int i, struct sid *master)
{
    struct rax_iter it;
    rax_iter_start(&it, s->rax);
    rax_seek(&it, RAX_FIRST, NULL, 0);
    unsigned char *lp = NULL;
    for (int n = 0; rax_next(&it); n++) {
        if (n == i) {
            lp = it.val;
            if (master) sid_decode(it.key, master);
            break;
        }
    }
    rax_iter_stop(&it);
    return lp;
}

static int64_t lp_at(unsigned char *lp, long i)
{
    int64_t v = 0;
    unsigned char *p = lp_seek(lp, i);
    if (p) lp_get_int(p, &v);
    return v;
}

static bool lp_is(unsigned char *lp, const struct lp_item *want, size_t n)
{
    unsigned char *w = lp_new(0);
    w = lp_append_items(w, want, n);
    bool same = lp_bytes(w) == lp_bytes(lp) && !memcmp(w, lp, lp_bytes(lp));
    lp_free(w);
    return same;
}

#define S(x) ((struct lp_item){(x), sizeof(x) - 1, 0})
#define I(x) ((struct lp_item){NULL, 0, (x)})

static void test_node_bytes(void)
{
    CALL(cmd_del, "DEL", "s");
    CHECK(!strcmp(CALL(cmd_xadd, "XADD", "s", "5-1", "a", "1", "b", "2"), "$3\r\n5-1\r\n"));
    struct stream *s = stream_at("s");
    REQUIRE(s);
    struct sid m;
    /* the worked example of stream.h */
    static const struct lp_item one[] = {I(1), I(0), I(2), S("a"), S("b"), I(0),
                                         I(2), I(0), I(0), I(1),   I(2),   I(5)};
    CHECK(lp_is(node(s, 0, &m), one, 12));
    CHECK(m.ms == 5 && m.seq == 1);
    /* the same fields: values only; other fields: stored, with a negative
     * sequence delta (6-0 after master 5-1) */
    CALL(cmd_xadd, "XADD", "s", "5-2", "a", "3", "b", "4");
    CALL(cmd_xadd, "XADD", "s", "6-0", "c", "x");
    static const struct lp_item three[] = {
        I(3), I(0), I(2), S("a"), S("b"), I(0), I(2), I(0),  I(0), I(1),   I(2),   I(5), I(2),
        I(0), I(1), I(3), I(4),   I(5),   I(0), I(1), I(-1), I(1), S("c"), S("x"), I(6)};
    CHECK(lp_is(node(s, 0, NULL), three, sizeof(three) / sizeof(three[0])));
    CHECK(s->length == 3 && s->entries_added == 3 && s->first_id.ms == 5);
}

static void test_node_limits(void)
{
    long long me = store_tun.stream_node_max_entries, mb = store_tun.stream_node_max_bytes;
    /* full by entries: 7 entries, 3 a node */
    store_tun.stream_node_max_entries = 3;
    CALL(cmd_del, "DEL", "s");
    for (int i = 1; i <= 7; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d-0", i);
        CALL(cmd_xadd, "XADD", "s", id, "f", "v");
    }
    struct stream *s = stream_at("s");
    REQUIRE(s);
    CHECK(rax_size(s->rax) == 3);
    CHECK(lp_at(node(s, 0, NULL), 0) == 3 && lp_at(node(s, 1, NULL), 0) == 3 &&
          lp_at(node(s, 2, NULL), 0) == 1);
    /* deleted entries count toward the limit too */
    CALL(cmd_xdel, "XDEL", "s", "7-0"); /* the last node goes with it */
    CHECK(rax_size(s->rax) == 2);
    CALL(cmd_xdel, "XDEL", "s", "5-0");
    CALL(cmd_xadd, "XADD", "s", "8-0", "f", "v");
    CHECK(rax_size(s->rax) == 3);

    /* full by bytes: a node takes an entry while its bytes plus the
     * entry's field and value bytes stay below the limit */
    store_tun.stream_node_max_entries = 0;
    CALL(cmd_del, "DEL", "s");
    CALL(cmd_xadd, "XADD", "s", "1-0", "f", "v");
    s = stream_at("s");
    uint32_t have = lp_bytes(node(s, 0, NULL));
    store_tun.stream_node_max_bytes = have + 4; /* "f" + 2-byte value stay one below */
    CALL(cmd_xadd, "XADD", "s", "2-0", "f", "vv");
    CHECK(rax_size(s->rax) == 1);
    have = lp_bytes(node(s, 0, NULL));
    store_tun.stream_node_max_bytes = have + 3; /* "f" + 2 bytes reach it */
    CALL(cmd_xadd, "XADD", "s", "3-0", "f", "vv");
    CHECK(rax_size(s->rax) == 2);
    /* 0 means no byte limit (but the 1 GiB cap) */
    store_tun.stream_node_max_bytes = 0;
    for (int i = 4; i < 400; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d-0", i);
        CALL(cmd_xadd, "XADD", "s", id, "f", "vv");
    }
    CHECK(rax_size(s->rax) == 2);
    store_tun.stream_node_max_entries = me;
    store_tun.stream_node_max_bytes = mb;
}

/* Entries as "1-0 2-0 ..." from XRANGE/XREVRANGE's reply. */
static const char *ids_of(const char *reply)
{
    static char buf[4096];
    size_t o = 0;
    buf[0] = '\0';
    const char *p = reply;
    /* every ID is a bulk right after "*2\r\n" */
    while ((p = strstr(p, "*2\r\n$"))) {
        p += 4;
        long l = strtol(p + 1, NULL, 10);
        p = strchr(p, '\n') + 1;
        /* [id, [field, value ...]]: the fields' array matches too */
        if (memchr(p, '-', (size_t)l))
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%.*s", o ? " " : "", (int)l, p);
        p += l;
    }
    return buf;
}

static void test_delete_and_iterate(void)
{
    long long me = store_tun.stream_node_max_entries;
    store_tun.stream_node_max_entries = 3;
    CALL(cmd_del, "DEL", "s");
    for (int i = 1; i <= 9; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d-0", i);
        CALL(cmd_xadd, "XADD", "s", id, "f", "v");
    }
    struct stream *s = stream_at("s");
    REQUIRE(s);
    /* XDEL flags the entry and moves the node's counters */
    CHECK(!strcmp(CALL(cmd_xdel, "XDEL", "s", "2-0", "2-0", "99-0"), ":1\r\n"));
    unsigned char *lp = node(s, 0, NULL);
    CHECK(lp_at(lp, 0) == 2 && lp_at(lp, 1) == 1);
    /* flags of entry 2 (after master: count del nf f 0 | 2 0 0 v 4 | ...) */
    CHECK(lp_at(lp, 10) == (SF_SAMEFIELDS | SF_DELETED));
    CHECK(s->max_deleted.ms == 2 && s->first_id.ms == 1);
    /* deleting the first entry moves first_id past the tombstone */
    CALL(cmd_xdel, "XDEL", "s", "1-0");
    CHECK(s->first_id.ms == 3 && rax_size(s->rax) == 3);
    /* the node's last live entry: the node goes */
    CALL(cmd_xdel, "XDEL", "s", "3-0");
    CHECK(rax_size(s->rax) == 2 && s->first_id.ms == 4);
    CALL(cmd_xdel, "XDEL", "s", "5-0", "8-0");
    CHECK(!strcmp(ids_of(CALL(cmd_xrange, "XRANGE", "s", "-", "+")), "4-0 6-0 7-0 9-0"));
    CHECK(!strcmp(ids_of(CALL(cmd_xrevrange, "XREVRANGE", "s", "+", "-")), "9-0 7-0 6-0 4-0"));
    CHECK(!strcmp(ids_of(CALL(cmd_xrange, "XRANGE", "s", "(4-0", "(9", "COUNT", "2")), "6-0 7-0"));
    CHECK(!strcmp(ids_of(CALL(cmd_xrevrange, "XREVRANGE", "s", "8", "5")), "7-0 6-0"));
    CHECK(s->length == 4);
    store_tun.stream_node_max_entries = me;
}

static void fill(const char *key, int n)
{
    CALL(cmd_del, "DEL", key);
    for (int i = 1; i <= n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d-0", i);
        CALL(cmd_xadd, "XADD", key, id, "f", "v");
    }
}

static void test_trim(void)
{
    long long me = store_tun.stream_node_max_entries;
    store_tun.stream_node_max_entries = 4;
    /* ~: whole nodes only */
    fill("s", 10); /* nodes 1-4 5-8 9-10 */
    CHECK(!strcmp(CALL(cmd_xtrim, "XTRIM", "s", "MAXLEN", "~", "5"), ":4\r\n"));
    /* the effect trims exactly what was trimmed */
    CHECK(!strcmp(fxout, "XTRIM s MAXLEN = 6"));
    struct stream *s = stream_at("s");
    CHECK(s->length == 6 && rax_size(s->rax) == 2 && s->first_id.ms == 5);
    /* ~ with nothing whole to remove changes nothing and logs nothing */
    CHECK(!strcmp(CALL(cmd_xtrim, "XTRIM", "s", "MAXLEN", "~", "5"), ":0\r\n"));
    CHECK(!strcmp(fxout, ""));
    /* exact: whole nodes, then entries of the next flagged */
    CHECK(!strcmp(CALL(cmd_xtrim, "XTRIM", "s", "MAXLEN", "1"), ":5\r\n"));
    CHECK(!strcmp(fxout, "XTRIM s MAXLEN 1"));
    CHECK(s->length == 1 && rax_size(s->rax) == 1 && s->first_id.ms == 10);
    unsigned char *lp = node(s, 0, NULL);
    CHECK(lp_at(lp, 0) == 1 && lp_at(lp, 1) == 1);
    /* MINID: whole nodes below it, then entries of the next */
    fill("s", 10);
    CHECK(!strcmp(CALL(cmd_xtrim, "XTRIM", "s", "MINID", "~", "6"), ":4\r\n"));
    CHECK(!strcmp(fxout, "XTRIM s MINID = 5-0"));
    CHECK(!strcmp(CALL(cmd_xtrim, "XTRIM", "s", "MINID", "7"), ":2\r\n"));
    s = stream_at("s");
    CHECK(s && s->first_id.ms == 7);
    /* LIMIT stops before a node that would pass it */
    fill("s", 10);
    CHECK(!strcmp(CALL(cmd_xtrim, "XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "5"), ":4\r\n"));
    /* XADD's own trim, ~ rewritten with the length left and the ID chosen */
    fill("s", 8);
    CALL(cmd_xadd, "XADD", "s", "MAXLEN", "~", "2", "*", "f", "v");
    char want[128];
    s = stream_at("s");
    snprintf(want, sizeof(want), "XADD s MAXLEN = %llu %llu-0 f v", (unsigned long long)s->length,
             (unsigned long long)test_now);
    CHECK(!strcmp(fxout, want));
    CHECK(s->length == 5);
    store_tun.stream_node_max_entries = me;
}

static void test_effects(void)
{
    /* XADD with *, ms-*, and an explicit ID */
    CALL(cmd_del, "DEL", "e");
    CALL(cmd_xadd, "XADD", "e", "*", "a", "1");
    char want[256];
    snprintf(want, sizeof(want), "XADD e %lld-0 a 1", (long long)test_now);
    CHECK(!strcmp(fxout, want));
    CALL(cmd_xadd, "XADD", "e", "2000000-*", "a", "2");
    CHECK(!strcmp(fxout, "XADD e 2000000-0 a 2"));
    CALL(cmd_xadd, "XADD", "e", "2000000-*", "a", "3");
    CHECK(!strcmp(fxout, "XADD e 2000000-1 a 3"));
    CALL(cmd_xadd, "XADD", "e", "3000000-5", "a", "4");
    CHECK(!strcmp(fxout, "XADD e 3000000-5 a 4"));
    /* a failed XADD logs nothing */
    CALL(cmd_xadd, "XADD", "e", "1-1", "a", "4");
    CHECK(!strcmp(fxout, ""));

    /* XREADGROUP: an XCLAIM per entry delivered, never itself */
    CALL(cmd_xgroup_create, "XGROUP", "CREATE", "e", "g", "0");
    CALL(cmd_xreadgroup, "XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "e", ">");
    snprintf(want, sizeof(want),
             "XCLAIM e g alice 0 %lld-0 TIME %lld RETRYCOUNT 1 FORCE JUSTID LASTID %lld-0 | "
             "XCLAIM e g alice 0 2000000-0 TIME %lld RETRYCOUNT 1 FORCE JUSTID LASTID 2000000-0",
             (long long)test_now, (long long)test_now, (long long)test_now, (long long)test_now);
    CHECK(!strcmp(fxout, want));
    /* NOACK: the consumer's creation and the group's new last ID */
    CALL(cmd_xreadgroup, "XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "e", ">");
    CHECK(!strcmp(fxout, "XGROUP CREATECONSUMER e g bob | "
                         "XGROUP SETID e g 3000000-5 ENTRIESREAD 4"));
    /* history reads change delivery counts, nothing to log */
    CALL(cmd_xreadgroup, "XREADGROUP", "GROUP", "g", "alice", "STREAMS", "e", "0");
    CHECK(!strcmp(fxout, ""));

    /* XCLAIM as its effect (the ID as given); LASTID alone -> SETID */
    test_now += 100;
    CALL(cmd_xclaim, "XCLAIM", "e", "g", "carol", "0", "2000000");
    snprintf(want, sizeof(want),
             "XCLAIM e g carol 0 2000000 TIME %lld RETRYCOUNT 3 FORCE JUSTID LASTID 3000000-5",
             (long long)test_now);
    CHECK(!strcmp(fxout, want));
    CALL(cmd_xclaim, "XCLAIM", "e", "g", "carol", "0", "9-9", "LASTID", "9000000-0");
    CHECK(!strcmp(fxout, "XGROUP SETID e g 9000000-0 ENTRIESREAD 4"));
    /* XAUTOCLAIM: claims, and a deleted entry's NACK dropped, each an XCLAIM */
    CALL(cmd_xdel, "XDEL", "e", "2000000-0");
    CALL(cmd_xautoclaim, "XAUTOCLAIM", "e", "g", "dave", "0", "0", "JUSTID");
    snprintf(want, sizeof(want),
             "XCLAIM e g dave 0 %lld-0 TIME %lld RETRYCOUNT 2 FORCE JUSTID LASTID 9000000-0 | "
             "XCLAIM e g carol 0 2000000-0 TIME %lld RETRYCOUNT 3 FORCE JUSTID LASTID 9000000-0",
             (long long)(test_now - 100), (long long)test_now, (long long)test_now);
    CHECK(!strcmp(fxout, want));
    /* XACK is logged as itself */
    char id[32];
    snprintf(id, sizeof(id), "%lld-0", (long long)(test_now - 100));
    CHECK(!strcmp(CALL(cmd_xack, "XACK", "e", "g", id), ":1\r\n"));
    snprintf(want, sizeof(want), "XACK e g %s", id);
    CHECK(!strcmp(fxout, want));
    /* acknowledging nothing logs nothing */
    CHECK(!strcmp(CALL(cmd_xack, "XACK", "e", "g", id), ":0\r\n"));
    CHECK(!strcmp(fxout, ""));
}

/* ------------------------------------------------------------------------ */
/* RDB payloads. */

static struct sobj *reload(const struct sobj *v, bool *ok)
{
    struct rdb_out o;
    *ok = rdb_dump_payload(&o, v, true);
    if (!*ok) return NULL;
    struct rdb_in in;
    rdb_in_mem(&in, o.buf, o.len - 10, true);
    int t = rdb_read_byte(&in);
    struct sobj *n = rdb_read_object(&in, t, NULL);
    *ok = n && in.pos == o.len - 10;
    rdb_in_free(&in);
    rdb_out_free(&o);
    return n;
}

static void same_value(const struct sobj *a, const struct sobj *b)
{
    unsigned char da[DIGEST_LEN] = {0}, db[DIGEST_LEN] = {0};
    digest_value(da, a, false);
    digest_value_state(da, a);
    digest_value(db, b, false);
    digest_value_state(db, b);
    CHECK(!memcmp(da, db, DIGEST_LEN));
}

static void test_rdb_roundtrip(void)
{
    long long me = store_tun.stream_node_max_entries;
    store_tun.stream_node_max_entries = 5;
    fill("r", 23);
    CALL(cmd_xdel, "XDEL", "r", "3-0", "17-0");
    CALL(cmd_xgroup_create, "XGROUP", "CREATE", "r", "g1", "0");
    CALL(cmd_xgroup_create, "XGROUP", "CREATE", "r", "g2", "$");
    CALL(cmd_xreadgroup, "XREADGROUP", "GROUP", "g1", "c1", "COUNT", "4", "STREAMS", "r", ">");
    CALL(cmd_xreadgroup, "XREADGROUP", "GROUP", "g1", "c2", "COUNT", "3", "STREAMS", "r", ">");
    bool ok;
    const struct sobj *v = obj_at("r");
    struct sobj *n = reload(v, &ok);
    CHECK(ok);
    if (n) {
        same_value(v, n);
        /* and the bytes again */
        struct rdb_out a, b;
        rdb_dump_payload(&a, v, true);
        rdb_dump_payload(&b, n, true);
        CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));
        /* every truncation is refused (and frees what it built) */
        for (size_t cut = 1; cut < a.len - 10; cut++) {
            struct rdb_in in;
            rdb_in_mem(&in, a.buf, cut, true);
            int t = rdb_read_byte(&in);
            struct sobj *x = rdb_read_object(&in, t, NULL);
            CHECK(x == NULL || in.pos == cut);
            obj_free(x);
            rdb_in_free(&in);
        }
        rdb_out_free(&a);
        rdb_out_free(&b);
    }
    obj_free(n);
    /* a copy (COPY's dup) is the same value */
    struct sobj *d = obj_dup(v);
    CHECK(d != NULL);
    if (d) same_value(v, d);
    obj_free(d);
    store_tun.stream_node_max_entries = me;
}

/* A hand-built STREAM_LISTPACKS_2 payload: one node with entry 1-0, one
 * group with the PEL given (ids), consumers with their PEL IDs. */
static size_t build(unsigned char *buf, const unsigned char *lp, int npel, const int *pel,
                    int ncons, const int (*cpel)[3], bool dupcons)
{
    struct rdb_out o;
    rdb_out_mem(&o, false);
    rdb_write_byte(&o, RDB_TYPE_STREAM_LISTPACKS_2);
    rdb_write_len(&o, 1);
    struct sid m = {1, 0};
    unsigned char k[16];
    sid_encode(k, &m);
    rdb_write_string(&o, k, 16);
    rdb_write_string(&o, lp, lp_bytes(lp));
    static const uint64_t meta[] = {1, 1, 0, 1, 0, 0, 0, 1};
    for (int i = 0; i < 8; i++) rdb_write_len(&o, meta[i]);
    rdb_write_len(&o, 1);
    rdb_write_string(&o, "g", 1);
    rdb_write_len(&o, 1);
    rdb_write_len(&o, 0);
    rdb_write_len(&o, 1);
    rdb_write_len(&o, (uint64_t)npel);
    for (int i = 0; i < npel; i++) {
        struct sid id = {(uint64_t)pel[i], 0};
        sid_encode(k, &id);
        rdb_write(&o, k, 16);
        rdb_write_ms(&o, 5);
        rdb_write_len(&o, 1);
    }
    rdb_write_len(&o, (uint64_t)ncons);
    for (int c = 0; c < ncons; c++) {
        rdb_write_string(&o, dupcons ? "c" : (c ? "d" : "c"), 1);
        rdb_write_ms(&o, 5);
        rdb_write_len(&o, (uint64_t)cpel[c][0]);
        for (int i = 0; i < cpel[c][0]; i++) {
            struct sid id = {(uint64_t)cpel[c][1 + i], 0};
            sid_encode(k, &id);
            rdb_write(&o, k, 16);
        }
    }
    size_t n = o.len;
    memcpy(buf, o.buf, n);
    rdb_out_free(&o);
    return n;
}

static bool loads(const unsigned char *buf, size_t n, char *err)
{
    struct rdb_in in;
    rdb_in_mem(&in, buf, n, false);
    int t = rdb_read_byte(&in);
    struct sobj *v = rdb_read_object(&in, t, NULL);
    if (err) snprintf(err, 256, "%s", in.err);
    rdb_in_free(&in);
    bool ok = v != NULL;
    obj_free(v);
    return ok;
}

static void test_rdb_damaged(void)
{
    /* node [1 0 1 "f" 0 | 2 0 0 "v" 4] */
    static const struct lp_item good[] = {I(1), I(0), I(1), S("f"), I(0),
                                          I(2), I(0), I(0), S("v"), I(4)};
    unsigned char *lp = lp_append_items(lp_new(0), good, 10);
    unsigned char buf[512];
    char err[256];
    static const int one[] = {1};
    static const int c1[][3] = {{1, 1, 0}};
    size_t n = build(buf, lp, 1, one, 1, c1, false);
    CHECK(loads(buf, n, err));
    CHECK(stream_lp_valid(lp, lp_bytes(lp)));
    /* a NACK nobody owns */
    static const int c0[][3] = {{0, 0, 0}};
    n = build(buf, lp, 1, one, 1, c0, false);
    CHECK(!loads(buf, n, err) && strstr(err, "without consumer"));
    /* one NACK owned by two consumers (Debian's fix for a use-after-free) */
    static const int c2[][3] = {{1, 1, 0}, {1, 1, 0}};
    n = build(buf, lp, 1, one, 2, c2, false);
    CHECK(!loads(buf, n, err) && strstr(err, "already has a consumer"));
    /* a consumer twice */
    static const int c3[][3] = {{1, 1, 0}, {0, 0, 0}};
    n = build(buf, lp, 1, one, 2, c3, true);
    CHECK(!loads(buf, n, err) && strstr(err, "Duplicate stream consumer"));
    /* a consumer naming an ID the group does not have */
    static const int c4[][3] = {{1, 7, 0}};
    n = build(buf, lp, 1, one, 1, c4, false);
    CHECK(!loads(buf, n, err) && strstr(err, "not found in group global PEL"));
    /* the same ID twice in the group's PEL */
    static const int two[] = {1, 1};
    n = build(buf, lp, 2, two, 1, c1, false);
    CHECK(!loads(buf, n, err) && strstr(err, "Duplicated global PEL"));
    lp_free(lp);

    /* bad nodes */
    static const struct lp_item badcount[] = {I(1), I(0), I(1), S("f"), I(0),
                                              I(2), I(0), I(0), S("v"), I(5)};
    static const struct lp_item noterm[] = {I(1), I(0), I(1), S("f"), I(7),
                                            I(2), I(0), I(0), S("v"), I(4)};
    static const struct lp_item negfields[] = {I(1), I(0), I(-1), I(0), I(2), I(0), I(0), I(3)};
    static const struct lp_item extra[] = {I(1), I(0), I(1),   S("f"), I(0), I(2),
                                           I(0), I(0), S("v"), I(4),   I(9)};
    static const struct lp_item strcount[] = {S("x"), I(0), I(1), S("f"), I(0),
                                              I(2),   I(0), I(0), S("v"), I(4)};
    const struct lp_item *bad[] = {badcount, noterm, negfields, extra, strcount};
    size_t nbad[] = {10, 10, 8, 11, 10};
    for (int i = 0; i < 5; i++) {
        unsigned char *b = lp_append_items(lp_new(0), bad[i], nbad[i]);
        CHECK(!stream_lp_valid(b, lp_bytes(b)));
        n = build(buf, b, 1, one, 1, c1, false);
        CHECK(!loads(buf, n, err) && strstr(err, "integrity"));
        lp_free(b);
    }
    unsigned char *empty = lp_new(0);
    CHECK(!stream_lp_valid(empty, lp_bytes(empty)));
    lp_free(empty);
}

int main(void)
{
    test_rax_redis_nodes();
    test_rax_model(true);
    test_rax_model(false);
    if (ks_init(&ks, 4, 16) != 0) return 1;
    reply_init(&rbuf);
    wlog_buf_init(&wbuf);
    wlog_register(&wbuf);
    wlog_cut(&ks, NULL, NULL);
    wlog_set_enabled_locked(true, atomic_load(&wlog.seq));
    test_node_bytes();
    test_node_limits();
    test_delete_and_iterate();
    test_trim();
    test_effects();
    test_rdb_roundtrip();
    test_rdb_damaged();
    CALL(cmd_del, "DEL", "s", "e", "r");
    reply_release(&rbuf);
    ks_destroy(&ks);
    printf("test_stream: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
