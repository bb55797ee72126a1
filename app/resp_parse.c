/* resp_parse.c — resumable RESP request parser (multibulk and inline).
 *
 * Behaviour follows Redis 7.0's processMultibulkBuffer / processInlineBuffer
 * (src/networking.c) and sdssplitargs (src/sds.c); the code is our own.
 *
 * State between calls (everything is an offset, never a pointer, because the
 * caller may move or compact its buffer):
 *
 *   ST_START  nothing of the next request seen; argc is reset on entry.
 *   ST_LINE   waiting for the end of an inline line or of the "*N" header
 *             that starts at p->pos. argv[0].len memoises how many bytes
 *             after p->pos are known not to hold the terminator, so feeding
 *             a long line byte by byte stays linear.
 *   ST_ARGS   reading arguments. argv[0..argc) are complete (off, len);
 *             argv[argc] is the argument in progress: with bulk_len == -1
 *             its .off is where its "$N" header starts and .len is the
 *             header memo as above; with bulk_len >= 0 its .off is where the
 *             data starts and .len is what resp_want() reports. p->pos stays
 *             just past the "*N" header until the command is complete, so
 *             the caller never drops bytes an argument still points at.
 *
 * Line limits. Redis checks "no terminator in the buffer and more than 64 KiB
 * pending", which depends on how the bytes were split into reads: a 100 KiB
 * line that arrives at once is accepted, the same line in 16 KiB reads is
 * refused. We apply the limit as Redis does when bytes arrive one at a time:
 * a line whose terminator is not within its first RESP_INLINE_MAX + 1 bytes
 * is too big. That makes the result independent of the split (and bounds the
 * memchr), and agrees with Redis for every line that fits the limit.
 *
 * A NUL byte in an inline line is a protocol error here. Redis searches the
 * line with strchr(), so a NUL hides the newline: such a line is never
 * executed, the connection stalls, and once 64 KiB are pending Redis replies
 * "too big inline request" and closes. We refuse the line as soon as it is
 * complete, with our own message (and close, as for every protocol error),
 * instead of stalling the client. Bulk strings stay binary safe.
 */
#include "resp_parse.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RESP_LINE_WINDOW      ((size_t)RESP_INLINE_MAX + 1)
#define RESP_ARGV_MIN         16
#define RESP_ARGV_PREALLOC    1024 /* like Redis: min(count, 1024) up front */
#define RESP_ARGV_KEEP        1024 /* shrink a bigger argv between commands */
#define RESP_UNAUTH_MAX_ARGS  10
#define RESP_UNAUTH_MAX_BULK  16384
#define RESP_DEFAULT_MAX_BULK (512LL * 1024 * 1024) /* proto-max-bulk-len */

enum { ST_START = 0, ST_LINE, ST_ARGS };

/* Internal result: the request was skipped (empty line, count <= 0). */
#define RESP_SKIP 2

static const char *const resp_err_text[] = {
#define X(name, text) text,
    RESP_ERRORS(X)
#undef X
};

void resp_parser_init(struct resp_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->max_bulk = RESP_DEFAULT_MAX_BULK;
    p->bulk_len = -1;
    p->state = ST_START;
    p->err = RESP_E_NONE;
}

void resp_parser_free(struct resp_parser *p)
{
    free(p->argv);
    free(p->scratch);
    p->argv = NULL;
    p->argv_cap = 0;
    p->scratch = NULL;
    p->scratch_cap = 0;
    p->argc = 0;
}

static int resp_fail(struct resp_parser *p, enum resp_err e)
{
    p->err = e;
    return RESP_ERROR;
}

/* Make room for at least `need` argv entries, growing geometrically but never
 * beyond `limit` (0: no limit). `limit` >= `need` when given. */
static bool argv_reserve(struct resp_parser *p, size_t need, size_t limit)
{
    if (need <= (size_t)p->argv_cap) return true;
    size_t cap = p->argv_cap ? (size_t)p->argv_cap * 2 : RESP_ARGV_MIN;
    if (cap < need) cap = need;
    if (limit && cap > limit) cap = limit;
    if (cap > INT_MAX) cap = INT_MAX;
    if (cap < need) return false;
    struct resp_arg *a = realloc(p->argv, cap * sizeof(*a));
    if (!a) return false;
    p->argv = a;
    p->argv_cap = (int)cap;
    return true;
}

/* Strict integer, as Redis's string2ll: optional '-', no leading zeros (but
 * "0"), no '+', no blanks, at most 20 characters, must fit a long long. */
static bool parse_ll(const char *s, size_t n, long long *out)
{
    if (n == 0 || n > 20) return false;
    if (n == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == n || s[i] < '1' || s[i] > '9') return false;
    unsigned long long v = (unsigned long long)(s[i++] - '0');
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) return false;
        if (v > (ULLONG_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1) return false;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX) return false;
        *out = (long long)v;
    }
    return true;
}

/* Find byte c in the line starting at buf[start], looking no further than
 * the line window. *memo counts bytes after start already known not to hold
 * c. Returns 1 with *at set, 0 when more bytes are needed, -1 when the line
 * is over the limit. */
static int find_line(const char *buf, size_t start, size_t len, char c, size_t *memo, size_t *at)
{
    size_t avail = len - start;
    size_t lim = avail < RESP_LINE_WINDOW ? avail : RESP_LINE_WINDOW;
    if (*memo < lim) {
        const char *q = memchr(buf + start + *memo, c, lim - *memo);
        if (q) {
            *at = (size_t)(q - buf);
            *memo = *at - start;
            return 1;
        }
        *memo = lim;
    }
    return avail > RESP_INLINE_MAX ? -1 : 0;
}

/* Fast path for the usual "*3\r\n" / "$5\r\n" header: when the bytes after
 * the type byte are a run of at most 22 digits or '-' ended by '\r' plus one
 * more byte, that '\r' is the first one of the line, so it is what
 * find_line() would return. Otherwise the caller takes the slow path. */
static inline bool scan_header(const char *buf, size_t start, size_t len, size_t *cr)
{
    size_t i = start + 1, end = len - start > 23 ? start + 23 : len;
    while (i < end && ((unsigned)(buf[i] - '0') <= 9 || buf[i] == '-')) i++;
    if (i + 1 < len && buf[i] == '\r') {
        *cr = i;
        return true;
    }
    return false;
}

/* Byte classes for inline splitting, so runs of ordinary bytes are copied
 * with memcpy instead of one byte at a time. */
enum {
    C_BLANK = 1,   /* isspace() in the C locale: skipped between arguments,
                    * accepted after a closing quote (as sdssplitargs) */
    C_END = 2,     /* ends an unquoted argument: ' ' \n \r \t */
    C_QUOTE = 4,   /* " or ' */
    C_DQ_STOP = 8, /* \ or ", special inside "..." */
    C_SQ_STOP = 16 /* \ or ', special inside '...' */
};

static const unsigned char cls[256] = {
    [' '] = C_BLANK | C_END,
    ['\t'] = C_BLANK | C_END,
    ['\n'] = C_BLANK | C_END,
    ['\r'] = C_BLANK | C_END,
    ['\v'] = C_BLANK,
    ['\f'] = C_BLANK,
    ['"'] = C_QUOTE | C_DQ_STOP,
    ['\''] = C_QUOTE | C_SQ_STOP,
    ['\\'] = C_DQ_STOP | C_SQ_STOP,
};

#define CLS(c) cls[(unsigned char)(c)]

static inline int hex_val(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Word-at-a-time tests (no false negatives; exact as "the word has one"). */
#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t has_below(uint64_t x, unsigned b) /* some byte < b, b <= 128 */
{
    return (x - ONES * b) & ~x & HIGHS;
}

static inline uint64_t has_byte(uint64_t x, unsigned char b)
{
    uint64_t y = x ^ (ONES * b);
    return (y - ONES) & ~y & HIGHS;
}

/* Copy the run of bytes from s[i] that have none of the class bits `stop`
 * (C_END | C_QUOTE, C_DQ_STOP or C_SQ_STOP); returns the new i. Ordinary
 * text is skipped eight bytes at a time: every unquoted stop byte is below
 * 0x28, and the quoted stops are two known bytes. */
static inline size_t copy_run(const char *s, size_t i, size_t n, unsigned stop, char *out,
                              size_t *o)
{
    size_t j = i;
    unsigned char q = stop == C_DQ_STOP ? '"' : '\'';
    for (; j + 8 <= n; j += 8) {
        uint64_t w;
        memcpy(&w, s + j, 8);
        if (stop & C_END ? has_below(w, 0x28) : has_byte(w, '\\') | has_byte(w, q)) break;
    }
    while (j < n && !(CLS(s[j]) & stop)) j++;
    memcpy(out + *o, s + i, j - i);
    *o += j - i;
    return j;
}

/* Split an inline line like sdssplitargs: blanks separate arguments; "..."
 * takes \n \r \t \b \a \xHH and \<any> escapes; '...' takes only \'; a
 * closing quote must be followed by a blank or the end of the line; quotes
 * may start in the middle of an argument (a"b c" is one argument). Unescaped
 * bytes go to p->scratch, which the caller sized to n: the output never
 * exceeds the input. Returns 0, -1 for unbalanced quotes, -2 out of memory. */
static int split_inline(struct resp_parser *p, const char *s, size_t n)
{
    char *out = p->scratch;
    size_t i = 0, o = 0;
    int argc = 0;

    for (;;) {
        while (i < n && (CLS(s[i]) & C_BLANK)) i++;
        if (i == n) break;

        size_t tok = o;
        int quote = 0; /* 0, '"' or '\'' */
        for (;;) {
            if (quote == '"') {
                i = copy_run(s, i, n, C_DQ_STOP, out, &o);
                if (i == n) return -1;
                if (s[i] == '"') {
                    if (i + 1 < n && !(CLS(s[i + 1]) & C_BLANK)) return -1;
                    i++;
                    break;
                }
                /* a backslash */
                if (i + 3 < n && s[i + 1] == 'x' && hex_val(s[i + 2]) >= 0 &&
                    hex_val(s[i + 3]) >= 0) {
                    out[o++] = (char)(hex_val(s[i + 2]) * 16 + hex_val(s[i + 3]));
                    i += 4;
                } else if (i + 1 < n) {
                    char c = s[i + 1];
                    switch (c) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case 'b': c = '\b'; break;
                    case 'a': c = '\a'; break;
                    default: break;
                    }
                    out[o++] = c;
                    i += 2;
                } else {
                    return -1; /* backslash at the end: the quote never closes */
                }
            } else if (quote == '\'') {
                i = copy_run(s, i, n, C_SQ_STOP, out, &o);
                if (i == n) return -1;
                if (s[i] == '\'') {
                    if (i + 1 < n && !(CLS(s[i + 1]) & C_BLANK)) return -1;
                    i++;
                    break;
                }
                /* a backslash: only \' is an escape */
                if (i + 1 < n && s[i + 1] == '\'') {
                    out[o++] = '\'';
                    i += 2;
                } else {
                    out[o++] = '\\';
                    i++;
                }
            } else {
                i = copy_run(s, i, n, C_END | C_QUOTE, out, &o);
                if (i == n || (CLS(s[i]) & C_END)) break;
                quote = s[i++];
            }
        }

        if (!argv_reserve(p, (size_t)argc + 1, 0)) return -2;
        p->argv[argc].off = tok;
        p->argv[argc].len = o - tok;
        argc++;
    }

    for (int j = 0; j < argc; j++) p->argv[j].ptr = out + p->argv[j].off;
    p->argc = argc;
    return 0;
}

static int parse_inline(struct resp_parser *p, const char *buf, size_t len)
{
    size_t start = p->pos, nl;
    int f = find_line(buf, start, len, '\n', &p->argv[0].len, &nl);
    if (f == 0) return RESP_NEED_MORE;
    if (f < 0) return resp_fail(p, RESP_E_BIG_INLINE);

    size_t end = nl;
    if (end > start && buf[end - 1] == '\r') end--;
    size_t n = end - start;
    if (memchr(buf + start, '\0', n) != NULL) return resp_fail(p, RESP_E_INLINE_NUL);
    if (n + 1 > p->scratch_cap) {
        char *s = realloc(p->scratch, n + 1);
        if (!s) return resp_fail(p, RESP_E_NOMEM);
        p->scratch = s;
        p->scratch_cap = n + 1;
    }
    int rc = split_inline(p, buf + start, n);
    if (rc == -1) return resp_fail(p, RESP_E_UNBALANCED_QUOTES);
    if (rc < 0) return resp_fail(p, RESP_E_NOMEM);

    p->pos = nl + 1;
    p->state = ST_START;
    if (p->argc == 0) return RESP_SKIP;
    p->is_inline = true;
    return RESP_OK;
}

static int parse_args(struct resp_parser *p, const char *buf, size_t len)
{
    while (p->mbulk_left > 0) {
        struct resp_arg *a = &p->argv[p->argc];

        if (p->bulk_len < 0) {
            size_t start = a->off, cr;
            if (start >= len || buf[start] != '$' || !scan_header(buf, start, len, &cr)) {
                int f = find_line(buf, start, len, '\r', &a->len, &cr);
                if (f == 0) return RESP_NEED_MORE;
                if (f < 0) return resp_fail(p, RESP_E_BIG_BULK_COUNT);
                /* Redis wants the byte after '\r' present, but does not
                 * check that it is '\n'. */
                if (cr + 1 >= len) return RESP_NEED_MORE;
            }
            if (buf[start] != '$') {
                p->err_byte = buf[start];
                return resp_fail(p, RESP_E_EXPECTED_DOLLAR);
            }
            long long ll;
            if (!parse_ll(buf + start + 1, cr - start - 1, &ll) || ll < 0 || ll > p->max_bulk)
                return resp_fail(p, RESP_E_BAD_BULK_LEN);
            if (ll > RESP_UNAUTH_MAX_BULK && p->unauthenticated)
                return resp_fail(p, RESP_E_UNAUTH_BULK);
            a->off = cr + 2;
            p->bulk_len = ll;
        }

        /* The data and the two bytes after it, which Redis skips unchecked. */
        size_t need = (size_t)p->bulk_len + 2, have = len - a->off;
        if (have < need) {
            a->len = need - have;
            return RESP_NEED_MORE;
        }
        size_t next = a->off + need;
        a->len = (size_t)p->bulk_len;
        p->argc++;
        p->mbulk_left--;
        p->bulk_len = -1;
        if (p->mbulk_left > 0) {
            if (!argv_reserve(p, (size_t)p->argc + 1, (size_t)p->argc + (size_t)p->mbulk_left))
                return resp_fail(p, RESP_E_NOMEM);
            p->argv[p->argc].off = next;
            p->argv[p->argc].len = 0;
        } else {
            p->pos = next;
        }
    }

    for (int i = 0; i < p->argc; i++) p->argv[i].ptr = buf + p->argv[i].off;
    p->is_inline = false;
    p->state = ST_START;
    return RESP_OK;
}

static int parse_count(struct resp_parser *p, const char *buf, size_t len)
{
    size_t start = p->pos, cr;
    if (!scan_header(buf, start, len, &cr)) {
        int f = find_line(buf, start, len, '\r', &p->argv[0].len, &cr);
        if (f == 0) return RESP_NEED_MORE;
        if (f < 0) return resp_fail(p, RESP_E_BIG_MBULK_COUNT);
        if (cr + 1 >= len) return RESP_NEED_MORE;
    }

    long long ll;
    if (!parse_ll(buf + start + 1, cr - start - 1, &ll) || ll > INT_MAX)
        return resp_fail(p, RESP_E_BAD_MBULK_LEN);
    if (ll > RESP_UNAUTH_MAX_ARGS && p->unauthenticated) return resp_fail(p, RESP_E_UNAUTH_MBULK);

    p->pos = cr + 2;
    if (ll <= 0) {
        p->state = ST_START;
        return RESP_SKIP;
    }
    size_t pre = ll < RESP_ARGV_PREALLOC ? (size_t)ll : RESP_ARGV_PREALLOC;
    if (!argv_reserve(p, pre, (size_t)ll)) return resp_fail(p, RESP_E_NOMEM);
    p->mbulk_left = ll;
    p->bulk_len = -1;
    p->argv[0].off = p->pos;
    p->argv[0].len = 0;
    p->state = ST_ARGS;
    return parse_args(p, buf, len);
}

int resp_parse(struct resp_parser *p, const char *buf, size_t len)
{
    if (p->err != RESP_E_NONE) return RESP_ERROR;

    for (;;) {
        int rc;
        switch (p->state) {
        case ST_START:
            p->argc = 0;
            if (p->pos >= len) return RESP_NEED_MORE;
            if (p->argv_cap > RESP_ARGV_KEEP) {
                struct resp_arg *a = realloc(p->argv, RESP_ARGV_KEEP * sizeof(*a));
                if (a) {
                    p->argv = a;
                    p->argv_cap = RESP_ARGV_KEEP;
                }
            }
            if (!argv_reserve(p, 1, 0)) return resp_fail(p, RESP_E_NOMEM);
            p->argv[0].len = 0;
            p->state = ST_LINE;
            /* fall through */
        case ST_LINE:
            if (buf[p->pos] == '*')
                rc = parse_count(p, buf, len);
            else
                rc = parse_inline(p, buf, len);
            break;
        default: rc = parse_args(p, buf, len); break;
        }
        if (rc != RESP_SKIP) return rc;
    }
}

void resp_consumed(struct resp_parser *p, size_t n)
{
    if (n > p->pos) n = p->pos; /* contract: n <= pos */
    p->pos -= n;
    if (p->state == ST_ARGS)
        for (int i = 0; i <= p->argc; i++) p->argv[i].off -= n;
}

size_t resp_want(const struct resp_parser *p)
{
    if (p->state != ST_ARGS || p->bulk_len < 0 || p->err != RESP_E_NONE) return 0;
    return p->argv[p->argc].len;
}

size_t resp_error_text(const struct resp_parser *p, char *buf, size_t len)
{
    const char *t = (unsigned)p->err < sizeof(resp_err_text) / sizeof(resp_err_text[0])
                        ? resp_err_text[p->err]
                        : "";
    size_t n = strlen(t), o = 0;
    const char *conv = p->err == RESP_E_EXPECTED_DOLLAR ? strstr(t, "%c") : NULL;

    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (conv && t + i == conv) {
            /* Redis maps CR and LF in error text to spaces. */
            c = p->err_byte == '\r' || p->err_byte == '\n' ? ' ' : p->err_byte;
            i++;
        }
        if (o + 1 < len) buf[o] = c;
        o++;
    }
    if (len) buf[o < len ? o : len - 1] = '\0';
    return o;
}

const char *resp_strerror(const struct resp_parser *p, char *buf, size_t len)
{
    resp_error_text(p, buf, len);
    return buf;
}
