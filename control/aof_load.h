/* aof_load.h — replaying one AOF file (aof_load.c). */
#ifndef SS_AOF_LOAD_H
#define SS_AOF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aof_load_stats {
    uint64_t commands;
    bool truncated; /* a truncated tail was cut off (aof-load-truncated) */
};

/* Replay path into the keyspace (no worker running). thread: the
 * executor's counters for the commands. 0, or -1 with err naming the file
 * and the offset. */
int aof_replay_file(const char *path, bool truncated_ok, void *thread, struct aof_load_stats *st,
                    char *err, size_t errlen);

#endif
