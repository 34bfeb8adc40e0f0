/*
 * fuzz_proto_item: a NewsItem off the wire (attache__v1__news_item__unpack),
 * then at_json_item_validate, as every receiver of a NewsItem frame runs
 * them, then at_json_item_dump.
 *
 * Checks: a validated item always dumps (validation is what makes a
 * message safe to render); the dump is one line of JSON; and where the
 * item is also within the JSON input contract (a non-blank title, body or
 * summary, id and url without surrounding whitespace, no blank list
 * elements) at_json_item_parse reads the dump back to the same item.
 * Dumping an item that failed validation must not crash either (at_json
 * handles NULL and invalid strings by failing).
 */
#include <jansson.h>
#include <string.h>

#include "at_fuzz.h"
#include "at_json.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int blank(const char *s)
{
    for (; s && *s; s++)
        if (!is_space(*s))
            return 0;
    return 1;
}

static int trimmed(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n == 0 || (!is_space(s[0]) && !is_space(s[n - 1]));
}

static int no_blank_elements(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (blank(list[i]))
            return 0;
    return 1;
}

static void check_round_trip(const Attache__V1__NewsItem *item, const char *line)
{
    if ((blank(item->title) && blank(item->body) && blank(item->summary)) || !trimmed(item->id) ||
        !trimmed(item->url) || !no_blank_elements(item->authors, item->n_authors) ||
        !no_blank_elements(item->categories, item->n_categories))
        return;
    char err[256] = "";
    Attache__V1__NewsItem *back =
        at_json_item_parse(line, strlen(line), item->fetched, err, sizeof err);
    AT_FUZZ_CHECK(back != NULL, "dump of a valid item does not parse back: %s", err);
    at_fuzz_check_same_item(item, back, "JSON round trip");
    at_json_item_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Attache__V1__NewsItem *item = attache__v1__news_item__unpack(NULL, size, data);
    if (!item)
        return 0;
    char err[256] = "";
    int valid = at_json_item_validate(item, err, sizeof err) == 0;
    AT_FUZZ_CHECK(valid || err[0], "rejected without a reason");
    char *line = at_json_item_dump(item);
    if (valid) {
        AT_FUZZ_CHECK(line != NULL, "a validated item does not dump");
        AT_FUZZ_CHECK(strchr(line, '\n') == NULL, "dump is not one line");
        json_error_t jerr;
        json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
        AT_FUZZ_CHECK(j && json_is_object(j), "dump is not a JSON object: %s", jerr.text);
        json_decref(j);
        check_round_trip(item, line);
    }
    free(line);
    at_json_item_free(&item);
    return 0;
}
