/* test_gatecheck.c — store/gatecheck.c catches what it is for: a value
 * changed without the write gate, or with the gate called only after the
 * change; and stays quiet for a change made through the gate. (The
 * integration test test_write_gate.py runs every write command through
 * the check on a real server.) */
#include <string.h>

#include "check.h"
#include "db.h"
#include "gatecheck.h"
#include "object.h"
#include "t_hash.h"

static struct keyspace ks;
static struct reply rbuf;

static struct cmdctx ctx(struct sarg *argv, int argc)
{
    struct cmdctx c = {.r = &rbuf, .ks = &ks, .db = 0, .argv = argv, .argc = argc};
    return c;
}

/* One "command" on key h: how it changes the hash. */
enum how { THROUGH_GATE, NO_GATE, GATE_AFTER, READ_ONLY };

static uint64_t run(enum how how)
{
    struct sarg argv[2] = {SARG_LIT("HSET"), SARG_LIT("h")};
    struct cmdctx c = ctx(argv, 2);
    int kidx[1] = {1};
    struct gatecheck_stats before, after;
    gatecheck_read(&before);
    gatecheck_before(&c, argv, kidx, 1);
    struct kentry *e = db_lookup_for_write(&c, 0, &argv[1]);
    char v[16];
    int vl = snprintf(v, sizeof(v), "%d", how);
    switch (how) {
    case THROUGH_GATE: hash_set(db_begin_write(&c, 0, e), "f", 1, v, (size_t)vl); break;
    case NO_GATE: hash_set((struct sobj *)e->val, "f", 1, v, (size_t)vl); break;
    case GATE_AFTER:
        hash_set((struct sobj *)e->val, "f", 1, v, (size_t)vl);
        db_begin_write(&c, 0, e);
        break;
    case READ_ONLY: break;
    }
    gatecheck_after(&c, "test");
    gatecheck_read(&after);
    return after.violations - before.violations;
}

int main(void)
{
    if (ks_init(&ks, 4, 16) != 0) return 2;
    reply_init(&rbuf);
    struct sarg key = SARG_LIT("h");
    struct cmdctx c = ctx(NULL, 0);
    struct sobj *o = hash_new();
    hash_set(o, "f", 1, "v", 1);
    db_add(&c, 0, &key, o);
    gatecheck_on = true;
    CHECK(run(THROUGH_GATE) == 0);
    CHECK(run(NO_GATE) == 1);
    CHECK(run(GATE_AFTER) == 1);
    CHECK(run(READ_ONLY) == 0);
    struct gatecheck_stats s;
    gatecheck_read(&s);
    CHECK(s.commands == 4 && s.changed == 3 && strcmp(s.last, "test") == 0);
    gatecheck_on = false;
    ks_destroy(&ks);
    reply_release(&rbuf);
    printf("test_gatecheck: %u checks, %u failed\n", checks, checks_failed);
    return checks_failed ? 1 : 0;
}
