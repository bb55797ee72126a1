/* sg_clock.h — ssgen's clock: the TSC, and its conversion to nanoseconds.
 *
 * Every timestamp in ssgen is a TSC reading (rdtsc: ~20 cycles, no system
 * call, invariant on the machines DPDK supports). The DPDK transports take
 * the frequency from EAL (rte_get_tsc_hz()); the kernel-socket transport,
 * which never starts EAL, measures it against CLOCK_MONOTONIC_RAW over
 * 50 ms (sg_clock_calibrate(): a few parts per million).
 */
#ifndef SG_CLOCK_H
#define SG_CLOCK_H

#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t sg_tsc(void)
{
    return __rdtsc();
}
#else
/* no TSC: nanoseconds of CLOCK_MONOTONIC_RAW stand in for cycles (hz 1e9) */
static inline uint64_t sg_tsc(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

struct sg_clock {
    uint64_t hz;
    uint64_t ns_mult; /* ns = (ticks * ns_mult) >> 32 */
};

static inline void sg_clock_set_hz(struct sg_clock *c, uint64_t hz)
{
    c->hz = hz;
    c->ns_mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / hz);
}

static inline uint64_t sg_ticks_to_ns(const struct sg_clock *c, uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * c->ns_mult) >> 32);
}

static inline uint64_t sg_ms_to_ticks(const struct sg_clock *c, double ms)
{
    return (uint64_t)(ms * (double)c->hz / 1000.0);
}

/* The TSC frequency measured against CLOCK_MONOTONIC_RAW (blocks 50 ms). */
static inline uint64_t sg_clock_calibrate(void)
{
#if defined(__x86_64__) || defined(__i386__)
    struct timespec a, b, d = {0, 50 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC_RAW, &a);
    uint64_t t0 = sg_tsc();
    nanosleep(&d, NULL);
    clock_gettime(CLOCK_MONOTONIC_RAW, &b);
    uint64_t t1 = sg_tsc();
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    return (uint64_t)((double)(t1 - t0) * 1e9 / ns);
#else
    return 1000000000u;
#endif
}

#endif
