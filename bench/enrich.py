#!/usr/bin/python3
"""bench/enrich.py: `attache enrich` against ripgrep on the same input
(results in docs/enrich-bench.md).

What it measures, all in one run:

 1. The corpus: the Wikinews articles in ../shared/data/wikinews-2019-2020
    (CC BY 2.5), one NewsItem JSON line per article, replicated with
    distinct ids until the file holds at least --mb MB (default 50). It is
    built in a temporary directory and never copied into the repository.
    Without the CSVs the script says so and exits 0 (skipped).
 2. aliases.txt: every spelling the matcher is built from, written by
    `attache data aliases DATA_DIR` (aliases.tsv, places.tsv with scope
    text, the longest_match blockers, actor_aliases.tsv).
 3. --repeat rounds (default 3). Each round runs, on the same file given as
    stdin, with stdout into a file in the same directory:
      cat                                        copy baseline (read + write)
      attache enrich --data-dir DATA_DIR          full enrichment, JSON out
      rg -o -i -w -F -f aliases.txt               the anchor: bare search
    attache and rg alternate which goes first from one round to the next.
    Per run: wall time, user+sys CPU and max RSS (os.wait4), MB/s of input
    per wall second and per CPU second. The ratio attache / rg is taken
    within each round, then the median over rounds.
 4. When attache-bench-matchers is built (vectorscan installed), it runs
    on the same aliases and corpus: at_ac against vectorscan, and a memcpy
    baseline (bench/bench_matchers.c).
 5. --rss-items (default 1,000,000) items through one `attache enrich`:
    items are article windows of at most --rss-body bytes (default 1,000)
    with distinct ids, written into its stdin by this script as it runs;
    VmRSS is read from /proc/PID/status every --rss-interval s (default
    0.5). Reported: RSS after the first 10% of items and at the end, the
    peak, and the growth in between.

The machine is shared: only ratios within one round hold. The load
average is recorded before and after every run.

  /usr/bin/python3 bench/enrich.py --bin build/bin --repeat 5
  cmake --build build --target bench-enrich       # the same, via CMake
"""
import argparse
import csv
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_WIKINEWS = os.path.join(os.path.dirname(ROOT), "shared", "data", "wikinews-2019-2020")
MB = 1 << 20
TIME = "/usr/bin/time"  # GNU time (Debian package time)


def load_articles(directory):
    """[(url, date, title, text)] from the Wikinews CSVs, or []."""
    arts = []
    for path in sorted(glob.glob(os.path.join(directory, "*.csv"))):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                text = (row.get("text") or "").strip()
                if text and row.get("title"):
                    arts.append((row.get("url") or "", row.get("date") or "",
                                 row["title"].strip(), text))
    return arts


def item_line(art, ident, body):
    url, date, title, _ = art
    it = {"id": ident, "url": url, "title": title, "body": body,
          "source": "wikinews-bench", "language": "en"}
    if re.match(r"^\d{4}-\d{2}-\d{2}$", date):
        it["published"] = date + "T12:00:00Z"
    return json.dumps(it, ensure_ascii=False) + "\n"


def build_corpus(arts, path, min_bytes):
    """Whole articles, replicated with distinct ids; returns (items, bytes)."""
    n = size = rep = 0
    with open(path, "w", encoding="utf-8") as f:
        while size < min_bytes:
            for i, a in enumerate(arts):
                line = item_line(a, "wn-r%03d-a%03d" % (rep, i), a[3])
                f.write(line)
                size += len(line.encode("utf-8"))
                n += 1
            rep += 1
    return n, size


def loadavg():
    return "%.2f %.2f %.2f" % os.getloadavg()


def timed(argv, stdin_path, stdout_path):
    """Run argv under GNU time with stdin/stdout redirected: wall, user and
    system CPU, max RSS. GNU time (a small C process) forks the command, so
    max RSS is the command's own: a child forked from this Python process
    would inherit Python's RSS high-water mark across exec."""
    tfile = stdout_path + ".time"
    with open(stdin_path, "rb") as fin, open(stdout_path, "wb") as fout:
        t0 = time.monotonic()
        p = subprocess.run([TIME, "-o", tfile, "-f", "%e %U %S %M"] + argv, stdin=fin,
                           stdout=fout, stderr=subprocess.PIPE)
        wall = time.monotonic() - t0
    with open(tfile) as f:
        last = f.read().strip().split("\n")[-1].split()
    os.unlink(tfile)
    # rg exits 1 when nothing matched; anything else non-zero is a failure.
    rc = p.returncode
    if rc not in (0, 1) or (rc == 1 and os.path.basename(argv[0]) != "rg"):
        sys.exit("bench: %s failed (%d): %s" % (argv[0], rc, p.stderr.decode()[:500]))
    user, sys_ = float(last[1]), float(last[2])
    return {"wall": wall, "cpu": user + sys_, "user": user, "sys": sys_,
            "rss_kb": int(last[3])}


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return n
            n += b.count(b"\n")


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_run(args, arts):
    """--rss-items items into one attache enrich, sampling VmRSS."""
    # Article windows: cut at a space at or before rss_body bytes.
    bodies = []
    for a in arts:
        text = a[3]
        for off in range(0, len(text), args.rss_body):
            w = text[off:off + args.rss_body]
            sp = w.rfind(" ")
            bodies.append((a, w[:sp] if sp > 0 else w))
    templates = [item_line(a, "@ID@", b).split("@ID@") for a, b in bodies]
    p = subprocess.Popen([os.path.join(args.bin, "attache"), "enrich", "--data-dir",
                          args.data_dir], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    fed = [0, 0]  # items, bytes

    def feed():
        try:
            batch = []
            for i in range(args.rss_items):
                pre, post = templates[i % len(templates)]
                line = "%srss-%07d%s" % (pre, i, post)
                batch.append(line)
                if len(batch) == 256:
                    data = "".join(batch).encode("utf-8")
                    p.stdin.write(data)
                    fed[0] = i + 1
                    fed[1] += len(data)
                    batch = []
            if batch:
                data = "".join(batch).encode("utf-8")
                p.stdin.write(data)
                fed[1] += len(data)
            fed[0] = args.rss_items
            p.stdin.close()
        except BrokenPipeError:
            pass
    t = threading.Thread(target=feed, daemon=True)
    t0 = time.monotonic()
    t.start()
    samples = []
    while True:
        r = rss_kb(p.pid)
        if r is not None:
            samples.append((time.monotonic() - t0, fed[0], r))
        if p.poll() is not None:
            break
        time.sleep(args.rss_interval)
    t.join()
    err = p.stderr.read().decode("utf-8", "replace")
    if p.returncode not in (0, None) or "rejected" in err:
        sys.exit("bench: rss run failed: %s" % err.strip()[:500])
    wall = time.monotonic() - t0
    samples = [s for s in samples if s[2] > 0]
    tenth = [s for s in samples if s[1] >= args.rss_items // 10]
    base = tenth[0][2] if tenth else samples[0][2]
    last = samples[-1][2]
    peak = max(s[2] for s in samples)
    after = max((s[2] for s in tenth), default=peak)
    return {"items": args.rss_items, "bytes": fed[1], "wall": wall, "samples": len(samples),
            "rss_first_kb": samples[0][2], "rss_at_10pct_kb": base, "rss_last_kb": last,
            "rss_peak_kb": peak, "growth_after_10pct_kb": after - base,
            "series": [(round(s[0], 2), s[1], s[2]) for s in samples]}


def spread(vals, fmt="%.2f"):
    if not vals:
        return "n/a", "n/a"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt % med, "1 run"
    return fmt % med, (fmt + "–" + fmt) % (min(vals), max(vals))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                    help="directory with the attache binary")
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "data"))
    ap.add_argument("--wikinews", default=DEFAULT_WIKINEWS)
    ap.add_argument("--rg", default=shutil.which("rg") or "rg")
    ap.add_argument("--mb", type=float, default=50, help="corpus size, MB (default 50)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rss-items", type=int, default=1000000,
                    help="items in the RSS run (0 skips it)")
    ap.add_argument("--rss-body", type=int, default=1000)
    ap.add_argument("--rss-interval", type=float, default=0.5)
    ap.add_argument("--skip-matchers", action="store_true",
                    help="do not run attache-bench-matchers even when it is built")
    ap.add_argument("--tmp", default=tempfile.gettempdir())
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--json", help="write all figures to this file")
    args = ap.parse_args()

    arts = load_articles(args.wikinews)
    if not arts:
        print("bench/enrich.py: SKIPPED: no Wikinews CSVs in %s" % args.wikinews)
        return 0
    attache = os.path.join(args.bin, "attache")
    work = tempfile.mkdtemp(prefix="attache-enrich-bench-", dir=args.tmp)
    try:
        corpus = os.path.join(work, "corpus.jsonl")
        n_items, n_bytes = build_corpus(arts, corpus, int(args.mb * MB))
        aliases = os.path.join(work, "aliases.txt")
        with open(aliases, "wb") as f:
            subprocess.run([attache, "data", "aliases", args.data_dir], stdout=f, check=True)
        n_aliases = count_lines(aliases)
        rg_version = subprocess.run([args.rg, "--version"], capture_output=True,
                                    text=True).stdout.split("\n")[0]
        cmds = {
            "cat": ["cat"],
            "attache": [attache, "enrich", "--data-dir", args.data_dir],
            "rg": [args.rg, "-o", "-i", "-w", "-F", "-f", aliases],
        }
        info = {"cpu": "", "nproc": os.cpu_count(), "kernel": platform.release(),
                "rg": rg_version, "items": n_items, "bytes": n_bytes, "aliases": n_aliases,
                "load_start": loadavg()}
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        empty = os.path.join(work, "empty.jsonl")
        open(empty, "w").close()
        rounds = []
        for r in range(args.repeat):
            order = ["cat", "attache", "rg"] if r % 2 == 0 else ["cat", "rg", "attache"]
            res = {"order": order}
            for name in order:
                la = loadavg()
                out = os.path.join(work, "out." + name)
                m = timed(cmds[name], corpus, out)
                m["load_before"] = la
                m["lines_out"] = count_lines(out)
                m["mb_s_wall"] = n_bytes / MB / m["wall"]
                m["mb_s_cpu"] = n_bytes / MB / m["cpu"] if m["cpu"] > 0 else None
                os.unlink(out)
                res[name] = m
                print("round %d %-7s wall %6.2f s  cpu %6.2f s  rss %7.1f MB  out %d lines"
                      "  (load %s)" % (r + 1, name, m["wall"], m["cpu"], m["rss_kb"] / 1024,
                                       m["lines_out"], la), file=sys.stderr)
            # Fixed costs: the same commands on empty input (attache: data
            # load and automaton build; rg: compiling the alias list).
            for name in ("attache", "rg"):
                out = os.path.join(work, "out.empty")
                res[name + "_empty"] = timed(cmds[name], empty, out)
                os.unlink(out)
            res["ratio_wall"] = res["attache"]["wall"] / res["rg"]["wall"]
            res["ratio_cpu"] = res["attache"]["cpu"] / res["rg"]["cpu"]
            rounds.append(res)
        matchers = None
        mbin = os.path.join(args.bin, "attache-bench-matchers")
        if os.path.exists(mbin) and not args.skip_matchers:
            r = subprocess.run([mbin, "--repeat", str(max(3, args.repeat)), aliases, corpus],
                               capture_output=True, text=True)
            matchers = r.stdout + ("" if r.returncode == 0 else "\nFAILED: " + r.stderr)
        rss = None
        if args.rss_items > 0:
            rss = rss_run(args, arts)
            print("rss run: %d items in %.1f s, RSS %.1f MB at 10%%, %.1f MB at the end, "
                  "peak %.1f MB" % (rss["items"], rss["wall"], rss["rss_at_10pct_kb"] / 1024,
                                    rss["rss_last_kb"] / 1024, rss["rss_peak_kb"] / 1024),
                  file=sys.stderr)
        info["load_end"] = loadavg()
        report(info, rounds, rss, args)
        if matchers:
            print("\n### Matchers on the folded corpus (attache-bench-matchers)\n")
            print(matchers.strip())
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"info": info, "rounds": rounds, "rss": rss, "matchers": matchers}, f,
                          indent=1)
    finally:
        if args.keep:
            print("work files kept in %s" % work, file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def report(info, rounds, rss, args):
    L = ["## attache enrich vs ripgrep", ""]
    L.append("Machine: %d CPUs, %s, Linux %s; %s; load average %s at start, %s at end."
             % (info["nproc"], info["cpu"], info["kernel"], info["rg"], info["load_start"],
                info["load_end"]))
    L.append("")
    L.append("Corpus: %d NewsItem JSON lines, %.1f MB (Wikinews articles, replicated); "
             "%d aliases. %d round(s): median and min–max."
             % (info["items"], info["bytes"] / MB, info["aliases"], len(rounds)))
    L.append("")
    L.append("| run | wall s | CPU s (user+sys) | MB/s (wall) | MB/s (CPU) | max RSS MB "
             "| lines out |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for name, label in (("cat", "`cat` (copy baseline)"), ("attache", "**attache enrich**"),
                        ("rg", "`rg -o -i -w -F -f aliases.txt`")):
        ms = [r[name] for r in rounds]
        cells = [label]
        for key, fmt in (("wall", "%.2f"), ("cpu", "%.2f"), ("mb_s_wall", "%.0f"),
                         ("mb_s_cpu", "%.0f")):
            m, s = spread([x[key] for x in ms if x[key] is not None], fmt)
            cells.append("%s (%s)" % (m, s))
        m, s = spread([x["rss_kb"] / 1024 for x in ms], "%.1f")
        cells.append("%s (%s)" % (m, s))
        cells.append("%d" % ms[0]["lines_out"])
        L.append("| " + " | ".join(cells) + " |")
    for name, label in (("attache_empty", "attache enrich, empty input (start-up, data load)"),
                        ("rg_empty", "rg, empty input (start-up, pattern compile)")):
        ms = [r[name] for r in rounds]
        cells = [label]
        for key, fmt in (("wall", "%.2f"), ("cpu", "%.2f")):
            m, s = spread([x[key] for x in ms], fmt)
            cells.append("%s (%s)" % (m, s))
        m, s = spread([x["rss_kb"] / 1024 for x in ms], "%.1f")
        cells += ["", "", "%s (%s)" % (m, s), "0"]
        L.append("| " + " | ".join(cells) + " |")
    L.append("")
    m, s = spread([r["ratio_wall"] for r in rounds])
    L.append("Ratio attache / rg, same round: **wall %s** (%s); " % (m, s))
    m, s = spread([r["ratio_cpu"] for r in rounds])
    L[-1] += "**CPU %s** (%s). Target: ≤ 1." % (m, s)
    if rss:
        L.append("")
        L.append("RSS run: %d items (bodies ≤ %d B, %.0f MB of input) in %.1f s wall; VmRSS "
                 "every %.1f s (%d samples): %.1f MB at the first sample, %.1f MB at 10%% of "
                 "the items, %.1f MB at the end, peak %.1f MB; growth after 10%%: %+d kB."
                 % (rss["items"], args.rss_body, rss["bytes"] / MB, rss["wall"],
                    args.rss_interval, rss["samples"], rss["rss_first_kb"] / 1024,
                    rss["rss_at_10pct_kb"] / 1024, rss["rss_last_kb"] / 1024,
                    rss["rss_peak_kb"] / 1024, rss["growth_after_10pct_kb"]))
    print("\n".join(L))


if __name__ == "__main__":
    sys.exit(main())
