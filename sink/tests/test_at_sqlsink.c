/*
 * Tests for at_sqlsink: schema creation and reopen, idempotent upsert of an
 * event and its child rows, batches (commit, rollback, a failed write
 * poisoning the batch), a process SIGKILLed mid-batch, bad files and
 * paths, and hostile strings. Results are read back through a second,
 * plain sqlite3 connection, the way a monitor would.
 *
 * ATTACHE_SQLSINK_BENCH=N (events) also runs a throughput benchmark in
 * batches of 1000 and prints events/s (docs/sqlite.md records results).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "attache/v1/attache.pb-c.h"

#include "at_json.h"
#include "at_sqlsink.h"
#include "at_testutil.h"

static char dir[] = "/tmp/at_sqlsink_test.XXXXXX";
static char dbpath[256];

/* --- fixtures ------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    static int n;
    snprintf(dbpath, sizeof dbpath, "%s/events-%d.db", dir, n++);
    return 0;
}

/* One event with children, all pointing at caller-owned storage. */
typedef struct {
    Attache__V1__NewsItem item;
    Attache__V1__Event ev;
    Attache__V1__TreatyStatus rome[2];
    Attache__V1__TreatyStatus *rome_p[2][1];
    Attache__V1__CountryMention c[3];
    Attache__V1__CountryMention *cp[3];
    Attache__V1__ActorMention a[2];
    Attache__V1__ActorMention *ap[2];
    Attache__V1__Location l[1];
    Attache__V1__Location *lp[1];
    Attache__V1__Alert al[2];
    Attache__V1__Alert *alp[2];
} fx_event_t;

static void fx_init(fx_event_t *f, const char *id, const char *title)
{
    memset(f, 0, sizeof *f);
    f->item = (Attache__V1__NewsItem)ATTACHE__V1__NEWS_ITEM__INIT;
    f->item.id = (char *)id;
    f->item.url = "https://example.org/a";
    f->item.title = (char *)title;
    f->item.source = "example";
    f->item.published = 1719999600;
    f->ev = (Attache__V1__Event)ATTACHE__V1__EVENT__INIT;
    f->ev.id = (char *)id;
    f->ev.item = &f->item;
    f->ev.reference_date = "2024-07-03";
    f->ev.data_version = "test-1";
    f->ev.enriched = 1720000000;

    for (int i = 0; i < 2; i++) {
        f->rome[i] = (Attache__V1__TreatyStatus)ATTACHE__V1__TREATY_STATUS__INIT;
        f->rome[i].treaty = "rome_statute";
        f->rome_p[i][0] = &f->rome[i];
    }
    f->rome[0].status = ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY;
    f->rome[1].status = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY;
    for (int i = 0; i < 3; i++) {
        f->c[i] = (Attache__V1__CountryMention)ATTACHE__V1__COUNTRY_MENTION__INIT;
        f->cp[i] = &f->c[i];
    }
    f->c[0].code = "RUS";
    f->c[0].name = "Russia";
    f->c[0].mentions = 3;
    f->c[0].in_title = 1;
    f->c[0].n_treaties = 1;
    f->c[0].treaties = f->rome_p[0];
    f->c[1].code = "MNG";
    f->c[1].name = "Mongolia";
    f->c[1].mentions = 1;
    f->c[1].n_treaties = 1;
    f->c[1].treaties = f->rome_p[1];
    f->c[2].code = "FRA";
    f->c[2].name = "France";
    f->ev.n_countries = 2;
    f->ev.countries = f->cp;

    for (int i = 0; i < 2; i++) {
        f->a[i] = (Attache__V1__ActorMention)ATTACHE__V1__ACTOR_MENTION__INIT;
        f->ap[i] = &f->a[i];
    }
    f->a[0].id = "Q7747";
    f->a[0].name = "Vladimir Putin";
    f->a[0].country = "RUS";
    f->a[0].mentions = 2;
    f->a[1].id = "Q123";
    f->a[1].name = "Someone Else";
    f->a[1].country = "MNG";
    f->ev.n_actors = 2;
    f->ev.actors = f->ap;

    f->l[0] = (Attache__V1__Location)ATTACHE__V1__LOCATION__INIT;
    f->l[0].code = "MNG";
    f->l[0].place = "Ulaanbaatar";
    f->l[0].basis = "dateline";
    f->lp[0] = &f->l[0];
    f->ev.n_locations = 1;
    f->ev.locations = f->lp;

    for (int i = 0; i < 2; i++) {
        f->al[i] = (Attache__V1__Alert)ATTACHE__V1__ALERT__INIT;
        f->alp[i] = &f->al[i];
    }
    f->al[0].rule = "warrant_exposure";
    f->al[0].actor = "Q7747";
    f->al[0].country = "MNG";
    f->al[0].severity = ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL;
    f->al[0].message = "ICC warrant subject in a state party";
    f->al[1].rule = "head_of_state_visit";
    f->al[1].actor = "Q7747";
    f->al[1].severity = ATTACHE__V1__SEVERITY__SEVERITY_INFO;
    f->al[1].message = "visit";
    f->ev.n_alerts = 2;
    f->ev.alerts = f->alp;
}

/* --- reading back through a separate connection ------------------------- */

static long long q_int(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* The text of the first column of the first row, malloc'd; NULL for SQL NULL or no row. */
static char *q_text(const char *sql, const char *bind1)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (bind1)
        sqlite3_bind_text(s, 1, bind1, -1, SQLITE_STATIC);
    char *out = NULL;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        out = strdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

/* The EXPLAIN QUERY PLAN details of sql, joined with " | ". Caller frees. */
static char *q_plan(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char q[1024];
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    char *out = calloc(1, 4096);
    while (sqlite3_step(s) == SQLITE_ROW) {
        size_t used = strlen(out);
        snprintf(out + used, 4096 - used, "%s | ", (const char *)sqlite3_column_text(s, 3));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

static void assert_counts(long long ev, long long co, long long ac, long long lo, long long al)
{
    assert_int_equal(q_int("SELECT count(*) FROM events"), ev);
    assert_int_equal(q_int("SELECT count(*) FROM event_countries"), co);
    assert_int_equal(q_int("SELECT count(*) FROM event_actors"), ac);
    assert_int_equal(q_int("SELECT count(*) FROM event_locations"), lo);
    assert_int_equal(q_int("SELECT count(*) FROM alerts"), al);
}

static at_sqlsink_t *must_open(void)
{
    char err[512] = "";
    at_sqlsink_t *s = at_sqlsink_open(dbpath, err, sizeof err);
    if (!s)
        fail_msg("open: %s", err);
    return s;
}

static void must_write(at_sqlsink_t *s, const Attache__V1__Event *ev, const char *json)
{
    char err[512] = "";
    if (at_sqlsink_write(s, ev, json, err, sizeof err) != 0)
        fail_msg("write %s: %s", ev->id, err);
}

/* --- tests --------------------------------------------------------------- */

static void test_schema_and_reopen(void **state)
{
    (void)state;
    at_sqlsink_t *s = must_open();
    assert_int_equal(q_int("PRAGMA user_version"), AT_SQLSINK_SCHEMA);
    assert_int_equal(q_int("PRAGMA application_id"), AT_SQLSINK_APP_ID);
    char *mode = q_text("PRAGMA journal_mode", NULL);
    assert_string_equal(mode, "wal");
    free(mode);
    assert_int_equal(q_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                           "('events', 'event_countries', 'event_actors', 'event_locations', "
                           "'alerts')"),
                     5);
    assert_int_equal(q_int("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                           "('events_published', 'event_countries_code', 'event_actors_actor', "
                           "'alerts_rule_severity')"),
                     4);
    fx_event_t f;
    fx_init(&f, "ev-1", "Putin visits Mongolia");
    must_write(s, &f.ev, "{\"id\":\"ev-1\"}");
    at_sqlsink_close(&s);
    assert_null(s);
    at_sqlsink_close(&s); /* NULL-safe */

    /* Reopen: schema kept, data kept, writes go on. */
    s = must_open();
    assert_counts(1, 2, 2, 1, 2);
    fx_init(&f, "ev-2", "Another");
    must_write(s, &f.ev, "{\"id\":\"ev-2\"}");
    at_sqlsink_close(&s);
    assert_counts(2, 4, 4, 2, 4);
    assert_int_equal(q_int("PRAGMA user_version"), AT_SQLSINK_SCHEMA);

    /* Values landed in their columns. */
    assert_int_equal(q_int("SELECT published FROM events WHERE id = 'ev-1'"), 1719999600);
    assert_int_equal(q_int("SELECT enriched FROM events WHERE id = 'ev-1'"), 1720000000);
    char *t = q_text("SELECT rome_statute_status FROM event_countries WHERE event_id = ?1 AND "
                     "code = 'MNG'",
                     "ev-1");
    assert_string_equal(t, "party");
    free(t);
    t = q_text("SELECT rome_statute_status FROM event_countries WHERE event_id = ?1 AND "
               "code = 'RUS'",
               "ev-1");
    assert_string_equal(t, "non_signatory");
    free(t);
    t = q_text("SELECT severity FROM alerts WHERE rule = 'warrant_exposure' AND event_id = ?1",
               "ev-1");
    assert_string_equal(t, "critical");
    free(t);
    assert_int_equal(
        q_int("SELECT severity_level FROM alerts WHERE rule = 'warrant_exposure' LIMIT 1"), 4);
    /* An alert without a country is stored with '' so it dedups. */
    assert_int_equal(q_int("SELECT count(*) FROM alerts WHERE country = ''"), 2);
}

static void test_same_event_twice_one_copy(void **state)
{
    (void)state;
    at_sqlsink_t *s = must_open();
    fx_event_t f;
    fx_init(&f, "ev-dup", "Same");
    must_write(s, &f.ev, "{\"v\":1}");
    must_write(s, &f.ev, "{\"v\":1}");
    assert_counts(1, 2, 2, 1, 2);
    /* And again inside a batch, twice in the same batch. */
    assert_int_equal(at_sqlsink_begin(s), 0);
    must_write(s, &f.ev, "{\"v\":1}");
    must_write(s, &f.ev, "{\"v\":1}");
    assert_int_equal(at_sqlsink_commit(s), 0);
    assert_counts(1, 2, 2, 1, 2);
    /* A repeated key inside one event keeps one row. */
    f.c[1].code = "RUS";
    must_write(s, &f.ev, "{\"v\":1}");
    assert_int_equal(q_int("SELECT count(*) FROM event_countries"), 1);
    at_sqlsink_close(&s);
}

static void test_update_replaces_children(void **state)
{
    (void)state;
    at_sqlsink_t *s = must_open();
    fx_event_t f;
    fx_init(&f, "ev-up", "First title");
    must_write(s, &f.ev, "{\"v\":1}");
    fx_event_t g;
    fx_init(&g, "ev-other", "Unrelated");
    must_write(s, &g.ev, "{\"v\":1}");

    /* Re-enriched: one different country, one actor, one alert, no location. */
    f.item.title = "Second title";
    f.ev.countries = &f.cp[2];
    f.ev.n_countries = 1;
    f.ev.n_actors = 1;
    f.ev.alerts = &f.alp[1];
    f.ev.n_alerts = 1;
    f.ev.n_locations = 0;
    must_write(s, &f.ev, "{\"v\":2}");
    at_sqlsink_close(&s);

    char *t = q_text("SELECT title FROM events WHERE id = ?1", "ev-up");
    assert_string_equal(t, "Second title");
    free(t);
    t = q_text("SELECT json FROM events WHERE id = ?1", "ev-up");
    assert_string_equal(t, "{\"v\":2}");
    free(t);
    t = q_text("SELECT group_concat(code) FROM event_countries WHERE event_id = ?1", "ev-up");
    assert_string_equal(t, "FRA");
    free(t);
    t = q_text("SELECT group_concat(rule) FROM alerts WHERE event_id = ?1", "ev-up");
    assert_string_equal(t, "head_of_state_visit");
    free(t);
    assert_int_equal(q_int("SELECT count(*) FROM event_actors WHERE event_id = 'ev-up'"), 1);
    assert_int_equal(q_int("SELECT count(*) FROM event_locations WHERE event_id = 'ev-up'"), 0);
    /* The other event is untouched. */
    assert_counts(2, 1 + 2, 1 + 2, 0 + 1, 1 + 2);
    /* The writer (foreign_keys off for speed) left no dangling child. */
    assert_int_equal(q_int("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    /* Foreign keys cascade for a monitor pruning old events. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA foreign_keys = ON; DELETE FROM events WHERE id = "
                                  "'ev-other'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_counts(1, 1, 1, 0, 1);
}

static void test_batch_commit_rollback(void **state)
{
    (void)state;
    at_sqlsink_t *s = must_open();
    fx_event_t f;
    char id[32];
    assert_int_equal(at_sqlsink_commit(s), -1);
    assert_non_null(strstr(at_sqlsink_error(s), "outside a batch"));
    assert_int_equal(at_sqlsink_rollback(s), -1);

    assert_int_equal(at_sqlsink_begin(s), 0);
    assert_int_equal(at_sqlsink_in_batch(s), 1);
    assert_int_equal(at_sqlsink_begin(s), -1);
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "rb-%d", i);
        fx_init(&f, id, "t");
        must_write(s, &f.ev, "{}");
    }
    /* A reader does not see the open batch. */
    assert_counts(0, 0, 0, 0, 0);
    assert_int_equal(at_sqlsink_rollback(s), 0);
    assert_int_equal(at_sqlsink_in_batch(s), 0);
    assert_counts(0, 0, 0, 0, 0);

    assert_int_equal(at_sqlsink_begin(s), 0);
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "ok-%d", i);
        fx_init(&f, id, "t");
        must_write(s, &f.ev, "{}");
    }
    assert_counts(0, 0, 0, 0, 0);
    assert_int_equal(at_sqlsink_commit(s), 0);
    assert_counts(5, 10, 10, 5, 10);
    at_sqlsink_close(&s);
}

/* A write that fails half way (a trigger refusing one alert) leaves no
 * trace outside a batch, and poisons a batch: commit rolls it back. */
static void test_failed_write_is_atomic(void **state)
{
    (void)state;
    at_sqlsink_t *s = must_open();
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TRIGGER boom BEFORE INSERT ON alerts WHEN "
                                  "NEW.rule = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    fx_event_t good, bad;
    fx_init(&good, "good", "t");
    fx_init(&bad, "bad", "t");
    bad.al[1].rule = "boom";
    char err[512] = "";
    assert_int_equal(at_sqlsink_write(s, &bad.ev, "{}", err, sizeof err), -1);
    assert_non_null(strstr(err, "bad"));
    assert_non_null(strstr(err, dbpath));
    assert_counts(0, 0, 0, 0, 0);

    assert_int_equal(at_sqlsink_begin(s), 0);
    must_write(s, &good.ev, "{}");
    assert_int_equal(at_sqlsink_write(s, &bad.ev, "{}", err, sizeof err), -1);
    assert_int_equal(at_sqlsink_commit(s), -1);
    assert_non_null(strstr(at_sqlsink_error(s), "rolled back"));
    assert_int_equal(at_sqlsink_in_batch(s), 0);
    assert_counts(0, 0, 0, 0, 0);
    /* The handle is usable afterwards. */
    must_write(s, &good.ev, "{}");
    assert_counts(1, 2, 2, 1, 2);
    at_sqlsink_close(&s);
}

/* A writer SIGKILLed in the middle of a batch (with enough data that
 * SQLite has spilled uncommitted pages into the WAL): after reopening,
 * every committed batch is there, nothing of the open one, and replaying
 * it gives exactly one copy of each event. */
static void test_kill9_mid_batch(void **state)
{
    (void)state;
    enum { COMMITTED = 20, HALF = 30, BIG = 512 * 1024 };
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        char err[512];
        at_sqlsink_t *s = at_sqlsink_open(dbpath, err, sizeof err);
        if (!s)
            _exit(2);
        fx_event_t f;
        char id[32];
        if (at_sqlsink_begin(s) != 0)
            _exit(3);
        for (int i = 0; i < COMMITTED; i++) {
            snprintf(id, sizeof id, "c-%d", i);
            fx_init(&f, id, "committed");
            if (at_sqlsink_write(s, &f.ev, "{}", err, sizeof err) != 0)
                _exit(4);
        }
        if (at_sqlsink_commit(s) != 0 || at_sqlsink_begin(s) != 0)
            _exit(5);
        char *big = malloc(BIG + 1);
        memset(big, 'x', BIG);
        big[BIG] = '\0';
        for (int i = 0; i < HALF; i++) {
            snprintf(id, sizeof id, "u-%d", i);
            fx_init(&f, id, big);
            if (at_sqlsink_write(s, &f.ev, "{}", err, sizeof err) != 0)
                _exit(6);
        }
        /* Tell the parent, then wait to be killed mid-batch. */
        if (write(ready[1], "k", 1) != 1)
            _exit(7);
        for (;;)
            pause();
    }
    close(ready[1]);
    char c = 0;
    ssize_t n = read(ready[0], &c, 1);
    close(ready[0]);
    if (n != 1) {
        int st;
        waitpid(pid, &st, 0);
        fail_msg("child failed before the kill (exit %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    /* The uncommitted pages really reached the WAL file. */
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    assert_true(sb.st_size > (off_t)BIG);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    at_sqlsink_t *s = must_open();
    assert_counts(COMMITTED, 2 * COMMITTED, 2 * COMMITTED, COMMITTED, 2 * COMMITTED);
    assert_int_equal(q_int("SELECT count(*) FROM events WHERE id LIKE 'u-%'"), 0);
    char *ok = q_text("PRAGMA integrity_check", NULL);
    assert_string_equal(ok, "ok");
    free(ok);

    /* Replay both batches (at-least-once upstream): one copy of each. */
    fx_event_t f;
    char id[32];
    assert_int_equal(at_sqlsink_begin(s), 0);
    for (int i = 0; i < COMMITTED; i++) {
        snprintf(id, sizeof id, "c-%d", i);
        fx_init(&f, id, "committed");
        must_write(s, &f.ev, "{}");
    }
    for (int i = 0; i < HALF; i++) {
        snprintf(id, sizeof id, "u-%d", i);
        fx_init(&f, id, "replayed");
        must_write(s, &f.ev, "{}");
    }
    assert_int_equal(at_sqlsink_commit(s), 0);
    at_sqlsink_close(&s);
    long long all = COMMITTED + HALF;
    assert_counts(all, 2 * all, 2 * all, all, 2 * all);
    assert_int_equal(q_int("SELECT count(DISTINCT id) FROM events"), all);
}

static void test_bad_files(void **state)
{
    (void)state;
    char err[512];

    /* Not a SQLite file: refused, and left as it was. */
    FILE *fp = fopen(dbpath, "w");
    assert_non_null(fp);
    for (int i = 0; i < 100; i++)
        fputs("this is a plain text file, not a database\n", fp);
    fclose(fp);
    struct stat before, after;
    assert_int_equal(stat(dbpath, &before), 0);
    err[0] = '\0';
    assert_null(at_sqlsink_open(dbpath, err, sizeof err));
    assert_non_null(strstr(err, dbpath));
    assert_non_null(strstr(err, "not a database"));
    assert_int_equal(stat(dbpath, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    unlink(dbpath);

    /* Another application's SQLite database: refused, not altered. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "CREATE TABLE mine(x); INSERT INTO mine VALUES (42)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_null(at_sqlsink_open(dbpath, err, sizeof err));
    assert_non_null(strstr(err, "not an attache event database"));
    assert_int_equal(q_int("SELECT count(*) FROM sqlite_master"), 1);
    unlink(dbpath);

    /* Written by a newer schema. */
    at_sqlsink_t *s = must_open();
    at_sqlsink_close(&s);
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(at_sqlsink_open(dbpath, err, sizeof err));
    assert_non_null(strstr(err, "newer"));

    /* Unwritable paths: a missing directory, a file used as a directory. */
    char bad[400];
    snprintf(bad, sizeof bad, "%s/no/such/dir/events.db", dir);
    assert_null(at_sqlsink_open(bad, err, sizeof err));
    assert_non_null(strstr(err, bad));
    assert_non_null(strstr(err, "unable to open database file"));
    snprintf(bad, sizeof bad, "%s/sub.db", dbpath);
    assert_null(at_sqlsink_open(bad, err, sizeof err));
    assert_non_null(strstr(err, bad));
    assert_null(at_sqlsink_open("", err, sizeof err));
    assert_non_null(strstr(err, "empty"));
    /* A read-only directory (only meaningful when not root). */
    if (geteuid() != 0) {
        char ro[300];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        assert_int_equal(mkdir(ro, 0500), 0);
        snprintf(bad, sizeof bad, "%s/events.db", ro);
        assert_null(at_sqlsink_open(bad, err, sizeof err));
        assert_non_null(strstr(err, bad));
        chmod(ro, 0700);
    }

    /* An event without an id is refused before anything is written. */
    unlink(dbpath);
    s = must_open();
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    assert_int_equal(at_sqlsink_write(s, &ev, "{}", err, sizeof err), -1);
    assert_non_null(strstr(err, "without an id"));
    at_sqlsink_close(&s);
    assert_counts(0, 0, 0, 0, 0);
}

static void test_hostile_strings(void **state)
{
    (void)state;
    static const char *ids[] = {
        "ev'); DROP TABLE events; --",
        "\"quoted\" 'single' `back` \\slash %s %n",
        "\xc3\xa9v\xc3\xa8nement-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x94\xa5-\xd7\xa2\xd7\x91",
    };
    /* A 4 MiB title of quotes and two-byte UTF-8 sequences. */
    const size_t hn = 4u << 20;
    char *huge = malloc(hn + 1);
    assert_non_null(huge);
    for (size_t i = 0; i < hn; i += 4)
        memcpy(huge + i, "'\"\xc3\xa9", 4);
    huge[hn] = '\0';

    at_sqlsink_t *s = must_open();
    fx_event_t f;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        fx_init(&f, ids[i], ids[i]);
        f.a[0].name = (char *)ids[i];
        f.al[0].message = (char *)ids[i];
        must_write(s, &f.ev, ids[i]);
        must_write(s, &f.ev, ids[i]);
    }
    fx_init(&f, "huge", huge);
    must_write(s, &f.ev, huge);
    /* NULL json: rendered here with the JSONL contract. */
    fx_init(&f, "rendered", "Rendered \xe2\x80\x94 title");
    must_write(s, &f.ev, NULL);
    at_sqlsink_close(&s);

    assert_int_equal(q_int("SELECT count(*) FROM events"), 5);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char *t = q_text("SELECT title FROM events WHERE id = ?1", ids[i]);
        assert_non_null(t);
        assert_string_equal(t, ids[i]);
        free(t);
        t = q_text("SELECT json FROM events WHERE id = ?1", ids[i]);
        assert_string_equal(t, ids[i]);
        free(t);
        t = q_text("SELECT name FROM event_actors WHERE event_id = ?1 AND actor_id = 'Q7747'",
                   ids[i]);
        assert_string_equal(t, ids[i]);
        free(t);
        t = q_text("SELECT message FROM alerts WHERE event_id = ?1 AND rule = 'warrant_exposure'",
                   ids[i]);
        assert_string_equal(t, ids[i]);
        free(t);
    }
    char *t = q_text("SELECT title FROM events WHERE id = ?1", "huge");
    assert_non_null(t);
    assert_int_equal(strlen(t), hn);
    assert_memory_equal(t, huge, hn);
    free(t);
    t = q_text("SELECT json FROM events WHERE id = ?1", "huge");
    assert_int_equal(strlen(t), hn);
    free(t);
    t = q_text("SELECT json FROM events WHERE id = ?1", "rendered");
    assert_non_null(t);
    assert_int_equal(t[0], '{');
    assert_non_null(strstr(t, "\"rendered\""));
    assert_non_null(strstr(t, "Rendered \xe2\x80\x94 title"));
    free(t);
    /* The stored JSON is a valid JSON object a monitor can take apart. */
    assert_int_equal(q_int("SELECT json_valid(json) FROM events WHERE id = 'rendered'"), 1);
    free(huge);
}

/* The canned monitor queries of docs/sqlite.md run and use their indexes. */
static void test_monitor_queries(void **state)
{
    (void)state;
    at_sqlsink_t *s = must_open();
    fx_event_t f;
    fx_init(&f, "q-1", "t");
    must_write(s, &f.ev, "{}");
    at_sqlsink_close(&s);
    assert_int_equal(q_int("SELECT count(*) FROM alerts a JOIN events e ON e.id = a.event_id "
                           "WHERE a.rule = 'warrant_exposure' AND a.severity = 'critical'"),
                     1);
    assert_int_equal(q_int("SELECT count(*) FROM event_countries c JOIN events e ON e.id = "
                           "c.event_id WHERE c.code = 'MNG' AND e.published >= 1719990000"),
                     1);
    assert_int_equal(q_int("SELECT count(*) FROM event_actors WHERE actor_id = 'Q7747'"), 1);
    /* "The countries an actor was located in", as in docs/sqlite.md. */
    char *t = q_text(
        "WITH hits AS (SELECT e.id, e.published, l.code FROM event_actors a JOIN events e ON "
        "e.id = a.event_id JOIN event_locations l ON l.event_id = e.id WHERE a.actor_id = ?1 AND "
        "e.published BETWEEN 0 AND 2000000000) "
        "SELECT h.code || ' ' || count(DISTINCT h.id) || ' ' || "
        "(SELECT c.rome_statute_status FROM hits h2 JOIN event_countries c ON c.event_id = h2.id "
        "AND c.code = h2.code WHERE h2.code = h.code ORDER BY h2.published DESC LIMIT 1) "
        "FROM hits h GROUP BY h.code ORDER BY max(h.published) DESC",
        "Q7747");
    assert_non_null(t);
    assert_string_equal(t, "MNG 1 party");
    free(t);
    /* "Recent alerts", warning and above. */
    assert_int_equal(q_int("SELECT count(*) FROM alerts a JOIN events e ON e.id = a.event_id "
                           "WHERE a.severity_level >= 3 AND e.published >= 0"),
                     1);
    static const char *const uses_index[][2] = {
        {"SELECT e.* FROM alerts a JOIN events e ON e.id = a.event_id WHERE a.rule = "
         "'warrant_exposure' AND a.severity = 'critical'",
         "alerts_rule_severity"},
        {"SELECT e.* FROM event_countries c JOIN events e ON e.id = c.event_id WHERE c.code = "
         "'MNG' ORDER BY e.published DESC",
         "event_countries_code"},
        {"SELECT e.* FROM event_actors a JOIN events e ON e.id = a.event_id WHERE a.actor_id = "
         "'Q7747'",
         "event_actors_actor"},
        {"SELECT * FROM events WHERE published BETWEEN 1 AND 2", "events_published"},
    };
    for (size_t i = 0; i < sizeof uses_index / sizeof uses_index[0]; i++) {
        char *plan = q_plan(uses_index[i][0]);
        if (!strstr(plan, uses_index[i][1]))
            fail_msg("%s: plan does not use %s: %s", uses_index[i][0], uses_index[i][1], plan);
        free(plan);
    }
}

static void bench(void)
{
    const char *env = getenv("ATTACHE_SQLSINK_BENCH");
    if (!env || atol(env) <= 0)
        return;
    long n = atol(env);
    snprintf(dbpath, sizeof dbpath, "%s/bench.db", dir);
    char err[512];
    at_sqlsink_t *s = at_sqlsink_open(dbpath, err, sizeof err);
    if (!s) {
        fprintf(stderr, "bench: %s\n", err);
        return;
    }
    fx_event_t f;
    char id[32];
    fx_init(&f, "x", "A headline of ordinary length about a visit to Mongolia");
    char *json = at_json_event_dump(&f.ev);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        if (i % 1000 == 0 && at_sqlsink_begin(s) != 0)
            break;
        snprintf(id, sizeof id, "bench-%ld", i);
        f.ev.id = id;
        f.item.id = id;
        if (at_sqlsink_write(s, &f.ev, json, err, sizeof err) != 0) {
            fprintf(stderr, "bench: %s\n", err);
            break;
        }
        if ((i % 1000 == 999 || i == n - 1) && at_sqlsink_commit(s) != 0)
            break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("bench: %ld events (2 countries, 2 actors, 1 location, 2 alerts, %zu-byte json) in "
           "batches of 1000: %.2f s, %.0f events/s\n",
           n, strlen(json), secs, (double)n / secs);
    free(json);
    at_sqlsink_close(&s);
}

int main(void)
{
    at_json_init();
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_schema_and_reopen, setup),
        cmocka_unit_test_setup(test_same_event_twice_one_copy, setup),
        cmocka_unit_test_setup(test_update_replaces_children, setup),
        cmocka_unit_test_setup(test_batch_commit_rollback, setup),
        cmocka_unit_test_setup(test_failed_write_is_atomic, setup),
        cmocka_unit_test_setup(test_kill9_mid_batch, setup),
        cmocka_unit_test_setup(test_bad_files, setup),
        cmocka_unit_test_setup(test_hostile_strings, setup),
        cmocka_unit_test_setup(test_monitor_queries, setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    bench();
    at_test_rmdir(dir);
    return rc;
}
