/*
 * at_deadletter: append-only JSON-lines file of rejected input. See
 * at_deadletter.h. Base64 is hand-written: it is a dozen lines, and no
 * library we already link exports an encoder.
 */
#include "at_deadletter.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "at_time.h"

struct at_deadletter {
    char *path;
    char *component;
    int fd;
};

size_t at_base64_encode(const void *data, size_t len, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int open_fd(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

at_deadletter_t *at_deadletter_new(const char *path, const char *component, char *err,
                                   size_t errlen)
{
    at_deadletter_t *self = calloc(1, sizeof *self);
    if (self)
        self->fd = -1;
    if (!self || !(self->path = strdup(path)) || !(self->component = strdup(component))) {
        snprintf(err, errlen, "out of memory");
        at_deadletter_destroy(&self);
        return NULL;
    }
    self->fd = open_fd(path);
    if (self->fd < 0) {
        snprintf(err, errlen, "dead-letter file %s: %s", path, strerror(errno));
        at_deadletter_destroy(&self);
        return NULL;
    }
    return self;
}

int at_deadletter_write(at_deadletter_t *self, const char *reason, const void *data, size_t len)
{
    size_t keep = len > AT_DEADLETTER_MAX_DATA ? AT_DEADLETTER_MAX_DATA : len;
    char *b64 = malloc(4 * ((keep + 2) / 3) + 1);
    if (!b64)
        return -1;
    at_base64_encode(data, keep, b64);
    char ts[32];
    at_time_format_rfc3339((int64_t)time(NULL), ts, sizeof ts);
    /* Reasons may quote input; jansson refuses invalid UTF-8, so fall back
     * to a fixed text rather than lose the record. */
    json_t *r = json_string(reason);
    if (!r)
        r = json_string("(reason not valid UTF-8)");
    json_t *o =
        json_pack("{s:s, s:s, s:o, s:I, s:s, s:b}", "time", ts, "component", self->component,
                  "reason", r, "size", (json_int_t)len, "data_b64", b64, "truncated", keep < len);
    free(b64);
    if (!o)
        return -1;
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!line)
        return -1;
    size_t n = strlen(line);
    line[n] = '\n'; /* replace the NUL: we write n+1 bytes in one append */
    ssize_t w = write(self->fd, line, n + 1);
    free(line);
    return w == (ssize_t)(n + 1) ? 0 : -1;
}

int at_deadletter_reopen(at_deadletter_t *self)
{
    int fd = open_fd(self->path);
    if (fd < 0)
        return -1;
    close(self->fd);
    self->fd = fd;
    return 0;
}

void at_deadletter_destroy(at_deadletter_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_deadletter_t *self = *self_p;
    if (self->fd >= 0)
        close(self->fd);
    free(self->path);
    free(self->component);
    free(self);
    *self_p = NULL;
}
