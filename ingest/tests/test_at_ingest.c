/*
 * Tests for at_ingest, run in-process: a JSON-lines file with good, bad,
 * duplicate and blank lines goes through the real daemon loop to a PULL
 * socket owned by the test; counters and the messages are checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_daemon.h"
#include "at_testutil.h"
#include "at_ingest.h"
#include "at_json.h"
#include "at_transport.h"

static const at_daemon_spec_t spec = {"attache-ingest", "test", at_ingest_config, at_ingest_flags};

static char dir[] = "/tmp/at_ingest_test.XXXXXX";

static void test_file_to_socket(void **state)
{
    (void)state;
    char input[128], endpoint[160], bind_ep[180], dl[128], err[512];
    snprintf(input, sizeof input, "%s/in.jsonl", dir);
    snprintf(dl, sizeof dl, "%s/dl.jsonl", dir);
    snprintf(endpoint, sizeof endpoint, "zmq+ipc://%s/enrich.sock", dir);
    snprintf(bind_ep, sizeof bind_ep, "%s?bind=1", endpoint);
    FILE *f = fopen(input, "w");
    fputs("{\"id\":\"a\",\"url\":\"https://e.org/a\",\"title\":\"A\",\"published\":"
          "\"2024-07-03T09:40:00Z\"}\n"
          "\n"
          "{\"id\":\"b\",\"url\":\"https://e.org/b\",\"title\":\"B\"}\n"
          "not json at all\n"
          "{\"id\":\"a\",\"url\":\"https://e.org/a\",\"title\":\"A again\"}\n"
          "{\"url\":\"https://e.org/c\",\"title\":\"C without id\"}",
          f);
    fclose(f);

    at_transport_t *pull = at_transport_new(bind_ep, AT_TX_PULL, err, sizeof err);
    assert_non_null(pull);
    char s1[200], s2[200], s3[200];
    snprintf(s1, sizeof s1, "ingest.input=%s", input);
    snprintf(s2, sizeof s2, "ingest.output=%s", endpoint);
    snprintf(s3, sizeof s3, "ingest.dead_letter=%s", dl);
    char *argv[] = {"attache-ingest",     "-s", s1, "-s", s2, "-s", s3, "-s",
                    "ingest.source=unit", NULL};
    at_daemon_t d;
    at_test_daemon_init(&d, &spec, argv);
    at_ingest_t *ing = at_ingest_new(&d, err, sizeof err);
    assert_non_null(ing);
    assert_int_equal(at_ingest_run(ing), 0);
    assert_int_equal(at_test_counter(&d, "read"), 5);
    assert_int_equal(at_test_counter(&d, "sent"), 3);
    assert_int_equal(at_test_counter(&d, "rejected"), 1);
    assert_int_equal(at_test_counter(&d, "duplicate"), 1);
    at_ingest_destroy(&ing);
    assert_null(ing);

    const char *want_title[] = {"A", "B", "C without id"};
    for (int i = 0; i < 3; i++) {
        at_msg_t m;
        assert_int_equal(at_transport_recv(pull, &m, 2000), AT_TX_OK);
        assert_null(m.bad);
        assert_string_equal(m.type, "attache.v1.NewsItem");
        Attache__V1__NewsItem *item = attache__v1__news_item__unpack(NULL, m.len, m.data);
        assert_non_null(item);
        assert_string_equal(item->title, want_title[i]);
        assert_string_equal(item->source, "unit");
        assert_true(item->fetched > 0);
        if (i == 0)
            assert_int_equal(item->published, 1719999600); /* 2024-07-03T09:40:00Z */
        if (i == 2)
            assert_int_equal(strlen(item->id), 32); /* hash of the URL */
        at_json_item_free(&item);
        at_msg_release(&m);
    }
    FILE *dlf = fopen(dl, "r");
    assert_non_null(dlf);
    char line[2048];
    assert_non_null(fgets(line, sizeof line, dlf));
    assert_non_null(strstr(line, "invalid JSON"));
    fclose(dlf);
    at_transport_close(&pull, 0);
    at_daemon_fini(&d);
}

static void test_errors(void **state)
{
    (void)state;
    char err[512];
    char *argv[] = {"attache-ingest", "-s", "ingest.input=/nonexistent/in.jsonl", NULL};
    at_daemon_t d;
    at_test_daemon_init(&d, &spec, argv);
    assert_null(at_ingest_new(&d, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/in.jsonl"));
    at_daemon_fini(&d);

    char *argv2[] = {"attache-ingest", "-s", "ingest.output=zmq+tcp://nowhere", NULL};
    at_test_daemon_init(&d, &spec, argv2);
    assert_int_equal(at_ingest_check(d.cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "zmq+tcp://host:port"));
    at_daemon_fini(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_file_to_socket),
                                       cmocka_unit_test(test_errors)};
    return at_test_run_in_dir(tests, dir);
}
