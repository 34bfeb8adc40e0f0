/*
 * cli_util: what the `attache` subcommands share (see cli.h): stopping on
 * SIGINT/SIGTERM, the end of an option switch (--help and unknown
 * options), and numbers in option arguments.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1; /* only a flag (STYLE.md 11); the loops look at it */
}

void cli_catch_stop_signals(void)
{
    /* No SA_RESTART: a blocking call returns EINTR, so the loop around it
     * sees the flag at once. */
    struct sigaction act = {.sa_handler = on_stop_signal};
    sigemptyset(&act.sa_mask);
    sigaction(SIGINT, &act, NULL);
    sigaction(SIGTERM, &act, NULL);
}

int cli_stop_requested(void)
{
    return stop_requested != 0;
}

int cli_usage_exit(int opt, void (*usage)(FILE *out))
{
    usage(opt == 'h' ? stdout : stderr);
    return opt == 'h' ? 0 : 2;
}

int cli_parse_long(const char *cmd, const char *option, const char *arg, long min, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < min) {
        fprintf(stderr, "attache %s: %s %s: expected a whole number >= %ld\n", cmd, option, arg,
                min);
        return -1;
    }
    *out = v;
    return 0;
}
