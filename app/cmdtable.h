/* cmdtable.h — the command table generated from commands.def.
 *
 * tools/gencmd.py writes cmdtable.c (in the build tree) from app/commands.def:
 * one entry per command with its arity, flags, key spec, handler and the
 * pre-serialized COMMAND INFO / COMMAND DOCS replies. Dispatch, key
 * extraction for shard locking, COMMAND and docs/commands.md all read it.
 */
#ifndef SS_CMDTABLE_H
#define SS_CMDTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"

enum {
    CMD_WRITE = 1u << 0,
    CMD_READONLY = 1u << 1,
    CMD_DENYOOM = 1u << 2,
    CMD_ADMIN = 1u << 3,
    CMD_PUBSUB = 1u << 4,
    CMD_NOSCRIPT = 1u << 5,
    CMD_BLOCKING = 1u << 6,
    CMD_LOADING = 1u << 7,
    CMD_STALE = 1u << 8,
    CMD_SKIP_MONITOR = 1u << 9,
    CMD_SKIP_SLOWLOG = 1u << 10,
    CMD_FAST = 1u << 11,
    CMD_NO_AUTH = 1u << 12,
    CMD_MAY_REPLICATE = 1u << 13,
    CMD_NO_MANDATORY_KEYS = 1u << 14,
    CMD_PROTECTED = 1u << 15,
    CMD_NO_MULTI = 1u << 16,
    CMD_ALLOW_BUSY = 1u << 17,
    CMD_CONTAINER = 1u << 18,
    /* ours: the handler locks shards itself (keyspace-wide commands) */
    CMD_ALLSHARDS = 1u << 19,
    CMD_NO_PROPAGATE = 1u << 20,
    CMD_SENTINEL = 1u << 21,
    CMD_ONLY_SENTINEL = 1u << 22,
    CMD_NO_ASYNC_LOADING = 1u << 23,
};

enum keyspec_kind { KS_NONE, KS_RANGE, KS_KEYNUM, KS_CUSTOM };

struct keyspec {
    uint8_t kind;
    int a1, a2, a3; /* range: first,last,step; keynum: idx,first-offset,step */
    /* custom: fill out[] with key argument indexes; returns count or -1 */
    int (*fn)(int argc, const struct sarg *argv, int *out, int max);
};

/* Per-command statistics (INFO commandstats), one copy per worker. */
struct cmdstat {
    uint64_t calls, usec, rejected, failed;
};

struct cmd {
    const char *name;    /* full name: "get", "config|get" */
    const char *subname; /* "get" for config|get */
    int arity;
    uint32_t flags;
    struct keyspec keys;
    void (*handler)(struct cmdctx *c);
    struct cmd *subs;
    int nsubs;
    const char *group;
    const char *info2, *info3; /* COMMAND INFO entry in RESP2 / RESP3 */
    const char *docs2, *docs3; /* COMMAND DOCS entry (value part) */
    const char *acl;           /* ACL categories: "@write @string @slow" */
    /* key specs' flags by the arguments each covers, for COMMAND
     * GETKEYSANDFLAGS: "1,1:RW access delete|2,2:OW update" ("" if no
     * keys; see tools/gencmd.py keyflags_of) */
    const char *keyflags;
    int id; /* index into per-worker cmdstat arrays */
};

extern struct cmd cmd_table[];
extern const int cmd_table_len;

/* Build the lookup index; call once at start. Returns the number of
 * commands including subcommands (the size of cmdstat arrays). */
int cmdtable_init(void);
int cmdtable_count(void);
/* rename-command: the command reached by `from` is reached by `to` instead
 * ("" removes it). NULL, or Redis's message. Before serving only. */
const char *cmdtable_rename(const char *from, const char *to);
/* Whether a top-level command is reachable under some name (COMMAND,
 * COMMAND COUNT/LIST/DOCS leave out commands renamed to ""). */
bool cmd_is_bound(const struct cmd *c);
/* Names commands are reachable by (COMMAND COUNT). */
int cmdtable_bound_count(void);
/* Lookup a top-level command by the name it is reached by
 * (case-insensitive, renames honoured). NULL if unknown. */
const struct cmd *cmd_lookup(const char *name, size_t len);
/* Lookup a subcommand of a container. */
const struct cmd *cmd_lookup_sub(const struct cmd *parent, const char *name, size_t len);
const struct cmd *cmd_by_id(int id);
/* Argument indexes of the keys of this call; returns the count (<= max),
 * or -1 if the arguments do not match the spec (e.g. bad numkeys). */
int cmd_get_keys(const struct cmd *cmd, int argc, const struct sarg *argv, int *out, int max);

#endif
