/*
 * Tests for at_spool: files taken in name order, dotfiles and other names
 * left alone, moves to done/ and failed/ (and name collisions there),
 * files renamed in while watching (inotify wakes the poll), a file still
 * open for writing passed over until closed, a huge JSON-lines file read
 * over several calls, over-long lines and over-large files, lines with
 * invalid UTF-8, the STOP verdict, the directory lock, files that cannot
 * be moved, and the spool directory disappearing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_json.h"
#include "at_ninjs.h"
#include "at_spool.h"
#include "at_testutil.h"

#define NOW 1720000000LL

typedef struct {
    char dir[64];
} fixture_t;

/* What the callback saw, and how it answers. */
typedef struct {
    char log[8192]; /* "file:line:verdict;" per record, E for error records */
    unsigned records, accepted, rejected, errors;
    unsigned stop_at; /* return STOP at this record (1-based); 0 = never */
    bool quick;       /* accept every record unparsed, log only errors */
    char last_error[160];
} sink_t;

static int on_record(void *arg, const at_spool_record_t *rec)
{
    sink_t *s = arg;
    s->records++;
    if (s->stop_at && s->records == s->stop_at)
        return AT_SPOOL_STOP;
    char v;
    int verdict;
    if (rec->error) {
        s->errors++;
        snprintf(s->last_error, sizeof s->last_error, "%s", rec->error);
        v = 'E';
        verdict = AT_SPOOL_REJECT;
    } else if (s->quick) {
        s->accepted++;
        return AT_SPOOL_ACCEPT;
    } else {
        char err[256];
        Attache__V1__NewsItem *item =
            at_ninjs_parse_any(rec->data, rec->len, "spool", NOW, err, sizeof err);
        verdict = item ? AT_SPOOL_ACCEPT : AT_SPOOL_REJECT;
        v = item ? 'A' : 'R';
        at_json_item_free(&item);
    }
    if (verdict == AT_SPOOL_ACCEPT)
        s->accepted++;
    else
        s->rejected++;
    size_t n = strlen(s->log);
    if (n < sizeof s->log - 128)
        snprintf(s->log + n, sizeof s->log - n, "%s:%lu:%c;", rec->file, rec->line, v);
    return verdict;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/at_spool_test.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    at_test_rmdir(f->dir);
    free(f);
    return 0;
}

/* Write a file directly (the test's own "producer"). */
static void put(const char *dir, const char *name, const char *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        assert_true(n > 0);
        off += (size_t)n;
    }
    close(fd);
}

static void puts_(const char *dir, const char *name, const char *data)
{
    put(dir, name, data, strlen(data));
}

/* The documented producer protocol: write a dotfile, rename it in. */
static void deliver_file(const char *dir, const char *name, const char *data)
{
    char tmp[64], from[256], to[256];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    puts_(dir, tmp, data);
    snprintf(from, sizeof from, "%s/%s", dir, tmp);
    snprintf(to, sizeof to, "%s/%s", dir, name);
    assert_int_equal(rename(from, to), 0);
}

static bool exists(const char *dir, const char *sub, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s%s%s", dir, sub, sub[0] ? "/" : "", name);
    struct stat st;
    return lstat(path, &st) == 0;
}

static at_spool_t *spool_ok(const char *dir, const at_spool_opts_t *opts)
{
    char err[256] = "";
    at_spool_t *sp = at_spool_new(dir, opts, err, sizeof err);
    if (!sp)
        fail_msg("at_spool_new: %s", err);
    return sp;
}

/* Process until nothing is left to do now. Returns files moved. */
static int drain(at_spool_t *sp, sink_t *s)
{
    char err[256] = "";
    int total = 0;
    for (int i = 0; i < 100000; i++) {
        int n = at_spool_process(sp, on_record, s, err, sizeof err);
        if (n < 0)
            fail_msg("at_spool_process: %s", err);
        total += n;
        if (at_spool_timeout_ms(sp) > 0)
            return total;
    }
    fail_msg("spool never settled");
    return total;
}

static bool readable_within(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static const char ITEM_A[] = "{\"url\":\"https://a.example/1\",\"title\":\"A one\"}";
static const char NINJS_C[] = "{\"uri\":\"urn:c\",\"headline\":\"C ninjs\"}";

static void test_order_and_moves(void **state)
{
    fixture_t *f = *state;
    puts_(f->dir, "b.jsonl",
          "{\"url\":\"https://b.example/1\",\"title\":\"B1\"}\n\n"
          "{\"url\":\"https://b.example/2\",\"title\":\"B2\"}\n");
    puts_(f->dir, "a.json", ITEM_A);
    puts_(f->dir, "c.ninjs", NINJS_C);
    puts_(f->dir, "d.ndjson", "{\"uri\":\"urn:d\",\"headline\":\"D\"}");
    puts_(f->dir, "bad.json", "{\"title\":");
    puts_(f->dir, "empty.json", "  \n");
    puts_(f->dir, "junk.jsonl", "not json\nalso not\n");
    puts_(f->dir, ".hidden.json", ITEM_A);
    puts_(f->dir, "notes.txt", "hello");
    puts_(f->dir, "partial.json.tmp", ITEM_A);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/dir.json", f->dir);
    assert_int_equal(mkdir(sub, 0755), 0);

    at_spool_t *sp = spool_ok(f->dir, NULL);
    assert_int_equal(at_spool_timeout_ms(sp), 0); /* never scanned: work to do */
    sink_t s = {0};
    assert_int_equal(drain(sp, &s), 7);
    assert_string_equal(s.log, "a.json:0:A;"
                               "b.jsonl:1:A;b.jsonl:3:A;"
                               "bad.json:0:R;"
                               "c.ninjs:0:A;"
                               "d.ndjson:1:A;"
                               "empty.json:0:E;"
                               "junk.jsonl:1:R;junk.jsonl:2:R;");
    assert_string_equal(s.last_error, "empty file");
    const char *done[] = {"a.json", "b.jsonl", "c.ninjs", "d.ndjson"};
    for (size_t i = 0; i < 4; i++) {
        assert_true(exists(f->dir, "done", done[i]));
        assert_false(exists(f->dir, "", done[i]));
    }
    const char *failed[] = {"bad.json", "empty.json", "junk.jsonl"};
    for (size_t i = 0; i < 3; i++)
        assert_true(exists(f->dir, "failed", failed[i]));
    /* Left alone. */
    assert_true(exists(f->dir, "", ".hidden.json"));
    assert_true(exists(f->dir, "", "notes.txt"));
    assert_true(exists(f->dir, "", "partial.json.tmp"));
    assert_true(exists(f->dir, "", "dir.json"));

    at_spool_stats_t st;
    at_spool_stats(sp, &st);
    assert_int_equal(st.files_done, 4);
    assert_int_equal(st.files_failed, 3);
    assert_int_equal(st.records, 9);
    assert_int_equal(st.records_rejected, 4);
    assert_int_equal(st.move_errors, 0);

    /* Nothing more to do until the next rescan. */
    assert_true(at_spool_timeout_ms(sp) > 0);
    char err[128];
    assert_int_equal(at_spool_process(sp, on_record, &s, err, sizeof err), 0);

    /* A second file of a name already in done/ does not replace it. */
    deliver_file(f->dir, "a.json", ITEM_A);
    assert_true(readable_within(at_spool_fd(sp), 2000));
    assert_int_equal(drain(sp, &s), 1);
    assert_true(exists(f->dir, "done", "a.json"));
    assert_true(exists(f->dir, "done", "a.json.1"));
    at_spool_destroy(&sp);
    assert_null(sp);
    at_spool_destroy(&sp);
}

static void test_inotify(void **state)
{
    fixture_t *f = *state;
    at_spool_opts_t opts = {.rescan_ms = 60000}; /* only inotify can wake it */
    at_spool_t *sp = spool_ok(f->dir, &opts);
    int fd = at_spool_fd(sp);
    assert_true(fd >= 0);
    sink_t s = {0};
    assert_int_equal(drain(sp, &s), 0);
    assert_true(at_spool_timeout_ms(sp) > 50000);
    assert_false(readable_within(fd, 0));

    /* A producer's dotfile alone wakes the poll but is no work. */
    puts_(f->dir, ".x.jsonl.tmp", "{}");
    assert_true(readable_within(fd, 2000));
    char err[128];
    assert_int_equal(at_spool_process(sp, on_record, &s, err, sizeof err), 0);
    assert_int_equal(s.records, 0);
    assert_true(at_spool_timeout_ms(sp) > 50000);

    /* Files renamed in while we watch. */
    for (int i = 0; i < 3; i++) {
        char name[32], line[128];
        snprintf(name, sizeof name, "live-%d.jsonl", i);
        snprintf(line, sizeof line, "{\"url\":\"https://live.example/%d\",\"title\":\"L%d\"}\n", i,
                 i);
        deliver_file(f->dir, name, line);
        assert_true(readable_within(fd, 2000));
        assert_int_equal(drain(sp, &s), 1);
        assert_int_equal(s.accepted, (unsigned)i + 1);
        assert_true(exists(f->dir, "done", name));
    }
    at_spool_destroy(&sp);
}

static void test_busy_writer(void **state)
{
    fixture_t *f = *state;
    at_spool_opts_t opts = {.rescan_ms = 60000};
    at_spool_t *sp = spool_ok(f->dir, &opts);
    sink_t s = {0};
    drain(sp, &s);

    /* A producer that ignores the protocol and writes in place. */
    char path[128];
    snprintf(path, sizeof path, "%s/inplace.jsonl", f->dir);
    int wfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(wfd >= 0);
    const char *l1 = "{\"url\":\"https://w.example/1\",\"title\":\"W1\"}\n";
    assert_int_equal(write(wfd, l1, strlen(l1)), (ssize_t)strlen(l1));
    /* Force a scan while it is open: a second, complete file arrives. */
    deliver_file(f->dir, "other.json", ITEM_A);
    assert_true(readable_within(at_spool_fd(sp), 2000));
    drain(sp, &s);
    at_spool_stats_t st;
    at_spool_stats(sp, &st);
    assert_true(st.busy_skips >= 1);
    assert_int_equal(st.files_done, 1);
    assert_true(exists(f->dir, "", "inplace.jsonl"));
    assert_string_equal(s.log, "other.json:0:A;");

    /* The writer finishes: closing it wakes the spool. */
    const char *l2 = "{\"url\":\"https://w.example/2\",\"title\":\"W2\"}\n";
    assert_int_equal(write(wfd, l2, strlen(l2)), (ssize_t)strlen(l2));
    close(wfd);
    assert_true(readable_within(at_spool_fd(sp), 2000));
    assert_int_equal(drain(sp, &s), 1);
    assert_string_equal(s.log, "other.json:0:A;inplace.jsonl:1:A;inplace.jsonl:2:A;");
    at_spool_destroy(&sp);
}

static void test_huge(void **state)
{
    fixture_t *f = *state;
    /* 100 000 lines, about 6 MB: read over many calls. */
    size_t lines = 100000;
    size_t cap = lines * 64;
    char *big = malloc(cap);
    size_t len = 0;
    for (size_t i = 0; i < lines; i++)
        len += (size_t)snprintf(big + len, cap - len,
                                "{\"url\":\"https://h.example/%zu\",\"title\":\"t\"}\n", i);
    put(f->dir, "huge.jsonl", big, len);
    free(big);

    /* A whole-file object over the limit, and a line over it. */
    at_spool_opts_t opts = {.max_record = 1 << 20};
    size_t over = 3u << 20;
    char *blob = malloc(over);
    memset(blob, ' ', over);
    blob[0] = '{';
    blob[over - 1] = '}';
    put(f->dir, "toolarge.json", blob, over);
    char *longline = malloc(over + 128);
    len = (size_t)snprintf(longline, 128, "%s\n", ITEM_A);
    memset(longline + len, 'x', over);
    len += over;
    len += (size_t)snprintf(longline + len, 128, "\n%s\n", ITEM_A);
    put(f->dir, "longline.jsonl", longline, len);
    free(blob);
    free(longline);

    at_spool_t *sp = spool_ok(f->dir, &opts);
    sink_t s = {.quick = true};
    char err[128];
    int calls = 0, moved = 0;
    while (at_spool_timeout_ms(sp) == 0) {
        int n = at_spool_process(sp, on_record, &s, err, sizeof err);
        assert_true(n >= 0);
        moved += n;
        calls++;
    }
    assert_int_equal(moved, 3);
    assert_true(calls >= (int)(lines / AT_SPOOL_DEFAULT_MAX_RECORDS));
    assert_int_equal(s.accepted, lines + 2);
    assert_int_equal(s.errors, 2);
    assert_true(exists(f->dir, "done", "huge.jsonl"));
    assert_true(exists(f->dir, "done", "longline.jsonl"));
    assert_true(exists(f->dir, "failed", "toolarge.json"));
    assert_non_null(strstr(s.log, "longline.jsonl:2:E;"));
    assert_non_null(strstr(s.log, "toolarge.json:0:E;"));
    at_spool_destroy(&sp);
}

static void test_invalid_utf8(void **state)
{
    fixture_t *f = *state;
    puts_(f->dir, "mixed.jsonl",
          "{\"url\":\"https://u.example/1\",\"title\":\"ok\"}\n"
          "{\"url\":\"https://u.example/2\",\"title\":\"bad \xff\xfe bytes\"}\n"
          "{\"url\":\"https://u.example/3\",\"title\":\"overlong \xc0\xaf\"}\n"
          "{\"url\":\"https://u.example/4\",\"title\":\"caf\xc3\xa9\"}\n");
    puts_(f->dir, "allbad.jsonl", "\xff\xff\xff\n\x80\x80\n");
    at_spool_t *sp = spool_ok(f->dir, NULL);
    sink_t s = {0};
    assert_int_equal(drain(sp, &s), 2);
    assert_string_equal(s.log, "allbad.jsonl:1:R;allbad.jsonl:2:R;"
                               "mixed.jsonl:1:A;mixed.jsonl:2:R;mixed.jsonl:3:R;mixed.jsonl:4:A;");
    assert_true(exists(f->dir, "done", "mixed.jsonl"));
    assert_true(exists(f->dir, "failed", "allbad.jsonl"));
    at_spool_destroy(&sp);
}

static void test_stop(void **state)
{
    fixture_t *f = *state;
    puts_(f->dir, "s.jsonl",
          "{\"url\":\"https://s.example/1\",\"title\":\"S1\"}\n"
          "{\"url\":\"https://s.example/2\",\"title\":\"S2\"}\n");
    puts_(f->dir, "t.json", ITEM_A);
    at_spool_opts_t opts = {.rescan_ms = 50};
    at_spool_t *sp = spool_ok(f->dir, &opts);
    sink_t s = {.stop_at = 2};
    char err[128];
    assert_int_equal(at_spool_process(sp, on_record, &s, err, sizeof err), 0);
    assert_int_equal(s.records, 2);
    assert_true(exists(f->dir, "", "s.jsonl"));
    assert_true(exists(f->dir, "", "t.json"));
    assert_true(at_spool_timeout_ms(sp) > 0); /* waits for the rescan */

    /* After the rescan the file is read again from its start. */
    usleep(80 * 1000);
    s.stop_at = 0;
    s.log[0] = '\0';
    assert_int_equal(drain(sp, &s), 2);
    assert_string_equal(s.log, "s.jsonl:1:A;s.jsonl:2:A;t.json:0:A;");
    at_spool_destroy(&sp);

    /* STOP on a whole file leaves it too; destroying mid-file as well. */
    deliver_file(f->dir, "u.json", ITEM_A);
    puts_(f->dir, "v.jsonl", "{\"url\":\"https://v.example/1\",\"title\":\"V\"}\n");
    opts.max_records = 1;
    sp = spool_ok(f->dir, &opts);
    sink_t s2 = {.stop_at = 1};
    assert_int_equal(at_spool_process(sp, on_record, &s2, err, sizeof err), 0);
    assert_true(exists(f->dir, "", "u.json"));
    at_spool_destroy(&sp);
    assert_true(exists(f->dir, "", "u.json"));
    assert_true(exists(f->dir, "", "v.jsonl"));
}

static void test_lock_and_errors(void **state)
{
    fixture_t *f = *state;
    at_spool_t *sp = spool_ok(f->dir, NULL);
    char err[256] = "";
    assert_null(at_spool_new(f->dir, NULL, err, sizeof err));
    assert_non_null(strstr(err, "in use by another process"));
    at_spool_destroy(&sp);
    /* Released with the spool. */
    sp = spool_ok(f->dir, NULL);
    at_spool_destroy(&sp);

    char missing[128];
    snprintf(missing, sizeof missing, "%s/nope", f->dir);
    assert_null(at_spool_new(missing, NULL, err, sizeof err));
    assert_non_null(strstr(err, "No such file or directory"));
    assert_null(at_spool_new("", NULL, err, sizeof err));
    assert_null(at_spool_new(NULL, NULL, NULL, 0));
    assert_int_equal(at_spool_fd(NULL), -1);
    assert_int_equal(at_spool_process(NULL, on_record, NULL, err, sizeof err), -1);
}

static void test_symlink_and_stuck(void **state)
{
    fixture_t *f = *state;
    char target[128], link[128];
    snprintf(target, sizeof target, "%s/../", f->dir);
    snprintf(link, sizeof link, "%s/link.json", f->dir);
    assert_int_equal(symlink("/etc/passwd", link), 0);
    at_spool_opts_t opts = {.rescan_ms = 20};
    at_spool_t *sp = spool_ok(f->dir, &opts);
    sink_t s = {0};
    assert_int_equal(drain(sp, &s), 1);
    assert_string_equal(s.log, "link.json:0:E;");
    assert_string_equal(s.last_error, "not a regular file");
    assert_true(exists(f->dir, "failed", "link.json"));

    /* done/ removed under us: the file cannot be moved, is left in place,
     * and is not delivered again on later scans. */
    char done[128];
    snprintf(done, sizeof done, "%s/done", f->dir);
    assert_int_equal(rmdir(done), 0);
    deliver_file(f->dir, "stuck.json", ITEM_A);
    s.log[0] = '\0';
    usleep(30 * 1000);
    drain(sp, &s);
    assert_string_equal(s.log, "stuck.json:0:A;");
    usleep(30 * 1000);
    drain(sp, &s);
    assert_string_equal(s.log, "stuck.json:0:A;");
    at_spool_stats_t st;
    at_spool_stats(sp, &st);
    assert_int_equal(st.move_errors, 1);
    assert_true(exists(f->dir, "", "stuck.json"));
    at_spool_destroy(&sp);
}

static void test_dir_removed(void **state)
{
    fixture_t *f = *state;
    char sub[128];
    snprintf(sub, sizeof sub, "%s/spool", f->dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    at_spool_t *sp = spool_ok(sub, NULL);
    sink_t s = {0};
    drain(sp, &s);
    at_test_rmdir(sub);
    char err[256] = "";
    int rc = 0;
    for (int i = 0; i < 50 && rc == 0; i++) {
        readable_within(at_spool_fd(sp), 100);
        rc = at_spool_process(sp, on_record, &s, err, sizeof err);
    }
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "removed"));
    at_spool_destroy(&sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inotify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_huge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_and_stuck, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_removed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
