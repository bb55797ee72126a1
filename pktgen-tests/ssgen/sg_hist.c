/* sg_hist.c — the latency histogram (layout in sg_hist.h). */
#include "sg_hist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SUB       (1ULL << SG_HIST_SUB_BITS) /* 4096 */
#define EXACT     (2 * SUB)                  /* [0, 8192): width 1 */
#define LOG1_E0   (SG_HIST_SUB_BITS + 1)     /* 13: first doubling of part 1 */
#define LOG1_E1   22                         /* part 1 ends at 2^22 */
#define LOG1_BASE EXACT                      /* index of 2^13 */
#define LIN_BASE  (LOG1_BASE + (LOG1_E1 - LOG1_E0) * SUB)
#define LIN_N     ((SG_HIST_LIN_HI - SG_HIST_LIN_LO) >> SG_HIST_LIN_SHIFT)
#define LOG2_E0   32
#define LOG2_E1   39
#define LOG2_BASE (LIN_BASE + LIN_N)
#define NBUCKETS  (LOG2_BASE + (LOG2_E1 - LOG2_E0) * SUB)

static inline unsigned msb(uint64_t v)
{
    return 63u - (unsigned)__builtin_clzll(v);
}

size_t sg_hist_index(uint64_t v)
{
    if (v < EXACT) return (size_t)v;
    if (v < SG_HIST_LIN_LO) {
        unsigned e = msb(v);
        return (size_t)(LOG1_BASE + (e - LOG1_E0) * SUB + ((v >> (e - SG_HIST_SUB_BITS)) - SUB));
    }
    if (v < SG_HIST_LIN_HI) return (size_t)(LIN_BASE + ((v - SG_HIST_LIN_LO) >> SG_HIST_LIN_SHIFT));
    if (v < SG_HIST_TOP) {
        unsigned e = msb(v);
        return (size_t)(LOG2_BASE + (e - LOG2_E0) * SUB + ((v >> (e - SG_HIST_SUB_BITS)) - SUB));
    }
    return NBUCKETS; /* past the end: the caller clamps */
}

uint64_t sg_hist_lowest(size_t i)
{
    if (i < EXACT) return i;
    if (i < LIN_BASE) {
        uint64_t e = LOG1_E0 + (i - LOG1_BASE) / SUB, s = (i - LOG1_BASE) % SUB;
        return (SUB + s) << (e - SG_HIST_SUB_BITS);
    }
    if (i < LOG2_BASE) return SG_HIST_LIN_LO + ((uint64_t)(i - LIN_BASE) << SG_HIST_LIN_SHIFT);
    if (i >= NBUCKETS) i = NBUCKETS - 1;
    uint64_t e = LOG2_E0 + (i - LOG2_BASE) / SUB, s = (i - LOG2_BASE) % SUB;
    return (SUB + s) << (e - SG_HIST_SUB_BITS);
}

uint64_t sg_hist_highest(size_t i)
{
    if (i + 1 >= NBUCKETS) return UINT64_MAX;
    return sg_hist_lowest(i + 1) - 1;
}

int sg_hist_init(struct sg_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->nb = NBUCKETS;
    h->b = calloc(h->nb, sizeof(*h->b));
    if (h->b == NULL) return -ENOMEM;
    h->min = UINT64_MAX;
    return 0;
}

void sg_hist_free(struct sg_hist *h)
{
    free(h->b);
    h->b = NULL;
}

void sg_hist_reset(struct sg_hist *h)
{
    memset(h->b, 0, h->nb * sizeof(*h->b));
    h->n = h->sum = h->max = h->overflow = 0;
    h->min = UINT64_MAX;
}

void sg_hist_quantiles(const struct sg_hist *h, const double *q, uint64_t *out, size_t n)
{
    size_t k = 0;
    if (h->n == 0) {
        for (; k < n; k++) out[k] = 0;
        return;
    }
    uint64_t cum = 0;
    for (size_t i = 0; i < h->nb && k < n; i++) {
        if (h->b[i] == 0) continue;
        cum += h->b[i];
        for (; k < n; k++) {
            double want = q[k] * (double)h->n; /* nearest rank: ceil(q n), at least 1 */
            uint64_t rank = (uint64_t)want;
            if ((double)rank < want) rank++;
            if (rank < 1) rank = 1;
            if (cum < rank) break;
            uint64_t v = sg_hist_highest(i);
            if (v > h->max) v = h->max;
            if (v < h->min) v = h->min;
            out[k] = v;
        }
    }
    for (; k < n; k++) out[k] = h->max;
}

uint64_t sg_hist_quantile(const struct sg_hist *h, double q)
{
    uint64_t v;
    sg_hist_quantiles(h, &q, &v, 1);
    return v;
}
