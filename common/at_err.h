/*
 * at_err: filling a caller's error buffer.
 *
 * attache's functions report failure as -1 or NULL with a reason written
 * into a caller's (char *err, size_t errlen) pair (CZMQ style). Reasons
 * end up verbatim in logs, journald, `--check-config` output and test
 * assertions, and they often quote hostile input, so every module formats
 * them here: one line, never a control byte.
 */
#ifndef AT_ERR_H
#define AT_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* printf into err (NUL-terminated, truncated to errlen) and replace every
 * control byte (< 0x20 and 0x7f: newlines, tabs, escapes) with '?', so the
 * reason is one line. Bytes >= 0x80 are kept: reasons may quote UTF-8
 * names. Does nothing when err is NULL or errlen is 0. */
void at_err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As at_err_set, but also replaces bytes >= 0x80, leaving printable ASCII
 * only: for reasons that quote bytes not known to be valid UTF-8 (feed
 * and JSON parsers). */
void at_err_set_ascii(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The va_list forms of the two above. */
void at_err_vset(char *err, size_t errlen, int ascii, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#endif
