/*
 * at_gazetteer: loading and checking the country tables, and datelines
 * (see at_gazetteer.h and docs/data.md).
 */
#include "at_gazetteer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_tsv.h"

/* How far into the body a dateline may reach, and how long its place. */
#define DATELINE_SPAN  160
#define DATELINE_PLACE 60

struct at_gazetteer {
    at_country_t *countries;
    size_t ncountries;
    at_alias_t *aliases;
    size_t naliases, cap;
    char *paths[3]; /* countries, aliases, places: for error messages */
};

enum { C_CODE, C_ALPHA2, C_NUMERIC, C_NAME, C_UN, C_SOURCE, C_CHECKED, C_NCOLS };
static const char *const country_cols[] = {"code",      "alpha2", "numeric",   "name",
                                           "un_member", "source", "checked_on"};
static const char *const un_states[] = {"no", "yes", "observer"};

enum { A_CODE, A_ALIAS, A_KIND, A_CASE, A_NOTE, A_SOURCE, A_CHECKED, A_NCOLS };
static const char *const alias_cols[] = {"code", "alias",  "kind",      "case",
                                         "note", "source", "checked_on"};

enum { P_CODE, P_PLACE, P_ALIAS, P_KIND, P_CASE, P_SCOPE, P_NOTE, P_SOURCE, P_CHECKED, P_NCOLS };
static const char *const place_cols[] = {"code",  "place", "alias",  "kind",      "case",
                                         "scope", "note",  "source", "checked_on"};

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

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void at_gazetteer_destroy(at_gazetteer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_gazetteer_t *self = *self_p;
    for (size_t i = 0; i < self->ncountries; i++) {
        free(self->countries[i].name);
        free(self->countries[i].source);
    }
    free(self->countries);
    for (size_t i = 0; i < self->naliases; i++) {
        free(self->aliases[i].text);
        free(self->aliases[i].place);
    }
    free(self->aliases);
    for (size_t i = 0; i < 3; i++)
        free(self->paths[i]);
    free(self);
    *self_p = NULL;
}

int at_gazetteer_country_find(const at_gazetteer_t *self, const char *code, size_t *index)
{
    if (!self || !code)
        return -1;
    /* Linear: a few hundred countries, looked up only while loading. */
    for (size_t i = 0; i < self->ncountries; i++) {
        if (strcmp(self->countries[i].code, code) == 0) {
            if (index)
                *index = i;
            return 0;
        }
    }
    return -1;
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
        if (self->ncountries == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            at_country_t *nc = realloc(self->countries, ncap * sizeof *nc);
            if (!nc) {
                rc = at_tsv_fail(t, err, errlen, "out of memory");
                break;
            }
            self->countries = nc;
            cap = ncap;
        }
        at_country_t *c = &self->countries[self->ncountries];
        memset(c, 0, sizeof *c);
        memcpy(c->code, code, 4);
        memcpy(c->alpha2, a2, 3);
        memcpy(c->numeric, num, strlen(num) + 1);
        c->un_member = (at_un_member_t)un;
        c->name = strdup(at_tsv_field(t, C_NAME));
        c->source = strdup(at_tsv_field(t, C_SOURCE));
        self->ncountries++;
        if (!c->name || !c->source) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
    }
    if (rc == 0 && self->ncountries == 0)
        rc = at_tsv_fail(t, err, errlen, "no countries");
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

static at_alias_t *push_alias(at_gazetteer_t *self)
{
    if (self->naliases == self->cap) {
        size_t ncap = self->cap ? self->cap * 2 : 128;
        at_alias_t *na = realloc(self->aliases, ncap * sizeof *na);
        if (!na)
            return NULL;
        self->aliases = na;
        self->cap = ncap;
    }
    at_alias_t *a = &self->aliases[self->naliases++];
    memset(a, 0, sizeof *a);
    return a;
}

static int lookup_code(const at_gazetteer_t *self, const at_tsv_t *t, size_t col, size_t *index,
                       char *err, size_t errlen)
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
        size_t country = 0;
        int kind, caserule;
        if (lookup_code(self, t, A_CODE, &country, err, errlen) ||
            at_tsv_choice(t, A_KIND, alias_kinds, 3, &kind, err, errlen) ||
            at_tsv_choice(t, A_CASE, case_rules, 2, &caserule, err, errlen) ||
            check_spelling(t, at_tsv_field(t, A_ALIAS), caserule, err, errlen) ||
            at_tsv_provenance(t, A_SOURCE, A_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        at_alias_t *a = push_alias(self);
        if (!a || !(a->text = strdup(at_tsv_field(t, A_ALIAS)))) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        a->country = country;
        a->kind = alias_kind_values[kind];
        a->caps = caserule == 1;
        a->path = self->paths[1];
        a->line = at_tsv_line(t);
    }
    at_tsv_destroy(&t);
    return rc;
}

static int load_places(at_gazetteer_t *self, char *err, size_t errlen)
{
    at_tsv_t *t = at_tsv_open(self->paths[2], place_cols, P_NCOLS, err, errlen);
    if (!t)
        return -1;
    size_t first = self->naliases;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        size_t country = 0; /* set by lookup_code; gcc cannot see it */
        int kind = 0, caserule = 0, scope = 0;
        if (lookup_code(self, t, P_CODE, &country, err, errlen) ||
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
        /* Every spelling of one place must agree on what the place is. */
        int clash = 0;
        for (size_t i = first; i < self->naliases && !clash; i++) {
            const at_alias_t *o = &self->aliases[i];
            clash = o->country == country && strcmp(o->place, place) == 0 &&
                    o->kind != place_kind_values[kind];
        }
        if (clash) {
            rc =
                at_tsv_fail(t, err, errlen, "place '%s' has another kind on an earlier row", place);
            break;
        }
        at_alias_t *a = push_alias(self);
        if (!a || !(a->text = strdup(at_tsv_field(t, P_ALIAS))) || !(a->place = strdup(place))) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        a->country = country;
        a->kind = place_kind_values[kind];
        a->caps = caserule == 1;
        a->dateline_only = scope == 1;
        a->path = self->paths[2];
        a->line = at_tsv_line(t);
    }
    at_tsv_destroy(&t);
    if (rc != 0)
        return rc;
    /* The canonical name must itself be one of the place's spellings; this
     * catches a typo in the place column, which would otherwise show up
     * only as a misspelled Location in events. */
    for (size_t i = first; i < self->naliases; i++) {
        const at_alias_t *a = &self->aliases[i];
        int found = 0;
        for (size_t k = first; k < self->naliases && !found; k++)
            found = self->aliases[k].country == a->country &&
                    strcmp(self->aliases[k].text, a->place) == 0;
        if (!found) {
            snprintf(err, errlen, "%s:%zu: place '%s' has no row whose alias is '%s'", a->path,
                     a->line, a->place, a->place);
            return -1;
        }
    }
    return 0;
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
    self->paths[0] = join(data_dir, "countries.tsv");
    self->paths[1] = join(data_dir, "aliases.tsv");
    self->paths[2] = join(data_dir, "places.tsv");
    if (!self->paths[0] || !self->paths[1] || !self->paths[2]) {
        snprintf(err, errlen, "%s: out of memory", data_dir);
        at_gazetteer_destroy(&self);
        return NULL;
    }
    if (load_countries(self, err, errlen) || load_aliases(self, err, errlen) ||
        load_places(self, err, errlen)) {
        at_gazetteer_destroy(&self);
        return NULL;
    }
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

int at_gazetteer_add_patterns(const at_gazetteer_t *self, at_match_t *m, uint32_t base)
{
    if (!self || !m)
        return -1;
    for (size_t i = 0; i < self->naliases; i++) {
        const at_alias_t *a = &self->aliases[i];
        if (a->dateline_only)
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
        if (!a->place || strlen(a->text) != plen)
            continue;
        if (all_caps ? ascii_caseeq(a->text, place, plen) : memcmp(a->text, place, plen) == 0)
            return a;
    }
    return NULL;
}
