/*
 * Tests for at_endpoint: the endpoint syntax, explicit bind/connect, and
 * rejection of everything else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "at_endpoint.h"

static void test_valid(void **state)
{
    (void)state;
    at_endpoint_t ep;
    char err[256];
    assert_int_equal(at_endpoint_parse("zmq+tcp://127.0.0.1:7101", &ep, err, sizeof err), 0);
    assert_false(ep.bind);
    assert_int_equal(ep.hwm, AT_EP_DEFAULT_HWM);
    assert_string_equal(ep.zmq_addr, "tcp://127.0.0.1:7101");

    assert_int_equal(at_endpoint_parse("zmq+tcp://*:7101", &ep, err, sizeof err), 0);
    assert_true(ep.bind);

    assert_int_equal(at_endpoint_parse("zmq+tcp://127.0.0.1:1?bind=1&hwm=5", &ep, err, sizeof err),
                     0);
    assert_true(ep.bind);
    assert_int_equal(ep.hwm, 5);
    assert_string_equal(ep.zmq_addr, "tcp://127.0.0.1:1");

    assert_int_equal(at_endpoint_parse("zmq+tcp://*:7101?bind=0", &ep, err, sizeof err), 0);
    assert_false(ep.bind);

    assert_int_equal(
        at_endpoint_parse("zmq+ipc:///run/attache/x.sock?bind=1", &ep, err, sizeof err), 0);
    assert_int_equal(ep.scheme, AT_EP_ZMQ_IPC);
    assert_string_equal(ep.zmq_addr, "ipc:///run/attache/x.sock");

    assert_int_equal(at_endpoint_parse("kafka://b1:9092,b2:9093/attache.items?group=enrich", &ep,
                                       err, sizeof err),
                     0);
    assert_int_equal(ep.scheme, AT_EP_KAFKA);
    assert_string_equal(ep.brokers, "b1:9092,b2:9093");
    assert_string_equal(ep.topic, "attache.items");
    assert_string_equal(ep.group, "enrich");
    assert_int_equal(at_endpoint_parse("kafka://localhost/t_1-x", &ep, err, sizeof err), 0);
    assert_string_equal(ep.group, "");
}

static void test_invalid(void **state)
{
    (void)state;
    at_endpoint_t ep;
    char err[256];
    const char *bad[] = {"",
                         "tcp://127.0.0.1:1",
                         "zmq+tcp://127.0.0.1",
                         "zmq+tcp://127.0.0.1:",
                         "zmq+tcp://:7101",
                         "zmq+tcp://h:0",
                         "zmq+tcp://h:65536",
                         "zmq+tcp://h:12ab",
                         "zmq+tcp://h:1?bind=2",
                         "zmq+tcp://h:1?bind",
                         "zmq+tcp://h:1?hwm=-1",
                         "zmq+tcp://h:1?hmw=5",
                         "zmq+ipc://relative/path",
                         "zmq+ipc://",
                         "kafka://",
                         "kafka://b:9092",
                         "kafka://b:9092/",
                         "kafka:///topic",
                         "kafka://b:9092,/topic",
                         "kafka://b:9092/bad topic",
                         "kafka://b:9092/..",
                         "kafka://b:9092/t?group=",
                         "kafka://b:9092/t?hwm=5",
                         "http://x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        assert_int_equal(at_endpoint_parse(bad[i], &ep, err, sizeof err), -1);
        assert_true(strlen(err) > 0);
    }
    assert_int_equal(at_endpoint_parse(NULL, &ep, err, sizeof err), -1);
    char longuri[2000];
    memset(longuri, 'a', sizeof longuri - 1);
    longuri[sizeof longuri - 1] = '\0';
    memcpy(longuri, "zmq+tcp://", 10);
    assert_int_equal(at_endpoint_parse(longuri, &ep, err, sizeof err), -1);
    assert_non_null(strstr(err, "too long"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_valid),
                                       cmocka_unit_test(test_invalid)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
