/* cmdlookup.c — name lookup and key extraction over the generated table. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmdtable.h"

#define LOOKUP_SLOTS 1024 /* power of two, > 2x the number of commands */

/* The names commands are reached by: at first each top-level command's own
 * name; rename-command moves or removes one (Redis's server.commands dict).
 * A renamed command keeps its own name everywhere else (COMMAND INFO and
 * DOCS, errors, INFO commandstats), as in Redis. */
struct binding {
    char *name; /* lowercase */
    const struct cmd *cmd;
};

static const struct binding *slots[LOOKUP_SLOTS];
static struct binding *bindings;
static int nbindings;
static bool *bound; /* by command id: reachable under some name */
static const struct cmd **by_id;
static int ncmds;

static uint32_t name_hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static void index_bindings(void)
{
    memset(slots, 0, sizeof(slots));
    for (int i = 0; i < nbindings; i++) {
        const struct binding *b = &bindings[i];
        uint32_t h = name_hash(b->name, strlen(b->name)) & (LOOKUP_SLOTS - 1);
        while (slots[h]) h = (h + 1) & (LOOKUP_SLOTS - 1);
        slots[h] = b;
    }
}

int cmdtable_init(void)
{
    int id = 0;
    bindings = calloc((size_t)cmd_table_len, sizeof(*bindings));
    for (int i = 0; i < cmd_table_len; i++) {
        struct cmd *c = &cmd_table[i];
        c->id = id++;
        for (int j = 0; j < c->nsubs; j++) c->subs[j].id = id++;
        if (bindings) bindings[nbindings++] = (struct binding){strdup(c->name), c};
    }
    ncmds = id;
    by_id = calloc((size_t)id, sizeof(*by_id));
    bound = calloc((size_t)id, sizeof(*bound));
    for (int i = 0; i < cmd_table_len; i++) {
        struct cmd *c = &cmd_table[i];
        if (by_id) by_id[c->id] = c;
        if (bound) bound[c->id] = true;
        for (int j = 0; j < c->nsubs; j++)
            if (by_id) by_id[c->subs[j].id] = &c->subs[j];
    }
    index_bindings();
    return id;
}

static int binding_of(const char *name)
{
    for (int i = 0; i < nbindings; i++)
        if (!strcasecmp(bindings[i].name, name)) return i;
    return -1;
}

const char *cmdtable_rename(const char *from, const char *to)
{
    int i = binding_of(from);
    if (i < 0) return "No such command in rename-command";
    if (to[0] && binding_of(to) >= 0) return "Target command name already exists";
    if (strlen(to) >= 64) return "Target command name too long";
    const struct cmd *c = bindings[i].cmd;
    free(bindings[i].name);
    bindings[i] = bindings[--nbindings];
    if (to[0]) {
        char *low = strdup(to);
        if (!low) return "out of memory";
        for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
        bindings[nbindings++] = (struct binding){low, c};
    }
    bool still = false;
    for (int k = 0; k < nbindings; k++) still |= bindings[k].cmd == c;
    if (bound) bound[c->id] = still;
    index_bindings();
    return NULL;
}

bool cmd_is_bound(const struct cmd *c)
{
    return !bound || bound[c->id];
}

int cmdtable_bound_count(void)
{
    return nbindings;
}

int cmdtable_count(void)
{
    return ncmds;
}

const struct cmd *cmd_by_id(int id)
{
    return id >= 0 && id < ncmds && by_id ? by_id[id] : NULL;
}

const struct cmd *cmd_lookup(const char *name, size_t len)
{
    char low[64];
    if (len == 0 || len >= sizeof(low)) return NULL;
    for (size_t i = 0; i < len; i++) low[i] = (char)tolower((unsigned char)name[i]);
    uint32_t h = name_hash(low, len) & (LOOKUP_SLOTS - 1);
    while (slots[h]) {
        const struct binding *b = slots[h];
        if (strlen(b->name) == len && memcmp(b->name, low, len) == 0) return b->cmd;
        h = (h + 1) & (LOOKUP_SLOTS - 1);
    }
    return NULL;
}

const struct cmd *cmd_lookup_sub(const struct cmd *parent, const char *name, size_t len)
{
    for (int i = 0; i < parent->nsubs; i++) {
        const char *s = parent->subs[i].subname;
        if (strlen(s) == len && strncasecmp(s, name, len) == 0) return &parent->subs[i];
    }
    return NULL;
}

int cmd_get_keys(const struct cmd *cmd, int argc, const struct sarg *argv, int *out, int max)
{
    const struct keyspec *k = &cmd->keys;
    int n = 0;
    switch (k->kind) {
    case KS_NONE: return 0;
    case KS_RANGE: {
        int first = k->a1, last = k->a2, step = k->a3;
        if (first >= argc) return 0;
        if (last < 0) last = argc + last;
        if (last >= argc) last = argc - 1;
        for (int i = first; i <= last && n < max; i += step) out[n++] = i;
        return n;
    }
    case KS_KEYNUM: {
        int idx = k->a1;
        if (idx >= argc) return -1;
        long long num;
        if (!str_to_ll(argv[idx].p, argv[idx].len, &num) || num < 0) return -1;
        int first = idx + k->a2;
        if (first + (num - 1) * k->a3 >= argc) return -1;
        for (long long i = 0; i < num && n < max; i++) out[n++] = first + (int)(i * k->a3);
        return n;
    }
    case KS_CUSTOM: return k->fn(argc, argv, out, max);
    }
    return 0;
}
