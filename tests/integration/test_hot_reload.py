"""Hot reload of the reference data in attache-enrich, mid-stream.

The three daemons run as processes; enrich.data_dir is a symlink the test
repoints. Items stream into ingest from a writer thread that never pauses.
Mid-stream the link is moved to a copy of data/ with another VERSION and
enrich gets SIGHUP; later it is moved to a broken copy and enrich gets
SIGHUP again. Checked:

- no item is lost or duplicated: every id written comes out exactly once;
- every event carries exactly one of the two data versions, and in the
  sink's order (the enrich order: one PUSH/PULL path each way) the version
  never goes back from the new to the old;
- both versions were used, and items written after enrich logged the swap
  carry the new version;
- the broken copy is rejected with file:line in the log, the last good
  version stays in use, and the counters and /metrics say so
  (data_reloads 1, data_reload_failures 1, data_version 20270101).

Nothing here depends on timing: each step waits for a log line or an event
count, never for a fixed time.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import urllib.request

import harness as h

OLD_VERSION = open(os.path.join(h.DATA, "VERSION")).read().strip()
NEW_VERSION = "2027-01-01"


def copy_data(dst, version=None):
    shutil.copytree(h.DATA, dst, ignore=shutil.ignore_patterns("samples"))
    if version:
        with open(os.path.join(dst, "VERSION"), "w") as f:
            f.write(version + "\n")


def point(link, target):
    """Atomically repoint the symlink link at target."""
    tmp = link + ".new"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, link)


class Writer(threading.Thread):
    """Writes items to ingest's stdin until stopped; remembers the ids."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe = pipe
        self.ids = []
        self.stop_at = None
        self.mark = {}  # name -> number of items written when it was set
        self.lock = threading.Lock()
        self.halt = threading.Event()

    def run(self):
        i = 0
        while not self.halt.is_set():
            item = json.dumps({
                "id": "hr-%06d" % i,
                "url": "https://news.example.org/hr/%d" % i,
                "title": "Reload item %d: Putin in Ulaanbaatar" % i,
                "body": "ULAANBAATAR - Vladimir Putin met officials of Mongolia. Item %d." % i,
                "published": "2024-09-03T06:30:00Z",
                "source": "hot-reload-test"})
            self.pipe.write((item + "\n").encode())
            self.pipe.flush()
            with self.lock:
                self.ids.append("hr-%06d" % i)
            i += 1

    def set_mark(self, name):
        with self.lock:
            self.mark[name] = len(self.ids)

    def finish(self):
        self.halt.set()
        self.join(60)
        self.pipe.close()


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(attache_enrich_data_\w+)\{[^}]*\} (\S+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="attache-hr.")
    good_old, good_new, broken = (os.path.join(tmp, n) for n in ("old", "new", "broken"))
    copy_data(good_old)
    copy_data(good_new, NEW_VERSION)
    copy_data(broken, "2028-01-01")
    with open(os.path.join(broken, "countries.tsv"), "a") as f:
        f.write("not\ta\tvalid\trow\n")
    link = os.path.join(tmp, "current")
    point(link, good_old)

    mport = h.free_port()
    p = h.Pipeline(tmp=tmp, start_ingest=False, extra={"enrich": {
        "enrich.data_dir": link, "metrics.listen": "127.0.0.1:%d" % mport}})
    ingest = p.start_ingest("-", stdin=subprocess.PIPE)
    w = Writer(ingest.proc.stdin)
    w.start()
    try:
        def events_at_least(n):
            return lambda: h.count_lines(p.sink_output) >= n

        assert h.wait_for(events_at_least(300), 120), "no events flowing"

        # 1. New data, mid-stream.
        point(link, good_new)
        w.set_mark("hup1")
        p.enrich.signal(signal.SIGHUP)
        swapped = "reload: data %s from %s in use" % (NEW_VERSION, link)
        assert h.wait_for(lambda: swapped in p.enrich.logtext(), 120), p.enrich.logtext()
        w.set_mark("swapped")
        n = w.mark["swapped"]
        assert h.wait_for(events_at_least(n + 300), 120), "events stopped after the swap"

        # 2. Broken data: rejected with file:line, the new version stays.
        point(link, broken)
        p.enrich.signal(signal.SIGHUP)
        assert h.wait_for(lambda: "rejected, keeping %s" % NEW_VERSION in p.enrich.logtext(),
                          120), p.enrich.logtext()
        w.set_mark("broken")
        assert h.wait_for(events_at_least(w.mark["broken"] + 300), 120)
        m = scrape(mport)
        assert m.get("attache_enrich_data_version") == 20270101, m
        assert m.get("attache_enrich_data_reloads_total") == 1, m
        assert m.get("attache_enrich_data_reload_failures_total") == 1, m
    finally:
        w.finish()
    total = len(w.ids)
    assert h.wait_for(lambda: h.count_lines(p.sink_output) >= total, 300), \
        "%d of %d events" % (h.count_lines(p.sink_output), total)
    codes = p.stop()
    assert all(c == 0 for c in codes.values()), codes

    log = p.enrich.logtext()
    bad = re.search(r"reload: data in \S+ rejected, keeping %s: (.*)" % NEW_VERSION, log)
    assert bad and re.search(r"countries\.tsv:\d+: ", bad.group(1)), log

    events = p.events()
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids)), "duplicates"
    assert sorted(ids) == sorted(w.ids), "lost: %s" % sorted(set(w.ids) - set(ids))[:10]
    versions = [e["data_version"] for e in events]
    assert set(versions) == {OLD_VERSION, NEW_VERSION}, set(versions)
    first_new = versions.index(NEW_VERSION)
    assert all(v == NEW_VERSION for v in versions[first_new:]), "a version went back"
    # Written after the swap was logged: enriched with the new data. The
    # sink keeps ingest's order, so the id's number is its write order.
    late = [e for e in events if int(e["id"][3:]) >= w.mark["swapped"]]
    assert late and all(e["data_version"] == NEW_VERSION for e in late)
    early = sum(1 for v in versions if v == OLD_VERSION)
    assert early >= 300, early
    # Enriched the same either way: the model case's alert in every event.
    assert all(any(a["country"] == "MNG" and a["severity"] == "critical"
                   for a in e["alerts"]) for e in events)
    c = p.enrich.final_counters()
    assert c["data_reloads"] == 1 and c["data_reload_failures"] == 1, c
    assert c["data_version"] == 20270101, c
    assert c["received"] == c["sent"] == total, (c, total)
    print("ok: %d items, %d with data %s then %d with %s (swap between items %d and %d), "
          "broken data rejected with file:line, nothing lost"
          % (total, early, OLD_VERSION, total - early, NEW_VERSION, w.mark["hup1"],
             w.mark["swapped"]))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
