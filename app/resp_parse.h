/* resp_parse.h — resumable RESP request parser (multibulk and inline).
 *
 * The parser never replies and never closes: it reports what it found and the
 * session decides. It works on a caller-owned byte buffer that may be moved
 * (realloc) or compacted between calls, because it keeps only offsets while a
 * request is incomplete. A request may be split at any byte: feeding the same
 * bytes in any number of pieces yields the same commands and errors.
 *
 * Usage:
 *   resp_parser_init(&p);
 *   for (;;) {
 *       int rc = resp_parse(&p, buf, len);       // parses from p.pos
 *       if (rc == RESP_NEED_MORE) break;          // read more, call again
 *       if (rc == RESP_ERROR) { reply resp_strerror(&p), close; }
 *       // rc == RESP_OK: p.argc/p.argv hold one command; argv[i].ptr point
 *       // into buf (or into the parser's scratch for inline commands) and
 *       // stay valid until the next resp_parse() call or buffer change.
 *       execute(...);
 *   }
 *   // bytes before p.pos are consumed: the caller may drop them and then
 *   // call resp_consumed(&p, p.pos) to rebase offsets.
 *
 * Limits follow Redis 7.0: inline lines and *N / $N header lines at most
 * 64 KiB; multibulk count at most INT_MAX (a count <= 0 is skipped silently);
 * bulk length 0..max_bulk; unauthenticated clients at most 10 arguments and
 * 16384-byte bulks. Empty inline lines are skipped.
 */
#ifndef SS_RESP_PARSE_H
#define SS_RESP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RESP_INLINE_MAX (64 * 1024)

enum {
    RESP_OK = 0,
    RESP_NEED_MORE = 1,
    RESP_ERROR = -1,
};

/* Error codes; resp_strerror() gives Redis's exact text (without "-ERR "),
 * except INLINE_NUL and NOMEM, which are ours (see resp_parse.c). */
#define RESP_ERRORS(X)                                                   \
    X(NONE, "")                                                          \
    X(BIG_INLINE, "Protocol error: too big inline request")              \
    X(BIG_MBULK_COUNT, "Protocol error: too big mbulk count string")     \
    X(BIG_BULK_COUNT, "Protocol error: too big bulk count string")       \
    X(BAD_MBULK_LEN, "Protocol error: invalid multibulk length")         \
    X(BAD_BULK_LEN, "Protocol error: invalid bulk length")               \
    X(EXPECTED_DOLLAR, "Protocol error: expected '$', got '%c'")         \
    X(UNBALANCED_QUOTES, "Protocol error: unbalanced quotes in request") \
    X(UNAUTH_MBULK, "Protocol error: unauthenticated multibulk length")  \
    X(UNAUTH_BULK, "Protocol error: unauthenticated bulk length")        \
    X(INLINE_NUL, "Protocol error: NUL byte in inline request")          \
    X(NOMEM, "Protocol error: out of memory") /* ours: allocation failed */

enum resp_err {
#define X(name, text) RESP_E_##name,
    RESP_ERRORS(X)
#undef X
};

struct resp_arg {
    const char *ptr; /* valid after RESP_OK */
    size_t len;
    size_t off; /* internal: offset in the buffer (multibulk) */
};

struct resp_parser {
    /* configuration, set by the owner */
    long long max_bulk;   /* proto-max-bulk-len */
    bool unauthenticated; /* apply the unauthenticated limits */

    /* progress */
    size_t pos;           /* first unconsumed byte of the buffer */
    int state;            /* internal */
    long long mbulk_left; /* arguments still to read */
    long long bulk_len;   /* length of the bulk being read, -1 for none */
    bool is_inline;       /* last command was inline */

    /* result */
    int argc;
    int argv_cap;
    struct resp_arg *argv;
    enum resp_err err;
    char err_byte; /* the byte for EXPECTED_DOLLAR */

    /* scratch for unescaped inline arguments */
    char *scratch;
    size_t scratch_cap;
};

void resp_parser_init(struct resp_parser *p);
void resp_parser_free(struct resp_parser *p);
/* Parse the next command from buf[p->pos, len). */
int resp_parse(struct resp_parser *p, const char *buf, size_t len);
/* The caller removed the first n bytes of the buffer (n <= p->pos). */
void resp_consumed(struct resp_parser *p, size_t n);
/* Bytes the parser still needs to finish the bulk it is reading (so the
 * caller can size its buffer for a big argument); 0 when unknown. */
size_t resp_want(const struct resp_parser *p);
/* Formats the error for p->err into buf (Redis's text, no "-ERR " prefix). */
const char *resp_strerror(const struct resp_parser *p, char *buf, size_t len);
/* Same text, binary safe: returns its full length (as snprintf does). The
 * text holds a NUL when EXPECTED_DOLLAR got a NUL byte (Redis sends it as
 * is); a CR or LF byte is shown as a space, as Redis does. */
size_t resp_error_text(const struct resp_parser *p, char *buf, size_t len);

#endif
