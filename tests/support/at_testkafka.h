/*
 * at_testkafka.h: librdkafka's mock cluster started in the test's own
 * process (one broker, a real Kafka-protocol server on loopback), for the
 * Kafka unit tests (common/tests/test_at_kafka, sink/tests/test_at_kafkasink).
 * Header-only so each test stays one source file.
 */
#ifndef AT_TESTKAFKA_H
#define AT_TESTKAFKA_H

#include <stdio.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

typedef struct {
    rd_kafka_t *rk;              /* the handle the cluster lives in */
    rd_kafka_mock_cluster_t *mc; /* for broker outages and injected errors */
    char boot[512];              /* its bootstrap.servers */
} at_test_kafka_t;

/* Start the cluster with one single-partition topic per name in topics
 * (ending with NULL). 0, or -1 when librdkafka cannot start it. */
static inline int at_test_kafka_start(at_test_kafka_t *k, const char *const *topics)
{
    char why[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", why, sizeof why);
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!k->rk)
        return -1;
    k->mc = rd_kafka_mock_cluster_new(k->rk, 1);
    if (!k->mc)
        return -1;
    for (; *topics; topics++)
        rd_kafka_mock_topic_create(k->mc, *topics, 1, 1);
    snprintf(k->boot, sizeof k->boot, "%s", rd_kafka_mock_cluster_bootstraps(k->mc));
    return 0;
}

/* Stop the cluster started by at_test_kafka_start. Returns 0 (for a
 * cmocka teardown). */
static inline int at_test_kafka_stop(at_test_kafka_t *k)
{
    rd_kafka_mock_cluster_destroy(k->mc);
    rd_kafka_destroy(k->rk);
    return 0;
}

#endif
