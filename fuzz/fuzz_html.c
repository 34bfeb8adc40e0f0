/*
 * fuzz_html: at_html, which turns every feed description, summary and
 * content into plain text (HTML fragments, plain text, XHTML subtrees).
 *
 * Input: byte 0 picks the flags (bit 0: AT_HTML_ONE_LINE) and the route
 * (bits 1-2: at_html_to_text, at_html_plain, at_html_nodes_to_text over
 * the children of the root of the rest parsed as XML by libxml2 with
 * XML_PARSE_NONET | XML_PARSE_RECOVER); the rest is the text.
 *
 * Checks (at_html.h): the output is valid UTF-8 without control
 * characters other than "\n", trimmed, with no two spaces in a row, no
 * space beside a line break and no run of three line breaks; in one-line
 * mode it has no line break at all, and normalizing it again changes
 * nothing; and the one-line text of an input is its block text with the
 * breaks turned into spaces.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "at_fuzz.h"
#include "at_html.h"

static int utf8_ok(const unsigned char *s)
{
    while (*s) {
        unsigned char c = *s;
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            s++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (s[1] < lo || s[1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++)
            if (s[k] < 0x80 || s[k] > 0xBF)
                return 0;
        s += n + 1;
    }
    return 1;
}

static void check_shape(const char *out, int one_line)
{
    AT_FUZZ_CHECK(out != NULL, "out of memory or NULL result");
    AT_FUZZ_CHECK(utf8_ok((const unsigned char *)out), "output is not UTF-8");
    size_t len = strlen(out);
    if (len) {
        AT_FUZZ_CHECK(out[0] != ' ' && out[0] != '\n', "leading whitespace: [%s]", out);
        AT_FUZZ_CHECK(out[len - 1] != ' ' && out[len - 1] != '\n', "trailing whitespace: [%s]",
                      out);
    }
    for (const unsigned char *c = (const unsigned char *)out; *c; c++)
        AT_FUZZ_CHECK(*c >= 0x20 || *c == '\n', "control byte 0x%02x", *c);
    AT_FUZZ_CHECK(!strstr(out, "  ") && !strstr(out, " \n") && !strstr(out, "\n "),
                  "unnormalized spaces: [%s]", out);
    AT_FUZZ_CHECK(!strstr(out, "\n\n\n"), "three line breaks: [%s]", out);
    if (one_line) {
        AT_FUZZ_CHECK(!strchr(out, '\n'), "line break in one-line mode: [%s]", out);
        char *again = at_html_plain(out, len, AT_HTML_ONE_LINE);
        AT_FUZZ_CHECK(again && strcmp(again, out) == 0, "not a fixed point: [%s] -> [%s]", out,
                      again ? again : "NULL");
        free(again);
    }
}

/* The one-line output equals the block output with breaks as spaces. */
static void check_one_line_agrees(const char *block, const char *line)
{
    char *flat = at_html_plain(block, strlen(block), AT_HTML_ONE_LINE);
    AT_FUZZ_CHECK(flat && strcmp(flat, line) == 0, "one-line [%s] != flattened block [%s]", line,
                  flat ? flat : "NULL");
    free(flat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int flags = data[0] & 1 ? AT_HTML_ONE_LINE : 0;
    int route = (data[0] >> 1) & 3;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    if (route == 0 || route == 3) {
        char *out = at_html_to_text(text, len, flags);
        check_shape(out, flags);
        char *other = at_html_to_text(text, len, flags ^ AT_HTML_ONE_LINE);
        check_shape(other, !flags);
        check_one_line_agrees(flags ? other : out, flags ? out : other);
        free(out);
        free(other);
    } else if (route == 1) {
        char *out = at_html_plain(text, len, flags);
        check_shape(out, flags);
        char *other = at_html_plain(text, len, flags ^ AT_HTML_ONE_LINE);
        check_shape(other, !flags);
        check_one_line_agrees(flags ? other : out, flags ? out : other);
        free(out);
        free(other);
    } else {
        xmlDocPtr doc = xmlReadMemory(text, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
        xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
        char *out = at_html_nodes_to_text(root ? root->children : NULL, flags);
        check_shape(out, flags);
        char *other = at_html_nodes_to_text(root ? root->children : NULL, flags ^ AT_HTML_ONE_LINE);
        check_shape(other, !flags);
        check_one_line_agrees(flags ? other : out, flags ? out : other);
        free(out);
        free(other);
        xmlFreeDoc(doc);
    }
    return 0;
}
