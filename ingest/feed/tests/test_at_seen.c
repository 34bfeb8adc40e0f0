/*
 * Tests for at_seen: dedup that survives a reopen, the title rule (same
 * source and day vs another day vs another source), title keys, retention
 * pruning, batches and rollback, two processes recording into one file at
 * once (the same story from two feeds is emitted once), corrupt, foreign
 * and newer files, read-only opening, and the feed state round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "at_seen.h"
#include "at_testutil.h"

#define DAY 86400LL
#define T0  1720000000LL /* 2024-07-03 09:46:40 UTC */

typedef struct {
    char dir[64];
    char path[128];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/at_seen_test.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
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

static at_seen_t *open_ok(const char *path)
{
    char err[256] = "";
    at_seen_t *s = at_seen_open(path, err, sizeof err);
    if (!s)
        fail_msg("open %s: %s", path, err);
    return s;
}

static int add(at_seen_t *s, const char *id, const char *source, const char *title,
               int64_t day_time, int64_t now)
{
    char key[AT_SEEN_TITLE_KEY_MAX];
    char err[256] = "";
    at_seen_title_key(title, key, sizeof key);
    int rc = at_seen_check_and_add(s, id, source, key, day_time, now, err, sizeof err);
    if (rc < 0)
        fail_msg("check_and_add %s: %s", id, err);
    return rc;
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* --- dedup --------------------------------------------------------------- */

static void test_dedup_survives_reopen(void **state)
{
    fixture_t *f = *state;
    at_seen_t *s = open_ok(f->path);
    assert_int_equal(add(s, "id-a", "src", "A", T0, T0), 1);
    assert_int_equal(add(s, "id-b", "src", "B", T0, T0), 1);
    assert_int_equal(add(s, "id-c", "src", NULL, 0, T0), 1);
    assert_int_equal(add(s, "id-a", "src", "A", T0, T0), 0);
    assert_int_equal(at_seen_last_dup(s), AT_SEEN_DUP_ID);
    at_seen_close(&s);
    assert_null(s);
    at_seen_close(&s); /* NULL-safe */

    /* A restart re-emits nothing. */
    s = open_ok(f->path);
    assert_int_equal(add(s, "id-a", "src", "A", T0, T0 + 60), 0);
    assert_int_equal(add(s, "id-b", "src", "B", T0, T0 + 60), 0);
    assert_int_equal(add(s, "id-c", "src", NULL, 0, T0 + 60), 0);
    assert_int_equal(add(s, "id-d", "src", "D", T0, T0 + 60), 1);
    assert_int_equal(at_seen_last_dup(s), AT_SEEN_NEW);
    int64_t items = -1, titles = -1;
    assert_int_equal(at_seen_count(s, &items, &titles), 0);
    assert_int_equal(items, 4);
    assert_int_equal(titles, 3);

    char err[128] = "";
    assert_int_equal(at_seen_check_and_add(s, "", "src", NULL, 0, T0, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty item id"));
    assert_int_equal(at_seen_check_and_add(s, NULL, "src", NULL, 0, T0, NULL, 0), -1);
    at_seen_close(&s);
}

static void test_title_rule(void **state)
{
    fixture_t *f = *state;
    at_seen_t *s = open_ok(f->path);
    const char *t = "Putin lands in Astana for SCO summit";
    assert_int_equal(add(s, "u1", "wire", t, T0, T0), 1);
    /* Same source, same UTC day, another URL, a slightly different title. */
    assert_int_equal(add(s, "u2", "wire", "PUTIN lands in Astana for SCO summit!", T0 + 3600, T0),
                     0);
    assert_int_equal(at_seen_last_dup(s), AT_SEEN_DUP_TITLE);
    /* The duplicate's id is recorded: it stays a duplicate. */
    assert_int_equal(add(s, "u2", "wire", "something else", T0, T0), 0);
    assert_int_equal(at_seen_last_dup(s), AT_SEEN_DUP_ID);
    /* Same source, next day: a new story. */
    assert_int_equal(add(s, "u3", "wire", t, T0 + DAY, T0), 1);
    /* Another source, same day: its own story. */
    assert_int_equal(add(s, "u4", "paper", t, T0, T0), 1);
    /* No published time: the day of `now` counts. T0 is published day of
     * u1, so an unknown date seen on that day is a duplicate. */
    assert_int_equal(add(s, "u5", "wire", t, 0, T0 + 60), 0);
    assert_int_equal(add(s, "u6", "wire", t, 0, T0 + 2 * DAY), 1);
    /* Empty source is a namespace of its own. */
    assert_int_equal(add(s, "u7", "", t, T0, T0), 1);
    assert_int_equal(add(s, "u8", "", t, T0, T0), 0);
    assert_int_equal(add(s, "u8b", NULL, t, T0, T0), 0);
    /* No key: only the id rule applies. */
    assert_int_equal(add(s, "u9", "wire", "", T0, T0), 1);
    assert_int_equal(add(s, "u10", "wire", "   ...   ", T0, T0), 1);
    at_seen_close(&s);
}

static void expect_key(const char *title, const char *want)
{
    char key[AT_SEEN_TITLE_KEY_MAX];
    size_t n = at_seen_title_key(title, key, sizeof key);
    assert_string_equal(key, want);
    assert_int_equal(n, strlen(want));
}

static void test_title_key(void **state)
{
    (void)state;
    expect_key("Putin Lands in Astana", "putin lands in astana");
    expect_key("  Putin\tlands \n in   Astana!!! ", "putin lands in astana");
    expect_key("Putin's visit", "putins visit");
    expect_key("Putin\xe2\x80\x99s visit", "putins visit");           /* U+2019 */
    expect_key("\xe2\x80\x98Quoted\xe2\x80\x99 word", "quoted word"); /* U+2018 */
    expect_key("U.S.-Russia talks: day 2", "u s russia talks day 2");
    expect_key("A\xc2\xa0"
               "B",
               "a b"); /* no-break space */
    /* Non-ASCII kept verbatim, no folding. */
    expect_key("\xc3\x89lections \xc3\xa0 Paris", "\xc3\x89lections \xc3\xa0 paris");
    expect_key("Путин в Астане", "Путин в Астане");
    expect_key("Президент — визит", "Президент — визит");
    expect_key("", "");
    expect_key("!!! ???", "");
    expect_key(NULL, "");

    /* Truncation keeps whole UTF-8 sequences and a NUL. */
    char small[6];
    assert_int_equal(at_seen_title_key("ab \xc3\xa9\xc3\xa9", small, sizeof small), 5);
    assert_string_equal(small, "ab \xc3\xa9");
    char tiny[4];
    assert_int_equal(at_seen_title_key("ab \xc3\xa9", tiny, sizeof tiny), 2);
    assert_string_equal(tiny, "ab");
    char one[1];
    assert_int_equal(at_seen_title_key("abc", one, sizeof one), 0);
    assert_string_equal(one, "");
    assert_int_equal(at_seen_title_key("abc", NULL, 0), 0);

    /* Long titles are cut below the maximum. */
    char longt[2000];
    memset(longt, 'x', sizeof longt - 1);
    longt[sizeof longt - 1] = '\0';
    char key[AT_SEEN_TITLE_KEY_MAX];
    assert_int_equal(at_seen_title_key(longt, key, sizeof key), AT_SEEN_TITLE_KEY_MAX - 1);

    /* Malformed UTF-8 never reads past the end. */
    expect_key("abc \xe2\x80", "abc \xe2\x80");
    expect_key("\xff\xfe x", "\xff\xfe x");
}

/* --- retention ----------------------------------------------------------- */

static void test_prune(void **state)
{
    fixture_t *f = *state;
    at_seen_t *s = open_ok(f->path);
    /* More than one prune chunk of old rows. */
    assert_int_equal(at_seen_begin(s), 0);
    char id[32];
    for (int i = 0; i < 25000; i++) {
        snprintf(id, sizeof id, "old-%d", i);
        assert_int_equal(add(s, id, "src", i < 10 ? id : NULL, T0, T0 - 30 * DAY), 1);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "new-%d", i);
        assert_int_equal(add(s, id, "src", id, T0, T0), 1);
    }
    assert_int_equal(at_seen_commit(s), 0);

    assert_int_equal(at_seen_prune(s, T0 - 7 * DAY), 25000 + 10);
    int64_t items, titles;
    assert_int_equal(at_seen_count(s, &items, &titles), 0);
    assert_int_equal(items, 100);
    assert_int_equal(titles, 100);
    /* Forgotten ids are new again; kept ones are not. */
    assert_int_equal(add(s, "old-1", "src", "old-1", T0, T0), 1);
    assert_int_equal(add(s, "new-1", "src", NULL, T0, T0), 0);
    assert_int_equal(at_seen_prune(s, T0 - 7 * DAY), 0);
    at_seen_close(&s);
}

/* --- batches ------------------------------------------------------------- */

static void test_batch(void **state)
{
    fixture_t *f = *state;
    at_seen_t *s = open_ok(f->path);
    assert_int_equal(at_seen_commit(s), -1);
    assert_non_null(strstr(at_seen_errmsg(s), "no batch"));
    assert_int_equal(at_seen_rollback(s), -1);

    assert_int_equal(at_seen_begin(s), 0);
    assert_int_equal(at_seen_begin(s), -1);
    assert_int_equal(add(s, "x", "src", "X story", T0, T0), 1);
    assert_int_equal(add(s, "x", "src", "X story", T0, T0), 0);
    assert_int_equal(add(s, "y", "src", "X story", T0, T0), 0);
    /* The next hop refused the batch: roll back, it is all new again. */
    assert_int_equal(at_seen_rollback(s), 0);
    assert_int_equal(add(s, "y", "src", "X story", T0, T0), 1);
    assert_int_equal(add(s, "x", "src", "X story", T0, T0), 0);
    assert_int_equal(at_seen_last_dup(s), AT_SEEN_DUP_TITLE);

    /* A batch left open at close is rolled back. */
    assert_int_equal(at_seen_begin(s), 0);
    assert_int_equal(add(s, "z", "src", NULL, T0, T0), 1);
    at_seen_close(&s);
    s = open_ok(f->path);
    assert_int_equal(add(s, "z", "src", NULL, T0, T0), 1);

    /* Committed batches persist. */
    assert_int_equal(at_seen_begin(s), 0);
    assert_int_equal(add(s, "w", "src", NULL, T0, T0), 1);
    assert_int_equal(at_seen_commit(s), 0);
    at_seen_close(&s);
    s = open_ok(f->path);
    assert_int_equal(add(s, "w", "src", NULL, T0, T0), 0);
    at_seen_close(&s);
}

/* A batch whose commit cannot be written (the file size limit stands in
 * for a full disk): the commit fails, and every id of the batch is new
 * again afterwards, in this handle and after a restart. */
static void test_batch_write_fails(void **state)
{
    fixture_t *f = *state;
    at_seen_t *s = open_ok(f->path);
    assert_int_equal(add(s, "before", "src", NULL, T0, T0), 1);
    at_seen_close(&s);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char err[256];
        at_seen_t *c = at_seen_open(f->path, err, sizeof err);
        if (!c)
            _exit(2);
        signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of dying */
        struct rlimit rl = {256 * 1024, 256 * 1024};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(3);
        if (at_seen_begin(c) != 0)
            _exit(4);
        char id[32], title[600];
        int failed_call = 0;
        for (int i = 0; i < 3000; i++) {
            snprintf(id, sizeof id, "batch-%d", i);
            snprintf(title, sizeof title, "%d %0500d", i, 0); /* fat rows */
            if (at_seen_check_and_add(c, id, "src", title, T0, T0, err, sizeof err) < 0) {
                failed_call = 1; /* a cache spill hit the limit: also fine */
                break;
            }
        }
        int rc = at_seen_commit(c);
        if (rc == 0)
            _exit(5);
        /* The handle still works for a batch that fits. */
        if (at_seen_check_and_add(c, "batch-0", "src", NULL, T0, T0, err, sizeof err) != 1)
            _exit(6);
        at_seen_close(&c);
        _exit(failed_call ? 10 : 0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 10)
        fail_msg("child failed at step %d", WEXITSTATUS(st));
    print_message("write failure surfaced %s\n",
                  WEXITSTATUS(st) == 10 ? "inside the batch (cache spill)" : "at commit");

    s = open_ok(f->path);
    assert_int_equal(add(s, "before", "src", NULL, T0, T0), 0);
    assert_int_equal(add(s, "batch-1", "src", NULL, T0, T0), 1);
    assert_int_equal(add(s, "batch-2999", "src", NULL, T0, T0), 1);
    at_seen_close(&s);
}

/* --- two writers --------------------------------------------------------- */

#define STORIES 600

/* One worker process: its own handle on the shared file, the stories of
 * one feed. Story i has URL id "same-i" in both feeds when i is even (the
 * same canonical URL), and a feed-specific id when i is odd (the same
 * story behind two URLs, caught by its title). Writes the indexes it
 * emitted to fd, one byte per story. */
static void worker(const char *path, int feed, int batch, int fd)
{
    char err[256];
    at_seen_t *s = at_seen_open(path, err, sizeof err);
    if (!s) {
        fprintf(stderr, "worker %d: %s\n", feed, err);
        _exit(2);
    }
    unsigned char emitted[STORIES] = {0};
    for (int i = 0; i < STORIES; i++) {
        /* The two workers walk the stories in opposite directions, so they
         * meet in the middle and race there on both kinds of story. */
        int k = feed == 1 ? STORIES - 1 - i : i;
        char id[64], title[64], key[AT_SEEN_TITLE_KEY_MAX];
        if (k % 2 == 0)
            snprintf(id, sizeof id, "same-%d", k);
        else
            snprintf(id, sizeof id, "feed%d-%d", feed, k);
        snprintf(title, sizeof title, "Story number %d, updated", k);
        at_seen_title_key(title, key, sizeof key);
        if (batch && i % batch == 0 && at_seen_begin(s) != 0) {
            fprintf(stderr, "worker %d: begin: %s\n", feed, at_seen_errmsg(s));
            _exit(3);
        }
        int rc = at_seen_check_and_add(s, id, "wire", key, T0, T0, err, sizeof err);
        if (rc < 0) {
            fprintf(stderr, "worker %d: %s\n", feed, err);
            _exit(4);
        }
        emitted[k] = (unsigned char)rc;
        if (batch && (i % batch == batch - 1 || i == STORIES - 1) && at_seen_commit(s) != 0) {
            fprintf(stderr, "worker %d: commit: %s\n", feed, at_seen_errmsg(s));
            _exit(5);
        }
    }
    at_seen_close(&s);
    if (write(fd, emitted, sizeof emitted) != (ssize_t)sizeof emitted)
        _exit(6);
    _exit(0);
}

static void run_two_writers(const char *path, int batch)
{
    /* Create the schema first so both start on a ready file (creation
     * races are covered by ensure_schema's lock, but not the point here). */
    at_seen_t *s = open_ok(path);
    at_seen_close(&s);

    int fds[2][2];
    pid_t pid[2];
    for (int w = 0; w < 2; w++) {
        assert_int_equal(pipe(fds[w]), 0);
        pid[w] = fork();
        assert_true(pid[w] >= 0);
        if (pid[w] == 0) {
            close(fds[w][0]);
            worker(path, w, batch, fds[w][1]);
        }
        close(fds[w][1]);
    }
    unsigned char got[2][STORIES];
    for (int w = 0; w < 2; w++) {
        size_t have = 0;
        while (have < STORIES) {
            ssize_t n = read(fds[w][0], got[w] + have, STORIES - have);
            if (n <= 0)
                break;
            have += (size_t)n;
        }
        int st;
        assert_int_equal(waitpid(pid[w], &st, 0), pid[w]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
        assert_int_equal(have, STORIES);
        close(fds[w][0]);
    }
    /* Every story emitted exactly once, by one of the two. */
    for (int k = 0; k < STORIES; k++) {
        if (got[0][k] + got[1][k] != 1)
            fail_msg("story %d emitted %d times", k, got[0][k] + got[1][k]);
    }
}

static void test_two_writers(void **state)
{
    fixture_t *f = *state;
    run_two_writers(f->path, 0);
}

static void test_two_writers_batched(void **state)
{
    fixture_t *f = *state;
    run_two_writers(f->path, 25);
}

/* --- bad files ----------------------------------------------------------- */

static void test_not_sqlite(void **state)
{
    fixture_t *f = *state;
    char junk[8192];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)("not a database, just text\n"[i % 26]);
    write_file(f->path, junk, sizeof junk);
    char err[256] = "";
    assert_null(at_seen_open(f->path, err, sizeof err));
    assert_non_null(strstr(err, "not a database"));
    assert_non_null(strstr(err, f->path));

    /* A directory where the file should be. */
    char err2[256] = "";
    assert_null(at_seen_open(f->dir, err2, sizeof err2));
    assert_true(err2[0] != '\0');
    /* A missing directory. */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope/state.db", f->dir);
    assert_null(at_seen_open(missing, err2, sizeof err2));
    assert_non_null(strstr(err2, "nope"));
    assert_null(at_seen_open("", err2, sizeof err2));
    assert_null(at_seen_open(NULL, NULL, 0));
}

static void test_empty_file_is_new(void **state)
{
    fixture_t *f = *state;
    write_file(f->path, "", 0);
    at_seen_t *s = open_ok(f->path);
    assert_int_equal(add(s, "a", "src", NULL, T0, T0), 1);
    at_seen_close(&s);
}

/* A file whose pages were overwritten: every call either works or fails
 * with a reason; none crashes. */
static void test_corrupt_pages(void **state)
{
    fixture_t *f = *state;
    at_seen_t *s = open_ok(f->path);
    assert_int_equal(at_seen_begin(s), 0);
    char id[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "item-%d", i);
        assert_int_equal(add(s, id, "src", id, T0, T0), 1);
    }
    assert_int_equal(at_seen_commit(s), 0);
    at_seen_close(&s); /* checkpoints the WAL into the main file */

    /* Every page but the first (the header and the schema) overwritten
     * with garbage, one half of each page. */
    int fd = open(f->path, O_RDWR);
    assert_true(fd >= 0);
    off_t size = lseek(fd, 0, SEEK_END);
    char garbage[4096];
    memset(garbage, 0xA5, sizeof garbage);
    for (off_t off = 4096; off < size; off += 4096)
        assert_int_equal(pwrite(fd, garbage, 2048, off + 1024), 2048);
    close(fd);

    char err[256] = "";
    s = at_seen_open(f->path, err, sizeof err);
    if (!s) {
        assert_true(err[0] != '\0');
        return;
    }
    int failures = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "item-%d", i);
        char key[AT_SEEN_TITLE_KEY_MAX];
        at_seen_title_key(id, key, sizeof key);
        err[0] = '\0';
        int rc = at_seen_check_and_add(s, id, "src", key, T0, T0, err, sizeof err);
        if (rc < 0) {
            assert_true(err[0] != '\0');
            failures++;
        }
    }
    assert_true(failures > 0);
    (void)at_seen_prune(s, T0 + 1); /* may fail; must not crash */
    at_seen_close(&s);

    /* A broken header. */
    fd = open(f->path, O_WRONLY);
    assert_int_equal(pwrite(fd, garbage, 100, 0), 100);
    close(fd);
    assert_null(at_seen_open(f->path, err, sizeof err));
    assert_non_null(strstr(err, "not a database"));
}

static void test_foreign_and_newer(void **state)
{
    fixture_t *f = *state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "CREATE TABLE mine(x); INSERT INTO mine VALUES (42);", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    char err[256] = "";
    assert_null(at_seen_open(f->path, err, sizeof err));
    assert_non_null(strstr(err, "not an attache state database"));
    /* Untouched: no tables of ours were added. */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* A store from a newer attache. */
    char newer[160];
    snprintf(newer, sizeof newer, "%s/newer.db", f->dir);
    at_seen_t *s = open_ok(newer);
    at_seen_close(&s);
    assert_int_equal(sqlite3_open(newer, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(at_seen_open(newer, err, sizeof err));
    assert_non_null(strstr(err, "newer attache"));
}

static void test_readonly(void **state)
{
    fixture_t *f = *state;
    char err[256] = "";
    assert_null(at_seen_open_readonly(f->path, err, sizeof err));
    assert_true(err[0] != '\0');
    assert_int_equal(access(f->path, F_OK), -1); /* not created */

    at_seen_t *w = open_ok(f->path);
    at_feedstate_t st = {.url = "https://example.org/feed", .http_status = 200};
    assert_int_equal(at_seen_feed_save(w, &st), 0);
    assert_int_equal(add(w, "a", "src", NULL, T0, T0), 1);

    /* While the writer is open (the daemon runs). */
    at_seen_t *r = at_seen_open_readonly(f->path, err, sizeof err);
    if (!r)
        fail_msg("open_readonly: %s", err);
    at_feedstate_t got;
    assert_int_equal(at_seen_feed_load(r, "https://example.org/feed", &got), 0);
    assert_int_equal(got.http_status, 200);
    at_feedstate_clear(&got);
    assert_int_equal(at_seen_check_and_add(r, "b", "src", NULL, T0, T0, err, sizeof err), -1);
    assert_non_null(strstr(err, "readonly"));
    at_seen_close(&r);
    at_seen_close(&w);

    /* And after the daemon stopped. */
    r = at_seen_open_readonly(f->path, err, sizeof err);
    if (!r)
        fail_msg("open_readonly after close: %s", err);
    int64_t items;
    assert_int_equal(at_seen_count(r, &items, NULL), 0);
    assert_int_equal(items, 1);
    at_seen_close(&r);
}

/* --- feed state ---------------------------------------------------------- */

static int collect(void *arg, const at_feedstate_t *st)
{
    char *out = arg;
    strcat(out, st->url);
    strcat(out, st->etag ? "+" : "-");
    strcat(out, ";");
    return 0;
}

static int stop_at_second(void *arg, const at_feedstate_t *st)
{
    int *n = arg;
    (void)st;
    return ++*n == 2 ? 7 : 0;
}

static void test_feed_state(void **state)
{
    fixture_t *f = *state;
    at_seen_t *s = open_ok(f->path);

    at_feedstate_t st;
    assert_int_equal(at_seen_feed_load(s, "https://b.example/rss", &st), 0);
    assert_string_equal(st.url, "https://b.example/rss");
    assert_null(st.etag);
    assert_int_equal(st.error_count, 0);
    assert_int_equal(st.items_new, 0);
    at_feedstate_clear(&st);
    assert_null(st.url);
    at_feedstate_clear(NULL);

    at_feedstate_t full = {
        .url = "https://b.example/rss",
        .etag = "W/\"abc\"",
        .last_modified = "Wed, 03 Jul 2024 10:15:00 GMT",
        .last_success = T0,
        .last_error = T0 - 100,
        .next_poll = T0 + 900,
        .last_error_text = "HTTP 503: Service Unavailable",
        .http_status = 304,
        .error_count = 3,
        .items_new = 12345,
        .items_duplicate = UINT64_MAX - 1,
        .bytes = (uint64_t)1 << 40,
    };
    assert_int_equal(at_seen_feed_save(s, &full), 0);
    at_feedstate_t minimal = {.url = "https://a.example/atom", .next_poll = 5};
    assert_int_equal(at_seen_feed_save(s, &minimal), 0);
    at_seen_close(&s);

    s = open_ok(f->path);
    assert_int_equal(at_seen_feed_load(s, "https://b.example/rss", &st), 0);
    assert_string_equal(st.url, full.url);
    assert_string_equal(st.etag, full.etag);
    assert_string_equal(st.last_modified, full.last_modified);
    assert_int_equal(st.last_success, full.last_success);
    assert_int_equal(st.last_error, full.last_error);
    assert_int_equal(st.next_poll, full.next_poll);
    assert_string_equal(st.last_error_text, full.last_error_text);
    assert_int_equal(st.http_status, 304);
    assert_int_equal(st.error_count, 3);
    assert_true(st.items_new == 12345);
    assert_true(st.items_duplicate == UINT64_MAX - 1);
    assert_true(st.bytes == (uint64_t)1 << 40);
    at_feedstate_clear(&st);

    assert_int_equal(at_seen_feed_load(s, "https://a.example/atom", &st), 0);
    assert_null(st.etag);
    assert_null(st.last_modified);
    assert_null(st.last_error_text);
    assert_int_equal(st.next_poll, 5);
    at_feedstate_clear(&st);

    /* Replace: the etag goes away after a success without one. */
    full.etag = NULL;
    full.error_count = 0;
    assert_int_equal(at_seen_feed_save(s, &full), 0);
    assert_int_equal(at_seen_feed_load(s, full.url, &st), 0);
    assert_null(st.etag);
    assert_int_equal(st.error_count, 0);
    at_feedstate_clear(&st);

    char order[256] = "";
    assert_int_equal(at_seen_feed_each(s, collect, order), 0);
    assert_string_equal(order, "https://a.example/atom-;https://b.example/rss-;");
    int n = 0;
    assert_int_equal(at_seen_feed_each(s, stop_at_second, &n), 7);
    assert_int_equal(n, 2);

    at_feedstate_t nourl = {0};
    assert_int_equal(at_seen_feed_save(s, &nourl), -1);
    assert_int_equal(at_seen_feed_load(s, NULL, &st), -1);
    assert_int_equal(at_seen_feed_load(NULL, "x", &st), -1);
    at_seen_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dedup_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_title_rule, setup, teardown),
        cmocka_unit_test(test_title_key),
        cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_write_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers_batched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_is_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_and_newer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed_state, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
