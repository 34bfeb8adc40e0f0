"""10,000 items through the three real daemons on loopback: exactly 10,000
events arrive, each once, with their content intact."""
import os

import harness as h


def main():
    items = h.make_items(10000)
    p = None
    try:
        p = h.Pipeline(start_ingest=False)
        inp = os.path.join(p.tmp, "items.jsonl")
        h.write_jsonl(inp, items)
        p.start_ingest(inp)
        assert p.ingest.wait(120) == 0, p.ingest.logtext()
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= len(items), 120), \
            "only %d events arrived" % h.count_lines(p.sink_output)
        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        events = p.events()
        assert len(events) == len(items), "%d events for %d items" % (len(events), len(items))
        by_id = {}
        for ev in events:
            assert ev["id"] not in by_id, "duplicate event " + ev["id"]
            by_id[ev["id"]] = ev
        for it in items:
            ev = by_id.get(it["id"])
            assert ev is not None, "missing " + it["id"]
            for k in ("url", "title", "body", "source"):
                assert ev[k] == it[k], "%s: %s differs" % (it["id"], k)
            assert ev["published"] == "2024-07-03T10:00:00Z"
            codes_seen = [c["code"] for c in ev["countries"]]
            assert "KAZ" in codes_seen and "MNG" in codes_seen, codes_seen
        ing = p.ingest.final_counters()
        assert ing["sent"] == 10000 and ing["rejected"] == 0, ing
        snk = p.sink.final_counters()
        assert snk["written"] == 10000 and snk["rejected"] == 0, snk
        print("ok: 10000 items -> 10000 distinct events, content intact")
    finally:
        if p:
            for d in (p.ingest, p.enrich, p.sink):
                if d and d.proc.poll() is None:
                    d.proc.kill()


if __name__ == "__main__":
    main()
