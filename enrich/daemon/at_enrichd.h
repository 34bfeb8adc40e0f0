/*
 * at_enrichd: the daemon loop behind attache-enrich.
 *
 * Pulls attache.v1.NewsItem messages, enriches them with at_enrich (the
 * engine, which knows nothing of transports) and pushes attache.v1.Event
 * messages on. Undecodable or invalid frames are rejected with a log line,
 * a counter and a dead-letter record; the loop keeps going. SIGHUP re-reads
 * the config (alert rules included) at once and builds the reference data
 * on a thread of its own while items keep flowing on the old data; the new
 * data is swapped in between two items once it has loaded and validated in
 * full (a bad file leaves the old data in place, logged with file:line).
 * Every event carries the data_version it was enriched with.
 */
#ifndef AT_ENRICHD_H
#define AT_ENRICHD_H

#include <stddef.h>

#include "at_config.h"
#include "at_daemon.h"

extern const at_cfg_def_t at_enrichd_config[];
extern const at_flag_t at_enrichd_flags[];

typedef struct at_enrichd at_enrichd_t;

/* The data directory a config means: enrich.data_dir, or when that is
 * empty the installed data if present, else the source tree's. */
const char *at_enrichd_data_dir(const at_config_t *cfg);

/* Validate endpoints and load the data once. 0, or -1 with err. */
int at_enrichd_check(const at_config_t *cfg, char *err, size_t errlen);

/* Load data, open both hops. Caller owns the result. NULL with err. */
at_enrichd_t *at_enrichd_new(at_daemon_t *d, char *err, size_t errlen);

/* Run until SIGTERM, then drain. Returns the process exit code. */
int at_enrichd_run(at_enrichd_t *self);

void at_enrichd_destroy(at_enrichd_t **self_p);

#endif
