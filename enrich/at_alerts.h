/*
 * at_alerts: the alert rules, applied to an event at_enrich has built.
 *
 * Two rules (docs/data.md, "Alerts"):
 *
 * - warrant_exposure: an actor with an ICC warrant outstanding on the
 *   item's day, in a location that places the event, in a state bound by
 *   the Rome Statute that day (party, or party with a withdrawal pending):
 *   high severity. In a state that is not bound, at most an info record.
 * - status_change: a country the event names or is placed in whose status
 *   under a treaty changed on a day within window_days of the item's day
 *   (or will change then, when that change was already scheduled on the
 *   item's day), so monitors see withdrawals and accessions as they happen.
 *
 * Each rule can be turned off and given its severities, through the
 * alerts.* config keys (AT_ALERTS_CONFIG_KEYS) of attache-enrich and the
 * --set option of `attache enrich`. The rules only read the reference data;
 * they are a pure function of (config, data, event, day).
 */
#ifndef AT_ALERTS_H
#define AT_ALERTS_H

#include <stdbool.h>
#include <stddef.h>

#include "at_actors.h"
#include "at_config.h"
#include "at_gazetteer.h"
#include "at_time.h"
#include "at_treaty.h"
#include "attache/v1/attache.pb-c.h"

/* The rules' settings. A severity of SEVERITY_UNSPECIFIED ("off") means
 * that case raises no alert. */
typedef struct {
    bool warrant_enabled;
    Attache__V1__Severity warrant_party;     /* bound state: party, withdrawal pending */
    Attache__V1__Severity warrant_non_party; /* known status, not bound: off or info */
    Attache__V1__Severity warrant_unknown;   /* status not in the reference data */
    bool status_change_enabled;
    Attache__V1__Severity status_change;
    int status_change_days; /* |transition day - item day| <= this */
} at_alerts_config_t;

/* The alerts.* keys, for a daemon's at_cfg_def_t table (every one is
 * reloadable on SIGHUP). */
#define AT_ALERTS_CONFIG_KEYS                                                                      \
    {"alerts.warrant_exposure.enabled",                                                            \
     AT_CFG_BOOL,                                                                                  \
     "true",                                                                                       \
     0,                                                                                            \
     0,                                                                                            \
     NULL,                                                                                         \
     true,                                                                                         \
     "Rule warrant_exposure: an actor with an outstanding ICC warrant located in a state."},       \
        {"alerts.warrant_exposure.severity",                                                       \
         AT_CFG_ENUM,                                                                              \
         "critical",                                                                               \
         0,                                                                                        \
         0,                                                                                        \
         "info|notice|warning|critical",                                                           \
         true,                                                                                     \
         "Severity of warrant_exposure in a state bound by the Rome Statute on the item's day "    \
         "(party, or party with a withdrawal pending): the issue's \"high\" is critical."},        \
        {"alerts.warrant_exposure.non_party_severity",                                             \
         AT_CFG_ENUM,                                                                              \
         "info",                                                                                   \
         0,                                                                                        \
         0,                                                                                        \
         "off|info",                                                                               \
         true,                                                                                     \
         "Severity of warrant_exposure in a state whose known status does not bind it "            \
         "(non-signatory, signatory, withdrawn, ...): info at most; off drops the record."},       \
        {"alerts.warrant_exposure.unknown_severity",                                               \
         AT_CFG_ENUM,                                                                              \
         "notice",                                                                                 \
         0,                                                                                        \
         0,                                                                                        \
         "off|info|notice|warning|critical",                                                       \
         true,                                                                                     \
         "Severity of warrant_exposure in a state whose Rome Statute status is not in the "        \
         "reference data (it may be a party)."},                                                   \
        {"alerts.status_change.enabled",                                                           \
         AT_CFG_BOOL,                                                                              \
         "true",                                                                                   \
         0,                                                                                        \
         0,                                                                                        \
         NULL,                                                                                     \
         true,                                                                                     \
         "Rule status_change: a country in the event whose treaty status changed within "          \
         "alerts.status_change.window_days of the item's day."},                                   \
        {"alerts.status_change.severity",                                                          \
         AT_CFG_ENUM,                                                                              \
         "notice",                                                                                 \
         0,                                                                                        \
         0,                                                                                        \
         "info|notice|warning|critical",                                                           \
         true,                                                                                     \
         "Severity of status_change alerts."},                                                     \
    {                                                                                              \
        "alerts.status_change.window_days", AT_CFG_INT, "30", 0, 366, NULL, true,                  \
            "A status change counts when its day is at most this many days before or after the "   \
            "item's day."                                                                          \
    }

/* The same keys as a table of their own (`attache enrich --set`). */
extern const at_cfg_def_t at_alerts_config_table[];

/* The defaults (the same as the table's). */
void at_alerts_config_default(at_alerts_config_t *out);

/* Read the alerts.* keys of cfg (a config built from a table that holds
 * AT_ALERTS_CONFIG_KEYS; at_config has already checked each value). 0, or
 * -1 with "key = 'value': reason" in err. */
int at_alerts_config_read(const at_config_t *cfg, at_alerts_config_t *out, char *err,
                          size_t errlen);

/* "off" -> SEVERITY_UNSPECIFIED, "info" ... "critical". 0, or -1 for any
 * other word. */
int at_alerts_severity_parse(const char *name, Attache__V1__Severity *out);

/* Whether a transition on day d is within `days` of the item's day:
 * |d - item_day| <= days, i.e. d in the half-open [item_day - days,
 * item_day + days + 1). */
bool at_alerts_in_window(at_day_t d, at_day_t item_day, int days);

/* The reference data the rules read (borrowed; must outlive the call). */
typedef struct {
    const at_gazetteer_t *gaz;
    const at_treaty_t *treaty;
    const at_actors_t *actors;
    size_t rome; /* index of the Rome Statute in treaty */
} at_alerts_data_t;

/* A location that places the event (dateline, travel, title): its country
 * (gazetteer index) and how the message says it ("is reported in"). */
typedef struct {
    size_t country;
    const char *where;
} at_alerts_place_t;

/* Append the alerts of every enabled rule to ev->alerts (warrant_exposure
 * first, then status_change). Reads ev->actors and ev->countries, which
 * must be filled; places are the locations that place the event. 0, or -1
 * on allocation failure (ev stays freeable with
 * protobuf_c_message_free_unpacked). */
int at_alerts_apply(const at_alerts_config_t *cfg, const at_alerts_data_t *data,
                    Attache__V1__Event *ev, const at_alerts_place_t *places, size_t nplaces,
                    at_day_t day);

#endif
