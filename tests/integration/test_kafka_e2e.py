"""End to end over Kafka (librdkafka's mock cluster, its own process):
20,000 items through attache-ingest -> attache.items -> attache-enrich ->
attache.events -> attache-sink (SQLite). Every item arrives, each exactly
once in the output, and every daemon exits 0 after a clean stop. The
offsets each consumer committed cover everything it consumed: a second
consumer in the same group starts at the end (nothing re-delivered).
"""

import harness as h
import kafka_harness as k

N = 20000


def main():
    tmp = h.scratch_dir("attache-kafka-e2e.")
    items, path = h.write_items(tmp, N, body_bytes=2000, prefix="k")
    p = k.KafkaPipeline(tmp)
    with k.running(p):
        p.start_sink()
        p.start_enrich()
        ing = p.start_ingest(path)
        assert ing.wait(300) == 0, "ingest failed:\n" + ing.logtext()
        assert p.wait_rows(N), "only %d of %d events arrived" % (p.rows(), N)
        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        ids = p.ids()
        assert len(ids) == N and len(set(ids)) == N
        assert set(ids) == {it["id"] for it in items}
        ci, ce, cs = (d.final_counters() for d in (ing, p.enriches[0], p.sinks[0]))
        assert ci["sent"] == N and ci["kafka_delivered"] == N, ci
        assert ce["sent"] >= N and ce["kafka_delivered"] == ce["sent"], ce
        assert ce["kafka_acked"] == ce["received"], ce
        assert cs["written"] >= N and cs["kafka_acked"] == cs["received"], cs

        # Committed offsets: a fresh member of each group gets nothing.
        e2 = p.start_enrich()
        s2 = p.start_sink()
        h.wait_for(lambda: "assigned partitions" in e2.logtext() and
                   "assigned partitions" in s2.logtext(), timeout=60)
        codes = {d.name: d.stop() for d in (e2, s2)}
        assert all(c == 0 for c in codes.values()), codes
        assert e2.final_counters()["received"] == 0, e2.logtext()
        assert s2.final_counters()["received"] == 0, s2.logtext()
        print("ok: %d items over Kafka, each exactly once; committed offsets cover them" % N)


if __name__ == "__main__":
    main()
