/*
 * at_sink: the library behind attache-sink.
 *
 * Pulls attache.v1.Event messages, validates and decodes each once, and
 * fans it out to every configured output whose filter takes it: JSON lines
 * (a file with rotation and an fsync policy, or stdout), SQLite, a ZeroMQ
 * PUB endpoint with topic prefixes, a webhook; PostgreSQL and Kafka slot
 * in as backends (at_sinkbe.h). Each output has its own bounded queue and
 * worker thread (at_sinkq.h), so a slow or failing output stalls the
 * others only once its queue is full (on_full=block, the default) or
 * never (on_full=drop, counted). Specs and filters: at_sinkspec.h,
 * at_filter.h; the whole picture: docs/sinks.md.
 *
 * Outputs come from sink.output (one spec, "-" by default), any number of
 * sink.outputs.<name> = SPEC, and sink.publish (the PUB republisher,
 * topics=off).
 *
 * Delivery: a received message is acknowledged to the input
 * (at_transport_ack; on Kafka the offset store) only once every durable
 * output given its event has it durably, in input order (at_acks.h).
 * SIGHUP re-reads the config and reopens files (logrotate).
 */
#ifndef AT_SINK_H
#define AT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "at_config.h"
#include "at_daemon.h"
#include "at_sinkq.h"

extern const at_cfg_def_t at_sink_config[];
extern const at_flag_t at_sink_flags[];

typedef struct at_sink at_sink_t;

/* Validate the input endpoint and every output spec (syntax, options,
 * filters, and that paths are writable). 0, or -1 with err. */
int at_sink_check(const at_config_t *cfg, char *err, size_t errlen);

/* Open the outputs and the input per d->cfg. Caller owns the result. NULL
 * with err. */
at_sink_t *at_sink_new(at_daemon_t *d, char *err, size_t errlen);

/* Run until SIGTERM, drain, let every output commit. Returns the exit
 * code: 1 when an output lost events (still failing at shutdown). */
int at_sink_run(at_sink_t *self);

/* The outputs, for metrics: how many, each one's name ("output",
 * "publish", or <name> of sink.outputs.<name>) and counters. */
size_t at_sink_outputs(const at_sink_t *self);
const char *at_sink_output_name(const at_sink_t *self, size_t i);
void at_sink_output_stats(const at_sink_t *self, size_t i, at_sinkq_stats_t *out);

/* Messages acknowledged to the input so far (thread-safe; also the
 * "acked" counter). */
uint64_t at_sink_acked(const at_sink_t *self);

void at_sink_destroy(at_sink_t **self_p);

#endif
