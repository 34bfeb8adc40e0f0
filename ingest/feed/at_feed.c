/*
 * at_feed.c: feed documents to NewsItems (see at_feed.h; behaviour in
 * docs/feeds.md).
 *
 * The pipeline for one document:
 *   1. bytes -> UTF-8 (decode_input): BOM, then the HTTP charset, then
 *      the XML declaration, then "valid UTF-8 or windows-1252". Doing it
 *      here rather than in libxml2 lets one rule cover XML and JSON, lets
 *      us repair the usual damage (a Latin-1 item pasted into a UTF-8 feed,
 *      a feed labelled ISO-8859-1 that is really UTF-8), and makes libxml2
 *      see only UTF-8 (XML_PARSE_IGNORE_ENC), so a lying declaration cannot
 *      switch decoders mid-document.
 *   2. sniff: '{' is JSON (jansson), '<' is XML, anything else is not a
 *      feed. The format comes from the document (root element and
 *      namespaces), never from the URL or the media type.
 *   3. XML: libxml2's tree parser, hardened (see parse_xml): no network,
 *      no DTD loading, no entity substitution, recovery on, errors counted
 *      by a structured handler instead of printed. A getEntity hook
 *      resolves the HTML entities old RSS feeds use without declaring
 *      (&eacute; from the never-loaded RSS 0.91 DTD) and inlines short
 *      declared entities; every other entity reference is left as a node
 *      that no code here follows, so there is nothing to amplify.
 *   4. walk the tree per format into items (entry_t), then finish each
 *      one: canonical URL, id, plain text, limits, validation.
 *
 * Items are built exactly as protobuf-c's unpack builds them (malloc'd
 * strings, unset ones = protobuf_c_empty_string), so
 * protobuf_c_message_free_unpacked frees any of them, half-built or not.
 */
#include "at_feed.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "at_err.h"
#include "at_html.h"
#include "at_json.h"
#include "at_time.h"
#include "at_utf8.h"
#include "at_url.h"

/* Namespaces, by URI (prefixes are the document's choice). */
#define NS_ATOM     "http://www.w3.org/2005/Atom"
#define NS_ATOM03   "http://purl.org/atom/ns#"
#define NS_RDF      "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_RSS1     "http://purl.org/rss/1.0/"
#define NS_RSS090   "http://my.netscape.com/rdf/simple/0.9/"
#define NS_RSS2_OLD "http://backend.userland.com/rss2"
#define NS_RSS2_HRV "http://blogs.law.harvard.edu/tech/rss"
#define NS_CONTENT  "http://purl.org/rss/1.0/modules/content/"
#define NS_DC       "http://purl.org/dc/elements/1.1/"
#define NS_MEDIA    "http://search.yahoo.com/mrss/"
#define NS_SY       "http://purl.org/rss/1.0/modules/syndication/"
#define NS_FB       "http://rssnamespace.org/feedburner/ext/1.0"
#define NS_XML      "http://www.w3.org/XML/1998/namespace"

/* Declared internal entities are inlined (as text) only when their
 * replacement text is this short and contains no markup or reference,
 * and only this many bytes per document: enough for the character
 * entities feeds declare (<!ENTITY nbsp "&#160;">), too little to
 * amplify anything. */
#define ENTITY_INLINE_MAX    64
#define ENTITY_INLINE_BUDGET (1024 * 1024)
#define ENTITY_INLINE_KINDS  64

/* A synthesized title (entry with text but neither title nor link) is
 * cut near this many bytes. */
#define SYNTH_TITLE_MAX 120

/* --- errors -------------------------------------------------------------- */

/* --- one-time initialization --------------------------------------------- */

/* The HTML 4 character entities as libxml2 knows them
 * (htmlEntityValueLookup), each as a "predefined" XML entity, which the
 * XML parser inlines as text like &amp;. Sorted by code point. */
typedef struct {
    unsigned value;
    char utf8[8];
    xmlEntity ent;
} html_entity_t;

static html_entity_t html_entities[300];
static size_t n_html_entities;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_once_fn(void)
{
    xmlInitParser();
    /* HTML 4 entities all lie below U+2700 (&diams; is U+2666). */
    for (unsigned v = 1; v < 0x2700; v++) {
        const htmlEntityDesc *d = htmlEntityValueLookup(v);
        if (!d || d->value != v)
            continue;
        if (n_html_entities >= sizeof html_entities / sizeof html_entities[0])
            break;
        html_entity_t *h = &html_entities[n_html_entities++];
        h->value = v;
        size_t n = at_utf8_encode(v, h->utf8);
        h->utf8[n] = '\0';
        memset(&h->ent, 0, sizeof h->ent);
        h->ent.type = XML_ENTITY_DECL;
        h->ent.name = (const xmlChar *)d->name;
        h->ent.orig = (xmlChar *)h->utf8;
        h->ent.content = (xmlChar *)h->utf8;
        h->ent.length = (int)n;
        h->ent.etype = XML_INTERNAL_PREDEFINED_ENTITY;
        h->ent.checked = 1;
    }
}

static xmlEntityPtr html_entity(const xmlChar *name)
{
    const htmlEntityDesc *d = htmlEntityLookup(name);
    if (!d)
        return NULL;
    size_t lo = 0, hi = n_html_entities;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (html_entities[mid].value < d->value)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n_html_entities && html_entities[lo].value == d->value)
        return &html_entities[lo].ent;
    return NULL;
}

/* --- the parse context --------------------------------------------------- */

typedef struct {
    xmlEntityPtr orig;
    xmlEntity copy;
} inline_entity_t;

typedef struct {
    at_feed_result_t *res;
    int64_t now;
    char *feed_canon; /* canonical feed URL, or NULL */
    const char *feed_given;
    char *root_base; /* base of relative links before any xml:base */
    char *feed_host;
    char **feed_authors; /* Atom feed-level authors, inherited by entries */
    size_t n_feed_authors, cap_feed_authors;
    size_t cap_items;
    int oom;
    /* libxml2 state */
    unsigned xml_errors;
    int entity_loop;
    inline_entity_t inlined[ENTITY_INLINE_KINDS];
    size_t n_inlined;
    size_t inline_bytes;
} feed_t;

/* --- small string helpers ------------------------------------------------ */

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char *dup_n(feed_t *f, const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) {
        f->oom = 1;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *dup_s(feed_t *f, const char *s)
{
    return s ? dup_n(f, s, strlen(s)) : NULL;
}

/* s without surrounding ASCII whitespace, as a span. */
static const char *trim_span(const char *s, size_t *len)
{
    size_t n = *len;
    while (n > 0 && is_space((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_space((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

static int starts_with_ci(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(s, prefix, n) == 0;
}

static int looks_like_http_url(const char *s)
{
    size_t len = strlen(s);
    s = trim_span(s, &len);
    return starts_with_ci(s, len, "http://") || starts_with_ci(s, len, "https://");
}

/* Cut a malloc'd UTF-8 string to at most max bytes at a character
 * boundary (protobuf fields have limits, at_json.h). */
static void cut_utf8(char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max)
        return;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    s[n] = '\0';
}

/* Replace a protobuf-c string field with an owned value; "" and NULL
 * leave the field as it is. */
static void set_field(char **field, char *value)
{
    if (!value)
        return;
    if (!value[0]) {
        free(value);
        return;
    }
    cut_utf8(value, AT_JSON_MAX_STRING);
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = value;
}

static int field_empty(const char *s)
{
    return !s || !s[0];
}

/* Append an owned string to a repeated field, unless it is empty, a
 * duplicate, or the list is full (AT_JSON_MAX_LIST). */
static void list_add(feed_t *f, char ***arr, size_t *n, size_t *cap, char *s)
{
    if (!s)
        return;
    if (!s[0] || *n >= AT_JSON_MAX_LIST) {
        free(s);
        return;
    }
    cut_utf8(s, AT_JSON_MAX_STRING);
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*arr)[i], s) == 0) {
            free(s);
            return;
        }
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        char **a = realloc(*arr, nc * sizeof *a);
        if (!a) {
            free(s);
            f->oom = 1;
            return;
        }
        *arr = a;
        *cap = nc;
    }
    (*arr)[(*n)++] = s;
}

/* --- encodings ----------------------------------------------------------- */

/* windows-1252 bytes 0x80..0x9F. The five bytes windows-1252 leaves
 * undefined map to the C1 code points of the same value, as the WHATWG
 * Encoding Standard does. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static unsigned cp1252_decode(unsigned char b)
{
    return (b >= 0x80 && b <= 0x9F) ? cp1252_high[b - 0x80] : b;
}

/* Scan UTF-8: returns 1 if valid; *non_ascii tells whether any byte was
 * >= 0x80. ASCII goes 8 bytes at a time: most feeds are mostly ASCII. */
static int utf8_check(const unsigned char *s, size_t n, int *non_ascii)
{
    size_t i = 0;
    *non_ascii = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        *non_ascii = 1;
        size_t len = at_utf8_decode(s + i, n - i, NULL);
        if (!len)
            return 0;
        i += len;
    }
    return 1;
}

typedef struct {
    char *buf;
    size_t len, cap;
} bytes_t;

static int bytes_reserve(bytes_t *b, size_t more)
{
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->buf, cap);
    if (!p)
        return -1;
    b->buf = p;
    b->cap = cap;
    return 0;
}

/* UTF-8 with every invalid byte read as windows-1252 instead (the usual
 * cause: one Latin-1 item pasted into a UTF-8 feed). When latin is set,
 * every non-ASCII byte is windows-1252 (the whole input is). */
static int decode_1252(const unsigned char *s, size_t n, int latin, bytes_t *out,
                       unsigned *repaired)
{
    if (bytes_reserve(out, n + n / 2 + 16) != 0)
        return -1;
    size_t i = 0;
    while (i < n) {
        if (bytes_reserve(out, 8) != 0)
            return -1;
        unsigned char c = s[i];
        if (c < 0x80) {
            out->buf[out->len++] = (char)c;
            i++;
            continue;
        }
        size_t len = latin ? 0 : at_utf8_decode(s + i, n - i, NULL);
        if (len) {
            memcpy(out->buf + out->len, s + i, len);
            out->len += len;
            i += len;
            continue;
        }
        out->len += at_utf8_encode(cp1252_decode(c), out->buf + out->len);
        if (!latin)
            (*repaired)++;
        i++;
    }
    return 0;
}

/* Any other encoding, through iconv. Undecodable bytes become U+FFFD
 * (counted), a sequence cut at the end of the input is dropped. */
static int decode_iconv(const char *s, size_t n, const char *encoding, bytes_t *out,
                        unsigned *repaired)
{
    iconv_t cd = iconv_open("UTF-8", encoding);
    if (cd == (iconv_t)-1)
        return -2;
    char *in = (char *)s;
    size_t inleft = n;
    int rc = 0;
    if (bytes_reserve(out, n * 2 + 16) != 0)
        rc = -1;
    while (rc == 0 && inleft > 0) {
        if (bytes_reserve(out, 16) != 0) {
            rc = -1;
            break;
        }
        char *o = out->buf + out->len;
        size_t oleft = out->cap - out->len;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        out->len = (size_t)(o - out->buf);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG) {
            if (bytes_reserve(out, out->cap) != 0)
                rc = -1;
        } else if (errno == EILSEQ) {
            if (bytes_reserve(out, 3) != 0) {
                rc = -1;
                break;
            }
            memcpy(out->buf + out->len, "\xEF\xBF\xBD", 3);
            out->len += 3;
            in++;
            inleft--;
            (*repaired)++;
            iconv(cd, NULL, NULL, NULL, NULL);
        } else {
            /* EINVAL: an incomplete sequence at the very end. */
            (*repaired)++;
            break;
        }
    }
    iconv_close(cd);
    return rc;
}

/* What a charset label means to us. */
typedef enum { ENC_UNKNOWN, ENC_UTF8, ENC_1252, ENC_UTF16, ENC_OTHER } enc_kind_t;

/* Normalize a label (trim, strip quotes, lowercase) into buf and classify
 * it. ISO-8859-1 and US-ASCII are read as windows-1252, as browsers do
 * (WHATWG Encoding): servers and feeds label windows-1252 text that way
 * all the time, and on real Latin-1 it gives the same characters. */
static enc_kind_t classify_label(const char *label, size_t len, char *buf, size_t buflen)
{
    label = trim_span(label, &len);
    while (len > 0 && (label[0] == '"' || label[0] == '\'')) {
        label++;
        len--;
    }
    while (len > 0 && (label[len - 1] == '"' || label[len - 1] == '\''))
        len--;
    if (len == 0 || len >= buflen)
        return ENC_UNKNOWN;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)label[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '+'))
            return ENC_UNKNOWN;
        buf[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    buf[len] = '\0';
    static const char *const utf8[] = {"utf-8", "utf8", "unicode-1-1-utf-8"};
    static const char *const w1252[] = {
        "windows-1252",   "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1",
        "iso_8859-1",     "latin1", "l1",       "us-ascii",   "ascii",
        "ansi_x3.4-1968", "cp819",  "ibm819",   "iso-ir-100"};
    for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++)
        if (strcmp(buf, utf8[i]) == 0)
            return ENC_UTF8;
    for (size_t i = 0; i < sizeof w1252 / sizeof w1252[0]; i++)
        if (strcmp(buf, w1252[i]) == 0)
            return ENC_1252;
    if (strcmp(buf, "utf-16") == 0 || strcmp(buf, "utf16") == 0)
        return ENC_UTF16;
    iconv_t cd = iconv_open("UTF-8", buf);
    if (cd == (iconv_t)-1)
        return ENC_UNKNOWN;
    iconv_close(cd);
    return ENC_OTHER;
}

/* A single-byte legacy label: those are the ones servers and feeds put on
 * UTF-8 text by mistake. */
static int is_legacy_label(const char *name)
{
    return strncmp(name, "iso-8859-", 9) == 0 || strncmp(name, "windows-125", 11) == 0 ||
           strncmp(name, "cp125", 5) == 0 || strncmp(name, "koi8", 4) == 0;
}

/* The encoding declared in an XML declaration at the start of an
 * ASCII-compatible document, as a span into s; 0 if none. */
static int xml_decl_encoding(const char *s, size_t n, const char **val, size_t *vlen)
{
    if (n > 512)
        n = 512;
    size_t i = 0;
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    if (n - i < 5 || memcmp(s + i, "<?xml", 5) != 0)
        return 0;
    const char *end = NULL;
    for (size_t k = i + 5; k + 1 < n; k++) {
        if (s[k] == '?' && s[k + 1] == '>') {
            end = s + k;
            break;
        }
    }
    if (!end)
        return 0;
    const char *p = s + i + 5;
    while (p + 8 <= end) {
        if (memcmp(p, "encoding", 8) == 0) {
            p += 8;
            while (p < end && is_space((unsigned char)*p))
                p++;
            if (p >= end || *p != '=')
                return 0;
            p++;
            while (p < end && is_space((unsigned char)*p))
                p++;
            if (p >= end || (*p != '"' && *p != '\''))
                return 0;
            char q = *p++;
            const char *v = p;
            while (p < end && *p != q)
                p++;
            if (p >= end)
                return 0;
            *val = v;
            *vlen = (size_t)(p - v);
            return 1;
        }
        p++;
    }
    return 0;
}

/* Turn the input into UTF-8. *text is either the input itself (already
 * valid UTF-8, possibly past a BOM) or out->buf. Returns 0, -1 on
 * allocation failure. */
static int decode_input(feed_t *f, const char *data, size_t len, const char *http_charset,
                        const char **text, size_t *tlen, bytes_t *out)
{
    const unsigned char *u = (const unsigned char *)data;
    at_feed_result_t *res = f->res;
    char label[32];
    enc_kind_t kind = ENC_UNKNOWN;
    int utf16_le = -1; /* for UTF-16 without a BOM: byte order from content */

    /* 1. A byte-order mark decides (RFC 7303 section 3, WHATWG). */
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        data += 3;
        len -= 3;
        kind = ENC_UTF8;
        strcpy(label, "utf-8");
    } else if (len >= 4 && u[0] == 0xFF && u[1] == 0xFE && u[2] == 0 && u[3] == 0) {
        kind = ENC_OTHER;
        strcpy(label, "utf-32le");
        data += 4;
        len -= 4;
    } else if (len >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF) {
        kind = ENC_OTHER;
        strcpy(label, "utf-32be");
        data += 4;
        len -= 4;
    } else if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        kind = ENC_OTHER;
        strcpy(label, "utf-16le");
        data += 2;
        len -= 2;
    } else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        kind = ENC_OTHER;
        strcpy(label, "utf-16be");
        data += 2;
        len -= 2;
    }
    u = (const unsigned char *)data;
    if (len >= 2 && u[0] == '<' && u[1] == 0)
        utf16_le = 1;
    else if (len >= 2 && u[0] == 0 && u[1] == '<')
        utf16_le = 0;

    /* 2. The HTTP charset, then 3. the XML declaration. */
    if (kind == ENC_UNKNOWN && http_charset) {
        kind = classify_label(http_charset, strlen(http_charset), label, sizeof label);
        if (kind == ENC_UNKNOWN)
            res->recovered_errors++; /* a label we cannot use: as if absent */
    }
    if (kind == ENC_UNKNOWN && utf16_le >= 0) {
        kind = ENC_UTF16; /* "<\0" or "\0<": UTF-16 without a BOM */
    } else if (kind == ENC_UNKNOWN) {
        const char *v;
        size_t vlen;
        if (xml_decl_encoding(data, len, &v, &vlen)) {
            kind = classify_label(v, vlen, label, sizeof label);
            /* "UTF-16" declared in ASCII bytes is self-contradictory. */
            if (kind == ENC_UTF16)
                kind = ENC_UNKNOWN;
            if (kind == ENC_UNKNOWN)
                res->recovered_errors++;
        }
    }
    if (kind == ENC_UTF16 && utf16_le < 0) {
        /* "UTF-16" said of bytes that start like ASCII: not believable. */
        kind = ENC_UNKNOWN;
        res->recovered_errors++;
    } else if (kind == ENC_UTF16) {
        strcpy(label, utf16_le == 0 ? "utf-16be" : "utf-16le");
        kind = ENC_OTHER;
    }

    /* 4. Valid UTF-8 is UTF-8: when nothing is declared, and also when
     * the label is a legacy single-byte one, since UTF-8 text labelled
     * ISO-8859-1 is a common server mistake and non-ASCII UTF-8 almost
     * never occurs by chance in single-byte text. */
    int non_ascii = 0;
    if (kind == ENC_UNKNOWN || kind == ENC_UTF8 || kind == ENC_1252 ||
        (kind == ENC_OTHER && is_legacy_label(label))) {
        int valid = utf8_check(u, len, &non_ascii);
        if (valid && (kind == ENC_UNKNOWN || kind == ENC_UTF8 || non_ascii)) {
            snprintf(res->encoding, sizeof res->encoding, "UTF-8");
            *text = data;
            *tlen = len;
            return 0;
        }
        if (!non_ascii) {
            /* Pure ASCII is the same in every label we accept. */
            snprintf(res->encoding, sizeof res->encoding, "UTF-8");
            *text = data;
            *tlen = len;
            return 0;
        }
        if (kind == ENC_UTF8) {
            /* Declared UTF-8 with stray bytes: repair them one by one. */
            snprintf(res->encoding, sizeof res->encoding, "UTF-8");
            if (decode_1252(u, len, 0, out, &res->recovered_errors) != 0)
                return -1;
            *text = out->buf;
            *tlen = out->len;
            return 0;
        }
        if (kind == ENC_UNKNOWN || kind == ENC_1252) {
            /* Nothing declared and not UTF-8 (uolNoticias.rss), or
             * declared Latin-1 / windows-1252. */
            snprintf(res->encoding, sizeof res->encoding, "windows-1252");
            if (decode_1252(u, len, 1, out, &res->recovered_errors) != 0)
                return -1;
            *text = out->buf;
            *tlen = out->len;
            return 0;
        }
    }
    /* Another encoding iconv knows (UTF-16, Shift_JIS, KOI8-R, ...). */
    snprintf(res->encoding, sizeof res->encoding, "%s", label);
    int rc = decode_iconv(data, len, label, out, &res->recovered_errors);
    if (rc == -1)
        return -1;
    if (rc == -2) {
        /* iconv_open failed after all: read as windows-1252. */
        snprintf(res->encoding, sizeof res->encoding, "windows-1252");
        res->recovered_errors++;
        out->len = 0;
        if (decode_1252(u, len, !utf8_check(u, len, &non_ascii), out, &res->recovered_errors) != 0)
            return -1;
    }
    *text = out->buf;
    *tlen = out->len;
    return 0;
}

/* --- bare ampersands ---------------------------------------------------- */

static int name_byte(unsigned char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80 ||
           (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
}

/* True if s[0..n) (s[0] == '&') starts a well-formed reference: &name;
 * &#123; or &#x1F;. */
static int is_reference(const char *s, size_t n)
{
    size_t i = 1, max = n < 80 ? n : 80;
    if (i < max && s[i] == '#') {
        i++;
        int hex = i < max && s[i] == 'x';
        size_t start = i += hex;
        while (i < max && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i])))
            i++;
        return i > start && i < max && s[i] == ';';
    }
    if (!(i < max && name_byte((unsigned char)s[i], 1)))
        return 0;
    while (i < max && name_byte((unsigned char)s[i], 0))
        i++;
    return i < max && s[i] == ';';
}

/* End of the markup block starting at s[i] ("<!..."): CDATA sections and
 * comments to their terminator, a DOCTYPE past its internal subset. */
static size_t skip_markup(const char *s, size_t n, size_t i)
{
    const char *end = NULL;
    size_t add = 0;
    if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
        end = memmem(s + i + 9, n - i - 9, "]]>", 3);
        add = 3;
    } else if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
        end = memmem(s + i + 4, n - i - 4, "-->", 3);
        add = 3;
    } else {
        const char *gt = memchr(s + i, '>', n - i);
        const char *br = memchr(s + i, '[', gt ? (size_t)(gt - (s + i)) : n - i);
        if (br) {
            end = memmem(br, n - (size_t)(br - s), "]>", 2);
            add = 2;
            if (!end) {
                end = memmem(br, n - (size_t)(br - s), "]", 1);
                add = 1;
            }
        } else {
            end = gt;
            add = 1;
        }
    }
    return end ? (size_t)(end - s) + add : n;
}

/* An '&' that starts no reference ("?a=1&b=2", "AT&T") is the most
 * common way feeds are ill-formed, and libxml2's recovery drops the text
 * after it up to the next ';'. Escape such ampersands as "&amp;" outside
 * CDATA sections, comments and the DOCTYPE (where they are either legal
 * or not ours to fix). Returns 1 with the repaired text in out, or 0
 * when nothing needed repair (out untouched), -1 on allocation failure. */
static int repair_ampersands(const char *s, size_t n, bytes_t *out, unsigned *fixed)
{
    size_t i = 0, copied = 0;
    const char *amp = memchr(s, '&', n);
    if (!amp)
        return 0;
    const char *bang = memmem(s, n, "<!", 2);
    while (amp) {
        size_t a = (size_t)(amp - s);
        if (bang && (size_t)(bang - s) < a) {
            i = skip_markup(s, n, (size_t)(bang - s));
            bang = i < n ? memmem(s + i, n - i, "<!", 2) : NULL;
            amp = i < n ? memchr(s + i, '&', n - i) : NULL;
            continue;
        }
        if (!is_reference(amp, n - a)) {
            if (bytes_reserve(out, a - copied + 5) != 0)
                return -1;
            memcpy(out->buf + out->len, s + copied, a - copied);
            out->len += a - copied;
            memcpy(out->buf + out->len, "&amp;", 5);
            out->len += 5;
            copied = a + 1;
            (*fixed)++;
        }
        i = a + 1;
        amp = i < n ? memchr(s + i, '&', n - i) : NULL;
    }
    if (copied == 0)
        return 0;
    if (bytes_reserve(out, n - copied) != 0)
        return -1;
    memcpy(out->buf + out->len, s + copied, n - copied);
    out->len += n - copied;
    return 1;
}

/* --- libxml2 hooks ------------------------------------------------------- */

static void xml_error(void *ctx, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ctx;
    feed_t *f = ctxt ? ctxt->_private : NULL;
    if (!f || !e)
        return;
    if (e->level >= XML_ERR_ERROR)
        f->xml_errors++;
    if (e->code == XML_ERR_ENTITY_LOOP)
        f->entity_loop = 1;
}

/* See the file comment: declared entities first (short flat ones become
 * text, the rest stay references that nothing follows), then the HTML 4
 * names, else undeclared (libxml2 reports it and drops the reference). */
static xmlEntityPtr xml_get_entity(void *ctx, const xmlChar *name)
{
    xmlParserCtxtPtr ctxt = ctx;
    feed_t *f = ctxt->_private;
    xmlEntityPtr ent = xmlSAX2GetEntity(ctx, name);
    if (ent) {
        if (ent->etype != XML_INTERNAL_GENERAL_ENTITY || !ent->content)
            return ent;
        size_t len = strlen((const char *)ent->content);
        if (len > ENTITY_INLINE_MAX || strchr((const char *)ent->content, '&') ||
            strchr((const char *)ent->content, '<') || f->inline_bytes + len > ENTITY_INLINE_BUDGET)
            return ent;
        f->inline_bytes += len;
        for (size_t i = 0; i < f->n_inlined; i++)
            if (f->inlined[i].orig == ent)
                return &f->inlined[i].copy;
        if (f->n_inlined >= ENTITY_INLINE_KINDS)
            return ent;
        inline_entity_t *in = &f->inlined[f->n_inlined++];
        in->orig = ent;
        memset(&in->copy, 0, sizeof in->copy);
        in->copy.type = XML_ENTITY_DECL;
        in->copy.name = ent->name;
        in->copy.orig = ent->content;
        in->copy.content = ent->content;
        in->copy.length = (int)len;
        in->copy.etype = XML_INTERNAL_PREDEFINED_ENTITY;
        in->copy.checked = 1;
        return &in->copy;
    }
    return html_entity(name);
}

/* --- tree helpers -------------------------------------------------------- */

static int ns_is(const xmlNode *n, const char *href)
{
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, href) == 0;
}

static int name_is(const xmlNode *n, const char *name)
{
    return strcmp((const char *)n->name, name) == 0;
}

/* An RSS core element: no namespace, or one of the namespaces RSS
 * versions put their own elements in. */
static int rss_core(const xmlNode *n, const char *name)
{
    if (n->type != XML_ELEMENT_NODE || !name_is(n, name))
        return 0;
    return !n->ns || ns_is(n, NS_RSS1) || ns_is(n, NS_RSS090) || ns_is(n, NS_RSS2_OLD) ||
           ns_is(n, NS_RSS2_HRV);
}

static int el_is(const xmlNode *n, const char *ns, const char *name)
{
    return n->type == XML_ELEMENT_NODE && name_is(n, name) && ns_is(n, ns);
}

static int atom_el(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && name_is(n, name) &&
           (ns_is(n, NS_ATOM) || ns_is(n, NS_ATOM03));
}

/* Attribute value without copying (the text child of the attribute);
 * ns NULL means an attribute without namespace. Looks at the element's
 * own attributes only, never at DTD defaults. */
static const char *attr(const xmlNode *n, const char *name, const char *ns)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, name) != 0)
            continue;
        if (ns ? !(a->ns && a->ns->href && strcmp((const char *)a->ns->href, ns) == 0)
               : a->ns != NULL)
            continue;
        if (a->children && a->children->type == XML_TEXT_NODE && !a->children->next &&
            a->children->content)
            return (const char *)a->children->content;
        return "";
    }
    return NULL;
}

/* The text directly inside an element (text and CDATA children;
 * entity references skipped), as a span: borrowed when there is one text
 * child, else built in *owned. */
static const char *node_text(feed_t *f, const xmlNode *n, size_t *len, char **owned)
{
    *owned = NULL;
    const xmlNode *only = NULL;
    size_t count = 0, total = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            only = c;
            count++;
            total += strlen((const char *)c->content);
        }
    }
    if (count == 0) {
        *len = 0;
        return "";
    }
    if (count == 1) {
        *len = total;
        return (const char *)only->content;
    }
    char *buf = malloc(total + 1);
    if (!buf) {
        f->oom = 1;
        *len = 0;
        return "";
    }
    size_t o = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            size_t l = strlen((const char *)c->content);
            memcpy(buf + o, c->content, l);
            o += l;
        }
    }
    buf[o] = '\0';
    *owned = buf;
    *len = o;
    return buf;
}

/* The trimmed text of an element as a malloc'd string (NULL if blank). */
static char *node_trimmed(feed_t *f, const xmlNode *n)
{
    char *owned;
    size_t len;
    const char *s = node_text(f, n, &len, &owned);
    s = trim_span(s, &len);
    char *out = len ? dup_n(f, s, len) : NULL;
    free(owned);
    return out;
}

static int has_element_child(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

/* Text of an element whose content is HTML: escaped (the RSS way), or
 * actual child elements (broken feeds, and Atom xhtml). */
static char *node_html(feed_t *f, const xmlNode *n, int flags)
{
    char *out;
    if (has_element_child(n)) {
        out = at_html_nodes_to_text(n->children, flags);
    } else {
        char *owned;
        size_t len;
        const char *s = node_text(f, n, &len, &owned);
        out = at_html_to_text(s, len, flags);
        free(owned);
    }
    if (!out)
        f->oom = 1;
    return out;
}

static char *node_plain(feed_t *f, const xmlNode *n, int flags)
{
    char *owned;
    size_t len;
    const char *s = node_text(f, n, &len, &owned);
    char *out = at_html_plain(s, len, flags);
    free(owned);
    if (!out)
        f->oom = 1;
    return out;
}

/* An Atom text construct (title, summary, content; RFC 4287 3.1 and
 * 4.1.3): type text, html, xhtml or a media type; Atom 0.3's mode. NULL
 * for out-of-line (src) or binary content. */
static char *atom_text(feed_t *f, const xmlNode *n, int flags)
{
    if (attr(n, "src", NULL))
        return NULL;
    const char *type = attr(n, "type", NULL);
    const char *mode = attr(n, "mode", NULL);
    if (mode && strcmp(mode, "base64") == 0)
        return NULL;
    if (!type || strcasecmp(type, "text") == 0 || strcasecmp(type, "text/plain") == 0) {
        if (mode && strcmp(mode, "escaped") == 0)
            return node_html(f, n, flags);
        return has_element_child(n) ? node_html(f, n, flags) : node_plain(f, n, flags);
    }
    if (strcasecmp(type, "html") == 0 || strcasecmp(type, "text/html") == 0)
        return node_html(f, n, flags);
    if (strcasecmp(type, "xhtml") == 0 || strcasecmp(type, "application/xhtml+xml") == 0) {
        char *out = at_html_nodes_to_text(n->children, flags);
        if (!out)
            f->oom = 1;
        return out;
    }
    size_t tl = strlen(type);
    if (strncasecmp(type, "text/", 5) == 0 || (tl > 4 && strcasecmp(type + tl - 4, "+xml") == 0) ||
        (tl > 4 && strcasecmp(type + tl - 4, "/xml") == 0))
        return node_html(f, n, flags);
    return NULL; /* base64 media (RFC 4287 4.1.3.3) */
}

/* The base URL in force at n: the feed's root base, then every xml:base
 * from the root down to n, each resolved against the one above (RFC 3986
 * via at_url_resolve). A base that does not resolve is ignored. Returns a
 * malloc'd string, or NULL when there is no base at all. */
static char *node_base(feed_t *f, const xmlNode *n)
{
    const char *chain[32];
    size_t depth = 0;
    for (const xmlNode *p = n; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
        const char *b = attr(p, "base", NS_XML);
        if (b && depth < sizeof chain / sizeof chain[0])
            chain[depth++] = b;
    }
    char *base = f->root_base ? dup_s(f, f->root_base) : NULL;
    while (depth > 0) {
        const char *b = chain[--depth];
        char *next = at_url_resolve(base, b);
        if (next) {
            free(base);
            base = next;
        }
    }
    return base;
}

/* A link found at node n (its text or an attribute value), canonical and
 * absolute, or NULL. */
static char *link_at(feed_t *f, const xmlNode *n, const char *ref)
{
    if (!ref)
        return NULL;
    char *base = node_base(f, n);
    char *url = at_url_canonical(base, ref);
    free(base);
    return url;
}

/* xml:lang in force at n, or NULL ("" means explicitly unknown). */
static const char *node_lang(const xmlNode *n)
{
    for (const xmlNode *p = n; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
        const char *l = attr(p, "lang", NS_XML);
        if (l)
            return l;
    }
    return NULL;
}

/* A language tag as given, cleaned: trimmed, "_" as "-" (en_US), at most
 * 35 characters of letters, digits and "-"; NULL if not like a tag. */
static char *clean_lang(feed_t *f, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    s = trim_span(s, &len);
    if (len == 0 || len > 35)
        return NULL;
    char *out = dup_n(f, s, len);
    if (!out)
        return NULL;
    for (char *p = out; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '_')
            *p = '-';
        else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-')) {
            free(out);
            return NULL;
        }
    }
    return out;
}

/* --- dates -------------------------------------------------------------- */

/* Month names feeds write in RFC 822 dates in other languages
 * (uolNoticias.rss: "Seg, 24 Set 2018 19:42:40 -0300"), lowercase UTF-8,
 * for Portuguese, Spanish, French, German, Italian and Dutch. Only used
 * when at_time_parse has already refused the text. */
static const char *const foreign_months[12][12] = {
    {"janeiro", "enero", "ene", "janvier", "janv", "januar", "j\xc3\xa4n", "j\xc3\xa4nner",
     "gennaio", "gen", "januari", NULL},
    {"fevereiro", "fev", "febrero", "f\xc3\xa9vrier", "f\xc3\xa9vr", "fevr", "februar", "febbraio",
     "februari", NULL},
    {"mar\xc3\xa7o", "marco", "marzo", "mars", "m\xc3\xa4rz", "m\xc3\xa4r", "maerz", "maart", "mrt",
     NULL},
    {"abril", "abr", "avril", "avr", "aprile", NULL},
    {"maio", "mai", "mayo", "maggio", "mag", "mei", NULL},
    {"junho", "junio", "juin", "juni", "giugno", "giu", NULL},
    {"julho", "julio", "juillet", "juil", "juli", "luglio", "lug", NULL},
    {"agosto", "ago", "ao\xc3\xbbt", "aout", "augustus", NULL},
    {"setembro", "set", "septiembre", "septembre", "settembre", NULL},
    {"outubro", "out", "octubre", "octobre", "oktober", "okt", "ottobre", "ott", NULL},
    {"novembro", "noviembre", "novembre", NULL},
    {"dezembro", "dez", "diciembre", "dic",
     "d\xc3\xa9"
     "cembre",
     "d\xc3\xa9"
     "c",
     "dezember", "dicembre", NULL},
};

static const char *const english_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* English abbreviation of a foreign month name (ASCII case ignored). */
static const char *english_month(const char *w, size_t len)
{
    for (size_t m = 0; m < 12; m++) {
        for (const char *const *n = foreign_months[m]; *n; n++) {
            if (strlen(*n) != len)
                continue;
            size_t i = 0;
            while (i < len) {
                unsigned char a = (unsigned char)w[i];
                if (a >= 'A' && a <= 'Z')
                    a = (unsigned char)(a + 32);
                if (a != (unsigned char)(*n)[i])
                    break;
                i++;
            }
            if (i == len)
                return english_months[m];
        }
    }
    return NULL;
}

/* at_time_parse, and when it refuses the text, once more with a leading
 * "weekday," dropped and foreign month names in English. */
static int parse_date(const char *s, int64_t *t)
{
    if (at_time_parse(s, t) == 0)
        return 0;
    size_t len = strlen(s);
    if (len > 96)
        return -1;
    char buf[128];
    size_t o = 0;
    const char *p = s;
    while (is_space((unsigned char)*p))
        p++;
    const char *q = p;
    while (word_byte((unsigned char)*q))
        q++;
    if (q > p && *q == ',')
        p = q + 1;
    int changed = p != s;
    while (*p && o + 8 < sizeof buf) {
        if (!word_byte((unsigned char)*p)) {
            buf[o++] = *p++;
            continue;
        }
        const char *w = p;
        while (word_byte((unsigned char)*p))
            p++;
        const char *eng = english_month(w, (size_t)(p - w));
        if (eng) {
            memcpy(buf + o, eng, 3);
            o += 3;
            if (*p == '.')
                p++; /* "janv." */
            changed = 1;
        } else {
            size_t wl = (size_t)(p - w);
            if (o + wl + 8 >= sizeof buf)
                return -1;
            memcpy(buf + o, w, wl);
            o += wl;
        }
    }
    buf[o] = '\0';
    return changed ? at_time_parse(buf, t) : -1;
}

/* --- entries ------------------------------------------------------------- */

/* One entry while it is read: the item plus what decides its url and id. */
typedef struct {
    Attache__V1__NewsItem *it;
    char *link;     /* canonical url from the entry's link */
    char *guid;     /* guid / id as given, trimmed */
    int guid_perma; /* isPermaLink: -1 absent, 0 false, 1 true */
    char *date;     /* preferred date text */
    char *date_alt; /* fallback date text (dc:date, updated) */
    char *lang;     /* the entry's own language */
    size_t cap_authors, cap_categories, cap_enclosures;
} entry_t;

static int entry_init(feed_t *f, entry_t *e)
{
    memset(e, 0, sizeof *e);
    e->guid_perma = -1;
    e->it = malloc(sizeof *e->it);
    if (!e->it) {
        f->oom = 1;
        return -1;
    }
    attache__v1__news_item__init(e->it);
    return 0;
}

static void entry_free(entry_t *e)
{
    if (e->it)
        protobuf_c_message_free_unpacked(&e->it->base, NULL);
    free(e->link);
    free(e->guid);
    free(e->date);
    free(e->date_alt);
    free(e->lang);
    memset(e, 0, sizeof *e);
}

static void take_once(char **slot, char *value)
{
    if (!value)
        return;
    if (*slot || !value[0]) {
        free(value);
        return;
    }
    *slot = value;
}

static void entry_author(feed_t *f, entry_t *e, char *name)
{
    list_add(f, &e->it->authors, &e->it->n_authors, &e->cap_authors, name);
}

static void entry_category(feed_t *f, entry_t *e, char *name)
{
    list_add(f, &e->it->categories, &e->it->n_categories, &e->cap_categories, name);
}

static void entry_enclosure(feed_t *f, entry_t *e, char *url)
{
    list_add(f, &e->it->enclosures, &e->it->n_enclosures, &e->cap_enclosures, url);
}

/* RSS <author> is "email (Name)" by the spec; keep the name when there
 * is one. */
static char *rss_author(feed_t *f, const xmlNode *n)
{
    char *s = node_html(f, n, AT_HTML_ONE_LINE);
    if (!s)
        return NULL;
    char *open = strchr(s, '(');
    size_t len = strlen(s);
    if (open && len > 0 && s[len - 1] == ')' && memchr(s, '@', (size_t)(open - s))) {
        size_t nl = len - 1 - (size_t)(open + 1 - s);
        char *name = dup_n(f, open + 1, nl);
        if (name) {
            size_t tl = strlen(name);
            const char *t = trim_span(name, &tl);
            memmove(name, t, tl);
            name[tl] = '\0';
        }
        if (name && name[0]) {
            free(s);
            return name;
        }
        free(name);
    }
    return s;
}

/* A title for an entry that has text but neither title nor link (the
 * item contract wants one of them): the first paragraph of the text, cut
 * at a word near SYNTH_TITLE_MAX bytes. */
static char *synth_title(feed_t *f, const char *text)
{
    size_t len = strcspn(text, "\n");
    int cut = 0;
    if (len > SYNTH_TITLE_MAX) {
        size_t n = SYNTH_TITLE_MAX;
        while (n > SYNTH_TITLE_MAX / 2 && text[n] != ' ')
            n--;
        if (text[n] != ' ') {
            n = SYNTH_TITLE_MAX;
            while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
                n--;
        }
        len = n;
        cut = 1;
    }
    char *t = malloc(len + 4);
    if (!t) {
        f->oom = 1;
        return NULL;
    }
    memcpy(t, text, len);
    if (cut)
        memcpy(t + len, "\xE2\x80\xA6", 4); /* ... */
    else
        t[len] = '\0';
    return t;
}

static char *hash_key(feed_t *f, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *k = malloc(la + lb + 2);
    if (!k) {
        f->oom = 1;
        return NULL;
    }
    memcpy(k, a, la);
    k[la] = '\n';
    memcpy(k + la + 1, b, lb + 1);
    return k;
}

/* Finish an entry into the result, or skip it. Takes the entry apart in
 * every case. */
static void entry_finish(feed_t *f, entry_t *e)
{
    at_feed_result_t *res = f->res;
    Attache__V1__NewsItem *it = e->it;
    if (f->oom)
        goto drop;
    if (res->n_items >= AT_FEED_MAX_ITEMS)
        goto skip;

    /* The guid is a permalink when it says so or says nothing, and it is
     * an http(s) URL. */
    char *perma = NULL;
    if (e->guid && e->guid_perma != 0 && looks_like_http_url(e->guid))
        perma = at_url_canonical(NULL, e->guid);

    /* url: the entry's link, else its permalink guid. */
    if (e->link) {
        set_field(&it->url, e->link);
        e->link = NULL;
    } else if (perma) {
        set_field(&it->url, dup_s(f, perma));
    }

    if (field_empty(it->title) && field_empty(it->url) && field_empty(it->summary) &&
        field_empty(it->body)) {
        free(perma);
        goto skip;
    }
    if (field_empty(it->title) && field_empty(it->url))
        set_field(&it->title, synth_title(f, field_empty(it->summary) ? it->body : it->summary));

    /* id: permalink guid, else url, else the guid (scoped by feed unless
     * it is a URI, hence globally unique), else feed + title. */
    char id[33];
    const char *feed_key = f->feed_canon   ? f->feed_canon
                           : f->res->title ? f->res->title
                           : f->feed_host  ? f->feed_host
                                           : "";
    if (perma) {
        at_url_item_id(perma, id, sizeof id);
    } else if (!field_empty(it->url)) {
        at_url_item_id(it->url, id, sizeof id);
    } else if (e->guid && strchr(e->guid, ':')) {
        at_url_item_id(e->guid, id, sizeof id);
    } else {
        char *k = hash_key(f, feed_key, e->guid ? e->guid : it->title);
        if (!k) {
            free(perma);
            goto drop;
        }
        at_url_item_id(k, id, sizeof id);
        free(k);
    }
    free(perma);
    set_field(&it->id, dup_s(f, id));
    if (e->guid) {
        set_field(&it->guid, e->guid);
        e->guid = NULL;
    }

    /* Dates: the preferred one, else the fallback; unparseable is 0. */
    int64_t t = 0;
    if (e->date || e->date_alt) {
        if (!(e->date && parse_date(e->date, &t) == 0) &&
            !(e->date_alt && parse_date(e->date_alt, &t) == 0)) {
            t = 0;
            res->bad_dates++;
        }
    }
    it->published = t;
    it->fetched = f->now;

    if (e->lang) {
        set_field(&it->language, e->lang);
        e->lang = NULL;
    } else if (res->language) {
        set_field(&it->language, dup_s(f, res->language));
    }
    if (it->n_authors == 0) {
        for (size_t i = 0; i < f->n_feed_authors; i++)
            entry_author(f, e, dup_s(f, f->feed_authors[i]));
    }
    if (res->title)
        set_field(&it->source, dup_s(f, res->title));
    else if (f->feed_host)
        set_field(&it->source, dup_s(f, f->feed_host));
    else if (!field_empty(it->url))
        set_field(&it->source, at_url_host(it->url)); /* a file without title */
    if (f->feed_canon)
        set_field(&it->feed, dup_s(f, f->feed_canon));
    else if (f->feed_given) {
        /* A file name: kept as given when it is printable UTF-8. */
        char *g = dup_s(f, f->feed_given);
        int ok = g != NULL;
        for (const unsigned char *p = (const unsigned char *)g; ok && *p; p++)
            if (*p < 0x20 || *p == 0x7f)
                ok = 0;
        int na;
        if (ok && utf8_check((const unsigned char *)g, strlen(g), &na))
            set_field(&it->feed, g);
        else
            free(g);
    }
    if (f->oom)
        goto drop;

    if (at_json_item_validate(it, NULL, 0) != 0)
        goto skip; /* cannot happen by construction; never emit a bad item */

    if (res->n_items == f->cap_items) {
        size_t nc = f->cap_items ? f->cap_items * 2 : 16;
        Attache__V1__NewsItem **a = realloc(res->items, nc * sizeof *a);
        if (!a) {
            f->oom = 1;
            goto drop;
        }
        res->items = a;
        f->cap_items = nc;
    }
    res->items[res->n_items++] = it;
    e->it = NULL;
    entry_free(e);
    return;
skip:
    res->items_skipped++;
drop:
    entry_free(e);
}

/* --- RSS 0.9x / 1.0 / 2.0 ------------------------------------------------ */

static int parse_ttl(const char *s, int scale)
{
    if (!s)
        return 0;
    char *end;
    long v = strtol(s, &end, 10);
    while (is_space((unsigned char)*end))
        end++;
    if (*end || v <= 0 || v > 525600)
        return 0;
    return (int)(v * scale > 31536000 ? 31536000 : v * scale);
}

/* Channel metadata: title, link, language, ttl, self link. */
static void rss_channel(feed_t *f, const xmlNode *channel, char **self_link, char **site_ref)
{
    at_feed_result_t *res = f->res;
    char *period = NULL, *freq = NULL;
    for (const xmlNode *c = channel->children; c && !f->oom; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (rss_core(c, "title") && !res->title) {
            res->title = node_html(f, c, AT_HTML_ONE_LINE);
            if (res->title && !res->title[0]) {
                free(res->title);
                res->title = NULL;
            }
        } else if (rss_core(c, "link") && !*site_ref) {
            *site_ref = node_trimmed(f, c);
        } else if ((rss_core(c, "language") || el_is(c, NS_DC, "language")) && !res->language) {
            char *l = node_trimmed(f, c);
            res->language = clean_lang(f, l);
            free(l);
        } else if (rss_core(c, "ttl") && res->ttl_seconds == 0) {
            char *s = node_trimmed(f, c);
            res->ttl_seconds = parse_ttl(s, 60);
            free(s);
        } else if (el_is(c, NS_SY, "updatePeriod")) {
            take_once(&period, node_trimmed(f, c));
        } else if (el_is(c, NS_SY, "updateFrequency")) {
            take_once(&freq, node_trimmed(f, c));
        } else if (atom_el(c, "link") && !*self_link) {
            const char *rel = attr(c, "rel", NULL);
            const char *href = attr(c, "href", NULL);
            if (rel && strcmp(rel, "self") == 0 && href)
                *self_link = dup_s(f, href);
        }
    }
    if (res->ttl_seconds == 0 && period) {
        static const struct {
            const char *name;
            int secs;
        } periods[] = {{"hourly", 3600},
                       {"daily", 86400},
                       {"weekly", 604800},
                       {"monthly", 2592000},
                       {"yearly", 31536000}};
        for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
            if (strcasecmp(period, periods[i].name) == 0) {
                int n = freq ? parse_ttl(freq, 1) : 1;
                res->ttl_seconds = periods[i].secs / (n > 0 ? n : 1);
                break;
            }
        }
    }
    free(period);
    free(freq);
}

static void rss_item(feed_t *f, const xmlNode *item)
{
    entry_t e;
    if (entry_init(f, &e) != 0)
        return;
    Attache__V1__NewsItem *it = e.it;
    char *origlink = NULL;
    int have_guid = 0; /* a <guid> wins over rdf:about */
    const char *about = attr(item, "about", NS_RDF);
    if (about && about[0]) {
        /* RSS 1.0: rdf:about is the item's URI, usually its link. */
        size_t l = strlen(about);
        const char *t = trim_span(about, &l);
        if (l)
            e.guid = dup_n(f, t, l);
    }
    for (const xmlNode *c = item->children; c && !f->oom; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (rss_core(c, "title")) {
            if (field_empty(it->title))
                set_field(&it->title, node_html(f, c, AT_HTML_ONE_LINE));
        } else if (rss_core(c, "link")) {
            if (!e.link) {
                char *ref = node_trimmed(f, c);
                e.link = link_at(f, c, ref);
                free(ref);
            }
        } else if (rss_core(c, "description")) {
            if (field_empty(it->summary))
                set_field(&it->summary, node_html(f, c, 0));
        } else if (el_is(c, NS_CONTENT, "encoded")) {
            if (field_empty(it->body))
                set_field(&it->body, node_html(f, c, 0));
        } else if (rss_core(c, "guid")) {
            if (!have_guid) {
                char *g = node_trimmed(f, c);
                if (g) {
                    have_guid = 1;
                    free(e.guid);
                    e.guid = g;
                    const char *p = attr(c, "isPermaLink", NULL);
                    e.guid_perma = !p ? -1 : strcasecmp(p, "false") == 0 ? 0 : 1;
                }
            }
        } else if (rss_core(c, "pubDate")) {
            take_once(&e.date, node_trimmed(f, c));
        } else if (el_is(c, NS_DC, "date")) {
            take_once(&e.date_alt, node_trimmed(f, c));
        } else if (rss_core(c, "author")) {
            entry_author(f, &e, rss_author(f, c));
        } else if (el_is(c, NS_DC, "creator")) {
            entry_author(f, &e, node_html(f, c, AT_HTML_ONE_LINE));
        } else if (rss_core(c, "category") || el_is(c, NS_DC, "subject")) {
            entry_category(f, &e, node_html(f, c, AT_HTML_ONE_LINE));
        } else if (rss_core(c, "enclosure")) {
            entry_enclosure(f, &e, link_at(f, c, attr(c, "url", NULL)));
        } else if (el_is(c, NS_MEDIA, "content")) {
            entry_enclosure(f, &e, link_at(f, c, attr(c, "url", NULL)));
        } else if (el_is(c, NS_MEDIA, "group")) {
            for (const xmlNode *m = c->children; m; m = m->next)
                if (el_is(m, NS_MEDIA, "content"))
                    entry_enclosure(f, &e, link_at(f, m, attr(m, "url", NULL)));
        } else if (el_is(c, NS_FB, "origLink")) {
            /* FeedBurner's original article URL, instead of its redirect. */
            if (!origlink) {
                char *ref = node_trimmed(f, c);
                origlink = link_at(f, c, ref);
                free(ref);
            }
        } else if (el_is(c, NS_DC, "language")) {
            if (!e.lang) {
                char *l = node_trimmed(f, c);
                e.lang = clean_lang(f, l);
                free(l);
            }
        }
    }
    if (origlink) {
        free(e.link);
        e.link = origlink;
    }
    if (!e.lang)
        e.lang = clean_lang(f, node_lang(item));
    entry_finish(f, &e);
}

/* --- Atom ---------------------------------------------------------------- */

/* The names of the <author> children of n (Atom person constructs). */
static void atom_authors(feed_t *f, const xmlNode *n, char ***arr, size_t *cnt, size_t *cap)
{
    for (const xmlNode *c = n->children; c && !f->oom; c = c->next) {
        if (!atom_el(c, "author"))
            continue;
        char *name = NULL;
        for (const xmlNode *p = c->children; p; p = p->next) {
            if (atom_el(p, "name")) {
                name = node_plain(f, p, AT_HTML_ONE_LINE);
                break;
            }
        }
        if (!name || !name[0]) {
            free(name);
            name = NULL;
            for (const xmlNode *p = c->children; p; p = p->next) {
                if (atom_el(p, "email")) {
                    name = node_plain(f, p, AT_HTML_ONE_LINE);
                    break;
                }
            }
        }
        list_add(f, arr, cnt, cap, name);
    }
}

/* The entry or feed link: rel="alternate" (or no rel), preferring an HTML
 * type or no type. Returns the element. */
static const xmlNode *atom_alternate(const xmlNode *n)
{
    const xmlNode *any = NULL;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!atom_el(c, "link") || !attr(c, "href", NULL))
            continue;
        const char *rel = attr(c, "rel", NULL);
        if (rel && strcmp(rel, "alternate") != 0 &&
            strcmp(rel, "http://www.iana.org/assignments/relation/alternate") != 0)
            continue;
        const char *type = attr(c, "type", NULL);
        if (!type || strcasecmp(type, "text/html") == 0 ||
            strcasecmp(type, "application/xhtml+xml") == 0)
            return c;
        if (!any)
            any = c;
    }
    return any;
}

static void atom_entry(feed_t *f, const xmlNode *entry)
{
    entry_t e;
    if (entry_init(f, &e) != 0)
        return;
    Attache__V1__NewsItem *it = e.it;
    const xmlNode *alt = atom_alternate(entry);
    if (alt)
        e.link = link_at(f, alt, attr(alt, "href", NULL));
    for (const xmlNode *c = entry->children; c && !f->oom; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (atom_el(c, "title")) {
            if (field_empty(it->title))
                set_field(&it->title, atom_text(f, c, AT_HTML_ONE_LINE));
        } else if (atom_el(c, "summary")) {
            if (field_empty(it->summary))
                set_field(&it->summary, atom_text(f, c, 0));
        } else if (atom_el(c, "content")) {
            if (field_empty(it->body))
                set_field(&it->body, atom_text(f, c, 0));
        } else if (atom_el(c, "id")) {
            take_once(&e.guid, node_trimmed(f, c));
        } else if (atom_el(c, "published") || atom_el(c, "issued")) {
            take_once(&e.date, node_trimmed(f, c));
        } else if (atom_el(c, "updated") || atom_el(c, "modified")) {
            take_once(&e.date_alt, node_trimmed(f, c));
        } else if (atom_el(c, "category")) {
            const char *term = attr(c, "term", NULL);
            if (!term || !term[0])
                term = attr(c, "label", NULL);
            if (term)
                entry_category(f, &e, at_html_plain(term, strlen(term), AT_HTML_ONE_LINE));
        } else if (atom_el(c, "link")) {
            const char *rel = attr(c, "rel", NULL);
            if (rel && strcmp(rel, "enclosure") == 0)
                entry_enclosure(f, &e, link_at(f, c, attr(c, "href", NULL)));
        } else if (el_is(c, NS_MEDIA, "content")) {
            entry_enclosure(f, &e, link_at(f, c, attr(c, "url", NULL)));
        } else if (el_is(c, NS_MEDIA, "group")) {
            for (const xmlNode *m = c->children; m; m = m->next)
                if (el_is(m, NS_MEDIA, "content"))
                    entry_enclosure(f, &e, link_at(f, m, attr(m, "url", NULL)));
        } else if (el_is(c, NS_FB, "origLink")) {
            char *ref = node_trimmed(f, c);
            char *u = link_at(f, c, ref);
            free(ref);
            if (u) {
                free(e.link);
                e.link = u;
            }
        }
    }
    atom_authors(f, entry, &it->authors, &it->n_authors, &e.cap_authors);
    /* The guid is an Atom id: permanent and unique, but a permalink only
     * when it is an http(s) URL (looks_like_http_url decides). */
    e.lang = clean_lang(f, node_lang(entry));
    entry_finish(f, &e);
}

/* --- the XML side -------------------------------------------------------- */

/* Set the root base (feed URL, else self link, else site link) and the
 * feed's site link, once the feed metadata is known. */
static void set_bases(feed_t *f, const xmlNode *feed_el, const char *self_ref, const char *site_ref)
{
    at_feed_result_t *res = f->res;
    if (!f->root_base && self_ref)
        f->root_base = at_url_resolve(NULL, self_ref);
    if (site_ref) {
        char *base = node_base(f, feed_el);
        char *abs = at_url_resolve(base, site_ref);
        free(base);
        if (!f->root_base && abs)
            f->root_base = dup_s(f, abs);
        if (abs) {
            res->link = at_url_canonical(NULL, abs);
            free(abs);
        }
    }
    if (!f->feed_host && (f->root_base || res->link))
        f->feed_host = at_url_host(f->root_base ? f->root_base : res->link);
}

static void walk_rss(feed_t *f, const xmlNode *root)
{
    char *self = NULL, *site = NULL;
    const xmlNode *channel = NULL;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (rss_core(c, "channel")) {
            channel = c;
            break;
        }
    }
    if (channel)
        rss_channel(f, channel, &self, &site);
    set_bases(f, channel ? channel : root, self, site);
    free(self);
    free(site);
    /* Items live in the channel (0.91, 0.92, 2.0) or beside it (RDF);
     * broken feeds put them under <rss> itself. Take both places. */
    for (int pass = 0; pass < 2 && !f->oom; pass++) {
        const xmlNode *parent = pass == 0 ? channel : root;
        if (!parent)
            continue;
        for (const xmlNode *c = parent->children; c && !f->oom; c = c->next)
            if (rss_core(c, "item"))
                rss_item(f, c);
    }
}

static void walk_atom(feed_t *f, const xmlNode *root)
{
    at_feed_result_t *res = f->res;
    char *self = NULL;
    for (const xmlNode *c = root->children; c && !f->oom; c = c->next) {
        if (atom_el(c, "title") && !res->title) {
            res->title = atom_text(f, c, AT_HTML_ONE_LINE);
            if (res->title && !res->title[0]) {
                free(res->title);
                res->title = NULL;
            }
        } else if (atom_el(c, "link") && !self) {
            const char *rel = attr(c, "rel", NULL);
            const char *href = attr(c, "href", NULL);
            if (rel && href && strcmp(rel, "self") == 0) {
                char *base = node_base(f, c);
                self = at_url_resolve(base, href);
                free(base);
            }
        }
    }
    atom_authors(f, root, &f->feed_authors, &f->n_feed_authors, &f->cap_feed_authors);
    res->language = clean_lang(f, node_lang(root));
    const xmlNode *alt = atom_alternate(root);
    set_bases(f, root, self, alt ? attr(alt, "href", NULL) : NULL);
    free(self);
    for (const xmlNode *c = root->children; c && !f->oom; c = c->next)
        if (atom_el(c, "entry"))
            atom_entry(f, c);
}

static int parse_xml(feed_t *f, const char *text, size_t len, char *err, size_t errlen)
{
    at_feed_result_t *res = f->res;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        at_err_set_ascii(err, errlen, "out of memory");
        return -1;
    }
    ctxt->_private = f;
    ctxt->sax->serror = xml_error;
    ctxt->sax->getEntity = xml_get_entity;
    /* No XML_PARSE_NOENT (references stay references), no DTDLOAD or
     * DTDATTR (no external subset, no defaulted attributes), NONET (no
     * network even if something asked), no HUGE (libxml2's limits on
     * text size, depth and entity amplification stay on), IGNORE_ENC
     * (the text is UTF-8 already), RECOVER (keep what is usable of a
     * broken feed), NOERROR/NOWARNING (errors reach xml_error only). */
    int opts = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
               XML_PARSE_COMPACT | XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, text, (int)len, NULL, NULL, opts);
    xmlFreeParserCtxt(ctxt);
    res->recovered_errors += f->xml_errors;
    if (f->entity_loop) {
        xmlFreeDoc(doc);
        at_err_set_ascii(err, errlen,
                         "entity expansion limit hit (entity bomb?): document rejected");
        return -1;
    }
    const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        at_err_set_ascii(err, errlen, "not a feed: not XML (%u parse errors)", f->xml_errors);
        return -1;
    }
    int rc = 0;
    if (rss_core(root, "rss")) {
        const char *v = attr(root, "version", NULL);
        res->format = (v && strncmp(v, "0.9", 3) == 0) ? "rss09" : "rss2";
        walk_rss(f, root);
    } else if (strcmp((const char *)root->name, "RDF") == 0 && ns_is(root, NS_RDF)) {
        int is090 = 0, is1 = 0;
        for (const xmlNode *c = root->children; c; c = c->next) {
            if (c->type == XML_ELEMENT_NODE && ns_is(c, NS_RSS090))
                is090 = 1;
            if (c->type == XML_ELEMENT_NODE && ns_is(c, NS_RSS1))
                is1 = 1;
        }
        if (!is090 && !is1) {
            at_err_set_ascii(err, errlen, "not a feed: RDF document without RSS channel or items");
            rc = -1;
        } else {
            res->format = is1 ? "rss1" : "rss09";
            walk_rss(f, root);
        }
    } else if (strcmp((const char *)root->name, "feed") == 0 &&
               (ns_is(root, NS_ATOM) || ns_is(root, NS_ATOM03))) {
        res->format = "atom";
        walk_atom(f, root);
    } else if (strcasecmp((const char *)root->name, "html") == 0) {
        at_err_set_ascii(err, errlen, "not a feed: an HTML page");
        rc = -1;
    } else {
        at_err_set_ascii(err, errlen, "not a feed: XML root element <%.40s>%s%.80s", root->name,
                         root->ns && root->ns->href ? " in namespace " : "",
                         root->ns && root->ns->href ? (const char *)root->ns->href : "");
        rc = -1;
    }
    xmlFreeDoc(doc);
    return rc;
}

/* --- JSON Feed ----------------------------------------------------------- */

static const char *json_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A plain-text JSON Feed field. */
static char *json_plain(feed_t *f, json_t *obj, const char *key, int flags)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return NULL;
    char *out = at_html_plain(json_string_value(v), json_string_length(v), flags);
    if (!out)
        f->oom = 1;
    return out;
}

/* JSON Feed 1.1 "authors" (or 1.0 "author"): names. */
static void json_authors(feed_t *f, json_t *obj, char ***arr, size_t *n, size_t *cap)
{
    json_t *authors = json_object_get(obj, "authors");
    json_t *one = json_object_get(obj, "author");
    size_t count = json_is_array(authors) ? json_array_size(authors) : 0;
    for (size_t i = 0; i < count + 1 && !f->oom; i++) {
        json_t *a = i < count ? json_array_get(authors, i) : (count ? NULL : one);
        if (!json_is_object(a))
            continue;
        char *name = json_plain(f, a, "name", AT_HTML_ONE_LINE);
        list_add(f, arr, n, cap, name);
    }
}

static void json_item(feed_t *f, json_t *obj)
{
    entry_t e;
    if (entry_init(f, &e) != 0)
        return;
    Attache__V1__NewsItem *it = e.it;
    json_t *id = json_object_get(obj, "id");
    if (json_is_string(id)) {
        size_t l = json_string_length(id);
        const char *t = trim_span(json_string_value(id), &l);
        if (l)
            e.guid = dup_n(f, t, l);
    } else if (json_is_integer(id)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        e.guid = dup_s(f, buf);
    }
    const char *url = json_str(obj, "url");
    if (!url)
        url = json_str(obj, "external_url");
    if (url)
        e.link = at_url_canonical(f->root_base, url);
    set_field(&it->title, json_plain(f, obj, "title", AT_HTML_ONE_LINE));
    set_field(&it->summary, json_plain(f, obj, "summary", 0));
    json_t *html = json_object_get(obj, "content_html");
    if (json_is_string(html)) {
        char *t = at_html_to_text(json_string_value(html), json_string_length(html), 0);
        if (!t)
            f->oom = 1;
        set_field(&it->body, t);
    }
    if (field_empty(it->body))
        set_field(&it->body, json_plain(f, obj, "content_text", 0));
    const char *d = json_str(obj, "date_published");
    const char *m = json_str(obj, "date_modified");
    if (d)
        e.date = dup_s(f, d);
    if (m)
        e.date_alt = dup_s(f, m);
    json_authors(f, obj, &it->authors, &it->n_authors, &e.cap_authors);
    json_t *tags = json_object_get(obj, "tags");
    for (size_t i = 0; json_is_array(tags) && i < json_array_size(tags) && !f->oom; i++) {
        json_t *t = json_array_get(tags, i);
        if (json_is_string(t))
            entry_category(
                f, &e,
                at_html_plain(json_string_value(t), json_string_length(t), AT_HTML_ONE_LINE));
    }
    json_t *att = json_object_get(obj, "attachments");
    for (size_t i = 0; json_is_array(att) && i < json_array_size(att) && !f->oom; i++) {
        json_t *a = json_array_get(att, i);
        const char *u = json_is_object(a) ? json_str(a, "url") : NULL;
        if (u)
            entry_enclosure(f, &e, at_url_canonical(f->root_base, u));
    }
    e.lang = clean_lang(f, json_str(obj, "language"));
    entry_finish(f, &e);
}

static int parse_json(feed_t *f, const char *text, size_t len, char *err, size_t errlen)
{
    at_feed_result_t *res = f->res;
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root) {
        at_err_set_ascii(err, errlen, "not a feed: invalid JSON at line %d column %d: %s",
                         jerr.line, jerr.column, jerr.text);
        return -1;
    }
    json_t *items = json_object_get(root, "items");
    const char *version = json_is_object(root) ? json_str(root, "version") : NULL;
    int is_feed = json_is_object(root) && json_is_array(items) &&
                  (!version || strncmp(version, "https://jsonfeed.org/version/", 29) == 0 ||
                   strncmp(version, "http://jsonfeed.org/version/", 28) == 0);
    if (!is_feed) {
        at_err_set_ascii(err, errlen,
                         "not a feed: JSON that is not a JSON Feed (no version and items)");
        json_decref(root);
        return -1;
    }
    res->format = "jsonfeed";
    char *t = json_plain(f, root, "title", AT_HTML_ONE_LINE);
    if (t && t[0])
        res->title = t;
    else
        free(t);
    res->language = clean_lang(f, json_str(root, "language"));
    json_authors(f, root, &f->feed_authors, &f->n_feed_authors, &f->cap_feed_authors);
    const char *self = json_str(root, "feed_url");
    const char *home = json_str(root, "home_page_url");
    if (!f->root_base && self)
        f->root_base = at_url_resolve(NULL, self);
    if (home) {
        res->link = at_url_canonical(f->root_base, home);
        if (!f->root_base)
            f->root_base = at_url_resolve(NULL, home);
    }
    if (!f->feed_host && (f->root_base || res->link))
        f->feed_host = at_url_host(f->root_base ? f->root_base : res->link);
    for (size_t i = 0; i < json_array_size(items) && !f->oom; i++) {
        json_t *obj = json_array_get(items, i);
        if (json_is_object(obj))
            json_item(f, obj);
        else
            res->items_skipped++;
    }
    json_decref(root);
    return 0;
}

/* --- entry point --------------------------------------------------------- */

static void feed_free(feed_t *f)
{
    free(f->feed_canon);
    free(f->root_base);
    free(f->feed_host);
    for (size_t i = 0; i < f->n_feed_authors; i++)
        free(f->feed_authors[i]);
    free(f->feed_authors);
}

int at_feed_parse(const char *data, size_t len, const char *http_charset, const char *feed_url,
                  int64_t now, at_feed_result_t *out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out) {
        at_err_set_ascii(err, errlen, "no result given");
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (!data || len == 0) {
        at_err_set_ascii(err, errlen, "empty document");
        return -1;
    }
    if (len > AT_FEED_MAX_BYTES) {
        at_err_set_ascii(err, errlen, "document too large (%zu bytes, limit %d)", len,
                         AT_FEED_MAX_BYTES);
        return -1;
    }
    if (len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b) {
        at_err_set_ascii(err, errlen, "gzip-compressed data: decompress before parsing");
        return -1;
    }
    pthread_once(&init_once, init_once_fn);

    feed_t f;
    memset(&f, 0, sizeof f);
    f.res = out;
    f.now = now;
    f.feed_given = feed_url;
    if (feed_url) {
        f.feed_canon = at_url_canonical(NULL, feed_url);
        f.root_base = at_url_resolve(NULL, feed_url);
        if (f.root_base)
            f.feed_host = at_url_host(f.root_base);
    }

    bytes_t buf = {0};
    const char *text = NULL;
    size_t tlen = 0;
    int rc;
    if (decode_input(&f, data, len, http_charset, &text, &tlen, &buf) != 0) {
        f.oom = 1;
        rc = -1;
    } else {
        /* Whitespace before the XML declaration is a common breakage that
         * makes libxml2 refuse the declaration. */
        while (tlen > 0 && is_space((unsigned char)*text)) {
            text++;
            tlen--;
        }
        if (tlen == 0) {
            at_err_set_ascii(err, errlen, "empty document");
            rc = -1;
        } else if (*text == '{') {
            rc = parse_json(&f, text, tlen, err, errlen);
        } else if (*text != '<') {
            at_err_set_ascii(err, errlen, "not a feed: neither XML nor JSON");
            rc = -1;
        } else if (starts_with_ci(text, tlen, "<!doctype html") ||
                   starts_with_ci(text, tlen, "<html")) {
            at_err_set_ascii(err, errlen, "not a feed: an HTML page");
            rc = -1;
        } else {
            bytes_t fixed = {0};
            int r = repair_ampersands(text, tlen, &fixed, &out->recovered_errors);
            if (r < 0) {
                f.oom = 1;
                rc = -1;
            } else {
                if (r > 0) {
                    text = fixed.buf;
                    tlen = fixed.len;
                }
                rc = tlen > INT32_MAX ? -1 : parse_xml(&f, text, tlen, err, errlen);
                if (tlen > INT32_MAX)
                    at_err_set_ascii(err, errlen, "document too large");
            }
            free(fixed.buf);
        }
    }
    free(buf.buf);
    if (f.oom) {
        at_err_set_ascii(err, errlen, "out of memory");
        rc = -1;
    }
    feed_free(&f);
    if (rc != 0) {
        at_feed_result_clear(out);
        return -1;
    }
    return 0;
}

void at_feed_result_clear(at_feed_result_t *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n_items; i++)
        if (res->items[i])
            protobuf_c_message_free_unpacked(&res->items[i]->base, NULL);
    free(res->items);
    free(res->title);
    free(res->link);
    free(res->language);
    memset(res, 0, sizeof *res);
}
