/*
 * attache-ingest: reads news items and pushes them into the pipeline.
 * A thin main over at_ingest (see at_ingest.h and docs/config.md).
 */
#include <stdio.h>

#include "at_daemon.h"
#include "at_ingest.h"

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
    if (at_daemon_start(&d, &spec, at_ingest_check, argc, argv, &code))
        return code;
    char err[1024] = "";
    at_ingest_t *ing = at_ingest_new(&d, err, sizeof err);
    if (!ing)
        return at_daemon_fail(&d, err);
    code = at_ingest_run(ing);
    at_ingest_destroy(&ing);
    return at_daemon_exit(&d, code);
}
