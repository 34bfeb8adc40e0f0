"""`attache data check`: the reference data validator.

  - the shipped data/ passes: exit 0 and one summary line;
  - one deliberately broken copy of the tables per kind of error in the
    treaty, country and executives tables, each asserting the exact `file:line: reason`
    line and exit 1 (the actor tables have their own cases in the actors
    tests);
  - an open head-of-government term against executives.tsv, and a data
    directory without that optional file;
  - several broken files at once give at least one line per file, and
    every bad participation row its own line;
  - usage: --help, no subcommand, an unknown subcommand;
  - `attache data aliases`: the matcher's spellings, sorted and unique, with
    the longest_match blockers and without dateline-only places.
"""
import os
import shutil
import subprocess
import tempfile

import harness as h

ATTACHE = os.path.join(h.BIN, "attache")


def check(path, env=None):
    r = subprocess.run([ATTACHE, "data", "check"] + ([path] if path else []),
                       capture_output=True, timeout=60, env=env)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def copy(tmp, name):
    d = os.path.join(tmp, name)
    shutil.copytree(h.DATA, d, ignore=shutil.ignore_patterns("samples"))
    return d


def edit(d, name, old, new):
    """Replace the first `old` in d/name; return the 1-based line it was on."""
    p = os.path.join(d, name)
    with open(p, "rb") as f:
        s = f.read()
    old_b = old.encode()
    new_b = new if isinstance(new, bytes) else new.encode()
    i = s.find(old_b)
    assert i >= 0, "%r not in %s" % (old, name)
    with open(p, "wb") as f:
        f.write(s[:i] + new_b + s[i + len(old_b):])
    return s[:i].count(b"\n") + 1


def line_of(d, name, text):
    with open(os.path.join(d, name), "rb") as f:
        s = f.read()
    i = s.find(text.encode())
    assert i >= 0, "%r not in %s" % (text, name)
    return s[:i].count(b"\n") + 1


# (name, file, old, new, reason): one broken table each. The expected line
# is the one that held `old`.
CASES = [
    # treaties.tsv
    ("treaty header", "treaties.tsv", "\tadopted\t", "\tadoption\t",
     "header column 3 must be 'adopted'"),
    ("treaty id", "treaties.tsv", "npt\tTreaty", "NPT\tTreaty",
     "treaty id 'NPT' must be [a-z0-9_]+"),
    ("treaty eif rule", "treaties.tsv", "\ton_deposit\t", "\ton_signature\t",
     "eif_rule 'on_signature': expected empty, on_deposit or first_of_month_after_days:N"),
    ("treaty withdrawal rule", "treaties.tsv", "months_after:3", "weeks_after:12",
     "withdrawal_rule 'weeks_after:12': expected empty, years_after:N or months_after:N"),
    ("treaty date", "treaties.tsv", "\t1970-03-05\ton_deposit", "\t1970-02-30\ton_deposit",
     "column 'in_force': '1970-02-30' is not a valid YYYY-MM-DD date"),
    # participation.tsv
    ("unknown country", "participation.tsv", "rome_statute\tKAZ\t", "rome_statute\tKZX\t",
     "unknown country code 'KZX' (not in countries.tsv)"),
    ("unknown treaty", "participation.tsv", "rome_statute\tKAZ\t", "rome_statut\tKAZ\t",
     "unknown treaty 'rome_statut' (not in treaties.tsv)"),
    ("duplicate row", "participation.tsv", "rome_statute\tMNG\t", "rome_statute\tKAZ\t",
     "duplicate row for KAZ in rome_statute"),
    ("bad consent type", "participation.tsv", "ARM\t1999-10-01\tratification",
     "ARM\t1999-10-01\tadhesion",
     "column 'consent_type': 'adhesion' is not one of: ratification, accession, acceptance, approval, "
     "succession"),
    ("consent without type", "participation.tsv", "ARM\t1999-10-01\tratification",
     "ARM\t1999-10-01\t", "consent needs a consent_type"),
    ("impossible date", "participation.tsv", "ARM\t1999-10-01", "ARM\t1999-02-29",
     "column 'signed': '1999-02-29' is not a valid YYYY-MM-DD date"),
    ("signed after consent", "participation.tsv", "ARM\t1999-10-01", "ARM\t2023-12-01",
     "signed is after consent"),
    ("art. 126", "participation.tsv", "2024-10-25\t2025-01-01", "2024-10-25\t2024-12-24",
     "in_force 2024-12-24 disagrees with the treaty's entry-into-force rule: expected "
     "2025-01-01 for consent on 2024-10-25"),
    ("NPT art. IX(4)", "participation.tsv", "CHN\t\taccession\t1992-03-09\t1992-03-09",
     "CHN\t\taccession\t1992-03-09\t1992-03-10",
     "in_force 1992-03-10 disagrees with the treaty's entry-into-force rule: expected "
     "1992-03-09 for consent on 1992-03-09"),
    ("art. 127", "participation.tsv", "2016-10-27\t2017-10-27", "2016-10-27\t2017-10-26",
     "withdrawal_effective 2017-10-26 disagrees with the treaty's withdrawal rule: expected "
     "2017-10-27"),
    ("NPT art. X(1)", "participation.tsv", "CHN\t\taccession\t1992-03-09\t1992-03-09\t\t\t\t\t",
     "CHN\t\taccession\t1992-03-09\t1992-03-09\t\t\t2020-11-30\t2021-02-28\t",
     "withdrawal_effective 2021-02-28 disagrees with the treaty's withdrawal rule: expected "
     "2021-03-01"),
    ("withdrawal without effective date", "participation.tsv", "2016-10-27\t2017-10-27",
     "2016-10-27\t", "withdrawal_notified needs withdrawal_effective"),
    ("revoked and effective", "participation.tsv", "2016-10-19\t\t2017-03-07",
     "2016-10-19\t2017-10-19\t2017-03-07", "a revoked withdrawal has no withdrawal_effective date"),
    ("revoked too late", "participation.tsv", "2016-10-19\t\t2017-03-07", "2016-10-19\t\t2017-10-19",
     "withdrawal_revoked must fall between notification and the day the withdrawal would "
     "take effect"),
    ("consent withdrawn too late", "participation.tsv", "2019-03-04\t\t\t\t\t\t\t2019-04-29",
     "2019-03-04\t\t\t\t\t\t\t2019-06-01",
     "consent_withdrawn 2019-06-01 is not before entry into force 2019-06-01; that is a "
     "withdrawal (withdrawal_notified)"),
    ("signature withdrawn without signature", "participation.tsv", "RUS\t2000-09-13\t", "RUS\t\t",
     "signature_withdrawn needs an earlier signed date"),
    ("succession after notification", "participation.tsv",
     "MNE\t\tsuccession\t2006-10-23\t2006-06-03", "MNE\t\tsuccession\t2006-10-23\t2006-11-01",
     "a succession takes effect on or before its notification: in_force 2006-11-01 is after "
     "consent 2006-10-23"),
    # The shipped table has no exception row; these add one to the DPRK's
    # NPT row, which follows art. X(1) (notice 2003-01-10, effective
    # 2003-04-10).
    ("exception without a rule", "participation.tsv", "2003-01-10\t2003-04-10\t\t\t\t\t",
     "2003-01-10\t2003-04-10\t\t\t\tDPRK statement of 2003-01-10 declared the withdrawal "
     "effective the next day\t",
     "exception 'DPRK statement of 2003-01-10 declared th': expected 'eif_rule: REASON' or "
     "'withdrawal_rule: REASON'"),
    ("exception not needed", "participation.tsv", "2003-01-10\t2003-04-10\t\t\t\t\t",
     "2003-01-10\t2003-04-10\t\t\t\twithdrawal_rule: the DPRK's own account of its notice\t",
     "exception for withdrawal_rule, but withdrawal_effective agrees with the rule (or no rule "
     "applies): remove the exception"),
    ("withdrawal rule", "participation.tsv", "2003-01-10\t2003-04-10", "2003-01-10\t2003-01-11",
     "withdrawal_effective 2003-01-11 disagrees with the treaty's withdrawal rule: expected "
     "2003-04-10"),
    ("bad declaration", "participation.tsv", "art12_3:2014-04-17;art12_3:2015-09-08",
     "art12(3):2014-04-17", "declarations: bad entry 'art12(3):2014-04-17'"),
    ("no source", "participation.tsv",
     "KAZ" + "\t" * 13 + "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no="
     "XVIII-10&chapter=18 (checked: neither a party nor a signatory in Wikipedia States "
     "parties to the Rome Statute, stored copy)", "KAZ" + "\t" * 13,
     "column 'source' must not be empty"),
    ("leading space", "participation.tsv", "rome_statute\tKAZ\t", "rome_statute\t KAZ\t",
     "column 'code': leading or trailing space"),
    ("invalid UTF-8", "participation.tsv", "rome_statute\tKAZ\t", b"rome_statute\tKAZ\t\xe9",
     "invalid UTF-8 at byte 18"),
    # countries.tsv
    ("country header", "countries.tsv", "\tun_member\t", "\tun\t",
     "header column 5 must be 'un_member'"),
    ("country alpha-3", "countries.tsv", "\nKAZ\tKZ\t", "\nKZ\tKZ\t",
     "code 'KZ' is not an ISO 3166-1 alpha-3 code"),
    ("country alpha-2", "countries.tsv", "\nKAZ\tKZ\t", "\nKAZ\tKAZ\t",
     "alpha2 'KAZ' is not an ISO 3166-1 alpha-2 code"),
    ("country numeric", "countries.tsv", "\nKAZ\tKZ\t398\t", "\nKAZ\tKZ\t39\t",
     "numeric '39' is not an ISO 3166-1 numeric code"),
    ("country duplicate", "countries.tsv", "\nKGZ\tKG\t", "\nKAZ\tKZ\t",
     "duplicate country code KAZ / KZ"),
    ("country un_member", "countries.tsv", "\tyes\t", "\tmaybe\t",
     "column 'un_member': 'maybe' is not one of: no, yes, observer"),
    # executives.tsv
    ("executives value", "executives.tsv", "\nGBR\tseparate\t", "\nGBR\tprime_minister\t",
     "column 'head_of_government': 'prime_minister' is not one of: separate, head_of_state"),
    ("executives country", "executives.tsv", "\nGBR\tseparate\t", "\nUK\tseparate\t",
     "unknown country code 'UK' (not in countries.tsv)"),
    ("executives since", "executives.tsv", "\nKGZ\thead_of_state\t2021-05-05\t",
     "\nKGZ\thead_of_state\t2026-11-29\t",
     "since 2026-11-29 is after the data version 2026-11-28"),
    ("executives since date", "executives.tsv", "\nKGZ\thead_of_state\t2021-05-05\t",
     "\nKGZ\thead_of_state\t2021-05-32\t",
     "column 'since': '2021-05-32' is not a valid YYYY-MM-DD date"),
]


def run_case(tmp, i, case):
    name, fname, old, new, reason = case
    d = copy(tmp, "case%02d" % i)
    line = edit(d, fname, old, new)
    if old.startswith("\n"):
        line += 1
    rc, out, err = check(d)
    assert rc == 1, "%s: exit %d\n%s%s" % (name, rc, out, err)
    lines = out.splitlines()
    assert lines, "%s: no problem reported\n%s" % (name, err)
    prefix = "%s/%s:%d: " % (d, fname, line)
    if reason is None:  # the reader's own wording, tested in test_at_tsv
        assert lines[0].startswith(prefix), "%s: %r" % (name, lines)
        return lines[0][len(prefix):]
    assert lines[0] == prefix + reason, "%s:\n got  %r\n want %r" % (name, lines[0],
                                                                   prefix + reason)
    assert "problem" in err, err
    return reason


def test_broken_tables(tmp):
    for i, case in enumerate(CASES):
        run_case(tmp, i, case)
    # An unreadable treaties.tsv is one problem, not one per participation row.
    d = copy(tmp, "header-only")
    edit(d, "treaties.tsv", "\tadopted\t", "\tadoption\t")
    rc, out, _ = check(d)
    assert rc == 1 and len(out.splitlines()) == 1, out


def refused_on_role(tmp, name, state_old, state_new, role_text, reason):
    """Edit a state's executives.tsv row; `attache data check` must refuse
    the role row that starts with role_text, with reason (formatted with
    the directory and the executives row's line), pointing at both rows."""
    d = copy(tmp, name)
    line_e = edit(d, "executives.tsv", state_old, state_new) + 1
    line_r = line_of(d, "roles.tsv", role_text)
    rc, out, _ = check(d)
    assert rc == 1, out
    want = "%s/roles.tsv:%d: %s" % (d, line_r, reason % (d, line_e))
    assert want in out.splitlines(), (want, out)
    return d


def test_executives(tmp):
    """An open head_of_government term in a state whose head of state heads
    the government is refused, pointing at the role and at the table's row;
    so is, with `since`, a term that runs on that day or later (Türkiye's
    last prime minister ends on 2018-07-09, the day the table gives); a
    data directory without executives.tsv still passes."""
    d = refused_on_role(
        tmp, "executives", "\nIND\tseparate\t", "\nIND\thead_of_state\t",
        "Q1058\thead_of_government\tIND\tPrime Minister of India\t2014-05-26",
        "head_of_government term of Q1058 is open on the data version 2026-11-28, but "
        "%s/executives.tsv:%d says the head of state heads IND's government (end the term, "
        "or fix that row)")
    refused_on_role(
        tmp, "executives-since", "\nTUR\thead_of_state\t2018-07-09\t",
        "\nTUR\thead_of_state\t2018-07-08\t", "Q863496\thead_of_government\tTUR\t",
        "head_of_government term of Q863496 runs on 2018-07-08 or later, but "
        "%s/executives.tsv:%d says the head of state heads TUR's government since "
        "2018-07-08 (end the term by then, or fix that row)")
    os.unlink(os.path.join(d, "executives.tsv"))
    rc, out, err = check(d)
    assert rc == 0 and out.rstrip().endswith(", 0 states in executives.tsv"), out + err


def test_coverage(tmp):
    """A list marked complete must cover every UN member and observer."""
    d = copy(tmp, "coverage")
    # The shipped rome_statute list is marked complete; drop two rows.
    line = line_of(d, "treaties.tsv", "\tyears_after:1\tyes\t")
    for code in ("BFA", "ZMB"):
        edit(d, "participation.tsv", "\nrome_statute\t%s\t" % code, "\n#dropped\t")
    rc, out, _ = check(d)
    assert rc == 1
    lines = out.splitlines()
    for code in ("BFA", "ZMB"):
        want = "%s/treaties.tsv:%d: rome_statute: participation_complete is yes, but " \
               "participation.tsv has no row for %s (UN member state)" % (d, line, code)
        assert want in lines, (want, lines)
    # one line per missing state, all on the treaty's line
    assert all(l.startswith("%s/treaties.tsv:%d: rome_statute: " % (d, line)) for l in lines)


def test_many_problems(tmp):
    """Several files broken at once: at least one line per file, and every
    bad participation row its own line."""
    d = copy(tmp, "many")
    l_c = edit(d, "countries.tsv", "\nKGZ\tKG\t", "\nKAZ\tKZ\t") + 1
    l_t = edit(d, "treaties.tsv", "months_after:3", "months_after:0")
    l_p1 = edit(d, "participation.tsv", "2016-10-27\t2017-10-27", "2016-10-27\t2017-10-26")
    l_p2 = edit(d, "participation.tsv", "ARM\t1999-10-01", "ARM\t2023-12-01")
    l_a = edit(d, "actors.tsv", "\nQ", "\nX") + 1
    rc, out, err = check(d)
    assert rc == 1
    lines = out.splitlines()
    for name, line in [("countries.tsv", l_c), ("treaties.tsv", l_t),
                       ("participation.tsv", l_p1), ("participation.tsv", l_p2)]:
        prefix = "%s/%s:%d: " % (d, name, line)
        assert any(l.startswith(prefix) for l in lines), (prefix, lines)
    assert len(set(lines)) == len(lines), lines
    assert "%d problems" % len(lines) in err, err
    # the actor table is reported once the countries are fixed
    edit(d, "countries.tsv", "\nKAZ\tKZ\t417", "\nKGZ\tKG\t417")
    rc, out, _ = check(d)
    assert rc == 1
    assert any(l.startswith("%s/actors.tsv:%d: " % (d, l_a)) for l in out.splitlines()), out


def test_shipped_data():
    rc, out, err = check(h.DATA)
    assert rc == 0, out + err
    lines = out.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(h.DATA + ": ok: data as of "), lines[0]
    assert "rome_statute " in lines[0] and "npt " in lines[0], lines[0]
    # Actors keyed by a local id (no confirmed QID) are counted apart.
    local = sum(1 for l in open(os.path.join(h.DATA, "actors.tsv"), encoding="utf-8")
                if l.startswith("attache:"))
    assert " (%d with a local id) " % local in lines[0], lines[0]
    # default directory: $ATTACHE_DATA_DIR
    env = dict(os.environ, ATTACHE_DATA_DIR=h.DATA)
    rc, out, _ = check(None, env=env)
    assert rc == 0 and out.startswith(h.DATA + ": ok"), out


def test_usage():
    r = subprocess.run([ATTACHE, "data", "check", "--help"], capture_output=True, timeout=30)
    assert r.returncode == 0 and r.stdout.startswith(b"Usage: attache data check"), r.stdout
    r = subprocess.run([ATTACHE, "data"], capture_output=True, timeout=30)
    assert r.returncode == 2 and b"Usage" in r.stderr
    r = subprocess.run([ATTACHE, "data", "fix"], capture_output=True, timeout=30)
    assert r.returncode == 2 and b"unknown subcommand 'fix'" in r.stderr
    r = subprocess.run([ATTACHE, "data", "check", "a", "b"], capture_output=True, timeout=30)
    assert r.returncode == 2
    rc, out, _ = check("/nonexistent-attache-data")
    assert rc == 1 and out.startswith("/nonexistent-attache-data/"), out


def test_aliases():
    r = subprocess.run([ATTACHE, "data", "aliases", h.DATA], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines == sorted(set(lines), key=lambda s: s.encode()), "not sorted and unique"
    for s in ("Vladimir Putin", "Ulaanbaatar", "Ulan Bator", "Mongolia", "New Mexico"):
        assert s in lines, s
    # Austin is a dateline-only place (places.tsv scope dateline).
    assert "Austin" not in lines
    r = subprocess.run([ATTACHE, "data", "aliases", "/nonexistent-attache-data"],
                       capture_output=True, timeout=30)
    assert r.returncode == 1 and b"/nonexistent-attache-data/" in r.stderr, r.stderr


def main():
    if not h.BIN:
        h.skip("ATTACHE_BIN is not set (run through ctest)")
    tmp = tempfile.mkdtemp(prefix="attache-data.")
    try:
        test_shipped_data()
        test_usage()
        test_aliases()
        test_broken_tables(tmp)
        test_coverage(tmp)
        test_executives(tmp)
        test_many_problems(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok: attache data check: shipped data, %d broken tables, coverage, executives, "
          "many problems"
          % len(CASES))


if __name__ == "__main__":
    main()
