/*
 * at_actors: loading and checking the actor tables (see at_actors.h and
 * docs/data.md).
 */
#include "at_actors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_actorid.h"
#include "at_tsv.h"

typedef struct {
    at_role_t r;
    size_t actor;
    size_t line;
} role_row_t;

typedef struct {
    at_warrant_t w;
    size_t actor;
    size_t line;
} warrant_row_t;

struct at_actors {
    at_actor_t *actors;
    size_t nactors;
    at_actor_alias_t *aliases;
    size_t naliases;
    role_row_t *roles;
    size_t nroles;
    warrant_row_t *warrants;
    size_t nwarrants;
    /* Views handed out through at_actor_t (contiguous per actor). */
    at_role_t *role_view;
    at_warrant_t *warrant_view;
    char *paths[4];
    at_day_t as_of; /* data/VERSION; AT_DAY_NONE: not checked */
    at_executives_t *executives;
    /* Actor ids → index: open addressing, linear probing, slots hold
     * index + 1 (0 = empty), capacity a power of two at least twice the
     * actors. Every aliases, roles and warrants row looks its actor up, so
     * a linear scan made loading quadratic (a third of the load time at
     * 2,185 actors). */
    size_t *id_slots;
    size_t id_cap;
};

enum { AC_ID, AC_NAME, AC_COUNTRY, AC_SOURCE, AC_CHECKED, AC_NCOLS };
static const char *const actor_cols[] = {"id", "name", "country", "source", "checked_on"};

enum { AA_ACTOR, AA_ALIAS, AA_FORM, AA_CASE, AA_NOTE, AA_SOURCE, AA_CHECKED, AA_NCOLS };
static const char *const alias_cols[] = {"actor", "alias",  "form",      "case",
                                         "note",  "source", "checked_on"};
static const char *const forms[] = {"full", "surname", "surname_context"};

enum {
    RO_ACTOR,
    RO_ROLE,
    RO_COUNTRY,
    RO_TITLE,
    RO_START,
    RO_FIRST_SEEN,
    RO_END,
    RO_LAST_SEEN,
    RO_HOLDER,
    RO_SOURCE,
    RO_CHECKED,
    RO_NCOLS
};
static const char *const role_cols[] = {"actor",  "role",       "country",   "title",
                                        "start",  "first_seen", "end",       "last_seen",
                                        "holder", "source",     "checked_on"};
/* Columns roles.tsv gained after its first format, oldest first: a
 * user's own tables in an older format still load. */
static const size_t role_added[] = {RO_LAST_SEEN, RO_FIRST_SEEN};
static const char *const holders[] = {"sole", "acting", "shared"};

enum {
    WA_ACTOR,
    WA_COURT,
    WA_CASE,
    WA_ISSUED,
    WA_STATUS,
    WA_STATUS_DATE,
    WA_SOURCE,
    WA_CHECKED,
    WA_NCOLS
};
static const char *const warrant_cols[] = {"actor",  "court",       "case",   "issued",
                                           "status", "status_date", "source", "checked_on"};
static const char *const warrant_states[] = {"outstanding", "executed", "withdrawn", "terminated"};

/* Offices a state has one holder of at a time: the issue's three, and the
 * others the tables record (the United States' offices of round 8; the
 * heads of presidential administrations of round 6). A state with two at
 * once by design marks them `shared`. */
static const char *const single_holder_roles[] = {"head_of_state",
                                                  "head_of_government",
                                                  "foreign_minister",
                                                  "defence_minister",
                                                  "vice_president",
                                                  "un_ambassador",
                                                  "national_security_advisor",
                                                  "speaker_of_the_house",
                                                  "senate_majority_leader",
                                                  "senate_minority_leader",
                                                  "head_of_cabinet"};

static const char *const case_rules[] = {"exact", "caps"};

static int check_actor_id(const at_tsv_t *t, const char *id, char *err, size_t errlen)
{
    if (at_actorid_kind(id) != AT_ACTORID_INVALID)
        return 0;
    char why[256];
    at_actorid_explain("id", id, why, sizeof why);
    return at_tsv_fail(t, err, errlen, "%s", why);
}

void at_actors_destroy(at_actors_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_actors_t *self = *self_p;
    for (size_t i = 0; i < self->nactors; i++) {
        free(self->actors[i].id);
        free(self->actors[i].name);
    }
    free(self->actors);
    for (size_t i = 0; i < self->naliases; i++)
        free(self->aliases[i].text);
    free(self->aliases);
    for (size_t i = 0; i < self->nroles; i++) {
        free(self->roles[i].r.role);
        free(self->roles[i].r.title);
        free(self->roles[i].r.source);
    }
    free(self->roles);
    for (size_t i = 0; i < self->nwarrants; i++) {
        free(self->warrants[i].w.court);
        free(self->warrants[i].w.reference);
        free(self->warrants[i].w.status);
        free(self->warrants[i].w.source);
    }
    free(self->warrants);
    free(self->role_view);
    free(self->warrant_view);
    free(self->id_slots);
    for (size_t i = 0; i < 4; i++)
        free(self->paths[i]);
    at_executives_destroy(&self->executives);
    free(self);
    *self_p = NULL;
}

/* FNV-1a: ids are short ASCII strings; no need for more. */
static size_t id_hash(const char *id)
{
    uint64_t h = 1469598103934665603ull;
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211ull;
    return (size_t)h;
}

/* The slot holding `id`, or the empty slot where it would go. */
static size_t *id_slot(const at_actors_t *self, const char *id)
{
    size_t mask = self->id_cap - 1;
    for (size_t i = id_hash(id) & mask;; i = (i + 1) & mask) {
        size_t *slot = &self->id_slots[i];
        if (*slot == 0 || strcmp(self->actors[*slot - 1].id, id) == 0)
            return slot;
    }
}

/* Index actor `i` (its id not indexed yet); grows the table to keep it at
 * most half full. Returns 0 or -1 when out of memory. */
static int id_index_add(at_actors_t *self, size_t i)
{
    if ((self->nactors + 1) * 2 > self->id_cap) {
        size_t cap = self->id_cap ? self->id_cap * 2 : 256;
        size_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        size_t *old = self->id_slots, old_cap = self->id_cap;
        self->id_slots = slots;
        self->id_cap = cap;
        for (size_t k = 0; k < old_cap; k++)
            if (old[k])
                *id_slot(self, self->actors[old[k] - 1].id) = old[k];
        free(old);
    }
    *id_slot(self, self->actors[i].id) = i + 1;
    return 0;
}

static int find_actor_col(const at_actors_t *self, const at_tsv_t *t, size_t col, size_t *index,
                          char *err, size_t errlen)
{
    const char *id = at_tsv_field(t, col);
    if (at_actors_find(self, id, index) != 0)
        return at_tsv_fail(t, err, errlen, "unknown actor '%s' (not in actors.tsv)", id);
    return 0;
}

static int load_actors(at_actors_t *self, const at_gazetteer_t *gaz, char *err, size_t errlen)
{
    at_tsv_t *t = at_tsv_open(self->paths[0], actor_cols, AC_NCOLS, err, errlen);
    if (!t)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        const char *id = at_tsv_field(t, AC_ID);
        size_t country;
        if ((rc = check_actor_id(t, id, err, errlen)) != 0)
            break;
        if (at_actors_find(self, id, NULL) == 0) {
            rc = at_tsv_fail(t, err, errlen, "duplicate actor '%s'", id);
            break;
        }
        if (at_tsv_required(t, AC_NAME, err, errlen) ||
            at_gazetteer_country_col(gaz, t, AC_COUNTRY, &country, err, errlen) ||
            at_tsv_provenance(t, AC_SOURCE, AC_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        if (at_tsv_grow((void **)&self->actors, &cap, self->nactors, sizeof *self->actors) != 0) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        at_actor_t *a = &self->actors[self->nactors++];
        memset(a, 0, sizeof *a);
        a->country = country;
        a->id = strdup(id);
        a->name = strdup(at_tsv_field(t, AC_NAME));
        if (!a->id || !a->name || id_index_add(self, self->nactors - 1) != 0) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
    }
    at_tsv_destroy(&t);
    return rc;
}

/* Chain the `surname_context` rows of different actors that share a
 * spelling (same text, same case rule), so the matcher gets it once. The
 * same actor listing such a spelling twice is an error here, since the
 * later row never reaches the matcher; any other repeat is left to the
 * matcher's one-spelling-one-meaning check, which names both rows. One
 * pass over the aliases per `surname_context` row, once per load. */
static int chain_shared(at_actors_t *self, char *err, size_t errlen)
{
    for (size_t i = 0; i < self->naliases; i++) {
        at_actor_alias_t *a = &self->aliases[i];
        if (a->form != AT_FORM_SURNAME_CONTEXT || a->shared)
            continue;
        at_actor_alias_t *last = a;
        for (size_t j = i + 1; j < self->naliases; j++) {
            at_actor_alias_t *b = &self->aliases[j];
            if (b->form != AT_FORM_SURNAME_CONTEXT || b->shared || b->caps != a->caps ||
                strcmp(b->text, a->text) != 0)
                continue;
            for (size_t k = i; k != AT_ALIAS_NONE; k = self->aliases[k].next_shared)
                if (self->aliases[k].actor == b->actor) {
                    snprintf(err, errlen,
                             "%s:%zu: alias '%s' is listed twice for %s (first on line %zu)",
                             b->path, b->line, b->text, self->actors[b->actor].id,
                             self->aliases[k].line);
                    return -1;
                }
            b->shared = 1;
            last->next_shared = j;
            last = b;
        }
    }
    return 0;
}

static int load_aliases(at_actors_t *self, char *err, size_t errlen)
{
    at_tsv_t *t = at_tsv_open(self->paths[1], alias_cols, AA_NCOLS, err, errlen);
    if (!t)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        size_t actor = 0;
        int caserule, form;
        const char *s = at_tsv_field(t, AA_ALIAS);
        if (find_actor_col(self, t, AA_ACTOR, &actor, err, errlen) ||
            at_tsv_choice(t, AA_FORM, forms, sizeof forms / sizeof *forms, &form, err, errlen) ||
            at_tsv_choice(t, AA_CASE, case_rules, 2, &caserule, err, errlen) ||
            at_tsv_provenance(t, AA_SOURCE, AA_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        const char *why = at_match_pattern_problem(s, strlen(s));
        if (why) {
            rc = at_tsv_fail(t, err, errlen, "alias '%s' %s", s, why);
            break;
        }
        if (caserule == 1) {
            for (const char *p = s; *p && rc != -1; p++)
                if ((unsigned char)*p >= 0x80)
                    rc = at_tsv_fail(t, err, errlen,
                                     "alias '%s': case 'caps' needs an ASCII spelling", s);
            if (rc == -1)
                break;
        }
        /* A surname-only form is the last word of a name: a space in it
         * means it is a full name filed under the wrong form. */
        if (form != AT_FORM_FULL && strchr(s, ' ')) {
            rc = at_tsv_fail(t, err, errlen,
                             "alias '%s' has a space: form '%s' is for a surname alone", s,
                             forms[form]);
            break;
        }
        if (at_tsv_grow((void **)&self->aliases, &cap, self->naliases, sizeof *self->aliases) !=
            0) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        at_actor_alias_t *a = &self->aliases[self->naliases++];
        a->actor = actor;
        a->caps = caserule == 1;
        a->form = (at_alias_form_t)form;
        a->path = self->paths[1];
        a->line = at_tsv_line(t);
        a->next_shared = AT_ALIAS_NONE;
        a->shared = 0;
        a->text = strdup(s);
        if (!a->text) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
    }
    at_tsv_destroy(&t);
    return rc;
}

/* A day no later than the data set's "as of" day: the tables record what
 * had happened by then, never a scheduled end or a guessed future. */
static int not_after_as_of(const at_actors_t *self, const at_tsv_t *t, const char *col,
                           at_day_t day, char *err, size_t errlen)
{
    char a[16], b[16];
    if (self->as_of == AT_DAY_NONE || day == AT_DAY_NONE || day <= self->as_of)
        return 0;
    return at_tsv_fail(t, err, errlen, "%s %s is after the data version %s", col,
                       at_day_format(day, a, sizeof a), at_day_format(self->as_of, b, sizeof b));
}

static void format_interval(const at_role_t *r, char *buf, size_t len)
{
    char a[16], b[16];
    const char *from = r->start == AT_DAY_NONE ? "first seen " : "";
    if (r->end == AT_DAY_NONE && r->last_seen != AT_DAY_NONE)
        snprintf(buf, len, "[%s%s, last seen %s]", from,
                 at_day_format(at_role_from(r), a, sizeof a),
                 at_day_format(r->last_seen, b, sizeof b));
    else
        snprintf(buf, len, "[%s%s, %s)", from, at_day_format(at_role_from(r), a, sizeof a),
                 r->end == AT_DAY_NONE ? "open" : at_day_format(r->end, b, sizeof b));
}

/* The overlap rules of one new row against the rows before it:
 * - one person never holds the same office of the same state twice at once
 *   (whatever the holder kind: it is a typo in a date);
 * - a single-holder office has one sole holder at a time. Acting and shared
 *   holders are exempt: an acting president beside an incapacitated one,
 *   the two co-princes of Andorra, a collective presidency. */
static int check_overlaps(const at_actors_t *self, const at_tsv_t *t, const role_row_t *row,
                          const at_gazetteer_t *gaz, char *err, size_t errlen)
{
    int single = at_role_single_holder(row->r.role);
    for (size_t i = 0; i < self->nroles; i++) {
        const role_row_t *o = &self->roles[i];
        if (o->r.country != row->r.country || strcmp(o->r.role, row->r.role) != 0 ||
            !(at_role_from(&row->r) < at_role_until(&o->r) &&
              at_role_from(&o->r) < at_role_until(&row->r)))
            continue;
        char mine[40], theirs[40];
        format_interval(&row->r, mine, sizeof mine);
        format_interval(&o->r, theirs, sizeof theirs);
        if (o->actor == row->actor)
            return at_tsv_fail(t, err, errlen, "%s %s overlaps the same actor's %s on line %zu",
                               row->r.role, mine, theirs, o->line);
        if (!single || o->r.holder != AT_HOLDER_SOLE || row->r.holder != AT_HOLDER_SOLE)
            continue;
        const char *code = at_gazetteer_country(gaz, row->r.country)->code;
        if (at_role_until(&o->r) == AT_DAY_NONE)
            return at_tsv_fail(t, err, errlen,
                               "%s of %s %s overlaps %s's open term from line %zu: a finished "
                               "term needs its end date (or mark one holder acting/shared)",
                               row->r.role, code, mine, self->actors[o->actor].id, o->line);
        return at_tsv_fail(t, err, errlen,
                           "%s of %s %s overlaps %s's %s on line %zu: one sole holder at a "
                           "time (mark an acting or shared holder as such)",
                           row->r.role, code, mine, self->actors[o->actor].id, theirs, o->line);
    }
    return 0;
}

static int load_roles(at_actors_t *self, const at_gazetteer_t *gaz, char *err, size_t errlen)
{
    at_tsv_t *t = at_tsv_open_compat(self->paths[2], role_cols, RO_NCOLS, role_added,
                                     sizeof role_added / sizeof *role_added, err, errlen);
    if (!t)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        role_row_t row = {0};
        int holder;
        const char *role = at_tsv_field(t, RO_ROLE);
        row.r.last_seen = row.r.first_seen = AT_DAY_NONE;
        if (find_actor_col(self, t, RO_ACTOR, &row.actor, err, errlen) ||
            at_gazetteer_country_col(gaz, t, RO_COUNTRY, &row.r.country, err, errlen) ||
            at_tsv_required(t, RO_TITLE, err, errlen) ||
            at_tsv_day(t, RO_START, 1, &row.r.start, err, errlen) ||
            at_tsv_day(t, RO_FIRST_SEEN, 1, &row.r.first_seen, err, errlen) ||
            at_tsv_day(t, RO_END, 1, &row.r.end, err, errlen) ||
            at_tsv_day(t, RO_LAST_SEEN, 1, &row.r.last_seen, err, errlen) ||
            at_tsv_choice(t, RO_HOLDER, holders, sizeof holders / sizeof *holders, &holder, err,
                          errlen) ||
            at_tsv_provenance(t, RO_SOURCE, RO_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        row.r.holder = (at_holder_t)holder;
        if (row.r.last_seen != AT_DAY_NONE && row.r.end != AT_DAY_NONE) {
            rc = at_tsv_fail(t, err, errlen,
                             "last_seen is for a term whose end is not known: leave it empty "
                             "when end is set");
            break;
        }
        /* Exactly one of start and first_seen: the first day in office,
         * or, when that is not known, the first day a record shows. */
        if (row.r.start == AT_DAY_NONE && row.r.first_seen == AT_DAY_NONE) {
            rc = at_tsv_fail(t, err, errlen,
                             "start is empty: give it, or first_seen when the first day in "
                             "office is not known");
            break;
        }
        if (row.r.start != AT_DAY_NONE && row.r.first_seen != AT_DAY_NONE) {
            rc = at_tsv_fail(t, err, errlen,
                             "first_seen is for a term whose start is not known: leave it empty "
                             "when start is set");
            break;
        }
        const char *from = row.r.start != AT_DAY_NONE ? "start" : "first_seen";
        if (row.r.last_seen < at_role_from(&row.r)) {
            rc = at_tsv_fail(t, err, errlen, "last_seen is before %s", from);
            break;
        }
        if (!at_tsv_is_identifier(role)) {
            rc = at_tsv_fail(t, err, errlen, "role '%s' must be [a-z0-9_]+", role);
            break;
        }
        if (row.r.end <= at_role_from(&row.r)) {
            rc = at_tsv_fail(t, err, errlen, "end must be after %s (intervals are [%s, end))", from,
                             from);
            break;
        }
        /* An open term is one still running on the "as of" day; a term
         * that will end later is not a fact yet. */
        if (not_after_as_of(self, t, "start", row.r.start, err, errlen) ||
            not_after_as_of(self, t, "first_seen", row.r.first_seen, err, errlen) ||
            not_after_as_of(self, t, "end", row.r.end, err, errlen) ||
            not_after_as_of(self, t, "last_seen", row.r.last_seen, err, errlen)) {
            rc = -1;
            break;
        }
        row.r.role = (char *)role; /* borrowed until the row is kept */
        if (check_overlaps(self, t, &row, gaz, err, errlen) != 0) {
            rc = -1;
            break;
        }
        if (at_tsv_grow((void **)&self->roles, &cap, self->nroles, sizeof *self->roles) != 0) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        row.line = at_tsv_line(t);
        row.r.role = strdup(role);
        row.r.title = strdup(at_tsv_field(t, RO_TITLE));
        row.r.source = strdup(at_tsv_field(t, RO_SOURCE));
        self->roles[self->nroles++] = row;
        if (!row.r.role || !row.r.title || !row.r.source) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
    }
    at_tsv_destroy(&t);
    return rc;
}

static int load_warrants(at_actors_t *self, char *err, size_t errlen)
{
    at_tsv_t *t = at_tsv_open(self->paths[3], warrant_cols, WA_NCOLS, err, errlen);
    if (!t)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        warrant_row_t row = {0};
        int status;
        if (find_actor_col(self, t, WA_ACTOR, &row.actor, err, errlen) ||
            at_tsv_required(t, WA_COURT, err, errlen) || at_tsv_required(t, WA_CASE, err, errlen) ||
            at_tsv_day(t, WA_ISSUED, 0, &row.w.issued, err, errlen) ||
            at_tsv_choice(t, WA_STATUS, warrant_states,
                          sizeof warrant_states / sizeof *warrant_states, &status, err, errlen) ||
            at_tsv_day(t, WA_STATUS_DATE, 1, &row.w.status_date, err, errlen) ||
            at_tsv_provenance(t, WA_SOURCE, WA_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        const char *st = warrant_states[status];
        if (status == 0 && row.w.status_date != AT_DAY_NONE) {
            rc = at_tsv_fail(t, err, errlen,
                             "status_date must be empty while the warrant is outstanding");
            break;
        }
        if (status != 0 && row.w.status_date == AT_DAY_NONE) {
            rc = at_tsv_fail(t, err, errlen, "status '%s' needs a status_date", st);
            break;
        }
        /* Executed the day it was issued is possible (a sealed warrant
         * served at once); before it is not. */
        if (row.w.status_date != AT_DAY_NONE && row.w.status_date < row.w.issued) {
            rc = at_tsv_fail(t, err, errlen, "status_date is before issued");
            break;
        }
        if (not_after_as_of(self, t, "issued", row.w.issued, err, errlen) ||
            not_after_as_of(self, t, "status_date", row.w.status_date, err, errlen)) {
            rc = -1;
            break;
        }
        const char *court = at_tsv_field(t, WA_COURT), *ref = at_tsv_field(t, WA_CASE);
        for (size_t i = 0; i < self->nwarrants && rc != -1; i++) {
            const warrant_row_t *o = &self->warrants[i];
            if (o->actor == row.actor && o->w.issued == row.w.issued &&
                strcmp(o->w.court, court) == 0 && strcmp(o->w.reference, ref) == 0)
                rc = at_tsv_fail(t, err, errlen, "duplicate of the warrant on line %zu", o->line);
        }
        if (rc == -1)
            break;
        if (at_tsv_grow((void **)&self->warrants, &cap, self->nwarrants, sizeof *self->warrants) !=
            0) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        row.line = at_tsv_line(t);
        row.w.court = strdup(court);
        row.w.reference = strdup(ref);
        row.w.status = strdup(st);
        row.w.source = strdup(at_tsv_field(t, WA_SOURCE));
        self->warrants[self->nwarrants++] = row;
        if (!row.w.court || !row.w.reference || !row.w.status || !row.w.source) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
    }
    at_tsv_destroy(&t);
    return rc;
}

static int cmp_role(const void *a, const void *b)
{
    const role_row_t *x = a, *y = b;
    if (x->actor != y->actor)
        return x->actor < y->actor ? -1 : 1;
    at_day_t xs = at_role_from(&x->r), ys = at_role_from(&y->r);
    if (xs != ys)
        return xs < ys ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_warrant(const void *a, const void *b)
{
    const warrant_row_t *x = a, *y = b;
    if (x->actor != y->actor)
        return x->actor < y->actor ? -1 : 1;
    return x->w.issued < y->w.issued ? -1 : x->w.issued > y->w.issued;
}

/* In a state whose head of state heads the government (executives.tsv),
 * no head_of_government term may run on the row's `since` or later, or,
 * without `since`, on the data version day: either the term needs its
 * end, or the table is wrong about the state. `since` itself may not be
 * after the data version. */
static int check_executives(const at_actors_t *self, const at_gazetteer_t *gaz, char *err,
                            size_t errlen)
{
    const char *epath = at_executives_path(self->executives);
    char day[16], as_of[16];
    at_day_format(self->as_of, as_of, sizeof as_of);
    for (size_t c = 0; c < at_gazetteer_country_count(gaz); c++) {
        at_day_t since = at_executives_since(self->executives, c);
        if (since != AT_DAY_NONE && self->as_of != AT_DAY_NONE && since > self->as_of) {
            snprintf(err, errlen, "%s:%zu: since %s is after the data version %s", epath,
                     at_executives_line(self->executives, c), at_day_format(since, day, sizeof day),
                     as_of);
            return -1;
        }
    }
    for (size_t i = 0; i < self->nroles; i++) {
        const role_row_t *o = &self->roles[i];
        if (strcmp(o->r.role, "head_of_government") != 0 ||
            at_executives_get(self->executives, o->r.country) != AT_EXEC_HEAD_OF_STATE)
            continue;
        const char *code = at_gazetteer_country(gaz, o->r.country)->code;
        size_t eline = at_executives_line(self->executives, o->r.country);
        at_day_t since = at_executives_since(self->executives, o->r.country);
        if (since != AT_DAY_NONE) {
            if (at_role_until(&o->r) <= since)
                continue;
            at_day_format(since, day, sizeof day);
            snprintf(err, errlen,
                     "%s:%zu: head_of_government term of %s runs on %s or later, but %s:%zu "
                     "says the head of state heads %s's government since %s (end the term by "
                     "then, or fix that row)",
                     self->paths[2], o->line, self->actors[o->actor].id, day, epath, eline, code,
                     day);
            return -1;
        }
        if (self->as_of == AT_DAY_NONE || !at_role_held(&o->r, self->as_of))
            continue;
        snprintf(err, errlen,
                 "%s:%zu: head_of_government term of %s is open on the data version %s, but "
                 "%s:%zu says the head of state heads %s's government (end the term, or fix "
                 "that row)",
                 self->paths[2], o->line, self->actors[o->actor].id, as_of, epath, eline, code);
        return -1;
    }
    return 0;
}

/* Give each actor a contiguous, date-ordered view of its roles and
 * warrants. The views share the strings owned by the rows. */
static int build_views(at_actors_t *self)
{
    if (self->nroles)
        qsort(self->roles, self->nroles, sizeof *self->roles, cmp_role);
    if (self->nwarrants)
        qsort(self->warrants, self->nwarrants, sizeof *self->warrants, cmp_warrant);
    self->role_view = malloc((self->nroles ? self->nroles : 1) * sizeof *self->role_view);
    self->warrant_view =
        malloc((self->nwarrants ? self->nwarrants : 1) * sizeof *self->warrant_view);
    if (!self->role_view || !self->warrant_view)
        return -1;
    for (size_t i = 0; i < self->nroles; i++)
        self->role_view[i] = self->roles[i].r;
    for (size_t i = 0; i < self->nwarrants; i++)
        self->warrant_view[i] = self->warrants[i].w;
    for (size_t i = 0, k = 0; i < self->nroles; i = k) {
        for (k = i; k < self->nroles && self->roles[k].actor == self->roles[i].actor; k++)
            ;
        self->actors[self->roles[i].actor].roles = &self->role_view[i];
        self->actors[self->roles[i].actor].nroles = k - i;
    }
    for (size_t i = 0, k = 0; i < self->nwarrants; i = k) {
        for (k = i; k < self->nwarrants && self->warrants[k].actor == self->warrants[i].actor; k++)
            ;
        self->actors[self->warrants[i].actor].warrants = &self->warrant_view[i];
        self->actors[self->warrants[i].actor].nwarrants = k - i;
    }
    return 0;
}

at_actors_t *at_actors_new(const char *data_dir, const at_gazetteer_t *gaz, at_day_t as_of,
                           char *err, size_t errlen)
{
    if (!data_dir || !gaz) {
        snprintf(err, errlen, "at_actors_new: invalid arguments");
        return NULL;
    }
    at_actors_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "%s: out of memory", data_dir);
        return NULL;
    }
    self->as_of = as_of;
    static const char *const files[4] = {"actors.tsv", "actor_aliases.tsv", "roles.tsv",
                                         "warrants.tsv"};
    for (size_t i = 0; i < 4; i++) {
        if (!(self->paths[i] = at_tsv_join(data_dir, files[i]))) {
            snprintf(err, errlen, "%s: out of memory", data_dir);
            at_actors_destroy(&self);
            return NULL;
        }
    }
    if (load_actors(self, gaz, err, errlen) || load_aliases(self, err, errlen) ||
        chain_shared(self, err, errlen) || load_roles(self, gaz, err, errlen) ||
        load_warrants(self, err, errlen) ||
        !(self->executives = at_executives_new(data_dir, gaz, err, errlen)) ||
        check_executives(self, gaz, err, errlen) != 0) {
        at_actors_destroy(&self);
        return NULL;
    }
    if (build_views(self) != 0) {
        snprintf(err, errlen, "%s: out of memory", data_dir);
        at_actors_destroy(&self);
        return NULL;
    }
    return self;
}

size_t at_actors_count(const at_actors_t *self)
{
    return self ? self->nactors : 0;
}

const at_actor_t *at_actors_get(const at_actors_t *self, size_t i)
{
    return self && i < self->nactors ? &self->actors[i] : NULL;
}

int at_actors_find(const at_actors_t *self, const char *id, size_t *index)
{
    if (!self || !id || !self->id_cap)
        return -1;
    size_t slot = *id_slot(self, id);
    if (!slot)
        return -1;
    if (index)
        *index = slot - 1;
    return 0;
}

at_exec_t at_actors_executive(const at_actors_t *self, size_t country)
{
    return self ? at_executives_get(self->executives, country) : AT_EXEC_UNKNOWN;
}

at_day_t at_actors_executive_since(const at_actors_t *self, size_t country)
{
    return self ? at_executives_since(self->executives, country) : AT_DAY_NONE;
}

size_t at_actors_executive_count(const at_actors_t *self)
{
    return self ? at_executives_count(self->executives) : 0;
}

size_t at_actors_alias_count(const at_actors_t *self)
{
    return self ? self->naliases : 0;
}

const at_actor_alias_t *at_actors_alias(const at_actors_t *self, size_t i)
{
    return self && i < self->naliases ? &self->aliases[i] : NULL;
}

int at_actors_add_patterns(const at_actors_t *self, at_match_t *m, uint32_t base)
{
    if (!self || !m)
        return -1;
    for (size_t i = 0; i < self->naliases; i++) {
        const at_actor_alias_t *a = &self->aliases[i];
        if (a->shared)
            continue;
        if (at_match_add_spelling(m, a->text, strlen(a->text), a->caps, base + (uint32_t)i) != 0)
            return -1;
    }
    return 0;
}

at_day_t at_role_until(const at_role_t *role)
{
    if (!role)
        return AT_DAY_NONE;
    if (role->end != AT_DAY_NONE || role->last_seen == AT_DAY_NONE)
        return role->end;
    return role->last_seen + 1;
}

at_day_t at_role_from(const at_role_t *role)
{
    if (!role)
        return AT_DAY_NONE;
    return role->start != AT_DAY_NONE ? role->start : role->first_seen;
}

int at_role_held(const at_role_t *role, at_day_t day)
{
    return role && at_role_from(role) <= day && day < at_role_until(role);
}

int at_role_single_holder(const char *role)
{
    if (!role)
        return 0;
    for (size_t i = 0; i < sizeof single_holder_roles / sizeof *single_holder_roles; i++)
        if (strcmp(role, single_holder_roles[i]) == 0)
            return 1;
    return 0;
}

const char *at_holder_name(at_holder_t h)
{
    return (size_t)h < sizeof holders / sizeof *holders ? holders[h] : "sole";
}

const char *at_warrant_status(const at_warrant_t *warrant, at_day_t day)
{
    if (!warrant || day < warrant->issued)
        return NULL;
    if (warrant->status_date != AT_DAY_NONE && day >= warrant->status_date)
        return warrant->status;
    return "outstanding";
}

at_day_t at_warrant_status_date(const at_warrant_t *warrant, at_day_t day)
{
    if (!warrant || day < warrant->issued || warrant->status_date == AT_DAY_NONE ||
        day < warrant->status_date)
        return AT_DAY_NONE;
    return warrant->status_date;
}
