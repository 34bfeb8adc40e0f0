/*
 * fuzz_enrich_item: at_enrich_item, the enrichment of one NewsItem with
 * the real reference data ($ATTACHE_DATA_DIR or the source tree's data/),
 * on items whose text comes straight from the input: any bytes, invalid
 * UTF-8 and all, as a producer that skipped validation would send them.
 *
 * Input layout: 8 bytes of "published" (little-endian; the first byte's
 * low bit chooses raw 64-bit values or a day within years 0000..9999),
 * then title, body, summary, id and url separated by NUL bytes.
 *
 * Checks (at_enrich.h, at_json.h): an event always comes back (there is no
 * allocation failure here), owns the item, has the item's id; every
 * mention's first offset lies inside title + "\n\n" + text and not in the
 * separator; a mention first seen in the title is flagged in_title; and
 * when the item itself passes at_json_item_validate the event passes
 * at_json_event_validate, dumps as JSON, and survives a protobuf round
 * trip.
 */
#include <string.h>

#include "at_enrich.h"
#include "at_fuzz.h"
#include "at_json.h"

#define NOW      1764288000LL /* 2025-11-28T00:00:00Z */
#define TIME_MIN (-62167219200LL)
#define TIME_MAX 253402300799LL

static at_enrich_t *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[512] = "";
    engine = at_enrich_new(at_fuzz_data_dir(), err, sizeof err);
    AT_FUZZ_CHECK(engine != NULL, "cannot load %s: %s", at_fuzz_data_dir(), err);
    return 0;
}

/* Next NUL-separated field as a protobuf-c string ("" = shared empty). */
static char *next_field(const uint8_t **p, size_t *n)
{
    const uint8_t *nul = *n ? memchr(*p, '\0', *n) : NULL;
    size_t len = nul ? (size_t)(nul - *p) : *n;
    char *s = len ? at_fuzz_strndup(*p, len) : (char *)protobuf_c_empty_string;
    *p += len;
    *n -= len;
    if (nul) {
        (*p)++;
        (*n)--;
    }
    return s;
}

static void check_offset(uint32_t first, int in_title, size_t tlen, size_t xlen, const char *what)
{
    AT_FUZZ_CHECK(first < tlen || (first >= tlen + 2 && first < tlen + 2 + xlen),
                  "%s first_offset %u outside title (%zu) + 2 + text (%zu)", what, first, tlen,
                  xlen);
    AT_FUZZ_CHECK(first >= tlen || in_title, "%s first seen in the title but not in_title", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine)
        LLVMFuzzerInitialize(NULL, NULL);
    uint64_t raw = 0;
    for (size_t i = 0; i < 8 && i < size; i++)
        raw |= (uint64_t)data[i] << (8 * i);
    const uint8_t *p = data + (size < 8 ? size : 8);
    size_t n = size < 8 ? 0 : size - 8;

    Attache__V1__NewsItem *item = malloc(sizeof *item);
    AT_FUZZ_CHECK(item != NULL, "out of memory");
    attache__v1__news_item__init(item);
    item->published = (raw & 1)
                          ? (int64_t)raw
                          : TIME_MIN + (int64_t)((raw >> 1) % (uint64_t)(TIME_MAX - TIME_MIN));
    item->title = next_field(&p, &n);
    item->body = next_field(&p, &n);
    item->summary = next_field(&p, &n);
    item->id = next_field(&p, &n);
    item->url = next_field(&p, &n);
    if (!item->id[0] && item->url[0]) {
        char id[33];
        at_json_item_id(item->url, id, sizeof id);
        item->id = strdup(id);
        AT_FUZZ_CHECK(item->id != NULL, "out of memory");
    }
    int valid = at_json_item_validate(item, NULL, 0) == 0;
    size_t tlen = strlen(item->title);
    size_t xlen = strlen(item->body[0] ? item->body : item->summary);
    char *id = strdup(item->id);
    AT_FUZZ_CHECK(id != NULL, "out of memory");

    Attache__V1__Event *ev = at_enrich_item(engine, &item, NOW);
    AT_FUZZ_CHECK(item == NULL, "item pointer not taken");
    AT_FUZZ_CHECK(ev != NULL, "no event");
    AT_FUZZ_CHECK(ev->item != NULL, "event lost its item");
    AT_FUZZ_CHECK(strcmp(ev->id, id) == 0, "event id '%s' != item id '%s'", ev->id, id);
    AT_FUZZ_CHECK(strcmp(ev->data_version, at_enrich_data_version(engine)) == 0, "data_version");
    for (size_t i = 0; i < ev->n_countries; i++) {
        const Attache__V1__CountryMention *c = ev->countries[i];
        AT_FUZZ_CHECK(c->mentions > 0 && c->code[0] && c->n_kinds > 0, "empty country mention");
        check_offset(c->first_offset, c->in_title, tlen, xlen, c->code);
        if (i > 0)
            AT_FUZZ_CHECK(ev->countries[i - 1]->first_offset <= c->first_offset,
                          "countries not in text order");
    }
    for (size_t i = 0; i < ev->n_actors; i++) {
        const Attache__V1__ActorMention *a = ev->actors[i];
        AT_FUZZ_CHECK(a->mentions > 0 && a->id[0], "empty actor mention");
        check_offset(a->first_offset, 1, tlen, xlen, a->id);
    }
    /* At most three strong locations then two weak ones, strong first, no
     * country twice unless a strong one names a different place in it. */
    AT_FUZZ_CHECK(ev->n_locations <= 5, "%zu locations", ev->n_locations);
    int weak = 0;
    for (size_t i = 0; i < ev->n_locations; i++) {
        const Attache__V1__Location *l = ev->locations[i];
        AT_FUZZ_CHECK(strlen(l->code) == 3, "location code '%s'", l->code);
        int is_weak =
            strcmp(l->basis, "title_country") == 0 || strcmp(l->basis, "most_mentioned") == 0;
        AT_FUZZ_CHECK(is_weak || strcmp(l->basis, "dateline") == 0 ||
                          strcmp(l->basis, "travel") == 0 || strcmp(l->basis, "title") == 0,
                      "location basis '%s'", l->basis);
        AT_FUZZ_CHECK(!(weak && !is_weak), "strong location after a weak one");
        weak |= is_weak;
        for (size_t j = 0; j < i && is_weak; j++)
            AT_FUZZ_CHECK(strcmp(ev->locations[j]->code, l->code) != 0, "weak location repeats %s",
                          l->code);
    }

    char err[256] = "";
    char *line = at_json_event_dump(ev);
    if (valid) {
        AT_FUZZ_CHECK(at_json_event_validate(ev, err, sizeof err) == 0,
                      "event of a valid item fails validation: %s", err);
        AT_FUZZ_CHECK(line != NULL, "event of a valid item does not dump");
        size_t len = attache__v1__event__get_packed_size(ev);
        uint8_t *buf = malloc(len ? len : 1);
        AT_FUZZ_CHECK(buf != NULL, "out of memory");
        AT_FUZZ_CHECK(attache__v1__event__pack(ev, buf) == len, "pack size");
        Attache__V1__Event *back = attache__v1__event__unpack(NULL, len, buf);
        AT_FUZZ_CHECK(back != NULL, "packed event does not unpack");
        AT_FUZZ_CHECK(at_json_event_validate(back, err, sizeof err) == 0,
                      "unpacked event fails validation: %s", err);
        char *line2 = at_json_event_dump(back);
        AT_FUZZ_CHECK(line2 && strcmp(line, line2) == 0, "protobuf round trip changes the dump");
        free(line2);
        at_enrich_event_free(&back);
        free(buf);
    }
    free(line);
    free(id);
    at_enrich_event_free(&ev);
    AT_FUZZ_CHECK(ev == NULL, "free did not null the pointer");
    return 0;
}
