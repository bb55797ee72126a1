/* exec.h — running a command without a client connection.
 *
 * A client session, the AOF loader, a replica applying its master's stream
 * and Lua's redis.call all execute commands the same way: against a small
 * context (db, reply sink, flags, the executing thread), not a connection.
 * This is that entry point. The app implements it (app/exec.c, where the
 * command table is) and installs it at start-up; lower layers (control/,
 * lua/) reach it through this header only, so they depend on store/ and
 * nothing above it.
 *
 *     struct reply r; reply_init(&r);
 *     struct exec_ctx x = {.db = 0, .r = &r, .flags = EXEC_NO_BLOCK};
 *     exec_command(&x, argc, argv);   // one RESP value lands in r
 *
 * What the executor does: look the command up (Redis's unknown-command and
 * arity errors), lock the shards of its keys in ascending order (unless the
 * caller holds them), run it, serve clients blocked on keys it created,
 * append its effect to the ordered write log, unlock, and count it in the
 * executing thread's statistics. What it does not do: authentication,
 * MULTI queueing, CLIENT PAUSE, protected commands, output limits — those
 * belong to a client and stay with the session (app/dispatch.c).
 */
#ifndef SS_EXEC_H
#define SS_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"

enum exec_flags {
    EXEC_NO_BLOCK = 1u << 0,   /* blocking commands answer at once (MULTI, scripts, loaders) */
    EXEC_LOCKS_HELD = 1u << 1, /* the caller holds every shard lock it needs (EXEC, scripts) */
    EXEC_NO_LOG = 1u << 2,     /* effects are not appended to the write log (AOF loading) */
    EXEC_IN_MULTI = 1u << 3,   /* a queued command run by EXEC: effects join EXEC's */
    EXEC_REPLAY = 1u << 4,     /* an AOF or a master's stream: see cmdctx.replaying */
};

struct exec_ctx {
    int db;          /* in: the selected db; out: after SELECT */
    struct reply *r; /* the reply sink (its resp field is the protocol) */
    unsigned flags;  /* enum exec_flags */
    int64_t now_ms;  /* the command's time; 0: the executor reads the clock */
    void *client;    /* the app's session, or NULL */
    void *thread;    /* the executing thread's counters (the app's struct worker) */
    /* results */
    uint64_t dirty;             /* changes made */
    struct blk_client *blocked; /* a blocking command registered this waiter */
    const struct cmd *cmd;      /* the command that ran (NULL: refused) */
    uint32_t errors;            /* error replies it emitted (EXEC's included) */
    uint64_t seq;               /* its unit's number in the write log (0: none) */
};

/* Installed by the app at start-up (app/exec.c). */
extern void (*exec_command)(struct exec_ctx *x, int argc, struct sarg *argv);

#endif
