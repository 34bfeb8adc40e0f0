"""Test harness: start the real attache daemons as processes on loopback.

Readiness is taken from the sd_notify protocol, exactly as systemd sees
it: each daemon gets NOTIFY_SOCKET pointing at a datagram socket owned by
the test, and a daemon counts as started only after it sent READY=1.
Final counters are parsed from the daemon's "final: a=1 b=2" log line.

Scratch directories (scratch_dir) are removed when the test process exits
cleanly, and kept, with their paths printed, when it fails or when
ATTACHE_KEEP_TMP is set, so a failure can be inspected. A full ctest run
writes about 1.5 GB of logs, queues and databases into them.
"""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("ATTACHE_BIN", "")
SRC = os.environ.get("ATTACHE_SOURCE_DIR", "")
DATA = os.environ.get("ATTACHE_DATA_DIR", os.path.join(SRC, "data"))


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


_scratch = []
_failed = []


def scratch_dir(prefix="attache-it."):
    """A new temporary directory, removed at exit unless the test failed."""
    d = tempfile.mkdtemp(prefix=prefix)
    _scratch.append(d)
    return d


def _note_failure(etype, value, tb):
    _failed.append(etype)
    _prev_excepthook(etype, value, tb)


def _remove_scratch():
    if not _scratch:
        return
    if _failed or os.environ.get("ATTACHE_KEEP_TMP"):
        print("scratch directories kept: " + " ".join(_scratch), file=sys.stderr)
        return
    for d in _scratch:
        shutil.rmtree(d, ignore_errors=True)


_prev_excepthook = sys.excepthook
sys.excepthook = _note_failure
atexit.register(_remove_scratch)


def merge(*dicts):
    """Later dicts override earlier ones; None entries are skipped."""
    out = {}
    for d in dicts:
        out.update(d or {})
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Notify:
    """The datagram socket daemons report READY/STATUS to."""

    def __init__(self, tmp):
        self.path = os.path.join(tmp, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.messages = []  # (pid or None, text)

    def poll(self):
        while True:
            try:
                data = self.sock.recv(65536).decode("utf-8", "replace")
            except socket.timeout:
                return
            m = re.search(r"MAINPID=(\d+)", data)
            self.messages.append((int(m.group(1)) if m else None, data))

    def wait_ready(self, proc, timeout=20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.poll()
            for pid, text in self.messages:
                if pid == proc.pid and "READY=1" in text:
                    return
            if proc.poll() is not None:
                raise RuntimeError("daemon exited with %s before READY" % proc.returncode)
        raise RuntimeError("daemon not ready within %ss" % timeout)


class Daemon:
    def __init__(self, name, sets, notify, tmp, stdin=None, stdout=None):
        self.name = name
        self.log_path = os.path.join(tmp, name + ".log")
        self.log = open(self.log_path, "w")
        args = [os.path.join(BIN, name)]
        for k, v in sets.items():
            args += ["-s", "%s=%s" % (k, v)]
        env = dict(os.environ, NOTIFY_SOCKET=notify.path)
        self.proc = subprocess.Popen(args, stdin=stdin, stdout=stdout or subprocess.DEVNULL,
                                     stderr=self.log, env=env)
        self.pid = self.proc.pid

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout=60):
        rc = self.proc.wait(timeout=timeout)
        self.log.close()
        return rc

    def stop(self, timeout=60):
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def logtext(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def final_counters(self):
        m = re.findall(r"final: (.*)", self.logtext())
        if not m:
            raise AssertionError("%s wrote no final counters:\n%s" % (self.name, self.logtext()))
        return {k: int(v) for k, v in (kv.split("=") for kv in m[-1].split())}


class Pipeline:
    """sink <- enrich <- ingest over loopback TCP, started in that order."""

    def __init__(self, tmp=None, ingest_input=None, sink_output=None, extra=None,
                 ingest_stdin=None, log_level="info", start_ingest=True):
        self.tmp = tmp or scratch_dir()
        self.notify = Notify(self.tmp)
        self.p_enrich, self.p_sink = free_port(), free_port()
        while self.p_sink == self.p_enrich:
            self.p_sink = free_port()
        self.sink_output = sink_output or os.path.join(self.tmp, "events.jsonl")
        extra = extra or {}
        common = {"log.level": log_level, "daemon.stats_interval": "0"}
        self.enrich_in = "zmq+tcp://127.0.0.1:%d" % self.p_enrich
        self.sink_in = "zmq+tcp://127.0.0.1:%d" % self.p_sink
        self.sink = Daemon("attache-sink", merge(common, {
            "sink.input": self.sink_in + "?bind=1",
            "sink.output": self.sink_output}, extra.get("sink")), self.notify, self.tmp)
        self.notify.wait_ready(self.sink.proc)
        self.enrich = Daemon("attache-enrich", merge(common, {
            "enrich.input": self.enrich_in + "?bind=1",
            "enrich.output": self.sink_in,
            "enrich.data_dir": DATA}, extra.get("enrich")), self.notify, self.tmp)
        self.notify.wait_ready(self.enrich.proc)
        self.ingest = None
        if start_ingest:
            self.start_ingest(ingest_input, extra.get("ingest", {}), ingest_stdin, common)

    def start_ingest(self, ingest_input, sets=None, stdin=None, common=None):
        common = common or {"log.level": "info", "daemon.stats_interval": "0"}
        self.ingest = Daemon("attache-ingest", merge(common, {
            "ingest.input": ingest_input or "-",
            "ingest.output": self.enrich_in}, sets), self.notify, self.tmp, stdin=stdin)
        return self.ingest

    def stop(self):
        """Stop in pipeline order; return the exit codes."""
        codes = {}
        for d in (self.ingest, self.enrich, self.sink):
            if d is not None:
                codes[d.name] = d.stop()
        return codes

    def events(self):
        return read_jsonl(self.sink_output)


def read_jsonl(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            # The sink may be mid-write: a last line without its newline is
            # not complete yet, so it is left for the next read.
            if not line.endswith("\n"):
                break
            out.append(json.loads(line))
    return out


def count_lines(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def wait_for(pred, timeout=60.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def make_items(n, body_bytes=2000, prefix="it"):
    """n distinct items with ~body_bytes bodies; bodies mention countries so
    enrichment does real work."""
    filler = ("Officials in Astana and Ulaanbaatar discussed trade with Russian and "
              "Chinese delegations while observers from the United Kingdom watched. ")
    items = []
    for i in range(n):
        body = ("Item %d. " % i + filler * (body_bytes // len(filler) + 1))[:body_bytes]
        items.append({
            "id": "%s-%06d" % (prefix, i),
            "url": "https://news.example.org/%s/%d" % (prefix, i),
            "title": "Test item %d about Kazakhstan and Mongolia" % i,
            "body": body,
            "published": "2024-07-03T10:00:00Z",
            "source": "harness",
        })
    return items


def write_jsonl(path, items):
    with open(path, "w", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")


def write_items(tmp, n, body_bytes=2000, prefix="it"):
    """make_items(n, ...) written to tmp/items.jsonl; returns (items, path)."""
    items = make_items(n, body_bytes=body_bytes, prefix=prefix)
    path = os.path.join(tmp, "items.jsonl")
    write_jsonl(path, items)
    return items, path
