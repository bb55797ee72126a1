/* digest.c — Redis's dataset and value digests (see digest.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "digest.h"
#include "t_zset.h"
#include "intset.h"
#include "listpack.h"
#include "quicklist.h"
#include "sha1.h"
#include "stream.h"
#include "t_hash.h"
#include "t_set.h"
#include "zskiplist.h"

void digest_xor(unsigned char d[DIGEST_LEN], const void *p, size_t len)
{
    unsigned char h[SHA1_LEN];
    sha1(p, len, h);
    for (int i = 0; i < DIGEST_LEN; i++) d[i] ^= h[i];
}

void digest_mix(unsigned char d[DIGEST_LEN], const void *p, size_t len)
{
    digest_xor(d, p, len);
    sha1(d, DIGEST_LEN, d);
}

static void mix_u32be(unsigned char d[DIGEST_LEN], uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    digest_mix(d, b, 4);
}

/* One sorted-set element: mix(member), mix(score), xor into d. */
static void zset_elem(unsigned char d[DIGEST_LEN], const void *m, size_t mlen, double score)
{
    unsigned char e[DIGEST_LEN] = {0};
    char buf[128];
    digest_mix(e, m, mlen);
    int n = snprintf(buf, sizeof(buf), "%.17g", score);
    digest_mix(e, buf, (size_t)n);
    digest_xor(d, e, DIGEST_LEN);
}

static void zset_elem_cb(void *arg, const char *m, size_t mlen, double score)
{
    zset_elem(arg, m, mlen, score);
}

/* Every entry in order: its ID as "<ms>.<seq>" (a dot, as Redis writes
 * it here), then each field and value. Groups do not count. */
static void digest_stream(unsigned char d[DIGEST_LEN], struct stream *s)
{
    struct stream_iter si;
    stream_iter_start(&si, s, NULL, NULL, false);
    struct sid id;
    int64_t nf;
    while (stream_iter_next(&si, &id, &nf)) {
        char buf[SID_STRLEN];
        int n = sid_fmt(buf, &id);
        *strchr(buf, '-') = '.';
        digest_mix(d, buf, (size_t)n);
        while (nf-- > 0) {
            const char *f, *val;
            size_t fl, vl;
            stream_iter_field(&si, &f, &fl, &val, &vl);
            digest_mix(d, f, fl);
            digest_mix(d, val, vl);
        }
    }
    stream_iter_stop(&si);
}

static void mix_sid(unsigned char d[DIGEST_LEN], const struct sid *id)
{
    char buf[SID_STRLEN];
    digest_mix(d, buf, (size_t)sid_fmt(buf, id));
}

static void mix_u64(unsigned char d[DIGEST_LEN], uint64_t v)
{
    digest_mix(d, &v, sizeof(v));
}

void digest_value_state(unsigned char d[DIGEST_LEN], const struct sobj *v)
{
    if (v->type != OBJ_STREAM) return;
    const struct stream *s = v->v.ptr;
    mix_sid(d, &s->last_id);
    mix_sid(d, &s->first_id);
    mix_sid(d, &s->max_deleted);
    mix_u64(d, s->entries_added);
    mix_u64(d, s->length);
    if (!s->cgroups) return;
    struct rax_iter gi;
    rax_iter_start(&gi, s->cgroups);
    rax_seek(&gi, RAX_FIRST, NULL, 0);
    while (rax_next(&gi)) {
        const struct sgroup *g = gi.val;
        digest_mix(d, gi.key, gi.key_len);
        mix_sid(d, &g->last_id);
        mix_u64(d, (uint64_t)g->entries_read);
        struct rax_iter it;
        rax_iter_start(&it, g->pel);
        rax_seek(&it, RAX_FIRST, NULL, 0);
        while (rax_next(&it)) {
            const struct snack *na = it.val;
            digest_mix(d, it.key, it.key_len);
            mix_u64(d, (uint64_t)na->delivery_time);
            mix_u64(d, na->delivery_count);
            if (na->consumer) digest_mix(d, na->consumer->name, na->consumer->nlen);
        }
        rax_iter_stop(&it);
        rax_iter_start(&it, g->consumers);
        rax_seek(&it, RAX_FIRST, NULL, 0);
        while (rax_next(&it)) {
            const struct sconsumer *cs = it.val;
            digest_mix(d, cs->name, cs->nlen);
            mix_u64(d, (uint64_t)cs->seen_time);
            mix_u64(d, rax_size(cs->pel));
        }
        rax_iter_stop(&it);
    }
    rax_iter_stop(&gi);
}

void digest_value(unsigned char d[DIGEST_LEN], const struct sobj *v, bool has_ttl)
{
    mix_u32be(d, v->type);
    switch (v->type) {
    case OBJ_STRING: {
        char buf[24];
        size_t len;
        const char *p = obj_string_bytes(v, buf, &len);
        digest_mix(d, p, len);
        break;
    }
    case OBJ_LIST: {
        struct ql_iter it;
        struct ql_val e;
        ql_iter_init(v->v.ptr, &it, QL_HEAD);
        while (ql_iter_next(&it, &e)) {
            char buf[24];
            size_t len;
            const char *p = ql_val_bytes(&e, buf, &len);
            digest_mix(d, p, len);
        }
        break;
    }
    case OBJ_SET: {
        struct set_iter it;
        set_iter_init(&it, v);
        while (set_iter_next(&it)) digest_xor(d, it.s, it.len);
        set_iter_done(&it);
        break;
    }
    case OBJ_ZSET: zset_walk(v, zset_elem_cb, d); break;
    case OBJ_HASH: {
        struct hash_iter it;
        hash_iter_init(&it, (struct sobj *)v); /* reads only */
        while (hash_iter_next(&it)) {
            unsigned char e[DIGEST_LEN] = {0};
            digest_mix(e, it.f, it.flen);
            digest_mix(e, it.v, it.vlen);
            digest_xor(d, e, DIGEST_LEN);
        }
        hash_iter_done(&it);
        break;
    }
    case OBJ_STREAM: digest_stream(d, v->v.ptr); break;
    default: break;
    }
    if (has_ttl) digest_xor(d, "!!expire!!", 10);
}

void digest_entry(unsigned char d[DIGEST_LEN], const struct kentry *e)
{
    digest_mix(d, e->key, e->klen);
    digest_value(d, e->val, e->expire >= 0);
}

void digest_dataset_locked(struct keyspace *ks, unsigned char out[DIGEST_LEN])
{
    memset(out, 0, DIGEST_LEN);
    for (unsigned db = 0; db < ks->ndb; db++) {
        unsigned char keys[DIGEST_LEN] = {0};
        bool any = false;
        for (unsigned s = 0; s < ks->nshards; s++) {
            struct dict *d = &ks->shards[s].db[db].keys;
            if (!dict_size(d)) continue;
            any = true;
            struct dict_iter it;
            dict_iter_init(&it, d);
            struct dnode *n;
            while ((n = dict_iter_next(&it))) {
                unsigned char k[DIGEST_LEN] = {0};
                digest_entry(k, (const struct kentry *)n);
                digest_xor(keys, k, DIGEST_LEN);
            }
            dict_iter_done(&it);
        }
        if (!any) continue;
        /* each key's digest is xored in (as its SHA-1) after the database
         * number is mixed; xor commutes, so shards may come in any order */
        mix_u32be(out, db);
        for (int i = 0; i < DIGEST_LEN; i++) out[i] ^= keys[i];
    }
}

void digest_key_locked(struct keyspace *ks, int db, const char *key, size_t len,
                       unsigned char out[DIGEST_LEN])
{
    memset(out, 0, DIGEST_LEN);
    struct shard *s = &ks->shards[ks_shard_of(ks, key, len)];
    const struct kentry *e =
        (const struct kentry *)dict_find(&s->db[db].keys, key, len, dict_hash(key, len));
    if (e) digest_value(out, e->val, e->expire >= 0);
}

void digest_hex(const unsigned char d[DIGEST_LEN], char out[2 * DIGEST_LEN + 1])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < DIGEST_LEN; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * DIGEST_LEN] = '\0';
}
