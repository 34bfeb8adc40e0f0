/*
 * at_sqlsink.c: the SQLite sink. See at_sqlsink.h; schema and queries in
 * docs/sqlite.md.
 *
 * Decisions worth knowing:
 *   - journal_mode=WAL + synchronous=NORMAL: readers (monitors) never
 *     block the writer; a commit appends to the WAL without an fsync, so a
 *     power cut may lose the last commits (replayed upstream: at-least-
 *     once), never corrupt the file. A killed process loses only its
 *     uncommitted transaction: frames of an uncommitted transaction in the
 *     WAL are ignored on recovery.
 *   - The upsert is `INSERT ... ON CONFLICT(id) DO UPDATE` on events, then
 *     an explicit DELETE of the event's child rows and fresh INSERTs, all
 *     in one transaction. Not `INSERT OR REPLACE` on events: REPLACE
 *     deletes the old row and inserts a new one, which gives it a new rowid
 *     and cascades to the children only if the connection happens to have
 *     foreign_keys on (SQLite's default is off; sqlite3(1) and other tools
 *     leave it off). The explicit DELETE is correct whatever that pragma
 *     says. The children still declare ON DELETE CASCADE, so a monitor
 *     pruning old events with foreign keys on cleans up after itself.
 *   - The writer runs with foreign_keys OFF (measured: about 25 % less
 *     CPU per event, docs/benchmarks.md "Database sinks"). The schema still
 *     declares the references, and the writer keeps them true by
 *     construction: the parent row is written first in the same
 *     transaction, and children are deleted explicitly, never by cascade.
 *     The tests check `PRAGMA foreign_key_check` after every kind of
 *     write. A monitor that prunes turns foreign keys on in its own
 *     connection and gets the cascade.
 *   - Child rows use INSERT OR REPLACE on their own primary key: nothing
 *     references a child, so REPLACE cascades nowhere; a repeated key
 *     inside one event (the same country twice) keeps the last one
 *     instead of failing the whole event.
 *   - Optional strings are stored as '' (NOT NULL), because SQLite lets
 *     NULLs repeat inside a PRIMARY KEY, which would defeat the dedup of
 *     alerts without an actor or country.
 *   - Every statement is prepared once (SQLITE_PREPARE_PERSISTENT) and
 *     reset after use; values are bound, never spliced into SQL.
 *   - A failed write inside a caller's batch poisons the batch (the event
 *     may be half written and SQLite may already have rolled back on its
 *     own after an I/O error or a full disk): commit then rolls back and
 *     fails, and the caller replays. A per-event SAVEPOINT would avoid
 *     that but makes SQLite keep a statement journal of every page it
 *     touches, for a case (I/O failure) where the rest of the batch rarely
 *     succeeds anyway.
 */
#include "at_sqlsink.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_err.h"
#include "at_json.h"
#include "at_sqlite.h"

/* Page cache per handle, in KiB. A ceiling, not an allocation. */
#define CACHE_KIB 8192

/* One entry per schema version: the SQL that takes a database from
 * version i to i + 1. Only ever append. */
static const char *const migrations[AT_SQLSINK_SCHEMA] = {
    /* 0 -> 1 */
    "CREATE TABLE events ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  url TEXT NOT NULL DEFAULT '',"
    "  title TEXT NOT NULL DEFAULT '',"
    "  source TEXT NOT NULL DEFAULT '',"
    "  published INTEGER," /* unix seconds UTC; NULL = unknown */
    "  reference_date TEXT NOT NULL DEFAULT '',"
    "  data_version TEXT NOT NULL DEFAULT '',"
    "  enriched INTEGER," /* unix seconds UTC; NULL = unknown */
    "  json TEXT NOT NULL"
    ");"
    "CREATE INDEX events_published ON events(published);"
    "CREATE TABLE event_countries ("
    "  event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
    "  code TEXT NOT NULL,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  mentions INTEGER NOT NULL DEFAULT 0,"
    "  in_title INTEGER NOT NULL DEFAULT 0,"
    "  rome_statute_status TEXT," /* NULL when the event carries none */
    "  PRIMARY KEY (event_id, code)"
    ");"
    "CREATE INDEX event_countries_code ON event_countries(code);"
    "CREATE TABLE event_actors ("
    "  event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
    "  actor_id TEXT NOT NULL,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  country TEXT NOT NULL DEFAULT '',"
    "  mentions INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (event_id, actor_id)"
    ");"
    "CREATE INDEX event_actors_actor ON event_actors(actor_id);"
    "CREATE TABLE event_locations ("
    "  event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
    "  code TEXT NOT NULL,"
    "  place TEXT NOT NULL DEFAULT '',"
    "  basis TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (event_id, code, place, basis)"
    ");"
    "CREATE INDEX event_locations_code ON event_locations(code);"
    "CREATE TABLE alerts ("
    "  event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
    "  rule TEXT NOT NULL,"
    "  actor TEXT NOT NULL DEFAULT '',"
    "  country TEXT NOT NULL DEFAULT '',"
    "  severity TEXT NOT NULL DEFAULT 'unspecified',"
    "  severity_level INTEGER NOT NULL DEFAULT 0," /* 1 info .. 4 critical */
    "  message TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (event_id, rule, actor, country)"
    ");"
    "CREATE INDEX alerts_rule_severity ON alerts(rule, severity);"
    "CREATE INDEX alerts_actor ON alerts(actor);"
    "CREATE INDEX alerts_country ON alerts(country);",
};

static const at_sqlite_schema_t schema = {AT_SQLSINK_APP_ID, AT_SQLSINK_SCHEMA, migrations,
                                          "event"};

enum {
    ST_EVENT_NEW,
    ST_EVENT,
    ST_DEL_COUNTRIES,
    ST_DEL_ACTORS,
    ST_DEL_LOCATIONS,
    ST_DEL_ALERTS,
    ST_COUNTRY,
    ST_ACTOR,
    ST_LOCATION,
    ST_ALERT,
    ST__N
};

static const char *const stmt_sql[ST__N] = {
    [ST_EVENT_NEW] = "INSERT INTO events(id, url, title, source, published, reference_date, "
                     "data_version, enriched, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                     "ON CONFLICT(id) DO NOTHING",
    [ST_EVENT] = "INSERT INTO events(id, url, title, source, published, reference_date, "
                 "data_version, enriched, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                 "ON CONFLICT(id) DO UPDATE SET url = excluded.url, title = excluded.title, "
                 "source = excluded.source, published = excluded.published, "
                 "reference_date = excluded.reference_date, data_version = excluded.data_version, "
                 "enriched = excluded.enriched, json = excluded.json",
    [ST_DEL_COUNTRIES] = "DELETE FROM event_countries WHERE event_id = ?1",
    [ST_DEL_ACTORS] = "DELETE FROM event_actors WHERE event_id = ?1",
    [ST_DEL_LOCATIONS] = "DELETE FROM event_locations WHERE event_id = ?1",
    [ST_DEL_ALERTS] = "DELETE FROM alerts WHERE event_id = ?1",
    [ST_COUNTRY] = "INSERT OR REPLACE INTO event_countries(event_id, code, name, mentions, "
                   "in_title, rome_statute_status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_ACTOR] = "INSERT OR REPLACE INTO event_actors(event_id, actor_id, name, country, "
                 "mentions) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_LOCATION] = "INSERT OR IGNORE INTO event_locations(event_id, code, place, basis) "
                    "VALUES (?1, ?2, ?3, ?4)",
    [ST_ALERT] = "INSERT OR REPLACE INTO alerts(event_id, rule, actor, country, severity, "
                 "severity_level, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
};

struct at_sqlsink {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *st[ST__N];
    int in_batch;
    int poisoned; /* a write failed inside the current batch */
    char errbuf[512];
};

/* --- errors and small helpers ------------------------------------------ */

/* Record "PATH: what: sqlite's reason (OS reason)" on the handle and in err. */
static void db_fail(at_sqlsink_t *self, const char *what, char *err, size_t errlen)
{
    const char *why = self->db ? sqlite3_errmsg(self->db) : "out of memory";
    int sys = self->db ? sqlite3_system_errno(self->db) : 0;
    if (sys)
        snprintf(self->errbuf, sizeof self->errbuf, "%s: %s: %s (%s)", self->path, what, why,
                 strerror(sys));
    else
        snprintf(self->errbuf, sizeof self->errbuf, "%s: %s: %s", self->path, what, why);
    at_err_set(err, errlen, "%s", self->errbuf);
}

static int exec(at_sqlsink_t *self, const char *sql)
{
    return sqlite3_exec(self->db, sql, NULL, NULL, NULL);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return sqlite3_bind_text(s, i, nz(v), -1, SQLITE_STATIC);
}

/* Bind an instant, NULL for 0 (= unknown in the wire schema), so range
 * queries on time never match the epoch. */
static int bind_time(sqlite3_stmt *s, int i, int64_t t)
{
    return t ? sqlite3_bind_int64(s, i, t) : sqlite3_bind_null(s, i);
}

/* Step a bound statement that returns no rows, then reset and unbind it
 * (nothing keeps pointing at the caller's strings). */
static int step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* --- open / schema ------------------------------------------------------- */

at_sqlsink_t *at_sqlsink_open(const char *path, char *err, size_t errlen)
{
    if (!path || !path[0]) {
        at_err_set(err, errlen, "sqlite sink: empty database path");
        return NULL;
    }
    at_sqlsink_t *self = calloc(1, sizeof *self);
    if (!self || !(self->path = strdup(path))) {
        at_err_set(err, errlen, "%s: out of memory", path);
        free(self);
        return NULL;
    }
    const char *what;
    if (at_sqlite_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, AT_SQLSINK_BUSY_TIMEOUT_MS,
                       CACHE_KIB, &self->db, &what) != 0) {
        db_fail(self, what, err, errlen);
        goto fail;
    }
    /* journal_mode answers with the mode in force: anything but "wal"
     * (other than for an in-memory database) means WAL could not be set. */
    sqlite3_stmt *s = NULL;
    int wal_ok = 0;
    if (sqlite3_prepare_v2(self->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(s, 0);
        wal_ok = mode && (strcmp(mode, "wal") == 0 || strcmp(mode, "memory") == 0);
    }
    sqlite3_finalize(s);
    if (!wal_ok || exec(self, "PRAGMA synchronous = NORMAL") != SQLITE_OK ||
        exec(self, "PRAGMA foreign_keys = OFF") != SQLITE_OK) {
        db_fail(self, "cannot set WAL mode", err, errlen);
        goto fail;
    }
    /* On failure at_sqlsink_close rolls back what this began. */
    if (at_sqlite_ensure_schema(self->db, &schema, path, false, &what, self->errbuf,
                                sizeof self->errbuf) != 0) {
        if (what)
            db_fail(self, what, err, errlen);
        else
            at_err_set(err, errlen, "%s", self->errbuf);
        goto fail;
    }
    if (at_sqlite_prepare_all(self->db, stmt_sql, ST__N, self->st) != 0) {
        db_fail(self, "unexpected schema", err, errlen);
        goto fail;
    }
    self->errbuf[0] = '\0';
    return self;
fail:
    at_sqlsink_close(&self);
    return NULL;
}

void at_sqlsink_close(at_sqlsink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_sqlsink_t *self = *self_p;
    for (int i = 0; i < ST__N; i++)
        sqlite3_finalize(self->st[i]);
    if (self->db) {
        if (!sqlite3_get_autocommit(self->db))
            exec(self, "ROLLBACK");
        sqlite3_close_v2(self->db);
    }
    free(self->path);
    free(self);
    *self_p = NULL;
}

/* --- transactions -------------------------------------------------------- */

int at_sqlsink_begin(at_sqlsink_t *self)
{
    if (self->in_batch) {
        snprintf(self->errbuf, sizeof self->errbuf, "%s: begin inside a batch", self->path);
        return -1;
    }
    if (exec(self, "BEGIN IMMEDIATE") != SQLITE_OK) {
        db_fail(self, "cannot begin a batch", NULL, 0);
        return -1;
    }
    self->in_batch = 1;
    self->poisoned = 0;
    return 0;
}

int at_sqlsink_rollback(at_sqlsink_t *self)
{
    if (!self->in_batch) {
        snprintf(self->errbuf, sizeof self->errbuf, "%s: rollback outside a batch", self->path);
        return -1;
    }
    self->in_batch = 0;
    self->poisoned = 0;
    /* SQLite may already have rolled back on its own (I/O error, full
     * disk); then there is nothing left to undo. */
    if (sqlite3_get_autocommit(self->db))
        return 0;
    if (exec(self, "ROLLBACK") != SQLITE_OK) {
        db_fail(self, "cannot roll back", NULL, 0);
        return -1;
    }
    return 0;
}

int at_sqlsink_commit(at_sqlsink_t *self)
{
    if (!self->in_batch) {
        snprintf(self->errbuf, sizeof self->errbuf, "%s: commit outside a batch", self->path);
        return -1;
    }
    if (self->poisoned || sqlite3_get_autocommit(self->db)) {
        /* Keep the reason of the failed write in errbuf. */
        char why[sizeof self->errbuf];
        snprintf(why, sizeof why, "%s", self->errbuf);
        at_sqlsink_rollback(self);
        snprintf(self->errbuf, sizeof self->errbuf,
                 "batch rolled back after a failed write: %.400s", why);
        return -1;
    }
    if (exec(self, "COMMIT") != SQLITE_OK) {
        db_fail(self, "cannot commit", NULL, 0);
        at_sqlsink_rollback(self);
        return -1;
    }
    self->in_batch = 0;
    return 0;
}

int at_sqlsink_in_batch(const at_sqlsink_t *self)
{
    return self->in_batch;
}

const char *at_sqlsink_error(const at_sqlsink_t *self)
{
    return self->errbuf;
}

/* --- write --------------------------------------------------------------- */

/* The Rome Statute status of one country mention, NULL when it has none. */
static const char *rome_status(const Attache__V1__CountryMention *c)
{
    for (size_t i = 0; i < c->n_treaties; i++) {
        const Attache__V1__TreatyStatus *t = c->treaties[i];
        if (t && t->treaty && strcmp(t->treaty, "rome_statute") == 0)
            return at_json_treaty_state_name(t->status);
    }
    return NULL;
}

/* Bind the events row of ev to statement s (ST_EVENT_NEW or ST_EVENT). */
static void bind_event(sqlite3_stmt *s, const Attache__V1__Event *ev, const char *json)
{
    const Attache__V1__NewsItem *item = ev->item;
    bind_text(s, 1, ev->id);
    bind_text(s, 2, item ? item->url : NULL);
    bind_text(s, 3, item ? item->title : NULL);
    bind_text(s, 4, item ? item->source : NULL);
    bind_time(s, 5, item ? item->published : 0);
    bind_text(s, 6, ev->reference_date);
    bind_text(s, 7, ev->data_version);
    bind_time(s, 8, ev->enriched);
    bind_text(s, 9, json);
}

/* The rows of one event, inside the caller's transaction. */
static int write_rows(at_sqlsink_t *self, const Attache__V1__Event *ev, const char *json)
{
    /* Most events are new: a plain insert, and no child rows to delete.
     * Only an id already there takes the upsert and the four DELETEs. */
    sqlite3_stmt *s = self->st[ST_EVENT_NEW];
    bind_event(s, ev, json);
    if (step_done(s))
        return -1;
    if (sqlite3_changes(self->db) == 0) {
        s = self->st[ST_EVENT];
        bind_event(s, ev, json);
        if (step_done(s))
            return -1;
        static const int del[] = {ST_DEL_COUNTRIES, ST_DEL_ACTORS, ST_DEL_LOCATIONS, ST_DEL_ALERTS};
        for (size_t i = 0; i < sizeof del / sizeof del[0]; i++) {
            bind_text(self->st[del[i]], 1, ev->id);
            if (step_done(self->st[del[i]]))
                return -1;
        }
    }

    /* Entries without their key (no country code, no actor id, no rule)
     * cannot be queried by it and are left out. */
    s = self->st[ST_COUNTRY];
    for (size_t i = 0; i < ev->n_countries; i++) {
        const Attache__V1__CountryMention *c = ev->countries[i];
        if (!c || !c->code || !c->code[0])
            continue;
        bind_text(s, 1, ev->id);
        bind_text(s, 2, c->code);
        bind_text(s, 3, c->name);
        sqlite3_bind_int64(s, 4, c->mentions);
        sqlite3_bind_int(s, 5, c->in_title ? 1 : 0);
        const char *rs = rome_status(c);
        if (rs)
            sqlite3_bind_text(s, 6, rs, -1, SQLITE_STATIC);
        if (step_done(s))
            return -1;
    }
    s = self->st[ST_ACTOR];
    for (size_t i = 0; i < ev->n_actors; i++) {
        const Attache__V1__ActorMention *a = ev->actors[i];
        if (!a || !a->id || !a->id[0])
            continue;
        bind_text(s, 1, ev->id);
        bind_text(s, 2, a->id);
        bind_text(s, 3, a->name);
        bind_text(s, 4, a->country);
        sqlite3_bind_int64(s, 5, a->mentions);
        if (step_done(s))
            return -1;
    }
    s = self->st[ST_LOCATION];
    for (size_t i = 0; i < ev->n_locations; i++) {
        const Attache__V1__Location *l = ev->locations[i];
        if (!l || !l->code || !l->code[0])
            continue;
        bind_text(s, 1, ev->id);
        bind_text(s, 2, l->code);
        bind_text(s, 3, l->place);
        bind_text(s, 4, l->basis);
        if (step_done(s))
            return -1;
    }
    s = self->st[ST_ALERT];
    for (size_t i = 0; i < ev->n_alerts; i++) {
        const Attache__V1__Alert *a = ev->alerts[i];
        if (!a || !a->rule || !a->rule[0])
            continue;
        bind_text(s, 1, ev->id);
        bind_text(s, 2, a->rule);
        bind_text(s, 3, a->actor);
        bind_text(s, 4, a->country);
        sqlite3_bind_text(s, 5, at_json_severity_name(a->severity), -1, SQLITE_STATIC);
        int sev = (int)a->severity;
        int level = sev >= 0 && sev <= (int)ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL ? sev : 0;
        sqlite3_bind_int(s, 6, level);
        bind_text(s, 7, a->message);
        if (step_done(s))
            return -1;
    }
    return 0;
}

int at_sqlsink_write(at_sqlsink_t *self, const Attache__V1__Event *ev, const char *json, char *err,
                     size_t errlen)
{
    if (!ev || !ev->id || !ev->id[0]) {
        snprintf(self->errbuf, sizeof self->errbuf, "%s: event without an id", self->path);
        at_err_set(err, errlen, "%s", self->errbuf);
        return -1;
    }
    char *owned = NULL;
    if (!json) {
        owned = at_json_event_dump(ev);
        if (!owned) {
            snprintf(self->errbuf, sizeof self->errbuf,
                     "%s: event %s cannot be rendered as JSON (invalid UTF-8 or out of memory)",
                     self->path, ev->id);
            at_err_set(err, errlen, "%s", self->errbuf);
            return -1;
        }
        json = owned;
    }
    int own_txn = !self->in_batch;
    if (own_txn && exec(self, "BEGIN IMMEDIATE") != SQLITE_OK) {
        db_fail(self, "cannot begin", err, errlen);
        free(owned);
        return -1;
    }
    int rc = write_rows(self, ev, json);
    if (rc != 0) {
        char what[160];
        snprintf(what, sizeof what, "cannot write event %.100s", ev->id);
        db_fail(self, what, err, errlen);
    }
    free(owned);
    if (own_txn) {
        if (rc == 0 && exec(self, "COMMIT") != SQLITE_OK) {
            db_fail(self, "cannot commit", err, errlen);
            rc = -1;
        }
        if (rc != 0 && !sqlite3_get_autocommit(self->db))
            exec(self, "ROLLBACK");
    } else if (rc != 0) {
        self->poisoned = 1;
    }
    return rc;
}
