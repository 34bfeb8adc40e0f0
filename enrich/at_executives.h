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
 * The table describes the arrangement on the data version day. A state
 * without a row is "unknown". The file is optional: a data directory
 * without executives.tsv loads with every state unknown (a user's own
 * tables from before the file existed stay valid).
 *
 * Checks (docs/data.md, "executives.tsv"): the usual table format, known
 * country codes, one row per state, the value one of `separate` and
 * `head_of_state`, source and checked_on. at_actors cross-checks roles.tsv
 * against it: no head_of_government term may be open on the data version
 * day in a state whose head of state heads the government.
 */
#ifndef AT_EXECUTIVES_H
#define AT_EXECUTIVES_H

#include <stddef.h>

#include "at_gazetteer.h"

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

/* The line of the state's row in executives.tsv (0 when it has none), and
 * the table's path, for error messages that point at both tables. */
size_t at_executives_line(const at_executives_t *self, size_t country);
const char *at_executives_path(const at_executives_t *self);

/* Rows loaded (states with a known arrangement). */
size_t at_executives_count(const at_executives_t *self);

#endif
