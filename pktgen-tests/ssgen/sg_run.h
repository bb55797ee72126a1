/* sg_run.h — ssgen's two transports, each a loop that runs an sg_gen from
 * connecting to the last reply:
 *
 *   sg_dpdk_run  a DPDK port (--vdev: net_memif, net_af_packet, ...) with
 *                ssgen's own stack (sg_net.c), EAL with --no-pci always
 *   sg_sock_run  kernel TCP sockets (--kernel): non-blocking, TCP_NODELAY,
 *                one epoll set polled without sleeping, as the DPDK loop
 *                polls its port, so both measure from a busy core
 *
 * Both pin the calling thread to cfg->core, stop at cfg->timeout seconds
 * (sg_gen failed) or on SIGINT/SIGTERM, and fill `counters` with what the
 * transport counted (named, for the report). They return 0 when the run
 * got as far as its end (g->failed tells whether it succeeded), -1 when the
 * transport could not be set up (message on stderr).
 */
#ifndef SG_RUN_H
#define SG_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "sg_gen.h"

struct sg_cfg {
    char vdev[512]; /* DPDK devargs; empty: kernel sockets */
    char eal_extra[512];
    uint32_t ip, srv_ip; /* network order; ip 0: any (kernel sockets) */
    uint16_t srv_port;
    unsigned core;
    bool own_mac;
    uint8_t mac[6];
    double timeout;
};

#define SG_MAX_COUNTERS 24
struct sg_counters {
    unsigned n;
    const char *name[SG_MAX_COUNTERS];
    uint64_t v[SG_MAX_COUNTERS];
};

static inline void sg_counter(struct sg_counters *k, const char *name, uint64_t v)
{
    if (k->n < SG_MAX_COUNTERS) {
        k->name[k->n] = name;
        k->v[k->n++] = v;
    }
}

extern volatile sig_atomic_t sg_signal;

int sg_dpdk_run(struct sg_gen *g, const struct sg_cfg *cfg, const struct sg_opts *o,
                struct sg_counters *k);
int sg_sock_run(struct sg_gen *g, const struct sg_cfg *cfg, const struct sg_opts *o,
                struct sg_counters *k);
/* Pin the calling thread to one core (0, or -1 with a message). */
int sg_pin(unsigned core);

#endif
