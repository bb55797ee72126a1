/* config_table.c — the parameter table: every Redis 7.0 parameter (names,
 * aliases, types, bounds, defaults, flags as Redis 7.0.15's config.c has
 * them) and Slipstream's own, with the special parameters' parsing,
 * formatting and rewriting.
 *
 * A row marked PF_INERT is accepted, answered and rewritten but not acted
 * on yet ("accepted, not yet effective" in docs/configuration.md; logged at
 * start when set to something other than its default).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "config_param.h"
#include "object.h"
#include "server.h"
#ifdef SS_HAVE_DPDK_TRANSPORT
#include "dpdk_transport.h"
#endif
#include "aof.h"
#include "control.h"
#include "tunables.h"

struct config cfg;
pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;

bool config_reading_file;

/* ---- enums (Redis's names, in Redis's order: error messages list them) ---- */

static const struct enum_val ev_loglevel[] = {
    {"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}, {NULL, 0}};
static const struct enum_val ev_protected[] = {{"no", 0}, {"yes", 1}, {"local", 2}, {NULL, 0}};
static const struct enum_val ev_policy[] = {{"volatile-lru", CFG_POLICY_VOLATILE_LRU},
                                            {"volatile-lfu", CFG_POLICY_VOLATILE_LFU},
                                            {"volatile-random", CFG_POLICY_VOLATILE_RANDOM},
                                            {"volatile-ttl", CFG_POLICY_VOLATILE_TTL},
                                            {"allkeys-lru", CFG_POLICY_ALLKEYS_LRU},
                                            {"allkeys-lfu", CFG_POLICY_ALLKEYS_LFU},
                                            {"allkeys-random", CFG_POLICY_ALLKEYS_RANDOM},
                                            {"noeviction", CFG_POLICY_NOEVICTION},
                                            {NULL, 0}};
static const struct enum_val ev_supervised[] = {
    {"upstart", 3}, {"systemd", 2}, {"auto", 1}, {"no", 0}, {NULL, 0}};
static const struct enum_val ev_syslog_facility[] = {
    {"user", 8},     {"local0", 128}, {"local1", 136}, {"local2", 144}, {"local3", 152},
    {"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184}, {NULL, 0}};
static const struct enum_val ev_fsync[] = {{"everysec", CFG_FSYNC_EVERYSEC},
                                           {"always", CFG_FSYNC_ALWAYS},
                                           {"no", CFG_FSYNC_NO},
                                           {NULL, 0}};
static const struct enum_val ev_shutdown[] = {{"default", 0},
                                              {"save", CFG_SHUTDOWN_SAVE},
                                              {"nosave", CFG_SHUTDOWN_NOSAVE},
                                              {"now", CFG_SHUTDOWN_NOW},
                                              {"force", CFG_SHUTDOWN_FORCE},
                                              {NULL, 0}};
static const struct enum_val ev_diskless_load[] = {
    {"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}, {NULL, 0}};
static const struct enum_val ev_tls_auth[] = {{"no", 0}, {"yes", 1}, {"optional", 2}, {NULL, 0}};
static const struct enum_val ev_oom_adj[] = {
    {"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}, {NULL, 0}};
static const struct enum_val ev_pubsub_default[] = {
    {"allchannels", 1 << 3}, {"resetchannels", 0}, {NULL, 0}};
static const struct enum_val ev_sanitize[] = {{"no", CFG_SANITIZE_NO},
                                              {"yes", CFG_SANITIZE_YES},
                                              {"clients", CFG_SANITIZE_CLIENTS},
                                              {NULL, 0}};
static const struct enum_val ev_endpoint[] = {
    {"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}, {NULL, 0}};
static const struct enum_val ev_propagation[] = {
    {"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}, {NULL, 0}};

/* ---- checks (Redis's is_valid functions) ---- */

static const char *check_activedefrag(const char *s, long long v)
{
    (void)s;
    /* Slipstream has no active defragmentation; Redis built without its
     * own jemalloc (Debian's) refuses with these words */
    return v ? "Active defragmentation cannot be enabled: it requires a Redis server compiled "
               "with a modified Jemalloc like the one shipped by default with the Redis source "
               "distribution"
             : NULL;
}

static bool is_basename(const char *s)
{
    return !strchr(s, '/') && !strchr(s, '\\');
}

static const char *check_dbfilename(const char *s, long long v)
{
    (void)v;
    return is_basename(s) ? NULL : "dbfilename can't be a path, just a filename";
}

static const char *check_appendfilename(const char *s, long long v)
{
    (void)v;
    if (!*s) return "appendfilename can't be empty";
    return is_basename(s) ? NULL : "appendfilename can't be a path, just a filename";
}

static const char *check_appenddirname(const char *s, long long v)
{
    (void)v;
    if (!*s) return "appenddirname can't be empty";
    return is_basename(s) ? NULL : "appenddirname can't be a path, just a dirname";
}

static const char *check_shutdown(const char *s, long long v)
{
    (void)s;
    return (v & CFG_SHUTDOWN_SAVE) && (v & CFG_SHUTDOWN_NOSAVE)
               ? "shutdown options SAVE and NOSAVE can't be used simultaneously"
               : NULL;
}

static const char *check_hostname(const char *s, long long v)
{
    (void)v;
    if (strlen(s) >= 256) return "Hostnames must be less than 256 characters";
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
            return "Hostnames may only contain alphanumeric characters, hyphens or dots";
    return NULL;
}

/* proc-title-template: Redis expands it with an empty title and refuses an
 * unknown {variable}, a '{' with no '}', or a result that is only spaces.
 * "{{" is a literal '{'. */
static const char *check_proc_title(const char *s, long long v)
{
    (void)v;
    static const char *const vars[] = {"title", "listen-addr", "server-mode", "config-file",
                                       "port",  "tls-port",    "unixsocket"};
    bool visible = false; /* something other than spaces comes out */
    for (const char *p = s; *p;) {
        if (*p != '{') {
            if (*p != ' ') visible = true;
            p++;
            continue;
        }
        p++;
        if (!*p) goto bad;
        if (*p == '{') {
            visible = true;
            p++;
            continue;
        }
        const char *end = strchr(p, '}');
        if (!end) goto bad;
        size_t len = (size_t)(end - p);
        size_t k = 0;
        for (; k < sizeof(vars) / sizeof(vars[0]); k++)
            if (strlen(vars[k]) == len && !memcmp(vars[k], p, len)) break;
        if (k == sizeof(vars) / sizeof(vars[0])) goto bad;
        /* what each expands to at validation time: the title is empty, the
         * server mode is empty outside a cluster, the Unix socket may be */
        if (k == 1 || k == 3 || k == 4 || k == 5) visible = true;
        if (k == 2 && cfg.cluster_enabled) visible = true;
        if (k == 6 && cfg.tc.unixsocket[0]) visible = true;
        p = end + 1;
    }
    if (visible) return NULL;
bad:
    return "template format is invalid or contains unknown variables";
}

/* ---- hooks run after a value is stored ---- */

/* hz: any 0..INT_MAX is accepted and capped to 1..500 (Redis's updateHZ:
 * "more a hint from the user") */
static void applied_hz(bool runtime)
{
    (void)runtime;
    if (cfg.hz < 1) cfg.hz = 1;
    if (cfg.hz > 500) cfg.hz = 500;
}

/* the store keeps LFU counters only under an LFU policy (OBJECT FREQ /
 * IDLETIME answer by it) */
static void applied_policy(bool runtime)
{
    (void)runtime;
    obj_lfu_policy = cfg.maxmemory_policy == CFG_POLICY_VOLATILE_LFU ||
                     cfg.maxmemory_policy == CFG_POLICY_ALLKEYS_LFU;
}

static void applied_lfu(bool runtime)
{
    (void)runtime;
    obj_lfu_log_factor = (int)cfg.lfu_log_factor;
    obj_lfu_decay_time = (int)cfg.lfu_decay_time;
}

/* watchdog-period: at least two timer periods (Redis's
 * applyWatchdogPeriod, at start and on CONFIG SET) */
static void applied_watchdog(bool runtime)
{
    (void)runtime;
    long long min = (1000 / (cfg.hz ? cfg.hz : 10)) * 2;
    if (cfg.watchdog_period && cfg.watchdog_period < min) cfg.watchdog_period = min;
}

/* repl-backlog-size: CONFIG SET raises it to 16 KiB (Redis's
 * resizeReplicationBacklog) */
static void applied_backlog(bool runtime)
{
    if (runtime && cfg.repl_backlog_size < 16 * 1024) cfg.repl_backlog_size = 16 * 1024;
}

/* ---- special parameters ---- */

/* bind: up to 16 addresses; a single "" means none (every interface). */
static int set_bind(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    if (argc > 16) {
        snprintf(err, errlen, "Too many bind addresses specified.");
        return -1;
    }
    if (argc == 1 && !argv[0][0]) argc = 0;
    char joined[sizeof(cfg.bind_str)];
    size_t off = 0;
    joined[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (strlen(argv[i]) >= sizeof(cfg.tc.bind[0])) {
            snprintf(err, errlen, "argument too long");
            return -1;
        }
        off += (size_t)snprintf(joined + off, off < sizeof(joined) ? sizeof(joined) - off : 0,
                                "%s%s", i ? " " : "", argv[i]);
    }
    if (off >= sizeof(joined)) {
        snprintf(err, errlen, "argument too long");
        return -1;
    }
    if (!apply) return 0;
    struct transport_config *tc = &cfg.tc;
    for (int i = 0; i < argc; i++) snprintf(tc->bind[i], sizeof(tc->bind[0]), "%s", argv[i]);
    tc->nbind = argc;
    if (argc == 0) {
        /* no address: every interface */
        snprintf(tc->bind[0], sizeof(tc->bind[0]), "*");
        tc->nbind = 1;
    }
    snprintf(cfg.bind_str, sizeof(cfg.bind_str), "%s", joined);
    return 0;
}

static void get_bind(char *buf, size_t len)
{
    snprintf(buf, len, "%s", cfg.bind_str);
}

/* Redis writes "bind a b", or bind "" for none. Unlike Redis (which drops
 * the line when the addresses are its default "* -::*"), a bind line is
 * kept like any other parameter's: Slipstream's default differs. */
static void rw_bind(const struct param *p, struct rw_lines *o)
{
    char v[sizeof(cfg.bind_str)];
    get_bind(v, sizeof(v));
    snprintf(o->line[0], RW_LINELEN, "%s %s", p->name, v[0] ? v : "\"\"");
    o->force[0] = strcmp(v, param_default(p)) != 0;
    o->n = 1;
}

/* save: pairs of <seconds> <changes> (seconds >= 1, changes >= 0); a single
 * "" means none. While the configuration is read, the first "save"
 * replaces the default points and later ones add to them. */
static int set_save(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    bool reset_only = argc == 1 && !argv[0][0];
    if (reset_only) argc = 0;
    if (argc & 1) goto invalid;
    for (int j = 0; j < argc; j++) {
        char *end;
        long long v = strtoll(argv[j], &end, 10);
        if (*end || ((j & 1) == 0 && v < 1) || ((j & 1) == 1 && v < 0)) goto invalid;
    }
    static bool save_loaded;
    int base = cfg.nsaveparams;
    if (!config_reading_file || !save_loaded || reset_only) base = 0;
    if (base + argc / 2 > CFG_MAX_SAVE) {
        snprintf(err, errlen, "Too many save points (at most %d)", CFG_MAX_SAVE);
        return -1;
    }
    if (!apply) return 0;
    if (config_reading_file) save_loaded = true;
    pthread_mutex_lock(&cfg_lock);
    for (int j = 0; j < argc; j += 2) {
        cfg.saveparams[base + j / 2].seconds = strtoll(argv[j], NULL, 10);
        cfg.saveparams[base + j / 2].changes = strtoll(argv[j + 1], NULL, 10);
    }
    cfg.nsaveparams = base + argc / 2;
    pthread_mutex_unlock(&cfg_lock);
    return 0;
invalid:
    snprintf(err, errlen, "Invalid save parameters");
    return -1;
}

static void get_save(char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    pthread_mutex_lock(&cfg_lock);
    for (int j = 0; j < cfg.nsaveparams && off < len; j++)
        off += (size_t)snprintf(buf + off, len - off, "%s%lld %lld", j ? " " : "",
                                cfg.saveparams[j].seconds, cfg.saveparams[j].changes);
    pthread_mutex_unlock(&cfg_lock);
}

/* always written: with no line at all the defaults would come back */
static void rw_save(const struct param *p, struct rw_lines *o)
{
    (void)p;
    o->n = 0;
    if (!cfg.nsaveparams) {
        snprintf(o->line[0], RW_LINELEN, "save \"\"");
        o->force[o->n++] = true;
        return;
    }
    pthread_mutex_lock(&cfg_lock);
    for (int j = 0; j < cfg.nsaveparams && o->n < RW_MAXLINES; j++) {
        snprintf(o->line[o->n], RW_LINELEN, "save %lld %lld", cfg.saveparams[j].seconds,
                 cfg.saveparams[j].changes);
        o->force[o->n++] = true;
    }
    pthread_mutex_unlock(&cfg_lock);
}

/* appendonly: CONFIG SET switches the AOF at once (a rewrite makes the
 * base, control/aof.h); at start-up main() does it after loading. */
static void applied_appendonly(bool runtime)
{
    if (!runtime) return;
    char err[256];
    if (aof_set_enabled(&srv.ks, cfg.appendonly != 0, err, sizeof(err)) != 0) {
        ctl_log_any(LOG_WARNING, "%s", err);
        cfg.appendonly = 0;
    }
}

/* client-output-buffer-limit: <class> <hard> <soft> <soft-seconds> ... for
 * normal, replica (slave) and pubsub; all groups are checked before any is
 * stored. */
static const struct obuf_limit obuf_defaults[3] = {
    {0, 0, 0}, {256LL << 20, 64LL << 20, 60}, {32LL << 20, 8LL << 20, 60}};

static int set_obuf(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    if (argc % 4) {
        snprintf(err, errlen, "Wrong number of arguments in buffer limit configuration.");
        return -1;
    }
    struct obuf_limit nl[3];
    memcpy(nl, cfg.obuf, sizeof(nl));
    for (int i = 0; i < argc; i += 4) {
        int cls;
        if (!strcasecmp(argv[i], "normal"))
            cls = OBL_NORMAL;
        else if (!strcasecmp(argv[i], "replica") || !strcasecmp(argv[i], "slave"))
            cls = OBL_REPLICA;
        else if (!strcasecmp(argv[i], "pubsub"))
            cls = OBL_PUBSUB;
        else {
            snprintf(err, errlen, "Invalid client class specified in buffer limit configuration.");
            return -1;
        }
        long long h, s;
        char *end;
        long long ss = strtoll(argv[i + 3], &end, 10);
        if (!config_parse_mem(argv[i + 1], &h) || !config_parse_mem(argv[i + 2], &s) || ss < 0 ||
            *end) {
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
    for (int i = 0; i < 3 && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s %llu %llu %lld", i ? " " : "", names[i],
                                (unsigned long long)cfg.obuf[i].hard,
                                (unsigned long long)cfg.obuf[i].soft, cfg.obuf[i].soft_seconds);
}

static void rw_obuf(const struct param *p, struct rw_lines *o)
{
    static const char *names[3] = {"normal", "replica", "pubsub"};
    for (int c = 0; c < 3; c++) {
        char h[64], s[64];
        config_format_mem(h, sizeof(h), cfg.obuf[c].hard);
        config_format_mem(s, sizeof(s), cfg.obuf[c].soft);
        snprintf(o->line[c], RW_LINELEN, "%s %s %s %s %lld", p->name, names[c], h, s,
                 cfg.obuf[c].soft_seconds);
        o->force[c] = memcmp(&cfg.obuf[c], &obuf_defaults[c], sizeof(obuf_defaults[c])) != 0;
    }
    o->n = 3;
}

/* oom-score-adj-values: three values, -2000..2000 */
static const int oom_defaults[3] = {0, 200, 800};

static int set_oom_values(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    if (argc != 3) {
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    int v[3];
    for (int i = 0; i < 3; i++) {
        char *end;
        long long x = strtoll(argv[i], &end, 10);
        if (*end || x < -2000 || x > 2000) {
            snprintf(err, errlen,
                     "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
            return -1;
        }
        v[i] = (int)x;
    }
    if (apply) memcpy(cfg.oom_score_adj_values, v, sizeof(v));
    return 0;
}

static void get_oom_values(char *buf, size_t len)
{
    snprintf(buf, len, "%d %d %d", cfg.oom_score_adj_values[0], cfg.oom_score_adj_values[1],
             cfg.oom_score_adj_values[2]);
}

static void rw_oom_values(const struct param *p, struct rw_lines *o)
{
    char v[64];
    get_oom_values(v, sizeof(v));
    snprintf(o->line[0], RW_LINELEN, "%s %s", p->name, v);
    o->force[0] = memcmp(cfg.oom_score_adj_values, oom_defaults, sizeof(oom_defaults)) != 0;
    o->n = 1;
}

/* notify-keyspace-events: Redis's class characters, read back in its
 * canonical spelling (keyspaceEventsFlagsToString: "KEA" reads "AKE"; with
 * every class of 'A' set, 'n' is not spelled, as in Redis 7.0). */
static const int notify_all = CFG_NOTIFY_GENERIC | CFG_NOTIFY_STRING | CFG_NOTIFY_LIST |
                              CFG_NOTIFY_SET | CFG_NOTIFY_HASH | CFG_NOTIFY_ZSET |
                              CFG_NOTIFY_EXPIRED | CFG_NOTIFY_EVICTED | CFG_NOTIFY_STREAM |
                              CFG_NOTIFY_MODULE;

static const struct {
    char ch;
    int flag;
} notify_classes[] = {
    {'g', CFG_NOTIFY_GENERIC},  {'$', CFG_NOTIFY_STRING},   {'l', CFG_NOTIFY_LIST},
    {'s', CFG_NOTIFY_SET},      {'h', CFG_NOTIFY_HASH},     {'z', CFG_NOTIFY_ZSET},
    {'x', CFG_NOTIFY_EXPIRED},  {'e', CFG_NOTIFY_EVICTED},  {'t', CFG_NOTIFY_STREAM},
    {'d', CFG_NOTIFY_MODULE},   {'n', CFG_NOTIFY_NEW},      {'K', CFG_NOTIFY_KEYSPACE},
    {'E', CFG_NOTIFY_KEYEVENT}, {'m', CFG_NOTIFY_KEY_MISS},
};
#define NCLASSES (sizeof(notify_classes) / sizeof(notify_classes[0]))

static int set_notify(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    if (argc != 1) {
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    int flags = 0;
    for (const char *p = argv[0]; *p; p++) {
        size_t k = 0;
        if (*p == 'A') {
            flags |= notify_all;
            continue;
        }
        while (k < NCLASSES && notify_classes[k].ch != *p) k++;
        if (k == NCLASSES) {
            snprintf(err, errlen, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
            return -1;
        }
        flags |= notify_classes[k].flag;
    }
    if (apply) cfg.notify_keyspace_events = flags;
    return 0;
}

static void get_notify(char *buf, size_t len)
{
    int f = cfg.notify_keyspace_events;
    char out[32];
    size_t o = 0;
    bool all = (f & notify_all) == notify_all;
    if (all) out[o++] = 'A';
    for (size_t k = 0; k < NCLASSES; k++) {
        bool modifier = notify_classes[k].ch == 'K' || notify_classes[k].ch == 'E' ||
                        notify_classes[k].ch == 'm';
        if ((f & notify_classes[k].flag) && (modifier || !all)) out[o++] = notify_classes[k].ch;
    }
    out[o] = '\0';
    snprintf(buf, len, "%s", out);
}

static void rw_notify(const struct param *p, struct rw_lines *o)
{
    char v[32];
    get_notify(v, sizeof(v));
    rw_string_line(o, p->name, v, cfg.notify_keyspace_events != 0);
}

/* dir: changes the working directory at once (as Redis's chdir), so later
 * relative paths of the configuration (include) are relative to it. The
 * check pass only looks the directory up. */
static int set_dir(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    if (argc != 1) {
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    if (!apply) {
        struct stat st;
        if (stat(argv[0], &st) != 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            return -1;
        }
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s", strerror(ENOTDIR));
            return -1;
        }
        if (access(argv[0], X_OK) != 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            return -1;
        }
        return 0;
    }
    if (chdir(argv[0]) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&cfg_lock);
    if (!getcwd(cfg.dir, sizeof(cfg.dir))) cfg.dir[0] = '\0';
    pthread_mutex_unlock(&cfg_lock);
    return 0;
}

static void get_dir(char *buf, size_t len)
{
    pthread_mutex_lock(&cfg_lock);
    snprintf(buf, len, "%s", cfg.dir);
    pthread_mutex_unlock(&cfg_lock);
}

/* always written, as an absolute path */
static void rw_dir(const struct param *p, struct rw_lines *o)
{
    char v[sizeof(cfg.dir)];
    get_dir(v, sizeof(v));
    rw_string_line(o, p->name, v, true);
}

/* replicaof <host> <port> | no one (accepted; Slipstream does not
 * replicate yet) */
static int set_replicaof(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    if (argc != 2) {
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    if (!strcasecmp(argv[0], "no") && !strcasecmp(argv[1], "one")) {
        if (apply) cfg.replicaof_host[0] = '\0';
        return 0;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    if (port < 0 || port > 65535 || *end) {
        snprintf(err, errlen, "Invalid master port");
        return -1;
    }
    if (strlen(argv[0]) >= sizeof(cfg.replicaof_host)) {
        snprintf(err, errlen, "argument too long");
        return -1;
    }
    if (!apply) return 0;
    snprintf(cfg.replicaof_host, sizeof(cfg.replicaof_host), "%s", argv[0]);
    cfg.replicaof_port = (int)port;
    return 0;
}

static void get_replicaof(char *buf, size_t len)
{
    if (cfg.replicaof_host[0])
        snprintf(buf, len, "%s %d", cfg.replicaof_host, cfg.replicaof_port);
    else
        snprintf(buf, len, "%s", "");
}

/* a master has no replicaof line */
static void rw_replicaof(const struct param *p, struct rw_lines *o)
{
    o->n = 0;
    if (!cfg.replicaof_host[0]) return;
    snprintf(o->line[0], RW_LINELEN, "%s %s %d", p->name, cfg.replicaof_host, cfg.replicaof_port);
    o->force[o->n++] = true;
}

/* latency-tracking-info-percentiles: numbers 0..100, "" for none */
static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    size_t len = strlen(s);
    return len && !isspace((unsigned char)s[0]) && (size_t)(end - s) == len &&
           !(errno == ERANGE &&
             (*out == HUGE_VAL || *out == -HUGE_VAL || fpclassify(*out) == FP_ZERO)) &&
           !isnan(*out);
}

static int set_percentiles(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    if (argc == 1 && !argv[0][0]) argc = 0;
    if (argc > CFG_MAX_PERCENTILES) {
        snprintf(err, errlen, "Too many latency-tracking-info-percentiles (at most %d)",
                 CFG_MAX_PERCENTILES);
        return -1;
    }
    double v[CFG_MAX_PERCENTILES];
    for (int j = 0; j < argc; j++) {
        if (!parse_double(argv[j], &v[j])) {
            snprintf(err, errlen, "Invalid latency-tracking-info-percentiles parameters");
            return -1;
        }
        if (v[j] > 100.0 || v[j] < 0.0) {
            snprintf(err, errlen,
                     "latency-tracking-info-percentiles parameters should sit between "
                     "[0.0,100.0]");
            return -1;
        }
    }
    if (!apply) return 0;
    pthread_mutex_lock(&cfg_lock);
    memcpy(cfg.latency_tracking_info_percentiles, v, sizeof(double) * (size_t)argc);
    cfg.nlatency_percentiles = argc;
    pthread_mutex_unlock(&cfg_lock);
    return 0;
}

/* "%f" with trailing zeros (and a bare '.') removed, as Redis's
 * trimDoubleString */
static void format_percentile(char *buf, size_t len, double d)
{
    int n = snprintf(buf, len, "%f", d);
    if (n <= 0 || (size_t)n >= len || !strchr(buf, '.')) return;
    char *p = buf + n - 1;
    while (*p == '0') *p-- = '\0';
    if (*p == '.') *p = '\0';
}

static void get_percentiles(char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    pthread_mutex_lock(&cfg_lock);
    for (int j = 0; j < cfg.nlatency_percentiles && off < len; j++) {
        char f[64];
        format_percentile(f, sizeof(f), cfg.latency_tracking_info_percentiles[j]);
        off += (size_t)snprintf(buf + off, len - off, "%s%s", j ? " " : "", f);
    }
    pthread_mutex_unlock(&cfg_lock);
}

/* always written; "" when there are none */
static void rw_percentiles(const struct param *p, struct rw_lines *o)
{
    char v[RW_LINELEN - 64];
    get_percentiles(v, sizeof(v));
    snprintf(o->line[0], RW_LINELEN, "%s %s", p->name, v[0] ? v : "\"\"");
    o->force[0] = true;
    o->n = 1;
}

/* workers: start-up resolves "workers 0" into cfg.tc.workers (CONFIG GET
 * shows the count running); CONFIG REWRITE writes what was configured */
static unsigned workers_configured;

static int set_workers(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    long long x;
    (void)argc;
    /* 0 means "cores - 1, at least 1", resolved at start-up */
    if (!str_to_ll(argv[0], strlen(argv[0]), &x)) {
        snprintf(err, errlen, "argument couldn't be parsed into an integer");
        return -1;
    }
    if (x < 0 || x > 64) {
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

static void rw_workers(const struct param *p, struct rw_lines *o)
{
    snprintf(o->line[0], RW_LINELEN, "%s %u", p->name, workers_configured);
    o->force[0] = workers_configured != 0;
    o->n = 1;
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
    (void)dp_fault_kinds;
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
#define FAULT_PARAM_FNS(kind, idx)                                                         \
    static int set_fault_##kind(int argc, char **argv, bool apply, char *err, size_t len) \
    {                                                                                      \
        (void)argc;                                                                        \
        return set_fault(idx, argv[0], apply, err, len);                                   \
    }                                                                                      \
    static void get_fault_##kind(char *buf, size_t len) { get_fault(idx, buf, len); }
/* clang-format on */
FAULT_PARAM_FNS(drop, DP_FAULT_DROP)
FAULT_PARAM_FNS(dup, DP_FAULT_DUP)
FAULT_PARAM_FNS(reorder, DP_FAULT_REORDER)
FAULT_PARAM_FNS(delay, DP_FAULT_DELAY)
FAULT_PARAM_FNS(corrupt, DP_FAULT_CORRUPT)

static int set_fault_delay_us(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    long long x;
    (void)argc;
    if (!str_to_ll(argv[0], strlen(argv[0]), &x) || x < 1 || x > 10000000) {
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

static int set_fault_seed(int argc, char **argv, bool apply, char *err, size_t errlen)
{
    long long x;
    (void)argc;
    if (!str_to_ll(argv[0], strlen(argv[0]), &x)) {
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

/* ---- the table ----
 * Row macros by type; a field's C type is checked at compile time
 * (_Generic), extra designated initializers (.check, .applied, .num for
 * unsigned storage) follow the doc string. */

#define ROW(n, a, t, f) .name = (n), .alias = (a), .type = (t), .flags = (f)
#define INTP(x)         _Generic((x), int : &(x), unsigned : &(x))
#define LLP(x)          _Generic((x), long long : &(x), unsigned long long : &(x))
#define BOOL(n, a, f, x, def, d, ...)                                                         \
    {                                                                                         \
        ROW(n, a, P_BOOL, f), .ptr = INTP(x), .min = 0, .max = 1, .deflt = (def), .doc = (d), \
                              __VA_ARGS__                                                     \
    }
#define INT(n, a, f, x, lo, hi, def, d, ...)                                                       \
    {                                                                                              \
        ROW(n, a, P_INT, f), .ptr = INTP(x), .min = (lo), .max = (hi), .deflt = (def), .doc = (d), \
                             __VA_ARGS__                                                           \
    }
#define LL(n, a, f, x, lo, hi, def, d, ...)                                                      \
    {                                                                                            \
        ROW(n, a, P_LL, f), .ptr = LLP(x), .min = (lo), .max = (hi), .deflt = (def), .doc = (d), \
                            __VA_ARGS__                                                          \
    }
#define MEM(n, a, f, x, lo, hi, def, d, ...)                                                       \
    {                                                                                              \
        ROW(n, a, P_LL, f), .num = N_MEM, .ptr = LLP(x), .min = (lo), .max = (hi), .deflt = (def), \
                            .doc = (d), __VA_ARGS__                                                \
    }
#define UMEM(n, a, f, x, lo, hi, def, d, ...)                                                 \
    {                                                                                         \
        ROW(n, a, P_LL, f), .num = N_MEM | N_UNSIGNED, .ptr = LLP(x), .min = (long long)(lo), \
                            .max = (long long)(hi), .deflt = (def), .doc = (d), __VA_ARGS__   \
    }
#define STR(n, a, f, x, def, d, ...)                                                                 \
    {                                                                                                \
        ROW(n, a, P_STR, f), .ptr = _Generic(&(x)[0], char *: (x)), .strsize = sizeof(x),          \
     .deflt = (def), .doc = (d), __VA_ARGS__ \
    }
#define ENUM(n, a, f, x, ev, def, d, ...)                                                \
    {                                                                                    \
        ROW(n, a, P_ENUM, f), .ptr = INTP(x), .enums = (ev), .deflt = (def), .doc = (d), \
                              __VA_ARGS__                                                \
    }
#define SPECIAL(n, a, f, setfn, getfn, rwfn, def, d, ...)                           \
    {                                                                               \
        ROW(n, a, P_SPECIAL, f), .set = (setfn), .get = (getfn), .rewrite = (rwfn), \
                                 .deflt = (def), .doc = (d), __VA_ARGS__            \
    }
#define FAULT(kind, what)                                                                      \
    SPECIAL("dataplane-fault-" #kind, NULL, PF_OURS, set_fault_##kind, get_fault_##kind, NULL, \
            "0", "Tests: probability (0 to 1) of " what " each data-plane frame.")

/* shorthands for the flags most rows carry */
#define IMM    PF_IMMUTABLE
#define INERT  PF_INERT
#define HIDDEN PF_HIDDEN

/* Redis's long/unsigned long bounds (LONG_MAX on LP64) */
#define LMAX LONG_MAX
#define IMAX INT_MAX

/* clang-format off */
struct param params[] = {
    /* ---- network and clients ---- */
    SPECIAL("bind", NULL, PF_MULTI | PF_NOLIVE, set_bind, get_bind, rw_bind, "127.0.0.1 -::1",
            "Addresses to listen on, space separated; a '-' prefix makes an address optional "
            "(no error if it cannot be bound)."),
    INT("port", NULL, PF_NOLIVE, cfg.tc.port, 0, 65535, "6379",
        "TCP port to accept connections on; 0 disables TCP."),
    BOOL("protected-mode", NULL, 0, cfg.protected_mode, "yes",
         "With no password set, accept clients only from the loopback interface and the Unix "
         "socket."),
    INT("tcp-backlog", NULL, IMM, cfg.tc.tcp_backlog, 0, IMAX, "511",
        "Backlog of the listen() queue of each listener."),
    INT("tcp-keepalive", NULL, 0, cfg.tc.tcp_keepalive, 0, IMAX, "300",
        "Seconds between TCP keepalive probes on client connections (0 = off); applies to new "
        "connections."),
    LL("timeout", NULL, 0, cfg.timeout, 0, IMAX, "0",
       "Close a client after this many idle seconds (0 = never)."),
    STR("unixsocket", NULL, IMM | PF_EMPTY_NULL, cfg.tc.unixsocket, NULL,
        "Path of a Unix socket to accept connections on (empty = none)."),
    INT("unixsocketperm", NULL, IMM, cfg.tc.unixsocketperm, 0, 0777, "0",
        "Permissions of the Unix socket, in octal.", .num = N_OCTAL | N_UNSIGNED),
    LL("maxclients", NULL, 0, cfg.maxclients, 1, UINT_MAX, "10000",
       "Maximum number of connected clients; further connections get an error and are closed.",
       .num = N_UNSIGNED),
    LL("socket-mark-id", NULL, IMM | INERT, cfg.socket_mark_id, 0, UINT_MAX, "0",
       "Mark (SO_MARK) set on listening sockets.", .num = N_UNSIGNED),
    STR("bind-source-addr", NULL, INERT | PF_EMPTY_NULL, cfg.bind_source_addr, NULL,
        "Source address of outgoing connections (to a master, the cluster bus)."),
    MEM("proto-max-bulk-len", NULL, 0, cfg.proto_max_bulk_len, 1024 * 1024, LMAX, "512mb",
        "Largest bulk string a client may send, and the largest string value."),
    UMEM("client-query-buffer-limit", NULL, 0, cfg.client_query_buffer_limit, 1024 * 1024, LMAX,
        "1gb", "Largest query buffer of one client; a client past it is closed."),
    SPECIAL("client-output-buffer-limit", NULL, PF_MULTI, set_obuf, get_obuf, rw_obuf,
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
            "Output buffer limits per client class: <class> <hard> <soft> <soft-seconds>, for "
            "normal, replica (slave) and pubsub. Enforced for normal clients (replica and "
            "pubsub clients do not exist yet)."),
    LL("maxmemory-clients", NULL, 0, cfg.maxmemory_clients, -100, SSIZE_MAX, "0",
        "Memory all clients together may use before the largest are evicted: bytes, or N% of "
        "maxmemory (0 = no limit).", .num = N_MEM | N_PERCENT),
    LL("tracking-table-max-keys", NULL, INERT, cfg.tracking_table_max_keys, 0, LMAX, "1000000",
       "Keys remembered for client-side caching (CLIENT TRACKING).", .num = N_UNSIGNED),
    LL("busy-reply-threshold", "lua-time-limit", INERT, cfg.busy_reply_threshold, 0, LMAX,
       "5000", "Milliseconds a script or function may run before other clients get BUSY."),
    BOOL("lua-enable-deprecated-api", NULL, IMM | HIDDEN | INERT, cfg.lua_enable_deprecated_api,
         "no", "Give scripts Lua's deprecated setfenv/getfenv (added by Debian's 7.0.15 security "
         "fixes)."),

    /* ---- security ---- */
    STR("requirepass", NULL, PF_SENSITIVE | PF_EMPTY_NULL, cfg.requirepass, NULL,
        "Password of the default user (AUTH); empty = no authentication."),
    STR("masteruser", NULL, PF_SENSITIVE | PF_EMPTY_NULL | INERT, cfg.masteruser, NULL,
        "User name a replica authenticates to its master with."),
    STR("masterauth", NULL, PF_SENSITIVE | PF_EMPTY_NULL | INERT, cfg.masterauth, NULL,
        "Password a replica authenticates to its master with."),
    STR("aclfile", NULL, IMM | INERT, cfg.aclfile, "", "File of ACL users."),
    LL("acllog-max-len", NULL, INERT, cfg.acllog_max_len, 0, LMAX, "128",
       "Entries kept in the ACL log.", .num = N_UNSIGNED),
    ENUM("acl-pubsub-default", NULL, INERT, cfg.acl_pubsub_default, ev_pubsub_default,
         "resetchannels", "Pub/Sub channels a new ACL user may use by default."),
    ENUM("enable-protected-configs", NULL, IMM, cfg.enable_protected_configs, ev_protected,
         "no", "Allow CONFIG SET of protected parameters (dir, dbfilename): no, yes or local."),
    ENUM("enable-debug-command", NULL, IMM, cfg.enable_debug_command, ev_protected, "no",
         "Allow the DEBUG command: no, yes, or local (loopback and Unix-socket clients only)."),
    ENUM("enable-module-command", NULL, IMM | INERT, cfg.enable_module_command, ev_protected,
         "no", "Allow the MODULE command: no, yes or local."),

    /* ---- keyspace ---- */
    LL("databases", NULL, IMM, cfg.databases, 1, IMAX, "16",
       "Number of logical databases (SELECT 0 .. databases-1; INFO keyspace lists the first 1024)."),
    LL("hz", NULL, 0, cfg.hz, 0, IMAX, "10",
       "Frequency of background tasks (client timeouts, expiry, statistics), per second; "
       "values are capped to 1..500.", .applied = applied_hz),
    BOOL("dynamic-hz", NULL, INERT, cfg.dynamic_hz, "yes",
         "Raise hz temporarily with many clients connected."),
    BOOL("activerehashing", NULL, INERT, cfg.activerehashing, "yes",
         "Spend some CPU time rehashing idle dictionaries."),
    LL("active-expire-effort", NULL, 0, cfg.active_expire_effort, 1, 10, "1",
       "Effort of active expiry, 1 to 10: larger values expire faster and use more CPU."),
    SPECIAL("notify-keyspace-events", NULL, INERT, set_notify, get_notify, rw_notify, "",
            "Classes of keyspace notifications to publish (empty = none)."),

    /* ---- memory ---- */
    UMEM("maxmemory", NULL, INERT, cfg.maxmemory, 0, ULLONG_MAX, "0",
         "Memory limit for the dataset (0 = none)."),
    ENUM("maxmemory-policy", NULL, 0, cfg.maxmemory_policy, ev_policy, "noeviction",
         "Eviction policy once maxmemory is reached. OBJECT FREQ needs an LFU policy, as in "
         "Redis; nothing is evicted yet.", .applied = applied_policy),
    LL("maxmemory-samples", NULL, INERT, cfg.maxmemory_samples, 1, IMAX, "5",
       "Keys sampled per eviction by the approximated LRU/LFU/TTL policies."),
    LL("maxmemory-eviction-tenacity", NULL, INERT, cfg.maxmemory_eviction_tenacity, 0, 100, "10",
       "How long an eviction cycle may run (0 = shortest, 100 = until under the limit)."),
    LL("lfu-log-factor", NULL, 0, cfg.lfu_log_factor, 0, IMAX, "10",
       "How slowly the LFU access counter grows.", .applied = applied_lfu),
    LL("lfu-decay-time", NULL, 0, cfg.lfu_decay_time, 0, IMAX, "1",
       "Minutes without access for the LFU counter to lose one.", .applied = applied_lfu),
    BOOL("lazyfree-lazy-eviction", NULL, INERT, cfg.lazyfree_lazy_eviction, "no",
         "Free evicted values in the background."),
    BOOL("lazyfree-lazy-expire", NULL, INERT, cfg.lazyfree_lazy_expire, "no",
         "Free expired values in the background."),
    BOOL("lazyfree-lazy-server-del", NULL, INERT, cfg.lazyfree_lazy_server_del, "no",
         "Free values the server deletes implicitly (RENAME, SET over a key) in the background."),
    BOOL("lazyfree-lazy-user-del", NULL, INERT, cfg.lazyfree_lazy_user_del, "no",
         "Make DEL behave like UNLINK (free values in the background)."),
    BOOL("lazyfree-lazy-user-flush", NULL, INERT, cfg.lazyfree_lazy_user_flush, "no",
         "Make FLUSHDB/FLUSHALL without ASYNC or SYNC free asynchronously."),
    BOOL("activedefrag", NULL, INERT, cfg.activedefrag, "no",
         "Active defragmentation; refused, as by a Redis built without its own jemalloc.",
         .check = check_activedefrag),
    UMEM("active-defrag-ignore-bytes", NULL, INERT, cfg.active_defrag_ignore_bytes, 1, LLONG_MAX,
        "100mb", "Fragmentation waste below which defragmentation does not start."),
    LL("active-defrag-threshold-lower", NULL, INERT, cfg.active_defrag_threshold_lower, 0, 1000,
       "10", "Fragmentation percentage at which defragmentation starts."),
    LL("active-defrag-threshold-upper", NULL, INERT, cfg.active_defrag_threshold_upper, 0, 1000,
       "100", "Fragmentation percentage at which defragmentation works hardest."),
    LL("active-defrag-cycle-min", NULL, INERT, cfg.active_defrag_cycle_min, 1, 99, "1",
       "Least CPU percentage spent defragmenting."),
    LL("active-defrag-cycle-max", NULL, INERT, cfg.active_defrag_cycle_max, 1, 99, "25",
       "Most CPU percentage spent defragmenting."),
    LL("active-defrag-max-scan-fields", NULL, INERT, cfg.active_defrag_max_scan_fields, 1, LMAX,
       "1000", "Collections with more fields than this are defragmented in a separate step.",
       .num = N_UNSIGNED),
    BOOL("jemalloc-bg-thread", NULL, INERT, cfg.jemalloc_bg_thread, "yes",
         "Let jemalloc purge memory on its own background thread."),
    ENUM("oom-score-adj", NULL, INERT, cfg.oom_score_adj, ev_oom_adj, "no",
         "Set the process's Linux OOM score: no, yes/relative, absolute."),
    SPECIAL("oom-score-adj-values", NULL, PF_MULTI | INERT, set_oom_values, get_oom_values,
            rw_oom_values, "0 200 800",
            "OOM score adjustments for a master, a replica and a background child."),

    /* ---- snapshots (RDB) ---- */
    SPECIAL("save", NULL, PF_MULTI, set_save, get_save, rw_save, "3600 1 300 100 60 10000",
            "Snapshot points: pairs of <seconds> <changes>; \"\" disables snapshots."),
    SPECIAL("dir", NULL, PF_PROTECTED, set_dir, get_dir, rw_dir, NULL,
            "Working directory (changed at once, so later relative paths start there): "
            "snapshots and the append-only files are written here."),
    STR("dbfilename", NULL, PF_PROTECTED, cfg.dbfilename, "dump.rdb",
        "File name of the RDB snapshot.", .check = check_dbfilename),
    BOOL("rdbcompression", NULL, 0, store_tun.rdb_compression, "yes",
         "Compress strings in RDB snapshots and DUMP payloads with LZF."),
    BOOL("rdbchecksum", NULL, IMM, cfg.rdbchecksum, "yes",
         "Append a CRC64 checksum to RDB snapshots (and check it when loading)."),
    BOOL("stop-writes-on-bgsave-error", NULL, 0, cfg.stop_writes_on_bgsave_error, "yes",
         "Refuse writes (MISCONF) while the last background save failed."),
    BOOL("rdb-del-sync-files", NULL, INERT, cfg.rdb_del_sync_files, "no",
         "Delete RDB files written only for replication when persistence is off."),
    BOOL("rdb-save-incremental-fsync", NULL, INERT, cfg.rdb_save_incremental_fsync, "yes",
         "fsync the snapshot every 4 MB while it is written."),
    LL("rdb-key-save-delay", NULL, HIDDEN | INERT, cfg.rdb_key_save_delay, INT_MIN, IMAX, "0",
        "Tests: microseconds of sleep per key saved."),
    LL("key-load-delay", NULL, HIDDEN | INERT, cfg.key_load_delay, INT_MIN, IMAX, "0",
        "Tests: microseconds of sleep per key loaded."),
    LL("loading-process-events-interval-bytes", NULL, HIDDEN | INERT,
       cfg.loading_process_events_interval_bytes, 1024, IMAX, "2097152",
       "Bytes loaded between two looks at clients while loading."),
    ENUM("sanitize-dump-payload", NULL, 0, store_tun.sanitize_dump_payload, ev_sanitize, "no",
         "Deep-check RESTORE payloads and loaded RDB files: no, yes, or clients (not for the "
         "master's stream)."),

    /* ---- append-only file ---- */
    BOOL("appendonly", NULL, 0, cfg.appendonly, "no", "Enable the append-only file.",
         .applied = applied_appendonly),
    STR("appendfilename", NULL, IMM, cfg.appendfilename, "appendonly.aof",
        "Base name of the append-only files.", .check = check_appendfilename),
    STR("appenddirname", NULL, IMM, cfg.appenddirname, "appendonlydir",
        "Directory (under dir) of the append-only files and their manifest.",
        .check = check_appenddirname),
    ENUM("appendfsync", NULL, 0, cfg.appendfsync, ev_fsync, "everysec",
         "When the append-only file is fsynced: everysec, always, or no (left to the kernel)."),
    BOOL("no-appendfsync-on-rewrite", NULL, 0, cfg.no_appendfsync_on_rewrite, "no",
         "Skip fsync of the append-only file while a rewrite or snapshot runs."),
    LL("auto-aof-rewrite-percentage", NULL, 0, cfg.auto_aof_rewrite_percentage, 0, IMAX, "100",
       "Rewrite the append-only file when it grew by this percentage (0 = never)."),
    MEM("auto-aof-rewrite-min-size", NULL, 0, cfg.auto_aof_rewrite_min_size, 0, LLONG_MAX,
        "64mb", "Smallest append-only file that is rewritten automatically."),
    BOOL("aof-load-truncated", NULL, 0, cfg.aof_load_truncated, "yes",
         "Start with a truncated append-only file (its last command cut) instead of refusing."),
    BOOL("aof-use-rdb-preamble", NULL, 0, cfg.aof_use_rdb_preamble, "yes",
         "Write the base file of a rewrite in RDB format."),
    BOOL("aof-timestamp-enabled", NULL, 0, cfg.aof_timestamp_enabled, "no",
         "Write timestamp annotations into the append-only file."),
    BOOL("aof-rewrite-incremental-fsync", NULL, INERT, cfg.aof_rewrite_incremental_fsync, "yes",
         "fsync a rewritten append-only file every 4 MB while it is written."),
    BOOL("aof-disable-auto-gc", NULL, INERT, cfg.aof_disable_auto_gc, "no",
         "Keep the history files of the append-only file after a rewrite."),

    /* ---- replication ---- */
    SPECIAL("replicaof", "slaveof", IMM | PF_MULTI | INERT, set_replicaof, get_replicaof,
            rw_replicaof, NULL, "Replicate <host> <port> (no one = be a master)."),
    BOOL("replica-serve-stale-data", "slave-serve-stale-data", INERT,
         cfg.replica_serve_stale_data, "yes",
         "A replica out of touch with its master still answers reads."),
    BOOL("replica-read-only", "slave-read-only", INERT, cfg.replica_read_only, "yes",
         "A replica refuses writes from clients."),
    BOOL("replica-lazy-flush", "slave-lazy-flush", INERT, cfg.replica_lazy_flush, "no",
         "A replica frees its old dataset in the background before a full sync."),
    BOOL("replica-ignore-maxmemory", "slave-ignore-maxmemory", INERT,
         cfg.replica_ignore_maxmemory, "yes", "A replica does not evict on its own."),
    BOOL("replica-announced", NULL, INERT, cfg.replica_announced, "yes",
         "Sentinel may report this replica."),
    BOOL("replica-ignore-disk-write-errors", NULL, INERT, cfg.replica_ignore_disk_write_errors,
         "no", "A replica keeps applying its master's stream when it cannot persist."),
    STR("replica-announce-ip", "slave-announce-ip", INERT | PF_EMPTY_NULL,
        cfg.replica_announce_ip, NULL, "Address a replica reports to its master."),
    LL("replica-announce-port", "slave-announce-port", INERT, cfg.replica_announce_port, 0, 65535,
       "0", "Port a replica reports to its master (0 = its own)."),
    LL("replica-priority", "slave-priority", INERT, cfg.replica_priority, 0, IMAX, "100",
       "Sentinel promotes replicas with a lower priority first (0 = never)."),
    BOOL("repl-diskless-sync", NULL, INERT, cfg.repl_diskless_sync, "yes",
         "Send full syncs to replicas over the socket, without a file."),
    LL("repl-diskless-sync-delay", NULL, INERT, cfg.repl_diskless_sync_delay, 0, IMAX, "5",
       "Seconds to wait for more replicas before a diskless sync starts."),
    LL("repl-diskless-sync-max-replicas", NULL, INERT, cfg.repl_diskless_sync_max_replicas, 0,
       IMAX, "0", "Start a diskless sync at once when this many replicas wait (0 = no limit)."),
    ENUM("repl-diskless-load", NULL, INERT, cfg.repl_diskless_load, ev_diskless_load, "disabled",
         "How a replica loads a full sync: disabled (through a file), on-empty-db, swapdb."),
    BOOL("repl-disable-tcp-nodelay", NULL, INERT, cfg.repl_disable_tcp_nodelay, "no",
         "Batch the replication stream into fewer packets."),
    MEM("repl-backlog-size", NULL, INERT, cfg.repl_backlog_size, 1, LLONG_MAX, "1mb",
        "Replication backlog kept for partial resyncs (CONFIG SET raises it to 16kb).",
        .applied = applied_backlog),
    LL("repl-backlog-ttl", NULL, INERT, cfg.repl_backlog_ttl, 0, LMAX, "3600",
       "Seconds without replicas after which the backlog is freed (0 = never)."),
    LL("repl-timeout", NULL, INERT, cfg.repl_timeout, 1, IMAX, "60",
       "Seconds of silence after which a replication link is dropped."),
    LL("repl-ping-replica-period", "repl-ping-slave-period", INERT, cfg.repl_ping_replica_period,
       1, IMAX, "10", "Seconds between a master's pings to its replicas."),
    LL("min-replicas-to-write", "min-slaves-to-write", INERT, cfg.min_replicas_to_write, 0, IMAX,
       "0", "Refuse writes with fewer good replicas than this (0 = off)."),
    LL("min-replicas-max-lag", "min-slaves-max-lag", INERT, cfg.min_replicas_max_lag, 0, IMAX,
       "10", "Seconds of lag within which a replica counts as good."),
    ENUM("propagation-error-behavior", NULL, INERT, cfg.propagation_error_behavior,
         ev_propagation, "ignore",
         "What a replica or AOF load does with a command that fails: ignore, panic, "
         "panic-on-replicas."),

    /* ---- cluster ---- */
    BOOL("cluster-enabled", NULL, IMM | INERT, cfg.cluster_enabled, "no", "Run in cluster mode."),
    STR("cluster-config-file", NULL, IMM | INERT, cfg.cluster_config_file, "nodes.conf",
        "File where the node keeps its cluster state."),
    LL("cluster-node-timeout", NULL, INERT, cfg.cluster_node_timeout, 0, LLONG_MAX, "15000",
       "Milliseconds after which an unreachable node is considered failing."),
    LL("cluster-port", NULL, IMM | INERT, cfg.cluster_port, 0, 65535, "0",
       "Port of the cluster bus (0 = port + 10000)."),
    STR("cluster-announce-ip", NULL, INERT | PF_EMPTY_NULL, cfg.cluster_announce_ip, NULL,
        "Address the node announces to the cluster."),
    STR("cluster-announce-hostname", NULL, INERT | PF_EMPTY_NULL, cfg.cluster_announce_hostname,
        NULL, "Host name the node announces to the cluster.", .check = check_hostname),
    LL("cluster-announce-port", NULL, INERT, cfg.cluster_announce_port, 0, 65535, "0",
       "Client port the node announces (0 = its own)."),
    LL("cluster-announce-bus-port", NULL, INERT, cfg.cluster_announce_bus_port, 0, 65535, "0",
       "Bus port the node announces (0 = its own)."),
    LL("cluster-announce-tls-port", NULL, INERT, cfg.cluster_announce_tls_port, 0, 65535, "0",
       "TLS port the node announces (0 = its own)."),
    LL("cluster-replica-validity-factor", "cluster-slave-validity-factor", INERT,
       cfg.cluster_replica_validity_factor, 0, IMAX, "10",
       "A replica disconnected longer than factor x node timeout does not fail over."),
    LL("cluster-migration-barrier", NULL, INERT, cfg.cluster_migration_barrier, 0, IMAX, "1",
       "Replicas a master keeps before one may migrate to an orphaned master."),
    BOOL("cluster-require-full-coverage", NULL, INERT, cfg.cluster_require_full_coverage, "yes",
         "Stop serving when some hash slot has no node."),
    BOOL("cluster-replica-no-failover", "cluster-slave-no-failover", INERT,
         cfg.cluster_replica_no_failover, "no", "This replica never fails over on its own."),
    BOOL("cluster-allow-reads-when-down", NULL, INERT, cfg.cluster_allow_reads_when_down, "no",
         "Serve reads while the cluster is down."),
    BOOL("cluster-allow-pubsubshard-when-down", NULL, INERT,
         cfg.cluster_allow_pubsubshard_when_down, "yes",
         "Serve sharded Pub/Sub while the cluster is down."),
    BOOL("cluster-allow-replica-migration", NULL, INERT, cfg.cluster_allow_replica_migration,
         "yes", "Replicas may migrate to orphaned masters."),
    UMEM("cluster-link-sendbuf-limit", NULL, INERT, cfg.cluster_link_sendbuf_limit, 0, ULLONG_MAX,
         "0", "Send buffer limit of a cluster bus link (0 = none)."),
    ENUM("cluster-preferred-endpoint-type", NULL, INERT, cfg.cluster_preferred_endpoint_type,
         ev_endpoint, "ip",
         "Endpoint given in redirections and CLUSTER SLOTS: ip, hostname, unknown-endpoint."),

    /* ---- TLS (Slipstream has no TLS yet) ---- */
    LL("tls-port", NULL, INERT, cfg.tls_port, 0, 65535, "0", "TLS port (0 = none)."),
    STR("tls-cert-file", NULL, INERT | PF_EMPTY_NULL, cfg.tls_cert_file, NULL,
        "Server certificate."),
    STR("tls-key-file", NULL, INERT | PF_EMPTY_NULL, cfg.tls_key_file, NULL,
        "Private key of the server certificate."),
    STR("tls-key-file-pass", NULL, INERT | PF_EMPTY_NULL, cfg.tls_key_file_pass, NULL,
        "Passphrase of the private key."),
    STR("tls-client-cert-file", NULL, INERT | PF_EMPTY_NULL, cfg.tls_client_cert_file, NULL,
        "Certificate for outgoing connections."),
    STR("tls-client-key-file", NULL, INERT | PF_EMPTY_NULL, cfg.tls_client_key_file, NULL,
        "Private key for outgoing connections."),
    STR("tls-client-key-file-pass", NULL, INERT | PF_EMPTY_NULL, cfg.tls_client_key_file_pass,
        NULL, "Passphrase of the client private key."),
    STR("tls-dh-params-file", NULL, INERT | PF_EMPTY_NULL, cfg.tls_dh_params_file, NULL,
        "Diffie-Hellman parameters."),
    STR("tls-ca-cert-file", NULL, INERT | PF_EMPTY_NULL, cfg.tls_ca_cert_file, NULL,
        "CA certificates that authenticate peers."),
    STR("tls-ca-cert-dir", NULL, INERT | PF_EMPTY_NULL, cfg.tls_ca_cert_dir, NULL,
        "Directory of CA certificates."),
    STR("tls-protocols", NULL, INERT | PF_EMPTY_NULL, cfg.tls_protocols, NULL,
        "TLS versions allowed."),
    STR("tls-ciphers", NULL, INERT | PF_EMPTY_NULL, cfg.tls_ciphers, NULL,
        "Ciphers allowed (TLS 1.2 and older)."),
    STR("tls-ciphersuites", NULL, INERT | PF_EMPTY_NULL, cfg.tls_ciphersuites, NULL,
        "Cipher suites allowed (TLS 1.3)."),
    ENUM("tls-auth-clients", NULL, INERT, cfg.tls_auth_clients, ev_tls_auth, "yes",
         "Require client certificates: no, yes, optional."),
    BOOL("tls-cluster", NULL, INERT, cfg.tls_cluster, "no", "Use TLS on the cluster bus."),
    BOOL("tls-replication", NULL, INERT, cfg.tls_replication, "no",
         "Use TLS for replication links."),
    BOOL("tls-prefer-server-ciphers", NULL, INERT, cfg.tls_prefer_server_ciphers, "no",
         "Prefer the server's cipher order."),
    BOOL("tls-session-caching", NULL, INERT, cfg.tls_session_caching, "yes",
         "Cache TLS sessions for resumption."),
    LL("tls-session-cache-size", NULL, INERT, cfg.tls_session_cache_size, 0, IMAX, "20480",
       "TLS sessions cached."),
    LL("tls-session-cache-timeout", NULL, INERT, cfg.tls_session_cache_timeout, 0, IMAX, "300",
       "Seconds a cached TLS session lives."),

    /* ---- process, logging, diagnostics ---- */
    BOOL("daemonize", NULL, IMM | INERT, cfg.daemonize, "no", "Run in the background."),
    ENUM("supervised", NULL, IMM | INERT, cfg.supervised, ev_supervised, "no",
         "Tell a supervisor (upstart, systemd) when the server is ready."),
    STR("pidfile", NULL, IMM | PF_EMPTY_NULL, cfg.pidfile, NULL,
        "Write the process id to this file (empty = none)."),
    STR("logfile", NULL, IMM, cfg.logfile, "", "Log file path (empty = standard output)."),
    ENUM("loglevel", NULL, 0, cfg.loglevel, ev_loglevel, "notice",
         "Log verbosity: debug, verbose, notice or warning."),
    BOOL("syslog-enabled", NULL, IMM | INERT, cfg.syslog_enabled, "no", "Log to syslog too."),
    STR("syslog-ident", NULL, IMM | INERT, cfg.syslog_ident, "redis", "Syslog identity."),
    ENUM("syslog-facility", NULL, IMM | INERT, cfg.syslog_facility, ev_syslog_facility, "local0",
         "Syslog facility: user or local0..local7."),
    BOOL("always-show-logo", NULL, IMM | INERT, cfg.always_show_logo, "no",
         "Print the ASCII logo even when logging to a file."),
    BOOL("set-proc-title", NULL, IMM | INERT, cfg.set_proc_title, "yes",
         "Set the process title shown by ps."),
    STR("proc-title-template", NULL, INERT, cfg.proc_title_template,
        "{title} {listen-addr} {server-mode}", "Template of the process title.",
        .check = check_proc_title),
    BOOL("crash-log-enabled", NULL, INERT, cfg.crash_log_enabled, "yes",
         "Log a stack trace on a crash."),
    BOOL("crash-memcheck-enabled", NULL, INERT, cfg.crash_memcheck_enabled, "yes",
         "Run a memory test after a crash."),
    BOOL("use-exit-on-panic", NULL, HIDDEN | INERT, cfg.use_exit_on_panic, "no",
         "Tests: exit() instead of abort() on a panic."),
    BOOL("disable-thp", NULL, IMM | INERT, cfg.disable_thp, "yes",
         "Turn transparent huge pages off for the process."),
    LL("shutdown-timeout", NULL, INERT, cfg.shutdown_timeout, 0, IMAX, "10",
       "Seconds a shutdown waits for replicas to catch up."),
    ENUM("shutdown-on-sigint", NULL, PF_MULTI | INERT, cfg.shutdown_on_sigint, ev_shutdown,
         "default", "SHUTDOWN flags used on SIGINT: default, or any of save (or nosave), now, force.",
         .check = check_shutdown),
    ENUM("shutdown-on-sigterm", NULL, PF_MULTI | INERT, cfg.shutdown_on_sigterm, ev_shutdown,
         "default", "SHUTDOWN flags used on SIGTERM: default, or any of save (or nosave), now, force.",
         .check = check_shutdown),
    LL("watchdog-period", NULL, HIDDEN | INERT, cfg.watchdog_period, 0, IMAX, "0",
       "Tests: milliseconds after which a stuck server logs its stack (0 = off; at least "
       "two hz periods).", .applied = applied_watchdog),
    LL("io-threads", NULL, IMM | INERT, cfg.io_threads, 1, 128, "1",
       "Redis's I/O threads (Slipstream's workers serve clients instead: see workers)."),
    BOOL("io-threads-do-reads", NULL, IMM | INERT, cfg.io_threads_do_reads, "no",
         "Redis's I/O threads also read and parse."),
    STR("server_cpulist", NULL, IMM | INERT | PF_EMPTY_NULL, cfg.server_cpulist, NULL,
        "CPUs of the main thread."),
    STR("bio_cpulist", NULL, IMM | INERT | PF_EMPTY_NULL, cfg.bio_cpulist, NULL,
        "CPUs of the background I/O threads."),
    STR("aof_rewrite_cpulist", NULL, IMM | INERT | PF_EMPTY_NULL, cfg.aof_rewrite_cpulist, NULL,
        "CPUs of an append-only file rewrite."),
    STR("bgsave_cpulist", NULL, IMM | INERT | PF_EMPTY_NULL, cfg.bgsave_cpulist, NULL,
        "CPUs of a background save."),
    STR("ignore-warnings", NULL, INERT, cfg.ignore_warnings, "",
        "Start-up warnings not to print (ARM64-COW-BUG)."),
    LL("slowlog-log-slower-than", NULL, INERT, cfg.slowlog_log_slower_than, -1, LLONG_MAX,
       "10000", "Log commands slower than this many microseconds in the slow log (-1 = off, "
       "0 = all)."),
    LL("slowlog-max-len", NULL, INERT, cfg.slowlog_max_len, 0, LMAX, "128",
       "Entries kept in the slow log.", .num = N_UNSIGNED),
    LL("latency-monitor-threshold", NULL, INERT, cfg.latency_monitor_threshold, 0, LLONG_MAX,
       "0", "Record events slower than this many milliseconds in the latency monitor "
       "(0 = off)."),
    BOOL("latency-tracking", NULL, INERT, cfg.latency_tracking, "yes",
         "Track per-command latency percentiles (INFO latencystats)."),
    SPECIAL("latency-tracking-info-percentiles", NULL, PF_MULTI | INERT, set_percentiles,
            get_percentiles, rw_percentiles, "50 99 99.9",
            "Percentiles INFO latencystats reports."),

    /* ---- encodings: the data types read them from store_tun ---- */
    LL("list-max-listpack-size", "list-max-ziplist-size", 0, store_tun.list_max_listpack_size,
       INT_MIN, IMAX, "-2",
        "Largest listpack node of a list: positive = entries, -1..-5 = 4..64 KiB."),
    LL("list-compress-depth", NULL, INERT, store_tun.list_compress_depth, 0, IMAX, "0",
        "List nodes left uncompressed at each end of a list (0 = no compression); interior "
        "nodes are not compressed yet."),
    LL("hash-max-listpack-entries", "hash-max-ziplist-entries", 0,
       store_tun.hash_max_listpack_entries, 0, LMAX, "512",
       "Hashes with at most this many fields use the compact listpack encoding.",
       .num = N_UNSIGNED),
    UMEM("hash-max-listpack-value", "hash-max-ziplist-value", 0, store_tun.hash_max_listpack_value,
        0, LMAX, "64",
        "Hashes whose fields and values are at most this long use the listpack encoding."),
    LL("set-max-intset-entries", NULL, 0, store_tun.set_max_intset_entries, 0, LMAX, "512",
       "Sets of integers with at most this many members use the intset encoding.",
       .num = N_UNSIGNED),
    LL("zset-max-listpack-entries", "zset-max-ziplist-entries", 0,
       store_tun.zset_max_listpack_entries, 0, LMAX, "128",
       "Sorted sets with at most this many members use the listpack encoding.",
       .num = N_UNSIGNED),
    UMEM("zset-max-listpack-value", "zset-max-ziplist-value", 0, store_tun.zset_max_listpack_value,
        0, LMAX, "64",
        "Sorted sets whose members are at most this long use the listpack encoding."),
    UMEM("stream-node-max-bytes", NULL, 0, store_tun.stream_node_max_bytes, 0, LMAX, "4096",
        "Largest listpack node of a stream, in bytes (0 = no limit but 1 GiB)."),
    LL("stream-node-max-entries", NULL, 0, store_tun.stream_node_max_entries, 0, LLONG_MAX,
       "100", "Most entries in one stream node (0 = no limit)."),
    UMEM("hll-sparse-max-bytes", NULL, 0, store_tun.hll_sparse_max_bytes, 0, LMAX, "3000",
        "HyperLogLogs larger than this use the dense encoding."),

    /* ---- Slipstream's own ---- */
    SPECIAL("workers", NULL, PF_NOLIVE | PF_OURS, set_workers, get_workers, rw_workers, "0",
            "Worker lcores serving clients (0 = cores - 1, at least 1)."),
    LL("shards", NULL, PF_NOLIVE | PF_OURS, cfg.shards, 0, 1024, "0",
       "Keyspace shards, rounded up to a power of two (0 = 16 per worker)."),
    INT("busy-poll", NULL, PF_NOLIVE | PF_OURS, cfg.tc.busy_poll_us, 0, 1000000, "0",
        "Kernel sockets: busy-poll for this many microseconds before sleeping in epoll_wait "
        "(0 = off)."),
    STR("dataplane-port", NULL, PF_NOLIVE | PF_OURS, cfg.tc.dataplane_port, "",
        "DPDK device arguments of the NIC port that serves clients (empty = kernel sockets)."),
    STR("dataplane-ip", NULL, PF_NOLIVE | PF_OURS, cfg.tc.dataplane_ip, "",
        "IPv4 address and prefix length of the data plane, A.B.C.D/LEN."),
    STR("dataplane-gateway", NULL, PF_NOLIVE | PF_OURS, cfg.tc.dataplane_gateway, "",
        "IPv4 default gateway of the data plane."),
    INT("dataplane-mtu", NULL, PF_NOLIVE | PF_OURS, cfg.tc.dataplane_mtu, 576, 9000, "1500",
        "MTU of the data-plane port."),
    STR("dataplane-mac", NULL, PF_NOLIVE | PF_OURS, cfg.tc.dataplane_mac, "",
        "MAC address the data plane answers with (empty = the port's). A MAC of its own puts "
        "the port in promiscuous mode; with net_af_packet the kernel then drops the data "
        "plane's frames at the Ethernet layer instead of running IP input on each."),
    STR("dpdk-args", NULL, PF_NOLIVE | PF_OURS, cfg.dpdk_args, "",
        "Extra DPDK EAL arguments, space separated."),
    FAULT(drop, "dropping"),
    FAULT(dup, "duplicating"),
    FAULT(reorder, "reordering (holding back behind the next frame)"),
    FAULT(delay, "delaying (up to dataplane-fault-delay-us)"),
    FAULT(corrupt, "corrupting on receive (one bit flipped)"),
    SPECIAL("dataplane-fault-delay-us", NULL, PF_OURS, set_fault_delay_us, get_fault_delay_us,
            NULL, "5000", "Tests: upper bound of an injected delay, microseconds."),
    SPECIAL("dataplane-fault-seed", NULL, PF_OURS, set_fault_seed, get_fault_seed, NULL, "1",
            "Tests: seed of the fault-injection random streams (runs are reproducible)."),
};
/* clang-format on */

const size_t nparams = sizeof(params) / sizeof(params[0]);
