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

enum { AOF_REPLAY_TRUNCATED = -2 };

/* Replay path from byte `start` (past an RDB preamble, or 0) into the
 * keyspace (no worker running). thread: the executor's counters for the
 * commands. 0; AOF_REPLAY_TRUNCATED when the
 * file ends inside a command and truncated_ok is false; -1 for anything
 * else, with err naming the file and the offset. */
int aof_replay_file(const char *path, long start, bool truncated_ok, void *thread,
                    struct aof_load_stats *st, char *err, size_t errlen);

#endif
