/*
 * bench_sink: events per second into the database sinks (at_sqlsink,
 * at_pgsink) through the same calls attache-sink makes, and the rows for
 * the `sqlite3` CLI anchor. Driven by bench/sink.py; results in
 * docs/benchmarks.md ("Database sinks").
 *
 *   attache-bench-sink [--events N] [--batch B] [--sqlite PATH] [--postgres CONNINFO]
 *                      [--dump-sql PATH] [--schema-db PATH]
 *
 * Each event is what the enricher makes of a typical story: 2 countries
 * (with Rome Statute status), 2 actors, 1 location, 2 alerts and its JSON
 * line (about 1.2 KiB), with distinct ids, so every write is a new event,
 * as in the steady state of a running sink. Writes go in batches of B
 * (default 1000; attache-sink commits every sink.flush_interval_ms).
 *
 * Output, one line per target, for bench/sink.py to parse:
 *   result target=sqlite events=N wall_s=... cpu_s=... events_per_s=... events_per_cpu_s=...
 * cpu_s is this process's user+system time (for PostgreSQL the server's
 * work is not in it; sink.py measures the server separately), so the
 * figure per CPU second survives a busy machine better than the wall one.
 *
 * --dump-sql writes the same rows as a plain SQL script (INSERTs in
 * transactions of B events) that `sqlite3` runs as the anchor, and
 * --schema-db creates an empty database with the sink's schema for it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_clock.h"
#include "attache/v1/attache.pb-c.h"

#include "at_json.h"
#include "at_pgsink.h"
#include "at_sqlsink.h"

typedef struct {
    Attache__V1__NewsItem item;
    Attache__V1__Event ev;
    Attache__V1__TreatyStatus rome[2];
    Attache__V1__TreatyStatus *rome_p[2][1];
    Attache__V1__CountryMention c[2];
    Attache__V1__CountryMention *cp[2];
    Attache__V1__ActorMention a[2];
    Attache__V1__ActorMention *ap[2];
    Attache__V1__Location l[1];
    Attache__V1__Location *lp[1];
    Attache__V1__Alert al[2];
    Attache__V1__Alert *alp[2];
    char id[32];
} fx_t;

static const char *const codes[] = {"KAZ", "MNG", "RUS", "HUN", "FRA", "ZAF", "TJK", "CHN"};
static const char *const actors[][2] = {
    {"Q7747", "Vladimir Putin"}, {"Q43723", "Benjamin Netanyahu"}, {"Q57282", "Xi Jinping"},
    {"Q22686", "Donald Trump"},  {"Q57643", "Viktor Orban"},       {"Q3052772", "Emmanuel Macron"},
};

/* Event i: distinct id, countries/actors rotating through small sets so
 * the indexes see realistic repetition. */
static void fx_make(fx_t *f, long i)
{
    memset(f, 0, sizeof *f);
    snprintf(f->id, sizeof f->id, "bench-%08ld", i);
    f->item = (Attache__V1__NewsItem)ATTACHE__V1__NEWS_ITEM__INIT;
    f->item.id = f->id;
    f->item.url = "https://news.example.org/2024/09/03/putin-ulaanbaatar-visit-icc-warrant";
    f->item.title = "Putin welcomed in Ulaanbaatar despite ICC warrant";
    f->item.source = "news.example.org";
    f->item.summary = "Mongolia, a party to the Rome Statute since 2002, received the Russian "
                      "president with full honours on Tuesday. The International Criminal Court "
                      "issued a warrant for his arrest in March 2023.";
    f->item.published = 1725345000 + i;
    f->ev = (Attache__V1__Event)ATTACHE__V1__EVENT__INIT;
    f->ev.id = f->id;
    f->ev.item = &f->item;
    f->ev.reference_date = "2024-09-03";
    f->ev.data_version = "2026-11-28";
    f->ev.enriched = 1764300000 + i;
    for (int k = 0; k < 2; k++) {
        f->rome[k] = (Attache__V1__TreatyStatus)ATTACHE__V1__TREATY_STATUS__INIT;
        f->rome[k].treaty = "rome_statute";
        f->rome[k].status = k ? ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY
                              : ATTACHE__V1__TREATY_STATE__TREATY_STATE_NON_SIGNATORY;
        f->rome_p[k][0] = &f->rome[k];
        f->c[k] = (Attache__V1__CountryMention)ATTACHE__V1__COUNTRY_MENTION__INIT;
        f->c[k].code = (char *)codes[(i + 3 * k) % 8];
        f->c[k].name = "Country";
        f->c[k].mentions = 1 + (uint32_t)k;
        f->c[k].n_treaties = 1;
        f->c[k].treaties = f->rome_p[k];
        f->cp[k] = &f->c[k];
        f->a[k] = (Attache__V1__ActorMention)ATTACHE__V1__ACTOR_MENTION__INIT;
        f->a[k].id = (char *)actors[(i + k) % 6][0];
        f->a[k].name = (char *)actors[(i + k) % 6][1];
        f->a[k].country = (char *)codes[i % 8];
        f->a[k].mentions = 2;
        f->ap[k] = &f->a[k];
        f->al[k] = (Attache__V1__Alert)ATTACHE__V1__ALERT__INIT;
        f->al[k].rule = k ? "head_of_state_visit" : "warrant_exposure";
        f->al[k].actor = f->a[0].id;
        f->al[k].country = f->c[k].code;
        f->al[k].severity =
            k ? ATTACHE__V1__SEVERITY__SEVERITY_INFO : ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL;
        f->al[k].message = "Vladimir Putin, subject of an ICC arrest warrant issued 2023-03-17, "
                           "is reported in a State Party to the Rome Statute";
        f->alp[k] = &f->al[k];
    }
    f->ev.n_countries = 2;
    f->ev.countries = f->cp;
    f->ev.n_actors = 2;
    f->ev.actors = f->ap;
    f->l[0] = (Attache__V1__Location)ATTACHE__V1__LOCATION__INIT;
    f->l[0].code = f->c[1].code;
    f->l[0].place = "Ulaanbaatar";
    f->l[0].basis = "dateline";
    f->lp[0] = &f->l[0];
    f->ev.n_locations = 1;
    f->ev.locations = f->lp;
    f->ev.n_alerts = 2;
    f->ev.alerts = f->alp;
}

static void report(const char *target, long n, double wall, double cpu)
{
    printf("result target=%s events=%ld wall_s=%.3f cpu_s=%.3f events_per_s=%.0f "
           "events_per_cpu_s=%.0f\n",
           target, n, wall, cpu, (double)n / wall, cpu > 0 ? (double)n / cpu : 0.0);
    fflush(stdout);
}

/* The events' JSON lines are rendered before the clock starts: the
 * daemon renders each line once for all of its outputs, so rendering is
 * not the database's cost. */
static char **render_all(long n)
{
    char **json = calloc((size_t)n, sizeof *json);
    fx_t f;
    for (long i = 0; json && i < n; i++) {
        fx_make(&f, i);
        if (!(json[i] = at_json_event_dump(&f.ev)))
            return NULL;
    }
    return json;
}

static int run_sqlite(const char *path, long n, long batch, char **json)
{
    char err[1024];
    at_sqlsink_t *s = at_sqlsink_open(path, err, sizeof err);
    if (!s) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    fx_t f;
    double w0 = bench_wall_s(), c0 = bench_process_cpu_s();
    for (long i = 0; i < n; i++) {
        if (i % batch == 0 && at_sqlsink_begin(s) != 0)
            goto fail;
        fx_make(&f, i);
        if (at_sqlsink_write(s, &f.ev, json[i], err, sizeof err) != 0) {
            fprintf(stderr, "bench: %s\n", err);
            goto fail;
        }
        if ((i % batch == batch - 1 || i == n - 1) && at_sqlsink_commit(s) != 0)
            goto fail;
    }
    report("sqlite", n, bench_wall_s() - w0, bench_process_cpu_s() - c0);
    at_sqlsink_close(&s);
    return 0;
fail:
    fprintf(stderr, "bench: %s\n", at_sqlsink_error(s));
    at_sqlsink_close(&s);
    return 1;
}

static int run_postgres(const char *conninfo, long n, long batch, char **json)
{
    char err[1024];
    at_pgsink_t *s = at_pgsink_open(conninfo, err, sizeof err);
    if (!s) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    fx_t f;
    double w0 = bench_wall_s(), c0 = bench_process_cpu_s();
    for (long i = 0; i < n; i++) {
        if (i % batch == 0 && at_pgsink_begin(s) != 0)
            goto fail;
        fx_make(&f, i);
        if (at_pgsink_write(s, &f.ev, json[i], err, sizeof err) != 0) {
            fprintf(stderr, "bench: %s\n", err);
            goto fail;
        }
        if ((i % batch == batch - 1 || i == n - 1) && at_pgsink_commit(s) != 0)
            goto fail;
    }
    report("postgres", n, bench_wall_s() - w0, bench_process_cpu_s() - c0);
    at_pgsink_close(&s);
    return 0;
fail:
    fprintf(stderr, "bench: %s\n", at_pgsink_error(s));
    at_pgsink_close(&s);
    return 1;
}

/* A SQL string literal ('' doubled). */
static void lit(FILE *o, const char *v)
{
    fputc('\'', o);
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\'')
            fputc('\'', o);
        fputc(*p, o);
    }
    fputc('\'', o);
}

static int dump_sql(const char *path, long n, long batch, char **json)
{
    FILE *o = fopen(path, "w");
    if (!o) {
        perror(path);
        return 1;
    }
    fprintf(o, "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\n"
               "PRAGMA foreign_keys = ON;\n");
    fx_t f;
    for (long i = 0; i < n; i++) {
        if (i % batch == 0)
            fputs("BEGIN;\n", o);
        fx_make(&f, i);
        fputs("INSERT INTO events(id, url, title, source, published, reference_date, "
              "data_version, enriched, json) VALUES (",
              o);
        lit(o, f.id);
        fputc(',', o);
        lit(o, f.item.url);
        fputc(',', o);
        lit(o, f.item.title);
        fputc(',', o);
        lit(o, f.item.source);
        fprintf(o, ",%lld,", (long long)f.item.published);
        lit(o, f.ev.reference_date);
        fputc(',', o);
        lit(o, f.ev.data_version);
        fprintf(o, ",%lld,", (long long)f.ev.enriched);
        lit(o, json[i]);
        fputs(");\n", o);
        for (int k = 0; k < 2; k++) {
            fputs("INSERT INTO event_countries VALUES (", o);
            lit(o, f.id);
            fputc(',', o);
            lit(o, f.c[k].code);
            fputc(',', o);
            lit(o, f.c[k].name);
            fprintf(o, ",%u,0,", f.c[k].mentions);
            lit(o, at_json_treaty_state_name(f.rome[k].status));
            fputs(");\nINSERT INTO event_actors VALUES (", o);
            lit(o, f.id);
            fputc(',', o);
            lit(o, f.a[k].id);
            fputc(',', o);
            lit(o, f.a[k].name);
            fputc(',', o);
            lit(o, f.a[k].country);
            fprintf(o, ",%u);\nINSERT INTO alerts VALUES (", f.a[k].mentions);
            lit(o, f.id);
            fputc(',', o);
            lit(o, f.al[k].rule);
            fputc(',', o);
            lit(o, f.al[k].actor);
            fputc(',', o);
            lit(o, f.al[k].country);
            fputc(',', o);
            lit(o, at_json_severity_name(f.al[k].severity));
            fprintf(o, ",%d,", (int)f.al[k].severity);
            lit(o, f.al[k].message);
            fputs(");\n", o);
        }
        fputs("INSERT INTO event_locations VALUES (", o);
        lit(o, f.id);
        fputc(',', o);
        lit(o, f.l[0].code);
        fputc(',', o);
        lit(o, f.l[0].place);
        fputc(',', o);
        lit(o, f.l[0].basis);
        fputs(");\n", o);
        if (i % batch == batch - 1 || i == n - 1)
            fputs("COMMIT;\n", o);
    }
    return fclose(o) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"events", required_argument, NULL, 'n'},
        {"batch", required_argument, NULL, 'b'},
        {"sqlite", required_argument, NULL, 's'},
        {"postgres", required_argument, NULL, 'p'},
        {"dump-sql", required_argument, NULL, 'd'},
        {"schema-db", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    long n = 100000, batch = 1000;
    const char *sqlite = NULL, *pg = NULL, *dump = NULL, *schema = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "n:b:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            n = atol(optarg);
            break;
        case 'b':
            batch = atol(optarg);
            break;
        case 's':
            sqlite = optarg;
            break;
        case 'p':
            pg = optarg;
            break;
        case 'd':
            dump = optarg;
            break;
        case 'S':
            schema = optarg;
            break;
        default:
            fprintf(stderr, "usage: attache-bench-sink [--events N] [--batch B] [--sqlite PATH] "
                            "[--postgres CONNINFO] [--dump-sql PATH] [--schema-db PATH]\n");
            return 2;
        }
    }
    if (n <= 0 || batch <= 0) {
        fprintf(stderr, "bench: --events and --batch must be > 0\n");
        return 2;
    }
    at_json_init();
    char **json = render_all(n);
    if (!json) {
        fprintf(stderr, "bench: cannot render the events\n");
        return 1;
    }
    int rc = 0;
    if (schema) {
        char err[1024];
        at_sqlsink_t *s = at_sqlsink_open(schema, err, sizeof err);
        if (!s) {
            fprintf(stderr, "bench: %s\n", err);
            rc = 1;
        }
        at_sqlsink_close(&s);
    }
    if (!rc && dump)
        rc = dump_sql(dump, n, batch, json);
    if (!rc && sqlite)
        rc = run_sqlite(sqlite, n, batch, json);
    if (!rc && pg)
        rc = run_postgres(pg, n, batch, json);
    for (long i = 0; i < n; i++)
        free(json[i]);
    free(json);
    return rc;
}
