/*
 * Tests for at_metrics: the exact text of the Prometheus exposition format
 * (HELP/TYPE lines, escaping, constant labels, histogram buckets with le
 * and +Inf, value formatting), registration rules (same series back, bad
 * names and type clashes refused), and counting from several threads.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "at_metrics.h"

static char *render(at_metrics_t *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(at_metrics_render(m, f), 0);
    fclose(f);
    return buf;
}

static void test_counter_and_gauge_text(void **state)
{
    (void)state;
    at_metrics_t *m = at_metrics_new();
    assert_non_null(m);
    at_metric_t *rx =
        at_metrics_counter(m, "attache_items_received_total", "Items received.", NULL);
    at_metric_t *bad =
        at_metrics_counter(m, "attache_items_rejected_total", "Items rejected, by reason.",
                           (const char *[]){"reason", "bad_json", NULL});
    at_metric_t *big = at_metrics_counter(m, "attache_items_rejected_total", "ignored",
                                          (const char *[]){"reason", "oversize", NULL});
    at_metric_t *q = at_metrics_gauge(m, "attache_queue_depth", "Queued.\nSecond \\ line.",
                                      (const char *[]){"sink", "a\"b\\c\nd", NULL});
    assert_non_null(rx);
    assert_non_null(bad);
    assert_non_null(big);
    assert_non_null(q);
    at_metric_add(rx, 41);
    at_metric_inc(rx);
    at_metric_inc(bad);
    at_metric_store(big, 7);
    at_metric_set(q, 2.5);
    at_metric_gauge_add(q, -1);
    char *text = render(m);
    assert_string_equal(text, "# HELP attache_items_received_total Items received.\n"
                              "# TYPE attache_items_received_total counter\n"
                              "attache_items_received_total 42\n"
                              "# HELP attache_items_rejected_total Items rejected, by reason.\n"
                              "# TYPE attache_items_rejected_total counter\n"
                              "attache_items_rejected_total{reason=\"bad_json\"} 1\n"
                              "attache_items_rejected_total{reason=\"oversize\"} 7\n"
                              "# HELP attache_queue_depth Queued.\\nSecond \\\\ line.\n"
                              "# TYPE attache_queue_depth gauge\n"
                              "attache_queue_depth{sink=\"a\\\"b\\\\c\\nd\"} 1.5\n");
    free(text);
    assert_int_equal(at_metric_value(rx), 42);
    assert_true(at_metric_gauge_value(q) == 1.5);
    at_metrics_destroy(&m);
    assert_null(m);
    at_metrics_destroy(&m); /* NULL-safe */
}

static void test_histogram_text(void **state)
{
    (void)state;
    at_metrics_t *m = at_metrics_new();
    assert_int_equal(at_metrics_const_label(m, "daemon", "sink"), 0);
    static const double b[] = {0.005, 0.1, 1};
    at_metric_t *h = at_metrics_histogram(m, "attache_latency_seconds", "Latency.",
                                          (const char *[]){"output", "jsonl", NULL}, b, 3);
    assert_non_null(h);
    at_metric_observe(h, 0.0009765625);
    at_metric_observe(h, 0.5);
    at_metric_observe(h, 1); /* on the bound: le is inclusive */
    at_metric_observe(h, 3);
    at_metric_observe(h, NAN); /* ignored */
    assert_int_equal(at_metric_count(h), 4);
    char *text = render(m);
    assert_string_equal(
        text, "# HELP attache_latency_seconds Latency.\n"
              "# TYPE attache_latency_seconds histogram\n"
              "attache_latency_seconds_bucket{daemon=\"sink\",output=\"jsonl\",le=\"0.005\"} 1\n"
              "attache_latency_seconds_bucket{daemon=\"sink\",output=\"jsonl\",le=\"0.1\"} 1\n"
              "attache_latency_seconds_bucket{daemon=\"sink\",output=\"jsonl\",le=\"1\"} 3\n"
              "attache_latency_seconds_bucket{daemon=\"sink\",output=\"jsonl\",le=\"+Inf\"} 4\n"
              "attache_latency_seconds_sum{daemon=\"sink\",output=\"jsonl\"} 4.5009765625\n"
              "attache_latency_seconds_count{daemon=\"sink\",output=\"jsonl\"} 4\n");
    free(text);
    /* Without labels of its own, only the constant one. */
    at_metric_t *c = at_metrics_counter(m, "x_total", "X.", NULL);
    at_metric_inc(c);
    text = render(m);
    assert_non_null(strstr(text, "\nx_total{daemon=\"sink\"} 1\n"));
    free(text);
    at_metrics_destroy(&m);
}

static void test_empty_histogram_and_values(void **state)
{
    (void)state;
    at_metrics_t *m = at_metrics_new();
    static const double b[] = {1};
    at_metrics_histogram(m, "h", "", NULL, b, 1);
    at_metric_t *g = at_metrics_gauge(m, "g", "G.", NULL);
    char *text = render(m);
    assert_string_equal(text, "# HELP h \n# TYPE h histogram\n"
                              "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
                              "h_sum 0\nh_count 0\n"
                              "# HELP g G.\n# TYPE g gauge\ng 0\n");
    free(text);
    at_metric_set(g, INFINITY);
    text = render(m);
    assert_non_null(strstr(text, "\ng +Inf\n"));
    free(text);
    at_metric_set(g, NAN);
    text = render(m);
    assert_non_null(strstr(text, "\ng NaN\n"));
    free(text);
    at_metric_set(g, 1e21);
    text = render(m);
    assert_non_null(strstr(text, "\ng 1e+21\n"));
    free(text);
    at_metrics_destroy(&m);

    char buf[64];
    at_metrics_format_double(0.1, buf, sizeof buf);
    assert_string_equal(buf, "0.1");
    at_metrics_format_double(-2, buf, sizeof buf);
    assert_string_equal(buf, "-2");
    at_metrics_format_double(1.0 / 3, buf, sizeof buf);
    assert_true(strtod(buf, NULL) == 1.0 / 3);
    at_metrics_format_double(-INFINITY, buf, sizeof buf);
    assert_string_equal(buf, "-Inf");
}

static void test_registration_rules(void **state)
{
    (void)state;
    at_metrics_t *m = at_metrics_new();
    const char *const l1[] = {"reason", "x", NULL};
    at_metric_t *a = at_metrics_counter(m, "c_total", "C.", l1);
    assert_ptr_equal(at_metrics_counter(m, "c_total", "C.", (const char *[]){"reason", "x", NULL}),
                     a);
    assert_ptr_not_equal(at_metrics_counter(m, "c_total", "C.", NULL), a);
    /* Type clash, bad names, odd label list, reserved and duplicate labels. */
    assert_null(at_metrics_gauge(m, "c_total", "C.", NULL));
    assert_null(at_metrics_counter(m, "9bad", "", NULL));
    assert_null(at_metrics_counter(m, "bad-name", "", NULL));
    assert_null(at_metrics_counter(m, "", "", NULL));
    assert_null(at_metrics_counter(m, "ok", "", (const char *[]){"reason", NULL}));
    assert_null(at_metrics_counter(m, "ok", "", (const char *[]){"__x", "1", NULL}));
    assert_null(at_metrics_counter(m, "ok", "", (const char *[]){"a:b", "1", NULL}));
    assert_null(at_metrics_counter(m, "ok", "", (const char *[]){"a", "1", "a", "2", NULL}));
    static const double b[] = {1, 2}, bad[] = {2, 1};
    assert_null(at_metrics_histogram(m, "h", "", (const char *[]){"le", "1", NULL}, b, 2));
    assert_null(at_metrics_histogram(m, "h", "", NULL, bad, 2));
    assert_non_null(at_metrics_histogram(m, "h", "", NULL, b, 2));
    assert_null(at_metrics_histogram(m, "h", "", NULL, b, 1)); /* other buckets */
    assert_int_equal(at_metrics_const_label(m, "bad-label", "x"), -1);
    assert_non_null(at_metrics_counter(m, "ns:sub_total", "colons are allowed", NULL));
    /* A const label may not be repeated on a series. */
    assert_int_equal(at_metrics_const_label(m, "daemon", "x"), 0);
    assert_null(at_metrics_counter(m, "d_total", "", (const char *[]){"daemon", "y", NULL}));
    /* Updates of the wrong kind and of NULL series are ignored. */
    at_metric_inc(NULL);
    at_metric_set(a, 3);
    at_metric_observe(a, 1);
    assert_int_equal(at_metric_value(a), 0);
    at_metrics_destroy(&m);
}

#define THREADS 4
#define PER     100000

static void *hammer(void *arg)
{
    at_metric_t **ms = arg;
    for (int i = 0; i < PER; i++) {
        at_metric_inc(ms[0]);
        at_metric_gauge_add(ms[1], 1);
        at_metric_observe(ms[2], 0.5);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    at_metrics_t *m = at_metrics_new();
    static const double b[] = {1};
    at_metric_t *ms[3] = {at_metrics_counter(m, "c_total", "", NULL),
                          at_metrics_gauge(m, "g", "", NULL),
                          at_metrics_histogram(m, "h", "", NULL, b, 1)};
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, hammer, ms);
    /* Render concurrently: must not crash or deadlock. */
    for (int i = 0; i < 20; i++)
        free(render(m));
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(at_metric_value(ms[0]), THREADS * PER);
    assert_true(at_metric_gauge_value(ms[1]) == THREADS * PER);
    assert_int_equal(at_metric_count(ms[2]), THREADS * PER);
    char *text = render(m);
    char want[128];
    snprintf(want, sizeof want, "h_sum %d\n", THREADS * PER / 2);
    assert_non_null(strstr(text, want));
    free(text);
    at_metrics_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_and_gauge_text),
        cmocka_unit_test(test_histogram_text),
        cmocka_unit_test(test_empty_histogram_and_values),
        cmocka_unit_test(test_registration_rules),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
