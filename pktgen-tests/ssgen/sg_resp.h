/* sg_resp.h — ssgen's reply parser: frames RESP2 replies in a byte stream
 * that may be split anywhere, and checks each against the request it
 * answers (sg_work.h: SET wants +OK; GET wants key's value, byte for byte,
 * or nil).
 *
 * sg_resp_next() consumes bytes from [*p, end) until one reply is complete
 * (its status returned, *p just past it) or the bytes run out (SG_R_MORE,
 * everything consumed, the state kept for the next call).
 */
#ifndef SG_RESP_H
#define SG_RESP_H

#include <stdbool.h>
#include <stdint.h>

#include "sg_work.h"

enum sg_reply {
    SG_R_MORE = -1, /* incomplete */
    SG_R_OK = 0,    /* the expected reply */
    SG_R_MISS,      /* GET: nil (the key was never set) */
    SG_R_ERR,       /* an error reply (-...) */
    SG_R_BAD,       /* a reply of the wrong type, size or content */
    SG_R_PROTO,     /* not RESP2 ssgen can frame (an array, a bad length): fatal */
};

struct sg_resp {
    uint8_t st;
    char type;
    uint32_t linelen;
    uint64_t bulk_left, bulk_len, off;
    bool bad, crlf_bad;
    char line[128]; /* the reply's first line (truncated), for messages */
    char why[192];  /* what was wrong with the last SG_R_BAD / SG_R_PROTO */
};

void sg_resp_init(struct sg_resp *r);
/* `check`: compare GET values (else only their framing is checked). */
int sg_resp_next(struct sg_resp *r, const uint8_t **p, const uint8_t *end, const struct sg_work *w,
                 int op, uint64_t key, uint32_t vlen, bool check);

#endif
