/*
 * fuzz_json_item: the JSON input contract (at_json_item_parse), fed one
 * arbitrary line, as attache-ingest and `attache ingest` receive them.
 *
 * Beyond "no crash, no leak", it checks what at_json.h promises:
 *   - a rejection comes with a one-line reason of printable ASCII;
 *   - an accepted item passes at_json_item_validate (what every receiver
 *     runs), has a non-empty id and fetched == now;
 *   - at_json_item_dump renders it, and parsing that rendering gives the
 *     same item back (the documented round trip);
 *   - a protobuf pack/unpack of it also gives the same item back.
 */
#include <string.h>

#include "at_fuzz.h"
#include "at_json.h"

#define NOW 1720000000LL

static int same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static int same_list(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (!same_str(a[i], b[i]))
            return 0;
    return 1;
}

/* Field-by-field equality; `what` names the comparison in the report. */
static void check_same(const Attache__V1__NewsItem *a, const Attache__V1__NewsItem *b,
                       const char *what)
{
    AT_FUZZ_CHECK(same_str(a->id, b->id), "%s: id '%s' != '%s'", what, a->id, b->id);
    AT_FUZZ_CHECK(same_str(a->url, b->url), "%s: url differs", what);
    AT_FUZZ_CHECK(same_str(a->title, b->title), "%s: title differs", what);
    AT_FUZZ_CHECK(same_str(a->body, b->body), "%s: body differs", what);
    AT_FUZZ_CHECK(same_str(a->summary, b->summary), "%s: summary differs", what);
    AT_FUZZ_CHECK(same_str(a->source, b->source), "%s: source differs", what);
    AT_FUZZ_CHECK(same_str(a->language, b->language), "%s: language differs", what);
    AT_FUZZ_CHECK(same_str(a->guid, b->guid), "%s: guid differs", what);
    AT_FUZZ_CHECK(a->published == b->published, "%s: published %lld != %lld", what,
                  (long long)a->published, (long long)b->published);
    AT_FUZZ_CHECK(a->fetched == b->fetched, "%s: fetched differs", what);
    AT_FUZZ_CHECK(same_list(a->authors, a->n_authors, b->authors, b->n_authors),
                  "%s: authors differ", what);
    AT_FUZZ_CHECK(same_list(a->categories, a->n_categories, b->categories, b->n_categories),
                  "%s: categories differ", what);
}

static void check_err(const char *err)
{
    AT_FUZZ_CHECK(err[0] != '\0', "rejected without a reason");
    for (const unsigned char *c = (const unsigned char *)err; *c; c++)
        AT_FUZZ_CHECK(*c >= 0x20 && *c < 0x7f, "reason has byte 0x%02x: %s", *c, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    Attache__V1__NewsItem *item =
        at_json_item_parse((const char *)data, size, NOW, err, sizeof err);
    if (!item) {
        check_err(err);
        return 0;
    }
    char verr[256] = "";
    AT_FUZZ_CHECK(at_json_item_validate(item, verr, sizeof verr) == 0,
                  "accepted item fails validation: %s", verr);
    AT_FUZZ_CHECK(item->id && item->id[0], "accepted item has no id");
    AT_FUZZ_CHECK(item->fetched == NOW, "fetched is not now");

    /* JSON round trip. */
    char *line = at_json_item_dump(item);
    AT_FUZZ_CHECK(line != NULL, "dump of an accepted item failed");
    AT_FUZZ_CHECK(strchr(line, '\n') == NULL, "dump is not one line: %s", line);
    Attache__V1__NewsItem *again = at_json_item_parse(line, strlen(line), NOW, err, sizeof err);
    AT_FUZZ_CHECK(again != NULL, "dump does not parse back: %s (dump: %s)", err, line);
    check_same(item, again, "JSON round trip");
    at_json_item_free(&again);
    free(line);

    /* Protobuf round trip. */
    size_t n = attache__v1__news_item__get_packed_size(item);
    uint8_t *buf = malloc(n ? n : 1);
    AT_FUZZ_CHECK(buf != NULL, "out of memory");
    AT_FUZZ_CHECK(attache__v1__news_item__pack(item, buf) == n, "pack size mismatch");
    Attache__V1__NewsItem *un = attache__v1__news_item__unpack(NULL, n, buf);
    AT_FUZZ_CHECK(un != NULL, "packed item does not unpack");
    AT_FUZZ_CHECK(at_json_item_validate(un, verr, sizeof verr) == 0,
                  "unpacked item fails validation: %s", verr);
    check_same(item, un, "protobuf round trip");
    at_json_item_free(&un);
    free(buf);

    at_json_item_free(&item);
    return 0;
}
