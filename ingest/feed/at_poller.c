/*
 * at_poller: the HTTP feed poller of attache-ingest (libcurl multi).
 *
 * Layout: a flat array of feeds (scanned once per step: cheap for the
 * thousands of feeds one instance polls; a due-time heap would be the next
 * step for hundreds of thousands), an array of running transfers, and one
 * curl multi handle. The poller gates transfers itself, by host and in
 * total, before handing them to libcurl, instead of relying only on
 * CURLMOPT_MAX_*_CONNECTIONS: a transfer libcurl queues internally still
 * has its CURLOPT_TIMEOUT_MS clock running and its easy handle allocated,
 * so with 1,000 feeds due at once the queued ones would time out. The
 * libcurl caps stay set as a backstop for redirects to other hosts.
 *
 * Scheduling runs on CLOCK_MONOTONIC (a wall-clock step must not stall
 * polling); the persisted next_poll is converted to Unix seconds.
 */
#include "at_poller.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "at_log.h"
#include "at_time.h"
#include "at_version.h"

/* Where a publisher who sees us in their logs can read what we are and
 * whom to contact. attache has no public home yet, so the default is a
 * reserved name that cannot point at somebody else's site (RFC 2606);
 * deployments set opts.user_agent, and a release build defines this. */
#ifndef AT_POLLER_INFO_URL
#define AT_POLLER_INFO_URL "https://attache.invalid/docs/feeds-polling"
#endif

/* Validators longer than this are not stored (nor sent back): no real
 * server needs more, and a hostile one should not grow our state. */
#define VALIDATOR_MAX 1024

typedef struct xfer xfer_t;

typedef struct {
    at_feedstate_t st; /* persisted part; st.url is the key */
    char *title;
    char *hostkey;   /* "scheme://host:port", for the per-host cap */
    int interval;    /* configured, seconds */
    int ttl;         /* from the feed, seconds; 0 = none */
    int64_t due_ms;  /* monotonic */
    int64_t base_ms; /* monotonic time the current delay counts from */
    int64_t last_delay_ms;
    uint64_t polls, not_modified;
    xfer_t *xfer; /* running transfer, or NULL */
    bool removed; /* removed during its own callback: free afterwards */
    bool dirty;   /* changed during its own callback: save afterwards */
} feed_t;

struct xfer {
    at_poller_t *poller;
    feed_t *feed;
    CURL *easy;
    struct curl_slist *headers;
    char *buf;
    size_t len, cap;
    bool over_limit;
    int64_t started_ms;
    char errbuf[CURL_ERROR_SIZE];
};

struct at_poller {
    at_poller_opts_t opts;
    char *user_agent;
    at_seen_t *store;
    at_poller_response_fn *on_response;
    void *arg;
    CURLM *multi;
    feed_t **feeds;
    size_t n_feeds, cap_feeds;
    xfer_t **inflight;
    size_t n_inflight; /* <= opts.max_total_connections */
    feed_t *delivering;
    uint64_t rng;
    at_poller_stats_t stats;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_s(void)
{
    return (int64_t)time(NULL);
}

/* splitmix64: tiny, seedable, good enough to spread poll times. */
static uint64_t next_rand(at_poller_t *self)
{
    uint64_t z = (self->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Jitter only lengthens a delay, so no feed is polled sooner than its
 * interval or a server's Retry-After allows. */
static int64_t jittered(at_poller_t *self, int64_t delay_ms)
{
    if (self->opts.jitter_permille <= 0 || delay_ms <= 0)
        return delay_ms;
    uint64_t span = (uint64_t)delay_ms * (uint64_t)self->opts.jitter_permille / 1000;
    if (span == 0)
        return delay_ms;
    return delay_ms + (int64_t)(next_rand(self) % (span + 1));
}

static int effective_interval(const at_poller_t *self, const feed_t *f)
{
    int ttl = f->ttl < self->opts.max_ttl_seconds ? f->ttl : self->opts.max_ttl_seconds;
    return ttl > f->interval ? ttl : f->interval;
}

/* interval * 2^min(errors, k), capped at max(max_backoff, interval). */
static int64_t backoff_ms(const at_poller_t *self, const feed_t *f)
{
    int64_t interval_ms = (int64_t)effective_interval(self, f) * 1000;
    int64_t cap = (int64_t)self->opts.max_backoff_seconds * 1000;
    if (cap < interval_ms)
        cap = interval_ms;
    int e = f->st.error_count < self->opts.backoff_max_exponent ? f->st.error_count
                                                                : self->opts.backoff_max_exponent;
    int64_t d = interval_ms;
    for (int i = 0; i < e && d < cap; i++)
        d *= 2;
    return d < cap ? d : cap;
}

/* Set a feed's next poll delay_ms after base (both monotonic) and mirror
 * it into the persisted next_poll (Unix seconds, rounded up so a reader
 * never sees a time earlier than the real one). */
static void schedule(feed_t *f, int64_t base_ms, int64_t delay_ms)
{
    int64_t now = mono_ms();
    f->base_ms = base_ms;
    f->last_delay_ms = delay_ms;
    f->due_ms = base_ms + delay_ms;
    int64_t ahead = f->due_ms - now;
    f->st.next_poll = real_s() + (ahead > 0 ? (ahead + 999) / 1000 : 0);
}

static void save(at_poller_t *self, feed_t *f)
{
    if (!self->store)
        return;
    if (f == self->delivering) {
        f->dirty = true; /* saved once after the callback */
        return;
    }
    f->dirty = false;
    if (at_seen_feed_save(self->store, &f->st) != 0) {
        self->stats.store_errors++;
        at_log_warn("feed %s: cannot save its state", f->st.url);
    }
}

static void replace_str(char **dst, const char *src)
{
    free(*dst);
    *dst = src ? strdup(src) : NULL;
}

/* A header value we are willing to store and send back verbatim: short and
 * free of control characters (no header injection from a stored value). */
static bool validator_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > VALIDATOR_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 && *p != '\t')
            return false;
    return true;
}

/* The value of a response header of the final request, or NULL. */
static const char *header(CURL *easy, const char *name)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
        return NULL;
    return h->value;
}

/* Retry-After: delta-seconds or an HTTP-date. Returns seconds from now
 * (>= 0), or -1 when absent or unreadable. */
static int64_t retry_after_s(CURL *easy)
{
    const char *v = header(easy, "Retry-After");
    if (!v)
        return -1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (isdigit((unsigned char)*v)) {
        char *end;
        errno = 0;
        long long s = strtoll(v, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        if (*end == '\0')
            return errno == ERANGE || s > INT32_MAX ? INT32_MAX : s;
    }
    int64_t t;
    if (at_time_parse(v, &t) != 0)
        return -1;
    int64_t d = t - real_s();
    return d > 0 ? d : 0;
}

/* The charset parameter of a Content-Type, unquoted, into out (or ""). */
static void charset_of(const char *ct, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *p = ct ? strchr(ct, ';') : NULL;
    while (p) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "charset", 7) == 0) {
            const char *q = p + 7;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=') {
                q++;
                while (*q == ' ' || *q == '\t')
                    q++;
                bool quoted = *q == '"';
                q += quoted;
                size_t n = 0;
                while (q[n] && n + 1 < outlen &&
                       (quoted ? q[n] != '"' : q[n] != ';' && q[n] != ' ' && q[n] != '\t'))
                    n++;
                memcpy(out, q, n);
                out[n] = '\0';
                return;
            }
        }
        p = strchr(p, ';');
    }
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    xfer_t *x = ud;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300)
        return n; /* an error page: nobody reads it, do not keep it */
    size_t max = x->poller->opts.max_response_bytes;
    if (n > max - x->len) {
        /* Abort now rather than read the rest: a 100 MB response costs
         * us max bytes of memory and a little more of bandwidth. */
        x->over_limit = true;
        return 0;
    }
    if (x->len + n > x->cap) {
        size_t cap = x->cap ? x->cap : 64 * 1024;
        while (cap < x->len + n)
            cap = cap > max / 2 ? max : cap * 2;
        char *b = realloc(x->buf, cap + 1);
        if (!b)
            return 0;
        x->buf = b;
        x->cap = cap;
    }
    memcpy(x->buf + x->len, data, n);
    x->len += n;
    x->buf[x->len] = '\0';
    return n;
}

static void xfer_free(at_poller_t *self, xfer_t *x)
{
    if (!x)
        return;
    curl_multi_remove_handle(self->multi, x->easy);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    free(x->buf);
    for (size_t i = 0; i < self->n_inflight; i++)
        if (self->inflight[i] == x) {
            self->inflight[i] = self->inflight[--self->n_inflight];
            break;
        }
    if (x->feed)
        x->feed->xfer = NULL;
    free(x);
}

static void feed_free(feed_t *f)
{
    if (!f)
        return;
    free(f->st.url);
    free(f->st.etag);
    free(f->st.last_modified);
    free(f->st.last_error_text);
    free(f->title);
    free(f->hostkey);
    free(f);
}

static feed_t *find(const at_poller_t *self, const char *url, size_t *idx)
{
    if (!url)
        return NULL;
    for (size_t i = 0; i < self->n_feeds; i++)
        if (strcmp(self->feeds[i]->st.url, url) == 0) {
            if (idx)
                *idx = i;
            return self->feeds[i];
        }
    return NULL;
}

static unsigned host_inflight(const at_poller_t *self, const char *hostkey)
{
    unsigned n = 0;
    for (size_t i = 0; i < self->n_inflight; i++)
        if (strcmp(self->inflight[i]->feed->hostkey, hostkey) == 0)
            n++;
    return n;
}

static bool can_start(const at_poller_t *self, const feed_t *f)
{
    return self->n_inflight < (size_t)self->opts.max_total_connections &&
           host_inflight(self, f->hostkey) < (unsigned)self->opts.max_host_connections;
}

static void record_failure(at_poller_t *self, feed_t *f, int status, const char *text,
                           int64_t retry_after)
{
    int64_t now = mono_ms();
    f->st.last_error = real_s();
    replace_str(&f->st.last_error_text, text);
    f->st.http_status = status;
    f->st.error_count++;
    int64_t delay = backoff_ms(self, f);
    if (retry_after >= 0 && (status == 429 || status == 503)) {
        int64_t ra = retry_after < self->opts.max_backoff_seconds ? retry_after
                                                                  : self->opts.max_backoff_seconds;
        if (ra * 1000 > delay)
            delay = ra * 1000;
    }
    schedule(f, now, jittered(self, delay));
    self->stats.polls_failed++;
    if (f->st.error_count == 1)
        at_log_warn("feed %s: %s; retrying in %" PRId64 " s", f->st.url, text,
                    f->last_delay_ms / 1000);
    else
        at_log_debug("feed %s: %s (%d in a row); retrying in %" PRId64 " s", f->st.url, text,
                     f->st.error_count, f->last_delay_ms / 1000);
}

static int start(at_poller_t *self, feed_t *f)
{
    xfer_t *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    x->poller = self;
    x->feed = f;
    x->easy = curl_easy_init();
    if (!x->easy) {
        free(x);
        return -1;
    }
    CURL *e = x->easy;
    const at_poller_opts_t *o = &self->opts;
    curl_easy_setopt(e, CURLOPT_URL, f->st.url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    /* A feed URL (or a redirect) must never make us read file:// or talk
     * to some other protocol on the operator's network. */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, self->user_agent);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    /* Rejects early when Content-Length already says too much; the write
     * callback enforces the limit on the decoded body (gzip bombs). */
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_response_bytes);
    /* Validators go back verbatim, as RFC 9110 asks: no reformatting of
     * Last-Modified through CURLOPT_TIMECONDITION. */
    char line[VALIDATOR_MAX + 32];
    bool ok = true;
    if (f->st.etag && validator_ok(f->st.etag)) {
        snprintf(line, sizeof line, "If-None-Match: %s", f->st.etag);
        struct curl_slist *l = curl_slist_append(x->headers, line);
        ok = ok && l;
        x->headers = l ? l : x->headers;
    }
    if (f->st.last_modified && validator_ok(f->st.last_modified)) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", f->st.last_modified);
        struct curl_slist *l = curl_slist_append(x->headers, line);
        ok = ok && l;
        x->headers = l ? l : x->headers;
    }
    if (x->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    if (!ok || curl_multi_add_handle(self->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        curl_slist_free_all(x->headers);
        free(x);
        return -1;
    }
    x->started_ms = mono_ms();
    f->xfer = x;
    self->inflight[self->n_inflight++] = x;
    self->stats.polls_started++;
    return 0;
}

static void start_due(at_poller_t *self)
{
    int64_t now = mono_ms();
    for (size_t i = 0; i < self->n_feeds; i++) {
        if (self->n_inflight >= (size_t)self->opts.max_total_connections)
            return;
        feed_t *f = self->feeds[i];
        if (f->xfer || f->due_ms > now || !can_start(self, f))
            continue;
        if (start(self, f) != 0) {
            record_failure(self, f, 0, "cannot start a transfer (out of memory?)", -1);
            save(self, f);
        }
    }
}

/* Turn a finished transfer into state, metrics and a callback. */
static void finish(at_poller_t *self, xfer_t *x, CURLcode rc)
{
    feed_t *f = x->feed;
    CURL *e = x->easy;
    int64_t now = mono_ms();
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    char *final_url = NULL;
    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &final_url);
    char *ct = NULL;
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
    curl_off_t wire = 0;
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &wire);
    long redirects = 0;
    curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);

    /* A transfer cut short by the network has no status worth keeping; one
     * we cut short for its size does. */
    bool too_big = x->over_limit || rc == CURLE_FILESIZE_EXCEEDED;
    int resp_status = rc == CURLE_OK || too_big ? (int)status : 0;

    char errtext[CURL_ERROR_SIZE + 64];
    const char *error = NULL;
    if (too_big) {
        snprintf(errtext, sizeof errtext, "response over %zu bytes", self->opts.max_response_bytes);
        error = errtext;
    } else if (rc != CURLE_OK) {
        const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
        if (rc == CURLE_UNSUPPORTED_PROTOCOL && redirects > 0)
            snprintf(errtext, sizeof errtext, "redirect refused (http and https only): %s", why);
        else if (rc == CURLE_TOO_MANY_REDIRECTS)
            snprintf(errtext, sizeof errtext, "more than 5 redirects");
        else
            snprintf(errtext, sizeof errtext, "%s", why);
        error = errtext;
    } else if (status != 304 && (status < 200 || status >= 300)) {
        snprintf(errtext, sizeof errtext, "HTTP %ld", status);
        error = errtext;
    }

    self->stats.bytes += (uint64_t)wire;
    f->st.bytes += (uint64_t)wire;
    f->polls++;
    int64_t ra = error ? retry_after_s(e) : -1;
    if (error && ra >= 0 && (status == 429 || status == 503)) {
        size_t n = strlen(errtext);
        snprintf(errtext + n, sizeof errtext - n, " (Retry-After %" PRId64 " s)", ra);
    }

    if (error) {
        record_failure(self, f, resp_status, error, ra);
    } else {
        if (f->st.error_count > 0)
            at_log_info("feed %s: recovered after %d errors", f->st.url, f->st.error_count);
        f->st.last_success = real_s();
        f->st.http_status = (int)status;
        f->st.error_count = 0;
        const char *etag = header(e, "ETag");
        const char *lm = header(e, "Last-Modified");
        if (status == 304) {
            /* A 304 may refresh the validators; it never removes them. */
            if (etag && validator_ok(etag))
                replace_str(&f->st.etag, etag);
            if (lm && validator_ok(lm))
                replace_str(&f->st.last_modified, lm);
            f->not_modified++;
            self->stats.polls_not_modified++;
        } else {
            /* A new representation: its validators, or none. */
            replace_str(&f->st.etag, etag && validator_ok(etag) ? etag : NULL);
            replace_str(&f->st.last_modified, lm && validator_ok(lm) ? lm : NULL);
            self->stats.polls_ok++;
        }
        schedule(f, now, jittered(self, (int64_t)effective_interval(self, f) * 1000));
        at_log_debug("feed %s: HTTP %ld, %zu bytes in %" PRId64 " ms", f->st.url, status, x->len,
                     now - x->started_ms);
    }

    char charset[64];
    charset_of(ct, charset, sizeof charset);
    at_feed_response_t r = {
        .url = f->st.url,
        .title = f->title,
        .final_url = final_url,
        .http_status = resp_status,
        .error = error,
        .not_modified = !error && status == 304,
        .body = !error && status != 304 ? (x->buf ? x->buf : "") : NULL,
        .len = !error && status != 304 ? x->len : 0,
        .content_type = ct,
        .charset = charset[0] ? charset : NULL,
        .elapsed_ms = now - x->started_ms,
        .fetched_at = real_s(),
    };

    /* Detach the transfer first, so the callback sees the feed idle (it may
     * reschedule it) and the caps count one transfer less; the easy handle,
     * which owns r's strings, dies only after the callback. */
    for (size_t i = 0; i < self->n_inflight; i++)
        if (self->inflight[i] == x) {
            self->inflight[i] = self->inflight[--self->n_inflight];
            break;
        }
    x->feed = NULL;
    f->xfer = NULL;
    self->delivering = f;
    f->dirty = true;
    if (self->on_response)
        self->on_response(self->arg, &r);
    self->delivering = NULL;
    xfer_free(self, x);
    if (f->removed)
        feed_free(f);
    else if (f->dirty)
        save(self, f);
}

void at_poller_opts_init(at_poller_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->timeout_ms = 30000;
    opts->connect_timeout_ms = 10000;
    opts->max_response_bytes = 16u << 20;
    opts->max_host_connections = 2;
    opts->max_total_connections = 64;
    opts->max_ttl_seconds = 4 * 3600;
    opts->max_backoff_seconds = 24 * 3600;
    opts->backoff_max_exponent = 6;
    opts->jitter_permille = 100;
}

at_poller_t *at_poller_new(const at_poller_opts_t *opts, at_seen_t *store,
                           at_poller_response_fn *on_response, void *arg, char *err, size_t errlen)
{
    at_poller_opts_t o;
    if (opts)
        o = *opts;
    else
        at_poller_opts_init(&o);
    if (o.timeout_ms <= 0 || o.connect_timeout_ms <= 0 || o.max_response_bytes == 0 ||
        o.max_response_bytes > ((size_t)1 << 40) || o.max_host_connections < 1 ||
        o.max_total_connections < 1 || o.max_total_connections > 100000 || o.max_ttl_seconds < 0 ||
        o.max_backoff_seconds < 1 || o.backoff_max_exponent < 0 || o.jitter_permille < 0 ||
        o.jitter_permille > 1000) {
        seterr(err, errlen, "invalid poller options");
        return NULL;
    }
    if (o.backoff_max_exponent > 30)
        o.backoff_max_exponent = 30;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        seterr(err, errlen, "curl_global_init failed");
        return NULL;
    }
    at_poller_t *self = calloc(1, sizeof *self);
    if (!self) {
        curl_global_cleanup();
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    self->opts = o;
    self->store = store;
    self->on_response = on_response;
    self->arg = arg;
    if (o.user_agent) {
        self->user_agent = strdup(o.user_agent);
    } else {
        size_t n = strlen(AT_VERSION) + strlen(AT_POLLER_INFO_URL) + 16;
        self->user_agent = malloc(n);
        if (self->user_agent)
            snprintf(self->user_agent, n, "attache/%s (+%s)", AT_VERSION, AT_POLLER_INFO_URL);
    }
    self->opts.user_agent = NULL; /* not the caller's pointer: it may not outlive us */
    self->inflight = calloc((size_t)o.max_total_connections, sizeof *self->inflight);
    self->multi = curl_multi_init();
    if (!self->user_agent || !self->inflight || !self->multi) {
        seterr(err, errlen, self->multi ? "out of memory" : "curl_multi_init failed");
        at_poller_destroy(&self);
        return NULL;
    }
    curl_multi_setopt(self->multi, CURLMOPT_MAX_HOST_CONNECTIONS, o.max_host_connections);
    curl_multi_setopt(self->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, o.max_total_connections);
    self->rng = o.jitter_seed
                    ? o.jitter_seed
                    : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ (uint64_t)mono_ms();
    return self;
}

void at_poller_destroy(at_poller_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_poller_t *self = *self_p;
    while (self->n_inflight > 0)
        xfer_free(self, self->inflight[self->n_inflight - 1]);
    for (size_t i = 0; i < self->n_feeds; i++)
        feed_free(self->feeds[i]);
    free(self->feeds);
    free(self->inflight);
    if (self->multi)
        curl_multi_cleanup(self->multi);
    free(self->user_agent);
    free(self);
    curl_global_cleanup();
    *self_p = NULL;
}

/* "scheme://host:port" of an http(s) URL, lowercased; NULL if the URL is
 * not an absolute http or https URL. Caller owns the result. */
static char *host_key(const char *url, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *key = NULL;
    if (!u) {
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        seterr(err, errlen, "not an absolute URL: %s", url);
    } else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        seterr(err, errlen, "not an http or https URL: %s", url);
    } else {
        size_t n = strlen(scheme) + strlen(host) + strlen(port) + 5;
        key = malloc(n);
        if (key) {
            snprintf(key, n, "%s://%s:%s", scheme, host, port);
            for (char *p = key; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        } else {
            seterr(err, errlen, "out of memory");
        }
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return key;
}

/* Take the persisted state of f from the store, if any. Returns true when
 * the store knew the feed. */
static bool load_state(at_poller_t *self, feed_t *f)
{
    if (!self->store)
        return false;
    at_feedstate_t st;
    memset(&st, 0, sizeof st);
    if (at_seen_feed_load(self->store, f->st.url, &st) != 0) {
        at_log_warn("feed %s: cannot load its state; starting afresh", f->st.url);
        self->stats.store_errors++;
        at_feedstate_clear(&st);
        return false;
    }
    bool known = st.last_success || st.last_error || st.next_poll;
    if (known) {
        f->st.etag = st.etag && validator_ok(st.etag) ? strdup(st.etag) : NULL;
        f->st.last_modified =
            st.last_modified && validator_ok(st.last_modified) ? strdup(st.last_modified) : NULL;
        f->st.last_error_text = st.last_error_text ? strdup(st.last_error_text) : NULL;
        f->st.last_success = st.last_success;
        f->st.last_error = st.last_error;
        f->st.next_poll = st.next_poll;
        f->st.http_status = st.http_status;
        f->st.error_count = st.error_count > 0 ? st.error_count : 0;
        f->st.items_new = st.items_new;
        f->st.items_duplicate = st.items_duplicate;
        f->st.bytes = st.bytes;
    }
    at_feedstate_clear(&st);
    return known;
}

int at_poller_add_feed(at_poller_t *self, const char *url, int interval_seconds, const char *title,
                       char *err, size_t errlen)
{
    if (!self || !url || interval_seconds < 1) {
        seterr(err, errlen, "a feed needs a URL and an interval of at least 1 s");
        return -1;
    }
    int64_t now = mono_ms();
    feed_t *f = find(self, url, NULL);
    if (f) {
        /* A config reload: new interval and title, same state. */
        char *t = title ? strdup(title) : NULL;
        if (title && !t) {
            seterr(err, errlen, "out of memory");
            return -1;
        }
        free(f->title);
        f->title = t;
        f->interval = interval_seconds;
        int64_t want = (int64_t)effective_interval(self, f) * 1000;
        if (!f->xfer && f->st.error_count == 0 && f->due_ms > now + want)
            schedule(f, now, want);
        return 0;
    }
    char *hostkey = host_key(url, err, errlen);
    if (!hostkey)
        return -1;
    if (self->n_feeds == self->cap_feeds) {
        size_t cap = self->cap_feeds ? self->cap_feeds * 2 : 16;
        feed_t **a = realloc(self->feeds, cap * sizeof *a);
        if (!a) {
            free(hostkey);
            seterr(err, errlen, "out of memory");
            return -1;
        }
        self->feeds = a;
        self->cap_feeds = cap;
    }
    f = calloc(1, sizeof *f);
    if (!f || !(f->st.url = strdup(url)) || (title && !(f->title = strdup(title)))) {
        free(hostkey);
        feed_free(f);
        seterr(err, errlen, "out of memory");
        return -1;
    }
    f->hostkey = hostkey;
    f->interval = interval_seconds;
    if (load_state(self, f) && f->st.next_poll > real_s()) {
        /* Keep a backoff or Retry-After across the restart, within its
         * cap; a healthy feed waits no longer than its (new) interval. */
        int64_t wait = f->st.next_poll - real_s();
        int64_t cap = f->st.error_count > 0 && self->opts.max_backoff_seconds > f->interval
                          ? self->opts.max_backoff_seconds
                          : f->interval;
        schedule(f, now, (wait < cap ? wait : cap) * 1000);
    } else {
        schedule(f, now, 0);
    }
    self->feeds[self->n_feeds++] = f;
    save(self, f); /* so `attache feeds status` lists it before its first poll */
    return 0;
}

int at_poller_remove_feed(at_poller_t *self, const char *url)
{
    size_t i;
    feed_t *f = self ? find(self, url, &i) : NULL;
    if (!f)
        return -1;
    memmove(self->feeds + i, self->feeds + i + 1, (self->n_feeds - i - 1) * sizeof *self->feeds);
    self->n_feeds--;
    if (f == self->delivering) {
        f->removed = true; /* finish() frees it after the callback */
        return 0;
    }
    if (f->xfer) {
        f->xfer->feed = NULL;
        xfer_free(self, f->xfer);
    }
    feed_free(f);
    return 0;
}

int at_poller_set_ttl(at_poller_t *self, const char *url, int ttl_seconds)
{
    feed_t *f = self ? find(self, url, NULL) : NULL;
    if (!f)
        return -1;
    int before = effective_interval(self, f);
    f->ttl = ttl_seconds > 0 ? ttl_seconds : 0;
    int after = effective_interval(self, f);
    if (after != before && !f->xfer && f->st.error_count == 0) {
        schedule(f, f->base_ms, jittered(self, (int64_t)after * 1000));
        save(self, f);
    }
    return 0;
}

int at_poller_record(at_poller_t *self, const char *url, uint64_t items_new,
                     uint64_t items_duplicate)
{
    feed_t *f = self ? find(self, url, NULL) : NULL;
    if (!f)
        return -1;
    f->st.items_new += items_new;
    f->st.items_duplicate += items_duplicate;
    save(self, f);
    return 0;
}

int at_poller_record_error(at_poller_t *self, const char *url, const char *text)
{
    feed_t *f = self ? find(self, url, NULL) : NULL;
    if (!f)
        return -1;
    f->st.last_error = real_s();
    replace_str(&f->st.last_error_text, text ? text : "unusable response");
    replace_str(&f->st.etag, NULL);
    replace_str(&f->st.last_modified, NULL);
    save(self, f);
    return 0;
}

int at_poller_poll_now(at_poller_t *self, const char *url)
{
    feed_t *f = self ? find(self, url, NULL) : NULL;
    if (!f)
        return -1;
    if (!f->xfer)
        schedule(f, mono_ms(), 0);
    return 0;
}

/* Milliseconds until the earliest feed that is not running and could be
 * started becomes due; 0 if one is due; -1 if none is waiting. A due feed
 * blocked by a cap is left out: a finishing transfer wakes the poll. */
static long next_due_ms(at_poller_t *self)
{
    int64_t now = mono_ms(), best = -1;
    for (size_t i = 0; i < self->n_feeds; i++) {
        feed_t *f = self->feeds[i];
        if (f->xfer)
            continue;
        int64_t d = f->due_ms - now;
        if (d <= 0) {
            if (!can_start(self, f))
                continue;
            return 0;
        }
        if (best < 0 || d < best)
            best = d;
    }
    return best > INT32_MAX ? INT32_MAX : (long)best;
}

int at_poller_step(at_poller_t *self, int timeout_ms)
{
    if (!self)
        return -1;
    start_due(self);
    long wait = timeout_ms > 0 ? timeout_ms : 0;
    long next = next_due_ms(self);
    if (next >= 0 && next < wait)
        wait = next;
    if (wait > 0 || self->n_inflight > 0) {
        CURLMcode mc = curl_multi_poll(self->multi, NULL, 0, (int)wait, NULL);
        if (mc != CURLM_OK) {
            at_log_error("curl_multi_poll: %s", curl_multi_strerror(mc));
            return -1;
        }
    }
    int running = 0;
    CURLMcode mc = curl_multi_perform(self->multi, &running);
    if (mc != CURLM_OK) {
        at_log_error("curl_multi_perform: %s", curl_multi_strerror(mc));
        return -1;
    }
    int delivered = 0;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(self->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        /* Copy out before finish(): removing the handle frees msg. */
        CURL *e = msg->easy_handle;
        CURLcode rc = msg->data.result;
        xfer_t *x = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, &x);
        if (!x || !x->feed)
            continue;
        finish(self, x, rc);
        delivered++;
    }
    start_due(self);
    return delivered;
}

long at_poller_timeout_ms(at_poller_t *self)
{
    if (!self || self->n_feeds == 0)
        return -1;
    if (self->n_inflight > 0)
        return 0;
    return next_due_ms(self);
}

static int by_url(const void *a, const void *b)
{
    const feed_t *fa = *(feed_t *const *)a, *fb = *(feed_t *const *)b;
    return strcmp(fa->st.url, fb->st.url);
}

int at_poller_each_state(at_poller_t *self, int (*fn)(void *arg, const at_feedstate_t *st),
                         void *arg)
{
    if (!self || !fn || self->n_feeds == 0)
        return 0;
    /* Sort a copy: the callback may add or remove feeds. */
    size_t n = self->n_feeds;
    feed_t **sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return -1;
    memcpy(sorted, self->feeds, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_url);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (find(self, sorted[i]->st.url, NULL) != sorted[i])
            continue; /* removed meanwhile */
        rc = fn(arg, &sorted[i]->st);
    }
    free(sorted);
    return rc;
}

int at_poller_feed_info(at_poller_t *self, const char *url, at_poller_feed_info_t *out)
{
    feed_t *f = self ? find(self, url, NULL) : NULL;
    if (!f || !out)
        return -1;
    out->interval_seconds = f->interval;
    out->ttl_seconds = f->ttl;
    out->effective_interval_seconds = effective_interval(self, f);
    out->last_delay_ms = f->last_delay_ms;
    out->due_in_ms = f->xfer ? 0 : f->due_ms - mono_ms();
    out->in_flight = f->xfer != NULL;
    out->polls = f->polls;
    out->not_modified = f->not_modified;
    return 0;
}

void at_poller_stats(at_poller_t *self, at_poller_stats_t *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!self)
        return;
    *out = self->stats;
    out->in_flight = (unsigned)self->n_inflight;
    out->feeds = (unsigned)self->n_feeds;
}
