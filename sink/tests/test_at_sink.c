/*
 * Tests for at_sink, run in-process: events and bad frames pushed by the
 * test reach the real daemon loop; on stop it drains, writes one JSON line
 * per valid event, republishes on PUB, rejects the rest, and fsyncs; and
 * it acknowledges input only once every durable output has the event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>

#include "attache/v1/attache.pb-c.h"

#include "at_daemon.h"
#include "at_testutil.h"
#include "at_sink.h"
#include "at_transport.h"
#include "sink_test_events.h"

static const at_daemon_spec_t spec = {"attache-sink", "test", at_sink_config, at_sink_flags};

static char dir[] = "/tmp/at_sink_test.XXXXXX";

/* A minimal valid event (no countries, actors or alerts), packed. Caller
 * frees. */
static uint8_t *pack_event(const char *id, size_t *len)
{
    return test_event_pack(id, NULL, NULL, NULL, ATTACHE__V1__SEVERITY__SEVERITY_UNSPECIFIED, len);
}

static void test_drain_write_publish(void **state)
{
    (void)state;
    char out[128], in_ep[160], pub_ep[160], err[512];
    snprintf(out, sizeof out, "%s/events.jsonl", dir);
    snprintf(in_ep, sizeof in_ep, "zmq+ipc://%s/sink.sock", dir);
    snprintf(pub_ep, sizeof pub_ep, "zmq+ipc://%s/pub.sock", dir);
    char s1[200], s2[200], s3[200];
    snprintf(s1, sizeof s1, "sink.input=%s?bind=1", in_ep);
    snprintf(s2, sizeof s2, "sink.output=%s", out);
    snprintf(s3, sizeof s3, "sink.publish=%s?bind=1", pub_ep);
    char *argv[] = {
        "attache-sink", "-s", s1, "-s", s2, "-s", s3, "-s", "daemon.drain_idle_ms=300", NULL};
    at_daemon_t d;
    at_test_daemon_init(&d, &spec, argv);
    at_sink_t *sink = at_sink_new(&d, err, sizeof err);
    assert_non_null(sink);

    at_transport_t *sub = at_transport_new(pub_ep, AT_TX_SUB, err, sizeof err);
    assert_non_null(sub);
    at_transport_t *push = at_transport_new(in_ep, AT_TX_PUSH, err, sizeof err);
    assert_non_null(push);
    usleep(200000); /* subscription reaches the publisher */
    size_t len;
    uint8_t *e1 = pack_event("ev-1", &len);
    assert_int_equal(at_transport_send(push, "attache.v1.Event", "ev-1", e1, len, 2000), AT_TX_OK);
    assert_int_equal(at_transport_send(push, "attache.v1.NewsItem", "x", e1, len, 2000), AT_TX_OK);
    assert_int_equal(at_transport_send(push, "attache.v1.Event", "x", "\xff\xff", 2, 2000),
                     AT_TX_OK);
    uint8_t *e2 = pack_event("ev-2", &len);
    assert_int_equal(at_transport_send(push, "attache.v1.Event", "ev-2", e2, len, 2000), AT_TX_OK);
    /* An event whose id does not match its item: invalid. */
    uint8_t *e3 = pack_event("", &len);
    assert_int_equal(at_transport_send(push, "attache.v1.Event", "", e3, len, 2000), AT_TX_OK);
    free(e1);
    free(e2);
    free(e3);

    at_daemon_stop_flag = 1; /* drain what is queued, then stop */
    assert_int_equal(at_sink_run(sink), 0);
    at_daemon_stop_flag = 0;
    assert_int_equal(at_test_counter(&d, "received"), 5);
    assert_int_equal(at_test_counter(&d, "written"), 2);
    assert_int_equal(at_test_counter(&d, "rejected"), 3);
    assert_int_equal(at_test_counter(&d, "published"), 2);
    at_sink_destroy(&sink);
    assert_null(sink);

    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "\"id\":\"ev-1\""));
    assert_non_null(strstr(line, "\"published\":\"2024-07-03T09:40:00Z\""));
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "\"id\":\"ev-2\""));
    assert_null(fgets(line, sizeof line, f));
    fclose(f);

    at_msg_t m;
    assert_int_equal(at_transport_recv(sub, &m, 2000), AT_TX_OK);
    assert_string_equal(m.type, "attache.v1.Event");
    Attache__V1__Event *ev = attache__v1__event__unpack(NULL, m.len, m.data);
    assert_non_null(ev);
    assert_string_equal(ev->id, "ev-1");
    protobuf_c_message_free_unpacked(&ev->base, NULL);
    at_msg_release(&m);

    at_transport_close(&push, 0);
    at_transport_close(&sub, 0);
    at_daemon_fini(&d);
}

static void test_bad_output(void **state)
{
    (void)state;
    char err[512];
    char *argv[] = {"attache-sink", "-s", "sink.output=/nonexistent/dir/out.jsonl", NULL};
    at_daemon_t d;
    at_test_daemon_init(&d, &spec, argv);
    assert_null(at_sink_new(&d, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/dir/out.jsonl"));
    at_daemon_fini(&d);
}

static void *run_thread(void *arg)
{
    static int code;
    code = at_sink_run(arg);
    return &code;
}

/* The ack contract: a message is acknowledged to the input only once every
 * durable output that took its event has it durably, in input order. The
 * JSONL output here commits once an hour (or at stop), the SQLite output
 * takes only critical alerts, and the PUB output is never waited for. */
static void test_ack_after_durable(void **state)
{
    (void)state;
    char in_ep[160], err[512], s1[200], s2[200], s3[300], s4[300];
    snprintf(in_ep, sizeof in_ep, "zmq+ipc://%s/acks.sock", dir);
    snprintf(s1, sizeof s1, "sink.input=%s?bind=1", in_ep);
    snprintf(s2, sizeof s2, "sink.output=[fsync=interval,fsync_ms=1h]jsonl:%s/acks.jsonl", dir);
    snprintf(s3, sizeof s3, "sink.outputs.crit=[severity=critical,commit_ms=0]sqlite:%s/acks.db",
             dir);
    snprintf(s4, sizeof s4, "sink.outputs.live=zmq+ipc://%s/acks-pub.sock?bind=1", dir);
    char *argv[] = {"attache-sink",
                    "-s",
                    s1,
                    "-s",
                    s2,
                    "-s",
                    s3,
                    "-s",
                    s4,
                    "-s",
                    "daemon.drain_idle_ms=300",
                    NULL};
    at_daemon_t d;
    at_test_daemon_init(&d, &spec, argv);
    at_sink_t *sink = at_sink_new(&d, err, sizeof err);
    assert_non_null(sink);
    assert_int_equal(at_sink_outputs(sink), 3);
    assert_string_equal(at_sink_output_name(sink, 1), "crit");
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, run_thread, sink), 0);
    at_transport_t *push = at_transport_new(in_ep, AT_TX_PUSH, err, sizeof err);
    assert_non_null(push);
    size_t len;
    uint8_t *e1 = pack_event("ack-1", &len);
    assert_int_equal(at_transport_send(push, "attache.v1.Event", "ack-1", e1, len, 2000), AT_TX_OK);
    free(e1);
    /* Received and written to memory, but not durable: no ack. */
    at_sinkq_stats_t st;
    for (int i = 0; i < 500; i++) {
        at_sink_output_stats(sink, 0, &st);
        if (st.queued == 1 && st.depth == 0)
            break;
        usleep(10000);
    }
    assert_int_equal(st.queued, 1);
    usleep(200000);
    assert_int_equal(at_sink_acked(sink), 0);
    at_sink_output_stats(sink, 0, &st);
    assert_int_equal(st.written, 0);
    at_sink_output_stats(sink, 2, &st); /* published at once, not waited for */
    assert_int_equal(st.written, 1);

    /* Stopping commits the JSONL batch; then the message is acked. SIGTERM
     * goes to the daemon's thread, as systemd's would reach its loop. */
    assert_int_equal(pthread_kill(th, SIGTERM), 0);
    void *ret;
    assert_int_equal(pthread_join(th, &ret), 0);
    at_daemon_stop_flag = 0;
    assert_int_equal(*(int *)ret, 0);
    assert_int_equal(at_sink_acked(sink), 1);
    assert_int_equal(at_test_counter(&d, "acked"), 1);
    assert_int_equal(at_test_counter(&d, "output.written"), 1);
    assert_int_equal(at_test_counter(&d, "crit.queued"), 0); /* filtered out */
    at_sink_destroy(&sink);
    at_transport_close(&push, 0);
    at_daemon_fini(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_drain_write_publish),
                                       cmocka_unit_test(test_bad_output),
                                       cmocka_unit_test(test_ack_after_durable)};
    return at_test_run_in_dir(tests, dir);
}
