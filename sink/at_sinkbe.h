/*
 * at_sinkbe: the table of output backends attache-sink knows, by spec
 * scheme, and the small SQLite adaptor over at_sqlsink.
 *
 * To add a backend: implement an at_sinkbe_t (see at_sinkq.h) in its own
 * module and add its row to the table in at_sinkbe.c (a row whose open is
 * NULL reserves a scheme: a spec naming it is a clear error).
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
