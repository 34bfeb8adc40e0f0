"""`attache run --transport kafka`: the three daemons over the topics of a
mock cluster that `attache run` starts itself (no outside broker). The
bundled sample and 2,000 generated items each come out once; `attache run`
checks the books and exits 0 only if every item arrived exactly once.
"""
import json
import os
import subprocess

import harness as h


def run(args, timeout=240):
    return subprocess.run([os.path.join(h.BIN, "attache"), "run", "--transport", "kafka",
                           "--data-dir", h.DATA] + args, capture_output=True, text=True,
                          timeout=timeout)


def main():
    r = run([])
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    sample = os.path.join(h.DATA, "samples", "news.jsonl")
    assert len(events) == h.count_lines(sample), r.stdout
    mng = [e for e in events if e["id"] == "sample-ulaanbaatar-visit"][0]
    assert any(a["country"] == "MNG" and a["severity"] == "critical" for a in mng["alerts"])
    assert "Kafka mock cluster at 127.0.0.1:" in r.stderr, r.stderr

    tmp = h.scratch_dir("attache-kafka-run.")
    path = os.path.join(tmp, "items.jsonl")
    h.write_jsonl(path, h.make_items(2000, body_bytes=1000, prefix="run"))
    r = run(["--input", path, "--output", "sqlite:" + os.path.join(tmp, "ev.db")])
    assert r.returncode == 0, r.stderr
    assert "2000 of 2000 items accounted for" in r.stderr, r.stderr
    print("ok: attache run --transport kafka carried the sample and 2,000 items through")


if __name__ == "__main__":
    main()
