/*
 * at_feeds: the live-feed source of attache-ingest.
 *
 * Builds the feed list from the config (feed.<name> = URL, with an
 * optional feed.<name>.interval = seconds) and from an OPML file
 * (feeds.opml), polls them with at_poller (libcurl multi), parses each
 * fetched document with at_feed and hands every item to the caller's emit
 * function, which dedupes and sends it on. When a persistent store is
 * given, the items of one fetched document are handled inside one store
 * transaction that is committed only after every new item was handed to
 * the next hop, and rolled back otherwise, so an item is never marked seen
 * without having been sent (at-least-once across crashes).
 */
#ifndef AT_FEEDS_H
#define AT_FEEDS_H

#include <stddef.h>
#include <stdint.h>

#include "at_config.h"
#include "at_daemon.h"
#include "at_seen.h"
#include "attache/v1/attache.pb-c.h"

/* Hand one item on. Takes ownership of *item_p (and nulls it). Returns 0
 * when it was new and sent, 1 when it was a duplicate (dropped), -1 when it
 * could not be handed over. */
typedef int(at_feeds_emit_fn)(void *arg, Attache__V1__NewsItem **item_p);

typedef struct at_feeds at_feeds_t;

/* Config keys of the feed source, to splice into a daemon's table. */
#define AT_FEEDS_CONFIG_KEYS                                                                       \
    {"feed.*",                                                                                     \
     AT_CFG_PASSTHROUGH,                                                                           \
     NULL,                                                                                         \
     0,                                                                                            \
     0,                                                                                            \
     NULL,                                                                                         \
     false,                                                                                        \
     "A feed to poll: feed.<name> = http(s) URL; feed.<name>.interval = seconds "                  \
     "(default feeds.interval)."},                                                                 \
        {"feeds.opml",                                                                             \
         AT_CFG_STRING,                                                                            \
         "",                                                                                       \
         0,                                                                                        \
         0,                                                                                        \
         NULL,                                                                                     \
         false,                                                                                    \
         "OPML file whose outlines (xmlUrl) are added to the feeds to poll."},                     \
        {"feeds.interval",                                                                         \
         AT_CFG_INT,                                                                               \
         "900",                                                                                    \
         1,                                                                                        \
         86400,                                                                                    \
         NULL,                                                                                     \
         false,                                                                                    \
         "Default seconds between polls of a feed (a feed's own ttl may lengthen it)."},           \
        {"feeds.timeout_ms",                                                                       \
         AT_CFG_INT,                                                                               \
         "30000",                                                                                  \
         100,                                                                                      \
         600000,                                                                                   \
         NULL,                                                                                     \
         false,                                                                                    \
         "Whole-transfer timeout of one poll, redirects included."},                               \
        {"feeds.max_response_bytes",                                                               \
         AT_CFG_INT,                                                                               \
         "16777216",                                                                               \
         1024,                                                                                     \
         1073741824,                                                                               \
         NULL,                                                                                     \
         false,                                                                                    \
         "Largest feed document accepted; a larger response is aborted at the limit."},            \
        {"feeds.max_per_host",                                                                     \
         AT_CFG_INT,                                                                               \
         "2",                                                                                      \
         1,                                                                                        \
         64,                                                                                       \
         NULL,                                                                                     \
         false,                                                                                    \
         "Concurrent connections to one host."},                                                   \
        {"feeds.max_connections",         AT_CFG_INT, "64", 1, 4096, NULL, false,                  \
         "Concurrent connections in all."},                                                        \
    {                                                                                              \
        "feeds.user_agent", AT_CFG_STRING, "", 0, 0, NULL, false,                                  \
            "User-Agent header; empty sends attache/<version> with the project's info URL. Put a " \
            "contact URL or address here so publishers can reach you."                             \
    }

/* True when the config names any feed (feed.* or feeds.opml). */
int at_feeds_configured(const at_config_t *cfg);

/* Validate the feed list (URLs, intervals, the OPML file). 0, or -1 with
 * err naming the key or file. */
int at_feeds_check(const at_config_t *cfg, char *err, size_t errlen);

/* Start polling. store may be NULL (no persistence). Caller owns the
 * result and must destroy it. NULL with err. */
at_feeds_t *at_feeds_new(const at_config_t *cfg, at_seen_t *store, at_feeds_emit_fn *emit,
                         void *arg, char *err, size_t errlen);

/* Apply a new config's feed list (SIGHUP): new feeds are added, changed
 * intervals and titles applied, feeds no longer listed stop being polled
 * (their state stays in the store). On error (err set) nothing changes. */
int at_feeds_reload(at_feeds_t *self, const at_config_t *cfg, char *err, size_t errlen);

/* Poll for at most about timeout_ms (see at_poller_step). Returns the
 * number of documents handled, or -1 on a libcurl error. */
int at_feeds_step(at_feeds_t *self, int timeout_ms);

/* Counters for the daemon's stats line: {NULL}-terminated, owned by self. */
at_counter_t *at_feeds_counters(at_feeds_t *self);

size_t at_feeds_count(const at_feeds_t *self);

/* Before a feed's items are committed to the state store as emitted, call
 * fn(arg); 0 means they did not all reach the next hop, and the poll's
 * items are rolled back (new again at the next poll). Ingest waits for
 * Kafka's delivery reports there. fn NULL turns it off. */
void at_feeds_set_handover(at_feeds_t *self, int (*fn)(void *arg), void *arg);

void at_feeds_destroy(at_feeds_t **self_p);

#endif
