/* digest.h — DEBUG DIGEST and DEBUG DIGEST-VALUE, with Redis 7.0's exact
 * algorithm (debug.c), so a digest taken here equals the one redis-server
 * computes for the same data: that is how tests compare the two servers'
 * datasets after a save, a load or a RESTORE.
 *
 * Built from SHA-1 in two ways: xor (d ^= SHA1(x), order-free, for members of
 * sets, fields of hashes, keys of a database) and mix (d = SHA1(d ^ SHA1(x)),
 * order-preserving, for list elements and the parts of one element). A value
 * mixes its type (u32 big-endian) and then its elements as strings (integers
 * in decimal, scores as %.17g); a key with a TTL xors "!!expire!!" (the TTL's
 * value does not count). The dataset digest mixes each non-empty database's
 * number (u32 big-endian) and xors in every key's digest (key mixed, then its
 * value); 20 zero bytes for an empty dataset.
 */
#ifndef SS_DIGEST_H
#define SS_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "keyspace.h"
#include "object.h"

#define DIGEST_LEN 20

void digest_xor(unsigned char d[DIGEST_LEN], const void *p, size_t len);
void digest_mix(unsigned char d[DIGEST_LEN], const void *p, size_t len);

/* Redis's xorObjectDigest: the value (and the TTL flag) into d. */
void digest_value(unsigned char d[DIGEST_LEN], const struct sobj *v, bool has_ttl);
/* What a value holds beyond Redis's digest (a stream's IDs and counters
 * and its consumer groups), mixed into d: for the write-gate check, which
 * must see every change a snapshot would write. */
void digest_value_state(unsigned char d[DIGEST_LEN], const struct sobj *v);
/* One key's contribution to its database: mix(key), then the value. */
void digest_entry(unsigned char d[DIGEST_LEN], const struct kentry *e);
/* The whole keyspace (computeDatasetDigest). The caller holds every shard
 * lock. Expired keys not yet reclaimed count, as in Redis. */
void digest_dataset_locked(struct keyspace *ks, unsigned char out[DIGEST_LEN]);
/* DEBUG DIGEST-VALUE: the value digest of key in db (20 zero bytes when
 * absent). Logically expired keys count, as in Redis: the lookup does not
 * expire. The caller holds the key's shard lock. */
void digest_key_locked(struct keyspace *ks, int db, const char *key, size_t len,
                       unsigned char out[DIGEST_LEN]);
/* 40 lowercase hex digits and a NUL. */
void digest_hex(const unsigned char d[DIGEST_LEN], char out[2 * DIGEST_LEN + 1]);

#endif
