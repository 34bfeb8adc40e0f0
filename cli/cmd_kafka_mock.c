/*
 * attache kafka-mock: librdkafka's mock Kafka cluster as a process of its
 * own, for tests, `attache run --transport kafka` and newcomers.
 *
 * rd_kafka_mock_cluster_new() starts real Kafka-protocol brokers on
 * loopback inside this process. We create the topics with their partition
 * counts, print the bootstrap servers as the first line on stdout, and
 * then take control commands, one per line on stdin (each answered with
 * one "ok ..." or "error ..." line on stdout):
 *
 *   down [ID]                      take broker ID (default: all) down
 *   up [ID]                        bring it back
 *   errors API COUNT ERROR [...]   the next COUNT requests of API (a name
 *                                  such as Produce, Fetch, OffsetCommit, or
 *                                  a number) fail with ERROR (a Kafka error
 *                                  name such as NOT_LEADER_FOR_PARTITION,
 *                                  or a number); several ERRORs cycle
 *   topic NAME PARTITIONS          create another topic
 *
 * SIGUSR1 takes every broker down, SIGUSR2 brings them up; SIGTERM/SIGINT
 * stop the cluster. The log lives in memory: killing this process loses
 * every topic, which is why outages are simulated with down/up instead.
 */
#include <errno.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t g_down, g_up;

/* SIGUSR1 / SIGUSR2: all brokers down / up (SIGTERM and SIGINT stop, see
 * cli_catch_stop_signals). */
static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        g_down = 1;
    else
        g_up = 1;
}

/* Kafka protocol API keys by name (the ones worth failing in tests). */
static int api_key(const char *s)
{
    static const struct {
        const char *name;
        int key;
    } apis[] = {{"Produce", 0},          {"Fetch", 1},
                {"ListOffsets", 2},      {"Metadata", 3},
                {"OffsetCommit", 8},     {"OffsetFetch", 9},
                {"FindCoordinator", 10}, {"JoinGroup", 11},
                {"Heartbeat", 12},       {"LeaveGroup", 13},
                {"SyncGroup", 14},       {"ApiVersions", 18},
                {"InitProducerId", 22},  {"AddPartitionsToTxn", 24}};
    for (size_t i = 0; i < sizeof apis / sizeof *apis; i++)
        if (strcasecmp(s, apis[i].name) == 0)
            return apis[i].key;
    char *end;
    long n = strtol(s, &end, 10);
    return *s && !*end && n >= 0 && n < 100 ? (int)n : -1;
}

/* A Kafka error code by name ("NOT_LEADER_FOR_PARTITION") or number. */
static int error_code(const char *s, rd_kafka_resp_err_t *out)
{
    const struct rd_kafka_err_desc *d;
    size_t n;
    rd_kafka_get_err_descs(&d, &n);
    for (size_t i = 0; i < n; i++) {
        if (d[i].name && strcasecmp(d[i].name, s) == 0) {
            *out = d[i].code;
            return 0;
        }
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (*s && !*end) {
        *out = (rd_kafka_resp_err_t)v;
        return 0;
    }
    return -1;
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec, int def_parts)
{
    char name[256];
    int parts = def_parts;
    const char *colon = strrchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len == 0 || len >= sizeof name)
        return -1;
    memcpy(name, spec, len);
    name[len] = '\0';
    if (colon)
        parts = atoi(colon + 1);
    if (parts < 1 || parts > 1000)
        return -1;
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, parts, 1);
    if (err) {
        fprintf(stderr, "attache kafka-mock: topic %s: %s\n", name, rd_kafka_err2str(err));
        return -1;
    }
    fprintf(stderr, "attache kafka-mock: topic %s with %d partitions\n", name, parts);
    return 0;
}

static void command(rd_kafka_mock_cluster_t *mc, char *line)
{
    char *argv[40];
    int argc = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r\n", &save); t && argc < 40;
         t = strtok_r(NULL, " \t\r\n", &save))
        argv[argc++] = t;
    if (argc == 0)
        return;
    if (strcmp(argv[0], "down") == 0 || strcmp(argv[0], "up") == 0) {
        int id = argc > 1 ? atoi(argv[1]) : -1;
        rd_kafka_resp_err_t err = argv[0][0] == 'd' ? rd_kafka_mock_broker_set_down(mc, id)
                                                    : rd_kafka_mock_broker_set_up(mc, id);
        if (err)
            printf("error %s: %s\n", argv[0], rd_kafka_err2str(err));
        else
            printf("ok %s %s\n", argv[0], argc > 1 ? argv[1] : "all");
    } else if (strcmp(argv[0], "errors") == 0 && argc >= 4) {
        int api = api_key(argv[1]);
        long cnt = strtol(argv[2], NULL, 10);
        int nerr = argc - 3;
        rd_kafka_resp_err_t *errs =
            cnt > 0 && cnt <= 100000 ? calloc((size_t)cnt, sizeof *errs) : NULL;
        int ok = api >= 0 && errs != NULL;
        for (long i = 0; ok && i < cnt; i++)
            ok = error_code(argv[3 + i % nerr], &errs[i]) == 0;
        if (ok) {
            rd_kafka_mock_push_request_errors_array(mc, (int16_t)api, (size_t)cnt, errs);
            printf("ok errors %s x%ld\n", argv[1], cnt);
        } else {
            printf("error: usage: errors API COUNT ERROR [ERROR...]\n");
        }
        free(errs);
    } else if (strcmp(argv[0], "topic") == 0 && argc == 3) {
        char spec[300];
        snprintf(spec, sizeof spec, "%s:%s", argv[1], argv[2]);
        if (create_topic(mc, spec, 1) == 0)
            printf("ok topic %s\n", argv[1]);
        else
            printf("error topic %s\n", argv[1]);
    } else {
        printf("error: unknown command '%s' (down, up, errors, topic)\n", argv[0]);
    }
    fflush(stdout);
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "Usage: attache kafka-mock [--brokers N] [--partitions N] [--topic NAME[:PARTITIONS]]...\n"
        "Start librdkafka's mock Kafka cluster on loopback and print its bootstrap servers.\n"
        "Without --topic it creates attache.items and attache.events.\n"
        "Control on stdin: down [ID] | up [ID] | errors API COUNT ERROR... | topic NAME N.\n"
        "SIGUSR1: all brokers down; SIGUSR2: all up; SIGTERM/SIGINT: stop.\n");
}

int cli_kafka_mock(int argc, char **argv)
{
    static const struct option opts[] = {{"brokers", required_argument, NULL, 'b'},
                                         {"partitions", required_argument, NULL, 'p'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int brokers = 3, parts = 16, c;
    const char *topics[64];
    int ntopics = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:p:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            brokers = atoi(optarg);
            break;
        case 'p':
            parts = atoi(optarg);
            break;
        case 't':
            if (ntopics < 64)
                topics[ntopics++] = optarg;
            break;
        default: /* -h, or an unknown option */
            return cli_usage_exit(c, usage);
        }
    }
    if (brokers < 1 || brokers > 16 || parts < 1 || parts > 1000) {
        fprintf(stderr, "attache kafka-mock: --brokers 1..16 and --partitions 1..1000\n");
        return 2;
    }
    if (ntopics == 0) {
        topics[ntopics++] = "attache.items";
        topics[ntopics++] = "attache.events";
    }
    char why[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "client.id", "attache-kafka-mock", why, sizeof why);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!rk) {
        fprintf(stderr, "attache kafka-mock: %s\n", why);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "attache kafka-mock: cannot start the mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    for (int i = 0; i < ntopics; i++) {
        if (create_topic(mc, topics[i], parts) < 0) {
            fprintf(stderr, "attache kafka-mock: bad topic '%s' (NAME[:1..1000])\n", topics[i]);
            rd_kafka_mock_cluster_destroy(mc);
            rd_kafka_destroy(rk);
            return 2;
        }
    }
    cli_catch_stop_signals();
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    fprintf(stderr, "attache kafka-mock: %d brokers at %s\n", brokers,
            rd_kafka_mock_cluster_bootstraps(mc));

    char line[4096];
    size_t have = 0;
    int stdin_open = 1;
    while (!cli_stop_requested()) {
        if (g_down) {
            g_down = 0;
            rd_kafka_mock_broker_set_down(mc, -1);
            fprintf(stderr, "attache kafka-mock: SIGUSR1: all brokers down\n");
        }
        if (g_up) {
            g_up = 0;
            rd_kafka_mock_broker_set_up(mc, -1);
            fprintf(stderr, "attache kafka-mock: SIGUSR2: all brokers up\n");
        }
        struct pollfd p = {STDIN_FILENO, POLLIN, 0};
        if (!stdin_open || poll(&p, 1, 200) <= 0) {
            if (!stdin_open)
                poll(NULL, 0, 200);
            continue;
        }
        ssize_t n = read(STDIN_FILENO, line + have, sizeof line - 1 - have);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            stdin_open = 0; /* keep serving until a signal */
            continue;
        }
        have += (size_t)n;
        line[have] = '\0';
        char *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = '\0';
            command(mc, line);
            size_t used = (size_t)(nl + 1 - line);
            memmove(line, nl + 1, have - used + 1);
            have -= used;
        }
        if (have == sizeof line - 1)
            have = 0; /* an over-long line: drop it */
    }
    fprintf(stderr, "attache kafka-mock: stopping\n");
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
