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
 *   - Lines made only of strings, nulls and arrays of strings (news items)
 *     go through a fast path (fast_parse) that builds the same jansson tree
 *     without jansson's per-character lexer; anything else, and anything
 *     jansson would refuse, is parsed by json_loadb as before, so results
 *     and error texts do not change (docs/enrich-bench.md).
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

#include "at_err.h"
#include "at_time.h"
#include "at_utf8.h"

/* Instants validation accepts: years 0000..9999 UTC (0 means unknown), the
 * range at_time_parse produces and RFC 3339 can write with 4-digit years. */
#define AT_JSON_TIME_MIN (-62167219200LL)
#define AT_JSON_TIME_MAX 253402300799LL

/* How much of a rejected value to quote in an error message. */
#define QUOTE_MAX 64

/* --- errors -------------------------------------------------------------- */

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

void at_json_set_field(char **field, char *value)
{
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = value;
}

/* --- input: JSON -> NewsItem --------------------------------------------- */

int at_json_get_string(json_t *obj, const char *key, const char *name, size_t max, const char **s,
                       size_t *len, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    *s = NULL;
    *len = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        at_err_set_ascii(err, errlen, "%s must be a string", name);
        return -1;
    }
    const char *str = json_string_value(v);
    size_t n = json_string_length(v);
    if (memchr(str, '\0', n)) {
        at_err_set_ascii(err, errlen, "%s contains a NUL character", name);
        return -1;
    }
    if (n > max) {
        at_err_set_ascii(err, errlen, "%s too long (%zu bytes, limit %zu)", name, n, max);
        return -1;
    }
    *s = str;
    *len = n;
    return 1;
}

/* Read an optional string member. Absent, null and "" leave the field at
 * its default. Returns 0, or -1 with err set. */
static int take_string(json_t *obj, const char *key, size_t max, char **field, char *err,
                       size_t errlen)
{
    const char *s;
    size_t len;
    int rc = at_json_get_string(obj, key, key, max, &s, &len, err, errlen);
    if (rc <= 0 || len == 0)
        return rc < 0 ? -1 : 0;
    char *d = dup_bytes(s, len);
    if (!d) {
        at_err_set_ascii(err, errlen, "out of memory");
        return -1;
    }
    at_json_set_field(field, d);
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
        at_err_set_ascii(err, errlen, "%s must be an array of strings", key);
        return -1;
    }
    size_t count = json_array_size(v);
    if (count > AT_JSON_MAX_LIST) {
        at_err_set_ascii(err, errlen, "%s has too many elements (%zu, limit %d)", key, count,
                         AT_JSON_MAX_LIST);
        return -1;
    }
    if (count == 0)
        return 0;
    char **list = calloc(count, sizeof *list);
    if (!list) {
        at_err_set_ascii(err, errlen, "out of memory");
        return -1;
    }
    /* Hand the array to the message at once so the caller's single
     * free_unpacked also frees a half-filled list. */
    *list_out = list;
    *n_out = 0;
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e)) {
            at_err_set_ascii(err, errlen, "%s[%zu] must be a string", key, i);
            return -1;
        }
        const char *s = json_string_value(e);
        size_t len = json_string_length(e);
        if (memchr(s, '\0', len)) {
            at_err_set_ascii(err, errlen, "%s[%zu] contains a NUL character", key, i);
            return -1;
        }
        if (len > AT_JSON_MAX_STRING) {
            at_err_set_ascii(err, errlen, "%s[%zu] too long (%zu bytes, limit %d)", key, i, len,
                             AT_JSON_MAX_STRING);
            return -1;
        }
        if (is_blank(s))
            continue;
        char *d = dup_bytes(s, len);
        if (!d) {
            at_err_set_ascii(err, errlen, "out of memory");
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
        at_err_set_ascii(err, errlen, "published must be a string (RFC 3339 or RFC 822 date)");
        return -1;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (memchr(s, '\0', len)) {
        at_err_set_ascii(err, errlen, "published contains a NUL character");
        return -1;
    }
    if (is_blank(s))
        return 0;
    if (at_time_parse(s, out) != 0) {
        at_err_set_ascii(err, errlen, "bad published date: \"%.*s\"%s", QUOTE_MAX, s,
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
            at_err_set_ascii(err, errlen, "missing url and id");
            return -1;
        }
        char id[33];
        at_json_item_id(item->url, id, sizeof id);
        char *d = dup_bytes(id, strlen(id));
        if (!d) {
            at_err_set_ascii(err, errlen, "out of memory");
            return -1;
        }
        at_json_set_field(&item->id, d);
    }
    if (is_blank(item->title) && is_blank(item->body) && is_blank(item->summary)) {
        at_err_set_ascii(err, errlen, "missing title, body and summary");
        return -1;
    }
    item->fetched = now;
    /* Whatever we accept here must pass the check every receiver runs. */
    return at_json_item_validate(item, err, errlen);
}

/* Fast path for input lines (docs/enrich-bench.md: json_loadb was ~45% of
 * `attache enrich`'s CPU). It builds the same jansson tree json_loadb would
 * for the lines news items are made of: one object whose values are
 * strings, null, or arrays of strings. For anything else (numbers, true,
 * false, nested objects, null inside an array), and for anything jansson
 * would reject (bad syntax, invalid UTF-8, lone surrogates, "\u0000",
 * duplicate keys, trailing bytes), it returns NULL and the caller parses
 * the line with json_loadb, which then gives the result or the error
 * exactly as before. So it never accepts what jansson rejects, nor parses
 * differently what jansson accepts. */
typedef struct {
    const unsigned char *p, *end;
    char *buf; /* decoded strings; the line's length is enough */
} fast_t;

static void fast_ws(fast_t *f)
{
    while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
        f->p++;
}

static int fast_hex4(const unsigned char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* 8 plain bytes: no '"', '\\', control byte or byte >= 0x80. */
static inline int fast_plain8(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    uint64_t special = ((q - ones) & ~q) | ((b - ones) & ~b) | (x - ones * 0x20) | x;
    return (special & high) == 0;
}

/* A string at f->p (just after its opening quote), decoded into f->buf at
 * *n. Returns 0 with f->p after the closing quote, or -1. */
static int fast_string(fast_t *f, size_t *n)
{
    const unsigned char *p = f->p, *end = f->end;
    char *o = f->buf;
    size_t k = 0;
    for (;;) {
        while (end - p >= 8 && fast_plain8(p)) {
            memcpy(o + k, p, 8);
            p += 8;
            k += 8;
        }
        if (p >= end)
            return -1;
        unsigned char c = *p;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (c < 0x80 && c != '\\') {
            o[k++] = (char)c;
            p++;
            continue;
        }
        if (c >= 0x80) {
            size_t m = at_utf8_decode(p, (size_t)(end - p), NULL);
            if (m == 0)
                return -1;
            memcpy(o + k, p, m);
            p += m;
            k += m;
            continue;
        }
        if (end - p < 2)
            return -1;
        c = p[1];
        p += 2;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            o[k++] = (char)c;
            continue;
        case 'b':
            o[k++] = '\b';
            continue;
        case 'f':
            o[k++] = '\f';
            continue;
        case 'n':
            o[k++] = '\n';
            continue;
        case 'r':
            o[k++] = '\r';
            continue;
        case 't':
            o[k++] = '\t';
            continue;
        case 'u':
            break;
        default:
            return -1;
        }
        unsigned cp, lo;
        if (end - p < 4 || fast_hex4(p, &cp) < 0 || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
            return -1;
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || fast_hex4(p + 2, &lo) < 0 ||
                lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        k += at_utf8_encode(cp, o + k);
    }
    f->p = p + 1;
    *n = k;
    return 0;
}

static json_t *fast_value(fast_t *f)
{
    size_t n;
    if (f->p >= f->end)
        return NULL;
    if (*f->p == '"') {
        f->p++;
        return fast_string(f, &n) == 0 ? json_stringn_nocheck(f->buf, n) : NULL;
    }
    if (f->end - f->p >= 4 && memcmp(f->p, "null", 4) == 0) {
        f->p += 4;
        return json_null();
    }
    if (*f->p != '[')
        return NULL;
    f->p++;
    json_t *a = json_array();
    if (!a)
        return NULL;
    fast_ws(f);
    if (f->p < f->end && *f->p == ']') {
        f->p++;
        return a;
    }
    for (;;) {
        if (f->p >= f->end || *f->p != '"')
            break;
        f->p++;
        json_t *s = fast_string(f, &n) == 0 ? json_stringn_nocheck(f->buf, n) : NULL;
        if (!s || json_array_append_new(a, s) < 0)
            break;
        fast_ws(f);
        if (f->p < f->end && *f->p == ']') {
            f->p++;
            return a;
        }
        if (f->p >= f->end || *f->p != ',')
            break;
        f->p++;
        fast_ws(f);
    }
    json_decref(a);
    return NULL;
}

static json_t *fast_parse(const char *line, size_t len)
{
    fast_t f = {(const unsigned char *)line, (const unsigned char *)line + len, malloc(len + 1)};
    json_t *obj = f.buf ? json_object() : NULL;
    if (!obj)
        goto bail;
    fast_ws(&f);
    if (f.p >= f.end || *f.p++ != '{')
        goto bail;
    fast_ws(&f);
    if (f.p < f.end && *f.p == '}') {
        f.p++;
    } else {
        for (;;) {
            size_t klen;
            if (f.p >= f.end || *f.p++ != '"' || fast_string(&f, &klen) < 0)
                goto bail;
            f.buf[klen] = '\0';
            if (json_object_get(obj, f.buf)) /* duplicate: jansson's error */
                goto bail;
            char key[AT_JSON_MAX_ID + 1];
            if (klen > AT_JSON_MAX_ID)
                goto bail;
            memcpy(key, f.buf, klen + 1);
            fast_ws(&f);
            if (f.p >= f.end || *f.p++ != ':')
                goto bail;
            fast_ws(&f);
            json_t *v = fast_value(&f);
            if (!v || json_object_set_new_nocheck(obj, key, v) < 0)
                goto bail;
            fast_ws(&f);
            if (f.p < f.end && *f.p == ',') {
                f.p++;
                fast_ws(&f);
                continue;
            }
            if (f.p < f.end && *f.p == '}') {
                f.p++;
                break;
            }
            goto bail;
        }
    }
    fast_ws(&f);
    if (f.p != f.end)
        goto bail;
    free(f.buf);
    return obj;
bail:
    json_decref(obj);
    free(f.buf);
    return NULL;
}

Attache__V1__NewsItem *at_json_item_parse(const char *line, size_t len, int64_t now, char *err,
                                          size_t errlen)
{
    if (!line || len == 0) {
        at_err_set_ascii(err, errlen, "empty input");
        return NULL;
    }
    if (len > AT_JSON_MAX_LINE) {
        at_err_set_ascii(err, errlen, "input too long (%zu bytes, limit %d)", len,
                         AT_JSON_MAX_LINE);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = fast_parse(line, len);
    if (!root)
        root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line > 1)
            at_err_set_ascii(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line,
                             jerr.column, jerr.text);
        else
            at_err_set_ascii(err, errlen, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        at_err_set_ascii(err, errlen, "not a JSON object (got %s)", json_type_name(root));
        json_decref(root);
        return NULL;
    }
    Attache__V1__NewsItem *item = malloc(sizeof *item);
    if (!item) {
        at_err_set_ascii(err, errlen, "out of memory");
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

/*
 * Why the output is written by hand rather than through jansson: the schema
 * is attache's own and fixed (docs/json.md), and printing it through a
 * jansson tree was the largest cost of attache-sink. attache-bench-stages
 * measured at_json_event_dump at ~40 us of the sink's ~50 us per event
 * (2.9 KB lines), and the pipeline profile put it at 63% of the sink's CPU
 * (docs/benchmarks.md): json_string() copied and re-validated every string
 * that at_json_event_validate had just checked, every node and key was
 * malloc'd and hashed, and json_dumps walked it all again. The writer below
 * appends straight into one growable buffer, and its string escaper checks
 * UTF-8 and escapes in the same pass, copying runs of plain bytes with one
 * memcpy. Input is still parsed by jansson (at_json_item_parse); only the
 * two dumps are hand-written.
 *
 * The output is byte for byte what json_dumps(tree, JSON_COMPACT |
 * JSON_PRESERVE_ORDER) of jansson 2.14 printed for the tree the old code
 * built, and the unit tests hold it to that:
 *   - members in insertion order, no whitespace;
 *   - strings escaped as jansson's dump_string does without
 *     JSON_ENSURE_ASCII and JSON_ESCAPE_SLASH: '"' and '\' with a
 *     backslash, \b \f \n \r \t, every other byte below 0x20 as \u00XX
 *     (uppercase hex), and everything else as is: '/', DEL, U+2028/U+2029
 *     and all other UTF-8;
 *   - a string that is not valid UTF-8 (table 3-7, which is also what
 *     jansson's utf8_check accepts) fails the whole dump (NULL), as
 *     json_string() made it fail;
 *   - treaties are an object keyed by treaty id: a repeated id (only an
 *     unvalidated message has one) keeps the position of its first
 *     occurrence and the value of its last, as json_object_set_new did.
 */

/* A growable output buffer. Once anything fails (allocation, or a string
 * that is not UTF-8) the buffer is freed, `failed` is set and every later
 * call does nothing, so the dumps check once, at the end (jw_finish). */
typedef struct {
    char *buf;
    size_t len; /* bytes written */
    size_t cap; /* bytes allocated; writes always leave room for a NUL */
    int failed;
} jw_t;

static void jw_fail(jw_t *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
    w->failed = 1;
}

/* Make room for n more bytes and the final NUL, doubling the capacity
 * from 256 bytes until it fits. Returns 0, or -1 with the writer failed. */
static int jw_grow(jw_t *w, size_t n)
{
    if (w->failed)
        return -1;
    if (n >= SIZE_MAX - w->len) {
        jw_fail(w);
        return -1;
    }
    size_t need = w->len + n + 1, cap = w->cap ? w->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(w->buf, cap);
    if (!p) {
        jw_fail(w);
        return -1;
    }
    w->buf = p;
    w->cap = cap;
    return 0;
}

/* The fast check. A failed writer has cap == len == 0, so it always takes
 * jw_grow, which refuses. */
static inline int jw_reserve(jw_t *w, size_t n)
{
    return w->cap - w->len > n ? 0 : jw_grow(w, n);
}

/* Start with room for about `hint` bytes: one allocation for a typical
 * event instead of a series of doublings. */
static void jw_init(jw_t *w, size_t hint)
{
    *w = (jw_t){0};
    jw_reserve(w, hint);
}

static inline void jw_put(jw_t *w, const void *p, size_t n)
{
    if (jw_reserve(w, n) == 0) {
        memcpy(w->buf + w->len, p, n);
        w->len += n;
    }
}

/* A string literal, e.g. a member's separator and key: ",\"url\":". */
#define JW_LIT(w, lit) jw_put((w), (lit), sizeof(lit) - 1)

/* Drop what was written after `mark` (see jw_treaties). */
static void jw_rollback(jw_t *w, size_t mark)
{
    if (!w->failed)
        w->len = mark;
}

/* Returns the NUL-terminated text (caller owns it and must free() it), or
 * NULL, having freed the buffer, if anything failed. The buffer is shrunk
 * to fit, as json_dumps's result was: a caller that keeps many lines
 * (attache-bench-stages keeps 20,000) should not hold up to twice their
 * size, and touching less fresh memory made that stage ~3 us faster per
 * event. If the shrink fails, the larger buffer is as good. */
static char *jw_finish(jw_t *w)
{
    if (jw_reserve(w, 0) != 0)
        return NULL;
    w->buf[w->len] = '\0';
    char *fit = realloc(w->buf, w->len + 1);
    return fit ? fit : w->buf;
}

#define JW_ONES  0x0101010101010101ULL
#define JW_HIGHS 0x8080808080808080ULL

/* Non-zero if any of the 8 bytes in x needs a look: below 0x20, '"', '\\'
 * or non-ASCII. The classic "has a byte less than n" / "has a zero byte"
 * bit tricks; exact for the question "any?". News text is mostly ASCII, so
 * this skips 8 bytes per step over most of a body. */
static inline uint64_t jw_special8(uint64_t x)
{
    uint64_t q = x ^ (JW_ONES * '"'), b = x ^ (JW_ONES * '\\');
    return (((x - JW_ONES * 0x20) & ~x) | ((q - JW_ONES) & ~q) | ((b - JW_ONES) & ~b) | x) &
           JW_HIGHS;
}

/* A JSON string (see the list above for the escaping). NULL is "". */
static void jw_str(jw_t *w, const char *str)
{
    static const char hex[] = "0123456789ABCDEF";
    if (w->failed)
        return;
    const unsigned char *s = (const unsigned char *)str_or_empty(str);
    size_t len = strlen((const char *)s);
    /* Quotes and the text, for the common case of nothing to escape. */
    if (jw_reserve(w, len + 2) != 0)
        return;
    w->buf[w->len++] = '"';
    size_t i = 0, run = 0; /* s[run..i) is plain text not yet copied */
    while (i < len) {
        for (uint64_t x; i + 8 <= len; i += 8) {
            memcpy(&x, s + i, 8);
            if (jw_special8(x))
                break;
        }
        if (i >= len)
            break;
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t n = at_utf8_decode(s + i, len - i, NULL);
            if (n == 0) {
                jw_fail(w);
                return;
            }
            i += n;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t k = 2;
        switch (c) {
        case '"':
        case '\\':
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xF];
            k = 6;
            break;
        }
        jw_put(w, s + run, i - run);
        jw_put(w, esc, k);
        run = ++i;
    }
    jw_put(w, s + run, len - run);
    JW_LIT(w, "\"");
}

/* An optional string member: left out when NULL or empty. */
static void jw_opt(jw_t *w, const char *member, size_t member_len, const char *s)
{
    if (s && s[0]) {
        jw_put(w, member, member_len);
        jw_str(w, s);
    }
}
#define JW_OPT(w, lit, s) jw_opt((w), (lit), sizeof(lit) - 1, (s))

static void jw_uint(jw_t *w, uint32_t v)
{
    char digits[10];
    size_t k = sizeof digits;
    do {
        digits[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    jw_put(w, digits + k, sizeof digits - k);
}

static void jw_bool(jw_t *w, int v)
{
    if (v)
        JW_LIT(w, "true");
    else
        JW_LIT(w, "false");
}

/* An instant as RFC 3339, or null when unknown (0). */
static void jw_time(jw_t *w, int64_t t)
{
    if (t == 0) {
        JW_LIT(w, "null");
        return;
    }
    char buf[40];
    jw_str(w, at_time_format_rfc3339(t, buf, sizeof buf));
}

/* An array of strings; NULL elements are "". */
static void jw_str_list(jw_t *w, char *const *list, size_t n)
{
    JW_LIT(w, "[");
    for (size_t i = 0; list && i < n; i++) {
        if (i)
            JW_LIT(w, ",");
        jw_str(w, list[i]);
    }
    JW_LIT(w, "]");
}

char *at_json_item_dump(const Attache__V1__NewsItem *item)
{
    if (!item)
        return NULL;
    jw_t w;
    jw_init(&w, 1024 + strlen(str_or_empty(item->body)) + strlen(str_or_empty(item->summary)));
    JW_LIT(&w, "{\"id\":");
    jw_str(&w, item->id);
    JW_LIT(&w, ",\"url\":");
    jw_str(&w, item->url);
    JW_LIT(&w, ",\"title\":");
    jw_str(&w, item->title);
    JW_LIT(&w, ",\"published\":");
    jw_time(&w, item->published);
    JW_LIT(&w, ",\"source\":");
    jw_str(&w, item->source);
    JW_OPT(&w, ",\"language\":", item->language);
    JW_OPT(&w, ",\"guid\":", item->guid);
    JW_LIT(&w, ",\"authors\":");
    jw_str_list(&w, item->authors, item->n_authors);
    JW_LIT(&w, ",\"categories\":");
    jw_str_list(&w, item->categories, item->n_categories);
    JW_OPT(&w, ",\"summary\":", item->summary);
    JW_OPT(&w, ",\"body\":", item->body);
    JW_LIT(&w, ",\"fetched\":");
    jw_time(&w, item->fetched);
    JW_OPT(&w, ",\"feed\":", item->feed);
    if (item->n_enclosures) {
        JW_LIT(&w, ",\"enclosures\":");
        jw_str_list(&w, item->enclosures, item->n_enclosures);
    }
    JW_LIT(&w, "}");
    return jw_finish(&w);
}

static void jw_treaty(jw_t *w, const Attache__V1__TreatyStatus *t)
{
    JW_LIT(w, "{\"status\":");
    jw_str(w, at_json_treaty_state_name(t->status));
    JW_OPT(w, ",\"signed\":", t->signed_);
    JW_OPT(w, ",\"consent_type\":", t->consent_type);
    JW_OPT(w, ",\"consent\":", t->consent);
    JW_OPT(w, ",\"in_force\":", t->in_force);
    JW_OPT(w, ",\"in_force_by\":", t->in_force_by);
    JW_OPT(w, ",\"withdrawal_notified\":", t->withdrawal_notified);
    JW_OPT(w, ",\"withdrawal_effective\":", t->withdrawal_effective);
    JW_OPT(w, ",\"signature_withdrawn\":", t->signature_withdrawn);
    JW_OPT(w, ",\"withdrawal_revoked\":", t->withdrawal_revoked);
    JW_OPT(w, ",\"consent_withdrawn\":", t->consent_withdrawn);
    JW_OPT(w, ",\"source\":", t->source);
    JW_LIT(w, "}");
}

/* Render treaty t[i] or, when `value` is not i, key t[i] with t[value]'s
 * value; value NO_TREATY renders nothing. A treaty whose value does not
 * appear (an earlier occurrence of a repeated id) is still rendered and
 * then dropped, so an invalid string in it fails the dump as it did when
 * the tree was built. */
#define NO_TREATY SIZE_MAX

static void jw_treaty_member(jw_t *w, Attache__V1__TreatyStatus *const *t, size_t i, size_t value,
                             int *first)
{
    if (value != NO_TREATY) {
        if (!*first)
            JW_LIT(w, ",");
        *first = 0;
        jw_str(w, t[i]->treaty);
        JW_LIT(w, ":");
        jw_treaty(w, t[value]);
    }
    if (value != i) {
        size_t mark = w->len;
        jw_str(w, t[i]->treaty);
        jw_treaty(w, t[i]);
        jw_rollback(w, mark);
    }
}

typedef struct {
    const char *key;
    size_t index;
} treaty_key_t;

static int treaty_key_cmp(const void *a, const void *b)
{
    const treaty_key_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* The treaties object. Validated messages have at most
 * AT_JSON_MAX_TREATIES treaties with distinct ids; for them a pairwise
 * check costs nothing and allocates nothing. Longer lists (unvalidated
 * messages only) are sorted by id instead, so a hostile message cannot
 * make the dump quadratic, as jansson's hash table did not. */
static void jw_treaties(jw_t *w, Attache__V1__TreatyStatus *const *t, size_t n)
{
    int first = 1;
    JW_LIT(w, "{");
    if (!t)
        n = 0;
    if (n <= AT_JSON_MAX_TREATIES) {
        for (size_t i = 0; i < n; i++) {
            if (!t[i])
                continue;
            const char *key = str_or_empty(t[i]->treaty);
            size_t value = i;
            for (size_t j = 0; j < i && value != NO_TREATY; j++) {
                if (t[j] && strcmp(str_or_empty(t[j]->treaty), key) == 0)
                    value = NO_TREATY;
            }
            for (size_t k = i + 1; k < n && value != NO_TREATY; k++) {
                if (t[k] && strcmp(str_or_empty(t[k]->treaty), key) == 0)
                    value = k;
            }
            jw_treaty_member(w, t, i, value, &first);
        }
    } else {
        /* keys[] sorted by (id, index); value[i] as jw_treaty_member takes
         * it, for every non-NULL t[i]. */
        treaty_key_t *keys = NULL;
        size_t *value = NULL, m = 0;
        if (n <= SIZE_MAX / (sizeof *keys + sizeof *value))
            keys = malloc(n * (sizeof *keys + sizeof *value));
        if (!keys) {
            jw_fail(w);
            return;
        }
        value = (size_t *)(keys + n);
        for (size_t i = 0; i < n; i++) {
            if (t[i])
                keys[m++] = (treaty_key_t){str_or_empty(t[i]->treaty), i};
        }
        qsort(keys, m, sizeof *keys, treaty_key_cmp);
        for (size_t g = 0, e; g < m; g = e) {
            for (e = g + 1; e < m && strcmp(keys[e].key, keys[g].key) == 0; e++)
                value[keys[e].index] = NO_TREATY;
            value[keys[g].index] = keys[e - 1].index;
        }
        for (size_t i = 0; i < n; i++) {
            if (t[i])
                jw_treaty_member(w, t, i, value[i], &first);
        }
        free(keys);
    }
    JW_LIT(w, "}");
}

static void jw_country(jw_t *w, const Attache__V1__CountryMention *c)
{
    JW_LIT(w, "{\"code\":");
    jw_str(w, c->code);
    JW_LIT(w, ",\"name\":");
    jw_str(w, c->name);
    JW_LIT(w, ",\"mentions\":");
    jw_uint(w, c->mentions);
    JW_LIT(w, ",\"first_offset\":");
    jw_uint(w, c->first_offset);
    JW_LIT(w, ",\"in_title\":");
    jw_bool(w, c->in_title);
    JW_LIT(w, ",\"kinds\":[");
    for (size_t i = 0; c->kinds && i < c->n_kinds; i++) {
        if (i)
            JW_LIT(w, ",");
        jw_str(w, at_json_mention_kind_name(c->kinds[i]));
    }
    JW_LIT(w, "],\"treaties\":");
    jw_treaties(w, c->treaties, c->n_treaties);
    JW_LIT(w, "}");
}

static void jw_role(jw_t *w, const Attache__V1__Role *r)
{
    JW_LIT(w, "{\"role\":");
    jw_str(w, r->role);
    JW_LIT(w, ",\"country\":");
    jw_str(w, r->country);
    JW_LIT(w, ",\"title\":");
    jw_str(w, r->title);
    JW_OPT(w, ",\"start\":", r->start);
    JW_OPT(w, ",\"first_seen\":", r->first_seen);
    JW_OPT(w, ",\"end\":", r->end);
    JW_OPT(w, ",\"last_seen\":", r->last_seen);
    JW_LIT(w, "}");
}

static void jw_warrant(jw_t *w, const Attache__V1__Warrant *x)
{
    JW_LIT(w, "{\"court\":");
    jw_str(w, x->court);
    JW_OPT(w, ",\"issued\":", x->issued);
    JW_LIT(w, ",\"status\":");
    jw_str(w, x->status);
    JW_OPT(w, ",\"status_date\":", x->status_date);
    JW_LIT(w, ",\"reference\":");
    jw_str(w, x->reference);
    JW_LIT(w, ",\"source\":");
    jw_str(w, x->source);
    JW_LIT(w, "}");
}

/* An array of messages, skipping NULL elements (which only a hand-built
 * message has). */
#define JW_ARRAY(w, arr, n, fn)                                                                    \
    do {                                                                                           \
        int first_ = 1;                                                                            \
        JW_LIT(w, "[");                                                                            \
        for (size_t i_ = 0; (arr) && i_ < (n); i_++) {                                             \
            if (!(arr)[i_])                                                                        \
                continue;                                                                          \
            if (!first_)                                                                           \
                JW_LIT(w, ",");                                                                    \
            first_ = 0;                                                                            \
            fn(w, (arr)[i_]);                                                                      \
        }                                                                                          \
        JW_LIT(w, "]");                                                                            \
    } while (0)

static void jw_actor(jw_t *w, const Attache__V1__ActorMention *a)
{
    JW_LIT(w, "{\"id\":");
    jw_str(w, a->id);
    JW_LIT(w, ",\"name\":");
    jw_str(w, a->name);
    JW_LIT(w, ",\"country\":");
    jw_str(w, a->country);
    JW_LIT(w, ",\"mentions\":");
    jw_uint(w, a->mentions);
    JW_LIT(w, ",\"roles\":");
    JW_ARRAY(w, a->roles, a->n_roles, jw_role);
    JW_LIT(w, ",\"warrants\":");
    JW_ARRAY(w, a->warrants, a->n_warrants, jw_warrant);
    JW_LIT(w, "}");
}

static void jw_location(jw_t *w, const Attache__V1__Location *l)
{
    JW_LIT(w, "{\"code\":");
    jw_str(w, l->code);
    JW_LIT(w, ",\"place\":");
    jw_str(w, l->place);
    JW_LIT(w, ",\"basis\":");
    jw_str(w, l->basis);
    JW_LIT(w, "}");
}

static void jw_change(jw_t *w, const Attache__V1__StatusChange *c)
{
    JW_LIT(w, "{\"treaty\":");
    jw_str(w, c->treaty);
    JW_LIT(w, ",\"from\":");
    jw_str(w, at_json_treaty_state_name(c->from));
    JW_LIT(w, ",\"to\":");
    jw_str(w, at_json_treaty_state_name(c->to));
    JW_LIT(w, ",\"date\":");
    jw_str(w, c->date);
    JW_LIT(w, "}");
}

static void jw_alert(jw_t *w, const Attache__V1__Alert *a)
{
    JW_LIT(w, "{\"rule\":");
    jw_str(w, a->rule);
    JW_LIT(w, ",\"actor\":");
    jw_str(w, a->actor);
    JW_LIT(w, ",\"country\":");
    jw_str(w, a->country);
    JW_LIT(w, ",\"severity\":");
    jw_str(w, at_json_severity_name(a->severity));
    JW_LIT(w, ",\"message\":");
    jw_str(w, a->message);
    if (a->n_changes) {
        JW_LIT(w, ",\"changes\":");
        JW_ARRAY(w, a->changes, a->n_changes, jw_change);
    }
    JW_LIT(w, "}");
}

char *at_json_event_dump(const Attache__V1__Event *ev)
{
    if (!ev)
        return NULL;
    /* An event without an item (never valid, but dump must not crash)
     * renders the item fields from an all-defaults item. */
    Attache__V1__NewsItem empty = ATTACHE__V1__NEWS_ITEM__INIT;
    const Attache__V1__NewsItem *it = ev->item ? ev->item : &empty;
    jw_t w;
    /* The body dominates; 2 KB covers the rest of a typical event. */
    jw_init(&w, 2048 + strlen(str_or_empty(it->body)) + strlen(str_or_empty(it->summary)));
    JW_LIT(&w, "{\"id\":");
    jw_str(&w, ev->id);
    JW_LIT(&w, ",\"url\":");
    jw_str(&w, it->url);
    JW_LIT(&w, ",\"title\":");
    jw_str(&w, it->title);
    JW_LIT(&w, ",\"published\":");
    jw_time(&w, it->published);
    JW_LIT(&w, ",\"source\":");
    jw_str(&w, it->source);
    JW_OPT(&w, ",\"language\":", it->language);
    JW_OPT(&w, ",\"summary\":", it->summary);
    JW_OPT(&w, ",\"body\":", it->body);
    JW_LIT(&w, ",\"fetched\":");
    jw_time(&w, it->fetched);
    /* A date or null, like "published". */
    JW_LIT(&w, ",\"reference_date\":");
    if (ev->reference_date && ev->reference_date[0])
        jw_str(&w, ev->reference_date);
    else
        JW_LIT(&w, "null");
    JW_LIT(&w, ",\"data_version\":");
    jw_str(&w, ev->data_version);
    JW_LIT(&w, ",\"countries\":");
    JW_ARRAY(&w, ev->countries, ev->n_countries, jw_country);
    JW_LIT(&w, ",\"actors\":");
    JW_ARRAY(&w, ev->actors, ev->n_actors, jw_actor);
    JW_LIT(&w, ",\"locations\":");
    JW_ARRAY(&w, ev->locations, ev->n_locations, jw_location);
    JW_LIT(&w, ",\"alerts\":");
    JW_ARRAY(&w, ev->alerts, ev->n_alerts, jw_alert);
    JW_LIT(&w, "}");
    return jw_finish(&w);
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
        at_err_set_ascii(err, errlen, "%s too long (limit %zu bytes)", path, max);
        return -1;
    }
    if (!at_utf8_valid(s, len)) {
        at_err_set_ascii(err, errlen, "%s is not valid UTF-8", path);
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
        at_err_set_ascii(err, errlen, "%s is not a YYYY-MM-DD date", path);
        return -1;
    }
    return 0;
}

/* An id: non-empty, bounded, UTF-8, no control characters (ids become
 * Kafka keys, database keys and log fields). */
static int check_id(const char *path, const char *s, char *err, size_t errlen)
{
    if (!s || !s[0]) {
        at_err_set_ascii(err, errlen, "missing %s", path);
        return -1;
    }
    if (check_str(path, s, AT_JSON_MAX_ID, err, errlen))
        return -1;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            at_err_set_ascii(err, errlen, "%s contains a control character", path);
            return -1;
        }
    }
    return 0;
}

static int check_time(const char *path, int64_t t, char *err, size_t errlen)
{
    if (t < AT_JSON_TIME_MIN || t > AT_JSON_TIME_MAX) {
        at_err_set_ascii(err, errlen, "%s out of range (%lld)", path, (long long)t);
        return -1;
    }
    return 0;
}

/* A repeated field's count and array pointer agree and are within limits. */
static int check_list(const char *path, size_t n, const void *arr, char *err, size_t errlen)
{
    if (n > AT_JSON_MAX_LIST) {
        at_err_set_ascii(err, errlen, "%s has too many elements (%zu, limit %d)", path, n,
                         AT_JSON_MAX_LIST);
        return -1;
    }
    if (n > 0 && !arr) {
        at_err_set_ascii(err, errlen, "%s is missing its elements", path);
        return -1;
    }
    return 0;
}

/* Paths like "countries[3].treaties[1].signed" for error messages. A path
 * that does not fit is cut short on purpose: it only labels the message, and
 * the real ones are far below the limit. gcc cannot see that and warns that
 * nested snprintf(path, "%s.x", base) calls may truncate, so the warning is
 * off for these checks (and only these). */
#define PATH_MAX_LEN 160
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static int check_item(const char *prefix, const Attache__V1__NewsItem *item, char *err,
                      size_t errlen)
{
    char path[PATH_MAX_LEN];
#define P(name) (snprintf(path, sizeof path, "%s%s", prefix, name), path)
    if (!item) {
        at_err_set_ascii(err, errlen, "missing item");
        return -1;
    }
    if (item->base.descriptor != &attache__v1__news_item__descriptor) {
        at_err_set_ascii(err, errlen, "%snot a NewsItem message", prefix);
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
        at_err_set_ascii(err, errlen, "%smissing url and title", prefix);
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
        at_err_set_ascii(err, errlen, "%s is missing", base);
        return -1;
    }
    if (!t->treaty || !t->treaty[0]) {
        at_err_set_ascii(err, errlen, "%s.treaty is empty", base);
        return -1;
    }
    if (check_str(P("treaty"), t->treaty, AT_JSON_MAX_ID, err, errlen) ||
        check_date(P("signed"), t->signed_, err, errlen) ||
        check_str(P("consent_type"), t->consent_type, AT_JSON_MAX_ID, err, errlen) ||
        check_date(P("consent"), t->consent, err, errlen) ||
        check_date(P("in_force"), t->in_force, err, errlen) ||
        check_date(P("in_force_by"), t->in_force_by, err, errlen) ||
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
        at_err_set_ascii(err, errlen, "%s is missing", base);
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
        at_err_set_ascii(err, errlen, "%s has too many elements (%zu, limit %d)", path,
                         c->n_treaties, AT_JSON_MAX_TREATIES);
        return -1;
    }
    for (size_t i = 0; i < c->n_treaties; i++) {
        snprintf(path, sizeof path, "%s.treaties[%zu]", base, i);
        if (check_treaty(path, c->treaties[i], err, errlen))
            return -1;
        /* The JSON form keys treaties by id, so a duplicate would vanish. */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->treaties[j]->treaty, c->treaties[i]->treaty) == 0) {
                at_err_set_ascii(err, errlen, "%s.treaty duplicates treaties[%zu]", path, j);
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
        at_err_set_ascii(err, errlen, "%s is missing", base);
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
            at_err_set_ascii(err, errlen, "%s.roles[%zu] is missing", base, i);
            return -1;
        }
        if (check_str(P(".roles[%zu].role", i), r->role, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P(".roles[%zu].country", i), r->country, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P(".roles[%zu].title", i), r->title, AT_JSON_MAX_STRING, err, errlen) ||
            check_date(P(".roles[%zu].start", i), r->start, err, errlen) ||
            check_date(P(".roles[%zu].first_seen", i), r->first_seen, err, errlen) ||
            check_date(P(".roles[%zu].end", i), r->end, err, errlen) ||
            check_date(P(".roles[%zu].last_seen", i), r->last_seen, err, errlen))
            return -1;
    }
    for (size_t i = 0; i < a->n_warrants; i++) {
        const Attache__V1__Warrant *w = a->warrants[i];
        if (!w) {
            at_err_set_ascii(err, errlen, "%s.warrants[%zu] is missing", base, i);
            return -1;
        }
        if (check_str(P(".warrants[%zu].court", i), w->court, AT_JSON_MAX_ID, err, errlen) ||
            check_date(P(".warrants[%zu].issued", i), w->issued, err, errlen) ||
            check_str(P(".warrants[%zu].status", i), w->status, AT_JSON_MAX_ID, err, errlen) ||
            check_date(P(".warrants[%zu].status_date", i), w->status_date, err, errlen) ||
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
        at_err_set_ascii(err, errlen, "missing event");
        return -1;
    }
    if (ev->base.descriptor != &attache__v1__event__descriptor) {
        at_err_set_ascii(err, errlen, "not an Event message");
        return -1;
    }
    if (check_id("id", ev->id, err, errlen))
        return -1;
    if (!ev->item) {
        at_err_set_ascii(err, errlen, "event has no item");
        return -1;
    }
    if (check_item("item.", ev->item, err, errlen))
        return -1;
    if (strcmp(ev->id, ev->item->id) != 0) {
        at_err_set_ascii(err, errlen, "event id differs from item.id");
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
            at_err_set_ascii(err, errlen, "locations[%zu] is missing", i);
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
            at_err_set_ascii(err, errlen, "alerts[%zu] is missing", i);
            return -1;
        }
#define P(name) (snprintf(path, sizeof path, "alerts[%zu].%s", i, name), path)
        if (check_str(P("rule"), a->rule, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P("actor"), a->actor, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P("country"), a->country, AT_JSON_MAX_ID, err, errlen) ||
            check_str(P("message"), a->message, AT_JSON_MAX_STRING, err, errlen) ||
            check_list(P("changes"), a->n_changes, a->changes, err, errlen))
            return -1;
#undef P
        for (size_t k = 0; k < a->n_changes; k++) {
            const Attache__V1__StatusChange *c = a->changes[k];
            if (!c) {
                at_err_set_ascii(err, errlen, "alerts[%zu].changes[%zu] is missing", i, k);
                return -1;
            }
#define P(name) (snprintf(path, sizeof path, "alerts[%zu].changes[%zu].%s", i, k, name), path)
            if (check_str(P("treaty"), c->treaty, AT_JSON_MAX_ID, err, errlen) ||
                check_date(P("date"), c->date, err, errlen))
                return -1;
#undef P
        }
    }
    return 0;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

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
