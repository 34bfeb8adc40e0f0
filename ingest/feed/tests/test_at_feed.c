/*
 * test_at_feed.c: unit tests for at_feed, the feed parser (docs/feeds.md).
 *
 * Own fixtures (C strings below) cover each format (RSS 0.91, RSS 0.90
 * and 1.0 RDF, RSS 2.0 with its common extensions, Atom 1.0 with xml:base
 * chains and every content type, JSON Feed 1.0/1.1), encodings (BOM,
 * HTTP charset against the declaration, Latin-1 without declaration,
 * UTF-8 mislabelled, stray bytes, UTF-16), dates (broken and foreign ones
 * counted or repaired, never fatal), item ids and URLs, HTML in
 * descriptions, undeclared HTML entities, bare ampersands, invalid
 * characters, a truncated document, billion laughs, quadratic blowup,
 * external entities (XXE), the size limit (a 100 MB input), documents
 * that are not feeds, and the per-item limits. Every item any test gets
 * must pass at_json_item_validate.
 *
 * The real publisher feeds in $ATTACHE_SHARED_FEEDS (../shared/data/feeds)
 * are used when present: every one parses without a crash and gives the
 * expected outcome, plus specific checks on uolNoticias.rss (Latin-1
 * without declaration), the tpm*.atom family (relative links, xml:base
 * "" and "#fragment"), node-feedparser's xml:base cases and the gzipped
 * invalid-characters feed. Those tests skip, saying why, when the
 * directory is absent; the files are never copied into the project.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "at_feed.h"
#include "at_json.h"
#include "at_url.h"

#define NOW 1725354000 /* 2024-09-03T09:00:00Z */

/* --- helpers ------------------------------------------------------------- */

static void check_items(const at_feed_result_t *r)
{
    char err[256];
    for (size_t i = 0; i < r->n_items; i++) {
        if (at_json_item_validate(r->items[i], err, sizeof err) != 0)
            fail_msg("item %zu fails validation: %s", i, err);
        assert_int_equal(r->items[i]->fetched, NOW);
        assert_int_equal(strlen(r->items[i]->id), 32);
    }
}

static void parse_ok_n(const char *doc, size_t len, const char *charset, const char *url,
                       at_feed_result_t *r)
{
    char err[256] = "";
    if (at_feed_parse(doc, len, charset, url, NOW, r, err, sizeof err) != 0)
        fail_msg("parse failed: %s", err);
    check_items(r);
}

static void parse_ok(const char *doc, const char *url, at_feed_result_t *r)
{
    parse_ok_n(doc, strlen(doc), NULL, url, r);
}

static void parse_fails_n(const char *doc, size_t len, const char *want)
{
    char err[256] = "";
    at_feed_result_t r;
    assert_int_equal(at_feed_parse(doc, len, NULL, NULL, NOW, &r, err, sizeof err), -1);
    assert_int_equal(r.n_items, 0);
    assert_null(r.items);
    assert_null(r.title);
    for (const char *c = err; *c; c++)
        assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
    if (!strstr(err, want))
        fail_msg("error \"%s\" does not mention \"%s\"", err, want);
}

static void parse_fails(const char *doc, const char *want)
{
    parse_fails_n(doc, strlen(doc), want);
}

static void id_of(const char *key, char out[33])
{
    at_url_item_id(key, out, 33);
}

/* No string of any item contains needle. */
static void assert_nowhere(const at_feed_result_t *r, const char *needle)
{
    for (size_t i = 0; i < r->n_items; i++) {
        const Attache__V1__NewsItem *it = r->items[i];
        const char *f[] = {it->title, it->summary, it->body, it->url, it->guid};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            if (f[k] && strstr(f[k], needle))
                fail_msg("item %zu has \"%s\": %.200s", i, needle, f[k]);
    }
    if (r->title && strstr(r->title, needle))
        fail_msg("feed title has \"%s\"", needle);
}

/* --- formats ------------------------------------------------------------- */

static const char rss2_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"\n"
    "     xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
    "xmlns:media=\"http://search.yahoo.com/mrss/\"\n"
    "     xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\">\n"
    "<channel>\n"
    "  <title>World  &amp; Region\n News</title>\n"
    "  <link>https://news.example.org/</link>\n"
    "  <language>en-GB</language>\n"
    "  <ttl>15</ttl>\n"
    "  <item>\n"
    "    <title>Leaders &lt;b&gt;meet&lt;/b&gt; in Astana</title>\n"
    "    <link>/world/2024/07/sco-summit?utm_source=rss&amp;utm_medium=feed&amp;id=9</link>\n"
    "    <description>&lt;p&gt;The &lt;a href=\"/x\"&gt;summit&lt;/a&gt; opened.&lt;/p&gt;"
    "&lt;p&gt;Second paragraph.&lt;script&gt;track()&lt;/script&gt;&lt;/p&gt;</description>\n"
    "    <content:encoded><![CDATA[<p>Full <em>text</em> "
    "here.</p><p>More.</p>]]></content:encoded>\n"
    "    <author>desk@news.example.org (Anna Writer)</author>\n"
    "    <dc:creator>Ben Reporter</dc:creator>\n"
    "    <category>Politics</category><category>Asia</category><category>Politics</category>\n"
    "    <guid isPermaLink=\"false\">story-9</guid>\n"
    "    <pubDate>Wed, 03 Jul 2024 10:15:00 +0200</pubDate>\n"
    "    <enclosure url=\"/media/summit.mp3\" length=\"1\" type=\"audio/mpeg\"/>\n"
    "    <media:content url=\"https://img.example.org/a.jpg\" medium=\"image\"/>\n"
    "    <media:group><media:content url=\"https://img.example.org/a.jpg\"/>"
    "<media:content url=\"https://img.example.org/b.jpg\"/></media:group>\n"
    "  </item>\n"
    "  <item>\n"
    "    <title>Second</title>\n"
    "    <guid>https://news.example.org/world/second#frag</guid>\n"
    "    <dc:date>2024-07-04T08:00:00Z</dc:date>\n"
    "  </item>\n"
    "</channel>\n"
    "</rss>\n";

static void test_rss2(void **state)
{
    (void)state;
    at_feed_result_t r;
    parse_ok(rss2_doc, "https://news.example.org/feeds/world.xml", &r);
    assert_string_equal(r.format, "rss2");
    assert_string_equal(r.title, "World & Region News");
    assert_string_equal(r.link, "https://news.example.org/");
    assert_string_equal(r.language, "en-GB");
    assert_int_equal(r.ttl_seconds, 15 * 60);
    assert_string_equal(r.encoding, "UTF-8");
    assert_int_equal(r.n_items, 2);
    assert_int_equal(r.recovered_errors, 0);

    const Attache__V1__NewsItem *a = r.items[0];
    assert_string_equal(a->title, "Leaders meet in Astana");
    assert_string_equal(a->url, "https://news.example.org/world/2024/07/sco-summit?id=9");
    char id[33];
    id_of(a->url, id);
    assert_string_equal(a->id, id); /* guid is not a permalink: the URL decides */
    assert_string_equal(a->guid, "story-9");
    assert_string_equal(a->summary, "The summit opened.\n\nSecond paragraph.");
    assert_string_equal(a->body, "Full text here.\n\nMore.");
    assert_int_equal(a->published, 1719994500); /* 2024-07-03T08:15:00Z */
    assert_int_equal(a->n_authors, 2);
    assert_string_equal(a->authors[0], "Anna Writer");
    assert_string_equal(a->authors[1], "Ben Reporter");
    assert_int_equal(a->n_categories, 2); /* duplicates dropped */
    assert_string_equal(a->categories[0], "Politics");
    assert_string_equal(a->categories[1], "Asia");
    assert_int_equal(a->n_enclosures, 3);
    assert_string_equal(a->enclosures[0], "https://news.example.org/media/summit.mp3");
    assert_string_equal(a->enclosures[1], "https://img.example.org/a.jpg");
    assert_string_equal(a->enclosures[2], "https://img.example.org/b.jpg");
    assert_string_equal(a->language, "en-GB");
    assert_string_equal(a->source, "World & Region News");
    assert_string_equal(a->feed, "https://news.example.org/feeds/world.xml");

    /* No link: the permalink guid is the URL, canonical (no fragment). */
    const Attache__V1__NewsItem *b = r.items[1];
    assert_string_equal(b->url, "https://news.example.org/world/second");
    id_of("https://news.example.org/world/second", id);
    assert_string_equal(b->id, id);
    assert_string_equal(b->guid, "https://news.example.org/world/second#frag");
    assert_int_equal(b->published, 1720080000);
    assert_string_equal(b->summary, "");
    at_feed_result_clear(&r);
}

static void test_rss091(void **state)
{
    (void)state;
    /* The classic Netscape DTD is never loaded, so its HTML entities are
     * undeclared: they still decode. */
    const char *doc = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                      "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\"\n"
                      " \"http://my.netscape.com/publish/formats/rss-0.91.dtd\">\n"
                      "<rss version=\"0.91\"><channel><title>Caf&eacute; News</title>\n"
                      "<link>http://cafe.example.com/</link><language>fr</language>\n"
                      "<item><title>Cr&egrave;me&nbsp;br&ucirc;l&eacute;e &mdash; a story</title>\n"
                      "<link>http://cafe.example.com/1</link>\n"
                      "<description>Text &amp; more</description></item>\n"
                      "</channel></rss>";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_string_equal(r.format, "rss09");
    assert_string_equal(r.title, "Caf\xc3\xa9 News");
    assert_int_equal(r.n_items, 1);
    assert_string_equal(r.items[0]->title, "Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
                                           "e \xe2\x80\x94 a story");
    assert_string_equal(r.items[0]->summary, "Text & more");
    assert_string_equal(r.items[0]->language, "fr");
    assert_string_equal(r.items[0]->feed, "");
    assert_string_equal(r.items[0]->source, "Caf\xc3\xa9 News");
    at_feed_result_clear(&r);
}

static void test_rss090_rdf(void **state)
{
    (void)state;
    const char *doc = "<?xml version=\"1.0\"?>\n"
                      "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
                      "         xmlns=\"http://my.netscape.com/rdf/simple/0.9/\">\n"
                      "<channel><title>Old Times</title><link>http://old.example.com/</link>"
                      "<description>x</description></channel>\n"
                      "<item><title>First</title><link>http://old.example.com/1</link></item>\n"
                      "<item><title>Second</title><link>http://old.example.com/2</link></item>\n"
                      "</rdf:RDF>";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_string_equal(r.format, "rss09");
    assert_int_equal(r.n_items, 2);
    assert_string_equal(r.items[1]->url, "http://old.example.com/2");
    assert_string_equal(r.items[1]->source, "Old Times");
    at_feed_result_clear(&r);
}

static void test_rss1_rdf(void **state)
{
    (void)state;
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
        "  xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
        "  xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"\n"
        "  xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\">\n"
        " <channel rdf:about=\"https://science.example.net/rss\">\n"
        "  <title>Science Weekly</title><link>https://science.example.net/</link>\n"
        "  <dc:language>en</dc:language>\n"
        "  <sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>\n"
        "  <items><rdf:Seq><rdf:li "
        "rdf:resource=\"https://science.example.net/a\"/></rdf:Seq></items>\n"
        " </channel>\n"
        " <item rdf:about=\"https://science.example.net/a?rss=1\">\n"
        "  <title>Food for fungi</title><link>https://science.example.net/a?rss=1</link>\n"
        "  <description>Short.</description>\n"
        "  <content:encoded>&lt;p&gt;Long.&lt;/p&gt;</content:encoded>\n"
        "  <dc:creator>Hines, P. J.</dc:creator><dc:subject>Botany</dc:subject>\n"
        "  <dc:date>2017-06-15T17:29:47+00:00</dc:date>\n"
        " </item>\n"
        "</rdf:RDF>";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_string_equal(r.format, "rss1");
    assert_string_equal(r.language, "en");
    assert_int_equal(r.ttl_seconds, 86400 / 4);
    assert_int_equal(r.n_items, 1);
    const Attache__V1__NewsItem *it = r.items[0];
    assert_string_equal(it->guid, "https://science.example.net/a?rss=1");
    assert_string_equal(it->summary, "Short.");
    assert_string_equal(it->body, "Long.");
    assert_string_equal(it->authors[0], "Hines, P. J.");
    assert_string_equal(it->categories[0], "Botany");
    assert_int_equal(it->published, 1497547787);
    assert_string_equal(it->language, "en");
    at_feed_result_clear(&r);
}

static const char atom_doc[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\" "
    "xml:base=\"https://blog.example.com/\">\n"
    "  <title type=\"html\">Policy &amp;lt;Watch&amp;gt;</title>\n"
    "  <link rel=\"self\" href=\"/feed.atom\"/>\n"
    "  <link rel=\"alternate\" type=\"text/html\" href=\"/\"/>\n"
    "  <author><name>Desk</name></author>\n"
    "  <updated>2024-07-03T10:00:00Z</updated>\n"
    "  <id>tag:blog.example.com,2024:feed</id>\n"
    "  <entry xml:base=\"posts/2024/\">\n"
    "    <title type=\"text\">A &lt;tag&gt; in a text title</title>\n"
    "    <link rel=\"self\" href=\"/api/1\"/>\n"
    "    <link rel=\"alternate\" type=\"application/pdf\" href=\"one.pdf\"/>\n"
    "    <link rel=\"alternate\" type=\"text/html\" href=\"one.html#intro\"/>\n"
    "    <link rel=\"enclosure\" type=\"audio/mpeg\" href=\"one.mp3\"/>\n"
    "    <id>tag:blog.example.com,2024:1</id>\n"
    "    <published>2024-07-03T12:15:00+02:00</published>\n"
    "    <updated>2024-07-05T00:00:00Z</updated>\n"
    "    <summary type=\"html\">&lt;p&gt;Short &amp;amp; sweet&lt;/p&gt;</summary>\n"
    "    <content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Para "
    "<b>one</b>.</p><p>Para two.</p></div></content>\n"
    "    <author><name>Ada Author</name></author>\n"
    "    <category term=\"icc\" label=\"International Criminal Court\"/>\n"
    "    <category term=\"diplomacy\"/>\n"
    "  </entry>\n"
    "  <entry xml:lang=\"fr\">\n"
    "    <title>Deux</title>\n"
    "    <link href=\"deux\" xml:base=\"https://other.example.org/fr/\"/>\n"
    "    <id>https://other.example.org/fr/deux-perma</id>\n"
    "    <updated>2024-07-06T00:00:00Z</updated>\n"
    "    <content type=\"text\">Plain\n  text\n\nbody &amp; more</content>\n"
    "  </entry>\n"
    "  <entry>\n"
    "    <title>Out of line</title>\n"
    "    <link href=\"three\"/>\n"
    "    <id>urn:uuid:3</id>\n"
    "    <content src=\"https://blog.example.com/three.txt\"/>\n"
    "  </entry>\n"
    "</feed>\n";

static void test_atom(void **state)
{
    (void)state;
    at_feed_result_t r;
    parse_ok(atom_doc, NULL, &r);
    assert_string_equal(r.format, "atom");
    assert_string_equal(r.title, "Policy <Watch>");
    assert_string_equal(r.link, "https://blog.example.com/");
    assert_string_equal(r.language, "en");
    assert_int_equal(r.n_items, 3);

    const Attache__V1__NewsItem *a = r.items[0];
    assert_string_equal(a->title, "A <tag> in a text title");
    /* xml:base chain: feed base, then the entry's relative base. */
    assert_string_equal(a->url, "https://blog.example.com/posts/2024/one.html");
    char id[33];
    id_of(a->url, id);
    assert_string_equal(a->id, id); /* tag: id is no permalink */
    assert_string_equal(a->guid, "tag:blog.example.com,2024:1");
    assert_int_equal(a->published, 1720001700); /* published wins over updated */
    assert_string_equal(a->summary, "Short & sweet");
    assert_string_equal(a->body, "Para one.\n\nPara two.");
    assert_int_equal(a->n_authors, 1);
    assert_string_equal(a->authors[0], "Ada Author");
    assert_int_equal(a->n_categories, 2);
    assert_string_equal(a->categories[0], "icc");
    assert_string_equal(a->categories[1], "diplomacy");
    assert_int_equal(a->n_enclosures, 1);
    assert_string_equal(a->enclosures[0], "https://blog.example.com/posts/2024/one.mp3");
    assert_string_equal(a->language, "en");
    assert_string_equal(a->source, "Policy <Watch>");

    const Attache__V1__NewsItem *b = r.items[1];
    /* xml:base on the link itself. */
    assert_string_equal(b->url, "https://other.example.org/fr/deux");
    /* The id is an http URL: a permalink, so it decides the item id. */
    id_of("https://other.example.org/fr/deux-perma", id);
    assert_string_equal(b->id, id);
    assert_int_equal(b->published, 1720224000); /* only <updated> */
    assert_string_equal(b->body, "Plain text\n\nbody & more");
    assert_string_equal(b->language, "fr");
    /* Feed-level author inherited. */
    assert_int_equal(b->n_authors, 1);
    assert_string_equal(b->authors[0], "Desk");

    const Attache__V1__NewsItem *c = r.items[2];
    assert_string_equal(c->url, "https://blog.example.com/three");
    assert_string_equal(c->body, "");
    assert_int_equal(c->published, 0);
    assert_int_equal(r.bad_dates, 0); /* missing is not bad */
    at_feed_result_clear(&r);
}

static void test_atom_prefixed(void **state)
{
    (void)state;
    /* Namespaces decide, not prefixes; Atom 0.3 is read too. */
    const char *doc = "<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"><a:title>P</a:title>"
                      "<a:entry><a:title>T</a:title><a:link href=\"http://e.example/1\"/>"
                      "<a:id>x:1</a:id></a:entry></a:feed>";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_int_equal(r.n_items, 1);
    assert_string_equal(r.items[0]->url, "http://e.example/1");
    at_feed_result_clear(&r);

    const char *doc03 =
        "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>Old</title>"
        "<entry><title>E</title><link rel=\"alternate\" type=\"text/html\" "
        "href=\"http://e.example/2\"/><issued>2004-01-02T03:04:05Z</issued>"
        "<content type=\"text/html\" mode=\"escaped\">&lt;b&gt;bold&lt;/b&gt;</content>"
        "</entry></feed>";
    parse_ok(doc03, NULL, &r);
    assert_string_equal(r.format, "atom");
    assert_int_equal(r.n_items, 1);
    assert_string_equal(r.items[0]->body, "bold");
    assert_int_equal(r.items[0]->published, 1073012645);
    at_feed_result_clear(&r);
}

static void test_jsonfeed(void **state)
{
    (void)state;
    const char *doc = "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"JSON  World\","
                      "\"home_page_url\":\"https://j.example.com/\",\"feed_url\":\"https://"
                      "j.example.com/feed.json\","
                      "\"language\":\"en-US\",\"authors\":[{\"name\":\"Feed Author\"}],"
                      "\"items\":["
                      "{\"id\":\"1\",\"url\":\"/posts/1?fbclid=x\",\"title\":\"One\","
                      "\"content_html\":\"<p>Hello <b>there</b>.</p><script>x</script>\","
                      "\"content_text\":\"ignored\",\"summary\":\"Sum\\nmary\","
                      "\"date_published\":\"2024-07-03T10:15:00Z\",\"authors\":[{\"name\":\"Jo\"},{"
                      "\"url\":\"x\"}],"
                      "\"tags\":[\"a\",\"b\",7],\"language\":\"de\","
                      "\"attachments\":[{\"url\":\"https://cdn.example.com/"
                      "a.mp3\",\"mime_type\":\"audio/mpeg\"}]},"
                      "{\"id\":42,\"content_text\":\"Only text here, no title and no link.\","
                      "\"date_modified\":\"not a date\"},"
                      "{\"id\":\"https://j.example.com/perma/3\",\"title\":\"Three\"},"
                      "\"not an object\","
                      "{\"id\":\"empty\"}"
                      "]}";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_string_equal(r.format, "jsonfeed");
    assert_string_equal(r.title, "JSON World");
    assert_string_equal(r.link, "https://j.example.com/");
    assert_int_equal(r.n_items, 3);
    assert_int_equal(r.items_skipped, 2); /* a string, and an item with nothing */

    const Attache__V1__NewsItem *a = r.items[0];
    assert_string_equal(a->url, "https://j.example.com/posts/1");
    assert_string_equal(a->body, "Hello there.");
    assert_string_equal(a->summary, "Sum mary");
    assert_int_equal(a->published, 1720001700);
    assert_int_equal(a->n_authors, 1);
    assert_string_equal(a->authors[0], "Jo");
    assert_int_equal(a->n_categories, 2);
    assert_string_equal(a->enclosures[0], "https://cdn.example.com/a.mp3");
    assert_string_equal(a->language, "de");
    assert_string_equal(a->guid, "1");

    const Attache__V1__NewsItem *b = r.items[1];
    assert_string_equal(b->guid, "42");
    assert_string_equal(b->url, "");
    /* Neither title nor link: a title is made from the text. */
    assert_string_equal(b->title, "Only text here, no title and no link.");
    assert_string_equal(b->body, "Only text here, no title and no link.");
    assert_int_equal(b->published, 0);
    assert_int_equal(r.bad_dates, 1);
    assert_string_equal(b->authors[0], "Feed Author");
    assert_string_equal(b->language, "en-US");

    const Attache__V1__NewsItem *c = r.items[2];
    assert_string_equal(c->url, "https://j.example.com/perma/3");
    at_feed_result_clear(&r);

    /* JSON Feed 1.0: one "author". */
    const char *v10 =
        "{\"version\":\"https://jsonfeed.org/version/1\",\"items\":[{\"id\":\"a\","
        "\"url\":\"https://x.example/a\",\"title\":\"T\",\"author\":{\"name\":\"Solo\"}}]}";
    parse_ok(v10, NULL, &r);
    assert_string_equal(r.items[0]->authors[0], "Solo");
    assert_string_equal(r.items[0]->source, "x.example");
    at_feed_result_clear(&r);
}

static void test_json_not_a_feed(void **state)
{
    (void)state;
    parse_fails("{\"hello\":\"world\"}", "not a JSON Feed");
    parse_fails("{\"version\":\"https://example.com/other\",\"items\":[]}", "not a JSON Feed");
    parse_fails("{\"items\":[1,2", "invalid JSON");
    parse_fails("[{\"title\":\"x\"}]", "neither XML nor JSON");
}

/* --- encodings ----------------------------------------------------------- */

static void test_latin1_undeclared(void **state)
{
    (void)state;
    /* Latin-1 bytes, no XML declaration, no charset: windows-1252. The
     * 0x93/0x94 quotes only exist in windows-1252. */
    const char doc[] = "<rss><channel><title>Not\xed"
                       "cias</title>"
                       "<item><title>Elei\xe7\xf5"
                       "es: \x93"
                       "2\xba turno\x94</title>"
                       "<link>http://n.example.br/1</link></item></channel></rss>";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_string_equal(r.encoding, "windows-1252");
    assert_string_equal(r.title, "Not\xc3\xad"
                                 "cias");
    assert_string_equal(r.items[0]->title, "Elei\xc3\xa7\xc3\xb5"
                                           "es: \xe2\x80\x9c"
                                           "2\xc2\xba turno\xe2\x80\x9d");
    at_feed_result_clear(&r);
}

static void test_declared_and_http_charsets(void **state)
{
    (void)state;
    at_feed_result_t r;
    /* Declared ISO-8859-1 (read as windows-1252). */
    const char latin[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel>"
                         "<item><title>caf\xe9</title><link>http://e.example/1</link></item>"
                         "</channel></rss>";
    parse_ok(latin, NULL, &r);
    assert_string_equal(r.items[0]->title, "caf\xc3\xa9");
    at_feed_result_clear(&r);

    /* KOI8-R through iconv; the HTTP charset wins over a wrong declaration. */
    const char koi[] = "<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss><channel>"
                       "<item><title>\xed\xcf\xd3\xcb\xd7\xc1</title>"
                       "<link>http://e.example/ru</link></item></channel></rss>";
    parse_ok_n(koi, sizeof koi - 1, "KOI8-R", NULL, &r);
    assert_string_equal(r.encoding, "koi8-r");
    assert_string_equal(r.items[0]->title, "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");
    at_feed_result_clear(&r);
    /* Without the HTTP charset, the declaration is used. */
    parse_ok_n(koi, sizeof koi - 1, NULL, NULL, &r);
    assert_string_equal(r.encoding, "windows-1251");
    at_feed_result_clear(&r);
    /* A charset label we do not know is ignored (and counted). */
    parse_ok_n(latin, sizeof latin - 1, "x-no-such-charset", NULL, &r);
    assert_string_equal(r.items[0]->title, "caf\xc3\xa9");
    assert_true(r.recovered_errors >= 1);
    at_feed_result_clear(&r);

    /* UTF-8 labelled ISO-8859-1 (by HTTP and by the declaration) is UTF-8:
     * no mojibake. */
    const char utf8[] = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss><channel>"
                        "<item><title>caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve</title>"
                        "<link>http://e.example/2</link></item></channel></rss>";
    parse_ok_n(utf8, sizeof utf8 - 1, "ISO-8859-1", NULL, &r);
    assert_string_equal(r.encoding, "UTF-8");
    assert_string_equal(r.items[0]->title, "caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve");
    at_feed_result_clear(&r);

    /* UTF-8 with one stray Latin-1 byte: that byte is repaired alone. */
    const char mixed[] = "<rss><channel><item><title>caf\xc3\xa9 and caf\xe9</title>"
                         "<link>http://e.example/3</link></item></channel></rss>";
    parse_ok_n(mixed, sizeof mixed - 1, "utf-8", NULL, &r);
    assert_string_equal(r.items[0]->title, "caf\xc3\xa9 and caf\xc3\xa9");
    assert_int_equal(r.recovered_errors, 1);
    at_feed_result_clear(&r);
}

static void test_bom_and_utf16(void **state)
{
    (void)state;
    at_feed_result_t r;
    /* A UTF-8 BOM wins over a declaration that says otherwise. */
    const char bom8[] = "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel>"
                        "<item><title>\xc3\xa9t\xc3\xa9</title><link>http://e.example/1</link>"
                        "</item></channel></rss>";
    parse_ok_n(bom8, sizeof bom8 - 1, "iso-8859-1", NULL, &r);
    assert_string_equal(r.items[0]->title, "\xc3\xa9t\xc3\xa9");
    at_feed_result_clear(&r);

    /* UTF-16LE with a BOM, and without one. */
    const char *src = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss><channel><item>"
                      "<title>\xc3\xa9t\xc3\xa9</title><link>http://e.example/u16</link>"
                      "</item></channel></rss>";
    /* Hand-encode: every character here is in the BMP. */
    size_t n = strlen(src);
    unsigned char *u16 = malloc(2 * n + 2);
    assert_non_null(u16);
    size_t o = 0;
    u16[o++] = 0xFF;
    u16[o++] = 0xFE;
    for (size_t i = 0; i < n;) {
        unsigned cp = (unsigned char)src[i];
        if (cp >= 0xC0) {
            cp = ((cp & 0x1F) << 6) | ((unsigned char)src[i + 1] & 0x3F);
            i += 2;
        } else {
            i++;
        }
        u16[o++] = (unsigned char)(cp & 0xFF);
        u16[o++] = (unsigned char)(cp >> 8);
    }
    parse_ok_n((const char *)u16, o, NULL, NULL, &r);
    assert_string_equal(r.encoding, "utf-16le");
    assert_string_equal(r.items[0]->title, "\xc3\xa9t\xc3\xa9");
    at_feed_result_clear(&r);
    parse_ok_n((const char *)u16 + 2, o - 2, NULL, NULL, &r);
    assert_string_equal(r.items[0]->title, "\xc3\xa9t\xc3\xa9");
    at_feed_result_clear(&r);
    free(u16);
}

/* --- dates, ids, text ------------------------------------------------------ */

static void test_dates(void **state)
{
    (void)state;
    const char *doc = "<rss><channel><title>D</title>"
                      "<item><title>a</title><link>http://d.example/a</"
                      "link><pubDate>yesterday-ish</pubDate></item>"
                      "<item><title>b</title><link>http://d.example/b</link>"
                      "<pubDate>Seg, 24 Set 2018 19:42:40 -0300</pubDate></item>"
                      "<item><title>c</title><link>http://d.example/c</link>"
                      "<pubDate>mardi, 03 d\xc3\xa9"
                      "c. 2019 10:00:00 +0100</pubDate></item>"
                      "<item><title>d</title><link>http://d.example/d</link>"
                      "<pubDate>Thu, 07 Dec 17 10:00:29 -0800</pubDate></item>"
                      "<item><title>e</title><link>http://d.example/e</link></item>"
                      "</channel></rss>";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_int_equal(r.n_items, 5); /* a bad date never costs the item */
    assert_int_equal(r.items[0]->published, 0);
    assert_int_equal(r.items[1]->published, 1537828960); /* 2018-09-24T22:42:40Z */
    assert_int_equal(r.items[2]->published, 1575363600); /* 2019-12-03T09:00:00Z */
    assert_int_equal(r.items[3]->published, 1512669629);
    assert_int_equal(r.items[4]->published, 0);
    assert_int_equal(r.bad_dates, 1);
    at_feed_result_clear(&r);
}

static void test_ids(void **state)
{
    (void)state;
    const char *doc = "<rss><channel><title>Ids</title>"
                      /* isPermaLink true but not a URL: the link decides. */
                      "<item><title>a</title><link>http://i.example/a</link><guid "
                      "isPermaLink=\"true\">123</guid></item>"
                      /* Permalink guid differs from the link: the guid decides. */
                      "<item><title>b</title><link>http://i.example/b-short</link>"
                      "<guid>http://I.example:80/b?utm_source=x</guid></item>"
                      /* Opaque guid, no link: scoped by the feed. */
                      "<item><title>c</title><guid isPermaLink=\"false\">c-77</guid></item>"
                      /* URI-like guid (tag:), no link: the guid alone. */
                      "<item><title>d</title><guid>tag:i.example,2024:d</guid></item>"
                      /* Nothing but a title. */
                      "<item><title>e</title></item>"
                      "</channel></rss>";
    at_feed_result_t r;
    parse_ok(doc, "https://i.example/feed.xml", &r);
    assert_int_equal(r.n_items, 5);
    char id[33];
    id_of("http://i.example/a", id);
    assert_string_equal(r.items[0]->id, id);
    id_of("http://i.example/b", id);
    assert_string_equal(r.items[1]->id, id);
    assert_string_equal(r.items[1]->url, "http://i.example/b-short");
    id_of("https://i.example/feed.xml\nc-77", id);
    assert_string_equal(r.items[2]->id, id);
    assert_string_equal(r.items[2]->url, "");
    id_of("tag:i.example,2024:d", id);
    assert_string_equal(r.items[3]->id, id);
    id_of("https://i.example/feed.xml\ne", id);
    assert_string_equal(r.items[4]->id, id);
    at_feed_result_clear(&r);

    /* The same story through two feeds, spelled differently: one id. */
    const char *f1 = "<rss><channel><item><title>x</title>"
                     "<link>https://Story.example/a?utm_campaign=1#x</link></item></channel></rss>";
    const char *f2 = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>x</title>"
                     "<link href=\"/a\"/><id>urn:x</id></entry></feed>";
    at_feed_result_t r2;
    parse_ok(f1, NULL, &r);
    parse_ok(f2, "https://story.example:443/feed", &r2);
    assert_string_equal(r.items[0]->id, r2.items[0]->id);
    assert_string_equal(r.items[0]->url, r2.items[0]->url);
    at_feed_result_clear(&r);
    at_feed_result_clear(&r2);
}

static void test_skipped_entries(void **state)
{
    (void)state;
    const char *doc = "<rss><channel><title>S</title>"
                      "<item></item>"
                      "<item><guid>only-a-guid</guid><pubDate>bad</pubDate></item>"
                      "<item><description>   </description><link>javascript:void(0)</link></item>"
                      "<item><description>&lt;p&gt;Just text, long enough to be a story "
                      "of its own.&lt;/p&gt;</description></item>"
                      "</channel></rss>";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_int_equal(r.items_skipped, 3);
    assert_int_equal(r.n_items, 1);
    assert_string_equal(r.items[0]->title, "Just text, long enough to be a story of its own.");
    assert_int_equal(r.bad_dates, 0); /* skipped items count nothing else */
    at_feed_result_clear(&r);
}

static void test_html_and_entities(void **state)
{
    (void)state;
    const char *doc =
        "<rss><channel><title>H</title><item>"
        "<title>Don&rsquo;t &amp;amp; won&#8217;t</title><link>http://h.example/1</link>"
        /* Unescaped HTML as child elements (illegally nested). */
        "<description><p>One <b>bold</b></p><p>Two</p><script>x</script></description>"
        "<content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
        "&lt;div&gt;&lt;p&gt;A&amp;nbsp;B&lt;/p&gt;&lt;ul&gt;&lt;li&gt;i1&lt;/li&gt;&lt;li&gt;i2"
        "&lt;/li&gt;&lt;/ul&gt;&lt;/div&gt;&lt;style&gt;p{}&lt;/style&gt;</content:encoded>"
        "</item></channel></rss>";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    const Attache__V1__NewsItem *it = r.items[0];
    assert_string_equal(it->title, "Don\xe2\x80\x99t & won\xe2\x80\x99t");
    assert_string_equal(it->summary, "One bold\n\nTwo");
    assert_string_equal(it->body, "A B\n\ni1\n\ni2");
    assert_int_equal(r.recovered_errors, 0);
    at_feed_result_clear(&r);
}

static void test_bare_ampersands(void **state)
{
    (void)state;
    const char *doc = "<rss><channel><title>AT&T News</title><item>"
                      "<title>Q&A: R&D at AT&T</title>"
                      "<link>http://a.example/x?foo=1&bar=2&utm_source=x</link>"
                      "<description><![CDATA[a && b &amp; c]]></description>"
                      "<guid isPermaLink=\"false\">g&1</guid>"
                      "</item></channel></rss>";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_string_equal(r.title, "AT&T News");
    assert_string_equal(r.items[0]->title, "Q&A: R&D at AT&T");
    assert_string_equal(r.items[0]->url, "http://a.example/x?foo=1&bar=2");
    /* CDATA is left alone (then read as HTML: &amp; decodes). */
    assert_string_equal(r.items[0]->summary, "a && b & c");
    assert_string_equal(r.items[0]->guid, "g&1");
    assert_true(r.recovered_errors >= 5);
    at_feed_result_clear(&r);
}

static void test_invalid_characters(void **state)
{
    (void)state;
    /* Control characters (raw and as references) are not XML. */
    const char doc[] =
        "<rss><channel><title>Bad\x01 chars</title>"
        "<item><title>Ti\x0btle &#1; here</title><link>http://c.example/1</link></item>"
        "<item><title>Second \xef\xbf\xbe ok</title><link>http://c.example/2</link></item>"
        "</channel></rss>";
    at_feed_result_t r;
    parse_ok_n(doc, sizeof doc - 1, NULL, NULL, &r);
    assert_int_equal(r.n_items, 2);
    assert_true(r.recovered_errors > 0);
    assert_non_null(strstr(r.items[0]->title, "here"));
    at_feed_result_clear(&r);
}

static void test_truncated(void **state)
{
    (void)state;
    const char *doc = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>"
                      "<item><title>One</title><link>http://t.example/1</link></item>"
                      "<item><title>Two</title><link>http://t.example/2</link>"
                      "<description>cut in the mid";
    at_feed_result_t r;
    parse_ok(doc, NULL, &r);
    assert_true(r.n_items >= 1);
    assert_string_equal(r.items[0]->title, "One");
    assert_true(r.recovered_errors > 0);
    at_feed_result_clear(&r);

    /* Cut inside the first tag: nothing usable. */
    parse_fails("<?xml version=\"1.0\"?><rs", "not");
}

/* --- hostile documents ---------------------------------------------------- */

static void test_billion_laughs(void **state)
{
    (void)state;
    const char *doc =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n<rss><channel><title>&lol9;</title>"
        "<item><title a=\"&lol9;\">t &lol9;</title><link>http://b.example/1</link>"
        "<description>&lol9;</description></item></channel></rss>";
    parse_fails(doc, "entity");

    /* The small entity alone is fine, and inlined. */
    const char *ok =
        "<!DOCTYPE rss [<!ENTITY org \"Example Org\">]><rss><channel><item>"
        "<title>About &org;</title><link>http://b.example/2</link></item></channel></rss>";
    at_feed_result_t r;
    parse_ok(ok, NULL, &r);
    assert_string_equal(r.items[0]->title, "About Example Org");
    at_feed_result_clear(&r);
}

/* One large entity referenced many times: quadratic blowup. Either the
 * document is refused or nothing is expanded. */
static void test_quadratic_blowup(void **state)
{
    (void)state;
    size_t ent = 20000, refs = 20000;
    size_t cap = ent + refs * 4 + 1024;
    char *doc = malloc(cap);
    assert_non_null(doc);
    size_t o = (size_t)sprintf(doc, "<!DOCTYPE rss [<!ENTITY a \"");
    memset(doc + o, 'A', ent);
    o += ent;
    o +=
        (size_t)sprintf(doc + o, "\">]><rss><channel><item><link>http://q.example/1</link><title>");
    for (size_t i = 0; i < refs; i++) {
        memcpy(doc + o, "&a;", 3);
        o += 3;
    }
    o += (size_t)sprintf(doc + o, "</title></item></channel></rss>");
    at_feed_result_t r;
    char err[256];
    if (at_feed_parse(doc, o, NULL, NULL, NOW, &r, err, sizeof err) == 0) {
        check_items(&r);
        for (size_t i = 0; i < r.n_items; i++)
            assert_true(strlen(r.items[i]->title) < 1000);
        at_feed_result_clear(&r);
    }
    free(doc);
}

static void test_external_entities(void **state)
{
    (void)state;
    at_feed_result_t r;
    char err[256];
    /* XXE through a general entity. */
    const char *xxe =
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<rss><channel><title>t &x;</title><item><title>i &x; end</title>"
        "<link>http://x.example/1</link><description>&x;</description></item>"
        "</channel></rss>";
    if (at_feed_parse(xxe, strlen(xxe), NULL, NULL, NOW, &r, err, sizeof err) == 0) {
        check_items(&r);
        assert_nowhere(&r, "root:");
        assert_int_equal(r.n_items, 1);
        assert_string_equal(r.items[0]->title, "i end");
        at_feed_result_clear(&r);
    }
    /* Through a parameter entity, an external DTD, and the network. */
    const char *pe = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "
                     "\"file:///etc/passwd\"> %p;]><rss><channel><item><title>t</title>"
                     "<link>http://x.example/2</link></item></channel></rss>";
    const char *dtd = "<?xml version=\"1.0\"?><!DOCTYPE rss SYSTEM \"file:///etc/passwd\">"
                      "<rss><channel><item><title>t</title><link>http://x.example/3</link>"
                      "</item></channel></rss>";
    const char *net = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY n SYSTEM "
                      "\"http://127.0.0.1:9/x\">]><rss><channel><item><title>a&n;b</title>"
                      "<link>http://x.example/4</link></item></channel></rss>";
    const char *docs[] = {pe, dtd, net};
    for (size_t i = 0; i < 3; i++) {
        if (at_feed_parse(docs[i], strlen(docs[i]), NULL, NULL, NOW, &r, err, sizeof err) == 0) {
            check_items(&r);
            assert_nowhere(&r, "root:");
            at_feed_result_clear(&r);
        }
    }
}

static void test_size_limit(void **state)
{
    (void)state;
    size_t n = 100u * 1024 * 1024;
    char *big = malloc(n);
    assert_non_null(big);
    /* A plausible start, so only the size can be the reason. */
    memset(big, ' ', n);
    memcpy(big, "<rss><channel>", 14);
    parse_fails_n(big, n, "too large");
    parse_fails_n(big, (size_t)AT_FEED_MAX_BYTES + 1, "too large");
    free(big);
}

static void test_not_a_feed(void **state)
{
    (void)state;
    parse_fails("<!DOCTYPE html>\n<html><head><title>Hi</title></head><body><p>x</p></body></html>",
                "HTML page");
    parse_fails("<html><body>Moved</body></html>", "HTML page");
    parse_fails("<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head/>"
                "<body/></html>",
                "HTML page");
    parse_fails("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>", "<svg>");
    parse_fails("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/>", "RDF");
    parse_fails("<feed><entry><title>no namespace</title></entry></feed>", "<feed>");
    parse_fails("Just some text.", "neither XML nor JSON");
    parse_fails("", "empty");
    parse_fails("  \n\t ", "empty");
    parse_fails_n("\x1f\x8b\x08\x00\x00\x00", 6, "gzip");
    at_feed_result_t r;
    assert_int_equal(at_feed_parse(NULL, 10, NULL, NULL, NOW, &r, NULL, 0), -1);
    assert_int_equal(at_feed_parse("<rss/>", 6, NULL, NULL, NOW, NULL, NULL, 0), -1);
}

static void test_limits(void **state)
{
    (void)state;
    /* A 2 MiB title is cut to AT_JSON_MAX_STRING at a character boundary;
     * 2000 categories become AT_JSON_MAX_LIST. */
    size_t tlen = 2 * 1024 * 1024;
    size_t cats = 2000;
    size_t cap = tlen + cats * 40 + 4096;
    char *doc = malloc(cap);
    assert_non_null(doc);
    size_t o = (size_t)sprintf(doc, "<rss><channel><item><link>http://l.example/1</link><title>");
    for (size_t i = 0; i < tlen / 2; i++) {
        doc[o++] = '\xc3';
        doc[o++] = '\xa9';
    }
    o += (size_t)sprintf(doc + o, "</title>");
    for (size_t i = 0; i < cats; i++)
        o += (size_t)sprintf(doc + o, "<category>c%zu</category>", i);
    o += (size_t)sprintf(doc + o, "</item></channel></rss>");
    at_feed_result_t r;
    parse_ok_n(doc, o, NULL, NULL, &r);
    assert_int_equal(r.n_items, 1);
    assert_true(strlen(r.items[0]->title) <= AT_JSON_MAX_STRING);
    assert_true(strlen(r.items[0]->title) >= AT_JSON_MAX_STRING - 1);
    assert_int_equal(r.items[0]->n_categories, AT_JSON_MAX_LIST);
    at_feed_result_clear(&r);
    free(doc);

    /* More items than AT_FEED_MAX_ITEMS: the rest are counted. */
    size_t items = AT_FEED_MAX_ITEMS + 5;
    cap = items * 64 + 256;
    doc = malloc(cap);
    assert_non_null(doc);
    o = (size_t)sprintf(doc, "<rss><channel>");
    for (size_t i = 0; i < items; i++)
        o += (size_t)sprintf(doc + o, "<item><title>t%zu</title></item>", i);
    o += (size_t)sprintf(doc + o, "</channel></rss>");
    parse_ok_n(doc, o, NULL, NULL, &r);
    assert_int_equal(r.n_items, AT_FEED_MAX_ITEMS);
    assert_int_equal(r.items_skipped, 5);
    at_feed_result_clear(&r);
    free(doc);
}

static void test_result_clear(void **state)
{
    (void)state;
    at_feed_result_clear(NULL);
    at_feed_result_t r;
    parse_ok(rss2_doc, NULL, &r);
    at_feed_result_clear(&r);
    assert_int_equal(r.n_items, 0);
    assert_null(r.items);
    at_feed_result_clear(&r); /* twice is fine */
}

/* --- the shared publisher feeds ------------------------------------------ */

/* $ATTACHE_SHARED_FEEDS if it is a directory, else NULL. */
static const char *shared_dir(void)
{
    const char *d = getenv("ATTACHE_SHARED_FEEDS");
    struct stat st;
    if (!d || !d[0] || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return d;
}

#define SKIP_WITHOUT_SHARED(dir)                                                                   \
    do {                                                                                           \
        if (!(dir)) {                                                                              \
            print_message("skipped: ATTACHE_SHARED_FEEDS (../shared/data/feeds) is absent\n");     \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) {
                free(buf);
                buf = NULL;
            }
            buf = b;
        }
    }
    fclose(fp);
    *len = n;
    return buf;
}

static char *read_shared(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *data = read_all(path, len);
    if (!data)
        fail_msg("cannot read %s", path);
    return data;
}

typedef enum { EXPECT_ITEMS, EXPECT_NO_ITEMS, EXPECT_NOT_A_FEED, EXPECT_GZIP } expect_t;

static const struct {
    const char *name;
    expect_t expect;
    const char *format;
} shared_expect[] = {
    {"node-feedparser/compressed.xml", EXPECT_GZIP, NULL},
    {"node-feedparser/invalid-characters-gzipped.xml", EXPECT_GZIP, NULL},
    {"node-feedparser/notafeed.html", EXPECT_NOT_A_FEED, NULL},
    {"rss-parser/unrecognized.rss", EXPECT_NOT_A_FEED, NULL},
    /* Entries without title, link or content. */
    {"rss-parser/incomplete-fields.atom", EXPECT_NO_ITEMS, "atom"},
    {"rss-parser/missing-fields.atom", EXPECT_NO_ITEMS, "atom"},
    {"rss-parser/rss-1.rss", EXPECT_ITEMS, "rss1"},
    {"rss-parser/craigslist.rss", EXPECT_ITEMS, "rss1"},
    {"rss-parser/heraldsun.rss", EXPECT_ITEMS, "rss09"},
    {"rss-parser/feedburner.atom", EXPECT_ITEMS, "atom"},
    {"rss-parser/guardian.rss", EXPECT_ITEMS, "rss2"},
    {"node-feedparser/intertwingly.atom", EXPECT_ITEMS, "atom"},
};

static void check_shared_file(const char *dir, const char *name)
{
    expect_t expect = EXPECT_ITEMS;
    const char *format = NULL;
    for (size_t i = 0; i < sizeof shared_expect / sizeof shared_expect[0]; i++) {
        if (strcmp(shared_expect[i].name, name) == 0) {
            expect = shared_expect[i].expect;
            format = shared_expect[i].format;
        }
    }
    size_t len;
    char *data = read_shared(dir, name, &len);
    at_feed_result_t r;
    char err[256] = "";
    int rc = at_feed_parse(data, len, NULL, NULL, NOW, &r, err, sizeof err);
    switch (expect) {
    case EXPECT_ITEMS:
    case EXPECT_NO_ITEMS:
        if (rc != 0)
            fail_msg("%s: %s", name, err);
        check_items(&r);
        if (expect == EXPECT_ITEMS && r.n_items == 0)
            fail_msg("%s: no items", name);
        if (expect == EXPECT_NO_ITEMS && r.n_items != 0)
            fail_msg("%s: %zu items, expected none", name, r.n_items);
        if (format && strcmp(r.format, format) != 0)
            fail_msg("%s: format %s, expected %s", name, r.format, format);
        at_feed_result_clear(&r);
        break;
    case EXPECT_NOT_A_FEED:
        if (rc == 0 || !strstr(err, "not a feed"))
            fail_msg("%s: expected \"not a feed\", got rc %d (%s)", name, rc, err);
        break;
    case EXPECT_GZIP:
        if (rc == 0 || !strstr(err, "gzip"))
            fail_msg("%s: expected the gzip error, got rc %d (%s)", name, rc, err);
        break;
    }
    free(data);
}

static void test_shared_every_feed(void **state)
{
    (void)state;
    const char *dir = shared_dir();
    SKIP_WITHOUT_SHARED(dir);
    size_t files = 0;
    const char *subs[] = {"node-feedparser", "rss-parser"};
    for (size_t s = 0; s < 2; s++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, subs[s]);
        DIR *d = opendir(sub);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.' || strcmp(de->d_name, "LICENSE") == 0 ||
                strcmp(de->d_name, "SOURCE.txt") == 0)
                continue;
            char name[1024];
            snprintf(name, sizeof name, "%s/%s", subs[s], de->d_name);
            check_shared_file(dir, name);
            files++;
        }
        closedir(d);
    }
    assert_true(files >= 40);
}

static void test_shared_uol_latin1(void **state)
{
    (void)state;
    const char *dir = shared_dir();
    SKIP_WITHOUT_SHARED(dir);
    size_t len;
    char *data = read_shared(dir, "rss-parser/uolNoticias.rss", &len);
    at_feed_result_t r;
    parse_ok_n(data, len, NULL, "http://rss.uol.com.br/feed/noticias.xml", &r);
    assert_string_equal(r.encoding, "windows-1252");
    assert_string_equal(r.title, "UOL Noticias");
    assert_int_equal(r.n_items, 15);
    assert_non_null(strstr(r.items[0]->title, "simula\xc3\xa7\xc3\xb5"
                                              "es de 2\xc2\xba turno"));
    /* Portuguese dates ("Seg, 24 Set 2018 ..."): all understood. */
    assert_int_equal(r.bad_dates, 0);
    assert_int_equal(r.items[0]->published, 1537828960);
    at_feed_result_clear(&r);
    free(data);
}

static void test_shared_tpm_relative(void **state)
{
    (void)state;
    const char *dir = shared_dir();
    SKIP_WITHOUT_SHARED(dir);
    const char *files[] = {"node-feedparser/tpm.atom", "node-feedparser/tpm-with-empty-base.atom",
                           "node-feedparser/tpm-with-fragment-base.atom"};
    const char *urls[] = {NULL, "http://talkingpointsmemo.com/account/feed/all/x"};
    for (size_t i = 0; i < 3; i++) {
        for (size_t u = 0; u < 2; u++) {
            size_t len;
            char *data = read_shared(dir, files[i], &len);
            at_feed_result_t r;
            parse_ok_n(data, len, NULL, urls[u], &r);
            assert_int_equal(r.n_items, 20);
            /* Relative hrefs resolve against xml:base "" / "#fragment" and
             * the document's base: the same absolute URL in all cases. */
            assert_string_equal(r.items[0]->url,
                                "http://talkingpointsmemo.com/livewire/"
                                "hannity-announces-fox-hired-sebastian-gorka-national-security-"
                                "strategist");
            for (size_t k = 0; k < r.n_items; k++)
                assert_true(strncmp(r.items[k]->url, "http://talkingpointsmemo.com/", 29) == 0);
            assert_string_equal(r.items[0]->authors[0], "Esme Cribb");
            assert_string_equal(r.items[0]->language, "en-US");
            /* The HTML content is text now. */
            assert_null(strchr(r.items[0]->body, '<'));
            assert_non_null(strstr(r.items[0]->body, "\xe2\x80\x9cJoining us now"));
            at_feed_result_clear(&r);
            free(data);
        }
    }
}

static void test_shared_xml_base_rss(void **state)
{
    (void)state;
    const char *dir = shared_dir();
    SKIP_WITHOUT_SHARED(dir);
    size_t len;
    at_feed_result_t r;
    char *data = read_shared(dir, "node-feedparser/rss-with-item-scoped-html-base.xml", &len);
    parse_ok_n(data, len, NULL, NULL, &r);
    assert_string_equal(r.items[0]->url, "https://example.com/first/first");
    assert_string_equal(r.items[1]->url, "https://example.com/second");
    at_feed_result_clear(&r);
    free(data);

    /* Relative channel and item links, resolved against the feed URL. */
    data = read_shared(dir, "node-feedparser/rss-with-relative-urls.xml", &len);
    parse_ok_n(data, len, NULL, "http://www.arcgames.com/en/games/neverwinter/news/rss", &r);
    assert_string_equal(r.link, "http://www.arcgames.com/en/games/neverwinter/news");
    assert_true(strncmp(r.items[0]->url,
                        "http://www.arcgames.com/en/games/neverwinter/news/detail/", 57) == 0);
    at_feed_result_clear(&r);
    free(data);

    /* No feed URL: the absolute self link is the base. */
    data =
        read_shared(dir, "node-feedparser/rss-with-relative-urls-with-absolute-xmlurl.xml", &len);
    parse_ok_n(data, len, NULL, NULL, &r);
    assert_true(strncmp(r.items[0]->url,
                        "http://www.arcgames.com/en/games/neverwinter/news/detail/", 57) == 0);
    at_feed_result_clear(&r);
    free(data);
}

static void test_shared_html_in_descriptions(void **state)
{
    (void)state;
    const char *dir = shared_dir();
    SKIP_WITHOUT_SHARED(dir);
    size_t len;
    at_feed_result_t r;
    char *data = read_shared(dir, "rss-parser/guardian.rss", &len);
    parse_ok_n(data, len, NULL, "https://www.theguardian.com/us/rss", &r);
    assert_int_equal(r.n_items, 55);
    for (size_t i = 0; i < r.n_items; i++) {
        assert_null(strstr(r.items[i]->summary, "<p>"));
        assert_null(strstr(r.items[i]->summary, "&amp;"));
    }
    assert_true(r.items[0]->n_categories > 0);
    at_feed_result_clear(&r);
    free(data);

    /* Cyrillic windows-1251, declared. */
    data = read_shared(dir, "node-feedparser/iconv.xml", &len);
    parse_ok_n(data, len, NULL, NULL, &r);
    assert_string_equal(r.encoding, "windows-1251");
    assert_true(r.n_items > 0);
    at_feed_result_clear(&r);
    free(data);
}

/* The gzipped invalid-characters feed: gunzipped with the system's gzip
 * (the parser itself refuses gzip data; the HTTP layer decodes it). */
static void test_shared_invalid_characters(void **state)
{
    (void)state;
    const char *dir = shared_dir();
    SKIP_WITHOUT_SHARED(dir);
    char cmd[4200];
    snprintf(cmd, sizeof cmd,
             "gzip -dc '%s/node-feedparser/invalid-characters-gzipped.xml' 2>/dev/null", dir);
    FILE *p = popen(cmd, "r");
    if (!p) {
        print_message("skipped: cannot run gzip\n");
        skip();
    }
    size_t cap = 1 << 20, n = 0, got;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((got = fread(buf + n, 1, cap - n, p)) > 0) {
        n += got;
        if (n == cap) {
            buf = realloc(buf, cap *= 2);
            assert_non_null(buf);
        }
    }
    int status = pclose(p);
    if (status != 0 || n == 0) {
        free(buf);
        print_message("skipped: gzip -dc failed\n");
        skip();
    }
    at_feed_result_t r;
    parse_ok_n(buf, n, NULL, NULL, &r);
    assert_string_equal(r.title, "NSHipster");
    assert_true(r.n_items >= 20);
    at_feed_result_clear(&r);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rss2),
        cmocka_unit_test(test_rss091),
        cmocka_unit_test(test_rss090_rdf),
        cmocka_unit_test(test_rss1_rdf),
        cmocka_unit_test(test_atom),
        cmocka_unit_test(test_atom_prefixed),
        cmocka_unit_test(test_jsonfeed),
        cmocka_unit_test(test_json_not_a_feed),
        cmocka_unit_test(test_latin1_undeclared),
        cmocka_unit_test(test_declared_and_http_charsets),
        cmocka_unit_test(test_bom_and_utf16),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_skipped_entries),
        cmocka_unit_test(test_html_and_entities),
        cmocka_unit_test(test_bare_ampersands),
        cmocka_unit_test(test_invalid_characters),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_quadratic_blowup),
        cmocka_unit_test(test_external_entities),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_not_a_feed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_result_clear),
        cmocka_unit_test(test_shared_every_feed),
        cmocka_unit_test(test_shared_uol_latin1),
        cmocka_unit_test(test_shared_tpm_relative),
        cmocka_unit_test(test_shared_xml_base_rss),
        cmocka_unit_test(test_shared_html_in_descriptions),
        cmocka_unit_test(test_shared_invalid_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
