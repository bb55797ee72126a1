/* config.h — configuration: redis.conf syntax, --name value overrides,
 * CONFIG GET/SET/RESETSTAT/REWRITE, one table of parameters.
 *
 * Every parameter of Redis 7.0 exists (and a few of Slipstream's own); its
 * value lives in the global `cfg` (or, for the encoding thresholds, in
 * store_tun). Parameters that Slipstream does not act on yet are accepted,
 * answered by CONFIG GET and rewritten, and listed in docs/configuration.md
 * as "accepted, not yet effective"; their fields are here for the code that
 * will act on them.
 *
 * Workers read scalar fields directly (aligned loads; a CONFIG SET takes
 * effect at the next read); strings are read only by the control thread or
 * under cfg_lock.
 *
 * Files: config.c (loading, CONFIG GET/SET, docs), config_table.c (the
 * table and the special parameters), config_rewrite.c (CONFIG REWRITE).
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

/* Enum values, numbered as Redis numbers them (server.h). */
enum cfg_appendfsync { CFG_FSYNC_NO = 0, CFG_FSYNC_ALWAYS = 1, CFG_FSYNC_EVERYSEC = 2 };
enum cfg_sanitize { CFG_SANITIZE_NO = 0, CFG_SANITIZE_YES = 1, CFG_SANITIZE_CLIENTS = 2 };
enum cfg_policy {
    CFG_POLICY_VOLATILE_LRU,
    CFG_POLICY_VOLATILE_LFU,
    CFG_POLICY_VOLATILE_RANDOM,
    CFG_POLICY_VOLATILE_TTL,
    CFG_POLICY_ALLKEYS_LRU,
    CFG_POLICY_ALLKEYS_LFU,
    CFG_POLICY_ALLKEYS_RANDOM,
    CFG_POLICY_NOEVICTION
};
/* shutdown-on-sigint / -sigterm flags (0 = default) */
enum {
    CFG_SHUTDOWN_SAVE = 1,
    CFG_SHUTDOWN_NOSAVE = 2,
    CFG_SHUTDOWN_NOW = 4,
    CFG_SHUTDOWN_FORCE = 8
};
/* notify-keyspace-events classes, Redis's NOTIFY_* bits */
enum {
    CFG_NOTIFY_KEYSPACE = 1 << 0,  /* K */
    CFG_NOTIFY_KEYEVENT = 1 << 1,  /* E */
    CFG_NOTIFY_GENERIC = 1 << 2,   /* g */
    CFG_NOTIFY_STRING = 1 << 3,    /* $ */
    CFG_NOTIFY_LIST = 1 << 4,      /* l */
    CFG_NOTIFY_SET = 1 << 5,       /* s */
    CFG_NOTIFY_HASH = 1 << 6,      /* h */
    CFG_NOTIFY_ZSET = 1 << 7,      /* z */
    CFG_NOTIFY_EXPIRED = 1 << 8,   /* x */
    CFG_NOTIFY_EVICTED = 1 << 9,   /* e */
    CFG_NOTIFY_STREAM = 1 << 10,   /* t */
    CFG_NOTIFY_KEY_MISS = 1 << 11, /* m (not part of A) */
    CFG_NOTIFY_MODULE = 1 << 13,   /* d */
    CFG_NOTIFY_NEW = 1 << 14,      /* n (not part of A) */
};

/* One "save <seconds> <changes>" point. */
struct save_point {
    long long seconds, changes;
};
#define CFG_MAX_SAVE        64
#define CFG_MAX_PERCENTILES 64

struct config {
    /* ---- network and clients ---- */
    struct transport_config tc; /* bind, port, unixsocket, dataplane-* ... */
    char bind_str[1024];
    int protected_mode;
    long long maxclients;
    long long timeout; /* idle client timeout, seconds */
    long long socket_mark_id;
    char bind_source_addr[64];
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    struct obuf_limit obuf[3];
    long long maxmemory_clients; /* bytes; negative: percent of maxmemory */
    long long tracking_table_max_keys;
    long long busy_reply_threshold; /* ms (lua-time-limit) */
    int lua_enable_deprecated_api;  /* Debian's 7.0.15 (CVE-2025-46818) */

    /* ---- security ---- */
    char requirepass[512];
    char aclfile[1024];
    long long acllog_max_len;
    int acl_pubsub_default;   /* 0 resetchannels, 1 allchannels */
    int enable_debug_command; /* 0 no, 1 yes, 2 local */
    int enable_protected_configs;
    int enable_module_command;

    /* ---- keyspace ---- */
    long long databases;
    long long hz;
    int dynamic_hz;
    int activerehashing;
    int active_expire; /* DEBUG SET-ACTIVE-EXPIRE */
    long long active_expire_effort;
    int notify_keyspace_events; /* CFG_NOTIFY_* */
    long long shards;

    /* ---- memory ---- */
    unsigned long long maxmemory;
    int maxmemory_policy; /* enum cfg_policy */
    long long maxmemory_samples;
    long long maxmemory_eviction_tenacity;
    long long lfu_log_factor, lfu_decay_time;
    int lazyfree_lazy_eviction, lazyfree_lazy_expire, lazyfree_lazy_server_del;
    int lazyfree_lazy_user_del, lazyfree_lazy_user_flush;
    int activedefrag;
    long long active_defrag_ignore_bytes;
    long long active_defrag_threshold_lower, active_defrag_threshold_upper;
    long long active_defrag_cycle_min, active_defrag_cycle_max;
    long long active_defrag_max_scan_fields;
    int jemalloc_bg_thread;
    int oom_score_adj; /* 0 no, 1 relative (yes), 2 absolute */
    int oom_score_adj_values[3];

    /* ---- snapshots (RDB) ---- */
    struct save_point saveparams[CFG_MAX_SAVE]; /* under cfg_lock */
    int nsaveparams;
    char dir[1024]; /* the working directory, absolute */
    char dbfilename[256];
    int rdbcompression, rdbchecksum;
    int stop_writes_on_bgsave_error;
    int rdb_del_sync_files;
    int rdb_save_incremental_fsync;
    long long rdb_key_save_delay, key_load_delay;
    long long loading_process_events_interval_bytes;
    int sanitize_dump_payload; /* enum cfg_sanitize */

    /* ---- append-only file ---- */
    int appendonly;
    char appendfilename[256];
    char appenddirname[256];
    int appendfsync; /* enum cfg_appendfsync */
    int no_appendfsync_on_rewrite;
    long long auto_aof_rewrite_percentage;
    long long auto_aof_rewrite_min_size;
    int aof_load_truncated;
    int aof_use_rdb_preamble;
    int aof_timestamp_enabled;
    int aof_rewrite_incremental_fsync;
    int aof_disable_auto_gc;

    /* ---- replication ---- */
    char replicaof_host[256]; /* empty: a master */
    int replicaof_port;
    char masterauth[512];
    char masteruser[256];
    int replica_serve_stale_data, replica_read_only, replica_lazy_flush;
    int replica_ignore_maxmemory, replica_announced, replica_ignore_disk_write_errors;
    char replica_announce_ip[64];
    long long replica_announce_port;
    long long replica_priority;
    int repl_diskless_sync;
    long long repl_diskless_sync_delay, repl_diskless_sync_max_replicas;
    int repl_diskless_load; /* 0 disabled, 1 on-empty-db, 2 swapdb */
    int repl_disable_tcp_nodelay;
    long long repl_backlog_size, repl_backlog_ttl;
    long long repl_timeout, repl_ping_replica_period;
    long long min_replicas_to_write, min_replicas_max_lag;
    int propagation_error_behavior; /* 0 ignore, 1 panic, 2 panic-on-replicas */

    /* ---- cluster ---- */
    int cluster_enabled;
    char cluster_config_file[1024];
    long long cluster_node_timeout;
    long long cluster_port;
    char cluster_announce_ip[64];
    char cluster_announce_hostname[256];
    long long cluster_announce_port, cluster_announce_bus_port, cluster_announce_tls_port;
    long long cluster_replica_validity_factor, cluster_migration_barrier;
    int cluster_require_full_coverage, cluster_replica_no_failover;
    int cluster_allow_reads_when_down, cluster_allow_pubsubshard_when_down;
    int cluster_allow_replica_migration;
    unsigned long long cluster_link_sendbuf_limit;
    int cluster_preferred_endpoint_type; /* 0 ip, 1 hostname, 2 unknown-endpoint */

    /* ---- TLS ---- */
    long long tls_port;
    char tls_cert_file[1024], tls_key_file[1024], tls_key_file_pass[512];
    char tls_client_cert_file[1024], tls_client_key_file[1024], tls_client_key_file_pass[512];
    char tls_dh_params_file[1024], tls_ca_cert_file[1024], tls_ca_cert_dir[1024];
    char tls_protocols[256], tls_ciphers[1024], tls_ciphersuites[1024];
    int tls_auth_clients; /* 0 no, 1 yes, 2 optional */
    int tls_cluster, tls_replication, tls_prefer_server_ciphers, tls_session_caching;
    long long tls_session_cache_size, tls_session_cache_timeout;

    /* ---- process, logging, diagnostics ---- */
    int daemonize;
    int supervised; /* 0 no, 1 upstart, 2 systemd, 3 auto */
    char pidfile[1024];
    char logfile[1024];
    int loglevel;
    int syslog_enabled;
    char syslog_ident[64];
    int syslog_facility;
    int always_show_logo, set_proc_title;
    char proc_title_template[256];
    int crash_log_enabled, crash_memcheck_enabled, use_exit_on_panic;
    int disable_thp;
    long long shutdown_timeout;
    int shutdown_on_sigint, shutdown_on_sigterm; /* CFG_SHUTDOWN_* flags */
    long long watchdog_period;
    long long io_threads;
    int io_threads_do_reads;
    char server_cpulist[256], bio_cpulist[256], aof_rewrite_cpulist[256], bgsave_cpulist[256];
    char ignore_warnings[256];
    long long slowlog_log_slower_than;
    long long slowlog_max_len;
    long long latency_monitor_threshold;
    int latency_tracking;
    double latency_tracking_info_percentiles[CFG_MAX_PERCENTILES]; /* under cfg_lock */
    int nlatency_percentiles;

    /* ---- Slipstream's own ---- */
    char dpdk_args[1024];
    /* dataplane-fault-*: probabilities by enum dp_fault_kind, the delay
     * bound and the random seed (tests only; see dataplane/net_fault.h) */
    double dp_fault[DP_FAULT__COUNT];
    long long dp_fault_delay_us;
    long long dp_fault_seed;
    char config_file[1024]; /* absolute path, empty when started without one */
};

extern struct config cfg;

/* Load defaults, then the file (if any), stdin ("-"), then "--name value"
 * overrides, as redis-server's command line does: the overrides are
 * appended to the file's text and read as more lines of it. rename-command
 * acts on the command table, so cmdtable_init() comes first. Returns 0, or
 * -1 with err filled (Redis's "*** FATAL CONFIG FILE ERROR" text). */
int config_load(int argc, char **argv, char *err, size_t errlen);
/* CONFIG SET of one parameter (also used by DEBUG). 0, or -1 with err
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
/* Rewrite the config file preserving comments and unknown lines (Redis's
 * rewriteConfig); force_all writes every parameter, defaults included
 * (DEBUG CONFIG-REWRITE-FORCE-ALL). 0; -2 when the server runs without a
 * config file; -1 with err holding strerror() of what failed. */
int config_rewrite(bool force_all, char *err, size_t errlen);
/* Once at start (control thread): log() every parameter that is accepted
 * but not yet effective and set to something other than its default. */
void config_report_inert(void (*log)(const char *name, const char *value));

/* Push every dataplane-fault-* value to the DPDK transport (main, once the
 * transport exists; CONFIG SET applies its own at once). 0 or -1. */
int config_apply_dataplane_faults(void);

extern pthread_mutex_t cfg_lock;

/* The `save` points as (seconds, changes) pairs; their count (persist.h). */
int config_save_points(long long sec[], long long chg[], int max);

#endif
