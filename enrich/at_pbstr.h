/*
 * at_pbstr: filling the string fields of protobuf-c messages the engine
 * builds (Event, CountryMention, Alert, ...).
 *
 * protobuf-c initialises every string field to a shared empty string
 * (protobuf_c_empty_string) that must never be freed, and frees every
 * other one with the message. at_pbstr_set keeps that contract: "" (or
 * NULL) leaves the shared empty string, anything else becomes a private
 * copy. Internal to enrich/; shared by at_enrich.c and at_alerts.c.
 */
#ifndef AT_PBSTR_H
#define AT_PBSTR_H

#include <stdlib.h>
#include <string.h>

/* Set *field to a copy of s, or leave it as it is when s is NULL or "".
 * 0, or -1 on allocation failure (*field unchanged). */
static inline int at_pbstr_set(char **field, const char *s)
{
    if (!s || !*s)
        return 0;
    char *d = strdup(s);
    if (!d)
        return -1;
    *field = d;
    return 0;
}

#endif
