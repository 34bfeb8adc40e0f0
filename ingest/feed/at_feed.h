/*
 * at_feed: parse one feed document (RSS 0.9x, RSS 1.0/RDF, RSS 2.0,
 * Atom 1.0, JSON Feed 1.1) into normalized attache.v1.NewsItem messages.
 *
 * Pure function of its input: no network, no DTD loading, no external
 * entities, bounded entity expansion. Used by attache-ingest's poller and
 * by `attache feed`, so both produce the same items. Behaviour, encodings,
 * limits and the security rules are described in docs/feeds.md.
 *
 * Thread-safe: calls on different threads share nothing but libxml2's
 * process-wide initialization, done once on first use.
 */
#ifndef AT_FEED_H
#define AT_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "attache/v1/attache.pb-c.h"

/* Largest document at_feed_parse accepts, in bytes; larger input is
 * rejected without being read. A news feed is rarely above 2 MiB; this
 * bounds the parse tree (several times the input) of one feed. Callers
 * should cap HTTP bodies at the same size. */
#define AT_FEED_MAX_BYTES (16 * 1024 * 1024)

/* Most items taken from one document; later entries are counted in
 * items_skipped. */
#define AT_FEED_MAX_ITEMS 10000

typedef struct {
    Attache__V1__NewsItem **items; /* owned; free with at_feed_result_clear */
    size_t n_items;
    char *title;               /* feed title (plain text), or NULL */
    char *link;                /* feed's web site (absolute URL), or NULL */
    char *language;            /* feed language (BCP 47-ish as given), or NULL */
    int ttl_seconds;           /* RSS <ttl> or sy:updatePeriod/Frequency; 0 = none */
    const char *format;        /* "rss2", "rss1", "rss09", "atom", "jsonfeed" */
    char encoding[32];         /* encoding the bytes were read as, e.g. "UTF-8" */
    unsigned recovered_errors; /* XML errors recovered from, bytes re-decoded */
    unsigned items_skipped;    /* entries with nothing usable, or over the cap */
    unsigned bad_dates;        /* items kept with published = 0: unparseable date */
} at_feed_result_t;

/* Parse `len` bytes fetched from `feed_url` (the URL the document was
 * retrieved from, after redirects: the base of relative links; may be
 * NULL or a file name, then the feed's own self or site link is the
 * base). `http_charset` is the charset parameter of the HTTP Content-Type
 * (NULL if none); `now` stamps fetched (Unix seconds).
 *
 * Items get: id (hash of canonical URL, or of the guid when it is a
 * permalink or there is no URL), guid, url (canonical, absolute),
 * title/summary/body as plain text with normalized whitespace, published
 * (UTC; 0 when missing or unparseable), authors, categories, enclosures,
 * language (item xml:lang, else the feed's), source (feed title or host),
 * feed (feed_url, canonical when it is an http(s) URL), fetched (now).
 * Every item passes at_json_item_validate.
 *
 * Returns 0 with *out filled (possibly with zero items and a non-zero
 * recovered_errors), or -1 with a one-line reason of printable ASCII in
 * err (errlen bytes; err may be NULL) when nothing usable could be read:
 * empty, over AT_FEED_MAX_BYTES, gzip-compressed, not a feed (an HTML page,
 * another XML vocabulary, JSON that is not a JSON Feed), an entity
 * expansion bomb, or out of memory. *out is always initialized, and on -1
 * holds nothing that needs freeing. Caller owns the result and must
 * release it with at_feed_result_clear. */
int at_feed_parse(const char *data, size_t len, const char *http_charset, const char *feed_url,
                  int64_t now, at_feed_result_t *out, char *err, size_t errlen);

/* Free everything a result holds and zero it. NULL-safe; safe to call
 * twice. */
void at_feed_result_clear(at_feed_result_t *res);

#endif
