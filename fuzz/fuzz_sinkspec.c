/*
 * fuzz_sinkspec: at_sinkspec_parse, which reads every attache-sink output
 * spec from configs, --set flags and `attache run --output`
 * ("[severity=critical,retries=3]webhook:URL", "sqlite:PATH", ...), and
 * at_filter_match with whatever filter it built.
 *
 * Checks (at_sinkspec.h): a rejection returns NULL with a reason that
 * names the spec; an accepted spec has a backend, a target, a queue of at
 * least one event and a filter that can be evaluated. Parsing never
 * creates files (paths are only probed).
 */
#include <string.h>

#include "at_fuzz.h"
#include "at_sinkspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = at_fuzz_strndup(data, size);
    char err[2048] = "";
    at_sinkspec_t *s = at_sinkspec_parse("f", text, 1000, err, sizeof err);
    if (!s) {
        AT_FUZZ_CHECK(err[0] != '\0', "rejected without a reason");
        AT_FUZZ_CHECK(strncmp(err, "output f '", 10) == 0 || strcmp(err, "out of memory") == 0,
                      "reason does not name the spec: %s", err);
    } else {
        AT_FUZZ_CHECK(s->be != NULL && s->target != NULL, "accepted without a backend");
        AT_FUZZ_CHECK(s->queue >= 1, "queue %zu", s->queue);
        AT_FUZZ_CHECK(s->be->open != NULL, "reserved scheme accepted: %s", text);
        Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
        ev.id = "x";
        (void)at_filter_match(s->filter, &ev);
        at_sinkspec_destroy(&s);
        AT_FUZZ_CHECK(s == NULL, "destroy did not null the pointer");
    }
    free(text);
    return 0;
}
