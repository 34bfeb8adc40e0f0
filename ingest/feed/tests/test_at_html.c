/*
 * test_at_html.c: unit tests for at_html, HTML fragments and XHTML
 * subtrees to plain text (docs/feeds.md "HTML to text").
 *
 * Covers: entities (named, numeric, HTML 4 and unknown ones, double
 * escaping), dropped elements (script, style, noscript, iframe, nested
 * content, unclosed ones), paragraph and line breaks from nested blocks,
 * lists, tables and <pre>, whitespace rules (collapsing, Unicode spaces,
 * plain text paragraphs, one-line mode), malformed HTML and tag soup,
 * encodings (a <meta charset> cannot switch, invalid UTF-8 becomes
 * U+FFFD, control characters become spaces), XHTML subtrees from a
 * libxml2 tree, and that every output is valid UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "at_html.h"

/* Valid UTF-8 (Unicode table 3-7) without C0 controls other than "\n". */
static int clean_utf8(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        if (*s < 0x80) {
            if (*s < 0x20 && *s != '\n')
                return 0;
            s++;
            continue;
        }
        int n = *s >= 0xF0 ? 3 : *s >= 0xE0 ? 2 : 1;
        if (*s < 0xC2 || *s > 0xF4)
            return 0;
        for (int k = 1; k <= n; k++)
            if ((s[k] & 0xC0) != 0x80)
                return 0;
        s += n + 1;
    }
    return 1;
}

static void expect_html(const char *html, int flags, const char *want)
{
    char *got = at_html_to_text(html, strlen(html), flags);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("html %s\n  gave [%s]\n  want [%s]", html, got, want);
    assert_true(clean_utf8(got));
    free(got);
}

static void expect_plain(const char *text, int flags, const char *want)
{
    char *got = at_html_plain(text, strlen(text), flags);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("plain [%s]\n  gave [%s]\n  want [%s]", text, got, want);
    free(got);
}

static void test_entities(void **state)
{
    (void)state;
    expect_html("Fish &amp; chips &lt;3 &gt; &quot;q&quot; &#39;s&#x27;", 0,
                "Fish & chips <3 > \"q\" 's'");
    expect_html("caf&eacute; &mdash; na&iuml;ve &hellip; &euro;5 &copy;", 0,
                "caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve \xe2\x80\xa6 \xe2\x82\xac"
                "5 \xc2\xa9");
    expect_html("&#8220;quoted&#8221; &#x1F600;", 0,
                "\xe2\x80\x9cquoted\xe2\x80\x9d \xf0\x9f\x98\x80");
    /* Escaped twice (common in RSS): one level is left as text. */
    expect_html("&amp;lt;b&amp;gt;", 0, "&lt;b&gt;");
    /* Unknown entity and bare ampersand stay as written. */
    expect_html("<p>AT&T &notanentity; x</p>", 0, "AT&T &notanentity; x");
    /* &nbsp; is a space for our purposes. */
    expect_html("a&nbsp;&nbsp;b", 0, "a b");
}

static void test_dropped_elements(void **state)
{
    (void)state;
    expect_html("<p>Before</p><script>var x = '<p>no</p>'; alert(1);</script><p>After</p>", 0,
                "Before\n\nAfter");
    expect_html("a<style>p { color: red }</style>b", 0, "ab");
    expect_html("a <noscript><p>Enable <b>JS</b></p></noscript> b", 0, "a b");
    expect_html("a <iframe src=\"https://ads.example\">frame text</iframe> b", 0, "a b");
    expect_html("a <object><embed src=x>fallback</object> b <video>Your browser</video> c", 0,
                "a b c");
    expect_html("<svg><text>1</text></svg>x<template><p>t</p></template>y", 0, "xy");
    /* Unclosed script: everything after it is script. */
    expect_html("visible <script>hidden <p>still hidden", 0, "visible");
    /* Nested skips: the outer one ends the skipping. */
    expect_html("a<noscript><iframe>x</iframe>y</noscript>b", 0, "ab");
}

static void test_blocks(void **state)
{
    (void)state;
    expect_html("<p>One</p><p>Two</p>", 0, "One\n\nTwo");
    expect_html("<div><div><p>Deep</p></div></div><div>Next</div>", 0, "Deep\n\nNext");
    expect_html("Line one<br>Line two<br/>Line three", 0, "Line one\nLine two\nLine three");
    expect_html("<p>a<br><br>b</p>", 0, "a\nb");
    expect_html("<ul><li>one</li><li>two <b>bold</b></li></ul>", 0, "one\n\ntwo bold");
    expect_html("<h1>Head</h1>Body text<blockquote>Quote</blockquote>", 0,
                "Head\n\nBody text\n\nQuote");
    expect_html("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>", 0,
                "a b\n\nc d");
    expect_html("<pre>line 1\nline 2</pre>after", 0, "line 1\nline 2\n\nafter");
    /* Inline elements do not break words apart or add spaces. */
    expect_html("<p>un<b>break</b>able <a href=x>link</a>.</p>", 0, "unbreakable link.");
    /* Leading and trailing breaks never show. */
    expect_html("<p></p><p> </p><div><p>x</p></div><p></p>", 0, "x");
    expect_html("", 0, "");
    expect_html("<p></p>", 0, "");
}

static void test_one_line(void **state)
{
    (void)state;
    expect_html("<p>Title</p><p>continued<br>here</p>", AT_HTML_ONE_LINE, "Title continued here");
    expect_plain("  A\n\n  headline\t with  gaps ", AT_HTML_ONE_LINE, "A headline with gaps");
}

static void test_whitespace(void **state)
{
    (void)state;
    /* HTML: source newlines are spaces. */
    expect_html("<p>wrapped\nsource\n\nlines</p>", 0, "wrapped source lines");
    /* No tag at all: plain text, blank lines are paragraphs (entities
     * still decoded). */
    expect_html("First para\nstill first.\n\nSecond &amp; last.", 0,
                "First para still first.\n\nSecond & last.");
    expect_plain("a \r\n\r\n b\r\nc", 0, "a\n\nb c");
    /* Unicode spaces (no-break, em, ideographic) collapse; a paragraph
     * separator is a paragraph. */
    expect_plain("a\xc2\xa0\xe2\x80\x83 b\xe3\x80\x80"
                 "c\xe2\x80\xa9"
                 "d",
                 0, "a b c\n\nd");
    /* A stray BOM vanishes. */
    expect_plain("\xef\xbb\xbfhello", 0, "hello");
}

static void test_malformed(void **state)
{
    (void)state;
    expect_html("<p>unclosed <b>bold <i>both</p>after", 0, "unclosed bold both\n\nafter");
    expect_html("</p></div>stray end tags</b>", 0, "stray end tags");
    expect_html("a < b and c > d", 0, "a < b and c > d");
    /* Tag soup: libxml2 recovers its own way; the text survives. */
    char *soup = at_html_to_text("<<<>>>", 6, 0);
    assert_non_null(soup);
    assert_non_null(strstr(soup, "<<<"));
    assert_non_null(strstr(soup, ">>>"));
    free(soup);
    expect_html("<p attr=\"unterminated>text</p>", 0, "");
    expect_html("<!-- comment --><p>x</p><!-- unterminated", 0, "x");
    expect_html("<div>\0hidden</div>", 0, "");
    /* Deep nesting. */
    size_t depth = 5000;
    char *deep = malloc(depth * 5 + 16);
    assert_non_null(deep);
    char *p = deep;
    for (size_t i = 0; i < depth; i++) {
        memcpy(p, "<div>", 5);
        p += 5;
    }
    strcpy(p, "core");
    expect_html(deep, 0, "core");
    free(deep);
}

static void test_encodings(void **state)
{
    (void)state;
    /* A <meta charset> inside a fragment cannot make UTF-8 Latin-1. */
    expect_html("<meta charset=\"iso-8859-1\"><p>caf\xc3\xa9</p>", 0, "caf\xc3\xa9");
    /* Invalid UTF-8 on the plain path becomes U+FFFD. */
    expect_html("bad \xff end", 0, "bad \xef\xbf\xbd end");
    expect_plain("over\xc0\xaflong", 0, "over\xef\xbf\xbd\xef\xbf\xbdlong");
    /* On the HTML path, libxml2 reads what is not UTF-8 as Latin-1: the
     * output is valid UTF-8 either way. */
    char *t = at_html_to_text("<p>caf\xe9</p>", 10, 0);
    assert_non_null(t);
    assert_true(clean_utf8(t));
    free(t);
    /* Control characters are spaces. */
    expect_plain("a\x01\x02"
                 "b\x7f"
                 "c",
                 0, "a b c");
    /* Length, not NUL, ends the input. */
    t = at_html_to_text("<p>abc</p>ignored", 10, 0);
    assert_string_equal(t, "abc");
    free(t);
    t = at_html_to_text(NULL, 0, 0);
    assert_string_equal(t, "");
    free(t);
}

static void test_xhtml_nodes(void **state)
{
    (void)state;
    const char *doc = "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
                      "<p>First <em>para</em>.</p><ul><li>one</li><li>two</li></ul>"
                      "<script>x()</script>tail<br/>line</div></content>";
    xmlDocPtr d = xmlReadMemory(doc, (int)strlen(doc), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(d);
    xmlNodePtr root = xmlDocGetRootElement(d);
    char *t = at_html_nodes_to_text(root->children, 0);
    assert_string_equal(t, "First para.\n\none\n\ntwo\n\ntail\nline");
    free(t);
    t = at_html_nodes_to_text(root->children, AT_HTML_ONE_LINE);
    assert_string_equal(t, "First para. one two tail line");
    free(t);
    xmlFreeDoc(d);

    /* Siblings after the first node are included, the parent's are not. */
    const char *doc2 = "<r><skip>no</skip><a>x<b>y</b></a><c>z</c></r>";
    d = xmlReadMemory(doc2, (int)strlen(doc2), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(d);
    root = xmlDocGetRootElement(d);
    t = at_html_nodes_to_text(root->children->next, 0);
    assert_string_equal(t, "xyz");
    free(t);
    t = at_html_nodes_to_text(root->children->next->children->next, 0);
    assert_string_equal(t, "y");
    free(t);
    xmlFreeDoc(d);

    t = at_html_nodes_to_text(NULL, 0);
    assert_string_equal(t, "");
    free(t);
}

/* Entity references in a tree are never followed, so a bomb declared in
 * the document contributes nothing. */
static void test_xhtml_entity_refs(void **state)
{
    (void)state;
    const char *doc = "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>"
                      "<r><p>x &b; y</p></r>";
    xmlDocPtr d = xmlReadMemory(doc, (int)strlen(doc), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(d);
    char *t = at_html_nodes_to_text(xmlDocGetRootElement(d)->children, 0);
    assert_string_equal(t, "x y");
    free(t);
    xmlFreeDoc(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entities),
        cmocka_unit_test(test_dropped_elements),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_one_line),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_xhtml_nodes),
        cmocka_unit_test(test_xhtml_entity_refs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
