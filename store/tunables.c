/* tunables.c — the encoding thresholds (tunables.h), with Redis 7.0's
 * defaults until the configuration sets them. */
#include "tunables.h"

struct store_tunables store_tun = {
    .hash_max_listpack_entries = 512,
    .hash_max_listpack_value = 64,
    .set_max_intset_entries = 512,
    .zset_max_listpack_entries = 128,
    .zset_max_listpack_value = 64,
    .list_max_listpack_size = -2,
    .list_compress_depth = 0,
    .hll_sparse_max_bytes = 3000,
    .rdb_compression = 1,
    .sanitize_dump_payload = 0,
    .stream_node_max_bytes = 4096,
    .stream_node_max_entries = 100,
};
