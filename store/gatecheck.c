/* gatecheck.c — the write gate's debug check (see gatecheck.h). */
#include "gatecheck.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "dict.h"
#include "digest.h"

#define GC_KEYS 64 /* keys checked per command (the rest are not) */

bool gatecheck_on;

struct gc_rec {
    int db;
    const char *key; /* the command's argument: valid while it runs */
    size_t len;
    bool existed, gated, gated_late;
    unsigned char fp[DIGEST_LEN]; /* before the command */
};

static __thread struct {
    int n;
    struct gc_rec rec[GC_KEYS];
} gc;

static pthread_mutex_t totals_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gatecheck_stats totals;

/* An entry's fingerprint: its value's digest and its TTL. */
static void fingerprint(const struct kentry *e, unsigned char fp[DIGEST_LEN])
{
    memset(fp, 0, DIGEST_LEN);
    digest_value(fp, e->val, e->expire >= 0);
    digest_value_state(fp, e->val);
    if (e->expire >= 0) digest_mix(fp, &e->expire, sizeof(e->expire));
}

/* The entry without lazy expiry (the check must not change anything). */
static const struct kentry *raw_find(struct keyspace *ks, int db, const char *key, size_t len)
{
    struct shard *s = &ks->shards[ks_shard_of(ks, key, len)];
    return (const struct kentry *)dict_find(&s->db[db].keys, key, len, dict_hash(key, len));
}

void gatecheck_before(struct cmdctx *c, const struct sarg *keys, const int *kidx, int nk)
{
    gc.n = 0;
    for (int i = 0; i < nk && gc.n < GC_KEYS; i++) {
        const struct sarg *k = &keys[kidx[i]];
        struct gc_rec *r = &gc.rec[gc.n++];
        memset(r, 0, sizeof(*r));
        r->db = c->db;
        r->key = k->p;
        r->len = k->len;
        const struct kentry *e = raw_find(c->ks, c->db, k->p, k->len);
        r->existed = e != NULL;
        if (e) fingerprint(e, r->fp);
    }
}

void gatecheck_gate(int db, const struct kentry *e)
{
    for (int i = 0; i < gc.n; i++) {
        struct gc_rec *r = &gc.rec[i];
        if (r->gated || r->db != db || r->len != e->klen || memcmp(r->key, e->key, r->len) != 0)
            continue;
        r->gated = true;
        unsigned char now[DIGEST_LEN];
        fingerprint(e, now);
        /* the gate must see the value as it was before the command */
        if (r->existed && memcmp(now, r->fp, DIGEST_LEN) != 0) r->gated_late = true;
    }
}

void gatecheck_after(struct cmdctx *c, const char *cmdname)
{
    uint64_t changed = 0, bad = 0;
    for (int i = 0; i < gc.n; i++) {
        struct gc_rec *r = &gc.rec[i];
        if (!r->existed) continue; /* creation goes through db_add */
        const struct kentry *e = raw_find(c->ks, r->db, r->key, r->len);
        unsigned char now[DIGEST_LEN];
        if (e) fingerprint(e, now);
        if (e && memcmp(now, r->fp, DIGEST_LEN) == 0) continue;
        changed++;
        if (!r->gated || r->gated_late) bad++;
    }
    gc.n = 0;
    pthread_mutex_lock(&totals_lock);
    totals.commands++;
    totals.changed += changed;
    totals.violations += bad;
    if (bad) snprintf(totals.last, sizeof(totals.last), "%s", cmdname);
    pthread_mutex_unlock(&totals_lock);
}

void gatecheck_read(struct gatecheck_stats *out)
{
    pthread_mutex_lock(&totals_lock);
    *out = totals;
    pthread_mutex_unlock(&totals_lock);
}

void gatecheck_reset(void)
{
    pthread_mutex_lock(&totals_lock);
    memset(&totals, 0, sizeof(totals));
    pthread_mutex_unlock(&totals_lock);
}
