"""The data coverage tools (docs/data.md, "Coverage of the actor tables").

On a small synthetic data directory, whose answers are known:

  - tools/actor-timelines.py: the uncovered days since 2000 of a state of
    the issue's list (a two-day gap between terms, an office with no rows,
    a head of government not counted where the head of state heads the
    government), the current holders per office, a term bounded by
    `last_seen` listed with its day, --undated-open listing exactly
    the open terms whose source names no dated record of the data year,
    and --handovers listing the short gap between an exact end and the
    next exact start (not a term bounded by `last_seen` or `first_seen`,
    not an end with no successor, not a gap longer than N);
  - tools/gen-data-coverage.py: --check passes on a doc it just wrote,
    fails with a diff naming the change once a table changes, and passes
    again after a rewrite; a doc without the section is an error, not a
    silent pass.

Then the shipped docs/data.md must be current for the shipped data (the
same check ctest runs as docs_data_coverage_current, here without the
binary's summary line).
"""
import os
import shutil
import subprocess
import sys

import harness as h

TOOLS = os.path.join(h.SRC, "tools")
PY = sys.executable


def write(d, name, header, rows, comment="# synthetic table for test_coverage_tools"):
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        f.write(comment + "\n" + "\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")


def role(actor, office, country, start, end="", last_seen="", source="a page", first_seen=""):
    return [actor, office, country, "Title", start, first_seen, end, last_seen, "sole", source,
            "2026-11-28"]


def synthetic(d):
    os.makedirs(d)
    with open(os.path.join(d, "VERSION"), "w") as f:
        f.write("2026-11-28\n")
    countries = [["USA", "yes"], ["MNG", "yes"], ["NOR", "yes"], ["ABW", "no"]]
    write(d, "countries.tsv", ["code", "alpha2", "numeric", "name", "un_member", "source",
                               "checked_on"],
          [[c, c[:2], "1", c, un, "s", "2026-11-28"] for c, un in countries])
    write(d, "executives.tsv", ["country", "head_of_government", "since", "source", "checked_on"],
          [["USA", "head_of_state", "", "s", "2026-11-28"],
           ["MNG", "separate", "", "s", "2026-11-28"],
           ["NOR", "separate", "", "s", "2026-11-28"]])
    write(d, "actors.tsv", ["id", "name", "country", "source", "checked_on"],
          [["Q%d" % i, "Person %d" % i, "USA", "s", "2026-11-28"] for i in range(1, 9)] +
          # One person keyed by a local id (no confirmed QID).
          [["attache:person-eight", "Person 8", "NOR", "s", "2026-11-28"]])
    write(d, "actor_aliases.tsv", ["actor", "alias", "form", "case", "note", "source",
                                   "checked_on"],
          [["Q1", "Person One", "full", "caps", "", "s", "2026-11-28"]])
    write(d, "warrants.tsv", ["actor", "court", "case", "issued", "status", "status_date",
                              "source", "checked_on"],
          [["Q1", "ICC", "ICC-01/99", "2020-01-01", "outstanding", "", "s", "2026-11-28"]])
    write(d, "roles.tsv", ["actor", "role", "country", "title", "start", "first_seen", "end",
                           "last_seen", "holder", "source", "checked_on"], [
        # USA: head of state complete; foreign minister with a gap of two
        # days (2010-05-01 and 2010-05-02) and an open term.
        role("Q1", "head_of_state", "USA", "1999-01-01",
             source="a page of October 1, 2026 (latest evidence)"),
        role("Q2", "foreign_minister", "USA", "1999-06-01", "2010-05-01"),
        role("Q3", "foreign_minister", "USA", "2010-05-03",
             source="seen in office in September 2026"),
        # MNG: head of state last seen 2026-03-01; head of government open,
        # its source older than the data year; a foreign minister whose
        # first day is not known, seen in office from 2026-09-22.
        role("Q4", "head_of_state", "MNG", "1999-01-01", "2017-07-10"),
        role("Q5", "head_of_state", "MNG", "2017-07-10", last_seen="2026-03-01"),
        role("Q6", "head_of_government", "MNG", "1999-01-01",
             source="a page of 2025-04-01 and a 2026 export"),
        role("Q8", "foreign_minister", "MNG", "", first_seen="2026-09-22",
             source="a speech of 2026-09-22"),
        # NOR is not on the list: only its current holders count.
        role("Q7", "head_of_government", "NOR", "2021-10-14", source="an export alone"),
        role("attache:person-eight", "foreign_minister", "NOR", "2021-10-14", "2025-02-04"),
    ])


def timelines(d, *flags):
    r = subprocess.run([PY, os.path.join(TOOLS, "actor-timelines.py"), d] + list(flags),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_timelines(d):
    out = timelines(d, "--gaps-only", "--undated-open")
    assert "| USA | foreign_minister | 2 | 2010-05-01..2010-05-02 |" in out, out
    # Before first_seen the term is not known to run: a gap.
    assert "| MNG | foreign_minister | 1 | 2000-01-01..2026-09-21 |" in out, out
    assert "| MNG | head_of_state | 2 | 2026-03-02..2026-11-28 |" in out, out
    assert "| USA | head_of_state |" not in out, out  # complete: left out with --gaps-only
    assert "| USA | head_of_government |" not in out, out  # the head of state heads it
    assert "the head of government of USA, where the head of state heads" in out, out
    # Current holders among the three UN members (ABW is not one).
    assert "UN member and observer states: 3" in out, out
    assert "| head_of_state | 1 | 0 | 2 | 1 |" in out, out
    assert "| foreign_minister | 2 | 1 | 1 | 0 |" in out, out
    assert "- head_of_state missing: MNG (last seen 2026-03-01), NOR" in out, out
    assert "- head_of_government missing: none" in out, out
    assert "- foreign_minister missing: NOR" in out, out
    assert "- foreign_minister open from a first_seen day (first day not known): MNG" in out, out
    # Open terms with no dated record of 2026: Q6 (2025 page; "2026" alone is
    # no date) and Q7 (export alone); not Q1 ("October 1, 2026"), Q8
    # (2026-09-22), Q3 (a month), Q5
    # (last_seen) or closed terms.
    undated = out[out.index("Open terms whose source"):]
    assert "Open terms whose source names no dated record of 2026: 2" in undated, undated
    assert "- MNG head_of_government: Person 6 (Q6), from 1999-01-01" in undated, undated
    assert "- NOR head_of_government: Person 7 (Q7), from 2021-10-14" in undated, undated
    for q in ("Q1", "Q3", "Q5", "Q2", "Q8", "attache:person-eight"):
        assert "(%s)" % q not in undated, (q, undated)
    # Without --gaps-only the complete timelines are listed too, and
    # without --undated-open there is no such list.
    out = timelines(d)
    assert "| USA | head_of_state | 1 | none |" in out, out
    assert "Open terms whose source" not in out and "missing:" not in out, out
    assert "Handover gaps" not in out, out
    # --handovers: only USA's two days between Q2's end and Q3's start. Not
    # MNG's head of state (Q4 hands over to Q5 on the day; Q5's last_seen
    # is no end), MNG's foreign minister (first_seen) or NOR's (an end with
    # no successor).
    out = timelines(d, "--handovers")
    hand = out[out.index("Handover gaps of 1 to 7 days"):]
    assert "nobody in office between): 1\n" in hand, hand
    assert ("- USA foreign_minister 2010-05-01..2010-05-02 (2 days): Person 2 (Q2) to "
            "Person 3 (Q3)") in hand, hand
    out = timelines(d, "--handovers=1")
    assert "Handover gaps of 1 to 1 days in every state" in out, out
    assert "nobody in office between): 0\n" in out, out


def gen(d, doc, *flags):
    return subprocess.run([PY, os.path.join(TOOLS, "gen-data-coverage.py"), "--data", d,
                           "--doc", doc] + list(flags),
                          capture_output=True, text=True, timeout=60)


def test_generator(tmp, d):
    doc = os.path.join(tmp, "data.md")
    shutil.copy(os.path.join(h.SRC, "docs", "data.md"), doc)
    r = gen(d, doc)
    assert r.returncode == 0, r.stderr
    text = open(doc, encoding="utf-8").read()
    assert "| USA | foreign_minister | 2 | 1999-06-01 | open (2026-11-28) |" in text, text
    assert "| MNG | foreign_minister | 1 | first seen 2026-09-22 | open (2026-11-28) |" in text
    assert "| Wikidata QID | 8 |" in text, text
    assert "| local id (`attache:`, QID not confirmed) | 1 |" in text, text
    assert "- NOR head_of_government: Person 7 (Q7), from 2021-10-14" in text
    # The sections around the generated one are kept.
    assert "## Dates and the reference day" in text and "### roles.tsv" in text
    r = gen(d, doc, "--check")
    assert r.returncode == 0 and "current" in r.stdout, (r.stdout, r.stderr)
    # A new term makes the doc stale: --check prints the diff and fails,
    # without writing.
    with open(os.path.join(d, "roles.tsv"), "a", encoding="utf-8") as f:
        f.write("\t".join(role("attache:person-eight", "foreign_minister", "MNG", "2020-01-01",
                               source="a page of 2026-02-02")) + "\n")
    r = gen(d, doc, "--check")
    assert r.returncode == 1, r.stdout
    assert "+| MNG | foreign_minister | 2 | 2020-01-01 | open (2026-11-28) |" in r.stdout, r.stdout
    assert "is stale" in r.stdout, r.stdout
    assert open(doc, encoding="utf-8").read() == text
    assert gen(d, doc).returncode == 0
    assert gen(d, doc, "--check").returncode == 0
    # A doc without the generated section is an error.
    with open(doc, "w", encoding="utf-8") as f:
        f.write("# data\n\nno coverage section here\n")
    r = gen(d, doc, "--check")
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "has no \"### Coverage of the actor tables\" section" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr, r.stderr


def test_shipped_doc_current():
    r = subprocess.run([PY, os.path.join(TOOLS, "gen-data-coverage.py"), "--check",
                        "--data", h.DATA], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "docs/data.md is stale for data/:\n" + r.stdout[-4000:]


def main():
    if not h.SRC:
        h.skip("ATTACHE_SOURCE_DIR is not set (run through ctest)")
    tmp = h.scratch_dir("attache-coverage.")
    d = os.path.join(tmp, "data")
    synthetic(d)
    test_timelines(d)
    test_generator(tmp, d)
    test_shipped_doc_current()
    print("ok: actor-timelines (gaps, current holders, last_seen, first_seen, undated open terms, "
          "handover gaps), "
          "gen-data-coverage (write, check, stale, missing section), shipped doc current")


if __name__ == "__main__":
    main()
