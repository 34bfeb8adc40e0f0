"""A slow sink makes ingest block; nothing is dropped.

The sink is frozen with SIGSTOP while 20,000 items are fed with small
high-water marks. Ingest must stall (not finish, not drop), then finish
once the sink resumes, and all 20,000 events must arrive.
"""
import os
import signal
import time

import harness as h


def main():
    # 20,000 x 2 KB is ~40 MB: far more than every high-water mark and
    # loopback socket buffer on the way can hold, so ingest must block.
    items = h.make_items(20000, body_bytes=2000, prefix="bp")
    p = h.Pipeline(start_ingest=False)
    try:
        p.sink.signal(signal.SIGSTOP)
        inp = os.path.join(p.tmp, "items.jsonl")
        h.write_jsonl(inp, items)
        ing = p.start_ingest(inp, {"ingest.output": p.enrich_in + "?hwm=100"})
        time.sleep(3)
        assert ing.proc.poll() is None, "ingest finished although the sink was frozen"
        assert h.count_lines(p.sink_output) == 0
        p.sink.signal(signal.SIGCONT)
        assert ing.wait(120) == 0, ing.logtext()
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= len(items), 120)
        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        ids = [e["id"] for e in p.events()]
        assert len(ids) == len(items) == len(set(ids))
        assert p.ingest.final_counters()["lost"] == 0
        print("ok: ingest blocked while the sink was frozen; all %d arrived after" % len(ids))
    finally:
        for d in (p.ingest, p.enrich, p.sink):
            if d and d.proc.poll() is None:
                d.proc.send_signal(signal.SIGCONT)
                d.proc.kill()


if __name__ == "__main__":
    main()
