/* config.h — configuration: redis.conf syntax, --name value overrides,
 * CONFIG GET/SET/RESETSTAT/REWRITE, one table of parameters (config.c).
 *
 * Values live in the global `cfg`. Workers read scalar fields directly
 * (aligned loads; a CONFIG SET takes effect at the next read); strings are
 * read only by the control thread or under cfg_lock.
 */
#ifndef SS_CONFIG_H
#define SS_CONFIG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "transport.h"

struct obuf_limit {
    long long hard, soft;
    long long soft_seconds;
};

enum { OBL_NORMAL = 0, OBL_REPLICA = 1, OBL_PUBSUB = 2 };

enum dp_fault_kind {
    DP_FAULT_DROP,
    DP_FAULT_DUP,
    DP_FAULT_REORDER,
    DP_FAULT_DELAY,
    DP_FAULT_CORRUPT,
    DP_FAULT__COUNT
};

struct config {
    struct transport_config tc; /* bind, port, unixsocket, dataplane-* ... */
    char bind_str[1024];
    int protected_mode;
    char requirepass[512];
    long long maxclients;
    long long timeout; /* idle client timeout, seconds */
    long long databases;
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    struct obuf_limit obuf[3];
    long long hz;
    int enable_debug_command; /* 0 no, 1 yes, 2 local */
    int enable_protected_configs;
    char dir[1024];
    char dbfilename[256];
    char save[256];
    int appendonly;
    char appendfilename[256];
    char logfile[1024];
    int loglevel;
    char pidfile[1024];
    int daemonize;
    long long maxmemory;
    long long maxmemory_clients; /* bytes; negative: percent of maxmemory */
    int maxmemory_policy;
    long long maxmemory_samples;
    int active_expire; /* DEBUG SET-ACTIVE-EXPIRE */
    long long active_expire_effort;
    long long shards;
    char dpdk_args[1024];
    /* dataplane-fault-*: probabilities by enum dp_fault_kind, the delay
     * bound and the random seed (tests only; see dataplane/net_fault.h) */
    double dp_fault[DP_FAULT__COUNT];
    long long dp_fault_delay_us;
    long long dp_fault_seed;
    int lazyfree_lazy_user_del;
    int lazyfree_lazy_user_flush;
    long long slowlog_log_slower_than;
    long long slowlog_max_len;
    long long latency_monitor_threshold;
    char notify_keyspace_events[32];
    int rdbchecksum; /* rdbcompression lives in store_tun (DUMP reads it) */
    int stop_writes_on_bgsave_error, rdb_del_sync_files;
    char config_file[1024]; /* absolute path, empty when started without one */
};

extern struct config cfg;

/* Load defaults, then the file (if any), then "--name value" overrides, as
 * redis-server's command line does. Returns 0, or -1 with err filled. */
int config_load(int argc, char **argv, char *err, size_t errlen);
/* CONFIG SET of one parameter (also used by the loader). 0, or -1 with err
 * holding Redis's message. */
int config_set(const char *name, const char *value, char *err, size_t errlen);
/* CONFIG SET p1 v1 p2 v2 ...: every pair is checked before any is stored,
 * so it succeeds or changes nothing. 0, or -1 with err holding Redis's whole
 * message without the "ERR " ("CONFIG SET failed (possibly related to
 * argument 'x') - ..."). `local`: the client is on loopback or the Unix
 * socket (enable-protected-configs local). */
int config_set_multi(int n, const char *const *names, const char *const *values, bool local,
                     char *err, size_t errlen);
/* CONFIG GET with several patterns: fn() once per matching parameter, as
 * Redis 7.0 does (an exact name is shown as typed; globs skip hidden ones). */
void config_get_multi(int n, const char *const *pats, const size_t *lens,
                      void (*fn)(const char *name, const char *value, void *arg), void *arg);
/* docs/configuration.md, from the parameter table. */
void config_write_docs(FILE *f);
/* Format the value of a parameter; false if unknown. */
bool config_get(const char *name, char *buf, size_t len);
/* Visit every parameter (and alias) whose name matches the glob. */
void config_match(const char *pattern, size_t plen,
                  void (*fn)(const char *name, const char *value, void *arg), void *arg);
/* Rewrite the config file preserving comments and unknown lines. */
int config_rewrite(char *err, size_t errlen);

/* Push every dataplane-fault-* value to the DPDK transport (main, once the
 * transport exists; CONFIG SET applies its own at once). 0 or -1. */
int config_apply_dataplane_faults(void);

extern pthread_mutex_t cfg_lock;

#endif
