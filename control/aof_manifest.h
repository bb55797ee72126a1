/* aof_manifest.h — reading and writing the AOF manifest (aof_manifest.c). */
#ifndef SS_AOF_MANIFEST_H
#define SS_AOF_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

enum { AOF_BASE = 'b', AOF_HIST = 'h', AOF_INCR = 'i' };

struct aof_file {
    char name[256];
    long long seq;
    char type;
};

struct aof_manifest {
    bool has_base;
    struct aof_file base;
    struct aof_file *hist, *incr;
    int nhist, nincr;
    long long base_seq, incr_seq; /* the last used */
};

void aofm_init(struct aof_manifest *m);
void aofm_free(struct aof_manifest *m);
bool aofm_add_incr(struct aof_manifest *m, const struct aof_file *f);
bool aofm_add_hist(struct aof_manifest *m, const struct aof_file *f);
/* 1 loaded, 0 no manifest, -1 with err (Redis's reasons). */
int aofm_load(struct aof_manifest *m, const char *path, char *err, size_t errlen);
/* Write dir/name atomically (temp file, fsync, rename, fsync dir). */
int aofm_save(const struct aof_manifest *m, const char *dir, const char *name, char *err,
              size_t errlen);

#endif
