/* lzf.h — the LZF compressed format, as RDB strings (RDB_ENC_LZF) and
 * compressed quicklist nodes carry it.
 *
 * The stream is a sequence of runs, each introduced by one control byte:
 *
 *   000LLLLL <L+1 bytes>            literal: copy the next L+1 (1..32) bytes
 *   LLLooooo oooooooo               back reference, L in 1..6: copy L+2
 *                                   bytes from (output - o - 1), o < 8192
 *   111ooooo LLLLLLLL oooooooo      back reference of 9..264 bytes: length
 *                                   7 + L + 2 (the high offset bits come
 *                                   first, the low byte last)
 *
 * A back reference may overlap the bytes it produces (o = 0 repeats the
 * previous byte). Worked example: 24 x 'a' compresses to
 *   01 61 61   e0 0b 00   01 61 61
 * a literal "aa"; a reference of 7 + 11 + 2 = 20 bytes at offset 0 (copying
 * the previous byte over and over); a literal "aa" (the compressor never
 * starts a match in the last two bytes). Redis's DUMP of that string holds
 * exactly these bytes.
 *
 * lzf_compress() makes the same choices as the compressor Redis 7.0 links
 * (liblzf 3.6 with a 2^16-slot hash of three bytes, two positions re-hashed
 * after each match), so a string compresses to the same bytes as in Redis
 * and DUMP payloads match byte for byte. Redis's table starts as whatever is
 * on its stack; ours starts empty, which is the deterministic behaviour the
 * two share on every input where a stale slot does not happen to match.
 */
#ifndef SS_LZF_H
#define SS_LZF_H

#include <stddef.h>

/* Compress in_len bytes into out (room for out_len bytes). Returns the
 * compressed size, or 0 if it does not fit in out_len (or on allocation
 * failure of the per-thread hash table): the caller then stores the bytes
 * as they are, as Redis does. */
size_t lzf_compress(const void *in, size_t in_len, void *out, size_t out_len);

/* Decompress into out (room for out_len bytes). Returns the size written,
 * or 0 if the input is malformed (a reference before the start, a run past
 * the end of either buffer). Callers that know the original size check
 * the result equals it. */
size_t lzf_decompress(const void *in, size_t in_len, void *out, size_t out_len);

#endif
