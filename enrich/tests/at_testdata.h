/*
 * at_testdata: helpers shared by the enrich unit tests.
 *
 * The real tables are found through ATTACHE_DATA_DIR (set by ctest via
 * attache_unit_test). Loader error tests copy them into a fresh mkdtemp
 * directory and break one file there, so every error is tested against
 * an otherwise valid data set.
 */
#ifndef AT_TESTDATA_H
#define AT_TESTDATA_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#endif
