/* object.c — value objects: string encodings and type dispatch. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "object.h"

volatile uint32_t obj_clock;
volatile bool obj_lfu_policy;
volatile int obj_lfu_log_factor = 10, obj_lfu_decay_time = 1;

static const struct obj_type_ops *type_ops[8];

void obj_register_type(enum obj_type t, const struct obj_type_ops *ops)
{
    type_ops[t] = ops;
}

static struct sobj *obj_alloc(size_t extra)
{
    struct sobj *o = malloc(sizeof(*o) + extra);
    if (!o) return NULL;
    o->lfu = 5; /* LFU_INIT_VAL, as Redis starts new keys */
    o->atime = obj_clock;
    return o;
}

/* LFU as Redis 7.0's evict.c: the counter (8 bits) starts at 5, each access
 * increments it with probability 1/((counter-5)*lfu_log_factor+1), and it
 * loses one per lfu-decay-time minutes without access. Redis keeps the
 * minutes of the last update in 16 bits; atime (seconds) serves here. */
unsigned obj_lfu_get(const struct sobj *o)
{
    unsigned counter = o->lfu & 0xff;
    int decay = obj_lfu_decay_time;
    if (decay <= 0) return counter;
    uint32_t minutes = obj_clock / 60 - o->atime / 60;
    uint32_t periods = minutes / (uint32_t)decay;
    return periods > counter ? 0 : counter - periods;
}

static unsigned lfu_log_incr(unsigned counter)
{
    static __thread uint64_t state;
    if (counter == 255) return 255;
    if (state == 0) state = (uint64_t)(uintptr_t)&state ^ 0x9e3779b97f4a7c15ULL;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    double r = (double)(state >> 11) / (double)(1ULL << 53);
    double base = counter > 5 ? (double)(counter - 5) : 0;
    if (r < 1.0 / (base * obj_lfu_log_factor + 1)) counter++;
    return counter;
}

void obj_touch(const struct sobj *c)
{
    /* access metadata, not the value: reads update it without the write
     * gate (a snapshot does not care how recently a key was read) */
    struct sobj *o = (struct sobj *)c;
    if (obj_lfu_policy) o->lfu = (uint16_t)lfu_log_incr(obj_lfu_get(o));
    o->atime = obj_clock;
}

struct sobj *obj_string_from_int(int64_t v)
{
    struct sobj *o = obj_alloc(0);
    if (!o) return NULL;
    o->type = OBJ_STRING;
    o->enc = ENC_INT;
    o->v.i = v;
    return o;
}

struct sobj *obj_new_coll(enum obj_type t, enum obj_enc enc, void *ptr)
{
    /* header only: collections keep their structure behind v.ptr */
    struct sobj *o = obj_alloc(0);
    if (!o) return NULL;
    o->type = (uint8_t)t;
    o->enc = (uint8_t)enc;
    o->v.ptr = ptr;
    return o;
}

static struct sobj *obj_embstr(const char *p, size_t len)
{
    struct sobj *o = obj_alloc(len + 1);
    if (!o) return NULL;
    o->type = OBJ_STRING;
    o->enc = ENC_EMBSTR;
    o->v.e.len = (uint32_t)len;
    if (len) memcpy(o->emb, p, len);
    o->emb[len] = '\0';
    return o;
}

struct sobj *obj_string_new_raw(const char *p, size_t len)
{
    struct sobj *o = obj_alloc(0);
    if (!o) return NULL;
    o->type = OBJ_STRING;
    o->enc = ENC_RAW;
    o->v.s.ptr = malloc(len + 1);
    if (!o->v.s.ptr) {
        free(o);
        return NULL;
    }
    if (len) memcpy(o->v.s.ptr, p, len);
    o->v.s.ptr[len] = '\0';
    o->v.s.len = (uint32_t)len;
    o->v.s.cap = (uint32_t)len;
    return o;
}

struct sobj *obj_string_new_zeroed(size_t len)
{
    if (len > UINT32_MAX - 1) return NULL; /* beyond a string object's length field */
    struct sobj *o = obj_alloc(0);
    if (!o) return NULL;
    o->type = OBJ_STRING;
    o->enc = ENC_RAW;
    o->v.s.ptr = calloc(len + 1, 1);
    if (!o->v.s.ptr) {
        free(o);
        return NULL;
    }
    o->v.s.len = o->v.s.cap = (uint32_t)len;
    return o;
}

struct sobj *obj_string_new_str(const char *p, size_t len)
{
    if (len <= OBJ_EMBSTR_MAX) return obj_embstr(p, len);
    return obj_string_new_raw(p, len);
}

/* Redis's tryObjectEncoding for a new string value: a canonical integer of at
 * most 20 characters becomes int; short strings embstr; the rest raw. */
struct sobj *obj_string_new(const char *p, size_t len)
{
    long long v;
    if (len <= 20 && str_to_ll(p, len, &v)) return obj_string_from_int(v);
    if (len <= OBJ_EMBSTR_MAX) return obj_embstr(p, len);
    return obj_string_new_raw(p, len);
}

const char *obj_string_bytes(const struct sobj *o, char *buf, size_t *len)
{
    switch (o->enc) {
    case ENC_INT: *len = (size_t)ll_to_str(buf, 24, o->v.i); return buf;
    case ENC_EMBSTR: *len = o->v.e.len; return o->emb;
    default: *len = o->v.s.len; return o->v.s.ptr;
    }
}

size_t obj_string_len(const struct sobj *o)
{
    char buf[24];
    switch (o->enc) {
    case ENC_INT: return (size_t)ll_to_str(buf, sizeof(buf), o->v.i);
    case ENC_EMBSTR: return o->v.e.len;
    default: return o->v.s.len;
    }
}

struct sobj *obj_string_make_raw(struct sobj *o, size_t need)
{
    if (need > UINT32_MAX - 1) return NULL;
    if (o->enc == ENC_RAW) {
        if (o->v.s.cap >= need) return o;
        size_t cap = need < 1024 * 1024 ? need * 2 : need + 1024 * 1024;
        if (cap > UINT32_MAX - 1) cap = need;
        char *p = realloc(o->v.s.ptr, cap + 1);
        if (!p) return NULL;
        o->v.s.ptr = p;
        o->v.s.cap = (uint32_t)cap;
        return o;
    }
    char buf[24];
    size_t len;
    const char *b = obj_string_bytes(o, buf, &len);
    size_t cap = need > len ? need : len;
    char *p = malloc(cap + 1);
    if (!p) return NULL;
    memcpy(p, b, len);
    p[len] = '\0';
    struct sobj *n = obj_alloc(0);
    if (!n) {
        free(p);
        return NULL;
    }
    n->type = OBJ_STRING;
    n->enc = ENC_RAW;
    n->lfu = o->lfu;
    n->atime = o->atime;
    n->v.s.ptr = p;
    n->v.s.len = (uint32_t)len;
    n->v.s.cap = (uint32_t)cap;
    free(o);
    return n;
}

bool obj_string_to_int(const struct sobj *o, int64_t *out)
{
    if (o->enc == ENC_INT) {
        *out = o->v.i;
        return true;
    }
    char buf[24];
    size_t len;
    const char *p = obj_string_bytes(o, buf, &len);
    long long v;
    if (!str_to_ll(p, len, &v)) return false;
    *out = v;
    return true;
}

void obj_free(struct sobj *o)
{
    if (!o) return;
    if (o->type == OBJ_STRING) {
        if (o->enc == ENC_RAW) free(o->v.s.ptr);
        free(o);
        return;
    }
    if (type_ops[o->type] && type_ops[o->type]->free) type_ops[o->type]->free(o);
    free(o);
}

struct sobj *obj_dup(const struct sobj *o)
{
    if (o->type == OBJ_STRING) {
        struct sobj *n;
        if (o->enc == ENC_INT)
            n = obj_string_from_int(o->v.i);
        else if (o->enc == ENC_EMBSTR)
            n = obj_embstr(o->emb, o->v.e.len);
        else
            n = obj_string_new_raw(o->v.s.ptr, o->v.s.len);
        return n;
    }
    if (type_ops[o->type] && type_ops[o->type]->dup) return type_ops[o->type]->dup(o);
    return NULL;
}

const char *obj_type_name(const struct sobj *o)
{
    switch (o->type) {
    case OBJ_STRING: return "string";
    case OBJ_LIST: return "list";
    case OBJ_SET: return "set";
    case OBJ_ZSET: return "zset";
    case OBJ_HASH: return "hash";
    case OBJ_STREAM: return "stream";
    default: return "unknown";
    }
}

const char *obj_enc_name(const struct sobj *o)
{
    switch (o->enc) {
    case ENC_RAW: return "raw";
    case ENC_INT: return "int";
    case ENC_HASHTABLE: return "hashtable";
    case ENC_INTSET: return "intset";
    case ENC_SKIPLIST: return "skiplist";
    case ENC_EMBSTR: return "embstr";
    case ENC_QUICKLIST: return "quicklist";
    case ENC_STREAM: return "stream";
    case ENC_LISTPACK: return "listpack";
    default: return "unknown";
    }
}

size_t obj_mem_usage(const struct sobj *o)
{
    if (o->type == OBJ_STRING) {
        if (o->enc == ENC_EMBSTR) return sizeof(*o) + o->v.e.len + 1;
        if (o->enc == ENC_RAW) return sizeof(*o) + o->v.s.cap + 1;
        return sizeof(*o);
    }
    if (type_ops[o->type] && type_ops[o->type]->mem_usage) return type_ops[o->type]->mem_usage(o);
    return sizeof(*o);
}
