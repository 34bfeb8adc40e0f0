/*
 * at_html: the HTML in feed descriptions and contents, as plain text.
 *
 * attache-enrich matches names in text; a feed gives it HTML fragments
 * (often escaped twice), XHTML subtrees (Atom type="xhtml") or plain text
 * with arbitrary line wrapping. This module turns each into the same
 * shape: UTF-8 text, entities decoded, script/style and other non-text
 * elements dropped, paragraphs separated by "\n\n", <br> kept as "\n",
 * and every other run of whitespace a single space, trimmed at both ends.
 *
 * HTML is parsed by libxml2's HTML parser (htmlParseDocument with
 * HTML_PARSE_NONET | NOERROR | NOWARNING | RECOVER | COMPACT | IGNORE_ENC,
 * so a <meta charset> in a fragment cannot switch encodings) through SAX
 * callbacks, without building a tree. Rules: docs/feeds.md "HTML to text".
 *
 * Every function returns valid UTF-8 whatever the input: invalid bytes
 * become U+FFFD, control characters become whitespace.
 */
#ifndef AT_HTML_H
#define AT_HTML_H

#include <stddef.h>

struct _xmlNode;

/* Flag: one line of text (titles): paragraph and line breaks become
 * single spaces. */
#define AT_HTML_ONE_LINE 0x1

/* Longest input any function here reads, in bytes; the rest is ignored.
 * It bounds one call's work: the items that carry the text are capped at
 * 1 MiB per field anyway (AT_JSON_MAX_STRING). */
#define AT_HTML_MAX_INPUT (8 * 1024 * 1024)

/* Text of an HTML fragment (len bytes of UTF-8, need not be NUL
 * terminated). Text without '<' and '&' skips the HTML parser and is only
 * normalized, as at_html_plain does. Malformed HTML is recovered the way
 * libxml2 does (unclosed elements closed, stray '<' kept as text).
 *
 * Returns the text (possibly ""), which the caller owns and must free(),
 * or NULL if memory ran out. */
char *at_html_to_text(const char *html, size_t len, int flags);

/* Text of a parsed (X)HTML subtree: `first` and its following siblings,
 * with their descendants, as found in a libxml2 tree (the children of an
 * Atom type="xhtml" <content>, or of an RSS <description> that holds
 * unescaped markup). Elements are recognized by local name whatever their
 * namespace. Entity reference nodes are skipped (feeds never need their
 * expansion, and following them is how entity bombs explode).
 *
 * Returns the text (possibly ""; first may be NULL), which the caller owns
 * and must free(), or NULL if memory ran out. */
char *at_html_nodes_to_text(const struct _xmlNode *first, int flags);

/* Plain text (len bytes) normalized the same way: whitespace runs that
 * hold two or more line breaks become a paragraph break ("\n\n"), other
 * runs a single space; trimmed. With AT_HTML_ONE_LINE every run is a
 * space.
 *
 * Returns the text, which the caller owns and must free(), or NULL if
 * memory ran out. */
char *at_html_plain(const char *text, size_t len, int flags);

#endif
