/* rdb_load.c — reading values in RDB format (see rdb.h).
 *
 * rdb_read_object() follows Redis 7.0's rdbLoadObject case by case: which
 * encoding a loaded value gets, when it converts, which inputs are errors
 * and which are "empty keys" that a file load skips. Where Redis trusts a
 * blob without sanitization (a listpack's entries, pair counts) we still walk
 * it, so a malformed blob is refused instead of crashing a later command;
 * duplicate checks that cost a dictionary run only when in->deep, as in
 * Redis.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "crc64.h"
#include "dict.h"
#include "intset.h"
#include "listpack.h"
#include "lzf.h"
#include "quicklist.h"
#include "rdb.h"
#include "rdb_legacy.h"
#include "stream.h"
#include "t_hash.h"
#include "t_set.h"
#include "t_zset.h"
#include "tunables.h"
#include "zskiplist.h"

/* ------------------------------------------------------------------------ */
/* The reader. */

void rdb_in_mem(struct rdb_in *in, const void *p, size_t len, bool deep)
{
    memset(in, 0, sizeof(*in));
    in->mem = p;
    in->mem_len = len;
    in->size = len;
    in->deep = deep;
    in->rdbver = RDB_VERSION;
}

void rdb_in_source(struct rdb_in *in, int (*source)(void *, void *, size_t), void *arg, bool deep,
                   bool checksum)
{
    memset(in, 0, sizeof(*in));
    in->source = source;
    in->source_arg = arg;
    in->deep = deep;
    in->checksum = checksum;
    in->rdbver = RDB_VERSION;
}

void rdb_in_free(struct rdb_in *in)
{
    free(in->scratch);
    in->scratch = NULL;
    in->scratch_cap = 0;
}

bool rdb_in_fail(struct rdb_in *in, bool corrupt, const char *fmt, ...)
{
    if (in->failed) return false;
    in->failed = true;
    in->corrupt = corrupt;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->err, sizeof(in->err), fmt, ap);
    va_end(ap);
    return false;
}

bool rdb_read(struct rdb_in *in, void *dst, size_t n)
{
    if (in->failed) return false;
    if (!n) return true;
    if (in->source) {
        int rc = in->source(in->source_arg, dst, n);
        if (rc == -ENODATA) return rdb_in_fail(in, false, "Unexpected EOF reading RDB file");
        if (rc < 0) return rdb_in_fail(in, false, "Read error: %s", strerror(-rc));
    } else {
        if (in->mem_len - in->pos < n) return rdb_in_fail(in, false, "Unexpected end of data");
        memcpy(dst, in->mem + in->pos, n);
    }
    if (in->checksum) in->crc = crc64(in->crc, dst, n);
    in->pos += n;
    return true;
}

int rdb_read_byte(struct rdb_in *in)
{
    unsigned char b;
    return rdb_read(in, &b, 1) ? b : -1;
}

bool rdb_read_len(struct rdb_in *in, uint64_t *len, bool *encoded)
{
    unsigned char b[8] = {0}; /* (filled by rdb_read; zeroed for the analyzer) */
    if (encoded) *encoded = false;
    if (!rdb_read(in, b, 1)) return false;
    switch (b[0] >> 6) {
    case 3:
        if (encoded) *encoded = true;
        *len = b[0] & 0x3f;
        return true;
    case 0: *len = b[0] & 0x3f; return true;
    case 1: {
        unsigned hi = b[0] & 0x3f;
        if (!rdb_read(in, b, 1)) return false;
        *len = (uint64_t)hi << 8 | b[0];
        return true;
    }
    default:
        if (b[0] == 0x80) {
            if (!rdb_read(in, b, 4)) return false;
            *len = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
            return true;
        }
        if (b[0] == 0x81) {
            if (!rdb_read(in, b, 8)) return false;
            uint64_t v = 0;
            for (int i = 0; i < 8; i++) v = v << 8 | b[i];
            *len = v;
            return true;
        }
        return rdb_in_fail(in, true, "Unknown length encoding %d in rdbLoadLen()", b[0] >> 6);
    }
}

/* Can `n` more items of at least `each` bytes still follow? A count or a
 * length beyond what the input holds is a truncated (or corrupt) input,
 * refused before anything is allocated for it. */
static bool fits(struct rdb_in *in, uint64_t n, uint64_t each)
{
    if (!in->size) return true;
    uint64_t left = in->size > in->pos ? in->size - in->pos : 0;
    if (each && n > left / each) return rdb_in_fail(in, false, "Unexpected end of data");
    return true;
}

/* A length that must not carry a string encoding (counts of elements). */
static bool read_count(struct rdb_in *in, uint64_t *len)
{
    return rdb_read_len(in, len, NULL);
}

bool rdb_read_ms(struct rdb_in *in, int64_t *ms)
{
    unsigned char b[8];
    if (!rdb_read(in, b, 8)) return false;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
    *ms = (int64_t)v;
    return true;
}

static char *scratch(struct rdb_in *in, size_t n)
{
    if (n + 1 <= in->scratch_cap) return in->scratch;
    size_t cap = in->scratch_cap ? in->scratch_cap : 256;
    while (cap < n + 1) cap *= 2;
    char *p = realloc(in->scratch, cap);
    if (!p) return NULL;
    in->scratch = p;
    in->scratch_cap = cap;
    return p;
}

/* The body of a string once its length byte was read: into dst (allocated
 * by alloc(n) with room for n + 1). */
static char *read_str_body(struct rdb_in *in, uint64_t len, bool encoded, size_t *outlen,
                           char *(*alloc)(struct rdb_in *, size_t))
{
    if (encoded) {
        unsigned char b[4];
        long long v;
        switch (len) {
        case 0:
            if (!rdb_read(in, b, 1)) return NULL;
            v = (int8_t)b[0];
            break;
        case 1:
            if (!rdb_read(in, b, 2)) return NULL;
            v = (int16_t)(uint16_t)(b[0] | b[1] << 8);
            break;
        case 2:
            if (!rdb_read(in, b, 4)) return NULL;
            v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                          (uint32_t)b[3] << 24);
            break;
        case 3: {
            uint64_t clen, ulen;
            if (!read_count(in, &clen) || !read_count(in, &ulen)) return NULL;
            if (!fits(in, clen, 1)) return NULL;
            /* a 3-byte reference yields at most 264 bytes */
            if (clen > SIZE_MAX / 2 || ulen > clen * 88 + 32) {
                rdb_in_fail(in, true, "LZF string of %llu bytes is too large",
                            (unsigned long long)ulen);
                return NULL;
            }
            unsigned char *c = malloc(clen ? clen : 1);
            char *out = c ? alloc(in, ulen) : NULL;
            if (!c || !out) {
                free(c);
                rdb_in_fail(in, false, "rdbLoadLzfStringObject failed allocating %llu bytes",
                            (unsigned long long)ulen);
                return NULL;
            }
            if (!rdb_read(in, c, clen)) {
                free(c);
                if (out != in->scratch) free(out);
                return NULL;
            }
            size_t got = lzf_decompress(c, clen, out, ulen);
            free(c);
            if (got != ulen) { /* an empty result counts, as in Redis */
                if (out != in->scratch) free(out);
                rdb_in_fail(in, true, "Invalid LZF compressed string");
                return NULL;
            }
            out[ulen] = '\0';
            *outlen = ulen;
            return out;
        }
        default:
            rdb_in_fail(in, true, "Unknown RDB string encoding type %llu", (unsigned long long)len);
            return NULL;
        }
        char d[24];
        int n = ll_to_str(d, sizeof(d), v);
        char *out = alloc(in, (size_t)n);
        if (!out) {
            rdb_in_fail(in, false, "Out of memory");
            return NULL;
        }
        memcpy(out, d, (size_t)n + 1);
        *outlen = (size_t)n;
        return out;
    }
    if (!fits(in, len, 1)) return NULL;
    if (len > SIZE_MAX / 2) {
        rdb_in_fail(in, true, "String of %llu bytes is too large", (unsigned long long)len);
        return NULL;
    }
    char *out = alloc(in, len);
    if (!out) {
        rdb_in_fail(in, false, "rdbGenericLoadStringObject failed allocating %llu bytes",
                    (unsigned long long)len);
        return NULL;
    }
    if (!rdb_read(in, out, len)) {
        if (out != in->scratch) free(out);
        return NULL;
    }
    out[len] = '\0';
    *outlen = len;
    return out;
}

static char *alloc_scratch(struct rdb_in *in, size_t n)
{
    return scratch(in, n);
}

static char *alloc_heap(struct rdb_in *in, size_t n)
{
    (void)in;
    return malloc(n + 1);
}

static char *read_str_with(struct rdb_in *in, size_t *len, char *(*alloc)(struct rdb_in *, size_t))
{
    uint64_t l = 0;
    bool enc = false;
    if (!rdb_read_len(in, &l, &enc)) return NULL;
    return read_str_body(in, l, enc, len, alloc);
}

const char *rdb_read_str(struct rdb_in *in, size_t *len)
{
    return read_str_with(in, len, alloc_scratch);
}

char *rdb_read_str_alloc(struct rdb_in *in, size_t *len)
{
    return read_str_with(in, len, alloc_heap);
}

/* rdbLoadDoubleValue: the pre-ZSET_2 ASCII form. */
static bool read_double_ascii(struct rdb_in *in, double *d)
{
    int n = rdb_read_byte(in);
    if (n < 0) return false;
    if (n == 255) {
        *d = -INFINITY;
        return true;
    }
    if (n == 254) {
        *d = INFINITY;
        return true;
    }
    if (n == 253) {
        *d = NAN;
        return true;
    }
    char buf[256];
    if (!rdb_read(in, buf, (size_t)n)) return false;
    buf[n] = '\0';
    if (sscanf(buf, "%lg", d) != 1) return rdb_in_fail(in, true, "Bad double value");
    return true;
}

static bool read_double_bin(struct rdb_in *in, double *d)
{
    unsigned char b[8];
    if (!rdb_read(in, b, 8)) return false;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u |= (uint64_t)b[i] << (8 * i);
    memcpy(d, &u, 8);
    return true;
}

/* ------------------------------------------------------------------------ */
/* Duplicate detection for the deep checks: a throwaway set of byte strings. */

struct dupset {
    struct dict d;
};
struct dupnode {
    struct dnode node;
    uint32_t len;
    char s[];
};

static bool dup_eq(const struct dnode *n, const void *key, size_t len)
{
    const struct dupnode *e = (const struct dupnode *)n;
    return e->len == len && memcmp(e->s, key, len) == 0;
}
static const struct dict_type dup_type = {.eq = dup_eq};

static void dup_init(struct dupset *s, uint64_t expect)
{
    dict_init(&s->d, &dup_type);
    if (expect) dict_expand(&s->d, expect);
}
static void dup_free_cb(struct dnode *n, void *arg)
{
    (void)arg;
    free(n);
}
static void dup_done(struct dupset *s)
{
    dict_release(&s->d, dup_free_cb, NULL);
}
/* 1 added, 0 already there, -1 out of memory. */
static int dup_add(struct dupset *s, const void *p, size_t len)
{
    uint64_t h = dict_hash(p, len);
    if (dict_find(&s->d, p, len, h)) return 0;
    struct dupnode *e = malloc(sizeof(*e) + len);
    if (!e) return -1;
    e->node.hash = h;
    e->len = (uint32_t)len;
    memcpy(e->s, p, len);
    dict_add(&s->d, &e->node);
    return 1;
}

/* A listpack of field/value (or member/score) pairs: structure always, an
 * even count always (our code walks pairs), distinct keys when deep
 * (Redis's lpPairsValidateIntegrityAndDups). *pairs gets the pair count. */
static bool lp_pairs_ok(const unsigned char *lp, size_t size, bool deep, uint32_t *pairs)
{
    uint32_t n;
    if (!lp_validate(lp, size, &n) || (n & 1)) return false;
    *pairs = n / 2;
    if (!deep) return true;
    struct dupset ds;
    dup_init(&ds, n / 2);
    bool ok = true;
    for (unsigned char *p = lp_first(lp); p && ok; p = lp_next(lp, lp_next(lp, p))) {
        char buf[LP_INTBUF];
        uint32_t l;
        const unsigned char *s = lp_get_str(p, &l, buf);
        if (dup_add(&ds, s, l) != 1) ok = false;
    }
    dup_done(&ds);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Ziplist and zipmap conversions. */

/* Append each ziplist entry to a listpack. */
struct zl_to_lp {
    unsigned char *lp;
    bool pairs; /* check the keys (every even entry) are distinct */
    struct dupset ds;
    uint64_t n;
};

static bool zl_to_lp_cb(void *arg, const unsigned char *s, uint32_t len, int64_t v)
{
    struct zl_to_lp *c = arg;
    if (c->pairs && (c->n & 1) == 0) {
        char buf[24];
        const void *k = s;
        size_t kl = len;
        if (!s) {
            kl = (size_t)ll_to_str(buf, sizeof(buf), v);
            k = buf;
        }
        if (dup_add(&c->ds, k, kl) != 1) return false;
    }
    unsigned char *lp = s ? lp_append(c->lp, s, len) : lp_append_int(c->lp, v);
    if (!lp) return false;
    c->lp = lp;
    c->n++;
    return true;
}

/* A ziplist as a listpack (NULL if malformed, or for pairs with a duplicate
 * key or an odd count): ziplistPairsConvertAndValidateIntegrity. */
static unsigned char *ziplist_to_listpack(const unsigned char *zl, size_t size, bool pairs)
{
    struct zl_to_lp c = {.lp = lp_new(size), .pairs = pairs};
    if (!c.lp) return NULL;
    if (pairs) dup_init(&c.ds, 0);
    bool ok = zl_walk(zl, size, zl_to_lp_cb, &c) && (!pairs || (c.n & 1) == 0);
    if (pairs) dup_done(&c.ds);
    if (!ok) {
        lp_free(c.lp);
        return NULL;
    }
    return lp_shrink(c.lp);
}

static bool zl_to_ql_cb(void *arg, const unsigned char *s, uint32_t len, int64_t v)
{
    char buf[24];
    if (!s) {
        len = (uint32_t)ll_to_str(buf, sizeof(buf), v);
        s = (const unsigned char *)buf;
    }
    return ql_push(arg, QL_TAIL, s, len) == 0;
}

struct zm_to_lp {
    unsigned char *lp;
    struct dupset ds;
    uint32_t maxlen, badlen;
    bool toolong;
};

static bool zm_to_lp_cb(void *arg, const unsigned char *f, uint32_t flen, const unsigned char *v,
                        uint32_t vlen)
{
    struct zm_to_lp *c = arg;
    if (flen > c->maxlen) c->maxlen = flen;
    if (vlen > c->maxlen) c->maxlen = vlen;
    if (dup_add(&c->ds, f, flen) != 1 || !lp_safe_to_add(c->lp, (size_t)flen + vlen)) {
        c->toolong = true;
        c->badlen = flen;
        return false;
    }
    unsigned char *lp = lp_append(c->lp, f, flen);
    if (lp) lp = lp_append(c->lp = lp, v, vlen);
    if (!lp) return false;
    c->lp = lp;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Values by type. */

static struct sobj *wrap(enum obj_type t, enum obj_enc enc, void *ptr, void (*fr)(void *))
{
    struct sobj *o = obj_new_coll(t, enc, ptr);
    if (!o) fr(ptr);
    return o;
}

static void free_lp(void *p)
{
    lp_free(p);
}
static void free_ql(void *p)
{
    ql_free(p);
}
static void free_zs(void *p)
{
    zset_free(p);
}
static void free_is(void *p)
{
    intset_free(p);
}

#define OOM(in) rdb_in_fail((in), false, "Out of memory")

static struct sobj *load_string(struct rdb_in *in)
{
    size_t len;
    const char *s = rdb_read_str(in, &len);
    if (!s) return NULL;
    struct sobj *o = obj_string_new(s, len);
    if (!o) OOM(in);
    return o;
}

static struct sobj *load_list_linked(struct rdb_in *in, int *why)
{
    uint64_t len = 0;
    if (!read_count(in, &len) || !fits(in, len, 1)) return NULL;
    if (len == 0) {
        *why = RDB_LOAD_EMPTY;
        return NULL;
    }
    struct quicklist *ql = ql_new_default();
    if (!ql) return OOM(in), NULL;
    while (len--) {
        size_t l;
        const char *s = rdb_read_str(in, &l);
        if (!s || ql_push(ql, QL_TAIL, s, l) != 0) {
            if (s) OOM(in);
            ql_free(ql);
            return NULL;
        }
    }
    return wrap(OBJ_LIST, ENC_QUICKLIST, ql, free_ql);
}

static struct sobj *load_set(struct rdb_in *in, int *why)
{
    uint64_t len = 0;
    if (!read_count(in, &len) || !fits(in, len, 1)) return NULL;
    if (len == 0) {
        *why = RDB_LOAD_EMPTY;
        return NULL;
    }
    struct sobj *o = set_new_intset();
    if (!o) return OOM(in), NULL;
    long long max = store_tun.set_max_intset_entries;
    if (max >= 1 << 30) max = 1 << 30;
    if ((long long)len > max && !set_convert(o)) {
        obj_free(o);
        return OOM(in), NULL;
    }
    for (uint64_t i = 0; i < len; i++) {
        size_t l;
        const char *s = rdb_read_str(in, &l);
        int rc = s ? set_add(o, s, l) : -2;
        if (rc == 1) continue;
        if (rc == 0) rdb_in_fail(in, true, "Duplicate set members detected");
        if (rc == -1) OOM(in);
        obj_free(o);
        return NULL;
    }
    return o;
}

static struct sobj *load_zset(struct rdb_in *in, bool binary, int *why)
{
    uint64_t len = 0;
    if (!read_count(in, &len) || !fits(in, len, binary ? 9 : 2)) return NULL;
    if (len == 0) {
        *why = RDB_LOAD_EMPTY;
        return NULL;
    }
    struct zset *zs = zset_new();
    struct sobj *o = zs ? wrap(OBJ_ZSET, ENC_SKIPLIST, zs, free_zs) : NULL;
    if (!o) return OOM(in), NULL;
    if (len <= UINT32_MAX) dict_expand(&zs->d, len);
    size_t maxlen = 0, totlen = 0;
    while (len--) {
        size_t l;
        const char *m = rdb_read_str(in, &l);
        double score;
        if (!m || !(binary ? read_double_bin(in, &score) : read_double_ascii(in, &score))) {
            obj_free(o);
            return NULL;
        }
        if (isnan(score)) {
            rdb_in_fail(in, true, "Zset with NAN score detected");
            obj_free(o);
            return NULL;
        }
        if (zset_find(zs, m, l)) {
            rdb_in_fail(in, true, "Duplicate zset fields detected");
            obj_free(o);
            return NULL;
        }
        if (!zset_insert(zs, score, m, l)) {
            obj_free(o);
            return OOM(in), NULL;
        }
        if (l > maxlen) maxlen = l;
        totlen += l;
    }
    /* converted after loading: the elements are not stored in order */
    zset_obj_maybe_to_listpack(o, maxlen, totlen);
    return o;
}

static struct sobj *load_hash(struct rdb_in *in, int *why)
{
    uint64_t len = 0;
    if (!read_count(in, &len) || !fits(in, len, 2)) return NULL;
    if (len == 0) {
        *why = RDB_LOAD_EMPTY;
        return NULL;
    }
    struct sobj *o = hash_new();
    if (!o) return OOM(in), NULL;
    /* too many fields: a hash table from the start */
    if ((long long)len > store_tun.hash_max_listpack_entries && !hash_convert(o)) {
        obj_free(o);
        return OOM(in), NULL;
    }
    while (len--) {
        size_t fl, vl;
        char *f = rdb_read_str_alloc(in, &fl);
        const char *v = f ? rdb_read_str(in, &vl) : NULL;
        if (!v) {
            free(f);
            obj_free(o);
            return NULL;
        }
        if (o->enc == ENC_LISTPACK &&
            ((long long)fl > store_tun.hash_max_listpack_value ||
             (long long)vl > store_tun.hash_max_listpack_value ||
             !lp_safe_to_add(o->v.ptr, fl + vl)) &&
            !hash_convert(o)) {
            free(f);
            obj_free(o);
            return OOM(in), NULL;
        }
        int rc = hash_set(o, f, fl, v, vl);
        free(f);
        if (rc == 1) continue;
        if (rc == 0)
            rdb_in_fail(in, true, "Duplicate hash fields detected");
        else
            OOM(in);
        obj_free(o);
        return NULL;
    }
    return o;
}

static struct sobj *load_quicklist(struct rdb_in *in, bool v2, int *why)
{
    uint64_t nodes = 0;
    if (!read_count(in, &nodes) || !fits(in, nodes, v2 ? 2 : 1)) return NULL;
    if (nodes == 0) {
        *why = RDB_LOAD_EMPTY;
        return NULL;
    }
    struct quicklist *ql = ql_new_default();
    if (!ql) return OOM(in), NULL;
    while (nodes--) {
        uint64_t container = RDB_QL_PACKED;
        if (v2) {
            if (!read_count(in, &container)) goto fail;
            if (container != RDB_QL_PACKED && container != RDB_QL_PLAIN) {
                rdb_in_fail(in, true, "Quicklist integrity check failed.");
                goto fail;
            }
        }
        size_t len;
        unsigned char *data = (unsigned char *)rdb_read_str_alloc(in, &len);
        if (!data) goto fail;
        if (len == 0) {
            free(data);
            rdb_in_fail(in, true, "Empty quicklist node");
            goto fail;
        }
        if (container == RDB_QL_PLAIN) {
            /* one big element; our quicklist keeps it in a listpack node */
            int rc = ql_push(ql, QL_TAIL, data, len);
            free(data);
            if (rc != 0) {
                OOM(in);
                goto fail;
            }
            continue;
        }
        unsigned char *lp;
        if (v2) {
            if (!lp_validate(data, len, NULL)) {
                free(data);
                rdb_in_fail(in, true, "Listpack integrity check failed.");
                goto fail;
            }
            lp = data;
        } else {
            lp = ziplist_to_listpack(data, len, false);
            free(data);
            if (!lp) {
                rdb_in_fail(in, true, "Ziplist integrity check failed.");
                goto fail;
            }
        }
        /* empty nodes are skipped; an empty list is caught below */
        if (lp_count(lp) == 0) {
            lp_free(lp);
            continue;
        }
        if (ql_append_listpack(ql, lp) != 0) {
            lp_free(lp);
            OOM(in);
            goto fail;
        }
    }
    if (ql_count(ql) == 0) {
        ql_free(ql);
        *why = RDB_LOAD_EMPTY;
        return NULL;
    }
    return wrap(OBJ_LIST, ENC_QUICKLIST, ql, free_ql);
fail:
    ql_free(ql);
    return NULL;
}

/* The types stored as one blob (a string holding the encoded structure). */
static struct sobj *load_blob(struct rdb_in *in, int type, int *why)
{
    size_t len;
    unsigned char *b = (unsigned char *)rdb_read_str_alloc(in, &len);
    if (!b) return NULL;
    struct sobj *o = NULL;
    switch (type) {
    case RDB_TYPE_HASH_ZIPMAP: {
        struct zm_to_lp c = {.lp = lp_new(len)};
        if (!c.lp) break;
        dup_init(&c.ds, 0);
        bool ok = zm_walk(b, len, zm_to_lp_cb, &c);
        dup_done(&c.ds);
        free(b);
        b = NULL;
        if (!ok) {
            lp_free(c.lp);
            if (c.toolong)
                rdb_in_fail(in, true, "Hash zipmap with dup elements, or big length (%u)",
                            c.badlen);
            else
                rdb_in_fail(in, true, "Zipmap integrity check failed.");
            return NULL;
        }
        o = wrap(OBJ_HASH, ENC_LISTPACK, lp_shrink(c.lp), free_lp);
        if (o && ((long long)hash_len(o) > store_tun.hash_max_listpack_entries ||
                  (long long)c.maxlen > store_tun.hash_max_listpack_value))
            hash_convert(o);
        break;
    }
    case RDB_TYPE_LIST_ZIPLIST: {
        struct quicklist *ql = ql_new_default();
        if (!ql) break;
        bool ok = zl_walk(b, len, zl_to_ql_cb, ql);
        free(b);
        b = NULL;
        if (!ok) {
            ql_free(ql);
            rdb_in_fail(in, true, "List ziplist integrity check failed.");
            return NULL;
        }
        if (ql_count(ql) == 0) {
            ql_free(ql);
            *why = RDB_LOAD_EMPTY;
            return NULL;
        }
        o = wrap(OBJ_LIST, ENC_QUICKLIST, ql, free_ql);
        break;
    }
    case RDB_TYPE_SET_INTSET:
        if (!intset_validate(b, len)) {
            free(b);
            rdb_in_fail(in, true, "Intset integrity check failed.");
            return NULL;
        }
        o = wrap(OBJ_SET, ENC_INTSET, b, free_is);
        b = NULL;
        if (o && (long long)set_len(o) > store_tun.set_max_intset_entries) set_convert(o);
        break;
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_HASH_ZIPLIST: {
        bool zset = type == RDB_TYPE_ZSET_ZIPLIST;
        unsigned char *lp = ziplist_to_listpack(b, len, true);
        free(b);
        b = NULL;
        if (!lp) {
            rdb_in_fail(in, true,
                        zset ? "Zset ziplist integrity check failed."
                             : "Hash ziplist integrity check failed.");
            return NULL;
        }
        if (lp_count(lp) == 0) {
            lp_free(lp);
            *why = RDB_LOAD_EMPTY;
            return NULL;
        }
        o = wrap(zset ? OBJ_ZSET : OBJ_HASH, ENC_LISTPACK, lp, free_lp);
        if (!o) break;
        if (zset && (long long)zset_obj_len(o) > store_tun.zset_max_listpack_entries)
            zset_obj_to_skiplist(o);
        else if (!zset && (long long)hash_len(o) > store_tun.hash_max_listpack_entries)
            hash_convert(o);
        break;
    }
    case RDB_TYPE_ZSET_LISTPACK:
    case RDB_TYPE_HASH_LISTPACK: {
        bool zset = type == RDB_TYPE_ZSET_LISTPACK;
        uint32_t pairs;
        if (!lp_pairs_ok(b, len, in->deep, &pairs)) {
            free(b);
            rdb_in_fail(in, true,
                        zset ? "Zset listpack integrity check failed."
                             : "Hash listpack integrity check failed.");
            return NULL;
        }
        if (pairs == 0) {
            free(b);
            *why = RDB_LOAD_EMPTY;
            return NULL;
        }
        o = wrap(zset ? OBJ_ZSET : OBJ_HASH, ENC_LISTPACK, b, free_lp);
        b = NULL;
        if (!o) break;
        if (zset && (long long)pairs > store_tun.zset_max_listpack_entries)
            zset_obj_to_skiplist(o);
        else if (!zset && (long long)pairs > store_tun.hash_max_listpack_entries)
            hash_convert(o);
        break;
    }
    }
    free(b);
    if (!o) OOM(in);
    return o;
}

/* Redis's stream loading (RDB_TYPE_STREAM_LISTPACKS and _2), with its
 * error texts; every node is walked in full (stream_lp_valid) and every
 * NACK must end up with exactly one consumer, whatever deep says. */
static struct sobj *load_stream(struct rdb_in *in, bool v2)
{
    struct stream *s = stream_new();
    if (!s) {
        OOM(in);
        return NULL;
    }
    uint64_t nodes = 0, v = 0;
    if (!read_count(in, &nodes) || !fits(in, nodes, 2)) goto fail;
    while (nodes--) {
        size_t klen;
        char *key = rdb_read_str_alloc(in, &klen);
        if (!key) goto fail;
        if (klen != 16) {
            free(key);
            rdb_in_fail(in, true, "Stream node key entry is not the size of a stream ID");
            goto fail;
        }
        size_t lplen;
        unsigned char *lp = (unsigned char *)rdb_read_str_alloc(in, &lplen);
        if (!lp) {
            free(key);
            goto fail;
        }
        if (!stream_lp_valid(lp, lplen)) {
            free(key);
            free(lp);
            rdb_in_fail(in, true, "Stream listpack integrity check failed.");
            goto fail;
        }
        int r = rax_insert(s->rax, key, 16, lp, NULL, false);
        free(key);
        if (r != 1) {
            free(lp);
            if (r < 0)
                OOM(in);
            else
                rdb_in_fail(in, true, "Listpack re-added with existing key");
            goto fail;
        }
    }
    if (!read_count(in, &s->length) || !read_count(in, &s->last_id.ms) ||
        !read_count(in, &s->last_id.seq))
        goto fail;
    if (v2) {
        if (!read_count(in, &s->first_id.ms) || !read_count(in, &s->first_id.seq) ||
            !read_count(in, &s->max_deleted.ms) || !read_count(in, &s->max_deleted.seq) ||
            !read_count(in, &s->entries_added))
            goto fail;
    } else {
        /* before 7.0: every entry counted as added, no tombstone known */
        s->entries_added = s->length;
        stream_edge_id(s, true, true, &s->first_id);
    }
    if (s->length && !rax_size(s->rax)) {
        rdb_in_fail(in, true, "Stream length inconsistent with rax entries");
        goto fail;
    }
    uint64_t ngroups = 0;
    if (!read_count(in, &ngroups) || !fits(in, ngroups, 4)) goto fail;
    while (ngroups--) {
        size_t nlen;
        char *name = rdb_read_str_alloc(in, &nlen);
        if (!name) goto fail;
        struct sid last;
        if (!read_count(in, &last.ms) || !read_count(in, &last.seq)) {
            free(name);
            goto fail;
        }
        long long read;
        if (v2) {
            if (!read_count(in, &v)) {
                free(name);
                goto fail;
            }
            read = (long long)v;
        } else {
            read = stream_estimate_distance(s, &last);
        }
        bool oom;
        struct sgroup *g = stream_group_create(s, name, nlen, &last, read, &oom);
        if (!g) {
            if (oom)
                OOM(in);
            else
                rdb_in_fail(in, true, "Duplicated consumer group name %.*s", (int)nlen, name);
            free(name);
            goto fail;
        }
        free(name);
        uint64_t npel = 0;
        if (!read_count(in, &npel) || !fits(in, npel, 16 + 8 + 1)) goto fail;
        while (npel--) {
            unsigned char raw[16];
            int64_t dt;
            uint64_t cnt;
            if (!rdb_read(in, raw, 16) || !rdb_read_ms(in, &dt) || !read_count(in, &cnt)) goto fail;
            struct snack *na = stream_nack_new(NULL, dt);
            if (!na) {
                OOM(in);
                goto fail;
            }
            na->delivery_count = cnt;
            int r = rax_insert(g->pel, raw, 16, na, NULL, false);
            if (r != 1) {
                free(na);
                if (r < 0)
                    OOM(in);
                else
                    rdb_in_fail(in, true,
                                "Duplicated global PEL entry loading stream consumer group");
                goto fail;
            }
        }
        uint64_t ncons = 0;
        if (!read_count(in, &ncons) || !fits(in, ncons, 9)) goto fail;
        while (ncons--) {
            char *cname = rdb_read_str_alloc(in, &nlen);
            if (!cname) goto fail;
            struct sconsumer *cs = stream_consumer_create(g, cname, nlen, 0, &oom);
            free(cname);
            if (!cs) {
                if (oom)
                    OOM(in);
                else
                    rdb_in_fail(in, true, "Duplicate stream consumer detected.");
                goto fail;
            }
            if (!rdb_read_ms(in, &cs->seen_time) || !read_count(in, &npel) || !fits(in, npel, 16))
                goto fail;
            while (npel--) {
                unsigned char raw[16];
                if (!rdb_read(in, raw, 16)) goto fail;
                void **slot = rax_find(g->pel, raw, 16);
                if (!slot) {
                    rdb_in_fail(in, true, "Consumer entry not found in group global PEL");
                    goto fail;
                }
                struct snack *na = *slot;
                if (na->consumer) {
                    rdb_in_fail(in, true,
                                "Stream consumer PEL entry already has a consumer assigned");
                    goto fail;
                }
                if (rax_insert(cs->pel, raw, 16, na, NULL, false) != 1) {
                    OOM(in);
                    goto fail;
                }
                na->consumer = cs;
            }
        }
        /* an owner for every pending entry (commands rely on it) */
        struct rax_iter ri;
        rax_iter_start(&ri, g->pel);
        rax_seek(&ri, RAX_FIRST, NULL, 0);
        bool orphan = false;
        while (!orphan && rax_next(&ri)) orphan = ((struct snack *)ri.val)->consumer == NULL;
        rax_iter_stop(&ri);
        if (orphan) {
            rdb_in_fail(in, true, "Stream CG PEL entry without consumer");
            goto fail;
        }
    }
    struct sobj *o = obj_new_coll(OBJ_STREAM, ENC_STREAM, s);
    if (!o) {
        OOM(in);
        goto fail;
    }
    return o;
fail:
    stream_free(s);
    return NULL;
}

void rdb_module_name(uint64_t id, char out[10])
{
    static const char cset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    /* nine 6-bit characters from the top of the id; the low 10 bits are the
     * encoding version */
    uint64_t v = id >> 10;
    for (int i = 8; i >= 0; i--) {
        out[i] = cset[v & 63];
        v >>= 6;
    }
    out[9] = '\0';
}

struct sobj *rdb_read_object(struct rdb_in *in, int type, int *why)
{
    int dummy;
    if (!why) why = &dummy;
    *why = RDB_LOAD_BAD;
    struct sobj *o = NULL;
    switch (type) {
    case RDB_TYPE_STRING: o = load_string(in); break;
    case RDB_TYPE_LIST: o = load_list_linked(in, why); break;
    case RDB_TYPE_SET: o = load_set(in, why); break;
    case RDB_TYPE_ZSET: o = load_zset(in, false, why); break;
    case RDB_TYPE_ZSET_2: o = load_zset(in, true, why); break;
    case RDB_TYPE_HASH: o = load_hash(in, why); break;
    case RDB_TYPE_LIST_QUICKLIST: o = load_quicklist(in, false, why); break;
    case RDB_TYPE_LIST_QUICKLIST_2: o = load_quicklist(in, true, why); break;
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_SET_INTSET:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK:
    case RDB_TYPE_HASH_LISTPACK: o = load_blob(in, type, why); break;
    case RDB_TYPE_STREAM_LISTPACKS: o = load_stream(in, false); break;
    case RDB_TYPE_STREAM_LISTPACKS_2: o = load_stream(in, true); break;
    case RDB_TYPE_MODULE:
    case RDB_TYPE_MODULE_2: {
        uint64_t id = 0;
        if (!read_count(in, &id)) break;
        char name[10];
        rdb_module_name(id, name);
        rdb_in_fail(in, true,
                    "The RDB file contains module data I can't load: no matching module type "
                    "'%s'",
                    name);
        break;
    }
    default: rdb_in_fail(in, true, "Unknown RDB encoding type %d", type); break;
    }
    if (o) *why = RDB_LOAD_OK;
    return o;
}
