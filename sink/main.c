/*
 * attache-sink: writes enriched events where people and programs watch
 * them. A thin main over at_sink.
 */
#include "at_daemon.h"
#include "at_sink.h"

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
    if (at_daemon_start(&d, &spec, at_sink_check, argc, argv, &code))
        return code;
    char err[1024] = "";
    at_sink_t *s = at_sink_new(&d, err, sizeof err);
    if (!s)
        return at_daemon_fail(&d, err);
    code = at_sink_run(s);
    at_sink_destroy(&s);
    return at_daemon_exit(&d, code);
}
