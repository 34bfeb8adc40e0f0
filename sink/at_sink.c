/*
 * at_sink: Event in, fanned out to the outputs. See at_sink.h.
 */
#include "at_sink.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "at_acks.h"
#include "at_endpoint.h"
#include "at_json.h"
#include "at_log.h"
#include "at_sinkspec.h"
#include "at_transport.h"

const at_cfg_def_t at_sink_config[] = {
    AT_DAEMON_COMMON_KEYS,
    {"sink.input", AT_CFG_STRING, "zmq+tcp://*:7102", 0, 0, NULL, false,
     "Endpoint events arrive on (from attache-enrich)."},
    {"sink.output", AT_CFG_STRING, "-", 0, 0, NULL, false,
     "The main output spec (docs/sinks.md): - for stdout, jsonl:PATH or a bare PATH, "
     "sqlite:PATH (docs/sqlite.md), zmq+tcp://*:PORT (PUB with topics), webhook:URL, with "
     "options and filters in front ([severity=critical]webhook:URL); empty turns it off."},
    {"sink.outputs.*", AT_CFG_PASSTHROUGH, NULL, 0, 0, NULL, false,
     "More outputs, one per name: sink.outputs.<name> = SPEC (same syntax as sink.output); "
     "counters are reported as <name>.written etc."},
    {"sink.publish", AT_CFG_STRING, "", 0, 0, NULL, false,
     "Optional PUB endpoint that republishes every event (protobuf) as "
     "[\"attache.v1.Event\", payload]; empty turns it off. For topic prefixes use a "
     "zmq+tcp:// output instead."},
    {"sink.flush_interval_ms", AT_CFG_INT, "1000", 0, 3600000, NULL, false,
     "Default commit interval of file and database outputs (fsync for JSON lines, COMMIT "
     "for SQLite); 0 commits whenever the output's queue is empty."},
    {"sink.max_message_bytes", AT_CFG_INT, "4194304", 64, 268435456, NULL, true,
     "Largest accepted input message; larger ones are rejected."},
    {"sink.dead_letter", AT_CFG_STRING, "", 0, 0, NULL, false,
     "JSON-lines file that receives rejected input; empty turns it off."},
    AT_CFG_END,
};

const at_flag_t at_sink_flags[] = {
    {"input", 'i', "sink.input", "ENDPOINT"},
    {"output", 'o', "sink.output", "SPEC"},
    {"publish", 'p', "sink.publish", "ENDPOINT"},
    {"dead-letter", 0, "sink.dead_letter", "PATH"},
    {NULL, 0, NULL, NULL},
};

enum {
    C_RECEIVED,
    C_WRITTEN,
    C_REJECTED,
    C_OVERSIZE,
    C_PUBLISHED,
    C_PUB_DROPPED,
    C_LOST,
    C_ACKED,
    C_BASE
};
static const char *const base_names[C_BASE] = {
    "received", "written", "rejected", "oversize", "published", "publish_dropped", "lost", "acked"};
/* Per output, "<name>.<what>". */
enum { O_QUEUED, O_WRITTEN, O_FAILED, O_DROPPED, O_DL, O_LOST, O_DEPTH, O_LAG, O_PER };
static const char *const out_names[O_PER] = {"queued",        "written", "failed", "dropped",
                                             "dead_lettered", "lost",    "depth",  "lag_ms"};

/* Buckets of attache_event_latency_seconds (ingest to durable write). */
static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,   0.5,   1,      2.5,   5,    10,    30,   60};

typedef struct {
    at_sinkspec_t *spec;
    at_sinkq_t *q;
    int slot;             /* index among durable outputs, or -1 */
    at_metric_t *latency; /* attache_event_latency_seconds{output=<scheme>,name=<name>} */
} out_t;

struct at_sink {
    at_daemon_t *d;
    at_transport_t *in;
    at_deadletter_t *dl;
    out_t *outs;
    size_t nouts, ndurable;
    at_acks_t *acks;
    uint64_t *need, *done; /* per durable output */
    at_counter_t *counters;
    char **counter_names;
    uint64_t stop_seen_ms;
    _Atomic uint64_t acked; /* messages acknowledged to the input */
    uint64_t lost_here;     /* events lost before reaching any output (out of memory) */
    int lost_any;
    /* /metrics books: received = handed + rejected + lost_here, where
     * handed = decoded, valid and given to the outputs' filters. */
    uint64_t handed;
    uint64_t rejected_by[AT_REJECT_COUNT];
};

/* ---- specs from the config ---- */

typedef struct {
    at_sinkspec_t **v;
    size_t n;
    long long flush_ms;
    char *err;
    size_t errlen;
} specs_t;

static int add_spec(specs_t *s, const char *name, const char *text)
{
    at_sinkspec_t **nv = realloc(s->v, (s->n + 1) * sizeof *nv);
    if (!nv) {
        snprintf(s->err, s->errlen, "out of memory");
        return -1;
    }
    s->v = nv;
    if (!(s->v[s->n] = at_sinkspec_parse(name, text, s->flush_ms, s->err, s->errlen)))
        return -1;
    s->n++;
    return 0;
}

static int add_named(void *arg, const char *name, const char *value)
{
    specs_t *s = arg;
    if (strcmp(name, "output") == 0 || strcmp(name, "publish") == 0 || strchr(name, '.')) {
        snprintf(s->err, s->errlen,
                 "sink.outputs.%s: the name must not be 'output' or 'publish' or contain a dot",
                 name);
        return -1;
    }
    return add_spec(s, name, value);
}

static void specs_free(specs_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        at_sinkspec_destroy(&s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* Parse every output of cfg into s. 0, or -1 with s->err. */
static int collect_specs(const at_config_t *cfg, specs_t *s)
{
    s->flush_ms = at_config_int(cfg, "sink.flush_interval_ms");
    const char *out = at_config_str(cfg, "sink.output");
    if (*out && add_spec(s, "output", out) < 0)
        return -1;
    if (at_config_passthrough_each(cfg, "sink.outputs", add_named, s) != 0)
        return -1;
    const char *pub = at_config_str(cfg, "sink.publish");
    if (*pub) {
        char text[1100];
        snprintf(text, sizeof text, "[topics=off,on_full=drop]%s", pub);
        if (strncmp(pub, "zmq+", 4) != 0) {
            snprintf(s->err, s->errlen,
                     "sink.publish %s: expected a zmq+tcp:// or zmq+ipc:// "
                     "endpoint",
                     pub);
            return -1;
        }
        if (add_spec(s, "publish", text) < 0)
            return -1;
    }
    if (!s->n) {
        snprintf(s->err, s->errlen,
                 "no outputs: set sink.output, sink.outputs.<name> or sink.publish");
        return -1;
    }
    /* Two outputs on one file would interleave their batches. */
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n; j++)
            if (s->v[i]->be == s->v[j]->be && strcmp(s->v[i]->target, "-") != 0 &&
                strcmp(s->v[i]->target, s->v[j]->target) == 0) {
                snprintf(s->err, s->errlen, "outputs %s and %s both write %s", s->v[i]->name,
                         s->v[j]->name, s->v[i]->target);
                return -1;
            }
    return 0;
}

int at_sink_check(const at_config_t *cfg, char *err, size_t errlen)
{
    at_endpoint_t ep;
    if (at_endpoint_parse(at_config_str(cfg, "sink.input"), &ep, err, errlen) < 0 ||
        at_transport_check_config(cfg, err, errlen) < 0)
        return -1;
    specs_t s = {NULL, 0, 0, err, errlen};
    int rc = collect_specs(cfg, &s);
    specs_free(&s);
    return rc;
}

/* ---- counters ---- */

static int setup_counters(at_sink_t *self)
{
    size_t n = C_BASE + self->nouts * O_PER;
    self->counters = calloc(n + 1, sizeof *self->counters);
    self->counter_names = calloc(n + 1, sizeof *self->counter_names);
    if (!self->counters || !self->counter_names)
        return -1;
    for (size_t i = 0; i < C_BASE; i++)
        self->counters[i].name = base_names[i];
    for (size_t o = 0; o < self->nouts; o++)
        for (size_t k = 0; k < O_PER; k++) {
            size_t at = C_BASE + o * O_PER + k;
            char name[300];
            snprintf(name, sizeof name, "%s.%s", self->outs[o].spec->name, out_names[k]);
            if (!(self->counter_names[at] = strdup(name)))
                return -1;
            self->counters[at].name = self->counter_names[at];
            self->counters[at].gauge = k == O_DEPTH || k == O_LAG;
        }
    return 0;
}

/* Copy the outputs' counters into the daemon's counter array. */
static void refresh_counters(at_sink_t *self)
{
    uint64_t pub = 0, pub_dropped = 0, lost = self->lost_here;
    for (size_t o = 0; o < self->nouts; o++) {
        at_sinkq_stats_t st;
        at_sinkq_stats(self->outs[o].q, &st);
        at_counter_t *c = self->counters + C_BASE + o * O_PER;
        uint64_t v[O_PER] = {st.queued,        st.written, st.failed, st.dropped,
                             st.dead_lettered, st.lost,    st.depth,  st.lag_ms};
        for (size_t k = 0; k < O_PER; k++)
            c[k].value = v[k];
        if (!self->outs[o].spec->be->durable) {
            pub += st.written;
            pub_dropped += st.dropped;
        }
        lost += st.lost;
    }
    if (self->nouts) {
        /* "written": what the main output (the first one) has durably. */
        self->counters[C_WRITTEN].value = self->counters[C_BASE + O_WRITTEN].value;
    }
    self->counters[C_PUBLISHED].value = pub;
    self->counters[C_PUB_DROPPED].value = pub_dropped;
    self->counters[C_LOST].value = lost;
    self->counters[C_ACKED].value = atomic_load(&self->acked);
}

size_t at_sink_outputs(const at_sink_t *self)
{
    return self->nouts;
}

const char *at_sink_output_name(const at_sink_t *self, size_t i)
{
    return self->outs[i].spec->name;
}

void at_sink_output_stats(const at_sink_t *self, size_t i, at_sinkq_stats_t *out)
{
    at_sinkq_stats(self->outs[i].q, out);
}

uint64_t at_sink_acked(const at_sink_t *self)
{
    return atomic_load(&((at_sink_t *)self)->acked);
}

/* ---- acks ---- */

static void ack_msg(void *arg, void *m)
{
    at_sink_t *self = arg;
    at_transport_ack(self->in, m);
    atomic_fetch_add(&self->acked, 1);
    at_msg_release(m);
    free(m);
}

static void free_msg(void *arg, void *m)
{
    (void)arg;
    at_msg_release(m);
    free(m);
}

static void release_acks(at_sink_t *self)
{
    for (size_t o = 0; o < self->nouts; o++)
        if (self->outs[o].slot >= 0)
            self->done[self->outs[o].slot] = at_sinkq_done(self->outs[o].q);
    at_acks_release(self->acks, self->done, ack_msg, self);
}

static int needs_met(const at_sink_t *self)
{
    for (size_t i = 0; i < self->ndurable; i++)
        if (self->done[i] < self->need[i])
            return 0;
    return 1;
}

static void track(at_sink_t *self, at_msg_t *m)
{
    if (at_acks_push(self->acks, m, self->need) < 0) {
        /* Out of memory: wait until everything before it, and it, is
         * durable, then ack it directly, so the order still holds (an ack
         * on Kafka covers every earlier offset). */
        at_log_error("out of memory tracking acks; waiting for the outputs");
        for (;;) {
            release_acks(self);
            if (!at_acks_pending(self->acks) && needs_met(self))
                break;
            at_daemon_tick(self->d);
            usleep(10000);
        }
        ack_msg(self, m);
        return;
    }
    release_acks(self);
}

/* ---- metrics, readiness, rebalances ---- */

/* One event an output made durable: its ingest-to-write latency (wall
 * clocks, so across hosts it includes their skew; negative counts as 0).
 * Runs on the output's worker thread; the histogram is thread-safe. */
static void observe_latency(void *arg, const at_sinkitem_t *it)
{
    at_metric_t *latency = arg;
    const Attache__V1__Event *ev = it->ev;
    if (!ev->item || ev->item->ingested_us <= 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    int64_t d = now_us - ev->item->ingested_us;
    at_metric_observe(latency, d > 0 ? (double)d / 1e6 : 0.0);
}

/* /readyz: ready while the input has a peer and no output is failing. */
static void probe(void *arg)
{
    at_sink_t *self = arg;
    if (!self->in)
        return;
    at_daemon_set_peer_condition(self->d, "input", self->in);
    char why[600];
    const char *failing = NULL;
    for (size_t o = 0; o < self->nouts && !failing; o++)
        if (at_sinkq_failing(self->outs[o].q))
            failing = self->outs[o].spec->name;
    snprintf(why, sizeof why, "output %s is failing (see the log)", failing ? failing : "");
    at_daemon_set_condition(self->d, "output", failing == NULL, why);
}

static void export_metrics(at_sink_t *self)
{
    at_daemon_t *d = self->d;
    at_daemon_export_items(d, AT_ITEMS_RECEIVED, NULL, &self->counters[C_RECEIVED].value);
    at_daemon_export_items(d, AT_ITEMS_EMITTED, NULL, &self->handed);
    at_daemon_export_rejected(d, at_msg_reject_names, self->rejected_by, AT_REJECT_COUNT);
    at_daemon_export_items(d, AT_ITEMS_DROPPED, "lost", &self->lost_here);
    for (size_t o = 0; o < self->nouts; o++) {
        out_t *out = &self->outs[o];
        if (!d->metrics || !out->spec->be->durable)
            continue;
        out->latency = at_metrics_histogram(
            d->metrics, "attache_event_latency_seconds",
            "Seconds from attache-ingest handing an item on (NewsItem.ingested_us) to an "
            "output having its event durably, by output kind and name.",
            (const char *[]){"output", out->spec->be->scheme, "name", out->spec->name, NULL},
            latency_bounds, sizeof latency_bounds / sizeof *latency_bounds);
        if (out->latency)
            at_sinkq_set_observer(out->q, observe_latency, out->latency);
    }
    at_daemon_set_probe(d, probe, self);
}

/* Before a rebalance takes partitions away (Kafka), wait until what was
 * read from them is durable everywhere, so their offsets are committed
 * and the next owner does not replay them. Bounded by
 * daemon.shutdown_timeout: past it the next owner replays (duplicates,
 * absorbed by the idempotent outputs), nothing is lost. */
static void revoke_hook(void *arg)
{
    at_sink_t *self = arg;
    uint64_t deadline =
        at_now_ms() + (uint64_t)at_config_int(self->d->cfg, "daemon.shutdown_timeout") * 1000;
    for (;;) {
        release_acks(self);
        if (!at_acks_pending(self->acks) || at_now_ms() >= deadline)
            break;
        at_daemon_tick(self->d);
        usleep(10000);
    }
}

/* ---- life cycle ---- */

at_sink_t *at_sink_new(at_daemon_t *d, char *err, size_t errlen)
{
    at_endpoint_t ep;
    if (at_endpoint_parse(at_config_str(d->cfg, "sink.input"), &ep, err, errlen) < 0)
        return NULL;
    at_sink_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->d = d;
    specs_t s = {NULL, 0, 0, err, errlen};
    if (collect_specs(d->cfg, &s) < 0) {
        specs_free(&s);
        goto fail;
    }
    self->outs = calloc(s.n, sizeof *self->outs);
    if (!self->outs) {
        specs_free(&s);
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < s.n; i++) {
        self->outs[i].spec = s.v[i];
        self->outs[i].slot = s.v[i]->be->durable ? (int)self->ndurable++ : -1;
    }
    self->nouts = s.n;
    free(s.v);
    for (size_t i = 0; i < self->nouts; i++) {
        self->outs[i].spec->component = d->spec->name;
        /* For open() only: a reload replaces d->cfg (at_sinkspec.h). */
        self->outs[i].spec->cfg = d->cfg;
        self->outs[i].q = at_sinkq_new(self->outs[i].spec, err, errlen);
        self->outs[i].spec->cfg = NULL;
        if (!self->outs[i].q)
            goto fail;
    }
    self->need = calloc(self->ndurable + 1, sizeof *self->need);
    self->done = calloc(self->ndurable + 1, sizeof *self->done);
    self->acks = at_acks_new(self->ndurable);
    if (!self->need || !self->done || !self->acks || setup_counters(self) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    const char *dl = at_config_str(d->cfg, "sink.dead_letter");
    if (*dl && !(self->dl = at_deadletter_new(dl, d->spec->name, err, errlen)))
        goto fail;
    self->in =
        at_transport_new_cfg(at_config_str(d->cfg, "sink.input"), AT_TX_PULL, d->cfg, err, errlen);
    if (!self->in)
        goto fail;
    at_transport_set_revoke_hook(self->in, revoke_hook, self);
    at_daemon_set_counters(d, self->counters);
    export_metrics(self);
    return self;
fail:
    at_sink_destroy(&self);
    return NULL;
}

void at_sink_destroy(at_sink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_sink_t *self = *self_p;
    /* Closing the input revokes its partitions (Kafka): everything is
     * finished below, and the hook must not run on freed queues. */
    if (self->in)
        at_transport_set_revoke_hook(self->in, NULL, NULL);
    int all_open = 1;
    for (size_t i = 0; i < self->nouts; i++) {
        if (self->outs[i].q)
            at_sinkq_finish(self->outs[i].q, at_now_ms());
        else
            all_open = 0;
    }
    if (all_open && self->acks && self->in && self->done)
        release_acks(self);
    for (size_t i = 0; i < self->nouts; i++)
        at_sinkq_destroy(&self->outs[i].q);
    at_acks_destroy(&self->acks, free_msg, self);
    at_transport_close(&self->in, 0);
    for (size_t i = 0; i < self->nouts; i++)
        at_sinkspec_destroy(&self->outs[i].spec);
    free(self->outs);
    at_deadletter_destroy(&self->dl);
    if (self->counter_names)
        for (size_t i = 0; i < C_BASE + self->nouts * O_PER; i++)
            free(self->counter_names[i]);
    free(self->counter_names);
    if (self->d && self->d->counters == self->counters)
        at_daemon_set_counters(self->d, NULL);
    free(self->counters);
    free(self->need);
    free(self->done);
    free(self);
    *self_p = NULL;
}

/* ---- the loop ---- */

/* A rejected message is acknowledged in input order like any other (by
 * track() in the loop), so it cannot wedge its partition on Kafka. */
static void reject(at_sink_t *self, at_msg_reject_t why, const char *reason, const at_msg_t *msg)
{
    self->counters[C_REJECTED].value++;
    self->rejected_by[why]++;
    at_daemon_reject(self->d, self->dl, reason, msg->data, msg->len);
}

/* Give up waiting for a full queue once a stop is past its timeout. */
static int stop_overdue(at_sink_t *self)
{
    if (!at_daemon_stop_flag)
        return 0;
    uint64_t now = at_now_ms();
    if (!self->stop_seen_ms)
        self->stop_seen_ms = now;
    return now - self->stop_seen_ms >=
           (uint64_t)at_config_int(self->d->cfg, "daemon.shutdown_timeout") * 1000;
}

static void route(at_sink_t *self, at_sinkitem_t *it)
{
    for (size_t o = 0; o < self->nouts; o++) {
        out_t *out = &self->outs[o];
        if (!at_filter_match(out->spec->filter, it->ev))
            continue;
        int full = at_sinkq_push(out->q, it, 0);
        int warned = 0;
        while (full && out->spec->on_full == AT_ONFULL_BLOCK && !stop_overdue(self)) {
            if (!warned++)
                at_log_debug("output %s: queue full, waiting", out->spec->name);
            at_daemon_tick(self->d);
            release_acks(self);
            refresh_counters(self);
            full = at_sinkq_push(out->q, it, 100);
        }
        if (full) {
            at_sinkq_count_drop(out->q);
            continue;
        }
        if (out->slot >= 0)
            self->need[out->slot]++;
    }
}

static void handle(at_sink_t *self, at_msg_t *msg)
{
    self->counters[C_RECEIVED].value++;
    char why[512];
    int chk = at_daemon_check_msg(self->d, msg, attache__v1__event__descriptor.name,
                                  "sink.max_message_bytes", why, sizeof why);
    if (chk != AT_MSG_OK) {
        if (chk == AT_MSG_OVERSIZE)
            self->counters[C_OVERSIZE].value++;
        reject(self, chk == AT_MSG_OVERSIZE ? AT_REJECT_OVERSIZE : AT_REJECT_BAD_FRAME, why, msg);
        return;
    }
    Attache__V1__Event *ev = attache__v1__event__unpack(NULL, msg->len, msg->data);
    if (!ev) {
        reject(self, AT_REJECT_BAD_PROTOBUF, "payload is not a valid attache.v1.Event protobuf",
               msg);
        return;
    }
    char err[256];
    if (at_json_event_validate(ev, err, sizeof err) < 0) {
        snprintf(why, sizeof why, "invalid Event: %s", err);
        protobuf_c_message_free_unpacked(&ev->base, NULL);
        reject(self, AT_REJECT_INVALID, why, msg);
        return;
    }
    char *line = at_json_event_dump(ev);
    if (!line) {
        at_log_error("out of memory rendering event %s: lost", ev->id);
        protobuf_c_message_free_unpacked(&ev->base, NULL);
        self->lost_here++;
        return;
    }
    at_sinkitem_t *it = at_sinkitem_new(&ev, &line, msg->data, msg->len);
    if (!it) {
        at_log_error("out of memory queueing an event: lost");
        self->lost_here++;
        return;
    }
    self->handed++;
    route(self, it);
    at_sinkitem_unref(&it);
}

static void do_reload(at_sink_t *self)
{
    at_daemon_reload_flag = 0;
    at_config_t *old = NULL;
    if (at_daemon_reload(self->d, &old) == 0)
        at_config_destroy(&old);
    /* Reopen files in place (logrotate's "move then HUP"). */
    for (size_t i = 0; i < self->nouts; i++)
        at_sinkq_reopen(self->outs[i].q);
    if (self->dl && at_deadletter_reopen(self->dl) < 0)
        at_log_error("reload: cannot reopen the dead-letter file: %s", strerror(errno));
    at_daemon_ready(self->d, "reloaded");
}

int at_sink_run(at_sink_t *self)
{
    at_daemon_ready(self->d, "writing events");
    uint64_t idle_since = 0;
    int failed = 0;
    for (;;) {
        if (at_daemon_reload_flag)
            do_reload(self);
        const char *why = at_transport_failed(self->in);
        if (why) {
            at_log_error("stopping: %s", why);
            failed = 1;
            break;
        }
        at_msg_t *msg = calloc(1, sizeof *msg);
        if (!msg) {
            at_log_error("out of memory");
            break;
        }
        int rc = at_transport_recv(self->in, msg, 100);
        if (rc == AT_TX_OK) {
            handle(self, msg);
            track(self, msg); /* acked once durable everywhere it went */
            idle_since = 0;
        } else {
            free_msg(self, msg);
            if (rc == AT_TX_ERROR && errno != EINTR) {
                at_log_error("receive on %s failed: %s", at_transport_endpoint(self->in),
                             zmq_strerror(errno));
                break;
            }
            release_acks(self);
            if (at_daemon_drained(self->d, &idle_since))
                break;
        }
        refresh_counters(self);
        at_daemon_tick(self->d);
    }
    at_daemon_stopping(self->d, "input drained, committing outputs");
    uint64_t deadline =
        at_now_ms() + (uint64_t)at_config_int(self->d->cfg, "daemon.shutdown_timeout") * 1000;
    for (size_t i = 0; i < self->nouts; i++)
        if (at_sinkq_finish(self->outs[i].q, deadline) < 0)
            self->lost_any = 1;
    release_acks(self);
    refresh_counters(self);
    if (at_acks_pending(self->acks))
        at_log_warn("%zu messages not acknowledged (their events were not written durably)",
                    at_acks_pending(self->acks));
    at_daemon_log_counters(self->d, "final");
    return failed || self->lost_any || self->lost_here ? 1 : 0;
}
