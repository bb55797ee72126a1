/* check.h — the assertion macros of the store's unit tests (the TCP tests
 * have theirs in tcp_harness.h). A failed CHECK is counted and reported (the
 * first 50 by file and line) and the test goes on; a failed REQUIRE ends the
 * test program (exit 1): what follows it depends on it. main() reports `checks` and
 * `checks_failed`. */
#ifndef SS_TEST_CHECK_H
#define SS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static unsigned checks, checks_failed;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        checks++;                                                                        \
        if (!(cond)) {                                                                   \
            if (checks_failed++ < 50)                                                    \
                fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                                \
    } while (0)

#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        checks++;                                                                      \
        if (!(cond)) {                                                                 \
            checks_failed++;                                                           \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1); /* what follows depends on it */                                  \
        }                                                                              \
    } while (0)

#endif
