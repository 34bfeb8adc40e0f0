/*
 * test_at_url.c: unit tests for at_url, reference resolution and
 * canonical URLs (docs/feeds.md "Normalization").
 *
 * Covers: the normal and abnormal examples of RFC 3986 section 5.4
 * (including the "" and "#f" references curl resolves differently),
 * xml:base chains, references with whitespace and non-ASCII bytes,
 * schemes other than http(s), canonical form (case, default ports,
 * IPv6 literals, user info, fragments, tracking parameters and the query
 * left empty, escapes), idempotence, limits, hosts, and that item ids are
 * at_json_item_id's.
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
#include "at_url.h"

/* at_url_resolve(base, ref) must be `want` (NULL: must fail). */
static void expect_resolve(const char *base, const char *ref, const char *want)
{
    char *got = at_url_resolve(base, ref);
    if (!want) {
        if (got)
            fail_msg("resolve(%s, \"%s\") = %s, expected NULL", base ? base : "NULL", ref, got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fail_msg("resolve(%s, \"%s\") = %s, expected %s", base ? base : "NULL", ref,
                 got ? got : "NULL", want);
    free(got);
}

static void expect_canon(const char *base, const char *ref, const char *want)
{
    char *got = at_url_canonical(base, ref);
    if (!want) {
        if (got)
            fail_msg("canonical(%s, \"%s\") = %s, expected NULL", base ? base : "NULL", ref, got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fail_msg("canonical(%s, \"%s\") = %s, expected %s", base ? base : "NULL", ref,
                 got ? got : "NULL", want);
    /* Canonical form is a fixed point. */
    char *again = at_url_canonical(NULL, got);
    if (!again || strcmp(again, got) != 0)
        fail_msg("canonical(%s) = %s: not idempotent", got, again ? again : "NULL");
    free(again);
    free(got);
}

/* RFC 3986 5.4.1 and 5.4.2, base "http://a/b/c/d;p?q" (the "g:h" example
 * is another scheme, which at_url refuses by design). */
static void test_rfc3986_examples(void **state)
{
    (void)state;
    static const char *const ex[][2] = {
        {"g", "http://a/b/c/g"},
        {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"},
        {"//g", "http://g/"},
        {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},
        {"#s", "http://a/b/c/d;p?q#s"},
        {"g#s", "http://a/b/c/g#s"},
        {"g?y#s", "http://a/b/c/g?y#s"},
        {";x", "http://a/b/c/;x"},
        {"g;x", "http://a/b/c/g;x"},
        {"g;x?y#s", "http://a/b/c/g;x?y#s"},
        {"", "http://a/b/c/d;p?q"},
        {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},
        {"..", "http://a/b/"},
        {"../", "http://a/b/"},
        {"../g", "http://a/b/g"},
        {"../..", "http://a/"},
        {"../../", "http://a/"},
        {"../../g", "http://a/g"},
        {"../../../g", "http://a/g"},
        {"../../../../g", "http://a/g"},
        {"/./g", "http://a/g"},
        {"/../g", "http://a/g"},
        {"g.", "http://a/b/c/g."},
        {".g", "http://a/b/c/.g"},
        {"g..", "http://a/b/c/g.."},
        {"..g", "http://a/b/c/..g"},
        {"./../g", "http://a/b/g"},
        {"./g/.", "http://a/b/c/g/"},
        {"g/./h", "http://a/b/c/g/h"},
        {"g/../h", "http://a/b/c/h"},
        {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
        {"g;x=1/../y", "http://a/b/c/y"},
        {"g?y/./x", "http://a/b/c/g?y/./x"},
        {"g?y/../x", "http://a/b/c/g?y/../x"},
        {"g#s/./x", "http://a/b/c/g#s/./x"},
        {"g#s/../x", "http://a/b/c/g#s/../x"},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++)
        expect_resolve("http://a/b/c/d;p?q", ex[i][0], ex[i][1]);
    expect_resolve("http://a/b/c/d;p?q", "g:h", NULL);
}

/* The reference forms feeds use, against a realistic base. */
static void test_relative_forms(void **state)
{
    (void)state;
    const char *base = "https://news.example.org/world/europe/story.html?x=1#top";
    expect_canon(base, "../asia/other.html", "https://news.example.org/world/asia/other.html");
    expect_canon(base, "//cdn.example.net/img/a.jpg", "https://cdn.example.net/img/a.jpg");
    expect_canon(base, "?page=2", "https://news.example.org/world/europe/story.html?page=2");
    expect_canon(base, "#comments", "https://news.example.org/world/europe/story.html?x=1");
    expect_canon(base, "", "https://news.example.org/world/europe/story.html?x=1");
    expect_canon(base, "/", "https://news.example.org/");
    expect_canon(base, "next.html", "https://news.example.org/world/europe/next.html");
    expect_resolve(base, "#comments",
                   "https://news.example.org/world/europe/story.html?x=1#comments");
    expect_resolve(base, "", "https://news.example.org/world/europe/story.html?x=1");
    /* An xml:base chain: each level resolved against the one above. */
    char *b1 = at_url_resolve("http://example.com/feed/atom.xml", "/blog/");
    char *b2 = at_url_resolve(b1, "2024/");
    expect_canon(b2, "post-1.html", "http://example.com/blog/2024/post-1.html");
    free(b1);
    free(b2);
    /* No base: a relative reference cannot be resolved. */
    expect_canon(NULL, "/x/y", NULL);
    expect_canon(NULL, "x", NULL);
    expect_canon(NULL, "", NULL);
    expect_canon(NULL, "//host.example/x", NULL);
}

static void test_messy_references(void **state)
{
    (void)state;
    /* Surrounding whitespace, and a link wrapped over lines. */
    expect_canon(NULL, "  \n\thttp://example.com/a\n  ", "http://example.com/a");
    expect_canon(NULL, "http://example.com/very/long/\n/path",
                 "http://example.com/very/long//path");
    /* Spaces and non-ASCII bytes are escaped, in uppercase hex. */
    expect_canon("http://example.com/", "a b/caf\xc3\xa9?q=\xc3\xa9 t",
                 "http://example.com/a%20b/caf%C3%A9?q=%C3%A9%20t");
    /* A '%' that starts no escape is escaped itself. */
    expect_canon(NULL, "http://example.com/100%?q=50%", "http://example.com/100%25?q=50%25");
    /* Control characters other than tab/newline make it unusable. */
    expect_canon(NULL,
                 "http://example.com/a\x01"
                 "b",
                 NULL);
    expect_canon(NULL, "http://example.com/a\x7f", NULL);
}

static void test_schemes(void **state)
{
    (void)state;
    const char *base = "http://example.com/a/";
    expect_canon(base, "javascript:alert(1)", NULL);
    expect_canon(base, "mailto:editor@example.com", NULL);
    expect_canon(base, "tag:example.com,2024:entry-1", NULL);
    expect_canon(base, "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", NULL);
    expect_canon(base, "ftp://example.com/file", NULL);
    expect_canon(base, "data:text/html,hi", NULL);
    expect_canon("file:///etc/", "passwd", NULL);
    expect_canon(NULL, "HTTPS://Example.com/x", "https://example.com/x");
    expect_canon(base, "HTTP://other.example/", "http://other.example/");
    /* No host. (curl reads "http:///x" as host "x", as browsers do.) */
    expect_canon(NULL, "http://", NULL);
    expect_canon(NULL, "http://:80/x", NULL);
    expect_canon(NULL, "http:///x", "http://x/");
}

static void test_canonical_form(void **state)
{
    (void)state;
    /* Case: scheme and host lower, path untouched. */
    expect_canon(NULL, "HTTP://News.Example.COM/World/Story",
                 "http://news.example.com/World/Story");
    /* Default ports dropped, others kept. */
    expect_canon(NULL, "http://example.com:80/a", "http://example.com/a");
    expect_canon(NULL, "https://example.com:443/a", "https://example.com/a");
    expect_canon(NULL, "http://example.com:443/a", "http://example.com:443/a");
    expect_canon(NULL, "https://example.com:8443/a", "https://example.com:8443/a");
    /* Empty path is "/". */
    expect_canon(NULL, "https://example.com", "https://example.com/");
    expect_canon(NULL, "https://example.com?", "https://example.com/");
    /* Fragments and credentials go. */
    expect_canon(NULL, "https://example.com/a#section-2", "https://example.com/a");
    expect_canon(NULL, "https://user:secret@example.com/a", "https://example.com/a");
    /* Dot segments. */
    expect_canon(NULL, "https://example.com/a/./b/../c", "https://example.com/a/c");
    /* Escapes: uppercase hex; unreserved characters decoded; reserved
     * ones kept escaped. */
    expect_canon(NULL, "https://example.com/%7euser/%41%2f%3a",
                 "https://example.com/~user/A%2F%3A");
    /* IPv6 literals. */
    expect_canon(NULL, "http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x");
    expect_canon(NULL, "http://[::1]:8080/x", "http://[::1]:8080/x");
    expect_canon("http://[2001:db8::1]/a/b", "../c", "http://[2001:db8::1]/c");
}

static void test_tracking_parameters(void **state)
{
    (void)state;
    expect_canon(NULL, "https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x",
                 "https://example.com/a");
    expect_canon(NULL, "https://example.com/a?id=7&utm_source=rss&page=2&fbclid=IwAR0x",
                 "https://example.com/a?id=7&page=2");
    expect_canon(NULL,
                 "https://example.com/a?gclid=1&dclid=2&msclkid=3&mc_cid=4&mc_eid=5&yclid=6&"
                 "_ga=7&igshid=8&UTM_Content=9",
                 "https://example.com/a");
    /* Order of the others kept; empty segments dropped; bare names kept. */
    expect_canon(NULL, "https://example.com/a?z=1&&a=2&utm_term=q&flag&m=",
                 "https://example.com/a?z=1&a=2&flag&m=");
    /* Lookalikes are not trackers. */
    expect_canon(NULL, "https://example.com/a?utm=1&xfbclid=2&ref=3",
                 "https://example.com/a?utm=1&xfbclid=2&ref=3");
    /* A fragment after the trackers goes too. */
    expect_canon(NULL, "https://example.com/a?utm_source=x#frag", "https://example.com/a");
    assert_true(at_url_is_tracking_param("utm_source", 10));
    assert_true(at_url_is_tracking_param("Utm_Anything", 12));
    assert_true(at_url_is_tracking_param("fbclid", 6));
    assert_false(at_url_is_tracking_param("fbclid2", 7));
    assert_false(at_url_is_tracking_param("utm", 3));
    assert_false(at_url_is_tracking_param("id", 2));
}

static void test_limits(void **state)
{
    (void)state;
    size_t n = AT_URL_MAX_LEN + 100;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memcpy(big, "http://example.com/", 19);
    memset(big + 19, 'a', n - 19);
    big[n] = '\0';
    expect_canon(NULL, big, NULL);
    /* Just under the limit works. */
    big[AT_URL_MAX_LEN - 10] = '\0';
    char *ok = at_url_canonical(NULL, big);
    assert_non_null(ok);
    assert_string_equal(ok, big);
    free(ok);
    free(big);
    assert_null(at_url_canonical(NULL, NULL));
    assert_null(at_url_resolve("http://example.com/", NULL));
}

static void test_host(void **state)
{
    (void)state;
    char *h = at_url_host("https://User@WWW.Example.COM:8080/x");
    assert_string_equal(h, "www.example.com");
    free(h);
    h = at_url_host("http://[2001:DB8::1]/x");
    assert_string_equal(h, "[2001:db8::1]");
    free(h);
    assert_null(at_url_host("/relative/path"));
    assert_null(at_url_host("mailto:x@example.com"));
    assert_null(at_url_host(NULL));
}

static void test_item_id(void **state)
{
    (void)state;
    char a[33], b[33];
    at_url_item_id("https://example.com/a", a, sizeof a);
    at_json_item_id("https://example.com/a", b, sizeof b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 32);
    for (const char *c = a; *c; c++)
        assert_true((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'));
    at_url_item_id("https://example.com/b", b, sizeof b);
    assert_string_not_equal(a, b);
    /* Spellings of one URL meet in one id once canonical. */
    char *c1 = at_url_canonical(NULL, "HTTPS://Example.com:443/a?utm_source=x#top");
    char *c2 = at_url_canonical("https://example.com/z/", "../a");
    at_url_item_id(c1, a, sizeof a);
    at_url_item_id(c2, b, sizeof b);
    assert_string_equal(a, b);
    free(c1);
    free(c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3986_examples), cmocka_unit_test(test_relative_forms),
        cmocka_unit_test(test_messy_references), cmocka_unit_test(test_schemes),
        cmocka_unit_test(test_canonical_form),   cmocka_unit_test(test_tracking_parameters),
        cmocka_unit_test(test_limits),           cmocka_unit_test(test_host),
        cmocka_unit_test(test_item_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
