"""kill -9 over Kafka: nothing is lost, and replays are absorbed at the sink.

10,000 items go into attache.items. attache-enrich is killed with SIGKILL
mid-stream and started again; then attache-sink is killed with SIGKILL
mid-stream and started again. Every item must end up in the SQLite output
exactly once (one row per event id), although the sinks together received
some events more than once (the replay from the last committed offsets).
"""
import os
import signal
import time

import harness as h
import kafka_harness as k

N = 10000


def kill9(d):
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    d.log.close()


def main():
    tmp = h.scratch_dir("attache-kafka-kill9.")
    items, path = h.write_items(tmp, N, body_bytes=2000, prefix="k9")
    p = k.KafkaPipeline(tmp)
    with k.running(p):
        # Everything is in attache.items before enrich starts, so enrich
        # is the bottleneck and "mid-stream" is well defined.
        ing = p.start_ingest(path)
        assert ing.wait(300) == 0, ing.logtext()
        p.start_sink()
        e1 = p.start_enrich()
        assert p.wait_rows(N // 5, timeout=180), "no progress: %d rows" % p.rows()
        kill9(e1)
        at_kill = p.rows()
        assert at_kill < N, "enrich finished before it could be killed"
        # Freeze the sink so that the restarted enrich fills attache.events
        # ahead of it, then let it run and kill it as soon as it has
        # committed more: it dies mid-stream however fast the machine is.
        sink = p.sinks[0]
        os.kill(sink.proc.pid, signal.SIGSTOP)
        frozen_at = p.rows()
        p.start_enrich()
        assert h.wait_for(lambda: "assigned partitions" in p.enriches[-1].logtext(), 120), \
            "the restarted enrich never got its partitions"
        time.sleep(2)  # let it produce a good part of the rest
        os.kill(sink.proc.pid, signal.SIGCONT)
        assert h.wait_for(lambda: p.rows() > frozen_at, 180, step=0.005), "no progress"
        kill9(sink)
        at_sink_kill = p.rows()
        assert at_sink_kill < N, "everything arrived before the sink could be killed"
        p.start_sink()
        assert p.wait_rows(N, timeout=240), "only %d of %d rows" % (p.rows(), N)
        codes = p.stop()
        assert codes[p.enriches[1].name] == 0 and codes[p.sinks[1].name] == 0, codes
        ids = p.ids()
        assert len(ids) == N and set(ids) == {it["id"] for it in items}
        e2, s2 = p.enriches[1].final_counters(), p.sinks[1].final_counters()
        print("enrich killed at %d rows, sink killed at %d rows; restarted enrich received %d, "
              "restarted sink received %d" % (at_kill, at_sink_kill, e2["received"],
                                              s2["received"]))
        # The restarted sink started from the last committed offset, which
        # is at most what was durable when the first one died.
        assert s2["received"] >= N - at_sink_kill, s2
        print("ok: kill -9 of enrich and of sink lost nothing; %d rows, each id once" % N)


if __name__ == "__main__":
    main()
