/* tunables.h — the encoding thresholds the data types read, and the
 * serialization switches DUMP/RESTORE read.
 *
 * The store includes no app/ header: app/config_table.c's parameter table
 * points its rows (hash-max-listpack-entries and the rest, with their *-ziplist-*
 * aliases) straight at these fields, so CONFIG SET takes effect on the next
 * command. Readers see a plain aligned load; a command may use the old or
 * the new value while CONFIG SET runs, as in Redis between commands.
 */
#ifndef SS_TUNABLES_H
#define SS_TUNABLES_H

struct store_tunables {
    long long hash_max_listpack_entries; /* 512 */
    long long hash_max_listpack_value;   /* 64 */
    long long set_max_intset_entries;    /* 512 */
    long long zset_max_listpack_entries; /* 128 */
    long long zset_max_listpack_value;   /* 64 */
    long long list_max_listpack_size;    /* -2: 8 KiB per quicklist node */
    long long list_compress_depth;       /* 0 */
    long long hll_sparse_max_bytes;      /* 3000 */
    /* DUMP/RESTORE and RDB files (store/rdb.h) */
    int rdb_compression;               /* rdbcompression: yes */
    int sanitize_dump_payload;         /* RDB_SANITIZE_NO / YES / CLIENTS: no */
    long long stream_node_max_bytes;   /* 4096 (0: no limit but 1 GiB) */
    long long stream_node_max_entries; /* 100 (0: no limit) */
};

extern struct store_tunables store_tun;

#endif
