/*
 * Tests for at_enrichd, run in-process: NewsItems and bad frames pushed by
 * the test go through the real daemon loop; valid items come out as
 * Events, bad frames are counted, and a SIGHUP with broken reference data
 * keeps the old data (then a fixed copy is swapped in).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "attache/v1/attache.pb-c.h"

#include "at_daemon.h"
#include "at_testutil.h"
#include "at_enrichd.h"
#include "at_transport.h"

static const at_daemon_spec_t spec = {"attache-enrich", "test", at_enrichd_config,
                                      at_enrichd_flags};

static char dir[] = "/tmp/at_enrichd_test.XXXXXX";

static void send_item(at_transport_t *push, const char *id, const char *title, int64_t published)
{
    Attache__V1__NewsItem item = ATTACHE__V1__NEWS_ITEM__INIT;
    item.id = (char *)id;
    item.url = "https://example.org/x";
    item.title = (char *)title;
    item.published = published;
    size_t len = attache__v1__news_item__get_packed_size(&item);
    uint8_t *buf = malloc(len);
    attache__v1__news_item__pack(&item, buf);
    assert_int_equal(at_transport_send(push, "attache.v1.NewsItem", id, buf, len, 2000), AT_TX_OK);
    free(buf);
}

static void test_items_to_events_and_reload(void **state)
{
    (void)state;
    char data[160], cmd[512], in_ep[160], out_ep[160], err[1024];
    snprintf(data, sizeof data, "%s/data", dir);
    const char *src = getenv("ATTACHE_DATA_DIR");
    assert_non_null(src);
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", src, data);
    assert_int_equal(system(cmd), 0);
    snprintf(in_ep, sizeof in_ep, "zmq+ipc://%s/in.sock", dir);
    snprintf(out_ep, sizeof out_ep, "zmq+ipc://%s/out.sock", dir);

    char s1[200], s2[200], s3[200], bind_out[200];
    snprintf(s1, sizeof s1, "enrich.input=%s?bind=1", in_ep);
    snprintf(s2, sizeof s2, "enrich.output=%s", out_ep);
    snprintf(s3, sizeof s3, "enrich.data_dir=%s", data);
    snprintf(bind_out, sizeof bind_out, "%s?bind=1", out_ep);
    at_transport_t *pull = at_transport_new(bind_out, AT_TX_PULL, err, sizeof err);
    assert_non_null(pull);

    char *argv[] = {"attache-enrich",           "-s", s1, "-s", s2, "-s", s3, "-s",
                    "daemon.drain_idle_ms=300", NULL};
    at_daemon_t d;
    at_test_daemon_init(&d, &spec, argv);
    assert_int_equal(at_enrichd_check(d.cfg, err, sizeof err), 0);
    at_enrichd_t *e = at_enrichd_new(&d, err, sizeof err);
    assert_non_null(e);
    at_transport_t *push = at_transport_new(in_ep, AT_TX_PUSH, err, sizeof err);
    assert_non_null(push);

    send_item(push, "ub", "Putin visits Ulaanbaatar", 1725345000); /* 2024-09-03 */
    assert_int_equal(at_transport_send(push, "attache.v1.NewsItem", "x", "junk", 4, 2000),
                     AT_TX_OK);
    send_item(push, "", "An item without id", 0); /* invalid */

    /* Break the data, then ask for a reload: the old data must stay. */
    snprintf(cmd, sizeof cmd, "printf 'garbage\\n' > '%s/countries.tsv'", data);
    assert_int_equal(system(cmd), 0);
    at_daemon_reload_flag = 1;
    at_daemon_stop_flag = 1;
    assert_int_equal(at_enrichd_run(e), 0);
    at_daemon_stop_flag = 0;
    assert_int_equal(at_daemon_reload_flag, 0);
    assert_int_equal(at_test_counter(&d, "data_reloads"), 0);
    assert_int_equal(at_test_counter(&d, "received"), 3);
    assert_int_equal(at_test_counter(&d, "sent"), 1);
    assert_int_equal(at_test_counter(&d, "rejected"), 2);
    at_enrichd_destroy(&e);

    at_msg_t m;
    assert_int_equal(at_transport_recv(pull, &m, 2000), AT_TX_OK);
    assert_string_equal(m.type, "attache.v1.Event");
    Attache__V1__Event *ev = attache__v1__event__unpack(NULL, m.len, m.data);
    assert_non_null(ev);
    assert_string_equal(ev->id, "ub");
    assert_string_equal(ev->reference_date, "2024-09-03");
    int found = 0;
    for (size_t i = 0; i < ev->n_countries; i++)
        if (strcmp(ev->countries[i]->code, "MNG") == 0)
            found = 1;
    assert_true(found);
    protobuf_c_message_free_unpacked(&ev->base, NULL);
    at_msg_release(&m);
    assert_int_equal(at_transport_recv(pull, &m, 300), AT_TX_AGAIN);
    at_msg_release(&m);

    /* A data dir that does not load makes the daemon refuse to start. */
    assert_null(at_enrichd_new(&d, err, sizeof err));
    assert_non_null(strstr(err, "countries.tsv"));

    at_transport_close(&push, 0);
    at_transport_close(&pull, 0);
    at_daemon_fini(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_items_to_events_and_reload)};
    return at_test_run_in_dir(tests, dir);
}
