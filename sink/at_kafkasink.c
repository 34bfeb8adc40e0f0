/*
 * at_kafkasink: events to a Kafka topic, counted written on their delivery
 * reports. See at_kafkasink.h.
 *
 * Retries and what is produced again: the output queue retries a failed
 * batch by calling begin, write (for every event of the batch, in the same
 * order) and commit again. `sent` says how many of the batch's events are
 * already with the producer; on a retry those writes only return their
 * earlier outcome, so a batch that timed out waiting for its delivery
 * reports is waited for again, not sent twice. Only when the producer
 * itself failed (a failed delivery report or a fatal error, after which
 * librdkafka's handle is of no more use) is it replaced and `sent` reset,
 * so the whole batch goes out again on the new producer.
 */
#include "at_kafkasink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_config.h"
#include "at_endpoint.h"
#include "at_log.h"
#include "at_sinkspec.h"
#include "at_transport.h"

#define DEFAULT_BATCH       10000 /* 3x the events/s of 1000 (docs/sinks.md) */
#define DEFAULT_TIMEOUT_MS  30000
#define STOPPING_TIMEOUT_MS 1000

typedef struct {
    char *uri;
    at_config_t *props; /* the daemon's kafka.* keys, as they were at open */
    at_transport_t *t;  /* NULL after a failure, until the next begin */
    int json;
    long long timeout_ms;
    const atomic_int *stopping;
    size_t sent;            /* events of the open batch handed to the producer */
    size_t pos;             /* this attempt's position in the batch */
    unsigned char *outcome; /* per position < sent: 0 or AT_SINKBE_DROPPED */
    size_t cap;
} ks_t;

/* The kafka.* keys of the daemon, copied into a config of their own: the
 * daemon replaces its config on SIGHUP, and a producer may be reopened
 * long after that. */
static const at_cfg_def_t props_defs[] = {
    {"kafka.*", AT_CFG_PASSTHROUGH, NULL, 0, 0, NULL, false, "librdkafka properties"},
    AT_CFG_END,
};

typedef struct {
    at_config_t *dst;
    const at_config_t *src;
    char *err;
    size_t errlen;
} copy_ctx_t;

static int copy_prop(void *arg, const char *property, const char *value)
{
    copy_ctx_t *c = arg;
    char key[300];
    snprintf(key, sizeof key, "kafka.%s", property);
    return at_config_set(c->dst, key, value, at_config_origin(c->src, key), c->err, c->errlen);
}

/* ---- checking ---- */

static int port_ok(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return 0;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

int at_kafkasink_check_target(const char *target, char *err, size_t errlen)
{
    at_endpoint_t ep;
    if (at_endpoint_parse(target, &ep, err, errlen) < 0)
        return -1;
    if (ep.scheme != AT_EP_KAFKA) {
        snprintf(err, errlen, "expected kafka://BROKERS/TOPIC, got '%s'", target);
        return -1;
    }
    if (ep.group[0]) {
        snprintf(err, errlen,
                 "?group= names a consumer group; a kafka:// output produces and takes none");
        return -1;
    }
    /* at_endpoint checked the list's shape; a port must also be a port. */
    for (const char *b = ep.brokers; *b;) {
        size_t n = strcspn(b, ",");
        const char *colon = NULL;
        for (const char *p = b; p < b + n; p++)
            if (*p == ':')
                colon = p;
        int bracketed = b[0] == '[';
        if (bracketed && (!colon || colon[-1] != ']'))
            colon = NULL; /* [v6] without a port */
        if (!bracketed && colon && memchr(b, ':', (size_t)(colon - b))) {
            snprintf(err, errlen, "broker '%.*s': write IPv6 addresses as [ADDR]:PORT", (int)n, b);
            return -1;
        }
        if (colon && !port_ok(colon + 1, (size_t)(b + n - colon - 1))) {
            snprintf(err, errlen, "broker '%.*s': the port must be 1..65535", (int)n, b);
            return -1;
        }
        b += n;
        if (*b == ',')
            b++;
    }
    return 0;
}

typedef struct {
    int json;
    long long batch, commit_ms, timeout_ms;
} ks_opts_t;

static int parse_opts(const at_sinkspec_t *spec, ks_opts_t *o, char *err, size_t errlen)
{
    const char *f = at_sinkspec_opt(spec, "format", "protobuf");
    if (strcmp(f, "protobuf") != 0 && strcmp(f, "json") != 0) {
        snprintf(err, errlen, "format=%s: expected protobuf or json", f);
        return -1;
    }
    o->json = strcmp(f, "json") == 0;
    if (at_sinkspec_opt_int(spec, "batch", DEFAULT_BATCH, 1, 100000, AT_SFX_NONE, &o->batch, err,
                            errlen) < 0 ||
        at_sinkspec_opt_int(spec, "commit_ms", 0, 0, 3600000, AT_SFX_MS, &o->commit_ms, err,
                            errlen) < 0 ||
        at_sinkspec_opt_int(spec, "timeout_ms", DEFAULT_TIMEOUT_MS, 100, 3600000, AT_SFX_MS,
                            &o->timeout_ms, err, errlen) < 0)
        return -1;
    return 0;
}

static int ks_check(const at_sinkspec_t *spec, char *err, size_t errlen)
{
    ks_opts_t o;
    if (parse_opts(spec, &o, err, errlen) < 0)
        return -1;
    return at_kafkasink_check_target(spec->target, err, errlen);
}

/* ---- the producer ---- */

static int producer_open(ks_t *self, char *err, size_t errlen)
{
    self->t = at_transport_new_cfg(self->uri, AT_TX_PUSH, self->props, err, errlen);
    return self->t ? 0 : -1;
}

/* Let a failed producer go (what it still holds is purged: the batch is
 * sent again in full on the next one). */
static void producer_drop(ks_t *self)
{
    at_transport_close(&self->t, 0);
    self->sent = 0;
}

static void ks_close(void **h_p)
{
    ks_t *self = *h_p;
    if (!self)
        return;
    /* Every batch is committed or given up by now: nothing to wait for. */
    at_transport_close(&self->t, 0);
    at_config_destroy(&self->props);
    free(self->uri);
    free(self->outcome);
    free(self);
    *h_p = NULL;
}

static void *ks_open(const at_sinkspec_t *spec, at_sinkpolicy_t *pol, char *err, size_t errlen)
{
    ks_opts_t o;
    if (parse_opts(spec, &o, err, errlen) < 0)
        return NULL;
    ks_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    void *h = self;
    self->json = o.json;
    self->timeout_ms = o.timeout_ms;
    self->stopping = pol->stopping;
    self->cap = (size_t)o.batch;
    self->uri = strdup(spec->target);
    self->outcome = calloc(self->cap, 1);
    self->props = at_config_new(props_defs);
    if (!self->uri || !self->outcome || !self->props) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    copy_ctx_t c = {self->props, spec->cfg, err, errlen};
    if (spec->cfg && at_config_passthrough_each(spec->cfg, "kafka", copy_prop, &c) != 0)
        goto fail;
    if (producer_open(self, err, errlen) < 0)
        goto fail;
    pol->batch_max = (size_t)o.batch;
    pol->commit_ms = o.commit_ms;
    return self;
fail:
    ks_close(&h);
    return NULL;
}

/* ---- batches ---- */

static int ks_begin(void *h, char *err, size_t errlen)
{
    ks_t *self = h;
    self->pos = 0;
    if (self->t && at_transport_failed(self->t))
        producer_drop(self);
    if (!self->t && producer_open(self, err, errlen) < 0)
        return -1;
    return 0;
}

static int ks_write(void *h, const at_sinkitem_t *it, char *err, size_t errlen)
{
    ks_t *self = h;
    if (self->pos < self->sent)
        return self->outcome[self->pos++]; /* with the producer since an earlier attempt */
    if (self->pos >= self->cap) {
        snprintf(err, errlen, "batch larger than batch=%zu", self->cap);
        return -1;
    }
    const char *type = self->json ? AT_KAFKASINK_JSON_TYPE : attache__v1__event__descriptor.name;
    const void *payload = self->json ? (const void *)it->json : it->pb;
    size_t len = self->json ? it->json_len : it->pb_len;
    int rc = at_transport_send(self->t, type, it->ev->id, payload, len, (int)self->timeout_ms);
    int outcome = 0;
    if (rc == AT_TX_AGAIN) {
        snprintf(err, errlen, "the producer's queue stayed full for %lld ms", self->timeout_ms);
        return -1;
    }
    if (rc != AT_TX_OK) {
        const char *why = at_transport_failed(self->t);
        if (!why && errno == EMSGSIZE) {
            /* No retry can deliver it; the rest of the batch goes on. */
            at_log_error("kafka output %s: event %s (%zu bytes) is larger than the producer's "
                         "message.max.bytes: dropped",
                         self->uri, it->ev->id, len);
            outcome = AT_SINKBE_DROPPED;
        } else {
            snprintf(err, errlen, "producing event %s: %s", it->ev->id,
                     why ? why : "refused by librdkafka (see the log line before)");
            return -1;
        }
    }
    self->outcome[self->pos++] = (unsigned char)outcome;
    self->sent = self->pos;
    return outcome;
}

static int ks_commit(void *h, char *err, size_t errlen)
{
    ks_t *self = h;
    if (!self->t) {
        snprintf(err, errlen, "no producer");
        return -1;
    }
    long long wait = self->timeout_ms;
    if (self->stopping && atomic_load(self->stopping) && wait > STOPPING_TIMEOUT_MS)
        wait = STOPPING_TIMEOUT_MS;
    int left = at_transport_flush(self->t, (int)wait);
    const char *why = at_transport_failed(self->t);
    if (why) {
        snprintf(err, errlen,
                 "kafka producer failed: %s; the batch of %zu events is sent again on a new "
                 "producer (records that did reach the broker become duplicates)",
                 why, self->sent);
        producer_drop(self);
        return -1;
    }
    if (left > 0) {
        snprintf(err, errlen,
                 "%d records still wait for their delivery report after %lld ms (brokers "
                 "unreachable?); they stay queued in the producer and are waited for again",
                 left, wait);
        return -1;
    }
    self->sent = 0;
    return 0;
}

static void ks_rollback(void *h)
{
    ks_t *self = h;
    /* The records already produced stay with the producer (see the top). */
    if (self->t && at_transport_failed(self->t))
        producer_drop(self);
}

const at_sinkbe_t at_kafkasink_backend = {
    "kafka",   "kafka://BROKERS/TOPIC",
    1,         "format batch commit_ms timeout_ms",
    ks_check,  ks_open,
    ks_begin,  ks_write,
    ks_commit, ks_rollback,
    NULL,      NULL,
    ks_close,
};
