/* rdb_file.c — RDB files: the keyspace walk, safe writing, loading (see
 * rdb_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "control.h"
#include "db.h"
#include "rdb.h"
#include "rdb_file.h"

#define AUTOSYNC_BYTES (4u << 20) /* Redis's REDIS_AUTOSYNC_BYTES */

/* ------------------------------------------------------------------------ */
/* Serializing. */

uint64_t rdbf_write_shard_db(struct rdb_out *o, struct shard *s, int db, enum rdb_usage usage)
{
    uint64_t n = 0;
    struct dict_iter it;
    dict_iter_init(&it, &s->db[db].keys);
    struct dnode *nd;
    while (!o->err && (nd = dict_iter_next(&it))) {
        const struct kentry *e = (const struct kentry *)nd;
        if (rdb_write_entry(o, e->key, e->klen, e->val, e->expire, usage)) n++;
    }
    dict_iter_done(&it);
    return n;
}

int rdbf_write_keyspace_locked(struct rdb_out *o, struct keyspace *ks, const struct rdb_aux *aux,
                               enum rdb_usage usage, uint64_t *keys)
{
    uint64_t total = 0;
    rdb_write_header(o, aux);
    for (unsigned db = 0; db < ks->ndb && !o->err; db++) {
        uint64_t nkeys = 0, nexp = 0;
        for (unsigned i = 0; i < ks->nshards; i++) {
            nkeys += dict_size(&ks->shards[i].db[db].keys);
            nexp += ks->shards[i].db[db].xi.n;
        }
        if (!nkeys) continue;
        rdb_write_db_start(o, (int)db, nkeys, nexp);
        for (unsigned i = 0; i < ks->nshards && !o->err; i++)
            total += rdbf_write_shard_db(o, &ks->shards[i], (int)db, usage);
    }
    if (keys) *keys = total;
    return rdb_write_footer(o);
}

/* ------------------------------------------------------------------------ */
/* Writing a file. */

struct fd_sink {
    int fd;
    uint64_t written, synced;
};

static int fd_write(void *arg, const void *p, size_t n)
{
    struct fd_sink *f = arg;
    const char *b = p;
    while (n) {
        ssize_t w = write(f->fd, b, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (w == 0) return -ENOSPC;
        b += w;
        n -= (size_t)w;
        f->written += (uint64_t)w;
    }
    /* start writeback every 4 MiB so the final fsync does not stall on the
     * whole file (Redis's rdb-save-incremental-fsync) */
    if (f->written - f->synced >= AUTOSYNC_BYTES) {
        if (sync_file_range(f->fd, (off64_t)f->synced, (off64_t)(f->written - f->synced),
                            SYNC_FILE_RANGE_WRITE) < 0 &&
            fdatasync(f->fd) < 0)
            return -errno;
        f->synced = f->written;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int rdbf_save_with(const char *dir, const char *name, const char *tmpname, bool compress,
                   bool checksum, rdbf_walk_fn walk, void *arg, struct rdbf_save_stats *st,
                   char *err, size_t errlen)
{
    int64_t t0 = store_ustime();
    char tmp[2048], dst[2048];
    snprintf(tmp, sizeof(tmp), "%s/%s", dir, tmpname);
    if (name[0] == '/')
        snprintf(dst, sizeof(dst), "%s", name);
    else
        snprintf(dst, sizeof(dst), "%s/%s", dir, name);
    struct fd_sink f = {.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (f.fd < 0) {
        snprintf(err, errlen,
                 "Failed opening the temp RDB file %s (in server root dir %s) for "
                 "saving: %s",
                 tmpname, dir, strerror(errno));
        return -1;
    }
    struct rdb_out o;
    rdb_out_sink(&o, compress, checksum, fd_write, &f);
    uint64_t keys = 0;
    int rc = walk(&o, arg, &keys);
    rdb_out_free(&o);
    const char *op = NULL;
    if (rc < 0) {
        op = "rdbSaveRio";
        errno = -rc;
    } else if (fsync(f.fd) < 0) {
        op = "fsync";
    }
    int e = errno;
    if (close(f.fd) < 0 && !op) {
        op = "fclose";
        e = errno;
    }
    if (op) {
        if (rc == -ENOTSUP)
            snprintf(err, errlen,
                     "Write error saving DB on disk(%s): a value of a type that "
                     "cannot be saved yet (stream)",
                     op);
        else
            snprintf(err, errlen, "Write error saving DB on disk(%s): %s", op, strerror(e));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, dst) < 0) {
        snprintf(err, errlen,
                 "Error moving temp DB file %s on the final destination %s (in server "
                 "root dir %s): %s",
                 tmpname, name, dir, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (fsync_dir(dir) < 0) {
        snprintf(err, errlen, "Write error saving DB on disk(fsyncFileDir): %s", strerror(errno));
        return -1;
    }
    if (st) {
        st->bytes = f.written;
        st->keys = keys;
        st->usec = store_ustime() - t0;
    }
    return 0;
}

struct locked_walk {
    struct keyspace *ks;
    const struct rdb_aux *aux;
    enum rdb_usage usage;
};

static int walk_locked(struct rdb_out *o, void *arg, uint64_t *keys)
{
    struct locked_walk *w = arg;
    return rdbf_write_keyspace_locked(o, w->ks, w->aux, w->usage, keys);
}

int rdbf_save_locked(struct keyspace *ks, const char *dir, const char *name, bool compress,
                     bool checksum, const struct rdb_aux *aux, enum rdb_usage usage,
                     struct rdbf_save_stats *st, char *err, size_t errlen)
{
    char tmpname[64];
    snprintf(tmpname, sizeof(tmpname), "temp-%d.rdb", (int)getpid());
    struct locked_walk w = {ks, aux, usage};
    return rdbf_save_with(dir, name, tmpname, compress, checksum, walk_locked, &w, st, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* Loading. */

static int file_read(void *arg, void *dst, size_t n)
{
    FILE *fp = arg;
    if (fread(dst, 1, n, fp) == n) return 0;
    return ferror(fp) ? -EIO : -ENODATA;
}

/* Redis's objectSetLRUOrLFU for a loaded key. */
static void set_usage(struct sobj *v, long long freq, long long idle)
{
    if (obj_lfu_policy) {
        if (freq >= 0) {
            v->lfu = (uint16_t)freq;
            v->atime = obj_clock;
        }
    } else if (idle >= 0) {
        v->atime = obj_clock - (uint32_t)idle;
    }
}

/* Module v2 data carries its own opcodes, so it can be walked without the
 * module (Redis's rdbLoadCheckModuleValue): used to skip module AUX. */
static bool skip_module_value(struct rdb_in *in)
{
    for (;;) {
        uint64_t op;
        if (!rdb_read_len(in, &op, NULL)) return false;
        switch (op) {
        case 0: return true; /* EOF */
        case 1:
        case 2: { /* signed / unsigned integer */
            uint64_t v;
            if (!rdb_read_len(in, &v, NULL)) return false;
            break;
        }
        case 3: { /* float */
            unsigned char b[4];
            if (!rdb_read(in, b, 4)) return false;
            break;
        }
        case 4: { /* double */
            unsigned char b[8];
            if (!rdb_read(in, b, 8)) return false;
            break;
        }
        case 5: { /* string */
            size_t l;
            if (!rdb_read_str(in, &l)) return false;
            break;
        }
        default: return rdb_in_fail(in, true, "Unknown module opcode %llu", (unsigned long long)op);
        }
    }
}

static void log_aux(const char *k, size_t kl, const char *v)
{
    (void)kl;
    if (k[0] == '%') {
        ctl_log_any(LOG_NOTICE, "RDB '%s': %s", k, v);
    } else if (!strcasecmp(k, "redis-ver")) {
        ctl_log_any(LOG_NOTICE, "Loading RDB produced by version %s", v);
    } else if (!strcasecmp(k, "ctime")) {
        long age = (long)time(NULL) - strtol(v, NULL, 10);
        ctl_log_any(LOG_NOTICE, "RDB age %ld seconds", age < 0 ? 0 : age);
    } else if (!strcasecmp(k, "used-mem")) {
        ctl_log_any(LOG_NOTICE, "RDB memory usage when created %.2f Mb",
                    (double)strtoll(v, NULL, 10) / (1024 * 1024));
    } else if (!strcasecmp(k, "aof-base")) {
        if (strtoll(v, NULL, 10)) ctl_log_any(LOG_NOTICE, "RDB is base AOF");
    } else if (!strcasecmp(k, "aof-preamble")) {
        if (strtoll(v, NULL, 10)) ctl_log_any(LOG_NOTICE, "RDB has an AOF tail");
    }
    /* repl-stream-db, repl-id, repl-offset: for replication, once it
     * exists; redis-bits, lua and unknown fields are ignored by contract */
}

/* The opcode loop (Redis's rdbLoadRioWithLoadingCtx). */
static int load_stream(struct keyspace *ks, struct rdb_in *in, const struct rdbf_load_opts *opts,
                       struct rdbf_load_result *res)
{
    char magic[10];
    if (!rdb_read(in, magic, 9)) return -1;
    magic[9] = '\0';
    if (memcmp(magic, "REDIS", 5) != 0) {
        rdb_in_fail(in, true, "Wrong signature trying to load DB from file");
        return -1;
    }
    int ver = atoi(magic + 5);
    if (ver < 1 || ver > RDB_VERSION) {
        rdb_in_fail(in, true, "Can't handle RDB format version %d", ver);
        return -1;
    }
    in->rdbver = ver;
    int64_t now = store_mstime();
    struct cmdctx c = {.ks = ks, .now_ms = now};
    int db = 0;
    long long expire = -1, freq = -1, idle = -1;
    for (;;) {
        int type = rdb_read_byte(in);
        if (type < 0) return -1;
        if (type == RDB_OP_EXPIRETIME) {
            unsigned char b[4];
            if (!rdb_read(in, b, 4)) return -1;
            int32_t s = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                                  (uint32_t)b[3] << 24);
            expire = (long long)s * 1000;
            continue;
        }
        if (type == RDB_OP_EXPIRETIME_MS) {
            int64_t ms;
            if (!rdb_read_ms(in, &ms)) return -1;
            expire = ms;
            continue;
        }
        if (type == RDB_OP_FREQ) {
            int b = rdb_read_byte(in);
            if (b < 0) return -1;
            freq = b;
            continue;
        }
        if (type == RDB_OP_IDLE) {
            uint64_t v;
            if (!rdb_read_len(in, &v, NULL)) return -1;
            idle = (long long)(v > INT32_MAX ? INT32_MAX : v);
            continue;
        }
        if (type == RDB_OP_EOF) break;
        if (type == RDB_OP_SELECTDB) {
            uint64_t v;
            if (!rdb_read_len(in, &v, NULL)) return -1;
            if (v >= ks->ndb) {
                rdb_in_fail(in, true,
                            "FATAL: Data file was created with a Redis server configured to "
                            "handle more than %u databases",
                            ks->ndb);
                return -1;
            }
            db = (int)v;
            continue;
        }
        if (type == RDB_OP_RESIZEDB) {
            uint64_t a, b;
            if (!rdb_read_len(in, &a, NULL) || !rdb_read_len(in, &b, NULL)) return -1;
            /* a hint only: each shard's dictionary grows as keys arrive */
            continue;
        }
        if (type == RDB_OP_AUX) {
            size_t kl, vl;
            char *k = rdb_read_str_alloc(in, &kl);
            const char *v = k ? rdb_read_str(in, &vl) : NULL;
            if (v) log_aux(k, kl, v);
            free(k);
            if (!v) return -1;
            continue;
        }
        if (type == RDB_OP_MODULE_AUX) {
            uint64_t id, when_op, when;
            if (!rdb_read_len(in, &id, NULL) || !rdb_read_len(in, &when_op, NULL) ||
                !rdb_read_len(in, &when, NULL))
                return -1;
            if (when_op != 2) {
                rdb_in_fail(in, true, "bad when_opcode");
                return -1;
            }
            char name[10];
            rdb_module_name(id, name);
            if (!skip_module_value(in)) return -1;
            ctl_log_any(LOG_WARNING,
                        "The RDB file contains AUX module data for module '%s', "
                        "which this server does not have: skipped",
                        name);
            continue;
        }
        if (type == RDB_OP_FUNCTION || type == RDB_OP_FUNCTION2) {
            rdb_in_fail(in, true,
                        "The RDB file contains function libraries, which this server cannot "
                        "load yet (no scripting)");
            return -1;
        }
        /* a key and its value */
        if (!rdb_is_object_type(type)) {
            rdb_in_fail(in, true, "Unknown RDB encoding type %d", type);
            return -1;
        }
        size_t klen;
        char *key = rdb_read_str_alloc(in, &klen);
        if (!key) return -1;
        int why;
        struct sobj *val = rdb_read_object(in, type, &why);
        if (!val) {
            if (why == RDB_LOAD_EMPTY) {
                if (res->empty_skipped++ < 10)
                    ctl_log_any(LOG_WARNING, "rdbLoadObject skipping empty key: %.*s", (int)klen,
                                key);
                free(key);
                expire = freq = idle = -1;
                continue;
            }
            free(key);
            return -1;
        }
        struct sarg k = {key, klen};
        if (expire != -1 && expire < now) {
            /* already expired: not loaded (we are a master) */
            obj_free(val);
            res->expired++;
        } else {
            c.db = db;
            struct kentry *old = db_lookup_quiet(&c, db, &k);
            if (old) {
                if (!opts->merge) {
                    rdb_in_fail(in, true, "RDB has duplicated key '%.*s' in DB %d", (int)klen, key,
                                db);
                    obj_free(val);
                    free(key);
                    return -1;
                }
                db_delete_entry(&c, db, old);
            }
            struct kentry *e = db_add(&c, db, &k, val);
            if (!e) {
                obj_free(val);
                free(key);
                rdb_in_fail(in, false, "Out of memory adding a key");
                return -1;
            }
            if (expire != -1) db_set_expire(&c, db, e, expire);
            set_usage(val, freq, idle);
            res->loaded++;
        }
        free(key);
        expire = freq = idle = -1;
    }
    if (ver >= 5) {
        uint64_t expected = in->crc;
        int64_t got;
        if (!rdb_read_ms(in, &got)) return -1;
        if (opts->checksum && !rdb_skip_checksum) {
            if (got == 0) {
                ctl_log_any(LOG_WARNING,
                            "RDB file was saved with checksum disabled: no check performed.");
            } else if ((uint64_t)got != expected) {
                rdb_in_fail(in, true,
                            "Wrong RDB checksum expected: (%" PRIx64 ") but got (%" PRIx64 ")",
                            expected, (uint64_t)got);
                return -1;
            }
        }
    }
    return 0;
}

int rdbf_load_locked(struct keyspace *ks, const char *path, const struct rdbf_load_opts *opts,
                     struct rdbf_load_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof(*res));
    FILE *fp = fopen(path, "re");
    if (!fp) {
        if (errno == ENOENT) {
            res->missing = true;
            return 0;
        }
        snprintf(err, errlen, "Fatal error loading the DB %s: %s", path, strerror(errno));
        return -1;
    }
    char *iobuf = malloc(1 << 20);
    if (iobuf) setvbuf(fp, iobuf, _IOFBF, 1 << 20);
    struct stat sb;
    struct rdb_in in;
    rdb_in_source(&in, file_read, fp, opts->deep, true);
    if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode)) in.size = (uint64_t)sb.st_size;
    int rc = load_stream(ks, &in, opts, res);
    res->end = in.pos;
    if (rc < 0)
        snprintf(err, errlen, "%s loading RDB file %s at offset %llu: %s",
                 in.corrupt ? "Corrupt data" : "Short read", path, (unsigned long long)in.pos,
                 in.err);
    rdb_in_free(&in);
    fclose(fp);
    free(iobuf);
    return rc;
}
