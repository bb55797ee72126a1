/* block.h — the app's half of blocking commands: blocking a session,
 * delivering what a server popped for it, timeouts, CLIENT UNBLOCK and
 * disconnects (the store's half, waiter tables and serving, is
 * store/blocking.h).
 *
 * A blocked session (SF_BLOCKED) keeps its unparsed pipelined input and
 * executes nothing until it is unblocked; its transport keeps reading so a
 * disconnect is noticed at once (as Redis does), and the query-buffer limit
 * still applies. It is on its worker's blocked list, whose earliest
 * deadline the worker loop checks every iteration (poll sleeps <= 10 ms, so
 * a timeout fires at most ~10 ms late).
 *
 * Cross-thread readers (CLIENT UNBLOCK on another worker) find a session in
 * the registry under srv.clients_lock and read its `blk` pointer under its
 * worker's blk_lock; the owner sets and clears `blk` under that lock, and
 * frees the waiter only after clearing it.
 */
#ifndef SS_BLOCK_H
#define SS_BLOCK_H

#include <stdint.h>

struct session;
struct worker;
struct mail;
struct blk_client;

enum { BLOCK_UNBLOCK_TIMEOUT = 0, BLOCK_UNBLOCK_ERROR = 1 };

/* Register the store's delivery hook (once, at start-up). */
void block_init(void);
/* The dispatcher, after a handler registered waiter bc and before the shard
 * locks drop: block s on it. */
void block_session(struct session *s, struct blk_client *bc);
/* MAIL_BLOCK_SERVED / MAIL_BLOCK_UNBLOCK for one of w's sessions. */
void block_on_mail(struct worker *w, struct mail *m);
/* Time out w's blocked sessions whose deadline passed. */
void block_timeouts(struct worker *w, int64_t now_ms);
/* The session is being freed: leave nothing behind. */
void block_session_gone(struct session *s);

#endif
