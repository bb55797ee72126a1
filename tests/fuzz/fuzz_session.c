/* fuzz_session.c — libFuzzer target for client sessions: RESP fragments
 * interleaved with connection events, driven through the real app code
 * (app/ without main(), store/, the config and command table as the server
 * loads them, one worker) over a stub transport that never touches the
 * network. Issue 9, "Hostile clients".
 *
 * Input format (tests/fuzz/mkseed.py writes it from a readable script):
 * a flat sequence of operations. Each starts with one byte: its low two
 * bits name a connection slot c (0..3), the rest, modulo the number of
 * operations, the operation. Operands follow; a truncated one ends the input.
 *
 *   0 OPEN f        accept a connection into slot c (if empty). f: bit 0 the
 *                   data-plane style (peek/consume offered, on_readable before
 *                   on_writable, a reset drops the conn at once); bit 1 a peer
 *                   that is not local (10.0.0.x: protected mode applies);
 *                   bit 2 a Unix socket
 *   1 DATA n b[n]   c receives n bytes (one segment)
 *   2 DATA2 l h b[] the same with a 16-bit little-endian length
 *   3 REPEAT k n b[n]  c receives the n-byte pattern (k+1)*16 times
 *   4 CMD i         c receives the inline command cmds[i % NCMDS] + "\r\n"
 *   5 EOF           the peer half-closes: recv() returns 0 after the queue
 *   6 RESET         the peer resets: kernel style, recv() returns
 *                   -ECONNRESET after the queue and send() -EPIPE; data-plane
 *                   style, the stack drops the conn at once (on_close)
 *   7 SENDERR       send() returns -EPIPE from now on (a dead peer)
 *   8 ROOM r        send-buffer room: 0 full (-EAGAIN), 255 unlimited, else
 *                   r*64 bytes (each send takes from it: partial writes)
 *   9 CHUNK r       recv() returns at most r bytes a call (0: no bound)
 *  10 EVENT m       one event for c, filtered as its transport would report
 *                   it: bit 0 readable (not while paused), bit 1 writable (only
 *                   when asked for), bit 2 hang-up/error (kernel style: drops a
 *                   paused conn, as sock_transport.c does)
 *  11 DROP          the transport loses c: on_close, then the conn is freed
 *  12 POLL          one transport poll: every conn's ready events
 *  13 MAIL          mailbox_drain()
 *  14 TIMEOUTS      block_timeouts()
 *  15 UNPAUSE       worker_unpause()
 *  16 KILLS         worker_kills(), if a kill is pending
 *  17 CRON          worker_cron() (idle timeouts)
 *  18 TICK t        the clock advances t*t ms
 *  19 EXPIRE        a slice of active expiry
 *  20 REAP          session_reap()
 *  21 ITER          one whole worker_iterate(): the real loop's order
 *
 * Every input starts from the same state: no keys, the default
 * configuration, the clock at the same instant (CLOCK_REALTIME is virtual
 * for the project's code: see fz_clock_gettime), client ids from 3 (slot
 * order of OPENs). At its end the transport stops (every conn left is
 * dropped, as worker_stop does) and the worker reaps.
 *
 * Checked (abort on violation), beyond ASan/UBSan/LeakSanitizer:
 *   - no conn op on a conn after close() or after its on_close returned
 *     (the conn must be live: in a slot), nor peeked bytes used after the
 *     next call into the transport (they are freed then);
 *   - close() only from session_reap(), never inside a handler callback,
 *     once per conn; an app never closes a conn it was told is gone;
 *   - every live conn's session is one of the worker's sessions; a
 *     session's conn is live or forgotten (NULL, closing);
 *   - after a whole loop iteration, a session with output pending has
 *     asked for on_writable (or its peer is gone, or its replies wait for
 *     the AOF's fsync), and a session held by CLIENT PAUSE has paused its
 *     conn's reading;
 *   - at teardown: every conn closed or dropped, every session freed, the
 *     registry empty, connected/blocked clients and clients' memory zero.
 *
 * Run: see tests/fuzz/README.md.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <unistd.h>

#include <rte_eal.h>

#include "aof.h"
#include "block.h"
#include "blocking.h"
#include "cmdtable.h"
#include "config.h"
#include "control.h"
#include "db.h"
#include "eal_exit.h"
#include "mailbox.h"
#include "persist.h"
#include "server.h"
#include "session.h"
#include "snapshot.h"
#include "tunables.h"
#include "worker.h"

/* meson.build compiles every source of this target with
 * -Dclock_gettime=fz_clock_gettime (so <time.h> declared that name); this
 * file calls the real one. */
#undef clock_gettime
int clock_gettime(clockid_t id, struct timespec *ts);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fz_clock_gettime(clockid_t id, struct timespec *ts);

#define NSLOT       4
#define RX_MAX      (4u << 20) /* bytes an input may queue in all */
#define CLOCK_START 1700000000000000LL

static void sandbox_remove(void);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_session: contract violated: %s\n", what);
    sandbox_remove();
    abort();
}
#define REQUIRE(cond, what)      \
    do {                         \
        if (!(cond)) fail(what); \
    } while (0)

/* ---- the clock --------------------------------------------------------- */

/* The project's CLOCK_REALTIME: a virtual clock that TICK advances and
 * every reading moves on by 1 us, so an input replays exactly. */
static int64_t fz_now_us = CLOCK_START;

int fz_clock_gettime(clockid_t id, struct timespec *ts)
{
    if (id != CLOCK_REALTIME) return clock_gettime(id, ts);
    int64_t t = fz_now_us++;
    ts->tv_sec = (time_t)(t / 1000000);
    ts->tv_nsec = (long)(t % 1000000) * 1000;
    return 0;
}

/* ---- the stub transport ------------------------------------------------ */

enum { RX_OPEN, RX_EOF, RX_RESET };

struct seg {
    struct seg *next;
    size_t len, off; /* bytes, and how many were consumed */
    char data[];
};

struct fconn {
    struct conn c; /* first: conn_ops get &fc->c */
    int slot;
    bool dp;         /* data-plane style */
    bool want_write; /* on_writable asked for */
    bool paused;     /* pause_read(true) */
    bool send_err;   /* send() fails with -EPIPE */
    int rx_end;      /* what recv() says once the queue is empty */
    struct seg *head, *tail;
    size_t rx_bytes;
    size_t chunk; /* recv() bound; 0 = none */
    size_t room;  /* send room; SIZE_MAX = unlimited */
};

static struct fconn *slots[NSLOT]; /* the live conns */
static const struct conn_handler *handler;
static void *handler_wctx;
static int cb_depth;                 /* > 0 inside a handler callback */
static bool in_reap;                 /* inside session_reap() */
static size_t rx_total;              /* bytes queued by this input */
static char *peek_view;              /* what the last peek() returned, freed at the next call */
static unsigned long n_open, n_gone; /* conns accepted / closed or dropped */
static volatile uint64_t sink;       /* sent bytes are read (ASan checks them) */
static bool trace;                   /* FUZZ_SESSION_TRACE=1: print ops and replies */

static void trace_bytes(const char *what, int slot, const void *p, size_t n)
{
    if (!trace) return;
    fprintf(stderr, "  [%d] %s %zu: ", slot, what, n);
    const unsigned char *b = p;
    for (size_t i = 0; i < n && i < 96; i++) {
        if (b[i] == '\r')
            fputs("\\r", stderr);
        else if (b[i] == '\n')
            fputs("\\n", stderr);
        else if (b[i] < 32 || b[i] > 126)
            fprintf(stderr, "\\x%02x", b[i]);
        else
            fputc(b[i], stderr);
    }
    fputs(n > 96 ? "...\n" : "\n", stderr);
}

static struct fconn *live(struct conn *c)
{
    for (int i = 0; i < NSLOT; i++)
        if (slots[i] && &slots[i]->c == c) return slots[i];
    fail("conn op on a conn that was closed or dropped");
    return NULL;
}

/* Bytes shown by peek() stay valid only until the next call into the
 * transport (conn.h): free them at every call, so ASan sees a later use. */
static void transport_entered(void)
{
    free(peek_view);
    peek_view = NULL;
}

static void conn_free(struct fconn *fc)
{
    while (fc->head) {
        struct seg *s = fc->head;
        fc->head = s->next;
        free(s);
    }
    slots[fc->slot] = NULL;
    n_gone++;
    free(fc);
}

static ssize_t fz_recv(struct conn *c, void *buf, size_t len)
{
    transport_entered();
    struct fconn *fc = live(c);
    if (fc->rx_bytes == 0) {
        if (fc->rx_end == RX_EOF) return 0;
        if (fc->rx_end == RX_RESET) return -ECONNRESET;
        return -EAGAIN;
    }
    REQUIRE(len > 0, "recv() with an empty buffer");
    size_t n = len < fc->rx_bytes ? len : fc->rx_bytes;
    if (fc->chunk && n > fc->chunk) n = fc->chunk;
    size_t done = 0;
    while (done < n) {
        struct seg *s = fc->head;
        size_t k = s->len - s->off;
        if (k > n - done) k = n - done;
        memcpy((char *)buf + done, s->data + s->off, k);
        s->off += k;
        done += k;
        if (s->off == s->len) {
            fc->head = s->next;
            if (!fc->head) fc->tail = NULL;
            free(s);
        }
    }
    fc->rx_bytes -= n;
    return (ssize_t)n;
}

static const void *fz_peek(struct conn *c, size_t *len)
{
    transport_entered();
    struct fconn *fc = live(c);
    if (fc->rx_bytes == 0) {
        *len = 0;
        return NULL;
    }
    struct seg *s = fc->head;
    size_t n = s->len - s->off;
    /* a copy of the segment, exactly sized: a read past it, or after the
     * next call into the transport, is an ASan report */
    peek_view = malloc(n);
    if (!peek_view) abort();
    memcpy(peek_view, s->data + s->off, n);
    *len = n;
    return peek_view;
}

static void fz_consume(struct conn *c, size_t len)
{
    transport_entered();
    struct fconn *fc = live(c);
    REQUIRE(len <= fc->rx_bytes, "consume() past the received bytes");
    fc->rx_bytes -= len;
    while (len > 0) {
        struct seg *s = fc->head;
        size_t k = s->len - s->off;
        if (k > len) k = len;
        s->off += k;
        len -= k;
        if (s->off == s->len) {
            fc->head = s->next;
            if (!fc->head) fc->tail = NULL;
            free(s);
        }
    }
}

static ssize_t fz_send(struct conn *c, const struct iovec *iov, int iovcnt)
{
    transport_entered();
    struct fconn *fc = live(c);
    REQUIRE(iovcnt > 0, "send() of nothing");
    if (fc->send_err) return -EPIPE;
    if (fc->room == 0) return -EAGAIN;
    size_t took = 0;
    for (int i = 0; i < iovcnt && took < fc->room; i++) {
        size_t k = iov[i].iov_len;
        if (k > fc->room - took) k = fc->room - took;
        const unsigned char *p = iov[i].iov_base;
        trace_bytes("sent", fc->slot, p, k);
        uint64_t h = 0;
        for (size_t j = 0; j < k; j++) h = h * 31 + p[j];
        sink += h;
        took += k;
    }
    if (took == 0) return -EAGAIN;
    if (fc->room != SIZE_MAX) fc->room -= took;
    return (ssize_t)took;
}

static void fz_close(struct conn *c)
{
    transport_entered();
    struct fconn *fc = live(c);
    if (trace) fprintf(stderr, "  [%d] closed by the app\n", fc->slot);
    REQUIRE(cb_depth == 0, "close() from inside a handler callback");
    REQUIRE(in_reap, "close() outside session_reap()");
    conn_free(fc);
}

static void fz_want_write(struct conn *c, bool on)
{
    transport_entered();
    live(c)->want_write = on;
}

static void fz_pause_read(struct conn *c, bool on)
{
    transport_entered();
    live(c)->paused = on;
}

static const struct conn_ops sock_style_ops = {
    .recv = fz_recv,
    .send = fz_send,
    .close = fz_close,
    .want_write = fz_want_write,
    .pause_read = fz_pause_read,
};

static const struct conn_ops dp_style_ops = {
    .recv = fz_recv,
    .peek = fz_peek,
    .consume = fz_consume,
    .send = fz_send,
    .close = fz_close,
    .want_write = fz_want_write,
    .pause_read = fz_pause_read,
};

/* Handler callbacks, counted so close() can tell it is inside one. */
static void cb_readable(struct fconn *fc)
{
    cb_depth++;
    handler->on_readable(fc->c.session);
    cb_depth--;
    transport_entered();
}

static void cb_writable(struct fconn *fc)
{
    cb_depth++;
    handler->on_writable(fc->c.session);
    cb_depth--;
    transport_entered();
}

/* The transport loses the conn (sock_transport.c's sc_drop, the stack's
 * tcp_tcb_drop): the app forgets it in on_close, then it is freed. */
static void drop(struct fconn *fc)
{
    if (trace) fprintf(stderr, "  [%d] dropped by the transport\n", fc->slot);
    cb_depth++;
    handler->on_close(fc->c.session);
    cb_depth--;
    transport_entered();
    conn_free(fc);
}

static void accept_conn(int slot, uint8_t f)
{
    if (slots[slot]) return;
    struct fconn *fc = calloc(1, sizeof(*fc));
    if (!fc) abort();
    fc->slot = slot;
    fc->dp = f & 1;
    fc->room = SIZE_MAX;
    fc->c.ops = fc->dp ? &dp_style_ops : &sock_style_ops;
    fc->c.fd = -1;
    if (f & 4) {
        fc->c.kind = CONN_UNIX;
        snprintf(fc->c.peer, sizeof(fc->c.peer), "/tmp/fz.sock:0");
        snprintf(fc->c.local, sizeof(fc->c.local), "/tmp/fz.sock:0");
    } else {
        fc->c.kind = fc->dp ? CONN_DPDK : CONN_TCP;
        snprintf(fc->c.peer, sizeof(fc->c.peer), "%s:%d", (f & 2) ? "10.0.0.9" : "127.0.0.1",
                 40000 + slot);
        snprintf(fc->c.local, sizeof(fc->c.local), "127.0.0.1:6379");
    }
    slots[slot] = fc;
    n_open++;
    cb_depth++;
    void *s = handler->on_accept(handler_wctx, &fc->c);
    cb_depth--;
    transport_entered();
    if (!s) {
        if (trace) fprintf(stderr, "  [%d] refused\n", slot);
        conn_free(fc); /* refused: the transport closes it at once */
        return;
    }
    fc->c.session = s;
}

static void queue_rx(struct fconn *fc, const uint8_t *p, size_t n, size_t reps)
{
    if (n == 0 || reps == 0 || fc->rx_end != RX_OPEN) return;
    if (rx_total + n * reps > RX_MAX) return;
    struct seg *s = malloc(sizeof(*s) + n * reps);
    if (!s) abort();
    s->next = NULL;
    s->len = n * reps;
    s->off = 0;
    for (size_t i = 0; i < reps; i++) memcpy(s->data + i * n, p, n);
    if (fc->tail)
        fc->tail->next = s;
    else
        fc->head = s;
    fc->tail = s;
    fc->rx_bytes += s->len;
    rx_total += s->len;
    trace_bytes("to receive", fc->slot, s->data, s->len);
}

/* One event for fc as its transport reports it (m: 1 readable, 2 writable,
 * 4 hang-up/error). Returns false if the conn is gone. */
static bool event(struct fconn *fc, unsigned m)
{
    bool rd = (m & 1) && !fc->paused, wr = (m & 2) && fc->want_write;
    if (!fc->dp) {
        /* sock_transport.c's order */
        if ((m & 4) && fc->paused) {
            drop(fc);
            return false;
        }
        if (wr) cb_writable(fc);
        if (rd || (m & 4)) cb_readable(fc);
    } else {
        /* tcp_deliver_events()'s order; on_readable only with bytes or FIN */
        if (rd && (fc->rx_bytes > 0 || fc->rx_end == RX_EOF)) cb_readable(fc);
        if (wr) cb_writable(fc);
    }
    return true;
}

/* Level-triggered readiness, as epoll (or the stack's event list) shows it. */
static unsigned ready(const struct fconn *fc)
{
    unsigned m = 0;
    if (fc->rx_bytes > 0 || fc->rx_end != RX_OPEN) m |= 1;
    if (fc->want_write && (fc->room > 0 || fc->send_err || fc->rx_end == RX_RESET)) m |= 2;
    if (fc->rx_end == RX_RESET && !fc->dp) m |= 4;
    return m;
}

static int tp_worker_start(struct transport *t, unsigned w, const struct conn_handler *h,
                           void *wctx)
{
    handler = h;
    handler_wctx = wctx;
    return 0;
}

static int tp_poll(struct transport *t, unsigned w, int timeout_us)
{
    int n = 0;
    for (int i = 0; i < NSLOT; i++) {
        struct fconn *fc = slots[i];
        unsigned m = fc ? ready(fc) : 0;
        if (!m) continue;
        event(fc, m);
        n++;
    }
    return n;
}

static void tp_flush(struct transport *t, unsigned w) {}

static void tp_worker_stop(struct transport *t, unsigned w)
{
    for (int i = 0; i < NSLOT; i++)
        if (slots[i]) drop(slots[i]);
}

static void tp_wake(struct transport *t, unsigned w) {}

static void tp_destroy(struct transport *t) {}

static const struct transport_ops fz_tp_ops = {
    .name = "fuzz",
    .worker_start = tp_worker_start,
    .poll = tp_poll,
    .flush = tp_flush,
    .worker_stop = tp_worker_stop,
    .wake = tp_wake,
    .info = NULL,
    .destroy = tp_destroy,
};
static struct transport fz_tp = {.ops = &fz_tp_ops};

/* ---- the worker's steps ------------------------------------------------ */

static struct worker *W;

/* session_reap() as the worker loop calls it (meson.build links with
 * --wrap=session_reap): the one place close() is allowed. */
void __real_session_reap(struct worker *w);
void __wrap_session_reap(struct worker *w);
void __wrap_session_reap(struct worker *w)
{
    REQUIRE(cb_depth == 0, "session_reap() inside a handler callback");
    in_reap = true;
    __real_session_reap(w);
    in_reap = false;
}

static void reap(void)
{
    __wrap_session_reap(W);
}

static bool is_session(const struct session *s)
{
    for (const struct session *x = W->sessions; x; x = x->wnext)
        if (x == s) return true;
    return false;
}

static bool is_live(const struct conn *c)
{
    for (int i = 0; i < NSLOT; i++)
        if (slots[i] && &slots[i]->c == c) return true;
    return false;
}

/* After every operation: conns and sessions point at each other, or at
 * nothing that was freed. `loop_done`: a whole iteration just ran. */
static void check_links(bool loop_done)
{
    for (int i = 0; i < NSLOT; i++) {
        struct fconn *fc = slots[i];
        if (!fc) continue;
        struct session *s = fc->c.session;
        REQUIRE(is_session(s), "a live conn's session was freed");
        REQUIRE(s->conn == &fc->c, "a live conn's session points elsewhere");
        if (!loop_done || session_closing(s)) continue;
        bool gone = fc->send_err || fc->rx_end == RX_RESET;
        REQUIRE(!s->out.pending || fc->want_write || gone || s->held,
                "output pending after a loop iteration, on_writable not asked for");
        REQUIRE(!(s->flags & SF_PAUSED) || fc->paused,
                "a client held by CLIENT PAUSE still has its reading on");
    }
    for (struct session *s = W->sessions; s; s = s->wnext) {
        if (s->conn)
            REQUIRE(is_live(s->conn), "a session holds a conn that is gone");
        else
            REQUIRE(session_closing(s), "a session without a conn is not closing");
    }
}

/* ---- commands for CMD -------------------------------------------------- */

static const char *const cmds[] = {
    "PING",
    "QUIT",
    "RESET",
    "SET k v",
    "GET k",
    "DEL k l big",
    "INCR k",
    "EXPIRE k 1",
    "PEXPIRE l 5",
    "LPUSH l a",
    "RPUSH l a b c",
    "LPOP l",
    "LRANGE l 0 -1",
    "BLPOP l 0",
    "BLPOP l 0.05",
    "BRPOP m l 1",
    "BLMOVE l m LEFT RIGHT 0",
    "BRPOPLPUSH m l 0",
    "BZPOPMIN z 0",
    "ZADD z 1 a",
    "MULTI",
    "EXEC",
    "DISCARD",
    "WATCH k l",
    "UNWATCH",
    "MULTI\r\nBLPOP l 0\r\nLPUSH l x\r\nEXEC",
    "CLIENT KILL ID 3",
    "CLIENT KILL ID 4",
    "CLIENT KILL ID 5",
    "CLIENT KILL ID 6",
    "CLIENT KILL 127.0.0.1:40001",
    "CLIENT KILL ADDR 127.0.0.1:40000 SKIPME no",
    "CLIENT KILL TYPE normal",
    "CLIENT KILL LADDR 127.0.0.1:6379 SKIPME yes",
    "CLIENT UNBLOCK 3",
    "CLIENT UNBLOCK 4 ERROR",
    "CLIENT UNBLOCK 5",
    "CLIENT PAUSE 50",
    "CLIENT PAUSE 100000 WRITE",
    "CLIENT UNPAUSE",
    "CLIENT REPLY OFF",
    "CLIENT REPLY ON",
    "CLIENT REPLY SKIP",
    "CLIENT LIST",
    "CLIENT INFO",
    "CLIENT SETNAME fz",
    "CLIENT NO-EVICT on",
    "CLIENT ID",
    "CONFIG SET requirepass pw",
    "CONFIG SET requirepass \"\"",
    "AUTH pw",
    "AUTH nope",
    "HELLO 3",
    "HELLO 2 AUTH default pw",
    "SELECT 1",
    "SWAPDB 0 1",
    "FLUSHALL",
    "CONFIG SET client-output-buffer-limit \"normal 20000 10000 1\"",
    "CONFIG SET maxmemory-clients 40000",
    "CONFIG SET maxclients 2",
    "CONFIG SET timeout 1",
    "CONFIG SET client-query-buffer-limit 1mb",
    "SETRANGE big 300000 x",
    "GET big",
    "INFO clients",
    "SHUTDOWN",
    "*1\r\n$4\r\nPING",
    "*2\r\n$3\r\nGET\r\n$-5",
    "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n",
    "\"unbalanced",
    "CLIENT PAUSE 100000",
    "CLIENT KILL 127.0.0.1:40000",
    "LPUSH l x",
    "SAVE",
    "BGSAVE",
    "CONFIG SET appendonly yes",
    "CONFIG SET appendfsync always",
    "BGREWRITEAOF",
    /* append only: committed inputs name entries by index */
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* ---- set-up and one input ---------------------------------------------- */

static const char *const op_names[] = {
    "open",  "data",  "data2", "repeat", "cmd",  "eof",  "reset",    "senderr",
    "room",  "chunk", "event", "drop",   "poll", "mail", "timeouts", "unpause",
    "kills", "cron",  "tick",  "expire", "reap", "iter",
};
#define NOPS (sizeof(op_names) / sizeof(op_names[0]))

static struct config cfg_start;
static struct store_tunables tun_start;
static char sandbox[1100]; /* the server's dir */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void sandbox_remove(void)
{
    if (sandbox[0]) nftw(sandbox, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Sandboxes of earlier processes that died without their atexit (a
 * sanitizer report ends with _exit): <tmp>/fuzz_session.<pid>.* whose pid
 * is gone. */
static void sandbox_remove_stale(const char *tmp)
{
    DIR *d = opendir(tmp);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        int pid;
        if (sscanf(e->d_name, "fuzz_session.%d.", &pid) != 1 || pid <= 0) continue;
        if (kill(pid, 0) == 0 || errno != ESRCH) continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", tmp, e->d_name);
        nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    }
    closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=ss_fzs_%d", (int)getpid());
    char *eal[] = {"fuzz", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-m",
                   "64",   "-l",        "0",        "--log-level", "lib.eal:error",  prefix,
                   NULL};
    if (rte_eal_init(12, eal) < 0) abort();
    atexit(eal_cleanup_runtime_dir); /* eal_exit.h */

    /* the server's start-up (main.c), with one worker, in a directory of
     * its own (SAVE, BGSAVE and the AOF write there), no save points, and
     * a log level that drops every line (persistence logs from any thread) */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    sandbox_remove_stale(tmp);
    snprintf(sandbox, sizeof(sandbox), "%s/fuzz_session.%d.XXXXXX", tmp, (int)getpid());
    if (!mkdtemp(sandbox)) abort();
    atexit(sandbox_remove);
    static const int quiet = LOG_WARNING + 1;
    static const struct ctl_settings cs = {.logfile = "", .loglevel = &quiet, .pidfile = ""};
    ctl_configure(&cs);
    srv.ncmds = cmdtable_init();
    char err[512], cwd[4096];
    char *cargv[] = {"fuzz", "--workers", "1", "--dir", sandbox, "--save", "", NULL};
    if (!getcwd(cwd, sizeof(cwd))) abort();
    if (config_load(7, cargv, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    if (chdir(cwd) != 0) abort(); /* config_load went to dir; libFuzzer's paths are relative */
    server_persist_configure();
    cfg.tc.workers = 1;
    cfg.tc.tcp_keepalive = 0; /* no fd to set it on */
    if (server_init(1, 16) < 0) abort();
    srv.tp = &fz_tp;
    W = &srv.workers[0];
    if (worker_setup(W) < 0) abort();
    server_aof_configure();
    if (aof_start(&srv.ks, false, err, sizeof(err)) < 0) abort();
    cfg_start = cfg;
    tun_start = store_tun;
    const char *t = getenv("FUZZ_SESSION_TRACE");
    trace = t && *t && *t != '0';
    return 0;
}

static void reset_state(void)
{
    for (unsigned sh = 0; sh < srv.ks.nshards; sh++) {
        for (unsigned d = 0; d < srv.ks.ndb; d++) {
            if (dict_size(&srv.ks.shards[sh].db[d].keys) == 0) continue;
            ks_lock(&srv.ks, sh);
            db_flush_shard(&srv.ks, sh, (int)d, false);
            ks_unlock(&srv.ks, sh);
        }
    }
    cfg = cfg_start;
    store_tun = tun_start;
    atomic_store(&srv.pause_kind, PAUSE_NONE);
    atomic_store(&srv.pause_end_ms, 0);
    atomic_store(&srv.shutdown_asap, 0);
    atomic_store(&srv.next_client_id, 3);
    atomic_store(&W->kill_pending, 0);
    W->last_cron_us = W->last_expire_us = 0;
    W->blk_next_deadline = INT64_MAX;
    fz_now_us = CLOCK_START;
    rx_total = 0;
    transport_entered();
}

/* The worker's clock follows the virtual one exactly (no TSC drift). */
static void sync_clock(void)
{
    W->us_per_tsc = 0;
    W->iter_us = fz_now_us;
    W->iter_tsc = 0; /* worker_iterate() re-anchors at once */
}

/* The control thread's tick (main.c's control_tick: persist_cron, aof_cron)
 * until every BGSAVE and AOF rewrite the input asked for, scheduled or
 * started, has finished: two ticks in a row with no snapshot, no rewrite
 * and the save slot free. (One at a time: a BGSAVE waits for a rewrite's
 * snapshot, a rewrite for a BGSAVE's.) */
static void control_settle(void)
{
    for (int quiet = 0, ticks = 0; quiet < 2; ticks++) {
        REQUIRE(ticks < 30000, "a BGSAVE or AOF rewrite never finished (30 s)");
        persist_cron(&srv.ks);
        aof_cron(&srv.ks);
        if (!snap_busy() && !aof_rewrite_in_progress() && persist_claim()) {
            persist_release();
            quiet++;
        } else {
            quiet = 0;
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        }
    }
}

static void teardown(void)
{
    sync_clock();
    tp_worker_stop(&fz_tp, 0); /* worker_main's end: stop, then reap */
    reap();
    /* mail for sessions that left (block.c releases it), then its serving */
    mailbox_drain(&W->mbox, W);
    if (blk_deferred_pending()) blk_serve_deferred(&srv.ks, &W->st, &W->wlog);
    mailbox_drain(&W->mbox, W);
    reap();
    control_settle();
    char err[256];
    aof_set_enabled(&srv.ks, false, err, sizeof(err)); /* stops the AOF thread */
    for (int i = 0; i < NSLOT; i++) REQUIRE(!slots[i], "a conn outlived the transport");
    REQUIRE(n_open == n_gone, "a conn was neither closed nor dropped");
    REQUIRE(W->sessions == NULL && W->nsessions == 0, "a session outlived its conn");
    REQUIRE(W->closing == NULL, "a closing session was never reaped");
    REQUIRE(W->blocked == NULL && W->npaused == 0, "a freed session is still blocked or paused");
    REQUIRE(srv.clients == NULL, "the client registry is not empty");
    REQUIRE(atomic_load(&srv.connected_clients) == 0, "connected_clients is not 0");
    REQUIRE(atomic_load(&srv.blocked_clients) == 0, "blocked_clients is not 0");
    REQUIRE(atomic_load(&srv.clients_mem) == 0, "clients' memory is not 0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reset_state();
    size_t off = 0;
#define NEED(n)                         \
    do {                                \
        if (size - off < (n)) goto end; \
    } while (0)
    while (off < size) {
        uint8_t b = data[off++];
        int slot = b & 3;
        unsigned op = (unsigned)(b >> 2) % NOPS;
        struct fconn *fc = slots[slot];
        if (trace) fprintf(stderr, "%s %d%s\n", op_names[op], slot, fc ? "" : " (empty slot)");
        sync_clock();
        switch (op) {
        case 0:
            NEED(1);
            accept_conn(slot, data[off++]);
            break;
        case 1: {
            NEED(1);
            size_t n = data[off++];
            NEED(n);
            if (fc) queue_rx(fc, data + off, n, 1);
            off += n;
            break;
        }
        case 2: {
            NEED(2);
            size_t n = (size_t)data[off] | (size_t)data[off + 1] << 8;
            off += 2;
            if (n > size - off) n = size - off;
            if (fc) queue_rx(fc, data + off, n, 1);
            off += n;
            break;
        }
        case 3: {
            NEED(2);
            size_t reps = ((size_t)data[off] + 1) * 16, n = data[off + 1];
            off += 2;
            NEED(n);
            if (fc) queue_rx(fc, data + off, n, reps);
            off += n;
            break;
        }
        case 4: {
            NEED(1);
            const char *cmd = cmds[data[off++] % NCMDS];
            if (fc) {
                queue_rx(fc, (const uint8_t *)cmd, strlen(cmd), 1);
                queue_rx(fc, (const uint8_t *)"\r\n", 2, 1);
            }
            break;
        }
        case 5:
            if (fc) fc->rx_end = RX_EOF;
            break;
        case 6:
            if (!fc) break;
            if (fc->dp) {
                drop(fc); /* the stack drops a reset TCB at once */
            } else {
                fc->rx_end = RX_RESET;
                fc->send_err = true;
            }
            break;
        case 7:
            if (fc) fc->send_err = true;
            break;
        case 8:
            NEED(1);
            if (fc) {
                uint8_t r = data[off];
                fc->room = r == 255 ? SIZE_MAX : (size_t)r * 64;
            }
            off++;
            break;
        case 9:
            NEED(1);
            if (fc) fc->chunk = data[off];
            off++;
            break;
        case 10:
            NEED(1);
            if (fc) event(fc, data[off]);
            off++;
            break;
        case 11:
            if (fc) drop(fc);
            break;
        case 12: tp_poll(&fz_tp, 0, 0); break;
        case 13: mailbox_drain(&W->mbox, W); break;
        case 14:
            if (W->blocked) block_timeouts(W, store_mstime());
            break;
        case 15:
            if (W->npaused) worker_unpause(W);
            break;
        case 16:
            if (atomic_exchange(&W->kill_pending, 0)) worker_kills(W);
            break;
        case 17: worker_cron(W, store_mstime()); break;
        case 18:
            NEED(1);
            fz_now_us += (int64_t)data[off] * data[off] * 1000;
            off++;
            break;
        case 19:
            db_active_expire(&srv.ks, W->shard_first, W->shard_last, 250, &W->st, &W->wlog);
            break;
        case 20: reap(); break;
        case 21:
            worker_iterate(W);
            check_links(true);
            continue;
        }
        check_links(false);
    }
end:
    teardown();
    return 0;
#undef NEED
}
