/* fuzz_resp_parse.c — libFuzzer target for the RESP request parser.
 *
 * Input: byte 0 chooses the split point and the configuration, the rest is
 * the request stream. The stream is parsed three ways — whole, in two pieces
 * (the buffer moved to a new allocation and the consumed prefix dropped
 * between them), and byte by byte (short inputs) — and the three must give
 * the same commands, arguments, errors, final position and resp_want().
 * Any difference aborts. Buffers are allocated at their exact size so ASan
 * reports any read past the bytes the parser was given.
 */
#include "resp_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *s;
    size_t len, cap;
};

static void out_put(struct out *o, const void *p, size_t n)
{
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 1024;
        while (cap < o->len + n) cap *= 2;
        o->s = realloc(o->s, cap);
        if (!o->s) abort();
        o->cap = cap;
    }
    memcpy(o->s + o->len, p, n);
    o->len += n;
}

static void out_num(struct out *o, char tag, unsigned long long v)
{
    out_put(o, &tag, 1);
    out_put(o, &v, sizeof(v));
}

struct run {
    struct resp_parser p;
    char *buf;
    size_t len;
    size_t base;
    bool dead;
    bool compact_ok; /* drop consumed bytes after every command */
    struct out o;
};

static void run_init(struct run *r, uint8_t ctl, bool compact_ok)
{
    memset(r, 0, sizeof(*r));
    r->compact_ok = compact_ok;
    resp_parser_init(&r->p);
    r->p.unauthenticated = ctl & 1;
    if (ctl & 2) r->p.max_bulk = 100;
}

/* Move to a fresh buffer of exactly the pending bytes plus d[0..n). */
static void run_move(struct run *r, const uint8_t *d, size_t n, bool compact)
{
    size_t drop = compact ? r->p.pos : 0;
    size_t keep = r->len - drop;
    char *nb = malloc(keep + n ? keep + n : 1);
    if (!nb) abort();
    if (keep) memcpy(nb, r->buf + drop, keep);
    if (n) memcpy(nb + keep, d, n);
    free(r->buf);
    r->buf = nb;
    r->len = keep + n;
    r->base += drop;
    if (drop) resp_consumed(&r->p, drop);
}

static void run_feed(struct run *r, const uint8_t *d, size_t n, bool compact)
{
    if (r->dead) return;
    run_move(r, d, n, compact);
    for (;;) {
        int rc = resp_parse(&r->p, r->buf, r->len);
        if (rc == RESP_NEED_MORE) return;
        if (rc == RESP_ERROR) {
            char t[128];
            size_t n2 = resp_error_text(&r->p, t, sizeof(t));
            if (n2 >= sizeof(t)) abort();
            out_num(&r->o, 'E', (unsigned long long)r->p.err);
            out_put(&r->o, t, n2);
            r->dead = true;
            return;
        }
        if (rc != RESP_OK || r->p.argc <= 0 || r->p.pos > r->len) abort();
        out_num(&r->o, r->p.is_inline ? 'I' : 'C', (unsigned long long)r->p.argc);
        for (int i = 0; i < r->p.argc; i++) {
            const struct resp_arg *a = &r->p.argv[i];
            /* multibulk arguments point into the buffer, inline ones into scratch */
            if (!r->p.is_inline && (a->ptr < r->buf || a->ptr > r->buf + r->len ||
                                    a->len > r->len || (size_t)(a->ptr - r->buf) + a->len > r->len))
                abort();
            out_num(&r->o, 'A', a->len);
            out_put(&r->o, a->ptr, a->len);
        }
        out_num(&r->o, 'P', r->base + r->p.pos);
        /* drop the command's bytes right away: args are already copied out */
        if (r->compact_ok) run_move(r, NULL, 0, true);
    }
}

static void run_end(struct run *r)
{
    out_num(&r->o, '@', r->base + r->p.pos);
    out_num(&r->o, 'W', resp_want(&r->p));
    resp_parser_free(&r->p);
    free(r->buf);
    r->buf = NULL;
}

static void same(const struct run *a, const struct run *b)
{
    if (a->o.len != b->o.len || memcmp(a->o.s, b->o.s, a->o.len) != 0) {
        fprintf(stderr, "fuzz_resp_parse: results differ (%zu vs %zu bytes)\n", a->o.len, b->o.len);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    uint8_t ctl = data[0];
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    size_t split = (size_t)(ctl >> 2) * (n + 1) / 64;

    struct run whole, two;
    run_init(&whole, ctl, false);
    run_feed(&whole, in, n, false);
    run_end(&whole);

    run_init(&two, ctl, true);
    run_feed(&two, in, split, false);
    run_feed(&two, in + split, n - split, true);
    run_end(&two);
    same(&whole, &two);
    free(two.o.s);

    if (n <= 2048) {
        struct run bytes;
        run_init(&bytes, ctl, true);
        for (size_t i = 0; i < n; i++) run_feed(&bytes, in + i, 1, i & 1);
        run_end(&bytes);
        same(&whole, &bytes);
        free(bytes.o.s);
    }
    free(whole.o.s);
    return 0;
}
