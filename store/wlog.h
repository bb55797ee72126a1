/* wlog.h — the ordered write log: every change to the keyspace, as the
 * effect Redis 7 would propagate, with a global sequence number.
 *
 * One mechanism, several readers: the AOF (control/aof.c), and later the
 * replicas and keyspace notifications, all read the same stream.
 *
 * Producers. Each thread that changes the keyspace (a worker, the control
 * thread) owns a `struct wlog_buf`. While a command runs, its effects are
 * collected in the buffer's scratch (cmd_effect*() in cmd.h; the write
 * path adds DELs for keys it expires); before the command releases its
 * shard locks, wlog_commit() takes the next sequence number and appends
 * the command's effects as one *unit*. A unit of more than one effect is a
 * transaction: its readers wrap it in MULTI/EXEC (a command that expired a
 * key lazily and then wrote, EXEC, later scripts), as Redis 7 does. Because
 * the number is taken under the locks of every key the unit touched, two
 * units that touch a common key are numbered in the order they ran; units
 * on disjoint keys commute, so any order of them is a correct history.
 *
 *     unit := seq, flags, n, then n times: db, len, RESP bytes of one command
 *
 * Sequence numbers are dense (every number taken is appended at once), so
 * the consumer merges the buffers exactly: the next unit is the one whose
 * number is one more than the last.
 *
 * Enabled. Effects are recorded only while some reader needs them
 * (wlog_set_enabled); otherwise a write costs one branch. The flag changes
 * only while every shard lock is held (wlog_cut), so a command holding any
 * shard lock sees one value from its start to its commit, and a reader that
 * starts at cut S gets exactly the units numbered after S.
 *
 * Consumer. The control thread (only it) calls wlog_next() to take units
 * in sequence order; the bytes of a unit stay valid until the next call.
 *
 * Memory: a buffer is a chain of chunks (a big unit gets a chunk of its own)
 * that grows while the consumer lags, and is freed as it is consumed.
 */
#ifndef SS_WLOG_H
#define SS_WLOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"

#define WLOG_MAX_BUFS 130 /* workers + the control thread */

enum wlog_unit_flags {
    WLOG_NO_WRAP = 1u << 0, /* several effects, but not a transaction (SCAN's expiries) */
};

struct wlog_chunk;
struct keyspace;

/* One effect under construction: where it starts in the scratch. */
struct wlog_fx {
    int db;
    uint32_t off, len;
};

struct wlog_buf {
    /* producer (the owning thread) */
    struct wlog_chunk *tail;
    char *scratch; /* this command's effects, back to back */
    size_t scratch_len, scratch_cap;
    struct wlog_fx *fx;
    uint32_t nfx, fx_cap;
    /* the command's own effect (cmd_effect_replace / _suppress), kept apart
     * because it is appended after what the command added while it ran */
    bool open;     /* a unit is being built (cmd_unit_begin) */
    int own_state; /* 0: its argv, 1: replaced (own_fx), 2: suppressed */
    struct wlog_fx own_fx;
    uint32_t unit_flags;
    /* consumer (the control thread) */
    struct wlog_chunk *head;
    uint32_t head_off;
    struct wlog_chunk *freed; /* consumed chunks, freed by the next take */
    uint64_t next_seq;        /* seq of the unit at head (0: not read yet) */
};

/* A unit as the consumer sees it. */
struct wlog_unit {
    uint64_t seq;
    uint32_t flags;
    uint32_t n;
    const char *p; /* n x {int32 db, uint32 len, bytes} */
};

/* Iterate the effects of a unit. */
struct wlog_fx_view {
    int db;
    const char *resp;
    uint32_t len;
};
bool wlog_unit_fx(const struct wlog_unit *u, uint32_t i, const char **cursor,
                  struct wlog_fx_view *out);

/* The log: one per process. */
struct wlog {
    _Atomic uint64_t seq;        /* last number taken */
    atomic_int enabled;          /* a reader needs effects */
    uint64_t consumed_seq;       /* last unit wlog_next() returned (the consumer's) */
    _Atomic uint64_t resume_seq; /* a cut's number: units at or below it are skipped */
    struct wlog_buf *bufs[WLOG_MAX_BUFS];
    atomic_uint nbufs;
};

extern struct wlog wlog;

/* Called (when set) after every unit is numbered and published, on the
 * committing thread with its shard locks held: a reader that must react at
 * once (the AOF with appendfsync always) wakes itself here. */
extern void (*volatile wlog_commit_hook)(void);

/* Register a thread's buffer (start-up). */
void wlog_buf_init(struct wlog_buf *b);
void wlog_register(struct wlog_buf *b);
void wlog_buf_free(struct wlog_buf *b);

static inline bool wlog_on(void)
{
    return atomic_load_explicit(&wlog.enabled, memory_order_relaxed) != 0;
}

/* Producer side (the owning thread, shard locks held). A unit is built
 * between wlog_begin() and wlog_commit(); each command in it (one, or the
 * queue of an EXEC) ends with wlog_own(). */
void wlog_begin(struct wlog_buf *b);
/* Append an effect to the unit being built. */
void wlog_fx(struct wlog_buf *b, int db, int argc, const struct sarg *argv);
/* The command's own effect is this instead of its argv (Redis's
 * rewriteClientCommandVector); the last call wins. */
void wlog_fx_replace(struct wlog_buf *b, int db, int argc, const struct sarg *argv);
/* The command's own argv is not an effect (it added its effects itself,
 * or it is EXEC, whose queue carries them). */
void wlog_fx_suppress(struct wlog_buf *b);
/* A command ended: its own effect (argv, or the replacement) joins the
 * unit when it changed something or forced propagation (`wrote`), unless
 * suppressed. A replacement made by a command that then changed nothing
 * (it failed after) is dropped. */
void wlog_own(struct wlog_buf *b, int db, int argc, const struct sarg *argv, bool wrote);
/* Take a sequence number and append the unit. Returns its number, or 0 for
 * a unit without effects (nothing appended, no number taken). */
uint64_t wlog_commit(struct wlog_buf *b);
/* A unit of one effect, built and committed at once (active expiry). */
uint64_t wlog_append1(struct wlog_buf *b, int db, int argc, const struct sarg *argv);

/* Consumer side: one consumer thread at a time (the AOF thread, or whoever
 * holds the log when no AOF thread runs). The next unit in order, or false
 * when it has not been appended yet (or nothing is pending). A unit handed
 * out stays readable until the consumer's next call. */
bool wlog_next(struct wlog_unit *u);
/* With no consumer running (after the AOF thread is joined): skip every
 * unit a cut left behind and free the chunks they filled. */
void wlog_release(void);

/* A cut: with every shard lock held, run fn (set enabled, open a snapshot
 * epoch...) and return the last sequence number taken before it. Every
 * unit numbered at or below it is complete; every later unit ran after fn. */
uint64_t wlog_cut(struct keyspace *ks, void (*fn)(void *arg, uint64_t seq), void *arg);
/* Turn recording on or off (from a cut's fn). Consumption resumes after the
 * cut's number: the consumer skips the units at or below it itself, so a cut
 * made while the AOF thread runs touches no chunk the thread reads. */
void wlog_set_enabled_locked(bool on, uint64_t cut_seq);

#endif
