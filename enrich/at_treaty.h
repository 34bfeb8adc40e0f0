/*
 * at_treaty: treaties and each state's participation, as of a given day.
 *
 * Loads treaties.tsv (one row per treaty, with its entry-into-force and
 * withdrawal rules) and participation.tsv (one row per treaty and state:
 * the dates of signature, consent, entry into force, withdrawals and
 * revocations). The loader re-derives every computable date from the
 * treaty's rules (Rome Statute art. 126 entry into force and art. 127
 * withdrawal; NPT art. IX(4) and X(1)) and rejects a table that disagrees,
 * because a wrong date here makes a wrong arrest-obligation alert. A row
 * that departs from a rule for a documented reason (the DPRK's 2003 NPT
 * withdrawal) says so in its `exception` column, which waives that one
 * check only. A treaty marked participation_complete must have a row for
 * every UN member and observer state.
 *
 * at_treaty_status() turns a row into a status on a day D using half-open
 * day intervals; the rules are in docs/data.md ("Status rules"). A row may
 * give a bound instead of exact days (in_force_by: in force by that day at
 * the latest); the status is then unknown before the bound.
 */
#ifndef AT_TREATY_H
#define AT_TREATY_H

#include <stddef.h>

#include "at_gazetteer.h"
#include "at_time.h"
#include "attache/v1/attache.pb-c.h"

/* The treaty the warrant_exposure alert is about. */
#define AT_TREATY_ROME_STATUTE "rome_statute"

typedef struct at_treaty at_treaty_t;

/* A state's status on one day. Dates are AT_DAY_NONE unless the event
 * happened on or before that day. */
typedef struct {
    Attache__V1__TreatyState state; /* UNSPECIFIED: not known from the data */
    at_day_t signed_on;
    const char *consent_type; /* "" unless consent is set */
    at_day_t consent;
    at_day_t in_force;
    at_day_t withdrawal_notified;
    at_day_t withdrawal_effective;
    at_day_t withdrawal_revoked;
    at_day_t signature_withdrawn;
    at_day_t consent_withdrawn;
    /* The row's in_force_by bound (in force by then at the latest; the
     * exact days are not confirmed): set from that day on, and the status
     * is UNSPECIFIED before it. */
    at_day_t in_force_by;
    /* For a pending withdrawal: the day it takes effect (after `day`, so
     * not in withdrawal_effective). AT_DAY_NONE otherwise. */
    at_day_t withdrawal_due;
    const char *source; /* the row's source, or the treaty's when no row */
} at_treaty_status_t;

/* Load treaties.tsv and participation.tsv from data_dir; country codes are
 * checked against gaz (which must outlive the result). NULL with
 * "file:line: reason" in err on any error. Caller owns the result and must
 * destroy it. */
at_treaty_t *at_treaty_new(const char *data_dir, const at_gazetteer_t *gaz, char *err,
                           size_t errlen);

/* Destroy; NULL-safe, nulls the caller's pointer. */
void at_treaty_destroy(at_treaty_t **self_p);

/* Receives one problem, formatted "file:line: reason". */
typedef void (*at_treaty_report_fn)(void *ctx, const char *problem);

/* Validate treaties.tsv and participation.tsv as at_treaty_new does, but
 * keep going after a bad row and pass every problem to report (for
 * `attache data check`). gaz may be NULL when countries.tsv itself is
 * broken: country codes, duplicates and coverage are then not checked.
 * A file the reader cannot get through (bad header, malformed line) stops
 * that file. Returns the number of problems; 0 means at_treaty_new would
 * succeed with the same gaz. */
size_t at_treaty_check(const char *data_dir, const at_gazetteer_t *gaz, at_treaty_report_fn report,
                       void *ctx);

/* Number of participation rows loaded. */
size_t at_treaty_row_count(const at_treaty_t *self);

/* 1 when participation.tsv has a row for country (gazetteer index) under
 * treaty, else 0 (also for out-of-range arguments). */
int at_treaty_has_row(const at_treaty_t *self, size_t treaty, size_t country);

/* Whether the treaty's participation list is marked complete (1/0). */
int at_treaty_complete(const at_treaty_t *self, size_t treaty);

/* Treaties in table order, and lookup by id ("rome_statute"): 0 and
 * *index, or -1. */
size_t at_treaty_count(const at_treaty_t *self);
const char *at_treaty_id(const at_treaty_t *self, size_t treaty);
int at_treaty_find(const at_treaty_t *self, const char *id, size_t *index);

/* Status of country (gazetteer index) under treaty on day. Always fills
 * *out; out->state is UNSPECIFIED when the table has no row for the state
 * and the treaty's participation list is not marked complete. */
void at_treaty_status(const at_treaty_t *self, size_t treaty, size_t country, at_day_t day,
                      at_treaty_status_t *out);

/* The treaty's full name from treaties.tsv ("Rome Statute of the
 * International Criminal Court"); "" for an out-of-range index. */
const char *at_treaty_name(const at_treaty_t *self, size_t treaty);

/* A day on which a state's status under a treaty changes: the status on
 * `day` differs from the status on the day before. */
typedef struct {
    at_day_t day;
    Attache__V1__TreatyState from; /* status on day - 1 */
    Attache__V1__TreatyState to;   /* status on day */
} at_treaty_transition_t;

/* Most transitions one participation row can make (one per dated column). */
#define AT_TREATY_MAX_TRANSITIONS 9

/* Every day on which country's status under treaty changes, in increasing
 * order, into out (room for AT_TREATY_MAX_TRANSITIONS). A pure function of
 * the loaded row: the candidate days are the row's dates, and a candidate
 * counts only when at_treaty_status() differs between it and the day
 * before (a signature and a ratification on one day are one transition).
 * The start of an in_force_by bound (unknown -> party) is not a change of
 * the state's status and is not returned.
 * Returns the number written; 0 for a state without a row (its status
 * never changes), or out-of-range arguments. */
size_t at_treaty_transitions(const at_treaty_t *self, size_t treaty, size_t country,
                             at_treaty_transition_t *out);

#endif
