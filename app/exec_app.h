/* exec_app.h — the app's side of the executor (app/exec.c; the
 * session-free entry point for other layers is store/exec.h).
 *
 * exec_resolve() and exec_run() are the two halves of exec_command(), for
 * callers that check something between them: the session's dispatcher
 * (authentication, MULTI queueing) and EXEC (its queue, under its locks). */
#ifndef SS_EXEC_APP_H
#define SS_EXEC_APP_H

#include "cmdtable.h"
#include "exec.h"

/* Install exec_command (once, at start-up). */
void exec_init(void);
/* The command (and subcommand) named by argv, checked for arity; NULL after
 * replying Redis's error (counted as rejected on x->thread). */
const struct cmd *exec_resolve(struct exec_ctx *x, int argc, const struct sarg *argv);
/* Count a command refused by the caller's own checks (rejected_calls and
 * errorstats; the caller replied). */
void exec_refused(struct exec_ctx *x, const struct cmd *c, const char *code);
/* Lock, run, serve blocked clients, log, unlock, account (see exec.c). */
void exec_run(struct exec_ctx *x, const struct cmd *c, int argc, struct sarg *argv);

#endif
