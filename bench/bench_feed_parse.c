/*
 * bench_feed_parse: parse throughput of at_feed_parse, in MB/s of feed
 * documents (docs/feeds.md "Performance").
 *
 *   attache-bench-feed-parse [--min-mb N] [--verbose] [DIR...]
 *
 * Loads every file of the real publisher feeds (default:
 * $ATTACHE_SHARED_FEEDS, else ../shared/data/feeds beside the source
 * tree, each subdirectory included), keeps the ones at_feed_parse accepts
 * (not-a-feed and gzip samples are reported and left out: rejecting them
 * costs nothing), then parses them in turn, all of them per round, until
 * at least N MB (default 50; 1 MB = 10^6 bytes) have gone through. The
 * figure covers the whole of at_feed_parse: decoding, XML or JSON
 * parsing, HTML to text, URL canonicalization, item building and
 * validation. Exits 0 with a message, measuring nothing, when the feeds
 * are absent (they live outside the project, in ../shared).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_clock.h"
#include "at_feed.h"

#ifndef AT_BENCH_FEEDS_DIR
#define AT_BENCH_FEEDS_DIR "../shared/data/feeds"
#endif

typedef struct {
    char *path;
    char *data;
    size_t len;
    double seconds; /* time spent on this file over all rounds */
    size_t items;   /* items per parse */
} doc_t;

static doc_t *docs;
static size_t ndocs, capdocs;

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = NULL;
    if (fseek(fp, 0, SEEK_END) == 0) {
        long n = ftell(fp);
        if (n >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)n + 1);
            if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
                free(buf);
                buf = NULL;
            } else if (buf) {
                *len = (size_t)n;
            }
        }
    }
    fclose(fp);
    return buf;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(((const doc_t *)a)->path, ((const doc_t *)b)->path);
}

/* Every regular file under dir (one level of subdirectories), except
 * licences and provenance notes. */
static void load_dir(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "LICENSE") == 0 ||
            strcmp(de->d_name, "SOURCE.txt") == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth < 1)
                load_dir(path, depth + 1);
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        size_t len = 0;
        char *data = read_file(path, &len);
        if (!data)
            continue;
        if (ndocs == capdocs) {
            capdocs = capdocs ? capdocs * 2 : 64;
            docs = realloc(docs, capdocs * sizeof *docs);
            if (!docs) {
                fprintf(stderr, "out of memory\n");
                exit(1);
            }
        }
        docs[ndocs].path = strdup(path);
        docs[ndocs].data = data;
        docs[ndocs].len = len;
        docs[ndocs].seconds = 0;
        docs[ndocs].items = 0;
        ndocs++;
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    double min_mb = 50;
    int verbose = 0, ndirs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--min-mb") == 0 && i + 1 < argc) {
            min_mb = atof(argv[++i]);
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            verbose = 1;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [--min-mb N] [--verbose] [DIR...]\n", argv[0]);
            return 2;
        } else {
            load_dir(argv[i], 0);
            ndirs++;
        }
    }
    if (ndirs == 0) {
        const char *env = getenv("ATTACHE_SHARED_FEEDS");
        load_dir(env && env[0] ? env : AT_BENCH_FEEDS_DIR, 0);
    }
    if (ndocs == 0) {
        printf("bench_feed_parse: no feeds found (set ATTACHE_SHARED_FEEDS or pass a "
               "directory); nothing measured\n");
        return 0;
    }
    qsort(docs, ndocs, sizeof *docs, name_cmp);

    /* Keep what parses; say what does not. */
    size_t kept = 0, round_bytes = 0;
    for (size_t i = 0; i < ndocs; i++) {
        at_feed_result_t res;
        char err[256];
        if (at_feed_parse(docs[i].data, docs[i].len, NULL, NULL, 0, &res, err, sizeof err) != 0) {
            printf("skipped %s: %s\n", docs[i].path, err);
            free(docs[i].path);
            free(docs[i].data);
            continue;
        }
        docs[i].items = res.n_items;
        at_feed_result_clear(&res);
        docs[kept++] = docs[i];
        round_bytes += docs[i].len;
    }
    ndocs = kept;
    if (ndocs == 0 || round_bytes == 0) {
        printf("bench_feed_parse: no parseable feeds; nothing measured\n");
        return 0;
    }

    size_t rounds = (size_t)(min_mb * 1e6 / (double)round_bytes) + 1;
    size_t total_bytes = 0, total_items = 0;
    double *round_s = calloc(rounds, sizeof *round_s);
    if (!round_s) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    double t0 = bench_wall_s();
    for (size_t r = 0; r < rounds; r++) {
        double rs = bench_wall_s();
        for (size_t i = 0; i < ndocs; i++) {
            at_feed_result_t res;
            double a = bench_wall_s();
            if (at_feed_parse(docs[i].data, docs[i].len, NULL, NULL, 0, &res, NULL, 0) != 0) {
                fprintf(stderr, "%s: parse failed on round %zu\n", docs[i].path, r);
                return 1;
            }
            docs[i].seconds += bench_wall_s() - a;
            total_items += res.n_items;
            at_feed_result_clear(&res);
            total_bytes += docs[i].len;
        }
        round_s[r] = bench_wall_s() - rs;
    }
    double secs = bench_wall_s() - t0;
    /* The median round, robust to a noisy neighbour on a shared machine. */
    bench_sort(round_s, rounds);
    double median = round_s[rounds / 2], best = round_s[0];
    free(round_s);

    if (verbose) {
        printf("%-60s %10s %6s %9s\n", "file", "bytes", "items", "MB/s");
        for (size_t i = 0; i < ndocs; i++) {
            const char *name = strrchr(docs[i].path, '/');
            printf("%-60s %10zu %6zu %9.1f\n", name ? name + 1 : docs[i].path, docs[i].len,
                   docs[i].items, (double)docs[i].len * (double)rounds / 1e6 / docs[i].seconds);
        }
    }
    printf("feeds: %zu documents, %.2f MB per round, %zu rounds\n", ndocs, round_bytes / 1e6,
           rounds);
    printf("parsed: %.1f MB, %zu items in %.3f s\n", total_bytes / 1e6, total_items, secs);
    printf("throughput: %.1f MB/s, %.0f items/s (median round %.1f MB/s, best %.1f MB/s)\n",
           total_bytes / 1e6 / secs, (double)total_items / secs, round_bytes / 1e6 / median,
           round_bytes / 1e6 / best);

    for (size_t i = 0; i < ndocs; i++) {
        free(docs[i].path);
        free(docs[i].data);
    }
    free(docs);
    return 0;
}
