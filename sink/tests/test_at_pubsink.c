/*
 * Tests for at_pubsink's topic scheme: one key per distinct subscription
 * key, countries from mentions and locations, sanitized names that cannot
 * forge a level. (Real subscribers, python3-zmq and `attache tail`, are in
 * tests/integration/test_sinks.py.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "at_pubsink.h"
#include "sink_test_events.h"

static void test_topics(void **state)
{
    (void)state;
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    ev.id = "x";
    Attache__V1__CountryMention c1 = ATTACHE__V1__COUNTRY_MENTION__INIT, c2 = c1;
    c1.code = "MNG";
    c2.code = "RUS";
    Attache__V1__CountryMention *cs[] = {&c1, &c2};
    ev.countries = cs;
    ev.n_countries = 2;
    Attache__V1__Location l1 = ATTACHE__V1__LOCATION__INIT, l2 = l1;
    l1.code = "MNG"; /* also mentioned: one key */
    l2.code = "KAZ";
    Attache__V1__Location *ls[] = {&l1, &l2};
    ev.locations = ls;
    ev.n_locations = 2;
    Attache__V1__ActorMention a1 = ATTACHE__V1__ACTOR_MENTION__INIT;
    a1.id = "Q7747";
    Attache__V1__ActorMention *as[] = {&a1};
    ev.actors = as;
    ev.n_actors = 1;
    Attache__V1__Alert al1 = ATTACHE__V1__ALERT__INIT, al2 = al1, al3 = al1, al4 = al1;
    al1.rule = "warrant_exposure";
    al1.severity = ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL;
    al2 = al1; /* same rule and severity, another country: one key */
    al3.rule = "warrant_exposure";
    al3.severity = ATTACHE__V1__SEVERITY__SEVERITY_NOTICE;
    al4.rule = "bad.rule name";
    al4.severity = ATTACHE__V1__SEVERITY__SEVERITY_WARNING;
    Attache__V1__Alert *als[] = {&al1, &al2, &al3, &al4};
    ev.alerts = als;
    ev.n_alerts = 4;

    char *keys = at_pubsink_topics(&ev);
    assert_non_null(keys);
    const char *want[] = {"event.",
                          "alert.warrant_exposure.critical.",
                          "alert.warrant_exposure.notice.",
                          "alert.bad_rule_name.warning.",
                          "country.MNG.",
                          "country.RUS.",
                          "country.KAZ.",
                          "actor.Q7747.",
                          NULL};
    const char *k = keys;
    for (size_t i = 0; want[i]; i++) {
        assert_string_equal(k, want[i]);
        k += strlen(k) + 1;
    }
    assert_string_equal(k, "");
    free(keys);

    /* A bare event: just "event.". */
    Attache__V1__Event bare = ATTACHE__V1__EVENT__INIT;
    bare.id = "y";
    keys = at_pubsink_topics(&bare);
    assert_string_equal(keys, "event.");
    assert_string_equal(keys + 7, "");
    free(keys);
}

int main(void)
{
    at_json_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_topics)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
