/*
 * fuzz_feed: at_feed_parse, which reads every feed document attache-ingest
 * fetches (RSS, RDF, Atom, JSON Feed; any bytes a server sends).
 *
 * Input: byte 0 picks the HTTP charset (low 2 bits: none, "utf-8",
 * "iso-8859-1", "windows-1251") and the feed URL (bits 2-3: none, an
 * https URL, a file name, an IPv6 URL with a tracking parameter); the
 * rest is the document.
 *
 * Checks (at_feed.h, docs/feeds.md): a rejection has a one-line printable
 * reason and leaves an empty result; an accepted document has a known
 * format and encoding, at most AT_FEED_MAX_ITEMS items, and every item
 * passes at_json_item_validate, has a 32-hex id and fetched == now, a url
 * and enclosures that are canonical http(s) URLs (canonicalizing them
 * again changes nothing), text without leading/trailing whitespace, tabs
 * or runs of blank lines, and survives a protobuf round trip. Parsing the
 * same input twice gives the same items (no hidden state).
 */
#include <string.h>

#include "at_feed.h"
#include "at_fuzz.h"
#include "at_json.h"
#include "at_url.h"

#define NOW 1720000000LL

static const char *const charsets[4] = {NULL, "utf-8", "iso-8859-1", "windows-1251"};
static const char *const urls[4] = {NULL, "https://feed.example.org/news/rss.xml",
                                    "feeds/local.xml", "http://[::1]:8080/a/b?utm_source=x"};

static void check_canonical_url(const char *what, const char *u)
{
    if (!u || !u[0])
        return;
    AT_FUZZ_CHECK(strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0,
                  "%s is not http(s): %s", what, u);
    AT_FUZZ_CHECK(strchr(u, '#') == NULL, "%s has a fragment: %s", what, u);
    char *again = at_url_canonical(NULL, u);
    AT_FUZZ_CHECK(again != NULL && strcmp(again, u) == 0, "%s not canonical: %s -> %s", what, u,
                  again ? again : "NULL");
    free(again);
}

static void check_text(const char *what, const char *s, int one_line)
{
    size_t len = strlen(s);
    if (!len)
        return;
    AT_FUZZ_CHECK(s[0] != ' ' && s[0] != '\n' && s[len - 1] != ' ' && s[len - 1] != '\n',
                  "%s not trimmed: [%s]", what, s);
    AT_FUZZ_CHECK(strstr(s, "\n\n\n") == NULL, "%s has 3 line breaks: [%s]", what, s);
    AT_FUZZ_CHECK(strstr(s, "  ") == NULL, "%s has 2 spaces: [%s]", what, s);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        AT_FUZZ_CHECK(*c >= 0x20 || *c == '\n', "%s has control byte 0x%02x", what, *c);
    if (one_line)
        AT_FUZZ_CHECK(strchr(s, '\n') == NULL, "%s has a line break: [%s]", what, s);
}

static void check_item(const Attache__V1__NewsItem *it)
{
    char err[256] = "";
    AT_FUZZ_CHECK(at_json_item_validate(it, err, sizeof err) == 0, "item invalid: %s", err);
    AT_FUZZ_CHECK(strlen(it->id) == 32, "id '%s' is not 32 characters", it->id);
    for (const char *c = it->id; *c; c++)
        AT_FUZZ_CHECK((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'), "id not hex: %s",
                      it->id);
    AT_FUZZ_CHECK(it->fetched == NOW, "fetched is not now");
    check_canonical_url("url", it->url);
    for (size_t i = 0; i < it->n_enclosures; i++)
        check_canonical_url("enclosure", it->enclosures[i]);
    check_text("title", it->title, 1);
    check_text("summary", it->summary, 0);
    check_text("body", it->body, 0);
    for (size_t i = 0; i < it->n_authors; i++)
        check_text("author", it->authors[i], 1);
    for (size_t i = 0; i < it->n_categories; i++)
        check_text("category", it->categories[i], 1);

    size_t n = attache__v1__news_item__get_packed_size(it);
    uint8_t *buf = malloc(n ? n : 1);
    AT_FUZZ_CHECK(buf != NULL, "out of memory");
    AT_FUZZ_CHECK(attache__v1__news_item__pack(it, buf) == n, "pack size mismatch");
    Attache__V1__NewsItem *un = attache__v1__news_item__unpack(NULL, n, buf);
    AT_FUZZ_CHECK(un != NULL, "packed item does not unpack");
    AT_FUZZ_CHECK(at_json_item_validate(un, err, sizeof err) == 0, "unpacked item invalid: %s",
                  err);
    AT_FUZZ_CHECK(strcmp(un->id, it->id) == 0 && strcmp(un->title, it->title) == 0,
                  "protobuf round trip changed the item");
    at_json_item_free(&un);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *charset = charsets[data[0] & 3];
    const char *url = urls[(data[0] >> 2) & 3];
    const char *doc = (const char *)data + 1;
    size_t len = size - 1;

    at_feed_result_t r;
    char err[256] = "";
    int rc = at_feed_parse(doc, len, charset, url, NOW, &r, err, sizeof err);
    if (rc != 0) {
        AT_FUZZ_CHECK(rc == -1, "returned %d", rc);
        AT_FUZZ_CHECK(err[0] != '\0', "rejected without a reason");
        for (const unsigned char *c = (const unsigned char *)err; *c; c++)
            AT_FUZZ_CHECK(*c >= 0x20 && *c < 0x7f, "reason has byte 0x%02x: %s", *c, err);
        AT_FUZZ_CHECK(r.n_items == 0 && r.items == NULL && r.title == NULL && r.link == NULL &&
                          r.language == NULL,
                      "rejected but the result is not empty");
        return 0;
    }
    AT_FUZZ_CHECK(r.format != NULL, "no format");
    AT_FUZZ_CHECK(strcmp(r.format, "rss2") == 0 || strcmp(r.format, "rss1") == 0 ||
                      strcmp(r.format, "rss09") == 0 || strcmp(r.format, "atom") == 0 ||
                      strcmp(r.format, "jsonfeed") == 0,
                  "unknown format %s", r.format);
    AT_FUZZ_CHECK(r.encoding[0] != '\0', "no encoding");
    AT_FUZZ_CHECK(r.n_items <= AT_FEED_MAX_ITEMS, "too many items");
    AT_FUZZ_CHECK(r.ttl_seconds >= 0 && r.ttl_seconds <= 31536000, "ttl %d", r.ttl_seconds);
    if (r.title)
        check_text("feed title", r.title, 1);
    check_canonical_url("feed link", r.link);
    for (size_t i = 0; i < r.n_items; i++)
        check_item(r.items[i]);

    /* Same input, same items. */
    at_feed_result_t r2;
    AT_FUZZ_CHECK(at_feed_parse(doc, len, charset, url, NOW, &r2, err, sizeof err) == 0,
                  "second parse failed: %s", err);
    AT_FUZZ_CHECK(r2.n_items == r.n_items, "second parse: %zu items, first %zu", r2.n_items,
                  r.n_items);
    for (size_t i = 0; i < r.n_items; i++)
        AT_FUZZ_CHECK(strcmp(r.items[i]->id, r2.items[i]->id) == 0, "item %zu id differs", i);
    at_feed_result_clear(&r2);
    at_feed_result_clear(&r);
    return 0;
}
