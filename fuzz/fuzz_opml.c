/*
 * fuzz_opml: the OPML reader (at_opml_parse), fed one arbitrary document,
 * as `feeds.opml` and an OPML import receive them.
 *
 * Beyond "no crash, no leak" (and no entity expansion blowing up time or
 * memory, which libFuzzer's -rss_limit_mb and -timeout catch), it checks
 * what at_opml.h promises:
 *   - a rejection comes with a one-line reason of printable ASCII and
 *     leaves the list empty;
 *   - every feed URL is http:// or https:// without whitespace or control
 *     characters, and no URL appears twice;
 *   - at most AT_OPML_MAX_FEEDS feeds, and `truncated` only at the cap;
 *   - titles and categories are one non-blank line when present.
 */
#include <string.h>
#include <strings.h>

#include "at_fuzz.h"
#include "at_opml.h"

static void check_line(const char *what, const char *s)
{
    if (!s)
        return;
    AT_FUZZ_CHECK(s[0] != '\0', "%s is empty instead of NULL", what);
    AT_FUZZ_CHECK(s[0] != ' ' && s[strlen(s) - 1] != ' ', "%s not trimmed: '%s'", what, s);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        AT_FUZZ_CHECK(*c != '\n' && *c != '\r' && *c != '\t', "%s is not one line: '%s'", what, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    at_opml_t o;
    char err[256] = "";
    if (at_opml_parse((const char *)data, size, &o, err, sizeof err) != 0) {
        AT_FUZZ_CHECK(err[0] != '\0', "rejected without a reason");
        for (const unsigned char *c = (const unsigned char *)err; *c; c++)
            AT_FUZZ_CHECK(*c >= 0x20 && *c < 0x7f, "reason has byte 0x%02x: %s", *c, err);
        AT_FUZZ_CHECK(o.n_feeds == 0 && o.feeds == NULL && o.title == NULL,
                      "a rejection left results behind");
        return 0;
    }
    AT_FUZZ_CHECK(o.n_feeds <= AT_OPML_MAX_FEEDS, "%zu feeds", o.n_feeds);
    AT_FUZZ_CHECK(!o.truncated || o.n_feeds == AT_OPML_MAX_FEEDS, "truncated below the cap");
    check_line("title", o.title);
    for (size_t i = 0; i < o.n_feeds; i++) {
        const at_opml_feed_t *f = &o.feeds[i];
        AT_FUZZ_CHECK(f->url != NULL, "feed %zu has no url", i);
        AT_FUZZ_CHECK(strncasecmp(f->url, "http://", 7) == 0 ||
                          strncasecmp(f->url, "https://", 8) == 0,
                      "not an http(s) URL: %s", f->url);
        for (const unsigned char *c = (const unsigned char *)f->url; *c; c++)
            AT_FUZZ_CHECK(*c > 0x20 && *c != 0x7f, "URL has byte 0x%02x", *c);
        check_line("feed title", f->title);
        check_line("category", f->category);
        /* Quadratic, but the corpus inputs hold few feeds. */
        for (size_t j = 0; j < i && o.n_feeds < 2000; j++)
            AT_FUZZ_CHECK(strcmp(o.feeds[j].url, f->url) != 0, "duplicate URL %s", f->url);
    }
    at_opml_clear(&o);
    AT_FUZZ_CHECK(o.feeds == NULL && o.n_feeds == 0, "clear left something");
    return 0;
}
