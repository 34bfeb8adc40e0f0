/*
 * Tests for at_poller against a real HTTP server on loopback
 * (tests/feed_server.py, started once for the whole group): conditional
 * GET, redirects and the http/https-only rule, gzip, timeouts, backoff
 * and recovery, Retry-After, the size limit on streamed and compressed
 * bodies, growing feeds, refused connections, the connection caps, the ttl
 * rule, jitter, metrics and state that survives a restart (at_seen).
 *
 * No test waits on the wall clock for a schedule: at_poller_poll_now makes
 * a feed due, and the chosen delays are read back with
 * at_poller_feed_info. Skipped, saying why, without /usr/bin/python3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "at_log.h"
#include "at_poller.h"
#include "at_seen.h"
#include "at_version.h"

#define PYTHON "/usr/bin/python3"

static pid_t server_pid;
static int server_stdin = -1;
static int port; /* 0 = no server: tests skip */

/* ---- the server ---------------------------------------------------------- */

static const char *script_path(void)
{
    static char path[4096];
    const char *src = getenv("ATTACHE_SOURCE_DIR");
    if (src)
        snprintf(path, sizeof path, "%s/ingest/feed/tests/feed_server.py", src);
    else
        snprintf(path, sizeof path, "%s", __FILE__); /* .../test_at_poller.c */
    if (!src) {
        char *slash = strrchr(path, '/');
        snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0),
                 "feed_server.py");
    }
    return path;
}

static int start_server(void **state)
{
    (void)state;
    if (access(PYTHON, X_OK) != 0) {
        fprintf(stderr, "test_at_poller: %s not found: skipping the HTTP tests\n", PYTHON);
        return 0;
    }
    int out[2], in[2];
    if (pipe(out) != 0 || pipe(in) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl(PYTHON, "python3", script_path(), (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    server_pid = pid;
    server_stdin = in[1];
    char line[32] = {0};
    size_t n = 0;
    struct pollfd pfd = {.fd = out[0], .events = POLLIN};
    while (n < sizeof line - 1 && !strchr(line, '\n') && poll(&pfd, 1, 10000) > 0) {
        ssize_t r = read(out[0], line + n, sizeof line - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(out[0]);
    port = atoi(line);
    if (port <= 0) {
        fprintf(stderr, "test_at_poller: feed_server.py did not start (%s)\n", script_path());
        return -1;
    }
    return 0;
}

static int stop_server(void **state)
{
    (void)state;
    if (server_pid > 0) {
        close(server_stdin);
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    return 0;
}

#define NEED_SERVER()                                                                              \
    do {                                                                                           \
        if (!port)                                                                                 \
            skip();                                                                                \
    } while (0)

/* A URL on the test server. The result lives in a ring of 64 buffers,
 * enough for every URL one test holds at a time. */
static char *url(const char *path_and_query)
{
    static char bufs[64][512];
    static int next;
    char *b = bufs[next++ % 64];
    snprintf(b, sizeof bufs[0], "http://127.0.0.1:%d%s", port, path_and_query);
    return b;
}

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
    char **buf = ud;
    size_t have = *buf ? strlen(*buf) : 0;
    char *b = realloc(*buf, have + sz * n + 1);
    memcpy(b + have, p, sz * n);
    b[have + sz * n] = '\0';
    *buf = b;
    return sz * n;
}

/* The server's counter `key` (from /_stats), or -1 when it has none. */
static long server_stat(const char *key)
{
    CURL *e = curl_easy_init();
    char *body = NULL, u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/_stats", port);
    curl_easy_setopt(e, CURLOPT_URL, u);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    curl_easy_cleanup(e);
    long v = -1;
    char want[128];
    snprintf(want, sizeof want, "%s=", key);
    for (char *line = body; line && *line;) {
        if (strncmp(line, want, strlen(want)) == 0)
            v = atol(line + strlen(want));
        char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : NULL;
    }
    free(body);
    return v;
}

static void server_get(const char *path)
{
    CURL *e = curl_easy_init();
    char *body = NULL, u[256];
    snprintf(u, sizeof u, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(e, CURLOPT_URL, u);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    curl_easy_cleanup(e);
    free(body);
}

/* ---- collecting responses ------------------------------------------------ */

typedef struct {
    char url[512];
    char final_url[512];
    int status;
    char error[512];
    bool has_error, not_modified, has_body;
    char *body;
    size_t len;
    char charset[64];
    int64_t elapsed_ms;
} resp_t;

typedef struct {
    resp_t r[64];
    int n;
    at_poller_t *p;         /* for callbacks that act on the poller */
    const char *remove_url; /* remove this feed from inside its callback */
    int ttl_in_cb;          /* > 0: report this ttl and 1 new item from the callback */
} seen_t;

static void on_response(void *arg, const at_feed_response_t *r)
{
    seen_t *s = arg;
    assert_true(s->n < 64);
    resp_t *c = &s->r[s->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->url, sizeof c->url, "%s", r->url);
    snprintf(c->final_url, sizeof c->final_url, "%s", r->final_url ? r->final_url : "");
    c->status = r->http_status;
    c->has_error = r->error != NULL;
    snprintf(c->error, sizeof c->error, "%s", r->error ? r->error : "");
    c->not_modified = r->not_modified;
    c->has_body = r->body != NULL;
    if (r->body) {
        c->body = malloc(r->len + 1);
        memcpy(c->body, r->body, r->len);
        c->body[r->len] = '\0';
        c->len = r->len;
    }
    snprintf(c->charset, sizeof c->charset, "%s", r->charset ? r->charset : "");
    c->elapsed_ms = r->elapsed_ms;
    if (s->remove_url && strcmp(s->remove_url, r->url) == 0)
        assert_int_equal(at_poller_remove_feed(s->p, r->url), 0);
    if (s->ttl_in_cb > 0 && r->body) {
        /* what the ingest loop does after parsing and dedup */
        assert_int_equal(at_poller_set_ttl(s->p, r->url, s->ttl_in_cb), 0);
        assert_int_equal(at_poller_record(s->p, r->url, 1, 0), 0);
    }
}

static void seen_clear(seen_t *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->r[i].body);
    s->n = 0;
}

/* Step until `want` responses in all have arrived (10 s at most). */
static void run_until(at_poller_t *p, seen_t *s, int want)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (s->n < want) {
        assert_true(at_poller_step(p, 100) >= 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > 10)
            fail_msg("only %d of %d responses after 10 s", s->n, want);
    }
}

/* The last response for feed u. */
static resp_t *last_for(seen_t *s, const char *u)
{
    for (int i = s->n - 1; i >= 0; i--)
        if (strcmp(s->r[i].url, u) == 0)
            return &s->r[i];
    fail_msg("no response for %s", u);
    return NULL;
}

/* Poll u now and wait for its response. */
static resp_t *poll_one(at_poller_t *p, seen_t *s, const char *u)
{
    assert_int_equal(at_poller_poll_now(p, u), 0);
    run_until(p, s, s->n + 1);
    return last_for(s, u);
}

typedef struct {
    const char *url;
    at_feedstate_t st; /* shallow copy; strings copied below */
    char etag[256], last_modified[256], last_error_text[512];
    int n_seen;
    char order[8][512];
} state_probe_t;

static int probe(void *arg, const at_feedstate_t *st)
{
    state_probe_t *pr = arg;
    if (pr->n_seen < 8)
        snprintf(pr->order[pr->n_seen], sizeof pr->order[0], "%s", st->url);
    pr->n_seen++;
    if (strcmp(st->url, pr->url) != 0)
        return 0;
    pr->st = *st;
    snprintf(pr->etag, sizeof pr->etag, "%s", st->etag ? st->etag : "");
    snprintf(pr->last_modified, sizeof pr->last_modified, "%s",
             st->last_modified ? st->last_modified : "");
    snprintf(pr->last_error_text, sizeof pr->last_error_text, "%s",
             st->last_error_text ? st->last_error_text : "");
    pr->st.url = pr->st.etag = pr->st.last_modified = pr->st.last_error_text = NULL;
    return 0;
}

static state_probe_t state_of(at_poller_t *p, const char *u)
{
    state_probe_t pr;
    memset(&pr, 0, sizeof pr);
    pr.url = u;
    assert_int_equal(at_poller_each_state(p, probe, &pr), 0);
    return pr;
}

static at_poller_opts_t test_opts(void)
{
    at_poller_opts_t o;
    at_poller_opts_init(&o);
    o.timeout_ms = 5000;
    o.connect_timeout_ms = 2000;
    o.jitter_permille = 0; /* exact delays; jitter has its own test */
    o.jitter_seed = 1;
    return o;
}

static at_poller_t *new_poller(const at_poller_opts_t *o, at_seen_t *store, seen_t *s)
{
    char err[256];
    memset(s, 0, sizeof *s);
    at_poller_t *p = at_poller_new(o, store, on_response, s, err, sizeof err);
    if (!p)
        fail_msg("at_poller_new: %s", err);
    s->p = p;
    return p;
}

static void add(at_poller_t *p, const char *u, int interval)
{
    char err[256];
    if (at_poller_add_feed(p, u, interval, NULL, err, sizeof err) != 0)
        fail_msg("at_poller_add_feed %s: %s", u, err);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_opts_and_api_errors(void **state)
{
    (void)state;
    at_poller_opts_t o;
    at_poller_opts_init(&o);
    assert_true(o.timeout_ms > 0 && o.max_response_bytes > 0 && o.max_host_connections > 0);
    char err[256];
    o.max_host_connections = 0;
    assert_null(at_poller_new(&o, NULL, on_response, NULL, err, sizeof err));
    assert_true(strlen(err) > 0);

    seen_t s;
    at_poller_t *p = new_poller(NULL, NULL, &s);
    assert_int_equal(at_poller_timeout_ms(p), -1); /* no feeds */
    assert_int_equal(at_poller_add_feed(p, "ftp://example.org/feed", 60, NULL, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "http"));
    assert_int_equal(at_poller_add_feed(p, "file:///etc/passwd", 60, NULL, err, sizeof err), -1);
    assert_int_equal(at_poller_add_feed(p, "not a url", 60, NULL, err, sizeof err), -1);
    assert_int_equal(at_poller_add_feed(p, "http://example.org/f", 0, NULL, err, sizeof err), -1);
    assert_int_equal(at_poller_set_ttl(p, "http://nowhere/", 60), -1);
    assert_int_equal(at_poller_record(p, "http://nowhere/", 1, 1), -1);
    assert_int_equal(at_poller_poll_now(p, "http://nowhere/"), -1);
    assert_int_equal(at_poller_remove_feed(p, "http://nowhere/"), -1);
    at_poller_feed_info_t info;
    assert_int_equal(at_poller_feed_info(p, "http://nowhere/", &info), -1);

    /* A new feed is due at once; adding it again just updates it. */
    assert_int_equal(at_poller_add_feed(p, "http://example.org/f", 60, "T", err, sizeof err), 0);
    assert_int_equal(at_poller_add_feed(p, "http://example.org/f", 30, "T2", err, sizeof err), 0);
    assert_int_equal(at_poller_timeout_ms(p), 0);
    assert_int_equal(at_poller_feed_info(p, "http://example.org/f", &info), 0);
    assert_int_equal(info.interval_seconds, 30);
    assert_false(info.in_flight);
    at_poller_stats_t st;
    at_poller_stats(p, &st);
    assert_int_equal(st.feeds, 1);
    assert_int_equal(at_poller_remove_feed(p, "http://example.org/f"), 0);
    at_poller_stats(p, &st);
    assert_int_equal(st.feeds, 0);

    at_poller_destroy(&p);
    assert_null(p);
    at_poller_destroy(&p); /* NULL-safe */
    at_poller_destroy(NULL);
}

static void test_response_fields(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *feed = url("/feed?id=fields");
    const char *ua = url("/ua?id=ua");
    add(p, feed, 60);
    add(p, ua, 60);
    run_until(p, &s, 2);
    resp_t *r = last_for(&s, feed);
    assert_false(r->has_error);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->charset, "ISO-8859-1");
    assert_string_equal(r->final_url, feed);
    assert_non_null(strstr(r->body, "<rss"));
    assert_true(r->elapsed_ms >= 0);
    r = last_for(&s, ua);
    char want[64];
    snprintf(want, sizeof want, "attache/%s (+http", AT_VERSION);
    assert_non_null(strstr(r->body, want));

    state_probe_t pr = state_of(p, feed);
    assert_int_equal(pr.st.http_status, 200);
    assert_true(pr.st.last_success > 0);
    assert_int_equal(pr.st.last_error, 0);
    assert_int_equal(pr.st.error_count, 0);
    assert_int_equal(pr.st.bytes, last_for(&s, feed)->len);
    assert_true(pr.st.next_poll >= pr.st.last_success + 59);
    at_poller_feed_info_t info;
    assert_int_equal(at_poller_feed_info(p, feed, &info), 0);
    assert_int_equal(info.last_delay_ms, 60000);
    assert_true(info.due_in_ms > 50000);
    assert_int_equal(info.polls, 1);
    /* Nothing is due: the poller would sleep until the next poll. */
    assert_true(at_poller_timeout_ms(p) > 50000);
    at_poller_stats_t st;
    at_poller_stats(p, &st);
    assert_int_equal(st.polls_started, 2);
    assert_int_equal(st.polls_ok, 2);
    assert_int_equal(st.in_flight, 0);
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void test_conditional_get(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *modes[] = {"etag", "lm", "both"};
    for (int i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof path, "/cond?mode=%s&id=cond-%s", modes[i], modes[i]);
        const char *u = url(path);
        add(p, u, 60);
        run_until(p, &s, s.n + 1);
        resp_t *r = last_for(&s, u);
        assert_int_equal(r->status, 200);
        assert_true(r->has_body && r->len > 0);
        assert_false(r->not_modified);
        assert_string_equal(r->charset, "utf-8"); /* quoted in the header */
        state_probe_t pr = state_of(p, u);
        if (i != 1) {
            char want[64];
            snprintf(want, sizeof want, "\"v1-cond-%s\"", modes[i]);
            assert_string_equal(pr.etag, want);
        } else {
            assert_string_equal(pr.etag, "");
        }
        if (i != 0)
            assert_string_equal(pr.last_modified, "Wed, 03 Jul 2024 10:15:00 GMT");
        else
            assert_string_equal(pr.last_modified, "");

        /* The server answers 304 only to validators sent back verbatim. */
        r = poll_one(p, &s, u);
        assert_int_equal(r->status, 304);
        assert_true(r->not_modified);
        assert_false(r->has_error);
        assert_false(r->has_body);
        pr = state_of(p, u);
        assert_int_equal(pr.st.http_status, 304);
        assert_int_equal(pr.st.error_count, 0);
        assert_true(pr.etag[0] || pr.last_modified[0]); /* kept */
        at_poller_feed_info_t info;
        assert_int_equal(at_poller_feed_info(p, u, &info), 0);
        assert_int_equal(info.not_modified, 1);
        char key[64];
        snprintf(key, sizeof key, "304.cond-%s", modes[i]);
        assert_int_equal(server_stat(key), 1);
    }
    /* A body we could not use must not become the 304 baseline. */
    const char *u = url("/cond?mode=both&id=cond-both");
    assert_int_equal(at_poller_record_error(p, u, "not a feed"), 0);
    state_probe_t pr = state_of(p, u);
    assert_string_equal(pr.last_error_text, "not a feed");
    assert_true(pr.st.last_error > 0);
    assert_string_equal(pr.etag, "");
    assert_int_equal(pr.st.error_count, 0);
    resp_t *r = poll_one(p, &s, u);
    assert_int_equal(r->status, 200);
    at_poller_stats_t st;
    at_poller_stats(p, &st);
    assert_int_equal(st.polls_not_modified, 3);
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void test_redirects(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *ok = url("/redir?n=5&id=r5");   /* 5 redirects: allowed */
    const char *many = url("/redir?n=6&id=r6"); /* 6: one too many */
    const char *ftp = url("/redir-scheme?to=ftp&id=rftp");
    const char *file = url("/redir-scheme?to=file&id=rfile");
    add(p, ok, 60);
    add(p, many, 60);
    add(p, ftp, 60);
    add(p, file, 60);
    run_until(p, &s, 4);
    resp_t *r = last_for(&s, ok);
    assert_false(r->has_error);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->final_url, url("/redir?n=0&id=r5"));
    assert_non_null(strstr(r->body, "<rss"));
    r = last_for(&s, many);
    assert_true(r->has_error);
    assert_non_null(strstr(r->error, "redirects"));
    r = last_for(&s, ftp);
    assert_true(r->has_error);
    assert_non_null(strstr(r->error, "redirect refused"));
    assert_false(r->has_body);
    r = last_for(&s, file);
    assert_true(r->has_error);
    assert_non_null(strstr(r->error, "redirect refused"));
    state_probe_t pr = state_of(p, ftp);
    assert_int_equal(pr.st.error_count, 1);
    assert_non_null(strstr(pr.last_error_text, "redirect refused"));
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void test_gzip(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *u = url("/gzip?id=gz");
    add(p, u, 60);
    run_until(p, &s, 1);
    resp_t *r = last_for(&s, u);
    assert_false(r->has_error); /* the server says 406 unless we accept gzip */
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "<title>Compressed padding"));
    assert_non_null(strstr(r->body, "Item 20"));
    /* bytes counts the wire, not the decoded body */
    state_probe_t pr = state_of(p, u);
    assert_true(pr.st.bytes > 0);
    assert_true(pr.st.bytes < r->len / 2);
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void test_timeout(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    o.timeout_ms = 400;
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *u = url("/slow?ms=3000&id=slow");
    add(p, u, 60);
    run_until(p, &s, 1);
    resp_t *r = last_for(&s, u);
    assert_true(r->has_error);
    assert_non_null(strstr(r->error, "imed out"));
    assert_int_equal(r->status, 0);
    assert_true(r->elapsed_ms < 2500);
    state_probe_t pr = state_of(p, u);
    assert_int_equal(pr.st.http_status, 0);
    assert_int_equal(pr.st.error_count, 1);
    assert_true(pr.st.last_error > 0);
    assert_int_equal(pr.st.last_success, 0);
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void test_backoff_then_recovery(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *u = url("/flaky?fail=3&status=500&id=flaky");
    const char *nf = url("/flaky?fail=1&status=404&id=flaky404");
    add(p, u, 10);
    add(p, nf, 10);
    run_until(p, &s, 2);
    at_poller_feed_info_t info;
    /* interval * 2^errors: 20 s, 40 s, 80 s */
    for (int i = 1; i <= 3; i++) {
        if (i > 1)
            poll_one(p, &s, u);
        resp_t *r = last_for(&s, u);
        assert_true(r->has_error);
        assert_int_equal(r->status, 500);
        assert_string_equal(r->error, "HTTP 500");
        assert_false(r->has_body);
        state_probe_t pr = state_of(p, u);
        assert_int_equal(pr.st.error_count, i);
        assert_int_equal(pr.st.http_status, 500);
        assert_string_equal(pr.last_error_text, "HTTP 500");
        assert_int_equal(at_poller_feed_info(p, u, &info), 0);
        assert_int_equal(info.last_delay_ms, 10000LL << i);
        assert_true(info.due_in_ms > (10000LL << i) - 5000);
    }
    /* 4xx other than 304 backs off too. */
    assert_int_equal(at_poller_feed_info(p, nf, &info), 0);
    assert_int_equal(info.last_delay_ms, 20000);
    assert_int_equal(state_of(p, nf).st.http_status, 404);

    resp_t *r = poll_one(p, &s, u);
    assert_false(r->has_error);
    assert_int_equal(r->status, 200);
    state_probe_t pr = state_of(p, u);
    assert_int_equal(pr.st.error_count, 0);
    assert_true(pr.st.last_success >= pr.st.last_error);
    assert_string_equal(pr.last_error_text, "HTTP 500"); /* kept for `feeds status` */
    assert_int_equal(at_poller_feed_info(p, u, &info), 0);
    assert_int_equal(info.last_delay_ms, 10000); /* reset */
    seen_clear(&s);
    at_poller_destroy(&p);

    /* The cap and the exponent limit. */
    o.max_backoff_seconds = 50;
    p = new_poller(&o, NULL, &s);
    const char *down = url("/flaky?fail=100&status=502&id=capped");
    add(p, down, 10);
    run_until(p, &s, 1);
    int64_t want[] = {20000, 40000, 50000, 50000};
    for (int i = 0; i < 4; i++) {
        if (i > 0)
            poll_one(p, &s, down);
        assert_int_equal(at_poller_feed_info(p, down, &info), 0);
        assert_int_equal(info.last_delay_ms, want[i]);
    }
    seen_clear(&s);
    at_poller_destroy(&p);

    o.max_backoff_seconds = 86400;
    o.backoff_max_exponent = 2;
    p = new_poller(&o, NULL, &s);
    down = url("/flaky?fail=100&status=500&id=expcap");
    add(p, down, 10);
    run_until(p, &s, 1);
    poll_one(p, &s, down);
    poll_one(p, &s, down);
    assert_int_equal(at_poller_feed_info(p, down, &info), 0);
    assert_int_equal(info.last_delay_ms, 40000); /* 10 * 2^min(3, 2) */
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void test_retry_after(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    o.max_backoff_seconds = 3600;
    at_poller_t *p = new_poller(&o, NULL, &s);
    struct {
        const char *path;
        int64_t lo, hi; /* expected delay, ms */
    } cases[] = {
        {"/retry?status=429&after=120&id=ra1", 120000, 120000},
        {"/retry?status=503&after=90&id=ra2", 90000, 90000},
        /* HTTP-date, 300 s ahead (the formatting truncates to seconds) */
        {"/retry?status=429&date=300&id=ra3", 297000, 301000},
        {"/retry?status=503&date=600&id=ra4", 597000, 601000},
        /* shorter than the backoff: the backoff wins */
        {"/retry?status=429&after=5&id=ra5", 20000, 20000},
        /* longer than the cap: capped */
        {"/retry?status=429&after=999999&id=ra6", 3600000, 3600000},
        /* only 429 and 503 are asked to wait */
        {"/retry?status=500&after=120&id=ra7", 20000, 20000},
        /* a date in the past: the backoff */
        {"/retry?status=503&date=-100&id=ra8", 20000, 20000},
    };
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++)
        add(p, url(cases[i].path), 10);
    run_until(p, &s, (int)n);
    for (size_t i = 0; i < n; i++) {
        const char *u = url(cases[i].path);
        at_poller_feed_info_t info;
        assert_int_equal(at_poller_feed_info(p, u, &info), 0);
        if (info.last_delay_ms < cases[i].lo || info.last_delay_ms > cases[i].hi)
            fail_msg("%s: delay %lld ms, want %lld..%lld", cases[i].path,
                     (long long)info.last_delay_ms, (long long)cases[i].lo, (long long)cases[i].hi);
        resp_t *r = last_for(&s, u);
        assert_true(r->has_error);
        assert_int_equal(state_of(p, u).st.error_count, 1);
    }
    assert_non_null(strstr(last_for(&s, url(cases[0].path))->error, "Retry-After 120 s"));
    seen_clear(&s);
    at_poller_destroy(&p);
}

/* Wait until the server has finished (or given up) streaming /big?id=ident. */
static long sent_by_server(const char *ident)
{
    char key[64];
    snprintf(key, sizeof key, "done.%s", ident);
    for (int i = 0; i < 100 && server_stat(key) < 1; i++)
        usleep(50 * 1000);
    assert_int_equal(server_stat(key), 1);
    snprintf(key, sizeof key, "sent.%s", ident);
    return server_stat(key);
}

static void test_size_limit(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    o.max_response_bytes = 1 << 20;
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *stream = url("/big?mb=100&cl=0&id=big-stream");
    const char *withlen = url("/big?mb=100&cl=1&id=big-cl");
    const char *bomb = url("/gzipbomb?mb=10&id=bomb");
    const char *fits = url("/big?mb=1&cl=0&id=big-fits"); /* exactly the limit */
    add(p, stream, 60);
    add(p, withlen, 60);
    add(p, bomb, 60);
    add(p, fits, 60);
    run_until(p, &s, 4);
    const char *over[] = {stream, withlen, bomb};
    for (int i = 0; i < 3; i++) {
        resp_t *r = last_for(&s, over[i]);
        assert_true(r->has_error);
        assert_string_equal(r->error, "response over 1048576 bytes");
        assert_false(r->has_body);
        assert_int_equal(r->status, 200);
        state_probe_t pr = state_of(p, over[i]);
        assert_int_equal(pr.st.error_count, 1);
        assert_string_equal(pr.last_error_text, "response over 1048576 bytes");
    }
    resp_t *r = last_for(&s, fits);
    assert_false(r->has_error);
    assert_int_equal(r->len, 1 << 20);
    /* Aborted at the limit: the server got through a few MB (socket
     * buffers) of its 100, not all of them. */
    long sent = sent_by_server("big-stream");
    assert_true(sent >= 1 << 20);
    assert_true(sent < 32L << 20);
    sent = sent_by_server("big-cl");
    assert_true(sent < 32L << 20);
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void test_feed_grows(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *u = url("/grow?id=grow");
    add(p, u, 60);
    run_until(p, &s, 1);
    char *first = strdup(last_for(&s, u)->body);
    assert_non_null(strstr(first, "Item 1"));
    assert_null(strstr(first, "Item 2"));
    resp_t *r = poll_one(p, &s, u);
    assert_false(r->has_error);
    assert_non_null(strstr(r->body, "<guid>http://example.org/1</guid>"));
    assert_non_null(strstr(r->body, "<guid>http://example.org/2</guid>"));
    assert_true(r->len > strlen(first));
    free(first);
    /* Dedup is the caller's; it reports what it found. */
    assert_int_equal(at_poller_record(p, u, 1, 0), 0);
    assert_int_equal(at_poller_record(p, u, 1, 1), 0);
    state_probe_t pr = state_of(p, u);
    assert_int_equal(pr.st.items_new, 2);
    assert_int_equal(pr.st.items_duplicate, 1);
    seen_clear(&s);
    at_poller_destroy(&p);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd); /* nobody listens there now */
    return ntohs(a.sin_port);
}

static void test_connection_refused(void **state)
{
    (void)state;
    seen_t s;
    at_poller_opts_t o = test_opts();
    at_poller_t *p = new_poller(&o, NULL, &s);
    char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/feed", free_port());
    add(p, u, 30);
    run_until(p, &s, 1);
    resp_t *r = last_for(&s, u);
    assert_true(r->has_error);
    assert_int_equal(r->status, 0);
    assert_true(strlen(r->error) > 0);
    state_probe_t pr = state_of(p, u);
    assert_int_equal(pr.st.error_count, 1);
    assert_int_equal(pr.st.http_status, 0);
    at_poller_feed_info_t info;
    assert_int_equal(at_poller_feed_info(p, u, &info), 0);
    assert_int_equal(info.last_delay_ms, 60000);
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void connection_cap(long per_host, long total, long want_max)
{
    seen_t s;
    at_poller_opts_t o = test_opts();
    o.max_host_connections = per_host;
    o.max_total_connections = total;
    at_poller_t *p = new_poller(&o, NULL, &s);
    server_get("/_reset");
    for (int i = 0; i < 6; i++) {
        char path[64];
        snprintf(path, sizeof path, "/hold?ms=250&id=hold-%ld-%ld-%d", per_host, total, i);
        add(p, url(path), 60);
    }
    run_until(p, &s, 6);
    for (int i = 0; i < 6; i++)
        assert_false(s.r[i].has_error);
    /* Never above the cap, and the cap is actually used (they overlap). */
    assert_int_equal(server_stat("max_inflight"), want_max);
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void test_connection_caps(void **state)
{
    (void)state;
    NEED_SERVER();
    connection_cap(2, 64, 2); /* per host */
    connection_cap(8, 3, 3);  /* in total */
}

static void test_ttl_rule(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    o.max_ttl_seconds = 3600;
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *u = url("/feed?id=ttl");
    add(p, u, 600);
    s.ttl_in_cb = 900; /* reported from inside the callback */
    run_until(p, &s, 1);
    s.ttl_in_cb = 0;
    at_poller_feed_info_t info;
    assert_int_equal(at_poller_feed_info(p, u, &info), 0);
    assert_int_equal(info.effective_interval_seconds, 900);
    assert_int_equal(info.last_delay_ms, 900000);
    assert_int_equal(state_of(p, u).st.items_new, 1);
    struct {
        int ttl, want;
    } cases[] = {
        {1800, 1800},   /* longer: wins */
        {60, 600},      /* shorter: never poll faster than configured */
        {100000, 3600}, /* longer than the cap: the cap */
        {0, 600},       /* none */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(at_poller_set_ttl(p, u, cases[i].ttl), 0);
        assert_int_equal(at_poller_feed_info(p, u, &info), 0);
        assert_int_equal(info.ttl_seconds, cases[i].ttl);
        assert_int_equal(info.effective_interval_seconds, cases[i].want);
        /* the pending poll moved with it */
        assert_int_equal(info.last_delay_ms, cases[i].want * 1000LL);
        assert_true(info.due_in_ms > cases[i].want * 1000LL - 5000);
        assert_true(state_of(p, u).st.next_poll > (int64_t)time(NULL) + cases[i].want - 5);
    }
    seen_clear(&s);
    at_poller_destroy(&p);
}

static void test_jitter(void **state)
{
    (void)state;
    NEED_SERVER();
    at_poller_opts_t o = test_opts();
    o.jitter_permille = 100;
    o.jitter_seed = 42;
    int64_t delays[2][4];
    for (int run = 0; run < 2; run++) {
        seen_t s;
        at_poller_t *p = new_poller(&o, NULL, &s);
        const char *u = url("/feed?id=jitter");
        add(p, u, 100);
        run_until(p, &s, 1);
        for (int i = 0; i < 4; i++) {
            if (i > 0)
                poll_one(p, &s, u);
            at_poller_feed_info_t info;
            assert_int_equal(at_poller_feed_info(p, u, &info), 0);
            /* only ever later, by at most 10 % */
            assert_true(info.last_delay_ms >= 100000);
            assert_true(info.last_delay_ms <= 110000);
            delays[run][i] = info.last_delay_ms;
        }
        seen_clear(&s);
        at_poller_destroy(&p);
    }
    /* same seed, same schedule; and it does vary */
    assert_memory_equal(delays[0], delays[1], sizeof delays[0]);
    assert_true(delays[0][0] != delays[0][1] || delays[0][1] != delays[0][2] ||
                delays[0][2] != delays[0][3]);
}

static void test_remove_and_state_order(void **state)
{
    (void)state;
    NEED_SERVER();
    seen_t s;
    at_poller_opts_t o = test_opts();
    at_poller_t *p = new_poller(&o, NULL, &s);
    const char *b = url("/feed?id=order-b");
    const char *a = url("/feed?id=order-a");
    const char *gone = url("/feed?id=order-gone");
    const char *slow = url("/slow?ms=2000&id=order-slow");
    add(p, b, 60);
    add(p, a, 60);
    add(p, gone, 60);
    s.remove_url = gone; /* removed from inside its own callback */
    run_until(p, &s, 3);
    at_poller_feed_info_t info;
    assert_int_equal(at_poller_feed_info(p, gone, &info), -1);

    /* A running transfer is aborted without a callback. */
    add(p, slow, 60);
    assert_int_equal(at_poller_step(p, 50), 0);
    assert_int_equal(at_poller_feed_info(p, slow, &info), 0);
    assert_true(info.in_flight);
    assert_int_equal(at_poller_timeout_ms(p), 0);
    assert_int_equal(at_poller_remove_feed(p, slow), 0);
    at_poller_stats_t st;
    at_poller_stats(p, &st);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(at_poller_step(p, 50), 0);
    assert_int_equal(s.n, 3);

    /* each_state is ordered by URL */
    state_probe_t pr = state_of(p, a);
    assert_int_equal(pr.n_seen, 2);
    assert_string_equal(pr.order[0], a);
    assert_string_equal(pr.order[1], b);
    seen_clear(&s);
    at_poller_destroy(&p);
}

static int count_feeds(void *arg, const at_feedstate_t *st)
{
    (void)st;
    (*(int *)arg)++;
    return 0;
}

static void test_restart_keeps_state(void **state)
{
    (void)state;
    NEED_SERVER();
    char dir[] = "/tmp/at_poller_test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/seen.db", dir);
    at_seen_t *store = at_seen_open(path, err, sizeof err);
    if (!store)
        fail_msg("at_seen_open: %s", err);
    seen_t s;
    at_poller_opts_t o = test_opts();
    at_poller_t *p = new_poller(&o, store, &s);
    const char *cond = url("/cond?mode=both&id=restart");
    const char *down = url("/flaky?fail=100&status=503&id=restart-down");
    const char *idle = url("/feed?id=restart-idle");
    add(p, cond, 60);
    add(p, down, 60);
    run_until(p, &s, 2);
    assert_int_equal(last_for(&s, cond)->status, 200);
    assert_int_equal(at_poller_record(p, cond, 3, 1), 0);
    poll_one(p, &s, down); /* two errors in a row */
    add(p, idle, 60);      /* known to the store before its first poll */
    at_poller_destroy(&p);
    seen_clear(&s);
    at_seen_close(&store);

    /* A new process: same store file. */
    store = at_seen_open(path, err, sizeof err);
    assert_non_null(store);
    p = new_poller(&o, store, &s);
    add(p, cond, 60);
    add(p, down, 60);
    state_probe_t pr = state_of(p, cond);
    assert_string_equal(pr.etag, "\"v1-restart\"");
    assert_string_equal(pr.last_modified, "Wed, 03 Jul 2024 10:15:00 GMT");
    assert_int_equal(pr.st.items_new, 3);
    assert_int_equal(pr.st.items_duplicate, 1);
    assert_true(pr.st.bytes > 0);
    assert_int_equal(pr.st.http_status, 200);
    assert_true(pr.st.last_success > 0);
    at_poller_feed_info_t info;
    /* A healthy feed is not polled again at start-up: it keeps its slot. */
    assert_int_equal(at_poller_feed_info(p, cond, &info), 0);
    assert_true(info.due_in_ms > 50000);
    /* The failing feed keeps its backoff (240 s after two errors) and count. */
    pr = state_of(p, down);
    assert_int_equal(pr.st.error_count, 2);
    assert_int_equal(pr.st.http_status, 503);
    assert_string_equal(pr.last_error_text, "HTTP 503");
    assert_int_equal(at_poller_feed_info(p, down, &info), 0);
    assert_true(info.due_in_ms > 200000);
    assert_int_equal(at_poller_step(p, 50), 0); /* nothing due */

    /* The stored validators still work: a 304. */
    resp_t *r = poll_one(p, &s, cond);
    assert_int_equal(r->status, 304);
    /* and the backoff continues from the stored count */
    poll_one(p, &s, down);
    assert_int_equal(at_poller_feed_info(p, down, &info), 0);
    assert_int_equal(info.last_delay_ms, 480000);
    at_poller_destroy(&p);
    seen_clear(&s);

    /* What `attache feeds status` reads: the store, with every feed. */
    int count = 0;
    assert_int_equal(at_seen_feed_each(store, count_feeds, &count), 0);
    assert_int_equal(count, 3);
    at_seen_close(&store);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    at_log_set_level(AT_LOG_ERROR); /* the expected failures warn */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts_and_api_errors),
        cmocka_unit_test(test_response_fields),
        cmocka_unit_test(test_conditional_get),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_backoff_then_recovery),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_feed_grows),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_connection_caps),
        cmocka_unit_test(test_ttl_rule),
        cmocka_unit_test(test_jitter),
        cmocka_unit_test(test_remove_and_state_order),
        cmocka_unit_test(test_restart_keeps_state),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
