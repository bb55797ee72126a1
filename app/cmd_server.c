/* cmd_server.c — TIME, SAVE, BGSAVE, LASTSAVE, SHUTDOWN and DEBUG.
 *
 * SAVE runs the synchronous save (control/persist.h) on this worker with
 * every shard lock held, as Redis's SAVE blocks its server; BGSAVE hands the
 * same save to the control thread (TEMPORARY: until the forkless snapshot,
 * writers wait while it runs). SHUTDOWN saves first when save points are set
 * (or SAVE is given), holding writes meanwhile, then asks the control thread
 * to stop the process (srv.shutdown_asap). DEBUG implements
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

#include "aof.h"
#include "cmd.h"
#include "config.h"
#include "control.h"
#include "db.h"
#include "digest.h"
#include "gatecheck.h"
#include "object.h"
#include "persist.h"
#include "rdb.h"
#include "server.h"
#include "session.h"
#include "tunables.h"

void cmd_time(struct cmdctx *c);
void cmd_save(struct cmdctx *c);
void cmd_bgsave(struct cmdctx *c);
void cmd_bgrewriteaof(struct cmdctx *c);
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

/* SAVE: the whole keyspace to dir/dbfilename, now. */
void cmd_save(struct cmdctx *c)
{
    if (!persist_claim()) {
        reply_errs(c->r, SERR_BGSAVE_IN_PROGRESS);
        return;
    }
    char err[2048];
    cmd_lock_all(c);
    int rc = persist_save_locked(c->ks, PERSIST_KIND_SAVE, err, sizeof(err));
    cmd_unlock_all(c);
    persist_release();
    if (rc == 0)
        reply_ok(c->r);
    else
        reply_errs(c->r, SERR_SAVE_FAILED);
}

/* BGSAVE [SCHEDULE]. Inside a transaction the save is scheduled, as in
 * Redis (it starts once EXEC releases the shard locks). */
void cmd_bgsave(struct cmdctx *c)
{
    bool schedule = false;
    if (c->argc > 1) {
        if (c->argc == 2 && arg_is(&c->argv[1], "schedule")) {
            schedule = true;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    if (c->locks_held) {
        persist_bgsave_schedule();
        reply_simple(c->r, "Background saving scheduled");
    } else if (aof_rewrite_in_progress()) {
        /* one snapshot at a time (the AOF's rewrite is one) */
        if (schedule) {
            persist_bgsave_schedule();
            reply_simple(c->r, "Background saving scheduled");
        } else {
            reply_errs(c->r, SERR_BGSAVE_AOF_REWRITING);
        }
    } else if (persist_bgsave_request()) {
        reply_simple(c->r, "Background saving started");
    } else if (schedule) {
        persist_bgsave_schedule();
        reply_simple(c->r, "Background saving scheduled");
    } else {
        reply_errs(c->r, SERR_BGSAVE_IN_PROGRESS);
    }
}

/* BGREWRITEAOF: a new base from a forkless snapshot (control/aof.h); after
 * a BGSAVE when one runs. */
void cmd_bgrewriteaof(struct cmdctx *c)
{
    int rc = aof_request_rewrite();
    if (rc == 0)
        reply_simple(c->r, "Background append only file rewriting started");
    else if (rc == 1)
        reply_simple(c->r, "Background append only file rewriting scheduled");
    else
        reply_errs(c->r, SERR_AOFRW_IN_PROGRESS);
}

/* The start time until a save happens (Redis considers the dataset saved at
 * start-up). */
void cmd_lastsave(struct cmdctx *c)
{
    reply_int(c->r, persist_lastsave());
}

/* Hold every write command (CLIENT PAUSE WRITE with no end) while the final
 * save runs, and after it until the process exits, so no write is
 * acknowledged that the file misses. Returns the previous pause to restore
 * if the shutdown is called off. */
static void hold_writes(int *kind, int64_t *end)
{
    *kind = atomic_load(&srv.pause_kind);
    *end = atomic_load(&srv.pause_end_ms);
    atomic_store(&srv.pause_end_ms, INT64_MAX);
    atomic_store(&srv.pause_kind, PAUSE_WRITE);
}

static void release_writes(int kind, int64_t end)
{
    atomic_store(&srv.pause_end_ms, end);
    atomic_store(&srv.pause_kind, kind);
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
    bool save = (flags & F_SAVE) || (!(flags & F_NOSAVE) && persist_has_save_points());
    if (save) {
        int kind;
        int64_t end;
        hold_writes(&kind, &end);
        ctl_log_any(LOG_NOTICE, "Saving the final RDB snapshot before exiting.");
        char err[2048];
        persist_claim_wait(); /* a background save in progress finishes first */
        cmd_lock_all(c);
        int rc = persist_save_locked(c->ks, PERSIST_KIND_INTERNAL, err, sizeof(err));
        cmd_unlock_all(c);
        persist_release();
        if (rc < 0 && !(flags & F_FORCE)) {
            ctl_log_any(LOG_WARNING, "Error trying to save the DB, can't exit.");
            release_writes(kind, end);
            reply_errs(c->r, SERR_SHUTDOWN_FAILED);
            return;
        }
    }
    atomic_store(&srv.shutdown_by_command, 1);
    atomic_store(&srv.shutdown_asap, 1);
    session_close(ctx_session(c));
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

/* Redis's quicklist packed_threshold (default 1 GiB): accepted and kept;
 * our quicklist has no plain nodes, so nothing reads it. */
static size_t quicklist_packed_threshold = 1u << 30;

/* DEBUG OBJECT's serializedlength: the size of the value's RDB body
 * (rdbSavedObjectLen), LZF compression included. */
static size_t serialized_len(const struct sobj *o)
{
    struct rdb_out w;
    rdb_out_mem(&w, store_tun.rdb_compression != 0);
    rdb_write_object(&w, o);
    size_t n = (size_t)w.total;
    rdb_out_free(&w);
    return n;
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

/* DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] */
static void debug_reload(struct cmdctx *c)
{
    bool merge = false, noflush = false, nosave = false;
    for (int j = 2; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "merge"))
            merge = true;
        else if (arg_is(&c->argv[j], "noflush"))
            noflush = true;
        else if (arg_is(&c->argv[j], "nosave"))
            nosave = true;
        else {
            reply_errs(c->r, SERR_RELOAD_OPTIONS);
            return;
        }
    }
    /* under EXEC every shard lock is ours: a background save waiting for
     * them cannot finish, so do not wait for it */
    if (c->locks_held) {
        if (!persist_claim()) {
            reply_errs(c->r, SERR_BGSAVE_IN_PROGRESS);
            return;
        }
    } else {
        persist_claim_wait();
    }
    cmd_lock_all(c);
    int rc = persist_reload_locked(c->ks, merge, noflush, nosave);
    cmd_unlock_all(c);
    persist_release();
    if (rc == -1)
        reply_errs(c->r, SERR_SAVE_FAILED);
    else if (rc == -2)
        reply_errs(c->r, SERR_RELOAD_LOAD_FAILED);
    else
        reply_ok(c->r);
}

static void debug_digest(struct cmdctx *c)
{
    unsigned char d[DIGEST_LEN];
    char hex[2 * DIGEST_LEN + 1];
    cmd_lock_all(c);
    digest_dataset_locked(c->ks, d);
    cmd_unlock_all(c);
    digest_hex(d, hex);
    reply_simple(c->r, hex);
}

static void debug_digest_value(struct cmdctx *c)
{
    reply_array(c->r, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        const struct sarg *k = &c->argv[j];
        unsigned char d[DIGEST_LEN];
        char hex[2 * DIGEST_LEN + 1];
        unsigned sh = ks_shard_of(c->ks, k->p, k->len);
        cmd_lock(c, sh);
        digest_key_locked(c->ks, c->db, k->p, k->len, d);
        cmd_unlock(c, sh);
        digest_hex(d, hex);
        reply_simple(c->r, hex);
    }
}

/* DEBUG WRITE-GATE-CHECK [ON|OFF|RESET] (ours, store/gatecheck.h): without
 * an argument, the totals: commands checked, entries they changed, changes
 * that bypassed the write gate, and the last command that did. */
static void debug_gate_check(struct cmdctx *c)
{
    if (c->argc == 3) {
        if (arg_is(&c->argv[2], "on")) {
            gatecheck_on = true;
        } else if (arg_is(&c->argv[2], "off")) {
            gatecheck_on = false;
        } else if (arg_is(&c->argv[2], "reset")) {
            gatecheck_reset();
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
        reply_ok(c->r);
        return;
    }
    struct gatecheck_stats s;
    gatecheck_read(&s);
    reply_map(c->r, 5);
    reply_bulk_cstr(c->r, "enabled");
    reply_int(c->r, gatecheck_on);
    reply_bulk_cstr(c->r, "commands");
    reply_int(c->r, (long long)s.commands);
    reply_bulk_cstr(c->r, "changed");
    reply_int(c->r, (long long)s.changed);
    reply_bulk_cstr(c->r, "violations");
    reply_int(c->r, (long long)s.violations);
    reply_bulk_cstr(c->r, "last-violation");
    reply_bulk_cstr(c->r, s.last);
}

static void debug_help(struct cmdctx *c)
{
    static const char *const help[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance (no replication yet: no effect).",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "DATAPLANE-FAULT <kind> <prob> [<seed>]",
        "    Data plane only: inject faults at the port with probability <prob>; <kind>",
        "    is drop, dup, reorder, delay or corrupt; delay-us sets the delay bound",
        "    (microseconds) and off clears them all (<prob> is then ignored).",
        "WRITE-GATE-CHECK [ON|OFF|RESET]",
        "    Check that every entry a command changes passed the write gate first (a",
        "    debug mode; ours). Without an argument: what the check counted.",
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
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Options:",
        "    * MERGE: keys loaded replace the ones with the same name.",
        "    * NOFLUSH: keep the current dataset (with MERGE, the two are merged).",
        "    * NOSAVE: load the RDB file as it is on disk, without saving first.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    0 stops expiring keys in the background (they still expire when",
        "    accessed); 1 starts it again.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Size from which list elements are stored as plain nodes (0 restores the",
        "    default of 1GB; at most 4GB).",
        "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
        "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
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
    } else if (argc >= 2 && arg_is(sub, "reload")) {
        debug_reload(c);
    } else if (argc == 2 && arg_is(sub, "digest")) {
        debug_digest(c);
    } else if (argc >= 2 && arg_is(sub, "digest-value")) {
        debug_digest_value(c);
    } else if (argc == 3 && arg_is(sub, "set-skip-checksum-validation")) {
        char buf[32];
        rdb_skip_checksum = atoi(arg_cstr(&c->argv[2], buf, sizeof(buf))) != 0;
        reply_ok(c->r);
    } else if ((argc == 2 || argc == 3) && arg_is(sub, "write-gate-check")) {
        debug_gate_check(c);
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
