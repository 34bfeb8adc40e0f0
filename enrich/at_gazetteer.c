/*
 * at_gazetteer: loading and checking the country tables, and datelines
 * (see at_gazetteer.h and docs/data.md).
 */
#include "at_gazetteer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_tsv.h"

/* How far into the body a dateline may reach, and how long its place. */
#define DATELINE_SPAN  160
#define DATELINE_PLACE 60

/* The tables' strings live in a few large chunks freed with the gazetteer,
 * so two thousand rows cost a handful of allocations, not thousands (each
 * of which an allocation-failure test would have to fail in turn). */
typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
} chunk_t;
#define CHUNK_BYTES 65536

struct at_gazetteer {
    chunk_t *chunks;
    at_country_t *countries;
    size_t ncountries;
    const at_country_t **by_code; /* countries sorted by code, for lookups */
    at_alias_t *aliases;
    size_t naliases, cap;
    char *paths[3]; /* countries, aliases, places: for error messages */
};

enum { C_CODE, C_ALPHA2, C_NUMERIC, C_NAME, C_UN, C_SOURCE, C_CHECKED, C_NCOLS };
static const char *const country_cols[] = {"code",      "alpha2", "numeric",   "name",
                                           "un_member", "source", "checked_on"};
static const char *const un_states[] = {"no", "yes", "observer"};

enum {
    A_CODE,
    A_ALIAS,
    A_KIND,
    A_CASE,
    A_AMBIGUITY,
    A_DISAMBIGUATION,
    A_CUES,
    A_NOTE,
    A_SOURCE,
    A_CHECKED,
    A_NCOLS
};
static const char *const alias_cols[] = {"code",           "alias", "kind", "case",   "ambiguity",
                                         "disambiguation", "cues",  "note", "source", "checked_on"};

enum {
    P_CODE,
    P_PLACE,
    P_ALIAS,
    P_KIND,
    P_CASE,
    P_SCOPE,
    P_AMBIGUITY,
    P_DISAMBIGUATION,
    P_CUES,
    P_NOTE,
    P_SOURCE,
    P_CHECKED,
    P_NCOLS
};
static const char *const place_cols[] = {"code", "place", "alias",     "kind",
                                         "case", "scope", "ambiguity", "disambiguation",
                                         "cues", "note",  "source",    "checked_on"};

/* Ambiguity marks (docs/data.md, "Ambiguity"). Bit k of a set is entry k
 * of these tables, in the order of the AT_AMB_* / AT_DIS_* enums. */
static const char *const amb_names[] = {"common_word", "given_name", "other_place", "part_of_name"};
#define AMB_LIST "common_word, given_name, other_place, part_of_name"
static const char *const dis_names[] = {"case", "context", "longest_match", "given_name",
                                        "default"};
#define DIS_LIST "case, context, longest_match, given_name, default"
/* The methods that settle each kind of ambiguity... */
static const unsigned amb_settled_by[] = {
    AT_DIS_CASE | AT_DIS_CONTEXT,       /* common_word: "turkey", "Nice weather" */
    AT_DIS_GIVEN_NAME | AT_DIS_CONTEXT, /* given_name: "Israel Adesanya" */
    AT_DIS_CONTEXT,                     /* other_place: Georgia, Tbilisi vs Atlanta */
    AT_DIS_LONGEST_MATCH,               /* part_of_name: "Papua New Guinea" */
};
static const char *const amb_settled_by_text[] = {
    "'case' or 'context'", "'given_name' or 'context'", "'context'", "'longest_match'"};
/* ...and the kinds of ambiguity each method can settle. `default` is not a
 * way to decide but the present engine's pick among the rows of one
 * spelling, so it goes with `other_place` only. */
static const unsigned dis_settles[] = {
    AT_AMB_COMMON_WORD,                                          /* case */
    AT_AMB_COMMON_WORD | AT_AMB_GIVEN_NAME | AT_AMB_OTHER_PLACE, /* context */
    AT_AMB_PART_OF_NAME,                                         /* longest_match */
    AT_AMB_GIVEN_NAME,                                           /* given_name */
    AT_AMB_OTHER_PLACE,                                          /* default */
};
static const char *const dis_settles_text[] = {"'common_word'",
                                               "'common_word', 'given_name' or 'other_place'",
                                               "'part_of_name'", "'given_name'", "'other_place'"};

static const char *const alias_kinds[] = {"name", "demonym", "abbreviation"};
static const Attache__V1__MentionKind alias_kind_values[] = {
    ATTACHE__V1__MENTION_KIND__MENTION_KIND_NAME, ATTACHE__V1__MENTION_KIND__MENTION_KIND_DEMONYM,
    ATTACHE__V1__MENTION_KIND__MENTION_KIND_ABBREVIATION};
static const char *const place_kinds[] = {"capital", "city"};
static const Attache__V1__MentionKind place_kind_values[] = {
    ATTACHE__V1__MENTION_KIND__MENTION_KIND_CAPITAL, ATTACHE__V1__MENTION_KIND__MENTION_KIND_CITY};
static const char *const case_rules[] = {"exact", "caps"};
static const char *const scopes[] = {"text", "dateline"};

static int is_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int is_upper_code(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return 0;
    return 1;
}

/* A copy of s[0..n) in the gazetteer's string chunks, or NULL when out of
 * memory. Lives until at_gazetteer_destroy. */
static char *pool_dupn(at_gazetteer_t *self, const char *s, size_t n)
{
    chunk_t *c = self->chunks;
    if (!c || c->cap - c->used < n + 1) {
        size_t cap = n + 1 > CHUNK_BYTES ? n + 1 : CHUNK_BYTES;
        chunk_t *nc = malloc(sizeof *nc + cap);
        if (!nc)
            return NULL;
        nc->next = c;
        nc->used = 0;
        nc->cap = cap;
        self->chunks = c = nc;
    }
    char *p = c->data + c->used;
    memcpy(p, s, n);
    p[n] = '\0';
    c->used += n + 1;
    return p;
}

static char *pool_dup(at_gazetteer_t *self, const char *s)
{
    return pool_dupn(self, s, strlen(s));
}

void at_gazetteer_destroy(at_gazetteer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_gazetteer_t *self = *self_p;
    free(self->countries);
    free(self->by_code);
    free(self->aliases);
    while (self->chunks) {
        chunk_t *next = self->chunks->next;
        free(self->chunks);
        self->chunks = next;
    }
    for (size_t i = 0; i < 3; i++)
        free(self->paths[i]);
    free(self);
    *self_p = NULL;
}

static int cmp_country_ptr(const void *x, const void *y)
{
    return strcmp((*(const at_country_t *const *)x)->code, (*(const at_country_t *const *)y)->code);
}

static int cmp_code_key(const void *key, const void *elem)
{
    return strcmp(key, (*(const at_country_t *const *)elem)->code);
}

int at_gazetteer_country_find(const at_gazetteer_t *self, const char *code, size_t *index)
{
    if (!self || !code || !self->by_code)
        return -1;
    const at_country_t *const *hit =
        bsearch(code, self->by_code, self->ncountries, sizeof *self->by_code, cmp_code_key);
    if (!hit)
        return -1;
    if (index)
        *index = (size_t)(*hit - self->countries);
    return 0;
}

static int load_countries(at_gazetteer_t *self, char *err, size_t errlen)
{
    at_tsv_t *t = at_tsv_open(self->paths[0], country_cols, C_NCOLS, err, errlen);
    if (!t)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        const char *code = at_tsv_field(t, C_CODE), *a2 = at_tsv_field(t, C_ALPHA2);
        if (!is_upper_code(code, 3)) {
            rc = at_tsv_fail(t, err, errlen, "code '%s' is not an ISO 3166-1 alpha-3 code", code);
            break;
        }
        if (!is_upper_code(a2, 2)) {
            rc = at_tsv_fail(t, err, errlen, "alpha2 '%s' is not an ISO 3166-1 alpha-2 code", a2);
            break;
        }
        const char *num = at_tsv_field(t, C_NUMERIC);
        if (*num && !is_digits(num, 3)) {
            rc = at_tsv_fail(t, err, errlen, "numeric '%s' is not an ISO 3166-1 numeric code", num);
            break;
        }
        int un;
        if (at_tsv_choice(t, C_UN, un_states, sizeof un_states / sizeof *un_states, &un, err,
                          errlen)) {
            rc = -1;
            break;
        }
        if (at_tsv_required(t, C_NAME, err, errlen) ||
            at_tsv_provenance(t, C_SOURCE, C_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        int dup = 0;
        for (size_t i = 0; i < self->ncountries && !dup; i++)
            dup = strcmp(self->countries[i].code, code) == 0 ||
                  strcmp(self->countries[i].alpha2, a2) == 0;
        if (dup) {
            rc = at_tsv_fail(t, err, errlen, "duplicate country code %s / %s", code, a2);
            break;
        }
        if (at_tsv_grow((void **)&self->countries, &cap, self->ncountries,
                        sizeof *self->countries) != 0) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        at_country_t *c = &self->countries[self->ncountries];
        memset(c, 0, sizeof *c);
        memcpy(c->code, code, 4);
        memcpy(c->alpha2, a2, 3);
        memcpy(c->numeric, num, strlen(num) + 1);
        c->un_member = (at_un_member_t)un;
        c->name = pool_dup(self, at_tsv_field(t, C_NAME));
        c->source = pool_dup(self, at_tsv_field(t, C_SOURCE));
        self->ncountries++;
        if (!c->name || !c->source) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
    }
    if (rc == 0 && self->ncountries == 0)
        rc = at_tsv_fail(t, err, errlen, "no countries");
    if (rc == 0) {
        /* Built once the array no longer moves; duplicates were refused. */
        self->by_code = malloc(self->ncountries * sizeof *self->by_code);
        if (!self->by_code)
            rc = at_tsv_fail(t, err, errlen, "out of memory");
        for (size_t i = 0; rc == 0 && i < self->ncountries; i++)
            self->by_code[i] = &self->countries[i];
        if (rc == 0)
            qsort(self->by_code, self->ncountries, sizeof *self->by_code, cmp_country_ptr);
    }
    at_tsv_destroy(&t);
    return rc;
}

/* Checks shared by aliases.tsv and places.tsv on the spelling column. */
static int check_spelling(const at_tsv_t *t, const char *s, int caps, char *err, size_t errlen)
{
    size_t len = strlen(s);
    const char *why = at_match_pattern_problem(s, len);
    if (why)
        return at_tsv_fail(t, err, errlen, "alias '%s' %s", s, why);
    if (caps) {
        /* ALL-CAPS forms are made with ASCII upper-casing; until Unicode
         * case mapping lands (enrichment-engine issue), a non-ASCII
         * spelling with `caps` would get a wrong upper-case form. */
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)s[i] >= 0x80)
                return at_tsv_fail(t, err, errlen,
                                   "alias '%s': case 'caps' needs an ASCII spelling", s);
    }
    return 0;
}

/* Parse a ';'-separated set of names from vocab[0..n) into bits. An empty
 * field is the empty set. */
static int parse_set(const at_tsv_t *t, const char *col, const char *s, const char *const *vocab,
                     size_t n, const char *list, unsigned *out, char *err, size_t errlen)
{
    *out = 0;
    if (!*s)
        return 0;
    for (const char *p = s;;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        size_t k = 0;
        while (k < n && !(strlen(vocab[k]) == len && memcmp(vocab[k], p, len) == 0))
            k++;
        if (k == n)
            return at_tsv_fail(t, err, errlen, "%s '%.*s' is not one of: %s", col, (int)len, p,
                               list);
        if (*out & (1u << k))
            return at_tsv_fail(t, err, errlen, "%s '%s' is listed twice", col, vocab[k]);
        *out |= 1u << k;
        if (!e)
            return 0;
        p = e + 1;
    }
}

/* Whether `alias` occurs in word[0..len) as a whole word (as the matcher
 * would find it) and word is longer than alias. */
static int contains_word(const char *word, size_t len, const char *alias)
{
    size_t alen = strlen(alias);
    if (len <= alen)
        return 0;
    for (size_t i = 0; i + alen <= len; i++)
        if (memcmp(word + i, alias, alen) == 0 && !at_match_word_before(word, i) &&
            !at_match_word_at(word, len, i + alen))
            return 1;
    return 0;
}

/* The `cues` column: ';'-separated entries "kind:word|word|...", each
 * kind at most once: `context` (words pointing to this row) and `against`
 * (words pointing to another meaning) for method context, `longest_match`
 * (longer names containing the spelling) for method longest_match. */
static int check_cues(const at_tsv_t *t, const char *alias, const char *cues, unsigned dis,
                      char *err, size_t errlen)
{
    unsigned seen = 0;
    for (const char *p = cues; *cues;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (!colon)
            return at_tsv_fail(t, err, errlen, "cues entry '%.*s' is not kind:word|word|...",
                               (int)len, p);
        size_t mlen = (size_t)(colon - p);
        /* context: words that point to this row; against: words that
         * point to the other meaning; both belong to method `context`. */
        unsigned bit, method;
        if (mlen == 7 && memcmp(p, "context", 7) == 0)
            bit = 1u, method = AT_DIS_CONTEXT;
        else if (mlen == 7 && memcmp(p, "against", 7) == 0)
            bit = 2u, method = AT_DIS_CONTEXT;
        else if (mlen == 13 && memcmp(p, "longest_match", 13) == 0)
            bit = 4u, method = AT_DIS_LONGEST_MATCH;
        else
            return at_tsv_fail(t, err, errlen,
                               "cues kind '%.*s' is not one of: context, against, longest_match",
                               (int)mlen, p);
        if (seen & bit)
            return at_tsv_fail(t, err, errlen, "cues '%.*s' are given twice", (int)mlen, p);
        if (!(dis & method))
            return at_tsv_fail(t, err, errlen, "cues '%.*s' need disambiguation '%s'", (int)mlen, p,
                               method == AT_DIS_CONTEXT ? "context" : "longest_match");
        seen |= bit;
        const char *end = p + len;
        for (const char *w = colon + 1;;) {
            const char *bar = memchr(w, '|', (size_t)(end - w));
            size_t wlen = bar ? (size_t)(bar - w) : (size_t)(end - w);
            if (wlen == 0)
                return at_tsv_fail(t, err, errlen, "cues '%.*s' have an empty word", (int)mlen, p);
            if (w[0] == ' ' || w[wlen - 1] == ' ')
                return at_tsv_fail(t, err, errlen, "cue '%.*s' starts or ends with a space",
                                   (int)wlen, w);
            const char *why = bit == 4u ? at_match_pattern_problem(w, wlen) : NULL;
            if (why)
                return at_tsv_fail(t, err, errlen, "longest_match cue '%.*s' %s", (int)wlen, w,
                                   why);
            if (bit == 4u && !contains_word(w, wlen, alias))
                return at_tsv_fail(t, err, errlen,
                                   "longest_match cue '%.*s' does not contain '%s' as a whole "
                                   "word",
                                   (int)wlen, w, alias);
            if (!bar)
                break;
            w = bar + 1;
        }
        if (!e)
            break;
        p = e + 1;
    }
    if ((dis & AT_DIS_CONTEXT) && !(seen & 3u))
        return at_tsv_fail(t, err, errlen,
                           "disambiguation 'context' needs cues 'context:word|...' or "
                           "'against:word|...'");
    if ((dis & AT_DIS_LONGEST_MATCH) && !(seen & 4u))
        return at_tsv_fail(t, err, errlen,
                           "disambiguation 'longest_match' needs cues "
                           "'longest_match:longer name|...'");
    return 0;
}

/* The three ambiguity columns of one row: each kind of ambiguity named is
 * settled by a method named, each method settles a kind named, and the
 * cues give the words the methods need. */
static int check_marks(at_gazetteer_t *self, const at_tsv_t *t, size_t amb_col, size_t dis_col,
                       size_t cues_col, at_alias_t *a, char *err, size_t errlen)
{
    const char *alias = a->text;
    unsigned amb, dis;
    if (parse_set(t, "ambiguity", at_tsv_field(t, amb_col), amb_names, 4, AMB_LIST, &amb, err,
                  errlen) ||
        parse_set(t, "disambiguation", at_tsv_field(t, dis_col), dis_names, 5, DIS_LIST, &dis, err,
                  errlen))
        return -1;
    if (!amb && dis)
        return at_tsv_fail(t, err, errlen,
                           "alias '%s': disambiguation '%s' given, but no ambiguity", alias,
                           at_tsv_field(t, dis_col));
    for (size_t k = 0; k < 4; k++)
        if ((amb & (1u << k)) && !(dis & amb_settled_by[k]))
            return at_tsv_fail(t, err, errlen, "alias '%s': ambiguity '%s' needs disambiguation %s",
                               alias, amb_names[k], amb_settled_by_text[k]);
    for (size_t k = 0; k < 5; k++)
        if ((dis & (1u << k)) && !(amb & dis_settles[k]))
            return at_tsv_fail(t, err, errlen,
                               "alias '%s': disambiguation '%s' settles no ambiguity listed (it "
                               "settles %s)",
                               alias, dis_names[k], dis_settles_text[k]);
    const char *cues = at_tsv_field(t, cues_col);
    if (*cues && !dis)
        return at_tsv_fail(t, err, errlen, "alias '%s': cues given, but no disambiguation", alias);
    if (check_cues(t, alias, cues, dis, err, errlen))
        return -1;
    a->ambiguity = amb;
    a->disambiguation = dis;
    if (*cues && !(a->cues = pool_dup(self, cues)))
        return at_tsv_fail(t, err, errlen, "out of memory");
    return 0;
}

static at_alias_t *push_alias(at_gazetteer_t *self)
{
    if (at_tsv_grow((void **)&self->aliases, &self->cap, self->naliases, sizeof *self->aliases))
        return NULL;
    at_alias_t *a = &self->aliases[self->naliases++];
    memset(a, 0, sizeof *a);
    return a;
}

int at_gazetteer_country_col(const at_gazetteer_t *self, const at_tsv_t *t, size_t col,
                             size_t *index, char *err, size_t errlen)
{
    const char *code = at_tsv_field(t, col);
    if (at_gazetteer_country_find(self, code, index) != 0)
        return at_tsv_fail(t, err, errlen, "unknown country code '%s' (not in countries.tsv)",
                           code);
    return 0;
}

static int load_aliases(at_gazetteer_t *self, char *err, size_t errlen)
{
    at_tsv_t *t = at_tsv_open(self->paths[1], alias_cols, A_NCOLS, err, errlen);
    if (!t)
        return -1;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        size_t country = 0; /* set by at_gazetteer_country_col; gcc cannot see it */
        int kind = 0, caserule = 0;
        if (at_gazetteer_country_col(self, t, A_CODE, &country, err, errlen) ||
            at_tsv_choice(t, A_KIND, alias_kinds, 3, &kind, err, errlen) ||
            at_tsv_choice(t, A_CASE, case_rules, 2, &caserule, err, errlen) ||
            check_spelling(t, at_tsv_field(t, A_ALIAS), caserule, err, errlen) ||
            at_tsv_provenance(t, A_SOURCE, A_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        at_alias_t *a = push_alias(self);
        if (!a || !(a->text = pool_dup(self, at_tsv_field(t, A_ALIAS)))) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        a->country = country;
        a->kind = alias_kind_values[kind];
        a->caps = caserule == 1;
        a->path = self->paths[1];
        a->line = at_tsv_line(t);
        if (check_marks(self, t, A_AMBIGUITY, A_DISAMBIGUATION, A_CUES, a, err, errlen)) {
            rc = -1;
            break;
        }
    }
    at_tsv_destroy(&t);
    return rc;
}

/* Place rows ordered by (country, place, line): the rows of one place
 * side by side. */
static int cmp_place_row(const void *x, const void *y)
{
    const at_alias_t *a = *(const at_alias_t *const *)x, *b = *(const at_alias_t *const *)y;
    if (a->country != b->country)
        return a->country < b->country ? -1 : 1;
    int c = strcmp(a->place, b->place);
    if (c != 0)
        return c;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* Every spelling of one place must agree on what the place is (its kind),
 * and the canonical name must itself be one of the place's spellings; the
 * second catches a typo in the place column, which would otherwise show
 * up only as a misspelled Location in events. Rows first..naliases. */
static int check_place_groups(at_gazetteer_t *self, size_t first, char *err, size_t errlen)
{
    size_t np = self->naliases - first;
    const at_alias_t **rows = malloc((np + 1) * sizeof *rows);
    if (!rows) {
        snprintf(err, errlen, "%s:0: out of memory", self->paths[2]);
        return -1;
    }
    for (size_t i = 0; i < np; i++)
        rows[i] = &self->aliases[first + i];
    qsort(rows, np, sizeof *rows, cmp_place_row);
    const at_alias_t *bad_kind = NULL, *bad_name = NULL;
    for (size_t b = 0, e; b < np; b = e) {
        int found = 0;
        const at_alias_t *clash = NULL;
        for (e = b; e < np && rows[e]->country == rows[b]->country &&
                    strcmp(rows[e]->place, rows[b]->place) == 0;
             e++) {
            found |= strcmp(rows[e]->text, rows[e]->place) == 0;
            if (!clash && rows[e]->kind != rows[b]->kind)
                clash = rows[e];
        }
        if (clash && (!bad_kind || clash->line < bad_kind->line))
            bad_kind = clash;
        if (!found && (!bad_name || rows[b]->line < bad_name->line))
            bad_name = rows[b];
    }
    free(rows);
    if (bad_kind) {
        snprintf(err, errlen, "%s:%zu: place '%s' has another kind on an earlier row",
                 bad_kind->path, bad_kind->line, bad_kind->place);
        return -1;
    }
    if (bad_name) {
        snprintf(err, errlen, "%s:%zu: place '%s' has no row whose alias is '%s'", bad_name->path,
                 bad_name->line, bad_name->place, bad_name->place);
        return -1;
    }
    return 0;
}

static int load_places(at_gazetteer_t *self, char *err, size_t errlen)
{
    at_tsv_t *t = at_tsv_open(self->paths[2], place_cols, P_NCOLS, err, errlen);
    if (!t)
        return -1;
    size_t first = self->naliases;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        size_t country = 0; /* set by at_gazetteer_country_col; gcc cannot see it */
        int kind = 0, caserule = 0, scope = 0;
        if (at_gazetteer_country_col(self, t, P_CODE, &country, err, errlen) ||
            at_tsv_required(t, P_PLACE, err, errlen) ||
            at_tsv_choice(t, P_KIND, place_kinds, 2, &kind, err, errlen) ||
            at_tsv_choice(t, P_CASE, case_rules, 2, &caserule, err, errlen) ||
            at_tsv_choice(t, P_SCOPE, scopes, 2, &scope, err, errlen) ||
            check_spelling(t, at_tsv_field(t, P_ALIAS), caserule, err, errlen) ||
            at_tsv_provenance(t, P_SOURCE, P_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        const char *place = at_tsv_field(t, P_PLACE);
        at_alias_t *a = push_alias(self);
        if (!a || !(a->text = pool_dup(self, at_tsv_field(t, P_ALIAS))) ||
            !(a->place = pool_dup(self, place))) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        a->country = country;
        a->kind = place_kind_values[kind];
        a->caps = caserule == 1;
        a->dateline_only = scope == 1;
        a->path = self->paths[2];
        a->line = at_tsv_line(t);
        if (check_marks(self, t, P_AMBIGUITY, P_DISAMBIGUATION, P_CUES, a, err, errlen)) {
            rc = -1;
            break;
        }
    }
    at_tsv_destroy(&t);
    if (rc != 0)
        return rc;
    return check_place_groups(self, first, err, errlen);
}

/* --- one spelling on several rows ----------------------------------------- */

/* A form a row can match: its spelling, or the ALL-CAPS form `caps` adds.
 * The ALL-CAPS form is computed while comparing (upper = 1), so checking a
 * thousand spellings allocates one array, not a string per spelling. */
typedef struct {
    const char *text;
    size_t len;
    size_t row;
    int upper;
} form_t;

static unsigned char form_byte(const form_t *f, size_t i)
{
    unsigned char c = (unsigned char)f->text[i];
    return f->upper && c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

/* Byte order of the two forms' strings (not their rows). */
static int cmp_form_bytes(const void *x, const void *y)
{
    const form_t *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char ca = form_byte(a, i), cb = form_byte(b, i);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return a->len < b->len ? -1 : a->len > b->len;
}

static int cmp_form(const void *x, const void *y)
{
    int c = cmp_form_bytes(x, y);
    if (c != 0)
        return c;
    const form_t *a = x, *b = y;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* The forms of rows[0..n) that `want` accepts, into out (room for 2n). */
static size_t collect_forms(const at_gazetteer_t *self, size_t n, int (*want)(const at_alias_t *),
                            form_t *out)
{
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        const at_alias_t *a = &self->aliases[i];
        if (!want(a))
            continue;
        size_t len = strlen(a->text);
        out[nf++] = (form_t){a->text, len, i, 0};
        int differs = 0;
        for (size_t k = 0; a->caps && k < len; k++)
            differs |= a->text[k] >= 'a' && a->text[k] <= 'z';
        if (differs)
            out[nf++] = (form_t){a->text, len, i, 1};
    }
    qsort(out, nf, sizeof *out, cmp_form);
    return nf;
}

static int in_text_domain(const at_alias_t *a)
{
    return !a->dateline_only;
}

static int in_dateline_domain(const at_alias_t *a)
{
    return a->place != NULL;
}

static int matched_in_text(const at_alias_t *a)
{
    return !a->dateline_only && !a->shadowed;
}

static int fail_at(const at_alias_t *a, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(const at_alias_t *a, char *err, size_t errlen, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s:%zu: ", a->path, a->line);
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The present engine can give a spelling only one meaning. A spelling (or
 * the ALL-CAPS form of a `caps` one) may be on several rows only when each
 * of them is marked `other_place`; at most one is the `default`, which is
 * matched, and the others are shadowed. Without a default none of them is
 * matched. Errors are reported on the later row of the pair. */
static int resolve_domain(at_gazetteer_t *self, int dateline, unsigned char *multi, char *err,
                          size_t errlen)
{
    size_t n = self->naliases;
    form_t *forms = malloc((2 * n + 1) * sizeof *forms);
    int rc = 0;
    if (!forms) {
        snprintf(err, errlen, "%s:0: out of memory", self->paths[1]);
        return -1;
    }
    size_t nf = collect_forms(self, n, dateline ? in_dateline_domain : in_text_domain, forms);
    for (size_t b = 0, e; b < nf && rc == 0; b = e) {
        e = b + 1;
        while (e < nf && cmp_form_bytes(&forms[e], &forms[b]) == 0)
            e++;
        if (e - b < 2)
            continue;
        /* Rows of this form, in load order (sorted by row within a form). */
        const at_alias_t *first = &self->aliases[forms[b].row];
        const at_alias_t *dflt = (first->disambiguation & AT_DIS_DEFAULT) ? first : NULL;
        for (size_t k = b + 1; k < e && rc == 0; k++) {
            const at_alias_t *a = &self->aliases[forms[k].row];
            if (!(a->ambiguity & AT_AMB_OTHER_PLACE) || !(first->ambiguity & AT_AMB_OTHER_PLACE))
                rc = fail_at(a, err, errlen,
                             "alias '%s' (or its ALL-CAPS form) is also at %s:%zu; a spelling on "
                             "several rows must be marked ambiguity 'other_place' on each",
                             a->text, first->path, first->line);
            else if (a->country == first->country &&
                     (a->place == first->place ||
                      (a->place && first->place && strcmp(a->place, first->place) == 0)))
                rc = fail_at(a, err, errlen,
                             "alias '%s' (or its ALL-CAPS form) names the same %s as %s:%zu",
                             a->text, a->place ? "place" : "country", first->path, first->line);
            else if ((a->disambiguation & AT_DIS_DEFAULT) && dflt)
                rc = fail_at(a, err, errlen,
                             "alias '%s' is marked 'default' here and at %s:%zu; one row of a "
                             "spelling at most is the default",
                             a->text, dflt->path, dflt->line);
            else if (a->disambiguation & AT_DIS_DEFAULT)
                dflt = a;
        }
        for (size_t k = b; k < e; k++)
            multi[forms[k].row] |= dateline ? 2 : 1;
    }
    free(forms);
    return rc;
}

/* Spellings are compared within two domains: what the text matcher sees
 * (every row but dateline-only places) and what datelines are compared
 * with (every place row). So the country "Singapore" and a dateline-only
 * place "Singapore" do not clash. */
static int resolve_spellings(at_gazetteer_t *self, char *err, size_t errlen)
{
    size_t n = self->naliases;
    unsigned char *multi = calloc(n + 1, 1);
    if (!multi) {
        snprintf(err, errlen, "%s:0: out of memory", self->paths[1]);
        return -1;
    }
    int rc = resolve_domain(self, 0, multi, err, errlen);
    if (rc == 0)
        rc = resolve_domain(self, 1, multi, err, errlen);
    for (size_t i = 0; i < n && rc == 0; i++) {
        at_alias_t *a = &self->aliases[i];
        int dflt = (a->disambiguation & AT_DIS_DEFAULT) != 0;
        if (dflt && !multi[i])
            rc = fail_at(a, err, errlen,
                         "alias '%s' is marked 'default', but no other row has its spelling",
                         a->text);
        a->shadowed = (multi[i] & 1) && !dflt;
        a->dateline_shadowed = (multi[i] & 2) && !dflt;
    }
    free(multi);
    return rc;
}

/* --- longer names that must win (longest_match cues) ---------------------- */

/* Whether s (or its ASCII ALL-CAPS form, when upper) is one of the forms
 * row a matches: its text, or the ALL-CAPS form of it when a is `caps`. */
static int is_form_of(const at_alias_t *a, const char *s, int upper)
{
    size_t len = strlen(s);
    if (strlen(a->text) != len)
        return 0;
    form_t x = {s, len, 0, upper};
    form_t y = {a->text, len, 0, 0};
    if (cmp_form_bytes(&x, &y) == 0)
        return 1;
    y.upper = a->caps;
    return a->caps && cmp_form_bytes(&x, &y) == 0;
}

/* Each longest_match cue ("New Mexico" on the Mexico row) that is not
 * itself a spelling becomes a blocker row: the matcher sees it, so by
 * leftmost-longest the shorter spelling inside it cannot match there, and
 * the engine ignores the blocker's own hits. So "New Mexico" tags nothing
 * instead of Mexico. Blockers take the declaring row's case rule (when
 * their ALL-CAPS form clashes with nothing) and line, for error messages. */
static int add_blockers(at_gazetteer_t *self, char *err, size_t errlen)
{
    size_t n = self->naliases;
    form_t *forms = malloc((2 * n + 1) * sizeof *forms); /* every form the matcher has */
    int rc = 0;
    if (!forms)
        goto oom;
    size_t nf = collect_forms(self, n, matched_in_text, forms);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!(self->aliases[i].disambiguation & AT_DIS_LONGEST_MATCH) ||
            self->aliases[i].dateline_only)
            continue;
        /* The entry is there (check_cues); find it at an entry start. */
        const char *c = self->aliases[i].cues;
        while (strncmp(c, "longest_match:", 14) != 0)
            c += strcspn(c, ";") + 1;
        c += 14;
        size_t span = strcspn(c, ";");
        for (const char *w = c; w < c + span;) {
            size_t wl = strcspn(w, "|;");
            char *text = pool_dupn(self, w, wl);
            if (!text)
                goto oom;
            w += wl + (w[wl] == '|');
            form_t key = {text, wl, 0, 0};
            int known = bsearch(&key, forms, nf, sizeof *forms, cmp_form_bytes) != NULL;
            for (size_t k = n; k < self->naliases && !known; k++)
                known = is_form_of(&self->aliases[k], text, 0); /* a blocker already */
            if (known)
                continue; /* (its copy stays in the pool until destroy) */
            int caps = self->aliases[i].caps;
            int differs = 0;
            for (const char *q = text; *q && caps; q++) {
                caps = (unsigned char)*q < 0x80;
                differs |= *q >= 'a' && *q <= 'z';
            }
            key.upper = 1;
            if (caps && (!differs || bsearch(&key, forms, nf, sizeof *forms, cmp_form_bytes)))
                caps = 0;
            for (size_t k = n; k < self->naliases && caps; k++)
                caps = !is_form_of(&self->aliases[k], text, 1);
            at_alias_t *b = push_alias(self); /* may move self->aliases */
            if (!b)
                goto oom;
            const at_alias_t *d = &self->aliases[i];
            b->text = text;
            b->country = d->country;
            b->kind = d->kind;
            b->caps = caps;
            b->path = d->path;
            b->line = d->line;
            b->blocker = 1;
        }
    }
    goto done;
oom:
    snprintf(err, errlen, "%s:0: out of memory", self->paths[1]);
    rc = -1;
done:
    free(forms);
    return rc;
}

/* Rows that share their spelling in running text (London: GBR and CAN)
 * are linked in a cycle (at_alias_t.next_same), so that the engine finds
 * the other meanings of a hit at once. Only rows on several text rows
 * (`default` or shadowed) can have any. */
static void link_same_spellings(at_gazetteer_t *self)
{
    size_t n = self->naliases;
    for (size_t i = 0; i < n; i++)
        self->aliases[i].next_same = i;
    for (size_t i = 0; i < n; i++) {
        const at_alias_t *a = &self->aliases[i];
        if (a->blocker || a->dateline_only || a->next_same != i ||
            !(a->shadowed || (a->disambiguation & AT_DIS_DEFAULT)))
            continue;
        size_t last = i;
        for (size_t j = i + 1; j < n; j++) {
            const at_alias_t *b = &self->aliases[j];
            if (!b->blocker && !b->dateline_only && strcmp(a->text, b->text) == 0) {
                self->aliases[last].next_same = j;
                last = j;
            }
        }
        self->aliases[last].next_same = i;
    }
}

at_gazetteer_t *at_gazetteer_new(const char *data_dir, char *err, size_t errlen)
{
    if (!data_dir) {
        snprintf(err, errlen, "at_gazetteer_new: no data directory");
        return NULL;
    }
    at_gazetteer_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "%s: out of memory", data_dir);
        return NULL;
    }
    self->paths[0] = at_tsv_join(data_dir, "countries.tsv");
    self->paths[1] = at_tsv_join(data_dir, "aliases.tsv");
    self->paths[2] = at_tsv_join(data_dir, "places.tsv");
    if (!self->paths[0] || !self->paths[1] || !self->paths[2]) {
        snprintf(err, errlen, "%s: out of memory", data_dir);
        at_gazetteer_destroy(&self);
        return NULL;
    }
    if (load_countries(self, err, errlen) || load_aliases(self, err, errlen) ||
        load_places(self, err, errlen) || resolve_spellings(self, err, errlen) ||
        add_blockers(self, err, errlen)) {
        at_gazetteer_destroy(&self);
        return NULL;
    }
    link_same_spellings(self);
    return self;
}

size_t at_gazetteer_country_count(const at_gazetteer_t *self)
{
    return self ? self->ncountries : 0;
}

const at_country_t *at_gazetteer_country(const at_gazetteer_t *self, size_t i)
{
    return self && i < self->ncountries ? &self->countries[i] : NULL;
}

size_t at_gazetteer_alias_count(const at_gazetteer_t *self)
{
    return self ? self->naliases : 0;
}

const at_alias_t *at_gazetteer_alias(const at_gazetteer_t *self, size_t i)
{
    return self && i < self->naliases ? &self->aliases[i] : NULL;
}

/* A spelling shared by several rows with no `default` ("San Jose": CRI
 * or the USA) matches nothing, but it must still be in the matcher: the
 * matcher folds diacritics, so without it "San Jose" would reach the
 * unique spelling "San José" of CRI. Added once, as the first of its rows,
 * it wins that span (an exact spelling beats a folded one) and its hit is
 * ignored like a blocker's. Not needed when a `default` row is matched. */
static int shadow_blocks(const at_gazetteer_t *self, size_t i)
{
    const at_alias_t *a = &self->aliases[i];
    for (size_t j = 0; j < self->naliases; j++) {
        const at_alias_t *b = &self->aliases[j];
        if (j == i || b->dateline_only || strcmp(a->text, b->text) != 0)
            continue;
        if (!b->shadowed || j < i)
            return 0; /* a default is matched, or an earlier row blocks */
    }
    return 1;
}

int at_gazetteer_add_patterns(const at_gazetteer_t *self, at_match_t *m, uint32_t base)
{
    if (!self || !m)
        return -1;
    for (size_t i = 0; i < self->naliases; i++) {
        const at_alias_t *a = &self->aliases[i];
        if (a->dateline_only || (a->shadowed && !shadow_blocks(self, i)))
            continue;
        if (at_match_add_spelling(m, a->text, strlen(a->text), a->caps, base + (uint32_t)i) != 0)
            return -1;
    }
    return 0;
}

static int ascii_caseeq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'a' && x <= 'z')
            x = (unsigned char)(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z')
            y = (unsigned char)(y - 'a' + 'A');
        if (x != y)
            return 0;
    }
    return 1;
}

/* Length of a dash starting at s[i] (ASCII '-', en dash U+2013, em dash
 * U+2014), or 0. */
static size_t dash_at(const char *s, size_t len, size_t i)
{
    if (s[i] == '-')
        return 1;
    if (len - i >= 3 && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
        ((unsigned char)s[i + 2] == 0x93 || (unsigned char)s[i + 2] == 0x94))
        return 3;
    return 0;
}

const at_alias_t *at_gazetteer_dateline(const at_gazetteer_t *self, const char *body, size_t len)
{
    if (!self || !body)
        return NULL;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    size_t limit = len - i > DATELINE_SPAN ? i + DATELINE_SPAN : len;
    /* The place runs up to a comma, a parenthesis, a line end, or a dash
     * that is not inside a word (so "NUR-SULTAN" stays whole). */
    size_t j = i;
    while (j < limit) {
        char c = body[j];
        if (c == ',' || c == '(' || c == '\n' || c == '\r')
            break;
        size_t d = dash_at(body, limit, j);
        if (d == 3 || (d == 1 && j > i && body[j - 1] == ' '))
            break;
        j++;
    }
    size_t end = j;
    while (end > i && body[end - 1] == ' ')
        end--;
    size_t plen = end - i;
    if (plen == 0 || plen > DATELINE_PLACE || j >= limit)
        return NULL;
    /* A dash must follow on the same line, or this is an ordinary sentence
     * that happens to start with a city name. */
    int dashed = 0;
    for (size_t k = j; k < limit && !dashed; k++) {
        if (body[k] == '\n' || body[k] == '\r')
            break;
        dashed = dash_at(body, limit, k) != 0;
    }
    if (!dashed)
        return NULL;
    const char *place = body + i;
    int has_upper = 0, has_lower = 0;
    for (size_t k = 0; k < plen; k++) {
        has_upper |= place[k] >= 'A' && place[k] <= 'Z';
        has_lower |= place[k] >= 'a' && place[k] <= 'z';
    }
    int all_caps = has_upper && !has_lower;
    for (size_t k = 0; k < self->naliases; k++) {
        const at_alias_t *a = &self->aliases[k];
        if (!a->place || a->dateline_shadowed || strlen(a->text) != plen)
            continue;
        if (all_caps ? ascii_caseeq(a->text, place, plen) : memcmp(a->text, place, plen) == 0)
            return a;
    }
    return NULL;
}
