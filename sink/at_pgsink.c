/*
 * at_pgsink.c: the PostgreSQL sink. See at_pgsink.h; schema, tuning and
 * measurements in docs/postgres.md.
 *
 * Decisions worth knowing:
 *   - A batch is rendered in memory as COPY text rows, one buffer per
 *     table, with each event's byte range remembered. commit() sends it in
 *     one transaction: COPY of the events rows into a session-local
 *     staging table (TEMP, ON COMMIT DELETE ROWS), one statement batch
 *     that upserts them (`INSERT INTO events SELECT ... ON CONFLICT (id)
 *     DO UPDATE`) and deletes the child rows of every staged id, then COPY
 *     of the child rows straight into their tables, then COMMIT. (The
 *     first version staged the children too and merged them with INSERT
 *     ... SELECT DISTINCT ON: those merges were about 60 % of the merge
 *     statements' time; now each child row is written once.) Multi-row
 *     INSERTs cost the server the same CPU within the noise; COPY has no
 *     parameter limit and is smaller on the wire (docs/postgres.md).
 *   - Straight COPY into the child tables needs each key once: an id
 *     written twice in one batch keeps only its last version (a hash of
 *     the batch's ids marks the older one superseded, as the SQLite
 *     sink's upsert would overwrite it), and inside one event a repeated
 *     child key keeps the last entry, as in the SQLite sink.
 *   - A batch stays in memory until the server has committed it. A lost
 *     connection (or an error the server calls transient: class 08,
 *     57P0x shutdown, 53 resources, 57014, 40001, 40P01, 55P03) means
 *     reconnect with exponential backoff and send the same bytes again;
 *     replaying is harmless because the merge is idempotent, which also
 *     covers a COMMIT whose answer was lost with the connection.
 *   - Any other error is about the data (or the schema): the batch is
 *     resent one event per transaction so that only the events the server
 *     refuses are lost, and they are counted and named.
 *   - Values travel as COPY text, escaped here (backslash, tab, newline,
 *     carriage return); NULL is \N. Never spliced into SQL.
 */
#include "at_pgsink.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "at_err.h"
#include "at_json.h"
#include "at_log.h"

/* pg_advisory_xact_lock key while creating the schema ("AtSq"). */
#define SCHEMA_LOCK 0x41745371

enum { T_EVENTS, T_COUNTRIES, T_ACTORS, T_LOCATIONS, T_ALERTS, T__N };

static const char *const copy_sql[T__N] = {
    "COPY at_stage_events FROM STDIN",
    "COPY event_countries (event_id, code, name, mentions, in_title, rome_statute_status) "
    "FROM STDIN",
    "COPY event_actors (event_id, actor_id, name, country, mentions) FROM STDIN",
    "COPY event_locations (event_id, code, place, basis) FROM STDIN",
    "COPY alerts (event_id, rule, actor, country, severity, severity_level, message) FROM STDIN",
};

/* Version 1, the same tables as the SQLite sink (docs/sqlite.md). */
static const char schema_sql[] =
    "CREATE TABLE attache_schema ("
    "  version integer NOT NULL,"
    "  application text NOT NULL DEFAULT 'attache');"
    "CREATE TABLE events ("
    "  id text COLLATE \"C\" PRIMARY KEY,"
    "  url text NOT NULL DEFAULT '',"
    "  title text NOT NULL DEFAULT '',"
    "  source text NOT NULL DEFAULT '',"
    "  published bigint," /* unix seconds UTC; NULL = unknown */
    "  reference_date text NOT NULL DEFAULT '',"
    "  data_version text NOT NULL DEFAULT '',"
    "  enriched bigint,"
    "  json text NOT NULL);"
    "CREATE INDEX events_published ON events(published);"
    "CREATE TABLE event_countries ("
    "  event_id text COLLATE \"C\" NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
    "  code text COLLATE \"C\" NOT NULL,"
    "  name text NOT NULL DEFAULT '',"
    "  mentions bigint NOT NULL DEFAULT 0,"
    "  in_title integer NOT NULL DEFAULT 0,"
    "  rome_statute_status text,"
    "  PRIMARY KEY (event_id, code));"
    "CREATE INDEX event_countries_code ON event_countries(code);"
    "CREATE TABLE event_actors ("
    "  event_id text COLLATE \"C\" NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
    "  actor_id text COLLATE \"C\" NOT NULL,"
    "  name text NOT NULL DEFAULT '',"
    "  country text COLLATE \"C\" NOT NULL DEFAULT '',"
    "  mentions bigint NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (event_id, actor_id));"
    "CREATE INDEX event_actors_actor ON event_actors(actor_id);"
    "CREATE TABLE event_locations ("
    "  event_id text COLLATE \"C\" NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
    "  code text COLLATE \"C\" NOT NULL,"
    "  place text COLLATE \"C\" NOT NULL DEFAULT '',"
    "  basis text COLLATE \"C\" NOT NULL DEFAULT '',"
    "  PRIMARY KEY (event_id, code, place, basis));"
    "CREATE INDEX event_locations_code ON event_locations(code);"
    "CREATE TABLE alerts ("
    "  event_id text COLLATE \"C\" NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
    "  rule text COLLATE \"C\" NOT NULL,"
    "  actor text COLLATE \"C\" NOT NULL DEFAULT '',"
    "  country text COLLATE \"C\" NOT NULL DEFAULT '',"
    "  severity text NOT NULL DEFAULT 'unspecified',"
    "  severity_level integer NOT NULL DEFAULT 0,"
    "  message text NOT NULL DEFAULT '',"
    "  PRIMARY KEY (event_id, rule, actor, country));"
    "CREATE INDEX alerts_rule_severity ON alerts(rule, severity);"
    "CREATE INDEX alerts_actor ON alerts(actor);"
    "CREATE INDEX alerts_country ON alerts(country);";

/* Per session: the staging table the events rows are copied into. */
static const char stage_sql[] =
    "SET client_min_messages = warning;"
    "CREATE TEMP TABLE IF NOT EXISTS at_stage_events (id text COLLATE \"C\", url text, title text, "
    "  source text, published bigint, reference_date text, data_version text, enriched bigint, "
    "  json text) ON COMMIT DELETE ROWS;"
    "RESET client_min_messages;";

/* After the COPY of the events rows, inside the transaction: the upsert,
 * and the old child rows of every id in the batch go (the new ones are
 * copied in next). Ids are unique within a batch (see write). */
static const char merge_sql[] =
    "INSERT INTO events (id, url, title, source, published, reference_date, data_version, "
    "  enriched, json) "
    "SELECT id, url, title, source, published, reference_date, data_version, enriched, json "
    "FROM at_stage_events "
    "ON CONFLICT (id) DO UPDATE SET url = excluded.url, title = excluded.title, "
    "  source = excluded.source, published = excluded.published, "
    "  reference_date = excluded.reference_date, data_version = excluded.data_version, "
    "  enriched = excluded.enriched, json = excluded.json;"
    "DELETE FROM event_countries t USING at_stage_events s WHERE t.event_id = s.id;"
    "DELETE FROM event_actors t USING at_stage_events s WHERE t.event_id = s.id;"
    "DELETE FROM event_locations t USING at_stage_events s WHERE t.event_id = s.id;"
    "DELETE FROM alerts t USING at_stage_events s WHERE t.event_id = s.id";

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

/* One event of the batch: where its rows start in each table's buffer. */
typedef struct {
    size_t start[T__N];
    char *id;
    int superseded; /* the same id comes again later in the batch */
} rec_t;

struct at_pgsink {
    PGconn *conn; /* NULL while disconnected */
    char *conninfo;
    char target[256]; /* host/port/db/user for messages; never the password */
    buf_t tab[T__N];
    rec_t *recs;
    size_t n_recs, cap_recs;
    size_t *slots; /* open-addressing hash of recs by id: index + 1, 0 = free */
    size_t n_slots;
    int in_batch;
    size_t last_lost;
    uint64_t reconnects;
    unsigned retry_max_ms, stop_grace_ms;
    volatile sig_atomic_t *stop;
    void (*wait_hook)(void *);
    void *wait_arg;
    char errbuf[768];
};

enum { SEND_OK, SEND_TRANSIENT, SEND_PERMANENT };

/* --- errors and small helpers ------------------------------------------ */

/* libpq's message without its trailing newline(s), as one line. */
static void one_line(char *dst, size_t n, const char *msg)
{
    snprintf(dst, n, "%s", msg && *msg ? msg : "unknown error");
    for (char *q = dst; *q; q++)
        if (*q == '\n' || *q == '\r' || *q == '\t')
            *q = ' ';
    size_t l = strlen(dst);
    while (l && dst[l - 1] == ' ')
        dst[--l] = '\0';
}

/* Record "postgres TARGET: what: reason" on the handle. */
static void pg_fail(at_pgsink_t *self, const char *what, const PGresult *res)
{
    char why[512];
    const char *m = res ? PQresultErrorMessage(res) : NULL;
    if (!m || !*m)
        m = self->conn ? PQerrorMessage(self->conn) : "not connected";
    one_line(why, sizeof why, m);
    snprintf(self->errbuf, sizeof self->errbuf, "postgres %.250s: %.100s: %.400s", self->target,
             what, why);
}

static int buf_reserve(buf_t *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_putc(buf_t *b, char c)
{
    if (buf_reserve(b, 1))
        return -1;
    b->p[b->len++] = c;
    return 0;
}

/* A COPY text field: escaped value, or \N for NULL. No separator. */
static int put_field(buf_t *b, const char *v)
{
    if (!v) {
        if (buf_reserve(b, 2))
            return -1;
        b->p[b->len++] = '\\';
        b->p[b->len++] = 'N';
        return 0;
    }
    size_t n = strlen(v);
    if (buf_reserve(b, 2 * n))
        return -1;
    char *o = b->p + b->len;
    for (const char *s = v; *s; s++) {
        switch (*s) {
        case '\\':
            *o++ = '\\';
            *o++ = '\\';
            break;
        case '\t':
            *o++ = '\\';
            *o++ = 't';
            break;
        case '\n':
            *o++ = '\\';
            *o++ = 'n';
            break;
        case '\r':
            *o++ = '\\';
            *o++ = 'r';
            break;
        default:
            *o++ = *s;
        }
    }
    b->len = (size_t)(o - b->p);
    return 0;
}

static int put_int(buf_t *b, long long v)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", v);
    return put_field(b, num);
}

/* Fields of one row: 's' string (NULL -> ''), 'n' string or NULL,
 * 'i' long long, 't' instant (0 -> NULL). Ends the row with '\n'. */
static int put_row(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = 0;
    for (const char *f = fmt; *f && rc == 0; f++) {
        if (f != fmt)
            rc = buf_putc(b, '\t');
        if (rc)
            break;
        if (*f == 's') {
            const char *s = va_arg(ap, const char *);
            rc = put_field(b, s ? s : "");
        } else if (*f == 'n') {
            rc = put_field(b, va_arg(ap, const char *));
        } else if (*f == 'i') {
            rc = put_int(b, va_arg(ap, long long));
        } else { /* 't' */
            long long t = va_arg(ap, long long);
            rc = t ? put_int(b, t) : put_field(b, NULL);
        }
    }
    va_end(ap);
    return rc ? -1 : buf_putc(b, '\n');
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- connection ---------------------------------------------------------- */

int at_pgsink_check(const char *conninfo, char *err, size_t errlen)
{
    if (!conninfo || !*conninfo) {
        at_err_set(
            err, errlen,
            "postgres: needs a connection string (postgres:host=/run/postgresql dbname=attache "
            "or postgres:postgresql://user@host/db)");
        return -1;
    }
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
    if (!opts) {
        char why[400];
        one_line(why, sizeof why, perr ? perr : "out of memory");
        at_err_set(err, errlen, "postgres: malformed connection string: %s", why);
        PQfreemem(perr);
        return -1;
    }
    PQconninfoFree(opts);
    return 0;
}

/* "host=H port=P dbname=D user=U" from a connection, for messages. */
static void describe(at_pgsink_t *self)
{
    if (!self->conn)
        return;
    const char *h = PQhost(self->conn), *p = PQport(self->conn), *d = PQdb(self->conn),
               *u = PQuser(self->conn);
    snprintf(self->target, sizeof self->target, "host=%s port=%s dbname=%s user=%s",
             h && *h ? h : "(default)", p && *p ? p : "(default)", d ? d : "", u ? u : "");
}

static int exec_ok(at_pgsink_t *self, const char *sql, const char *what)
{
    PGresult *r = PQexec(self->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        pg_fail(self, what, r);
    PQclear(r);
    return ok ? 0 : -1;
}

/* Open a connection and prepare the session (staging tables). 0 or -1
 * with errbuf set; on failure self->conn is NULL. */
static int connect_session(at_pgsink_t *self)
{
    const char *const keys[] = {"dbname", "client_encoding", "fallback_application_name", NULL};
    const char *const vals[] = {self->conninfo, "UTF8", "attache-sink", NULL};
    self->conn = PQconnectdbParams(keys, vals, 1);
    if (!self->conn) {
        snprintf(self->errbuf, sizeof self->errbuf, "postgres: out of memory");
        return -1;
    }
    describe(self);
    if (PQstatus(self->conn) != CONNECTION_OK) {
        pg_fail(self, "cannot connect", NULL);
        PQfinish(self->conn);
        self->conn = NULL;
        return -1;
    }
    if (exec_ok(self, stage_sql, "cannot create the staging tables") < 0) {
        PQfinish(self->conn);
        self->conn = NULL;
        return -1;
    }
    return 0;
}

/* A one-value query's result as text into out ("" for NULL). */
static int query_text(at_pgsink_t *self, const char *sql, char *out, size_t n)
{
    PGresult *r = PQexec(self->conn, sql);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok)
        snprintf(out, n, "%s", PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
    else
        pg_fail(self, "cannot read the schema", r);
    PQclear(r);
    return ok ? 0 : -1;
}

/* Create the schema on first use; refuse a foreign or newer one. */
static int ensure_schema(at_pgsink_t *self)
{
    char sql[160], v[64];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%d)", SCHEMA_LOCK);
    if (exec_ok(self, sql, "cannot lock the schema") < 0)
        return -1;
    int rc = -1;
    if (query_text(self, "SELECT to_regclass('attache_schema') IS NOT NULL", v, sizeof v) < 0)
        goto done;
    if (strcmp(v, "t") == 0) {
        if (query_text(self, "SELECT max(version) FROM attache_schema", v, sizeof v) < 0)
            goto done;
        long ver = atol(v);
        if (ver > AT_PGSINK_SCHEMA) {
            snprintf(self->errbuf, sizeof self->errbuf,
                     "postgres %s: written by a newer attache (schema %ld, this build knows %d)",
                     self->target, ver, AT_PGSINK_SCHEMA);
            goto done;
        }
        rc = 0; /* version 1 is the only one so far: nothing to migrate */
        goto done;
    }
    if (query_text(self, "SELECT to_regclass('events') IS NOT NULL", v, sizeof v) < 0)
        goto done;
    if (strcmp(v, "t") == 0) {
        snprintf(self->errbuf, sizeof self->errbuf,
                 "postgres %s: the database has an events table but no attache_schema: not an "
                 "attache event database; refusing to modify it",
                 self->target);
        goto done;
    }
    char ins[96];
    snprintf(ins, sizeof ins, "INSERT INTO attache_schema(version) VALUES (%d)", AT_PGSINK_SCHEMA);
    if (exec_ok(self, schema_sql, "cannot create the schema") < 0 ||
        exec_ok(self, ins, "cannot create the schema") < 0)
        goto done;
    rc = 0;
done:
    if (exec_ok(self, rc == 0 ? "COMMIT" : "ROLLBACK", "cannot commit the schema") < 0)
        rc = -1;
    return rc;
}

at_pgsink_t *at_pgsink_open(const char *conninfo, char *err, size_t errlen)
{
    if (at_pgsink_check(conninfo, err, errlen) < 0)
        return NULL;
    at_pgsink_t *self = calloc(1, sizeof *self);
    if (!self || !(self->conninfo = strdup(conninfo))) {
        free(self);
        at_err_set(err, errlen, "postgres: out of memory");
        return NULL;
    }
    self->stop_grace_ms = 10000;
    snprintf(self->target, sizeof self->target, "(not connected)");
    if (connect_session(self) < 0 || ensure_schema(self) < 0) {
        at_err_set(err, errlen, "%s", self->errbuf);
        at_pgsink_close(&self);
        return NULL;
    }
    self->errbuf[0] = '\0';
    return self;
}

void at_pgsink_set_retry(at_pgsink_t *self, unsigned max_ms, volatile sig_atomic_t *stop,
                         unsigned stop_grace_ms)
{
    self->retry_max_ms = max_ms;
    self->stop = stop;
    self->stop_grace_ms = stop_grace_ms;
}

void at_pgsink_set_wait_hook(at_pgsink_t *self, void (*hook)(void *), void *arg)
{
    self->wait_hook = hook;
    self->wait_arg = arg;
}

static void clear_batch(at_pgsink_t *self)
{
    for (int t = 0; t < T__N; t++)
        self->tab[t].len = 0;
    for (size_t i = 0; i < self->n_recs; i++)
        free(self->recs[i].id);
    if (self->n_recs && self->slots)
        memset(self->slots, 0, self->n_slots * sizeof *self->slots);
    self->n_recs = 0;
    self->in_batch = 0;
}

void at_pgsink_close(at_pgsink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_pgsink_t *self = *self_p;
    clear_batch(self);
    for (int t = 0; t < T__N; t++)
        free(self->tab[t].p);
    free(self->recs);
    free(self->slots);
    if (self->conn)
        PQfinish(self->conn);
    free(self->conninfo);
    free(self);
    *self_p = NULL;
}

/* --- rendering ----------------------------------------------------------- */

static const char *rome_status(const Attache__V1__CountryMention *c)
{
    for (size_t i = 0; i < c->n_treaties; i++) {
        const Attache__V1__TreatyStatus *t = c->treaties[i];
        if (t && t->treaty && strcmp(t->treaty, "rome_statute") == 0)
            return at_json_treaty_state_name(t->status);
    }
    return NULL;
}

/* Key equality of two child entries, for "the last one wins". */
static int same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Append the COPY rows of one event. Entries without their key are left
 * out, and a key repeated inside the event keeps its last entry, as in
 * the SQLite sink (the tables' primary keys allow one). */
static int render(at_pgsink_t *self, const Attache__V1__Event *ev, const char *json)
{
    const Attache__V1__NewsItem *item = ev->item;
    const char *id = ev->id;
    if (put_row(&self->tab[T_EVENTS], "sssstssts", id, item ? item->url : NULL,
                item ? item->title : NULL, item ? item->source : NULL,
                (long long)(item ? item->published : 0), ev->reference_date, ev->data_version,
                (long long)ev->enriched, json))
        return -1;
    for (size_t i = 0; i < ev->n_countries; i++) {
        const Attache__V1__CountryMention *c = ev->countries[i];
        if (!c || !c->code || !c->code[0])
            continue;
        size_t j = i + 1;
        while (j < ev->n_countries && !(ev->countries[j] && same(ev->countries[j]->code, c->code)))
            j++;
        if (j < ev->n_countries)
            continue;
        if (put_row(&self->tab[T_COUNTRIES], "sssiin", id, c->code, c->name, (long long)c->mentions,
                    (long long)(c->in_title ? 1 : 0), rome_status(c)))
            return -1;
    }
    for (size_t i = 0; i < ev->n_actors; i++) {
        const Attache__V1__ActorMention *a = ev->actors[i];
        if (!a || !a->id || !a->id[0])
            continue;
        size_t j = i + 1;
        while (j < ev->n_actors && !(ev->actors[j] && same(ev->actors[j]->id, a->id)))
            j++;
        if (j < ev->n_actors)
            continue;
        if (put_row(&self->tab[T_ACTORS], "ssssi", id, a->id, a->name, a->country,
                    (long long)a->mentions))
            return -1;
    }
    for (size_t i = 0; i < ev->n_locations; i++) {
        const Attache__V1__Location *l = ev->locations[i];
        if (!l || !l->code || !l->code[0])
            continue;
        size_t j = i + 1;
        while (j < ev->n_locations && !(ev->locations[j] && same(ev->locations[j]->code, l->code) &&
                                        same(ev->locations[j]->place, l->place) &&
                                        same(ev->locations[j]->basis, l->basis)))
            j++;
        if (j < ev->n_locations)
            continue;
        if (put_row(&self->tab[T_LOCATIONS], "ssss", id, l->code, l->place, l->basis))
            return -1;
    }
    for (size_t i = 0; i < ev->n_alerts; i++) {
        const Attache__V1__Alert *a = ev->alerts[i];
        if (!a || !a->rule || !a->rule[0])
            continue;
        size_t j = i + 1;
        while (j < ev->n_alerts &&
               !(ev->alerts[j] && same(ev->alerts[j]->rule, a->rule) &&
                 same(ev->alerts[j]->actor, a->actor) && same(ev->alerts[j]->country, a->country)))
            j++;
        if (j < ev->n_alerts)
            continue;
        int sev = (int)a->severity;
        int level = sev >= 0 && sev <= (int)ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL ? sev : 0;
        if (put_row(&self->tab[T_ALERTS], "sssssis", id, a->rule, a->actor, a->country,
                    at_json_severity_name(a->severity), (long long)level, a->message))
            return -1;
    }
    return 0;
}

/* --- the batch's id index ------------------------------------------------ */

static size_t hash_id(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot of id: where it is, or the free slot where it would go. */
static size_t *slot_of(at_pgsink_t *self, const char *id)
{
    size_t mask = self->n_slots - 1;
    for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        size_t *sl = &self->slots[i];
        if (!*sl || strcmp(self->recs[*sl - 1].id, id) == 0)
            return sl;
    }
}

/* Make room for one more id (load at most one half). 0 or -1. */
static int index_reserve(at_pgsink_t *self)
{
    if ((self->n_recs + 1) * 2 <= self->n_slots)
        return 0;
    size_t n = self->n_slots ? self->n_slots * 2 : 1024;
    size_t *old = self->slots, old_n = self->n_slots;
    if (!(self->slots = calloc(n, sizeof *self->slots))) {
        self->slots = old;
        return -1;
    }
    self->n_slots = n;
    for (size_t i = 0; i < old_n; i++)
        if (old[i])
            *slot_of(self, self->recs[old[i] - 1].id) = old[i];
    free(old);
    return 0;
}

/* --- sending ------------------------------------------------------------- */

static int is_transient(at_pgsink_t *self, const PGresult *res)
{
    if (!self->conn || PQstatus(self->conn) != CONNECTION_OK)
        return 1;
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!st)
        return 1;                        /* a client-side failure: the connection is in doubt */
    return strncmp(st, "08", 2) == 0 ||  /* connection exception */
           strncmp(st, "57P", 3) == 0 || /* admin/crash shutdown, cannot connect now */
           strncmp(st, "53", 2) == 0 ||  /* insufficient resources (disk full, ...) */
           strcmp(st, "57014") == 0 ||   /* query canceled */
           strcmp(st, "40001") == 0 ||   /* serialization failure */
           strcmp(st, "40P01") == 0 ||   /* deadlock */
           strcmp(st, "55P03") == 0;     /* lock not available */
}

/* End of entry i's bytes in table t. */
static size_t rec_end(const at_pgsink_t *self, size_t i, int t)
{
    return i + 1 < self->n_recs ? self->recs[i + 1].start[t] : self->tab[t].len;
}

/* After a failed statement: roll back if the connection still works,
 * else drop it (the next attempt reconnects). Returns the class. */
static int failed(at_pgsink_t *self, PGresult *res, const char *what)
{
    pg_fail(self, what, res);
    int transient = is_transient(self, res);
    PQclear(res);
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK &&
        PQtransactionStatus(self->conn) != PQTRANS_IDLE)
        PQclear(PQexec(self->conn, "ROLLBACK"));
    if (self->conn && PQstatus(self->conn) != CONNECTION_OK) {
        PQfinish(self->conn);
        self->conn = NULL;
    }
    return transient ? SEND_TRANSIENT : SEND_PERMANENT;
}

/* COPY the rows of entries [lo, hi) of table t, skipping superseded
 * entries. SEND_OK or the failure's class. */
static int copy_table(at_pgsink_t *self, int t, size_t lo, size_t hi)
{
    if (self->recs[lo].start[t] == rec_end(self, hi - 1, t))
        return SEND_OK; /* no rows */
    PGresult *r = PQexec(self->conn, copy_sql[t]);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        return failed(self, r, "cannot start COPY");
    PQclear(r);
    int ok = 1;
    /* Runs of consecutive live entries go in one call; libpq buffers. */
    for (size_t i = lo; i < hi && ok;) {
        if (self->recs[i].superseded) {
            i++;
            continue;
        }
        size_t k = i;
        while (k + 1 < hi && !self->recs[k + 1].superseded)
            k++;
        size_t from = self->recs[i].start[t], to = rec_end(self, k, t);
        const size_t slice = 1u << 20;
        for (size_t off = from; off < to && ok; off += slice) {
            size_t n = to - off < slice ? to - off : slice;
            ok = PQputCopyData(self->conn, self->tab[t].p + off, (int)n) == 1;
        }
        i = k + 1;
    }
    if (PQputCopyEnd(self->conn, ok ? NULL : "client failed to send") != 1)
        ok = 0;
    r = PQgetResult(self->conn);
    if (!ok || PQresultStatus(r) != PGRES_COMMAND_OK) {
        int cls = failed(self, r, "COPY failed");
        while (self->conn && (r = PQgetResult(self->conn)))
            PQclear(r);
        return cls;
    }
    PQclear(r);
    while ((r = PQgetResult(self->conn)))
        PQclear(r);
    return SEND_OK;
}

/* One attempt: entries [lo, hi) in one transaction. */
static int send_range(at_pgsink_t *self, size_t lo, size_t hi)
{
    PGresult *r = PQexec(self->conn, "BEGIN");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return failed(self, r, "cannot begin");
    PQclear(r);
    int rc = copy_table(self, T_EVENTS, lo, hi);
    if (rc != SEND_OK)
        return rc;
    r = PQexec(self->conn, merge_sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return failed(self, r, "cannot upsert the batch");
    PQclear(r);
    for (int t = T_EVENTS + 1; t < T__N; t++)
        if ((rc = copy_table(self, t, lo, hi)) != SEND_OK)
            return rc;
    r = PQexec(self->conn, "COMMIT");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return failed(self, r, "cannot commit");
    PQclear(r);
    return SEND_OK;
}

/* Sleep ms in slices, so a stop is noticed and the hook runs. */
static void nap(at_pgsink_t *self, unsigned ms)
{
    while (ms) {
        unsigned s = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)s * 1000000L};
        nanosleep(&ts, NULL);
        ms -= s;
        if (self->wait_hook)
            self->wait_hook(self->wait_arg);
    }
}

/* Send [lo, hi) until it is committed, it is refused for its data, or
 * retrying ends. Returns SEND_OK, SEND_PERMANENT, or SEND_TRANSIENT
 * (gave up). */
static int send_with_retry(at_pgsink_t *self, size_t lo, size_t hi)
{
    uint64_t started = mono_ms(), stop_seen = 0;
    unsigned backoff = AT_PGSINK_BACKOFF_MIN_MS;
    unsigned attempt = 0;
    for (;;) {
        int rc = SEND_TRANSIENT;
        int reconnected = 0;
        if (!self->conn && connect_session(self) == 0)
            reconnected = 1;
        if (self->conn) {
            if (reconnected) {
                self->reconnects++;
                at_log_info("postgres %s: connected again; sending %zu events", self->target,
                            hi - lo);
            }
            rc = send_range(self, lo, hi);
        }
        if (rc != SEND_TRANSIENT)
            return rc;
        uint64_t now = mono_ms();
        if (self->retry_max_ms && now - started >= self->retry_max_ms)
            return SEND_TRANSIENT;
        if (self->stop && *self->stop) {
            if (!stop_seen)
                stop_seen = now;
            if (now - stop_seen >= self->stop_grace_ms)
                return SEND_TRANSIENT;
        }
        if (attempt == 0 || (attempt & (attempt - 1)) == 0) /* 1st, 2nd, 4th, 8th, ... */
            at_log_warn("%s; retrying %zu events in %u ms (attempt %u)", self->errbuf, hi - lo,
                        backoff, attempt + 1);
        attempt++;
        nap(self, backoff);
        backoff = backoff * 2 > AT_PGSINK_BACKOFF_MAX_MS ? AT_PGSINK_BACKOFF_MAX_MS : backoff * 2;
    }
}

/* --- batches ------------------------------------------------------------- */

int at_pgsink_begin(at_pgsink_t *self)
{
    if (self->in_batch) {
        snprintf(self->errbuf, sizeof self->errbuf, "postgres: begin inside a batch");
        return -1;
    }
    clear_batch(self);
    self->in_batch = 1;
    return 0;
}

int at_pgsink_rollback(at_pgsink_t *self)
{
    if (!self->in_batch) {
        snprintf(self->errbuf, sizeof self->errbuf, "postgres: rollback outside a batch");
        return -1;
    }
    clear_batch(self);
    return 0;
}

int at_pgsink_commit(at_pgsink_t *self)
{
    if (!self->in_batch) {
        snprintf(self->errbuf, sizeof self->errbuf, "postgres: commit outside a batch");
        return -1;
    }
    self->last_lost = 0;
    size_t n = self->n_recs;
    if (n == 0) {
        clear_batch(self);
        return 0;
    }
    int rc = send_with_retry(self, 0, n);
    if (rc == SEND_TRANSIENT) {
        self->last_lost = n;
        char why[sizeof self->errbuf];
        snprintf(why, sizeof why, "%s", self->errbuf);
        snprintf(self->errbuf, sizeof self->errbuf, "%zu events not written, gave up: %.600s", n,
                 why);
    } else if (rc == SEND_PERMANENT) {
        /* One event per transaction: only the refused ones are lost. */
        char first[sizeof self->errbuf];
        snprintf(first, sizeof first, "%s", self->errbuf);
        const char *first_id = NULL;
        for (size_t i = 0; i < n; i++) {
            if (self->recs[i].superseded)
                continue;
            int one = send_with_retry(self, i, i + 1);
            if (one == SEND_OK)
                continue;
            if (one == SEND_TRANSIENT) {
                self->last_lost += n - i;
                break;
            }
            if (!first_id) {
                first_id = self->recs[i].id;
                snprintf(first, sizeof first, "%s", self->errbuf);
            }
            self->last_lost++;
        }
        if (self->last_lost)
            snprintf(self->errbuf, sizeof self->errbuf,
                     "%zu of %zu events not written (first: %.200s): %.400s", self->last_lost, n,
                     first_id ? first_id : "?", first);
    }
    clear_batch(self);
    return self->last_lost ? -1 : 0;
}

int at_pgsink_write(at_pgsink_t *self, const Attache__V1__Event *ev, const char *json, char *err,
                    size_t errlen)
{
    if (!ev || !ev->id || !ev->id[0]) {
        snprintf(self->errbuf, sizeof self->errbuf, "postgres: event without an id");
        at_err_set(err, errlen, "%s", self->errbuf);
        return -1;
    }
    char *owned = NULL;
    if (!json) {
        if (!(owned = at_json_event_dump(ev))) {
            snprintf(self->errbuf, sizeof self->errbuf,
                     "postgres: event %.200s cannot be rendered as JSON (invalid UTF-8 or out of "
                     "memory)",
                     ev->id);
            at_err_set(err, errlen, "%s", self->errbuf);
            return -1;
        }
        json = owned;
    }
    int own_batch = !self->in_batch;
    if (own_batch)
        at_pgsink_begin(self);
    if (self->n_recs == self->cap_recs) {
        size_t cap = self->cap_recs ? 2 * self->cap_recs : 256;
        rec_t *r = realloc(self->recs, cap * sizeof *r);
        if (!r)
            goto oom;
        self->recs = r;
        self->cap_recs = cap;
    }
    if (index_reserve(self) < 0)
        goto oom;
    rec_t *rec = &self->recs[self->n_recs];
    for (int t = 0; t < T__N; t++)
        rec->start[t] = self->tab[t].len;
    rec->superseded = 0;
    if (!(rec->id = strdup(ev->id)))
        goto oom;
    if (render(self, ev, json) < 0) {
        free(rec->id);
        /* Cut the partial rows off again. */
        for (int t = 0; t < T__N; t++)
            self->tab[t].len = rec->start[t];
        goto oom;
    }
    /* The same id earlier in the batch: this version replaces it. */
    size_t *sl = slot_of(self, rec->id);
    if (*sl)
        self->recs[*sl - 1].superseded = 1;
    *sl = ++self->n_recs;
    free(owned);
    if (own_batch && at_pgsink_commit(self) < 0) {
        at_err_set(err, errlen, "%s", self->errbuf);
        return -1;
    }
    return 0;
oom:
    free(owned);
    snprintf(self->errbuf, sizeof self->errbuf, "postgres: out of memory adding event %.200s",
             ev->id);
    at_err_set(err, errlen, "%s", self->errbuf);
    if (own_batch)
        clear_batch(self);
    return -1;
}

int at_pgsink_in_batch(const at_pgsink_t *self)
{
    return self->in_batch;
}

size_t at_pgsink_batch_events(const at_pgsink_t *self)
{
    return self->n_recs;
}

size_t at_pgsink_last_lost(const at_pgsink_t *self)
{
    return self->last_lost;
}

uint64_t at_pgsink_reconnects(const at_pgsink_t *self)
{
    return self->reconnects;
}

const char *at_pgsink_error(const at_pgsink_t *self)
{
    return self->errbuf;
}
