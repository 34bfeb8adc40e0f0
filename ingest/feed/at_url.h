/*
 * at_url: URLs as feeds give them, made absolute and canonical.
 *
 * Feeds carry relative links (resolved against xml:base and the feed's own
 * URL), links with tracking parameters, mixed-case hosts and explicit
 * default ports. Deduplication by URL only works when every spelling of
 * one article's address becomes the same string, so attache-ingest runs
 * every item link through at_url_canonical. Parsing, reference resolution
 * and dot-segment removal are libcurl's URL API (curl_url); this module
 * adds the RFC 3986 cases curl 7.88 resolves differently ("" and "#f"),
 * the canonicalization rules, and the item id. Rules: docs/feeds.md
 * "Normalization".
 *
 * Only http and https URLs come out: a feed link to javascript:, mailto:
 * or tag: is not an article address.
 */
#ifndef AT_URL_H
#define AT_URL_H

#include <stddef.h>

/* Longest URL accepted or produced, in bytes. Real article URLs are far
 * shorter; this only bounds the work and memory one link can cost. */
#define AT_URL_MAX_LEN 16384

/* Resolve the URI reference `ref` (absolute, "//host/x", "/x", "x", "../x",
 * "?q", "#f" or "") against `base` (an absolute http(s) URL, or NULL when
 * there is none), per RFC 3986 section 5. Surrounding whitespace and any
 * tab or newline inside ref are removed (feeds wrap long links); spaces,
 * non-ASCII bytes and other characters a URL may not contain are
 * percent-encoded; base is cleaned the same way. Nothing else is
 * normalized, so the result can serve as the base of a further resolution
 * (an xml:base chain).
 *
 * Returns the absolute URL, which the caller owns and must free(), or
 * NULL if ref is not an http(s) URL once resolved (another scheme, no
 * usable base for a relative ref, malformed, longer than AT_URL_MAX_LEN)
 * or memory ran out. */
char *at_url_resolve(const char *base, const char *ref);

/* at_url_resolve, then canonicalize: scheme and host in lowercase, default
 * port (80, 443) dropped, user name and password dropped, fragment
 * dropped, tracking parameters (utm_*, fbclid, gclid, ...: the list is in
 * docs/feeds.md) and empty parameters dropped from the query with the
 * order of the others kept, "?" dropped when nothing is left,
 * percent-escapes in uppercase and escapes of unreserved characters
 * other than '.' decoded, dot segments removed, an empty path written "/".
 *
 * Returns the canonical URL, which the caller owns and must free(), or
 * NULL as at_url_resolve does. Canonicalizing a canonical URL returns it
 * unchanged. */
char *at_url_canonical(const char *base, const char *ref);

/* True (1) if `name` (len bytes, as it appears in a query string) is a
 * tracking parameter that at_url_canonical drops; 0 otherwise. Case is
 * ignored. */
int at_url_is_tracking_param(const char *name, size_t len);

/* The host of an absolute http(s) URL in lowercase, without port or
 * brackets' content changed ("[2001:db8::1]" keeps its brackets). Returns
 * it (caller owns it and must free() it), or NULL if url has no host or
 * is not an http(s) URL. */
char *at_url_host(const char *url);

/* Stable item id for a canonical URL or a guid: 32 lowercase hex
 * characters written into out (outlen >= 33). The same function as
 * at_json_item_id, so an item read from a feed and the same item read as
 * a JSON line with that url get the same id. */
void at_url_item_id(const char *key, char *out, size_t outlen);

#endif
