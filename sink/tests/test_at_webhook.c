/*
 * Tests for at_webhook through a real at_sinkq: a URL nobody listens on
 * is retried, then the event goes to the dead-letter file with the reason;
 * without a dead-letter file it is counted dropped. (A real receiver that
 * fails first and then accepts is in tests/integration/test_sinks.py.)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_daemon.h"
#include "at_sinkspec.h"
#include "at_testutil.h"
#include "sink_test_events.h"

static char dir[] = "/tmp/at_webhook_test.XXXXXX";

/* A loopback port that refuses connections (bound, then closed). */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

/* One event through the output; wait for its outcome first unless
 * stop_at_once (then the stop cuts the retries short). */
static void run_one(const char *text, at_sinkq_stats_t *st, int stop_at_once)
{
    char err[1024];
    at_sinkspec_t *s = at_sinkspec_parse("hook", text, 1000, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    at_sinkq_t *q = at_sinkq_new(s, err, sizeof err);
    assert_non_null(q);
    static const char *const mng[] = {"MNG", ""};
    at_sinkitem_t *it = test_item("ev-hook", mng, "Q7747", "warrant_exposure",
                                  ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_int_equal(at_sinkq_push(q, it, 1000), 0);
    at_sinkitem_unref(&it);
    for (int waited = 0; !stop_at_once && at_sinkq_done(q) < 1 && waited < 30000; waited += 10)
        usleep(10000);
    uint64_t t0 = at_now_ms();
    assert_int_equal(at_sinkq_finish(q, at_now_ms() + 30000), 0);
    assert_true(at_now_ms() - t0 < 10000); /* never the full backoff */
    at_sinkq_stats(q, st);
    assert_int_equal(at_sinkq_done(q), 1); /* final either way: ackable */
    at_sinkq_destroy(&q);
    at_sinkspec_destroy(&s);
}

static void test_dead_letter(void **state)
{
    (void)state;
    char dl[200], text[600];
    snprintf(dl, sizeof dl, "%s/hook.dl.jsonl", dir);
    int port = closed_port();
    snprintf(text, sizeof text,
             "[retries=2,backoff_ms=10,dead_letter=%s]webhook:http://127.0.0.1:%d/hook", dl, port);
    at_sinkq_stats_t st;
    run_one(text, &st, 0);
    assert_int_equal(st.dead_lettered, 1);
    assert_int_equal(st.written, 0);
    FILE *f = fopen(dl, "r");
    assert_non_null(f);
    char line[65536];
    assert_non_null(fgets(line, sizeof line, f));
    char want[200];
    snprintf(want, sizeof want, "webhook http://127.0.0.1:%d/hook: ", port);
    assert_non_null(strstr(line, want));
    assert_non_null(strstr(line, "after 3 attempts"));
    assert_non_null(strstr(line, "\"data_b64\""));
    assert_null(fgets(line, sizeof line, f));
    fclose(f);

    /* No dead-letter file: logged and counted as dropped. */
    snprintf(text, sizeof text, "[retries=0]webhook:http://127.0.0.1:%d/hook", port);
    run_one(text, &st, 0);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.dead_lettered, 0);

    /* Stopping cuts an hour of retries short; the event is dead-lettered. */
    snprintf(text, sizeof text,
             "[retries=100,backoff_ms=1h,dead_letter=%s]webhook:http://127.0.0.1:%d/hook", dl,
             port);
    run_one(text, &st, 1);
    assert_int_equal(st.dead_lettered, 1);
    f = fopen(dl, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "shutting down"));
    fclose(f);
}

int main(void)
{
    at_json_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_dead_letter)};
    return at_test_run_in_dir(tests, dir);
}
