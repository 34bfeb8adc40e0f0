/*
 * Tests for at_jsonl through a real at_sinkq: rotation by size keeps
 * whole lines and every event exactly once across the files; rotation by
 * time starts a new file, even when idle; SIGHUP's reopen follows a file moved away
 * (logrotate).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_daemon.h"
#include "at_sinkspec.h"
#include "at_testutil.h"
#include "sink_test_events.h"

static char dir[] = "/tmp/at_jsonl_test.XXXXXX";
static const char *const kaz[] = {"KAZ", ""};

static at_sinkq_t *open_q(const char *text, at_sinkspec_t **s)
{
    char err[1024];
    *s = at_sinkspec_parse("t", text, 1000, err, sizeof err);
    if (!*s)
        fail_msg("%s", err);
    at_sinkq_t *q = at_sinkq_new(*s, err, sizeof err);
    if (!q)
        fail_msg("%s", err);
    return q;
}

static void push(at_sinkq_t *q, int i)
{
    char id[32];
    snprintf(id, sizeof id, "ev-%04d", i);
    at_sinkitem_t *it = test_item(id, kaz, NULL, NULL, 0);
    assert_int_equal(at_sinkq_push(q, it, 5000), 0);
    at_sinkitem_unref(&it);
}

/* Files in dir starting with prefix; their lines' ids appended to ids. */
static int scan(const char *sub, const char *prefix, int *seen, int nseen, long *min_size)
{
    char d[300];
    snprintf(d, sizeof d, "%s/%s", dir, sub);
    DIR *dh = opendir(d);
    assert_non_null(dh);
    struct dirent *e;
    int files = 0;
    *min_size = -1;
    while ((e = readdir(dh))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", d, e->d_name);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char line[8192];
        long size = 0;
        while (fgets(line, sizeof line, f)) {
            size_t n = strlen(line);
            assert_true(n > 0 && line[n - 1] == '\n'); /* whole lines only */
            size += (long)n;
            const char *p = strstr(line, "\"id\":\"ev-");
            assert_non_null(p);
            int i = atoi(p + 9);
            assert_true(i >= 0 && i < nseen);
            seen[i]++;
        }
        fclose(f);
        if (strcmp(e->d_name, prefix) != 0 && (*min_size < 0 || size < *min_size))
            *min_size = size; /* rotated files only */
        files++;
    }
    closedir(dh);
    return files;
}

static void test_rotate_by_size(void **state)
{
    (void)state;
    char sub[300], text[400];
    snprintf(sub, sizeof sub, "%s/size", dir);
    mkdir(sub, 0700);
    snprintf(text, sizeof text, "[rotate_bytes=4096,fsync=always,batch=3]jsonl:%s/ev.jsonl", sub);
    at_sinkspec_t *s;
    at_sinkq_t *q = open_q(text, &s);
    for (int i = 0; i < 60; i++)
        push(q, i);
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 5000), 0);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&s);
    int seen[60] = {0};
    long min_size;
    int files = scan("size", "ev.jsonl", seen, 60, &min_size);
    assert_true(files >= 3);
    assert_true(min_size >= 4096); /* rotated only once past the size */
    for (int i = 0; i < 60; i++)
        assert_int_equal(seen[i], 1);
}

static int count_files(const char *sub, const char *prefix)
{
    int seen[8] = {0};
    long min_size;
    return scan(sub, prefix, seen, 8, &min_size);
}

static void test_rotate_by_time(void **state)
{
    (void)state;
    char sub[300], text[400];
    snprintf(sub, sizeof sub, "%s/time", dir);
    mkdir(sub, 0700);
    snprintf(text, sizeof text, "[rotate_interval=1s,fsync=always]jsonl:%s/ev.jsonl", sub);
    at_sinkspec_t *s;
    at_sinkq_t *q = open_q(text, &s);
    push(q, 0);
    /* Rotated once the file is a second old, even with no new event. */
    for (int waited = 0; count_files("time", "ev.jsonl.") < 1 && waited < 20000; waited += 20)
        usleep(20000);
    assert_int_equal(count_files("time", "ev.jsonl."), 1);
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 5000), 0);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&s);
    int seen[8] = {0};
    long min_size;
    scan("time", "ev.jsonl.", seen, 8, &min_size);
    assert_int_equal(seen[0], 1); /* the event is in the rotated file */
}

static void test_reopen(void **state)
{
    (void)state;
    char sub[200], text[700], path[300], moved[300];
    snprintf(sub, sizeof sub, "%s/reopen", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof path, "%s/ev.jsonl", sub);
    snprintf(moved, sizeof moved, "%s/moved.jsonl", sub);
    snprintf(text, sizeof text, "[fsync=always]jsonl:%s", path);
    at_sinkspec_t *s;
    at_sinkq_t *q = open_q(text, &s);
    push(q, 0);
    for (int waited = 0; at_sinkq_durable(q) < 1 && waited < 10000; waited += 10)
        usleep(10000);
    /* logrotate: move the file away, then reopen (SIGHUP). */
    assert_int_equal(rename(path, moved), 0);
    at_sinkq_reopen(q);
    struct stat st;
    for (int waited = 0; stat(path, &st) != 0 && waited < 10000; waited += 10)
        usleep(10000);
    push(q, 1);
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 5000), 0);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&s);
    int seen[2] = {0}, seen_moved[2] = {0};
    long min_size;
    assert_int_equal(scan("reopen", "ev.jsonl", seen, 2, &min_size), 1);
    assert_int_equal(seen[1], 1);
    scan("reopen", "moved.jsonl", seen_moved, 2, &min_size);
    assert_int_equal(seen_moved[0], 1);
}

int main(void)
{
    at_json_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_rotate_by_size),
                                       cmocka_unit_test(test_rotate_by_time),
                                       cmocka_unit_test(test_reopen)};
    return at_test_run_in_dir(tests, dir);
}
