/*
 * attache-enrich: tags countries and actors in news items and adds their
 * treaty status as of each item's date. A thin main over at_enrichd.
 */
#include "at_daemon.h"
#include "at_enrichd.h"
#include "at_log.h"
#include "at_transport.h"

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
    if (at_daemon_init(&d, &spec, argc, argv, &code))
        return code;
    char err[1024] = "";
    if (d.check_config) {
        code = at_daemon_check_done(&d, at_enrichd_check(d.cfg, err, sizeof err) == 0, err);
        at_daemon_fini(&d);
        return code;
    }
    at_enrichd_t *e = at_enrichd_new(&d, err, sizeof err);
    if (!e) {
        at_log_error("%s", err);
        at_daemon_fini(&d);
        return 1;
    }
    code = at_enrichd_run(e);
    at_enrichd_destroy(&e);
    at_transport_shutdown();
    at_daemon_fini(&d);
    return code;
}
