/* cmd_client.c — the CLIENT subcommands (Redis 7.0's clientCommand).
 *
 * The calling session is ctx_session(c). Other sessions are reached through
 * the registry (srv.clients, under srv.clients_lock), possibly on other
 * workers: we only read their scalar fields there (session_describe) and ask
 * for their end by setting `kill`, which their own worker acts on (worker.c,
 * worker_kills) once woken. Nothing here touches another worker's buffers.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdtable.h"
#include "server.h"
#include "session.h"
#include "worker.h"

void cmd_client_id(struct cmdctx *c);
void cmd_client_setname(struct cmdctx *c);
void cmd_client_getname(struct cmdctx *c);
void cmd_client_list(struct cmdctx *c);
void cmd_client_info(struct cmdctx *c);
void cmd_client_kill(struct cmdctx *c);
void cmd_client_pause(struct cmdctx *c);
void cmd_client_unpause(struct cmdctx *c);
void cmd_client_reply(struct cmdctx *c);
void cmd_client_no_evict(struct cmdctx *c);
void cmd_client_help(struct cmdctx *c);

bool conn_set_name(struct cmdctx *c, const struct sarg *name); /* cmd_conn.c */

/* Redis's client types (getClientTypeByName). */
enum client_type { CT_NORMAL, CT_REPLICA, CT_PUBSUB, CT_MASTER };

static int client_type_by_name(const struct sarg *a)
{
    if (arg_is(a, "normal")) return CT_NORMAL;
    if (arg_is(a, "slave") || arg_is(a, "replica")) return CT_REPLICA;
    if (arg_is(a, "pubsub")) return CT_PUBSUB;
    if (arg_is(a, "master")) return CT_MASTER;
    return -1;
}

/* Every session is a normal client until pub/sub and replication exist;
 * they will add their flags here (Redis's getClientType). */
static int client_type(const struct session *s)
{
    (void)s;
    return CT_NORMAL;
}

static bool arg_eq(const struct sarg *a, const char *s)
{
    size_t n = strlen(s);
    return a->len == n && memcmp(a->p, s, n) == 0;
}

/* A growing text buffer for CLIENT LIST. */
struct tbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static bool tbuf_reserve(struct tbuf *b, size_t want)
{
    if (b->oom) return false;
    if (b->cap - b->len >= want) return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < want) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

/* Append session_describe(s) and a newline. */
static void tbuf_describe(struct tbuf *b, const struct session *s)
{
    if (!tbuf_reserve(b, 512)) return;
    size_t n = session_describe(s, b->p + b->len, b->cap - b->len);
    if (n + 1 >= b->cap - b->len) { /* a long name: make room, again */
        if (!tbuf_reserve(b, n + 2)) return;
        n = session_describe(s, b->p + b->len, b->cap - b->len);
    }
    b->len += n;
    b->p[b->len++] = '\n';
}

static void reply_tbuf(struct cmdctx *c, struct tbuf *b)
{
    if (b->oom)
        reply_errs(c->r, SERR_OOM);
    else
        reply_verbatim(c->r, b->len ? b->p : "", b->len, "txt");
    free(b->p);
}

/* CLIENT LIST and CLIENT INFO show the running command as the caller's
 * cmd= (Redis sets lastcmd before the call); the dispatcher records it only
 * afterwards, so set it here first. */
static void mark_current_cmd(struct cmdctx *c)
{
    ctx_session(c)->last_cmd = c->cmd;
}

void cmd_client_id(struct cmdctx *c)
{
    reply_int(c->r, (long long)ctx_session(c)->id);
}

void cmd_client_setname(struct cmdctx *c)
{
    if (conn_set_name(c, &c->argv[2])) reply_ok(c->r);
}

void cmd_client_getname(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    if (s->name)
        reply_bulk_cstr(c->r, s->name);
    else
        reply_null(c->r);
}

void cmd_client_info(struct cmdctx *c)
{
    mark_current_cmd(c);
    struct tbuf b = {0};
    tbuf_describe(&b, ctx_session(c));
    reply_tbuf(c, &b);
}

/* CLIENT LIST [TYPE type] | [ID id [id ...]]: clients in connection order
 * (the registry keeps the newest first, so walk it from the tail); with ID,
 * in the order the ids are given, unknown ids skipped. */
void cmd_client_list(struct cmdctx *c)
{
    int type = -1;
    bool by_id = false;
    if (c->argc == 4 && arg_is(&c->argv[2], "type")) {
        type = client_type_by_name(&c->argv[3]);
        if (type < 0) {
            reply_errorf(c->r, "ERR Unknown client type '%.*s'", (int)c->argv[3].len, c->argv[3].p);
            return;
        }
    } else if (c->argc > 3 && arg_is(&c->argv[2], "id")) {
        by_id = true;
        for (int j = 3; j < c->argc; j++) {
            long long id;
            if (!arg_ll(&c->argv[j], &id)) {
                reply_error(c->r, "ERR Invalid client ID");
                return;
            }
        }
    } else if (c->argc != 2) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    mark_current_cmd(c);

    struct tbuf b = {0};
    pthread_mutex_lock(&srv.clients_lock);
    if (by_id) {
        for (int j = 3; j < c->argc; j++) {
            long long id;
            arg_ll(&c->argv[j], &id);
            for (struct session *s = srv.clients; s; s = s->gnext) {
                if ((long long)s->id == id) {
                    tbuf_describe(&b, s);
                    break;
                }
            }
        }
    } else {
        struct session *s = srv.clients;
        while (s && s->gnext) s = s->gnext;
        for (; s; s = s->gprev)
            if (type < 0 || client_type(s) == type) tbuf_describe(&b, s);
    }
    pthread_mutex_unlock(&srv.clients_lock);
    reply_tbuf(c, &b);
}

/* Ask the worker owning s to close it (registry lock held). The flag is set
 * before kill_pending, so a worker that consumes kill_pending sees it. */
static void request_kill(struct session *s)
{
    struct worker *w = s->w;
    atomic_store(&s->kill, 1);
    if (atomic_exchange(&w->kill_pending, 1) == 0 && srv.tp->ops->wake)
        srv.tp->ops->wake(srv.tp, w->id);
}

/* CLIENT KILL ip:port (old form: +OK or "No such client", may kill the
 * caller) | CLIENT KILL <filter value> ... (new form: the number killed;
 * SKIPME yes by default). Filters: ID, TYPE, USER, ADDR, LADDR, SKIPME. */
void cmd_client_kill(struct cmdctx *c)
{
    struct session *me = ctx_session(c);
    const struct sarg *addr = NULL, *laddr = NULL;
    int type = -1;
    long long id = 0;
    bool skipme = true;

    if (c->argc == 3) {
        addr = &c->argv[2];
        skipme = false;
    } else {
        for (int i = 2; i < c->argc; i += 2) {
            bool more = c->argc > i + 1;
            const struct sarg *opt = &c->argv[i], *val = more ? &c->argv[i + 1] : NULL;
            if (arg_is(opt, "id") && more) {
                if (!arg_ll(val, &id) || id < 1) {
                    reply_error(c->r, "ERR client-id should be greater than 0");
                    return;
                }
            } else if (arg_is(opt, "type") && more) {
                type = client_type_by_name(val);
                if (type < 0) {
                    reply_errorf(c->r, "ERR Unknown client type '%.*s'", (int)val->len, val->p);
                    return;
                }
            } else if (arg_is(opt, "addr") && more) {
                addr = val;
            } else if (arg_is(opt, "laddr") && more) {
                laddr = val;
            } else if (arg_is(opt, "user") && more) {
                /* "default" is the only user; every session is its */
                if (!arg_eq(val, "default")) {
                    reply_errorf(c->r, "ERR No such user '%.*s'", (int)val->len, val->p);
                    return;
                }
            } else if (arg_is(opt, "skipme") && more) {
                if (arg_is(val, "yes")) {
                    skipme = true;
                } else if (arg_is(val, "no")) {
                    skipme = false;
                } else {
                    reply_errs(c->r, SERR_SYNTAX);
                    return;
                }
            } else {
                reply_errs(c->r, SERR_SYNTAX);
                return;
            }
        }
    }

    long long killed = 0;
    bool close_me = false;
    pthread_mutex_lock(&srv.clients_lock);
    for (struct session *s = srv.clients; s; s = s->gnext) {
        if (addr && !arg_eq(addr, s->conn->peer)) continue;
        if (laddr && !arg_eq(laddr, s->conn->local)) continue;
        if (type >= 0 && client_type(s) != type) continue;
        if (id && s->id != (uint64_t)id) continue;
        if (s == me) {
            if (skipme) continue;
            close_me = true;
        } else {
            if (atomic_load(&s->kill)) continue; /* already on its way out */
            request_kill(s);
        }
        killed++;
    }
    pthread_mutex_unlock(&srv.clients_lock);

    if (c->argc == 3) {
        if (killed == 0)
            reply_errs(c->r, SERR_NO_SUCH_CLIENT);
        else
            reply_ok(c->r);
    } else {
        reply_int(c->r, killed);
    }
    /* only after the reply is queued, as Redis does */
    if (close_me) me->flags |= SF_CLOSE_AFTER_REPLY;
}

/* CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked before the timeout
 * (Redis's order). A pause already in force is extended: the later end and
 * the stricter kind win. session.c holds the commands of paused clients;
 * each worker's cron releases them when the pause ends. */
void cmd_client_pause(struct cmdctx *c)
{
    if (c->argc > 4) {
        reply_errorf(c->r,
                     "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                     "CLIENT HELP.",
                     (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].p);
        return;
    }
    int kind = PAUSE_ALL;
    if (c->argc == 4) {
        if (arg_is(&c->argv[3], "write")) {
            kind = PAUSE_WRITE;
        } else if (arg_is(&c->argv[3], "all")) {
            kind = PAUSE_ALL;
        } else {
            reply_error(c->r, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    long long ms;
    if (!arg_ll(&c->argv[2], &ms)) {
        reply_error(c->r, "ERR timeout is not an integer or out of range");
        return;
    }
    if (ms < 0) {
        reply_errs(c->r, SERR_TIMEOUT_NEG);
        return;
    }
    /* now + ms may overflow: Redis lets it wrap, which makes a pause that
     * has already ended (+OK, no effect) */
    int64_t now = store_mstime();
    int64_t end = ms > 0 ? (int64_t)((uint64_t)now + (uint64_t)ms) : 0;
    int old_kind = atomic_load(&srv.pause_kind);
    int64_t old_end = atomic_load(&srv.pause_end_ms);
    if (old_kind != PAUSE_NONE && old_end > now) {
        if (old_end > end) end = old_end;
        if (old_kind > kind) kind = old_kind;
    }
    atomic_store(&srv.pause_end_ms, end);
    atomic_store(&srv.pause_kind, kind);
    reply_ok(c->r);
}

void cmd_client_unpause(struct cmdctx *c)
{
    atomic_store(&srv.pause_kind, PAUSE_NONE);
    atomic_store(&srv.pause_end_ms, 0);
    /* held clients resume at once: wake workers sleeping in poll */
    for (unsigned i = 0; i < srv.nworkers; i++)
        if (srv.tp->ops->wake) srv.tp->ops->wake(srv.tp, i);
    reply_ok(c->r);
}

/* CLIENT REPLY ON|OFF|SKIP. OFF and SKIP are not answered; ON is (it also
 * ends a SKIP that would have covered it). */
void cmd_client_reply(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    const struct sarg *a = &c->argv[2];
    if (arg_is(a, "on")) {
        s->flags &= ~(uint32_t)(SF_REPLY_OFF | SF_REPLY_SKIP);
        s->out.off = 0;
        reply_ok(c->r);
    } else if (arg_is(a, "off")) {
        s->flags |= SF_REPLY_OFF;
    } else if (arg_is(a, "skip")) {
        if (!(s->flags & SF_REPLY_OFF)) s->flags |= SF_REPLY_SKIP_NEXT;
    } else {
        reply_errs(c->r, SERR_SYNTAX);
    }
}

void cmd_client_no_evict(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    if (arg_is(&c->argv[2], "on")) {
        s->flags |= SF_NO_EVICT;
    } else if (arg_is(&c->argv[2], "off")) {
        s->flags &= ~(uint32_t)SF_NO_EVICT;
    } else {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    reply_ok(c->r);
}

void cmd_client_help(struct cmdctx *c)
{
    static const char *const help[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of this connection, or nil when it has none.",
        "ID",
        "    Return the unique ID of this connection.",
        "INFO",
        "    Return the CLIENT LIST line of this connection.",
        "KILL <ip:port>",
        "    Close the connection from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Close every connection matching all the filters. Filters are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      The connection's remote address.",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      The local address the connection was made to.",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      The kind of client.",
        "    * USER <username>",
        "      The user the connection is authenticated as.",
        "    * SKIPME (YES|NO)",
        "      Leave this connection alone (default: yes).",
        "    * ID <client-id>",
        "      The connection's ID.",
        "LIST [options ...]",
        "    Describe the client connections, one per line. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Only clients of this kind.",
        "    * ID <client-id> [<client-id> ...]",
        "      Only the clients with these IDs.",
        "UNPAUSE",
        "    End a CLIENT PAUSE now.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Hold the commands of every client, or only writes, for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Turn the replies to this connection on or off, or skip the next one.",
        "SETNAME <name>",
        "    Name this connection; an empty name removes the name.",
        "NO-EVICT (ON|OFF)",
        "    Exempt this connection from client eviction, or not.",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof(help) / sizeof(help[0]);
    reply_array(c->r, (long)n);
    for (size_t i = 0; i < n; i++) reply_simple(c->r, help[i]);
}
