/* multi.h — transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * In MULTI, the dispatcher runs its checks as usual (a refused command
 * flags the transaction so EXEC aborts with EXECABORT, as Redis's
 * flagTransaction) and then hands every command to multi_queue(), except
 * the ones Redis runs at once (EXEC DISCARD MULTI WATCH QUIT RESET).
 *
 * EXEC is atomic across shards: it locks, in ascending order, the union of
 * the shards of every queued command's keys and of the watched keys (all
 * shards when a queued command is keyspace-wide; those handlers are then
 * told the locks are held, cmdctx.locks_held), checks WATCH, runs the
 * queue, serves blocked clients waiting on keys it created, and unlocks.
 * WATCH state lives in the store (store/watch.h): exact per key.
 */
#ifndef SS_MULTI_H
#define SS_MULTI_H

#include <stdbool.h>

#include "cmd.h"

struct session;
struct cmd;
struct multi_state;

/* In MULTI: should this command be queued rather than run now? */
bool multi_queues(const struct session *s, const struct cmd *c);
/* Queue a command (copies its arguments) and reply +QUEUED. */
void multi_queue(struct session *s, const struct cmd *c, int argc, const struct sarg *argv);
/* A command refused while queueing: EXEC will abort. */
void multi_flag_error(struct session *s);
/* Drop the transaction and every watch (RESET, disconnect). */
void multi_reset(struct session *s);
/* Bytes the queued transaction holds (CLIENT LIST's multi-mem); Redis
 * counts them with the query buffer against its limits. */
size_t multi_mem(const struct session *s);
/* Commands queued, or -1 outside MULTI (CLIENT LIST's multi=). */
int multi_count(const struct session *s);

void cmd_multi(struct cmdctx *c);
void cmd_exec(struct cmdctx *c);
void cmd_discard(struct cmdctx *c);
void cmd_watch(struct cmdctx *c);
void cmd_unwatch(struct cmdctx *c);

#endif
