/*
 * attache-sink: writes enriched events where people and programs watch
 * them. A thin main over at_sink.
 */
#include "at_daemon.h"
#include "at_log.h"
#include "at_sink.h"
#include "at_transport.h"

static const at_daemon_spec_t spec = {
    "attache-sink",
    "Write events from attache-enrich to its outputs: JSON lines, SQLite, PUB, webhooks.",
    at_sink_config,
    at_sink_flags,
};

int main(int argc, char **argv)
{
    at_daemon_t d;
    int code;
    if (at_daemon_init(&d, &spec, argc, argv, &code))
        return code;
    char err[1024] = "";
    if (d.check_config) {
        code = at_daemon_check_done(&d, at_sink_check(d.cfg, err, sizeof err) == 0, err);
        at_daemon_fini(&d);
        return code;
    }
    at_sink_t *s = at_sink_new(&d, err, sizeof err);
    if (!s) {
        at_log_error("%s", err);
        at_daemon_fini(&d);
        return 1;
    }
    code = at_sink_run(s);
    at_sink_destroy(&s);
    at_transport_shutdown();
    at_daemon_fini(&d);
    return code;
}
