"""Live feeds end to end: attache-ingest polls two feeds from a local HTTP
server (python3 http.server on loopback), and the items come out of the
sink as events.

  - the same story in two feeds is emitted once;
  - a feed that grows between polls emits only its new item;
  - conditional GET: an unchanged feed is answered 304;
  - a restart of ingest re-emits nothing (ingest.state);
  - SIGHUP applies a new feed list from the config file;
  - `attache feeds status` prints each feed's state;
  - `attache feed URL` prints the normalized items.
"""
import http.server
import json
import os
import signal
import subprocess
import threading
import time

import harness as h

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Steppe Wire</title><link>http://example.org/</link>
<language>en</language>
%s
</channel></rss>"""
RSS_ITEM = """<item><title>%s</title><link>%s</link><guid>%s</guid>
<pubDate>%s</pubDate><description>&lt;p&gt;%s&lt;/p&gt;</description></item>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example.net/">
<title>Khalkha Daily</title><id>urn:khalkha</id><updated>2024-09-03T10:00:00Z</updated>
%s
</feed>"""
ATOM_ENTRY = """<entry><title>%s</title><link rel="alternate" href="%s"/><id>%s</id>
<updated>%s</updated><summary>%s</summary></entry>"""


class Feeds:
    """The documents the server serves; tests change them between polls."""

    def __init__(self):
        self.docs = {}
        self.hits = {}
        self.lock = threading.Lock()

    def set(self, path, body):
        with self.lock:
            self.docs[path] = body.encode("utf-8")


def serve(feeds):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with feeds.lock:
                body = feeds.docs.get(self.path)
                feeds.hits[self.path] = feeds.hits.get(self.path, 0) + 1
            if body is None:
                self.send_error(404)
                return
            etag = '"%d"' % (hash(body) & 0xffffffff)
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def rss(items):
    return RSS % "\n".join(RSS_ITEM % it for it in items)


def main():
    feeds = Feeds()
    same_story = "https://news.example.org/2024/09/03/putin-ulaanbaatar?utm_source=rss"
    rss_items = [
        ("Putin arrives in Ulaanbaatar", same_story, same_story,
         "Tue, 03 Sep 2024 06:30:00 +0000", "Mongolia is a party to the Rome Statute."),
        ("SCO summit opens in Astana", "https://news.example.org/2024/07/03/sco",
         "https://news.example.org/2024/07/03/sco", "Wed, 03 Jul 2024 09:40:00 +0000",
         "Kazakhstan hosts the summit."),
    ]
    feeds.set("/steppe.rss", rss(rss_items))
    # The Atom feed carries the same story (same canonical URL once the
    # tracking parameter is dropped) and one of its own, with a relative link.
    feeds.set("/khalkha.atom", ATOM % "\n".join([
        ATOM_ENTRY % ("Putin in Ulaanbaatar", "https://news.example.org/2024/09/03/putin-ulaanbaatar",
                      "urn:k:1", "2024-09-03T07:00:00Z", "Visit to Mongolia."),
        ATOM_ENTRY % ("Mongolian parliament meets", "2024/09/04/parliament", "urn:k:2",
                      "2024-09-04T08:00:00Z", "Ulaanbaatar session."),
    ]))
    srv = serve(feeds)
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    p = h.Pipeline(start_ingest=False)
    state = os.path.join(p.tmp, "ingest-state.db")
    sets = {"ingest.input": "", "ingest.state": state, "feeds.interval": "1",
            "feed.steppe": base + "/steppe.rss", "feed.khalkha": base + "/khalkha.atom"}
    try:
        p.start_ingest(None, sets)
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= 3, 30), \
            "got %d events" % h.count_lines(p.sink_output)
        time.sleep(2.5)  # more polls: they must be 304s and emit nothing
        events = p.events()
        urls = sorted(e["url"] for e in events)
        assert urls == sorted([
            "https://news.example.org/2024/07/03/sco",
            "https://news.example.net/2024/09/04/parliament",
            "https://news.example.org/2024/09/03/putin-ulaanbaatar"]), urls
        ub = [e for e in events if "putin-ulaanbaatar" in e["url"]][0]
        assert any(c["code"] == "MNG" for c in ub["countries"]), ub["countries"]
        assert ub["published"].startswith("2024-09-03T")

        # The feed grows: only the new item comes out.
        rss_items.append(("Kazakh court rules", "https://news.example.org/2024/09/05/court",
                          "https://news.example.org/2024/09/05/court",
                          "Thu, 05 Sep 2024 10:00:00 +0000", "Astana."))
        feeds.set("/steppe.rss", rss(rss_items))
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= 4, 20)
        time.sleep(1.5)
        assert h.count_lines(p.sink_output) == 4, h.count_lines(p.sink_output)
        assert p.ingest.stop() == 0
        first = p.ingest.final_counters()
        assert first["feed_items_new"] == 4, first
        assert first["feed_not_modified"] >= 1, first

        # Restart with the same state: nothing is emitted again.
        p.start_ingest(None, sets)
        time.sleep(3)
        assert p.ingest.stop() == 0
        second = p.ingest.final_counters()
        assert second["feed_items_new"] == 0 and second["sent"] == 0, second
        assert h.count_lines(p.sink_output) == 4

        # SIGHUP applies a new feed list: a third feed appears.
        feeds.set("/third.rss", rss([("Ankara talks", "https://news.example.org/2024/09/06/ankara",
                                      "https://news.example.org/2024/09/06/ankara",
                                      "Fri, 06 Sep 2024 10:00:00 +0000", "Turkish officials.")]))
        cfg = os.path.join(p.tmp, "ingest.ini")
        with open(cfg, "w") as f:
            f.write("[feed]\nsteppe = %s/steppe.rss\n" % base)
        args = [os.path.join(h.BIN, "attache-ingest"), "-c", cfg]
        for k, v in sets.items():
            if not k.startswith("feed."):
                args += ["-s", "%s=%s" % (k, v)]
        args += ["-s", "ingest.output=" + p.enrich_in]
        log = open(os.path.join(p.tmp, "ingest-hup.log"), "w")
        hup = subprocess.Popen(args, stderr=log, env=dict(os.environ, NOTIFY_SOCKET=p.notify.path))
        p.notify.wait_ready(hup)
        time.sleep(1.5)
        with open(cfg, "w") as f:
            f.write("[feed]\nsteppe = %s/steppe.rss\nthird = %s/third.rss\n" % (base, base))
        hup.send_signal(signal.SIGHUP)
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= 5, 20), "third feed not polled"
        hup.terminate()
        assert hup.wait(30) == 0
        log.close()
        assert "reload: polling 2 feeds" in open(log.name).read()

        st = subprocess.run([os.path.join(h.BIN, "attache"), "feeds", "status", "--state", state,
                             "--json"], capture_output=True, check=True).stdout.decode()
        rows = [json.loads(line) for line in st.splitlines()]
        assert sorted(r["url"] for r in rows) == sorted([base + "/steppe.rss", base + "/third.rss",
                                                         base + "/khalkha.atom"]), rows
        assert all(r["http_status"] in (200, 304) and r["error_count"] == 0 for r in rows), rows
        assert sum(r["items_new"] for r in rows) == 5, rows

        out = subprocess.run([os.path.join(h.BIN, "attache"), "feed", base + "/khalkha.atom"],
                             capture_output=True, check=True).stdout.decode()
        items = [json.loads(line) for line in out.splitlines()]
        assert [i["title"] for i in items] == ["Putin in Ulaanbaatar", "Mongolian parliament meets"]
        assert items[1]["url"] == "https://news.example.net/2024/09/04/parliament"
        assert items[0]["feed"] == base + "/khalkha.atom" and items[0]["source"] == "Khalkha Daily"
        codes = [d.stop() for d in (p.enrich, p.sink)]
        assert codes == [0, 0], codes
        print("ok: 2 feeds -> 4 distinct events; growth, 304, restart and status checked")
    finally:
        srv.shutdown()
        for d in (p.ingest, p.enrich, p.sink):
            if d and d.proc.poll() is None:
                d.proc.kill()


if __name__ == "__main__":
    main()
