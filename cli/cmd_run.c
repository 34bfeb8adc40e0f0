/*
 * attache run: the whole pipeline as three real processes on loopback.
 *
 * It starts attache-sink, attache-enrich and attache-ingest (in that order,
 * each only once the previous one reported READY over the sd_notify
 * protocol, exactly as systemd would see it), feeds the input, follows the
 * sink's output until every accepted item has come out as an event, then
 * stops enrich and sink with SIGTERM (they drain, the sink fsyncs) and
 * checks the books: every item the input held that parses as a valid item
 * must appear exactly once in the output. Anything missing is listed and
 * the exit code is 1.
 *
 * The expected ids come from parsing the input with the same code ingest
 * uses, so items the ingest daemon rejects are expected to be missing,
 * and reported as rejected instead.
 *
 * --transport kafka runs the same three daemons over Kafka topics
 * (attache.items, attache.events) of a mock cluster started as a fourth
 * process (`attache kafka-mock`), so no outside broker is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "at_json.h"
#include "at_linereader.h"
#include "cli.h"

#define MAX_EVENT_LINE (64u << 20)
#define MAX_OUTPUTS    16

typedef struct {
    const char *name;
    pid_t pid;
    int status;
    bool exited;
} child_t;

typedef struct {
    char **ids; /* sorted, unique */
    unsigned char *seen;
    size_t n;
    size_t rejected, duplicates_in, events, unexpected, duplicates_out;
} books_t;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parse the input like ingest does and collect the ids we must see. */
static int load_expected(const char *path, books_t *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "attache run: %s: %s\n", path, strerror(errno));
        return -1;
    }
    at_linereader_t *r = at_linereader_new(fd, 1 << 20);
    size_t cap = 1024;
    b->ids = malloc(cap * sizeof *b->ids);
    for (;;) {
        const char *line;
        size_t len;
        at_lr_status_t st = at_linereader_next(r, &line, &len, 0);
        if (st == AT_LR_EOF || st == AT_LR_ERROR)
            break;
        if (st == AT_LR_AGAIN)
            continue;
        if (st == AT_LR_TOOLONG) {
            b->rejected++;
            continue;
        }
        if (strspn(line, " \t") >= len)
            continue;
        char err[256];
        Attache__V1__NewsItem *item = at_json_item_parse(line, len, 0, err, sizeof err);
        if (!item) {
            b->rejected++;
            continue;
        }
        if (b->n == cap) {
            cap *= 2;
            b->ids = realloc(b->ids, cap * sizeof *b->ids);
        }
        b->ids[b->n++] = strdup(item->id);
        at_json_item_free(&item);
    }
    at_linereader_destroy(&r);
    close(fd);
    qsort(b->ids, b->n, sizeof *b->ids, cmp_str);
    size_t w = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (w > 0 && strcmp(b->ids[w - 1], b->ids[i]) == 0) {
            free(b->ids[i]);
            b->duplicates_in++;
            continue;
        }
        b->ids[w++] = b->ids[i];
    }
    b->n = w;
    b->seen = calloc(w ? w : 1, 1);
    return 0;
}

static void books_free(books_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->ids[i]);
    free(b->ids);
    free(b->seen);
}

static size_t books_seen(const books_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        n += b->seen[i] != 0;
    return n;
}

static void account_line(books_t *b, const char *line, size_t len)
{
    b->events++;
    json_t *o = json_loadb(line, len, 0, NULL);
    const char *id = o ? json_string_value(json_object_get(o, "id")) : NULL;
    char **hit = id ? bsearch(&id, b->ids, b->n, sizeof *b->ids, cmp_str) : NULL;
    if (!hit)
        b->unexpected++;
    else if (b->seen[hit - b->ids]++)
        b->duplicates_out++;
    json_decref(o);
}

/* For sink.output = sqlite:PATH: mark the expected ids the database holds.
 * Returns how many were newly seen, or -1 if the database cannot be read
 * yet. Rows left by earlier runs are not this run's business. */
static long pump_sqlite(const char *path, books_t *b)
{
    sqlite3 *db = NULL;
    long fresh = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT id FROM events", -1, &st, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        char **hit = id ? bsearch(&id, b->ids, b->n, sizeof *b->ids, cmp_str) : NULL;
        if (hit && !b->seen[hit - b->ids]) {
            b->seen[hit - b->ids] = 1;
            b->events++;
            fresh++;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return fresh;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

static int spawn(child_t *c, const char *bin, char **argv, int stdout_fd, const char *notify)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setenv("NOTIFY_SOCKET", notify, 1);
        if (stdout_fd >= 0)
            dup2(stdout_fd, STDOUT_FILENO);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(bin, argv);
        execvp(c->name, argv); /* not beside us: try PATH */
        fprintf(stderr, "attache run: cannot start %s: %s\n", c->name, strerror(errno));
        _exit(127);
    }
    c->pid = pid;
    c->exited = false;
    return 0;
}

static bool reap(child_t *c, int flags)
{
    if (c->exited || c->pid <= 0)
        return true;
    pid_t r = waitpid(c->pid, &c->status, flags);
    if (r == c->pid)
        c->exited = true;
    return c->exited;
}

static int exit_code(const child_t *c)
{
    if (!c->exited)
        return -1;
    if (WIFEXITED(c->status))
        return WEXITSTATUS(c->status);
    return 128 + WTERMSIG(c->status);
}

/* Wait for READY=1 from the child on the notify socket. */
static int wait_ready(int nfd, child_t *c, int timeout_ms)
{
    char want[64];
    snprintf(want, sizeof want, "MAINPID=%d", (int)c->pid);
    int waited = 0;
    while (waited < timeout_ms) {
        struct pollfd p = {nfd, POLLIN, 0};
        int r = poll(&p, 1, 100);
        waited += 100;
        if (r > 0) {
            char buf[4096];
            ssize_t n = recv(nfd, buf, sizeof buf - 1, 0);
            if (n > 0) {
                buf[n] = '\0';
                if (strstr(buf, "READY=1") && strstr(buf, want))
                    return 0;
            }
        }
        if (reap(c, WNOHANG)) {
            fprintf(stderr, "attache run: %s exited (code %d) before it was ready\n", c->name,
                    exit_code(c));
            return -1;
        }
        if (cli_stop_requested())
            return -1;
    }
    fprintf(stderr, "attache run: %s not ready after %d ms\n", c->name, timeout_ms);
    return -1;
}

/* Read whatever output is there; returns lines read, -1 on error. */
static long pump_output(at_linereader_t *r, books_t *b, bool echo)
{
    long lines = 0;
    for (;;) {
        const char *line;
        size_t len;
        at_lr_status_t st = at_linereader_next(r, &line, &len, 1);
        if (st == AT_LR_LINE) {
            account_line(b, line, len);
            if (echo) {
                fwrite(line, 1, len, stdout);
                fputc('\n', stdout);
            }
            lines++;
        } else if (st == AT_LR_TOOLONG) {
            b->events++;
            b->unexpected++;
        } else if (st == AT_LR_ERROR) {
            return -1;
        } else {
            return lines; /* EOF or AGAIN: nothing more now */
        }
    }
}

/* Start `attache kafka-mock` (beside us) and read its bootstrap servers.
 * Its stdin stays open (a pipe we hold) so it keeps running until we stop
 * it with SIGTERM. Returns 0, or -1 (reported). */
static int start_kafka_mock(child_t *c, char *boot, size_t bootlen, int *ctl_fd)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
        perror("attache run: pipe");
        return -1;
    }
    char self[4200];
    snprintf(self, sizeof self, "%s/attache", cli_self_dir());
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execl(self, "attache", "kafka-mock", "--partitions", "4", (char *)NULL);
        execlp("attache", "attache", "kafka-mock", "--partitions", "4", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->pid = pid;
    c->exited = false;
    *ctl_fd = in[1];
    size_t n = 0;
    while (n + 1 < bootlen) {
        ssize_t r = read(out[0], boot + n, 1);
        if (r <= 0 || boot[n] == '\n')
            break;
        n++;
    }
    boot[n] = '\0';
    close(out[0]);
    if (n == 0) {
        fprintf(stderr, "attache run: attache kafka-mock did not start\n");
        return -1;
    }
    fprintf(stderr, "attache run: Kafka mock cluster at %s\n", boot);
    return 0;
}

/* Can the books follow this output spec: it takes every event and can
 * be read back (stdout, a JSON-lines file, SQLite)? */
static bool trackable(const char *spec)
{
    if (spec[0] == '[')
        return false; /* options may filter */
    if (strcmp(spec, "-") == 0 || strncmp(spec, "jsonl:", 6) == 0 ||
        strncmp(spec, "sqlite:", 7) == 0)
        return true;
    /* A bare path, not another scheme. */
    size_t n = strspn(spec, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
    return !(n > 0 && spec[n] == ':');
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: attache run [--transport zmq|kafka] [--input PATH|-] [--output SPEC]...\n"
            "                   [--data-dir DIR] [--publish ENDPOINT] [--timeout SECONDS]\n"
            "                   [--log-level LEVEL] [--metrics]\n"
            "Run attache-ingest -> attache-enrich -> attache-sink as three processes on\n"
            "loopback, feed the input (default: the bundled sample), wait until every item\n"
            "has come out of the sink, stop the daemons cleanly, and check nothing was lost.\n"
            "--output takes any sink spec (docs/sinks.md) and may be repeated: -, PATH,\n"
            "jsonl:PATH, sqlite:PATH, zmq+tcp://*:PORT, webhook:URL, with [options] in front.\n"
            "--transport kafka carries the items over Kafka topics of a mock cluster\n"
            "(attache kafka-mock, started as a fourth process) instead of ZeroMQ.\n"
            "--metrics serves /metrics, /healthz and /readyz of each daemon on a free\n"
            "loopback port while it runs (the URLs are printed on stderr).\n"
            "Exit 0 when every valid input item came out exactly once.\n");
}

int cli_run(int argc, char **argv)
{
    static const struct option opts[] = {{"transport", required_argument, NULL, 't'},
                                         {"input", required_argument, NULL, 'i'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"data-dir", required_argument, NULL, 'd'},
                                         {"publish", required_argument, NULL, 'p'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"log-level", required_argument, NULL, 'l'},
                                         {"metrics", no_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *input = NULL, *output = "-", *data_dir = NULL, *publish = NULL;
    const char *outputs[MAX_OUTPUTS];
    int noutputs = 0;
    const char *log_level = "warn";
    long timeout_s = 30;
    bool kafka = false;
    bool metrics = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:i:o:d:p:T:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (strcmp(optarg, "zmq") != 0 && strcmp(optarg, "kafka") != 0) {
                fprintf(stderr, "attache run: unknown transport '%s' (available: zmq, kafka)\n",
                        optarg);
                return 2;
            }
            kafka = strcmp(optarg, "kafka") == 0;
            break;
        case 'i':
            input = optarg;
            break;
        case 'o':
            if (noutputs == MAX_OUTPUTS) {
                fprintf(stderr, "attache run: at most %d --output\n", MAX_OUTPUTS);
                return 2;
            }
            outputs[noutputs++] = optarg;
            break;
        case 'd':
            data_dir = optarg;
            break;
        case 'p':
            publish = optarg;
            break;
        case 'T':
            if (cli_parse_long("run", "--timeout", optarg, 1, &timeout_s) != 0)
                return 2;
            break;
        case 'l':
            log_level = optarg;
            break;
        case 'm':
            metrics = true;
            break;
        default: /* -h, or an unknown option */
            return cli_usage_exit(c, usage);
        }
    }
    if (noutputs == 0)
        outputs[noutputs++] = "-";
    output = outputs[0];
    data_dir = cli_data_dir(data_dir);
    char sample[4096];
    if (!input) {
        snprintf(sample, sizeof sample, "%s/samples/news.jsonl", data_dir);
        input = sample;
        fprintf(stderr, "attache run: no --input, running the bundled sample %s\n", input);
    }

    char tmpdir[] = "/tmp/attache-run.XXXXXX";
    if (!mkdtemp(tmpdir)) {
        perror("attache run: mkdtemp");
        return 1;
    }
    /* mkdtemp's name is short, so the socket path fits sun_path (108). */
    char stdin_copy[4200], notify_path[100];
    char books_path[200] = "", books_spec[260] = "";
    snprintf(notify_path, sizeof notify_path, "%s/notify", tmpdir);
    stdin_copy[0] = '\0';
    if (strcmp(input, "-") == 0) {
        /* The input is read twice (for the books, then by ingest). */
        snprintf(stdin_copy, sizeof stdin_copy, "%s/stdin.jsonl", tmpdir);
        FILE *f = fopen(stdin_copy, "w");
        char buf[65536];
        size_t n;
        while (f && (n = fread(buf, 1, sizeof buf, stdin)) > 0)
            fwrite(buf, 1, n, f);
        if (!f || fclose(f) != 0) {
            perror("attache run: copying stdin");
            return 1;
        }
        input = stdin_copy;
    }

    books_t books = {0};
    int rc = 1;
    int nfd = -1, out_fd = -1, pipe_fds[2] = {-1, -1};
    at_linereader_t *reader = NULL;
    child_t sink = {"attache-sink", 0, 0, false}, enrich = {"attache-enrich", 0, 0, false},
            ingest = {"attache-ingest", 0, 0, false}, mock = {"attache kafka-mock", 0, 0, false};
    int mock_ctl = -1;
    char boot[1024] = "";
    if (load_expected(input, &books) < 0)
        goto out;

    nfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, notify_path, strlen(notify_path) + 1);
    if (nfd < 0 || bind(nfd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("attache run: notify socket");
        goto out;
    }

    /* The books follow the first output when it takes every event and can
     * be read back (stdout, a JSON-lines file, SQLite); otherwise a private
     * JSON-lines file the sink writes as one more output. */
    if (!trackable(output)) {
        snprintf(books_path, sizeof books_path, "%s/books.jsonl", tmpdir);
        snprintf(books_spec, sizeof books_spec, "sink.outputs.run_books=[fsync=never]jsonl:%s",
                 books_path);
        output = books_path;
    } else if (strncmp(output, "jsonl:", 6) == 0) {
        output += 6;
    }
    bool echo = strcmp(output, "-") == 0;
    const char *sqlite_path = strncmp(output, "sqlite:", 7) == 0 ? output + 7 : NULL;
    if (echo) {
        if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
            perror("attache run: pipe");
            goto out;
        }
        out_fd = pipe_fds[0];
        fcntl(out_fd, F_SETFL, O_NONBLOCK);
    }

    /* The kernel may hand back the port just released: ask again. */
    int p1 = free_port(), p2 = free_port();
    for (int tries = 0; tries < 20 && p1 >= 0 && p2 == p1; tries++)
        p2 = free_port();
    if (p1 < 0 || p2 < 0 || p1 == p2) {
        fprintf(stderr, "attache run: no free loopback ports\n");
        goto out;
    }
    /* --metrics: one more free loopback port per daemon (sink, enrich,
     * ingest), distinct from the data ports. */
    int mport[3] = {0, 0, 0};
    char mset[3][64] = {"metrics.listen=", "metrics.listen=", "metrics.listen="};
    for (int i = 0; metrics && i < 3; i++) {
        for (int tries = 0; tries < 20; tries++) {
            mport[i] = free_port();
            bool clash = mport[i] < 0 || mport[i] == p1 || mport[i] == p2;
            for (int j = 0; j < i; j++)
                clash = clash || mport[i] == mport[j];
            if (!clash)
                break;
            mport[i] = -1;
        }
        if (mport[i] < 0) {
            fprintf(stderr, "attache run: no free loopback ports for --metrics\n");
            goto out;
        }
        snprintf(mset[i], sizeof mset[i], "metrics.listen=127.0.0.1:%d", mport[i]);
        fprintf(stderr, "attache run: %s metrics on http://127.0.0.1:%d/metrics\n",
                i == 0   ? "attache-sink"
                : i == 1 ? "attache-enrich"
                         : "attache-ingest",
                mport[i]);
    }
    cli_catch_stop_signals();

    const char *dir = cli_self_dir();
    char bin[3][4200], a[8][4200];
    snprintf(bin[0], sizeof bin[0], "%s/attache-sink", dir);
    snprintf(bin[1], sizeof bin[1], "%s/attache-enrich", dir);
    snprintf(bin[2], sizeof bin[2], "%s/attache-ingest", dir);
    snprintf(a[0], sizeof a[0], "log.level=%s", log_level);
    if (kafka && start_kafka_mock(&mock, boot, sizeof boot, &mock_ctl) < 0)
        goto stop;
    if (kafka)
        snprintf(a[1], sizeof a[1], "sink.input=kafka://%s/attache.events?group=attache-sink",
                 boot);
    else
        snprintf(a[1], sizeof a[1], "sink.input=zmq+tcp://127.0.0.1:%d?bind=1", p2);
    snprintf(a[2], sizeof a[2], "sink.output=%s", outputs[0]);
    snprintf(a[3], sizeof a[3], "sink.publish=%s", publish ? publish : "");
    char *sink_argv[8 + 2 * MAX_OUTPUTS + 6] = {"attache-sink", "-s", a[0], "-s", a[1],
                                                "-s",           a[2], "-s", a[3]};
    char more[MAX_OUTPUTS][4300];
    int sa_n = 9;
    for (int i = 1; i < noutputs; i++) {
        snprintf(more[i], sizeof more[i], "sink.outputs.o%d=%s", i + 1, outputs[i]);
        sink_argv[sa_n++] = "-s";
        sink_argv[sa_n++] = more[i];
    }
    if (books_spec[0]) {
        sink_argv[sa_n++] = "-s";
        sink_argv[sa_n++] = books_spec;
    }
    sink_argv[sa_n++] = "-s";
    sink_argv[sa_n++] = mset[0];
    sink_argv[sa_n] = NULL;

    off_t start_size = 0;
    if (!echo && !sqlite_path) {
        struct stat st;
        if (stat(output, &st) == 0)
            start_size = st.st_size;
    }
    if (spawn(&sink, bin[0], sink_argv, echo ? pipe_fds[1] : -1, notify_path) < 0 ||
        wait_ready(nfd, &sink, 10000) < 0)
        goto stop;
    if (echo) {
        close(pipe_fds[1]);
        pipe_fds[1] = -1;
    } else if (sqlite_path) {
        /* Counted by querying the database (pump_sqlite). */
    } else {
        out_fd = open(output, O_RDONLY | O_CLOEXEC);
        if (out_fd < 0 || lseek(out_fd, start_size, SEEK_SET) < 0) {
            fprintf(stderr, "attache run: cannot follow %s: %s\n", output, strerror(errno));
            goto stop;
        }
    }
    if (!sqlite_path)
        reader = at_linereader_new(out_fd, MAX_EVENT_LINE);

    if (kafka) {
        snprintf(a[4], sizeof a[4], "enrich.input=kafka://%s/attache.items?group=attache-enrich",
                 boot);
        snprintf(a[5], sizeof a[5], "enrich.output=kafka://%s/attache.events", boot);
    } else {
        snprintf(a[4], sizeof a[4], "enrich.input=zmq+tcp://127.0.0.1:%d?bind=1", p1);
        snprintf(a[5], sizeof a[5], "enrich.output=zmq+tcp://127.0.0.1:%d", p2);
    }
    snprintf(a[6], sizeof a[6], "enrich.data_dir=%s", data_dir);
    char *enrich_argv[] = {"attache-enrich", "-s", a[0], "-s", a[4], "-s", a[5], "-s", a[6], "-s",
                           mset[1],          NULL};
    if (spawn(&enrich, bin[1], enrich_argv, -1, notify_path) < 0 ||
        wait_ready(nfd, &enrich, 30000) < 0)
        goto stop;

    char in_pair[4300];
    snprintf(in_pair, sizeof in_pair, "ingest.input=%s", input);
    if (kafka)
        snprintf(a[7], sizeof a[7], "ingest.output=kafka://%s/attache.items", boot);
    else
        snprintf(a[7], sizeof a[7], "ingest.output=zmq+tcp://127.0.0.1:%d", p1);
    char *ingest_argv[] = {"attache-ingest", "-s", a[0], "-s", in_pair, "-s", a[7], "-s",
                           mset[2],          NULL};
    if (spawn(&ingest, bin[2], ingest_argv, -1, notify_path) < 0)
        goto stop;

    /* Follow the output until every expected id is in, or it stalls. */
    time_t last_progress = time(NULL);
    while (!cli_stop_requested()) {
        long got =
            sqlite_path ? pump_sqlite(sqlite_path, &books) : pump_output(reader, &books, echo);
        if (got > 0)
            last_progress = time(NULL);
        reap(&ingest, WNOHANG);
        if (ingest.exited && books_seen(&books) == books.n)
            break;
        if (reap(&enrich, WNOHANG) || reap(&sink, WNOHANG)) {
            fprintf(stderr, "attache run: %s exited early\n",
                    enrich.exited ? enrich.name : sink.name);
            break;
        }
        if (ingest.exited && time(NULL) - last_progress > timeout_s) {
            fprintf(stderr, "attache run: no new events for %ld s; stopping\n", timeout_s);
            break;
        }
        /* Drain notify messages so the socket buffer never fills. */
        char nb[512];
        while (recv(nfd, nb, sizeof nb, MSG_DONTWAIT) > 0)
            ;
        poll(NULL, 0, echo ? 5 : sqlite_path ? 200 : 20);
    }

stop:
    /* Stop in pipeline order, each draining into the next. */
    ;
    child_t *order[] = {&ingest, &enrich, &sink};
    for (int i = 0; i < 3; i++) {
        child_t *ch = order[i];
        if (ch->pid <= 0 || ch->exited)
            continue;
        kill(ch->pid, SIGTERM);
        while (!reap(ch, WNOHANG)) {
            if (reader)
                pump_output(reader, &books, echo);
            poll(NULL, 0, 10);
        }
    }
    if (reader)
        pump_output(reader, &books, echo);
    if (sqlite_path)
        pump_sqlite(sqlite_path, &books);
    fflush(stdout);
    if (mock.pid > 0) {
        /* Last: the daemons committed their offsets to it as they stopped. */
        kill(mock.pid, SIGTERM);
        reap(&mock, 0);
    }
    if (mock_ctl >= 0)
        close(mock_ctl);

    size_t seen = books_seen(&books);
    fprintf(stderr,
            "attache run: %zu items in (%zu rejected, %zu duplicate ids), %zu events out, "
            "%zu of %zu items accounted for\n",
            books.n + books.rejected + books.duplicates_in, books.rejected, books.duplicates_in,
            books.events, seen, books.n);
    int codes[3] = {exit_code(&ingest), exit_code(&enrich), exit_code(&sink)};
    const char *names[3] = {ingest.name, enrich.name, sink.name};
    bool daemons_ok = true;
    for (int i = 0; i < 3; i++) {
        if (codes[i] != 0) {
            fprintf(stderr, "attache run: %s exited with code %d\n", names[i], codes[i]);
            daemons_ok = false;
        }
    }
    if (seen < books.n) {
        fprintf(stderr, "attache run: LOST %zu items; missing ids:", books.n - seen);
        size_t shown = 0;
        for (size_t i = 0; i < books.n && shown < 20; i++)
            if (!books.seen[i]) {
                fprintf(stderr, " %s", books.ids[i]);
                shown++;
            }
        fprintf(stderr, "%s\n", books.n - seen > shown ? " ..." : "");
    }
    if (books.duplicates_out || books.unexpected)
        fprintf(stderr, "attache run: %zu duplicate and %zu unexpected events in the output\n",
                books.duplicates_out, books.unexpected);
    rc = seen == books.n && daemons_ok && !books.duplicates_out ? 0 : 1;

out:
    at_linereader_destroy(&reader);
    if (out_fd >= 0)
        close(out_fd);
    if (pipe_fds[1] >= 0)
        close(pipe_fds[1]);
    if (nfd >= 0)
        close(nfd);
    unlink(notify_path);
    if (stdin_copy[0])
        unlink(stdin_copy);
    if (books_path[0])
        unlink(books_path);
    rmdir(tmpdir);
    books_free(&books);
    return rc;
}
