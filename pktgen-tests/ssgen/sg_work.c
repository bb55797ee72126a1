/* sg_work.c — the command mix, key and value-size distributions, and
 * request encoding (see sg_work.h). */
#include "sg_work.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char PATTERN[SG_PATTERN_N + 1] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

void sg_work_defaults(struct sg_work *w)
{
    memset(w, 0, sizeof(*w));
    w->set_w = 1;
    w->get_w = 0;
    w->keydist = SG_KEYS_UNIFORM;
    w->vdist = SG_V_FIXED;
    w->vmin = w->vmax = 16;
}

static int parse_u64(const char *s, char **end, uint64_t lo, uint64_t hi, uint64_t *out)
{
    errno = 0;
    if (*s < '0' || *s > '9') return -1;
    unsigned long long v = strtoull(s, end, 10);
    if (errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int sg_work_parse_ratio(struct sg_work *w, const char *s)
{
    char *e;
    uint64_t a, b;
    if (parse_u64(s, &e, 0, 1000000, &a) || *e != ':') return -1;
    if (parse_u64(e + 1, &e, 0, 1000000, &b) || *e || a + b == 0) return -1;
    w->set_w = (uint32_t)a;
    w->get_w = (uint32_t)b;
    return 0;
}

int sg_work_parse_keys(struct sg_work *w, const char *s)
{
    if (strcasecmp(s, "uniform") == 0) {
        w->keydist = SG_KEYS_UNIFORM;
        return 0;
    }
    if (strcasecmp(s, "seq") == 0 || strcasecmp(s, "sequential") == 0) {
        w->keydist = SG_KEYS_SEQ;
        return 0;
    }
    if (strncasecmp(s, "zipf:", 5) == 0) {
        char *e;
        errno = 0;
        double v = strtod(s + 5, &e);
        if (errno || e == s + 5 || *e || !(v > 0) || v > 100) return -1;
        w->keydist = SG_KEYS_ZIPF;
        w->zipf_s = v;
        return 0;
    }
    return -1;
}

int sg_work_parse_vsize(struct sg_work *w, const char *s)
{
    char *e;
    uint64_t a, b;
    if (parse_u64(s, &e, 0, SG_VALUE_MAX, &a)) return -1;
    if (*e == '\0') {
        w->vdist = SG_V_FIXED;
        w->vmin = w->vmax = (uint32_t)a;
        return 0;
    }
    if (*e == '-') {
        if (parse_u64(e + 1, &e, a, SG_VALUE_MAX, &b) || *e) return -1;
        w->vdist = SG_V_UNIFORM;
        w->vmin = (uint32_t)a;
        w->vmax = (uint32_t)b;
        return 0;
    }
    /* N:W,N:W,... */
    unsigned n = 0;
    double total = 0, wt[SG_VCHOICES];
    const char *p = s;
    uint32_t maxv = 0;
    for (;;) {
        if (n == SG_VCHOICES || parse_u64(p, &e, 0, SG_VALUE_MAX, &a) || *e != ':') return -1;
        if (parse_u64(e + 1, &e, 1, 1000000, &b)) return -1;
        w->vsz[n] = (uint32_t)a;
        if (a > maxv) maxv = (uint32_t)a;
        wt[n++] = (double)b;
        total += (double)b;
        if (*e == '\0') break;
        if (*e != ',') return -1;
        p = e + 1;
    }
    double cum = 0;
    for (unsigned i = 0; i < n; i++) {
        cum += wt[i];
        w->vcum[i] = cum / total;
    }
    w->vcum[n - 1] = 1.0;
    w->nv = n;
    w->vdist = SG_V_WEIGHTED;
    w->vmin = 0;
    w->vmax = maxv;
    return 0;
}

/* ---- Zipf by rejection-inversion ----
 * h(x) = x^-s; H(x) = (x^(1-s) - 1) / (1 - s), an integral of h, with its
 * s -> 1 limit ln x, written through expm1/log1p so both are exact near
 * s = 1. A draw inverts H at a uniform point between H(1.5) - h(1) and
 * H(n + 0.5), rounds to the nearest integer k and accepts k when the point
 * lies under h's step at k (the cheap test k - x <= sv settles most). */

static double helper_log1p_over(double t) /* log1p(t) / t */
{
    return fabs(t) > 1e-8 ? log1p(t) / t : 1 - t / 2 + t * t / 3;
}

static double helper_expm1_over(double t) /* expm1(t) / t */
{
    return fabs(t) > 1e-8 ? expm1(t) / t : 1 + t / 2 + t * t / 6;
}

static double zh(const struct sg_zipf *z, double x)
{
    return exp(-z->s * log(x));
}

static double zH(const struct sg_zipf *z, double x)
{
    double lx = log(x);
    return helper_expm1_over((1 - z->s) * lx) * lx;
}

static double zHinv(const struct sg_zipf *z, double y)
{
    double t = (1 - z->s) * y;
    if (t < -1) t = -1; /* rounding at the bound of H's range for s > 1 */
    return exp(helper_log1p_over(t) * y);
}

void sg_zipf_init(struct sg_zipf *z, uint64_t n, double s)
{
    z->n = n;
    z->s = s;
    z->hx1 = zH(z, 1.5) - 1.0;
    z->hn = zH(z, (double)n + 0.5);
    z->sv = 2.0 - zHinv(z, zH(z, 2.5) - zh(z, 2.0));
}

uint64_t sg_zipf_draw(const struct sg_zipf *z, struct sg_rng *r)
{
    for (;;) {
        double u = z->hn + sg_rng_unit(r) * (z->hx1 - z->hn);
        double x = zHinv(z, u);
        double kf = floor(x + 0.5);
        if (kf < 1) kf = 1;
        if (kf > (double)z->n) kf = (double)z->n;
        if (kf - x <= z->sv || u >= zH(z, kf + 0.5) - zh(z, kf)) return (uint64_t)kf;
    }
}

int sg_work_finish(struct sg_work *w)
{
    if (w->keydist == SG_KEYS_ZIPF) {
        if (w->keyspace == 0) return -1;
        sg_zipf_init(&w->zipf, w->keyspace, w->zipf_s);
    }
    free(w->pattern);
    w->pattern = malloc((size_t)SG_PATTERN_N + w->vmax + 1);
    if (w->pattern == NULL) return -1;
    for (size_t i = 0; i < (size_t)SG_PATTERN_N + w->vmax + 1; i++)
        w->pattern[i] = (uint8_t)PATTERN[i % SG_PATTERN_N];
    return 0;
}

void sg_work_free(struct sg_work *w)
{
    free(w->pattern);
    w->pattern = NULL;
}

int sg_work_op(const struct sg_work *w, struct sg_rng *r)
{
    if (w->get_w == 0) return SG_SET;
    if (w->set_w == 0) return SG_GET;
    return sg_rng_below(r, (uint64_t)w->set_w + w->get_w) < w->set_w ? SG_SET : SG_GET;
}

uint64_t sg_work_key(struct sg_work *w, struct sg_rng *r)
{
    if (w->keyspace == 0) return 0;
    if (w->keydist == SG_KEYS_ZIPF) return sg_zipf_draw(&w->zipf, r) - 1;
    if (w->keydist == SG_KEYS_SEQ) {
        uint64_t k = w->seq_next++;
        if (w->seq_next == w->keyspace) w->seq_next = 0;
        return k;
    }
    return sg_rng_below(r, w->keyspace);
}

uint32_t sg_work_vlen(const struct sg_work *w, uint64_t key)
{
    if (w->vdist == SG_V_FIXED) return w->vmin;
    uint64_t h = sg_splitmix64(key ^ 0x5347454e56414c53ULL); /* "SGENVALS" */
    if (w->vdist == SG_V_UNIFORM)
        return w->vmin + (uint32_t)(h % ((uint64_t)w->vmax - w->vmin + 1));
    double u = (double)(h >> 11) * 0x1.0p-53;
    for (unsigned i = 0; i < w->nv; i++)
        if (u < w->vcum[i]) return w->vsz[i];
    return w->vsz[w->nv - 1];
}

size_t sg_work_max_req(const struct sg_work *w)
{
    return 64 + SG_KEY_LEN + (size_t)w->vmax;
}

static size_t put_key(const struct sg_work *w, uint8_t *p, uint64_t key)
{
    memcpy(p, "$16\r\nkey:", 9);
    if (w->keyspace == 0) {
        memcpy(p + 9, "__rand_int__", 12);
    } else {
        for (int i = 11; i >= 0; i--) {
            p[9 + i] = (uint8_t)('0' + key % 10);
            key /= 10;
        }
    }
    memcpy(p + 21, "\r\n", 2);
    return 23;
}

size_t sg_work_encode(const struct sg_work *w, uint8_t *out, int op, uint64_t key, uint32_t vlen)
{
    uint8_t *p = out;
    if (op == SG_GET) {
        memcpy(p, "*2\r\n$3\r\nGET\r\n", 13);
        p += 13;
        p += put_key(w, p, key);
        return (size_t)(p - out);
    }
    memcpy(p, "*3\r\n$3\r\nSET\r\n", 13);
    p += 13;
    p += put_key(w, p, key);
    p += sprintf((char *)p, "$%u\r\n", vlen);
    memcpy(p, sg_work_value(w, key), vlen);
    p += vlen;
    memcpy(p, "\r\n", 2);
    return (size_t)(p + 2 - out);
}
