/*
 * Tests for at_sinkq with real backends: events become durable only at
 * commit; a failing output (ENOSPC from /dev/full, and a real full tmpfs
 * when the test may mount one) holds its batch, fills its queue, reports
 * failing, never leaves half a line, and counts what it gives up at
 * shutdown as lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_daemon.h"
#include "at_sinkspec.h"
#include "at_testutil.h"
#include "sink_test_events.h"

static char dir[] = "/tmp/at_sinkq_test.XXXXXX";
static const char *const kaz[] = {"KAZ", ""};

static at_sinkspec_t *spec(const char *text)
{
    char err[1024];
    at_sinkspec_t *s = at_sinkspec_parse("t", text, 1000, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    return s;
}

static void push_n(at_sinkq_t *q, int from, int n)
{
    for (int i = from; i < from + n; i++) {
        char id[32];
        snprintf(id, sizeof id, "ev-%d", i);
        at_sinkitem_t *it =
            test_item(id, kaz, "Q7747", "warrant_exposure", ATTACHE__V1__SEVERITY__SEVERITY_NOTICE);
        assert_non_null(it);
        assert_int_equal(at_sinkq_push(q, it, 5000), 0);
        at_sinkitem_unref(&it);
    }
}

static int wait_until(int (*pred)(void *), void *arg, int ms)
{
    for (int waited = 0; waited < ms; waited += 10) {
        if (pred(arg))
            return 1;
        usleep(10000);
    }
    return pred(arg);
}

static int is_failing(void *q)
{
    return at_sinkq_failing(q);
}

static long count_lines(const char *path, int *partial)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long n = 0;
    int c, last = '\n';
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n')
            n++;
        last = c;
    }
    fclose(f);
    if (partial)
        *partial = last != '\n';
    return n;
}

static void test_durable_at_commit(void **state)
{
    (void)state;
    char path[200], text[300], err[512];
    snprintf(path, sizeof path, "%s/a.jsonl", dir);
    /* Commit only every hour (or at 1000 events, or at shutdown). */
    snprintf(text, sizeof text, "[fsync=interval,fsync_ms=1h]jsonl:%s", path);
    at_sinkspec_t *s = spec(text);
    at_sinkq_t *q = at_sinkq_new(s, err, sizeof err);
    assert_non_null(q);
    push_n(q, 0, 5);
    usleep(100000);
    assert_int_equal(at_sinkq_durable(q), 0); /* written to memory, not committed */
    assert_int_equal(at_sinkq_done(q), 0);
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 5000), 0);
    assert_int_equal(at_sinkq_durable(q), 5);
    assert_int_equal(at_sinkq_done(q), 5);
    at_sinkq_stats_t st;
    at_sinkq_stats(q, &st);
    assert_int_equal(st.queued, 5);
    assert_int_equal(st.written, 5);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.depth, 0);
    assert_int_equal(st.lag_ms, 0);
    at_sinkq_destroy(&q);
    assert_null(q);
    at_sinkspec_destroy(&s);
    int partial = 0;
    assert_int_equal(count_lines(path, &partial), 5);
    assert_false(partial);

    /* fsync=always commits as soon as the queue is empty. */
    snprintf(text, sizeof text, "[fsync=always]jsonl:%s", path);
    s = spec(text);
    q = at_sinkq_new(s, err, sizeof err);
    assert_non_null(q);
    push_n(q, 5, 3);
    for (int i = 0; i < 500 && at_sinkq_durable(q) < 3; i++)
        usleep(10000);
    assert_int_equal(at_sinkq_durable(q), 3);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&s);
    assert_int_equal(count_lines(path, NULL), 8);
}

static void test_failing_output(void **state)
{
    (void)state;
    char err[512];
    /* /dev/full: every write is ENOSPC. */
    at_sinkspec_t *s = spec("[queue=4,fsync=always]jsonl:/dev/full");
    at_sinkq_t *q = at_sinkq_new(s, err, sizeof err);
    assert_non_null(q);
    push_n(q, 0, 1);
    assert_true(wait_until(is_failing, q, 10000));
    push_n(q, 1, 4); /* fills the queue behind the held batch */
    at_sinkitem_t *it = test_item("one-too-many", kaz, NULL, NULL, 0);
    assert_int_equal(at_sinkq_push(q, it, 0), 1); /* full */
    at_sinkitem_unref(&it);
    at_sinkq_stats_t st;
    at_sinkq_stats(q, &st);
    assert_int_equal(st.depth, 4);
    assert_true(st.failed >= 1);
    assert_int_equal(at_sinkq_done(q), 0); /* nothing may be acked */
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 200), -1);
    at_sinkq_stats(q, &st);
    assert_int_equal(st.lost, 5);
    assert_int_equal(st.written, 0);
    assert_int_equal(at_sinkq_durable(q), 0);
    assert_int_equal(at_sinkq_done(q), 5);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&s);
}

/* A real full disk: a 64 KiB tmpfs. Needs CAP_SYS_ADMIN; skipped (with a
 * note) without it, the /dev/full case above still covers ENOSPC. */
static void test_full_tmpfs(void **state)
{
    (void)state;
    char mnt[200], path[260], text[400], err[512];
    snprintf(mnt, sizeof mnt, "%s/small", dir);
    mkdir(mnt, 0700);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
        printf("note: cannot mount a tmpfs here (%s); full-disk case covered by /dev/full\n",
               strerror(errno));
        return;
    }
    snprintf(path, sizeof path, "%s/events.jsonl", mnt);
    snprintf(text, sizeof text, "[fsync=always,batch=7]jsonl:%s", path);
    at_sinkspec_t *s = spec(text);
    at_sinkq_t *q = at_sinkq_new(s, err, sizeof err);
    assert_non_null(q);
    /* ~700 bytes per event: 64 KiB holds fewer than 100. */
    for (int i = 0; i < 200 && !at_sinkq_failing(q); i++)
        push_n(q, i, 1);
    assert_true(wait_until(is_failing, q, 10000));
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 200), -1);
    at_sinkq_stats_t st;
    at_sinkq_stats(q, &st);
    assert_true(st.written > 0);
    assert_true(st.lost > 0);
    assert_int_equal(st.written + st.lost, st.queued);
    /* What is in the file is exactly the durable events, whole lines. */
    int partial = 0;
    assert_int_equal(count_lines(path, &partial), (long)st.written);
    assert_false(partial);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&s);
    assert_int_equal(umount(mnt), 0);
}

int main(void)
{
    at_json_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_durable_at_commit),
                                       cmocka_unit_test(test_failing_output),
                                       cmocka_unit_test(test_full_tmpfs)};
    return at_test_run_in_dir(tests, dir);
}
