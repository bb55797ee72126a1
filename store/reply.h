/* reply.h — building RESP2/RESP3 replies into a client's output buffer.
 *
 * A reply buffer is a chain of chunks. Small replies are appended to the tail
 * chunk; a large bulk gets a chunk of its own, sized exactly, so a 64 MiB
 * value is copied once. The transport sends from the chunks with writev-like
 * calls and releases what it sent with reply_consume().
 *
 * The same calls emit RESP2 or RESP3 according to r->resp: maps become flat
 * arrays, doubles bulk strings, nulls $-1 or *-1, booleans integers, in RESP2,
 * as Redis 7.0 does.
 *
 * Deferred lengths (for replies whose element count is known only at the end):
 *     struct rdefer d = reply_defer(r);   ... emit n items ...
 *     reply_defer_array(r, d, n);
 */
#ifndef SS_REPLY_H
#define SS_REPLY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "errors.h"

#define REPLY_CHUNK 16384

struct rchunk {
    struct rchunk *next;
    uint32_t len;  /* bytes written */
    uint32_t sent; /* bytes already handed to the transport */
    uint32_t cap;
    char data[];
};

struct reply {
    struct rchunk *head, *tail;
    size_t pending;    /* bytes not yet consumed */
    size_t chunks_mem; /* allocated chunk bytes (omem, obuf limits) */
    uint32_t nchunks;  /* chunks in the chain (CLIENT LIST oll) */
    uint8_t resp;      /* 2 or 3 */
    uint8_t off;       /* CLIENT REPLY OFF / SKIP: discard output */
    uint8_t over;      /* a chunk would have passed `limit`: output dropped */
    size_t limit;      /* most chunk bytes this buffer may hold; 0 = no bound */
    uint32_t nerrors;  /* errors emitted (the dispatcher reads and resets) */
    char last_err[32]; /* code of the last error ("ERR", "WRONGTYPE") */
};

struct rdefer {
    struct rchunk *c;
    uint32_t at; /* the room reserved */
};

void reply_init(struct reply *r);
void reply_release(struct reply *r);

void reply_raw(struct reply *r, const void *p, size_t len);
void reply_simple(struct reply *r, const char *s); /* +s */
void reply_ok(struct reply *r);
void reply_errs(struct reply *r, enum serr e);      /* fixed text */
void reply_error(struct reply *r, const char *msg); /* "CODE text" */
/* The same, binary safe (the text may hold NUL bytes). */
void reply_error_len(struct reply *r, const char *msg, size_t len);
void reply_errorf(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_int(struct reply *r, long long v);
void reply_bulk(struct reply *r, const void *p, size_t len);
void reply_bulk_cstr(struct reply *r, const char *s);
void reply_bulk_ll(struct reply *r, long long v);
void reply_null(struct reply *r);       /* $-1 / _ */
void reply_null_array(struct reply *r); /* *-1 / _ */
void reply_array(struct reply *r, long n);
void reply_map(struct reply *r, long n); /* n pairs */
void reply_set(struct reply *r, long n);
void reply_push(struct reply *r, long n);
void reply_double(struct reply *r, double d);
void reply_bool(struct reply *r, bool b);
void reply_bignum(struct reply *r, const char *digits, size_t len);
void reply_verbatim(struct reply *r, const char *p, size_t len, const char *fmt3);
void reply_attribute(struct reply *r, long n);
/* The whole object (string objects only) as a bulk. */
struct sobj;
void reply_bulk_obj(struct reply *r, const struct sobj *o);

struct rdefer reply_defer(struct reply *r);
void reply_defer_array(struct reply *r, struct rdefer d, long n);
void reply_defer_map(struct reply *r, struct rdefer d, long n);
void reply_defer_set(struct reply *r, struct rdefer d, long n);
/* A deferred bulk string of at most maxlen bytes (XAUTOCLAIM's cursor). */
struct rdefer reply_defer_bulk_slot(struct reply *r, size_t maxlen);
void reply_defer_bulk(struct reply *r, struct rdefer d, const void *p, size_t len);

/* The output-buffer bound: once a new chunk would take chunks_mem past
 * `limit`, nothing more is stored and `over` is set for good, so a reply
 * that can never be delivered (a client past its hard limit, an
 * unauthenticated client not reading) stops costing memory mid-command;
 * the owner closes the client when it sees `over`. */
static inline void reply_set_limit(struct reply *r, size_t limit)
{
    r->limit = limit;
}

/* Fill iov with up to max segments of unsent data; returns the count. */
int reply_iov(struct reply *r, struct iovec *iov, int max);
/* n bytes were sent: advance and free fully sent chunks. */
void reply_consume(struct reply *r, size_t n);

/* Format a double as Redis does for replies (%.17g, inf/-inf). */
int reply_fmt_double(char *buf, size_t len, double d);

#endif
