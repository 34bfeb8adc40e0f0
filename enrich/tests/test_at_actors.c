/*
 * test_at_actors: actors, roles as half-open day intervals (the end day is
 * not held), warrants as of a day, and the loader's checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_actors.h"
#include "at_testdata.h"

typedef struct {
    at_gazetteer_t *gaz;
    at_actors_t *act;
} real_t;

static int setup_real(void **state)
{
    char err[1024];
    real_t *r = calloc(1, sizeof *r);
    r->gaz = at_gazetteer_new(td_data_dir(), err, sizeof err);
    if (!r->gaz)
        fail_msg("%s", err);
    r->act = at_actors_new(td_data_dir(), r->gaz, err, sizeof err);
    if (!r->act)
        fail_msg("%s", err);
    *state = r;
    return 0;
}

static int teardown_real(void **state)
{
    real_t *r = *state;
    at_actors_destroy(&r->act);
    assert_null(r->act);
    at_actors_destroy(&r->act);
    at_actors_destroy(NULL);
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

static const at_actor_t *actor(const real_t *r, const char *qid)
{
    size_t i;
    if (at_actors_find(r->act, qid, &i) != 0)
        fail_msg("no actor %s", qid);
    return at_actors_get(r->act, i);
}

/* The titles held on day, joined with "|". */
static const char *held(const real_t *r, const char *qid, const char *day)
{
    static char buf[512];
    const at_actor_t *a = actor(r, qid);
    buf[0] = '\0';
    for (size_t i = 0; i < a->nroles; i++) {
        if (!at_role_held(&a->roles[i], D(day)))
            continue;
        if (buf[0])
            strcat(buf, "|");
        strcat(buf, a->roles[i].title);
    }
    return buf;
}

static void test_real_actors(void **state)
{
    real_t *r = *state;
    assert_int_equal(at_actors_count(r->act), 5);
    const at_actor_t *putin = actor(r, "Q7747");
    assert_string_equal(putin->name, "Vladimir Putin");
    assert_string_equal(at_gazetteer_country(r->gaz, putin->country)->code, "RUS");
    assert_string_equal(actor(r, "Q39259")->name, "Recep Tayyip Erdoğan");
    assert_int_equal(at_actors_find(r->act, "Q1", NULL), -1);
    assert_null(at_actors_get(r->act, 99));
    assert_true(at_actors_alias_count(r->act) >= 10);
    /* Roles come sorted by start. */
    for (size_t i = 1; i < putin->nroles; i++)
        assert_true(putin->roles[i - 1].start <= putin->roles[i].start);
}

static void test_role_edges(void **state)
{
    real_t *r = *state;
    /* Biden: [2021-01-20, 2025-01-20). */
    assert_string_equal(held(r, "Q6279", "2021-01-19"), "");
    assert_string_equal(held(r, "Q6279", "2021-01-20"), "President of the United States");
    assert_string_equal(held(r, "Q6279", "2025-01-19"), "President of the United States");
    assert_string_equal(held(r, "Q6279", "2025-01-20"), "");
    /* Trump: two terms, the second open-ended. */
    assert_string_equal(held(r, "Q22686", "2021-01-19"), "President of the United States");
    assert_string_equal(held(r, "Q22686", "2021-01-20"), "");
    assert_string_equal(held(r, "Q22686", "2025-01-19"), "");
    assert_string_equal(held(r, "Q22686", "2025-01-20"), "President of the United States");
    assert_string_equal(held(r, "Q22686", "2099-01-01"), "President of the United States");
    /* Putin: acting president while prime minister, then president. */
    assert_string_equal(held(r, "Q7747", "1999-08-15"), "");
    assert_string_equal(held(r, "Q7747", "1999-08-16"), "Prime Minister of Russia");
    assert_string_equal(held(r, "Q7747", "2000-01-15"),
                        "Prime Minister of Russia|Acting President of Russia");
    assert_string_equal(held(r, "Q7747", "2000-05-07"), "President of Russia");
    assert_string_equal(held(r, "Q7747", "2008-05-06"), "President of Russia");
    assert_string_equal(held(r, "Q7747", "2008-05-07"), ""); /* between the two offices */
    assert_string_equal(held(r, "Q7747", "2008-05-08"), "Prime Minister of Russia");
    assert_string_equal(held(r, "Q7747", "2012-05-06"), "Prime Minister of Russia");
    assert_string_equal(held(r, "Q7747", "2012-05-07"), "President of Russia");
    assert_string_equal(held(r, "Q7747", "2024-07-03"), "President of Russia");
    /* Erdoğan: prime minister until the day he became president. */
    assert_string_equal(held(r, "Q39259", "2014-08-27"), "Prime Minister of Turkey");
    assert_string_equal(held(r, "Q39259", "2014-08-28"), "President of Türkiye");
    /* Netanyahu: the gap 2021-06-13 .. 2022-12-29. */
    assert_string_equal(held(r, "Q43723", "2021-06-12"), "Prime Minister of Israel");
    assert_string_equal(held(r, "Q43723", "2021-06-13"), "");
    assert_string_equal(held(r, "Q43723", "2022-12-28"), "");
    assert_string_equal(held(r, "Q43723", "2022-12-29"), "Prime Minister of Israel");
    assert_false(at_role_held(NULL, 0));
}

static void test_warrants(void **state)
{
    real_t *r = *state;
    const at_actor_t *putin = actor(r, "Q7747");
    assert_int_equal(putin->nwarrants, 1);
    const at_warrant_t *w = &putin->warrants[0];
    assert_string_equal(w->court, "ICC");
    assert_string_equal(w->reference, "ICC-01/22");
    assert_null(at_warrant_status(w, D("2023-03-16")));
    assert_string_equal(at_warrant_status(w, D("2023-03-17")), "outstanding");
    assert_string_equal(at_warrant_status(w, D("2026-11-28")), "outstanding");
    const at_actor_t *bibi = actor(r, "Q43723");
    assert_int_equal(bibi->nwarrants, 1);
    assert_null(at_warrant_status(&bibi->warrants[0], D("2024-11-20")));
    assert_string_equal(at_warrant_status(&bibi->warrants[0], D("2024-11-21")), "outstanding");
    assert_int_equal(actor(r, "Q6279")->nwarrants, 0);
    assert_null(at_warrant_status(NULL, 0));

    /* A warrant that ended reports its end status from the end day on. */
    at_warrant_t ended = {.court = "ICC",
                          .reference = "X",
                          .issued = D("2020-01-01"),
                          .ended = D("2021-01-01"),
                          .end_status = "withdrawn"};
    assert_string_equal(at_warrant_status(&ended, D("2020-12-31")), "outstanding");
    assert_string_equal(at_warrant_status(&ended, D("2021-01-01")), "withdrawn");
}

static void test_patterns(void **state)
{
    real_t *r = *state;
    at_match_t *m = at_match_new();
    assert_int_equal(at_actors_add_patterns(r->act, m, 1000), 0);
    uint32_t dup[2];
    assert_int_equal(at_match_compile(m, dup), 0);
    const char *text = "Erdoğan met Erdogan, ERDOGAN, and Vladimir Putin; PUTIN; putin";
    size_t n = at_match_scan(m, text, strlen(text), NULL, NULL);
    assert_int_equal(n, 5);
    at_match_destroy(&m);
}

/* --- broken copies -------------------------------------------------------- */

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
    at_actors_t *a = at_actors_new(f->dir, f->gaz, f->err, sizeof f->err);
    if (a) {
        at_actors_destroy(&a);
        fail_msg("load succeeded, expected %s:%d: %s", file, line, reason);
    }
    assert_true(td_err_is(f->err, f->dir, file, line, reason));
}

static void breaks(fixture_t *f, const char *file, const char *from, const char *to,
                   const char *reason)
{
    int line = line_of(f->dir, file, from);
    assert_int_equal(td_edit(f->dir, file, from, to), 0);
    expect_fail(f, file, line, reason);
    assert_int_equal(td_edit(f->dir, file, to, from), 0);
}

static void test_bad_actors(void **state)
{
    fixture_t *f = *state;
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "Putin\tVladimir Putin\tRUS",
           "id 'Putin' is not a Wikidata QID");
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "Q07747\tVladimir Putin\tRUS",
           "not a Wikidata QID");
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "Q7747\tVladimir Putin\tSU",
           "unknown country code 'SU'");
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "Q7747\t\tRUS",
           "column 'name' must not be empty");
    breaks(f, "actors.tsv", "Q43723\tBenjamin Netanyahu", "Q7747\tBenjamin Netanyahu",
           "duplicate actor 'Q7747'");
}

static void test_bad_aliases(void **state)
{
    fixture_t *f = *state;
    breaks(f, "actor_aliases.tsv", "Q7747\tPutin\t", "Q1\tPutin\t", "unknown actor 'Q1'");
    breaks(f, "actor_aliases.tsv", "Q7747\tPutin\tcaps", "Q7747\tPutin\tCAPS",
           "'CAPS' is not one of: exact, caps");
    breaks(f, "actor_aliases.tsv", "Q7747\tPutin\tcaps", "Q7747\t\"Putin\"\tcaps",
           "does not start with a letter or digit");
    breaks(f, "actor_aliases.tsv", "\tErdoğan\texact", "\tErdoğan\tcaps",
           "case 'caps' needs an ASCII spelling");
}

static void test_bad_roles(void **state)
{
    fixture_t *f = *state;
    /* End on or before start. */
    breaks(f, "roles.tsv", "2021-01-20\t2025-01-20", "2021-01-20\t2021-01-20",
           "end must be after start");
    breaks(f, "roles.tsv", "2021-01-20\t2025-01-20", "2021-01-20\t2020-01-20",
           "end must be after start");
    /* Overlap with an earlier interval of the same office. */
    breaks(f, "roles.tsv", "2025-01-20\t\t", "2021-01-19\t\t",
           "overlaps the head_of_state interval");
    /* Missing start, bad date, unknown country, bad role id. */
    breaks(f, "roles.tsv", "2021-01-20\t2025-01-20", "\t2025-01-20",
           "column 'start' must not be empty");
    breaks(f, "roles.tsv", "2021-01-20\t2025-01-20", "2021-01-20\t2025-01-32",
           "column 'end': '2025-01-32' is not a valid");
    breaks(f, "roles.tsv", "head_of_state\tUSA\tPresident of the United States\t2021",
           "head_of_state\tUS\tPresident of the United States\t2021", "unknown country code 'US'");
    breaks(f, "roles.tsv", "head_of_state\tUSA\tPresident of the United States\t2021",
           "Head of State\tUSA\tPresident of the United States\t2021", "role 'Head of State'");
}

static void test_bad_warrants(void **state)
{
    fixture_t *f = *state;
    breaks(f, "warrants.tsv", "Q7747\tICC\tICC-01/22\t2023-03-17\t\t\t",
           "Q7747\tICC\tICC-01/22\t2023-03-17\t2024-01-01\t\t", "ended and end_status go together");
    breaks(f, "warrants.tsv", "Q7747\tICC\tICC-01/22\t2023-03-17\t\t\t",
           "Q7747\tICC\tICC-01/22\t2023-03-17\t\twithdrawn\t", "ended and end_status go together");
    breaks(f, "warrants.tsv", "Q7747\tICC\tICC-01/22\t2023-03-17\t\t\t",
           "Q7747\tICC\tICC-01/22\t2023-03-17\t2024-01-01\toutstanding\t",
           "end_status 'outstanding'");
    breaks(f, "warrants.tsv", "Q7747\tICC\tICC-01/22\t2023-03-17\t\t\t",
           "Q7747\tICC\tICC-01/22\t2023-03-17\t2023-03-17\twithdrawn\t",
           "ended must be after issued");
    breaks(f, "warrants.tsv", "Q7747\tICC\tICC-01/22\t2023-03-17", "Q7747\tICC\t\t2023-03-17",
           "column 'reference' must not be empty");
    breaks(f, "warrants.tsv", "Q7747\tICC\tICC-01/22\t2023-03-17", "Q7747\tICC\tICC-01/22\t",
           "column 'issued' must not be empty");
    breaks(f, "warrants.tsv", "Q7747\tICC", "Q9999999\tICC", "unknown actor 'Q9999999'");
}

static void test_ended_warrant_loads(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(td_edit(f->dir, "warrants.tsv", "Q7747\tICC\tICC-01/22\t2023-03-17\t\t\t",
                             "Q7747\tICC\tICC-01/22\t2023-03-17\t2024-01-01\twithdrawn\t"),
                     0);
    at_actors_t *a = at_actors_new(f->dir, f->gaz, f->err, sizeof f->err);
    assert_non_null(a);
    size_t i;
    assert_int_equal(at_actors_find(a, "Q7747", &i), 0);
    const at_warrant_t *w = &at_actors_get(a, i)->warrants[0];
    assert_string_equal(at_warrant_status(w, D("2023-12-31")), "outstanding");
    assert_string_equal(at_warrant_status(w, D("2024-01-01")), "withdrawn");
    at_actors_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_actors, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_role_edges, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_warrants, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_patterns, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_bad_actors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_aliases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_warrants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ended_warrant_loads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
