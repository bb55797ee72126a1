/* stream.h — the stream value: entries in listpacks indexed by a radix
 * tree, consumer groups with their pending entries lists (Redis 7.0's
 * representation, so RDB and DUMP bytes are Redis's).
 *
 * Entries. The rax maps the 128-bit big-endian ID of a node's *master
 * entry* to a listpack (store/listpack.h) laid out as Redis 7.0 lays it:
 *
 *   master:  count deleted nfields field_1 .. field_N 0
 *   entry:   flags ms-delta seq-delta [nfields field_1 .. field_K]
 *            value_1 .. value_K lp-count
 *
 * count/deleted are the node's live and flagged-deleted entries; an entry's
 * ID is the master ID plus its deltas; flags SAMEFIELDS (the entry has the
 * master's fields, so only its values are stored) and DELETED (a
 * tombstone); lp-count is the number of listpack elements of the entry
 * before it (3 + K values, + 1 + K fields without SAMEFIELDS), so the
 * listpack can be walked backwards. The master entry takes the fields of
 * the node's first entry, which is not part of it.
 *
 * Worked example: XADD s 5-1 a 1 b 2 on an empty stream makes one node keyed
 * 00..05 00..01 holding [1 0 2 "a" "b" 0 | 2 0 0 1 2 5]: one live entry, none
 * deleted, two master fields a b, the terminator, then the entry: flags 2
 * (SAMEFIELDS), ms and seq deltas 0 0, values 1 2, lp-count 5.
 *
 * A node takes entries until it holds stream-node-max-entries (live plus
 * deleted) or its bytes plus the new entry's field and value bytes reach
 * stream-node-max-bytes (store_tun, tunables.h); then a new node starts. XDEL flags entries and
 * frees a node whose last live entry goes; trimming frees whole nodes from
 * the head, and (without `~`) flags entries of the first node left.
 *
 * Groups. cgroups maps a group name to its struct sgroup: the last
 * delivered ID, the entries-read counter, the group PEL (ID -> struct
 * snack) and the consumers (name -> struct sconsumer, each with its own PEL
 * pointing at the same NACKs).
 *
 * Everything here runs under the lock of the key's shard.
 */
#ifndef SS_STREAM_H
#define SS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "listpack.h"
#include "rax.h"

struct sid {
    uint64_t ms, seq;
};

#define SID_STRLEN 44 /* "<ms>-<seq>" and a NUL, with room */

enum {
    SF_NONE = 0,
    SF_DELETED = 1 << 0,    /* the entry is a tombstone */
    SF_SAMEFIELDS = 1 << 1, /* the entry has the master entry's fields */
};

struct stream {
    struct rax *rax; /* master ID (16 bytes BE) -> listpack */
    uint64_t length; /* live entries */
    struct sid last_id;
    struct sid first_id;    /* the first live entry, 0-0 when empty */
    struct sid max_deleted; /* the greatest ID ever XDELeted */
    uint64_t entries_added; /* entries ever added */
    struct rax *cgroups;    /* name -> struct sgroup; NULL until the first group */
};

struct sconsumer;

/* A pending entry: delivered, not yet acknowledged. */
struct snack {
    int64_t delivery_time; /* ms */
    uint64_t delivery_count;
    struct sconsumer *consumer; /* NULL only while an RDB is being loaded */
};

struct sconsumer {
    int64_t seen_time; /* ms */
    struct rax *pel;   /* ID -> struct snack (shared with the group's PEL) */
    uint32_t nlen;
    char name[];
};

#define SG_ENTRIES_READ_INVALID (-1LL)

struct sgroup {
    struct sid last_id;
    int64_t entries_read;  /* SG_ENTRIES_READ_INVALID when unknown */
    struct rax *pel;       /* ID -> struct snack */
    struct rax *consumers; /* name -> struct sconsumer */
};

/* ------------------------------------------------------------------------ */
/* IDs. */

static inline int sid_cmp(const struct sid *a, const struct sid *b)
{
    if (a->ms != b->ms) return a->ms > b->ms ? 1 : -1;
    if (a->seq != b->seq) return a->seq > b->seq ? 1 : -1;
    return 0;
}
static inline bool sid_zero(const struct sid *a)
{
    return !a->ms && !a->seq;
}
void sid_encode(unsigned char out[16], const struct sid *id);
void sid_decode(const unsigned char in[16], struct sid *id);
/* Successor / predecessor; false at the end of the ID space (the ID then
 * wraps to 0-0, resp. the maximum, as Redis's streamIncrID/DecrID do). */
bool sid_incr(struct sid *id);
bool sid_decr(struct sid *id);
/* "<ms>-<seq>" into buf (SID_STRLEN); returns the length. */
int sid_fmt(char *buf, const struct sid *id);

/* ------------------------------------------------------------------------ */
/* The stream. */

/* NULL on allocation failure. */
struct stream *stream_new(void);
void stream_free(struct stream *s);
struct stream *stream_dup(const struct stream *s);
/* Bytes the stream allocated: its tree, listpacks, groups, consumers,
 * PELs (MEMORY USAGE). */
size_t stream_mem_usage(const struct stream *s);

enum stream_add_err {
    SADD_OK = 0,
    SADD_ID_SMALL = -1,
    SADD_TOO_BIG = -2,
    SADD_OOM = -3,
    SADD_SEQ_EXHAUSTED = -4, /* ms-* after <ms>-18446744073709551615 */
};

/* The ID XADD adds (Redis's streamAppendItem): use_id NULL, the next one
 * after last_id at time now_ms; otherwise use_id, with its sequence chosen
 * when !seq_given. SADD_OK, SADD_ID_SMALL when it is not above last_id, or
 * SADD_SEQ_EXHAUSTED when ms-* finds that millisecond's sequence used up. */
int stream_next_id(const struct stream *s, const struct sid *use_id, bool seq_given, int64_t now_ms,
                   struct sid *out);
/* Field and value bytes an entry may have at most (SADD_TOO_BIG above). */
#define STREAM_ENTRY_MAX ((size_t)1 << 30)
/* Append an entry of nfields field/value pairs (fv[0..2*nfields)) with ID
 * id (from stream_next_id). SADD_OK, SADD_TOO_BIG or SADD_OOM. */
int stream_append(struct stream *s, const struct lp_item *fv, long nfields, const struct sid *id);

/* Iterating entries in [start, end] (NULL: unbounded), forward or back.
 * Tombstones are skipped unless skip_tombstones is cleared after start. */
struct stream_iter {
    struct stream *s;
    struct rax_iter ri;
    struct sid master_id;
    uint64_t master_fields;
    unsigned char *master_start, *master_ptr;
    unsigned char *lp, *ele, *flags_p;
    int entry_flags;
    int64_t fields_left; /* of the current entry, not yet read */
    bool rev, skip_tombstones;
    unsigned char start_key[16], end_key[16];
    char fbuf[LP_INTBUF], vbuf[LP_INTBUF];
};

void stream_iter_start(struct stream_iter *si, struct stream *s, const struct sid *start,
                       const struct sid *end, bool rev);
/* The next entry: its ID and number of fields; false at the end. */
bool stream_iter_next(struct stream_iter *si, struct sid *id, int64_t *nfields);
/* The next field and value of the current entry (call nfields times). */
void stream_iter_field(struct stream_iter *si, const char **f, size_t *flen, const char **v,
                       size_t *vlen);
/* Delete the current entry (after stream_iter_next); the iterator goes on
 * with the next entry. */
void stream_iter_delete(struct stream_iter *si, const struct sid *current);
void stream_iter_stop(struct stream_iter *si);

/* Delete one entry; true if it existed. */
bool stream_delete(struct stream *s, const struct sid *id);
bool stream_exists(struct stream *s, const struct sid *id);
/* The first (or last) entry's ID; with tombstones when !skip_tombstones.
 * An empty stream gives the maximum ID for first and 0-0 for last. */
void stream_edge_id(struct stream *s, bool first, bool skip_tombstones, struct sid *out);
/* The last live entry's ID (0-0 when empty). */
void stream_last_valid_id(struct stream *s, struct sid *out);

enum stream_trim_kind { STRIM_NONE, STRIM_MAXLEN, STRIM_MINID };
struct stream_trim {
    int kind;
    bool approx;
    long long limit; /* entries at most; 0: no limit */
    long long maxlen;
    struct sid minid;
};
/* Remove entries from the head; returns how many (Redis's streamTrim). */
int64_t stream_trim(struct stream *s, const struct stream_trim *t);
/* Would stream_trim() remove anything? (Its first step, without changing
 * anything: the write gate is passed only for a change.) */
bool stream_trim_would_delete(struct stream *s, const struct stream_trim *t);

/* Consumer-group counters (Redis 7.0's entries-read and lag). */
bool stream_range_has_tombstones(const struct stream *s, const struct sid *start,
                                 const struct sid *end);
/* The logical read counter of id, or SG_ENTRIES_READ_INVALID. */
long long stream_estimate_distance(const struct stream *s, const struct sid *id);
/* A group's lag, or false when it cannot be known (XINFO replies null). */
bool stream_group_lag(const struct stream *s, const struct sgroup *g, long long *lag);

/* Groups, consumers, NACKs. Creators return NULL when the name exists (or
 * on allocation failure, *oom set when oom is not NULL). */
struct sgroup *stream_group_find(const struct stream *s, const char *name, size_t len);
struct sgroup *stream_group_create(struct stream *s, const char *name, size_t len,
                                   const struct sid *id, long long entries_read, bool *oom);
void stream_group_free(struct sgroup *g);
struct sconsumer *stream_consumer_find(const struct sgroup *g, const char *name, size_t len);
struct sconsumer *stream_consumer_create(struct sgroup *g, const char *name, size_t len,
                                         int64_t now_ms, bool *oom);
/* Delete a consumer and its pending entries (from the group's PEL too). */
void stream_consumer_delete(struct sgroup *g, struct sconsumer *c);
struct snack *stream_nack_new(struct sconsumer *c, int64_t now_ms);

/* RDB loading: a listpack is a well-formed stream node (Redis's
 * streamValidateListpackIntegrity, always deep) with at least one entry. */
bool stream_lp_valid(const unsigned char *lp, size_t size);

#endif
