/* gatecheck.h — a debug mode that proves every change passes the write gate.
 *
 * With the mode on (DEBUG WRITE-GATE-CHECK on), the executor fingerprints
 * every entry a command names, before the command runs (its value's
 * DEBUG DIGEST-VALUE and its TTL) and after; the write gate, called for an
 * entry, fingerprints it there. An entry that changed (or went) while the
 * gate never saw it, or that the gate saw only once it had changed already
 * (the gate's fingerprint differs from the one taken before the command),
 * is a violation: a write a snapshot would have missed. The mode costs
 * nothing when off (one flag, read where the snapshot's flag is read).
 *
 * Per thread; the caller holds the locks of the keys it names.
 */
#ifndef SS_GATECHECK_H
#define SS_GATECHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "keyspace.h"

extern bool gatecheck_on;

struct gatecheck_stats {
    uint64_t commands;   /* commands checked */
    uint64_t changed;    /* entries found changed by them */
    uint64_t violations; /* of those, changed without passing the gate first */
    char last[64];       /* the last command with a violation */
};

/* Before a command runs: keys are its key arguments, in db. */
void gatecheck_before(struct cmdctx *c, const struct sarg *keys, const int *kidx, int nk);
/* The gate's hook (db.c, through snapshot.h): e is about to change. */
void gatecheck_gate(int db, const struct kentry *e);
/* After the handler, before the locks go: compare, count violations. */
void gatecheck_after(struct cmdctx *c, const char *cmdname);
/* Totals over every thread (DEBUG WRITE-GATE-CHECK). */
void gatecheck_read(struct gatecheck_stats *out);
void gatecheck_reset(void);

#endif
