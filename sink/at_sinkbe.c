/*
 * at_sinkbe: backend table and the SQLite adaptor. See at_sinkbe.h.
 */
#include "at_sinkbe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_daemon.h"
#include "at_jsonl.h"
#include "at_kafkasink.h"
#include "at_log.h"
#include "at_pgsink.h"
#include "at_pubsink.h"
#include "at_sinkspec.h"
#include "at_sqlsink.h"
#include "at_webhook.h"

/* ---- options shared by the SQL databases ---- */

/* The batching options of sqlite: and postgres: (docs/sinks.md): batch=N
 * events per transaction, commit_ms=T at the latest. Fills pol when it is
 * not NULL (open), only validates when it is (check). */
static int sql_batch_opts(const at_sinkspec_t *spec, at_sinkpolicy_t *pol, char *err, size_t errlen)
{
    long long batch, commit_ms;
    if (at_sinkspec_opt_int(spec, "batch", 1000, 1, 1000000, AT_SFX_NONE, &batch, err, errlen) <
            0 ||
        at_sinkspec_opt_int(spec, "commit_ms", spec->flush_ms, 0, 3600000, AT_SFX_MS, &commit_ms,
                            err, errlen) < 0)
        return -1;
    if (pol) {
        pol->batch_max = (size_t)batch;
        pol->commit_ms = commit_ms;
    }
    return 0;
}

/* ---- sqlite:PATH ---- */

static int sql_check(const at_sinkspec_t *spec, char *err, size_t errlen)
{
    if (!*spec->target) {
        snprintf(err, errlen, "sqlite: needs a path (sqlite:/var/lib/attache/events.db)");
        return -1;
    }
    if (sql_batch_opts(spec, NULL, err, errlen) < 0)
        return -1;
    return at_sinkspec_check_writable("sqlite", spec->target, err, errlen);
}

static void *sql_open(const at_sinkspec_t *spec, at_sinkpolicy_t *pol, char *err, size_t errlen)
{
    if (sql_batch_opts(spec, pol, err, errlen) < 0)
        return NULL;
    return at_sqlsink_open(spec->target, err, errlen);
}

static int sql_begin(void *h, char *err, size_t errlen)
{
    if (at_sqlsink_begin(h) < 0) {
        snprintf(err, errlen, "begin: %s", at_sqlsink_error(h));
        return -1;
    }
    return 0;
}

static int sql_write(void *h, const at_sinkitem_t *it, char *err, size_t errlen)
{
    return at_sqlsink_write(h, it->ev, it->json, err, errlen);
}

static int sql_commit(void *h, char *err, size_t errlen)
{
    if (at_sqlsink_commit(h) < 0) {
        snprintf(err, errlen, "commit: %s", at_sqlsink_error(h));
        return -1;
    }
    return 0;
}

static void sql_rollback(void *h)
{
    if (at_sqlsink_in_batch(h))
        at_sqlsink_rollback(h);
}

static void sql_close(void **h_p)
{
    at_sqlsink_t *db = *h_p;
    at_sqlsink_close(&db);
    *h_p = NULL;
}

const at_sinkbe_t at_sqlite_backend = {
    "sqlite", "sqlite:PATH", 1,         "batch commit_ms", sql_check,
    sql_open, sql_begin,     sql_write, sql_commit,        sql_rollback,
    NULL,     NULL,          sql_close,
};

/* ---- postgres:CONNINFO (and postgresql:// URIs) ---- */

static int pg_check(const at_sinkspec_t *spec, char *err, size_t errlen)
{
    if (sql_batch_opts(spec, NULL, err, errlen) < 0)
        return -1;
    return at_pgsink_check(spec->target, err, errlen);
}

static void *pg_open(const at_sinkspec_t *spec, at_sinkpolicy_t *pol, char *err, size_t errlen)
{
    if (sql_batch_opts(spec, pol, err, errlen) < 0)
        return NULL;
    at_pgsink_t *pg = at_pgsink_open(spec->target, err, errlen);
    /* A server that went away is waited for (reconnect with backoff)
     * until it is back; once the daemon is stopping, for 5 s more, then
     * the output queue's own retry and shutdown deadline take over. The
     * wait runs on the output's worker thread: the daemon's main loop,
     * watchdog and other outputs go on meanwhile. */
    if (pg)
        at_pgsink_set_retry(pg, 0, &at_daemon_stop_flag, 5000);
    return pg;
}

static int pg_begin(void *h, char *err, size_t errlen)
{
    if (at_pgsink_begin(h) < 0) {
        snprintf(err, errlen, "begin: %s", at_pgsink_error(h));
        return -1;
    }
    return 0;
}

static int pg_write(void *h, const at_sinkitem_t *it, char *err, size_t errlen)
{
    return at_pgsink_write(h, it->ev, it->json, err, errlen);
}

static int pg_commit(void *h, char *err, size_t errlen)
{
    if (at_pgsink_commit(h) == 0)
        return 0;
    if (at_daemon_stop_flag) {
        /* The server is still away at shutdown: the queue retries until
         * its deadline, then counts the batch as lost. */
        snprintf(err, errlen, "commit: %s", at_pgsink_error(h));
        return -1;
    }
    /* The server is there but refused some events' data: at_pgsink has
     * already written the others one by one; resending would fail the
     * same way, so the batch is done. */
    at_log_error("postgres: %zu event(s) of the batch refused by the server and lost: %s",
                 at_pgsink_last_lost(h), at_pgsink_error(h));
    return 0;
}

static void pg_rollback(void *h)
{
    if (at_pgsink_in_batch(h))
        at_pgsink_rollback(h);
}

static void pg_close(void **h_p)
{
    at_pgsink_t *pg = *h_p;
    at_pgsink_close(&pg);
    *h_p = NULL;
}

static const at_sinkbe_t postgres_backend = {
    "postgres", "postgres:CONNINFO",
    1,          "batch commit_ms",
    pg_check,   pg_open,
    pg_begin,   pg_write,
    pg_commit,  pg_rollback,
    NULL,       NULL,
    pg_close,
};

/* ---- the table ---- */

static const struct {
    const char *prefix; /* matched at the start of the target */
    int keep;           /* 1: the backend gets the whole text (URIs) */
    const at_sinkbe_t *be;
} table[] = {
    {"jsonl:", 0, &at_jsonl_backend},        {"sqlite:", 0, &at_sqlite_backend},
    {"zmq+tcp://", 1, &at_pub_backend},      {"zmq+ipc://", 1, &at_pub_backend},
    {"webhook:", 0, &at_webhook_backend},    {"postgres:", 0, &postgres_backend},
    {"postgresql://", 1, &postgres_backend}, {"kafka://", 1, &at_kafkasink_backend},
};

const at_sinkbe_t *at_sinkbe_find(const char *text, size_t *prefix_len)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        size_t n = strlen(table[i].prefix);
        if (strncmp(text, table[i].prefix, n) == 0) {
            *prefix_len = table[i].keep ? 0 : n;
            return table[i].be;
        }
    }
    return NULL;
}

const char *at_sinkbe_list(void)
{
    return "-, jsonl:PATH (or a bare PATH), sqlite:PATH, zmq+tcp://*:PORT, zmq+ipc://PATH, "
           "webhook:URL, postgres:CONNINFO, kafka://BROKERS/TOPIC";
}
