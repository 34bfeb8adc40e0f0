/*
 * Tests for at_daemon: command-line parsing into config overrides, usage
 * errors, --check-config (also through at_daemon_start), the drain test,
 * counters formatting, reject rate limiting, and the reload path (a bad
 * file keeps the running config).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_daemon.h"
#include "at_log.h"

static const at_cfg_def_t defs[] = {
    AT_DAEMON_COMMON_KEYS,
    {"x.input", AT_CFG_STRING, "-", 0, 0, NULL, false, "Input."},
    AT_CFG_END,
};
static const at_flag_t flags[] = {{"input", 'i', "x.input", "PATH"}, {NULL, 0, NULL, NULL}};
static const at_daemon_spec_t spec = {"attache-test", "A test daemon.", defs, flags};

static int init(at_daemon_t *d, int argc, const char **argv, int *code)
{
    return at_daemon_init(d, &spec, argc, (char **)argv, code);
}

static void test_flags_become_sets(void **state)
{
    (void)state;
    at_daemon_t d;
    int code;
    const char *argv[] = {"t",       "-i",      "a.jsonl", "--set", "log.level=debug",
                          "--input", "b.jsonl", NULL};
    assert_int_equal(init(&d, 7, argv, &code), 0);
    /* Later flags win, in command-line order. */
    assert_string_equal(at_config_str(d.cfg, "x.input"), "b.jsonl");
    assert_string_equal(at_config_str(d.cfg, "log.level"), "debug");
    assert_int_equal(at_log_threshold, AT_LOG_DEBUG);
    at_daemon_fini(&d);
    at_log_set_level(AT_LOG_INFO);
}

static void test_usage_errors(void **state)
{
    (void)state;
    at_daemon_t d;
    int code;
    const char *a1[] = {"t", "--bogus", NULL};
    assert_int_equal(init(&d, 2, a1, &code), 1);
    assert_int_equal(code, 2);
    const char *a2[] = {"t", "stray", NULL};
    assert_int_equal(init(&d, 2, a2, &code), 1);
    assert_int_equal(code, 2);
    const char *a3[] = {"t", "--set", "nokey=1", NULL};
    assert_int_equal(init(&d, 3, a3, &code), 1);
    assert_int_equal(code, 1);
    const char *a4[] = {"t", "--config", "/nonexistent.ini", NULL};
    assert_int_equal(init(&d, 3, a4, &code), 1);
    assert_int_equal(code, 1);
    const char *a5[] = {"t", "--version", NULL};
    assert_int_equal(init(&d, 2, a5, &code), 1);
    assert_int_equal(code, 0);
}

static void test_check_config(void **state)
{
    (void)state;
    at_daemon_t d;
    int code;
    const char *argv[] = {"t", "--check-config", NULL};
    assert_int_equal(init(&d, 2, argv, &code), 0);
    assert_true(d.check_config);
    assert_int_equal(at_daemon_check_done(&d, 0, "bad endpoint"), 1);
    assert_int_equal(at_daemon_check_done(&d, 1, ""), 0);
    at_daemon_fini(&d);
}

static int check_ok(const at_config_t *cfg, char *err, size_t errlen)
{
    (void)cfg;
    (void)err;
    (void)errlen;
    return 0;
}

static int check_bad(const at_config_t *cfg, char *err, size_t errlen)
{
    snprintf(err, errlen, "bad input %s", at_config_str(cfg, "x.input"));
    return -1;
}

/* at_daemon_start does the whole --check-config itself, and otherwise
 * hands main a daemon to build. */
static void test_start(void **state)
{
    (void)state;
    at_daemon_t d;
    int code = -1;
    const char *check[] = {"t", "--check-config", NULL};
    assert_int_equal(at_daemon_start(&d, &spec, check_ok, 2, (char **)check, &code), 1);
    assert_int_equal(code, 0);
    assert_null(d.cfg);
    assert_int_equal(at_daemon_start(&d, &spec, check_bad, 2, (char **)check, &code), 1);
    assert_int_equal(code, 1);
    const char *bogus[] = {"t", "--bogus", NULL};
    assert_int_equal(at_daemon_start(&d, &spec, check_ok, 2, (char **)bogus, &code), 1);
    assert_int_equal(code, 2);
    const char *run[] = {"t", NULL};
    assert_int_equal(at_daemon_start(&d, &spec, check_bad, 1, (char **)run, &code), 0);
    assert_non_null(d.cfg);
    assert_int_equal(at_daemon_fail(&d, "cannot build"), 1);
    assert_null(d.cfg);
    assert_int_equal(at_daemon_start(&d, &spec, check_bad, 1, (char **)run, &code), 0);
    assert_int_equal(at_daemon_exit(&d, 3), 3);
    assert_null(d.cfg);
}

/* Drained only once stopping and idle for daemon.drain_idle_ms. */
static void test_drained(void **state)
{
    (void)state;
    at_daemon_t d;
    int code;
    const char *argv[] = {"t", "-s", "daemon.drain_idle_ms=50", NULL};
    assert_int_equal(init(&d, 3, argv, &code), 0);
    uint64_t idle_since = 0;
    assert_false(at_daemon_drained(&d, &idle_since));
    assert_int_equal(idle_since, 0);
    at_daemon_stop_flag = 1;
    assert_false(at_daemon_drained(&d, &idle_since));
    assert_true(idle_since > 0);
    usleep(60 * 1000);
    assert_true(at_daemon_drained(&d, &idle_since));
    idle_since = 0; /* a message arrived */
    assert_false(at_daemon_drained(&d, &idle_since));
    at_daemon_stop_flag = 0;
    at_daemon_fini(&d);
}

static void test_reload_keeps_old_on_error(void **state)
{
    (void)state;
    char path[] = "/tmp/at_daemon_test.XXXXXX";
    int fd = mkstemp(path);
    const char *good = "[x]\ninput = one\n";
    assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
    close(fd);
    at_daemon_t d;
    int code;
    const char *argv[] = {"t", "-c", path, NULL};
    assert_int_equal(init(&d, 3, argv, &code), 0);
    assert_string_equal(at_config_str(d.cfg, "x.input"), "one");

    FILE *f = fopen(path, "w");
    fputs("[x]\ninput = two\n[log]\nlevel = loud\n", f);
    fclose(f);
    at_config_t *old = NULL;
    assert_int_equal(at_daemon_reload(&d, &old), -1);
    assert_string_equal(at_config_str(d.cfg, "x.input"), "one");

    f = fopen(path, "w");
    fputs("[x]\ninput = two\n", f);
    fclose(f);
    assert_int_equal(at_daemon_reload(&d, &old), 0);
    assert_string_equal(at_config_str(d.cfg, "x.input"), "two");
    assert_true(at_config_changed(old, d.cfg, "x.input"));
    at_config_destroy(&old);
    at_daemon_fini(&d);
    unlink(path);
}

static void test_counters(void **state)
{
    (void)state;
    at_counter_t c[] = {{"read", 3, 0}, {"sent", 12345678901234ull, 0}, {NULL, 0, 0}};
    char buf[128];
    at_counters_format(c, buf, sizeof buf);
    assert_string_equal(buf, "read=3 sent=12345678901234");
    char tiny[8];
    at_counters_format(c, tiny, sizeof tiny); /* truncates, never overflows */
    assert_true(strlen(tiny) < sizeof tiny);
}

static void test_reject_rate_limit(void **state)
{
    (void)state;
    at_daemon_t d;
    memset(&d, 0, sizeof d);
    /* 1000 rejections in a burst: must not fail or block; only the first
     * 20 are logged (checked by eye in the test log). */
    for (int i = 0; i < 1000; i++)
        at_daemon_reject(&d, NULL, "burst", "x", 1);
    assert_int_equal(d.reject_logged, 20);
    assert_int_equal(d.reject_suppressed, 980);
}

static void test_check_msg(void **state)
{
    (void)state;
    at_daemon_t d;
    int code;
    const char *argv[] = {"t", NULL};
    assert_int_equal(init(&d, 1, argv, &code), 0);
    char why[256];
    at_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = "attache.v1.Event";
    m.len = 30;
    /* daemon.stats_interval stands in for a size key: 30 is its default. */
    assert_int_equal(
        at_daemon_check_msg(&d, &m, "attache.v1.Event", "daemon.stats_interval", why, sizeof why),
        AT_MSG_OK);
    m.len = 31;
    assert_int_equal(
        at_daemon_check_msg(&d, &m, "attache.v1.Event", "daemon.stats_interval", why, sizeof why),
        AT_MSG_OVERSIZE);
    assert_string_equal(why, "message of 31 bytes over daemon.stats_interval (30)");
    assert_int_equal(at_daemon_check_msg(&d, &m, "attache.v1.NewsItem", "daemon.stats_interval",
                                         why, sizeof why),
                     AT_MSG_BAD);
    assert_string_equal(why,
                        "unexpected message type 'attache.v1.Event' (want attache.v1.NewsItem)");
    m.bad = "single-frame message";
    assert_int_equal(
        at_daemon_check_msg(&d, &m, "attache.v1.Event", "daemon.stats_interval", why, sizeof why),
        AT_MSG_BAD);
    assert_string_equal(why, "single-frame message");
    at_daemon_fini(&d);
}

/* GET path from 127.0.0.1:port; returns the whole response (caller frees). */
static char *http_get(int port, const char *path)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof a), 0);
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n\r\n", path);
    assert_int_equal(write(s, req, (size_t)n), n);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(s, buf + len, cap - len - 1)) > 0)
        len += (size_t)r;
    buf[len] = '\0';
    close(s);
    return buf;
}

static void test_metrics_and_health(void **state)
{
    (void)state;
    at_daemon_t d;
    int code;
    const char *argv[] = {"t", "-s", "metrics.listen=127.0.0.1:0", NULL};
    assert_int_equal(init(&d, 3, argv, &code), 0);
    int port = at_daemon_metrics_port(&d);
    assert_true(port > 0);
    at_counter_t counters[] = {{"read", 0, 0}, {"sent", 0, 0}, {NULL, 0, 0}};
    at_daemon_set_counters(&d, counters);
    uint64_t bad = 0;
    assert_int_equal(at_daemon_export_items(&d, AT_ITEMS_RECEIVED, NULL, &counters[0].value), 0);
    assert_int_equal(at_daemon_export_items(&d, AT_ITEMS_REJECTED, "bad_json", &bad), 0);
    counters[0].value = 3;
    bad = 2;
    /* Not copied until the loop turns: scrapes see a consistent snapshot. */
    char *r = http_get(port, "/metrics");
    assert_non_null(strstr(r, "\r\n\r\n# HELP "));
    assert_non_null(strstr(r, "\nattache_test_read_total{daemon=\"test\"} 0\n"));
    free(r);
    at_daemon_tick(&d);
    r = http_get(port, "/metrics");
    assert_non_null(strstr(r, "\nattache_test_read_total{daemon=\"test\"} 3\n"));
    assert_non_null(strstr(r, "\nattache_items_received_total{daemon=\"test\"} 3\n"));
    assert_non_null(
        strstr(r, "\nattache_items_rejected_total{daemon=\"test\",reason=\"bad_json\"} 2\n"));
    assert_non_null(strstr(r, "Content-Type: text/plain; version=0.0.4"));
    free(r);

    r = http_get(port, "/healthz");
    assert_non_null(strstr(r, " 200 "));
    free(r);
    /* Not ready before READY, then ready, then not while a condition fails. */
    r = http_get(port, "/readyz");
    assert_non_null(strstr(r, " 503 "));
    assert_non_null(strstr(r, "starting"));
    free(r);
    at_daemon_ready(&d, "test");
    r = http_get(port, "/readyz");
    assert_non_null(strstr(r, " 200 "));
    free(r);
    at_daemon_set_condition(&d, "input", false, "no peer connected to x");
    r = http_get(port, "/readyz");
    assert_non_null(strstr(r, " 503 "));
    assert_non_null(strstr(r, "input: no peer connected to x"));
    free(r);
    at_daemon_set_condition(&d, "input", true, NULL);
    r = http_get(port, "/readyz");
    assert_non_null(strstr(r, " 200 "));
    assert_non_null(strstr(r, "input: ok"));
    free(r);
    at_daemon_stopping(&d, "test");
    r = http_get(port, "/readyz");
    assert_non_null(strstr(r, " 503 "));
    free(r);
    at_daemon_fini(&d);

    /* A malformed address fails init (and so --check-config) with code 1. */
    const char *bad_argv[] = {"t", "--check-config", "-s", "metrics.listen=localhost", NULL};
    assert_int_equal(init(&d, 4, bad_argv, &code), 1);
    assert_int_equal(code, 1);
    /* Off by default: no port, but a registry all the same. */
    const char *plain[] = {"t", NULL};
    assert_int_equal(init(&d, 1, plain, &code), 0);
    assert_int_equal(at_daemon_metrics_port(&d), 0);
    assert_non_null(d.metrics);
    at_daemon_fini(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flags_become_sets),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_check_config),
        cmocka_unit_test(test_reload_keeps_old_on_error),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_reject_rate_limit),
        cmocka_unit_test(test_check_msg),
        cmocka_unit_test(test_metrics_and_health),
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_drained),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
