/* cmd.h — what a command implementation receives, and the shared helpers
 * for parsing its arguments.
 *
 * Every command handler has the signature `void cmd_xxx(struct cmdctx *c)`.
 * When it runs, the dispatcher has checked arity and authentication and holds
 * the locks of the shards of every key the command table names for it.
 * Handlers reply through c->r exactly once per command (one RESP value).
 */
#ifndef SS_CMD_H
#define SS_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyspace.h"
#include "reply.h"

struct sarg {
    const char *p;
    size_t len;
};

/* Per-worker statistics a command may bump (summed for INFO). */
struct wstats {
    uint64_t keyspace_hits, keyspace_misses;
    uint64_t expired_keys, expired_stale_perc, expired_time_cap_reached_count;
    uint64_t evicted_keys;
    uint64_t dirty; /* changes since the last save */
} __attribute__((aligned(64)));

struct cmd;
struct blk_client;
struct wlog_buf;

struct cmdctx {
    int argc;
    struct sarg *argv;
    struct reply *r;
    struct keyspace *ks;
    int db;
    int64_t now_ms; /* the command's time: frozen while it runs */
    struct wstats *st;
    const struct cmd *cmd;
    void *client;       /* the app's session; opaque to the store */
    uint64_t dirty;     /* changes made by this command */
    long long max_bulk; /* proto-max-bulk-len (string size limit) */
    /* Blocking commands (store/blocking.h): set by a handler that found
     * nothing to pop and registered a waiter; the app then blocks the
     * client. no_block (MULTI, scripts) makes them answer at once instead. */
    struct blk_client *blocked;
    bool no_block;
    /* EXEC holds every shard lock (a queued command is keyspace-wide):
     * handlers that lock shards themselves must not (mutexes are not
     * recursive). Use the cmd_lock* helpers below, never ks_lock* directly. */
    bool locks_held;
    /* EXEC: error replies of the queued commands, counted for them; the
     * dispatcher does not count them again as EXEC's own failure. */
    uint32_t nested_errors;
    /* Shards of the command's key arguments, by argument index: a key's
     * slot (CRC16) is computed once per command, not at every step of the
     * write path. Only keys passed as &c->argv[i] use it (db_shard_idx);
     * keys a handler builds itself are always hashed. */
    struct {
        int argi; /* -1: empty */
        uint16_t shard;
    } memo[4];
    unsigned memo_next;
    /* The write log (store/wlog.h): the executing thread's buffer (NULL:
     * nothing is logged, e.g. while an AOF is loaded), whether the command
     * must be propagated even if it changed nothing (FLUSHALL on an empty
     * db), and the number its unit got (0: none). */
    struct wlog_buf *log;
    /* An AOF or a master's stream is being replayed: times are applied as
     * given (an expiry in the past sets the TTL instead of deleting, as
     * Redis's checkAlreadyExpired does while loading or on a replica). */
    bool replaying;
    bool force_effect;
    bool unit_owner, own_done; /* (wlog.c) this command opened the unit / logged itself */
    uint64_t seq;
};

/* An argument for an effect: a literal, or an integer formatted into buf
 * (at least 24 bytes). */
#define SARG_LIT(s) ((struct sarg){(s), sizeof(s) - 1})
struct sarg sarg_ll(char *buf, long long v);

/* Effects: what the write log records for a command (store/wlog.h). By
 * default a command that changed something is logged as its arguments;
 * these say otherwise, as Redis 7 propagates. The caller holds the locks
 * of the keys the effect names. */
/* Also log this command (Redis's alsoPropagate): into the command's unit,
 * before its own effect; a unit of its own when none is open (a
 * keyspace-wide command that expired a key). */
void cmd_effect(struct cmdctx *c, int db, int argc, const struct sarg *argv);
/* Log this instead of the command's arguments (rewriteClientCommandVector). */
void cmd_effect_replace(struct cmdctx *c, int argc, const struct sarg *argv);
/* Do not log the command's arguments (it logged its pieces itself). */
void cmd_effect_suppress(struct cmdctx *c);
/* Units for commands that take their shard locks themselves (EXEC,
 * keyspace-wide writers): begin right after locking, end right before
 * unlocking. end() adds the command's own effect and, if this command
 * opened the unit, commits it; returns the unit's number (0: nothing
 * logged, or the unit is EXEC's). Inside EXEC both join EXEC's unit.
 * exec_run does this for every command whose locks it takes and for the
 * commands EXEC runs; a second end() is a no-op. */
void cmd_unit_begin(struct cmdctx *c);
uint64_t cmd_unit_end(struct cmdctx *c);

/* Shard locking by handlers of keyspace-wide commands (the allshards flag):
 * no-ops when the caller already holds every shard (c->locks_held). */
static inline void cmd_lock(struct cmdctx *c, unsigned shard)
{
    if (!c->locks_held) ks_lock(c->ks, shard);
}
static inline void cmd_unlock(struct cmdctx *c, unsigned shard)
{
    if (!c->locks_held) ks_unlock(c->ks, shard);
}
static inline void cmd_lock_set(struct cmdctx *c, const uint16_t *ids, int n)
{
    if (!c->locks_held) ks_lock_set(c->ks, ids, n);
}
static inline void cmd_unlock_set(struct cmdctx *c, const uint16_t *ids, int n)
{
    if (!c->locks_held) ks_unlock_set(c->ks, ids, n);
}
static inline void cmd_lock_all(struct cmdctx *c)
{
    if (!c->locks_held) ks_lock_all(c->ks);
}
static inline void cmd_unlock_all(struct cmdctx *c)
{
    if (!c->locks_held) ks_unlock_all(c->ks);
}

/* Case-insensitive match of an argument against a keyword. */
bool arg_is(const struct sarg *a, const char *kw);
/* Strict integer parse (Redis string2ll rules). */
bool arg_ll(const struct sarg *a, long long *out);
/* Parse or reply "value is not an integer or out of range": false if replied. */
bool arg_ll_or_reply(struct cmdctx *c, const struct sarg *a, long long *out);
/* Parse a double (Redis rules: no NaN, "inf"/"-inf" allowed). */
bool arg_double(const struct sarg *a, long double *out);
/* Current Unix time in ms / us (cached clock refreshed per command). */
int64_t store_mstime(void);
int64_t store_ustime(void);

/* Redis string2ll / ll2string equivalents. */
bool str_to_ll(const char *s, size_t len, long long *out);
int ll_to_str(char *buf, size_t len, long long v);
bool str_to_ld(const char *s, size_t len, long double *out);
/* Redis's ld2string(LD_STR_HUMAN): "%.17Lf" without trailing zeros (and
 * "-0" as "0"). Returns the length, 0 if buf is too small. */
int str_from_ld_human(char *buf, size_t cap, long double v);
/* Glob matching (KEYS, SCAN MATCH, CONFIG GET), Redis's pattern syntax. */
bool str_match(const char *pat, size_t plen, const char *s, size_t slen, bool nocase);

#endif
