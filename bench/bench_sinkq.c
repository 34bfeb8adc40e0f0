/*
 * bench_sinkq: attache-sink's outputs in process, without ZeroMQ input:
 * events per second through at_sinkq + backend for each output spec given,
 * alone and then all of them at once (the fan-out of one attache-sink).
 * The clock runs from the first push to at_sinkq_finish() returning, so
 * the last commit (fsync, COMMIT) is included. Events are built once,
 * before the clock starts (decode + JSON rendering are the daemon's
 * thread, measured by bench/stages.c).
 *
 *   attache-bench-sinkq N SPEC...
 *   attache-bench-sinkq 100000 jsonl:/tmp/b.jsonl sqlite:/tmp/b.db \
 *       '[fsync=always]jsonl:/tmp/c.jsonl' 'zmq+tcp://127.0.0.1:7999?bind=1'
 * Results: docs/sinks.md "Performance".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "at_daemon.h"
#include "at_json.h"
#include "at_log.h"
#include "at_sinkspec.h"
#include "../sink/tests/sink_test_events.h"

static const char *const countries[] = {"KAZ", "RUS", "MNG", ""};

static double run(at_sinkspec_t **specs, int nspecs, at_sinkitem_t **items, long n)
{
    at_sinkq_t *q[16];
    char err[1024];
    for (int i = 0; i < nspecs; i++)
        if (!(q[i] = at_sinkq_new(specs[i], err, sizeof err))) {
            fprintf(stderr, "%s\n", err);
            exit(1);
        }
    uint64_t t0 = at_now_ms();
    for (long k = 0; k < n; k++)
        for (int i = 0; i < nspecs; i++)
            while (at_sinkq_push(q[i], items[k], 1000) != 0)
                ;
    for (int i = 0; i < nspecs; i++)
        at_sinkq_finish(q[i], at_now_ms() + 60000);
    uint64_t t1 = at_now_ms();
    for (int i = 0; i < nspecs; i++) {
        at_sinkq_stats_t st;
        at_sinkq_stats(q[i], &st);
        if (st.written + st.dropped != (uint64_t)n)
            fprintf(stderr, "warning: %s: written %llu dropped %llu of %ld\n", specs[i]->text,
                    (unsigned long long)st.written, (unsigned long long)st.dropped, n);
        at_sinkq_destroy(&q[i]);
    }
    return (double)n / ((double)(t1 - t0 ? t1 - t0 : 1) / 1000.0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s N SPEC...\n", argv[0]);
        return 2;
    }
    at_json_init();
    at_log_set_level(AT_LOG_WARN);
    long n = atol(argv[1]);
    int nspecs = argc - 2 > 16 ? 16 : argc - 2;
    at_sinkspec_t *specs[16];
    char err[1024];
    for (int i = 0; i < nspecs; i++)
        if (!(specs[i] = at_sinkspec_parse("bench", argv[2 + i], 1000, err, sizeof err))) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    at_sinkitem_t **items = calloc((size_t)n, sizeof *items);
    for (long k = 0; k < n; k++) {
        char id[32];
        snprintf(id, sizeof id, "bench-%08ld", k);
        items[k] = test_item(id, countries, "Q7747", k % 10 ? NULL : "warrant_exposure",
                             ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    }
    printf("%ld events of %zu bytes (JSON)\n", n, items[0]->json_len);
    for (int i = 0; i < nspecs; i++)
        printf("%-60s %10.0f events/s\n", specs[i]->text, run(&specs[i], 1, items, n));
    if (nspecs > 1)
        printf("%-60s %10.0f events/s (each output)\n", "all at once",
               run(specs, nspecs, items, n));
    for (long k = 0; k < n; k++)
        at_sinkitem_unref(&items[k]);
    free(items);
    for (int i = 0; i < nspecs; i++)
        at_sinkspec_destroy(&specs[i]);
    return 0;
}
