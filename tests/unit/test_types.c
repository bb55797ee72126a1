/* test_types.c — hash, set and sorted-set encodings and their conversions,
 * driven through the command handlers as the dispatcher would.
 *
 * At every threshold (entries and value size, for each type, with the
 * thresholds lowered and at their defaults) the value is checked before and
 * after the conversion: OBJECT ENCODING names the encoding Redis 7.0 would
 * report, and every element is still there, in the same order where the
 * encoding is ordered (listpack hashes keep insertion order; sorted sets
 * keep (score, member) order in both encodings).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "t_hash.h"
#include "t_set.h"
#include "tunables.h"
#include "check.h"

static struct keyspace ks;
static struct reply rbuf;
static struct wstats wst;
static char out[1 << 20];

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

typedef void (*handler)(struct cmdctx *);
void cmd_hset(struct cmdctx *c);
void cmd_hgetall(struct cmdctx *c);
void cmd_sadd(struct cmdctx *c);
void cmd_smembers(struct cmdctx *c);
void cmd_zadd(struct cmdctx *c);
void cmd_zrange(struct cmdctx *c);
void cmd_object_encoding(struct cmdctx *c);
void cmd_del(struct cmdctx *c);

/* Call with a NULL-terminated argument list. */
static const char *call(handler fn, const char **argv)
{
    static struct sarg a[4096];
    int argc = 0;
    while (argv[argc]) {
        a[argc].p = argv[argc];
        a[argc].len = strlen(argv[argc]);
        argc++;
    }
    struct cmdctx c = {.argc = argc,
                       .argv = a,
                       .r = &rbuf,
                       .ks = &ks,
                       .db = 0,
                       .now_ms = store_mstime(),
                       .st = &wst,
                       .max_bulk = 512LL << 20};
    ks_lock_all(&ks);
    fn(&c);
    ks_unlock_all(&ks);
    return take();
}

static const char *encoding(const char *key)
{
    const char *argv[] = {"OBJECT", "ENCODING", key, NULL};
    const char *r = call(cmd_object_encoding, argv);
    static char buf[32];
    const char *p = strchr(r, '\n');
    snprintf(buf, sizeof(buf), "%.*s", p ? (int)strcspn(p + 1, "\r") : 0, p ? p + 1 : "");
    return buf;
}

static void del(const char *key)
{
    const char *argv[] = {"DEL", key, NULL};
    call(cmd_del, argv);
}

/* Element names and the expected RESP reply of the whole value. */
static char names[1200][80];

static void make_names(int n, size_t len, char prefix)
{
    for (int i = 0; i < n; i++) {
        memset(names[i], prefix, sizeof(names[i]));
        int k = snprintf(names[i], sizeof(names[i]), "%c%d", prefix, i);
        names[i][k] = prefix;
        names[i][len < (size_t)k ? (size_t)k : len] = '\0';
    }
}

/* ---- hashes ---- */

static void check_hash(int n, const char *enc)
{
    CHECK(strcmp(encoding("h"), enc) == 0);
    const char *argv[] = {"HGETALL", "h", NULL};
    const char *r = call(cmd_hgetall, argv);
    char hdr[32];
    snprintf(hdr, sizeof(hdr), "*%d\r\n", 2 * n);
    CHECK(strncmp(r, hdr, strlen(hdr)) == 0);
    bool ordered = strcmp(enc, "listpack") == 0;
    const char *pos = r;
    for (int i = 0; i < n; i++) {
        char item[200];
        snprintf(item, sizeof(item), "\r\n%s\r\n$%zu\r\n%s\r\n", names[i], strlen(names[i]),
                 names[i]);
        const char *f = strstr(ordered ? pos : r, item);
        CHECK(f != NULL);
        if (f && ordered) pos = f + 1;
    }
}

static void hash_boundaries(void)
{
    /* entries: up to the limit stays listpack, one more converts */
    const long long limits[] = {1, 2, 16, 512};
    for (int li = 0; li < 4; li++) {
        long long lim = limits[li];
        store_tun.hash_max_listpack_entries = lim;
        make_names((int)lim + 1, 0, 'f');
        del("h");
        for (int i = 0; i <= lim; i++) {
            const char *argv[] = {"HSET", "h", names[i], names[i], NULL};
            call(cmd_hset, argv);
            check_hash(i + 1, i + 1 <= lim ? "listpack" : "hashtable");
        }
    }
    store_tun.hash_max_listpack_entries = 512;
    /* value size: exactly hash-max-listpack-value bytes stays listpack */
    const long long vals[] = {2, 8, 64};
    for (int vi = 0; vi < 3; vi++) {
        store_tun.hash_max_listpack_value = vals[vi];
        del("h");
        make_names(3, (size_t)vals[vi], 'v');
        for (int i = 0; i < 2; i++) {
            const char *argv[] = {"HSET", "h", names[i], names[i], NULL};
            call(cmd_hset, argv);
        }
        check_hash(2, "listpack");
        make_names(3, (size_t)vals[vi] + 1, 'v');
        const char *argv[] = {"HSET", "h", names[2], names[2], NULL};
        call(cmd_hset, argv);
        CHECK(strcmp(encoding("h"), "hashtable") == 0);
    }
    store_tun.hash_max_listpack_value = 64;
}

/* ---- sets ---- */

static void set_boundaries(void)
{
    const long long limits[] = {1, 2, 100, 512};
    for (int li = 0; li < 4; li++) {
        long long lim = limits[li];
        store_tun.set_max_intset_entries = lim;
        del("s");
        for (long long i = 0; i <= lim; i++) {
            char v[24];
            snprintf(v, sizeof(v), "%lld", lim - i); /* descending: intset sorts */
            const char *argv[] = {"SADD", "s", v, NULL};
            call(cmd_sadd, argv);
            CHECK(strcmp(encoding("s"), i + 1 <= lim ? "intset" : "hashtable") == 0);
        }
        const char *argv[] = {"SMEMBERS", "s", NULL};
        const char *r = call(cmd_smembers, argv);
        char hdr[32];
        snprintf(hdr, sizeof(hdr), "*%lld\r\n", lim + 1);
        CHECK(strncmp(r, hdr, strlen(hdr)) == 0);
        for (long long i = 0; i <= lim; i++) {
            char item[48];
            snprintf(item, sizeof(item), "\r\n%lld\r\n", i);
            CHECK(strstr(r, item) != NULL);
        }
    }
    store_tun.set_max_intset_entries = 512;
    /* a non-integer converts at once; so does a non-canonical one */
    del("s");
    const char *a1[] = {"SADD", "s", "1", "2", NULL};
    call(cmd_sadd, a1);
    CHECK(strcmp(encoding("s"), "intset") == 0);
    const char *a2[] = {"SADD", "s", "01", NULL};
    call(cmd_sadd, a2);
    CHECK(strcmp(encoding("s"), "hashtable") == 0);
    /* the intset keeps int64 extremes */
    del("s");
    const char *a3[] = {"SADD", "s", "9223372036854775807", "-9223372036854775808", "0", NULL};
    call(cmd_sadd, a3);
    CHECK(strcmp(encoding("s"), "intset") == 0);
    const char *a4[] = {"SMEMBERS", "s", NULL};
    CHECK(strcmp(call(cmd_smembers, a4), "*3\r\n$20\r\n-9223372036854775808\r\n$1\r\n0\r\n"
                                         "$19\r\n9223372036854775807\r\n") == 0);
}

/* ---- sorted sets ---- */

static void check_zset(int n, const char *enc)
{
    CHECK(strcmp(encoding("z"), enc) == 0);
    const char *argv[] = {"ZRANGE", "z", "0", "-1", "WITHSCORES", NULL};
    const char *r = call(cmd_zrange, argv);
    char hdr[32];
    snprintf(hdr, sizeof(hdr), "*%d\r\n", 2 * n);
    CHECK(strncmp(r, hdr, strlen(hdr)) == 0);
    /* elements were added with score -i: expect names[n-1] first */
    const char *pos = r;
    for (int i = n - 1; i >= 0; i--) {
        char item[200];
        char sc[24];
        snprintf(sc, sizeof(sc), "%d", -i);
        snprintf(item, sizeof(item), "$%zu\r\n%s\r\n$%zu\r\n%s\r\n", strlen(names[i]), names[i],
                 strlen(sc), sc);
        const char *f = strstr(pos, item);
        CHECK(f != NULL);
        if (f) pos = f + 1;
    }
}

static void zset_boundaries(void)
{
    const long long limits[] = {1, 2, 16, 128};
    for (int li = 0; li < 4; li++) {
        long long lim = limits[li];
        store_tun.zset_max_listpack_entries = lim;
        make_names((int)lim + 1, 0, 'm');
        del("z");
        for (int i = 0; i <= lim; i++) {
            char sc[24];
            snprintf(sc, sizeof(sc), "%d", -i);
            const char *argv[] = {"ZADD", "z", sc, names[i], NULL};
            call(cmd_zadd, argv);
            check_zset(i + 1, i + 1 <= lim ? "listpack" : "skiplist");
        }
    }
    store_tun.zset_max_listpack_entries = 128;
    const long long vals[] = {2, 64};
    for (int vi = 0; vi < 2; vi++) {
        store_tun.zset_max_listpack_value = vals[vi];
        del("z");
        make_names(2, (size_t)vals[vi], 'm');
        for (int i = 0; i < 2; i++) {
            char sc[24];
            snprintf(sc, sizeof(sc), "%d", -i);
            const char *argv[] = {"ZADD", "z", sc, names[i], NULL};
            call(cmd_zadd, argv);
        }
        check_zset(2, "listpack");
        make_names(3, (size_t)vals[vi] + 1, 'm');
        const char *argv[] = {"ZADD", "z", "-2", names[2], NULL};
        call(cmd_zadd, argv);
        CHECK(strcmp(encoding("z"), "skiplist") == 0);
        /* a new key whose members are too long starts as a skiplist */
        const char *a2[] = {"ZADD", "z2", "1", names[2], NULL};
        call(cmd_zadd, a2);
        CHECK(strcmp(encoding("z2"), "skiplist") == 0);
        del("z2");
    }
    store_tun.zset_max_listpack_value = 64;
}

int main(void)
{
    if (ks_init(&ks, 4, 16) != 0) return 2;
    reply_init(&rbuf);
    hash_boundaries();
    set_boundaries();
    zset_boundaries();
    ks_destroy(&ks);
    reply_release(&rbuf);
    printf("types: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
