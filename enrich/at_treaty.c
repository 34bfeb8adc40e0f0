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
    int eif_days;            /* rule "first_of_month_after_days:N"; 0 = no rule */
    at_day_t eif_rule_after; /* consents after this day follow the rule */
    int withdrawal_years;    /* rule "years_after:N"; 0 = no rule */
    int complete;            /* a state without a row is a non-signatory */
} treaty_t;

typedef struct {
    size_t treaty, country;
    at_day_t signed_on, consent, in_force, signature_withdrawn, withdrawal_notified,
        withdrawal_effective, withdrawal_revoked, consent_withdrawn;
    const char *consent_type; /* static string */
    char *source;
} row_t;

struct at_treaty {
    treaty_t *treaties;
    size_t ntreaties;
    row_t *rows;
    size_t nrows;
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
    R_SIG_WITHDRAWN,
    R_WD_NOTIFIED,
    R_WD_EFFECTIVE,
    R_WD_REVOKED,
    R_CONSENT_WITHDRAWN,
    R_DECLARATIONS,
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
                                       "signature_withdrawn",
                                       "withdrawal_notified",
                                       "withdrawal_effective",
                                       "withdrawal_revoked",
                                       "consent_withdrawn",
                                       "declarations",
                                       "source",
                                       "checked_on"};

static const char *const consent_types[] = {"ratification", "accession", "acceptance", "approval",
                                            "succession"};
static const char *const yes_no[] = {"no", "yes"};

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

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

static int is_identifier(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

static int load_treaties(at_treaty_t *self, const char *path, char *err, size_t errlen)
{
    at_tsv_t *t = at_tsv_open(path, treaty_cols, T_NCOLS, err, errlen);
    if (!t)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        treaty_t tr = {0};
        const char *id = at_tsv_field(t, T_TREATY);
        const char *eif = at_tsv_field(t, T_EIF_RULE), *wd = at_tsv_field(t, T_WD_RULE);
        if (!is_identifier(id)) {
            rc = at_tsv_fail(t, err, errlen, "treaty id '%s' must be [a-z0-9_]+", id);
            break;
        }
        if (at_treaty_find(self, id, NULL) == 0) {
            rc = at_tsv_fail(t, err, errlen, "duplicate treaty '%s'", id);
            break;
        }
        if (at_tsv_required(t, T_NAME, err, errlen) ||
            at_tsv_day(t, T_ADOPTED, 0, &tr.adopted, err, errlen) ||
            at_tsv_day(t, T_IN_FORCE, 1, &tr.in_force, err, errlen) ||
            at_tsv_day(t, T_EIF_AFTER, 1, &tr.eif_rule_after, err, errlen) ||
            at_tsv_choice(t, T_COMPLETE, yes_no, 2, &tr.complete, err, errlen) ||
            at_tsv_provenance(t, T_SOURCE, T_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        if (*eif && parse_rule(eif, "first_of_month_after_days:", 366, &tr.eif_days) != 0) {
            rc = at_tsv_fail(t, err, errlen,
                             "eif_rule '%s': expected empty or first_of_month_after_days:N", eif);
            break;
        }
        if (tr.eif_days && (tr.eif_rule_after == AT_DAY_NONE || tr.in_force == AT_DAY_NONE)) {
            rc = at_tsv_fail(t, err, errlen, "eif_rule needs in_force and eif_rule_after");
            break;
        }
        if (*wd && parse_rule(wd, "years_after:", 100, &tr.withdrawal_years) != 0) {
            rc = at_tsv_fail(t, err, errlen,
                             "withdrawal_rule '%s': expected empty or years_after:N", wd);
            break;
        }
        if (tr.in_force != AT_DAY_NONE && tr.in_force < tr.adopted) {
            rc = at_tsv_fail(t, err, errlen, "in_force is before adopted");
            break;
        }
        if (self->ntreaties == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            treaty_t *nt = realloc(self->treaties, ncap * sizeof *nt);
            if (!nt) {
                rc = at_tsv_fail(t, err, errlen, "out of memory");
                break;
            }
            self->treaties = nt;
            cap = ncap;
        }
        tr.id = strdup(id);
        tr.name = strdup(at_tsv_field(t, T_NAME));
        tr.source = strdup(at_tsv_field(t, T_SOURCE));
        self->treaties[self->ntreaties++] = tr;
        if (!tr.id || !tr.name || !tr.source) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
    }
    at_tsv_destroy(&t);
    return rc;
}

/* "key:YYYY-MM-DD;key:YYYY-MM-DD", e.g. "art12_3:2014-04-17". Kept in the
 * table for the record; events do not carry them yet. */
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
        if (!is_identifier(key) || at_day_parse(date, &d) != 0)
            return at_tsv_fail(t, err, errlen, "declarations: bad entry '%s:%s'", key, date);
        s += n + (semi ? 1 : 0);
        if (semi && !*s)
            return at_tsv_fail(t, err, errlen, "declarations: trailing ';'");
    }
    return 0;
}

static const char *fmt_day(at_day_t d, char *buf)
{
    return at_day_format(d, buf, 11);
}

/* Entry into force for a state that deposited consent on `consent`. For the
 * Rome Statute (art. 126): states that had deposited by the day of the 60th
 * instrument (2002-04-11) are bound from the Statute's own entry into force
 * (2002-07-01); later ones on the first day of the month after the 60th day
 * following their deposit. */
static at_day_t expected_in_force(const treaty_t *tr, at_day_t consent)
{
    if (consent <= tr->eif_rule_after)
        return tr->in_force;
    return at_day_first_of_next_month(consent + tr->eif_days);
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
    if (r->consent == AT_DAY_NONE) {
        if (r->consent_type[0] || r->in_force != AT_DAY_NONE ||
            r->consent_withdrawn != AT_DAY_NONE || r->withdrawal_notified != AT_DAY_NONE ||
            r->withdrawal_effective != AT_DAY_NONE || r->withdrawal_revoked != AT_DAY_NONE)
            return at_tsv_fail(t, err, errlen,
                               "consent_type, in_force and withdrawals need a consent date");
        return 0;
    }
    if (!r->consent_type[0])
        return at_tsv_fail(t, err, errlen, "consent needs a consent_type");
    if (r->consent < tr->adopted)
        return at_tsv_fail(t, err, errlen, "consent is before the treaty was adopted");
    if (r->signed_on != AT_DAY_NONE && r->signed_on > r->consent)
        return at_tsv_fail(t, err, errlen, "signed is after consent");
    at_day_t want = tr->eif_days ? expected_in_force(tr, r->consent) : AT_DAY_NONE;
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
        return 0;
    }
    if (r->in_force == AT_DAY_NONE)
        return at_tsv_fail(t, err, errlen, "consent needs in_force (or consent_withdrawn)");
    if (want != AT_DAY_NONE && r->in_force != want)
        return at_tsv_fail(t, err, errlen,
                           "in_force %s disagrees with the treaty's entry-into-force rule: "
                           "expected %s for consent on %s",
                           fmt_day(r->in_force, a), fmt_day(want, b), at_tsv_field(t, R_CONSENT));
    if (r->in_force < r->consent)
        return at_tsv_fail(t, err, errlen, "in_force is before consent");
    if (r->withdrawal_notified == AT_DAY_NONE) {
        if (r->withdrawal_effective != AT_DAY_NONE || r->withdrawal_revoked != AT_DAY_NONE)
            return at_tsv_fail(t, err, errlen,
                               "withdrawal_effective/withdrawal_revoked need withdrawal_notified");
        return 0;
    }
    if (r->withdrawal_notified < r->consent)
        return at_tsv_fail(t, err, errlen, "withdrawal_notified is before consent");
    at_day_t due = tr->withdrawal_years
                       ? at_day_add_years(r->withdrawal_notified, tr->withdrawal_years)
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
        return 0;
    }
    if (r->withdrawal_effective == AT_DAY_NONE)
        return at_tsv_fail(t, err, errlen, "withdrawal_notified needs withdrawal_effective");
    if (due != AT_DAY_NONE && r->withdrawal_effective != due)
        return at_tsv_fail(t, err, errlen,
                           "withdrawal_effective %s disagrees with the treaty's withdrawal "
                           "rule: expected %s",
                           fmt_day(r->withdrawal_effective, a), fmt_day(due, b));
    if (r->withdrawal_effective <= r->withdrawal_notified)
        return at_tsv_fail(t, err, errlen, "withdrawal_effective is not after notification");
    return 0;
}

static int load_rows(at_treaty_t *self, const char *path, const at_gazetteer_t *gaz, char *err,
                     size_t errlen)
{
    at_tsv_t *t = at_tsv_open(path, row_cols, R_NCOLS, err, errlen);
    if (!t)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        row_t r = {0};
        const char *tid = at_tsv_field(t, R_TREATY), *code = at_tsv_field(t, R_CODE);
        if (at_treaty_find(self, tid, &r.treaty) != 0) {
            rc = at_tsv_fail(t, err, errlen, "unknown treaty '%s' (not in treaties.tsv)", tid);
            break;
        }
        if (at_gazetteer_country_find(gaz, code, &r.country) != 0) {
            rc = at_tsv_fail(t, err, errlen, "unknown country code '%s' (not in countries.tsv)",
                             code);
            break;
        }
        if (self->row_of[r.treaty * self->ncountries + r.country] >= 0) {
            rc = at_tsv_fail(t, err, errlen, "duplicate row for %s in %s", code, tid);
            break;
        }
        int ct = -1;
        if (at_tsv_field(t, R_CONSENT_TYPE)[0] &&
            at_tsv_choice(t, R_CONSENT_TYPE, consent_types, 5, &ct, err, errlen)) {
            rc = -1;
            break;
        }
        r.consent_type = ct >= 0 ? consent_types[ct] : "";
        if (at_tsv_day(t, R_SIGNED, 1, &r.signed_on, err, errlen) ||
            at_tsv_day(t, R_CONSENT, 1, &r.consent, err, errlen) ||
            at_tsv_day(t, R_IN_FORCE, 1, &r.in_force, err, errlen) ||
            at_tsv_day(t, R_SIG_WITHDRAWN, 1, &r.signature_withdrawn, err, errlen) ||
            at_tsv_day(t, R_WD_NOTIFIED, 1, &r.withdrawal_notified, err, errlen) ||
            at_tsv_day(t, R_WD_EFFECTIVE, 1, &r.withdrawal_effective, err, errlen) ||
            at_tsv_day(t, R_WD_REVOKED, 1, &r.withdrawal_revoked, err, errlen) ||
            at_tsv_day(t, R_CONSENT_WITHDRAWN, 1, &r.consent_withdrawn, err, errlen) ||
            check_declarations(t, err, errlen) ||
            at_tsv_provenance(t, R_SOURCE, R_CHECKED, err, errlen) ||
            check_row(t, &self->treaties[r.treaty], &r, err, errlen)) {
            rc = -1;
            break;
        }
        if (self->nrows == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            row_t *nr = realloc(self->rows, ncap * sizeof *nr);
            if (!nr) {
                rc = at_tsv_fail(t, err, errlen, "out of memory");
                break;
            }
            self->rows = nr;
            cap = ncap;
        }
        r.source = strdup(at_tsv_field(t, R_SOURCE));
        if (!r.source) {
            rc = at_tsv_fail(t, err, errlen, "out of memory");
            break;
        }
        self->row_of[r.treaty * self->ncountries + r.country] = (long)self->nrows;
        self->rows[self->nrows++] = r;
    }
    at_tsv_destroy(&t);
    return rc;
}

at_treaty_t *at_treaty_new(const char *data_dir, const at_gazetteer_t *gaz, char *err,
                           size_t errlen)
{
    if (!data_dir || !gaz) {
        snprintf(err, errlen, "at_treaty_new: invalid arguments");
        return NULL;
    }
    at_treaty_t *self = calloc(1, sizeof *self);
    char *tpath = join(data_dir, "treaties.tsv");
    char *ppath = join(data_dir, "participation.tsv");
    if (!self || !tpath || !ppath) {
        snprintf(err, errlen, "%s: out of memory", data_dir);
        goto fail;
    }
    self->ncountries = at_gazetteer_country_count(gaz);
    if (load_treaties(self, tpath, err, errlen) != 0)
        goto fail;
    size_t cells = self->ntreaties * self->ncountries;
    self->row_of = malloc((cells ? cells : 1) * sizeof *self->row_of);
    if (!self->row_of) {
        snprintf(err, errlen, "%s: out of memory", data_dir);
        goto fail;
    }
    for (size_t i = 0; i < cells; i++)
        self->row_of[i] = -1;
    if (load_rows(self, ppath, gaz, err, errlen) != 0)
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
    out->signed_on = if_on(r->signed_on, day);
    out->consent = if_on(r->consent, day);
    out->consent_type = out->consent != AT_DAY_NONE ? r->consent_type : "";
    out->in_force = if_on(r->in_force, day);
    out->withdrawal_notified = if_on(r->withdrawal_notified, day);
    out->withdrawal_effective = if_on(r->withdrawal_effective, day);
    out->withdrawal_revoked = if_on(r->withdrawal_revoked, day);
    out->signature_withdrawn = if_on(r->signature_withdrawn, day);
    out->consent_withdrawn = if_on(r->consent_withdrawn, day);

    Attache__V1__TreatyState s;
    if (on(r->in_force, day)) {
        if (on(r->withdrawal_effective, day))
            s = ATTACHE__V1__TREATY_STATE__TREATY_STATE_WITHDRAWN;
        else if (on(r->withdrawal_notified, day) && !on(r->withdrawal_revoked, day)) {
            s = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING;
            out->withdrawal_due = r->withdrawal_effective;
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

const char *at_treaty_state_name(Attache__V1__TreatyState state)
{
    switch (state) {
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY:
        return "party";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING:
        return "party_withdrawal_pending";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_CONSENTED_NOT_IN_FORCE:
        return "consented_not_in_force";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATORY:
        return "signatory";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATURE_WITHDRAWN:
        return "signature_withdrawn";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_WITHDRAWN:
        return "withdrawn";
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY:
        return "non_signatory";
    default:
        return "unspecified";
    }
}
