/*
 * at_sinkq: one output of attache-sink: a bounded queue in front of a
 * backend (JSONL file, SQLite, PUB, webhook, ...) and the worker thread
 * that drains it, so a slow or failing output stalls the others only once
 * its own queue is full (or never, with on_full=drop).
 *
 * The worker writes events in batches: begin, write each event, commit.
 * A commit is the backend's durability point (fsync for JSONL per its
 * policy, COMMIT for SQLite). Only then does the queue count the events as
 * durable (at_sinkq_durable), which is what attache-sink's ack bookkeeping
 * waits for before at_transport_ack (on Kafka: the offset store). A failed
 * write or commit rolls the batch back and retries the whole batch with
 * exponential backoff; backends are idempotent or rewind, so a retried
 * batch leaves one copy of each event.
 *
 * Counters live in at_sinkq_stats_t, read with at_sinkq_stats() from any
 * thread (for logs, STATUS= and, later, /metrics).
 */
#ifndef AT_SINKQ_H
#define AT_SINKQ_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "attache/v1/attache.pb-c.h"

/* One event as every output sees it, shared by reference count. */
typedef struct {
    Attache__V1__Event *ev; /* decoded */
    char *json;             /* the event's JSON line, without newline */
    size_t json_len;
    void *pb; /* the protobuf bytes as received */
    size_t pb_len;
    uint64_t ingest_ms; /* at_now_ms() when attache-sink received it */
    atomic_int refs;
} at_sinkitem_t;

/* Build an item. Takes ownership of *ev_p and *json_p (both nulled);
 * copies pb. NULL on allocation failure (the arguments are then freed). */
at_sinkitem_t *at_sinkitem_new(Attache__V1__Event **ev_p, char **json_p, const void *pb,
                               size_t pb_len);
/* Another reference; returns it. */
at_sinkitem_t *at_sinkitem_ref(at_sinkitem_t *self);
/* Drop a reference; frees on the last. NULL-safe; nulls the pointer. */
void at_sinkitem_unref(at_sinkitem_t **self_p);

/* What a backend's write returns besides 0 (written) and -1 (failed:
 * roll back and retry the batch). */
#define AT_SINKBE_DROPPED 1 /* not delivered and will not be (PUB subscriber too slow) */
#define AT_SINKBE_DEADLETTERD                                                                      \
    2 /* delivery failed for good; the event is in the dead-letter file                            \
       */

/* How the worker batches for a backend; filled in by the backend's open. */
typedef struct {
    long long commit_ms; /* commit a batch once it is this old; 0: when the queue is empty */
    size_t batch_max;    /* commit after this many events */
    /* Set by the queue before open: becomes 1 once at_sinkq_finish() was
     * called, so a backend can cut long waits (webhook retries) short. */
    const atomic_int *stopping;
} at_sinkpolicy_t;

struct at_sinkspec;

/* A backend: one kind of output. All calls but check come from the
 * output's worker thread. */
typedef struct at_sinkbe {
    const char *scheme;  /* "jsonl", "sqlite", "zmq", "webhook", ... */
    const char *usage;   /* "jsonl:PATH", for errors and --help */
    int durable;         /* 1: takes part in ack bookkeeping (see at_sink.h) */
    const char *options; /* backend options, space-separated: "fsync rotate_bytes" */
    /* Validate the target and options without side effects beyond
     * access(2) probes (used by --check-config and before open). */
    int (*check)(const struct at_sinkspec *spec, char *err, size_t errlen);
    /* NULL = reserved scheme not built in. */
    void *(*open)(const struct at_sinkspec *spec, at_sinkpolicy_t *policy, char *err,
                  size_t errlen);
    int (*begin)(void *h, char *err, size_t errlen); /* NULL: nothing to do */
    int (*write)(void *h, const at_sinkitem_t *it, char *err, size_t errlen);
    int (*commit)(void *h, char *err, size_t errlen); /* NULL: nothing to do */
    void (*rollback)(void *h);                        /* NULL: nothing to do */
    void (*idle)(void *h);                            /* queue idle; NULL ok */
    int (*reopen)(void *h, char *err, size_t errlen); /* SIGHUP (logrotate); NULL ok */
    void (*close)(void **h_p);
} at_sinkbe_t;

/* An output's counters. Monotonic except depth and lag_ms. */
typedef struct {
    uint64_t queued;        /* events accepted into the queue */
    uint64_t written;       /* events the backend has durably (per its policy) */
    uint64_t failed;        /* failed write/commit attempts (each is retried) */
    uint64_t dropped;       /* queue full with on_full=drop, or PUB subscriber too slow */
    uint64_t dead_lettered; /* given up on and written to the dead-letter file */
    uint64_t lost;          /* given up on at shutdown (still failing) */
    uint64_t depth;         /* events waiting in the queue now */
    uint64_t lag_ms;        /* age of the oldest event not yet durable, 0 when none */
} at_sinkq_stats_t;

typedef struct at_sinkq at_sinkq_t;

/* Open the backend for spec and start the worker. Does not take ownership
 * of spec (it must outlive the queue). NULL with err. Caller owns the
 * result and must destroy it. */
at_sinkq_t *at_sinkq_new(const struct at_sinkspec *spec, char *err, size_t errlen);

/* Queue an item (takes a new reference on success). Waits up to
 * timeout_ms for room. Returns 0, or 1 when still full. */
int at_sinkq_push(at_sinkq_t *self, at_sinkitem_t *it, int timeout_ms);

/* Count an event as dropped because the queue was full. */
void at_sinkq_count_drop(at_sinkq_t *self);

/* Events committed durably so far (monotonic; compare to the number
 * queued + dropped-by-backend). Thread-safe. */
uint64_t at_sinkq_durable(const at_sinkq_t *self);

/* Events handled so far in any final way: durable, dropped by the
 * backend, dead-lettered or lost. Thread-safe. The ack bookkeeping uses
 * this: an event with a final outcome will never be written later. */
uint64_t at_sinkq_done(const at_sinkq_t *self);

/* Ask the worker to reopen its output between batches (SIGHUP). */
void at_sinkq_reopen(at_sinkq_t *self);

void at_sinkq_stats(const at_sinkq_t *self, at_sinkq_stats_t *out);

/* 1 once the worker is retrying a failed batch, until it succeeds. */
int at_sinkq_failing(const at_sinkq_t *self);

/* Stop accepting, let the worker write what is queued, then commit and
 * close the backend. If the backend is still failing at deadline_ms
 * (at_now_ms() clock) the rest is counted as lost. Joins the worker.
 * Returns 0, or -1 when anything was lost. */
int at_sinkq_finish(at_sinkq_t *self, uint64_t deadline_ms);

/* Finish (with an immediate deadline) if needed and free. NULL-safe;
 * nulls the caller's pointer. */
/* Call fn(arg, item) on the worker thread for every event of each
 * committed batch (the sink observes latency with it). Set it before the
 * first push; fn must be thread-safe. */
void at_sinkq_set_observer(at_sinkq_t *self, void (*fn)(void *arg, const at_sinkitem_t *it),
                           void *arg);

void at_sinkq_destroy(at_sinkq_t **self_p);

#endif
