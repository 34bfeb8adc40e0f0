#!/usr/bin/python3
"""attache query on a database written by the real pipeline: `attache run
--output sqlite:PATH` over the bundled sample, then each canned query
(recent alerts, events for a country or an actor, an actor's whereabouts)
as JSON lines and as a table, checked against the model case; and clear
errors, with exit codes, for a missing file, a file that is not SQLite,
another program's SQLite database, and bad arguments.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ATTACHE = os.path.join(h.BIN, "attache")


def run(*args):
    return subprocess.run([ATTACHE] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60)


def query(db, *args):
    r = run("query", "--db", db, "--json", *args)
    assert r.returncode == 0, (args, r.stderr)
    return [json.loads(l) for l in r.stdout.splitlines()]


def main():
    tmp = tempfile.mkdtemp(prefix="attache-it-query.")
    db = os.path.join(tmp, "events.db")
    r = subprocess.run([ATTACHE, "run", "--data-dir", h.DATA, "--output", "sqlite:" + db],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 0, r.stderr

    # Recent alerts, newest first; critical only for the two states parties.
    alerts = query(db, "alerts")
    assert alerts, "no alerts"
    pubs = [a["published"] for a in alerts]
    assert pubs == sorted(pubs, reverse=True), pubs
    crit = query(db, "alerts", "--min-severity", "critical")
    assert {(a["actor"], a["country"]) for a in crit} >= {("Q7747", "MNG")}, crit
    assert all(a["severity"] == "critical" for a in crit)
    assert not any(a["country"] == "KAZ" for a in crit), crit
    kaz = query(db, "alerts", "--country", "KAZ", "--actor", "Q7747")
    assert kaz and all(a["severity"] == "info" for a in kaz), kaz
    # A period: only September 2024.
    sept = query(db, "alerts", "--since", "2024-09-01", "--until", "2024-10-01")
    assert sept and all(a["published"].startswith("2024-09") for a in sept), sept
    # Relative ages: everything is younger than 100 years, nothing is younger than a minute.
    assert len(query(db, "alerts", "--since", "36500d")) == len(alerts)
    assert query(db, "alerts", "--since", "1m") == []

    # Events for a country, with its Rome Statute status as of each story.
    mng = query(db, "events", "--country", "MNG")
    assert "sample-ulaanbaatar-visit" in [e["event"] for e in mng], mng
    assert all(e["rome_statute_status"] == "party" for e in mng), mng
    kz = query(db, "events", "--country", "KAZ", "--actor", "Q7747")
    assert kz and all(e["rome_statute_status"] == "non_signatory" for e in kz), kz
    assert len(query(db, "events", "--actor", "Q7747", "--limit", "1")) == 1

    # Where Putin was, over 2024: Astana (not bound) then Ulaanbaatar (bound).
    where = query(db, "whereabouts", "--actor", "Q7747", "--since", "2024-01-01",
                  "--until", "2025-01-01")
    by = {w["country"]: w for w in where}
    assert by["KAZ"]["rome_statute_status"] == "non_signatory", where
    assert by["MNG"]["rome_statute_status"] == "party", where
    assert by["MNG"]["last"] > by["KAZ"]["last"], where
    assert "Ulaanbaatar" in by["MNG"]["places"], where
    assert query(db, "whereabouts", "--actor", "Q7747", "--since", "2030-01-01") == []

    # The table form: a header, one line per row, and a row count.
    r = run("query", "--db", "sqlite:" + db, "whereabouts", "--actor", "Q7747")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:2] == ["country", "places"], lines
    assert lines[-1] == "(%d rows)" % len(where), lines

    # --help, and clear errors.
    r = run("query", "--help")
    assert r.returncode == 0 and "whereabouts" in r.stdout
    other = os.path.join(tmp, "other.db")
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE events (x)")
    con.commit()
    con.close()
    notdb = os.path.join(tmp, "notes.txt")
    with open(notdb, "w") as f:
        f.write("hello\n" * 100)
    for args, code, want in [
        (["--db", os.path.join(tmp, "missing.db"), "alerts"], 1, "No such file or directory"),
        (["--db", notdb, "alerts"], 1, "file is not a database"),
        (["--db", other, "alerts"], 1, "not an attache event database"),
        (["--db", db, "events"], 2, "needs --country"),
        (["--db", db, "whereabouts"], 2, "needs --actor"),
        (["--db", db, "alerts", "--min-severity", "loud"], 2, "--min-severity loud"),
        (["--db", db, "alerts", "--since", "soon"], 2, "--since soon"),
        (["--db", db, "nonsense"], 2, "unknown query 'nonsense'"),
        (["alerts"], 2, "--db PATH is required"),
    ]:
        r = run("query", *args)
        assert r.returncode == code and want in r.stderr, (args, r.returncode, r.stderr)
    # A foreign file is never modified.
    con = sqlite3.connect(other)
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)  # kept when a check failed
    print("OK: %d alerts, %d critical, whereabouts %s" %
          (len(alerts), len(crit), [(w["country"], w["rome_statute_status"]) for w in where]))


if __name__ == "__main__":
    main()
