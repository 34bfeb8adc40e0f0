/*
 * Tests for at_ninjs: ninjs 1.x and 2.0 samples (written for this test)
 * mapped field by field, missing members, members of the wrong type,
 * withdrawn items, hostile input (limits, NULs, invalid UTF-8, duplicate
 * keys, deep nesting), whitespace normalization, the detector, and
 * at_ninjs_parse_any over both kinds of input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "at_json.h"
#include "at_ninjs.h"
#include "at_time.h"

#define NOW 1720000000LL

/* A ninjs 1.4-style text item. */
static const char NINJS1[] =
    "{\n"
    "  \"uri\": \"urn:newsml:agency.example:20240703:abc123\",\n"
    "  \"type\": \"text\",\n"
    "  \"version\": \"3\",\n"
    "  \"firstcreated\": \"2024-07-03T08:00:00Z\",\n"
    "  \"versioncreated\": \"2024-07-03T10:15:00+02:00\",\n"
    "  \"pubstatus\": \"usable\",\n"
    "  \"language\": \"en\",\n"
    "  \"headline\": \"  Leaders  gather in\\nAstana for summit \",\n"
    "  \"byline\": \"By Alex Writer\",\n"
    "  \"description_text\": \"Heads of state meet in Kazakhstan.\",\n"
    "  \"body_text\": \"ASTANA (Agency) - Leaders gathered.\\r\\n\\r\\n\\r\\nTalks   begin "
    "today.  \\n\",\n"
    "  \"body_html\": \"<p>ASTANA (Agency) - Leaders gathered.</p>\",\n"
    "  \"subject\": [{\"name\": \"politics\", \"code\": \"11000000\"},\n"
    "              {\"name\": \"diplomacy\"}, {\"name\": \"politics\"}, {\"code\": \"x\"}],\n"
    "  \"infosource\": [{\"name\": \"Agency Example\"}],\n"
    "  \"copyrightholder\": \"Agency Example Ltd\",\n"
    "  \"located\": \"Astana\",\n"
    "  \"renditions\": {\n"
    "    \"web\": {\"href\": \"HTTPS://Agency.Example:443/2024/07/03/astana-summit"
    "?utm_source=feed#top\", "
    "\"mimetype\": \"text/html\"},\n"
    "    \"photo\": {\"href\": \"https://cdn.agency.example/p/1.jpg\", \"mimetype\": "
    "\"image/jpeg\", \"width\": 1024}\n"
    "  },\n"
    "  \"associations\": {\"featureimage\": {\"uri\": \"urn:x\", \"headline\": 42}},\n"
    "  \"place\": [{\"name\": \"Astana\"}]\n"
    "}\n";

/* A ninjs 2.0 text item. */
static const char NINJS2[] =
    "{"
    "\"standard\": {\"name\": \"ninjs\", \"version\": \"2.0\", "
    "\"schema\": \"http://www.iptc.org/std/ninjs/ninjs-schema_2.0.json\"},"
    "\"uri\": \"http://news.example.org/items/2024-09-02-ulaanbaatar\","
    "\"type\": \"text\","
    "\"versioncreated\": \"2024-09-02T12:30:00Z\","
    "\"language\": \"en-GB\","
    "\"headlines\": ["
    "  {\"role\": \"short\", \"value\": \"Visit\"},"
    "  {\"role\": \"main\", \"contenttype\": \"text/html\", \"value\": \"<b>Visit</b> to "
    "Mongolia\"},"
    "  {\"role\": \"main\", \"value\": \"Visit to Mongolia draws protests\"}"
    "],"
    "\"descriptions\": ["
    "  {\"role\": \"ednote\", \"value\": \"Not for publication\"},"
    "  {\"role\": \"summary\", \"value\": \"A state visit to Ulaanbaatar.\"}"
    "],"
    "\"bodies\": ["
    "  {\"role\": \"main\", \"contenttype\": \"application/nitf+xml\", \"value\": \"<nitf/>\"},"
    "  {\"role\": \"main\", \"contenttype\": \"text/html\", \"value\": \"<p>HTML body</p>\"},"
    "  {\"role\": \"main\", \"contenttype\": \"text/plain\", \"value\": \"Plain body.\"}"
    "],"
    "\"by\": \"Sam Reporter and Kim Editor\","
    "\"subjects\": [{\"name\": \"diplomacy\", \"uri\": \"http://cv.iptc.org/newscodes/x\"},"
    "  {\"name\": \"  international   law \"}],"
    "\"infosources\": [{\"name\": \"\"}, {\"name\": \"News Example\", \"role\": \"originfo\"}],"
    "\"renditions\": ["
    "  {\"name\": \"thumb\", \"href\": \"https://img.example.org/t.jpg\", \"contenttype\": "
    "\"image/jpeg\"},"
    "  {\"name\": \"page\", \"href\": \" https://www.example.org/world/mongolia-visit \", "
    "\"contenttype\": \"text/html\"},"
    "  {\"name\": \"bad\", \"href\": \"javascript:alert(1)\", \"contenttype\": \"text/html\"}"
    "],"
    "\"people\": [{\"name\": \"Someone\", \"rel\": \"about\"}]"
    "}";

static Attache__V1__NewsItem *parse_ok(const char *json, const char *source)
{
    char err[256] = "";
    Attache__V1__NewsItem *item = at_ninjs_parse(json, strlen(json), source, NOW, err, sizeof err);
    if (!item)
        fail_msg("parse failed: %s", err);
    char verr[256] = "";
    if (at_json_item_validate(item, verr, sizeof verr) != 0)
        fail_msg("item does not validate: %s", verr);
    assert_int_equal(item->fetched, NOW);
    /* It renders as an attache item, and reads back as one. */
    char *line = at_json_item_dump(item);
    assert_non_null(line);
    Attache__V1__NewsItem *again = at_json_item_parse(line, strlen(line), NOW, err, sizeof err);
    if (!again)
        fail_msg("dump does not parse back: %s", err);
    assert_string_equal(again->id, item->id);
    at_json_item_free(&again);
    free(line);
    return item;
}

static void expect_error(const char *json, const char *want)
{
    char err[256] = "";
    Attache__V1__NewsItem *item = at_ninjs_parse(json, strlen(json), NULL, NOW, err, sizeof err);
    if (item) {
        at_json_item_free(&item);
        fail_msg("accepted: %s", json);
    }
    if (!strstr(err, want))
        fail_msg("error \"%s\" does not mention \"%s\"", err, want);
    for (const unsigned char *c = (const unsigned char *)err; *c; c++)
        assert_true(*c >= 0x20 && *c < 0x7f);
}

static void test_ninjs1(void **state)
{
    (void)state;
    Attache__V1__NewsItem *item = parse_ok(NINJS1, "spool");
    assert_string_equal(item->guid, "urn:newsml:agency.example:20240703:abc123");
    assert_string_equal(item->url, "https://agency.example/2024/07/03/astana-summit");
    char id[33];
    at_json_item_id(item->url, id, sizeof id);
    assert_string_equal(item->id, id);
    assert_string_equal(item->title, "Leaders gather in Astana for summit");
    assert_string_equal(item->body, "ASTANA (Agency) - Leaders gathered.\n\nTalks begin today.");
    assert_string_equal(item->summary, "Heads of state meet in Kazakhstan.");
    int64_t t;
    assert_int_equal(at_time_parse("2024-07-03T08:00:00Z", &t), 0);
    assert_int_equal(item->published, t); /* firstcreated, not versioncreated */
    assert_string_equal(item->language, "en");
    assert_int_equal(item->n_authors, 1);
    assert_string_equal(item->authors[0], "Alex Writer");
    assert_int_equal(item->n_categories, 2);
    assert_string_equal(item->categories[0], "politics");
    assert_string_equal(item->categories[1], "diplomacy");
    assert_string_equal(item->source, "Agency Example");
    assert_int_equal(item->n_enclosures, 1);
    assert_string_equal(item->enclosures[0], "https://cdn.agency.example/p/1.jpg");
    at_json_item_free(&item);
    assert_null(item);
}

static void test_ninjs2(void **state)
{
    (void)state;
    Attache__V1__NewsItem *item = parse_ok(NINJS2, NULL);
    assert_string_equal(item->guid, "http://news.example.org/items/2024-09-02-ulaanbaatar");
    assert_string_equal(item->url, "https://www.example.org/world/mongolia-visit");
    assert_string_equal(item->title, "Visit to Mongolia draws protests");
    assert_string_equal(item->body, "Plain body.");
    assert_string_equal(item->summary, "A state visit to Ulaanbaatar.");
    int64_t t;
    assert_int_equal(at_time_parse("2024-09-02T12:30:00Z", &t), 0);
    assert_int_equal(item->published, t); /* versioncreated when no firstcreated */
    assert_string_equal(item->language, "en-GB");
    assert_int_equal(item->n_authors, 1);
    assert_string_equal(item->authors[0], "Sam Reporter and Kim Editor");
    assert_int_equal(item->n_categories, 2);
    assert_string_equal(item->categories[1], "international law");
    assert_string_equal(item->source, "News Example");
    assert_int_equal(item->n_enclosures, 1);
    assert_string_equal(item->enclosures[0], "https://img.example.org/t.jpg");
    at_json_item_free(&item);
}

static void test_html_choices(void **state)
{
    (void)state;
    /* Only HTML: it is used (through the HTML-to-text step). */
    Attache__V1__NewsItem *item =
        parse_ok("{\"uri\":\"u:1\",\"headlines\":[{\"value\":\"H\"}],"
                 "\"bodies\":[{\"contenttype\":\"text/html\",\"value\":\"<p>First para.</p>\"}],"
                 "\"descriptions\":[{\"contenttype\":\"text/html\",\"value\":\"<i>Sum</i>\"}]}",
                 NULL);
    assert_string_equal(item->body, "First para.");
    assert_string_equal(item->summary, "Sum");
    at_json_item_free(&item);

    /* Markup, entities and scripts, as at_html renders them. */
    item = parse_ok("{\"uri\":\"u:4\",\"headline\":\"H\",\"body_html\":"
                    "\"<p>One &amp; two</p><script>alert(1)</script><p>Three<br>four</p>\"}",
                    NULL);
    assert_string_equal(item->body, "One & two\n\nThree\nfour");
    at_json_item_free(&item);

    /* An HTML headline comes out on one line. */
    item = parse_ok("{\"uri\":\"u:5\",\"headlines\":[{\"contenttype\":\"text/html\","
                    "\"value\":\"<p>Big</p><p>news</p>\"}]}",
                    NULL);
    assert_string_equal(item->title, "Big news");
    at_json_item_free(&item);

    /* 1.x: body_text wins over body_html whatever the member order. */
    item = parse_ok("{\"uri\":\"u:2\",\"headline\":\"H\",\"body_html\":\"<p>x</p>\","
                    "\"body_text\":\"plain\"}",
                    NULL);
    assert_string_equal(item->body, "plain");
    at_json_item_free(&item);

    /* A role other than main only when there is nothing else. */
    item = parse_ok("{\"uri\":\"u:3\",\"headlines\":[{\"role\":\"sub\",\"value\":\"Sub\"}]}", NULL);
    assert_string_equal(item->title, "Sub");
    at_json_item_free(&item);
}

static void test_missing(void **state)
{
    (void)state;
    expect_error("{\"headline\":\"No uri\"}", "missing uri");
    expect_error("{\"uri\":\"  \",\"headline\":\"Blank uri\"}", "missing uri");
    expect_error("{\"uri\":\"urn:x\"}", "no headline, body or description");
    expect_error("{\"uri\":\"urn:x\",\"headline\":\"   \",\"body_text\":\"body only\"}",
                 "no headline");

    /* The least a usable item needs: a uri and a headline. */
    Attache__V1__NewsItem *item = parse_ok("{\"uri\":\"urn:x\",\"headline\":\"Only this\"}", NULL);
    char id[33];
    at_json_item_id("urn:x", id, sizeof id);
    assert_string_equal(item->id, id);
    assert_string_equal(item->guid, "urn:x");
    assert_string_equal(item->url, "");
    assert_int_equal(item->published, 0);
    assert_string_equal(item->body, "");
    assert_string_equal(item->source, "");
    assert_int_equal(item->n_authors, 0);
    assert_int_equal(item->n_categories, 0);
    at_json_item_free(&item);

    /* Or a uri, a web page and some text, no headline. */
    expect_error("{\"uri\":\"urn:y\",\"renditions\":[{\"name\":\"w\",\"href\":"
                 "\"http://a.example/p\",\"contenttype\":\"text/html\"}]}",
                 "no headline, body or description");
    item = parse_ok("{\"uri\":\"urn:y\",\"description_text\":\"d\",\"renditions\":[{\"name\":"
                    "\"w\",\"href\":\"http://a.example/p\",\"contenttype\":\"text/html\"}]}",
                    NULL);
    assert_string_equal(item->url, "http://a.example/p");
    at_json_item_free(&item);

    /* Nulls count as absent; "title" stands in for a missing headline. */
    item = parse_ok("{\"uri\":\"urn:z\",\"headline\":null,\"title\":\"Meta title\","
                    "\"byline\":null,\"subject\":null,\"renditions\":null,"
                    "\"versioncreated\":\"\"}",
                    NULL);
    assert_string_equal(item->title, "Meta title");
    assert_int_equal(item->published, 0);
    at_json_item_free(&item);

    /* Source falls back to the caller's name, then the copyright holder. */
    item = parse_ok("{\"uri\":\"urn:s\",\"headline\":\"h\",\"copyrightholder\":\"CH\"}", "cfg");
    assert_string_equal(item->source, "cfg");
    at_json_item_free(&item);
    item = parse_ok("{\"uri\":\"urn:s\",\"headline\":\"h\",\"copyrightholder\":\"CH\"}", NULL);
    assert_string_equal(item->source, "CH");
    at_json_item_free(&item);
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_error("{\"uri\":42,\"headline\":\"h\"}", "uri must be a string");
    expect_error("{\"uri\":\"u\",\"headline\":42}", "headline must be a string");
    expect_error("{\"uri\":\"u\",\"headlines\":\"h\"}", "headlines must be an array");
    expect_error("{\"uri\":\"u\",\"headlines\":[\"h\"]}", "headlines[0] must be an object");
    expect_error("{\"uri\":\"u\",\"headlines\":[{\"value\":1}]}",
                 "headlines[0].value must be a string");
    expect_error("{\"uri\":\"u\",\"headlines\":[{\"value\":\"h\",\"role\":[]}]}",
                 "headlines[0].role must be a string");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"bodies\":{}}", "bodies must be an array");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"body_text\":true}",
                 "body_text must be a string");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"subjects\":\"politics\"}",
                 "subjects must be an array");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"subject\":[{\"name\":[\"x\"]}]}",
                 "subject[0].name must be a string");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"versioncreated\":1720000000}",
                 "versioncreated must be a string");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"firstcreated\":\"yesterday\"}",
                 "bad firstcreated date: \"yesterday\"");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"renditions\":\"x\"}",
                 "renditions must be an array or an object");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"renditions\":{\"web\":{\"href\":7}}}",
                 "renditions.web.href must be a string");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"by\":{\"name\":\"x\"}}",
                 "by must be a string");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"infosources\":[1]}",
                 "infosources[0] must be an object");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"language\":[\"en\"]}",
                 "language must be a string");
    expect_error("[1,2]", "not a JSON object");
    expect_error("\"ninjs\"", "invalid JSON"); /* jansson wants an object or array */
}

static void test_withdrawn(void **state)
{
    (void)state;
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"pubstatus\":\"canceled\"}",
                 "withdrawn by its provider (pubstatus canceled)");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"pubstatus\":\"withheld\"}", "withheld");
    expect_error("{\"uri\":\"u\",\"headline\":\"h\",\"pubstatus\":0}",
                 "pubstatus must be a string");
}

static void test_hostile(void **state)
{
    (void)state;
    expect_error("", "empty input");
    expect_error("{\"uri\":\"u\",", "invalid JSON");
    expect_error("{\"uri\":\"u\",\"uri\":\"v\",\"headline\":\"h\"}", "invalid JSON");
    expect_error("{\"uri\":\"u\",\"headline\":\"a\\u0000b\"}", "invalid JSON");
    expect_error("{\"uri\":\"u\",\"headline\":\"\xff\xfe\"}", "invalid JSON");
    expect_error("{\"uri\":\"u\",\"headline\":\"\\ud800\"}", "invalid JSON");

    /* A headline over the string limit. */
    size_t big = AT_JSON_MAX_STRING + 16;
    char *json = malloc(big + 64);
    int n = snprintf(json, 64, "{\"uri\":\"u\",\"headline\":\"");
    memset(json + n, 'a', big);
    strcpy(json + n + big, "\"}");
    expect_error(json, "headline too long");
    free(json);

    /* Input over the line limit. */
    char *huge = malloc(AT_JSON_MAX_LINE + 2);
    memset(huge, ' ', AT_JSON_MAX_LINE + 1);
    huge[0] = '{';
    huge[AT_JSON_MAX_LINE] = '}';
    huge[AT_JSON_MAX_LINE + 1] = '\0';
    expect_error(huge, "input too long");
    free(huge);

    /* Too many distinct subjects; duplicates do not count. */
    size_t cap = 64 + 40 * 2000;
    char *subj = malloc(cap);
    size_t len = (size_t)snprintf(subj, cap, "{\"uri\":\"u\",\"headline\":\"h\",\"subjects\":[");
    for (int i = 0; i < 2000; i++)
        len += (size_t)snprintf(subj + len, cap - len, "%s{\"name\":\"s%d\"}", i ? "," : "", i);
    snprintf(subj + len, cap - len, "]}");
    expect_error(subj, "subjects has too many elements");
    len = (size_t)snprintf(subj, cap, "{\"uri\":\"u\",\"headline\":\"h\",\"subjects\":[");
    for (int i = 0; i < 2000; i++)
        len += (size_t)snprintf(subj + len, cap - len, "%s{\"name\":\"same\"}", i ? "," : "");
    snprintf(subj + len, cap - len, "]}");
    Attache__V1__NewsItem *item = parse_ok(subj, NULL);
    assert_int_equal(item->n_categories, 1);
    at_json_item_free(&item);
    free(subj);

    /* Deep nesting in a member we do not map: jansson's depth limit. */
    size_t depth = 5000;
    char *deep = malloc(depth * 2 + 64);
    len = (size_t)snprintf(deep, 64, "{\"uri\":\"u\",\"headline\":\"h\",\"x\":");
    memset(deep + len, '[', depth);
    memset(deep + len + depth, ']', depth);
    strcpy(deep + len + 2 * depth, "}");
    expect_error(deep, "invalid JSON");
    free(deep);

    /* Odd URLs: spaces are escaped (at_url), other schemes and control
     * characters do not get through. */
    item = parse_ok("{\"uri\":\"u\",\"headline\":\"h\",\"renditions\":["
                    "{\"href\":\"https://a.example/x y\",\"contenttype\":\"text/html\"},"
                    "{\"href\":\"file:///etc/passwd\",\"contenttype\":\"text/html\"},"
                    "{\"href\":\"https://a.example/\\u0001\",\"contenttype\":\"image/png\"},"
                    "{\"href\":\"\"},{\"name\":\"nohref\"}]}",
                    NULL);
    assert_string_equal(item->url, "https://a.example/x%20y");
    assert_int_equal(item->n_enclosures, 0);
    at_json_item_free(&item);
    item = parse_ok("{\"uri\":\"u\",\"headline\":\"h\",\"renditions\":["
                    "{\"href\":\"file:///etc/passwd\",\"contenttype\":\"text/html\"}]}",
                    NULL);
    assert_string_equal(item->url, "");
    at_json_item_free(&item);

    /* Not NUL-terminated input is read within len only. */
    const char *two = "{\"uri\":\"u\",\"headline\":\"h\"}GARBAGE";
    char err[128];
    item = at_ninjs_parse(two, strlen(two) - 7, NULL, NOW, err, sizeof err);
    assert_non_null(item);
    at_json_item_free(&item);
    assert_null(at_ninjs_parse(NULL, 0, NULL, NOW, NULL, 0));
}

static void test_detect(void **state)
{
    (void)state;
    assert_int_equal(at_ninjs_detect(NINJS1, strlen(NINJS1)), AT_NINJS_NINJS);
    assert_int_equal(at_ninjs_detect(NINJS2, strlen(NINJS2)), AT_NINJS_NINJS);
#define DETECT(s) at_ninjs_detect(s, strlen(s))
    assert_int_equal(DETECT("{\"uri\":\"u\",\"headline\":\"h\"}"), AT_NINJS_NINJS);
    assert_int_equal(DETECT("{\"uri\":\"u\",\"body_nitf\":\"x\"}"), AT_NINJS_NINJS);
    assert_int_equal(DETECT("{\"$standard\":{\"name\":\"ninjs\"}}"), AT_NINJS_NINJS);
    assert_int_equal(
        DETECT("{\"$schema\":\"http://www.iptc.org/std/ninjs/ninjs-schema_2.0.json\"}"),
        AT_NINJS_NINJS);
    assert_int_equal(DETECT("{\"url\":\"https://a.example/1\",\"title\":\"t\"}"), AT_NINJS_ITEM);
    assert_int_equal(DETECT("{\"id\":\"x\",\"body\":\"b\"}"), AT_NINJS_ITEM);
    /* A uri alone is not enough to call it ninjs. */
    assert_int_equal(DETECT("{\"uri\":\"u\",\"url\":\"https://a.example/1\"}"), AT_NINJS_ITEM);
    assert_int_equal(DETECT("{}"), AT_NINJS_UNKNOWN);
    assert_int_equal(DETECT("[]"), AT_NINJS_UNKNOWN);
    assert_int_equal(DETECT("{\"title\":\"t\"}"), AT_NINJS_UNKNOWN);
    assert_int_equal(DETECT("not json"), AT_NINJS_UNKNOWN);
    assert_int_equal(at_ninjs_detect(NULL, 0), AT_NINJS_UNKNOWN);
#undef DETECT
}

static void test_parse_any(void **state)
{
    (void)state;
    char err[256] = "";
    Attache__V1__NewsItem *item =
        at_ninjs_parse_any(NINJS2, strlen(NINJS2), "spool", NOW, err, sizeof err);
    assert_non_null(item);
    assert_string_equal(item->title, "Visit to Mongolia draws protests");
    at_json_item_free(&item);

    const char *plain = "{\"url\":\"https://a.example/1\",\"title\":\"Attache item\"}";
    item = at_ninjs_parse_any(plain, strlen(plain), "spool", NOW, err, sizeof err);
    assert_non_null(item);
    assert_string_equal(item->title, "Attache item");
    assert_string_equal(item->source, "spool");
    at_json_item_free(&item);

    const char *own = "{\"url\":\"https://a.example/1\",\"title\":\"t\",\"source\":\"mine\"}";
    item = at_ninjs_parse_any(own, strlen(own), "spool", NOW, err, sizeof err);
    assert_non_null(item);
    assert_string_equal(item->source, "mine");
    at_json_item_free(&item);

    /* Neither kind: the attache contract's reason. */
    const char *neither = "{\"title\":\"t\"}";
    assert_null(at_ninjs_parse_any(neither, strlen(neither), NULL, NOW, err, sizeof err));
    assert_non_null(strstr(err, "missing url and id"));
    assert_null(at_ninjs_parse_any("{", 1, NULL, NOW, err, sizeof err));
    assert_non_null(strstr(err, "invalid JSON"));
    /* A ninjs object with a problem: the ninjs reason. */
    const char *bad = "{\"uri\":\"u\",\"headline\":3}";
    assert_null(at_ninjs_parse_any(bad, strlen(bad), NULL, NOW, err, sizeof err));
    assert_non_null(strstr(err, "headline must be a string"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ninjs1),       cmocka_unit_test(test_ninjs2),
        cmocka_unit_test(test_html_choices), cmocka_unit_test(test_missing),
        cmocka_unit_test(test_wrong_types),  cmocka_unit_test(test_withdrawn),
        cmocka_unit_test(test_hostile),      cmocka_unit_test(test_detect),
        cmocka_unit_test(test_parse_any),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
