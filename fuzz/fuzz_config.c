/*
 * fuzz_config: at_config_load_file (inih + the table-driven validation of
 * at_config) on arbitrary INI bytes, and at_config_set_pair on each of the
 * input's lines as if given to --set.
 *
 * The table declares one key of every type (string, int with a range,
 * bool, enum, passthrough, and a key outside any section) so every
 * validator is reached. Checks (at_config.h): errors name the file (or the
 * flag origin); after a successful load every getter works and returns a
 * value its declaration allows; printing and walking the passthrough keys
 * work on whatever was loaded.
 */
#include <string.h>

#include "at_config.h"
#include "at_fuzz.h"

static const at_cfg_def_t defs[] = {
    {"debug", AT_CFG_BOOL, "false", 0, 0, NULL, true, "A key outside any section."},
    {"input.endpoint", AT_CFG_STRING, "zmq+tcp://127.0.0.1:7101", 0, 0, NULL, false, "Where."},
    {"input.hwm", AT_CFG_INT, "1000", 0, 10000000, NULL, false, "High-water mark."},
    {"input.min", AT_CFG_INT, "-5", -9223372036854775807LL - 1, 9223372036854775807LL, NULL, false,
     "Full long long range."},
    {"log.level", AT_CFG_ENUM, "info", 0, 0, "debug|info|notice|warning|error", true, "Level."},
    {"log.empty", AT_CFG_ENUM, "", 0, 0, "|a||b|", true, "Enum with empty choices."},
    {"output.enabled", AT_CFG_BOOL, "yes", 0, 0, NULL, true, "On or off."},
    {"kafka.*", AT_CFG_PASSTHROUGH, NULL, 0, 0, NULL, false, "librdkafka properties."},
    {"x.*", AT_CFG_PASSTHROUGH, NULL, 0, 0, NULL, false, "Short prefix."},
    AT_CFG_END,
};

static at_fuzz_file_t *file;
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    file = at_fuzz_file_new("config.ini");
    devnull = fopen("/dev/null", "w");
    AT_FUZZ_CHECK(devnull != NULL, "cannot open /dev/null");
    return 0;
}

static int count_pt(void *arg, const char *property, const char *value)
{
    AT_FUZZ_CHECK(property && property[0] && value, "bad passthrough entry");
    (*(size_t *)arg)++;
    return 0;
}

static void check_values(const at_config_t *cfg, const at_config_t *defaults)
{
    long long hwm = at_config_int(cfg, "input.hwm");
    AT_FUZZ_CHECK(hwm >= 0 && hwm <= 10000000, "hwm %lld out of its range", hwm);
    (void)at_config_int(cfg, "input.min");
    (void)at_config_bool(cfg, "debug");
    (void)at_config_bool(cfg, "output.enabled");
    const char *level = at_config_str(cfg, "log.level");
    static const char *const levels[] = {"debug", "info", "notice", "warning", "error"};
    int ok = 0;
    for (size_t i = 0; i < 5; i++)
        ok |= strcmp(level, levels[i]) == 0;
    AT_FUZZ_CHECK(ok, "log.level '%s' is not a declared choice", level);
    const char *e = at_config_str(cfg, "log.empty");
    AT_FUZZ_CHECK(!e[0] || !strcmp(e, "a") || !strcmp(e, "b"), "log.empty '%s'", e);
    AT_FUZZ_CHECK(at_config_str(cfg, "input.endpoint") != NULL, "NULL string");
    size_t n = 0;
    AT_FUZZ_CHECK(at_config_passthrough_each(cfg, "kafka", count_pt, &n) == 0, "walk stopped");
    AT_FUZZ_CHECK(at_config_passthrough_each(cfg, "x", count_pt, &n) == 0, "walk stopped");
    for (size_t i = 0; defs[i].key; i++)
        if (defs[i].type != AT_CFG_PASSTHROUGH)
            (void)at_config_changed(cfg, defaults, defs[i].key);
    at_config_print(cfg, devnull);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    at_config_t *defaults = at_config_new(defs);
    AT_FUZZ_CHECK(defaults != NULL, "at_config_new failed");

    /* As a file. */
    at_fuzz_file_set(file, data, size);
    at_config_t *cfg = at_config_new(defs);
    AT_FUZZ_CHECK(cfg != NULL, "at_config_new failed");
    char err[512] = "";
    const char *path = at_fuzz_file_path(file);
    if (at_config_load_file(cfg, path, err, sizeof err) == 0)
        check_values(cfg, defaults);
    else
        AT_FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0, "error does not name the file: %s",
                      err);
    at_config_destroy(&cfg);
    AT_FUZZ_CHECK(cfg == NULL, "destroy did not null the pointer");

    /* As --set flags, one per line; later values win, errors stop nothing. */
    cfg = at_config_new(defs);
    AT_FUZZ_CHECK(cfg != NULL, "at_config_new failed");
    char *text = at_fuzz_strndup(data, size);
    char *save = NULL;
    int lines = 0;
    for (char *line = strtok_r(text, "\n", &save); line && lines < 64;
         line = strtok_r(NULL, "\n", &save), lines++) {
        err[0] = '\0';
        if (at_config_set_pair(cfg, line, "--set", err, sizeof err) != 0)
            AT_FUZZ_CHECK(strncmp(err, "--set", 5) == 0, "error does not name --set: %s", err);
    }
    check_values(cfg, defaults);
    free(text);
    at_config_destroy(&cfg);
    at_config_destroy(&defaults);
    return 0;
}
