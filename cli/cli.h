/*
 * cli.h: the subcommands of the `attache` CLI, one source file each.
 *
 * Each returns the process exit code. argv[0] is the subcommand name.
 */
#ifndef AT_CLI_H
#define AT_CLI_H

int cli_run(int argc, char **argv);
int cli_enrich(int argc, char **argv);
int cli_decode(int argc, char **argv);
int cli_feed(int argc, char **argv);
int cli_feeds(int argc, char **argv);
int cli_data(int argc, char **argv);
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

#endif
