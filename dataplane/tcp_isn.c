/* tcp_isn.c — initial sequence numbers (RFC 6528) and SYN cookies (RFC 4987).
 *
 * ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 µs
 * clock (RFC 9293 §3.4.1) and F SipHash-2-4 keyed with a per-start random
 * secret, so sequence numbers are unpredictable off-path yet increase per
 * tuple across TIME-WAIT reuse.
 *
 * Cookie layout (the 32-bit ISS we send when the SYN backlog is full):
 *
 *   31      27 26  24 23                      0
 *   +---------+------+------------------------+
 *   | t mod 32| mss  |  H(tuple, peer ISN, t) |
 *   +---------+------+------------------------+
 *
 * t counts 64-second slots; mss indexes tcp_cookie_mss[]. A cookie is valid
 * for the current and the previous slot. Window scaling cannot be encoded
 * (we decline timestamps, where Linux hides it), so cookie connections run
 * unscaled — acceptable while under a SYN flood.
 */
#include <string.h>

#include "tcp.h"

static const uint16_t tcp_cookie_mss[8] = {216, 536, 1200, 1360, 1400, 1440, 1460, 8960};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND           \
    do {                   \
        v0 += v1;          \
        v1 = ROTL(v1, 13); \
        v1 ^= v0;          \
        v0 = ROTL(v0, 32); \
        v2 += v3;          \
        v3 = ROTL(v3, 16); \
        v3 ^= v2;          \
        v0 += v3;          \
        v3 = ROTL(v3, 21); \
        v3 ^= v0;          \
        v2 += v1;          \
        v1 = ROTL(v1, 17); \
        v1 ^= v2;          \
        v2 = ROTL(v2, 32); \
    } while (0)

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v; /* little-endian host (x86) as the reference expects */
}

/* SipHash-2-4 (Aumasson & Bernstein), written from the paper's description. */
uint64_t tcp_siphash(const uint8_t key[16], const void *data, size_t len)
{
    const uint8_t *in = data;
    uint64_t k0 = load64(key), k1 = load64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t mi = load64(in + i);
        v3 ^= mi;
        SIPROUND;
        SIPROUND;
        v0 ^= mi;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++) b |= (uint64_t)in[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t tcp_isn(const struct net_if *nif, const struct tcp_key *k, uint64_t now_us)
{
    uint32_t f = (uint32_t)tcp_siphash(nif->secret, k, sizeof(*k));
    return f + (uint32_t)(now_us / 4);
}

static uint32_t cookie_hash(const struct net_if *nif, const struct tcp_key *k, uint32_t peer_isn,
                            uint32_t slot)
{
    struct {
        struct tcp_key k;
        uint32_t isn, slot;
    } in = {*k, peer_isn, slot};
    uint8_t key[16];
    memcpy(key, nif->secret, 16);
    key[0] ^= 0x5a; /* a different key from the ISN's */
    return (uint32_t)tcp_siphash(key, &in, sizeof(in)) & 0xffffff;
}

uint32_t tcp_cookie_make(const struct net_if *nif, const struct tcp_key *k, uint32_t peer_isn,
                         uint16_t mss, uint64_t now_us)
{
    uint32_t slot = (uint32_t)(now_us / TCP_COOKIE_SLOT_US);
    unsigned idx = 0;
    for (unsigned i = 0; i < 8; i++)
        if (tcp_cookie_mss[i] <= mss) idx = i;
    return ((slot & 31) << 27) | (idx << 24) | cookie_hash(nif, k, peer_isn, slot);
}

uint16_t tcp_cookie_check(const struct net_if *nif, const struct tcp_key *k, uint32_t peer_isn,
                          uint32_t cookie, uint64_t now_us)
{
    uint32_t now_slot = (uint32_t)(now_us / TCP_COOKIE_SLOT_US);
    for (uint32_t age = 0; age < 2; age++) {
        uint32_t slot = now_slot - age;
        if (((cookie >> 27) & 31) != (slot & 31)) continue;
        if ((cookie & 0xffffff) == cookie_hash(nif, k, peer_isn, slot))
            return tcp_cookie_mss[(cookie >> 24) & 7];
    }
    return 0;
}
