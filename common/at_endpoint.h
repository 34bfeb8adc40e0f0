/*
 * at_endpoint: the one endpoint syntax every attache hop uses.
 *
 *   zmq+tcp://host:port          connect to host:port
 *   zmq+tcp://[*]:port           bind on every interface (written without
 *                                the brackets: a star as the host)
 *   zmq+tcp://127.0.0.1:7101?bind=1   bind on one address
 *   zmq+ipc:///run/attache/enrich.sock[?bind=1]
 *
 *   kafka://broker[:port][,broker...]/topic[?group=NAME]
 *
 * Query parameters: bind=0|1 (explicit bind or connect; "*" as host implies
 * bind=1) and hwm=N (ZeroMQ high-water mark in messages, default 1000).
 * Kafka takes group=NAME only (the consumer group; consumers without one
 * use their program name). Topic names follow Kafka's rules: 1..249 of
 * [A-Za-z0-9._-], not "." or "..".
 * Parsing is strict: unknown parameters and bad values are errors, so a
 * typo never silently changes the topology.
 */
#ifndef AT_ENDPOINT_H
#define AT_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    AT_EP_ZMQ_TCP,
    AT_EP_ZMQ_IPC,
    AT_EP_KAFKA,
} at_ep_scheme_t;

#define AT_EP_DEFAULT_HWM 1000

typedef struct {
    at_ep_scheme_t scheme;
    bool bind;
    int hwm;
    /* The address in libzmq's syntax: "tcp://127.0.0.1:7101", "ipc:///x". */
    char zmq_addr[512];
    /* Kafka: bootstrap brokers "h1:9092,h2:9092", topic, group ("" = none). */
    char brokers[512];
    char topic[250];
    char group[256];
} at_endpoint_t;

/* Parse uri into *out. Returns 0, or -1 with a reason in err. */
int at_endpoint_parse(const char *uri, at_endpoint_t *out, char *err, size_t errlen);

#endif
