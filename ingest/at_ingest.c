/*
 * at_ingest: JSON lines in, attache.v1.NewsItem out. See at_ingest.h.
 */
#include "at_ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "at_dedup.h"
#include "at_endpoint.h"
#include "at_json.h"
#include "at_linereader.h"
#include "at_log.h"
#include "at_transport.h"

const at_cfg_def_t at_ingest_config[] = {
    AT_DAEMON_COMMON_KEYS,
    {"ingest.input", AT_CFG_STRING, "-", 0, 0, NULL, false,
     "JSON-lines file to read news items from, or - for stdin."},
    {"ingest.follow", AT_CFG_BOOL, "false", 0, 0, NULL, false,
     "Keep reading the file as it grows (like tail -f) instead of exiting after EOF."},
    {"ingest.output", AT_CFG_STRING, "zmq+tcp://127.0.0.1:7101", 0, 0, NULL, false,
     "Endpoint of the next hop (attache-enrich)."},
    {"ingest.max_item_bytes", AT_CFG_INT, "1048576", 64, 67108864, NULL, false,
     "Longest accepted input line; longer ones are rejected."},
    {"ingest.dead_letter", AT_CFG_STRING, "", 0, 0, NULL, false,
     "JSON-lines file that receives rejected input; empty turns it off."},
    {"ingest.dedup_capacity", AT_CFG_INT, "1000000", 0, 1000000000, NULL, false,
     "Item ids remembered to drop duplicates (about 16 bytes each); 0 turns dedup off."},
    {"ingest.source", AT_CFG_STRING, "", 0, 0, NULL, true,
     "Source name given to items that carry none."},
    AT_CFG_END,
};

const at_flag_t at_ingest_flags[] = {
    {"input", 'i', "ingest.input", "PATH"},
    {"output", 'o', "ingest.output", "ENDPOINT"},
    {"dead-letter", 0, "ingest.dead_letter", "PATH"},
    {NULL, 0, NULL, NULL},
};

enum { C_READ, C_SENT, C_REJECTED, C_OVERSIZE, C_DUPLICATE, C_LOST, C_COUNT };

struct at_ingest {
    at_daemon_t *d;
    int fd;
    int own_fd;
    int pollable; /* not a regular file: wait with poll(2) */
    at_linereader_t *reader;
    at_transport_t *out;
    at_deadletter_t *dl;
    at_dedup_t *dedup;
    uint8_t *buf;
    size_t bufcap;
    at_counter_t counters[C_COUNT + 1];
};

int at_ingest_check(const at_config_t *cfg, char *err, size_t errlen)
{
    at_endpoint_t ep;
    if (at_endpoint_parse(at_config_str(cfg, "ingest.output"), &ep, err, errlen) < 0)
        return -1;
    return 0;
}

at_ingest_t *at_ingest_new(at_daemon_t *d, char *err, size_t errlen)
{
    const at_config_t *cfg = d->cfg;
    if (at_ingest_check(cfg, err, errlen) < 0)
        return NULL;
    at_ingest_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->d = d;
    self->fd = -1;
    static const char *const names[] = {"read",     "sent",      "rejected",
                                        "oversize", "duplicate", "lost"};
    for (int i = 0; i < C_COUNT; i++)
        self->counters[i].name = names[i];

    const char *in = at_config_str(cfg, "ingest.input");
    if (strcmp(in, "-") == 0) {
        self->fd = STDIN_FILENO;
    } else {
        self->fd = open(in, O_RDONLY | O_CLOEXEC);
        if (self->fd < 0) {
            snprintf(err, errlen, "ingest.input %s: %s", in, strerror(errno));
            goto fail;
        }
        self->own_fd = 1;
    }
    /* Pipes, FIFOs, ttys and sockets are read non-blocking and waited on
     * with poll, so a quiet producer never keeps the loop from pinging the
     * watchdog or noticing a signal. Regular files never block. */
    struct stat st;
    if (fstat(self->fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        int fl = fcntl(self->fd, F_GETFL);
        if (fl >= 0)
            fcntl(self->fd, F_SETFL, fl | O_NONBLOCK);
        self->pollable = 1;
    }
    self->reader = at_linereader_new(self->fd, (size_t)at_config_int(cfg, "ingest.max_item_bytes"));
    if (!self->reader) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    const char *dl = at_config_str(cfg, "ingest.dead_letter");
    if (*dl && !(self->dl = at_deadletter_new(dl, d->spec->name, err, errlen)))
        goto fail;
    long long cap = at_config_int(cfg, "ingest.dedup_capacity");
    if (cap > 0 && !(self->dedup = at_dedup_new((size_t)cap))) {
        snprintf(err, errlen, "out of memory for %lld dedup slots", cap);
        goto fail;
    }
    self->out = at_transport_new(at_config_str(cfg, "ingest.output"), AT_TX_PUSH, err, errlen);
    if (!self->out)
        goto fail;
    at_daemon_set_counters(d, self->counters);
    return self;
fail:
    at_ingest_destroy(&self);
    return NULL;
}

void at_ingest_destroy(at_ingest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_ingest_t *self = *self_p;
    at_linereader_destroy(&self->reader);
    if (self->own_fd && self->fd >= 0)
        close(self->fd);
    at_transport_close(&self->out, 0);
    at_deadletter_destroy(&self->dl);
    at_dedup_destroy(&self->dedup);
    free(self->buf);
    free(self);
    *self_p = NULL;
}

static void reject(at_ingest_t *self, const char *reason, const char *line, size_t len)
{
    char msg[768];
    snprintf(msg, sizeof msg, "line at byte %llu: %s",
             at_linereader_offset(self->reader) - (unsigned long long)len, reason);
    self->counters[C_REJECTED].value++;
    at_daemon_reject(self->d, self->dl, msg, line, len);
}

/* Normalize, dedupe, pack and send one parsed item. Takes ownership. */
static int forward(at_ingest_t *self, Attache__V1__NewsItem *item)
{
    const char *src = at_config_str(self->d->cfg, "ingest.source");
    if (!item->source[0] && src[0]) {
        char *s = strdup(src);
        if (s) {
            item->source = s;
        }
    }
    bool cleared = false;
    if (self->dedup && at_dedup_seen(self->dedup, item->id, &cleared)) {
        self->counters[C_DUPLICATE].value++;
        at_log_debug("duplicate item %s dropped", item->id);
        at_json_item_free(&item);
        return 0;
    }
    if (cleared)
        at_log_info("dedup: capacity reached; remembered ids cleared");

    size_t need = attache__v1__news_item__get_packed_size(item);
    if (need > self->bufcap) {
        uint8_t *n = realloc(self->buf, need);
        if (!n) {
            at_log_error("out of memory packing item %s", item->id);
            self->counters[C_LOST].value++;
            at_json_item_free(&item);
            return -1;
        }
        self->buf = n;
        self->bufcap = need;
    }
    size_t len = attache__v1__news_item__pack(item, self->buf);
    int rc = at_daemon_send(self->d, self->out, attache__v1__news_item__descriptor.name, item->id,
                            self->buf, len);
    if (rc == 0)
        self->counters[C_SENT].value++;
    else
        self->counters[C_LOST].value++;
    at_json_item_free(&item);
    return rc;
}

static void handle_line(at_ingest_t *self, const char *line, size_t len)
{
    self->counters[C_READ].value++;
    /* Blank lines are separators some producers emit, not errors. */
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len) {
        self->counters[C_READ].value--;
        return;
    }
    char err[512];
    Attache__V1__NewsItem *item =
        at_json_item_parse(line, len, (int64_t)time(NULL), err, sizeof err);
    if (!item) {
        reject(self, err, line, len);
        return;
    }
    forward(self, item);
}

static void do_reload(at_ingest_t *self)
{
    at_daemon_reload_flag = 0;
    at_config_t *old = NULL;
    if (at_daemon_reload(self->d, &old) == 0) {
        static const char *const restart_keys[] = {"ingest.input",          "ingest.follow",
                                                   "ingest.output",         "ingest.max_item_bytes",
                                                   "ingest.dedup_capacity", "ingest.dead_letter"};
        for (size_t i = 0; i < sizeof restart_keys / sizeof *restart_keys; i++)
            if (at_config_changed(old, self->d->cfg, restart_keys[i]))
                at_log_warn("reload: %s changed; it takes effect after a restart", restart_keys[i]);
        at_config_destroy(&old);
    }
    if (self->dl && at_deadletter_reopen(self->dl) < 0)
        at_log_error("reload: cannot reopen the dead-letter file: %s", strerror(errno));
    at_daemon_ready(self->d, "reloaded");
}

/* Wait a little for more input (or a signal). Regular files always poll
 * readable, so for them (follow mode) this is a short sleep. */
static void wait_for_input(at_ingest_t *self)
{
    struct pollfd p = {self->fd, POLLIN, 0};
    if (self->pollable)
        poll(&p, 1, 200);
    else
        poll(NULL, 0, 200);
}

int at_ingest_run(at_ingest_t *self)
{
    int follow = at_config_bool(self->d->cfg, "ingest.follow");
    const char *in = at_config_str(self->d->cfg, "ingest.input");
    at_daemon_ready(self->d, strcmp(in, "-") == 0 ? "reading stdin" : "reading input file");

    while (!at_daemon_stop_flag) {
        if (at_daemon_reload_flag)
            do_reload(self);
        const char *line;
        size_t len;
        at_lr_status_t st = at_linereader_next(self->reader, &line, &len, follow);
        if (st == AT_LR_LINE) {
            handle_line(self, line, len);
        } else if (st == AT_LR_TOOLONG) {
            self->counters[C_READ].value++;
            self->counters[C_OVERSIZE].value++;
            char why[128];
            snprintf(why, sizeof why, "line longer than ingest.max_item_bytes (%lld)",
                     at_config_int(self->d->cfg, "ingest.max_item_bytes"));
            reject(self, why, line, len);
        } else if (st == AT_LR_EOF) {
            if (!follow)
                break;
            wait_for_input(self);
        } else if (st == AT_LR_AGAIN) {
            wait_for_input(self);
        } else if (st == AT_LR_ERROR) {
            at_log_error("reading %s: %s", in, strerror(errno));
            break;
        }
        at_daemon_tick(self->d);
    }

    at_daemon_stopping(self->d, at_daemon_stop_flag ? "signal: stopped reading, handing over"
                                                    : "end of input, handing over");
    /* Queued messages are already with libzmq; linger lets them reach the
     * peer before the socket goes away. */
    at_transport_close(&self->out,
                       (int)at_config_int(self->d->cfg, "daemon.shutdown_timeout") * 1000);
    at_daemon_log_counters(self->d, "final");
    return self->counters[C_LOST].value ? 1 : 0;
}
