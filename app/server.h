/* server.h — process-wide state: the keyspace, the transport, the workers,
 * the client registry and server-wide flags. One instance, `srv`. */
#ifndef SS_SERVER_H
#define SS_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "keyspace.h"
#include "transport.h"

#define SS_VERSION       "0.1.0"
#define SS_REDIS_VERSION "7.0.15" /* the Redis version whose behaviour we follow */

struct worker;
struct session;

enum pause_kind { PAUSE_NONE = 0, PAUSE_WRITE = 1, PAUSE_ALL = 2 };

struct server {
    struct keyspace ks;
    struct transport *tp;
    bool dataplane; /* the DPDK transport serves clients */
    unsigned nworkers;
    struct worker *workers;
    int64_t start_us;
    char runid[41];
    char executable[1024];
    int ncmds; /* command table entries incl. subcommands */

    /* every client session, for CLIENT LIST/KILL/INFO (mutex-protected; a
     * session is unlinked under the lock before its worker frees it) */
    pthread_mutex_t clients_lock;
    struct session *clients;
    atomic_uint_fast64_t next_client_id;
    atomic_int connected_clients;
    atomic_int blocked_clients; /* INFO clients blocked_clients (app/block.c) */
    /* every client's tot-mem (session_mem), kept by their workers: INFO
     * mem_clients_normal, and what maxmemory-clients bounds */
    _Atomic int64_t clients_mem;
    _Atomic uint64_t stat_evicted_clients;

    /* CLIENT PAUSE */
    _Atomic int64_t pause_end_ms;
    atomic_int pause_kind;

    atomic_int shutdown_asap; /* SIGTERM/SIGINT or SHUTDOWN: the control thread stops all */
    atomic_int shutdown_sigs;
    /* SHUTDOWN (which saved already, if it had to); otherwise a signal, and
     * the control thread saves before stopping when save points are set */
    atomic_int shutdown_by_command;
    /* Bytes DPDK's EAL allocated with malloc during start-up (about 1.8 MB
     * with --no-huge). used_memory leaves them out, as Redis's used_memory
     * counts only what Redis itself allocates; allocator_allocated has all. */
    uint64_t mem_external;
    _Atomic uint64_t stat_numconnections, stat_rejected_conn;
    _Atomic uint64_t dirty_total; /* changes since the last save (all workers) */
    /* CONFIG RESETSTAT bumps this; workers zero their own counters */
    atomic_uint resetstat_gen;
};

extern struct server srv;

/* Point persistence (control/persist.h) at the configuration (server.c),
 * after config_load(); and the AOF (control/aof.h), after server_init(). */
void server_persist_configure(void);
void server_aof_configure(void);
/* After config_load() and rte_eal_init(): the keyspace, the command table,
 * the client registry and the worker array (server.c). 0, or -1 when out
 * of memory. */
int server_init(unsigned workers, unsigned nshards);

/* Total of a per-worker counter; see worker.h. */
uint64_t server_sum_stat(size_t offset);

#endif
