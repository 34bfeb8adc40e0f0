"""The kafka:// output of attache-sink, against `attache kafka-mock`, read back
with real clients:

  - a ZeroMQ pipeline (ingest -> enrich -> sink) whose sink has, besides its
    JSON-lines file, three Kafka outputs on one mock cluster:
      k   kafka://B/attache.out                       protobuf (default)
      kj  [format=json]kafka://B/attache.json         JSON lines
      kc  [severity=critical]kafka://B/attache.crit   filtered
  - kcat reads attache.out: every event exactly once by key (the key is the
    event id), header type=attache.v1.Event, and a value decodes with
    `protoc --decode attache.v1.Event` into the model case;
  - kcat reads attache.json: one JSON line per event (type=application/json),
    its "id" equal to the record key;
  - kcat reads attache.crit: exactly the events with a critical alert;
  - the sink's counters agree (k.written = every event), it exits 0;
  - `attache run --output kafka://B/attache.run` checks its books through its
    private JSON-lines output and accounts for every item.
"""
import json
import os
import shutil
import subprocess
import tempfile

import harness as h
import kafka_harness as k

for tool in ("kcat", "protoc"):
    if not shutil.which(tool):
        h.skip("%s is not installed (tools/deps.sh)" % tool)

PROTO = os.environ.get("ATTACHE_PROTO") or os.path.join(h.SRC, "proto/attache/v1/attache.proto")
PROTO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(PROTO)))
TOPICS = ("attache.out", "attache.json", "attache.crit", "attache.run")
N_GENERATED = 400


def kcat_records(boot, topic, fmt):
    """Every record of topic, one kcat -f line each (fields tab-separated)."""
    out = subprocess.run(["kcat", "-C", "-b", boot, "-t", topic, "-e", "-q", "-f", fmt],
                         capture_output=True, check=True, timeout=120, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def main():
    tmp = tempfile.mkdtemp(prefix="attache-kafka-sink.")
    mock = k.KafkaMock(tmp, partitions=4, topics=TOPICS)
    boot = mock.bootstrap
    inp = os.path.join(tmp, "items.jsonl")
    with open(os.path.join(h.DATA, "samples", "news.jsonl")) as f:
        sample = f.read()
    with open(inp, "w") as f:
        f.write(sample)
    with open(inp, "a") as f:
        for it in h.make_items(N_GENERATED, body_bytes=600, prefix="ks"):
            f.write(json.dumps(it) + "\n")
    n = h.count_lines(inp)
    p = None
    ok = False
    try:
        p = h.Pipeline(tmp, ingest_input=inp, extra={"sink": {
            "sink.outputs.k": "kafka://%s/attache.out" % boot,
            "sink.outputs.kj": "[format=json]kafka://%s/attache.json" % boot,
            "sink.outputs.kc": "[severity=critical]kafka://%s/attache.crit" % boot,
        }})
        assert p.ingest.wait(120) == 0, p.ingest.logtext()
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= n, 120), \
            "only %d of %d events in the JSON-lines output" % (h.count_lines(p.sink_output), n)
        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        events = p.events()
        ids = [e["id"] for e in events]
        assert len(ids) == n and len(set(ids)) == n, (len(ids), n)
        critical = {e["id"] for e in events
                    if any(a.get("severity") == "critical" for a in e.get("alerts", []))}
        assert critical and len(critical) < n, critical
        c = p.sink.final_counters()
        assert c["k.written"] == n and c["kj.written"] == n, c
        assert c["kc.written"] == len(critical), (c, critical)
        assert c["k.lost"] == 0 and c["k.dropped"] == 0, c
        # One delivery report per record, none failed (the input is ZeroMQ, so
        # every Kafka counter is the outputs').
        assert c["kafka_delivered"] == 2 * n + len(critical), c
        assert c["kafka_delivery_failed"] == 0, c

        # attache.out: every event exactly once, keyed by id, typed.
        rows = kcat_records(boot, "attache.out", "%k\t%h\t%p\t%o\n")
        keys = [r[0] for r in rows]
        assert len(keys) == n, "%d records for %d events" % (len(keys), n)
        assert sorted(keys) == sorted(ids), "keys differ from the event ids"
        assert all(r[1] == "type=attache.v1.Event" for r in rows), rows[:3]
        _, _, part, off = [r for r in rows if r[0] == "sample-ulaanbaatar-visit"][0]
        payload = subprocess.run(["kcat", "-C", "-b", boot, "-t", "attache.out", "-p", part,
                                  "-o", off, "-c", "1", "-e", "-q", "-f", "%s"],
                                 capture_output=True, check=True, timeout=60).stdout
        text = subprocess.run(["protoc", "--decode", "attache.v1.Event", "-I", PROTO_ROOT,
                               "attache/v1/attache.proto"], input=payload, capture_output=True,
                              check=True, timeout=60).stdout.decode()
        for needle in ('id: "sample-ulaanbaatar-visit"', 'code: "MNG"',
                       "status: TREATY_STATE_PARTY", 'id: "Q7747"',
                       "severity: SEVERITY_CRITICAL"):
            assert needle in text, "protoc output lacks %s:\n%s" % (needle, text)

        # attache.json: JSON lines, the id in the line equal to the key.
        rows = kcat_records(boot, "attache.json", "%k\t%h\t%s\n")
        assert len(rows) == n, len(rows)
        assert all(r[1] == "type=application/json" for r in rows), rows[:3]
        for key, _, line in rows:
            assert json.loads(line)["id"] == key, (key, line[:200])
        assert sorted(r[0] for r in rows) == sorted(ids)

        # attache.crit: only the critical events, each once.
        keys = [r[0] for r in kcat_records(boot, "attache.crit", "%k\n")]
        assert sorted(keys) == sorted(critical), (keys, critical)

        # attache run with a Kafka output: its books use a private JSONL output.
        r = subprocess.run([os.path.join(h.BIN, "attache"), "run", "--output",
                            "kafka://%s/attache.run" % boot], capture_output=True, text=True,
                           timeout=180)
        assert r.returncode == 0, r.stderr
        assert "6 of 6 items accounted for" in r.stderr, r.stderr
        keys = [r[0] for r in kcat_records(boot, "attache.run", "%k\n")]
        assert len(keys) == 6 and len(set(keys)) == 6, keys
        ok = True
        print("ok: %d events to Kafka exactly once by key (protobuf decoded by protoc, JSON "
              "lines), %d critical to the filtered output; attache run --output kafka:// "
              "accounted for 6 of 6" % (n, len(critical)))
    finally:
        if not ok and p is not None:
            for d in (p.ingest, p.enrich, p.sink):
                if d is not None:
                    print("---- %s" % d.name)
                    print(d.logtext()[-4000:])
            print("---- kafka-mock")
            print(mock.logtext()[-2000:])
        if p is not None:
            for d in (p.ingest, p.enrich, p.sink):
                if d is not None and d.proc.poll() is None:
                    d.proc.kill()
                    d.proc.wait()
        mock.stop()
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
