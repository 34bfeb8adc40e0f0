/*
 * at_sink: Event in, JSON lines (and PUB) out. See at_sink.h.
 */
#include "at_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "at_endpoint.h"
#include "at_json.h"
#include "at_pgsink.h"
#include "at_sqlsink.h"
#include "at_log.h"
#include "at_transport.h"

const at_cfg_def_t at_sink_config[] = {
    AT_DAEMON_COMMON_KEYS,
    {"sink.input", AT_CFG_STRING, "zmq+tcp://*:7102", 0, 0, NULL, false,
     "Endpoint events arrive on (from attache-enrich)."},
    {"sink.output", AT_CFG_STRING, "-", 0, 0, NULL, false,
     "Where events go: a JSON-lines file they are appended to, - for stdout, sqlite:PATH "
     "(a SQLite database, idempotent by event id; docs/sqlite.md) or postgres:CONNINFO "
     "(PostgreSQL, the same tables; docs/postgres.md)."},
    {"sink.publish", AT_CFG_STRING, "", 0, 0, NULL, false,
     "Optional PUB endpoint that republishes every event (protobuf) as "
     "[\"attache.v1.Event\", payload]; empty turns it off."},
    {"sink.flush_interval_ms", AT_CFG_INT, "1000", 0, 3600000, NULL, true,
     "Flush and fsync the output at most this often; 0 flushes and fsyncs after every event."},
    {"sink.max_message_bytes", AT_CFG_INT, "4194304", 64, 268435456, NULL, true,
     "Largest accepted input message; larger ones are rejected."},
    {"sink.dead_letter", AT_CFG_STRING, "", 0, 0, NULL, false,
     "JSON-lines file that receives rejected input; empty turns it off."},
    AT_CFG_END,
};

const at_flag_t at_sink_flags[] = {
    {"input", 'i', "sink.input", "ENDPOINT"},
    {"output", 'o', "sink.output", "PATH"},
    {"publish", 'p', "sink.publish", "ENDPOINT"},
    {"dead-letter", 0, "sink.dead_letter", "PATH"},
    {NULL, 0, NULL, NULL},
};

enum { C_RECEIVED, C_WRITTEN, C_REJECTED, C_OVERSIZE, C_PUBLISHED, C_PUB_DROPPED, C_LOST, C_COUNT };

struct at_sink {
    at_daemon_t *d;
    at_transport_t *in, *pub;
    at_deadletter_t *dl;
    FILE *out;
    at_sqlsink_t *db; /* sink.output = sqlite:PATH (then out is NULL) */
    at_pgsink_t *pg;  /* sink.output = postgres:CONNINFO (then out is NULL) */
    uint64_t batch_events;
    char *out_path; /* the path in use (a reload does not move it) */
    int out_is_stdout;
    int dirty;
    uint64_t last_flush_ms;
    int write_failed;
    at_counter_t counters[C_COUNT + 1];
};

int at_sink_check(const at_config_t *cfg, char *err, size_t errlen)
{
    at_endpoint_t ep;
    if (at_endpoint_parse(at_config_str(cfg, "sink.input"), &ep, err, errlen) < 0)
        return -1;
    const char *out = at_config_str(cfg, "sink.output");
    if (strncmp(out, "sqlite:", 7) == 0 && !out[7]) {
        snprintf(err, errlen,
                 "sink.output: sqlite: needs a path (sqlite:/var/lib/attache/events.db)");
        return -1;
    }
    if (strncmp(out, "postgres:", 9) == 0 && at_pgsink_check(out + 9, err, errlen) < 0)
        return -1;
    const char *pub = at_config_str(cfg, "sink.publish");
    if (*pub && at_endpoint_parse(pub, &ep, err, errlen) < 0)
        return -1;
    return 0;
}

/* While the PostgreSQL sink waits to reconnect: watchdog and stats go on. */
static void pg_waiting(void *d)
{
    at_daemon_tick(d);
}

static int open_output(at_sink_t *self, const char *path, char *err, size_t errlen)
{
    if (strncmp(path, "sqlite:", 7) == 0) {
        self->db = at_sqlsink_open(path + 7, err, errlen);
        return self->db ? 0 : -1;
    }
    if (strncmp(path, "postgres:", 9) == 0) {
        self->pg = at_pgsink_open(path + 9, err, errlen);
        if (self->pg) { /* retry a lost server until SIGTERM, then up to the timeout */
            at_pgsink_set_retry(self->pg, 0, &at_daemon_stop_flag,
                                (unsigned)at_config_int(self->d->cfg, "daemon.shutdown_timeout") *
                                    1000u);
            at_pgsink_set_wait_hook(self->pg, pg_waiting, self->d);
        }
        return self->pg ? 0 : -1;
    }
    if (strcmp(path, "-") == 0) {
        self->out = stdout;
        self->out_is_stdout = 1;
    } else {
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0 || !(self->out = fdopen(fd, "a"))) {
            snprintf(err, errlen, "sink.output %s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
    }
    /* Big buffer: one write(2) per many events; durability comes from the
     * explicit flush + fsync below. */
    setvbuf(self->out, NULL, _IOFBF, 1 << 20);
    return 0;
}

/* Flush stdio and fsync, or commit the SQLite batch. Returns 0 or -1
 * (logged). */
static int flush_output(at_sink_t *self)
{
    self->last_flush_ms = at_now_ms();
    if (!self->dirty)
        return 0;
    if (self->pg) {
        self->dirty = 0;
        if (!at_pgsink_in_batch(self->pg))
            return 0;
        if (at_pgsink_commit(self->pg) < 0) {
            uint64_t lost = at_pgsink_last_lost(self->pg);
            at_log_error("%s", at_pgsink_error(self->pg));
            self->counters[C_WRITTEN].value -= lost;
            self->counters[C_LOST].value += lost;
            self->write_failed = 1;
            return -1;
        }
        return 0;
    }
    if (self->db) {
        self->dirty = 0;
        if (!at_sqlsink_in_batch(self->db))
            return 0;
        if (at_sqlsink_commit(self->db) < 0) {
            /* ZeroMQ cannot replay what was received: the batch is lost
             * and counted (the Kafka transport will replay from offsets). */
            at_log_error("sqlite: commit of %llu events failed: %s",
                         (unsigned long long)self->batch_events, at_sqlsink_error(self->db));
            self->counters[C_WRITTEN].value -= self->batch_events;
            self->counters[C_LOST].value += self->batch_events;
            self->write_failed = 1;
            self->batch_events = 0;
            return -1;
        }
        self->batch_events = 0;
        return 0;
    }
    if (fflush(self->out) != 0) {
        at_log_error("writing %s: %s", self->out_path, strerror(errno));
        self->write_failed = 1;
        return -1;
    }
    /* fsync on a pipe or tty is EINVAL: there is nothing to make durable. */
    if (fsync(fileno(self->out)) != 0 && errno != EINVAL && errno != EROFS) {
        at_log_error("fsync %s: %s", self->out_path, strerror(errno));
        self->write_failed = 1;
        return -1;
    }
    self->dirty = 0;
    return 0;
}

at_sink_t *at_sink_new(at_daemon_t *d, char *err, size_t errlen)
{
    if (at_sink_check(d->cfg, err, errlen) < 0)
        return NULL;
    at_sink_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->d = d;
    static const char *const names[] = {"received",  "written",         "rejected", "oversize",
                                        "published", "publish_dropped", "lost"};
    for (int i = 0; i < C_COUNT; i++)
        self->counters[i].name = names[i];
    if (!(self->out_path = strdup(at_config_str(d->cfg, "sink.output")))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (open_output(self, self->out_path, err, errlen) < 0)
        goto fail;
    const char *dl = at_config_str(d->cfg, "sink.dead_letter");
    if (*dl && !(self->dl = at_deadletter_new(dl, d->spec->name, err, errlen)))
        goto fail;
    const char *pub = at_config_str(d->cfg, "sink.publish");
    if (*pub && !(self->pub = at_transport_new(pub, AT_TX_PUB, err, errlen)))
        goto fail;
    self->in = at_transport_new(at_config_str(d->cfg, "sink.input"), AT_TX_PULL, err, errlen);
    if (!self->in)
        goto fail;
    at_daemon_set_counters(d, self->counters);
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
    at_transport_close(&self->in, 0);
    at_transport_close(&self->pub, 0);
    if (self->out || self->db || self->pg) {
        flush_output(self);
        if (self->out && !self->out_is_stdout)
            fclose(self->out);
        at_sqlsink_close(&self->db);
        at_pgsink_close(&self->pg);
    }
    at_deadletter_destroy(&self->dl);
    free(self->out_path);
    free(self);
    *self_p = NULL;
}

static void reject(at_sink_t *self, const char *reason, const at_msg_t *msg)
{
    self->counters[C_REJECTED].value++;
    at_daemon_reject(self->d, self->dl, reason, msg->data, msg->len);
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
        reject(self, why, msg);
        return;
    }
    Attache__V1__Event *ev = attache__v1__event__unpack(NULL, msg->len, msg->data);
    if (!ev) {
        reject(self, "payload is not a valid attache.v1.Event protobuf", msg);
        return;
    }
    char err[256];
    if (at_json_event_validate(ev, err, sizeof err) < 0) {
        snprintf(why, sizeof why, "invalid Event: %s", err);
        protobuf_c_message_free_unpacked(&ev->base, NULL);
        reject(self, why, msg);
        return;
    }
    char *line = at_json_event_dump(ev);
    if (!line) {
        at_log_error("out of memory rendering event %s", ev->id);
        protobuf_c_message_free_unpacked(&ev->base, NULL);
        return;
    }
    if (self->pg) {
        char werr[512];
        if (!at_pgsink_in_batch(self->pg))
            at_pgsink_begin(self->pg);
        if (at_pgsink_write(self->pg, ev, line, werr, sizeof werr) < 0) {
            at_log_error("%s", werr);
            self->counters[C_LOST].value++;
            self->write_failed = 1;
        } else {
            self->counters[C_WRITTEN].value++;
            self->dirty = 1;
        }
    } else if (self->db) {
        char werr[512];
        if (!at_sqlsink_in_batch(self->db) && at_sqlsink_begin(self->db) < 0) {
            at_log_error("sqlite: %s", at_sqlsink_error(self->db));
            self->write_failed = 1;
        } else if (at_sqlsink_write(self->db, ev, line, werr, sizeof werr) < 0) {
            at_log_error("sqlite: event %s: %s", ev->id, werr);
            self->counters[C_LOST].value++;
            self->write_failed = 1;
        } else {
            self->counters[C_WRITTEN].value++;
            self->batch_events++;
            self->dirty = 1;
        }
    } else if (fputs(line, self->out) == EOF || fputc('\n', self->out) == EOF) {
        at_log_error("writing event %s: %s", ev->id, strerror(errno));
        self->write_failed = 1;
    } else {
        self->counters[C_WRITTEN].value++;
        self->dirty = 1;
    }
    free(line);
    if (self->pub) {
        /* Republish the bytes we received: they are the validated event. */
        if (at_transport_send(self->pub, attache__v1__event__descriptor.name, ev->id, msg->data,
                              msg->len, 0) == AT_TX_OK)
            self->counters[C_PUBLISHED].value++;
        else
            self->counters[C_PUB_DROPPED].value++;
    }
    protobuf_c_message_free_unpacked(&ev->base, NULL);
    if (at_config_int(self->d->cfg, "sink.flush_interval_ms") == 0)
        flush_output(self);
    at_transport_ack(self->in, msg);
}

static void do_reload(at_sink_t *self)
{
    at_daemon_reload_flag = 0;
    at_config_t *old = NULL;
    if (at_daemon_reload(self->d, &old) == 0) {
        /* Reopen the same output path (logrotate's "move then HUP"). */
        if (self->out && !self->out_is_stdout) {
            flush_output(self);
            FILE *was = self->out;
            char err[512];
            if (open_output(self, self->out_path, err, sizeof err) < 0) {
                at_log_error("reload: %s; keeping the open file", err);
                self->out = was;
            } else {
                fclose(was);
            }
        }
        at_config_destroy(&old);
    }
    if (self->dl && at_deadletter_reopen(self->dl) < 0)
        at_log_error("reload: cannot reopen the dead-letter file: %s", strerror(errno));
    at_daemon_ready(self->d, "reloaded");
}

int at_sink_run(at_sink_t *self)
{
    at_daemon_ready(self->d, "writing events");
    uint64_t idle_since = 0;
    self->last_flush_ms = at_now_ms();
    for (;;) {
        if (at_daemon_reload_flag)
            do_reload(self);
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
            if (at_daemon_stop_flag) {
                uint64_t now = at_now_ms();
                if (!idle_since)
                    idle_since = now;
                if (now - idle_since >=
                    (uint64_t)at_config_int(self->d->cfg, "daemon.drain_idle_ms"))
                    break;
            }
        }
        long long every = at_config_int(self->d->cfg, "sink.flush_interval_ms");
        if (self->dirty && at_now_ms() - self->last_flush_ms >= (uint64_t)every)
            flush_output(self);
        at_daemon_tick(self->d);
    }
    at_daemon_stopping(self->d, "input drained, flushing");
    flush_output(self);
    at_daemon_log_counters(self->d, "final");
    return self->write_failed ? 1 : 0;
}
