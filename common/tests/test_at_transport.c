/*
 * Tests for at_transport over real ZeroMQ sockets (ipc in a temp dir and
 * loopback TCP): the [type, payload] framing, timeouts, malformed frames
 * from a raw libzmq peer, blocking toward a missing peer (no silent
 * queueing), and counted (never silent) drops on PUB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_testutil.h"
#include "at_transport.h"

static char dir[] = "/tmp/at_tx_test.XXXXXX";

static void uri(char *buf, size_t len, const char *name, int bind)
{
    snprintf(buf, len, "zmq+ipc://%s/%s%s", dir, name, bind ? "?bind=1" : "");
}

static void test_push_pull(void **state)
{
    (void)state;
    char b[256], c[256], err[256];
    uri(b, sizeof b, "pp", 1);
    uri(c, sizeof c, "pp", 0);
    at_transport_t *pull = at_transport_new(b, AT_TX_PULL, err, sizeof err);
    assert_non_null(pull);
    at_transport_t *push = at_transport_new(c, AT_TX_PUSH, err, sizeof err);
    assert_non_null(push);
    at_msg_t m;
    assert_int_equal(at_transport_recv(pull, &m, 50), AT_TX_AGAIN);
    at_msg_release(&m);
    for (int i = 0; i < 100; i++) {
        char payload[32];
        int n = snprintf(payload, sizeof payload, "payload-%d", i);
        assert_int_equal(at_transport_send(push, "attache.v1.Test", "k", payload, (size_t)n, 2000),
                         AT_TX_OK);
    }
    for (int i = 0; i < 100; i++) {
        assert_int_equal(at_transport_recv(pull, &m, 2000), AT_TX_OK);
        assert_null(m.bad);
        assert_string_equal(m.type, "attache.v1.Test");
        char want[32];
        int n = snprintf(want, sizeof want, "payload-%d", i);
        assert_int_equal(m.len, (size_t)n);
        assert_memory_equal(m.data, want, m.len);
        at_msg_release(&m);
    }
    at_transport_close(&push, 0);
    at_transport_close(&pull, 0);
    assert_null(push);
}

static void test_bad_frames(void **state)
{
    (void)state;
    char b[256], err[256];
    uri(b, sizeof b, "bad", 1);
    at_transport_t *pull = at_transport_new(b, AT_TX_PULL, err, sizeof err);
    assert_non_null(pull);
    void *ctx = zmq_ctx_new();
    void *raw = zmq_socket(ctx, ZMQ_PUSH);
    char addr[256];
    snprintf(addr, sizeof addr, "ipc://%s/bad", dir);
    assert_int_equal(zmq_connect(raw, addr), 0);
    zmq_send(raw, "lonely", 6, 0);
    zmq_send(raw, "a", 1, ZMQ_SNDMORE);
    zmq_send(raw, "b", 1, ZMQ_SNDMORE);
    zmq_send(raw, "c", 1, 0);
    zmq_send(raw, "bad\x01type", 8, ZMQ_SNDMORE);
    zmq_send(raw, "p", 1, 0);
    char longtype[300];
    memset(longtype, 't', sizeof longtype);
    zmq_send(raw, longtype, sizeof longtype, ZMQ_SNDMORE);
    zmq_send(raw, "p", 1, 0);
    zmq_send(raw, "", 0, ZMQ_SNDMORE); /* empty type, empty payload */
    zmq_send(raw, "", 0, 0);
    zmq_send(raw, "good", 4, ZMQ_SNDMORE);
    zmq_send(raw, "after", 5, 0);

    const char *want[] = {
        "single-frame", "too many frames", "not printable", "too long", NULL, NULL};
    at_msg_t m;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(at_transport_recv(pull, &m, 2000), AT_TX_OK);
        if (want[i]) {
            assert_non_null(m.bad);
            assert_non_null(strstr(m.bad, want[i]));
        } else {
            assert_null(m.bad);
        }
        if (i == 5) {
            assert_string_equal(m.type, "good");
            assert_int_equal(m.len, 5);
        }
        at_msg_release(&m);
    }
    int zero = 0;
    zmq_setsockopt(raw, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(raw);
    zmq_ctx_term(ctx);
    at_transport_close(&pull, 0);
}

static void test_push_without_peer_blocks(void **state)
{
    (void)state;
    char c[256], err[256];
    uri(c, sizeof c, "nobody", 0);
    at_transport_t *push = at_transport_new(c, AT_TX_PUSH, err, sizeof err);
    assert_non_null(push);
    /* ZMQ_IMMEDIATE: nothing is queued toward a peer that is not there. */
    assert_int_equal(at_transport_send(push, "t", "k", "x", 1, 100), AT_TX_AGAIN);
    at_transport_close(&push, 0);
}

static void test_pub_counts_drops(void **state)
{
    (void)state;
    char b[256], c[256], err[256];
    snprintf(b, sizeof b, "zmq+ipc://%s/pub?bind=1&hwm=10", dir);
    snprintf(c, sizeof c, "zmq+ipc://%s/pub?hwm=10", dir);
    at_transport_t *pub = at_transport_new(b, AT_TX_PUB, err, sizeof err);
    assert_non_null(pub);
    at_transport_t *sub = at_transport_new(c, AT_TX_SUB, err, sizeof err);
    assert_non_null(sub);
    /* Wait until the subscription has arrived: until then a PUB drops
     * everything silently (no pipe, so no high-water mark and no EAGAIN),
     * and a fixed sleep was not enough on a loaded machine. Probe until
     * one probe gets through (bounded: 10 s). */
    at_msg_t m;
    int subscribed = 0;
    for (int i = 0; i < 200 && !subscribed; i++) {
        assert_int_equal(at_transport_send(pub, "attache.v1.Probe", "k", "p", 1, -1), AT_TX_OK);
        subscribed = at_transport_recv(sub, &m, 50) == AT_TX_OK;
        at_msg_release(&m);
    }
    assert_true(subscribed);
    /* Drain probes still in flight, so the flood below starts empty. */
    while (at_transport_recv(sub, &m, 100) == AT_TX_OK)
        at_msg_release(&m);
    at_msg_release(&m);
    char payload[4096] = {0};
    int ok = 0, again = 0;
    for (int i = 0; i < 20000; i++) {
        int rc = at_transport_send(pub, "attache.v1.Event", "k", payload, sizeof payload, -1);
        assert_true(rc == AT_TX_OK || rc == AT_TX_AGAIN);
        if (rc == AT_TX_OK)
            ok++;
        else
            again++;
    }
    /* The subscriber never reads: the publisher must have reported drops
     * (never blocking) rather than dropping silently. */
    assert_true(again > 0);
    assert_true(ok > 0);
    assert_int_equal(at_transport_recv(sub, &m, 1000), AT_TX_OK);
    assert_string_equal(m.type, "attache.v1.Event");
    at_msg_release(&m);
    at_transport_close(&sub, 0);
    at_transport_close(&pub, 0);
}

static void test_bad_uri(void **state)
{
    (void)state;
    char err[256];
    assert_null(at_transport_new("zmq+tcp://nohost", AT_TX_PUSH, err, sizeof err));
    assert_null(
        at_transport_new("zmq+ipc:///nonexistent/dir/x.sock?bind=1", AT_TX_PULL, err, sizeof err));
    assert_non_null(strstr(err, "cannot bind"));
}

static void test_tcp_ephemeral(void **state)
{
    (void)state;
    char err[256];
    at_transport_t *pull =
        at_transport_new("zmq+tcp://127.0.0.1:65000?bind=1", AT_TX_PULL, err, sizeof err);
    if (!pull) /* port in use on this machine: not what this test is about */
        skip();
    assert_string_equal(at_transport_endpoint(pull), "tcp://127.0.0.1:65000");
    at_transport_close(&pull, 0);
}

/* Wait (bounded) until the transport's peer count is `want`. */
static int peers_become(at_transport_t *t, int want)
{
    for (int i = 0; i < 1000 && at_transport_peers(t) != want; i++)
        usleep(10000);
    return at_transport_peers(t);
}

static void test_peers(void **state)
{
    (void)state;
    char b[256], c[256], err[256];
    uri(b, sizeof b, "peers", 1);
    uri(c, sizeof c, "peers", 0);
    at_transport_t *pull = at_transport_new(b, AT_TX_PULL, err, sizeof err);
    assert_non_null(pull);
    assert_int_equal(at_transport_peers(pull), 0);
    at_transport_t *push = at_transport_new(c, AT_TX_PUSH, err, sizeof err);
    assert_non_null(push);
    assert_int_equal(peers_become(pull, 1), 1);
    assert_int_equal(peers_become(push, 1), 1);
    at_transport_t *push2 = at_transport_new(c, AT_TX_PUSH, err, sizeof err);
    assert_int_equal(peers_become(pull, 2), 2);
    at_transport_close(&push, 0);
    at_transport_close(&push2, 0);
    assert_int_equal(peers_become(pull, 0), 0);
    at_transport_close(&pull, 0);
    /* A PUSH whose peer is not there (yet) has none. An endpoint nobody
     * ever bound: the one above may still be torn down by ZeroMQ's I/O
     * thread after the close, and a connect can reach it meanwhile. */
    uri(c, sizeof c, "peers-nobody", 0);
    push = at_transport_new(c, AT_TX_PUSH, err, sizeof err);
    assert_int_equal(at_transport_peers(push), 0);
    at_transport_close(&push, 0);
    /* PUB/SUB are not watched. */
    uri(b, sizeof b, "peers-pub", 1);
    at_transport_t *pub = at_transport_new(b, AT_TX_PUB, err, sizeof err);
    assert_int_equal(at_transport_peers(pub), -1);
    at_transport_close(&pub, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_pull),
        cmocka_unit_test(test_bad_frames),
        cmocka_unit_test(test_push_without_peer_blocks),
        cmocka_unit_test(test_pub_counts_drops),
        cmocka_unit_test(test_bad_uri),
        cmocka_unit_test(test_tcp_ephemeral),
        cmocka_unit_test(test_peers),
    };
    return at_test_run_in_dir(tests, dir);
}
