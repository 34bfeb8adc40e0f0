"""SIGTERM in the middle of the stream loses nothing already accepted.

Items are written into a FIFO that attache-ingest reads, so the stream is
really in progress when the signals arrive. Two cases:
  1. systemd's order: TERM ingest, then enrich, then sink (each waits for
     the previous to exit), as attache.target stops them;
  2. all three at once (a Ctrl-C in a terminal).
Every item ingest reports as sent must come out of the sink exactly once.
"""
import os
import signal
import threading
import time

import harness as h


def writer(fifo, items, stop):
    try:
        with open(fifo, "w") as f:
            for i, line in enumerate(items):
                if stop.is_set():
                    return
                f.write(line)
                if i % 200 == 0:
                    f.flush()
                    time.sleep(0.005)
    except BrokenPipeError:
        pass  # ingest stopped reading: expected


def run_case(all_at_once):
    import json
    items = [json.dumps(it) + "\n" for it in h.make_items(40000, body_bytes=500,
                                                           prefix="term")]
    p = h.Pipeline(start_ingest=False)
    try:
        fifo = os.path.join(p.tmp, "in.fifo")
        os.mkfifo(fifo)
        stop = threading.Event()
        t = threading.Thread(target=writer, args=(fifo, items, stop), daemon=True)
        t.start()
        p.start_ingest(fifo)
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= 2000, 60), "stream never started"
        if all_at_once:
            for d in (p.ingest, p.enrich, p.sink):
                d.signal(signal.SIGTERM)
            codes = [d.wait(60) for d in (p.ingest, p.enrich, p.sink)]
        else:
            codes = [d.stop(60) for d in (p.ingest, p.enrich, p.sink)]
        stop.set()
        assert codes == [0, 0, 0], codes
        sent = p.ingest.final_counters()["sent"]
        assert 0 < sent < len(items), "ingest should have stopped mid-stream (sent=%d)" % sent
        got = [ev["id"] for ev in p.events()]
        assert len(got) == len(set(got)), "duplicates in output"
        # ingest reads in order and rejects nothing here, so what it sent is
        # exactly the first `sent` items.
        want = {"term-%06d" % i for i in range(sent)}
        missing = want - set(got)
        assert not missing, "lost %d accepted items, e.g. %s" % (len(missing), sorted(missing)[:5])
        assert set(got) == want, "unexpected extra events"
        print("ok (%s): ingest accepted %d of %d, all %d came out" % (
            "all at once" if all_at_once else "in order", sent, len(items), len(got)))
    finally:
        for d in (p.ingest, p.enrich, p.sink):
            if d and d.proc.poll() is None:
                d.proc.kill()


if __name__ == "__main__":
    run_case(all_at_once=False)
    run_case(all_at_once=True)
