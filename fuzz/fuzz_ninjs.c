/*
 * fuzz_ninjs: the ninjs reader (at_ninjs_parse), its detector and
 * at_ninjs_parse_any, fed one arbitrary JSON document, as the spool
 * directory and JSON-lines inputs receive them.
 *
 * Beyond "no crash, no leak", it checks what at_ninjs.h promises:
 *   - a rejection comes with a one-line reason of printable ASCII;
 *   - an accepted item passes at_json_item_validate, has an id, fetched ==
 *     now, and a title or a URL;
 *   - it renders with at_json_item_dump, and at_json_item_parse reads the
 *     rendering back to the same item (ninjs items obey the attache input
 *     contract);
 *   - at_ninjs_parse_any agrees with at_ninjs_parse on whatever the
 *     detector calls ninjs;
 *   - the title's dedup key (at_seen_title_key) is bounded and stable:
 *     keying a key gives the key back.
 */
#include <string.h>

#include "at_fuzz.h"
#include "at_json.h"
#include "at_ninjs.h"
#include "at_seen.h"

#define NOW 1720000000LL

static void check_err(const char *err)
{
    AT_FUZZ_CHECK(err[0] != '\0', "rejected without a reason");
    for (const unsigned char *c = (const unsigned char *)err; *c; c++)
        AT_FUZZ_CHECK(*c >= 0x20 && *c < 0x7f, "reason has byte 0x%02x: %s", *c, err);
}

static void check_item(const Attache__V1__NewsItem *item)
{
    char verr[256] = "";
    AT_FUZZ_CHECK(at_json_item_validate(item, verr, sizeof verr) == 0,
                  "accepted item fails validation: %s", verr);
    AT_FUZZ_CHECK(item->id && item->id[0], "accepted item has no id");
    AT_FUZZ_CHECK(item->fetched == NOW, "fetched is not now");
    AT_FUZZ_CHECK(item->title[0] || item->url[0], "neither title nor url");

    char *line = at_json_item_dump(item);
    AT_FUZZ_CHECK(line != NULL, "dump of an accepted item failed");
    char err[256] = "";
    Attache__V1__NewsItem *again = at_json_item_parse(line, strlen(line), NOW, err, sizeof err);
    AT_FUZZ_CHECK(again != NULL, "dump does not parse back: %s (dump: %s)", err, line);
    at_fuzz_check_same_item(item, again, "JSON round trip");
    at_json_item_free(&again);
    free(line);

    char key[AT_SEEN_TITLE_KEY_MAX], key2[AT_SEEN_TITLE_KEY_MAX];
    size_t n = at_seen_title_key(item->title, key, sizeof key);
    AT_FUZZ_CHECK(n < sizeof key && strlen(key) == n, "title key length %zu", n);
    size_t n2 = at_seen_title_key(key, key2, sizeof key2);
    AT_FUZZ_CHECK(n2 == n && strcmp(key, key2) == 0, "title key not stable: '%s' -> '%s'", key,
                  key2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    char err[256] = "";
    Attache__V1__NewsItem *item = at_ninjs_parse(json, size, "fuzz", NOW, err, sizeof err);
    if (item)
        check_item(item);
    else
        check_err(err);

    at_ninjs_kind_t kind = at_ninjs_detect(json, size);
    AT_FUZZ_CHECK(kind == AT_NINJS_UNKNOWN || kind == AT_NINJS_ITEM || kind == AT_NINJS_NINJS,
                  "detector returned %d", (int)kind);

    char err2[256] = "";
    Attache__V1__NewsItem *any = at_ninjs_parse_any(json, size, "fuzz", NOW, err2, sizeof err2);
    if (kind == AT_NINJS_NINJS) {
        AT_FUZZ_CHECK((item == NULL) == (any == NULL),
                      "parse and parse_any disagree on a ninjs object (%s / %s)", err, err2);
        if (item && any)
            AT_FUZZ_CHECK(at_fuzz_same_str(item->id, any->id), "parse and parse_any ids differ");
    }
    if (any)
        check_item(any);
    else
        check_err(err2);
    at_json_item_free(&any);
    at_json_item_free(&item);
    return 0;
}
