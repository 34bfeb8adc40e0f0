#!/usr/bin/python3
"""bench/perf_summary.py: where the CPU goes in a `bench/run.py --perf` run.

Reads the perf.data written by `bench/run.py --perf FILE` (system-wide
cpu-clock samples with call chains) and FILE.pids (daemon name and pid),
and prints Markdown tables for docs/benchmarks.md:

  * the share of all CPU samples per process, split into its main thread
    and libzmq's I/O thread, and into user and kernel time;
  * per daemon, the top functions by self time (the sampled leaf), and the
    top attache functions by inclusive time (anywhere on the call chain;
    needs --call-graph dwarf, which run.py uses by default, because Debian's
    libraries are built without frame pointers).

  /usr/bin/python3 bench/perf_summary.py /tmp/attache-perf.data [--top 15]

Library frames without symbols (Debian ships them in separate -dbgsym
packages) are shown as "dso+0xoffset"; the inclusive table still charges
them to the attache function that called them.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

HEADER = re.compile(r"^(\S.*?)\s+(\d+)/(\d+)\s*$")
FRAME = re.compile(r"^\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$")


def samples(path):
    """Yield (comm, pid, tid, [(sym, dso), ...] leaf first)."""
    cmd = ["perf", "script", "-i", path, "-F", "comm,pid,tid,ip,sym,dso"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            errors="replace")
    head, frames = None, []
    for line in proc.stdout:
        if not line.strip():
            if head:
                yield head + (frames,)
            head, frames = None, []
            continue
        m = HEADER.match(line)
        if m and not line[0].isspace():
            head = (m.group(1).strip(), int(m.group(2)), int(m.group(3)))
            frames = []
            continue
        m = FRAME.match(line)
        if m and head:
            sym, dso = m.group(2), os.path.basename(m.group(3))
            if sym in ("[unknown]", ""):
                sym = "%s+?" % dso
            sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
            frames.append((sym, dso))
    if head:
        yield head + (frames,)
    proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("perf_data")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    names = {}
    with open(args.perf_data + ".pids") as f:
        for line in f:
            name, pid = line.split()
            names[int(pid)] = name

    total = 0
    by_proc = collections.Counter()
    by_thread = collections.Counter()  # (proc, main|zmq-io, user|kernel)
    self_syms = collections.defaultdict(collections.Counter)
    incl_syms = collections.defaultdict(collections.Counter)
    kernel_syms = collections.defaultdict(collections.Counter)
    for comm, pid, tid, frames in samples(args.perf_data):
        total += 1
        proc = names.get(pid, "other: " + ("idle" if pid == 0 else comm))
        by_proc[proc] += 1
        if pid not in names:
            continue
        thread = "zmq-io" if comm.startswith("ZMQbg") else "main"
        leaf_kernel = bool(frames) and frames[0][1] == "[kernel.kallsyms]"
        by_thread[(proc, thread, "kernel" if leaf_kernel else "user")] += 1
        if frames:
            sym, dso = frames[0]
            self_syms[proc]["%s (%s)" % (sym, dso)] += 1
        # Inclusive: the attache functions on the stack, plus the first
        # user-space frame under kernel time (which syscall path).
        seen = set()
        for sym, dso in frames:
            if dso.startswith("attache-") and sym not in seen:
                seen.add(sym)
                incl_syms[proc][sym] += 1
        if leaf_kernel:
            user = next((s for s, d in frames if d != "[kernel.kallsyms]"), "?")
            kernel_syms[proc]["%s -> kernel" % user] += 1

    if not total:
        print("no samples in %s" % args.perf_data)
        return 1
    print("### CPU samples by process (all CPUs, %d samples)" % total)
    print()
    print("| process | share of all samples | main thread user / kernel | "
          "ZMQ I/O thread user / kernel |")
    print("|---|---:|---:|---:|")
    for proc, n in by_proc.most_common(12):
        if proc in names.values():
            cells = []
            for th in ("main", "zmq-io"):
                u, k = by_thread[(proc, th, "user")], by_thread[(proc, th, "kernel")]
                cells.append("%.1f%% / %.1f%%" % (100.0 * u / n, 100.0 * k / n))
            print("| %s | %.1f%% | %s | %s |" % (proc, 100.0 * n / total, cells[0], cells[1]))
        else:
            print("| %s | %.1f%% | | |" % (proc, 100.0 * n / total))
    for proc in sorted(set(names.values())):
        n = by_proc[proc]
        if not n or proc == "bench-driver":
            continue
        print()
        print("### %s: %d samples (%.1f%% of all)" % (proc, n, 100.0 * n / total))
        print()
        print("| self | function (library) |")
        print("|---:|---|")
        for sym, c in self_syms[proc].most_common(args.top):
            print("| %.1f%% | %s |" % (100.0 * c / n, sym))
        print()
        print("| inclusive | attache function |")
        print("|---:|---|")
        for sym, c in incl_syms[proc].most_common(args.top):
            print("| %.1f%% | %s |" % (100.0 * c / n, sym))
        if kernel_syms[proc]:
            print()
            print("| kernel time | entered from |")
            print("|---:|---|")
            for sym, c in kernel_syms[proc].most_common(6):
                print("| %.1f%% | %s |" % (100.0 * c / n, sym))
    return 0


if __name__ == "__main__":
    sys.exit(main())
