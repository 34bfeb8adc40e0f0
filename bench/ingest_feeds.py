"""bench/ingest_feeds.py: one attache-ingest daemon polling N feeds (default
1,000) from a local HTTP server, feeding a real enrich and sink. Prints
polls per second, the daemon's CPU per poll and per second, and its peak
RSS, sampled over time so bounded memory can be seen.

    /usr/bin/python3 bench/ingest_feeds.py --bin build/bin [--feeds 1000]
        [--seconds 40] [--interval 2] [--items 5]

Each feed serves `items` RSS items of its own and an ETag, so after the
first full fetch a poll is a conditional GET answered 304: the steady state
of a real deployment. All feeds live on one host, so feeds.max_per_host is
raised to 64 (a stand-in for many hosts). The Python server shares the two
CPUs with the daemons; the ingest figures to watch are CPU per poll and
memory. Results: docs/feeds-polling.md "The whole daemon".
"""
import argparse
import http.server
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import harness as h  # noqa: E402

RSS = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
       '<title>Bench feed %d</title><link>http://example.org/%d</link>%s</channel></rss>')
ITEM = ('<item><title>Feed %d story %d about Mongolia</title>'
        '<link>https://news.example.org/%d/%d</link>'
        '<pubDate>Tue, 03 Sep 2024 06:30:00 +0000</pubDate>'
        '<description>Ulaanbaatar and Astana, story %d of feed %d.</description></item>')


def serve(n_items):
    docs = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            try:
                n = int(self.path.strip("/").split(".")[0])
            except ValueError:
                self.send_error(404)
                return
            body = docs.get(n)
            if body is None:
                body = (RSS % (n, n, "".join(ITEM % (n, i, n, i, i, n)
                                             for i in range(n_items)))).encode()
                docs[n] = body
            etag = '"f%d"' % n
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def proc_cpu_rss(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss = hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return cpu, rss, hwm


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.environ.get("ATTACHE_BIN", "build/bin"))
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=40)
    ap.add_argument("--interval", type=int, default=2)
    ap.add_argument("--items", type=int, default=5)
    a = ap.parse_args()
    h.BIN = os.path.abspath(a.bin)
    srv = serve(a.items)
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    p = h.Pipeline(start_ingest=False, log_level="warn")
    cfg = os.path.join(p.tmp, "ingest.ini")
    with open(cfg, "w") as f:
        f.write("[ingest]\ninput =\nstate = %s\n[feeds]\ninterval = %d\nmax_per_host = 64\n"
                "[feed]\n" % (os.path.join(p.tmp, "state.db"), a.interval))
        for i in range(a.feeds):
            f.write("f%d = %s/%d.xml\n" % (i, base, i))
    import subprocess
    log = open(os.path.join(p.tmp, "ingest.log"), "w")
    ing = subprocess.Popen([os.path.join(h.BIN, "attache-ingest"), "-c", cfg, "-s",
                            "ingest.output=" + p.enrich_in, "-s", "log.level=info", "-s",
                            "daemon.stats_interval=0"], stderr=log,
                           env=dict(os.environ, NOTIFY_SOCKET=p.notify.path))
    try:
        p.notify.wait_ready(ing, 60)
        t0 = time.time()
        c0, _, _ = proc_cpu_rss(ing.pid)
        samples = []
        while time.time() - t0 < a.seconds:
            time.sleep(5)
            c, rss, hwm = proc_cpu_rss(ing.pid)
            samples.append((round(time.time() - t0), round(c - c0, 2), rss, hwm))
        elapsed = time.time() - t0
        cpu, rss, hwm = proc_cpu_rss(ing.pid)
        ing.terminate()
        ing.wait(60)
        log.close()
        text = open(log.name).read()
        import re
        final = dict(kv.split("=") for kv in re.findall(r"final: (.*)", text)[-1].split())
        polls = sum(int(final[k]) for k in ("feed_polls_ok", "feed_not_modified",
                                            "feed_polls_failed"))
        print("| measure | value |\n|---|---|")
        print("| feeds | %d (interval %d s, %d items each) |" % (a.feeds, a.interval, a.items))
        print("| run | %.0f s |" % elapsed)
        print("| polls (ok / 304 / failed) | %s / %s / %s |" % (
            final["feed_polls_ok"], final["feed_not_modified"], final["feed_polls_failed"]))
        print("| polls per second | %.0f |" % (polls / elapsed))
        print("| items emitted | %s (of %d) |" % (final["sent"], a.feeds * a.items))
        print("| ingest CPU | %.2f s, %.0f%% of one core, %.2f ms per poll |" % (
            cpu - c0, 100 * (cpu - c0) / elapsed, 1000 * (cpu - c0) / max(polls, 1)))
        print("| ingest RSS now / peak | %.1f / %.1f MiB |" % (rss / 1024, hwm / 1024))
        print("\nRSS over time (s, CPU s, RSS KiB, peak KiB): %s" % samples)
    finally:
        if ing.poll() is None:
            ing.kill()
        p.stop()
        srv.shutdown()


if __name__ == "__main__":
    main()
