/* cmd_server.c — TIME, LASTSAVE, SHUTDOWN and DEBUG.
 *
 * SHUTDOWN asks the control thread to stop the process (srv.shutdown_asap);
 * there is no persistence yet, so nothing is saved first. DEBUG implements
 * the subcommands Redis's test suite and clients lean on; each matches
 * Redis 7.0's argument count exactly, and anything else gets Redis's
 * "unknown subcommand or wrong number of arguments" error. DEBUG carries no
 * key spec, so DEBUG OBJECT and POPULATE take their shard locks themselves.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "db.h"
#include "object.h"
#include "server.h"
#include "session.h"

void cmd_time(struct cmdctx *c);
void cmd_lastsave(struct cmdctx *c);
void cmd_shutdown(struct cmdctx *c);
void cmd_debug(struct cmdctx *c);

void cmd_time(struct cmdctx *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    reply_array(c->r, 2);
    reply_bulk_ll(c->r, (long long)ts.tv_sec);
    reply_bulk_ll(c->r, (long long)(ts.tv_nsec / 1000));
}

/* The start time until a save happens (Redis considers the dataset saved at
 * start-up). */
void cmd_lastsave(struct cmdctx *c)
{
    reply_int(c->r, srv.lastsave);
}

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. Nothing is ever in progress
 * to abort: a shutdown here is immediate. On success Redis exits without a
 * reply; the caller's connection is dropped at once and the control thread
 * stops the workers, which closes every other connection. */
void cmd_shutdown(struct cmdctx *c)
{
    enum { F_NOSAVE = 1, F_SAVE = 2, F_NOW = 4, F_FORCE = 8 };
    int flags = 0;
    bool do_abort = false;
    for (int i = 1; i < c->argc; i++) {
        const struct sarg *a = &c->argv[i];
        if (arg_is(a, "nosave"))
            flags |= F_NOSAVE;
        else if (arg_is(a, "save"))
            flags |= F_SAVE;
        else if (arg_is(a, "now"))
            flags |= F_NOW;
        else if (arg_is(a, "force"))
            flags |= F_FORCE;
        else if (arg_is(a, "abort"))
            do_abort = true;
        else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    if ((do_abort && flags) || ((flags & F_NOSAVE) && (flags & F_SAVE))) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    if (do_abort) {
        reply_error(c->r, "ERR No shutdown in progress.");
        return;
    }
    atomic_store(&srv.shutdown_asap, 1);
    ctx_session(c)->flags |= SF_CLOSE_ASAP;
}

/* ------------------------------------------------------------------------ */
/* DEBUG */

/* A NUL-terminated copy of a short argument (for strtod/atoi-style parses,
 * which Redis applies to these arguments). */
static const char *arg_cstr(const struct sarg *a, char *buf, size_t len)
{
    size_t n = a->len < len - 1 ? a->len : len - 1;
    memcpy(buf, a->p, n);
    buf[n] = '\0';
    return buf;
}

/* Redis's memtoull: digits then an optional unit b k kb m mb g gb. */
static bool parse_memtoull(const struct sarg *a, unsigned long long *out)
{
    char buf[128];
    if (a->len >= sizeof(buf)) return false;
    const char *p = arg_cstr(a, buf, sizeof(buf));
    if (*p == '-') return false;
    const char *u = p;
    while (*u >= '0' && *u <= '9') u++;
    unsigned long long mul;
    if (*u == '\0' || !strcasecmp(u, "b"))
        mul = 1;
    else if (!strcasecmp(u, "k"))
        mul = 1000;
    else if (!strcasecmp(u, "kb"))
        mul = 1024;
    else if (!strcasecmp(u, "m"))
        mul = 1000ULL * 1000;
    else if (!strcasecmp(u, "mb"))
        mul = 1024ULL * 1024;
    else if (!strcasecmp(u, "g"))
        mul = 1000ULL * 1000 * 1000;
    else if (!strcasecmp(u, "gb"))
        mul = 1024ULL * 1024 * 1024;
    else
        return false;
    unsigned long long v = 0;
    for (const char *d = p; d < u; d++) {
        if (v > (ULLONG_MAX - 9) / 10) return false;
        v = v * 10 + (unsigned long long)(*d - '0');
    }
    if (v > ULLONG_MAX / mul) return false;
    *out = v * mul;
    return true;
}

/* Lists do not exist yet; the threshold is kept for when they do (Redis's
 * quicklist packed_threshold, default 1 GiB). */
static size_t quicklist_packed_threshold = 1u << 30;

/* Redis's rdbSaveLen size. */
static size_t rdb_len_size(unsigned long long len)
{
    if (len < (1 << 6)) return 1;
    if (len < (1 << 14)) return 2;
    if (len <= UINT32_MAX) return 5;
    return 9;
}

/* Redis's rdbEncodeInteger size, 0 when v needs more than 32 bits. */
static size_t rdb_int_size(long long v)
{
    if (v >= -(1 << 7) && v <= (1 << 7) - 1) return 2;
    if (v >= -(1 << 15) && v <= (1 << 15) - 1) return 3;
    if (v >= INT32_MIN && v <= INT32_MAX) return 5;
    return 0;
}

/* DEBUG OBJECT's serializedlength: the size of the value in an RDB file
 * (rdbSavedObjectLen). Strings only for now, and without LZF: Redis
 * compresses strings over 20 bytes when that saves space, so for those it
 * may report less. */
static size_t serialized_len(const struct sobj *o)
{
    if (o->type != OBJ_STRING) return 0;
    char buf[24];
    size_t len;
    const char *p = obj_string_bytes(o, buf, &len);
    long long v;
    if (len <= 11 && str_to_ll(p, len, &v)) {
        size_t n = rdb_int_size(v);
        if (n) return n;
    }
    return rdb_len_size(len) + len;
}

static void debug_object(struct cmdctx *c)
{
    const struct sarg *key = &c->argv[2];
    unsigned sh = ks_shard_of(c->ks, key->p, key->len);
    cmd_lock(c, sh);
    struct kentry *e = db_lookup_quiet(c, c->db, key);
    if (!e) {
        cmd_unlock(c, sh);
        reply_errs(c->r, SERR_NOSUCHKEY);
        return;
    }
    const struct sobj *o = e->val;
    bool shared = o->type == OBJ_STRING && o->enc == ENC_INT && o->v.i >= 0 && o->v.i < 10000;
    char line[256];
    snprintf(line, sizeof(line),
             "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%u "
             "lru_seconds_idle:%u",
             (const void *)o, shared ? INT_MAX : 1, obj_enc_name(o), serialized_len(o),
             (unsigned)(o->atime & ((1u << 24) - 1)), (unsigned)(obj_clock - o->atime));
    cmd_unlock(c, sh);
    reply_simple(c->r, line);
}

/* DEBUG POPULATE count [prefix] [size]: keys prefix:0..count-1 (existing
 * ones skipped) holding "value:N", or with size that many bytes of it,
 * zero-padded. Not a write for persistence or replication, as in Redis. */
static void debug_populate(struct cmdctx *c)
{
    long long count, size = 0;
    if (!arg_ll(&c->argv[2], &count) || count < 0) {
        reply_errs(c->r, SERR_NOT_POSITIVE);
        return;
    }
    if (c->argc == 5 && (!arg_ll(&c->argv[4], &size) || size < 0)) {
        reply_errs(c->r, SERR_NOT_POSITIVE);
        return;
    }
    const char *prefix = "key";
    int plen = 3;
    if (c->argc >= 4) {
        prefix = c->argv[3].p;
        plen = c->argv[3].len > 127 ? 127 : (int)c->argv[3].len;
    }
    char *pad = NULL;
    if (size > 0) {
        pad = calloc(1, (size_t)size);
        if (!pad) {
            reply_errs(c->r, SERR_OOM);
            return;
        }
    }
    for (long long j = 0; j < count; j++) {
        char kbuf[128], vbuf[128];
        int kl = snprintf(kbuf, sizeof(kbuf), "%.*s:%lld", plen, prefix, j);
        if (kl >= (int)sizeof(kbuf)) kl = (int)sizeof(kbuf) - 1;
        struct sarg key = {kbuf, (size_t)kl};
        unsigned sh = ks_shard_of(c->ks, kbuf, (size_t)kl);
        cmd_lock(c, sh);
        if (!db_lookup_quiet(c, c->db, &key)) {
            int vl = snprintf(vbuf, sizeof(vbuf), "value:%lld", j);
            struct sobj *v;
            if (size == 0) {
                v = obj_string_new(vbuf, (size_t)vl);
            } else {
                memcpy(pad, vbuf, (size_t)(size < vl ? size : vl));
                v = obj_string_new(pad, (size_t)size);
            }
            if (v && !db_add(c, c->db, &key, v)) obj_free(v);
        }
        cmd_unlock(c, sh);
    }
    free(pad);
    c->dirty = 0;
    reply_ok(c->r);
}

/* DEBUG PROTOCOL <type>: Redis's sample value of each reply type. */
static void debug_protocol(struct cmdctx *c)
{
    const struct sarg *t = &c->argv[2];
    struct reply *r = c->r;
    if (arg_is(t, "string")) {
        reply_bulk_cstr(r, "Hello World");
    } else if (arg_is(t, "integer")) {
        reply_int(r, 12345);
    } else if (arg_is(t, "double")) {
        reply_double(r, 3.141);
    } else if (arg_is(t, "bignum")) {
        static const char big[] = "1234567999999999999999999999999999999";
        reply_bignum(r, big, sizeof(big) - 1);
    } else if (arg_is(t, "null")) {
        reply_null(r);
    } else if (arg_is(t, "array")) {
        reply_array(r, 3);
        for (int j = 0; j < 3; j++) reply_int(r, j);
    } else if (arg_is(t, "set")) {
        reply_set(r, 3);
        for (int j = 0; j < 3; j++) reply_int(r, j);
    } else if (arg_is(t, "map")) {
        reply_map(r, 3);
        for (int j = 0; j < 3; j++) {
            reply_int(r, j);
            reply_bool(r, j == 1);
        }
    } else if (arg_is(t, "attrib")) {
        if (r->resp >= 3) {
            reply_attribute(r, 1);
            reply_bulk_cstr(r, "key-popularity");
            reply_array(r, 2);
            reply_bulk_cstr(r, "key:123");
            reply_int(r, 90);
        }
        /* an attribute is not a reply by itself: a real one follows */
        reply_bulk_cstr(r, "Some real reply following the attribute");
    } else if (arg_is(t, "push")) {
        if (r->resp < 3) {
            reply_error(r, "ERR RESP2 is not supported by this command");
            return;
        }
        reply_push(r, 2);
        reply_bulk_cstr(r, "server-cpu-usage");
        reply_int(r, 42);
        /* and the synchronous reply a client waits for */
        reply_bulk_cstr(r, "Some real reply following the push reply");
    } else if (arg_is(t, "true")) {
        reply_bool(r, true);
    } else if (arg_is(t, "false")) {
        reply_bool(r, false);
    } else if (arg_is(t, "verbatim")) {
        static const char v[] = "This is a verbatim\nstring";
        reply_verbatim(r, v, sizeof(v) - 1, "txt");
    } else {
        reply_error(r, "ERR Wrong protocol type name. Please use one of the following: "
                       "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|"
                       "true|false");
    }
}

/* DEBUG ERROR <string>: the string as an error reply, sent as is (Redis
 * writes it raw, so it is not counted in errorstats). */
static void debug_error(struct cmdctx *c)
{
    const struct sarg *a = &c->argv[2];
    char *tmp = malloc(a->len + 3);
    if (!tmp) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    tmp[0] = '-';
    for (size_t i = 0; i < a->len; i++)
        tmp[i + 1] = (a->p[i] == '\r' || a->p[i] == '\n') ? ' ' : a->p[i];
    tmp[a->len + 1] = '\r';
    tmp[a->len + 2] = '\n';
    reply_raw(c->r, tmp, a->len + 3);
    free(tmp);
}

/* DEBUG SLEEP <seconds>: blocks this worker, as Redis blocks its one
 * thread (tests use it to stall the server on purpose). */
static void debug_sleep(struct cmdctx *c)
{
    char buf[64];
    double secs = strtod(arg_cstr(&c->argv[2], buf, sizeof(buf)), NULL);
    long long us = (long long)(secs * 1000000);
    if (us > 0) {
        struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
    reply_ok(c->r);
}

/* Redis's stringmatchlen fuzzer, shortened: random patterns against random
 * strings must not crash the matcher. */
static void debug_stringmatch_test(struct cmdctx *c)
{
    char str[32], pat[32];
    unsigned seed = (unsigned)store_ustime();
    for (int cycles = 0; cycles < 100000; cycles++) {
        size_t sl = (size_t)rand_r(&seed) % sizeof(str);
        size_t pl = (size_t)rand_r(&seed) % sizeof(pat);
        for (size_t j = 0; j < sl; j++) str[j] = (char)(rand_r(&seed) % 128);
        for (size_t j = 0; j < pl; j++) pat[j] = (char)(rand_r(&seed) % 128);
        (void)str_match(pat, pl, str, sl, false);
    }
    reply_simple(c->r, "Apparently Redis did not crash: test passed");
}

/* DEBUG DATAPLANE-FAULT <kind> <prob> [<seed>]: the data plane's fault
 * injection (tests), through the dataplane-fault-* parameters so CONFIG GET
 * shows it. kind: drop dup reorder delay corrupt, delay-us (prob is then the
 * bound in microseconds), or off (every probability back to 0). */
static void debug_dataplane_fault(struct cmdctx *c)
{
    char kind[32], val[64], seed[32], name[64], err[256];
    arg_cstr(&c->argv[2], kind, sizeof(kind));
    arg_cstr(&c->argv[3], val, sizeof(val));
    for (char *p = kind; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    static const char *const kinds[] = {"drop", "dup", "reorder", "delay", "corrupt"};
    bool known = !strcmp(kind, "off") || !strcmp(kind, "delay-us");
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) known |= !strcmp(kind, kinds[i]);
    if (!known) {
        reply_error(c->r, "ERR kind must be drop, dup, reorder, delay, corrupt, delay-us or off");
        return;
    }
    if (c->argc == 5 &&
        config_set("dataplane-fault-seed", arg_cstr(&c->argv[4], seed, sizeof(seed)), err,
                   sizeof(err)) != 0) {
        reply_errorf(c->r, "ERR %s", err);
        return;
    }
    int rc = 0;
    if (!strcmp(kind, "off")) {
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && rc == 0; i++) {
            snprintf(name, sizeof(name), "dataplane-fault-%s", kinds[i]);
            rc = config_set(name, "0", err, sizeof(err));
        }
    } else {
        snprintf(name, sizeof(name), "dataplane-fault-%s", kind);
        rc = config_set(name, val, err, sizeof(err));
    }
    if (rc != 0)
        reply_errorf(c->r, "ERR %s", err);
    else
        reply_ok(c->r);
}

static void debug_help(struct cmdctx *c)
{
    static const char *const help[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance (no replication yet: no effect).",
        "DATAPLANE-FAULT <kind> <prob> [<seed>]",
        "    Data plane only: inject faults at the port with probability <prob>; <kind>",
        "    is drop, dup, reorder, delay or corrupt; delay-us sets the delay bound",
        "    (microseconds) and off clears them all (<prob> is then ignored).",
        "ERROR <string>",
        "    Reply with <string> as an error, for testing clients.",
        "OBJECT <key>",
        "    Show low level details of <key> and its value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named <prefix>:<num> (default prefix 'key'),",
        "    leaving existing keys alone. With <size>, values are <size> bytes long.",
        "PROTOCOL <type>",
        "    Reply with a sample value of a reply type. <type> is one of: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    0 stops expiring keys in the background (they still expire when",
        "    accessed); 1 starts it again.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Size from which list elements are stored as plain nodes (0 restores the",
        "    default of 1GB; at most 4GB).",
        "SLEEP <seconds>",
        "    Stall the worker serving this connection for <seconds> (decimals allowed).",
        "STRINGMATCH-TEST",
        "    Fuzz the glob matcher with random patterns.",
        "CONFIG-REWRITE-FORCE-ALL",
        "    Like CONFIG REWRITE, but write every parameter, defaults included.",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof(help) / sizeof(help[0]);
    reply_array(c->r, (long)n);
    for (size_t i = 0; i < n; i++) reply_simple(c->r, help[i]);
}

void cmd_debug(struct cmdctx *c)
{
    const struct sarg *sub = &c->argv[1];
    int argc = c->argc;
    if (argc == 2 && arg_is(sub, "help")) {
        debug_help(c);
    } else if (argc == 3 && arg_is(sub, "object")) {
        debug_object(c);
    } else if (argc >= 3 && argc <= 5 && arg_is(sub, "populate")) {
        debug_populate(c);
    } else if (argc == 3 && arg_is(sub, "protocol")) {
        debug_protocol(c);
    } else if (argc == 3 && arg_is(sub, "sleep")) {
        debug_sleep(c);
    } else if (argc == 3 && arg_is(sub, "set-active-expire")) {
        char buf[32];
        cfg.active_expire = atoi(arg_cstr(&c->argv[2], buf, sizeof(buf)));
        reply_ok(c->r);
    } else if (argc == 3 && arg_is(sub, "quicklist-packed-threshold")) {
        unsigned long long sz;
        if (!parse_memtoull(&c->argv[2], &sz) || sz > (1ULL << 32) - (1ULL << 20)) {
            reply_error(c->r, "ERR argument must be a memory value bigger than 1 and smaller "
                              "than 4gb");
            return;
        }
        quicklist_packed_threshold = sz ? (size_t)sz : (size_t)1 << 30;
        reply_ok(c->r);
    } else if (argc == 3 && arg_is(sub, "error")) {
        debug_error(c);
    } else if (argc == 2 && arg_is(sub, "change-repl-id")) {
        reply_ok(c->r);
    } else if ((argc == 4 || argc == 5) && arg_is(sub, "dataplane-fault")) {
        debug_dataplane_fault(c);
    } else if (argc == 2 && arg_is(sub, "stringmatch-test")) {
        debug_stringmatch_test(c);
    } else if (argc == 2 && arg_is(sub, "config-rewrite-force-all")) {
        char err[512];
        if (config_rewrite(true, err, sizeof(err)) != 0)
            reply_errorf(c->r, "ERR CONFIG-REWRITE-FORCE-ALL failed: %s", err);
        else
            reply_ok(c->r);
    } else {
        reply_errorf(c->r,
                     "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try "
                     "DEBUG HELP.",
                     arg_cstr(sub, (char[130]){0}, 130));
    }
}
