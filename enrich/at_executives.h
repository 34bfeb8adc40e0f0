/*
 * at_executives: who heads each state's government (data/executives.tsv).
 *
 * In some states the head of state heads the government and there is no
 * office of head of government (the United States, Kenya, Türkiye since
 * 2018); roles.tsv then has no head_of_government rows for the state. In
 * others a distinct office exists (prime minister, premier, chancellor),
 * even where one person holds both (Brunei). Without this table a missing
 * prime minister and a state that has none look the same: the coverage
 * report (tools/actor-timelines.py) and `attache data check` need to tell
 * them apart.
 *
 * The table describes the arrangement on the data version day, and, in the
 * optional column `since`, the first day it held where it began within the
 * tables' range (Türkiye 2018-07-09, Kyrgyzstan 2021-05-05); empty when it
 * is older or the day is not recorded. A state without a row is "unknown". The file is optional: a
 * data directory without executives.tsv loads with every state unknown (a user's own tables from
 * before the file existed stay valid).
 *
 * Checks (docs/data.md, "executives.tsv"): the usual table format, known
 * country codes, one row per state, the value one of `separate` and
 * `head_of_state`, `since` a day, source and checked_on. The first format,
 * without `since`, still loads. at_actors cross-checks roles.tsv against
 * it: in a state whose head of state heads the government, no
 * head_of_government term may run on `since` or later, or, without
 * `since`, on the data version day; and `since` is not after the data
 * version.
 */
#ifndef AT_EXECUTIVES_H
#define AT_EXECUTIVES_H

#include <stddef.h>

#include "at_gazetteer.h"
#include "at_time.h"

typedef struct at_executives at_executives_t;

typedef enum {
    AT_EXEC_UNKNOWN = 0,      /* no row for the state */
    AT_EXEC_SEPARATE = 1,     /* an office of head of government exists */
    AT_EXEC_HEAD_OF_STATE = 2 /* the head of state heads the government */
} at_exec_t;

/* Load data_dir/executives.tsv; country codes are checked against gaz. A
 * missing file gives an empty table. NULL with "file:line: reason" in err
 * on any error. Caller owns the result and must destroy it. */
at_executives_t *at_executives_new(const char *data_dir, const at_gazetteer_t *gaz, char *err,
                                   size_t errlen);

/* Destroy; NULL-safe, nulls the caller's pointer. */
void at_executives_destroy(at_executives_t **self_p);

/* The arrangement of the state with gazetteer country index `country`. */
at_exec_t at_executives_get(const at_executives_t *self, size_t country);

/* The first day the state's arrangement held (`since`), AT_DAY_NONE when
 * the row leaves it empty or there is no row. */
at_day_t at_executives_since(const at_executives_t *self, size_t country);

/* The line of the state's row in executives.tsv (0 when it has none), and
 * the table's path, for error messages that point at both tables. */
size_t at_executives_line(const at_executives_t *self, size_t country);
const char *at_executives_path(const at_executives_t *self);

/* Rows loaded (states with a known arrangement). */
size_t at_executives_count(const at_executives_t *self);

#endif
