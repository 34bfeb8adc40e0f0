/*
 * Tests for at_linereader: ordinary lines, CRLF, a final line without a
 * newline, over-long lines (skipped, never buffered whole), follow mode on
 * a growing file, and lines split across reads (a pipe).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_linereader.h"

static int pipe_with(const char *data, size_t len)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], data, len), (ssize_t)len);
    close(fds[1]);
    return fds[0];
}

static void expect(at_linereader_t *r, at_lr_status_t want, const char *text, int follow)
{
    const char *line;
    size_t len;
    at_lr_status_t st = at_linereader_next(r, &line, &len, follow);
    assert_int_equal(st, want);
    if (text) {
        assert_int_equal(len, strlen(text));
        assert_memory_equal(line, text, len);
    }
}

static void test_basic(void **state)
{
    (void)state;
    const char *in = "one\ntwo\r\n\nlast";
    int fd = pipe_with(in, strlen(in));
    at_linereader_t *r = at_linereader_new(fd, 100);
    expect(r, AT_LR_LINE, "one", 0);
    expect(r, AT_LR_LINE, "two", 0);
    expect(r, AT_LR_LINE, "", 0);
    expect(r, AT_LR_LINE, "last", 0);
    expect(r, AT_LR_EOF, NULL, 0);
    assert_int_equal(at_linereader_offset(r), strlen(in));
    at_linereader_destroy(&r);
    assert_null(r);
    close(fd);
}

static void test_toolong(void **state)
{
    (void)state;
    /* 10 bytes max; a 5000-byte line between two good ones. */
    size_t n = 5000;
    char *in = malloc(n + 32);
    strcpy(in, "ok1\n");
    memset(in + 4, 'x', n);
    strcpy(in + 4 + n, "\nok2\n");
    int fd = pipe_with(in, strlen(in));
    at_linereader_t *r = at_linereader_new(fd, 10);
    expect(r, AT_LR_LINE, "ok1", 0);
    expect(r, AT_LR_TOOLONG, "xxxxxxxxxx", 0);
    expect(r, AT_LR_LINE, "ok2", 0);
    expect(r, AT_LR_EOF, NULL, 0);
    at_linereader_destroy(&r);
    close(fd);
    free(in);
}

static void test_toolong_huge(void **state)
{
    (void)state;
    /* Longer than the internal read chunk: streamed past, not buffered. */
    size_t n = 3u << 20;
    char *in = malloc(n + 16);
    memset(in, 'y', n);
    strcpy(in + n, "\nafter\n");
    char path[] = "/tmp/at_lr_test.XXXXXX";
    int fd = mkstemp(path);
    assert_int_equal(write(fd, in, strlen(in)), (ssize_t)strlen(in));
    lseek(fd, 0, SEEK_SET);
    at_linereader_t *r = at_linereader_new(fd, 1000);
    expect(r, AT_LR_TOOLONG, NULL, 0);
    expect(r, AT_LR_LINE, "after", 0);
    expect(r, AT_LR_EOF, NULL, 0);
    at_linereader_destroy(&r);
    close(fd);
    unlink(path);
    free(in);
}

static void test_follow(void **state)
{
    (void)state;
    char path[] = "/tmp/at_lr_follow.XXXXXX";
    int wfd = mkstemp(path);
    int rfd = open(path, O_RDONLY);
    at_linereader_t *r = at_linereader_new(rfd, 100);
    assert_int_equal(write(wfd, "a\npart", 6), 6);
    expect(r, AT_LR_LINE, "a", 1);
    expect(r, AT_LR_EOF, NULL, 1); /* "part" is kept until its newline */
    assert_int_equal(write(wfd, "ial\n", 4), 4);
    expect(r, AT_LR_LINE, "partial", 1);
    expect(r, AT_LR_EOF, NULL, 1);
    at_linereader_destroy(&r);
    close(wfd);
    close(rfd);
    unlink(path);
}

static void test_split_reads(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    at_linereader_t *r = at_linereader_new(fds[0], 100);
    assert_int_equal(write(fds[1], "hel", 3), 3);
    assert_int_equal(write(fds[1], "lo\nwor", 6), 6);
    close(fds[1]);
    expect(r, AT_LR_LINE, "hello", 0);
    expect(r, AT_LR_LINE, "wor", 0);
    expect(r, AT_LR_EOF, NULL, 0);
    at_linereader_destroy(&r);
    close(fds[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),        cmocka_unit_test(test_toolong),
        cmocka_unit_test(test_toolong_huge), cmocka_unit_test(test_follow),
        cmocka_unit_test(test_split_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
