/*
 * at_daemon: shared daemon runtime. See at_daemon.h.
 *
 * getopt_long is used for the command line; the shortcut flags of each
 * daemon are turned into "key=value" overrides so that the config table
 * stays the single place where keys are declared.
 */
#include "at_daemon.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "at_http.h"
#include "at_json.h"
#include "at_kafka.h"
#include "at_log.h"
#include "at_version.h"

/* A daemon counter copied into a metric at every tick. kind tells where
 * it came from, so a new at_daemon_set_counters replaces its own. */
enum { MIRROR_EXPLICIT, MIRROR_COUNTERS, MIRROR_MORE };
struct mirror {
    const uint64_t *src;
    at_metric_t *dst;
    int kind;
};

#define MAX_CONDITIONS 8

struct at_daemon_obs {
    at_http_t *http;
    struct mirror *mirrors;
    size_t nmirrors, capmirrors;
    _Atomic uint64_t last_tick_ms;
    _Atomic uint64_t liveness_ms;
    pthread_mutex_t lock; /* conditions, ready, stopping */
    struct {
        char name[32];
        bool ok;
        char detail[200];
    } cond[MAX_CONDITIONS];
    size_t ncond;
    bool ready, stopping;
    bool in_send; /* an item is half-counted: do not publish a snapshot */
    at_daemon_probe_fn *probe;
    void *probe_arg;
    uint64_t last_probe_ms;
    at_metric_t *ready_gauge;
};

volatile sig_atomic_t at_daemon_stop_flag;
volatile sig_atomic_t at_daemon_reload_flag;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        at_daemon_reload_flag = 1;
    else
        at_daemon_stop_flag = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: blocking reads and polls return EINTR so loops notice
     * the flag promptly. */
    sa.sa_flags = 0;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

uint64_t at_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void usage(const at_daemon_spec_t *spec, FILE *out)
{
    fprintf(out, "Usage: %s [OPTIONS]\n%s\n\nOptions:\n", spec->name, spec->summary);
    fprintf(out, "  -c, --config FILE       INI config file (see --help-config)\n"
                 "  -s, --set KEY=VALUE     set a config key (repeatable; after the file)\n");
    for (const at_flag_t *f = spec->flags; f && f->long_name; f++) {
        char left[64];
        if (f->short_name)
            snprintf(left, sizeof left, "-%c, --%s %s", f->short_name, f->long_name, f->metavar);
        else
            snprintf(left, sizeof left, "    --%s %s", f->long_name, f->metavar);
        fprintf(out, "  %-22s  same as --set %s=%s\n", left, f->key, f->metavar);
    }
    fprintf(out, "      --check-config      validate the config and exit (0 = valid)\n"
                 "      --help-config       list every config key as a Markdown table\n"
                 "  -h, --help              this help\n"
                 "  -V, --version           version\n\n"
                 "Signals: TERM/INT drain and stop, HUP reloads the config.\n");
}

at_config_t *at_daemon_load_config(const at_daemon_t *self, char *err, size_t errlen)
{
    at_config_t *cfg = at_config_new(self->spec->defs);
    if (!cfg) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (self->config_path && at_config_load_file(cfg, self->config_path, err, errlen) < 0) {
        at_config_destroy(&cfg);
        return NULL;
    }
    for (size_t i = 0; i < self->nsets; i++) {
        if (at_config_set_pair(cfg, self->sets[i], "command line", err, errlen) < 0) {
            at_config_destroy(&cfg);
            return NULL;
        }
    }
    return cfg;
}

static void apply_log_level(const at_config_t *cfg)
{
    at_log_level_t lvl;
    if (at_log_level_parse(at_config_str(cfg, "log.level"), &lvl) == 0)
        at_log_set_level(lvl);
}

static int add_set(at_daemon_t *self, const char *key, const char *value)
{
    char **n = realloc(self->sets, (self->nsets + 1) * sizeof *n);
    if (!n)
        return -1;
    self->sets = n;
    size_t len = strlen(key) + strlen(value) + 2;
    char *pair = malloc(len);
    if (!pair)
        return -1;
    if (key[0])
        snprintf(pair, len, "%s=%s", key, value);
    else
        snprintf(pair, len, "%s", value); /* already key=value */
    self->sets[self->nsets++] = pair;
    return 0;
}

/* The name without "attache-": the daemon label and metric prefix. */
static const char *short_name(const at_daemon_t *self)
{
    const char *n = self->spec->name;
    return strncmp(n, "attache-", 8) == 0 ? n + 8 : n;
}

static int http_metrics(void *arg, FILE *out, const char **content_type)
{
    at_daemon_t *self = arg;
    *content_type = AT_METRICS_CONTENT_TYPE;
    return at_metrics_render(self->metrics, out) == 0 ? 200 : 500;
}

static int http_healthz(void *arg, FILE *out, const char **content_type)
{
    (void)content_type;
    struct at_daemon_obs *o = ((at_daemon_t *)arg)->obs;
    uint64_t age = at_now_ms() - atomic_load(&o->last_tick_ms);
    uint64_t limit = atomic_load(&o->liveness_ms);
    if (age <= limit) {
        fprintf(out, "ok: main loop turned %llu ms ago\n", (unsigned long long)age);
        return 200;
    }
    fprintf(out,
            "stalled: main loop last turned %llu ms ago (metrics.liveness_timeout is %llu s)\n",
            (unsigned long long)age, (unsigned long long)(limit / 1000));
    return 503;
}

static int http_readyz(void *arg, FILE *out, const char **content_type)
{
    (void)content_type;
    struct at_daemon_obs *o = ((at_daemon_t *)arg)->obs;
    pthread_mutex_lock(&o->lock);
    bool ready = o->ready && !o->stopping;
    for (size_t i = 0; i < o->ncond; i++)
        ready = ready && o->cond[i].ok;
    fputs(ready ? "ready\n" : "not ready\n", out);
    if (!o->ready)
        fputs("starting: READY not sent yet\n", out);
    if (o->stopping)
        fputs("stopping\n", out);
    for (size_t i = 0; i < o->ncond; i++)
        fprintf(out, "%s: %s\n", o->cond[i].name, o->cond[i].ok ? "ok" : o->cond[i].detail);
    pthread_mutex_unlock(&o->lock);
    return ready ? 200 : 503;
}

/* Registry, mirrors and (with metrics.listen) the HTTP server. */
static int obs_start(at_daemon_t *self, char *err, size_t errlen)
{
    self->obs = calloc(1, sizeof *self->obs);
    self->metrics = at_metrics_new();
    if (!self->obs || !self->metrics ||
        at_metrics_const_label(self->metrics, "daemon", short_name(self)) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct at_daemon_obs *o = self->obs;
    pthread_mutex_init(&o->lock, NULL);
    atomic_store(&o->last_tick_ms, at_now_ms());
    atomic_store(&o->liveness_ms,
                 (uint64_t)at_config_int(self->cfg, "metrics.liveness_timeout") * 1000u);
    at_metric_set(at_metrics_gauge(self->metrics, "attache_build_info",
                                   "Always 1; the labels say which attache version runs.",
                                   (const char *[]){"version", AT_VERSION, NULL}),
                  1);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    at_metric_set(at_metrics_gauge(self->metrics, "attache_start_time_seconds",
                                   "When the daemon started, seconds since the Unix epoch.", NULL),
                  (double)ts.tv_sec);
    o->ready_gauge = at_metrics_gauge(self->metrics, "attache_ready",
                                      "1 when /readyz answers 200, else 0.", NULL);
    const char *listen = at_config_str(self->cfg, "metrics.listen");
    if (!*listen)
        return 0;
    o->http = at_http_new(listen, err, errlen);
    if (!o->http || at_http_route(o->http, "/metrics", http_metrics, self) < 0 ||
        at_http_route(o->http, "/healthz", http_healthz, self) < 0 ||
        at_http_route(o->http, "/readyz", http_readyz, self) < 0 ||
        at_http_start(o->http, err, errlen) < 0)
        return -1;
    at_log_info("metrics: serving /metrics, /healthz and /readyz on http://%s",
                at_http_address(o->http));
    return 0;
}

static void obs_stop(at_daemon_t *self)
{
    if (self->obs) {
        at_http_destroy(&self->obs->http); /* no handler runs after this */
        free(self->obs->mirrors);
        pthread_mutex_destroy(&self->obs->lock);
        free(self->obs);
        self->obs = NULL;
    }
    at_metrics_destroy(&self->metrics);
}

static int add_mirror(at_daemon_t *self, const uint64_t *src, at_metric_t *dst, int kind)
{
    struct at_daemon_obs *o = self->obs;
    if (!o || !dst)
        return -1;
    if (o->nmirrors == o->capmirrors) {
        size_t cap = o->capmirrors ? o->capmirrors * 2 : 32;
        struct mirror *n = realloc(o->mirrors, cap * sizeof *n);
        if (!n)
            return -1;
        o->mirrors = n;
        o->capmirrors = cap;
    }
    o->mirrors[o->nmirrors++] = (struct mirror){src, dst, kind};
    at_metric_store(dst, *src);
    return 0;
}

/* Copy every mirrored counter, all under the registry lock. */
static void sync_mirrors(at_daemon_t *self)
{
    struct at_daemon_obs *o = self->obs;
    if (!o || !o->nmirrors || o->in_send)
        return;
    at_metrics_lock(self->metrics);
    for (size_t i = 0; i < o->nmirrors; i++)
        at_metric_store(o->mirrors[i].dst, *o->mirrors[i].src);
    at_metrics_unlock(self->metrics);
}

/* Replace the mirrors of one counter set by those of `c`. */
static void mirror_set(at_daemon_t *self, const at_counter_t *c, int kind)
{
    struct at_daemon_obs *o = self->obs;
    if (!o)
        return;
    size_t w = 0;
    for (size_t i = 0; i < o->nmirrors; i++)
        if (o->mirrors[i].kind != kind)
            o->mirrors[w++] = o->mirrors[i];
    o->nmirrors = w;
    for (; c && c->name; c++) {
        char name[160], help[200];
        snprintf(name, sizeof name, "attache_%s_%s%s", short_name(self), c->name,
                 c->gauge ? "" : "_total");
        /* Counter names may carry a dot ("<output>.written"); Prometheus
         * names are [a-zA-Z0-9_:]. */
        for (char *p = name; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '_' || *p == ':'))
                *p = '_';
        snprintf(help, sizeof help, "The %s %s %s (as in its log lines).", self->spec->name,
                 c->gauge ? "level" : "counter", c->name);
        at_metric_t *m = c->gauge ? at_metrics_gauge(self->metrics, name, help, NULL)
                                  : at_metrics_counter(self->metrics, name, help, NULL);
        if (add_mirror(self, &c->value, m, kind) < 0)
            at_log_warn("metrics: cannot export counter %s", name);
    }
}

int at_daemon_export_counter(at_daemon_t *self, const uint64_t *src, const char *name,
                             const char *help, const char *const *labels)
{
    if (!self->metrics)
        return -1;
    return add_mirror(self, src, at_metrics_counter(self->metrics, name, help, labels),
                      MIRROR_EXPLICIT);
}

int at_daemon_export_items(at_daemon_t *self, at_items_kind_t kind, const char *reason,
                           const uint64_t *src)
{
    static const char *const names[] = {
        "attache_items_received_total", "attache_items_emitted_total",
        "attache_items_rejected_total", "attache_items_dropped_total"};
    static const char *const helps[] = {
        "Items this daemon took in (input lines and records, feed entries, messages).",
        "Items handed to the next hop (ingest, enrich) or written to the output (sink).",
        "Items refused as bad input, by reason (logged and dead-lettered).",
        "Good items not emitted, by reason (duplicates, hand-over or write failures)."};
    const char *const labels[] = {"reason", reason, NULL};
    return at_daemon_export_counter(self, src, names[kind], helps[kind], reason ? labels : NULL);
}

int at_daemon_export_rejected(at_daemon_t *self, const char *const *reasons,
                              const uint64_t *rejected_by, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (at_daemon_export_items(self, AT_ITEMS_REJECTED, reasons[i], &rejected_by[i]) < 0)
            rc = -1;
    return rc;
}

const char *const at_msg_reject_names[AT_REJECT_COUNT] = {"bad_frame", "oversize", "bad_protobuf",
                                                          "invalid_message"};

void at_daemon_set_condition(at_daemon_t *self, const char *name, bool ok, const char *detail)
{
    struct at_daemon_obs *o = self->obs;
    if (!o)
        return;
    pthread_mutex_lock(&o->lock);
    size_t i = 0;
    while (i < o->ncond && strcmp(o->cond[i].name, name) != 0)
        i++;
    if (i == o->ncond && i < MAX_CONDITIONS) {
        snprintf(o->cond[i].name, sizeof o->cond[i].name, "%s", name);
        o->ncond++;
    }
    if (i < o->ncond) {
        o->cond[i].ok = ok;
        snprintf(o->cond[i].detail, sizeof o->cond[i].detail, "%s", detail ? detail : "not ok");
    }
    pthread_mutex_unlock(&o->lock);
}

void at_daemon_set_peer_condition(at_daemon_t *self, const char *name, at_transport_t *tx)
{
    char why[600];
    snprintf(why, sizeof why, "no peer connected to %s", at_transport_endpoint(tx));
    at_daemon_set_condition(self, name, at_transport_peers(tx) != 0, why);
}

bool at_daemon_drained(const at_daemon_t *self, uint64_t *idle_since)
{
    if (!at_daemon_stop_flag)
        return false;
    uint64_t now = at_now_ms();
    if (!*idle_since)
        *idle_since = now;
    return now - *idle_since >= (uint64_t)at_config_int(self->cfg, "daemon.drain_idle_ms");
}

void at_daemon_set_probe(at_daemon_t *self, at_daemon_probe_fn *fn, void *arg)
{
    if (!self->obs)
        return;
    self->obs->probe = fn;
    self->obs->probe_arg = arg;
    self->obs->last_probe_ms = 0;
}

int at_daemon_metrics_port(const at_daemon_t *self)
{
    return self->obs && self->obs->http ? at_http_port(self->obs->http) : 0;
}

/* Probe the conditions and update attache_ready. */
static void obs_probe(at_daemon_t *self, uint64_t now)
{
    struct at_daemon_obs *o = self->obs;
    o->last_probe_ms = now;
    atomic_store(&o->liveness_ms,
                 (uint64_t)at_config_int(self->cfg, "metrics.liveness_timeout") * 1000u);
    if (o->probe)
        o->probe(o->probe_arg);
    pthread_mutex_lock(&o->lock);
    bool ready = o->ready && !o->stopping;
    for (size_t i = 0; i < o->ncond; i++)
        ready = ready && o->cond[i].ok;
    pthread_mutex_unlock(&o->lock);
    at_metric_set(o->ready_gauge, ready ? 1 : 0);
}

static void obs_flag(at_daemon_t *self, bool ready, bool stopping)
{
    struct at_daemon_obs *o = self->obs;
    if (!o)
        return;
    pthread_mutex_lock(&o->lock);
    o->ready = o->ready || ready;
    o->stopping = o->stopping || stopping;
    pthread_mutex_unlock(&o->lock);
    sync_mirrors(self);
    obs_probe(self, at_now_ms());
}

int at_daemon_init(at_daemon_t *self, const at_daemon_spec_t *spec, int argc, char **argv,
                   int *exit_code)
{
    *exit_code = 0;
    memset(self, 0, sizeof *self);
    self->spec = spec;
    at_log_init(spec->name);
    at_json_init();

    enum { OPT_CHECK = 1000, OPT_HELP_CONFIG, OPT_FLAG0 };
    size_t nflags = 0;
    while (spec->flags && spec->flags[nflags].long_name)
        nflags++;
    struct option *opts = calloc(nflags + 7, sizeof *opts);
    char shorts[128] = "c:s:hV";
    if (!opts) {
        *exit_code = 1;
        return 1;
    }
    size_t k = 0;
    opts[k++] = (struct option){"config", required_argument, NULL, 'c'};
    opts[k++] = (struct option){"set", required_argument, NULL, 's'};
    opts[k++] = (struct option){"check-config", no_argument, NULL, OPT_CHECK};
    opts[k++] = (struct option){"help-config", no_argument, NULL, OPT_HELP_CONFIG};
    opts[k++] = (struct option){"help", no_argument, NULL, 'h'};
    opts[k++] = (struct option){"version", no_argument, NULL, 'V'};
    for (size_t i = 0; i < nflags; i++) {
        opts[k++] =
            (struct option){spec->flags[i].long_name, required_argument, NULL, OPT_FLAG0 + (int)i};
        if (spec->flags[i].short_name) {
            size_t l = strlen(shorts);
            shorts[l] = (char)spec->flags[i].short_name;
            shorts[l + 1] = ':';
            shorts[l + 2] = '\0';
        }
    }
    int rc = 0;
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, shorts, opts, NULL);
        if (c == -1)
            break;
        if (c == 'c') {
            self->config_path = optarg;
        } else if (c == 's') {
            if (add_set(self, "", optarg) < 0)
                rc = 1;
        } else if (c == OPT_CHECK) {
            self->check_config = true;
        } else if (c == OPT_HELP_CONFIG) {
            at_config_print_markdown(spec->defs, stdout);
            rc = -1;
        } else if (c == 'h') {
            usage(spec, stdout);
            rc = -1;
        } else if (c == 'V') {
            printf("%s %s\n", spec->name, AT_VERSION);
            rc = -1;
        } else if (c >= OPT_FLAG0 && c < OPT_FLAG0 + (int)nflags) {
            if (add_set(self, spec->flags[c - OPT_FLAG0].key, optarg) < 0)
                rc = 1;
        } else {
            for (size_t i = 0; i < nflags; i++)
                if (c == spec->flags[i].short_name && add_set(self, spec->flags[i].key, optarg) < 0)
                    rc = 1;
            if (!strchr(shorts, c) || c == '?') {
                usage(spec, stderr);
                rc = 2;
            }
        }
        if (rc)
            break;
    }
    free(opts);
    if (rc == 0 && optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", spec->name, argv[optind]);
        rc = 2;
    }
    if (rc) {
        at_daemon_fini(self);
        *exit_code = rc < 0 ? 0 : rc;
        return 1;
    }

    char err[1024];
    self->cfg = at_daemon_load_config(self, err, sizeof err);
    if (!self->cfg) {
        at_log_error("config: %s", err);
        at_daemon_fini(self);
        *exit_code = 1;
        return 1;
    }
    apply_log_level(self->cfg);
    const char *listen = at_config_str(self->cfg, "metrics.listen");
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (*listen && at_http_parse_listen(listen, &ss, &sslen, err, sizeof err) < 0) {
        at_log_error("config: %s", err);
        at_daemon_fini(self);
        *exit_code = 1;
        return 1;
    }
    if (self->check_config)
        return 0; /* the caller validates its own semantics, then exits */
    install_signals();
    sd_watchdog_enabled(0, &self->watchdog_usec);
    self->last_stats_ms = self->last_watchdog_ms = at_now_ms();
    if (obs_start(self, err, sizeof err) < 0) {
        at_log_error("%s", err);
        at_daemon_fini(self);
        *exit_code = 1;
        return 1;
    }
    return 0;
}

int at_daemon_check_done(at_daemon_t *self, int ok, const char *err)
{
    if (!ok) {
        at_log_error("config: %s", err);
        return 1;
    }
    at_config_print(self->cfg, stdout);
    fprintf(stderr, "%s: configuration OK\n", self->spec->name);
    return 0;
}

int at_daemon_start(at_daemon_t *self, const at_daemon_spec_t *spec, at_daemon_check_fn *check,
                    int argc, char **argv, int *exit_code)
{
    if (at_daemon_init(self, spec, argc, argv, exit_code))
        return 1;
    if (!self->check_config)
        return 0;
    char err[1024] = "";
    *exit_code = at_daemon_check_done(self, check(self->cfg, err, sizeof err) == 0, err);
    at_daemon_fini(self);
    return 1;
}

int at_daemon_fail(at_daemon_t *self, const char *err)
{
    at_log_error("%s", err);
    at_daemon_fini(self);
    return 1;
}

int at_daemon_exit(at_daemon_t *self, int code)
{
    at_transport_shutdown();
    at_daemon_fini(self);
    return code;
}

int at_daemon_reload(at_daemon_t *self, at_config_t **old_p)
{
    char err[1024];
    sd_notify(0, "RELOADING=1");
    at_config_t *cfg = at_daemon_load_config(self, err, sizeof err);
    if (!cfg) {
        at_log_error("reload: %s (keeping the running config)", err);
        return -1;
    }
    *old_p = self->cfg;
    self->cfg = cfg;
    apply_log_level(cfg);
    /* The key table says which keys a running daemon cannot apply; warn
     * about those instead of keeping a second list in every daemon. */
    for (const at_cfg_def_t *d = self->spec->defs; d->key; d++)
        if (!d->reloadable && d->type != AT_CFG_PASSTHROUGH &&
            at_config_changed(*old_p, cfg, d->key))
            at_log_warn("reload: %s changed; it takes effect after a restart", d->key);
    at_log_info("reload: config re-read%s%s", self->config_path ? " from " : "",
                self->config_path ? self->config_path : "");
    return 0;
}

void at_daemon_set_counters(at_daemon_t *self, at_counter_t *counters)
{
    self->counters = counters;
    mirror_set(self, counters, MIRROR_COUNTERS);
}

void at_daemon_set_more_counters(at_daemon_t *self, at_counter_t *counters)
{
    self->more_counters = counters;
    mirror_set(self, counters, MIRROR_MORE);
}

/* Both counter sets of a daemon, "a=1 b=2 c=3". */
static void format_all(const at_daemon_t *self, char *buf, size_t len)
{
    at_counters_format(self->counters, buf, len);
    size_t n = strlen(buf);
    if (self->more_counters && n + 2 < len) {
        if (n)
            buf[n++] = ' ';
        at_counters_format(self->more_counters, buf + n, len - n);
    }
    at_counter_t *k = at_kafka_counters();
    n = strlen(buf);
    if (k && n + 2 < len) {
        if (n)
            buf[n++] = ' ';
        at_counters_format(k, buf + n, len - n);
    }
}

void at_counters_format(const at_counter_t *c, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (; c && c->name && n < len; c++) {
        int w = snprintf(buf + n, len - n, "%s%s=%llu", n ? " " : "", c->name,
                         (unsigned long long)c->value);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

void at_daemon_log_counters(const at_daemon_t *self, const char *prefix)
{
    sync_mirrors((at_daemon_t *)self);
    char buf[2048];
    format_all(self, buf, sizeof buf);
    at_log_info("%s: %s", prefix, buf);
}

void at_daemon_ready(at_daemon_t *self, const char *status)
{
    obs_flag(self, true, false);
    sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%d", status, (int)getpid());
    at_log_info("ready: %s", status);
}

void at_daemon_stopping(at_daemon_t *self, const char *status)
{
    obs_flag(self, false, true);
    sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
    at_log_info("stopping: %s", status);
}

void at_daemon_tick(at_daemon_t *self)
{
    uint64_t now = at_now_ms();
    /* Ping at half the watchdog interval, as sd_watchdog_enabled(3) advises. */
    if (self->watchdog_usec && now - self->last_watchdog_ms >= self->watchdog_usec / 2000) {
        sd_notify(0, "WATCHDOG=1");
        self->last_watchdog_ms = now;
    }
    long long every = self->cfg ? at_config_int(self->cfg, "daemon.stats_interval") : 0;
    if (every > 0 && now - self->last_stats_ms >= (uint64_t)every * 1000u) {
        char buf[2048];
        format_all(self, buf, sizeof buf);
        sd_notifyf(0, "STATUS=%s", buf);
        at_log_info("stats: %s", buf);
        self->last_stats_ms = now;
    }
    if (self->obs) {
        atomic_store(&self->obs->last_tick_ms, now);
        sync_mirrors(self);
        if (now - self->obs->last_probe_ms >= 250)
            obs_probe(self, now);
    }
}

void at_daemon_fini(at_daemon_t *self)
{
    obs_stop(self);
    for (size_t i = 0; i < self->nsets; i++)
        free(self->sets[i]);
    free(self->sets);
    self->sets = NULL;
    self->nsets = 0;
    at_config_destroy(&self->cfg);
}

void at_daemon_reject(at_daemon_t *self, at_deadletter_t *dl, const char *reason, const void *data,
                      size_t len)
{
    uint64_t now = at_now_ms();
    if (now - self->reject_window_ms >= 1000) {
        if (self->reject_suppressed)
            at_log_warn("rejected: %u more inputs not logged in the last second",
                        self->reject_suppressed);
        self->reject_window_ms = now;
        self->reject_logged = self->reject_suppressed = 0;
    }
    if (self->reject_logged < 20) {
        self->reject_logged++;
        at_log_warn("rejected input (%zu bytes): %s", len, reason);
    } else {
        self->reject_suppressed++;
    }
    if (dl && at_deadletter_write(dl, reason, data, len) < 0)
        at_log_error("dead-letter write failed: %s", strerror(errno));
}

int at_daemon_send(at_daemon_t *self, at_transport_t *out, const char *type, const char *key,
                   const void *payload, size_t len)
{
    at_ack_t none = {0, 0, 0};
    return at_daemon_send_acked(self, out, type, key, payload, len, NULL, none);
}

int at_daemon_send_acked(at_daemon_t *self, at_transport_t *out, const char *type, const char *key,
                         const void *payload, size_t len, at_transport_t *ack_in, at_ack_t ack)
{
    for (;;) {
        int rc = at_transport_send_acked(out, type, key, payload, len, 200, ack_in, ack);
        if (rc == AT_TX_OK)
            return 0;
        if (rc == AT_TX_ERROR && errno != EINTR) {
            int e = errno;
            const char *why = at_transport_failed(out);
            at_log_error("send to %s failed: %s", at_transport_endpoint(out),
                         why ? why : zmq_strerror(e));
            errno = e;
            return -1;
        }
        /* The item being sent is counted as received but not yet as
         * emitted: keep the last consistent snapshot for /metrics. */
        if (self->obs)
            self->obs->in_send = true;
        at_daemon_tick(self);
        if (self->obs)
            self->obs->in_send = false;
        if (at_daemon_stop_flag) {
            uint64_t now = at_now_ms();
            if (!self->give_up_at_ms)
                self->give_up_at_ms =
                    now + (uint64_t)at_config_int(self->cfg, "daemon.shutdown_timeout") * 1000u;
            if (now >= self->give_up_at_ms) {
                at_log_error("stopping: %s did not take the message within "
                             "daemon.shutdown_timeout; giving up on it",
                             at_transport_endpoint(out));
                return -1;
            }
        }
    }
}

int at_daemon_check_msg(const at_daemon_t *self, const at_msg_t *msg, const char *type,
                        const char *max_key, char *why, size_t whylen)
{
    if (msg->bad) {
        snprintf(why, whylen, "%s", msg->bad);
        return AT_MSG_BAD;
    }
    if (strcmp(msg->type, type) != 0) {
        snprintf(why, whylen, "unexpected message type '%s' (want %s)", msg->type, type);
        return AT_MSG_BAD;
    }
    long long max = at_config_int(self->cfg, max_key);
    if ((long long)msg->len > max) {
        snprintf(why, whylen, "message of %zu bytes over %s (%lld)", msg->len, max_key, max);
        return AT_MSG_OVERSIZE;
    }
    return AT_MSG_OK;
}
