/*
 * at_actors: political actors, the offices they held, and warrants.
 *
 * Loads four tables (docs/data.md):
 *   actors.tsv         one row per actor: Wikidata QID, display name, the
 *                      country the actor belongs to;
 *   actor_aliases.tsv  spellings that name the actor in running text;
 *   roles.tsv          offices held, as half-open day intervals
 *                      [start, end) — a term ending 2025-01-20 is held on
 *                      the 19th, not the 20th; an empty end is open;
 *   warrants.tsv       arrest warrants: court, reference, issue day, and
 *                      optionally the day and way the warrant ended.
 *
 * Everything is answered as of a day: which roles were held, and which
 * warrants existed and in what status.
 */
#ifndef AT_ACTORS_H
#define AT_ACTORS_H

#include <stddef.h>
#include <stdint.h>

#include "at_gazetteer.h"
#include "at_match.h"
#include "at_time.h"

typedef struct at_actors at_actors_t;

typedef struct {
    char *role; /* head_of_state, head_of_government, ... */
    size_t country;
    char *title; /* "President of Russia" */
    at_day_t start;
    at_day_t end; /* AT_DAY_NONE: open */
    char *source;
} at_role_t;

typedef struct {
    char *court;     /* "ICC" */
    char *reference; /* "ICC-01/22" */
    at_day_t issued;
    at_day_t ended;   /* AT_DAY_NONE: still in effect */
    char *end_status; /* status from `ended` on: "withdrawn", "executed", ... */
    char *source;
} at_warrant_t;

typedef struct {
    char *id;   /* Wikidata QID */
    char *name; /* display name */
    size_t country;
    const at_role_t *roles; /* sorted by start */
    size_t nroles;
    const at_warrant_t *warrants; /* sorted by issued */
    size_t nwarrants;
} at_actor_t;

typedef struct {
    char *text;
    size_t actor;
    int caps;
    const char *path;
    size_t line;
} at_actor_alias_t;

/* Load actors.tsv, actor_aliases.tsv, roles.tsv and warrants.tsv from
 * data_dir; country codes are checked against gaz. NULL with
 * "file:line: reason" in err on any error. Caller owns the result and must
 * destroy it. */
at_actors_t *at_actors_new(const char *data_dir, const at_gazetteer_t *gaz, char *err,
                           size_t errlen);

/* Destroy; NULL-safe, nulls the caller's pointer. */
void at_actors_destroy(at_actors_t **self_p);

size_t at_actors_count(const at_actors_t *self);
const at_actor_t *at_actors_get(const at_actors_t *self, size_t i);
/* Index of the actor with QID id: 0 and *index, or -1. */
int at_actors_find(const at_actors_t *self, const char *id, size_t *index);

size_t at_actors_alias_count(const at_actors_t *self);
const at_actor_alias_t *at_actors_alias(const at_actors_t *self, size_t i);

/* Add every actor spelling to m with value base + alias index (see
 * at_gazetteer_add_patterns). Returns 0 or -1 on allocation failure. */
int at_actors_add_patterns(const at_actors_t *self, at_match_t *m, uint32_t base);

/* Whether the role is held on day: start <= day < end. */
int at_role_held(const at_role_t *role, at_day_t day);

/* Status of the warrant on day: NULL before it was issued (it did not
 * exist), "outstanding" from issue until `ended`, end_status from then. */
const char *at_warrant_status(const at_warrant_t *warrant, at_day_t day);

#endif
