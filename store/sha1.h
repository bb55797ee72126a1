/* sha1.h — SHA-1 (FIPS 180-4), for DEBUG DIGEST: Redis builds its dataset
 * digest from SHA-1 (debug.c's xorDigest / mixDigest), so ours must be the
 * same function to give the same 40 hex digits. Not for security. */
#ifndef SS_SHA1_H
#define SS_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN 20

struct sha1 {
    uint32_t h[5];
    uint64_t bytes;          /* message length so far */
    unsigned char block[64]; /* pending partial block */
};

void sha1_init(struct sha1 *s);
void sha1_update(struct sha1 *s, const void *p, size_t len);
void sha1_final(struct sha1 *s, unsigned char out[SHA1_LEN]);
/* One-shot. */
void sha1(const void *p, size_t len, unsigned char out[SHA1_LEN]);

#endif
