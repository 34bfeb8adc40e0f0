/*
 * Tests for at_err: truncation, NULL and zero-length buffers, and that a
 * reason quoting hostile bytes stays one line (control bytes become '?'),
 * with UTF-8 kept by at_err_set and dropped by at_err_set_ascii.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "at_err.h"

static void test_formats_and_truncates(void **state)
{
    (void)state;
    char err[8];
    at_err_set(err, sizeof err, "%s:%d", "file", 12);
    assert_string_equal(err, "file:12");
    at_err_set(err, sizeof err, "%s", "much too long for it");
    assert_string_equal(err, "much to");
    at_err_set(err, 1, "%s", "x");
    assert_string_equal(err, "");
}

static void test_null_and_empty_buffers(void **state)
{
    (void)state;
    char err[4] = "abc";
    at_err_set(NULL, 16, "%s", "ignored");
    at_err_set(err, 0, "%s", "ignored");
    assert_string_equal(err, "abc");
    at_err_set_ascii(NULL, 16, "%s", "ignored");
}

static void test_one_line(void **state)
{
    (void)state;
    char err[64];
    at_err_set(err, sizeof err, "bad %s", "a\nb\r\tc\x1b[31m\x7f");
    assert_string_equal(err, "bad a?b??c?[31m?");
    at_err_set(err, sizeof err, "alias %s",
               "Erdo\xC4\x9F"
               "an");
    assert_string_equal(err, "alias Erdo\xC4\x9F"
                             "an");
    at_err_set_ascii(err, sizeof err, "alias %s\n",
                     "Erdo\xC4\x9F"
                     "an");
    assert_string_equal(err, "alias Erdo??an?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_and_truncates),
        cmocka_unit_test(test_null_and_empty_buffers),
        cmocka_unit_test(test_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
