/* info.h — INFO's periodic samples (app/cmd_info.c). */
#ifndef SS_INFO_H
#define SS_INFO_H

#include <stdint.h>

/* On the control thread, from its cron (called often; samples every
 * 100 ms): instantaneous ops and network rates, the memory peak, the
 * start-up memory. */
void info_cron(void);

/* Bytes the allocator has handed out right now, to everyone in the process
 * (main.c records it after DPDK's EAL start-up: see server.h mem_external). */
uint64_t info_allocated_bytes(void);
/* INFO's used_memory (the allocator's count less the EAL's start-up share). */
uint64_t info_used_memory(void);
/* Changes made by write commands since start (every worker's dirty count;
 * RDB's rdb_changes_since_last_save subtracts the count at the last save). */
uint64_t info_dirty_total(void);

/* CONFIG RESETSTAT: the instantaneous rates start again from nothing, as
 * Redis resets its metric samples. */
void info_reset_samples(void);

#endif
