/*
 * at_pubsink: ZeroMQ PUB with topic prefixes. See at_pubsink.h.
 */
#include "at_pubsink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_endpoint.h"
#include "at_json.h"
#include "at_log.h"
#include "at_sinkspec.h"
#include "at_transport.h"

#define TOPIC_PART_MAX 48

typedef struct {
    at_transport_t *pub;
    int json;
    int topics;
} pub_t;

typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} keys_t;

static void clean_part(char *out, const char *in)
{
    size_t n = 0;
    for (; in && in[n] && n < TOPIC_PART_MAX; n++) {
        char c = in[n];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        out[n] = ok ? c : '_';
    }
    if (n == 0)
        out[n++] = '_';
    out[n] = '\0';
}

/* Append key unless already there. */
static void keys_add(keys_t *k, const char *key)
{
    size_t n = strlen(key) + 1;
    for (size_t off = 0; off < k->len; off += strlen(k->buf + off) + 1)
        if (strcmp(k->buf + off, key) == 0)
            return;
    if (k->len + n + 1 > k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 256;
        while (cap < k->len + n + 1)
            cap *= 2;
        char *nb = realloc(k->buf, cap);
        if (!nb) {
            k->oom = 1;
            return;
        }
        k->buf = nb;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, key, n);
    k->len += n;
}

char *at_pubsink_topics(const Attache__V1__Event *ev)
{
    keys_t k = {0};
    char key[3 * TOPIC_PART_MAX + 32], a[TOPIC_PART_MAX + 2], b[TOPIC_PART_MAX + 2];
    keys_add(&k, "event.");
    for (size_t i = 0; i < ev->n_alerts; i++) {
        clean_part(a, ev->alerts[i]->rule);
        clean_part(b, at_json_severity_name(ev->alerts[i]->severity));
        snprintf(key, sizeof key, "alert.%s.%s.", a, b);
        keys_add(&k, key);
    }
    for (size_t i = 0; i < ev->n_countries; i++) {
        clean_part(a, ev->countries[i]->code);
        snprintf(key, sizeof key, "country.%s.", a);
        keys_add(&k, key);
    }
    for (size_t i = 0; i < ev->n_locations; i++) {
        clean_part(a, ev->locations[i]->code);
        snprintf(key, sizeof key, "country.%s.", a);
        keys_add(&k, key);
    }
    for (size_t i = 0; i < ev->n_actors; i++) {
        clean_part(a, ev->actors[i]->id);
        snprintf(key, sizeof key, "actor.%s.", a);
        keys_add(&k, key);
    }
    keys_add(&k, ""); /* the terminator (never a duplicate: keys are non-empty) */
    if (k.oom) {
        free(k.buf);
        return NULL;
    }
    return k.buf;
}

static int pub_parse(const at_sinkspec_t *spec, int *json, int *topics, char *err, size_t errlen)
{
    const char *f = at_sinkspec_opt(spec, "format", "protobuf");
    const char *t = at_sinkspec_opt(spec, "topics", "on");
    if (strcmp(f, "protobuf") && strcmp(f, "json")) {
        snprintf(err, errlen, "format=%s: expected protobuf or json", f);
        return -1;
    }
    if (strcmp(t, "on") && strcmp(t, "off")) {
        snprintf(err, errlen, "topics=%s: expected on or off", t);
        return -1;
    }
    *json = strcmp(f, "json") == 0;
    *topics = strcmp(t, "on") == 0;
    return 0;
}

static int pub_check(const at_sinkspec_t *spec, char *err, size_t errlen)
{
    int j, t;
    at_endpoint_t ep;
    if (pub_parse(spec, &j, &t, err, errlen) < 0)
        return -1;
    return at_endpoint_parse(spec->target, &ep, err, errlen);
}

static void *pub_open(const at_sinkspec_t *spec, at_sinkpolicy_t *pol, char *err, size_t errlen)
{
    pub_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (pub_parse(spec, &self->json, &self->topics, err, errlen) < 0 ||
        !(self->pub = at_transport_new(spec->target, AT_TX_PUB, err, errlen))) {
        free(self);
        return NULL;
    }
    pol->commit_ms = 0;
    pol->batch_max = 64;
    return self;
}

/* Log subscription changes XPUB hands up ([0x01|0x00, prefix]). */
static void pub_idle(void *h)
{
    pub_t *self = h;
    for (int i = 0; i < 64; i++) {
        at_msg_t m;
        if (at_transport_recv(self->pub, &m, 0) != AT_TX_OK) {
            at_msg_release(&m);
            return;
        }
        const unsigned char *d = m.data;
        if (m.nparts == 1 && m.len >= 1 && (d[0] == 0 || d[0] == 1)) {
            int n = (int)(m.len - 1 > 120 ? 120 : m.len - 1);
            char shown[128];
            for (int j = 0; j < n; j++)
                shown[j] = d[1 + j] >= 0x20 && d[1 + j] < 0x7f ? (char)d[1 + j] : '?';
            shown[n] = '\0';
            at_log_info("pub %s: subscription %c%s", at_transport_endpoint(self->pub),
                        d[0] ? '+' : '-', shown);
        }
        at_msg_release(&m);
    }
}

static int pub_write(void *h, const at_sinkitem_t *it, char *err, size_t errlen)
{
    pub_t *self = h;
    (void)err;
    (void)errlen;
    const void *payload = self->json ? (const void *)it->json : it->pb;
    size_t len = self->json ? it->json_len : it->pb_len;
    const char *id = it->ev->id;
    if (!self->topics)
        return at_transport_send(self->pub, attache__v1__event__descriptor.name, id, payload, len,
                                 0) == AT_TX_OK
                   ? 0
                   : AT_SINKBE_DROPPED;
    char *keys = at_pubsink_topics(it->ev);
    if (!keys)
        return AT_SINKBE_DROPPED;
    int dropped = 0;
    for (const char *k = keys; *k; k += strlen(k) + 1)
        if (at_transport_send(self->pub, k, id, payload, len, 0) != AT_TX_OK)
            dropped = 1;
    free(keys);
    return dropped ? AT_SINKBE_DROPPED : 0;
}

static void pub_close(void **h_p)
{
    pub_t *self = *h_p;
    if (!self)
        return;
    /* Give subscribers a moment for what is queued toward them. */
    at_transport_close(&self->pub, 200);
    free(self);
    *h_p = NULL;
}

const at_sinkbe_t at_pub_backend = {
    "zmq", "zmq+tcp://*:PORT", 0,    "format topics", pub_check, pub_open, NULL, pub_write, NULL,
    NULL,  pub_idle,           NULL, pub_close,
};
