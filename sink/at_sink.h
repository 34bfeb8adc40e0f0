/*
 * at_sink: the library behind attache-sink.
 *
 * Pulls attache.v1.Event messages and writes each as one JSON line (the
 * output contract of docs/json.md) to a file or stdout, and optionally
 * republishes the protobuf on a PUB endpoint for subscribers. The file is
 * flushed and fsync'ed every sink.flush_interval_ms and on a clean stop, so
 * an event counted as written survives a power cut after the next flush.
 * SIGHUP re-reads the config and reopens the output (logrotate).
 *
 * JSONL delivery is at-least-once across restarts of upstream hops: a
 * replayed event appears again; consumers dedupe by "id".
 */
#ifndef AT_SINK_H
#define AT_SINK_H

#include <stddef.h>

#include "at_config.h"
#include "at_daemon.h"

extern const at_cfg_def_t at_sink_config[];
extern const at_flag_t at_sink_flags[];

typedef struct at_sink at_sink_t;

int at_sink_check(const at_config_t *cfg, char *err, size_t errlen);

/* Open output and hops per d->cfg. Caller owns the result. NULL with err. */
at_sink_t *at_sink_new(at_daemon_t *d, char *err, size_t errlen);

/* Run until SIGTERM, drain, flush and fsync. Returns the exit code. */
int at_sink_run(at_sink_t *self);

void at_sink_destroy(at_sink_t **self_p);

#endif
