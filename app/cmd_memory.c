/* cmd_memory.c — MEMORY USAGE, MEMORY PURGE, MEMORY HELP.
 *
 * MEMORY USAGE key [SAMPLES count] answers the value's heap bytes
 * (obj_mem_usage, exact: SAMPLES is parsed as Redis does but nothing needs
 * sampling) plus the entry that holds the key, or nil for a missing key.
 * Redis's SAMPLES rules: a missing count or any other option is a syntax
 * error, a negative count too; 0 means "all". */
#include <stdio.h>

#ifdef SS_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

#include "cmd.h"
#include "db.h"

void cmd_memory_usage(struct cmdctx *c);
void cmd_memory_purge(struct cmdctx *c);
void cmd_memory_help(struct cmdctx *c);

void cmd_memory_usage(struct cmdctx *c)
{
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "SAMPLES") && j + 1 < c->argc) {
            long long samples;
            if (!arg_ll_or_reply(c, &c->argv[j + 1], &samples)) return;
            if (samples < 0) {
                reply_errs(c->r, SERR_SYNTAX);
                return;
            }
            j++;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    /* Redis looks up without touching the value or the hit/miss counters */
    struct kentry *e = db_lookup_quiet(c, c->db, &c->argv[2]);
    if (!e) {
        reply_null(c->r);
        return;
    }
    size_t usage = obj_mem_usage(e->val) + sizeof(*e) + e->klen;
    reply_int(c->r, (long long)usage);
}

/* Ask jemalloc to return dirty pages of every arena to the system. */
void cmd_memory_purge(struct cmdctx *c)
{
#ifdef SS_HAVE_JEMALLOC
    char name[64];
    snprintf(name, sizeof(name), "arena.%u.purge", (unsigned)MALLCTL_ARENAS_ALL);
    mallctl(name, NULL, NULL, NULL, 0);
#else
    malloc_trim(0); /* sanitizer and libc builds */
#endif
    reply_ok(c->r);
}

void cmd_memory_help(struct cmdctx *c)
{
    static const char *const help[] = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "PURGE",
        "    Hand the allocator's unused dirty pages back to the system.",
        "USAGE <key> [SAMPLES <count>]",
        "    Approximate bytes taken by <key> and its value; big collections are",
        "    estimated from <count> sampled elements (5 by default, 0 for all).",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof(help) / sizeof(help[0]);
    reply_array(c->r, (long)n);
    for (size_t i = 0; i < n; i++) reply_simple(c->r, help[i]);
}
