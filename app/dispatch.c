/* dispatch.c — from a parsed request to an executed command.
 *
 * The checks run in Redis's order (processCommand): existence and arity,
 * protected commands, authentication, then execution. Execution locks the
 * shards of the command's keys in ascending order (two-phase locking), runs
 * the handler, unlocks, and accounts: commandstats, errorstats, dirty.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "blocking.h"
#include <rte_cycles.h>

#include "cmdtable.h"
#include "db.h"
#include "multi.h"
#include "config.h"
#include "server.h"
#include "session.h"
#include "worker.h"

const char *dispatch_cmd_name(const struct cmd *cmd)
{
    return cmd->name;
}

static void count_rejected(struct session *s, const struct cmd *cmd, const char *code)
{
    struct worker *w = s->w;
    if (cmd) w->cmdstats[cmd->id].rejected++;
    worker_count_error(w, code);
}

/* "ERR unknown command 'x', with args beginning with: 'a' 'b' " — each
 * argument quoted and followed by a space, the list cut near 128 bytes. */
static void reply_unknown(struct session *s, int argc, const struct sarg *argv)
{
    char args[512];
    size_t off = 0;
    args[0] = '\0';
    for (int i = 1; i < argc && off < 128; i++) {
        int room = (int)(128 - off);
        int n = snprintf(args + off, sizeof(args) - off, "'%.*s' ",
                         (int)(argv[i].len < (size_t)room ? argv[i].len : (size_t)room), argv[i].p);
        if (n < 0) break;
        off += (size_t)n;
        if (off >= sizeof(args)) {
            off = sizeof(args) - 1;
            break;
        }
    }
    char name[129];
    size_t nl = argv[0].len < 128 ? argv[0].len : 128;
    memcpy(name, argv[0].p, nl);
    name[nl] = '\0';
    reply_errorf(&s->out, SERRF_UNKNOWN_CMD, name, args);
    count_rejected(s, NULL, "ERR");
}

static bool arity_ok(const struct cmd *c, int argc)
{
    return c->arity > 0 ? argc == c->arity : argc >= -c->arity;
}

/* Resolve a command (and its subcommand); replies and returns NULL when the
 * request names none, or has the wrong number of arguments. */
static const struct cmd *resolve(struct session *s, int argc, const struct sarg *argv)
{
    const struct cmd *c = cmd_lookup(argv[0].p, argv[0].len);
    if (!c) {
        reply_unknown(s, argc, argv);
        return NULL;
    }
    /* a container needs its subcommand; COMMAND runs alone or with one */
    if ((c->flags & CMD_CONTAINER) || (c->nsubs && argc >= 2)) {
        if (argc < 2) {
            reply_errorf(&s->out, SERRF_ARITY, c->name);
            count_rejected(s, c, "ERR");
            return NULL;
        }
        const struct cmd *sub = cmd_lookup_sub(c, argv[1].p, argv[1].len);
        if (!sub) {
            char name[129], upper[64];
            size_t nl = argv[1].len < 128 ? argv[1].len : 128;
            memcpy(name, argv[1].p, nl);
            name[nl] = '\0';
            /* the container as typed (a renamed one by its new name) */
            size_t i = 0;
            for (; i < argv[0].len && i < sizeof(upper) - 1; i++)
                upper[i] = (char)toupper((unsigned char)argv[0].p[i]);
            upper[i] = '\0';
            reply_errorf(&s->out, SERRF_UNKNOWN_SUB, name, upper);
            count_rejected(s, c, "ERR");
            return NULL;
        }
        c = sub;
    }
    if (!arity_ok(c, argc)) {
        reply_errorf(&s->out, SERRF_ARITY, c->name);
        count_rejected(s, c, "ERR");
        return NULL;
    }
    return c;
}

bool dispatch_is_write(const char *name, size_t len, int argc, const struct resp_arg *argv)
{
    const struct cmd *c = cmd_lookup(name, len);
    if (!c) return false;
    if (c->nsubs && argc > 1) {
        const struct cmd *sub = cmd_lookup_sub(c, argv[1].ptr, argv[1].len);
        if (sub) c = sub;
    }
    return (c->flags & (CMD_WRITE | CMD_MAY_REPLICATE)) != 0;
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Shards of the keys, sorted and unique. */
static int shards_of(struct cmdctx *ctx, const struct cmd *c, int argc, const struct sarg *argv,
                     uint16_t *ids, int *kidx)
{
    int nk = cmd_get_keys(c, argc, argv, kidx, argc);
    if (nk <= 0) return 0;
    /* db_shard_idx memoizes: the store will not hash these keys again */
    for (int i = 0; i < nk; i++) ids[i] = (uint16_t)db_shard_idx(ctx, &argv[kidx[i]]);
    if (nk == 1) return 1;
    if (nk == 2) {
        if (ids[0] == ids[1]) return 1;
        if (ids[0] > ids[1]) {
            uint16_t t = ids[0];
            ids[0] = ids[1];
            ids[1] = t;
        }
        return 2;
    }
    qsort(ids, (size_t)nk, sizeof(ids[0]), cmp_u16);
    int n = 1;
    for (int i = 1; i < nk; i++)
        if (ids[i] != ids[n - 1]) ids[n++] = ids[i];
    return n;
}

static bool debug_allowed(const struct session *s)
{
    if (cfg.enable_debug_command == 1) return true;
    if (cfg.enable_debug_command == 2) return conn_is_local(s->conn);
    return false;
}

void dispatch_command(struct session *s, int argc, const struct resp_arg *rargv)
{
    struct worker *w = s->w;
    if (w->argv_cap < argc) {
        int cap = argc < 64 ? 64 : argc;
        struct sarg *a = realloc(w->argv, sizeof(*a) * (size_t)cap * 2);
        if (!a) {
            reply_errs(&s->out, SERR_OOM);
            return;
        }
        w->argv = a;
        w->argv_cap = cap;
    }
    /* argv[0..argc) then room for key indexes / shard ids in the second half */
    struct sarg *argv = w->argv;
    for (int i = 0; i < argc; i++) {
        argv[i].p = rargv[i].ptr;
        argv[i].len = rargv[i].len;
    }
    w->commands++;

    /* CLIENT REPLY SKIP applies to the command after the SKIP itself */
    if (s->flags & SF_REPLY_SKIP_NEXT) {
        s->flags &= ~SF_REPLY_SKIP_NEXT;
        s->flags |= SF_REPLY_SKIP;
    }
    s->out.off = (s->flags & (SF_REPLY_SKIP | SF_REPLY_OFF)) ? 1 : 0;

    const struct cmd *c = resolve(s, argc, argv);
    if (!c) goto rejected;
    if ((c->flags & CMD_PROTECTED) && !debug_allowed(s)) {
        reply_error(&s->out, "ERR DEBUG command not allowed. If the enable-debug-command option is "
                             "set to \"local\", you can run it from a local connection, otherwise "
                             "you need to set this option in the configuration file, and then "
                             "restart the server.");
        count_rejected(s, c, "ERR");
        goto rejected;
    }
    if (!s->authed && !(c->flags & CMD_NO_AUTH)) {
        if (cfg.requirepass[0]) {
            reply_errs(&s->out, SERR_NOAUTH);
            count_rejected(s, c, "NOAUTH");
            goto rejected;
        }
        s->authed = true; /* the password was removed since */
        s->parser.unauthenticated = false;
    }
    if (multi_queues(s, c)) {
        if (c->flags & CMD_NO_MULTI) {
            reply_errs(&s->out, SERR_NOT_IN_MULTI);
            count_rejected(s, c, "ERR");
            goto rejected;
        }
        multi_queue(s, c, argc, argv);
        goto done;
    }

    struct cmdctx ctx = {
        .argc = argc,
        .argv = argv,
        .r = &s->out,
        .ks = &srv.ks,
        .db = s->db,
        .now_ms = 0,
        .st = &w->st,
        .cmd = c,
        .client = s,
        .max_bulk = cfg.proto_max_bulk_len,
    };

    uint16_t ids_small[16];
    int kidx_small[16];
    uint16_t *ids = ids_small;
    int *kidx = kidx_small;
    if (argc > 16) {
        ids = malloc(sizeof(*ids) * (size_t)argc);
        kidx = malloc(sizeof(*kidx) * (size_t)argc);
        if (!ids || !kidx) {
            free(ids);
            free(kidx);
            reply_errs(&s->out, SERR_OOM);
            goto done;
        }
    }
    int nsh = (c->flags & CMD_ALLSHARDS) ? 0 : shards_of(&ctx, c, argc, argv, ids, kidx);

    uint32_t errs_before = s->out.nerrors;
    uint64_t tsc0 = rte_rdtsc();
    ctx.now_ms = worker_now_us(w, tsc0) / 1000;
    if (nsh == 1)
        ks_lock(&srv.ks, ids[0]);
    else if (nsh > 1)
        ks_lock_set(&srv.ks, ids, nsh);
    c->handler(&ctx);
    if (ctx.blocked) block_session(s, ctx.blocked);
    /* blocked clients waiting for keys this command created are served
     * before anyone else can see the keys (store/blocking.h) */
    for (int i = 0; i < nsh; i++) {
        if (blk_has_ready(&srv.ks.shards[ids[i]])) {
            blk_serve_locked(&srv.ks, ids, nsh, ctx.now_ms, &w->st);
            break;
        }
    }
    if (nsh == 1)
        ks_unlock(&srv.ks, ids[0]);
    else if (nsh > 1)
        ks_unlock_set(&srv.ks, ids, nsh);
    if (blk_deferred_pending()) blk_serve_deferred(&srv.ks, &w->st);
    int64_t dt = (int64_t)((double)(rte_rdtsc() - tsc0) * w->us_per_tsc);
    if (ids != ids_small) {
        free(ids);
        free(kidx);
    }

    struct cmdstat *cs = &w->cmdstats[c->id];
    cs->calls++;
    cs->usec += (uint64_t)dt;
    if (s->out.nerrors - errs_before > ctx.nested_errors) {
        cs->failed++;
        worker_count_error(w, s->out.last_err);
    }
    if (ctx.dirty) {
        w->st.dirty += ctx.dirty;
        /* the ordered write log is appended here (replication/AOF) */
    }
    s->db = ctx.db;
    s->last_cmd = c;
    goto done;
rejected:
    /* a command refused while queueing aborts the transaction */
    multi_flag_error(s);
done:
    if (s->flags & SF_REPLY_SKIP) s->flags &= ~SF_REPLY_SKIP;
    s->out.off = (s->flags & SF_REPLY_OFF) ? 1 : 0;
}
