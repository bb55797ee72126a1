/* session.c — reading requests, writing replies, closing: the life of one
 * client connection on its worker (see session.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "aof.h"
#include "block.h"
#include "cmd.h"
#include "config.h"
#include "multi.h"
#include "server.h"
#include "session.h"
#include "worker.h"

#define QBUF_INIT  16384
#define QBUF_KEEP  (64 * 1024) /* shrink an idle query buffer above this */
#define READ_CHUNK 16384

static void registry_add(struct session *s)
{
    pthread_mutex_lock(&srv.clients_lock);
    s->gnext = srv.clients;
    s->gprev = NULL;
    if (srv.clients) srv.clients->gprev = s;
    srv.clients = s;
    pthread_mutex_unlock(&srv.clients_lock);
}

static void registry_del(struct session *s)
{
    pthread_mutex_lock(&srv.clients_lock);
    if (s->gprev)
        s->gprev->gnext = s->gnext;
    else
        srv.clients = s->gnext;
    if (s->gnext) s->gnext->gprev = s->gprev;
    pthread_mutex_unlock(&srv.clients_lock);
}

static void mem_update(struct session *s);
static void held_unlink(struct session *s);

static void *on_accept(void *wctx, struct conn *c)
{
    struct worker *w = wctx;
    srv.stat_numconnections++;
    if (atomic_load(&srv.connected_clients) >= cfg.maxclients) {
        static const char msg[] = "-ERR max number of clients reached\r\n";
        struct iovec iov = {.iov_base = (void *)msg, .iov_len = sizeof(msg) - 1};
        c->ops->send(c, &iov, 1);
        srv.stat_rejected_conn++;
        return NULL;
    }
    if (cfg.protected_mode && !cfg.requirepass[0] && !conn_is_local(c)) {
        static const char msg[] =
            /* the first sentence is Redis's, word for word: clients match it */
            "-DENIED Redis is running in protected mode because protected mode is enabled "
            "and no password is set for the default user. In this mode connections are only "
            "accepted from the loopback interface. Set a password with requirepass, or disable "
            "protected mode with 'protected-mode no', after making sure the server is not "
            "reachable from untrusted networks.\r\n";
        struct iovec iov = {.iov_base = (void *)msg, .iov_len = sizeof(msg) - 1};
        c->ops->send(c, &iov, 1);
        return NULL;
    }
    struct session *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->conn = c;
    s->w = w;
    s->id = atomic_fetch_add(&srv.next_client_id, 1);
    s->resp = 2;
    s->authed = cfg.requirepass[0] == '\0';
    resp_parser_init(&s->parser);
    s->parser.max_bulk = cfg.proto_max_bulk_len;
    s->parser.unauthenticated = !s->authed;
    reply_init(&s->out);
    s->ctime_ms = s->last_ms = store_mstime();
    if (c->kind == CONN_TCP && cfg.tc.tcp_keepalive > 0)
        sock_conn_keepalive(c, cfg.tc.tcp_keepalive);
    s->wnext = w->sessions;
    if (w->sessions) w->sessions->wprev = s;
    w->sessions = s;
    w->nsessions++;
    atomic_fetch_add(&srv.connected_clients, 1);
    registry_add(s);
    mem_update(s);
    return s;
}

/* Redis 7.0.15 as Debian ships it (CVE-2025-21605) closes a client that
 * must still authenticate once its reply list passes 1024 bytes, and
 * (networking.c) once its query buffer passes 1 MiB, so a client without
 * the password cannot make the server hold more than that for it. */
#define UNAUTH_OBUF_MAX 1024
#define UNAUTH_QBUF_MAX (1024 * 1024)

static bool auth_required(const struct session *s)
{
    return !s->authed && cfg.requirepass[0] != '\0';
}

size_t session_mem(const struct session *s)
{
    return sizeof(*s) + s->qcap + s->argv_mem + s->out.chunks_mem + multi_mem(s) +
           (size_t)s->parser.argv_cap * sizeof(struct resp_arg) + s->parser.scratch_cap +
           (s->name ? strlen(s->name) + 1 : 0);
}

/* maxmemory-clients in bytes (a negative value is a percentage of
 * maxmemory, as Redis stores it); 0 = no bound. */
static size_t clients_mem_limit(void)
{
    long long v = cfg.maxmemory_clients;
    if (v >= 0) return (size_t)v;
    return cfg.maxmemory > 0 ? (size_t)(cfg.maxmemory / 100 * -v) : 0;
}

/* Redis 7.0's client eviction, per worker: while every client together
 * costs more than maxmemory-clients, this worker closes its own costliest
 * client that did not ask for CLIENT NO-EVICT. A worker acts for the
 * clients it serves (they are the ones that grow while it runs), so no
 * worker touches another's sessions. */
static void evict_clients(struct worker *w, size_t limit)
{
    while ((size_t)atomic_load(&srv.clients_mem) > limit) {
        struct session *big = NULL;
        for (struct session *s = w->sessions; s; s = s->wnext)
            if (!session_closing(s) && !(s->flags & SF_NO_EVICT) && (!big || s->mem > big->mem))
                big = s;
        if (!big) return;
        atomic_fetch_add(&srv.stat_evicted_clients, 1);
        session_close(big);
    }
}

/* Bring srv.clients_mem up to date with s (after input, output, mail). */
static void mem_update(struct session *s)
{
    if (session_closing(s)) return;
    size_t now = session_mem(s);
    if (now == s->mem) return;
    atomic_fetch_add(&srv.clients_mem, (int64_t)now - (int64_t)s->mem);
    s->mem = now;
    size_t limit = clients_mem_limit();
    if (limit && (size_t)atomic_load(&srv.clients_mem) > limit) evict_clients(s->w, limit);
}

static void session_free(struct session *s)
{
    struct worker *w = s->w;
    held_unlink(s);
    session_set_paused(s, false);
    block_session_gone(s);
    multi_reset(s);
    if (s->wprev)
        s->wprev->wnext = s->wnext;
    else
        w->sessions = s->wnext;
    if (s->wnext) s->wnext->wprev = s->wprev;
    w->nsessions--;
    resp_parser_free(&s->parser);
    reply_release(&s->out);
    free(s->qbuf);
    free(s->name);
    free(s);
}

void session_close(struct session *s)
{
    if (session_closing(s)) return;
    s->flags |= SF_CLOSE_ASAP;
    /* out of the registry now: no other thread finds it, and the
     * transport may free the conn (on_close) before the reaper runs */
    registry_del(s);
    /* and out of the counts: an eviction loop that closed it must see its
     * memory gone, and maxclients must not count it against a connection
     * accepted before the reaper runs (within this iteration) */
    atomic_fetch_sub(&srv.clients_mem, (int64_t)s->mem);
    s->mem = 0;
    atomic_fetch_sub(&srv.connected_clients, 1);
    s->cnext = s->w->closing;
    s->w->closing = s;
}

void session_reap(struct worker *w)
{
    struct session *s;
    while ((s = w->closing) != NULL) {
        w->closing = s->cnext;
        struct conn *c = s->conn;
        session_free(s);
        if (c != NULL) c->ops->close(c);
    }
}

/* The transport lost the connection (reset, error, worker stop) and frees
 * it when this returns: forget it, and close the session. */
static void on_close(void *sess)
{
    struct session *s = sess;
    s->conn = NULL;
    session_close(s);
}

/* Output-buffer memory as Redis counts it (getClientOutputBufferMemoryUsage):
 * the reply list beyond the 16 KiB static buffer, which our first chunk
 * plays. */
static size_t obuf_mem(const struct session *s)
{
    return s->out.chunks_mem > REPLY_CHUNK ? s->out.chunks_mem - REPLY_CHUNK : 0;
}

/* The bound reply.c enforces while a command writes (reply_set_limit): the
 * hard limit of the client's class, or the unauthenticated bound. */
static void obuf_bound(struct session *s)
{
    long long hard = cfg.obuf[OBL_NORMAL].hard;
    size_t lim = auth_required(s) ? UNAUTH_OBUF_MAX : hard > 0 ? (size_t)hard : 0;
    reply_set_limit(&s->out, lim ? lim + REPLY_CHUNK : 0);
}

/* Redis's checkClientOutputBufferLimits for normal clients: past the hard
 * limit, or past the soft limit for longer than its seconds (measured when
 * output is added, as Redis does), or past 1024 bytes before AUTH. */
static bool obuf_over_limit(struct session *s)
{
    if (s->out.over) return true;
    size_t used = obuf_mem(s);
    if (auth_required(s) && used > UNAUTH_OBUF_MAX) return true;
    const struct obuf_limit *l = &cfg.obuf[OBL_NORMAL];
    if (l->hard && used >= (size_t)l->hard) return true;
    if (l->soft && used >= (size_t)l->soft) {
        int64_t now = store_mstime();
        if (!s->obuf_soft_since)
            s->obuf_soft_since = now;
        else if (now - s->obuf_soft_since > l->soft_seconds * 1000)
            return true;
    } else {
        s->obuf_soft_since = 0;
    }
    return false;
}

/* Redis's client-query-buffer-limit (with the queued transaction counted,
 * as 7.0 does) and the 1 MiB bound before AUTH. */
static bool qbuf_over_limit(const struct session *s)
{
    size_t used = s->qlen + multi_mem(s);
    return (long long)used > cfg.client_query_buffer_limit ||
           (auth_required(s) && used > UNAUTH_QBUF_MAX);
}

static void held_unlink(struct session *s)
{
    struct worker *w = s->w;
    if (!s->held) return;
    if (s->hprev)
        s->hprev->hnext = s->hnext;
    else
        w->held = s->hnext;
    if (s->hnext) s->hnext->hprev = s->hprev;
    s->hnext = s->hprev = NULL;
    s->held = false;
}

void session_release_held(struct worker *w)
{
    uint64_t synced = atomic_load(&aof_synced_seq);
    for (struct session *s = w->held, *next; s; s = next) {
        next = s->hnext;
        if (s->hold_seq > synced && !session_closing(s)) continue;
        held_unlink(s);
        s->hold_seq = 0;
        session_flush(s);
    }
}

bool session_flush(struct session *s)
{
    struct worker *w = s->w;
    if (session_closing(s)) return false;
    if (s->hold_seq) {
        /* a write's reply is released once the AOF fsynced it (group
         * commit: one fsync covers every unit before it) */
        if (s->hold_seq > atomic_load(&aof_synced_seq)) {
            if (!s->held) {
                s->held = true;
                s->hprev = NULL;
                s->hnext = w->held;
                if (w->held) w->held->hprev = s;
                w->held = s;
            }
            return true;
        }
        s->hold_seq = 0;
    }
    bool wrote = false;
    while (s->out.pending) {
        struct iovec iov[16];
        int n = reply_iov(&s->out, iov, 16);
        if (n == 0) break;
        ssize_t k = s->conn->ops->send(s->conn, iov, n);
        if (k == -EAGAIN || k == 0) {
            s->conn->ops->want_write(s->conn, true);
            break;
        }
        if (k < 0) {
            session_close(s);
            return false;
        }
        w->net_out += (uint64_t)k;
        w->writes++;
        reply_consume(&s->out, (size_t)k);
        wrote = true;
    }
    /* a write is an interaction for the idle timeout, as in Redis */
    if (wrote) s->last_ms = worker_now_us(w, rte_rdtsc()) / 1000;
    if (s->out.pending) {
        mem_update(s);
        return !session_closing(s);
    }
    s->conn->ops->want_write(s->conn, false);
    if (s->flags & SF_CLOSE_AFTER_REPLY) {
        session_close(s);
        return false;
    }
    mem_update(s);
    return !session_closing(s);
}

void session_output_added(struct session *s)
{
    if (session_closing(s)) return;
    if ((s->out.over || s->out.chunks_mem > REPLY_CHUNK) && obuf_over_limit(s)) {
        session_close(s);
        return;
    }
    session_flush(s);
}

/* Protocol error: reply, then close once the reply is written (Redis). The
 * text may hold a NUL byte (expected '$', got '\0'), sent as is. */
static void protocol_error(struct session *s)
{
    char buf[160] = "ERR ";
    size_t n = resp_error_text(&s->parser, buf + 4, sizeof(buf) - 4);
    if (n >= sizeof(buf) - 4) n = sizeof(buf) - 5;
    reply_error_len(&s->out, buf, n + 4);
    worker_count_error(s->w, "ERR");
    s->flags |= SF_CLOSE_AFTER_REPLY;
}

/* A client held by CLIENT PAUSE counts as blocked, as in Redis 7.0. */
void session_set_paused(struct session *s, bool on)
{
    if (on == !!(s->flags & SF_PAUSED)) return;
    if (on) {
        s->flags |= SF_PAUSED;
        s->w->npaused++;
        atomic_fetch_add(&srv.blocked_clients, 1);
    } else {
        s->flags &= ~SF_PAUSED;
        s->w->npaused--;
        atomic_fetch_sub(&srv.blocked_clients, 1);
    }
}

static bool paused_for(const struct session *s)
{
    int kind = atomic_load(&srv.pause_kind);
    if (kind == PAUSE_NONE) return false;
    return store_mstime() < atomic_load(&srv.pause_end_ms);
}

/* Parse and run the commands in buf from parser.pos on; stops at the first
 * incomplete one (or when the session must stop reading). */
static void process_buf(struct session *s, const char *buf, size_t len)
{
    while (!(s->flags & (SF_CLOSE_AFTER_REPLY | SF_CLOSE_ASAP | SF_BLOCKED))) {
        size_t start = s->parser.pos;
        s->parser.max_bulk = cfg.proto_max_bulk_len; /* CONFIG SET applies at once */
        int rc = resp_parse(&s->parser, buf, len);
        if (rc == RESP_NEED_MORE) break;
        if (rc == RESP_ERROR) {
            protocol_error(s);
            break;
        }
        if (s->parser.argc == 0) continue;
        if (paused_for(s)) {
            /* CLIENT PAUSE: keep the command for later (parse it again) */
            int kind = atomic_load(&srv.pause_kind);
            const struct resp_arg *a = &s->parser.argv[0];
            bool hold = kind == PAUSE_ALL ||
                        dispatch_is_write(a->ptr, a->len, s->parser.argc, s->parser.argv);
            if (hold) {
                s->parser.pos = start;
                session_set_paused(s, true);
                break;
            }
        }
        obuf_bound(s);
        size_t am = 0;
        for (int i = 0; i < s->parser.argc; i++) am += s->parser.argv[i].len;
        s->argv_mem = am;
        dispatch_command(s, s->parser.argc, s->parser.argv);
        s->argv_mem = 0;
        if ((s->out.over || s->out.chunks_mem > REPLY_CHUNK) && obuf_over_limit(s)) {
            session_close(s);
            break;
        }
    }
}

void session_process(struct session *s)
{
    struct worker *w = s->w;
    if (session_closing(s)) return;
    process_buf(s, s->qbuf, s->qlen);
    /* drop consumed bytes */
    if (s->parser.pos) {
        size_t rest = s->qlen - s->parser.pos;
        if (rest) memmove(s->qbuf, s->qbuf + s->parser.pos, rest);
        s->qlen = rest;
        resp_consumed(&s->parser, s->parser.pos);
    }
    if (s->qlen == 0 && s->qcap > QBUF_KEEP) {
        free(s->qbuf);
        s->qbuf = NULL;
        s->qcap = 0;
    }
    if (s->out.chunks_mem > w->client_max_obuf) w->client_max_obuf = s->out.chunks_mem;
}

/* Make room for at least `want` more bytes in the query buffer: doubling
 * for ordinary reads, exactly for a big argument (as Redis does), so a
 * 20 MB value costs 20 MB of buffer, not 32. */
static bool qbuf_reserve(struct session *s, size_t want)
{
    if (s->qcap - s->qlen >= want) return true;
    size_t cap = s->qcap ? s->qcap : QBUF_INIT;
    if (want > READ_CHUNK)
        cap = s->qlen + want;
    else
        while (cap - s->qlen < want) cap *= 2;
    char *p = realloc(s->qbuf, cap);
    if (!p) return false;
    s->qbuf = p;
    s->qcap = cap;
    return true;
}

/* After a batch of input ran: false when the session is closing or must
 * stop reading for now. */
static bool after_input(struct session *s)
{
    if (!session_flush(s)) return false;
    if (s->flags & SF_PAUSED) {
        s->conn->ops->pause_read(s->conn, true);
        return false;
    }
    return true;
}

/* Input that arrives after QUIT or a protocol error is never executed:
 * drain it so it costs no memory (and so that closing finds the socket
 * read, and ends with FIN rather than RST, which would destroy the reply
 * the peer has not read yet). */
static bool discard_input(struct session *s)
{
    char sink[4096];
    for (;;) {
        ssize_t n = s->conn->ops->recv(s->conn, sink, sizeof(sink));
        if (n == -EAGAIN) return true;
        if (n <= 0) {
            session_close(s);
            return false;
        }
        s->w->net_in += (uint64_t)n;
    }
}

/* The transport shows received bytes in place (the data plane's segments):
 * run the complete commands straight from them, so a value is copied once,
 * into the store; only an incomplete tail moves into the query buffer.
 * Returns false when the session is closing or must stop reading. */
static bool read_in_place(struct session *s)
{
    struct worker *w = s->w;
    const struct conn_ops *ops = s->conn->ops;
    while (s->qlen == 0 && !(s->flags & SF_CLOSE_AFTER_REPLY)) {
        size_t len;
        const char *p = ops->peek(s->conn, &len);
        if (p == NULL) return true; /* recv() tells end of stream from none */
        w->net_in += (uint64_t)len;
        w->reads++;
        s->last_ms = worker_now_us(w, rte_rdtsc()) / 1000;
        process_buf(s, p, len);
        size_t used = s->parser.pos, rest = len - used;
        if (rest > 0 && !session_closing(s)) {
            if (!qbuf_reserve(s, rest)) {
                session_close(s);
                return false;
            }
            memcpy(s->qbuf, p + used, rest);
            s->qlen = rest;
            if (s->qlen > s->qpeak) s->qpeak = s->qlen;
            if (s->qlen > w->client_max_qbuf) w->client_max_qbuf = s->qlen;
        }
        resp_consumed(&s->parser, used);
        ops->consume(s->conn, len);
        if (s->out.chunks_mem > w->client_max_obuf) w->client_max_obuf = s->out.chunks_mem;
        if (session_closing(s)) return false;
        if (qbuf_over_limit(s)) {
            session_close(s);
            return false;
        }
        if (!after_input(s)) return false;
    }
    return true;
}

static void on_readable(void *sess)
{
    struct session *s = sess;
    struct worker *w = s->w;
    if (session_closing(s) || (s->flags & SF_PAUSED)) return;
    if (s->flags & SF_CLOSE_AFTER_REPLY) {
        discard_input(s);
        return;
    }
    if (s->conn->ops->peek != NULL && !read_in_place(s)) return;
    for (int round = 0; round < 4 && !(s->flags & SF_CLOSE_AFTER_REPLY); round++) {
        /* a big argument in flight: read straight to its full size */
        size_t want = resp_want(&s->parser);
        size_t chunk = want > READ_CHUNK ? want : READ_CHUNK;
        if (!qbuf_reserve(s, chunk)) {
            session_close(s);
            return;
        }
        ssize_t n = s->conn->ops->recv(s->conn, s->qbuf + s->qlen, s->qcap - s->qlen);
        if (n == -EAGAIN) break;
        if (n <= 0) {
            session_close(s);
            return;
        }
        w->net_in += (uint64_t)n;
        w->reads++;
        s->qlen += (size_t)n;
        s->last_ms = worker_now_us(w, rte_rdtsc()) / 1000;
        if (s->qlen > s->qpeak) s->qpeak = s->qlen;
        if (s->qlen > w->client_max_qbuf) w->client_max_qbuf = s->qlen;
        if (qbuf_over_limit(s)) {
            /* Redis closes such a client without a reply */
            session_close(s);
            return;
        }
        session_process(s);
        if (!after_input(s)) return;
        if ((size_t)n < chunk) break; /* drained the socket */
    }
    if (s->flags & SF_CLOSE_AFTER_REPLY) discard_input(s);
}

static void on_writable(void *sess)
{
    struct session *s = sess;
    session_flush(s);
}

const struct conn_handler session_handler = {
    .on_accept = on_accept,
    .on_readable = on_readable,
    .on_writable = on_writable,
    .on_close = on_close,
};

size_t session_describe(const struct session *s, char *buf, size_t len)
{
    int64_t now = store_mstime();
    const char *cmd = s->last_cmd ? dispatch_cmd_name(s->last_cmd) : "NULL";
    char flags[8];
    int nf = 0;
    if (s->flags & (SF_BLOCKED | SF_PAUSED)) flags[nf++] = 'b';
    if (s->flags & SF_CLOSE_AFTER_REPLY) flags[nf++] = 'c';
    if (s->flags & SF_NO_EVICT) flags[nf++] = 'e';
    if (s->mstate) flags[nf++] = 'x';
    if (atomic_load_explicit(&s->watch.dirty, memory_order_relaxed)) flags[nf++] = 'd';
    if (nf == 0) flags[nf++] = 'N';
    flags[nf] = '\0';
    /* Redis reports its 16 KiB static reply buffer (obl: bytes in it) apart
     * from the reply list (oll: blocks, omem: their bytes); our first chunk
     * plays the static buffer. Scalars only: another worker may be reading. */
    size_t omem = obuf_mem(s), pending = s->out.pending;
    uint32_t nchunks = s->out.nchunks;
    size_t oll = nchunks > 1 ? nchunks - 1 : 0;
    size_t obl = oll ? (pending < REPLY_CHUNK ? pending : REPLY_CHUNK) : pending;
    return (size_t)snprintf(
        buf, len,
        "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=0 psub=0 "
        "ssub=0 multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu rbp=%zu obl=%zu "
        "oll=%zu omem=%zu tot-mem=%zu events=r%s cmd=%s user=default redir=-1 resp=%d worker=%u",
        (unsigned long long)s->id, s->conn->peer, s->conn->local, s->conn->fd,
        s->name ? s->name : "", (long long)((now - s->ctime_ms) / 1000),
        (long long)((now - s->last_ms) / 1000), flags, s->db, multi_count(s), s->qlen,
        s->qcap - s->qlen, s->argv_mem, multi_mem(s), (size_t)REPLY_CHUNK, s->qpeak, obl, oll, omem,
        session_mem(s), s->out.pending ? "w" : "", cmd, s->resp, s->w->id);
}
