/* object.h — the value object every key points at.
 *
 * A `struct sobj` is a type tag, an encoding tag, an access clock and a
 * payload. Strings have three encodings, as OBJECT ENCODING reports them in
 * Redis 7.0:
 *   int     the value is a canonical decimal int64 (at most 20 chars), held in
 *           `i`; no bytes are allocated
 *   embstr  at most OBJ_EMBSTR_MAX bytes, stored inline after the header in the
 *           same allocation (immutable: APPEND/SETRANGE convert to raw)
 *   raw     a separately allocated, growable buffer
 * Collections (hash, list, set, zset) keep a pointer to their own structure in
 * `ptr`, with their encoding in `enc`.
 *
 * Ownership: an object belongs to exactly one key of one shard; it is never
 * shared between threads, so there is no refcount (OBJECT REFCOUNT answers 1,
 * or INT_MAX for small shared integers as Redis does for 0..9999).
 */
#ifndef SS_OBJECT_H
#define SS_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum obj_type {
    OBJ_STRING = 0,
    OBJ_LIST = 1,
    OBJ_SET = 2,
    OBJ_ZSET = 3,
    OBJ_HASH = 4,
    OBJ_STREAM = 6
};

enum obj_enc {
    ENC_RAW = 0,
    ENC_INT = 1,
    ENC_HASHTABLE = 2,
    ENC_INTSET = 6,
    ENC_SKIPLIST = 7,
    ENC_EMBSTR = 8,
    ENC_QUICKLIST = 9,
    ENC_STREAM = 10,
    ENC_LISTPACK = 11,
};

#define OBJ_EMBSTR_MAX 44

struct sobj {
    uint8_t type;
    uint8_t enc;
    uint16_t lfu;   /* LFU counter (8 bits used) for OBJECT FREQ */
    uint32_t atime; /* access clock, seconds (OBJECT IDLETIME) */
    union {
        int64_t i; /* ENC_INT */
        struct {
            char *ptr;
            uint32_t len, cap;
        } s; /* ENC_RAW */
        struct {
            uint32_t len;
        } e;       /* ENC_EMBSTR: bytes follow */
        void *ptr; /* collections */
    } v;
    char emb[]; /* ENC_EMBSTR bytes (+ NUL) */
};

/* The access clock (seconds, wraps) maintained by the store's cron. */
extern volatile uint32_t obj_clock;
/* True when maxmemory-policy is an LFU policy (set by the configuration):
 * OBJECT FREQ answers only then, OBJECT IDLETIME only otherwise. */
extern volatile bool obj_lfu_policy;
/* lfu-log-factor and lfu-decay-time (Redis's defaults 10 and 1). */
extern volatile int obj_lfu_log_factor, obj_lfu_decay_time;

/* Record an access (lookups call it): the access clock, or under an LFU
 * policy Redis's logarithmic counter (LFULogIncr after decay), with atime
 * then holding the time of the counter's last update. */
void obj_touch(const struct sobj *o);
/* The LFU counter after decay, without recording an access (OBJECT FREQ;
 * Redis's LFUDecrAndReturn). */
unsigned obj_lfu_get(const struct sobj *o);

/* Strings. Creators return NULL only on allocation failure. */
struct sobj *obj_string_new(const char *p, size_t len);     /* picks int/embstr/raw */
struct sobj *obj_string_new_raw(const char *p, size_t len); /* always raw (growable) */
/* A raw string of len zero bytes (SETRANGE, SETBIT on a missing key). */
struct sobj *obj_string_new_zeroed(size_t len);
/* embstr up to OBJ_EMBSTR_MAX bytes, raw beyond, never int: Redis's
 * createStringObject (INCRBYFLOAT's result is a string, not an int). */
struct sobj *obj_string_new_str(const char *p, size_t len);
struct sobj *obj_string_from_int(int64_t v);
/* Bytes of a string object; ints are formatted into buf (>= 24 bytes). */
const char *obj_string_bytes(const struct sobj *o, char *buf, size_t *len);
size_t obj_string_len(const struct sobj *o);
/* Make o a raw string with capacity for at least `need` bytes; may move o
 * (embstr/int are reallocated) so the caller stores the returned pointer.
 * NULL on allocation failure (o unchanged). */
struct sobj *obj_string_make_raw(struct sobj *o, size_t need);
/* Parse as a Redis integer (strict: no spaces, no '+', within int64). */
bool obj_string_to_int(const struct sobj *o, int64_t *out);

/* A collection object of type t and encoding enc owning ptr (NULL on
 * allocation failure; ptr is then still the caller's). */
struct sobj *obj_new_coll(enum obj_type t, enum obj_enc enc, void *ptr);

/* Free any object (dispatches on type). */
void obj_free(struct sobj *o);
/* Deep copy (COPY command). NULL on allocation failure. */
struct sobj *obj_dup(const struct sobj *o);

const char *obj_type_name(const struct sobj *o);
const char *obj_enc_name(const struct sobj *o);
/* Approximate heap bytes used by the object (MEMORY USAGE, eviction). */
size_t obj_mem_usage(const struct sobj *o);

/* Type-specific free/dup/usage hooks, registered by t_<type>.c files so that
 * object.c needs no knowledge of collection internals. */
struct obj_type_ops {
    void (*free)(struct sobj *o);
    struct sobj *(*dup)(const struct sobj *o);
    size_t (*mem_usage)(const struct sobj *o);
};
void obj_register_type(enum obj_type t, const struct obj_type_ops *ops);

#endif
