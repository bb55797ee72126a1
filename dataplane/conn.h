/* conn.h — the one connection interface both transports implement.
 *
 * A transport (kernel sockets in sock_*.c, the userspace TCP stack on DPDK in
 * tcp_*.c) owns its connections and calls the application through a
 * `struct conn_handler`; the application talks back through `conn->ops`.
 * Everything happens on the worker that owns the connection: no other thread
 * ever touches a `struct conn`.
 *
 * Lifecycle:
 *   on_accept()   -> the app returns its session (or NULL: the transport
 *                    closes the connection at once)
 *   on_readable() -> the app calls ops->recv() until it returns -EAGAIN;
 *                    recv() returning 0 means the peer half-closed (FIN).
 *                    A transport that keeps received bytes where they
 *                    arrived also offers peek()/consume(): the app reads
 *                    them in place and copies only what it keeps
 *   on_writable() -> send space freed after a short send, when asked for
 *                    with ops->want_write(c, true)
 *   ops->close()  -> the app is done; the transport sends what is queued,
 *                    closes, frees the conn, and never calls back again
 *   on_close()    -> the transport lost the connection (reset, error, worker
 *                    stop); the app must not touch the conn after returning
 *                    (the transport frees it then)
 *
 * The closing rule (docs/architecture.md): neither side frees anything a
 * caller up the stack may still use. The app never calls ops->close() from
 * inside one of these callbacks; it marks its session and closes from its
 * loop, after the events are handled. So a transport may call on_writable
 * and then on_readable for the same event, and keep using the conn after a
 * callback returns, unless that callback was on_close.
 */
#ifndef SS_CONN_H
#define SS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sys/types.h>
#include <sys/uio.h>

struct conn;

struct conn_ops {
    /* Copy up to len received bytes into buf. Returns the count (> 0), 0 at
     * end of stream, -EAGAIN when nothing is available, or -errno. */
    ssize_t (*recv)(struct conn *c, void *buf, size_t len);
    /* Optional (NULL when the transport has no such bytes to show). The next
     * contiguous run of received bytes, in place (the data plane: the
     * received segment itself), or NULL with *len = 0 when none is queued
     * (then recv() tells end of stream from -EAGAIN). The bytes stay valid
     * until consume() or the next call into the transport. */
    const void *(*peek)(struct conn *c, size_t *len);
    /* Drop the first len received bytes (after peek). */
    void (*consume)(struct conn *c, size_t len);
    /* Queue bytes for transmission. Returns the count accepted (possibly
     * less than offered when the send window/buffer is full), -EAGAIN when
     * none fit, or -errno when the connection is dead. Bytes leave in the
     * same poll iteration (the worker flushes before it polls again). */
    ssize_t (*send)(struct conn *c, const struct iovec *iov, int iovcnt);
    /* Graceful close; see the lifecycle above. */
    void (*close)(struct conn *c);
    /* Ask for (or stop asking for) on_writable. */
    void (*want_write)(struct conn *c, bool on);
    /* Stop (or resume) on_readable callbacks without closing (flow control
     * for paused or blocked clients). Data stays queued in the transport. */
    void (*pause_read)(struct conn *c, bool on);
};

enum conn_kind { CONN_TCP = 0, CONN_UNIX = 1, CONN_DPDK = 2 };

struct conn {
    const struct conn_ops *ops;
    void *session; /* the application's, set from on_accept() */
    int fd;        /* kernel socket, or -1 on the data plane */
    uint8_t kind;  /* enum conn_kind */
    char peer[64]; /* "ip:port" or "/path:0", as CLIENT LIST shows */
    char local[64];
};

/* Redis's notion of a local client (protected mode, enable-debug-command
 * local): a Unix socket, or a peer of exactly 127.0.0.1 or ::1 (7.0 does
 * not count the rest of 127.0.0.0/8). */
static inline bool conn_is_local(const struct conn *c)
{
    if (c->kind == CONN_UNIX) return true;
    const char *colon = strrchr(c->peer, ':');
    size_t n = colon ? (size_t)(colon - c->peer) : 0;
    return (n == 9 && memcmp(c->peer, "127.0.0.1", 9) == 0) ||
           (n == 3 && memcmp(c->peer, "::1", 3) == 0);
}

struct conn_handler {
    void *(*on_accept)(void *wctx, struct conn *c);
    void (*on_readable)(void *session);
    void (*on_writable)(void *session);
    void (*on_close)(void *session);
};

#endif
