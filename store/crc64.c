/* crc64.c — CRC-64/Jones, reflected, eight bytes at a time (see crc64.h).
 *
 * Slicing by eight: t[0] is the classic byte table; t[k][b] is the CRC
 * register contribution of byte b followed by k zero bytes, so eight input
 * bytes fold in with eight independent lookups. Tables are built once at
 * start-up (16 KiB). */
#include <string.h>

#include "crc64.h"

#define CRC64_POLY_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t tab[8][256];

__attribute__((constructor)) static void crc64_tables(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint64_t c = b;
        for (int i = 0; i < 8; i++) c = (c & 1) ? (c >> 1) ^ CRC64_POLY_REFLECTED : c >> 1;
        tab[0][b] = c;
    }
    for (unsigned b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++) tab[k][b] = (tab[k - 1][b] >> 8) ^ tab[0][tab[k - 1][b] & 0xff];
}

uint64_t crc64(uint64_t crc, const void *p, size_t len)
{
    const unsigned char *s = p;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        crc ^= v;
        crc = tab[7][crc & 0xff] ^ tab[6][(crc >> 8) & 0xff] ^ tab[5][(crc >> 16) & 0xff] ^
              tab[4][(crc >> 24) & 0xff] ^ tab[3][(crc >> 32) & 0xff] ^ tab[2][(crc >> 40) & 0xff] ^
              tab[1][(crc >> 48) & 0xff] ^ tab[0][crc >> 56];
        s += 8;
        len -= 8;
    }
#endif
    while (len--) crc = tab[0][(crc ^ *s++) & 0xff] ^ (crc >> 8);
    return crc;
}
