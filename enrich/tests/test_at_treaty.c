/*
 * test_at_treaty: Rome Statute status as of a day, on the edge days of
 * every transition in the table (the day before vs the day itself), and
 * the loader's art. 126 / art. 127 cross-checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_testdata.h"
#include "at_treaty.h"

typedef struct {
    at_gazetteer_t *gaz;
    at_treaty_t *tr;
    size_t rome;
} real_t;

static int setup_real(void **state)
{
    char err[1024];
    real_t *r = calloc(1, sizeof *r);
    r->gaz = at_gazetteer_new(td_data_dir(), err, sizeof err);
    if (!r->gaz)
        fail_msg("%s", err);
    r->tr = at_treaty_new(td_data_dir(), r->gaz, err, sizeof err);
    if (!r->tr)
        fail_msg("%s", err);
    assert_int_equal(at_treaty_find(r->tr, AT_TREATY_ROME_STATUTE, &r->rome), 0);
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

static at_day_t D(const char *s)
{
    at_day_t d;
    if (at_day_parse(s, &d) != 0)
        fail_msg("bad test date %s", s);
    return d;
}

static at_treaty_status_t status(const real_t *r, const char *code, const char *day)
{
    size_t c;
    if (at_gazetteer_country_find(r->gaz, code, &c) != 0)
        fail_msg("no country %s", code);
    at_treaty_status_t st;
    at_treaty_status(r->tr, r->rome, c, D(day), &st);
    return st;
}

static void expect(const real_t *r, const char *code, const char *day, const char *want)
{
    at_treaty_status_t st = status(r, code, day);
    const char *got = at_treaty_state_name(st.state);
    if (strcmp(got, want) != 0)
        fail_msg("%s on %s: got %s, want %s", code, day, got, want);
}

static void test_entry_into_force_edges(void **state)
{
    real_t *r = *state;
    /* Mongolia: signed 2000-12-29, ratified 2002-04-11, EIF 2002-07-01. */
    expect(r, "MNG", "2000-12-28", "non_signatory");
    expect(r, "MNG", "2000-12-29", "signatory");
    expect(r, "MNG", "2002-04-10", "signatory");
    expect(r, "MNG", "2002-04-11", "consented_not_in_force");
    expect(r, "MNG", "2002-06-30", "consented_not_in_force");
    expect(r, "MNG", "2002-07-01", "party");
    expect(r, "MNG", "2024-09-03", "party");
    /* Ukraine: deposit 2024-10-25, EIF 2025-01-01. */
    expect(r, "UKR", "2024-10-24", "signatory");
    expect(r, "UKR", "2024-10-25", "consented_not_in_force");
    expect(r, "UKR", "2024-12-31", "consented_not_in_force");
    expect(r, "UKR", "2025-01-01", "party");
    /* Armenia: EIF 2024-02-01. */
    expect(r, "ARM", "2024-01-31", "consented_not_in_force");
    expect(r, "ARM", "2024-02-01", "party");
    /* Palestine: accession 2015-01-02, EIF 2015-04-01; never signed. */
    expect(r, "PSE", "2015-01-01", "non_signatory");
    expect(r, "PSE", "2015-03-31", "consented_not_in_force");
    expect(r, "PSE", "2015-04-01", "party");
    /* Gambia: EIF 2002-09-01 (deposit after the 60th instrument). */
    expect(r, "GMB", "2002-08-31", "consented_not_in_force");
    expect(r, "GMB", "2002-09-01", "party");
}

static void test_withdrawal_edges(void **state)
{
    real_t *r = *state;
    /* Burundi: notified 2016-10-27, effective 2017-10-27. */
    expect(r, "BDI", "2016-10-26", "party");
    expect(r, "BDI", "2016-10-27", "party_withdrawal_pending");
    expect(r, "BDI", "2017-10-26", "party_withdrawal_pending");
    expect(r, "BDI", "2017-10-27", "withdrawn");
    /* Philippines: effective 2019-03-17. */
    expect(r, "PHL", "2019-03-16", "party_withdrawal_pending");
    expect(r, "PHL", "2019-03-17", "withdrawn");
    /* Hungary: notified 2025-06-02, effective 2026-06-02. */
    expect(r, "HUN", "2025-06-01", "party");
    expect(r, "HUN", "2025-06-02", "party_withdrawal_pending");
    expect(r, "HUN", "2026-06-01", "party_withdrawal_pending");
    expect(r, "HUN", "2026-06-02", "withdrawn");
    /* South Africa and Gambia revoked their withdrawals in 2017. */
    expect(r, "ZAF", "2016-10-18", "party");
    expect(r, "ZAF", "2016-10-19", "party_withdrawal_pending");
    expect(r, "ZAF", "2017-03-06", "party_withdrawal_pending");
    expect(r, "ZAF", "2017-03-07", "party");
    expect(r, "ZAF", "2024-01-01", "party");
    expect(r, "GMB", "2017-02-09", "party_withdrawal_pending");
    expect(r, "GMB", "2017-02-10", "party");
    /* Malaysia: accession 2019-03-04 withdrawn 2019-04-29, before its
     * entry into force (it would have been 2019-06-01). */
    expect(r, "MYS", "2019-03-03", "non_signatory");
    expect(r, "MYS", "2019-03-04", "consented_not_in_force");
    expect(r, "MYS", "2019-04-28", "consented_not_in_force");
    expect(r, "MYS", "2019-04-29", "non_signatory");
    expect(r, "MYS", "2019-06-01", "non_signatory");
}

static void test_signatures(void **state)
{
    real_t *r = *state;
    expect(r, "RUS", "2000-09-12", "non_signatory");
    expect(r, "RUS", "2000-09-13", "signatory");
    expect(r, "RUS", "2016-11-29", "signatory");
    expect(r, "RUS", "2016-11-30", "signature_withdrawn");
    expect(r, "USA", "2002-05-05", "signatory");
    expect(r, "USA", "2002-05-06", "signature_withdrawn");
    expect(r, "ISR", "2002-08-27", "signatory");
    expect(r, "ISR", "2002-08-28", "signature_withdrawn");
    expect(r, "KAZ", "2024-07-03", "non_signatory");
    expect(r, "CHN", "2024-07-03", "non_signatory");
    expect(r, "TUR", "2024-07-03", "non_signatory");
    /* Italy is a party, but this partial table has no row for it: the
     * status is unknown, never "non_signatory". */
    at_treaty_status_t st = status(r, "ITA", "2024-07-03");
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED);
    assert_string_equal(st.source, "");
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
    assert_int_equal(st.withdrawal_due, D("2026-06-02"));
    st = status(r, "HUN", "2026-06-02");
    assert_int_equal(st.withdrawal_effective, D("2026-06-02"));
    assert_int_equal(st.withdrawal_due, AT_DAY_NONE);

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
    assert_int_equal(at_treaty_count(r->tr), 1);
    assert_string_equal(at_treaty_id(r->tr, r->rome), "rome_statute");
    assert_string_equal(at_treaty_id(r->tr, 7), "");
    assert_string_equal(at_treaty_state_name(ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY),
                        "party");
    assert_string_equal(at_treaty_state_name((Attache__V1__TreatyState)99), "unspecified");
}

/* --- loader checks on broken copies --------------------------------------- */

typedef struct {
    char *dir;
    at_gazetteer_t *gaz;
    char err[2048];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->dir = td_mkdtemp();
    assert_non_null(f->dir);
    assert_int_equal(td_copy_data(f->dir), 0);
    f->gaz = at_gazetteer_new(f->dir, f->err, sizeof f->err);
    assert_non_null(f->gaz);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    at_gazetteer_destroy(&f->gaz);
    td_rmdir(&f->dir);
    free(f);
    return 0;
}

static int line_of(const char *dir, const char *file, const char *text)
{
    char *s = td_read(dir, file);
    assert_non_null(s);
    char *p = strstr(s, text);
    if (!p)
        fail_msg("%s not in %s", text, file);
    int line = 1;
    for (char *q = s; q < p; q++)
        line += *q == '\n';
    free(s);
    return line;
}

static void expect_fail(fixture_t *f, const char *file, int line, const char *reason)
{
    at_treaty_t *t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    if (t) {
        at_treaty_destroy(&t);
        fail_msg("load succeeded, expected %s:%d: %s", file, line, reason);
    }
    assert_true(td_err_is(f->err, f->dir, file, line, reason));
}

/* Replace a row fragment in participation.tsv and expect the error on
 * that row. */
static void break_row(fixture_t *f, const char *from, const char *to, const char *reason)
{
    int line = line_of(f->dir, "participation.tsv", from);
    assert_int_equal(td_edit(f->dir, "participation.tsv", from, to), 0);
    expect_fail(f, "participation.tsv", line, reason);
    assert_int_equal(td_edit(f->dir, "participation.tsv", to, from), 0);
}

static void test_copy_loads(void **state)
{
    fixture_t *f = *state;
    at_treaty_t *t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    assert_non_null(t);
    at_treaty_destroy(&t);
    at_treaty_destroy(&t);
    at_treaty_destroy(NULL);
}

static void test_art126_check(void **state)
{
    fixture_t *f = *state;
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
    fixture_t *f = *state;
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
    break_row(f, "2019-03-04\t\t\t\t\t\t2019-04-29", "2019-03-04\t\t\t\t\t\t2019-06-01",
              "consent_withdrawn 2019-06-01 is not before entry into force 2019-06-01");
    break_row(f, "2019-03-04\t\t\t\t\t\t2019-04-29", "2019-03-04\t2019-06-01\t\t\t\t\t2019-04-29",
              "consent_withdrawn excludes in_force");
    /* Signature withdrawn without a signature. */
    break_row(f, "RUS\t2000-09-13\t", "RUS\t\t", "signature_withdrawn needs an earlier signed");
    /* Withdrawal without consent. */
    break_row(f, "USA\t2000-12-31\t\t\t\t2002-05-06\t",
              "USA\t2000-12-31\t\t\t\t2002-05-06\t2003-01-01", "need a consent date");
}

static void test_references(void **state)
{
    fixture_t *f = *state;
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
    expect_fail(f, "participation.tsv", line, "duplicate row for KAZ");
}

static void test_treaties_table(void **state)
{
    fixture_t *f = *state;
    int line = line_of(f->dir, "treaties.tsv", "rome_statute\t");
    assert_int_equal(
        td_edit(f->dir, "treaties.tsv", "first_of_month_after_days:60", "days_after:60"), 0);
    expect_fail(f, "treaties.tsv", line, "eif_rule 'days_after:60'");
    assert_int_equal(
        td_edit(f->dir, "treaties.tsv", "days_after:60", "first_of_month_after_days:60"), 0);
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "years_after:1", "years_after:0"), 0);
    expect_fail(f, "treaties.tsv", line, "withdrawal_rule 'years_after:0'");
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "years_after:0", "years_after:1"), 0);
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "\tno\t", "\tmaybe\t"), 0);
    expect_fail(f, "treaties.tsv", line, "'maybe' is not one of: no, yes");
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "\tmaybe\t", "\tno\t"), 0);
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "rome_statute\t", "Rome Statute\t"), 0);
    expect_fail(f, "treaties.tsv", line, "treaty id 'Rome Statute'");
}

static void test_complete_list_means_non_signatory(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "\tno\t", "\tyes\t"), 0);
    at_treaty_t *t = at_treaty_new(f->dir, f->gaz, f->err, sizeof f->err);
    assert_non_null(t);
    size_t ita;
    assert_int_equal(at_gazetteer_country_find(f->gaz, "ITA", &ita), 0);
    at_treaty_status_t st;
    at_treaty_status(t, 0, ita, D("2024-01-01"), &st);
    assert_int_equal(st.state, ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY);
    assert_non_null(strstr(st.source, "treaties.un.org"));
    at_treaty_destroy(&t);
}

static void test_hostile_files(void **state)
{
    fixture_t *f = *state;
    /* Wrong header (e.g. a column renamed). */
    assert_int_equal(td_edit(f->dir, "participation.tsv", "\tsigned\t", "\tsignature\t"), 0);
    expect_fail(f, "participation.tsv", line_of(f->dir, "participation.tsv", "treaty\tcode"),
                "header column 3 must be 'signed'");
    assert_int_equal(td_edit(f->dir, "participation.tsv", "\tsignature\t", "\tsigned\t"), 0);
    /* Latin-1 bytes in a source. */
    int line = line_of(f->dir, "participation.tsv", "rome_statute\tKAZ");
    assert_int_equal(
        td_edit(f->dir, "participation.tsv", "rome_statute\tKAZ\t", "rome_statute\tKAZ\t\xE9"), 0);
    expect_fail(f, "participation.tsv", line, "invalid UTF-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_entry_into_force_edges, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_withdrawal_edges, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_signatures, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_fields_only_up_to_the_day, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_copy_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_art126_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_art127_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_treaties_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complete_list_means_non_signatory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
