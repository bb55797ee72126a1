/* sg_sock.c — ssgen on kernel TCP sockets (see sg_run.h): a plain epoll
 * client, no DPDK. Each connection is a non-blocking socket with
 * TCP_NODELAY (as redis-benchmark's). The loop polls epoll without sleeping
 * (timeout 0), reads every readable socket until it would block, issues the
 * due requests and writes each touched connection's bytes in one write();
 * a connection whose write was short waits for EPOLLOUT. The TSC frequency
 * is calibrated against CLOCK_MONOTONIC_RAW (sg_clock.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sg_run.h"

#define SG_EVENTS     1024
#define SG_READ_BUF   (256 * 1024)
#define SG_CONNECT_MS 10000

int sg_pin(unsigned core)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
        fprintf(stderr, "ssgen: cannot pin to core %u: %s\n", core, strerror(errno));
        return -1;
    }
    return 0;
}

struct sk {
    int fd;
    bool connected, want_out;
};

static int raise_nofile(unsigned need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    if (rl.rlim_cur >= need) return 0;
    if (rl.rlim_max < need) rl.rlim_max = need; /* root may raise the hard limit */
    rl.rlim_cur = need;
    return setrlimit(RLIMIT_NOFILE, &rl);
}

static int ep_set(int ep, int op, int fd, uint32_t ev, unsigned idx)
{
    struct epoll_event e = {.events = ev, .data.u32 = idx};
    return epoll_ctl(ep, op, fd, &e);
}

int sg_sock_run(struct sg_gen *g, const struct sg_cfg *cfg, const struct sg_opts *o,
                struct sg_counters *k)
{
    if (sg_pin(cfg->core) != 0) return -1;
    if (sg_gen_init(g, o, sg_clock_calibrate()) != 0) {
        fprintf(stderr, "ssgen: out of memory\n");
        return -1;
    }
    if (raise_nofile(g->n + 64) != 0) {
        fprintf(stderr, "ssgen: cannot raise the open-file limit to %u: %s\n", g->n + 64,
                strerror(errno));
        return -1;
    }
    struct sk *s = calloc(g->n, sizeof(*s));
    uint8_t *buf = malloc(SG_READ_BUF);
    struct epoll_event *ev = calloc(SG_EVENTS, sizeof(*ev));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int rc = -1;
    uint64_t n_read = 0, n_write = 0, short_writes = 0, n_wait = 0, empty_waits = 0;
    if (!s || !buf || !ev || ep < 0) {
        fprintf(stderr, "ssgen: out of memory\n");
        goto out;
    }
    for (unsigned i = 0; i < g->n; i++) s[i].fd = -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(cfg->srv_port)};
    sa.sin_addr.s_addr = cfg->srv_ip;
    for (unsigned i = 0; i < g->n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            fprintf(stderr, "ssgen: socket: %s\n", strerror(errno));
            goto out;
        }
        s[i].fd = fd;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (cfg->ip) {
            struct sockaddr_in me = {.sin_family = AF_INET};
            me.sin_addr.s_addr = cfg->ip;
            if (bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0) {
                fprintf(stderr, "ssgen: bind to --ip: %s\n", strerror(errno));
                goto out;
            }
        }
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
            fprintf(stderr, "ssgen: connect: %s\n", strerror(errno));
            goto out;
        }
        if (ep_set(ep, EPOLL_CTL_ADD, fd, EPOLLOUT, i) != 0) {
            fprintf(stderr, "ssgen: epoll_ctl: %s\n", strerror(errno));
            goto out;
        }
    }
    rc = 0;

    uint64_t now = sg_tsc();
    uint64_t deadline = now + (uint64_t)(cfg->timeout * (double)g->clk.hz);
    uint64_t connect_end = now + sg_ms_to_ticks(&g->clk, SG_CONNECT_MS);
    unsigned nconn = 0;
    while (nconn < g->n && !g->failed) { /* every connection up before the run */
        now = sg_tsc();
        if (sg_signal || now >= connect_end || now >= deadline) {
            sg_gen_fail(g, "%u of %u connections not established within %d ms", g->n - nconn, g->n,
                        SG_CONNECT_MS);
            break;
        }
        int ne = epoll_wait(ep, ev, SG_EVENTS, 10);
        for (int j = 0; j < ne && !g->failed; j++) {
            unsigned i = ev[j].data.u32;
            int err = 0;
            socklen_t el = sizeof(err);
            getsockopt(s[i].fd, SOL_SOCKET, SO_ERROR, &err, &el);
            if (err) {
                sg_gen_fail(g, "connection %u: %s", i, strerror(err));
                break;
            }
            if (!s[i].connected) {
                s[i].connected = true;
                nconn++;
                ep_set(ep, EPOLL_CTL_MOD, s[i].fd, EPOLLIN | EPOLLRDHUP, i);
            }
        }
    }
    if (!g->failed) sg_gen_start(g, sg_tsc());

    while (!g->failed && !sg_gen_finished(g)) {
        now = sg_tsc();
        sg_gen_iter(g, now);
        if (sg_signal) {
            sg_gen_fail(g, "interrupted by signal %d after %" PRIu64 " replies", (int)sg_signal,
                        g->done);
            break;
        }
        if (now >= deadline) {
            sg_gen_fail(g, "timeout after %.1f s: %" PRIu64 " replies, %" PRIu64 " outstanding",
                        cfg->timeout, g->done, g->outstanding);
            break;
        }
        int ne = epoll_wait(ep, ev, SG_EVENTS, 0);
        n_wait++;
        if (ne <= 0) empty_waits++;
        for (int j = 0; j < ne && !g->failed; j++) {
            unsigned i = ev[j].data.u32;
            struct sg_conn *c = &g->conns[i];
            if (ev[j].events & EPOLLOUT) {
                s[i].want_out = false;
                ep_set(ep, EPOLL_CTL_MOD, s[i].fd, EPOLLIN | EPOLLRDHUP, i);
                sg_gen_touch(g, c);
            }
            if (ev[j].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                for (;;) {
                    ssize_t r = read(s[i].fd, buf, SG_READ_BUF);
                    if (r > 0) {
                        n_read++;
                        sg_gen_rx(g, c, buf, (uint32_t)r, sg_tsc());
                        if (r < SG_READ_BUF || g->failed) break;
                        continue;
                    }
                    if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
                    if (!sg_gen_finished(g))
                        sg_gen_fail(
                            g, "connection %u closed by the server (%s) after %" PRIu64 " replies",
                            i, r == 0 ? "EOF" : strerror(errno), g->done);
                    break;
                }
            }
        }
        sg_gen_issue(g, now);
        bool wrote = false;
        for (unsigned t = 0; t < g->ntouched && !g->failed; t++) {
            unsigned i = g->touched[t];
            struct sg_conn *c = &g->conns[i];
            c->touched = false;
            uint32_t have = sg_conn_unreleased(c);
            if (have == 0 || s[i].want_out) continue;
            ssize_t w = write(s[i].fd, c->sbuf + c->soff, have);
            n_write++;
            wrote = true;
            if (w > 0) sg_conn_release(c, (uint32_t)w);
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                sg_gen_fail(g, "write on connection %u: %s", i, strerror(errno));
                break;
            }
            if (w < (ssize_t)have) {
                short_writes++;
                s[i].want_out = true;
                ep_set(ep, EPOLL_CTL_MOD, s[i].fd, EPOLLIN | EPOLLRDHUP | EPOLLOUT, i);
            }
        }
        g->ntouched = 0;
        if (wrote || ne > 0) sg_gen_worked(g);
    }
    sg_counter(k, "reads", n_read);
    sg_counter(k, "writes", n_write);
    sg_counter(k, "short_writes", short_writes);
    sg_counter(k, "epoll_waits", n_wait);
    sg_counter(k, "empty_waits", empty_waits);
out:
    if (s)
        for (unsigned i = 0; i < g->n; i++)
            if (s[i].fd >= 0) close(s[i].fd);
    if (ep >= 0) close(ep);
    free(s);
    free(buf);
    free(ev);
    return rc;
}
