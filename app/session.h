/* session.h — one client connection's state: query buffer and parser,
 * output buffer, selected db, protocol, auth and the CLIENT-visible fields.
 *
 * A session belongs to the worker whose transport accepted it; only that
 * worker reads its buffers or writes its connection. Other threads reach it
 * through the registry (server.h) for CLIENT LIST/KILL, reading scalar fields
 * and setting `kill` only. */
#ifndef SS_SESSION_H
#define SS_SESSION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "reply.h"
#include "resp_parse.h"
#include "watch.h"

struct worker;
struct cmd;
struct blk_client;
struct multi_state;

enum {
    SF_CLOSE_AFTER_REPLY = 1u << 0, /* QUIT, protocol errors, CLIENT KILL of oneself */
    SF_CLOSE_ASAP = 1u << 1,        /* closing: on the worker's closing list (session_close) */
    SF_PAUSED = 1u << 2,            /* input held by CLIENT PAUSE */
    SF_REPLY_SKIP_NEXT = 1u << 3,   /* CLIENT REPLY SKIP: the next command */
    SF_REPLY_SKIP = 1u << 4,        /* skipping the current command's reply */
    SF_REPLY_OFF = 1u << 5,         /* CLIENT REPLY OFF */
    SF_NO_EVICT = 1u << 6,          /* CLIENT NO-EVICT on: maxmemory-clients spares it */
    SF_BLOCKED = 1u << 8,           /* in a blocking command (app/block.h) */
};

struct session {
    struct conn *conn;
    struct worker *w;
    uint64_t id;
    uint32_t flags;
    int db;
    uint8_t resp;
    bool authed;
    atomic_int kill; /* set by CLIENT KILL from any worker */

    char *qbuf;
    size_t qlen, qcap, qpeak;
    size_t argv_mem; /* bytes of the arguments of the command running (argv-mem) */
    size_t mem;      /* tot-mem as last added into srv.clients_mem */
    struct resp_parser parser;
    struct reply out;
    int64_t obuf_soft_since; /* ms when the soft limit was first exceeded */

    char *name;                /* CLIENT SETNAME (registry lock for writes) */
    int64_t ctime_ms, last_ms; /* creation, last interaction */
    const struct cmd *last_cmd;

    struct session *wnext, *wprev; /* worker list */
    struct session *cnext;         /* the worker's closing list (SF_CLOSE_ASAP) */
    /* appendfsync always: output waits until the AOF has fsynced this
     * write-log unit (control/aof.h), on the worker's held list meanwhile */
    uint64_t hold_seq;
    struct session *hnext, *hprev;
    bool held;
    /* blocking commands (app/block.h): the waiter (worker's blk_lock for
     * writes) and the worker's list of blocked sessions */
    struct blk_client *blk;
    struct session *bnext, *bprev;
    struct session *gnext, *gprev; /* registry list */
    /* transactions (app/multi.h): the queue while in MULTI, and WATCH */
    struct multi_state *mstate;
    struct watch_client watch;
};

extern const struct conn_handler session_handler;

/* Closing (see docs/architecture.md, "Closing a connection"): nothing frees
 * a session, or its connection, while a caller may still be running with
 * it. session_close() only marks the session (SF_CLOSE_ASAP), takes it out
 * of the client registry and puts it on its worker's closing list; every
 * session function does nothing for a closing session; the worker loop
 * calls session_reap() once per iteration, outside every callback, and that
 * is the one place where sessions are freed and their connections closed.
 * Owner's thread only; never with the registry lock held. */
void session_close(struct session *s);
static inline bool session_closing(const struct session *s)
{
    return (s->flags & SF_CLOSE_ASAP) != 0;
}
/* Free every session on w's closing list and close its connection. */
void session_reap(struct worker *w);
/* Send the output the AOF's fsync has released (appendfsync always). */
void session_release_held(struct worker *w);

/* Serve the input in the query buffer; called after reads and on unpause. */
void session_process(struct session *s);
/* Hold (or release) the session's input for CLIENT PAUSE. */
void session_set_paused(struct session *s, bool on);
/* Send queued output (closes the session when CLOSE_AFTER_REPLY's reply is
 * out, or on a send error). Returns false if the session is closing. */
bool session_flush(struct session *s);
/* After output was added outside a command (a blocked client served, a
 * message delivered): apply the output-buffer limits, then flush. */
void session_output_added(struct session *s);
/* tot-mem: what the client costs (CLIENT LIST, maxmemory-clients). */
size_t session_mem(const struct session *s);
/* "id=.. addr=.. ..." line for CLIENT LIST / CLIENT INFO (registry lock held
 * when s belongs to another worker). */
size_t session_describe(const struct session *s, char *buf, size_t len);

/* Commands executed by the dispatcher (dispatch.c). */
void dispatch_command(struct session *s, int argc, const struct resp_arg *argv);
/* Would this call write (for CLIENT PAUSE WRITE)? */
bool dispatch_is_write(const char *name, size_t len, int argc, const struct resp_arg *argv);
/* "get", "config|set": the name CLIENT LIST shows. */
const char *dispatch_cmd_name(const struct cmd *cmd);

/* The session behind a command context (app commands only). */
static inline struct session *ctx_session(const struct cmdctx *c)
{
    return (struct session *)c->client;
}

#endif
