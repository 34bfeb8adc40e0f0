/*
 * at_kafka: librdkafka producer and consumer behind at_transport. See
 * at_kafka.h for the delivery rules.
 *
 * Offset tracking: per assigned partition a ring of the offsets received
 * and not yet stored, each with a done flag, in receive order (which is
 * offset order: one thread consumes a partition in order). Acknowledging
 * marks an entry done; the done entries at the head are popped and the
 * partition's offset to store becomes the last popped offset + 1. Stores
 * are handed to rd_kafka_offsets_store in batches (at most every
 * STORE_EVERY_MS, and always before a commit); the auto-committer commits
 * what was stored. Each assignment gets a new epoch so a token that was in
 * flight across a rebalance cannot store an offset for a partition this
 * consumer no longer owns, or owns again with other messages in flight.
 */
#include "at_kafka.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "at_log.h"

#define STORE_EVERY_MS 50
#define MAX_LINKED     4

typedef struct {
    int64_t offset;
    int done;
} slot_t;

typedef struct {
    uint32_t epoch; /* 0 = not assigned */
    slot_t *ring;
    size_t head, count, cap;
    int64_t to_store; /* -1 = nothing new */
    int64_t next;     /* last received offset + 1; -1 = none yet */
} part_t;

struct at_kafka {
    rd_kafka_t *rk;
    at_tx_pattern_t pattern;
    at_endpoint_t ep;
    char failed[512];
    /* consumer */
    part_t *parts;
    size_t nparts;
    uint32_t epoch;
    uint64_t last_store_ms;
    int store_pending;
    at_kafka_t *linked[MAX_LINKED]; /* producers whose reports ack our messages */
    size_t nlinked;
    void (*revoke_fn)(void *arg);
    void *revoke_arg;
    at_kafka_t *next_consumer;
};

/* What a produced message remembers for its delivery report. */
typedef struct {
    at_kafka_t *in;
    at_ack_t ack;
} dr_opaque_t;

/* Process-wide counters. Consumer counters are updated on the daemon's
 * thread; producer counters (COUNT) also from attache-sink's output
 * threads, one per kafka:// output, hence atomically. */
enum {
    K_PRODUCED,
    K_DELIVERED,
    K_FAILED,
    K_QUEUE_FULL,
    K_CONSUMED,
    K_ACKED,
    K_STORED,
    K_REBALANCES,
    K_LAG,
    K_FIXED
};
#define MAX_ERR_COUNTERS 8
static at_counter_t g_counters[K_FIXED + MAX_ERR_COUNTERS + 1] = {
    {"kafka_produced", 0, 0},       {"kafka_delivered", 0, 0},  {"kafka_delivery_failed", 0, 0},
    {"kafka_queue_full", 0, 0},     {"kafka_consumed", 0, 0},   {"kafka_acked", 0, 0},
    {"kafka_offsets_stored", 0, 0}, {"kafka_rebalances", 0, 0}, {"kafka_consumer_lag", 0, 1},
};
static char g_err_names[MAX_ERR_COUNTERS][64];
static pthread_mutex_t g_err_lock = PTHREAD_MUTEX_INITIALIZER;
#define COUNT(k) __atomic_fetch_add(&g_counters[k].value, 1, __ATOMIC_RELAXED)
static int g_used;
static at_kafka_t *g_consumers;

/* Count one delivery failure under its error name. */
static void count_failure(rd_kafka_resp_err_t err)
{
    COUNT(K_FAILED);
    char name[64];
    snprintf(name, sizeof name, "kafka_failed_%s", rd_kafka_err2name(err));
    pthread_mutex_lock(&g_err_lock);
    for (int i = 0; i < MAX_ERR_COUNTERS; i++) {
        at_counter_t *c = &g_counters[K_FIXED + i];
        if (!c->name) {
            snprintf(g_err_names[i], sizeof g_err_names[i], "%s", name);
            c->name = g_err_names[i];
        }
        if (strcmp(c->name, name) == 0) {
            __atomic_fetch_add(&c->value, 1, __ATOMIC_RELAXED);
            break;
        }
    }
    pthread_mutex_unlock(&g_err_lock);
}

static void set_failed(at_kafka_t *self, const char *fmt, const char *a, const char *b)
{
    if (self->failed[0])
        return;
    snprintf(self->failed, sizeof self->failed, fmt, a, b);
    at_log_error("kafka %s: %s", self->ep.topic, self->failed);
}

/* librdkafka's log lines, through at_log (may run on librdkafka threads;
 * at_log writes one line with one call). */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    at_log_level_t l = level <= LOG_ERR       ? AT_LOG_ERROR
                       : level <= LOG_WARNING ? AT_LOG_WARN
                       : level <= LOG_INFO    ? AT_LOG_INFO
                                              : AT_LOG_DEBUG;
    AT_LOG_AT(l, "librdkafka %s: %s", fac, buf);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    at_kafka_t *self = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
        char what[400];
        snprintf(what, sizeof what, "%s: %.300s", rd_kafka_err2name(orig), why);
        set_failed(self, "fatal librdkafka error %s%s", what, "");
        return;
    }
    /* Transport errors (broker down, all brokers down) are retried by
     * librdkafka: backpressure, not failure. */
    at_log_warn("kafka %s: %s: %s", self->ep.topic, rd_kafka_err2name((rd_kafka_resp_err_t)err),
                reason);
}

/* ---- offset tracking ---------------------------------------------------- */

static part_t *part_get(at_kafka_t *self, int32_t p, int grow)
{
    if (p < 0)
        return NULL;
    if ((size_t)p >= self->nparts) {
        if (!grow)
            return NULL;
        size_t n = (size_t)p + 1;
        part_t *np = realloc(self->parts, n * sizeof *np);
        if (!np)
            return NULL;
        memset(np + self->nparts, 0, (n - self->nparts) * sizeof *np);
        for (size_t i = self->nparts; i < n; i++)
            np[i].to_store = np[i].next = -1;
        self->parts = np;
        self->nparts = n;
    }
    return &self->parts[p];
}

static void part_reset(part_t *pt, uint32_t epoch)
{
    pt->epoch = epoch;
    pt->head = pt->count = 0;
    pt->to_store = pt->next = -1;
}

/* Register a received offset as in flight. -1 on out of memory. */
static int part_push(part_t *pt, int64_t offset)
{
    if (pt->count == pt->cap) {
        size_t cap = pt->cap ? pt->cap * 2 : 1024;
        slot_t *n = malloc(cap * sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < pt->count; i++)
            n[i] = pt->ring[(pt->head + i) % pt->cap];
        free(pt->ring);
        pt->ring = n;
        pt->cap = cap;
        pt->head = 0;
    }
    pt->ring[(pt->head + pt->count) % pt->cap] = (slot_t){offset, 0};
    pt->count++;
    pt->next = offset + 1;
    return 0;
}

/* Hand the offsets to store to librdkafka (the auto-committer or an
 * explicit commit sends them to the group coordinator). */
static void store_offsets(at_kafka_t *self)
{
    if (!self->store_pending)
        return;
    self->store_pending = 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (size_t i = 0; i < self->nparts; i++) {
        part_t *pt = &self->parts[i];
        if (pt->epoch && pt->to_store >= 0) {
            rd_kafka_topic_partition_list_add(l, self->ep.topic, (int32_t)i)->offset = pt->to_store;
            pt->to_store = -1;
        }
    }
    if (l->cnt) {
        rd_kafka_resp_err_t err = rd_kafka_offsets_store(self->rk, l);
        if (err)
            at_log_warn("kafka %s: storing offsets: %s", self->ep.topic, rd_kafka_err2str(err));
        else
            g_counters[K_STORED].value += (uint64_t)l->cnt;
    }
    rd_kafka_topic_partition_list_destroy(l);
    self->last_store_ms = at_now_ms();
}

void at_kafka_ack(at_kafka_t *self, at_ack_t ack)
{
    part_t *pt = part_get(self, ack.partition, 0);
    if (!pt || !ack.epoch || pt->epoch != ack.epoch || !pt->count)
        return; /* revoked since: the new owner replays it */
    /* Binary search: the ring holds increasing offsets. */
    size_t lo = 0, hi = pt->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pt->ring[(pt->head + mid) % pt->cap].offset < ack.offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == pt->count || pt->ring[(pt->head + lo) % pt->cap].offset != ack.offset)
        return;
    slot_t *s = &pt->ring[(pt->head + lo) % pt->cap];
    if (s->done)
        return;
    s->done = 1;
    g_counters[K_ACKED].value++;
    while (pt->count && pt->ring[pt->head].done) {
        pt->to_store = pt->ring[pt->head].offset + 1;
        pt->head = (pt->head + 1) % pt->cap;
        pt->count--;
        self->store_pending = 1;
    }
}

/* ---- configuration ------------------------------------------------------ */

typedef struct {
    rd_kafka_conf_t *conf;
    const at_config_t *cfg;
    char *err;
    size_t errlen;
} prop_ctx_t;

static int apply_prop(void *arg, const char *property, const char *value)
{
    prop_ctx_t *c = arg;
    char why[512];
    if (rd_kafka_conf_set(c->conf, property, value, why, sizeof why) != RD_KAFKA_CONF_OK) {
        char key[300];
        snprintf(key, sizeof key, "kafka.%s", property);
        snprintf(c->err, c->errlen, "%s: %s = '%s': %s", at_config_origin(c->cfg, key), key, value,
                 why);
        return -1;
    }
    return 0;
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errlen)
{
    char why[512];
    if (rd_kafka_conf_set(conf, k, v, why, sizeof why) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "kafka %s=%s: %s", k, v, why);
        return -1;
    }
    return 0;
}

/* attache's defaults for a pattern, then the user's kafka.* properties. */
static rd_kafka_conf_t *make_conf(const at_endpoint_t *ep, at_tx_pattern_t pattern,
                                  const at_config_t *cfg, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char group[300];
    const char *prog = program_invocation_short_name;
    snprintf(group, sizeof group, "%s", ep && ep->group[0] ? ep->group : prog);
    int rc = 0;
    if (ep)
        rc |= conf_set(conf, "bootstrap.servers", ep->brokers, err, errlen);
    rc |= conf_set(conf, "client.id", prog, err, errlen);
    if (pattern == AT_TX_PUSH) {
        rc |= conf_set(conf, "enable.idempotence", "true", err, errlen);
        /* Retry until the broker has it: an outage is backpressure. */
        rc |= conf_set(conf, "message.timeout.ms", "0", err, errlen);
        rc |= conf_set(conf, "linger.ms", "5", err, errlen);
        rc |= conf_set(conf, "queue.buffering.max.messages", "100000", err, errlen);
    } else {
        rc |= conf_set(conf, "group.id", group, err, errlen);
        rc |= conf_set(conf, "enable.auto.offset.store", "false", err, errlen);
        rc |= conf_set(conf, "enable.auto.commit", "true", err, errlen);
        rc |= conf_set(conf, "auto.commit.interval.ms", "1000", err, errlen);
        rc |= conf_set(conf, "auto.offset.reset", "earliest", err, errlen);
        rc |= conf_set(conf, "enable.partition.eof", "false", err, errlen);
    }
    if (rc) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    prop_ctx_t c = {conf, cfg, err, errlen};
    if (cfg && at_config_passthrough_each(cfg, "kafka", apply_prop, &c) != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

int at_kafka_check_config(const at_config_t *cfg, char *err, size_t errlen)
{
    if (!cfg)
        return 0;
    for (int p = 0; p < 2; p++) {
        rd_kafka_conf_t *conf = make_conf(NULL, p ? AT_TX_PULL : AT_TX_PUSH, cfg, err, errlen);
        if (!conf)
            return -1;
        rd_kafka_conf_destroy(conf);
    }
    return 0;
}

/* ---- callbacks ---------------------------------------------------------- */

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    at_kafka_t *self = opaque;
    dr_opaque_t *o = m->_private;
    if (!m->err) {
        COUNT(K_DELIVERED);
        if (o)
            at_kafka_ack(o->in, o->ack);
    } else if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
               m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
        /* Purged at close: counted and logged there; not acked. */
    } else {
        count_failure(m->err);
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(m->key_len < 100 ? m->key_len : 100),
                 m->key ? (const char *)m->key : "");
        set_failed(self, "delivery of %s failed: %s; stopping so it is replayed", key,
                   rd_kafka_err2str(m->err));
    }
    free(o);
}

/* Before partitions go: finish what is in flight for them, then commit. */
static void before_revoke(at_kafka_t *self)
{
    for (size_t i = 0; i < self->nlinked; i++) {
        /* Wait for the output's delivery reports (bounded): acks that land
         * now are stored and committed below instead of replayed. */
        rd_kafka_flush(self->linked[i]->rk, 10000);
    }
    if (self->revoke_fn)
        self->revoke_fn(self->revoke_arg);
    store_offsets(self);
    rd_kafka_resp_err_t err = rd_kafka_commit(self->rk, NULL, 0);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        at_log_warn("kafka %s: commit on revoke: %s", self->ep.topic, rd_kafka_err2str(err));
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    at_kafka_t *self = opaque;
    int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    g_counters[K_REBALANCES].value++;
    char list[256];
    size_t n = 0;
    list[0] = '\0';
    for (int i = 0; i < parts->cnt && n < sizeof list - 12; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%d", i ? "," : "",
                              (int)parts->elems[i].partition);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        self->epoch++;
        for (int i = 0; i < parts->cnt; i++) {
            part_t *pt = part_get(self, parts->elems[i].partition, 1);
            if (pt)
                part_reset(pt, self->epoch);
        }
        at_log_info("kafka %s: assigned partitions [%s]", self->ep.topic, list);
        if (coop)
            rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
        else
            rd_kafka_assign(rk, parts);
    } else {
        at_log_info("kafka %s: partitions [%s] revoked", self->ep.topic, list);
        before_revoke(self);
        for (int i = 0; i < parts->cnt; i++) {
            part_t *pt = part_get(self, parts->elems[i].partition, 0);
            if (pt)
                part_reset(pt, 0);
        }
        if (coop)
            rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
        else
            rd_kafka_assign(rk, NULL);
    }
}

/* ---- life cycle --------------------------------------------------------- */

at_kafka_t *at_kafka_new(const at_endpoint_t *ep, at_tx_pattern_t pattern, const at_config_t *cfg,
                         char *err, size_t errlen)
{
    if (pattern != AT_TX_PUSH && pattern != AT_TX_PULL) {
        snprintf(err, errlen, "%s: Kafka endpoints are pipeline hops (push or pull) only",
                 ep->zmq_addr);
        return NULL;
    }
    at_kafka_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->ep = *ep;
    self->pattern = pattern;
    rd_kafka_conf_t *conf = make_conf(ep, pattern, cfg, err, errlen);
    if (!conf) {
        free(self);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, self);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    if (pattern == AT_TX_PUSH)
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    else
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    char why[512];
    self->rk = rd_kafka_new(pattern == AT_TX_PUSH ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf,
                            why, sizeof why);
    if (!self->rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errlen, "%s: %s", ep->zmq_addr, why);
        free(self);
        return NULL;
    }
    g_used = 1;
    if (pattern == AT_TX_PULL) {
        rd_kafka_poll_set_consumer(self->rk);
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, ep->topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(self->rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        if (e) {
            snprintf(err, errlen, "%s: subscribe: %s", ep->zmq_addr, rd_kafka_err2str(e));
            rd_kafka_destroy(self->rk);
            free(self);
            return NULL;
        }
        self->next_consumer = g_consumers;
        g_consumers = self;
    }
    at_log_info(
        "kafka: %s %s (brokers %s%s%s)", pattern == AT_TX_PUSH ? "producing to" : "consuming",
        ep->topic, ep->brokers, pattern == AT_TX_PULL ? ", group " : "",
        pattern == AT_TX_PULL ? (ep->group[0] ? ep->group : program_invocation_short_name) : "");
    return self;
}

const char *at_kafka_failed(const at_kafka_t *self)
{
    return self->failed[0] ? self->failed : NULL;
}

void at_kafka_set_revoke_hook(at_kafka_t *self, void (*fn)(void *arg), void *arg)
{
    self->revoke_fn = fn;
    self->revoke_arg = arg;
}

void at_kafka_poll(at_kafka_t *self, int timeout_ms)
{
    if (self->pattern == AT_TX_PUSH) {
        rd_kafka_poll(self->rk, timeout_ms);
        return;
    }
    for (size_t i = 0; i < self->nlinked; i++)
        rd_kafka_poll(self->linked[i]->rk, 0);
    store_offsets(self);
}

int at_kafka_flush(at_kafka_t *self, int timeout_ms)
{
    if (self->pattern != AT_TX_PUSH)
        return 0;
    rd_kafka_flush(self->rk, timeout_ms);
    return rd_kafka_outq_len(self->rk);
}

static void unlink_consumer(at_kafka_t *self)
{
    for (at_kafka_t **pp = &g_consumers; *pp; pp = &(*pp)->next_consumer) {
        if (*pp == self) {
            *pp = self->next_consumer;
            return;
        }
    }
}

void at_kafka_close(at_kafka_t **self_p, int linger_ms)
{
    if (!self_p || !*self_p)
        return;
    at_kafka_t *self = *self_p;
    if (self->pattern == AT_TX_PUSH) {
        int left = at_kafka_flush(self, linger_ms < 0 ? -1 : linger_ms);
        if (left > 0) {
            at_log_error("kafka %s: %d messages not delivered within %d ms at shutdown; "
                         "their inputs are not acknowledged and will be replayed",
                         self->ep.topic, left, linger_ms);
            rd_kafka_purge(self->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_poll(self->rk, 0); /* frees the opaques */
        }
        /* Detach from the consumers that counted on our reports. */
        for (at_kafka_t *c = g_consumers; c; c = c->next_consumer)
            for (size_t i = 0; i < c->nlinked; i++)
                if (c->linked[i] == self)
                    c->linked[i] = c->linked[--c->nlinked];
    } else {
        for (size_t i = 0; i < self->nlinked; i++)
            rd_kafka_poll(self->linked[i]->rk, 0);
        store_offsets(self);
        /* Commits the stored offsets (auto commit) and leaves the group. */
        rd_kafka_resp_err_t err = rd_kafka_consumer_close(self->rk);
        if (err)
            at_log_warn("kafka %s: closing consumer: %s", self->ep.topic, rd_kafka_err2str(err));
        unlink_consumer(self);
        for (size_t i = 0; i < self->nparts; i++)
            free(self->parts[i].ring);
        free(self->parts);
    }
    rd_kafka_destroy(self->rk);
    free(self);
    *self_p = NULL;
}

/* ---- data path ---------------------------------------------------------- */

int at_kafka_send(at_kafka_t *self, const char *type, const char *key, const void *payload,
                  size_t len, int timeout_ms, at_kafka_t *ack_in, at_ack_t ack)
{
    if (self->failed[0]) {
        errno = EIO;
        return AT_TX_ERROR;
    }
    dr_opaque_t *o = NULL;
    if (ack_in && ack.epoch) {
        o = malloc(sizeof *o);
        if (!o) {
            errno = ENOMEM;
            return AT_TX_ERROR;
        }
        o->in = ack_in;
        o->ack = ack;
        size_t i = 0;
        while (i < ack_in->nlinked && ack_in->linked[i] != self)
            i++;
        if (i == ack_in->nlinked && i < MAX_LINKED)
            ack_in->linked[ack_in->nlinked++] = self;
    }
    uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : at_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            self->rk, RD_KAFKA_V_TOPIC(self->ep.topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE((void *)payload, len),
            RD_KAFKA_V_KEY((void *)key, key ? strlen(key) : 0),
            RD_KAFKA_V_HEADER(AT_KAFKA_TYPE_HEADER, type, (ssize_t)strlen(type)),
            RD_KAFKA_V_OPAQUE(o), RD_KAFKA_V_END);
        if (!err) {
            COUNT(K_PRODUCED);
            rd_kafka_poll(self->rk, 0);
            return AT_TX_OK;
        }
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            free(o);
            at_log_error("kafka %s: produce: %s", self->ep.topic, rd_kafka_err2str(err));
            errno = err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? EMSGSIZE
                    : err == RD_KAFKA_RESP_ERR__FATAL           ? EIO
                                                                : EINVAL;
            if (err == RD_KAFKA_RESP_ERR__FATAL)
                set_failed(self, "fatal error while producing%s%s", "", "");
            return AT_TX_ERROR;
        }
        /* Queue full: serve delivery reports (they free room), then retry. */
        COUNT(K_QUEUE_FULL);
        uint64_t now = at_now_ms();
        if (now >= deadline) {
            free(o);
            return AT_TX_AGAIN;
        }
        uint64_t wait = deadline - now;
        rd_kafka_poll(self->rk, wait > 100 ? 100 : (int)wait);
    }
}

int at_kafka_recv(at_kafka_t *self, at_msg_t *msg, int timeout_ms)
{
    memset(msg, 0, sizeof *msg);
    zmq_msg_init(&msg->part[0]);
    zmq_msg_init(&msg->part[1]);
    if (self->failed[0]) {
        errno = EIO;
        return AT_TX_ERROR;
    }
    /* Serve the linked producers' delivery reports while we wait, so acks
     * (and offset stores) do not wait for the next message. */
    uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : at_now_ms() + (uint64_t)timeout_ms;
    rd_kafka_message_t *m = NULL;
    for (;;) {
        int busy = 0;
        for (size_t i = 0; i < self->nlinked; i++) {
            rd_kafka_poll(self->linked[i]->rk, 0);
            busy |= rd_kafka_outq_len(self->linked[i]->rk) > 0;
        }
        if (self->store_pending && at_now_ms() - self->last_store_ms >= STORE_EVERY_MS)
            store_offsets(self);
        uint64_t now = at_now_ms();
        int wait = now >= deadline ? 0 : deadline - now > 100 ? 100 : (int)(deadline - now);
        if (busy && wait > 5)
            wait = 5;
        m = rd_kafka_consumer_poll(self->rk, wait);
        if (m || at_now_ms() >= deadline || self->failed[0])
            break;
    }
    if (!m)
        return self->failed[0] ? (errno = EIO, AT_TX_ERROR) : AT_TX_AGAIN;
    if (m->err) {
        at_log_warn("kafka %s: consumer: %s", self->ep.topic, rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        return AT_TX_AGAIN;
    }
    g_counters[K_CONSUMED].value++;
    msg->kmsg = m;
    msg->data = m->payload;
    msg->len = m->len;
    msg->key = m->key;
    msg->keylen = m->key_len;
    part_t *pt = part_get(self, m->partition, 0);
    if (pt && pt->epoch && part_push(pt, m->offset) == 0)
        msg->ack = (at_ack_t){m->partition, pt->epoch, m->offset};
    msg->type = "";
    rd_kafka_headers_t *hdrs = NULL;
    const void *tv = NULL;
    size_t tlen = 0;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(hdrs, AT_KAFKA_TYPE_HEADER, &tv, &tlen) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        !tv) {
        msg->bad = "record without a \"" AT_KAFKA_TYPE_HEADER "\" header";
        return AT_TX_OK;
    }
    if (tlen > AT_TX_MAX_TYPE) {
        msg->bad = "type header too long";
        return AT_TX_OK;
    }
    memcpy(msg->typebuf, tv, tlen);
    msg->typebuf[tlen] = '\0';
    for (size_t i = 0; i < tlen; i++) {
        unsigned char c = (unsigned char)msg->typebuf[i];
        if (c < 0x21 || c > 0x7e) {
            msg->bad = "type header is not printable ASCII";
            return AT_TX_OK;
        }
    }
    msg->type = msg->typebuf;
    return AT_TX_OK;
}

void at_kafka_msg_release(at_msg_t *msg)
{
    if (msg->kmsg)
        rd_kafka_message_destroy(msg->kmsg);
    msg->kmsg = NULL;
    msg->data = NULL;
    msg->len = 0;
}

at_counter_t *at_kafka_counters(void)
{
    if (!g_used)
        return NULL;
    /* Lag: high watermark (as of the last fetch) minus the consumer's
     * position, over the assigned partitions; no broker round trip. */
    uint64_t lag = 0;
    for (at_kafka_t *c = g_consumers; c; c = c->next_consumer) {
        rd_kafka_topic_partition_list_t *l = NULL;
        if (rd_kafka_assignment(c->rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR || !l)
            continue;
        rd_kafka_position(c->rk, l);
        for (int i = 0; i < l->cnt; i++) {
            int64_t lo, hi;
            rd_kafka_topic_partition_t *tp = &l->elems[i];
            if (tp->offset < 0 ||
                rd_kafka_get_watermark_offsets(c->rk, tp->topic, tp->partition, &lo, &hi) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR)
                continue;
            if (hi > tp->offset)
                lag += (uint64_t)(hi - tp->offset);
        }
        rd_kafka_topic_partition_list_destroy(l);
    }
    g_counters[K_LAG].value = lag;
    return g_counters;
}
