#!/usr/bin/python3
"""bench/run.py: attache's end-to-end benchmark (results in docs/benchmarks.md).

Starts the three real daemons (attache-sink, attache-enrich, attache-ingest)
as separate processes on TCP loopback, the way tests/integration/harness.py
does (sd_notify readiness over NOTIFY_SOCKET), and measures:

 1. throughput: N items (default 200,000) with ~2 KB bodies, read by ingest
    from a JSON-lines file; the clock runs from ingest's start until the
    sink's output file holds N lines. Reported two ways: "steady" (the slope
    of the sink's output between 10% and 90% of N, the pipeline's sustained
    rate) and "wall" (N over the whole interval, including ingest's start-up
    and the sink's last flush, which comes up to sink.flush_interval_ms
    after the last event: 1 s by default).
 2. latency at a steady rate (default 1,000 items/s for 20 s after a 2 s
    warm-up): ingest reads a FIFO that this script writes at that rate; a
    python3-zmq SUB client in a separate process (so the GIL does not skew
    its clock) subscribes to the sink's PUB endpoint (sink.publish). Latency
    = SUB arrival - moment before the write into the FIFO, both
    CLOCK_MONOTONIC.
 3. the raw libzmq baseline (bench/zmq_raw.c, attache-bench-zmq-raw) with
    the same framing, HWM and payload size (the mean protobuf size of the
    items used in 1), over 1 hop and over 2 hops/3 processes like attache.

Each round runs 1, 3 (1 hop and 2 hops), then 2; --repeat rounds (default 3)
give a median and a min-max spread. The summary is Markdown.

Run with Debian's /usr/bin/python3 (python3-zmq is a Debian package):

  /usr/bin/python3 bench/run.py --bin build-bench/bin
  cmake --build build-bench --target bench        # the same, via CMake

Item bodies are cut from the Wikinews articles in
../shared/data/wikinews-2019-2020/*.csv (CC BY 2.5) when present, read at
run time and never copied into the repository; otherwise generated text
is used and the summary says so.
"""
import argparse
import bisect
import calendar
import csv
import glob
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness as h  # noqa: E402  (the integration tests' daemon launcher)

DEFAULT_WIKINEWS = os.path.join(os.path.dirname(ROOT), "shared", "data", "wikinews-2019-2020")


# ---------------------------------------------------------------- items

def load_wikinews(directory):
    """[(url, date, title, text)] from the Wikinews CSVs, or [] if absent."""
    arts = []
    for path in sorted(glob.glob(os.path.join(directory, "*.csv"))):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                text = re.sub(r"[ \t]*\n[ \t\n]*\n", "\n\n", row.get("text") or "").strip()
                if len(text) > 200 and row.get("title"):
                    arts.append((row.get("url") or "", row.get("date") or "",
                                 row["title"].strip(), text))
    return arts


def generated_articles():
    """Stand-in text when the Wikinews data is missing: country names,
    capitals and actors so that enrichment does comparable work."""
    places = ["Kazakhstan", "Mongolia", "Astana", "Ulaanbaatar", "Russia", "China", "France",
              "Germany", "Brazil", "Kenya", "South Africa", "Ukraine", "the United States",
              "India", "Japan", "Nigeria", "Mexico", "Turkey", "Iran", "Egypt"]
    words = ("officials said the talks on trade energy and security would continue next week "
             "while observers noted that the delegation had arrived late and that the "
             "ministers declined to comment on the reports").split()
    arts = []
    for a in range(200):
        out = []
        for i in range(600):
            out.append(places[(a * 7 + i) % len(places)] if i % 11 == 0
                       else words[(a + i * 13) % len(words)])
        text = " ".join(out).capitalize() + "."
        arts.append(("https://news.example.org/gen/%d" % a, "2020-%02d-%02d" % (a % 12 + 1,
                     a % 28 + 1), "Generated report %d from %s" % (a, places[a % 20]), text))
    return arts


class Corpus:
    """Cuts ~body_bytes windows out of the articles, one per item."""

    def __init__(self, arts, body_bytes):
        self.arts = arts
        self.body_bytes = body_bytes
        self.text = "\n\n".join(a[3] for a in arts)
        self.starts = []
        pos = 0
        for a in arts:
            self.starts.append(pos)
            pos += len(a[3]) + 2
        self.span = max(1, len(self.text) - 2 * body_bytes)

    def item(self, prefix, i):
        off = (i * 7919) % self.span
        # Start at a word boundary; cut on characters (the text is nearly
        # all ASCII, so characters ~ bytes), then back off to a space.
        sp = self.text.find(" ", off, off + 200)
        off = sp + 1 if sp >= 0 else off
        body = self.text[off:off + self.body_bytes].encode("utf-8")[:self.body_bytes]
        body = body.decode("utf-8", "ignore")
        sp = body.rfind(" ", len(body) - 100)
        if sp > 0:
            body = body[:sp]
        a = bisect.bisect_right(self.starts, off) - 1
        url, date, title, _ = self.arts[a]
        published = (date + "T12:00:00Z") if re.match(r"^\d{4}-\d{2}-\d{2}$", date) else ""
        it = {"id": "%s-%07d" % (prefix, i), "url": "%s?bench=%d" % (url, i), "title": title,
              "body": body, "source": "wikinews-bench", "language": "en"}
        if published:
            it["published"] = published
        return it


def varint_len(v):
    n = 1
    while v >= 0x80:
        v >>= 7
        n += 1
    return n


def newsitem_pb_size(it, fetched):
    """Exact protobuf size of the attache.v1.NewsItem ingest makes of `it`
    (proto3: empty strings and zero ints are left out; all tags are 1 byte)."""
    size = 0
    for k in ("id", "url", "title", "body", "source", "language"):
        b = len(it.get(k, "").encode("utf-8"))
        if b:
            size += 1 + varint_len(b) + b
    if it.get("published"):
        ts = calendar.timegm(time.strptime(it["published"], "%Y-%m-%dT%H:%M:%SZ"))
        size += 1 + varint_len(ts)
    return size + 1 + varint_len(fetched)


def write_items(path, corpus, prefix, n):
    """Write n items as JSON lines; returns (mean body bytes, mean
    NewsItem protobuf bytes, mean JSON line bytes)."""
    body = pb = line_bytes = 0
    now = int(time.time())
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            it = corpus.item(prefix, i)
            line = json.dumps(it, ensure_ascii=False) + "\n"
            f.write(line)
            body += len(it["body"].encode("utf-8"))
            pb += newsitem_pb_size(it, now)
            line_bytes += len(line.encode("utf-8"))
    return body / n, pb / n, line_bytes / n


# ---------------------------------------------------------- processes

def start_pipeline(args, tmp, sink_output, sink_extra=None):
    """sink and enrich, ready (READY=1); ingest is started by the caller
    with start_ingest(). --set settings are applied on top."""
    extra = {name: dict(sets) for name, sets in args.sets.items()}
    extra.setdefault("sink", {}).update(sink_extra or {})
    return h.Pipeline(tmp=tmp, sink_output=sink_output, start_ingest=False, extra=extra)


def start_ingest(args, p, path):
    return p.start_ingest(path, dict(args.sets.get("ingest", {})))


def try_reap(daemon):
    """Reap a daemon that has exited, without blocking: its rusage (all its
    threads, libzmq's I/O thread included), or None while it runs. Records
    the exit code on the Popen. Popen.poll() must not be used on daemons
    whose rusage we want: it would reap them first."""
    if daemon.proc.returncode is not None:
        return getattr(daemon, "rusage", None)
    pid, status, ru = os.wait4(daemon.pid, os.WNOHANG)
    if pid != daemon.pid:
        return None
    daemon.proc.returncode = os.waitstatus_to_exitcode(status)
    daemon.log.close()
    daemon.rusage = ru
    return ru


def reap(daemon, timeout=120):
    """Wait for a daemon to exit; its rusage (see try_reap)."""
    deadline = time.time() + timeout
    while True:
        ru = try_reap(daemon)
        if ru is not None:
            return ru
        if time.time() > deadline:
            daemon.proc.kill()
            raise RuntimeError("%s did not exit" % daemon.name)
        time.sleep(0.02)


def stop_all(p):
    """SIGTERM in pipeline order; {name: rusage}."""
    out = {}
    for d in (p.ingest, p.enrich, p.sink):
        if d is None:
            continue
        if d.proc.returncode is None:
            os.kill(d.pid, signal.SIGTERM)  # not d.signal: its poll() would reap
        out[d.name] = reap(d)
    return out


def kill_all(p):
    for d in (p.ingest, p.enrich, p.sink) if p else ():
        if d is not None and d.proc.returncode is None:
            d.proc.kill()
            d.proc.wait()


def cpu_of(ru):
    return ru.ru_utime + ru.ru_stime


TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """User+system CPU seconds of a running process (all threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def system_cpu():
    """(busy, steal) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


def check_counters(p, n, what):
    ing, enr, snk = (d.final_counters() for d in (p.ingest, p.enrich, p.sink))
    problems = []
    if ing.get("sent") != n or ing.get("rejected"):
        problems.append("ingest %s" % ing)
    if enr.get("sent") != n or enr.get("rejected") or enr.get("lost"):
        problems.append("enrich %s" % enr)
    if snk.get("written") != n or snk.get("rejected"):
        problems.append("sink %s" % snk)
    if problems:
        raise RuntimeError("%s: counters do not add up to %d: %s" % (what, n, "; ".join(problems)))
    return ing, enr, snk


def wait_idle(args, what):
    """The machine may be shared (other builds and tests): wait up to
    --wait-idle seconds for a 2-second window in which less than
    --idle-cpu CPUs were busy, so that phases start on a quiet machine.
    Returns the seconds waited, or None when it never got quiet."""
    if args.wait_idle <= 0:
        return 0.0
    t0 = time.monotonic()
    while True:
        b0 = system_cpu()[0]
        time.sleep(2.0)
        if (system_cpu()[0] - b0) / 2.0 < args.idle_cpu:
            return time.monotonic() - t0
        if time.monotonic() - t0 > args.wait_idle:
            print("note: machine still busy after %ds; running %s anyway"
                  % (args.wait_idle, what), file=sys.stderr)
            return None


# ---------------------------------------------------------- throughput

def run_throughput(args, items_path, n, rundir):
    rundir = os.path.join(rundir, "throughput")
    os.makedirs(rundir)
    out = os.path.join(rundir, "events.jsonl")
    p = None
    try:
        p = start_pipeline(args, rundir, out)
        perf = None
        if args.perf:
            # System-wide software-clock sampling (hardware counters are often
            # missing in VMs); started once sink and enrich are ready, stopped
            # when the last event is written. bench/perf_summary.py splits it
            # up by daemon and thread.
            perf = subprocess.Popen(["perf", "record", "-a", "--call-graph", args.perf_callgraph,
                                     "-e", "cpu-clock", "-F",
                                     "999", "-o", args.perf], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        self_cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        # enrich and sink spent CPU starting up (enrich loads its data):
        # only what they spend from now on counts.
        start_cpu = {d.name: proc_cpu(d.pid) for d in (p.enrich, p.sink)}
        sys0 = system_cpu()
        t0 = time.monotonic()
        start_ingest(args, p, items_path)
        samples = [(0.0, 0)]
        count = 0
        t_ingest_done = None
        deadline = t0 + args.timeout
        while not os.path.exists(out):
            time.sleep(0.005)
        with open(out, "rb") as f:
            while count < n:
                chunk = f.read(1 << 22)
                if chunk:
                    count += chunk.count(b"\n")
                    continue
                now = time.monotonic()
                samples.append((now - t0, count))
                if t_ingest_done is None and try_reap(p.ingest) is not None:
                    t_ingest_done = now - t0
                for d in (p.enrich, p.sink):
                    if try_reap(d) is not None:
                        raise RuntimeError("%s exited early:\n%s" % (d.name, d.logtext()))
                if now > deadline:
                    raise RuntimeError("only %d of %d events after %ss" % (count, n, args.timeout))
                time.sleep(args.poll_ms / 1000.0)
            t_end = time.monotonic() - t0
            samples.append((t_end, count))
        self_cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        sys1 = system_cpu()
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait()
            with open(args.perf + ".pids", "w") as f:
                for d in (p.ingest, p.enrich, p.sink):
                    f.write("%s %d\n" % (d.name, d.pid))
                f.write("bench-driver %d\n" % os.getpid())
            print("perf data in %s (pids in %s.pids)" % (args.perf, args.perf), file=sys.stderr)
        out_bytes = os.path.getsize(out)
        ru = stop_all(p)
        check_counters(p, n, "throughput")
        if p.ingest.proc.returncode != 0:
            raise RuntimeError("ingest exited with %s" % p.ingest.proc.returncode)

        def at(k):
            """(time, count) of the first sample with at least k events."""
            for t, c in samples:
                if c >= k:
                    return t, c
            return samples[-1]
        (t10, c10), (t90, c90) = at(int(0.1 * n)), at(int(0.9 * n))
        cpu = {name.replace("attache-", ""): cpu_of(r) - start_cpu.get(name, 0.0)
               for name, r in ru.items()}
        driver = cpu_of(self_cpu1) - cpu_of(self_cpu0)
        busy = sys1[0] - sys0[0]
        return {
            "items": n,
            "wall_s": t_end,
            "wall_items_per_s": n / t_end,
            "steady_items_per_s": (c90 - c10) / (t90 - t10) if t90 > t10 else n / t_end,
            "ingest_done_s": t_ingest_done,
            "first_output_s": at(1)[0],
            "cpu_s": cpu,
            "ctx_switches": {name.replace("attache-", ""): r.ru_nvcsw + r.ru_nivcsw
                             for name, r in ru.items()},
            "driver_cpu_s": driver,
            # Machine-wide busy CPU during the run, and what other processes
            # (not attache, not this driver) used of it: on a shared machine
            # that is the noise to know about. Steal = time the hypervisor
            # gave our vCPUs to someone else.
            "machine_busy_cpu_s": busy,
            "other_cpu_s": max(0.0, busy - sum(cpu.values()) - driver),
            "steal_cpu_s": sys1[1] - sys0[1],
            "cpu_capacity_s": (os.cpu_count() or 1) * t_end,
            "event_line_bytes": out_bytes / n,
        }
    finally:
        kill_all(p)
        if not args.keep and os.path.exists(out):
            os.unlink(out)


# ---------------------------------------------------------- latency

def pb_event_id(payload):
    """Field 1 (id) of an attache.v1.Event, by walking the wire format."""
    i, n = 0, len(payload)
    while i < n:
        key, i = read_varint(payload, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            _, i = read_varint(payload, i)
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        elif wt == 2:
            ln, i = read_varint(payload, i)
            if field == 1:
                return payload[i:i + ln].decode("utf-8", "replace")
            i += ln
        else:
            return None
    return None


def read_varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if c < 0x80:
            return v, i
        shift += 7


def sub_client(endpoint, outfile, end_id, timeout_s):
    """Separate process: SUB on the sink's PUB, record (id, arrival ns, size)."""
    import zmq
    ctx = zmq.Context()
    s = ctx.socket(zmq.SUB)
    s.setsockopt(zmq.RCVHWM, 1000000)
    s.setsockopt(zmq.SUBSCRIBE, b"")
    s.connect(endpoint)
    print("ready", flush=True)
    rec = []
    deadline = time.monotonic() + timeout_s
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    while time.monotonic() < deadline:
        if not poller.poll(200):
            continue
        frames = s.recv_multipart()
        t = time.monotonic_ns()
        eid = pb_event_id(frames[-1]) if len(frames) == 2 else None
        rec.append((eid, t, len(frames[-1])))
        if eid == end_id:
            break
    with open(outfile, "w") as f:
        for eid, t, ln in rec:
            f.write("%s\t%d\t%d\n" % (eid, t, ln))
    s.close(0)
    ctx.term()


def percentile(sorted_vals, q):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, int(-(-q * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


def run_latency(args, corpus, rundir):
    rundir = os.path.join(rundir, "latency")
    os.makedirs(rundir)
    fifo = os.path.join(rundir, "items.fifo")
    os.mkfifo(fifo)
    out = os.path.join(rundir, "events-latency.jsonl")
    port = h.free_port()
    endpoint = "tcp://127.0.0.1:%d" % port
    n_warm = int(args.rate * args.warmup)
    n_meas = int(args.rate * args.duration)
    lines = [json.dumps(corpus.item("lat-w", i)) + "\n" for i in range(n_warm)]
    lines += [json.dumps(corpus.item("lat", i)) + "\n" for i in range(n_meas)]
    end = corpus.item("lat-end", 0)
    end["id"] = "lat-end"
    lines.append(json.dumps(end) + "\n")
    lines = [ln.encode("utf-8") for ln in lines]
    recfile = os.path.join(rundir, "sub.tsv")
    p = sub = fd = None
    try:
        p = start_pipeline(args, rundir, out, {"sink.publish": "zmq+" + endpoint + "?bind=1"})
        sub = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--sub-client",
                                endpoint, recfile, "lat-end",
                                str(args.warmup + args.duration + 60)],
                               stdout=subprocess.PIPE, text=True)
        if sub.stdout.readline().strip() != "ready":
            raise RuntimeError("SUB client did not start")
        start_ingest(args, p, fifo)
        fd = os.open(fifo, os.O_WRONLY)  # returns once ingest has opened it
        p.notify.wait_ready(p.ingest.proc)
        daemons0 = {d.name: proc_cpu(d.pid) for d in (p.ingest, p.enrich, p.sink)}
        own0 = sum(daemons0.values()) + proc_cpu(sub.pid)
        self0 = cpu_of(resource.getrusage(resource.RUSAGE_SELF))
        sys0 = system_cpu()
        t_start = time.monotonic()
        sent = []
        period = 1e9 / args.rate
        start = time.monotonic_ns() + 20_000_000
        max_lag = 0
        for i, line in enumerate(lines):
            target = start + int(i * period)
            now = time.monotonic_ns()
            if target > now:
                time.sleep((target - now) / 1e9)
            t = time.monotonic_ns()
            max_lag = max(max_lag, t - target)
            os.write(fd, line)  # < PIPE_BUF: one atomic write per item
            sent.append(t)
        t_last_sent = time.monotonic_ns()
        daemons1 = {d.name: proc_cpu(d.pid) for d in (p.ingest, p.enrich, p.sink)}
        own1 = sum(daemons1.values()) + proc_cpu(sub.pid)
        self1 = cpu_of(resource.getrusage(resource.RUSAGE_SELF))
        sys1 = system_cpu()
        t_phase = time.monotonic() - t_start
        try:
            sub.wait(timeout=30)
        except subprocess.TimeoutExpired:
            sub.kill()
            sub.wait()
        os.close(fd)
        fd = None
        stop_all(p)
        ing, enr, snk = check_counters(p, len(lines), "latency")
        sent_at = {}
        for i, t in enumerate(sent):
            sid = "lat-w-%07d" % i if i < n_warm else ("lat-%07d" % (i - n_warm)
                                                       if i < n_warm + n_meas else "lat-end")
            sent_at[sid] = t
        lat, sizes, warm_seen, per_item = [], [], 0, []
        with open(recfile) as f:
            for row in f:
                eid, t, ln = row.rstrip("\n").split("\t")
                sizes.append(int(ln))
                if eid.startswith("lat-w-"):
                    warm_seen += 1
                elif eid.startswith("lat-") and eid != "lat-end" and eid in sent_at:
                    lat.append((int(t) - sent_at[eid]) / 1e6)
                    if args.keep:
                        per_item.append((sent_at[eid] - start, lat[-1]))
        if args.keep:
            # For looking at the tail: when (ns after start) each item was
            # written into the FIFO, and its latency in ms.
            with open(os.path.join(rundir, "latency.tsv"), "w") as f:
                for t_sent, ms in per_item:
                    f.write("%d\t%.3f\n" % (t_sent, ms))
        lat.sort()
        wall = (t_last_sent - start) / 1e9
        return {
            "rate": args.rate,
            "achieved_rate": len(lines) / wall if wall > 0 else 0,
            "measured": n_meas,
            "received": len(lat),
            "lost": n_meas - len(lat),
            "warmup_received": warm_seen,
            "publish_dropped": snk.get("publish_dropped", 0),
            "p50_ms": percentile(lat, 50),
            "p90_ms": percentile(lat, 90),
            "p99_ms": percentile(lat, 99),
            "p999_ms": percentile(lat, 99.9),
            "max_ms": lat[-1] if lat else float("nan"),
            "mean_ms": statistics.fmean(lat) if lat else float("nan"),
            "max_send_lag_ms": max_lag / 1e6,
            "event_pb_bytes": statistics.fmean(sizes) if sizes else 0,
            # As in the throughput run: what other processes used meanwhile.
            "other_cpu_s": max(0.0, sys1[0] - sys0[0] - (own1 - own0) - (self1 - self0)),
            "cpu_capacity_s": (os.cpu_count() or 1) * t_phase,
            # CPU of each daemon while items flowed, per item (start-up and
            # shutdown excluded).
            "cpu_ms_per_item": {name.replace("attache-", ""):
                                (daemons1[name] - daemons0[name]) * 1000 / len(lines)
                                for name in daemons0},
        }
    finally:
        if fd is not None:
            os.close(fd)
        if sub and sub.poll() is None:
            sub.kill()
            sub.wait()
        kill_all(p)
        for path in (out, recfile):
            if not args.keep and os.path.exists(path):
                os.unlink(path)


# ---------------------------------------------------------- raw libzmq

def run_raw(args, hops, n, size):
    cmd = [args.zmq_raw, "-H", str(hops), "-n", str(n), "-s", str(size), "-w", str(args.hwm)]
    sys0 = system_cpu()
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    sys1 = system_cpu()
    t1 = time.monotonic()
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr))
    kv = dict(tok.split("=", 1) for tok in r.stdout.split()[1:])
    out = {}
    for k, v in kv.items():
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    out["command"] = " ".join(cmd)
    own = sum(v for k, v in out.items() if k.startswith("cpu_s_"))
    out["other_cpu_s"] = max(0.0, sys1[0] - sys0[0] - own)
    out["cpu_capacity_s"] = (os.cpu_count() or 1) * (t1 - t0)
    return out


# ---------------------------------------------------------- report

def machine_info(args):
    def sh(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return ""
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        import zmq
        libzmq, pyzmq = zmq.zmq_version(), zmq.__version__
    except ImportError:
        libzmq, pyzmq = sh(["pkg-config", "--modversion", "libzmq"]), "missing"
    # The source tree the daemons were built from (from the build's
    # CMakeCache), which need not be this script's tree.
    build_type, src = "", ROOT
    cache = os.path.join(os.path.dirname(os.path.abspath(args.bin)), "CMakeCache.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            text = f.read()
        m = re.search(r"^CMAKE_BUILD_TYPE:STRING=(.*)$", text, re.M)
        build_type = m.group(1) if m else ""
        m = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", text, re.M)
        src = m.group(1) if m else src
    commit = sh(["git", "-C", src, "rev-parse", "--short", "HEAD"])
    if commit and sh(["git", "-C", src, "status", "--porcelain", "--untracked-files=no"]):
        commit += " (with uncommitted changes)"
    elif not commit and os.path.exists(os.path.join(src, ".export-rev")):
        with open(os.path.join(src, ".export-rev")) as f:
            commit = f.read().strip() + " (clean export in %s)" % src
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "memory_gb": round(mem_kb / 1048576, 1), "libzmq": libzmq, "pyzmq": pyzmq,
            "python": platform.python_version(), "build_type": build_type, "commit": commit,
            "tmp_fs": sh(["stat", "-f", "-c", "%T", args.tmp])}


def spread(vals, fmt="%.0f"):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "n/a", "n/a"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt % med, "(1 run)"
    return fmt % med, (fmt + "–" + fmt) % (min(vals), max(vals))


def report(info, inputs, rounds, args):
    L = []
    L.append("## attache end-to-end benchmark")
    L.append("")
    L.append("Machine: %d CPUs, %s, Linux %s, %.1f GB RAM; libzmq %s (python3-zmq %s), "
             "Python %s; build %s, commit %s; work files on %s (%s)."
             % (info["nproc"], info["cpu"], info["kernel"], info["memory_gb"], info["libzmq"],
                info["pyzmq"], info["python"], info["build_type"] or "?", info["commit"] or "?",
                args.tmp, info["tmp_fs"]))
    L.append("")
    L.append("Input: %d items, text %s; mean body %.0f B, mean NewsItem protobuf %.0f B, "
             "mean JSON input line %.0f B. %d round(s); figures are median and min–max."
             % (args.items, inputs["text"], inputs["body_bytes"], inputs["pb_bytes"],
                inputs["line_bytes"], len(rounds)))
    L.append("")
    if args.set:
        L.append("Daemon settings changed for this run: %s." % ", ".join(args.set))
        L.append("")
    L.append("| measure | median | spread |")
    L.append("|---|---:|---:|")

    def row(label, vals, fmt="%.0f"):
        m, s = spread(vals, fmt)
        L.append("| %s | %s | %s |" % (label, m, s))
    tp = [r["throughput"] for r in rounds if "throughput" in r]
    r1 = [r["raw1"] for r in rounds if "raw1" in r]
    r2 = [r["raw2"] for r in rounds if "raw2" in r]
    la = [r["latency"] for r in rounds if "latency" in r]
    if tp:
        row("attache e2e, items/s (steady, 10–90% of N)", [t["steady_items_per_s"] for t in tp])
        row("attache e2e, items/s (wall: ingest start → N written)",
            [t["wall_items_per_s"] for t in tp])
    if r1:
        row("raw ZeroMQ 1 hop (2 procs), msgs/s", [r["msgs_per_s"] for r in r1])
        row("raw ZeroMQ 1 hop, payload MB/s", [r["mb_per_s"] for r in r1], "%.1f")
    if r2:
        row("raw ZeroMQ 2 hops (3 procs), msgs/s", [r["msgs_per_s"] for r in r2])
        row("raw ZeroMQ 2 hops, payload MB/s", [r["mb_per_s"] for r in r2], "%.1f")
    ratios2 = [r["throughput"]["steady_items_per_s"] / r["raw2"]["msgs_per_s"]
               for r in rounds if "throughput" in r and "raw2" in r]
    ratios1 = [r["throughput"]["steady_items_per_s"] / r["raw1"]["msgs_per_s"]
               for r in rounds if "throughput" in r and "raw1" in r]
    if ratios2:
        row("ratio attache / raw 2 hops (same round)", ratios2, "%.2f")
    if ratios1:
        row("ratio attache / raw 1 hop (same round)", ratios1, "%.2f")
    if la:
        row("latency p50 at %g items/s, ms" % args.rate, [x["p50_ms"] for x in la], "%.2f")
        row("latency p90, ms", [x["p90_ms"] for x in la], "%.2f")
        row("latency p99, ms", [x["p99_ms"] for x in la], "%.2f")
        row("latency p99.9, ms", [x["p999_ms"] for x in la], "%.2f")
        row("latency max, ms", [x["max_ms"] for x in la], "%.2f")
        row("latency: items lost", [x["lost"] for x in la])
    L.append("")
    if tp:
        L.append("CPU seconds per 1,000 items in the throughput run (user+system, all threads):")
        L.append("")
        L.append("| process | median | spread |")
        L.append("|---|---:|---:|")
        for name in ("ingest", "enrich", "sink"):
            row("attache-" + name, [t["cpu_s"][name] * 1000 / t["items"] for t in tp], "%.3f")
        row("**attache total**", [sum(t["cpu_s"].values()) * 1000 / t["items"] for t in tp],
            "%.3f")
        row("(bench driver, tailing the output)",
            [t["driver_cpu_s"] * 1000 / t["items"] for t in tp], "%.3f")
        for key, lab in (("cpu_s_producer", "producer"), ("cpu_s_relay1", "relay"),
                         ("cpu_s_consumer", "consumer")):
            if r2 and key in r2[0]:
                row("raw 2 hops " + lab, [r[key] * 1000 / r["count"] for r in r2], "%.3f")
        if r2:
            row("**raw 2 hops total**",
                [sum(v for k, v in r.items() if k.startswith("cpu_s_")) * 1000 / r["count"]
                 for r in r2], "%.3f")
        L.append("")
        L.append("")
        L.append("CPU ceiling on this machine at that cost: %s items/s for attache "
                 "(nproc / CPU-seconds per item), %s msgs/s for raw 2 hops."
                 % (spread([(info["nproc"]) / (sum(t["cpu_s"].values()) / t["items"])
                            for t in tp])[0],
                    spread([info["nproc"] / (sum(v for k, v in r.items()
                                                 if k.startswith("cpu_s_")) / r["count"])
                            for r in r2])[0] if r2 else "n/a"))
        L.append("")
        t = tp[len(tp) // 2]
        L.append("Events: mean JSON line %.0f B written by the sink; ingest exited (input read, "
                 "all handed to enrich) after %.2f s; first event written after %.2f s."
                 % (t["event_line_bytes"], t["ingest_done_s"] or float("nan"),
                    t["first_output_s"]))
    L.append("")
    L.append("Other processes on the machine (CPU-seconds used by neither attache nor this "
             "driver, out of nproc x wall) during each phase, round by round:")
    L.append("")
    for i, r in enumerate(rounds):
        parts = []
        for key, label in (("throughput", "throughput"), ("raw1", "raw 1 hop"),
                           ("raw2", "raw 2 hops"), ("latency", "latency")):
            if key in r:
                parts.append("%s %.1f of %.1f" % (label, r[key]["other_cpu_s"],
                                                  r[key]["cpu_capacity_s"]))
        L.append("- round %d: %s" % (i + 1, ", ".join(parts)))
    L.append("")
    if la:
        x = la[len(la) // 2]
        L.append("Latency run: %d items at %g/s for %g s after %g s warm-up (achieved %.0f/s, "
                 "worst send lag %.2f ms); mean Event protobuf %.0f B; sink publish drops %d."
                 % (x["measured"], args.rate, args.duration, args.warmup, x["achieved_rate"],
                    x["max_send_lag_ms"], x["event_pb_bytes"], x["publish_dropped"]))
        L.append("CPU per item at that rate, ms (median): " + ", ".join(
            "%s %.3f" % (name, statistics.median(y["cpu_ms_per_item"][name] for y in la))
            for name in ("ingest", "enrich", "sink")) + " (cf. the throughput run above: "
                 "at a low rate every message pays its own thread wake-ups).")
    L.append("")
    if tp and r2:
        med = statistics.median(t["steady_items_per_s"] for t in tp)
        raw = statistics.median(r["msgs_per_s"] for r in r2)
        L.append("Targets: >= 50,000 items/s: %s (%.0f, %+.0f%%); >= 0.5 x raw 2-hop ZeroMQ: "
                 "%s (%.2f)." % ("met" if med >= 50000 else "MISSED", med,
                                 (med / 50000 - 1) * 100, "met" if med >= 0.5 * raw else "MISSED",
                                 med / raw))
    return "\n".join(L)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--sub-client":
        sub_client(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("ATTACHE_BIN",
                                                    os.path.join(ROOT, "build-bench", "bin")),
                    help="directory with attache-{ingest,enrich,sink} (default build-bench/bin)")
    ap.add_argument("--zmq-raw", help="attache-bench-zmq-raw (default: in --bin)")
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "data"),
                    help="enrich reference data (default data/)")
    ap.add_argument("--wikinews", default=DEFAULT_WIKINEWS,
                    help="directory of Wikinews CSVs for item text (default ../shared/...)")
    ap.add_argument("--items", "-n", type=int, default=200000,
                    help="items in the throughput run (default 200000)")
    ap.add_argument("--body-bytes", type=int, default=2000, help="item body size (default 2000)")
    ap.add_argument("--rate", type=float, default=1000.0,
                    help="items/s in the latency run (default 1000)")
    ap.add_argument("--duration", type=float, default=20.0,
                    help="measured seconds in the latency run (default 20)")
    ap.add_argument("--warmup", type=float, default=2.0,
                    help="unmeasured seconds before the latency run (default 2)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--hwm", type=int, default=1000, help="raw baseline HWM (default 1000)")
    ap.add_argument("--skip", action="append", default=[],
                    choices=["throughput", "latency", "raw"], help="leave a phase out")
    ap.add_argument("--tmp", default=tempfile.gettempdir(), help="work directory parent (/tmp)")
    ap.add_argument("--keep", action="store_true", help="keep work files")
    ap.add_argument("--json", help="also write every figure to this JSON file")
    ap.add_argument("--timeout", type=float, default=600, help="per-phase timeout, s")
    ap.add_argument("--write-items", metavar="PATH",
                    help="only write --items items to PATH (JSON lines, e.g. for "
                         "attache-bench-stages) and exit")
    ap.add_argument("--set", metavar="DAEMON:KEY=VALUE", action="append", default=[],
                    help="extra daemon setting for experiments, e.g. "
                         "sink:sink.flush_interval_ms=0 (repeatable; the default run uses "
                         "none: every daemon at its defaults)")
    ap.add_argument("--perf", metavar="FILE",
                    help="record `perf record -a -e cpu-clock` with call graphs into FILE "
                         "during the throughput run (use with --repeat 1, --skip latency, "
                         "--skip raw; summarise with bench/perf_summary.py FILE)")
    ap.add_argument("--perf-callgraph", default="dwarf,16384",
                    help="perf --call-graph mode (default dwarf,16384: Debian's libraries have "
                         "no frame pointers)")
    ap.add_argument("--wait-idle", type=float, default=120,
                    help="before each phase, wait up to this many seconds for the machine to "
                         "be quiet (default 120; 0 = don't wait)")
    ap.add_argument("--idle-cpu", type=float, default=0.15,
                    help="'quiet' = fewer than this many CPUs busy over 2 s (default 0.15)")
    ap.add_argument("--poll-ms", type=float, default=10, help="output polling interval")
    args = ap.parse_args()
    if args.write_items:
        arts = load_wikinews(args.wikinews) or generated_articles()
        body, pb, line = write_items(args.write_items, Corpus(arts, args.body_bytes), "bench",
                                     args.items)
        print("%d items in %s: mean body %.0f B, NewsItem protobuf %.0f B, JSON line %.0f B"
              % (args.items, args.write_items, body, pb, line))
        return 0
    args.sets = {}
    for spec in args.set:
        m = re.match(r"^(ingest|enrich|sink):([a-z_.]+)=(.*)$", spec)
        if not m:
            ap.error("--set wants DAEMON:KEY=VALUE with DAEMON ingest, enrich or sink: " + spec)
        args.sets.setdefault(m.group(1), {})[m.group(2)] = m.group(3)
    args.zmq_raw = args.zmq_raw or os.path.join(args.bin, "attache-bench-zmq-raw")
    for name in ("attache-ingest", "attache-enrich", "attache-sink"):
        if not os.access(os.path.join(args.bin, name), os.X_OK):
            ap.error("%s not found in %s (build first, or pass --bin)" % (name, args.bin))
    if "raw" not in args.skip and not os.access(args.zmq_raw, os.X_OK):
        ap.error("%s not found (cmake --build BUILD --target attache-bench-zmq-raw)"
                 % args.zmq_raw)
    h.BIN = args.bin
    h.DATA = args.data_dir

    info = machine_info(args)
    work = tempfile.mkdtemp(prefix="attache-bench.", dir=args.tmp)
    arts = load_wikinews(args.wikinews)
    if arts:
        text = "from %d Wikinews articles (%s, CC BY 2.5)" % (len(arts), args.wikinews)
    else:
        arts = generated_articles()
        text = "GENERATED (Wikinews CSVs not found in %s)" % args.wikinews
        print("note: %s" % text, file=sys.stderr)
    corpus = Corpus(arts, args.body_bytes)
    items_path = os.path.join(work, "items.jsonl")
    t = time.monotonic()
    body, pb, line = write_items(items_path, corpus, "bench", args.items)
    inputs = {"text": text, "body_bytes": body, "pb_bytes": pb, "line_bytes": line}
    print("generated %d items in %.1f s (%s)" % (args.items, time.monotonic() - t, items_path),
          file=sys.stderr)
    size = int(round(pb))

    rounds = []
    try:
        for r in range(args.repeat):
            res = {}
            rundir = os.path.join(work, "round%d" % (r + 1))
            os.makedirs(rundir)
            if "throughput" not in args.skip:
                wait_idle(args, "the throughput run")
                res["throughput"] = run_throughput(args, items_path, args.items, rundir)
                print("round %d: attache %.0f items/s steady, %.0f wall" % (
                    r + 1, res["throughput"]["steady_items_per_s"],
                    res["throughput"]["wall_items_per_s"]), file=sys.stderr)
            if "raw" not in args.skip:
                wait_idle(args, "the raw ZeroMQ runs")
                res["raw1"] = run_raw(args, 1, args.items, size)
                wait_idle(args, "the raw ZeroMQ runs")
                res["raw2"] = run_raw(args, 2, args.items, size)
                print("round %d: raw zmq %.0f msgs/s (1 hop), %.0f (2 hops)" % (
                    r + 1, res["raw1"]["msgs_per_s"], res["raw2"]["msgs_per_s"]), file=sys.stderr)
            if "latency" not in args.skip:
                wait_idle(args, "the latency run")
                res["latency"] = run_latency(args, corpus, rundir)
                print("round %d: latency p50 %.2f ms p99 %.2f ms max %.2f ms (lost %d)" % (
                    r + 1, res["latency"]["p50_ms"], res["latency"]["p99_ms"],
                    res["latency"]["max_ms"], res["latency"]["lost"]), file=sys.stderr)
            rounds.append(res)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work files kept in %s" % work, file=sys.stderr)

    print(report(info, inputs, rounds, args))
    print("\nCommand: /usr/bin/python3 bench/run.py %s" % " ".join(sys.argv[1:]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "inputs": inputs, "args": vars(args), "rounds": rounds},
                      f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
