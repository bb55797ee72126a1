/* test_store.c — unit tests for the store's structures and the string and
 * key commands that sit directly on them.
 *
 * Each test states a property the rest of the server relies on:
 *   - string objects take Redis's encodings (int / embstr / raw) at the same
 *     boundaries, and conversions keep the bytes;
 *   - key slots are Redis Cluster's (CRC16-XMODEM, hash tags), so keys land
 *     in the same slot as in a Redis cluster;
 *   - db add/set/delete keep the dictionary, the TTL and the hooks' counters
 *     consistent; the expiry index stays a dense array whose entries know
 *     their own position through any order of adds and removals;
 *   - an expired key is never returned (lazy expiry), and active expiry
 *     removes expired keys within its time budget and never a live one;
 *   - replies are byte-exact RESP2 and RESP3 (maps, doubles, nulls, ...);
 *   - str_match and str_to_ll accept exactly what Redis's stringmatchlen and
 *     string2ll accept (cases checked against redis-server 7.0.15);
 *   - command handlers leave the encodings OBJECT ENCODING reports in Redis,
 *     RENAME/MOVE/SWAPDB move values with their TTLs, and SCAN's cursor
 *     visits every key across shards while the tables resize.
 *
 * Plain C, no framework: CHECK() records a failure and continues; the exit
 * code is nonzero if anything failed and the last line is a summary.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "check.h"

static unsigned tests_passed, tests_failed;

static void run(const char *name, void (*fn)(void))
{
    unsigned before = checks_failed;
    fn();
    if (checks_failed == before) {
        tests_passed++;
    } else {
        tests_failed++;
        fprintf(stderr, "FAIL %s\n", name);
    }
}

/* ------------------------------------------------------------------------ */
/* Fixtures: a keyspace, a reply buffer and a command context over them. */

static struct keyspace ks;
static struct reply rbuf;
static struct wstats wst;
static char out[1 << 16]; /* the last reply, NUL-terminated */
static size_t outlen;

static void fixture(unsigned nshards)
{
    int rc = ks_init(&ks, nshards, 16);
    if (rc != 0) {
        fprintf(stderr, "ks_init failed\n");
        exit(2);
    }
    reply_init(&rbuf);
    memset(&wst, 0, sizeof(wst));
}

static void fixture_done(void)
{
    ks_destroy(&ks);
    reply_release(&rbuf);
}

static struct cmdctx ctx(int db)
{
    struct cmdctx c = {.r = &rbuf,
                       .ks = &ks,
                       .db = db,
                       .now_ms = store_mstime(),
                       .st = &wst,
                       .max_bulk = 512LL * 1024 * 1024};
    return c;
}

static struct sarg S(const char *s) {
    return (struct sarg){s, strlen(s)};
}

/* Take everything written to rbuf into out[]. */
static const char *
take(void)
{
    struct iovec iov[64];
    int n = reply_iov(&rbuf, iov, 64);
    outlen = 0;
    for (int i = 0; i < n; i++) {
        size_t k = iov[i].iov_len;
        if (outlen + k >= sizeof(out)) k = sizeof(out) - 1 - outlen;
        memcpy(out + outlen, iov[i].iov_base, k);
        outlen += k;
    }
    out[outlen] = '\0';
    size_t pending = rbuf.pending;
    reply_consume(&rbuf, pending);
    return out;
}

/* Run a command handler, as the dispatcher would, on db `*db` (updated by
 * SELECT), holding every shard lock unless the command locks by itself. */
typedef void (*handler)(struct cmdctx *);

static int cur_db;

static const char *callv(handler fn, bool allshards, int argc, const char **argv)
{
    struct sarg a[16];
    for (int i = 0; i < argc; i++) a[i] = S(argv[i]);
    struct cmdctx c = ctx(cur_db);
    c.argc = argc;
    c.argv = a;
    if (!allshards) ks_lock_all(&ks);
    fn(&c);
    if (!allshards) ks_unlock_all(&ks);
    cur_db = c.db;
    return take();
}

#define CALL(fn, ...)                                                                     \
    callv(fn, false, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), \
          (const char *[]){__VA_ARGS__})
#define CALL_ALL(fn, ...)                                                                \
    callv(fn, true, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), \
          (const char *[]){__VA_ARGS__})

/* The handlers under test (the generated command table declares them in
 * the server). */
void cmd_get(struct cmdctx *c);
void cmd_set(struct cmdctx *c);
void cmd_append(struct cmdctx *c);
void cmd_setrange(struct cmdctx *c);
void cmd_incr(struct cmdctx *c);
void cmd_incrbyfloat(struct cmdctx *c);
void cmd_getset(struct cmdctx *c);
void cmd_lcs(struct cmdctx *c);
void cmd_object_encoding(struct cmdctx *c);
void cmd_object_refcount(struct cmdctx *c);
void cmd_rename(struct cmdctx *c);
void cmd_move(struct cmdctx *c);
void cmd_copy(struct cmdctx *c);
void cmd_pttl(struct cmdctx *c);
void cmd_ttl(struct cmdctx *c);
void cmd_expire(struct cmdctx *c);
void cmd_select(struct cmdctx *c);
void cmd_swapdb(struct cmdctx *c);
void cmd_dbsize(struct cmdctx *c);
void cmd_scan(struct cmdctx *c);
void cmd_keys(struct cmdctx *c);
void cmd_randomkey(struct cmdctx *c);
void cmd_flushall(struct cmdctx *c);

/* ------------------------------------------------------------------------ */
/* Objects. */

static void test_string_encodings(void)
{
    struct {
        const char *s;
        int enc;
    } cases[] = {
        {"123", ENC_INT},
        {"0", ENC_INT},
        {"-1", ENC_INT},
        {"9223372036854775807", ENC_INT},
        {"-9223372036854775808", ENC_INT}, /* 20 chars: the longest int */
        {"9223372036854775808", ENC_EMBSTR},
        {"-0", ENC_EMBSTR},
        {"007", ENC_EMBSTR},
        {"+1", ENC_EMBSTR},
        {" 1", ENC_EMBSTR},
        {"1.5", ENC_EMBSTR},
        {"", ENC_EMBSTR},
        {"abc", ENC_EMBSTR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sobj *o = obj_string_new(cases[i].s, strlen(cases[i].s));
        REQUIRE(o);
        CHECK(o->type == OBJ_STRING);
        CHECK(o->enc == cases[i].enc);
        char buf[24];
        size_t len;
        const char *p = obj_string_bytes(o, buf, &len);
        CHECK(len == strlen(cases[i].s) && memcmp(p, cases[i].s, len) == 0);
        CHECK(obj_string_len(o) == strlen(cases[i].s));
        obj_free(o);
    }
    /* the embstr/raw boundary: 44 bytes inline, 45 separately allocated */
    char big[64];
    memset(big, 'x', sizeof(big));
    struct sobj *e44 = obj_string_new(big, 44), *r45 = obj_string_new(big, 45);
    REQUIRE(e44 && r45);
    CHECK(e44->enc == ENC_EMBSTR);
    CHECK(r45->enc == ENC_RAW);
    CHECK(strcmp(obj_enc_name(e44), "embstr") == 0 && strcmp(obj_enc_name(r45), "raw") == 0);
    obj_free(e44);
    obj_free(r45);
    /* obj_string_new_str never picks int (INCRBYFLOAT's results) */
    struct sobj *s = obj_string_new_str("3", 1);
    REQUIRE(s);
    CHECK(s->enc == ENC_EMBSTR);
    obj_free(s);
    s = obj_string_new_str(big, 45);
    REQUIRE(s);
    CHECK(s->enc == ENC_RAW);
    obj_free(s);
}

static void test_string_conversions(void)
{
    /* int -> raw keeps the digits; the growable buffer has the room asked */
    struct sobj *o = obj_string_from_int(-42);
    REQUIRE(o);
    CHECK(strcmp(obj_enc_name(o), "int") == 0);
    o = obj_string_make_raw(o, 100);
    REQUIRE(o);
    CHECK(o->enc == ENC_RAW && o->v.s.len == 3 && memcmp(o->v.s.ptr, "-42", 3) == 0);
    CHECK(o->v.s.cap >= 100);
    int64_t v;
    CHECK(obj_string_to_int(o, &v) && v == -42);
    obj_free(o);
    /* embstr -> raw */
    o = obj_string_new("hello", 5);
    REQUIRE(o);
    o = obj_string_make_raw(o, 5);
    REQUIRE(o);
    CHECK(o->enc == ENC_RAW && o->v.s.len == 5 && memcmp(o->v.s.ptr, "hello", 5) == 0);
    CHECK(!obj_string_to_int(o, &v));
    /* dup keeps the encoding */
    struct sobj *d = obj_dup(o);
    REQUIRE(d);
    CHECK(d->enc == ENC_RAW && d->v.s.len == 5 && d->v.s.ptr != o->v.s.ptr);
    obj_free(d);
    obj_free(o);
    o = obj_string_from_int(7);
    d = obj_dup(o);
    REQUIRE(o && d);
    CHECK(d->enc == ENC_INT && d->v.i == 7);
    obj_free(o);
    obj_free(d);
}

/* Redis's LFU: starts at 5, the first access always counts, later ones
 * logarithmically less, and a minute without access per decay period takes
 * one off. */
static void test_lfu(void)
{
    uint32_t clock0 = obj_clock;
    obj_clock = 1000000;
    obj_lfu_policy = true;
    struct sobj *o = obj_string_new("v", 1);
    REQUIRE(o);
    CHECK(obj_lfu_get(o) == 5);
    obj_touch(o);
    CHECK(obj_lfu_get(o) == 6);
    for (int i = 0; i < 1000; i++) obj_touch(o);
    unsigned after1k = obj_lfu_get(o);
    CHECK(after1k > 6 && after1k < 40); /* log factor 10: ~ +20 for 1000 hits */
    obj_clock += 3 * 60;
    CHECK(obj_lfu_get(o) == after1k - 3);
    obj_clock += 1000 * 60;
    CHECK(obj_lfu_get(o) == 0);
    obj_free(o);
    obj_lfu_policy = false;
    obj_clock = clock0;
}

/* ------------------------------------------------------------------------ */
/* Keyspace: slots and shards. */

static void test_slots(void)
{
    CHECK(ks_crc16("123456789", 9) == 0x31c3);
    CHECK(ks_keyslot("foo", 3) == 12182);
    CHECK(ks_keyslot("{user1000}.following", 20) == 3443);
    CHECK(ks_keyslot("{user1000}.followers", 20) == 3443);
    CHECK(ks_keyslot("user1000", 8) == 3443);
    /* Redis Cluster's hash tag rules: the first '{' and the first '}' after
     * it; an empty tag means the whole key is hashed */
    CHECK(ks_keyslot("{}foo", 5) == (ks_crc16("{}foo", 5) & 16383));
    CHECK(ks_keyslot("foo{}{bar}", 10) == (ks_crc16("foo{}{bar}", 10) & 16383));
    CHECK(ks_keyslot("foo{{bar}}zap", 13) == (ks_crc16("{bar", 4) & 16383));
    CHECK(ks_keyslot("foo{bar}{zap}", 13) == (ks_crc16("bar", 3) & 16383));
    CHECK(ks_keyslot("foo{bar", 7) == (ks_crc16("foo{bar", 7) & 16383));
    CHECK(ks_keyslot("", 0) == 0);

    /* shards own contiguous slot ranges */
    struct keyspace k4;
    REQUIRE(ks_init(&k4, 4, 1) == 0);
    CHECK(ks_shard_of_slot(&k4, 0) == 0);
    CHECK(ks_shard_of_slot(&k4, 4095) == 0);
    CHECK(ks_shard_of_slot(&k4, 4096) == 1);
    CHECK(ks_shard_of_slot(&k4, 16383) == 3);
    CHECK(ks_shard_of(&k4, "foo", 3) == 12182 / 4096);
    ks_destroy(&k4);
    struct keyspace bad;
    CHECK(ks_init(&bad, 3, 16) == -EINVAL);
    CHECK(ks_init(&bad, 0, 16) == -EINVAL);
    CHECK(ks_init(&bad, 2048, 16) == -EINVAL);
}

/* ------------------------------------------------------------------------ */
/* db: add, set, delete, lookups. */

static void test_db_basic(void)
{
    fixture(8);
    struct cmdctx c = ctx(0);
    struct sarg k = S("alpha");
    CHECK(db_lookup_read(&c, &k) == NULL);
    CHECK(wst.keyspace_misses == 1);
    struct kentry *e = db_add(&c, 0, &k, obj_string_new("1", 1));
    REQUIRE(e);
    CHECK(e->expire == -1 && e->klen == 5 && memcmp(e->key, "alpha", 5) == 0);
    CHECK(c.dirty == 1);
    CHECK(db_lookup_read(&c, &k) == e);
    CHECK(wst.keyspace_hits == 1);
    /* another db is another namespace */
    CHECK(db_lookup_quiet(&c, 1, &k) == NULL);

    /* db_set replaces the value and clears the TTL unless asked to keep it */
    db_set_expire(&c, 0, e, c.now_ms + 100000);
    struct shard *sh = db_shard(&c, &k);
    uint64_t ver = sh->version;
    e = db_set(&c, 0, &k, obj_string_new("two", 3), true);
    REQUIRE(e);
    CHECK(e->expire == c.now_ms + 100000);
    CHECK(sh->version > ver);
    e = db_set(&c, 0, &k, obj_string_new("three", 5), false);
    REQUIRE(e);
    CHECK(e->expire == -1);
    CHECK(db_kdb(&c, 0, &k)->xi.n == 0);
    char buf[24];
    size_t len;
    CHECK(memcmp(obj_string_bytes(e->val, buf, &len), "three", 5) == 0 && len == 5);

    /* delete */
    CHECK(db_delete(&c, 0, &k));
    CHECK(!db_delete(&c, 0, &k));
    CHECK(db_lookup_quiet(&c, 0, &k) == NULL);
    uint64_t total = 0;
    for (unsigned s = 0; s < ks.nshards; s++) total += dict_size(&ks.shards[s].db[0].keys);
    CHECK(total == 0);

    /* many keys spread over every shard */
    char kb[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(kb, sizeof(kb), "key:%d", i);
        struct sarg a = S(kb);
        REQUIRE(db_add(&c, 3, &a, obj_string_from_int(i)));
    }
    total = 0;
    for (unsigned s = 0; s < ks.nshards; s++) {
        CHECK(dict_size(&ks.shards[s].db[3].keys) > 0);
        total += dict_size(&ks.shards[s].db[3].keys);
    }
    CHECK(total == 2000);
    for (int i = 0; i < 2000; i += 2) {
        snprintf(kb, sizeof(kb), "key:%d", i);
        struct sarg a = S(kb);
        CHECK(db_delete(&c, 3, &a));
    }
    for (int i = 0; i < 2000; i++) {
        snprintf(kb, sizeof(kb), "key:%d", i);
        struct sarg a = S(kb);
        struct kentry *x = db_lookup_quiet(&c, 3, &a);
        CHECK((x != NULL) == (i % 2 == 1));
        if (x) CHECK(x->val->v.i == i);
    }
    fixture_done();
}

/* ------------------------------------------------------------------------ */
/* Expiry index and expiry. */

/* Every entry of the index knows its own position, and only entries with a
 * TTL are in it. */
static bool xindex_consistent(const struct xindex *xi, size_t expect_n)
{
    if (xi->n != expect_n || xi->n > xi->cap) return false;
    for (uint32_t i = 0; i < xi->n; i++)
        if (xi->v[i]->xidx != i || xi->v[i]->expire < 0) return false;
    return true;
}

static void test_xindex(void)
{
    fixture(1);
    struct cmdctx c = ctx(0);
    enum { N = 500 };
    struct kentry *ents[N];
    bool has_ttl[N];
    char kb[32];
    for (int i = 0; i < N; i++) {
        snprintf(kb, sizeof(kb), "x%d", i);
        struct sarg a = S(kb);
        ents[i] = db_add(&c, 0, &a, obj_string_from_int(i));
        REQUIRE(ents[i]);
        has_ttl[i] = false;
    }
    struct xindex *xi = &ks.shards[0].db[0].xi;
    size_t n = 0;
    /* a pseudo-random sequence of adds, TTL changes, removals and deletes */
    uint64_t rnd = 88172645463325252ULL;
    bool ok = true;
    for (int step = 0; step < 20000; step++) {
        rnd ^= rnd << 13;
        rnd ^= rnd >> 7;
        rnd ^= rnd << 17;
        int i = (int)(rnd % N);
        if (!ents[i]) continue;
        switch ((rnd >> 32) % 4) {
        case 0:
        case 1: /* set or change a TTL: the index grows only on the first */
            if (!has_ttl[i]) n++;
            has_ttl[i] = true;
            db_set_expire(&c, 0, ents[i], c.now_ms + 1000000 + step);
            break;
        case 2: /* remove the TTL (removal swaps the last element in) */
            if (has_ttl[i]) n--;
            has_ttl[i] = false;
            db_set_expire(&c, 0, ents[i], -1);
            break;
        case 3: /* delete the key with whatever TTL it had */
            if ((rnd >> 40) % 8 != 0) break;
            if (has_ttl[i]) n--;
            db_delete_entry(&c, 0, ents[i]);
            ents[i] = NULL;
            has_ttl[i] = false;
            break;
        }
        if (!xindex_consistent(xi, n)) ok = false;
    }
    CHECK(ok);
    CHECK(xindex_consistent(xi, n));
    fixture_done();
}

static void test_lazy_expiry(void)
{
    fixture(4);
    struct cmdctx c = ctx(0);
    struct sarg k = S("gone"), live = S("live");
    struct kentry *e = db_add(&c, 0, &k, obj_string_new("v", 1));
    REQUIRE(e);
    db_set_expire(&c, 0, e, c.now_ms); /* expires at exactly now: expired */
    REQUIRE(db_add(&c, 0, &live, obj_string_new("v", 1)));
    db_set_expire(&c, 0, db_lookup_quiet(&c, 0, &live), c.now_ms + 100000);
    struct kdb *kd = db_kdb(&c, 0, &k);
    uint64_t before = dict_size(&kd->keys);
    CHECK(db_lookup_read(&c, &k) == NULL);
    CHECK(dict_size(&kd->keys) == before - 1); /* deleted, not just hidden */
    CHECK(wst.expired_keys == 1);
    CHECK(db_lookup_read(&c, &live) != NULL);
    /* every lookup flavour hides an expired key */
    e = db_add(&c, 0, &k, obj_string_new("v", 1));
    REQUIRE(e);
    db_set_expire(&c, 0, e, c.now_ms - 5);
    CHECK(db_lookup_write(&c, &k) == NULL);
    e = db_add(&c, 0, &k, obj_string_new("v", 1));
    db_set_expire(&c, 0, e, c.now_ms - 5);
    CHECK(db_lookup_quiet(&c, 0, &k) == NULL);
    e = db_add(&c, 0, &k, obj_string_new("v", 1));
    db_set_expire(&c, 0, e, c.now_ms - 5);
    CHECK(db_lookup_notouch(&c, 0, &k) == NULL);
    e = db_add(&c, 0, &k, obj_string_new("v", 1));
    db_set_expire(&c, 0, e, c.now_ms - 5);
    CHECK(db_lookup_for_write(&c, 0, &k) == NULL);
    /* and so do the commands over the whole keyspace */
    e = db_add(&c, 0, &k, obj_string_new("v", 1));
    db_set_expire(&c, 0, e, c.now_ms - 5);
    CHECK(strcmp(CALL_ALL(cmd_keys, "keys", "*"), "*1\r\n$4\r\nlive\r\n") == 0);
    CHECK(strcmp(CALL_ALL(cmd_scan, "scan", "0", "COUNT", "100"),
                 "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n") == 0);
    CHECK(dict_size(&kd->keys) == 0 || db_lookup_quiet(&c, 0, &k) == NULL);
    for (int i = 0; i < 20; i++)
        CHECK(strcmp(CALL_ALL(cmd_randomkey, "randomkey"), "$4\r\nlive\r\n") == 0);
    fixture_done();
}

static void test_active_expiry(void)
{
    fixture(4);
    struct cmdctx c = ctx(0);
    int64_t now = store_mstime();
    char kb[32];
    enum { DEAD = 3000, LIVE = 1000, PLAIN = 200 };
    for (int i = 0; i < DEAD + LIVE + PLAIN; i++) {
        snprintf(kb, sizeof(kb), "k%d", i);
        struct sarg a = S(kb);
        struct kentry *e = db_add(&c, 0, &a, obj_string_from_int(i));
        REQUIRE(e);
        if (i < DEAD)
            db_set_expire(&c, 0, e, now - 1 - i);
        else if (i < DEAD + LIVE)
            db_set_expire(&c, 0, e, now + 3600 * 1000);
    }
    /* a zero budget still makes progress (one batch), but stops there */
    struct wstats st = {0};
    uint64_t first = db_active_expire(&ks, 0, ks.nshards - 1, 0, &st, NULL);
    CHECK(first > 0 && first < DEAD);
    CHECK(st.expired_time_cap_reached_count == 1);
    /* a generous budget drains the rest, and only the expired keys */
    uint64_t total = first;
    for (int round = 0; round < 100 && total < DEAD; round++)
        total += db_active_expire(&ks, 0, ks.nshards - 1, 100000, &st, NULL);
    CHECK(total == DEAD);
    CHECK(st.expired_keys == DEAD);
    uint64_t left = 0, indexed = 0;
    for (unsigned s = 0; s < ks.nshards; s++) {
        left += dict_size(&ks.shards[s].db[0].keys);
        indexed += ks.shards[s].db[0].xi.n;
        CHECK(xindex_consistent(&ks.shards[s].db[0].xi, ks.shards[s].db[0].xi.n));
    }
    CHECK(left == LIVE + PLAIN);
    CHECK(indexed == LIVE);
    for (int i = DEAD; i < DEAD + LIVE + PLAIN; i++) {
        snprintf(kb, sizeof(kb), "k%d", i);
        struct sarg a = S(kb);
        CHECK(db_lookup_quiet(&c, 0, &a) != NULL);
    }
    /* nothing left to expire: a sweep finds nothing */
    CHECK(db_active_expire(&ks, 0, ks.nshards - 1, 100000, &st, NULL) == 0);
    fixture_done();
}

/* ------------------------------------------------------------------------ */
/* Replies. */

static void test_reply_resp2(void)
{
    fixture(1);
    struct reply *r = &rbuf;
    reply_ok(r);
    reply_simple(r, "PONG");
    reply_int(r, 0);
    reply_int(r, -123);
    reply_int(r, LLONG_MIN);
    reply_bulk(r, "a\r\nb", 4);
    reply_bulk(r, "", 0);
    reply_null(r);
    reply_null_array(r);
    CHECK(strcmp(take(), "+OK\r\n+PONG\r\n:0\r\n:-123\r\n:-9223372036854775808\r\n"
                         "$4\r\na\r\nb\r\n$0\r\n\r\n$-1\r\n*-1\r\n") == 0);
    reply_map(r, 2);
    reply_set(r, 1);
    reply_push(r, 3);
    reply_bool(r, true);
    reply_bool(r, false);
    CHECK(strcmp(take(), "*4\r\n*1\r\n*3\r\n:1\r\n:0\r\n") == 0);
    reply_double(r, 1.5);
    reply_double(r, 0.1);
    reply_double(r, INFINITY);
    reply_double(r, -INFINITY);
    CHECK(strcmp(take(), "$3\r\n1.5\r\n$19\r\n0.10000000000000001\r\n$3\r\ninf\r\n"
                         "$4\r\n-inf\r\n") == 0);
    reply_bignum(r, "12345678901234567890", 20);
    reply_verbatim(r, "hi", 2, "txt");
    reply_attribute(r, 1); /* RESP2 has no attributes: nothing is written */
    CHECK(strcmp(take(), "$20\r\n12345678901234567890\r\n$2\r\nhi\r\n") == 0);
    /* errors: the code is recorded, CR/LF flattened */
    uint32_t nerr = r->nerrors;
    reply_errs(r, SERR_WRONGTYPE);
    CHECK(strcmp(r->last_err, "WRONGTYPE") == 0);
    reply_error(r, "ERR bad\r\nthing");
    CHECK(r->nerrors == nerr + 2);
    CHECK(strcmp(take(), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
                         "-ERR bad  thing\r\n") == 0);
    reply_errorf(r, serr_text[SERR_EXPIRE_INVALID], "set");
    CHECK(strcmp(take(), "-ERR invalid expire time in 'set' command\r\n") == 0);
    /* deferred lengths */
    struct rdefer d = reply_defer(r);
    reply_int(r, 1);
    reply_int(r, 2);
    reply_defer_array(r, d, 2);
    d = reply_defer(r);
    reply_bulk_cstr(r, "k");
    reply_bulk_cstr(r, "v");
    reply_defer_map(r, d, 1);
    CHECK(strcmp(take(), "*2\r\n:1\r\n:2\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n") == 0);
    fixture_done();
}

static void test_reply_resp3(void)
{
    fixture(1);
    struct reply *r = &rbuf;
    r->resp = 3;
    reply_null(r);
    reply_null_array(r);
    reply_map(r, 2);
    reply_set(r, 1);
    reply_push(r, 3);
    reply_bool(r, true);
    reply_bool(r, false);
    CHECK(strcmp(take(), "_\r\n_\r\n%2\r\n~1\r\n>3\r\n#t\r\n#f\r\n") == 0);
    reply_double(r, 1.5);
    reply_double(r, -0.25);
    reply_double(r, INFINITY);
    reply_double(r, 3.0);
    CHECK(strcmp(take(), ",1.5\r\n,-0.25\r\n,inf\r\n,3\r\n") == 0);
    reply_bignum(r, "123", 3);
    reply_verbatim(r, "hi", 2, "txt");
    reply_attribute(r, 1);
    CHECK(strcmp(take(), "(123\r\n=6\r\ntxt:hi\r\n|1\r\n") == 0);
    struct rdefer d = reply_defer(r);
    reply_bulk_cstr(r, "a");
    reply_int(r, 1);
    reply_defer_map(r, d, 1);
    d = reply_defer(r);
    reply_defer_set(r, d, 0);
    CHECK(strcmp(take(), "%1\r\n$1\r\na\r\n:1\r\n~0\r\n") == 0);
    fixture_done();
}

/* A bulk larger than a chunk arrives whole, and partial consumption sends
 * the rest in order. */
static void test_reply_large_and_partial(void)
{
    fixture(1);
    size_t n = 3 * REPLY_CHUNK + 17;
    char *big = malloc(n);
    REQUIRE(big);
    for (size_t i = 0; i < n; i++) big[i] = (char)('a' + i % 26);
    reply_int(&rbuf, 7);
    reply_bulk(&rbuf, big, n);
    char hdr[32];
    int hl = snprintf(hdr, sizeof(hdr), ":7\r\n$%zu\r\n", n);
    size_t total = (size_t)hl + n + 2;
    CHECK(rbuf.pending == total);
    char *got = malloc(total);
    REQUIRE(got);
    size_t have = 0;
    while (rbuf.pending) { /* drain in odd-sized pieces */
        struct iovec iov[8];
        int k = reply_iov(&rbuf, iov, 8);
        REQUIRE(k > 0);
        size_t step = iov[0].iov_len < 1000 ? iov[0].iov_len : 1000;
        memcpy(got + have, iov[0].iov_base, step);
        have += step;
        reply_consume(&rbuf, step);
    }
    CHECK(have == total);
    CHECK(memcmp(got, hdr, (size_t)hl) == 0);
    CHECK(memcmp(got + hl, big, n) == 0);
    CHECK(memcmp(got + hl + n, "\r\n", 2) == 0);
    free(big);
    free(got);
    fixture_done();
}

/* ------------------------------------------------------------------------ */
/* Parsing and matching helpers. */

static bool ll(const char *s, long long *v)
{
    return str_to_ll(s, strlen(s), v);
}

static void test_str_to_ll(void)
{
    long long v = 99;
    CHECK(ll("0", &v) && v == 0);
    CHECK(ll("-1", &v) && v == -1);
    CHECK(ll("123", &v) && v == 123);
    CHECK(ll("9223372036854775807", &v) && v == LLONG_MAX);
    CHECK(ll("-9223372036854775808", &v) && v == LLONG_MIN);
    const char *bad[] = {"",
                         "-",
                         "+1",
                         " 1",
                         "1 ",
                         "01",
                         "-0",
                         "00",
                         "1a",
                         "0x10",
                         "1.0",
                         "9223372036854775808",
                         "-9223372036854775809",
                         "18446744073709551616",
                         "123456789012345678901",
                         "--1",
                         "- 1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) CHECK(!ll(bad[i], &v));
    /* length-bounded: the bytes after len are not read */
    CHECK(str_to_ll("12345", 2, &v) && v == 12);
    CHECK(!str_to_ll("1\0", 2, &v));

    char buf[24];
    CHECK(ll_to_str(buf, sizeof(buf), LLONG_MIN) == 20 && strcmp(buf, "-9223372036854775808") == 0);
    CHECK(ll_to_str(buf, sizeof(buf), 0) == 1 && strcmp(buf, "0") == 0);
    CHECK(ll_to_str(buf, 3, 123) == 0); /* no room for the NUL */

    long double d;
    CHECK(str_to_ld("1.5", 3, &d) && d == 1.5L);
    CHECK(str_to_ld("-inf", 4, &d) && isinf(d) && d < 0);
    CHECK(str_to_ld("1e3", 3, &d) && d == 1000.0L);
    CHECK(!str_to_ld("nan", 3, &d));
    CHECK(!str_to_ld(" 1", 2, &d));
    CHECK(!str_to_ld("1 ", 2, &d));
    CHECK(!str_to_ld("", 0, &d));
    CHECK(!str_to_ld("abc", 3, &d));
    CHECK(!str_to_ld("1e99999", 7, &d));  /* overflow */
    CHECK(!str_to_ld("1e-99999", 8, &d)); /* underflow to zero */
}

static bool m(const char *pat, const char *s)
{
    return str_match(pat, strlen(pat), s, strlen(s), false);
}

static void test_str_match(void)
{
    /* expectations checked against KEYS on redis-server 7.0.15 */
    CHECK(m("*", "anything"));
    CHECK(m("h?llo", "hello") && m("h?llo", "hallo") && !m("h?llo", "hllo"));
    CHECK(m("h*llo", "hllo") && m("h*llo", "heeeello"));
    CHECK(m("h[ae]llo", "hello") && m("h[ae]llo", "hallo") && !m("h[ae]llo", "hillo"));
    CHECK(!m("h[^e]llo", "hello") && m("h[^e]llo", "hallo"));
    CHECK(m("h[a-b]llo", "hallo") && m("h[a-b]llo", "hbllo") && !m("h[a-b]llo", "hcllo"));
    CHECK(m("[c-a]", "b")); /* reversed ranges work */
    CHECK(m("a\\*b", "a*b") && !m("a\\*b", "aXb"));
    CHECK(m("a[\\]]b", "a]b") && m("a[\\-]b", "a-b"));
    CHECK(m("*a*b*", "xxaxxbxx") && !m("*a*b*", "xxbxxaxx"));
    CHECK(m("a*", "a") && m("**a", "a"));
    CHECK(!m("a", "ab") && !m("ab", "a"));
    /* unterminated classes, as Redis treats them */
    CHECK(!m("a[", "a[") && !m("a[", "a"));
    CHECK(m("a[b", "ab") && !m("a[b", "a[b"));
    CHECK(!m("*[", "["));
    CHECK(m("[a-", "a") && !m("[a-", "b"));
    CHECK(m("[^]", "]") && m("[^]", "a") && !m("[^]", "ab"));
    CHECK(!m("[]", "a") && !m("[]]", "]"));
    /* regression: Redis matches the empty string only with the empty
     * pattern; "**" must not list the empty key */
    CHECK(m("", ""));
    CHECK(!m("*", ""));
    CHECK(!m("**", ""));
    CHECK(!m("?", ""));
    CHECK(str_match("HELLO", 5, "hello", 5, true));
    CHECK(!str_match("HELLO", 5, "hello", 5, false));
    CHECK(str_match("[A-C]", 5, "b", 1, true));
    /* adversarial pattern: linear, not exponential */
    char s[200], p[200];
    memset(s, 'a', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    for (int i = 0; i < 99; i++) {
        p[2 * i] = 'a';
        p[2 * i + 1] = '*';
    }
    p[198] = 'b';
    p[199] = '\0';
    CHECK(!m(p, s));
}

/* ------------------------------------------------------------------------ */
/* Commands over the store: encodings, moves, SCAN across shards. */

static bool is(const char *got, const char *want)
{
    if (strcmp(got, want) == 0) return true;
    fprintf(stderr, "  got %s  want %s\n", got, want);
    return false;
}

static void test_cmd_encodings(void)
{
    fixture(16);
    cur_db = 0;
#define ENC(k) CALL(cmd_object_encoding, "object", "encoding", k)
    CALL(cmd_set, "set", "k", "123");
    CHECK(is(ENC("k"), "$3\r\nint\r\n"));
    CHECK(is(CALL(cmd_object_refcount, "object", "refcount", "k"), ":2147483647\r\n"));
    CALL(cmd_set, "set", "k", "12345");
    CHECK(is(CALL(cmd_object_refcount, "object", "refcount", "k"), ":1\r\n"));
    CALL(cmd_set, "set", "k", "01234567890123456789012345678901234567890123");
    CHECK(is(ENC("k"), "$6\r\nembstr\r\n"));
    CALL(cmd_set, "set", "k", "012345678901234567890123456789012345678901234");
    CHECK(is(ENC("k"), "$3\r\nraw\r\n"));
    /* APPEND: a new key holds the argument as SET would; an existing one
     * becomes raw even for an empty append */
    CALL(cmd_append, "append", "a", "42");
    CHECK(is(ENC("a"), "$3\r\nint\r\n"));
    CHECK(is(CALL(cmd_append, "append", "a", ""), ":2\r\n"));
    CHECK(is(ENC("a"), "$3\r\nraw\r\n"));
    CHECK(is(CALL(cmd_incr, "incr", "a"), ":43\r\n"));
    CHECK(is(ENC("a"), "$3\r\nint\r\n"));
    /* INCRBYFLOAT leaves a string, never an int */
    CHECK(is(CALL(cmd_incrbyfloat, "incrbyfloat", "a", "1"), "$2\r\n44\r\n"));
    CHECK(is(ENC("a"), "$6\r\nembstr\r\n"));
    CHECK(is(CALL(cmd_incrbyfloat, "incrbyfloat", "f", "10.5"), "$4\r\n10.5\r\n"));
    CHECK(is(CALL(cmd_incrbyfloat, "incrbyfloat", "f", "0.1"), "$4\r\n10.6\r\n"));
    CHECK(is(CALL(cmd_incrbyfloat, "incrbyfloat", "f", "-10.6"), "$1\r\n0\r\n"));
    CHECK(is(CALL(cmd_incrbyfloat, "incrbyfloat", "f", "1e5000"),
             "-ERR value is not a valid float\r\n"));
    /* SETRANGE makes raw, zero-pads, and answers the new length */
    CALL(cmd_set, "set", "s", "7");
    CHECK(is(CALL(cmd_setrange, "setrange", "s", "3", "ab"), ":5\r\n"));
    CALL(cmd_get, "get", "s");
    CHECK(outlen == 11 && memcmp(out, "$5\r\n7\0\0ab\r\n", 11) == 0);
    CHECK(is(ENC("s"), "$3\r\nraw\r\n"));
    CHECK(is(CALL(cmd_setrange, "setrange", "n", "536870912", "x"),
             "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"));
    /* GETSET stores as SET does */
    CALL(cmd_getset, "getset", "s", "100");
    CHECK(outlen == 11 && memcmp(out, "$5\r\n7\0\0ab\r\n", 11) == 0);
    CHECK(is(ENC("s"), "$3\r\nint\r\n"));
    CHECK(is(CALL(cmd_set, "set", "x", "1", "EX", "0"),
             "-ERR invalid expire time in 'set' command\r\n"));
    CHECK(is(CALL(cmd_set, "set", "x", "1", "NX", "XX"), "-ERR syntax error\r\n"));
    CHECK(is(CALL(cmd_set, "set", "x", "1", "KEEPTTL", "PX", "5"), "-ERR syntax error\r\n"));
#undef ENC
    fixture_done();
}

static void test_cmd_lcs(void)
{
    fixture(4);
    cur_db = 0;
    CALL(cmd_set, "set", "a", "ohmytext");
    CALL(cmd_set, "set", "b", "mynewtext");
    CHECK(is(CALL(cmd_lcs, "lcs", "a", "b"), "$6\r\nmytext\r\n"));
    CHECK(is(CALL(cmd_lcs, "lcs", "a", "b", "LEN"), ":6\r\n"));
    const char *idx2 = "*4\r\n$7\r\nmatches\r\n*2\r\n"
                       "*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
                       "*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n"
                       "$3\r\nlen\r\n:6\r\n";
    CHECK(is(CALL(cmd_lcs, "lcs", "a", "b", "IDX", "WITHMATCHLEN"), idx2));
    rbuf.resp = 3;
    const char *idx3 = "%2\r\n$7\r\nmatches\r\n*1\r\n"
                       "*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
                       "$3\r\nlen\r\n:6\r\n";
    CHECK(is(CALL(cmd_lcs, "lcs", "a", "b", "IDX", "MINMATCHLEN", "4"), idx3));
    rbuf.resp = 2;
    CHECK(is(CALL(cmd_lcs, "lcs", "a", "b", "LEN", "IDX"),
             "-ERR If you want both the length and indexes, please just use IDX.\r\n"));
    CHECK(is(CALL(cmd_lcs, "lcs", "nokey", "b"), "$0\r\n\r\n"));
    fixture_done();
}

static void test_cmd_moves(void)
{
    fixture(16);
    cur_db = 0;
    CALL(cmd_set, "set", "src", "hello", "PX", "100000");
    CALL(cmd_set, "set", "dst", "old");
    /* RENAME moves the value and its TTL, overwriting the destination */
    CHECK(is(CALL(cmd_rename, "rename", "src", "dst"), "+OK\r\n"));
    CHECK(is(CALL(cmd_get, "get", "src"), "$-1\r\n"));
    CHECK(is(CALL(cmd_get, "get", "dst"), "$5\r\nhello\r\n"));
    long long pttl = atoll(CALL(cmd_pttl, "pttl", "dst") + 1);
    CHECK(pttl > 90000 && pttl <= 100000);
    CHECK(is(CALL(cmd_rename, "rename", "src", "x"), "-ERR no such key\r\n"));
    /* MOVE to db 5 keeps the TTL; the key is gone from db 0 */
    CHECK(is(CALL(cmd_move, "move", "dst", "5"), ":1\r\n"));
    CHECK(is(CALL(cmd_get, "get", "dst"), "$-1\r\n"));
    CHECK(is(CALL(cmd_move, "move", "dst", "6"), ":0\r\n")); /* no longer here */
    CHECK(is(CALL(cmd_move, "move", "dst", "0"),
             "-ERR source and destination objects are the same\r\n"));
    CHECK(is(CALL(cmd_move, "move", "dst", "16"), "-ERR DB index is out of range\r\n"));
    CHECK(is(CALL(cmd_select, "select", "5"), "+OK\r\n"));
    CHECK(cur_db == 5);
    CHECK(is(CALL(cmd_get, "get", "dst"), "$5\r\nhello\r\n"));
    pttl = atoll(CALL(cmd_pttl, "pttl", "dst") + 1);
    CHECK(pttl > 90000);
    CHECK(is(CALL(cmd_move, "move", "dst", "5"),
             "-ERR source and destination objects are the same\r\n"));
    /* COPY to another db, then SWAPDB brings it back */
    CHECK(is(CALL(cmd_copy, "copy", "dst", "c", "DB", "7"), ":1\r\n"));
    CHECK(is(CALL(cmd_copy, "copy", "dst", "c", "DB", "7"), ":0\r\n"));
    CHECK(is(CALL(cmd_select, "select", "16"), "-ERR DB index is out of range\r\n"));
    CHECK(cur_db == 5);
    CHECK(is(CALL_ALL(cmd_swapdb, "swapdb", "5", "7"), "+OK\r\n"));
    CHECK(is(CALL(cmd_get, "get", "c"), "$5\r\nhello\r\n"));
    CHECK(is(CALL(cmd_get, "get", "dst"), "$-1\r\n"));
    CHECK(is(CALL_ALL(cmd_dbsize, "dbsize"), ":1\r\n"));
    CHECK(is(CALL_ALL(cmd_swapdb, "swapdb", "x", "7"), "-ERR invalid first DB index\r\n"));
    CHECK(is(CALL(cmd_expire, "expire", "c", "10", "NX", "XX"),
             "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"));
    CHECK(is(CALL(cmd_expire, "expire", "c", "10", "GT", "LT"),
             "-ERR GT and LT options at the same time are not compatible\r\n"));
    CHECK(is(CALL(cmd_expire, "expire", "c", "10", "foo"), "-ERR Unsupported option foo\r\n"));
    CHECK(is(CALL(cmd_expire, "expire", "c", "9223372036854775807"),
             "-ERR invalid expire time in 'expire' command\r\n"));
    CHECK(is(CALL(cmd_expire, "expire", "c", "-1"), ":1\r\n")); /* the past deletes */
    CHECK(is(CALL(cmd_ttl, "ttl", "c"), ":-2\r\n"));
    CHECK(is(CALL_ALL(cmd_flushall, "flushall", "async"), "+OK\r\n"));
    CHECK(is(CALL_ALL(cmd_dbsize, "dbsize"), ":0\r\n"));
    fixture_done();
}

/* Parse "*2\r\n$N\r\n<cursor>\r\n*M\r\n($L\r\n<key>\r\n)*" from out[]. */
static uint64_t scan_reply(unsigned char *seen, int nkeys, unsigned *returned)
{
    const char *p = out;
    uint64_t cursor = 0;
    if (sscanf(p, "*2\r\n$%*d\r\n%" SCNu64, &cursor) != 1) return UINT64_MAX;
    p = strstr(p + 4, "\r\n*");
    if (!p) return UINT64_MAX;
    int m = atoi(p + 3);
    p = strchr(p + 3, '\n') + 1;
    for (int i = 0; i < m; i++) {
        int len = atoi(p + 1);
        p = strchr(p, '\n') + 1;
        int id;
        if (sscanf(p, "key:%d", &id) == 1 && id >= 0 && id < nkeys && len > 0) seen[id]++;
        p += len + 2;
        (*returned)++;
    }
    return cursor;
}

static void test_cmd_scan_across_shards(void)
{
    static const unsigned shard_counts[] = {1, 16, 256};
    for (size_t t = 0; t < sizeof(shard_counts) / sizeof(shard_counts[0]); t++) {
        fixture(shard_counts[t]);
        cur_db = 0;
        enum { N = 3000 };
        char kb[32];
        struct cmdctx c = ctx(0);
        for (int i = 0; i < N; i++) {
            snprintf(kb, sizeof(kb), "key:%d", i);
            struct sarg a = S(kb);
            REQUIRE(db_add(&c, 0, &a, obj_string_from_int(i)));
        }
        unsigned char seen[N] = {0};
        uint64_t cursor = 0;
        unsigned calls = 0, returned = 0, churn = 0;
        do {
            char cb[24];
            snprintf(cb, sizeof(cb), "%" PRIu64, cursor);
            CALL_ALL(cmd_scan, "scan", cb, "COUNT", "7");
            cursor = scan_reply(seen, N, &returned);
            REQUIRE(cursor != UINT64_MAX);
            /* churn between calls: other keys come and go, tables resize */
            for (int k = 0; k < 40; k++) {
                snprintf(kb, sizeof(kb), "tmp:%u", churn++ % 4000);
                struct sarg a = S(kb);
                if (!db_delete(&c, 0, &a)) db_add(&c, 0, &a, obj_string_from_int(k));
            }
            calls++;
        } while (cursor != 0 && calls < 100000);
        int missing = 0;
        for (int i = 0; i < N; i++) missing += seen[i] == 0;
        CHECK(missing == 0);
        CHECK(cursor == 0);
        fixture_done();
    }
}

int main(void)
{
    run("string_encodings", test_string_encodings);
    run("string_conversions", test_string_conversions);
    run("lfu", test_lfu);
    run("slots", test_slots);
    run("db_basic", test_db_basic);
    run("xindex", test_xindex);
    run("lazy_expiry", test_lazy_expiry);
    run("active_expiry", test_active_expiry);
    run("reply_resp2", test_reply_resp2);
    run("reply_resp3", test_reply_resp3);
    run("reply_large_and_partial", test_reply_large_and_partial);
    run("str_to_ll", test_str_to_ll);
    run("str_match", test_str_match);
    run("cmd_encodings", test_cmd_encodings);
    run("cmd_lcs", test_cmd_lcs);
    run("cmd_moves", test_cmd_moves);
    run("cmd_scan_across_shards", test_cmd_scan_across_shards);
    printf("test_store: %u passed, %u failed (%u checks, %u failed)\n", tests_passed, tests_failed,
           checks, checks_failed);
    return tests_failed ? 1 : 0;
}
