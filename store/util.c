/* util.c — number parsing/formatting, glob matching, clocks: the small
 * helpers every command shares, with Redis's exact acceptance rules. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd.h"

/* Redis's string2ll: optional '-', no '+', no leading zeros (except "0"),
 * no spaces, within int64. */
bool str_to_ll(const char *s, size_t len, long long *out)
{
    if (len == 0 || len > 20) return false;
    const char *p = s, *end = s + len;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        if (++p == end) return false;
    }
    if (*p == '0') {
        if (len == 1) {
            *out = 0;
            return true;
        }
        return false;
    }
    unsigned long long v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULLONG_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1) return false;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > LLONG_MAX) return false;
        *out = (long long)v;
    }
    return true;
}

int ll_to_str(char *buf, size_t len, long long v)
{
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[n++] = '-';
    if ((size_t)n + 1 > len) return 0;
    for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

/* Redis's string2ld: strtold over the whole string, no leading space, no
 * NaN; "inf"/"-inf" accepted. */
bool str_to_ld(const char *s, size_t len, long double *out)
{
    char buf[5120];
    if (len == 0 || len >= sizeof(buf)) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (isspace((unsigned char)buf[0])) return false;
    errno = 0;
    char *end;
    long double v = strtold(buf, &end);
    if ((size_t)(end - buf) != len) return false;
    if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO))
        return false;
    if (isnan(v)) return false;
    *out = v;
    return true;
}

bool arg_is(const struct sarg *a, const char *kw)
{
    size_t n = strlen(kw);
    return a->len == n && strncasecmp(a->p, kw, n) == 0;
}

bool arg_ll(const struct sarg *a, long long *out)
{
    return str_to_ll(a->p, a->len, out);
}

bool arg_ll_or_reply(struct cmdctx *c, const struct sarg *a, long long *out)
{
    if (arg_ll(a, out)) return true;
    reply_errs(c->r, SERR_NOTINT);
    return false;
}

bool arg_double(const struct sarg *a, long double *out)
{
    return str_to_ld(a->p, a->len, out);
}

int64_t store_ustime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t store_mstime(void)
{
    return store_ustime() / 1000;
}

static inline int fold(unsigned char c, bool nocase)
{
    return nocase ? tolower(c) : c;
}

/* Glob-style matching with Redis's syntax: * ? [abc] [^a] [a-z] \x.
 * Iterative with one backtrack point for '*', so adversarial patterns cost
 * O(len(pattern) * len(string)) rather than exponential time. */
bool str_match(const char *pat, size_t plen, const char *s, size_t slen, bool nocase)
{
    /* Redis's stringmatchlen never enters its loop for an empty string, so
     * only an empty pattern matches it: "*" and "**" do not (KEYS * and
     * SCAN MATCH * list the empty key only because they skip matching). */
    if (slen == 0) return plen == 0;
    size_t p = 0, i = 0;
    size_t star_p = (size_t)-1, star_i = 0;
    while (i < slen) {
        if (p < plen) {
            char pc = pat[p];
            if (pc == '*') {
                while (p + 1 < plen && pat[p + 1] == '*') p++;
                star_p = p++;
                star_i = i;
                continue;
            }
            if (pc == '?') {
                p++;
                i++;
                continue;
            }
            if (pc == '[') {
                size_t q = p + 1;
                bool neg = false, hit = false;
                if (q < plen && pat[q] == '^') {
                    neg = true;
                    q++;
                }
                for (;;) {
                    if (q >= plen) {
                        q = plen - 1; /* unterminated: Redis treats end as close */
                        break;
                    }
                    if (pat[q] == ']') break;
                    if (pat[q] == '\\' && q + 1 < plen) {
                        q++;
                        if (fold(pat[q], nocase) == fold(s[i], nocase)) hit = true;
                    } else if (q + 2 < plen && pat[q + 1] == '-') {
                        int a = fold((unsigned char)pat[q], nocase);
                        int b = fold((unsigned char)pat[q + 2], nocase);
                        int x = fold((unsigned char)s[i], nocase);
                        if (a > b) {
                            int t = a;
                            a = b;
                            b = t;
                        }
                        if (x >= a && x <= b) hit = true;
                        q += 2;
                    } else if (fold(pat[q], nocase) == fold(s[i], nocase)) {
                        hit = true;
                    }
                    q++;
                }
                if (neg) hit = !hit;
                if (hit) {
                    p = q + 1;
                    i++;
                    continue;
                }
            } else {
                if (pc == '\\' && p + 1 < plen) pc = pat[++p];
                if (fold((unsigned char)pc, nocase) == fold((unsigned char)s[i], nocase)) {
                    p++;
                    i++;
                    continue;
                }
            }
        }
        if (star_p == (size_t)-1) return false;
        p = star_p + 1;
        i = ++star_i;
    }
    while (p < plen && pat[p] == '*') p++;
    return p == plen;
}

/* Redis's ld2string(LD_STR_HUMAN): "%.17Lf" (17 digits after the point,
 * which with 80-bit long doubles reproduces short decimals as typed), then
 * trailing zeros and a trailing point removed, and "-0" written "0".
 * Returns the length, 0 if buf is too small. */
int str_from_ld_human(char *buf, size_t cap, long double v)
{
    int l = snprintf(buf, cap, "%.17Lf", v);
    if (l < 0 || (size_t)l + 1 > cap) return 0;
    if (memchr(buf, '.', (size_t)l)) {
        while (buf[l - 1] == '0') l--;
        if (buf[l - 1] == '.') l--;
    }
    if (l == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        l = 1;
    }
    buf[l] = '\0';
    return l;
}
