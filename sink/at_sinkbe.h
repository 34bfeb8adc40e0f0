/*
 * at_sinkbe: the table of output backends attache-sink knows, by spec
 * scheme, and the small SQLite adaptor over at_sqlsink.
 *
 * To add a backend (PostgreSQL, Kafka): implement an at_sinkbe_t (see
 * at_sinkq.h) in its own module and point its row in at_sinkbe.c at it;
 * the rows for "postgres:" and "kafka://" are there already, reserved,
 * with open = NULL so a spec naming them is a clear error until then.
 */
#ifndef AT_SINKBE_H
#define AT_SINKBE_H

#include "at_sinkq.h"

/* Which backend handles spec target text (after the option brackets), and
 * where its target starts. prefix_len is what to skip ("sqlite:" -> 7;
 * 0 for URIs handed over whole). NULL when the scheme is unknown. */
const at_sinkbe_t *at_sinkbe_find(const char *text, size_t *prefix_len);

/* "jsonl:PATH, sqlite:PATH, ..." for error messages. */
const char *at_sinkbe_list(void);

extern const at_sinkbe_t at_sqlite_backend;

#endif
