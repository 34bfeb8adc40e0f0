/*
 * Tests for at_opml: nested folders as categories, outlines without
 * xmlUrl and of other types, URL rules (http(s) only, feed://, &amp;,
 * duplicates), billion laughs and external entities (fail safe, nothing
 * expanded or read), documents that are not OPML, recovery from broken
 * XML, the feed cap, and reading files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_opml.h"

static void parse_ok(const char *doc, at_opml_t *o)
{
    char err[256] = "";
    if (at_opml_parse(doc, strlen(doc), o, err, sizeof err) != 0)
        fail_msg("parse failed: %s", err);
}

static void parse_fails(const char *doc, const char *want)
{
    char err[256] = "";
    at_opml_t o;
    assert_int_equal(at_opml_parse(doc, strlen(doc), &o, err, sizeof err), -1);
    assert_int_equal(o.n_feeds, 0);
    assert_null(o.feeds);
    if (!strstr(err, want))
        fail_msg("error \"%s\" does not mention \"%s\"", err, want);
}

/* Nothing in the result may contain `needle` (an expanded entity). */
static void assert_nowhere(const at_opml_t *o, const char *needle)
{
    if (o->title)
        assert_null(strstr(o->title, needle));
    for (size_t i = 0; i < o->n_feeds; i++) {
        const at_opml_feed_t *f = &o->feeds[i];
        assert_null(strstr(f->url, needle));
        if (f->title)
            assert_null(strstr(f->title, needle));
        if (f->category)
            assert_null(strstr(f->category, needle));
    }
}

static void test_nested(void **state)
{
    (void)state;
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<opml version=\"2.0\">\n"
        "  <head><title>  My   feeds </title></head>\n"
        "  <body>\n"
        "    <outline text=\"Top level\" type=\"rss\" xmlUrl=\"https://top.example/rss\"/>\n"
        "    <outline text=\"News\">\n"
        "      <outline title=\"Europe\" text=\"ignored text\">\n"
        "        <outline text=\"EU feed\" title=\"EU &amp; more\" type=\"rss\"\n"
        "                 xmlUrl=\"https://eu.example/feed?a=1&amp;b=2\"\n"
        "                 htmlUrl=\"https://eu.example/\"/>\n"
        "        <outline text=\"Atom\" type=\"atom\" xmlUrl=\"http://atom.example/a.xml\"/>\n"
        "      </outline>\n"
        "      <outline text=\"Asia feed\" xmlUrl=\"https://asia.example/rss\"/>\n"
        "    </outline>\n"
        "    <outline text=\"Tagged\" type=\"rss\" category=\"/Law/ICC,/Other\"\n"
        "             xmlUrl=\"https://law.example/rss\"/>\n"
        "    <outline type=\"rss\" xmlUrl=\" https://untitled.example/rss \"/>\n"
        "  </body>\n"
        "</opml>\n";
    at_opml_t o;
    parse_ok(doc, &o);
    assert_string_equal(o.title, "My feeds");
    assert_int_equal(o.n_feeds, 6);
    assert_int_equal(o.skipped, 0);
    assert_false(o.truncated);
    assert_int_equal(o.recovered, 0);

    assert_string_equal(o.feeds[0].url, "https://top.example/rss");
    assert_string_equal(o.feeds[0].title, "Top level");
    assert_null(o.feeds[0].category);

    assert_string_equal(o.feeds[1].url, "https://eu.example/feed?a=1&b=2");
    assert_string_equal(o.feeds[1].title, "EU & more");
    assert_string_equal(o.feeds[1].category, "News/Europe");
    assert_string_equal(o.feeds[1].html_url, "https://eu.example/");

    assert_string_equal(o.feeds[2].url, "http://atom.example/a.xml");
    assert_string_equal(o.feeds[2].category, "News/Europe");
    assert_null(o.feeds[2].html_url);

    assert_string_equal(o.feeds[3].url, "https://asia.example/rss");
    assert_string_equal(o.feeds[3].category, "News");

    assert_string_equal(o.feeds[4].category, "Law/ICC");
    assert_string_equal(o.feeds[5].url, "https://untitled.example/rss");
    assert_null(o.feeds[5].title);

    at_opml_clear(&o);
    assert_null(o.feeds);
    assert_int_equal(o.n_feeds, 0);
    at_opml_clear(NULL);
}

static void test_skipped(void **state)
{
    (void)state;
    const char *doc =
        "<opml version=\"1.0\"><body>\n"
        "  <outline text=\"rss without xmlUrl\" type=\"rss\"/>\n"
        "  <outline text=\"a link\" type=\"link\" url=\"https://site.example/\"/>\n"
        "  <outline text=\"include\" type=\"include\" xmlUrl=\"https://x.example/list.opml\"/>\n"
        "  <outline text=\"empty folder\"></outline>\n"
        "  <outline text=\"file\" type=\"rss\" xmlUrl=\"file:///etc/passwd\"/>\n"
        "  <outline text=\"ftp\" type=\"rss\" xmlUrl=\"ftp://x.example/rss\"/>\n"
        "  <outline text=\"js\" type=\"rss\" xmlUrl=\"javascript:alert(1)\"/>\n"
        "  <outline text=\"space\" type=\"rss\" xmlUrl=\"https://a.example/x y\"/>\n"
        "  <outline text=\"blank\" type=\"rss\" xmlUrl=\"   \"/>\n"
        "  <outline text=\"ok\" type=\"RSS\" XMLURL=\"https://ok.example/rss\"/>\n"
        "  <outline text=\"dup\" type=\"rss\" xmlUrl=\"https://ok.example/rss\"/>\n"
        "  <outline text=\"feed scheme\" xmlUrl=\"feed://old.example/rss\"/>\n"
        "  <outline text=\"feed prefix\" xmlUrl=\"feed:https://new.example/rss\"/>\n"
        "  <notanoutline xmlUrl=\"https://no.example/rss\"/>\n"
        "</body></opml>";
    at_opml_t o;
    parse_ok(doc, &o);
    assert_int_equal(o.n_feeds, 3);
    assert_string_equal(o.feeds[0].url, "https://ok.example/rss");
    assert_string_equal(o.feeds[0].title, "ok");
    assert_string_equal(o.feeds[1].url, "http://old.example/rss");
    assert_string_equal(o.feeds[2].url, "https://new.example/rss");
    assert_int_equal(o.skipped, 10);
    assert_null(o.title);
    at_opml_clear(&o);

    /* No body, or an empty one: no feeds, not an error. */
    parse_ok("<opml><head><title>t</title></head></opml>", &o);
    assert_int_equal(o.n_feeds, 0);
    at_opml_clear(&o);
}

static void test_billion_laughs(void **state)
{
    (void)state;
    const char *doc =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE opml [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n"
        "<opml><head><title>&lol9;</title></head><body>\n"
        "<outline text=\"&lol9;\" title=\"&lol9;\" xmlUrl=\"https://a.example/&lol9;\"/>\n"
        "<outline text=\"&lol9;\"><outline xmlUrl=\"https://b.example/rss\"/></outline>\n"
        "<outline text=\"plain\" xmlUrl=\"https://c.example/rss\"/>\n"
        "</body></opml>";
    clock_t t0 = clock();
    at_opml_t o;
    char err[256] = "";
    int rc = at_opml_parse(doc, strlen(doc), &o, err, sizeof err);
    /* Not a timing test: a bomb that went off would take minutes and
     * gigabytes, not a second. */
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    if (rc == 0) {
        assert_nowhere(&o, "lollol");
        /* The plain feed still comes through. */
        int found = 0;
        for (size_t i = 0; i < o.n_feeds; i++)
            found += strcmp(o.feeds[i].url, "https://c.example/rss") == 0;
        assert_int_equal(found, 1);
        at_opml_clear(&o);
    } else {
        assert_true(err[0] != '\0');
    }
}

static void test_external_entities(void **state)
{
    (void)state;
    /* A file we create, so the test knows what a leak would look like. */
    char secret[] = "/tmp/at_opml_secret.XXXXXX";
    int fd = mkstemp(secret);
    assert_true(fd >= 0);
    const char *s = "TOPSECRET-CONTENT";
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
    close(fd);

    char doc[2048];
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\"?>\n"
             "<!DOCTYPE opml [\n"
             " <!ENTITY xxe SYSTEM \"file://%s\">\n"
             " <!ENTITY %% pe SYSTEM \"file://%s\">\n"
             " <!ENTITY net SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n"
             " %%pe;\n"
             "]>\n"
             "<opml><head><title>&xxe;</title></head><body>\n"
             "<outline text=\"&xxe;\" title=\"x&xxe;\" xmlUrl=\"https://a.example/?q=&xxe;\"/>\n"
             "<outline text=\"&net;\" xmlUrl=\"https://b.example/rss\"/>\n"
             "</body></opml>",
             secret, secret);
    at_opml_t o;
    char err[256] = "";
    int rc = at_opml_parse(doc, strlen(doc), &o, err, sizeof err);
    if (rc == 0) {
        assert_nowhere(&o, "TOPSECRET");
        at_opml_clear(&o);
    }

    /* An external DTD is never fetched (no network, no DTD loading). */
    const char *ext = "<?xml version=\"1.0\"?>\n"
                      "<!DOCTYPE opml SYSTEM \"http://127.0.0.1:9/opml.dtd\">\n"
                      "<opml><body><outline xmlUrl=\"https://c.example/rss\"/></body></opml>";
    parse_ok(ext, &o);
    assert_int_equal(o.n_feeds, 1);
    at_opml_clear(&o);
    unlink(secret);
}

static void test_not_opml(void **state)
{
    (void)state;
    parse_fails("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title>"
                "</channel></rss>",
                "not an OPML document (root element <rss>)");
    parse_fails("<!DOCTYPE html><html><head><title>Hi</title></head><body><p>page</p></body>"
                "</html>",
                "not an OPML document");
    parse_fails("\x89PNG\r\n\x1a\n\x00\x00garbage", "not XML");
    parse_fails("just some text", "not XML");
    parse_fails("", "empty");
    at_opml_t o;
    assert_int_equal(at_opml_parse(NULL, 0, &o, NULL, 0), -1);
}

static void test_recover(void **state)
{
    (void)state;
    /* A stray '&', an unquoted attribute and a missing end tag. */
    const char *doc = "<opml><head><title>Tom & Jerry</title></head><body>\n"
                      "<outline text=\"ok\" xmlUrl=\"https://a.example/rss\"/>\n"
                      "<outline text=\"q\" xmlUrl=\"https://b.example/?x=1&y=2\"/>\n"
                      "<outline text=\"folder\">\n"
                      "  <outline text=\"inner\" xmlUrl=\"https://c.example/rss\"/>\n"
                      "</body>";
    at_opml_t o;
    parse_ok(doc, &o);
    assert_true(o.recovered > 0);
    assert_true(o.n_feeds >= 1);
    assert_string_equal(o.feeds[0].url, "https://a.example/rss");
    at_opml_clear(&o);

    /* Truncated in the middle of an outline. */
    const char *cut = "<opml><body><outline text=\"a\" xmlUrl=\"https://a.example/rss\"/>"
                      "<outline text=\"b\" xmlUrl=\"https://b.exa";
    parse_ok(cut, &o);
    assert_true(o.recovered > 0);
    assert_true(o.n_feeds >= 1); /* libxml2 may also recover the cut URL */
    assert_string_equal(o.feeds[0].url, "https://a.example/rss");
    at_opml_clear(&o);
}

static void test_cap(void **state)
{
    (void)state;
    size_t n = AT_OPML_MAX_FEEDS + 50;
    size_t cap = 64 + n * 64;
    char *doc = malloc(cap);
    size_t len = (size_t)snprintf(doc, cap, "<opml><body>");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(doc + len, cap - len,
                                "<outline xmlUrl=\"https://f%zu.example/rss\"/>", i);
    snprintf(doc + len, cap - len, "</body></opml>");
    at_opml_t o;
    parse_ok(doc, &o);
    assert_int_equal(o.n_feeds, AT_OPML_MAX_FEEDS);
    assert_true(o.truncated);
    assert_int_equal(o.skipped, 50);
    assert_string_equal(o.feeds[AT_OPML_MAX_FEEDS - 1].url, "https://f9999.example/rss");
    at_opml_clear(&o);
    free(doc);
}

static void test_load_file(void **state)
{
    (void)state;
    at_opml_t o;
    char err[256] = "";
    assert_int_equal(at_opml_load_file("/nonexistent/feeds.opml", &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/feeds.opml"));
    assert_int_equal(at_opml_load_file("/tmp", &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a regular file"));

    char path[] = "/tmp/at_opml_test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *doc = "<opml><body><outline xmlUrl=\"https://a.example/rss\"/></body></opml>";
    assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
    close(fd);
    assert_int_equal(at_opml_load_file(path, &o, err, sizeof err), 0);
    assert_int_equal(o.n_feeds, 1);
    at_opml_clear(&o);

    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "<rss/>", 6), 6);
    close(fd);
    assert_int_equal(at_opml_load_file(path, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "root element <rss>"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_skipped),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_external_entities),
        cmocka_unit_test(test_not_opml),
        cmocka_unit_test(test_recover),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
