/*
 * attache-bench-matchers: the matcher choice of the enrichment engine,
 * measured. The same folded alias list is compiled into
 *   (a) at_ac, the hand-written Aho–Corasick DFA the engine uses, and
 *   (b) vectorscan's literal API (hs_compile_lit_multi, block mode), which
 *       reports the same thing at_ac does: every occurrence of every
 *       literal, overlapping ones included, as (end offset, pattern id);
 *   (c) vectorscan's regex API with \b...\b around each escaped literal
 *       and HS_FLAG_SOM_LEFTMOST: whole words inside the engine. Its \b is
 *       ASCII (bytes >= 0x80 are not word characters, unlike at_match's
 *       rule), so it is shown for its speed, not as a drop-in;
 * and each scans the same folded corpus: every item's title and body,
 * folded by at_fold as at_match does, one scan call per text. Reported:
 * compile time, scan MB/s (of folded bytes, per CPU second of this
 * thread), memory, and the occurrence count plus an order-independent
 * checksum of (end, pattern) so that (a) and (b) are shown to report the
 * same occurrences. A memcpy of the folded corpus is the bandwidth
 * baseline. Built only when vectorscan (libvectorscan-dev) is found;
 * results in docs/enrich-bench.md.
 *
 *   attache-bench-matchers [--repeat N] ALIASES.txt CORPUS.jsonl
 *
 * ALIASES.txt is `attache data aliases` (one spelling per line) and
 * CORPUS.jsonl NewsItem JSON lines (bench/enrich.py --keep writes both).
 */
#include <hs/hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include "at_ac.h"
#include "at_fold.h"
#include "at_json.h"

/* Growable byte buffer and offset list: patterns and folded texts. */
typedef struct {
    char *bytes;
    size_t len, cap;
    size_t *off; /* n + 1 offsets */
    size_t n, ncap;
} strs_t;

static void die(const char *what)
{
    fprintf(stderr, "attache-bench-matchers: %s\n", what);
    exit(1);
}

static void strs_add(strs_t *s, const char *p, size_t len)
{
    if (s->len + len > s->cap) {
        size_t c = s->cap ? s->cap : 1 << 16;
        while (c < s->len + len)
            c *= 2;
        if (!(s->bytes = realloc(s->bytes, c)))
            die("out of memory");
        s->cap = c;
    }
    if (s->n + 2 > s->ncap) {
        s->ncap = s->ncap ? s->ncap * 2 : 1024;
        if (!(s->off = realloc(s->off, s->ncap * sizeof *s->off)))
            die("out of memory");
    }
    if (s->n == 0)
        s->off[0] = 0;
    memcpy(s->bytes + s->len, p, len);
    s->len += len;
    s->off[++s->n] = s->len;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path);
    size_t cap = 1 << 20, n = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (!b)
            die("out of memory");
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        b = realloc(b, cap + 1);
    }
    fclose(f);
    b[n] = '\0';
    *len = n;
    return b;
}

typedef struct {
    uint64_t count, sum;
    const uint32_t *plen; /* hs: pattern lengths by id, for the start */
} tally_t;

static inline void tally(tally_t *t, uint64_t end, uint32_t id)
{
    t->count++;
    t->sum += (end * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)id * 0xC2B2AE3D27D4EB4Full);
}

static void on_ac(void *arg, size_t end, size_t len, uint32_t value)
{
    (void)len;
    tally(arg, end, value);
}

static int on_hs(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                 void *ctx)
{
    (void)from;
    (void)flags;
    tally(ctx, to, id);
    return 0;
}

int main(int argc, char **argv)
{
    int repeat = 5;
    const char *apath = NULL, *cpath = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (!apath)
            apath = argv[i];
        else
            cpath = argv[i];
    }
    if (!apath || !cpath || repeat < 1) {
        fprintf(stderr, "usage: attache-bench-matchers [--repeat N] ALIASES.txt CORPUS.jsonl\n");
        return 2;
    }

    /* Folded patterns, one per alias line. */
    size_t alen;
    char *atext = read_file(apath, &alen);
    strs_t pats = {0};
    for (char *p = atext, *e; *p; p = e + 1) {
        e = strchr(p, '\n');
        if (!e)
            e = p + strlen(p);
        size_t flen;
        char *f = at_fold_str(p, (size_t)(e - p), &flen);
        if (!f)
            die("out of memory");
        if (flen)
            strs_add(&pats, f, flen);
        free(f);
        if (!*e)
            break;
    }
    free(atext);

    /* Folded corpus: title and body of every item, as at_match folds them. */
    size_t clen;
    char *ctext = read_file(cpath, &clen);
    strs_t texts = {0};
    at_fold_t fold = {0};
    size_t items = 0;
    double fold_cpu = 0;
    for (char *p = ctext, *e; p < ctext + clen; p = e + 1) {
        e = memchr(p, '\n', (size_t)(ctext + clen - p));
        if (!e)
            e = ctext + clen;
        char err[256];
        Attache__V1__NewsItem *it = at_json_item_parse(p, (size_t)(e - p), 0, err, sizeof err);
        if (!it)
            continue;
        items++;
        const char *parts[2] = {it->title, it->body};
        for (int k = 0; k < 2; k++) {
            double t0 = bench_thread_cpu_s();
            if (at_fold(&fold, parts[k], strlen(parts[k])) < 0)
                die("out of memory");
            fold_cpu += bench_thread_cpu_s() - t0;
            strs_add(&texts, fold.text, fold.len);
        }
        at_json_item_free(&it);
    }
    at_fold_free(&fold);
    free(ctext);
    if (!pats.n || !texts.n)
        die("no patterns or no texts");
    double mb = (double)texts.len / (1 << 20);
    printf("patterns %zu (%zu folded bytes); corpus %zu items, %zu texts, %.1f MB folded "
           "(fold: %.0f MB/s of folded output)\n\n",
           pats.n, pats.len, items, texts.n, mb, mb / fold_cpu);

    double *t = malloc((size_t)repeat * sizeof *t);
    double *c = malloc((size_t)repeat * sizeof *c);
    char *copy = malloc(texts.len);
    if (!t || !c || !copy)
        die("out of memory");

    /* Baseline: memcpy of the folded corpus. */
    for (int r = 0; r < repeat; r++) {
        double t0 = bench_thread_cpu_s();
        memcpy(copy, texts.bytes, texts.len);
        __asm__ volatile("" : : "r"(copy) : "memory");
        t[r] = bench_thread_cpu_s() - t0;
    }
    double memcpy_mbs = mb / bench_median(t, repeat);

    /* (a) at_ac. */
    at_ac_t *ac = NULL;
    for (int r = 0; r < repeat; r++) {
        at_ac_destroy(&ac);
        double t0 = bench_thread_cpu_s();
        ac = at_ac_new();
        for (size_t i = 0; ac && i < pats.n; i++)
            if (at_ac_add(ac, pats.bytes + pats.off[i], pats.off[i + 1] - pats.off[i],
                          (uint32_t)i) < 0)
                die("at_ac_add");
        if (!ac || at_ac_compile(ac) < 0)
            die("at_ac_compile");
        c[r] = bench_thread_cpu_s() - t0;
    }
    double ac_compile = bench_median(c, repeat);
    tally_t ta = {0};
    for (int r = 0; r < repeat; r++) {
        ta = (tally_t){0};
        double t0 = bench_thread_cpu_s();
        for (size_t i = 0; i < texts.n; i++)
            at_ac_scan(ac, texts.bytes + texts.off[i], texts.off[i + 1] - texts.off[i], on_ac, &ta);
        t[r] = bench_thread_cpu_s() - t0;
    }
    double ac_mbs = mb / bench_median(t, repeat);

    /* (b) vectorscan, literal API. */
    const char **exprs = malloc(pats.n * sizeof *exprs);
    size_t *lens = malloc(pats.n * sizeof *lens);
    unsigned *ids = malloc(pats.n * sizeof *ids), *flags = calloc(pats.n, sizeof *flags);
    if (!exprs || !lens || !ids || !flags)
        die("out of memory");
    for (size_t i = 0; i < pats.n; i++) {
        exprs[i] = pats.bytes + pats.off[i];
        lens[i] = pats.off[i + 1] - pats.off[i];
        ids[i] = (unsigned)i;
    }
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    for (int r = 0; r < repeat; r++) {
        hs_free_database(db);
        db = NULL;
        double t0 = bench_thread_cpu_s();
        if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)pats.n, HS_MODE_BLOCK, NULL,
                                 &db, &cerr) != HS_SUCCESS) {
            fprintf(stderr, "hs_compile_lit_multi: %s\n", cerr->message);
            return 1;
        }
        c[r] = bench_thread_cpu_s() - t0;
    }
    double hs_compile = bench_median(c, repeat);
    hs_scratch_t *scratch = NULL;
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
        die("hs_alloc_scratch");
    size_t hs_db = 0, hs_sc = 0;
    hs_database_size(db, &hs_db);
    hs_scratch_size(scratch, &hs_sc);
    tally_t tb = {0};
    for (int r = 0; r < repeat; r++) {
        tb = (tally_t){0};
        double t0 = bench_thread_cpu_s();
        for (size_t i = 0; i < texts.n; i++)
            if (hs_scan(db, texts.bytes + texts.off[i], (unsigned)(texts.off[i + 1] - texts.off[i]),
                        0, scratch, on_hs, &tb) != HS_SUCCESS)
                die("hs_scan");
        t[r] = bench_thread_cpu_s() - t0;
    }
    double hs_mbs = mb / bench_median(t, repeat);

    /* (c) vectorscan, regex API: \b + escaped literal + \b, leftmost start. */
    char **rx = malloc(pats.n * sizeof *rx);
    if (!rx)
        die("out of memory");
    for (size_t i = 0; i < pats.n; i++) {
        rx[i] = malloc(lens[i] * 4 + 5);
        if (!rx[i])
            die("out of memory");
        char *o = rx[i];
        o += sprintf(o, "\\b");
        for (size_t k = 0; k < lens[i]; k++) {
            unsigned char b = (unsigned char)exprs[i][k];
            if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9'))
                *o++ = (char)b;
            else
                o += sprintf(o, "\\x%02x", b);
        }
        sprintf(o, "\\b");
        flags[i] = HS_FLAG_SOM_LEFTMOST;
    }
    hs_database_t *dbw = NULL;
    double *cw = malloc(sizeof *cw);
    double t0 = bench_thread_cpu_s();
    if (hs_compile_multi((const char *const *)rx, flags, ids, (unsigned)pats.n, HS_MODE_BLOCK, NULL,
                         &dbw, &cerr) != HS_SUCCESS) {
        fprintf(stderr, "hs_compile_multi: %s\n", cerr->message);
        return 1;
    }
    cw[0] = bench_thread_cpu_s() - t0;
    hs_scratch_t *scratchw = NULL;
    if (hs_alloc_scratch(dbw, &scratchw) != HS_SUCCESS)
        die("hs_alloc_scratch");
    size_t hsw_db = 0, hsw_sc = 0;
    hs_database_size(dbw, &hsw_db);
    hs_scratch_size(scratchw, &hsw_sc);
    tally_t tw = {0};
    for (int r = 0; r < repeat; r++) {
        tw = (tally_t){0};
        double t1 = bench_thread_cpu_s();
        for (size_t i = 0; i < texts.n; i++)
            if (hs_scan(dbw, texts.bytes + texts.off[i],
                        (unsigned)(texts.off[i + 1] - texts.off[i]), 0, scratchw, on_hs,
                        &tw) != HS_SUCCESS)
                die("hs_scan");
        t[r] = bench_thread_cpu_s() - t1;
    }
    double hsw_mbs = mb / bench_median(t, repeat);

    printf("| matcher | compile ms | scan MB/s (CPU) | memory KB | occurrences | checksum |\n"
           "|---|---:|---:|---:|---:|---|\n");
    printf("| memcpy of the folded corpus | | %.0f | | | |\n", memcpy_mbs);
    printf(
        "| (a) at_ac (%zu states, %zu with a full row, %zu classes) | %.2f | %.0f | %zu | %llu | "
        "%016llx |\n",
        at_ac_state_count(ac), at_ac_dense_count(ac), at_ac_class_count(ac), ac_compile * 1e3,
        ac_mbs, at_ac_memory(ac) / 1024, (unsigned long long)ta.count, (unsigned long long)ta.sum);
    printf("| (b) vectorscan %s, hs_compile_lit_multi | %.2f | %.0f | %zu + %zu scratch | %llu | "
           "%016llx |\n",
           hs_version(), hs_compile * 1e3, hs_mbs, hs_db / 1024, hs_sc / 1024,
           (unsigned long long)tb.count, (unsigned long long)tb.sum);
    printf("| (c) vectorscan, \\b literal \\b, SOM_LEFTMOST (1 compile) | %.2f | %.0f | %zu + %zu "
           "scratch | %llu | %016llx |\n",
           cw[0] * 1e3, hsw_mbs, hsw_db / 1024, hsw_sc / 1024, (unsigned long long)tw.count,
           (unsigned long long)tw.sum);
    printf("\n(a) and (b) report %s occurrences.\n",
           ta.count == tb.count && ta.sum == tb.sum ? "the same" : "DIFFERENT");

    for (size_t i = 0; i < pats.n; i++)
        free(rx[i]);
    free(rx);
    free(cw);
    hs_free_scratch(scratchw);
    hs_free_database(dbw);
    hs_free_scratch(scratch);
    hs_free_database(db);
    at_ac_destroy(&ac);
    free(exprs);
    free(lens);
    free(ids);
    free(flags);
    free(t);
    free(c);
    free(copy);
    free(pats.bytes);
    free(pats.off);
    free(texts.bytes);
    free(texts.off);
    return ta.count == tb.count && ta.sum == tb.sum ? 0 : 1;
}
