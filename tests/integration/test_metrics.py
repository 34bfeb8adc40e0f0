"""/metrics, /healthz and /readyz on the three real daemons.

Runs sink, enrich and ingest (following a file) with metrics.listen on
port 0, reads the bound ports from their logs, and:

  - checks /readyz is 503 before a daemon's peers are connected (the sink
    before enrich, enrich before ingest) and 200 once they are, and 503
    again on enrich once ingest has gone;
  - feeds good lines, bad lines (malformed JSON, not an object, no url,
    over the size limit), a duplicate, and raw non-attache ZeroMQ frames
    into enrich and sink;
  - scrapes /metrics during the run and after it, parsing every scrape with
    the strict exposition-format parser below, and checks for each daemon
    that received = emitted + rejected + dropped, the exact counts by
    reason, the hand-over between daemons, and the latency histogram;
  - checks 404, 405, a port already in use (clear startup error) and a
    malformed metrics.listen (clear error at --check-config).
"""
import math
import os
import re
import signal
import subprocess
import urllib.error
import urllib.request

import harness as h

try:
    import zmq
except ImportError:
    h.skip("python3-zmq is not installed (apt-get install python3-zmq)")

# ---------------------------------------------------------------- parser

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE_RE = re.compile(r"^(%s)(\{(.*)\})? (\S+)( -?\d+)?$" % NAME)
LABEL_RE = re.compile(r'(%s)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)' % LABEL)
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class ParseError(AssertionError):
    pass


def parse_value(text, where):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    if not re.match(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", text):
        raise ParseError("%s: bad value %r" % (where, text))
    return float(text)


def parse_labels(text, where):
    labels = {}
    pos = 0
    while pos < len(text):
        m = LABEL_RE.match(text, pos)
        if not m:
            raise ParseError("%s: bad label set {%s}" % (where, text))
        name, raw = m.group(1), m.group(2)
        if name in labels:
            raise ParseError("%s: label %s twice" % (where, name))
        labels[name] = raw.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        pos = m.end()
        if m.group(3) == "" and pos != len(text):
            raise ParseError("%s: junk after labels" % where)
    return labels


def family_of(sample, types):
    """The declared family a sample name belongs to."""
    if sample in types:
        return sample
    for suffix in ("_bucket", "_sum", "_count"):
        base = sample[: -len(suffix)] if sample.endswith(suffix) else None
        if base and types.get(base) in ("histogram", "summary"):
            return base
    return None


def parse_exposition(text):
    """Strictly parse the Prometheus text format (0.0.4). Returns
    {family: {"type", "help", "samples": [(name, labels, value)]}}."""
    if not text.endswith("\n"):
        raise ParseError("exposition does not end with a newline")
    fams, types, done = {}, {}, set()
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d" % n
        if line == "":
            raise ParseError("%s: empty line" % where)
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) ?(.*)$" % NAME, line)
            if not m:
                continue  # a plain comment
            kind, name, rest = m.groups()
            fam = fams.setdefault(name, {"type": None, "help": None, "samples": []})
            if name in done:
                raise ParseError("%s: %s for %s after its samples" % (where, kind, name))
            if kind == "TYPE":
                if fam["type"] is not None:
                    raise ParseError("%s: second TYPE for %s" % (where, name))
                if rest not in TYPES:
                    raise ParseError("%s: unknown type %r" % (where, rest))
                fam["type"] = types[name] = rest
            else:
                if fam["help"] is not None:
                    raise ParseError("%s: second HELP for %s" % (where, name))
                if re.search(r"\\[^\\n]", rest.replace("\\\\", "")):
                    raise ParseError("%s: bad escape in HELP" % where)
                fam["help"] = rest.replace("\\n", "\n").replace("\\\\", "\\")
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise ParseError("%s: not a sample: %r" % (where, line))
        name, _, labeltext, value = m.group(1), m.group(2), m.group(3), m.group(4)
        fam_name = family_of(name, types)
        if fam_name is None:
            raise ParseError("%s: sample %s without a TYPE" % (where, name))
        if current != fam_name:
            if fam_name in done:
                raise ParseError("%s: samples of %s are not together" % (where, fam_name))
            if current:
                done.add(current)
            current = fam_name
        labels = parse_labels(labeltext or "", where)
        fams[fam_name]["samples"].append((name, labels, parse_value(value, where)))
    for name, fam in fams.items():
        check_family(name, fam)
    return fams


def series_key(labels, drop=()):
    return tuple(sorted((k, v) for k, v in labels.items() if k not in drop))


def check_family(name, fam):
    seen = set()
    for sname, labels, value in fam["samples"]:
        key = (sname, series_key(labels))
        if key in seen:
            raise ParseError("%s: duplicate series %s%s" % (name, sname, labels))
        seen.add(key)
        if fam["type"] == "counter" and not (value >= 0):
            raise ParseError("%s: counter %s is %r" % (name, sname, value))
    if fam["type"] != "histogram":
        return
    groups = {}
    for sname, labels, value in fam["samples"]:
        g = groups.setdefault(series_key(labels, ("le",)), {"buckets": [], "sum": None,
                                                            "count": None})
        if sname == name + "_bucket":
            if "le" not in labels:
                raise ParseError("%s: bucket without le" % name)
            g["buckets"].append((parse_value(labels["le"], name), value))
        elif sname == name + "_sum":
            g["sum"] = value
        elif sname == name + "_count":
            g["count"] = value
        else:
            raise ParseError("%s: stray sample %s in a histogram" % (name, sname))
    for key, g in groups.items():
        b = g["buckets"]
        if not b or b[-1][0] != math.inf:
            raise ParseError("%s%s: no +Inf bucket last" % (name, key))
        if any(b[i][0] >= b[i + 1][0] or b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            raise ParseError("%s%s: buckets not increasing / not cumulative" % (name, key))
        if g["count"] is None or g["sum"] is None or g["count"] != b[-1][1]:
            raise ParseError("%s%s: _count/_sum missing or _count != +Inf bucket" % (name, key))


def self_test_parser():
    """The parser must refuse what Prometheus refuses."""
    good = ('# HELP a_total A.\n# TYPE a_total counter\na_total{x="1\\"\\\\\\n"} 3\n'
            '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\n'
            "h_sum 3.5\nh_count 2\n")
    assert parse_exposition(good)["a_total"]["samples"][0][1] == {"x": '1"\\\n'}
    bad = [
        "# TYPE a counter\na 1",                                   # no final newline
        "a 1\n",                                                  # no TYPE
        "# TYPE a counter\na{x=\"1\",x=\"2\"} 1\n",                   # label twice
        "# TYPE a counter\na{x=1} 1\n",                            # unquoted
        "# TYPE a counter\na{x=\"\\t\"} 1\n",                        # bad escape
        "# TYPE a counter\na one\n",                               # bad value
        "# TYPE a counter\na 1\na 2\n",                            # duplicate series
        "# TYPE a counter\n# TYPE a gauge\na 1\n",                 # two TYPEs
        "# TYPE a counter\n# TYPE b counter\na 1\nb 1\na{x=\"y\"} 1\n",  # interleaved
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  # no +Inf
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",  # count mismatch
        "# TYPE a counter\na -1\n",                                # negative counter
        "# TYPE a counter\n\na 1\n",                               # empty line
    ]
    for text in bad:
        try:
            parse_exposition(text)
        except ParseError:
            continue
        raise AssertionError("parser accepted %r" % text)


# ---------------------------------------------------------------- helpers

def get(port, path, method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                 data=b"x" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def metrics_port(daemon):
    found = []

    def bound():
        m = re.search(r"metrics: serving .* on http://127\.0\.0\.1:(\d+)", daemon.logtext())
        if m:
            found.append(int(m.group(1)))
        return bool(m)
    assert h.wait_for(bound, 20), daemon.logtext()
    return found[0]


def scrape(port):
    status, text, headers = get(port, "/metrics")
    assert status == 200, (status, text)
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers
    return parse_exposition(text)


def value(fams, name, **labels):
    """The value of sample `name` (a family's own, or its _bucket/_sum/_count)."""
    fam = fams.get(name) or next((f for base, f in fams.items()
                                  if name in (base + "_sum", base + "_count")), None)
    assert fam, "no family for %s" % name
    for sname, lab, v in fam["samples"]:
        if sname == name and all(lab.get(k) == v2 for k, v2 in labels.items()):
            return v
    raise AssertionError("no sample %s%s" % (name, labels))


def total(fams, name):
    return sum(v for sname, _, v in fams[name]["samples"] if sname == name)


def books(fams, daemon):
    """(received, emitted, rejected, dropped) of one daemon, checked to add up."""
    for name in ("attache_items_received_total", "attache_items_emitted_total",
                 "attache_items_rejected_total", "attache_items_dropped_total"):
        assert fams[name]["type"] == "counter", name
        for _, labels, _ in fams[name]["samples"]:
            assert labels.get("daemon") == daemon, labels
    r = value(fams, "attache_items_received_total")
    e = value(fams, "attache_items_emitted_total")
    rej = total(fams, "attache_items_rejected_total")
    d = total(fams, "attache_items_dropped_total")
    assert r == e + rej + d, "%s: received %d != emitted %d + rejected %d + dropped %d" % (
        daemon, r, e, rej, d)
    return r, e, rej, d


def good(i, prefix="m"):
    return ('{"id": "%s-%d", "url": "https://example.org/%s/%d", "title": "Talks in Mongolia %d",'
            ' "body": "Ulaanbaatar.", "published": "2024-09-03T06:30:00Z"}\n' % (
                prefix, i, prefix, i, i))


BAD_LINES = [
    ('{"id": "broken", "title": \n', "bad_json"),
    ('not json at all\n', "bad_json"),
    ('["an", "array"]\n', "bad_json"),
    ('{"id": "nourl", "title": ""}\n', "invalid_item"),
    ('{"id": "big", "url": "https://e.org/b", "title": "%s"}\n' % ("x" * 5000), "oversize"),
]


def main():
    self_test_parser()
    tmp = h.scratch_dir("attache-it.")
    notify = h.Notify(tmp)
    p_enrich, p_sink = h.free_port(), h.free_port()
    while p_sink == p_enrich:
        p_sink = h.free_port()
    enrich_in, sink_in = "zmq+tcp://127.0.0.1:%d" % p_enrich, "zmq+tcp://127.0.0.1:%d" % p_sink
    out = os.path.join(tmp, "events.jsonl")
    common = {"log.level": "info", "daemon.stats_interval": "0", "metrics.listen": "127.0.0.1:0"}
    daemons = []
    try:
        sink = h.Daemon("attache-sink", h.merge(common, {
            "sink.input": sink_in + "?bind=1", "sink.output": out}), notify, tmp)
        daemons.append(sink)
        notify.wait_ready(sink.proc)
        ps = metrics_port(sink)

        # Alive, but not ready: nothing is connected to its input.
        status, body, _ = get(ps, "/healthz")
        assert status == 200 and body.startswith("ok"), (status, body)
        status, body, _ = get(ps, "/readyz")
        assert status == 503 and "input: no peer connected" in body, (status, body)
        assert value(scrape(ps), "attache_ready") == 0
        assert get(ps, "/nope")[0] == 404
        status, _, headers = get(ps, "/metrics", "POST")
        assert status == 405 and headers.get("Allow") == "GET, HEAD", (status, headers)
        assert get(ps, "/metrics", "HEAD")[0] == 200

        # The same port again: the second sink fails at startup, saying why.
        dup = subprocess.run([os.path.join(h.BIN, "attache-sink"), "-s",
                              "metrics.listen=127.0.0.1:%d" % ps, "-s",
                              "sink.input=zmq+tcp://127.0.0.1:%d?bind=1" % h.free_port(),
                              "-s", "sink.output=" + os.path.join(tmp, "dup.jsonl")],
                             capture_output=True, timeout=30)
        assert dup.returncode == 1, dup
        assert b"Address already in use" in dup.stderr and (b":%d" % ps) in dup.stderr, dup.stderr

        enrich = h.Daemon("attache-enrich", h.merge(common, {
            "enrich.input": enrich_in + "?bind=1", "enrich.output": sink_in,
            "enrich.data_dir": h.DATA}), notify, tmp)
        daemons.append(enrich)
        notify.wait_ready(enrich.proc)
        pe = metrics_port(enrich)
        # The sink becomes ready once enrich connects; enrich still waits for ingest.
        assert h.wait_for(lambda: get(ps, "/readyz")[0] == 200, 30), get(ps, "/readyz")
        assert h.wait_for(lambda: "output: ok" in get(pe, "/readyz")[1], 30), get(pe, "/readyz")
        status, body, _ = get(pe, "/readyz")
        assert status == 503 and "input: no peer connected" in body, body

        inp = os.path.join(tmp, "in.jsonl")
        n_first = 40
        with open(inp, "w") as f:
            for i in range(n_first):
                f.write(good(i))
                if i < len(BAD_LINES):
                    f.write(BAD_LINES[i][0])
            f.write(good(0))  # a duplicate id
        ingest = h.Daemon("attache-ingest", h.merge(common, {
            "ingest.input": inp, "ingest.follow": "true", "ingest.output": enrich_in,
            "ingest.max_item_bytes": "4096"}), notify, tmp)
        daemons.append(ingest)
        notify.wait_ready(ingest.proc)
        pi = metrics_port(ingest)
        assert h.wait_for(lambda: get(pe, "/readyz")[0] == 200, 30), get(pe, "/readyz")
        assert h.wait_for(lambda: get(pi, "/readyz")[0] == 200, 30), get(pi, "/readyz")

        # Raw frames that are not attache messages, straight into enrich and sink.
        ctx = zmq.Context()
        raw = {}
        for endpoint, typ, other in ((enrich_in, b"attache.v1.NewsItem", b"attache.v1.Event"),
                                     (sink_in, b"attache.v1.Event", b"attache.v1.NewsItem")):
            s = ctx.socket(zmq.PUSH)
            s.setsockopt(zmq.LINGER, 5000)
            s.connect(endpoint.replace("zmq+", ""))
            s.send(b"just one frame")                      # bad_frame
            s.send_multipart([other, b"\x0a\x03abc"])      # wrong type: bad_frame
            s.send_multipart([typ, b"\xff\xfe\xfd junk"])  # bad_protobuf
            s.send_multipart([typ, b"\x0a\x02id"])         # decodes, invalid: invalid_message
            raw[endpoint] = s
        want_raw = {"bad_frame": 2, "bad_protobuf": 1, "invalid_message": 1}

        # During the run: more input while scraping; every scrape adds up.
        n_more = 300
        with open(inp, "a") as f:
            for i in range(n_first, n_first + n_more):
                f.write(good(i))
                if i % 50 == 0:
                    f.write('{"oops": \n')
        n_good = n_first + n_more
        n_bad_more = len([i for i in range(n_first, n_first + n_more) if i % 50 == 0])
        scrapes = 0
        while h.count_lines(out) < n_good and scrapes < 2000:
            for port, name in ((pi, "ingest"), (pe, "enrich"), (ps, "sink")):
                books(scrape(port), name)
            scrapes += 1
        assert h.wait_for(lambda: h.count_lines(out) >= n_good, 60), h.count_lines(out)

        # After the run: exact counts, once the last snapshot is in.
        rej_ingest = {"bad_json": 3 + n_bad_more, "invalid_item": 1, "oversize": 1,
                      "bad_file": 0}
        n_in = n_good + 1 + sum(rej_ingest.values())  # + the duplicate

        def settled():
            fi, fe, fs = scrape(pi), scrape(pe), scrape(ps)
            return (value(fi, "attache_items_received_total") == n_in and
                    value(fe, "attache_items_received_total") == n_good + 4 and
                    value(fs, "attache_items_received_total") == n_good + 4)
        assert h.wait_for(settled, 30)
        fi, fe, fs = scrape(pi), scrape(pe), scrape(ps)
        r, e, rej, d = books(fi, "ingest")
        assert (r, e) == (n_in, n_good), (r, e)
        for reason, n in rej_ingest.items():
            assert value(fi, "attache_items_rejected_total", reason=reason) == n, reason
        assert value(fi, "attache_items_dropped_total", reason="duplicate") == 1
        assert value(fi, "attache_items_dropped_total", reason="lost") == 0
        # The daemon's own counters are there too, under its prefix.
        assert value(fi, "attache_ingest_sent_total") == n_good
        assert value(fi, "attache_ingest_read_total") == n_in

        for fams, name in ((fe, "enrich"), (fs, "sink")):
            r, e, rej, d = books(fams, name)
            assert r == n_good + 4 and e == n_good and d == 0, (name, r, e, rej, d)
            for reason, n in want_raw.items():
                assert value(fams, "attache_items_rejected_total", reason=reason) == n, (
                    name, reason)
            assert value(fams, "attache_items_rejected_total", reason="oversize") == 0
        # Hand-over: what ingest emitted, enrich received (plus the raw frames).
        assert value(fi, "attache_items_emitted_total") + 4 == value(
            fe, "attache_items_received_total")
        assert value(fs, "attache_items_emitted_total") == h.count_lines(out) == n_good
        # Levels (queue depth, lag) are gauges without _total; counts are counters.
        assert fs["attache_sink_output_depth"]["type"] == "gauge"
        assert fs["attache_sink_output_lag_ms"]["type"] == "gauge"
        assert fs["attache_sink_output_written_total"]["type"] == "counter"
        # "written" counts what the output has durably (after its commit).
        assert h.wait_for(lambda: value(scrape(ps), "attache_sink_written_total") == n_good,
                          30), value(scrape(ps), "attache_sink_written_total")
        # The latency histogram is observed at the durable write (before "written" counts
        # it), so read it from a scrape taken after that, not from the earlier one.
        fs = scrape(ps)

        # Latency: one observation per event written, each a real duration.
        lat = fs["attache_event_latency_seconds"]
        assert lat["type"] == "histogram"
        count = value(fs, "attache_event_latency_seconds_count", output="jsonl")
        lsum = value(fs, "attache_event_latency_seconds_sum", output="jsonl")
        assert count == n_good, count
        assert 0 < lsum / count < 60, lsum / count
        for fams, name in ((fi, "ingest"), (fe, "enrich"), (fs, "sink")):
            assert value(fams, "attache_ready") == 1, name
            assert value(fams, "attache_build_info") == 1, name
            assert get({"ingest": pi, "enrich": pe, "sink": ps}[name], "/healthz")[0] == 200

        for s in raw.values():
            s.close(0)
        ctx.term()

        # Ingest goes away: enrich has no input peer any more and says so.
        assert ingest.stop() == 0, ingest.logtext()
        assert h.wait_for(lambda: get(pe, "/readyz")[0] == 503, 30), get(pe, "/readyz")
        assert "input: no peer connected" in get(pe, "/readyz")[1]

        # The final log line and the last scrape agree.
        last_sink = scrape(ps)
        assert enrich.stop() == 0, enrich.logtext()
        assert sink.stop() == 0, sink.logtext()
        fc = sink.final_counters()
        assert fc["received"] == value(last_sink, "attache_items_received_total")
        assert fc["written"] == value(last_sink, "attache_items_emitted_total")

        # A malformed listen address: a clear error at --check-config.
        for bad in ("9464", "127.0.0.1:99999", "localhost", "[::1]9464"):
            r = subprocess.run([os.path.join(h.BIN, "attache-enrich"), "--check-config", "-s",
                                "metrics.listen=" + bad, "-s", "enrich.data_dir=" + h.DATA],
                               capture_output=True, timeout=60)
            assert r.returncode == 1, (bad, r)
            assert b"metrics.listen '" + bad.encode() + b"'" in r.stderr, r.stderr
        r = subprocess.run([os.path.join(h.BIN, "attache-sink"), "--check-config", "-s",
                            "metrics.listen=127.0.0.1:9464"], capture_output=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert b"metrics.listen = 127.0.0.1:9464" in r.stdout, r.stdout
        # attache run --metrics gives each daemon a metrics port and says which.
        r = subprocess.run([os.path.join(h.BIN, "attache"), "run", "--metrics", "--data-dir",
                            h.DATA], capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr
        urls = re.findall(rb"(attache-\w+) metrics on http://127\.0\.0\.1:(\d+)/metrics", r.stderr)
        assert sorted(u[0] for u in urls) == [b"attache-enrich", b"attache-ingest",
                                              b"attache-sink"], r.stderr
        assert len(set(u[1] for u in urls)) == 3, urls
        print("metrics: %d scrapes during the run all added up; %d events, latency mean %.4f s"
              % (scrapes, n_good, lsum / count))
    finally:
        for d in daemons:
            if d.proc.poll() is None:
                d.proc.send_signal(signal.SIGKILL)
                d.proc.wait()


if __name__ == "__main__":
    main()
