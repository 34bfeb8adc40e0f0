"""Broker outage over Kafka: the mock cluster's brokers go down and come
back (rd_kafka_mock_broker_set_down / set_up, through `attache kafka-mock`'s
control input), and requests fail with injected errors
(rd_kafka_mock_push_request_errors). The mock process itself keeps running:
its log is in memory, so killing it would not be an outage but data loss.

  1. All brokers are down before ingest starts. Ingest's producer queue
     (kafka.queue.buffering.max.messages=500) fills and ingest blocks:
     backpressure toward the input, nothing dropped, no row written.
  2. The brokers come back; Produce and Fetch requests fail with retriable
     errors for a while; later all brokers go down again mid-stream for a
     few seconds.
  3. Every item arrives exactly once and every daemon exits 0.
"""
import time

import harness as h
import kafka_harness as k

N = 10000


def main():
    tmp = h.scratch_dir("attache-kafka-outage.")
    items, path = h.write_items(tmp, N, body_bytes=2000, prefix="out")
    p = k.KafkaPipeline(tmp, extra={"ingest": {"kafka.queue.buffering.max.messages": "500"}})
    with k.running(p):
        p.start_sink()
        p.start_enrich()
        h.wait_for(lambda: "assigned partitions" in p.enriches[0].logtext(), timeout=60)
        p.mock.control("down")
        ing = p.start_ingest(path)
        time.sleep(5)
        assert ing.proc.poll() is None, "ingest finished while every broker was down"
        assert p.rows() == 0, "rows written while every broker was down"
        p.mock.control("up")
        p.mock.control("errors Produce 20 NOT_LEADER_FOR_PARTITION REQUEST_TIMED_OUT")
        p.mock.control("errors Fetch 20 NOT_LEADER_FOR_PARTITION")
        assert p.wait_rows(N // 3, timeout=180), "no progress after the brokers came back"
        p.mock.control("down")
        time.sleep(4)
        p.mock.control("up")
        assert ing.wait(300) == 0, ing.logtext()
        assert p.wait_rows(N, timeout=240), "only %d of %d rows" % (p.rows(), N)
        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        ids = p.ids()
        assert len(ids) == N and set(ids) == {it["id"] for it in items}
        ci = ing.final_counters()
        assert ci["sent"] == N and ci["lost"] == 0 and ci["kafka_delivered"] == N, ci
        assert ci["kafka_queue_full"] > 0, "ingest never saw backpressure: %s" % ci
        assert ci["kafka_delivery_failed"] == 0, ci
        print("ok: two outages and injected errors, %d items each once; ingest blocked on a "
              "full queue %d times" % (N, ci["kafka_queue_full"]))


if __name__ == "__main__":
    main()
