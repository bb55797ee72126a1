/* t_dump.c — DUMP and RESTORE (Redis 7.0's cluster.c dumpCommand and
 * restoreCommand).
 *
 * A payload is a value in RDB form (rdb.h) followed by the RDB version (2
 * bytes LE) and a CRC64 of everything before it (8 bytes LE). For values in
 * listpack, intset and quicklist encodings, for strings, skiplist sorted
 * sets and streams, the payload equals redis-server 7.0's byte for byte
 * (rdbcompression included: LZF makes the same choices); hashtable sets and
 * hashes list the same elements in another order.
 *
 * RESTORE checks in Redis's order: options, BUSYKEY, the TTL, the footer
 * (version and CRC), then the body; sanitize-dump-payload yes or clients
 * adds the duplicate checks (bodies are always walked in full).
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "rdb.h"
#include "tunables.h"

void cmd_dump(struct cmdctx *c);
void cmd_restore(struct cmdctx *c);

/* DUMP key */
void cmd_dump(struct cmdctx *c)
{
    struct kentry *e = db_lookup_read(c, &c->argv[1]);
    if (!e) {
        reply_null(c->r);
        return;
    }
    struct rdb_out o;
    if (!rdb_dump_payload(&o, e->val, store_tun.rdb_compression != 0)) {
        /* out of memory */
        reply_errs(c->r, SERR_OOM);
        return;
    }
    reply_bulk(c->r, (const char *)o.buf, o.len);
    rdb_out_free(&o);
}

/* RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
 * [FREQ frequency] */
void cmd_restore(struct cmdctx *c)
{
    long long ttl, freq = -1, idle = -1;
    bool replace = false, absttl = false;
    for (int j = 4; j < c->argc; j++) {
        int more = c->argc - j - 1;
        const struct sarg *a = &c->argv[j];
        if (arg_is(a, "replace")) {
            replace = true;
        } else if (arg_is(a, "absttl")) {
            absttl = true;
        } else if (arg_is(a, "idletime") && more >= 1 && freq == -1) {
            if (!arg_ll_or_reply(c, &c->argv[j + 1], &idle)) return;
            if (idle < 0) {
                reply_errs(c->r, SERR_IDLETIME_INVALID);
                return;
            }
            j++;
        } else if (arg_is(a, "freq") && more >= 1 && idle == -1) {
            if (!arg_ll_or_reply(c, &c->argv[j + 1], &freq)) return;
            if (freq < 0 || freq > 255) {
                reply_errs(c->r, SERR_FREQ_INVALID);
                return;
            }
            j++;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return;
        }
    }
    const struct sarg *key = &c->argv[1];
    if (!replace && db_lookup_for_write(c, c->db, key)) {
        reply_errs(c->r, SERR_BUSYKEY);
        return;
    }
    if (!arg_ll_or_reply(c, &c->argv[2], &ttl)) return;
    if (ttl < 0) {
        reply_errs(c->r, SERR_TTL_INVALID);
        return;
    }
    const struct sarg *pl = &c->argv[3];
    if (!rdb_verify_payload((const unsigned char *)pl->p, pl->len)) {
        reply_errs(c->r, SERR_DUMP_PAYLOAD);
        return;
    }
    /* RESTORE always comes from a client: "clients" sanitizes it too */
    struct rdb_in in;
    rdb_in_mem(&in, pl->p, pl->len, store_tun.sanitize_dump_payload != RDB_SANITIZE_NO);
    int type = rdb_read_byte(&in);
    struct sobj *val =
        type >= 0 && rdb_is_object_type(type) ? rdb_read_object(&in, type, NULL) : NULL;
    rdb_in_free(&in);
    if (!val) {
        reply_errs(c->r, SERR_BAD_DATA_FORMAT);
        return;
    }
    uint64_t dirty = c->dirty;
    bool deleted = replace && db_delete(c, c->db, key);
    if (ttl && !absttl) ttl += c->now_ms;
    if (ttl && ttl <= c->now_ms) {
        /* already expired: the key is gone (a DEL when it replaced one) */
        obj_free(val);
        c->dirty = dirty + (deleted ? 1 : 0);
        reply_ok(c->r);
        return;
    }
    struct kentry *e = db_add(c, c->db, key, val);
    if (!e) {
        obj_free(val);
        reply_errs(c->r, SERR_OOM);
        return;
    }
    if (ttl) db_set_expire(c, c->db, e, ttl);
    /* Redis's objectSetLRUOrLFU */
    if (obj_lfu_policy) {
        if (freq >= 0) {
            val->lfu = (uint16_t)freq;
            val->atime = obj_clock;
        }
    } else if (idle >= 0) {
        val->atime = obj_clock - (uint32_t)(idle > UINT32_MAX ? UINT32_MAX : idle);
    }
    c->dirty = dirty + 1; /* one change, replaced or not, as Redis counts it */
    reply_ok(c->r);
}
