#!/usr/bin/python3
"""attache-sink killed with SIGKILL in the middle of a batch, then restarted,
for both databases: sqlite:PATH and postgres:CONNINFO (a real server the
test starts; that half is skipped, saying so, without the server binaries).

The sink commits every sink.flush_interval_ms (100 ms), so while items keep
arriving it always has a batch open: for SQLite a BEGIN IMMEDIATE
transaction with rows in it, for PostgreSQL a batch rendered in memory.
The test feeds part of the stream, waits until some batches are committed,
feeds more and kills the sink while it is writing. ZeroMQ has no
acknowledgements, so what the dead sink held is gone from the pipe; the
upstream replays (a fresh ingest over the whole input, as an at-least-once
transport would). After the restart the database holds every event exactly
once, with exactly the child rows a clean run writes, and SQLite's
integrity check passes.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pgserver  # noqa: E402

N = 3000
TABLES = ("events", "event_countries", "event_actors", "event_locations", "alerts")


STARTED = []  # pipelines, killed in main's finally if a check failed mid-way


def kill_leftovers():
    for p in STARTED:
        for d in (p.ingest, p.enrich, p.sink):
            if d is not None and d.proc.poll() is None:
                d.proc.kill()


def sqlite_counter(path):
    def count(sql):
        if not os.path.exists(path):
            return 0
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
        try:
            return db.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:
            return 0  # schema not created yet
        finally:
            db.close()
    return count


def crash_and_replay(name, tmp, output, count):
    """Returns (rows per table after the replay, events before the kill)."""
    work = os.path.join(tmp, name)
    os.makedirs(work)
    items = h.make_items(N, body_bytes=600, prefix="crash")
    path = os.path.join(work, "items.jsonl")
    h.write_jsonl(path, items)
    lines = [(json.dumps(it) + "\n").encode() for it in items]
    sink_sets = {"sink.flush_interval_ms": "100"}
    p = h.Pipeline(tmp=work, ingest_stdin=subprocess.PIPE, sink_output=output,
                   extra={"sink": sink_sets})
    STARTED.append(p)
    first, second = N // 3, 2 * N // 3
    p.ingest.proc.stdin.write(b"".join(lines[:first]))
    p.ingest.proc.stdin.flush()
    assert h.wait_for(lambda: count("SELECT count(*) FROM events") > 0, 120), p.sink.logtext()
    p.ingest.proc.stdin.write(b"".join(lines[first:second]))
    p.ingest.proc.stdin.flush()
    # Kill while the second part is being written.
    assert h.wait_for(lambda: count("SELECT count(*) FROM events") > first, 120)
    p.sink.proc.send_signal(signal.SIGKILL)
    assert p.sink.wait() == -signal.SIGKILL
    before = count("SELECT count(*) FROM events")
    # At most what was fed; the last third was never sent.
    assert 0 < before <= second, before
    # The upstream stops; the sink comes back on the same endpoint.
    restarted = os.path.join(work, "restarted")
    os.makedirs(restarted)
    p.ingest.proc.stdin.close()
    assert p.ingest.wait() == 0
    p.sink = h.Daemon("attache-sink", {"log.level": "info", "daemon.stats_interval": "0",
                                       "sink.input": p.sink_in + "?bind=1",
                                       "sink.output": output, **sink_sets},
                      p.notify, restarted)
    p.notify.wait_ready(p.sink.proc, 60)
    # Replay everything (at-least-once): a fresh ingest over the whole input.
    p.start_ingest(path)
    assert p.ingest.wait() == 0
    assert h.wait_for(lambda: count("SELECT count(*) FROM events") >= N, 120), p.sink.logtext()
    codes = p.stop()
    assert codes == {"attache-ingest": 0, "attache-enrich": 0, "attache-sink": 0}, codes
    assert p.sink.final_counters()["lost"] == 0
    rows = tuple(count("SELECT count(*) FROM %s" % t) for t in TABLES)
    assert rows[0] == N, rows
    assert count("SELECT count(DISTINCT id) FROM events") == N
    # Every event has exactly the children a clean run gives it (5 countries: the harness items name KAZ, MNG, RUS, CHN, GBR).
    assert count("SELECT count(*) FROM (SELECT event_id FROM event_countries GROUP BY event_id "
                 "HAVING count(*) <> 5) x") == 0
    print("%s: killed with %d of %d events committed; after restart and replay %s" %
          (name, before, N, dict(zip(TABLES, rows))))
    return rows


def main():
    tmp = tempfile.mkdtemp(prefix="attache-it-crash.")
    db = os.path.join(tmp, "events.db")
    try:
        run_all(tmp, db)
    finally:
        kill_leftovers()


def run_all(tmp, db):
    rows = crash_and_replay("sqlite", tmp, "sqlite:" + db, sqlite_counter(db))
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert rows[1] == 5 * N, rows

    why = pgserver.available()
    if why:
        print("SKIP postgres half: " + why)
        shutil.rmtree(tmp, ignore_errors=True)
        print("OK")
        return
    srv = pgserver.Server()
    try:
        ci = srv.create_db("crash")
        pg_rows = crash_and_replay("postgres", tmp, "postgres:" + ci,
                                   lambda sql: srv.scalar(sql, "crash"))
        assert pg_rows == rows, (pg_rows, rows)
    finally:
        srv.close()
    shutil.rmtree(tmp, ignore_errors=True)  # kept when a check failed
    print("OK")


if __name__ == "__main__":
    main()
