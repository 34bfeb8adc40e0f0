/*
 * at_testdata: helpers shared by the enrich unit tests.
 *
 * The real tables are found through ATTACHE_DATA_DIR (set by ctest via
 * attache_unit_test). Loader error tests copy them into a fresh mkdtemp
 * directory and break one file there, so every error is tested against
 * an otherwise valid data set.
 *
 * The fixtures fail the running test with cmocka's assertions:
 * td_setup_enrich gives a test the engine on the real tables, and
 * td_setup_copy (td_fixture_t) a copy to break for the loader under test.
 */
#ifndef AT_TESTDATA_H
#define AT_TESTDATA_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_enrich.h"
#include "at_gazetteer.h"
#include "at_time.h"

/* The project's data/ directory; aborts the test run when unset, since a
 * silently skipped data test would hide a broken table. */
static inline const char *td_data_dir(void)
{
    const char *d = getenv("ATTACHE_DATA_DIR");
    if (!d || !*d) {
        fprintf(stderr, "ATTACHE_DATA_DIR is not set (run through ctest)\n");
        abort();
    }
    return d;
}

/* A new empty temporary directory. Caller frees the string and should
 * td_rmdir() it. */
static inline char *td_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/attache-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl))
        return NULL;
    return strdup(tmpl);
}

/* Write len bytes to dir/name (replacing it). Returns 0 or -1. */
static inline int td_write(const char *dir, const char *name, const char *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

static inline int td_write_str(const char *dir, const char *name, const char *s)
{
    return td_write(dir, name, s, strlen(s));
}

/* Read dir/name whole; caller frees. NULL on error. */
static inline char *td_read(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Copy every regular file of the real data directory into dir. */
static inline int td_copy_data(const char *dir)
{
    const char *src = td_data_dir();
    DIR *d = opendir(src);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL && rc == 0) {
        if (strcmp(e->d_name, "VERSION") != 0 && !strstr(e->d_name, ".tsv"))
            continue;
        char *s = td_read(src, e->d_name);
        rc = s ? td_write_str(dir, e->d_name, s) : -1;
        free(s);
    }
    closedir(d);
    return rc;
}

/* Replace the first occurrence of `from` in dir/name with `to`. Returns 0,
 * or -1 when the file or the text is not there (a test bug). */
static inline int td_edit(const char *dir, const char *name, const char *from, const char *to)
{
    char *s = td_read(dir, name);
    if (!s)
        return -1;
    char *p = strstr(s, from);
    if (!p) {
        free(s);
        return -1;
    }
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    if (!out) {
        free(s);
        return -1;
    }
    size_t head = (size_t)(p - s);
    memcpy(out, s, head);
    strcpy(out + head, to);
    strcat(out, p + strlen(from));
    int rc = td_write_str(dir, name, out);
    free(out);
    free(s);
    return rc;
}

/* Append text to dir/name. */
static inline int td_append(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "ab");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Remove dir and the files in it (no subdirectories are made). */
static inline void td_rmdir(char **dir_p)
{
    if (!dir_p || !*dir_p)
        return;
    DIR *d = opendir(*dir_p);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", *dir_p, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(*dir_p);
    free(*dir_p);
    *dir_p = NULL;
}

/* Whether err starts with "<dir>/<file>:<line>: " and contains `reason`. */
static inline int td_err_is(const char *err, const char *dir, const char *file, int line,
                            const char *reason)
{
    char prefix[1200];
    snprintf(prefix, sizeof prefix, "%s/%s:%d: ", dir, file, line);
    if (strncmp(err, prefix, strlen(prefix)) != 0) {
        fprintf(stderr, "error \"%s\" does not start with \"%s\"\n", err, prefix);
        return 0;
    }
    if (reason && !strstr(err, reason)) {
        fprintf(stderr, "error \"%s\" does not mention \"%s\"\n", err, reason);
        return 0;
    }
    return 1;
}

/* The countries of the real tables; fails the test when they do not load.
 * Caller owns the result and must destroy it. */
static inline at_gazetteer_t *td_real_gazetteer(void)
{
    char err[1024];
    at_gazetteer_t *g = at_gazetteer_new(td_data_dir(), err, sizeof err);
    if (!g)
        fail_msg("loading %s: %s", td_data_dir(), err);
    return g;
}

/* cmocka setup: the engine on the real tables in *state. */
static inline int td_setup_enrich(void **state)
{
    char err[1024];
    at_enrich_t *e = at_enrich_new(td_data_dir(), err, sizeof err);
    if (!e)
        fail_msg("%s", err);
    *state = e;
    return 0;
}

/* cmocka teardown of td_setup_enrich. */
static inline int td_teardown_enrich(void **state)
{
    at_enrich_t *e = *state;
    at_enrich_destroy(&e);
    assert_null(e);
    return 0;
}

/* A day written YYYY-MM-DD in a test; a bad one fails the test. */
static inline at_day_t td_day(const char *s)
{
    at_day_t d;
    if (at_day_parse(s, &d) != 0)
        fail_msg("bad test date %s", s);
    return d;
}

/* Line number of the first line of dir/file containing `text`; fails the
 * test when the text is not there. */
static inline int td_line_of(const char *dir, const char *file, const char *text)
{
    char *s = td_read(dir, file);
    assert_non_null(s);
    char *p = strstr(s, text);
    if (!p)
        fail_msg("%s not in %s", text, file);
    int line = 1;
    for (char *q = s; q < p; q++)
        line += *q == '\n';
    free(s);
    return line;
}

/* --- broken copies ---------------------------------------------------------- */

typedef struct td_fixture td_fixture_t;

/* The loader under test: loads the tables in f->dir (with f->gaz where it
 * takes the countries), frees what it loaded, and returns 0; or -1 with
 * the error in f->err. */
typedef int(td_load_fn)(td_fixture_t *f);

/* A copy of the real tables for one test to break. */
struct td_fixture {
    char *dir;           /* the copy (td_mkdtemp) */
    at_gazetteer_t *gaz; /* the copy's countries, loaded before any edit */
    td_load_fn *load;
    char err[2048];
};

/* cmocka setup body: a fresh copy in *state whose errors `load` reports.
 * Each test file wraps it in its own setup(void **). */
static inline int td_setup_copy(void **state, td_load_fn *load)
{
    td_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->load = load;
    f->dir = td_mkdtemp();
    assert_non_null(f->dir);
    assert_int_equal(td_copy_data(f->dir), 0);
    f->gaz = at_gazetteer_new(f->dir, f->err, sizeof f->err);
    if (!f->gaz)
        fail_msg("%s", f->err);
    *state = f;
    return 0;
}

/* cmocka teardown of td_setup_copy. */
static inline int td_teardown_copy(void **state)
{
    td_fixture_t *f = *state;
    at_gazetteer_destroy(&f->gaz);
    td_rmdir(&f->dir);
    free(f);
    return 0;
}

/* Load the copy, which must fail; the error is then in f->err. */
static inline void td_load_fails(td_fixture_t *f, const char *file, int line, const char *reason)
{
    if (f->load(f) == 0)
        fail_msg("load succeeded, expected %s:%d: %s", file, line, reason);
}

/* Load the copy, which must fail with "<dir>/<file>:<line>: " and an error
 * mentioning reason. */
static inline void td_expect_fail(td_fixture_t *f, const char *file, int line, const char *reason)
{
    td_load_fails(f, file, line, reason);
    assert_true(td_err_is(f->err, f->dir, file, line, reason));
}

/* Load the copy, which must fail with exactly "<dir>/<file>:<line>: <reason>". */
static inline void td_expect_exact(td_fixture_t *f, const char *file, int line, const char *reason)
{
    td_load_fails(f, file, line, reason);
    char want[4096];
    snprintf(want, sizeof want, "%s/%s:%d: %s", f->dir, file, line, reason);
    if (strcmp(f->err, want) != 0)
        fail_msg("error\n  \"%s\"\nexpected\n  \"%s\"", f->err, want);
}

#endif
