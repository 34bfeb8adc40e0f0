/*
 * at_url.c: reference resolution and canonical URLs on top of libcurl's
 * URL API (see at_url.h).
 *
 * Why curl_url rather than our own parser: it is a well-kept, fuzzed URL
 * parser that already does scheme/authority/path splitting, IPv6 literals,
 * port validation, relative resolution and dot-segment removal. What is
 * done here by hand, and why:
 *   - cleaning the reference first (trim, drop tabs and newlines, escape
 *     spaces and non-ASCII bytes outside the host): how curl treats those
 *     bytes changed between releases, and feeds are full of them;
 *   - the two RFC 3986 cases curl 7.88 resolves differently: "" (the base
 *     without its fragment) and "#f" (the base with that fragment); curl
 *     drops the last path segment and the query for both;
 *   - the scheme check (http and https only) before handing a reference to
 *     curl, so "tag:x" or "javascript:x" is never glued onto a base path;
 *   - canonicalization (lowercase host, tracking parameters, escapes),
 *     which curl does not offer.
 */
#include "at_url.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "at_json.h"

/* --- small helpers ------------------------------------------------------- */

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* RFC 3986 "unreserved": escapes of these are decoded in canonical form. */
static int is_unreserved(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Length of the scheme if s starts with one followed by ':' (RFC 3986
 * 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), else 0. */
static size_t scheme_len(const char *s)
{
    if (!is_alpha((unsigned char)s[0]))
        return 0;
    size_t i = 1;
    while (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) || s[i] == '+' ||
           s[i] == '-' || s[i] == '.')
        i++;
    return s[i] == ':' ? i : 0;
}

static int is_http_scheme(const char *s, size_t len)
{
    return (len == 4 && strncasecmp(s, "http", 4) == 0) ||
           (len == 5 && strncasecmp(s, "https", 5) == 0);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Bytes escaped when cleaning a reference: what RFC 3986 does not allow
 * anywhere in a URI. '%' is handled separately (kept when it starts a
 * valid escape). */
static int needs_escape(unsigned char c)
{
    return c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
           c == '`' || c == '{' || c == '|' || c == '}';
}

/* Clean a reference as found in a feed into a malloc'd string curl will
 * take: trimmed, without tabs and newlines (WHATWG URL does the same:
 * feeds wrap long links), other control characters rejected, and the
 * characters above percent-escaped, except in the host, where non-ASCII
 * bytes stay (an internationalized name; host_ok checks them). NULL if
 * unusable. */
static char *clean_ref(const char *in)
{
    size_t len = strlen(in);
    while (len > 0 && is_space((unsigned char)in[0])) {
        in++;
        len--;
    }
    while (len > 0 && is_space((unsigned char)in[len - 1]))
        len--;
    if (len > AT_URL_MAX_LEN)
        return NULL;
    /* Tabs and newlines go first, so everything below sees the reference
     * as curl will ("h\tttp:" is "http:"). */
    char *ref = malloc(len + 1);
    if (!ref)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
            ref[n++] = in[i];
    ref[n] = '\0';
    len = n;

    /* Where the authority is, if the reference has one: after "scheme:"
     * and the slashes (curl, like browsers, takes "http:/x" and
     * "http:///x" as host x), or after a leading "//". */
    size_t auth_start, auth_end = 0, sl = scheme_len(ref);
    if (sl && sl + 1 < len && ref[sl + 1] == '/')
        auth_start = sl + 1;
    else if (len >= 2 && ref[0] == '/' && ref[1] == '/')
        auth_start = 0;
    else
        auth_start = len; /* none */
    if (auth_start < len) {
        while (auth_start < len && ref[auth_start] == '/')
            auth_start++;
        auth_end = auth_start;
        while (auth_end < len && ref[auth_end] != '/' && ref[auth_end] != '?' &&
               ref[auth_end] != '#')
            auth_end++;
        /* Only the host may keep raw bytes; user info is escaped. */
        for (size_t i = auth_start; i < auth_end; i++)
            if (ref[i] == '@')
                auth_start = i + 1;
        /* curl decodes escapes in a host, which makes a URL whose host
         * reads differently the next time ("%31" -> "1" -> "0.0.0.1"). */
        if (memchr(ref + auth_start, '%', auth_end - auth_start)) {
            free(ref);
            return NULL;
        }
    }

    char *out = malloc(3 * len + 1);
    if (!out) {
        free(ref);
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)ref[i];
        if (c < 0x20 || c == 0x7f) {
            free(ref);
            free(out);
            return NULL;
        }
        int in_auth = i >= auth_start && i < auth_end;
        if (c == '%' && !(i + 2 < len && hex_value((unsigned char)ref[i + 1]) >= 0 &&
                          hex_value((unsigned char)ref[i + 2]) >= 0)) {
            memcpy(out + o, "%25", 3);
            o += 3;
        } else if (needs_escape(c) && !(in_auth && c >= 0x80)) {
            static const char hex[] = "0123456789ABCDEF";
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    free(ref);
    if (o > AT_URL_MAX_LEN) {
        free(out);
        return NULL;
    }
    return out;
}

/* A host we accept: a DNS name of letters, digits, '-', '.' and '_'
 * (underscores do occur), possibly with non-ASCII labels that are valid
 * UTF-8 (an internationalized name, kept in Unicode form: curl 7.88's
 * punycode conversion is not available everywhere), or a bracketed IP
 * literal. Percent-escapes, which curl decodes into the host, are
 * refused, so a canonical URL always parses back to itself. */
static int host_ok(const char *h)
{
    size_t len = strlen(h);
    if (len == 0)
        return 0;
    if (h[0] == '[') {
        if (len < 3 || h[len - 1] != ']')
            return 0;
        for (size_t i = 1; i + 1 < len; i++)
            if (!(is_digit((unsigned char)h[i]) || hex_value((unsigned char)h[i]) >= 0 ||
                  h[i] == ':' || h[i] == '.'))
                return 0;
        return 1;
    }
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)h[i];
        if (c < 0x80) {
            if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_'))
                return 0;
            i++;
            continue;
        }
        /* One UTF-8 sequence (Unicode table 3-7). */
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (i + n >= len)
            return 0;
        if ((unsigned char)h[i + 1] < lo || (unsigned char)h[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++)
            if (((unsigned char)h[i + k] & 0xC0) != 0x80)
                return 0;
        i += n + 1;
    }
    return 1;
}

/* A curl handle holding ref resolved against base, checked to be an
 * http(s) URL with a host; NULL otherwise. */
static CURLU *resolve_handle(const char *base, const char *ref)
{
    if (!ref)
        return NULL;
    char *clean = clean_ref(ref);
    if (!clean)
        return NULL;
    CURLU *h = curl_url();
    if (!h) {
        free(clean);
        return NULL;
    }
    CURLUcode rc;
    size_t sl = scheme_len(clean);
    if (sl) {
        /* Absolute: only http(s) is an article address. */
        rc = is_http_scheme(clean, sl) ? curl_url_set(h, CURLUPART_URL, clean, 0)
                                       : CURLUE_BAD_SCHEME;
    } else if (!base) {
        rc = CURLUE_MALFORMED_INPUT;
    } else {
        /* The base gets the same cleaning: it may be a feed URL straight
         * from a config file or an xml:base value. */
        char *cbase = clean_ref(base);
        size_t bsl = cbase ? scheme_len(cbase) : 0;
        rc = bsl && is_http_scheme(cbase, bsl) ? curl_url_set(h, CURLUPART_URL, cbase, 0)
                                               : CURLUE_MALFORMED_INPUT;
        free(cbase);
        if (rc == CURLUE_OK) {
            /* RFC 3986 5.2.2: an empty reference is the base without its
             * fragment, "#f" the base with fragment f. */
            if (clean[0] == '\0')
                rc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
            else if (clean[0] == '#')
                rc = curl_url_set(h, CURLUPART_FRAGMENT, clean[1] ? clean + 1 : NULL, 0);
            else
                rc = curl_url_set(h, CURLUPART_URL, clean, 0);
        }
    }
    free(clean);

    char *scheme = NULL, *host = NULL;
    if (rc == CURLUE_OK)
        rc = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
    if (rc == CURLUE_OK && !is_http_scheme(scheme, strlen(scheme)))
        rc = CURLUE_BAD_SCHEME;
    if (rc == CURLUE_OK)
        rc = curl_url_get(h, CURLUPART_HOST, &host, 0);
    if (rc == CURLUE_OK && !host_ok(host))
        rc = CURLUE_BAD_HOSTNAME;
    if (rc == CURLUE_OK) {
        /* An IPv6 zone id ("[fe80::1%25eth0]") names a local interface:
         * never an article address, and curl keeps its bytes raw. */
        char *zone = NULL;
        if (curl_url_get(h, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK)
            rc = CURLUE_BAD_HOSTNAME;
        curl_free(zone);
    }
    curl_free(scheme);
    curl_free(host);
    if (rc != CURLUE_OK) {
        curl_url_cleanup(h);
        return NULL;
    }
    return h;
}

/* curl's URL string as a malloc'd one (callers free() what we return),
 * NULL if it is over the limit. */
static char *take_url(char *curl_str)
{
    char *out = NULL;
    size_t len = strlen(curl_str);
    if (len <= AT_URL_MAX_LEN) {
        out = malloc(len + 1);
        if (out)
            memcpy(out, curl_str, len + 1);
    }
    curl_free(curl_str);
    return out;
}

char *at_url_resolve(const char *base, const char *ref)
{
    CURLU *h = resolve_handle(base, ref);
    if (!h)
        return NULL;
    char *s = NULL;
    CURLUcode rc = curl_url_get(h, CURLUPART_URL, &s, 0);
    curl_url_cleanup(h);
    return rc == CURLUE_OK ? take_url(s) : NULL;
}

/* --- canonicalization ---------------------------------------------------- */

/* Parameters whose only purpose is to tell a site where a click came
 * from. Dropping them makes one article one URL. The list is
 * deliberately conservative: a parameter that can select content (ref,
 * id, page, source) never goes in, only documented click ids and
 * campaign tags of analytics and ad products. */
static const char *const tracking_exact[] = {
    "fbclid",  "gclid",     "gclsrc",  "dclid",         "gbraid",      "wbraid",     "msclkid",
    "mc_cid",  "mc_eid",    "yclid",   "ysclid",        "_ga",         "_gl",        "igshid",
    "igsh",    "twclid",    "ttclid",  "li_fat_id",     "mkt_tok",     "_hsenc",     "_hsmi",
    "__hstc",  "__hssc",    "__hsfp",  "hsctatracking", "oly_anon_id", "oly_enc_id", "rb_clickid",
    "s_cid",   "vero_conv", "vero_id", "wickedid",      "_openstat",   "at_medium",  "at_campaign",
    "soc_src", "soc_trk",
};

int at_url_is_tracking_param(const char *name, size_t len)
{
    if (len >= 4 && strncasecmp(name, "utm_", 4) == 0)
        return 1;
    for (size_t i = 0; i < sizeof tracking_exact / sizeof tracking_exact[0]; i++) {
        const char *t = tracking_exact[i];
        if (strlen(t) == len && strncasecmp(name, t, len) == 0)
            return 1;
    }
    return 0;
}

/* Keep the query's parameters that are neither empty nor tracking, in
 * their order. Writes into out (at least strlen(q) + 1 bytes). */
static void filter_query(const char *q, char *out)
{
    size_t o = 0;
    while (*q) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        size_t nlen = eq ? (size_t)(eq - q) : len;
        if (len > 0 && !at_url_is_tracking_param(q, nlen)) {
            if (o)
                out[o++] = '&';
            memcpy(out + o, q, len);
            o += len;
        }
        q += len;
        if (*q == '&')
            q++;
    }
    out[o] = '\0';
}

/* In place: lowercase the authority (scheme and user info are already
 * gone or lowercase), uppercase percent-escapes and decode escaped
 * unreserved characters (but '.') elsewhere. */
static void normalize_string(char *s)
{
    char *p = strstr(s, "://");
    if (!p)
        return;
    p += 3;
    while (*p && *p != '/' && *p != '?' && *p != '#') {
        *p = (char)lower((unsigned char)*p);
        p++;
    }
    char *w = p;
    while (*p) {
        int hi, lo;
        if (p[0] == '%' && (hi = hex_value((unsigned char)p[1])) >= 0 &&
            (lo = hex_value((unsigned char)p[2])) >= 0) {
            unsigned char v = (unsigned char)(hi * 16 + lo);
            /* Not '.': curl has already removed dot segments, and a
             * decoded "%2e" would make a new one ("/%2e/" -> "/./"). */
            if (is_unreserved(v) && v != '.') {
                *w++ = (char)v;
            } else {
                static const char hex[] = "0123456789ABCDEF";
                *w++ = '%';
                *w++ = hex[hi];
                *w++ = hex[lo];
            }
            p += 3;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
}

char *at_url_canonical(const char *base, const char *ref)
{
    CURLU *h = resolve_handle(base, ref);
    if (!h)
        return NULL;
    CURLUcode rc = CURLUE_OK;
    /* Credentials are not part of an article's identity, and must not
     * travel into items and sinks. */
    if (rc == CURLUE_OK)
        rc = curl_url_set(h, CURLUPART_USER, NULL, 0);
    if (rc == CURLUE_OK)
        rc = curl_url_set(h, CURLUPART_PASSWORD, NULL, 0);
    if (rc == CURLUE_OK)
        rc = curl_url_set(h, CURLUPART_OPTIONS, NULL, 0);
    if (rc == CURLUE_OK)
        rc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);

    char *query = NULL;
    if (rc == CURLUE_OK) {
        CURLUcode qrc = curl_url_get(h, CURLUPART_QUERY, &query, 0);
        if (qrc == CURLUE_OK) {
            char *kept = malloc(strlen(query) + 1);
            if (!kept) {
                rc = CURLUE_OUT_OF_MEMORY;
            } else {
                filter_query(query, kept);
                rc = curl_url_set(h, CURLUPART_QUERY, kept[0] ? kept : NULL, 0);
                free(kept);
            }
            curl_free(query);
        } else if (qrc != CURLUE_NO_QUERY) {
            rc = qrc;
        }
    }

    char *s = NULL;
    if (rc == CURLUE_OK)
        rc = curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT);
    curl_url_cleanup(h);
    if (rc != CURLUE_OK)
        return NULL;
    char *out = take_url(s);
    if (out)
        normalize_string(out);
    return out;
}

char *at_url_host(const char *url)
{
    CURLU *h = resolve_handle(NULL, url);
    if (!h)
        return NULL;
    char *host = NULL;
    CURLUcode rc = curl_url_get(h, CURLUPART_HOST, &host, 0);
    curl_url_cleanup(h);
    if (rc != CURLUE_OK)
        return NULL;
    char *out = take_url(host);
    for (char *p = out; p && *p; p++)
        *p = (char)lower((unsigned char)*p);
    return out;
}

void at_url_item_id(const char *key, char *out, size_t outlen)
{
    at_json_item_id(key, out, outlen);
}
