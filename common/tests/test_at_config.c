/*
 * Tests for at_config: defaults, typed values, ranges, unknown keys with
 * file:line, passthrough properties, and hostile INI files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_config.h"

static const at_cfg_def_t defs[] = {
    {"a.name", AT_CFG_STRING, "dflt", 0, 0, NULL, true, "A string."},
    {"a.count", AT_CFG_INT, "5", 1, 10, NULL, false, "An int."},
    {"a.flag", AT_CFG_BOOL, "false", 0, 0, NULL, false, "A bool."},
    {"a.mode", AT_CFG_ENUM, "x", 0, 0, "x|y|z", false, "An enum."},
    {"kafka.*", AT_CFG_PASSTHROUGH, NULL, 0, 0, NULL, false, "Passthrough."},
    AT_CFG_END,
};

static char *write_tmp(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/at_config_test.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_defaults(void **state)
{
    (void)state;
    at_config_t *c = at_config_new(defs);
    assert_non_null(c);
    assert_string_equal(at_config_str(c, "a.name"), "dflt");
    assert_int_equal(at_config_int(c, "a.count"), 5);
    assert_false(at_config_bool(c, "a.flag"));
    at_config_destroy(&c);
    assert_null(c);
    at_config_destroy(&c); /* NULL-safe */
}

static void test_set_and_validate(void **state)
{
    (void)state;
    char err[256];
    at_config_t *c = at_config_new(defs);
    assert_int_equal(at_config_set(c, "a.count", "10", "t", err, sizeof err), 0);
    assert_int_equal(at_config_int(c, "a.count"), 10);
    assert_int_equal(at_config_set(c, "a.count", "11", "t", err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range [1, 10]"));
    assert_int_equal(at_config_set(c, "a.count", "5x", "t", err, sizeof err), -1);
    assert_non_null(strstr(err, "not an integer"));
    assert_int_equal(at_config_set(c, "a.count", "", "t", err, sizeof err), -1);
    assert_int_equal(at_config_set(c, "a.count", "99999999999999999999999", "t", err, sizeof err),
                     -1);
    assert_int_equal(at_config_set(c, "a.flag", "YES", "t", err, sizeof err), 0);
    assert_true(at_config_bool(c, "a.flag"));
    assert_int_equal(at_config_set(c, "a.flag", "maybe", "t", err, sizeof err), -1);
    assert_int_equal(at_config_set(c, "nope", "1", "--set", err, sizeof err), -1);
    assert_string_equal(err, "--set: unknown key 'nope'");
    assert_int_equal(at_config_set_pair(c, "a.name=x=y", "t", err, sizeof err), 0);
    assert_string_equal(at_config_str(c, "a.name"), "x=y");
    assert_int_equal(at_config_set_pair(c, "=v", "t", err, sizeof err), -1);
    assert_int_equal(at_config_set_pair(c, "novalue", "t", err, sizeof err), -1);
    at_config_destroy(&c);
}

static int collect(void *arg, const char *prop, const char *value)
{
    char *buf = arg;
    strcat(buf, prop);
    strcat(buf, "=");
    strcat(buf, value);
    strcat(buf, ";");
    return 0;
}

static void test_passthrough(void **state)
{
    (void)state;
    char err[256], buf[256] = "";
    at_config_t *c = at_config_new(defs);
    assert_int_equal(at_config_set(c, "kafka.acks", "all", "t", err, sizeof err), 0);
    assert_int_equal(at_config_set(c, "kafka.linger.ms", "5", "t", err, sizeof err), 0);
    assert_int_equal(at_config_set(c, "kafka.acks", "1", "t", err, sizeof err), 0);
    assert_int_equal(at_config_set(c, "kafka.", "1", "t", err, sizeof err), -1);
    assert_int_equal(at_config_passthrough_each(c, "kafka", collect, buf), 0);
    assert_string_equal(buf, "acks=1;linger.ms=5;");
    at_config_destroy(&c);
}

static void test_file(void **state)
{
    (void)state;
    char err[512];
    at_config_t *c = at_config_new(defs);
    char *p = write_tmp("# comment\n; other comment\n[a]\nname = hello world\ncount=7\n\n"
                        "[kafka]\nbootstrap.servers = h:9092\n");
    assert_int_equal(at_config_load_file(c, p, err, sizeof err), 0);
    assert_string_equal(at_config_str(c, "a.name"), "hello world");
    assert_int_equal(at_config_int(c, "a.count"), 7);
    unlink(p);

    p = write_tmp("[a]\nname = x\n\n# c\ncuont = 3\n");
    assert_int_equal(at_config_load_file(c, p, err, sizeof err), -1);
    char want[256];
    snprintf(want, sizeof want, "%s:5: unknown key 'a.cuont'", p);
    assert_string_equal(err, want);
    unlink(p);

    p = write_tmp("[a]\ncount = 0\n");
    assert_int_equal(at_config_load_file(c, p, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2: a.count = '0': out of range"));
    unlink(p);

    p = write_tmp("[a\nname = x\n");
    assert_int_equal(at_config_load_file(c, p, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: syntax error"));
    unlink(p);

    assert_int_equal(at_config_load_file(c, "/nonexistent/x.ini", err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    at_config_destroy(&c);
}

static void test_hostile_file(void **state)
{
    (void)state;
    char err[512];
    at_config_t *c = at_config_new(defs);
    /* A 100 KB line, binary junk and a NUL: errors, never a crash. */
    size_t n = 100000;
    char *big = malloc(n + 32);
    strcpy(big, "[a]\nname = ");
    memset(big + 11, 'x', n);
    strcpy(big + 11 + n, "\n\x01\x02\xff\n");
    char *p = write_tmp(big);
    (void)at_config_load_file(c, p, err, sizeof err);
    unlink(p);
    free(big);
    at_config_destroy(&c);
}

static void test_markdown(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    at_config_print_markdown(defs, f);
    fclose(f);
    assert_non_null(strstr(buf, "| `a.count` | integer | `5` | 1..10 |"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_set_and_validate),
        cmocka_unit_test(test_passthrough),  cmocka_unit_test(test_file),
        cmocka_unit_test(test_hostile_file), cmocka_unit_test(test_markdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
