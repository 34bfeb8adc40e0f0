/*
 * at_ingest: the library behind attache-ingest.
 *
 * Reads news items as JSON lines (a file, optionally followed as it grows,
 * or stdin), validates and normalizes them into attache.v1.NewsItem,
 * drops duplicates by id, and pushes them to the next hop. Rejected lines
 * are logged, counted and dead-lettered; the loop never stops for bad
 * input. On SIGTERM it stops reading, hands over what it already accepted
 * and exits.
 */
#ifndef AT_INGEST_H
#define AT_INGEST_H

#include <stddef.h>

#include "at_config.h"
#include "at_daemon.h"

/* The config table of attache-ingest (docs/config.md). */
extern const at_cfg_def_t at_ingest_config[];

/* Shortcut flags of attache-ingest. */
extern const at_flag_t at_ingest_flags[];

typedef struct at_ingest at_ingest_t;

/* Validate what the table cannot (endpoint syntax). 0 or -1 with err. */
int at_ingest_check(const at_config_t *cfg, char *err, size_t errlen);

/* Open the input and the output hop per d->cfg. NULL with err on failure.
 * Caller owns the result and must destroy it. */
at_ingest_t *at_ingest_new(at_daemon_t *d, char *err, size_t errlen);

/* Run until EOF (unless ingest.follow) or SIGTERM. Returns the process exit
 * code: 0 when everything accepted was handed over, 1 otherwise. */
int at_ingest_run(at_ingest_t *self);

void at_ingest_destroy(at_ingest_t **self_p);

#endif
