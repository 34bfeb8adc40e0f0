#!/usr/bin/python3
"""feed_server.py: scripted HTTP server on loopback for test_at_poller.

Started by the C test (fork/exec of /usr/bin/python3), it binds
127.0.0.1 on an ephemeral port, prints the port on stdout and serves until
its stdin closes (so it never outlives a crashed test). Standard library
only (Debian's python3: http.server's ThreadingHTTPServer).

Each scenario is a path; query parameters shape it, and `id` keys its
per-scenario state, so tests sharing one server do not disturb each other:

  /feed               an RSS 2.0 document, ISO-8859-1 charset in Content-Type
  /ua                 the request's User-Agent as the body
  /cond?mode=etag|lm|both
                      200 with ETag and/or Last-Modified; 304 when the
                      request sends them back verbatim
  /redir?n=N          N redirects (301 and 302 alternating), then /feed
  /redir-scheme?to=ftp|file
                      302 to a non-http URL (must be refused)
  /gzip               gzip-encoded body; 406 if the client does not accept it
  /gzipbomb?mb=N      N MB of zeros, gzip-encoded (tiny on the wire)
  /slow?ms=N          answers after N ms
  /flaky?fail=N&status=S
                      S for the first N requests, then 200
  /retry?status=S&after=N | &date=N
                      S with Retry-After: N seconds, or an HTTP-date N s ahead
  /big?mb=N&cl=0|1    streams N MB (with or without Content-Length) and
                      records how much it managed to send
  /grow               the k-th request gets a feed with k items
  /sized?kb=N&etag=1  an RSS document of about N KiB; with etag=1 it carries
                      an ETag and answers a matching If-None-Match with 304
                      (bench/bench_poller)
  /hold?ms=N          answers after N ms, counting concurrent requests
  /_stats             counters as key=value lines (max_inflight, hits.<id>,
                      sent.<id>, done.<id>)
  /_reset             zero max_inflight
"""

import email.utils
import gzip
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
STATS = {}
COUNTS = {}
INFLIGHT = [0, 0]  # current, max
ETAG = '"v1-%s"'
LAST_MODIFIED = "Wed, 03 Jul 2024 10:15:00 GMT"


def rss(title, n_items):
    items = "".join(
        "<item><title>Item %d</title><link>http://example.org/%d</link>"
        "<guid>http://example.org/%d</guid></item>" % (i, i, i)
        for i in range(1, n_items + 1)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>'
        "<link>http://example.org/</link>%s</channel></rss>" % (title, items)
    ).encode()


def bump(key, by=1):
    with LOCK:
        STATS[key] = STATS.get(key, 0) + by
        return STATS[key]


class Handler(BaseHTTPRequestHandler):
    server_version = "feed_server/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304 and body:
            self.wfile.write(body)

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        ident = q.get("id", u.path)
        bump("hits." + ident)
        route = getattr(self, "r_" + u.path.strip("/").replace("-", "_"), None)
        if route is None:
            self.send(404, b"no such scenario\n")
            return
        try:
            route(q, ident)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def r_feed(self, q, ident):
        self.send(200, rss("Plain", 2),
                  [("Content-Type", "application/rss+xml; charset=ISO-8859-1")])

    def r_ua(self, q, ident):
        self.send(200, self.headers.get("User-Agent", "").encode(),
                  [("Content-Type", "text/plain")])

    def r_cond(self, q, ident):
        mode = q.get("mode", "both")
        etag = ETAG % ident
        hdrs = [("Content-Type", 'application/rss+xml; charset="utf-8"')]
        if mode in ("etag", "both"):
            hdrs.append(("ETag", etag))
        if mode in ("lm", "both"):
            hdrs.append(("Last-Modified", LAST_MODIFIED))
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        # 304 only for validators sent back exactly as we gave them.
        match = {
            "etag": inm == etag,
            "lm": ims == LAST_MODIFIED,
            "both": inm == etag and ims == LAST_MODIFIED,
        }[mode]
        if match:
            bump("304." + ident)
            self.send(304, headers=hdrs)
        else:
            self.send(200, rss("Conditional", 3), hdrs)

    def r_redir(self, q, ident):
        n = int(q.get("n", "0"))
        if n <= 0:
            self.r_feed(q, ident)
            return
        loc = "/redir?n=%d&id=%s" % (n - 1, ident)
        self.send(301 if n % 2 else 302, headers=[("Location", loc)])

    def r_redir_scheme(self, q, ident):
        to = q.get("to", "ftp")
        loc = "ftp://127.0.0.1:1/feed.xml" if to == "ftp" else "file:///etc/passwd"
        self.send(302, headers=[("Location", loc)])

    def r_gzip(self, q, ident):
        if "gzip" not in self.headers.get("Accept-Encoding", ""):
            self.send(406, b"gzip please\n")
            return
        body = rss("Compressed " + "padding " * 500, 20)
        self.send(200, gzip.compress(body),
                  [("Content-Type", "application/rss+xml"), ("Content-Encoding", "gzip")])

    def r_gzipbomb(self, q, ident):
        body = gzip.compress(b"\0" * (int(q.get("mb", "10")) << 20))
        self.send(200, body, [("Content-Type", "application/rss+xml"),
                              ("Content-Encoding", "gzip")])

    def r_slow(self, q, ident):
        time.sleep(int(q.get("ms", "5000")) / 1000.0)
        self.r_feed(q, ident)

    def r_flaky(self, q, ident):
        k = bump("count." + ident)
        if k <= int(q.get("fail", "3")):
            self.send(int(q.get("status", "500")), b"failing\n")
        else:
            self.r_feed(q, ident)

    def r_retry(self, q, ident):
        if "date" in q:
            ra = email.utils.formatdate(time.time() + int(q["date"]), usegmt=True)
        else:
            ra = q.get("after", "120")
        self.send(int(q.get("status", "429")), b"slow down\n", [("Retry-After", ra)])

    def r_big(self, q, ident):
        total = int(q.get("mb", "100")) << 20
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        if q.get("cl", "0") == "1":
            self.send_header("Content-Length", str(total))
        self.end_headers()
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < total:
                self.wfile.write(chunk)
                sent += len(chunk)
                bump("sent." + ident, len(chunk))
        finally:
            bump("done." + ident)

    def r_grow(self, q, ident):
        self.send(200, rss("Growing", bump("count." + ident)),
                  [("Content-Type", "application/rss+xml")])

    def r_sized(self, q, ident):
        n = max(1, int(q.get("kb", "32")) * 1024 // 120)
        hdrs = [("Content-Type", "application/rss+xml; charset=utf-8")]
        if q.get("etag") == "1":
            hdrs.append(("ETag", ETAG % ident))
            if self.headers.get("If-None-Match") == ETAG % ident:
                self.send(304, headers=hdrs)
                return
        self.send(200, rss("Sized", n), hdrs)

    def r_hold(self, q, ident):
        with LOCK:
            INFLIGHT[0] += 1
            INFLIGHT[1] = max(INFLIGHT[0], INFLIGHT[1])
        try:
            time.sleep(int(q.get("ms", "300")) / 1000.0)
        finally:
            with LOCK:
                INFLIGHT[0] -= 1
        self.r_feed(q, ident)

    def r__stats(self, q, ident):
        with LOCK:
            lines = ["max_inflight=%d" % INFLIGHT[1]]
            lines += ["%s=%d" % kv for kv in sorted(STATS.items())]
        self.send(200, ("\n".join(lines) + "\n").encode(), [("Content-Type", "text/plain")])

    def r__reset(self, q, ident):
        with LOCK:
            INFLIGHT[1] = INFLIGHT[0]
        self.send(200, b"ok\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)

    def watch_stdin():
        # The test holds our stdin open; EOF means it is gone.
        try:
            sys.stdin.buffer.read()
        finally:
            os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    srv.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
