/*
 * at_match: whole-word leftmost-longest matching (see at_match.h).
 *
 * Matching runs on folded text (at_fold: NFKD, case folding, diacritics
 * stripped) with one Aho–Corasick automaton (at_ac) over the folded
 * patterns, so "ERDOĞAN", "Erdoğan" and "Erdogan" all reach the pattern
 * "Erdoğan". Each occurrence is then checked on the original text: it must
 * be a whole word there, and its letters must have the same case as the
 * pattern's (the "case signature": upper/lower per letter, diacritics
 * ignored). That keeps the case rules of the data exact — "US" is not
 * "us", "Turkey" is not "turkey" — while "Erdogan" still matches
 * "Erdoğan". Among the occurrences that pass, the leftmost wins, and at
 * one position the longest.
 */
#include "at_match.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "at_ac.h"
#include "at_fold.h"

#define MAX_PATTERN 255
/* Letters in a case signature; spans longer than this never match a
 * pattern (patterns are at most 255 bytes). */
#define MAX_SIG 512

typedef struct {
    char *bytes; /* as added */
    size_t len;
    uint32_t value;
    char *sig; /* case signature: 'U' / 'l' / 'o' per letter */
    size_t siglen;
    int caps; /* the ALL-CAPS form matches too */
} pattern_t;

struct at_match {
    pattern_t *pats;
    size_t n, cap;
    int compiled;
    at_ac_t *ac; /* folded patterns; value = index into pats */
};

/* Case signature of s[0..len): one byte per letter after compatibility
 * decomposition with marks stripped: 'U' upper, 'l' lower, 'o' other
 * (uncased scripts). Returns the length, or MAX_SIG + 1 when longer. */
static size_t case_sig(const char *s, size_t len, char *out)
{
    const unsigned char *t = (const unsigned char *)s;
    size_t n = 0, i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(t + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0) {
            i++;
            continue;
        }
        i += (size_t)k;
        utf8proc_int32_t d[32];
        int bc = 0;
        utf8proc_ssize_t m = utf8proc_decompose_char(
            cp, d, 32, UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK, &bc);
        if (m < 0 || m > 32) {
            d[0] = cp;
            m = 1;
        }
        for (utf8proc_ssize_t j = 0; j < m; j++) {
            utf8proc_category_t c = utf8proc_category(d[j]);
            if (c < UTF8PROC_CATEGORY_LU || c > UTF8PROC_CATEGORY_LO)
                continue;
            if (n == MAX_SIG)
                return MAX_SIG + 1;
            out[n++] = utf8proc_isupper(d[j]) ? 'U' : utf8proc_islower(d[j]) ? 'l' : 'o';
        }
    }
    return n;
}

at_match_t *at_match_new(void)
{
    return calloc(1, sizeof(at_match_t));
}

void at_match_destroy(at_match_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_match_t *self = *self_p;
    for (size_t i = 0; i < self->n; i++) {
        free(self->pats[i].bytes);
        free(self->pats[i].sig);
    }
    free(self->pats);
    at_ac_destroy(&self->ac);
    free(self);
    *self_p = NULL;
}

static int add(at_match_t *self, const char *pattern, size_t len, int caps, uint32_t value)
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
    char sig[MAX_SIG + 1];
    size_t siglen = case_sig(pattern, len, sig);
    char *copy = malloc(len);
    char *sigcopy = malloc(siglen ? siglen : 1);
    if (!copy || !sigcopy || siglen > MAX_SIG) {
        free(copy);
        free(sigcopy);
        return -1;
    }
    memcpy(copy, pattern, len);
    memcpy(sigcopy, sig, siglen);
    self->pats[self->n++] = (pattern_t){copy, len, value, sigcopy, siglen, caps};
    return 0;
}

int at_match_add(at_match_t *self, const char *pattern, size_t len, uint32_t value)
{
    return add(self, pattern, len, 0, value);
}

int at_match_add_spelling(at_match_t *self, const char *s, size_t len, int caps, uint32_t value)
{
    return add(self, s, len, caps, value);
}

/* The duplicate check compares spellings as written plus, for `caps`
 * patterns, their ASCII ALL-CAPS form (what the loaders call "its ALL-CAPS
 * form"): "Usa" with caps collides with a literal "USA". */
typedef struct {
    char *bytes;
    size_t len;
    uint32_t value;
    int owned; /* an upper-case copy made here */
} form_t;

static int cmp_form(const void *a, const void *b)
{
    const form_t *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int c = memcmp(x->bytes, y->bytes, x->len);
    if (c != 0)
        return c;
    return x->value < y->value ? -1 : x->value > y->value;
}

static int check_duplicates(const at_match_t *self, uint32_t dup[2])
{
    form_t *forms = malloc((2 * self->n + 1) * sizeof *forms);
    if (!forms)
        return -1;
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < self->n && rc == 0; i++) {
        const pattern_t *p = &self->pats[i];
        forms[n++] = (form_t){p->bytes, p->len, p->value, 0};
        if (!p->caps)
            continue;
        char *up = malloc(p->len);
        if (!up) {
            rc = -1;
            break;
        }
        int differs = 0;
        for (size_t k = 0; k < p->len; k++) {
            char c = p->bytes[k];
            up[k] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
            differs |= up[k] != c;
        }
        if (differs)
            forms[n++] = (form_t){up, p->len, p->value, 1};
        else
            free(up);
    }
    if (rc == 0 && n > 1) {
        qsort(forms, n, sizeof *forms, cmp_form);
        for (size_t i = 1; i < n && rc == 0; i++) {
            if (forms[i - 1].len == forms[i].len &&
                memcmp(forms[i - 1].bytes, forms[i].bytes, forms[i].len) == 0) {
                if (dup) {
                    dup[0] = forms[i - 1].value;
                    dup[1] = forms[i].value;
                }
                rc = -1;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (forms[i].owned)
            free(forms[i].bytes);
    free(forms);
    return rc;
}

int at_match_compile(at_match_t *self, uint32_t dup[2])
{
    if (!self || self->compiled)
        return -1;
    /* Byte-identical spellings are an error (one spelling, two meanings);
     * spellings that only fold alike ("Côte", "Cote") are fine. */
    if (check_duplicates(self, dup) < 0)
        return -1;
    self->ac = at_ac_new();
    if (!self->ac)
        return -1;
    for (size_t i = 0; i < self->n; i++) {
        size_t flen;
        char *folded = at_fold_str(self->pats[i].bytes, self->pats[i].len, &flen);
        int rc = folded && flen ? at_ac_add(self->ac, folded, flen, (uint32_t)i) : -1;
        free(folded);
        if (rc < 0) {
            at_ac_destroy(&self->ac);
            return -1;
        }
    }
    if (at_ac_compile(self->ac) < 0) {
        at_ac_destroy(&self->ac);
        return -1;
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

typedef struct {
    uint32_t start, end; /* original byte offsets */
    uint32_t pat;
    int exact; /* the original bytes equal the pattern's */
} cand_t;

typedef struct {
    const at_match_t *m;
    const char *text;
    size_t len;
    const at_fold_t *f;
    cand_t *c;
    size_t n, cap;
    int oom;
} scan_t;

/* One folded occurrence: keep it when it is a whole word of the original
 * text, aligned to whole code points, with the pattern's case. */
static void on_occurrence(void *arg, size_t fe, size_t flen, uint32_t pat)
{
    scan_t *sc = arg;
    const uint32_t *map = sc->f->map;
    size_t fs = fe - flen;
    if ((fs > 0 && map[fs - 1] == map[fs]) || map[fe] == map[fe - 1])
        return; /* starts or ends inside one code point's expansion */
    size_t os = map[fs], oe = map[fe];
    if (at_match_word_before(sc->text, os) || at_match_word_at(sc->text, sc->len, oe))
        return;
    const pattern_t *p = &sc->m->pats[pat];
    char sig[MAX_SIG + 1];
    size_t siglen = case_sig(sc->text + os, oe - os, sig);
    if (siglen != p->siglen)
        return;
    if (memcmp(sig, p->sig, siglen) != 0) {
        if (!p->caps)
            return;
        for (size_t i = 0; i < siglen; i++)
            if (sig[i] == 'l')
                return; /* not ALL CAPS either */
    }
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 64;
        cand_t *nc = realloc(sc->c, ncap * sizeof *nc);
        if (!nc) {
            sc->oom = 1;
            return;
        }
        sc->c = nc;
        sc->cap = ncap;
    }
    int exact = oe - os == p->len && memcmp(sc->text + os, p->bytes, p->len) == 0;
    sc->c[sc->n++] = (cand_t){(uint32_t)os, (uint32_t)oe, pat, exact};
}

/* Leftmost, then longest, then the spelling written exactly as in the
 * text, then the pattern added first. */
static int cmp_cand(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    if (x->exact != y->exact)
        return x->exact ? -1 : 1;
    return x->pat < y->pat ? -1 : x->pat > y->pat;
}

size_t at_match_scan(const at_match_t *self, const char *text, size_t len, at_match_fn *fn,
                     void *arg)
{
    if (!self || !self->compiled || !text || len > AT_FOLD_MAX_INPUT)
        return 0;
    at_fold_t f = {0};
    if (at_fold(&f, text, len) < 0) {
        at_fold_free(&f);
        return AT_MATCH_ERROR;
    }
    scan_t sc = {self, text, len, &f, NULL, 0, 0, 0};
    at_ac_scan(self->ac, f.text, f.len, on_occurrence, &sc);
    if (sc.oom) {
        free(sc.c);
        at_fold_free(&f);
        return AT_MATCH_ERROR;
    }
    if (sc.n > 1)
        qsort(sc.c, sc.n, sizeof *sc.c, cmp_cand);
    size_t found = 0, pos = 0;
    for (size_t i = 0; i < sc.n; i++) {
        const cand_t *c = &sc.c[i];
        if (c->start < pos)
            continue;
        if (fn)
            fn(arg, c->start, c->end - c->start, self->pats[c->pat].value);
        found++;
        pos = c->end;
    }
    free(sc.c);
    at_fold_free(&f);
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
