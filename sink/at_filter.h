/*
 * at_filter: which events one output of attache-sink takes.
 *
 * Options (from the output spec, at_sinkspec.h), each may repeat:
 *   rule=NAME       the event has an alert of this rule ("*" = any rule)
 *   severity=LEVEL  the event has an alert at least this severe
 *                   (info < notice < warning < critical)
 *   country=ISO3    the event mentions this country or is located there
 *   actor=QID       the event mentions this actor
 * Values of one key are OR'ed; different keys are AND'ed, except that rule
 * and severity apply to the same alert: "[rule=warrant_exposure,
 * severity=critical]" takes events with a critical warrant_exposure alert.
 * No options: every event.
 */
#ifndef AT_FILTER_H
#define AT_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "attache/v1/attache.pb-c.h"

typedef struct at_filter at_filter_t;

/* An empty filter (takes everything). NULL on allocation failure. Caller
 * owns the result and must destroy it. */
at_filter_t *at_filter_new(void);

/* 1 if key is a filter option. */
int at_filter_is_key(const char *key);

/* Add one option. 0, or -1 with a reason in err (unknown severity, a
 * country that is not three letters A-Z, an actor that is not Q<digits>). */
int at_filter_add(at_filter_t *self, const char *key, const char *value, char *err, size_t errlen);

/* Does ev pass? */
bool at_filter_match(const at_filter_t *self, const Attache__V1__Event *ev);

/* True when the filter takes every event. */
bool at_filter_empty(const at_filter_t *self);

/* Severity by name ("critical"), or -1. */
int at_filter_severity(const char *name);

void at_filter_destroy(at_filter_t **self_p);

#endif
