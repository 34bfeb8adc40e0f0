/*
 * at_alerts: warrant_exposure and status_change (see at_alerts.h; the
 * rules and their messages are documented in docs/data.md, "Alerts").
 *
 * Alerts are built the way protobuf-c's unpack would allocate them (every
 * set string strdup'd, unset ones left at protobuf_c_empty_string), so an
 * event is freed the same way whether it came from here or off the wire.
 */
#include "at_alerts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_json.h"
#include "at_pbstr.h"

const at_cfg_def_t at_alerts_config_table[] = {
    AT_ALERTS_CONFIG_KEYS,
    AT_CFG_END,
};

static const struct {
    const char *name;
    Attache__V1__Severity sev;
} severities[] = {
    {"off", ATTACHE__V1__SEVERITY__SEVERITY_UNSPECIFIED},
    {"info", ATTACHE__V1__SEVERITY__SEVERITY_INFO},
    {"notice", ATTACHE__V1__SEVERITY__SEVERITY_NOTICE},
    {"warning", ATTACHE__V1__SEVERITY__SEVERITY_WARNING},
    {"critical", ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL},
};

int at_alerts_severity_parse(const char *name, Attache__V1__Severity *out)
{
    for (size_t i = 0; name && i < sizeof severities / sizeof *severities; i++)
        if (strcmp(name, severities[i].name) == 0) {
            *out = severities[i].sev;
            return 0;
        }
    return -1;
}

void at_alerts_config_default(at_alerts_config_t *out)
{
    *out = (at_alerts_config_t){
        .warrant_enabled = true,
        .warrant_party = ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL,
        .warrant_non_party = ATTACHE__V1__SEVERITY__SEVERITY_INFO,
        .warrant_unknown = ATTACHE__V1__SEVERITY__SEVERITY_NOTICE,
        .status_change_enabled = true,
        .status_change = ATTACHE__V1__SEVERITY__SEVERITY_NOTICE,
        .status_change_days = 30,
    };
}

static int read_severity(const at_config_t *cfg, const char *key, Attache__V1__Severity *out,
                         char *err, size_t errlen)
{
    const char *v = at_config_str(cfg, key);
    if (at_alerts_severity_parse(v, out) == 0)
        return 0;
    snprintf(err, errlen, "%s = '%s': not a severity (off, info, notice, warning, critical)", key,
             v);
    return -1;
}

int at_alerts_config_read(const at_config_t *cfg, at_alerts_config_t *out, char *err, size_t errlen)
{
    at_alerts_config_t c;
    at_alerts_config_default(&c);
    c.warrant_enabled = at_config_bool(cfg, "alerts.warrant_exposure.enabled");
    c.status_change_enabled = at_config_bool(cfg, "alerts.status_change.enabled");
    c.status_change_days = (int)at_config_int(cfg, "alerts.status_change.window_days");
    if (read_severity(cfg, "alerts.warrant_exposure.severity", &c.warrant_party, err, errlen) ||
        read_severity(cfg, "alerts.warrant_exposure.non_party_severity", &c.warrant_non_party, err,
                      errlen) ||
        read_severity(cfg, "alerts.warrant_exposure.unknown_severity", &c.warrant_unknown, err,
                      errlen) ||
        read_severity(cfg, "alerts.status_change.severity", &c.status_change, err, errlen))
        return -1;
    /* The invariant, kept even if the key's choices grow: a state
     * that is not bound never gets more than an info record. */
    if (c.warrant_non_party > ATTACHE__V1__SEVERITY__SEVERITY_INFO) {
        snprintf(err, errlen,
                 "alerts.warrant_exposure.non_party_severity = '%s': at most info (a state "
                 "not bound by the Rome Statute has no duty to arrest)",
                 at_config_str(cfg, "alerts.warrant_exposure.non_party_severity"));
        return -1;
    }
    *out = c;
    return 0;
}

bool at_alerts_in_window(at_day_t d, at_day_t item_day, int days)
{
    if (d == AT_DAY_NONE || item_day == AT_DAY_NONE || days < 0)
        return false;
    long long diff = (long long)d - (long long)item_day;
    return diff >= -(long long)days && diff <= (long long)days;
}

/* --- building alerts ----------------------------------------------------- */

static int set_fmt(char **field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_fmt(char **field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return -1;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (n == 0) {
        free(s);
        return 0;
    }
    *field = s;
    return 0;
}

/* A new alert at the end of ev->alerts, or NULL (out of memory; ev is
 * unchanged). */
static Attache__V1__Alert *push(Attache__V1__Event *ev, const char *rule, const char *actor,
                                const char *country, Attache__V1__Severity sev)
{
    Attache__V1__Alert *al =
        at_pb_append((void ***)&ev->alerts, &ev->n_alerts, &attache__v1__alert__descriptor);
    if (!al)
        return NULL;
    al->severity = sev;
    if (at_pbstr_set(&al->rule, rule) || at_pbstr_set(&al->actor, actor) ||
        at_pbstr_set(&al->country, country))
        return NULL;
    return al;
}

/* --- warrant_exposure ---------------------------------------------------- */

/* The ICC warrant the rule is about: the earliest one outstanding on day.
 * Only ICC warrants bind States Parties under the Rome Statute; warrants of
 * other courts do not trigger this rule. */
static const at_warrant_t *icc_outstanding(const at_actor_t *a, at_day_t day)
{
    for (size_t w = 0; w < a->nwarrants; w++) {
        const char *st = at_warrant_status(&a->warrants[w], day);
        if (st && strcmp(st, "outstanding") == 0 && strcmp(a->warrants[w].court, "ICC") == 0)
            return &a->warrants[w];
    }
    return NULL;
}

static int warrant_alert(const at_alerts_config_t *cfg, const at_alerts_data_t *data,
                         Attache__V1__Event *ev, const at_actor_t *a, const at_warrant_t *w,
                         const at_alerts_place_t *place, at_day_t day)
{
    at_treaty_status_t st;
    at_treaty_status(data->treaty, data->rome, place->country, day, &st);
    const at_country_t *c = at_gazetteer_country(data->gaz, place->country);
    char issued[16], dstr[16], wn[16], we[16];
    at_day_format(w->issued, issued, sizeof issued);
    at_day_format(day, dstr, sizeof dstr);
    const char *where = place->where;

    Attache__V1__Severity sev;
    switch (st.state) {
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY:
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING:
        sev = cfg->warrant_party;
        break;
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED:
        sev = cfg->warrant_unknown;
        break;
    default:
        sev = cfg->warrant_non_party;
        break;
    }
    if (sev == ATTACHE__V1__SEVERITY__SEVERITY_UNSPECIFIED)
        return 0; /* this case is turned off */
    Attache__V1__Alert *al = push(ev, "warrant_exposure", a->id, c->code, sev);
    if (!al)
        return -1;
    switch (st.state) {
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY:
        return set_fmt(&al->message,
                       "%s, subject of an ICC arrest warrant issued %s (%s), %s %s, "
                       "a State Party to the Rome Statute obliged to arrest and surrender "
                       "(arts. 86, 89)",
                       a->name, issued, w->reference, where, c->name);
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING:
        /* Still a party until the withdrawal takes effect (art. 127(1)),
         * with its obligations intact (art. 127(2)). */
        at_day_format(st.withdrawal_notified, wn, sizeof wn);
        at_day_format(st.withdrawal_due, we, sizeof we);
        return set_fmt(&al->message,
                       "%s, subject of an ICC arrest warrant issued %s (%s), %s %s, "
                       "a State Party to the Rome Statute obliged to arrest and surrender "
                       "(arts. 86, 89); its withdrawal, notified %s, takes effect %s",
                       a->name, issued, w->reference, where, c->name, wn, we);
    case ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED:
        return set_fmt(&al->message,
                       "%s, subject of an ICC arrest warrant issued %s (%s), %s %s, "
                       "whose Rome Statute status on %s is not in the reference data",
                       a->name, issued, w->reference, where, c->name, dstr);
    default:
        return set_fmt(&al->message,
                       "%s, subject of an ICC arrest warrant issued %s (%s), %s %s, "
                       "which is not a party to the Rome Statute (status on %s: %s)",
                       a->name, issued, w->reference, where, c->name, dstr,
                       at_json_treaty_state_name(st.state));
    }
}

static int warrant_exposure(const at_alerts_config_t *cfg, const at_alerts_data_t *data,
                            Attache__V1__Event *ev, const at_alerts_place_t *places, size_t nplaces,
                            at_day_t day)
{
    for (size_t i = 0; i < ev->n_actors; i++) {
        size_t ai;
        if (at_actors_find(data->actors, ev->actors[i]->id, &ai) != 0)
            continue;
        const at_actor_t *a = at_actors_get(data->actors, ai);
        const at_warrant_t *w = icc_outstanding(a, day);
        if (!w)
            continue;
        for (size_t l = 0; l < nplaces; l++)
            if (warrant_alert(cfg, data, ev, a, w, &places[l], day) != 0)
                return -1;
    }
    return 0;
}

/* --- status_change ------------------------------------------------------- */

/* Whether a transition after the item's day was already scheduled on that
 * day: an entry into force after a deposit, or a notified withdrawal taking
 * effect. Anything else after the item's day (a signature, a deposit, a
 * notification) was not known yet, and saying it would leak the future
 * into a replay of old news. */
static bool scheduled(const at_treaty_t *tr, size_t treaty, size_t country, at_day_t day,
                      const at_treaty_transition_t *t, bool first_after)
{
    if (!first_after)
        return false;
    at_treaty_status_t st;
    at_treaty_status(tr, treaty, country, day, &st);
    /* A deposit schedules entry into force, not a later withdrawal of the
     * instrument (Malaysia 2019): only the step to party counts. */
    return (st.state == ATTACHE__V1__TREATY_STATE__TREATY_STATE_CONSENTED_NOT_IN_FORCE &&
            t->to == ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY) ||
           (st.state == ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY_WITHDRAWAL_PENDING &&
            t->day == st.withdrawal_due);
}

/* Append "; " (after the first) and one transition to a growing message. */
static int describe(char **msg, size_t *len, const char *treaty_name, const char *treaty_id,
                    const at_treaty_transition_t *t, at_day_t day)
{
    char d[16], rel[48], part[640];
    at_day_format(t->day, d, sizeof d);
    long long diff = (long long)t->day - (long long)day;
    if (diff == 0)
        snprintf(rel, sizeof rel, "the item's day");
    else
        snprintf(rel, sizeof rel, "%lld day%s %s the item's day", diff < 0 ? -diff : diff,
                 diff == 1 || diff == -1 ? "" : "s", diff < 0 ? "before" : "after");
    int n = snprintf(part, sizeof part, "%s%s (%s) status %s from %s to %s on %s, %s",
                     *len ? "; " : "", treaty_name, treaty_id, diff <= 0 ? "changed" : "changes",
                     at_json_treaty_state_name(t->from), at_json_treaty_state_name(t->to), d, rel);
    if (n < 0)
        return -1;
    size_t k = (size_t)n < sizeof part ? (size_t)n : sizeof part - 1;
    char *m = realloc(*msg, *len + k + 1);
    if (!m)
        return -1;
    memcpy(m + *len, part, k + 1);
    *msg = m;
    *len += k;
    return 0;
}

/* Append one transition to the alert's structured list (Alert.changes). */
static int add_change(Attache__V1__Alert *al, const char *treaty_id,
                      const at_treaty_transition_t *t)
{
    Attache__V1__StatusChange *c = at_pb_append((void ***)&al->changes, &al->n_changes,
                                                &attache__v1__status_change__descriptor);
    if (!c)
        return -1;
    c->from = t->from;
    c->to = t->to;
    char d[16];
    return at_pbstr_set(&c->treaty, treaty_id) ||
           at_pbstr_set(&c->date, at_day_format(t->day, d, sizeof d));
}

/* One alert per country, listing each treaty transition in the window:
 * sinks key alerts by (event, rule, actor, country). The message says it
 * in words; Alert.changes carries the same transitions for programs. */
static int country_changes(const at_alerts_config_t *cfg, const at_alerts_data_t *data,
                           Attache__V1__Event *ev, size_t country, at_day_t day)
{
    char *msg = NULL;
    size_t len = 0;
    /* The alert is made once the first transition is known to count. */
    Attache__V1__Alert *al = NULL;
    const at_country_t *c = at_gazetteer_country(data->gaz, country);
    for (size_t tr = 0; tr < at_treaty_count(data->treaty); tr++) {
        at_treaty_transition_t ts[AT_TREATY_MAX_TRANSITIONS];
        size_t n = at_treaty_transitions(data->treaty, tr, country, ts);
        bool seen_after = false;
        for (size_t k = 0; k < n; k++) {
            bool after = ts[k].day > day;
            bool first_after = after && !seen_after;
            seen_after |= after;
            if (!at_alerts_in_window(ts[k].day, day, cfg->status_change_days))
                continue;
            if (after && !scheduled(data->treaty, tr, country, day, &ts[k], first_after))
                continue;
            if (!al && !(al = push(ev, "status_change", NULL, c->code, cfg->status_change))) {
                free(msg);
                return -1;
            }
            if (describe(&msg, &len, at_treaty_name(data->treaty, tr),
                         at_treaty_id(data->treaty, tr), &ts[k], day) != 0 ||
                add_change(al, at_treaty_id(data->treaty, tr), &ts[k]) != 0) {
                free(msg);
                return -1;
            }
        }
    }
    if (!msg)
        return 0;
    int rc = set_fmt(&al->message, "%s: %s", c->name, msg);
    free(msg);
    return rc;
}

static int status_change(const at_alerts_config_t *cfg, const at_alerts_data_t *data,
                         Attache__V1__Event *ev, const at_alerts_place_t *places, size_t nplaces,
                         at_day_t day)
{
    /* The countries the event names, then those only its locations give
     * (a WASHINGTON dateline places an event without naming the country). */
    size_t nc = ev->n_countries;
    for (size_t i = 0; i < nc + nplaces; i++) {
        size_t country;
        if (i < nc) {
            if (at_gazetteer_country_find(data->gaz, ev->countries[i]->code, &country) != 0)
                continue;
        } else {
            country = places[i - nc].country;
            const char *code = at_gazetteer_country(data->gaz, country)->code;
            bool dup = false;
            for (size_t k = 0; k < nc && !dup; k++)
                dup = strcmp(ev->countries[k]->code, code) == 0;
            for (size_t k = 0; k < i - nc && !dup; k++)
                dup = places[k].country == country;
            if (dup)
                continue;
        }
        if (country_changes(cfg, data, ev, country, day) != 0)
            return -1;
    }
    return 0;
}

int at_alerts_apply(const at_alerts_config_t *cfg, const at_alerts_data_t *data,
                    Attache__V1__Event *ev, const at_alerts_place_t *places, size_t nplaces,
                    at_day_t day)
{
    if (!cfg || !data || !ev)
        return -1;
    if (cfg->warrant_enabled && warrant_exposure(cfg, data, ev, places, nplaces, day) != 0)
        return -1;
    if (cfg->status_change_enabled && status_change(cfg, data, ev, places, nplaces, day) != 0)
        return -1;
    return 0;
}
