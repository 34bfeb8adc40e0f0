/*
 * at_transport: ZeroMQ implementation of the attache transport. See
 * at_transport.h for the contract.
 *
 * One ZeroMQ context per process, created on first use. Sends try a
 * non-blocking send first and only then poll for writability, which keeps
 * the common path to one syscall-free call into libzmq.
 */
#include "at_transport.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_endpoint.h"
#include "at_kafka.h"

struct at_transport {
    at_kafka_t *kafka; /* kafka:// endpoints; then sock is NULL */
    void *sock;
    at_tx_pattern_t pattern;
    at_endpoint_t ep;
    char last_endpoint[512];
    unsigned sends;
    void *mon; /* PAIR end of the socket monitor (PUSH/PULL), or NULL */
    int peers; /* connections the monitor reported open */
};

static void *g_ctx;
static pthread_mutex_t g_ctx_lock = PTHREAD_MUTEX_INITIALIZER;

static void *ctx_get(void)
{
    pthread_mutex_lock(&g_ctx_lock);
    if (!g_ctx)
        g_ctx = zmq_ctx_new();
    void *c = g_ctx;
    pthread_mutex_unlock(&g_ctx_lock);
    return c;
}

void at_transport_shutdown(void)
{
    pthread_mutex_lock(&g_ctx_lock);
    if (g_ctx) {
        /* zmq_ctx_term retries on EINTR by contract. */
        while (zmq_ctx_term(g_ctx) < 0 && errno == EINTR)
            ;
        g_ctx = NULL;
    }
    pthread_mutex_unlock(&g_ctx_lock);
}

/* Watch the socket's connections through a ZeroMQ socket monitor, set up
 * before bind/connect so no event is missed. Without it (no memory, no
 * inproc) at_transport_peers says -1, "unknown". */
static void monitor_start(at_transport_t *self, void *ctx)
{
    char addr[64];
    static unsigned seq;
    snprintf(addr, sizeof addr, "inproc://attache-monitor-%u", __atomic_add_fetch(&seq, 1, 0));
    if (zmq_socket_monitor(self->sock, addr,
                           ZMQ_EVENT_CONNECTED | ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0)
        return;
    self->mon = zmq_socket(ctx, ZMQ_PAIR);
    int zero = 0;
    if (self->mon && (zmq_setsockopt(self->mon, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
                      zmq_connect(self->mon, addr) != 0)) {
        zmq_close(self->mon);
        self->mon = NULL;
    }
}

int at_transport_peers(at_transport_t *self)
{
    if (!self->mon)
        return -1;
    /* Each event is [6 bytes: uint16 event, uint32 value][endpoint]. */
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, self->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        uint16_t ev = 0;
        if (zmq_msg_size(&m) >= 2)
            memcpy(&ev, zmq_msg_data(&m), sizeof ev);
        int more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        while (more) {
            zmq_msg_init(&m);
            more = zmq_msg_recv(&m, self->mon, 0) >= 0 && zmq_msg_more(&m);
            zmq_msg_close(&m);
        }
        if (ev == ZMQ_EVENT_CONNECTED || ev == ZMQ_EVENT_ACCEPTED)
            self->peers++;
        else if (ev == ZMQ_EVENT_DISCONNECTED && self->peers > 0)
            self->peers--;
    }
    return self->peers;
}

at_transport_t *at_transport_new(const char *uri, at_tx_pattern_t pattern, char *err, size_t errlen)
{
    return at_transport_new_cfg(uri, pattern, NULL, err, errlen);
}

at_transport_t *at_transport_new_cfg(const char *uri, at_tx_pattern_t pattern,
                                     const struct at_config *cfg, char *err, size_t errlen)
{
    at_transport_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->pattern = pattern;
    if (at_endpoint_parse(uri, &self->ep, err, errlen) < 0) {
        free(self);
        return NULL;
    }
    if (self->ep.scheme == AT_EP_KAFKA) {
        self->kafka = at_kafka_new(&self->ep, pattern, cfg, err, errlen);
        if (!self->kafka) {
            free(self);
            return NULL;
        }
        snprintf(self->last_endpoint, sizeof self->last_endpoint, "%s", uri);
        return self;
    }
    void *ctx = ctx_get();
    static const int zmq_types[] = {ZMQ_PUSH, ZMQ_PULL, ZMQ_XPUB, ZMQ_SUB};
    self->sock = ctx ? zmq_socket(ctx, zmq_types[pattern]) : NULL;
    if (!self->sock) {
        snprintf(err, errlen, "%s: cannot create socket: %s", uri, zmq_strerror(errno));
        free(self);
        return NULL;
    }
    int hwm = self->ep.hwm, one = 1, zero = 0;
    int rc = 0;
    switch (pattern) {
    case AT_TX_PUSH:
        rc |= zmq_setsockopt(self->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
        /* Queue only toward completed connections: a missing peer makes
         * send block instead of filling a queue that may never drain. */
        rc |= zmq_setsockopt(self->sock, ZMQ_IMMEDIATE, &one, sizeof one);
        break;
    case AT_TX_PULL:
        rc |= zmq_setsockopt(self->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
        break;
    case AT_TX_PUB:
        rc |= zmq_setsockopt(self->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
        rc |= zmq_setsockopt(self->sock, ZMQ_XPUB_NODROP, &one, sizeof one);
        break;
    case AT_TX_SUB:
        rc |= zmq_setsockopt(self->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
        rc |= zmq_setsockopt(self->sock, ZMQ_SUBSCRIBE, "", 0);
        break;
    }
    /* Closing must never hang by default; callers choose a linger. */
    rc |= zmq_setsockopt(self->sock, ZMQ_LINGER, &zero, sizeof zero);
    if (rc != 0) {
        snprintf(err, errlen, "%s: setsockopt: %s", uri, zmq_strerror(errno));
        zmq_close(self->sock);
        free(self);
        return NULL;
    }
    if (pattern == AT_TX_PUSH || pattern == AT_TX_PULL)
        monitor_start(self, ctx);
    rc = self->ep.bind ? zmq_bind(self->sock, self->ep.zmq_addr)
                       : zmq_connect(self->sock, self->ep.zmq_addr);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot %s %s: %s", uri, self->ep.bind ? "bind" : "connect",
                 self->ep.zmq_addr, zmq_strerror(errno));
        if (self->mon)
            zmq_close(self->mon);
        zmq_close(self->sock);
        free(self);
        return NULL;
    }
    size_t len = sizeof self->last_endpoint;
    if (!self->ep.bind ||
        zmq_getsockopt(self->sock, ZMQ_LAST_ENDPOINT, self->last_endpoint, &len) != 0)
        snprintf(self->last_endpoint, sizeof self->last_endpoint, "%s", self->ep.zmq_addr);
    return self;
}

const char *at_transport_endpoint(const at_transport_t *self)
{
    return self->last_endpoint;
}

static int zmq_send_pair(at_transport_t *self, const char *type, const void *payload, size_t len,
                         int timeout_ms);

/* Wait until the socket has `events`; returns 1 ready, 0 timeout, -1 error. */
static int wait_for(void *sock, short events, int timeout_ms)
{
    zmq_pollitem_t item = {sock, 0, events, 0};
    int rc = zmq_poll(&item, 1, timeout_ms);
    if (rc < 0)
        return -1;
    return rc > 0 && (item.revents & events) ? 1 : 0;
}

/* XPUB hands subscription frames up to us; discard them so they cannot
 * pile up in the socket's receive queue. */
static void drain_subscriptions(at_transport_t *self)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    while (zmq_msg_recv(&m, self->sock, ZMQ_DONTWAIT) >= 0)
        ;
    zmq_msg_close(&m);
}

int at_transport_send(at_transport_t *self, const char *type, const char *key, const void *payload,
                      size_t len, int timeout_ms)
{
    at_ack_t none = {0, 0, 0};
    return at_transport_send_acked(self, type, key, payload, len, timeout_ms, NULL, none);
}

int at_transport_send_acked(at_transport_t *self, const char *type, const char *key,
                            const void *payload, size_t len, int timeout_ms, at_transport_t *ack_in,
                            at_ack_t ack)
{
    if (self->kafka) {
        /* A ZeroMQ input has nothing to acknowledge (its tokens are 0). */
        return at_kafka_send(self->kafka, type, key, payload, len, timeout_ms,
                             ack_in ? ack_in->kafka : NULL, ack);
    }
    int rc = zmq_send_pair(self, type, payload, len, timeout_ms);
    /* ZeroMQ: queued is as delivered as it gets. */
    if (rc == AT_TX_OK && ack_in)
        at_transport_ack_token(ack_in, ack);
    return rc;
}

static int zmq_send_pair(at_transport_t *self, const char *type, const void *payload, size_t len,
                         int timeout_ms)
{
    if (self->pattern == AT_TX_PUB) {
        if ((++self->sends & 255) == 0)
            drain_subscriptions(self);
        timeout_ms = 0;
    }
    size_t tlen = strlen(type);
    for (int attempt = 0;; attempt++) {
        /* The first frame decides: once it is queued, libzmq accepts the
         * rest of a multipart message atomically. */
        if (zmq_send(self->sock, type, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
            break;
        if (errno != EAGAIN)
            return AT_TX_ERROR;
        if (attempt > 0 || timeout_ms == 0)
            return AT_TX_AGAIN;
        int w = wait_for(self->sock, ZMQ_POLLOUT, timeout_ms);
        if (w < 0)
            return AT_TX_ERROR;
        if (w == 0)
            return AT_TX_AGAIN;
    }
    while (zmq_send(self->sock, payload, len, ZMQ_DONTWAIT) < 0) {
        /* Cannot happen per libzmq's atomic multipart guarantee, but never
         * spin silently if it does. */
        if (errno != EINTR && errno != EAGAIN)
            return AT_TX_ERROR;
    }
    return AT_TX_OK;
}

int at_transport_recv(at_transport_t *self, at_msg_t *msg, int timeout_ms)
{
    if (self->kafka)
        return at_kafka_recv(self->kafka, msg, timeout_ms);
    memset(msg, 0, sizeof *msg);
    zmq_msg_init(&msg->part[0]);
    zmq_msg_init(&msg->part[1]);
    if (zmq_msg_recv(&msg->part[0], self->sock, ZMQ_DONTWAIT) < 0) {
        if (errno != EAGAIN)
            return AT_TX_ERROR;
        if (timeout_ms == 0)
            return AT_TX_AGAIN;
        int w = wait_for(self->sock, ZMQ_POLLIN, timeout_ms);
        if (w <= 0)
            return w < 0 ? AT_TX_ERROR : AT_TX_AGAIN;
        if (zmq_msg_recv(&msg->part[0], self->sock, ZMQ_DONTWAIT) < 0)
            return errno == EAGAIN ? AT_TX_AGAIN : AT_TX_ERROR;
    }
    msg->nparts = 1;
    /* The rest of a multipart message is already here: these never block. */
    int extra = 0;
    int more = zmq_msg_more(&msg->part[0]);
    while (more) {
        if (msg->nparts == 1) {
            if (zmq_msg_recv(&msg->part[1], self->sock, 0) < 0)
                break;
            msg->nparts = 2;
            more = zmq_msg_more(&msg->part[1]);
        } else {
            zmq_msg_t scratch;
            zmq_msg_init(&scratch);
            int rc = zmq_msg_recv(&scratch, self->sock, 0);
            more = rc >= 0 && zmq_msg_more(&scratch);
            zmq_msg_close(&scratch);
            extra++;
        }
    }

    size_t tlen = zmq_msg_size(&msg->part[0]);
    if (msg->nparts < 2) {
        msg->bad = "single-frame message (expected [type, payload])";
        msg->data = zmq_msg_data(&msg->part[0]);
        msg->len = tlen;
        msg->type = "";
        return AT_TX_OK;
    }
    msg->data = zmq_msg_data(&msg->part[1]);
    msg->len = zmq_msg_size(&msg->part[1]);
    if (tlen > AT_TX_MAX_TYPE) {
        msg->bad = "type frame too long";
        msg->type = "";
        return AT_TX_OK;
    }
    memcpy(msg->typebuf, zmq_msg_data(&msg->part[0]), tlen);
    msg->typebuf[tlen] = '\0';
    msg->type = msg->typebuf;
    for (size_t i = 0; i < tlen; i++) {
        unsigned char c = (unsigned char)msg->typebuf[i];
        if (c < 0x21 || c > 0x7e) {
            msg->bad = "type frame is not printable ASCII";
            msg->type = "";
            break;
        }
    }
    if (extra && !msg->bad)
        msg->bad = "too many frames (expected [type, payload])";
    return AT_TX_OK;
}

void at_transport_ack(at_transport_t *self, at_msg_t *msg)
{
    /* ZeroMQ has no acknowledgements; see the header. */
    at_transport_ack_token(self, msg->ack);
}

at_ack_t at_msg_ack_token(const at_msg_t *msg)
{
    return msg->ack;
}

void at_transport_ack_token(at_transport_t *self, at_ack_t ack)
{
    if (self && self->kafka && ack.epoch)
        at_kafka_ack(self->kafka, ack);
}

void at_transport_poll(at_transport_t *self, int timeout_ms)
{
    if (self && self->kafka)
        at_kafka_poll(self->kafka, timeout_ms);
}

int at_transport_flush(at_transport_t *self, int timeout_ms)
{
    return self && self->kafka ? at_kafka_flush(self->kafka, timeout_ms) : 0;
}

const char *at_transport_failed(const at_transport_t *self)
{
    return self && self->kafka ? at_kafka_failed(self->kafka) : NULL;
}

void at_transport_set_revoke_hook(at_transport_t *self, void (*fn)(void *arg), void *arg)
{
    if (self && self->kafka)
        at_kafka_set_revoke_hook(self->kafka, fn, arg);
}

int at_transport_check_config(const struct at_config *cfg, char *err, size_t errlen)
{
    return at_kafka_check_config(cfg, err, errlen);
}

void at_msg_release(at_msg_t *msg)
{
    if (msg->kmsg) {
        at_kafka_msg_release(msg);
        return;
    }
    zmq_msg_close(&msg->part[0]);
    zmq_msg_close(&msg->part[1]);
    msg->nparts = 0;
    msg->data = NULL;
    msg->len = 0;
}

void at_transport_close(at_transport_t **self_p, int linger_ms)
{
    if (!self_p || !*self_p)
        return;
    at_transport_t *self = *self_p;
    if (self->kafka) {
        at_kafka_close(&self->kafka, linger_ms);
        free(self);
        *self_p = NULL;
        return;
    }
    if (self->mon) {
        zmq_socket_monitor(self->sock, NULL, 0);
        zmq_close(self->mon);
    }
    zmq_setsockopt(self->sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
    zmq_close(self->sock);
    free(self);
    *self_p = NULL;
}
