/*
 * Tests for at_filter: rule/severity on the same alert, countries from
 * mentions and locations, actors, OR within a key and AND across keys,
 * and clear errors for bad values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_filter.h"
#include "sink_test_events.h"

static const char *const kaz[] = {"KAZ", "RUS", ""};
static const char *const mng[] = {"MNG", ""};

static bool matches(const char *const *kv, const at_sinkitem_t *it)
{
    at_filter_t *f = at_filter_new();
    char err[256];
    for (size_t i = 0; kv[i]; i += 2)
        assert_int_equal(at_filter_add(f, kv[i], kv[i + 1], err, sizeof err), 0);
    bool m = at_filter_match(f, it->ev);
    at_filter_destroy(&f);
    return m;
}

static void test_match(void **state)
{
    (void)state;
    at_sinkitem_t *notice =
        test_item("a", kaz, "Q7747", "warrant_exposure", ATTACHE__V1__SEVERITY__SEVERITY_NOTICE);
    at_sinkitem_t *critical =
        test_item("b", mng, "Q7747", "warrant_exposure", ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    at_sinkitem_t *plain = test_item("c", mng, NULL, NULL, 0);
    assert_non_null(notice);
    assert_non_null(critical);
    assert_non_null(plain);

    const char *none[] = {NULL};
    assert_true(matches(none, plain));
    const char *any_alert[] = {"rule", "*", NULL};
    assert_true(matches(any_alert, notice));
    assert_false(matches(any_alert, plain));
    const char *crit[] = {"severity", "critical", NULL};
    assert_false(matches(crit, notice));
    assert_true(matches(crit, critical));
    const char *warn[] = {"severity", "warning", NULL};
    assert_true(matches(warn, critical)); /* at least warning */
    assert_false(matches(warn, notice));
    const char *rule_crit[] = {"rule", "warrant_exposure", "severity", "critical", NULL};
    assert_true(matches(rule_crit, critical));
    assert_false(matches(rule_crit, notice));
    const char *other_rule[] = {"rule", "other", NULL};
    assert_false(matches(other_rule, critical));
    const char *kz[] = {"country", "KAZ", NULL};
    assert_true(matches(kz, notice));
    assert_false(matches(kz, critical));
    const char *kz_or_mn[] = {"country", "KAZ", "country", "MNG", NULL};
    assert_true(matches(kz_or_mn, notice));
    assert_true(matches(kz_or_mn, plain));
    const char *kz_and_alert[] = {"country", "MNG", "rule", "*", NULL};
    assert_true(matches(kz_and_alert, critical));
    assert_false(matches(kz_and_alert, plain));
    const char *putin[] = {"actor", "Q7747", NULL};
    assert_true(matches(putin, notice));
    assert_false(matches(putin, plain));
    const char *other_actor[] = {"actor", "Q1", NULL};
    assert_false(matches(other_actor, notice));
    /* A local id is a valid filter value; no event here carries it. */
    const char *local_actor[] = {"actor", "attache:maria-lvova-belova", NULL};
    assert_false(matches(local_actor, notice));

    at_sinkitem_unref(&notice);
    at_sinkitem_unref(&critical);
    at_sinkitem_unref(&plain);
}

static void test_bad_values(void **state)
{
    (void)state;
    at_filter_t *f = at_filter_new();
    char err[256];
    assert_int_equal(at_filter_add(f, "severity", "high", err, sizeof err), -1);
    assert_non_null(strstr(err, "severity=high"));
    assert_int_equal(at_filter_add(f, "country", "kz", err, sizeof err), -1);
    assert_non_null(strstr(err, "alpha-3"));
    assert_int_equal(at_filter_add(f, "actor", "Putin", err, sizeof err), -1);
    assert_non_null(strstr(err, "QID"));
    assert_int_equal(at_filter_add(f, "actor", "attache:Kony", err, sizeof err), -1);
    assert_non_null(strstr(err, "local id"));
    assert_int_equal(at_filter_add(f, "actor", "Q07747", err, sizeof err), -1);
    assert_int_equal(at_filter_add(f, "rule", "", err, sizeof err), -1);
    assert_int_equal(at_filter_add(f, "colour", "red", err, sizeof err), -1);
    assert_true(at_filter_empty(f));
    at_filter_destroy(&f);
    assert_null(f);
    at_filter_destroy(NULL);
}

int main(void)
{
    at_json_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_match),
                                       cmocka_unit_test(test_bad_values)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
