/*
 * Tests for at_kafka through at_transport, against librdkafka's mock
 * cluster started in this process (a real Kafka-protocol server on
 * loopback):
 *  - records carry the key, the "type" header and the payload;
 *  - a message counts as delivered on its delivery report, and that report
 *    acknowledges the consumed message it was linked to;
 *  - the committed offset is the end of the contiguous run of acknowledged
 *    messages: acknowledging out of order, with one message never
 *    acknowledged, makes the next member of the group start at that one;
 *  - a bad kafka.* property is refused with its origin and librdkafka's
 *    reason;
 *  - push/pull only: a Kafka PUB endpoint is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "at_config.h"
#include "at_daemon.h"
#include "at_kafka.h"
#include "at_testkafka.h"
#include "at_transport.h"

#define N       20
#define SKIPPED 5 /* the message never acknowledged */

static at_test_kafka_t g_kafka;

static int setup(void **state)
{
    (void)state;
    static const char *const topics[] = {"t.in", "t.out", NULL};
    return at_test_kafka_start(&g_kafka, topics);
}

static int teardown(void **state)
{
    (void)state;
    return at_test_kafka_stop(&g_kafka);
}

static at_config_t *fast_group(void)
{
    static const at_cfg_def_t defs[] = {AT_DAEMON_COMMON_KEYS, AT_CFG_END};
    at_config_t *cfg = at_config_new(defs);
    char err[256];
    assert_int_equal(at_config_set(cfg, "kafka.session.timeout.ms", "6000", "t", err, sizeof err),
                     0);
    assert_int_equal(at_config_set(cfg, "kafka.heartbeat.interval.ms", "500", "t", err, sizeof err),
                     0);
    return cfg;
}

/* Receive one message within 30 s (the first waits for the group join). */
static void recv_one(at_transport_t *in, at_msg_t *m)
{
    for (int i = 0; i < 300; i++) {
        int rc = at_transport_recv(in, m, 100);
        if (rc == AT_TX_OK)
            return;
        assert_int_equal(rc, AT_TX_AGAIN);
        at_msg_release(m);
    }
    fail_msg("no message within 30 s");
}

static void test_produce_consume_ack(void **state)
{
    (void)state;
    char uri[700], err[512];
    at_config_t *cfg = fast_group();

    /* Produce N records to t.in. */
    snprintf(uri, sizeof uri, "kafka://%s/t.in", g_kafka.boot);
    at_transport_t *out = at_transport_new_cfg(uri, AT_TX_PUSH, cfg, err, sizeof err);
    assert_non_null(out);
    for (int i = 0; i < N; i++) {
        char key[32], payload[32];
        snprintf(key, sizeof key, "id-%02d", i);
        snprintf(payload, sizeof payload, "payload-%02d", i);
        assert_int_equal(
            at_transport_send(out, "attache.v1.NewsItem", key, payload, strlen(payload), 1000),
            AT_TX_OK);
    }
    assert_int_equal(at_transport_flush(out, 10000), 0);
    assert_null(at_transport_failed(out));
    at_transport_close(&out, 1000);

    /* Consume them; forward each to t.out with the delivery report
     * acknowledging the input, except SKIPPED, and in reverse order. */
    snprintf(uri, sizeof uri, "kafka://%s/t.in?group=g1", g_kafka.boot);
    at_transport_t *in = at_transport_new_cfg(uri, AT_TX_PULL, cfg, err, sizeof err);
    assert_non_null(in);
    snprintf(uri, sizeof uri, "kafka://%s/t.out", g_kafka.boot);
    at_transport_t *fwd = at_transport_new_cfg(uri, AT_TX_PUSH, cfg, err, sizeof err);
    assert_non_null(fwd);
    at_ack_t acks[N];
    for (int i = 0; i < N; i++) {
        at_msg_t m;
        recv_one(in, &m);
        char want[32];
        snprintf(want, sizeof want, "payload-%02d", i);
        assert_null(m.bad);
        assert_string_equal(m.type, "attache.v1.NewsItem");
        assert_int_equal(m.len, strlen(want));
        assert_memory_equal(m.data, want, m.len);
        snprintf(want, sizeof want, "id-%02d", i);
        assert_int_equal(m.keylen, strlen(want));
        assert_memory_equal(m.key, want, m.keylen);
        acks[i] = at_msg_ack_token(&m);
        assert_int_not_equal(acks[i].epoch, 0);
        assert_int_equal(acks[i].offset, i);
        at_msg_release(&m);
    }
    at_counter_t *c = at_kafka_counters();
    assert_non_null(c);
    for (int i = N - 1; i >= 0; i--) {
        if (i == SKIPPED)
            continue;
        if (i % 2)
            at_transport_ack_token(in, acks[i]); /* directly, as the sink does */
        else
            assert_int_equal(
                at_transport_send_acked(fwd, "attache.v1.Event", "k", "x", 1, 1000, in, acks[i]),
                AT_TX_OK);
    }
    assert_int_equal(at_transport_flush(fwd, 10000), 0);
    at_transport_poll(in, 0);
    at_transport_close(&fwd, 1000);
    at_transport_close(&in, 0);

    /* The next member starts at SKIPPED: nothing past it was committed,
     * nothing before it is delivered again. */
    snprintf(uri, sizeof uri, "kafka://%s/t.in?group=g1", g_kafka.boot);
    in = at_transport_new_cfg(uri, AT_TX_PULL, cfg, err, sizeof err);
    assert_non_null(in);
    at_msg_t m;
    recv_one(in, &m);
    assert_int_equal(at_msg_ack_token(&m).offset, SKIPPED);
    at_msg_release(&m);
    at_transport_close(&in, 0);
    at_config_destroy(&cfg);
}

static void test_config_errors(void **state)
{
    (void)state;
    static const at_cfg_def_t defs[] = {AT_DAEMON_COMMON_KEYS, AT_CFG_END};
    at_config_t *cfg = at_config_new(defs);
    char err[512];
    assert_int_equal(at_transport_check_config(cfg, err, sizeof err), 0);
    assert_int_equal(at_config_set(cfg, "kafka.no.such", "1", "x.ini:7", err, sizeof err), 0);
    assert_int_equal(at_transport_check_config(cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "x.ini:7: kafka.no.such = '1': No such configuration property"));
    at_config_destroy(&cfg);

    char uri[700];
    snprintf(uri, sizeof uri, "kafka://%s/t.in", g_kafka.boot);
    assert_null(at_transport_new(uri, AT_TX_PUB, err, sizeof err));
    assert_non_null(strstr(err, "push or pull"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_produce_consume_ack),
                                       cmocka_unit_test(test_config_errors)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
