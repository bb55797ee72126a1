/* test_resp_parse.c — the RESP request parser against Redis 7.0 behaviour.
 *
 * Every case in the table is run three ways and must give the same commands,
 * errors, final position and resp_want():
 *   - whole: all bytes in one buffer;
 *   - split at every byte k: buf[0..k), then the rest, the buffer moved to a
 *     fresh allocation between feeds (so a stale pointer trips ASan), the
 *     consumed prefix dropped via resp_consumed() on odd k, and after every
 *     command on some k;
 *   - byte by byte, dropping consumed bytes after every feed and command.
 * Inputs over 8 KiB (the 64 KiB boundary cases) are split at every byte too,
 * but through a moving window on the input instead of fresh copies, so that
 * the test stays fast. The whole run must also match the expected result
 * written in the table.
 *
 * Result notation: each command is its arguments separated by spaces and
 * ended by ';' ("i:" in front when it came inline); bytes outside '!'..'~'
 * and \ ' ; are written \xHH; an empty argument is ''; an argument over 64
 * bytes is <len#hash>. A protocol error is "E:<text>;" and ends the run.
 */
#include "resp_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks, failures;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        checks++;                                                           \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            fprintf(stderr, "%s:%d: FAIL %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* ---- a growable string ---- */

struct sb {
    char *s;
    size_t len, cap;
};

static void sb_put(struct sb *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) exit(2);
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    sb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void sb_free(struct sb *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

static const char *sb_str(const struct sb *b)
{
    return b->s ? b->s : "";
}

/* A cheap 64-bit hash for long arguments, so that checking a 64 KiB case at
 * every split point stays fast. */
static unsigned long long hash_bytes(const char *p, size_t n)
{
    const unsigned long long k = 0xff51afd7ed558ccdULL;
    unsigned long long h[4] = {n, 1, 2, 3};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        unsigned long long w[4];
        memcpy(w, p + i, 32);
        for (int j = 0; j < 4; j++) h[j] = (h[j] ^ w[j]) * k;
    }
    unsigned long long r = 0x9e3779b97f4a7c15ULL;
    for (int j = 0; j < 4; j++) r = (r ^ h[j] ^ (h[j] >> 29)) * k;
    for (; i < n; i++) r = (r ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return r ^ (r >> 31);
}

static void put_arg(struct sb *b, const char *p, size_t n)
{
    if (n == 0) sb_puts(b, "''");
    if (n > 64) {
        sb_printf(b, "<%zu#%016llx>", n, hash_bytes(p, n));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c > ' ' && c < 0x7f && c != '\\' && c != '\'' && c != ';')
            sb_put(b, (char *)&c, 1);
        else
            sb_printf(b, "\\x%02x", c);
    }
}

static void put_text(struct sb *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= ' ' && c < 0x7f)
            sb_put(b, (char *)&c, 1);
        else
            sb_printf(b, "\\x%02x", c);
    }
}

/* ---- a client connection feeding one parser ---- */

struct cfg {
    bool unauth;
    long long max_bulk; /* 0: the parser's default */
};

/* Two ways to hold the bytes. Copy mode: every feed builds a fresh buffer of
 * exactly the pending bytes (a new address; ASan catches stale pointers and
 * any read past the end). View mode, for big inputs: the buffer is a window
 * on the input itself, which moves forward when consumed bytes are dropped;
 * no copying, so a 64 KiB case can be split at every byte. */
/* Long arguments (over 64 bytes) are written as <len#hash>. The whole run
 * keeps a copy of each; the split runs compare theirs with memcmp against
 * those copies instead of hashing again, which keeps every-byte splitting
 * of the 64 KiB cases cheap. */
struct longarg {
    char *p;
    size_t len;
    char text[48]; /* as put_arg() writes it */
};

struct longs {
    struct longarg *v;
    size_t count;
};

static void longs_free(struct longs *l)
{
    for (size_t i = 0; i < l->count; i++) free(l->v[i].p);
    free(l->v);
    l->v = NULL;
    l->count = 0;
}

struct run {
    struct resp_parser p;
    struct longs *save;      /* whole run: keep long arguments here */
    const struct longs *ref; /* split runs: compare long arguments to these */
    size_t nlong;
    const char *src; /* view mode: the whole input */
    char *own;       /* copy mode: our buffer */
    const char *buf;
    size_t len;      /* bytes in buf */
    size_t base;     /* stream offset of buf[0] */
    bool compact_ok; /* drop consumed bytes after every command */
    bool dead;
    struct sb ev;
};

static void run_init(struct run *r, const struct cfg *c, const char *view_src, bool compact_ok)
{
    memset(r, 0, sizeof(*r));
    resp_parser_init(&r->p);
    r->p.unauthenticated = c->unauth;
    if (c->max_bulk) r->p.max_bulk = c->max_bulk;
    r->src = view_src;
    r->compact_ok = compact_ok;
}

static void run_free(struct run *r)
{
    resp_parser_free(&r->p);
    free(r->own);
    sb_free(&r->ev);
}

/* Append n bytes d (the next bytes of the stream), first dropping what the
 * parser consumed when `compact`. */
static void run_move(struct run *r, const char *d, size_t n, bool compact)
{
    size_t drop = compact ? r->p.pos : 0;
    if (r->src) {
        r->buf = r->src + r->base + drop;
    } else {
        char *nb = xmalloc(r->len - drop + n);
        if (r->len - drop) memcpy(nb, r->buf + drop, r->len - drop);
        if (n) memcpy(nb + r->len - drop, d, n);
        free(r->own);
        r->own = nb;
        r->buf = nb;
    }
    r->len = r->len - drop + n;
    r->base += drop;
    if (drop) resp_consumed(&r->p, drop);
}

static void run_parse(struct run *r)
{
    for (;;) {
        int rc = resp_parse(&r->p, r->buf, r->len);
        if (rc == RESP_NEED_MORE) return;
        if (rc == RESP_ERROR) {
            char t[256];
            size_t n = resp_error_text(&r->p, t, sizeof(t));
            sb_puts(&r->ev, "E:");
            put_text(&r->ev, t, n);
            sb_puts(&r->ev, ";");
            r->dead = true;
            return;
        }
        if (rc != RESP_OK) {
            sb_printf(&r->ev, "BADRC(%d);", rc);
            r->dead = true;
            return;
        }
        if (r->p.argc <= 0) sb_puts(&r->ev, "EMPTYCMD");
        if (r->p.is_inline) sb_puts(&r->ev, "i:");
        for (int i = 0; i < r->p.argc; i++) {
            if (i) sb_puts(&r->ev, " ");
            const char *a = r->p.argv[i].ptr;
            size_t n = r->p.argv[i].len;
            if (n <= 64 || !r->ref) {
                put_arg(&r->ev, a, n);
            } else if (r->nlong < r->ref->count && r->ref->v[r->nlong].len == n &&
                       memcmp(r->ref->v[r->nlong].p, a, n) == 0) {
                sb_puts(&r->ev, r->ref->v[r->nlong].text); /* as the whole run wrote it */
            } else {
                sb_printf(&r->ev, "<%zu#differs>", n);
            }
            if (n > 64 && r->save) {
                struct longs *l = r->save;
                l->v = realloc(l->v, (l->count + 1) * sizeof(*l->v));
                if (!l->v) exit(2);
                l->v[l->count].p = xmalloc(n);
                memcpy(l->v[l->count].p, a, n);
                l->v[l->count].len = n;
                snprintf(l->v[l->count++].text, sizeof(l->v[0].text), "<%zu#%016llx>", n,
                         hash_bytes(a, n));
            }
            if (n > 64) r->nlong++;
        }
        sb_puts(&r->ev, ";");
        if (r->p.pos > r->len) sb_puts(&r->ev, "POS>LEN;");
        if (r->compact_ok) run_move(r, NULL, 0, true);
    }
}

static void run_feed(struct run *r, const char *d, size_t n, bool compact)
{
    if (r->dead) return;
    run_move(r, d, n, compact);
    run_parse(r);
}

/* Events plus where the parser stopped. */
static void run_result(struct run *r, struct sb *out)
{
    sb_puts(out, sb_str(&r->ev));
    sb_printf(out, "@%zu/%zu", r->base + r->p.pos, resp_want(&r->p));
}

/* ---- the case table ---- */

struct tcase {
    const char *name;
    const char *in;
    size_t len;
    const char *want;
    struct cfg cfg;
};

#define T(name, in, want)               \
    {                                   \
        name, in, sizeof(in) - 1, want, \
        {                               \
            false, 0                    \
        }                               \
    }
#define TU(name, in, want)              \
    {                                   \
        name, in, sizeof(in) - 1, want, \
        {                               \
            true, 0                     \
        }                               \
    }
#define TM(name, in, want, mb)          \
    {                                   \
        name, in, sizeof(in) - 1, want, \
        {                               \
            false, mb                   \
        }                               \
    }
#define TUM(name, in, want, mb)         \
    {                                   \
        name, in, sizeof(in) - 1, want, \
        {                               \
            true, mb                    \
        }                               \
    }

#define E_INLINE "E:Protocol error: too big inline request;"
#define E_MCOUNT "E:Protocol error: too big mbulk count string;"
#define E_BCOUNT "E:Protocol error: too big bulk count string;"
#define E_MLEN   "E:Protocol error: invalid multibulk length;"
#define E_BLEN   "E:Protocol error: invalid bulk length;"
#define E_DOLLAR "E:Protocol error: expected '$', got "
#define E_QUOTES "E:Protocol error: unbalanced quotes in request;"
#define E_UMBULK "E:Protocol error: unauthenticated multibulk length;"
#define E_UBULK  "E:Protocol error: unauthenticated bulk length;"
#define E_INUL   "E:Protocol error: NUL byte in inline request;"
#define ARG1     "$1\r\na\r\n"

static const struct tcase cases[] = {
    /* multibulk */
    T("ping", "*1\r\n$4\r\nPING\r\n", "PING;"),
    T("set", "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", "SET key value;"),
    T("pipeline",
      "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
      "PING;GET k;SET k v;"),
    T("empty bulk", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", "ECHO '';"),
    T("bulk holding CRLF", "*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\r\n\r\n",
      "ECHO a\\x0d\\x0ab\\x0d\\x0a;"),
    T("bulk holding NUL", "*2\r\n$4\r\nECHO\r\n$4\r\n\0\xff;*\r\n", "ECHO \\x00\\xff\\x3b*;"),
    T("bulk of digits and $", "*1\r\n$10\r\n$123\r\n*1\r\n\r\n", "$123\\x0d\\x0a*1\\x0d\\x0a;"),
    T("*0 and *-10 skipped", "*0\r\n*-10\r\n*1\r\n$4\r\nPING\r\n", "PING;"),
    T("*-1 then inline", "*-1\r\nPING\r\n", "i:PING;"),
    T("LLONG_MIN count skipped", "*-9223372036854775808\r\n*1\r\n$1\r\na\r\n", "a;"),
    T("count below INT_MIN skipped", "*-2147483649\r\nPING\n", "i:PING;"),
    T("bytes after bulk not checked", "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPONG\r\n", "PING;PONG;"),
    T("LF after header CR not checked", "*1\rX$4\rYPING\r\n", "PING;"),
    T("inline, multibulk, inline", "PING\r\n*1\r\n$4\r\nPING\r\nECHO x\n", "i:PING;PING;i:ECHO x;"),
    T("twelve args", "*12\r\n" ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1,
      "a a a a a a a a a a a a;"),
    T("INT_MAX count waits", "*2147483647\r\n$1\r\na\r\n", ""),
    T("incomplete bulk", "*2\r\n$3\r\nGET\r\n$1\r\nk", ""),
    T("incomplete bulk trailer", "*1\r\n$4\r\nPING\r", ""),
    T("incomplete bulk header", "*2\r\n$3", ""),
    T("bulk header CR without next byte", "*1\r\n$4\r", ""),
    T("count CR without next byte", "*1\r", ""),
    T("lone star", "*", ""),
    T("header without $ waits for CR", "*1\r\nPING", ""),

    /* inline */
    T("inline CRLF", "PING\r\n", "i:PING;"),
    T("inline LF", "PING\n", "i:PING;"),
    T("inline args", "SET k v\r\n", "i:SET k v;"),
    T("inline blanks", "  SET \t k   v \r\n", "i:SET k v;"),
    T("inline double quotes", "SET k \"hello world\"\r\n", "i:SET k hello\\x20world;"),
    T("inline escapes", "ECHO \"a\\nb\\r\\t\\b\\a\\\\\\\"\\q\"\n",
      "i:ECHO a\\x0ab\\x0d\\x09\\x08\\x07\\x5c\"q;"),
    T("inline hex", "ECHO \"\\x41\\x4a\\x4b\\x6f\\x00\\xFF\" \"\\x4g\" \"\\x\" \"\\x4\"\n",
      "i:ECHO AJKo\\x00\\xff x4g x x4;"),
    T("inline single quotes", "ECHO 'it\\'s' 'a\\nb' '\"q\"' '\\x41'\n",
      "i:ECHO it\\x27s a\\x5cnb \"q\" \\x5cx41;"),
    T("inline quote mid-argument", "ECHO a\"b c\" e\n", "i:ECHO ab\\x20c e;"),
    T("inline empty quoted args", "ECHO \"\" ''\n", "i:ECHO '' '';"),
    T("inline empty lines skipped", "\r\n\n  \r\n\t\r\nPING\r\n", "i:PING;"),
    T("inline CR line skipped", "\r\r\nPING\r\rPONG\n", "i:PING PONG;"),
    T("inline leading VT skipped", "\vPING\n", "i:PING;"),
    T("inline VT inside argument", "A\vB\n", "i:A\\x0bB;"),
    T("inline VT after closing quote", "ECHO \"a\"\vb\n", "i:ECHO a b;"),
    T("inline CR after closing quote", "ECHO \"a\"\r\r\n", "i:ECHO a;"),
    T("inline quote at line end", "ECHO \"a\"\r\n", "i:ECHO a;"),
    T("inline backslash outside quotes", "ECHO a\\nb\n", "i:ECHO a\\x5cnb;"),
    T("inline NUL is refused", "EC\0HO x\n", E_INUL),
    T("inline NUL after a good line", "PING\nGET \0\r\n", "i:PING;" E_INUL),
    T("inline starting with $", "$4\r\nx*1\n", "i:$4;i:x*1;"),
    T("inline without newline waits", "PING", ""),
    T("inline many args", "a b c d e f g h i j k l m n o p q r s t u v w x y z\n",
      "i:a b c d e f g h i j k l m n o p q r s t u v w x y z;"),
    T("inline pipeline", "PING\nPING\r\nECHO 'x y'\n\nGET k\n",
      "i:PING;i:PING;i:ECHO x\\x20y;i:GET k;"),

    /* inline errors */
    T("unterminated double quote", "ECHO \"abc\n", E_QUOTES),
    T("unterminated single quote", "ECHO 'abc\r\n", E_QUOTES),
    T("escaped closing quote", "ECHO \"abc\\\"\n", E_QUOTES),
    T("backslash at line end", "ECHO \"abc\\\n", E_QUOTES),
    T("escaped single quote at end", "ECHO 'a\\'\n", E_QUOTES),
    T("closing quote then letter", "ECHO a\"b c\"d\n", E_QUOTES),
    T("closing single quote then letter", "ECHO 'a'b\n", E_QUOTES),
    T("three double quotes", "\"\"\"\n", E_QUOTES),
    T("quote error after a command", "PING\nECHO \"x\nPING\n", "i:PING;" E_QUOTES),

    /* multibulk errors */
    T("count not a number", "*abc\r\n", E_MLEN),
    T("count empty", "*\r\n", E_MLEN),
    T("count leading zero", "*01\r\n", E_MLEN),
    T("count plus sign", "*+1\r\n", E_MLEN),
    T("count minus zero", "*-0\r\n", E_MLEN),
    T("count lone minus", "*-\r\n", E_MLEN),
    T("count trailing blank", "*1 \r\n", E_MLEN),
    T("count over INT_MAX", "*2147483648\r\n", E_MLEN),
    T("count over LLONG_MAX", "*9223372036854775808\r\n", E_MLEN),
    T("count 21 chars", "*-99999999999999999999\r\n", E_MLEN),
    T("count error after command", "*1\r\n$4\r\nPING\r\n*x\r\nPING\r\n", "PING;" E_MLEN),
    T("bulk len not a number", "*1\r\n$abc\r\n", E_BLEN),
    T("bulk len negative", "*1\r\n$-1\r\n", E_BLEN),
    T("bulk len leading zero", "*1\r\n$01\r\n", E_BLEN),
    T("bulk len empty", "*1\r\n$\r\n", E_BLEN),
    T("bulk len over default max", "*1\r\n$536870913\r\n", E_BLEN),
    T("bulk len default max waits", "*1\r\n$536870912\r\n", ""),
    T("expected $ got x", "*1\r\nx4\r\nPING\r\n", E_DOLLAR "'x';"),
    T("expected $ got colon", "*2\r\n$3\r\nGET\r\n:1\r\n", E_DOLLAR "':';"),
    T("expected $ got CR", "*1\r\n\r\n", E_DOLLAR "' ';"),
    T("expected $ got LF", "*1\r\n\n\r\n", E_DOLLAR "' ';"),
    T("expected $ got NUL", "*1\r\n\0\r\n", E_DOLLAR "'\\x00';"),
    T("expected $ got high byte", "*1\r\n\xe9\r\n", E_DOLLAR "'\\xe9';"),
    T("expected $ got *", "*2\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n", E_DOLLAR "'*';"),

    /* unauthenticated limits */
    TU("unauth 10 args", "*10\r\n" ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1 ARG1,
       "a a a a a a a a a a;"),
    TU("unauth 11 args", "*11\r\n" ARG1, E_UMBULK),
    TU("unauth negative count", "*-20\r\n*1\r\n$4\r\nPING\r\n", "PING;"),
    TU("unauth bad count first", "*x\r\n", E_MLEN),
    TU("unauth bad count over INT_MAX", "*2147483648\r\n", E_MLEN),
    TU("unauth bulk 16385", "*1\r\n$16385\r\n", E_UBULK),
    TU("unauth bulk 16384 waits", "*1\r\n$16384\r\n", ""),
    TU("unauth bulk over max first", "*1\r\n$536870913\r\n", E_BLEN),
    TU("unauth inline not limited", "a b c d e f g h i j k l\n", "i:a b c d e f g h i j k l;"),
    TUM("unauth under small max", "*1\r\n$16385\r\n", E_UBULK, 100000),
    TUM("small max before unauth", "*1\r\n$16385\r\n", E_BLEN, 100),

    /* max_bulk */
    TM("max_bulk 5 ok", "*2\r\n$1\r\na\r\n$5\r\nhello\r\n", "a hello;", 5),
    TM("max_bulk 5 exceeded", "*1\r\n$6\r\n", E_BLEN, 5),
    TM("max_bulk 1 empty ok", "*1\r\n$0\r\n\r\n", "'';", 1),
    TM("max_bulk huge", "*1\r\n$9223372036854775807\r\n", "", 0x7fffffffffffffffLL),
};

/* Cases built at run time: 64 KiB boundaries and long pipelines. */
struct gcase {
    char name[64];
    char *in;
    size_t len;
    struct sb want;
    struct cfg cfg;
};

static void g_rep(struct sb *b, char c, size_t n)
{
    char chunk[4096];
    memset(chunk, c, sizeof(chunk));
    while (n) {
        size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
        sb_put(b, chunk, k);
        n -= k;
    }
}

static struct gcase *gcases;
static size_t ngcases;

static struct gcase *g_new(const char *name)
{
    gcases = realloc(gcases, (ngcases + 1) * sizeof(*gcases));
    if (!gcases) exit(2);
    struct gcase *g = &gcases[ngcases++];
    memset(g, 0, sizeof(*g));
    snprintf(g->name, sizeof(g->name), "%s", name);
    return g;
}

static void g_set_in(struct gcase *g, struct sb *in)
{
    g->in = in->s;
    g->len = in->len;
}

/* An inline line of n 'a' then `end`; want NULL means the line is a command. */
static void g_inline(const char *name, size_t n, const char *end, const char *want)
{
    struct gcase *g = g_new(name);
    struct sb in = {0};
    g_rep(&in, 'a', n);
    sb_puts(&in, end);
    g_set_in(g, &in);
    if (want) {
        sb_puts(&g->want, want);
    } else {
        sb_puts(&g->want, "i:");
        put_arg(&g->want, in.s, n);
        sb_puts(&g->want, ";");
    }
}

static void g_header(const char *name, const char *prefix, size_t ndigits, const char *want)
{
    struct gcase *g = g_new(name);
    struct sb in = {0};
    sb_puts(&in, prefix);
    g_rep(&in, '1', ndigits);
    sb_puts(&in, "\r\n");
    g_set_in(g, &in);
    sb_puts(&g->want, want);
}

static void build_gcases(void)
{
    /* The line, with its CR, must fit in 64 KiB; the LF may be the byte after. */
    g_inline("inline 65535 + CRLF", 65535, "\r\n", NULL);
    g_inline("inline 65536 + LF", 65536, "\n", NULL);
    g_inline("inline 65536 + CRLF", 65536, "\r\n", E_INLINE);
    g_inline("inline 65537 + LF", 65537, "\n", E_INLINE);
    g_inline("inline 65537, no LF", 65537, "", E_INLINE);
    g_inline("inline 65536, no LF, waits", 65536, "", "");

    /* "*" + digits: CR at offset 65536 is found (then the count is invalid);
     * at 65537 the line is too big. Likewise for "$". */
    g_header("mbulk count line at limit", "*", 65535, E_MLEN);
    g_header("mbulk count line over limit", "*", 65536, E_MCOUNT);
    g_header("bulk count line at limit", "*1\r\n$", 65535, E_BLEN);
    g_header("bulk count line over limit", "*1\r\n$", 65536, E_BCOUNT);

    {
        struct gcase *g = g_new("mbulk count no CR over limit");
        struct sb in = {0};
        sb_puts(&in, "*");
        g_rep(&in, '1', 65536);
        g_set_in(g, &in);
        sb_puts(&g->want, E_MCOUNT);
    }
    {
        struct gcase *g = g_new("bulk count no CR at limit waits");
        struct sb in = {0};
        sb_puts(&in, "*1\r\n$");
        g_rep(&in, '1', 65535);
        g_set_in(g, &in);
    }
    {
        /* the 64 KiB limit counts from the header, not from the request */
        struct gcase *g = g_new("long request, short headers");
        struct sb in = {0};
        sb_puts(&in, "*2\r\n$40000\r\n");
        g_rep(&in, 'x', 40000);
        sb_puts(&in, "\r\n$40000\r\n");
        g_rep(&in, 'y', 40000);
        sb_puts(&in, "\r\n");
        g_set_in(g, &in);
        put_arg(&g->want, in.s + 12, 40000);
        sb_puts(&g->want, " ");
        put_arg(&g->want, in.s + 12 + 40000 + 10, 40000);
        sb_puts(&g->want, ";");
    }
    {
        struct gcase *g = g_new("unauth 16384-byte bulk");
        struct sb in = {0};
        sb_puts(&in, "*1\r\n$16384\r\n");
        g_rep(&in, 'x', 16384);
        sb_puts(&in, "\r\nPING\r\n");
        g_set_in(g, &in);
        put_arg(&g->want, in.s + 12, 16384);
        sb_puts(&g->want, ";i:PING;");
        g->cfg.unauth = true;
    }
    {
        struct gcase *g = g_new("pipeline of 600");
        struct sb in = {0};
        for (int i = 0; i < 300; i++) {
            sb_puts(&in, "*1\r\n$4\r\nPING\r\nPING\r\n");
            sb_puts(&g->want, "PING;i:PING;");
        }
        g_set_in(g, &in);
    }
}

/* ---- running a case three ways ---- */

static void run_whole(const struct cfg *c, const char *in, size_t len, struct sb *ev,
                      struct sb *res, struct longs *save)
{
    struct run r;
    run_init(&r, c, NULL, false);
    r.save = save;
    run_feed(&r, in, len, false);
    sb_puts(ev, sb_str(&r.ev));
    run_result(&r, res);
    run_free(&r);
}

#define BIG_INPUT 8192 /* above this, split runs use view mode */

static void check_one(const char *name, const struct cfg *c, const char *in, size_t len,
                      const char *want)
{
    struct sb ev = {0}, whole = {0}, res = {0};
    struct longs longs = {0};
    const char *view = len > BIG_INPUT ? in : NULL;
    run_whole(c, in, len, &ev, &whole, &longs);
    CHECK(strcmp(sb_str(&ev), want) == 0, "[%s] whole run\n  got  %.300s\n  want %.300s", name,
          sb_str(&ev), want);

    /* split at every byte: drop consumed bytes between the feeds on odd k,
     * after every command when k & 2 */
    int split_bad = 0;
    for (size_t k = 0; k <= len; k++) {
        struct run r;
        run_init(&r, c, view, (k & 2) != 0);
        r.ref = &longs;
        run_feed(&r, in, k, false);
        run_feed(&r, in + k, len - k, (k & 1) != 0);
        res.len = 0;
        run_result(&r, &res);
        if (strcmp(sb_str(&res), sb_str(&whole)) != 0 && split_bad++ < 3)
            CHECK(0, "[%s] split at %zu\n  got  %.300s\n  want %.300s", name, k, sb_str(&res),
                  sb_str(&whole));
        run_free(&r);
    }
    CHECK(split_bad == 0, "[%s] %d split points differ", name, split_bad);

    /* byte by byte, dropping consumed bytes every time */
    {
        struct run r;
        run_init(&r, c, view, true);
        r.ref = &longs;
        for (size_t i = 0; i < len; i++) run_feed(&r, in + i, 1, true);
        res.len = 0;
        run_result(&r, &res);
        CHECK(strcmp(sb_str(&res), sb_str(&whole)) == 0,
              "[%s] byte by byte\n  got  %.300s\n  want %.300s", name, sb_str(&res),
              sb_str(&whole));
        run_free(&r);
    }
    sb_free(&ev);
    sb_free(&whole);
    sb_free(&res);
    longs_free(&longs);
}

static void test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_one(cases[i].name, &cases[i].cfg, cases[i].in, cases[i].len, cases[i].want);
    build_gcases();
    for (size_t i = 0; i < ngcases; i++) {
        struct gcase *g = &gcases[i];
        check_one(g->name, &g->cfg, g->in, g->len, sb_str(&g->want));
        free(g->in);
        sb_free(&g->want);
    }
    free(gcases);
}

/* ---- focused tests ---- */

static void test_error_texts(void)
{
    static const struct {
        enum resp_err e;
        char byte;
        const char *text;
    } t[] = {
        {RESP_E_BIG_INLINE, 0, "Protocol error: too big inline request"},
        {RESP_E_BIG_MBULK_COUNT, 0, "Protocol error: too big mbulk count string"},
        {RESP_E_BIG_BULK_COUNT, 0, "Protocol error: too big bulk count string"},
        {RESP_E_BAD_MBULK_LEN, 0, "Protocol error: invalid multibulk length"},
        {RESP_E_BAD_BULK_LEN, 0, "Protocol error: invalid bulk length"},
        {RESP_E_EXPECTED_DOLLAR, 'x', "Protocol error: expected '$', got 'x'"},
        {RESP_E_EXPECTED_DOLLAR, '\r', "Protocol error: expected '$', got ' '"},
        {RESP_E_UNBALANCED_QUOTES, 0, "Protocol error: unbalanced quotes in request"},
        {RESP_E_UNAUTH_MBULK, 0, "Protocol error: unauthenticated multibulk length"},
        {RESP_E_UNAUTH_BULK, 0, "Protocol error: unauthenticated bulk length"},
        {RESP_E_NONE, 0, ""},
    };
    struct resp_parser p;
    resp_parser_init(&p);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char buf[128];
        p.err = t[i].e;
        p.err_byte = t[i].byte;
        const char *s = resp_strerror(&p, buf, sizeof(buf));
        CHECK(s == buf && strcmp(s, t[i].text) == 0, "got '%s' want '%s'", s, t[i].text);
        CHECK(resp_error_text(&p, buf, sizeof(buf)) == strlen(t[i].text), "length of '%s'",
              t[i].text);
    }
    /* a NUL byte is part of the text, as Redis sends it */
    char buf[64];
    p.err = RESP_E_EXPECTED_DOLLAR;
    p.err_byte = '\0';
    size_t n = resp_error_text(&p, buf, sizeof(buf));
    static const char nul_text[] = "Protocol error: expected '$', got '\0'";
    CHECK(n == sizeof(nul_text) - 1 && memcmp(buf, nul_text, sizeof(nul_text)) == 0, "NUL byte");
    /* truncation: full length returned, output NUL-terminated */
    p.err = RESP_E_BAD_BULK_LEN;
    n = resp_error_text(&p, buf, 9);
    CHECK(n == strlen("Protocol error: invalid bulk length") && strcmp(buf, "Protocol") == 0,
          "truncated to '%s' (%zu)", buf, n);
    resp_parser_free(&p);
}

/* Feed a 64 MiB argument in chunks, sizing the buffer from resp_want(). */
static void test_big_bulk(void)
{
    const size_t big = 64u << 20;
    const char head[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$67108864\r\n";
    const char tail[] = "\r\n*1\r\n$4\r\nPING\r\n";
    struct resp_parser p;
    resp_parser_init(&p);
    p.max_bulk = (long long)big;

    size_t cap = 64, len = 0;
    char *buf = xmalloc(cap);
    memcpy(buf, head, 6); /* "*3\r\n$3" */
    len = 6;
    CHECK(resp_parse(&p, buf, len) == RESP_NEED_MORE, "partial header");
    CHECK(resp_want(&p) == 0, "want while reading a header: %zu", resp_want(&p));
    memcpy(buf + len, head + 6, sizeof(head) - 1 - 6);
    len = sizeof(head) - 1;
    CHECK(resp_parse(&p, buf, len) == RESP_NEED_MORE, "header");
    CHECK(resp_want(&p) == big + 2, "want after header: %zu", resp_want(&p));

    /* the caller drops consumed bytes and sizes the buffer for the argument */
    size_t drop = p.pos;
    memmove(buf, buf + drop, len - drop);
    len -= drop;
    resp_consumed(&p, drop);
    CHECK(resp_want(&p) == big + 2, "want after compaction: %zu", resp_want(&p));
    cap = len + resp_want(&p) + sizeof(tail);
    buf = realloc(buf, cap);
    if (!buf) exit(2);

    size_t fed = 0, chunk = (1u << 20) + 7;
    int rc = RESP_NEED_MORE;
    while (fed < big) {
        size_t k = big - fed < chunk ? big - fed : chunk;
        for (size_t i = 0; i < k; i++) buf[len + i] = (char)('a' + (fed + i) % 26);
        len += k;
        fed += k;
        rc = resp_parse(&p, buf, len);
        if (rc != RESP_NEED_MORE || resp_want(&p) != big + 2 - fed) break;
    }
    CHECK(fed == big && rc == RESP_NEED_MORE && resp_want(&p) == 2, "after data: rc %d want %zu",
          rc, resp_want(&p));
    memcpy(buf + len, tail, 1); /* just the CR */
    len += 1;
    CHECK(resp_parse(&p, buf, len) == RESP_NEED_MORE && resp_want(&p) == 1, "want 1: %zu",
          resp_want(&p));
    memcpy(buf + len, tail + 1, sizeof(tail) - 2);
    len += sizeof(tail) - 2;
    rc = resp_parse(&p, buf, len);
    CHECK(rc == RESP_OK && p.argc == 3, "big command: rc %d argc %d", rc, p.argc);
    if (rc == RESP_OK && p.argc == 3) {
        CHECK(p.argv[2].len == big, "big len %zu", p.argv[2].len);
        CHECK(p.argv[2].ptr >= buf && p.argv[2].ptr + big <= buf + len, "zero copy");
        bool same = true;
        for (size_t i = 0; i < big && same; i++) same = p.argv[2].ptr[i] == (char)('a' + i % 26);
        CHECK(same, "big bulk content");
        CHECK(p.argv[0].len == 3 && memcmp(p.argv[0].ptr, "SET", 3) == 0, "SET");
        CHECK(resp_want(&p) == 0, "want after OK: %zu", resp_want(&p));
    }
    rc = resp_parse(&p, buf, len);
    CHECK(rc == RESP_OK && p.argc == 1 && memcmp(p.argv[0].ptr, "PING", 4) == 0, "PING after");
    CHECK(resp_parse(&p, buf, len) == RESP_NEED_MORE && p.pos == len, "end");

    /* one byte over max_bulk */
    struct resp_parser q;
    resp_parser_init(&q);
    q.max_bulk = (long long)big;
    const char over[] = "*1\r\n$67108865\r\n";
    CHECK(resp_parse(&q, over, sizeof(over) - 1) == RESP_ERROR && q.err == RESP_E_BAD_BULK_LEN,
          "64 MiB + 1");
    resp_parser_free(&q);
    resp_parser_free(&p);
    free(buf);
}

/* *1000000 must not preallocate a million entries; argv grows as args come. */
static void test_million_args(void)
{
    const int count = 1000000;
    struct resp_parser p;
    resp_parser_init(&p);
    size_t len = 0, total = 11 + (size_t)count * 7;
    char *buf = xmalloc(total);
    memcpy(buf, "*1000000\r\n", 10);
    size_t w = 10;
    for (int i = 0; i < count; i++) {
        memcpy(buf + w, "$1\r\n", 4);
        buf[w + 4] = (char)('a' + i % 26);
        memcpy(buf + w + 5, "\r\n", 2);
        w += 7;
    }

    len = 10 + 7 * 3;
    CHECK(resp_parse(&p, buf, len) == RESP_NEED_MORE, "first args");
    CHECK(p.argv_cap <= 1024, "preallocated %d entries", p.argv_cap);
    bool sane = true;
    int rc = RESP_NEED_MORE;
    while (len < w) {
        len = len + 65536 < w ? len + 65536 : w;
        rc = resp_parse(&p, buf, len);
        if (rc == RESP_NEED_MORE && p.argv_cap > 1024 && p.argv_cap > 2 * (p.argc + 1))
            sane = false;
    }
    CHECK(sane, "argv grew ahead of the arguments");
    CHECK(rc == RESP_OK && p.argc == count, "rc %d argc %d", rc, p.argc);
    CHECK(p.argv_cap == count, "cap %d", p.argv_cap);
    bool ok = rc == RESP_OK;
    for (int i = 0; ok && i < count; i++)
        ok = p.argv[i].len == 1 && p.argv[i].ptr[0] == (char)('a' + i % 26);
    CHECK(ok, "argument contents");
    /* the next command starts with a small argv again */
    const char ping[] = "*1\r\n$4\r\nPING\r\n";
    resp_consumed(&p, p.pos);
    CHECK(p.pos == 0, "pos after consume %zu", p.pos);
    CHECK(resp_parse(&p, ping, sizeof(ping) - 1) == RESP_OK && p.argc == 1, "PING");
    CHECK(p.argv_cap <= 1024, "argv kept %d entries", p.argv_cap);
    resp_parser_free(&p);
    free(buf);
}

static void test_positions(void)
{
    struct resp_parser p;
    resp_parser_init(&p);
    const char in[] = "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING x\r\nXYZ";
    CHECK(resp_parse(&p, in, sizeof(in) - 1) == RESP_OK && p.argc == 2 && !p.is_inline, "ECHO");
    CHECK(p.pos == 22, "pos after multibulk %zu", p.pos);
    CHECK(p.argv[0].ptr == in + 8 && p.argv[1].ptr == in + 18, "argv point into the buffer");
    CHECK(resp_parse(&p, in, sizeof(in) - 1) == RESP_OK && p.argc == 2 && p.is_inline, "inline");
    CHECK(p.pos == 30, "pos after inline %zu", p.pos);
    CHECK(p.argv[0].ptr == p.scratch && memcmp(p.argv[1].ptr, "x", 1) == 0, "scratch");
    CHECK(resp_parse(&p, in, sizeof(in) - 1) == RESP_NEED_MORE && p.argc == 0, "XYZ waits");
    CHECK(p.pos == 30, "pos while waiting %zu", p.pos);

    /* errors are sticky */
    const char bad[] = "*x\r\n*1\r\n$4\r\nPING\r\n";
    struct resp_parser q;
    resp_parser_init(&q);
    CHECK(resp_parse(&q, bad, sizeof(bad) - 1) == RESP_ERROR, "error");
    CHECK(resp_parse(&q, bad, sizeof(bad) - 1) == RESP_ERROR, "still an error");
    resp_parser_free(&q);

    /* free twice / free an unused parser */
    resp_parser_free(&p);
    resp_parser_free(&p);
    struct resp_parser r;
    resp_parser_init(&r);
    CHECK(resp_parse(&r, "", 0) == RESP_NEED_MORE && resp_want(&r) == 0, "empty");
    resp_parser_free(&r);
}

int main(void)
{
    test_error_texts();
    test_positions();
    test_table();
    test_big_bulk();
    test_million_args();
    printf("test_resp_parse: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
