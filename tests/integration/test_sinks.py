"""attache-sink with several outputs at once, against real peers:
  - SQLite, a JSON-lines file, two PUB outputs (JSON and protobuf payloads)
    and two webhooks, all fed by one real pipeline;
  - python3-zmq subscribers that filter by alert, country and actor get
    exactly the events they asked for, each once; `attache tail` with two
    subscriptions prints the union, each event once;
  - a webhook whose receiver fails the first attempts, then accepts: every
    critical event delivered, nothing dead-lettered; a receiver that always
    fails: every alerting event in the dead-letter file;
  - a failing output (a full disk: a small tmpfs filled up, or /dev/full
    when mounting is not allowed) with on_full=drop does not stall the
    others, and its losses are counted and make the exit code 1;
  - malformed specs and unwritable paths are clear errors at --check-config
    time and from `attache run --output`;
  - SIGHUP reopens a moved output file (logrotate); a subscriber that never
    reads makes the PUB output drop, and every drop is counted.
"""
import http.server
import json
import os
import signal
import subprocess
import threading
import time

import harness as h

try:
    import zmq
except ImportError:
    h.skip("python3-zmq is not installed (apt-get install python3-zmq)")

ATTACHE = os.path.join(h.BIN, "attache")
SINK = os.path.join(h.BIN, "attache-sink")


class Receiver(http.server.BaseHTTPRequestHandler):
    """/flaky: 503 for the first two requests, then 200. /broken: 500."""
    lock = threading.Lock()
    flaky_calls = 0
    delivered = []
    broken_calls = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        cls = Receiver
        with cls.lock:
            if self.path == "/flaky":
                cls.flaky_calls += 1
                ok = cls.flaky_calls > 2
                if ok:
                    ev = json.loads(body)
                    assert self.headers["X-Attache-Event-Id"] == ev["id"]
                    assert self.headers["Content-Type"] == "application/json"
                    cls.delivered.append(ev["id"])
                code = 200 if ok else 503
            else:
                cls.broken_calls += 1
                code = 500
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def inputs(tmp):
    """The bundled sample (alerts, actors) plus 200 generated items."""
    path = os.path.join(tmp, "in.jsonl")
    h.write_jsonl(path, h.make_items(200, body_bytes=600))
    with open(os.path.join(h.DATA, "samples", "news.jsonl")) as src, open(path, "a") as dst:
        dst.write(src.read())
    return path


def keys_of(ev):
    """The subscription keys docs/sinks.md promises for an event."""
    keys = {"event."}
    for a in ev.get("alerts", []):
        keys.add("alert.%s.%s." % (a["rule"], a["severity"]))
    for c in ev.get("countries", []) + ev.get("locations", []):
        keys.add("country.%s." % c["code"])
    for a in ev.get("actors", []):
        keys.add("actor.%s." % a["id"])
    return keys


def wait_log(daemon, needle, timeout=30):
    assert h.wait_for(lambda: needle in daemon.logtext(), timeout), \
        "%s never logged %r:\n%s" % (daemon.name, needle, daemon.logtext())


def main_run(tmp):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    hook = "http://127.0.0.1:%d" % srv.server_address[1]
    pj, pp = h.free_port(), h.free_port()
    while pp == pj:
        pp = h.free_port()
    db, all_path = os.path.join(tmp, "events.db"), os.path.join(tmp, "all.jsonl")
    crit_dl, broken_dl = os.path.join(tmp, "crit.dl"), os.path.join(tmp, "broken.dl")
    sink = {
        "sink.output": "sqlite:" + db,
        "sink.outputs.all": "[fsync=always]jsonl:" + all_path,
        "sink.outputs.pubj": "[format=json]zmq+tcp://127.0.0.1:%d?bind=1&hwm=100000" % pj,
        "sink.outputs.pubp": "zmq+tcp://127.0.0.1:%d?bind=1&hwm=100000" % pp,
        "sink.outputs.crit": "[severity=critical,retries=5,backoff_ms=20,dead_letter=%s]"
                             "webhook:%s/flaky" % (crit_dl, hook),
        "sink.outputs.broken": "[rule=*,retries=2,backoff_ms=10,dead_letter=%s]"
                               "webhook:%s/broken" % (broken_dl, hook),
    }
    p = h.Pipeline(tmp=tmp, start_ingest=False, extra={"sink": sink})
    ctx = zmq.Context()
    subs = {}
    try:
        want = {"alert.warrant_exposure.critical.": None, "country.KAZ.": None,
                "actor.Q43723.": None, "alert.": None}
        for topic in want:
            s = ctx.socket(zmq.SUB)
            s.setsockopt(zmq.SUBSCRIBE, topic.encode())
            s.connect("tcp://127.0.0.1:%d" % pj)
            subs[topic] = s
        tail = subprocess.Popen([ATTACHE, "tail", "--from", "zmq+tcp://127.0.0.1:%d" % pp,
                                 "country.MNG", "country:KAZ"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for topic in want:
            wait_log(p.sink, "subscription +" + topic)
        wait_log(p.sink, "subscription +country.MNG.")

        path = inputs(tmp)
        p.start_ingest(path)
        assert p.ingest.wait(60) == 0
        n = h.count_lines(path)
        assert h.wait_for(lambda: h.count_lines(all_path) >= n, 60), "events did not all arrive"
        events = h.read_jsonl(all_path)
        assert sorted(e["id"] for e in events) == sorted(set(e["id"] for e in events))

        # Exactly what each subscriber asked for, each event once.
        got = {t: [] for t in subs}
        expect = {t: [e["id"] for e in events
                      if any(k.startswith(t) for k in keys_of(e))] for t in subs}
        # "alert." gets one message per distinct alert key of an event.
        expect_msgs = {t: sum(sum(1 for k in keys_of(e) if k.startswith(t)) for e in events)
                       for t in subs}
        poller = zmq.Poller()
        for s in subs.values():
            poller.register(s, zmq.POLLIN)
        deadline = time.time() + 30
        while time.time() < deadline and any(len(got[t]) < expect_msgs[t] for t in subs):
            for sock, _ in poller.poll(200):
                topic = [t for t, s in subs.items() if s is sock][0]
                frames = sock.recv_multipart()
                assert len(frames) == 2, frames
                assert frames[0].decode().startswith(topic)
                got[topic].append(json.loads(frames[1])["id"])
        time.sleep(0.3)  # anything extra would arrive now
        for sock, _ in poller.poll(0):
            topic = [t for t, s in subs.items() if s is sock][0]
            got[topic].append(json.loads(sock.recv_multipart()[1])["id"])
        for t in subs:
            assert expect[t], "the input has no event for %s" % t
            if t == "alert.":
                assert sorted(set(got[t])) == sorted(expect[t]), t
                assert len(got[t]) == expect_msgs[t], t
            else:
                assert sorted(got[t]) == sorted(expect[t]), \
                    "%s: got %s, want %s" % (t, sorted(got[t]), sorted(expect[t]))
        print("ok: python3-zmq subscribers: %s" % {t: len(got[t]) for t in subs})

        # attache tail: the union of its two subscriptions, each event once.
        union = [e["id"] for e in events
                 if {"country.KAZ.", "country.MNG."} & keys_of(e)]
        tail_lines = []

        def read_tail():
            for line in tail.stdout:
                tail_lines.append(json.loads(line)["id"])
        threading.Thread(target=read_tail, daemon=True).start()
        assert h.wait_for(lambda: len(tail_lines) >= len(union), 30)
        time.sleep(0.3)
        tail.terminate()
        assert tail.wait(10) == 0
        assert sorted(tail_lines) == sorted(union), (tail_lines, union)
        print("ok: attache tail country.MNG country:KAZ printed %d events, each once" %
              len(union))

        # Webhooks: delivered after the receiver's failures; dead letters.
        critical = [e["id"] for e in events
                    if any(a["severity"] == "critical" for a in e.get("alerts", []))]
        alerting = [e["id"] for e in events if e.get("alerts")]
        assert h.wait_for(lambda: len(Receiver.delivered) >= len(critical), 30)
        assert h.wait_for(lambda: h.count_lines(broken_dl) >= len(alerting), 30)
        codes = p.stop()
        assert codes == {"attache-ingest": 0, "attache-enrich": 0, "attache-sink": 0}, codes
        assert sorted(Receiver.delivered) == sorted(critical)
        assert Receiver.flaky_calls == len(critical) + 2
        assert not os.path.exists(crit_dl) or h.count_lines(crit_dl) == 0
        dls = h.read_jsonl(broken_dl)
        assert len(dls) == len(alerting)
        assert all("HTTP 500 after 3 attempts" in d["reason"] for d in dls)
        assert Receiver.broken_calls == 3 * len(alerting)
        c = p.sink.final_counters()
        assert c["received"] == n and c["rejected"] == 0 and c["lost"] == 0, c
        assert c["output.written"] == n and c["all.written"] == n, c
        assert c["pubj.written"] == n and c["pubj.dropped"] == 0, c
        assert c["crit.written"] == len(critical) and c["crit.dead_lettered"] == 0, c
        assert c["broken.dead_lettered"] == len(alerting) and c["broken.written"] == 0, c
        print("ok: webhooks: %d delivered after 2 failures, %d dead-lettered" %
              (len(critical), len(alerting)))

        import sqlite3
        con = sqlite3.connect(db)
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == n
        con.close()
    finally:
        for s in subs.values():
            s.close(0)
        ctx.term()
        srv.shutdown()
        p.stop()


def full_disk(tmp):
    """A failing output with on_full=drop does not stall the others."""
    mnt = os.path.join(tmp, "small")
    os.mkdir(mnt)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt],
                             capture_output=True).returncode == 0
    if mounted:
        # Fill it up so the first write fails, like a full /var.
        try:
            fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                while True:
                    os.write(fd, b"x" * 4096)
            except OSError:
                pass
            os.close(fd)
        except BaseException:
            subprocess.run(["umount", mnt])
            raise
        target = os.path.join(mnt, "events.jsonl")
        print("full disk: a 64 KiB tmpfs, filled")
    else:
        target = "/dev/full"
        print("full disk: cannot mount a tmpfs here; /dev/full (ENOSPC on every write)")
    ok = os.path.join(tmp, "ok.jsonl")
    try:
        p = h.Pipeline(tmp=tmp, start_ingest=False, sink_output=ok, extra={"sink": {
            "sink.outputs.disk": "[queue=2,on_full=drop,fsync=always]jsonl:" + target,
            "daemon.shutdown_timeout": "1"}})
        items = os.path.join(tmp, "few.jsonl")
        h.write_jsonl(items, h.make_items(50, body_bytes=300, prefix="fd"))
        p.start_ingest(items)
        assert p.ingest.wait(60) == 0
        assert h.wait_for(lambda: h.count_lines(ok) >= 50, 60), "the healthy output stalled"
        codes = p.stop()
        assert codes["attache-sink"] == 1, codes  # it lost events: say so
        c = p.sink.final_counters()
        assert c["output.written"] == 50, c
        assert c["disk.written"] == 0 and c["disk.failed"] >= 1, c
        assert c["disk.lost"] + c["disk.dropped"] == 50 and c["disk.dropped"] > 0, c
        assert "No space left on device" in p.sink.logtext()
        if mounted:
            size = os.path.getsize(target) if os.path.exists(target) else 0
            assert size == 0, "a partial batch was left behind (%d bytes)" % size
        print("ok: full disk: healthy output got 50, failing one dropped %d and lost %d" %
              (c["disk.dropped"], c["disk.lost"]))
    finally:
        if mounted:
            subprocess.run(["umount", mnt])


def logrotate_and_slow_subscriber(tmp):
    """SIGHUP reopens a moved output file; a subscriber that never reads
    makes the PUB output drop, every drop counted, the file untouched."""
    out, moved = os.path.join(tmp, "events.jsonl"), os.path.join(tmp, "events.jsonl.1")
    port = h.free_port()
    p = h.Pipeline(tmp=tmp, start_ingest=False, sink_output=out, extra={"sink": {
        "sink.outputs.live": "zmq+tcp://127.0.0.1:%d?bind=1&hwm=5" % port}})
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    try:
        sub.setsockopt(zmq.RCVHWM, 5)
        sub.setsockopt(zmq.RCVBUF, 4096)
        sub.setsockopt(zmq.SUBSCRIBE, b"event.")
        sub.connect("tcp://127.0.0.1:%d" % port)
        wait_log(p.sink, "subscription +event.")
        first = os.path.join(tmp, "first.jsonl")
        h.write_jsonl(first, h.make_items(300, body_bytes=5000, prefix="a"))
        p.start_ingest(first)
        assert p.ingest.wait(60) == 0
        assert h.wait_for(lambda: h.count_lines(out) >= 300, 60)
        os.rename(out, moved)  # logrotate: move, then HUP
        p.sink.signal(signal.SIGHUP)
        assert h.wait_for(lambda: os.path.exists(out), 30), "SIGHUP did not reopen the file"
        second = os.path.join(tmp, "second.jsonl")
        h.write_jsonl(second, h.make_items(20, body_bytes=500, prefix="b"))
        p.start_ingest(second)
        assert p.ingest.wait(60) == 0
        assert h.wait_for(lambda: h.count_lines(out) >= 20, 60)
        codes = p.stop()
        assert codes["attache-sink"] == 0, codes
        assert [e["id"][0] for e in h.read_jsonl(moved)] == ["a"] * 300
        assert [e["id"][0] for e in h.read_jsonl(out)] == ["b"] * 20
        c = p.sink.final_counters()
        assert c["output.written"] == 320, c
        assert c["live.dropped"] > 0, c
        assert c["live.written"] + c["live.dropped"] == 320, c
        assert c["publish_dropped"] == c["live.dropped"], c
        print("ok: SIGHUP reopened the moved file; a stalled subscriber cost %d dropped "
              "events, all counted" % c["live.dropped"])
    finally:
        sub.close(0)
        ctx.term()
        p.stop()


def check_config_errors(tmp):
    cases = [
        ("sink.output=[severity=high]-", "severity=high"),
        ("sink.output=[queue=2", "not closed"),
        ("sink.output=mysql://db/x", "unknown output scheme 'mysql:'"),
        ("sink.output=sqlite:", "needs a path"),
        ("sink.output=/nonexistent-dir/x.jsonl", "No such file or directory"),
        ("sink.output=/proc/sys/x.jsonl", "cannot create files in /proc/sys"),
        ("sink.outputs.hook=webhook:ftp://x/", "http:// or https://"),
        ("sink.outputs.pg=postgres:host=/tmp dbname='x", "postgres"),
        ("sink.outputs.k=[format=xml]kafka://127.0.0.1:9092/t", "format=xml"),
        ("sink.outputs.k=kafka://127.0.0.1:9092/bad topic", "bad topic"),
        ("sink.outputs.x=[colour=red]-", "unknown option 'colour'"),
    ]
    for setting, needle in cases:
        r = subprocess.run([SINK, "-s", setting, "--check-config"], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 1 and needle in r.stderr, (setting, r.returncode, r.stderr)
    # Two outputs on one file are refused.
    same = os.path.join(tmp, "same.jsonl")
    r = subprocess.run([SINK, "-s", "sink.output=" + same, "-s", "sink.outputs.b=jsonl:" + same,
                        "--check-config"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "both write" in r.stderr, r.stderr
    # attache run reports a bad --output before doing anything.
    r = subprocess.run([ATTACHE, "run", "--output", "-", "--output", "[severity=high]-"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "severity=high" in r.stderr, r.stderr
    print("ok: %d malformed specs and unwritable paths rejected at --check-config" %
          (len(cases) + 1))


def run_outputs(tmp):
    """`attache run --output` takes every spec, repeated."""
    db, mng = os.path.join(tmp, "run.db"), os.path.join(tmp, "mng.jsonl")
    pub = "zmq+tcp://127.0.0.1:%d?bind=1" % h.free_port()
    r = subprocess.run([ATTACHE, "run", "--output", "[rule=*]sqlite:" + db,
                        "--output", "[country=MNG]jsonl:" + mng, "--output", pub],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "6 of 6 items accounted for" in r.stderr, r.stderr
    import sqlite3
    con = sqlite3.connect(db)
    ids = sorted(x[0] for x in con.execute("SELECT id FROM events"))
    con.close()
    sample = h.read_jsonl(os.path.join(h.DATA, "samples", "news.jsonl"))
    # [rule=*]: exactly the events with an alert, as `attache enrich` tags them.
    with open(os.path.join(h.DATA, "samples", "news.jsonl"), "rb") as f:
        enriched = subprocess.run([ATTACHE, "enrich", "--data-dir", h.DATA], stdin=f,
                                  capture_output=True, timeout=60, check=True).stdout
    alerting = sorted(e["id"] for e in map(json.loads, enriched.decode().splitlines())
                      if e.get("alerts"))
    assert alerting and ids == alerting, (ids, alerting)
    got = [e["id"] for e in h.read_jsonl(mng)]
    assert got and all(any(c["code"] == "MNG" for c in e["countries"] + e["locations"])
                       for e in h.read_jsonl(mng)), got
    assert len(sample) == 6
    print("ok: attache run with three --output specs")


def main():
    run_outputs(h.scratch_dir("attache-sinks."))
    check_config_errors(h.scratch_dir("attache-sinks."))
    main_run(h.scratch_dir("attache-sinks."))
    full_disk(h.scratch_dir("attache-sinks."))
    logrotate_and_slow_subscriber(h.scratch_dir("attache-sinks."))


if __name__ == "__main__":
    main()
