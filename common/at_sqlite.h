/*
 * at_sqlite: what attache's SQLite files share (the feed state of at_seen
 * and the event database of at_sqlsink): a connection hardened against a
 * tampered file, one-row integer queries, and a schema brought to its
 * version under a write lock, with a foreign or newer file refused instead
 * of altered (PRAGMA application_id and user_version).
 *
 * Errors: these functions say what failed; SQLite's reason stays on the
 * handle (sqlite3_errmsg), for the caller to report with its file's path.
 */
#ifndef AT_SQLITE_H
#define AT_SQLITE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Open path with flags (as sqlite3_open_v2; SQLITE_OPEN_NOMUTEX is added,
 * since every attache handle belongs to one thread) into *db_p: extended
 * result codes, a busy timeout of busy_ms, a page cache of up to cache_kib
 * KiB, no schema-defined functions running with our privileges
 * (trusted_schema off), defensive mode on; then reads the header, where a
 * file that is not a database shows up. 0, or -1 with *what "cannot open"
 * or "cannot read". *db_p may be set even on error: the caller closes it
 * with sqlite3_close_v2. */
int at_sqlite_open(const char *path, int flags, int busy_ms, int cache_kib, sqlite3 **db_p,
                   const char **what);

/* The integer result of a one-row query (PRAGMAs, counts) into *out.
 * 0, or -1 with SQLite's reason left on the handle. */
int at_sqlite_query_int(sqlite3 *db, const char *sql, int64_t *out);

/* Prepare the n statements sql[] once for the handle's lifetime
 * (SQLITE_PREPARE_PERSISTENT) into st[]. 0, or -1 when one does not fit the
 * schema, SQLite's reason on the handle; the caller finalizes st[] either
 * way. */
int at_sqlite_prepare_all(sqlite3 *db, const char *const *sql, size_t n, sqlite3_stmt **st);

/* A file's schema. */
typedef struct {
    int app_id;                    /* PRAGMA application_id */
    int version;                   /* PRAGMA user_version */
    const char *const *migrations; /* migrations[v] takes version v to v + 1 */
    const char *kind;              /* "not an attache <kind> database" */
} at_sqlite_schema_t;

/* Bring db (the file at path) to schema->version, in one write transaction
 * so two processes creating it at once do not both run the migrations; the
 * common case, a file already at the version, takes no lock. A readonly
 * handle can only find the schema there. Returns 0; or -1 with *what set
 * to what failed, SQLite's reason on the handle; or -1 with *what NULL and
 * the whole reason in err ("<path>: not an attache <kind> database ...",
 * "<path>: written by a newer attache ..."). A failure may leave the
 * write transaction open, so that SQLite's reason is still there to
 * report: the caller then rolls back, or closes the handle (which rolls
 * back). */
int at_sqlite_ensure_schema(sqlite3 *db, const at_sqlite_schema_t *schema, const char *path,
                            bool readonly, const char **what, char *err, size_t errlen);

#endif
