"""Kafka interoperability with real clients:

  - kcat (Debian's, librdkafka-based but a separate program) reads
    attache.events: every record's key is the event id and its "type"
    header is attache.v1.Event;
  - a record consumed by kcat decodes with `protoc --decode attache.v1.Event`
    and carries the model case (Mongolia a party, Putin's warrant, critical);
  - the other way: a NewsItem written by `protoc --encode` and produced with
    kcat (key and type header set by hand) is enriched and written by the
    daemons like any other.
"""
import os
import shutil
import subprocess

import harness as h
import kafka_harness as k

for tool in ("kcat", "protoc"):
    if not shutil.which(tool):
        h.skip("%s is not installed (tools/deps.sh)" % tool)

PROTO = os.environ.get("ATTACHE_PROTO") or os.path.join(h.SRC, "proto/attache/v1/attache.proto")
PROTO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(PROTO)))


def protoc(mode, msg, data):
    return subprocess.run(["protoc", mode, msg, "-I", PROTO_ROOT, "attache/v1/attache.proto"],
                          input=data, capture_output=True, check=True, timeout=60).stdout


def main():
    tmp = h.scratch_dir("attache-kafka-interop.")
    p = k.KafkaPipeline(tmp, partitions=4)
    with k.running(p):
        boot = p.mock.bootstrap
        p.start_sink()
        p.start_enrich()
        sample = os.path.join(h.DATA, "samples", "news.jsonl")
        n = h.count_lines(sample)
        ing = p.start_ingest(sample)
        assert ing.wait(60) == 0, ing.logtext()
        assert p.wait_rows(n, timeout=120), "only %d of %d rows" % (p.rows(), n)

        # kcat reads every event: key = id, header type = attache.v1.Event.
        out = subprocess.run(["kcat", "-C", "-b", boot, "-t", k.EVENTS, "-e", "-q",
                              "-f", "%k\t%p\t%o\t%h\n"], capture_output=True, check=True,
                             timeout=60, text=True).stdout
        rows = [line.split("\t") for line in out.splitlines() if line]
        assert len(rows) == n, out
        assert all(r[3] == "type=attache.v1.Event" for r in rows), out
        assert set(r[0] for r in rows) == set(p.ids())
        key, part, off, _ = [r for r in rows if r[0] == "sample-ulaanbaatar-visit"][0]

        payload = subprocess.run(["kcat", "-C", "-b", boot, "-t", k.EVENTS, "-p", part, "-o", off,
                                  "-c", "1", "-e", "-q", "-f", "%s"], capture_output=True,
                                 check=True, timeout=60).stdout
        text = protoc("--decode", "attache.v1.Event", payload).decode()
        for needle in ('id: "sample-ulaanbaatar-visit"', 'code: "MNG"',
                       "status: TREATY_STATE_PARTY", 'reference_date: "2024-09-03"',
                       'id: "Q7747"', "severity: SEVERITY_CRITICAL"):
            assert needle in text, "protoc output lacks %s:\n%s" % (needle, text)

        # A NewsItem made by protoc and produced by kcat flows through.
        item = protoc("--encode", "attache.v1.NewsItem", (
            'id: "kcat-item-1" url: "https://example.org/kcat" '
            'title: "Mongolia hosts a visit" body: "Officials in Ulaanbaatar met." '
            'published: 1725345000 source: "kcat"').encode())
        path = os.path.join(tmp, "item.bin")
        with open(path, "wb") as f:
            f.write(item)
        subprocess.run(["kcat", "-P", "-b", boot, "-t", k.ITEMS, "-k", "kcat-item-1", "-H",
                        "type=attache.v1.NewsItem", path], check=True, timeout=60)
        assert p.wait_rows(n + 1, timeout=60), "the kcat-produced item did not arrive"
        assert "kcat-item-1" in p.ids()
        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        print("ok: kcat reads keyed, typed events that protoc decodes; a kcat-produced "
              "NewsItem is enriched")


if __name__ == "__main__":
    main()
