/*
 * at_enrichd: NewsItem in, Event out. See at_enrichd.h.
 */
#include "at_enrichd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "at_alerts.h"
#include "at_databuild.h"
#include "at_enrich.h"
#include "at_endpoint.h"
#include "at_json.h"
#include "at_log.h"
#include "at_transport.h"
#include "at_version.h"

const at_cfg_def_t at_enrichd_config[] = {
    AT_DAEMON_COMMON_KEYS,
    {"enrich.input", AT_CFG_STRING, "zmq+tcp://*:7101", 0, 0, NULL, false,
     "Endpoint news items arrive on (from attache-ingest)."},
    {"enrich.output", AT_CFG_STRING, "zmq+tcp://127.0.0.1:7102", 0, 0, NULL, false,
     "Endpoint events are pushed to (attache-sink)."},
    {"enrich.data_dir", AT_CFG_STRING, "", 0, 0, NULL, true,
     "Reference data directory; empty means the installed data (share/attache under the "
     "install prefix), or the source tree's data/ when running from a build directory."},
    {"enrich.max_message_bytes", AT_CFG_INT, "1048576", 64, 67108864, NULL, true,
     "Largest accepted input message; larger ones are rejected."},
    {"enrich.dead_letter", AT_CFG_STRING, "", 0, 0, NULL, false,
     "JSON-lines file that receives rejected input; empty turns it off."},
    AT_ALERTS_CONFIG_KEYS,
    AT_CFG_END,
};

const at_flag_t at_enrichd_flags[] = {
    {"input", 'i', "enrich.input", "ENDPOINT"},
    {"output", 'o', "enrich.output", "ENDPOINT"},
    {"data-dir", 'd', "enrich.data_dir", "DIR"},
    {"dead-letter", 0, "enrich.dead_letter", "PATH"},
    {NULL, 0, NULL, NULL},
};

enum {
    C_RECEIVED,
    C_SENT,
    C_REJECTED,
    C_OVERSIZE,
    C_LOST,
    C_RELOADS,
    C_RELOAD_FAILURES,
    C_DATA_VERSION, /* gauge: the data in use, as YYYYMMDD */
    C_COUNT
};

struct at_enrichd {
    at_daemon_t *d;
    at_enrich_t *engine;      /* used by the main thread only */
    at_databuild_t *build;    /* SIGHUP's data build (at_databuild.h) */
    at_alerts_config_t rules; /* from the current config */
    at_transport_t *in, *out;
    at_deadletter_t *dl;
    uint8_t *buf;
    size_t bufcap;
    at_counter_t counters[C_COUNT + 1];
    uint64_t rejected_by[AT_REJECT_COUNT]; /* received = sent + rejected + lost */
};

/* /readyz: ready while ingest is connected upstream and the sink downstream. */
static void probe(void *arg)
{
    at_enrichd_t *self = arg;
    if (!self->in || !self->out)
        return;
    at_daemon_set_peer_condition(self->d, "input", self->in);
    at_daemon_set_peer_condition(self->d, "output", self->out);
}

static void export_metrics(at_enrichd_t *self)
{
    at_daemon_t *d = self->d;
    at_daemon_export_items(d, AT_ITEMS_RECEIVED, NULL, &self->counters[C_RECEIVED].value);
    at_daemon_export_items(d, AT_ITEMS_EMITTED, NULL, &self->counters[C_SENT].value);
    at_daemon_export_rejected(d, at_msg_reject_names, self->rejected_by, AT_REJECT_COUNT);
    at_daemon_export_items(d, AT_ITEMS_DROPPED, "lost", &self->counters[C_LOST].value);
    at_daemon_set_probe(d, probe, self);
}

/* data/VERSION "2026-11-28" as the number 20261128, for the data_version
 * gauge (a Prometheus sample is a number, and this one sorts and reads). */
static uint64_t version_number(const at_enrich_t *e)
{
    uint64_t v = 0;
    for (const char *p = at_enrich_data_version(e); *p; p++)
        if (*p >= '0' && *p <= '9')
            v = v * 10 + (uint64_t)(*p - '0');
    return v;
}

const char *at_enrichd_data_dir(const at_config_t *cfg)
{
    const char *dir = at_config_str(cfg, "enrich.data_dir");
    if (*dir)
        return dir;
    if (access(AT_DEFAULT_DATADIR "/VERSION", R_OK) == 0)
        return AT_DEFAULT_DATADIR;
    return AT_SOURCE_DATADIR;
}

int at_enrichd_check(const at_config_t *cfg, char *err, size_t errlen)
{
    at_endpoint_t ep;
    if (at_endpoint_parse(at_config_str(cfg, "enrich.input"), &ep, err, errlen) < 0 ||
        at_endpoint_parse(at_config_str(cfg, "enrich.output"), &ep, err, errlen) < 0 ||
        at_transport_check_config(cfg, err, errlen) < 0)
        return -1;
    at_alerts_config_t rules;
    if (at_alerts_config_read(cfg, &rules, err, errlen) < 0)
        return -1;
    at_enrich_t *e = at_enrich_new(at_enrichd_data_dir(cfg), err, errlen);
    if (!e)
        return -1;
    at_enrich_destroy(&e);
    return 0;
}

at_enrichd_t *at_enrichd_new(at_daemon_t *d, char *err, size_t errlen)
{
    const at_config_t *cfg = d->cfg;
    at_enrichd_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->d = d;
    static const char *const names[] = {"received",
                                        "sent",
                                        "rejected",
                                        "oversize",
                                        "lost",
                                        "data_reloads",
                                        "data_reload_failures",
                                        "data_version"};
    for (int i = 0; i < C_COUNT; i++)
        self->counters[i].name = names[i];
    self->counters[C_DATA_VERSION].gauge = 1;
    if (at_alerts_config_read(cfg, &self->rules, err, errlen) < 0)
        goto fail;
    const char *dir = at_enrichd_data_dir(cfg);
    self->engine = at_enrich_new(dir, err, errlen);
    if (!self->engine)
        goto fail;
    at_enrich_set_alerts(self->engine, &self->rules);
    self->counters[C_DATA_VERSION].value = version_number(self->engine);
    if (!(self->build = at_databuild_new(NULL, NULL))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    at_log_info("data %s from %s: %zu countries, %zu aliases, %zu actors",
                at_enrich_data_version(self->engine), dir, at_enrich_country_count(self->engine),
                at_enrich_alias_count(self->engine), at_enrich_actor_count(self->engine));
    const char *dl = at_config_str(cfg, "enrich.dead_letter");
    if (*dl && !(self->dl = at_deadletter_new(dl, d->spec->name, err, errlen)))
        goto fail;
    /* Output first: once the input is bound, upstream starts sending. */
    self->out =
        at_transport_new_cfg(at_config_str(cfg, "enrich.output"), AT_TX_PUSH, cfg, err, errlen);
    if (!self->out)
        goto fail;
    self->in =
        at_transport_new_cfg(at_config_str(cfg, "enrich.input"), AT_TX_PULL, cfg, err, errlen);
    if (!self->in)
        goto fail;
    at_daemon_set_counters(d, self->counters);
    export_metrics(self);
    return self;
fail:
    at_enrichd_destroy(&self);
    return NULL;
}

void at_enrichd_destroy(at_enrichd_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_enrichd_t *self = *self_p;
    /* A build cannot be cancelled half-way through the files; this waits
     * for it (a load takes well under a second) and drops what it made. */
    at_databuild_destroy(&self->build);
    /* Output first: its delivery reports acknowledge input messages. */
    at_transport_close(&self->out, 0);
    at_transport_close(&self->in, 0);
    at_enrich_destroy(&self->engine);
    at_deadletter_destroy(&self->dl);
    free(self->buf);
    free(self);
    *self_p = NULL;
}

/* A rejected message is done with: acknowledge it so that it cannot wedge
 * its partition (Kafka) and the next one flows. */
static void reject(at_enrichd_t *self, at_msg_reject_t why, const char *reason, at_msg_t *msg)
{
    self->counters[C_REJECTED].value++;
    self->rejected_by[why]++;
    at_daemon_reject(self->d, self->dl, reason, msg->data, msg->len);
    at_transport_ack(self->in, msg);
}

static void handle(at_enrichd_t *self, at_msg_t *msg)
{
    self->counters[C_RECEIVED].value++;
    char why[512];
    int chk = at_daemon_check_msg(self->d, msg, attache__v1__news_item__descriptor.name,
                                  "enrich.max_message_bytes", why, sizeof why);
    if (chk != AT_MSG_OK) {
        if (chk == AT_MSG_OVERSIZE)
            self->counters[C_OVERSIZE].value++;
        reject(self, chk == AT_MSG_OVERSIZE ? AT_REJECT_OVERSIZE : AT_REJECT_BAD_FRAME, why, msg);
        return;
    }
    Attache__V1__NewsItem *item = attache__v1__news_item__unpack(NULL, msg->len, msg->data);
    if (!item) {
        reject(self, AT_REJECT_BAD_PROTOBUF, "payload is not a valid attache.v1.NewsItem protobuf",
               msg);
        return;
    }
    char err[256];
    if (at_json_item_validate(item, err, sizeof err) < 0) {
        snprintf(why, sizeof why, "invalid NewsItem: %s", err);
        at_json_item_free(&item);
        reject(self, AT_REJECT_INVALID, why, msg);
        return;
    }
    Attache__V1__Event *ev = at_enrich_item(self->engine, &item, (int64_t)time(NULL));
    if (!ev) {
        at_log_error("out of memory enriching an item; it is lost");
        self->counters[C_LOST].value++;
        return;
    }
    size_t need = attache__v1__event__get_packed_size(ev);
    if (need > self->bufcap) {
        uint8_t *n = realloc(self->buf, need);
        if (!n) {
            at_log_error("out of memory packing event %s; it is lost", ev->id);
            self->counters[C_LOST].value++;
            at_enrich_event_free(&ev);
            return;
        }
        self->buf = n;
        self->bufcap = need;
    }
    size_t len = attache__v1__event__pack(ev, self->buf);
    /* The input is acknowledged when the next hop has the event: at once
     * on ZeroMQ, on the delivery report on Kafka. */
    if (at_daemon_send_acked(self->d, self->out, attache__v1__event__descriptor.name, ev->id,
                             self->buf, len, self->in, at_msg_ack_token(msg)) == 0) {
        self->counters[C_SENT].value++;
    } else if (errno == EMSGSIZE) {
        /* The broker would never take it: a bad input, not a lost one. */
        self->counters[C_OVERSIZE].value++;
        snprintf(why, sizeof why, "event of %zu bytes is over the output's message size limit",
                 len);
        reject(self, AT_REJECT_OVERSIZE, why, msg);
    } else {
        self->counters[C_LOST].value++;
    }
    at_enrich_event_free(&ev);
}

/* Between two items: if the data build has finished, swap its engine in
 * (or keep the old data and say why). */
static void build_poll(at_enrichd_t *self)
{
    at_databuild_result_t r;
    if (!at_databuild_poll(self->build, &r))
        return;
    if (r.engine) {
        at_enrich_destroy(&self->engine);
        self->engine = r.engine;
        self->counters[C_RELOADS].value++;
        self->counters[C_DATA_VERSION].value = version_number(self->engine);
        at_log_info("reload: data %s from %s in use from the next item (built in %llu ms)",
                    at_enrich_data_version(self->engine), r.dir, (unsigned long long)r.took_ms);
    } else {
        self->counters[C_RELOAD_FAILURES].value++;
        /* The rules do not depend on the data: apply them anyway. */
        at_enrich_set_alerts(self->engine, &r.rules);
        at_log_error("reload: data in %s rejected, keeping %s: %s", r.dir,
                     at_enrich_data_version(self->engine), r.err);
    }
    if (at_databuild_busy(self->build))
        return; /* the coalesced rebuild is running: READY when it ends */
    char status[128];
    snprintf(status, sizeof status, "enriching with data %s", at_enrich_data_version(self->engine));
    at_daemon_ready(self->d, status);
}

/* SIGHUP: re-read the config at once (cheap), then rebuild the data in the
 * background while items keep flowing on the old data. A SIGHUP during a
 * build is coalesced: however many arrive, one more build starts when the
 * running one ends, so the last change on disk is always picked up. */
static void on_sighup(at_enrichd_t *self)
{
    at_daemon_reload_flag = 0;
    at_config_t *old = NULL;
    if (at_daemon_reload(self->d, &old) == 0) {
        at_config_destroy(&old);
        char err[512];
        at_alerts_config_t rules;
        if (at_alerts_config_read(self->d->cfg, &rules, err, sizeof err) == 0)
            self->rules = rules;
        else
            at_log_error("reload: %s (keeping the running alert rules)", err);
    }
    if (self->dl && at_deadletter_reopen(self->dl) < 0)
        at_log_error("reload: cannot reopen the dead-letter file: %s", strerror(errno));
    /* Reload the data whether or not the config changed: SIGHUP is also
     * how operators publish new reference data. */
    const char *dir = at_enrichd_data_dir(self->d->cfg);
    switch (at_databuild_request(self->build, dir, &self->rules)) {
    case AT_DATABUILD_STARTED:
        at_log_info("reload: building data from %s in the background", dir);
        break;
    case AT_DATABUILD_COALESCED:
        at_log_info("reload: a data build is running; one more starts when it ends");
        break;
    default:
        at_log_warn("reload: no build thread to be had; data from %s loaded in the main loop", dir);
        break;
    }
}

int at_enrichd_run(at_enrichd_t *self)
{
    char status[128];
    snprintf(status, sizeof status, "enriching with data %s", at_enrich_data_version(self->engine));
    at_daemon_ready(self->d, status);
    uint64_t idle_since = 0;
    int failed = 0;
    for (;;) {
        if (at_daemon_reload_flag)
            on_sighup(self);
        build_poll(self); /* between items: the only place the engine changes */
        const char *why = at_transport_failed(self->out);
        if (why || (why = at_transport_failed(self->in))) {
            /* Running on would drop messages: stop, let systemd restart us,
             * and replay from the last stored offset. */
            at_log_error("stopping: %s", why);
            failed = 1;
            break;
        }
        at_msg_t msg;
        int rc = at_transport_recv(self->in, &msg, 100);
        if (rc == AT_TX_OK) {
            handle(self, &msg);
            at_msg_release(&msg);
            idle_since = 0;
        } else {
            at_msg_release(&msg);
            if (rc == AT_TX_ERROR && errno != EINTR) {
                at_log_error("receive on %s failed: %s", at_transport_endpoint(self->in),
                             zmq_strerror(errno));
                break;
            }
            /* Draining: what upstream already sent is ours to pass on. */
            if (at_daemon_drained(self->d, &idle_since))
                break;
        }
        at_daemon_tick(self->d);
    }
    at_daemon_stopping(self->d, failed ? "transport failed" : "input drained, handing over");
    /* Output first: on Kafka its last delivery reports acknowledge input
     * messages, whose offsets the input then commits as it closes. */
    int left = at_transport_flush(
        self->out, (int)at_config_int(self->d->cfg, "daemon.shutdown_timeout") * 1000);
    if (left > 0)
        at_log_error("stopping: %d events not delivered; their items will be replayed", left);
    at_transport_close(&self->out,
                       (int)at_config_int(self->d->cfg, "daemon.shutdown_timeout") * 1000);
    at_transport_close(&self->in, 0);
    at_daemon_log_counters(self->d, "final");
    return failed || left > 0 || self->counters[C_LOST].value ? 1 : 0;
}
