/* cmd_function.c — FUNCTION commands.
 *
 * Scripting (Lua functions) is not implemented yet, so no library can exist:
 * FUNCTION FLUSH has nothing to delete and only validates its argument, as
 * Redis does. Redis's test suite calls it before every test file. */
#include "cmd.h"
#include "reply.h"

void cmd_function_flush(struct cmdctx *c);

void cmd_function_flush(struct cmdctx *c)
{
    if (c->argc > 3 ||
        (c->argc == 3 && !arg_is(&c->argv[2], "async") && !arg_is(&c->argv[2], "sync"))) {
        reply_error(c->r, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    reply_ok(c->r);
}
