/*
 * at_databuild: one engine build at a time on a worker thread, with one
 * coalesced request waiting behind it (see at_databuild.h).
 *
 * Hand-off: the main thread fills `job` and starts the thread; the worker
 * writes `res` and then sets `done` (release); the main thread reads `res`
 * only after seeing `done` (acquire) and joining. Nothing else is shared.
 */
#include "at_databuild.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_daemon.h"

typedef struct {
    char dir[4096];
    at_alerts_config_t rules;
} job_t;

struct at_databuild {
    at_databuild_fn *fn;
    void *arg;
    pthread_t thread;
    bool running;    /* a thread was started and not joined */
    bool finished;   /* res holds an outcome not yet polled */
    atomic_int done; /* set by the worker once res is final */
    job_t job;       /* the build running (or just finished) */
    at_databuild_result_t res;
    bool waiting; /* next holds a coalesced request */
    job_t next;
};

static at_enrich_t *default_build(void *arg, const char *dir, char *err, size_t errlen)
{
    (void)arg;
    return at_enrich_new(dir, err, errlen);
}

at_databuild_t *at_databuild_new(at_databuild_fn *fn, void *arg)
{
    at_databuild_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->fn = fn ? fn : default_build;
    self->arg = arg;
    atomic_init(&self->done, 0);
    return self;
}

void at_databuild_destroy(at_databuild_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_databuild_t *self = *self_p;
    if (self->running)
        pthread_join(self->thread, NULL);
    if (self->running || self->finished)
        at_enrich_destroy(&self->res.engine);
    free(self);
    *self_p = NULL;
}

static void *worker(void *arg)
{
    at_databuild_t *self = arg;
    uint64_t t0 = at_now_ms();
    self->res.err[0] = '\0';
    self->res.engine = self->fn(self->arg, self->job.dir, self->res.err, sizeof self->res.err);
    if (self->res.engine)
        at_enrich_set_alerts(self->res.engine, &self->job.rules);
    else if (!self->res.err[0])
        snprintf(self->res.err, sizeof self->res.err, "%.900s: cannot load", self->job.dir);
    self->res.took_ms = at_now_ms() - t0;
    atomic_store_explicit(&self->done, 1, memory_order_release);
    return NULL;
}

static int start(at_databuild_t *self, const job_t *job)
{
    self->job = *job;
    memset(&self->res, 0, sizeof self->res);
    atomic_store_explicit(&self->done, 0, memory_order_relaxed);
    if (pthread_create(&self->thread, NULL, worker, self) != 0) {
        /* No thread to be had: build here, as a slow item would. */
        worker(self);
        self->finished = true;
        return AT_DATABUILD_ERROR;
    }
    self->running = true;
    return AT_DATABUILD_STARTED;
}

int at_databuild_request(at_databuild_t *self, const char *dir, const at_alerts_config_t *rules)
{
    job_t job;
    snprintf(job.dir, sizeof job.dir, "%s", dir ? dir : "");
    if (rules)
        job.rules = *rules;
    else
        at_alerts_config_default(&job.rules);
    if (self->running || self->finished) {
        /* One build at a time; the latest request is the one that counts. */
        self->next = job;
        self->waiting = true;
        return AT_DATABUILD_COALESCED;
    }
    return start(self, &job);
}

int at_databuild_poll(at_databuild_t *self, at_databuild_result_t *out)
{
    if (self->running) {
        if (!atomic_load_explicit(&self->done, memory_order_acquire))
            return 0;
        pthread_join(self->thread, NULL);
        self->running = false;
        self->finished = true;
    }
    if (!self->finished)
        return 0;
    self->finished = false;
    *out = self->res;
    memcpy(out->dir, self->job.dir, sizeof out->dir);
    out->rules = self->job.rules;
    self->res.engine = NULL; /* the caller's now */
    if (self->waiting) {
        self->waiting = false;
        job_t next = self->next;
        start(self, &next);
    }
    return 1;
}

bool at_databuild_busy(const at_databuild_t *self)
{
    return self && (self->running || self->finished || self->waiting);
}
