/* net_fault.h — seeded fault injection at the port layer (tests only).
 *
 * This kernel has no netem, so the data plane impairs its own traffic: each
 * frame received from (or sent to) the port may be dropped, duplicated,
 * reordered (held back behind the next frame), delayed (held for up to
 * delay_us) or, on receive only, corrupted (one byte flipped after the
 * Ethernet header, so the IPv4/TCP checksums must catch it). Each kind has a
 * probability; all are 0 (off) by default. The random stream is xorshift64*
 * seeded from (seed, worker, direction), so a run is reproducible.
 *
 * The configuration is shared and may be changed from any thread
 * (DEBUG/CONFIG); workers notice the change through cfg->gen and reseed.
 */
#ifndef SS_NET_FAULT_H
#define SS_NET_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

enum net_fault_kind {
    NET_FAULT_DROP = 0,
    NET_FAULT_DUP,
    NET_FAULT_REORDER,
    NET_FAULT_DELAY,
    NET_FAULT_CORRUPT,
    NET_FAULT__COUNT
};

#define NET_FAULT_HELD_MAX 64 /* delayed frames per worker and direction */

struct net_fault_cfg {
    uint32_t thresh[NET_FAULT__COUNT]; /* probability scaled to 2^32-1 */
    uint32_t delay_us;                 /* upper bound of an injected delay */
    uint32_t gen;                      /* bumped by every change */
    uint64_t seed;
};

struct net_fault_dir {
    uint64_t rng;
    struct rte_mbuf *reorder; /* frame held until the next one passes */
    unsigned nheld;
    struct {
        struct rte_mbuf *m;
        uint64_t at_us;
    } held[NET_FAULT_HELD_MAX];
};

struct net_fault_state {
    uint32_t gen;
    bool active;
    struct net_fault_dir dir[2]; /* 0 = receive, 1 = transmit */
};

/* kind: "drop", "dup", "reorder", "delay", "corrupt", "delay-us" (prob is then
 * the bound in microseconds) or "off" (all back to 0). prob in [0,1].
 * Returns 0 or -EINVAL. Any thread. */
int net_fault_set(struct net_fault_cfg *cfg, const char *kind, double prob, uint64_t seed);

/* Apply the configured faults to a burst. in[0..n) is consumed; frames that
 * pass (and earlier held frames now due) are written to out (up to max, the
 * rest are dropped and counted as fault_drop). Returns the count in out.
 * ctr is the worker's counter array. */
unsigned net_fault_apply(const struct net_fault_cfg *cfg, struct net_fault_state *st, int dir,
                         unsigned worker, struct rte_mbuf **in, unsigned n, struct rte_mbuf **out,
                         unsigned max, uint64_t now_us, struct rte_mempool *pool, uint64_t *ctr);

/* Free every held frame. */
void net_fault_release(struct net_fault_state *st);

#endif
