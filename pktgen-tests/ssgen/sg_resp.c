/* sg_resp.c — RESP2 reply framing and checking (see sg_resp.h). */
#include "sg_resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ST_TYPE, ST_LINE, ST_BULK };

void sg_resp_init(struct sg_resp *r)
{
    memset(r, 0, sizeof(*r));
    r->st = ST_TYPE;
}

/* The line is complete: decide the reply, or start reading a bulk. */
static int line_done(struct sg_resp *r, int op, uint64_t key, uint32_t vlen)
{
    r->st = ST_TYPE;
    switch (r->type) {
    case '+':
        if (op == SG_SET && strcmp(r->line, "OK") == 0) return SG_R_OK;
        snprintf(r->why, sizeof(r->why), "%s got +%.100s", op == SG_SET ? "SET" : "GET", r->line);
        return SG_R_BAD;
    case '-': return SG_R_ERR;
    case ':':
        snprintf(r->why, sizeof(r->why), "%s got :%.100s", op == SG_SET ? "SET" : "GET", r->line);
        return SG_R_BAD;
    case '$': {
        char *e;
        long long n = strtoll(r->line, &e, 10);
        if (e == r->line || *e != '\0' || n < -1) {
            snprintf(r->why, sizeof(r->why), "bad bulk length '%.100s'", r->line);
            return SG_R_PROTO;
        }
        if (n == -1) {
            if (op == SG_GET) return SG_R_MISS;
            snprintf(r->why, sizeof(r->why), "SET got a nil reply");
            return SG_R_BAD;
        }
        r->bulk_len = (uint64_t)n;
        r->bulk_left = (uint64_t)n + 2;
        r->off = 0;
        r->bad = false;
        r->crlf_bad = false;
        if (op != SG_GET) {
            r->bad = true;
            snprintf(r->why, sizeof(r->why), "SET got a bulk reply of %lld bytes", n);
        } else if ((uint64_t)n != vlen) {
            r->bad = true;
            snprintf(r->why, sizeof(r->why), "GET key %llu: %lld bytes, expected %u",
                     (unsigned long long)key, n, vlen);
        }
        r->st = ST_BULK;
        return SG_R_MORE;
    }
    default:
        snprintf(r->why, sizeof(r->why), "unexpected reply type '%c' (0x%02x)", r->type,
                 (unsigned char)r->type);
        return SG_R_PROTO;
    }
}

int sg_resp_next(struct sg_resp *r, const uint8_t **pp, const uint8_t *end, const struct sg_work *w,
                 int op, uint64_t key, uint32_t vlen, bool check)
{
    const uint8_t *p = *pp;
    while (p < end) {
        if (r->st == ST_TYPE) {
            r->type = (char)*p++;
            r->st = ST_LINE;
            r->linelen = 0;
            continue;
        }
        if (r->st == ST_LINE) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            const uint8_t *stop = nl ? nl + 1 : end;
            for (const uint8_t *q = p; q < stop; q++, r->linelen++)
                if (r->linelen < sizeof(r->line) - 1) r->line[r->linelen] = (char)*q;
            p = stop;
            if (nl == NULL) continue;
            uint32_t len = r->linelen - 1; /* without '\n' */
            if (len > 0 && len <= sizeof(r->line) - 1 && r->line[len - 1] == '\r') len--;
            if (len > sizeof(r->line) - 1) len = sizeof(r->line) - 1;
            r->line[len] = '\0';
            int st = line_done(r, op, key, vlen);
            if (st != SG_R_MORE) {
                *pp = p;
                return st;
            }
            continue;
        }
        /* ST_BULK: the value bytes, then CRLF */
        uint64_t avail = (uint64_t)(end - p);
        uint64_t take = r->bulk_left < avail ? r->bulk_left : avail;
        uint64_t data = r->off < r->bulk_len ? r->bulk_len - r->off : 0;
        uint64_t n = take < data ? take : data;
        if (n && !r->bad && check && memcmp(p, sg_work_value(w, key) + r->off, n) != 0) {
            r->bad = true;
            snprintf(r->why, sizeof(r->why), "GET key %llu: wrong value bytes at %llu",
                     (unsigned long long)key, (unsigned long long)r->off);
        }
        for (uint64_t i = n; i < take; i++)
            if (p[i] != (r->off + i == r->bulk_len ? '\r' : '\n')) r->crlf_bad = true;
        r->off += take;
        r->bulk_left -= take;
        p += take;
        if (r->bulk_left == 0) {
            r->st = ST_TYPE;
            *pp = p;
            if (r->crlf_bad) {
                snprintf(r->why, sizeof(r->why), "bulk reply not ended by CRLF");
                return SG_R_PROTO;
            }
            return r->bad ? SG_R_BAD : SG_R_OK;
        }
    }
    *pp = p;
    return SG_R_MORE;
}
