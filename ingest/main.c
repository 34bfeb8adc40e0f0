/*
 * attache-ingest: reads news items and pushes them into the pipeline.
 * A thin main over at_ingest (see at_ingest.h and docs/config.md).
 */
#include <stdio.h>

#include "at_daemon.h"
#include "at_ingest.h"
#include "at_log.h"
#include "at_transport.h"

static const at_daemon_spec_t spec = {
    "attache-ingest",
    "Read news items (JSON lines) and push them to attache-enrich.",
    at_ingest_config,
    at_ingest_flags,
};

int main(int argc, char **argv)
{
    at_daemon_t d;
    int code;
    if (at_daemon_init(&d, &spec, argc, argv, &code))
        return code;
    char err[1024] = "";
    if (d.check_config) {
        code = at_daemon_check_done(&d, at_ingest_check(d.cfg, err, sizeof err) == 0, err);
        at_daemon_fini(&d);
        return code;
    }
    at_ingest_t *ing = at_ingest_new(&d, err, sizeof err);
    if (!ing) {
        at_log_error("%s", err);
        at_daemon_fini(&d);
        return 1;
    }
    code = at_ingest_run(ing);
    at_ingest_destroy(&ing);
    at_transport_shutdown();
    at_daemon_fini(&d);
    return code;
}
