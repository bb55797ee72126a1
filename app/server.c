/* server.c — the one `srv` and its set-up (see server.h): the state
 * start-up builds once the configuration is loaded and DPDK's EAL is up
 * (keyspace, registry, workers), and where persistence and the AOF find
 * the configuration, before the transport exists and the workers are
 * launched. main.c calls these; so does tests/fuzz/fuzz_session.c, which
 * runs the same server state without a main(). */
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "exec_app.h"
#include "config.h"
#include "info.h"
#include "aof.h"
#include "persist.h"
#include "rdb.h"
#include "server.h"
#include "tunables.h"
#include "worker.h"

struct server srv;

/* What RDB records of keys' access history: idle times under LRU policies,
 * counters under LFU ones (Redis's MAXMEMORY_FLAG_LRU / _LFU). */
static int rdb_usage_mode(void)
{
    switch (cfg.maxmemory_policy) {
    case 0:                       /* volatile-lru */
    case 4: return RDB_USAGE_LRU; /* allkeys-lru */
    case 1:                       /* volatile-lfu */
    case 5: return RDB_USAGE_LFU; /* allkeys-lfu */
    default: return RDB_USAGE_NONE;
    }
}

void server_persist_configure(void)
{
    static const struct persist_settings ps = {
        .dir = cfg.dir,
        .dbfilename = cfg.dbfilename,
        .save_points = config_save_points,
        .lock = &cfg_lock,
        .rdbchecksum = &cfg.rdbchecksum,
        .stop_writes_on_bgsave_error = &cfg.stop_writes_on_bgsave_error,
        .redis_ver = SS_REDIS_VERSION,
        .dirty = info_dirty_total,
        .used_memory = info_used_memory,
        .usage = rdb_usage_mode,
    };
    persist_configure(&ps);
}

/* The AOF released replies (appendfsync always): wake every worker. */
static void wake_all_workers(void)
{
    for (unsigned i = 0; i < srv.nworkers; i++)
        if (srv.tp && srv.tp->ops->wake) srv.tp->ops->wake(srv.tp, i);
}

void server_aof_configure(void)
{
    static struct aof_settings as;
    as = (struct aof_settings){
        .dir = cfg.dir,
        .dirname = cfg.appenddirname,
        .filename = cfg.appendfilename,
        .lock = &cfg_lock,
        .fsync = &cfg.appendfsync,
        .rdb_preamble = &cfg.aof_use_rdb_preamble,
        .timestamps = &cfg.aof_timestamp_enabled,
        .load_truncated = &cfg.aof_load_truncated,
        .no_fsync_on_rewrite = &cfg.no_appendfsync_on_rewrite,
        .rewrite_perc = &cfg.auto_aof_rewrite_percentage,
        .rewrite_min_size = &cfg.auto_aof_rewrite_min_size,
        .rdbcompression = &store_tun.rdb_compression,
        .rdbchecksum = &cfg.rdbchecksum,
        .redis_ver = SS_REDIS_VERSION,
        .load_thread = &srv.workers[0],
        .wake_workers = wake_all_workers,
    };
    aof_configure(&as);
}

int server_init(unsigned workers, unsigned nshards)
{
    srv.mem_external = info_allocated_bytes();
    srv.start_us = store_ustime();
    persist_set_start_time(srv.start_us / 1000000); /* Redis: the dataset counts as saved */
    atomic_store(&srv.next_client_id, 3);           /* Redis numbers its first client 3 */
    pthread_mutex_init(&srv.clients_lock, NULL);
    block_init();
    exec_init();
    srand((unsigned)srv.start_us);
    dict_hash_seed((uint64_t)srv.start_us * 0x9e3779b97f4a7c15ULL);
    if (ks_init(&srv.ks, nshards, (unsigned)cfg.databases) < 0) return -1;

    srv.nworkers = workers;
    srv.workers = aligned_alloc(64, sizeof(struct worker) * workers);
    if (!srv.workers) return -1;
    memset(srv.workers, 0, sizeof(struct worker) * workers);
    /* each worker's share of the shards for active expiry: contiguous, the
     * first nshards % workers get one more */
    unsigned per = nshards / workers, extra = nshards % workers, next = 0;
    for (unsigned i = 0; i < workers; i++) {
        struct worker *w = &srv.workers[i];
        w->id = i;
        w->cmdstats = calloc((size_t)srv.ncmds, sizeof(*w->cmdstats));
        if (!w->cmdstats) return -1;
        unsigned cnt = per + (i < extra ? 1 : 0);
        w->shard_first = next;
        w->shard_last = cnt ? next + cnt - 1 : next;
        if (!cnt) w->shard_last = w->shard_first = nshards - 1;
        next += cnt;
    }
    return 0;
}
