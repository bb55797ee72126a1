/* cmd_config.c — CONFIG GET/SET/RESETSTAT/REWRITE/HELP (Redis 7.0).
 *
 * The parameters, their parsing, checks and error texts live in config.c's
 * table; these handlers turn arguments into C strings and replies. CONFIG
 * SET of several parameters is all or nothing: config_set_multi() checks
 * every pair before it stores any.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "info.h"
#include "server.h"
#include "session.h"
#include "worker.h"

void cmd_config_get(struct cmdctx *c);
void cmd_config_set(struct cmdctx *c);
void cmd_config_resetstat(struct cmdctx *c);
void cmd_config_rewrite(struct cmdctx *c);
void cmd_config_help(struct cmdctx *c);

/* NUL-terminated copies of argv[from..argc) (arguments may hold any byte;
 * a name with a NUL in it simply matches nothing). NULL if out of memory. */
static char **args_cstr(const struct cmdctx *c, int from, size_t **lens)
{
    int n = c->argc - from;
    char **v = calloc((size_t)n, sizeof(*v));
    size_t *l = calloc((size_t)n, sizeof(*l));
    bool ok = v && l;
    for (int i = 0; ok && i < n; i++) {
        const struct sarg *a = &c->argv[from + i];
        if (!(v[i] = malloc(a->len + 1))) {
            ok = false;
            break;
        }
        memcpy(v[i], a->p, a->len);
        v[i][a->len] = '\0';
        l[i] = a->len;
    }
    if (!ok) {
        for (int i = 0; v && i < n; i++) free(v[i]);
        free(v);
        free(l);
        return NULL;
    }
    if (lens)
        *lens = l;
    else
        free(l);
    return v;
}

static void args_free(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

struct get_ctx {
    struct reply *r;
    long n;
};

static void get_one(const char *name, const char *value, void *arg)
{
    struct get_ctx *g = arg;
    reply_bulk_cstr(g->r, name);
    reply_bulk_cstr(g->r, value);
    g->n++;
}

/* CONFIG GET pattern [pattern ...]: a map (a flat array in RESP2), each
 * matching parameter once. */
void cmd_config_get(struct cmdctx *c)
{
    size_t *lens;
    int n = c->argc - 2;
    char **pats = args_cstr(c, 2, &lens);
    if (!pats) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    struct get_ctx g = {c->r, 0};
    struct rdefer d = reply_defer(c->r);
    config_get_multi(n, (const char *const *)pats, lens, get_one, &g);
    reply_defer_map(c->r, d, g.n);
    args_free(pats, n);
    free(lens);
}

static bool session_is_local(const struct session *s)
{
    const struct conn *k = s->conn;
    return k->kind == CONN_UNIX || strncmp(k->peer, "127.", 4) == 0 ||
           strncmp(k->peer, "::1:", 4) == 0;
}

/* CONFIG SET parameter value [parameter value ...] */
void cmd_config_set(struct cmdctx *c)
{
    if (c->argc & 1) {
        reply_errs(c->r, SERR_SYNTAX);
        return;
    }
    int npairs = (c->argc - 2) / 2;
    char **v = args_cstr(c, 2, NULL);
    const char **names = calloc((size_t)npairs, sizeof(*names));
    const char **values = calloc((size_t)npairs, sizeof(*values));
    if (!v || !names || !values) {
        if (v) args_free(v, c->argc - 2);
        free(names);
        free(values);
        reply_errs(c->r, SERR_OOM);
        return;
    }
    for (int i = 0; i < npairs; i++) {
        names[i] = v[2 * i];
        values[i] = v[2 * i + 1];
    }
    struct session *s = ctx_session(c);
    char err[1024];
    if (config_set_multi(npairs, names, values, session_is_local(s), err, sizeof(err)) == 0)
        reply_ok(c->r);
    else
        reply_errorf(c->r, "ERR %s", err);
    free(names);
    free(values);
    args_free(v, c->argc - 2);
}

/* CONFIG RESETSTAT: every worker zeroes its own counters when it sees the
 * new generation (its cron); INFO counts a worker that has not yet done so
 * as zero. This worker resets at once, so the RESETSTAT call itself is the
 * first thing counted, as in Redis. */
void cmd_config_resetstat(struct cmdctx *c)
{
    struct session *s = ctx_session(c);
    unsigned gen = atomic_fetch_add(&srv.resetstat_gen, 1) + 1;
    srv.stat_numconnections = 0;
    srv.stat_rejected_conn = 0;
    srv.stat_evicted_clients = 0;
    info_reset_samples();
    worker_reset_stats(s->w, gen);
    reply_ok(c->r);
}

void cmd_config_rewrite(struct cmdctx *c)
{
    char err[512];
    int rc = config_rewrite(false, err, sizeof(err));
    if (rc == -2)
        reply_errorf(c->r, "ERR %s", err);
    else if (rc != 0)
        reply_errorf(c->r, "ERR Rewriting config file: %s", err);
    else
        reply_ok(c->r);
}

void cmd_config_help(struct cmdctx *c)
{
    static const char *const help[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern> [<pattern> ...]",
        "    Parameters whose names match any glob <pattern>, with their values.",
        "SET <parameter> <value> [<parameter> <value> ...]",
        "    Change parameters; all are checked before any is changed.",
        "RESETSTAT",
        "    Zero the statistics INFO reports.",
        "REWRITE",
        "    Write the running parameters back to the configuration file.",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof(help) / sizeof(help[0]);
    reply_array(c->r, (long)n);
    for (size_t i = 0; i < n; i++) reply_simple(c->r, help[i]);
}
