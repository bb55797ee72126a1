/* main.c — start-up, the control thread's loop, and shutdown.
 *
 * Start-up: configuration (defaults, file, --name value overrides), DPDK EAL
 * (always: --no-pci --no-huge and a unique file prefix unless the
 * configuration says otherwise), the keyspace, the transport, then one
 * worker per worker lcore. The main lcore becomes the control thread: it runs
 * the cron (access clock, signals, shutdown) and never serves clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "cmdtable.h"
#include "config.h"
#include "control.h"
#include "info.h"
#include "aof.h"
#include "persist.h"
#include "server.h"
#include "worker.h"
#ifdef SS_HAVE_DPDK_TRANSPORT
#include "dpdk_transport.h"
#include "eal_exit.h"
#endif

static void on_signal(int sig)
{
    int n = atomic_fetch_add(&srv.shutdown_sigs, 1);
    if (n > 0 && sig == SIGINT) {
        static const char msg[] = "You insist... exiting now.\n";
        if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) { /* nothing to do */
        }
        _exit(1);
    }
    atomic_store(&srv.shutdown_asap, 1);
}

/* once at start, for each parameter set to something Slipstream does not
 * act on yet */
static void log_inert(const char *name, const char *value)
{
    ctl_log(LOG_WARNING,
            "Config '%s' is set to '%s', which Slipstream accepts but does not act on yet", name,
            value);
}

static void make_runid(char *out)
{
    unsigned char b[20];
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
        for (size_t i = 0; i < sizeof(b); i++) b[i] = (unsigned char)rand();
    }
    if (fd >= 0) close(fd);
    for (int i = 0; i < 20; i++) sprintf(out + 2 * i, "%02x", b[i]);
    out[40] = '\0';
}

/* EAL arguments for the kernel-socket mode: no device, no hugepages, no
 * shared files, a per-process prefix, workers on lcores 1..W. */
static int build_eal_args(char **av, int max, unsigned workers, char *store, size_t slen)
{
    int ac = 0;
    size_t off = 0;
#define ADD(s)                        \
    do {                              \
        if (ac < max) av[ac++] = (s); \
    } while (0)
#define ADDF(...)                                                \
    do {                                                         \
        int n_ = snprintf(store + off, slen - off, __VA_ARGS__); \
        ADD(store + off);                                        \
        off += (size_t)n_ + 1;                                   \
    } while (0)
    ADD("slipstream");
    long ncores = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncores < 1) ncores = 1;
    /* lcore 0 (control) on core 0; workers on the other cores, round-robin */
    char lc[1024];
    size_t lo = (size_t)snprintf(lc, sizeof(lc), "0@0");
    for (unsigned i = 0; i < workers && lo < sizeof(lc) - 16; i++) {
        long core = ncores > 1 ? 1 + (long)i % (ncores - 1) : 0;
        lo += (size_t)snprintf(lc + lo, sizeof(lc) - lo, ",%u@%ld", i + 1, core);
    }
    ADD("--lcores");
    ADDF("%s", lc);
    bool user_huge = strstr(cfg.dpdk_args, "huge") != NULL || strstr(cfg.dpdk_args, "-m ") ||
                     strstr(cfg.dpdk_args, "--socket-mem");
    bool user_dev = strstr(cfg.dpdk_args, "-a ") || strstr(cfg.dpdk_args, "--allow");
#ifdef SS_HAVE_DPDK_TRANSPORT
    if (cfg.tc.dataplane_port[0]) {
        int n = dpdk_eal_args(&cfg.tc, cfg.dpdk_args, av + ac, max - ac);
        if (n < 0) return -1;
        ac += n;
        user_huge = user_dev = true; /* the data plane owns these choices */
    }
#endif
    if (!user_dev) ADD("--no-pci");
    if (!user_huge) {
        ADD("--no-huge");
        ADD("-m");
        ADD("128");
    }
    ADD("--no-shconf");
    ADDF("--file-prefix=slipstream-%d", (int)getpid());
    ADD("--log-level=4"); /* errors only: the server's own log tells the story */
    /* the user's extra arguments, split on spaces */
    char *save, *copy = store + off;
    snprintf(copy, slen - off, "%s", cfg.dpdk_args); /* the last use of store */
    for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) ADD(t);
    av[ac] = NULL;
    return ac;
#undef ADD
#undef ADDF
}

/* The control thread's tick: INFO's samples, then persistence (a pending
 * BGSAVE, save points). */
static void control_tick(void)
{
    info_cron();
    persist_cron(&srv.ks);
    aof_cron(&srv.ks);
}

/* After a signal asked to stop: the final save when save points are set
 * (SHUTDOWN saved already). Writes are held meanwhile, as SHUTDOWN holds
 * them. False when the save failed: Redis then keeps running. */
static bool final_save(void)
{
    if (atomic_load(&srv.shutdown_by_command) || !persist_has_save_points()) return true;
    int kind = atomic_load(&srv.pause_kind);
    int64_t end = atomic_load(&srv.pause_end_ms);
    atomic_store(&srv.pause_end_ms, INT64_MAX);
    atomic_store(&srv.pause_kind, PAUSE_WRITE);
    /* a command that passed the pause check before it was set runs to its
     * end under its locks first; this gives one that has not locked yet
     * the time to */
    struct timespec ts = {0, 10 * 1000000};
    nanosleep(&ts, NULL);
    ctl_log(LOG_NOTICE, "Saving the final RDB snapshot before exiting.");
    persist_cron(&srv.ks); /* a BGSAVE still pending runs now */
    persist_claim_wait();
    char err[2048];
    ks_lock_all(&srv.ks);
    int rc = persist_save_locked(&srv.ks, PERSIST_KIND_INTERNAL, err, sizeof(err));
    ks_unlock_all(&srv.ks);
    persist_release();
    if (rc == 0) return true;
    ctl_log(LOG_WARNING, "Error trying to save the DB, can't exit.");
    ctl_log(LOG_WARNING, "SIGTERM received but errors trying to shut down the server, check the "
                         "logs for more information");
    atomic_store(&srv.pause_end_ms, end);
    atomic_store(&srv.pause_kind, kind);
    return false;
}

static unsigned resolve_workers(void)
{
    if (cfg.tc.workers) return cfg.tc.workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 1 ? (unsigned)(n - 1) : 1;
}

static unsigned resolve_shards(unsigned workers)
{
    unsigned s = cfg.shards ? (unsigned)cfg.shards : 16 * workers;
    unsigned p = 1;
    while (p < s && p < KS_MAX_SHARDS) p <<= 1;
    return p;
}

int main(int argc, char **argv)
{
    char err[1024];
    if (argc == 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
        printf("Slipstream server v=%s (Redis %s compatible)\n", SS_VERSION, SS_REDIS_VERSION);
        return 0;
    }
    /* rename-command in the configuration acts on the command table */
    srv.ncmds = cmdtable_init();
    if (argc == 2 && !strcmp(argv[1], "--dump-config-docs")) {
        /* docs/configuration.md, from the parameter table (test: config-docs) */
        config_load(1, argv, err, sizeof(err));
        config_write_docs(stdout);
        return 0;
    }
    if (config_load(argc, argv, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (realpath("/proc/self/exe", srv.executable) == NULL) srv.executable[0] = '\0';
    static const struct ctl_settings cs = {
        .logfile = cfg.logfile, .loglevel = &cfg.loglevel, .pidfile = cfg.pidfile, .hz = &cfg.hz};
    ctl_configure(&cs);
    ctl_mark_control_thread();
    ctl_log_open();
    config_report_inert(log_inert);
    server_persist_configure();

    unsigned workers = resolve_workers();
    cfg.tc.workers = workers;
    char *eal_argv[128], eal_store[8192];
    int eal_argc = build_eal_args(eal_argv, 127, workers, eal_store, sizeof(eal_store));
    if (eal_argc < 0 || rte_eal_init(eal_argc, eal_argv) < 0) {
        ctl_log(LOG_WARNING, "DPDK EAL initialisation failed: %s", rte_strerror(rte_errno));
        return 1;
    }

    make_runid(srv.runid);
    unsigned nshards = resolve_shards(workers);
    if (server_init(workers, nshards) < 0) {
        ctl_log(LOG_WARNING, "cannot allocate the keyspace");
        return 1;
    }

    /* The data, before anyone can connect: the AOF when appendonly is on
     * (it has the last word, as in Redis), else the RDB file; damaged files
     * stop the start-up (and stay as they are). Loaded keys' access times
     * start from the clock the control thread will keep. The AOF's
     * commands run through the executor on worker 0's counters. */
    obj_clock = (uint32_t)time(NULL);
    srv.workers[0].us_per_tsc = 1e6 / (double)rte_get_tsc_hz();
    server_aof_configure();
    int from_aof = aof_load_startup(&srv.ks, cfg.appendonly != 0, err, sizeof(err));
    if (from_aof < 0 ||
        (from_aof == 0 && !cfg.appendonly && persist_load_startup(&srv.ks, err, sizeof(err)) < 0)) {
        ctl_log(LOG_WARNING, "%s", err);
        ctl_log(LOG_WARNING, "Fatal error loading the DB, check server logs. Exiting.");
        rte_eal_cleanup();
        return 1;
    }
    if (aof_start(&srv.ks, cfg.appendonly != 0, err, sizeof(err)) < 0) {
        ctl_log(LOG_WARNING, "%s", err);
        rte_eal_cleanup();
        return 1;
    }

#ifdef SS_HAVE_DPDK_TRANSPORT
    if (cfg.tc.dataplane_port[0]) {
        srv.tp = dpdk_transport_create(&cfg.tc, err, sizeof(err));
        srv.dataplane = true;
    } else
#endif
        srv.tp = sock_transport_create(&cfg.tc, err, sizeof(err));
    if (!srv.tp) {
        ctl_log(LOG_WARNING, "%s", err);
        rte_eal_cleanup();
        return 1;
    }
    if (config_apply_dataplane_faults() < 0) {
        ctl_log(LOG_WARNING, "dataplane-fault-*: fault injection needs the DPDK data plane "
                             "(dataplane-port)");
        srv.tp->ops->destroy(srv.tp);
        rte_eal_cleanup();
        return 1;
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned wi = 0, lcore;
    RTE_LCORE_FOREACH_WORKER(lcore)
    {
        if (wi == workers) break;
        srv.workers[wi].lcore = lcore;
        rte_eal_remote_launch(worker_main, &srv.workers[wi], lcore);
        wi++;
    }
    if (wi < workers) {
        ctl_log(LOG_WARNING, "only %u worker lcores available for %u workers", wi, workers);
        srv.nworkers = wi;
    }

    ctl_write_pidfile();
    ctl_log(LOG_NOTICE, "Slipstream %s (Redis %s compatible), PID: %d, %u worker(s), %u shards, %s",
            SS_VERSION, SS_REDIS_VERSION, (int)getpid(), srv.nworkers, nshards,
            srv.dataplane ? "DPDK data plane" : "kernel sockets");
    if (cfg.tc.port) ctl_log(LOG_NOTICE, "Listening on port %d", cfg.tc.port);
    ctl_log(LOG_NOTICE, "Ready to accept connections");

    for (;;) {
        ctl_run(control_tick, &srv.shutdown_asap); /* returns when a shutdown is requested */
        ctl_log(LOG_WARNING, "User requested shutdown...");
        if (final_save()) break;
        atomic_store(&srv.shutdown_sigs, 0);
        atomic_store(&srv.shutdown_asap, 0);
    }
    for (unsigned i = 0; i < srv.nworkers; i++) {
        atomic_store(&srv.workers[i].stop, true);
        if (srv.tp->ops->wake) srv.tp->ops->wake(srv.tp, i);
    }
    rte_eal_mp_wait_lcore();
    aof_shutdown(); /* what the workers logged last is written and fsynced */
    srv.tp->ops->destroy(srv.tp);
    ctl_remove_pidfile();
    ctl_log(LOG_WARNING, "Slipstream is now ready to exit, bye bye...");
    eal_cleanup_runtime_dir();
    return 0;
}
