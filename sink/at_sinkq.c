/*
 * at_sinkq: bounded queue + worker thread per output. See at_sinkq.h.
 *
 * The worker owns the backend handle; the daemon thread only pushes items
 * and reads counters. Everything shared is under `mu` or atomic.
 */
#include "at_sinkq.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "at_daemon.h"
#include "at_log.h"
#include "at_sinkspec.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define IDLE_WAIT_MS   200

at_sinkitem_t *at_sinkitem_new(Attache__V1__Event **ev_p, char **json_p, const void *pb,
                               size_t pb_len)
{
    at_sinkitem_t *self = calloc(1, sizeof *self);
    void *copy = malloc(pb_len ? pb_len : 1);
    if (!self || !copy) {
        free(self);
        free(copy);
        protobuf_c_message_free_unpacked(&(*ev_p)->base, NULL);
        free(*json_p);
        *ev_p = NULL;
        *json_p = NULL;
        return NULL;
    }
    memcpy(copy, pb, pb_len);
    self->ev = *ev_p;
    self->json = *json_p;
    self->json_len = strlen(self->json);
    self->pb = copy;
    self->pb_len = pb_len;
    self->ingest_ms = at_now_ms();
    atomic_init(&self->refs, 1);
    *ev_p = NULL;
    *json_p = NULL;
    return self;
}

at_sinkitem_t *at_sinkitem_ref(at_sinkitem_t *self)
{
    atomic_fetch_add(&self->refs, 1);
    return self;
}

void at_sinkitem_unref(at_sinkitem_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_sinkitem_t *self = *self_p;
    *self_p = NULL;
    if (atomic_fetch_sub(&self->refs, 1) != 1)
        return;
    protobuf_c_message_free_unpacked(&self->ev->base, NULL);
    free(self->json);
    free(self->pb);
    free(self);
}

typedef struct {
    at_sinkitem_t *it;
    uint64_t enq_ms;
} slot_t;

struct at_sinkq {
    const at_sinkspec_t *spec;
    const at_sinkbe_t *be;
    void *h;
    at_sinkpolicy_t pol;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t nonempty, nonfull;
    slot_t *ring;
    size_t cap, head, count;
    int closing;
    uint64_t deadline_ms;
    atomic_int reopen_req, failing, finished, stopping;
    _Atomic uint64_t queued, written, failed, dropped, dead_lettered, lost, durable, done;
    _Atomic uint64_t batch_oldest_ms; /* enqueue time of the batch's first event; 0 = none */
    /* worker-only */
    slot_t *batch;
    size_t nb;
    uint64_t batch_start_ms;
    uint64_t b_written, b_dropped, b_dl;
    /* Called for each event of a committed batch (worker thread). */
    void (*observer)(void *arg, const at_sinkitem_t *it);
    void *observer_arg;
};

/* Absolute CLOCK_MONOTONIC time ms from now (the conds use that clock). */
static void deadline_in(struct timespec *ts, long long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void batch_release(at_sinkq_t *self)
{
    for (size_t i = 0; i < self->nb; i++)
        at_sinkitem_unref(&self->batch[i].it);
    self->nb = 0;
    self->b_written = self->b_dropped = self->b_dl = 0;
    atomic_store(&self->batch_oldest_ms, 0);
}

/* Write one item into the open transaction; counts its outcome. */
static int write_one(at_sinkq_t *self, const at_sinkitem_t *it, char *err, size_t errlen)
{
    int rc = self->be->write(self->h, it, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == AT_SINKBE_DROPPED)
        self->b_dropped++;
    else if (rc == AT_SINKBE_DEADLETTERD)
        self->b_dl++;
    else
        self->b_written++;
    return 0;
}

static int do_begin(at_sinkq_t *self, char *err, size_t errlen)
{
    return self->be->begin ? self->be->begin(self->h, err, errlen) : 0;
}

static int do_commit(at_sinkq_t *self, char *err, size_t errlen)
{
    return self->be->commit ? self->be->commit(self->h, err, errlen) : 0;
}

static void do_rollback(at_sinkq_t *self)
{
    if (self->be->rollback)
        self->be->rollback(self->h);
}

/* The batch is committed: count it and let it go. */
static void batch_done(at_sinkq_t *self)
{
    if (self->observer)
        for (size_t i = 0; i < self->nb; i++)
            self->observer(self->observer_arg, self->batch[i].it);
    atomic_fetch_add(&self->written, self->b_written);
    atomic_fetch_add(&self->durable, self->b_written);
    atomic_fetch_add(&self->dropped, self->b_dropped);
    atomic_fetch_add(&self->dead_lettered, self->b_dl);
    atomic_fetch_add(&self->done, self->nb);
    batch_release(self);
}

/* Sleep up to ms (never past finish()'s deadline), waking early when
 * finish() is called. */
static void nap(at_sinkq_t *self, long long ms)
{
    pthread_mutex_lock(&self->mu);
    if (self->closing) {
        uint64_t now = at_now_ms();
        long long left = self->deadline_ms > now ? (long long)(self->deadline_ms - now) : 0;
        if (left < ms)
            ms = left;
    }
    struct timespec ts;
    deadline_in(&ts, ms);
    int was_closing = self->closing;
    while (ms > 0 && self->closing == was_closing &&
           pthread_cond_timedwait(&self->nonempty, &self->mu, &ts) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&self->mu);
}

static int closing_past_deadline(at_sinkq_t *self)
{
    pthread_mutex_lock(&self->mu);
    int past = self->closing && at_now_ms() >= self->deadline_ms;
    pthread_mutex_unlock(&self->mu);
    return past;
}

/* A write or commit failed (err says why): roll back, back off, rewrite
 * the whole batch and commit, until it works or finish()'s deadline
 * passes. Returns 0 when the batch is committed, -1 when it was given up
 * (counted lost). */
static int retry_batch(at_sinkq_t *self, char *err, size_t errlen)
{
    long long backoff = BACKOFF_MIN_MS;
    unsigned attempt = 1;
    for (;;) {
        atomic_fetch_add(&self->failed, 1);
        atomic_store(&self->failing, 1);
        do_rollback(self);
        if (closing_past_deadline(self)) {
            at_log_error("output %s: giving up on %zu events at shutdown: %s", self->spec->name,
                         self->nb, err);
            atomic_fetch_add(&self->lost, self->nb);
            atomic_fetch_add(&self->done, self->nb);
            batch_release(self);
            return -1;
        }
        at_log_error("output %s: %s (attempt %u, %zu events held, retrying in %lld ms)",
                     self->spec->name, err, attempt, self->nb, backoff);
        nap(self, backoff);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        attempt++;
        self->b_written = self->b_dropped = self->b_dl = 0;
        if (do_begin(self, err, errlen) < 0)
            continue;
        size_t i = 0;
        while (i < self->nb && write_one(self, self->batch[i].it, err, errlen) == 0)
            i++;
        if (i < self->nb)
            continue;
        if (do_commit(self, err, errlen) < 0)
            continue;
        atomic_store(&self->failing, 0);
        at_log_info("output %s: recovered after %u attempts", self->spec->name, attempt);
        batch_done(self);
        return 0;
    }
}

static void commit_batch(at_sinkq_t *self)
{
    char err[512] = "";
    if (do_commit(self, err, sizeof err) < 0) {
        retry_batch(self, err, sizeof err);
        return;
    }
    batch_done(self);
}

/* Count whatever is still queued as lost (after giving up at shutdown). */
static void lose_queue(at_sinkq_t *self)
{
    pthread_mutex_lock(&self->mu);
    while (self->count) {
        slot_t s = self->ring[self->head];
        self->head = (self->head + 1) % self->cap;
        self->count--;
        at_sinkitem_unref(&s.it);
        atomic_fetch_add(&self->lost, 1);
        atomic_fetch_add(&self->done, 1);
    }
    pthread_cond_broadcast(&self->nonfull);
    pthread_mutex_unlock(&self->mu);
}

static void *worker(void *arg)
{
    at_sinkq_t *self = arg;
    int gave_up = 0;
    for (;;) {
        slot_t s = {NULL, 0};
        size_t left = 0;
        int closing;
        pthread_mutex_lock(&self->mu);
        for (;;) {
            if (self->count || self->closing)
                break;
            long long wait = IDLE_WAIT_MS;
            if (self->nb) {
                long long age = (long long)(at_now_ms() - self->batch_start_ms);
                if (self->pol.commit_ms == 0 || age >= self->pol.commit_ms)
                    break;
                if (self->pol.commit_ms - age < wait)
                    wait = self->pol.commit_ms - age;
            }
            struct timespec ts;
            deadline_in(&ts, wait);
            if (pthread_cond_timedwait(&self->nonempty, &self->mu, &ts) == ETIMEDOUT &&
                !self->count && !self->nb)
                break; /* idle */
        }
        if (self->count && self->nb < self->pol.batch_max) {
            s = self->ring[self->head];
            self->head = (self->head + 1) % self->cap;
            self->count--;
            pthread_cond_signal(&self->nonfull);
        }
        left = self->count;
        closing = self->closing;
        pthread_mutex_unlock(&self->mu);

        if (gave_up) {
            at_sinkitem_unref(&s.it);
            if (s.enq_ms) {
                atomic_fetch_add(&self->lost, 1);
                atomic_fetch_add(&self->done, 1);
            }
            lose_queue(self);
            break;
        }
        if (s.it) {
            char err[512] = "";
            if (!self->nb) {
                self->batch_start_ms = at_now_ms();
                atomic_store(&self->batch_oldest_ms, s.enq_ms);
            }
            self->batch[self->nb++] = s;
            int rc = 0;
            if (self->nb == 1)
                rc = do_begin(self, err, sizeof err);
            if (rc == 0)
                rc = write_one(self, s.it, err, sizeof err);
            if (rc < 0 && retry_batch(self, err, sizeof err) < 0) {
                gave_up = 1;
                continue;
            }
        } else if (!self->nb && !closing && self->be->idle) {
            self->be->idle(self->h);
        }
        if (self->nb) {
            int due = self->nb >= self->pol.batch_max || (left == 0 && closing) ||
                      (self->pol.commit_ms == 0 && left == 0) ||
                      (self->pol.commit_ms > 0 &&
                       (long long)(at_now_ms() - self->batch_start_ms) >= self->pol.commit_ms);
            if (due) {
                uint64_t lost_before = atomic_load(&self->lost);
                commit_batch(self);
                if (atomic_load(&self->lost) != lost_before) {
                    gave_up = 1;
                    continue;
                }
            }
        }
        if (!self->nb && atomic_exchange(&self->reopen_req, 0) && self->be->reopen) {
            char err[512] = "";
            if (self->be->reopen(self->h, err, sizeof err) < 0)
                at_log_error("output %s: reopen: %s; keeping the open output", self->spec->name,
                             err);
        }
        if (closing && left == 0 && !self->nb && !s.it)
            break;
    }
    return NULL;
}

at_sinkq_t *at_sinkq_new(const at_sinkspec_t *spec, char *err, size_t errlen)
{
    if (!spec->be->open) {
        snprintf(err, errlen, "output %s: %s is not built into this attache-sink", spec->name,
                 spec->be->usage);
        return NULL;
    }
    at_sinkq_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->spec = spec;
    self->be = spec->be;
    self->cap = spec->queue;
    self->pol.commit_ms = spec->flush_ms;
    self->pol.batch_max = 1000;
    self->pol.stopping = &self->stopping;
    pthread_mutex_init(&self->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&self->nonempty, &ca);
    pthread_cond_init(&self->nonfull, &ca);
    pthread_condattr_destroy(&ca);
    char berr[768] = "";
    self->h = self->be->open(spec, &self->pol, berr, sizeof berr);
    if (!self->h) {
        snprintf(err, errlen, "output %s (%s): %s", spec->name, spec->shown, berr);
        goto fail;
    }
    if (self->pol.batch_max < 1)
        self->pol.batch_max = 1;
    self->ring = calloc(self->cap, sizeof *self->ring);
    self->batch = calloc(self->pol.batch_max, sizeof *self->batch);
    if (!self->ring || !self->batch) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (pthread_create(&self->thread, NULL, worker, self) != 0) {
        snprintf(err, errlen, "output %s: cannot start its thread", spec->name);
        goto fail;
    }
    self->started = 1;
    return self;
fail:
    at_sinkq_destroy(&self);
    return NULL;
}

int at_sinkq_push(at_sinkq_t *self, at_sinkitem_t *it, int timeout_ms)
{
    struct timespec ts;
    deadline_in(&ts, timeout_ms);
    pthread_mutex_lock(&self->mu);
    while (self->count == self->cap && !self->closing) {
        if (timeout_ms == 0 || pthread_cond_timedwait(&self->nonfull, &self->mu, &ts) == ETIMEDOUT)
            break;
    }
    if (self->count == self->cap || self->closing) {
        pthread_mutex_unlock(&self->mu);
        return 1;
    }
    slot_t *s = &self->ring[(self->head + self->count) % self->cap];
    s->it = at_sinkitem_ref(it);
    s->enq_ms = at_now_ms();
    self->count++;
    atomic_fetch_add(&self->queued, 1);
    pthread_cond_signal(&self->nonempty);
    pthread_mutex_unlock(&self->mu);
    return 0;
}

void at_sinkq_count_drop(at_sinkq_t *self)
{
    atomic_fetch_add(&self->dropped, 1);
}

uint64_t at_sinkq_durable(const at_sinkq_t *self)
{
    return atomic_load(&((at_sinkq_t *)self)->durable);
}

uint64_t at_sinkq_done(const at_sinkq_t *self)
{
    return atomic_load(&((at_sinkq_t *)self)->done);
}

void at_sinkq_reopen(at_sinkq_t *self)
{
    atomic_store(&self->reopen_req, 1);
    pthread_mutex_lock(&self->mu);
    pthread_cond_signal(&self->nonempty);
    pthread_mutex_unlock(&self->mu);
}

int at_sinkq_failing(const at_sinkq_t *self)
{
    return atomic_load(&((at_sinkq_t *)self)->failing);
}

void at_sinkq_stats(const at_sinkq_t *cself, at_sinkq_stats_t *out)
{
    at_sinkq_t *self = (at_sinkq_t *)cself;
    memset(out, 0, sizeof *out);
    out->queued = atomic_load(&self->queued);
    out->written = atomic_load(&self->written);
    out->failed = atomic_load(&self->failed);
    out->dropped = atomic_load(&self->dropped);
    out->dead_lettered = atomic_load(&self->dead_lettered);
    out->lost = atomic_load(&self->lost);
    uint64_t oldest = atomic_load(&self->batch_oldest_ms);
    pthread_mutex_lock(&self->mu);
    out->depth = self->count;
    if (!oldest && self->count)
        oldest = self->ring[self->head].enq_ms;
    pthread_mutex_unlock(&self->mu);
    uint64_t now = at_now_ms();
    out->lag_ms = oldest && now > oldest ? now - oldest : 0;
}

int at_sinkq_finish(at_sinkq_t *self, uint64_t deadline_ms)
{
    if (atomic_exchange(&self->finished, 1))
        return atomic_load(&self->lost) ? -1 : 0;
    atomic_store(&self->stopping, 1);
    pthread_mutex_lock(&self->mu);
    self->closing = 1;
    self->deadline_ms = deadline_ms;
    pthread_cond_broadcast(&self->nonempty);
    pthread_cond_broadcast(&self->nonfull);
    pthread_mutex_unlock(&self->mu);
    if (self->started) {
        pthread_join(self->thread, NULL);
        self->started = 0;
    }
    return atomic_load(&self->lost) ? -1 : 0;
}

void at_sinkq_destroy(at_sinkq_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_sinkq_t *self = *self_p;
    if (self->started)
        at_sinkq_finish(self, at_now_ms());
    for (size_t i = 0; i < self->count; i++)
        at_sinkitem_unref(&self->ring[(self->head + i) % self->cap].it);
    batch_release(self);
    if (self->h && self->be->close)
        self->be->close(&self->h);
    pthread_mutex_destroy(&self->mu);
    pthread_cond_destroy(&self->nonempty);
    pthread_cond_destroy(&self->nonfull);
    free(self->ring);
    free(self->batch);
    free(self);
    *self_p = NULL;
}

void at_sinkq_set_observer(at_sinkq_t *self, void (*fn)(void *arg, const at_sinkitem_t *it),
                           void *arg)
{
    pthread_mutex_lock(&self->mu);
    self->observer = fn;
    self->observer_arg = arg;
    pthread_mutex_unlock(&self->mu);
}
