/*
 * at_actors: political actors, the offices they held, and warrants.
 *
 * Loads four tables (docs/data.md):
 *   actors.tsv         one row per actor: Wikidata QID, display name, the
 *                      country the actor belongs to;
 *   actor_aliases.tsv  spellings that name the actor in running text, each
 *                      marked as a full name or a surname-only form;
 *   roles.tsv          offices held, as half-open day intervals
 *                      [start, end) — a term ending 2025-01-20 is held on
 *                      the 19th, not the 20th; an empty end is open — each
 *                      marked sole, acting or shared;
 *   warrants.tsv       arrest warrants: court, case, issue day, and the
 *                      warrant's status (outstanding, executed, withdrawn,
 *                      terminated) with the day it took that status;
 *   executives.tsv     (optional) whether each state has an office of head
 *                      of government (at_executives.h).
 *
 * The loader checks everything it can (docs/data.md, "actors.tsv"...):
 * QIDs, dates, one holder at a time of each single-holder office of a
 * state (head of state, head of government, foreign and defence
 * minister), no term or warrant dated after the data set's "as of" day,
 * a status date for every warrant that is no longer outstanding, and no
 * head_of_government term open on that day where executives.tsv says the
 * head of state heads the government.
 *
 * Everything is answered as of a day: which roles were held, and which
 * warrants existed and in what status.
 */
#ifndef AT_ACTORS_H
#define AT_ACTORS_H

#include <stddef.h>
#include <stdint.h>

#include "at_executives.h"
#include "at_gazetteer.h"
#include "at_match.h"
#include "at_time.h"

typedef struct at_actors at_actors_t;

/* roles.tsv `holder`: how the office was held. Only `sole` terms of a
 * single-holder office are checked for overlaps with other people's. */
typedef enum {
    AT_HOLDER_SOLE = 0,   /* the one holder of the office */
    AT_HOLDER_ACTING = 1, /* acting or interim, possibly beside a sole holder */
    AT_HOLDER_SHARED = 2  /* one of several at once: co-princes, collective presidencies */
} at_holder_t;

typedef struct {
    char *role; /* head_of_state, head_of_government, ... */
    size_t country;
    char *title; /* "President of Russia" */
    /* The first day in office; AT_DAY_NONE when it is not known, and then
     * first_seen is the first day the term is known to have run (roles.tsv
     * `first_seen`): held from then, unknown before. */
    at_day_t start;
    at_day_t first_seen;
    at_day_t end; /* the first day no longer held; AT_DAY_NONE: not known */
    /* With no end: the last day the term is known to have run, after which
     * whether it still runs is unknown (roles.tsv `last_seen`); AT_DAY_NONE
     * with no end is a term still running on the data version day. */
    at_day_t last_seen;
    at_holder_t holder;
    char *source;
} at_role_t;

typedef struct {
    char *court;     /* "ICC" */
    char *reference; /* case or situation number, "ICC-02/05-01/09" */
    at_day_t issued;
    /* Final status ("executed", "withdrawn", "terminated") and the day the
     * warrant took it; "outstanding" with AT_DAY_NONE while it stands. */
    char *status;
    at_day_t status_date;
    char *source;
} at_warrant_t;

/* actor_aliases.tsv `form`. */
typedef enum {
    AT_FORM_FULL = 0,           /* a full name: "Vladimir Putin" */
    AT_FORM_SURNAME = 1,        /* a surname alone that names only this actor: "Putin" */
    AT_FORM_SURNAME_CONTEXT = 2 /* a surname shared with others ("Cameron"): counts only
                                 * after the full name earlier in the item or an office
                                 * title the actor held ("Prime Minister Cameron") */
} at_alias_form_t;

typedef struct {
    char *id;   /* Wikidata QID or local id (at_actorid.h) */
    char *name; /* display name */
    size_t country;
    const at_role_t *roles; /* sorted by at_role_from */
    size_t nroles;
    const at_warrant_t *warrants; /* sorted by issued */
    size_t nwarrants;
} at_actor_t;

/* No next alias in a shared spelling's chain. */
#define AT_ALIAS_NONE ((size_t)-1)

typedef struct {
    char *text;
    size_t actor;
    int caps;
    at_alias_form_t form;
    const char *path;
    size_t line;
    /* A `surname_context` spelling may name several actors (two brothers
     * who both held office): the rows with the same text and case rule
     * form a chain. The first row is in the matcher; `next_shared` links
     * it to the next row of the chain (AT_ALIAS_NONE at the end), and
     * `shared` is set on the later rows, which are not in the matcher. */
    size_t next_shared;
    int shared;
} at_actor_alias_t;

/* Load actors.tsv, actor_aliases.tsv, roles.tsv, warrants.tsv and executives.tsv from
 * data_dir; country codes are checked against gaz. as_of is the data set's
 * "as of" day (data/VERSION): no start, end, issue or status date may be
 * after it, and an open term is one still running on it (AT_DAY_NONE
 * skips that check). NULL with "file:line: reason" in err on any error.
 * Caller owns the result and must destroy it. */
at_actors_t *at_actors_new(const char *data_dir, const at_gazetteer_t *gaz, at_day_t as_of,
                           char *err, size_t errlen);

/* Destroy; NULL-safe, nulls the caller's pointer. */
void at_actors_destroy(at_actors_t **self_p);

size_t at_actors_count(const at_actors_t *self);
const at_actor_t *at_actors_get(const at_actors_t *self, size_t i);
/* Index of the actor with QID id: 0 and *index, or -1. */
int at_actors_find(const at_actors_t *self, const char *id, size_t *index);

/* Who heads the government of the state with gazetteer index `country`
 * on the data version day (executives.tsv, loaded with the actor tables),
 * since when (`since`, AT_DAY_NONE when not recorded), and how many
 * states the table covers. */
at_exec_t at_actors_executive(const at_actors_t *self, size_t country);
at_day_t at_actors_executive_since(const at_actors_t *self, size_t country);
size_t at_actors_executive_count(const at_actors_t *self);

size_t at_actors_alias_count(const at_actors_t *self);
const at_actor_alias_t *at_actors_alias(const at_actors_t *self, size_t i);

/* Add every actor spelling to m with value base + alias index (see
 * at_gazetteer_add_patterns), AT_FORM_SURNAME_CONTEXT ones included so
 * that the one-spelling-one-meaning check covers them; the caller decides
 * whether a hit on one counts. A spelling shared by several actors' rows
 * (all `surname_context`) is added once, for the first row of its chain.
 * Returns 0 or -1 on allocation failure. */
int at_actors_add_patterns(const at_actors_t *self, at_match_t *m, uint32_t base);

/* Whether the role is known to be held on day: at_role_from(role) <= day
 * < at_role_until(role). */
int at_role_held(const at_role_t *role, at_day_t day);

/* The first day the role is known to be held: its start, else first_seen
 * (for a term whose first day is not known). */
at_day_t at_role_from(const at_role_t *role);

/* The first day from which the role is no longer known to be held: its
 * end, else the day after last_seen, else AT_DAY_NONE (still held on the
 * data version day, and every later day). at_role_held is
 * start <= day < at_role_until. */
at_day_t at_role_until(const at_role_t *role);

/* Whether the role is one of the offices a state has one holder of at a
 * time: head_of_state, head_of_government, foreign_minister,
 * defence_minister, vice_president, un_ambassador,
 * national_security_advisor, speaker_of_the_house, senate_majority_leader,
 * senate_minority_leader, head_of_cabinet. */
int at_role_single_holder(const char *role);

/* The roles.tsv `holder` word for h: "sole", "acting" or "shared". */
const char *at_holder_name(at_holder_t h);

/* Status of the warrant on day: NULL before it was issued (it did not
 * exist), "outstanding" from issue until status_date, status from then. */
const char *at_warrant_status(const at_warrant_t *warrant, at_day_t day);

/* The day the warrant took the status at_warrant_status gives on day:
 * status_date once it is reached, AT_DAY_NONE while the warrant is
 * outstanding (or not yet issued), so a reader of that day never sees a
 * later status change. */
at_day_t at_warrant_status_date(const at_warrant_t *warrant, at_day_t day);

#endif
