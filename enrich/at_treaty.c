/*
 * at_treaty: loading, cross-checking and evaluating treaty participation
 * (see at_treaty.h and docs/data.md).
 */
#include "at_treaty.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_tsv.h"

typedef struct {
    char *id;
    char *name;
    char *source;
    at_day_t adopted;
    at_day_t in_force;       /* the treaty's own entry into force, or NONE */
    int eif_kind;            /* EIF_NONE, EIF_FIRST_OF_MONTH or EIF_ON_DEPOSIT */
    int eif_days;            /* EIF_FIRST_OF_MONTH: the N of "..._after_days:N" */
    at_day_t eif_rule_after; /* consents after this day follow the rule */
    int withdrawal_months;   /* "years_after:N" (12 N) or "months_after:N"; 0 = none */
    int complete;            /* a state without a row is a non-signatory */
    size_t line;             /* its line in treaties.tsv (coverage errors) */
} treaty_t;

/* Entry-into-force rules for a state (eif_rule). */
enum { EIF_NONE, EIF_FIRST_OF_MONTH, EIF_ON_DEPOSIT };

/* Which rule check a row's `exception` waives. */
enum { EX_NONE, EX_EIF, EX_WITHDRAWAL };

typedef struct {
    size_t treaty, country;
    at_day_t signed_on, consent, in_force, signature_withdrawn, withdrawal_notified,
        withdrawal_effective, withdrawal_revoked, consent_withdrawn;
    /* A bound instead of exact days: in force on this day at the latest,
     * status unknown before it (signed/consent/in_force are then NONE). */
    at_day_t in_force_by;
    const char *consent_type; /* static string */
    int exception;            /* EX_*: the one rule check this row is exempt from */
    char *source;
} row_t;

struct at_treaty {
    treaty_t *treaties;
    size_t ntreaties, treaties_cap;
    row_t *rows;
    size_t nrows, rows_cap;
    size_t ncountries;
    long *row_of; /* [treaty * ncountries + country] -> row index or -1 */
};

enum {
    T_TREATY,
    T_NAME,
    T_ADOPTED,
    T_IN_FORCE,
    T_EIF_RULE,
    T_EIF_AFTER,
    T_WD_RULE,
    T_COMPLETE,
    T_SOURCE,
    T_CHECKED,
    T_NCOLS
};
static const char *const treaty_cols[] = {
    "treaty",   "name",           "adopted",         "in_force",
    "eif_rule", "eif_rule_after", "withdrawal_rule", "participation_complete",
    "source",   "checked_on"};

enum {
    R_TREATY,
    R_CODE,
    R_SIGNED,
    R_CONSENT_TYPE,
    R_CONSENT,
    R_IN_FORCE,
    R_IN_FORCE_BY,
    R_SIG_WITHDRAWN,
    R_WD_NOTIFIED,
    R_WD_EFFECTIVE,
    R_WD_REVOKED,
    R_CONSENT_WITHDRAWN,
    R_DECLARATIONS,
    R_EXCEPTION,
    R_SOURCE,
    R_CHECKED,
    R_NCOLS
};
static const char *const row_cols[] = {"treaty",
                                       "code",
                                       "signed",
                                       "consent_type",
                                       "consent",
                                       "in_force",
                                       "in_force_by",
                                       "signature_withdrawn",
                                       "withdrawal_notified",
                                       "withdrawal_effective",
                                       "withdrawal_revoked",
                                       "consent_withdrawn",
                                       "declarations",
                                       "exception",
                                       "source",
                                       "checked_on"};

static const char *const consent_types[] = {"ratification", "accession", "acceptance", "approval",
                                            "succession"};
static const char *const yes_no[] = {"no", "yes"};

void at_treaty_destroy(at_treaty_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_treaty_t *self = *self_p;
    for (size_t i = 0; i < self->ntreaties; i++) {
        free(self->treaties[i].id);
        free(self->treaties[i].name);
        free(self->treaties[i].source);
    }
    free(self->treaties);
    for (size_t i = 0; i < self->nrows; i++)
        free(self->rows[i].source);
    free(self->rows);
    free(self->row_of);
    free(self);
    *self_p = NULL;
}

/* "<prefix>N" with 1 <= N <= max into *out; 0 or -1. */
static int parse_rule(const char *s, const char *prefix, int max, int *out)
{
    size_t pl = strlen(prefix);
    if (strncmp(s, prefix, pl) != 0 || s[pl] == '\0')
        return -1;
    long v = 0;
    for (const char *p = s + pl; *p; p++) {
        if (*p < '0' || *p > '9' || v > max)
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* Where problems go: at_treaty_new stops at the first one (into err);
 * at_treaty_check reports each one to a callback and keeps going. */
typedef struct {
    at_treaty_report_fn report; /* NULL: stop at the first problem */
    void *ctx;
    size_t problems;
    char *err;
    size_t errlen;
    char **bad_treaties; /* check mode: ids of rejected treaties.tsv rows */
    size_t nbad;
    int treaties_unread; /* check mode: treaties.tsv could not be read through */
} sink_t;

/* Record one problem ("file:line: reason"). Returns 0 when loading may go
 * on (check mode), -1 when it must stop. */
static int problem(sink_t *sk, const char *msg)
{
    sk->problems++;
    if (sk->report) {
        sk->report(sk->ctx, msg);
        return 0;
    }
    if (sk->err && sk->errlen)
        snprintf(sk->err, sk->errlen, "%s", msg);
    return -1;
}

static int is_bad_treaty(const sink_t *sk, const char *id)
{
    for (size_t i = 0; i < sk->nbad; i++)
        if (strcmp(sk->bad_treaties[i], id) == 0)
            return 1;
    return 0;
}

/* One treaties.tsv row into *tr (strings not yet copied). */
static int parse_treaty(const at_treaty_t *self, const at_tsv_t *t, treaty_t *tr, char *err,
                        size_t errlen)
{
    const char *id = at_tsv_field(t, T_TREATY);
    const char *eif = at_tsv_field(t, T_EIF_RULE), *wd = at_tsv_field(t, T_WD_RULE);
    if (!at_tsv_is_identifier(id))
        return at_tsv_fail(t, err, errlen, "treaty id '%s' must be [a-z0-9_]+", id);
    if (at_treaty_find(self, id, NULL) == 0)
        return at_tsv_fail(t, err, errlen, "duplicate treaty '%s'", id);
    if (at_tsv_required(t, T_NAME, err, errlen) ||
        at_tsv_day(t, T_ADOPTED, 0, &tr->adopted, err, errlen) ||
        at_tsv_day(t, T_IN_FORCE, 1, &tr->in_force, err, errlen) ||
        at_tsv_day(t, T_EIF_AFTER, 1, &tr->eif_rule_after, err, errlen) ||
        at_tsv_choice(t, T_COMPLETE, yes_no, 2, &tr->complete, err, errlen) ||
        at_tsv_provenance(t, T_SOURCE, T_CHECKED, err, errlen))
        return -1;
    if (!*eif)
        tr->eif_kind = EIF_NONE;
    else if (strcmp(eif, "on_deposit") == 0)
        tr->eif_kind = EIF_ON_DEPOSIT;
    else if (parse_rule(eif, "first_of_month_after_days:", 366, &tr->eif_days) == 0)
        tr->eif_kind = EIF_FIRST_OF_MONTH;
    else
        return at_tsv_fail(t, err, errlen,
                           "eif_rule '%s': expected empty, on_deposit or "
                           "first_of_month_after_days:N",
                           eif);
    if (tr->eif_kind != EIF_NONE &&
        (tr->eif_rule_after == AT_DAY_NONE || tr->in_force == AT_DAY_NONE))
        return at_tsv_fail(t, err, errlen, "eif_rule needs in_force and eif_rule_after");
    int n = 0;
    if (!*wd)
        tr->withdrawal_months = 0;
    else if (parse_rule(wd, "years_after:", 100, &n) == 0)
        tr->withdrawal_months = 12 * n;
    else if (parse_rule(wd, "months_after:", 1200, &n) == 0)
        tr->withdrawal_months = n;
    else
        return at_tsv_fail(t, err, errlen,
                           "withdrawal_rule '%s': expected empty, years_after:N or "
                           "months_after:N",
                           wd);
    if (tr->in_force != AT_DAY_NONE && tr->in_force < tr->adopted)
        return at_tsv_fail(t, err, errlen, "in_force is before adopted");
    tr->line = at_tsv_line(t);
    return 0;
}

/* What a row callback of load_table returns: the row was kept or
 * skipped, it has a problem in err (check mode reports it and goes on), or
 * loading must stop (out of memory, in err). */
enum { ROW_OK = 0, ROW_PROBLEM = -1, ROW_STOP = -2 };
typedef int (*row_fn)(at_treaty_t *self, const at_tsv_t *t, const at_gazetteer_t *gaz, sink_t *sk,
                      char *err, size_t errlen);

/* Read one table through, handing each row to `row` and each problem to
 * the sink. Returns 0, or -1 when the file could not be read through or
 * loading must stop (at the first problem outside check mode). */
static int load_table(at_treaty_t *self, const char *path, const char *const *cols, size_t ncols,
                      const at_gazetteer_t *gaz, sink_t *sk, row_fn row)
{
    char msg[1024];
    at_tsv_t *t = at_tsv_open(path, cols, ncols, msg, sizeof msg);
    if (!t) {
        problem(sk, msg);
        return -1;
    }
    int rc, fatal = 0;
    while (!fatal && (rc = at_tsv_next(t, msg, sizeof msg)) == 1) {
        int pr = row(self, t, gaz, sk, msg, sizeof msg);
        if (pr != ROW_OK && (problem(sk, msg) != 0 || pr == ROW_STOP))
            fatal = 1;
    }
    if (!fatal && rc < 0) {
        problem(sk, msg); /* a line the reader could not take; the rest is unread */
        fatal = 1;
    }
    at_tsv_destroy(&t);
    return fatal ? -1 : 0;
}

/* One treaties.tsv row (a row_fn). */
static int treaty_row(at_treaty_t *self, const at_tsv_t *t, const at_gazetteer_t *gaz, sink_t *sk,
                      char *err, size_t errlen)
{
    (void)gaz;
    treaty_t tr = {0};
    if (parse_treaty(self, t, &tr, err, errlen) != 0) {
        if (sk->report) {
            /* Check mode: skip this treaty's participation rows rather
             * than report each of them as an unknown treaty. */
            char **nb = realloc(sk->bad_treaties, (sk->nbad + 1) * sizeof *nb);
            if (nb) {
                sk->bad_treaties = nb;
                if ((nb[sk->nbad] = strdup(at_tsv_field(t, T_TREATY))))
                    sk->nbad++;
            }
        }
        return ROW_PROBLEM;
    }
    if (at_tsv_grow((void **)&self->treaties, &self->treaties_cap, self->ntreaties,
                    sizeof *self->treaties) != 0) {
        at_tsv_fail(t, err, errlen, "out of memory");
        return ROW_STOP;
    }
    tr.id = strdup(at_tsv_field(t, T_TREATY));
    tr.name = strdup(at_tsv_field(t, T_NAME));
    tr.source = strdup(at_tsv_field(t, T_SOURCE));
    self->treaties[self->ntreaties++] = tr;
    if (!tr.id || !tr.name || !tr.source) {
        at_tsv_fail(t, err, errlen, "out of memory");
        return ROW_STOP;
    }
    return ROW_OK;
}

static int check_declarations(const at_tsv_t *t, char *err, size_t errlen)
{
    const char *s = at_tsv_field(t, R_DECLARATIONS);
    while (*s) {
        const char *semi = strchr(s, ';');
        size_t n = semi ? (size_t)(semi - s) : strlen(s);
        const char *colon = memchr(s, ':', n);
        char key[64], date[16];
        at_day_t d;
        size_t kn = colon ? (size_t)(colon - s) : 0;
        size_t dn = colon ? n - kn - 1 : 0;
        if (!colon || kn == 0 || kn >= sizeof key || dn >= sizeof date)
            return at_tsv_fail(t, err, errlen, "declarations: expected key:YYYY-MM-DD[;...]");
        memcpy(key, s, kn);
        key[kn] = '\0';
        memcpy(date, colon + 1, dn);
        date[dn] = '\0';
        if (!at_tsv_is_identifier(key) || at_day_parse(date, &d) != 0)
            return at_tsv_fail(t, err, errlen, "declarations: bad entry '%s:%s'", key, date);
        s += n + (semi ? 1 : 0);
        if (semi && !*s)
            return at_tsv_fail(t, err, errlen, "declarations: trailing ';'");
    }
    return 0;
}

/* `exception`: empty, or "eif_rule: REASON" / "withdrawal_rule: REASON". */
static int parse_exception(const at_tsv_t *t, int *out, char *err, size_t errlen)
{
    const char *s = at_tsv_field(t, R_EXCEPTION);
    static const struct {
        const char *prefix;
        int kind;
    } kinds[] = {{"eif_rule:", EX_EIF}, {"withdrawal_rule:", EX_WITHDRAWAL}};
    *out = EX_NONE;
    if (!*s)
        return 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = strlen(kinds[i].prefix);
        if (strncmp(s, kinds[i].prefix, n) == 0) {
            const char *why = s + n;
            while (*why == ' ')
                why++;
            if (strlen(why) < 10)
                return at_tsv_fail(t, err, errlen,
                                   "exception: give the reason after '%s' (at least 10 bytes)",
                                   kinds[i].prefix);
            *out = kinds[i].kind;
            return 0;
        }
    }
    return at_tsv_fail(t, err, errlen,
                       "exception '%.40s': expected 'eif_rule: REASON' or "
                       "'withdrawal_rule: REASON'",
                       s);
}

static const char *fmt_day(at_day_t d, char *buf)
{
    return at_day_format(d, buf, 11);
}

/* `months` calendar months later; a day the target month lacks rolls over
 * to the first of the next month (30 November + 3 months = 1 March, as
 * 29 February + 1 year = 1 March for years_after). */
static at_day_t add_months(at_day_t day, int months)
{
    if (months % 12 == 0)
        return at_day_add_years(day, months / 12);
    int y;
    unsigned m, d;
    at_day_to_civil(day, &y, &m, &d);
    long mi = (long)(m - 1) + months;
    y += (int)(mi / 12);
    m = (unsigned)(mi % 12) + 1;
    at_day_t first = at_day_from_civil(y, m, 1);
    at_day_t next = at_day_first_of_next_month(first);
    at_day_t want = first + (at_day_t)(d - 1);
    return want < next ? want : next;
}

/* Entry into force for a state that deposited consent on `consent`, by the
 * treaty's rule; AT_DAY_NONE when the treaty has no rule.
 *   - first_of_month_after_days:N (Rome Statute art. 126): states that had
 *     deposited by the day of the 60th instrument (2002-04-11) are bound
 *     from the Statute's own entry into force (2002-07-01); later ones on
 *     the first day of the month after the Nth day following deposit.
 *   - on_deposit (NPT art. IX(4)): instruments deposited by the treaty's
 *     entry into force (1970-03-05) take effect then; later ones on the
 *     day of deposit. */
static at_day_t expected_in_force(const treaty_t *tr, at_day_t consent)
{
    switch (tr->eif_kind) {
    case EIF_FIRST_OF_MONTH:
        if (consent <= tr->eif_rule_after)
            return tr->in_force;
        return at_day_first_of_next_month(consent + tr->eif_days);
    case EIF_ON_DEPOSIT:
        return consent <= tr->eif_rule_after ? tr->in_force : consent;
    default:
        return AT_DAY_NONE;
    }
}

static int check_withdrawal(const at_tsv_t *t, const treaty_t *tr, const row_t *r,
                            at_day_t bound_from, char *err, size_t errlen);

/* A row with in_force_by: the state was bound by that day at the latest,
 * but the days of its signature, deposit and entry into force are not
 * confirmed, so they must be empty (a bound next to an exact day would
 * say two different things). Withdrawals can only follow the bound. */
static int check_bounded_row(const at_tsv_t *t, const treaty_t *tr, const row_t *r, char *err,
                             size_t errlen)
{
    char a[11], b[11];
    if (r->signed_on != AT_DAY_NONE || r->consent != AT_DAY_NONE || r->in_force != AT_DAY_NONE ||
        r->signature_withdrawn != AT_DAY_NONE || r->consent_withdrawn != AT_DAY_NONE)
        return at_tsv_fail(t, err, errlen,
                           "in_force_by stands for unconfirmed days: signed, consent, in_force, "
                           "signature_withdrawn and consent_withdrawn must be empty");
    at_day_t earliest = tr->in_force != AT_DAY_NONE ? tr->in_force : tr->adopted;
    if (r->in_force_by < earliest)
        return at_tsv_fail(t, err, errlen,
                           "in_force_by %s is before the treaty's own entry into force %s",
                           fmt_day(r->in_force_by, a), fmt_day(earliest, b));
    if (r->exception == EX_EIF)
        return at_tsv_fail(t, err, errlen,
                           "exception for eif_rule on an in_force_by row (no deposit day to "
                           "check)");
    return check_withdrawal(t, tr, r, r->in_force_by, err, errlen);
}

/* Everything about one participation row that can be checked on its own. */
static int check_row(const at_tsv_t *t, const treaty_t *tr, const row_t *r, char *err,
                     size_t errlen)
{
    char a[11], b[11];
    if (r->signed_on != AT_DAY_NONE && r->signed_on < tr->adopted)
        return at_tsv_fail(t, err, errlen, "signed is before the treaty was adopted");
    if (r->signature_withdrawn != AT_DAY_NONE &&
        (r->signed_on == AT_DAY_NONE || r->signature_withdrawn < r->signed_on))
        return at_tsv_fail(t, err, errlen, "signature_withdrawn needs an earlier signed date");
    if (r->in_force_by != AT_DAY_NONE)
        return check_bounded_row(t, tr, r, err, errlen);
    if (r->consent == AT_DAY_NONE) {
        if (r->consent_type[0] || r->in_force != AT_DAY_NONE ||
            r->consent_withdrawn != AT_DAY_NONE || r->withdrawal_notified != AT_DAY_NONE ||
            r->withdrawal_effective != AT_DAY_NONE || r->withdrawal_revoked != AT_DAY_NONE)
            return at_tsv_fail(t, err, errlen,
                               "consent_type, in_force and withdrawals need a consent date");
        if (r->exception != EX_NONE)
            return at_tsv_fail(t, err, errlen, "exception on a row without consent");
        return 0;
    }
    if (!r->consent_type[0])
        return at_tsv_fail(t, err, errlen, "consent needs a consent_type");
    if (r->consent < tr->adopted)
        return at_tsv_fail(t, err, errlen, "consent is before the treaty was adopted");
    if (r->signed_on != AT_DAY_NONE && r->signed_on > r->consent)
        return at_tsv_fail(t, err, errlen, "signed is after consent");
    /* A successor state is bound from the day of succession (usually its
     * independence), which precedes the notification: no deposit rule. */
    int succession = strcmp(r->consent_type, "succession") == 0;
    at_day_t want = succession ? AT_DAY_NONE : expected_in_force(tr, r->consent);
    if (r->consent_withdrawn != AT_DAY_NONE) {
        /* An instrument withdrawn before it took effect (Malaysia 2019):
         * the state never became bound, so there is no entry into force. */
        if (r->consent_withdrawn < r->consent)
            return at_tsv_fail(t, err, errlen, "consent_withdrawn is before consent");
        if (want != AT_DAY_NONE && r->consent_withdrawn >= want)
            return at_tsv_fail(t, err, errlen,
                               "consent_withdrawn %s is not before entry into force %s; that is "
                               "a withdrawal (withdrawal_notified)",
                               fmt_day(r->consent_withdrawn, a), fmt_day(want, b));
        if (r->in_force != AT_DAY_NONE || r->withdrawal_notified != AT_DAY_NONE)
            return at_tsv_fail(t, err, errlen,
                               "consent_withdrawn excludes in_force and withdrawal dates");
        if (r->exception != EX_NONE)
            return at_tsv_fail(t, err, errlen, "exception on a row whose consent was withdrawn");
        return 0;
    }
    if (r->in_force == AT_DAY_NONE)
        return at_tsv_fail(t, err, errlen, "consent needs in_force (or consent_withdrawn)");
    if (succession) {
        if (r->in_force > r->consent)
            return at_tsv_fail(t, err, errlen,
                               "a succession takes effect on or before its notification: "
                               "in_force %s is after consent %s",
                               fmt_day(r->in_force, a), fmt_day(r->consent, b));
        if (tr->in_force != AT_DAY_NONE && r->in_force < tr->in_force)
            return at_tsv_fail(t, err, errlen,
                               "in_force %s is before the treaty itself entered into force",
                               fmt_day(r->in_force, a));
    } else if (r->in_force < r->consent)
        return at_tsv_fail(t, err, errlen, "in_force is before consent");
    if (want != AT_DAY_NONE && r->in_force != want && r->exception != EX_EIF)
        return at_tsv_fail(t, err, errlen,
                           "in_force %s disagrees with the treaty's entry-into-force rule: "
                           "expected %s for consent on %s",
                           fmt_day(r->in_force, a), fmt_day(want, b), at_tsv_field(t, R_CONSENT));
    if (r->exception == EX_EIF && (want == AT_DAY_NONE || r->in_force == want))
        return at_tsv_fail(t, err, errlen,
                           "exception for eif_rule, but in_force agrees with the rule (or no "
                           "rule applies): remove the exception");
    return check_withdrawal(t, tr, r, r->consent, err, errlen);
}

/* The withdrawal columns of a row bound since bound_from (its consent, or
 * its in_force_by): notification, the treaty's withdrawal rule, a
 * revocation before the withdrawal would take effect. */
static int check_withdrawal(const at_tsv_t *t, const treaty_t *tr, const row_t *r,
                            at_day_t bound_from, char *err, size_t errlen)
{
    char a[11], b[11];
    if (r->withdrawal_notified == AT_DAY_NONE) {
        if (r->withdrawal_effective != AT_DAY_NONE || r->withdrawal_revoked != AT_DAY_NONE)
            return at_tsv_fail(t, err, errlen,
                               "withdrawal_effective/withdrawal_revoked need withdrawal_notified");
        if (r->exception == EX_WITHDRAWAL)
            return at_tsv_fail(t, err, errlen,
                               "exception for withdrawal_rule on a row without a withdrawal");
        return 0;
    }
    if (r->withdrawal_notified < bound_from)
        return at_tsv_fail(t, err, errlen, "withdrawal_notified is before %s",
                           r->in_force_by != AT_DAY_NONE ? "in_force_by" : "consent");
    at_day_t due = tr->withdrawal_months ? add_months(r->withdrawal_notified, tr->withdrawal_months)
                                         : AT_DAY_NONE;
    if (r->withdrawal_revoked != AT_DAY_NONE) {
        /* Revoked before it took effect (South Africa, Gambia 2017): the
         * withdrawal never happened, so there is no effective date. */
        if (r->withdrawal_effective != AT_DAY_NONE)
            return at_tsv_fail(t, err, errlen,
                               "a revoked withdrawal has no withdrawal_effective date");
        if (r->withdrawal_revoked < r->withdrawal_notified ||
            (due != AT_DAY_NONE && r->withdrawal_revoked >= due))
            return at_tsv_fail(t, err, errlen,
                               "withdrawal_revoked must fall between notification and the day "
                               "the withdrawal would take effect");
        if (r->exception == EX_WITHDRAWAL)
            return at_tsv_fail(t, err, errlen,
                               "exception for withdrawal_rule on a revoked withdrawal");
        return 0;
    }
    if (r->withdrawal_effective == AT_DAY_NONE)
        return at_tsv_fail(t, err, errlen, "withdrawal_notified needs withdrawal_effective");
    if (due != AT_DAY_NONE && r->withdrawal_effective != due && r->exception != EX_WITHDRAWAL)
        return at_tsv_fail(t, err, errlen,
                           "withdrawal_effective %s disagrees with the treaty's withdrawal "
                           "rule: expected %s",
                           fmt_day(r->withdrawal_effective, a), fmt_day(due, b));
    if (r->exception == EX_WITHDRAWAL && (due == AT_DAY_NONE || r->withdrawal_effective == due))
        return at_tsv_fail(t, err, errlen,
                           "exception for withdrawal_rule, but withdrawal_effective agrees with "
                           "the rule (or no rule applies): remove the exception");
    if (r->withdrawal_effective <= r->withdrawal_notified)
        return at_tsv_fail(t, err, errlen, "withdrawal_effective is not after notification");
    return 0;
}

/* One participation.tsv row into *r. 1 = skip it silently (its treaty was
 * rejected, check mode), 0 = ok, -1 = problem in err. */
static int parse_row(at_treaty_t *self, const at_tsv_t *t, const at_gazetteer_t *gaz,
                     const sink_t *sk, row_t *r, char *err, size_t errlen)
{
    const char *tid = at_tsv_field(t, R_TREATY), *code = at_tsv_field(t, R_CODE);
    if (at_treaty_find(self, tid, &r->treaty) != 0) {
        /* Check mode: the treaty's own row was rejected, or treaties.tsv
         * could not be read; that problem is reported once, not per row. */
        if (is_bad_treaty(sk, tid) || sk->treaties_unread)
            return 1;
        return at_tsv_fail(t, err, errlen, "unknown treaty '%s' (not in treaties.tsv)", tid);
    }
    if (gaz) {
        if (at_gazetteer_country_col(gaz, t, R_CODE, &r->country, err, errlen) != 0)
            return -1;
        if (self->row_of[r->treaty * self->ncountries + r->country] >= 0)
            return at_tsv_fail(t, err, errlen, "duplicate row for %s in %s", code, tid);
    }
    int ct = -1;
    if (at_tsv_field(t, R_CONSENT_TYPE)[0] &&
        at_tsv_choice(t, R_CONSENT_TYPE, consent_types, 5, &ct, err, errlen))
        return -1;
    r->consent_type = ct >= 0 ? consent_types[ct] : "";
    if (at_tsv_day(t, R_SIGNED, 1, &r->signed_on, err, errlen) ||
        at_tsv_day(t, R_CONSENT, 1, &r->consent, err, errlen) ||
        at_tsv_day(t, R_IN_FORCE, 1, &r->in_force, err, errlen) ||
        at_tsv_day(t, R_IN_FORCE_BY, 1, &r->in_force_by, err, errlen) ||
        at_tsv_day(t, R_SIG_WITHDRAWN, 1, &r->signature_withdrawn, err, errlen) ||
        at_tsv_day(t, R_WD_NOTIFIED, 1, &r->withdrawal_notified, err, errlen) ||
        at_tsv_day(t, R_WD_EFFECTIVE, 1, &r->withdrawal_effective, err, errlen) ||
        at_tsv_day(t, R_WD_REVOKED, 1, &r->withdrawal_revoked, err, errlen) ||
        at_tsv_day(t, R_CONSENT_WITHDRAWN, 1, &r->consent_withdrawn, err, errlen) ||
        check_declarations(t, err, errlen) || parse_exception(t, &r->exception, err, errlen) ||
        at_tsv_provenance(t, R_SOURCE, R_CHECKED, err, errlen) ||
        check_row(t, &self->treaties[r->treaty], r, err, errlen))
        return -1;
    return 0;
}

/* One participation.tsv row (a row_fn). */
static int participation_row(at_treaty_t *self, const at_tsv_t *t, const at_gazetteer_t *gaz,
                             sink_t *sk, char *err, size_t errlen)
{
    row_t r = {0};
    int pr = parse_row(self, t, gaz, sk, &r, err, errlen);
    if (pr != 0)
        return pr == 1 ? ROW_OK : ROW_PROBLEM;
    if (at_tsv_grow((void **)&self->rows, &self->rows_cap, self->nrows, sizeof *self->rows) != 0 ||
        !(r.source = strdup(at_tsv_field(t, R_SOURCE)))) {
        at_tsv_fail(t, err, errlen, "out of memory");
        return ROW_STOP;
    }
    if (gaz)
        self->row_of[r.treaty * self->ncountries + r.country] = (long)self->nrows;
    self->rows[self->nrows++] = r;
    return ROW_OK;
}

/* A treaty whose list is marked complete must have a row for every UN
 * member and observer state: absence would silently mean "non-signatory"
 * for a state nobody checked. */
static int check_coverage(const at_treaty_t *self, const char *tpath, const at_gazetteer_t *gaz,
                          sink_t *sk)
{
    for (size_t ti = 0; ti < self->ntreaties; ti++) {
        const treaty_t *tr = &self->treaties[ti];
        if (!tr->complete)
            continue;
        for (size_t c = 0; c < self->ncountries; c++) {
            const at_country_t *co = at_gazetteer_country(gaz, c);
            if (co->un_member == AT_UN_NO || self->row_of[ti * self->ncountries + c] >= 0)
                continue;
            char msg[512];
            snprintf(msg, sizeof msg,
                     "%s:%zu: %s: participation_complete is yes, but participation.tsv has no "
                     "row for %s (%s)",
                     tpath, tr->line, tr->id, co->code,
                     co->un_member == AT_UN_MEMBER ? "UN member state" : "UN observer state");
            if (problem(sk, msg) != 0)
                return -1;
        }
    }
    return 0;
}

static at_treaty_t *load(const char *data_dir, const at_gazetteer_t *gaz, sink_t *sk)
{
    at_treaty_t *self = calloc(1, sizeof *self);
    char *tpath = at_tsv_join(data_dir, "treaties.tsv");
    char *ppath = at_tsv_join(data_dir, "participation.tsv");
    char msg[512];
    if (!self || !tpath || !ppath) {
        snprintf(msg, sizeof msg, "%s: out of memory", data_dir);
        problem(sk, msg);
        goto fail;
    }
    self->ncountries = gaz ? at_gazetteer_country_count(gaz) : 0;
    if (load_table(self, tpath, treaty_cols, T_NCOLS, gaz, sk, treaty_row) != 0) {
        if (!sk->report)
            goto fail;
        sk->treaties_unread = 1;
    }
    size_t cells = self->ntreaties * self->ncountries;
    self->row_of = malloc((cells ? cells : 1) * sizeof *self->row_of);
    if (!self->row_of) {
        snprintf(msg, sizeof msg, "%s: out of memory", data_dir);
        problem(sk, msg);
        goto fail;
    }
    for (size_t i = 0; i < cells; i++)
        self->row_of[i] = -1;
    if (load_table(self, ppath, row_cols, R_NCOLS, gaz, sk, participation_row) != 0 && !sk->report)
        goto fail;
    if (gaz && check_coverage(self, tpath, gaz, sk) != 0)
        goto fail;
    free(tpath);
    free(ppath);
    return self;
fail:
    free(tpath);
    free(ppath);
    at_treaty_destroy(&self);
    return NULL;
}

static void sink_free(sink_t *sk)
{
    for (size_t i = 0; i < sk->nbad; i++)
        free(sk->bad_treaties[i]);
    free(sk->bad_treaties);
}

at_treaty_t *at_treaty_new(const char *data_dir, const at_gazetteer_t *gaz, char *err,
                           size_t errlen)
{
    if (!data_dir || !gaz) {
        snprintf(err, errlen, "at_treaty_new: invalid arguments");
        return NULL;
    }
    sink_t sk = {.err = err, .errlen = errlen};
    at_treaty_t *self = load(data_dir, gaz, &sk);
    sink_free(&sk);
    if (self && sk.problems) /* cannot happen without a reporter; be safe */
        at_treaty_destroy(&self);
    return self;
}

size_t at_treaty_check(const char *data_dir, const at_gazetteer_t *gaz, at_treaty_report_fn report,
                       void *ctx)
{
    if (!data_dir || !report)
        return 1;
    sink_t sk = {.report = report, .ctx = ctx};
    at_treaty_t *self = load(data_dir, gaz, &sk);
    at_treaty_destroy(&self);
    sink_free(&sk);
    return sk.problems;
}

size_t at_treaty_row_count(const at_treaty_t *self)
{
    return self ? self->nrows : 0;
}

int at_treaty_has_row(const at_treaty_t *self, size_t treaty, size_t country)
{
    if (!self || treaty >= self->ntreaties || country >= self->ncountries)
        return 0;
    return self->row_of[treaty * self->ncountries + country] >= 0;
}

int at_treaty_complete(const at_treaty_t *self, size_t treaty)
{
    return self && treaty < self->ntreaties ? self->treaties[treaty].complete : 0;
}

size_t at_treaty_count(const at_treaty_t *self)
{
    return self ? self->ntreaties : 0;
}

const char *at_treaty_id(const at_treaty_t *self, size_t treaty)
{
    return self && treaty < self->ntreaties ? self->treaties[treaty].id : "";
}

int at_treaty_find(const at_treaty_t *self, const char *id, size_t *index)
{
    if (!self || !id)
        return -1;
    for (size_t i = 0; i < self->ntreaties; i++) {
        if (strcmp(self->treaties[i].id, id) == 0) {
            if (index)
                *index = i;
            return 0;
        }
    }
    return -1;
}

/* Whether an event dated x has happened by day d. */
static int on(at_day_t x, at_day_t d)
{
    return x != AT_DAY_NONE && x <= d;
}

static at_day_t if_on(at_day_t x, at_day_t d)
{
    return on(x, d) ? x : AT_DAY_NONE;
}

void at_treaty_status(const at_treaty_t *self, size_t treaty, size_t country, at_day_t day,
                      at_treaty_status_t *out)
{
    *out = (at_treaty_status_t){
        .state = ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED,
        .signed_on = AT_DAY_NONE,
        .consent_type = "",
        .consent = AT_DAY_NONE,
        .in_force = AT_DAY_NONE,
        .withdrawal_notified = AT_DAY_NONE,
        .withdrawal_effective = AT_DAY_NONE,
        .withdrawal_revoked = AT_DAY_NONE,
        .signature_withdrawn = AT_DAY_NONE,
        .consent_withdrawn = AT_DAY_NONE,
        .in_force_by = AT_DAY_NONE,
        .withdrawal_due = AT_DAY_NONE,
        .source = "",
    };
    if (!self || treaty >= self->ntreaties || country >= self->ncountries)
        return;
    const treaty_t *tr = &self->treaties[treaty];
    long ri = self->row_of[treaty * self->ncountries + country];
    if (ri < 0) {
        /* Absence proves non-participation only once the list is complete;
         * until then an unlisted state is unknown, not a non-signatory. */
        if (tr->complete) {
            out->state = ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY;
            out->source = tr->source;
        }
        return;
    }
    const row_t *r = &self->rows[ri];
    out->source = r->source;
    /* A bound, not a day: before it the status is not known. */
    if (r->in_force_by != AT_DAY_NONE && day < r->in_force_by)
        return;
    out->in_force_by = if_on(r->in_force_by, day);
    out->signed_on = if_on(r->signed_on, day);
    out->consent = if_on(r->consent, day);
    /* The kind of instrument, once it was deposited (or bound by). */
    out->consent_type =
        out->consent != AT_DAY_NONE || out->in_force_by != AT_DAY_NONE ? r->consent_type : "";
    out->in_force = if_on(r->in_force, day);
    out->withdrawal_notified = if_on(r->withdrawal_notified, day);
    out->withdrawal_effective = if_on(r->withdrawal_effective, day);
    out->withdrawal_revoked = if_on(r->withdrawal_revoked, day);
    out->signature_withdrawn = if_on(r->signature_withdrawn, day);
    out->consent_withdrawn = if_on(r->consent_withdrawn, day);

    Attache__V1__TreatyState s;
    if (on(r->in_force, day) || on(r->in_force_by, day)) {
        if (on(r->withdrawal_effective, day))
            s = ATTACHE__V1__TREATY_STATE__TREATY_STATE_WITHDRAWN;
        else if (on(r->withdrawal_notified, day) && !on(r->withdrawal_revoked, day)) {
            s = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING;
            /* A withdrawal revoked later (after the day) has no effective
             * date in the row: the day it would take effect follows from
             * the treaty's rule, as the loader checked. */
            out->withdrawal_due = r->withdrawal_effective != AT_DAY_NONE ? r->withdrawal_effective
                                  : tr->withdrawal_months
                                      ? add_months(r->withdrawal_notified, tr->withdrawal_months)
                                      : AT_DAY_NONE;
        } else
            s = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY;
    } else if (on(r->consent, day)) {
        if (!on(r->consent_withdrawn, day))
            s = ATTACHE__V1__TREATY_STATE__TREATY_STATE_CONSENTED_NOT_IN_FORCE;
        else if (on(r->signed_on, day) && !on(r->signature_withdrawn, day))
            /* Withdrawing the instrument leaves an earlier signature. */
            s = ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATORY;
        else
            /* Never bound and never signed (Malaysia after 2019-04-29):
             * "withdrawn" is kept for states that were parties and left
             * under art. 127. consent_withdrawn shows the history. */
            s = ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY;
    } else if (on(r->signed_on, day)) {
        s = on(r->signature_withdrawn, day)
                ? ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATURE_WITHDRAWN
                : ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATORY;
    } else {
        s = ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY;
    }
    out->state = s;
}

const char *at_treaty_name(const at_treaty_t *self, size_t treaty)
{
    return self && treaty < self->ntreaties ? self->treaties[treaty].name : "";
}

size_t at_treaty_transitions(const at_treaty_t *self, size_t treaty, size_t country,
                             at_treaty_transition_t *out)
{
    if (!self || treaty >= self->ntreaties || country >= self->ncountries)
        return 0;
    long ri = self->row_of[treaty * self->ncountries + country];
    if (ri < 0)
        return 0;
    const row_t *r = &self->rows[ri];
    at_day_t cand[AT_TREATY_MAX_TRANSITIONS] = {r->signed_on,
                                                r->consent,
                                                r->in_force,
                                                r->signature_withdrawn,
                                                r->withdrawal_notified,
                                                r->withdrawal_effective,
                                                r->withdrawal_revoked,
                                                r->consent_withdrawn,
                                                r->in_force_by};
    /* The status only changes on one of the row's dates, so comparing each
     * with the day before finds every change. Insertion sort: 9 at most. */
    size_t n = 0;
    for (size_t i = 0; i < AT_TREATY_MAX_TRANSITIONS; i++) {
        at_day_t d = cand[i];
        if (d == AT_DAY_NONE)
            continue;
        int dup = 0;
        for (size_t k = 0; k < n; k++)
            dup |= out[k].day == d;
        if (dup)
            continue;
        at_treaty_status_t before, after;
        at_treaty_status(self, treaty, country, d - 1, &before);
        at_treaty_status(self, treaty, country, d, &after);
        /* Leaving an unknown stretch (the day an in_force_by bound
         * starts) is what the data learns, not what the state did. */
        if (before.state == after.state ||
            before.state == ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED)
            continue;
        size_t k = n++;
        while (k > 0 && out[k - 1].day > d) {
            out[k] = out[k - 1];
            k--;
        }
        out[k] = (at_treaty_transition_t){.day = d, .from = before.state, .to = after.state};
    }
    return n;
}
