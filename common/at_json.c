/*
 * at_json.c: the JSON input and output contracts of attache (docs/json.md),
 * and the semantic validation every receiver runs on protobuf messages.
 *
 * Decisions worth knowing:
 *   - Input is parsed with JSON_REJECT_DUPLICATES: a line such as
 *     {"url":"a","url":"b"} means different things to different parsers
 *     (first wins, last wins), which is how smuggling bugs start; a producer
 *     that writes it has a bug we want to see.
 *   - JSON_ALLOW_NUL is off, so jansson itself rejects "\u0000"; we check
 *     again with json_string_length so no string is ever silently truncated
 *     at an embedded NUL.
 *   - jansson rejects invalid UTF-8 (overlong forms, surrogates, > U+10FFFF)
 *     and lone surrogate escapes, limits nesting depth
 *     (JSON_PARSER_MAX_DEPTH) and seeds its hash function randomly, so
 *     hostile input cannot recurse or collide us to death.
 *   - protobuf-c does not check UTF-8 at all, so validation has its own
 *     small UTF-8 checker (Unicode 15, table 3-7).
 *   - Messages are built exactly as protobuf-c's unpack builds them (all
 *     malloc, unset strings = protobuf_c_empty_string) so one function,
 *     protobuf_c_message_free_unpacked, frees both kinds, including a
 *     half-built item on an error path.
 *   - Error texts are one line of printable ASCII (anything else becomes
 *     '?'), because they go to logs and dead-letter files verbatim.
 */
#include "at_json.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "at_time.h"

/* Instants validation accepts: years 0000..9999 UTC (0 means unknown), the
 * range at_time_parse produces and RFC 3339 can write with 4-digit years. */
#define AT_JSON_TIME_MIN (-62167219200LL)
#define AT_JSON_TIME_MAX 253402300799LL

/* How much of a rejected value to quote in an error message. */
#define QUOTE_MAX 64

/* --- errors -------------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* One line of printable ASCII, whatever the input quoted into it. */
    for (char *c = err; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u < 0x20 || u >= 0x7f)
            *c = '?';
    }
}

/* --- small helpers ------------------------------------------------------- */

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* True if s is empty or only ASCII whitespace. */
static int is_blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++) {
        if (!is_space(*s))
            return 0;
    }
    return 1;
}

/* Validate UTF-8 per Unicode table 3-7 (well-formed byte sequences): no
 * overlong forms, no surrogates (ED A0..BF), nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return 0;
        }
        if (len - i - 1 < n)
            return 0;
        /* Only the first continuation byte has a narrowed range. */
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return 0;
        }
        i += n + 1;
    }
    return 1;
}

/* malloc'd copy of len bytes plus a NUL, as protobuf-c's unpack makes. */
static char *dup_bytes(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* Trim ASCII whitespace from both ends of a malloc'd string, in place. */
static void trim_in_place(char *s)
{
    size_t len = strlen(s), start = 0;
    while (start < len && is_space(s[start]))
        start++;
    while (len > start && is_space(s[len - 1]))
        len--;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
}

/* Replace a protobuf-c string field with `value`, freeing the old one
 * unless it is the shared empty default. */
static void set_field(char **field, char *value)
{
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = value;
}

/* --- input: JSON -> NewsItem --------------------------------------------- */

/* Read an optional string member. Absent, null and "" leave the field at
 * its default. Returns 0, or -1 with err set. */
static int take_string(json_t *obj, const char *key, size_t max, char **field, char *err,
                       size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        set_err(err, errlen, "%s must be a string", key);
        return -1;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (memchr(s, '\0', len)) {
        set_err(err, errlen, "%s contains a NUL character", key);
        return -1;
    }
    if (len > max) {
        set_err(err, errlen, "%s too long (%zu bytes, limit %zu)", key, len, max);
        return -1;
    }
    if (len == 0)
        return 0;
    char *d = dup_bytes(s, len);
    if (!d) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    set_field(field, d);
    return 0;
}

/* Read an optional array of strings. Empty and blank elements are dropped:
 * they carry nothing and would only trip consumers. */
static int take_list(json_t *obj, const char *key, size_t *n_out, char ***list_out, char *err,
                     size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v)) {
        set_err(err, errlen, "%s must be an array of strings", key);
        return -1;
    }
    size_t count = json_array_size(v);
    if (count > AT_JSON_MAX_LIST) {
        set_err(err, errlen, "%s has too many elements (%zu, limit %d)", key, count,
                AT_JSON_MAX_LIST);
        return -1;
    }
    if (count == 0)
        return 0;
    char **list = calloc(count, sizeof *list);
    if (!list) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    /* Hand the array to the message at once so the caller's single
     * free_unpacked also frees a half-filled list. */
    *list_out = list;
    *n_out = 0;
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e)) {
            set_err(err, errlen, "%s[%zu] must be a string", key, i);
            return -1;
        }
        const char *s = json_string_value(e);
        size_t len = json_string_length(e);
        if (memchr(s, '\0', len)) {
            set_err(err, errlen, "%s[%zu] contains a NUL character", key, i);
            return -1;
        }
        if (len > AT_JSON_MAX_STRING) {
            set_err(err, errlen, "%s[%zu] too long (%zu bytes, limit %d)", key, i, len,
                    AT_JSON_MAX_STRING);
            return -1;
        }
        if (is_blank(s))
            continue;
        char *d = dup_bytes(s, len);
        if (!d) {
            set_err(err, errlen, "out of memory");
            return -1;
        }
        list[(*n_out)++] = d;
    }
    return 0;
}

static int take_published(json_t *obj, int64_t *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, "published");
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        set_err(err, errlen, "published must be a string (RFC 3339 or RFC 822 date)");
        return -1;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (memchr(s, '\0', len)) {
        set_err(err, errlen, "published contains a NUL character");
        return -1;
    }
    if (is_blank(s))
        return 0;
    if (at_time_parse(s, out) != 0) {
        set_err(err, errlen, "bad published date: \"%.*s\"%s", QUOTE_MAX, s,
                len > QUOTE_MAX ? "..." : "");
        return -1;
    }
    return 0;
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "value";
}

static int fill_item(Attache__V1__NewsItem *item, json_t *obj, int64_t now, char *err,
                     size_t errlen)
{
    if (take_string(obj, "id", AT_JSON_MAX_ID, &item->id, err, errlen) ||
        take_string(obj, "url", AT_JSON_MAX_STRING, &item->url, err, errlen) ||
        take_string(obj, "title", AT_JSON_MAX_STRING, &item->title, err, errlen) ||
        take_string(obj, "body", AT_JSON_MAX_STRING, &item->body, err, errlen) ||
        take_string(obj, "summary", AT_JSON_MAX_STRING, &item->summary, err, errlen) ||
        take_string(obj, "source", AT_JSON_MAX_STRING, &item->source, err, errlen) ||
        take_string(obj, "language", AT_JSON_MAX_STRING, &item->language, err, errlen) ||
        take_string(obj, "guid", AT_JSON_MAX_STRING, &item->guid, err, errlen) ||
        take_list(obj, "authors", &item->n_authors, &item->authors, err, errlen) ||
        take_list(obj, "categories", &item->n_categories, &item->categories, err, errlen) ||
        take_string(obj, "feed", AT_JSON_MAX_STRING, &item->feed, err, errlen) ||
        take_list(obj, "enclosures", &item->n_enclosures, &item->enclosures, err, errlen) ||
        take_published(obj, &item->published, err, errlen))
        return -1;

    /* Ids and URLs are keys: surrounding whitespace is never meaningful. */
    if (item->id != protobuf_c_empty_string)
        trim_in_place(item->id);
    if (item->url != protobuf_c_empty_string)
        trim_in_place(item->url);

    if (item->id[0] == '\0') {
        if (item->url[0] == '\0') {
            set_err(err, errlen, "missing url and id");
            return -1;
        }
        char id[33];
        at_json_item_id(item->url, id, sizeof id);
        char *d = dup_bytes(id, strlen(id));
        if (!d) {
            set_err(err, errlen, "out of memory");
            return -1;
        }
        set_field(&item->id, d);
    }
    if (is_blank(item->title) && is_blank(item->body) && is_blank(item->summary)) {
        set_err(err, errlen, "missing title, body and summary");
        return -1;
    }
    item->fetched = now;
    /* Whatever we accept here must pass the check every receiver runs. */
    return at_json_item_validate(item, err, errlen);
}

Attache__V1__NewsItem *at_json_item_parse(const char *line, size_t len, int64_t now, char *err,
                                          size_t errlen)
{
    if (!line || len == 0) {
        set_err(err, errlen, "empty input");
        return NULL;
    }
    if (len > AT_JSON_MAX_LINE) {
        set_err(err, errlen, "input too long (%zu bytes, limit %d)", len, AT_JSON_MAX_LINE);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line > 1)
            set_err(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                    jerr.text);
        else
            set_err(err, errlen, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        set_err(err, errlen, "not a JSON object (got %s)", json_type_name(root));
        json_decref(root);
        return NULL;
    }
    Attache__V1__NewsItem *item = malloc(sizeof *item);
    if (!item) {
        set_err(err, errlen, "out of memory");
        json_decref(root);
        return NULL;
    }
    attache__v1__news_item__init(item);
    int rc = fill_item(item, root, now, err, errlen);
    json_decref(root);
    if (rc != 0) {
        at_json_item_free(&item);
        return NULL;
    }
    return item;
}

void at_json_item_free(Attache__V1__NewsItem **item_p)
{
    if (!item_p || !*item_p)
        return;
    protobuf_c_message_free_unpacked(&(*item_p)->base, NULL);
    *item_p = NULL;
}

void at_json_item_id(const char *url, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return;
    const char *s = str_or_empty(url);
    size_t len = strlen(s);
    while (len > 0 && is_space(*s)) {
        s++;
        len--;
    }
    while (len > 0 && is_space(s[len - 1]))
        len--;
    /* The canonical (big-endian) form fixes the byte order on every host:
     * the hex is the high 64 bits then the low 64 bits. */
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(s, len));
    char hex[33];
    for (size_t i = 0; i < sizeof c.digest; i++)
        snprintf(hex + 2 * i, 3, "%02x", c.digest[i]);
    snprintf(out, outlen, "%s", hex);
}

/* --- enum names ---------------------------------------------------------- */

const char *at_json_treaty_state_name(Attache__V1__TreatyState s)
{
    switch (s) {
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY:
        return "party";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING:
        return "party_withdrawal_pending";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_CONSENTED_NOT_IN_FORCE:
        return "consented_not_in_force";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATORY:
        return "signatory";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATURE_WITHDRAWN:
        return "signature_withdrawn";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_WITHDRAWN:
        return "withdrawn";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY:
        return "non_signatory";
    default:
        return "unspecified";
    }
}

const char *at_json_severity_name(Attache__V1__Severity s)
{
    switch (s) {
    case ATTACHE__V1__SEVERITY__SEVERITY_INFO:
        return "info";
    case ATTACHE__V1__SEVERITY__SEVERITY_NOTICE:
        return "notice";
    case ATTACHE__V1__SEVERITY__SEVERITY_WARNING:
        return "warning";
    case ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL:
        return "critical";
    default:
        return "unspecified";
    }
}

const char *at_json_mention_kind_name(Attache__V1__MentionKind k)
{
    switch (k) {
    case ATTACHE__V1__MENTION_KIND__MENTION_KIND_NAME:
        return "name";
    case ATTACHE__V1__MENTION_KIND__MENTION_KIND_DEMONYM:
        return "demonym";
    case ATTACHE__V1__MENTION_KIND__MENTION_KIND_CAPITAL:
        return "capital";
    case ATTACHE__V1__MENTION_KIND__MENTION_KIND_CITY:
        return "city";
    case ATTACHE__V1__MENTION_KIND__MENTION_KIND_ABBREVIATION:
        return "abbreviation";
    default:
        return "unspecified";
    }
}

/* --- output: messages -> JSON -------------------------------------------- */

/* Each put_* returns 0 or -1. json_string() refuses invalid UTF-8, which is
 * how an unvalidated bad string makes the whole dump fail rather than emit
 * broken JSON. json_object_set_new() releases the value even on failure. */
static int put(json_t *o, const char *key, json_t *v)
{
    return v ? json_object_set_new(o, key, v) : -1;
}

static int put_str(json_t *o, const char *key, const char *s)
{
    return put(o, key, json_string(str_or_empty(s)));
}

/* Optional strings (and dates) are left out when empty. */
static int put_opt(json_t *o, const char *key, const char *s)
{
    return s && s[0] ? put_str(o, key, s) : 0;
}

static int put_uint(json_t *o, const char *key, uint32_t v)
{
    return put(o, key, json_integer((json_int_t)v));
}

/* An instant as RFC 3339, or null when unknown (0). */
static int put_time(json_t *o, const char *key, int64_t t)
{
    if (t == 0)
        return put(o, key, json_null());
    char buf[40];
    return put_str(o, key, at_time_format_rfc3339(t, buf, sizeof buf));
}

/* Append to an array; json_array_append_new() releases v on failure. */
static int append(json_t *a, json_t *v)
{
    return v ? json_array_append_new(a, v) : -1;
}

/* Serialize and release. Caller frees the result with free(): jansson
 * allocates with malloc unless someone installs other allocators, which
 * attache never does. */
static char *dump_and_release(json_t *root, int rc)
{
    char *out = NULL;
    if (rc == 0)
        out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return out;
}

static json_t *string_list(char **list, size_t n)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (append(a, json_string(str_or_empty(list[i])))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

char *at_json_item_dump(const Attache__V1__NewsItem *item)
{
    if (!item)
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= put_str(o, "id", item->id);
    rc |= put_str(o, "url", item->url);
    rc |= put_str(o, "title", item->title);
    rc |= put_time(o, "published", item->published);
    rc |= put_str(o, "source", item->source);
    rc |= put_opt(o, "language", item->language);
    rc |= put_opt(o, "guid", item->guid);
    rc |= put(o, "authors", string_list(item->authors, item->authors ? item->n_authors : 0));
    rc |= put(o, "categories",
              string_list(item->categories, item->categories ? item->n_categories : 0));
    rc |= put_opt(o, "summary", item->summary);
    rc |= put_opt(o, "body", item->body);
    rc |= put_time(o, "fetched", item->fetched);
    rc |= put_opt(o, "feed", item->feed);
    if (item->n_enclosures)
        rc |= put(o, "enclosures", string_list(item->enclosures, item->n_enclosures));
    return dump_and_release(o, rc);
}

static json_t *treaty_json(const Attache__V1__TreatyStatus *t)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= put_str(o, "status", at_json_treaty_state_name(t->status));
    rc |= put_opt(o, "signed", t->signed_);
    rc |= put_opt(o, "consent_type", t->consent_type);
    rc |= put_opt(o, "consent", t->consent);
    rc |= put_opt(o, "in_force", t->in_force);
    rc |= put_opt(o, "withdrawal_notified", t->withdrawal_notified);
    rc |= put_opt(o, "withdrawal_effective", t->withdrawal_effective);
    rc |= put_opt(o, "signature_withdrawn", t->signature_withdrawn);
    rc |= put_opt(o, "withdrawal_revoked", t->withdrawal_revoked);
    rc |= put_opt(o, "consent_withdrawn", t->consent_withdrawn);
    rc |= put_opt(o, "source", t->source);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *country_json(const Attache__V1__CountryMention *c)
{
    json_t *o = json_object(), *kinds = json_array(), *treaties = json_object();
    int rc = (o && kinds && treaties) ? 0 : -1;
    if (rc == 0) {
        for (size_t i = 0; c->kinds && i < c->n_kinds; i++)
            rc |= append(kinds, json_string(at_json_mention_kind_name(c->kinds[i])));
        for (size_t i = 0; c->treaties && i < c->n_treaties; i++) {
            const Attache__V1__TreatyStatus *t = c->treaties[i];
            if (t)
                rc |= put(treaties, str_or_empty(t->treaty), treaty_json(t));
        }
        rc |= put_str(o, "code", c->code);
        rc |= put_str(o, "name", c->name);
        rc |= put_uint(o, "mentions", c->mentions);
        rc |= put_uint(o, "first_offset", c->first_offset);
        rc |= put(o, "in_title", json_boolean(c->in_title));
        rc |= put(o, "kinds", kinds);
        kinds = NULL;
        rc |= put(o, "treaties", treaties);
        treaties = NULL;
    }
    json_decref(kinds);
    json_decref(treaties);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *role_json(const Attache__V1__Role *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= put_str(o, "role", r->role);
    rc |= put_str(o, "country", r->country);
    rc |= put_str(o, "title", r->title);
    rc |= put_opt(o, "start", r->start);
    rc |= put_opt(o, "end", r->end);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *warrant_json(const Attache__V1__Warrant *w)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= put_str(o, "court", w->court);
    rc |= put_opt(o, "issued", w->issued);
    rc |= put_str(o, "status", w->status);
    rc |= put_str(o, "reference", w->reference);
    rc |= put_str(o, "source", w->source);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *actor_json(const Attache__V1__ActorMention *a)
{
    json_t *o = json_object(), *roles = json_array(), *warrants = json_array();
    int rc = (o && roles && warrants) ? 0 : -1;
    if (rc == 0) {
        for (size_t i = 0; a->roles && i < a->n_roles; i++) {
            if (a->roles[i])
                rc |= append(roles, role_json(a->roles[i]));
        }
        for (size_t i = 0; a->warrants && i < a->n_warrants; i++) {
            if (a->warrants[i])
                rc |= append(warrants, warrant_json(a->warrants[i]));
        }
        rc |= put_str(o, "id", a->id);
        rc |= put_str(o, "name", a->name);
        rc |= put_str(o, "country", a->country);
        rc |= put_uint(o, "mentions", a->mentions);
        rc |= put(o, "roles", roles);
        roles = NULL;
        rc |= put(o, "warrants", warrants);
        warrants = NULL;
    }
    json_decref(roles);
    json_decref(warrants);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *location_json(const Attache__V1__Location *l)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= put_str(o, "code", l->code);
    rc |= put_str(o, "place", l->place);
    rc |= put_str(o, "basis", l->basis);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *alert_json(const Attache__V1__Alert *a)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= put_str(o, "rule", a->rule);
    rc |= put_str(o, "actor", a->actor);
    rc |= put_str(o, "country", a->country);
    rc |= put_str(o, "severity", at_json_severity_name(a->severity));
    rc |= put_str(o, "message", a->message);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *at_json_event_dump(const Attache__V1__Event *ev)
{
    if (!ev)
        return NULL;
    /* An event without an item (never valid, but dump must not crash)
     * renders the item fields from an all-defaults item. */
    Attache__V1__NewsItem empty = ATTACHE__V1__NEWS_ITEM__INIT;
    const Attache__V1__NewsItem *it = ev->item ? ev->item : &empty;
    json_t *o = json_object();
    json_t *countries = json_array(), *actors = json_array(), *locations = json_array(),
           *alerts = json_array();
    int rc = (o && countries && actors && locations && alerts) ? 0 : -1;
    if (rc == 0) {
        for (size_t i = 0; ev->countries && i < ev->n_countries; i++) {
            if (ev->countries[i])
                rc |= append(countries, country_json(ev->countries[i]));
        }
        for (size_t i = 0; ev->actors && i < ev->n_actors; i++) {
            if (ev->actors[i])
                rc |= append(actors, actor_json(ev->actors[i]));
        }
        for (size_t i = 0; ev->locations && i < ev->n_locations; i++) {
            if (ev->locations[i])
                rc |= append(locations, location_json(ev->locations[i]));
        }
        for (size_t i = 0; ev->alerts && i < ev->n_alerts; i++) {
            if (ev->alerts[i])
                rc |= append(alerts, alert_json(ev->alerts[i]));
        }
        rc |= put_str(o, "id", ev->id);
        rc |= put_str(o, "url", it->url);
        rc |= put_str(o, "title", it->title);
        rc |= put_time(o, "published", it->published);
        rc |= put_str(o, "source", it->source);
        rc |= put_opt(o, "language", it->language);
        rc |= put_opt(o, "summary", it->summary);
        rc |= put_opt(o, "body", it->body);
        rc |= put_time(o, "fetched", it->fetched);
        /* A date or null, like "published". */
        if (ev->reference_date && ev->reference_date[0])
            rc |= put_str(o, "reference_date", ev->reference_date);
        else
            rc |= put(o, "reference_date", json_null());
        rc |= put_str(o, "data_version", ev->data_version);
        rc |= put(o, "countries", countries);
        rc |= put(o, "actors", actors);
        rc |= put(o, "locations", locations);
        rc |= put(o, "alerts", alerts);
        countries = actors = locations = alerts = NULL;
    }
    json_decref(countries);
    json_decref(actors);
    json_decref(locations);
    json_decref(alerts);
    if (!o)
        return NULL;
    return dump_and_release(o, rc);
}

/* --- validation of decoded messages -------------------------------------- */

/* A string field: NULL counts as "" (hand-built messages), at most max
 * bytes, valid UTF-8. `path` names the field in the error. */
static int check_str(const char *path, const char *s, size_t max, char *err, size_t errlen)
{
    if (!s)
        return 0;
    size_t len = strnlen(s, max + 1);
    if (len > max) {
        set_err(err, errlen, "%s too long (limit %zu bytes)", path, max);
        return -1;
    }
    if (!utf8_valid((const unsigned char *)s, len)) {
        set_err(err, errlen, "%s is not valid UTF-8", path);
        return -1;
    }
    return 0;
}

/* A calendar date field: "" or a valid YYYY-MM-DD. */
static int check_date(const char *path, const char *s, char *err, size_t errlen)
{
    at_day_t day;
    if (!s || !s[0])
        return 0;
    if (at_day_parse(s, &day) != 0) {
        set_err(err, errlen, "%s is not a YYYY-MM-DD date", path);
        return -1;
    }
    return 0;
}

/* An id: non-empty, bounded, UTF-8, no control characters (ids become
 * Kafka keys, database keys and log fields). */
static int check_id(const char *path, const char *s, char *err, size_t errlen)
{
    if (!s || !s[0]) {
        set_err(err, errlen, "missing %s", path);
        return -1;
    }
    if (check_str(path, s, AT_JSON_MAX_ID, err, errlen))
        return -1;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            set_err(err, errlen, "%s contains a control character", path);
            return -1;
        }
    }
    return 0;
}

static int check_time(const char *path, int64_t t, char *err, size_t errlen)
{
    if (t < AT_JSON_TIME_MIN || t > AT_JSON_TIME_MAX) {
        set_err(err, errlen, "%s out of range (%lld)", path, (long long)t);
        return -1;
    }
    return 0;
}

/* A repeated field's count and array pointer agree and are within limits. */
static int check_list(const char *path, size_t n, const void *arr, char *err, size_t errlen)
{
    if (n > AT_JSON_MAX_LIST) {
        set_err(err, errlen, "%s has too many elements (%zu, limit %d)", path, n, AT_JSON_MAX_LIST);
        return -1;
    }
    if (n > 0 && !arr) {
        set_err(err, errlen, "%s is missing its elements", path);
        return -1;
    }
    return 0;
}

/* Paths like "countries[3].treaties[1].signed" for error messages. */
#define PATH_MAX_LEN 160

static int check_item(const char *prefix, const Attache__V1__NewsItem *item, char *err,
                      size_t errlen)
{
    char path[PATH_MAX_LEN];
#define P(name) (snprintf(path, sizeof path, "%s%s", prefix, name), path)
    if (!item) {
        set_err(err, errlen, "missing item");
        return -1;
    }
    if (item->base.descriptor != &attache__v1__news_item__descriptor) {
        set_err(err, errlen, "%snot a NewsItem message", prefix);
        return -1;
    }
    if (check_id(P("id"), item->id, err, errlen) ||
        check_str(P("url"), item->url, AT_JSON_MAX_STRING, err, errlen) ||
        check_str(P("title"), item->title, AT_JSON_MAX_STRING, err, errlen) ||
        check_str(P("body"), item->body, AT_JSON_MAX_STRING, err, errlen) ||
        check_str(P("summary"), item->summary, AT_JSON_MAX_STRING, err, errlen) ||
        check_str(P("source"), item->source, AT_JSON_MAX_STRING, err, errlen) ||
        check_str(P("language"), item->language, AT_JSON_MAX_STRING, err, errlen) ||
        check_str(P("guid"), item->guid, AT_JSON_MAX_STRING, err, errlen) ||
        check_time(P("published"), item->published, err, errlen) ||
        check_time(P("fetched"), item->fetched, err, errlen) ||
        check_list(P("authors"), item->n_authors, item->authors, err, errlen) ||
        check_list(P("categories"), item->n_categories, item->categories, err, errlen) ||
        check_str(P("feed"), item->feed, AT_JSON_MAX_STRING, err, errlen) ||
        check_list(P("enclosures"), item->n_enclosures, item->enclosures, err, errlen))
        return -1;
    if (is_blank(item->url) && is_blank(item->title)) {
        set_err(err, errlen, "%smissing url and title", prefix);
        return -1;
    }
    for (size_t i = 0; i < item->n_authors; i++) {
        snprintf(path, sizeof path, "%sauthors[%zu]", prefix, i);
        if (check_str(path, item->authors[i], AT_JSON_MAX_STRING, err, errlen))
            return -1;
    }
    for (size_t i = 0; i < item->n_categories; i++) {
        snprintf(path, sizeof path, "%scategories[%zu]", prefix, i);
        if (check_str(path, item->categories[i], AT_JSON_MAX_STRING, err, errlen))
            return -1;
    }
    for (size_t i = 0; i < item->n_enclosures; i++) {
        snprintf(path, sizeof path, "%senclosures[%zu]", prefix, i);
        if (check_str(path, item->enclosures[i], AT_JSON_MAX_STRING, err, errlen))
            return -1;
    }
#undef P
    return 0;
}

int at_json_item_validate(const Attache__V1__NewsItem *item, char *err, size_t errlen)
{
    return check_item("", item, err, errlen);
}

static int check_treaty(const char *base, const Attache__V1__TreatyStatus *t, char *err,
                        size_t errlen)
{
    char path[PATH_MAX_LEN];
#define P(name) (snprintf(path, sizeof path, "%s.%s", base, name), path)
    if (!t) {
        set_err(err, errlen, "%s is missing", base);
        return -1;
    }
    if (!t->treaty || !t->treaty[0]) {
        set_err(err, errlen, "%s.treaty is empty", base);
        return -1;
    }
    if (check_str(P("treaty"), t->treaty, AT_JSON_MAX_ID, err, errlen) ||
        check_date(P("signed"), t->signed_, err, errlen) ||
        check_str(P("consent_type"), t->consent_type, AT_JSON_MAX_ID, err, errlen) ||
        check_date(P("consent"), t->consent, err, errlen) ||
        check_date(P("in_force"), t->in_force, err, errlen) ||
        check_date(P("withdrawal_notified"), t->withdrawal_notified, err, errlen) ||
        check_date(P("withdrawal_effective"), t->withdrawal_effective, err, errlen) ||
        check_date(P("signature_withdrawn"), t->signature_withdrawn, err, errlen) ||
        check_date(P("withdrawal_revoked"), t->withdrawal_revoked, err, errlen) ||
        check_date(P("consent_withdrawn"), t->consent_withdrawn, err, errlen) ||
        check_str(P("source"), t->source, AT_JSON_MAX_STRING, err, errlen))
        return -1;
#undef P
    return 0;
}

static int check_country(const char *base, const Attache__V1__CountryMention *c, char *err,
                         size_t errlen)
{
    char path[PATH_MAX_LEN];
    if (!c) {
        set_err(err, errlen, "%s is missing", base);
        return -1;
    }
    snprintf(path, sizeof path, "%s.code", base);
    if (check_str(path, c->code, AT_JSON_MAX_ID, err, errlen))
        return -1;
    snprintf(path, sizeof path, "%s.name", base);
    if (check_str(path, c->name, AT_JSON_MAX_STRING, err, errlen))
        return -1;
    snprintf(path, sizeof path, "%s.kinds", base);
    if (check_list(path, c->n_kinds, c->kinds, err, errlen))
        return -1;
    snprintf(path, sizeof path, "%s.treaties", base);
    if (check_list(path, c->n_treaties, c->treaties, err, errlen))
        return -1;
    if (c->n_treaties > AT_JSON_MAX_TREATIES) {
        set_err(err, errlen, "%s has too many elements (%zu, limit %d)", path, c->n_treaties,
                AT_JSON_MAX_TREATIES);
        return -1;
    }
    for (size_t i = 0; i < c->n_treaties; i++) {
        snprintf(path, sizeof path, "%s.treaties[%zu]", base, i);
        if (check_treaty(path, c->treaties[i], err, errlen))
            return -1;
        /* The JSON form keys treaties by id, so a duplicate would vanish. */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->treaties[j]->treaty, c->treaties[i]->treaty) == 0) {
                set_err(err, errlen, "%s.treaty duplicates treaties[%zu]", path, j);
                return -1;
            }
        }
    }
    return 0;
}

static int check_actor(const char *base, const Attache__V1__ActorMention *a, char *err,
                       size_t errlen)
{
    char path[PATH_MAX_LEN];
#define P(fmt, ...) (snprintf(path, sizeof path, "%s" fmt, base, __VA_ARGS__), path)
    if (!a) {
        set_err(err, errlen, "%s is missing", base);
        return -1;
    }
    if (check_str(P(".%s", "id"), a->id, AT_JSON_MAX_ID, err, errlen) ||
        check_str(P(".%s", "name"), a->name, AT_JSON_MAX_STRING, err, errlen) ||
        check_str(P(".%s", "country"), a->country, AT_JSON_MAX_ID, err, errlen) ||
        check_list(P(".%s", "roles"), a->n_roles, a->roles, err, errlen) ||
        check_list(P(".%s", "warrants"), a->n_warrants, a->warrants, err, errlen))
        return -1;
    for (size_t i = 0; i < a->n_roles; i++) {
        const Attache__V1__Role *r = a->roles[i];
        if (!r) {
            set_err(err, errlen, "%s.roles[%zu] is missing", base, i);
            return -1;
        }
        if (check_str(P(".roles[%zu].role", i), r->role, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P(".roles[%zu].country", i), r->country, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P(".roles[%zu].title", i), r->title, AT_JSON_MAX_STRING, err, errlen) ||
            check_date(P(".roles[%zu].start", i), r->start, err, errlen) ||
            check_date(P(".roles[%zu].end", i), r->end, err, errlen))
            return -1;
    }
    for (size_t i = 0; i < a->n_warrants; i++) {
        const Attache__V1__Warrant *w = a->warrants[i];
        if (!w) {
            set_err(err, errlen, "%s.warrants[%zu] is missing", base, i);
            return -1;
        }
        if (check_str(P(".warrants[%zu].court", i), w->court, AT_JSON_MAX_ID, err, errlen) ||
            check_date(P(".warrants[%zu].issued", i), w->issued, err, errlen) ||
            check_str(P(".warrants[%zu].status", i), w->status, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P(".warrants[%zu].reference", i), w->reference, AT_JSON_MAX_STRING, err,
                      errlen) ||
            check_str(P(".warrants[%zu].source", i), w->source, AT_JSON_MAX_STRING, err, errlen))
            return -1;
    }
#undef P
    return 0;
}

int at_json_event_validate(const Attache__V1__Event *ev, char *err, size_t errlen)
{
    char path[PATH_MAX_LEN];
    if (!ev) {
        set_err(err, errlen, "missing event");
        return -1;
    }
    if (ev->base.descriptor != &attache__v1__event__descriptor) {
        set_err(err, errlen, "not an Event message");
        return -1;
    }
    if (check_id("id", ev->id, err, errlen))
        return -1;
    if (!ev->item) {
        set_err(err, errlen, "event has no item");
        return -1;
    }
    if (check_item("item.", ev->item, err, errlen))
        return -1;
    if (strcmp(ev->id, ev->item->id) != 0) {
        set_err(err, errlen, "event id differs from item.id");
        return -1;
    }
    if (check_str("data_version", ev->data_version, AT_JSON_MAX_ID, err, errlen) ||
        check_date("reference_date", ev->reference_date, err, errlen) ||
        check_time("enriched", ev->enriched, err, errlen) ||
        check_list("countries", ev->n_countries, ev->countries, err, errlen) ||
        check_list("actors", ev->n_actors, ev->actors, err, errlen) ||
        check_list("locations", ev->n_locations, ev->locations, err, errlen) ||
        check_list("alerts", ev->n_alerts, ev->alerts, err, errlen))
        return -1;
    for (size_t i = 0; i < ev->n_countries; i++) {
        snprintf(path, sizeof path, "countries[%zu]", i);
        if (check_country(path, ev->countries[i], err, errlen))
            return -1;
    }
    for (size_t i = 0; i < ev->n_actors; i++) {
        snprintf(path, sizeof path, "actors[%zu]", i);
        if (check_actor(path, ev->actors[i], err, errlen))
            return -1;
    }
    for (size_t i = 0; i < ev->n_locations; i++) {
        const Attache__V1__Location *l = ev->locations[i];
        if (!l) {
            set_err(err, errlen, "locations[%zu] is missing", i);
            return -1;
        }
#define P(name) (snprintf(path, sizeof path, "locations[%zu].%s", i, name), path)
        if (check_str(P("code"), l->code, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P("place"), l->place, AT_JSON_MAX_STRING, err, errlen) ||
            check_str(P("basis"), l->basis, AT_JSON_MAX_ID, err, errlen))
            return -1;
#undef P
    }
    for (size_t i = 0; i < ev->n_alerts; i++) {
        const Attache__V1__Alert *a = ev->alerts[i];
        if (!a) {
            set_err(err, errlen, "alerts[%zu] is missing", i);
            return -1;
        }
#define P(name) (snprintf(path, sizeof path, "alerts[%zu].%s", i, name), path)
        if (check_str(P("rule"), a->rule, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P("actor"), a->actor, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P("country"), a->country, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P("message"), a->message, AT_JSON_MAX_STRING, err, errlen))
            return -1;
#undef P
    }
    return 0;
}

/* See at_json_init in at_json.h. */
static void *json_alloc_or_abort(size_t n)
{
    void *p = malloc(n);
    if (!p && n) {
        static const char msg[] = "attache: out of memory inside jansson; aborting, because "
                                  "jansson 2.14 cannot fail an allocation safely\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        abort();
    }
    return p;
}

void at_json_init(void)
{
    json_set_alloc_funcs(json_alloc_or_abort, free);
}
