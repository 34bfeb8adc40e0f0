"""Kafka test helpers: `attache kafka-mock` as a process of its own, and the
three daemons wired over its topics.

librdkafka's mock keeps at most 5 MiB (and 100,000 messages) per partition
and drops the oldest beyond that, like retention on a real broker. The
tests use 32 partitions, so a whole run fits and nothing is trimmed before
the consumers read it.

The mock cluster is librdkafka's (a real Kafka-protocol server on
loopback). It is controlled over its stdin ("down", "up", "errors API N
ERR"), each command answered by one line. Events go to a SQLite sink, which
writes one row per event id, so "each exactly once" is checked on the rows
and replays show up as received > written-rows.
"""
import contextlib
import os
import signal
import sqlite3
import subprocess
import time

import harness as h

ITEMS = "attache.items"
EVENTS = "attache.events"

# Short group timeouts: a consumer killed with -9 is evicted in seconds,
# not the 45 s default (these are plain kafka.* passthrough properties).
FAST_GROUP = {
    "kafka.session.timeout.ms": "6000",
    "kafka.heartbeat.interval.ms": "500",
}


class KafkaMock:
    def __init__(self, tmp, partitions=32, brokers=3, topics=(ITEMS, EVENTS)):
        self.log_path = os.path.join(tmp, "kafka-mock.log")
        self.log = open(self.log_path, "w")
        args = [os.path.join(h.BIN, "attache"), "kafka-mock", "--brokers", str(brokers),
                "--partitions", str(partitions)]
        for t in topics:
            args += ["--topic", t]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, bufsize=1)
        self.bootstrap = self.proc.stdout.readline().strip()
        if not self.bootstrap:
            raise RuntimeError("kafka-mock printed no bootstrap servers:\n" + self.logtext())

    def control(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if not answer.startswith("ok"):
            raise RuntimeError("kafka-mock %r: %s" % (line, answer))
        return answer

    def endpoint(self, topic, group=None):
        return "kafka://%s/%s%s" % (self.bootstrap, topic, "?group=" + group if group else "")

    def logtext(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class KafkaPipeline:
    """ingest -> attache.items -> enrich (one or more) -> attache.events -> sink."""

    def __init__(self, tmp, partitions=32, extra=None, log_level="info"):
        self.tmp = tmp
        self.extra = extra or {}
        self.log_level = log_level
        self.mock = KafkaMock(tmp, partitions=partitions)
        self.notify = h.Notify(tmp)
        self.db = os.path.join(tmp, "events.db")
        self.sinks, self.enriches, self.ingests = [], [], []
        self.n = {"sink": 0, "enrich": 0, "ingest": 0}

    def _common(self):
        return h.merge({"log.level": self.log_level, "daemon.stats_interval": "0"}, FAST_GROUP)

    def _name(self, kind):
        self.n[kind] += 1
        return "%s-%d" % (kind, self.n[kind])

    def start_sink(self, sets=None):
        d = h.Daemon("attache-sink", h.merge(self._common(), {
            "sink.input": self.mock.endpoint(EVENTS, "attache-sink"),
            "sink.output": "sqlite:" + self.db,
            "sink.flush_interval_ms": "200"}, self.extra.get("sink"), sets),
            self.notify, self.tmp)
        d.log_path_named = self._rename(d, "sink")
        self.notify.wait_ready(d.proc)
        self.sinks.append(d)
        return d

    def start_enrich(self, sets=None):
        d = h.Daemon("attache-enrich", h.merge(self._common(), {
            "enrich.input": self.mock.endpoint(ITEMS, "attache-enrich"),
            "enrich.output": self.mock.endpoint(EVENTS),
            "enrich.data_dir": h.DATA}, self.extra.get("enrich"), sets), self.notify, self.tmp)
        self._rename(d, "enrich")
        self.notify.wait_ready(d.proc)
        self.enriches.append(d)
        return d

    def start_ingest(self, path, sets=None):
        d = h.Daemon("attache-ingest", h.merge(self._common(), {
            "ingest.input": path,
            "ingest.output": self.mock.endpoint(ITEMS)}, self.extra.get("ingest"), sets),
            self.notify, self.tmp)
        self._rename(d, "ingest")
        self.ingests.append(d)
        return d

    def _rename(self, d, kind):
        # Several instances of one daemon: keep each one's log apart.
        name = self._name(kind)
        new = os.path.join(self.tmp, name + ".log")
        os.rename(d.log_path, new)
        d.log_path = new
        d.name = name
        return new

    def rows(self):
        if not os.path.exists(self.db):
            return 0
        try:
            c = sqlite3.connect(self.db, timeout=5)
            try:
                return c.execute("SELECT count(*) FROM events").fetchone()[0]
            finally:
                c.close()
        except sqlite3.OperationalError:
            return 0

    def ids(self):
        c = sqlite3.connect(self.db, timeout=5)
        try:
            return [r[0] for r in c.execute("SELECT id FROM events")]
        finally:
            c.close()

    def wait_rows(self, n, timeout=240):
        return h.wait_for(lambda: self.rows() >= n, timeout=timeout, step=0.5)

    def all_daemons(self):
        return self.ingests + self.enriches + self.sinks

    def stop(self):
        codes = {}
        for d in self.ingests + self.enriches + self.sinks:
            if d.proc.poll() is None:
                codes[d.name] = d.stop(timeout=120)
            else:
                codes[d.name] = d.proc.returncode
        return codes

    def kill_all(self):
        for d in self.all_daemons():
            if d.proc.poll() is None:
                d.proc.kill()
                d.proc.wait()
        self.mock.stop()

    def dump_logs(self):
        for d in self.all_daemons():
            print("---- %s (%s)" % (d.name, d.log_path))
            print(d.logtext()[-4000:])
        print("---- kafka-mock")
        print(self.mock.logtext()[-2000:])


@contextlib.contextmanager
def running(p):
    """Run a test's body with the KafkaPipeline p: on the way out every
    process is killed, after the logs are dumped when the body failed."""
    try:
        yield p
    except BaseException:
        p.dump_logs()
        raise
    finally:
        p.kill_all()


def counters(d):
    return d.final_counters()
