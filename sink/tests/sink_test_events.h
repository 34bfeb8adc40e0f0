/*
 * sink_test_events.h: builds real attache.v1.Event messages for the
 * tests in sink/tests (header-only; include after <cmocka.h>).
 */
#ifndef SINK_TEST_EVENTS_H
#define SINK_TEST_EVENTS_H

#include <stdlib.h>
#include <string.h>

#include "attache/v1/attache.pb-c.h"

#include "at_json.h"
#include "at_sinkq.h"

/* An event with id, countries (codes, "" ends), an actor (or NULL) and
 * an alert (rule or NULL, severity). Returns its packed bytes; caller
 * frees. */
static inline uint8_t *test_event_pack(const char *id, const char *const *countries,
                                       const char *actor, const char *rule,
                                       Attache__V1__Severity sev, size_t *len)
{
    Attache__V1__NewsItem item = ATTACHE__V1__NEWS_ITEM__INIT;
    item.id = (char *)id;
    item.url = "https://example.org/x";
    item.title = "A title";
    item.published = 1719999600;
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    ev.id = (char *)id;
    ev.item = &item;
    ev.reference_date = "2024-07-03";
    ev.data_version = "test";
    Attache__V1__CountryMention cm[8], *cmp[8];
    size_t nc = 0;
    for (; countries && countries[nc] && *countries[nc] && nc < 8; nc++) {
        attache__v1__country_mention__init(&cm[nc]);
        cm[nc].code = (char *)countries[nc];
        cm[nc].name = (char *)countries[nc];
        cm[nc].mentions = 1;
        cmp[nc] = &cm[nc];
    }
    ev.n_countries = nc;
    ev.countries = cmp;
    Attache__V1__ActorMention am = ATTACHE__V1__ACTOR_MENTION__INIT, *amp = &am;
    if (actor) {
        am.id = (char *)actor;
        am.name = "Someone";
        am.mentions = 1;
        ev.n_actors = 1;
        ev.actors = &amp;
    }
    Attache__V1__Alert al = ATTACHE__V1__ALERT__INIT, *alp = &al;
    if (rule) {
        al.rule = (char *)rule;
        al.actor = (char *)(actor ? actor : "");
        al.country = (char *)(nc ? countries[0] : "");
        al.severity = sev;
        al.message = "test alert";
        ev.n_alerts = 1;
        ev.alerts = &alp;
    }
    *len = attache__v1__event__get_packed_size(&ev);
    uint8_t *buf = malloc(*len);
    attache__v1__event__pack(&ev, buf);
    return buf;
}

/* The same as a sink item (decoded, JSON rendered), or NULL. */
static inline at_sinkitem_t *test_item(const char *id, const char *const *countries,
                                       const char *actor, const char *rule,
                                       Attache__V1__Severity sev)
{
    size_t len;
    uint8_t *pb = test_event_pack(id, countries, actor, rule, sev, &len);
    Attache__V1__Event *ev = attache__v1__event__unpack(NULL, len, pb);
    char *json = ev ? at_json_event_dump(ev) : NULL;
    at_sinkitem_t *it = json ? at_sinkitem_new(&ev, &json, pb, len) : NULL;
    free(pb);
    return it;
}

#endif
