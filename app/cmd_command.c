/* cmd_command.c — COMMAND and its subcommands (Redis 7.0 semantics).
 *
 * The COMMAND INFO and COMMAND DOCS entry of every command is serialized at
 * build time (tools/gencmd.py, from commands.def and Redis's recorded
 * metadata) in RESP2 and RESP3; these handlers only pick entries and append
 * their bytes. Key extraction for GETKEYS is the one the dispatcher locks
 * shards with (cmd_get_keys), so what COMMAND GETKEYS says is what runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmdtable.h"
#include "session.h"

void cmd_command(struct cmdctx *c);
void cmd_command_count(struct cmdctx *c);
void cmd_command_info(struct cmdctx *c);
void cmd_command_docs(struct cmdctx *c);
void cmd_command_getkeys(struct cmdctx *c);
void cmd_command_getkeysandflags(struct cmdctx *c);
void cmd_command_list(struct cmdctx *c);
void cmd_command_help(struct cmdctx *c);

static const char *info_of(const struct cmdctx *c, const struct cmd *cmd)
{
    return c->r->resp >= 3 ? cmd->info3 : cmd->info2;
}

static const char *docs_of(const struct cmdctx *c, const struct cmd *cmd)
{
    return c->r->resp >= 3 ? cmd->docs3 : cmd->docs2;
}

/* "get", "CONFIG|get": a top-level command or parent|sub (lookupCommandBySds:
 * one level of nesting only). */
static const struct cmd *lookup_fullname(const char *p, size_t len)
{
    const char *bar = memchr(p, '|', len);
    if (!bar) return cmd_lookup(p, len);
    const struct cmd *parent = cmd_lookup(p, (size_t)(bar - p));
    const char *sub = bar + 1;
    size_t sublen = len - (size_t)(sub - p);
    if (!parent || !parent->nsubs || memchr(sub, '|', sublen)) return NULL;
    return cmd_lookup_sub(parent, sub, sublen);
}

/* Every command reachable by a name: one renamed to "" is left out, as
 * Redis iterates its command dict (a renamed one shows its own name). */
static void reply_all_info(struct cmdctx *c)
{
    reply_array(c->r, cmdtable_bound_count());
    for (int i = 0; i < cmd_table_len; i++) {
        if (!cmd_is_bound(&cmd_table[i])) continue;
        const char *e = info_of(c, &cmd_table[i]);
        reply_raw(c->r, e, strlen(e));
    }
}

void cmd_command(struct cmdctx *c)
{
    reply_all_info(c);
}

/* Top-level names only, as Redis counts dictSize(server.commands). */
void cmd_command_count(struct cmdctx *c)
{
    reply_int(c->r, cmdtable_bound_count());
}

void cmd_command_info(struct cmdctx *c)
{
    if (c->argc == 2) {
        reply_all_info(c);
        return;
    }
    reply_array(c->r, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        const struct cmd *cmd = lookup_fullname(c->argv[i].p, c->argv[i].len);
        if (!cmd) {
            reply_null(c->r);
            continue;
        }
        const char *e = info_of(c, cmd);
        reply_raw(c->r, e, strlen(e));
    }
}

static void reply_docs_entry(struct cmdctx *c, const struct cmd *cmd)
{
    reply_bulk_cstr(c->r, cmd->name);
    const char *d = docs_of(c, cmd);
    reply_raw(c->r, d, strlen(d));
}

/* A map of name -> docs; unknown names are left out. */
void cmd_command_docs(struct cmdctx *c)
{
    if (c->argc == 2) {
        reply_map(c->r, cmdtable_bound_count());
        for (int i = 0; i < cmd_table_len; i++)
            if (cmd_is_bound(&cmd_table[i])) reply_docs_entry(c, &cmd_table[i]);
        return;
    }
    struct rdefer d = reply_defer(c->r);
    long n = 0;
    for (int i = 2; i < c->argc; i++) {
        const struct cmd *cmd = lookup_fullname(c->argv[i].p, c->argv[i].len);
        if (!cmd) continue;
        reply_docs_entry(c, cmd);
        n++;
    }
    reply_defer_map(c->r, d, n);
}

/* The flags of the key at argument `pos`, from cmd->keyflags ("1,1:RW
 * access delete|2,2:OW update", "1,1:RO access|*:RO access|*:OW update";
 * see tools/gencmd.py): the last numbered spec covering the key, else the
 * last '*' spec (SORT's STORE key), else the first spec. */
static void key_flags_of(const struct cmd *cmd, int pos, char *buf, size_t len)
{
    const char *numbered = NULL, *star = NULL, *first = NULL;
    for (const char *p = cmd->keyflags; p && *p;) {
        if (!first) first = p;
        if (*p == '*') {
            star = p;
        } else {
            char *end;
            long lo = strtol(p, &end, 10);
            long hi = *end == ',' ? strtol(end + 1, NULL, 10) : -1;
            if (lo <= pos && (hi < 0 || pos <= hi)) numbered = p;
        }
        p += strcspn(p, "|");
        if (*p == '|') p++;
    }
    const char *spec = numbered ? numbered : star ? star : first;
    buf[0] = '\0';
    if (!spec) return;
    const char *f = strchr(spec, ':');
    if (!f) return;
    f++;
    snprintf(buf, len, "%.*s", (int)strcspn(f, "|"), f);
}

/* SET's one key: "RW access update" with GET, "OW update" without (Redis's
 * setGetKeys resolves the spec's variable_flags so). */
static bool set_has_get(int argc, const struct sarg *argv)
{
    for (int i = 3; i < argc; i++)
        if (arg_is(&argv[i], "get")) return true;
    return false;
}

static void reply_key_flags(struct reply *r, const struct cmd *cmd, int argc,
                            const struct sarg *argv, int pos)
{
    char buf[256];
    if (!strcmp(cmd->name, "set"))
        snprintf(buf, sizeof(buf), "%s",
                 set_has_get(argc, argv) ? "RW access update" : "OW update");
    else
        key_flags_of(cmd, pos, buf, sizeof(buf));
    char *tok[16], *save;
    int n = 0;
    for (char *t = strtok_r(buf, " ", &save); t && n < 16; t = strtok_r(NULL, " ", &save))
        tok[n++] = t;
    reply_set(r, n);
    for (int i = 0; i < n; i++) reply_simple(r, tok[i]);
}

/* getKeysSubcommandImpl: the command is resolved as the dispatcher would
 * (a subcommand when the command has them), then checked for keys and
 * arity before its keys are extracted. */
static void getkeys(struct cmdctx *c, bool with_flags)
{
    int argc = c->argc - 2;
    const struct sarg *argv = c->argv + 2;
    const struct cmd *cmd = cmd_lookup(argv[0].p, argv[0].len);
    if (cmd && cmd->nsubs && argc >= 2) cmd = cmd_lookup_sub(cmd, argv[1].p, argv[1].len);
    if (!cmd) {
        reply_errs(c->r, SERR_CMD_INVALID);
        return;
    }
    if (cmd->keys.kind == KS_NONE) {
        reply_errs(c->r, SERR_CMD_NOKEYS);
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        reply_errs(c->r, SERR_CMD_NARGS);
        return;
    }
    int small[16], *out = small;
    if (argc > 16 && !(out = malloc(sizeof(*out) * (size_t)argc))) {
        reply_errs(c->r, SERR_OOM);
        return;
    }
    int n = cmd_get_keys(cmd, argc, argv, out, argc);
    if (n <= 0) {
        if (cmd->flags & CMD_NO_MANDATORY_KEYS)
            reply_array(c->r, 0);
        else
            reply_errs(c->r, SERR_CMD_BADARGS);
    } else {
        reply_array(c->r, n);
        for (int i = 0; i < n; i++) {
            if (with_flags) reply_array(c->r, 2);
            reply_bulk(c->r, argv[out[i]].p, argv[out[i]].len);
            if (with_flags) reply_key_flags(c->r, cmd, argc, argv, out[i]);
        }
    }
    if (out != small) free(out);
}

void cmd_command_getkeys(struct cmdctx *c)
{
    getkeys(c, false);
}

void cmd_command_getkeysandflags(struct cmdctx *c)
{
    getkeys(c, true);
}

enum list_filter { LF_NONE, LF_MODULE, LF_ACLCAT, LF_PATTERN };

/* Is `cat` ("string", any case) one of the command's ACL categories? */
static bool in_aclcat(const struct cmd *cmd, const struct sarg *cat)
{
    for (const char *p = cmd->acl; p && *p;) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " ");
        if (w > 1 && p[0] == '@' && w - 1 == cat->len && !strncasecmp(p + 1, cat->p, cat->len))
            return true;
        p += w;
    }
    return false;
}

static bool list_keep(const struct cmd *cmd, enum list_filter f, const struct sarg *arg)
{
    switch (f) {
    case LF_NONE: return true;
    case LF_MODULE: return false; /* no modules */
    case LF_ACLCAT: return in_aclcat(cmd, arg);
    case LF_PATTERN: return str_match(arg->p, arg->len, cmd->name, strlen(cmd->name), true);
    }
    return false;
}

/* COMMAND LIST [FILTERBY MODULE m|ACLCAT c|PATTERN p]: full names,
 * subcommands included ("config|get"). */
void cmd_command_list(struct cmdctx *c)
{
    enum list_filter f = LF_NONE;
    const struct sarg *arg = NULL;
    for (int i = 2; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        if (arg_is(&c->argv[i], "filterby") && more == 2) {
            const struct sarg *t = &c->argv[i + 1];
            if (arg_is(t, "module"))
                f = LF_MODULE;
            else if (arg_is(t, "aclcat"))
                f = LF_ACLCAT;
            else if (arg_is(t, "pattern"))
                f = LF_PATTERN;
            else {
                reply_errs(c->r, SERR_SYNTAX);
                return;
            }
            arg = &c->argv[i + 2];
            i += 2;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    struct rdefer d = reply_defer(c->r);
    long n = 0;
    for (int i = 0; i < cmd_table_len; i++) {
        const struct cmd *top = &cmd_table[i];
        if (!cmd_is_bound(top)) continue;
        if (list_keep(top, f, arg)) {
            reply_bulk_cstr(c->r, top->name);
            n++;
        }
        for (int j = 0; j < top->nsubs; j++) {
            if (!list_keep(&top->subs[j], f, arg)) continue;
            reply_bulk_cstr(c->r, top->subs[j].name);
            n++;
        }
    }
    reply_defer_array(c->r, d, n);
}

void cmd_command_help(struct cmdctx *c)
{
    static const char *const help[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Details of every command.",
        "COUNT",
        "    Number of commands.",
        "LIST [FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <pattern>)]",
        "    Command names, optionally filtered.",
        "INFO [<command-name> ...]",
        "    Details of the named commands (of every command when none is named).",
        "DOCS [<command-name> ...]",
        "    Documentation of the named commands (of every command when none is named).",
        "GETKEYS <full-command>",
        "    The key arguments of a complete command line.",
        "GETKEYSANDFLAGS <full-command>",
        "    The key arguments of a complete command line, with their access flags.",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof(help) / sizeof(help[0]);
    reply_array(c->r, (long)n);
    for (size_t i = 0; i < n; i++) reply_simple(c->r, help[i]);
}
