/*
 * at_ninjs.c: IPTC ninjs 1.x / 2.x objects -> attache.v1.NewsItem.
 *
 * Decisions worth knowing (the field mapping is in at_ninjs.h and
 * docs/feeds-store.md):
 *   - One reader for both major versions: 2.x arrays (headlines, bodies,
 *     descriptions, subjects, infosources, renditions as an array) are
 *     tried first, then the 1.x members (headline, body_*, description_*,
 *     subject, infosource, renditions as an object). A producer that mixes
 *     them still gets read, and no version sniffing can be wrong.
 *   - Parsing rules match at_json_item_parse: JSON_REJECT_DUPLICATES, no
 *     NUL in any string we use, the same size limits, and a wrong type is
 *     an error rather than a silent skip, so a broken producer is noticed.
 *     Members we do not map are never looked at, whatever their type.
 *   - published is firstcreated before versioncreated: a correction
 *     (version 2 of the same uri) keeps the story's date, and the story's
 *     date is what treaty status is computed for. The id is per uri (or
 *     web URL), so later versions are duplicates, as a feed's updated
 *     entries are.
 *   - pubstatus "canceled" / "withheld" means the provider withdrew the
 *     item; it is rejected with that reason instead of being monitored.
 *   - The item is built the way protobuf-c's unpack builds messages (all
 *     malloc, unset strings = protobuf_c_empty_string), so
 *     at_json_item_free frees it, half-built ones included.
 */
#include "at_ninjs.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "at_err.h"
#include "at_html.h"
#include "at_json.h"
#include "at_time.h"
#include "at_url.h"

/* How much of a rejected value to quote in an error message. */
#define QUOTE_MAX 48

/* --- errors -------------------------------------------------------------- */

/* --- text helpers -------------------------------------------------------- */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_space((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* Copy s[0..len) with whitespace normalized the way feed text is
 * (at_html_plain): on one line for titles and names; for bodies, runs
 * holding two or more line breaks become a paragraph break and other runs
 * one space. Trimmed. Returns a malloc'd string or NULL when out of
 * memory. */
static char *text_dup(const char *s, size_t len, bool multiline)
{
    return at_html_plain(s, len, multiline ? 0 : AT_HTML_ONE_LINE);
}

/* HTML (text/html, application/xhtml+xml) to plain text: entities
 * decoded, script and style dropped, paragraphs kept (at_html, the same
 * code the feed parser uses). */
static char *html_to_text(const char *html, size_t len, bool multiline)
{
    return at_html_to_text(html, len, multiline ? 0 : AT_HTML_ONE_LINE);
}

/* True for content types whose value is markup to turn into text. */
static bool is_html_type(const char *ct)
{
    return ct && (strcasestr(ct, "html") != NULL);
}

/* True for content types whose value is plain text (absent = plain, as
 * ninjs 2 says "role and contenttype are then up to the provider"). */
static bool is_plain_type(const char *ct)
{
    return !ct || !ct[0] || strncasecmp(ct, "text/plain", 10) == 0;
}

/* The canonical form of an http(s) URL (at_url_canonical: the same rules
 * as feed links, so an agency item and a feed entry for the same page get
 * the same id), or NULL when it is not one (or, rarely, when memory ran
 * out: at_url does not tell the two apart, and skipping a link is the
 * safe reading of both). */
static char *web_url(const char *href)
{
    return at_url_canonical(NULL, href);
}

/* --- JSON access --------------------------------------------------------- */

/* Store normalized text into a field; an empty result leaves the field
 * unset. Checks the size limit after normalization (HTML shrinks). 0 or
 * -1 with err set. */
static int put_text(char **field, const char *name, char *text, char *err, size_t errlen)
{
    if (!text) {
        at_err_set_ascii(err, errlen, "out of memory");
        return -1;
    }
    size_t n = strlen(text);
    if (n > AT_JSON_MAX_STRING) {
        at_err_set_ascii(err, errlen, "%s too long (%zu bytes, limit %d)", name, n,
                         AT_JSON_MAX_STRING);
        free(text);
        return -1;
    }
    if (n == 0) {
        free(text);
        return 0;
    }
    at_json_set_field(field, text);
    return 0;
}

/* --- choosing among alternatives ----------------------------------------- */

/* The best value of a ninjs 2 array of {role, contenttype, value}
 * (headlines, bodies, descriptions): plain text over HTML, and the
 * preferred role (or none) over other roles, the first one winning ties;
 * values of other content types (NITF, ...) and blank ones are passed
 * over. Returns 1 with the value (and whether it is HTML), 0 when none, -1
 * with err set on a wrong type. */
static int pick_alternative(json_t *obj, const char *key, const char *preferred_role,
                            const char **best, size_t *best_len, bool *best_html, char *err,
                            size_t errlen)
{
    json_t *arr = json_object_get(obj, key);
    *best = NULL;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr)) {
        at_err_set_ascii(err, errlen, "%s must be an array", key);
        return -1;
    }
    int best_rank = 1 << 30;
    char path[64];
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e)) {
            at_err_set_ascii(err, errlen, "%s[%zu] must be an object", key, i);
            return -1;
        }
        const char *value, *role, *ct;
        size_t vlen, rlen, clen;
        snprintf(path, sizeof path, "%s[%zu].value", key, i);
        int rc = at_json_get_string(e, "value", path, AT_JSON_MAX_LINE, &value, &vlen, err, errlen);
        if (rc < 0)
            return -1;
        snprintf(path, sizeof path, "%s[%zu].role", key, i);
        if (at_json_get_string(e, "role", path, AT_JSON_MAX_ID, &role, &rlen, err, errlen) < 0)
            return -1;
        snprintf(path, sizeof path, "%s[%zu].contenttype", key, i);
        if (at_json_get_string(e, "contenttype", path, AT_JSON_MAX_ID, &ct, &clen, err, errlen) < 0)
            return -1;
        if (rc == 0 || is_blank(value, vlen))
            continue;
        bool html = is_html_type(ct);
        if (!html && !is_plain_type(ct))
            continue;
        int rank = (html ? 1 : 0) + (role && strcasecmp(role, preferred_role) != 0 ? 2 : 0);
        if (rank < best_rank) {
            best_rank = rank;
            *best = value;
            *best_len = vlen;
            *best_html = html;
        }
    }
    return *best ? 1 : 0;
}

/* The first non-blank of a list of 1.x string members, with whether it is
 * HTML (names ending in _html or _xhtml). 1, 0 or -1 as above. */
static int pick_member(json_t *obj, const char *const *keys, const char **best, size_t *best_len,
                       bool *best_html, char *err, size_t errlen)
{
    *best = NULL;
    for (size_t i = 0; keys[i]; i++) {
        const char *s;
        size_t n;
        int rc = at_json_get_string(obj, keys[i], keys[i], AT_JSON_MAX_LINE, &s, &n, err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 1 && !is_blank(s, n)) {
            *best = s;
            *best_len = n;
            *best_html = strstr(keys[i], "html") != NULL;
            return 1;
        }
    }
    return 0;
}

/* Fill a text field from a 2.x array or, failing that, 1.x members. */
static int take_text(char **field, const char *name, json_t *obj, const char *array_key,
                     const char *role, const char *const *members, bool multiline, char *err,
                     size_t errlen)
{
    const char *s;
    size_t n;
    bool html = false;
    int rc = pick_alternative(obj, array_key, role, &s, &n, &html, err, errlen);
    if (rc == 0)
        rc = pick_member(obj, members, &s, &n, &html, err, errlen);
    if (rc <= 0)
        return rc;
    char *text = html ? html_to_text(s, n, multiline) : text_dup(s, n, multiline);
    return put_text(field, name, text, err, errlen);
}

/* --- lists --------------------------------------------------------------- */

/* Append a normalized copy of s to a repeated field unless blank or
 * already there. 0 or -1 with err set. */
static int list_add(char ***list, size_t *n, const char *name, const char *s, size_t len, char *err,
                    size_t errlen)
{
    char *d = text_dup(s, len, false);
    if (!d) {
        at_err_set_ascii(err, errlen, "out of memory");
        return -1;
    }
    if (!d[0]) {
        free(d);
        return 0;
    }
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*list)[i], d) == 0) {
            free(d);
            return 0;
        }
    }
    if (*n >= AT_JSON_MAX_LIST) {
        at_err_set_ascii(err, errlen, "%s has too many elements (limit %d)", name,
                         AT_JSON_MAX_LIST);
        free(d);
        return -1;
    }
    /* Grow by powers of two; the message owns the array at every step,
     * so an error frees what was built. */
    if ((*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 1;
        char **grown = realloc(*list, cap * sizeof *grown);
        if (!grown) {
            free(d);
            at_err_set_ascii(err, errlen, "out of memory");
            return -1;
        }
        *list = grown;
    }
    (*list)[(*n)++] = d;
    return 0;
}

/* The names of a 2.x or 1.x array of {name, ...} objects (subjects,
 * subject) into a repeated field. */
static int take_names(json_t *obj, const char *key, char ***list, size_t *n, const char *name,
                      char *err, size_t errlen)
{
    json_t *arr = json_object_get(obj, key);
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr)) {
        at_err_set_ascii(err, errlen, "%s must be an array", key);
        return -1;
    }
    char path[64];
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e)) {
            at_err_set_ascii(err, errlen, "%s[%zu] must be an object", key, i);
            return -1;
        }
        const char *s;
        size_t len;
        snprintf(path, sizeof path, "%s[%zu].name", key, i);
        int rc = at_json_get_string(e, "name", path, AT_JSON_MAX_STRING, &s, &len, err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 1 && list_add(list, n, name, s, len, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* The first non-blank name of infosources (2.x) or infosource (1.x), or
 * NULL. -1 on a wrong type. */
static int first_name(json_t *obj, const char *key, const char **s, size_t *len, char *err,
                      size_t errlen)
{
    json_t *arr = json_object_get(obj, key);
    *s = NULL;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr)) {
        at_err_set_ascii(err, errlen, "%s must be an array", key);
        return -1;
    }
    char path[64];
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e)) {
            at_err_set_ascii(err, errlen, "%s[%zu] must be an object", key, i);
            return -1;
        }
        snprintf(path, sizeof path, "%s[%zu].name", key, i);
        int rc = at_json_get_string(e, "name", path, AT_JSON_MAX_STRING, s, len, err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 1 && !is_blank(*s, *len))
            return 1;
    }
    *s = NULL;
    return 0;
}

/* One rendition {href, contenttype|mimetype}: the first text/html one is
 * the item's web page, the others (pictures, audio, video) enclosures. */
static int take_rendition(Attache__V1__NewsItem *item, json_t *r, const char *path, char *err,
                          size_t errlen)
{
    if (!json_is_object(r)) {
        at_err_set_ascii(err, errlen, "%s must be an object", path);
        return -1;
    }
    char p[96];
    const char *href, *ct;
    size_t hlen, clen;
    snprintf(p, sizeof p, "%s.href", path);
    /* jansson strings are NUL-terminated, and at_json_get_string refused
     * inner NULs. */
    int rc = at_json_get_string(r, "href", p, AT_JSON_MAX_STRING, &href, &hlen, err, errlen);
    if (rc <= 0)
        return rc;
    snprintf(p, sizeof p, "%s.contenttype", path);
    if (at_json_get_string(r, "contenttype", p, AT_JSON_MAX_ID, &ct, &clen, err, errlen) < 0)
        return -1;
    if (!ct) {
        snprintf(p, sizeof p, "%s.mimetype", path);
        if (at_json_get_string(r, "mimetype", p, AT_JSON_MAX_ID, &ct, &clen, err, errlen) < 0)
            return -1;
    }
    char *url = web_url(href);
    if (!url)
        return 0; /* not a web address; nothing to follow */
    if (is_html_type(ct) && item->url == protobuf_c_empty_string) {
        at_json_set_field(&item->url, url);
        return 0;
    }
    rc = list_add(&item->enclosures, &item->n_enclosures, "renditions", url, strlen(url), err,
                  errlen);
    free(url);
    return rc;
}

/* renditions: an array in 2.x, an object keyed by rendition name in 1.x. */
static int take_renditions(Attache__V1__NewsItem *item, json_t *obj, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, "renditions");
    char path[96];
    if (!v || json_is_null(v))
        return 0;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(path, sizeof path, "renditions[%zu]", i);
            if (take_rendition(item, json_array_get(v, i), path, err, errlen) != 0)
                return -1;
        }
        return 0;
    }
    if (json_is_object(v)) {
        const char *name;
        json_t *r;
        json_object_foreach(v, name, r)
        {
            snprintf(path, sizeof path, "renditions.%.*s", QUOTE_MAX, name);
            if (take_rendition(item, r, path, err, errlen) != 0)
                return -1;
        }
        return 0;
    }
    at_err_set_ascii(err, errlen, "renditions must be an array or an object");
    return -1;
}

/* --- the mapping --------------------------------------------------------- */

static int take_date(json_t *obj, const char *key, int64_t *out, char *err, size_t errlen)
{
    const char *s;
    size_t n;
    int rc = at_json_get_string(obj, key, key, AT_JSON_MAX_ID, &s, &n, err, errlen);
    if (rc <= 0 || is_blank(s, n))
        return rc < 0 ? -1 : 0;
    if (at_time_parse(s, out) != 0) {
        at_err_set_ascii(err, errlen, "bad %s date: \"%.*s\"%s", key, QUOTE_MAX, s,
                         n > QUOTE_MAX ? "..." : "");
        return -1;
    }
    return 1;
}

static int fill_item(Attache__V1__NewsItem *item, json_t *obj, const char *default_source,
                     int64_t now, char *err, size_t errlen)
{
    const char *s;
    size_t n;

    /* uri: the identifier, required by every ninjs version. */
    int rc = at_json_get_string(obj, "uri", "uri", AT_JSON_MAX_STRING, &s, &n, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0 || is_blank(s, n)) {
        at_err_set_ascii(err, errlen, "missing uri");
        return -1;
    }
    if (put_text(&item->guid, "uri", text_dup(s, n, false), err, errlen) != 0)
        return -1;

    /* A withdrawn item is not news to monitor. */
    if (at_json_get_string(obj, "pubstatus", "pubstatus", AT_JSON_MAX_ID, &s, &n, err, errlen) < 0)
        return -1;
    if (s && (strcasecmp(s, "canceled") == 0 || strcasecmp(s, "withheld") == 0)) {
        at_err_set_ascii(err, errlen, "item withdrawn by its provider (pubstatus %s)", s);
        return -1;
    }

    /* "title" is metadata in ninjs ("use headlines for publishable
     * headlines"), so it only stands in when there is no headline. */
    static const char *const headline_keys[] = {"headline", "title", NULL};
    static const char *const body_keys[] = {"body_text", "body_html", "body_xhtml", NULL};
    static const char *const desc_keys[] = {"description_text", "description_html", NULL};
    if (take_text(&item->title, "headline", obj, "headlines", "main", headline_keys, false, err,
                  errlen) < 0 ||
        take_text(&item->body, "body", obj, "bodies", "main", body_keys, true, err, errlen) < 0 ||
        take_text(&item->summary, "description", obj, "descriptions", "summary", desc_keys, true,
                  err, errlen) < 0)
        return -1;

    int64_t t = 0;
    rc = take_date(obj, "firstcreated", &t, err, errlen);
    if (rc == 0)
        rc = take_date(obj, "versioncreated", &t, err, errlen);
    if (rc < 0)
        return -1;
    item->published = t;

    if (at_json_get_string(obj, "language", "language", AT_JSON_MAX_ID, &s, &n, err, errlen) < 0 ||
        (s && put_text(&item->language, "language", text_dup(s, n, false), err, errlen) != 0))
        return -1;

    /* by (2.x) or byline (1.x): one author, as written. */
    rc = at_json_get_string(obj, "by", "by", AT_JSON_MAX_STRING, &s, &n, err, errlen);
    if (rc == 0)
        rc = at_json_get_string(obj, "byline", "byline", AT_JSON_MAX_STRING, &s, &n, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        while (n > 0 && is_space((unsigned char)*s)) {
            s++;
            n--;
        }
        if (n > 3 && strncasecmp(s, "by", 2) == 0 && is_space((unsigned char)s[2])) {
            s += 3;
            n -= 3;
        }
        if (list_add(&item->authors, &item->n_authors, "authors", s, n, err, errlen) != 0)
            return -1;
    }

    if (take_names(obj, "subjects", &item->categories, &item->n_categories, "subjects", err,
                   errlen) != 0 ||
        take_names(obj, "subject", &item->categories, &item->n_categories, "subject", err,
                   errlen) != 0)
        return -1;

    if (take_renditions(item, obj, err, errlen) != 0)
        return -1;

    /* source: the item's own provider, else the caller's name for the
     * input, else the copyright holder. */
    rc = first_name(obj, "infosources", &s, &n, err, errlen);
    if (rc == 0)
        rc = first_name(obj, "infosource", &s, &n, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0 && default_source && default_source[0]) {
        s = default_source;
        n = strlen(default_source);
        rc = 1;
    }
    if (rc == 0)
        rc = at_json_get_string(obj, "copyrightholder", "copyrightholder", AT_JSON_MAX_STRING, &s,
                                &n, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 1 && put_text(&item->source, "source", text_dup(s, n, false), err, errlen) != 0)
        return -1;

    /* The attache input contract's two rules, so the item also reads
     * back from its JSON rendering: some text, and a title or a URL. */
    if (item->title == protobuf_c_empty_string && item->body == protobuf_c_empty_string &&
        item->summary == protobuf_c_empty_string) {
        at_err_set_ascii(err, errlen, "ninjs item has no headline, body or description");
        return -1;
    }
    if (item->title == protobuf_c_empty_string && item->url == protobuf_c_empty_string) {
        at_err_set_ascii(err, errlen, "ninjs item has no headline and no text/html rendition");
        return -1;
    }

    char id[33];
    at_json_item_id(item->url[0] ? item->url : item->guid, id, sizeof id);
    char *d = strdup(id);
    if (!d) {
        at_err_set_ascii(err, errlen, "out of memory");
        return -1;
    }
    at_json_set_field(&item->id, d);
    item->fetched = now;
    /* Whatever we accept must pass the check every receiver runs. */
    return at_json_item_validate(item, err, errlen);
}

/* --- detection ----------------------------------------------------------- */

static bool names_ninjs(json_t *obj)
{
    static const char *const std_keys[] = {"standard", "$standard", NULL};
    for (size_t i = 0; std_keys[i]; i++) {
        json_t *st = json_object_get(obj, std_keys[i]);
        json_t *name = json_is_object(st) ? json_object_get(st, "name") : NULL;
        if (json_is_string(name) && strcasecmp(json_string_value(name), "ninjs") == 0)
            return true;
    }
    json_t *schema = json_object_get(obj, "$schema");
    return json_is_string(schema) && strcasestr(json_string_value(schema), "ninjs") != NULL;
}

static at_ninjs_kind_t detect(json_t *obj)
{
    if (!json_is_object(obj))
        return AT_NINJS_UNKNOWN;
    if (names_ninjs(obj))
        return AT_NINJS_NINJS;
    if (json_is_string(json_object_get(obj, "uri"))) {
        static const char *const markers[] = {
            "headline",     "headlines", "bodies",     "descriptions", "versioncreated",
            "firstcreated", "byline",    "by",         "subject",      "subjects",
            "pubstatus",    "type",      "renditions", NULL,
        };
        for (size_t i = 0; markers[i]; i++) {
            if (json_object_get(obj, markers[i]))
                return AT_NINJS_NINJS;
        }
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v)
        {
            if (strncmp(key, "body_", 5) == 0 || strncmp(key, "description_", 12) == 0)
                return AT_NINJS_NINJS;
        }
    }
    if (json_object_get(obj, "url") || json_object_get(obj, "id"))
        return AT_NINJS_ITEM;
    return AT_NINJS_UNKNOWN;
}

/* Parse with the same rules as at_json_item_parse. NULL with err set. */
static json_t *load(const char *data, size_t len, char *err, size_t errlen)
{
    if (!data || len == 0) {
        at_err_set_ascii(err, errlen, "empty input");
        return NULL;
    }
    if (len > AT_JSON_MAX_LINE) {
        at_err_set_ascii(err, errlen, "input too long (%zu bytes, limit %d)", len,
                         AT_JSON_MAX_LINE);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        at_err_set_ascii(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line,
                         jerr.column, jerr.text);
        return NULL;
    }
    return root;
}

at_ninjs_kind_t at_ninjs_detect(const char *data, size_t len)
{
    json_t *root = load(data, len, NULL, 0);
    at_ninjs_kind_t k = detect(root);
    json_decref(root);
    return k;
}

static Attache__V1__NewsItem *from_json(json_t *root, const char *default_source, int64_t now,
                                        char *err, size_t errlen)
{
    if (!json_is_object(root)) {
        at_err_set_ascii(err, errlen, "not a JSON object");
        return NULL;
    }
    Attache__V1__NewsItem *item = malloc(sizeof *item);
    if (!item) {
        at_err_set_ascii(err, errlen, "out of memory");
        return NULL;
    }
    attache__v1__news_item__init(item);
    if (fill_item(item, root, default_source, now, err, errlen) != 0) {
        at_json_item_free(&item);
        return NULL;
    }
    return item;
}

Attache__V1__NewsItem *at_ninjs_parse(const char *data, size_t len, const char *default_source,
                                      int64_t now, char *err, size_t errlen)
{
    json_t *root = load(data, len, err, errlen);
    if (!root)
        return NULL;
    Attache__V1__NewsItem *item = from_json(root, default_source, now, err, errlen);
    json_decref(root);
    return item;
}

Attache__V1__NewsItem *at_ninjs_parse_any(const char *data, size_t len, const char *default_source,
                                          int64_t now, char *err, size_t errlen)
{
    json_t *root = load(data, len, NULL, 0);
    if (root && detect(root) == AT_NINJS_NINJS) {
        Attache__V1__NewsItem *item = from_json(root, default_source, now, err, errlen);
        json_decref(root);
        return item;
    }
    json_decref(root);
    /* Everything else is held to the attache input contract, whose parser
     * gives the precise reason when it is not one. */
    Attache__V1__NewsItem *item = at_json_item_parse(data, len, now, err, errlen);
    if (item && !item->source[0] && default_source && default_source[0]) {
        char *d = strdup(default_source);
        if (!d) {
            at_err_set_ascii(err, errlen, "out of memory");
            at_json_item_free(&item);
            return NULL;
        }
        at_json_set_field(&item->source, d);
        if (at_json_item_validate(item, err, errlen) != 0)
            at_json_item_free(&item);
    }
    return item;
}
