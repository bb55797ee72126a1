/* blocking.h — the store's half of blocking commands: who waits for which
 * key, and serving them when a key becomes ready.
 *
 * A client blocked by BLPOP/BRPOP/BLMPOP/BLMOVE/BRPOPLPUSH/BZPOPMIN/
 * BZPOPMAX/BZMPOP/XREAD/XREADGROUP is one `struct blk_client` (the waiter: what it waits for,
 * how to reply, where to deliver). It has one record per distinct key in the
 * waiter table of that key's shard (per db: key -> FIFO of records). The
 * store knows nothing of sessions: a waiter carries a client id, a worker id
 * and an opaque owner pointer that only the owning worker touches.
 *
 * Life of a waiter (state is the one atomic decision point):
 *
 *   WAITING --(a server pops for it)--------> SERVED     reply posted to the
 *           --(CLIENT UNBLOCK, other thread)-> UNBLOCKED  owner's mailbox
 *           --(owner: timeout, disconnect)---> CANCELLED  owner replies itself
 *
 * Whoever wins the compare-and-swap from WAITING acts; a reply in flight
 * (SERVED/UNBLOCKED) is always delivered through the mailbox, and the owner
 * frees the waiter only after that message (or after its own CANCELLED).
 * Records are unlinked only by the owner (blk_client_release(), which takes
 * each key's shard lock in turn), so a server, which reaches waiters only
 * through records under the shard lock, never sees a freed waiter; records of
 * served/cancelled waiters are skipped until their owner removes them.
 *
 * Ready keys: a write that creates a key somebody waits for (db_add, db_set,
 * db_move), adds an entry to a stream (XADD), or removes a stream (delete,
 * expiry, overwrite, flush; XGROUP DESTROY) calls blk_signal_locked(), which
 * appends the key to its shard's ready list. Before the executing thread releases its shard locks
 * it calls blk_serve_locked(): for every ready key, waiters are served in FIFO order while the key
 * has elements, with the locks of the push still held — so a blocked client receives the pushed
 * element before any other client can pop it (Redis's guarantee). Stream readers are not consumers
 * of the key: every XREAD waiter with an entry after its ID is served (a non-consuming wake-up),
 * XREADGROUP waiters in FIFO order while their group has undelivered entries (t_stream_read.c). A
 * BLMOVE/BRPOPLPUSH whose destination lives in a shard the thread does not hold stops the walk of
 * that key and is deferred: after the thread unlocks, blk_serve_deferred() locks source and
 * destination shards in ascending order, re-checks and serves. In that short window another client
 * may pop the element first; the waiter then stays blocked. Ready keys left by a path that did not
 * serve (SWAPDB, keyspace-wide commands) are counted in blk_pending and swept by any worker's loop.
 *
 * Locks: *_locked functions need the lock of the shard(s) they touch.
 */
#ifndef SS_BLOCKING_H
#define SS_BLOCKING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "stream.h"

enum blk_kind {
    BLK_POP,   /* BLPOP BRPOP: [key, value] */
    BLK_MPOP,  /* BLMPOP: [key, [values]] */
    BLK_MOVE,  /* BLMOVE BRPOPLPUSH: the moved value */
    BLK_ZPOP,  /* BZPOPMIN BZPOPMAX: [key, member, score] */
    BLK_ZMPOP, /* BZMPOP: [key, [[member, score] ...]] */
    BLK_XREAD, /* XREAD, XREADGROUP: [[key, [entries]]] (xr says what) */
};

enum blk_state { BLK_WAITING = 0, BLK_SERVED, BLK_UNBLOCKED, BLK_CANCELLED };

/* Where to pop/push: lists head (LEFT) or tail (RIGHT); zsets MIN or MAX. */
enum { BLK_HEAD = 0, BLK_TAIL = 1, BLK_MIN = 0, BLK_MAX = 1 };

struct blk_rec;

/* BLK_XREAD: per key (in bc->keys' order), the ID the client reads after;
 * for XREADGROUP the group and consumer (group.p NULL for XREAD). A group
 * waiter reads after its group's last ID when served, not after ids[]. */
struct blk_xread {
    struct sid *ids;
    struct sarg group, consumer;
    bool noack;
};

struct blk_client {
    _Atomic int state; /* enum blk_state */
    uint8_t kind;      /* enum blk_kind */
    uint8_t resp;      /* the client's protocol when it blocked */
    uint8_t where;     /* pop side */
    uint8_t whereto;   /* BLK_MOVE: push side */
    int db;
    long count;          /* BLK_MPOP / BLK_ZMPOP; BLK_MOVE: 1 for BRPOPLPUSH (its effect) */
    int64_t deadline_ms; /* absolute; 0 = forever */
    uint64_t client_id;  /* set by the app before the shard locks drop */
    unsigned worker;     /* whose mailbox receives the reply */
    void *owner;         /* the app's session; owning worker only */
    int nkeys;           /* distinct keys */
    struct sarg *keys;   /* copies, in the order given */
    struct blk_rec **recs;
    struct sarg dst;      /* BLK_MOVE destination (copy) */
    struct blk_xread *xr; /* BLK_XREAD (count: entries at most) */
};

/* Deliver a served reply: called with shard locks held, from any thread;
 * takes ownership of `bytes` (malloc'd). seq: the write-log unit of the
 * pop (0 when the log is off): the reply waits for it as a write's own
 * reply would. Registered once by the app. */
typedef void (*blk_deliver_fn)(struct blk_client *bc, char *bytes, size_t len, uint64_t seq);
void blk_set_deliver(blk_deliver_fn fn);

/* Ready keys not yet served (see above); workers sweep while non-zero. */
extern atomic_uint blk_pending;

/* A waiter for `keys` (duplicates are waited on once). NULL on allocation
 * failure. deadline_ms absolute, 0 = forever. */
struct blk_client *blk_client_new(int kind, int db, uint8_t resp, const struct sarg *keys,
                                  int nkeys, const struct sarg *dst, int64_t deadline_ms);
/* An XREAD / XREADGROUP waiter: ids[i] is the ID read after for keys[i]
 * (a key given twice keeps its first ID); group and consumer are NULL for
 * XREAD. The caller sets count and xr->noack. */
struct blk_client *blk_client_new_xread(int db, uint8_t resp, const struct sarg *keys,
                                        const struct sid *ids, int nkeys, const struct sarg *group,
                                        const struct sarg *consumer, int64_t deadline_ms);
/* Register the waiter on every key; the caller holds all their shards.
 * 0, or -ENOMEM with nothing registered. */
int blk_wait_locked(struct keyspace *ks, struct blk_client *bc);
/* Owner only, holding no shard lock: unlink every record (locking each
 * key's shard in turn) and free the waiter. */
void blk_client_release(struct keyspace *ks, struct blk_client *bc);
/* CAS from WAITING; true if this caller won. */
static inline bool blk_claim(struct blk_client *bc, int to)
{
    int exp = BLK_WAITING;
    return atomic_compare_exchange_strong(&bc->state, &exp, to);
}

/* A key of shard s, db, was created or replaced: mark it ready if waited
 * for. Cheap when nobody waits in the shard. */
void blk_signal_locked(struct keyspace *ks, struct shard *s, int db, const char *key, size_t len);
/* Mark every waited-for key of dbs a and b ready (SWAPDB: a key may have
 * appeared, or a stream a group waits on gone); the caller holds every
 * shard. */
void blk_signal_swapdb_locked(struct keyspace *ks, int a, int b);
/* Mark every waited-for key of db in shard s ready (a flush: streams that
 * group readers wait on are gone). */
void blk_signal_db_locked(struct keyspace *ks, struct shard *s, int db);
/* True if shard s has ready keys (check before blk_serve_locked). */
bool blk_has_ready(const struct shard *s);
/* Serve the ready keys of the held shards (sorted, unique ids). */
void blk_serve_locked(struct keyspace *ks, const uint16_t *held, int nheld, int64_t now_ms,
                      struct wstats *st, struct wlog_buf *log);
/* After unlocking: serve this thread's deferred cross-shard moves, then
 * sweep shards with orphaned ready keys. Takes locks itself. */
void blk_serve_deferred(struct keyspace *ks, struct wstats *st, struct wlog_buf *log);
/* Anything for blk_serve_deferred() to do on this thread? */
bool blk_deferred_pending(void);

/* Waiters registered in the whole keyspace (tests, DEBUG). */
uint64_t blk_waiting_records(struct keyspace *ks);

/* Type-specific serving (t_list.c, t_zset_block.c): pop for the waiter
 * from key (its value has the right type) and write its reply to c->r.
 * The caller holds the key's shard and, for BLK_MOVE, the destination's. */
void list_blk_serve(struct cmdctx *c, struct blk_client *bc, const struct sarg *key);
void zset_blk_serve(struct cmdctx *c, struct blk_client *bc, const struct sarg *key);
/* Streams (t_stream_read.c): whether the waiter's key ki can be served
 * now (v: the key's value, NULL when absent), then serving it. */
bool stream_blk_servable(const struct sobj *v, const struct blk_client *bc, int ki);
void stream_blk_serve(struct cmdctx *c, struct blk_client *bc, int ki, const struct sarg *key);

/* Parse a blocking timeout in seconds (a float, Redis's
 * getTimeoutFromObjectOrReply): absolute deadline in ms, 0 = forever.
 * Replies and returns false on error. */
bool blk_parse_timeout(struct cmdctx *c, const struct sarg *a, int64_t *deadline_ms);

#endif
