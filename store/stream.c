/* stream.c — the stream value of stream.h: IDs, appending, iterating,
 * deleting and trimming entries, consumer groups, consumers and NACKs.
 *
 * The listpack layout (stream.h) is Redis 7.0's, so every operation here
 * leaves exactly the bytes redis-server 7.0.15 leaves for the same commands:
 * DUMP payloads and RDB files compare equal.
 */
#include "stream.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunables.h"

#define STREAM_LP_MAX_SIZE (1u << 30) /* no node above this */

/* ------------------------------------------------------------------------ */
/* IDs. */

void sid_encode(unsigned char out[16], const struct sid *id)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (unsigned char)(id->ms >> (56 - 8 * i));
        out[8 + i] = (unsigned char)(id->seq >> (56 - 8 * i));
    }
}

void sid_decode(const unsigned char in[16], struct sid *id)
{
    uint64_t ms = 0, seq = 0;
    for (int i = 0; i < 8; i++) {
        ms = ms << 8 | in[i];
        seq = seq << 8 | in[8 + i];
    }
    id->ms = ms;
    id->seq = seq;
}

bool sid_incr(struct sid *id)
{
    if (id->seq != UINT64_MAX) {
        id->seq++;
        return true;
    }
    if (id->ms == UINT64_MAX) {
        id->ms = id->seq = 0;
        return false;
    }
    id->ms++;
    id->seq = 0;
    return true;
}

bool sid_decr(struct sid *id)
{
    if (id->seq) {
        id->seq--;
        return true;
    }
    if (!id->ms) {
        id->ms = id->seq = UINT64_MAX;
        return false;
    }
    id->ms--;
    id->seq = UINT64_MAX;
    return true;
}

static int u64_fmt(char *buf, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    return n;
}

int sid_fmt(char *buf, const struct sid *id)
{
    int n = u64_fmt(buf, id->ms);
    buf[n++] = '-';
    n += u64_fmt(buf + n, id->seq);
    buf[n] = '\0';
    return n;
}

/* ------------------------------------------------------------------------ */
/* Listpack helpers. */

/* An element that is an integer (counts, flags, deltas). Stream nodes are
 * validated on load, so a non-integer here cannot happen; it reads as 0. */
static inline int64_t lpi(const unsigned char *p)
{
    int64_t v = 0;
    if (p) lp_get_int(p, &v);
    return v;
}

static inline unsigned char *lp_skip(const unsigned char *lp, unsigned char *p, int64_t n)
{
    while (n-- > 0 && p) p = lp_next(lp, p);
    return p;
}

/* ------------------------------------------------------------------------ */
/* The stream object. */

struct stream *stream_new(void)
{
    struct stream *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->rax = rax_new();
    if (!s->rax) {
        free(s);
        return NULL;
    }
    return s;
}

static void lp_free_cb(void *p)
{
    lp_free(p);
}

static void consumer_free(void *p)
{
    struct sconsumer *c = p;
    rax_free(c->pel, NULL); /* the NACKs are the group's */
    free(c);
}

void stream_group_free(struct sgroup *g)
{
    rax_free(g->pel, free);
    rax_free(g->consumers, consumer_free);
    free(g);
}

static void group_free_cb(void *p)
{
    stream_group_free(p);
}

void stream_free(struct stream *s)
{
    if (!s) return;
    rax_free(s->rax, lp_free_cb);
    if (s->cgroups) rax_free(s->cgroups, group_free_cb);
    free(s);
}

struct stream *stream_dup(const struct stream *s)
{
    struct stream *n = stream_new();
    if (!n) return NULL;
    struct rax_iter ri;
    rax_iter_start(&ri, s->rax);
    rax_seek(&ri, RAX_FIRST, NULL, 0);
    while (rax_next(&ri)) {
        unsigned char *lp = lp_dup(ri.val);
        if (!lp || rax_insert(n->rax, ri.key, ri.key_len, lp, NULL, false) != 1) {
            lp_free(lp);
            rax_iter_stop(&ri);
            stream_free(n);
            return NULL;
        }
    }
    rax_iter_stop(&ri);
    n->length = s->length;
    n->first_id = s->first_id;
    n->last_id = s->last_id;
    n->max_deleted = s->max_deleted;
    n->entries_added = s->entries_added;
    if (!s->cgroups) return n;

    bool oom = false;
    struct rax_iter gi;
    rax_iter_start(&gi, s->cgroups);
    rax_seek(&gi, RAX_FIRST, NULL, 0);
    while (!oom && rax_next(&gi)) {
        const struct sgroup *g = gi.val;
        struct sgroup *ng = stream_group_create(n, (const char *)gi.key, gi.key_len, &g->last_id,
                                                g->entries_read, &oom);
        if (!ng) break;
        struct rax_iter pi;
        rax_iter_start(&pi, g->pel);
        rax_seek(&pi, RAX_FIRST, NULL, 0);
        while (!oom && rax_next(&pi)) {
            const struct snack *na = pi.val;
            struct snack *nn = malloc(sizeof(*nn));
            if (!nn || rax_insert(ng->pel, pi.key, pi.key_len, nn, NULL, false) != 1) {
                free(nn);
                oom = true;
                break;
            }
            nn->delivery_time = na->delivery_time;
            nn->delivery_count = na->delivery_count;
            nn->consumer = NULL;
        }
        rax_iter_stop(&pi);
        struct rax_iter ci;
        rax_iter_start(&ci, g->consumers);
        rax_seek(&ci, RAX_FIRST, NULL, 0);
        while (!oom && rax_next(&ci)) {
            const struct sconsumer *c = ci.val;
            struct sconsumer *nc = stream_consumer_create(ng, c->name, c->nlen, c->seen_time, &oom);
            if (!nc) break;
            struct rax_iter cp;
            rax_iter_start(&cp, c->pel);
            rax_seek(&cp, RAX_FIRST, NULL, 0);
            while (rax_next(&cp)) {
                void **slot = rax_find(ng->pel, cp.key, cp.key_len);
                if (!slot || rax_insert(nc->pel, cp.key, cp.key_len, *slot, NULL, false) != 1) {
                    oom = true;
                    break;
                }
                ((struct snack *)*slot)->consumer = nc;
            }
            rax_iter_stop(&cp);
        }
        rax_iter_stop(&ci);
    }
    rax_iter_stop(&gi);
    if (oom) {
        stream_free(n);
        return NULL;
    }
    return n;
}

size_t stream_mem_usage(const struct stream *s)
{
    size_t n = malloc_usable_size((void *)s) + rax_bytes(s->rax);
    struct rax_iter ri;
    rax_iter_start(&ri, s->rax);
    rax_seek(&ri, RAX_FIRST, NULL, 0);
    while (rax_next(&ri)) n += malloc_usable_size(ri.val);
    rax_iter_stop(&ri);
    if (!s->cgroups) return n;
    n += rax_bytes(s->cgroups);
    size_t nack = 0;
    rax_iter_start(&ri, s->cgroups);
    rax_seek(&ri, RAX_FIRST, NULL, 0);
    while (rax_next(&ri)) {
        const struct sgroup *g = ri.val;
        n += malloc_usable_size((void *)g) + rax_bytes(g->pel) + rax_bytes(g->consumers);
        if (rax_size(g->pel)) {
            if (!nack) {
                struct rax_iter pi;
                rax_iter_start(&pi, g->pel);
                rax_seek(&pi, RAX_FIRST, NULL, 0);
                nack = malloc_usable_size(pi.val);
                rax_iter_stop(&pi);
            }
            n += nack * rax_size(g->pel);
        }
        struct rax_iter ci;
        rax_iter_start(&ci, g->consumers);
        rax_seek(&ci, RAX_FIRST, NULL, 0);
        while (rax_next(&ci)) {
            const struct sconsumer *c = ci.val;
            n += malloc_usable_size((void *)c) + rax_bytes(c->pel);
        }
        rax_iter_stop(&ci);
    }
    rax_iter_stop(&ri);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Appending. */

static struct sid next_id(const struct sid *last, int64_t now_ms)
{
    struct sid id;
    uint64_t ms = (uint64_t)now_ms;
    if (ms > last->ms) {
        id.ms = ms;
        id.seq = 0;
    } else {
        id = *last;
        sid_incr(&id);
    }
    return id;
}

/* Does the new entry have exactly the master entry's fields? p is the
 * master's first field. */
static bool same_fields(const unsigned char *lp, unsigned char *p, const struct lp_item *fv,
                        long nfields)
{
    for (long i = 0; i < nfields; i++, p = lp_next(lp, p))
        if (!p || !lp_eq(p, fv[2 * i].s, fv[2 * i].len)) return false;
    return true;
}

int stream_next_id(const struct stream *s, const struct sid *use_id, bool seq_given, int64_t now_ms,
                   struct sid *out)
{
    struct sid id;
    if (!use_id) {
        id = next_id(&s->last_id, now_ms);
    } else if (seq_given) {
        id = *use_id;
    } else if (s->last_id.ms == use_id->ms) {
        /* ms-*: the next sequence of that millisecond, never wrapping */
        if (s->last_id.seq == UINT64_MAX) return SADD_SEQ_EXHAUSTED;
        id = s->last_id;
        id.seq++;
    } else {
        id = *use_id;
    }
    if (sid_cmp(&id, &s->last_id) <= 0) return SADD_ID_SMALL;
    *out = id;
    return SADD_OK;
}

int stream_append(struct stream *s, const struct lp_item *fv, long nfields, const struct sid *idp)
{
    struct sid id = *idp;
    size_t totlen = 0;
    for (long i = 0; i < 2 * nfields; i++) totlen += fv[i].len;
    if (totlen > STREAM_ENTRY_MAX) return SADD_TOO_BIG;

    struct rax_iter ri;
    rax_iter_start(&ri, s->rax);
    unsigned char *lp = NULL;
    if (rax_seek(&ri, RAX_LAST, NULL, 0)) lp = ri.val;

    if (lp) {
        size_t max_bytes = (size_t)store_tun.stream_node_max_bytes;
        if (max_bytes == 0 || max_bytes > STREAM_LP_MAX_SIZE) max_bytes = STREAM_LP_MAX_SIZE;
        bool full = lp_bytes(lp) + totlen >= max_bytes;
        if (!full && store_tun.stream_node_max_entries) {
            unsigned char *p = lp_first(lp);
            int64_t n = lpi(p) + lpi(lp_next(lp, p)); /* live and deleted */
            full = n >= store_tun.stream_node_max_entries;
        }
        if (full) {
            unsigned char *shrunk = lp_shrink(lp);
            if (shrunk != lp) rax_iter_set(&ri, shrunk);
            lp = NULL;
        }
    }

    struct lp_item small[32], *items = small;
    size_t need = 5 + 2 * (size_t)nfields;
    if (need > sizeof(small) / sizeof(small[0])) {
        items = malloc(need * sizeof(*items));
        if (!items) {
            rax_iter_stop(&ri);
            return SADD_OOM;
        }
    }
    int rc = SADD_OOM;
    struct sid master;
    int flags = SF_NONE;
    bool fresh = lp == NULL;
    unsigned char key[16];
    if (fresh) {
        /* a new node: its master entry takes this entry's fields */
        master = id;
        sid_encode(key, &id);
        size_t n = 0;
        items[n++] = (struct lp_item){.v = 1}; /* count: this entry */
        items[n++] = (struct lp_item){.v = 0}; /* deleted */
        items[n++] = (struct lp_item){.v = nfields};
        for (long i = 0; i < nfields; i++) items[n++] = fv[2 * i];
        items[n++] = (struct lp_item){.v = 0}; /* the master's terminator */
        /* a node starts with room for a good part of its entries (Redis
         * preallocates the whole 4 KiB): fewer size classes pass by */
        size_t room = 1024;
        if (store_tun.stream_node_max_bytes > 0 && (size_t)store_tun.stream_node_max_bytes < room)
            room = (size_t)store_tun.stream_node_max_bytes;
        lp = lp_new(room);
        unsigned char *m = lp ? lp_append_items_grow(lp, items, n, room) : NULL;
        if (!m) {
            lp_free(lp);
            goto out;
        }
        lp = m;
        flags = SF_SAMEFIELDS;
    } else {
        memcpy(key, ri.key, 16);
        sid_decode(key, &master);
        unsigned char *p = lp_first(lp);
        int64_t count = lpi(p);
        unsigned char *m = lp_replace_int(lp, &p, count + 1);
        if (!m) goto out;
        if (m != lp) rax_iter_set(&ri, m);
        lp = m;
        p = lp_next(lp, lp_next(lp, p)); /* the master's field count */
        if (lpi(p) == nfields && same_fields(lp, lp_next(lp, p), fv, nfields))
            flags = SF_SAMEFIELDS;
    }

    size_t n = 0;
    items[n++] = (struct lp_item){.v = flags};
    items[n++] = (struct lp_item){.v = (int64_t)(id.ms - master.ms)};
    items[n++] = (struct lp_item){.v = (int64_t)(id.seq - master.seq)};
    if (!(flags & SF_SAMEFIELDS)) items[n++] = (struct lp_item){.v = nfields};
    for (long i = 0; i < nfields; i++) {
        if (!(flags & SF_SAMEFIELDS)) items[n++] = fv[2 * i];
        items[n++] = fv[2 * i + 1];
    }
    int64_t lp_count = nfields + 3;
    if (!(flags & SF_SAMEFIELDS)) lp_count += nfields + 1;
    items[n++] = (struct lp_item){.v = lp_count};
    /* the tail node grows in steps, up to about its limit (Redis
     * preallocates 4 KiB instead: the last node of a small stream would
     * hold room it may never use) */
    size_t most = (size_t)store_tun.stream_node_max_bytes;
    if (most == 0 || most > STREAM_LP_MAX_SIZE) most = STREAM_LP_MAX_SIZE;
    unsigned char *m = lp_append_items_grow(lp, items, n, most + 256);
    if (!m) {
        if (fresh) {
            lp_free(lp);
        } else {
            /* undo the count */
            unsigned char *p = lp_first(lp);
            m = lp_replace_int(lp, &p, lpi(p) - 1);
            if (m && m != lp) rax_iter_set(&ri, m);
        }
        goto out;
    }
    lp = m;
    if (fresh) {
        if (rax_insert(s->rax, key, 16, lp, NULL, true) < 0) {
            lp_free(lp);
            goto out;
        }
    } else {
        rax_iter_set(&ri, lp);
    }
    s->length++;
    s->entries_added++;
    s->last_id = id;
    if (s->length == 1) s->first_id = id;
    rc = SADD_OK;
out:
    if (items != small) free(items);
    rax_iter_stop(&ri);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Iterating. */

static const unsigned char id_max_key[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void stream_iter_start(struct stream_iter *si, struct stream *s, const struct sid *start,
                       const struct sid *end, bool rev)
{
    if (start)
        sid_encode(si->start_key, start);
    else
        memset(si->start_key, 0, 16);
    if (end)
        sid_encode(si->end_key, end);
    else
        memcpy(si->end_key, id_max_key, 16);
    rax_iter_start(&si->ri, s->rax);
    /* the node that may hold the first entry in range is the last one whose
     * master ID is <= the bound (or the first node at all) */
    const struct sid *bound = rev ? end : start;
    if (bound && !sid_zero(bound)) {
        if (!rax_seek(&si->ri, RAX_LE, rev ? si->end_key : si->start_key, 16))
            rax_seek(&si->ri, rev ? RAX_LAST : RAX_FIRST, NULL, 0);
    } else {
        rax_seek(&si->ri, rev ? RAX_LAST : RAX_FIRST, NULL, 0);
    }
    si->s = s;
    si->lp = si->ele = si->flags_p = NULL;
    si->rev = rev;
    si->skip_tombstones = true;
    si->master_ptr = NULL;
    si->entry_flags = 0;
    si->fields_left = 0;
}

void stream_iter_stop(struct stream_iter *si)
{
    rax_iter_stop(&si->ri);
}

/* Move past the rest of the current entry's fields and values, to its
 * lp-count. */
static void skip_rest(struct stream_iter *si)
{
    int64_t n = si->fields_left;
    if (!(si->entry_flags & SF_SAMEFIELDS)) n *= 2;
    si->ele = lp_skip(si->lp, si->ele, n);
    si->fields_left = 0;
}

bool stream_iter_next(struct stream_iter *si, struct sid *id, int64_t *nfields)
{
    for (;;) {
        if (!si->lp) {
            bool more = si->rev ? rax_prev(&si->ri) : rax_next(&si->ri);
            if (!more) return false;
            sid_decode(si->ri.key, &si->master_id);
            si->lp = si->ri.val;
            unsigned char *p = lp_next(si->lp, lp_next(si->lp, lp_first(si->lp)));
            si->master_fields = (uint64_t)lpi(p);
            si->master_start = lp_next(si->lp, p);
            /* forward: from the master's terminator; backward: from the
             * last entry's lp-count */
            si->ele = si->rev ? lp_last(si->lp)
                              : lp_skip(si->lp, si->master_start, (int64_t)si->master_fields);
            si->flags_p = NULL;
            si->fields_left = 0;
        } else if (si->flags_p) {
            /* done with the entry at flags_p */
            if (si->rev) {
                si->ele = lp_prev(si->lp, si->flags_p);
            } else {
                skip_rest(si);
            }
            si->flags_p = NULL;
        }
        unsigned char *p;
        if (si->rev) {
            int64_t back = lpi(si->ele);
            if (back == 0) { /* the master's terminator */
                si->lp = NULL;
                continue;
            }
            p = si->ele;
            while (back-- > 0 && p) p = lp_prev(si->lp, p);
        } else {
            p = si->ele ? lp_next(si->lp, si->ele) : NULL;
            if (!p) {
                si->lp = NULL;
                continue;
            }
        }
        si->flags_p = p;
        int flags = (int)lpi(p);
        p = lp_next(si->lp, p);
        struct sid cur = si->master_id;
        cur.ms += (uint64_t)lpi(p);
        p = lp_next(si->lp, p);
        cur.seq += (uint64_t)lpi(p);
        p = lp_next(si->lp, p);
        int64_t nf;
        if (flags & SF_SAMEFIELDS) {
            nf = (int64_t)si->master_fields;
        } else {
            nf = lpi(p);
            p = lp_next(si->lp, p);
        }
        si->ele = p;
        si->entry_flags = flags;
        si->fields_left = nf;
        if (si->skip_tombstones && (flags & SF_DELETED)) continue;
        unsigned char k[16];
        sid_encode(k, &cur);
        if (!si->rev) {
            if (memcmp(k, si->start_key, 16) < 0) continue;
            if (memcmp(k, si->end_key, 16) > 0) return false;
        } else {
            if (memcmp(k, si->end_key, 16) > 0) continue;
            if (memcmp(k, si->start_key, 16) < 0) return false;
        }
        si->master_ptr = si->master_start;
        *id = cur;
        *nfields = nf;
        return true;
    }
}

void stream_iter_field(struct stream_iter *si, const char **f, size_t *flen, const char **v,
                       size_t *vlen)
{
    uint32_t l;
    if (si->entry_flags & SF_SAMEFIELDS) {
        *f = (const char *)lp_get_str(si->master_ptr, &l, si->fbuf);
        si->master_ptr = lp_next(si->lp, si->master_ptr);
    } else {
        *f = (const char *)lp_get_str(si->ele, &l, si->fbuf);
        si->ele = lp_next(si->lp, si->ele);
    }
    *flen = l;
    *v = (const char *)lp_get_str(si->ele, &l, si->vbuf);
    *vlen = l;
    si->ele = lp_next(si->lp, si->ele);
    si->fields_left--;
}

void stream_iter_delete(struct stream_iter *si, const struct sid *current)
{
    unsigned char *lp = si->lp;
    unsigned char *fp = si->flags_p;
    unsigned char *m = lp_replace_int(lp, &fp, lpi(fp) | SF_DELETED);
    if (m) lp = m; /* same size: cannot fail, nor move */
    unsigned char *p = lp_first(lp);
    int64_t live = lpi(p);
    if (live == 1) {
        /* the node's last live entry: the node goes */
        unsigned char key[16];
        memcpy(key, si->ri.key, 16);
        lp_free(lp);
        rax_remove(si->s->rax, key, 16, NULL);
    } else {
        m = lp_replace_int(lp, &p, live - 1);
        if (m) lp = m;
        p = lp_next(lp, p);
        m = lp_replace_int(lp, &p, lpi(p) + 1);
        if (m) lp = m;
        if (lp != si->lp) rax_iter_set(&si->ri, lp);
    }
    si->s->length--;
    /* the tree or the listpack changed under the iterator: start again
     * from the deleted entry, now a tombstone */
    struct sid start, end;
    if (si->rev) {
        sid_decode(si->start_key, &start);
        end = *current;
    } else {
        start = *current;
        sid_decode(si->end_key, &end);
    }
    bool skip = si->skip_tombstones;
    stream_iter_stop(si);
    stream_iter_start(si, si->s, &start, &end, si->rev);
    si->skip_tombstones = skip;
}

bool stream_delete(struct stream *s, const struct sid *id)
{
    struct stream_iter si;
    stream_iter_start(&si, s, id, id, false);
    struct sid got;
    int64_t nf;
    bool found = stream_iter_next(&si, &got, &nf);
    if (found) stream_iter_delete(&si, &got);
    stream_iter_stop(&si);
    return found;
}

bool stream_exists(struct stream *s, const struct sid *id)
{
    struct stream_iter si;
    stream_iter_start(&si, s, id, id, false);
    struct sid got;
    int64_t nf;
    bool found = stream_iter_next(&si, &got, &nf);
    stream_iter_stop(&si);
    return found;
}

void stream_edge_id(struct stream *s, bool first, bool skip_tombstones, struct sid *out)
{
    struct stream_iter si;
    stream_iter_start(&si, s, NULL, NULL, !first);
    si.skip_tombstones = skip_tombstones;
    int64_t nf;
    if (!stream_iter_next(&si, out, &nf)) {
        if (first)
            out->ms = out->seq = UINT64_MAX;
        else
            out->ms = out->seq = 0;
    }
    stream_iter_stop(&si);
}

void stream_last_valid_id(struct stream *s, struct sid *out)
{
    struct stream_iter si;
    stream_iter_start(&si, s, NULL, NULL, true);
    int64_t nf;
    if (!stream_iter_next(&si, out, &nf)) out->ms = out->seq = 0;
    stream_iter_stop(&si);
}

/* The ID of a node's last entry, tombstones included. */
static void node_last_id(const unsigned char *lp, const struct sid *master, struct sid *out)
{
    unsigned char *p = lp_last(lp);
    int64_t back = lpi(p);
    while (back-- > 0 && p) p = lp_prev(lp, p);
    p = lp_next(lp, p);
    *out = *master;
    out->ms += (uint64_t)lpi(p);
    out->seq += (uint64_t)lpi(lp_next(lp, p));
}

/* ------------------------------------------------------------------------ */
/* Trimming. */

/* stream_trim, or with dry only counting what it would remove (the
 * stream is not touched; the first removal found is enough). */
static int64_t trim(struct stream *s, const struct stream_trim *t, bool dry)
{
    if (t->kind == STRIM_NONE) return 0;
    int64_t deleted = 0;
    uint64_t length = s->length;
    struct rax_iter ri;
    rax_iter_start(&ri, s->rax);
    rax_seek(&ri, RAX_FIRST, NULL, 0);
    while (rax_next(&ri)) {
        if (dry && deleted) break;
        if (t->kind == STRIM_MAXLEN && length <= (uint64_t)t->maxlen) break;
        unsigned char *lp = ri.val;
        unsigned char *p = lp_first(lp);
        int64_t entries = lpi(p);
        if (t->limit && deleted + entries > t->limit) break;
        struct sid master;
        sid_decode(ri.key, &master);
        bool whole;
        if (t->kind == STRIM_MAXLEN) {
            whole = length - (uint64_t)entries >= (uint64_t)t->maxlen;
        } else {
            struct sid last;
            node_last_id(lp, &master, &last);
            whole = sid_cmp(&last, &t->minid) < 0;
        }
        if (whole) {
            length -= (uint64_t)entries;
            deleted += entries;
            if (dry) continue;
            unsigned char key[16];
            memcpy(key, ri.key, 16);
            lp_free(lp);
            rax_remove(s->rax, key, 16, NULL);
            rax_seek(&ri, RAX_GE, key, 16);
            continue;
        }
        if (t->approx) break;

        /* flag entries of this node from its head until the bound */
        int64_t flagged = 0;
        p = lp_next(lp, lp_next(lp, p)); /* master field count */
        int64_t mfields = lpi(p);
        p = lp_skip(lp, lp_next(lp, p), mfields); /* the terminator */
        p = lp_next(lp, p);
        while (p) {
            unsigned char *fp = p;
            int64_t flags = lpi(p);
            p = lp_next(lp, p);
            struct sid cur = master;
            cur.ms += (uint64_t)lpi(p);
            p = lp_next(lp, p);
            cur.seq += (uint64_t)lpi(p);
            p = lp_next(lp, p);
            bool stop = t->kind == STRIM_MAXLEN ? length <= (uint64_t)t->maxlen
                                                : sid_cmp(&cur, &t->minid) >= 0;
            if (stop) break;
            int64_t skip;
            if (flags & SF_SAMEFIELDS) {
                skip = mfields;
            } else {
                skip = lpi(p) * 2;
                p = lp_next(lp, p);
            }
            p = lp_skip(lp, p, skip); /* to lp-count */
            p = lp_next(lp, p);
            if (!(flags & SF_DELETED)) {
                flagged++;
                length--;
                if (dry) continue;
                /* the flags stay one byte: the listpack keeps its size */
                size_t off = p ? (size_t)(p - lp) : 0;
                unsigned char *m = lp_replace_int(lp, &fp, flags | SF_DELETED);
                if (m) lp = m;
                if (p) p = lp + off;
            }
        }
        deleted += flagged;
        if (dry) break;
        p = lp_first(lp);
        unsigned char *m = lp_replace_int(lp, &p, entries - flagged);
        if (m) lp = m;
        p = lp_next(lp, p);
        m = lp_replace_int(lp, &p, lpi(p) + flagged);
        if (m) lp = m;
        rax_iter_set(&ri, lp);
        break;
    }
    rax_iter_stop(&ri);
    if (dry) return deleted;
    s->length = length;
    if (s->length == 0)
        s->first_id.ms = s->first_id.seq = 0;
    else if (deleted)
        stream_edge_id(s, true, true, &s->first_id);
    return deleted;
}

int64_t stream_trim(struct stream *s, const struct stream_trim *t)
{
    return trim(s, t, false);
}

bool stream_trim_would_delete(struct stream *s, const struct stream_trim *t)
{
    return trim(s, t, true) > 0;
}

/* ------------------------------------------------------------------------ */
/* Group counters. */

bool stream_range_has_tombstones(const struct stream *s, const struct sid *start,
                                 const struct sid *end)
{
    if (!s->length || sid_zero(&s->max_deleted)) return false;
    if (sid_cmp(&s->first_id, &s->max_deleted) > 0) return false;
    struct sid lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    if (start) lo = *start;
    if (end) hi = *end;
    return sid_cmp(&lo, &s->max_deleted) <= 0 && sid_cmp(&s->max_deleted, &hi) <= 0;
}

long long stream_estimate_distance(const struct stream *s, const struct sid *id)
{
    if (!s->entries_added) return 0;
    if (!s->length && sid_cmp(id, &s->last_id) < 1) return (long long)s->entries_added;
    int cl = sid_cmp(id, &s->last_id);
    if (cl == 0) return (long long)s->entries_added;
    if (cl > 0) return SG_ENTRIES_READ_INVALID;
    int cf = sid_cmp(id, &s->first_id);
    if (sid_zero(&s->max_deleted) || sid_cmp(&s->max_deleted, &s->first_id) < 0) {
        /* no tombstone after the first entry */
        if (cf < 0) return (long long)(s->entries_added - s->length);
        if (cf == 0) return (long long)(s->entries_added - s->length + 1);
    }
    return SG_ENTRIES_READ_INVALID;
}

bool stream_group_lag(const struct stream *s, const struct sgroup *g, long long *lag)
{
    if (!s->entries_added) {
        *lag = 0;
        return true;
    }
    if (g->entries_read != SG_ENTRIES_READ_INVALID &&
        !stream_range_has_tombstones(s, &g->last_id, NULL)) {
        *lag = (long long)s->entries_added - g->entries_read;
        return true;
    }
    long long read = stream_estimate_distance(s, &g->last_id);
    if (read == SG_ENTRIES_READ_INVALID) return false;
    *lag = (long long)s->entries_added - read;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Groups, consumers, NACKs. */

struct sgroup *stream_group_find(const struct stream *s, const char *name, size_t len)
{
    if (!s->cgroups) return NULL;
    void **slot = rax_find(s->cgroups, name, len);
    return slot ? *slot : NULL;
}

struct sgroup *stream_group_create(struct stream *s, const char *name, size_t len,
                                   const struct sid *id, long long entries_read, bool *oom)
{
    if (oom) *oom = false;
    if (!s->cgroups && !(s->cgroups = rax_new())) goto nomem;
    if (rax_find(s->cgroups, name, len)) return NULL;
    struct sgroup *g = calloc(1, sizeof(*g));
    if (!g) goto nomem;
    g->last_id = *id;
    g->entries_read = entries_read;
    g->pel = rax_new();
    g->consumers = rax_new();
    if (!g->pel || !g->consumers || rax_insert(s->cgroups, name, len, g, NULL, false) != 1) {
        rax_free(g->pel, NULL);
        rax_free(g->consumers, NULL);
        free(g);
        goto nomem;
    }
    return g;
nomem:
    if (oom) *oom = true;
    return NULL;
}

struct sconsumer *stream_consumer_find(const struct sgroup *g, const char *name, size_t len)
{
    void **slot = rax_find(g->consumers, name, len);
    return slot ? *slot : NULL;
}

struct sconsumer *stream_consumer_create(struct sgroup *g, const char *name, size_t len,
                                         int64_t now_ms, bool *oom)
{
    if (oom) *oom = false;
    if (rax_find(g->consumers, name, len)) return NULL;
    struct sconsumer *c = malloc(sizeof(*c) + len + 1);
    if (!c) goto nomem;
    c->seen_time = now_ms;
    c->nlen = (uint32_t)len;
    memcpy(c->name, name, len);
    c->name[len] = '\0';
    c->pel = rax_new();
    if (!c->pel || rax_insert(g->consumers, name, len, c, NULL, false) != 1) {
        rax_free(c->pel, NULL);
        free(c);
        goto nomem;
    }
    return c;
nomem:
    if (oom) *oom = true;
    return NULL;
}

void stream_consumer_delete(struct sgroup *g, struct sconsumer *c)
{
    struct rax_iter ri;
    rax_iter_start(&ri, c->pel);
    rax_seek(&ri, RAX_FIRST, NULL, 0);
    while (rax_next(&ri)) {
        void *na = NULL;
        rax_remove(g->pel, ri.key, ri.key_len, &na);
        free(na);
    }
    rax_iter_stop(&ri);
    rax_remove(g->consumers, c->name, c->nlen, NULL);
    consumer_free(c);
}

struct snack *stream_nack_new(struct sconsumer *c, int64_t now_ms)
{
    struct snack *n = malloc(sizeof(*n));
    if (!n) return NULL;
    n->delivery_time = now_ms;
    n->delivery_count = 1;
    n->consumer = c;
    return n;
}

/* ------------------------------------------------------------------------ */
/* Validation of loaded nodes. */

bool stream_lp_valid(const unsigned char *lp, size_t size)
{
    uint32_t count;
    if (!lp_validate(lp, size, &count) || count == 0) return false;
    int64_t v;
    unsigned char *p = lp_first(lp);
#define INT_OR_FAIL(dst)                            \
    do {                                            \
        if (!p || !lp_get_int(p, &v)) return false; \
        (dst) = v;                                  \
        p = lp_next(lp, p);                         \
    } while (0)
    int64_t live, dead, mfields, zero;
    INT_OR_FAIL(live);
    INT_OR_FAIL(dead);
    INT_OR_FAIL(mfields);
    if (live < 0 || dead < 0 || mfields < 0 || mfields > (int64_t)count) return false;
    for (int64_t i = 0; i < mfields; i++) {
        if (!p) return false;
        p = lp_next(lp, p);
    }
    INT_OR_FAIL(zero);
    if (zero != 0) return false;
    int64_t entries = live + dead;
    if (entries > (int64_t)count) return false;
    while (entries-- > 0) {
        int64_t flags, ms, seq, fields = mfields, extra = 3, lpc;
        INT_OR_FAIL(flags);
        INT_OR_FAIL(ms);
        INT_OR_FAIL(seq);
        (void)ms;
        (void)seq;
        if (!(flags & SF_SAMEFIELDS)) {
            INT_OR_FAIL(fields);
            if (fields < 0 || fields > (int64_t)count) return false;
            for (int64_t i = 0; i < fields; i++) {
                if (!p) return false;
                p = lp_next(lp, p);
            }
            extra += fields + 1;
        }
        for (int64_t i = 0; i < fields; i++) {
            if (!p) return false;
            p = lp_next(lp, p);
        }
        INT_OR_FAIL(lpc);
        if (lpc != fields + extra) return false;
    }
#undef INT_OR_FAIL
    return p == NULL;
}
