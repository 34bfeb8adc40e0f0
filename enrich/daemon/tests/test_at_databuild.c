/*
 * test_at_databuild: the background data build behind attache-enrich's
 * SIGHUP. A real build of data/ (with the rules it was asked for applied),
 * a rejected directory (file:line, no engine), and coalescing made
 * deterministic by a builder that waits at a gate the test opens: three
 * requests during one build give exactly one more build, of the latest
 * request. Destroying the builder while a build runs waits for it and
 * frees what it made (ASan/valgrind would see a leak).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_databuild.h"

static const char *data_dir(void)
{
    const char *d = getenv("ATTACHE_DATA_DIR");
    if (!d || !*d)
        fail_msg("ATTACHE_DATA_DIR is not set (run through ctest)");
    return d;
}

/* Poll until a build has finished. The bound only turns a hang into a
 * failure; a real build takes well under a second. */
static void wait_result(at_databuild_t *b, at_databuild_result_t *r)
{
    for (int i = 0; i < 60000; i++) {
        if (at_databuild_poll(b, r) == 1)
            return;
        usleep(1000);
    }
    fail_msg("no build finished within 60 s");
}

/* One item through an engine; the number of warrant_exposure alerts. */
static size_t astana_alerts(const at_enrich_t *e)
{
    Attache__V1__NewsItem *it = malloc(sizeof *it);
    attache__v1__news_item__init(it);
    it->id = strdup("a");
    it->url = strdup("https://example.org/a");
    it->title = strdup("Putin in Astana");
    it->body = strdup("ASTANA, July 3 (Reuters) - Vladimir Putin arrived.");
    it->published = 1720000000; /* 2024-07-03 */
    Attache__V1__Event *ev = at_enrich_item(e, &it, 1720000000);
    assert_non_null(ev);
    size_t n = ev->n_alerts;
    at_enrich_event_free(&ev);
    return n;
}

static void test_real_build(void **state)
{
    (void)state;
    at_databuild_t *b = at_databuild_new(NULL, NULL);
    assert_non_null(b);
    assert_false(at_databuild_busy(b));
    at_databuild_result_t r;
    assert_int_equal(at_databuild_poll(b, &r), 0);

    at_alerts_config_t rules;
    at_alerts_config_default(&rules);
    rules.warrant_non_party = ATTACHE__V1__SEVERITY__SEVERITY_UNSPECIFIED; /* off */
    assert_int_equal(at_databuild_request(b, data_dir(), &rules), AT_DATABUILD_STARTED);
    assert_true(at_databuild_busy(b));
    wait_result(b, &r);
    assert_false(at_databuild_busy(b));
    assert_non_null(r.engine);
    assert_string_equal(r.dir, data_dir());
    assert_int_equal(r.rules.warrant_non_party, ATTACHE__V1__SEVERITY__SEVERITY_UNSPECIFIED);
    assert_int_equal(strlen(at_enrich_data_version(r.engine)), 10);
    assert_int_equal(astana_alerts(r.engine), 0); /* the rules came with the engine */
    at_enrich_destroy(&r.engine);
    assert_int_equal(at_databuild_poll(b, &r), 0); /* delivered once */

    /* A directory that does not load: no engine, and file:line. */
    assert_int_equal(at_databuild_request(b, "/nonexistent/attache-data", NULL),
                     AT_DATABUILD_STARTED);
    wait_result(b, &r);
    assert_null(r.engine);
    assert_non_null(strstr(r.err, "/nonexistent/attache-data/VERSION:0: cannot open"));
    assert_int_equal(r.rules.warrant_party, ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    at_databuild_destroy(&b);
    assert_null(b);
    at_databuild_destroy(&b); /* NULL-safe */
}

/* A builder that waits until the test opens the gate, and records what it
 * was asked to build. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int open;
    int calls;
    char dirs[8][256];
} gate_t;

static at_enrich_t *gated_build(void *arg, const char *dir, char *err, size_t errlen)
{
    gate_t *g = arg;
    pthread_mutex_lock(&g->mu);
    if (g->calls < 8)
        snprintf(g->dirs[g->calls], sizeof g->dirs[0], "%s", dir);
    g->calls++;
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    if (strcmp(dir, "bad") == 0) {
        snprintf(err, errlen, "bad/countries.tsv:7: broken on purpose");
        return NULL;
    }
    return at_enrich_new(data_dir(), err, errlen);
}

static void gate_set(gate_t *g, int open)
{
    pthread_mutex_lock(&g->mu);
    g->open = open;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static int gate_calls(gate_t *g)
{
    pthread_mutex_lock(&g->mu);
    int n = g->calls;
    pthread_mutex_unlock(&g->mu);
    return n;
}

static void test_coalescing(void **state)
{
    (void)state;
    gate_t g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    at_databuild_t *b = at_databuild_new(gated_build, &g);
    assert_non_null(b);
    at_databuild_result_t r;

    assert_int_equal(at_databuild_request(b, "first", NULL), AT_DATABUILD_STARTED);
    /* Three more SIGHUPs while it is held at the gate: one waiting request,
     * the latest. */
    assert_int_equal(at_databuild_request(b, "bad", NULL), AT_DATABUILD_COALESCED);
    assert_int_equal(at_databuild_request(b, "second", NULL), AT_DATABUILD_COALESCED);
    at_alerts_config_t rules;
    at_alerts_config_default(&rules);
    rules.status_change_days = 7;
    assert_int_equal(at_databuild_request(b, "bad", &rules), AT_DATABUILD_COALESCED);
    assert_int_equal(at_databuild_poll(b, &r), 0); /* held: nothing finished */
    assert_true(at_databuild_busy(b));

    gate_set(&g, 1);
    wait_result(b, &r);
    assert_string_equal(r.dir, "first");
    assert_non_null(r.engine);
    at_enrich_destroy(&r.engine);
    assert_true(at_databuild_busy(b)); /* the coalesced one started */

    wait_result(b, &r);
    assert_string_equal(r.dir, "bad");
    assert_null(r.engine);
    assert_string_equal(r.err, "bad/countries.tsv:7: broken on purpose");
    assert_int_equal(r.rules.status_change_days, 7);
    assert_false(at_databuild_busy(b));
    assert_int_equal(gate_calls(&g), 2); /* "second" and the first "bad" never built */
    assert_string_equal(g.dirs[0], "first");
    assert_string_equal(g.dirs[1], "bad");
    assert_int_equal(at_databuild_poll(b, &r), 0);

    /* A result not polled yet also holds new requests back, so outcomes
     * come out in request order. */
    assert_int_equal(at_databuild_request(b, "third", NULL), AT_DATABUILD_STARTED);
    while (gate_calls(&g) < 3)
        usleep(1000);
    assert_int_equal(at_databuild_request(b, "fourth", NULL), AT_DATABUILD_COALESCED);
    wait_result(b, &r);
    assert_string_equal(r.dir, "third");
    at_enrich_destroy(&r.engine);
    wait_result(b, &r);
    assert_string_equal(r.dir, "fourth");
    at_enrich_destroy(&r.engine);
    at_databuild_destroy(&b);
}

static void test_destroy_while_building(void **state)
{
    (void)state;
    gate_t g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    at_databuild_t *b = at_databuild_new(gated_build, &g);
    assert_int_equal(at_databuild_request(b, "first", NULL), AT_DATABUILD_STARTED);
    assert_int_equal(at_databuild_request(b, "second", NULL), AT_DATABUILD_COALESCED);
    while (gate_calls(&g) < 1)
        usleep(1000);
    gate_set(&g, 1);
    /* Joins the running build and frees its engine; the waiting request is
     * dropped, never started. */
    at_databuild_destroy(&b);
    assert_null(b);
    assert_int_equal(gate_calls(&g), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_build),
        cmocka_unit_test(test_coalescing),
        cmocka_unit_test(test_destroy_while_building),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
