/*
 * at_err: filling a caller's error buffer (see at_err.h).
 */
#include "at_err.h"

#include <stdio.h>

void at_err_vset(char *err, size_t errlen, int ascii, const char *fmt, va_list ap)
{
    if (!err || errlen == 0)
        return;
    vsnprintf(err, errlen, fmt, ap);
    for (char *c = err; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u < 0x20 || u == 0x7f || (ascii && u >= 0x80))
            *c = '?';
    }
}

void at_err_set(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    at_err_vset(err, errlen, 0, fmt, ap);
    va_end(ap);
}

void at_err_set_ascii(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    at_err_vset(err, errlen, 1, fmt, ap);
    va_end(ap);
}
