/*
 * at_match: whole-word leftmost-longest matching (see at_match.h).
 *
 * Patterns are bucketed by first byte and, inside a bucket, ordered longest
 * first, so the first pattern that matches at a position is the longest.
 * That costs a bucket walk per word start, which is fine for the few
 * thousand aliases of the reference data; an automaton is the later issue.
 */
#include "at_match.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#define MAX_PATTERN 255

typedef struct {
    char *bytes;
    size_t len;
    uint32_t value;
} pattern_t;

struct at_match {
    pattern_t *pats;
    size_t n, cap;
    int compiled;
    size_t first[256], last[256]; /* bucket [first, last) per first byte */
};

at_match_t *at_match_new(void)
{
    return calloc(1, sizeof(at_match_t));
}

void at_match_destroy(at_match_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_match_t *self = *self_p;
    for (size_t i = 0; i < self->n; i++)
        free(self->pats[i].bytes);
    free(self->pats);
    free(self);
    *self_p = NULL;
}

int at_match_add(at_match_t *self, const char *pattern, size_t len, uint32_t value)
{
    if (!self || !pattern || len == 0 || len > MAX_PATTERN || self->compiled)
        return -1;
    if (self->n == self->cap) {
        size_t ncap = self->cap ? self->cap * 2 : 64;
        pattern_t *np = realloc(self->pats, ncap * sizeof *np);
        if (!np)
            return -1;
        self->pats = np;
        self->cap = ncap;
    }
    char *copy = malloc(len);
    if (!copy)
        return -1;
    memcpy(copy, pattern, len);
    self->pats[self->n++] = (pattern_t){copy, len, value};
    return 0;
}

int at_match_add_spelling(at_match_t *self, const char *s, size_t len, int caps, uint32_t value)
{
    if (at_match_add(self, s, len, value) != 0)
        return -1;
    if (!caps)
        return 0;
    char upper[MAX_PATTERN];
    int differs = 0;
    for (size_t k = 0; k < len; k++) {
        char c = s[k];
        upper[k] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
        differs |= upper[k] != c;
    }
    return differs ? at_match_add(self, upper, len, value) : 0;
}

static int cmp_pattern(const void *a, const void *b)
{
    const pattern_t *x = a, *y = b;
    unsigned char fx = (unsigned char)x->bytes[0], fy = (unsigned char)y->bytes[0];
    if (fx != fy)
        return fx < fy ? -1 : 1;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1; /* longest first within a bucket */
    int c = memcmp(x->bytes, y->bytes, x->len);
    if (c != 0)
        return c;
    /* Equal patterns: order by value so the duplicate report is stable. */
    return x->value < y->value ? -1 : x->value > y->value;
}

int at_match_compile(at_match_t *self, uint32_t dup[2])
{
    if (!self)
        return -1;
    if (self->n > 0)
        qsort(self->pats, self->n, sizeof *self->pats, cmp_pattern);
    for (size_t i = 1; i < self->n; i++) {
        const pattern_t *a = &self->pats[i - 1], *b = &self->pats[i];
        if (a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0) {
            if (dup) {
                dup[0] = a->value;
                dup[1] = b->value;
            }
            return -1;
        }
    }
    memset(self->first, 0, sizeof self->first);
    memset(self->last, 0, sizeof self->last);
    for (size_t i = 0; i < self->n; i++) {
        unsigned char c = (unsigned char)self->pats[i].bytes[0];
        if (self->last[c] == 0)
            self->first[c] = i;
        self->last[c] = i + 1;
    }
    self->compiled = 1;
    return 0;
}

size_t at_match_count(const at_match_t *self)
{
    return self ? self->n : 0;
}

static int ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int codepoint_is_word(utf8proc_int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

int at_match_word_at(const char *text, size_t len, size_t i)
{
    if (!text || i >= len)
        return 0;
    const unsigned char *t = (const unsigned char *)text;
    if (t[i] < 0x80)
        return ascii_alnum(t[i]);
    utf8proc_int32_t cp;
    size_t avail = len - i < 4 ? len - i : 4;
    utf8proc_ssize_t n = utf8proc_iterate(t + i, (utf8proc_ssize_t)avail, &cp);
    if (n <= 0)
        return 1;
    return codepoint_is_word(cp);
}

int at_match_word_before(const char *text, size_t i)
{
    if (!text || i == 0)
        return 0;
    const unsigned char *t = (const unsigned char *)text;
    if (t[i - 1] < 0x80)
        return ascii_alnum(t[i - 1]);
    /* Step back over at most three continuation bytes to the lead byte and
     * decode; the sequence must end exactly at i to count as a character. */
    size_t k = i - 1;
    int steps = 0;
    while (k > 0 && (t[k] & 0xC0) == 0x80 && steps < 3) {
        k--;
        steps++;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(t + k, (utf8proc_ssize_t)(i - k), &cp);
    if (n != (utf8proc_ssize_t)(i - k))
        return 1;
    return codepoint_is_word(cp);
}

size_t at_match_scan(const at_match_t *self, const char *text, size_t len, at_match_fn *fn,
                     void *arg)
{
    if (!self || !self->compiled || !text)
        return 0;
    size_t found = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        size_t b = self->first[c], e = self->last[c];
        size_t step = 1;
        if (b < e && !at_match_word_before(text, i)) {
            for (size_t k = b; k < e; k++) {
                const pattern_t *p = &self->pats[k];
                if (p->len > len - i || memcmp(text + i, p->bytes, p->len) != 0)
                    continue;
                if (at_match_word_at(text, len, i + p->len))
                    continue;
                if (fn)
                    fn(arg, i, p->len, p->value);
                found++;
                step = p->len;
                break;
            }
        }
        i += step;
    }
    return found;
}

const char *at_match_pattern_problem(const char *s, size_t len)
{
    if (!s || len == 0)
        return "empty";
    if (len > MAX_PATTERN)
        return "longer than 255 bytes";
    if (!at_match_word_at(s, len, 0))
        return "does not start with a letter or digit";
    if (!at_match_word_before(s, len) && s[len - 1] != '.')
        return "does not end with a letter, digit or '.'";
    return NULL;
}
