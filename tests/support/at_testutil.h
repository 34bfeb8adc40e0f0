/*
 * at_testutil.h: small helpers shared by the in-process daemon tests
 * (ingest/tests, sink/tests, enrich/daemon/tests) and the tests that work
 * in a temporary directory. Header-only so each test stays one source
 * file; include after <cmocka.h>.
 */
#ifndef AT_TESTUTIL_H
#define AT_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_daemon.h"

/* The value of a daemon counter by name; fails the test if there is none. */
static inline uint64_t at_test_counter(const at_daemon_t *d, const char *name)
{
    for (const at_counter_t *c = d->counters; c && c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c->value;
    fail_msg("no counter %s", name);
    return 0;
}

/* Configure d from argv (ending with NULL) as the daemon's main() would;
 * fails the test when the command line or the config is refused. */
static inline void at_test_daemon_init(at_daemon_t *d, const at_daemon_spec_t *spec, char **argv)
{
    int argc = 0, code;
    while (argv[argc])
        argc++;
    if (at_daemon_init(d, spec, argc, argv, &code) != 0)
        fail_msg("%s: command line or config refused (exit code %d)", argv[0], code);
}

/* Remove a test's temporary directory. Deliberately no
 * at_transport_shutdown(): after a failed assertion a socket may still be
 * open, and zmq_ctx_term would then wait forever. */
static inline int at_test_rmdir(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* main()'s end in at_test_run_in_dir: removes dir; failed, or failed + 1
 * when dir cannot be removed. */
static inline int at_test_done_in_dir(int failed, const char *dir)
{
    return at_test_rmdir(dir) == 0 ? failed : failed + 1;
}

/* Run the cmocka group tests (an array) in the temporary directory dir, a
 * mkdtemp template the cases use ("/tmp/at_x_test.XXXXXX"): makes it,
 * runs them, removes it. Returns main()'s exit code. */
#define at_test_run_in_dir(tests, dir)                                                             \
    (mkdtemp(dir) ? at_test_done_in_dir(cmocka_run_group_tests(tests, NULL, NULL), dir) : 1)

#endif
