#!/usr/bin/python3
"""bench/kafka.py: attache end to end over Kafka, against kcat as the anchor
(results in docs/kafka.md, "Performance").

Both run against the same `attache kafka-mock` process (librdkafka's mock
cluster, 3 brokers, 64 partitions per topic; a fresh one for each round),
with the same ~2 KB items:

 1. attache: N items (default 20,000) with 2,000-byte bodies in a JSON-lines
    file; attache-ingest -> attache.items -> attache-enrich -> attache.events
    -> attache-sink (JSON-lines file, flushed every 200 ms). "wall": the
    clock runs from ingest's start until the sink's file holds N lines;
    "steady": the slope of the sink's output between 10% and 90% of N. CPU seconds of
    each process (and of the mock broker) are read from /proc at the end.
 2. kcat, one hop: a kcat consumer (-c N) is started on an empty topic,
    then a kcat producer sends the same N lines (the JSON items, one
    message each); the clock runs from the producer's start until the
    consumer has N messages. attache does two such hops plus the work
    (parse, protobuf, enrichment, JSON out), so "half of kcat's rate" is the
    issue's target.

  /usr/bin/python3 bench/kafka.py --bin build/bin [--items 20000] [--repeat 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness as h  # noqa: E402
import kafka_harness as k  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PARTS = 64  # the mock keeps 5 MiB per partition: room for the whole run


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except OSError:
        return float("nan")


def run_attache(tmp, path, n, mock):
    out = os.path.join(tmp, "events-%d.jsonl" % time.time_ns())
    tmp = tempfile.mkdtemp(dir=tmp)
    notify = h.Notify(tmp)
    common = h.merge({"log.level": "warn", "daemon.stats_interval": "0"}, k.FAST_GROUP)
    tag = str(time.time_ns())
    items_topic, events_topic = "b.items." + tag, "b.events." + tag
    mock.control("topic %s %d" % (items_topic, PARTS))
    mock.control("topic %s %d" % (events_topic, PARTS))
    sink = h.Daemon("attache-sink", h.merge(common, {
        "sink.input": mock.endpoint(events_topic, "bench-sink"),
        "sink.output": out, "sink.flush_interval_ms": "200"}), notify, tmp)
    notify.wait_ready(sink.proc)
    enrich = h.Daemon("attache-enrich", h.merge(common, {
        "enrich.input": mock.endpoint(items_topic, "bench-enrich"),
        "enrich.output": mock.endpoint(events_topic), "enrich.data_dir": h.DATA}), notify, tmp)
    notify.wait_ready(enrich.proc)
    # Let both groups settle so the clock measures the data path.
    h.wait_for(lambda: False, timeout=4)
    t0 = time.monotonic()
    broker0 = cpu_seconds(mock.proc.pid)
    ingest = h.Daemon("attache-ingest", h.merge(common, {
        "ingest.input": path, "ingest.output": mock.endpoint(items_topic)}), notify, tmp)
    cpu_ingest = None
    t10 = t90 = None
    while True:
        got = h.count_lines(out)
        now = time.monotonic()
        if t10 is None and got >= n // 10:
            t10 = (now, got)
        if t90 is None and got >= n * 9 // 10:
            t90 = (now, got)
        if got >= n:
            break
        if ingest.proc.poll() is None:
            cpu_ingest = cpu_seconds(ingest.pid)
        time.sleep(0.05)
        if time.monotonic() - t0 > 600:
            raise RuntimeError("attache did not finish: %d of %d" % (h.count_lines(out), n))
    elapsed = time.monotonic() - t0
    steady = (t90[1] - t10[1]) / (t90[0] - t10[0]) if t90[0] > t10[0] else float("nan")
    cpu = {"enrich": cpu_seconds(enrich.pid), "sink": cpu_seconds(sink.pid),
           "ingest": cpu_ingest, "broker": cpu_seconds(mock.proc.pid) - broker0}
    ingest.wait(60)
    for d in (enrich, sink):
        d.stop()
    return elapsed, steady, cpu


def run_kcat(tmp, path, n, mock):
    """One kcat hop: seconds until the consumer has all n messages, and the
    producer's own seconds. The consumer writes one offset per message to a
    file, so a run that loses messages says how many arrived instead of
    waiting for a count that never comes."""
    topic = "b.kcat.%d" % time.time_ns()
    mock.control("topic %s %d" % (topic, PARTS))
    got_path = os.path.join(tmp, "kcat-offsets.txt")
    with open(got_path, "w") as got:
        cons = subprocess.Popen(["kcat", "-C", "-b", mock.bootstrap, "-t", topic, "-c", str(n),
                                 "-q", "-o", "beginning", "-f", "%o\n"],
                                stdout=got, stderr=subprocess.DEVNULL)
        time.sleep(2)  # let the consumer get its partitions
        t0 = time.monotonic()
        subprocess.run(["kcat", "-P", "-b", mock.bootstrap, "-t", topic, "-l", path,
                        "-X", "enable.idempotence=true"], check=True, timeout=600)
        t_prod = time.monotonic() - t0
        try:
            cons.wait(120)
        except subprocess.TimeoutExpired:
            cons.kill()
            cons.wait()
    elapsed = time.monotonic() - t0
    with open(got_path) as got:
        received = sum(1 for _ in got)
    if received != n:
        raise SystemExit("kcat anchor: the consumer got %d of %d messages within 120 s of the "
                         "producer's end" % (received, n))
    return elapsed, t_prod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--items", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    h.BIN = os.path.abspath(a.bin)
    os.environ["ATTACHE_BIN"] = h.BIN
    if not h.DATA or not os.path.isdir(h.DATA):
        h.DATA = os.path.join(ROOT, "data")
    tmp = tempfile.mkdtemp(prefix="attache-bench-kafka.")
    path = os.path.join(tmp, "items.jsonl")
    h.write_jsonl(path, h.make_items(a.items, body_bytes=2000, prefix="b"))
    size = os.path.getsize(path) / a.items
    rates, steadies, krates, cpus = [], [], [], []
    for r in range(a.repeat):
        # A fresh mock cluster per round: it keeps every topic in memory.
        mock = k.KafkaMock(tmp, partitions=1, topics=("unused",))
        try:
            el, steady, cpu = run_attache(tmp, path, a.items, mock)
            kel, kprod = run_kcat(tmp, path, a.items, mock)
        finally:
            mock.stop()
        rates.append(a.items / el)
        steadies.append(steady)
        krates.append(a.items / kel)
        cpus.append(cpu)
        print("round %d: attache %.0f items/s wall (%.2f s), %.0f steady; kcat one hop %.0f msgs/s "
              "(producer done after %.2f s); CPU s: %s" % (
                  r + 1, a.items / el, el, steady, a.items / kel, kprod,
                  " ".join("%s=%.2f" % kv for kv in cpu.items())), flush=True)
    med, kmed = statistics.median(rates), statistics.median(krates)
    print("\n| measure | median | min-max |\n|---|---|---|")
    smed = statistics.median(steadies)
    print("| attache end to end over Kafka, wall (items/s) | %.0f | %.0f-%.0f |" % (
        med, min(rates), max(rates)))
    print("| attache end to end over Kafka, steady 10-90%% (items/s) | %.0f | %.0f-%.0f |" % (
        smed, min(steadies), max(steadies)))
    print("| kcat one hop, same payloads (msgs/s) | %.0f | %.0f-%.0f |" % (
        kmed, min(krates), max(krates)))
    print("| ratio attache wall / kcat | %.2f | |" % (med / kmed))
    print("| ratio attache steady / kcat | %.2f | |" % (smed / kmed))
    print("\n%d items of %.0f bytes (JSON line), %d rounds, %s" % (
        a.items, size, a.repeat, os.uname().release))
    last = cpus[len(cpus) // 2]
    tot = sum(v for v in last.values() if v == v)
    print("CPU per item (median round), microseconds: " + ", ".join(
        "%s %.0f" % (kk, 1e6 * v / a.items) for kk, v in last.items()) +
        ", total %.0f" % (1e6 * tot / a.items))


if __name__ == "__main__":
    main()
