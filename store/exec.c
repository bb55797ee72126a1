/* exec.c — the executor's entry point (see exec.h): defined here so that
 * every layer above store/ can call it, installed by the app at start-up. */
#include "exec.h"

void (*exec_command)(struct exec_ctx *x, int argc, struct sarg *argv);
