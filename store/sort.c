/* sort.c — SORT and SORT_RO, with Redis 7.0's sort.c semantics: BY pattern
 * (with "->field" hash lookups, a pattern without '*' means "don't sort"),
 * GET patterns ("#" is the element itself), LIMIT, ASC/DESC, ALPHA, STORE.
 *
 * Locks: BY and GET patterns name arbitrary keys, which Redis reads in
 * non-cluster mode. SORT is flagged allshards (the dispatcher locks
 * nothing) and locks here: only the shards of the key and the STORE
 * destination when no pattern needs a lookup, otherwise every shard in
 * ascending order (two-phase locking, so SORT stays atomic). Before it
 * unlocks, it serves clients blocked on a STORE destination it created.
 */
#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "db.h"
#include "listpack.h"
#include "quicklist.h"
#include "t_hash.h"
#include "t_set.h"
#include "t_zset.h"
#include "zskiplist.h"

int keys_sort(int argc, const struct sarg *argv, int *out, int max);
void cmd_sort(struct cmdctx *c);
void cmd_sort_ro(struct cmdctx *c);

/* Key extraction (COMMAND GETKEYS): the sorted key and the STORE
 * destination, skipping option arguments as Redis's sortGetKeys does. */
int keys_sort(int argc, const struct sarg *argv, int *out, int max)
{
    static const struct {
        const char *name;
        int skip;
    } opts[] = {{"limit", 2}, {"get", 1}, {"by", 1}};
    int n = 0;
    if (argc < 2 || max < 1) return -1;
    out[n++] = 1;
    int store = -1;
    for (int i = 2; i < argc; i++) {
        bool matched = false;
        for (size_t j = 0; j < sizeof(opts) / sizeof(opts[0]); j++) {
            if (arg_is(&argv[i], opts[j].name)) {
                i += opts[j].skip;
                matched = true;
                break;
            }
        }
        if (!matched && arg_is(&argv[i], "store") && i + 1 < argc) store = ++i;
    }
    if (store > 0 && n < max) out[n++] = store;
    return n;
}

struct sitem {
    char *p; /* element bytes (owned) */
    size_t len;
    double score;
    char *cmp; /* ALPHA BY: the weight's bytes (owned), NULL if missing */
    size_t cmplen;
};

struct sortcfg {
    bool desc, alpha, bypattern;
};
static __thread struct sortcfg scfg;

static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int r = memcmp(a, b, n);
    if (r) return r;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

/* Redis's sortCompare (strcoll in the C locale is a byte comparison). */
static int sort_cmp(const void *x, const void *y)
{
    const struct sitem *a = x, *b = y;
    int cmp;
    if (!scfg.alpha) {
        if (a->score > b->score)
            cmp = 1;
        else if (a->score < b->score)
            cmp = -1;
        else
            cmp = cmp_bytes(a->p, a->len, b->p, b->len);
    } else if (scfg.bypattern) {
        if (!a->cmp || !b->cmp)
            cmp = a->cmp == b->cmp ? 0 : !a->cmp ? -1 : 1;
        else
            cmp = cmp_bytes(a->cmp, a->cmplen, b->cmp, b->cmplen);
    } else {
        cmp = cmp_bytes(a->p, a->len, b->p, b->len);
    }
    return scfg.desc ? -cmp : cmp;
}

/* Redis's lookupKeyByPattern: the bytes the pattern names for element s
 * (copied into *out, malloc'd), false when there are none. */
static bool by_pattern(struct cmdctx *c, const struct sarg *pat, const char *s, size_t slen,
                       char **out, size_t *outlen)
{
    if (pat->len == 1 && pat->p[0] == '#') {
        *out = malloc(slen ? slen : 1);
        if (!*out) return false;
        memcpy(*out, s, slen);
        *outlen = slen;
        return true;
    }
    const char *star = memchr(pat->p, '*', pat->len);
    if (!star) return false;
    const char *field = NULL;
    size_t flen = 0;
    const char *end = pat->p + pat->len;
    for (const char *f = star + 1; f + 1 < end; f++) {
        if (f[0] == '-' && f[1] == '>') {
            if (f + 2 < end) {
                field = f + 2;
                flen = (size_t)(end - field);
            }
            break;
        }
    }
    size_t prefix = (size_t)(star - pat->p);
    size_t postfix = pat->len - prefix - 1 - (field ? flen + 2 : 0);
    char kbuf[512];
    size_t klen = prefix + slen + postfix;
    char *k = klen <= sizeof(kbuf) ? kbuf : malloc(klen);
    if (!k) return false;
    memcpy(k, pat->p, prefix);
    memcpy(k + prefix, s, slen);
    memcpy(k + prefix + slen, star + 1, postfix);
    struct sarg key = {.p = k, .len = klen};
    struct kentry *e = db_lookup_read(c, &key);
    if (k != kbuf) free(k);
    if (!e) return false;
    char buf[LP_INTBUF > 24 ? LP_INTBUF : 24];
    const char *v;
    size_t vlen;
    if (field) {
        if (e->val->type != OBJ_HASH) return false;
        v = hash_get(e->val, field, flen, &vlen, buf);
        if (!v) return false;
    } else {
        if (e->val->type != OBJ_STRING) return false;
        v = obj_string_bytes(e->val, buf, &vlen);
    }
    *out = malloc(vlen ? vlen : 1);
    if (!*out) return false;
    memcpy(*out, v, vlen);
    *outlen = vlen;
    return true;
}

static bool push_item(struct sitem **v, size_t *n, size_t *cap, const char *s, size_t len)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct sitem *nv = realloc(*v, sizeof(*nv) * nc);
        if (!nv) return false;
        *v = nv;
        *cap = nc;
    }
    struct sitem *it = &(*v)[(*n)++];
    memset(it, 0, sizeof(*it));
    it->p = malloc(len ? len : 1);
    if (!it->p) {
        (*n)--;
        return false;
    }
    memcpy(it->p, s, len);
    it->len = len;
    return true;
}

/* The zset's members in rank order (both encodings, read only). */
static bool zset_members(const struct sobj *o, struct sitem **v, size_t *n, size_t *cap)
{
    if (o->enc == ENC_LISTPACK) {
        const unsigned char *lp = o->v.ptr;
        for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
            uint32_t len;
            char buf[LP_INTBUF];
            const unsigned char *s = lp_get_str(p, &len, buf);
            if (!push_item(v, n, cap, (const char *)s, len)) return false;
        }
        return true;
    }
    const struct zset *zs = o->v.ptr;
    for (const struct zsnode *x = zs->head->lv[0].fwd; x; x = x->lv[0].fwd)
        if (!push_item(v, n, cap, zsn_member(x), x->mlen)) return false;
    return true;
}

static void free_items(struct sitem *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].p);
        free(v[i].cmp);
    }
    free(v);
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void sort_generic(struct cmdctx *c, bool readonly)
{
    bool desc = false, alpha = false, dontsort = false, lookups = false;
    long long limit_start = 0, limit_count = -1;
    const struct sarg *sortby = NULL, *storekey = NULL;
    int getops[256], ngets = 0;
    int *gets = getops;
    if (c->argc > (int)(sizeof(getops) / sizeof(getops[0]))) {
        gets = malloc(sizeof(int) * (size_t)c->argc);
        if (!gets) {
            reply_errs(c->r, SERR_OOM);
            return;
        }
    }
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        const struct sarg *a = &c->argv[j];
        if (arg_is(a, "asc")) {
            desc = false;
        } else if (arg_is(a, "desc")) {
            desc = true;
        } else if (arg_is(a, "alpha")) {
            alpha = true;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (!arg_ll_or_reply(c, &c->argv[j + 1], &limit_start) ||
                !arg_ll_or_reply(c, &c->argv[j + 2], &limit_count))
                goto out;
            j += 2;
        } else if (!readonly && arg_is(a, "store") && left >= 1) {
            storekey = &c->argv[++j];
        } else if (arg_is(a, "by") && left >= 1) {
            sortby = &c->argv[++j];
            if (!memchr(sortby->p, '*', sortby->len))
                dontsort = true;
            else
                lookups = true;
        } else if (arg_is(a, "get") && left >= 1) {
            gets[ngets++] = ++j;
            const struct sarg *g = &c->argv[j];
            if (!(g->len == 1 && g->p[0] == '#')) lookups = true;
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            goto out;
        }
    }

    /* locks: see the file comment */
    uint16_t two[2], *held = two;
    int nheld;
    if (lookups) {
        nheld = (int)c->ks->nshards;
        held = malloc(sizeof(uint16_t) * (size_t)nheld);
        if (!held) {
            reply_errs(c->r, SERR_OOM);
            goto out;
        }
        for (int i = 0; i < nheld; i++) held[i] = (uint16_t)i;
    } else {
        two[0] = (uint16_t)ks_shard_of(c->ks, c->argv[1].p, c->argv[1].len);
        nheld = 1;
        if (storekey) {
            two[1] = (uint16_t)ks_shard_of(c->ks, storekey->p, storekey->len);
            if (two[1] != two[0]) nheld = 2;
            qsort(two, (size_t)nheld, sizeof(two[0]), cmp_u16);
        }
    }
    cmd_lock_set(c, held, nheld);
    cmd_unit_begin(c);

    struct sitem *v = NULL;
    size_t n = 0, cap = 0;
    struct kentry *e = db_lookup_read(c, &c->argv[1]);
    const struct sobj *o = e ? e->val : NULL;
    if (o && o->type != OBJ_SET && o->type != OBJ_LIST && o->type != OBJ_ZSET) {
        reply_errs(c->r, SERR_WRONGTYPE);
        goto unlock;
    }
    /* a set with no sort order is sorted (ALPHA) when stored, so that the
     * result does not depend on the set's internal order */
    if (dontsort && o && o->type == OBJ_SET && storekey) {
        dontsort = false;
        alpha = true;
        sortby = NULL;
    }
    bool ok = true;
    if (o && o->type == OBJ_LIST) {
        struct ql_iter it;
        struct ql_val qv;
        char buf[24];
        ql_iter_init(o->v.ptr, &it, QL_HEAD);
        while (ok && ql_iter_next(&it, &qv)) {
            size_t len;
            const char *s = ql_val_bytes(&qv, buf, &len);
            ok = push_item(&v, &n, &cap, s, len);
        }
    } else if (o && o->type == OBJ_SET) {
        struct set_iter it;
        set_iter_init(&it, o);
        while (ok && set_iter_next(&it)) ok = push_item(&v, &n, &cap, it.s, it.len);
        set_iter_done(&it);
    } else if (o) {
        ok = zset_members(o, &v, &n, &cap);
    }
    if (!ok) {
        reply_errs(c->r, SERR_OOM);
        goto unlock;
    }

    long long vlen = (long long)n;
    long long start = limit_start < 0 ? 0 : limit_start;
    /* start + count saturates: LIMIT 0 9223372036854775807 means "all" */
    long long end = limit_count < 0                   ? vlen - 1
                    : limit_count > LLONG_MAX - start ? LLONG_MAX
                                                      : start + limit_count - 1;
    if (start >= vlen) {
        start = vlen - 1;
        end = vlen - 2;
    }
    if (end >= vlen) end = vlen - 1;

    bool conv_error = false;
    if (dontsort) {
        /* lists and zsets keep their order; DESC reverses it */
        if (desc && o && o->type != OBJ_SET) {
            for (size_t i = 0; i < n / 2; i++) {
                struct sitem t = v[i];
                v[i] = v[n - 1 - i];
                v[n - 1 - i] = t;
            }
        }
    } else {
        for (size_t j = 0; j < n; j++) {
            char *by = NULL;
            size_t bylen = 0;
            if (sortby) {
                if (!by_pattern(c, sortby, v[j].p, v[j].len, &by, &bylen)) continue;
            }
            if (alpha) {
                if (sortby) {
                    v[j].cmp = by;
                    v[j].cmplen = bylen;
                    by = NULL;
                }
            } else {
                const char *s = sortby ? by : v[j].p;
                size_t sl = sortby ? bylen : v[j].len;
                char tmp[128];
                char *t = sl < sizeof(tmp) ? tmp : malloc(sl + 1);
                if (t) {
                    memcpy(t, s, sl);
                    t[sl] = '\0';
                    char *eptr;
                    errno = 0;
                    v[j].score = strtod(t, &eptr);
                    if (eptr[0] != '\0' || errno == ERANGE || isnan(v[j].score)) conv_error = true;
                    if (t != tmp) free(t);
                }
            }
            free(by);
        }
        scfg.desc = desc;
        scfg.alpha = alpha;
        scfg.bypattern = sortby != NULL;
        if (n > 1) qsort(v, n, sizeof(*v), sort_cmp);
    }

    long long outlen = ngets ? (long long)ngets * (end - start + 1) : end - start + 1;
    if (conv_error) {
        reply_error(c->r, "ERR One or more scores can't be converted into double");
    } else if (!storekey) {
        reply_array(c->r, outlen);
        for (long long j = start; j <= end; j++) {
            if (!ngets) reply_bulk(c->r, v[j].p, v[j].len);
            for (int g = 0; g < ngets; g++) {
                char *val;
                size_t vl;
                if (by_pattern(c, &c->argv[gets[g]], v[j].p, v[j].len, &val, &vl)) {
                    reply_bulk(c->r, val, vl);
                    free(val);
                } else {
                    reply_null(c->r);
                }
            }
        }
    } else {
        struct quicklist *ql = ql_new_default();
        for (long long j = start; ql && j <= end; j++) {
            if (!ngets) ql_push(ql, QL_TAIL, v[j].p, v[j].len);
            for (int g = 0; g < ngets; g++) {
                char *val;
                size_t vl;
                if (by_pattern(c, &c->argv[gets[g]], v[j].p, v[j].len, &val, &vl)) {
                    ql_push(ql, QL_TAIL, val, vl);
                    free(val);
                } else {
                    ql_push(ql, QL_TAIL, "", 0);
                }
            }
        }
        if (outlen > 0 && ql) {
            struct sobj *lo = calloc(1, sizeof(*lo));
            if (lo) {
                lo->type = OBJ_LIST;
                lo->enc = ENC_QUICKLIST;
                lo->lfu = 5;
                lo->atime = obj_clock;
                lo->v.ptr = ql;
                db_set(c, c->db, storekey, lo, false);
                c->dirty += (uint64_t)outlen - 1; /* db_set counted one */
            } else {
                ql_free(ql);
            }
        } else {
            ql_free(ql);
            db_delete(c, c->db, storekey);
        }
        reply_int(c->r, outlen);
    }

unlock:
    free_items(v, n);
    cmd_unit_end(c);
    /* clients blocked on the STORE destination are served first */
    for (int i = 0; i < nheld; i++) {
        if (blk_has_ready(&c->ks->shards[held[i]])) {
            blk_serve_locked(c->ks, held, nheld, c->now_ms, c->st, c->log);
            break;
        }
    }
    cmd_unlock_set(c, held, nheld);
    if (held != two) free(held);
out:
    if (gets != getops) free(gets);
}

void cmd_sort(struct cmdctx *c)
{
    sort_generic(c, false);
}

void cmd_sort_ro(struct cmdctx *c)
{
    sort_generic(c, true);
}
