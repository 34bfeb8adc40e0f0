/*
 * at_sqlsink: the SQLite sink of attache-sink (`sink.output = sqlite:PATH`).
 *
 * Writes attache.v1.Event messages into a SQLite database a monitor can
 * query while the sink writes (WAL mode): one row per event in `events`
 * (with the event's JSON line, so the full event can be read back), and
 * child rows in `event_countries` (with the Rome Statute status as of the
 * event's reference date), `event_actors`, `event_locations` and `alerts`.
 * The schema and the canned monitor queries are in docs/sqlite.md.
 *
 * Delivery: a write is an idempotent upsert by event id, so a replayed
 * event (at-least-once upstream) leaves exactly one copy, and a crash
 * mid-batch loses the whole uncommitted batch and nothing else; replaying
 * it restores it without duplicates.
 *
 * Threading: a handle belongs to one thread at a time. Other processes
 * (monitors, `attache query`) may read the same file concurrently.
 */
#ifndef AT_SQLSINK_H
#define AT_SQLSINK_H

#include <stddef.h>

#include "attache/v1/attache.pb-c.h"

/* Schema version this build writes (PRAGMA user_version). */
#define AT_SQLSINK_SCHEMA 1

/* "AtSq" in PRAGMA application_id: a foreign SQLite file is refused, not altered. */
#define AT_SQLSINK_APP_ID 0x41745371

/* How long a write waits for another connection's lock before failing. */
#define AT_SQLSINK_BUSY_TIMEOUT_MS 5000

typedef struct at_sqlsink at_sqlsink_t;

/* Open or create the database at path: WAL, synchronous=NORMAL,
 * busy_timeout, foreign-key enforcement off in this connection (the
 * writer keeps the references true itself), schema created on first open and
 * versioned (PRAGMA user_version). A non-SQLite file, another
 * application's database or a newer schema is refused. Returns NULL with
 * a reason naming the path in err. Caller owns the result and must
 * destroy it with at_sqlsink_close(). */
at_sqlsink_t *at_sqlsink_open(const char *path, char *err, size_t errlen);

/* Batching: writes between begin and commit are one transaction (BEGIN
 * IMMEDIATE, so the write lock is taken up front). Outside a batch each
 * write is its own transaction. 0 or -1 (at_sqlsink_error() says why);
 * begin inside a batch, and commit or rollback outside one, are -1.
 *
 * If a write fails inside a batch the batch is poisoned: the failed
 * event may be half-written, so commit then rolls the whole batch back
 * and returns -1; the caller replays the batch (writes are idempotent). */
int at_sqlsink_begin(at_sqlsink_t *self);
int at_sqlsink_commit(at_sqlsink_t *self);
int at_sqlsink_rollback(at_sqlsink_t *self);

/* Idempotent upsert of one event by event id: the event row and its child
 * rows (countries with their Rome Statute status, actors, locations,
 * alerts) are replaced, so writing the same event twice leaves one copy.
 * `json` is the event's JSON line as the JSONL sink writes it (stored
 * verbatim); NULL renders it here with at_json_event_dump(). Does not
 * take ownership of ev or json. 0, or -1 with err (an event without an id
 * is refused before anything is written). */
int at_sqlsink_write(at_sqlsink_t *self, const Attache__V1__Event *ev, const char *json, char *err,
                     size_t errlen);

/* 1 between a successful begin and the matching commit/rollback, else 0. */
int at_sqlsink_in_batch(const at_sqlsink_t *self);

/* The last error on this handle ("" when none). Valid until the next call. */
const char *at_sqlsink_error(const at_sqlsink_t *self);

/* Roll back an open batch, finalize the statements and close the
 * database. NULL-safe; nulls the caller's pointer. */
void at_sqlsink_close(at_sqlsink_t **self_p);

#endif
