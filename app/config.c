/* config.c — the configuration engine: parsing and checking values by type,
 * CONFIG GET and SET, reading redis.conf (include, rename-command, the
 * command line appended as more lines), and docs/configuration.md.
 *
 * The parameters themselves are rows of params[] (config_table.c); CONFIG
 * REWRITE is config_rewrite.c. Messages are Redis 7.0's, word for word
 * (config.c's setters and loadServerConfigFromString).
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cmdtable.h"
#include "config.h"
#include "config_param.h"
#include "server.h"

/* ---- lookup ---- */

struct param *param_find(const char *name)
{
    for (size_t i = 0; i < nparams; i++) {
        if (!strcasecmp(params[i].name, name)) return &params[i];
        if (params[i].alias && !strcasecmp(params[i].alias, name)) return &params[i];
    }
    return NULL;
}

/* Each default in its CONFIG GET form, for CONFIG REWRITE (a value equal
 * to its default is not forced into the file) and for the start-up report
 * of parameters that are not effective yet. */
static char **canon_default;

/* true from the defaults to the end of config_load */
static bool loading;

const char *param_default(const struct param *p)
{
    size_t i = (size_t)(p - params);
    return canon_default && canon_default[i] ? canon_default[i] : "";
}

/* ---- lexical helpers ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int config_split_args(const char *line, char **argv, int max, char *store)
{
    const char *p = line;
    char *o = store;
    int argc = 0;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) return argc;
        if (argc == max) return -1;
        argv[argc++] = o;
        bool inq = false, insq = false;
        for (bool done = false; !done;) {
            if (inq) {
                if (*p == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
                    *o++ = (char)(hexval(p[2]) * 16 + hexval(p[3]));
                    p += 3;
                } else if (*p == '\\' && p[1]) {
                    p++;
                    switch (*p) {
                    case 'n': *o++ = '\n'; break;
                    case 'r': *o++ = '\r'; break;
                    case 't': *o++ = '\t'; break;
                    case 'b': *o++ = '\b'; break;
                    case 'a': *o++ = '\a'; break;
                    default: *o++ = *p; break;
                    }
                } else if (*p == '"') {
                    /* a closing quote must be followed by a space or the end */
                    if (p[1] && !isspace((unsigned char)p[1])) return -1;
                    done = true;
                } else if (!*p) {
                    return -1; /* unterminated quotes */
                } else {
                    *o++ = *p;
                }
            } else if (insq) {
                if (*p == '\\' && p[1] == '\'') {
                    p++;
                    *o++ = '\'';
                } else if (*p == '\'') {
                    if (p[1] && !isspace((unsigned char)p[1])) return -1;
                    done = true;
                } else if (!*p) {
                    return -1;
                } else {
                    *o++ = *p;
                }
            } else {
                switch (*p) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case '\0': done = true; break;
                case '"': inq = true; break;
                case '\'': insq = true; break;
                default: *o++ = *p; break;
                }
            }
            if (*p) p++;
        }
        *o++ = '\0';
    }
}

/* Memory values, as Redis's memtoull(): digits with an optional unit b k kb
 * m mb g gb (any case; k = 1000, kb = 1024), no sign; "" is 0; a number too
 * large saturates and the product wraps, which the bounds check reports. */
bool config_parse_mem(const char *v, long long *out)
{
    if (*v == '-') return false;
    const char *u = v;
    while (*u && isdigit((unsigned char)*u)) u++;
    unsigned long long mul;
    if (!*u || !strcasecmp(u, "b"))
        mul = 1;
    else if (!strcasecmp(u, "k"))
        mul = 1000;
    else if (!strcasecmp(u, "kb"))
        mul = 1024;
    else if (!strcasecmp(u, "m"))
        mul = 1000 * 1000;
    else if (!strcasecmp(u, "mb"))
        mul = 1024 * 1024;
    else if (!strcasecmp(u, "g"))
        mul = 1000ULL * 1000 * 1000;
    else if (!strcasecmp(u, "gb"))
        mul = 1024ULL * 1024 * 1024;
    else
        return false;
    char buf[128];
    size_t digits = (size_t)(u - v);
    if (digits >= sizeof(buf)) return false;
    memcpy(buf, v, digits);
    buf[digits] = '\0';
    char *end;
    errno = 0;
    unsigned long long n = strtoull(buf, &end, 10);
    if ((n == 0 && errno == EINVAL) || *end) return false;
    *out = (long long)(n * mul); /* wraps as Redis's does */
    return true;
}

void config_format_mem(char *buf, size_t len, long long v)
{
    const long long gb = 1024LL * 1024 * 1024, mb = 1024 * 1024, kb = 1024;
    if (v && v % gb == 0)
        snprintf(buf, len, "%lldgb", v / gb);
    else if (v && v % mb == 0)
        snprintf(buf, len, "%lldmb", v / mb);
    else if (v && v % kb == 0)
        snprintf(buf, len, "%lldkb", v / kb);
    else
        snprintf(buf, len, "%lld", v);
}

void config_format_repr(char *buf, size_t len, const char *v)
{
    size_t o = 0;
#define PUT(...) (o += (size_t)snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__))
    PUT("\"");
    for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
        switch (*c) {
        case '\\': PUT("\\\\"); break;
        case '"': PUT("\\\""); break;
        case '\n': PUT("\\n"); break;
        case '\r': PUT("\\r"); break;
        case '\t': PUT("\\t"); break;
        case '\a': PUT("\\a"); break;
        case '\b': PUT("\\b"); break;
        default:
            if (isprint(*c))
                PUT("%c", *c);
            else
                PUT("\\x%02x", *c);
        }
    }
    PUT("\"");
#undef PUT
}

/* ---- values by type ---- */

/* configEnumGetValue: one name, or with bit flags several ORed. */
static bool enum_parse(const struct param *p, int argc, char **argv, int *out)
{
    bool bitflags = p->flags & PF_MULTI;
    if (argc == 0 || (!bitflags && argc != 1)) return false;
    int v = 0;
    for (int i = 0; i < argc; i++) {
        bool matched = false;
        for (const struct enum_val *e = p->enums; e->name; e++) {
            if (!strcasecmp(argv[i], e->name)) {
                v |= e->val;
                matched = true;
            }
        }
        if (!matched) return false;
    }
    *out = v;
    return true;
}

/* configEnumGetName: an exact name, else (bit flags) the names of the set
 * bits, else "unknown". */
static void enum_format(const struct param *p, int v, char *buf, size_t len)
{
    bool bitflags = p->flags & PF_MULTI;
    size_t off = 0;
    int unmatched = v;
    buf[0] = '\0';
    for (const struct enum_val *e = p->enums; e->name; e++) {
        if (v == e->val) {
            snprintf(buf, len, "%s", e->name);
            return;
        }
        if (bitflags && e->val && e->val == (unmatched & e->val) && off < len) {
            off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", e->name);
            unmatched &= ~e->val;
        }
    }
    if (!off || unmatched) snprintf(buf, len, "unknown");
}

static void enum_error(const struct param *p, char *err, size_t errlen)
{
    /* Redis builds this in a 256-byte buffer */
    char msg[256];
    size_t off = (size_t)snprintf(msg, sizeof(msg), "argument(s) must be one of the following: ");
    for (const struct enum_val *e = p->enums; e->name && off < sizeof(msg); e++)
        off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s%s", e == p->enums ? "" : ", ",
                                e->name);
    snprintf(err, errlen, "%s", msg);
}

/* numericParseString */
static bool num_parse(const struct param *p, const char *v, long long *out, char *err,
                      size_t errlen)
{
    unsigned f = p->num & (N_MEM | N_PERCENT | N_OCTAL);
    if ((f & N_MEM) && config_parse_mem(v, out)) return true;
    size_t len = strlen(v);
    if ((f & N_PERCENT) && len > 1 && v[len - 1] == '%' && str_to_ll(v, len - 1, out) &&
        *out >= 0) {
        *out = -*out; /* a percentage is kept negative */
        return true;
    }
    if (f & N_OCTAL) {
        char *end;
        errno = 0;
        *out = strtoll(v, &end, 8);
        if (errno == 0 && *end == '\0') return true;
    }
    if (!f && str_to_ll(v, len, out)) return true;
    if ((f & N_MEM) && (f & N_PERCENT))
        snprintf(err, errlen, "argument must be a memory or percent value");
    else if (f & N_MEM)
        snprintf(err, errlen, "argument must be a memory value");
    else if (f & N_OCTAL)
        snprintf(err, errlen, "argument couldn't be parsed as an octal number");
    else
        snprintf(err, errlen, "argument couldn't be parsed into an integer");
    return false;
}

/* numericBoundaryCheck */
static bool num_in_bounds(const struct param *p, long long x, char *err, size_t errlen)
{
    if (p->num & N_UNSIGNED) {
        unsigned long long u = (unsigned long long)x, lo = (unsigned long long)p->min,
                           hi = (unsigned long long)p->max;
        if (u <= hi && u >= lo) return true;
        snprintf(err, errlen,
                 (p->num & N_OCTAL) ? "argument must be between %llo and %llo inclusive"
                                    : "argument must be between %llu and %llu inclusive",
                 lo, hi);
        return false;
    }
    if ((p->num & N_PERCENT) && x < 0) {
        if (x >= p->min) return true;
        snprintf(err, errlen, "percentage argument must be less or equal to %lld", -p->min);
        return false;
    }
    if (x <= p->max && x >= p->min) return true;
    snprintf(err, errlen, "argument must be between %lld and %lld inclusive", p->min, p->max);
    return false;
}

/* Parse and check a value (argv: its arguments, one unless PF_MULTI);
 * store it only when `apply`. */
static int param_apply(struct param *p, int argc, char **argv, bool apply, char *err, size_t errlen)
{
    const char *why = NULL;
    /* one argument, except for the multi-argument enums and specials */
    if (p->type != P_SPECIAL && p->type != P_ENUM && argc != 1) {
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    switch (p->type) {
    case P_BOOL: {
        int b;
        if (!strcasecmp(argv[0], "yes"))
            b = 1;
        else if (!strcasecmp(argv[0], "no"))
            b = 0;
        else {
            snprintf(err, errlen, "argument must be 'yes' or 'no'");
            return -1;
        }
        if (p->check && (why = p->check(NULL, b))) break;
        if (apply) *(int *)p->ptr = b;
        goto stored;
    }
    case P_INT:
    case P_LL: {
        long long x;
        if (!num_parse(p, argv[0], &x, err, errlen) || !num_in_bounds(p, x, err, errlen)) return -1;
        if (p->check && (why = p->check(NULL, x))) break;
        if (!apply) return 0;
        if (p->type == P_INT)
            *(int *)p->ptr = (int)x;
        else
            *(long long *)p->ptr = x;
        goto stored;
    }
    case P_STR:
        if (strlen(argv[0]) >= p->strsize) {
            snprintf(err, errlen, "argument too long");
            return -1;
        }
        if (p->check && (why = p->check(argv[0], 0))) break;
        if (!apply) return 0;
        pthread_mutex_lock(&cfg_lock);
        memcpy(p->ptr, argv[0], strlen(argv[0]) + 1);
        pthread_mutex_unlock(&cfg_lock);
        goto stored;
    case P_ENUM: {
        int v;
        if (!enum_parse(p, argc, argv, &v)) { /* (one name unless PF_MULTI) */
            enum_error(p, err, errlen);
            return -1;
        }
        if (p->check && (why = p->check(NULL, v))) break;
        if (apply) *(int *)p->ptr = v;
        goto stored;
    }
    case P_SPECIAL:
        if (p->set(argc, argv, apply, err, errlen) != 0) return -1;
        goto stored;
    }
    snprintf(err, errlen, "%s", why ? why : "invalid argument");
    return -1;
stored:
    if (apply && p->applied) p->applied(!loading);
    return 0;
}

void param_get(const struct param *p, char *buf, size_t len)
{
    switch (p->type) {
    case P_BOOL: snprintf(buf, len, "%s", *(int *)p->ptr ? "yes" : "no"); break;
    case P_INT:
    case P_LL: {
        long long v = p->type == P_INT ? *(int *)p->ptr : *(long long *)p->ptr;
        if ((p->num & N_PERCENT) && v < 0)
            snprintf(buf, len, "%lld%%", -v);
        else if (p->num & N_MEM)
            snprintf(buf, len, "%llu", (unsigned long long)v);
        else if (p->num & N_OCTAL)
            snprintf(buf, len, "%llo", (unsigned long long)v);
        else
            snprintf(buf, len, "%lld", v);
        break;
    }
    case P_STR:
        pthread_mutex_lock(&cfg_lock);
        snprintf(buf, len, "%s", (const char *)p->ptr);
        pthread_mutex_unlock(&cfg_lock);
        break;
    case P_ENUM: enum_format(p, *(int *)p->ptr, buf, len); break;
    case P_SPECIAL: p->get(buf, len); break;
    }
}

/* A CONFIG SET value as arguments: a multi-argument parameter's value is
 * split on single spaces (sdssplitlen: "a  b" has an empty middle
 * argument, "" has none). `store` holds strlen(value) + 1 bytes. */
static int set_args(const struct param *p, const char *value, char **argv, int max, char *store)
{
    if (!(p->flags & PF_MULTI)) {
        strcpy(store, value);
        argv[0] = store;
        return 1;
    }
    if (!*value) return 0;
    int argc = 0;
    strcpy(store, value);
    for (char *s = store;; s++) {
        if (argc == max) return -1;
        argv[argc++] = s;
        s = strchr(s, ' ');
        if (!s) break;
        *s = '\0';
    }
    return argc;
}

#define MAX_ARGS 128

/* check (apply = false) or store one CONFIG SET value */
static int param_set_value(struct param *p, const char *value, bool apply, char *err, size_t errlen)
{
    char *argv[MAX_ARGS];
    char *store = malloc(strlen(value) + 1);
    if (!store) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int argc = set_args(p, value, argv, MAX_ARGS, store);
    int rc;
    if (argc < 0) {
        snprintf(err, errlen, "wrong number of arguments");
        rc = -1;
    } else {
        rc = param_apply(p, argc, argv, apply, err, errlen);
    }
    free(store);
    return rc;
}

/* ---- defaults ---- */

static void config_defaults(void)
{
    char err[256], buf[4096];
    loading = true;
    memset(&cfg, 0, sizeof(cfg));
    if (!canon_default) canon_default = calloc(nparams, sizeof(*canon_default));
    for (size_t i = 0; i < nparams; i++) {
        struct param *p = &params[i];
        if (p->deflt) {
            char *argv[MAX_ARGS], store[1024];
            int argc = (p->flags & PF_MULTI) ? config_split_args(p->deflt, argv, MAX_ARGS, store)
                                             : (argv[0] = strcpy(store, p->deflt), 1);
            if (argc < 0 || param_apply(p, argc, argv, true, err, sizeof(err)) != 0) {
                fprintf(stderr, "bad default for %s: %s\n", p->name, err);
                abort();
            }
        }
    }
    cfg.active_expire = 1;
    if (!getcwd(cfg.dir, sizeof(cfg.dir))) snprintf(cfg.dir, sizeof(cfg.dir), ".");
    for (size_t i = 0; i < nparams && canon_default; i++) {
        param_get(&params[i], buf, sizeof(buf));
        free(canon_default[i]);
        canon_default[i] = strdup(buf);
    }
}

/* ---- CONFIG SET ---- */

/* A PF_NOLIVE parameter may be "set" to its current value only. */
static bool nolive_change(const struct param *p, const char *value, char *err, size_t errlen)
{
    if (!(p->flags & PF_NOLIVE)) return false;
    char cur[4096];
    param_get(p, cur, sizeof(cur));
    if (!strcmp(cur, value)) return false;
    snprintf(err, errlen, "Slipstream applies this config at start-up only");
    return true;
}

int config_set(const char *name, const char *value, char *err, size_t errlen)
{
    struct param *p = param_find(name);
    if (!p) {
        snprintf(err, errlen, "Unknown option or number of arguments for CONFIG SET - '%s'", name);
        return -1;
    }
    if (p->flags & PF_IMMUTABLE) {
        snprintf(err, errlen, "can't set immutable config");
        return -1;
    }
    if ((p->flags & PF_PROTECTED) && !cfg.enable_protected_configs) {
        snprintf(err, errlen, "can't set protected config");
        return -1;
    }
    if (nolive_change(p, value, err, errlen)) return -1;
    if (param_set_value(p, value, false, err, errlen) != 0) return -1;
    return param_set_value(p, value, true, err, errlen);
}

/* Redis registers an alias as a config of its own: naming a parameter and
 * its alias in one CONFIG SET is not a duplicate, and an error names the
 * alias when the alias was used. */
static const char *entry_name(const struct param *p, const char *typed)
{
    return p->alias && !strcasecmp(typed, p->alias) ? p->alias : p->name;
}

int config_set_multi(int n, const char *const *names, const char *const *values, bool local,
                     char *err, size_t errlen)
{
    struct param **ps = calloc((size_t)n, sizeof(*ps));
    if (!ps) {
        snprintf(err, errlen, "CONFIG SET failed - out of memory");
        return -1;
    }
    /* configSetCommand's first pass: the first unknown name wins unless a
     * refused one came before it; then immutable/protected and duplicates,
     * by position */
    const char *unknown = NULL, *errarg = NULL, *why = NULL;
    bool invalid = false;
    bool protected_ok =
        cfg.enable_protected_configs == 1 || (cfg.enable_protected_configs == 2 && local);
    for (int i = 0; i < n; i++) {
        struct param *p = param_find(names[i]);
        if (!p) {
            if (!invalid) unknown = names[i];
            invalid = true;
            continue;
        }
        if (invalid) continue;
        if ((p->flags & PF_IMMUTABLE) || ((p->flags & PF_PROTECTED) && !protected_ok)) {
            why = (p->flags & PF_IMMUTABLE) ? "can't set immutable config"
                                            : "can't set protected config";
            errarg = names[i];
            invalid = true;
            continue;
        }
        for (int j = 0; j < i; j++) {
            if (ps[j] == p && entry_name(p, names[j]) == entry_name(p, names[i])) {
                why = "duplicate parameter";
                errarg = names[i];
                invalid = true;
                break;
            }
        }
        ps[i] = p;
    }
    int rc = -1;
    char reason[1024];
    if (unknown) {
        snprintf(err, errlen, "Unknown option or number of arguments for CONFIG SET - '%s'",
                 unknown);
        goto out;
    }
    if (invalid) {
        snprintf(err, errlen, "CONFIG SET failed (possibly related to argument '%s') - %s", errarg,
                 why);
        goto out;
    }
    /* every value is checked before any is stored, so a failed call
     * changes nothing (Redis sets, then restores its backups) */
    for (int i = 0; i < n; i++) {
        if (param_set_value(ps[i], values[i], false, reason, sizeof(reason)) != 0 ||
            nolive_change(ps[i], values[i], reason, sizeof(reason))) {
            snprintf(err, errlen, "CONFIG SET failed (possibly related to argument '%s') - %s",
                     entry_name(ps[i], names[i]), reason);
            goto out;
        }
    }
    for (int i = 0; i < n; i++) {
        if (param_set_value(ps[i], values[i], true, reason, sizeof(reason)) != 0) {
            /* only a failing chdir or data-plane call gets here */
            snprintf(err, errlen, "CONFIG SET failed (possibly related to argument '%s') - %s",
                     entry_name(ps[i], names[i]), reason);
            goto out;
        }
    }
    rc = 0;
out:
    free(ps);
    return rc;
}

/* ---- CONFIG GET ---- */

bool config_get(const char *name, char *buf, size_t len)
{
    struct param *p = param_find(name);
    if (!p) return false;
    param_get(p, buf, len);
    return true;
}

void config_get_multi(int n, const char *const *pats, const size_t *lens,
                      void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
    /* names already replied, compared case-insensitively as Redis's
     * matches dict does: an exact name is shown as typed */
    const char **seen = calloc(2 * nparams + (size_t)n, sizeof(*seen));
    size_t nseen = 0;
    if (!seen) return;
    char buf[4096];
    for (int i = 0; i < n; i++) {
        const char *pat = pats[i];
        bool glob =
            memchr(pat, '*', lens[i]) || memchr(pat, '?', lens[i]) || memchr(pat, '[', lens[i]);
        if (!glob) {
            bool dup = false;
            for (size_t k = 0; k < nseen && !dup; k++) dup = !strcasecmp(seen[k], pat);
            const struct param *p = strlen(pat) == lens[i] ? param_find(pat) : NULL;
            if (dup || !p) continue;
            seen[nseen++] = pat;
            param_get(p, buf, sizeof(buf));
            fn(pat, buf, arg);
            continue;
        }
        for (size_t j = 0; j < nparams; j++) {
            const struct param *p = &params[j];
            if (p->flags & PF_HIDDEN) continue; /* hidden: exact names only */
            const char *names[2] = {p->name, p->alias};
            for (int a = 0; a < 2; a++) {
                const char *nm = names[a];
                if (!nm || !str_match(pat, lens[i], nm, strlen(nm), true)) continue;
                bool dup = false;
                for (size_t k = 0; k < nseen && !dup; k++) dup = !strcasecmp(seen[k], nm);
                if (dup) continue;
                seen[nseen++] = nm;
                param_get(p, buf, sizeof(buf));
                fn(nm, buf, arg);
            }
        }
    }
    free(seen);
}

/* ---- reading the configuration ---- */

/* The loader's state: the error being built, and what the "user" lines
 * asked for (Slipstream has no ACLs: only the default user with every
 * permission is accepted; see load_user). */
struct loader {
    char *err;
    size_t errlen;
    int depth; /* include nesting */
    bool user_hash;
    bool user_pass;
};

#define MAX_INCLUDE_DEPTH 16

static int load_string(struct loader *ld, char *text);

/* Read a file, or every file a glob matches (none is fine, as for an empty
 * conf.d), into one string. NULL with ld->err set if one cannot be read. */
static char *read_files(struct loader *ld, const char *pattern)
{
    glob_t g;
    bool wild = strpbrk(pattern, "*?[") != NULL;
    const char *const *paths = &pattern;
    size_t npaths = 1;
    if (wild) {
        if (glob(pattern, 0, NULL, &g) != 0) return strdup("");
        paths = (const char *const *)g.gl_pathv;
        npaths = g.gl_pathc;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    for (size_t i = 0; m && i < npaths; i++) {
        FILE *f = fopen(paths[i], "r");
        if (!f) {
            snprintf(ld->err, ld->errlen, "Fatal error, can't open config file '%s': %s", paths[i],
                     strerror(errno));
            fclose(m);
            free(text);
            text = NULL;
            m = NULL;
            break;
        }
        char buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof(buf), f)) > 0) fwrite(buf, 1, got, m);
        fclose(f);
    }
    if (m) fclose(m);
    if (wild) globfree(&g);
    if (!text && !ld->err[0]) snprintf(ld->err, ld->errlen, "out of memory");
    return text;
}

static int load_include(struct loader *ld, const char *path)
{
    if (ld->depth >= MAX_INCLUDE_DEPTH) {
        snprintf(ld->err, ld->errlen,
                 "Fatal error: include files nested more than %d deep (at '%s')", MAX_INCLUDE_DEPTH,
                 path);
        return -1;
    }
    char *text = read_files(ld, path);
    if (!text) return -1;
    ld->depth++;
    int rc = load_string(ld, text);
    ld->depth--;
    free(text);
    return rc;
}

/* "user default ..." lines, as Redis's CONFIG REWRITE writes them ("user
 * default on nopass ~* &* +@all"), are accepted when they leave the default
 * user with every permission; a password (">pw") is the requirepass, a
 * password hash ("#...") is accepted only beside a requirepass (checked
 * once the configuration is read). Anything else needs ACLs, which
 * Slipstream does not have yet: refused, with Redis's message shape. */
static const char *load_user(struct loader *ld, int argc, char **argv, int *bad)
{
    static const char *const full[] = {"on",
                                       "nopass",
                                       "~*",
                                       "allkeys",
                                       "%RW~*",
                                       "&*",
                                       "allchannels",
                                       "+@all",
                                       "allcommands",
                                       "sanitize-payload",
                                       "skip-sanitize-payload"};
    *bad = 1;
    if (strcmp(argv[1], "default") != 0) return "Slipstream has no ACL users other than 'default'";
    for (int i = 2; i < argc; i++) {
        *bad = i;
        bool ok = false;
        for (size_t k = 0; k < sizeof(full) / sizeof(full[0]) && !ok; k++)
            ok = !strcmp(argv[i], full[k]);
        if (ok) continue;
        if (argv[i][0] == '>') {
            if (ld->user_pass) return "Slipstream keeps a single password (requirepass)";
            if (strlen(argv[i] + 1) >= sizeof(cfg.requirepass)) return "argument too long";
            snprintf(cfg.requirepass, sizeof(cfg.requirepass), "%s", argv[i] + 1);
            ld->user_pass = true;
            continue;
        }
        if (argv[i][0] == '#' && strlen(argv[i]) == 65) {
            ld->user_hash = true;
            continue;
        }
        return "Slipstream has no ACLs yet: only the default user with every permission is "
               "accepted";
    }
    return NULL;
}

static const char *fatal_header(void)
{
    return "\n*** FATAL CONFIG FILE ERROR (Redis " SS_REDIS_VERSION ") ***\n";
}

/* loadServerConfigFromString: line by line; an error names the line. */
static int load_string(struct loader *ld, char *text)
{
    static const char *const deprecated[] = {"list-max-ziplist-entries", "list-max-ziplist-value",
                                             "lua-replicate-commands"};
    config_reading_file = true;
    int lineno = 0;
    char *next = text;
    char msg[1024];
    while (next) {
        char *line = next;
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl) *nl = '\0';
        lineno++;
        /* sdstrim(" \t\r\n") */
        while (*line && strchr(" \t\r\n", *line)) line++;
        size_t len = strlen(line);
        while (len && strchr(" \t\r\n", line[len - 1])) line[--len] = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;

        char *argv[MAX_ARGS];
        char *store = malloc(len + 1);
        if (!store) {
            snprintf(ld->err, ld->errlen, "out of memory");
            return -1;
        }
        int argc = config_split_args(line, argv, MAX_ARGS, store);
        const char *why = NULL;
        msg[0] = '\0';
        if (argc < 0) {
            why = "Unbalanced quotes in configuration line";
            goto bad;
        }
        if (argc == 0) {
            free(store);
            continue;
        }
        for (char *c = argv[0]; *c; c++) *c = (char)tolower((unsigned char)*c);

        struct param *p = param_find(argv[0]);
        if (p) {
            if (!(p->flags & PF_MULTI) && argc != 2) {
                why = "wrong number of arguments";
                goto bad;
            }
            int rc;
            if ((p->flags & PF_MULTI) && argc == 2 && argv[1][0]) {
                /* one argument holding several ("--save '60 1'") */
                char *sub[MAX_ARGS];
                char *substore = malloc(strlen(argv[1]) + 1);
                int subc = substore ? config_split_args(argv[1], sub, MAX_ARGS, substore) : -1;
                if (subc < 0) subc = 0;
                rc = param_apply(p, subc, sub, true, msg, sizeof(msg));
                free(substore);
            } else {
                rc = param_apply(p, argc - 1, argv + 1, true, msg, sizeof(msg));
            }
            if (rc != 0) {
                why = msg;
                goto bad;
            }
            free(store);
            continue;
        }
        bool skip = false;
        for (size_t k = 0; k < sizeof(deprecated) / sizeof(deprecated[0]); k++)
            skip |= argc == 2 && !strcmp(argv[0], deprecated[k]);
        if (skip) {
            free(store);
            continue;
        }

        if (!strcmp(argv[0], "include") && argc == 2) {
            /* the included file's own message on failure; afterwards
             * config_reading_file stays false, as Redis leaves it */
            if (load_include(ld, argv[1]) != 0) {
                free(store);
                return -1;
            }
        } else if (!strcmp(argv[0], "rename-command") && argc == 3) {
            if ((why = cmdtable_rename(argv[1], argv[2]))) goto bad;
        } else if (!strcmp(argv[0], "user") && argc >= 2) {
            int badarg;
            const char *e = load_user(ld, argc, argv, &badarg);
            if (e) {
                snprintf(msg, sizeof(msg), "Error in user declaration '%s': %s", argv[badarg], e);
                why = msg;
                goto bad;
            }
        } else if (!strcmp(argv[0], "loadmodule") && argc >= 2) {
            why = "Slipstream does not load modules";
            goto bad;
        } else if (strchr(argv[0], '.')) {
            why = argc < 2 ? "Module config specified without value"
                           : "Module Configuration detected without loadmodule directive or no "
                             "ApplyConfig call: aborting";
            goto bad;
        } else if (!strcmp(argv[0], "sentinel")) {
            /* alone, it is the sentinel-mode switch redis-server reads */
            if (argc != 1) {
                why = "sentinel directive while not in sentinel mode";
                goto bad;
            }
        } else {
            why = "Bad directive or wrong number of arguments";
            goto bad;
        }
        free(store);
        continue;
    bad:
        snprintf(ld->err, ld->errlen, "%sReading the configuration file, at line %d\n>>> '%s'\n%s",
                 fatal_header(), lineno, line, why);
        free(store);
        return -1;
    }
    /* the log file must open now: the server cannot stop for it later */
    if (cfg.logfile[0]) {
        FILE *f = fopen(cfg.logfile, "a");
        if (!f) {
            snprintf(ld->err, ld->errlen, "%sCan't open the log file: %s", fatal_header(),
                     strerror(errno));
            return -1;
        }
        fclose(f);
    }
    /* as Redis's loader, which an include leaves in this state too: later
     * "save" lines of the including file replace instead of adding */
    config_reading_file = false;
    return 0;
}

/* getAbsolutePath: relative to the working directory, "./" and "../"
 * folded; no symlink is resolved (INFO shows the path as given). */
static void absolute_path(const char *path, char *out, size_t len)
{
    char cwd[1024];
    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd))) {
        snprintf(out, len, "%s", path);
        return;
    }
    char tmp[2200];
    snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
    /* fold "." and ".." components */
    char *parts[256];
    int np = 0;
    char *save;
    for (char *t = strtok_r(tmp, "/", &save); t && np < 256; t = strtok_r(NULL, "/", &save)) {
        if (!strcmp(t, ".")) continue;
        if (!strcmp(t, "..")) {
            if (np) np--;
            continue;
        }
        parts[np++] = t;
    }
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < np && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "/%s", parts[i]);
    if (!np) snprintf(out, len, "/");
}

/* sdscatrepr into a growing buffer */
static void cat_repr(FILE *m, const char *v)
{
    char buf[8192];
    config_format_repr(buf, sizeof(buf), v);
    fputs(buf, m);
}

int config_load(int argc, char **argv, char *err, size_t errlen)
{
    config_defaults();
    config_umask = (unsigned)umask(0);
    umask((mode_t)config_umask);
    err[0] = '\0';
    struct loader ld = {.err = err, .errlen = errlen};
    int j = 1;
    char *path = NULL;
    if (argc > 1 && argv[1][0] != '-') {
        /* the first argument, if not an option, is the config file */
        absolute_path(argv[1], cfg.config_file, sizeof(cfg.config_file));
        path = cfg.config_file;
        j = 2;
    }
    /* every "--name value..." becomes a line "name "value" ..." appended
     * to the file's text, as redis-server's main() builds its options */
    char *opts = NULL;
    size_t optslen = 0;
    FILE *m = open_memstream(&opts, &optslen);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    bool from_stdin = false, handled_last = true, any = false;
    for (; j < argc; j++) {
        const char *a = argv[j];
        if (a[0] == '-' && a[1] == '\0' && (j == 1 || j == argc - 1)) {
            from_stdin = true;
        } else if (handled_last && a[0] == '-' && a[1] == '-') {
            if (any) fputc('\n', m);
            any = true;
            fprintf(m, "%s ", a + 2);
            char *sv[MAX_ARGS], *store = malloc(strlen(a) + 1);
            int n = store ? config_split_args(a, sv, MAX_ARGS, store) : 1;
            free(store);
            if (n == 1) {
                /* a name alone ("--port"): its value follows. "--save"
                 * followed by another option, or last, means save "" */
                handled_last = false;
                bool next_is_opt = j != argc - 1 && argv[j + 1][0] == '-' && argv[j + 1][1] == '-';
                if (!strcasecmp(a, "--save") && (next_is_opt || j == argc - 1)) {
                    fputs("\"\"", m);
                    handled_last = next_is_opt;
                } else if (!strcasecmp(a, "--sentinel") && (next_is_opt || j == argc - 1)) {
                    handled_last = next_is_opt;
                }
            } else {
                handled_last = true; /* "--port 6380" in one argument */
            }
        } else {
            cat_repr(m, a);
            fputc(' ', m);
            handled_last = any = true;
        }
    }
    fclose(m);

    char *text = NULL;
    size_t textlen = 0;
    FILE *t = open_memstream(&text, &textlen);
    if (!t) {
        free(opts);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (path) {
        char *file = read_files(&ld, path);
        if (!file) {
            fclose(t);
            free(text);
            free(opts);
            return -1;
        }
        fputs(file, t);
        free(file);
    }
    if (from_stdin) {
        char buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof(buf), stdin)) > 0) fwrite(buf, 1, got, t);
    }
    if (optslen) {
        fputc('\n', t);
        fputs(opts, t);
    }
    fclose(t);
    free(opts);

    int rc = load_string(&ld, text);
    free(text);
    loading = false;
    if (rc != 0) return -1;
    if (ld.user_hash && !cfg.requirepass[0]) {
        snprintf(err, errlen,
                 "%sError in user declaration 'default': a password hash needs requirepass "
                 "beside it (Slipstream has no ACLs yet)",
                 fatal_header());
        return -1;
    }
    return 0;
}

/* ---- the start-up report ---- */

int config_save_points(long long sec[], long long chg[], int max)
{
    pthread_mutex_lock(&cfg_lock);
    int n = cfg.nsaveparams < max ? cfg.nsaveparams : max;
    for (int i = 0; i < n; i++) {
        sec[i] = cfg.saveparams[i].seconds;
        chg[i] = cfg.saveparams[i].changes;
    }
    pthread_mutex_unlock(&cfg_lock);
    return n;
}

void config_report_inert(void (*log)(const char *name, const char *value))
{
    char buf[4096];
    for (size_t i = 0; i < nparams; i++) {
        const struct param *p = &params[i];
        if (!(p->flags & PF_INERT)) continue;
        param_get(p, buf, sizeof(buf));
        if (!strcmp(buf, param_default(p))) continue;
        log(p->name, (p->flags & PF_SENSITIVE) ? "(hidden)" : buf);
    }
}

/* ---- docs/configuration.md ---- */

static void type_of(const struct param *p, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    switch (p->type) {
    case P_BOOL: snprintf(buf, len, "yes/no"); return;
    case P_STR: snprintf(buf, len, "string"); return;
    case P_SPECIAL: snprintf(buf, len, "special"); return;
    case P_ENUM:
        o = (size_t)snprintf(buf, len, "%s", (p->flags & PF_MULTI) ? "one or more of " : "");
        for (const struct enum_val *e = p->enums; e->name && o < len; e++)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", e == p->enums ? "" : ", ", e->name);
        return;
    case P_INT:
    case P_LL: break;
    }
    const char *kind = (p->num & N_PERCENT) ? "memory or percent"
                       : (p->num & N_MEM)   ? "memory"
                       : (p->num & N_OCTAL) ? "octal"
                                            : "integer";
    if (p->num & N_OCTAL)
        snprintf(buf, len, "%s, %llo .. %llo", kind, (unsigned long long)p->min,
                 (unsigned long long)p->max);
    else if (p->num & N_UNSIGNED)
        snprintf(buf, len, "%s, %llu .. %llu", kind, (unsigned long long)p->min,
                 (unsigned long long)p->max);
    else if (p->num & N_PERCENT)
        snprintf(buf, len, "%s, 0 .. %lld or 0%% .. %lld%%", kind, p->max, -p->min);
    else
        snprintf(buf, len, "%s, %lld .. %lld", kind, p->min, p->max);
}

void config_write_docs(FILE *f)
{
    fputs("# Configuration\n\n"
          "Generated by `slipstream --dump-config-docs` from the parameter table in\n"
          "`app/config_table.c`; the `config-docs` test fails when this file and the table\n"
          "differ.\n\n"
          "Slipstream reads redis.conf: every parameter of Redis 7.0 is accepted with\n"
          "Redis's syntax, bounds, defaults, aliases and error messages, and so are\n"
          "`include` (nested; a relative path is relative to the working directory at\n"
          "that line, which `dir` changes at once, as in Redis; a glob may match no\n"
          "file) and `rename-command` (to `\"\"` removes the command). A `user` line is\n"
          "accepted only for the default user with every permission (as Redis's CONFIG\n"
          "REWRITE writes it); `loadmodule` is refused. Parameters are set in a file\n"
          "(`slipstream /path/to/redis.conf`), as `--name value` on the command line\n"
          "(read as more lines after the file), or at runtime with `CONFIG SET` unless\n"
          "marked *start-up only*. Memory values accept the units `k kb m mb g gb`\n"
          "(`k` = 1000, `kb` = 1024), as in Redis.\n\n"
          "The *effective* column says whether Slipstream acts on a parameter yet. One\n"
          "marked *accepted, not yet effective* is parsed, checked, answered by CONFIG\n"
          "GET and written by CONFIG REWRITE like any other, but nothing uses its value\n"
          "yet; the server logs each of them that is set to something other than its\n"
          "default once at start. Hidden parameters answer CONFIG GET by their exact\n"
          "name only, as in Redis.\n\n"
          "| parameter | type | default | runtime | effective | description |\n"
          "| --- | --- | --- | --- | --- | --- |\n",
          f);
    for (size_t i = 0; i < nparams; i++) {
        const struct param *p = &params[i];
        char type[512];
        type_of(p, type, sizeof(type));
        const char *rt = (p->flags & PF_IMMUTABLE) ? "start-up only"
                         : (p->flags & PF_NOLIVE)
                             ? "start-up only (SET to the current value is accepted)"
                         : (p->flags & PF_PROTECTED) ? "yes, if enable-protected-configs allows"
                                                     : "yes";
        const char *eff = (p->flags & PF_INERT)  ? "accepted, not yet effective"
                          : (p->flags & PF_OURS) ? "yes (Slipstream only)"
                                                 : "yes";
        const char *deflt = p->deflt && p->deflt[0]   ? p->deflt
                            : !strcmp(p->name, "dir") ? "the working directory"
                                                      : "\"\"";
        fprintf(f, "| `%s`%s%s%s%s | %s | `%s` | %s | %s | %s |\n", p->name,
                p->alias ? " (alias `" : "", p->alias ? p->alias : "", p->alias ? "`)" : "",
                (p->flags & PF_HIDDEN) ? " (hidden)" : "", type, deflt, rt, eff,
                p->doc ? p->doc : "");
    }
}
