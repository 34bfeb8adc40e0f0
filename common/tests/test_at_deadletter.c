/*
 * Tests for at_deadletter: records are one JSON line each, carry the raw
 * bytes in base64 (invalid UTF-8 included), truncate huge inputs, and
 * survive a logrotate-style move + reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "at_deadletter.h"

static void test_base64(void **state)
{
    (void)state;
    char out[64];
    at_base64_encode("", 0, out);
    assert_string_equal(out, "");
    at_base64_encode("f", 1, out);
    assert_string_equal(out, "Zg==");
    at_base64_encode("fo", 2, out);
    assert_string_equal(out, "Zm8=");
    at_base64_encode("foo", 3, out);
    assert_string_equal(out, "Zm9v");
    at_base64_encode("foobar", 6, out);
    assert_string_equal(out, "Zm9vYmFy");
    at_base64_encode("\xff\xfe", 2, out);
    assert_string_equal(out, "//4=");
}

static json_t *read_record(const char *path, int index)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    json_t *o = NULL;
    for (int i = 0; i <= index; i++)
        assert_true(getline(&line, &cap, f) > 0);
    json_error_t e;
    o = json_loads(line, 0, &e);
    free(line);
    fclose(f);
    assert_non_null(o);
    return o;
}

static void test_records(void **state)
{
    (void)state;
    char dir[] = "/tmp/at_dl_test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], moved[128];
    snprintf(path, sizeof path, "%s/dl.jsonl", dir);
    snprintf(moved, sizeof moved, "%s/dl.jsonl.1", dir);
    char err[256];
    at_deadletter_t *dl = at_deadletter_new(path, "unit", err, sizeof err);
    assert_non_null(dl);
    assert_int_equal(at_deadletter_write(dl, "bad utf-8", "Caf\xe9", 4), 0);
    /* A reason that is itself invalid UTF-8 must not lose the record. */
    assert_int_equal(at_deadletter_write(dl, "quoted \xff", "x", 1), 0);
    size_t big = AT_DEADLETTER_MAX_DATA + 100;
    char *data = calloc(1, big);
    assert_int_equal(at_deadletter_write(dl, "huge", data, big), 0);
    free(data);

    json_t *r0 = read_record(path, 0);
    assert_string_equal(json_string_value(json_object_get(r0, "reason")), "bad utf-8");
    assert_string_equal(json_string_value(json_object_get(r0, "component")), "unit");
    assert_string_equal(json_string_value(json_object_get(r0, "data_b64")), "Q2Fm6Q==");
    assert_int_equal(json_integer_value(json_object_get(r0, "size")), 4);
    json_decref(r0);
    json_t *r1 = read_record(path, 1);
    assert_non_null(json_string_value(json_object_get(r1, "reason")));
    json_decref(r1);
    json_t *r2 = read_record(path, 2);
    assert_true(json_is_true(json_object_get(r2, "truncated")));
    assert_int_equal(json_integer_value(json_object_get(r2, "size")), (json_int_t)big);
    json_decref(r2);

    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(at_deadletter_reopen(dl), 0);
    assert_int_equal(at_deadletter_write(dl, "after rotate", "y", 1), 0);
    json_t *r3 = read_record(path, 0);
    assert_string_equal(json_string_value(json_object_get(r3, "reason")), "after rotate");
    json_decref(r3);

    at_deadletter_destroy(&dl);
    assert_null(dl);
    assert_null(at_deadletter_new("/nonexistent/dir/x", "unit", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/dir/x"));
    unlink(path);
    unlink(moved);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_base64),
                                       cmocka_unit_test(test_records)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
