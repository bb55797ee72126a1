/* aof_load.c — replaying an AOF file into the keyspace through the
 * session-free executor (store/exec.h), as Redis's loadSingleAppendOnlyFile
 * does with its fake client.
 *
 * A file is a sequence of multibulk commands; '#' lines (annotations such
 * as #TS:) are skipped. MULTI..EXEC is collected and run when EXEC comes.
 * The end of the file inside a command, or inside a MULTI, is a truncated
 * file: with `truncated_ok` (aof-load-truncated yes, last file only) the
 * file is cut back to the last complete command (before the MULTI) and
 * loading succeeds with a warning; otherwise it fails. Anything else
 * malformed fails with the offset. Commands run with EXEC_NO_LOG (loading
 * is not a change to log) and EXEC_REPLAY (expiry times apply as given). */
#include "aof_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "exec.h"
#include "reply.h"

#define MAX_LINE 512 /* a *N or $N line */

struct argbuf {
    struct sarg *argv;
    char **bufs;
    int argc, cap;
};

struct queued {
    struct argbuf *v;
    int n, cap;
};

static void argbuf_free(struct argbuf *a)
{
    for (int i = 0; i < a->argc; i++) free(a->bufs[i]);
    free(a->bufs);
    free(a->argv);
    memset(a, 0, sizeof(*a));
}

static bool argbuf_room(struct argbuf *a, int n)
{
    if (n <= a->cap) return true;
    struct sarg *v = realloc(a->argv, sizeof(*v) * (size_t)n);
    if (!v) return false;
    a->argv = v;
    char **b = realloc(a->bufs, sizeof(*b) * (size_t)n);
    if (!b) return false;
    a->bufs = b;
    a->cap = n;
    return true;
}

/* Read "<c><number>\r\n". 1 ok, 0 end of file, -1 bad format. */
static int read_number_line(FILE *fp, char c, long long *out)
{
    char line[MAX_LINE];
    if (!fgets(line, sizeof(line), fp)) return 0;
    size_t len = strlen(line);
    if (len < 3 || line[len - 1] != '\n' || line[len - 2] != '\r') return feof(fp) ? 0 : -1;
    if (line[0] != c) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(line + 1, &end, 10);
    if (errno || end != line + len - 2) return -1;
    *out = v;
    return 1;
}

enum { RD_OK = 1, RD_EOF = 0, RD_TRUNC = -1, RD_BAD = -2 };

/* One command into a. */
static int read_command(FILE *fp, struct argbuf *a)
{
    for (int i = 0; i < a->argc; i++) free(a->bufs[i]);
    a->argc = 0;
    int c;
    /* annotations and stray newlines between commands */
    for (;;) {
        c = getc(fp);
        if (c == EOF) return RD_EOF;
        if (c == '#') {
            char line[MAX_LINE];
            do {
                if (!fgets(line, sizeof(line), fp)) return RD_TRUNC;
            } while (!strchr(line, '\n'));
            continue;
        }
        break;
    }
    if (c != '*') return RD_BAD;
    ungetc(c, fp);
    long long argc;
    int r = read_number_line(fp, '*', &argc);
    if (r == 0) return RD_TRUNC;
    if (r < 0 || argc < 1 || argc > 1024 * 1024) return RD_BAD;
    if (!argbuf_room(a, (int)argc)) return RD_BAD;
    for (long long i = 0; i < argc; i++) {
        long long len;
        r = read_number_line(fp, '$', &len);
        if (r == 0) return RD_TRUNC;
        if (r < 0 || len < 0 || len > (1LL << 32)) return RD_BAD;
        char *p = malloc((size_t)len + 2);
        if (!p) return RD_BAD;
        a->bufs[a->argc] = p;
        a->argv[a->argc].p = p;
        a->argv[a->argc].len = (size_t)len;
        a->argc++;
        if (fread(p, 1, (size_t)len + 2, fp) != (size_t)len + 2) return RD_TRUNC;
        if (p[len] != '\r' || p[len + 1] != '\n') return RD_BAD;
    }
    return RD_OK;
}

static bool is(const struct sarg *a, const char *w)
{
    size_t n = strlen(w);
    return a->len == n && strncasecmp(a->p, w, n) == 0;
}

struct runner {
    int db;
    void *thread;
    struct reply r;
    uint64_t commands;
};

/* Run one command; false (with err) for a command the server does not know. */
static bool run(struct runner *rn, struct argbuf *a, const char *path, long off, char *err,
                size_t errlen)
{
    struct exec_ctx x = {.db = rn->db,
                         .r = &rn->r,
                         .flags = EXEC_NO_LOG | EXEC_REPLAY | EXEC_NO_BLOCK,
                         .now_ms = store_mstime(),
                         .thread = rn->thread};
    exec_command(&x, a->argc, a->argv);
    /* replies are discarded, as Redis's fake client's are */
    reply_release(&rn->r);
    reply_init(&rn->r);
    rn->r.off = 0;
    rn->commands++;
    if (!x.cmd) {
        snprintf(err, errlen,
                 "Unknown command '%.*s' reading the append only file %s at offset %ld",
                 (int)(a->argv[0].len < 64 ? a->argv[0].len : 64), a->argv[0].p, path, off);
        return false;
    }
    rn->db = x.db;
    return true;
}

int aof_replay_file(const char *path, long start, bool truncated_ok, void *thread,
                    struct aof_load_stats *st, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "Fatal error: can't open the append log file %s for reading: %s",
                 path, strerror(errno));
        return -1;
    }
    static char iobuf[1 << 20];
    setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf));
    if (start > 0 && fseek(fp, start, SEEK_SET) != 0) {
        snprintf(err, errlen, "Can't seek in the append only file %s: %s", path, strerror(errno));
        fclose(fp);
        return -1;
    }
    struct runner rn = {.db = 0, .thread = thread};
    reply_init(&rn.r);
    struct argbuf cur = {0};
    struct queued q = {0};
    bool in_multi = false;
    long valid_up_to = start, before_multi = start;
    int rc = 0;
    for (;;) {
        long off = ftell(fp);
        int r = read_command(fp, &cur);
        if (r == RD_EOF) break;
        if (r == RD_BAD) {
            snprintf(
                err, errlen,
                "Bad file format reading the append only file %s at offset %ld: make a "
                "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>",
                path, off);
            rc = -1;
            goto out;
        }
        if (r == RD_TRUNC) goto truncated;
        if (is(&cur.argv[0], "MULTI")) {
            in_multi = true;
            before_multi = off;
        } else if (in_multi && is(&cur.argv[0], "EXEC")) {
            for (int i = 0; i < q.n; i++) {
                if (!run(&rn, &q.v[i], path, off, err, errlen)) {
                    rc = -1;
                    goto out;
                }
                argbuf_free(&q.v[i]);
            }
            q.n = 0;
            in_multi = false;
        } else if (in_multi) {
            if (q.n == q.cap) {
                int cap = q.cap ? q.cap * 2 : 16;
                struct argbuf *v = realloc(q.v, sizeof(*v) * (size_t)cap);
                if (!v) {
                    snprintf(err, errlen, "Out of memory loading the append only file %s", path);
                    rc = -1;
                    goto out;
                }
                q.v = v;
                q.cap = cap;
            }
            q.v[q.n++] = cur; /* the queue owns the arguments now */
            memset(&cur, 0, sizeof(cur));
        } else if (!run(&rn, &cur, path, off, err, errlen)) {
            rc = -1;
            goto out;
        }
        if (!in_multi) valid_up_to = ftell(fp);
    }
    if (!in_multi) goto out;
    /* the file ends inside a MULTI: a transaction cut short */
    valid_up_to = before_multi;
truncated:
    if (in_multi) valid_up_to = before_multi;
    if (!truncated_ok) {
        snprintf(err, errlen,
                 "Unexpected end of file reading the append only file %s. You can: 1) Make a "
                 "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                 "2) Alternatively you can set the 'aof-load-truncated' configuration option to "
                 "yes and restart the server.",
                 path);
        rc = AOF_REPLAY_TRUNCATED;
        goto out;
    }
    ctl_log(LOG_WARNING, "!!! Warning: short read while loading the AOF file %s!!!", path);
    ctl_log(LOG_WARNING, "!!! Truncating the AOF %s at offset %ld !!!", path, valid_up_to);
    if (truncate(path, valid_up_to) != 0) {
        snprintf(err, errlen, "Error truncating the AOF file %s: %s", path, strerror(errno));
        rc = -1;
        goto out;
    }
    ctl_log(LOG_WARNING, "AOF %s loaded anyway because aof-load-truncated is enabled", path);
    if (st) st->truncated = true;
out:
    if (st) st->commands += rn.commands;
    for (int i = 0; i < q.n; i++) argbuf_free(&q.v[i]);
    free(q.v);
    argbuf_free(&cur);
    reply_release(&rn.r);
    fclose(fp);
    return rc;
}
