/*
 * test_at_json.c: unit tests for at_json, the JSON input/output contracts
 * (docs/json.md) and the validation of decoded protobuf messages.
 *
 * Covers: the input contract (accepted shapes, every rejection reason),
 * wrongly encoded input (invalid UTF-8, overlong forms, surrogates, NUL),
 * oversized and deeply nested input, randomly mutated lines, the exact
 * output strings of both dumps, round trips through protobuf
 * (parse -> pack -> unpack -> validate -> dump), and the member reader and
 * field setter other JSON readers share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "at_json.h"

#define NOW 1725354000 /* 2024-09-03T09:00:00Z */

/* malloc'd copy, as protobuf-c would allocate a string. */
static char *S(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    assert_non_null(d);
    memcpy(d, s, n + 1);
    return d;
}

static Attache__V1__NewsItem *parse(const char *json, char *err, size_t errlen)
{
    return at_json_item_parse(json, strlen(json), NOW, err, errlen);
}

/* err is one line of printable ASCII. */
static void assert_one_line(const char *err)
{
    for (const char *c = err; *c; c++) {
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            fail_msg("error text has a non-printable byte: %s", err);
    }
}

/* Parse must fail, with `want` somewhere in the reason. */
static void expect_reject_n(const char *json, size_t len, const char *want)
{
    char err[256] = "";
    Attache__V1__NewsItem *item = at_json_item_parse(json, len, NOW, err, sizeof err);
    if (item) {
        at_json_item_free(&item);
        fail_msg("accepted: %.*s", (int)(len > 200 ? 200 : len), json);
    }
    assert_one_line(err);
    if (!strstr(err, want))
        fail_msg("for %.*s: error \"%s\" lacks \"%s\"", (int)(len > 200 ? 200 : len), json, err,
                 want);
}

static void expect_reject(const char *json, const char *want)
{
    expect_reject_n(json, strlen(json), want);
}

static Attache__V1__NewsItem *expect_accept(const char *json)
{
    char err[256] = "";
    Attache__V1__NewsItem *item = parse(json, err, sizeof err);
    if (!item)
        fail_msg("rejected %.200s: %s", json, err);
    return item;
}

/* --- ids ----------------------------------------------------------------- */

static void test_item_id(void **state)
{
    char id[33], id2[33];
    /* XXH3-128 of the empty input, the published test vector. */
    at_json_item_id("", id, sizeof id);
    assert_string_equal(id, "99aa06d3014798d86001c324468d497f");
    at_json_item_id(" \t\r\n", id, sizeof id);
    assert_string_equal(id, "99aa06d3014798d86001c324468d497f");
    at_json_item_id(NULL, id, sizeof id);
    assert_string_equal(id, "99aa06d3014798d86001c324468d497f");

    at_json_item_id("https://example.org/a", id, sizeof id);
    assert_int_equal(strlen(id), 32);
    for (int i = 0; i < 32; i++)
        assert_true((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'));
    at_json_item_id("  https://example.org/a\n", id2, sizeof id2);
    assert_string_equal(id, id2);
    at_json_item_id("https://example.org/b", id2, sizeof id2);
    assert_string_not_equal(id, id2);

    /* Short buffers are truncated and terminated; 0 writes nothing. */
    char small[8];
    at_json_item_id("https://example.org/a", small, sizeof small);
    assert_int_equal(strlen(small), 7);
    assert_memory_equal(small, id, 7);
    small[0] = 'x';
    at_json_item_id("https://example.org/a", small, 0);
    assert_int_equal(small[0], 'x');
}

/* --- parsing: accepted input --------------------------------------------- */

static void test_parse_minimal(void **state)
{
    Attache__V1__NewsItem *item =
        expect_accept("{\"url\":\"https://example.org/a\",\"title\":\"T\"}");
    char id[33];
    at_json_item_id("https://example.org/a", id, sizeof id);
    assert_string_equal(item->id, id);
    assert_string_equal(item->url, "https://example.org/a");
    assert_string_equal(item->title, "T");
    assert_int_equal(item->published, 0);
    assert_int_equal(item->fetched, NOW);
    /* Unset strings are the shared protobuf-c default, not NULL. */
    assert_ptr_equal(item->body, protobuf_c_empty_string);
    assert_ptr_equal(item->summary, protobuf_c_empty_string);
    assert_ptr_equal(item->source, protobuf_c_empty_string);
    assert_ptr_equal(item->language, protobuf_c_empty_string);
    assert_ptr_equal(item->guid, protobuf_c_empty_string);
    assert_int_equal(item->n_authors, 0);
    assert_int_equal(item->n_categories, 0);
    assert_int_equal(at_json_item_validate(item, NULL, 0), 0);
    at_json_item_free(&item);
    assert_null(item);
    at_json_item_free(&item); /* NULL-safe */
    at_json_item_free(NULL);
}

static void test_parse_full(void **state)
{
    const char *json =
        "{\"id\":\"  feed-42 \",\"url\":\" https://example.org/a \",\"title\":\"Putin in "
        "Ulaanbaatar\",\"body\":\"Text \\u00e9\\ud83d\\ude00\\n2nd line\",\"summary\":\"S\","
        "\"published\":\"Tue, 03 Sep 2024 10:00:00 +0200\",\"source\":\"wikinews\","
        "\"language\":\"en\",\"guid\":\"urn:x\",\"authors\":[\"A\",\"\",\"  \",\"B\"],"
        "\"categories\":[\"politics\"],\"fetched\":\"ignored\",\"future_key\":{\"deep\":[1,2,"
        "{\"x\":null}]},\"other\":3.5}";
    Attache__V1__NewsItem *item = expect_accept(json);
    assert_string_equal(item->id, "feed-42");
    assert_string_equal(item->url, "https://example.org/a");
    assert_string_equal(item->title, "Putin in Ulaanbaatar");
    assert_string_equal(item->body, "Text \xc3\xa9\xf0\x9f\x98\x80\n2nd line");
    assert_string_equal(item->summary, "S");
    assert_int_equal(item->published, 1725350400); /* 2024-09-03T08:00:00Z */
    assert_string_equal(item->source, "wikinews");
    assert_string_equal(item->language, "en");
    assert_string_equal(item->guid, "urn:x");
    assert_int_equal(item->n_authors, 2);
    assert_string_equal(item->authors[0], "A");
    assert_string_equal(item->authors[1], "B");
    assert_int_equal(item->n_categories, 1);
    assert_string_equal(item->categories[0], "politics");
    assert_int_equal(item->fetched, NOW);
    at_json_item_free(&item);

    /* null means absent; body alone is enough with a url. */
    item = expect_accept("{\"url\":\"u\",\"title\":null,\"body\":\"b\",\"summary\":null,"
                         "\"published\":null,\"authors\":null,\"categories\":[],\"id\":null}");
    assert_ptr_equal(item->title, protobuf_c_empty_string);
    assert_string_equal(item->body, "b");
    at_json_item_free(&item);

    /* id without url is fine when there is a title; blank published is
     * unknown. */
    item = expect_accept("{\"id\":\"x\",\"title\":\"t\",\"published\":\"  \"}");
    assert_string_equal(item->id, "x");
    assert_int_equal(item->published, 0);
    at_json_item_free(&item);

    /* Whitespace around the object is JSON whitespace. */
    item = expect_accept(" \t{\"url\":\"u\",\"summary\":\"s\",\"title\":\"t\"}\r ");
    at_json_item_free(&item);

    /* A valid surrogate pair and non-ASCII keys in unknown members. */
    item = expect_accept("{\"url\":\"u\",\"title\":\"\\ud83d\\ude00\",\"\xc3\xa9\":1}");
    assert_string_equal(item->title, "\xf0\x9f\x98\x80");
    at_json_item_free(&item);

    /* Nesting well under jansson's depth limit is fine. */
    char deep[600];
    size_t n = (size_t)snprintf(deep, sizeof deep, "{\"url\":\"u\",\"title\":\"t\",\"x\":");
    for (int i = 0; i < 200; i++)
        deep[n++] = '[';
    for (int i = 0; i < 200; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    item = expect_accept(deep);
    at_json_item_free(&item);
}

/* The fast path (strings, null, arrays of strings) decodes every escape as
 * jansson does, at every offset within its 8-byte steps, and hands
 * everything else to jansson. */
static void test_parse_fast_path(void **state)
{
    Attache__V1__NewsItem *item = expect_accept(
        " \r\n{ \"url\" : \"u\" ,\"title\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\te\\u00e9\\u00E9"
        "\\ud83d\\ude00 \xc3\xa9\xe2\x80\x94\", \"authors\" : [ \"x\" , \"\\u0079\" ] ,"
        "\"categories\":[],\"summary\":null,\"source\":\"s\"}\t\n");
    assert_string_equal(item->title, "a\"b\\c/d\b\f\n\r\te\xc3\xa9\xc3\xa9\xf0\x9f\x98\x80 "
                                     "\xc3\xa9\xe2\x80\x94");
    assert_int_equal(item->n_authors, 2);
    assert_string_equal(item->authors[0], "x");
    assert_string_equal(item->authors[1], "y");
    assert_int_equal(item->n_categories, 0);
    assert_ptr_equal(item->summary, protobuf_c_empty_string);
    assert_string_equal(item->source, "s");
    at_json_item_free(&item);

    /* A special byte at each offset of a long run of plain ones. */
    const char *specials[] = {"\\\"", "\\\\", "\\n", "\xc3\xa9", "\\u00e9"};
    const char *decoded[] = {"\"", "\\", "\n", "\xc3\xa9", "\xc3\xa9"};
    for (size_t k = 0; k < 5; k++) {
        for (size_t at = 0; at < 20; at++) {
            char line[128], want[64];
            snprintf(line, sizeof line, "{\"url\":\"u\",\"title\":\"%.*s%s%s\"}", (int)at,
                     "abcdefghijklmnopqrstuvwxyz", specials[k], "0123456789");
            snprintf(want, sizeof want, "%.*s%s%s", (int)at, "abcdefghijklmnopqrstuvwxyz",
                     decoded[k], "0123456789");
            item = expect_accept(line);
            assert_string_equal(item->title, want);
            at_json_item_free(&item);
        }
    }

    /* What the fast path leaves to jansson is still accepted or refused
     * as before: numbers and nested values in unknown members, a control
     * byte late in a long string, a bad escape, trailing bytes. */
    item = expect_accept("{\"url\":\"u\",\"title\":\"t\",\"n\":1.5,\"o\":{\"a\":[true,null]}}");
    at_json_item_free(&item);
    expect_reject("{\"url\":\"u\",\"title\":\"abcdefghijklmnop\x01q\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"abcdefghij\\x\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\"} x", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"authors\":[\"a\",],\"title\":\"t\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"\\ud83dx\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"\xed\xa0\x80\"}", "invalid JSON");
}

/* The line need not be NUL-terminated: only len bytes are read. */
static void test_parse_len_bounded(void **state)
{
    const char buf[] = "{\"url\":\"u\",\"title\":\"t\"}GARBAGE";
    char err[128];
    Attache__V1__NewsItem *item = at_json_item_parse(buf, 23, NOW, err, sizeof err);
    assert_non_null(item);
    assert_string_equal(item->title, "t");
    at_json_item_free(&item);
    /* Cutting the same buffer short is an error, not an over-read. */
    expect_reject_n(buf, 22, "invalid JSON");
    expect_reject_n(buf, 1, "invalid JSON");
    /* A NUL byte inside len is not the end of the input. */
    const char nul[] = "{\"url\":\"u\",\"title\":\"t\"}\0xx";
    expect_reject_n(nul, sizeof nul - 1, "invalid JSON");
}

/* --- parsing: rejected input --------------------------------------------- */

static void test_parse_rejects_shape(void **state)
{
    expect_reject("", "empty input");
    expect_reject_n(NULL, 0, "empty input");
    expect_reject(" ", "invalid JSON at column");
    expect_reject("{", "invalid JSON at column");
    expect_reject("{\"url\":\"u\",\"title\":\"t\"", "invalid JSON");
    expect_reject("[]", "not a JSON object (got array)");
    expect_reject("[{\"url\":\"u\",\"title\":\"t\"}]", "not a JSON object (got array)");
    expect_reject("\"str\"", "invalid JSON");
    expect_reject("null", "invalid JSON");
    expect_reject("42", "invalid JSON");
    expect_reject("true", "invalid JSON");
    expect_reject("{}", "missing url and id");
    expect_reject("{\"url\":\"\",\"id\":\"\",\"title\":\"t\"}", "missing url and id");
    expect_reject("{\"url\":\"   \",\"title\":\"t\"}", "missing url and id");
    expect_reject("{\"url\":\"u\"}", "missing title, body and summary");
    expect_reject("{\"url\":\"u\",\"title\":\" \\n\\t \"}", "missing title, body and summary");
    expect_reject("{\"id\":\"x\",\"body\":\"b\"}", "missing url and title");
    expect_reject("{\"url\":42,\"title\":\"t\"}", "url must be a string");
    expect_reject("{\"url\":\"u\",\"title\":[\"t\"]}", "title must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"body\":{}}", "body must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"summary\":true}", "summary must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"source\":1.5}", "source must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"language\":[]}", "language must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"guid\":0}", "guid must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"id\":7}", "id must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"authors\":\"A\"}",
                  "authors must be an array of strings");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"authors\":[\"A\",1]}",
                  "authors[1] must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"authors\":[null]}",
                  "authors[0] must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"categories\":{}}",
                  "categories must be an array of strings");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"categories\":[[\"x\"]]}",
                  "categories[0] must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"id\":\"a\\u0001b\"}",
                  "id contains a control character");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"id\":\"a\\nb\"}",
                  "id contains a control character");
    /* Duplicate keys are ambiguous: rejected. */
    expect_reject("{\"url\":\"u\",\"url\":\"v\",\"title\":\"t\"}", "duplicate object key");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"x\":{\"a\":1,\"a\":2}}",
                  "duplicate object key");
    /* Trailing data after the object. */
    expect_reject("{\"url\":\"u\",\"title\":\"t\"}x", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\"}{\"url\":\"v\",\"title\":\"t\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\"},", "invalid JSON");
    /* Not quite JSON. */
    expect_reject("{'url':'u','title':'t'}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",}", "invalid JSON");
    expect_reject("{url:\"u\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\" /* c */}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"x\":NaN}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"x\":1e999}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"x\":123456789012345678901234567890}",
                  "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"x\":\"\\q\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"x\":\"\\u12\"}", "invalid JSON");
    /* A raw control character inside a string is not JSON. */
    expect_reject("{\"url\":\"u\",\"title\":\"a\nb\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"a\tb\"}", "invalid JSON");
    /* Column numbers point at the problem (jansson: the end of the
     * offending token, counted in characters from 1). */
    expect_reject("{\"url\" \"u\"}", "invalid JSON at column 10: ':' expected");
    expect_reject("{\"url\":\"u\",\n\"title\" 1}", "invalid JSON at line 2 column");
}

static void test_parse_rejects_published(void **state)
{
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"published\":1720001700}",
                  "published must be a string");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"published\":\"yesterday\"}",
                  "bad published date: \"yesterday\"");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"published\":\"Thu, 31 Jun 2024 10:00:00 GMT\"}",
                  "bad published date");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"published\":\"2024-02-30\"}",
                  "bad published date: \"2024-02-30\"");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"published\":\"2024-07-03T25:00:00Z\"}",
                  "bad published date");
    /* Quoted garbage is cut and made printable. */
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"published\":\"\\u0001\\n\\u00e9\\t"
                  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
                  "...");
    char err[256];
    Attache__V1__NewsItem *item =
        parse("{\"url\":\"u\",\"title\":\"t\",\"published\":\"\\u00e9t\\u00e9\"}", err, sizeof err);
    assert_null(item);
    assert_string_equal(err, "bad published date: \"??t??\"");
}

static void test_parse_rejects_encoding(void **state)
{
    /* \u0000 never truncates a string: jansson refuses it without
     * JSON_ALLOW_NUL, in values and in keys. */
    expect_reject("{\"url\":\"u\",\"title\":\"a\\u0000b\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"\\u0000\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\\u0000evil\",\"title\":\"t\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"x\\u0000\":1}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"t\",\"published\":\"2024-07-03\\u0000junk\"}",
                  "invalid JSON");
    /* Lone or misordered surrogate escapes. */
    expect_reject("{\"url\":\"u\",\"title\":\"\\ud800\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"\\udc00\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"\\ud800\\u0041\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"\\ude00\\ud83d\"}", "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"\\ud83d\"}", "invalid JSON");
    /* Raw bytes that are not UTF-8, anywhere in the line. */
    static const char *const bad_bytes[] = {
        "\xff",             /* never valid */
        "\xfe",             /* never valid */
        "\x80",             /* lone continuation */
        "\xbf",             /* lone continuation */
        "\xc3\x28",         /* bad continuation */
        "\xc3",             /* truncated */
        "\xe2\x82",         /* truncated */
        "\xf0\x9f\x98",     /* truncated */
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong '/' */
        "\xe0\x9f\xbf",     /* overlong */
        "\xf0\x80\x80\xaf", /* overlong '/' */
        "\xf0\x8f\xbf\xbf", /* overlong */
        "\xed\xa0\x80",     /* UTF-16 surrogate D800 */
        "\xed\xbf\xbf",     /* UTF-16 surrogate DFFF */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80", /* above U+10FFFF */
        "\xf8\x88\x80\x80\x80",
        "\xfc\x84\x80\x80\x80\x80",
    };
    char line[128];
    for (size_t i = 0; i < sizeof bad_bytes / sizeof bad_bytes[0]; i++) {
        snprintf(line, sizeof line, "{\"url\":\"u\",\"title\":\"a%sb\"}", bad_bytes[i]);
        expect_reject(line, "invalid JSON");
        snprintf(line, sizeof line, "{\"url\":\"u\",\"title\":\"t\",\"unknown\":\"%s\"}",
                 bad_bytes[i]);
        expect_reject(line, "invalid JSON");
        snprintf(line, sizeof line, "{\"url\":\"u\",\"title\":\"t\",\"k%s\":1}", bad_bytes[i]);
        expect_reject(line, "invalid JSON");
        snprintf(line, sizeof line, "{\"url\":\"u\",\"title\":\"t\"}%s", bad_bytes[i]);
        expect_reject(line, "invalid JSON");
    }
    /* The largest and smallest valid multi-byte sequences pass. */
    Attache__V1__NewsItem *item =
        expect_accept("{\"url\":\"u\",\"title\":\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf"
                      "\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}");
    at_json_item_free(&item);
    /* UTF-16 or Latin-1 input is not UTF-8. */
    expect_reject_n("{\0\"\0u\0r\0l\0\"\0", 14, "invalid JSON");
    expect_reject("{\"url\":\"u\",\"title\":\"caf\xe9\"}", "invalid JSON");
    /* A UTF-8 byte-order mark is not JSON. */
    expect_reject("\xef\xbb\xbf{\"url\":\"u\",\"title\":\"t\"}", "invalid JSON");
}

static void test_parse_rejects_oversized(void **state)
{
    /* Whole line over the limit: refused before parsing. */
    size_t big = (size_t)AT_JSON_MAX_LINE + 1;
    char *s = malloc(big + 1);
    assert_non_null(s);
    memset(s, ' ', big);
    s[big] = '\0';
    expect_reject_n(s, big, "input too long");
    free(s);

    /* One string over the limit; exactly at the limit is fine. */
    size_t limit = AT_JSON_MAX_STRING;
    s = malloc(limit + 64);
    assert_non_null(s);
    size_t n = (size_t)sprintf(s, "{\"url\":\"u\",\"title\":\"t\",\"body\":\"");
    memset(s + n, 'b', limit);
    strcpy(s + n + limit, "\"}");
    Attache__V1__NewsItem *item = expect_accept(s);
    assert_int_equal(strlen(item->body), limit);
    at_json_item_free(&item);
    memset(s + n, 'b', limit + 1);
    strcpy(s + n + limit + 1, "\"}");
    expect_reject(s, "body too long");
    free(s);

    /* Ids have a smaller limit. */
    s = malloc(AT_JSON_MAX_ID + 64);
    assert_non_null(s);
    n = (size_t)sprintf(s, "{\"title\":\"t\",\"id\":\"");
    memset(s + n, 'i', AT_JSON_MAX_ID + 1);
    strcpy(s + n + AT_JSON_MAX_ID + 1, "\"}");
    expect_reject(s, "id too long");
    free(s);

    /* Lists: AT_JSON_MAX_LIST elements pass, one more does not; each
     * element has the string limit. */
    s = malloc(8 * (AT_JSON_MAX_LIST + 1) + 64);
    assert_non_null(s);
    n = (size_t)sprintf(s, "{\"url\":\"u\",\"title\":\"t\",\"authors\":[");
    for (int i = 0; i < AT_JSON_MAX_LIST; i++)
        n += (size_t)sprintf(s + n, "%s\"a\"", i ? "," : "");
    strcpy(s + n, "]}");
    item = expect_accept(s);
    assert_int_equal(item->n_authors, AT_JSON_MAX_LIST);
    at_json_item_free(&item);
    strcpy(s + n, ",\"a\"]}");
    expect_reject(s, "authors has too many elements");
    free(s);

    s = malloc(limit + 64);
    assert_non_null(s);
    n = (size_t)sprintf(s, "{\"url\":\"u\",\"title\":\"t\",\"categories\":[\"");
    memset(s + n, 'c', limit + 1);
    strcpy(s + n + limit + 1, "\"]}");
    expect_reject(s, "categories[0] too long");
    free(s);

    /* Nesting beyond jansson's depth limit: an error, not a stack overflow. */
    const size_t depth = 100000;
    s = malloc(2 * depth + 64);
    assert_non_null(s);
    n = (size_t)sprintf(s, "{\"url\":\"u\",\"title\":\"t\",\"x\":");
    memset(s + n, '[', depth);
    n += depth;
    memset(s + n, ']', depth);
    n += depth;
    strcpy(s + n, "}");
    expect_reject(s, "invalid JSON");
    n = (size_t)sprintf(s, "{\"url\":\"u\",\"title\":\"t\",\"x\":");
    for (size_t i = 0; i < depth / 8; i++)
        n += (size_t)sprintf(s + n, "{\"a\":");
    strcpy(s + n, "1");
    expect_reject(s, "invalid JSON");
    /* Unterminated deep nesting too. */
    memset(s, '[', 2 * depth);
    s[2 * depth] = '\0';
    expect_reject(s, "invalid JSON");
    free(s);
}

static void test_parse_err_buffer(void **state)
{
    const char *bad = "{\"url\":42,\"title\":\"t\"}";
    char err[8];
    memset(err, 'x', sizeof err);
    assert_null(at_json_item_parse(bad, strlen(bad), NOW, err, sizeof err));
    assert_int_equal(strlen(err), sizeof err - 1);
    assert_memory_equal(err, "url mus", 7);
    err[0] = 'x';
    assert_null(at_json_item_parse(bad, strlen(bad), NOW, err, 1));
    assert_int_equal(err[0], '\0');
    err[0] = 'x';
    assert_null(at_json_item_parse(bad, strlen(bad), NOW, err, 0));
    assert_int_equal(err[0], 'x');
    assert_null(at_json_item_parse(bad, strlen(bad), NOW, NULL, 100));
    assert_null(at_json_item_parse("{", 1, NOW, NULL, 0));
}

/* Deterministic xorshift PRNG, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Mutate a valid line many times: the parser never crashes, and whatever
 * it accepts validates and dumps. */
static void test_parse_mutations(void **state)
{
    const char *seed = "{\"id\":\"x1\",\"url\":\"https://example.org/\\u00e9\",\"title\":"
                       "\"T\\ud83d\\ude00\",\"body\":\"B\",\"published\":\"Wed, 03 Jul 2024 "
                       "10:15:00 +0000\",\"authors\":[\"a\",\"b\"],\"categories\":[],\"n\":[1,"
                       "2.5,true,null,{\"k\":\"v\"}]}";
    static const char interesting[] = {'"', '\\', '{',  '}',  '[',    ']',    ':',    ',',    '0',
                                       'u', 'n',  '\0', '\n', '\x80', '\xc3', '\xed', '\xff', ' '};
    size_t seed_len = strlen(seed);
    char buf[512];
    int accepted = 0;
    for (int iter = 0; iter < 50000; iter++) {
        memcpy(buf, seed, seed_len);
        size_t len = seed_len;
        int edits = 1 + (int)(rng() % 4);
        for (int e = 0; e < edits; e++) {
            size_t pos = (size_t)(rng() % (len + 1));
            char c = (rng() & 1) ? (char)(rng() & 0xff) : interesting[rng() % sizeof interesting];
            switch (rng() % 4) {
            case 0: /* replace */
                if (pos < len)
                    buf[pos] = c;
                break;
            case 1: /* insert */
                if (len < sizeof buf - 1) {
                    memmove(buf + pos + 1, buf + pos, len - pos);
                    buf[pos] = c;
                    len++;
                }
                break;
            case 2: /* delete */
                if (pos < len) {
                    memmove(buf + pos, buf + pos + 1, len - pos - 1);
                    len--;
                }
                break;
            default: /* truncate */
                len = pos;
                break;
            }
        }
        char err[256] = "";
        Attache__V1__NewsItem *item = at_json_item_parse(buf, len, NOW, err, sizeof err);
        if (!item) {
            assert_true(err[0] != '\0');
            assert_one_line(err);
            continue;
        }
        accepted++;
        assert_int_equal(at_json_item_validate(item, err, sizeof err), 0);
        char *out = at_json_item_dump(item);
        assert_non_null(out);
        free(out);
        at_json_item_free(&item);
    }
    /* The mutator must leave some lines valid or the test proves little. */
    assert_true(accepted > 100);
}

/* --- item dump and round trips ------------------------------------------- */

static const char *full_line =
    "{\"id\":\"feed-42\",\"url\":\"https://example.org/a\",\"title\":\"Putin in "
    "Ulaanbaatar \xe2\x80\x94 \\\"visit\\\"\",\"published\":\"2024-09-03T08:00:00Z\","
    "\"source\":\"wikinews\",\"language\":\"en\",\"guid\":\"urn:x\",\"authors\":[\"A\",\"B\"],"
    "\"categories\":[\"politics\"],\"summary\":\"S\",\"body\":\"line 1\\nline 2\\t\\u0001/\","
    "\"fetched\":\"2024-09-03T09:00:00Z\"}";

static void test_item_dump(void **state)
{
    Attache__V1__NewsItem *item = expect_accept(full_line);
    char *out = at_json_item_dump(item);
    assert_non_null(out);
    /* Key order, escaping and UTF-8 output are part of the contract. */
    assert_string_equal(out, full_line);
    /* Dump output is valid input and reproduces itself. */
    Attache__V1__NewsItem *again = expect_accept(out);
    char *out2 = at_json_item_dump(again);
    assert_string_equal(out2, out);
    free(out);
    free(out2);
    at_json_item_free(&item);
    at_json_item_free(&again);

    /* Unknown instants are null, optional fields are left out. */
    item = expect_accept("{\"url\":\"u\",\"title\":\"t\"}");
    item->fetched = 0;
    out = at_json_item_dump(item);
    char want[256];
    char id[33];
    at_json_item_id("u", id, sizeof id);
    snprintf(want, sizeof want,
             "{\"id\":\"%s\",\"url\":\"u\",\"title\":\"t\",\"published\":null,\"source\":\"\","
             "\"authors\":[],\"categories\":[],\"fetched\":null}",
             id);
    assert_string_equal(out, want);
    free(out);
    at_json_item_free(&item);

    assert_null(at_json_item_dump(NULL));
}

static Attache__V1__NewsItem *pack_unpack_item(const Attache__V1__NewsItem *item)
{
    size_t n = attache__v1__news_item__get_packed_size(item);
    uint8_t *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    assert_int_equal(attache__v1__news_item__pack(item, buf), n);
    Attache__V1__NewsItem *back = attache__v1__news_item__unpack(NULL, n, buf);
    free(buf);
    assert_non_null(back);
    return back;
}

static void test_item_protobuf_roundtrip(void **state)
{
    const char *lines[] = {
        full_line,
        "{\"url\":\"u\",\"title\":\"t\"}",
        "{\"id\":\"x\",\"title\":\"\\ud83d\\ude00\",\"published\":\"1969-12-31T23:59:59Z\"}",
        "{\"url\":\"u\",\"summary\":\"s\",\"title\":\"t\",\"published\":\"0000-01-01\"}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        Attache__V1__NewsItem *item = expect_accept(lines[i]);
        Attache__V1__NewsItem *back = pack_unpack_item(item);
        char err[256];
        if (at_json_item_validate(back, err, sizeof err) != 0)
            fail_msg("%s", err);
        char *a = at_json_item_dump(item), *b = at_json_item_dump(back);
        assert_non_null(a);
        assert_string_equal(a, b);
        free(a);
        free(b);
        at_json_item_free(&item);
        /* at_json_item_free frees unpacked items too. */
        at_json_item_free(&back);
    }
}

/* --- item validation ----------------------------------------------------- */

static void expect_item_invalid(const Attache__V1__NewsItem *item, const char *want)
{
    char err[256] = "";
    assert_int_equal(at_json_item_validate(item, err, sizeof err), -1);
    assert_one_line(err);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void test_item_validate(void **state)
{
    Attache__V1__NewsItem item = ATTACHE__V1__NEWS_ITEM__INIT;
    char *authors[2] = {"ok", "ok"};
    item.id = "x";
    item.url = "u";
    assert_int_equal(at_json_item_validate(&item, NULL, 0), 0);

    item.title = "\xff";
    expect_item_invalid(&item, "title is not valid UTF-8");
    item.title = "\xc0\xaf";
    expect_item_invalid(&item, "title is not valid UTF-8");
    item.title = "\xe0\x80\xaf";
    expect_item_invalid(&item, "title is not valid UTF-8");
    item.title = "\xed\xa0\x80";
    expect_item_invalid(&item, "title is not valid UTF-8");
    item.title = "\xf4\x90\x80\x80";
    expect_item_invalid(&item, "title is not valid UTF-8");
    item.title = "ok \xe2\x82";
    expect_item_invalid(&item, "title is not valid UTF-8");
    item.title = "\xf4\x8f\xbf\xbf \xed\x9f\xbf";
    assert_int_equal(at_json_item_validate(&item, NULL, 0), 0);
    item.title = "";

    item.body = "\x80";
    expect_item_invalid(&item, "body is not valid UTF-8");
    item.body = "";
    item.guid = "\xfe";
    expect_item_invalid(&item, "guid is not valid UTF-8");
    item.guid = "";

    item.n_authors = 2;
    item.authors = authors;
    assert_int_equal(at_json_item_validate(&item, NULL, 0), 0);
    authors[1] = "bad \xc3";
    expect_item_invalid(&item, "authors[1] is not valid UTF-8");
    item.authors = NULL;
    expect_item_invalid(&item, "authors is missing its elements");
    item.n_authors = AT_JSON_MAX_LIST + 1;
    expect_item_invalid(&item, "authors has too many elements");
    item.n_authors = 0;

    char *longstr = malloc(AT_JSON_MAX_STRING + 2);
    assert_non_null(longstr);
    memset(longstr, 'a', AT_JSON_MAX_STRING + 1);
    longstr[AT_JSON_MAX_STRING + 1] = '\0';
    item.summary = longstr;
    expect_item_invalid(&item, "summary too long");
    longstr[AT_JSON_MAX_STRING] = '\0';
    assert_int_equal(at_json_item_validate(&item, NULL, 0), 0);
    item.summary = "";
    longstr[AT_JSON_MAX_ID + 1] = '\0';
    item.id = longstr;
    expect_item_invalid(&item, "id too long");
    item.id = "x";
    free(longstr);

    item.id = "";
    expect_item_invalid(&item, "missing id");
    item.id = NULL;
    expect_item_invalid(&item, "missing id");
    item.id = "a\tb";
    expect_item_invalid(&item, "id contains a control character");
    item.id = "a\x7f";
    expect_item_invalid(&item, "id contains a control character");
    item.id = "x";

    item.url = "";
    expect_item_invalid(&item, "missing url and title");
    item.url = NULL; /* hand-built messages may leave NULLs: same as "" */
    item.title = "  ";
    expect_item_invalid(&item, "missing url and title");
    item.title = "t";
    assert_int_equal(at_json_item_validate(&item, NULL, 0), 0);
    char *dump = at_json_item_dump(&item);
    assert_non_null(dump);
    free(dump);

    item.published = 253402300800LL;
    expect_item_invalid(&item, "published out of range");
    item.published = INT64_MIN;
    expect_item_invalid(&item, "published out of range");
    item.published = -62167219200LL;
    assert_int_equal(at_json_item_validate(&item, NULL, 0), 0);
    item.fetched = INT64_MAX;
    expect_item_invalid(&item, "fetched out of range");
    item.fetched = 0;

    expect_item_invalid(NULL, "missing item");
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    expect_item_invalid((const Attache__V1__NewsItem *)&ev, "not a NewsItem");

    /* A dump of an unvalidated bad string fails instead of emitting it. */
    item.title = "bad \xff";
    assert_null(at_json_item_dump(&item));
}

/* Bytes off the wire: protobuf-c happily decodes invalid UTF-8 and random
 * bytes; validation catches what matters and nothing crashes. */
static void test_item_unpack_hostile(void **state)
{
    Attache__V1__NewsItem item = ATTACHE__V1__NEWS_ITEM__INIT;
    item.id = "x";
    item.url = "u";
    item.title = "caf\xe9"; /* Latin-1 */
    size_t n = attache__v1__news_item__get_packed_size(&item);
    uint8_t buf[256];
    assert_true(n <= sizeof buf);
    attache__v1__news_item__pack(&item, buf);
    Attache__V1__NewsItem *back = attache__v1__news_item__unpack(NULL, n, buf);
    assert_non_null(back);
    char err[256];
    assert_int_equal(at_json_item_validate(back, err, sizeof err), -1);
    assert_string_equal(err, "title is not valid UTF-8");
    at_json_item_free(&back);

    /* An empty frame decodes as an all-default item: invalid. */
    back = attache__v1__news_item__unpack(NULL, 0, buf);
    assert_non_null(back);
    assert_int_equal(at_json_item_validate(back, err, sizeof err), -1);
    assert_string_equal(err, "missing id");
    at_json_item_free(&back);

    /* Random frames and mutated valid frames. */
    item.title = "title";
    n = attache__v1__news_item__pack(&item, buf);
    for (int iter = 0; iter < 20000; iter++) {
        uint8_t frame[256];
        size_t len;
        if (iter & 1) {
            len = (size_t)(rng() % 64);
            for (size_t i = 0; i < len; i++)
                frame[i] = (uint8_t)rng();
        } else {
            memcpy(frame, buf, n);
            len = n;
            frame[rng() % len] = (uint8_t)rng();
            if (rng() & 1)
                len = (size_t)(rng() % (len + 1));
        }
        Attache__V1__NewsItem *m = attache__v1__news_item__unpack(NULL, len, frame);
        if (!m)
            continue;
        if (at_json_item_validate(m, err, sizeof err) == 0) {
            char *out = at_json_item_dump(m);
            assert_non_null(out);
            free(out);
        } else {
            assert_one_line(err);
        }
        at_json_item_free(&m);
    }
}

/* --- events -------------------------------------------------------------- */

static void *array_of(size_t n, size_t size)
{
    void *a = calloc(n, size);
    assert_non_null(a);
    return a;
}

/* Mongolia 2024: the motivating example, built as enrich would. */
static Attache__V1__Event *sample_event(void)
{
    Attache__V1__Event *ev = malloc(sizeof *ev);
    assert_non_null(ev);
    attache__v1__event__init(ev);
    ev->id = S("ev-1");
    Attache__V1__NewsItem *it = malloc(sizeof *it);
    assert_non_null(it);
    attache__v1__news_item__init(it);
    it->id = S("ev-1");
    it->url = S("https://example.org/mongolia");
    it->title = S("Putin visits Mongolia");
    it->body = S("ULAANBAATAR \xe2\x80\x94 \"Visit\" went ahead.\n");
    it->published = 1725350400;
    it->fetched = NOW;
    it->source = S("wikinews");
    it->language = S("en");
    it->guid = S("not-in-event-output");
    ev->item = it;
    ev->reference_date = S("2024-09-03");
    ev->data_version = S("2024-09-01");
    ev->enriched = NOW + 1;

    /* Two countries: a party with dates, a non-signatory without. */
    ev->n_countries = 2;
    ev->countries = array_of(2, sizeof *ev->countries);
    Attache__V1__CountryMention *mng = malloc(sizeof *mng);
    assert_non_null(mng);
    attache__v1__country_mention__init(mng);
    mng->code = S("MNG");
    mng->name = S("Mongolia");
    mng->mentions = 3;
    mng->first_offset = 14;
    mng->in_title = 1;
    mng->n_kinds = 2;
    mng->kinds = array_of(2, sizeof *mng->kinds);
    mng->kinds[0] = ATTACHE__V1__MENTION_KIND__MENTION_KIND_NAME;
    mng->kinds[1] = ATTACHE__V1__MENTION_KIND__MENTION_KIND_CAPITAL;
    mng->n_treaties = 1;
    mng->treaties = array_of(1, sizeof *mng->treaties);
    Attache__V1__TreatyStatus *ts = malloc(sizeof *ts);
    assert_non_null(ts);
    attache__v1__treaty_status__init(ts);
    ts->treaty = S("rome_statute");
    ts->status = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY;
    ts->signed_ = S("2000-12-29");
    ts->consent_type = S("ratification");
    ts->consent = S("2002-04-11");
    ts->in_force = S("2002-07-01");
    ts->source = S("UNTC XVIII-10");
    mng->treaties[0] = ts;
    ev->countries[0] = mng;

    Attache__V1__CountryMention *kaz = malloc(sizeof *kaz);
    assert_non_null(kaz);
    attache__v1__country_mention__init(kaz);
    kaz->code = S("KAZ");
    kaz->name = S("Kazakhstan");
    kaz->mentions = 1;
    kaz->first_offset = 200;
    kaz->n_kinds = 1;
    kaz->kinds = array_of(1, sizeof *kaz->kinds);
    kaz->kinds[0] = ATTACHE__V1__MENTION_KIND__MENTION_KIND_DEMONYM;
    kaz->n_treaties = 2;
    kaz->treaties = array_of(2, sizeof *kaz->treaties);
    ts = malloc(sizeof *ts);
    assert_non_null(ts);
    attache__v1__treaty_status__init(ts);
    ts->treaty = S("rome_statute");
    ts->status = ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY;
    kaz->treaties[0] = ts;
    /* A bound instead of exact days (in_force_by). */
    ts = malloc(sizeof *ts);
    assert_non_null(ts);
    attache__v1__treaty_status__init(ts);
    ts->treaty = S("npt");
    ts->status = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY;
    ts->consent_type = S("accession");
    ts->in_force_by = S("1994-12-31");
    kaz->treaties[1] = ts;
    ev->countries[1] = kaz;

    ev->n_actors = 1;
    ev->actors = array_of(1, sizeof *ev->actors);
    Attache__V1__ActorMention *a = malloc(sizeof *a);
    assert_non_null(a);
    attache__v1__actor_mention__init(a);
    a->id = S("Q7747");
    a->name = S("Vladimir Putin");
    a->country = S("RUS");
    a->mentions = 2;
    a->first_offset = 0;
    a->n_roles = 1;
    a->roles = array_of(1, sizeof *a->roles);
    Attache__V1__Role *r = malloc(sizeof *r);
    assert_non_null(r);
    attache__v1__role__init(r);
    r->role = S("head_of_state");
    r->country = S("RUS");
    r->title = S("President of Russia");
    r->start = S("2012-05-07");
    a->roles[0] = r;
    a->n_warrants = 1;
    a->warrants = array_of(1, sizeof *a->warrants);
    Attache__V1__Warrant *w = malloc(sizeof *w);
    assert_non_null(w);
    attache__v1__warrant__init(w);
    w->court = S("ICC");
    w->issued = S("2023-03-17");
    w->status = S("outstanding");
    w->reference = S("ICC-01/22");
    w->source = S("icc-cpi.int");
    a->warrants[0] = w;
    ev->actors[0] = a;

    ev->n_locations = 1;
    ev->locations = array_of(1, sizeof *ev->locations);
    Attache__V1__Location *l = malloc(sizeof *l);
    assert_non_null(l);
    attache__v1__location__init(l);
    l->code = S("MNG");
    l->place = S("Ulaanbaatar");
    l->basis = S("dateline");
    ev->locations[0] = l;

    ev->n_alerts = 1;
    ev->alerts = array_of(1, sizeof *ev->alerts);
    Attache__V1__Alert *al = malloc(sizeof *al);
    assert_non_null(al);
    attache__v1__alert__init(al);
    al->rule = S("warrant_exposure");
    al->actor = S("Q7747");
    al->country = S("MNG");
    al->severity = ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL;
    al->message = S("Q7747 (ICC warrant 2023-03-17) in MNG, a Rome Statute party");
    ev->alerts[0] = al;
    return ev;
}

static void free_event(Attache__V1__Event *ev)
{
    protobuf_c_message_free_unpacked(&ev->base, NULL);
}

static const char *sample_event_json =
    "{\"id\":\"ev-1\",\"url\":\"https://example.org/mongolia\",\"title\":\"Putin visits "
    "Mongolia\",\"published\":\"2024-09-03T08:00:00Z\",\"source\":\"wikinews\",\"language\":"
    "\"en\",\"body\":\"ULAANBAATAR \xe2\x80\x94 \\\"Visit\\\" went ahead.\\n\",\"fetched\":"
    "\"2024-09-03T09:00:00Z\",\"reference_date\":\"2024-09-03\",\"data_version\":\"2024-09-01\","
    "\"countries\":[{\"code\":\"MNG\",\"name\":\"Mongolia\",\"mentions\":3,\"first_offset\":14,"
    "\"in_title\":true,\"kinds\":[\"name\",\"capital\"],\"treaties\":{\"rome_statute\":{"
    "\"status\":\"party\",\"signed\":\"2000-12-29\",\"consent_type\":\"ratification\","
    "\"consent\":\"2002-04-11\",\"in_force\":\"2002-07-01\",\"source\":\"UNTC XVIII-10\"}}},"
    "{\"code\":\"KAZ\",\"name\":\"Kazakhstan\",\"mentions\":1,\"first_offset\":200,\"in_title\":"
    "false,\"kinds\":[\"demonym\"],\"treaties\":{\"rome_statute\":{\"status\":\"non_signatory\"}"
    ",\"npt\":{\"status\":\"party\",\"consent_type\":\"accession\",\"in_force_by\":"
    "\"1994-12-31\"}}}],\"actors\":[{\"id\":\"Q7747\",\"name\":\"Vladimir "
    "Putin\",\"country\":\"RUS\","
    "\"mentions\":2,\"roles\":[{\"role\":\"head_of_state\",\"country\":\"RUS\",\"title\":"
    "\"President of Russia\",\"start\":\"2012-05-07\"}],\"warrants\":[{\"court\":\"ICC\","
    "\"issued\":\"2023-03-17\",\"status\":\"outstanding\",\"reference\":\"ICC-01/22\","
    "\"source\":\"icc-cpi.int\"}]}],\"locations\":[{\"code\":\"MNG\",\"place\":\"Ulaanbaatar\","
    "\"basis\":\"dateline\"}],\"alerts\":[{\"rule\":\"warrant_exposure\",\"actor\":\"Q7747\","
    "\"country\":\"MNG\",\"severity\":\"critical\",\"message\":\"Q7747 (ICC warrant 2023-03-17) "
    "in MNG, a Rome Statute party\"}]}";

/* Replace a malloc'd string field of the sample event. */
static void set(char **field, const char *value)
{
    if (*field != protobuf_c_empty_string)
        free(*field);
    *field = S(value);
}

static void test_event_dump(void **state)
{
    Attache__V1__Event *ev = sample_event();
    char err[256];
    if (at_json_event_validate(ev, err, sizeof err) != 0)
        fail_msg("%s", err);
    char *out = at_json_event_dump(ev);
    assert_non_null(out);
    assert_string_equal(out, sample_event_json);
    assert_null(strchr(out, '\n'));
    free(out);
    /* A term known only between two records: no start or end, the seen
     * days instead, in the column order of roles.tsv. */
    Attache__V1__Role *r = ev->actors[0]->roles[0];
    set(&r->start, "");
    set(&r->first_seen, "2012-06-01");
    set(&r->last_seen, "2026-10-05");
    out = at_json_event_dump(ev);
    assert_non_null(out);
    assert_non_null(strstr(out, "\"title\":\"President of Russia\",\"first_seen\":\"2012-06-01\","
                                "\"last_seen\":\"2026-10-05\"}"));
    free(out);
    free_event(ev);
    assert_null(at_json_event_dump(NULL));
}

static void test_event_dump_minimal(void **state)
{
    Attache__V1__NewsItem it = ATTACHE__V1__NEWS_ITEM__INIT;
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    it.id = "x";
    it.url = "u";
    ev.id = "x";
    ev.item = &it;
    assert_int_equal(at_json_event_validate(&ev, NULL, 0), 0);
    char *out = at_json_event_dump(&ev);
    assert_string_equal(out, "{\"id\":\"x\",\"url\":\"u\",\"title\":\"\",\"published\":null,"
                             "\"source\":\"\",\"fetched\":null,\"reference_date\":null,"
                             "\"data_version\":\"\",\"countries\":[],\"actors\":[],"
                             "\"locations\":[],\"alerts\":[]}");
    free(out);
    /* Without an item (invalid, but must not crash). */
    ev.item = NULL;
    out = at_json_event_dump(&ev);
    assert_non_null(out);
    free(out);
    /* Unknown enum values from a newer producer render as "unspecified". */
    Attache__V1__TreatyStatus ts = ATTACHE__V1__TREATY_STATUS__INIT;
    Attache__V1__TreatyStatus *tsp = &ts;
    Attache__V1__CountryMention c = ATTACHE__V1__COUNTRY_MENTION__INIT;
    Attache__V1__CountryMention *cp = &c;
    Attache__V1__MentionKind kinds[1] = {(Attache__V1__MentionKind)42};
    ts.treaty = "rome_statute";
    ts.status = (Attache__V1__TreatyState)99;
    c.code = "XKX";
    c.n_kinds = 1;
    c.kinds = kinds;
    c.n_treaties = 1;
    c.treaties = &tsp;
    ev.item = &it;
    ev.n_countries = 1;
    ev.countries = &cp;
    assert_int_equal(at_json_event_validate(&ev, NULL, 0), 0);
    out = at_json_event_dump(&ev);
    assert_non_null(strstr(out, "\"kinds\":[\"unspecified\"],\"treaties\":{\"rome_statute\":"
                                "{\"status\":\"unspecified\"}}"));
    free(out);
}

static Attache__V1__Event *pack_unpack_event(const Attache__V1__Event *ev)
{
    size_t n = attache__v1__event__get_packed_size(ev);
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    assert_int_equal(attache__v1__event__pack(ev, buf), n);
    Attache__V1__Event *back = attache__v1__event__unpack(NULL, n, buf);
    free(buf);
    assert_non_null(back);
    return back;
}

static void test_event_protobuf_roundtrip(void **state)
{
    Attache__V1__Event *ev = sample_event();
    Attache__V1__Event *back = pack_unpack_event(ev);
    char err[256];
    if (at_json_event_validate(back, err, sizeof err) != 0)
        fail_msg("%s", err);
    char *out = at_json_event_dump(back);
    assert_string_equal(out, sample_event_json);
    free(out);
    free_event(back);

    /* Parsed item -> event -> wire -> JSON. */
    Attache__V1__NewsItem *item = expect_accept(full_line);
    protobuf_c_message_free_unpacked(&ev->item->base, NULL);
    ev->item = item;
    free(ev->id);
    ev->id = S(item->id);
    back = pack_unpack_event(ev);
    assert_int_equal(at_json_event_validate(back, err, sizeof err), 0);
    char *a = at_json_event_dump(ev), *b = at_json_event_dump(back);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"id\":\"feed-42\",\"url\":\"https://example.org/a\""));
    free(a);
    free(b);
    free_event(back);
    free_event(ev);
}

static void expect_event_invalid(const Attache__V1__Event *ev, const char *want)
{
    char err[256] = "";
    assert_int_equal(at_json_event_validate(ev, err, sizeof err), -1);
    assert_one_line(err);
    if (strcmp(err, want) != 0)
        fail_msg("error \"%s\", wanted \"%s\"", err, want);
}

static void test_event_validate(void **state)
{
    Attache__V1__Event *ev = sample_event();
    assert_int_equal(at_json_event_validate(ev, NULL, 0), 0);

    set(&ev->id, "other");
    expect_event_invalid(ev, "event id differs from item.id");
    set(&ev->id, "");
    expect_event_invalid(ev, "missing id");
    set(&ev->id, "ev-1");

    set(&ev->reference_date, "2024-02-30");
    expect_event_invalid(ev, "reference_date is not a YYYY-MM-DD date");
    set(&ev->reference_date, "2024-09-03");

    Attache__V1__TreatyStatus *ts = ev->countries[0]->treaties[0];
    set(&ts->signed_, "2000-12-29T00:00:00Z");
    expect_event_invalid(ev, "countries[0].treaties[0].signed is not a YYYY-MM-DD date");
    set(&ts->signed_, "2000-12-29");
    set(&ts->withdrawal_effective, "2024-13-01");
    expect_event_invalid(ev,
                         "countries[0].treaties[0].withdrawal_effective is not a YYYY-MM-DD date");
    set(&ts->withdrawal_effective, "");
    set(&ts->source, "bad \xed\xa0\x80");
    expect_event_invalid(ev, "countries[0].treaties[0].source is not valid UTF-8");
    set(&ts->source, "ok");
    set(&ts->treaty, "");
    expect_event_invalid(ev, "countries[0].treaties[0].treaty is empty");
    set(&ts->treaty, "rome_statute");

    /* Two statuses for one treaty cannot be keyed by treaty id. */
    Attache__V1__CountryMention *kaz = ev->countries[1];
    assert_int_equal(kaz->n_treaties, 2); /* rome_statute, npt */
    set(&kaz->treaties[1]->treaty, "rome_statute");
    expect_event_invalid(ev, "countries[1].treaties[1].treaty duplicates treaties[0]");
    set(&kaz->treaties[1]->treaty, "npt");
    assert_int_equal(at_json_event_validate(ev, NULL, 0), 0);
    /* A bound that is not a date. */
    set(&kaz->treaties[1]->in_force_by, "1994-13-01");
    expect_event_invalid(ev, "countries[1].treaties[1].in_force_by is not a YYYY-MM-DD date");
    set(&kaz->treaties[1]->in_force_by, "1994-12-31");
    kaz->n_treaties = AT_JSON_MAX_TREATIES + 1;
    expect_event_invalid(ev, "countries[1].treaties has too many elements (65, limit 64)");
    kaz->n_treaties = 2;

    set(&ev->countries[1]->name, "\xc3\x28");
    expect_event_invalid(ev, "countries[1].name is not valid UTF-8");
    set(&ev->countries[1]->name, "Kazakhstan");

    Attache__V1__ActorMention *a = ev->actors[0];
    set(&a->roles[0]->end, "31/12/2024");
    expect_event_invalid(ev, "actors[0].roles[0].end is not a YYYY-MM-DD date");
    set(&a->roles[0]->end, "");
    set(&a->roles[0]->first_seen, "2012-6-01");
    expect_event_invalid(ev, "actors[0].roles[0].first_seen is not a YYYY-MM-DD date");
    set(&a->roles[0]->first_seen, "");
    set(&a->roles[0]->last_seen, "yesterday");
    expect_event_invalid(ev, "actors[0].roles[0].last_seen is not a YYYY-MM-DD date");
    set(&a->roles[0]->last_seen, "");
    set(&a->warrants[0]->issued, "2023-3-17");
    expect_event_invalid(ev, "actors[0].warrants[0].issued is not a YYYY-MM-DD date");
    set(&a->warrants[0]->issued, "2023-03-17");
    set(&a->warrants[0]->reference, "\xf8\x88\x80\x80\x80");
    expect_event_invalid(ev, "actors[0].warrants[0].reference is not valid UTF-8");
    set(&a->warrants[0]->reference, "ICC-01/22");

    set(&ev->alerts[0]->message, "bad \xff");
    expect_event_invalid(ev, "alerts[0].message is not valid UTF-8");
    set(&ev->alerts[0]->message, "ok");
    set(&ev->locations[0]->place, "\xe0\x80\xaf");
    expect_event_invalid(ev, "locations[0].place is not valid UTF-8");
    set(&ev->locations[0]->place, "Ulaanbaatar");

    set(&ev->item->title, "\xed\xbf\xbf");
    expect_event_invalid(ev, "item.title is not valid UTF-8");
    /* ...and the dump refuses it rather than write broken JSON. */
    assert_null(at_json_event_dump(ev));
    set(&ev->item->title, "Putin visits Mongolia");

    /* Missing pieces. */
    Attache__V1__Location *l = ev->locations[0];
    ev->locations[0] = NULL;
    expect_event_invalid(ev, "locations[0] is missing");
    ev->locations[0] = l;
    size_t n = ev->n_alerts;
    ev->n_alerts = AT_JSON_MAX_LIST + 1;
    expect_event_invalid(ev, "alerts has too many elements (1025, limit 1024)");
    ev->n_alerts = n;
    ev->enriched = -62167219201LL;
    expect_event_invalid(ev, "enriched out of range (-62167219201)");
    ev->enriched = 0;

    Attache__V1__NewsItem *item = ev->item;
    ev->item = NULL;
    expect_event_invalid(ev, "event has no item");
    ev->item = item;
    set(&item->id, "");
    expect_event_invalid(ev, "missing item.id");
    set(&item->id, "ev-1");
    assert_int_equal(at_json_event_validate(ev, NULL, 0), 0);

    expect_event_invalid(NULL, "missing event");
    expect_event_invalid((const Attache__V1__Event *)item, "not an Event message");
    free_event(ev);
}

static void test_event_unpack_hostile(void **state)
{
    Attache__V1__Event *ev = sample_event();
    size_t n = attache__v1__event__get_packed_size(ev);
    uint8_t *wire = malloc(n);
    assert_non_null(wire);
    attache__v1__event__pack(ev, wire);
    free_event(ev);
    uint8_t *frame = malloc(n);
    assert_non_null(frame);
    int valid = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(frame, wire, n);
        size_t len = n;
        for (int k = 0; k < 1 + (int)(rng() % 3); k++)
            frame[rng() % n] = (uint8_t)rng();
        if (rng() % 4 == 0)
            len = (size_t)(rng() % (n + 1));
        Attache__V1__Event *m = attache__v1__event__unpack(NULL, len, frame);
        if (!m)
            continue;
        char err[256];
        if (at_json_event_validate(m, err, sizeof err) == 0) {
            valid++;
            char *out = at_json_event_dump(m);
            assert_non_null(out);
            free(out);
        } else {
            assert_one_line(err);
        }
        free_event(m);
    }
    assert_true(valid > 0);
    free(frame);
    free(wire);
}

static void test_enum_names(void **state)
{
    static const char *const states[] = {"unspecified",
                                         "party",
                                         "party_withdrawal_pending",
                                         "consented_not_in_force",
                                         "signatory",
                                         "signature_withdrawn",
                                         "withdrawn",
                                         "non_signatory"};
    for (int i = 0; i < 8; i++)
        assert_string_equal(at_json_treaty_state_name((Attache__V1__TreatyState)i), states[i]);
    assert_string_equal(at_json_treaty_state_name((Attache__V1__TreatyState)8), "unspecified");
    assert_string_equal(at_json_treaty_state_name((Attache__V1__TreatyState)-1), "unspecified");

    static const char *const sev[] = {"unspecified", "info", "notice", "warning", "critical"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(at_json_severity_name((Attache__V1__Severity)i), sev[i]);
    assert_string_equal(at_json_severity_name((Attache__V1__Severity)5), "unspecified");

    static const char *const kinds[] = {"unspecified", "name", "demonym",
                                        "capital",     "city", "abbreviation"};
    for (int i = 0; i < 6; i++)
        assert_string_equal(at_json_mention_kind_name((Attache__V1__MentionKind)i), kinds[i]);
    assert_string_equal(at_json_mention_kind_name((Attache__V1__MentionKind)6), "unspecified");
    assert_string_equal(at_json_mention_kind_name((Attache__V1__MentionKind)-7), "unspecified");
}

/* --- dump: escaping, sizes, repeated ids, allocation failure ---------------
 *
 * The dumps write JSON by hand (not through a jansson tree), promising the
 * bytes json_dumps(..., JSON_COMPACT | JSON_PRESERVE_ORDER) printed. These
 * tests pin the escaping rules as literals and also hold every string to
 * jansson's own rendering of it. */

/* Bytes test_event_dump_minimal's event renders around its title. */
#define MIN_HEAD "{\"id\":\"x\",\"url\":\"u\",\"title\":"
#define MIN_TAIL                                                                                   \
    ",\"published\":null,\"source\":\"\",\"fetched\":null,\"reference_date\":null,"                \
    "\"data_version\":\"\",\"countries\":[],\"actors\":[],\"locations\":[],\"alerts\":[]}"

/* The minimal event with `title`, dumped (NULL if the dump fails). */
static char *dump_title(const char *title)
{
    Attache__V1__NewsItem it = ATTACHE__V1__NEWS_ITEM__INIT;
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    it.id = "x";
    it.url = "u";
    it.title = (char *)title;
    ev.id = "x";
    ev.item = &it;
    return at_json_event_dump(&ev);
}

/* The title must render as the JSON string `want` (quotes included). */
static void expect_title(const char *title, const char *want)
{
    char *out = dump_title(title);
    if (!out)
        fail_msg("dump failed for a title that should render as %s", want);
    size_t hl = strlen(MIN_HEAD), wl = strlen(want);
    if (strncmp(out, MIN_HEAD, hl) != 0 || strncmp(out + hl, want, wl) != 0 ||
        strcmp(out + hl + wl, MIN_TAIL) != 0)
        fail_msg("title rendered as %.200s, wanted %.200s", out + hl, want);
    free(out);
}

/* What jansson's json_dumps makes of s as a string, or NULL where
 * json_string refuses it (not UTF-8). Caller frees. */
static char *jansson_string(const char *s)
{
    json_t *j = json_string(s);
    if (!j)
        return NULL;
    char *d = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    assert_non_null(d);
    return d;
}

/* The dump of s agrees with jansson: the same bytes, or both refuse. */
static void expect_like_jansson(const char *s)
{
    char *want = jansson_string(s);
    if (want) {
        expect_title(s, want);
        free(want);
    } else {
        char *out = dump_title(s);
        if (out)
            fail_msg("dump accepted a string jansson refuses: %.200s", out);
    }
}

static void test_dump_escaping(void **state)
{
    /* Every control character. */
    static const char *const ctl[0x20] = {
        NULL,      "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b",     "\\t",     "\\n",     "\\u000B", "\\f",     "\\r",     "\\u000E", "\\u000F",
        "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001A", "\\u001B", "\\u001C", "\\u001D", "\\u001E", "\\u001F"};
    for (int c = 1; c < 0x20; c++) {
        char in[4] = {'a', (char)c, 'b', 0}, want[16];
        snprintf(want, sizeof want, "\"a%sb\"", ctl[c]);
        expect_title(in, want);
    }
    /* Quote and backslash are escaped; '/', DEL and all other ASCII not. */
    expect_title("\"", "\"\\\"\"");
    expect_title("\\", "\"\\\\\"");
    expect_title("a/b</script>", "\"a/b</script>\"");
    expect_title("\x7f", "\"\x7f\"");
    expect_title(" ~!#$%&'()*+,-.:;<=>?@[]^_`{|}", "\" ~!#$%&'()*+,-.:;<=>?@[]^_`{|}\"");
    expect_title("", "\"\"");
    /* UTF-8 is written as is, U+2028/U+2029 included (JSON allows them;
     * JavaScript before ES2019 did not, which is the reader's business). */
    expect_title("\xe2\x80\xa8\xe2\x80\xa9", "\"\xe2\x80\xa8\xe2\x80\xa9\"");
    expect_title("\xc2\x80\xdf\xbf", "\"\xc2\x80\xdf\xbf\"");                 /* U+0080, U+07FF */
    expect_title("\xe0\xa0\x80\xef\xbf\xbf", "\"\xe0\xa0\x80\xef\xbf\xbf\""); /* U+0800, U+FFFF */
    expect_title("\xed\x9f\xbf\xee\x80\x80", "\"\xed\x9f\xbf\xee\x80\x80\""); /* U+D7FF, U+E000 */
    expect_title("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");                 /* U+1F600, 4 bytes */
    expect_title("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");
    /* Not UTF-8: the dump fails rather than write it. */
    static const char *const bad[] = {"\x80",
                                      "\xbf",
                                      "\xc0\xaf",
                                      "\xc1\xbf",
                                      "\xc2",
                                      "\xe0\x80\xaf",
                                      "\xe0\x9f\xbf",
                                      "\xed\xa0\x80",
                                      "\xed\xbf\xbf",
                                      "\xe2\x80",
                                      "\xf0\x8f\xbf\xbf",
                                      "\xf4\x90\x80\x80",
                                      "\xf5\x80\x80\x80",
                                      "\xf0\x9f\x98",
                                      "\xfe",
                                      "\xff",
                                      "ok \xc3\x28",
                                      "0123456789\xe2\x28\xa1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = dump_title(bad[i]);
        if (out)
            fail_msg("bad UTF-8 #%zu rendered: %s", i, out);
    }

    /* Every byte value, alone and at every position of strings of 1..24
     * bytes (the escaper looks at 8 bytes at a time), against jansson. */
    char s[64];
    for (int c = 1; c < 0x100; c++) {
        for (size_t len = 1; len <= 24; len++) {
            for (size_t pos = 0; pos < len; pos++) {
                memset(s, 'x', len);
                s[len] = '\0';
                s[pos] = (char)c;
                expect_like_jansson(s);
            }
        }
    }
    /* Multibyte characters straddling the 8-byte steps, and cut off. */
    static const char *const mb[] = {"\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80"};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(mb[k]);
        for (size_t len = n; len <= 24; len++) {
            for (size_t pos = 0; pos + n <= len; pos++) {
                memset(s, 'y', len);
                s[len] = '\0';
                memcpy(s + pos, mb[k], n);
                expect_like_jansson(s);
                s[pos + n - 1] = 'z'; /* truncated sequence */
                expect_like_jansson(s);
            }
        }
    }
}

/* A growing string for building expected output. */
typedef struct {
    char *s;
    size_t len, cap;
} sb_t;

static void sb_add(sb_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_addf(sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_addf(sb_t *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof tmp);
    sb_add(b, tmp, (size_t)n);
}

static void test_dump_long_strings(void **state)
{
    /* A body of AT_JSON_MAX_STRING bytes made of a 16-byte unit with
     * something of every kind. */
    static const char unit[] = "ab\"\\\n\x01/\x7f\xe2\x80\xa8\xf0\x9f\x98\x80!";
    static const char unit_json[] = "ab\\\"\\\\\\n\\u0001/\x7f\xe2\x80\xa8\xf0\x9f\x98\x80!";
    size_t ul = sizeof unit - 1, n = AT_JSON_MAX_STRING / ul;
    assert_int_equal(ul, 16);
    char *body = malloc(n * ul + 1);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++)
        memcpy(body + i * ul, unit, ul);
    body[n * ul] = '\0';
    sb_t want = {0};
    sb_add(&want, "\"", 1);
    for (size_t i = 0; i < n; i++)
        sb_add(&want, unit_json, sizeof unit_json - 1);
    sb_add(&want, "\"", 1);
    expect_title(body, want.s);

    /* Only escapes: the output is 6 times the input and the buffer has to
     * grow several times past its first guess. */
    memset(body, 0x1f, n * ul);
    want.len = 0;
    sb_add(&want, "\"", 1);
    for (size_t i = 0; i < n * ul; i++)
        sb_add(&want, "\\u001F", 6);
    sb_add(&want, "\"", 1);
    expect_title(body, want.s);

    /* One bad byte at the very end of a long string still fails the dump. */
    memset(body, 'a', n * ul);
    body[n * ul - 1] = '\xc3';
    assert_null(dump_title(body));
    free(body);
    free(want.s);
}

/* An event with AT_JSON_MAX_LIST of everything: countries with
 * AT_JSON_MAX_TREATIES treaties, actors with roles and warrants,
 * locations, alerts. Checked byte for byte against a rendering built
 * here. */
static void test_dump_huge_lists(void **state)
{
    const size_t n = AT_JSON_MAX_LIST, nt = AT_JSON_MAX_TREATIES;
    char buf[64];
    Attache__V1__Event *ev = malloc(sizeof *ev);
    assert_non_null(ev);
    attache__v1__event__init(ev);
    ev->id = S("big");
    Attache__V1__NewsItem *it = malloc(sizeof *it);
    assert_non_null(it);
    attache__v1__news_item__init(it);
    it->id = S("big");
    it->url = S("u");
    it->n_authors = n;
    it->authors = array_of(n, sizeof *it->authors);
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "author \"%zu\"", i);
        it->authors[i] = S(buf);
    }
    ev->item = it;
    ev->n_countries = ev->n_actors = ev->n_locations = ev->n_alerts = n;
    ev->countries = array_of(n, sizeof *ev->countries);
    ev->actors = array_of(n, sizeof *ev->actors);
    ev->locations = array_of(n, sizeof *ev->locations);
    ev->alerts = array_of(n, sizeof *ev->alerts);
    for (size_t i = 0; i < n; i++) {
        Attache__V1__CountryMention *c = malloc(sizeof *c);
        assert_non_null(c);
        attache__v1__country_mention__init(c);
        snprintf(buf, sizeof buf, "C%zu", i);
        c->code = S(buf);
        c->mentions = (uint32_t)i * 4000000u; /* up to 4092000000 */
        c->first_offset = UINT32_MAX - (uint32_t)i;
        c->in_title = (int)(i & 1);
        c->n_kinds = 1;
        c->kinds = array_of(1, sizeof *c->kinds);
        c->kinds[0] = ATTACHE__V1__MENTION_KIND__MENTION_KIND_CITY;
        c->n_treaties = nt;
        c->treaties = array_of(nt, sizeof *c->treaties);
        for (size_t k = 0; k < nt; k++) {
            Attache__V1__TreatyStatus *t = malloc(sizeof *t);
            assert_non_null(t);
            attache__v1__treaty_status__init(t);
            snprintf(buf, sizeof buf, "t%zu", k);
            t->treaty = S(buf);
            t->status = ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATORY;
            c->treaties[k] = t;
        }
        ev->countries[i] = c;

        Attache__V1__ActorMention *a = malloc(sizeof *a);
        assert_non_null(a);
        attache__v1__actor_mention__init(a);
        snprintf(buf, sizeof buf, "Q%zu", i);
        a->id = S(buf);
        a->n_roles = 2;
        a->roles = array_of(2, sizeof *a->roles);
        for (size_t k = 0; k < 2; k++) {
            a->roles[k] = malloc(sizeof *a->roles[k]);
            assert_non_null(a->roles[k]);
            attache__v1__role__init(a->roles[k]);
            a->roles[k]->role = S(k ? "minister" : "head_of_state");
        }
        a->n_warrants = 1;
        a->warrants = array_of(1, sizeof *a->warrants);
        a->warrants[0] = malloc(sizeof *a->warrants[0]);
        assert_non_null(a->warrants[0]);
        attache__v1__warrant__init(a->warrants[0]);
        a->warrants[0]->court = S("ICC");
        ev->actors[i] = a;

        Attache__V1__Location *l = malloc(sizeof *l);
        assert_non_null(l);
        attache__v1__location__init(l);
        l->code = S(buf);
        ev->locations[i] = l;

        Attache__V1__Alert *al = malloc(sizeof *al);
        assert_non_null(al);
        attache__v1__alert__init(al);
        al->rule = S("r");
        al->severity = ATTACHE__V1__SEVERITY__SEVERITY_INFO;
        ev->alerts[i] = al;
    }
    char err[256];
    if (at_json_event_validate(ev, err, sizeof err) != 0)
        fail_msg("%s", err);

    sb_t want = {0};
    sb_addf(&want,
            "{\"id\":\"big\",\"url\":\"u\",\"title\":\"\",\"published\":null,\"source\":\"\","
            "\"fetched\":null,\"reference_date\":null,\"data_version\":\"\",\"countries\":[");
    for (size_t i = 0; i < n; i++) {
        sb_addf(&want,
                "%s{\"code\":\"C%zu\",\"name\":\"\",\"mentions\":%u,\"first_offset\":%u,"
                "\"in_title\":%s,\"kinds\":[\"city\"],\"treaties\":{",
                i ? "," : "", i, (unsigned)i * 4000000u, UINT32_MAX - (unsigned)i,
                i & 1 ? "true" : "false");
        for (size_t k = 0; k < nt; k++)
            sb_addf(&want, "%s\"t%zu\":{\"status\":\"signatory\"}", k ? "," : "", k);
        sb_addf(&want, "}}");
    }
    sb_addf(&want, "],\"actors\":[");
    for (size_t i = 0; i < n; i++)
        sb_addf(&want,
                "%s{\"id\":\"Q%zu\",\"name\":\"\",\"country\":\"\",\"mentions\":0,\"roles\":["
                "{\"role\":\"head_of_state\",\"country\":\"\",\"title\":\"\"},{\"role\":"
                "\"minister\",\"country\":\"\",\"title\":\"\"}],\"warrants\":[{\"court\":\"ICC\","
                "\"status\":\"\",\"reference\":\"\",\"source\":\"\"}]}",
                i ? "," : "", i);
    sb_addf(&want, "],\"locations\":[");
    for (size_t i = 0; i < n; i++)
        sb_addf(&want, "%s{\"code\":\"Q%zu\",\"place\":\"\",\"basis\":\"\"}", i ? "," : "", i);
    sb_addf(&want, "],\"alerts\":[");
    for (size_t i = 0; i < n; i++)
        sb_addf(&want,
                "%s{\"rule\":\"r\",\"actor\":\"\",\"country\":\"\",\"severity\":\"info\","
                "\"message\":\"\"}",
                i ? "," : "");
    sb_addf(&want, "]}");
    char *out = at_json_event_dump(ev);
    assert_non_null(out);
    assert_int_equal(strlen(out), want.len);
    assert_string_equal(out, want.s);
    free(out);

    /* The item's 1024 authors, through at_json_item_dump. */
    want.len = 0;
    sb_addf(&want,
            "{\"id\":\"big\",\"url\":\"u\",\"title\":\"\",\"published\":null,\"source\":\"\","
            "\"authors\":[");
    for (size_t i = 0; i < n; i++)
        sb_addf(&want, "%s\"author \\\"%zu\\\"\"", i ? "," : "", i);
    sb_addf(&want, "],\"categories\":[],\"fetched\":null}");
    out = at_json_item_dump(it);
    assert_non_null(out);
    assert_string_equal(out, want.s);
    free(out);
    free(want.s);
    free_event(ev);
}

/* Hand-built (unvalidated) shapes: NULL elements, empty strings
 * everywhere, repeated treaty ids. */
static void test_dump_odd_shapes(void **state)
{
    Attache__V1__NewsItem it = ATTACHE__V1__NEWS_ITEM__INIT;
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    it.id = "x";
    ev.id = "x";
    ev.item = &it;
    ev.reference_date = "";

    /* NULL elements of message lists are skipped, commas and all. */
    Attache__V1__CountryMention c = ATTACHE__V1__COUNTRY_MENTION__INIT;
    Attache__V1__CountryMention *cs[3] = {NULL, &c, NULL};
    Attache__V1__Location l = ATTACHE__V1__LOCATION__INIT;
    Attache__V1__Location *ls[3] = {&l, NULL, &l};
    Attache__V1__TreatyStatus t0 = ATTACHE__V1__TREATY_STATUS__INIT;
    Attache__V1__TreatyStatus *ts[2] = {NULL, &t0};
    t0.treaty = ""; /* an empty key is still a key */
    c.n_treaties = 2;
    c.treaties = ts;
    ev.n_countries = 3;
    ev.countries = cs;
    ev.n_locations = 3;
    ev.locations = ls;
    ev.n_actors = 2; /* a count without its array renders [] */
    char *out = at_json_event_dump(&ev);
    assert_string_equal(out, "{\"id\":\"x\",\"url\":\"\",\"title\":\"\",\"published\":null,"
                             "\"source\":\"\",\"fetched\":null,\"reference_date\":null,"
                             "\"data_version\":\"\",\"countries\":[{\"code\":\"\",\"name\":\"\","
                             "\"mentions\":0,\"first_offset\":0,\"in_title\":false,\"kinds\":[],"
                             "\"treaties\":{\"\":{\"status\":\"unspecified\"}}}],\"actors\":[],"
                             "\"locations\":[{\"code\":\"\",\"place\":\"\",\"basis\":\"\"},"
                             "{\"code\":\"\",\"place\":\"\",\"basis\":\"\"}],\"alerts\":[]}");
    free(out);

    /* A repeated treaty id keeps its first position and its last value,
     * as a JSON object built key by key does. Short lists take the
     * pairwise path, lists longer than AT_JSON_MAX_TREATIES the sorted
     * one; both must agree. Treaty i has id "t<i % 5>" and source "s<i>",
     * and treaty 1 is missing, so the output has t0, t2, t3, t4, t1 (the
     * order of first occurrence) with the sources of the last five. */
    static const size_t counts[] = {7, 10, AT_JSON_MAX_TREATIES, AT_JSON_MAX_TREATIES + 1, 203};
    for (size_t r = 0; r < sizeof counts / sizeof counts[0]; r++) {
        size_t nt = counts[r];
        Attache__V1__TreatyStatus **tl = array_of(nt, sizeof *tl);
        char ids[5][4], src[256][24];
        for (size_t i = 0; i < 5; i++)
            snprintf(ids[i], sizeof ids[i], "t%zu", i);
        for (size_t i = 0; i < nt; i++) {
            tl[i] = malloc(sizeof *tl[i]);
            assert_non_null(tl[i]);
            attache__v1__treaty_status__init(tl[i]);
            snprintf(src[i], sizeof src[i], "s%zu", i);
            tl[i]->treaty = ids[i % 5];
            tl[i]->source = src[i];
        }
        free(tl[1]); /* a hole, too */
        tl[1] = NULL;
        c.n_treaties = nt;
        c.treaties = tl;
        ev.n_countries = 1;
        ev.countries = &cs[1];
        sb_t want = {0};
        sb_addf(&want, "\"treaties\":{");
        static const size_t order[5] = {0, 2, 3, 4, 1};
        for (size_t k = 0; k < 5; k++) {
            size_t last = nt - 1;
            while (last % 5 != order[k])
                last--;
            sb_addf(&want, "%s\"t%zu\":{\"status\":\"unspecified\",\"source\":\"s%zu\"}",
                    k ? "," : "", order[k], last);
        }
        sb_addf(&want, "}}]");
        out = at_json_event_dump(&ev);
        assert_non_null(out);
        if (!strstr(out, want.s))
            fail_msg("%zu treaties: %s\nlacks %s", nt, out, want.s);
        free(out);
        /* A replaced value is not written, but a bad string in it still
         * fails the dump, as building the tree did. */
        tl[0]->source = "\xff";
        assert_null(at_json_event_dump(&ev));
        tl[0]->source = src[0];
        tl[2]->treaty = "\xc3";
        assert_null(at_json_event_dump(&ev));
        free(want.s);
        for (size_t i = 0; i < nt; i++)
            free(tl[i]);
        free(tl);
    }
}

/* Out of memory: the dumps return NULL and the process goes on. Address
 * space is limited in a child process so that the output buffer cannot
 * get its memory. (fuzz_oom fails each allocation in turn, and checks for
 * leaks, on every dump path.) */
#if defined(__SANITIZE_ADDRESS__)
#define AT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AT_TEST_ASAN 1
#endif
#endif

#ifndef AT_TEST_ASAN
static size_t address_space_in_use(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu", &pages) != 1)
        pages = 0;
    fclose(f);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

static void test_dump_out_of_memory(void **state)
{
#ifdef AT_TEST_ASAN
    skip(); /* ASan needs its address space, and dies rather than fail malloc */
#else
    size_t big = 64u << 20;
    char *body = malloc(big + 1);
    assert_non_null(body);
    Attache__V1__NewsItem it = ATTACHE__V1__NEWS_ITEM__INIT;
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    it.id = ev.id = "x";
    it.body = body;
    ev.item = &it;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        size_t used = address_space_in_use();
        struct rlimit rl;
        if (used == 0 || getrlimit(RLIMIT_AS, &rl) != 0)
            _exit(10);
        struct rlimit lim = {used + (40u << 20), rl.rlim_max};
        if (setrlimit(RLIMIT_AS, &lim) != 0)
            _exit(11);
        /* The first guess at the size cannot be had (64 MiB of plain text). */
        memset(body, 'a', big);
        body[big] = '\0';
        if (at_json_event_dump(&ev) || at_json_item_dump(&it))
            _exit(12);
        /* The first guess fits, growing it does not: 16 MiB of control
         * characters need 96 MiB. */
        body[16u << 20] = '\0';
        memset(body, '\x01', 16u << 20);
        if (at_json_event_dump(&ev) || at_json_item_dump(&it))
            _exit(13);
        /* Nothing was left broken: with room again, the same dump works. */
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(14);
        char *out = at_json_event_dump(&ev);
        if (!out || strlen(out) < 6 * (16u << 20))
            _exit(15);
        free(out);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free(body);
#endif
}

/* at_json_get_string and at_json_set_field, as at_ninjs uses them. */
static void test_shared_reader(void **state)
{
    (void)state;
    json_t *obj = json_loads("{\"a\": \"xyz\", \"n\": null, \"i\": 3, \"z\": \"a\\u0000b\"}",
                             JSON_ALLOW_NUL, NULL);
    assert_non_null(obj);
    const char *s;
    size_t len;
    char err[128];
    assert_int_equal(at_json_get_string(obj, "a", "a", 10, &s, &len, err, sizeof err), 1);
    assert_string_equal(s, "xyz");
    assert_int_equal(len, 3);
    assert_int_equal(at_json_get_string(obj, "n", "n", 10, &s, &len, err, sizeof err), 0);
    assert_null(s);
    assert_int_equal(at_json_get_string(obj, "absent", "absent", 10, &s, &len, err, sizeof err), 0);
    assert_int_equal(at_json_get_string(obj, "i", "x[0].i", 10, &s, &len, err, sizeof err), -1);
    assert_string_equal(err, "x[0].i must be a string");
    assert_int_equal(at_json_get_string(obj, "z", "z", 10, &s, &len, err, sizeof err), -1);
    assert_string_equal(err, "z contains a NUL character");
    assert_int_equal(at_json_get_string(obj, "a", "a", 2, &s, &len, err, sizeof err), -1);
    assert_string_equal(err, "a too long (3 bytes, limit 2)");
    json_decref(obj);

    char *field = (char *)protobuf_c_empty_string;
    at_json_set_field(&field, S("one"));
    at_json_set_field(&field, S("two")); /* frees "one" */
    assert_string_equal(field, "two");
    free(field);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_item_id),
        cmocka_unit_test(test_parse_minimal),
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_parse_fast_path),
        cmocka_unit_test(test_parse_len_bounded),
        cmocka_unit_test(test_parse_rejects_shape),
        cmocka_unit_test(test_parse_rejects_published),
        cmocka_unit_test(test_parse_rejects_encoding),
        cmocka_unit_test(test_parse_rejects_oversized),
        cmocka_unit_test(test_parse_err_buffer),
        cmocka_unit_test(test_parse_mutations),
        cmocka_unit_test(test_item_dump),
        cmocka_unit_test(test_item_protobuf_roundtrip),
        cmocka_unit_test(test_item_validate),
        cmocka_unit_test(test_item_unpack_hostile),
        cmocka_unit_test(test_event_dump),
        cmocka_unit_test(test_event_dump_minimal),
        cmocka_unit_test(test_event_protobuf_roundtrip),
        cmocka_unit_test(test_event_validate),
        cmocka_unit_test(test_event_unpack_hostile),
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test(test_dump_escaping),
        cmocka_unit_test(test_dump_long_strings),
        cmocka_unit_test(test_dump_huge_lists),
        cmocka_unit_test(test_dump_odd_shapes),
        cmocka_unit_test(test_dump_out_of_memory),
        cmocka_unit_test(test_shared_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
