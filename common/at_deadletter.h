/*
 * at_deadletter: where rejected input goes.
 *
 * Every rejected input (bad JSON, invalid UTF-8, over-size, undecodable
 * frame) is logged once with its reason and counted by the daemon; when a
 * dead-letter file is configured it is also appended there as one JSON line:
 *   {"time":"2026-11-28T02:36:41Z","component":"attache-ingest",
 *    "reason":"invalid JSON at column 7: ...","size":123,"data_b64":"..."}
 * The raw bytes are base64-encoded because they are, by definition, not
 * trusted to be valid UTF-8 or JSON. Oversized inputs keep only the first
 * AT_DEADLETTER_MAX_DATA bytes (with "truncated":true).
 */
#ifndef AT_DEADLETTER_H
#define AT_DEADLETTER_H

#include <stddef.h>

#define AT_DEADLETTER_MAX_DATA (64 * 1024)

typedef struct at_deadletter at_deadletter_t;

/* Open (append, create 0640) path. NULL with the reason in err. Caller owns
 * the result and must destroy it. */
at_deadletter_t *at_deadletter_new(const char *path, const char *component, char *err,
                                   size_t errlen);

/* Append one record and flush it to the kernel. Returns 0 or -1 (errno). */
int at_deadletter_write(at_deadletter_t *self, const char *reason, const void *data, size_t len);

/* Reopen the file (after logrotate moved it; called on SIGHUP). */
int at_deadletter_reopen(at_deadletter_t *self);

/* NULL-safe; nulls the caller's pointer. */
void at_deadletter_destroy(at_deadletter_t **self_p);

/* Standard base64 of len bytes into out (needs 4*((len+2)/3)+1 bytes). */
size_t at_base64_encode(const void *data, size_t len, char *out);

#endif
