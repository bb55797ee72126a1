/* sort.c — SORT and SORT_RO (Redis 7.0's sort.c semantics). */
#include <stdlib.h>
#include <string.h>

#include "db.h"

int keys_sort(int argc, const struct sarg *argv, int *out, int max);

/* Key extraction (COMMAND GETKEYS, locking): the sorted key and the STORE
 * destination, skipping option arguments as Redis's sortGetKeys does. */
int keys_sort(int argc, const struct sarg *argv, int *out, int max)
{
    static const struct {
        const char *name;
        int skip;
    } opts[] = {{"limit", 2}, {"get", 1}, {"by", 1}};
    int n = 0;
    if (argc < 2 || max < 1) return -1;
    out[n++] = 1;
    int store = -1;
    for (int i = 2; i < argc; i++) {
        bool matched = false;
        for (size_t j = 0; j < sizeof(opts) / sizeof(opts[0]); j++) {
            if (arg_is(&argv[i], opts[j].name)) {
                i += opts[j].skip;
                matched = true;
                break;
            }
        }
        if (!matched && arg_is(&argv[i], "store") && i + 1 < argc) store = ++i;
    }
    if (store > 0 && n < max) out[n++] = store;
    return n;
}
