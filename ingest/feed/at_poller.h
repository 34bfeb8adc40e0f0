/*
 * at_poller: polls HTTP(S) news feeds for attache-ingest with libcurl's
 * multi interface, from one thread, driven by the daemon's own loop.
 *
 * What it does for each feed:
 *  - schedules polls from the configured interval, lengthened (never
 *    shortened) by the feed's own ttl / sy:updatePeriod, with a little
 *    positive jitter so feeds added together drift apart;
 *  - sends conditional GETs (If-None-Match / If-Modified-Since with the
 *    stored validators, verbatim); a 304 is a success without a body;
 *  - follows up to 5 redirects, http and https only; accepts gzip, deflate
 *    and br as libcurl was built with; identifies itself as
 *    "attache/<version> (+https://...)";
 *  - bounds every transfer: total and connect timeouts, a size limit on
 *    the decoded body (aborted as soon as it is exceeded, never buffered in
 *    full), a cap on connections per host and in total;
 *  - backs off exponentially on errors and honours Retry-After on 429/503;
 *  - keeps per-feed metrics (last success/error, HTTP status, new and
 *    duplicate items, bytes, next poll) and persists them, with the
 *    validators and the backoff state, through at_seen's feed table, so
 *    they survive restarts and `attache feeds status` can print them.
 *
 * The poller does not parse: it hands each completed response to the
 * caller's callback, which parses (at_feed), dedups (at_seen) and reports
 * back with at_poller_set_ttl and at_poller_record. The rules are in
 * docs/feeds-polling.md.
 *
 * No hidden threads (libcurl's threaded DNS resolver aside). Not
 * thread-safe: one thread owns a poller.
 */
#ifndef AT_POLLER_H
#define AT_POLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at_seen.h"

typedef struct at_poller at_poller_t;

/* Limits and knobs. Fill with at_poller_opts_init, then change what you
 * need; every field is used as given (0 jitter means no jitter). */
typedef struct {
    long timeout_ms;            /* whole transfer, redirects included (default 30000) */
    long connect_timeout_ms;    /* TCP + TLS connect (default 10000) */
    size_t max_response_bytes;  /* decoded body limit per response (default 16 MiB) */
    long max_host_connections;  /* concurrent transfers per scheme+host+port (default 2) */
    long max_total_connections; /* concurrent transfers in all (default 64) */
    int max_ttl_seconds;        /* longest interval a feed's ttl may ask for (default 4 h) */
    int max_backoff_seconds;    /* longest error backoff / Retry-After honoured (default 24 h) */
    int backoff_max_exponent;   /* k in interval * 2^min(errors, k) (default 6) */
    int jitter_permille;        /* each delay grows by a random 0..N per mille (default 100) */
    uint64_t jitter_seed;       /* PRNG seed for the jitter; 0 = from time and pid */
    const char *user_agent;     /* NULL = "attache/<version> (+AT_POLLER_INFO_URL)"; copied */
} at_poller_opts_t;

/* One completed poll, as handed to the callback. Everything points into
 * the poller and is valid only during the callback. */
typedef struct {
    const char *url;          /* the feed URL as added */
    const char *title;        /* as added, or NULL */
    const char *final_url;    /* after redirects (equals url when none), or NULL on early failure */
    int http_status;          /* of the final response; 0 = no response (transport error) */
    const char *error;        /* NULL on success (2xx or 304), else one line */
    bool not_modified;        /* 304: nothing new, body is NULL */
    const char *body;         /* decoded body of a 2xx (NUL-terminated for convenience), or NULL */
    size_t len;               /* of body */
    const char *content_type; /* Content-Type of the final response, or NULL */
    const char *charset;      /* its charset parameter, unquoted, or NULL */
    int64_t elapsed_ms;       /* from the start of the transfer to its end */
    int64_t fetched_at;       /* Unix seconds at completion */
} at_feed_response_t;

/* Called from at_poller_step for every completed poll, successful or not.
 * It may call at_poller_set_ttl, at_poller_record, at_poller_record_error,
 * at_poller_poll_now, at_poller_add_feed and at_poller_remove_feed (also
 * for the feed being delivered), but not at_poller_step or
 * at_poller_destroy. */
typedef void(at_poller_response_fn)(void *arg, const at_feed_response_t *r);

/* Scheduling details of one feed, beyond the persisted at_feedstate_t. */
typedef struct {
    int interval_seconds;           /* as configured */
    int ttl_seconds;                /* as last set by at_poller_set_ttl; 0 = none */
    int effective_interval_seconds; /* after the ttl rule */
    int64_t last_delay_ms;          /* delay chosen at the last scheduling, jitter included */
    int64_t due_in_ms;              /* until the next poll; <= 0 = due now */
    bool in_flight;                 /* a transfer is running */
    uint64_t polls;                 /* transfers completed since the feed was added */
    uint64_t not_modified;          /* 304s among them */
} at_poller_feed_info_t;

/* Poller-wide totals since at_poller_new (for daemon counters). */
typedef struct {
    uint64_t polls_started, polls_ok, polls_not_modified, polls_failed;
    uint64_t bytes;        /* body bytes as received on the wire */
    uint64_t store_errors; /* failed at_seen_feed_save calls */
    unsigned in_flight;
    unsigned feeds;
} at_poller_stats_t;

/* Fill opts with the defaults above. */
void at_poller_opts_init(at_poller_opts_t *opts);

/* Create a poller. opts may be NULL (defaults); it is copied. store may be
 * NULL (state in memory only); otherwise it is borrowed and must outlive
 * the poller, which loads each feed's state from it when the feed is added
 * and saves it after every change. on_response is called with arg for
 * every completed poll. Caller owns the result and must destroy it with
 * at_poller_destroy. Returns NULL with a reason in err on failure (bad
 * options, libcurl init failure). */
at_poller_t *at_poller_new(const at_poller_opts_t *opts, at_seen_t *store,
                           at_poller_response_fn *on_response, void *arg, char *err, size_t errlen);

/* Abort running transfers (no callbacks), free everything and set *self_p
 * to NULL. State already saved stays in the store. NULL-safe. */
void at_poller_destroy(at_poller_t **self_p);

/* Add a feed (http or https URL) polled every interval_seconds (>= 1).
 * title may be NULL; both strings are copied. Known state is loaded from
 * the store: validators, counters, and the next poll time when it is in
 * the future (a backoff or Retry-After survives a restart; a healthy feed
 * is never scheduled later than one interval from now). A new feed is due
 * at once. Adding a URL that is already there updates its interval and
 * title. Returns 0, or -1 with a reason in err. */
int at_poller_add_feed(at_poller_t *self, const char *url, int interval_seconds, const char *title,
                       char *err, size_t errlen);

/* Stop polling a feed (a running transfer is aborted without a callback).
 * Its persisted state stays in the store. Returns 0, or -1 if unknown. */
int at_poller_remove_feed(at_poller_t *self, const char *url);

/* Tell the poller the feed's own refresh hint in seconds (RSS <ttl>,
 * sy:updatePeriod/Frequency; 0 = none), typically from the callback after
 * parsing. The effective interval is max(interval, min(ttl,
 * max_ttl_seconds)): a feed never makes us poll faster than configured,
 * and a longer hint wins up to the cap. A healthy feed's pending poll is
 * rescheduled from the end of its last poll. Not persisted: after a
 * restart the configured interval applies until the next parsed 200.
 * Returns 0, or -1 if the feed is unknown. */
int at_poller_set_ttl(at_poller_t *self, const char *url, int ttl_seconds);

/* Add the outcome of processing a response to the feed's counters: items
 * that were new and items that were duplicates. Returns 0, or -1 if the
 * feed is unknown. */
int at_poller_record(at_poller_t *self, const char *url, uint64_t items_new,
                     uint64_t items_duplicate);

/* Record that a successfully fetched body could not be used: not a feed,
 * or its items could not be handed to the next hop (the dedup batch was
 * rolled back). Sets last_error and its text, and forgets the validators
 * so the next poll fetches the document in full instead of getting a 304
 * for items we never delivered. Does not change the schedule or the error count: the
 * server is answering, and backing off would not make it answer better.
 * Returns 0, or -1 if the feed is unknown. */
int at_poller_record_error(at_poller_t *self, const char *url, const char *text);

/* Make a feed due now (its next at_poller_step starts it, caps permitting).
 * No effect while a transfer for it is running. For tests and for an
 * operator's "refresh now". Returns 0, or -1 if the feed is unknown. */
int at_poller_poll_now(at_poller_t *self, const char *url);

/* Run the poller for at most about timeout_ms: start due polls (within the
 * connection caps), wait for network activity or the next due time,
 * perform transfers, and call on_response for each completed one. Returns
 * the number of responses delivered (0 on a quiet step), or -1 on a libcurl
 * multi error. Call it in a loop; a timeout of a few hundred ms keeps the
 * daemon responsive to signals and other inputs. */
int at_poller_step(at_poller_t *self, int timeout_ms);

/* Milliseconds until the poller needs at_poller_step again at the latest:
 * 0 when a poll is due or a transfer is running, -1 when there are no
 * feeds. For loops that also wait on other inputs. */
long at_poller_timeout_ms(at_poller_t *self);

/* Call fn for every feed's current state, ordered by URL. Stops at and
 * returns fn's first non-zero result; 0 otherwise. The state is valid only
 * during the call. */
int at_poller_each_state(at_poller_t *self, int (*fn)(void *arg, const at_feedstate_t *st),
                         void *arg);

/* Copy a feed's scheduling details into out. 0, or -1 if unknown. */
int at_poller_feed_info(at_poller_t *self, const char *url, at_poller_feed_info_t *out);

/* Copy the poller-wide totals into out. */
void at_poller_stats(at_poller_t *self, at_poller_stats_t *out);

#endif
