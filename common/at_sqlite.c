/*
 * at_sqlite: the SQLite open and schema code at_seen and at_sqlsink share.
 * See at_sqlite.h.
 */
#include "at_sqlite.h"

#include <stdio.h>

#include "at_err.h"

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int at_sqlite_open(const char *path, int flags, int busy_ms, int cache_kib, sqlite3 **db_p,
                   const char **what)
{
    *what = "cannot open";
    if (sqlite3_open_v2(path, db_p, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return -1;
    sqlite3 *db = *db_p;
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_ms);
    /* Hardening against a tampered file: no schema-defined functions
     * running with our privileges, no writes that can corrupt it. */
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    /* The first read of the header is where a non-SQLite file or an
     * unreachable path shows up ("file is not a database"). */
    int64_t app;
    *what = "cannot read";
    if (at_sqlite_query_int(db, "PRAGMA application_id", &app) != 0)
        return -1;
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%d", cache_kib);
    exec(db, pragma); /* a hint: a failure only costs speed */
    return 0;
}

int at_sqlite_query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = 0;
    }
    sqlite3_finalize(s);
    return rc;
}

int at_sqlite_prepare_all(sqlite3 *db, const char *const *sql, size_t n, sqlite3_stmt **st)
{
    for (size_t i = 0; i < n; i++)
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st[i], NULL) !=
            SQLITE_OK)
            return -1;
    return 0;
}

int at_sqlite_ensure_schema(sqlite3 *db, const at_sqlite_schema_t *schema, const char *path,
                            bool readonly, const char **what, char *err, size_t errlen)
{
    int64_t app = 0, ver = 0, tables = 0;
    *what = NULL;
    if (at_sqlite_query_int(db, "PRAGMA application_id", &app) ||
        at_sqlite_query_int(db, "PRAGMA user_version", &ver)) {
        *what = "cannot read the database header";
        return -1;
    }
    if (ver == schema->version && app == schema->app_id)
        return 0; /* the common case needs no write lock */
    if (readonly) {
        at_err_set(err, errlen, "%s: not an attache %s database (or not initialized yet)", path,
                   schema->kind);
        return -1;
    }
    /* From here a failure leaves the transaction open, since a ROLLBACK
     * would replace SQLite's reason on the handle before the caller has
     * reported it (see at_sqlite.h). */
    if (exec(db, "BEGIN IMMEDIATE") != SQLITE_OK) {
        *what = "cannot lock the database";
        return -1;
    }
    /* Read again under the lock: another process may have just done it. */
    if (at_sqlite_query_int(db, "PRAGMA application_id", &app) ||
        at_sqlite_query_int(db, "PRAGMA user_version", &ver) ||
        at_sqlite_query_int(db, "SELECT count(*) FROM sqlite_master", &tables)) {
        *what = "cannot read the schema";
        return -1;
    }
    /* Both header fields are signed 32-bit: a negative version is as
     * foreign as another application's id. */
    if ((app != schema->app_id && (app != 0 || tables > 0)) || ver < 0) {
        at_err_set(err, errlen,
                   "%s: not an attache %s database (application_id %#llx, %lld tables); "
                   "refusing to modify it",
                   path, schema->kind, (unsigned long long)app, (long long)tables);
        return -1;
    }
    if (ver > schema->version) {
        at_err_set(err, errlen, "%s: written by a newer attache (schema %lld, this build knows %d)",
                   path, (long long)ver, schema->version);
        return -1;
    }
    for (int64_t v = ver; v < schema->version; v++) {
        if (exec(db, schema->migrations[v]) != SQLITE_OK) {
            *what = "cannot create the schema";
            return -1;
        }
    }
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             schema->app_id, schema->version);
    if (exec(db, sql) != SQLITE_OK || exec(db, "COMMIT") != SQLITE_OK) {
        *what = "cannot write the schema";
        return -1;
    }
    return 0;
}
