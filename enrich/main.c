/*
 * attache-enrich: tags countries and actors in news items and adds their
 * treaty status as of each item's date. A thin main over at_enrichd.
 */
#include "at_daemon.h"
#include "at_enrichd.h"

static const at_daemon_spec_t spec = {
    "attache-enrich",
    "Enrich news items from attache-ingest into events for attache-sink.",
    at_enrichd_config,
    at_enrichd_flags,
};

int main(int argc, char **argv)
{
    at_daemon_t d;
    int code;
    if (at_daemon_start(&d, &spec, at_enrichd_check, argc, argv, &code))
        return code;
    char err[1024] = "";
    at_enrichd_t *e = at_enrichd_new(&d, err, sizeof err);
    if (!e)
        return at_daemon_fail(&d, err);
    code = at_enrichd_run(e);
    at_enrichd_destroy(&e);
    return at_daemon_exit(&d, code);
}
