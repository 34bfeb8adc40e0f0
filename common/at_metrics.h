/*
 * at_metrics: a small registry of counters, gauges and histograms with
 * labels, and its rendering in the Prometheus text exposition format
 * (version 0.0.4) for the /metrics endpoint of every daemon.
 *
 * A metric family is a name, a help text and a type; each distinct set of
 * label values under it is a series (an at_metric_t). Series are created
 * once (at startup) and updated from any thread: counters and histogram
 * buckets are C11 atomics, gauges and sums are doubles updated with
 * compare-and-swap, so the data path never takes a lock. A renderer runs
 * under the registry mutex; code that must publish several values as one
 * consistent snapshot (a daemon copying its counters at each loop tick)
 * takes the same mutex with at_metrics_lock().
 *
 * Constant labels (at_metrics_const_label) go first on every series, e.g.
 * daemon="sink", so metrics from several daemons can be aggregated.
 *
 * Names are checked against the exposition format's rules
 * ([a-zA-Z_:][a-zA-Z0-9_:]* for metrics, [a-zA-Z_][a-zA-Z0-9_]* for
 * labels, no "__" prefix, no "le" on histograms); a bad name is a
 * programming error and makes registration return NULL.
 */
#ifndef AT_METRICS_H
#define AT_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    AT_METRIC_COUNTER,
    AT_METRIC_GAUGE,
    AT_METRIC_HISTOGRAM,
} at_metric_type_t;

typedef struct at_metrics at_metrics_t;
typedef struct at_metric at_metric_t;

/* An empty registry. Caller owns the result and must destroy it. NULL on
 * allocation failure. */
at_metrics_t *at_metrics_new(void);

/* NULL-safe; nulls the caller's pointer. Every series goes with it. */
void at_metrics_destroy(at_metrics_t **self_p);

/* Add a label rendered first on every series (e.g. daemon="sink"). Call
 * before registering series. 0, or -1 for a bad name or no memory. */
int at_metrics_const_label(at_metrics_t *self, const char *name, const char *value);

/* Register a series, or find the one already registered with the same name
 * and labels. `labels` is NULL or a NULL-terminated array of alternating
 * names and values: (const char *[]){"reason", "bad_json", NULL}. The
 * strings are copied. The registry owns the result, which stays valid until
 * the registry is destroyed. NULL for a bad name, a name registered before
 * with another type (or other buckets), or no memory. */
at_metric_t *at_metrics_counter(at_metrics_t *self, const char *name, const char *help,
                                const char *const *labels);
at_metric_t *at_metrics_gauge(at_metrics_t *self, const char *name, const char *help,
                              const char *const *labels);
/* `bounds` are the upper bounds of the buckets, strictly increasing and
 * finite; the +Inf bucket is implied. */
at_metric_t *at_metrics_histogram(at_metrics_t *self, const char *name, const char *help,
                                  const char *const *labels, const double *bounds, size_t nbounds);

/* Counters. NULL-safe (a NULL series is a metric that failed to register,
 * which must not take the daemon down). */
void at_metric_inc(at_metric_t *m);
void at_metric_add(at_metric_t *m, uint64_t n);
/* Set a counter (or a gauge) to a value kept elsewhere (a daemon's own
 * counter, or a level such as a queue depth). */
void at_metric_store(at_metric_t *m, uint64_t v);
uint64_t at_metric_value(const at_metric_t *m);

/* Gauges. */
void at_metric_set(at_metric_t *m, double v);
void at_metric_gauge_add(at_metric_t *m, double delta);
double at_metric_gauge_value(const at_metric_t *m);

/* Histograms: one observation (NaN is ignored). */
void at_metric_observe(at_metric_t *m, double v);
/* Observations so far (the +Inf bucket). */
uint64_t at_metric_count(const at_metric_t *m);

/* Hold off renderers while several values are updated together. */
void at_metrics_lock(at_metrics_t *self);
void at_metrics_unlock(at_metrics_t *self);

/* Write the whole registry in the text exposition format: families in
 * registration order, each with # HELP and # TYPE, then its series in
 * registration order. Histograms give cumulative _bucket lines with le
 * (ending with le="+Inf"), _sum and _count. 0, or -1 on a write error. */
int at_metrics_render(at_metrics_t *self, FILE *out);

/* Content-Type of the rendering. */
#define AT_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Format a sample value as the exposition format wants it: the shortest
 * decimal that reads back as the same double, "+Inf", "-Inf" or "NaN". */
void at_metrics_format_double(double v, char *buf, size_t len);

#endif
