/*
 * at_enrich: turns a NewsItem into an Event.
 *
 * This is the library behind attache-enrich and `attache enrich`. It owns
 * the loaded reference data (countries and their aliases, treaty
 * participation, actors with dated roles and warrants) and applies it to
 * an item as of the item's reference date: its published day, or the day
 * it was fetched when the producer gave none.
 *
 * The engine here is deliberately small (see the enrichment-engine issue
 * for the full one); callers only see this interface, so it can be
 * replaced without touching the daemons. The tables, the status rules and
 * the matching rules are documented in docs/data.md.
 */
#ifndef AT_ENRICH_H
#define AT_ENRICH_H

#include <stddef.h>
#include <stdint.h>

#include "at_alerts.h"
#include "at_time.h"
#include "attache/v1/attache.pb-c.h"

typedef struct at_enrich at_enrich_t;

/* Load and validate every table under data_dir (VERSION, countries.tsv,
 * aliases.tsv, places.tsv, treaties.tsv, participation.tsv, actors.tsv,
 * actor_aliases.tsv, roles.tsv, warrants.tsv). Any error (missing file,
 * bad row, bad date, a date that disagrees with the treaty's rules, unknown
 * country code in a reference, one spelling with two meanings) fails the
 * whole load: returns NULL with "file:line: reason" in err (err may be
 * NULL). Caller owns the result and must destroy it. */
at_enrich_t *at_enrich_new(const char *data_dir, char *err, size_t errlen);

/* Destroy; NULL-safe, nulls the caller's pointer. */
void at_enrich_destroy(at_enrich_t **self_p);

/* Read data_dir/VERSION: exactly one line "YYYY-MM-DD". Fills version (the
 * string, NUL-terminated) and *day. Returns 0, or -1 with "file:line:
 * reason" in err. at_enrich_new calls it; `attache data check` too. */
int at_enrich_read_version(const char *data_dir, char version[11], at_day_t *day, char *err,
                           size_t errlen);

/* Replace the alert rules' settings (at_enrich_new starts with
 * at_alerts_config_default). Copies *cfg. Not to be called while another
 * thread enriches with self. */
void at_enrich_set_alerts(at_enrich_t *self, const at_alerts_config_t *cfg);

/* The data set's "as of" version string (data/VERSION), e.g. "2026-11-28". */
const char *at_enrich_data_version(const at_enrich_t *self);

/* Number of countries / country spellings (aliases.tsv + places.tsv) /
 * actors loaded (for logs and STATUS=). */
size_t at_enrich_country_count(const at_enrich_t *self);
size_t at_enrich_alias_count(const at_enrich_t *self);
size_t at_enrich_actor_count(const at_enrich_t *self);

/* Enrich one item. Takes ownership of *item_p (nulls it); the item becomes
 * ev->item. `now` (Unix seconds) stamps ev->enriched, and is the reference
 * day only when the item has neither `published` nor `fetched`. Returns the
 * event, or NULL on allocation failure or a NULL self (the item is freed
 * either way). Any bytes in the item's text are safe; at most the first
 * 16 MiB of title + text are scanned. Caller owns the result and must free
 * it with at_enrich_event_free. Thread-safe for concurrent calls on one
 * at_enrich_t (the data is read-only). */
Attache__V1__Event *at_enrich_item(const at_enrich_t *self, Attache__V1__NewsItem **item_p,
                                   int64_t now);

/* Free an event from at_enrich_item or protobuf unpack. NULL-safe; nulls
 * the caller's pointer. */
void at_enrich_event_free(Attache__V1__Event **ev_p);

#endif
