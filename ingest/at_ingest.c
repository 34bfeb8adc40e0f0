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
#include "at_feeds.h"
#include "at_ninjs.h"
#include "at_spool.h"
#include "at_seen.h"
#include "at_endpoint.h"
#include "at_json.h"
#include "at_linereader.h"
#include "at_log.h"
#include "at_transport.h"

const at_cfg_def_t at_ingest_config[] = {
    AT_DAEMON_COMMON_KEYS,
    {"ingest.input", AT_CFG_STRING, "-", 0, 0, NULL, false,
     "JSON-lines file to read news items from, - for stdin, or empty for none (feeds only)."},
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
    {"ingest.state", AT_CFG_STRING, "", 0, 0, NULL, false,
     "SQLite file remembering emitted item ids and titles and each feed's polling state, so "
     "a restart re-emits nothing; empty keeps them in memory only."},
    {"ingest.retention_days", AT_CFG_INT, "30", 1, 3650, NULL, true,
     "Days an emitted id or title is remembered in ingest.state."},
    {"ingest.spool", AT_CFG_STRING, "", 0, 0, NULL, false,
     "Spool directory: files (*.json, *.ninjs, *.jsonl, *.ndjson) renamed into it are "
     "ingested and moved to done/ or failed/; empty turns it off."},
    AT_FEEDS_CONFIG_KEYS,
    AT_CFG_END,
};

const at_flag_t at_ingest_flags[] = {
    {"input", 'i', "ingest.input", "PATH"},
    {"output", 'o', "ingest.output", "ENDPOINT"},
    {"dead-letter", 0, "ingest.dead_letter", "PATH"},
    {NULL, 0, NULL, NULL},
};

enum { C_READ, C_SENT, C_REJECTED, C_OVERSIZE, C_DUPLICATE, C_LOST, C_COUNT };

/* Why an input was rejected: the reason label of attache_items_rejected_total. */
enum { R_BAD_JSON, R_INVALID_ITEM, R_OVERSIZE, R_BAD_FILE, R_COUNT };
static const char *const reason_names[R_COUNT] = {"bad_json", "invalid_item", "oversize",
                                                  "bad_file"};

struct at_ingest {
    at_daemon_t *d;
    int fd;
    int own_fd;
    int pollable; /* not a regular file: wait with poll(2) */
    at_linereader_t *reader;
    at_transport_t *out;
    at_deadletter_t *dl;
    at_dedup_t *dedup;
    at_seen_t *store;
    at_feeds_t *feeds;
    at_spool_t *spool;
    int input_open; /* the line input is still being read */
    uint64_t last_prune_ms;
    uint8_t *buf;
    size_t bufcap;
    at_counter_t counters[C_COUNT + 1];
    /* Pipeline accounting (docs/metrics.md): received = read + feed items
     * = sent + rejected + duplicate + lost. */
    uint64_t received;
    uint64_t rejected_by[R_COUNT];
};

static int emit_item(void *arg, Attache__V1__NewsItem **item_p);
static int handed_over_cb(void *arg);

int at_ingest_check(const at_config_t *cfg, char *err, size_t errlen)
{
    at_endpoint_t ep;
    if (at_endpoint_parse(at_config_str(cfg, "ingest.output"), &ep, err, errlen) < 0 ||
        at_transport_check_config(cfg, err, errlen) < 0)
        return -1;
    if (at_feeds_check(cfg, err, errlen) < 0)
        return -1;
    if (!*at_config_str(cfg, "ingest.input") && !*at_config_str(cfg, "ingest.spool") &&
        !at_feeds_configured(cfg)) {
        snprintf(err, errlen,
                 "nothing to ingest: ingest.input and ingest.spool are empty and no "
                 "feed is configured");
        return -1;
    }
    return 0;
}

/* /readyz: ready while enrich is connected to the output. */
static void probe(void *arg)
{
    at_ingest_t *self = arg;
    if (!self->out)
        return;
    at_daemon_set_peer_condition(self->d, "output", self->out);
}

static void export_metrics(at_ingest_t *self)
{
    at_daemon_t *d = self->d;
    at_daemon_export_items(d, AT_ITEMS_RECEIVED, NULL, &self->received);
    at_daemon_export_items(d, AT_ITEMS_EMITTED, NULL, &self->counters[C_SENT].value);
    at_daemon_export_rejected(d, reason_names, self->rejected_by, R_COUNT);
    at_daemon_export_items(d, AT_ITEMS_DROPPED, "duplicate", &self->counters[C_DUPLICATE].value);
    at_daemon_export_items(d, AT_ITEMS_DROPPED, "lost", &self->counters[C_LOST].value);
    at_daemon_set_probe(d, probe, self);
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
    if (!*in) {
        /* feeds only */
    } else if (strcmp(in, "-") == 0) {
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
    if (self->fd >= 0 && fstat(self->fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        int fl = fcntl(self->fd, F_GETFL);
        if (fl >= 0)
            fcntl(self->fd, F_SETFL, fl | O_NONBLOCK);
        self->pollable = 1;
    }
    if (self->fd >= 0) {
        self->reader =
            at_linereader_new(self->fd, (size_t)at_config_int(cfg, "ingest.max_item_bytes"));
        if (!self->reader) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        self->input_open = 1;
    }
    const char *dl = at_config_str(cfg, "ingest.dead_letter");
    if (*dl && !(self->dl = at_deadletter_new(dl, d->spec->name, err, errlen)))
        goto fail;
    long long cap = at_config_int(cfg, "ingest.dedup_capacity");
    if (cap > 0 && !(self->dedup = at_dedup_new((size_t)cap))) {
        snprintf(err, errlen, "out of memory for %lld dedup slots", cap);
        goto fail;
    }
    const char *state = at_config_str(cfg, "ingest.state");
    if (*state && !(self->store = at_seen_open(state, err, errlen)))
        goto fail;
    self->out =
        at_transport_new_cfg(at_config_str(cfg, "ingest.output"), AT_TX_PUSH, cfg, err, errlen);
    if (!self->out)
        goto fail;
    const char *spool = at_config_str(cfg, "ingest.spool");
    if (*spool) {
        at_spool_opts_t so = {0};
        so.max_record = (size_t)at_config_int(cfg, "ingest.max_item_bytes");
        if (!(self->spool = at_spool_new(spool, &so, err, errlen)))
            goto fail;
        at_log_info("watching spool directory %s", spool);
    }
    if (at_feeds_configured(cfg)) {
        self->feeds = at_feeds_new(cfg, self->store, emit_item, self, err, errlen);
        if (!self->feeds)
            goto fail;
        at_feeds_set_handover(self->feeds, handed_over_cb, self);
        at_daemon_set_more_counters(d, at_feeds_counters(self->feeds));
        at_log_info("polling %zu feeds%s%s", at_feeds_count(self->feeds),
                    self->store ? ", state in " : "", self->store ? state : "");
    }
    at_daemon_set_counters(d, self->counters);
    export_metrics(self);
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
    /* The poller saves feed state into the store: destroy it first. */
    at_feeds_destroy(&self->feeds);
    at_spool_destroy(&self->spool);
    at_seen_close(&self->store);
    at_transport_close(&self->out, 0);
    at_deadletter_destroy(&self->dl);
    at_dedup_destroy(&self->dedup);
    free(self->buf);
    free(self);
    *self_p = NULL;
}

/* Count, log and dead-letter one rejected input; `where` says which. */
static void reject_at(at_ingest_t *self, int why, const char *where, const char *reason,
                      const char *data, size_t len)
{
    char msg[1024];
    if (snprintf(msg, sizeof msg, "%s: %s", where, reason) >= (int)sizeof msg)
        msg[sizeof msg - 2] = '~'; /* cut short: the text only labels the reject */
    self->counters[C_REJECTED].value++;
    self->rejected_by[why]++;
    at_daemon_reject(self->d, self->dl, msg, data, len);
}

/* The reason label for a parse error of at_json_item_parse / at_ninjs. */
static int parse_reason(const char *err)
{
    return strncmp(err, "invalid JSON", 12) == 0 || strncmp(err, "not a JSON object", 17) == 0
               ? R_BAD_JSON
               : R_INVALID_ITEM;
}

static void reject(at_ingest_t *self, int why, const char *reason, const char *line, size_t len)
{
    char where[64];
    snprintf(where, sizeof where, "line at byte %llu",
             at_linereader_offset(self->reader) - (unsigned long long)len);
    reject_at(self, why, where, reason, line, len);
}

/* Grow the pack buffer to at least n bytes. 0, or -1 (buffer unchanged). */
static int ensure_buf(at_ingest_t *self, size_t n)
{
    if (n <= self->bufcap)
        return 0;
    uint8_t *b = realloc(self->buf, n);
    if (!b)
        return -1;
    self->buf = b;
    self->bufcap = n;
    return 0;
}

/* Is this item new? 1 new (and now remembered), 0 duplicate, -1 when the
 * state store failed (logged). With ingest.state the store decides (ids and
 * titles per source per day, across restarts); without it, an in-memory id
 * set. */
static int is_new(at_ingest_t *self, const Attache__V1__NewsItem *item)
{
    if (self->store) {
        char key[AT_SEEN_TITLE_KEY_MAX], err[256];
        at_seen_title_key(item->title, key, sizeof key);
        int rc = at_seen_check_and_add(self->store, item->id, item->source, key, item->published,
                                       (int64_t)time(NULL), err, sizeof err);
        if (rc < 0)
            at_log_error("state store: %s", err);
        return rc;
    }
    bool cleared = false;
    if (self->dedup && at_dedup_seen(self->dedup, item->id, &cleared))
        return 0;
    if (cleared)
        at_log_info("dedup: capacity reached; remembered ids cleared");
    return 1;
}

/* Normalize, dedupe, pack and send one parsed item. Takes ownership.
 * Returns 0 when sent, 1 for a duplicate (dropped), -1 when it could not
 * be handed over (counted as lost). */
static int forward(at_ingest_t *self, Attache__V1__NewsItem *item)
{
    const char *src = at_config_str(self->d->cfg, "ingest.source");
    if (!item->source[0] && src[0]) {
        char *s = strdup(src);
        if (s)
            item->source = s;
    }
    int fresh = is_new(self, item);
    if (fresh == 0) {
        self->counters[C_DUPLICATE].value++;
        at_log_debug("duplicate item %s dropped", item->id);
        at_json_item_free(&item);
        return 1;
    }
    int rc = -1;
    /* Stamped before sizing: it is part of the packed message. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    item->ingested_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    size_t need = attache__v1__news_item__get_packed_size(item);
    if (fresh < 0) {
        /* The store cannot promise no re-emission; refusing the item makes
         * the feed poller retry it later rather than lose it. */
    } else if (ensure_buf(self, need) < 0) {
        at_log_error("out of memory packing item %s", item->id);
    } else {
        size_t len = attache__v1__news_item__pack(item, self->buf);
        rc = at_daemon_send(self->d, self->out, attache__v1__news_item__descriptor.name, item->id,
                            self->buf, len);
    }
    if (rc == 0)
        self->counters[C_SENT].value++;
    else
        self->counters[C_LOST].value++;
    at_json_item_free(&item);
    return rc;
}

/* at_feeds_emit_fn: items from feeds take the same path as lines. */
static int emit_item(void *arg, Attache__V1__NewsItem **item_p)
{
    Attache__V1__NewsItem *item = *item_p;
    *item_p = NULL;
    ((at_ingest_t *)arg)->received++;
    return forward(arg, item);
}

/* A record is an attache input item or an IPTC ninjs object. The attache
 * form is tried first and parsed once: asking at_ninjs_detect first would
 * parse every line twice (measured: ingest CPU per item doubled). Only a
 * record the attache parser refuses is looked at as ninjs. */
static Attache__V1__NewsItem *parse_record(at_ingest_t *self, const char *data, size_t len,
                                           char *err, size_t errlen)
{
    int64_t now = (int64_t)time(NULL);
    Attache__V1__NewsItem *item = at_json_item_parse(data, len, now, err, errlen);
    if (!item && at_ninjs_detect(data, len) == AT_NINJS_NINJS)
        item = at_ninjs_parse(data, len, at_config_str(self->d->cfg, "ingest.source"), now, err,
                              errlen);
    return item;
}

static void handle_line(at_ingest_t *self, const char *line, size_t len)
{
    /* Blank lines are separators some producers emit, not errors. */
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len)
        return;
    self->counters[C_READ].value++;
    self->received++;
    char err[512];
    Attache__V1__NewsItem *item = parse_record(self, line, len, err, sizeof err);
    if (!item) {
        reject(self, parse_reason(err), err, line, len);
        return;
    }
    forward(self, item);
}

static void do_reload(at_ingest_t *self)
{
    at_daemon_reload_flag = 0;
    at_config_t *old = NULL;
    if (at_daemon_reload(self->d, &old) == 0) {
        at_config_destroy(&old);
        char err[512];
        if (self->feeds) {
            if (at_feeds_reload(self->feeds, self->d->cfg, err, sizeof err) < 0)
                at_log_error("reload: feeds: %s (keeping the running feed list)", err);
            else
                at_log_info("reload: polling %zu feeds", at_feeds_count(self->feeds));
        } else if (at_feeds_configured(self->d->cfg)) {
            at_log_warn("reload: feeds were added; they are polled after a restart");
        }
    }
    if (self->dl && at_deadletter_reopen(self->dl) < 0)
        at_log_error("reload: cannot reopen the dead-letter file: %s", strerror(errno));
    at_daemon_ready(self->d, "reloaded");
}

/* Wait up to timeout_ms for more line input or spool files (or a signal). Regular files
 * always poll readable, so for them (follow mode) this is a short sleep. */
static void wait_for_input(at_ingest_t *self, int timeout_ms)
{
    struct pollfd p[2];
    nfds_t n = 0;
    if (self->pollable && self->input_open)
        p[n++] = (struct pollfd){self->fd, POLLIN, 0};
    if (self->spool) {
        /* Without inotify (fd -1) the timeout alone drives the spool. */
        long t = at_spool_timeout_ms(self->spool);
        if (t >= 0 && t < timeout_ms)
            timeout_ms = (int)t;
        if (at_spool_fd(self->spool) >= 0)
            p[n++] = (struct pollfd){at_spool_fd(self->spool), POLLIN, 0};
    }
    poll(n ? p : NULL, n, timeout_ms);
}

/* Before the state store commits a batch as emitted: wait until the next
 * hop has every item of it. On Kafka that is the delivery reports (a crash
 * before them leaves the batch uncommitted, so a restart emits it again:
 * at-least-once); on ZeroMQ it returns at once. Waits as long as the hop
 * needs (backpressure), pinging the watchdog; after a stop request, at
 * most daemon.shutdown_timeout. Returns 1 when handed over, else 0. */
static int handed_over(at_ingest_t *self)
{
    uint64_t give_up = 0;
    for (;;) {
        int left = at_transport_flush(self->out, 200);
        if (left == 0)
            return 1;
        if (at_transport_failed(self->out))
            return 0;
        at_daemon_tick(self->d);
        if (at_daemon_stop_flag) {
            uint64_t now = at_now_ms();
            if (!give_up)
                give_up =
                    now + (uint64_t)at_config_int(self->d->cfg, "daemon.shutdown_timeout") * 1000u;
            if (now >= give_up)
                return 0;
        }
    }
}

static int handed_over_cb(void *arg)
{
    return handed_over(arg);
}

/* Read up to `budget` lines of the line input. Returns how many were
 * handled; sets *idle when nothing was there. Lines of one call share one
 * state-store transaction, committed once they were all handed over. */
static int read_lines(at_ingest_t *self, int budget, int follow, int *idle)
{
    const char *in = at_config_str(self->d->cfg, "ingest.input");
    int n = 0;
    *idle = 0;
    if (self->store && at_seen_begin(self->store) < 0)
        at_log_error("state store: %s", at_seen_errmsg(self->store));
    uint64_t lost_before = self->counters[C_LOST].value;
    while (n < budget && !at_daemon_stop_flag) {
        const char *line;
        size_t len;
        at_lr_status_t st = at_linereader_next(self->reader, &line, &len, follow);
        if (st == AT_LR_LINE) {
            handle_line(self, line, len);
        } else if (st == AT_LR_TOOLONG) {
            self->counters[C_READ].value++;
            self->received++;
            self->counters[C_OVERSIZE].value++;
            char why[128];
            snprintf(why, sizeof why, "line longer than ingest.max_item_bytes (%lld)",
                     at_config_int(self->d->cfg, "ingest.max_item_bytes"));
            reject(self, R_OVERSIZE, why, line, len);
        } else {
            if (st == AT_LR_EOF && !follow)
                self->input_open = 0;
            else if (st == AT_LR_ERROR) {
                at_log_error("reading %s: %s", in, strerror(errno));
                self->input_open = 0;
            }
            *idle = 1;
            break;
        }
        n++;
    }
    if (self->store) {
        int failed = self->counters[C_LOST].value != lost_before || !handed_over(self);
        if (failed ? at_seen_rollback(self->store) : at_seen_commit(self->store))
            at_log_error("state store: %s", at_seen_errmsg(self->store));
    }
    return n;
}

/* at_spool_fn: one record (a line or a whole file) from the spool. */
static int on_spool_record(void *arg, const at_spool_record_t *rec)
{
    at_ingest_t *self = arg;
    char where[600], err[512];
    if (rec->line)
        snprintf(where, sizeof where, "spool %s line %lu", rec->file, rec->line);
    else
        snprintf(where, sizeof where, "spool %s", rec->file);
    self->counters[C_READ].value++;
    self->received++;
    if (rec->error) {
        reject_at(self, R_BAD_FILE, where, rec->error, rec->data, rec->len);
        return AT_SPOOL_REJECT;
    }
    Attache__V1__NewsItem *item = parse_record(self, rec->data, rec->len, err, sizeof err);
    if (!item) {
        reject_at(self, parse_reason(err), where, err, rec->data, rec->len);
        return AT_SPOOL_REJECT;
    }
    /* A file whose items cannot be handed over stays in the spool and is
     * read again later; dedup drops what already went through. */
    return forward(self, item) < 0 ? AT_SPOOL_STOP : AT_SPOOL_ACCEPT;
}

/* Read what the spool has, inside one state-store transaction. */
static void read_spool(at_ingest_t *self)
{
    struct pollfd p = {at_spool_fd(self->spool), POLLIN, 0};
    if (at_spool_timeout_ms(self->spool) > 0 && (p.fd < 0 || poll(&p, 1, 0) <= 0))
        return;
    if (self->store && at_seen_begin(self->store) < 0)
        at_log_error("state store: %s", at_seen_errmsg(self->store));
    uint64_t lost_before = self->counters[C_LOST].value;
    char err[512];
    if (at_spool_process(self->spool, on_spool_record, self, err, sizeof err) < 0) {
        at_log_error("spool: %s; no longer watching it", err);
        at_spool_destroy(&self->spool);
    }
    if (self->store) {
        int failed = self->counters[C_LOST].value != lost_before || !handed_over(self);
        if (failed ? at_seen_rollback(self->store) : at_seen_commit(self->store))
            at_log_error("state store: %s", at_seen_errmsg(self->store));
    }
}

/* Forget remembered ids and titles past ingest.retention_days, hourly. */
static void prune_store(at_ingest_t *self)
{
    uint64_t now = at_now_ms();
    if (!self->store || (self->last_prune_ms && now - self->last_prune_ms < 3600u * 1000u))
        return;
    self->last_prune_ms = now;
    int64_t cutoff =
        (int64_t)time(NULL) - at_config_int(self->d->cfg, "ingest.retention_days") * 86400;
    long removed = at_seen_prune(self->store, cutoff);
    if (removed < 0)
        at_log_error("state store: pruning: %s", at_seen_errmsg(self->store));
    else if (removed > 0)
        at_log_info("state store: forgot %ld ids and titles past retention", removed);
}

int at_ingest_run(at_ingest_t *self)
{
    int follow = at_config_bool(self->d->cfg, "ingest.follow");
    const char *in = at_config_str(self->d->cfg, "ingest.input");
    char status[160];
    snprintf(status, sizeof status, "%s%s%s",
             !*in                   ? ""
             : strcmp(in, "-") == 0 ? "reading stdin"
                                    : "reading input file",
             *in && self->feeds ? ", " : "", self->feeds ? "polling feeds" : "");
    at_daemon_ready(self->d, status);

    /* Ends when the stop flag is set, or when the line input is exhausted
     * and there is nothing else (feeds) to wait for. */
    int failed = 0;
    while (!at_daemon_stop_flag && (self->input_open || self->feeds || self->spool)) {
        if (at_daemon_reload_flag)
            do_reload(self);
        /* Kafka: serve delivery reports; a failed one stops us (exit
         * non-zero) instead of running on while dropping. */
        at_transport_poll(self->out, 0);
        const char *why = at_transport_failed(self->out);
        if (why) {
            at_log_error("stopping: %s", why);
            failed = 1;
            break;
        }
        int idle = 1;
        if (self->input_open)
            read_lines(self, 256, follow, &idle);
        if (self->spool)
            read_spool(self);
        if (self->feeds) {
            /* Poll feeds; when the line input has nothing now, this is
             * also where the loop waits. */
            if (at_feeds_step(self->feeds, idle ? 100 : 0) < 0)
                at_log_error("feeds: libcurl multi error");
        } else if (idle) {
            wait_for_input(self, self->spool ? 100 : 200);
        }
        prune_store(self);
        at_daemon_tick(self->d);
    }

    at_daemon_stopping(self->d, at_daemon_stop_flag ? "signal: stopped reading, handing over"
                                                    : "end of input, handing over");
    /* Queued messages are already with libzmq; linger lets them reach the
     * peer before the socket goes away. Kafka: wait for the delivery
     * reports; what is still undelivered then is lost and counted. */
    int timeout_ms = (int)at_config_int(self->d->cfg, "daemon.shutdown_timeout") * 1000;
    int left = at_transport_flush(self->out, timeout_ms);
    if (left > 0) {
        at_log_error("stopping: %d items not delivered within daemon.shutdown_timeout", left);
        self->counters[C_SENT].value -= (uint64_t)left;
        self->counters[C_LOST].value += (uint64_t)left;
    }
    if (at_transport_failed(self->out))
        failed = 1;
    at_transport_close(&self->out, timeout_ms);
    at_daemon_log_counters(self->d, "final");
    return failed || self->counters[C_LOST].value ? 1 : 0;
}
