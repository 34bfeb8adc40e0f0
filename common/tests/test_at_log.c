/*
 * Tests for at_log: level names, the threshold check, and the line format
 * (plain and journald).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_log.h"

/* Run fn with stderr redirected to a pipe; return what it wrote. */
static char *capture(void (*fn)(void))
{
    static char buf[8192];
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    int saved = dup(STDERR_FILENO);
    dup2(fds[1], STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void emit(void)
{
    at_log_info("hello %d", 42);
    at_log_debug("hidden");
    at_log_error("bad");
}

static void emit_long(void)
{
    char big[5000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    at_log_warn("%s", big);
}

static void test_levels(void **state)
{
    (void)state;
    at_log_level_t l;
    assert_int_equal(at_log_level_parse("debug", &l), 0);
    assert_int_equal(l, AT_LOG_DEBUG);
    assert_int_equal(at_log_level_parse("warning", &l), 0);
    assert_int_equal(l, AT_LOG_WARN);
    assert_int_equal(at_log_level_parse("DEBUG", &l), -1);
    assert_int_equal(at_log_level_parse("", &l), -1);
    assert_string_equal(at_log_level_name(AT_LOG_ERROR), "error");
}

static void test_format(void **state)
{
    (void)state;
    unsetenv("JOURNAL_STREAM");
    at_log_init("unit");
    at_log_set_level(AT_LOG_INFO);
    char *out = capture(emit);
    assert_non_null(strstr(out, "unit["));
    assert_non_null(strstr(out, "] info: hello 42\n"));
    assert_null(strstr(out, "hidden"));
    assert_non_null(strstr(out, "] error: bad\n"));

    setenv("JOURNAL_STREAM", "8:1234", 1);
    at_log_init("unit");
    out = capture(emit);
    assert_string_equal(out, "<6>unit: hello 42\n<3>unit: bad\n");
    unsetenv("JOURNAL_STREAM");
    at_log_init("unit");

    out = capture(emit_long); /* truncated, still one terminated line */
    assert_true(strlen(out) < 2100);
    assert_int_equal(out[strlen(out) - 1], '\n');
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_levels),
                                       cmocka_unit_test(test_format)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
