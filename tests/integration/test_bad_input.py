"""Bad input never stops a daemon, and the item after it still flows.

At ingest: malformed JSON, invalid UTF-8, an item over the size limit
(default 1 MiB), JSON of the wrong shape, a bad date. At enrich and sink:
frames sent by a raw ZeroMQ client (python3-zmq) that are not attache
protobuf messages. Each rejection gets a log line, a counter and a
dead-letter record.
"""
import base64
import json
import os

import harness as h

try:
    import zmq
except ImportError:
    h.skip("python3-zmq is not installed (apt-get install python3-zmq)")


def good(i):
    return json.dumps({"id": "good-%d" % i, "url": "https://example.org/good/%d" % i,
                       "title": "Good item %d from Mongolia" % i, "body": "Ulaanbaatar.",
                       "published": "2024-09-03T06:30:00Z"}).encode() + b"\n"


def main():
    tmp = h.scratch_dir("attache-it.")
    dl_enrich, dl_sink = os.path.join(tmp, "dl-enrich.jsonl"), os.path.join(tmp, "dl-sink.jsonl")
    p = h.Pipeline(tmp=tmp, start_ingest=False, extra={
        "enrich": {"enrich.dead_letter": dl_enrich}, "sink": {"sink.dead_letter": dl_sink}})
    try:
        inp = os.path.join(p.tmp, "bad.jsonl")
        dl_ingest = os.path.join(p.tmp, "dl-ingest.jsonl")
        huge = json.dumps({"id": "huge", "url": "https://example.org/huge", "title": "Huge",
                           "body": "x" * (1536 * 1024)}).encode() + b"\n"
        bad_lines = [
            b'{"id": "broken", "title": \n',                       # malformed JSON
            b'{"id": "latin1", "url": "https://e.org/1", "title": "Caf\xe9"}\n',  # not UTF-8
            huge,                                                   # over 1 MiB
            b'["an", "array"]\n',                                   # wrong shape
            b'{"id": "nourl", "title": ""}\n',                      # nothing usable
            b'{"id": "baddate", "url": "https://e.org/d", "title": "T", "published": "yesterday"}\n',
            b'{"id": "nul", "url": "https://e.org/n", "title": "a\\u0000b"}\n',  # NUL inside
        ]
        with open(inp, "wb") as f:
            f.write(good(0))
            for i, b in enumerate(bad_lines):
                f.write(b)
                f.write(good(i + 1))
        p.start_ingest(inp, {"ingest.dead_letter": dl_ingest})
        assert p.ingest.wait(60) == 0, p.ingest.logtext()
        n_good = len(bad_lines) + 1
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= n_good, 30)

        ing = p.ingest.final_counters()
        assert ing["rejected"] == len(bad_lines), ing
        assert ing["oversize"] == 1, ing
        assert ing["sent"] == n_good, ing
        log = p.ingest.logtext()
        for needle in ("rejected input", "invalid JSON", "max_item_bytes", "published"):
            assert needle in log, "no '%s' in ingest log:\n%s" % (needle, log)
        with open(dl_ingest) as f:
            dl = [json.loads(line) for line in f]
        assert len(dl) == len(bad_lines), len(dl)
        assert all(r["reason"] and r["component"] == "attache-ingest" for r in dl)
        assert base64.b64decode(dl[1]["data_b64"]) == bad_lines[1].rstrip(b"\n")
        assert dl[2]["truncated"] is True

        # Raw ZeroMQ frames straight into enrich's and sink's sockets.
        ctx = zmq.Context()
        for endpoint in (p.enrich_in, p.sink_in):
            s = ctx.socket(zmq.PUSH)
            s.connect(endpoint.replace("zmq+", ""))
            s.send(b"just one frame, not attache")
            s.send_multipart([b"attache.v1.NewsItem", b"\xff\xfe\xfd not protobuf"])
            s.send_multipart([b"attache.v1.Event", b"\x0a\x03abc"])  # wrong type for enrich
            s.send_multipart([b"attache.v1.NewsItem", b"\x0a\x02id"])  # decodes, no url/title
            s.send_multipart([b"x", b"y", b"z"])                    # three frames
            s.send_multipart([b"attache.v1.Event", b"\x12\x80"])     # truncated protobuf
            s.close(linger=2000)
        # Then a good item still flows end to end.
        with open(os.path.join(p.tmp, "after.jsonl"), "wb") as f:
            f.write(good(99))
        p.start_ingest(os.path.join(p.tmp, "after.jsonl"))
        assert p.ingest.wait(30) == 0
        assert h.wait_for(lambda: any(e["id"] == "good-99" for e in p.events()), 30), \
            "the item after the bad frames did not flow"
        codes = [d.stop() for d in (p.enrich, p.sink)]
        assert codes == [0, 0], codes
        enr, snk = p.enrich.final_counters(), p.sink.final_counters()
        assert enr["rejected"] == 6, enr
        assert snk["rejected"] == 6, snk
        for d in (p.enrich, p.sink):
            text = d.logtext()
            assert "single-frame message" in text and "not a valid" in text, text
        for path in (dl_enrich, dl_sink):
            assert h.count_lines(path) == 6, path
        ids = sorted(e["id"] for e in p.events())
        assert ids == sorted(["good-%d" % i for i in range(n_good)] + ["good-99"]), ids
        print("ok: %d bad lines and 12 bad frames rejected; good items flowed" % len(bad_lines))
    finally:
        for d in (p.ingest, p.enrich, p.sink):
            if d and d.proc.poll() is None:
                d.proc.kill()


if __name__ == "__main__":
    main()
