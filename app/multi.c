/* multi.c — MULTI, EXEC, DISCARD, WATCH, UNWATCH (see multi.h).
 *
 * Redis 7.0 behaviour kept here (multi.c, processCommand):
 *   - a command refused at queue time (unknown, arity, no_multi, NOAUTH...)
 *     replies its error and makes EXEC reply EXECABORT;
 *   - MULTI inside MULTI and WATCH inside MULTI reply an error and do not
 *     abort the transaction;
 *   - errors while EXEC runs the queue are elements of its reply;
 *   - EXEC with a watched key touched (or, alive when watched, expired since)
 *     replies a null array; EXECABORT wins over that;
 *   - EXEC, DISCARD, RESET and disconnecting drop every watch;
 *   - queued commands count in commandstats when EXEC runs them, EXEC too;
 *     their failures count for them, not for EXEC;
 *   - blocking commands answer at once (cmdctx.no_block); the whole queue
 *     runs at the time EXEC started.
 */
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "cmdtable.h"
#include "config.h"
#include "exec_app.h"
#include "multi.h"
#include "server.h"
#include "session.h"
#include "watch.h"
#include "worker.h"

/* One queued command: the sarg array and the argument bytes in one block. */
struct mq_cmd {
    const struct cmd *cmd;
    int argc;
    struct sarg *argv;
};

struct multi_state {
    struct mq_cmd *v;
    int n, cap;
    size_t bytes;    /* queued arguments (multi-mem; counts as query buffer) */
    bool dirty_exec; /* a command was refused while queueing */
};

static bool name_is(const struct cmd *c, const char *name)
{
    return strcmp(c->name, name) == 0;
}

bool multi_queues(const struct session *s, const struct cmd *c)
{
    if (!s->mstate) return false;
    return !(c->handler == cmd_exec || c->handler == cmd_discard || c->handler == cmd_multi ||
             c->handler == cmd_watch || name_is(c, "quit") || name_is(c, "reset"));
}

void multi_flag_error(struct session *s)
{
    if (s->mstate) s->mstate->dirty_exec = true;
}

void multi_queue(struct session *s, const struct cmd *c, int argc, const struct sarg *argv)
{
    struct multi_state *m = s->mstate;
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 8;
        struct mq_cmd *v = realloc(m->v, sizeof(*v) * (size_t)cap);
        if (!v) goto oom;
        m->v = v;
        m->cap = cap;
    }
    size_t bytes = sizeof(struct sarg) * (size_t)argc;
    for (int i = 0; i < argc; i++) bytes += argv[i].len;
    struct sarg *a = malloc(bytes ? bytes : 1);
    if (!a) goto oom;
    char *p = (char *)(a + argc);
    for (int i = 0; i < argc; i++) {
        memcpy(p, argv[i].p, argv[i].len);
        a[i].p = p;
        a[i].len = argv[i].len;
        p += argv[i].len;
    }
    m->v[m->n++] = (struct mq_cmd){.cmd = c, .argc = argc, .argv = a};
    m->bytes += bytes;
    reply_simple(&s->out, "QUEUED");
    return;
oom:
    m->dirty_exec = true;
    reply_errs(&s->out, SERR_OOM);
}

static void mstate_free(struct multi_state *m)
{
    if (!m) return;
    for (int i = 0; i < m->n; i++) free(m->v[i].argv);
    free(m->v);
    free(m);
}

void multi_reset(struct session *s)
{
    mstate_free(s->mstate);
    s->mstate = NULL;
    watch_release(&srv.ks, &s->watch);
}

size_t multi_mem(const struct session *s)
{
    return s->mstate ? s->mstate->bytes + sizeof(*s->mstate) +
                           sizeof(struct mq_cmd) * (size_t)s->mstate->cap
                     : 0;
}

int multi_count(const struct session *s)
{
    return s->mstate ? s->mstate->n : -1;
}

void cmd_multi(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    if (s->mstate) {
        reply_errs(c->r, SERR_MULTI_NESTED);
        return;
    }
    s->mstate = calloc(1, sizeof(*s->mstate));
    if (!s->mstate) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    reply_ok(c->r);
}

void cmd_discard(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    if (!s->mstate) {
        reply_errs(c->r, SERR_DISCARD_NOMULTI);
        return;
    }
    multi_reset(s);
    reply_ok(c->r);
}

/* The dispatcher holds the shards of every key. */
void cmd_watch(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    if (s->mstate) {
        reply_errs(c->r, SERR_WATCH_IN_MULTI);
        return;
    }
    for (int i = 1; i < c->argc; i++) {
        const struct sarg *k = &c->argv[i];
        if (watch_add_locked(c->ks, &s->watch, c->db, k->p, k->len, c->now_ms) != 0) {
            reply_errs(c->r, SERR_OOM);
            return;
        }
    }
    reply_ok(c->r);
}

void cmd_unwatch(struct cmdctx *c)
{
    /* inside EXEC the watches are already gone: nothing is locked here */
    watch_release(c->ks, &ctx_session(c)->watch);
    reply_ok(c->r);
}

/* The shards EXEC must hold, ascending: the queued commands' keys and the
 * watched keys; every shard when a queued command is keyspace-wide (*all). */
static int exec_shards(struct session *s, const struct multi_state *m, uint16_t *ids, bool *all)
{
    unsigned nsh = srv.ks.nshards;
    *all = false;
    for (int i = 0; i < m->n; i++)
        if (m->v[i].cmd->flags & CMD_ALLSHARDS) *all = true;
    if (*all) {
        for (unsigned i = 0; i < nsh; i++) ids[i] = (uint16_t)i;
        return (int)nsh;
    }
    uint8_t *want = calloc(nsh, 1);
    if (!want) return -1;
    int n = watch_shards(&s->watch, ids, (int)nsh);
    for (int i = 0; i < n; i++) want[ids[i]] = 1;
    for (int i = 0; i < m->n; i++) {
        const struct mq_cmd *q = &m->v[i];
        int kidx_small[16];
        int *kidx = q->argc > 16 ? malloc(sizeof(int) * (size_t)q->argc) : kidx_small;
        if (!kidx) {
            free(want);
            return -1;
        }
        int nk = cmd_get_keys(q->cmd, q->argc, q->argv, kidx, q->argc);
        for (int k = 0; k < nk; k++)
            want[ks_shard_of(&srv.ks, q->argv[kidx[k]].p, q->argv[kidx[k]].len)] = 1;
        if (kidx != kidx_small) free(kidx);
    }
    n = 0;
    for (unsigned i = 0; i < nsh; i++)
        if (want[i]) ids[n++] = (uint16_t)i;
    free(want);
    return n;
}

/* Run the queue through the executor; the caller holds the shards. Returns
 * the db selected at the end (SELECT inside the transaction carries on
 * after it). */
static int exec_queue(struct cmdctx *c, struct session *s, const struct multi_state *m)
{
    int db = c->db;
    reply_array(c->r, m->n);
    for (int i = 0; i < m->n; i++) {
        const struct mq_cmd *q = &m->v[i];
        struct exec_ctx x = {
            .db = db,
            .r = c->r,
            .flags = EXEC_NO_BLOCK | EXEC_LOCKS_HELD | EXEC_IN_MULTI,
            .now_ms = c->now_ms,
            .client = s,
            .thread = s->w,
        };
        exec_run(&x, q->cmd, q->argc, q->argv);
        db = x.db;
        c->dirty += x.dirty;
        /* counted for the queued command, not again as EXEC's failure */
        c->nested_errors += x.errors;
    }
    return db;
}

void cmd_exec(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    struct multi_state *m = s->mstate;
    if (!m) {
        reply_errs(c->r, SERR_EXEC_NOMULTI);
        return;
    }
    if (m->dirty_exec) {
        multi_reset(s);
        reply_errs(c->r, SERR_EXECABORT);
        return;
    }
    uint16_t *ids = malloc(sizeof(uint16_t) * srv.ks.nshards);
    bool all = false;
    int nids = ids ? exec_shards(s, m, ids, &all) : -1;
    if (nids < 0) {
        free(ids);
        multi_reset(s);
        reply_errs(c->r, SERR_OOM);
        return;
    }
    /* the transaction leaves the session before it runs: what the queued
     * commands see is a session outside MULTI */
    s->mstate = NULL;
    if (all)
        ks_lock_all(c->ks);
    else
        ks_lock_set(c->ks, ids, nids);
    /* a write to a watched key set `dirty` under that key's shard lock,
     * which this thread now holds: no write can slip in between */
    bool dirty = atomic_load(&s->watch.dirty) || watch_expired_locked(c->ks, &s->watch, c->now_ms);
    watch_release_locked(c->ks, &s->watch);
    if (dirty) {
        reply_null_array(c->r);
    } else {
        /* one unit for the whole transaction (Redis 7 never logs EXEC
         * itself: MULTI/EXEC wrap the unit when it has several effects) */
        cmd_unit_begin(c);
        c->db = exec_queue(c, s, m);
        cmd_effect_suppress(c);
        cmd_unit_end(c);
        /* clients blocked on keys the transaction created are served
         * before anyone else sees them (store/blocking.h) */
        for (int i = 0; i < nids; i++) {
            if (blk_has_ready(&c->ks->shards[ids[i]])) {
                blk_serve_locked(c->ks, ids, nids, c->now_ms, c->st, c->log);
                break;
            }
        }
    }
    if (all)
        ks_unlock_all(c->ks);
    else
        ks_unlock_set(c->ks, ids, nids);
    free(ids);
    mstate_free(m);
}
