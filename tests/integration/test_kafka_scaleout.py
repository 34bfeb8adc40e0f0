"""Scale-out over Kafka: two attache-enrich instances in one consumer group
share the partitions of attache.items (each is assigned some, and each
enriches items), and every item arrives exactly once at the sink.

The second instance joins after the first was assigned every partition,
so the group rebalances (the first commits on revoke and gives half of
them up); then the items are produced.
"""

import harness as h
import kafka_harness as k

N = 10000


def main():
    tmp = h.scratch_dir("attache-kafka-scale.")
    items, path = h.write_items(tmp, N, body_bytes=2000, prefix="sc")
    p = k.KafkaPipeline(tmp)
    with k.running(p):
        p.start_sink()
        e1 = p.start_enrich()
        assert h.wait_for(lambda: "assigned partitions" in e1.logtext(), timeout=90)
        e2 = p.start_enrich()
        assert h.wait_for(lambda: "assigned partitions" in e2.logtext() and
                          "revoked" in e1.logtext(), timeout=120), "no rebalance"
        ing = p.start_ingest(path)
        assert ing.wait(300) == 0, ing.logtext()
        assert p.wait_rows(N, timeout=240), "only %d of %d rows" % (p.rows(), N)
        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        ids = p.ids()
        assert len(ids) == N and set(ids) == {it["id"] for it in items}
        c1, c2 = e1.final_counters(), e2.final_counters()
        print("enrich-1 enriched %d items (%d rebalances), enrich-2 %d (%d rebalances)" % (
            c1["sent"], c1["kafka_rebalances"], c2["sent"], c2["kafka_rebalances"]))
        assert c1["sent"] > 0 and c2["sent"] > 0, (c1, c2)
        assert c1["sent"] + c2["sent"] >= N
        assert "assigned partitions" in e2.logtext()
        assert c1["kafka_rebalances"] >= 2, c1  # assigned, revoked, assigned again
        print("ok: two enrich instances shared the partitions; %d items each once" % N)


if __name__ == "__main__":
    main()
