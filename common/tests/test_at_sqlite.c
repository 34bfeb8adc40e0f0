/*
 * Tests for at_sqlite: a hardened open (a file that is not a database is
 * caught at the header), one-row integer queries, statements prepared
 * against the schema, and the schema check:
 * created once and then left alone, a foreign or newer file refused and
 * untouched, a read-only handle on an empty file refused, and a failing
 * migration reported with SQLite's reason still on the handle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_sqlite.h"
#include "at_testutil.h"

static char dir[] = "/tmp/at_sqlite_test.XXXXXX";

static const char *const migrations[] = {
    "CREATE TABLE a (x INTEGER)",
    "CREATE TABLE b (y INTEGER)",
};
static const at_sqlite_schema_t schema = {0x41745473, 2, migrations, "test"};

/* A fresh path in dir. */
static const char *path_of(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static sqlite3 *must_open(const char *path, int flags)
{
    sqlite3 *db = NULL;
    const char *what = NULL;
    if (at_sqlite_open(path, flags, 1000, 2048, &db, &what) != 0)
        fail_msg("%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "no handle");
    return db;
}

static int64_t q(sqlite3 *db, const char *sql)
{
    int64_t v = -1;
    assert_int_equal(at_sqlite_query_int(db, sql, &v), 0);
    return v;
}

static void test_create_then_keep(void **state)
{
    (void)state;
    const char *p = path_of("new.db");
    sqlite3 *db = must_open(p, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    const char *what = "x";
    char err[256] = "";
    assert_int_equal(at_sqlite_ensure_schema(db, &schema, p, false, &what, err, sizeof err), 0);
    assert_null(what);
    assert_int_equal(q(db, "PRAGMA user_version"), 2);
    assert_int_equal(q(db, "PRAGMA application_id"), 0x41745473);
    assert_int_equal(q(db, "SELECT count(*) FROM sqlite_master"), 2);
    assert_int_equal(q(db, "PRAGMA cache_size"), -2048);
    static const char *const sql[] = {"SELECT x FROM a", "SELECT y FROM b", "SELECT z FROM c"};
    sqlite3_stmt *st[3] = {NULL, NULL, NULL};
    assert_int_equal(at_sqlite_prepare_all(db, sql, 2, st), 0);
    for (int i = 0; i < 2; i++)
        sqlite3_finalize(st[i]);
    assert_int_equal(at_sqlite_prepare_all(db, sql, 3, st), -1); /* no table c */
    assert_non_null(strstr(sqlite3_errmsg(db), "no such table: c"));
    for (int i = 0; i < 3; i++)
        sqlite3_finalize(st[i]);
    int64_t v;
    assert_int_equal(at_sqlite_query_int(db, "SELECT nothing FROM nowhere", &v), -1);
    sqlite3_close_v2(db);
    /* Again, read-only: already there, nothing to do. */
    db = must_open(p, SQLITE_OPEN_READONLY);
    assert_int_equal(at_sqlite_ensure_schema(db, &schema, p, true, &what, err, sizeof err), 0);
    sqlite3_close_v2(db);
}

static void test_refused(void **state)
{
    (void)state;
    char err[256] = "";
    const char *what;
    /* Another application's file. */
    const char *p = path_of("foreign.db");
    sqlite3 *db = must_open(p, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(
        sqlite3_exec(db, "CREATE TABLE t (z); PRAGMA application_id = 7", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(at_sqlite_ensure_schema(db, &schema, p, false, &what, err, sizeof err), -1);
    assert_null(what);
    assert_non_null(strstr(err, "not an attache test database (application_id 0x7, 1 tables)"));
    sqlite3_close_v2(db); /* rolls back */
    db = must_open(p, SQLITE_OPEN_READWRITE);
    assert_int_equal(q(db, "PRAGMA user_version"), 0);
    sqlite3_close_v2(db);

    /* A newer attache's file. */
    p = path_of("newer.db");
    db = must_open(p, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(sqlite3_exec(db, "PRAGMA application_id = 1098142835; PRAGMA user_version = 9",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(at_sqlite_ensure_schema(db, &schema, p, false, &what, err, sizeof err), -1);
    assert_null(what);
    assert_non_null(strstr(err, "written by a newer attache (schema 9, this build knows 2)"));
    sqlite3_close_v2(db);

    /* Read-only on a file nobody initialized. */
    p = path_of("empty.db");
    db = must_open(p, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3_close_v2(db);
    db = must_open(p, SQLITE_OPEN_READONLY);
    assert_int_equal(at_sqlite_ensure_schema(db, &schema, p, true, &what, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an attache test database (or not initialized yet)"));
    sqlite3_close_v2(db);
}

static void test_bad_files(void **state)
{
    (void)state;
    const char *p = path_of("text.db");
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("this is not a database, not even close, and it is long enough to have a header\n", f);
    fclose(f);
    sqlite3 *db = NULL;
    const char *what = NULL;
    assert_int_equal(at_sqlite_open(p, SQLITE_OPEN_READWRITE, 1000, 2048, &db, &what), -1);
    assert_string_equal(what, "cannot read");
    assert_non_null(strstr(sqlite3_errmsg(db), "not a database"));
    sqlite3_close_v2(db);
    db = NULL;
    assert_int_equal(
        at_sqlite_open(path_of("missing/x.db"), SQLITE_OPEN_READWRITE, 1000, 2048, &db, &what), -1);
    assert_string_equal(what, "cannot open");
    sqlite3_close_v2(db);

    /* A migration that fails: its reason is still on the handle. */
    static const char *const bad[] = {"CREATE TABLE (oops"};
    static const at_sqlite_schema_t bad_schema = {0x41745473, 1, bad, "test"};
    p = path_of("bad-migration.db");
    db = must_open(p, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    char err[256] = "";
    assert_int_equal(at_sqlite_ensure_schema(db, &bad_schema, p, false, &what, err, sizeof err),
                     -1);
    assert_string_equal(what, "cannot create the schema");
    assert_non_null(strstr(sqlite3_errmsg(db), "syntax error"));
    sqlite3_close_v2(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_keep),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_bad_files),
    };
    return at_test_run_in_dir(tests, dir);
}
