/*
 * attache query: the canned monitor queries on the SQLite sink's database
 * (sink.output = sqlite:PATH; schema in docs/sqlite.md, usage in
 * docs/query.md).
 *
 *   attache query --db PATH alerts [--min-severity S] [--rule R] [--country C] [--actor Q]
 *   attache query --db PATH events (--country C | --actor Q ...)
 *   attache query --db PATH whereabouts --actor Q
 *
 * Each takes --since/--until (a date, an RFC 3339 time, or a relative
 * "7d", "24h", "30m" before now) and --limit, and prints a readable table
 * (default) or JSON lines (--json). The database is opened read-only and
 * checked to be an attache event database before anything is read, so a
 * wrong path or another program's file is a clear error, never an empty
 * answer. The SQL is built from fixed fragments; every value is bound.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "at_sqlsink.h"
#include "at_time.h"
#include "cli.h"

#define MAX_COLS       12
#define TABLE_CELL_MAX 60 /* characters shown per cell in the table format */

typedef struct {
    const char *db;
    int json;
    const char *query;
    const char *country, *actor, *rule, *min_severity;
    int64_t since, until;
    int has_since, has_until;
    long limit;
} opts_t;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: attache query --db PATH [--json] QUERY [OPTIONS]\n"
            "Canned monitor queries on the SQLite sink's database (sink.output = sqlite:PATH).\n\n"
            "Queries:\n"
            "  alerts       recent alerts, newest first\n"
            "               [--min-severity info|notice|warning|critical] [--rule RULE]\n"
            "               [--country CODE] [--actor QID]\n"
            "  events       events that mention a country and/or an actor, newest first\n"
            "               --country CODE and/or --actor QID\n"
            "  whereabouts  the countries an actor was located in (stories mentioning the\n"
            "               actor with a dateline or place), with each country's Rome\n"
            "               Statute status as of the latest such story\n"
            "               --actor QID\n\n"
            "Options:\n"
            "  -d, --db PATH        the database (sqlite:PATH is accepted too)\n"
            "      --since WHEN     only stories published at or after WHEN\n"
            "      --until WHEN     only stories published before WHEN\n"
            "                       WHEN: 2024-09-03, 2024-09-03T06:30:00Z, or 7d / 24h / 30m "
            "ago\n"
            "  -n, --limit N        at most N rows (default 50; 0 = all)\n"
            "  -j, --json           JSON lines instead of a table\n"
            "  -h, --help           this help\n\n"
            "Examples:\n"
            "  attache query --db /var/lib/attache/events.db alerts --min-severity warning "
            "--since 7d\n"
            "  attache query --db events.db events --country MNG --since 2024-09-01\n"
            "  attache query --db events.db whereabouts --actor Q7747 --since 2024-01-01 "
            "--json\n");
}

/* WHEN: a relative "<n>d|h|m|s" (before now), or an absolute date/time. */
static int parse_when(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (end != s && !errno && n >= 0 && end[0] && !end[1] && strchr("dhms", end[0])) {
        long long mult = end[0] == 'd' ? 86400 : end[0] == 'h' ? 3600 : end[0] == 'm' ? 60 : 1;
        if (n > 100LL * 366 * 86400 / mult)
            return -1;
        *out = (int64_t)time(NULL) - (int64_t)(n * mult);
        return 0;
    }
    return at_time_parse(s, out);
}

static int severity_level(const char *s)
{
    static const char *const names[] = {"info", "notice", "warning", "critical"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i + 1;
    return -1;
}

/* Open read-only and make sure it is ours. NULL after printing why. */
static sqlite3 *open_db(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr,
                "attache query: %s: %s (the SQLite sink's file: sink.output = sqlite:PATH)\n", path,
                strerror(errno));
        return NULL;
    }
    if (!S_ISREG(sb.st_mode)) {
        fprintf(stderr, "attache query: %s: not a regular file\n", path);
        return NULL;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "attache query: %s: %s\n", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, AT_SQLSINK_BUSY_TIMEOUT_MS);
    sqlite3_stmt *s = NULL;
    long long app = -1, ver = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        app = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (app == -1) {
        fprintf(stderr, "attache query: %s: cannot read: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        ver = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (app != AT_SQLSINK_APP_ID) {
        fprintf(stderr,
                "attache query: %s: not an attache event database (application_id %#llx; the "
                "sink's files carry %#x)\n",
                path, (unsigned long long)app, AT_SQLSINK_APP_ID);
        sqlite3_close(db);
        return NULL;
    }
    if (ver < 1 || ver > AT_SQLSINK_SCHEMA) {
        fprintf(stderr, "attache query: %s: schema version %lld, this build reads 1..%d\n", path,
                ver, AT_SQLSINK_SCHEMA);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* --- output -------------------------------------------------------------- */

/* Columns named here hold unix seconds and are shown as RFC 3339. */
static int is_time_col(const char *name)
{
    return strcmp(name, "published") == 0 || strcmp(name, "first") == 0 ||
           strcmp(name, "last") == 0;
}

/* Cell text for the table: times formatted, NULL as "-". Caller frees. */
static char *cell_text(sqlite3_stmt *s, int i)
{
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        return strdup("-");
    if (is_time_col(sqlite3_column_name(s, i))) {
        char buf[40];
        at_time_format_rfc3339(sqlite3_column_int64(s, i), buf, sizeof buf);
        return strdup(buf);
    }
    const char *t = (const char *)sqlite3_column_text(s, i);
    return strdup(t ? t : "");
}

/* Characters (UTF-8 code points) in s. */
static size_t u8len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Cut s to at most max characters ("..." at the end when cut); control
 * characters become spaces so a row stays one line. In place. */
static void tidy_cell(char *s, size_t max)
{
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    if (u8len(s) <= max)
        return;
    size_t chars = 0;
    char *p = s;
    for (; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80 && chars++ == max - 3)
            break;
    }
    strcpy(p, "...");
}

static json_t *json_cell(sqlite3_stmt *s, int i)
{
    switch (sqlite3_column_type(s, i)) {
    case SQLITE_NULL:
        return json_null();
    case SQLITE_INTEGER:
        if (is_time_col(sqlite3_column_name(s, i))) {
            char buf[40];
            return json_string(at_time_format_rfc3339(sqlite3_column_int64(s, i), buf, sizeof buf));
        }
        return json_integer(sqlite3_column_int64(s, i));
    default: {
        const char *t = (const char *)sqlite3_column_text(s, i);
        return json_string(t ? t : "");
    }
    }
}

/* Run a prepared statement and print its rows. 0, or 1 on a query error. */
static int print_rows(sqlite3 *db, sqlite3_stmt *s, int as_json)
{
    int ncol = sqlite3_column_count(s);
    if (ncol > MAX_COLS)
        ncol = MAX_COLS;
    char ***rows = NULL;
    size_t nrows = 0, cap = 0;
    size_t width[MAX_COLS] = {0};
    for (int i = 0; i < ncol; i++)
        width[i] = strlen(sqlite3_column_name(s, i));
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (as_json) {
            json_t *o = json_object();
            for (int i = 0; i < ncol; i++)
                json_object_set_new(o, sqlite3_column_name(s, i), json_cell(s, i));
            char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (line)
                puts(line);
            free(line);
            json_decref(o);
            continue;
        }
        if (nrows == cap) {
            cap = cap ? 2 * cap : 64;
            char ***r = realloc(rows, cap * sizeof *r);
            if (!r) {
                rc = SQLITE_NOMEM;
                break;
            }
            rows = r;
        }
        char **row = calloc((size_t)ncol, sizeof *row);
        if (!row) {
            rc = SQLITE_NOMEM;
            break;
        }
        for (int i = 0; i < ncol; i++) {
            row[i] = cell_text(s, i);
            if (!row[i])
                row[i] = strdup("");
            if (row[i]) {
                tidy_cell(row[i], TABLE_CELL_MAX);
                size_t w = u8len(row[i]);
                if (w > width[i])
                    width[i] = w;
            }
        }
        rows[nrows++] = row;
    }
    int status = 0;
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "attache query: %s\n", sqlite3_errmsg(db));
        status = 1;
    }
    if (!as_json) {
        for (int i = 0; i < ncol; i++)
            printf("%s%-*s", i ? "  " : "", i + 1 < ncol ? (int)width[i] : 0,
                   sqlite3_column_name(s, i));
        putchar('\n');
        for (int i = 0; i < ncol; i++)
            printf("%s%.*s", i ? "  " : "", (int)width[i],
                   "------------------------------------------------------------------------");
        putchar('\n');
        for (size_t r = 0; r < nrows; r++) {
            for (int i = 0; i < ncol; i++) {
                const char *c = rows[r][i] ? rows[r][i] : "";
                /* Pad by characters, not bytes. */
                size_t pad = width[i] - u8len(c);
                printf("%s%s", i ? "  " : "", c);
                if (i + 1 < ncol)
                    printf("%*s", (int)pad, "");
            }
            putchar('\n');
        }
        printf("(%zu row%s)\n", nrows, nrows == 1 ? "" : "s");
        for (size_t r = 0; r < nrows; r++) {
            for (int i = 0; i < ncol; i++)
                free(rows[r][i]);
            free(rows[r]);
        }
        free(rows);
    }
    return status;
}

/* --- the queries --------------------------------------------------------- */

typedef struct {
    char sql[2048];
    const char *text[8];
    int64_t num[8];
    int is_num[8];
    int n;
} q_t;

static void add_text(q_t *q, const char *frag, const char *v)
{
    strncat(q->sql, frag, sizeof q->sql - strlen(q->sql) - 1);
    q->text[q->n] = v;
    q->is_num[q->n++] = 0;
}

static void add_num(q_t *q, const char *frag, int64_t v)
{
    strncat(q->sql, frag, sizeof q->sql - strlen(q->sql) - 1);
    q->num[q->n] = v;
    q->is_num[q->n++] = 1;
}

static void add_sql(q_t *q, const char *frag)
{
    strncat(q->sql, frag, sizeof q->sql - strlen(q->sql) - 1);
}

static void add_period(q_t *q, const opts_t *o)
{
    if (o->has_since)
        add_num(q, " AND e.published >= ?", o->since);
    if (o->has_until)
        add_num(q, " AND e.published < ?", o->until);
}

static void add_limit(q_t *q, const opts_t *o)
{
    if (o->limit > 0)
        add_num(q, " LIMIT ?", o->limit);
}

static int build(q_t *q, const opts_t *o)
{
    memset(q, 0, sizeof *q);
    if (strcmp(o->query, "alerts") == 0) {
        int level = 1;
        if (o->min_severity && (level = severity_level(o->min_severity)) < 0) {
            fprintf(stderr,
                    "attache query: --min-severity %s: expected info, notice, warning or "
                    "critical\n",
                    o->min_severity);
            return -1;
        }
        add_num(q,
                "SELECT e.published, a.severity, a.rule, a.actor, a.country, a.message, "
                "e.id AS event, e.title, e.url FROM alerts a JOIN events e ON e.id = a.event_id "
                "WHERE a.severity_level >= ?",
                level);
        if (o->rule)
            add_text(q, " AND a.rule = ?", o->rule);
        if (o->country)
            add_text(q, " AND a.country = ?", o->country);
        if (o->actor)
            add_text(q, " AND a.actor = ?", o->actor);
        add_period(q, o);
        add_sql(q, " ORDER BY e.published DESC, a.severity_level DESC, e.id");
        add_limit(q, o);
        return 0;
    }
    if (strcmp(o->query, "events") == 0) {
        if (!o->country && !o->actor) {
            fprintf(stderr, "attache query: events needs --country CODE and/or --actor QID\n");
            return -1;
        }
        add_sql(q, "SELECT e.published, e.id AS event, ");
        if (o->country)
            add_sql(q, "c.mentions AS country_mentions, c.rome_statute_status, ");
        if (o->actor)
            add_sql(q, "a.mentions AS actor_mentions, ");
        add_sql(q, "e.title, e.url FROM events e");
        if (o->country)
            add_text(q, " JOIN event_countries c ON c.event_id = e.id AND c.code = ?", o->country);
        if (o->actor)
            add_text(q, " JOIN event_actors a ON a.event_id = e.id AND a.actor_id = ?", o->actor);
        add_sql(q, " WHERE 1");
        add_period(q, o);
        add_sql(q, " ORDER BY e.published DESC, e.id");
        add_limit(q, o);
        return 0;
    }
    if (strcmp(o->query, "whereabouts") == 0) {
        if (!o->actor) {
            fprintf(stderr, "attache query: whereabouts needs --actor QID\n");
            return -1;
        }
        add_text(q,
                 "WITH hits AS (SELECT e.id, e.published, l.code, l.place FROM event_actors a "
                 "JOIN events e ON e.id = a.event_id JOIN event_locations l ON l.event_id = e.id "
                 "WHERE a.actor_id = ?",
                 o->actor);
        add_period(q, o);
        add_sql(q, ") SELECT h.code AS country, group_concat(DISTINCT nullif(h.place, '')) AS "
                   "places, count(DISTINCT h.id) AS events, min(h.published) AS first, "
                   "max(h.published) AS last, (SELECT c.rome_statute_status FROM hits h2 JOIN "
                   "event_countries c ON c.event_id = h2.id AND c.code = h2.code WHERE h2.code = "
                   "h.code ORDER BY h2.published DESC LIMIT 1) AS rome_statute_status "
                   "FROM hits h GROUP BY h.code ORDER BY last DESC");
        add_limit(q, o);
        return 0;
    }
    fprintf(stderr, "attache query: unknown query '%s' (alerts, events, whereabouts)\n", o->query);
    return -1;
}

int cli_query(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"country", required_argument, NULL, 'C'},
        {"actor", required_argument, NULL, 'A'},
        {"rule", required_argument, NULL, 'R'},
        {"min-severity", required_argument, NULL, 'S'},
        {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'},
        {"limit", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opts_t o = {.limit = 50};
    int c;
    optind = 1;
    /* "+" would stop at the query name; permute so options go anywhere. */
    while ((c = getopt_long(argc, argv, "d:jn:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.db = strncmp(optarg, "sqlite:", 7) == 0 ? optarg + 7 : optarg;
            break;
        case 'j':
            o.json = 1;
            break;
        case 'C':
            o.country = optarg;
            break;
        case 'A':
            o.actor = optarg;
            break;
        case 'R':
            o.rule = optarg;
            break;
        case 'S':
            o.min_severity = optarg;
            break;
        case 's':
        case 'u': {
            int64_t t;
            if (parse_when(optarg, &t) < 0) {
                fprintf(stderr,
                        "attache query: --%s %s: expected a date (2024-09-03), a time "
                        "(2024-09-03T06:30:00Z) or an age (7d, 24h, 30m)\n",
                        c == 's' ? "since" : "until", optarg);
                return 2;
            }
            if (c == 's') {
                o.since = t;
                o.has_since = 1;
            } else {
                o.until = t;
                o.has_until = 1;
            }
            break;
        }
        case 'n':
            if (cli_parse_long("query", "--limit", optarg, 0, &o.limit) != 0)
                return 2;
            break;
        default: /* -h, or an unknown option */
            return cli_usage_exit(c, usage);
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "attache query: which query? (alerts, events, whereabouts)\n");
        usage(stderr);
        return 2;
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "attache query: unexpected argument '%s'\n", argv[optind + 1]);
        return 2;
    }
    o.query = argv[optind];
    if (!o.db || !*o.db) {
        fprintf(stderr, "attache query: --db PATH is required (the sink's sqlite:PATH)\n");
        return 2;
    }
    q_t q;
    if (build(&q, &o) < 0)
        return 2;
    sqlite3 *db = open_db(o.db);
    if (!db)
        return 1;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, q.sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "attache query: %s: %s\n", o.db, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    for (int i = 0; i < q.n; i++) {
        if (q.is_num[i])
            sqlite3_bind_int64(s, i + 1, q.num[i]);
        else
            sqlite3_bind_text(s, i + 1, q.text[i], -1, SQLITE_STATIC);
    }
    int rc = print_rows(db, s, o.json);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return rc;
}
