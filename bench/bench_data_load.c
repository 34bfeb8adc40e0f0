/*
 * attache-bench-data-load: CPU time of loading and checking the whole
 * reference data set (at_enrich_new: VERSION and every table, the
 * cross-checks, the matcher), the cost paid at start and on every SIGHUP.
 * Results in docs/data.md ("Load time and throughput") and
 * docs/enrich-bench.md.
 *
 *   attache-bench-data-load [--loads N] [--live] DATA_DIR
 *
 * By default each load is destroyed before the next, so later loads reuse
 * the memory the allocator kept from the one before. --live keeps each
 * load until the next is built, as attache-enrich does on SIGHUP (the new
 * tables are checked while the old ones still serve): every load then
 * builds in memory the allocator has not just freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include "at_enrich.h"

int main(int argc, char **argv)
{
    int loads = 50, live = 0;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--loads") == 0 && i + 1 < argc)
            loads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--live") == 0)
            live = 1;
        else
            dir = argv[i];
    }
    if (!dir || loads < 1) {
        fprintf(stderr, "usage: attache-bench-data-load [--loads N] [--live] DATA_DIR\n");
        return 2;
    }
    double *t = malloc((size_t)loads * sizeof *t);
    if (!t)
        return 1;
    char err[1024];
    size_t countries = 0, aliases = 0, actors = 0;
    at_enrich_t *prev = NULL;
    for (int i = 0; i < loads; i++) {
        double t0 = bench_thread_cpu_s();
        at_enrich_t *e = at_enrich_new(dir, err, sizeof err);
        t[i] = bench_thread_cpu_s() - t0;
        if (!e) {
            fprintf(stderr, "%s\n", err);
            at_enrich_destroy(&prev);
            free(t);
            return 1;
        }
        countries = at_enrich_country_count(e);
        aliases = at_enrich_alias_count(e);
        actors = at_enrich_actor_count(e);
        at_enrich_destroy(&prev);
        if (live)
            prev = e;
        else
            at_enrich_destroy(&e);
    }
    at_enrich_destroy(&prev);
    bench_sort(t, (size_t)loads);
    printf("%s: %zu countries, %zu country/place spellings, %zu actors\n", dir, countries, aliases,
           actors);
    printf("at_enrich_new CPU over %d loads%s: median %.2f ms, min %.2f ms, max %.2f ms\n", loads,
           live ? " (--live)" : "", t[loads / 2] * 1e3, t[0] * 1e3, t[loads - 1] * 1e3);
    free(t);
    return 0;
}
