"""kill -9 of attache-ingest over Kafka with ingest.state: nothing is lost.

Ingest marks items as emitted in its state store (ingest.state), so a
restart does not send them again. Over Kafka that mark is committed only
once the delivery reports for the whole batch came back. Here every broker
is down while ingest reads: its first batch is queued in librdkafka but not
delivered, ingest is killed with SIGKILL, the brokers come back, and ingest
is started again on the same file and state. The uncommitted batch is sent
again, and all 1,000 items arrive, each once.
"""
import os
import signal
import time

import harness as h
import kafka_harness as k

N = 1000


def main():
    tmp = h.scratch_dir("attache-kafka-ingest-crash.")
    items, path = h.write_items(tmp, N, body_bytes=1000, prefix="ic")
    state = os.path.join(tmp, "ingest-state.db")
    p = k.KafkaPipeline(tmp, partitions=4)
    with k.running(p):
        p.start_sink()
        p.start_enrich()
        h.wait_for(lambda: "assigned partitions" in p.enriches[0].logtext(), timeout=60)
        p.mock.control("down")
        i1 = p.start_ingest(path, {"ingest.state": state})
        time.sleep(4)  # it has read and queued its first batch by now
        assert i1.proc.poll() is None, "ingest finished while every broker was down"
        i1.proc.send_signal(signal.SIGKILL)
        i1.proc.wait()
        i1.log.close()
        p.mock.control("up")
        i2 = p.start_ingest(path, {"ingest.state": state})
        assert i2.wait(120) == 0, i2.logtext()
        assert p.wait_rows(N, timeout=120), "only %d of %d rows: items lost" % (p.rows(), N)
        codes = p.stop()
        del codes[i1.name]  # the one killed with SIGKILL
        assert all(c == 0 for c in codes.values()), codes
        assert set(p.ids()) == {it["id"] for it in items}
        c2 = i2.final_counters()
        print("restarted ingest sent %d, skipped %d as already emitted" % (
            c2["sent"], c2["duplicate"]))
        assert c2["sent"] > 0 and c2["sent"] + c2["duplicate"] == N, c2
        print("ok: kill -9 of ingest before its delivery reports lost nothing")


if __name__ == "__main__":
    main()
