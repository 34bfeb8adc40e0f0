#!/usr/bin/python3
"""Enrichment quality eval: scores `attache enrich` against hand annotations.

The annotations (tests/eval/annotations.jsonl) name English Wikinews articles
by CSV file and URL; the article text is read at run time from the corpus
directory (not kept in the repository). Each article becomes one attache input
item; `attache enrich` (filter mode) tags them all in one run, and this script
prints precision, recall and F1 for countries, actors and the event location.
The annotation guideline and the recorded results are in docs/eval.md.

It is an eval, not a test: it exits 0 whatever the scores, and prints
"skipped" (exit 0) when the corpus is not there. It exits 1 only when it could
not run (bad annotations, no binary, attache failed).

`--check` validates the annotation file only (fields, codes, QIDs; URLs against
the corpus when present) and exits 1 on any error: that part is a ctest.

Debian's /usr/bin/python3, standard library only.
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CORPUS = "/work/shared/data/wikinews-2019-2020"
CORPUS_FILES = ("wikinews_2019.csv", "wikinews_2020.csv")
KINDS = ("name", "abbreviation", "demonym", "capital", "city", "region")
REQUIRED = {
    "url": str,
    "file": str,
    "date": str,
    "title": str,
    "countries": list,
    "kinds": dict,
    "actors": list,
    "location": dict,
}
QID_RE = re.compile(r"^Q[1-9][0-9]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CODE_RE = re.compile(r"^[A-Z]{3}$")


def read_tsv(path):
    """Rows of a data/ TSV file (comment lines skipped) as dicts."""
    with open(path, encoding="utf-8") as fh:
        lines = [l for l in fh if l.strip() and not l.startswith("#")]
    header = lines[0].rstrip("\n").split("\t")
    return [dict(zip(header, l.rstrip("\n").split("\t"))) for l in lines[1:]]


def fold(s):
    """Case- and accent-insensitive key for names ("Erdoğan" == "erdogan")."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    s = s.replace("ı", "i")
    return " ".join(re.sub(r"[^\w]+", " ", s).split())


def load_corpus(corpus_dir):
    """{(file, url): row} for the CSVs present; None when none is."""
    csv.field_size_limit(1 << 28)
    found = {}
    any_file = False
    for name in CORPUS_FILES:
        path = os.path.join(corpus_dir, name)
        if not os.path.isfile(path):
            continue
        any_file = True
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                found[(name, row["url"])] = row
    return found if any_file else None


def load_annotations(path):
    """Parse the JSONL file: (list of records, list of error strings)."""
    records, errors = [], []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                errors.append("line %d: invalid JSON: %s" % (n, e))
                continue
            if not isinstance(rec, dict):
                errors.append("line %d: not a JSON object" % n)
                continue
            rec["_line"] = n
            records.append(rec)
    return records, errors


def validate(records, codes, corpus):
    """Schema errors of the annotation records, as strings naming the line."""
    errors = []
    seen = {}
    for rec in records:
        where = "line %d" % rec["_line"]
        bad = False
        for key, typ in REQUIRED.items():
            if key not in rec:
                errors.append("%s: missing field %r" % (where, key))
                bad = True
            elif not isinstance(rec[key], typ):
                errors.append("%s: %r must be a %s" % (where, key, typ.__name__))
                bad = True
        for key in rec:
            if key not in REQUIRED and key not in ("notes", "_line"):
                errors.append("%s: unknown field %r" % (where, key))
        if "notes" in rec and not isinstance(rec["notes"], str):
            errors.append("%s: 'notes' must be a string" % where)
        if bad:
            continue
        if rec["file"] not in CORPUS_FILES:
            errors.append("%s: file %r is not one of %s" % (where, rec["file"], CORPUS_FILES))
        if not DATE_RE.match(rec["date"]):
            errors.append("%s: date %r is not YYYY-MM-DD" % (where, rec["date"]))
        if not rec["url"].startswith("https://"):
            errors.append("%s: url %r is not https" % (where, rec["url"]))
        if rec["url"] in seen:
            errors.append("%s: url also annotated on line %d" % (where, seen[rec["url"]]))
        seen[rec["url"]] = rec["_line"]
        cs = rec["countries"]
        for c in cs:
            if not isinstance(c, str) or not CODE_RE.match(c):
                errors.append("%s: country %r is not an alpha-3 code" % (where, c))
            elif c not in codes:
                errors.append("%s: country %r is not in data/countries.tsv" % (where, c))
        if len(set(map(str, cs))) != len(cs):
            errors.append("%s: duplicate country codes" % where)
        if set(map(str, cs)) != set(rec["kinds"]):
            errors.append("%s: 'kinds' must have exactly one entry per country" % where)
        for c, k in rec["kinds"].items():
            if k not in KINDS:
                errors.append("%s: kind %r of %s is not one of %s" % (where, k, c, KINDS))
        names = set()
        for a in rec["actors"]:
            if not isinstance(a, dict) or not isinstance(a.get("name"), str) or not a["name"].strip():
                errors.append("%s: actor %r needs a non-empty 'name'" % (where, a))
                continue
            if set(a) - {"name", "qid"}:
                errors.append("%s: actor %r has unknown keys" % (where, a["name"]))
            if "qid" in a and not (isinstance(a["qid"], str) and QID_RE.match(a["qid"])):
                errors.append("%s: actor %r: QID %r is not well formed" % (where, a["name"], a.get("qid")))
            if fold(a["name"]) in names:
                errors.append("%s: actor %r listed twice" % (where, a["name"]))
            names.add(fold(a["name"]))
        loc = rec["location"]
        if loc:
            if set(loc) - {"country", "place"} or "country" not in loc:
                errors.append("%s: location must be {} or {country, place?}" % where)
            elif loc["country"] not in codes:
                errors.append("%s: location country %r is not in data/countries.tsv" % (where, loc["country"]))
            elif loc["country"] not in rec["countries"]:
                errors.append("%s: location country %r is not among the article's countries" % (where, loc["country"]))
            if "place" in loc and (not isinstance(loc["place"], str) or not loc["place"].strip()):
                errors.append("%s: location place must be a non-empty string" % where)
        if corpus is not None:
            row = corpus.get((rec["file"], rec["url"]))
            if row is None:
                errors.append("%s: url not found in %s" % (where, rec["file"]))
            elif row["date"][:10] != rec["date"]:
                errors.append("%s: date %s but the CSV says %s" % (where, rec["date"], row["date"][:10]))
    return errors


class Counts:
    """True/false positives and false negatives, with P/R/F1."""

    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def scores(self):
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def as_dict(self):
        p, r, f = self.scores()
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}

    def line(self, label):
        p, r, f = self.scores()
        return "%-34s P %.3f  R %.3f  F1 %.3f   (tp %d, fp %d, fn %d)" % (
            label, p, r, f, self.tp, self.fp, self.fn)


def actor_index(data_dir):
    """(ids in actors.tsv, {folded name or alias: set of QIDs})."""
    ids, names = set(), {}
    for row in read_tsv(os.path.join(data_dir, "actors.tsv")):
        ids.add(row["id"])
        names.setdefault(fold(row["name"]), set()).add(row["id"])
    path = os.path.join(data_dir, "actor_aliases.tsv")
    if os.path.isfile(path):
        for row in read_tsv(path):
            names.setdefault(fold(row["alias"]), set()).add(row["actor"])
    return ids, names


def alias_index(data_dir):
    """{code: [(spelling, scope)]} from aliases.tsv and places.tsv, to explain
    misses (scope "dateline" = the place counts only as a dateline)."""
    out = {}
    for name in ("aliases.tsv", "places.tsv"):
        path = os.path.join(data_dir, name)
        if os.path.isfile(path):
            for row in read_tsv(path):
                if row.get("code") and row.get("alias"):
                    out.setdefault(row["code"], []).append((row["alias"], row.get("scope", "text")))
    return out


def miss_cause(code, text, aliases):
    """Why a country was missed: (class, detail). The classes separate gaps in
    the data from misses of the engine."""
    spellings = aliases.get(code, [])
    if not spellings:
        return "no spelling in data", ""
    dateline_only = None
    for alias, scope in spellings:
        for form in {alias, alias.upper()}:
            if re.search(r"(?<!\w)" + re.escape(form) + r"(?!\w)", text):
                if scope == "dateline":
                    dateline_only = form
                else:
                    return "data spelling in text: engine miss", form
    if dateline_only:
        return "dateline-only spelling in text", dateline_only
    return "text uses a spelling not in data", ""


def resolve_actor(a, ids, names):
    """The data QID an annotated actor stands for, or None; and how."""
    if "qid" in a:
        return (a["qid"], "qid") if a["qid"] in ids else (None, "qid not in data")
    hit = names.get(fold(a["name"]), set())
    if len(hit) == 1:
        return next(iter(hit)), "name"
    return None, ("ambiguous name" if hit else "not in data")


def baseline_location(ev):
    """For comparison only: the country named first in the title, else the
    most mentioned one, from attache's own countries[]; None if none."""
    cs = ev.get("countries", [])
    titled = sorted((c for c in cs if c.get("in_title")), key=lambda c: c.get("first_offset", 0))
    if titled:
        return titled[0]["code"]
    if cs:
        return max(cs, key=lambda c: (c.get("mentions", 0), -c.get("first_offset", 0)))["code"]
    return None


def snippet(text, offset, width=50):
    """Context around a byte offset of the UTF-8 text, on one line."""
    raw = text.encode("utf-8")
    lo, hi = max(0, offset - width), min(len(raw), offset + width)
    s = raw[lo:hi].decode("utf-8", "replace")
    return " ".join(s.split())


def run_attache(binary, data_dir, items):
    """Events by id from one `attache enrich` run over the items."""
    payload = "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items)
    cmd = [binary, "enrich", "--data-dir", data_dir]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, input=payload.encode("utf-8"), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=600)
    elapsed = time.monotonic() - t0
    if proc.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), proc.returncode,
                                                 proc.stderr.decode("utf-8", "replace")[-2000:]))
    events = {}
    for line in proc.stdout.decode("utf-8").splitlines():
        if line.strip():
            ev = json.loads(line)
            events[ev["id"]] = ev
    return events, elapsed, proc.stderr.decode("utf-8", "replace")


def evaluate(records, corpus, events, data_dir, verbose, out):
    """Score the events against the annotations; returns the scores dict."""
    ids, names = actor_index(data_dir)
    aliases = alias_index(data_dir)
    causes = {}
    countries, countries_nr = Counts(), Counts()
    by_kind = {k: [0, 0] for k in KINDS}  # found, total
    actors, actors_all = Counts(), [0, 0]
    resolved_by = {}
    loc_total = loc_ok = loc_none = loc_place_ok = 0
    loc_empty_total = loc_spurious = loc_baseline_ok = 0
    details = []
    for n, rec in enumerate(records):
        ev = events.get("eval-%03d" % n)
        row = corpus[(rec["file"], rec["url"])]
        text = rec["title"] + "\n\n" + row["text"]
        if ev is None:
            details.append((rec, ["  NO EVENT (attache rejected the item?)"]))
            continue
        lines = []
        pred = {c["code"]: c for c in ev.get("countries", [])}
        gold = set(rec["countries"])
        for c in sorted(gold | set(pred)):
            kind = rec["kinds"].get(c)
            if c in gold and c in pred:
                countries.tp += 1
                by_kind[kind][0] += 1
            elif c in gold:
                countries.fn += 1
                cause, detail = miss_cause(c, text, aliases)
                causes[cause] = causes.get(cause, 0) + 1
                lines.append("  country FN %s (%s; %s%s)" % (
                    c, kind, cause, " %r" % detail if detail else ""))
            else:
                countries.fp += 1
                pc = pred[c]
                lines.append("  country FP %s kinds=%s at %d: \"...%s...\"" % (
                    c, ",".join(pc.get("kinds", [])), pc.get("first_offset", -1),
                    snippet(text, pc.get("first_offset", 0))))
            if c in gold:
                by_kind[kind][1] += 1
            if kind == "region":
                continue
            if c in gold and c in pred:
                countries_nr.tp += 1
            elif c in gold:
                countries_nr.fn += 1
            else:
                countries_nr.fp += 1
        gold_actors = {}
        for a in rec["actors"]:
            qid, how = resolve_actor(a, ids, names)
            resolved_by[how] = resolved_by.get(how, 0) + 1
            if qid:
                gold_actors[qid] = a["name"]
        pred_actors = {a["id"]: a for a in ev.get("actors", [])}
        for q in sorted(set(gold_actors) | set(pred_actors)):
            if q in gold_actors and q in pred_actors:
                actors.tp += 1
            elif q in gold_actors:
                actors.fn += 1
                lines.append("  actor FN %s (%s)" % (q, gold_actors[q]))
            else:
                actors.fp += 1
                lines.append("  actor FP %s (%s)" % (q, pred_actors[q].get("name", "")))
        actors_all[0] += len(set(gold_actors) & set(pred_actors))
        actors_all[1] += len(rec["actors"])
        missing_data = [a["name"] for a in rec["actors"] if not resolve_actor(a, ids, names)[0]]
        if missing_data and verbose > 1:
            lines.append("  actors not in data: %s" % ", ".join(missing_data))
        base = baseline_location(ev)
        if rec["location"] and base == rec["location"]["country"]:
            loc_baseline_ok += 1
        locs = ev.get("locations", [])
        top = locs[0] if locs else None
        gl = rec["location"]
        if gl:
            loc_total += 1
            if top is None:
                loc_none += 1
                lines.append("  location: none, expected %s %s" % (gl["country"], gl.get("place", "")))
            elif top.get("code") == gl["country"]:
                loc_ok += 1
                if "place" in gl and fold(top.get("place", "")) == fold(gl["place"]):
                    loc_place_ok += 1
            else:
                lines.append("  location: %s %s (%s), expected %s %s" % (
                    top.get("code"), top.get("place", ""), top.get("basis", ""),
                    gl["country"], gl.get("place", "")))
        else:
            loc_empty_total += 1
            if top is not None:
                loc_spurious += 1
                lines.append("  location: %s %s (%s), none annotated" % (
                    top.get("code"), top.get("place", ""), top.get("basis", "")))
        if lines:
            details.append((rec, lines))

    if verbose:
        out.write("\nPer-article errors (FP = attache only, FN = annotation only):\n")
        for rec, lines in details:
            out.write("\n%s  %s  [%s]\n" % (rec["date"], rec["title"], rec["file"]))
            for l in lines:
                out.write(l + "\n")
            if rec.get("notes"):
                out.write("  notes: %s\n" % rec["notes"])
        out.write("\n")

    scores = {
        "articles": len(records),
        "countries": countries.as_dict(),
        "countries_without_region_only": countries_nr.as_dict(),
        "countries_fn_causes": causes,
        "countries_recall_by_kind": {k: {"found": v[0], "total": v[1],
                                         "recall": round(v[0] / v[1], 4) if v[1] else None}
                                     for k, v in by_kind.items()},
        "actors_in_data": actors.as_dict(),
        "actors_all_recall": {"found": actors_all[0], "total": actors_all[1],
                              "recall": round(actors_all[0] / actors_all[1], 4) if actors_all[1] else None},
        "actor_annotations_resolved": resolved_by,
        "location": {"annotated": loc_total, "correct_country": loc_ok, "no_location": loc_none,
                     "accuracy": round(loc_ok / loc_total, 4) if loc_total else None,
                     "correct_place": loc_place_ok,
                     "baseline_correct_country": loc_baseline_ok,
                     "not_annotated": loc_empty_total, "given_anyway": loc_spurious},
    }
    return scores


def print_scores(s, out):
    def counts_line(label, d):
        return "%-34s P %.3f  R %.3f  F1 %.3f   (tp %d, fp %d, fn %d)\n" % (
            label, d["precision"], d["recall"], d["f1"], d["tp"], d["fp"], d["fn"])
    out.write("articles: %d\n\n" % s["articles"])
    out.write(counts_line("countries (article x country)", s["countries"]))
    out.write(counts_line("  without region-only countries", s["countries_without_region_only"]))
    out.write("  false negatives by cause: %s\n" % "; ".join(
        "%s %d" % kv for kv in sorted(s["countries_fn_causes"].items(), key=lambda kv: -kv[1])))
    out.write("  recall by strongest annotated kind:\n")
    for k, v in s["countries_recall_by_kind"].items():
        if v["total"]:
            out.write("    %-12s %3d / %3d  = %.3f\n" % (k, v["found"], v["total"], v["recall"]))
    out.write(counts_line("actors in data (by QID)", s["actors_in_data"]))
    a = s["actors_all_recall"]
    out.write("  recall over all annotated actors: %d / %d = %.3f\n" % (a["found"], a["total"], a["recall"] or 0))
    out.write("  annotated actors resolved: %s\n" % ", ".join(
        "%s %d" % kv for kv in sorted(s["actor_annotations_resolved"].items())))
    l = s["location"]
    out.write("event location (top country)        accuracy %.3f  (%d / %d; no location %d; place also right %d)\n" % (
        l["accuracy"] or 0, l["correct_country"], l["annotated"], l["no_location"], l["correct_place"]))
    out.write("  articles without an annotated location: %d, attache gave one for %d\n" % (
        l["not_annotated"], l["given_anyway"]))
    out.write("  for comparison, first country in the title else the most mentioned: %d / %d = %.3f\n" % (
        l["baseline_correct_country"], l["annotated"],
        l["baseline_correct_country"] / l["annotated"] if l["annotated"] else 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="validate the annotation file only")
    ap.add_argument("--verbose", "-v", action="count", default=0,
                    help="print every false positive and negative (-vv: also actors missing from data)")
    ap.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    ap.add_argument("--bin", default=os.path.join(SOURCE_DIR, "build", "bin", "attache"),
                    help="the attache binary (default build/bin/attache)")
    ap.add_argument("--data-dir", default=os.path.join(SOURCE_DIR, "data"), help="reference data")
    ap.add_argument("--corpus", default=os.environ.get("ATTACHE_EVAL_CORPUS", DEFAULT_CORPUS),
                    help="directory of the Wikinews CSVs (env ATTACHE_EVAL_CORPUS)")
    ap.add_argument("--annotations", default=os.path.join(HERE, "annotations.jsonl"))
    args = ap.parse_args()

    codes = {row["code"] for row in read_tsv(os.path.join(args.data_dir, "countries.tsv"))}
    records, errors = load_annotations(args.annotations)
    corpus = load_corpus(args.corpus)
    errors += validate(records, codes, corpus)
    if errors:
        for e in errors:
            print("%s: %s" % (args.annotations, e), file=sys.stderr)
        print("%d error(s) in %s" % (len(errors), args.annotations), file=sys.stderr)
        return 1
    if args.check:
        print("%s: %d annotations valid (%s)" % (
            args.annotations, len(records),
            "URLs checked against the corpus" if corpus is not None else "corpus not found: URLs not checked"))
        return 0
    if corpus is None:
        print("skipped: the Wikinews corpus is not in %s (set ATTACHE_EVAL_CORPUS or --corpus)" % args.corpus)
        return 0
    if not os.access(args.bin, os.X_OK):
        print("eval: no attache binary at %s (build first, or --bin)" % args.bin, file=sys.stderr)
        return 1

    items = []
    for n, rec in enumerate(records):
        row = corpus[(rec["file"], rec["url"])]
        items.append({"id": "eval-%03d" % n, "url": rec["url"], "title": rec["title"],
                      "body": row["text"], "published": rec["date"] + "T12:00:00Z",
                      "source": "wikinews", "language": "en"})
    try:
        events, elapsed, stderr = run_attache(args.bin, args.data_dir, items)
    except (OSError, RuntimeError, subprocess.SubprocessError, ValueError) as e:
        print("eval: %s" % e, file=sys.stderr)
        return 1
    scores = evaluate(records, corpus, events, args.data_dir, args.verbose,
                      sys.stderr if args.json else sys.stdout)
    version = next(iter(events.values()), {}).get("data_version", "?")
    scores["data_version"] = version
    scores["run_seconds"] = round(elapsed, 3)
    if args.json:
        print(json.dumps(scores, sort_keys=True))
    else:
        print("attache eval: %s, data %s (data_version %s), %s" % (
            args.bin, args.data_dir, version, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
        print_scores(scores, sys.stdout)
        if stderr.strip():
            print("attache stderr: %s" % stderr.strip()[-500:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
