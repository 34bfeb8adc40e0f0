/*
 * at_opml.c: OPML subscription lists -> feed URLs, with libxml2.
 *
 * Decisions worth knowing:
 *   - Entities: the SAX handlers that record entity declarations are
 *     replaced by no-ops, and entity lookup only knows XML's five
 *     predefined ones (&amp; in a query string is everywhere in OPML).
 *     Without declarations there is nothing to expand, so a "billion
 *     laughs" costs nothing and an external entity (XXE) is never read,
 *     whatever libxml2's own limits are in the installed version.
 *     XML_PARSE_NONET, no XML_PARSE_NOENT / DTDLOAD / DTDATTR.
 *   - XML_PARSE_RECOVER: real exports have stray '&' and broken nesting;
 *     what libxml2 can still make a tree of is used, and the number of
 *     recovered errors is reported. A document whose root is not <opml>
 *     (an RSS feed, an HTML page) is an error: the caller gave us the
 *     wrong file and should hear it.
 *   - Only http(s) feed URLs come out ("feed://" is rewritten to http),
 *     so a list cannot make the poller open file:// or other schemes.
 *   - URLs are kept as written (not canonicalized): they are the keys of
 *     the feed state, and a feed URL's query string can matter.
 *   - Duplicates are found with a small hash set, so a hostile list of
 *     AT_OPML_MAX_FEEDS entries stays linear.
 */
#include "at_opml.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "at_err.h"

/* Bytes of a category path or a title we keep; longer ones are cut (at a
 * UTF-8 boundary). */
#define TEXT_MAX 1024
/* Longest feed URL accepted (the same bound as at_url's). */
#define URL_MAX 16384
/* Folder levels that contribute to a category path. */
#define PATH_DEPTH 16
/* Hash set slots: a power of two, at least twice AT_OPML_MAX_FEEDS. */
#define SET_SLOTS 32768

/* --- errors -------------------------------------------------------------- */

/* --- parse state --------------------------------------------------------- */

typedef struct {
    at_opml_t *out;
    size_t cap;
    uint32_t *set; /* feed index + 1 per slot, 0 = empty */
    const char *path[PATH_DEPTH];
    int depth;
    bool oom;
    /* libxml2 errors */
    unsigned errors;
    char first_error[160];
} walk_t;

/* Counts libxml2's errors and keeps the first one's text, instead of
 * letting libxml2 print to stderr. */
static void on_xml_error(void *user, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = user;
    walk_t *w = ctxt ? ctxt->_private : NULL;
    if (!w || !e)
        return;
    if (w->errors++ == 0)
        snprintf(w->first_error, sizeof w->first_error, "line %d: %s", e->line,
                 e->message ? e->message : "XML error");
}

/* The SAX hooks that keep every entity declaration out (see the top). */
static void no_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    (void)ctx, (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
}

static void no_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                                    const xmlChar *system_id, const xmlChar *notation)
{
    (void)ctx, (void)name, (void)public_id, (void)system_id, (void)notation;
}

static xmlEntityPtr predefined_entity_only(void *ctx, const xmlChar *name)
{
    (void)ctx;
    return xmlGetPredefinedEntity(name);
}

/* --- text helpers -------------------------------------------------------- */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* A copy of s on one line (whitespace runs -> one space, trimmed), cut to
 * at most max bytes at a UTF-8 boundary; NULL when blank. Sets *oom when
 * an allocation fails. */
static char *one_line(const char *s, size_t max, bool *oom)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = malloc((len < max ? len : max) + 1);
    if (!out) {
        *oom = true;
        return NULL;
    }
    size_t n = 0;
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (is_space(*p)) {
            space = n > 0;
            continue;
        }
        if (n + (space ? 1 : 0) + 1 > max)
            break;
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = (char)*p;
    }
    /* Do not end inside a UTF-8 sequence we cut. */
    if (n > 0 && n >= max) {
        size_t k = n;
        while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && (unsigned char)out[k - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)out[k - 1];
            size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (n - (k - 1) < want)
                n = k - 1;
        }
    }
    out[n] = '\0';
    if (n == 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* An attribute's value by case-insensitive name (OPML in the wild has
 * "xmlurl" and "XMLURL"), as a malloc'd string from libxml2 (xmlFree it),
 * or NULL. */
static xmlChar *attr(xmlNodePtr node, const char *name)
{
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        if (a->name && strcasecmp((const char *)a->name, name) == 0)
            return xmlNodeListGetString(node->doc, a->children, 1);
    }
    return NULL;
}

static bool is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name && strcasecmp((const char *)n->name, name) == 0;
}

/* The feed URL from an xmlUrl value: trimmed, "feed:" forms rewritten,
 * http(s) only, no spaces or controls inside. malloc'd, or NULL. */
static char *feed_url(const char *v, bool *oom)
{
    while (is_space((unsigned char)*v))
        v++;
    size_t len = strlen(v);
    while (len > 0 && is_space((unsigned char)v[len - 1]))
        len--;
    const char *prefix = "";
    if (len > 7 && strncasecmp(v, "feed://", 7) == 0) {
        prefix = "http://"; /* the old "subscribe" scheme: feed://host/path */
        v += 7;
        len -= 7;
    } else if (len > 5 && strncasecmp(v, "feed:", 5) == 0) {
        v += 5; /* feed:https://host/path */
        len -= 5;
    }
    size_t plen = strlen(prefix);
    if (!plen && !((len > 7 && strncasecmp(v, "http://", 7) == 0) ||
                   (len > 8 && strncasecmp(v, "https://", 8) == 0)))
        return NULL;
    if (len + plen > URL_MAX)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= 0x20 || c == 0x7f)
            return NULL;
    }
    char *d = malloc(plen + len + 1);
    if (!d) {
        *oom = true;
        return NULL;
    }
    memcpy(d, prefix, plen);
    memcpy(d + plen, v, len);
    d[plen + len] = '\0';
    return d;
}

/* FNV-1a: small, and good enough to spread URLs over the set. */
static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* True if url is already in the list; otherwise remembers it as index i. */
static bool seen_or_add(walk_t *w, const char *url, size_t i)
{
    uint32_t slot = hash_str(url) & (SET_SLOTS - 1);
    while (w->set[slot]) {
        if (strcmp(w->out->feeds[w->set[slot] - 1].url, url) == 0)
            return true;
        slot = (slot + 1) & (SET_SLOTS - 1);
    }
    w->set[slot] = (uint32_t)i + 1;
    return false;
}

/* --- the walk ------------------------------------------------------------ */

/* The category for a feed: the folder path, else the first path of its
 * own category attribute ("/News/World,/Other" -> "News/World"). */
static char *category_of(walk_t *w, xmlNodePtr node)
{
    char buf[TEXT_MAX + 1];
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < w->depth && i < PATH_DEPTH; i++) {
        if (!w->path[i])
            continue;
        int k = snprintf(buf + n, sizeof buf - n, "%s%s", n ? "/" : "", w->path[i]);
        if (k < 0 || (size_t)k >= sizeof buf - n) {
            n = sizeof buf - 1;
            break;
        }
        n += (size_t)k;
    }
    if (n > 0)
        return one_line(buf, TEXT_MAX, &w->oom);
    xmlChar *c = attr(node, "category");
    if (!c)
        return NULL;
    char *s = (char *)c;
    size_t cut = strcspn(s, ",");
    s[cut] = '\0';
    while (*s == '/' || is_space((unsigned char)*s))
        s++;
    char *r = one_line(s, TEXT_MAX, &w->oom);
    xmlFree(c);
    return r;
}

static void add_feed(walk_t *w, xmlNodePtr node, char *url)
{
    at_opml_t *o = w->out;
    if (o->n_feeds >= AT_OPML_MAX_FEEDS) {
        o->truncated = true;
        o->skipped++;
        free(url);
        return;
    }
    /* Room first, so the set never names an index that is not there. */
    if (o->n_feeds == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        at_opml_feed_t *grown = realloc(o->feeds, cap * sizeof *grown);
        if (!grown) {
            w->oom = true;
            free(url);
            return;
        }
        o->feeds = grown;
        w->cap = cap;
    }
    if (seen_or_add(w, url, o->n_feeds)) {
        o->skipped++;
        free(url);
        return;
    }
    at_opml_feed_t *f = &o->feeds[o->n_feeds++];
    memset(f, 0, sizeof *f);
    f->url = url;
    xmlChar *t = attr(node, "title");
    f->title = one_line((const char *)t, TEXT_MAX, &w->oom);
    xmlFree(t);
    if (!f->title) {
        t = attr(node, "text");
        f->title = one_line((const char *)t, TEXT_MAX, &w->oom);
        xmlFree(t);
    }
    f->category = category_of(w, node);
    xmlChar *h = attr(node, "htmlUrl");
    if (h) {
        f->html_url = one_line((const char *)h, URL_MAX, &w->oom);
        xmlFree(h);
    }
}

/* Feed types we poll; an outline without a type but with an xmlUrl is a
 * feed too (many exporters leave it out). */
static bool is_feed_type(const char *type)
{
    static const char *const ok[] = {"rss", "atom", "feed", "rdf", "jsonfeed", NULL};
    while (is_space((unsigned char)*type))
        type++;
    if (!*type)
        return true;
    for (size_t i = 0; ok[i]; i++) {
        if (strcasecmp(type, ok[i]) == 0)
            return true;
    }
    return false;
}

static bool has_outline_child(xmlNodePtr node)
{
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (is_element(c, "outline"))
            return true;
    }
    return false;
}

static void walk(walk_t *w, xmlNodePtr parent)
{
    for (xmlNodePtr node = parent->children; node && !w->oom; node = node->next) {
        if (!is_element(node, "outline"))
            continue;
        xmlChar *xml_url = attr(node, "xmlUrl");
        if (xml_url) {
            xmlChar *type = attr(node, "type");
            bool feed = is_feed_type(type ? (const char *)type : "");
            xmlFree(type);
            char *url = feed ? feed_url((const char *)xml_url, &w->oom) : NULL;
            xmlFree(xml_url);
            if (url)
                add_feed(w, node, url);
            else
                w->out->skipped++;
            if (has_outline_child(node))
                walk(w, node); /* rare, but keep what is nested in a feed */
            continue;
        }
        if (!has_outline_child(node)) {
            w->out->skipped++; /* a link, a note, an empty folder */
            continue;
        }
        /* A folder: its title (or text) names the category inside. */
        xmlChar *t = attr(node, "title");
        char *name = one_line((const char *)t, TEXT_MAX, &w->oom);
        xmlFree(t);
        if (!name) {
            t = attr(node, "text");
            name = one_line((const char *)t, TEXT_MAX, &w->oom);
            xmlFree(t);
        }
        if (w->depth < PATH_DEPTH)
            w->path[w->depth] = name;
        w->depth++;
        walk(w, node);
        w->depth--;
        if (w->depth < PATH_DEPTH)
            w->path[w->depth] = NULL;
        free(name);
    }
}

/* --- entry points -------------------------------------------------------- */

int at_opml_parse(const char *data, size_t len, at_opml_t *out, char *err, size_t errlen)
{
    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    if (!data || len == 0) {
        at_err_set_ascii(err, errlen, "empty document");
        return -1;
    }
    if (len > AT_OPML_MAX_BYTES) {
        at_err_set_ascii(err, errlen, "document too large (%zu bytes, limit %d)", len,
                         AT_OPML_MAX_BYTES);
        return -1;
    }
    xmlInitParser();
    walk_t w = {.out = out};
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    w.set = calloc(SET_SLOTS, sizeof *w.set);
    if (!ctxt || !w.set) {
        xmlFreeParserCtxt(ctxt);
        free(w.set);
        at_err_set_ascii(err, errlen, "out of memory");
        return -1;
    }
    ctxt->_private = &w;
    ctxt->sax->entityDecl = no_entity_decl;
    ctxt->sax->unparsedEntityDecl = no_unparsed_entity_decl;
    ctxt->sax->getEntity = predefined_entity_only;
    ctxt->sax->serror = on_xml_error;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    int rc = -1;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        at_err_set_ascii(err, errlen, "not XML: %s", w.errors ? w.first_error : "no root element");
        goto done;
    }
    if (!is_element(root, "opml")) {
        at_err_set_ascii(err, errlen, "not an OPML document (root element <%.40s>)",
                         (const char *)root->name);
        goto done;
    }
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (is_element(n, "head") && !out->title) {
            for (xmlNodePtr h = n->children; h; h = h->next) {
                if (is_element(h, "title")) {
                    xmlChar *t = xmlNodeGetContent(h);
                    out->title = one_line((const char *)t, TEXT_MAX, &w.oom);
                    xmlFree(t);
                    break;
                }
            }
        } else if (is_element(n, "body")) {
            walk(&w, n);
        }
    }
    if (w.oom) {
        at_err_set_ascii(err, errlen, "out of memory");
        goto done;
    }
    out->recovered = w.errors;
    rc = 0;
done:
    if (rc != 0)
        at_opml_clear(out);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    free(w.set);
    return rc;
}

int at_opml_load_file(const char *path, at_opml_t *out, char *err, size_t errlen)
{
    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        at_err_set_ascii(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        at_err_set_ascii(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_size > AT_OPML_MAX_BYTES) {
        at_err_set_ascii(err, errlen, "%s: too large (%lld bytes, limit %d)", path,
                         (long long)st.st_size, AT_OPML_MAX_BYTES);
        close(fd);
        return -1;
    }
    /* Read to EOF rather than trust st_size: the file may be growing. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            if (cap > AT_OPML_MAX_BYTES) {
                at_err_set_ascii(err, errlen, "%s: too large (limit %d bytes)", path,
                                 AT_OPML_MAX_BYTES);
                free(buf);
                close(fd);
                return -1;
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            at_err_set_ascii(err, errlen, "%s: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (!buf) {
        at_err_set_ascii(err, errlen, "%s: out of memory", path);
        return -1;
    }
    char why[256] = "";
    int rc = at_opml_parse(buf, len, out, why, sizeof why);
    free(buf);
    if (rc != 0)
        at_err_set_ascii(err, errlen, "%s: %s", path, why);
    return rc;
}

void at_opml_clear(at_opml_t *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n_feeds; i++) {
        free(o->feeds[i].url);
        free(o->feeds[i].title);
        free(o->feeds[i].category);
        free(o->feeds[i].html_url);
    }
    free(o->feeds);
    free(o->title);
    memset(o, 0, sizeof *o);
}
