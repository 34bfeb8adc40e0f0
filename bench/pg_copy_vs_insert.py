#!/usr/bin/python3
"""bench/pg_copy_vs_insert.py: PostgreSQL server CPU per event for the two ways
a sink can send a batch, on the same rows (docs/postgres.md, docs/benchmarks.md
"Database sinks"):

  copy:   what at_pgsink sends: COPY of the events rows into a TEMP staging
          table, INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE, DELETE of the
          old child rows, COPY of the child rows straight into their tables;
  insert: multi-row INSERT ... VALUES (...), (...) ... ON CONFLICT for the
          events, DELETE ... WHERE event_id IN (...), multi-row INSERTs for the
          children.

Both as psql scripts (batches of 1,000 events, the rows of bench/bench_sink.c
with a ~1.4 KiB json), run by psql against a server started here
(tests/integration/pgserver.py, fsync off); the figure is the backend
process's CPU, read from /proc while it runs, so psql's own parsing is not in
it. Literal values in the INSERT text are parsed by the server, as bind
parameters would be in text format.

  /usr/bin/python3 bench/pg_copy_vs_insert.py --bin build/bin [--events 20000] [--repeat 2]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
import pgserver  # noqa: E402


def generate(N, work):
    B = 1000
    codes = ["KAZ","MNG","RUS","HUN","FRA","ZAF","TJK","CHN"]
    actors = [("Q7747","Vladimir Putin"),("Q43723","Benjamin Netanyahu"),("Q57282","Xi Jinping"),("Q22686","Donald Trump"),("Q57643","Viktor Orban"),("Q3052772","Emmanuel Macron")]
    msg = "Vladimir Putin, subject of an ICC arrest warrant issued 2023-03-17, is reported in a State Party to the Rome Statute"
    def rows(i):
        id = "bench-%08d" % i
        c = [codes[(i + 3*k) % 8] for k in range(2)]
        a = [actors[(i + k) % 6] for k in range(2)]
        js = json.dumps({"id": id, "pad": "x" * 1350})
        ev = (id, "https://news.example.org/2024/09/03/putin-ulaanbaatar-visit-icc-warrant", "Putin welcomed in Ulaanbaatar despite ICC warrant", "news.example.org", 1725345000 + i, "2024-09-03", "2026-11-28", 1764300000 + i, js)
        co = [(id, c[k], "Country", 1 + k, 0, "party" if k else "non_signatory") for k in range(2)]
        ac = [(id, a[k][0], a[k][1], codes[i % 8], 2) for k in range(2)]
        lo = [(id, c[1], "Ulaanbaatar", "dateline")]
        al = [(id, "head_of_state_visit" if k else "warrant_exposure", a[0][0], c[k], "info" if k else "critical", 1 if k else 4, msg) for k in range(2)]
        return ev, co, ac, lo, al
    def cp(v): return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    def lit(v): return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
    up = ("ON CONFLICT (id) DO UPDATE SET url = excluded.url, title = excluded.title, source = excluded.source, published = excluded.published, "
          "reference_date = excluded.reference_date, data_version = excluded.data_version, enriched = excluded.enriched, json = excluded.json")
    tabs = [("event_countries", "(event_id, code, name, mentions, in_title, rome_statute_status)"), ("event_actors", "(event_id, actor_id, name, country, mentions)"),
            ("event_locations", "(event_id, code, place, basis)"), ("alerts", "(event_id, rule, actor, country, severity, severity_level, message)")]
    with open(os.path.join(work, "copy.sql"), "w") as f, open(os.path.join(work, "insert.sql"), "w") as g:
        f.write('CREATE TEMP TABLE at_stage_events (id text COLLATE "C", url text, title text, source text, published bigint, reference_date text, data_version text, enriched bigint, json text) ON COMMIT DELETE ROWS;\n')
        for b0 in range(0, N, B):
            batch = [rows(i) for i in range(b0, min(N, b0 + B))]
            f.write("BEGIN;\nCOPY at_stage_events FROM STDIN;\n")
            for r in batch: f.write("\t".join(cp(v) for v in r[0]) + "\n")
            f.write("\\.\nINSERT INTO events SELECT * FROM at_stage_events " + up + ";\n")
            for t, _ in tabs: f.write("DELETE FROM %s t USING at_stage_events s WHERE t.event_id = s.id;\n" % t)
            for k, (t, cols) in enumerate(tabs):
                f.write("COPY %s %s FROM STDIN;\n" % (t, cols))
                for r in batch:
                    for row in r[k + 1]: f.write("\t".join(cp(v) for v in row) + "\n")
                f.write("\\.\n")
            f.write("COMMIT;\n")
            g.write("BEGIN;\nINSERT INTO events VALUES " + ",".join("(" + ",".join(lit(v) for v in r[0]) + ")" for r in batch) + " " + up + ";\n")
            ids = ",".join(lit(r[0][0]) for r in batch)
            for t, _ in tabs: g.write("DELETE FROM %s WHERE event_id IN (%s);\n" % (t, ids))
            for k, (t, cols) in enumerate(tabs):
                g.write("INSERT INTO %s %s VALUES " % (t, cols) + ",".join("(" + ",".join(lit(v) for v in row) + ")" for r in batch for row in r[k + 1]) + ";\n")
            g.write("COMMIT;\n")


def backend_cpu_run(srv, ci, script):
    """Run script with psql; the backend's CPU seconds and the wall time."""
    t0 = time.monotonic()
    p = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                          ci + " application_name=copy_vs_insert", "-f", script],
                         stdout=subprocess.DEVNULL)
    pid, last = None, 0.0
    while p.poll() is None:
        if pid is None:
            out = srv.psql("SELECT pid FROM pg_stat_activity "
                           "WHERE application_name = 'copy_vs_insert'")
            pid = int(out) if out else None
        if pid:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    st = f.read().rsplit(")", 1)[1].split()
                last = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
            except OSError:
                pass
        time.sleep(0.05)
    if p.returncode != 0:
        raise RuntimeError("psql -f %s failed" % script)
    return last, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    why = pgserver.available()
    if why:
        sys.exit(why)
    work = tempfile.mkdtemp(prefix="attache-copy-vs-insert.")
    os.chmod(work, 0o755)  # the server runs as nobody below it
    generate(a.events, work)
    srv = pgserver.Server(tmp=work)
    try:
        for r in range(a.repeat):
            for v in ("copy", "insert"):
                db = "%s%d" % (v, r)
                ci = srv.create_db(db)
                # The sink's schema, then empty tables.
                subprocess.run([os.path.join(a.bin, "attache-bench-sink"), "--events", "1",
                                "--postgres", ci], stdout=subprocess.DEVNULL, check=True)
                srv.psql("TRUNCATE events, event_countries, event_actors, event_locations, "
                         "alerts", db)
                cpu, wall = backend_cpu_run(srv, ci, os.path.join(work, v + ".sql"))
                n = srv.scalar("SELECT count(*) FROM events", db)
                assert n == a.events and srv.scalar("SELECT count(*) FROM alerts", db) == 2 * n
                print("%-6s round %d: backend %.2f s CPU for %d events = %.0f us/event; "
                      "wall %.1f s" % (v, r + 1, cpu, n, cpu / n * 1e6, wall), flush=True)
    finally:
        srv.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
