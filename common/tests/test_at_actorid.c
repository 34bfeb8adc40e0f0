/*
 * Tests for at_actorid: which strings are Wikidata QIDs, which are local ids
 * (attache:first-last), and the message for each kind of bad id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "at_actorid.h"

static void test_qids(void **state)
{
    (void)state;
    assert_int_equal(at_actorid_kind("Q7747"), AT_ACTORID_QID);
    assert_int_equal(at_actorid_kind("Q1"), AT_ACTORID_QID);
    assert_int_equal(at_actorid_kind("Q123456789012"), AT_ACTORID_QID);
    assert_int_equal(at_actorid_kind("Q"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("Q07747"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("Q7747x"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("q7747"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind(" Q7747"), AT_ACTORID_INVALID);
    char longq[80];
    memset(longq, '9', sizeof longq - 1);
    longq[0] = 'Q';
    longq[sizeof longq - 1] = '\0';
    assert_int_equal(at_actorid_kind(longq), AT_ACTORID_INVALID);
}

static void test_local_ids(void **state)
{
    (void)state;
    assert_int_equal(at_actorid_kind("attache:maria-lvova-belova"), AT_ACTORID_LOCAL);
    assert_int_equal(at_actorid_kind("attache:kony"), AT_ACTORID_LOCAL);
    assert_int_equal(at_actorid_kind("attache:john-smith-2"), AT_ACTORID_LOCAL);
    assert_int_equal(at_actorid_kind("attache:"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("attache:-kony"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("attache:kony-"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("attache:joseph--kony"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("attache:Joseph-Kony"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("attache:joseph kony"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("attache:joseph_kony"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("attache:jos\xc3\xa9-kony"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("Attache:joseph-kony"), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind("local:joseph-kony"), AT_ACTORID_INVALID);
    /* The length limit counts the prefix: 64 bytes pass, 65 do not. */
    char id[80];
    strcpy(id, "attache:");
    memset(id + 8, 'a', 56);
    id[64] = '\0';
    assert_int_equal(at_actorid_kind(id), AT_ACTORID_LOCAL);
    id[64] = 'a';
    id[65] = '\0';
    assert_int_equal(at_actorid_kind(id), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind(""), AT_ACTORID_INVALID);
    assert_int_equal(at_actorid_kind(NULL), AT_ACTORID_INVALID);
}

static void test_explain(void **state)
{
    (void)state;
    char err[256];
    at_actorid_explain("id", "Q07747", err, sizeof err);
    assert_string_equal(err, "id 'Q07747' is not a Wikidata QID (Q123)");
    at_actorid_explain("id", "attache:Kony", err, sizeof err);
    assert_string_equal(err, "id 'attache:Kony' is not a local id (attache: and lowercase ASCII "
                             "words joined by single hyphens, at most 64 bytes)");
    at_actorid_explain("actor=", "Putin", err, sizeof err);
    assert_string_equal(err, "actor= 'Putin' is neither a Wikidata QID (Q123) nor a local id "
                             "(attache:first-last)");
    at_actorid_explain("id", NULL, err, sizeof err);
    assert_string_equal(err, "id '' is neither a Wikidata QID (Q123) nor a local id "
                             "(attache:first-last)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qids),
        cmocka_unit_test(test_local_ids),
        cmocka_unit_test(test_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
