#!/usr/bin/python3
"""actor-rekey.py: give an actor a new id in every table at once.

A person keyed by a local id (`attache:first-last`, docs/data.md
"actors.tsv") gets their Wikidata QID once a stored record confirms it; the
id must then change in actors.tsv, actor_aliases.tsv, roles.tsv and
warrants.tsv together, or the loader rejects the tables ("unknown actor").
This tool does that, and only that:

  - OLD must be an actor in actors.tsv; NEW must be a well-formed id
    (Q[1-9][0-9]* or attache:slug) that no actor has yet. Merging two
    existing actors is a reviewer's job (their aliases and terms may
    conflict), so a NEW that exists is an error, not a merge.
  - Only the first column (the key) of each table changes; comments,
    other columns, row order and line endings are kept byte for byte.
  - With --source TEXT the actors.tsv row's `source` is replaced too (the
    record that confirmed the QID).
  - Nothing is written unless every table was read and rewritten in
    memory first; each file is replaced atomically (write, then rename).

Run `attache data check` afterwards; record the pair in docs/data-rounds.md.

Usage: tools/actor-rekey.py [--data DIR] [--source TEXT] OLD NEW
"""
import argparse
import os
import re
import sys

ID_RE = re.compile(r"^(Q[1-9][0-9]*|attache:[a-z0-9]+(-[a-z0-9]+)*)$")
TABLES = ("actors.tsv", "actor_aliases.tsv", "roles.tsv", "warrants.tsv")


def rekey(path, old, new, source=None):
    """The file's text with OLD replaced by NEW in the key column, the count
    of rows changed, and the keys the file had before the change."""
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.readlines()
    out, n, header, keys = [], 0, None, set()
    for line in lines:
        if line.startswith("#") or not line.strip():
            out.append(line)
            continue
        body = line.rstrip("\r\n")
        eol = line[len(body):]
        cols = body.split("\t")
        if header is None:
            header = cols
            out.append(line)
            continue
        keys.add(cols[0])
        if cols[0] == old:
            cols[0] = new
            if source is not None and "source" in header:
                cols[header.index("source")] = source
            n += 1
        out.append("\t".join(cols) + eol)
    return "".join(out), n, keys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="data", help="data directory (default: data)")
    ap.add_argument("--source", help="new `source` for the actors.tsv row")
    ap.add_argument("old")
    ap.add_argument("new")
    a = ap.parse_args()
    if not ID_RE.match(a.new) or len(a.new) > 64:
        sys.exit("actor-rekey: %r is not an actor id (Q123 or attache:first-last)" % a.new)
    if a.source is not None and ("\t" in a.source or "\n" in a.source or not a.source.strip()):
        sys.exit("actor-rekey: --source must be one non-empty line without tabs")
    texts = {}
    for t in TABLES:
        path = os.path.join(a.data, t)
        if not os.path.exists(path):
            sys.exit("actor-rekey: %s: no such file" % path)
        texts[t] = rekey(path, a.old, a.new, a.source if t == "actors.tsv" else None)
    if texts["actors.tsv"][1] != 1:
        sys.exit("actor-rekey: %r is not an actor in %s" % (a.old, os.path.join(a.data,
                                                                                 "actors.tsv")))
    if a.new in texts["actors.tsv"][2]:
        sys.exit("actor-rekey: %r is already an actor; merging two actors is done by hand" % a.new)
    for t in TABLES:
        path = os.path.join(a.data, t)
        tmp = path + ".rekey.tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(texts[t][0])
        os.replace(tmp, path)
    print("actor-rekey: %s -> %s: %s" % (a.old, a.new, ", ".join(
        "%s %d" % (t, texts[t][1]) for t in TABLES)))


if __name__ == "__main__":
    main()
