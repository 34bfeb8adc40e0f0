/*
 * attache tail: watch the stream. Subscribes to an attache-sink PUB output
 * (a zmq+tcp:// or zmq+ipc:// output spec, topics on; docs/sinks.md) and
 * prints the matching events as JSON lines.
 *
 *   attache tail --from zmq+tcp://127.0.0.1:7103 alert.warrant_exposure country.KAZ
 *
 * Each SUBSCRIPTION is a topic prefix; a missing trailing dot is added
 * ("country.KAZ" -> "country.KAZ.", so KAZ never matches KAZX), ":" may
 * stand for "." ("country:KAZ"), and "" takes every message. Default:
 * "event." (everything). The publisher sends an event once per key it
 * carries, back to back, so an event matching several subscriptions
 * arrives several times in a row; tail prints it once.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "at_endpoint.h"
#include "at_json.h"
#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: attache tail [--from ENDPOINT] [--count N] [SUBSCRIPTION...]\n"
            "Subscribe to attache-sink's PUB output and print matching events as JSON lines.\n"
            "  --from ENDPOINT  the PUB output to connect to (default zmq+tcp://127.0.0.1:7103)\n"
            "  --count N        exit after N events\n"
            "SUBSCRIPTION is a topic prefix: event. alert. alert.RULE. alert.RULE.SEVERITY.\n"
            "country.ISO3. actor.QID. (a missing final dot is added; default: event.).\n");
}

/* "country:KAZ" -> "country.KAZ." into out. */
static void normalize(const char *in, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", in);
    for (char *p = out; *p; p++)
        if (*p == ':')
            *p = '.';
    size_t n = strlen(out);
    if (n && out[n - 1] != '.' && n + 1 < outlen) {
        out[n] = '.';
        out[n + 1] = '\0';
    }
}

int cli_tail(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"count", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *from = "zmq+tcp://127.0.0.1:7103";
    long count = -1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 'n':
            if (cli_parse_long("tail", "--count", optarg, 1, &count) != 0)
                return 2;
            break;
        default: /* -h, or an unknown option */
            return cli_usage_exit(c, usage);
        }
    }
    at_endpoint_t ep;
    char err[512];
    if (at_endpoint_parse(from, &ep, err, sizeof err) < 0) {
        fprintf(stderr, "attache tail: %s\n", err);
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sub = ctx ? zmq_socket(ctx, ZMQ_SUB) : NULL;
    if (!sub) {
        fprintf(stderr, "attache tail: %s\n", zmq_strerror(errno));
        return 1;
    }
    int zero = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    int nsubs = argc - optind;
    for (int i = optind; i < argc || (nsubs == 0 && i == optind); i++) {
        char topic[256];
        normalize(nsubs ? argv[i] : "event.", topic, sizeof topic);
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topic, strlen(topic));
        if (!nsubs)
            break;
    }
    int rc = ep.bind ? zmq_bind(sub, ep.zmq_addr) : zmq_connect(sub, ep.zmq_addr);
    if (rc != 0) {
        fprintf(stderr, "attache tail: %s %s: %s\n", ep.bind ? "bind" : "connect", ep.zmq_addr,
                zmq_strerror(errno));
        zmq_close(sub);
        zmq_ctx_term(ctx);
        return 1;
    }
    cli_catch_stop_signals();
    setvbuf(stdout, NULL, _IOLBF, 0);

    char last_id[512] = "";
    long printed = 0, bad = 0;
    int code = 0;
    while (!cli_stop_requested() && (count < 0 || printed < count)) {
        zmq_msg_t part[2];
        zmq_msg_init(&part[0]);
        zmq_msg_init(&part[1]);
        zmq_pollitem_t pi = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&pi, 1, 200) <= 0 || zmq_msg_recv(&part[0], sub, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&part[0]);
            zmq_msg_close(&part[1]);
            continue;
        }
        int nparts = 1, more = zmq_msg_more(&part[0]);
        while (more) {
            zmq_msg_t *m = nparts == 1 ? &part[1] : NULL, scratch;
            if (!m) {
                zmq_msg_init(&scratch);
                m = &scratch;
            }
            if (zmq_msg_recv(m, sub, 0) < 0)
                break;
            more = zmq_msg_more(m);
            if (m == &scratch)
                zmq_msg_close(&scratch);
            nparts++;
        }
        const char *data = zmq_msg_data(&part[1]);
        size_t len = zmq_msg_size(&part[1]);
        if (nparts != 2) {
            bad++;
        } else if (len && data[0] == '{') {
            /* format=json: find the id cheaply for the duplicate check. */
            char id[512] = "";
            const char *p = memmem(data, len, "\"id\":\"", 6);
            if (p) {
                p += 6;
                size_t n = 0;
                while (p + n < data + len && p[n] != '"' && n < sizeof id - 1)
                    n++;
                memcpy(id, p, n);
                id[n] = '\0';
            }
            if (!*id || strcmp(id, last_id) != 0) {
                fwrite(data, 1, len, stdout);
                fputc('\n', stdout);
                printed++;
                snprintf(last_id, sizeof last_id, "%s", id);
            }
        } else {
            Attache__V1__Event *ev = attache__v1__event__unpack(NULL, len, (const uint8_t *)data);
            char *line = ev ? at_json_event_dump(ev) : NULL;
            if (!line) {
                bad++;
            } else if (strcmp(ev->id, last_id) != 0) {
                puts(line);
                printed++;
                snprintf(last_id, sizeof last_id, "%s", ev->id);
            }
            free(line);
            if (ev)
                protobuf_c_message_free_unpacked(&ev->base, NULL);
        }
        if (bad == 1) {
            fprintf(stderr, "attache tail: skipping a message that is not an attache event\n");
            bad++;
        }
        zmq_msg_close(&part[0]);
        zmq_msg_close(&part[1]);
    }
    fflush(stdout);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return code;
}
