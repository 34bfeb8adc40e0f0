#!/usr/bin/python3
"""ctest eval_annotations: the eval's annotation file is valid, and
`eval.py --check` really rejects broken annotations.

Runs `eval.py --check` on tests/eval/annotations.jsonl (URLs are checked
against the Wikinews corpus when it is present), then on copies with one
defect each (unknown country code, malformed QID, missing field, kinds that do
not match the countries, duplicate URL, bad location, URL or date not in the
corpus) and expects exit 1 with a message naming the defect. Finally checks
that a scoring run without the corpus says "skipped" and exits 0.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.join(HERE, "eval.py")
ANNOTATIONS = os.path.join(HERE, "annotations.jsonl")
DATA_DIR = os.environ.get("ATTACHE_DATA_DIR", os.path.join(HERE, "..", "..", "data"))


def run(*args):
    proc = subprocess.run([sys.executable, EVAL, "--data-dir", DATA_DIR] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return proc.returncode, proc.stdout.decode() + proc.stderr.decode()


def main():
    failures = []

    rc, out = run("--check")
    print(out.strip())
    if rc != 0:
        failures.append("the real annotation file is invalid")

    with open(ANNOTATIONS, encoding="utf-8") as fh:
        good = json.loads(fh.readline())
    good["notes"] = "fixture"

    def mutate(fn):
        rec = json.loads(json.dumps(good))
        fn(rec)
        return [rec]

    def drop(key):
        return lambda r: r.pop(key)

    cases = [
        ("unknown country code", mutate(lambda r: (r["countries"].append("XYZ"),
                                                    r["kinds"].__setitem__("XYZ", "name"))),
         "'XYZ' is not in data/countries.tsv"),
        ("lower-case code", mutate(lambda r: (r["countries"].append("usa"),
                                              r["kinds"].__setitem__("usa", "name"))),
         "is not an alpha-3 code"),
        ("malformed QID", mutate(lambda r: r["actors"].append({"name": "X Y", "qid": "Q07"})),
         "QID 'Q07' is not well formed"),
        ("missing field", mutate(drop("location")), "missing field 'location'"),
        ("kinds mismatch", mutate(lambda r: r["kinds"].pop(r["countries"][0])),
         "exactly one entry per country"),
        ("unknown kind", mutate(lambda r: r["kinds"].__setitem__(r["countries"][0], "planet")),
         "is not one of"),
        ("bad location", mutate(lambda r: r.__setitem__("location", {"country": "ZZZ"})),
         "location country 'ZZZ'"),
        ("location outside countries", mutate(lambda r: r.__setitem__("location", {"country": "NOR"})),
         "not among the article's countries"),
        ("actor without name", mutate(lambda r: r["actors"].append({"qid": "Q1"})),
         "needs a non-empty 'name'"),
        ("duplicate url", [good, good], "url also annotated on line 1"),
        ("unknown field", mutate(lambda r: r.__setitem__("country", ["USA"])),
         "unknown field 'country'"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        empty_corpus = os.path.join(tmp, "no-corpus")
        for name, recs, expect in cases:
            path = os.path.join(tmp, "bad.jsonl")
            with open(path, "w", encoding="utf-8") as fh:
                for r in recs:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            rc, out = run("--check", "--annotations", path, "--corpus", empty_corpus)
            if rc != 1 or expect not in out:
                failures.append("%s: expected exit 1 and %r, got %d: %s" % (name, expect, rc, out))

        # A corpus of one row: a URL or date that is not in it is an error.
        corpus = os.path.join(tmp, "corpus")
        os.mkdir(corpus)
        with open(os.path.join(corpus, good["file"]), "w", encoding="utf-8") as fh:
            fh.write('url,date,title,text\n"%s",%s,"%s","body"\n' % (
                good["url"], good["date"], good["title"].replace('"', '""')))
        path = os.path.join(tmp, "one.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(good) + "\n")
        rc, out = run("--check", "--annotations", path, "--corpus", corpus)
        if rc != 0:
            failures.append("one-row corpus: expected exit 0, got %d: %s" % (rc, out))
        for name, change, expect in [
                ("url not in corpus", ("url", good["url"] + "_x"), "url not found in"),
                ("date differs", ("date", "1999-01-01"), "but the CSV says")]:
            rec = dict(good)
            rec[change[0]] = change[1]
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(rec) + "\n")
            rc, out = run("--check", "--annotations", path, "--corpus", corpus)
            if rc != 1 or expect not in out:
                failures.append("%s: expected exit 1 and %r, got %d: %s" % (name, expect, rc, out))

        rc, out = run("--corpus", empty_corpus)
        if rc != 0 or "skipped" not in out:
            failures.append("no corpus: expected 'skipped' and exit 0, got %d: %s" % (rc, out))

    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok: %d defect cases rejected, corpus checks and skip work" % (len(cases) + 2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
