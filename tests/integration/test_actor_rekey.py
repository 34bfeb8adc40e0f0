"""tools/actor-rekey.py: replacing a local id by a confirmed QID.

On a copy of the shipped tables with one person added under a local id
(an actor row, an alias, a term and a warrant, made up for the test):

  - rekeying to a fresh QID changes exactly the key column of those four
    rows, keeps every other byte of every table, sets the new `source`,
    and `attache data check` still passes;
  - the errors leave every table untouched: an OLD that is no actor, a NEW
    that is already an actor (a merge is done by hand), a malformed NEW, a
    --source with a tab, a missing table.
"""
import os
import shutil
import subprocess
import sys

import harness as h

ATTACHE = os.path.join(h.BIN, "attache")
TOOL = os.path.join(h.SRC, "tools", "actor-rekey.py")
TABLES = ("actors.tsv", "actor_aliases.tsv", "roles.tsv", "warrants.tsv")
LOCAL = "attache:test-rekey-person"
ROWS = {
    "actors.tsv": [LOCAL, "Test Rekeyperson", "RUS", "a made-up test row", "2026-11-28"],
    "actor_aliases.tsv": [LOCAL, "Test Rekeyperson", "full", "caps", "", "test", "2026-11-28"],
    "roles.tsv": [LOCAL, "commissioner", "RUS", "Commissioner", "2021-10-27", "", "", "",
                  "sole", "test", "2026-11-28"],
    "warrants.tsv": [LOCAL, "ICC", "ICC-01/22", "2023-03-17", "outstanding", "", "test",
                     "2026-11-28"],
}


def read(d):
    out = {}
    for t in TABLES:
        with open(os.path.join(d, t), "rb") as f:
            out[t] = f.read()
    return out


def run(d, *args):
    return subprocess.run([sys.executable, TOOL, "--data", d] + list(args),
                          capture_output=True, text=True, timeout=60)


def check(d):
    r = subprocess.run([ATTACHE, "data", "check", d], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def free_qid(d):
    """A QID no actor has: one more than the largest in actors.tsv."""
    with open(os.path.join(d, "actors.tsv"), encoding="utf-8") as f:
        qids = [int(l[1:l.index("\t")]) for l in f if l.startswith("Q")]
    return "Q%d" % (max(qids) + 1)


def main():
    if not h.BIN or not h.SRC:
        h.skip("ATTACHE_BIN or ATTACHE_SOURCE_DIR is not set (run through ctest)")
    d = os.path.join(h.scratch_dir("attache-rekey."), "data")
    shutil.copytree(h.DATA, d, ignore=shutil.ignore_patterns("samples"))
    with open(os.path.join(d, "actors.tsv"), encoding="utf-8") as f:
        shipped_local = sum(1 for l in f if l.startswith("attache:"))
    for t, row in ROWS.items():
        with open(os.path.join(d, t), "a", encoding="utf-8") as f:
            f.write("\t".join(row) + "\n")
    out = check(d)
    assert "(%d with a local id)" % (shipped_local + 1) in out, out
    before = read(d)
    existing = "Q7747"
    new = free_qid(d)

    # Errors first: each one must leave every table byte for byte.
    for args, why in (
        (["attache:no-such-person", new], "is not an actor"),
        ([LOCAL, existing], "already an actor"),
        ([LOCAL, "Q0123"], "is not an actor id"),
        ([LOCAL, "attache:Bad"], "is not an actor id"),
        (["--source", "a\tb", LOCAL, new], "--source"),
    ):
        r = run(d, *args)
        assert r.returncode != 0 and why in r.stderr, (args, r.stdout, r.stderr)
        assert read(d) == before, args
    empty = os.path.join(h.scratch_dir("attache-rekey-empty."), "data")
    os.makedirs(empty)
    r = run(empty, LOCAL, new)
    assert r.returncode != 0 and "no such file" in r.stderr, r.stderr

    # The rekey itself.
    src = "https://www.wikidata.org/wiki/%s (test)" % new
    r = run(d, "--source", src, LOCAL, new)
    assert r.returncode == 0, r.stderr
    assert "actors.tsv 1, actor_aliases.tsv 1, roles.tsv 1, warrants.tsv 1" in r.stdout, r.stdout
    after = read(d)
    for t, row in ROWS.items():
        old_line = ("\t".join(row) + "\n").encode()
        new_row = [new] + row[1:]
        if t == "actors.tsv":
            new_row[3] = src
        new_line = ("\t".join(new_row) + "\n").encode()
        assert old_line in before[t] and old_line not in after[t], t
        assert after[t] == before[t].replace(old_line, new_line), t
    out = check(d)
    assert "(%d with a local id)" % shipped_local in out, out
    print("ok: actor-rekey: 4 tables rekeyed byte-exact, 6 refusals that write nothing")


if __name__ == "__main__":
    main()
