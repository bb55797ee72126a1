/* exec.c — the command executor (store/exec.h): from a parsed request to an
 * executed command, for every caller (a client session through
 * dispatch.c, EXEC, and the session-free callers: loaders, replica links,
 * scripts).
 *
 * Execution locks the shards of the command's keys in ascending order
 * (two-phase locking), runs the handler, serves clients blocked on keys it
 * created, appends its effect to the write log, unlocks, and accounts:
 * commandstats, errorstats and dirty, on the executing thread's counters.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "blocking.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "exec.h"
#include "exec_app.h"
#include "gatecheck.h"
#include "server.h"
#include "worker.h"

static void count_rejected(struct exec_ctx *x, const struct cmd *cmd, const char *code)
{
    struct worker *w = x->thread;
    if (cmd) w->cmdstats[cmd->id].rejected++;
    worker_count_error(w, code);
}

/* "ERR unknown command 'x', with args beginning with: 'a' 'b' " — each
 * argument quoted and followed by a space, the list cut near 128 bytes. */
static void reply_unknown(struct exec_ctx *x, int argc, const struct sarg *argv)
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
        if (off >= sizeof(args)) break; /* snprintf truncated and terminated it */
    }
    char name[129];
    size_t nl = argv[0].len < 128 ? argv[0].len : 128;
    memcpy(name, argv[0].p, nl);
    name[nl] = '\0';
    reply_errorf(x->r, SERRF_UNKNOWN_CMD, name, args);
    count_rejected(x, NULL, "ERR");
}

static bool arity_ok(const struct cmd *c, int argc)
{
    return c->arity > 0 ? argc == c->arity : argc >= -c->arity;
}

const struct cmd *exec_resolve(struct exec_ctx *x, int argc, const struct sarg *argv)
{
    const struct cmd *c = cmd_lookup(argv[0].p, argv[0].len);
    if (!c) {
        reply_unknown(x, argc, argv);
        return NULL;
    }
    /* a container needs its subcommand; COMMAND runs alone or with one */
    if ((c->flags & CMD_CONTAINER) || (c->nsubs && argc >= 2)) {
        if (argc < 2) {
            reply_errorf(x->r, SERRF_ARITY, c->name);
            count_rejected(x, c, "ERR");
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
            reply_errorf(x->r, SERRF_UNKNOWN_SUB, name, upper);
            count_rejected(x, c, "ERR");
            return NULL;
        }
        c = sub;
    }
    if (!arity_ok(c, argc)) {
        reply_errorf(x->r, SERRF_ARITY, c->name);
        count_rejected(x, c, "ERR");
        return NULL;
    }
    return c;
}

void exec_refused(struct exec_ctx *x, const struct cmd *c, const char *code)
{
    count_rejected(x, c, code);
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

void exec_run(struct exec_ctx *x, const struct cmd *c, int argc, struct sarg *argv)
{
    struct worker *w = x->thread;
    bool held = (x->flags & EXEC_LOCKS_HELD) != 0;
    struct cmdctx ctx = {
        .argc = argc,
        .argv = argv,
        .r = x->r,
        .ks = &srv.ks,
        .db = x->db,
        .st = &w->st,
        .cmd = c,
        .client = x->client,
        .max_bulk = cfg.proto_max_bulk_len,
        .no_block = (x->flags & EXEC_NO_BLOCK) != 0,
        .locks_held = held,
        .log = (x->flags & EXEC_NO_LOG) ? NULL : &w->wlog,
        .replaying = (x->flags & EXEC_REPLAY) != 0,
    };
    x->cmd = c;
    x->blocked = NULL;

    uint16_t ids_small[16];
    int kidx_small[16];
    uint16_t *ids = ids_small;
    int *kidx = kidx_small;
    int nsh = 0;
    bool check = gatecheck_on && !(c->flags & CMD_ALLSHARDS);
    if ((!held || check) && !(c->flags & CMD_ALLSHARDS)) {
        if (argc > 16) {
            ids = malloc(sizeof(*ids) * (size_t)argc);
            kidx = malloc(sizeof(*kidx) * (size_t)argc);
            if (!ids || !kidx) {
                free(ids);
                free(kidx);
                reply_errs(x->r, SERR_OOM);
                return;
            }
        }
        if (!held) nsh = shards_of(&ctx, c, argc, argv, ids, kidx);
    }

    worker_resetstat_sync(w, &srv.resetstat_gen);
    uint32_t errs_before = x->r->nerrors;
    uint64_t tsc0 = rte_rdtsc();
    ctx.now_ms = x->now_ms ? x->now_ms : worker_now_us(w, tsc0) / 1000;
    if (nsh == 1)
        ks_lock(&srv.ks, ids[0]);
    else if (nsh > 1)
        ks_lock_set(&srv.ks, ids, nsh);
    /* The unit of the write log is opened and committed under the locks
     * taken here; a command that takes its locks itself (EXEC, the
     * keyspace-wide writers) does it under its own (cmd.h). A queued
     * command adds its effect to EXEC's open unit. */
    bool unit = nsh > 0 || (x->flags & EXEC_IN_MULTI);
    if (unit) cmd_unit_begin(&ctx);
    if (check) {
        /* store/gatecheck.h: the key indexes again (shards_of sorted its
         * shard ids, not these) */
        int nk = cmd_get_keys(c, argc, argv, kidx, argc);
        if (nk > 0) gatecheck_before(&ctx, argv, kidx, nk);
        c->handler(&ctx);
        gatecheck_after(&ctx, c->name);
    } else {
        c->handler(&ctx);
    }
    if (unit) cmd_unit_end(&ctx);
    x->seq = ctx.seq;
    x->blocked = ctx.blocked;
    /* blocked clients waiting for keys this command created are served
     * before anyone else can see the keys (store/blocking.h); under EXEC,
     * EXEC serves them once the whole transaction ran */
    for (int i = 0; i < nsh; i++) {
        if (blk_has_ready(&srv.ks.shards[ids[i]])) {
            blk_serve_locked(&srv.ks, ids, nsh, ctx.now_ms, &w->st, ctx.log);
            break;
        }
    }
    if (nsh == 1)
        ks_unlock(&srv.ks, ids[0]);
    else if (nsh > 1)
        ks_unlock_set(&srv.ks, ids, nsh);
    if (!held && blk_deferred_pending()) blk_serve_deferred(&srv.ks, &w->st, ctx.log);
    int64_t dt = (int64_t)((double)(rte_rdtsc() - tsc0) * w->us_per_tsc);
    if (ids != ids_small) {
        free(ids);
        free(kidx);
    }

    struct cmdstat *cs = &w->cmdstats[c->id];
    cs->calls++;
    cs->usec += (uint64_t)dt;
    x->errors = x->r->nerrors - errs_before;
    if (x->errors > ctx.nested_errors) {
        cs->failed++;
        worker_count_error(w, x->r->last_err);
    }
    x->dirty += ctx.dirty;
    /* a queued command's changes are EXEC's, counted once by EXEC's run */
    if (!(x->flags & EXEC_IN_MULTI)) w->st.dirty += ctx.dirty;
    x->db = ctx.db;
}

/* The session-free entry point (store/exec.h). */
static void exec_command_impl(struct exec_ctx *x, int argc, struct sarg *argv)
{
    x->cmd = NULL;
    const struct cmd *c = exec_resolve(x, argc, argv);
    if (c) exec_run(x, c, argc, argv);
}

void exec_init(void)
{
    exec_command = exec_command_impl;
}
