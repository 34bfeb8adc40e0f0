/*
 * attache data on DAY [COUNTRY...]: what the reference data says about
 * states on one day, the way attache-enrich reads it.
 *
 * One JSON object per state on stdout (every state of countries.tsv when
 * none is named), built from the same loaders and the same as-of-a-day
 * functions the enrichment engine uses (at_treaty_status, at_role_held,
 * at_warrant_status), so that a person can check what an event about that
 * state on that day would carry, with the source of each fact:
 *
 *   treaties   the status under each treaty, keyed by treaty id, with the
 *              row's dates up to the day and its source; a status the data
 *              does not know is left out, as in events;
 *   offices    every term held on the day (head of state, head of
 *              government and foreign minister first), with the holder,
 *              the term's days and source, and the holder's warrants as of
 *              the day;
 *   no_holder  each of those three offices that no term covers on the day,
 *              with the nearest term before it (its `end`, or its
 *              `last_seen` when the data does not know how long it ran on)
 *              and after it (its `start`, or `first_seen`): a vacancy, a
 *              gap in the data, or a day the data cannot answer. A head of
 *              government is not listed where executives.tsv says the head
 *              of state heads the government.
 *
 * docs/data.md ("Querying the tables") shows the output. Exit 0, 1 when
 * the tables do not load, 2 on a usage error.
 */
#include <ctype.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_actors.h"
#include "at_enrich.h"
#include "at_gazetteer.h"
#include "at_json.h"
#include "at_treaty.h"
#include "cli.h"

/* The offices reported first, in this order, and checked for a holder. */
static const char *const CORE[] = {"head_of_state", "head_of_government", "foreign_minister"};
#define NCORE (sizeof CORE / sizeof CORE[0])

typedef struct {
    const at_gazetteer_t *gaz;
    const at_actors_t *actors;
    const at_treaty_t *treaty;
    at_day_t day;
    const char *version;
} on_t;

/* A term of one actor, as found by a scan of every actor's roles. */
typedef struct {
    const at_actor_t *actor;
    const at_role_t *role;
} term_t;

static void usage(FILE *out)
{
    fprintf(out, "Usage: attache data on DAY [COUNTRY...] [--data-dir DIR]\n"
                 "What the reference data says about each state on DAY (YYYY-MM-DD): its\n"
                 "status under each treaty, the offices held that day with their holders'\n"
                 "warrants, and the head of state, head of government or foreign minister\n"
                 "it has no holder for, with the nearest terms before and after. One JSON\n"
                 "object per state (ISO alpha-3 codes; every state of countries.tsv when\n"
                 "none is given), each fact with its source.\n"
                 "  --data-dir DIR   the data directory (default: as for 'attache data check')\n");
}

static int core_rank(const char *role)
{
    for (size_t i = 0; i < NCORE; i++)
        if (strcmp(role, CORE[i]) == 0)
            return (int)i;
    return (int)NCORE;
}

static int cmp_term(const void *a, const void *b)
{
    const term_t *x = a, *y = b;
    int rx = core_rank(x->role->role), ry = core_rank(y->role->role);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    int c = strcmp(x->role->role, y->role->role);
    if (c)
        return c;
    at_day_t fx = at_role_from(x->role), fy = at_role_from(y->role);
    if (fx != fy)
        return fx < fy ? -1 : 1;
    return strcmp(x->actor->id, y->actor->id);
}

/* Sets key to the day unless it is AT_DAY_NONE. Returns -1 on failure. */
static int put_day(json_t *o, const char *key, at_day_t day)
{
    if (day == AT_DAY_NONE)
        return 0;
    char buf[16];
    return json_object_set_new(o, key, json_string(at_day_format(day, buf, sizeof buf)));
}

static int put_str(json_t *o, const char *key, const char *s)
{
    return s && *s ? json_object_set_new(o, key, json_string(s)) : 0;
}

static json_t *treaties(const on_t *q, size_t country)
{
    json_t *all = json_object();
    for (size_t t = 0; all && t < at_treaty_count(q->treaty); t++) {
        at_treaty_status_t st;
        at_treaty_status(q->treaty, t, country, q->day, &st);
        if (st.state == ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED)
            continue;
        json_t *o = json_object();
        if (!o || json_object_set_new(all, at_treaty_id(q->treaty, t), o) ||
            json_object_set_new(o, "status", json_string(at_json_treaty_state_name(st.state))) ||
            put_day(o, "signed", st.signed_on) || put_str(o, "consent_type", st.consent_type) ||
            put_day(o, "consent", st.consent) || put_day(o, "in_force", st.in_force) ||
            put_day(o, "in_force_by", st.in_force_by) ||
            put_day(o, "withdrawal_notified", st.withdrawal_notified) ||
            put_day(o, "withdrawal_due", st.withdrawal_due) ||
            put_day(o, "withdrawal_effective", st.withdrawal_effective) ||
            put_day(o, "signature_withdrawn", st.signature_withdrawn) ||
            put_day(o, "withdrawal_revoked", st.withdrawal_revoked) ||
            put_day(o, "consent_withdrawn", st.consent_withdrawn) ||
            put_str(o, "source", st.source)) {
            json_decref(all);
            return NULL;
        }
    }
    return all;
}

static json_t *warrants(const at_actor_t *a, at_day_t day)
{
    json_t *arr = json_array();
    for (size_t w = 0; arr && w < a->nwarrants; w++) {
        const at_warrant_t *wa = &a->warrants[w];
        const char *status = at_warrant_status(wa, day);
        if (!status)
            continue;
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o) || put_str(o, "court", wa->court) ||
            put_str(o, "reference", wa->reference) || put_day(o, "issued", wa->issued) ||
            put_str(o, "status", status) ||
            put_day(o, "status_date", at_warrant_status_date(wa, day)) ||
            put_str(o, "source", wa->source)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* {"actor","name"} plus the term's days; with_detail adds the title, the
 * holder kind, the source and the actor's warrants on day. */
static json_t *term(const on_t *q, const term_t *t, int with_detail)
{
    const at_role_t *r = t->role;
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad =
        (with_detail && json_object_set_new(o, "role", json_string(r->role))) ||
        json_object_set_new(o, "actor", json_string(t->actor->id)) ||
        json_object_set_new(o, "name", json_string(t->actor->name)) ||
        (with_detail && put_str(o, "title", r->title)) ||
        (with_detail && json_object_set_new(o, "holder", json_string(at_holder_name(r->holder)))) ||
        put_day(o, "start", r->start) || put_day(o, "first_seen", r->first_seen) ||
        put_day(o, "end", r->end) || put_day(o, "last_seen", r->last_seen);
    if (!bad && with_detail) {
        json_t *w = warrants(t->actor, q->day);
        bad = !w || put_str(o, "source", r->source) || json_object_set_new(o, "warrants", w);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Whether the state's head of state heads the government on the day, so
 * that it has no office of head of government to fill. */
static int no_hog_office(const on_t *q, size_t country)
{
    if (at_actors_executive(q->actors, country) != AT_EXEC_HEAD_OF_STATE)
        return 0;
    at_day_t since = at_actors_executive_since(q->actors, country);
    return since == AT_DAY_NONE || since <= q->day;
}

/* The entry of no_holder for an office without a term on the day: the
 * nearest term that stopped being known before it, and the nearest that
 * began being known after it. */
static json_t *no_holder(const on_t *q, const term_t *terms, size_t n, const char *role)
{
    const term_t *prev = NULL, *next = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(terms[i].role->role, role) != 0)
            continue;
        at_day_t from = at_role_from(terms[i].role), until = at_role_until(terms[i].role);
        if (until != AT_DAY_NONE && until <= q->day && (!prev || until > at_role_until(prev->role)))
            prev = &terms[i];
        if (from > q->day && (!next || from < at_role_from(next->role)))
            next = &terms[i];
    }
    json_t *o = json_object(), *p = NULL, *x = NULL;
    if (!o || json_object_set_new(o, "role", json_string(role)) ||
        (prev && (!(p = term(q, prev, 0)) || json_object_set_new(o, "previous", p))) ||
        (next && (!(x = term(q, next, 0)) || json_object_set_new(o, "next", x)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *country_json(const on_t *q, size_t country, term_t *terms, size_t n)
{
    const at_country_t *c = at_gazetteer_country(q->gaz, country);
    char day[16];
    json_t *o = json_object(), *offices = json_array(), *missing = json_array();
    json_t *tr = treaties(q, country);
    int bad = !o || !offices || !missing || !tr ||
              json_object_set_new(o, "country", json_string(c->code)) ||
              json_object_set_new(o, "name", json_string(c->name)) ||
              json_object_set_new(o, "day", json_string(at_day_format(q->day, day, sizeof day))) ||
              json_object_set_new(o, "data_version", json_string(q->version));
    if (!bad) {
        bad = json_object_set_new(o, "treaties", tr);
        tr = NULL;
    }
    int held[NCORE] = {0};
    for (size_t i = 0; i < n && !bad; i++) {
        if (!at_role_held(terms[i].role, q->day))
            continue;
        int rank = core_rank(terms[i].role->role);
        if (rank < (int)NCORE)
            held[rank] = 1;
        json_t *t = term(q, &terms[i], 1);
        bad = !t || json_array_append_new(offices, t);
    }
    for (size_t k = 0; k < NCORE && !bad; k++) {
        if (held[k] || (strcmp(CORE[k], "head_of_government") == 0 && no_hog_office(q, country)))
            continue;
        json_t *m = no_holder(q, terms, n, CORE[k]);
        bad = !m || json_array_append_new(missing, m);
    }
    if (!bad) {
        bad = json_object_set_new(o, "offices", offices) ||
              json_object_set_new(o, "no_holder", missing);
        offices = missing = NULL;
    }
    json_decref(tr);
    json_decref(offices);
    json_decref(missing);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Every term of the state's offices, sorted for output. NULL with *n == 0
 * is an empty list; NULL with *n == 1 an allocation failure. */
static term_t *terms_of(const on_t *q, size_t country, size_t *n)
{
    size_t cap = 0;
    *n = 0;
    term_t *out = NULL;
    for (size_t a = 0; a < at_actors_count(q->actors); a++) {
        const at_actor_t *ac = at_actors_get(q->actors, a);
        for (size_t r = 0; r < ac->nroles; r++) {
            if (ac->roles[r].country != country)
                continue;
            if (*n == cap) {
                size_t ncap = cap ? cap * 2 : 32;
                term_t *nt = realloc(out, ncap * sizeof *nt);
                if (!nt) {
                    free(out);
                    *n = 1;
                    return NULL;
                }
                out = nt;
                cap = ncap;
            }
            out[(*n)++] = (term_t){ac, &ac->roles[r]};
        }
    }
    if (*n > 1)
        qsort(out, *n, sizeof *out, cmp_term);
    return out;
}

static int print_country(const on_t *q, size_t country)
{
    size_t n;
    term_t *terms = terms_of(q, country, &n);
    if (!terms && n)
        return -1;
    json_t *o = country_json(q, country, terms, n);
    free(terms);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!line)
        return -1;
    int rc = puts(line) < 0 ? -1 : 0;
    free(line);
    return rc;
}

/* Resolves the country arguments (alpha-3, any case) into indexes. */
static int find_countries(const at_gazetteer_t *gaz, char **codes, size_t n, size_t *out)
{
    for (size_t i = 0; i < n; i++) {
        char code[4] = "";
        size_t len = strlen(codes[i]);
        for (size_t k = 0; k < len && k < 3; k++)
            code[k] = (char)toupper((unsigned char)codes[i][k]);
        if (len != 3 || at_gazetteer_country_find(gaz, code, &out[i]) != 0) {
            fprintf(stderr,
                    "attache data on: unknown country '%s' (an ISO alpha-3 code of "
                    "countries.tsv, such as RUS)\n",
                    codes[i]);
            return -1;
        }
    }
    return 0;
}

static int run(const char *dir, at_day_t day, char **codes, size_t ncodes)
{
    char err[2048], version[11];
    at_day_t as_of;
    int rc = 1;
    at_gazetteer_t *gaz = at_gazetteer_new(dir, err, sizeof err);
    at_actors_t *actors = NULL;
    at_treaty_t *treaty = NULL;
    size_t *which = NULL;
    if (gaz && at_enrich_read_version(dir, version, &as_of, err, sizeof err) == 0 &&
        (actors = at_actors_new(dir, gaz, as_of, err, sizeof err)))
        treaty = at_treaty_new(dir, gaz, err, sizeof err);
    if (!treaty) {
        fprintf(stderr, "attache data on: %s\n", err);
        goto out;
    }
    size_t n = ncodes ? ncodes : at_gazetteer_country_count(gaz);
    if (!(which = malloc((n ? n : 1) * sizeof *which))) {
        fprintf(stderr, "attache data on: out of memory\n");
        goto out;
    }
    if (ncodes && find_countries(gaz, codes, ncodes, which) != 0) {
        rc = 2;
        goto out;
    }
    for (size_t i = 0; !ncodes && i < n; i++)
        which[i] = i;
    if (day > as_of)
        fprintf(stderr,
                "attache data on: note: %s is after the data version %s; terms open on that "
                "day are taken to run on\n",
                at_day_format(day, err, sizeof err), version);
    on_t q = {gaz, actors, treaty, day, version};
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (print_country(&q, which[i]) != 0) {
            fprintf(stderr, "attache data on: out of memory or output failed\n");
            rc = 1;
        }
    if (rc == 0 && fflush(stdout) != 0)
        rc = 1;
out:
    free(which);
    at_treaty_destroy(&treaty);
    at_actors_destroy(&actors);
    at_gazetteer_destroy(&gaz);
    return rc;
}

int cli_data_on(int argc, char **argv)
{
    static const struct option opts[] = {{"data-dir", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (c == 'd')
            dir = optarg;
        else
            return cli_usage_exit(c, usage);
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    at_day_t day;
    if (at_day_parse(argv[optind], &day) != 0) {
        fprintf(stderr, "attache data on: '%s' is not a day (YYYY-MM-DD)\n", argv[optind]);
        return 2;
    }
    return run(cli_data_dir(dir), day, argv + optind + 1, (size_t)(argc - optind - 1));
}
