/* sg_hist.h — ssgen's latency histogram, HDR-style: values in nanoseconds,
 * counted in buckets whose width grows with the value, so percentiles are
 * read with a bounded error from a fixed amount of memory, whatever the
 * number of samples.
 *
 * Bucket widths (the error of a reported value is below one width):
 *
 *   value v                width
 *   [0, 8192 ns)           1 ns (exact)
 *   [8.192 us, 4.194 ms)   2^(e-12) ns for v in [2^e, 2^(e+1)): 1/4096 to
 *                          1/8192 of the value, 2 ns ... 512 ns
 *   [4.194 ms, 4.295 s)    512 ns (linear: "1 us or better up to seconds")
 *   [4.295 s, 550 s)       1/4096 to 1/8192 of the value again
 *   550 s and above        the last bucket (counted in `overflow`)
 *
 * That is 8,454,144 32-bit counters (34 MB of address space, calloc'd: only
 * the pages the run's latencies fall on are ever touched; a run whose
 * latencies stay below 4 ms touches 180 KB). min, max, the count and the sum
 * are kept exactly. A percentile is nearest-rank (the smallest value with at
 * least q of the samples at or below it) and reported as its bucket's
 * highest value, clamped to [min, max].
 */
#ifndef SG_HIST_H
#define SG_HIST_H

#include <stddef.h>
#include <stdint.h>

#define SG_HIST_SUB_BITS  12 /* 4096 buckets per doubling in the log parts */
#define SG_HIST_LIN_SHIFT 9  /* 512 ns buckets in the linear part */
#define SG_HIST_LIN_LO    (1ULL << 22)
#define SG_HIST_LIN_HI    (1ULL << 32)
#define SG_HIST_TOP       (1ULL << 39)

struct sg_hist {
    uint32_t *b;
    size_t nb;
    uint64_t n, sum, min, max, overflow;
};

int sg_hist_init(struct sg_hist *h); /* 0 or -ENOMEM */
void sg_hist_free(struct sg_hist *h);
void sg_hist_reset(struct sg_hist *h);

size_t sg_hist_index(uint64_t ns);
uint64_t sg_hist_lowest(size_t idx);  /* the smallest value of a bucket */
uint64_t sg_hist_highest(size_t idx); /* its largest */

static inline void sg_hist_add(struct sg_hist *h, uint64_t ns)
{
    size_t i = sg_hist_index(ns);
    if (i >= h->nb) {
        i = h->nb - 1;
        h->overflow++;
    }
    h->b[i]++;
    h->n++;
    h->sum += ns;
    if (ns < h->min) h->min = ns;
    if (ns > h->max) h->max = ns;
}

/* Quantiles q[0..n) (each in [0, 1], ascending) in one pass; out[i] in ns.
 * An empty histogram gives 0. */
void sg_hist_quantiles(const struct sg_hist *h, const double *q, uint64_t *out, size_t n);
uint64_t sg_hist_quantile(const struct sg_hist *h, double q);

#endif
