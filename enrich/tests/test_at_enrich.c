/*
 * test_at_enrich: NewsItem -> Event end to end on the real data: the
 * motivating Astana / Ulaanbaatar trips, reference-day edges, mention
 * aggregation and offsets, locations, alerts, hostile item text, the
 * protobuf memory convention, and load failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_enrich.h"
#include "at_testdata.h"
#include "at_time.h"

/* Unix time of y-m-d h:m:s UTC. */
static int64_t T(int y, unsigned m, unsigned d, int hh, int mm, int ss)
{
    return (int64_t)at_day_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

/* An item allocated the way unpack would (strings strdup'd, unset ones
 * the shared empty string). */
static Attache__V1__NewsItem *item(const char *title, const char *body, int64_t published)
{
    Attache__V1__NewsItem *it = malloc(sizeof *it);
    assert_non_null(it);
    attache__v1__news_item__init(it);
    it->id = strdup("item-1");
    it->url = strdup("https://example.org/a");
    if (title && *title)
        it->title = strdup(title);
    if (body && *body)
        it->body = strdup(body);
    it->published = published;
    it->fetched = T(2026, 11, 28, 12, 0, 0);
    return it;
}

static Attache__V1__Event *enrich(const at_enrich_t *e, Attache__V1__NewsItem *it)
{
    Attache__V1__Event *ev = at_enrich_item(e, &it, 1700000000);
    assert_null(it);
    assert_non_null(ev);
    return ev;
}

static const Attache__V1__CountryMention *country(const Attache__V1__Event *ev, const char *code)
{
    for (size_t i = 0; i < ev->n_countries; i++)
        if (strcmp(ev->countries[i]->code, code) == 0)
            return ev->countries[i];
    return NULL;
}

static const Attache__V1__ActorMention *actor(const Attache__V1__Event *ev, const char *id)
{
    for (size_t i = 0; i < ev->n_actors; i++)
        if (strcmp(ev->actors[i]->id, id) == 0)
            return ev->actors[i];
    return NULL;
}

static const char *codes(const Attache__V1__Event *ev)
{
    static char buf[512];
    buf[0] = '\0';
    for (size_t i = 0; i < ev->n_countries; i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, ev->countries[i]->code);
    }
    return buf;
}

/* Locations that place the event (dateline, travel, title), as opposed
 * to the weak guesses (title_country, most_mentioned) after them. */
static size_t strong_locations(const Attache__V1__Event *ev)
{
    size_t n = 0;
    for (size_t i = 0; i < ev->n_locations; i++) {
        const char *b = ev->locations[i]->basis;
        n += strcmp(b, "dateline") == 0 || strcmp(b, "travel") == 0 || strcmp(b, "title") == 0;
    }
    return n;
}

static void test_model_case_astana(void **state)
{
    at_enrich_t *e = *state;
    Attache__V1__Event *ev =
        enrich(e, item("Putin arrives in Kazakhstan for SCO summit",
                       "ASTANA, July 3 (Reuters) - Russian President Vladimir Putin arrived in "
                       "Astana on Wednesday for a summit of the Shanghai Cooperation Organisation.",
                       T(2024, 7, 3, 9, 30, 0)));
    assert_string_equal(ev->id, "item-1");
    assert_string_equal(ev->reference_date, "2024-07-03");
    assert_string_equal(ev->data_version, "2026-11-28");
    assert_int_equal(ev->enriched, 1700000000);

    assert_int_equal(ev->n_locations, 1);
    assert_string_equal(ev->locations[0]->code, "KAZ");
    assert_string_equal(ev->locations[0]->place, "Astana");
    assert_string_equal(ev->locations[0]->basis, "dateline");

    const Attache__V1__ActorMention *p = actor(ev, "Q7747");
    assert_non_null(p);
    assert_string_equal(p->name, "Vladimir Putin");
    assert_string_equal(p->country, "RUS");
    assert_int_equal(p->mentions, 2);
    assert_int_equal(p->first_offset, 0);
    assert_int_equal(p->n_roles, 1);
    assert_string_equal(p->roles[0]->role, "head_of_state");
    assert_string_equal(p->roles[0]->title, "President of Russia");
    assert_string_equal(p->roles[0]->start, "2012-05-07");
    assert_string_equal(p->roles[0]->end, "");
    assert_int_equal(p->n_warrants, 1);
    assert_string_equal(p->warrants[0]->court, "ICC");
    assert_string_equal(p->warrants[0]->issued, "2023-03-17");
    assert_string_equal(p->warrants[0]->status, "outstanding");
    assert_string_equal(p->warrants[0]->reference, "ICC-01/22");

    const Attache__V1__CountryMention *kaz = country(ev, "KAZ");
    assert_non_null(kaz);
    /* Both treaties have a row for Kazakhstan (the NPT since round 3). */
    assert_int_equal(kaz->n_treaties, 2);
    assert_string_equal(kaz->treaties[0]->treaty, "rome_statute");
    assert_int_equal(kaz->treaties[0]->status,
                     ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY);
    assert_string_equal(kaz->treaties[1]->treaty, "npt");
    assert_int_equal(kaz->treaties[1]->status, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);

    assert_int_equal(ev->n_alerts, 1);
    const Attache__V1__Alert *al = ev->alerts[0];
    assert_string_equal(al->rule, "warrant_exposure");
    assert_string_equal(al->actor, "Q7747");
    assert_string_equal(al->country, "KAZ");
    /* Not bound: info at most. */
    assert_int_equal(al->severity, ATTACHE__V1__SEVERITY__SEVERITY_INFO);
    assert_non_null(strstr(al->message, "Vladimir Putin"));
    assert_non_null(strstr(al->message, "2023-03-17"));
    assert_non_null(strstr(al->message, "Kazakhstan"));
    assert_non_null(strstr(al->message, "not a party"));
    assert_non_null(strstr(al->message, "non_signatory"));
    at_enrich_event_free(&ev);
    assert_null(ev);
}

static void test_model_case_ulaanbaatar(void **state)
{
    at_enrich_t *e = *state;
    Attache__V1__Event *ev =
        enrich(e, item("Putin visits Mongolia despite ICC warrant",
                       "ULAANBAATAR \xE2\x80\x94 Mongolia gave Vladimir Putin a red-carpet "
                       "welcome on Tuesday.",
                       T(2024, 9, 3, 6, 0, 0)));
    assert_string_equal(ev->reference_date, "2024-09-03");
    assert_int_equal(ev->n_locations, 1);
    assert_string_equal(ev->locations[0]->code, "MNG");
    assert_string_equal(ev->locations[0]->place, "Ulaanbaatar");
    assert_string_equal(ev->locations[0]->basis, "dateline");
    const Attache__V1__CountryMention *mng = country(ev, "MNG");
    assert_non_null(mng);
    assert_int_equal(mng->treaties[0]->status, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    assert_string_equal(mng->treaties[0]->signed_, "2000-12-29");
    assert_string_equal(mng->treaties[0]->consent_type, "ratification");
    assert_string_equal(mng->treaties[0]->consent, "2002-04-11");
    assert_string_equal(mng->treaties[0]->in_force, "2002-07-01");
    assert_string_equal(mng->treaties[0]->withdrawal_notified, "");
    assert_non_null(strstr(mng->treaties[0]->source, "treaties.un.org"));

    assert_int_equal(ev->n_alerts, 1);
    const Attache__V1__Alert *al = ev->alerts[0];
    assert_string_equal(al->country, "MNG");
    assert_int_equal(al->severity, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_non_null(strstr(al->message, "Mongolia, a State Party"));
    assert_non_null(strstr(al->message, "arrest and surrender"));
    assert_non_null(strstr(al->message, "arts. 86, 89"));
    at_enrich_event_free(&ev);
}

static void test_warrant_not_before_issue(void **state)
{
    at_enrich_t *e = *state;
    /* The day before the warrant: no warrant, no alert. */
    Attache__V1__Event *ev =
        enrich(e, item("Putin in Ulaanbaatar", "ULAANBAATAR - Putin met officials.",
                       T(2023, 3, 16, 23, 59, 59)));
    const Attache__V1__ActorMention *p = actor(ev, "Q7747");
    assert_non_null(p);
    assert_int_equal(p->n_warrants, 0);
    assert_int_equal(ev->n_alerts, 0);
    at_enrich_event_free(&ev);
    /* The issue day itself: outstanding, alert. */
    ev = enrich(e, item("Putin in Ulaanbaatar", "ULAANBAATAR - Putin met officials.",
                        T(2023, 3, 17, 0, 0, 0)));
    assert_int_equal(actor(ev, "Q7747")->n_warrants, 1);
    assert_int_equal(ev->n_alerts, 1);
    at_enrich_event_free(&ev);
}

static void test_pending_withdrawal_and_withdrawn(void **state)
{
    at_enrich_t *e = *state;
    /* Hungary: notified 2025-06-02 (effective 2026-06-02 had it stood),
     * revoked 2026-05-29. */
    Attache__V1__Event *ev =
        enrich(e, item("Netanyahu lands in Budapest",
                       "Netanyahu was received by Hungarian officials.", T(2025, 4, 3, 10, 0, 0)));
    assert_int_equal(ev->n_locations, 1);
    assert_string_equal(ev->locations[0]->basis, "travel"); /* "lands in" */
    assert_string_equal(ev->locations[0]->code, "HUN");
    assert_int_equal(ev->n_alerts, 1);
    assert_int_equal(ev->alerts[0]->severity, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_int_equal(country(ev, "HUN")->treaties[0]->status,
                     ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    at_enrich_event_free(&ev);

    ev = enrich(e, item("Netanyahu lands in Budapest", "", T(2026, 5, 28, 23, 0, 0)));
    assert_int_equal(country(ev, "HUN")->treaties[0]->status,
                     ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING);
    assert_string_equal(country(ev, "HUN")->treaties[0]->withdrawal_notified, "2025-06-02");
    assert_string_equal(country(ev, "HUN")->treaties[0]->withdrawal_effective, "");
    assert_string_equal(country(ev, "HUN")->treaties[0]->withdrawal_revoked, "");
    assert_int_equal(ev->alerts[0]->severity, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_non_null(strstr(ev->alerts[0]->message, "notified 2025-06-02, takes effect 2026-06-02"));
    at_enrich_event_free(&ev);

    /* The revocation: a party again, still after the day it would have
     * left. */
    ev = enrich(e, item("Netanyahu lands in Budapest", "", T(2026, 6, 2, 0, 0, 0)));
    assert_int_equal(country(ev, "HUN")->treaties[0]->status,
                     ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    assert_string_equal(country(ev, "HUN")->treaties[0]->withdrawal_revoked, "2026-05-29");
    assert_string_equal(country(ev, "HUN")->treaties[0]->withdrawal_effective, "");
    assert_int_equal(ev->alerts[0]->severity, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    at_enrich_event_free(&ev);

    /* The Philippines: withdrawal effective 2019-03-17. */
    ev = enrich(e, item("Netanyahu lands in Manila", "", T(2025, 1, 6, 0, 0, 0)));
    assert_string_equal(ev->locations[0]->code, "PHL");
    assert_int_equal(country(ev, "PHL")->treaties[0]->status,
                     ATTACHE__V1__TREATY_STATE__TREATY_STATE_WITHDRAWN);
    assert_string_equal(country(ev, "PHL")->treaties[0]->withdrawal_effective, "2019-03-17");
    assert_int_equal(ev->alerts[0]->severity, ATTACHE__V1__SEVERITY__SEVERITY_INFO);
    assert_non_null(strstr(ev->alerts[0]->message, "(status on 2025-01-06: withdrawn)"));
    at_enrich_event_free(&ev);
}

static void test_complete_list_status(void **state)
{
    at_enrich_t *e = *state;
    /* The Rome Statute list is complete: Niger's row is in the table, so
     * a wanted person's visit to Niamey raises the arrest-duty alert.
     * Its NPT row (round 9) is a bound, 1997-07-31: party by then. */
    Attache__V1__Event *ev = enrich(e, item("Putin to visit Niamey", "", T(2024, 7, 3, 12, 0, 0)));
    const Attache__V1__CountryMention *ner = country(ev, "NER");
    assert_non_null(ner);
    assert_int_equal(ner->n_treaties, 2);
    assert_string_equal(ner->treaties[0]->treaty, "rome_statute");
    assert_int_equal(ner->treaties[0]->status, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    assert_string_equal(ner->treaties[1]->treaty, "npt");
    assert_int_equal(ner->treaties[1]->status, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    assert_int_equal(ev->n_alerts, 1);
    assert_int_equal(ev->alerts[0]->severity, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    at_enrich_event_free(&ev);
}

static void test_reference_day(void **state)
{
    at_enrich_t *e = *state;
    /* Biden's term ends 2025-01-20: held at 23:59:59 on the 19th, not at
     * midnight on the 20th. */
    Attache__V1__Event *ev = enrich(e, item("Biden speaks", "", T(2025, 1, 19, 23, 59, 59)));
    assert_string_equal(ev->reference_date, "2025-01-19");
    assert_int_equal(actor(ev, "Q6279")->n_roles, 1);
    assert_string_equal(actor(ev, "Q6279")->roles[0]->end, "2025-01-20");
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Biden speaks", "", T(2025, 1, 20, 0, 0, 0)));
    assert_string_equal(ev->reference_date, "2025-01-20");
    assert_int_equal(actor(ev, "Q6279")->n_roles, 0);
    at_enrich_event_free(&ev);

    /* No published time: the fetch time decides. */
    Attache__V1__NewsItem *it = item("Trump speaks", "", 0);
    it->fetched = T(2021, 1, 19, 12, 0, 0);
    ev = enrich(e, it);
    assert_string_equal(ev->reference_date, "2021-01-19");
    assert_int_equal(actor(ev, "Q22686")->n_roles, 1);
    at_enrich_event_free(&ev);
    it = item("Trump speaks", "", 0);
    it->fetched = T(2021, 1, 20, 12, 0, 0);
    ev = enrich(e, it);
    assert_int_equal(actor(ev, "Q22686")->n_roles, 0);
    at_enrich_event_free(&ev);
    /* Published wins over fetched. */
    it = item("Trump speaks", "", T(2025, 1, 20, 0, 0, 1));
    it->fetched = T(2021, 1, 19, 12, 0, 0);
    ev = enrich(e, it);
    assert_string_equal(ev->reference_date, "2025-01-20");
    assert_int_equal(actor(ev, "Q22686")->n_roles, 1);
    assert_string_equal(actor(ev, "Q22686")->roles[0]->start, "2025-01-20");
    at_enrich_event_free(&ev);
}

static void test_treaty_fields_as_of_day(void **state)
{
    at_enrich_t *e = *state;
    Attache__V1__Event *ev = enrich(e, item("Ukraine ratifies", "", T(2024, 11, 1, 0, 0, 0)));
    const Attache__V1__TreatyStatus *ts = country(ev, "UKR")->treaties[0];
    assert_int_equal(ts->status, ATTACHE__V1__TREATY_STATE__TREATY_STATE_CONSENTED_NOT_IN_FORCE);
    assert_string_equal(ts->signed_, "2000-01-20");
    assert_string_equal(ts->consent, "2024-10-25");
    assert_string_equal(ts->in_force, "");
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Ukraine joins", "", T(2025, 1, 1, 0, 0, 0)));
    ts = country(ev, "UKR")->treaties[0];
    assert_int_equal(ts->status, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    assert_string_equal(ts->in_force, "2025-01-01");
    at_enrich_event_free(&ev);

    /* Revoked withdrawal and withdrawn accession reach the event. */
    ev = enrich(e, item("South Africa stays", "", T(2017, 3, 7, 0, 0, 0)));
    ts = country(ev, "ZAF")->treaties[0];
    assert_int_equal(ts->status, ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY);
    assert_string_equal(ts->withdrawal_notified, "2016-10-19");
    assert_string_equal(ts->withdrawal_revoked, "2017-03-07");
    assert_string_equal(ts->withdrawal_effective, "");
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Malaysia", "", T(2019, 4, 29, 0, 0, 0)));
    ts = country(ev, "MYS")->treaties[0];
    assert_int_equal(ts->status, ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY);
    assert_string_equal(ts->consent, "2019-03-04");
    assert_string_equal(ts->consent_withdrawn, "2019-04-29");
    at_enrich_event_free(&ev);
}

static void test_mentions_and_offsets(void **state)
{
    at_enrich_t *e = *state;
    const char *title = "Russia and Mongolia";
    const char *body = "Mongolian officials met Russian ones in Ulaanbaatar. Nigeria, not "
                       "Niger. A roast turkey. Papua New Guinea.";
    Attache__V1__Event *ev = enrich(e, item(title, body, T(2024, 9, 3, 0, 0, 0)));
    size_t base = strlen(title) + 2;
    assert_string_equal(codes(ev), "RUS MNG NGA NER PNG");

    const Attache__V1__CountryMention *rus = country(ev, "RUS");
    assert_int_equal(rus->mentions, 2);
    assert_int_equal(rus->first_offset, 0);
    assert_true(rus->in_title);
    assert_int_equal(rus->n_kinds, 2);
    assert_int_equal(rus->kinds[0], ATTACHE__V1__MENTION_KIND__MENTION_KIND_NAME);
    assert_int_equal(rus->kinds[1], ATTACHE__V1__MENTION_KIND__MENTION_KIND_DEMONYM);

    const Attache__V1__CountryMention *mng = country(ev, "MNG");
    assert_int_equal(mng->mentions, 3);
    assert_int_equal(mng->first_offset, 11);
    assert_int_equal(mng->n_kinds, 3);
    assert_int_equal(mng->kinds[2], ATTACHE__V1__MENTION_KIND__MENTION_KIND_CAPITAL);

    const Attache__V1__CountryMention *nga = country(ev, "NGA");
    assert_false(nga->in_title);
    assert_int_equal(nga->first_offset, base + (size_t)(strstr(body, "Nigeria") - body));
    assert_int_equal(nga->mentions, 1);
    assert_int_equal(country(ev, "NER")->mentions, 1);
    assert_null(country(ev, "TUR"));
    assert_null(country(ev, "GIN"));
    assert_int_equal(country(ev, "PNG")->mentions, 1);
    /* No dateline, no travel phrase, no capital or city in the title: no
     * location places the event; only the weak guess remains. */
    assert_int_equal(strong_locations(ev), 0);
    assert_string_equal(ev->locations[ev->n_locations - 1]->basis, "most_mentioned");
    at_enrich_event_free(&ev);
}

static void test_title_location_and_summary(void **state)
{
    at_enrich_t *e = *state;
    Attache__V1__NewsItem *it =
        item("Leaders gather in Ulan Bator and Moscow", "", T(2024, 9, 3, 0, 0, 0));
    it->summary = strdup("ASTANA - the summary starts with a dateline.");
    Attache__V1__Event *ev = enrich(e, it);
    /* The summary stands in for an empty body, dateline included. */
    assert_int_equal(strong_locations(ev), 2); /* the dateline, then the title's city */
    assert_string_equal(ev->locations[0]->place, "Astana");
    assert_string_equal(ev->locations[0]->basis, "dateline");
    assert_string_equal(codes(ev), "MNG RUS KAZ");
    at_enrich_event_free(&ev);

    ev = enrich(e, item("Leaders gather in Ulan Bator and Moscow", "No dateline here.",
                        T(2024, 9, 3, 0, 0, 0)));
    assert_int_equal(ev->n_locations, 1);
    assert_string_equal(ev->locations[0]->code, "MNG");
    assert_string_equal(ev->locations[0]->place, "Ulaanbaatar");
    assert_string_equal(ev->locations[0]->basis, "title");
    at_enrich_event_free(&ev);

    /* A capital only in the body, with no travel phrase, does not place
     * the event; it is only the most mentioned country. */
    ev = enrich(e, item("Summit news", "Leaders met in Moscow.", T(2024, 9, 3, 0, 0, 0)));
    assert_int_equal(strong_locations(ev), 0);
    assert_int_equal(ev->n_locations, 1);
    assert_string_equal(ev->locations[0]->basis, "most_mentioned");
    assert_string_equal(ev->locations[0]->code, "RUS");
    at_enrich_event_free(&ev);

    /* Dateline-only places: WASHINGTON as a dateline, not in text. */
    ev = enrich(e, item("Trump speaks",
                        "WASHINGTON (AP) \xE2\x80\x94 George Washington's "
                        "portrait was moved.",
                        T(2025, 3, 1, 0, 0, 0)));
    assert_int_equal(ev->n_locations, 1);
    assert_string_equal(ev->locations[0]->code, "USA");
    assert_string_equal(ev->locations[0]->place, "Washington");
    assert_null(country(ev, "USA"));   /* a location is not a mention */
    assert_int_equal(ev->n_alerts, 0); /* Trump has no warrant */
    at_enrich_event_free(&ev);
}

static void test_case_rules(void **state)
{
    at_enrich_t *e = *state;
    Attache__V1__Event *ev = enrich(
        e, item("A turkey recipe", "Roast the turkey. TURKEY DINNER.", T(2024, 11, 28, 0, 0, 0)));
    assert_int_equal(ev->n_countries, 0);
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Turkey and Türkiye", "ERDOGAN and Erdoğan", T(2024, 11, 28, 0, 0, 0)));
    assert_string_equal(codes(ev), "TUR");
    assert_int_equal(country(ev, "TUR")->mentions, 2);
    assert_int_equal(actor(ev, "Q39259")->mentions, 2);
    assert_string_equal(actor(ev, "Q39259")->roles[0]->title, "President of Türkiye");
    at_enrich_event_free(&ev);
}

/* Shared spellings and longest-match blockers (docs/data.md, "Ambiguity"):
 * the blocker's hit tags nothing, the default row of a shared spelling is
 * the one tagged, and a spelling without a default tags nothing. */
static void test_ambiguous_spellings(void **state)
{
    at_enrich_t *e = *state;
    Attache__V1__Event *ev =
        enrich(e, item("New Mexico governor meets Congolese envoy in London",
                       "Inner Mongolia, the Indian Ocean and Latin American markets; Valencia.",
                       T(2024, 11, 28, 0, 0, 0)));
    assert_string_equal(codes(ev), "GBR");
    assert_int_equal(ev->n_locations, 1);
    assert_string_equal(ev->locations[0]->place, "London");
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Mexico and Mongolia", "Indian troops; American officials.",
                        T(2024, 11, 28, 0, 0, 0)));
    assert_string_equal(codes(ev), "MEX MNG IND USA");
    at_enrich_event_free(&ev);
}

static void test_hostile_items(void **state)
{
    at_enrich_t *e = *state;
    /* Empty item. */
    Attache__V1__Event *ev = enrich(e, item("", "", 0));
    assert_int_equal(ev->n_countries, 0);
    assert_int_equal(ev->n_actors, 0);
    assert_int_equal(ev->n_locations, 0);
    assert_string_equal(ev->id, "item-1");
    at_enrich_event_free(&ev);

    /* NULL strings (a hand-built item) are treated as empty. */
    Attache__V1__NewsItem *it = item("", "", 0);
    it->title = NULL;
    it->body = NULL;
    it->summary = NULL;
    ev = enrich(e, it);
    assert_int_equal(ev->n_countries, 0);
    at_enrich_event_free(&ev);

    /* Invalid UTF-8 around and inside names. */
    ev = enrich(e, item("\xFF\xFERussia\xC3 \xC0\xAF Mongolia\xE2\x80\x99s",
                        "\xED\xA0\x80 Putin\xF4\x90\x80\x80 \x80 ASTANA \xFF - Kazakh\xE2\x80",
                        T(2024, 7, 3, 0, 0, 0)));
    assert_string_equal(codes(ev), "MNG KAZ");
    at_enrich_event_free(&ev);

    /* A huge body (larger than the scan limit) full of names. */
    size_t n = 20u * 1024u * 1024u;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i += 8)
        memcpy(big + i, "Russia, ", 8);
    memcpy(big, "MOSCOW -", 8);
    big[n] = '\0';
    it = item("Russia", NULL, T(2024, 7, 3, 0, 0, 0));
    it->body = big;
    ev = enrich(e, it);
    const Attache__V1__CountryMention *rus = country(ev, "RUS");
    assert_non_null(rus);
    assert_true(rus->mentions > 1000000);
    assert_true(rus->mentions <= 16u * 1024u * 1024u / 8u + 2u);
    assert_int_equal(ev->n_locations, 1);
    assert_string_equal(ev->locations[0]->place, "Moscow");
    at_enrich_event_free(&ev);

    /* Random bytes. */
    char *junk = malloc(65537);
    uint32_t x = 88172645u;
    for (size_t i = 0; i < 65536; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        junk[i] = (char)(x | 1); /* no NUL: it is a C string */
    }
    junk[65536] = '\0';
    it = item(NULL, NULL, 0);
    it->title = strdup(junk);
    it->body = junk;
    ev = enrich(e, it);
    at_enrich_event_free(&ev);
}

static void test_protobuf_roundtrip(void **state)
{
    at_enrich_t *e = *state;
    Attache__V1__Event *ev =
        enrich(e, item("Putin in Ulaanbaatar", "ULAANBAATAR \xE2\x80\x94 Putin, Mongolia, Russia.",
                       T(2024, 9, 3, 0, 0, 0)));
    size_t len = attache__v1__event__get_packed_size(ev);
    uint8_t *buf = malloc(len);
    assert_int_equal(attache__v1__event__pack(ev, buf), len);
    Attache__V1__Event *back = attache__v1__event__unpack(NULL, len, buf);
    free(buf);
    assert_non_null(back);
    assert_string_equal(back->reference_date, "2024-09-03");
    assert_int_equal(back->n_countries, ev->n_countries);
    assert_int_equal(back->n_alerts, 1);
    assert_string_equal(back->alerts[0]->message, ev->alerts[0]->message);
    assert_string_equal(back->item->title, "Putin in Ulaanbaatar");
    /* Both free the same way. */
    at_enrich_event_free(&back);
    at_enrich_event_free(&ev);
    at_enrich_event_free(&ev);
    at_enrich_event_free(NULL);
}

/* Issue 3 part 6: each actor's roles as of the item's day (none when out
 * of office), and warrants with their status as of that day. */
static void test_roles_and_warrants_as_of_day(void **state)
{
    at_enrich_t *e = *state;
    /* Putin was prime minister in 2010. */
    Attache__V1__Event *ev = enrich(e, item("Putin visits Paris", "", T(2010, 6, 1, 12, 0, 0)));
    const Attache__V1__ActorMention *p = actor(ev, "Q7747");
    assert_int_equal(p->n_roles, 1);
    assert_string_equal(p->roles[0]->role, "head_of_government");
    assert_string_equal(p->roles[0]->country, "RUS");
    assert_string_equal(p->roles[0]->title, "Prime Minister of Russia");
    assert_string_equal(p->roles[0]->start, "2008-05-08");
    assert_string_equal(p->roles[0]->end, "2012-05-07");
    assert_int_equal(p->n_warrants, 0); /* not issued yet */
    at_enrich_event_free(&ev);

    /* Blinken: Secretary of State in 2024, nothing in June 2025. */
    ev = enrich(e, item("Antony Blinken in Kyiv", "", T(2024, 5, 14, 8, 0, 0)));
    assert_int_equal(actor(ev, "Q7821917")->n_roles, 1);
    assert_string_equal(actor(ev, "Q7821917")->roles[0]->role, "foreign_minister");
    assert_string_equal(actor(ev, "Q7821917")->roles[0]->title, "United States Secretary of State");
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Blinken joins a think tank", "", T(2025, 6, 15, 8, 0, 0)));
    assert_non_null(actor(ev, "Q7821917"));
    assert_int_equal(actor(ev, "Q7821917")->n_roles, 0);
    at_enrich_event_free(&ev);

    /* Cameron: foreign secretary in March 2024, prime minister in 2015. */
    ev = enrich(e, item("David Cameron meets Wang Yi", "", T(2024, 3, 1, 8, 0, 0)));
    assert_int_equal(actor(ev, "Q192")->n_roles, 1);
    assert_string_equal(actor(ev, "Q192")->roles[0]->role, "foreign_minister");
    assert_string_equal(actor(ev, "Q192")->roles[0]->country, "GBR");
    at_enrich_event_free(&ev);
    ev = enrich(e, item("David Cameron wins election", "", T(2015, 5, 8, 8, 0, 0)));
    assert_int_equal(actor(ev, "Q192")->n_roles, 1);
    assert_string_equal(actor(ev, "Q192")->roles[0]->role, "head_of_government");
    assert_string_equal(actor(ev, "Q192")->roles[0]->title, "Prime Minister of the United Kingdom");
    at_enrich_event_free(&ev);

    /* A warrant that ended: Gaddafi's, terminated on 2011-11-22. It is
     * reported with its status on the day, and only an outstanding ICC
     * warrant makes an alert. */
    ev = enrich(e, item("Muammar Gaddafi in Tripoli", "", T(2011, 11, 21, 8, 0, 0)));
    assert_int_equal(actor(ev, "Q19878")->n_warrants, 1);
    assert_string_equal(actor(ev, "Q19878")->warrants[0]->status, "outstanding");
    assert_string_equal(actor(ev, "Q19878")->warrants[0]->issued, "2011-06-27");
    assert_string_equal(actor(ev, "Q19878")->warrants[0]->reference, "ICC-01/11-01/11");
    /* Outstanding on the day: no status date (the termination is ahead). */
    assert_string_equal(actor(ev, "Q19878")->warrants[0]->status_date, "");
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Muammar Gaddafi remembered", "", T(2011, 11, 22, 8, 0, 0)));
    assert_int_equal(actor(ev, "Q19878")->n_warrants, 1);
    assert_string_equal(actor(ev, "Q19878")->warrants[0]->status, "terminated");
    assert_string_equal(actor(ev, "Q19878")->warrants[0]->status_date, "2011-11-22");
    at_enrich_event_free(&ev);
    /* With a dateline in a State Party: an alert while the warrant is
     * outstanding, none once it was terminated. */
    ev = enrich(e, item("Muammar Gaddafi", "ULAANBAATAR (Reuters) - Reports of a visit.",
                        T(2011, 11, 21, 8, 0, 0)));
    assert_int_equal(ev->n_alerts, 1);
    assert_string_equal(ev->alerts[0]->country, "MNG");
    assert_string_equal(ev->alerts[0]->actor, "Q19878");
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Muammar Gaddafi", "ULAANBAATAR (Reuters) - Reports of a visit.",
                        T(2011, 11, 22, 8, 0, 0)));
    assert_int_equal(ev->n_locations, 1);
    assert_int_equal(ev->n_alerts, 0);
    at_enrich_event_free(&ev);
}

/* Surname-only forms: "Putin" alone names Putin; "Cameron" alone names
 * nobody (James Cameron is not David Cameron) without the full name
 * earlier in the item or an office title (test_rule_surnames). */
static void test_surname_forms(void **state)
{
    at_enrich_t *e = *state;
    Attache__V1__Event *ev =
        enrich(e, item("James Cameron's new film", "Cameron said the sequel is done.",
                       T(2024, 3, 1, 8, 0, 0)));
    assert_null(actor(ev, "Q192"));
    assert_int_equal(ev->n_actors, 0);
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Zelenskyy and Zelenskiy and Zelensky", "", T(2024, 3, 1, 8, 0, 0)));
    assert_int_equal(ev->n_actors, 1);
    assert_int_equal(actor(ev, "Q3874799")->mentions, 3);
    at_enrich_event_free(&ev);
}

/* --- disambiguation rules (docs/data.md, "Ambiguity", "Matching") ------- */

/* Countries of an item with the given title and body, as codes(). */
static const char *tagged(const at_enrich_t *e, const char *title, const char *body)
{
    static char buf[512];
    Attache__V1__Event *ev = enrich(e, item(title, body, T(2024, 11, 28, 0, 0, 0)));
    snprintf(buf, sizeof buf, "%s", codes(ev));
    at_enrich_event_free(&ev);
    return buf;
}

/* Lower-case common words and people's names are not countries. */
static void test_rule_common_words_and_names(void **state)
{
    at_enrich_t *e = *state;
    assert_string_equal(tagged(e, "Holiday table", "A turkey on fine china, chad in the ballot."),
                        "");
    assert_string_equal(tagged(e, "Drummer", "Chad Smith and Michael Jordan met Chad Daybell."),
                        "");
    assert_string_equal(tagged(e, "UFC", "Israel Adesanya won; Kobe Bryant was remembered."), "");
    /* A name before or after needs a capitalised, non-title word. */
    assert_string_equal(tagged(e, "Talks", "Israel and Jordan signed; President Putin left Chad."),
                        "ISR JOR TCD");
    assert_string_equal(tagged(e, "Talks", "On Monday Israel said so. Northern Kenya flooded."),
                        "ISR KEN");
    /* Institution words after a place are not surnames. */
    assert_string_equal(tagged(e, "Climate", "The Paris Agreement and Air India Express."),
                        "FRA IND");
    /* A neighbouring spelling is not a name: "Jordan" next to "Israel". */
    assert_string_equal(tagged(e, "Borders", "the Israel Jordan border"), "ISR JOR");
    /* Title Case headlines: a capital says nothing, so the rule is off. */
    assert_string_equal(tagged(e, "Israel Strikes Back At Critics", ""), "ISR");
}

/* Georgia: the US state with US context nearby, the country with its own
 * context; the item's other mentions follow. */
static void test_rule_georgia(void **state)
{
    at_enrich_t *e = *state;
    assert_string_equal(tagged(e, "Storm", "Flooding in Atlanta, Georgia, closed schools."),
                        "USA"); /* Atlanta */
    assert_string_equal(tagged(e, "Vote", "Georgia Governor Brian Kemp signed the bill."), "");
    assert_string_equal(tagged(e, "Vote", "Polls closed in Fulton County, Georgia."), "");
    assert_string_equal(tagged(e, "Vote", "Rallies in Georgia and Alabama drew crowds."), "");
    assert_string_equal(tagged(e, "Vote", "The U.S. state of Georgia certified results."), "USA");
    assert_string_equal(tagged(e, "Protest", "Thousands marched in Tbilisi, Georgia."), "GEO");
    assert_string_equal(tagged(e, "Protest", "Georgian police and the Caucasus."), "GEO");
    /* One sense per item: the later "Georgia" has no cue near it. */
    const char *state_story = "Savannah, Ga. - Officials in Georgia said the count was slow. "
                              "Tallies will be published on the state website as counties "
                              "report, and the process is expected to take most of the week. "
                              "By Friday, Georgia expects a result.";
    assert_string_equal(tagged(e, "Count", state_story), "");
    const char *country_story =
        "Georgia's parliament met in Tbilisi. A long paragraph about the session, its "
        "agenda and the opposition boycott follows here, with no other place named at all "
        "for a while. Later, a governor said Georgia would respond.";
    Attache__V1__Event *ev = enrich(e, item("Session", country_story, T(2024, 11, 28, 0, 0, 0)));
    assert_string_equal(codes(ev), "GEO");
    assert_int_equal(country(ev, "GEO")->mentions, 2); /* the cue-less one follows Tbilisi */
    at_enrich_event_free(&ev);
}

/* Shared spellings: context words choose the row; without any, the
 * default row, or nothing. */
static void test_rule_shared_spellings(void **state)
{
    at_enrich_t *e = *state;
    assert_string_equal(tagged(e, "Fire", "A fire in London, Ontario."), "CAN");
    assert_string_equal(tagged(e, "Fire", "A fire in London."), "GBR");
    assert_string_equal(tagged(e, "Rebels", "Fighting near Goma. Congo said the M23 advanced."),
                        "COD");
    assert_string_equal(tagged(e, "Rebels", "Congo said nothing."), "");
    assert_string_equal(tagged(e, "Floods", "Valencia, Spain was flooded."), "ESP");
}

/* Short forms only in capitals, and not where everything is in capitals. */
static void test_rule_short_forms(void **state)
{
    at_enrich_t *e = *state;
    assert_string_equal(tagged(e, "Letters", "Let us know; tell us why."), "");
    assert_string_equal(tagged(e, "TELL US WHY", "JOIN US"), "");
    assert_string_equal(tagged(e, "Trade", "The US and the UK signed; FBI, US officials said."),
                        "USA GBR");
}

/* Demonyms used as language names are not the country. */
static void test_rule_language_names(void **state)
{
    at_enrich_t *e = *state;
    assert_string_equal(tagged(e, "Quote",
                               "((es))Spanish language: hola. French-speaking "
                               "readers; it was translated into Persian."),
                        "");
    assert_string_equal(tagged(e, "Quote", "Spanish officials said in Spanish waters."), "ESP");
}

/* Surnames: a shared one ("Cameron", `surname_context`) counts after the
 * full name earlier in the item or right after an office the actor held;
 * any surname right after another given name is someone else's. */
static void test_rule_surnames(void **state)
{
    at_enrich_t *e = *state;
    int64_t d2015 = T(2015, 5, 8, 8, 0, 0);
    Attache__V1__Event *ev =
        enrich(e, item("Election", "David Cameron won. Cameron said he was humbled.", d2015));
    assert_int_equal(actor(ev, "Q192")->mentions, 2);
    at_enrich_event_free(&ev);
    ev = enrich(
        e, item("Film", "Cameron said the sequel is done. David Cameron was not there.", d2015));
    assert_int_equal(actor(ev, "Q192")->mentions, 1); /* the earlier "Cameron" does not count */
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Film", "David Cameron met James Cameron.", d2015));
    assert_int_equal(actor(ev, "Q192")->mentions, 1); /* never James Cameron */
    at_enrich_event_free(&ev);
    /* An office title strengthens a shared surname: only one he held. */
    ev = enrich(e, item("Visit", "Prime Minister Cameron arrived.", d2015));
    assert_non_null(actor(ev, "Q192"));
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Visit", "President Cameron arrived; prime minister Johnson left.", d2015));
    assert_int_equal(ev->n_actors, 0); /* Johnson was not prime minister until 2019 */
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Visit", "Foreign Secretary Johnson arrived.", T(2017, 1, 5, 0, 0, 0)));
    assert_non_null(actor(ev, "Q180589"));
    at_enrich_event_free(&ev);
    /* The title must name an office held on the item's day, unless it is
     * marked as past: Cameron was Prime Minister until 2016-07-13
     * (half-open). "Miliband" is shared by two brothers (a chain of
     * `surname_context` aliases): David, Foreign Secretary 2007-2010, and
     * Ed, Foreign Secretary from 2026-07-20; the title held on the day
     * picks one, and when both fit ("former", after 2026-07-20) neither. */
    const struct {
        const char *text;
        int64_t when;
        const char *qid;
        int found;
    } titled[] = {
        {"Prime Minister Cameron arrived.", T(2016, 7, 12, 23, 0, 0), "Q192", 1},
        {"Prime Minister Cameron arrived.", T(2016, 7, 13, 0, 0, 0), "Q192", 0},
        {"Former Prime Minister Cameron arrived.", T(2016, 7, 13, 0, 0, 0), "Q192", 1},
        {"Foreign Secretary Miliband spoke.", T(2026, 9, 23, 0, 0, 0), "Q272670", 0},
        {"Foreign Secretary Miliband spoke.", T(2026, 9, 23, 0, 0, 0), "Q216594", 1},
        {"Foreign Secretary Miliband spoke.", T(2026, 7, 19, 0, 0, 0), "Q216594", 0},
        {"Foreign Secretary Miliband spoke.", T(2009, 9, 23, 0, 0, 0), "Q272670", 1},
        {"Foreign Secretary Miliband spoke.", T(2009, 9, 23, 0, 0, 0), "Q216594", 0},
        {"then-Foreign Secretary Miliband spoke.", T(2026, 1, 15, 0, 0, 0), "Q272670", 1},
        {"former Foreign Secretary Miliband spoke.", T(2026, 9, 23, 0, 0, 0), "Q272670", 0},
        {"former Foreign Secretary Miliband spoke.", T(2026, 9, 23, 0, 0, 0), "Q216594", 0},
        {"Miliband spoke.", T(2026, 9, 23, 0, 0, 0), "Q216594", 0},
        /* The brothers Sharif, both Prime Minister of Pakistan. */
        {"Prime Minister Sharif spoke.", T(2015, 6, 1, 0, 0, 0), "Q134068", 1},
        {"Prime Minister Sharif spoke.", T(2015, 6, 1, 0, 0, 0), "Q2096387", 0},
        {"Prime Minister Sharif spoke.", T(2025, 6, 1, 0, 0, 0), "Q2096387", 1},
        {"Prime Minister Sharif spoke.", T(2025, 6, 1, 0, 0, 0), "Q134068", 0},
    };
    for (size_t i = 0; i < sizeof titled / sizeof *titled; i++) {
        ev = enrich(e, item("Titled", titled[i].text, titled[i].when));
        if ((actor(ev, titled[i].qid) != NULL) != titled[i].found)
            fail_msg("case %zu: %s: expected %s %s", i, titled[i].text, titled[i].qid,
                     titled[i].found ? "found" : "absent");
        at_enrich_event_free(&ev);
    }
    /* A shared spelling after the full name names that actor; after both
     * full names it names neither. */
    ev = enrich(e, item("UN", "Ed Miliband spoke. Miliband said.", T(2026, 9, 23, 0, 0, 0)));
    assert_int_equal(actor(ev, "Q216594")->mentions, 2);
    assert_null(actor(ev, "Q272670"));
    at_enrich_event_free(&ev);
    ev = enrich(e, item("UN", "David Miliband and Ed Miliband met. Miliband said.",
                        T(2026, 9, 23, 0, 0, 0)));
    assert_int_equal(actor(ev, "Q216594")->mentions, 1);
    assert_int_equal(actor(ev, "Q272670")->mentions, 1);
    at_enrich_event_free(&ev);
    /* A given name before a surname: someone else ("Hunter Biden"); a
     * title, an initial or a sentence opener is not a given name. */
    ev = enrich(e, item("Laptop", "Hunter Biden spoke.", T(2020, 10, 1, 0, 0, 0)));
    assert_null(actor(ev, "Q6279"));
    at_enrich_event_free(&ev);
    ev = enrich(e, item("Debate", "When Biden spoke, Mr Biden and Donald J. Trump listened.",
                        T(2020, 10, 1, 0, 0, 0)));
    assert_int_equal(actor(ev, "Q6279")->mentions, 2);
    assert_int_equal(actor(ev, "Q22686")->mentions, 1);
    at_enrich_event_free(&ev);
}

/* Many ambiguous hits in one item: every hit is decided with the words
 * near it and per-row facts about the item computed once, so a long item
 * of nothing but ambiguous names is still handled in one pass. */
static void test_rule_many_ambiguous_hits(void **state)
{
    at_enrich_t *e = *state;
    const char *unit = "London and Georgia, Chad Smith and Congo; ";
    size_t n = 20000, ul = strlen(unit);
    char *body = malloc(n * ul + 64);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++)
        memcpy(body + i * ul, unit, ul);
    strcpy(body + n * ul, "Atlanta, Georgia.");
    Attache__V1__Event *ev = enrich(e, item("Names", body, T(2024, 11, 28, 0, 0, 0)));
    assert_string_equal(codes(ev), "GBR USA"); /* Atlanta: USA; no GEO, TCD, COD */
    assert_int_equal(country(ev, "GBR")->mentions, n);
    at_enrich_event_free(&ev);
    free(body);
}

static void test_api_edges(void **state)
{
    at_enrich_t *e = *state;
    assert_string_equal(at_enrich_data_version(e), "2026-11-28");
    assert_true(at_enrich_country_count(e) >= 30);
    assert_true(at_enrich_alias_count(e) >= 100);
    assert_true(at_enrich_actor_count(e) >= 20);
    assert_string_equal(at_enrich_data_version(NULL), "");
    assert_int_equal(at_enrich_country_count(NULL), 0);

    Attache__V1__NewsItem *it = NULL;
    assert_null(at_enrich_item(e, &it, 0));
    assert_null(at_enrich_item(e, NULL, 0));
    /* A NULL engine still takes (and frees) the item. */
    it = item("Russia", "", 0);
    assert_null(at_enrich_item(NULL, &it, 0));
    assert_null(it);
    at_enrich_destroy(NULL);
}

/* --- load failures --------------------------------------------------------- */

static int load_enrich(td_fixture_t *f)
{
    at_enrich_t *e = at_enrich_new(f->dir, f->err, sizeof f->err);
    int rc = e ? 0 : -1;
    at_enrich_destroy(&e);
    return rc;
}

static int setup_copy(void **state)
{
    return td_setup_copy(state, load_enrich);
}

static void test_version_file(void **state)
{
    td_fixture_t *f = *state;
    at_enrich_t *e = at_enrich_new(f->dir, f->err, sizeof f->err);
    assert_non_null(e);
    at_enrich_destroy(&e);

    assert_int_equal(td_write_str(f->dir, "VERSION", "2026-11-28"), 0);
    td_expect_fail(f, "VERSION", 1, "ending in a newline");
    assert_int_equal(td_write_str(f->dir, "VERSION", "2026-11-31\n"), 0);
    td_expect_fail(f, "VERSION", 1, "'2026-11-31' is not a valid");
    assert_int_equal(td_write_str(f->dir, "VERSION", "2026-11-28\nmore\n"), 0);
    td_expect_fail(f, "VERSION", 1, "expected one line");
    assert_int_equal(td_write(f->dir, "VERSION", "2026-11-2\0\n", 11), 0);
    td_expect_fail(f, "VERSION", 1, "expected one line");
    assert_int_equal(td_write_str(f->dir, "VERSION", "2026-11-28\r\n"), 0);
    e = at_enrich_new(f->dir, f->err, sizeof f->err);
    assert_non_null(e);
    at_enrich_destroy(&e);
    char path[1200];
    snprintf(path, sizeof path, "%s/VERSION", f->dir);
    unlink(path);
    td_expect_fail(f, "VERSION", 0, "cannot open");
}

static void test_missing_dir(void **state)
{
    (void)state;
    char err[512];
    assert_null(at_enrich_new("/nonexistent/attache-data", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/attache-data/VERSION:0: cannot open"));
    assert_null(at_enrich_new(NULL, err, sizeof err));
    assert_null(at_enrich_new("/nonexistent", NULL, 0)); /* no err buffer: no crash */
}

static void test_spelling_collision(void **state)
{
    td_fixture_t *f = *state;
    /* An actor spelled like a country alias: one spelling, two meanings. */
    assert_int_equal(td_append(f->dir, "actor_aliases.tsv",
                               "Q7747\tRussia\tfull\texact\t\thttps://example.org\t2026-11-28\n"),
                     0);
    char *s = td_read(f->dir, "actor_aliases.tsv");
    int line = 0;
    for (char *p = s; *p; p++)
        line += *p == '\n';
    free(s);
    td_expect_fail(f, "actor_aliases.tsv", line,
                   "alias 'Russia' (or its ALL-CAPS form) is the same");
    assert_non_null(strstr(f->err, "aliases.tsv:"));
}

static void test_caps_collision(void **state)
{
    td_fixture_t *f = *state;
    /* "Usa" with caps would also match "USA", which is already a spelling
     * (the gazetteer finds it before the matcher would). */
    assert_int_equal(
        td_append(f->dir, "aliases.tsv",
                  "USA\tUsa\tabbreviation\tcaps\t\t\t\t\thttps://example.org\t2026-11-28\n"),
        0);
    at_enrich_t *e = at_enrich_new(f->dir, f->err, sizeof f->err);
    assert_null(e);
    assert_non_null(strstr(f->err, "alias 'Usa' (or its ALL-CAPS form) is also at"));
}

static void test_no_rome_statute(void **state)
{
    td_fixture_t *f = *state;
    /* Rename the treaty everywhere: the data is consistent, but the alert
     * rule has nothing to work with. */
    char *s = td_read(f->dir, "participation.tsv");
    for (char *p = s; (p = strstr(p, "rome_statute")) != NULL; p += 12)
        memcpy(p, "rome_statut2", 12);
    assert_int_equal(td_write_str(f->dir, "participation.tsv", s), 0);
    free(s);
    assert_int_equal(td_edit(f->dir, "treaties.tsv", "rome_statute\t", "rome_statut2\t"), 0);
    td_expect_fail(f, "treaties.tsv", 0, "no 'rome_statute' row");
}

static void test_bad_file_fails_whole_load(void **state)
{
    td_fixture_t *f = *state;
    /* One bad byte in the last-loaded table still fails everything. */
    assert_int_equal(td_edit(f->dir, "warrants.tsv", "ICC-01/18", "ICC-01/18\xC0"), 0);
    char *s = td_read(f->dir, "warrants.tsv");
    int line = 1;
    for (char *p = s; p < strstr(s, "ICC-01/18"); p++)
        line += *p == '\n';
    free(s);
    td_expect_fail(f, "warrants.tsv", line, "invalid UTF-8");
}

/* A partial list: a state without a row has an unknown status, which is
 * left out of the event and never called "non_signatory". The shipped
 * Rome Statute list is complete, so the test marks a copy partial and
 * drops Niger's row. */
static void test_unknown_status_is_not_called_non_party(void **state)
{
    td_fixture_t *f = *state;
    assert_int_equal(
        td_edit(f->dir, "treaties.tsv", "\tyears_after:1\tyes\t", "\tyears_after:1\tno\t"), 0);
    assert_int_equal(
        td_edit(f->dir, "participation.tsv", "\nrome_statute\tNER\t", "\n#rome_statute\tNER\t"), 0);
    at_enrich_t *e = at_enrich_new(f->dir, f->err, sizeof f->err);
    if (!e)
        fail_msg("%s", f->err);
    Attache__V1__Event *ev = enrich(e, item("Putin to visit Niamey", "", T(2024, 7, 3, 12, 0, 0)));
    const Attache__V1__CountryMention *ner = country(ev, "NER");
    assert_non_null(ner);
    /* Only the NPT entry is left: the Rome Statute's is unknown. */
    assert_int_equal(ner->n_treaties, 1);
    assert_string_equal(ner->treaties[0]->treaty, "npt");
    assert_int_equal(ev->n_alerts, 1);
    assert_int_equal(ev->alerts[0]->severity, ATTACHE__V1__SEVERITY__SEVERITY_NOTICE);
    assert_null(strstr(ev->alerts[0]->message, "not a party"));
    assert_non_null(strstr(ev->alerts[0]->message, "not in the reference data"));
    at_enrich_event_free(&ev);
    at_enrich_destroy(&e);
}

/* A term known only between two dated records (first_seen, last_seen):
 * reported on those days and between, with no start or end, and not on
 * the day before or after. The row is Biden's presidency, rewritten in a
 * copy of the tables. */
static void test_seen_term_in_event(void **state)
{
    td_fixture_t *f = *state;
    assert_int_equal(td_edit(f->dir, "roles.tsv",
                             "President of the United States\t2021-01-20\t\t2025-01-20\t\tsole",
                             "President of the United States\t\t2021-06-01\t\t2024-06-01\tsole"),
                     0);
    at_enrich_t *e = at_enrich_new(f->dir, f->err, sizeof f->err);
    if (!e)
        fail_msg("%s", f->err);
    static const struct {
        int y, m, d, held;
    } days[] = {{2021, 5, 31, 0}, {2021, 6, 1, 1}, {2024, 6, 1, 1}, {2024, 6, 2, 0}};
    for (size_t i = 0; i < sizeof days / sizeof *days; i++) {
        Attache__V1__Event *ev =
            enrich(e, item("Biden speaks", "", T(days[i].y, days[i].m, days[i].d, 12, 0, 0)));
        const Attache__V1__ActorMention *b = actor(ev, "Q6279");
        assert_non_null(b);
        assert_int_equal(b->n_roles, days[i].held);
        if (days[i].held) {
            assert_string_equal(b->roles[0]->role, "head_of_state");
            assert_string_equal(b->roles[0]->start, "");
            assert_string_equal(b->roles[0]->first_seen, "2021-06-01");
            assert_string_equal(b->roles[0]->end, "");
            assert_string_equal(b->roles[0]->last_seen, "2024-06-01");
        }
        at_enrich_event_free(&ev);
    }
    at_enrich_destroy(&e);
}

/* Travel phrases place the event, and so feed the alert rules; weak
 * guesses never do. */
static void test_travel_phrases(void **state)
{
    at_enrich_t *e = *state;
    Attache__V1__Event *ev =
        enrich(e, item("Kremlin confirms trip",
                       "Russian President Vladimir Putin arrived in Ulaanbaatar on Monday evening.",
                       T(2024, 9, 2, 18, 0, 0)));
    assert_int_equal(strong_locations(ev), 1);
    assert_string_equal(ev->locations[0]->basis, "travel");
    assert_string_equal(ev->locations[0]->place, "Ulaanbaatar");
    assert_int_equal(ev->n_alerts, 1);
    assert_string_equal(ev->alerts[0]->country, "MNG");
    at_enrich_event_free(&ev);

    /* A country after the phrase, with "the" in between, counts too. */
    ev = enrich(e, item("Talks", "Vladimir Putin will travel to the Philippines next week.",
                        T(2024, 9, 2, 0, 0, 0)));
    assert_string_equal(ev->locations[0]->basis, "travel");
    assert_string_equal(ev->locations[0]->code, "PHL");
    assert_string_equal(ev->locations[0]->place, "");
    at_enrich_event_free(&ev);

    /* Not travel: the phrase must end right before the place, as words. */
    const char *no[] = {"Putin's visitors to Mongolia were few.",
                        "Putin criticised the trip. Mongolia said nothing.",
                        "Putin revisited Mongolia's stance.", "Mongolia hosted by nobody."};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        ev = enrich(e, item("Talks", no[i], T(2024, 9, 2, 0, 0, 0)));
        assert_int_equal(strong_locations(ev), 0);
        assert_int_equal(ev->n_alerts, 0); /* a weak guess never alerts */
        at_enrich_event_free(&ev);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_case_astana),
        cmocka_unit_test(test_model_case_ulaanbaatar),
        cmocka_unit_test(test_warrant_not_before_issue),
        cmocka_unit_test(test_pending_withdrawal_and_withdrawn),
        cmocka_unit_test(test_complete_list_status),
        cmocka_unit_test(test_reference_day),
        cmocka_unit_test(test_treaty_fields_as_of_day),
        cmocka_unit_test(test_mentions_and_offsets),
        cmocka_unit_test(test_title_location_and_summary),
        cmocka_unit_test(test_travel_phrases),
        cmocka_unit_test(test_case_rules),
        cmocka_unit_test(test_ambiguous_spellings),
        cmocka_unit_test(test_hostile_items),
        cmocka_unit_test(test_protobuf_roundtrip),
        cmocka_unit_test(test_roles_and_warrants_as_of_day),
        cmocka_unit_test(test_surname_forms),
        cmocka_unit_test(test_rule_common_words_and_names),
        cmocka_unit_test(test_rule_georgia),
        cmocka_unit_test(test_rule_shared_spellings),
        cmocka_unit_test(test_rule_short_forms),
        cmocka_unit_test(test_rule_language_names),
        cmocka_unit_test(test_rule_surnames),
        cmocka_unit_test(test_rule_many_ambiguous_hits),
        cmocka_unit_test(test_api_edges),
    };
    const struct CMUnitTest load_tests[] = {
        cmocka_unit_test(test_missing_dir),
        cmocka_unit_test_setup_teardown(test_version_file, setup_copy, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_spelling_collision, setup_copy, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_caps_collision, setup_copy, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_no_rome_statute, setup_copy, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_seen_term_in_event, setup_copy, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_unknown_status_is_not_called_non_party, setup_copy,
                                        td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_bad_file_fails_whole_load, setup_copy,
                                        td_teardown_copy),
    };
    int failed = cmocka_run_group_tests(tests, td_setup_enrich, td_teardown_enrich);
    failed += cmocka_run_group_tests(load_tests, NULL, NULL);
    return failed;
}
