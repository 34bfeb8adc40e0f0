/*
 * at_kafka: the Kafka backend of at_transport (librdkafka).
 *
 * Daemons do not call this module: they use at_transport.h, which hands
 * kafka:// endpoints to it. It is a separate module so that the delivery
 * rules live in one place:
 *
 *  Producing (AT_TX_PUSH):
 *   - idempotent producer (enable.idempotence=true), message.timeout.ms=0
 *     (librdkafka retries until the broker takes the message: a broker
 *     outage is backpressure, not loss);
 *   - the record key is the item id, the message type goes in the header
 *     "type", the value is the protobuf payload;
 *   - a message counts as delivered only on a successful delivery report.
 *     The report is what acknowledges the consumed message it came from
 *     (at_kafka_send's ack_in/ack): enrich stores its input offset only
 *     when its output is in the broker;
 *   - queue full: serve delivery reports and retry until the timeout, then
 *     AT_TX_AGAIN (the caller retries: backpressure toward the input);
 *   - a failed delivery report or a fatal librdkafka error puts the
 *     transport into the failed state (at_kafka_failed): the daemon logs
 *     it, stops and exits non-zero instead of running on while dropping.
 *
 *  Consuming (AT_TX_PULL):
 *   - consumer group (group= in the endpoint), auto.offset.reset=earliest,
 *     enable.auto.offset.store=false, auto commit of *stored* offsets;
 *   - every received message is registered as in flight for its
 *     partition; at_kafka_ack marks it done, and the offset stored for a
 *     partition is the end of the contiguous run of done messages, so an
 *     acknowledgement that arrives out of order never skips a message
 *     still in flight;
 *   - on partition revoke: wait for the linked producers' delivery
 *     reports, run the owner's revoke hook (the sink commits its batch
 *     there), store and commit synchronously, then give the partitions up;
 *   - one thread, messages in partition order.
 *
 * Properties: kafka.<property> config keys go to rd_kafka_conf_set after
 * attache's defaults (so they override them); a bad one is an error that
 * names where it was set and librdkafka's message.
 *
 * Threading: one thread per handle (the daemon's); librdkafka's own
 * threads never call back into this module except for its log lines.
 */
#ifndef AT_KAFKA_H
#define AT_KAFKA_H

#include <stddef.h>

#include "at_config.h"
#include "at_daemon.h"
#include "at_endpoint.h"
#include "at_transport.h"

/* The header that carries the message type. */
#define AT_KAFKA_TYPE_HEADER "type"

typedef struct at_kafka at_kafka_t;

/* Check every kafka.<property> in cfg against librdkafka (for both a
 * producer and a consumer). Returns 0, or -1 with "origin: kafka.x:
 * librdkafka's reason" in err. cfg may be NULL. */
int at_kafka_check_config(const at_config_t *cfg, char *err, size_t errlen);

/* Open a producer (AT_TX_PUSH) or consumer (AT_TX_PULL) for ep, with
 * cfg's kafka.* properties (cfg may be NULL). Other patterns are refused.
 * Returns NULL with the reason in err. Caller owns the result and must
 * destroy it with at_kafka_close. */
at_kafka_t *at_kafka_new(const at_endpoint_t *ep, at_tx_pattern_t pattern, const at_config_t *cfg,
                         char *err, size_t errlen);

/* Produce one record (see at_transport_send). When ack_in is not NULL,
 * a successful delivery report calls at_kafka_ack(ack_in, ack). */
int at_kafka_send(at_kafka_t *self, const char *type, const char *key, const void *payload,
                  size_t len, int timeout_ms, at_kafka_t *ack_in, at_ack_t ack);

/* Consume one record into msg (see at_transport_recv). */
int at_kafka_recv(at_kafka_t *self, at_msg_t *msg, int timeout_ms);

/* Mark a consumed message done (see at_kafka.h's consuming rules). A token
 * from before a rebalance that took its partition away is ignored. */
void at_kafka_ack(at_kafka_t *self, at_ack_t ack);

/* Release what at_kafka_recv put into msg. */
void at_kafka_msg_release(at_msg_t *msg);

/* Serve callbacks (delivery reports, errors, rebalances) for up to
 * timeout_ms. */
void at_kafka_poll(at_kafka_t *self, int timeout_ms);

/* Producer: wait up to timeout_ms for every queued message's delivery
 * report. Returns how many are still undelivered (0 for a consumer). */
int at_kafka_flush(at_kafka_t *self, int timeout_ms);

/* The reason the transport failed (fatal error or failed delivery), or
 * NULL while it is healthy. */
const char *at_kafka_failed(const at_kafka_t *self);

/* Called on partition revoke before offsets are committed (the sink makes
 * its writes durable and acks them there). */
void at_kafka_set_revoke_hook(at_kafka_t *self, void (*fn)(void *arg), void *arg);

/* Flush (producer, up to linger_ms) or leave the group after committing
 * the stored offsets (consumer), then destroy. Logs how many produced
 * messages were left undelivered. NULL-safe; nulls the caller's pointer. */
void at_kafka_close(at_kafka_t **self_p, int linger_ms);

/* The process's Kafka counters (produced, delivered, delivery failures by
 * error, consumed, offsets stored, rebalances, consumer lag, ...), with
 * the lag refreshed; NULL when no Kafka transport was ever opened. */
at_counter_t *at_kafka_counters(void);

#endif
