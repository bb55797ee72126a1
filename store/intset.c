/* intset.c — the sorted integer array of intset.h. Lookups are binary
 * searches; an insert or delete moves the tail with one memmove. */
#include "intset.h"

#include <stdlib.h>
#include <string.h>

static inline uint32_t enc_for(int64_t v)
{
    if (v < INT32_MIN || v > INT32_MAX) return 8;
    if (v < INT16_MIN || v > INT16_MAX) return 4;
    return 2;
}

static inline int64_t get_enc(const struct intset *is, uint32_t pos, uint32_t enc)
{
    const unsigned char *p = is->v + (size_t)pos * enc;
    if (enc == 2) {
        int16_t x;
        memcpy(&x, p, 2);
        return x;
    }
    if (enc == 4) {
        int32_t x;
        memcpy(&x, p, 4);
        return x;
    }
    int64_t x;
    memcpy(&x, p, 8);
    return x;
}

static inline void set_enc(struct intset *is, uint32_t pos, int64_t v, uint32_t enc)
{
    unsigned char *p = is->v + (size_t)pos * enc;
    if (enc == 2) {
        int16_t x = (int16_t)v;
        memcpy(p, &x, 2);
    } else if (enc == 4) {
        int32_t x = (int32_t)v;
        memcpy(p, &x, 4);
    } else {
        memcpy(p, &v, 8);
    }
}

int64_t intset_get(const struct intset *is, uint32_t pos)
{
    return get_enc(is, pos, is->enc);
}

struct intset *intset_new(void)
{
    struct intset *is = malloc(sizeof(*is));
    if (!is) return NULL;
    is->enc = 2;
    is->len = 0;
    return is;
}

void intset_free(struct intset *is)
{
    free(is);
}

struct intset *intset_dup(const struct intset *is)
{
    struct intset *d = malloc(intset_bytes(is));
    if (d) memcpy(d, is, intset_bytes(is));
    return d;
}

/* Binary search: true and *pos = index if found, else *pos = insertion
 * point. */
static bool search(const struct intset *is, int64_t v, uint32_t *pos)
{
    uint32_t lo = 0, hi = is->len;
    if (is->len) {
        /* appends and prepends of new extremes are common: check the ends */
        if (v > get_enc(is, is->len - 1, is->enc)) {
            *pos = is->len;
            return false;
        }
        if (v < get_enc(is, 0, is->enc)) {
            *pos = 0;
            return false;
        }
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t x = get_enc(is, mid, is->enc);
        if (x == v) {
            *pos = mid;
            return true;
        }
        if (x < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return false;
}

bool intset_find(const struct intset *is, int64_t v)
{
    uint32_t pos;
    return enc_for(v) <= is->enc && search(is, v, &pos);
}

/* Widen every value to enc, then add v, which does not fit the old width
 * and so is either below or above all of them. */
static struct intset *upgrade_add(struct intset *is, int64_t v, uint32_t enc)
{
    uint32_t old = is->enc, n = is->len;
    struct intset *t = realloc(is, sizeof(*is) + (size_t)enc * (n + 1));
    if (!t) return NULL;
    is = t;
    bool prepend = v < 0;
    /* back to front so nothing is overwritten before it is read */
    for (uint32_t i = n; i-- > 0;) set_enc(is, i + (prepend ? 1 : 0), get_enc(is, i, old), enc);
    is->enc = enc;
    set_enc(is, prepend ? 0 : n, v, enc);
    is->len = n + 1;
    return is;
}

struct intset *intset_add(struct intset *is, int64_t v, bool *added)
{
    uint32_t enc = enc_for(v);
    *added = false;
    if (enc > is->enc) {
        struct intset *t = upgrade_add(is, v, enc);
        if (t) *added = true;
        return t;
    }
    uint32_t pos;
    if (search(is, v, &pos)) return is;
    struct intset *t = realloc(is, sizeof(*is) + (size_t)is->enc * (is->len + 1));
    if (!t) return NULL;
    is = t;
    memmove(is->v + (size_t)(pos + 1) * is->enc, is->v + (size_t)pos * is->enc,
            (size_t)(is->len - pos) * is->enc);
    set_enc(is, pos, v, is->enc);
    is->len++;
    *added = true;
    return is;
}

struct intset *intset_remove(struct intset *is, int64_t v, bool *removed)
{
    uint32_t pos;
    *removed = false;
    if (enc_for(v) > is->enc || !search(is, v, &pos)) return is;
    memmove(is->v + (size_t)pos * is->enc, is->v + (size_t)(pos + 1) * is->enc,
            (size_t)(is->len - pos - 1) * is->enc);
    is->len--;
    *removed = true;
    struct intset *t = realloc(is, intset_bytes(is));
    return t ? t : is;
}

bool intset_validate(const void *p, size_t size)
{
    struct intset h;
    if (size < sizeof(h)) return false;
    memcpy(&h, p, sizeof(h));
    if (h.enc != 2 && h.enc != 4 && h.enc != 8) return false;
    if ((uint64_t)h.enc * h.len + sizeof(h) != size) return false;
    if (h.len == 0) return false; /* Redis rejects an empty intset */
    const struct intset *is = p;
    for (uint32_t i = 1; i < h.len; i++)
        if (get_enc(is, i - 1, h.enc) >= get_enc(is, i, h.enc)) return false;
    return true;
}
