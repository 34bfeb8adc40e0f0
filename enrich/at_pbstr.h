/*
 * at_pbstr: filling the string and repeated fields of protobuf-c messages
 * the engine builds (Event, CountryMention, Alert, ...).
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

#include <protobuf-c/protobuf-c.h>

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

/* Repeated message fields (`Alert **alerts; size_t n_alerts`) are passed
 * as (void ***)&field and &n_field. The message array holds object
 * pointers only, and protobuf_c_message_free_unpacked frees whatever
 * count says is there, so a field is valid after any failure below. */

/* Room for n messages in an empty repeated field: *arr = n NULL slots,
 * *count = 0 (nothing allocated when n is 0). 0, or -1 on allocation
 * failure. */
static inline int at_pb_reserve(void ***arr, size_t *count, size_t n)
{
    *count = 0;
    *arr = NULL;
    if (n == 0)
        return 0;
    *arr = calloc(n, sizeof(void *));
    return *arr ? 0 : -1;
}

/* A new message of desc's type, initialised (protobuf_c_message_init),
 * stored as arr[(*count)++]: the array must have room for it
 * (at_pb_reserve). NULL on allocation failure (count unchanged). */
static inline void *at_pb_add(void **arr, size_t *count, const ProtobufCMessageDescriptor *desc)
{
    void *m = malloc(desc->sizeof_message);
    if (!m)
        return NULL;
    protobuf_c_message_init(desc, m);
    arr[(*count)++] = m;
    return m;
}

/* Grow the repeated field by one slot and add a new message there
 * (at_pb_add). NULL on allocation failure (count unchanged). */
static inline void *at_pb_append(void ***arr, size_t *count, const ProtobufCMessageDescriptor *desc)
{
    void **grown = realloc(*arr, (*count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    *arr = grown;
    return at_pb_add(grown, count, desc);
}

#endif
