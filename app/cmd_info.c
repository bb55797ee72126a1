/* cmd_info.c — INFO [section ...] (Redis 7.0's genRedisInfoString), and the
 * samples behind its "instantaneous" and peak figures.
 *
 * Sections, in Redis's order, come from one table (`sections[]`): a name, a
 * title, whether "default" includes it, and its generator. Field names and
 * their order are Redis 7.0.15's; fields for features Slipstream does not
 * have yet report what an idle Redis reports (0, "ok", -1). The server
 * section adds slipstream_version, workers, shards and transport; the
 * transport may add "# Dataplane" and "# Tcp".
 *
 * Counters are per worker (worker.h, store/cmd.h wstats) and summed here
 * with relaxed loads: INFO is a consistent-enough snapshot, as in Redis
 * whose counters also move while INFO runs. After CONFIG RESETSTAT, a
 * worker that has not yet zeroed its counters (it does so in its cron)
 * counts as zero.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#ifdef SS_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#elif defined(__SANITIZE_ADDRESS__)
/* sanitizer/allocator_interface.h, which gcc does not install */
size_t __sanitizer_get_current_allocated_bytes(void);
size_t __sanitizer_get_heap_size(void);
#else
#include <malloc.h>
#endif

#include "cmdtable.h"
#include "config.h"
#include "info.h"
#include "object.h"
#include "aof.h"
#include "persist.h"
#include "server.h"
#include "session.h"
#include "worker.h"

void cmd_info(struct cmdctx *c);

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* ---- a growable text buffer ---- */

struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void sb_reserve(struct sbuf *b, size_t more)
{
    if (b->oom || b->cap - b->len > more) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len <= more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    sb_reserve(b, (size_t)n + 1);
    if (b->oom) return;
    if ((size_t)n < sizeof(small)) {
        memcpy(b->p + b->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

static void sb_append(struct sbuf *b, const char *p, size_t n)
{
    sb_reserve(b, n + 1);
    if (b->oom) return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Redis's bytesToHuman: 1023B, 1.00K, 2.50M, ... */
static void human(char *s, size_t len, unsigned long long n)
{
    static const char units[] = "KMGTP";
    if (n < 1024) {
        snprintf(s, len, "%lluB", n);
        return;
    }
    double d = (double)n;
    for (int i = 0; i < 5; i++) {
        d /= 1024;
        if (d < 1024 || i == 4) {
            if (d >= 1024) break;
            snprintf(s, len, "%.2f%c", d, units[i]);
            return;
        }
    }
    snprintf(s, len, "%lluB", n);
}

/* ---- per-worker counters ---- */

static bool fresh(const struct worker *w)
{
    return __atomic_load_n(&w->resetstat_seen, __ATOMIC_ACQUIRE) == atomic_load(&srv.resetstat_gen);
}

uint64_t server_sum_stat(size_t offset)
{
    uint64_t t = 0;
    for (unsigned i = 0; i < srv.nworkers; i++) {
        const struct worker *w = &srv.workers[i];
        if (!fresh(w)) continue;
        t += __atomic_load_n((const uint64_t *)((const char *)w + offset), __ATOMIC_RELAXED);
    }
    return t;
}

#define WSUM(field) server_sum_stat(offsetof(struct worker, field))

uint64_t info_dirty_total(void)
{
    uint64_t t = 0;
    for (unsigned i = 0; i < srv.nworkers; i++) t += LOAD(srv.workers[i].st.dirty);
    return t;
}

static uint64_t wmax(size_t offset)
{
    uint64_t m = 0;
    for (unsigned i = 0; i < srv.nworkers; i++) {
        const struct worker *w = &srv.workers[i];
        if (!fresh(w)) continue;
        uint64_t v =
            __atomic_load_n((const uint64_t *)((const char *)w + offset), __ATOMIC_RELAXED);
        if (v > m) m = v;
    }
    return m;
}

/* ---- memory ---- */

struct meminfo {
    uint64_t allocated, active, resident, rss;
    uint64_t used; /* allocated, less DPDK's start-up allocations */
};

static void mem_read(struct meminfo *m)
{
    memset(m, 0, sizeof(*m));
#ifdef SS_HAVE_JEMALLOC
    /* jemalloc refreshes its statistics when the epoch moves */
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    size_t v;
    sz = sizeof(v);
    if (mallctl("stats.allocated", &v, &sz, NULL, 0) == 0) m->allocated = v;
    sz = sizeof(v);
    if (mallctl("stats.active", &v, &sz, NULL, 0) == 0) m->active = v;
    sz = sizeof(v);
    if (mallctl("stats.resident", &v, &sz, NULL, 0) == 0) m->resident = v;
#elif defined(__SANITIZE_ADDRESS__)
    /* sanitizer builds: AddressSanitizer's allocator replaces malloc */
    m->allocated = __sanitizer_get_current_allocated_bytes();
    m->active = m->allocated;
    m->resident = __sanitizer_get_heap_size();
#else
    struct mallinfo2 mi = mallinfo2();
    m->allocated = mi.uordblks + mi.hblkhd;
    m->active = m->allocated;
    m->resident = mi.arena + mi.hblkhd;
#endif
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        unsigned long long size, rss;
        if (fscanf(f, "%llu %llu", &size, &rss) == 2)
            m->rss = rss * (uint64_t)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    if (!m->allocated) m->allocated = m->rss; /* no allocator statistics */
    m->used = m->allocated > srv.mem_external ? m->allocated - srv.mem_external : m->allocated;
}

uint64_t info_allocated_bytes(void)
{
    struct meminfo m;
    mem_read(&m);
    return m.allocated;
}

uint64_t info_used_memory(void)
{
    struct meminfo m;
    mem_read(&m);
    return m.used;
}

static const char *mem_allocator(void)
{
#ifdef SS_HAVE_JEMALLOC
#define XSTR(x) STR(x)
#define STR(x)  #x
    return "jemalloc-" XSTR(JEMALLOC_VERSION_MAJOR) "." XSTR(JEMALLOC_VERSION_MINOR) "." XSTR(
        JEMALLOC_VERSION_BUGFIX);
#elif defined(__SANITIZE_ADDRESS__)
    return "asan";
#else
    return "libc";
#endif
}

/* ---- samples (info_cron, on the control thread) ---- */

#define SAMPLES      16 /* Redis's STATS_METRIC_SAMPLES */
#define SAMPLE_EVERY 100000

enum { M_OPS, M_NET_IN, M_NET_OUT, M__N };

static struct {
    pthread_mutex_t lock;
    int64_t last_us;
    uint64_t last[M__N];
    double rate[M__N][SAMPLES]; /* per second */
    int idx, n;
} samp = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Atomic uint64_t mem_peak, mem_startup;

static void peak_update(uint64_t used)
{
    uint64_t p = atomic_load(&mem_peak);
    while (used > p && !atomic_compare_exchange_weak(&mem_peak, &p, used)) {
    }
}

void info_cron(void)
{
    int64_t now = store_ustime();
    if (now - samp.last_us < SAMPLE_EVERY) return;
    uint64_t cur[M__N] = {WSUM(commands), WSUM(net_in), WSUM(net_out)};
    pthread_mutex_lock(&samp.lock);
    if (samp.last_us) {
        double dt = (double)(now - samp.last_us) / 1e6;
        for (int m = 0; m < M__N; m++)
            samp.rate[m][samp.idx] =
                cur[m] >= samp.last[m] ? (double)(cur[m] - samp.last[m]) / dt : 0; /* RESETSTAT */
        samp.idx = (samp.idx + 1) % SAMPLES;
        if (samp.n < SAMPLES) samp.n++;
    }
    memcpy(samp.last, cur, sizeof(cur));
    samp.last_us = now;
    pthread_mutex_unlock(&samp.lock);

    struct meminfo m;
    mem_read(&m);
    uint64_t zero = 0;
    atomic_compare_exchange_strong(&mem_startup, &zero, m.used);
    peak_update(m.used);
}

void info_reset_samples(void)
{
    pthread_mutex_lock(&samp.lock);
    samp.idx = samp.n = 0;
    samp.last_us = 0;
    pthread_mutex_unlock(&samp.lock);
}

static double rate_of(int metric)
{
    pthread_mutex_lock(&samp.lock);
    double sum = 0;
    for (int i = 0; i < samp.n; i++) sum += samp.rate[metric][i];
    double r = samp.n ? sum / samp.n : 0;
    pthread_mutex_unlock(&samp.lock);
    return r;
}

/* The replication id: random, fixed for the process (replication will
 * own it when it lands). */
static char replid[41];
static pthread_once_t replid_once = PTHREAD_ONCE_INIT;

static void replid_init(void)
{
    unsigned char b[20];
    FILE *f = fopen("/dev/urandom", "r");
    if (!f || fread(b, 1, sizeof(b), f) != sizeof(b))
        for (size_t i = 0; i < sizeof(b); i++) b[i] = (unsigned char)rand();
    if (f) fclose(f);
    for (int i = 0; i < 20; i++) snprintf(replid + 2 * i, 3, "%02x", b[i]);
}

/* ---- the sections ---- */

static struct utsname un;
static pthread_once_t un_once = PTHREAD_ONCE_INIT;

static void un_init(void)
{
    uname(&un);
}

static void sec_server(struct sbuf *b)
{
    pthread_once(&un_once, un_init);
    int64_t now = store_ustime();
    int64_t up = (now - srv.start_us) / 1000000;
    uint32_t h = 2166136261u; /* redis_build_id: a stable hash of what we are */
    for (const char *p = SS_VERSION "/" SS_REDIS_VERSION; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    sb_printf(b,
              "redis_version:%s\r\n"
              "redis_git_sha1:00000000\r\n"
              "redis_git_dirty:0\r\n"
              "redis_build_id:%08x%07x\r\n"
              "redis_mode:standalone\r\n"
              "os:%s %s %s\r\n"
              "arch_bits:%d\r\n"
              "monotonic_clock:POSIX clock_gettime\r\n"
              "multiplexing_api:%s\r\n"
              "atomicvar_api:c11-builtin\r\n"
              "gcc_version:%d.%d.%d\r\n"
              "process_id:%d\r\n"
              "process_supervised:no\r\n"
              "run_id:%s\r\n"
              "tcp_port:%d\r\n"
              "server_time_usec:%lld\r\n"
              "uptime_in_seconds:%lld\r\n"
              "uptime_in_days:%lld\r\n"
              "hz:%lld\r\n"
              "configured_hz:%lld\r\n"
              "lru_clock:%u\r\n"
              "executable:%s\r\n"
              "config_file:%s\r\n"
              "io_threads_active:0\r\n"
              "slipstream_version:%s\r\n"
              "workers:%u\r\n"
              "shards:%u\r\n"
              "transport:%s\r\n",
              SS_REDIS_VERSION, h, h >> 4 & 0xfffffff, un.sysname, un.release, un.machine,
              (int)(sizeof(void *) * 8), srv.dataplane ? "dpdk" : "epoll",
#ifdef __GNUC__
              __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
              0, 0, 0,
#endif
              (int)getpid(), srv.runid, cfg.tc.port, (long long)now, (long long)up,
              (long long)(up / 86400), cfg.hz, cfg.hz, (unsigned)(LOAD(obj_clock) & 0xFFFFFF),
              srv.executable, cfg.config_file, SS_VERSION, srv.nworkers, srv.ks.nshards,
              srv.tp && srv.tp->ops->name ? srv.tp->ops->name : "none");
}

static void sec_clients(struct sbuf *b)
{
    sb_printf(b,
              "connected_clients:%d\r\n"
              "cluster_connections:0\r\n"
              "maxclients:%lld\r\n"
              "client_recent_max_input_buffer:%llu\r\n"
              "client_recent_max_output_buffer:%llu\r\n"
              "blocked_clients:%d\r\n"
              "tracking_clients:0\r\n"
              "clients_in_timeout_table:0\r\n",
              atomic_load(&srv.connected_clients), cfg.maxclients,
              (unsigned long long)wmax(offsetof(struct worker, client_max_qbuf)),
              (unsigned long long)wmax(offsetof(struct worker, client_max_obuf)),
              atomic_load(&srv.blocked_clients));
}

/* Keyspace totals, one shard locked at a time. */
struct ks_totals {
    uint64_t keys[1024], expires[1024];
    double ttl_sum[1024];
    uint64_t ttl_n[1024];
    uint64_t buckets;
};

/* Set by cmd_info for its section generators: INFO inside EXEC runs with
 * every shard already locked by this thread (cmdctx.locks_held). */
static _Thread_local bool info_locks_held;

static void ks_scan(struct ks_totals *t)
{
    memset(t, 0, sizeof(*t));
    int64_t now = store_mstime();
    unsigned ndb = srv.ks.ndb < 1024 ? srv.ks.ndb : 1024;
    for (unsigned s = 0; s < srv.ks.nshards; s++) {
        if (!info_locks_held) ks_lock(&srv.ks, s);
        struct shard *sh = &srv.ks.shards[s];
        for (unsigned d = 0; d < ndb; d++) {
            struct kdb *kd = &sh->db[d];
            t->keys[d] += dict_size(&kd->keys);
            t->expires[d] += kd->xi.n;
            t->buckets += kd->keys.size[0] + kd->keys.size[1];
            /* avg_ttl: an estimate from a few keys of each shard, as Redis
             * estimates it from the keys its expiry cycle samples */
            for (uint32_t i = 0; i < kd->xi.n && i < 8; i++) {
                int64_t ttl = kd->xi.v[i]->expire - now;
                if (ttl > 0) {
                    t->ttl_sum[d] += (double)ttl;
                    t->ttl_n[d]++;
                }
            }
        }
        if (!info_locks_held) ks_unlock(&srv.ks, s);
    }
}

/* Every client's tot-mem, as their workers keep it (session_mem). */
static uint64_t clients_mem(void)
{
    int64_t t = atomic_load(&srv.clients_mem);
    return t > 0 ? (uint64_t)t : 0;
}

static void sec_memory(struct sbuf *b)
{
    struct meminfo m;
    mem_read(&m);
    peak_update(m.used);
    uint64_t used = m.used, peak = atomic_load(&mem_peak);
    uint64_t startup = atomic_load(&mem_startup);
    if (!startup || startup > used) startup = used;
    uint64_t cmem = clients_mem();
    /* overhead: start-up memory, client buffers and the keyspace's tables
     * (bucket arrays and per-key entries) */
    static struct ks_totals t;
    static pthread_mutex_t t_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&t_lock);
    ks_scan(&t);
    uint64_t nkeys = 0;
    for (unsigned d = 0; d < srv.ks.ndb && d < 1024; d++) nkeys += t.keys[d];
    uint64_t tables = t.buckets * sizeof(void *) + nkeys * sizeof(struct kentry);
    pthread_mutex_unlock(&t_lock);
    uint64_t overhead = startup + cmem + tables;
    if (overhead > used) overhead = used;
    uint64_t dataset = used - overhead;
    uint64_t net = used > startup ? used - startup : 1;
    uint64_t sysmem = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    char h_used[32], h_rss[32], h_peak[32], h_sys[32], h_max[32];
    human(h_used, sizeof(h_used), used);
    human(h_rss, sizeof(h_rss), m.rss);
    human(h_peak, sizeof(h_peak), peak);
    human(h_sys, sizeof(h_sys), sysmem);
    human(h_max, sizeof(h_max), (unsigned long long)cfg.maxmemory);
    char policy[32];
    if (!config_get("maxmemory-policy", policy, sizeof(policy))) policy[0] = '\0';
    double alloc = m.allocated ? (double)m.allocated : 1, active = m.active ? (double)m.active : 1,
           resident = m.resident ? (double)m.resident : 1;
    sb_printf(b,
              "used_memory:%llu\r\n"
              "used_memory_human:%s\r\n"
              "used_memory_rss:%llu\r\n"
              "used_memory_rss_human:%s\r\n"
              "used_memory_peak:%llu\r\n"
              "used_memory_peak_human:%s\r\n"
              "used_memory_peak_perc:%.2f%%\r\n"
              "used_memory_overhead:%llu\r\n"
              "used_memory_startup:%llu\r\n"
              "used_memory_dataset:%llu\r\n"
              "used_memory_dataset_perc:%.2f%%\r\n"
              "allocator_allocated:%llu\r\n"
              "allocator_active:%llu\r\n"
              "allocator_resident:%llu\r\n"
              "total_system_memory:%llu\r\n"
              "total_system_memory_human:%s\r\n",
              (unsigned long long)used, h_used, (unsigned long long)m.rss, h_rss,
              (unsigned long long)peak, h_peak, peak ? (double)used * 100 / (double)peak : 100.0,
              (unsigned long long)overhead, (unsigned long long)startup,
              (unsigned long long)dataset, (double)dataset * 100 / (double)net,
              (unsigned long long)m.allocated, (unsigned long long)m.active,
              (unsigned long long)m.resident, (unsigned long long)sysmem, h_sys);
    /* scripting is not there yet: what an empty one would show */
    sb_printf(b, "used_memory_lua:0\r\n"
                 "used_memory_vm_eval:0\r\n"
                 "used_memory_lua_human:0B\r\n"
                 "used_memory_scripts_eval:0\r\n"
                 "number_of_cached_scripts:0\r\n"
                 "number_of_functions:0\r\n"
                 "number_of_libraries:0\r\n"
                 "used_memory_vm_functions:0\r\n"
                 "used_memory_vm_total:0\r\n"
                 "used_memory_vm_total_human:0B\r\n"
                 "used_memory_functions:0\r\n"
                 "used_memory_scripts:0\r\n"
                 "used_memory_scripts_human:0B\r\n");
    sb_printf(b,
              "maxmemory:%lld\r\n"
              "maxmemory_human:%s\r\n"
              "maxmemory_policy:%s\r\n"
              "allocator_frag_ratio:%.2f\r\n"
              "allocator_frag_bytes:%lld\r\n"
              "allocator_rss_ratio:%.2f\r\n"
              "allocator_rss_bytes:%lld\r\n"
              "rss_overhead_ratio:%.2f\r\n"
              "rss_overhead_bytes:%lld\r\n"
              "mem_fragmentation_ratio:%.2f\r\n"
              "mem_fragmentation_bytes:%lld\r\n"
              "mem_not_counted_for_evict:0\r\n"
              "mem_replication_backlog:0\r\n"
              "mem_total_replication_buffers:0\r\n"
              "mem_clients_slaves:0\r\n"
              "mem_clients_normal:%llu\r\n"
              "mem_cluster_links:0\r\n"
              "mem_aof_buffer:0\r\n"
              "mem_allocator:%s\r\n"
              "active_defrag_running:0\r\n"
              "lazyfree_pending_objects:0\r\n"
              "lazyfreed_objects:0\r\n",
              (long long)cfg.maxmemory, h_max, policy, active / alloc,
              (long long)m.active - (long long)m.allocated, resident / active,
              (long long)m.resident - (long long)m.active, (double)m.rss / resident,
              (long long)m.rss - (long long)m.resident, (double)m.rss / alloc,
              (long long)m.rss - (long long)m.allocated, (unsigned long long)cmem, mem_allocator());
}

static void sec_persistence(struct sbuf *b)
{
    char rdb[2048], aof[2048];
    persist_info(rdb, sizeof(rdb));
    aof_info(aof, sizeof(aof));
    sb_printf(b, "%s%s", rdb, aof);
}

static void sec_stats(struct sbuf *b)
{
    sb_printf(b,
              "total_connections_received:%llu\r\n"
              "total_commands_processed:%llu\r\n"
              "instantaneous_ops_per_sec:%lld\r\n"
              "total_net_input_bytes:%llu\r\n"
              "total_net_output_bytes:%llu\r\n"
              "total_net_repl_input_bytes:0\r\n"
              "total_net_repl_output_bytes:0\r\n"
              "instantaneous_input_kbps:%.2f\r\n"
              "instantaneous_output_kbps:%.2f\r\n"
              "instantaneous_input_repl_kbps:0.00\r\n"
              "instantaneous_output_repl_kbps:0.00\r\n"
              "rejected_connections:%llu\r\n"
              "sync_full:0\r\n"
              "sync_partial_ok:0\r\n"
              "sync_partial_err:0\r\n",
              (unsigned long long)atomic_load(&srv.stat_numconnections),
              (unsigned long long)WSUM(commands), (long long)(rate_of(M_OPS) + 0.5),
              (unsigned long long)WSUM(net_in), (unsigned long long)WSUM(net_out),
              rate_of(M_NET_IN) / 1024, rate_of(M_NET_OUT) / 1024,
              (unsigned long long)atomic_load(&srv.stat_rejected_conn));
    sb_printf(b,
              "expired_keys:%llu\r\n"
              "expired_stale_perc:0.00\r\n"
              "expired_time_cap_reached_count:%llu\r\n"
              "expire_cycle_cpu_milliseconds:%llu\r\n"
              "evicted_keys:%llu\r\n"
              "evicted_clients:%llu\r\n"
              "total_eviction_exceeded_time:0\r\n"
              "current_eviction_exceeded_time:0\r\n"
              "keyspace_hits:%llu\r\n"
              "keyspace_misses:%llu\r\n"
              "pubsub_channels:0\r\n"
              "pubsub_patterns:0\r\n"
              "pubsubshard_channels:0\r\n"
              "latest_fork_usec:0\r\n"
              "total_forks:0\r\n"
              "migrate_cached_sockets:0\r\n"
              "slave_expires_tracked_keys:0\r\n"
              "active_defrag_hits:0\r\n"
              "active_defrag_misses:0\r\n"
              "active_defrag_key_hits:0\r\n"
              "active_defrag_key_misses:0\r\n"
              "total_active_defrag_time:0\r\n"
              "current_active_defrag_time:0\r\n"
              "tracking_total_keys:0\r\n"
              "tracking_total_items:0\r\n"
              "tracking_total_prefixes:0\r\n"
              "unexpected_error_replies:0\r\n"
              "total_error_replies:%llu\r\n"
              "dump_payload_sanitizations:0\r\n"
              "total_reads_processed:%llu\r\n"
              "total_writes_processed:%llu\r\n"
              "io_threaded_reads_processed:0\r\n"
              "io_threaded_writes_processed:0\r\n"
              "reply_buffer_shrinks:0\r\n"
              "reply_buffer_expands:0\r\n",
              (unsigned long long)WSUM(st.expired_keys),
              (unsigned long long)WSUM(st.expired_time_cap_reached_count),
              (unsigned long long)(WSUM(expire_cycle_us) / 1000),
              (unsigned long long)WSUM(st.evicted_keys),
              (unsigned long long)atomic_load(&srv.stat_evicted_clients),
              (unsigned long long)WSUM(st.keyspace_hits),
              (unsigned long long)WSUM(st.keyspace_misses),
              (unsigned long long)WSUM(total_error_replies), (unsigned long long)WSUM(reads),
              (unsigned long long)WSUM(writes));
}

static void sec_replication(struct sbuf *b)
{
    pthread_once(&replid_once, replid_init);
    sb_printf(b,
              "role:master\r\n"
              "connected_slaves:0\r\n"
              "master_failover_state:no-failover\r\n"
              "master_replid:%s\r\n"
              "master_replid2:0000000000000000000000000000000000000000\r\n"
              "master_repl_offset:0\r\n"
              "second_repl_offset:-1\r\n"
              "repl_backlog_active:0\r\n"
              "repl_backlog_size:1048576\r\n"
              "repl_backlog_first_byte_offset:0\r\n"
              "repl_backlog_histlen:0\r\n",
              replid);
}

static void sec_cpu(struct sbuf *b)
{
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    /* the "main thread" is the one executing commands: this worker */
    getrusage(RUSAGE_THREAD, &thread);
#define TV(t) (long)(t).tv_sec, (long)(t).tv_usec
    sb_printf(b,
              "used_cpu_sys:%ld.%06ld\r\n"
              "used_cpu_user:%ld.%06ld\r\n"
              "used_cpu_sys_children:%ld.%06ld\r\n"
              "used_cpu_user_children:%ld.%06ld\r\n"
              "used_cpu_sys_main_thread:%ld.%06ld\r\n"
              "used_cpu_user_main_thread:%ld.%06ld\r\n",
              TV(self.ru_stime), TV(self.ru_utime), TV(children.ru_stime), TV(children.ru_utime),
              TV(thread.ru_stime), TV(thread.ru_utime));
#undef TV
}

static void sec_empty(struct sbuf *b)
{
    (void)b;
}

static void sec_commandstats(struct sbuf *b)
{
    for (int id = 0; id < srv.ncmds; id++) {
        uint64_t calls = 0, usec = 0, rejected = 0, failed = 0;
        for (unsigned i = 0; i < srv.nworkers; i++) {
            const struct worker *w = &srv.workers[i];
            if (!fresh(w)) continue;
            const struct cmdstat *cs = &w->cmdstats[id];
            calls += LOAD(cs->calls);
            usec += LOAD(cs->usec);
            rejected += LOAD(cs->rejected);
            failed += LOAD(cs->failed);
        }
        if (!calls && !rejected && !failed) continue;
        const struct cmd *c = cmd_by_id(id);
        if (!c) continue;
        sb_printf(b,
                  "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                  "failed_calls=%llu\r\n",
                  c->name, (unsigned long long)calls, (unsigned long long)usec,
                  calls ? (double)usec / (double)calls : 0.0, (unsigned long long)rejected,
                  (unsigned long long)failed);
    }
}

static int cmp_errstat(const void *a, const void *b)
{
    return strcmp(((const struct errstat *)a)->code, ((const struct errstat *)b)->code);
}

/* Error codes merged over the workers, in byte order (Redis keeps them in
 * a radix tree). */
static void sec_errorstats(struct sbuf *b)
{
    struct errstat *all = calloc((size_t)srv.nworkers * ERRSTAT_MAX + 1, sizeof(*all));
    if (!all) return;
    int n = 0;
    for (unsigned i = 0; i < srv.nworkers; i++) {
        const struct worker *w = &srv.workers[i];
        if (!fresh(w)) continue;
        int ne = __atomic_load_n(&w->nerrs, __ATOMIC_ACQUIRE);
        for (int e = 0; e < ne && e < ERRSTAT_MAX; e++) {
            char code[sizeof(all[0].code)];
            memcpy(code, w->errs[e].code, sizeof(code));
            code[sizeof(code) - 1] = '\0';
            uint64_t cnt = LOAD(w->errs[e].count);
            int k = 0;
            while (k < n && strcmp(all[k].code, code) != 0) k++;
            if (k == n) {
                memcpy(all[n].code, code, sizeof(code));
                all[n++].count = 0;
            }
            all[k].count += cnt;
        }
    }
    qsort(all, (size_t)n, sizeof(*all), cmp_errstat);
    for (int k = 0; k < n; k++)
        if (all[k].count)
            sb_printf(b, "errorstat_%s:count=%llu\r\n", all[k].code,
                      (unsigned long long)all[k].count);
    free(all);
}

static void sec_cluster(struct sbuf *b)
{
    sb_printf(b, "cluster_enabled:0\r\n");
}

static void sec_keyspace(struct sbuf *b)
{
    static struct ks_totals t;
    static pthread_mutex_t t_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&t_lock);
    ks_scan(&t);
    for (unsigned d = 0; d < srv.ks.ndb && d < 1024; d++) {
        if (!t.keys[d]) continue;
        long long avg = t.ttl_n[d] ? (long long)(t.ttl_sum[d] / (double)t.ttl_n[d]) : 0;
        sb_printf(b, "db%u:keys=%llu,expires=%llu,avg_ttl=%lld\r\n", d,
                  (unsigned long long)t.keys[d], (unsigned long long)t.expires[d], avg);
    }
    pthread_mutex_unlock(&t_lock);
}

/* The transport's sections ("dataplane", "tcp"): it writes the fields; the
 * title is added here unless it wrote one. */
static void sec_transport(struct sbuf *b, const char *name)
{
    if (!srv.tp || !srv.tp->ops->info) return;
    size_t cap = 64 * 1024;
    char *tmp = malloc(cap);
    if (!tmp) return;
    size_t n = srv.tp->ops->info(srv.tp, name, tmp, cap);
    if (n >= cap) n = cap - 1;
    const char *body = tmp;
    if (n >= 2 && tmp[0] == '#' && tmp[1] == ' ') {
        /* it wrote its own title line: ours is already there */
        const char *nl = memchr(tmp, '\n', n);
        body = nl ? nl + 1 : tmp + n;
    }
    sb_append(b, body, n - (size_t)(body - tmp));
    free(tmp);
}

static void sec_dataplane(struct sbuf *b)
{
    sec_transport(b, "dataplane");
}

static void sec_tcp(struct sbuf *b)
{
    sec_transport(b, "tcp");
}

/* Redis 7.0's sections, in its order, then the transport's. `alias` is the
 * second name a section answers to ("module_list" for modules). */
#define INFO_SECTIONS(X)                                           \
    X(server, NULL, "Server", true, sec_server)                    \
    X(clients, NULL, "Clients", true, sec_clients)                 \
    X(memory, NULL, "Memory", true, sec_memory)                    \
    X(persistence, NULL, "Persistence", true, sec_persistence)     \
    X(stats, NULL, "Stats", true, sec_stats)                       \
    X(replication, NULL, "Replication", true, sec_replication)     \
    X(cpu, NULL, "CPU", true, sec_cpu)                             \
    X(modules, "module_list", "Modules", true, sec_empty)          \
    X(commandstats, NULL, "Commandstats", false, sec_commandstats) \
    X(errorstats, NULL, "Errorstats", true, sec_errorstats)        \
    X(latencystats, NULL, "Latencystats", false, sec_empty)        \
    X(cluster, NULL, "Cluster", true, sec_cluster)                 \
    X(keyspace, NULL, "Keyspace", true, sec_keyspace)              \
    X(dataplane, NULL, "Dataplane", false, sec_dataplane)          \
    X(tcp, NULL, "Tcp", false, sec_tcp)

enum {
#define X(name, alias, title, dflt, fn) SEC_##name,
    INFO_SECTIONS(X)
#undef X
        SEC__N
};

static const struct {
    const char *name, *alias, *title;
    bool dflt;
    void (*gen)(struct sbuf *b);
} sections[SEC__N] = {
#define X(name, alias, title, dflt, fn) {#name, alias, title, dflt, fn},
    INFO_SECTIONS(X)
#undef X
};

static bool transport_section(int i)
{
    return (i == SEC_dataplane || i == SEC_tcp) && srv.tp && srv.tp->ops->info;
}

/* INFO [section ...]: the default set without arguments; "default", "all"
 * and "everything" as in Redis 7.0; names are case-insensitive; unknown
 * names add nothing. A bulk string (verbatim "txt" in RESP3). */
void cmd_info(struct cmdctx *c)
{
    bool want[SEC__N] = {false};
    bool all = false;
    if (c->argc == 1)
        for (int i = 0; i < SEC__N; i++) want[i] = sections[i].dflt;
    for (int a = 1; a < c->argc; a++) {
        const struct sarg *arg = &c->argv[a];
        if (arg_is(arg, "default")) {
            for (int i = 0; i < SEC__N; i++) want[i] |= sections[i].dflt;
        } else if (arg_is(arg, "all") || arg_is(arg, "everything")) {
            all = true;
        } else {
            for (int i = 0; i < SEC__N; i++)
                if (arg_is(arg, sections[i].name) ||
                    (sections[i].alias && arg_is(arg, sections[i].alias)))
                    want[i] = true;
        }
    }
    struct sbuf b = {0};
    int emitted = 0;
    info_locks_held = c->locks_held;
    for (int i = 0; i < SEC__N; i++) {
        bool on = want[i] || all;
        if ((i == SEC_dataplane || i == SEC_tcp) && !transport_section(i)) on = false;
        if (!on) continue;
        if (emitted++) sb_append(&b, "\r\n", 2);
        sb_printf(&b, "# %s\r\n", sections[i].title);
        sections[i].gen(&b);
    }
    if (b.oom) {
        free(b.p);
        reply_errs(c->r, SERR_OOM);
        return;
    }
    reply_verbatim(c->r, b.p ? b.p : "", b.len, "txt");
    free(b.p);
}
