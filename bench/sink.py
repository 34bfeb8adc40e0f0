#!/usr/bin/python3
"""bench/sink.py: events per second into the database sinks, with the sqlite3
CLI as the anchor, in one run (results in docs/benchmarks.md, "Database
sinks").

  /usr/bin/python3 bench/sink.py --bin build/bin [--events 100000] [--repeat 3]

Needs the attache-bench-sink target (cmake --build build --target
attache-bench-sink), Debian's sqlite3 CLI, and for PostgreSQL the server
binaries (package postgresql; the server is started here, in a temporary
directory, on a unix socket, with its default durability: fsync on,
synchronous_commit on).

Per round, the same N events (distinct ids; 2 countries, 2 actors, 1
location, 2 alerts and a ~1.5 KiB JSON line each) in batches of 1,000:
  - sqlite:   at_sqlsink, as attache-sink writes (WAL, synchronous=NORMAL);
  - sqlite3:  the anchor: Debian's sqlite3 CLI running the same rows as
              plain INSERT statements, same schema, same pragmas, same
              transactions (no upsert logic: the floor for these rows);
  - postgres: at_pgsink (COPY into staging tables + set-based upsert).
Each figure is reported as wall-clock events/s and as events per CPU second
(the writer's user+system time; for PostgreSQL also the server's), because
the development VM is shared and wall time moves with its load. Median of
--repeat rounds, with the best round beside it.
"""
import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import pgserver  # noqa: E402


def parse_result(out):
    m = re.search(r"result target=(\S+) events=(\d+) wall_s=([\d.]+) cpu_s=([\d.]+)", out)
    if not m:
        raise RuntimeError("no result line in:\n" + out)
    return {"events": int(m.group(2)), "wall": float(m.group(3)), "cpu": float(m.group(4))}


def run_bench(exe, args, result=True):
    r = subprocess.run([exe] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s %s failed:\n%s" % (exe, " ".join(args), r.stderr))
    return parse_result(r.stdout) if result else None


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_anchor(schema_db, sql, work, n):
    db = os.path.join(work, "anchor.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    shutil.copy(schema_db, db)
    c0, w0 = children_cpu(), time.monotonic()
    with open(sql, "rb") as f:
        r = subprocess.run(["sqlite3", "-bail", db], stdin=f, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    wall, cpu = time.monotonic() - w0, children_cpu() - c0
    if r.returncode != 0:
        raise RuntimeError("sqlite3 failed: %s" % r.stderr.decode(errors="replace"))
    got = subprocess.run(["sqlite3", db, "SELECT count(*) FROM events"], stdout=subprocess.PIPE,
                         text=True).stdout.strip()
    if int(got) != n:
        raise RuntimeError("anchor wrote %s events, expected %d" % (got, n))
    return {"events": n, "wall": wall, "cpu": cpu}


def server_cpu(srv):
    """CPU seconds of the postmaster, its reaped children and its live ones."""
    with open(os.path.join(srv.data, "postmaster.pid")) as f:
        pm = int(f.readline())
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid = int(st[1])
        if int(pid) == pm:
            total += sum(int(x) for x in st[11:15])  # utime stime cutime cstime
        elif ppid == pm:
            total += int(st[11]) + int(st[12])
    return total / tick


def summarize(name, runs, server=None):
    n = runs[0]["events"]
    eps = [n / r["wall"] for r in runs]
    cpu = [r["cpu"] + (s if server else 0) for r, s in zip(runs, server or [0] * len(runs))]
    epc = [n / c for c in cpu if c > 0]
    return "| %s | %d | %.0f | %.0f | %.0f | %.0f |" % (
        name, n, statistics.median(eps), max(eps), statistics.median(epc), max(epc))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", action="append", default=[], help="sqlite, sqlite3 or postgres")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    exe = os.path.join(a.bin, "attache-bench-sink")
    if not os.access(exe, os.X_OK):
        sys.exit("no %s: cmake --build build --target attache-bench-sink" % exe)
    work = tempfile.mkdtemp(prefix="attache-bench-sink.")
    os.chmod(work, 0o755)  # the PostgreSQL server runs as nobody below it
    n, b = str(a.events), str(a.batch)
    load0 = os.getloadavg()

    res = {"sqlite": [], "sqlite3": [], "postgres": []}
    pg_server_cpu = []
    sql, schema = os.path.join(work, "rows.sql"), os.path.join(work, "schema.db")
    if "sqlite3" not in a.skip:
        run_bench(exe, ["--events", n, "--batch", b, "--dump-sql", sql, "--schema-db", schema],
                  result=False)
    srv = None
    why = pgserver.available()
    if "postgres" not in a.skip and why:
        print("postgres skipped: " + why, file=sys.stderr)
        a.skip.append("postgres")
    if "postgres" not in a.skip:
        srv = pgserver.Server(tmp=work, fsync=True)
    try:
        for rnd in range(a.repeat):
            if "sqlite" not in a.skip:
                db = os.path.join(work, "sink-%d.db" % rnd)
                res["sqlite"].append(run_bench(exe, ["--events", n, "--batch", b,
                                                     "--sqlite", db]))
                os.unlink(db)
            if "sqlite3" not in a.skip:
                res["sqlite3"].append(run_anchor(schema, sql, work, a.events))
            if srv:
                ci = srv.create_db("bench%d" % rnd)
                s0 = server_cpu(srv)
                res["postgres"].append(run_bench(exe, ["--events", n, "--batch", b,
                                                       "--postgres", ci]))
                srv.psql("CHECKPOINT")
                pg_server_cpu.append(server_cpu(srv) - s0)
            print("round %d: %s" % (rnd + 1, ", ".join(
                "%s %.0f/s" % (k, a.events / v[-1]["wall"]) for k, v in res.items() if v)),
                file=sys.stderr)
        pgver = srv.psql("SHOW server_version") if srv else "-"
    finally:
        if srv:
            srv.close()
    load1 = os.getloadavg()
    sqlite_ver = subprocess.run(["sqlite3", "--version"], stdout=subprocess.PIPE,
                                text=True).stdout.split()[0]
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print("Machine: %s, %d CPUs, %s; SQLite %s, PostgreSQL %s; load average %.1f at start, "
          "%.1f at end" % (cpu, os.cpu_count(), platform.platform(), sqlite_ver, pgver, load0[0],
                           load1[0]))
    print("Command: /usr/bin/python3 bench/sink.py --bin %s --events %d --batch %d --repeat %d"
          % (a.bin, a.events, a.batch, a.repeat))
    print()
    print("| target | events | events/s (median) | events/s (best) | events/CPU-s (median) "
          "| events/CPU-s (best) |")
    print("|---|---|---|---|---|---|")
    if res["sqlite"]:
        print(summarize("sqlite: at_sqlsink", res["sqlite"]))
    if res["sqlite3"]:
        print(summarize("sqlite3 CLI anchor (plain INSERTs)", res["sqlite3"]))
    if res["postgres"]:
        print(summarize("postgres: at_pgsink (client CPU only)", res["postgres"]))
        print(summarize("postgres: at_pgsink (client + server CPU)", res["postgres"],
                        pg_server_cpu))
    if a.keep:
        print("work files kept in " + work, file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
