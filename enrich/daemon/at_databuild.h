/*
 * at_databuild: builds a new enrichment engine on a thread of its own, for
 * attache-enrich's SIGHUP, while the main loop keeps enriching with the old
 * one.
 *
 * The main thread asks for a build (at_databuild_request) and, between two
 * items, asks whether one has finished (at_databuild_poll); only then does
 * it swap engines, so no item is enriched with a mix of two data sets. At
 * most one build runs at a time. A request made while one runs is
 * coalesced: it replaces any request already waiting, and the waiting
 * request starts when the running build ends, so however many SIGHUPs
 * arrive during a build, exactly one more build follows and it sees the
 * latest directory and rules.
 *
 * Only the main thread calls these functions; the worker thread touches
 * nothing but its own job.
 */
#ifndef AT_DATABUILD_H
#define AT_DATABUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at_alerts.h"
#include "at_enrich.h"

typedef struct at_databuild at_databuild_t;

/* What builds an engine: at_enrich_new by default; tests pass their own
 * to hold a build open. Called on the worker thread. */
typedef at_enrich_t *(at_databuild_fn)(void *arg, const char *dir, char *err, size_t errlen);

/* A builder with no build running. fn NULL means at_enrich_new. Caller
 * owns the result and must destroy it. NULL on allocation failure. */
at_databuild_t *at_databuild_new(at_databuild_fn *fn, void *arg);

/* Wait for a running build (it cannot be cancelled half-way through the
 * files) and drop its result and any waiting request. NULL-safe; nulls the
 * caller's pointer. */
void at_databuild_destroy(at_databuild_t **self_p);

/* What at_databuild_request did. */
#define AT_DATABUILD_STARTED   0 /* a build of dir started now */
#define AT_DATABUILD_COALESCED 1 /* one runs: this request waits for it */
#define AT_DATABUILD_ERROR     (-1)

/* Ask for an engine built from dir with rules (both copied). Returns one
 * of the above; on ERROR (no thread to be had) the build was run right
 * here instead and its outcome waits for at_databuild_poll as usual. */
int at_databuild_request(at_databuild_t *self, const char *dir, const at_alerts_config_t *rules);

/* The outcome of one finished build. */
typedef struct {
    at_enrich_t *engine;      /* the new engine, or NULL when the data was rejected;
                                 the caller owns it */
    char dir[4096];           /* the directory it was built from */
    at_alerts_config_t rules; /* the rules it was asked for */
    char err[1024];           /* "file:line: reason" when engine is NULL */
    uint64_t took_ms;         /* wall time of the build */
} at_databuild_result_t;

/* Never blocks. When a build has finished: fills *out, starts the waiting
 * request if any, and returns 1. Otherwise returns 0. */
int at_databuild_poll(at_databuild_t *self, at_databuild_result_t *out);

/* Whether a build is running or waiting (the reload is not over yet). */
bool at_databuild_busy(const at_databuild_t *self);

#endif
