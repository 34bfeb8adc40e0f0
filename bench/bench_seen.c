/*
 * bench_seen: throughput of at_seen_check_and_add, attache-ingest's
 * persistent dedup (results and method in docs/feeds-store.md).
 *
 *   attache-bench-seen [--ids N] [--batch B] [--single N] [--path FILE]
 *
 * On a fresh store file (removed first, and at the end unless --keep):
 *   1. N new ids (at_json_item_id of distinct URLs, as feeds give them),
 *      each with a distinct title key, arriving at 100 a second of
 *      (simulated) time, B calls per transaction: the cost of recording
 *      new items;
 *   2. the same N ids again: every call a duplicate (what a poll of an
 *      unchanged feed costs);
 *   3. --single new ids with one transaction per call (no batching), to
 *      show what batching buys;
 *   4. pruning everything.
 * Prints ids/s for each, and the file size. Timings are wall clock on a
 * monotonic clock; SQLite runs as the daemon runs it (WAL,
 * synchronous=NORMAL), so the page cache absorbs the writes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"
#include "at_json.h"
#include "at_seen.h"

#define T0 1720000000LL

static void remove_store(const char *path)
{
    char p[4096];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_seen: %s: %s\n", what, why);
    exit(1);
}

/* Run ids [from, to) through check_and_add, `batch` per transaction (0 =
 * none). Returns how many were new. */
static long run(at_seen_t *s, long from, long to, long batch)
{
    char url[96], id[33], title[96], key[AT_SEEN_TITLE_KEY_MAX], err[256];
    long fresh = 0;
    for (long i = from; i < to; i++) {
        if (batch && (i - from) % batch == 0 && at_seen_begin(s) != 0)
            die("begin", at_seen_errmsg(s));
        snprintf(url, sizeof url, "https://news.example.org/2024/07/03/story-%ld", i);
        at_json_item_id(url, id, sizeof id);
        snprintf(title, sizeof title, "Story number %ld: leaders meet in Astana", i);
        at_seen_title_key(title, key, sizeof key);
        /* Items arrive over time, 100 a second: first_seen grows, as in
         * the daemon, so the first_seen indexes are appended to. */
        int64_t now = T0 + i / 100;
        int rc = at_seen_check_and_add(s, id, "bench", key, now, now, err, sizeof err);
        if (rc < 0)
            die("check_and_add", err);
        fresh += rc;
        if (batch && ((i - from) % batch == batch - 1 || i == to - 1) && at_seen_commit(s) != 0)
            die("commit", at_seen_errmsg(s));
    }
    return fresh;
}

int main(int argc, char **argv)
{
    long n = 1000000, batch = 1000, single = 20000;
    const char *path = "/tmp/attache-bench-seen.db";
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ids") == 0 && i + 1 < argc)
            n = atol(argv[++i]);
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = atol(argv[++i]);
        else if (strcmp(argv[i], "--single") == 0 && i + 1 < argc)
            single = atol(argv[++i]);
        else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else {
            fprintf(stderr, "usage: %s [--ids N] [--batch B] [--single N] [--path FILE] [--keep]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n <= 0 || batch <= 0 || single < 0) {
        fprintf(stderr, "bench_seen: --ids and --batch must be positive\n");
        return 2;
    }
    remove_store(path);
    char err[256];
    at_seen_t *s = at_seen_open(path, err, sizeof err);
    if (!s)
        die("open", err);

    printf("at_seen check_and_add, %ld ids, %ld per transaction, store %s\n", n, batch, path);
    double t = bench_wall_s();
    long fresh = run(s, 0, n, batch);
    double dt = bench_wall_s() - t;
    if (fresh != n)
        die("insert", "not every id was new");
    printf("  new ids (id + title)      %10.0f ids/s  (%.2f s)\n", n / dt, dt);

    t = bench_wall_s();
    fresh = run(s, 0, n, batch);
    dt = bench_wall_s() - t;
    if (fresh != 0)
        die("recheck", "a known id came back as new");
    printf("  known ids (duplicates)    %10.0f ids/s  (%.2f s)\n", n / dt, dt);

    if (single > 0) {
        t = bench_wall_s();
        fresh = run(s, n, n + single, 0);
        dt = bench_wall_s() - t;
        if (fresh != single)
            die("single", "not every id was new");
        printf("  new ids, no batching      %10.0f ids/s  (%.2f s, %ld ids)\n", single / dt, dt,
               single);
    }

    struct stat st;
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", path);
    long long size = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    long long wsize = stat(wal, &st) == 0 ? (long long)st.st_size : 0;
    printf("  store size                %10.1f MB (+ %.1f MB WAL), %.0f bytes per id\n", size / 1e6,
           wsize / 1e6, (double)size / (double)(n + single));

    t = bench_wall_s();
    long removed = at_seen_prune(s, T0 + (n + single) / 100 + 1);
    dt = bench_wall_s() - t;
    if (removed < 0)
        die("prune", at_seen_errmsg(s));
    printf("  prune                     %10.0f rows/s  (%.2f s, %ld rows)\n", removed / dt, dt,
           removed);

    at_seen_close(&s);
    if (!keep)
        remove_store(path);
    return 0;
}
