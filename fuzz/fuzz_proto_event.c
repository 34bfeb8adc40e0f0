/*
 * fuzz_proto_event: an Event off the wire (attache__v1__event__unpack),
 * then at_json_event_validate, as attache-sink and `attache decode` run
 * them, then at_json_event_dump.
 *
 * Checks: a validated event always dumps, as one line holding one JSON
 * object (no duplicate keys: treaties are keyed by id, which validation
 * keeps unique) whose "id" is the event's id. Dumping an event that failed
 * validation must not crash either (at_json_event_dump is written to
 * cope with missing parts and to fail on invalid strings).
 */
#include <jansson.h>
#include <string.h>

#include "at_fuzz.h"
#include "at_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Attache__V1__Event *ev = attache__v1__event__unpack(NULL, size, data);
    if (!ev)
        return 0;
    char err[256] = "";
    int valid = at_json_event_validate(ev, err, sizeof err) == 0;
    AT_FUZZ_CHECK(valid || err[0], "rejected without a reason");
    char *line = at_json_event_dump(ev);
    if (valid) {
        AT_FUZZ_CHECK(line != NULL, "a validated event does not dump");
        AT_FUZZ_CHECK(strchr(line, '\n') == NULL, "dump is not one line");
        json_error_t jerr;
        json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
        AT_FUZZ_CHECK(j && json_is_object(j), "dump is not a JSON object: %s", jerr.text);
        const char *id = json_string_value(json_object_get(j, "id"));
        AT_FUZZ_CHECK(id && strcmp(id, ev->id) == 0, "dump has the wrong id");
        json_decref(j);
    }
    free(line);
    attache__v1__event__free_unpacked(ev, NULL);
    return 0;
}
