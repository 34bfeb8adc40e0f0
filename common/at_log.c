/*
 * at_log: leveled logging to stderr. See at_log.h.
 *
 * Each line is formatted into one buffer and written with a single write(2)
 * so lines from concurrent processes sharing a stderr do not interleave.
 */
#include "at_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

at_log_level_t at_log_threshold = AT_LOG_INFO;

static const char *log_component = "attache";
static int log_journal; /* stderr is connected to journald */

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* syslog priorities for the sd-daemon "<N>" prefix. */
static const int level_prio[] = {3, 4, 6, 7};

void at_log_init(const char *component)
{
    if (component)
        log_component = component;
    log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void at_log_set_level(at_log_level_t level)
{
    at_log_threshold = level;
}

int at_log_level_parse(const char *s, at_log_level_t *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (at_log_level_t)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = AT_LOG_WARN;
        return 0;
    }
    return -1;
}

const char *at_log_level_name(at_log_level_t level)
{
    return (unsigned)level < 4 ? level_names[level] : "?";
}

void at_log_write(at_log_level_t level, const char *fmt, ...)
{
    int saved_errno = errno; /* callers often log then inspect errno */
    char buf[2048];
    size_t n = 0;
    if ((unsigned)level > AT_LOG_DEBUG)
        level = AT_LOG_DEBUG;

    if (log_journal) {
        n = (size_t)snprintf(buf, sizeof buf, "<%d>%s: ", level_prio[level], log_component);
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = (size_t)snprintf(
            buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d] %s: ", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            log_component, (int)getpid(), level_names[level]);
    }
    if (n >= sizeof buf)
        n = sizeof buf - 1;

    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - n, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n += (size_t)m;
    if (n > sizeof buf - 2)
        n = sizeof buf - 2; /* truncated: still end the line */
    buf[n++] = '\n';

    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break; /* nowhere left to report a logging failure */
        }
        p += w;
        n -= (size_t)w;
    }
    errno = saved_errno;
}
