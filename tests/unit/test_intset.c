/* test_intset.c — store/intset.c: Redis's byte layout, sorted order, width
 * upgrades at every boundary (int16 -> int32 -> int64, from either end),
 * removal, validation, and a random model check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intset.h"
#include "check.h"

static bool sorted_unique(const struct intset *is)
{
    for (uint32_t i = 1; i < intset_len(is); i++)
        if (intset_get(is, i - 1) >= intset_get(is, i)) return false;
    return true;
}

int main(void)
{
    bool added, removed;
    /* Redis 7.0.15: DUMP of SADD st 1 2 3 carries 02000000 03000000 0100 0200 0300 */
    struct intset *is = intset_new();
    is = intset_add(is, 3, &added);
    is = intset_add(is, 1, &added);
    is = intset_add(is, 2, &added);
    is = intset_add(is, 2, &added);
    CHECK(!added);
    static const unsigned char want[] = {2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0, 3, 0};
    CHECK(intset_bytes(is) == sizeof(want) && memcmp(is, want, sizeof(want)) == 0);
    CHECK(intset_validate(is, intset_bytes(is)));

    /* upgrades at each boundary, above and below */
    const int64_t bounds[] = {32767,        32768,         -32768,        -32769,    2147483647LL,
                              2147483648LL, -2147483648LL, -2147483649LL, INT64_MAX, INT64_MIN};
    const uint32_t enc[] = {2, 4, 4, 4, 4, 8, 8, 8, 8, 8};
    for (int i = 0; i < 10; i++) {
        is = intset_add(is, bounds[i], &added);
        CHECK(added && is->enc == enc[i]);
        CHECK(sorted_unique(is));
        for (int j = 0; j <= i; j++) CHECK(intset_find(is, bounds[j]));
        CHECK(intset_find(is, 1) && intset_find(is, 2) && intset_find(is, 3));
    }
    CHECK(intset_get(is, 0) == INT64_MIN && intset_get(is, intset_len(is) - 1) == INT64_MAX);
    is = intset_remove(is, 2, &removed);
    CHECK(removed && !intset_find(is, 2) && sorted_unique(is));
    is = intset_remove(is, 2, &removed);
    CHECK(!removed);
    CHECK(intset_validate(is, intset_bytes(is)));
    CHECK(!intset_validate(is, intset_bytes(is) - 1));
    intset_free(is);

    /* model: random adds/removes against a presence table */
    static unsigned char present[4096];
    is = intset_new();
    uint64_t s = 12345;
    for (int step = 0; step < 100000; step++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        int v = (int)(s % 4096) - 2048;
        int64_t val = (int64_t)v * (v % 3 == 0 ? 1000000 : 1);
        (void)val;
        if (s & (1ULL << 40)) {
            is = intset_add(is, v, &added);
            CHECK(added == !present[v + 2048]);
            present[v + 2048] = 1;
        } else {
            is = intset_remove(is, v, &removed);
            CHECK(removed == present[v + 2048]);
            present[v + 2048] = 0;
        }
    }
    uint32_t n = 0;
    for (int i = 0; i < 4096; i++) n += present[i];
    CHECK(intset_len(is) == n && sorted_unique(is));
    intset_free(is);
    printf("intset: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
