/* t_hash.h — the hash type's operations, for other store files (RDB,
 * DUMP/RESTORE, SORT's BY/GET hash fields) and unit tests. Encodings are
 * described in t_hash.c. The caller holds the key's shard lock. */
#ifndef SS_T_HASH_H
#define SS_T_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "listpack.h"
#include "object.h"

/* An empty listpack hash (NULL on allocation failure). */
struct sobj *hash_new(void);
uint64_t hash_len(const struct sobj *o);
/* Value of field or NULL; listpack integers are formatted into buf. */
const char *hash_get(const struct sobj *o, const void *f, size_t flen, size_t *vlen,
                     char buf[LP_INTBUF]);
/* 1 new field, 0 updated, -1 out of memory. Converts to hashtable past
 * hash-max-listpack-entries; the caller converts for long values first
 * (hash_convert) as HSET does. */
int hash_set(struct sobj *o, const void *f, size_t flen, const void *v, size_t vlen);
bool hash_del(struct sobj *o, const void *f, size_t flen);
/* listpack -> hashtable; false on allocation failure (unchanged). */
bool hash_convert(struct sobj *o);

/* Iteration over either encoding (a safe dict iterator for hashtables). */
struct hash_iter {
    const struct sobj *o;
    unsigned char *p;
    bool started;
    struct dict_iter di;
    const char *f, *v;
    size_t flen, vlen;
    char fbuf[LP_INTBUF], vbuf[LP_INTBUF];
};
void hash_iter_init(struct hash_iter *it, const struct sobj *o);
bool hash_iter_next(struct hash_iter *it);
void hash_iter_done(struct hash_iter *it);

#endif
