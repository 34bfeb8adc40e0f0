/*
 * fuzz_endpoint: at_endpoint_parse, which reads every endpoint URI from
 * configs and --set flags (zmq+tcp://host:port?bind=1&hwm=N, zmq+ipc://,
 * kafka://brokers/topic?group=NAME).
 *
 * Checks (at_endpoint.h): a rejection has a reason; an accepted URI yields
 * libzmq's address (the URI without "zmq+" and without the query), the
 * matching scheme, and an hwm within 0..10000000. The error buffer is
 * sized from the input so truncation of long reasons is exercised too.
 */
#include <string.h>

#include "at_endpoint.h"
#include "at_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t errlen = size ? data[0] % 200 : 0;
    char *uri = at_fuzz_strndup(size ? data + 1 : data, size ? size - 1 : 0);
    char *err = malloc(errlen ? errlen : 1);
    AT_FUZZ_CHECK(err != NULL, "out of memory");
    if (errlen)
        err[0] = '\0';
    at_endpoint_t ep;
    int rc = at_endpoint_parse(uri, &ep, err, errlen);
    if (rc != 0) {
        AT_FUZZ_CHECK(rc == -1, "returned %d", rc);
        if (errlen > 1)
            AT_FUZZ_CHECK(err[0] != '\0', "rejected without a reason");
        if (errlen)
            AT_FUZZ_CHECK(memchr(err, '\0', errlen) != NULL, "reason not terminated");
    } else if (ep.scheme == AT_EP_KAFKA) {
        AT_FUZZ_CHECK(strncmp(uri, "kafka://", 8) == 0, "'%s' parsed as Kafka", uri);
        AT_FUZZ_CHECK(ep.brokers[0] && ep.topic[0], "'%s': empty brokers or topic", uri);
        AT_FUZZ_CHECK(strspn(ep.topic, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789._-") == strlen(ep.topic),
                      "'%s': bad topic '%s' accepted", uri, ep.topic);
    } else {
        AT_FUZZ_CHECK(memchr(ep.zmq_addr, '\0', sizeof ep.zmq_addr) != NULL, "addr unterminated");
        const char *want = ep.scheme == AT_EP_ZMQ_TCP ? "tcp://" : "ipc://";
        AT_FUZZ_CHECK(ep.scheme == AT_EP_ZMQ_TCP || ep.scheme == AT_EP_ZMQ_IPC, "bad scheme");
        AT_FUZZ_CHECK(strncmp(ep.zmq_addr, want, 6) == 0, "'%s' -> '%s'", uri, ep.zmq_addr);
        AT_FUZZ_CHECK(ep.hwm >= 0 && ep.hwm <= 10000000, "hwm %d", ep.hwm);
        size_t qlen = strcspn(uri, "?");
        AT_FUZZ_CHECK(qlen >= 4 && strlen(ep.zmq_addr) == qlen - 4 &&
                          memcmp(ep.zmq_addr, uri + 4, qlen - 4) == 0,
                      "'%s' -> '%s'", uri, ep.zmq_addr);
    }
    free(err);
    free(uri);
    return 0;
}
