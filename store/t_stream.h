/* t_stream.h — what the stream command files share (t_stream.c: entries,
 * XINFO, the type; t_stream_cg.c: consumer groups; t_stream_read.c: XREAD,
 * XREADGROUP and their blocking): argument parsing with Redis's errors,
 * replying entries, the effects Redis propagates for group changes.
 */
#ifndef SS_T_STREAM_H
#define SS_T_STREAM_H

#include "cmd.h"
#include "db.h"
#include "stream.h"

static inline struct stream *STREAM(const struct sobj *o)
{
    return (struct stream *)o->v.ptr;
}

/* Redis's streamGenericParseIDOrReply: "<ms>-<seq>", "<ms>" (the sequence
 * is missing_seq), "-" and "+" unless strict, "<ms>-*" when seq_given is
 * not NULL (*seq_given then says whether the sequence was given). Replies
 * "Invalid stream ID ..." and returns false on error (quiet when reply is
 * false). */
bool stream_parse_id(struct cmdctx *c, const struct sarg *a, struct sid *id, uint64_t missing_seq,
                     bool strict, bool *seq_given, bool reply);
/* A range bound: "(" makes it exclusive (then strict); the caller moves an
 * exclusive bound by one. */
bool stream_parse_interval(struct cmdctx *c, const struct sarg *a, struct sid *id, bool *excl,
                           uint64_t missing_seq);
/* Parse a timeout in milliseconds (XREAD BLOCK): an absolute deadline, 0
 * for forever. Replies and returns false on error. */
bool stream_parse_block_ms(struct cmdctx *c, const struct sarg *a, int64_t *deadline);

void reply_sid(struct reply *r, const struct sid *id);
/* Error replies with a key or a group name in them, as Redis formats
 * them (%s: up to the first NUL byte). */
void stream_reply_nogroup_key(struct cmdctx *c, const struct sarg *key, const struct sarg *group,
                              const char *suffix);

/* The stream at key for a command that may change it: NULL when the key
 * is missing; false after replying WRONGTYPE. */
bool stream_lookup_w(struct cmdctx *c, const struct sarg *key, struct kentry **e);
/* The same with Redis's lookupKeyRead (keyspace hits and misses counted):
 * the group commands that write only group state. */
bool stream_lookup_r(struct cmdctx *c, const struct sarg *key, struct kentry **e);
/* Up to the first NUL byte (how Redis's %s prints a key in errors). */
int stream_cstr_len(const struct sarg *a);
/* ERR unknown subcommand or wrong number of arguments for '<argv[1]>'. */
void stream_reply_subcommand_syntax(struct cmdctx *c, const char *cmd);

/* Changes that Redis does not signal to WATCH (consumer-group state,
 * XSETID) pass db_begin_write_unsignaled(); entries pass db_begin_write().
 * Both once per command, right before the first change. */
struct stream_w {
    struct kentry *e;
    bool opened;
    long changes; /* dirty */
};
struct stream *stream_w_open(struct cmdctx *c, struct stream_w *w, bool signaled);
void stream_w_done(struct cmdctx *c, struct stream_w *w);

/* Flags of stream_reply_range (Redis's STREAM_RWR_*). */
enum { SRR_NOACK = 1, SRR_RAW = 2, SRR_HISTORY = 4 };

/* Reply the entries in [start, end] (end NULL: to the last), at most count
 * (0: all). With a group and consumer (XREADGROUP), the group's last ID and
 * entries-read advance, entries join the PELs (unless NOACK) and the
 * effects Redis propagates are logged (key, groupname); w is the write
 * handle the caller opened. Returns the number of entries. */
size_t stream_reply_range(struct cmdctx *c, struct stream *s, const struct sid *start,
                          const struct sid *end, size_t count, bool rev, struct sgroup *g,
                          struct sconsumer *consumer, int flags, const struct sarg *key,
                          const struct sarg *groupname);
/* One entry [id, [field, value ...]] at id if it exists; false if not. */
bool stream_reply_entry(struct cmdctx *c, struct stream *s, const struct sid *id);

/* Effects (Redis's streamPropagateXCLAIM, streamPropagateGroupID,
 * streamPropagateConsumerCreation). */
/* XCLAIM's effect names the ID as idarg when given (the argument as the
 * client spelled it, as Redis propagates it), else formatted from id. */
void stream_effect_xclaim(struct cmdctx *c, const struct sarg *key, const struct sgroup *g,
                          const struct sarg *groupname, const struct sid *id,
                          const struct sarg *idarg, const struct snack *nack);
void stream_effect_setid(struct cmdctx *c, const struct sarg *key, const struct sgroup *g,
                         const struct sarg *groupname);
void stream_effect_createconsumer(struct cmdctx *c, const struct sarg *key,
                                  const struct sarg *groupname, const struct sconsumer *cons);

#endif
