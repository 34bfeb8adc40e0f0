"""Bad input on Kafka topics, written with kcat (a real client):

  - a record whose payload is not protobuf,
  - a record over the size limit (enrich.max_message_bytes / sink's),
  - a record with an unknown message type in the "type" header,
  - a record without a "type" header,

on partition 0 of attache.items (read by attache-enrich) and of
attache.events (read by attache-sink), ahead of good items. Each is
skipped with a log line, counted and dead-lettered; its offset is
committed (a fresh consumer in the group gets nothing again), so it cannot
wedge the partition, and the good items behind it flow.
"""
import os
import shutil
import subprocess

import harness as h
import kafka_harness as k

if not shutil.which("kcat"):
    h.skip("kcat is not installed (apt-get install kcat)")

GOOD = 300
LIMIT = 65536


def kcat_produce(boot, topic, path, header=None, key="bad", partition=0):
    args = ["kcat", "-P", "-b", boot, "-t", topic, "-p", str(partition), "-k", key]
    if header is not None:
        args += ["-H", header]
    args.append(path)
    subprocess.run(args, check=True, timeout=60)


def bad_records(tmp, boot, topic, good_type):
    files = {}
    for name, data in (("garbage", b"\xff\xfe this is not protobuf \x00\x01"),
                       ("big", b"\x0a" + b"x" * (LIMIT + 1000)),
                       ("unknown", b"\x0a\x03abc")):
        files[name] = os.path.join(tmp, "%s-%s.bin" % (topic, name))
        with open(files[name], "wb") as f:
            f.write(data)
    kcat_produce(boot, topic, files["garbage"], "type=" + good_type)
    kcat_produce(boot, topic, files["big"], "type=" + good_type)
    kcat_produce(boot, topic, files["unknown"], "type=attache.v1.Bogus")
    kcat_produce(boot, topic, files["unknown"], None)
    return 4


def main():
    tmp = h.scratch_dir("attache-kafka-bad.")
    p = k.KafkaPipeline(tmp, partitions=4, extra={
        "enrich": {"enrich.max_message_bytes": str(LIMIT),
                   "enrich.dead_letter": os.path.join(tmp, "enrich-dl.jsonl")},
        "sink": {"sink.max_message_bytes": str(LIMIT),
                 "sink.dead_letter": os.path.join(tmp, "sink-dl.jsonl")}})
    with k.running(p):
        nbad = bad_records(tmp, p.mock.bootstrap, k.ITEMS, "attache.v1.NewsItem")
        nbad_ev = bad_records(tmp, p.mock.bootstrap, k.EVENTS, "attache.v1.Event")
        items = h.make_items(GOOD, body_bytes=500, prefix="good")
        path = os.path.join(tmp, "items.jsonl")
        h.write_jsonl(path, items)
        p.start_sink()
        p.start_enrich()
        ing = p.start_ingest(path)
        assert ing.wait(120) == 0, ing.logtext()
        assert p.wait_rows(GOOD, timeout=120), "only %d of %d rows" % (p.rows(), GOOD)
        codes = p.stop()
        assert all(c == 0 for c in codes.values()), codes
        ce, cs = p.enriches[0].final_counters(), p.sinks[0].final_counters()
        assert ce["rejected"] == nbad and ce["oversize"] == 1, ce
        assert cs["rejected"] == nbad_ev and cs["oversize"] == 1, cs
        assert ce["kafka_acked"] == ce["received"] == GOOD + nbad, ce
        for d, dl in ((p.enriches[0], "enrich-dl.jsonl"), (p.sinks[0], "sink-dl.jsonl")):
            log = d.logtext()
            for needle in ("payload is not a valid", "over", "unexpected message type "
                           "'attache.v1.Bogus'", 'record without a "type" header'):
                assert needle in log, "%s log lacks %r:\n%s" % (d.name, needle, log)
            assert h.count_lines(os.path.join(tmp, dl)) == 4, dl
        assert {i["id"] for i in items} == set(p.ids())

        # Committed: a fresh member of each group does not see them again.
        e2, s2 = p.start_enrich(), p.start_sink()
        h.wait_for(lambda: "assigned partitions" in e2.logtext() and
                   "assigned partitions" in s2.logtext(), timeout=60)
        assert e2.stop() == 0 and s2.stop() == 0
        assert e2.final_counters()["received"] == 0, e2.logtext()
        assert s2.final_counters()["received"] == 0, s2.logtext()
        print("ok: 4 bad records on each topic skipped, counted, dead-lettered and committed; "
              "%d good items flowed" % GOOD)


if __name__ == "__main__":
    main()
