/* sg_work.h — what ssgen asks: the command mix, the keys, the value sizes,
 * and the bytes of each request.
 *
 * Requests are redis-benchmark's: SET key:<12 digits> <value> and
 * GET key:<12 digits>, the digits a key index in [0, -r) (or the literal
 * key:__rand_int__ without -r, index 0).
 *
 *   mix      --ratio S:G: S SETs to G GETs, drawn per request (-t set is
 *            1:0, -t get 0:1)
 *   keys     --keys uniform (default) or zipf:S: index k-1 with probability
 *            proportional to 1/k^S over k = 1..N (rejection-inversion
 *            sampling, Hormann and Derflinger 1996: O(1) per draw, any S > 0,
 *            any N); or seq: 0, 1, ..., N-1, 0, ... in the order requests are
 *            issued (-n N SETs then write every key exactly once)
 *   values   -d N (fixed), -d A-B (uniform on [A, B]) or -d N:W,N:W,...
 *            (size N with weight W). A key's value size is a function of
 *            the key (a hash of its index picks it), so a GET knows the size
 *            the SET of the same key wrote; under a skewed key distribution
 *            the sizes requests see follow the key popularity.
 *
 * A value's bytes are a function of its key too: byte i of key k's value is
 * SG_PATTERN[(k + i) % 62]. So every GET reply can be checked byte for byte
 * (sg_resp.c): a wrong, stale-by-another-key, truncated or corrupted value
 * is an error, a nil reply a miss.
 */
#ifndef SG_WORK_H
#define SG_WORK_H

#include <stddef.h>
#include <stdint.h>

#include "sg_rand.h"

enum sg_op { SG_SET = 0, SG_GET = 1 };
enum sg_keydist { SG_KEYS_UNIFORM, SG_KEYS_ZIPF, SG_KEYS_SEQ };
enum sg_vdist { SG_V_FIXED, SG_V_UNIFORM, SG_V_WEIGHTED };

#define SG_KEY_LEN   16 /* "key:" + 12 digits */
#define SG_VCHOICES  16
#define SG_VALUE_MAX (1u << 20)
#define SG_PATTERN_N 62
#define SG_KEYS_MAX  999999999999ULL

struct sg_zipf {
    uint64_t n;
    double s, hx1, hn, sv;
};

struct sg_work {
    uint32_t set_w, get_w;
    uint64_t keyspace; /* 0: one literal key */
    int keydist;
    double zipf_s;
    struct sg_zipf zipf;
    int vdist;
    uint32_t vmin, vmax; /* fixed: vmin; uniform: [vmin, vmax]; weighted: the largest */
    unsigned nv;
    uint32_t vsz[SG_VCHOICES];
    double vcum[SG_VCHOICES]; /* cumulative weights, the last 1.0 */
    uint8_t *pattern;         /* SG_PATTERN_N + vmax bytes */
    uint64_t seq_next;        /* --keys seq: the next index */
};

/* Defaults: SET only, one literal key, 16-byte values. */
void sg_work_defaults(struct sg_work *w);
/* Parsers of the options above: 0, or -1 when the text is not valid. */
int sg_work_parse_ratio(struct sg_work *w, const char *s);
int sg_work_parse_keys(struct sg_work *w, const char *s);
int sg_work_parse_vsize(struct sg_work *w, const char *s);
/* After the options: the sampler's constants and the value pattern.
 * 0 or -1 (zipf without a key space, out of memory). */
int sg_work_finish(struct sg_work *w);
void sg_work_free(struct sg_work *w);

int sg_work_op(const struct sg_work *w, struct sg_rng *r);
uint64_t sg_work_key(struct sg_work *w, struct sg_rng *r);
uint32_t sg_work_vlen(const struct sg_work *w, uint64_t key);

/* Zipf over 1..n with exponent s (exposed for the unit test). */
void sg_zipf_init(struct sg_zipf *z, uint64_t n, double s);
uint64_t sg_zipf_draw(const struct sg_zipf *z, struct sg_rng *r);

/* The value bytes of `key` (vlen of them). */
static inline const uint8_t *sg_work_value(const struct sg_work *w, uint64_t key)
{
    return w->pattern + key % SG_PATTERN_N;
}

/* Bytes of the longest request (what to reserve before sg_work_encode). */
size_t sg_work_max_req(const struct sg_work *w);
/* Writes the request; returns its length. */
size_t sg_work_encode(const struct sg_work *w, uint8_t *out, int op, uint64_t key, uint32_t vlen);

#endif
