/* config.c — the parameter table and redis.conf parsing.
 *
 * Every parameter is one row of `params[]`: its Redis name (and alias), its
 * type, where its value lives, its bounds and default, and flags. Loading,
 * CONFIG GET, CONFIG SET, CONFIG REWRITE and docs/configuration.md all come
 * from this table.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "server.h"
#ifdef SS_HAVE_DPDK_TRANSPORT
#include "dpdk_transport.h"
#endif
#include "tunables.h"

struct config cfg;
pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;

enum ptype { P_BOOL, P_INT, P_LL, P_MEM, P_STR, P_ENUM, P_SPECIAL };
enum {
    PF_IMMUTABLE = 1, /* only at start-up */
    PF_SENSITIVE = 2, /* value hidden from logs */
    PF_PROTECTED = 4, /* needs enable-protected-configs */
    PF_HIDDEN = 8,    /* not shown by CONFIG GET * */
    /* applied at start-up only, but CONFIG SET to the current value is
     * accepted (bind and port, which Redis applies at runtime; our own
     * start-up parameters, so "CONFIG GET *, then SET each back" works) */
    PF_NOLIVE = 16,
};

struct enum_val {
    const char *name;
    int val;
};

struct param {
    const char *name, *alias;
    enum ptype type;
    unsigned flags;
    void *ptr;
    long long min, max;
    const char *deflt;
    const struct enum_val *enums;
    /* P_SPECIAL: parse/format by hand; set() validates, and stores only
     * when `apply` (so CONFIG SET can check every pair before changing any) */
    int (*set)(const char *v, bool apply, char *err, size_t errlen);
    void (*get)(char *buf, size_t len);
    size_t strsize;
    const char *doc; /* one line for docs/configuration.md */
};

/* Redis 7.0's levels ("nothing" came in 7.2) */
static const struct enum_val ev_sanitize[] = {{"no", 0}, {"yes", 1}, {"clients", 2}, {NULL, 0}};
static const struct enum_val ev_loglevel[] = {
    {"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}, {NULL, 0}};
static const struct enum_val ev_debug[] = {{"no", 0}, {"yes", 1}, {"local", 2}, {NULL, 0}};
static const struct enum_val ev_policy[] = {
    {"volatile-lru", 0},   {"volatile-lfu", 1}, {"volatile-random", 2},
    {"volatile-ttl", 3},   {"allkeys-lru", 4},  {"allkeys-lfu", 5},
    {"allkeys-random", 6}, {"noeviction", 7},   {NULL, 0}};

/* ---- special parameters ---- */

/* An enum value by name (case-insensitive), or Redis's error listing them. */
static int enum_parse(const struct enum_val *ev, const char *v, int *out, char *err, size_t errlen)
{
    for (const struct enum_val *e = ev; e->name; e++) {
        if (!strcasecmp(e->name, v)) {
            *out = e->val;
            return 0;
        }
    }
    size_t off = (size_t)snprintf(err, errlen, "argument(s) must be one of the following: ");
    for (const struct enum_val *e = ev; e->name && off < errlen; e++)
        off += (size_t)snprintf(err + off, errlen - off, "%s%s", e == ev ? "" : ", ", e->name);
    return -1;
}

/* hz: any 0..INT_MAX is accepted and capped to 1..500 (Redis's updateHZ:
 * "more a hint from the user") */
static int set_hz(const char *v, bool apply, char *err, size_t errlen)
{
    long long x;
    if (!str_to_ll(v, strlen(v), &x)) {
        snprintf(err, errlen, "argument couldn't be parsed into an integer");
        return -1;
    }
    if (x < 0 || x > INT_MAX) {
        snprintf(err, errlen, "argument must be between 0 and %d inclusive", INT_MAX);
        return -1;
    }
    if (apply) cfg.hz = x < 1 ? 1 : x > 500 ? 500 : x;
    return 0;
}

static void get_hz(char *buf, size_t len)
{
    snprintf(buf, len, "%lld", cfg.hz);
}

/* notify-keyspace-events: Redis's class characters, kept in its canonical
 * spelling (keyspaceEventsFlagsToString: "KEA" reads back "AKE"; with 'A',
 * Redis 7.0 also drops 'n' from the spelling). */
static int set_notify(const char *v, bool apply, char *err, size_t errlen)
{
    static const char classes[] = "g$lshzxetd"; /* what 'A' stands for, in order */
    bool on[128] = {false};
    for (const char *p = v; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == 'A') {
            for (const char *c = classes; *c; c++) on[(unsigned char)*c] = true;
        } else if (strchr("g$lshzxeKEtmdn", ch)) {
            on[ch] = true;
        } else {
            snprintf(err, errlen, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
            return -1;
        }
    }
    if (!apply) return 0;
    char out[32];
    size_t o = 0;
    bool all = true;
    for (const char *c = classes; *c; c++) all &= on[(unsigned char)*c];
    if (all)
        out[o++] = 'A';
    else
        for (const char *c = "g$lshzxetdn"; *c; c++)
            if (on[(unsigned char)*c]) out[o++] = *c;
    for (const char *c = "KEm"; *c; c++)
        if (on[(unsigned char)*c]) out[o++] = *c;
    out[o] = '\0';
    pthread_mutex_lock(&cfg_lock);
    snprintf(cfg.notify_keyspace_events, sizeof(cfg.notify_keyspace_events), "%s", out);
    pthread_mutex_unlock(&cfg_lock);
    return 0;
}

static void get_notify(char *buf, size_t len)
{
    pthread_mutex_lock(&cfg_lock);
    snprintf(buf, len, "%s", cfg.notify_keyspace_events);
    pthread_mutex_unlock(&cfg_lock);
}

/* maxmemory-policy: the store keeps LFU counters only under an LFU policy
 * (OBJECT FREQ / IDLETIME answer by it). */
static int set_policy(const char *v, bool apply, char *err, size_t errlen)
{
    int val;
    if (enum_parse(ev_policy, v, &val, err, errlen) != 0) return -1;
    if (!apply) return 0;
    cfg.maxmemory_policy = val;
    obj_lfu_policy = val == 1 || val == 5; /* volatile-lfu, allkeys-lfu */
    return 0;
}

static void get_policy(char *buf, size_t len)
{
    for (const struct enum_val *e = ev_policy; e->name; e++)
        if (e->val == cfg.maxmemory_policy) {
            snprintf(buf, len, "%s", e->name);
            return;
        }
    snprintf(buf, len, "?");
}

static int set_bind(const char *v, bool apply, char *err, size_t errlen)
{
    struct transport_config *tc = &cfg.tc;
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", v);
    int n = 0;
    for (char *save, *tok = strtok_r(tmp, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (n == 16) {
            snprintf(err, errlen, "Too many bind addresses specified.");
            return -1;
        }
        if (apply) snprintf(tc->bind[n], sizeof(tc->bind[0]), "%s", tok);
        n++;
    }
    if (!apply) return 0;
    if (n == 0) {
        /* "bind" with no address: every interface */
        snprintf(tc->bind[0], sizeof(tc->bind[0]), "*");
        n = 1;
    }
    tc->nbind = n;
    snprintf(cfg.bind_str, sizeof(cfg.bind_str), "%s", v);
    return 0;
}

static void get_bind(char *buf, size_t len)
{
    snprintf(buf, len, "%s", cfg.bind_str);
}

static bool parse_mem(const char *v, long long *out);

static int set_obuf(const char *v, bool apply, char *err, size_t errlen)
{
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s", v);
    char *tok[64];
    int n = 0;
    for (char *save, *t = strtok_r(tmp, " \t", &save); t && n < 64;
         t = strtok_r(NULL, " \t", &save))
        tok[n++] = t;
    if (n % 4 != 0) { /* "" changes nothing, as in Redis */
        snprintf(err, errlen, "Wrong number of arguments in buffer limit configuration.");
        return -1;
    }
    struct obuf_limit nl[3];
    memcpy(nl, cfg.obuf, sizeof(nl));
    for (int i = 0; i < n; i += 4) {
        int cls;
        if (!strcasecmp(tok[i], "normal"))
            cls = OBL_NORMAL;
        else if (!strcasecmp(tok[i], "replica") || !strcasecmp(tok[i], "slave"))
            cls = OBL_REPLICA;
        else if (!strcasecmp(tok[i], "pubsub"))
            cls = OBL_PUBSUB;
        else {
            snprintf(err, errlen, "Invalid client class specified in buffer limit configuration.");
            return -1;
        }
        long long h, s, ss;
        if (!parse_mem(tok[i + 1], &h) || !parse_mem(tok[i + 2], &s) ||
            !str_to_ll(tok[i + 3], strlen(tok[i + 3]), &ss) || h < 0 || s < 0 || ss < 0) {
            snprintf(err, errlen,
                     "Error in hard, soft or soft_seconds setting in buffer limit "
                     "configuration.");
            return -1;
        }
        nl[cls].hard = h;
        nl[cls].soft = s;
        nl[cls].soft_seconds = ss;
    }
    if (apply) memcpy(cfg.obuf, nl, sizeof(nl));
    return 0;
}

static void get_obuf(char *buf, size_t len)
{
    static const char *names[3] = {"normal", "slave", "pubsub"};
    size_t off = 0;
    for (int i = 0; i < 3; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s %lld %lld %lld", i ? " " : "", names[i],
                                cfg.obuf[i].hard, cfg.obuf[i].soft, cfg.obuf[i].soft_seconds);
}

/* maxmemory-clients: bytes, or "N%" of maxmemory (stored negated, as Redis
 * does); 0 = no client eviction. */
static int set_maxmem_clients(const char *v, bool apply, char *err, size_t errlen)
{
    long long n;
    size_t len = strlen(v);
    if (len > 1 && v[len - 1] == '%') {
        if (!str_to_ll(v, len - 1, &n) || n < 0 || n > 100) {
            snprintf(err, errlen, "argument must be a memory or percent value");
            return -1;
        }
        n = -n;
    } else if (!parse_mem(v, &n) || n < 0) {
        snprintf(err, errlen, "argument must be a memory or percent value");
        return -1;
    }
    if (apply) cfg.maxmemory_clients = n;
    return 0;
}

static void get_maxmem_clients(char *buf, size_t len)
{
    if (cfg.maxmemory_clients < 0)
        snprintf(buf, len, "%lld%%", -cfg.maxmemory_clients);
    else
        snprintf(buf, len, "%lld", cfg.maxmemory_clients);
}

static int set_save(const char *v, bool apply, char *err, size_t errlen)
{
    /* "save" pairs of <seconds> <changes>, or "" to disable; validated now,
     * acted on when persistence lands */
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", v);
    int n = 0;
    for (char *save, *t = strtok_r(tmp, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        long long x;
        if (!str_to_ll(t, strlen(t), &x) || x < 0) {
            snprintf(err, errlen, "Invalid save parameters");
            return -1;
        }
        n++;
    }
    if (n % 2) {
        snprintf(err, errlen, "Invalid save parameters");
        return -1;
    }
    if (apply) snprintf(cfg.save, sizeof(cfg.save), "%s", v);
    return 0;
}

static void get_save(char *buf, size_t len)
{
    snprintf(buf, len, "%s", cfg.save);
}

static int set_unixsocketperm(const char *v, bool apply, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long p = strtol(v, &end, 8);
    if (*v == '\0' || *end || errno || p < 0 || p > 0777) {
        snprintf(err, errlen, "argument must be an octal number between 0 and 777");
        return -1;
    }
    if (apply) cfg.tc.unixsocketperm = (unsigned)p;
    return 0;
}

static void get_unixsocketperm(char *buf, size_t len)
{
    snprintf(buf, len, "%o", cfg.tc.unixsocketperm);
}

/* start-up resolves "workers 0" into cfg.tc.workers (CONFIG GET shows the
 * count running); CONFIG REWRITE writes what was configured */
static unsigned workers_configured;

static int set_workers(const char *v, bool apply, char *err, size_t errlen)
{
    long long x;
    /* 0 means "cores - 1, at least 1", resolved at start-up */
    if (!str_to_ll(v, strlen(v), &x) || x < 0 || x > 64) {
        snprintf(err, errlen, "argument must be between 0 and 64 inclusive");
        return -1;
    }
    if (apply) cfg.tc.workers = workers_configured = (unsigned)x;
    return 0;
}

static void get_workers(char *buf, size_t len)
{
    snprintf(buf, len, "%u", cfg.tc.workers);
}

/* Data-plane fault injection (tests; this kernel has no netem). Each
 * probability lives in cfg.dp_fault[] and reaches the port layer through
 * dpdk_fault_set(): at once on CONFIG SET, and at start-up once the
 * transport exists (config_apply_dataplane_faults, from main). Kinds in the
 * order of enum dp_fault_kind; the parameter is "dataplane-fault-<kind>". */
static const char *const dp_fault_kinds[DP_FAULT__COUNT] = {"drop", "dup", "reorder", "delay",
                                                            "corrupt"};

/* kind: one of enum dp_fault_kind, DP_FAULT__COUNT for the delay bound, -1
 * for everything. 0, or -1 when the transport refuses. */
static int apply_fault(int kind)
{
#ifdef SS_HAVE_DPDK_TRANSPORT
    if (srv.tp == NULL || !srv.dataplane) return 0; /* loading: main applies them */
    uint64_t seed = (uint64_t)cfg.dp_fault_seed;
    double bound = (double)cfg.dp_fault_delay_us;
    if (kind < 0 || kind == DP_FAULT__COUNT) {
        if (dpdk_fault_set(srv.tp, "delay-us", bound, seed) < 0) return -1;
        if (kind == DP_FAULT__COUNT) return 0;
        for (int k = 0; k < DP_FAULT__COUNT; k++)
            if (dpdk_fault_set(srv.tp, dp_fault_kinds[k], cfg.dp_fault[k], seed) < 0) return -1;
        return 0;
    }
    return dpdk_fault_set(srv.tp, dp_fault_kinds[kind], cfg.dp_fault[kind], seed);
#else
    (void)kind;
    return 0;
#endif
}

int config_apply_dataplane_faults(void)
{
    if (!srv.dataplane) {
        /* a fault setting on kernel sockets is a configuration error */
        for (int k = 0; k < DP_FAULT__COUNT; k++)
            if (cfg.dp_fault[k] != 0) return -1;
        return 0;
    }
    return apply_fault(-1);
}

static int set_fault(int kind, const char *v, bool apply, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double p = strtod(v, &end);
    if (*v == '\0' || *end || errno || !(p >= 0 && p <= 1)) {
        snprintf(err, errlen, "argument must be a probability between 0 and 1");
        return -1;
    }
    if (srv.tp != NULL && !srv.dataplane && p != 0) {
        snprintf(err, errlen, "fault injection needs the DPDK data plane (dataplane-port)");
        return -1;
    }
    if (!apply) return 0;
    cfg.dp_fault[kind] = p;
    if (apply_fault(kind) < 0) {
        snprintf(err, errlen, "the data plane refused the fault setting");
        return -1;
    }
    return 0;
}

static void get_fault(int kind, char *buf, size_t len)
{
    snprintf(buf, len, "%g", cfg.dp_fault[kind]);
}

/* clang-format off */
#define FAULT_PARAM_FNS(kind, idx)                                                 \
    static int set_fault_##kind(const char *v, bool apply, char *err, size_t len) \
    {                                                                              \
        return set_fault(idx, v, apply, err, len);                                 \
    }                                                                              \
    static void get_fault_##kind(char *buf, size_t len) { get_fault(idx, buf, len); }
/* clang-format on */
FAULT_PARAM_FNS(drop, DP_FAULT_DROP)
FAULT_PARAM_FNS(dup, DP_FAULT_DUP)
FAULT_PARAM_FNS(reorder, DP_FAULT_REORDER)
FAULT_PARAM_FNS(delay, DP_FAULT_DELAY)
FAULT_PARAM_FNS(corrupt, DP_FAULT_CORRUPT)

static int set_fault_delay_us(const char *v, bool apply, char *err, size_t errlen)
{
    long long x;
    if (!str_to_ll(v, strlen(v), &x) || x < 1 || x > 10000000) {
        snprintf(err, errlen, "argument must be between 1 and 10000000 inclusive");
        return -1;
    }
    if (!apply) return 0;
    cfg.dp_fault_delay_us = x;
    if (apply_fault(DP_FAULT__COUNT) < 0) {
        snprintf(err, errlen, "the data plane refused the fault setting");
        return -1;
    }
    return 0;
}

static void get_fault_delay_us(char *buf, size_t len)
{
    snprintf(buf, len, "%lld", cfg.dp_fault_delay_us);
}

static int set_fault_seed(const char *v, bool apply, char *err, size_t errlen)
{
    long long x;
    if (!str_to_ll(v, strlen(v), &x)) {
        snprintf(err, errlen, "argument couldn't be parsed into an integer");
        return -1;
    }
    if (!apply) return 0;
    cfg.dp_fault_seed = x;
    /* a new seed restarts every worker's random streams */
    if (apply_fault(-1) < 0) {
        snprintf(err, errlen, "the data plane refused the fault setting");
        return -1;
    }
    return 0;
}

static void get_fault_seed(char *buf, size_t len)
{
    snprintf(buf, len, "%lld", cfg.dp_fault_seed);
}

/* clang-format off */
#define FAULT_PARAM(kind, what)                                                        \
    {"dataplane-fault-" #kind, NULL, P_SPECIAL, 0, NULL, 0, 0, "0", NULL,              \
     set_fault_##kind, get_fault_##kind,                                               \
     .doc = "Tests: probability (0 to 1) of " what " each data-plane frame. "          \
            "Slipstream only."}
/* clang-format on */

#define TC_STR(field) &cfg.tc.field, .strsize = sizeof(cfg.tc.field)
#define C_STR(field)  &cfg.field, .strsize = sizeof(cfg.field)

static struct param params[] = {
    /* network */
    {"bind", NULL, P_SPECIAL, PF_NOLIVE, NULL, 0, 0, "127.0.0.1 -::1", NULL, set_bind, get_bind,
     .doc = "Addresses to listen on, space separated; a '-' prefix makes an address optional (no "
            "error if it cannot be bound)."},
    {"port", NULL, P_INT, PF_NOLIVE, &cfg.tc.port, 0, 65535, "6379",
     .doc = "TCP port to accept connections on; 0 disables TCP."},
    {"protected-mode", NULL, P_BOOL, 0, &cfg.protected_mode, 0, 1, "yes",
     .doc = "With no password set, accept clients only from the loopback interface and the Unix "
            "socket."},
    {"tcp-backlog", NULL, P_INT, PF_IMMUTABLE, &cfg.tc.tcp_backlog, 0, INT_MAX, "511",
     .doc = "Backlog of the listen() queue of each listener."},
    {"tcp-keepalive", NULL, P_INT, 0, &cfg.tc.tcp_keepalive, 0, INT_MAX, "300",
     .doc = "Seconds between TCP keepalive probes on client connections (0 = off); applies to new "
            "connections."},
    {"timeout", NULL, P_LL, 0, &cfg.timeout, 0, INT_MAX, "0",
     .doc = "Close a client after this many idle seconds (0 = never)."},
    {"unixsocket", NULL, P_STR, PF_IMMUTABLE, TC_STR(unixsocket), .deflt = "",
     .doc = "Path of a Unix socket to accept connections on (empty = none)."},
    {"unixsocketperm", NULL, P_SPECIAL, PF_IMMUTABLE, NULL, 0, 0, "0", NULL, set_unixsocketperm,
     get_unixsocketperm, .doc = "Permissions of the Unix socket, in octal."},
    {"busy-poll", NULL, P_INT, PF_NOLIVE, &cfg.tc.busy_poll_us, 0, 1000000, "0",
     .doc = "Kernel sockets: busy-poll for this many microseconds before sleeping in epoll_wait (0 "
            "= off). Slipstream only."},
    {"maxclients", NULL, P_LL, 0, &cfg.maxclients, 1, UINT_MAX, "10000",
     .doc =
         "Maximum number of connected clients; further connections get an error and are closed."},
    /* security */
    {"requirepass", NULL, P_STR, PF_SENSITIVE, C_STR(requirepass), .deflt = "",
     .doc = "Password of the default user (AUTH); empty = no authentication."},
    {"enable-debug-command", NULL, P_ENUM, PF_IMMUTABLE, &cfg.enable_debug_command, 0, 0, "no",
     ev_debug,
     .doc = "Allow the DEBUG command: no, yes, or local (loopback and Unix-socket clients only)."},
    {"enable-protected-configs", NULL, P_ENUM, PF_IMMUTABLE, &cfg.enable_protected_configs, 0, 0,
     "no", ev_debug,
     .doc = "Allow CONFIG SET of protected parameters (dir, dbfilename): no, yes or local."},
    /* limits */
    {"databases", NULL, P_LL, PF_IMMUTABLE, &cfg.databases, 1, 1024, "16",
     .doc = "Number of logical databases (SELECT 0 .. databases-1)."},
    {"proto-max-bulk-len", NULL, P_MEM, 0, &cfg.proto_max_bulk_len, 1024 * 1024, LLONG_MAX, "512mb",
     .doc = "Largest bulk string a client may send, and the largest string value (memory units "
            "accepted)."},
    {"client-query-buffer-limit", NULL, P_MEM, 0, &cfg.client_query_buffer_limit, 1024 * 1024,
     LLONG_MAX, "1gb", .doc = "Largest query buffer of one client; a client past it is closed."},
    {"client-output-buffer-limit", NULL, P_SPECIAL, 0, NULL, 0, 0,
     "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", NULL, set_obuf,
     get_obuf,
     .doc = "Output buffer limits per client class: <class> <hard> <soft> <soft-seconds>, for "
            "normal, replica (slave) and pubsub."},
    {"maxmemory-clients", NULL, P_SPECIAL, 0, NULL, 0, 0, "0", NULL, set_maxmem_clients,
     get_maxmem_clients,
     .doc = "Memory all clients' buffers together may use (bytes, or a percentage of maxmemory); "
            "past it the costliest clients are closed (client eviction); 0 = no bound."},
    {"maxmemory", NULL, P_MEM, 0, &cfg.maxmemory, 0, LLONG_MAX, "0",
     .doc = "Memory limit for the dataset (0 = none)."},
    {"maxmemory-policy", NULL, P_SPECIAL, 0, NULL, 0, 0, "noeviction", ev_policy, set_policy,
     get_policy,
     .doc = "What to do when maxmemory is reached: an eviction policy, or noeviction (write "
            "commands fail with OOM)."},
    {"maxmemory-samples", NULL, P_LL, 0, &cfg.maxmemory_samples, 1, INT_MAX, "5",
     .doc = "Keys sampled per eviction by the approximated LRU/LFU/TTL policies."},
    /* threads, store */
    {"workers", NULL, P_SPECIAL, PF_NOLIVE, NULL, 0, 0, "0", NULL, set_workers, get_workers,
     .doc = "Worker lcores serving clients (0 = cores - 1, at least 1). Slipstream only."},
    {"shards", NULL, P_LL, PF_NOLIVE, &cfg.shards, 0, 1024, "0",
     .doc = "Keyspace shards, rounded up to a power of two (0 = 16 per worker). Slipstream only."},
    {"hz", NULL, P_SPECIAL, 0, NULL, 0, 0, "10", NULL, set_hz, get_hz,
     .doc = "Frequency of background tasks (client timeouts, expiry, statistics), per second."},
    {"active-expire-effort", NULL, P_LL, 0, &cfg.active_expire_effort, 1, 10, "1",
     .doc = "Effort of active expiry, 1 to 10: larger values expire faster and use more CPU."},
    {"lazyfree-lazy-user-del", NULL, P_BOOL, 0, &cfg.lazyfree_lazy_user_del, 0, 1, "no",
     .doc = "Make DEL behave like UNLINK (free values in the background)."},
    {"lazyfree-lazy-user-flush", NULL, P_BOOL, 0, &cfg.lazyfree_lazy_user_flush, 0, 1, "no",
     .doc = "Make FLUSHDB/FLUSHALL without ASYNC|SYNC free asynchronously."},
    /* data plane */
    {"dataplane-port", NULL, P_STR, PF_NOLIVE, TC_STR(dataplane_port), .deflt = "",
     .doc = "DPDK device arguments of the NIC port that serves clients (empty = kernel sockets). "
            "Slipstream only."},
    {"dataplane-ip", NULL, P_STR, PF_NOLIVE, TC_STR(dataplane_ip), .deflt = "",
     .doc = "IPv4 address and prefix length of the data plane, A.B.C.D/LEN. Slipstream only."},
    {"dataplane-gateway", NULL, P_STR, PF_NOLIVE, TC_STR(dataplane_gateway), .deflt = "",
     .doc = "IPv4 default gateway of the data plane. Slipstream only."},
    {"dataplane-mtu", NULL, P_INT, PF_NOLIVE, &cfg.tc.dataplane_mtu, 576, 9000, "1500",
     .doc = "MTU of the data-plane port. Slipstream only."},
    {"dataplane-mac", NULL, P_STR, PF_NOLIVE, TC_STR(dataplane_mac), .deflt = "",
     .doc = "MAC address the data plane answers with (empty = the port's). A MAC of its own "
            "puts the port in promiscuous mode; with net_af_packet the kernel then drops the "
            "data plane's frames at the Ethernet layer instead of running IP input on each. "
            "Slipstream only."},
    {"dpdk-args", NULL, P_STR, PF_NOLIVE, C_STR(dpdk_args), .deflt = "",
     .doc = "Extra DPDK EAL arguments, space separated. Slipstream only."},
    FAULT_PARAM(drop, "dropping"),
    FAULT_PARAM(dup, "duplicating"),
    FAULT_PARAM(reorder, "reordering (holding back behind the next frame)"),
    FAULT_PARAM(delay, "delaying (up to dataplane-fault-delay-us)"),
    FAULT_PARAM(corrupt, "corrupting on receive (one bit flipped)"),
    {"dataplane-fault-delay-us", NULL, P_SPECIAL, 0, NULL, 0, 0, "5000", NULL, set_fault_delay_us,
     get_fault_delay_us,
     .doc = "Tests: upper bound of an injected delay, microseconds. Slipstream only."},
    {"dataplane-fault-seed", NULL, P_SPECIAL, 0, NULL, 0, 0, "1", NULL, set_fault_seed,
     get_fault_seed,
     .doc = "Tests: seed of the fault-injection random streams (runs are reproducible). "
            "Slipstream only."},
    /* files and logging */
    {"dir", NULL, P_STR, PF_PROTECTED, C_STR(dir), .deflt = "",
     .doc = "Working directory: snapshots and the append-only file are written here."},
    {"dbfilename", NULL, P_STR, PF_PROTECTED, C_STR(dbfilename), .deflt = "dump.rdb",
     .doc = "File name of the RDB snapshot."},
    {"save", NULL, P_SPECIAL, 0, NULL, 0, 0, "3600 1 300 100 60 10000", NULL, set_save, get_save,
     .doc = "Snapshot points: pairs of <seconds> <changes>; \"\" disables snapshots."},
    {"appendonly", NULL, P_BOOL, 0, &cfg.appendonly, 0, 1, "no",
     .doc = "Enable the append-only file."},
    {"appendfilename", NULL, P_STR, PF_IMMUTABLE, C_STR(appendfilename), .deflt = "appendonly.aof",
     .doc = "Base name of the append-only files."},
    {"rdbcompression", NULL, P_BOOL, 0, &store_tun.rdb_compression, 0, 1, "yes",
     .doc = "Compress strings in RDB snapshots and DUMP payloads with LZF."},
    {"rdbchecksum", NULL, P_BOOL, PF_IMMUTABLE, &cfg.rdbchecksum, 0, 1, "yes",
     .doc = "Append a CRC64 checksum to RDB snapshots (and check it when loading)."},
    {"stop-writes-on-bgsave-error", NULL, P_BOOL, 0, &cfg.stop_writes_on_bgsave_error, 0, 1, "yes",
     .doc = "Refuse writes (MISCONF) while the last background save failed and save points "
            "are set."},
    {"rdb-del-sync-files", NULL, P_BOOL, 0, &cfg.rdb_del_sync_files, 0, 1, "no",
     .doc = "Delete RDB files written only for replication when persistence is off (accepted; "
            "no replication yet)."},
    {"sanitize-dump-payload", NULL, P_ENUM, 0, &store_tun.sanitize_dump_payload, 0, 0, "no",
     ev_sanitize,
     .doc = "Deep checks (duplicate members) of RESTORE payloads and RDB files: no, yes or "
            "clients (RESTORE only). Payloads are always checked structurally."},
    {"logfile", NULL, P_STR, PF_IMMUTABLE, C_STR(logfile), .deflt = "",
     .doc = "Log file path (empty = standard output)."},
    {"loglevel", NULL, P_ENUM, 0, &cfg.loglevel, 0, 0, "notice", ev_loglevel,
     .doc = "Log verbosity: debug, verbose, notice, warning or nothing."},
    {"pidfile", NULL, P_STR, PF_IMMUTABLE, C_STR(pidfile), .deflt = "",
     .doc = "Write the process id to this file (empty = none)."},
    {"daemonize", NULL, P_BOOL, PF_IMMUTABLE, &cfg.daemonize, 0, 1, "no",
     .doc = "Run in the background."},
    {"notify-keyspace-events", NULL, P_SPECIAL, 0, NULL, 0, 0, "", NULL, set_notify, get_notify,
     .doc = "Classes of keyspace notifications to publish (empty = none)."},
    {"slowlog-log-slower-than", NULL, P_LL, 0, &cfg.slowlog_log_slower_than, -1, LLONG_MAX, "10000",
     .doc = "Log commands slower than this many microseconds in the slow log (-1 = off, 0 = all)."},
    {"slowlog-max-len", NULL, P_LL, 0, &cfg.slowlog_max_len, 0, LONG_MAX, "128",
     .doc = "Entries kept in the slow log."},
    {"latency-monitor-threshold", NULL, P_LL, 0, &cfg.latency_monitor_threshold, 0, LLONG_MAX, "0",
     .doc = "Record events slower than this many milliseconds in the latency monitor (0 = off)."},
    /* encodings: the data types read them from store_tun (store/tunables.h) */
    {"list-max-listpack-size", "list-max-ziplist-size", P_LL, 0, &store_tun.list_max_listpack_size,
     INT_MIN, INT_MAX, "-2",
     .doc = "Largest listpack node of a list: positive = entries, -1..-5 = 4..64 KiB."},
    {"list-compress-depth", NULL, P_LL, 0, &store_tun.list_compress_depth, 0, INT_MAX, "0",
     .doc = "List nodes left uncompressed at each end of a list (0 = no compression)."},
    {"hash-max-listpack-entries", "hash-max-ziplist-entries", P_LL, 0,
     &store_tun.hash_max_listpack_entries, 0, LONG_MAX, "512",
     .doc = "Hashes with at most this many fields use the compact listpack encoding."},
    {"hash-max-listpack-value", "hash-max-ziplist-value", P_MEM, 0,
     &store_tun.hash_max_listpack_value, 0, LONG_MAX, "64",
     .doc = "Hashes whose fields and values are at most this long use the listpack encoding."},
    {"set-max-intset-entries", NULL, P_LL, 0, &store_tun.set_max_intset_entries, 0, LONG_MAX, "512",
     .doc = "Sets of integers with at most this many members use the intset encoding."},
    {"zset-max-listpack-entries", "zset-max-ziplist-entries", P_LL, 0,
     &store_tun.zset_max_listpack_entries, 0, LONG_MAX, "128",
     .doc = "Sorted sets with at most this many members use the listpack encoding."},
    {"zset-max-listpack-value", "zset-max-ziplist-value", P_MEM, 0,
     &store_tun.zset_max_listpack_value, 0, LONG_MAX, "64",
     .doc = "Sorted sets whose members are at most this long use the listpack encoding."},
    {"hll-sparse-max-bytes", NULL, P_MEM, 0, &store_tun.hll_sparse_max_bytes, 0, LONG_MAX, "3000",
     .doc = "HyperLogLogs larger than this use the dense encoding."},
};

#define NPARAMS (sizeof(params) / sizeof(params[0]))

static struct param *find_param(const char *name)
{
    for (size_t i = 0; i < NPARAMS; i++) {
        if (!strcasecmp(params[i].name, name)) return &params[i];
        if (params[i].alias && !strcasecmp(params[i].alias, name)) return &params[i];
    }
    return NULL;
}

/* Memory values, as Redis's memtoull(): digits with an optional unit b k kb
 * m mb g gb (any case; k = 1000, kb = 1024), no sign; "" is 0; a number too
 * large saturates and the product wraps, which the bounds check reports. */
static bool parse_mem(const char *v, long long *out)
{
    if (*v == '-') return false;
    const char *u = v;
    while (*u && isdigit((unsigned char)*u)) u++;
    unsigned long long mul;
    if (!*u || !strcasecmp(u, "b"))
        mul = 1;
    else if (!strcasecmp(u, "k"))
        mul = 1000;
    else if (!strcasecmp(u, "kb"))
        mul = 1024;
    else if (!strcasecmp(u, "m"))
        mul = 1000 * 1000;
    else if (!strcasecmp(u, "mb"))
        mul = 1024 * 1024;
    else if (!strcasecmp(u, "g"))
        mul = 1000ULL * 1000 * 1000;
    else if (!strcasecmp(u, "gb"))
        mul = 1024ULL * 1024 * 1024;
    else
        return false;
    char buf[128];
    size_t digits = (size_t)(u - v);
    if (digits >= sizeof(buf)) return false;
    memcpy(buf, v, digits);
    buf[digits] = '\0';
    char *end;
    errno = 0;
    unsigned long long n = strtoull(buf, &end, 10);
    if ((n == 0 && errno == EINVAL) || *end) return false;
    *out = (long long)(n * mul); /* wraps as Redis's does: the bounds check reports it */
    return true;
}

/* Parse and check a value; store it only when `apply`. Messages are Redis's
 * (config.c's setters in Redis 7.0). */
static int param_apply(struct param *p, const char *v, bool apply, char *err, size_t errlen)
{
    switch (p->type) {
    case P_BOOL: {
        int b;
        if (!strcasecmp(v, "yes"))
            b = 1;
        else if (!strcasecmp(v, "no"))
            b = 0;
        else {
            snprintf(err, errlen, "argument must be 'yes' or 'no'");
            return -1;
        }
        if (apply) *(int *)p->ptr = b;
        return 0;
    }
    case P_INT:
    case P_LL:
    case P_MEM: {
        long long x;
        bool ok = p->type == P_MEM ? parse_mem(v, &x) : str_to_ll(v, strlen(v), &x);
        if (!ok) {
            snprintf(err, errlen,
                     p->type == P_MEM ? "argument must be a memory value"
                                      : "argument couldn't be parsed into an integer");
            return -1;
        }
        if (x < p->min || x > p->max) {
            snprintf(err, errlen, "argument must be between %lld and %lld inclusive", p->min,
                     p->max);
            return -1;
        }
        if (!apply) return 0;
        if (p->type == P_INT)
            *(int *)p->ptr = (int)x;
        else
            *(long long *)p->ptr = x;
        return 0;
    }
    case P_STR:
        if (strlen(v) >= p->strsize) {
            snprintf(err, errlen, "argument too long");
            return -1;
        }
        if (!apply) return 0;
        pthread_mutex_lock(&cfg_lock);
        memcpy(p->ptr, v, strlen(v) + 1);
        pthread_mutex_unlock(&cfg_lock);
        return 0;
    case P_ENUM: {
        int val;
        if (enum_parse(p->enums, v, &val, err, errlen) != 0) return -1;
        if (apply) *(int *)p->ptr = val;
        return 0;
    }
    case P_SPECIAL: return p->set(v, apply, err, errlen);
    }
    return -1;
}

static int param_set(struct param *p, const char *v, char *err, size_t errlen)
{
    return param_apply(p, v, true, err, errlen);
}

static void param_get(const struct param *p, char *buf, size_t len)
{
    switch (p->type) {
    case P_BOOL: snprintf(buf, len, "%s", *(int *)p->ptr ? "yes" : "no"); break;
    case P_INT: snprintf(buf, len, "%d", *(int *)p->ptr); break;
    case P_LL:
    case P_MEM: snprintf(buf, len, "%lld", *(long long *)p->ptr); break;
    case P_STR:
        pthread_mutex_lock(&cfg_lock);
        snprintf(buf, len, "%s", (const char *)p->ptr);
        pthread_mutex_unlock(&cfg_lock);
        break;
    case P_ENUM:
        for (const struct enum_val *e = p->enums; e->name; e++)
            if (e->val == *(int *)p->ptr) {
                snprintf(buf, len, "%s", e->name);
                return;
            }
        snprintf(buf, len, "?");
        break;
    case P_SPECIAL: p->get(buf, len); break;
    }
}

/* A PF_NOLIVE parameter may be "set" to its current value only. */
static bool nolive_change(const struct param *p, const char *value, char *err, size_t errlen)
{
    if (!(p->flags & PF_NOLIVE)) return false;
    char cur[2048];
    param_get(p, cur, sizeof(cur));
    if (!strcmp(cur, value)) return false;
    snprintf(err, errlen, "Slipstream applies this config at start-up only");
    return true;
}

int config_set(const char *name, const char *value, char *err, size_t errlen)
{
    struct param *p = find_param(name);
    if (!p) {
        snprintf(err, errlen, "Unknown option or number of arguments for CONFIG SET - '%s'", name);
        return -2;
    }
    if (p->flags & PF_IMMUTABLE) {
        snprintf(err, errlen, "can't set immutable config");
        return -1;
    }
    if ((p->flags & PF_PROTECTED) && !cfg.enable_protected_configs) {
        snprintf(err, errlen, "can't set protected config");
        return -1;
    }
    if (nolive_change(p, value, err, errlen)) return -1;
    return param_set(p, value, err, errlen);
}

int config_set_multi(int n, const char *const *names, const char *const *values, bool local,
                     char *err, size_t errlen)
{
    struct param **ps = calloc((size_t)n, sizeof(*ps));
    if (!ps) {
        snprintf(err, errlen, "CONFIG SET failed - out of memory");
        return -1;
    }
    /* Redis's first pass (configSetCommand): unknown names win over
     * everything; then immutable/protected and duplicates, by position */
    const char *unknown = NULL, *errarg = NULL, *why = NULL;
    for (int i = 0; i < n; i++) {
        struct param *p = find_param(names[i]);
        if (!p) {
            if (!unknown && !why) unknown = names[i];
            continue;
        }
        if (unknown || why) continue;
        bool protected_ok =
            cfg.enable_protected_configs == 1 || (cfg.enable_protected_configs == 2 && local);
        if ((p->flags & PF_IMMUTABLE) || ((p->flags & PF_PROTECTED) && !protected_ok)) {
            why = (p->flags & PF_IMMUTABLE) ? "can't set immutable config"
                                            : "can't set protected config";
            errarg = names[i];
            continue;
        }
        for (int j = 0; j < i; j++) {
            if (ps[j] == p) {
                why = "duplicate parameter";
                errarg = names[i];
                break;
            }
        }
        ps[i] = p;
    }
    int rc = -1;
    char reason[512];
    if (unknown) {
        snprintf(err, errlen, "Unknown option or number of arguments for CONFIG SET - '%s'",
                 unknown);
        goto out;
    }
    if (why) {
        snprintf(err, errlen, "CONFIG SET failed (possibly related to argument '%s') - %s", errarg,
                 why);
        goto out;
    }
    /* second pass: every value checked before any is stored, so a failed
     * call changes nothing (Redis restores backups; here nothing moved) */
    for (int i = 0; i < n; i++) {
        if (param_apply(ps[i], values[i], false, reason, sizeof(reason)) != 0 ||
            nolive_change(ps[i], values[i], reason, sizeof(reason))) {
            const char *shown =
                ps[i]->alias && !strcasecmp(names[i], ps[i]->alias) ? ps[i]->alias : ps[i]->name;
            snprintf(err, errlen, "CONFIG SET failed (possibly related to argument '%s') - %s",
                     shown, reason);
            goto out;
        }
    }
    for (int i = 0; i < n; i++) param_apply(ps[i], values[i], true, reason, sizeof(reason));
    rc = 0;
out:
    free(ps);
    return rc;
}

bool config_get(const char *name, char *buf, size_t len)
{
    struct param *p = find_param(name);
    if (!p) return false;
    param_get(p, buf, len);
    return true;
}

void config_get_multi(int n, const char *const *pats, const size_t *lens,
                      void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
    /* names already replied, compared case-insensitively as Redis's
     * matches dict does: an exact name is shown as typed */
    const char **seen = calloc(2 * NPARAMS + (size_t)n, sizeof(*seen));
    size_t nseen = 0;
    if (!seen) return;
    char buf[2048];
    for (int i = 0; i < n; i++) {
        const char *pat = pats[i];
        bool glob =
            memchr(pat, '*', lens[i]) || memchr(pat, '?', lens[i]) || memchr(pat, '[', lens[i]);
        if (!glob) {
            bool dup = false;
            for (size_t k = 0; k < nseen && !dup; k++) dup = !strcasecmp(seen[k], pat);
            const struct param *p = strlen(pat) == lens[i] ? find_param(pat) : NULL;
            if (dup || !p) continue;
            seen[nseen++] = pat;
            param_get(p, buf, sizeof(buf));
            fn(pat, buf, arg);
            continue;
        }
        for (size_t j = 0; j < NPARAMS; j++) {
            const struct param *p = &params[j];
            if (p->flags & PF_HIDDEN) continue; /* hidden: exact names only */
            const char *names[2] = {p->name, p->alias};
            for (int a = 0; a < 2; a++) {
                const char *nm = names[a];
                if (!nm || !str_match(pat, lens[i], nm, strlen(nm), true)) continue;
                bool dup = false;
                for (size_t k = 0; k < nseen && !dup; k++) dup = !strcasecmp(seen[k], nm);
                if (dup) continue;
                seen[nseen++] = nm;
                param_get(p, buf, sizeof(buf));
                fn(nm, buf, arg);
            }
        }
    }
    free(seen);
}

void config_match(const char *pattern, size_t plen,
                  void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
    char buf[2048];
    for (size_t i = 0; i < NPARAMS; i++) {
        const struct param *p = &params[i];
        bool m = str_match(pattern, plen, p->name, strlen(p->name), true);
        bool ma = p->alias && str_match(pattern, plen, p->alias, strlen(p->alias), true);
        if (!m && !ma) continue;
        param_get(p, buf, sizeof(buf));
        if (m) fn(p->name, buf, arg);
        if (ma) fn(p->alias, buf, arg);
    }
}

/* ---- loading ---- */

/* Split a redis.conf line into arguments with Redis's quoting rules
 * ("..." with escapes, '...'). Returns argc, or -1 on unbalanced quotes. */
static int split_line(const char *line, char **argv, int max, char *store, size_t storelen)
{
    int argc = 0;
    const char *p = line;
    char *o = store, *oend = store + storelen - 1;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        if (argc == max) return -1;
        argv[argc++] = o;
        if (*p == '"' || *p == '\'') {
            char q = *p++;
            for (;;) {
                if (!*p) return -1;
                if (*p == q) {
                    p++;
                    break;
                }
                char ch = *p;
                if (q == '"' && *p == '\\' && p[1]) {
                    p++;
                    switch (*p) {
                    case 'n': ch = '\n'; break;
                    case 'r': ch = '\r'; break;
                    case 't': ch = '\t'; break;
                    case 'x':
                        if (isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
                            char h[3] = {p[1], p[2], 0};
                            ch = (char)strtol(h, NULL, 16);
                            p += 2;
                        } else {
                            ch = 'x';
                        }
                        break;
                    default: ch = *p;
                    }
                } else if (q == '\'' && *p == '\\' && p[1] == '\'') {
                    p++;
                    ch = '\'';
                }
                if (o < oend) *o++ = ch;
                p++;
            }
            if (*p && !isspace((unsigned char)*p)) return -1;
        } else {
            while (*p && !isspace((unsigned char)*p))
                if (o < oend)
                    *o++ = *p++;
                else
                    p++;
        }
        if (o < oend) *o++ = '\0';
    }
    return argc;
}

static int apply_args(int argc, char **argv, char *err, size_t errlen)
{
    struct param *p = find_param(argv[0]);
    if (!p) {
        snprintf(err, errlen, "Bad directive or wrong number of arguments");
        return -1;
    }
    /* multi-valued parameters take the rest of the line */
    char val[2048] = "";
    size_t off = 0;
    for (int i = 1; i < argc; i++)
        off += (size_t)snprintf(val + off, sizeof(val) - off, "%s%s", i > 1 ? " " : "", argv[i]);
    if (argc < 2 && p->type != P_STR && p->type != P_SPECIAL) {
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    /* several "save" lines accumulate, as in Redis; the first replaces the
     * default and an empty value resets */
    static bool save_seen;
    if (!strcasecmp(p->name, "save") && save_seen && val[0] && cfg.save[0]) {
        char both[sizeof(cfg.save) + sizeof(val)];
        snprintf(both, sizeof(both), "%s %s", cfg.save, val);
        return param_set(p, both, err, errlen);
    }
    if (!strcasecmp(p->name, "save")) save_seen = true;
    return param_set(p, val, err, errlen);
}

static int load_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "Fatal error, can't open config file '%s': %s", path,
                 strerror(errno));
        return -1;
    }
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *argv[64];
        char store[4096];
        int argc = split_line(line, argv, 64, store, sizeof(store));
        if (argc == 0 || argv[0][0] == '#') continue;
        char e[512];
        if (argc < 0) {
            snprintf(e, sizeof(e), "Unbalanced quotes in configuration line");
        } else if (apply_args(argc, argv, e, sizeof(e)) == 0) {
            continue;
        } else if (!strcasecmp(argv[0], "include") || !strcasecmp(argv[0], "rename-command")) {
            /* TODO: include files and renamed commands */
            continue;
        }
        snprintf(err, errlen,
                 "\n*** FATAL CONFIG FILE ERROR (Slipstream) ***\nReading the configuration file, "
                 "at line %d\n>>> '%.*s'\n%s",
                 lineno, (int)strcspn(line, "\r\n"), line, e);
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

/* Each default in its canonical CONFIG GET form, so CONFIG REWRITE can
 * leave parameters at their default out of the file. */
static char *canon_default[NPARAMS];
/* client-output-buffer-limit's default per class (rewritten class by class) */
static struct obuf_limit obuf_defaults[3];

static void config_defaults(void)
{
    char err[256], buf[2048];
    memset(&cfg, 0, sizeof(cfg));
    for (size_t i = 0; i < NPARAMS; i++) {
        if (!params[i].deflt) continue;
        if (param_set(&params[i], params[i].deflt, err, sizeof(err)) != 0) {
            fprintf(stderr, "bad default for %s: %s\n", params[i].name, err);
            abort();
        }
        param_get(&params[i], buf, sizeof(buf));
        free(canon_default[i]);
        canon_default[i] = strdup(buf);
    }
    memcpy(obuf_defaults, cfg.obuf, sizeof(obuf_defaults));
    cfg.active_expire = 1;
    if (!getcwd(cfg.dir, sizeof(cfg.dir))) snprintf(cfg.dir, sizeof(cfg.dir), ".");
}

int config_load(int argc, char **argv, char *err, size_t errlen)
{
    config_defaults();
    int i = 1;
    if (i < argc && argv[i][0] != '-') {
        /* the first argument, if not an option, is the config file */
        if (realpath(argv[i], cfg.config_file) == NULL) {
            snprintf(err, errlen, "Fatal error, can't open config file '%s': %s", argv[i],
                     strerror(errno));
            return -1;
        }
        if (load_file(cfg.config_file, err, errlen) < 0) return -1;
        i++;
    }
    /* "--name v1 v2 ... --name2 ..." as redis-server accepts */
    while (i < argc) {
        if (strncmp(argv[i], "--", 2) != 0) {
            snprintf(err, errlen, "Invalid argument '%s': options must start with --", argv[i]);
            return -1;
        }
        char *av[64];
        int ac = 0;
        av[ac++] = argv[i] + 2;
        i++;
        while (i < argc && strncmp(argv[i], "--", 2) != 0 && ac < 64) av[ac++] = argv[i++];
        if (ac == 1 && i < argc) {
            /* "--save --port 1" style: empty value; keep going */
        }
        char e[512];
        if (ac == 1) {
            av[ac++] = "";
        }
        if (apply_args(ac, av, e, sizeof(e)) != 0) {
            snprintf(err, errlen, "Invalid option --%s: %s", av[0], e);
            return -1;
        }
    }
    if (cfg.dir[0] && chdir(cfg.dir) != 0) {
        snprintf(err, errlen, "Can't chdir to '%s': %s", cfg.dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- CONFIG REWRITE ----
 * As Redis's rewriteConfig(): each parameter yields its lines (several for
 * save and client-output-buffer-limit), "forced" when they differ from the
 * default. A line reuses the next line the file already has for that
 * parameter (aliases included), in place; otherwise a forced line is
 * appended after a "# Generated by CONFIG REWRITE" signature, and an
 * unforced one is left out. Leftover old lines of a parameter are dropped;
 * comments and unknown lines are kept. */

#define RW_SIGNATURE "# Generated by CONFIG REWRITE"
#define RW_MAXLINES  8

/* rewriteConfigFormatMemory: the largest unit that divides exactly */
static void format_mem(char *buf, size_t len, long long v)
{
    const long long gb = 1024LL * 1024 * 1024, mb = 1024 * 1024, kb = 1024;
    if (v && v % gb == 0)
        snprintf(buf, len, "%lldgb", v / gb);
    else if (v && v % mb == 0)
        snprintf(buf, len, "%lldmb", v / mb);
    else if (v && v % kb == 0)
        snprintf(buf, len, "%lldkb", v / kb);
    else
        snprintf(buf, len, "%lld", v);
}

/* sdscatrepr: a double-quoted string with C escapes */
static void format_repr(char *buf, size_t len, const char *v)
{
    size_t o = 0;
#define PUT(...) (o += (size_t)snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__))
    PUT("\"");
    for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
        switch (*c) {
        case '\\': PUT("\\\\"); break;
        case '"': PUT("\\\""); break;
        case '\n': PUT("\\n"); break;
        case '\r': PUT("\\r"); break;
        case '\t': PUT("\\t"); break;
        case '\a': PUT("\\a"); break;
        case '\b': PUT("\\b"); break;
        default:
            if (isprint(*c))
                PUT("%c", *c);
            else
                PUT("\\x%02x", *c);
        }
    }
    PUT("\"");
#undef PUT
}

/* The lines parameter i rewrites to; returns their count. */
static int rewrite_lines(size_t i, char (*lines)[2200], bool *force)
{
    const struct param *p = &params[i];
    char val[2048];
    param_get(p, val, sizeof(val));
    if (p->set == set_workers) snprintf(val, sizeof(val), "%u", workers_configured);
    bool differs = !canon_default[i] || strcmp(canon_default[i], val) != 0;
    if (p->set == set_save) {
        /* always written: an empty save would otherwise mean the defaults */
        if (!cfg.save[0]) {
            snprintf(lines[0], sizeof(lines[0]), "save \"\"");
            force[0] = true;
            return 1;
        }
        char tmp[sizeof(cfg.save)], *sv, *a, *b;
        snprintf(tmp, sizeof(tmp), "%s", cfg.save);
        int n = 0;
        for (a = strtok_r(tmp, " \t", &sv); a && n < RW_MAXLINES; a = strtok_r(NULL, " \t", &sv)) {
            if (!(b = strtok_r(NULL, " \t", &sv))) break;
            snprintf(lines[n], sizeof(lines[0]), "save %s %s", a, b);
            force[n++] = true;
        }
        return n;
    }
    if (p->set == set_obuf) {
        static const char *names[3] = {"normal", "replica", "pubsub"};
        for (int c = 0; c < 3; c++) {
            char h[64], so[64];
            format_mem(h, sizeof(h), cfg.obuf[c].hard);
            format_mem(so, sizeof(so), cfg.obuf[c].soft);
            snprintf(lines[c], sizeof(lines[0]), "%s %s %s %s %lld", p->name, names[c], h, so,
                     cfg.obuf[c].soft_seconds);
            force[c] = memcmp(&cfg.obuf[c], &obuf_defaults[c], sizeof(obuf_defaults[c])) != 0;
        }
        return 3;
    }
    if (p->type == P_MEM) {
        char m[64];
        format_mem(m, sizeof(m), *(long long *)p->ptr);
        snprintf(lines[0], sizeof(lines[0]), "%s %s", p->name, m);
    } else if (p->type == P_STR || p->set == set_notify) {
        /* Redis's string parameters are written quoted */
        char q[2100];
        format_repr(q, sizeof(q), val);
        snprintf(lines[0], sizeof(lines[0]), "%s %s", p->name, q);
    } else {
        snprintf(lines[0], sizeof(lines[0]), "%s %s", p->name, val);
    }
    force[0] = differs;
    return 1;
}

int config_rewrite(char *err, size_t errlen)
{
    if (!cfg.config_file[0]) {
        snprintf(err, errlen, "The server is running without a config file");
        return -1;
    }
    /* the old file: its lines, and which parameter each one sets */
    char **old = NULL;
    int *owner = NULL;
    size_t nold = 0, cap = 0;
    bool signed_already = false;
    FILE *f = fopen(cfg.config_file, "r");
    char line[4096];
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (nold == cap) {
            cap = cap ? cap * 2 : 64;
            char **no = realloc(old, cap * sizeof(*old));
            int *nw = realloc(owner, cap * sizeof(*owner));
            if (no) old = no;
            if (nw) owner = nw;
            if (!no || !nw) break;
        }
        char *argv[64];
        char store[4096];
        int argc = split_line(line, argv, 64, store, sizeof(store));
        struct param *p = argc > 0 && argv[0][0] != '#' ? find_param(argv[0]) : NULL;
        if (!strcmp(line, RW_SIGNATURE)) signed_already = true;
        owner[nold] = p ? (int)(p - params) : -1;
        old[nold++] = strdup(line);
    }
    if (f) fclose(f);

    char *out = NULL;
    size_t outlen = 0;
    FILE *o = open_memstream(&out, &outlen);
    char(*repl)[2200] = calloc(nold + 1, sizeof(*repl));
    bool *replaced = calloc(nold + 1, sizeof(*replaced));
    char(*appended)[2200] = calloc(NPARAMS * RW_MAXLINES, sizeof(*appended));
    size_t nappend = 0;
    if (!o || !repl || !replaced || !appended) {
        snprintf(err, errlen, "out of memory");
        if (o) fclose(o);
        free(out);
        goto fail;
    }
    for (size_t i = 0; i < NPARAMS; i++) {
        if (!params[i].deflt) continue;
        char lines[RW_MAXLINES][2200];
        bool force[RW_MAXLINES];
        int n = rewrite_lines(i, lines, force);
        size_t next = 0;
        for (int k = 0; k < n; k++) {
            while (next < nold && owner[next] != (int)i) next++;
            if (next < nold) {
                memcpy(repl[next], lines[k], sizeof(lines[k]));
                replaced[next] = true;
                next++;
            } else if (force[k]) {
                memcpy(appended[nappend++], lines[k], sizeof(lines[k]));
            }
        }
    }
    /* an orphaned line of a parameter becomes empty, a blank line goes
     * before the signature, and every run of empty lines is written as one
     * (rewriteConfigGetContentFromState) */
    bool was_empty = false;
#define EMIT(line)                      \
    do {                                \
        const char *l_ = (line);        \
        if (!l_[0] && was_empty) break; \
        was_empty = !l_[0];             \
        fprintf(o, "%s\n", l_);         \
    } while (0)
    for (size_t l = 0; l < nold; l++) EMIT(owner[l] < 0 ? old[l] : replaced[l] ? repl[l] : "");
    if (nappend && !signed_already) {
        EMIT("");
        EMIT(RW_SIGNATURE);
    }
    for (size_t k = 0; k < nappend; k++) EMIT(appended[k]);
#undef EMIT
    fclose(o);

    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmp-rewrite", cfg.config_file);
    FILE *w = fopen(tmp, "w");
    if (!w || fwrite(out, 1, outlen, w) != outlen || fflush(w) != 0 || fsync(fileno(w)) != 0) {
        snprintf(err, errlen, "Rewriting config file: %s", strerror(errno));
        if (w) fclose(w);
        free(out);
        unlink(tmp);
        goto fail;
    }
    fclose(w);
    free(out);
    if (rename(tmp, cfg.config_file) != 0) {
        snprintf(err, errlen, "Rewriting config file: %s", strerror(errno));
        unlink(tmp);
        goto fail;
    }
    for (size_t l = 0; l < nold; l++) free(old[l]);
    free(old);
    free(owner);
    free(repl);
    free(replaced);
    free(appended);
    return 0;
fail:
    for (size_t l = 0; l < nold; l++) free(old[l]);
    free(old);
    free(owner);
    free(repl);
    free(replaced);
    free(appended);
    return -1;
}

/* ---- docs/configuration.md ---- */

static const char *type_name(const struct param *p)
{
    switch (p->type) {
    case P_BOOL: return "yes/no";
    case P_INT:
    case P_LL: return "integer";
    case P_MEM: return "memory";
    case P_STR: return "string";
    case P_ENUM: return "enum";
    case P_SPECIAL: return "special";
    }
    return "?";
}

void config_write_docs(FILE *f)
{
    fputs("# Configuration\n\n"
          "Generated by `slipstream --dump-config-docs` from the parameter table in\n"
          "`app/config.c`; the `config-docs` test fails when this file and the table\n"
          "differ. Parameters are set in a redis.conf-style file (`slipstream\n"
          "/path/to/file.conf`), as `--name value` on the command line (after the file),\n"
          "or at runtime with `CONFIG SET` unless marked *start-up only*. Memory values\n"
          "accept the units `k kb m mb g gb` (`k` = 1000, `kb` = 1024), as in Redis.\n\n"
          "| parameter | type | default | runtime | description |\n"
          "| --- | --- | --- | --- | --- |\n",
          f);
    for (size_t i = 0; i < NPARAMS; i++) {
        const struct param *p = &params[i];
        char type[512];
        if (p->enums) {
            size_t o = 0;
            type[0] = '\0';
            for (const struct enum_val *e = p->enums; e->name && o < sizeof(type); e++)
                o += (size_t)snprintf(type + o, sizeof(type) - o, "%s%s", e == p->enums ? "" : ", ",
                                      e->name);
        } else if ((p->type == P_INT || p->type == P_LL || p->type == P_MEM) &&
                   (p->min != LLONG_MIN || p->max != LLONG_MAX)) {
            snprintf(type, sizeof(type), "%s, %lld .. %lld", type_name(p), p->min, p->max);
        } else {
            snprintf(type, sizeof(type), "%s", type_name(p));
        }
        const char *rt = (p->flags & PF_IMMUTABLE) ? "start-up only"
                         : (p->flags & PF_NOLIVE)
                             ? "start-up only (SET to the current value is accepted)"
                         : (p->flags & PF_PROTECTED) ? "yes, if enable-protected-configs allows"
                                                     : "yes";
        fprintf(f, "| `%s`%s%s%s | %s | `%s` | %s | %s |\n", p->name, p->alias ? " (alias `" : "",
                p->alias ? p->alias : "", p->alias ? "`)" : "", type,
                p->deflt && p->deflt[0] ? p->deflt : "\"\"", rt, p->doc ? p->doc : "");
    }
}
