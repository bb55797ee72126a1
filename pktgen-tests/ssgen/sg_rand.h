/* sg_rand.h — ssgen's random numbers: one seeded xoshiro256** stream per
 * run (Blackman and Vigna's generator: 256 bits of state, period 2^256 - 1,
 * passes BigCrush), seeded through splitmix64, which also serves as a hash
 * of a key index where a property must be a function of the key (its value
 * size). Single-threaded: the generator has one polling thread. */
#ifndef SG_RAND_H
#define SG_RAND_H

#include <math.h>
#include <stdint.h>

struct sg_rng {
    uint64_t s[4];
};

static inline uint64_t sg_splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static inline void sg_rng_seed(struct sg_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seed = sg_splitmix64(seed);
        r->s[i] = seed;
    }
}

static inline uint64_t sg_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t sg_rng_u64(struct sg_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = sg_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sg_rotl(s[3], 45);
    return out;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double sg_rng_unit(struct sg_rng *r)
{
    return (double)(sg_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias is below
 * n / 2^64, negligible for any key space ssgen uses). */
static inline uint64_t sg_rng_below(struct sg_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)sg_rng_u64(r) * n) >> 64);
}

/* Exponentially distributed with the given mean (inversion). */
static inline double sg_rng_exp(struct sg_rng *r, double mean)
{
    return -log1p(-sg_rng_unit(r)) * mean;
}

#endif
