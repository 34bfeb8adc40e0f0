/*
 * Tests for at_sinkspec: every scheme, options in front of the target,
 * repeated filter keys, and a clear error for each malformed spec,
 * unknown option, bad value and unwritable path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "at_sinkbe.h"
#include "at_sinkspec.h"

static at_sinkspec_t *parse(const char *text, char *err, size_t errlen)
{
    return at_sinkspec_parse("t", text, 1000, err, errlen);
}

static void test_valid(void **state)
{
    (void)state;
    char err[1024];
    at_sinkspec_t *s = parse("-", err, sizeof err);
    assert_non_null(s);
    assert_string_equal(s->be->scheme, "jsonl");
    assert_string_equal(s->target, "-");
    at_sinkspec_destroy(&s);

    s = parse("/tmp/x.jsonl", err, sizeof err);
    assert_non_null(s);
    assert_string_equal(s->be->scheme, "jsonl");
    assert_string_equal(s->target, "/tmp/x.jsonl");
    at_sinkspec_destroy(&s);

    s = parse("[rotate_bytes=1M,rotate_interval=1h,fsync=always,queue=5,on_full=drop]"
              "jsonl:/tmp/y.jsonl",
              err, sizeof err);
    assert_non_null(s);
    assert_int_equal(s->queue, 5);
    assert_int_equal(s->on_full, AT_ONFULL_DROP);
    long long v;
    assert_int_equal(
        at_sinkspec_opt_int(s, "rotate_bytes", 0, 0, 1LL << 40, AT_SFX_SIZE, &v, err, sizeof err),
        0);
    assert_int_equal(v, 1048576);
    assert_int_equal(
        at_sinkspec_opt_int(s, "rotate_interval", 0, 0, 1LL << 40, AT_SFX_MS, &v, err, sizeof err),
        0);
    assert_int_equal(v, 3600000);
    at_sinkspec_destroy(&s);

    s = parse("sqlite:/tmp/z.db", err, sizeof err);
    assert_non_null(s);
    assert_string_equal(s->be->scheme, "sqlite");
    assert_string_equal(s->target, "/tmp/z.db");
    at_sinkspec_destroy(&s);

    s = parse("[format=json]zmq+tcp://*:7103?hwm=10", err, sizeof err);
    assert_non_null(s);
    assert_string_equal(s->be->scheme, "zmq");
    assert_string_equal(s->target, "zmq+tcp://*:7103?hwm=10");
    assert_string_equal(at_sinkspec_opt(s, "format", ""), "json");
    at_sinkspec_destroy(&s);

    /* A Kafka broker list keeps its commas. */
    s = parse("[format=json,country=KAZ]kafka://127.0.0.1:9092,127.0.0.1:9093/attache.out", err,
              sizeof err);
    assert_non_null(s);
    assert_string_equal(s->be->scheme, "kafka");
    assert_string_equal(s->target, "kafka://127.0.0.1:9092,127.0.0.1:9093/attache.out");
    at_sinkspec_destroy(&s);

    /* The URL keeps its own query string and commas. */
    s = parse("[severity=critical,country=KAZ,country=MNG,retries=2]"
              "webhook:http://127.0.0.1:9/hook?a=1,2&b=3",
              err, sizeof err);
    assert_non_null(s);
    assert_string_equal(s->be->scheme, "webhook");
    assert_string_equal(s->target, "http://127.0.0.1:9/hook?a=1,2&b=3");
    assert_false(at_filter_empty(s->filter));
    at_sinkspec_destroy(&s);
    assert_null(s);
}

static void expect_error(const char *text, const char *needle)
{
    char err[1024] = "";
    at_sinkspec_t *s = parse(text, err, sizeof err);
    if (s || !strstr(err, needle))
        fail_msg("spec '%s': expected an error with '%s', got '%s'", text, needle, err);
    /* Every error names the spec it is about. */
    assert_non_null(strstr(err, text));
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", "no target");
    expect_error("[severity=critical]", "no target");
    expect_error("[severity=critical", "not closed");
    expect_error("[severity]-", "expected key=value");
    expect_error("[=x]-", "expected key=value");
    expect_error("[colour=red]-", "unknown option 'colour'");
    expect_error("[retries=3]sqlite:/tmp/a.db", "unknown option 'retries'");
    expect_error("[queue=0]-", "queue=0");
    expect_error("[queue=many]-", "queue=many");
    expect_error("[on_full=wait]-", "on_full=wait");
    expect_error("[severity=high]-", "severity=high");
    expect_error("[country=Kazakhstan]-", "alpha-3");
    expect_error("[fsync=sometimes]jsonl:/tmp/a", "fsync=sometimes");
    expect_error("[rotate_bytes=10X]jsonl:/tmp/a", "rotate_bytes=10X");
    expect_error("[rotate_bytes=10]jsonl:/tmp/a", "at least 4096");
    expect_error("[rotate_interval=5parsecs]jsonl:/tmp/a", "rotate_interval");
    expect_error("[rotate_bytes=1M]-", "stdout cannot be rotated");
    expect_error("sqlite:", "needs a path");
    expect_error("jsonl:", "needs a path");
    expect_error("mysql://db/events", "unknown output scheme 'mysql:'");
    expect_error("zmq+tcp://nohost", "zmq+tcp://nohost");
    expect_error("[format=xml]zmq+tcp://*:7103", "format=xml");
    expect_error("webhook:ftp://example.org/x", "http:// or https://");
    expect_error("webhook:http://", "webhook URL");
    expect_error("[retries=-1]webhook:http://127.0.0.1/x", "retries=-1");
    expect_error("postgres:host=/tmp dbname='attache", "postgres");
    expect_error("kafka://127.0.0.1:9092", "expected kafka://broker");
    expect_error("[format=xml]kafka://127.0.0.1:9092/attache.out", "format=xml");
    /* Unwritable paths, reported before anything is opened. */
    expect_error("/nonexistent-dir/events.jsonl", "No such file or directory");
    expect_error("jsonl:/etc/passwd/x.jsonl", "Not a directory");
    expect_error("sqlite:/tmp", "is a directory");
    expect_error("/proc/sys/attache.jsonl", "cannot create files in /proc/sys");
    expect_error("[dead_letter=/nonexistent-dir/dl.jsonl]webhook:http://127.0.0.1/x",
                 "dead_letter /nonexistent-dir/dl.jsonl");
}

static void test_numbers(void **state)
{
    (void)state;
    long long v;
    assert_int_equal(at_sinkspec_number("100M", AT_SFX_SIZE, &v), 0);
    assert_int_equal(v, 100LL << 20);
    assert_int_equal(at_sinkspec_number("2G", AT_SFX_SIZE, &v), 0);
    assert_int_equal(v, 2LL << 30);
    assert_int_equal(at_sinkspec_number("250ms", AT_SFX_MS, &v), 0);
    assert_int_equal(v, 250);
    assert_int_equal(at_sinkspec_number("1d", AT_SFX_MS, &v), 0);
    assert_int_equal(v, 86400000);
    assert_int_equal(at_sinkspec_number("5s", AT_SFX_NONE, &v), -1);
    assert_int_equal(at_sinkspec_number("-5", AT_SFX_NONE, &v), -1);
    assert_int_equal(at_sinkspec_number("", AT_SFX_NONE, &v), -1);
    assert_int_equal(at_sinkspec_number("99999999999999999999", AT_SFX_NONE, &v), -1);
    assert_int_equal(at_sinkspec_number("9000000000G", AT_SFX_SIZE, &v), -1);
}

/* Passwords never reach a log line or an error message. */
static void test_redact(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"postgres:host=/tmp user=a password=s3cret dbname=x",
         "postgres:host=/tmp user=a password=*** dbname=x"},
        {"postgresql://alice:s3cret@db.example:5432/attache",
         "postgresql://alice:***@db.example:5432/attache"},
        {"postgresql://db.example:5432/attache?password=s3cret&sslmode=require",
         "postgresql://db.example:5432/attache?password=***&sslmode=require"},
        {"webhook:http://127.0.0.1:9/hook?a=1", "webhook:http://127.0.0.1:9/hook?a=1"},
        {"[severity=critical]jsonl:/tmp/x.jsonl", "[severity=critical]jsonl:/tmp/x.jsonl"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *r = at_sinkspec_redact(cases[i][0]);
        assert_non_null(r);
        assert_string_equal(r, cases[i][1]);
        free(r);
    }
    /* An error about such a spec shows the redacted form. */
    char err[1024] = "";
    assert_null(parse("[batch=0]postgres:host=/tmp password=s3cret", err, sizeof err));
    assert_null(strstr(err, "s3cret"));
    assert_non_null(strstr(err, "password=***"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_valid), cmocka_unit_test(test_errors),
                                       cmocka_unit_test(test_redact),
                                       cmocka_unit_test(test_numbers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
