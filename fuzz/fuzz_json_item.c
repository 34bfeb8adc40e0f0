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
    at_fuzz_check_same_item(item, again, "JSON round trip");
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
    at_fuzz_check_same_item(item, un, "protobuf round trip");
    at_json_item_free(&un);
    free(buf);

    at_json_item_free(&item);
    return 0;
}
