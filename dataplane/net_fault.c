/* net_fault.c — seeded fault injection (see net_fault.h). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <rte_mbuf.h>

#include "net_counters.h"
#include "net_fault.h"

int net_fault_set(struct net_fault_cfg *cfg, const char *kind, double prob, uint64_t seed)
{
    static const char *const names[NET_FAULT__COUNT] = {"drop", "dup", "reorder", "delay",
                                                        "corrupt"};
    if (strcasecmp(kind, "off") == 0) {
        for (int i = 0; i < NET_FAULT__COUNT; i++)
            __atomic_store_n(&cfg->thresh[i], 0, __ATOMIC_RELAXED);
    } else if (strcasecmp(kind, "delay-us") == 0) {
        if (prob < 0 || prob > 10e6) return -EINVAL;
        __atomic_store_n(&cfg->delay_us, (uint32_t)prob, __ATOMIC_RELAXED);
    } else {
        int k = -1;
        for (int i = 0; i < NET_FAULT__COUNT; i++)
            if (strcasecmp(kind, names[i]) == 0) k = i;
        if (k < 0 || !(prob >= 0 && prob <= 1)) return -EINVAL;
        __atomic_store_n(&cfg->thresh[k], (uint32_t)(prob * 4294967295.0), __ATOMIC_RELAXED);
    }
    if (cfg->delay_us == 0) __atomic_store_n(&cfg->delay_us, 5000, __ATOMIC_RELAXED);
    __atomic_store_n(&cfg->seed, seed, __ATOMIC_RELAXED);
    __atomic_fetch_add(&cfg->gen, 1, __ATOMIC_RELEASE);
    return 0;
}

static uint32_t rnd(struct net_fault_dir *d)
{
    /* xorshift64* */
    uint64_t x = d->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    d->rng = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

static bool hit(struct net_fault_dir *d, uint32_t thresh)
{
    return thresh != 0 && rnd(d) <= thresh;
}

static void emit(struct rte_mbuf *m, struct rte_mbuf **out, unsigned *n, unsigned max,
                 uint64_t *ctr)
{
    if (*n < max) {
        out[(*n)++] = m;
    } else {
        ctr[NET_CTR_fault_drop]++;
        rte_pktmbuf_free(m);
    }
}

unsigned net_fault_apply(const struct net_fault_cfg *cfg, struct net_fault_state *st, int dir,
                         unsigned worker, struct rte_mbuf **in, unsigned n, struct rte_mbuf **out,
                         unsigned max, uint64_t now_us, struct rte_mempool *pool, uint64_t *ctr)
{
    uint32_t gen = __atomic_load_n(&cfg->gen, __ATOMIC_ACQUIRE);
    if (gen != st->gen) {
        st->gen = gen;
        st->active = false;
        for (int i = 0; i < NET_FAULT__COUNT; i++)
            if (__atomic_load_n(&cfg->thresh[i], __ATOMIC_RELAXED)) st->active = true;
        uint64_t seed = __atomic_load_n(&cfg->seed, __ATOMIC_RELAXED);
        for (int d = 0; d < 2; d++)
            st->dir[d].rng = (seed ^ (0x9E3779B97F4A7C15ull * (worker * 2 + d + 1))) | 1;
    }
    struct net_fault_dir *d = &st->dir[dir];
    unsigned k = 0;
    /* Held frames that are due go first (they were "sent" earlier). */
    unsigned j = 0;
    for (unsigned i = 0; i < d->nheld; i++) {
        if (d->held[i].at_us <= now_us || !st->active)
            emit(d->held[i].m, out, &k, max, ctr);
        else
            d->held[j++] = d->held[i];
    }
    d->nheld = j;
    if (!st->active) {
        if (d->reorder != NULL) {
            emit(d->reorder, out, &k, max, ctr);
            d->reorder = NULL;
        }
        for (unsigned i = 0; i < n; i++) emit(in[i], out, &k, max, ctr);
        return k;
    }
    uint32_t delay_us = __atomic_load_n(&cfg->delay_us, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = in[i];
        if (hit(d, cfg->thresh[NET_FAULT_DROP])) {
            ctr[NET_CTR_fault_drop]++;
            rte_pktmbuf_free(m);
            continue;
        }
        if (dir == 0 && hit(d, cfg->thresh[NET_FAULT_CORRUPT]) && rte_pktmbuf_data_len(m) > 14) {
            uint16_t off = (uint16_t)(14 + rnd(d) % (rte_pktmbuf_data_len(m) - 14));
            uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
            *p ^= (uint8_t)(1u << (rnd(d) % 8));
            /* the device's checksum verdict no longer holds */
            m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
            ctr[NET_CTR_fault_corrupt]++;
        }
        if (hit(d, cfg->thresh[NET_FAULT_DUP])) {
            struct rte_mbuf *c = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
            if (c != NULL) {
                ctr[NET_CTR_fault_dup]++;
                emit(c, out, &k, max, ctr);
            }
        }
        if (hit(d, cfg->thresh[NET_FAULT_DELAY]) && d->nheld < NET_FAULT_HELD_MAX) {
            ctr[NET_CTR_fault_delay]++;
            d->held[d->nheld].m = m;
            d->held[d->nheld].at_us = now_us + 1 + rnd(d) % (delay_us ? delay_us : 1);
            d->nheld++;
            continue;
        }
        if (d->reorder == NULL && hit(d, cfg->thresh[NET_FAULT_REORDER])) {
            ctr[NET_CTR_fault_reorder]++;
            d->reorder = m; /* goes out after the next frame */
            continue;
        }
        emit(m, out, &k, max, ctr);
        if (d->reorder != NULL) {
            emit(d->reorder, out, &k, max, ctr);
            d->reorder = NULL;
        }
    }
    /* A reordered frame never waits longer than one burst of silence. */
    if (n == 0 && d->reorder != NULL) {
        emit(d->reorder, out, &k, max, ctr);
        d->reorder = NULL;
    }
    return k;
}

void net_fault_release(struct net_fault_state *st)
{
    for (int d = 0; d < 2; d++) {
        for (unsigned i = 0; i < st->dir[d].nheld; i++) rte_pktmbuf_free(st->dir[d].held[i].m);
        st->dir[d].nheld = 0;
        if (st->dir[d].reorder) rte_pktmbuf_free(st->dir[d].reorder);
        st->dir[d].reorder = NULL;
    }
}
