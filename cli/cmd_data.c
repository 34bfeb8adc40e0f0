/*
 * attache data check [DIR]: validate the reference data the daemons load.
 *
 * Runs the enrichment engine's full loader (at_enrich_new: every table,
 * every cross-reference, the treaty rules), then the per-module loaders so
 * that more than the first problem is found: the treaty tables are checked
 * row by row (at_treaty_check reports every bad row, and a missing row for
 * a UN member or observer state when a treaty is marked complete), and the
 * gazetteer and actor tables report their first problem each. Prints one
 * `file:line: reason` line per problem on stdout and exits 1; on clean data
 * prints a one-line summary and exits 0. Exit 2 is a usage error.
 *
 * attache data aliases [DIR]: print every spelling the text matcher is
 * built from (aliases.tsv, places.tsv with scope `text`, the longest_match
 * blockers, actor_aliases.tsv), one per line, sorted and unique. The
 * enrichment benchmark (bench/enrich.py) hands this list to ripgrep.
 *
 * attache data on DAY [COUNTRY...]: the tables as of one day, per state
 * (cmd_data_on.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_actorid.h"
#include "at_actors.h"
#include "at_enrich.h"
#include "at_gazetteer.h"
#include "at_treaty.h"
#include "cli.h"

/* The problems printed so far: the full loader and the per-module loaders
 * often find the same first problem, which is printed once. */
typedef struct {
    char **lines;
    size_t n, cap;
} seen_t;

static void report(void *ctx, const char *problem)
{
    seen_t *s = ctx;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->lines[i], problem) == 0)
            return;
    printf("%s\n", problem);
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        char **nl = realloc(s->lines, ncap * sizeof *nl);
        if (!nl)
            return; /* printed; only the de-duplication is lost */
        s->lines = nl;
        s->cap = ncap;
    }
    if ((s->lines[s->n] = strdup(problem)))
        s->n++;
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: attache data check [DIR]\n"
                 "Validate the reference data tables (docs/data.md): formats, dates, codes,\n"
                 "QIDs, cross-references, treaty rules (entry into force, withdrawal), role\n"
                 "overlaps, open head-of-government terms against executives.tsv, and\n"
                 "coverage of every UN member and observer state for treaties marked\n"
                 "participation_complete. DIR defaults to the data the daemons use\n"
                 "($ATTACHE_DATA_DIR, else the installed data, else the source tree's data/).\n"
                 "Prints one 'file:line: reason' line per problem and exits 1, or a one-line\n"
                 "summary and exits 0.\n"
                 "\n"
                 "Usage: attache data aliases [DIR]\n"
                 "Print every spelling the text matcher is built from, one per line, sorted\n"
                 "and unique (the alias list of bench/enrich.py).\n"
                 "\n"
                 "Usage: attache data on DAY [COUNTRY...] [--data-dir DIR]\n"
                 "Each state's treaty status, office holders and their warrants on DAY, as\n"
                 "JSON lines ('attache data on --help').\n");
}

/* "rome_statute 140/195" for the summary: rows for UN member and observer
 * states out of how many there are. */
static void coverage(const at_treaty_t *tr, const at_gazetteer_t *gaz, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t t = 0; t < at_treaty_count(tr); t++) {
        size_t un = 0, rows = 0;
        for (size_t c = 0; c < at_gazetteer_country_count(gaz); c++) {
            if (at_gazetteer_country(gaz, c)->un_member == AT_UN_NO)
                continue;
            un++;
            rows += (size_t)at_treaty_has_row(tr, t, c);
        }
        int n = snprintf(buf + off, len - off, "%s%s %zu/%zu%s", t ? ", " : "", at_treaty_id(tr, t),
                         rows, un, at_treaty_complete(tr, t) ? " (complete)" : "");
        if (n < 0 || (size_t)n >= len - off)
            break;
        off += (size_t)n;
    }
}

static int check(const char *dir)
{
    seen_t seen = {0};
    char err[2048];
    at_enrich_t *engine = at_enrich_new(dir, err, sizeof err);
    if (!engine)
        report(&seen, err);
    at_gazetteer_t *gaz = at_gazetteer_new(dir, err, sizeof err);
    if (!gaz)
        report(&seen, err);
    at_treaty_check(dir, gaz, report, &seen);
    char version[11];
    at_day_t as_of;
    size_t executives = 0, actor_spellings = 0, local_ids = 0;
    if (at_enrich_read_version(dir, version, &as_of, err, sizeof err) < 0)
        report(&seen, err);
    else if (gaz) {
        at_actors_t *actors = at_actors_new(dir, gaz, as_of, err, sizeof err);
        if (!actors)
            report(&seen, err);
        executives = at_actors_executive_count(actors);
        actor_spellings = at_actors_alias_count(actors);
        for (size_t i = 0; actors && i < at_actors_count(actors); i++)
            if (at_actorid_kind(at_actors_get(actors, i)->id) == AT_ACTORID_LOCAL)
                local_ids++;
        at_actors_destroy(&actors);
    }
    int rc = seen.n ? 1 : 0;
    if (!rc && engine) {
        at_treaty_t *tr = at_treaty_new(dir, gaz, err, sizeof err);
        char cov[512] = "";
        if (tr)
            coverage(tr, gaz, cov, sizeof cov);
        printf("%s: ok: data as of %s; %zu countries with %zu spellings of countries and places, "
               "%zu treaties with %zu "
               "participation rows (UN member and observer states covered: %s), %zu actors (%zu "
               "with a local id) with %zu spellings, %zu states in executives.tsv\n",
               dir, at_enrich_data_version(engine), at_enrich_country_count(engine),
               at_enrich_alias_count(engine), at_treaty_count(tr), at_treaty_row_count(tr), cov,
               at_enrich_actor_count(engine), local_ids, actor_spellings, executives);
        at_treaty_destroy(&tr);
    } else if (rc) {
        fprintf(stderr, "attache data check: %zu problem%s in %s\n", seen.n, seen.n == 1 ? "" : "s",
                dir);
    }
    for (size_t i = 0; i < seen.n; i++)
        free(seen.lines[i]);
    free(seen.lines);
    at_gazetteer_destroy(&gaz);
    at_enrich_destroy(&engine);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The spellings at_gazetteer_add_patterns and at_actors_add_patterns put
 * into the matcher: every gazetteer row but dateline-only places (shadowed
 * rows share their spelling with a matched row or a blocker), and every
 * actor spelling. */
static int aliases(const char *dir)
{
    char err[2048];
    char version[11];
    at_day_t as_of;
    at_gazetteer_t *gaz = at_gazetteer_new(dir, err, sizeof err);
    at_actors_t *actors = NULL;
    if (gaz && at_enrich_read_version(dir, version, &as_of, err, sizeof err) == 0)
        actors = at_actors_new(dir, gaz, as_of, err, sizeof err);
    if (!actors) {
        fprintf(stderr, "attache data aliases: %s\n", err);
        at_gazetteer_destroy(&gaz);
        return 1;
    }
    size_t ng = at_gazetteer_alias_count(gaz), na = at_actors_alias_count(actors), n = 0;
    const char **list = malloc((ng + na + 1) * sizeof *list);
    if (!list) {
        at_actors_destroy(&actors);
        at_gazetteer_destroy(&gaz);
        return 1;
    }
    for (size_t i = 0; i < ng; i++)
        if (!at_gazetteer_alias(gaz, i)->dateline_only)
            list[n++] = at_gazetteer_alias(gaz, i)->text;
    for (size_t i = 0; i < na; i++)
        list[n++] = at_actors_alias(actors, i)->text;
    qsort(list, n, sizeof *list, cmp_str);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(list[i - 1], list[i]) != 0)
            puts(list[i]);
    free(list);
    at_actors_destroy(&actors);
    at_gazetteer_destroy(&gaz);
    return fflush(stdout) == 0 ? 0 : 1;
}

int cli_data(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "on") == 0)
        return cli_data_on(argc - 1, argv + 1);
    int list = strcmp(argv[1], "aliases") == 0;
    if (!list && strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "attache data: unknown subcommand '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    int c;
    optind = 1;
    argc--;
    argv++;
    if ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
        return cli_usage_exit(c, usage);
    if (argc - optind > 1) {
        usage(stderr);
        return 2;
    }
    const char *dir = cli_data_dir(optind < argc ? argv[optind] : NULL);
    return list ? aliases(dir) : check(dir);
}
