/*
 * test_at_alerts: the alert rules on the real data. The window's edge days
 * (30 and 31 days away, on both sides), status_change on real transitions
 * (Ukraine party from 2025-01-01, the Philippines withdrawn from 2019-03-17,
 * Hungary's notification of 2025-06-02, Malaysia's withdrawn accession, the
 * United States placed only by a dateline), no hindsight about changes not
 * yet scheduled on the item's day, warrant_exposure severities (the Astana /
 * Ulaanbaatar model case, and a subject keyed by a local id), and the alerts.* config keys:
 * defaults, each setting taking effect, and bad values named by key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_alerts.h"
#include "at_enrich.h"
#include "at_testdata.h"
#include "at_time.h"

/* An event for an item published at noon UTC on day (YYYY-MM-DD). */
static Attache__V1__Event *enrich_on(const at_enrich_t *e, const char *title, const char *body,
                                     const char *day)
{
    Attache__V1__NewsItem *it = malloc(sizeof *it);
    assert_non_null(it);
    attache__v1__news_item__init(it);
    it->id = strdup("item-1");
    it->url = strdup("https://example.org/a");
    it->title = strdup(title);
    if (body && *body)
        it->body = strdup(body);
    it->published = (int64_t)td_day(day) * 86400 + 12 * 3600;
    Attache__V1__Event *ev = at_enrich_item(e, &it, 1700000000);
    assert_non_null(ev);
    assert_string_equal(ev->reference_date, day);
    return ev;
}

/* The alert of a rule for a country, or NULL. */
static const Attache__V1__Alert *find(const Attache__V1__Event *ev, const char *rule,
                                      const char *country)
{
    for (size_t i = 0; i < ev->n_alerts; i++)
        if (strcmp(ev->alerts[i]->rule, rule) == 0 && strcmp(ev->alerts[i]->country, country) == 0)
            return ev->alerts[i];
    return NULL;
}

static size_t count_rule(const Attache__V1__Event *ev, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < ev->n_alerts; i++)
        n += strcmp(ev->alerts[i]->rule, rule) == 0;
    return n;
}

/* The status_change message for country on day, or NULL when none. The
 * caller frees the event through *ev_p. */
static const char *change(const at_enrich_t *e, const char *title, const char *day,
                          Attache__V1__Event **ev_p)
{
    *ev_p = enrich_on(e, title, "", day);
    const Attache__V1__Alert *al = NULL;
    for (size_t i = 0; i < (*ev_p)->n_alerts; i++)
        if (strcmp((*ev_p)->alerts[i]->rule, "status_change") == 0)
            al = (*ev_p)->alerts[i];
    if (!al)
        return NULL;
    assert_string_equal(al->actor, "");
    assert_int_equal(al->severity, ATTACHE__V1__SEVERITY__SEVERITY_NOTICE);
    return al->message;
}

/* --- the window ---------------------------------------------------------- */

static void test_window_edges(void **state)
{
    (void)state;
    at_day_t d = td_day("2025-01-01");
    assert_true(at_alerts_in_window(d, d, 30));
    assert_true(at_alerts_in_window(d, td_day("2024-12-02"), 30));  /* 30 days before it */
    assert_false(at_alerts_in_window(d, td_day("2024-12-01"), 30)); /* 31 */
    assert_true(at_alerts_in_window(d, td_day("2025-01-31"), 30));  /* 30 days after it */
    assert_false(at_alerts_in_window(d, td_day("2025-02-01"), 30)); /* 31 */
    assert_true(at_alerts_in_window(d, d, 0));
    assert_false(at_alerts_in_window(d, d + 1, 0));
    assert_false(at_alerts_in_window(AT_DAY_NONE, d, 30));
    assert_false(at_alerts_in_window(d, AT_DAY_NONE, 30));
    assert_false(at_alerts_in_window(d, d, -1));
    /* Far-apart days do not overflow into the window. */
    assert_false(at_alerts_in_window(INT32_MIN + 1, INT32_MAX - 1, 30));
}

/* --- status_change on real transitions ----------------------------------- */

static void test_ukraine_party_from_2025(void **state)
{
    const at_enrich_t *e = *state;
    Attache__V1__Event *ev;
    const char *m;
    /* Deposit 2024-10-25 (signatory -> consented_not_in_force). */
    m = change(e, "Ukraine joins the ICC", "2024-11-24", &ev);
    assert_non_null(m);
    assert_non_null(strstr(m, "Ukraine: Rome Statute of the International Criminal Court "
                              "(rome_statute) status changed from signatory to "
                              "consented_not_in_force on 2024-10-25, 30 days before the item's "
                              "day"));
    assert_null(strstr(m, "2025-01-01")); /* 38 days ahead */
    at_enrich_event_free(&ev);
    m = change(e, "Ukraine joins the ICC", "2024-11-25", &ev); /* 31 and 37 days */
    assert_null(m);
    at_enrich_event_free(&ev);
    /* Entry into force 2025-01-01, scheduled by the deposit. */
    m = change(e, "Ukraine joins the ICC", "2024-12-01", &ev); /* 31 days before */
    assert_null(m);
    at_enrich_event_free(&ev);
    m = change(e, "Ukraine joins the ICC", "2024-12-02", &ev); /* 30 days before */
    assert_non_null(m);
    assert_non_null(strstr(m, "status changes from consented_not_in_force to party on "
                              "2025-01-01, 30 days after the item's day"));
    at_enrich_event_free(&ev);
    m = change(e, "Ukraine joins the ICC", "2025-01-01", &ev);
    assert_non_null(strstr(m, "changed from consented_not_in_force to party on 2025-01-01, the "
                              "item's day"));
    at_enrich_event_free(&ev);
    m = change(e, "Ukraine joins the ICC", "2025-01-31", &ev); /* 30 days after */
    assert_non_null(strstr(m, "on 2025-01-01, 30 days before the item's day"));
    at_enrich_event_free(&ev);
    m = change(e, "Ukraine joins the ICC", "2025-02-01", &ev); /* 31 days after */
    assert_null(m);
    at_enrich_event_free(&ev);
}

static void test_philippines_withdrawn(void **state)
{
    const at_enrich_t *e = *state;
    Attache__V1__Event *ev;
    const char *m;
    /* Notified 2018-03-17, effective 2019-03-17: scheduled a year ahead. */
    m = change(e, "Duterte and the Philippines", "2019-02-14", &ev);
    assert_null(m);
    at_enrich_event_free(&ev);
    m = change(e, "Duterte and the Philippines", "2019-02-15", &ev);
    assert_non_null(m);
    assert_non_null(strstr(m, "Philippines: "));
    assert_non_null(strstr(m, "changes from party_withdrawal_pending to withdrawn on 2019-03-17, "
                              "30 days after the item's day"));
    at_enrich_event_free(&ev);
    m = change(e, "Duterte and the Philippines", "2019-03-18", &ev);
    assert_non_null(strstr(m, "changed from party_withdrawal_pending to withdrawn on 2019-03-17, "
                              "1 day before the item's day"));
    at_enrich_event_free(&ev);
    m = change(e, "Duterte and the Philippines", "2019-04-16", &ev);
    assert_non_null(m);
    at_enrich_event_free(&ev);
    m = change(e, "Duterte and the Philippines", "2019-04-17", &ev);
    assert_null(m);
    at_enrich_event_free(&ev);
    /* The notification itself. */
    m = change(e, "Duterte and the Philippines", "2018-03-20", &ev);
    assert_non_null(strstr(m, "changed from party to party_withdrawal_pending on 2018-03-17, 3 "
                              "days before the item's day"));
    at_enrich_event_free(&ev);
}

static void test_hungary_notification(void **state)
{
    const at_enrich_t *e = *state;
    Attache__V1__Event *ev;
    const char *m = change(e, "Hungary and the ICC", "2025-06-10", &ev);
    assert_non_null(m);
    assert_non_null(strstr(m, "Hungary: "));
    assert_non_null(strstr(m, "changed from party to party_withdrawal_pending on 2025-06-02, 8 "
                              "days before the item's day"));
    const Attache__V1__Alert *al = find(ev, "status_change", "HUN");
    assert_string_equal(al->country, "HUN");
    /* The same change, structured (Alert.changes). */
    assert_int_equal(al->n_changes, 1);
    assert_string_equal(al->changes[0]->treaty, "rome_statute");
    assert_int_equal(al->changes[0]->from, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    assert_int_equal(al->changes[0]->to,
                     ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING);
    assert_string_equal(al->changes[0]->date, "2025-06-02");
    at_enrich_event_free(&ev);
    /* Before the notification, the data knows it but the item's day did
     * not: nothing was scheduled, so nothing is said (no hindsight). */
    m = change(e, "Hungary and the ICC", "2025-05-20", &ev);
    assert_null(m);
    at_enrich_event_free(&ev);
    /* (The day it takes effect, 2026-06-02, is left to the Philippines
     * case: Hungary's 2026 dates are still being settled in the data.) */
}

static void test_malaysia_withdrawn_accession_not_foreseen(void **state)
{
    const at_enrich_t *e = *state;
    Attache__V1__Event *ev;
    /* Acceded 2019-03-04, withdrew the instrument 2019-04-29: on
     * 2019-04-10 the withdrawal was not scheduled (only entry into force
     * would have been), so nothing is said of it. */
    const char *m = change(e, "Malaysia and the ICC", "2019-04-10", &ev);
    assert_null(m);
    at_enrich_event_free(&ev);
    m = change(e, "Malaysia and the ICC", "2019-05-01", &ev);
    assert_non_null(strstr(m, "changed from consented_not_in_force to non_signatory on "
                              "2019-04-29, 2 days before the item's day"));
    at_enrich_event_free(&ev);
}

static void test_located_country_counts(void **state)
{
    const at_enrich_t *e = *state;
    /* A WASHINGTON dateline places the item in the United States without
     * naming it; its signature was withdrawn on 2002-05-06. */
    Attache__V1__Event *ev = enrich_on(
        e, "Court treaty signature withdrawn",
        "WASHINGTON (AP) \xE2\x80\x94 Officials said on Monday the treaty was dead.", "2002-05-20");
    assert_int_equal(ev->n_countries, 0);
    const Attache__V1__Alert *al = find(ev, "status_change", "USA");
    assert_non_null(al);
    assert_non_null(strstr(al->message, "changed from signatory to signature_withdrawn on "
                                        "2002-05-06, 14 days before the item's day"));
    at_enrich_event_free(&ev);
}

static void test_quiet_country_no_alert(void **state)
{
    const at_enrich_t *e = *state;
    Attache__V1__Event *ev;
    /* Kazakhstan: never signed; Mongolia: no change near 2024. */
    assert_null(change(e, "Kazakhstan and Mongolia", "2024-07-03", &ev));
    at_enrich_event_free(&ev);
}

/* --- warrant_exposure severities ----------------------------------------- */

static const char *astana = "ASTANA, July 3 (Reuters) - Vladimir Putin arrived in Astana.";
static const char *ub = "ULAANBAATAR \xE2\x80\x94 Mongolia welcomed Vladimir Putin.";

static void test_model_case_defaults(void **state)
{
    const at_enrich_t *e = *state;
    Attache__V1__Event *ev = enrich_on(e, "Putin in Astana", astana, "2024-07-03");
    const Attache__V1__Alert *al = find(ev, "warrant_exposure", "KAZ");
    assert_non_null(al);
    assert_string_equal(al->actor, "Q7747");
    /* Not bound: an info record at most, never high. */
    assert_int_equal(al->severity, ATTACHE__V1__SEVERITY__SEVERITY_INFO);
    assert_non_null(strstr(al->message, "not a party"));
    assert_int_equal(ev->n_alerts, 1);
    at_enrich_event_free(&ev);

    ev = enrich_on(e, "Putin in Mongolia", ub, "2024-09-03");
    al = find(ev, "warrant_exposure", "MNG");
    assert_non_null(al);
    assert_int_equal(al->severity, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_non_null(strstr(al->message, "Vladimir Putin"));
    assert_non_null(strstr(al->message, "Mongolia, a State Party"));
    at_enrich_event_free(&ev);
}

/* The other example of 17 March 2023: a subject keyed by a local id
 * (no confirmed QID) raises the same alert, naming the local id. The day
 * before the warrant was issued there is none. */
static void test_local_id_subject(void **state)
{
    const at_enrich_t *e = *state;
    const char *body = "ULAANBAATAR \xE2\x80\x94 Maria Lvova-Belova arrived in Mongolia.";
    Attache__V1__Event *ev = enrich_on(e, "Lvova-Belova in Mongolia", body, "2024-09-03");
    const Attache__V1__Alert *al = find(ev, "warrant_exposure", "MNG");
    assert_non_null(al);
    assert_string_equal(al->actor, "attache:maria-lvova-belova");
    assert_int_equal(al->severity, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_non_null(strstr(al->message, "Maria Lvova-Belova"));
    at_enrich_event_free(&ev);
    ev = enrich_on(e, "Lvova-Belova in Mongolia", body, "2023-03-16");
    assert_int_equal(count_rule(ev, "warrant_exposure"), 0);
    at_enrich_event_free(&ev);
}

static void test_rules_configured(void **state)
{
    at_enrich_t *e = *state;
    at_alerts_config_t cfg;
    at_alerts_config_default(&cfg);
    cfg.warrant_party = ATTACHE__V1__SEVERITY__SEVERITY_WARNING;
    cfg.warrant_non_party = ATTACHE__V1__SEVERITY__SEVERITY_UNSPECIFIED; /* off */
    at_enrich_set_alerts(e, &cfg);
    Attache__V1__Event *ev = enrich_on(e, "Putin in Mongolia", ub, "2024-09-03");
    assert_int_equal(find(ev, "warrant_exposure", "MNG")->severity,
                     ATTACHE__V1__SEVERITY__SEVERITY_WARNING);
    at_enrich_event_free(&ev);
    ev = enrich_on(e, "Putin in Astana", astana, "2024-07-03");
    assert_int_equal(ev->n_alerts, 0);
    at_enrich_event_free(&ev);

    /* Unknown status (Niger has no row yet) has its own severity. */
    cfg.warrant_unknown = ATTACHE__V1__SEVERITY__SEVERITY_INFO;
    at_enrich_set_alerts(e, &cfg);
    ev = enrich_on(e, "Putin to visit Niamey", "", "2024-07-03");
    const Attache__V1__Alert *ner = find(ev, "warrant_exposure", "NER");
    /* Only while the treaty table has no row for Niger. */
    if (ner && strstr(ner->message, "not in the reference data"))
        assert_int_equal(ner->severity, ATTACHE__V1__SEVERITY__SEVERITY_INFO);
    at_enrich_event_free(&ev);

    /* Each rule off on its own. */
    at_alerts_config_default(&cfg);
    cfg.warrant_enabled = false;
    at_enrich_set_alerts(e, &cfg);
    ev = enrich_on(e, "Putin and Hungary", "BUDAPEST - Putin met officials.", "2025-06-10");
    assert_int_equal(count_rule(ev, "warrant_exposure"), 0);
    assert_int_equal(count_rule(ev, "status_change"), 1);
    at_enrich_event_free(&ev);
    at_alerts_config_default(&cfg);
    cfg.status_change_enabled = false;
    at_enrich_set_alerts(e, &cfg);
    ev = enrich_on(e, "Putin and Hungary", "BUDAPEST - Putin met officials.", "2025-06-10");
    assert_int_equal(count_rule(ev, "warrant_exposure"), 1);
    assert_int_equal(count_rule(ev, "status_change"), 0);
    at_enrich_event_free(&ev);
    /* Both on: warrant_exposure first, then status_change. */
    at_alerts_config_default(&cfg);
    cfg.status_change = ATTACHE__V1__SEVERITY__SEVERITY_WARNING;
    cfg.status_change_days = 7;
    at_enrich_set_alerts(e, &cfg);
    ev = enrich_on(e, "Putin and Hungary", "BUDAPEST - Putin met officials.", "2025-06-09");
    assert_int_equal(ev->n_alerts, 2);
    assert_string_equal(ev->alerts[0]->rule, "warrant_exposure");
    assert_int_equal(ev->alerts[0]->severity, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_string_equal(ev->alerts[1]->rule, "status_change");
    assert_int_equal(ev->alerts[1]->severity, ATTACHE__V1__SEVERITY__SEVERITY_WARNING);
    at_enrich_event_free(&ev);
    ev = enrich_on(e, "Putin and Hungary", "BUDAPEST - Putin met officials.", "2025-06-10");
    assert_int_equal(count_rule(ev, "status_change"), 0); /* 8 days > 7 */
    at_enrich_event_free(&ev);
    at_alerts_config_default(&cfg);
    at_enrich_set_alerts(e, &cfg);
}

/* --- config keys --------------------------------------------------------- */

static void test_config_defaults(void **state)
{
    (void)state;
    at_config_t *c = at_config_new(at_alerts_config_table);
    assert_non_null(c);
    at_alerts_config_t got, want;
    char err[512];
    assert_int_equal(at_alerts_config_read(c, &got, err, sizeof err), 0);
    at_alerts_config_default(&want);
    assert_true(got.warrant_enabled == want.warrant_enabled &&
                got.warrant_party == want.warrant_party &&
                got.warrant_non_party == want.warrant_non_party &&
                got.warrant_unknown == want.warrant_unknown &&
                got.status_change_enabled == want.status_change_enabled &&
                got.status_change == want.status_change &&
                got.status_change_days == want.status_change_days);
    assert_int_equal(got.warrant_party, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_int_equal(got.warrant_non_party, ATTACHE__V1__SEVERITY__SEVERITY_INFO);
    assert_int_equal(got.status_change_days, 30);

    assert_int_equal(
        at_config_set_pair(c, "alerts.warrant_exposure.severity=warning", "--set", err, sizeof err),
        0);
    assert_int_equal(at_config_set_pair(c, "alerts.warrant_exposure.non_party_severity=off",
                                        "--set", err, sizeof err),
                     0);
    assert_int_equal(
        at_config_set_pair(c, "alerts.status_change.enabled=no", "--set", err, sizeof err), 0);
    assert_int_equal(
        at_config_set_pair(c, "alerts.status_change.window_days=0", "--set", err, sizeof err), 0);
    assert_int_equal(at_alerts_config_read(c, &got, err, sizeof err), 0);
    assert_int_equal(got.warrant_party, ATTACHE__V1__SEVERITY__SEVERITY_WARNING);
    assert_int_equal(got.warrant_non_party, ATTACHE__V1__SEVERITY__SEVERITY_UNSPECIFIED);
    assert_false(got.status_change_enabled);
    assert_int_equal(got.status_change_days, 0);
    at_config_destroy(&c);
}

static void test_config_bad_values_name_the_key(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "alerts.warrant_exposure.severity=high",
        "alerts.warrant_exposure.severity=off",                /* use enabled=false */
        "alerts.warrant_exposure.non_party_severity=critical", /* never high */
        "alerts.warrant_exposure.non_party_severity=notice",
        "alerts.warrant_exposure.unknown_severity=loud",
        "alerts.warrant_exposure.enabled=maybe",
        "alerts.status_change.severity=",
        "alerts.status_change.window_days=-1",
        "alerts.status_change.window_days=367",
        "alerts.status_change.window_days=30d",
        "alerts.status_change.nope=1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        at_config_t *c = at_config_new(at_alerts_config_table);
        char err[512] = "";
        assert_int_equal(at_config_set_pair(c, bad[i], "x.ini:3", err, sizeof err), -1);
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(strchr(bad[i], '=') - bad[i]), bad[i]);
        if (!strstr(err, key) || !strstr(err, "x.ini:3"))
            fail_msg("error for %s does not name the key and place: %s", bad[i], err);
        at_config_destroy(&c);
    }
    Attache__V1__Severity s;
    assert_int_equal(at_alerts_severity_parse("critical", &s), 0);
    assert_int_equal(s, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_int_equal(at_alerts_severity_parse("off", &s), 0);
    assert_int_equal(s, ATTACHE__V1__SEVERITY__SEVERITY_UNSPECIFIED);
    assert_int_equal(at_alerts_severity_parse("high", &s), -1);
    assert_int_equal(at_alerts_severity_parse(NULL, &s), -1);
}

static void test_apply_bad_arguments(void **state)
{
    (void)state;
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    at_alerts_config_t cfg;
    at_alerts_config_default(&cfg);
    assert_int_equal(at_alerts_apply(NULL, NULL, &ev, NULL, 0, 0), -1);
    assert_int_equal(at_alerts_apply(&cfg, NULL, &ev, NULL, 0, 0), -1);
    assert_int_equal(ev.n_alerts, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_edges),
        cmocka_unit_test_setup_teardown(test_ukraine_party_from_2025, td_setup_enrich,
                                        td_teardown_enrich),
        cmocka_unit_test_setup_teardown(test_philippines_withdrawn, td_setup_enrich,
                                        td_teardown_enrich),
        cmocka_unit_test_setup_teardown(test_hungary_notification, td_setup_enrich,
                                        td_teardown_enrich),
        cmocka_unit_test_setup_teardown(test_malaysia_withdrawn_accession_not_foreseen,
                                        td_setup_enrich, td_teardown_enrich),
        cmocka_unit_test_setup_teardown(test_located_country_counts, td_setup_enrich,
                                        td_teardown_enrich),
        cmocka_unit_test_setup_teardown(test_quiet_country_no_alert, td_setup_enrich,
                                        td_teardown_enrich),
        cmocka_unit_test_setup_teardown(test_model_case_defaults, td_setup_enrich,
                                        td_teardown_enrich),
        cmocka_unit_test_setup_teardown(test_local_id_subject, td_setup_enrich, td_teardown_enrich),
        cmocka_unit_test_setup_teardown(test_rules_configured, td_setup_enrich, td_teardown_enrich),
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_bad_values_name_the_key),
        cmocka_unit_test(test_apply_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
