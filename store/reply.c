/* reply.c — RESP2/RESP3 reply encoding into a chunk chain (see reply.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "object.h"
#include "reply.h"

const char *const serr_text[SERR__COUNT] = {
#define X(name, text) text,
    SERR_LIST(X) SERR_STREAM_LIST(X)
#undef X
};

void reply_init(struct reply *r)
{
    memset(r, 0, sizeof(*r));
    r->resp = 2;
}

void reply_release(struct reply *r)
{
    struct rchunk *c = r->head;
    while (c) {
        struct rchunk *n = c->next;
        free(c);
        c = n;
    }
    r->head = r->tail = NULL;
    r->pending = 0;
    r->chunks_mem = 0;
    r->nchunks = 0;
}

static struct rchunk *chunk_new(struct reply *r, size_t cap)
{
    struct rchunk *c = malloc(sizeof(*c) + cap);
    if (!c) return NULL; /* the reply is lost; the session sees a short reply */
    c->next = NULL;
    c->len = c->sent = 0;
    c->cap = (uint32_t)cap;
    if (r->tail)
        r->tail->next = c;
    else
        r->head = c;
    r->tail = c;
    r->chunks_mem += cap;
    r->nchunks++;
    return c;
}

/* Slow path: the bytes do not fit in the tail chunk. */
static void reply_raw_slow(struct reply *r, const char *p, size_t len)
{
    struct rchunk *t = r->tail;
    if (t) {
        size_t room = t->cap - t->len;
        memcpy(t->data + t->len, p, room);
        t->len += (uint32_t)room;
        p += room;
        len -= room;
        r->pending += room;
    }
    while (len) {
        size_t cap = len > REPLY_CHUNK ? len : REPLY_CHUNK;
        if (cap > UINT32_MAX / 2) cap = UINT32_MAX / 2;
        if (r->over || (r->limit && r->chunks_mem + cap > r->limit)) {
            r->over = 1;
            return;
        }
        t = chunk_new(r, cap);
        if (!t) return;
        size_t n = len < cap ? len : cap;
        memcpy(t->data, p, n);
        t->len = (uint32_t)n;
        p += n;
        len -= n;
        r->pending += n;
    }
}

void reply_raw(struct reply *r, const void *p, size_t len)
{
    if (r->off) return;
    struct rchunk *t = r->tail;
    if (t && t->cap - t->len >= len) {
        memcpy(t->data + t->len, p, len);
        t->len += (uint32_t)len;
        r->pending += len;
        return;
    }
    reply_raw_slow(r, p, len);
}

/* "<prefix><n>\r\n" */
static void reply_hdr(struct reply *r, char prefix, long long n)
{
    char buf[32];
    buf[0] = prefix;
    int k = ll_to_str(buf + 1, sizeof(buf) - 3, n);
    buf[k + 1] = '\r';
    buf[k + 2] = '\n';
    reply_raw(r, buf, (size_t)k + 3);
}

void reply_simple(struct reply *r, const char *s)
{
    size_t n = strlen(s);
    char buf[256];
    if (n + 3 <= sizeof(buf)) {
        buf[0] = '+';
        memcpy(buf + 1, s, n);
        buf[n + 1] = '\r';
        buf[n + 2] = '\n';
        reply_raw(r, buf, n + 3);
        return;
    }
    reply_raw(r, "+", 1);
    reply_raw(r, s, n);
    reply_raw(r, "\r\n", 2);
}

void reply_ok(struct reply *r)
{
    reply_raw(r, "+OK\r\n", 5);
}

/* Errors: CR and LF in the text become spaces (a reply line must stay one
 * line), the code is remembered for INFO errorstats. */
void reply_error(struct reply *r, const char *msg)
{
    reply_error_len(r, msg, strlen(msg));
}

void reply_error_len(struct reply *r, const char *msg, size_t n)
{
    const char *sp = memchr(msg, ' ', n);
    size_t cl = sp ? (size_t)(sp - msg) : n;
    if (cl >= sizeof(r->last_err)) cl = sizeof(r->last_err) - 1;
    memcpy(r->last_err, msg, cl);
    r->last_err[cl] = '\0';
    r->nerrors++;
    if (r->off) return;
    reply_raw(r, "-", 1);
    if (memchr(msg, '\r', n) || memchr(msg, '\n', n)) {
        char *tmp = malloc(n);
        if (!tmp) return;
        for (size_t i = 0; i < n; i++) tmp[i] = (msg[i] == '\r' || msg[i] == '\n') ? ' ' : msg[i];
        reply_raw(r, tmp, n);
        free(tmp);
    } else {
        reply_raw(r, msg, n);
    }
    reply_raw(r, "\r\n", 2);
}

void reply_errs(struct reply *r, enum serr e)
{
    reply_error(r, serr_text[e]);
}

void reply_errorf(struct reply *r, const char *fmt, ...)
{
    char buf[1024];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    /* messages naming a long key are not cut (Redis's are not) */
    char *big = n >= (int)sizeof(buf) ? malloc((size_t)n + 1) : NULL;
    if (big) vsnprintf(big, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    reply_error(r, big ? big : buf);
    free(big);
}

void reply_int(struct reply *r, long long v)
{
    if (v == 0) return reply_raw(r, ":0\r\n", 4);
    if (v == 1) return reply_raw(r, ":1\r\n", 4);
    reply_hdr(r, ':', v);
}

void reply_bulk(struct reply *r, const void *p, size_t len)
{
    char buf[32];
    buf[0] = '$';
    int k = ll_to_str(buf + 1, sizeof(buf) - 3, (long long)len);
    buf[k + 1] = '\r';
    buf[k + 2] = '\n';
    struct rchunk *t = r->tail;
    size_t total = (size_t)k + 3 + len + 2;
    if (!r->off && t && t->cap - t->len >= total) {
        /* fast path: header, payload and CRLF in one go */
        char *d = t->data + t->len;
        memcpy(d, buf, (size_t)k + 3);
        memcpy(d + k + 3, p, len);
        d[k + 3 + len] = '\r';
        d[k + 4 + len] = '\n';
        t->len += (uint32_t)total;
        r->pending += total;
        return;
    }
    reply_raw(r, buf, (size_t)k + 3);
    reply_raw(r, p, len);
    reply_raw(r, "\r\n", 2);
}

void reply_bulk_cstr(struct reply *r, const char *s)
{
    reply_bulk(r, s, strlen(s));
}

void reply_bulk_ll(struct reply *r, long long v)
{
    char buf[24];
    int n = ll_to_str(buf, sizeof(buf), v);
    reply_bulk(r, buf, (size_t)n);
}

void reply_bulk_obj(struct reply *r, const struct sobj *o)
{
    char buf[24];
    size_t len;
    const char *p = obj_string_bytes(o, buf, &len);
    reply_bulk(r, p, len);
}

void reply_null(struct reply *r)
{
    if (r->resp >= 3)
        reply_raw(r, "_\r\n", 3);
    else
        reply_raw(r, "$-1\r\n", 5);
}

void reply_null_array(struct reply *r)
{
    if (r->resp >= 3)
        reply_raw(r, "_\r\n", 3);
    else
        reply_raw(r, "*-1\r\n", 5);
}

void reply_array(struct reply *r, long n)
{
    reply_hdr(r, '*', n);
}

void reply_map(struct reply *r, long n)
{
    if (r->resp >= 3)
        reply_hdr(r, '%', n);
    else
        reply_hdr(r, '*', 2 * n);
}

void reply_set(struct reply *r, long n)
{
    reply_hdr(r, r->resp >= 3 ? '~' : '*', n);
}

void reply_push(struct reply *r, long n)
{
    reply_hdr(r, r->resp >= 3 ? '>' : '*', n);
}

void reply_attribute(struct reply *r, long n)
{
    if (r->resp >= 3) reply_hdr(r, '|', n);
}

int reply_fmt_double(char *buf, size_t len, double d)
{
    if (isinf(d)) return snprintf(buf, len, "%s", d > 0 ? "inf" : "-inf");
    return snprintf(buf, len, "%.17g", d);
}

void reply_double(struct reply *r, double d)
{
    char buf[64];
    int n = reply_fmt_double(buf, sizeof(buf), d);
    if (r->resp >= 3) {
        reply_raw(r, ",", 1);
        reply_raw(r, buf, (size_t)n);
        reply_raw(r, "\r\n", 2);
    } else {
        reply_bulk(r, buf, (size_t)n);
    }
}

void reply_bool(struct reply *r, bool b)
{
    if (r->resp >= 3)
        reply_raw(r, b ? "#t\r\n" : "#f\r\n", 4);
    else
        reply_int(r, b);
}

void reply_bignum(struct reply *r, const char *digits, size_t len)
{
    if (r->resp >= 3) {
        reply_raw(r, "(", 1);
        reply_raw(r, digits, len);
        reply_raw(r, "\r\n", 2);
    } else {
        reply_bulk(r, digits, len);
    }
}

void reply_verbatim(struct reply *r, const char *p, size_t len, const char *fmt3)
{
    if (r->resp < 3) return reply_bulk(r, p, len);
    reply_hdr(r, '=', (long long)len + 4);
    reply_raw(r, fmt3, 3);
    reply_raw(r, ":", 1);
    reply_raw(r, p, len);
    reply_raw(r, "\r\n", 2);
}

/* A deferred header lives in its own small chunk, filled in later. */
static struct rdefer defer_room(struct reply *r, size_t room)
{
    struct rdefer d = {NULL, 0};
    if (r->off) return d;
    struct rchunk *c = chunk_new(r, room);
    if (!c) return d;
    /* zero room: following output goes to a fresh chunk after this one */
    c->cap = 0;
    r->chunks_mem -= room;
    d.c = c;
    d.at = (uint32_t)room;
    return d;
}

struct rdefer reply_defer(struct reply *r)
{
    return defer_room(r, 24);
}

struct rdefer reply_defer_bulk_slot(struct reply *r, size_t maxlen)
{
    return defer_room(r, maxlen + 32);
}

void reply_defer_bulk(struct reply *r, struct rdefer d, const void *p, size_t len)
{
    if (!d.c || len + 32 > d.at) return;
    char *o = d.c->data;
    o[0] = '$';
    int k = ll_to_str(o + 1, 24, (long long)len);
    o[k + 1] = '\r';
    o[k + 2] = '\n';
    memcpy(o + k + 3, p, len);
    o[k + 3 + len] = '\r';
    o[k + 4 + len] = '\n';
    d.c->len = (uint32_t)(k + 5 + len);
    d.c->cap = d.c->len;
    r->pending += d.c->len;
    r->chunks_mem += d.c->len;
}

static void reply_defer_fill(struct reply *r, struct rdefer d, char prefix, long n)
{
    if (!d.c) return;
    char buf[32];
    buf[0] = prefix;
    int k = ll_to_str(buf + 1, sizeof(buf) - 3, n);
    buf[k + 1] = '\r';
    buf[k + 2] = '\n';
    memcpy(d.c->data, buf, (size_t)k + 3);
    d.c->len = (uint32_t)k + 3;
    d.c->cap = d.c->len;
    r->pending += d.c->len;
    r->chunks_mem += d.c->len;
}

void reply_defer_array(struct reply *r, struct rdefer d, long n)
{
    reply_defer_fill(r, d, '*', n);
}

void reply_defer_map(struct reply *r, struct rdefer d, long n)
{
    if (r->resp >= 3)
        reply_defer_fill(r, d, '%', n);
    else
        reply_defer_fill(r, d, '*', 2 * n);
}

void reply_defer_set(struct reply *r, struct rdefer d, long n)
{
    reply_defer_fill(r, d, r->resp >= 3 ? '~' : '*', n);
}

int reply_iov(struct reply *r, struct iovec *iov, int max)
{
    int n = 0;
    for (struct rchunk *c = r->head; c && n < max; c = c->next) {
        if (c->len == c->sent) continue;
        iov[n].iov_base = c->data + c->sent;
        iov[n].iov_len = c->len - c->sent;
        n++;
    }
    return n;
}

void reply_consume(struct reply *r, size_t n)
{
    r->pending -= n;
    while (r->head) {
        struct rchunk *c = r->head;
        size_t avail = c->len - c->sent;
        if (n < avail) {
            c->sent += (uint32_t)n;
            return;
        }
        n -= avail;
        c->sent = c->len;
        /* a fully sent chunk is freed unless it is the tail with room left,
         * which is reset and reused */
        if (c == r->tail) {
            if (c->cap >= REPLY_CHUNK && c->cap <= 4 * REPLY_CHUNK) {
                c->len = c->sent = 0;
                return;
            }
            r->head = r->tail = NULL;
            r->chunks_mem -= c->cap;
            r->nchunks--;
            free(c);
            return;
        }
        r->head = c->next;
        r->chunks_mem -= c->cap;
        r->nchunks--;
        free(c);
    }
}
