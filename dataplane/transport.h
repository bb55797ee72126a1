/* transport.h — how a worker drives a transport.
 *
 * The worker loop (app/worker.c) owns the order of things; a transport only
 * moves bytes. Each iteration a worker calls:
 *
 *   t->ops->poll(t, w, timeout_us)   receive, run the stack, call the
 *                                     conn_handler (which parses, executes
 *                                     and queues replies with conn->send)
 *   t->ops->flush(t, w)              transmit everything queued this
 *                                     iteration, in one burst
 *
 * so that a reply leaves in the same iteration that produced it. Transports
 * are created once (on the control thread, after EAL init) and started on
 * each worker's lcore.
 */
#ifndef SS_TRANSPORT_H
#define SS_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

struct transport;

/* Settings a transport needs, filled by app/config.c from redis.conf names. */
struct transport_config {
    unsigned workers;
    /* kernel sockets */
    char bind[16][64]; /* "bind": addresses ("*" / "-" prefixes handled) */
    int nbind;
    int port;             /* "port"; 0 disables TCP */
    int tcp_backlog;      /* "tcp-backlog" */
    int tcp_keepalive;    /* "tcp-keepalive", seconds; 0 = off */
    int busy_poll_us;     /* "busy-poll": 0 = sleep in epoll_wait */
    char unixsocket[256]; /* "unixsocket"; empty = none */
    unsigned unixsocketperm;
    /* data plane */
    char dataplane_port[512];   /* "dataplane-port" devargs; empty = none */
    char dataplane_ip[64];      /* "dataplane-ip" A.B.C.D/LEN */
    char dataplane_gateway[32]; /* "dataplane-gateway" */
    int dataplane_mtu;          /* "dataplane-mtu" */
    char dataplane_mac[32];     /* "dataplane-mac"; empty = the port's */
};

struct transport_ops {
    const char *name;
    /* On the worker's lcore, before its first poll. 0 or -errno. */
    int (*worker_start)(struct transport *t, unsigned w, const struct conn_handler *h, void *wctx);
    /* Receive and dispatch; may sleep up to timeout_us when idle (kernel
     * sockets); a poll-mode transport never sleeps. Returns events handled. */
    int (*poll)(struct transport *t, unsigned w, int timeout_us);
    /* Transmit everything queued during this iteration. */
    void (*flush)(struct transport *t, unsigned w);
    /* On the worker's lcore at shutdown: close every connection (calling
     * on_close for each) and release per-worker resources. */
    void (*worker_stop)(struct transport *t, unsigned w);
    /* Wake a worker sleeping in poll() (from any thread). */
    void (*wake)(struct transport *t, unsigned w);
    /* Append this transport's INFO sections ("dataplane", "tcp") to buf;
     * returns bytes written. May be NULL. */
    size_t (*info)(struct transport *t, const char *section, char *buf, size_t len);
    void (*destroy)(struct transport *t);
};

struct transport {
    const struct transport_ops *ops;
};

/* Kernel sockets (sock_transport.c). Listeners are bound here, so a bind
 * error is reported at start-up (returns NULL, errbuf says why). */
struct transport *sock_transport_create(const struct transport_config *cfg, char *err,
                                        size_t errlen);

/* Enable TCP keepalive probes on a kernel-socket connection (tcp-keepalive
 * is read per connection at accept, as in Redis). */
void sock_conn_keepalive(struct conn *c, int secs);

#endif
