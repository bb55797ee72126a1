/* dispatch.c — a client's request: the checks that belong to a client,
 * then the executor (app/exec.c).
 *
 * The checks run in Redis's order (processCommand): existence and arity
 * (exec_resolve), protected commands, authentication, MULTI queueing; then
 * exec_run() locks, runs, logs, unlocks and accounts, and a command that
 * registered a waiter blocks the session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aof.h"
#include "block.h"
#include "cmdtable.h"
#include "config.h"
#include "exec_app.h"
#include "multi.h"
#include "persist.h"
#include "server.h"
#include "session.h"
#include "worker.h"

const char *dispatch_cmd_name(const struct cmd *cmd)
{
    return cmd->name;
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
        struct sarg *a = realloc(w->argv, sizeof(*a) * (size_t)cap);
        if (!a) {
            reply_errs(&s->out, SERR_OOM);
            return;
        }
        w->argv = a;
        w->argv_cap = cap;
    }
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

    struct exec_ctx x = {.db = s->db, .r = &s->out, .client = s, .thread = w};
    const struct cmd *c = exec_resolve(&x, argc, argv);
    if (!c) goto rejected;
    if ((c->flags & CMD_PROTECTED) && !debug_allowed(s)) {
        reply_error(&s->out, "ERR DEBUG command not allowed. If the enable-debug-command option is "
                             "set to \"local\", you can run it from a local connection, otherwise "
                             "you need to set this option in the configuration file, and then "
                             "restart the server.");
        exec_refused(&x, c, "ERR");
        goto rejected;
    }
    if (!s->authed && !(c->flags & CMD_NO_AUTH)) {
        if (cfg.requirepass[0]) {
            reply_errs(&s->out, SERR_NOAUTH);
            exec_refused(&x, c, "NOAUTH");
            goto rejected;
        }
        s->authed = true; /* the password was removed since */
        s->parser.unauthenticated = false;
    }
    /* MISCONF (Redis's order: after authentication, before queueing): the
     * last background save failed and stop-writes-on-bgsave-error is on */
    if (persist_writes_denied() && ((c->flags & CMD_WRITE) || !strcmp(c->name, "ping"))) {
        reply_errs(&s->out, SERR_MISCONF);
        exec_refused(&x, c, "MISCONF");
        goto rejected;
    }
    /* ... or writing the AOF failed (Redis's writeCommandsDeniedByDiskError) */
    if (aof_writes_denied() && ((c->flags & CMD_WRITE) || !strcmp(c->name, "ping"))) {
        reply_errorf(&s->out, "MISCONF Errors writing to the AOF file: %s", aof_write_error());
        exec_refused(&x, c, "MISCONF");
        goto rejected;
    }
    if (multi_queues(s, c)) {
        if (c->flags & CMD_NO_MULTI) {
            reply_errs(&s->out, SERR_NOT_IN_MULTI);
            exec_refused(&x, c, "ERR");
            goto rejected;
        }
        multi_queue(s, c, argc, argv);
        goto done;
    }
    exec_run(&x, c, argc, argv);
    /* appendfsync always: the reply (and what follows it) waits until the
     * AOF has fsynced the write's unit (session_flush holds the output) */
    if (x.seq && x.seq > s->hold_seq && aof_hold_replies()) s->hold_seq = x.seq;
    if (x.blocked) block_session(s, x.blocked);
    s->db = x.db;
    s->last_cmd = c;
    goto done;
rejected:
    /* a command refused while queueing aborts the transaction */
    multi_flag_error(s);
done:
    /* a giant command's argument array does not stay (1M arguments: 16 MB) */
    if (w->argv_cap > 4096) {
        free(w->argv);
        w->argv = NULL;
        w->argv_cap = 0;
    }
    if (s->flags & SF_REPLY_SKIP) s->flags &= ~SF_REPLY_SKIP;
    s->out.off = (s->flags & SF_REPLY_OFF) ? 1 : 0;
}
