/*
 * at_ninjs: IPTC ninjs ("News in JSON", versions 1.x and 2.x) news items
 * read into attache.v1.NewsItem, and a detector that tells a ninjs object
 * from an attache input item (docs/json.md), so one input (a spool file,
 * stdin, a JSON-lines file) can carry either.
 *
 * ninjs is what news agencies (AP, dpa, NTB, TT, ...) deliver over their
 * APIs; the mapping is in docs/feeds-store.md "ninjs". Items come out the
 * way at_json_item_parse makes them (allocated as protobuf-c's unpack
 * does, unset strings = protobuf_c_empty_string), pass
 * at_json_item_validate, and are freed with at_json_item_free.
 */
#ifndef AT_NINJS_H
#define AT_NINJS_H

#include <stddef.h>
#include <stdint.h>

#include "attache/v1/attache.pb-c.h"

/* What a JSON document is, as far as attache's inputs are concerned. */
typedef enum {
    AT_NINJS_UNKNOWN = 0, /* not a JSON object, or neither kind below */
    AT_NINJS_ITEM = 1,    /* an attache input item: has "url" or "id" and no ninjs markers */
    AT_NINJS_NINJS = 2,   /* a ninjs object */
} at_ninjs_kind_t;

/* Tell what `len` bytes of JSON are (need not be NUL-terminated). ninjs
 * when the object declares it ("standard"/"$standard" named ninjs, or a
 * "$schema" mentioning ninjs), or has a string "uri" plus any
 * ninjs-only member (headline(s), bodies/body_*, descriptions/
 * description_*, versioncreated, firstcreated, byline/by, subject(s),
 * pubstatus, type, renditions); an attache item when it has "url" or "id";
 * unknown otherwise (including invalid JSON). */
at_ninjs_kind_t at_ninjs_detect(const char *data, size_t len);

/* Read one ninjs object (`len` bytes, at most AT_JSON_MAX_LINE; need not
 * be NUL-terminated) into a freshly allocated NewsItem:
 *
 *   guid       uri (required)
 *   url        the href of the first text/html rendition, canonical
 *              (at_url_canonical; http/https only), if any
 *   id         at_json_item_id(url), or of the uri when there is no url
 *   title      headlines[] (role "main" first) | headline | title
 *   body       bodies[] | body_text | body_html | body_xhtml, plain text
 *              preferred over HTML (HTML is turned into text)
 *   summary    descriptions[] | description_text | description_html
 *   published  firstcreated, else versioncreated (RFC 3339 or RFC 822)
 *   language   language
 *   authors    by | byline ("By " prefix dropped)
 *   categories subjects[].name | subject[].name (duplicates dropped)
 *   enclosures hrefs of the other renditions (canonical, http/https)
 *   source     infosources[0].name | infosource[0].name, else
 *              default_source, else copyrightholder
 *   fetched    now
 *
 * HTML values are turned into text (at_html_to_text) and whitespace is
 * normalized (at_html_plain: titles, authors, categories on one line;
 * bodies keep paragraph breaks). Members of the wrong type, a date
 * at_time_parse rejects, an item whose pubstatus is "canceled" or
 * "withheld" (withdrawn by its provider), an item without any text
 * (headline, body, description) and one with neither a headline nor a
 * web URL are rejected (the attache input contract's rules). Unknown
 * members are ignored.
 *
 * Returns the item (caller owns it and must free it with
 * at_json_item_free), or NULL with a one-line reason of printable ASCII in
 * err (errlen bytes; err may be NULL), e.g. "headlines[0].value must be a
 * string". default_source may be NULL. */
Attache__V1__NewsItem *at_ninjs_parse(const char *data, size_t len, const char *default_source,
                                      int64_t now, char *err, size_t errlen);

/* Read either kind: a ninjs object with at_ninjs_parse, anything else with
 * at_json_item_parse (whose errors name what is wrong with an attache
 * item); an attache item without a source gets default_source. Returns the
 * item (caller owns it and must free it with at_json_item_free), or NULL
 * with a reason in err. */
Attache__V1__NewsItem *at_ninjs_parse_any(const char *data, size_t len, const char *default_source,
                                          int64_t now, char *err, size_t errlen);

#endif
