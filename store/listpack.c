/* listpack.c — the listpack format described in listpack.h.
 *
 * Every mutation is one realloc plus one memmove of the tail: an insert or
 * replace grows first and moves the tail up; a delete moves the tail down
 * and shrinks last (so deleting never fails). Entries are encoded into a
 * small header buffer; string data is copied straight into place.
 */
#include "listpack.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h" /* str_to_ll, ll_to_str */

/* ------------------------------------------------------------------------ */
/* Header fields. */

static inline void set_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static inline uint32_t hdr_count(const unsigned char *lp)
{
    return (uint32_t)lp[4] | (uint32_t)lp[5] << 8;
}

static inline void set_count(unsigned char *lp, uint32_t n)
{
    if (n > LP_COUNT_UNKNOWN) n = LP_COUNT_UNKNOWN;
    lp[4] = (unsigned char)n;
    lp[5] = (unsigned char)(n >> 8);
}

/* ------------------------------------------------------------------------ */
/* Encodings. */

#define ENC_7BIT_UINT_MASK 0x80 /* 0xxxxxxx */
#define ENC_6BIT_STR       0x80 /* 10xxxxxx */
#define ENC_13BIT_INT      0xC0 /* 110xxxxx */
#define ENC_12BIT_STR      0xE0 /* 1110xxxx */
#define ENC_32BIT_STR      0xF0
#define ENC_16BIT_INT      0xF1
#define ENC_24BIT_INT      0xF2
#define ENC_32BIT_INT      0xF3
#define ENC_64BIT_INT      0xF4

/* Size of <encoding+data> of the entry at p (p must not be the EOF). */
static inline uint32_t entry_len(const unsigned char *p)
{
    unsigned char b = p[0];
    if ((b & 0x80) == 0) return 1;
    if ((b & 0xC0) == ENC_6BIT_STR) return 1 + (b & 0x3F);
    if ((b & 0xE0) == ENC_13BIT_INT) return 2;
    if ((b & 0xF0) == ENC_12BIT_STR) return 2 + (((uint32_t)(b & 0x0F) << 8) | p[1]);
    switch (b) {
    case ENC_32BIT_STR:
        return 5 +
               ((uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24);
    case ENC_16BIT_INT: return 3;
    case ENC_24BIT_INT: return 4;
    case ENC_32BIT_INT: return 5;
    case ENC_64BIT_INT: return 9;
    default: return 0; /* invalid (0xF5..0xFE) or EOF */
    }
}

static inline uint32_t backlen_size(uint64_t l)
{
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

/* Write the backlen of l at buf; returns its size. */
static uint32_t backlen_encode(unsigned char *buf, uint64_t l)
{
    uint32_t n = backlen_size(l);
    /* most significant group first, continuation bit on all but the first */
    for (uint32_t i = 0; i < n; i++) {
        unsigned shift = 7 * (n - 1 - i);
        unsigned char b = (unsigned char)((l >> shift) & 127);
        if (i > 0) b |= 128;
        buf[i] = b;
    }
    return n;
}

/* Read a backlen ending at p (its last byte); *nbytes gets its size. */
static inline uint64_t backlen_decode(const unsigned char *p, uint32_t *nbytes)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint32_t n = 0;
    for (;;) {
        v |= (uint64_t)(p[0] & 127) << shift;
        n++;
        if (!(p[0] & 128) || n == 5) break;
        shift += 7;
        p--;
    }
    *nbytes = n;
    return v;
}

static inline uint32_t entry_total(const unsigned char *p)
{
    uint32_t l = entry_len(p);
    return l + backlen_size(l);
}

/* Encode integer v as <encoding+data> into buf (9 bytes max). */
static uint32_t encode_int(unsigned char *buf, int64_t v)
{
    uint64_t u = (uint64_t)v;
    if (v >= 0 && v <= 127) {
        buf[0] = (unsigned char)v;
        return 1;
    }
    if (v >= -4096 && v <= 4095) {
        if (v < 0) u = (uint64_t)((1 << 13) + v);
        buf[0] = (unsigned char)((u >> 8) | ENC_13BIT_INT);
        buf[1] = (unsigned char)(u & 0xff);
        return 2;
    }
    uint32_t nb;
    if (v >= -32768 && v <= 32767) {
        buf[0] = ENC_16BIT_INT;
        nb = 2;
    } else if (v >= -8388608 && v <= 8388607) {
        buf[0] = ENC_24BIT_INT;
        nb = 3;
    } else if (v >= -2147483648LL && v <= 2147483647LL) {
        buf[0] = ENC_32BIT_INT;
        nb = 4;
    } else {
        buf[0] = ENC_64BIT_INT;
        nb = 8;
    }
    for (uint32_t i = 0; i < nb; i++) buf[1 + i] = (unsigned char)(u >> (8 * i));
    return 1 + nb;
}

/* Encoding header of a string of len bytes into buf (5 bytes max). */
static uint32_t encode_str_hdr(unsigned char *buf, size_t len)
{
    if (len < 64) {
        buf[0] = (unsigned char)(ENC_6BIT_STR | len);
        return 1;
    }
    if (len < 4096) {
        buf[0] = (unsigned char)(ENC_12BIT_STR | (len >> 8));
        buf[1] = (unsigned char)(len & 0xff);
        return 2;
    }
    buf[0] = ENC_32BIT_STR;
    set_u32(buf + 1, (uint32_t)len);
    return 5;
}

static inline bool str_is_int(const void *s, size_t len, int64_t *v)
{
    long long ll;
    if (len == 0 || len > 20 || !str_to_ll(s, len, &ll)) return false;
    *v = ll;
    return true;
}

size_t lp_entry_size_str(const void *s, size_t len)
{
    int64_t v;
    unsigned char buf[16];
    uint32_t l;
    if (str_is_int(s, len, &v))
        l = encode_int(buf, v);
    else
        l = encode_str_hdr(buf, len) + (uint32_t)len;
    return l + backlen_size(l);
}

/* ------------------------------------------------------------------------ */
/* Creation. */

unsigned char *lp_new(size_t cap)
{
    if (cap < LP_HDR_SIZE + 1) cap = LP_HDR_SIZE + 1;
    unsigned char *lp = malloc(cap);
    if (!lp) return NULL;
    set_u32(lp, LP_HDR_SIZE + 1);
    set_count(lp, 0);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

void lp_free(unsigned char *lp)
{
    free(lp);
}

unsigned char *lp_shrink(unsigned char *lp)
{
    unsigned char *n = realloc(lp, lp_bytes(lp));
    return n ? n : lp;
}

unsigned char *lp_dup(const unsigned char *lp)
{
    size_t n = lp_bytes(lp);
    unsigned char *d = malloc(n);
    if (d) memcpy(d, lp, n);
    return d;
}

uint32_t lp_count(unsigned char *lp)
{
    uint32_t n = hdr_count(lp);
    if (n != LP_COUNT_UNKNOWN) return n;
    n = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) n++;
    if (n < LP_COUNT_UNKNOWN) set_count(lp, n);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Iteration. */

unsigned char *lp_first(const unsigned char *lp)
{
    const unsigned char *p = lp + LP_HDR_SIZE;
    return *p == LP_EOF ? NULL : (unsigned char *)p;
}

unsigned char *lp_next(const unsigned char *lp, const unsigned char *p)
{
    (void)lp;
    p += entry_total(p);
    return *p == LP_EOF ? NULL : (unsigned char *)p;
}

unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p)
{
    if (p <= lp + LP_HDR_SIZE) return NULL;
    uint32_t nb;
    uint64_t l = backlen_decode(p - 1, &nb);
    return (unsigned char *)(p - nb - l);
}

unsigned char *lp_last(const unsigned char *lp)
{
    return lp_prev(lp, lp + lp_bytes(lp) - 1);
}

unsigned char *lp_seek(unsigned char *lp, long index)
{
    long n = (long)lp_count(lp);
    if (index < 0) index += n;
    if (index < 0 || index >= n) return NULL;
    unsigned char *p;
    if (index <= n / 2) {
        p = lp_first(lp);
        while (p && index-- > 0) p = lp_next(lp, p);
    } else {
        p = lp_last(lp);
        for (long i = n - 1; p && i > index; i--) p = lp_prev(lp, p);
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* Reading entries. */

static inline int64_t sign_extend(uint64_t u, unsigned bits)
{
    uint64_t m = (uint64_t)1 << (bits - 1);
    if (bits == 64) return (int64_t)u;
    u &= ((uint64_t)1 << bits) - 1;
    return (int64_t)((u ^ m) - m);
}

const unsigned char *lp_get(const unsigned char *p, uint32_t *len, int64_t *ival)
{
    unsigned char b = p[0];
    if ((b & 0x80) == 0) {
        *ival = b;
        return NULL;
    }
    if ((b & 0xC0) == ENC_6BIT_STR) {
        *len = b & 0x3F;
        return p + 1;
    }
    if ((b & 0xE0) == ENC_13BIT_INT) {
        *ival = sign_extend(((uint64_t)(b & 0x1F) << 8) | p[1], 13);
        return NULL;
    }
    if ((b & 0xF0) == ENC_12BIT_STR) {
        *len = ((uint32_t)(b & 0x0F) << 8) | p[1];
        return p + 2;
    }
    if (b == ENC_32BIT_STR) {
        *len = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
        return p + 5;
    }
    unsigned nb = b == ENC_16BIT_INT ? 2 : b == ENC_24BIT_INT ? 3 : b == ENC_32BIT_INT ? 4 : 8;
    uint64_t u = 0;
    for (unsigned i = 0; i < nb; i++) u |= (uint64_t)p[1 + i] << (8 * i);
    *ival = sign_extend(u, nb * 8);
    return NULL;
}

const unsigned char *lp_get_str(const unsigned char *p, uint32_t *len, char buf[LP_INTBUF])
{
    int64_t v;
    const unsigned char *s = lp_get(p, len, &v);
    if (s) return s;
    *len = (uint32_t)ll_to_str(buf, LP_INTBUF, v);
    return (const unsigned char *)buf;
}

bool lp_get_int(const unsigned char *p, int64_t *out)
{
    uint32_t len;
    const unsigned char *s = lp_get(p, &len, out);
    if (!s) return true;
    long long v;
    if (!str_to_ll((const char *)s, len, &v)) return false;
    *out = v;
    return true;
}

bool lp_eq(const unsigned char *p, const void *s, size_t len)
{
    uint32_t l;
    int64_t v;
    const unsigned char *e = lp_get(p, &l, &v);
    if (e) return l == len && memcmp(e, s, len) == 0;
    int64_t sv;
    return str_is_int(s, len, &sv) && sv == v;
}

unsigned char *lp_find(const unsigned char *lp, unsigned char *p, const void *s, size_t len,
                       unsigned skip)
{
    int64_t sv = 0;
    bool sint = str_is_int(s, len, &sv);
    (void)lp;
    while (p && *p != LP_EOF) {
        uint32_t l;
        int64_t v;
        const unsigned char *e = lp_get(p, &l, &v);
        if (e) {
            if (!sint && l == len && memcmp(e, s, len) == 0) return p;
        } else if (sint && v == sv) {
            return p;
        }
        p += entry_total(p);
        for (unsigned i = 0; i < skip && *p != LP_EOF; i++) p += entry_total(p);
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Mutation. */

/* Replace the `oldsize` bytes at p with the entry hdr[hdrlen] + data[dlen]
 * (+ its backlen), or with nothing when hdrlen == 0. `delta` is the change
 * in entry count. */
static unsigned char *splice(unsigned char *lp, unsigned char *p, uint32_t oldsize,
                             const unsigned char *hdr, uint32_t hdrlen, const void *data,
                             size_t dlen, int delta, unsigned char **newp)
{
    uint32_t bytes = lp_bytes(lp);
    size_t off = (size_t)(p - lp);
    uint64_t elen = hdrlen ? (uint64_t)hdrlen + dlen : 0;
    uint64_t newsize = hdrlen ? elen + backlen_size(elen) : 0;
    uint64_t total = (uint64_t)bytes - oldsize + newsize;
    if (total > UINT32_MAX) return NULL;
    size_t tail = bytes - off - oldsize;
    if (newsize > oldsize) {
        unsigned char *n = realloc(lp, total);
        if (!n) return NULL;
        lp = n;
        memmove(lp + off + newsize, lp + off + oldsize, tail);
    } else if (newsize < oldsize) {
        memmove(lp + off + newsize, lp + off + oldsize, tail);
        unsigned char *n = realloc(lp, total);
        if (n) lp = n;
    }
    p = lp + off;
    if (hdrlen) {
        memcpy(p, hdr, hdrlen);
        if (dlen) memcpy(p + hdrlen, data, dlen);
        backlen_encode(p + elen, elen);
    }
    set_u32(lp, (uint32_t)total);
    uint32_t cnt = hdr_count(lp);
    if (cnt != LP_COUNT_UNKNOWN) set_count(lp, (uint32_t)((int64_t)cnt + delta));
    if (newp) *newp = hdrlen ? p : (*p == LP_EOF ? NULL : p);
    return lp;
}

static unsigned char *insert_encoded(unsigned char *lp, unsigned char *p, const unsigned char *hdr,
                                     uint32_t hdrlen, const void *data, size_t dlen,
                                     enum lp_where where, unsigned char **newp)
{
    if (where == LP_AFTER) {
        if (*p != LP_EOF) p += entry_total(p);
        where = LP_BEFORE;
    }
    if (where == LP_REPLACE) return splice(lp, p, entry_total(p), hdr, hdrlen, data, dlen, 0, newp);
    return splice(lp, p, 0, hdr, hdrlen, data, dlen, 1, newp);
}

unsigned char *lp_insert_str(unsigned char *lp, unsigned char *p, const void *s, size_t len,
                             enum lp_where where, unsigned char **newp)
{
    unsigned char hdr[16];
    int64_t v;
    if (str_is_int(s, len, &v)) return lp_insert_int(lp, p, v, where, newp);
    if (len > UINT32_MAX) return NULL;
    uint32_t h = encode_str_hdr(hdr, len);
    return insert_encoded(lp, p, hdr, h, s, len, where, newp);
}

unsigned char *lp_insert_int(unsigned char *lp, unsigned char *p, int64_t v, enum lp_where where,
                             unsigned char **newp)
{
    unsigned char hdr[16];
    uint32_t h = encode_int(hdr, v);
    return insert_encoded(lp, p, hdr, h, NULL, 0, where, newp);
}

unsigned char *lp_append(unsigned char *lp, const void *s, size_t len)
{
    return lp_insert_str(lp, lp + lp_bytes(lp) - 1, s, len, LP_BEFORE, NULL);
}

unsigned char *lp_append_int(unsigned char *lp, int64_t v)
{
    return lp_insert_int(lp, lp + lp_bytes(lp) - 1, v, LP_BEFORE, NULL);
}

static unsigned char *append_items(unsigned char *lp, const struct lp_item *items, size_t n,
                                   size_t most);

unsigned char *lp_append_items(unsigned char *lp, const struct lp_item *items, size_t n)
{
    return append_items(lp, items, n, 0);
}

unsigned char *lp_append_items_grow(unsigned char *lp, const struct lp_item *items, size_t n,
                                    size_t most)
{
    return append_items(lp, items, n, most ? most : 1);
}

/* most: 0 for an exact size, else the bound of a twofold growth. */
static unsigned char *append_items(unsigned char *lp, const struct lp_item *items, size_t n,
                                   size_t most)
{
    /* first pass: the size of every entry; second: write them in place */
    uint64_t add = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char hdr[16];
        int64_t v = items[i].v;
        uint64_t l;
        if (!items[i].s || str_is_int(items[i].s, items[i].len, &v))
            l = encode_int(hdr, v);
        else
            l = encode_str_hdr(hdr, items[i].len) + (uint64_t)items[i].len;
        add += l + backlen_size(l);
    }
    uint64_t bytes = lp_bytes(lp), total = bytes + add;
    if (total > UINT32_MAX) return NULL;
    if (!most) {
        unsigned char *nl = realloc(lp, total);
        if (!nl) return NULL;
        lp = nl;
    } else {
        size_t room = malloc_usable_size(lp);
        if (total > room) {
            size_t want = room * 2 > most ? most : room * 2;
            if (want < total) want = total;
            unsigned char *nl = realloc(lp, want);
            if (!nl) return NULL;
            lp = nl;
        }
    }
    unsigned char *p = lp + bytes - 1; /* over the old EOF */
    for (size_t i = 0; i < n; i++) {
        int64_t v = items[i].v;
        uint32_t l;
        if (!items[i].s || str_is_int(items[i].s, items[i].len, &v)) {
            l = encode_int(p, v);
        } else {
            uint32_t h = encode_str_hdr(p, items[i].len);
            if (items[i].len) memcpy(p + h, items[i].s, items[i].len);
            l = h + (uint32_t)items[i].len;
        }
        p += l;
        p += backlen_encode(p, l);
    }
    *p = LP_EOF;
    set_u32(lp, (uint32_t)total);
    uint32_t cnt = hdr_count(lp);
    if (cnt != LP_COUNT_UNKNOWN) set_count(lp, (uint32_t)(cnt + n));
    return lp;
}

unsigned char *lp_prepend(unsigned char *lp, const void *s, size_t len)
{
    return lp_insert_str(lp, lp + LP_HDR_SIZE, s, len, LP_BEFORE, NULL);
}

unsigned char *lp_prepend_int(unsigned char *lp, int64_t v)
{
    return lp_insert_int(lp, lp + LP_HDR_SIZE, v, LP_BEFORE, NULL);
}

unsigned char *lp_replace(unsigned char *lp, unsigned char **p, const void *s, size_t len)
{
    return lp_insert_str(lp, *p, s, len, LP_REPLACE, p);
}

unsigned char *lp_replace_int(unsigned char *lp, unsigned char **p, int64_t v)
{
    return lp_insert_int(lp, *p, v, LP_REPLACE, p);
}

unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **next)
{
    return splice(lp, p, entry_total(p), NULL, 0, NULL, 0, -1, next);
}

unsigned char *lp_delete_range_p(unsigned char *lp, unsigned char **pp, unsigned long count)
{
    unsigned char *p = *pp, *q = p;
    unsigned long n = 0;
    while (n < count && *q != LP_EOF) {
        q += entry_total(q);
        n++;
    }
    if (n == 0) {
        *pp = *p == LP_EOF ? NULL : p;
        return lp;
    }
    /* one splice of the whole run; fix the count by hand */
    uint32_t cnt = hdr_count(lp);
    lp = splice(lp, p, (uint32_t)(q - p), NULL, 0, NULL, 0, 0, pp);
    if (cnt != LP_COUNT_UNKNOWN) set_count(lp, cnt - (uint32_t)n);
    return lp;
}

unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long count)
{
    unsigned char *p = lp_seek(lp, index);
    if (!p) return lp;
    return lp_delete_range_p(lp, &p, count);
}

/* ------------------------------------------------------------------------ */
/* Validation of untrusted input. */

bool lp_validate(const unsigned char *lp, size_t size, uint32_t *count)
{
    if (size < LP_HDR_SIZE + 1 || lp_bytes(lp) != size || lp[size - 1] != LP_EOF) return false;
    const unsigned char *p = lp + LP_HDR_SIZE, *end = lp + size - 1;
    uint32_t n = 0;
    while (p < end) {
        unsigned char b = p[0];
        /* the header bytes of the encoding must be in bounds before reading */
        size_t need = (b & 0x80) == 0 ? 1 : (b & 0xC0) == 0x80 ? 1 : (b & 0xF0) == 0xF0 ? 5 : 2;
        if ((size_t)(end - p) < need && !(b == ENC_16BIT_INT || b == ENC_24BIT_INT)) return false;
        uint32_t l = entry_len(p);
        if (l == 0) return false;
        uint32_t bl = backlen_size(l);
        if ((size_t)(end - p) < (size_t)l + bl) return false;
        uint32_t nb;
        if (backlen_decode(p + l + bl - 1, &nb) != l || nb != bl) return false;
        p += l + bl;
        n++;
    }
    if (p != end) return false;
    uint32_t hc = hdr_count(lp);
    if (hc != LP_COUNT_UNKNOWN && hc != n) return false;
    if (count) *count = n;
    return true;
}
