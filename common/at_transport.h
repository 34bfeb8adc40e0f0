/*
 * at_transport: how messages move between attache daemons.
 *
 * One small interface over the endpoint syntax of at_endpoint.h. Every
 * message is a pair (type, payload), carried by ZeroMQ as a two-frame
 * multipart message [type, payload]; type is the protobuf full name
 * ("attache.v1.NewsItem"). The `key` given to send (the item id) is unused
 * by ZeroMQ and becomes the record key on Kafka.
 *
 * Patterns:
 *   AT_TX_PUSH  pipeline producer; blocks (up to a timeout) when the high-
 *               water mark is reached, so a slow consumer slows the producer
 *               and nothing is dropped. Connecting PUSH sockets use
 *               ZMQ_IMMEDIATE, so nothing queues toward a peer that is not
 *               there yet.
 *   AT_TX_PULL  pipeline consumer.
 *   AT_TX_PUB   fan-out to subscribers. Never blocks: a subscriber that
 *               cannot keep up makes send return AT_TX_AGAIN and the caller
 *               counts the drop (XPUB with ZMQ_XPUB_NODROP, so libzmq does
 *               not drop silently behind our back).
 *   AT_TX_SUB   subscriber (CLI and tests).
 *
 * Delivery: a ZeroMQ message is "delivered" once queued; there are no
 * acknowledgements, so a crash loses what is in flight (use Kafka for
 * at-least-once). at_transport_ack marks the point where a consumer has
 * handed a message to its next hop: a no-op for ZeroMQ, the offset store
 * for Kafka.
 *
 * kafka://brokers/topic?group=NAME endpoints (AT_TX_PUSH and AT_TX_PULL
 * only) are served by at_kafka.h, which states the Kafka delivery rules.
 * Three calls exist for it and are cheap no-ops on ZeroMQ:
 *   - at_transport_send_acked: send, and acknowledge the consumed message
 *     `ack` on `ack_in` once the next hop has it (ZeroMQ: when queued;
 *     Kafka: on the successful delivery report);
 *   - at_msg_ack_token + at_transport_ack_token: acknowledge later, after
 *     the message was released (the sink acks after its batch is durable);
 *   - at_transport_failed: a Kafka transport that hit a fatal error or a
 *     failed delivery says so; the daemon stops and exits non-zero.
 */
#ifndef AT_TRANSPORT_H
#define AT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

struct at_config;

typedef enum {
    AT_TX_PUSH,
    AT_TX_PULL,
    AT_TX_PUB,
    AT_TX_SUB,
} at_tx_pattern_t;

/* Return codes of send/recv. */
#define AT_TX_OK    0
#define AT_TX_AGAIN 1 /* timed out / would block: nothing was sent or received */
#define AT_TX_ERROR (-1)

/* Longest accepted type frame. */
#define AT_TX_MAX_TYPE 127

typedef struct at_transport at_transport_t;

/* What acknowledging a consumed message needs, valid after the message is
 * released. epoch 0 means there is nothing to acknowledge (ZeroMQ). */
typedef struct {
    int32_t partition;
    uint32_t epoch;
    int64_t offset;
} at_ack_t;

/* A received message. Valid until at_msg_release. When the frames did not
 * have the [type, payload] shape, `bad` is a static reason string and
 * type/data describe whatever could be read (data may be NULL). */
typedef struct {
    const char *type;
    const void *data;
    size_t len;
    const char *bad;
    /* Kafka: the record key (NULL/0 on ZeroMQ) and the acknowledgement. */
    const void *key;
    size_t keylen;
    at_ack_t ack;
    /* private */
    void *kmsg; /* rd_kafka_message_t * */
    zmq_msg_t part[2];
    int nparts;
    char typebuf[AT_TX_MAX_TYPE + 1];
} at_msg_t;

/* Open an endpoint for a pattern (binds or connects per the URI). Returns
 * NULL with the reason in err. Caller owns the result and must destroy it
 * with at_transport_close. */
at_transport_t *at_transport_new(const char *uri, at_tx_pattern_t pattern, char *err,
                                 size_t errlen);

/* Same, with the kafka.<property> keys of cfg applied to a Kafka
 * endpoint (cfg may be NULL; ZeroMQ ignores it). */
at_transport_t *at_transport_new_cfg(const char *uri, at_tx_pattern_t pattern,
                                     const struct at_config *cfg, char *err, size_t errlen);

/* The endpoint actually in use (after binding "*:0" this has the port). */
const char *at_transport_endpoint(const at_transport_t *self);

/* Send [type, payload]. timeout_ms: -1 waits forever, 0 never waits.
 * Returns AT_TX_OK, AT_TX_AGAIN (not sent: retry or count a drop), or
 * AT_TX_ERROR (errno set; EINTR means a signal arrived: nothing was sent). */
int at_transport_send(at_transport_t *self, const char *type, const char *key, const void *payload,
                      size_t len, int timeout_ms);

/* Send, and acknowledge `ack` on ack_in once the next hop has the message
 * (ZeroMQ: now, when AT_TX_OK; Kafka: on the successful delivery report).
 * ack_in may be NULL. Same returns as at_transport_send. */
int at_transport_send_acked(at_transport_t *self, const char *type, const char *key,
                            const void *payload, size_t len, int timeout_ms, at_transport_t *ack_in,
                            at_ack_t ack);

/* Receive one message into *msg (call at_msg_release after). Same timeout
 * and return conventions as send. */
int at_transport_recv(at_transport_t *self, at_msg_t *msg, int timeout_ms);

/* Tell the input transport the message is with the next hop (see above). */
void at_transport_ack(at_transport_t *self, at_msg_t *msg);

/* The acknowledgement of msg, for at_transport_ack_token after release. */
at_ack_t at_msg_ack_token(const at_msg_t *msg);

/* Acknowledge a message by its token (no-op when ack.epoch is 0). */
void at_transport_ack_token(at_transport_t *self, at_ack_t ack);

/* Serve the transport's callbacks (Kafka delivery reports, errors) for up
 * to timeout_ms; returns at once on ZeroMQ. */
void at_transport_poll(at_transport_t *self, int timeout_ms);

/* Wait up to timeout_ms until everything sent has reached the next hop.
 * Returns how many messages have not (Kafka); ZeroMQ cannot tell and
 * returns 0 (its close lingers instead). */
int at_transport_flush(at_transport_t *self, int timeout_ms);

/* NULL while the transport is healthy; else why it failed for good
 * (a fatal Kafka error, or a message whose delivery failed). */
const char *at_transport_failed(const at_transport_t *self);

/* Kafka consumer: call fn(arg) when partitions are about to be revoked,
 * before their offsets are committed. No-op on ZeroMQ. */
void at_transport_set_revoke_hook(at_transport_t *self, void (*fn)(void *arg), void *arg);

/* Validate the kafka.<property> keys of cfg with librdkafka. 0, or -1
 * with "file:line: kafka.x: reason" in err. */
int at_transport_check_config(const struct at_config *cfg, char *err, size_t errlen);

void at_msg_release(at_msg_t *msg);

/* How many peers are connected to a PUSH or PULL transport now (a socket
 * monitor counts connections opened and closed); -1 when the transport
 * cannot tell. For /readyz. Call from the thread that owns the transport. */
int at_transport_peers(at_transport_t *self);

/* Close, waiting up to linger_ms (-1 forever) for queued outgoing messages
 * to reach their peer. NULL-safe; nulls the caller's pointer. */
void at_transport_close(at_transport_t **self_p, int linger_ms);

/* Terminate the process-wide ZeroMQ context once every transport is
 * closed (call at exit). */
void at_transport_shutdown(void);

#endif
