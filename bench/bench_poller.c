/*
 * bench_poller: one at_poller polling N feeds (default 1,000) served by the
 * test feed server (ingest/feed/tests/feed_server.py) on loopback, for a
 * fixed time; prints polls per second, the poller's CPU time per poll and
 * its peak RSS. Results and method: docs/feeds-polling.md.
 *
 *   bench_poller [--feeds N] [--seconds S] [--interval S] [--kb K]
 *                [--mode full|304] [--max-total N] [--server PATH]
 *
 * --mode full serves a ~K KiB document on every poll; --mode 304 gives the
 * feeds an ETag so every poll after the first is a conditional 304, the
 * steady state of a real deployment. All feeds live on one host, so the
 * per-host cap is lifted to --max-total (a stand-in for many hosts).
 * The Python server is the slower party on a small machine: the figures
 * to watch are the poller's CPU per poll and its memory.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"
#include "at_log.h"
#include "at_poller.h"

typedef struct {
    unsigned long ok, not_modified, failed;
    unsigned long long body_bytes;
} tally_t;

static void on_response(void *arg, const at_feed_response_t *r)
{
    tally_t *t = arg;
    if (r->error)
        t->failed++;
    else if (r->not_modified)
        t->not_modified++;
    else {
        t->ok++;
        t->body_bytes += r->len;
    }
}

/* VmRSS or VmHWM of this process, in KiB. */
static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0)
            v = atol(line + n + 1);
    if (f)
        fclose(f);
    return v;
}

static int start_server(const char *script, pid_t *pid_out, int *stdin_out)
{
    int out[2], in[2];
    if (pipe(out) != 0 || pipe(in) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl("/usr/bin/python3", "python3", script, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    char line[32] = {0};
    struct pollfd pfd = {.fd = out[0], .events = POLLIN};
    if (poll(&pfd, 1, 10000) > 0 && read(out[0], line, sizeof line - 1) > 0) {
        close(out[0]);
        *pid_out = pid;
        *stdin_out = in[1];
        return atoi(line);
    }
    close(out[0]);
    return -1;
}

int main(int argc, char **argv)
{
    int feeds = 1000, seconds = 10, interval = 1, kb = 32, max_total = 64;
    const char *mode = "full", *script = "ingest/feed/tests/feed_server.py";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--feeds"))
            feeds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds"))
            seconds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--interval"))
            interval = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--kb"))
            kb = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--mode"))
            mode = argv[i + 1];
        else if (!strcmp(argv[i], "--max-total"))
            max_total = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--server"))
            script = argv[i + 1];
        else {
            fprintf(stderr, "bench_poller: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    at_log_set_level(AT_LOG_ERROR);
    pid_t server;
    int server_stdin;
    int port = start_server(script, &server, &server_stdin);
    if (port <= 0) {
        fprintf(stderr, "bench_poller: cannot start %s\n", script);
        return 1;
    }

    tally_t t = {0};
    at_poller_opts_t o;
    at_poller_opts_init(&o);
    o.max_total_connections = max_total;
    o.max_host_connections = max_total;
    o.jitter_seed = 1;
    char err[256];
    at_poller_t *p = at_poller_new(&o, NULL, on_response, &t, err, sizeof err);
    if (!p) {
        fprintf(stderr, "bench_poller: %s\n", err);
        return 1;
    }
    long rss_before = status_kb("VmRSS:");
    for (int i = 0; i < feeds; i++) {
        char url[256];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/sized?kb=%d&etag=%d&id=bench-%d", port, kb,
                 strcmp(mode, "304") == 0, i);
        if (at_poller_add_feed(p, url, interval, NULL, err, sizeof err) != 0) {
            fprintf(stderr, "bench_poller: %s\n", err);
            return 1;
        }
    }
    double t0 = bench_wall_s(), c0 = bench_process_cpu_s();
    while (bench_wall_s() - t0 < seconds)
        if (at_poller_step(p, 100) < 0)
            break;
    double wall = bench_wall_s() - t0, cpu = bench_process_cpu_s() - c0;
    unsigned long polls = t.ok + t.not_modified + t.failed;
    at_poller_stats_t st;
    at_poller_stats(p, &st);
    printf(
        "| feeds | mode | seconds | polls | polls/s | 200 | 304 | failed | CPU s | CPU ms/poll | "
        "RSS KiB before | RSS KiB peak |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    printf("| %d | %s (%d KiB) | %.1f | %lu | %.0f | %lu | %lu | %lu | %.2f | %.3f | %ld | %ld |\n",
           feeds, mode, kb, wall, polls, polls / wall, t.ok, t.not_modified, t.failed, cpu,
           polls ? cpu * 1000 / polls : 0.0, rss_before, status_kb("VmHWM:"));
    at_poller_destroy(&p);
    close(server_stdin);
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    return 0;
}
