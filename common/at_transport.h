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
 * for Kafka. Daemons call it at that point now so that the Kafka transport
 * needs no change to them.
 */
#ifndef AT_TRANSPORT_H
#define AT_TRANSPORT_H

#include <stddef.h>

#include <zmq.h>

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

/* A received message. Valid until at_msg_release. When the frames did not
 * have the [type, payload] shape, `bad` is a static reason string and
 * type/data describe whatever could be read (data may be NULL). */
typedef struct {
    const char *type;
    const void *data;
    size_t len;
    const char *bad;
    /* private */
    zmq_msg_t part[2];
    int nparts;
    char typebuf[AT_TX_MAX_TYPE + 1];
} at_msg_t;

/* Open an endpoint for a pattern (binds or connects per the URI). Returns
 * NULL with the reason in err. Caller owns the result and must destroy it
 * with at_transport_close. */
at_transport_t *at_transport_new(const char *uri, at_tx_pattern_t pattern, char *err,
                                 size_t errlen);

/* The endpoint actually in use (after binding "*:0" this has the port). */
const char *at_transport_endpoint(const at_transport_t *self);

/* Send [type, payload]. timeout_ms: -1 waits forever, 0 never waits.
 * Returns AT_TX_OK, AT_TX_AGAIN (not sent: retry or count a drop), or
 * AT_TX_ERROR (errno set; EINTR means a signal arrived: nothing was sent). */
int at_transport_send(at_transport_t *self, const char *type, const char *key, const void *payload,
                      size_t len, int timeout_ms);

/* Receive one message into *msg (call at_msg_release after). Same timeout
 * and return conventions as send. */
int at_transport_recv(at_transport_t *self, at_msg_t *msg, int timeout_ms);

/* Tell the input transport the message is with the next hop (see above). */
void at_transport_ack(at_transport_t *self, at_msg_t *msg);

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
