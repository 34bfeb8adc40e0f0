/*
 * at_opml: read an OPML subscription list (what feed readers export) into
 * the feed URLs attache-ingest should poll, with their titles and
 * categories.
 *
 * Untrusted XML, read with libxml2 with no network, no DTD loading and no
 * entity declarations honoured at all (so neither "billion laughs" nor an
 * external entity can cost anything or leak a file), in recover mode so a
 * slightly broken export still yields its feeds. Rules, limits and
 * examples: docs/feeds-store.md "OPML".
 */
#ifndef AT_OPML_H
#define AT_OPML_H

#include <stdbool.h>
#include <stddef.h>

/* At most this many feeds are taken from one document; the rest are
 * counted in `skipped` and `truncated` is set. Far above any real reading
 * list, and it bounds what one hostile file can make the poller do. */
#define AT_OPML_MAX_FEEDS 10000

/* Largest OPML file at_opml_load_file reads. */
#define AT_OPML_MAX_BYTES (16 * 1024 * 1024)

/* One feed. Strings are owned by the list. */
typedef struct {
    char *url;      /* xmlUrl: an absolute http or https URL */
    char *title;    /* title, else text attribute; NULL when both are blank */
    char *category; /* enclosing folder outlines' titles joined with "/", else
                       the first path of the category attribute; NULL if none */
    char *html_url; /* htmlUrl (the site), or NULL */
} at_opml_feed_t;

/* The feeds of one document, in document order, without duplicate URLs. */
typedef struct {
    at_opml_feed_t *feeds;
    size_t n_feeds;
    char *title;        /* head/title, or NULL */
    unsigned skipped;   /* outlines that were not taken: no xmlUrl, not a feed
                           type, not http(s), duplicates, over the cap */
    bool truncated;     /* AT_OPML_MAX_FEEDS was reached */
    unsigned recovered; /* XML errors libxml2 recovered from */
} at_opml_t;

/* Parse `len` bytes of OPML into *out (overwritten, not freed first).
 * Outlines with an xmlUrl and a type of "rss", "atom" or none are feeds;
 * other types (link, include, ...) are skipped, never followed; outlines
 * without xmlUrl are folders whose title names the category of what they
 * contain. Returns 0 (possibly with no feeds), or -1 with a one-line
 * reason in err when the document is not OPML at all (not XML, another
 * root element). On success the caller owns *out and must free it with
 * at_opml_clear. */
int at_opml_parse(const char *data, size_t len, at_opml_t *out, char *err, size_t errlen);

/* Read and parse a file of at most AT_OPML_MAX_BYTES. As at_opml_parse;
 * errors start with the path. */
int at_opml_load_file(const char *path, at_opml_t *out, char *err, size_t errlen);

/* Free everything in o and zero it. NULL-safe. */
void at_opml_clear(at_opml_t *o);

#endif
