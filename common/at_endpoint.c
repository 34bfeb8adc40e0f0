/*
 * at_endpoint: endpoint URI parsing. See at_endpoint.h.
 */
#include "at_endpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kafka's legal topic names: [A-Za-z0-9._-]{1,249}, not "." or "..". */
static int topic_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 249 || strcmp(t, ".") == 0 || strcmp(t, "..") == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* kafka://brokers/topic?group=NAME (buf is the URI without the query). */
static int parse_kafka(const char *uri, const char *rest, char *q, at_endpoint_t *out, char *err,
                       size_t errlen)
{
    out->scheme = AT_EP_KAFKA;
    const char *slash = strchr(rest, '/');
    if (!slash || slash == rest || !slash[1]) {
        snprintf(err, errlen, "endpoint '%s': expected kafka://broker[,broker...]/topic", uri);
        return -1;
    }
    size_t blen = (size_t)(slash - rest);
    if (blen >= sizeof out->brokers) {
        snprintf(err, errlen, "endpoint '%s': broker list too long", uri);
        return -1;
    }
    memcpy(out->brokers, rest, blen);
    out->brokers[blen] = '\0';
    /* Each broker is host or host:port, none empty. */
    for (const char *b = out->brokers;;) {
        size_t n = strcspn(b, ",");
        if (n == 0 || memchr(b, ' ', n) || b[0] == ':' || b[n - 1] == ':') {
            snprintf(err, errlen, "endpoint '%s': bad broker list '%s'", uri, out->brokers);
            return -1;
        }
        if (!b[n])
            break;
        b += n + 1;
    }
    if (!topic_ok(slash + 1)) {
        snprintf(err, errlen, "endpoint '%s': bad topic '%s' (1..249 of A-Z a-z 0-9 . _ -)", uri,
                 slash + 1);
        return -1;
    }
    snprintf(out->topic, sizeof out->topic, "%s", slash + 1);
    char *save = NULL;
    for (char *kv = q ? strtok_r(q, "&", &save) : NULL; kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || strncmp(kv, "group", (size_t)(eq - kv)) != 0 || eq - kv != 5) {
            snprintf(err, errlen, "endpoint '%s': unknown Kafka parameter '%s' (known: group)", uri,
                     kv);
            return -1;
        }
        if (!eq[1] || strlen(eq + 1) >= sizeof out->group) {
            snprintf(err, errlen, "endpoint '%s': group must be 1..%zu characters", uri,
                     sizeof out->group - 1);
            return -1;
        }
        snprintf(out->group, sizeof out->group, "%s", eq + 1);
    }
    /* rest is inside the query-less copy of the URI, after "kafka://". */
    size_t n = strlen(rest - 8);
    memcpy(out->zmq_addr, rest - 8, n < sizeof out->zmq_addr ? n + 1 : sizeof out->zmq_addr);
    out->zmq_addr[sizeof out->zmq_addr - 1] = '\0';
    return 0;
}

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
        return parse_kafka(uri, buf + 8, q, out, err, errlen);
    } else {
        snprintf(err, errlen,
                 "endpoint '%s': unknown scheme (supported: zmq+tcp://, zmq+ipc://, kafka://)",
                 uri);
        return -1;
    }
    if (q && *q && parse_query(q, out, err, errlen) < 0)
        return -1;
    /* libzmq wants tcp://... / ipc://...: drop our "zmq+" prefix. */
    snprintf(out->zmq_addr, sizeof out->zmq_addr, "%s", buf + 4);
    return 0;
}
