/*
 * at_log: leveled logging to stderr, one macro per level.
 *
 * The macros test the level before any formatting happens (Redis'
 * serverLog does the same), so a disabled debug line costs one compare.
 * Every line carries the component name given to at_log_init(). Under
 * systemd (JOURNAL_STREAM set) lines carry the sd-daemon "<N>" priority
 * prefix instead of a timestamp, so journald keeps the levels.
 */
#ifndef AT_LOG_H
#define AT_LOG_H

#include <stdarg.h>

typedef enum {
    AT_LOG_ERROR = 0,
    AT_LOG_WARN = 1,
    AT_LOG_INFO = 2,
    AT_LOG_DEBUG = 3,
} at_log_level_t;

/* The current threshold; read by the macros. Set with at_log_set_level. */
extern at_log_level_t at_log_threshold;

/* Set the component name printed on every line (e.g. "attache-ingest").
 * The string must outlive all logging. Also detects journald. */
void at_log_init(const char *component);

void at_log_set_level(at_log_level_t level);

/* Parse "error", "warn", "info" or "debug". Returns 0 or -1. */
int at_log_level_parse(const char *s, at_log_level_t *out);

const char *at_log_level_name(at_log_level_t level);

/* Write one line at `level` regardless of the threshold (the macros do
 * the check). A trailing newline is added. */
void at_log_write(at_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define AT_LOG_AT(level, ...)                                                                      \
    do {                                                                                           \
        if ((level) <= at_log_threshold)                                                           \
            at_log_write((level), __VA_ARGS__);                                                    \
    } while (0)

#define at_log_error(...) AT_LOG_AT(AT_LOG_ERROR, __VA_ARGS__)
#define at_log_warn(...)  AT_LOG_AT(AT_LOG_WARN, __VA_ARGS__)
#define at_log_info(...)  AT_LOG_AT(AT_LOG_INFO, __VA_ARGS__)
#define at_log_debug(...) AT_LOG_AT(AT_LOG_DEBUG, __VA_ARGS__)

#endif
