/* rdb_legacy.c — reading ziplists and zipmaps (see rdb_legacy.h). The
 * bounds checks are those of Redis's deep validation, so the same blobs are
 * accepted and refused. */
#include <string.h>

#include "rdb_legacy.h"

#define ZL_HDR 10

static inline uint32_t rd32le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Decoded entry header. */
struct zlent {
    uint32_t prevlen, prevlensize;
    uint32_t lensize; /* bytes of the encoding field */
    uint32_t len;     /* data bytes */
    unsigned char enc;
    bool is_str;
};

/* Bytes of integer data for an integer encoding, -1 if not one. */
static int zl_int_size(unsigned char e)
{
    switch (e) {
    case 0xFE: return 1;
    case 0xC0: return 2;
    case 0xF0: return 3;
    case 0xD0: return 4;
    case 0xE0: return 8;
    default: return (e >= 0xF1 && e <= 0xFD) ? 0 : -1;
    }
}

/* Decode the entry at p, every byte read within [first, last] (last is the
 * terminator's position); Redis's zipEntrySafe. */
static bool zl_entry(const unsigned char *first, const unsigned char *last, const unsigned char *p,
                     struct zlent *e)
{
    if (p < first || p > last) return false;
    e->prevlensize = p[0] < 254 ? 1 : 5;
    if (p + e->prevlensize > last) return false;
    e->prevlen = e->prevlensize == 1 ? p[0] : rd32le(p + 1);
    const unsigned char *q = p + e->prevlensize;
    unsigned char b = q[0];
    if (b < 0xC0) {
        e->is_str = true;
        e->enc = b & 0xC0;
        e->lensize = e->enc == 0x00 ? 1 : e->enc == 0x40 ? 2 : 5;
        if (q + e->lensize > last) return false;
        if (e->enc == 0x00)
            e->len = b & 0x3f;
        else if (e->enc == 0x40)
            e->len = (uint32_t)(b & 0x3f) << 8 | q[1];
        else
            e->len = (uint32_t)q[1] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 8 | q[4];
    } else {
        int n = zl_int_size(b);
        if (n < 0) return false;
        e->is_str = false;
        e->enc = b;
        e->lensize = 1;
        e->len = (uint32_t)n;
    }
    /* the whole entry must end before the terminator */
    if ((size_t)(last - p) < (size_t)e->prevlensize + e->lensize + e->len) return false;
    if ((size_t)(p - first) < e->prevlen) return false;
    return true;
}

static int64_t zl_int(const unsigned char *d, unsigned char enc)
{
    switch (enc) {
    case 0xFE: return (int8_t)d[0];
    case 0xC0: return (int16_t)(uint16_t)(d[0] | d[1] << 8);
    case 0xF0: {
        int32_t v = (int32_t)((uint32_t)d[0] << 8 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 24);
        return v >> 8; /* sign-extend the 24 bits */
    }
    case 0xD0: return (int32_t)rd32le(d);
    case 0xE0: return (int64_t)((uint64_t)rd32le(d) | (uint64_t)rd32le(d + 4) << 32);
    default: return (int64_t)(enc & 0x0f) - 1;
    }
}

bool zl_walk(const unsigned char *zl, size_t size, zl_entry_fn fn, void *arg)
{
    if (size < ZL_HDR + 1 || rd32le(zl) != size || zl[size - 1] != 0xFF) return false;
    uint32_t tail = rd32le(zl + 4);
    if (tail > size - 1) return false;
    unsigned header_count = (unsigned)(zl[8] | zl[9] << 8);
    const unsigned char *first = zl + ZL_HDR, *last = zl + size - 1, *p = first, *prev = NULL;
    uint32_t prev_size = 0;
    unsigned count = 0;
    while (p <= last && *p != 0xFF) {
        struct zlent e;
        if (!zl_entry(first, last, p, &e) || e.prevlen != prev_size) return false;
        const unsigned char *data = p + e.prevlensize + e.lensize;
        bool ok = e.is_str ? fn(arg, data, e.len, 0) : fn(arg, NULL, 0, zl_int(data, e.enc));
        if (!ok) return false;
        prev_size = e.prevlensize + e.lensize + e.len;
        prev = p;
        p += prev_size;
        count++;
    }
    if (p != last) return false;
    if (prev && prev != zl + tail) return false;
    if (header_count != 0xFFFF && count != header_count) return false;
    return true;
}

static inline uint32_t zm_len_size(const unsigned char *p)
{
    return p[0] < 254 ? 1 : 5;
}
static inline uint32_t zm_len(const unsigned char *p)
{
    return p[0] < 254 ? p[0] : rd32le(p + 1);
}

bool zm_walk(const unsigned char *zm, size_t size, zm_pair_fn fn, void *arg)
{
    if (size < 2 || zm[size - 1] != 0xFF) return false;
    const unsigned char *lo = zm + 2, *hi = zm + size - 1;
#define OUT(q) ((q) < lo || (q) > hi)
    unsigned count = 0;
    const unsigned char *p = zm + 1;
    while (*p != 0xFF) {
        uint32_t s = zm_len_size(p);
        if (OUT(p + s)) return false;
        uint32_t fl = zm_len(p);
        const unsigned char *f = p + s;
        if ((size_t)(hi - f) < fl) return false;
        p = f + fl;
        if (OUT(p)) return false;
        s = zm_len_size(p);
        if (OUT(p + s)) return false;
        uint32_t vl = zm_len(p);
        p += s;
        uint32_t freeb = *p++;
        const unsigned char *v = p;
        if ((size_t)(hi - v) < (size_t)vl + freeb) return false;
        p = v + vl + freeb;
        if (OUT(p)) return false;
        if (!fn(arg, f, fl, v, vl)) return false;
        count++;
    }
#undef OUT
    if (count == 0) return false;
    if (zm[0] != 254 && zm[0] != count) return false;
    return true;
}
