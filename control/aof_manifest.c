/* aof_manifest.c — the AOF manifest (Redis 7.0's format, aof.c):
 *
 *     file appendonly.aof.1.base.rdb seq 1 type b
 *     file appendonly.aof.1.incr.aof seq 1 type i
 *
 * One line per file, base first, then history, then incremental files in
 * increasing seq; '#' lines are comments; a file name needing quotes is
 * written as Redis's sdscatrepr writes it (and read back with the same
 * rules as the configuration file's). Written to a temp file, fsynced and
 * renamed over the manifest, then the directory is fsynced. */
#include "aof_manifest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MANIFEST_MAX_LINE 1024

void aofm_init(struct aof_manifest *m)
{
    memset(m, 0, sizeof(*m));
}

void aofm_free(struct aof_manifest *m)
{
    free(m->hist);
    free(m->incr);
    memset(m, 0, sizeof(*m));
}

static bool push(struct aof_file **v, int *n, const struct aof_file *f)
{
    struct aof_file *nv = realloc(*v, sizeof(**v) * (size_t)(*n + 1));
    if (!nv) return false;
    nv[*n] = *f;
    *v = nv;
    (*n)++;
    return true;
}

bool aofm_add_incr(struct aof_manifest *m, const struct aof_file *f)
{
    if (!push(&m->incr, &m->nincr, f)) return false;
    m->incr_seq = f->seq;
    return true;
}

bool aofm_add_hist(struct aof_manifest *m, const struct aof_file *f)
{
    return push(&m->hist, &m->nhist, f);
}

/* Split a manifest line into words as sdssplitargs does (quotes, \xHH). */
static int split(const char *s, char words[][MANIFEST_MAX_LINE + 1], int max)
{
    int n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s) break;
        if (n == max) return -1;
        char *o = words[n];
        size_t len = 0;
        if (*s == '"') {
            s++;
            while (*s && *s != '"') {
                char c = *s++;
                if (c == '\\' && *s) {
                    c = *s++;
                    if (c == 'x' && isxdigit((unsigned char)s[0]) &&
                        isxdigit((unsigned char)s[1])) {
                        char hex[3] = {s[0], s[1], 0};
                        c = (char)strtol(hex, NULL, 16);
                        s += 2;
                    } else if (c == 'n') {
                        c = '\n';
                    } else if (c == 'r') {
                        c = '\r';
                    } else if (c == 't') {
                        c = '\t';
                    }
                }
                if (len < MANIFEST_MAX_LINE) o[len++] = c;
            }
            if (*s != '"') return -1; /* unbalanced quotes */
            s++;
            if (*s && !isspace((unsigned char)*s)) return -1;
        } else {
            while (*s && !isspace((unsigned char)*s))
                if (len < MANIFEST_MAX_LINE) o[len++] = *s++;
        }
        o[len] = '\0';
        n++;
    }
    return n;
}

int aofm_load(struct aof_manifest *m, const char *path, char *err, size_t errlen)
{
    aofm_init(m);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "Fatal error: can't open the AOF manifest file %s for reading: %s",
                 path, strerror(errno));
        return -1;
    }
    char buf[MANIFEST_MAX_LINE + 2];
    static char words[8][MANIFEST_MAX_LINE + 1];
    int linenum = 0;
    long long maxseq = 0;
    const char *why = NULL;
    while (fgets(buf, sizeof(buf), fp)) {
        linenum++;
        if (buf[0] == '#') continue;
        if (!strchr(buf, '\n')) {
            why = "The AOF manifest file contains too long line";
            break;
        }
        int n = split(buf, words, 8);
        if (n == 0 || n < 6 || (n % 2)) {
            why = "Invalid AOF manifest file format";
            break;
        }
        struct aof_file f = {0};
        for (int i = 0; i + 1 < n; i += 2) {
            if (!strcasecmp(words[i], "file")) {
                if (strchr(words[i + 1], '/')) {
                    why = "File can't be a path, just a filename";
                    break;
                }
                if (strlen(words[i + 1]) >= sizeof(f.name)) {
                    why = "Invalid AOF manifest file format";
                    break;
                }
                memcpy(f.name, words[i + 1], strlen(words[i + 1]) + 1);
            } else if (!strcasecmp(words[i], "seq")) {
                f.seq = atoll(words[i + 1]);
            } else if (!strcasecmp(words[i], "type")) {
                f.type = words[i + 1][0];
            }
        }
        if (why) break;
        if (!f.name[0] || !f.seq || !f.type) {
            why = "Invalid AOF manifest file format";
            break;
        }
        if (f.type == AOF_BASE) {
            if (m->has_base) {
                why = "Found duplicate base file information";
                break;
            }
            m->base = f;
            m->has_base = true;
            m->base_seq = f.seq;
        } else if (f.type == AOF_HIST) {
            aofm_add_hist(m, &f);
        } else if (f.type == AOF_INCR) {
            if (f.seq <= maxseq) {
                why = "Found a non-monotonic sequence number";
                break;
            }
            aofm_add_incr(m, &f);
            maxseq = f.seq;
        } else {
            why = "Unknown AOF file type";
            break;
        }
    }
    if (!why && ferror(fp)) why = "Read AOF manifest failed";
    if (!why && linenum == 0) why = "Found an empty AOF manifest";
    fclose(fp);
    if (why) {
        snprintf(err, errlen, "FATAL AOF MANIFEST FILE ERROR: reading %s, at line %d: %s", path,
                 linenum, why);
        aofm_free(m);
        return -1;
    }
    return 1;
}

/* sdscatrepr-style quoting for names that need it. */
static void put_name(FILE *f, const char *name)
{
    bool plain = name[0] != '\0';
    for (const char *p = name; *p && plain; p++)
        if (!isgraph((unsigned char)*p) || *p == '"' || *p == '\\' || *p == '\'') plain = false;
    if (plain) {
        fputs(name, f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        switch (*p) {
        case '\\': fputs("\\\\", f); break;
        case '"': fputs("\\\"", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (isprint(*p))
                fputc(*p, f);
            else
                fprintf(f, "\\x%02x", *p);
        }
    }
    fputc('"', f);
}

static void put_file(FILE *f, const struct aof_file *a)
{
    fputs("file ", f);
    put_name(f, a->name);
    fprintf(f, " seq %lld type %c\n", a->seq, a->type);
}

int aofm_save(const struct aof_manifest *m, const char *dir, const char *name, char *err,
              size_t errlen)
{
    char tmp[2048], dst[2048];
    snprintf(tmp, sizeof(tmp), "%s/temp-%s", dir, name);
    snprintf(dst, sizeof(dst), "%s/%s", dir, name);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "Can't open the AOF manifest file %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (m->has_base) put_file(f, &m->base);
    for (int i = 0; i < m->nhist; i++) put_file(f, &m->hist[i]);
    for (int i = 0; i < m->nincr; i++) put_file(f, &m->incr[i]);
    int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
    int e = errno;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc == 0 && rename(tmp, dst) != 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        unlink(tmp);
        snprintf(err, errlen, "Error writing the AOF manifest file %s: %s", dst, strerror(e));
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}
