"""Interoperability with real peers:
  - a python3-zmq SUB client receives events from attache-sink's PUB
    endpoint as [b"attache.v1.Event", payload];
  - Debian's protoc (`protoc --decode attache.v1.Event`) decodes a payload
    attache wrote, with the fields we expect;
  - `attache decode` turns the same bytes back into the JSON contract.
"""
import os
import shutil
import subprocess
import time

import harness as h

try:
    import zmq
except ImportError:
    h.skip("python3-zmq is not installed (apt-get install python3-zmq)")
if not shutil.which("protoc"):
    h.skip("protoc is not installed (apt-get install protobuf-compiler)")

PROTO = os.environ.get("ATTACHE_PROTO") or os.path.join(h.SRC, "proto/attache/v1/attache.proto")


def main():
    pub_port = h.free_port()
    pub = "zmq+tcp://127.0.0.1:%d" % pub_port
    p = h.Pipeline(start_ingest=False, extra={"sink": {"sink.publish": pub + "?bind=1"}})
    try:
        ctx = zmq.Context()
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"attache.v1.Event")
        sub.connect("tcp://127.0.0.1:%d" % pub_port)
        time.sleep(0.5)  # let the subscription reach the publisher (PUB/SUB "slow joiner")
        sample = os.path.join(h.DATA, "samples", "news.jsonl")
        p.start_ingest(sample)
        assert p.ingest.wait(30) == 0
        n = h.count_lines(sample)
        got = []
        poller = zmq.Poller()
        poller.register(sub, zmq.POLLIN)
        deadline = time.time() + 30
        while len(got) < n and time.time() < deadline:
            if poller.poll(200):
                got.append(sub.recv_multipart())
        assert len(got) == n, "subscriber got %d of %d events" % (len(got), n)
        assert all(len(m) == 2 and m[0] == b"attache.v1.Event" for m in got)

        # Find the Ulaanbaatar visit and decode it with protoc.
        payload = None
        for _, body in got:
            if b"sample-ulaanbaatar-visit" in body:
                payload = body
        assert payload is not None
        bin_path = os.path.join(p.tmp, "event.bin")
        with open(bin_path, "wb") as f:
            f.write(payload)
        out = subprocess.run(
            ["protoc", "--decode", "attache.v1.Event", "-I", os.path.dirname(os.path.dirname(
                os.path.dirname(PROTO))), "attache/v1/attache.proto"],
            input=payload, capture_output=True, check=True).stdout.decode()
        for needle in ('id: "sample-ulaanbaatar-visit"', 'code: "MNG"',
                       "status: TREATY_STATE_PARTY", 'reference_date: "2024-09-03"',
                       'id: "Q7747"', "severity: SEVERITY_CRITICAL"):
            assert needle in out, "protoc output lacks %s:\n%s" % (needle, out)

        dec = subprocess.run([os.path.join(h.BIN, "attache"), "decode", "--type", "event",
                              bin_path], capture_output=True, check=True).stdout.decode()
        import json
        ev = json.loads(dec)
        assert ev["id"] == "sample-ulaanbaatar-visit"
        mng = [c for c in ev["countries"] if c["code"] == "MNG"][0]
        assert mng["treaties"]["rome_statute"]["status"] == "party"

        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        assert p.sink.final_counters()["published"] == n
        print("ok: python3-zmq subscriber, protoc --decode and attache decode agree")
    finally:
        for d in (p.ingest, p.enrich, p.sink):
            if d and d.proc.poll() is None:
                d.proc.kill()


if __name__ == "__main__":
    main()
