/* test_rdb.c — the RDB building blocks: CRC64 (Redis's check values), LZF
 * (round trips, Redis's bytes for a known input, refusals), SHA-1 (FIPS
 * vectors), the length and string encodings, DUMP payloads of every type
 * and encoding read back into the same value and encoding, the old
 * ziplist/zipmap/intset-as-set forms, and damaged payloads: cut at every
 * byte and with bytes flipped, a payload must be refused or read, never
 * crash (run under AddressSanitizer by tests/run.sh). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "db.h"
#include "digest.h"
#include "listpack.h"
#include "lzf.h"
#include "quicklist.h"
#include "rdb.h"
#include "sha1.h"
#include "tunables.h"
#include "check.h"

static struct keyspace ks;
static struct reply rbuf;
static struct wstats wst;

typedef void (*handler)(struct cmdctx *);
void cmd_set(struct cmdctx *c);
void cmd_rpush(struct cmdctx *c);
void cmd_sadd(struct cmdctx *c);
void cmd_hset(struct cmdctx *c);
void cmd_zadd(struct cmdctx *c);
void cmd_append(struct cmdctx *c);

static void call(handler fn, int argc, const char **argv)
{
    static struct sarg a[4096];
    for (int i = 0; i < argc; i++) {
        a[i].p = argv[i];
        a[i].len = strlen(argv[i]);
    }
    struct cmdctx c = {.argc = argc,
                       .argv = a,
                       .r = &rbuf,
                       .ks = &ks,
                       .now_ms = store_mstime(),
                       .st = &wst,
                       .max_bulk = 512LL << 20};
    ks_lock_all(&ks);
    fn(&c);
    ks_unlock_all(&ks);
    reply_consume(&rbuf, rbuf.pending);
}

static struct kentry *entry(const char *key)
{
    struct cmdctx c = {.ks = &ks, .now_ms = store_mstime()};
    struct sarg k = {key, strlen(key)};
    return db_lookup_quiet(&c, 0, &k);
}

static void hex_eq(const unsigned char *got, size_t n, const char *want_hex)
{
    char buf[1024];
    size_t i;
    for (i = 0; i < n && 2 * i + 2 < sizeof(buf); i++) snprintf(buf + 2 * i, 3, "%02x", got[i]);
    buf[2 * i] = '\0';
    if (strcmp(buf, want_hex) != 0) fprintf(stderr, "  got  %s\n  want %s\n", buf, want_hex);
    CHECK(strcmp(buf, want_hex) == 0);
}

static void test_crc64(void)
{
    CHECK(crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    /* Redis's crc64.c test: the text with its terminating NUL */
    static const char li[] =
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
        "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
        "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure "
        "dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. "
        "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt "
        "mollit anim id est laborum.";
    CHECK(crc64(0, li, sizeof(li)) == 0xc7794709e69683b3ULL);
    /* continuing across calls, at every split and alignment */
    for (size_t cut = 0; cut <= sizeof(li); cut++)
        CHECK(crc64(crc64(0, li, cut), li + cut, sizeof(li) - cut) == 0xc7794709e69683b3ULL);
    CHECK(crc64(0, "", 0) == 0);
}

static void test_sha1(void)
{
    unsigned char d[20];
    sha1("abc", 3, d);
    hex_eq(d, 20, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sha1("", 0, d);
    hex_eq(d, 20, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha1(m, strlen(m), d);
    hex_eq(d, 20, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    /* a million 'a', fed in uneven pieces */
    struct sha1 s;
    sha1_init(&s);
    char a[997];
    memset(a, 'a', sizeof(a));
    size_t left = 1000000;
    while (left) {
        size_t n = left < 997 ? left : (left % 7) + 1;
        sha1_update(&s, a, n);
        left -= n;
    }
    sha1_final(&s, d);
    hex_eq(d, 20, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_lzf(void)
{
    /* redis-server 7.0.15: DUMP of SET k <24 x 'a'> carries these bytes */
    unsigned char in[70000], out[80000], back[70000];
    memset(in, 'a', 24);
    size_t n = lzf_compress(in, 24, out, 20);
    hex_eq(out, n, "016161e00b00016161");
    CHECK(lzf_decompress(out, n, back, 24) == 24 && memcmp(back, in, 24) == 0);
    /* round trips over data of every compressibility and many sizes */
    unsigned seed = 7;
    for (int round = 0; round < 400; round++) {
        size_t len = (size_t)(rand_r(&seed) % (round < 300 ? 600 : 70000)) + 1;
        int alphabet = 1 + rand_r(&seed) % 256;
        for (size_t i = 0; i < len; i++) {
            if (i > 8 && rand_r(&seed) % 3 == 0)
                in[i] = in[i - 1 - (size_t)rand_r(&seed) % (i < 300 ? i : 300)];
            else
                in[i] = (unsigned char)(rand_r(&seed) % alphabet);
        }
        size_t c = lzf_compress(in, len, out, sizeof(out));
        CHECK(c > 0);
        CHECK(lzf_decompress(out, c, back, len) == len && memcmp(back, in, len) == 0);
        /* no room: 0, as Redis then stores the bytes as they are */
        if (c > 1) CHECK(lzf_compress(in, len, out, c - 1) == 0);
        /* a decompression target too small, and truncated input */
        if (len > 1) CHECK(lzf_decompress(out, c, back, len - 1) == 0);
        if (c > 1) CHECK(lzf_decompress(out, c - 1, back, len) != len);
    }
    /* a back reference before the start of the output */
    const unsigned char bad[] = {0x20, 0x05};
    CHECK(lzf_decompress(bad, sizeof(bad), back, 100) == 0);
    const unsigned char trunc[] = {0x05, 'a', 'b'};
    CHECK(lzf_decompress(trunc, sizeof(trunc), back, 100) == 0);
}

static void test_encodings(void)
{
    struct rdb_out o;
    rdb_out_mem(&o, true);
    rdb_write_len(&o, 63);
    rdb_write_len(&o, 64);
    rdb_write_len(&o, 16383);
    rdb_write_len(&o, 16384);
    rdb_write_len(&o, 0x100000000ULL);
    hex_eq(o.buf, o.len,
           "3f40407fff80000040008100000001000000"
           "00");
    rdb_out_free(&o);
    /* strings: Redis's rdbSaveRawString choices */
    struct {
        const char *s, *hex;
    } cases[] = {
        {"123", "c07b"},
        {"-1", "c0ff"},
        {"-128", "c080"},
        {"128", "c18000"},
        {"32767", "c1ff7f"},
        {"2147483647", "c2ffffff7f"},
        {"-2147483648", "c200000080"},
        {"2147483648", "0a32313437343833363438"},
        {"0123", "0430313233"},
        {"-0", "022d30"},
        {"+1", "022b31"},
        {"", "00"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rdb_out_mem(&o, true);
        rdb_write_string(&o, cases[i].s, strlen(cases[i].s));
        hex_eq(o.buf, o.len, cases[i].hex);
        struct rdb_in in;
        rdb_in_mem(&in, o.buf, o.len, false);
        size_t l;
        const char *back = rdb_read_str(&in, &l);
        CHECK(back && l == strlen(cases[i].s) && memcmp(back, cases[i].s, l) == 0);
        rdb_in_free(&in);
        rdb_out_free(&o);
    }
    /* LZF only past 20 bytes, only when it saves 4, only with compression */
    char s21[22];
    memset(s21, 'z', 21);
    rdb_out_mem(&o, true);
    rdb_write_string(&o, s21, 21);
    CHECK(o.len > 0 && o.buf[0] == 0xC3);
    rdb_out_free(&o);
    rdb_out_mem(&o, false);
    rdb_write_string(&o, s21, 21);
    CHECK(o.len == 22 && o.buf[0] == 21);
    rdb_out_free(&o);
    rdb_out_mem(&o, true);
    rdb_write_string(&o, s21, 20);
    CHECK(o.len == 21 && o.buf[0] == 20);
    rdb_out_free(&o);
}

/* Build a key with a handler; NULL-terminated arguments after the name. */
static void make(handler fn, const char *cmd, const char *key, const char *first, ...)
{
    const char *argv[4096];
    int argc = 0;
    argv[argc++] = cmd;
    argv[argc++] = key;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) argv[argc++] = a;
    va_end(ap);
    call(fn, argc, argv);
}

static char numbuf[4096][24];

/* Many elements: "prefix<i>" (and for pairs a value after each). */
static void make_many(handler fn, const char *cmd, const char *key, int n, bool pairs,
                      const char *prefix)
{
    const char *argv[4096];
    int argc = 0;
    argv[argc++] = cmd;
    argv[argc++] = key;
    for (int i = 0; i < n && argc < 4000; i++) {
        snprintf(numbuf[i], sizeof(numbuf[i]), "%s%d", prefix, i);
        argv[argc++] = numbuf[i];
        if (pairs) argv[argc++] = numbuf[i];
    }
    call(fn, argc, argv);
}

/* DUMP -> RESTORE's reader: the same encoding and the same digest. */
static void roundtrip(const char *key, const char *enc)
{
    struct kentry *e = entry(key);
    REQUIRE(e);
    if (strcmp(obj_enc_name(e->val), enc) != 0)
        fprintf(stderr, "  %s: encoding %s, want %s\n", key, obj_enc_name(e->val), enc);
    CHECK(strcmp(obj_enc_name(e->val), enc) == 0);
    for (int compress = 0; compress < 2; compress++) {
        struct rdb_out o;
        REQUIRE(rdb_dump_payload(&o, e->val, compress));
        CHECK(rdb_verify_payload(o.buf, o.len));
        struct rdb_in in;
        rdb_in_mem(&in, o.buf, o.len, true);
        int type = rdb_read_byte(&in);
        CHECK(type == rdb_object_type(e->val));
        int why;
        struct sobj *v = rdb_read_object(&in, type, &why);
        if (!v) fprintf(stderr, "  %s: %s\n", key, in.err);
        CHECK(v != NULL);
        if (v) {
            CHECK(strcmp(obj_enc_name(v), enc) == 0);
            unsigned char a[20] = {0}, b[20] = {0};
            digest_value(a, e->val, false);
            digest_value(b, v, false);
            CHECK(memcmp(a, b, 20) == 0);
            /* and it writes back to the same bytes */
            struct rdb_out o2;
            REQUIRE(rdb_dump_payload(&o2, v, compress));
            if (v->enc != ENC_HASHTABLE) CHECK(o2.len == o.len && !memcmp(o2.buf, o.buf, o.len));
            rdb_out_free(&o2);
            obj_free(v);
        }
        rdb_in_free(&in);
        /* damage: every truncation is refused; flipped bytes never crash */
        for (size_t cut = 0; cut + 10 < o.len && cut < 3000; cut++) {
            struct rdb_in t;
            rdb_in_mem(&t, o.buf, cut, true);
            int ty = rdb_read_byte(&t);
            struct sobj *x =
                ty >= 0 && rdb_is_object_type(ty) ? rdb_read_object(&t, ty, NULL) : NULL;
            CHECK(x == NULL);
            if (x) obj_free(x);
            rdb_in_free(&t);
        }
        unsigned seed = (unsigned)o.len;
        REQUIRE(o.len > 10);
        for (int k = 0; k < 300; k++) {
            unsigned char *copy = malloc(o.len);
            memcpy(copy, o.buf, o.len);
            size_t at = (size_t)rand_r(&seed) % (o.len - 10);
            copy[at] ^= (unsigned char)(1 + rand_r(&seed) % 255);
            struct rdb_in t;
            rdb_in_mem(&t, copy, o.len - 10, rand_r(&seed) & 1);
            int ty = rdb_read_byte(&t);
            struct sobj *x =
                ty >= 0 && rdb_is_object_type(ty) ? rdb_read_object(&t, ty, NULL) : NULL;
            if (x) {
                unsigned char dg[20] = {0};
                digest_value(dg, x, false); /* walk whatever was accepted */
                obj_free(x);
            }
            rdb_in_free(&t);
            free(copy);
        }
        rdb_out_free(&o);
    }
}

static void test_types(void)
{
    make(cmd_set, "SET", "int", "12345", NULL);
    roundtrip("int", "int");
    make(cmd_set, "SET", "emb", "hello world", NULL);
    roundtrip("emb", "embstr");
    char big[300];
    for (int i = 0; i < 299; i++) big[i] = (char)('a' + i % 7);
    big[299] = '\0';
    make(cmd_set, "SET", "raw", big, NULL);
    roundtrip("raw", "raw");
    make(cmd_rpush, "RPUSH", "list", "a", "b", "1", "-300", "70000", "2147483648", big, NULL);
    roundtrip("list", "quicklist");
    make_many(cmd_rpush, "RPUSH", "biglist", 3000, false, "element-");
    roundtrip("biglist", "quicklist");
    CHECK(((struct quicklist *)entry("biglist")->val->v.ptr)->len > 1);
    make(cmd_sadd, "SADD", "iset", "1", "2", "3", "-70000", NULL);
    roundtrip("iset", "intset");
    make(cmd_sadd, "SADD", "hset", "a", "b", "1", NULL);
    roundtrip("hset", "hashtable");
    make_many(cmd_sadd, "SADD", "bigiset", 600, false, "");
    roundtrip("bigiset", "hashtable");
    make(cmd_hset, "HSET", "hlp", "f", "v", "n", "5", "e", "", NULL);
    roundtrip("hlp", "listpack");
    make_many(cmd_hset, "HSET", "hht", 600, true, "field");
    roundtrip("hht", "hashtable");
    make(cmd_hset, "HSET", "hlong", "f", big, NULL);
    roundtrip("hlong", "hashtable");
    make(cmd_zadd, "ZADD", "zlp", "1", "a", "2.5", "b", "-inf", "c", "1e300", "d", NULL);
    roundtrip("zlp", "listpack");
    make(cmd_zadd, "ZADD", "zsl", "1", big, "2", "x", NULL);
    roundtrip("zsl", "skiplist");
}

/* Old encodings, as Redis 7.0 reads them (RESTORE takes them too). */
static struct sobj *restore_bytes(const unsigned char *p, size_t n, char *err)
{
    struct rdb_in in;
    rdb_in_mem(&in, p, n, true);
    int t = rdb_read_byte(&in);
    struct sobj *v = rdb_read_object(&in, t, NULL);
    if (!v && err) snprintf(err, 256, "%s", in.err);
    rdb_in_free(&in);
    return v;
}

static void test_legacy(void)
{
    char err[256] = "";
    /* a ziplist list ["a", 5, 300]: type 10 */
    static const unsigned char zl_list[] = {10,  20, /* type, blob length */
                                            20,  0,    0,    0,    15,
                                            0,   0,    0,    3,    0, /* zlbytes, zltail, len */
                                            0,   1,    'a',           /* "a" */
                                            3,   0xF6,                /* 5 */
                                            2,   0xC0, 0x2c, 0x01,    /* int16 300 */
                                            0xFF};
    struct sobj *v = restore_bytes(zl_list, sizeof(zl_list), err);
    CHECK(v && v->type == OBJ_LIST && ql_count(v->v.ptr) == 3);
    if (!v) fprintf(stderr, "  ziplist list: %s\n", err);
    obj_free(v);
    /* the same ziplist as a hash would have an odd count: refused */
    unsigned char zl_hash[sizeof(zl_list)];
    memcpy(zl_hash, zl_list, sizeof(zl_list));
    zl_hash[0] = 13;
    CHECK(restore_bytes(zl_hash, sizeof(zl_hash), NULL) == NULL);
    /* a zipmap {"f": "vv"}: type 9 */
    static const unsigned char zm[] = {9, 8, 1, 1, 'f', 2, 0, 'v', 'v', 0xFF};
    v = restore_bytes(zm, sizeof(zm), err);
    CHECK(v && v->type == OBJ_HASH && v->enc == ENC_LISTPACK);
    obj_free(v);
    /* a zipmap with a count that lies */
    static const unsigned char zm_bad[] = {9, 8, 2, 1, 'f', 2, 0, 'v', 'v', 0xFF};
    CHECK(restore_bytes(zm_bad, sizeof(zm_bad), NULL) == NULL);
    /* a ziplist whose tail offset is wrong */
    unsigned char zl_bad[sizeof(zl_list)];
    memcpy(zl_bad, zl_list, sizeof(zl_list));
    zl_bad[6] = 14;
    CHECK(restore_bytes(zl_bad, sizeof(zl_bad), NULL) == NULL);
    /* an intset with values out of order, and a duplicate */
    static const unsigned char is_bad[] = {11, 12, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0};
    CHECK(restore_bytes(is_bad, sizeof(is_bad), NULL) == NULL);
    /* the old SET (type 2) with a duplicate member */
    static const unsigned char set_dup[] = {2, 2, 1, 'a', 1, 'a'};
    CHECK(restore_bytes(set_dup, sizeof(set_dup), NULL) == NULL);
    /* an old ZSET (type 3) with ASCII scores: {"a": 1.5, "b": +inf} */
    static const unsigned char zset1[] = {3, 2, 1, 'a', 3, '1', '.', '5', 1, 'b', 254};
    v = restore_bytes(zset1, sizeof(zset1), err);
    CHECK(v && v->type == OBJ_ZSET && v->enc == ENC_LISTPACK);
    obj_free(v);
    /* a hash listpack with a duplicate field: refused when deep */
    unsigned char *lp = lp_new(0);
    lp = lp_append(lp, "f", 1);
    lp = lp_append(lp, "1", 1);
    lp = lp_append(lp, "f", 1);
    lp = lp_append(lp, "2", 1);
    unsigned char buf[64];
    buf[0] = 16;
    buf[1] = (unsigned char)lp_bytes(lp);
    memcpy(buf + 2, lp, lp_bytes(lp));
    CHECK(restore_bytes(buf, 2 + lp_bytes(lp), NULL) == NULL);
    struct rdb_in in;
    rdb_in_mem(&in, buf, 2 + lp_bytes(lp), false);
    int t = rdb_read_byte(&in);
    v = rdb_read_object(&in, t, NULL);
    CHECK(v != NULL); /* Redis takes it without sanitization */
    obj_free(v);
    rdb_in_free(&in);
    lp_free(lp);
    /* a stream cut after its node count: refused, nothing leaks
     * (test_stream.c has the stream payloads) */
    static const unsigned char stream[] = {19, 0};
    CHECK(restore_bytes(stream, sizeof(stream), err) == NULL);
    /* modules: refused with a clear reason */
    char name[10];
    rdb_module_name(0x7a7a7a7a7a7a7a7aULL, name);
    CHECK(strlen(name) == 9);
}

int main(void)
{
    if (ks_init(&ks, 4, 16) != 0) return 1;
    test_crc64();
    test_sha1();
    test_lzf();
    test_encodings();
    test_types();
    test_legacy();
    printf("test_rdb: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
