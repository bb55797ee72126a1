/* aof_format.h — writing AOF bytes (see aof_format.c) into an rdb_out
 * (store/rdb.h), which here is only a byte writer with a sink. */
#ifndef SS_AOF_FORMAT_H
#define SS_AOF_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "keyspace.h"
#include "rdb.h"

void aoff_array(struct rdb_out *o, size_t n);
void aoff_bulk(struct rdb_out *o, const void *p, size_t len);
void aoff_bulk_ll(struct rdb_out *o, long long v);
void aoff_select(struct rdb_out *o, int db);
void aoff_multi(struct rdb_out *o);
void aoff_exec(struct rdb_out *o);
void aoff_timestamp(struct rdb_out *o, long long unix_s);
/* One key as the commands that rebuild it (with PEXPIREAT for a TTL).
 * False for a type that has no AOF form yet. */
bool aoff_entry(struct rdb_out *o, const struct kentry *e);

#endif
