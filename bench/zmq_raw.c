/*
 * attache-bench-zmq-raw: the raw libzmq baseline for the end-to-end
 * benchmark (bench/run.py, docs/benchmarks.md).
 *
 * It moves COUNT messages shaped exactly like attache's pipeline traffic,
 * multipart [type, payload], through a chain of separate processes over
 * TCP loopback, with the same socket options attache's transport uses
 * (common/at_transport.c): PUSH with ZMQ_SNDHWM and ZMQ_IMMEDIATE on the
 * connecting side, PULL with ZMQ_RCVHWM on the binding side, HWM 1000 by
 * default. It does nothing else: no parsing, no protobuf, no JSON, no file.
 * That is the ceiling attache's pipeline is compared with.
 *
 *   --hops 1   producer -> consumer                      (2 processes)
 *   --hops 2   producer -> relay -> consumer             (3 processes, the
 *              shape of ingest -> enrich -> sink: the fair comparison)
 *   --hops H   H-1 relays
 *
 * Topology mirrors attache's: every downstream process binds its PULL
 * (enrich and sink bind) and the upstream PUSH connects. The parent forks
 * the consumer first, then each relay, then the producer; each child
 * creates its own ZeroMQ context after fork and reports the endpoint it
 * bound over a pipe, the way the daemons report READY=1.
 *
 * Relays forward the received frames with zmq_msg_send (zero copy, as
 * zmq_proxy does). Timing uses CLOCK_MONOTONIC, which is system-wide, so
 * the producer's start and the consumer's last arrival are comparable.
 *
 * Output: one line of key=value pairs per run (parsed by bench/run.py):
 * msgs_per_s counts from the producer's first send (after its connection
 * is up) to the consumer's last receive; MB/s counts payload bytes only
 * (10^6 bytes). cpu_* are each process's user+system CPU seconds,
 * including libzmq's I/O thread.
 */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "bench_clock.h"

#define MAX_HOPS     8
#define ENDPOINT_LEN 256

enum { ROLE_PRODUCER, ROLE_RELAY, ROLE_CONSUMER };

typedef struct {
    long count;
    size_t size;
    int hops;
    int hwm;
    int timeout_ms;
    const char *type;
} options_t;

/* What each child reports to the parent (one write, below PIPE_BUF). */
typedef struct {
    int role;
    int index;
    int ok;
    long messages;
    double t_start; /* producer: first send; others: first receive */
    double t_last;  /* producer: socket closed (drained); others: last receive */
    double cpu_s;
    char err[160];
} result_t;

static void fail(result_t *r, const char *what)
{
    r->ok = 0;
    snprintf(r->err, sizeof r->err, "%s: %s", what, zmq_strerror(errno));
}

/* A PULL socket bound to an ephemeral loopback port; its endpoint goes
 * into `endpoint`. NULL on failure. */
static void *bind_pull(void *ctx, const options_t *o, char *endpoint, result_t *r)
{
    void *s = zmq_socket(ctx, ZMQ_PULL);
    int timeout = o->timeout_ms;
    size_t len = ENDPOINT_LEN;
    if (!s || zmq_setsockopt(s, ZMQ_RCVHWM, &o->hwm, sizeof o->hwm) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
        zmq_bind(s, "tcp://127.0.0.1:*") != 0 ||
        zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0) {
        fail(r, "bind PULL");
        return NULL;
    }
    return s;
}

/* A PUSH socket connected to `endpoint` with attache's options, returned
 * once the connection is up (POLLOUT with ZMQ_IMMEDIATE). */
static void *connect_push(void *ctx, const options_t *o, const char *endpoint, result_t *r)
{
    void *s = zmq_socket(ctx, ZMQ_PUSH);
    int one = 1, forever = -1;
    if (!s || zmq_setsockopt(s, ZMQ_SNDHWM, &o->hwm, sizeof o->hwm) != 0 ||
        zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
        zmq_setsockopt(s, ZMQ_LINGER, &forever, sizeof forever) != 0 ||
        zmq_connect(s, endpoint) != 0) {
        fail(r, "connect PUSH");
        return NULL;
    }
    zmq_pollitem_t item = {s, 0, ZMQ_POLLOUT, 0};
    if (zmq_poll(&item, 1, o->timeout_ms) != 1) {
        fail(r, "waiting for the PUSH connection");
        return NULL;
    }
    return s;
}

/* Receive one two-frame message into parts; 0 or -1. */
static int recv_pair(void *s, zmq_msg_t *parts)
{
    if (zmq_msg_recv(&parts[0], s, 0) < 0)
        return -1;
    if (!zmq_msg_more(&parts[0])) {
        errno = EPROTO;
        return -1;
    }
    if (zmq_msg_recv(&parts[1], s, 0) < 0)
        return -1;
    return 0;
}

static void run_producer(const options_t *o, const char *downstream, result_t *r)
{
    void *ctx = zmq_ctx_new();
    void *s = connect_push(ctx, o, downstream, r);
    char *payload = malloc(o->size);
    if (s && payload) {
        /* Text-like bytes; libzmq does not look at them. */
        for (size_t i = 0; i < o->size; i++)
            payload[i] = (char)('a' + (i * 7) % 26);
        size_t tlen = strlen(o->type);
        r->t_start = bench_wall_s();
        for (long i = 0; i < o->count; i++) {
            /* Same calls as at_transport_send: two zmq_send, the second
             * copying the payload into a fresh message. */
            if (zmq_send(s, o->type, tlen, ZMQ_SNDMORE) < 0 ||
                zmq_send(s, payload, o->size, 0) < 0) {
                fail(r, "send");
                break;
            }
            r->messages++;
        }
    }
    if (s)
        zmq_close(s); /* linger -1: returns at once, ctx_term drains */
    zmq_ctx_term(ctx);
    r->t_last = bench_wall_s();
    free(payload);
}

static void run_relay(const options_t *o, void *ctx, void *in, void *out, result_t *r)
{
    zmq_msg_t parts[2];
    zmq_msg_init(&parts[0]);
    zmq_msg_init(&parts[1]);
    for (long i = 0; i < o->count; i++) {
        if (recv_pair(in, parts) < 0) {
            fail(r, "relay receive");
            break;
        }
        if (i == 0)
            r->t_start = bench_wall_s();
        /* zmq_msg_send hands the frame over and re-inits the msg. */
        if (zmq_msg_send(&parts[0], out, ZMQ_SNDMORE) < 0 || zmq_msg_send(&parts[1], out, 0) < 0) {
            fail(r, "relay send");
            break;
        }
        r->messages++;
    }
    r->t_last = bench_wall_s();
    zmq_msg_close(&parts[0]);
    zmq_msg_close(&parts[1]);
    zmq_close(out);
    zmq_close(in);
    zmq_ctx_term(ctx);
}

static void run_consumer(const options_t *o, void *ctx, void *in, result_t *r)
{
    zmq_msg_t parts[2];
    zmq_msg_init(&parts[0]);
    zmq_msg_init(&parts[1]);
    for (long i = 0; i < o->count; i++) {
        if (recv_pair(in, parts) < 0) {
            fail(r, "consumer receive");
            break;
        }
        if (i == 0)
            r->t_start = bench_wall_s();
        if (zmq_msg_size(&parts[1]) != o->size) {
            r->ok = 0;
            snprintf(r->err, sizeof r->err, "payload of %zu bytes, expected %zu",
                     zmq_msg_size(&parts[1]), o->size);
            break;
        }
        r->messages++;
    }
    r->t_last = bench_wall_s();
    zmq_msg_close(&parts[0]);
    zmq_msg_close(&parts[1]);
    zmq_close(in);
    zmq_ctx_term(ctx);
}

/* Fork one stage. Consumers and relays bind first and write their
 * endpoint to `ready`; everyone writes a result_t to `results` at the end. */
static pid_t spawn(int role, int index, const options_t *o, const char *downstream, int ready,
                   int results)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    result_t r = {.role = role, .index = index, .ok = 1};
    char endpoint[ENDPOINT_LEN] = "";
    if (role == ROLE_PRODUCER) {
        run_producer(o, downstream, &r);
    } else {
        void *ctx = zmq_ctx_new();
        void *in = bind_pull(ctx, o, endpoint, &r);
        /* A relay is ready once its downstream connection is up too. */
        void *out = in && role == ROLE_RELAY ? connect_push(ctx, o, downstream, &r) : NULL;
        if (!r.ok)
            endpoint[0] = '\0';
        if (write(ready, endpoint, sizeof endpoint) != (ssize_t)sizeof endpoint)
            _exit(2);
        if (out)
            run_relay(o, ctx, in, out, &r);
        else if (in && role == ROLE_CONSUMER)
            run_consumer(o, ctx, in, &r);
    }
    r.cpu_s = bench_process_cpu_s();
    if (write(results, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(2);
    _exit(r.ok ? 0 : 1);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: attache-bench-zmq-raw [-n COUNT] [-s BYTES] [-H HOPS] [-w HWM]\n"
               "                             [-t TYPE] [-T TIMEOUT_MS]\n"
               "  -n COUNT      messages to send (default 200000)\n"
               "  -s BYTES      payload frame size (default 2150, about one 2 KB NewsItem)\n"
               "  -H HOPS       1 = producer->consumer, 2 = producer->relay->consumer\n"
               "                (default 2, the shape of ingest->enrich->sink)\n"
               "  -w HWM        send and receive high-water mark (default 1000)\n"
               "  -t TYPE       type frame (default attache.v1.NewsItem)\n"
               "  -T MS         give up after MS without progress (default 30000)\n");
}

int main(int argc, char **argv)
{
    options_t o = {200000, 2150, 2, 1000, 30000, "attache.v1.NewsItem"};
    int c;
    while ((c = getopt(argc, argv, "n:s:H:w:t:T:h")) != -1) {
        switch (c) {
        case 'n':
            o.count = atol(optarg);
            break;
        case 's':
            o.size = (size_t)atol(optarg);
            break;
        case 'H':
            o.hops = atoi(optarg);
            break;
        case 'w':
            o.hwm = atoi(optarg);
            break;
        case 't':
            o.type = optarg;
            break;
        case 'T':
            o.timeout_ms = atoi(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (o.count < 1 || o.size < 1 || o.hops < 1 || o.hops > MAX_HOPS || o.hwm < 0 ||
        optind != argc) {
        usage(stderr);
        return 2;
    }

    int ready[2], results[2];
    if (pipe(ready) != 0 || pipe(results) != 0) {
        perror("pipe");
        return 1;
    }
    int nproc = o.hops + 1;
    pid_t pids[MAX_HOPS + 1];
    char endpoint[ENDPOINT_LEN] = "";
    /* Downstream first, as attache starts sink, enrich, ingest. */
    for (int i = nproc - 1; i >= 0; i--) {
        int role = i == nproc - 1 ? ROLE_CONSUMER : i == 0 ? ROLE_PRODUCER : ROLE_RELAY;
        pids[i] = spawn(role, i, &o, endpoint, ready[1], results[1]);
        if (pids[i] < 0) {
            perror("fork");
            return 1;
        }
        if (role != ROLE_PRODUCER &&
            (read(ready[0], endpoint, sizeof endpoint) != (ssize_t)sizeof endpoint ||
             !endpoint[0])) {
            fprintf(stderr, "stage %d could not bind or connect\n", i);
            for (int j = i; j < nproc; j++)
                kill(pids[j], SIGTERM);
            return 1;
        }
    }

    result_t res[MAX_HOPS + 1];
    int ok = 1;
    for (int n = 0; n < nproc; n++) {
        result_t r;
        if (read(results[0], &r, sizeof r) != (ssize_t)sizeof r) {
            fprintf(stderr, "a stage exited without a result\n");
            return 1;
        }
        res[r.index] = r;
        if (!r.ok) {
            fprintf(stderr, "stage %d: %s\n", r.index, r.err);
            ok = 0;
        }
    }
    for (int i = 0; i < nproc; i++)
        waitpid(pids[i], NULL, 0);
    if (!ok)
        return 1;

    const result_t *prod = &res[0], *cons = &res[nproc - 1];
    double elapsed = cons->t_last - prod->t_start;
    double steady = cons->t_last - cons->t_start;
    double rate = (double)cons->messages / elapsed;
    printf("zmq_raw hops=%d processes=%d count=%ld payload_bytes=%zu type=%s hwm=%d "
           "transport=tcp-loopback elapsed_s=%.4f msgs_per_s=%.0f mb_per_s=%.1f "
           "steady_msgs_per_s=%.0f",
           o.hops, nproc, cons->messages, o.size, o.type, o.hwm, elapsed, rate,
           rate * (double)o.size / 1e6, steady > 0 ? (double)(cons->messages - 1) / steady : 0.0);
    for (int i = 0; i < nproc; i++) {
        const char *name = i == 0 ? "producer" : i == nproc - 1 ? "consumer" : "relay";
        if (i > 0 && i < nproc - 1)
            printf(" cpu_s_%s%d=%.3f", name, i, res[i].cpu_s);
        else
            printf(" cpu_s_%s=%.3f", name, res[i].cpu_s);
    }
    printf("\n");
    return 0;
}
