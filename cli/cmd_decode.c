/*
 * attache decode: print attache protobuf messages as JSON.
 *
 *   attache decode [--type event|item] [FILE|-]
 *       one serialized message (the whole file) to one JSON line;
 *   attache decode --from ENDPOINT [--count N] [--pattern sub|pull]
 *       subscribe to a PUB endpoint (default) or pull from a PUSH one and
 *       print each [type, payload] message as it arrives.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_json.h"
#include "at_transport.h"
#include "cli.h"

#define DECODE_MAX_BYTES (256u << 20)

/* Decode one payload of the given kind to a JSON line on stdout. */
static int print_message(int is_event, const void *data, size_t len)
{
    char err[256];
    char *json = NULL;
    if (is_event) {
        Attache__V1__Event *ev = attache__v1__event__unpack(NULL, len, data);
        if (!ev) {
            fprintf(stderr, "attache decode: not a valid attache.v1.Event\n");
            return 1;
        }
        if (at_json_event_validate(ev, err, sizeof err) < 0)
            fprintf(stderr, "attache decode: warning: %s\n", err);
        json = at_json_event_dump(ev);
        protobuf_c_message_free_unpacked(&ev->base, NULL);
    } else {
        Attache__V1__NewsItem *item = attache__v1__news_item__unpack(NULL, len, data);
        if (!item) {
            fprintf(stderr, "attache decode: not a valid attache.v1.NewsItem\n");
            return 1;
        }
        if (at_json_item_validate(item, err, sizeof err) < 0)
            fprintf(stderr, "attache decode: warning: %s\n", err);
        json = at_json_item_dump(item);
        at_json_item_free(&item);
    }
    if (!json)
        return 1;
    puts(json);
    fflush(stdout);
    free(json);
    return 0;
}

static int decode_file(const char *path, int is_event)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "attache decode: %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    int rc = 1;
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
        if (len == cap) {
            if (cap >= DECODE_MAX_BYTES) {
                fprintf(stderr, "attache decode: input over %u bytes\n", DECODE_MAX_BYTES);
                goto out;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                goto out;
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf || ferror(f)) {
        fprintf(stderr, "attache decode: cannot read %s\n", path);
        goto out;
    }
    rc = print_message(is_event, buf, len);
out:
    free(buf);
    if (f != stdin)
        fclose(f);
    return rc;
}

static int decode_endpoint(const char *uri, const char *pattern, long count)
{
    char err[512];
    at_transport_t *t = at_transport_new(uri, strcmp(pattern, "pull") == 0 ? AT_TX_PULL : AT_TX_SUB,
                                         err, sizeof err);
    if (!t) {
        fprintf(stderr, "attache decode: %s\n", err);
        return 1;
    }
    cli_catch_stop_signals();
    long seen = 0;
    int rc = 0;
    while (!cli_stop_requested() && (count <= 0 || seen < count)) {
        at_msg_t msg;
        int r = at_transport_recv(t, &msg, 200);
        if (r == AT_TX_OK) {
            if (msg.bad)
                fprintf(stderr, "attache decode: skipped: %s\n", msg.bad);
            else if (strcmp(msg.type, attache__v1__event__descriptor.name) == 0)
                rc |= print_message(1, msg.data, msg.len);
            else if (strcmp(msg.type, attache__v1__news_item__descriptor.name) == 0)
                rc |= print_message(0, msg.data, msg.len);
            else
                fprintf(stderr, "attache decode: skipped unknown type '%s'\n", msg.type);
            seen++;
        } else if (r == AT_TX_ERROR && errno != EINTR) {
            fprintf(stderr, "attache decode: receive failed: %s\n", zmq_strerror(errno));
            rc = 1;
            at_msg_release(&msg);
            break;
        }
        at_msg_release(&msg);
    }
    at_transport_close(&t, 0);
    at_transport_shutdown();
    return rc;
}

int cli_decode(int argc, char **argv)
{
    static const struct option opts[] = {
        {"type", required_argument, NULL, 't'},  {"from", required_argument, NULL, 'f'},
        {"count", required_argument, NULL, 'n'}, {"pattern", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    int is_event = 1;
    const char *from = NULL, *pattern = "sub";
    long count = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:f:n:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (strcmp(optarg, "event") == 0 || strcmp(optarg, "attache.v1.Event") == 0)
                is_event = 1;
            else if (strcmp(optarg, "item") == 0 || strcmp(optarg, "attache.v1.NewsItem") == 0)
                is_event = 0;
            else {
                fprintf(stderr, "attache decode: --type must be event or item\n");
                return 2;
            }
            break;
        case 'f':
            from = optarg;
            break;
        case 'n':
            if (cli_parse_long("decode", "--count", optarg, 0, &count) != 0)
                return 2;
            break;
        case 'p':
            if (strcmp(optarg, "sub") != 0 && strcmp(optarg, "pull") != 0) {
                fprintf(stderr, "attache decode: --pattern must be sub or pull\n");
                return 2;
            }
            pattern = optarg;
            break;
        case 'h':
            printf("Usage: attache decode [--type event|item] [FILE|-]\n"
                   "       attache decode --from ENDPOINT [--count N] [--pattern sub|pull]\n");
            return 0;
        default:
            return 2;
        }
    }
    if (from)
        return decode_endpoint(from, pattern, count);
    return decode_file(optind < argc ? argv[optind] : "-", is_event);
}
