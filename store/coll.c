/* coll.c — helpers shared by the collection types (coll.h). */
#include "coll.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "listpack.h"

uint64_t coll_rand(void)
{
    static __thread uint64_t s;
    if (s == 0)
        s = (uint64_t)store_ustime() ^ ((uint64_t)(uintptr_t)&s << 16) ^ 0x9e3779b97f4a7c15ULL;
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DULL;
}

struct dnode *coll_fair_random(struct dict *d)
{
    if (!dict_is_rehashing(d) && d->size[0]) {
        for (int tries = 0; tries < 1000; tries++) {
            uint64_t r = coll_rand();
            struct dnode *n = d->tab[0][r & (d->size[0] - 1)];
            if (!n) continue;
            unsigned len = 0;
            for (struct dnode *x = n; x; x = x->next) len++;
            unsigned j = (unsigned)((r >> 40) % (len > 4 ? len : 4));
            if (j >= len) continue;
            while (j--) n = n->next;
            return n;
        }
    }
    return dict_random(d, coll_rand());
}

/* Redis's parseScanCursorOrReply: "ERR invalid cursor". */
static bool scan_cursor(struct cmdctx *c, uint64_t *cursor)
{
    const struct sarg *a = &c->argv[2];
    char buf[32];
    if (a->len == 0 || a->len >= sizeof(buf)) goto bad;
    memcpy(buf, a->p, a->len);
    buf[a->len] = '\0';
    if (isspace((unsigned char)buf[0])) goto bad;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(buf, &end, 10);
    if (*end != '\0' || errno == ERANGE) goto bad;
    *cursor = v;
    return true;
bad:
    reply_errs(c->r, SERR_INVALID_CURSOR);
    return false;
}

/* Redis's order of checks; replies and returns false on error. */
static bool scan_opts(struct cmdctx *c, struct scan_opts *o)
{
    o->pat = NULL;
    o->patlen = 0;
    o->count = 10;
    o->all = true;
    for (int i = 3; i < c->argc; i += 2) {
        int left = c->argc - i;
        if (arg_is(&c->argv[i], "count") && left >= 2) {
            if (!arg_ll_or_reply(c, &c->argv[i + 1], &o->count)) return false;
            if (o->count < 1) {
                reply_errs(c->r, SERR_SYNTAX);
                return false;
            }
        } else if (arg_is(&c->argv[i], "match") && left >= 2) {
            o->pat = c->argv[i + 1].p;
            o->patlen = c->argv[i + 1].len;
            o->all = o->patlen == 1 && o->pat[0] == '*';
        } else {
            reply_errs(c->r, SERR_SYNTAX);
            return false;
        }
    }
    return true;
}

const struct sobj *coll_scan_begin(struct cmdctx *c, int type, uint64_t *cursor,
                                   struct scan_opts *so)
{
    if (!scan_cursor(c, cursor)) return NULL;
    bool err;
    const struct sobj *o = db_read_typed(c, &c->argv[1], type, &err);
    if (err) return NULL;
    if (!o) {
        reply_array(c->r, 2);
        reply_bulk(c->r, "0", 1);
        reply_array(c->r, 0);
        return NULL;
    }
    return scan_opts(c, so) ? o : NULL;
}

void coll_reply_scan_cursor(struct cmdctx *c, uint64_t cursor)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cursor);
    reply_array(c->r, 2);
    reply_bulk(c->r, buf, (size_t)n);
}

bool coll_str_to_d(const char *s, size_t len, double *out)
{
    char buf[256];
    char *tmp = buf;
    if (len == 0) return false;
    if (len >= sizeof(buf)) {
        tmp = malloc(len + 1);
        if (!tmp) return false;
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    bool ok = !isspace((unsigned char)tmp[0]);
    errno = 0;
    char *end;
    double v = strtod(tmp, &end);
    if ((size_t)(end - tmp) != len) ok = false;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO))
        ok = false;
    if (isnan(v)) ok = false;
    if (tmp != buf) free(tmp);
    if (ok) *out = v;
    return ok;
}

bool coll_range_ll_or_reply(struct cmdctx *c, const struct sarg *a, long long min, long long max,
                            const char *msg, long long *out)
{
    long long v;
    if (!arg_ll(a, &v)) {
        if (msg)
            reply_error(c->r, msg);
        else
            reply_errs(c->r, SERR_NOTINT);
        return false;
    }
    if (v < min || v > max) {
        if (msg)
            reply_error(c->r, msg);
        else
            reply_errorf(c->r, SERRF_LONG_RANGE, (long)min, (long)max);
        return false;
    }
    *out = v;
    return true;
}

void coll_reply_lp(struct reply *r, const unsigned char *p)
{
    uint32_t len;
    int64_t v;
    const unsigned char *s = lp_get(p, &len, &v);
    if (s)
        reply_bulk(r, s, len);
    else
        reply_bulk_ll(r, v);
}

struct scan_acc {
    struct dnode **v;
    size_t n, cap;
};

static void scan_collect(struct dnode *n, void *arg)
{
    struct scan_acc *a = arg;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        struct dnode **v = realloc(a->v, cap * sizeof(*v));
        if (!v) return; /* out of memory: this node is left out of the reply */
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = n;
}

uint64_t coll_scan_dict(struct dict *d, uint64_t cursor, long long count, struct dnode ***out,
                        size_t *n)
{
    struct scan_acc a = {0};
    /* Redis's count*10 bound on empty buckets, without overflowing for a
     * huge COUNT (it then just means "until done") */
    long long maxiter = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
    do {
        cursor = dict_scan(d, cursor, scan_collect, &a);
    } while (cursor && maxiter-- && (long long)a.n < count);
    *out = a.v;
    *n = a.n;
    return cursor;
}
