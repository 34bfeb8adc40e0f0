/*
 * at_config: table-driven configuration (INI files + command-line overrides).
 *
 * Each daemon declares its keys once, in an at_cfg_def_t table, with type,
 * default, range and description (Fluent Bit config maps, librdkafka's
 * rdkafka_conf.c work the same way). The table drives parsing, validation,
 * `--help-config` and docs/config.md. Keys are "section.name" and come from
 * an INI file ([section] name = value, parsed by inih) and then from
 * `--set section.name=value` flags, later values winning. Unknown keys and
 * bad values are errors naming file:line (or the flag).
 *
 * A key declared as "prefix.*" (AT_CFG_PASSTHROUGH) accepts any
 * "prefix.<property>" and keeps it in order, for options handed to a
 * library as they are (kafka.<property> to rd_kafka_conf_set, like kcat -X).
 */
#ifndef AT_CONFIG_H
#define AT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    AT_CFG_STRING,
    AT_CFG_INT,
    AT_CFG_BOOL,
    AT_CFG_ENUM,        /* one of the '|'-separated words in `choices` */
    AT_CFG_PASSTHROUGH, /* "prefix.*": any property under the prefix */
} at_cfg_type_t;

typedef struct {
    const char *key; /* "section.name", or "prefix.*" for passthrough */
    at_cfg_type_t type;
    const char *def;     /* default as text; NULL = "" */
    long long min, max;  /* inclusive range for AT_CFG_INT */
    const char *choices; /* AT_CFG_ENUM: "a|b|c" */
    bool reloadable;     /* applied on SIGHUP without a restart */
    const char *desc;    /* one sentence for --help-config and docs */
} at_cfg_def_t;

/* Terminates a table. */
#define AT_CFG_END                                                                                 \
    {                                                                                              \
        NULL, AT_CFG_STRING, NULL, 0, 0, NULL, false, NULL                                         \
    }

typedef struct at_config at_config_t;

/* A config with every key at its default. `defs` must outlive it.
 * Caller owns the result and must destroy it. NULL on allocation failure. */
at_config_t *at_config_new(const at_cfg_def_t *defs);

void at_config_destroy(at_config_t **self_p);

/* Read an INI file into self. On error returns -1 with "path:line: reason"
 * in err; self may then hold some of the file's values, so callers load
 * into a fresh config and swap only on success. */
int at_config_load_file(at_config_t *self, const char *path, char *err, size_t errlen);

/* Set one key from text. `origin` names where it came from for errors
 * ("--set", "path:12"). Returns 0, or -1 with a reason in err. */
int at_config_set(at_config_t *self, const char *key, const char *value, const char *origin,
                  char *err, size_t errlen);

/* Parse "key=value" (as given to --set) and set it. */
int at_config_set_pair(at_config_t *self, const char *pair, const char *origin, char *err,
                       size_t errlen);

/* Typed getters. The key must be declared in the table (abort()s otherwise:
 * that is a programming error, not a user error). Strings are never NULL. */
const char *at_config_str(const at_config_t *self, const char *key);
long long at_config_int(const at_config_t *self, const char *key);
bool at_config_bool(const at_config_t *self, const char *key);

/* Call fn(arg, property, value) for each passthrough property under
 * `prefix` (without the trailing ".*"), in the order they were first set;
 * property is the part after "prefix.". Stops at and returns the first
 * non-zero value fn returns; 0 when all were visited. */
int at_config_passthrough_each(const at_config_t *self, const char *prefix,
                               int (*fn)(void *arg, const char *property, const char *value),
                               void *arg);

/* Where a passthrough key was last set ("path:line", "command line"), for
 * errors a library reports about its value; "config" when unknown. */
const char *at_config_origin(const at_config_t *self, const char *key);

/* True if a key's value differs between a and b (same table). */
bool at_config_changed(const at_config_t *a, const at_config_t *b, const char *key);

/* Write "key = value" lines for every key (the effective config). */
void at_config_print(const at_config_t *self, FILE *out);

/* Write the table as a Markdown table (for --help-config and docs). */
void at_config_print_markdown(const at_cfg_def_t *defs, FILE *out);

#endif
