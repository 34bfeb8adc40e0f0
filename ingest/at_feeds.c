/*
 * at_feeds: the live-feed source of attache-ingest. See at_feeds.h.
 */
#include "at_feeds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_feed.h"
#include "at_log.h"
#include "at_opml.h"
#include "at_poller.h"

enum {
    F_POLLS_OK,
    F_NOT_MODIFIED,
    F_POLLS_FAILED,
    F_PARSE_FAILED,
    F_ITEMS_NEW,
    F_ITEMS_DUP,
    F_COUNT
};

struct at_feeds {
    at_poller_t *poller;
    at_seen_t *store;
    at_feeds_emit_fn *emit;
    void *arg;
    int (*handover)(void *arg); /* optional: 1 once emitted items reached the next hop */
    void *handover_arg;
    size_t nfeeds;
    at_counter_t counters[F_COUNT + 1];
};

typedef struct {
    at_feeds_t *self; /* NULL while only checking */
    const at_config_t *cfg;
    char *err;
    size_t errlen;
    size_t added;
    char **urls; /* when collecting (reload): every configured URL */
    size_t nurls;
} add_ctx_t;

/* Is `url` an absolute http(s) URL? The poller checks again; this gives the
 * config error its key. */
static int is_http_url(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* The interval for feed.<name>: feed.<name>.interval, else feeds.interval. */
typedef struct {
    const char *name;
    long interval;
} interval_ctx_t;

static int find_interval(void *arg, const char *prop, const char *value)
{
    interval_ctx_t *ic = arg;
    size_t n = strlen(ic->name);
    if (strncmp(prop, ic->name, n) == 0 && strcmp(prop + n, ".interval") == 0) {
        char *end;
        long v = strtol(value, &end, 10);
        ic->interval = (*end || v < 1 || v > 86400) ? -1 : v;
    }
    return 0;
}

static int add_one(add_ctx_t *c, const char *origin, const char *url, long interval,
                   const char *title)
{
    if (!is_http_url(url)) {
        snprintf(c->err, c->errlen, "%s: '%s' is not an http(s) URL", origin, url);
        return -1;
    }
    if (c->urls) {
        char *u = strdup(url);
        if (!u) {
            snprintf(c->err, c->errlen, "out of memory");
            return -1;
        }
        c->urls[c->nurls++] = u;
    }
    if (c->self) {
        char why[256];
        if (at_poller_add_feed(c->self->poller, url, (int)interval, title, why, sizeof why) < 0) {
            snprintf(c->err, c->errlen, "%s: %s", origin, why);
            return -1;
        }
    }
    c->added++;
    return 0;
}

static int add_from_config(void *arg, const char *prop, const char *value)
{
    add_ctx_t *c = arg;
    const char *dot = strchr(prop, '.');
    if (dot) {
        if (strcmp(dot, ".interval") != 0) {
            snprintf(c->err, c->errlen, "feed.%s: unknown feed property (known: interval)", prop);
            return -1;
        }
        return 0; /* read by find_interval */
    }
    interval_ctx_t ic = {prop, at_config_int(c->cfg, "feeds.interval")};
    at_config_passthrough_each(c->cfg, "feed", find_interval, &ic);
    char origin[300];
    snprintf(origin, sizeof origin, "feed.%s", prop);
    if (ic.interval < 0) {
        snprintf(c->err, c->errlen, "feed.%s.interval: must be 1..86400 seconds", prop);
        return -1;
    }
    return add_one(c, origin, value, ic.interval, prop) < 0 ? -1 : 0;
}

static int add_all(add_ctx_t *c)
{
    if (at_config_passthrough_each(c->cfg, "feed", add_from_config, c) != 0)
        return -1;
    const char *opml = at_config_str(c->cfg, "feeds.opml");
    if (*opml) {
        at_opml_t o;
        if (at_opml_load_file(opml, &o, c->err, c->errlen) < 0)
            return -1;
        for (size_t i = 0; i < o.n_feeds; i++) {
            if (add_one(c, opml, o.feeds[i].url, at_config_int(c->cfg, "feeds.interval"),
                        o.feeds[i].title) < 0) {
                at_opml_clear(&o);
                return -1;
            }
        }
        if (o.skipped)
            at_log_info("feeds: %s: %u outlines skipped (no xmlUrl, not a feed, duplicate)", opml,
                        o.skipped);
        at_opml_clear(&o);
    }
    return 0;
}

int at_feeds_configured(const at_config_t *cfg)
{
    add_ctx_t c = {NULL, cfg, NULL, 0, 0, NULL, 0};
    char err[8];
    c.err = err;
    c.errlen = sizeof err;
    at_config_passthrough_each(cfg, "feed", add_from_config, &c);
    return c.added > 0 || *at_config_str(cfg, "feeds.opml");
}

int at_feeds_check(const at_config_t *cfg, char *err, size_t errlen)
{
    add_ctx_t c = {NULL, cfg, err, errlen, 0, NULL, 0};
    return add_all(&c);
}

static void on_response(void *arg, const at_feed_response_t *r)
{
    at_feeds_t *self = arg;
    if (r->error) {
        self->counters[F_POLLS_FAILED].value++;
        at_log_warn("feed %s: %s", r->url, r->error);
        return;
    }
    if (r->not_modified) {
        self->counters[F_NOT_MODIFIED].value++;
        return;
    }
    self->counters[F_POLLS_OK].value++;
    at_feed_result_t res;
    char err[512];
    if (at_feed_parse(r->body, r->len, r->charset, r->final_url ? r->final_url : r->url,
                      r->fetched_at, &res, err, sizeof err) < 0) {
        self->counters[F_PARSE_FAILED].value++;
        at_log_warn("feed %s: %s", r->url, err);
        at_poller_record_error(self->poller, r->url, err);
        return;
    }
    if (res.ttl_seconds > 0)
        at_poller_set_ttl(self->poller, r->url, res.ttl_seconds);
    /* Links were resolved against the address after redirects; the item's
     * "feed" names the feed as configured, which is what status, metrics
     * and users know it by. */
    if (r->final_url && strcmp(r->final_url, r->url) != 0) {
        for (size_t i = 0; i < res.n_items; i++) {
            char *u = strdup(r->url);
            if (!u)
                continue;
            if (res.items[i]->feed != protobuf_c_empty_string)
                free(res.items[i]->feed);
            res.items[i]->feed = u;
        }
    }
    uint64_t fresh = 0, dup = 0;
    int failed = 0;
    if (self->store && at_seen_begin(self->store) < 0) {
        at_log_error("feed %s: state store: %s", r->url, at_seen_errmsg(self->store));
        failed = 1;
    }
    for (size_t i = 0; i < res.n_items && !failed; i++) {
        int rc = self->emit(self->arg, &res.items[i]);
        if (rc == 0)
            fresh++;
        else if (rc == 1)
            dup++;
        else
            failed = 1;
    }
    /* Kafka: the items count as handed over only on their delivery reports. */
    if (!failed && fresh && self->handover && !self->handover(self->handover_arg))
        failed = 1;
    if (self->store) {
        /* Commit only what was handed over; otherwise the items are new
         * again at the next poll. */
        if (failed ? at_seen_rollback(self->store) : at_seen_commit(self->store)) {
            at_log_error("feed %s: state store: %s", r->url, at_seen_errmsg(self->store));
            failed = 1;
        }
    }
    if (failed) {
        at_poller_record_error(self->poller, r->url, "items could not be handed to the next hop");
    } else {
        at_poller_record(self->poller, r->url, fresh, dup);
        self->counters[F_ITEMS_NEW].value += fresh;
        self->counters[F_ITEMS_DUP].value += dup;
        at_log_debug("feed %s: %zu items, %llu new, %llu duplicate", r->url, res.n_items,
                     (unsigned long long)fresh, (unsigned long long)dup);
    }
    at_feed_result_clear(&res);
}

at_feeds_t *at_feeds_new(const at_config_t *cfg, at_seen_t *store, at_feeds_emit_fn *emit,
                         void *arg, char *err, size_t errlen)
{
    at_feeds_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    static const char *const names[] = {"feed_polls_ok",     "feed_not_modified",
                                        "feed_polls_failed", "feed_parse_failed",
                                        "feed_items_new",    "feed_items_duplicate"};
    for (int i = 0; i < F_COUNT; i++)
        self->counters[i].name = names[i];
    self->store = store;
    self->emit = emit;
    self->arg = arg;
    at_poller_opts_t opts;
    at_poller_opts_init(&opts);
    opts.timeout_ms = (long)at_config_int(cfg, "feeds.timeout_ms");
    if (opts.connect_timeout_ms > opts.timeout_ms)
        opts.connect_timeout_ms = opts.timeout_ms;
    opts.max_response_bytes = (size_t)at_config_int(cfg, "feeds.max_response_bytes");
    opts.max_host_connections = (long)at_config_int(cfg, "feeds.max_per_host");
    opts.max_total_connections = (long)at_config_int(cfg, "feeds.max_connections");
    const char *ua = at_config_str(cfg, "feeds.user_agent");
    if (*ua)
        opts.user_agent = ua; /* copied by at_poller_new */
    self->poller = at_poller_new(&opts, store, on_response, self, err, errlen);
    if (!self->poller) {
        free(self);
        return NULL;
    }
    add_ctx_t c = {self, cfg, err, errlen, 0, NULL, 0};
    if (add_all(&c) < 0) {
        at_feeds_destroy(&self);
        return NULL;
    }
    self->nfeeds = c.added;
    return self;
}

typedef struct {
    add_ctx_t *wanted;
    char **gone;
    size_t ngone, cap;
} prune_ctx_t;

static int note_gone(void *arg, const at_feedstate_t *st)
{
    prune_ctx_t *p = arg;
    for (size_t i = 0; i < p->wanted->nurls; i++)
        if (strcmp(p->wanted->urls[i], st->url) == 0)
            return 0;
    if (p->ngone == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **n = realloc(p->gone, cap * sizeof *n);
        if (!n)
            return -1;
        p->gone = n;
        p->cap = cap;
    }
    p->gone[p->ngone] = strdup(st->url);
    if (!p->gone[p->ngone])
        return -1;
    p->ngone++;
    return 0;
}

int at_feeds_reload(at_feeds_t *self, const at_config_t *cfg, char *err, size_t errlen)
{
    if (at_feeds_check(cfg, err, errlen) < 0)
        return -1;
    /* Bounded by the OPML cap plus the config's keys. */
    size_t cap = 10000 + 4096;
    add_ctx_t c = {self, cfg, err, errlen, 0, calloc(cap, sizeof(char *)), 0};
    int rc = c.urls ? add_all(&c) : -1;
    prune_ctx_t p = {&c, NULL, 0, 0};
    if (rc == 0 && at_poller_each_state(self->poller, note_gone, &p) != 0)
        rc = -1;
    for (size_t i = 0; i < p.ngone; i++) {
        if (rc == 0) {
            at_poller_remove_feed(self->poller, p.gone[i]);
            at_log_info("feeds: %s is no longer configured; stopped polling it", p.gone[i]);
        }
        free(p.gone[i]);
    }
    free(p.gone);
    for (size_t i = 0; i < c.nurls; i++)
        free(c.urls[i]);
    free(c.urls);
    if (rc == 0)
        self->nfeeds = c.added;
    else if (!*err)
        snprintf(err, errlen, "out of memory");
    return rc;
}

int at_feeds_step(at_feeds_t *self, int timeout_ms)
{
    return at_poller_step(self->poller, timeout_ms);
}

at_counter_t *at_feeds_counters(at_feeds_t *self)
{
    return self->counters;
}

void at_feeds_set_handover(at_feeds_t *self, int (*fn)(void *arg), void *arg)
{
    self->handover = fn;
    self->handover_arg = arg;
}

size_t at_feeds_count(const at_feeds_t *self)
{
    return self->nfeeds;
}

void at_feeds_destroy(at_feeds_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_poller_destroy(&(*self_p)->poller);
    free(*self_p);
    *self_p = NULL;
}
