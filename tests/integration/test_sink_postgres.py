#!/usr/bin/python3
"""attache-sink with sink.output = postgres:CONNINFO against a real PostgreSQL
server the test starts (tests/integration/pgserver.py):

  - the three real daemons write N items: N events with their child rows;
    feeding the same items again leaves N rows (upsert by event id);
  - the server restarts in the middle of the stream: the sink reconnects,
    resends its batch, and every event arrives once (lost=0);
  - a server that refuses the login: the sink exits non-zero at startup
    with the server's reason, and never reports READY;
  - malformed connection strings fail at --check-config, naming the problem.

Skipped (exit 77) only when the PostgreSQL server binaries are missing.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pgserver  # noqa: E402


STARTED = []  # pipelines, killed in main's finally if a check failed mid-way


def kill_leftovers():
    for p in STARTED:
        for d in (p.ingest, p.enrich, p.sink):
            if d is not None and d.proc.poll() is None:
                d.proc.kill()


def pipeline(tmp, conninfo, stdin=None, ingest_input=None):
    p = h.Pipeline(tmp=tmp, ingest_input=ingest_input, ingest_stdin=stdin,
                   sink_output="postgres:" + conninfo,
                   extra={"sink": {"sink.flush_interval_ms": "100"}})
    STARTED.append(p)
    return p


def counts(srv, db):
    return tuple(srv.scalar("SELECT count(*) FROM %s" % t, db)
                 for t in ("events", "event_countries", "event_actors", "event_locations",
                           "alerts"))


def test_write_and_replay(srv, tmp):
    db = "it_replay"
    ci = srv.create_db(db)
    n = 2000
    items = h.make_items(n, body_bytes=600, prefix="pg")
    path = os.path.join(tmp, "items.jsonl")
    h.write_jsonl(path, items)
    os.makedirs(os.path.join(tmp, "replay"))
    p = pipeline(os.path.join(tmp, "replay"), ci, ingest_input=path)
    assert p.ingest.wait() == 0
    assert h.wait_for(lambda: srv.scalar("SELECT count(*) FROM events", db) >= n, 120), \
        p.sink.logtext()
    first = counts(srv, db)
    assert first[0] == n, first
    assert first[1] == 5 * n, first  # the harness items name five countries
    # The same items again, through a fresh ingest (its dedup is per process).
    p.start_ingest(path)
    assert p.ingest.wait() == 0
    codes = p.stop()
    assert codes == {"attache-ingest": 0, "attache-enrich": 0, "attache-sink": 0}, codes
    c = p.sink.final_counters()
    assert c["written"] == 2 * n and c["lost"] == 0, c
    assert counts(srv, db) == first, (counts(srv, db), first)
    assert srv.scalar("SELECT count(DISTINCT id) FROM events", db) == n
    # The model case's columns are there and typed.
    assert srv.scalar("SELECT count(*) FROM event_countries WHERE code = 'MNG' "
                      "AND rome_statute_status = 'party'", db) == n
    assert srv.scalar("SELECT count(*) FROM events WHERE published = 1720000800", db) == n
    print("write and replay: %d events, rows %s, twice -> unchanged" % (n, first))
    return first


def test_server_restart_mid_stream(srv, tmp, expect):
    db = "it_restart"
    ci = srv.create_db(db)
    n = 2000
    items = h.make_items(n, body_bytes=600, prefix="pg")
    work = os.path.join(tmp, "restart")
    os.makedirs(work)
    p = pipeline(work, ci, stdin=subprocess.PIPE)
    lines = [(json.dumps(it) + "\n").encode() for it in items]
    half = n // 2
    p.ingest.proc.stdin.write(b"".join(lines[:half]))
    p.ingest.proc.stdin.flush()
    assert h.wait_for(lambda: srv.scalar("SELECT count(*) FROM events", db) > 0, 120)
    srv.restart("fast")  # drops every connection, the sink's too
    p.ingest.proc.stdin.write(b"".join(lines[half:]))
    p.ingest.proc.stdin.close()
    assert p.ingest.wait() == 0
    assert h.wait_for(lambda: srv.scalar("SELECT count(*) FROM events", db) >= n, 120), \
        p.sink.logtext()
    codes = p.stop()
    assert codes["attache-sink"] == 0, (codes, p.sink.logtext())
    c = p.sink.final_counters()
    assert c["received"] == n and c["written"] == n and c["lost"] == 0, c
    assert counts(srv, db) == expect, (counts(srv, db), expect)
    log = p.sink.logtext()
    assert "connected again" in log, log
    print("server restart mid-stream: %d events once each, sink reconnected" % n)


def test_auth_refused(srv, tmp):
    work = os.path.join(tmp, "auth")
    os.makedirs(work)
    notify = h.Notify(work)
    bad = srv.conninfo(user="locked", extra="password=wrong-password")
    d = h.Daemon("attache-sink", {"sink.input": "zmq+tcp://127.0.0.1:%d?bind=1" % h.free_port(),
                                  "sink.output": "postgres:" + bad}, notify, work)
    rc = d.wait(60)
    log = d.logtext()
    assert rc != 0, log
    assert "password authentication failed for user \"locked\"" in log, log
    assert "wrong-password" not in log, "the password leaked into the log:\n" + log
    notify.poll()
    assert not any(pid == d.pid and "READY=1" in t for pid, t in notify.messages)
    # With the right password it works: the refusal was about the login.
    srv.psql("CREATE DATABASE it_auth OWNER locked")
    ok = srv.conninfo(db="it_auth", user="locked", extra="password=right-password")
    d = h.Daemon("attache-sink", {"sink.input": "zmq+tcp://127.0.0.1:%d?bind=1" % h.free_port(),
                                  "sink.output": "postgres:" + ok}, notify, work)
    notify.wait_ready(d.proc, 60)
    assert d.stop() == 0, d.logtext()
    print("auth refused: exit %d, %s" % (rc, [l for l in log.splitlines() if "password" in l][0]))


def test_check_config(tmp):
    exe = os.path.join(h.BIN, "attache-sink")
    cases = [
        ("postgres:", "needs a connection string"),
        ("postgres:host=/tmp dbname", "malformed connection string"),
        ("postgres:host=/tmp colour=blue", "invalid connection option \"colour\""),
        ("postgres:postgresql://[::1", "malformed connection string"),
    ]
    for spec, want in cases:
        r = subprocess.run([exe, "-s", "sink.output=" + spec, "--check-config"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        assert r.returncode != 0, (spec, r.stderr)
        assert want in r.stderr, (spec, r.stderr)
    # A well-formed string passes --check-config without connecting.
    r = subprocess.run([exe, "-s", "sink.output=postgres:host=/nonexistent dbname=x",
                        "--check-config"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    print("check-config: %d malformed connection strings refused" % len(cases))


def main():
    why = pgserver.available()
    if why:
        h.skip(why)
    tmp = tempfile.mkdtemp(prefix="attache-it-pg.")
    test_check_config(tmp)
    srv = pgserver.Server()
    try:
        expect = test_write_and_replay(srv, tmp)
        test_server_restart_mid_stream(srv, tmp, expect)
        test_auth_refused(srv, tmp)
    except Exception:
        with open(srv.log, errors="replace") as f:
            sys.stderr.write("--- server log ---\n" + f.read()[-4000:])
        raise
    finally:
        kill_leftovers()
        srv.close()
    shutil.rmtree(tmp, ignore_errors=True)  # kept when a check failed
    print("OK")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
