/*
 * test_at_json.c: unit tests for at_json, the JSON input/output contracts
 * (docs/json.md) and the validation of decoded protobuf messages.
 *
 * Covers: the input contract (accepted shapes, every rejection reason),
 * wrongly encoded input (invalid UTF-8, overlong forms, surrogates, NUL),
 * oversized and deeply nested input, randomly mutated lines, the exact
 * output strings of both dumps, and round trips through protobuf
 * (parse -> pack -> unpack -> validate -> dump).
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
    kaz->n_treaties = 1;
    kaz->treaties = array_of(1, sizeof *kaz->treaties);
    ts = malloc(sizeof *ts);
    assert_non_null(ts);
    attache__v1__treaty_status__init(ts);
    ts->treaty = S("rome_statute");
    ts->status = ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY;
    kaz->treaties[0] = ts;
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
    "}}],\"actors\":[{\"id\":\"Q7747\",\"name\":\"Vladimir Putin\",\"country\":\"RUS\","
    "\"mentions\":2,\"roles\":[{\"role\":\"head_of_state\",\"country\":\"RUS\",\"title\":"
    "\"President of Russia\",\"start\":\"2012-05-07\"}],\"warrants\":[{\"court\":\"ICC\","
    "\"issued\":\"2023-03-17\",\"status\":\"outstanding\",\"reference\":\"ICC-01/22\","
    "\"source\":\"icc-cpi.int\"}]}],\"locations\":[{\"code\":\"MNG\",\"place\":\"Ulaanbaatar\","
    "\"basis\":\"dateline\"}],\"alerts\":[{\"rule\":\"warrant_exposure\",\"actor\":\"Q7747\","
    "\"country\":\"MNG\",\"severity\":\"critical\",\"message\":\"Q7747 (ICC warrant 2023-03-17) "
    "in MNG, a Rome Statute party\"}]}";

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

/* Replace a malloc'd string field of the sample event. */
static void set(char **field, const char *value)
{
    if (*field != protobuf_c_empty_string)
        free(*field);
    *field = S(value);
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
    kaz->treaties = realloc(kaz->treaties, 2 * sizeof *kaz->treaties);
    assert_non_null(kaz->treaties);
    kaz->treaties[1] = malloc(sizeof *kaz->treaties[1]);
    assert_non_null(kaz->treaties[1]);
    attache__v1__treaty_status__init(kaz->treaties[1]);
    kaz->treaties[1]->treaty = S("rome_statute");
    kaz->n_treaties = 2;
    expect_event_invalid(ev, "countries[1].treaties[1].treaty duplicates treaties[0]");
    set(&kaz->treaties[1]->treaty, "other_treaty");
    assert_int_equal(at_json_event_validate(ev, NULL, 0), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_item_id),
        cmocka_unit_test(test_parse_minimal),
        cmocka_unit_test(test_parse_full),
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
