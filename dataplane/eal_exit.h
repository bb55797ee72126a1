/* eal_exit.h — how every DPDK process of the project (the server, ssgen)
 * leaves: rte_eal_cleanup() keeps the runtime directory
 * (/var/run/dpdk/<prefix>/) and the telemetry socket in it, even under
 * --no-shconf, so one per process would pile up. Remove ours (the directory
 * only if nothing else is in it). Header-only: ssgen links no project
 * library. */
#ifndef SS_EAL_EXIT_H
#define SS_EAL_EXIT_H

#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

static inline void eal_cleanup_runtime_dir(void)
{
    char dir[1024], path[1100];
    snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
    rte_eal_cleanup();
    if (!dir[0]) return;
    snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2", dir);
    unlink(path);
    rmdir(dir);
}

#endif
