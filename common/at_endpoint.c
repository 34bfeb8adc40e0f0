/*
 * at_endpoint: endpoint URI parsing. See at_endpoint.h.
 */
#include "at_endpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_query(char *q, at_endpoint_t *out, char *err, size_t errlen)
{
    char *save = NULL;
    for (char *kv = strtok_r(q, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            snprintf(err, errlen, "endpoint parameter '%s' needs a value", kv);
            return -1;
        }
        *eq = '\0';
        const char *v = eq + 1;
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        bool numeric = !errno && end != v && *end == '\0';
        if (strcmp(kv, "bind") == 0) {
            if (!numeric || (n != 0 && n != 1)) {
                snprintf(err, errlen, "endpoint parameter bind must be 0 or 1, got '%s'", v);
                return -1;
            }
            out->bind = n == 1;
        } else if (strcmp(kv, "hwm") == 0) {
            if (!numeric || n < 0 || n > 10000000) {
                snprintf(err, errlen, "endpoint parameter hwm must be 0..10000000, got '%s'", v);
                return -1;
            }
            out->hwm = (int)n;
        } else {
            snprintf(err, errlen, "unknown endpoint parameter '%s' (known: bind, hwm)", kv);
            return -1;
        }
    }
    return 0;
}

int at_endpoint_parse(const char *uri, at_endpoint_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->hwm = AT_EP_DEFAULT_HWM;
    if (!uri || !*uri) {
        snprintf(err, errlen, "empty endpoint");
        return -1;
    }
    char buf[512];
    if (strlen(uri) >= sizeof buf) {
        snprintf(err, errlen, "endpoint too long (max %zu bytes)", sizeof buf - 1);
        return -1;
    }
    strcpy(buf, uri);
    char *q = strchr(buf, '?');
    if (q)
        *q++ = '\0';

    const char *rest;
    if (strncmp(buf, "zmq+tcp://", 10) == 0) {
        out->scheme = AT_EP_ZMQ_TCP;
        rest = buf + 10;
        const char *colon = strrchr(rest, ':');
        if (!colon || colon == rest || !colon[1]) {
            snprintf(err, errlen, "endpoint '%s': expected zmq+tcp://host:port", uri);
            return -1;
        }
        char *end;
        errno = 0;
        long port = strtol(colon + 1, &end, 10);
        if (errno || *end || port < 1 || port > 65535) {
            snprintf(err, errlen, "endpoint '%s': bad port '%s'", uri, colon + 1);
            return -1;
        }
        if (strncmp(rest, "*:", 2) == 0)
            out->bind = true;
    } else if (strncmp(buf, "zmq+ipc://", 10) == 0) {
        out->scheme = AT_EP_ZMQ_IPC;
        rest = buf + 10;
        if (rest[0] != '/' || !rest[1]) {
            snprintf(err, errlen, "endpoint '%s': expected zmq+ipc:///absolute/path", uri);
            return -1;
        }
    } else if (strncmp(buf, "kafka://", 8) == 0) {
        snprintf(err, errlen,
                 "endpoint '%s': the Kafka transport is not part of this build "
                 "(supported: zmq+tcp://, zmq+ipc://)",
                 uri);
        return -1;
    } else {
        snprintf(err, errlen, "endpoint '%s': unknown scheme (supported: zmq+tcp://, zmq+ipc://)",
                 uri);
        return -1;
    }
    if (q && *q && parse_query(q, out, err, errlen) < 0)
        return -1;
    /* libzmq wants tcp://... / ipc://...: drop our "zmq+" prefix. */
    snprintf(out->zmq_addr, sizeof out->zmq_addr, "%s", buf + 4);
    return 0;
}
