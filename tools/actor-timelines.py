#!/usr/bin/python3
"""actor-timelines.py: how far roles.tsv covers what issue 3 asks for.

Two reports (docs/data.md, "Coverage of the actor tables"):

1. Since 2000: for each state of the issue's list (G20, SCO, BRICS, the
   five Central Asian states, Ukraine, Israel, Hungary, Mongolia) and each
   office (head of state, head of government, foreign minister), the days
   from 2000-01-01 to the data date that no sole, acting or shared term
   covers. An office with no row at all is reported as such. Where the
   head of state heads the government (executives.tsv: USA, BRA, ...)
   there are no head_of_government rows by design (docs/data.md,
   "roles.tsv"): a state with none since 2000 is not listed or counted,
   and in a state that abolished the office the days from executives.tsv's
   `since` on (Türkiye 2018-07-09, Kyrgyzstan 2021-05-05) are not a gap;
   without `since`, the days after the last term.
2. Current holders: the UN member and observer states with and without
   an open term for each office; of those without, the ones whose latest
   term is bounded by `last_seen` (known to have run up to that day,
   unknown on the data date) are counted and listed with the day. The
   states whose open term has no known first day (`first_seen`: held from
   a day a record shows, unknown before) are counted apart. For the head
   of government, the states
   whose head of state heads the government (executives.tsv) need none;
   those are counted apart, and so are the states executives.tsv does not
   classify yet.

3. With --undated-open: the open terms (no end, no last_seen) whose
   `source` names no dated record of the data year (a day YYYY-MM-DD or
   "Month YYYY" of that year): each rests on older pages or on an export
   alone, so these are the open rows to re-check first.

4. With --handovers[=N]: in every state, not only the issue's, and for
   the three offices, the short gaps (1 to N days, default 7) between one
   term's exact `end` and the next term's exact `start` that no other term
   covers: the shape of most day errors round 10's audits found (an
   export's last day in office written as the half-open end; docs/data.md,
   "How the actor rows were checked"). Some are real vacancies (a death,
   a resignation before the successor's oath); the rest are the rows to
   check first. Sides whose source says "export alone" are marked.

Usage: tools/actor-timelines.py [DATA_DIR] [--gaps-only] [--undated-open]
                                [--handovers[=N]]
(--gaps-only: leave out the complete timelines, and list the states
without a current holder per office.)
"""
import datetime
import re
import sys

MONTHS = ("January February March April May June July August September October "
          "November December").split()

SINCE_2000 = """ARG AUS BRA CAN CHN DEU FRA GBR IDN IND ITA JPN KOR MEX RUS SAU TUR USA ZAF
PAK IRN BLR KAZ KGZ TJK UZB TKM EGY ETH ARE UKR ISR HUN MNG""".split()
OFFICES = ("head_of_state", "head_of_government", "foreign_minister")
START = datetime.date(2000, 1, 1)


def rows(path):
    header = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if header is None:
                header = fields
                continue
            yield dict(zip(header, fields))


def day(s):
    return datetime.date.fromisoformat(s)


def gaps(terms, start, end):
    """Uncovered [a, b) stretches of [start, end) given (s, e) terms."""
    out, at = [], start
    for s, e in sorted(terms):
        if e <= at:
            continue
        if s > at:
            out.append((at, min(s, end)))
        at = max(at, e)
        if at >= end:
            break
    if at < end:
        out.append((at, end))
    return [g for g in out if g[0] < g[1]]


def span(r, end):
    """The days [s, e) a roles.tsv row is known to cover: from `start` (else
    `first_seen`) to `end`, else to the day after `last_seen` (unknown after),
    else to `end` (an open term runs to the data date)."""
    s = day(r["start"] or r.get("first_seen", ""))
    if r["end"]:
        return s, day(r["end"])
    if r.get("last_seen"):
        return s, day(r["last_seen"]) + datetime.timedelta(days=1)
    return s, end


def actor_names(data):
    return {r["id"]: r["name"] for r in rows(data + "/actors.tsv")}


def dated_in(source, year):
    """True when source names a day (YYYY-MM-DD, "3 May 2026", "May 3, 2026")
    or a month ("May 2026") of year. Dates in other languages are not read:
    write the day as YYYY-MM-DD beside them."""
    if re.search(r"\b%d-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\b" % year, source):
        return True
    months = "|".join(MONTHS)
    return re.search(r"\b(%s)( [0-9]{1,2},)? %d\b" % (months, year), source) is not None


def undated_open(data, roles, asof):
    """The open terms of roles whose source names no dated record of the data year."""
    names = actor_names(data)
    found = []
    for r in roles:
        if r["end"] or r.get("last_seen") or dated_in(r.get("source", ""), asof.year):
            continue
        found.append((r["country"], r["role"], names.get(r["actor"], r["actor"]), r["actor"],
                      r["start"] or "first seen " + r.get("first_seen", "")))
    print("Open terms whose source names no dated record of %d: %d\n" % (asof.year, len(found)))
    for c, o, name, qid, start in sorted(found):
        print("- %s %s: %s (%s), from %s" % (c, o, name, qid, start))


def handovers(data, roles, asof, max_days):
    """Gaps of 1..max_days between an exact end and the next exact start."""
    names = actor_names(data)
    end = asof + datetime.timedelta(days=1)
    by_office = {}
    for r in roles:
        if r["role"] in OFFICES and (r["start"] or r.get("first_seen")):
            by_office.setdefault((r["country"], r["role"]), []).append(r)
    found = []
    for (c, o), rs in sorted(by_office.items()):
        spans = [span(r, end) for r in rs]
        first = min(s for s, _ in spans)
        for a, b in gaps(spans, first, end):
            n = (b - a).days
            if n > max_days:
                continue
            before = [r for r in rs if r["end"] and day(r["end"]) == a]
            after = [r for r in rs if r["start"] and day(r["start"]) == b]
            if not before or not after:
                continue  # a last_seen or first_seen side: not a known handover

            def who(r):
                alone = " [export alone]" if "export alone" in r.get("source", "") else ""
                return "%s (%s)%s" % (names.get(r["actor"], r["actor"]), r["actor"], alone)

            found.append("- %s %s %s..%s (%d day%s): %s to %s" % (
                c, o, a, b - datetime.timedelta(days=1), n, "" if n == 1 else "s",
                ", ".join(who(r) for r in before), ", ".join(who(r) for r in after)))
    print("Handover gaps of 1 to %d days in every state (an exact end, then the next exact"
          " start, nobody in office between): %d\n" % (max_days, len(found)))
    for line in found:
        print(line)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    gaps_only = "--gaps-only" in sys.argv
    data = args[0] if args else "data"
    with open(data + "/VERSION", encoding="utf-8") as f:
        asof = day(f.read().strip())
    end = asof + datetime.timedelta(days=1)  # the data date itself is covered
    terms = {}
    seen_to = {}  # (state, office): the latest last_seen + 1 day
    roles = list(rows(data + "/roles.tsv"))  # read once: the timelines and --undated-open
    first_seen_open = set()  # (state, office) with an open term whose start is not known
    for r in roles:
        s, e = span(r, end)
        k = (r["country"], r["role"])
        if not r["end"] and r.get("last_seen"):  # known up to that day: not covered after
            seen_to[k] = max(seen_to.get(k, e), e)
        elif not r["end"] and not r["start"]:
            first_seen_open.add(k)
        terms.setdefault(k, []).append((s, e))

    executive, exec_since = {}, {}
    try:
        for r in rows(data + "/executives.tsv"):
            executive[r["country"]] = r["head_of_government"]
            if r.get("since"):
                exec_since[r["country"]] = day(r["since"])
    except FileNotFoundError:
        pass
    # No office of head of government now (executives.tsv), and no term
    # since 2000: the timeline is not counted.
    no_office = sorted(c for c in SINCE_2000 if executive.get(c) == "head_of_state" and
                       not any(e > START for _, e in terms.get((c, "head_of_government"), [])))

    print("Since 2000 (%s to %s): uncovered days per state and office\n" % (START, asof))
    print("| state | office | terms | uncovered |")
    print("|---|---|---|---|")
    complete = total = 0
    for c in SINCE_2000:
        for o in OFFICES:
            if o == "head_of_government" and c in no_office:
                continue
            t = terms.get((c, o), [])
            total += 1
            if not t:
                print("| %s | %s | 0 | no rows |" % (c, o))
                continue
            abolished = ""
            if (o == "head_of_government" and executive.get(c) == "head_of_state" and
                    c in exec_since):
                g = gaps(t, START, min(end, exec_since[c]))
                abolished = (" (none from %s on: the office no longer exists, executives.tsv"
                             " since)" % exec_since[c])
            else:
                g = gaps(t, START, end)
                if (o == "head_of_government" and executive.get(c) == "head_of_state" and g and
                        g[-1][1] == end):
                    abolished = (" (no term from %s on: the office no longer exists,"
                                 " executives.tsv)" % g[-1][0])
                    g = g[:-1]
            if not g:
                complete += 1
                if gaps_only:
                    continue
            desc = ", ".join("%s..%s" % (a, b - datetime.timedelta(days=1)) for a, b in g)
            print("| %s | %s | %d | %s%s |" % (c, o, len(t), desc or "none", abolished))
    print("\n%d of %d state-office timelines cover 2000-01-01..%s without a gap (not counted:"
          " the head of government of %s, where the head of state heads the government).\n" %
          (complete, total, asof, " ".join(no_office)))

    un = [r["code"] for r in rows(data + "/countries.tsv") if r["un_member"] in ("yes", "observer")]
    print("Current holders on %s (UN member and observer states: %d)\n" % (asof, len(un)))
    print("| office | states with an open term | of those, first day not known (first_seen)"
          " | without | of those, last seen in %d |" % asof.year)
    print("|---|---|---|---|---|")
    missing = {}
    last_seen = {}  # state without an open term whose latest term is bounded by last_seen
    for o in OFFICES:
        have = [c for c in un if any(e == end for _, e in terms.get((c, o), []))]
        # A state counts apart when any of its open terms has no known start.
        unknown_start = sum(1 for c in have if (c, o) in first_seen_open)
        missing[o] = [c for c in un if c not in have]
        for c in missing[o]:
            latest = max((e for _, e in terms.get((c, o), [])), default=None)
            if latest is not None and seen_to.get((c, o)) == latest:
                last_seen[(c, o)] = latest - datetime.timedelta(days=1)
        recent = sum(1 for c in missing[o]
                     if (c, o) in last_seen and last_seen[(c, o)].year == asof.year)
        print("| %s | %d | %d | %d | %d |" % (o, len(have), unknown_start, len(un) - len(have),
                                             recent))
    hog = missing["head_of_government"]
    none_needed = [c for c in hog if executive.get(c) == "head_of_state"]
    unknown = [c for c in hog if c not in executive]
    print("\nOf the %d states without an open head_of_government term, %d have no such "
          "office (executives.tsv: the head of state heads the government), %d have one "
          "whose holder is missing, and %d not in executives.tsv yet.\n" %
          (len(hog), len(none_needed), len(hog) - len(none_needed) - len(unknown),
           len(unknown)))
    if gaps_only:
        for o in OFFICES:
            codes = [c if (c, o) not in last_seen else "%s (last seen %s)" % (c, last_seen[(c, o)])
                     for c in missing[o] if not (o == "head_of_government" and c in none_needed)]
            print("- %s missing: %s" % (o, ", ".join(codes) or "none"))
        for o in OFFICES:
            codes = sorted(c for c in un if (c, o) in first_seen_open)
            if codes:
                print("- %s open from a first_seen day (first day not known): %s" %
                      (o, ", ".join(codes)))
    if "--undated-open" in sys.argv:
        print()
        undated_open(data, roles, asof)
    for a in sys.argv[1:]:
        if a == "--handovers" or a.startswith("--handovers="):
            print()
            handovers(data, roles, asof, int(a.split("=", 1)[1]) if "=" in a else 7)


if __name__ == "__main__":
    main()
