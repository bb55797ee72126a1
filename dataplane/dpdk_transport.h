/* dpdk_transport.h — the DPDK data-plane transport: a port (PCI device or
 * vdev), one RX/TX queue pair per worker where the device has them, and the
 * userspace stack of net.h/tcp.h on every worker.
 *
 * Start-up, on the control thread:
 *   n = dpdk_eal_args(&tc, dpdk_args, argv + argc, max - argc);  // before
 *   rte_eal_init(...);                                            // EAL init
 *   t = dpdk_transport_create(&tc, err, sizeof(err));
 * then every worker lcore calls t->ops->worker_start() and loops
 * { poll(t, w, 0); flush(t, w); }.
 */
#ifndef SS_DPDK_TRANSPORT_H
#define SS_DPDK_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/* EAL arguments the data plane needs for cfg->dataplane_port:
 *   a vdev  -> "--no-pci" "--vdev" <devargs>
 *   a PCI address -> "-a" <address> (only that device is probed)
 * and, unless dpdk_args mention hugepages/memory ("huge", "-m",
 * "--socket-mem"), "--no-huge" "-m" "512". Strings live in static storage.
 * Returns the count written to argv (at most max), or -1. */
int dpdk_eal_args(const struct transport_config *cfg, const char *dpdk_args, char **argv, int max);

/* After rte_eal_init: find and start the port, create the mbuf pool, the
 * per-worker stacks and their rings, register telemetry. NULL + err on
 * failure (bad dataplane-ip, port not found, queue set-up failed...). */
struct transport *dpdk_transport_create(const struct transport_config *cfg, char *err,
                                        size_t errlen);

/* Fault injection (tests): kind "drop", "dup", "reorder", "delay",
 * "corrupt" with a probability in [0,1]; "delay-us" with the bound in
 * microseconds as prob; "off" clears all. Any thread. 0 or -EINVAL. */
int dpdk_fault_set(struct transport *t, const char *kind, double prob, uint64_t seed);

/* true if t is a DPDK transport (so DEBUG can refuse fault settings on the
 * kernel-socket one). */
int dpdk_transport_is(const struct transport *t);

#endif
