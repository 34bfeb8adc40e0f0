/*
 * at_seen.c: attache-ingest's persistent dedup and feed state, in SQLite.
 *
 * Decisions worth knowing (docs/feeds-store.md has the rest):
 *   - SQLite rather than LMDB: the feed state wants a small table with
 *     several columns that `attache feeds status` reads while the daemon
 *     writes, and SQLite in WAL mode gives that, concurrent writers with a
 *     busy timeout, and a file anyone can inspect with sqlite3(1).
 *   - journal_mode=WAL + synchronous=NORMAL: a commit is an append to the
 *     WAL without an fsync; a power cut may lose the last commits (which
 *     are then re-emitted: at-least-once), never corrupt the file.
 *   - The schema carries PRAGMA application_id (so a foreign SQLite file
 *     is refused instead of altered) and PRAGMA user_version (migrations);
 *     at_sqlite checks both, as for the SQLite sink.
 *   - ids and titles are WITHOUT ROWID tables keyed by what we look up, so
 *     a check is one B-tree probe; first_seen is indexed for pruning.
 *   - Check-and-add is INSERT OR IGNORE on the id, then on the title, with
 *     sqlite3_changes() saying whether each row was new, inside one
 *     BEGIN IMMEDIATE transaction (or the caller's batch): the write lock
 *     is taken up front, so two handles never both see a story as new.
 *     Inside a batch a failed title insert is undone by deleting the id
 *     again, not with a SAVEPOINT: a savepoint makes SQLite copy every
 *     page it touches to a statement journal, which cost two thirds of
 *     the throughput; and if the undo fails too, the batch can only be
 *     rolled back.
 *   - Every statement is prepared once (SQLITE_PREPARE_PERSISTENT) and
 *     reset after use.
 *   - A corrupt or foreign file is reported with SQLite's own reason
 *     ("file is not a database", "database disk image is malformed") and
 *     the path; nothing here asserts on the file's contents.
 */
#include "at_seen.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_err.h"
#include "at_sqlite.h"
#include "at_time.h"

/* "AtSn": written to the database header so `file` and we can tell an
 * attache store from any other SQLite file. */
#define AT_SEEN_APP_ID 0x4174536e

/* Schema version this build writes (PRAGMA user_version). */
#define AT_SEEN_SCHEMA 1

/* Rows deleted per transaction when pruning. */
#define PRUNE_CHUNK 10000

/* Page cache per handle, in KiB (PRAGMA cache_size takes a negative
 * number for KiB). The default 2 MiB makes every check of a random id in
 * a store of a million miss; 16 MiB holds the upper levels of the B-trees
 * (+30 % new ids, twice the known ids per second; docs/feeds-store.md
 * "Performance"). It is a ceiling, not an allocation. */
#define CACHE_KIB 16384

/* One entry per schema version: the SQL that takes a store from version
 * i to i + 1. Only ever append. */
static const char *const migrations[AT_SEEN_SCHEMA] = {
    /* 0 -> 1 */
    "CREATE TABLE items ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  first_seen INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX items_first_seen ON items(first_seen);"
    "CREATE TABLE titles ("
    "  source TEXT NOT NULL,"
    "  title_key TEXT NOT NULL,"
    "  day INTEGER NOT NULL," /* days since 1970-01-01, UTC */
    "  first_seen INTEGER NOT NULL,"
    "  PRIMARY KEY (source, title_key, day)"
    ") WITHOUT ROWID;"
    "CREATE INDEX titles_first_seen ON titles(first_seen);"
    "CREATE TABLE feeds ("
    "  url TEXT PRIMARY KEY NOT NULL,"
    "  etag TEXT,"
    "  last_modified TEXT,"
    "  last_success INTEGER NOT NULL DEFAULT 0,"
    "  last_error INTEGER NOT NULL DEFAULT 0,"
    "  next_poll INTEGER NOT NULL DEFAULT 0,"
    "  last_error_text TEXT,"
    "  http_status INTEGER NOT NULL DEFAULT 0,"
    "  error_count INTEGER NOT NULL DEFAULT 0,"
    "  items_new INTEGER NOT NULL DEFAULT 0,"
    "  items_duplicate INTEGER NOT NULL DEFAULT 0,"
    "  bytes INTEGER NOT NULL DEFAULT 0"
    ");",
};

static const at_sqlite_schema_t schema = {AT_SEEN_APP_ID, AT_SEEN_SCHEMA, migrations, "state"};

/* The cached statements, by purpose. */
enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_INS_ITEM,
    ST_DEL_ITEM,
    ST_INS_TITLE,
    ST_FEED_LOAD,
    ST_FEED_SAVE,
    ST_PRUNE_ITEMS,
    ST_PRUNE_TITLES,
    ST_COUNT_ITEMS,
    ST_COUNT_TITLES,
    ST__N
};

static const char *const stmt_sql[ST__N] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_INS_ITEM] = "INSERT OR IGNORE INTO items(id, first_seen) VALUES (?1, ?2)",
    [ST_DEL_ITEM] = "DELETE FROM items WHERE id = ?1",
    [ST_INS_TITLE] = "INSERT OR IGNORE INTO titles(source, title_key, day, first_seen) "
                     "VALUES (?1, ?2, ?3, ?4)",
    [ST_FEED_LOAD] = "SELECT url, etag, last_modified, last_success, last_error, next_poll, "
                     "last_error_text, http_status, error_count, items_new, items_duplicate, "
                     "bytes FROM feeds WHERE url = ?1",
    [ST_FEED_SAVE] = "INSERT OR REPLACE INTO feeds(url, etag, last_modified, last_success, "
                     "last_error, next_poll, last_error_text, http_status, error_count, "
                     "items_new, items_duplicate, bytes) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [ST_PRUNE_ITEMS] = "DELETE FROM items WHERE id IN "
                       "(SELECT id FROM items WHERE first_seen < ?1 LIMIT ?2)",
    [ST_PRUNE_TITLES] = "DELETE FROM titles WHERE (source, title_key, day) IN "
                        "(SELECT source, title_key, day FROM titles WHERE first_seen < ?1 "
                        "LIMIT ?2)",
    [ST_COUNT_ITEMS] = "SELECT count(*) FROM items",
    [ST_COUNT_TITLES] = "SELECT count(*) FROM titles",
};

/* The columns of ST_FEED_LOAD, shared with at_seen_feed_each. */
#define FEED_COLUMNS                                                                               \
    "url, etag, last_modified, last_success, last_error, next_poll, last_error_text, "             \
    "http_status, error_count, items_new, items_duplicate, bytes"

struct at_seen {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *st[ST__N];
    bool readonly;
    bool in_batch;     /* at_seen_begin ... commit/rollback */
    bool batch_broken; /* a failure left the batch unsure: it can only roll back */
    at_seen_dup_t last_dup;
    char errmsg[256];
};

/* --- errors -------------------------------------------------------------- */

/* Remember SQLite's reason for the last failure on the handle, prefixed by
 * what we were doing, and copy it to err when the caller gave one. */
static void db_fail(at_seen_t *self, const char *what, char *err, size_t errlen)
{
    at_err_set(self->errmsg, sizeof self->errmsg, "%s: %s: %s", self->path, what,
               self->db ? sqlite3_errmsg(self->db) : "no database");
    at_err_set(err, errlen, "%s", self->errmsg);
}

/* --- statement helpers --------------------------------------------------- */

/* Run a cached statement that returns no rows. SQLITE_OK or the error. */
static int run(at_seen_t *self, int which)
{
    sqlite3_stmt *s = self->st[which];
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Run a one-off SQL text (schema work, pragmas). SQLITE_OK or the error. */
static int exec(at_seen_t *self, const char *sql)
{
    return sqlite3_exec(self->db, sql, NULL, NULL, NULL);
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

/* Bind a string or NULL (for optional columns). */
static int bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
    if (!v)
        return sqlite3_bind_null(s, i);
    return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* malloc'd copy of an optional text column, NULL when SQL NULL. Sets *oom
 * when the copy fails. */
static char *column_dup(sqlite3_stmt *s, int i, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    if (!t)
        return NULL;
    char *d = strdup((const char *)t);
    if (!d)
        *oom = true;
    return d;
}

/* --- open / schema ------------------------------------------------------- */

static at_seen_t *open_store(const char *path, bool readonly, char *err, size_t errlen)
{
    if (!path || !path[0]) {
        at_err_set(err, errlen, "empty path for the state database");
        return NULL;
    }
    at_seen_t *self = calloc(1, sizeof *self);
    if (!self || !(self->path = strdup(path))) {
        at_err_set(err, errlen, "out of memory");
        free(self);
        return NULL;
    }
    self->readonly = readonly;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    const char *what;
    if (at_sqlite_open(path, flags, AT_SEEN_BUSY_TIMEOUT_MS, CACHE_KIB, &self->db, &what) != 0) {
        db_fail(self, what, err, errlen);
        goto fail;
    }
    if (!readonly) {
        /* WAL is persistent in the file; asking again is cheap. */
        if (exec(self, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
            exec(self, "PRAGMA synchronous = NORMAL") != SQLITE_OK) {
            db_fail(self, "cannot set WAL mode", err, errlen);
            goto fail;
        }
    }
    /* On failure closing the handle rolls back what this began. */
    if (at_sqlite_ensure_schema(self->db, &schema, path, readonly, &what, err, errlen) != 0) {
        if (what)
            db_fail(self, what, err, errlen);
        goto fail;
    }
    if (at_sqlite_prepare_all(self->db, stmt_sql, ST__N, self->st) != 0) {
        db_fail(self, "unexpected schema", err, errlen);
        goto fail;
    }
    return self;
fail:
    at_seen_close(&self);
    return NULL;
}

at_seen_t *at_seen_open(const char *path, char *err, size_t errlen)
{
    return open_store(path, false, err, errlen);
}

at_seen_t *at_seen_open_readonly(const char *path, char *err, size_t errlen)
{
    return open_store(path, true, err, errlen);
}

void at_seen_close(at_seen_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_seen_t *self = *self_p;
    if (self->in_batch)
        run(self, ST_ROLLBACK);
    for (int i = 0; i < ST__N; i++)
        sqlite3_finalize(self->st[i]);
    /* sqlite3_close_v2 never fails for busy statements; all are finalized
     * anyway. The last connection to close checkpoints the WAL. */
    sqlite3_close_v2(self->db);
    free(self->path);
    free(self);
    *self_p = NULL;
}

const char *at_seen_errmsg(const at_seen_t *self)
{
    return self ? self->errmsg : "no store";
}

/* --- dedup --------------------------------------------------------------- */

/* The two inserts of a check-and-add, inside the transaction the caller
 * opened. 1 new, 0 duplicate, -1 error; *id_added says whether the id row
 * went in (to undo on a later error). */
static int check_add_inner(at_seen_t *self, const char *id, const char *source,
                           const char *title_key, int64_t day_time, int64_t now, bool *id_added)
{
    sqlite3_stmt *s = self->st[ST_INS_ITEM];
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE)
        return -1;
    if (sqlite3_changes(self->db) == 0) {
        self->last_dup = AT_SEEN_DUP_ID;
        return 0;
    }
    *id_added = true;
    if (!title_key || !title_key[0])
        return 1;

    s = self->st[ST_INS_TITLE];
    sqlite3_bind_text(s, 1, str_or_empty(source), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, title_key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, at_day_from_unix(day_time ? day_time : now));
    sqlite3_bind_int64(s, 4, now);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE)
        return -1;
    if (sqlite3_changes(self->db) == 0) {
        self->last_dup = AT_SEEN_DUP_TITLE;
        return 0; /* the id stays recorded: this story is a duplicate */
    }
    return 1;
}

/* Take back an id recorded by a check-and-add that then failed. Keeps the
 * reason of the first failure in errmsg. true when undone. */
static bool undo_item(at_seen_t *self, const char *id)
{
    sqlite3_stmt *s = self->st[ST_DEL_ITEM];
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE && !sqlite3_get_autocommit(self->db);
}

int at_seen_check_and_add(at_seen_t *self, const char *id, const char *source,
                          const char *title_key, int64_t day_time, int64_t now, char *err,
                          size_t errlen)
{
    if (!self)
        return -1;
    self->last_dup = AT_SEEN_NEW;
    if (!id || !id[0]) {
        at_err_set(self->errmsg, sizeof self->errmsg, "check_and_add: empty item id");
        at_err_set(err, errlen, "%s", self->errmsg);
        return -1;
    }
    if (self->in_batch) {
        /* SQLite rolls a transaction back by itself after some errors
         * (disk full, I/O): going on would record ids outside any batch. */
        if (self->batch_broken || sqlite3_get_autocommit(self->db)) {
            self->batch_broken = true;
            at_err_set(self->errmsg, sizeof self->errmsg,
                       "%s: check_and_add: the batch was abandoned after an earlier error; "
                       "roll it back",
                       self->path);
            at_err_set(err, errlen, "%s", self->errmsg);
            return -1;
        }
        bool id_added = false;
        int res = check_add_inner(self, id, source, title_key, day_time, now, &id_added);
        if (res < 0) {
            db_fail(self, "check_and_add", err, errlen);
            self->last_dup = AT_SEEN_NEW;
            if (id_added && !undo_item(self, id))
                self->batch_broken = true;
            return -1;
        }
        return res;
    }
    /* BEGIN IMMEDIATE takes the write lock before the first read, so the
     * busy timeout applies and no other handle can slip in between. */
    if (run(self, ST_BEGIN) != SQLITE_OK) {
        db_fail(self, "check_and_add: cannot start a transaction", err, errlen);
        return -1;
    }
    bool id_added = false;
    int res = check_add_inner(self, id, source, title_key, day_time, now, &id_added);
    if (res < 0 || run(self, ST_COMMIT) != SQLITE_OK) {
        db_fail(self, res < 0 ? "check_and_add" : "check_and_add: commit", err, errlen);
        if (!sqlite3_get_autocommit(self->db))
            run(self, ST_ROLLBACK);
        self->last_dup = AT_SEEN_NEW;
        return -1;
    }
    return res;
}

at_seen_dup_t at_seen_last_dup(const at_seen_t *self)
{
    return self ? self->last_dup : AT_SEEN_NEW;
}

/* Delete rows older than cutoff from one table, PRUNE_CHUNK at a time. */
static long prune_table(at_seen_t *self, int which, int64_t cutoff)
{
    long total = 0;
    sqlite3_stmt *s = self->st[which];
    for (;;) {
        sqlite3_bind_int64(s, 1, cutoff);
        sqlite3_bind_int(s, 2, PRUNE_CHUNK);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
            db_fail(self, "prune", NULL, 0);
            return -1;
        }
        int n = sqlite3_changes(self->db);
        total += n;
        if (n < PRUNE_CHUNK)
            return total;
    }
}

long at_seen_prune(at_seen_t *self, int64_t cutoff)
{
    if (!self)
        return -1;
    long a = prune_table(self, ST_PRUNE_ITEMS, cutoff);
    if (a < 0)
        return -1;
    long b = prune_table(self, ST_PRUNE_TITLES, cutoff);
    if (b < 0)
        return -1;
    return a + b;
}

int at_seen_count(at_seen_t *self, int64_t *items, int64_t *titles)
{
    if (!self)
        return -1;
    int which[2] = {ST_COUNT_ITEMS, ST_COUNT_TITLES};
    int64_t *out[2] = {items, titles};
    for (int i = 0; i < 2; i++) {
        if (!out[i])
            continue;
        sqlite3_stmt *s = self->st[which[i]];
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            *out[i] = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (rc != SQLITE_ROW) {
            db_fail(self, "count", NULL, 0);
            return -1;
        }
    }
    return 0;
}

/* --- batches ------------------------------------------------------------- */

int at_seen_begin(at_seen_t *self)
{
    if (!self)
        return -1;
    if (self->in_batch) {
        at_err_set(self->errmsg, sizeof self->errmsg, "begin: a batch is already open");
        return -1;
    }
    if (run(self, ST_BEGIN) != SQLITE_OK) {
        db_fail(self, "begin", NULL, 0);
        return -1;
    }
    self->in_batch = true;
    self->batch_broken = false;
    return 0;
}

int at_seen_commit(at_seen_t *self)
{
    if (!self)
        return -1;
    if (!self->in_batch) {
        at_err_set(self->errmsg, sizeof self->errmsg, "commit: no batch is open");
        return -1;
    }
    if (self->batch_broken || sqlite3_get_autocommit(self->db)) {
        /* Half-recorded, or already rolled back by SQLite: all of it must
         * count as new again, so nothing of it may be committed. */
        if (!sqlite3_get_autocommit(self->db))
            run(self, ST_ROLLBACK);
        self->in_batch = self->batch_broken = false;
        at_err_set(self->errmsg, sizeof self->errmsg,
                   "%s: commit: the batch was abandoned after a storage error and rolled back",
                   self->path);
        return -1;
    }
    if (run(self, ST_COMMIT) != SQLITE_OK) {
        db_fail(self, "commit", NULL, 0);
        /* A failed COMMIT may leave the transaction open; end it so the
         * handle is usable, and so the batch's items count as new again. */
        if (!sqlite3_get_autocommit(self->db))
            run(self, ST_ROLLBACK);
        self->in_batch = false;
        return -1;
    }
    self->in_batch = false;
    return 0;
}

int at_seen_rollback(at_seen_t *self)
{
    if (!self)
        return -1;
    if (!self->in_batch) {
        at_err_set(self->errmsg, sizeof self->errmsg, "rollback: no batch is open");
        return -1;
    }
    self->in_batch = self->batch_broken = false;
    /* SQLite may already have rolled back on its own (SQLITE_FULL, IOERR). */
    if (sqlite3_get_autocommit(self->db))
        return 0;
    if (run(self, ST_ROLLBACK) != SQLITE_OK) {
        db_fail(self, "rollback", NULL, 0);
        return -1;
    }
    return 0;
}

/* --- feed state ---------------------------------------------------------- */

void at_feedstate_clear(at_feedstate_t *st)
{
    if (!st)
        return;
    free(st->url);
    free(st->etag);
    free(st->last_modified);
    free(st->last_error_text);
    memset(st, 0, sizeof *st);
}

/* Fill st from a row of FEED_COLUMNS, pointing into SQLite's buffers
 * (valid until the statement moves on). */
static void row_to_state(sqlite3_stmt *s, at_feedstate_t *st)
{
    memset(st, 0, sizeof *st);
    st->url = (char *)sqlite3_column_text(s, 0);
    st->etag = (char *)sqlite3_column_text(s, 1);
    st->last_modified = (char *)sqlite3_column_text(s, 2);
    st->last_success = sqlite3_column_int64(s, 3);
    st->last_error = sqlite3_column_int64(s, 4);
    st->next_poll = sqlite3_column_int64(s, 5);
    st->last_error_text = (char *)sqlite3_column_text(s, 6);
    st->http_status = sqlite3_column_int(s, 7);
    st->error_count = sqlite3_column_int(s, 8);
    st->items_new = (uint64_t)sqlite3_column_int64(s, 9);
    st->items_duplicate = (uint64_t)sqlite3_column_int64(s, 10);
    st->bytes = (uint64_t)sqlite3_column_int64(s, 11);
}

int at_seen_feed_load(at_seen_t *self, const char *url, at_feedstate_t *out)
{
    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    if (!self || !url)
        return -1;
    sqlite3_stmt *s = self->st[ST_FEED_LOAD];
    sqlite3_bind_text(s, 1, url, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    bool oom = false;
    if (rc == SQLITE_ROW) {
        at_feedstate_t row;
        row_to_state(s, &row);
        *out = row;
        /* Own copies of the strings (the row's point into SQLite). */
        out->url = column_dup(s, 0, &oom);
        out->etag = column_dup(s, 1, &oom);
        out->last_modified = column_dup(s, 2, &oom);
        out->last_error_text = column_dup(s, 6, &oom);
    } else if (rc == SQLITE_DONE) {
        out->url = strdup(url);
        oom = out->url == NULL;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_fail(self, "feed_load", NULL, 0);
        return -1;
    }
    if (oom) {
        at_feedstate_clear(out);
        at_err_set(self->errmsg, sizeof self->errmsg, "feed_load: out of memory");
        return -1;
    }
    return 0;
}

int at_seen_feed_save(at_seen_t *self, const at_feedstate_t *st)
{
    if (!self || !st || !st->url || !st->url[0]) {
        if (self)
            at_err_set(self->errmsg, sizeof self->errmsg, "feed_save: no url");
        return -1;
    }
    sqlite3_stmt *s = self->st[ST_FEED_SAVE];
    sqlite3_bind_text(s, 1, st->url, -1, SQLITE_STATIC);
    bind_opt_text(s, 2, st->etag);
    bind_opt_text(s, 3, st->last_modified);
    sqlite3_bind_int64(s, 4, st->last_success);
    sqlite3_bind_int64(s, 5, st->last_error);
    sqlite3_bind_int64(s, 6, st->next_poll);
    bind_opt_text(s, 7, st->last_error_text);
    sqlite3_bind_int(s, 8, st->http_status);
    sqlite3_bind_int(s, 9, st->error_count);
    /* SQLite integers are signed 64-bit; the counters would need 2^63
     * items to wrap, and come back bit-identical through the cast. */
    sqlite3_bind_int64(s, 10, (int64_t)st->items_new);
    sqlite3_bind_int64(s, 11, (int64_t)st->items_duplicate);
    sqlite3_bind_int64(s, 12, (int64_t)st->bytes);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE) {
        db_fail(self, "feed_save", NULL, 0);
        return -1;
    }
    return 0;
}

int at_seen_feed_each(at_seen_t *self, int (*fn)(void *arg, const at_feedstate_t *st), void *arg)
{
    if (!self || !fn)
        return -1;
    /* A statement of its own, not a cached one, so fn may load a feed. */
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(self->db, "SELECT " FEED_COLUMNS " FROM feeds ORDER BY url", -1, &s,
                           NULL) != SQLITE_OK) {
        db_fail(self, "feed_each", NULL, 0);
        return -1;
    }
    int res = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        at_feedstate_t st;
        row_to_state(s, &st);
        if (!st.url)
            continue; /* NOT NULL in the schema; a tampered file could differ */
        res = fn(arg, &st);
        if (res != 0)
            break;
    }
    if (res == 0 && rc != SQLITE_DONE) {
        db_fail(self, "feed_each", NULL, 0);
        res = -1;
    }
    sqlite3_finalize(s);
    return res;
}

/* --- title keys ---------------------------------------------------------- */

/* Length of the UTF-8 sequence a lead byte starts (1 for anything that is
 * not a valid lead, so malformed input still advances). */
static size_t utf8_seq_len(unsigned char c)
{
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    if (c >= 0xE0)
        return c <= 0xEF ? 3 : 1;
    if (c >= 0xC2)
        return 2;
    return 1;
}

size_t at_seen_title_key(const char *title, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return 0;
    out[0] = '\0';
    if (!title)
        return 0;
    const unsigned char *p = (const unsigned char *)title;
    size_t n = 0;
    bool pending_space = false;
    while (*p) {
        unsigned char c = *p;
        if (c < 0x80) {
            p++;
            if (c == '\'' || c == '`')
                continue; /* apostrophes join: "Putin's" == "Putins" */
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                /* whitespace, control, punctuation, symbols: a break */
                pending_space = n > 0;
                continue;
            }
            if (pending_space) {
                if (n + 2 > outlen - 1)
                    break;
                out[n++] = ' ';
                pending_space = false;
            }
            if (n + 1 > outlen - 1)
                break;
            out[n++] = (char)c;
            continue;
        }
        /* Non-ASCII: U+2018/U+2019 are apostrophes, U+00A0 a space; any
         * other sequence is copied whole (or not at all). */
        if (c == 0xE2 && p[1] == 0x80 && (p[2] == 0x98 || p[2] == 0x99)) {
            p += 3;
            continue;
        }
        if (c == 0xC2 && p[1] == 0xA0) {
            p += 2;
            pending_space = n > 0;
            continue;
        }
        size_t len = utf8_seq_len(c);
        for (size_t k = 1; k < len; k++) {
            if (p[k] == '\0') {
                len = k; /* truncated sequence at the end of the string */
                break;
            }
        }
        size_t need = len + (pending_space ? 1 : 0);
        if (n + need > outlen - 1)
            break;
        if (pending_space) {
            out[n++] = ' ';
            pending_space = false;
        }
        memcpy(out + n, p, len);
        n += len;
        p += len;
    }
    out[n] = '\0';
    return n;
}
