"""The spool directory input, with IPTC ninjs: files renamed into the spool
are ingested and moved aside; a ninjs item and attache items both come out
as events; an unusable file goes to failed/ and is dead-lettered; the
daemon keeps going."""
import json
import os

import harness as h

NINJS = {
    "uri": "urn:newsml:example.org:20240903:ub-visit",
    "standard": {"name": "ninjs", "version": "2.0"},
    "type": "text",
    "versioncreated": "2024-09-03T07:10:00Z",
    "language": "en",
    "headlines": [{"role": "main", "value": "Putin received in Ulaanbaatar"}],
    "bodies": [{"role": "main", "contenttype": "text/plain",
                "value": "ULAANBAATAR - The Russian president arrived in Mongolia."}],
    "renditions": [{"name": "web", "href": "https://agency.example.org/ub-visit",
                    "contenttype": "text/html"}],
}


def drop(spool, name, data):
    """The producer protocol: write under a dot-name, then rename in."""
    tmp = os.path.join(spool, "." + name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(spool, name))


def main():
    p = h.Pipeline(start_ingest=False)
    spool = os.path.join(p.tmp, "spool")
    os.mkdir(spool)
    dl = os.path.join(p.tmp, "dl.jsonl")
    try:
        # One file is there before the daemon starts, the rest arrive later.
        items = h.make_items(2, body_bytes=200, prefix="spool")
        drop(spool, "001-items.jsonl", "".join(json.dumps(i) + "\n" for i in items).encode())
        p.start_ingest(None, {"ingest.input": "", "ingest.spool": spool,
                              "ingest.dead_letter": dl, "ingest.state": os.path.join(p.tmp, "s.db")})
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= 2, 20)
        drop(spool, "002-agency.ninjs", json.dumps(NINJS).encode())
        drop(spool, "003-broken.json", b'{"this is": not json')
        drop(spool, "004-again.jsonl", (json.dumps(items[0]) + "\n").encode())  # duplicate
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= 3, 20)
        assert h.wait_for(lambda: sorted(os.listdir(os.path.join(spool, "done"))) ==
                          ["001-items.jsonl", "002-agency.ninjs", "004-again.jsonl"], 20), \
            os.listdir(os.path.join(spool, "done"))
        assert os.listdir(os.path.join(spool, "failed")) == ["003-broken.json"]
        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        events = p.events()
        assert len(events) == 3, [e["id"] for e in events]
        ub = [e for e in events if e["url"] == "https://agency.example.org/ub-visit"]
        assert ub and ub[0]["title"] == "Putin received in Ulaanbaatar", events
        assert any(c["code"] == "MNG" for c in ub[0]["countries"])
        ing = p.ingest.final_counters()
        assert ing["rejected"] == 1 and ing["duplicate"] == 1 and ing["sent"] == 3, ing
        assert h.count_lines(dl) == 1
        print("ok: spool files ingested (JSONL and ninjs), broken file to failed/, dup dropped")
    finally:
        for d in (p.ingest, p.enrich, p.sink):
            if d and d.proc.poll() is None:
                d.proc.kill()


if __name__ == "__main__":
    main()
