"""The alert rules' config: attache-enrich --check-config, `attache enrich
--set`, and SIGHUP applying new rule settings to a running daemon.

- Bad values of the alerts.* keys fail --check-config (exit 1) with the
  key, the value and file:line (or "command line") in the message; a
  non-party severity above info is refused (the issue: never high there).
- `attache enrich` on the model case: Astana gives an info record,
  Ulaanbaatar a critical one; --set turns the non-party record off and
  changes the party severity; a bad --set value exits 2 naming the key.
- A running attache-enrich with a config file: the file is changed to
  alerts.warrant_exposure.severity = warning and enrich gets SIGHUP; items
  written after the reload was logged carry warning, items before it
  critical, and none is lost.
"""
import json
import os
import re
import signal
import subprocess

import harness as h

ATTACHE = os.path.join(h.BIN, "attache")
ENRICHD = os.path.join(h.BIN, "attache-enrich")

ASTANA = {"id": "astana", "url": "https://example.org/astana",
          "title": "Putin arrives in Astana",
          "body": "ASTANA, July 3 (Reuters) - Vladimir Putin arrived for the summit.",
          "published": "2024-07-03T09:40:00Z"}
UB = {"id": "ub", "url": "https://example.org/ub", "title": "Putin in Mongolia",
      "body": "ULAANBAATAR - Mongolia welcomed Vladimir Putin.",
      "published": "2024-09-03T06:30:00Z"}


def check_config_errors(tmp):
    cases = [
        ("alerts.warrant_exposure.severity", "high", "info|notice|warning|critical"),
        ("alerts.warrant_exposure.non_party_severity", "critical", "off|info"),
        ("alerts.warrant_exposure.unknown_severity", "loud", "must be one of"),
        ("alerts.warrant_exposure.enabled", "perhaps", "not a boolean"),
        ("alerts.status_change.severity", "", "must be one of"),
        ("alerts.status_change.window_days", "400", "out of range"),
    ]
    for key, value, why in cases:
        r = subprocess.run([ENRICHD, "--check-config", "-s", "enrich.data_dir=" + h.DATA,
                            "-s", "%s=%s" % (key, value)], capture_output=True, text=True)
        assert r.returncode == 1, (key, r.returncode, r.stderr)
        assert "command line: %s = '%s'" % (key, value) in r.stderr and why in r.stderr, r.stderr
        # The same from a file: file:line.
        section, name = key.rsplit(".", 1)
        ini = os.path.join(tmp, "bad.ini")
        with open(ini, "w") as f:
            f.write("# alert rules\n[%s]\n%s = %s\n" % (section, name, value))
        r = subprocess.run([ENRICHD, "--check-config", "-c", ini, "-s",
                            "enrich.data_dir=" + h.DATA], capture_output=True, text=True)
        assert r.returncode == 1 and "%s:3: %s = '%s'" % (ini, key, value) in r.stderr, r.stderr
    r = subprocess.run([ENRICHD, "--check-config", "-s", "enrich.data_dir=" + h.DATA,
                        "-s", "alerts.warrant_exposure.severity=warning",
                        "-s", "alerts.status_change.enabled=false"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "alerts.warrant_exposure.severity = warning" in r.stdout, r.stdout


def cli_enrich(*sets):
    args = [ATTACHE, "enrich", "--data-dir", h.DATA]
    for s in sets:
        args += ["--set", s]
    inp = "".join(json.dumps(i) + "\n" for i in (ASTANA, UB))
    r = subprocess.run(args, input=inp, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return {e["id"]: e for e in map(json.loads, r.stdout.splitlines())}


def alerts_of(ev, rule="warrant_exposure"):
    return [(a["country"], a["severity"]) for a in ev["alerts"] if a["rule"] == rule]


def cli_cases():
    ev = cli_enrich()
    assert alerts_of(ev["astana"]) == [("KAZ", "info")], ev["astana"]["alerts"]
    assert alerts_of(ev["ub"]) == [("MNG", "critical")], ev["ub"]["alerts"]
    ev = cli_enrich("alerts.warrant_exposure.non_party_severity=off",
                    "alerts.warrant_exposure.severity=warning")
    assert alerts_of(ev["astana"]) == [], ev["astana"]["alerts"]
    assert alerts_of(ev["ub"]) == [("MNG", "warning")], ev["ub"]["alerts"]
    ev = cli_enrich("alerts.warrant_exposure.enabled=false")
    assert ev["astana"]["alerts"] == [] and ev["ub"]["alerts"] == []
    for bad in ("alerts.warrant_exposure.severity=high", "alerts.nope=1", "enrich.input=x"):
        r = subprocess.run([ATTACHE, "enrich", "--data-dir", h.DATA, "--set", bad],
                           input="", capture_output=True, text=True)
        assert r.returncode == 2 and bad.split("=")[0] in r.stderr, (bad, r.stderr)


def sighup_applies_rules(tmp):
    ini = os.path.join(tmp, "enrich.ini")
    with open(ini, "w") as f:
        f.write("[alerts.warrant_exposure]\nseverity = critical\n")
    p = h.Pipeline(tmp=tmp, start_ingest=False)
    # The harness starts enrich with -s flags only: replace it with one that
    # reads the config file SIGHUP re-reads.
    assert p.enrich.stop() == 0
    args = [ENRICHD, "-c", ini, "-s", "enrich.input=%s?bind=1" % p.enrich_in,
            "-s", "enrich.output=" + p.sink_in, "-s", "enrich.data_dir=" + h.DATA,
            "-s", "daemon.stats_interval=0"]
    log_path = os.path.join(tmp, "enrich-rules.log")
    log = open(log_path, "w")
    env = dict(os.environ, NOTIFY_SOCKET=p.notify.path)
    proc = subprocess.Popen(args, stderr=log, stdout=subprocess.DEVNULL, env=env)
    p.notify.wait_ready(proc)
    ingest = p.start_ingest("-", stdin=subprocess.PIPE)

    def write(prefix, n):
        for i in range(n):
            it = dict(UB, id="%s-%d" % (prefix, i), title="%s %d: Putin in Mongolia" % (prefix, i),
                      url="https://example.org/%s/%d" % (prefix, i))
            ingest.proc.stdin.write((json.dumps(it) + "\n").encode())
        ingest.proc.stdin.flush()

    try:
        write("before", 50)
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= 50, 120)
        with open(ini, "w") as f:
            f.write("[alerts.warrant_exposure]\nseverity = warning\n")
        proc.send_signal(signal.SIGHUP)
        assert h.wait_for(lambda: "in use from the next item" in open(log_path).read(), 120), \
            open(log_path).read()
        write("after", 50)
        ingest.proc.stdin.close()
        assert h.wait_for(lambda: h.count_lines(p.sink_output) >= 100, 120)
    finally:
        if not ingest.proc.stdin.closed:
            ingest.proc.stdin.close()
        ingest.stop()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        log.close()
        p.sink.stop()
    events = p.events()
    assert len(events) == 100 and len({e["id"] for e in events}) == 100
    for e in events:
        want = "critical" if e["id"].startswith("before") else "warning"
        assert alerts_of(e) == [("MNG", want)], (e["id"], e["alerts"])
    assert re.search(r"final: .*data_reloads=1 ", open(log_path).read())


def main():
    tmp = h.scratch_dir("attache-rules.")
    check_config_errors(tmp)
    cli_cases()
    sighup_applies_rules(tmp)
    print("ok: alert keys checked at --check-config and by attache enrich --set; "
          "SIGHUP changed the party severity between two items")


if __name__ == "__main__":
    main()
