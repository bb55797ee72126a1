/* wlog.c — the ordered write log (see wlog.h).
 *
 * A buffer's chunk holds whole units back to back:
 *
 *     struct unit_hdr { seq, flags, n, bytes }   then `bytes` of effects,
 *     each effect { int32 db, uint32 len, len bytes of RESP }
 *
 * The producer writes a unit past `committed`, then publishes it by
 * advancing `committed` (release); when a unit does not fit it links a new
 * chunk through `next` after its last commit. The consumer reads up to
 * `committed` (acquire), and follows `next` only once the chunk is read to
 * its end. */
#include "wlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyspace.h"

#define WLOG_CHUNK (256 * 1024)

struct wlog_chunk {
    _Atomic(struct wlog_chunk *) next;
    _Atomic uint32_t committed;
    uint32_t cap;
    char data[];
};

struct unit_hdr {
    uint64_t seq;
    uint32_t flags, n;
    uint32_t bytes;
    uint32_t pad;
};

/* A unit's room in its chunk, rounded so that every unit, and so every
 * header the consumer reads in place, starts 8-byte aligned (chunk data
 * is: it follows a pointer and two uint32_t in a malloc'd block). */
static inline uint32_t unit_size(size_t bytes)
{
    return (uint32_t)((sizeof(struct unit_hdr) + bytes + 7) & ~(size_t)7);
}

struct wlog wlog;
void (*volatile wlog_commit_hook)(void);

static struct wlog_chunk *chunk_new(size_t need)
{
    size_t cap = need > WLOG_CHUNK ? need : WLOG_CHUNK;
    struct wlog_chunk *c;
    /* the log must not lose a unit: wait for memory rather than drop one
     * (the alternative is a replica or an AOF that silently diverges) */
    while ((c = malloc(sizeof(*c) + cap)) == NULL) {
    }
    atomic_init(&c->next, NULL);
    atomic_init(&c->committed, 0);
    c->cap = (uint32_t)cap;
    return c;
}

void wlog_buf_init(struct wlog_buf *b)
{
    memset(b, 0, sizeof(*b));
    b->tail = b->head = chunk_new(0);
}

void wlog_register(struct wlog_buf *b)
{
    unsigned i = atomic_fetch_add(&wlog.nbufs, 1);
    if (i >= WLOG_MAX_BUFS) {
        fprintf(stderr, "wlog: more than %d buffers\n", WLOG_MAX_BUFS);
        abort();
    }
    wlog.bufs[i] = b;
}

void wlog_buf_free(struct wlog_buf *b)
{
    struct wlog_chunk *c = b->head;
    while (c) {
        struct wlog_chunk *n = atomic_load(&c->next);
        free(c);
        c = n;
    }
    for (c = b->freed; c;) {
        struct wlog_chunk *n = atomic_load(&c->next);
        free(c);
        c = n;
    }
    free(b->scratch);
    free(b->fx);
    memset(b, 0, sizeof(*b));
}

/* ---- building a unit ---------------------------------------------------- */

static char *scratch_room(struct wlog_buf *b, size_t n)
{
    if (b->scratch_cap - b->scratch_len < n) {
        size_t cap = b->scratch_cap ? b->scratch_cap : 4096;
        while (cap - b->scratch_len < n) cap *= 2;
        char *p;
        while ((p = realloc(b->scratch, cap)) == NULL) {
        }
        b->scratch = p;
        b->scratch_cap = cap;
    }
    return b->scratch + b->scratch_len;
}

static void put(struct wlog_buf *b, const void *p, size_t n)
{
    memcpy(scratch_room(b, n), p, n);
    b->scratch_len += n;
}

static void put_hdr(struct wlog_buf *b, char type, size_t n)
{
    char buf[24];
    buf[0] = type;
    int k = ll_to_str(buf + 1, sizeof(buf) - 3, (long long)n);
    buf[k + 1] = '\r';
    buf[k + 2] = '\n';
    put(b, buf, (size_t)k + 3);
}

/* Format argv as a RESP array at the end of the scratch. */
static struct wlog_fx format(struct wlog_buf *b, int db, int argc, const struct sarg *argv)
{
    struct wlog_fx f = {.db = db, .off = (uint32_t)b->scratch_len};
    put_hdr(b, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        put_hdr(b, '$', argv[i].len);
        put(b, argv[i].p, argv[i].len);
        put(b, "\r\n", 2);
    }
    f.len = (uint32_t)(b->scratch_len - f.off);
    return f;
}

static void push_fx(struct wlog_buf *b, struct wlog_fx f)
{
    if (b->nfx == b->fx_cap) {
        uint32_t cap = b->fx_cap ? b->fx_cap * 2 : 8;
        struct wlog_fx *v;
        while ((v = realloc(b->fx, sizeof(*v) * cap)) == NULL) {
        }
        b->fx = v;
        b->fx_cap = cap;
    }
    b->fx[b->nfx++] = f;
}

void wlog_begin(struct wlog_buf *b)
{
    b->scratch_len = 0;
    b->nfx = 0;
    b->own_state = 0;
    b->unit_flags = 0;
    b->open = true;
}

void wlog_fx(struct wlog_buf *b, int db, int argc, const struct sarg *argv)
{
    push_fx(b, format(b, db, argc, argv));
}

void wlog_fx_replace(struct wlog_buf *b, int db, int argc, const struct sarg *argv)
{
    b->own_fx = format(b, db, argc, argv);
    b->own_state = 1;
}

void wlog_fx_suppress(struct wlog_buf *b)
{
    b->own_state = 2;
}

void wlog_own(struct wlog_buf *b, int db, int argc, const struct sarg *argv, bool wrote)
{
    if (b->own_state == 1 && wrote)
        push_fx(b, b->own_fx);
    else if (b->own_state == 0 && wrote)
        push_fx(b, format(b, db, argc, argv));
    b->own_state = 0;
}

uint64_t wlog_commit(struct wlog_buf *b)
{
    if (b->nfx == 0) return 0;
    size_t bytes = 0;
    for (uint32_t i = 0; i < b->nfx; i++) bytes += 8 + b->fx[i].len;
    size_t need = unit_size(bytes);
    struct wlog_chunk *c = b->tail;
    uint32_t at = atomic_load_explicit(&c->committed, memory_order_relaxed);
    if (c->cap - at < need) {
        struct wlog_chunk *n = chunk_new(need);
        atomic_store_explicit(&c->next, n, memory_order_release);
        b->tail = c = n;
        at = 0;
    }
    char *p = c->data + at;
    struct unit_hdr h = {.flags = b->unit_flags, .n = b->nfx, .bytes = (uint32_t)bytes};
    /* the number is taken last, right before publishing: every number
     * taken is in a buffer a moment later (wlog.h: dense numbers) */
    h.seq = atomic_fetch_add_explicit(&wlog.seq, 1, memory_order_relaxed) + 1;
    memcpy(p, &h, sizeof(h));
    p += sizeof(h);
    for (uint32_t i = 0; i < b->nfx; i++) {
        int32_t db = b->fx[i].db;
        uint32_t len = b->fx[i].len;
        memcpy(p, &db, 4);
        memcpy(p + 4, &len, 4);
        memcpy(p + 8, b->scratch + b->fx[i].off, len);
        p += 8 + len;
    }
    atomic_store_explicit(&c->committed, at + (uint32_t)need, memory_order_release);
    b->nfx = 0;
    b->scratch_len = 0;
    void (*hook)(void) = wlog_commit_hook;
    if (hook) hook();
    return h.seq;
}

/* ---- the command-facing API (cmd.h) ------------------------------------ */

struct sarg sarg_ll(char *buf, long long v)
{
    return (struct sarg){buf, (size_t)ll_to_str(buf, 24, v)};
}

void cmd_effect(struct cmdctx *c, int db, int argc, const struct sarg *argv)
{
    struct wlog_buf *b = c->log;
    if (!b) return;
    if (b->open)
        wlog_fx(b, db, argc, argv);
    else if (wlog_on())
        wlog_append1(b, db, argc, argv);
}

void cmd_effect_replace(struct cmdctx *c, int argc, const struct sarg *argv)
{
    if (c->log && c->log->open) wlog_fx_replace(c->log, c->db, argc, argv);
}

void cmd_effect_suppress(struct cmdctx *c)
{
    if (c->log && c->log->open) wlog_fx_suppress(c->log);
}

void cmd_unit_begin(struct cmdctx *c)
{
    if (!c->log || c->log->open || !wlog_on()) return;
    wlog_begin(c->log);
    c->unit_owner = true;
}

uint64_t cmd_unit_end(struct cmdctx *c)
{
    struct wlog_buf *b = c->log;
    if (!b || !b->open || c->own_done) return 0;
    c->own_done = true;
    wlog_own(b, c->db, c->argc, c->argv, c->dirty > 0 || c->force_effect);
    if (!c->unit_owner) return 0;
    b->open = false;
    c->seq = wlog_commit(b);
    return c->seq;
}

uint64_t wlog_append1(struct wlog_buf *b, int db, int argc, const struct sarg *argv)
{
    wlog_begin(b);
    wlog_fx(b, db, argc, argv);
    b->open = false;
    return wlog_commit(b);
}

/* ---- consuming ---------------------------------------------------------- */

/* The header of b's next unit, or NULL if none is published yet. */
static const struct unit_hdr *peek(struct wlog_buf *b)
{
    for (;;) {
        struct wlog_chunk *c = b->head;
        uint32_t com = atomic_load_explicit(&c->committed, memory_order_acquire);
        if (b->head_off < com) return (const struct unit_hdr *)(c->data + b->head_off);
        struct wlog_chunk *n = atomic_load_explicit(&c->next, memory_order_acquire);
        if (!n) return NULL;
        /* the producer's last commit to c happened before it linked n */
        if (b->head_off < atomic_load_explicit(&c->committed, memory_order_acquire)) continue;
        b->head = n;
        b->head_off = 0;
        /* a unit handed out may still point into c: free it next time */
        atomic_store_explicit(&c->next, b->freed, memory_order_relaxed);
        b->freed = c;
    }
}

static void free_consumed(struct wlog_buf *b)
{
    while (b->freed) {
        struct wlog_chunk *n = atomic_load_explicit(&b->freed->next, memory_order_relaxed);
        free(b->freed);
        b->freed = n;
    }
}

/* The consumer moves past what a cut left behind: units numbered at or
 * below the cut's were recorded for a reader that is gone or not yet there. */
static void skip_to_cut(unsigned nb)
{
    uint64_t cut = atomic_load_explicit(&wlog.resume_seq, memory_order_acquire);
    if (cut <= wlog.consumed_seq) return;
    for (unsigned i = 0; i < nb; i++) {
        struct wlog_buf *b = wlog.bufs[i];
        const struct unit_hdr *h;
        while ((h = peek(b)) != NULL && h->seq <= cut) b->head_off += unit_size(h->bytes);
    }
    wlog.consumed_seq = cut;
}

bool wlog_next(struct wlog_unit *u)
{
    unsigned nb = atomic_load_explicit(&wlog.nbufs, memory_order_acquire);
    for (unsigned i = 0; i < nb; i++) free_consumed(wlog.bufs[i]);
    skip_to_cut(nb);
    uint64_t want = wlog.consumed_seq + 1;
    for (unsigned i = 0; i < nb; i++) {
        struct wlog_buf *b = wlog.bufs[i];
        const struct unit_hdr *h = peek(b);
        if (!h || h->seq != want) continue;
        u->seq = h->seq;
        u->flags = h->flags;
        u->n = h->n;
        u->p = (const char *)(h + 1);
        b->head_off += unit_size(h->bytes);
        wlog.consumed_seq = want;
        return true;
    }
    return false;
}

void wlog_release(void)
{
    unsigned nb = atomic_load_explicit(&wlog.nbufs, memory_order_acquire);
    skip_to_cut(nb);
    for (unsigned i = 0; i < nb; i++) free_consumed(wlog.bufs[i]);
}

bool wlog_unit_fx(const struct wlog_unit *u, uint32_t i, const char **cursor,
                  struct wlog_fx_view *out)
{
    if (i >= u->n) return false;
    const char *p = i == 0 ? u->p : *cursor;
    int32_t db;
    uint32_t len;
    memcpy(&db, p, 4);
    memcpy(&len, p + 4, 4);
    out->db = db;
    out->len = len;
    out->resp = p + 8;
    *cursor = p + 8 + len;
    return true;
}

/* ---- cuts --------------------------------------------------------------- */

uint64_t wlog_cut(struct keyspace *ks, void (*fn)(void *arg, uint64_t seq), void *arg)
{
    ks_lock_all(ks);
    uint64_t seq = atomic_load_explicit(&wlog.seq, memory_order_relaxed);
    if (fn) fn(arg, seq);
    ks_unlock_all(ks);
    return seq;
}

/* Every producer is parked on a shard lock (or idle) while this runs: no
 * unit numbered after the cut exists yet. The consumer, which may be
 * running on its own thread, skips up to the cut when it next looks. */
void wlog_set_enabled_locked(bool on, uint64_t cut_seq)
{
    atomic_store_explicit(&wlog.resume_seq, cut_seq, memory_order_release);
    atomic_store_explicit(&wlog.enabled, on ? 1 : 0, memory_order_relaxed);
}
