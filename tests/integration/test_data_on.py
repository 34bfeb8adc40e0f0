"""`attache data on DAY [COUNTRY...]`: the reference tables as of one day.

  - issue 3's table-driven cases, through the command, on their edge days:
    treaty statuses (Mongolia, Armenia, Ukraine, the Philippines, the
    non-signatories) and offices (Putin in 2010, Cameron in 2015 and 2024,
    Blinken gone by June 2025), and a warrant before and on its issue day;
  - the same facts as `attache enrich` puts in an event for an item of that
    day (one engine, two readers);
  - `no_holder` on a copy of the tables with a term cut short by
    `last_seen` and the next one starting from `first_seen`: the nearest
    terms before and after, exactly; no head of government where the head
    of state heads the government;
  - every state when none is named; usage and load errors, and the note
    for a day after the data version.
"""
import json
import os
import shutil
import subprocess
import tempfile

import harness as h

ATTACHE = os.path.join(h.BIN, "attache")


def on(day, *countries, data=None, rc=0):
    args = [ATTACHE, "data", "on", day] + list(countries)
    if data:
        args += ["--data-dir", data]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert r.returncode == rc, (args, r.returncode, r.stderr)
    return [json.loads(l) for l in r.stdout.splitlines()], r.stderr


def one(day, country, data=None):
    out, _ = on(day, country, data=data)
    assert len(out) == 1 and out[0]["country"] == country and out[0]["day"] == day, out
    return out[0]


def status(day, country, treaty="rome_statute"):
    t = one(day, country)["treaties"].get(treaty)
    return t["status"] if t else None


def holders(day, country, role):
    return [(o["actor"], o["name"]) for o in one(day, country)["offices"] if o["role"] == role]


def test_treaties():
    cases = [
        ("2000-12-28", "MNG", "non_signatory"), ("2000-12-29", "MNG", "signatory"),
        ("2002-04-10", "MNG", "signatory"), ("2002-04-11", "MNG", "consented_not_in_force"),
        ("2002-06-30", "MNG", "consented_not_in_force"), ("2002-07-01", "MNG", "party"),
        ("2023-11-13", "ARM", "signatory"), ("2023-11-14", "ARM", "consented_not_in_force"),
        ("2024-01-31", "ARM", "consented_not_in_force"), ("2024-02-01", "ARM", "party"),
        ("2024-06-15", "UKR", "signatory"), ("2024-12-31", "UKR", "consented_not_in_force"),
        ("2025-01-01", "UKR", "party"),
        ("2018-03-16", "PHL", "party"), ("2018-03-17", "PHL", "party_withdrawal_pending"),
        ("2019-03-16", "PHL", "party_withdrawal_pending"), ("2019-03-17", "PHL", "withdrawn"),
        ("2016-11-29", "RUS", "signatory"), ("2016-11-30", "RUS", "signature_withdrawn"),
        ("2024-06-01", "KAZ", "non_signatory"), ("2024-06-01", "IND", "non_signatory"),
        ("2024-06-01", "CHN", "non_signatory"), ("2024-06-01", "TUR", "non_signatory"),
    ]
    for day, c, want in cases:
        assert status(day, c) == want, (day, c, status(day, c), want)
    # Dates up to the day only: the pending withdrawal says when it is due,
    # and the effective day appears from that day on.
    t = one("2018-06-01", "PHL")["treaties"]["rome_statute"]
    assert t["withdrawal_notified"] == "2018-03-17" and t["withdrawal_due"] == "2019-03-17", t
    assert "withdrawal_effective" not in t and t["source"], t
    # Before the treaty existed (adopted 1998-07-17) no state is a signatory.
    assert status("1998-07-16", "MNG") == "non_signatory"
    assert status("2003-01-09", "PRK", "npt") == "party"
    assert status("2003-01-10", "PRK", "npt") == "party_withdrawal_pending"
    assert status("2003-04-09", "PRK", "npt") == "party_withdrawal_pending"
    assert status("2003-04-10", "PRK", "npt") == "withdrawn"


def test_offices():
    assert holders("2010-06-01", "RUS", "head_of_government") == [("Q7747", "Vladimir Putin")]
    assert holders("2015-06-01", "GBR", "head_of_government") == [("Q192", "David Cameron")]
    assert holders("2024-03-15", "GBR", "foreign_minister") == [("Q192", "David Cameron")]
    fm = holders("2025-06-15", "USA", "foreign_minister")
    assert len(fm) == 1 and fm[0][1] != "Antony Blinken", fm
    assert holders("2024-06-15", "USA", "foreign_minister") == [("Q7821917", "Antony Blinken")]
    # The half-open rule on a handover day: Medvedev's last day is 2012-05-06.
    assert holders("2012-05-06", "RUS", "head_of_state") == [("Q23530", "Dmitry Medvedev")]
    assert holders("2012-05-07", "RUS", "head_of_state") == [("Q7747", "Vladimir Putin")]
    ev = one("2010-06-01", "RUS")
    assert [o["role"] for o in ev["offices"]][:3] == [
        "head_of_state", "head_of_government", "foreign_minister"], ev["offices"]
    putin = [o for o in ev["offices"] if o["actor"] == "Q7747"][0]
    assert putin == {**putin, "title": "Prime Minister of Russia", "holder": "sole",
                     "start": "2008-05-08", "end": "2012-05-07"}, putin
    assert putin["source"] and putin["warrants"] == []
    assert ev["no_holder"] == [], ev["no_holder"]
    # A warrant appears on its issue day, with its status as of the day.
    w = [o for o in one("2023-03-16", "RUS")["offices"] if o["actor"] == "Q7747"][0]["warrants"]
    assert w == [], w
    w = [o for o in one("2023-03-17", "RUS")["offices"] if o["actor"] == "Q7747"][0]["warrants"]
    assert [(x["court"], x["issued"], x["status"]) for x in w] == [
        ("ICC", "2023-03-17", "outstanding")], w
    # The United States has no head of government to miss (executives.tsv).
    assert all(m["role"] != "head_of_government" for m in one("2024-06-15", "USA")["no_holder"])


def test_same_as_enrich():
    items = [{"id": "ub", "url": "https://example.org/ub", "title": "Putin in Mongolia",
              "body": "ULAANBAATAR - Mongolia welcomed Vladimir Putin.",
              "published": "2024-09-03T06:30:00Z"},
             {"id": "mos", "url": "https://example.org/mos", "title": "Putin in Moscow",
              "body": "MOSCOW - Vladimir Putin met the cabinet.",
              "published": "2010-06-01T06:30:00Z"}]
    r = subprocess.run([ATTACHE, "enrich", "--data-dir", h.DATA],
                       input="".join(json.dumps(i) + "\n" for i in items),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    compared = {"treaties": 0, "roles": 0, "warrants": 0}
    for ev in map(json.loads, r.stdout.splitlines()):
        day = ev["reference_date"]
        for c in ev["countries"]:
            mine = one(day, c["code"])["treaties"]
            for tid, t in c["treaties"].items():
                assert {k: mine[tid].get(k) for k in t} == t, (day, tid, mine[tid], t)
                compared["treaties"] += 1
        for a in ev["actors"]:
            for role in a["roles"]:
                o = [x for x in one(day, role["country"])["offices"]
                     if x["actor"] == a["id"] and x["role"] == role["role"]]
                assert len(o) == 1, (day, a["id"], role)
                for k, v in role.items():
                    if k == "country":  # the line's own country
                        continue
                    assert o[0][k] == v, (day, k, o[0][k], v)
                assert [w["status"] for w in o[0]["warrants"]] == [
                    w["status"] for w in a["warrants"]], (o[0]["warrants"], a["warrants"])
                compared["roles"] += 1
                compared["warrants"] += len(a["warrants"])
    # Mongolia (2024) and Russia (2010) under two treaties each; Putin's office on
    # each day; his warrant in 2024.
    assert compared == {"treaties": 4, "roles": 2, "warrants": 1}, compared


def edit(d, name, old, new):
    p = os.path.join(d, name)
    with open(p, encoding="utf-8") as f:
        s = f.read()
    assert s.count(old) == 1, (old, s.count(old))
    with open(p, "w", encoding="utf-8") as f:
        f.write(s.replace(old, new))


def test_no_holder(tmp):
    d = os.path.join(tmp, "data")
    shutil.copytree(h.DATA, d, ignore=shutil.ignore_patterns("samples"))
    # Medvedev known in office only to 2011-12-31; Putin's 2012 term known
    # only from 2012-06-01 (columns: start first_seen end last_seen holder).
    edit(d, "roles.tsv", "Q23530\thead_of_state\tRUS\tPresident of Russia\t2008-05-07\t\t2012-05-07\t\t",
         "Q23530\thead_of_state\tRUS\tPresident of Russia\t2008-05-07\t\t\t2011-12-31\t")
    edit(d, "roles.tsv", "Q7747\thead_of_state\tRUS\tPresident of Russia\t2012-05-07\t\t\t\t",
         "Q7747\thead_of_state\tRUS\tPresident of Russia\t\t2012-06-01\t\t\t")
    ev = one("2012-03-01", "RUS", data=d)
    assert not [o for o in ev["offices"] if o["role"] == "head_of_state"], ev["offices"]
    assert ev["no_holder"] == [{
        "role": "head_of_state",
        "previous": {"actor": "Q23530", "name": "Dmitry Medvedev", "start": "2008-05-07",
                     "last_seen": "2011-12-31"},
        "next": {"actor": "Q7747", "name": "Vladimir Putin", "first_seen": "2012-06-01"}}], \
        ev["no_holder"]
    # The last day known, and the first day seen, are held.
    assert holders("2011-12-31", "RUS", "head_of_state") == [("Q23530", "Dmitry Medvedev")]
    assert [o["name"] for o in one("2011-12-31", "RUS", data=d)["offices"]
            if o["role"] == "head_of_state"] == ["Dmitry Medvedev"]
    assert [o["name"] for o in one("2012-06-01", "RUS", data=d)["offices"]
            if o["role"] == "head_of_state"] == ["Vladimir Putin"]
    # Before the first term of an office: only a next term.
    m = [x for x in one("1990-01-01", "RUS", data=d)["no_holder"] if x["role"] == "head_of_state"]
    assert len(m) == 1 and "previous" not in m[0] and m[0]["next"]["actor"], m


def test_all_states_and_errors():
    out, err = on("2024-06-01")
    with open(os.path.join(h.DATA, "countries.tsv"), encoding="utf-8") as f:
        codes = [l.split("\t")[0] for l in f if l.strip() and not l.startswith("#")][1:]
    assert sorted(o["country"] for o in out) == sorted(codes), len(out)
    assert all(list(o)[:5] == ["country", "name", "day", "data_version", "treaties"] and
               list(o)[5:] == ["offices", "no_holder"] for o in out)
    assert err == "", err
    r = subprocess.run([ATTACHE, "data", "on", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("Usage: attache data on DAY"), r
    for args, msg in (([], "Usage: attache data on"),
                      (["2024-02-30"], "'2024-02-30' is not a day (YYYY-MM-DD)"),
                      (["yesterday", "RUS"], "'yesterday' is not a day"),
                      (["2024-06-01", "ZZZ"], "unknown country 'ZZZ'"),
                      (["2024-06-01", "RU"], "unknown country 'RU'"),
                      (["2024-06-01", "--bogus"], "Usage: attache data on")):
        r = subprocess.run([ATTACHE, "data", "on"] + args, capture_output=True, text=True)
        assert r.returncode == 2 and msg in r.stderr and r.stdout == "", (args, r)
    # Lower case codes are accepted.
    assert one("2024-06-01", "MNG")["country"] == "MNG"
    assert on("2024-06-01", "mng")[0][0]["country"] == "MNG"
    r = subprocess.run([ATTACHE, "data", "on", "2024-06-01", "MNG", "--data-dir",
                        "/nonexistent-attache-data"], capture_output=True, text=True)
    assert r.returncode == 1 and "/nonexistent-attache-data/" in r.stderr, r.stderr
    with open(os.path.join(h.DATA, "VERSION"), encoding="utf-8") as f:
        version = f.read().split()[0]
    y, m, dd = map(int, version.split("-"))
    later = "%04d-%s" % (y + 1, version[5:])
    out, err = on(later, "MNG")
    assert out[0]["data_version"] == version and "after the data version" in err, err


def main():
    if not h.BIN:
        h.skip("ATTACHE_BIN is not set (run through ctest)")
    tmp = tempfile.mkdtemp(prefix="attache-data-on.")
    try:
        test_treaties()
        test_offices()
        test_same_as_enrich()
        test_no_holder(tmp)
        test_all_states_and_errors()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok: attache data on: treaty and office edge days, same as enrich, no_holder, "
          "every state, errors")


if __name__ == "__main__":
    main()
