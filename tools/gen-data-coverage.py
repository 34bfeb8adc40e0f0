#!/usr/bin/python3
"""gen-data-coverage.py: regenerate the generated parts of docs/data.md.

Two parts of docs/data.md are tool output and go stale whenever a data
table changes:

- the section "### Coverage of the actor tables", built from
  tools/actor-timelines.py (gaps since 2000 in the issue's states, current
  holders, open terms with no dated record of the data year, short gaps
  at handovers in every state) and
  tools/actor-coverage.sh (rows per table, terms per state and office);
- the example line of `attache data check` ("data: ok: ..."), when --bin
  names the directory holding the `attache` binary.

Usage: tools/gen-data-coverage.py [--check] [--bin DIR] [--data DIR] [--doc FILE]

Without --check it rewrites the doc in place. With --check it changes
nothing, prints a unified diff and exits 1 when the doc is stale (ctest's
docs_data_coverage_current runs it that way), 0 when it is current.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

INTRO = """### Coverage of the actor tables (data version {version})

This section is generated: `tools/gen-data-coverage.py --bin build/bin`
rewrites it (and the `data: ok:` line of "attache data check" below) after
a data change, and ctest's `docs_data_coverage_current` fails while it is
stale.

Two tools count what the tables hold. `tools/actor-timelines.py data` measures
it against issue 3's scope. For each state of the issue's list and each office
it prints the days since 2000-01-01 that no term covers (`--gaps-only` leaves
out the complete ones), then the UN member and observer states with a current,
open-ended term per office:

```
/usr/bin/python3 tools/actor-timelines.py data --gaps-only --undated-open --handovers
```

How to read the gaps. Where the head of state heads the government
([executives.tsv](#executivestsv): USA, BRA, ARG, MEX, IDN, KOR, ZAF, TKM)
there is no `head_of_government` row by design ([roles.tsv](#rolestsv)), and
the tool does not count that office; where the office was abolished, the
days from executives.tsv's `since` on (TUR 2018-07-09, KGZ 2021-05-05) are
not a gap. A gap of a day or a few days is usually an acting holder who is
not recorded (the USA's acting secretaries of state on inauguration days).
Every other gap is a missing term: a person whose QID or days could not be
confirmed is listed, with the reason, in the round sections of
[data-rounds.md](data-rounds.md#actor-rows-round-by-round) and in
[Unverified / left out](#unverified--left-out-actors-roles-warrants).

{summary}

{current}

A term counted under "first day not known" has an empty `start` and a
`first_seen` day ([roles.tsv](#rolestsv)): the holder is known in office
from that day (a dated speech, a meeting), and the first day in office was
not found. Events get the role from `first_seen` on, never before it. These
states are listed apart above: they are the next round's work list for
first days.

The foreign ministers are the largest gap. A missing QID no longer keeps a
person out (local ids, round 8), nor does a missing first day (`first_seen`,
round 9); what is left is a holder that no stored record shows in office late
enough: the stored pages stop around early October 2026, so the governments
formed after the autumn 2026 elections, and ministers last reported in 2025 or
early 2026, cannot be confirmed. The lists of states without a current holder
are the work list of the next round.

`--undated-open` lists the open terms (no end, no `last_seen`) whose `source`
names no dated record of the data year: they rest on older pages or on an
export alone (the mid-2026 world-leaders export lists no end year after
2022, so "listed without an end" there is weak evidence), and are the open
rows to re-check first. It reads dates in the `source` text, so a row whose
source names a day of the data year for another reason is not listed.

{undated}

`--handovers` looks at every state, not only the issue's: it lists the short
gaps (1 to 7 days; `--handovers=N` for another bound) between one term's
exact `end` and the next term's exact `start` that no other term covers.
Most of the day errors round 10's audits found had this shape, usually an
export's last full day in office written as the half-open `end`
([How the actor rows were checked](#how-the-actor-rows-were-checked)). Some
are real vacancies: a death, a coup, a resignation before the successor's
oath; the round sections (since10c) and (gaps10) of
[data-rounds.md](data-rounds.md#actor-rows-round-by-round) list those with
their records. The rest, first those whose sides rest on an export alone,
are the next round's work list for handover days.

{handovers}

`tools/actor-coverage.sh data` prints the rows per table, the aliases by form,
the terms per state and office with the first start (or "first seen") and
last end (a range can have gaps; the tool above finds them), and the warrants
by status:

{coverage}
"""


def run(cmd):
    env = dict(os.environ, LC_ALL="C")
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=TOP, env=env)
    if out.returncode != 0:
        sys.exit("gen-data-coverage: %s failed: %s" % (" ".join(cmd), out.stderr.strip()))
    return out.stdout


def coverage_section(data):
    with open(os.path.join(data, "VERSION"), encoding="utf-8") as f:
        version = f.read().strip()
    tl = run([sys.executable, os.path.join(HERE, "actor-timelines.py"), data, "--gaps-only",
              "--undated-open", "--handovers"])
    summary = [line for line in tl.split("\n") if "without a gap" in line][0]
    current = tl[tl.index("Current holders"):tl.index("Open terms whose source")].strip()
    undated = tl[tl.index("Open terms whose source"):tl.index("Handover gaps")].strip()
    handovers = tl[tl.index("Handover gaps"):].strip()
    cov = run(["sh", os.path.join(HERE, "actor-coverage.sh"), data]).strip()
    return INTRO.format(version=version, summary=summary.strip(), current=current,
                        undated=undated, handovers=handovers, coverage=cov)


def regenerate(doc, data, bindir):
    a = doc.find("### Coverage of the actor tables")
    b = doc.find("\n### ", a + 10) + 1 if a >= 0 else 0
    if a < 0 or b <= 0:
        sys.exit("gen-data-coverage: the doc has no \"### Coverage of the actor tables\" "
                 "section followed by another \"###\" section")
    doc = doc[:a] + coverage_section(data) + "\n" + doc[b:]
    if bindir:
        line = run([os.path.join(bindir, "attache"), "data", "check", data]).strip()
        # The doc shows `attache data check data`: the summary names the
        # directory as given, so print it as "data" whatever path was used.
        line = "data" + line[line.index(": ok: "):]
        doc = re.sub(r"(?m)^data: ok: data as of .*$", lambda m: line, doc)
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="print a diff, exit 1 when stale")
    ap.add_argument("--bin", help="directory of the attache binary (refreshes the check line)")
    ap.add_argument("--data", default=os.path.join(TOP, "data"), help="data directory")
    ap.add_argument("--doc", default=os.path.join(TOP, "docs", "data.md"), help="the doc")
    args = ap.parse_args()
    data = os.path.abspath(args.data)
    with open(args.doc, encoding="utf-8") as f:
        old = f.read()
    new = regenerate(old, data, args.bin)
    if args.check:
        if new == old:
            print("%s: the generated parts are current" % args.doc)
            return 0
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                   args.doc, "regenerated"))
        print("\n%s is stale: run tools/gen-data-coverage.py --bin build/bin" % args.doc)
        return 1
    if new != old:
        with open(args.doc, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
