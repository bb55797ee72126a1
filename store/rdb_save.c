/* rdb_save.c — writing values, entries and file framing in RDB format
 * (see rdb.h). Each function is named after the Redis function whose bytes
 * it reproduces. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "crc64.h"
#include "intset.h"
#include "listpack.h"
#include "lzf.h"
#include "quicklist.h"
#include "rdb.h"
#include "stream.h"
#include "t_hash.h"
#include "t_set.h"
#include "zskiplist.h"

volatile bool rdb_skip_checksum;

/* ------------------------------------------------------------------------ */
/* The writer. */

void rdb_out_mem(struct rdb_out *o, bool compress)
{
    memset(o, 0, sizeof(*o));
    o->compress = compress;
    o->checksum = true;
}

void rdb_out_sink(struct rdb_out *o, bool compress, bool checksum,
                  int (*sink)(void *arg, const void *p, size_t n), void *arg)
{
    memset(o, 0, sizeof(*o));
    o->compress = compress;
    o->checksum = checksum;
    o->sink = sink;
    o->sink_arg = arg;
}

void rdb_out_free(struct rdb_out *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = o->crc_done = 0;
}

static void fold_crc(struct rdb_out *o)
{
    if (o->checksum && o->crc_done < o->len)
        o->crc = crc64(o->crc, o->buf + o->crc_done, o->len - o->crc_done);
    o->crc_done = o->len;
}

uint64_t rdb_out_crc(struct rdb_out *o)
{
    fold_crc(o);
    return o->crc;
}

int rdb_out_flush(struct rdb_out *o)
{
    if (o->err || !o->sink || !o->len) return o->err;
    fold_crc(o);
    int rc = o->sink(o->sink_arg, o->buf, o->len);
    if (rc < 0) o->err = rc;
    o->len = o->crc_done = 0;
    return o->err;
}

static bool reserve(struct rdb_out *o, size_t n)
{
    if (o->err) return false;
    if (o->sink && o->len + n > RDB_OUT_CHUNK && o->len) {
        if (rdb_out_flush(o)) return false;
    }
    if (o->len + n <= o->cap) return true;
    size_t cap = o->cap ? o->cap : 256;
    while (cap < o->len + n) cap = cap < (1u << 30) ? cap * 2 : cap + (1u << 30);
    unsigned char *b = realloc(o->buf, cap);
    if (!b) {
        o->err = -ENOMEM;
        return false;
    }
    o->buf = b;
    o->cap = cap;
    return true;
}

void rdb_write(struct rdb_out *o, const void *p, size_t n)
{
    if (!n) return;
    /* a big blob goes straight to the sink rather than through the buffer */
    if (o->sink && n >= RDB_OUT_CHUNK) {
        if (o->err || rdb_out_flush(o)) return;
        if (o->checksum) o->crc = crc64(o->crc, p, n);
        int rc = o->sink(o->sink_arg, p, n);
        if (rc < 0) o->err = rc;
        o->total += n;
        return;
    }
    if (!reserve(o, n)) return;
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->total += n;
}

void rdb_write_byte(struct rdb_out *o, unsigned char b)
{
    rdb_write(o, &b, 1);
}

void rdb_write_len(struct rdb_out *o, uint64_t len)
{
    unsigned char b[9];
    size_t n;
    if (len < (1 << 6)) {
        b[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1 << 14)) {
        b[0] = (unsigned char)(0x40 | (len >> 8));
        b[1] = (unsigned char)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        b[0] = 0x80;
        for (int i = 0; i < 4; i++) b[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        b[0] = 0x81;
        for (int i = 0; i < 8; i++) b[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    rdb_write(o, b, n);
}

void rdb_write_ms(struct rdb_out *o, int64_t ms)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)ms >> (8 * i));
    rdb_write(o, b, 8);
}

void rdb_write_double_bin(struct rdb_out *o, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(u >> (8 * i));
    rdb_write(o, b, 8);
}

/* rdbEncodeInteger: 0 when v needs more than 32 bits. */
static size_t encode_int(long long v, unsigned char *b)
{
    if (v >= -(1 << 7) && v <= (1 << 7) - 1) {
        b[0] = 0xC0;
        b[1] = (unsigned char)v;
        return 2;
    }
    if (v >= -(1 << 15) && v <= (1 << 15) - 1) {
        b[0] = 0xC1;
        b[1] = (unsigned char)v;
        b[2] = (unsigned char)(v >> 8);
        return 3;
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
        b[0] = 0xC2;
        for (int i = 0; i < 4; i++) b[1 + i] = (unsigned char)((uint64_t)v >> (8 * i));
        return 5;
    }
    return 0;
}

/* rdbSaveLzfStringObject: 1 if written compressed, 0 if it did not pay. */
static int write_lzf(struct rdb_out *o, const void *s, size_t len)
{
    if (len <= 4) return 0;
    size_t outlen = len - 4; /* it must save at least four bytes */
    unsigned char *out = malloc(outlen + 1);
    if (!out) return 0;
    size_t clen = lzf_compress(s, len, out, outlen);
    if (clen) {
        rdb_write_byte(o, 0xC3);
        rdb_write_len(o, clen);
        rdb_write_len(o, len);
        rdb_write(o, out, clen);
    }
    free(out);
    return clen ? 1 : 0;
}

void rdb_write_string(struct rdb_out *o, const void *s, size_t len)
{
    if (len <= 11) {
        long long v;
        unsigned char b[5];
        size_t n;
        if (str_to_ll(s, len, &v) && (n = encode_int(v, b))) {
            rdb_write(o, b, n);
            return;
        }
    }
    if (o->compress && len > 20 && write_lzf(o, s, len)) return;
    rdb_write_len(o, len);
    rdb_write(o, s, len);
}

void rdb_write_ll(struct rdb_out *o, long long v)
{
    unsigned char b[5];
    size_t n = encode_int(v, b);
    if (n) {
        rdb_write(o, b, n);
        return;
    }
    char d[24];
    int l = ll_to_str(d, sizeof(d), v);
    rdb_write_len(o, (uint64_t)l);
    rdb_write(o, d, (size_t)l);
}

/* ------------------------------------------------------------------------ */
/* Values. */

int rdb_object_type(const struct sobj *v)
{
    switch (v->type) {
    case OBJ_STRING: return RDB_TYPE_STRING;
    case OBJ_LIST: return RDB_TYPE_LIST_QUICKLIST_2;
    case OBJ_SET: return v->enc == ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case OBJ_ZSET: return v->enc == ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case OBJ_HASH: return v->enc == ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case OBJ_STREAM: return RDB_TYPE_STREAM_LISTPACKS_2;
    default: return -1;
    }
}

static void write_string_obj(struct rdb_out *o, const struct sobj *v)
{
    if (v->enc == ENC_INT) {
        rdb_write_ll(o, v->v.i);
        return;
    }
    char buf[24];
    size_t len;
    const char *p = obj_string_bytes(v, buf, &len);
    rdb_write_string(o, p, len);
}

static void write_list(struct rdb_out *o, const struct quicklist *ql)
{
    rdb_write_len(o, ql->len);
    for (const struct ql_node *n = ql->head; n; n = n->next) {
        rdb_write_len(o, RDB_QL_PACKED); /* our nodes are never plain */
        rdb_write_string(o, n->lp, lp_bytes(n->lp));
    }
}

static void write_set(struct rdb_out *o, const struct sobj *v)
{
    if (v->enc == ENC_INTSET) {
        const struct intset *is = v->v.ptr;
        rdb_write_string(o, is, intset_bytes(is));
        return;
    }
    rdb_write_len(o, set_len(v));
    struct set_iter it;
    set_iter_init(&it, v);
    while (set_iter_next(&it)) rdb_write_string(o, it.s, it.len);
    set_iter_done(&it);
}

static void write_hash(struct rdb_out *o, const struct sobj *v)
{
    if (v->enc == ENC_LISTPACK) {
        rdb_write_string(o, v->v.ptr, lp_bytes(v->v.ptr));
        return;
    }
    rdb_write_len(o, hash_len(v));
    struct hash_iter it;
    /* the iterator does not change the hash; its API is not const */
    hash_iter_init(&it, (struct sobj *)v);
    while (hash_iter_next(&it)) {
        rdb_write_string(o, it.f, it.flen);
        rdb_write_string(o, it.v, it.vlen);
    }
    hash_iter_done(&it);
}

/* Skiplists are written from the greatest element to the smallest, as
 * Redis does (each insert on load then lands at the head). */
static void write_zset(struct rdb_out *o, const struct sobj *v)
{
    if (v->enc == ENC_LISTPACK) {
        rdb_write_string(o, v->v.ptr, lp_bytes(v->v.ptr));
        return;
    }
    const struct zset *zs = v->v.ptr;
    rdb_write_len(o, zs->length);
    for (const struct zsnode *n = zs->tail; n; n = n->back) {
        rdb_write_string(o, zsn_member(n), n->mlen);
        rdb_write_double_bin(o, n->score);
    }
}

/* A PEL: its size, then each ID as its 16 raw bytes, with the NACK's
 * delivery time and count in the group's PEL (consumers' PELs name the
 * IDs only; loading points them at the group's NACKs). */
static void write_pel(struct rdb_out *o, struct rax *pel, bool nacks)
{
    rdb_write_len(o, rax_size(pel));
    struct rax_iter ri;
    rax_iter_start(&ri, pel);
    rax_seek(&ri, RAX_FIRST, NULL, 0);
    while (rax_next(&ri)) {
        rdb_write(o, ri.key, 16);
        if (nacks) {
            const struct snack *na = ri.val;
            rdb_write_ms(o, na->delivery_time);
            rdb_write_len(o, na->delivery_count);
        }
    }
    rax_iter_stop(&ri);
}

/* STREAM_LISTPACKS_2 (Redis's rdbSaveObject): the nodes (master ID as a
 * 16-byte string, listpack), the counters, then every group in name order
 * with its PEL and its consumers in name order. */
static void write_stream(struct rdb_out *o, const struct stream *s)
{
    rdb_write_len(o, rax_size(s->rax));
    struct rax_iter ri;
    rax_iter_start(&ri, s->rax);
    rax_seek(&ri, RAX_FIRST, NULL, 0);
    while (rax_next(&ri)) {
        rdb_write_string(o, ri.key, ri.key_len);
        rdb_write_string(o, ri.val, lp_bytes(ri.val));
    }
    rax_iter_stop(&ri);
    rdb_write_len(o, s->length);
    rdb_write_len(o, s->last_id.ms);
    rdb_write_len(o, s->last_id.seq);
    rdb_write_len(o, s->first_id.ms);
    rdb_write_len(o, s->first_id.seq);
    rdb_write_len(o, s->max_deleted.ms);
    rdb_write_len(o, s->max_deleted.seq);
    rdb_write_len(o, s->entries_added);
    rdb_write_len(o, s->cgroups ? rax_size(s->cgroups) : 0);
    if (!s->cgroups) return;
    rax_iter_start(&ri, s->cgroups);
    rax_seek(&ri, RAX_FIRST, NULL, 0);
    while (rax_next(&ri)) {
        const struct sgroup *g = ri.val;
        rdb_write_string(o, ri.key, ri.key_len);
        rdb_write_len(o, g->last_id.ms);
        rdb_write_len(o, g->last_id.seq);
        rdb_write_len(o, (uint64_t)g->entries_read); /* -1 as 2^64-1, as Redis */
        write_pel(o, g->pel, true);
        rdb_write_len(o, rax_size(g->consumers));
        struct rax_iter ci;
        rax_iter_start(&ci, g->consumers);
        rax_seek(&ci, RAX_FIRST, NULL, 0);
        while (rax_next(&ci)) {
            const struct sconsumer *cs = ci.val;
            rdb_write_string(o, cs->name, cs->nlen);
            rdb_write_ms(o, cs->seen_time);
            write_pel(o, cs->pel, false);
        }
        rax_iter_stop(&ci);
    }
    rax_iter_stop(&ri);
}

bool rdb_write_object(struct rdb_out *o, const struct sobj *v)
{
    switch (v->type) {
    case OBJ_STRING: write_string_obj(o, v); return true;
    case OBJ_LIST: write_list(o, v->v.ptr); return true;
    case OBJ_SET: write_set(o, v); return true;
    case OBJ_HASH: write_hash(o, v); return true;
    case OBJ_ZSET: write_zset(o, v); return true;
    case OBJ_STREAM: write_stream(o, v->v.ptr); return true;
    default:
        if (!o->err) o->err = -ENOTSUP; /* module values */
        return false;
    }
}

bool rdb_write_entry(struct rdb_out *o, const char *key, size_t klen, const struct sobj *v,
                     int64_t expire_ms, enum rdb_usage usage)
{
    int type = rdb_object_type(v);
    if (type < 0) {
        if (!o->err) o->err = -ENOTSUP;
        return false;
    }
    if (expire_ms >= 0) {
        rdb_write_byte(o, RDB_OP_EXPIRETIME_MS);
        rdb_write_ms(o, expire_ms);
    }
    if (usage == RDB_USAGE_LRU) {
        rdb_write_byte(o, RDB_OP_IDLE);
        rdb_write_len(o, (uint32_t)(obj_clock - v->atime)); /* seconds */
    } else if (usage == RDB_USAGE_LFU) {
        rdb_write_byte(o, RDB_OP_FREQ);
        rdb_write_byte(o, (unsigned char)obj_lfu_get(v));
    }
    rdb_write_byte(o, (unsigned char)type);
    rdb_write_string(o, key, klen);
    return rdb_write_object(o, v) && !o->err;
}

/* ------------------------------------------------------------------------ */
/* Framing. */

void rdb_write_aux(struct rdb_out *o, const char *key, const char *val)
{
    rdb_write_byte(o, RDB_OP_AUX);
    rdb_write_string(o, key, strlen(key));
    rdb_write_string(o, val, strlen(val));
}

void rdb_write_aux_ll(struct rdb_out *o, const char *key, long long val)
{
    char b[24];
    ll_to_str(b, sizeof(b), val);
    rdb_write_aux(o, key, b);
}

/* rdbSaveInfoAuxFields */
void rdb_write_header(struct rdb_out *o, const struct rdb_aux *aux)
{
    char magic[16];
    snprintf(magic, sizeof(magic), "REDIS%04d", RDB_VERSION);
    rdb_write(o, magic, 9);
    rdb_write_aux(o, "redis-ver", aux->redis_ver);
    rdb_write_aux_ll(o, "redis-bits", sizeof(void *) == 8 ? 64 : 32);
    rdb_write_aux_ll(o, "ctime", aux->ctime);
    rdb_write_aux_ll(o, "used-mem", aux->used_mem);
    if (aux->repl_id) {
        rdb_write_aux_ll(o, "repl-stream-db", aux->repl_stream_db);
        rdb_write_aux(o, "repl-id", aux->repl_id);
        rdb_write_aux_ll(o, "repl-offset", aux->repl_offset);
    }
    rdb_write_aux_ll(o, "aof-base", aux->aof_base ? 1 : 0);
}

void rdb_write_db_start(struct rdb_out *o, int db, uint64_t keys, uint64_t expires)
{
    rdb_write_byte(o, RDB_OP_SELECTDB);
    rdb_write_len(o, (uint64_t)db);
    rdb_write_byte(o, RDB_OP_RESIZEDB);
    rdb_write_len(o, keys);
    rdb_write_len(o, expires);
}

int rdb_write_footer(struct rdb_out *o)
{
    rdb_write_byte(o, RDB_OP_EOF);
    uint64_t crc = o->checksum ? rdb_out_crc(o) : 0;
    rdb_write_ms(o, (int64_t)crc); /* 8 bytes little-endian, like a time */
    return rdb_out_flush(o);
}

/* ------------------------------------------------------------------------ */
/* DUMP payloads (createDumpPayload / verifyDumpPayload). */

bool rdb_dump_payload(struct rdb_out *o, const struct sobj *v, bool compress)
{
    rdb_out_mem(o, compress);
    o->checksum = false; /* the payload's CRC is computed over it at the end */
    int type = rdb_object_type(v);
    if (type < 0) return false;
    rdb_write_byte(o, (unsigned char)type);
    rdb_write_object(o, v);
    unsigned char ver[2] = {RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff};
    rdb_write(o, ver, 2);
    uint64_t crc = crc64(0, o->buf, o->len);
    rdb_write_ms(o, (int64_t)crc);
    if (o->err) {
        rdb_out_free(o);
        return false;
    }
    return true;
}

bool rdb_verify_payload(const unsigned char *p, size_t len)
{
    if (len < 10) return false;
    const unsigned char *footer = p + len - 10;
    unsigned ver = (unsigned)footer[1] << 8 | footer[0];
    if (ver > RDB_VERSION) return false;
    if (rdb_skip_checksum) return true;
    uint64_t crc = crc64(0, p, len - 8), got = 0;
    for (int i = 0; i < 8; i++) got |= (uint64_t)footer[2 + i] << (8 * i);
    return crc == got;
}
