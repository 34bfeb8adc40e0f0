/*
 * at_pgsink: the PostgreSQL sink of attache-sink (`sink.output =
 * postgres:CONNINFO`), through libpq.
 *
 * The same tables as the SQLite sink (docs/sqlite.md): `events` (with the
 * event's JSON line), `event_countries` (with the Rome Statute status as of
 * the event's reference date), `event_actors`, `event_locations` and
 * `alerts`. Schema, tuning and operation are in docs/postgres.md.
 *
 * Shape: the same calls as at_sqlsink (open / begin / write / commit /
 * rollback / close), so attache-sink drives both the same way. The batch is
 * built in memory: write() only renders the event's rows, and commit()
 * sends the whole batch in one transaction (COPY into session-local
 * staging tables, then one set-based upsert by event id with `INSERT ...
 * ON CONFLICT (id) DO UPDATE` and a replacement of the child rows).
 *
 * Delivery: idempotent by event id (a replayed event leaves one copy). When
 * the server goes away (restart, network, too many connections) commit()
 * reconnects with exponential backoff and sends the same batch again: it
 * is kept until the server has committed it, never silently dropped. When
 * the server rejects an event's data (a permanent error), the batch is
 * retried one event per transaction so only the bad event is lost; it is
 * counted (at_pgsink_last_lost) and named in the error.
 *
 * Threading: a handle belongs to one thread at a time.
 */
#ifndef AT_PGSINK_H
#define AT_PGSINK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "attache/v1/attache.pb-c.h"

/* Schema version this build writes (table attache_schema). Follows
 * AT_SQLSINK_SCHEMA: the two sinks keep the same tables. */
#define AT_PGSINK_SCHEMA 1

/* Backoff between reconnection attempts: doubles from MIN to MAX. */
#define AT_PGSINK_BACKOFF_MIN_MS 100
#define AT_PGSINK_BACKOFF_MAX_MS 5000

typedef struct at_pgsink at_pgsink_t;

/* Check the syntax of a libpq connection string (key=value pairs or a
 * postgresql:// URI) without connecting: what --check-config can know.
 * 0, or -1 with libpq's reason in err. */
int at_pgsink_check(const char *conninfo, char *err, size_t errlen);

/* Connect, and create the schema on first use (under an advisory lock, so
 * two sinks starting at once do not race). A server that cannot be reached
 * or refuses the login, a database holding someone else's `events` table,
 * or a newer schema are errors: NULL with the reason in err (the password
 * is never shown). Caller owns the result and must destroy it with
 * at_pgsink_close(). */
at_pgsink_t *at_pgsink_open(const char *conninfo, char *err, size_t errlen);

/* How long commit() keeps retrying a batch while the server is away.
 * max_ms 0 = until it comes back. When *stop becomes non-zero (the
 * daemon's SIGTERM flag; NULL = none), retrying ends stop_grace_ms later,
 * so a stop is never held up forever by a dead server. Defaults: 0, NULL,
 * 10000. */
void at_pgsink_set_retry(at_pgsink_t *self, unsigned max_ms, volatile sig_atomic_t *stop,
                         unsigned stop_grace_ms);

/* Call hook(arg) about every 50 ms while commit() waits to retry, so
 * the caller can keep its watchdog and stats going (attache-sink passes
 * at_daemon_tick). NULL turns it off. */
void at_pgsink_set_wait_hook(at_pgsink_t *self, void (*hook)(void *), void *arg);

/* Start a batch: writes up to commit() are sent together, in one
 * transaction. Outside a batch each write is sent on its own. 0, or -1
 * inside a batch. */
int at_pgsink_begin(at_pgsink_t *self);

/* Add one event to the batch (or send it, outside a batch). `json` is the
 * event's JSON line as the JSONL sink writes it (stored verbatim); NULL
 * renders it with at_json_event_dump(). Does not take ownership of ev or
 * json. -1 with err for an event without an id or that cannot be rendered
 * (nothing is added), or, outside a batch, when sending it failed. */
int at_pgsink_write(at_pgsink_t *self, const Attache__V1__Event *ev, const char *json, char *err,
                    size_t errlen);

/* Send the batch and commit it, reconnecting and resending while the
 * server is away (see at_pgsink_set_retry). 0 when every event is
 * committed. -1 when some were not: the server was still away when
 * retrying ended, or it rejected some events' data (those alone are
 * lost; at_pgsink_last_lost() says how many, at_pgsink_error() why).
 * The batch is closed either way. -1 outside a batch. */
int at_pgsink_commit(at_pgsink_t *self);

/* Drop the batch without sending it. -1 outside a batch. */
int at_pgsink_rollback(at_pgsink_t *self);

/* 1 between a successful begin and the matching commit/rollback, else 0. */
int at_pgsink_in_batch(const at_pgsink_t *self);

/* Events in the open batch. */
size_t at_pgsink_batch_events(const at_pgsink_t *self);

/* Events the last commit() could not write (0 after a success). */
size_t at_pgsink_last_lost(const at_pgsink_t *self);

/* Successful reconnections since open. */
uint64_t at_pgsink_reconnects(const at_pgsink_t *self);

/* The last error on this handle ("" when none). Valid until the next call. */
const char *at_pgsink_error(const at_pgsink_t *self);

/* Drop an open batch, close the connection and free. NULL-safe; nulls
 * the caller's pointer. */
void at_pgsink_close(at_pgsink_t **self_p);

#endif
