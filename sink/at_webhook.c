/*
 * at_webhook: HTTP POST with retries, backoff and a dead-letter file. See
 * at_webhook.h.
 */
#include "at_webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>

#include <curl/curl.h>

#include "at_deadletter.h"
#include "at_log.h"
#include "at_sinkspec.h"

typedef struct {
    char *url;
    CURL *curl;
    struct curl_slist *headers;
    at_deadletter_t *dl;
    long long retries, backoff_ms, backoff_max_ms, timeout_ms;
    const atomic_int *stopping;
} hook_t;

typedef struct {
    long long retries, backoff, backoff_max, timeout;
    const char *dl;
} hook_opts_t;

static int parse(const at_sinkspec_t *spec, hook_opts_t *o, char *err, size_t errlen)
{
    if (at_sinkspec_opt_int(spec, "retries", 5, 0, 1000, AT_SFX_NONE, &o->retries, err, errlen) <
            0 ||
        at_sinkspec_opt_int(spec, "backoff_ms", 500, 1, 3600000, AT_SFX_MS, &o->backoff, err,
                            errlen) < 0 ||
        at_sinkspec_opt_int(spec, "backoff_max_ms", 30000, 1, 3600000, AT_SFX_MS, &o->backoff_max,
                            err, errlen) < 0 ||
        at_sinkspec_opt_int(spec, "timeout_ms", 10000, 1, 600000, AT_SFX_MS, &o->timeout, err,
                            errlen) < 0)
        return -1;
    o->dl = at_sinkspec_opt(spec, "dead_letter", "");
    return 0;
}

static int hook_check(const at_sinkspec_t *spec, char *err, size_t errlen)
{
    hook_opts_t o;
    if (parse(spec, &o, err, errlen) < 0)
        return -1;
    if (strncmp(spec->target, "http://", 7) != 0 && strncmp(spec->target, "https://", 8) != 0) {
        snprintf(err, errlen, "webhook: expected an http:// or https:// URL, got '%s'",
                 spec->target);
        return -1;
    }
    CURLU *u = curl_url();
    CURLUcode rc = u ? curl_url_set(u, CURLUPART_URL, spec->target, 0) : CURLUE_OUT_OF_MEMORY;
    curl_url_cleanup(u);
    if (rc != CURLUE_OK) {
        snprintf(err, errlen, "webhook URL '%s': %s", spec->target, curl_url_strerror(rc));
        return -1;
    }
    if (*o.dl && at_sinkspec_check_writable("dead_letter", o.dl, err, errlen) < 0)
        return -1;
    return 0;
}

static void hook_close(void **h_p)
{
    hook_t *self = *h_p;
    if (!self)
        return;
    if (self->curl)
        curl_easy_cleanup(self->curl);
    curl_slist_free_all(self->headers);
    at_deadletter_destroy(&self->dl);
    free(self->url);
    free(self);
    *h_p = NULL;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static void *hook_open(const at_sinkspec_t *spec, at_sinkpolicy_t *pol, char *err, size_t errlen)
{
    hook_opts_t o;
    if (parse(spec, &o, err, errlen) < 0)
        return NULL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    hook_t *self = calloc(1, sizeof *self);
    if (!self || !(self->url = strdup(spec->target)) || !(self->curl = curl_easy_init())) {
        snprintf(err, errlen, "out of memory");
        void *h = self;
        hook_close(&h);
        return NULL;
    }
    self->retries = o.retries;
    self->backoff_ms = o.backoff;
    self->backoff_max_ms = o.backoff_max;
    self->timeout_ms = o.timeout;
    if (*o.dl && !(self->dl = at_deadletter_new(o.dl, spec->component, err, errlen))) {
        void *h = self;
        hook_close(&h);
        return NULL;
    }
    self->headers = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *c = self->curl;
    curl_easy_setopt(c, CURLOPT_URL, self->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)self->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)self->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "attache-sink");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    pol->commit_ms = 0;
    pol->batch_max = 1;
    self->stopping = pol->stopping;
    return self;
}

/* Sleep ms in short steps, returning early once the output is stopping. */
static void sleep_ms(const hook_t *self, long long ms)
{
    while (ms > 0 && !(self->stopping && atomic_load(self->stopping))) {
        long long step = ms < 50 ? ms : 50;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* One POST. Returns 0 delivered, 1 retryable, 2 permanent; why says what
 * happened; *retry_after_ms is the server's Retry-After, or 0. */
static int post(hook_t *self, const at_sinkitem_t *it, char *why, size_t whylen,
                long long *retry_after_ms)
{
    char idh[300];
    snprintf(idh, sizeof idh, "X-Attache-Event-Id: %.256s", it->ev->id);
    struct curl_slist *h = curl_slist_append(NULL, idh);
    for (struct curl_slist *p = self->headers; h && p; p = p->next)
        curl_slist_append(h, p->data);
    curl_easy_setopt(self->curl, CURLOPT_HTTPHEADER, h ? h : self->headers);
    curl_easy_setopt(self->curl, CURLOPT_POSTFIELDS, it->json);
    curl_easy_setopt(self->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->json_len);
    CURLcode rc = curl_easy_perform(self->curl);
    curl_easy_setopt(self->curl, CURLOPT_HTTPHEADER, self->headers);
    curl_slist_free_all(h);
    *retry_after_ms = 0;
    if (rc != CURLE_OK) {
        snprintf(why, whylen, "%s", curl_easy_strerror(rc));
        return 1;
    }
    long status = 0;
    curl_easy_getinfo(self->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300)
        return 0;
    curl_off_t ra = 0;
    if (curl_easy_getinfo(self->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
        *retry_after_ms = (long long)ra * 1000;
    snprintf(why, whylen, "HTTP %ld", status);
    return status == 408 || status == 429 || status >= 500 ? 1 : 2;
}

static int hook_write(void *h, const at_sinkitem_t *it, char *err, size_t errlen)
{
    hook_t *self = h;
    char why[256] = "";
    long long wait = self->backoff_ms, ra = 0;
    long long attempt = 0;
    int rc;
    for (;;) {
        rc = post(self, it, why, sizeof why, &ra);
        attempt++;
        if (rc != 1 || attempt > self->retries)
            break;
        if (self->stopping && atomic_load(self->stopping)) {
            /* Stopping: no more waiting; the dead-letter file keeps it. */
            snprintf(why + strlen(why), sizeof why - strlen(why), ", shutting down");
            break;
        }
        long long w = ra > wait ? (ra < self->backoff_max_ms ? ra : self->backoff_max_ms) : wait;
        at_log_warn("webhook %s: event %s: %s; retry %lld of %lld in %lld ms", self->url,
                    it->ev->id, why, attempt, self->retries, w);
        sleep_ms(self, w);
        wait = wait * 2 > self->backoff_max_ms ? self->backoff_max_ms : wait * 2;
    }
    if (rc == 0)
        return 0;
    char reason[512];
    snprintf(reason, sizeof reason, "webhook %s: %s after %lld attempt%s%s", self->url, why,
             attempt, attempt == 1 ? "" : "s", rc == 2 ? " (permanent)" : "");
    if (!self->dl) {
        at_log_error("%s; event %s dropped (no dead_letter file)", reason, it->ev->id);
        return AT_SINKBE_DROPPED;
    }
    if (at_deadletter_write(self->dl, reason, it->json, it->json_len) < 0) {
        snprintf(err, errlen, "%s, and the dead-letter write failed", reason);
        return -1;
    }
    at_log_error("%s; event %s dead-lettered", reason, it->ev->id);
    return AT_SINKBE_DEADLETTERD;
}

static int hook_reopen(void *h, char *err, size_t errlen)
{
    hook_t *self = h;
    if (self->dl && at_deadletter_reopen(self->dl) < 0) {
        snprintf(err, errlen, "cannot reopen the dead-letter file");
        return -1;
    }
    return 0;
}

const at_sinkbe_t at_webhook_backend = {
    "webhook",  "webhook:URL", 1,    "retries backoff_ms backoff_max_ms timeout_ms dead_letter",
    hook_check, hook_open,     NULL, hook_write,
    NULL,       NULL,          NULL, hook_reopen,
    hook_close,
};
