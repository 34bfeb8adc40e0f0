/*
 * at_kafkasink: the Kafka output of attache-sink (`kafka://BROKERS/TOPIC`).
 *
 *   kafka://host:port[,host:port...]/topic
 *   [format=json,severity=critical]kafka://10.0.0.5:9092/attache.alerts
 *
 * Each event becomes one record: key = the event id, value = the
 * attache.v1.Event protobuf bytes as received (format=protobuf, the
 * default) or the event's JSON line (format=json), header "type" =
 * "attache.v1.Event" or "application/json". The producer is at_transport's
 * (common/at_kafka.c: idempotent, message.timeout.ms=0) with the daemon's
 * kafka.<property> keys, copied when the output opens.
 *
 * Durability: an event counts as written only once its delivery report
 * came back successful. commit() waits (up to timeout_ms) for the reports
 * of every record of the batch; short of that it fails and the output
 * queue retries the batch. Records still in the producer's queue are not
 * produced again on that retry (they are on their way; the retry only
 * waits for them again), so a broker outage costs no duplicates. A failed
 * delivery report or a fatal producer error makes commit fail with the
 * reason; the next attempt opens a new producer and sends the whole batch
 * again: records that had reached the broker before are then duplicates
 * (same key), never a loss.
 *
 * Options (besides those of every output):
 *   format=protobuf|json  record value (default protobuf)
 *   batch=N               most events per batch (default 10000)
 *   commit_ms=D           longest a batch stays open (default 0: it ends
 *                         whenever the queue is empty)
 *   timeout_ms=D          longest a commit waits for delivery reports
 *                         (default 30s; 1s once the daemon is stopping)
 * An event larger than the producer's message.max.bytes is logged and
 * counted as dropped (<name>.dropped): no retry could deliver it.
 */
#ifndef AT_KAFKASINK_H
#define AT_KAFKASINK_H

#include <stddef.h>

#include "at_sinkq.h"

/* The header value of format=json records. */
#define AT_KAFKASINK_JSON_TYPE "application/json"

extern const at_sinkbe_t at_kafkasink_backend;

/* Check a kafka:// output target: the endpoint syntax of at_endpoint.h,
 * every broker host[:port] with a port in 1..65535, a legal topic, and no
 * ?group= (outputs do not consume). 0, or -1 with the reason in err. */
int at_kafkasink_check_target(const char *target, char *err, size_t errlen);

#endif
