"""The `attache` CLI and the daemons' command lines.

  - `attache run` with no input runs the bundled sample and exits 0;
  - `attache run --input - --output -` works as a pipe;
  - `attache run` counts rejected lines and still exits 0;
  - `attache run --output sqlite:PATH` twice leaves one row per event;
  - `attache enrich` gets the model case right: Putin in Astana (Kazakhstan,
    not a party: info) versus Ulaanbaatar (Mongolia, a party: critical);
  - every daemon has --help, --version, --check-config; a bad config fails
    with file:line;
  - numbers in option arguments are parsed strictly (exit 2, one line).
"""
import json
import os
import subprocess

import harness as h

ATTACHE = os.path.join(h.BIN, "attache")
SAMPLE = os.path.join(h.DATA, "samples", "news.jsonl")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, timeout=120, **kw)


def test_run_sample(tmp):
    out = os.path.join(tmp, "sample-events.jsonl")
    r = run([ATTACHE, "run", "--output", out])
    assert r.returncode == 0, r.stderr.decode()
    err = r.stderr.decode()
    n = h.count_lines(SAMPLE)
    assert "%d of %d items accounted for" % (n, n) in err, err
    assert h.count_lines(out) == n


def test_run_sqlite_idempotent(tmp):
    """`attache run --output sqlite:PATH` twice: the same events, one row each."""
    import sqlite3
    db = os.path.join(tmp, "events.db")
    for _ in range(2):
        r = run([ATTACHE, "run", "--output", "sqlite:" + db])
        assert r.returncode == 0, r.stderr.decode()
    c = sqlite3.connect(db)
    n = h.count_lines(SAMPLE)
    assert c.execute("SELECT count(*) FROM events").fetchone()[0] == n
    rows = c.execute("SELECT a.country, a.severity FROM alerts a JOIN events e ON e.id = a.event_id"
                     " WHERE e.id = 'sample-ulaanbaatar-visit'").fetchall()
    assert rows == [("MNG", "critical")], rows
    st = c.execute("SELECT rome_statute_status FROM event_countries WHERE event_id ="
                   " 'sample-astana-arrival' AND code = 'KAZ'").fetchone()
    assert st == ("non_signatory",), st
    c.close()


def test_run_pipe_and_rejects(tmp):
    lines = [json.dumps(it) for it in h.make_items(500, body_bytes=100, prefix="cli")]
    lines.insert(10, "{not json")
    lines.insert(20, json.dumps(["array"]))
    r = run([ATTACHE, "run", "--input", "-", "--output", "-"],
            input=("\n".join(lines) + "\n").encode())
    assert r.returncode == 0, r.stderr.decode()
    events = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert len(events) == 500, len(events)
    assert "(2 rejected" in r.stderr.decode(), r.stderr.decode()


def test_enrich_model_case():
    r = run([ATTACHE, "enrich"], stdin=open(SAMPLE, "rb"))
    assert r.returncode == 0, r.stderr.decode()
    events = [json.loads(line) for line in r.stdout.decode().splitlines()]
    ids = [json.loads(line)["id"] for line in open(SAMPLE)]
    assert [e["id"] for e in events] == ids, "order must follow the input"
    ev = {e["id"]: e for e in events}

    astana = ev["sample-astana-arrival"]
    assert astana["reference_date"] == "2024-07-03"
    kaz = [c for c in astana["countries"] if c["code"] == "KAZ"][0]
    assert kaz["treaties"]["rome_statute"]["status"] == "non_signatory"
    assert [l["code"] for l in astana["locations"]][:1] == ["KAZ"], astana["locations"]
    alerts = [a for a in astana["alerts"] if a["rule"] == "warrant_exposure"]
    assert alerts and alerts[0]["severity"] == "info" and alerts[0]["country"] == "KAZ", alerts

    ub = ev["sample-ulaanbaatar-visit"]
    mng = [c for c in ub["countries"] if c["code"] == "MNG"][0]
    assert mng["treaties"]["rome_statute"]["status"] == "party"
    putin = [a for a in ub["actors"] if a["id"] == "Q7747"][0]
    assert any(r["role"] == "head_of_state" and r["country"] == "RUS" for r in putin["roles"])
    assert putin["warrants"][0]["court"] == "ICC" and putin["warrants"][0]["issued"] == "2023-03-17"
    alerts = [a for a in ub["alerts"] if a["rule"] == "warrant_exposure"]
    assert alerts and alerts[0]["severity"] == "critical" and alerts[0]["country"] == "MNG", alerts

    # Ukraine had voted but not yet deposited on 2024-08-21: still a signatory.
    kyiv = ev["sample-kyiv-rada"]
    ukr = [c for c in kyiv["countries"] if c["code"] == "UKR"][0]
    assert ukr["treaties"]["rome_statute"]["status"] == "signatory", ukr


def test_daemon_flags(tmp):
    for name in ("attache-ingest", "attache-enrich", "attache-sink"):
        exe = os.path.join(h.BIN, name)
        r = run([exe, "--help"])
        assert r.returncode == 0 and b"--check-config" in r.stdout, name
        r = run([exe, "--version"])
        assert r.returncode == 0 and name.encode() in r.stdout, name
        r = run([exe, "--help-config"])
        assert r.returncode == 0 and b"| `log.level`" in r.stdout, name
        good = os.path.join(tmp, name + ".ini")
        with open(good, "w") as f:
            f.write("[log]\nlevel = debug\n\n[daemon]\nstats_interval = 5\n")
        r = run([exe, "--config", good, "--check-config"])
        assert r.returncode == 0, r.stderr.decode()
        assert b"log.level = debug" in r.stdout
        bad = os.path.join(tmp, name + "-bad.ini")
        with open(bad, "w") as f:
            f.write("[log]\nlevel = info\n# comment\n[daemon]\nstats_intervall = 5\n")
        r = run([exe, "--config", bad, "--check-config"])
        assert r.returncode == 1, name
        assert ("%s:5: unknown key 'daemon.stats_intervall'" % bad).encode() in r.stderr, \
            r.stderr.decode()
        r = run([exe, "--set", "daemon.stats_interval=-3", "--check-config"])
        assert r.returncode == 1 and b"out of range" in r.stderr, r.stderr.decode()
        r = run([exe, "--no-such-flag"])
        assert r.returncode == 2
    r = run([os.path.join(h.BIN, "attache-ingest"), "--set", "ingest.output=kafka://x/y",
             "--check-config"])
    assert r.returncode == 0, r.stderr.decode()
    # A bad librdkafka property names file:line and librdkafka's reason.
    bad = os.path.join(tmp, "kafka-bad.ini")
    with open(bad, "w") as f:
        f.write("[log]\nlevel = info\n[kafka]\nno.such.property = 1\n")
    r = run([os.path.join(h.BIN, "attache-enrich"), "--config", bad, "--check-config"])
    assert r.returncode == 1, r.stderr.decode()
    assert ("%s:4: kafka.no.such.property = '1': No such configuration property" % bad).encode() \
        in r.stderr, r.stderr.decode()
    r = run([os.path.join(h.BIN, "attache-sink"), "--set", "kafka.linger.ms=abc",
             "--check-config"])
    assert r.returncode == 1 and b"command line: kafka.linger.ms = 'abc': Invalid value" \
        in r.stderr, r.stderr.decode()
    r = run([os.path.join(h.BIN, "attache-enrich"), "--set", "enrich.data_dir=/nonexistent",
             "--check-config"])
    assert r.returncode == 1, r.stderr.decode()
    r = run([ATTACHE, "--version"])
    assert r.returncode == 0 and b"reference data as of" in r.stdout


def test_number_options():
    """Numbers in option arguments are parsed strictly, the same way by every
    subcommand: trailing text, overflow and values below the minimum exit 2
    with one line naming the option."""
    cases = [
        (["tail", "--count", "5x"], "attache tail: --count 5x: expected a whole number >= 1"),
        (["tail", "--count", "0"], "attache tail: --count 0: expected a whole number >= 1"),
        (["decode", "--from", "zmq+tcp://127.0.0.1:1", "--count", "ten"],
         "attache decode: --count ten: expected a whole number >= 0"),
        (["run", "--timeout", "99999999999999999999"],
         "attache run: --timeout 99999999999999999999: expected a whole number >= 1"),
        (["run", "--timeout", ""], "attache run: --timeout : expected a whole number >= 1"),
        (["query", "--limit", "-1", "alerts"],
         "attache query: --limit -1: expected a whole number >= 0"),
    ]
    for args, want in cases:
        r = run([ATTACHE] + args)
        assert r.returncode == 2, (args, r.returncode, r.stderr.decode())
        assert r.stderr.decode().strip() == want, (args, r.stderr.decode())


def main():
    tmp = h.scratch_dir("attache-cli.")
    test_run_sample(tmp)
    test_run_pipe_and_rejects(tmp)
    test_run_sqlite_idempotent(tmp)
    test_enrich_model_case()
    test_daemon_flags(tmp)
    test_number_options()
    print("ok: attache run / enrich / daemon flags")


if __name__ == "__main__":
    main()
