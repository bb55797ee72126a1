/* sock_transport.c — the kernel-socket transport: epoll, one SO_REUSEPORT
 * listener per worker and bind address, optional busy polling, and a Unix
 * socket served by worker 0.
 *
 * This is the default transport (no DPDK port configured) and the
 * like-for-like baseline against redis-server. Sends go straight to the
 * socket with writev (the kernel is the send buffer), so flush() has nothing
 * to do; a short write arms EPOLLOUT until the app has drained its output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport.h"

#define SOCK_MAX_LISTEN 17 /* 16 bind addresses + the unix socket */
#define SOCK_EVENTS     256

enum { TAG_LISTEN = 1, TAG_CONN = 2, TAG_WAKE = 3 };

/* Every epoll cookie starts with a tag byte (listener, connection, wake). */
struct sock_conn {
    uint8_t tag;
    struct conn c;
    bool want_write, paused;
    struct sock_worker *w;
    struct sock_conn *prev, *next; /* the worker's list, for worker_stop */
};

struct sock_listener {
    uint8_t tag;
    int fd;
    bool is_unix;
};

struct sock_worker {
    int epfd;
    int wakefd;
    uint8_t wake_tag;
    struct sock_listener ls[SOCK_MAX_LISTEN];
    int nls;
    const struct conn_handler *h;
    void *wctx;
    struct sock_conn *conns;
    const char *unixpath; /* the unixsocket path (worker 0) */
} __attribute__((aligned(64)));

struct sock_transport {
    struct transport t;
    struct transport_config cfg;
    struct sock_worker *w;
    /* listeners opened at create time for worker 0 so bind errors surface
     * at start-up; other workers open their own SO_REUSEPORT twins */
};

static const struct conn_ops sock_conn_ops;

static inline struct sock_conn *to_sc(struct conn *c)
{
    return (struct sock_conn *)((char *)c - offsetof(struct sock_conn, c));
}

static void fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        port = ntohs(a->sin6_port);
    }
    snprintf(buf, len, "%s:%d", host, port);
}

/* Open one TCP listener; a leading '-' on the address means "skip if the
 * address is not available" as in redis.conf. Returns fd or -errno. */
static int open_tcp_listener(const char *addr, int port, int backlog, char *err, size_t errlen)
{
    bool optional = addr[0] == '-';
    if (optional) addr++;
    const char *host = strcmp(addr, "*") == 0 ? "0.0.0.0" : addr;
    if (strcmp(addr, "::*") == 0) host = "::";
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST};
    struct addrinfo *ai;
    char ps[16];
    snprintf(ps, sizeof(ps), "%d", port);
    int rc = getaddrinfo(host, ps, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "Invalid bind address '%s': %s", addr, gai_strerror(rc));
        return -EINVAL;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        freeaddrinfo(ai);
        if (optional) return -EAFNOSUPPORT;
        snprintf(err, errlen, "socket: %s", strerror(e));
        return -e;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
        int e = errno;
        close(fd);
        freeaddrinfo(ai);
        if (optional && (e == EADDRNOTAVAIL || e == EAFNOSUPPORT)) return -EAFNOSUPPORT;
        snprintf(err, errlen, "Could not create server TCP listening socket %s:%d: %s", addr, port,
                 strerror(e));
        return -e;
    }
    freeaddrinfo(ai);
    return fd;
}

static int open_unix_listener(const char *path, unsigned perm, int backlog, char *err,
                              size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "unixsocket path too long");
        return -ENAMETOOLONG;
    }
    strcpy(sa.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0) {
        int e = errno;
        close(fd);
        snprintf(err, errlen, "Failed opening Unix socket %s: %s", path, strerror(e));
        return -e;
    }
    if (perm) chmod(path, perm);
    return fd;
}

static int open_listeners(struct sock_transport *st, struct sock_worker *w, bool with_unix,
                          char *err, size_t errlen)
{
    const struct transport_config *cfg = &st->cfg;
    w->nls = 0;
    if (cfg->port) {
        for (int i = 0; i < cfg->nbind; i++) {
            int fd = open_tcp_listener(cfg->bind[i], cfg->port, cfg->tcp_backlog, err, errlen);
            if (fd == -EAFNOSUPPORT) continue;
            if (fd < 0) return fd;
            w->ls[w->nls].tag = TAG_LISTEN;
            w->ls[w->nls].fd = fd;
            w->ls[w->nls].is_unix = false;
            w->nls++;
        }
    }
    if (with_unix && cfg->unixsocket[0]) {
        int fd =
            open_unix_listener(cfg->unixsocket, cfg->unixsocketperm, cfg->tcp_backlog, err, errlen);
        if (fd < 0) return fd;
        w->ls[w->nls].tag = TAG_LISTEN;
        w->ls[w->nls].fd = fd;
        w->ls[w->nls].is_unix = true;
        w->nls++;
        w->unixpath = cfg->unixsocket;
    }
    return 0;
}

static void accept_all(struct sock_worker *w, struct sock_listener *l)
{
    for (int n = 0; n < 64; n++) {
        struct sockaddr_storage ss = {0}; /* ss_family AF_UNSPEC unless accept4 fills it */
        socklen_t sl = sizeof(ss);
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; /* EAGAIN, or a transient error: retry on next event */
        struct sock_conn *sc = calloc(1, sizeof(*sc));
        if (!sc) {
            close(fd);
            continue;
        }
        sc->c.ops = &sock_conn_ops;
        sc->c.fd = fd;
        sc->tag = TAG_CONN;
        sc->w = w;
        if (l->is_unix) {
            sc->c.kind = CONN_UNIX;
            /* Redis shows the socket's path, with port 0, for both ends */
            snprintf(sc->c.peer, sizeof(sc->c.peer), "%.60s:0", w->unixpath);
            snprintf(sc->c.local, sizeof(sc->c.local), "%.60s:0", w->unixpath);
        } else {
            sc->c.kind = CONN_TCP;
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            fmt_addr(&ss, sc->c.peer, sizeof(sc->c.peer));
            struct sockaddr_storage ls = {0};
            socklen_t ll = sizeof(ls);
            if (getsockname(fd, (struct sockaddr *)&ls, &ll) == 0)
                fmt_addr(&ls, sc->c.local, sizeof(sc->c.local));
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = sc};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            free(sc);
            continue;
        }
        sc->next = w->conns;
        if (w->conns) w->conns->prev = sc;
        w->conns = sc;
        void *s = w->h->on_accept(w->wctx, &sc->c);
        if (!s) {
            sock_conn_ops.close(&sc->c);
            continue;
        }
        sc->c.session = s;
    }
}

static void conn_set_keepalive(int fd, int secs)
{
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    int idle = secs, intvl = secs / 3 ? secs / 3 : 1, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static ssize_t sc_recv(struct conn *c, void *buf, size_t len)
{
    ssize_t n = read(c->fd, buf, len);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

static ssize_t sc_send(struct conn *c, const struct iovec *iov, int iovcnt)
{
    ssize_t n =
        iovcnt == 1 ? write(c->fd, iov[0].iov_base, iov[0].iov_len) : writev(c->fd, iov, iovcnt);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

static void sc_update_events(struct sock_conn *sc)
{
    struct epoll_event ev = {.events = (sc->paused ? 0u : (uint32_t)EPOLLIN) |
                                       (sc->want_write ? (uint32_t)EPOLLOUT : 0u),
                             .data.ptr = sc};
    epoll_ctl(sc->w->epfd, EPOLL_CTL_MOD, sc->c.fd, &ev);
}

static void sc_want_write(struct conn *c, bool on)
{
    struct sock_conn *sc = to_sc(c);
    if (sc->want_write == on) return;
    sc->want_write = on;
    sc_update_events(sc);
}

static void sc_pause_read(struct conn *c, bool on)
{
    struct sock_conn *sc = to_sc(c);
    if (sc->paused == on) return;
    sc->paused = on;
    sc_update_events(sc);
}

static void sc_close(struct conn *c)
{
    struct sock_conn *sc = to_sc(c);
    struct sock_worker *w = sc->w;
    if (sc->prev)
        sc->prev->next = sc->next;
    else
        w->conns = sc->next;
    if (sc->next) sc->next->prev = sc->prev;
    close(c->fd); /* also removes it from the epoll set */
    free(sc);
}

/* The transport loses a connection the app still holds (a dead socket it is
 * not reading, worker stop): the app forgets it first, then it is freed. */
static void sc_drop(struct sock_conn *sc)
{
    struct sock_worker *w = sc->w;
    void *s = sc->c.session;
    if (s) w->h->on_close(s);
    sc_close(&sc->c);
}

static const struct conn_ops sock_conn_ops = {
    .recv = sc_recv,
    .send = sc_send,
    .close = sc_close,
    .want_write = sc_want_write,
    .pause_read = sc_pause_read,
};

static int sock_worker_start(struct transport *t, unsigned wi, const struct conn_handler *h,
                             void *wctx)
{
    struct sock_transport *st = (struct sock_transport *)t;
    struct sock_worker *w = &st->w[wi];
    w->h = h;
    w->wctx = wctx;
    if (wi != 0) {
        char err[256];
        int rc = open_listeners(st, w, false, err, sizeof(err));
        if (rc < 0) return rc;
    }
    for (int i = 0; i < w->nls; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &w->ls[i]};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ls[i].fd, &ev) < 0) return -errno;
    }
    return 0;
}

static int sock_poll(struct transport *t, unsigned wi, int timeout_us)
{
    struct sock_transport *st = (struct sock_transport *)t;
    struct sock_worker *w = &st->w[wi];
    struct epoll_event evs[SOCK_EVENTS];
    int tmo = st->cfg.busy_poll_us ? 0 : (timeout_us + 999) / 1000;
    int n = epoll_wait(w->epfd, evs, SOCK_EVENTS, tmo);
    for (int i = 0; i < n; i++) {
        uint8_t tag = *(uint8_t *)evs[i].data.ptr;
        if (tag == TAG_CONN) {
            struct sock_conn *sc = (struct sock_conn *)evs[i].data.ptr;
            uint32_t e = evs[i].events;
            /* The app never frees a session or calls close() from inside
             * these callbacks (it marks the session and frees it after the
             * poll: conn.h), so sc stays valid across both of them. */
            if (e & (EPOLLHUP | EPOLLERR) && sc->paused) {
                /* the app is not reading; a dead socket must still go */
                sc_drop(sc);
                continue;
            }
            if (e & EPOLLOUT) w->h->on_writable(sc->c.session);
            /* EOF and errors surface through recv() */
            if (e & (EPOLLIN | EPOLLHUP | EPOLLERR)) w->h->on_readable(sc->c.session);
        } else if (tag == TAG_LISTEN) {
            accept_all(w, (struct sock_listener *)evs[i].data.ptr);
        } else {
            uint64_t v;
            if (read(w->wakefd, &v, sizeof(v)) < 0) { /* spurious: fine */
            }
        }
    }
    return n > 0 ? n : 0;
}

static void sock_flush(struct transport *t, unsigned wi)
{
    /* writes already went to the kernel */
}

static void sock_worker_stop(struct transport *t, unsigned wi)
{
    struct sock_transport *st = (struct sock_transport *)t;
    struct sock_worker *w = &st->w[wi];
    struct sock_conn *sc = w->conns;
    while (sc) { /* sc_drop unlinks and frees sc: take its successor first */
        struct sock_conn *next = sc->next;
        sc_drop(sc);
        sc = next;
    }
    for (int i = 0; i < w->nls; i++) {
        close(w->ls[i].fd);
        if (w->ls[i].is_unix) unlink(st->cfg.unixsocket);
    }
    w->nls = 0;
}

static void sock_wake(struct transport *t, unsigned wi)
{
    struct sock_transport *st = (struct sock_transport *)t;
    uint64_t one = 1;
    if (write(st->w[wi].wakefd, &one, sizeof(one)) < 0) { /* counter full: already awake */
    }
}

static void sock_destroy(struct transport *t)
{
    struct sock_transport *st = (struct sock_transport *)t;
    for (unsigned i = 0; i < st->cfg.workers; i++) {
        close(st->w[i].epfd);
        close(st->w[i].wakefd);
    }
    free(st->w);
    free(st);
}

static const struct transport_ops sock_ops = {
    .name = "sockets",
    .worker_start = sock_worker_start,
    .poll = sock_poll,
    .flush = sock_flush,
    .worker_stop = sock_worker_stop,
    .wake = sock_wake,
    .info = NULL,
    .destroy = sock_destroy,
};

void sock_conn_keepalive(struct conn *c, int secs)
{
    if (c->kind == CONN_TCP && secs > 0) conn_set_keepalive(c->fd, secs);
}

struct transport *sock_transport_create(const struct transport_config *cfg, char *err,
                                        size_t errlen)
{
    struct sock_transport *st = calloc(1, sizeof(*st));
    if (!st) return NULL;
    st->t.ops = &sock_ops;
    st->cfg = *cfg;
    st->w = aligned_alloc(64, sizeof(struct sock_worker) * cfg->workers);
    if (!st->w) {
        free(st);
        return NULL;
    }
    memset(st->w, 0, sizeof(struct sock_worker) * cfg->workers);
    for (unsigned i = 0; i < cfg->workers; i++) {
        st->w[i].epfd = epoll_create1(EPOLL_CLOEXEC);
        st->w[i].wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        st->w[i].wake_tag = TAG_WAKE;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &st->w[i].wake_tag};
        epoll_ctl(st->w[i].epfd, EPOLL_CTL_ADD, st->w[i].wakefd, &ev);
    }
    if (open_listeners(st, &st->w[0], true, err, errlen) < 0) {
        sock_destroy(&st->t);
        return NULL;
    }
    if (st->w[0].nls == 0) {
        snprintf(err, errlen, "no listening socket could be opened");
        sock_destroy(&st->t);
        return NULL;
    }
    return &st->t;
}
