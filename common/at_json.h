/*
 * at_json: the JSON contracts of attache (docs/json.md).
 *
 * Input: one news item per JSON object,
 *   {"url", "title", "body" or "summary", "published" (RFC 3339 or RFC 822),
 *    "source", "id"?, "language"?, "guid"?, "authors"?, "categories"?}
 * parsed and validated into an Attache__V1__NewsItem.
 *
 * Output: an Attache__V1__Event rendered as one JSON object (one line).
 * Both directions go through jansson; the output never depends on the
 * process locale. The other readers of untrusted JSON (at_ninjs) share
 * its member reader and field setter, so they apply the same rules.
 */
#ifndef AT_JSON_H
#define AT_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attache/v1/attache.pb-c.h"

/* Limits on untrusted input, enforced by at_json_item_parse and the
 * validators (docs/json.md "Limits"). They bound memory per message, not
 * taste: a real news item is far below each of them. */
#define AT_JSON_MAX_LINE   (8 * 1024 * 1024) /* bytes of one JSON input line */
#define AT_JSON_MAX_STRING (1024 * 1024)     /* bytes of any one text field */
#define AT_JSON_MAX_ID     1024              /* bytes of an id, code or other key-like field */
#define AT_JSON_MAX_LIST   1024              /* elements of any repeated field */
/* Treaty statuses per country. Validation checks them pairwise for
 * duplicate treaty ids, so this keeps that quadratic check small; the data
 * has one treaty today. */
#define AT_JSON_MAX_TREATIES 64

/* Make jansson abort the process when an allocation fails. jansson 2.14
 * (Debian 12) can corrupt its heap or silently alter parsed text when
 * malloc fails mid-parse (jansson issues #362 and #655, found by
 * fuzz_oom), so a daemon out of memory must stop and let systemd restart
 * it rather than go on with wrong data. Every program calls this once at
 * start (at_daemon_init and the CLI do). */
void at_json_init(void);

/* Parse one JSON line (without its newline; `len` bytes, need not be NUL
 * terminated) into a freshly allocated NewsItem.
 *
 * Rules: must be one JSON object of at most AT_JSON_MAX_LINE bytes, valid
 * UTF-8 (jansson rejects invalid UTF-8 and lone surrogate escapes), no
 * "\u0000" anywhere and no duplicate keys (JSON_REJECT_DUPLICATES: a
 * repeated key is ambiguous). "url" or "id" must be a non-empty string;
 * "title", "body" or "summary" must be non-blank; and the result must pass
 * at_json_item_validate (so "url" or "title" is non-empty, within limits).
 * Text fields must be strings, "authors"/"categories" arrays of strings
 * (blank elements are dropped); null counts as absent. "published", when
 * present and non-blank, must be a string that at_time_parse accepts.
 * "id" and "url" are trimmed of surrounding whitespace. When "id" is absent
 * the id is at_json_item_id(url). Unknown keys are ignored (forward
 * compatibility); "fetched" in the input is ignored and set to `now`.
 *
 * Returns the item (caller owns it and must free it with
 * at_json_item_free), or NULL with a one-line reason of printable ASCII in
 * err (errlen bytes; err may be NULL), e.g.
 * "invalid JSON at column 7: ...", "missing url and id". */
Attache__V1__NewsItem *at_json_item_parse(const char *line, size_t len, int64_t now, char *err,
                                          size_t errlen);

/* Member `key` of obj as a string, by the input rules of
 * at_json_item_parse. Returns 1 with *s and *len set (the string lives as
 * long as obj), 0 when absent or null, or -1 with err set when it is not a
 * string, holds a NUL character or is longer than max bytes; the message
 * names `name` (the key, or a path such as "renditions[0].href"). */
int at_json_get_string(json_t *obj, const char *key, const char *name, size_t max, const char **s,
                       size_t *len, char *err, size_t errlen);

/* Set a protobuf-c string field of a message being built. Takes ownership
 * of value (malloc'd); the old value is freed unless it is the shared
 * default protobuf_c_empty_string. */
void at_json_set_field(char **field, char *value);

/* Free an item returned by at_json_item_parse or unpacked with
 * protobuf-c (both allocate with the default allocator). NULL-safe; nulls
 * the caller's pointer. */
void at_json_item_free(Attache__V1__NewsItem **item_p);

/* Stable item id for a URL: lowercase hex of a 128-bit hash (32 chars) of
 * the URL with surrounding whitespace trimmed. Writes into out (>= 33
 * bytes). */
void at_json_item_id(const char *url, char *out, size_t outlen);

/* Render a NewsItem as a JSON object on one line (the input contract, plus
 * "id" and "fetched"; docs/json.md), which at_json_item_parse reads back.
 * Caller owns the result and must free() it. NULL on allocation failure or
 * if a string is not valid UTF-8 (validate untrusted messages first). */
char *at_json_item_dump(const Attache__V1__NewsItem *item);

/* Render an Event as one line of JSON per the output contract in
 * docs/json.md (no trailing newline; UTF-8, not ASCII-escaped). Caller owns
 * the result and must free() it. NULL on allocation failure or if a string
 * is not valid UTF-8 (validate untrusted messages first). */
char *at_json_event_dump(const Attache__V1__Event *ev);

/* JSON names of the enums, as used in the output contract. Never NULL
 * ("unspecified" for unknown values). */
const char *at_json_treaty_state_name(Attache__V1__TreatyState s);
const char *at_json_severity_name(Attache__V1__Severity s);
const char *at_json_mention_kind_name(Attache__V1__MentionKind k);

/* Validate that a protobuf-decoded NewsItem / Event is semantically usable.
 * protobuf-c does not check UTF-8, and arbitrary bytes can decode as a
 * message of unknown fields, so every receiver calls this after unpacking.
 *
 * NewsItem: id non-empty, at most AT_JSON_MAX_ID bytes, no control
 * characters; url or title non-blank; every string valid UTF-8 and at most
 * AT_JSON_MAX_STRING bytes; lists at most AT_JSON_MAX_LIST elements;
 * published/fetched 0 or within years 0000..9999.
 * Event: id valid as above and equal to item.id; item present and valid;
 * every nested string valid UTF-8 and within limits (key-like fields such
 * as codes, roles, statuses: AT_JSON_MAX_ID); every date field "" or a
 * valid YYYY-MM-DD; treaty ids non-empty and unique within a country (the
 * JSON output keys treaties by id), at most AT_JSON_MAX_TREATIES of them.
 *
 * Returns 0, or -1 with a one-line reason naming the field in err (e.g.
 * "countries[2].treaties[0].signed is not a YYYY-MM-DD date"); err may be
 * NULL. */
int at_json_item_validate(const Attache__V1__NewsItem *item, char *err, size_t errlen);
int at_json_event_validate(const Attache__V1__Event *ev, char *err, size_t errlen);

#endif
