/*
 * test_at_treaty: treaty status as of a day, table-driven on the edge days
 * of every transition in the shipped tables (the day before vs the day
 * itself) for the Rome Statute and the NPT, and the loader's cross-checks:
 * entry-into-force and withdrawal rules, exceptions, successions, coverage
 * of a complete list, and at_treaty_check reporting every problem.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_json.h"
#include "at_testdata.h"
#include "at_treaty.h"

typedef struct {
    at_gazetteer_t *gaz;
    at_treaty_t *tr;
    size_t rome, npt;
} real_t;

static int setup_real(void **state)
{
    char err[1024];
    real_t *r = calloc(1, sizeof *r);
    r->gaz = td_real_gazetteer();
    r->tr = at_treaty_new(td_data_dir(), r->gaz, err, sizeof err);
    if (!r->tr)
        fail_msg("%s", err);
    assert_int_equal(at_treaty_find(r->tr, AT_TREATY_ROME_STATUTE, &r->rome), 0);
    assert_int_equal(at_treaty_find(r->tr, "npt", &r->npt), 0);
    *state = r;
    return 0;
}

static int teardown_real(void **state)
{
    real_t *r = *state;
    at_treaty_destroy(&r->tr);
    assert_null(r->tr);
    at_gazetteer_destroy(&r->gaz);
    free(r);
    return 0;
}

/* This file's short names for td_day and td_line_of (at_testdata.h). */
static at_day_t D(const char *s)
{
    return td_day(s);
}

static int line_of(const char *dir, const char *file, const char *text)
{
    return td_line_of(dir, file, text);
}

static at_treaty_status_t status_in(const real_t *r, size_t treaty, const char *code,
                                    const char *day)
{
    size_t c;
    if (at_gazetteer_country_find(r->gaz, code, &c) != 0)
        fail_msg("no country %s", code);
    at_treaty_status_t st;
    at_treaty_status(r->tr, treaty, c, D(day), &st);
    return st;
}

static at_treaty_status_t status(const real_t *r, const char *code, const char *day)
{
    return status_in(r, r->rome, code, day);
}

/* One expectation: the status of a state under a treaty on a day. */
typedef struct {
    const char *treaty, *code, *day, *want;
} case_t;

static void run_cases(const real_t *r, const case_t *cases, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t t;
        if (at_treaty_find(r->tr, cases[i].treaty, &t) != 0)
            fail_msg("no treaty %s", cases[i].treaty);
        at_treaty_status_t st = status_in(r, t, cases[i].code, cases[i].day);
        const char *got = at_json_treaty_state_name(st.state);
        if (strcmp(got, cases[i].want) != 0) {
            fprintf(stderr, "%s %s on %s: got %s, want %s\n", cases[i].treaty, cases[i].code,
                    cases[i].day, got, cases[i].want);
            bad++;
        }
    }
    if (bad)
        fail_msg("%d of %zu cases failed", bad, n);
}

#define RS            "rome_statute"
#define RUN(r, cases) run_cases((r), (cases), sizeof(cases) / sizeof((cases)[0]))

/* The cases the issue lists, in its words. */
static void test_issue_cases(void **state)
{
    static const case_t cases[] = {
        /* Kazakhstan, India, China and Turkey are non_signatory. */
        {RS, "KAZ", "2024-07-03", "non_signatory"},
        {RS, "IND", "2024-07-03", "non_signatory"},
        {RS, "CHN", "2024-07-03", "non_signatory"},
        {RS, "TUR", "2024-07-03", "non_signatory"},
        {RS, "KAZ", "2026-11-28", "non_signatory"},
        /* Russia: signature_withdrawn since 30 November 2016. */
        {RS, "RUS", "2016-11-29", "signatory"},
        {RS, "RUS", "2016-11-30", "signature_withdrawn"},
        {RS, "RUS", "2024-07-03", "signature_withdrawn"},
        /* Mongolia: party from 1 July 2002. */
        {RS, "MNG", "2002-06-30", "consented_not_in_force"},
        {RS, "MNG", "2002-07-01", "party"},
        {RS, "MNG", "2024-09-03", "party"},
        /* Ukraine: signatory in mid-2024, party from 1 January 2025. */
        {RS, "UKR", "2024-07-01", "signatory"},
        {RS, "UKR", "2024-12-31", "consented_not_in_force"},
        {RS, "UKR", "2025-01-01", "party"},
        /* Armenia: consented_not_in_force 14 November 2023 - 1 February 2024. */
        {RS, "ARM", "2023-11-13", "signatory"},
        {RS, "ARM", "2023-11-14", "consented_not_in_force"},
        {RS, "ARM", "2024-01-31", "consented_not_in_force"},
        {RS, "ARM", "2024-02-01", "party"},
        /* Philippines: party_withdrawal_pending during 2018, withdrawn from
         * 17 March 2019. */
        {RS, "PHL", "2018-01-01", "party"},
        {RS, "PHL", "2018-03-16", "party"},
        {RS, "PHL", "2018-03-17", "party_withdrawal_pending"},
        {RS, "PHL", "2018-12-31", "party_withdrawal_pending"},
        {RS, "PHL", "2019-03-16", "party_withdrawal_pending"},
        {RS, "PHL", "2019-03-17", "withdrawn"},
        {RS, "PHL", "2025-03-12", "withdrawn"},
    };
    RUN(*state, cases);
}

/* The day before and the day of every kind of transition. */
static void test_rome_boundaries(void **state)
{
    static const case_t cases[] = {
        /* Signature, consent, and entry into force on the Statute's own
         * day (deposit by 2002-04-11, art. 126(1)). */
        {RS, "MNG", "2000-12-28", "non_signatory"},
        {RS, "MNG", "2000-12-29", "signatory"},
        {RS, "MNG", "2002-04-10", "signatory"},
        {RS, "MNG", "2002-04-11", "consented_not_in_force"},
        /* Deposit after the 60th instrument (art. 126(2)). */
        {RS, "GMB", "2002-08-31", "consented_not_in_force"},
        {RS, "GMB", "2002-09-01", "party"},
        {RS, "AUS", "2002-06-30", "signatory"},
        {RS, "AUS", "2002-07-01", "consented_not_in_force"},
        {RS, "AUS", "2002-08-31", "consented_not_in_force"},
        {RS, "AUS", "2002-09-01", "party"},
        /* Accession without signature. */
        {RS, "PSE", "2015-01-01", "non_signatory"},
        {RS, "PSE", "2015-01-02", "consented_not_in_force"},
        {RS, "PSE", "2015-03-31", "consented_not_in_force"},
        {RS, "PSE", "2015-04-01", "party"},
        {RS, "JPN", "2007-07-16", "non_signatory"},
        {RS, "JPN", "2007-07-17", "consented_not_in_force"},
        {RS, "JPN", "2007-09-30", "consented_not_in_force"},
        {RS, "JPN", "2007-10-01", "party"},
        /* Succession: bound from independence (2006-06-03), before the
         * notification of 2006-10-23. */
        {RS, "MNE", "2006-06-02", "non_signatory"},
        {RS, "MNE", "2006-06-03", "party"},
        {RS, "MNE", "2006-10-23", "party"},
        /* Withdrawal under art. 127: Burundi. */
        {RS, "BDI", "2016-10-26", "party"},
        {RS, "BDI", "2016-10-27", "party_withdrawal_pending"},
        {RS, "BDI", "2017-10-26", "party_withdrawal_pending"},
        {RS, "BDI", "2017-10-27", "withdrawn"},
        /* Withdrawals revoked before they took effect: Hungary (notified
         * 2025-06-02, revoked 2026-05-29, four days before 2026-06-02),
         * South Africa, Gambia. */
        {RS, "HUN", "2025-06-01", "party"},
        {RS, "HUN", "2025-06-02", "party_withdrawal_pending"},
        {RS, "HUN", "2026-05-28", "party_withdrawal_pending"},
        {RS, "HUN", "2026-05-29", "party"},
        {RS, "HUN", "2026-06-02", "party"},
        {RS, "ZAF", "2016-10-18", "party"},
        {RS, "ZAF", "2016-10-19", "party_withdrawal_pending"},
        {RS, "ZAF", "2017-03-06", "party_withdrawal_pending"},
        {RS, "ZAF", "2017-03-07", "party"},
        {RS, "ZAF", "2024-01-01", "party"},
        {RS, "GMB", "2016-11-09", "party"},
        {RS, "GMB", "2016-11-10", "party_withdrawal_pending"},
        {RS, "GMB", "2017-02-09", "party_withdrawal_pending"},
        {RS, "GMB", "2017-02-10", "party"},
        /* Malaysia: accession 2019-03-04 withdrawn 2019-04-29, before the
         * entry into force it would have had (2019-06-01). */
        {RS, "MYS", "2019-03-03", "non_signatory"},
        {RS, "MYS", "2019-03-04", "consented_not_in_force"},
        {RS, "MYS", "2019-04-28", "consented_not_in_force"},
        {RS, "MYS", "2019-04-29", "non_signatory"},
        {RS, "MYS", "2019-06-01", "non_signatory"},
        /* Signatures withdrawn: United States, Israel, Sudan, Russia. */
        {RS, "USA", "2000-12-30", "non_signatory"},
        {RS, "USA", "2000-12-31", "signatory"},
        {RS, "USA", "2002-05-05", "signatory"},
        {RS, "USA", "2002-05-06", "signature_withdrawn"},
        {RS, "ISR", "2002-08-27", "signatory"},
        {RS, "ISR", "2002-08-28", "signature_withdrawn"},
        {RS, "SDN", "2000-09-07", "non_signatory"},
        {RS, "SDN", "2000-09-08", "signatory"},
        {RS, "SDN", "2008-08-25", "signatory"},
        {RS, "SDN", "2008-08-26", "signature_withdrawn"},
        {RS, "RUS", "2000-09-12", "non_signatory"},
        {RS, "RUS", "2000-09-13", "signatory"},
        /* Rows completed in round 3: one of the ten deposits of
         * 2002-04-11 (bound from 2002-07-01), a later one (Malawi
         * 2002-09-19 + 60 days = 2002-11-18 -> 2002-12-01), an acceptance
         * (the Netherlands) and an accession (Dominica). */
        {RS, "NER", "2002-04-10", "signatory"},
        {RS, "NER", "2002-04-11", "consented_not_in_force"},
        {RS, "NER", "2002-07-01", "party"},
        {RS, "MWI", "2002-11-30", "consented_not_in_force"},
        {RS, "MWI", "2002-12-01", "party"},
        {RS, "NLD", "2001-07-17", "consented_not_in_force"},
        {RS, "NLD", "2002-07-01", "party"},
        {RS, "DMA", "2001-02-11", "non_signatory"},
        {RS, "DMA", "2001-02-12", "consented_not_in_force"},
        /* A signatory that never ratified, and the Holy See. */
        {RS, "EGY", "2000-12-25", "non_signatory"},
        {RS, "EGY", "2000-12-26", "signatory"},
        {RS, "VAT", "2024-01-01", "non_signatory"},
    };
    RUN(*state, cases);
}

/* Before a treaty existed every state is a non-signatory, whatever
 * happened later; on the day of adoption the first signatures count. */
static void test_before_the_treaty(void **state)
{
    static const case_t cases[] = {
        {RS, "MNG", "1990-01-01", "non_signatory"},
        {RS, "USA", "1998-07-16", "non_signatory"},
        {RS, "ZAF", "1998-07-16", "non_signatory"},
        {RS, "ZAF", "1998-07-17", "signatory"},
        {RS, "PHL", "1970-01-01", "non_signatory"},
        {"npt", "PRK", "1960-01-01", "non_signatory"},
        {"npt", "LAO", "1968-06-30", "non_signatory"},
        {"npt", "CHN", "1969-01-01", "non_signatory"},
    };
    RUN(*state, cases);
}

/* NPT: entry into force on deposit (art. IX(4)) or on the treaty's own
 * entry into force (IX(3)), and the DPRK's withdrawal (art. X(1)). */
static void test_npt(void **state)
{
    static const case_t cases[] = {
        /* Signed on the opening day, deposited in Moscow before the treaty
         * entered into force on 1970-03-05. */
        {"npt", "LAO", "1968-07-01", "signatory"},
        {"npt", "LAO", "1970-02-19", "signatory"},
        {"npt", "LAO", "1970-02-20", "consented_not_in_force"},
        {"npt", "LAO", "1970-03-04", "consented_not_in_force"},
        {"npt", "LAO", "1970-03-05", "party"},
        /* Ratification after 1970-03-05: in force on the day of deposit. */
        {"npt", "AUS", "1970-02-26", "non_signatory"},
        {"npt", "AUS", "1970-02-27", "signatory"},
        {"npt", "AUS", "1973-01-22", "signatory"},
        {"npt", "AUS", "1973-01-23", "party"},
        /* Accessions. */
        {"npt", "CHN", "1992-03-08", "non_signatory"},
        {"npt", "CHN", "1992-03-09", "party"},
        {"npt", "FRA", "1992-08-02", "non_signatory"},
        {"npt", "FRA", "1992-08-03", "party"},
        /* The successor states that gave up Soviet weapons (round 3). */
        {"npt", "KAZ", "1994-02-13", "non_signatory"},
        {"npt", "KAZ", "1994-02-14", "party"},
        {"npt", "UKR", "1994-12-04", "non_signatory"},
        {"npt", "UKR", "1994-12-05", "party"},
        /* DPRK: accession 1985-12-12; withdrawal notified 2003-01-10,
         * effective three months later, 2003-04-10 (the generally held
         * view; the DPRK claimed 2003-01-11, docs/data.md). */
        {"npt", "PRK", "1985-12-11", "non_signatory"},
        {"npt", "PRK", "1985-12-12", "party"},
        {"npt", "PRK", "2003-01-09", "party"},
        {"npt", "PRK", "2003-01-10", "party_withdrawal_pending"},
        {"npt", "PRK", "2003-01-11", "party_withdrawal_pending"},
        {"npt", "PRK", "2003-04-09", "party_withdrawal_pending"},
        {"npt", "PRK", "2003-04-10", "withdrawn"},
        {"npt", "PRK", "2017-09-03", "withdrawn"},
        /* The depositaries: the United Kingdom deposited in 1968, the
         * United States and the Soviet Union on the day the treaty entered
         * into force. */
        {"npt", "GBR", "1968-11-26", "signatory"},
        {"npt", "GBR", "1968-11-27", "consented_not_in_force"},
        {"npt", "GBR", "1970-03-05", "party"},
        {"npt", "USA", "1970-03-04", "signatory"},
        {"npt", "USA", "1970-03-05", "party"},
        {"npt", "RUS", "1970-03-05", "party"},
        /* Round 4 (npt): Brazil and Cuba acceded; Finland deposited in
         * all three capitals in 1969; Switzerland signed in 1969 and
         * ratified in 1977. */
        {"npt", "BRA", "1998-09-17", "non_signatory"},
        {"npt", "BRA", "1998-09-18", "party"},
        {"npt", "CUB", "2002-11-03", "non_signatory"},
        {"npt", "CUB", "2002-11-04", "party"},
        {"npt", "FIN", "1969-02-04", "signatory"},
        {"npt", "FIN", "1969-02-05", "consented_not_in_force"},
        {"npt", "FIN", "1970-03-05", "party"},
        {"npt", "CHE", "1969-11-26", "non_signatory"},
        {"npt", "CHE", "1969-11-27", "signatory"},
        {"npt", "CHE", "1977-03-08", "signatory"},
        {"npt", "CHE", "1977-03-09", "party"},
        /* Round 5 (npt): bounds. Mozambique acceded in 1990 (UNODA
         * 1990-09-20, the Ban Monitor the year only): unknown until
         * in_force_by 1990-12-31, party from it. Iran's exact row: the
         * 2 February 1970 deposit in UNODA and the CNS table. */
        {"npt", "MOZ", "1990-09-20", "unspecified"},
        {"npt", "MOZ", "1990-12-30", "unspecified"},
        {"npt", "MOZ", "1990-12-31", "party"},
        {"npt", "MOZ", "2024-07-03", "party"},
        /* Round 6 (npt2): Serbia's bound is the day of succession of the
         * Federal Republic of Yugoslavia (1992-04-27, the 1540 matrix and
         * the US depositary list), no longer UNODA's 2001 notification.
         * Zimbabwe's, its 1999 PrepCom statement until round 9, is now
         * the 1997 closed list (below). */
        {"npt", "SRB", "1992-04-26", "unspecified"},
        {"npt", "SRB", "1992-04-27", "party"},
        {"npt", "ZWE", "1997-07-30", "unspecified"},
        {"npt", "ZWE", "1997-07-31", "party"},
        /* Round 9 (npt9): the last eight states and the late bounds rest
         * on UNODA and a closed list of the states outside the NPT (Arms
         * Control Today, June 1997): Togo and Sao Tome and Principe are
         * unknown before 1997-07-31 and parties from it; Zimbabwe's 1999
         * bound moved there too. */
        {"npt", "TGO", "1997-07-30", "unspecified"},
        {"npt", "TGO", "1997-07-31", "party"},
        {"npt", "STP", "1997-07-30", "unspecified"},
        {"npt", "STP", "1997-07-31", "party"},
        {"npt", "IRN", "1968-06-30", "non_signatory"},
        {"npt", "IRN", "1968-07-01", "signatory"},
        {"npt", "IRN", "1970-02-02", "consented_not_in_force"},
        {"npt", "IRN", "1970-03-05", "party"},
        /* Never signed. */
        {"npt", "IND", "1998-05-11", "non_signatory"},
        {"npt", "ISR", "2024-01-01", "non_signatory"},
        {"npt", "PAK", "2024-01-01", "non_signatory"},
        {"npt", "SSD", "2024-01-01", "non_signatory"},
    };
    RUN(*state, cases);
}

static void test_unknown_is_not_non_signatory(void **state)
{
    real_t *r = *state;
    /* Both lists are complete (the NPT's since round 9), but a row with
     * an in_force_by bound leaves the days before the bound unknown,
     * never "non_signatory": Yemen's bound is North Yemen's ratification
     * of 1986-05-14 (docs/data.md, "Yemen's NPT row is North Yemen's").
     * (test_complete_list drops a row from a copy marked partial.) */
    at_treaty_status_t st = status_in(r, r->npt, "YEM", "1980-06-01");
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED);
    assert_int_equal(st.in_force_by, AT_DAY_NONE);
    st = status_in(r, r->npt, "YEM", "1986-05-14");
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    assert_int_equal(at_treaty_complete(r->tr, r->npt), 1);
    assert_int_equal(at_treaty_complete(r->tr, r->rome), 1);
    assert_int_equal(at_treaty_complete(r->tr, 99), 0);
}

static void test_fields_only_up_to_the_day(void **state)
{
    real_t *r = *state;
    at_treaty_status_t st = status(r, "UKR", "2024-11-01");
    assert_int_equal(st.signed_on, D("2000-01-20"));
    assert_int_equal(st.consent, D("2024-10-25"));
    assert_string_equal(st.consent_type, "ratification");
    assert_int_equal(st.in_force, AT_DAY_NONE); /* 2025-01-01 is after the day */
    assert_non_null(strstr(st.source, "treaties.un.org"));

    st = status(r, "UKR", "2024-10-24");
    assert_int_equal(st.consent, AT_DAY_NONE);
    assert_string_equal(st.consent_type, "");

    st = status(r, "HUN", "2025-07-01");
    assert_int_equal(st.withdrawal_notified, D("2025-06-02"));
    assert_int_equal(st.withdrawal_effective, AT_DAY_NONE);
    assert_int_equal(st.withdrawal_revoked, AT_DAY_NONE);
    assert_int_equal(st.withdrawal_due, D("2026-06-02"));
    st = status(r, "HUN", "2026-06-02");
    assert_int_equal(st.withdrawal_effective, AT_DAY_NONE);
    assert_int_equal(st.withdrawal_revoked, D("2026-05-29"));
    assert_int_equal(st.withdrawal_due, AT_DAY_NONE);
    st = status(r, "BDI", "2017-10-27");
    assert_int_equal(st.withdrawal_effective, D("2017-10-27"));
    assert_int_equal(st.withdrawal_due, AT_DAY_NONE);

    /* A withdrawal revoked later is pending until then, and the day it
     * would take effect comes from the rule (the row has none). */
    st = status(r, "ZAF", "2016-11-01");
    assert_int_equal(st.withdrawal_revoked, AT_DAY_NONE);
    assert_int_equal(st.withdrawal_due, D("2017-10-19"));
    st = status(r, "ZAF", "2017-03-07");
    assert_int_equal(st.withdrawal_notified, D("2016-10-19"));
    assert_int_equal(st.withdrawal_revoked, D("2017-03-07"));
    assert_int_equal(st.withdrawal_due, AT_DAY_NONE);

    st = status(r, "RUS", "2010-01-01");
    assert_int_equal(st.signature_withdrawn, AT_DAY_NONE);
    st = status(r, "RUS", "2020-01-01");
    assert_int_equal(st.signature_withdrawn, D("2016-11-30"));

    /* Out-of-range arguments give an unknown status, not a crash. */
    at_treaty_status(r->tr, 99, 0, D("2020-01-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED);
    at_treaty_status(r->tr, r->rome, 99999, D("2020-01-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED);
    at_treaty_status(NULL, 0, 0, D("2020-01-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED);
    assert_int_equal(at_treaty_find(r->tr, "nope", NULL), -1);
    assert_int_equal(at_treaty_count(r->tr), 2);
    assert_string_equal(at_treaty_id(r->tr, r->rome), "rome_statute");
    assert_string_equal(at_treaty_id(r->tr, r->npt), "npt");
    assert_string_equal(at_treaty_id(r->tr, 7), "");
    assert_true(at_treaty_row_count(r->tr) > 150);
    size_t kaz, abw;
    assert_int_equal(at_gazetteer_country_find(r->gaz, "KAZ", &kaz), 0);
    assert_int_equal(at_gazetteer_country_find(r->gaz, "ABW", &abw), 0);
    assert_int_equal(at_treaty_has_row(r->tr, r->rome, kaz), 1);
    assert_int_equal(at_treaty_has_row(r->tr, r->npt, kaz), 1);
    /* A territory has no row in either list. */
    assert_int_equal(at_treaty_has_row(r->tr, r->npt, abw), 0);
    assert_int_equal(at_treaty_has_row(r->tr, 99, kaz), 0);
    assert_int_equal(at_treaty_has_row(NULL, 0, 0), 0);
}

/* --- loader checks on broken copies --------------------------------------- */

static int load_treaty(td_fixture_t *f)
{
    at_treaty_t *t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    int rc = t ? 0 : -1;
    at_treaty_destroy(&t);
    return rc;
}

static int setup(void **state)
{
    return td_setup_copy(state, load_treaty);
}

/* Replace a row fragment in participation.tsv and expect the error on
 * that row. */
static void break_row(td_fixture_t *f, const char *from, const char *to, const char *reason)
{
    int line = line_of(f->dir, "participation.tsv", from);
    assert_int_equal(td_edit(f->dir, "participation.tsv", from, to), 0);
    td_expect_fail(f, "participation.tsv", line, reason);
    assert_int_equal(td_edit(f->dir, "participation.tsv", to, from), 0);
}

static void test_copy_loads(void **state)
{
    td_fixture_t *f = *state;
    at_treaty_t *t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    assert_non_null(t);
    at_treaty_destroy(&t);
    at_treaty_destroy(&t);
    at_treaty_destroy(NULL);
}

static void test_art126_check(void **state)
{
    td_fixture_t *f = *state;
    /* Gambia deposited 2002-06-28, after the 60th instrument: the 60th day
     * after is 2002-08-27, so entry into force is 2002-09-01. */
    break_row(f, "GMB\t1998-12-04\tratification\t2002-06-28\t2002-09-01",
              "GMB\t1998-12-04\tratification\t2002-06-28\t2002-08-01",
              "in_force 2002-08-01 disagrees with the treaty's entry-into-force rule: "
              "expected 2002-09-01");
    /* Ukraine: 2024-10-25 + 60 days = 2024-12-24 -> 2025-01-01. */
    break_row(f, "2024-10-25\t2025-01-01", "2024-10-25\t2024-12-24", "expected 2025-01-01");
    /* States that deposited by 2002-04-11 are bound from 2002-07-01. */
    break_row(f, "MNG\t2000-12-29\tratification\t2002-04-11\t2002-07-01",
              "MNG\t2000-12-29\tratification\t2002-04-11\t2002-06-01", "expected 2002-07-01");
    /* Consent without entry into force and without a withdrawn instrument. */
    break_row(f, "2023-11-14\t2024-02-01", "2023-11-14\t", "consent needs in_force");
    /* Consent without a type, and an unknown type. */
    break_row(f, "ARM\t1999-10-01\tratification", "ARM\t1999-10-01\t",
              "consent needs a consent_type");
    break_row(f, "ARM\t1999-10-01\tratification", "ARM\t1999-10-01\tadhesion",
              "'adhesion' is not one of");
    /* Dates out of order. */
    break_row(f, "ARM\t1999-10-01", "ARM\t2023-12-01", "signed is after consent");
    break_row(f, "ARM\t1999-10-01", "ARM\t1997-10-01", "signed is before the treaty was adopted");
    break_row(f, "ARM\t1999-10-01", "ARM\t1999-02-29", "'1999-02-29' is not a valid");
}

static void test_art127_check(void **state)
{
    td_fixture_t *f = *state;
    break_row(f, "2016-10-27\t2017-10-27", "2016-10-27\t2017-10-28",
              "withdrawal_effective 2017-10-28 disagrees with the treaty's withdrawal rule: "
              "expected 2017-10-27");
    break_row(f, "2016-10-27\t2017-10-27", "2016-10-27\t",
              "withdrawal_notified needs withdrawal_effective");
    /* A revoked withdrawal never took effect. */
    break_row(f, "2016-10-19\t\t2017-03-07", "2016-10-19\t2017-10-19\t2017-03-07",
              "a revoked withdrawal has no withdrawal_effective date");
    break_row(f, "2016-10-19\t\t2017-03-07", "2016-10-19\t\t2017-10-19",
              "withdrawal_revoked must fall between notification");
    break_row(f, "2016-10-19\t\t2017-03-07", "2016-10-19\t\t2016-10-18",
              "withdrawal_revoked must fall between notification");
    /* Malaysia's accession was withdrawn before entry into force. */
    break_row(f, "2019-03-04\t\t\t\t\t\t\t2019-04-29", "2019-03-04\t\t\t\t\t\t\t2019-06-01",
              "consent_withdrawn 2019-06-01 is not before entry into force 2019-06-01");
    break_row(f, "2019-03-04\t\t\t\t\t\t\t2019-04-29",
              "2019-03-04\t2019-06-01\t\t\t\t\t\t2019-04-29",
              "consent_withdrawn excludes in_force");
    /* Signature withdrawn without a signature. */
    break_row(f, "RUS\t2000-09-13\t", "RUS\t\t", "signature_withdrawn needs an earlier signed");
    /* Withdrawal without consent. */
    break_row(f, "USA\t2000-12-31\t\t\t\t\t2002-05-06\t",
              "USA\t2000-12-31\t\t\t\t\t2002-05-06\t2003-01-01", "need a consent date");
}

static void test_references(void **state)
{
    td_fixture_t *f = *state;
    break_row(f, "rome_statute\tKAZ", "rome_statute\tKZX", "unknown country code 'KZX'");
    break_row(f, "rome_statute\tKAZ", "rome_statut\tKAZ", "unknown treaty 'rome_statut'");
    break_row(f, "art12_3:2014-04-17;art12_3:2015-09-08", "art12(3):2014-04-17",
              "declarations: bad entry");
    break_row(f, "art12_3:2014-04-17;art12_3:2015-09-08", "art12_3:2014-04-17;",
              "declarations: trailing ';'");
    break_row(f, "art12_3:2014-04-17;art12_3:2015-09-08", "2014-04-17",
              "declarations: expected key:YYYY-MM-DD");
    /* Two rows for one state: reported on the second (MNG turned KAZ). */
    int line = line_of(f->dir, "participation.tsv", "rome_statute\tMNG");
    assert_int_equal(td_edit(f->dir, "participation.tsv", "rome_statute\tMNG", "rome_statute\tKAZ"),
                     0);
    td_expect_fail(f, "participation.tsv", line, "duplicate row for KAZ");
}

static void test_treaties_table(void **state)
{
    td_fixture_t *f = *state;
    int line = line_of(f->dir, "treaties.tsv", "rome_statute\t");
    assert_int_equal(
        td_edit(f->dir, "treaties.tsv", "first_of_month_after_days:60", "days_after:60"), 0);
    td_expect_fail(f, "treaties.tsv", line, "eif_rule 'days_after:60'");
    assert_int_equal(
        td_edit(f->dir, "treaties.tsv", "days_after:60", "first_of_month_after_days:60"), 0);
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "years_after:1", "years_after:0"), 0);
    td_expect_fail(f, "treaties.tsv", line, "withdrawal_rule 'years_after:0'");
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "years_after:0", "years_after:1"), 0);
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "\tyes\t", "\tmaybe\t"), 0);
    td_expect_fail(f, "treaties.tsv", line, "'maybe' is not one of: no, yes");
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "\tmaybe\t", "\tyes\t"), 0);
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "rome_statute\t", "Rome Statute\t"), 0);
    td_expect_fail(f, "treaties.tsv", line, "treaty id 'Rome Statute'");
}

/* participation_complete: yes needs a row for every UN member and
 * observer state; then a state without a row (a territory) is a
 * non-signatory. With "no", a state without a row is unknown. */
static void test_complete_list(void **state)
{
    td_fixture_t *f = *state;
    int line = line_of(f->dir, "treaties.tsv", "rome_statute\t");
    /* The shipped Rome Statute list is complete and loads. */
    at_treaty_t *t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    if (!t)
        fail_msg("%s", f->err);
    assert_int_equal(at_treaty_complete(t, 0), 1);
    size_t abw, pol, bfa;
    assert_int_equal(at_gazetteer_country_find(f->gaz, "ABW", &abw), 0);
    assert_int_equal(at_gazetteer_country_find(f->gaz, "POL", &pol), 0);
    assert_int_equal(at_gazetteer_country_find(f->gaz, "BFA", &bfa), 0);
    at_treaty_status_t st;
    at_treaty_status(t, 0, abw, D("2024-01-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY);
    assert_non_null(strstr(st.source, "treaties.un.org"));
    at_treaty_status(t, 0, pol, D("2024-01-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    at_treaty_destroy(&t);
    /* Comment out BFA's row: BFA is then the first UN member (in
     * countries.tsv order) without a row, reported on the treaty's line. */
    assert_int_equal(
        td_edit(f->dir, "participation.tsv", "\nrome_statute\tBFA\t", "\n#rome_statute\tBFA\t"), 0);
    td_expect_fail(f, "treaties.tsv", line,
                   "rome_statute: participation_complete is yes, but participation.tsv has no row "
                   "for BFA (UN member state)");
    /* Marked partial, the same tables load, and BFA's status is unknown:
     * never "non_signatory". */
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "\tyes\t", "\tno\t"), 0);
    t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    if (!t)
        fail_msg("%s", f->err);
    assert_int_equal(at_treaty_complete(t, 0), 0);
    at_treaty_status(t, 0, bfa, D("2024-01-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED);
    assert_string_equal(st.source, "");
    at_treaty_status(t, 0, abw, D("2024-01-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED);
    at_treaty_destroy(&t);
}

/* The NPT's rules: entry into force on deposit, three months' notice. */
static void test_npt_rules(void **state)
{
    td_fixture_t *f = *state;
    /* Accession after 1970-03-05: in force on the day of deposit. */
    break_row(f, "CHN\t\taccession\t1992-03-09\t1992-03-09",
              "CHN\t\taccession\t1992-03-09\t1992-04-01",
              "in_force 1992-04-01 disagrees with the treaty's entry-into-force rule: expected "
              "1992-03-09 for consent on 1992-03-09");
    /* Deposited before the treaty's own entry into force. */
    break_row(f, "1970-02-20\t1970-03-05", "1970-02-20\t1970-02-20",
              "expected 1970-03-05 for consent on 1970-02-20");
    /* An exception must name the rule it waives (added to the DPRK's row,
     * which follows art. X(1) and has none)... */
    int line = line_of(f->dir, "participation.tsv", "npt\tPRK");
    assert_int_equal(td_edit(f->dir, "participation.tsv", "2003-01-10\t2003-04-10\t\t\t\t\t",
                             "2003-01-10\t2003-04-10\t\t\t\tDPRK statement of 2003-01-10 "
                             "declared the withdrawal effective the next day\t"),
                     0);
    td_expect_fail(f, "participation.tsv", line,
                   "exception 'DPRK statement of 2003-01-10 declared th': expected 'eif_rule: "
                   "REASON' or 'withdrawal_rule: REASON'");
    /* ... and one that the row needs: it agrees with the entry-into-force
     * rule. */
    assert_int_equal(
        td_edit(f->dir, "participation.tsv", "\tDPRK statement", "\teif_rule: DPRK statement"), 0);
    td_expect_fail(
        f, "participation.tsv", line,
        "exception for eif_rule, but in_force agrees with the rule (or no rule applies): "
        "remove the exception");
    assert_int_equal(td_edit(f->dir, "participation.tsv",
                             "\teif_rule: DPRK statement of 2003-01-10 declared the withdrawal "
                             "effective the next day\t",
                             "\t"),
                     0);
    /* Three months' notice, art. X(1); a day the target month lacks rolls
     * over: 30 November + 3 months = 1 March. */
    break_row(f, "CHN\t\taccession\t1992-03-09\t1992-03-09\t\t\t\t\t",
              "CHN\t\taccession\t1992-03-09\t1992-03-09\t\t\t2020-11-30\t2021-03-02\t",
              "withdrawal_effective 2021-03-02 disagrees with the treaty's withdrawal rule: "
              "expected 2021-03-01");
    break_row(f, "CHN\t\taccession\t1992-03-09\t1992-03-09\t\t\t\t\t",
              "CHN\t\taccession\t1992-03-09\t1992-03-09\t\t\t2021-01-15\t2021-04-16\t",
              "expected 2021-04-15");
}

/* in_force_by: a bound instead of exact days. China's NPT row (accession
 * deposited 1992-03-09) is rewritten in the copy as "in force by
 * 1992-12-31": unknown before the bound, party from it, no transition
 * (learning the bound is not a change of status), and the row's dates
 * other than the bound must be empty. */
static void test_in_force_by(void **state)
{
    td_fixture_t *f = *state;
    const char *exact = "npt\tCHN\t\taccession\t1992-03-09\t1992-03-09\t\t\t\t\t";
    const char *bound = "npt\tCHN\t\taccession\t\t\t1992-12-31\t\t\t\t";
    int line = line_of(f->dir, "participation.tsv", exact);
    assert_int_equal(td_edit(f->dir, "participation.tsv", exact, bound), 0);
    at_treaty_t *t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    if (!t)
        fail_msg("%s", f->err);
    size_t npt, chn;
    assert_int_equal(at_treaty_find(t, "npt", &npt), 0);
    assert_int_equal(at_gazetteer_country_find(f->gaz, "CHN", &chn), 0);
    at_treaty_status_t st;
    at_treaty_status(t, npt, chn, D("1992-12-30"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED);
    assert_int_equal(st.in_force_by, AT_DAY_NONE);
    assert_string_equal(st.consent_type, "");
    at_treaty_status(t, npt, chn, D("1969-01-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED);
    at_treaty_status(t, npt, chn, D("1992-12-31"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    assert_int_equal(st.in_force_by, D("1992-12-31"));
    assert_string_equal(st.consent_type, "accession");
    assert_int_equal(st.consent, AT_DAY_NONE);
    assert_int_equal(st.in_force, AT_DAY_NONE);
    at_treaty_status(t, npt, chn, D("2024-07-03"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    at_treaty_transition_t tr[AT_TREATY_MAX_TRANSITIONS];
    assert_int_equal(at_treaty_transitions(t, npt, chn, tr), 0);
    at_treaty_destroy(&t);

    /* A withdrawal after the bound follows art. X(1) as usual. */
    const char *wd = "npt\tCHN\t\taccession\t\t\t1992-12-31\t\t2020-11-30\t2021-03-01\t";
    assert_int_equal(td_edit(f->dir, "participation.tsv", bound, wd), 0);
    t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    if (!t)
        fail_msg("%s", f->err);
    at_treaty_status(t, npt, chn, D("2021-02-28"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING);
    assert_int_equal(st.withdrawal_due, D("2021-03-01"));
    at_treaty_status(t, npt, chn, D("2021-03-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_WITHDRAWN);
    assert_int_equal(at_treaty_transitions(t, npt, chn, tr), 2);
    assert_int_equal(tr[0].day, D("2020-11-30"));
    assert_int_equal(tr[0].from, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    at_treaty_destroy(&t);
    break_row(f, wd, "npt\tCHN\t\taccession\t\t\t1992-12-31\t\t2020-11-30\t2021-03-02\t",
              "withdrawal_effective 2021-03-02 disagrees with the treaty's withdrawal rule: "
              "expected 2021-03-01");
    assert_int_equal(td_edit(f->dir, "participation.tsv", wd, bound), 0);

    /* A bound next to exact days, before the treaty was in force, before
     * a withdrawal, or with an eif_rule exception is refused. */
    const char *why = "in_force_by stands for unconfirmed days: signed, consent, in_force, "
                      "signature_withdrawn and consent_withdrawn must be empty";
    break_row(f, bound, "npt\tCHN\t\taccession\t1992-03-09\t\t1992-12-31\t\t\t\t", why);
    break_row(f, bound, "npt\tCHN\t\taccession\t\t1992-03-09\t1992-12-31\t\t\t\t", why);
    break_row(f, bound, "npt\tCHN\t1968-07-01\taccession\t\t\t1992-12-31\t\t\t\t", why);
    break_row(f, bound, "npt\tCHN\t\taccession\t\t\t1970-03-04\t\t\t\t",
              "in_force_by 1970-03-04 is before the treaty's own entry into force 1970-03-05");
    break_row(f, bound, "npt\tCHN\t\taccession\t\t\t1992-12-31\t\t1992-12-30\t1993-03-30\t",
              "withdrawal_notified is before in_force_by");
    break_row(f, bound, "npt\tCHN\t\taccession\t\t\t1992-12-32\t\t\t\t",
              "column 'in_force_by': '1992-12-32' is not a valid YYYY-MM-DD date");
    assert_int_equal(td_edit(f->dir, "participation.tsv", bound, exact), 0);
    (void)line;
}

/* `exception` waives one named rule check, must give a reason, and is
 * rejected where the row agrees with the rule anyway. */
static void test_exceptions(void **state)
{
    td_fixture_t *f = *state;
    /* The shipped table has no exception row: the DPRK's withdrawal
     * follows art. X(1). Its own account (effective the day after the
     * notice) breaks the rule ... */
    int line = line_of(f->dir, "participation.tsv", "npt\tPRK");
    assert_int_equal(td_edit(f->dir, "participation.tsv", "2003-01-10\t2003-04-10\t\t\t\t\t",
                             "2003-01-10\t2003-01-11\t\t\t\t\t"),
                     0);
    td_expect_fail(f, "participation.tsv", line,
                   "withdrawal_effective 2003-01-11 disagrees with the treaty's withdrawal rule: "
                   "expected 2003-04-10");
    /* ... and loads with a documented exception ... */
    assert_int_equal(td_edit(f->dir, "participation.tsv", "2003-01-10\t2003-01-11\t\t\t\t\t",
                             "2003-01-10\t2003-01-11\t\t\t\twithdrawal_rule: the DPRK's own "
                             "account of its notice\t"),
                     0);
    at_treaty_t *t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    if (!t)
        fail_msg("%s", f->err);
    at_treaty_destroy(&t);
    /* ... which is rejected once the row agrees with the rule. */
    assert_int_equal(td_edit(f->dir, "participation.tsv", "2003-01-10\t2003-01-11\t",
                             "2003-01-10\t2003-04-10\t"),
                     0);
    td_expect_fail(
        f, "participation.tsv", line,
        "exception for withdrawal_rule, but withdrawal_effective agrees with the rule (or "
        "no rule applies): remove the exception");
    assert_int_equal(td_edit(f->dir, "participation.tsv",
                             "withdrawal_rule: the DPRK's own account of its notice\t", "\t"),
                     0);
    break_row(f, "art12_3:2014-04-17;art12_3:2015-09-08\t",
              "art12_3:2014-04-17;art12_3:2015-09-08\teif_rule: why",
              "exception: give the reason after 'eif_rule:' (at least 10 bytes)");
    /* An eif_rule exception on a row that agrees with the rule. */
    break_row(f,
              "UKR\t2000-01-20\tratification\t2024-10-25\t2025-01-01\t\t\t\t\t\t\t"
              "art12_3:2014-04-17;art12_3:2015-09-08\t",
              "UKR\t2000-01-20\tratification\t2024-10-25\t2025-01-01\t\t\t\t\t\t\t"
              "art12_3:2014-04-17;art12_3:2015-09-08\teif_rule: a reason long enough",
              "exception for eif_rule, but in_force agrees with the rule");
    /* ... and on a row that records no withdrawal at all. */
    break_row(f,
              "UKR\t2000-01-20\tratification\t2024-10-25\t2025-01-01\t\t\t\t\t\t\t"
              "art12_3:2014-04-17;art12_3:2015-09-08\t",
              "UKR\t2000-01-20\tratification\t2024-10-25\t2025-01-01\t\t\t\t\t\t\t"
              "art12_3:2014-04-17;art12_3:2015-09-08\twithdrawal_rule: a reason long enough",
              "exception for withdrawal_rule on a row without a withdrawal");
    /* An eif_rule exception lets a documented departure load. */
    break_row(f,
              "UKR\t2000-01-20\tratification\t2024-10-25\t2025-01-01\t\t\t\t\t\t\t"
              "art12_3:2014-04-17;art12_3:2015-09-08\t",
              "UKR\t2000-01-20\tratification\t2024-10-25\t2025-02-01\t\t\t\t\t\t\t"
              "art12_3:2014-04-17;art12_3:2015-09-08\t",
              "in_force 2025-02-01 disagrees");
    assert_int_equal(td_edit(f->dir, "participation.tsv",
                             "2024-10-25\t2025-01-01\t\t\t\t\t\t\tart12_3:2014-04-17;art12_3:2015-"
                             "09-08\t",
                             "2024-10-25\t2025-02-01\t\t\t\t\t\t\tart12_3:2014-04-17;art12_3:2015-"
                             "09-08\teif_rule: test of a documented departure"),
                     0);
    t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    if (!t)
        fail_msg("%s", f->err);
    at_treaty_destroy(&t);
}

/* Succession: bound from the day of succession, on or before the
 * notification; not before the treaty itself was in force. */
static void test_succession(void **state)
{
    td_fixture_t *f = *state;
    break_row(f, "MNE\t\tsuccession\t2006-10-23\t2006-06-03",
              "MNE\t\tsuccession\t2006-10-23\t2006-11-01",
              "a succession takes effect on or before its notification: in_force 2006-11-01 is "
              "after consent 2006-10-23");
    break_row(f, "MNE\t\tsuccession\t2006-10-23\t2006-06-03",
              "MNE\t\tsuccession\t2006-10-23\t2002-06-03",
              "in_force 2002-06-03 is before the treaty itself entered into force");
}

static void collect(void *ctx, const char *problem)
{
    char *buf = ctx;
    strncat(buf, problem, 8191 - strlen(buf));
    strncat(buf, "\n", 8191 - strlen(buf));
}

/* at_treaty_check keeps going after a bad row and reports each one; a
 * rejected treaty's rows are skipped rather than reported one by one. */
static void test_check_reports_every_problem(void **state)
{
    td_fixture_t *f = *state;
    char buf[8192] = "";
    assert_int_equal(at_treaty_check(f->dir, f->gaz, collect, buf), 0);
    assert_string_equal(buf, "");
    int l1 = line_of(f->dir, "participation.tsv", "rome_statute\tKAZ");
    int l2 = line_of(f->dir, "participation.tsv", "rome_statute\tMNG");
    assert_int_equal(td_edit(f->dir, "participation.tsv",
                             "MNG\t2000-12-29\tratification\t2002-04-11\t2002-07-01",
                             "MNG\t2000-12-29\tratification\t2002-04-11\t2002-06-01"),
                     0);
    int l3 = line_of(f->dir, "treaties.tsv", "npt\t");
    assert_int_equal(td_edit(f->dir, "participation.tsv", "rome_statute\tKAZ", "rome_statute\tKZX"),
                     0);
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "months_after:3", "months_after:"), 0);
    /* The renamed KAZ row would also leave the complete Rome Statute list
     * without a row for KAZ (test_complete_list covers that): mark the
     * list partial so only the three row problems remain. */
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "\tyes\t", "\tno\t"), 0);
    assert_int_equal(at_treaty_check(f->dir, f->gaz, collect, buf), 3);
    char want[4096];
    snprintf(want, sizeof want,
             "%s/treaties.tsv:%d: withdrawal_rule 'months_after:': expected empty, years_after:N "
             "or months_after:N\n"
             "%s/participation.tsv:%d: unknown country code 'KZX' (not in countries.tsv)\n"
             "%s/participation.tsv:%d: in_force 2002-06-01 disagrees with the treaty's "
             "entry-into-force rule: expected 2002-07-01 for consent on 2002-04-11\n",
             f->dir, l3, f->dir, l1, f->dir, l2);
    assert_string_equal(buf, want);
    /* Without a gazetteer (countries.tsv broken) codes are not checked,
     * everything else is. */
    buf[0] = '\0';
    assert_int_equal(at_treaty_check(f->dir, NULL, collect, buf), 2);
    assert_null(strstr(buf, "KZX"));
    assert_int_equal(at_treaty_check(NULL, f->gaz, collect, buf), 1);
    assert_int_equal(at_treaty_check(f->dir, f->gaz, NULL, NULL), 1);
}

static void test_hostile_files(void **state)
{
    td_fixture_t *f = *state;
    /* Wrong header (e.g. a column renamed). */
    assert_int_equal(td_edit(f->dir, "participation.tsv", "\tsigned\t", "\tsignature\t"), 0);
    td_expect_fail(f, "participation.tsv", line_of(f->dir, "participation.tsv", "treaty\tcode"),
                   "header column 3 must be 'signed'");
    assert_int_equal(td_edit(f->dir, "participation.tsv", "\tsignature\t", "\tsigned\t"), 0);
    /* Latin-1 bytes in a source. */
    int line = line_of(f->dir, "participation.tsv", "rome_statute\tKAZ");
    assert_int_equal(
        td_edit(f->dir, "participation.tsv", "rome_statute\tKAZ\t", "rome_statute\tKAZ\t\xE9"), 0);
    td_expect_fail(f, "participation.tsv", line, "invalid UTF-8");
}

/* at_treaty_transitions: every day the status changes, in order, with the
 * statuses on either side; days that change nothing are not listed. */
static void test_transitions(void **state)
{
    real_t *r = *state;
    at_treaty_transition_t t[AT_TREATY_MAX_TRANSITIONS];
    size_t c;
    typedef Attache__V1__TreatyState S;
    const S NS = ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY,
            SIG = ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATORY,
            CNIF = ATTACHE__V1__TREATY_STATE__TREATY_STATE_CONSENTED_NOT_IN_FORCE,
            P = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY,
            PWP = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING,
            W = ATTACHE__V1__TREATY_STATE__TREATY_STATE_WITHDRAWN,
            SW = ATTACHE__V1__TREATY_STATE__TREATY_STATE_SIGNATURE_WITHDRAWN;

    assert_int_equal(at_gazetteer_country_find(r->gaz, "UKR", &c), 0);
    assert_int_equal(at_treaty_transitions(r->tr, r->rome, c, t), 3);
    assert_true(t[0].day == D("2000-01-20") && t[0].from == NS && t[0].to == SIG);
    assert_true(t[1].day == D("2024-10-25") && t[1].from == SIG && t[1].to == CNIF);
    assert_true(t[2].day == D("2025-01-01") && t[2].from == CNIF && t[2].to == P);

    assert_int_equal(at_gazetteer_country_find(r->gaz, "PHL", &c), 0);
    assert_int_equal(at_treaty_transitions(r->tr, r->rome, c, t), 5);
    assert_true(t[3].day == D("2018-03-17") && t[3].from == P && t[3].to == PWP);
    assert_true(t[4].day == D("2019-03-17") && t[4].from == PWP && t[4].to == W);

    assert_int_equal(at_gazetteer_country_find(r->gaz, "HUN", &c), 0);
    size_t n = at_treaty_transitions(r->tr, r->rome, c, t);
    assert_true(n >= 4);
    assert_true(t[3].day == D("2025-06-02") && t[3].from == P && t[3].to == PWP);

    /* A revoked withdrawal: pending, then party again on the revocation. */
    assert_int_equal(at_gazetteer_country_find(r->gaz, "ZAF", &c), 0);
    n = at_treaty_transitions(r->tr, r->rome, c, t);
    assert_int_equal(n, 5);
    assert_true(t[3].day == D("2016-10-19") && t[3].to == PWP);
    assert_true(t[4].day == D("2017-03-07") && t[4].from == PWP && t[4].to == P);

    /* Signature withdrawn (United States, 2002). */
    assert_int_equal(at_gazetteer_country_find(r->gaz, "USA", &c), 0);
    assert_int_equal(at_treaty_transitions(r->tr, r->rome, c, t), 2);
    assert_true(t[1].day == D("2002-05-06") && t[1].from == SIG && t[1].to == SW);

    /* Every transition agrees with at_treaty_status on its edge days, for
     * every row of both treaties. */
    for (size_t tr = 0; tr < at_treaty_count(r->tr); tr++)
        for (size_t k = 0; k < at_gazetteer_country_count(r->gaz); k++) {
            n = at_treaty_transitions(r->tr, tr, k, t);
            assert_true(n <= AT_TREATY_MAX_TRANSITIONS);
            if (!at_treaty_has_row(r->tr, tr, k))
                assert_int_equal(n, 0);
            for (size_t i = 0; i < n; i++) {
                at_treaty_status_t a, b;
                at_treaty_status(r->tr, tr, k, t[i].day - 1, &a);
                at_treaty_status(r->tr, tr, k, t[i].day, &b);
                assert_int_equal(a.state, t[i].from);
                assert_int_equal(b.state, t[i].to);
                assert_int_not_equal(t[i].from, t[i].to);
                if (i > 0)
                    assert_true(t[i - 1].day < t[i].day);
            }
        }

    /* Out of range: nothing. */
    assert_int_equal(at_treaty_transitions(r->tr, 99, 0, t), 0);
    assert_int_equal(at_treaty_transitions(r->tr, r->rome, 100000, t), 0);
    assert_int_equal(at_treaty_transitions(NULL, 0, 0, t), 0);
    assert_string_equal(at_treaty_name(r->tr, r->rome),
                        "Rome Statute of the International Criminal Court");
    assert_string_equal(at_treaty_name(r->tr, 99), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_issue_cases, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_rome_boundaries, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_before_the_treaty, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_npt, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_transitions, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_unknown_is_not_non_signatory, setup_real,
                                        teardown_real),
        cmocka_unit_test_setup_teardown(test_fields_only_up_to_the_day, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_copy_loads, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_art126_check, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_art127_check, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_references, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_treaties_table, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_complete_list, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_npt_rules, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_exceptions, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_in_force_by, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_succession, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_check_reports_every_problem, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_hostile_files, setup, td_teardown_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
