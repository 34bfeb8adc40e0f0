/*
 * attache-bench-stages: CPU cost of each step of the pipeline's own work,
 * in one process and without ZeroMQ, to tell application time from
 * transport time (docs/benchmarks.md, "Where the time goes").
 *
 * It reads a JSON-lines file of news items (the input of attache-ingest;
 * bench/run.py --keep leaves one, items.jsonl), and runs every item
 * through the same library calls the three daemons make, one stage at a
 * time over all items, timing each stage with the thread's CPU clock:
 *
 *   ingest: at_json_item_parse (jansson), at_dedup_seen, NewsItem pack
 *   enrich: NewsItem unpack, at_json_item_validate, at_enrich_item,
 *           Event pack, event free
 *   sink:   Event unpack, at_json_event_validate, at_json_event_dump,
 *           fwrite to /dev/null, event free
 *
 * and, for reference, jansson alone on the same documents (json_loadb of
 * each input line, json_dumps of each event's tree), which splits the two
 * JSON stages into the library's share and attache's own.
 *
 * Running a stage over all items in a row keeps caches warmer than the
 * daemons' interleaving does, so the figures are a lower bound of each
 * stage's cost in the pipeline. Output: Markdown tables, microseconds
 * per item.
 *
 *   attache-bench-stages --data-dir data/ [--limit N] items.jsonl
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bench_clock.h"
#include "at_dedup.h"
#include "at_enrich.h"
#include "at_json.h"

typedef struct {
    const char *daemon;
    const char *name;
    double seconds;
} stage_t;

/* Read the file's lines into an array (newlines replaced by NUL). */
static char **read_lines(const char *path, size_t limit, size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 1024, n = 0;
    char **lines = malloc(cap * sizeof *lines);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while (lines && n < limit && (len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        if (n == cap) {
            cap *= 2;
            char **grown = realloc(lines, cap * sizeof *lines);
            if (!grown)
                break;
            lines = grown;
        }
        lines[n++] = strdup(line);
    }
    free(line);
    fclose(f);
    *n_out = n;
    return lines;
}

/* One buffer for all n packed messages, touched before use; wire[i]
 * points into it. Caller owns the result and must free it. */
static uint8_t *arena_for(uint8_t **wire, const size_t *wire_len, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += wire_len[i];
    uint8_t *arena = malloc(total ? total : 1);
    if (!arena)
        return NULL;
    memset(arena, 0, total);
    for (size_t i = 0, off = 0; i < n; off += wire_len[i], i++)
        wire[i] = arena + off;
    return arena;
}

int main(int argc, char **argv)
{
    const char *data_dir = "data", *path = NULL;
    size_t limit = 20000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc)
            data_dir = argv[++i];
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
            limit = (size_t)strtoul(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else {
            fprintf(stderr, "usage: attache-bench-stages [--data-dir DIR] [--limit N] "
                            "items.jsonl\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: attache-bench-stages [--data-dir DIR] [--limit N] items.jsonl\n");
        return 2;
    }
    size_t n = 0;
    char **lines = read_lines(path, limit, &n);
    if (!lines || n == 0) {
        fprintf(stderr, "%s: no items\n", path);
        return 1;
    }
    char err[1024];
    at_enrich_t *engine = at_enrich_new(data_dir, err, sizeof err);
    if (!engine) {
        fprintf(stderr, "enrich data: %s\n", err);
        return 1;
    }
    at_dedup_t *dedup = at_dedup_new(1000000);
    Attache__V1__NewsItem **items = calloc(n, sizeof *items);
    Attache__V1__Event **events = calloc(n, sizeof *events);
    uint8_t **wire = calloc(n, sizeof *wire);
    size_t *wire_len = calloc(n, sizeof *wire_len);
    FILE *devnull = fopen("/dev/null", "w");
    if (!dedup || !items || !events || !wire || !wire_len || !devnull) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    setvbuf(devnull, NULL, _IOFBF, 1 << 20);
    int64_t now = (int64_t)time(NULL);
    stage_t st[16];
    int ns = 0;
    double t;
    size_t bad = 0;

#define STAGE(d, label, body)                                                                      \
    do {                                                                                           \
        t = bench_thread_cpu_s();                                                                  \
        for (size_t i = 0; i < n; i++) {                                                           \
            body;                                                                                  \
        }                                                                                          \
        st[ns++] = (stage_t){d, label, bench_thread_cpu_s() - t};                                  \
    } while (0)

    STAGE("ingest", "at_json_item_parse (jansson json_loadb + checks)", {
        items[i] = at_json_item_parse(lines[i], strlen(lines[i]), now, err, sizeof err);
        bad += !items[i];
    });
    if (bad) {
        fprintf(stderr, "%zu items did not parse: %s\n", bad, err);
        return 1;
    }
    bool cleared;
    STAGE("ingest", "at_dedup_seen", at_dedup_seen(dedup, items[i]->id, &cleared));
    STAGE("ingest", "NewsItem get_packed_size",
          wire_len[i] = attache__v1__news_item__get_packed_size(items[i]));
    /* The daemons pack into one reused buffer; an arena faulted in up front
     * keeps first-touch page faults out of the pack figure. */
    uint8_t *arena = arena_for(wire, wire_len, n);
    if (!arena) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    STAGE("ingest", "NewsItem pack", attache__v1__news_item__pack(items[i], wire[i]));
    STAGE("ingest", "NewsItem free", at_json_item_free(&items[i]));

    STAGE("enrich", "NewsItem unpack",
          items[i] = attache__v1__news_item__unpack(NULL, wire_len[i], wire[i]));
    free(arena);
    STAGE("enrich", "at_json_item_validate",
          bad += at_json_item_validate(items[i], err, sizeof err) != 0);
    STAGE("enrich", "at_enrich_item (match, treaty status, alerts)",
          events[i] = at_enrich_item(engine, &items[i], now));
    STAGE("enrich", "Event get_packed_size",
          wire_len[i] = attache__v1__event__get_packed_size(events[i]));
    if (!(arena = arena_for(wire, wire_len, n))) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    STAGE("enrich", "Event pack", attache__v1__event__pack(events[i], wire[i]));
    STAGE("enrich", "Event free", at_enrich_event_free(&events[i]));

    STAGE("sink", "Event unpack",
          events[i] = attache__v1__event__unpack(NULL, wire_len[i], wire[i]));
    free(arena);
    STAGE("sink", "at_json_event_validate",
          bad += at_json_event_validate(events[i], err, sizeof err) != 0);
    char **json = calloc(n, sizeof *json);
    if (!json) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    STAGE("sink", "at_json_event_dump (jansson build + json_dumps)",
          json[i] = at_json_event_dump(events[i]));
    STAGE("sink", "fputs + fputc to a 1 MiB stdio buffer", {
        fputs(json[i], devnull);
        fputc('\n', devnull);
    });
    STAGE("sink", "Event free (protobuf_c_message_free_unpacked)",
          protobuf_c_message_free_unpacked(&events[i]->base, NULL));
    if (bad) {
        fprintf(stderr, "%zu messages failed validation: %s\n", bad, err);
        return 1;
    }

    printf("| daemon | stage | µs per item | share of the daemon |\n|---|---|---:|---:|\n");
    double total = 0;
    for (int i = 0; i < ns; i++)
        total += st[i].seconds;
    for (int i = 0; i < ns; i++) {
        double sum = 0;
        for (int j = 0; j < ns; j++)
            if (strcmp(st[j].daemon, st[i].daemon) == 0)
                sum += st[j].seconds;
        printf("| %s | %s | %.2f | %.0f%% |\n", st[i].daemon, st[i].name,
               st[i].seconds * 1e6 / (double)n, 100.0 * st[i].seconds / sum);
        if (i + 1 == ns || strcmp(st[i + 1].daemon, st[i].daemon) != 0)
            printf("| **%s** | **all stages** | **%.2f** | |\n", st[i].daemon,
                   sum * 1e6 / (double)n);
    }
    printf("| **all** | %zu items from %s | **%.2f** | |\n", n, path, total * 1e6 / (double)n);

    /* jansson alone on the same documents, to split the two JSON stages
     * into the library's share and attache's (checks, tree building). */
    double ref_load = bench_thread_cpu_s();
    for (size_t i = 0; i < n; i++) {
        json_error_t jerr;
        json_decref(json_loadb(lines[i], strlen(lines[i]), JSON_REJECT_DUPLICATES, &jerr));
    }
    ref_load = bench_thread_cpu_s() - ref_load;
    json_t **trees = calloc(n, sizeof *trees);
    double ref_dump = 0;
    if (trees) {
        for (size_t i = 0; i < n; i++)
            trees[i] = json_loads(json[i], 0, NULL);
        ref_dump = bench_thread_cpu_s();
        for (size_t i = 0; i < n; i++)
            free(json_dumps(trees[i], JSON_COMPACT | JSON_PRESERVE_ORDER));
        ref_dump = bench_thread_cpu_s() - ref_dump;
        for (size_t i = 0; i < n; i++)
            json_decref(trees[i]);
        free(trees);
    }
    printf("\n| jansson alone (reference) | µs per item |\n|---|---:|\n");
    printf("| json_loadb of the input line, JSON_REJECT_DUPLICATES | %.2f |\n",
           ref_load * 1e6 / (double)n);
    printf("| json_dumps of the event's tree (built beforehand), COMPACT+PRESERVE_ORDER | "
           "%.2f |\n",
           ref_dump * 1e6 / (double)n);

    for (size_t i = 0; i < n; i++) {
        free(lines[i]);
        free(json[i]);
    }
    free(lines);
    free(items);
    free(events);
    free(wire);
    free(wire_len);
    free(json);
    fclose(devnull);
    at_dedup_destroy(&dedup);
    at_enrich_destroy(&engine);
    return 0;
}
