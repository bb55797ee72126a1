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
#include "tunables.h"
#include "server.h"
#ifdef SS_HAVE_DPDK_TRANSPORT
#include "dpdk_transport.h"
#endif

struct config cfg;
pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;

enum ptype { P_BOOL, P_INT, P_LL, P_MEM, P_STR, P_ENUM, P_SPECIAL };
enum {
    PF_IMMUTABLE = 1, /* only at start-up */
    PF_SENSITIVE = 2, /* value hidden from logs */
    PF_PROTECTED = 4, /* needs enable-protected-configs */
    PF_HIDDEN = 8,    /* not shown by CONFIG GET * */
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
    /* P_SPECIAL: parse/format by hand */
    int (*set)(const char *v, char *err, size_t errlen);
    void (*get)(char *buf, size_t len);
    size_t strsize;
};

static const struct enum_val ev_loglevel[] = {{"debug", 0},   {"verbose", 1}, {"notice", 2},
                                              {"warning", 3}, {"nothing", 4}, {NULL, 0}};
static const struct enum_val ev_debug[] = {{"no", 0}, {"yes", 1}, {"local", 2}, {NULL, 0}};
static const struct enum_val ev_policy[] = {
    {"volatile-lru", 0},   {"volatile-lfu", 1}, {"volatile-random", 2},
    {"volatile-ttl", 3},   {"allkeys-lru", 4},  {"allkeys-lfu", 5},
    {"allkeys-random", 6}, {"noeviction", 7},   {NULL, 0}};

/* ---- special parameters ---- */

static int set_bind(const char *v, char *err, size_t errlen)
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
        snprintf(tc->bind[n++], sizeof(tc->bind[0]), "%s", tok);
    }
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

static int set_obuf(const char *v, char *err, size_t errlen)
{
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s", v);
    char *tok[64];
    int n = 0;
    for (char *save, *t = strtok_r(tmp, " \t", &save); t && n < 64;
         t = strtok_r(NULL, " \t", &save))
        tok[n++] = t;
    if (n % 4 != 0 || n == 0) {
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
    memcpy(cfg.obuf, nl, sizeof(nl));
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

static int set_save(const char *v, char *err, size_t errlen)
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
    snprintf(cfg.save, sizeof(cfg.save), "%s", v);
    return 0;
}

static void get_save(char *buf, size_t len)
{
    snprintf(buf, len, "%s", cfg.save);
}

static int set_unixsocketperm(const char *v, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long p = strtol(v, &end, 8);
    if (*v == '\0' || *end || errno || p < 0 || p > 0777) {
        snprintf(err, errlen, "argument must be an octal number between 0 and 777");
        return -1;
    }
    cfg.tc.unixsocketperm = (unsigned)p;
    return 0;
}

static void get_unixsocketperm(char *buf, size_t len)
{
    snprintf(buf, len, "%o", cfg.tc.unixsocketperm);
}

static int set_workers(const char *v, char *err, size_t errlen)
{
    long long x;
    /* 0 means "cores - 1, at least 1", resolved at start-up */
    if (!str_to_ll(v, strlen(v), &x) || x < 0 || x > 64) {
        snprintf(err, errlen, "argument must be between 0 and 64 inclusive");
        return -1;
    }
    cfg.tc.workers = (unsigned)x;
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

static int set_fault(int kind, const char *v, char *err, size_t errlen)
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
    static int set_fault_##kind(const char *v, char *err, size_t len)             \
    {                                                                              \
        return set_fault(idx, v, err, len);                                        \
    }                                                                              \
    static void get_fault_##kind(char *buf, size_t len) { get_fault(idx, buf, len); }
/* clang-format on */
FAULT_PARAM_FNS(drop, DP_FAULT_DROP)
FAULT_PARAM_FNS(dup, DP_FAULT_DUP)
FAULT_PARAM_FNS(reorder, DP_FAULT_REORDER)
FAULT_PARAM_FNS(delay, DP_FAULT_DELAY)
FAULT_PARAM_FNS(corrupt, DP_FAULT_CORRUPT)

static int set_fault_delay_us(const char *v, char *err, size_t errlen)
{
    long long x;
    if (!str_to_ll(v, strlen(v), &x) || x < 1 || x > 10000000) {
        snprintf(err, errlen, "argument must be between 1 and 10000000 inclusive");
        return -1;
    }
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

static int set_fault_seed(const char *v, char *err, size_t errlen)
{
    long long x;
    if (!str_to_ll(v, strlen(v), &x)) {
        snprintf(err, errlen, "argument couldn't be parsed into an integer");
        return -1;
    }
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
     set_fault_##kind, get_fault_##kind}
/* clang-format on */

#define TC_STR(field) &cfg.tc.field, .strsize = sizeof(cfg.tc.field)
#define C_STR(field)  &cfg.field, .strsize = sizeof(cfg.field)

static struct param params[] = {
    /* network */
    {"bind", NULL, P_SPECIAL, PF_IMMUTABLE, NULL, 0, 0, "127.0.0.1 -::1", NULL, set_bind, get_bind},
    {"port", NULL, P_INT, PF_IMMUTABLE, &cfg.tc.port, 0, 65535, "6379"},
    {"protected-mode", NULL, P_BOOL, 0, &cfg.protected_mode, 0, 1, "yes"},
    {"tcp-backlog", NULL, P_INT, PF_IMMUTABLE, &cfg.tc.tcp_backlog, 0, INT_MAX, "511"},
    {"tcp-keepalive", NULL, P_INT, 0, &cfg.tc.tcp_keepalive, 0, INT_MAX, "300"},
    {"timeout", NULL, P_LL, 0, &cfg.timeout, 0, INT_MAX, "0"},
    {"unixsocket", NULL, P_STR, PF_IMMUTABLE, TC_STR(unixsocket), .deflt = ""},
    {"unixsocketperm", NULL, P_SPECIAL, PF_IMMUTABLE, NULL, 0, 0, "0", NULL, set_unixsocketperm,
     get_unixsocketperm},
    {"busy-poll", NULL, P_INT, PF_IMMUTABLE, &cfg.tc.busy_poll_us, 0, 1000000, "0"},
    {"maxclients", NULL, P_LL, 0, &cfg.maxclients, 1, INT_MAX, "10000"},
    /* security */
    {"requirepass", NULL, P_STR, PF_SENSITIVE, C_STR(requirepass), .deflt = ""},
    {"enable-debug-command", NULL, P_ENUM, PF_IMMUTABLE, &cfg.enable_debug_command, 0, 0, "no",
     ev_debug},
    {"enable-protected-configs", NULL, P_ENUM, PF_IMMUTABLE, &cfg.enable_protected_configs, 0, 0,
     "no", ev_debug},
    /* limits */
    {"databases", NULL, P_LL, PF_IMMUTABLE, &cfg.databases, 1, 1024, "16"},
    {"proto-max-bulk-len", NULL, P_MEM, 0, &cfg.proto_max_bulk_len, 1024 * 1024, LLONG_MAX,
     "512mb"},
    {"client-query-buffer-limit", NULL, P_MEM, 0, &cfg.client_query_buffer_limit, 1024 * 1024,
     LLONG_MAX, "1gb"},
    {"client-output-buffer-limit", NULL, P_SPECIAL, 0, NULL, 0, 0,
     "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", NULL, set_obuf,
     get_obuf},
    {"maxmemory", NULL, P_MEM, 0, &cfg.maxmemory, 0, LLONG_MAX, "0"},
    {"maxmemory-policy", NULL, P_ENUM, 0, &cfg.maxmemory_policy, 0, 0, "noeviction", ev_policy},
    {"maxmemory-samples", NULL, P_LL, 0, &cfg.maxmemory_samples, 1, 64, "5"},
    /* threads, store */
    {"workers", NULL, P_SPECIAL, PF_IMMUTABLE, NULL, 0, 0, "0", NULL, set_workers, get_workers},
    {"shards", NULL, P_LL, PF_IMMUTABLE, &cfg.shards, 0, 1024, "0"},
    {"hz", NULL, P_LL, 0, &cfg.hz, 1, 500, "10"},
    {"active-expire-effort", NULL, P_LL, 0, &cfg.active_expire_effort, 1, 10, "1"},
    {"lazyfree-lazy-user-del", NULL, P_BOOL, 0, &cfg.lazyfree_lazy_user_del, 0, 1, "no"},
    {"lazyfree-lazy-user-flush", NULL, P_BOOL, 0, &cfg.lazyfree_lazy_user_flush, 0, 1, "no"},
    /* data plane */
    {"dataplane-port", NULL, P_STR, PF_IMMUTABLE, TC_STR(dataplane_port), .deflt = ""},
    {"dataplane-ip", NULL, P_STR, PF_IMMUTABLE, TC_STR(dataplane_ip), .deflt = ""},
    {"dataplane-gateway", NULL, P_STR, PF_IMMUTABLE, TC_STR(dataplane_gateway), .deflt = ""},
    {"dataplane-mtu", NULL, P_INT, PF_IMMUTABLE, &cfg.tc.dataplane_mtu, 576, 9000, "1500"},
    {"dpdk-args", NULL, P_STR, PF_IMMUTABLE, C_STR(dpdk_args), .deflt = ""},
    FAULT_PARAM(drop, "drops"),
    FAULT_PARAM(dup, "duplicates"),
    FAULT_PARAM(reorder, "holds back behind the next one (reorders)"),
    FAULT_PARAM(delay, "delays (up to dataplane-fault-delay-us)"),
    FAULT_PARAM(corrupt, "corrupts on receive (one bit flipped)"),
    {"dataplane-fault-delay-us", NULL, P_SPECIAL, 0, NULL, 0, 0, "5000", NULL, set_fault_delay_us,
     get_fault_delay_us},
    {"dataplane-fault-seed", NULL, P_SPECIAL, 0, NULL, 0, 0, "1", NULL, set_fault_seed,
     get_fault_seed},
    /* files and logging */
    {"dir", NULL, P_STR, PF_PROTECTED, C_STR(dir), .deflt = ""},
    {"dbfilename", NULL, P_STR, PF_PROTECTED, C_STR(dbfilename), .deflt = "dump.rdb"},
    {"save", NULL, P_SPECIAL, 0, NULL, 0, 0, "3600 1 300 100 60 10000", NULL, set_save, get_save},
    {"appendonly", NULL, P_BOOL, 0, &cfg.appendonly, 0, 1, "no"},
    {"appendfilename", NULL, P_STR, PF_IMMUTABLE, C_STR(appendfilename), .deflt = "appendonly.aof"},
    {"rdbcompression", NULL, P_BOOL, 0, &cfg.rdbcompression, 0, 1, "yes"},
    {"rdbchecksum", NULL, P_BOOL, PF_IMMUTABLE, &cfg.rdbchecksum, 0, 1, "yes"},
    {"logfile", NULL, P_STR, PF_IMMUTABLE, C_STR(logfile), .deflt = ""},
    {"loglevel", NULL, P_ENUM, 0, &cfg.loglevel, 0, 0, "notice", ev_loglevel},
    {"pidfile", NULL, P_STR, PF_IMMUTABLE, C_STR(pidfile), .deflt = ""},
    {"daemonize", NULL, P_BOOL, PF_IMMUTABLE, &cfg.daemonize, 0, 1, "no"},
    {"notify-keyspace-events", NULL, P_STR, 0, C_STR(notify_keyspace_events), .deflt = ""},
    {"slowlog-log-slower-than", NULL, P_LL, 0, &cfg.slowlog_log_slower_than, -1, LLONG_MAX,
     "10000"},
    {"slowlog-max-len", NULL, P_LL, 0, &cfg.slowlog_max_len, 0, LONG_MAX, "128"},
    {"latency-monitor-threshold", NULL, P_LL, 0, &cfg.latency_monitor_threshold, 0, LLONG_MAX, "0"},
    /* encodings: the data types read them from store_tun (store/tunables.h) */
    {"list-max-listpack-size", "list-max-ziplist-size", P_LL, 0, &store_tun.list_max_listpack_size,
     INT_MIN, INT_MAX, "-2"},
    {"list-compress-depth", NULL, P_LL, 0, &store_tun.list_compress_depth, 0, INT_MAX, "0"},
    {"hash-max-listpack-entries", "hash-max-ziplist-entries", P_LL, 0,
     &store_tun.hash_max_listpack_entries, 0, LONG_MAX, "512"},
    {"hash-max-listpack-value", "hash-max-ziplist-value", P_LL, 0, &store_tun.hash_max_listpack_value, 0,
     LONG_MAX, "64"},
    {"set-max-intset-entries", NULL, P_LL, 0, &store_tun.set_max_intset_entries, 0, LONG_MAX, "512"},
    {"zset-max-listpack-entries", "zset-max-ziplist-entries", P_LL, 0,
     &store_tun.zset_max_listpack_entries, 0, LONG_MAX, "128"},
    {"zset-max-listpack-value", "zset-max-ziplist-value", P_LL, 0, &store_tun.zset_max_listpack_value, 0,
     LONG_MAX, "64"},
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

/* Memory values: a number with an optional unit k kb m mb g gb (case
 * insensitive; k = 1000, kb = 1024), as redis.conf accepts. */
static bool parse_mem(const char *v, long long *out)
{
    size_t len = strlen(v);
    size_t i = len;
    while (i > 0 && isalpha((unsigned char)v[i - 1])) i--;
    long long mul = 1;
    const char *u = v + i;
    if (!*u)
        mul = 1;
    else if (!strcasecmp(u, "b"))
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
        mul = 1000LL * 1000 * 1000;
    else if (!strcasecmp(u, "gb"))
        mul = 1024LL * 1024 * 1024;
    else
        return false;
    long long n;
    if (!str_to_ll(v, i, &n)) return false;
    if (n != 0 && (n > LLONG_MAX / mul || n < LLONG_MIN / mul)) return false;
    *out = n * mul;
    return true;
}

static int param_set(struct param *p, const char *v, char *err, size_t errlen)
{
    switch (p->type) {
    case P_BOOL:
        if (!strcasecmp(v, "yes"))
            *(int *)p->ptr = 1;
        else if (!strcasecmp(v, "no"))
            *(int *)p->ptr = 0;
        else {
            snprintf(err, errlen, "argument must be 'yes' or 'no'");
            return -1;
        }
        return 0;
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
        pthread_mutex_lock(&cfg_lock);
        memcpy(p->ptr, v, strlen(v) + 1);
        pthread_mutex_unlock(&cfg_lock);
        return 0;
    case P_ENUM:
        for (const struct enum_val *e = p->enums; e->name; e++) {
            if (!strcasecmp(e->name, v)) {
                *(int *)p->ptr = e->val;
                return 0;
            }
        }
        {
            size_t off =
                (size_t)snprintf(err, errlen, "argument(s) must be one of the following: ");
            for (const struct enum_val *e = p->enums; e->name && off < errlen; e++)
                off += (size_t)snprintf(err + off, errlen - off, "%s%s", e == p->enums ? "" : ", ",
                                        e->name);
        }
        return -1;
    case P_SPECIAL: return p->set(v, err, errlen);
    }
    return -1;
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
    return param_set(p, value, err, errlen);
}

bool config_get(const char *name, char *buf, size_t len)
{
    struct param *p = find_param(name);
    if (!p) return false;
    param_get(p, buf, len);
    return true;
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
 * Lines for known parameters are replaced in place (the first occurrence
 * takes the new value; later duplicates are dropped); comments and unknown
 * lines are kept; parameters not in the file and not at their default are
 * appended, as Redis does. */
int config_rewrite(char *err, size_t errlen)
{
    if (!cfg.config_file[0]) {
        snprintf(err, errlen, "The server is running without a config file");
        return -1;
    }
    FILE *f = fopen(cfg.config_file, "r");
    char *out = NULL;
    size_t outlen = 0;
    FILE *o = open_memstream(&out, &outlen);
    if (!o) {
        if (f) fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    bool seen[NPARAMS] = {false};
    char line[4096], val[2048];
    while (f && fgets(line, sizeof(line), f)) {
        char *argv[64];
        char store[4096];
        int argc = split_line(line, argv, 64, store, sizeof(store));
        struct param *p = argc > 0 && argv[0][0] != '#' ? find_param(argv[0]) : NULL;
        if (!p) {
            fputs(line, o);
            if (!strchr(line, '\n')) fputc('\n', o);
            continue;
        }
        size_t idx = (size_t)(p - params);
        if (seen[idx]) continue;
        seen[idx] = true;
        param_get(p, val, sizeof(val));
        fprintf(o, "%s %s\n", p->name, val[0] ? val : "\"\"");
    }
    if (f) fclose(f);
    bool header = false;
    for (size_t i = 0; i < NPARAMS; i++) {
        if (seen[i] || !params[i].deflt) continue;
        param_get(&params[i], val, sizeof(val));
        if (canon_default[i] && !strcmp(canon_default[i], val)) continue;
        if (!header) {
            fputs("# Generated by CONFIG REWRITE\n", o);
            header = true;
        }
        fprintf(o, "%s %s\n", params[i].name, val[0] ? val : "\"\"");
    }
    fclose(o);
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmp-rewrite", cfg.config_file);
    FILE *w = fopen(tmp, "w");
    if (!w || fwrite(out, 1, outlen, w) != outlen || fflush(w) != 0 || fsync(fileno(w)) != 0) {
        snprintf(err, errlen, "Rewriting config file: %s", strerror(errno));
        if (w) fclose(w);
        free(out);
        unlink(tmp);
        return -1;
    }
    fclose(w);
    free(out);
    if (rename(tmp, cfg.config_file) != 0) {
        snprintf(err, errlen, "Rewriting config file: %s", strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
