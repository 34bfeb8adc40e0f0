/*
 * cli.h: the subcommands of the `attache` CLI, one source file each, and
 * the helpers they share (main.c, cli_util.c).
 *
 * Each subcommand returns the process exit code. argv[0] is the
 * subcommand name.
 */
#ifndef AT_CLI_H
#define AT_CLI_H

#include <stdio.h>

int cli_run(int argc, char **argv);
int cli_enrich(int argc, char **argv);
int cli_decode(int argc, char **argv);
int cli_feed(int argc, char **argv);
int cli_feeds(int argc, char **argv);
int cli_data(int argc, char **argv);
int cli_data_on(int argc, char **argv); /* attache data on, called by cli_data */
int cli_kafka_mock(int argc, char **argv);
int cli_tail(int argc, char **argv);
int cli_query(int argc, char **argv);

/* The reference data directory: explicit (may be NULL), else
 * $ATTACHE_DATA_DIR, else the installed data if present, else the source
 * tree's data/. */
const char *cli_data_dir(const char *explicit_dir);

/* The directory holding this executable (for finding the daemons next to
 * it). Returns a static buffer; "" if unknown. */
const char *cli_self_dir(void);

/* Catch SIGINT and SIGTERM: from then on cli_stop_requested() returns 1
 * once either has arrived (cli_util.c). The handler only sets a flag, and
 * interrupts blocking calls (EINTR) instead of restarting them. */
void cli_catch_stop_signals(void);
int cli_stop_requested(void);

/* The end of a subcommand's option switch: for opt 'h' (--help) print the
 * usage on stdout and return 0, for anything else (an unknown or malformed
 * option) print it on stderr and return 2: the exit code. */
int cli_usage_exit(int opt, void (*usage)(FILE *out));

/* The number in an option's argument, strictly: decimal digits only (an
 * optional sign), no trailing text, no overflow, and at least min. 0 and
 * *out, or -1 after printing "attache CMD: OPTION ARG: expected a whole
 * number >= MIN" to stderr (the caller exits 2). */
int cli_parse_long(const char *cmd, const char *option, const char *arg, long min, long *out);

#endif
