/*
 * Tests for at_pgsink against a real PostgreSQL server that the test
 * starts itself (Debian's initdb and pg_ctl, in a temporary directory, as
 * the unprivileged user "nobody" when run as root, on a unix socket in that
 * directory): schema creation and reopen, upsert by event id, the same
 * event twice, an id repeated inside one batch, hostile strings through
 * COPY, rollback, an event the server refuses (only it is lost), a foreign
 * database refused, a server restarted between batches (reconnect), and
 * connection strings that are malformed or point nowhere. Results are read
 * back through libpq on a separate connection.
 *
 * Without the PostgreSQL server binaries the server tests are skipped with
 * a message (the conninfo tests still run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "attache/v1/attache.pb-c.h"

#include "at_json.h"
#include "at_pgsink.h"
#include "at_testutil.h"

#define PGBIN "/usr/lib/postgresql/15/bin"

static char dir[] = "/tmp/at_pgsink_test.XXXXXX";
static char conninfo[512];
static int have_server;

/* --- the server ---------------------------------------------------------- */

/* Run a shell command as the server's user. */
static int as_pg(const char *cmd)
{
    char full[2048];
    if (geteuid() == 0)
        snprintf(full, sizeof full, "runuser -u nobody -- sh -c '%s' >>%s/setup.log 2>&1", cmd,
                 dir);
    else
        snprintf(full, sizeof full, "sh -c '%s' >>%s/setup.log 2>&1", cmd, dir);
    return system(full);
}

static int pg_ctl(const char *what)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             PGBIN "/pg_ctl -D %s/data -l %s/server.log -w -t 60 -o \"-k %s -p 5432 -c "
                   "listen_addresses= -c fsync=off\" %s",
             dir, dir, dir, what);
    return as_pg(cmd);
}

static int start_server(void)
{
    if (access(PGBIN "/initdb", X_OK) != 0 || access(PGBIN "/pg_ctl", X_OK) != 0) {
        printf("SKIP server tests: no PostgreSQL server binaries in " PGBIN
               " (Debian package postgresql)\n");
        return 0;
    }
    char cmd[1024];
    if (geteuid() == 0) {
        snprintf(cmd, sizeof cmd, "chown nobody %s", dir);
        if (system(cmd) != 0)
            return 0;
    }
    snprintf(cmd, sizeof cmd,
             PGBIN "/initdb -D %s/data -U attache --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync",
             dir);
    if (as_pg(cmd) != 0 || pg_ctl("start") != 0) {
        snprintf(cmd, sizeof cmd, "cat %s/setup.log %s/server.log >&2", dir, dir);
        if (system(cmd) != 0) {
        }
        fail_msg("cannot start the test's PostgreSQL server");
    }
    snprintf(conninfo, sizeof conninfo, "host=%s port=5432 dbname=postgres user=attache", dir);
    return 1;
}

/* A fresh database per test. Returns its conninfo (static). */
static const char *fresh_db(const char *name)
{
    static char ci[600];
    PGconn *c = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    char sql[200];
    snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP DATABASE IF EXISTS %s",
             name);
    PQclear(PQexec(c, sql));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
    snprintf(ci, sizeof ci, "host=%s port=5432 dbname=%s user=attache", dir, name);
    return ci;
}

static char *q_text(const char *ci, const char *sql)
{
    PGconn *c = PQconnectdb(ci);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    char *out = strdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
    return out;
}

static long long q_int(const char *ci, const char *sql)
{
    char *t = q_text(ci, sql);
    long long v = atoll(t);
    free(t);
    return v;
}

static void q_exec(const char *ci, const char *sql)
{
    PGconn *c = PQconnectdb(ci);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

/* Server tests are skipped, with the reason printed at start, without one. */
#define NEED_SERVER()                                                                              \
    do {                                                                                           \
        if (!have_server)                                                                          \
            skip();                                                                                \
    } while (0)

/* --- an event ------------------------------------------------------------ */

typedef struct {
    Attache__V1__NewsItem item;
    Attache__V1__Event ev;
    Attache__V1__TreatyStatus rome;
    Attache__V1__TreatyStatus *rome_p[1];
    Attache__V1__CountryMention c[2];
    Attache__V1__CountryMention *cp[2];
    Attache__V1__ActorMention a[1];
    Attache__V1__ActorMention *ap[1];
    Attache__V1__Location l[1];
    Attache__V1__Location *lp[1];
    Attache__V1__Alert al[1];
    Attache__V1__Alert *alp[1];
} fx_event_t;

static void fx_init(fx_event_t *f, const char *id, const char *title)
{
    memset(f, 0, sizeof *f);
    f->item = (Attache__V1__NewsItem)ATTACHE__V1__NEWS_ITEM__INIT;
    f->item.id = (char *)id;
    f->item.url = "https://example.org/a";
    f->item.title = (char *)title;
    f->item.source = "example";
    f->item.published = 1725345000;
    f->ev = (Attache__V1__Event)ATTACHE__V1__EVENT__INIT;
    f->ev.id = (char *)id;
    f->ev.item = &f->item;
    f->ev.reference_date = "2024-09-03";
    f->ev.data_version = "test-1";
    f->rome = (Attache__V1__TreatyStatus)ATTACHE__V1__TREATY_STATUS__INIT;
    f->rome.treaty = "rome_statute";
    f->rome.status = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY;
    f->rome_p[0] = &f->rome;
    for (int i = 0; i < 2; i++) {
        f->c[i] = (Attache__V1__CountryMention)ATTACHE__V1__COUNTRY_MENTION__INIT;
        f->cp[i] = &f->c[i];
    }
    f->c[0].code = "MNG";
    f->c[0].name = "Mongolia";
    f->c[0].mentions = 4;
    f->c[0].n_treaties = 1;
    f->c[0].treaties = f->rome_p;
    f->c[1].code = "RUS";
    f->c[1].name = "Russia";
    f->ev.n_countries = 2;
    f->ev.countries = f->cp;
    f->a[0] = (Attache__V1__ActorMention)ATTACHE__V1__ACTOR_MENTION__INIT;
    f->a[0].id = "Q7747";
    f->a[0].name = "Vladimir Putin";
    f->a[0].country = "RUS";
    f->ap[0] = &f->a[0];
    f->ev.n_actors = 1;
    f->ev.actors = f->ap;
    f->l[0] = (Attache__V1__Location)ATTACHE__V1__LOCATION__INIT;
    f->l[0].code = "MNG";
    f->l[0].place = "Ulaanbaatar";
    f->l[0].basis = "dateline";
    f->lp[0] = &f->l[0];
    f->ev.n_locations = 1;
    f->ev.locations = f->lp;
    f->al[0] = (Attache__V1__Alert)ATTACHE__V1__ALERT__INIT;
    f->al[0].rule = "warrant_exposure";
    f->al[0].actor = "Q7747";
    f->al[0].country = "MNG";
    f->al[0].severity = ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL;
    f->al[0].message = "ICC warrant subject in a state party";
    f->alp[0] = &f->al[0];
    f->ev.n_alerts = 1;
    f->ev.alerts = f->alp;
}

static at_pgsink_t *must_open(const char *ci)
{
    char err[768];
    at_pgsink_t *s = at_pgsink_open(ci, err, sizeof err);
    if (!s)
        fail_msg("open: %s", err);
    at_pgsink_set_retry(s, 20000, NULL, 0);
    return s;
}

static void must_write(at_pgsink_t *s, const Attache__V1__Event *ev, const char *json)
{
    char err[768];
    if (at_pgsink_write(s, ev, json, err, sizeof err) != 0)
        fail_msg("write %s: %s", ev->id, err);
}

static void assert_counts(const char *ci, long long ev, long long co, long long ac, long long lo,
                          long long al)
{
    assert_int_equal(q_int(ci, "SELECT count(*) FROM events"), ev);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM event_countries"), co);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM event_actors"), ac);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM event_locations"), lo);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM alerts"), al);
}

/* --- tests --------------------------------------------------------------- */

static void test_conninfo_checked(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(at_pgsink_check("host=/run/postgresql dbname=attache", err, sizeof err), 0);
    assert_int_equal(at_pgsink_check("postgresql://u@localhost:5432/db", err, sizeof err), 0);
    assert_int_equal(at_pgsink_check("host=/x dbname", err, sizeof err), -1);
    assert_non_null(strstr(err, "malformed connection string"));
    assert_int_equal(at_pgsink_check("nosuchkey=1", err, sizeof err), -1);
    assert_non_null(strstr(err, "nosuchkey"));
    assert_int_equal(at_pgsink_check("", err, sizeof err), -1);
    assert_non_null(strstr(err, "needs a connection string"));
    /* A server that is not there: a clear error, no handle. */
    assert_null(at_pgsink_open("host=/nonexistent-dir port=5999 dbname=x connect_timeout=2", err,
                               sizeof err));
    assert_non_null(strstr(err, "cannot connect"));
    assert_non_null(strstr(err, "/nonexistent-dir"));
}

static void test_schema_upsert_reopen(void **state)
{
    (void)state;
    NEED_SERVER();
    const char *ci = fresh_db("t_schema");
    at_pgsink_t *s = must_open(ci);
    fx_event_t f;
    fx_init(&f, "ev-1", "Putin in Ulaanbaatar");
    must_write(s, &f.ev, "{\"id\":\"ev-1\"}");
    at_pgsink_close(&s);
    assert_counts(ci, 1, 2, 1, 1, 1);
    assert_int_equal(q_int(ci, "SELECT version FROM attache_schema"), AT_PGSINK_SCHEMA);
    char *t = q_text(ci, "SELECT rome_statute_status FROM event_countries WHERE code = 'MNG'");
    assert_string_equal(t, "party");
    free(t);
    t = q_text(ci, "SELECT coalesce(rome_statute_status, 'NULL') FROM event_countries WHERE "
                   "code = 'RUS'");
    assert_string_equal(t, "NULL");
    free(t);
    t = q_text(ci, "SELECT severity || ' ' || severity_level FROM alerts");
    assert_string_equal(t, "critical 4");
    free(t);
    assert_int_equal(q_int(ci, "SELECT published FROM events"), 1725345000);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM events WHERE enriched IS NULL"), 1);
    /* Reopen: the schema is there, nothing is recreated or lost. */
    s = must_open(ci);
    at_pgsink_close(&s);
    assert_counts(ci, 1, 2, 1, 1, 1);
}

static void test_same_event_twice_one_row(void **state)
{
    (void)state;
    NEED_SERVER();
    const char *ci = fresh_db("t_twice");
    at_pgsink_t *s = must_open(ci);
    fx_event_t f;
    fx_init(&f, "ev-1", "first");
    must_write(s, &f.ev, "{}");
    fx_init(&f, "ev-1", "second");
    f.ev.n_alerts = 0;
    must_write(s, &f.ev, "{}");
    assert_counts(ci, 1, 2, 1, 1, 0);
    char *t = q_text(ci, "SELECT title FROM events");
    assert_string_equal(t, "second");
    free(t);
    /* Twice inside one batch: the last version wins. */
    assert_int_equal(at_pgsink_begin(s), 0);
    fx_init(&f, "ev-2", "old");
    must_write(s, &f.ev, "{}");
    fx_init(&f, "ev-2", "new");
    f.ev.n_countries = 1;
    must_write(s, &f.ev, "{}");
    assert_int_equal(at_pgsink_batch_events(s), 2);
    assert_int_equal(at_pgsink_commit(s), 0);
    t = q_text(ci, "SELECT title FROM events WHERE id = 'ev-2'");
    assert_string_equal(t, "new");
    free(t);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM event_countries WHERE event_id = 'ev-2'"), 1);
    assert_counts(ci, 2, 3, 2, 2, 1);
    /* A key repeated inside one event keeps its last entry. */
    fx_init(&f, "ev-3", "repeated country");
    f.c[1].code = "MNG";
    f.c[1].name = "Mongolia, again";
    must_write(s, &f.ev, "{}");
    assert_int_equal(q_int(ci, "SELECT count(*) FROM event_countries WHERE event_id = 'ev-3'"), 1);
    t = q_text(ci, "SELECT name FROM event_countries WHERE event_id = 'ev-3'");
    assert_string_equal(t, "Mongolia, again");
    free(t);
    at_pgsink_close(&s);
}

static void test_batch_and_rollback(void **state)
{
    (void)state;
    NEED_SERVER();
    const char *ci = fresh_db("t_batch");
    at_pgsink_t *s = must_open(ci);
    fx_event_t f;
    char id[32];
    assert_int_equal(at_pgsink_commit(s), -1);
    assert_int_equal(at_pgsink_begin(s), 0);
    assert_int_equal(at_pgsink_begin(s), -1);
    for (int i = 0; i < 500; i++) {
        snprintf(id, sizeof id, "b-%d", i);
        fx_init(&f, id, "batched");
        must_write(s, &f.ev, "{}");
    }
    /* Nothing is visible before the commit. */
    assert_int_equal(q_int(ci, "SELECT count(*) FROM events"), 0);
    assert_int_equal(at_pgsink_commit(s), 0);
    assert_counts(ci, 500, 1000, 500, 500, 500);
    assert_int_equal(at_pgsink_begin(s), 0);
    fx_init(&f, "dropped", "x");
    must_write(s, &f.ev, "{}");
    assert_int_equal(at_pgsink_rollback(s), 0);
    assert_int_equal(at_pgsink_in_batch(s), 0);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM events WHERE id = 'dropped'"), 0);
    at_pgsink_close(&s);
}

/* COPY text escaping: tabs, newlines, backslashes, \N look-alikes and
 * quotes come back byte for byte. */
static void test_hostile_strings(void **state)
{
    (void)state;
    NEED_SERVER();
    const char *ci = fresh_db("t_hostile");
    at_pgsink_t *s = must_open(ci);
    fx_event_t f;
    const char *nasty = "a\tb\nc\\N\\\\d\r'; DROP TABLE events; --\"\xc3\xa9";
    fx_init(&f, "id\twith\ttabs\\N", nasty);
    f.al[0].message = (char *)nasty;
    must_write(s, &f.ev, nasty);
    at_pgsink_close(&s);
    PGconn *c = PQconnectdb(ci);
    PGresult *r = PQexec(c, "SELECT id, title, json, (SELECT message FROM alerts) FROM events");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 1);
    assert_string_equal(PQgetvalue(r, 0, 0), "id\twith\ttabs\\N");
    assert_string_equal(PQgetvalue(r, 0, 1), nasty);
    assert_string_equal(PQgetvalue(r, 0, 2), nasty);
    assert_string_equal(PQgetvalue(r, 0, 3), nasty);
    PQclear(r);
    PQfinish(c);
}

/* An event the server refuses (invalid UTF-8, which the daemon's
 * validation would stop earlier) loses that event only. */
static void test_refused_event_alone_lost(void **state)
{
    (void)state;
    NEED_SERVER();
    const char *ci = fresh_db("t_refused");
    at_pgsink_t *s = must_open(ci);
    fx_event_t f;
    char id[32];
    assert_int_equal(at_pgsink_begin(s), 0);
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "r-%d", i);
        fx_init(&f, id, i == 4 ? "bad \xff\xfe utf-8" : "fine");
        must_write(s, &f.ev, "{}");
    }
    assert_int_equal(at_pgsink_commit(s), -1);
    assert_int_equal(at_pgsink_last_lost(s), 1);
    assert_non_null(strstr(at_pgsink_error(s), "r-4"));
    assert_int_equal(q_int(ci, "SELECT count(*) FROM events"), 9);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM events WHERE id = 'r-4'"), 0);
    /* The handle keeps working. */
    fx_init(&f, "after", "fine");
    must_write(s, &f.ev, "{}");
    assert_int_equal(at_pgsink_last_lost(s), 0);
    at_pgsink_close(&s);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM events"), 10);
}

static void test_foreign_database_refused(void **state)
{
    (void)state;
    NEED_SERVER();
    const char *ci = fresh_db("t_foreign");
    q_exec(ci, "CREATE TABLE events (x integer)");
    char err[768];
    assert_null(at_pgsink_open(ci, err, sizeof err));
    assert_non_null(strstr(err, "not an attache event database"));
    assert_int_equal(q_int(ci, "SELECT count(*) FROM information_schema.columns WHERE "
                               "table_name = 'events'"),
                     1);
    /* A newer schema is refused too. */
    const char *ci2 = fresh_db("t_newer");
    at_pgsink_t *s = must_open(ci2);
    at_pgsink_close(&s);
    q_exec(ci2, "UPDATE attache_schema SET version = 99");
    assert_null(at_pgsink_open(ci2, err, sizeof err));
    assert_non_null(strstr(err, "newer attache"));
}

/* The server restarts between two batches (and with a batch pending): the
 * second commit reconnects and writes everything, once. */
static void test_server_restart_reconnects(void **state)
{
    (void)state;
    NEED_SERVER();
    const char *ci = fresh_db("t_restart");
    at_pgsink_t *s = must_open(ci);
    fx_event_t f;
    char id[32];
    assert_int_equal(at_pgsink_begin(s), 0);
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "x-%d", i);
        fx_init(&f, id, "before");
        must_write(s, &f.ev, "{}");
    }
    assert_int_equal(at_pgsink_commit(s), 0);
    assert_int_equal(pg_ctl("restart -m fast"), 0);
    assert_int_equal(at_pgsink_begin(s), 0);
    for (int i = 50; i < 200; i++) {
        snprintf(id, sizeof id, "x-%d", i);
        fx_init(&f, id, "after");
        must_write(s, &f.ev, "{}");
    }
    assert_int_equal(at_pgsink_commit(s), 0);
    assert_true(at_pgsink_reconnects(s) >= 1);
    assert_counts(ci, 200, 400, 200, 200, 200);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM events WHERE title = 'after'"), 150);
    /* A server that stays away: retrying ends after the limit, and the
     * batch is reported lost, not silently dropped. */
    assert_int_equal(pg_ctl("stop -m fast"), 0);
    at_pgsink_set_retry(s, 300, NULL, 0);
    fx_init(&f, "while-down", "x");
    char err[768];
    assert_int_equal(at_pgsink_write(s, &f.ev, "{}", err, sizeof err), -1);
    assert_non_null(strstr(err, "gave up"));
    assert_int_equal(at_pgsink_last_lost(s), 1);
    assert_int_equal(pg_ctl("start"), 0);
    at_pgsink_set_retry(s, 20000, NULL, 0);
    must_write(s, &f.ev, "{}");
    at_pgsink_close(&s);
    assert_int_equal(q_int(ci, "SELECT count(*) FROM events"), 201);
}

int main(void)
{
    at_json_init();
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    have_server = start_server();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conninfo_checked),
        cmocka_unit_test(test_schema_upsert_reopen),
        cmocka_unit_test(test_same_event_twice_one_row),
        cmocka_unit_test(test_batch_and_rollback),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_refused_event_alone_lost),
        cmocka_unit_test(test_foreign_database_refused),
        cmocka_unit_test(test_server_restart_reconnects),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (have_server)
        pg_ctl("stop -m immediate");
    at_test_rmdir(dir);
    return rc;
}
