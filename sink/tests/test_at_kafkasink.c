/*
 * Tests for at_kafkasink, the kafka:// output: spec checking (broker list,
 * port, topic, format, options, no ?group=), and, against librdkafka's
 * mock cluster in process, the delivery rules: events are written (durable)
 * only once their delivery reports are back, records carry key = event id
 * and the type header, a broker outage holds the batch without counting it
 * and without producing it twice, format=json writes the JSON line, and
 * the daemon's kafka.* properties reach the producer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "at_config.h"
#include "at_daemon.h"
#include "at_kafkasink.h"
#include "at_sinkbe.h"
#include "at_sinkq.h"
#include "at_sinkspec.h"
#include "at_testkafka.h"
#include "sink_test_events.h"

static at_test_kafka_t g_kafka;

static int setup(void **state)
{
    (void)state;
    static const char *const topics[] = {"t.pb", "t.json", "t.props", "t.fail", NULL};
    return at_test_kafka_start(&g_kafka, topics);
}

static int teardown(void **state)
{
    (void)state;
    return at_test_kafka_stop(&g_kafka);
}

static void expect_error(const char *text, const char *needle)
{
    char err[1024] = "";
    at_sinkspec_t *s = at_sinkspec_parse("k", text, 1000, err, sizeof err);
    if (s || !strstr(err, needle))
        fail_msg("spec '%s': expected an error with '%s', got '%s'", text, needle, err);
    assert_non_null(strstr(err, text));
}

static void test_specs(void **state)
{
    (void)state;
    char err[1024];
    at_sinkspec_t *s = at_sinkspec_parse(
        "k", "[format=json,severity=critical,timeout_ms=2s]kafka://127.0.0.1:9092,b2:9093/a.out",
        1000, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    assert_string_equal(s->be->scheme, "kafka");
    assert_string_equal(s->target, "kafka://127.0.0.1:9092,b2:9093/a.out");
    assert_true(s->be->durable);
    at_sinkspec_destroy(&s);
    /* A broker without a port, and a bracketed IPv6 address. */
    s = at_sinkspec_parse("k", "kafka://broker1,[::1]:9092,[::2]/t_1-x", 1000, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    at_sinkspec_destroy(&s);

    /* Bad broker lists. */
    expect_error("kafka:///attache.out", "expected kafka://broker");
    expect_error("kafka://127.0.0.1:9092", "expected kafka://broker");
    expect_error("kafka://a,,b/attache.out", "bad broker list");
    expect_error("kafka://a:9092,/attache.out", "bad broker list");
    expect_error("kafka://a:/attache.out", "bad broker list");
    expect_error("kafka://a b:9092/attache.out", "bad broker list");
    expect_error("kafka://a:99999/attache.out", "port must be 1..65535");
    expect_error("kafka://a:0/attache.out", "port must be 1..65535");
    expect_error("kafka://a:http/attache.out", "port must be 1..65535");
    expect_error("kafka://fe80::1:9092/attache.out", "[ADDR]:PORT");
    /* Bad topics. */
    expect_error("kafka://a:9092/bad topic", "bad topic");
    expect_error("kafka://a:9092/..", "bad topic");
    expect_error("kafka://a:9092/a/b", "bad topic");
    expect_error("kafka://a:9092/t\xc3\xa9", "bad topic");
    /* Bad formats and options. */
    expect_error("[format=xml]kafka://a:9092/t", "format=xml");
    expect_error("[format=]kafka://a:9092/t", "format=");
    expect_error("kafka://a:9092/t?group=g", "takes none");
    expect_error("kafka://a:9092/t?acks=all", "unknown Kafka parameter");
    expect_error("[fsync=always]kafka://a:9092/t", "unknown option 'fsync'");
    expect_error("[timeout_ms=5]kafka://a:9092/t", "timeout_ms=5");
    expect_error("[batch=0]kafka://a:9092/t", "batch=0");

    assert_int_equal(at_kafkasink_check_target("kafka://h:1/t", err, sizeof err), 0);
    assert_int_equal(at_kafkasink_check_target("zmq+tcp://h:1", err, sizeof err), -1);
}

/* Read n records of topic (partition 0) from the start into keys,
 * headers and values (each a malloc'ed string). Fails after 30 s. */
static void read_topic(const char *topic, int n, char **keys, char **types, char **values,
                       size_t *lens)
{
    char why[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", g_kafka.boot, why, sizeof why);
    rd_kafka_conf_set(conf, "group.id", "test-reader", why, sizeof why);
    rd_kafka_conf_set(conf, "log_level", "0", why, sizeof why);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    assert_non_null(c);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(c, l), 0);
    rd_kafka_topic_partition_list_destroy(l);
    int got = 0;
    for (int tries = 0; got < n && tries < 300; tries++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (!m)
            continue;
        if (!m->err) {
            keys[got] = strndup(m->key, m->key_len);
            rd_kafka_headers_t *h = NULL;
            const void *tv = NULL;
            size_t tl = 0;
            if (rd_kafka_message_headers(m, &h) == 0)
                rd_kafka_header_get_last(h, "type", &tv, &tl);
            types[got] = strndup(tv ? tv : "", tl);
            values[got] = malloc(m->len + 1);
            memcpy(values[got], m->payload, m->len);
            values[got][m->len] = '\0';
            lens[got] = m->len;
            got++;
        }
        rd_kafka_message_destroy(m);
    }
    /* Nothing more than n: a duplicate would show here. */
    for (int tries = 0; tries < 10; tries++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (m && !m->err)
            fail_msg("%s: more than %d records", topic, n);
        if (m)
            rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    assert_int_equal(got, n);
}

static void wait_durable(at_sinkq_t *q, uint64_t n)
{
    for (int i = 0; i < 3000 && at_sinkq_durable(q) < n; i++)
        usleep(10000);
    assert_int_equal(at_sinkq_durable(q), n);
}

static void test_delivery(void **state)
{
    (void)state;
    char text[700], err[1024];
    snprintf(text, sizeof text, "[timeout_ms=300]kafka://%s/t.pb", g_kafka.boot);
    at_sinkspec_t *spec = at_sinkspec_parse("k", text, 1000, err, sizeof err);
    assert_non_null(spec);
    at_sinkq_t *q = at_sinkq_new(spec, err, sizeof err);
    if (!q)
        fail_msg("%s", err);

    static const char *const ids[] = {"ev-1", "ev-2", "ev-3", "ev-4", "ev-5"};
    at_sinkitem_t *items[5];
    for (int i = 0; i < 5; i++) {
        items[i] = test_item(ids[i], (const char *[]){"KAZ", ""}, NULL, NULL, 0);
        assert_non_null(items[i]);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(at_sinkq_push(q, items[i], 1000), 0);
    wait_durable(q, 3);

    /* Broker down: the batch is produced but its reports do not come:
     * commits fail (counted), nothing more counts as written. */
    at_sinkq_stats_t st;
    at_sinkq_stats(q, &st);
    uint64_t failed0 = st.failed; /* a slow first connection may have cost one */
    rd_kafka_mock_broker_set_down(g_kafka.mc, 1);
    for (int i = 3; i < 5; i++)
        assert_int_equal(at_sinkq_push(q, items[i], 1000), 0);
    for (int i = 0; i < 3000; i++) {
        at_sinkq_stats(q, &st);
        if (st.failed >= failed0 + 2)
            break;
        usleep(10000);
    }
    assert_true(st.failed >= failed0 + 2);
    assert_int_equal(at_sinkq_durable(q), 3);
    assert_true(at_sinkq_failing(q));
    /* Back up: the held batch is delivered once, not once per attempt. */
    rd_kafka_mock_broker_set_up(g_kafka.mc, 1);
    wait_durable(q, 5);
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 10000), 0);
    at_sinkq_stats(q, &st);
    assert_int_equal(st.written, 5);
    assert_int_equal(st.lost, 0);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&spec);

    char *keys[5], *types[5], *values[5];
    size_t lens[5];
    read_topic("t.pb", 5, keys, types, values, lens);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(keys[i], ids[i]);
        assert_string_equal(types[i], "attache.v1.Event");
        assert_int_equal(lens[i], items[i]->pb_len);
        assert_memory_equal(values[i], items[i]->pb, lens[i]);
        free(keys[i]);
        free(types[i]);
        free(values[i]);
    }

    /* format=json: the JSON line, typed application/json. */
    snprintf(text, sizeof text, "[format=json]kafka://%s/t.json", g_kafka.boot);
    spec = at_sinkspec_parse("k", text, 1000, err, sizeof err);
    assert_non_null(spec);
    q = at_sinkq_new(spec, err, sizeof err);
    assert_non_null(q);
    assert_int_equal(at_sinkq_push(q, items[0], 1000), 0);
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 30000), 0);
    assert_int_equal(at_sinkq_durable(q), 1);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&spec);
    read_topic("t.json", 1, keys, types, values, lens);
    assert_string_equal(keys[0], "ev-1");
    assert_string_equal(types[0], AT_KAFKASINK_JSON_TYPE);
    assert_string_equal(values[0], items[0]->json);
    free(keys[0]);
    free(types[0]);
    free(values[0]);
    for (int i = 0; i < 5; i++)
        at_sinkitem_unref(&items[i]);
}

/* The daemon's kafka.* keys reach the producer, copied at open (the
 * config is gone before the first event): with message.max.bytes=1000 an
 * event of 5000 bytes is dropped and counted, the small one written. */
static void test_properties(void **state)
{
    (void)state;
    static const at_cfg_def_t defs[] = {AT_DAEMON_COMMON_KEYS, AT_CFG_END};
    at_config_t *cfg = at_config_new(defs);
    char text[700], err[1024];
    assert_int_equal(at_config_set(cfg, "kafka.message.max.bytes", "1000", "t", err, sizeof err),
                     0);
    snprintf(text, sizeof text, "kafka://%s/t.props", g_kafka.boot);
    at_sinkspec_t *spec = at_sinkspec_parse("k", text, 1000, err, sizeof err);
    assert_non_null(spec);
    spec->cfg = cfg;
    at_sinkq_t *q = at_sinkq_new(spec, err, sizeof err);
    if (!q)
        fail_msg("%s", err);
    spec->cfg = NULL;
    at_config_destroy(&cfg);

    at_sinkitem_t *small = test_item("small", NULL, NULL, NULL, 0);
    Attache__V1__Event *ev = attache__v1__event__unpack(NULL, small->pb_len, small->pb);
    char *json = strdup(small->json);
    char *big_pb = calloc(1, 5000);
    at_sinkitem_t *big = at_sinkitem_new(&ev, &json, big_pb, 5000);
    assert_non_null(big);
    free(big_pb);
    assert_int_equal(at_sinkq_push(q, big, 1000), 0);
    assert_int_equal(at_sinkq_push(q, small, 1000), 0);
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 30000), 0);
    at_sinkq_stats_t st;
    at_sinkq_stats(q, &st);
    assert_int_equal(st.written, 1);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(at_sinkq_done(q), 2);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&spec);
    char *keys[1], *types[1], *values[1];
    size_t lens[1];
    read_topic("t.props", 1, keys, types, values, lens);
    assert_string_equal(keys[0], "small");
    free(keys[0]);
    free(types[0]);
    free(values[0]);
    at_sinkitem_unref(&small);
    at_sinkitem_unref(&big);
}

/* A failed delivery report (the broker refuses the Produce request with a
 * non-retriable error): the commit fails with librdkafka's reason, the
 * next attempt opens a new producer and sends the batch again, and the
 * events count as written only then. */
static void test_failed_delivery(void **state)
{
    (void)state;
    char text[700], err[1024];
    snprintf(text, sizeof text, "kafka://%s/t.fail", g_kafka.boot);
    at_sinkspec_t *spec = at_sinkspec_parse("k", text, 1000, err, sizeof err);
    assert_non_null(spec);
    at_sinkq_t *q = at_sinkq_new(spec, err, sizeof err);
    assert_non_null(q);
    /* ApiKey 0 is Produce. */
    rd_kafka_mock_push_request_errors(g_kafka.mc, 0, 1,
                                      RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    at_sinkitem_t *a = test_item("fail-a", NULL, NULL, NULL, 0);
    at_sinkitem_t *b = test_item("fail-b", NULL, NULL, NULL, 0);
    assert_int_equal(at_sinkq_push(q, a, 1000), 0);
    assert_int_equal(at_sinkq_push(q, b, 1000), 0);
    wait_durable(q, 2);
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 10000), 0);
    at_sinkq_stats_t st;
    at_sinkq_stats(q, &st);
    assert_true(st.failed >= 1);
    assert_int_equal(st.written, 2);
    assert_int_equal(st.lost, 0);
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&spec);
    /* Both are in the topic (the refused request wrote nothing, so once
     * each here; in general a resend may duplicate, never lose). */
    char *keys[2], *types[2], *values[2];
    size_t lens[2];
    read_topic("t.fail", 2, keys, types, values, lens);
    assert_true((!strcmp(keys[0], "fail-a") && !strcmp(keys[1], "fail-b")));
    for (int i = 0; i < 2; i++) {
        free(keys[i]);
        free(types[i]);
        free(values[i]);
    }
    at_sinkitem_unref(&a);
    at_sinkitem_unref(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_specs), cmocka_unit_test(test_delivery),
        cmocka_unit_test(test_properties), cmocka_unit_test(test_failed_delivery)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
