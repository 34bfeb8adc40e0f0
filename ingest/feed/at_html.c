/*
 * at_html.c: HTML fragments and XHTML subtrees to plain text (see
 * at_html.h).
 *
 * Design:
 *   - One text builder does all whitespace work, whatever the source: it
 *     keeps a "pending break" (none < space < line < paragraph) that the
 *     next visible character flushes, so breaks never pile up, never lead
 *     and never trail, and a block inside a block gives one "\n\n".
 *   - HTML goes through libxml2's HTML parser with SAX callbacks only: no
 *     tree is built, which roughly halves the cost per description, and
 *     the parser still does what we must not do by hand (entity decoding,
 *     implied end tags, recovery from tag soup).
 *   - Elements are classified by a small sorted table (skip / block / line
 *     break / cell / pre). Skipped elements are counted by depth, so
 *     anything nested in a <script> or <noscript> is dropped with it.
 *   - A fragment without any '<' is text that merely contains entities:
 *     its blank lines are paragraph breaks (as in plain text), not
 *     collapsible HTML whitespace. Without '&' either, the parser is not
 *     needed at all.
 *   - UTF-8 is validated on the way out (libxml2 already converts, but
 *     the plain path does not pass through it), so callers can put the
 *     result in a protobuf string as is.
 */
#include "at_html.h"
#include "at_utf8.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Pending separators, in increasing strength. */
enum { BRK_NONE = 0, BRK_SPACE = 1, BRK_LINE = 2, BRK_PARA = 3 };

/* How an element affects the text. */
enum { EL_INLINE = 0, EL_SKIP, EL_BLOCK, EL_BR, EL_CELL, EL_PRE };

typedef struct {
    char *buf;
    size_t len, cap;
    int pending;  /* BRK_* to write before the next visible character */
    int flags;    /* AT_HTML_ONE_LINE */
    int plain_ws; /* whitespace as in plain text: blank lines are paragraphs */
    int newlines; /* line breaks in the current whitespace run (plain_ws) */
    int oom;
    /* Element state (HTML SAX and tree walks). */
    int depth;   /* open elements */
    int skip_at; /* depth at which a skipped element opened, or -1 */
    int pre;     /* open <pre> elements */
} text_t;

/* --- the text builder ---------------------------------------------------- */

static void text_init(text_t *t, int flags, size_t hint)
{
    memset(t, 0, sizeof *t);
    t->flags = flags;
    t->skip_at = -1;
    t->cap = hint + 16;
    t->buf = malloc(t->cap);
    if (!t->buf)
        t->oom = 1;
}

static int text_reserve(text_t *t, size_t more)
{
    if (t->oom)
        return -1;
    if (t->len + more + 1 <= t->cap)
        return 0;
    size_t cap = t->cap * 2;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *b = realloc(t->buf, cap);
    if (!b) {
        t->oom = 1;
        return -1;
    }
    t->buf = b;
    t->cap = cap;
    return 0;
}

static void text_break(text_t *t, int brk)
{
    if (t->flags & AT_HTML_ONE_LINE)
        brk = BRK_SPACE;
    if (brk > t->pending)
        t->pending = brk;
}

/* Whitespace seen in text: a space, or in plain text a counted newline
 * (two in one run make a paragraph). */
static void text_space(text_t *t, int newline)
{
    if (t->plain_ws && newline) {
        t->newlines++;
        text_break(t, t->newlines >= 2 ? BRK_PARA : BRK_SPACE);
    } else if (t->pre && newline) {
        text_break(t, BRK_LINE);
    } else {
        text_break(t, BRK_SPACE);
    }
}

/* Append visible bytes, writing the pending separator first (never at the
 * start of the text). */
static void text_put(text_t *t, const char *s, size_t n)
{
    if (text_reserve(t, n + 2) != 0)
        return;
    if (t->pending != BRK_NONE && t->len > 0) {
        if (t->pending == BRK_PARA) {
            t->buf[t->len++] = '\n';
            t->buf[t->len++] = '\n';
        } else {
            t->buf[t->len++] = t->pending == BRK_LINE ? '\n' : ' ';
        }
    }
    t->pending = BRK_NONE;
    t->newlines = 0;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

/* Add text (UTF-8, possibly invalid) to the builder. */
static void text_add(text_t *t, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n && !t->oom) {
        unsigned char c = s[i];
        if (c > 0x20 && c < 0x7f) {
            /* A run of visible ASCII: the common case, copied at once. */
            size_t j = i + 1;
            while (j < n && s[j] > 0x20 && s[j] < 0x7f)
                j++;
            text_put(t, str + i, j - i);
            i = j;
            continue;
        }
        if (c < 0x80) {
            /* ASCII whitespace and control characters. A "\r\n" pair is
             * one line break. */
            int nl = c == '\n' || (c == '\r' && !(i + 1 < n && s[i + 1] == '\n'));
            text_space(t, nl);
            i++;
            continue;
        }
        unsigned cp;
        size_t len = at_utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            text_put(t, "\xEF\xBF\xBD", 3); /* U+FFFD */
            i++;
            continue;
        }
        if (cp <= 0x9F) {
            text_space(t, cp == 0x85); /* C1 controls; NEL is a newline */
        } else if (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
                   cp == 0x205F || cp == 0x3000) {
            text_space(t, 0); /* Unicode White_Space, no-break included */
        } else if (cp == 0x2028) {
            text_break(t, BRK_LINE);
        } else if (cp == 0x2029) {
            text_break(t, BRK_PARA);
        } else if (cp != 0xFEFF) { /* a stray byte-order mark is dropped */
            text_put(t, str + i, len);
        }
        i += len;
    }
}

/* The result: NUL-terminated, or NULL (freed) after an allocation
 * failure. */
static char *text_finish(text_t *t)
{
    if (t->oom || text_reserve(t, 0) != 0) {
        free(t->buf);
        return NULL;
    }
    t->buf[t->len] = '\0';
    return t->buf;
}

/* --- elements ------------------------------------------------------------ */

typedef struct {
    const char *name;
    int kind;
} element_t;

/* Sorted by name (bsearch). Skipped: scripts and styles, embedded
 * objects and media (their fallback text is "your browser does not
 * support ..."), form controls and the document head. */
static const element_t elements[] = {
    {"address", EL_BLOCK},  {"applet", EL_SKIP},      {"article", EL_BLOCK}, {"aside", EL_BLOCK},
    {"audio", EL_SKIP},     {"blockquote", EL_BLOCK}, {"br", EL_BR},         {"button", EL_SKIP},
    {"canvas", EL_SKIP},    {"caption", EL_BLOCK},    {"center", EL_BLOCK},  {"datalist", EL_SKIP},
    {"dd", EL_BLOCK},       {"details", EL_BLOCK},    {"dialog", EL_BLOCK},  {"dir", EL_BLOCK},
    {"div", EL_BLOCK},      {"dl", EL_BLOCK},         {"dt", EL_BLOCK},      {"embed", EL_SKIP},
    {"fieldset", EL_BLOCK}, {"figcaption", EL_BLOCK}, {"figure", EL_BLOCK},  {"footer", EL_BLOCK},
    {"form", EL_BLOCK},     {"h1", EL_BLOCK},         {"h2", EL_BLOCK},      {"h3", EL_BLOCK},
    {"h4", EL_BLOCK},       {"h5", EL_BLOCK},         {"h6", EL_BLOCK},      {"head", EL_SKIP},
    {"header", EL_BLOCK},   {"hgroup", EL_BLOCK},     {"hr", EL_BLOCK},      {"iframe", EL_SKIP},
    {"legend", EL_BLOCK},   {"li", EL_BLOCK},         {"main", EL_BLOCK},    {"map", EL_SKIP},
    {"math", EL_SKIP},      {"menu", EL_BLOCK},       {"nav", EL_BLOCK},     {"noembed", EL_SKIP},
    {"noframes", EL_SKIP},  {"noscript", EL_SKIP},    {"object", EL_SKIP},   {"ol", EL_BLOCK},
    {"p", EL_BLOCK},        {"pre", EL_PRE},          {"script", EL_SKIP},   {"section", EL_BLOCK},
    {"select", EL_SKIP},    {"style", EL_SKIP},       {"summary", EL_BLOCK}, {"svg", EL_SKIP},
    {"table", EL_BLOCK},    {"td", EL_CELL},          {"template", EL_SKIP}, {"textarea", EL_SKIP},
    {"th", EL_CELL},        {"title", EL_SKIP},       {"tr", EL_BLOCK},      {"ul", EL_BLOCK},
    {"video", EL_SKIP},
};

static int element_cmp(const void *key, const void *el)
{
    return strcasecmp((const char *)key, ((const element_t *)el)->name);
}

static int element_kind(const char *name)
{
    if (!name || strlen(name) > 10)
        return EL_INLINE;
    const element_t *e = bsearch(name, elements, sizeof elements / sizeof elements[0],
                                 sizeof elements[0], element_cmp);
    return e ? e->kind : EL_INLINE;
}

static void element_open(text_t *t, const char *name)
{
    int kind = element_kind(name);
    if (t->skip_at < 0) {
        switch (kind) {
        case EL_SKIP:
            t->skip_at = t->depth;
            break;
        case EL_PRE:
            t->pre++;
            /* fall through */
        case EL_BLOCK:
            text_break(t, BRK_PARA);
            break;
        case EL_BR:
            text_break(t, BRK_LINE);
            break;
        case EL_CELL:
            text_break(t, BRK_SPACE);
            break;
        }
    }
    t->depth++;
}

static void element_close(text_t *t, const char *name)
{
    if (t->depth > 0)
        t->depth--;
    if (t->skip_at >= 0) {
        if (t->depth <= t->skip_at)
            t->skip_at = -1;
        return;
    }
    int kind = element_kind(name);
    if (kind == EL_PRE && t->pre > 0)
        t->pre--;
    if (kind == EL_BLOCK || kind == EL_PRE)
        text_break(t, BRK_PARA);
    else if (kind == EL_CELL)
        text_break(t, BRK_SPACE);
}

static void element_text(text_t *t, const char *s, size_t n)
{
    if (t->skip_at < 0)
        text_add(t, s, n);
}

/* --- HTML through SAX ---------------------------------------------------- */

static text_t *sax_text(void *ctx)
{
    return ((htmlParserCtxtPtr)ctx)->_private;
}

static void sax_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    (void)atts;
    element_open(sax_text(ctx), (const char *)name);
}

static void sax_end(void *ctx, const xmlChar *name)
{
    element_close(sax_text(ctx), (const char *)name);
}

static void sax_chars(void *ctx, const xmlChar *ch, int len)
{
    if (len > 0)
        element_text(sax_text(ctx), (const char *)ch, (size_t)len);
}

/* Errors are expected (tag soup is the norm) and not reported: they
 * change nothing in what we do. A structured handler keeps libxml2 from
 * printing them anywhere. */
static void sax_error(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    (void)err;
}

static void html_parse(text_t *t, const char *html, size_t len)
{
    htmlParserCtxtPtr ctxt = htmlCreateMemoryParserCtxt(html, (int)len);
    if (!ctxt) {
        t->oom = 1;
        return;
    }
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = sax_start;
    sax.endElement = sax_end;
    sax.characters = sax_chars;
    sax.ignorableWhitespace = sax_chars;
    sax.cdataBlock = sax_chars; /* script/style bodies: dropped by depth */
    sax.serror = sax_error;
    sax.initialized = XML_SAX2_MAGIC;
    *ctxt->sax = sax;
    ctxt->_private = t;
    htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_RECOVER | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC);
    /* The input is UTF-8. Saying so this way sets the parser's charset
     * without a converter: htmlCtxtReadMemory would copy the whole input
     * through a UTF-8 -> UTF-8 converter when given "UTF-8", and assume
     * Latin-1 when given nothing. IGNORE_ENC keeps a <meta charset> in the
     * fragment from switching decoders. Bytes that are not UTF-8 after all
     * make libxml2 read the rest as Latin-1, so the output stays valid
     * UTF-8 either way. */
    xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
    htmlParseDocument(ctxt);
    /* Our SAX builds no tree; free one if libxml2 made it anyway. */
    if (ctxt->myDoc) {
        xmlFreeDoc(ctxt->myDoc);
        ctxt->myDoc = NULL;
    }
    htmlFreeParserCtxt(ctxt);
}

char *at_html_to_text(const char *html, size_t len, int flags)
{
    if (!html)
        len = 0;
    if (len > AT_HTML_MAX_INPUT)
        len = AT_HTML_MAX_INPUT;
    text_t t;
    text_init(&t, flags, len);
    if (t.oom)
        return NULL;
    int has_tag = len > 0 && memchr(html, '<', len) != NULL;
    int has_ref = len > 0 && memchr(html, '&', len) != NULL;
    t.plain_ws = !has_tag;
    if (has_tag || has_ref)
        html_parse(&t, html, len);
    else
        text_add(&t, html, len);
    return text_finish(&t);
}

char *at_html_plain(const char *text, size_t len, int flags)
{
    if (!text)
        len = 0;
    if (len > AT_HTML_MAX_INPUT)
        len = AT_HTML_MAX_INPUT;
    text_t t;
    text_init(&t, flags, len);
    if (t.oom)
        return NULL;
    t.plain_ws = 1;
    text_add(&t, text, len);
    return text_finish(&t);
}

/* --- XHTML subtrees ------------------------------------------------------ */

char *at_html_nodes_to_text(const struct _xmlNode *first, int flags)
{
    text_t t;
    text_init(&t, flags, 256);
    if (t.oom)
        return NULL;
    /* Iterative pre/post-order walk over first, its siblings and their
     * descendants; the parent links bring us back up. */
    const xmlNode *top_parent = first ? first->parent : NULL;
    const xmlNode *n = first;
    size_t budget = AT_HTML_MAX_INPUT;
    while (n && !t.oom) {
        int descend = 0;
        switch (n->type) {
        case XML_ELEMENT_NODE:
            element_open(&t, (const char *)n->name);
            descend = n->children != NULL;
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (n->content) {
                size_t len = strlen((const char *)n->content);
                if (len > budget)
                    len = budget;
                budget -= len;
                element_text(&t, (const char *)n->content, len);
            }
            break;
        default:
            /* Entity references (never followed: see at_html.h),
             * comments, processing instructions. */
            break;
        }
        if (descend) {
            n = n->children;
            continue;
        }
        if (n->type == XML_ELEMENT_NODE)
            element_close(&t, (const char *)n->name);
        /* Up until a node has a next sibling, closing elements on the
         * way; stop at the level we started from. */
        while (n && !n->next) {
            n = n->parent;
            if (!n || n == top_parent) {
                n = NULL;
                break;
            }
            element_close(&t, (const char *)n->name);
        }
        if (n)
            n = n->next;
    }
    return text_finish(&t);
}
