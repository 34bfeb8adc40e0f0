/*
 * attache feed / attache feeds status: live feeds from the command line.
 *
 *   attache feed [--charset CS] FILE|URL...
 *       parse feed documents (files, or URLs fetched once with the daemon's
 *       poller) with the daemon's parser and print the normalized items as
 *       JSON lines (docs/json.md, "Item as output");
 *   attache feeds status --state PATH [--json]
 *       print each feed's polling state from attache-ingest's state file
 *       (readable while the daemon runs).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "at_feed.h"
#include "at_json.h"
#include "at_poller.h"
#include "at_seen.h"
#include "at_time.h"
#include "cli.h"

#define FEED_FILE_MAX (64u << 20)

static int print_result(const char *what, const at_feed_result_t *res)
{
    for (size_t i = 0; i < res->n_items; i++) {
        char *json = at_json_item_dump(res->items[i]);
        if (!json) {
            fprintf(stderr, "attache feed: %s: cannot render item %zu\n", what, i);
            return 1;
        }
        puts(json);
        free(json);
    }
    if (res->recovered_errors || res->items_skipped)
        fprintf(stderr,
                "attache feed: %s: %s, %zu items (%u errors recovered, %u entries skipped)\n", what,
                res->format, res->n_items, res->recovered_errors, res->items_skipped);
    return 0;
}

static int parse_bytes(const char *what, const char *data, size_t len, const char *charset,
                       const char *feed_url)
{
    at_feed_result_t res;
    char err[512];
    if (at_feed_parse(data, len, charset, feed_url, (int64_t)time(NULL), &res, err, sizeof err) <
        0) {
        fprintf(stderr, "attache feed: %s: %s\n", what, err);
        return 1;
    }
    int rc = print_result(what, &res);
    at_feed_result_clear(&res);
    return rc;
}

static int feed_file(const char *path, const char *charset)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "attache feed: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char *buf = malloc(FEED_FILE_MAX + 1);
    size_t len = buf ? fread(buf, 1, FEED_FILE_MAX + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad || len > FEED_FILE_MAX) {
        fprintf(stderr, "attache feed: %s: %s\n", path, bad ? "cannot read" : "larger than 64 MiB");
        free(buf);
        return 1;
    }
    char abs[PATH_MAX], url[PATH_MAX + 8];
    snprintf(url, sizeof url, "file://%s", realpath(path, abs) ? abs : path);
    int rc = parse_bytes(path, buf, len, charset, url);
    free(buf);
    return rc;
}

typedef struct {
    int done, rc;
} fetch_ctx_t;

static void on_response(void *arg, const at_feed_response_t *r)
{
    fetch_ctx_t *c = arg;
    c->done = 1;
    if (r->error) {
        fprintf(stderr, "attache feed: %s: %s\n", r->url, r->error);
        c->rc = 1;
        return;
    }
    c->rc = parse_bytes(r->url, r->body, r->len, r->charset, r->final_url ? r->final_url : r->url);
}

static int feed_url(const char *url)
{
    char err[512];
    fetch_ctx_t c = {0, 0};
    at_poller_t *p = at_poller_new(NULL, NULL, on_response, &c, err, sizeof err);
    if (!p || at_poller_add_feed(p, url, 3600, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "attache feed: %s: %s\n", url, err);
        at_poller_destroy(&p);
        return 1;
    }
    time_t deadline = time(NULL) + 120;
    while (!c.done && time(NULL) < deadline)
        if (at_poller_step(p, 200) < 0)
            break;
    at_poller_destroy(&p);
    if (!c.done) {
        fprintf(stderr, "attache feed: %s: no response\n", url);
        return 1;
    }
    return c.rc;
}

int cli_feed(int argc, char **argv)
{
    static const struct option opts[] = {{"charset", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *charset = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        if (c == 'c') {
            charset = optarg;
        } else if (c == 'h') {
            printf("Usage: attache feed [--charset CHARSET] FILE|URL...\n"
                   "Parse RSS/Atom/JSON Feed documents with attache-ingest's parser and print\n"
                   "the normalized items as JSON lines. URLs are fetched once over HTTP(S).\n");
            return 0;
        } else {
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "attache feed: give at least one FILE or URL (see --help)\n");
        return 2;
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "http://", 7) == 0 || strncmp(a, "https://", 8) == 0)
            rc |= feed_url(a);
        else
            rc |= feed_file(a, charset);
    }
    fflush(stdout);
    return rc;
}

static void fmt_time(int64_t t, char *buf, size_t len)
{
    if (t <= 0)
        snprintf(buf, len, "-");
    else
        at_time_format_rfc3339(t, buf, len);
}

static int print_state(void *arg, const at_feedstate_t *st)
{
    int json = *(int *)arg;
    char ok[32], bad[32], next[32];
    fmt_time(st->last_success, ok, sizeof ok);
    fmt_time(st->last_error, bad, sizeof bad);
    fmt_time(st->next_poll, next, sizeof next);
    if (json) {
        printf("{\"url\":\"%s\",\"http_status\":%d,\"last_success\":\"%s\",\"last_error\":\"%s\","
               "\"error_count\":%d,\"items_new\":%llu,\"items_duplicate\":%llu,\"bytes\":%llu,"
               "\"next_poll\":\"%s\"}\n",
               st->url, st->http_status, ok, bad, st->error_count,
               (unsigned long long)st->items_new, (unsigned long long)st->items_duplicate,
               (unsigned long long)st->bytes, next);
    } else {
        printf("%s\n  status %d, last success %s, last error %s%s%s%s, errors in a row %d\n"
               "  items new %llu, duplicate %llu, bytes %llu, next poll %s\n",
               st->url, st->http_status, ok, bad, st->last_error_text ? " (" : "",
               st->last_error_text ? st->last_error_text : "", st->last_error_text ? ")" : "",
               st->error_count, (unsigned long long)st->items_new,
               (unsigned long long)st->items_duplicate, (unsigned long long)st->bytes, next);
    }
    return 0;
}

int cli_feeds(int argc, char **argv)
{
    static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *state = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
        if (c == 's')
            state = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == 'h') {
            printf("Usage: attache feeds status --state PATH [--json]\n"
                   "Print each feed's polling state from attache-ingest's ingest.state file.\n");
            return 0;
        } else
            return 2;
    }
    if (optind >= argc || strcmp(argv[optind], "status") != 0 || !state) {
        fprintf(stderr, "attache feeds: usage: attache feeds status --state PATH [--json]\n");
        return 2;
    }
    char err[512];
    at_seen_t *s = at_seen_open_readonly(state, err, sizeof err);
    if (!s) {
        fprintf(stderr, "attache feeds: %s\n", err);
        return 1;
    }
    int rc = at_seen_feed_each(s, print_state, &json) < 0 ? 1 : 0;
    if (rc)
        fprintf(stderr, "attache feeds: %s\n", at_seen_errmsg(s));
    at_seen_close(&s);
    return rc;
}
