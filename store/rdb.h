/* rdb.h — values and entries in Redis 7.0's RDB format (version 10): the
 * bytes of RDB files, DUMP payloads and, later, full resynchronization.
 *
 * Writing (rdb_save.c) produces exactly what redis-server 7.0 writes for the
 * same value in the same encoding: strings as integers when they are
 * canonical 32-bit ones, LZF-compressed when longer than 20 bytes and
 * compression saves at least 4 (with rdbcompression), lists as
 * LIST_QUICKLIST_2 with their listpack nodes, sets as SET_INTSET or SET,
 * hashes as HASH_LISTPACK or HASH, sorted sets as ZSET_LISTPACK or ZSET_2
 * (greatest element first), streams as STREAM_LISTPACKS_2 (nodes, counters,
 * groups, PELs and consumers in name order, store/stream.h). Listpacks and
 * intsets are written as their bytes,
 * so DUMP payloads of those encodings equal Redis's byte for byte; hashtable
 * sets and hashes are written in dict order, which differs from Redis's (it
 * has its own hash seed) while holding the same elements.
 *
 * Reading (rdb_load.c) accepts everything Redis 7.0 reads: the types above,
 * the older LIST, ZSET (ASCII scores), HASH_ZIPMAP, LIST_ZIPLIST,
 * ZSET_ZIPLIST, HASH_ZIPLIST and LIST_QUICKLIST (ziplist nodes), converting
 * into our encodings at our thresholds as Redis's rdbLoadObject does. Every
 * compact blob is walked in full before use (listpack, intset, ziplist,
 * zipmap), whatever sanitize-dump-payload says, so a corrupt payload is an
 * error and never a crash; `deep` (sanitize-dump-payload yes, or clients
 * for RESTORE) adds Redis's duplicate checks. Streams load from
 * STREAM_LISTPACKS_2 and the older STREAM_LISTPACKS (its counters derived
 * as Redis derives them), each node walked in full and every pending entry
 * required to have exactly one consumer; module values are refused with a
 * clear error.
 *
 * Layout reminders (all from Redis's rdb.h):
 *   length   00xxxxxx | 01xxxxxx xxxxxxxx (14 bits, big-endian) |
 *            0x80 <u32 BE> | 0x81 <u64 BE> | 11xxxxxx: a special string:
 *            0 int8, 1 int16 LE, 2 int32 LE, 3 LZF <clen> <ulen> <data>
 *   entry    [0xFC <ms u64 LE>] [0xF8 <idle len> | 0xF9 <freq u8>]
 *            <type u8> <key string> <value>
 *   DUMP     <type u8> <value> <RDB version u16 LE> <CRC64 u64 LE>, the CRC
 *            over everything before it. `sadd s 1 2 3` dumps as
 *            0b 0e 02000000 03000000 0100 0200 0300 0a00 <crc>.
 */
#ifndef SS_RDB_H
#define SS_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyspace.h"
#include "object.h"

#define RDB_VERSION 10

/* Value types (the byte before a key). */
enum rdb_type {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1, /* read only: linked list of strings */
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3, /* read only: ASCII scores */
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
};

/* Redis's rdbIsObjectType. */
static inline bool rdb_is_object_type(int t)
{
    return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}

/* Opcodes of the file layout. */
enum rdb_opcode {
    RDB_OP_FUNCTION2 = 245,
    RDB_OP_FUNCTION = 246, /* 7.0 release candidates */
    RDB_OP_MODULE_AUX = 247,
    RDB_OP_IDLE = 248,
    RDB_OP_FREQ = 249,
    RDB_OP_AUX = 250,
    RDB_OP_RESIZEDB = 251,
    RDB_OP_EXPIRETIME_MS = 252,
    RDB_OP_EXPIRETIME = 253, /* read only: seconds */
    RDB_OP_SELECTDB = 254,
    RDB_OP_EOF = 255,
};

/* Quicklist node containers in LIST_QUICKLIST_2. */
enum { RDB_QL_PLAIN = 1, RDB_QL_PACKED = 2 };

/* sanitize-dump-payload. */
enum { RDB_SANITIZE_NO = 0, RDB_SANITIZE_YES = 1, RDB_SANITIZE_CLIENTS = 2 };

/* DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE and loading skip the CRC. */
extern volatile bool rdb_skip_checksum;

/* ------------------------------------------------------------------------ */
/* Writing. */

/* A writer: bytes accumulate in buf; with a sink they are handed on
 * whenever RDB_OUT_CHUNK have gathered (and by rdb_out_flush()), without one
 * buf holds everything (DUMP). Errors are sticky: the first failure is kept
 * in err (-errno) and later writes do nothing, so callers check once at the
 * end. The CRC covers every byte written since init when `checksum`. */
#define RDB_OUT_CHUNK (64 * 1024)

struct rdb_out {
    unsigned char *buf;
    size_t len, cap;
    int (*sink)(void *arg, const void *p, size_t n); /* 0 or -errno */
    void *sink_arg;
    uint64_t crc;
    size_t crc_done; /* bytes of buf already folded into crc */
    uint64_t total;  /* bytes written */
    bool checksum;
    bool compress; /* rdbcompression: LZF for strings over 20 bytes */
    int err;
};

/* In memory (DUMP payloads, tests). */
void rdb_out_mem(struct rdb_out *o, bool compress);
/* Streaming to a sink (files, later sockets). */
void rdb_out_sink(struct rdb_out *o, bool compress, bool checksum,
                  int (*sink)(void *arg, const void *p, size_t n), void *arg);
/* Hand what is buffered to the sink. 0 or the sticky error. */
int rdb_out_flush(struct rdb_out *o);
/* The CRC of everything written so far. */
uint64_t rdb_out_crc(struct rdb_out *o);
void rdb_out_free(struct rdb_out *o);

/* Primitives (Redis's rdbSave* names in parentheses). */
void rdb_write(struct rdb_out *o, const void *p, size_t n);
void rdb_write_byte(struct rdb_out *o, unsigned char b);             /* rdbSaveType */
void rdb_write_len(struct rdb_out *o, uint64_t len);                 /* rdbSaveLen */
void rdb_write_ms(struct rdb_out *o, int64_t ms);                    /* rdbSaveMillisecondTime */
void rdb_write_string(struct rdb_out *o, const void *s, size_t len); /* rdbSaveRawString */
void rdb_write_ll(struct rdb_out *o, long long v); /* rdbSaveLongLongAsStringObject */
void rdb_write_double_bin(struct rdb_out *o, double d);

/* The RDB type byte for a value (rdbSaveObjectType), -1 for types that
 * cannot be written (none so far). */
int rdb_object_type(const struct sobj *v);
/* The value's body (rdbSaveObject). False for an unwritable type (the
 * writer's err is then -ENOTSUP). */
bool rdb_write_object(struct rdb_out *o, const struct sobj *v);

/* What to record of a key's access history (maxmemory-policy): LRU
 * policies write its idle seconds, LFU ones its counter. */
enum rdb_usage { RDB_USAGE_NONE, RDB_USAGE_LRU, RDB_USAGE_LFU };

/* One key (rdbSaveKeyValuePair): expiry (expire_ms >= 0), access history,
 * type, key, value. */
bool rdb_write_entry(struct rdb_out *o, const char *key, size_t klen, const struct sobj *v,
                     int64_t expire_ms, enum rdb_usage usage);

/* File framing. */
struct rdb_aux {
    const char *redis_ver; /* "7.0.15" */
    long long ctime;       /* seconds */
    long long used_mem;
    bool aof_base;
    /* replication, when it exists: written when repl_id is not NULL */
    const char *repl_id;
    long long repl_offset;
    int repl_stream_db;
};
void rdb_write_aux(struct rdb_out *o, const char *key, const char *val);
void rdb_write_aux_ll(struct rdb_out *o, const char *key, long long val);
/* "REDIS0010" and the aux fields in Redis 7.0's order. */
void rdb_write_header(struct rdb_out *o, const struct rdb_aux *aux);
/* SELECTDB and RESIZEDB for a database about to be written. */
void rdb_write_db_start(struct rdb_out *o, int db, uint64_t keys, uint64_t expires);
/* EOF and the CRC (0 without checksum), then flush. 0 or the error. */
int rdb_write_footer(struct rdb_out *o);

/* DUMP's payload for a value, in a fresh memory writer: type, body, version
 * and CRC. false (and nothing to free) for an unwritable type. */
bool rdb_dump_payload(struct rdb_out *o, const struct sobj *v, bool compress);
/* RESTORE's check of a payload's footer (verifyDumpPayload): at least ten
 * bytes, version <= ours, CRC right unless rdb_skip_checksum. */
bool rdb_verify_payload(const unsigned char *p, size_t len);

/* ------------------------------------------------------------------------ */
/* Reading. */

/* A reader pulls bytes from memory or from a source function that fills
 * exactly n bytes (0) or fails (-errno, or -ENODATA at the end). pos counts
 * consumed bytes (error messages name it); the CRC of everything consumed
 * is kept when `checksum`. After a failure, `err` says what happened and
 * `corrupt` tells a malformed input from a short read. */
struct rdb_in {
    const unsigned char *mem;
    size_t mem_len;
    int (*source)(void *arg, void *dst, size_t n);
    void *source_arg;
    uint64_t size; /* bytes the input holds (0: unknown), to refuse lengths past it */
    uint64_t pos;
    uint64_t crc;
    bool checksum;
    bool deep;  /* Redis's deep sanitization: duplicate checks */
    int rdbver; /* of the file (DUMP: RDB_VERSION) */
    bool failed, corrupt;
    char err[256];
    /* scratch for strings handed out by rdb_read_str() */
    char *scratch;
    size_t scratch_cap;
};

void rdb_in_mem(struct rdb_in *in, const void *p, size_t len, bool deep);
void rdb_in_source(struct rdb_in *in, int (*source)(void *, void *, size_t), void *arg, bool deep,
                   bool checksum);
void rdb_in_free(struct rdb_in *in);
/* Record a failure (the first one wins); returns false for `return` chains. */
bool rdb_in_fail(struct rdb_in *in, bool corrupt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

bool rdb_read(struct rdb_in *in, void *dst, size_t n);
int rdb_read_byte(struct rdb_in *in); /* -1 on failure */
/* A length, or with *encoded (when not NULL) a special string encoding. */
bool rdb_read_len(struct rdb_in *in, uint64_t *len, bool *encoded);
bool rdb_read_ms(struct rdb_in *in, int64_t *ms);
/* A string in any encoding, into the reader's scratch (valid until the next
 * read of a string); integers come back as their decimal bytes. */
const char *rdb_read_str(struct rdb_in *in, size_t *len);
/* The same into a new allocation of exactly *len bytes (+1, NUL). */
char *rdb_read_str_alloc(struct rdb_in *in, size_t *len);

/* How rdb_read_object() failed: a key Redis skips (an empty collection, as
 * old Redis versions could write) or anything else. */
enum { RDB_LOAD_OK = 0, RDB_LOAD_EMPTY = 1, RDB_LOAD_BAD = 2 };

/* A value of RDB type `type` (rdbLoadObject). NULL with *why set on
 * failure; in->err then explains. */
struct sobj *rdb_read_object(struct rdb_in *in, int type, int *why);

/* Module type names from their 64-bit ids (the 9-character name Redis
 * prints), for error messages. */
void rdb_module_name(uint64_t id, char out[10]);

#endif
