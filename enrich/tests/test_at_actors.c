/*
 * test_at_actors: actors, roles as half-open day intervals (the end day is
 * not held), warrants as of a day, and the loader's checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_actors.h"
#include "at_testdata.h"

typedef struct {
    at_gazetteer_t *gaz;
    at_actors_t *act;
} real_t;

/* The data set's "as of" day, as data/VERSION says. */
#define AS_OF "2026-11-28"

static int setup_real(void **state)
{
    char err[1024];
    real_t *r = calloc(1, sizeof *r);
    r->gaz = td_real_gazetteer();
    r->act = at_actors_new(td_data_dir(), r->gaz, td_day(AS_OF), err, sizeof err);
    if (!r->act)
        fail_msg("%s", err);
    *state = r;
    return 0;
}

static int teardown_real(void **state)
{
    real_t *r = *state;
    at_actors_destroy(&r->act);
    assert_null(r->act);
    at_actors_destroy(&r->act);
    at_actors_destroy(NULL);
    at_gazetteer_destroy(&r->gaz);
    free(r);
    return 0;
}

static const at_actor_t *actor(const real_t *r, const char *qid)
{
    size_t i;
    if (at_actors_find(r->act, qid, &i) != 0)
        fail_msg("no actor %s", qid);
    return at_actors_get(r->act, i);
}

/* The offices held on day, each as "role:COUNTRY:title", joined with "|". */
static const char *held(const real_t *r, const char *qid, const char *day)
{
    static char buf[1024];
    const at_actor_t *a = actor(r, qid);
    buf[0] = '\0';
    for (size_t i = 0; i < a->nroles; i++) {
        const at_role_t *ro = &a->roles[i];
        if (!at_role_held(ro, td_day(day)))
            continue;
        if (buf[0])
            strcat(buf, "|");
        strcat(buf, ro->role);
        strcat(buf, ":");
        strcat(buf, at_gazetteer_country(r->gaz, ro->country)->code);
        strcat(buf, ":");
        strcat(buf, ro->title);
    }
    return buf;
}

static void test_real_actors(void **state)
{
    real_t *r = *state;
    assert_true(at_actors_count(r->act) >= 20);
    const at_actor_t *putin = actor(r, "Q7747");
    assert_string_equal(putin->name, "Vladimir Putin");
    assert_string_equal(at_gazetteer_country(r->gaz, putin->country)->code, "RUS");
    assert_string_equal(actor(r, "Q39259")->name, "Recep Tayyip Erdoğan");
    assert_string_equal(actor(r, "Q7821917")->name, "Antony Blinken");
    assert_string_equal(actor(r, "Q192")->name, "David Cameron");
    assert_int_equal(at_actors_find(r->act, "Q1", NULL), -1);
    assert_null(at_actors_get(r->act, 9999));
    assert_true(at_actors_alias_count(r->act) >= 50);
    /* Roles come sorted by start. */
    for (size_t i = 1; i < putin->nroles; i++)
        assert_true(putin->roles[i - 1].start <= putin->roles[i].start);
}

/* The shipped executives.tsv: who heads the government on the data day. */
static void test_real_executives(void **state)
{
    real_t *r = *state;
    static const struct {
        const char *code;
        at_exec_t want;
        const char *since;
    } cases[] = {
        {"USA", AT_EXEC_HEAD_OF_STATE, NULL}, /* the President */
        {"TUR", AT_EXEC_HEAD_OF_STATE, "2018-07-09"},
        {"KGZ", AT_EXEC_HEAD_OF_STATE, "2021-05-05"},
        {"KEN", AT_EXEC_HEAD_OF_STATE, NULL},
        {"GBR", AT_EXEC_SEPARATE, NULL},
        {"ISR", AT_EXEC_SEPARATE, NULL},
        {"BRN", AT_EXEC_SEPARATE, NULL}, /* the Sultan holds both */
    };
    assert_true(at_actors_executive_count(r->act) >= 190);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t c;
        assert_int_equal(at_gazetteer_country_find(r->gaz, cases[i].code, &c), 0);
        if (at_actors_executive(r->act, c) != cases[i].want)
            fail_msg("%s: got %d, expected %d", cases[i].code, at_actors_executive(r->act, c),
                     cases[i].want);
        assert_int_equal(at_actors_executive_since(r->act, c),
                         cases[i].since ? td_day(cases[i].since) : AT_DAY_NONE);
    }
}

/* Offices as of a day, on the edge days of each term: the start day is
 * held, the end day is not (half-open [start, end)). */
typedef struct {
    const char *qid;
    const char *day;
    const char *expect; /* held(), "" for no office */
} role_case_t;

static const role_case_t role_cases[] = {
    /* The cases. */
    {"Q7747", "2010-06-15", "head_of_government:RUS:Prime Minister of Russia"},
    {"Q7821917", "2025-06-15", ""},
    {"Q192", "2024-03-15", "foreign_minister:GBR:Foreign Secretary of the United Kingdom"},
    {"Q192", "2015-06-15", "head_of_government:GBR:Prime Minister of the United Kingdom"},
    /* Blinken: [2021-01-26, 2025-01-20). */
    {"Q7821917", "2021-01-25", ""},
    {"Q7821917", "2021-01-26", "foreign_minister:USA:United States Secretary of State"},
    {"Q7821917", "2025-01-19", "foreign_minister:USA:United States Secretary of State"},
    {"Q7821917", "2025-01-20", ""},
    /* Cameron: PM [2010-05-11, 2016-07-13), Foreign Secretary
     * [2023-11-13, 2024-07-05), nothing in between. */
    {"Q192", "2010-05-10", ""},
    {"Q192", "2010-05-11", "head_of_government:GBR:Prime Minister of the United Kingdom"},
    {"Q192", "2016-07-12", "head_of_government:GBR:Prime Minister of the United Kingdom"},
    {"Q192", "2016-07-13", ""},
    {"Q192", "2023-11-12", ""},
    {"Q192", "2023-11-13", "foreign_minister:GBR:Foreign Secretary of the United Kingdom"},
    {"Q192", "2024-07-04", "foreign_minister:GBR:Foreign Secretary of the United Kingdom"},
    {"Q192", "2024-07-05", ""},
    /* Putin: acting prime minister, prime minister, acting president while
     * prime minister, president, prime minister, president. */
    {"Q7747", "1999-08-08", ""},
    {"Q7747", "1999-08-09", "head_of_government:RUS:Acting Prime Minister of Russia"},
    {"Q7747", "1999-08-16", "head_of_government:RUS:Prime Minister of Russia"},
    {"Q7747", "2000-01-15",
     "head_of_government:RUS:Prime Minister of Russia|head_of_state:RUS:Acting President of "
     "Russia"},
    {"Q7747", "2000-05-07", "head_of_state:RUS:President of Russia"},
    {"Q7747", "2008-05-06", "head_of_state:RUS:President of Russia"},
    {"Q7747", "2008-05-07", ""}, /* between the two offices */
    {"Q7747", "2008-05-08", "head_of_government:RUS:Prime Minister of Russia"},
    {"Q7747", "2012-05-06", "head_of_government:RUS:Prime Minister of Russia"},
    {"Q7747", "2012-05-07", "head_of_state:RUS:President of Russia"},
    {"Q7747", AS_OF, "head_of_state:RUS:President of Russia"},
    /* Medvedev takes over the day Putin leaves. */
    {"Q23530", "2008-05-06", ""},
    {"Q23530", "2008-05-07", "head_of_state:RUS:President of Russia"},
    {"Q23530", "2012-05-07", ""},
    {"Q23530", "2012-05-08", "head_of_government:RUS:Prime Minister of Russia"},
    {"Q23530", "2020-01-15", "head_of_government:RUS:Prime Minister of Russia"},
    {"Q23530", "2020-01-16", ""},
    /* Biden and Trump around 2021-01-20 and 2025-01-20. */
    {"Q6279", "2021-01-19", ""},
    {"Q6279", "2021-01-20", "head_of_state:USA:President of the United States"},
    {"Q6279", "2025-01-19", "head_of_state:USA:President of the United States"},
    {"Q6279", "2025-01-20", ""},
    {"Q22686", "2021-01-19", "head_of_state:USA:President of the United States"},
    {"Q22686", "2021-01-20", ""},
    {"Q22686", "2025-01-19", ""},
    {"Q22686", "2025-01-20", "head_of_state:USA:President of the United States"},
    /* Erdoğan: prime minister until the day he became president. */
    {"Q39259", "2014-08-27", "head_of_government:TUR:Prime Minister of Turkey"},
    {"Q39259", "2014-08-28", "head_of_state:TUR:President of Türkiye"},
    /* Netanyahu: the gap 2021-06-13 .. 2022-12-29 (Bennett, then Lapid).
     * Lapid was foreign minister for the whole gap and kept the ministry
     * while prime minister: two offices at once. */
    {"Q43723", "2021-06-12", "head_of_government:ISR:Prime Minister of Israel"},
    {"Q43723", "2021-06-13", ""},
    {"Q1396120", "2021-06-12", ""},
    {"Q1396120", "2021-06-13", "foreign_minister:ISR:Minister of Foreign Affairs of Israel"},
    {"Q1396120", "2022-06-30", "foreign_minister:ISR:Minister of Foreign Affairs of Israel"},
    {"Q1396120", "2022-07-01",
     "foreign_minister:ISR:Minister of Foreign Affairs of Israel|"
     "head_of_government:ISR:Prime Minister of Israel"},
    {"Q1396120", "2022-12-29", ""},
    {"Q43723", "2022-12-28", ""},
    {"Q43723", "2022-12-29", "head_of_government:ISR:Prime Minister of Israel"},
    /* One person, one office in several states (New Zealand and the Bahamas
     * were added in round 7 (past7); Jamaica, Grenada, Belize, Antigua and
     * Barbuda and Saint Kitts and Nevis in round 8 (past8a), Papua New
     * Guinea in round 8 (past8b), Saint Lucia and Saint Vincent and the
     * Grenadines in round 8 (past8c)). */
    {"Q9682", "2022-09-07",
     "head_of_state:GBR:Queen of the United Kingdom|head_of_state:CAN:Queen of "
     "Canada|head_of_state:AUS:Queen of Australia|head_of_state:NZL:Queen of New "
     "Zealand|head_of_state:JAM:Queen of Jamaica|head_of_state:BHS:Queen of the "
     "Bahamas|head_of_state:GRD:Queen of Grenada|head_of_state:PNG:Queen of Papua New "
     "Guinea|head_of_state:LCA:Queen of Saint Lucia|head_of_state:VCT:Queen of Saint "
     "Vincent and the Grenadines|head_of_state:BLZ:Queen of "
     "Belize|head_of_state:ATG:Queen of Antigua and Barbuda|head_of_state:KNA:Queen "
     "of Saint Kitts and Nevis"},
    {"Q9682", "2022-09-08", ""},
    /* Handovers on one day: the predecessor's end is the successor's start. */
    {"Q567", "2021-12-07", "head_of_government:DEU:Chancellor of Germany"},
    {"Q567", "2021-12-08", ""},
    {"Q61053", "2021-12-08", "head_of_government:DEU:Chancellor of Germany"},
    {"Q61053", "2025-05-06", ""},
    {"Q206", "2015-11-03", "head_of_government:CAN:Prime Minister of Canada"},
    {"Q206", "2015-11-04", ""},
    {"Q3099714", "2015-11-04", "head_of_government:CAN:Prime Minister of Canada"},
    {"Q3099714", "2025-03-14", ""},
    {"Q264766", "2016-07-13", "head_of_government:GBR:Prime Minister of the United Kingdom"},
    {"Q192", "2016-07-13", ""},
    {"Q180589", "2016-07-13", "foreign_minister:GBR:Foreign Secretary of the United Kingdom"},
    {"Q180589", "2018-07-09", ""},
    {"Q180589", "2019-07-24", "head_of_government:GBR:Prime Minister of the United Kingdom"},
    {"Q264766", "2019-07-24", ""},
    /* A term that ended before the data version: Orbán, 2010-05-29 to
     * 2026-05-09 (Péter Magyar sworn in). */
    {"Q57641", "2010-05-28", ""},
    {"Q57641", "2010-05-29", "head_of_government:HUN:Prime Minister of Hungary"},
    {"Q57641", "2026-05-08", "head_of_government:HUN:Prime Minister of Hungary"},
    {"Q57641", "2026-05-09", ""},
    {"Q2530", "2005-11-21", "head_of_government:DEU:Chancellor of Germany"},
    {"Q2530", "2005-11-22", ""},
    {"Q567", "2005-11-22", "head_of_government:DEU:Chancellor of Germany"},
    /* The President of France is also ex officio a Co-Prince of Andorra. */
    {"Q2105", "2007-05-15",
     "head_of_state:FRA:President of France|head_of_state:AND:French Co-Prince of Andorra"},
    {"Q2105", "2007-05-16", ""},
    {"Q329", "2007-05-16",
     "head_of_state:FRA:President of France|head_of_state:AND:French Co-Prince of Andorra"},
    {"Q1124", "2001-01-19", "head_of_state:USA:President of the United States"},
    {"Q1124", "2001-01-20", ""},
    {"Q207", "2001-01-20", "head_of_state:USA:President of the United States"},
    /* Two terms with a gap, and a third open one. */
    {"Q132345", "2007-09-25", "head_of_government:JPN:Prime Minister of Japan"},
    {"Q132345", "2007-09-26", ""},
    {"Q132345", "2012-12-26", "head_of_government:JPN:Prime Minister of Japan"},
    {"Q132345", "2020-09-16", ""},
    {"Q37181", "2010-12-31", "head_of_state:BRA:President of Brazil"},
    {"Q37181", "2011-01-01", ""},
    {"Q10304982", "2022-12-31", "head_of_state:BRA:President of Brazil"},
    {"Q10304982", "2023-01-01", ""},
    {"Q37181", "2023-01-01", "head_of_state:BRA:President of Brazil"},
    {"Q318508", "2024-09-30", "head_of_state:MEX:President of Mexico"},
    {"Q318508", "2024-10-01", ""},
    /* A warrant does not make an office: Gaddafi has no role in the table. */
    {"Q19878", "2011-06-27", ""},
    /* Rows added in round 4, on their edge days. Yoon Suk Yeol: removed
     * by the Constitutional Court on 2025-04-04. */
    {"Q16090635", "2022-05-09", ""},
    {"Q16090635", "2022-05-10", "head_of_state:KOR:President of South Korea"},
    {"Q16090635", "2025-04-03", "head_of_state:KOR:President of South Korea"},
    {"Q16090635", "2025-04-04", ""},
    /* Hu Jintao, President from 2003-03-15 to 2013-03-14. */
    {"Q15029", "2003-03-14", ""},
    {"Q15029", "2003-03-15", "head_of_state:CHN:President of the People's Republic of China"},
    {"Q15029", "2013-03-13", "head_of_state:CHN:President of the People's Republic of China"},
    {"Q15029", "2013-03-14", ""},
    /* Hungary 2026: Orbán's last day 2026-05-08, Magyar from 2026-05-09. */
    {"Q57641", "2026-05-08", "head_of_government:HUN:Prime Minister of Hungary"},
    {"Q57641", "2026-05-09", ""},
    {"Q124488292", "2026-05-08", ""},
    {"Q124488292", "2026-05-09", "head_of_government:HUN:Prime Minister of Hungary"},
    {"Q124488292", AS_OF, "head_of_government:HUN:Prime Minister of Hungary"},
    /* Mubarak resigned on 2011-02-11. */
    {"Q34105", "2011-02-10", "head_of_state:EGY:President of Egypt"},
    {"Q34105", "2011-02-11", ""},
    /* Tillerson: Secretary of State 2017-02-01 to 2018-03-31. */
    {"Q331401", "2017-01-31", ""},
    {"Q331401", "2017-02-01", "foreign_minister:USA:United States Secretary of State"},
    {"Q331401", "2018-03-31", "foreign_minister:USA:United States Secretary of State"},
    {"Q331401", "2018-04-01", ""},
    /* Rows added in round 5. Israel's presidency: Itzik acting from
     * 2007-01-25 until Peres took the oath on 2007-07-15; Rivlin from
     * 2014-07-24. */
    {"Q234190", "2007-01-24", ""},
    {"Q234190", "2007-01-25", "head_of_state:ISR:Acting President of Israel"},
    {"Q234190", "2007-07-15", ""},
    {"Q57410", "2007-07-14", ""},
    {"Q57410", "2007-07-15", "head_of_state:ISR:President of Israel"},
    {"Q57410", "2014-07-24", ""},
    {"Q455854", "2014-07-23", ""},
    {"Q455854", "2014-07-24", "head_of_state:ISR:President of Israel"},
    /* France's foreign ministry changed hands on 2005-06-02. */
    {"Q438465", "2005-06-01", "foreign_minister:FRA:Minister of Foreign Affairs of France"},
    {"Q438465", "2005-06-02", ""},
    {"Q366016", "2005-06-02", "foreign_minister:FRA:Minister of Foreign Affairs of France"},
    /* Georgia: Kavelashvili from 2024-12-29 (disputed; docs/data.md). */
    {"Q711893", "2024-12-28", ""},
    {"Q711893", "2024-12-29", "head_of_state:GEO:President of Georgia"},
    /* A term known to have run up to a day, unknown after (last_seen):
     * Lương Cường, President of Vietnam from 2024-10-21, last seen
     * 2026-04-05 (the new National Assembly met from 2026-04-06). */
    {"Q18459548", "2024-10-20", ""},
    {"Q18459548", "2024-10-21", "head_of_state:VNM:President of Vietnam"},
    {"Q18459548", "2026-04-05", "head_of_state:VNM:President of Vietnam"},
    {"Q18459548", "2026-04-06", ""},
    {"Q18459548", AS_OF, ""},
    /* The United Kingdom: Starmer from 2024-07-05 (Sunak's last day the
     * 4th), Burnham from 2026-07-20. */
    {"Q6383803", "2024-07-04", ""},
    {"Q6383803", "2024-07-05", "head_of_government:GBR:Prime Minister of the United Kingdom"},
    {"Q6383803", "2026-07-19", "head_of_government:GBR:Prime Minister of the United Kingdom"},
    {"Q6383803", "2026-07-20", ""},
    {"Q269909", "2026-07-20", "head_of_government:GBR:Prime Minister of the United Kingdom"},
    {"Q269909", AS_OF, "head_of_government:GBR:Prime Minister of the United Kingdom"},
    /* France's foreign ministry: Séjourné, then Barrot from 2024-09-21. */
    {"Q48321355", "2024-09-20",
     "foreign_minister:FRA:Minister for Europe and Foreign Affairs of France"},
    {"Q48321355", "2024-09-21", ""},
    {"Q30339198", "2024-09-21",
     "foreign_minister:FRA:Minister for Europe and Foreign Affairs of France"},
    /* Round 6 (since6b): Zubkov acting on the inauguration day of 2012,
     * Mokhber from the day after Raisi's death, Mohammed bin Rashid from
     * his oath of 2006-02-11, Satybaldiyev from the decree of 2012-09-06,
     * and terms known only up to last_seen (Navracsics, Szijjarto). */
    {"Q147425", "2012-05-06", ""},
    {"Q147425", "2012-05-07", "head_of_government:RUS:Acting Prime Minister of Russia"},
    {"Q147425", "2012-05-08", ""},
    {"Q5703610", "2024-05-19", ""},
    {"Q5703610", "2024-05-20", "head_of_government:IRN:Acting President of Iran"},
    {"Q5703610", "2024-07-28", ""},
    {"Q57655", "2006-02-10", ""},
    {"Q57655", "2006-02-11", "head_of_government:ARE:Prime Minister of the United Arab Emirates"},
    {"Q24565", "2012-09-05", ""},
    {"Q24565", "2012-09-06", "head_of_government:KGZ:Prime Minister of Kyrgyzstan"},
    {"Q4214522", "2012-09-05", "head_of_government:KGZ:Acting Prime Minister of Kyrgyzstan"},
    {"Q832221", "2014-09-21",
     "foreign_minister:HUN:Minister of Foreign Affairs and Trade of Hungary"},
    {"Q832221", "2014-09-22", ""},
    {"Q685293", "2014-09-22", ""},
    {"Q685293", "2014-09-23",
     "foreign_minister:HUN:Minister of Foreign Affairs and Trade of Hungary"},
    {"Q685293", "2026-02-11",
     "foreign_minister:HUN:Minister of Foreign Affairs and Trade of Hungary"},
    {"Q685293", "2026-02-12", ""},
};

static void test_role_edges(void **state)
{
    real_t *r = *state;
    for (size_t i = 0; i < sizeof role_cases / sizeof *role_cases; i++) {
        const role_case_t *c = &role_cases[i];
        const char *got = held(r, c->qid, c->day);
        if (strcmp(got, c->expect) != 0)
            fail_msg("%s on %s: got \"%s\", expected \"%s\"", c->qid, c->day, got, c->expect);
    }
    assert_false(at_role_held(NULL, 0));
}

/* No single-holder office of one state has two sole holders on any day:
 * re-checked here over the loaded data by brute force, independently of
 * the loader's own check. A term counts from its start or first_seen
 * (at_role_from) up to its end or last_seen (at_role_until), as in the
 * loader. */
static void test_one_holder_at_a_time(void **state)
{
    real_t *r = *state;
    for (size_t a = 0; a < at_actors_count(r->act); a++) {
        const at_actor_t *x = at_actors_get(r->act, a);
        for (size_t i = 0; i < x->nroles; i++) {
            const at_role_t *p = &x->roles[i];
            if (!at_role_single_holder(p->role) || p->holder != AT_HOLDER_SOLE)
                continue;
            for (size_t b = a + 1; b < at_actors_count(r->act); b++) {
                const at_actor_t *y = at_actors_get(r->act, b);
                for (size_t j = 0; j < y->nroles; j++) {
                    const at_role_t *q = &y->roles[j];
                    if (q->holder == AT_HOLDER_SOLE && q->country == p->country &&
                        strcmp(q->role, p->role) == 0)
                        assert_false(at_role_from(p) < at_role_until(q) &&
                                     at_role_from(q) < at_role_until(p));
                }
            }
        }
    }
    assert_true(at_role_single_holder("head_of_state"));
    assert_true(at_role_single_holder("defence_minister"));
    assert_true(at_role_single_holder("vice_president"));
    assert_true(at_role_single_holder("senate_majority_leader"));
    assert_true(at_role_single_holder("head_of_cabinet"));
    assert_false(at_role_single_holder("deputy_prime_minister"));
    assert_false(at_role_single_holder(NULL));
}

typedef struct {
    const char *qid;
    const char *issued;
    const char *day;
    const char *expect; /* NULL: not reported yet */
} warrant_case_t;

static const warrant_case_t warrant_cases[] = {
    {"Q7747", "2023-03-17", "2023-03-16", NULL},
    {"Q7747", "2023-03-17", "2023-03-17", "outstanding"},
    {"Q7747", "2023-03-17", AS_OF, "outstanding"},
    {"Q43723", "2024-11-21", "2024-11-20", NULL},
    {"Q43723", "2024-11-21", "2024-11-21", "outstanding"},
    /* Gaddafi: issued 2011-06-27, case terminated 2011-11-22 after his death. */
    {"Q19878", "2011-06-27", "2011-06-26", NULL},
    {"Q19878", "2011-06-27", "2011-06-27", "outstanding"},
    {"Q19878", "2011-06-27", "2011-11-21", "outstanding"},
    {"Q19878", "2011-06-27", "2011-11-22", "terminated"},
    {"Q19878", "2011-06-27", AS_OF, "terminated"},
    /* Laurent Gbagbo: issued 2011-11-23, in the Court's custody 2011-11-29. */
    {"Q179242", "2011-11-23", "2011-11-22", NULL},
    {"Q179242", "2011-11-23", "2011-11-23", "outstanding"},
    {"Q179242", "2011-11-23", "2011-11-28", "outstanding"},
    {"Q179242", "2011-11-23", "2011-11-29", "executed"},
    /* Bemba: the warrant of 2008-05-23 was replaced (withdrawn) by the one
     * of 2008-06-10, executed on 2008-07-03. */
    {"Q379148", "2008-05-23", "2008-06-09", "outstanding"},
    {"Q379148", "2008-05-23", "2008-06-10", "withdrawn"},
    {"Q379148", "2008-06-10", "2008-06-10", "outstanding"},
    {"Q379148", "2008-06-10", "2008-07-02", "outstanding"},
    {"Q379148", "2008-06-10", "2008-07-03", "executed"},
    /* The example: Lvova-Belova, with Putin on 2023-03-17; keyed
     * by a local id (no stored export confirms her QID). */
    {"attache:maria-lvova-belova", "2023-03-17", "2023-03-16", NULL},
    {"attache:maria-lvova-belova", "2023-03-17", "2023-03-17", "outstanding"},
    {"attache:maria-lvova-belova", "2023-03-17", AS_OF, "outstanding"},
    /* Ongwen: issued under seal 2005-07-08, surrendered 2015-01-17. */
    {"attache:dominic-ongwen", "2005-07-08", "2015-01-16", "outstanding"},
    {"attache:dominic-ongwen", "2005-07-08", "2015-01-17", "executed"},
    /* Deif: terminated 2025-02-26 after his death was confirmed. */
    {"attache:mohammed-deif", "2024-11-21", "2025-02-25", "outstanding"},
    {"attache:mohammed-deif", "2024-11-21", "2025-02-26", "terminated"},
};

static void test_warrants(void **state)
{
    real_t *r = *state;
    for (size_t i = 0; i < sizeof warrant_cases / sizeof *warrant_cases; i++) {
        const warrant_case_t *c = &warrant_cases[i];
        const at_actor_t *a = actor(r, c->qid);
        const at_warrant_t *w = NULL;
        for (size_t k = 0; k < a->nwarrants && !w; k++)
            if (a->warrants[k].issued == td_day(c->issued))
                w = &a->warrants[k];
        if (!w)
            fail_msg("%s has no warrant issued %s", c->qid, c->issued);
        assert_string_equal(w->court, "ICC");
        const char *got = at_warrant_status(w, td_day(c->day));
        if (c->expect == NULL ? got != NULL : (got == NULL || strcmp(got, c->expect) != 0))
            fail_msg("%s warrant of %s on %s: got %s, expected %s", c->qid, c->issued, c->day,
                     got ? got : "(none)", c->expect ? c->expect : "(none)");
    }
    assert_string_equal(actor(r, "Q7747")->warrants[0].reference, "ICC-01/22");
    assert_int_equal(actor(r, "Q6279")->nwarrants, 0);
    assert_null(at_warrant_status(NULL, 0));

    /* A warrant executed on its issue day is never outstanding. */
    at_warrant_t same = {.court = "ICC",
                         .reference = "X",
                         .issued = td_day("2020-01-01"),
                         .status = "executed",
                         .status_date = td_day("2020-01-01")};
    assert_null(at_warrant_status(&same, td_day("2019-12-31")));
    assert_string_equal(at_warrant_status(&same, td_day("2020-01-01")), "executed");
    assert_int_equal(at_warrant_status_date(&same, td_day("2019-12-31")), AT_DAY_NONE);
    assert_int_equal(at_warrant_status_date(&same, td_day("2020-01-01")), td_day("2020-01-01"));

    /* The status day shows from that day on, never before it: Duterte's
     * warrant (issued 2025-03-07, executed 2025-03-12 in warrants.tsv). */
    const at_actor_t *d = actor(r, "Q457786");
    assert_int_equal(d->nwarrants, 1);
    assert_int_equal(at_warrant_status_date(&d->warrants[0], td_day("2025-03-11")), AT_DAY_NONE);
    assert_int_equal(at_warrant_status_date(&d->warrants[0], td_day("2025-03-12")),
                     td_day("2025-03-12"));
    assert_int_equal(at_warrant_status_date(&d->warrants[0], td_day("2025-03-06")), AT_DAY_NONE);
    assert_int_equal(at_warrant_status_date(NULL, td_day("2025-03-11")), AT_DAY_NONE);
    /* The holder words roles.tsv is read with, back from the enum. */
    assert_string_equal(at_holder_name(AT_HOLDER_SOLE), "sole");
    assert_string_equal(at_holder_name(AT_HOLDER_ACTING), "acting");
    assert_string_equal(at_holder_name(AT_HOLDER_SHARED), "shared");
    /* An outstanding warrant has no status day. */
    assert_int_equal(at_warrant_status_date(&actor(r, "Q7747")->warrants[0], td_day("2026-01-01")),
                     AT_DAY_NONE);
}

static void test_patterns(void **state)
{
    real_t *r = *state;
    at_match_t *m = at_match_new();
    assert_int_equal(at_actors_add_patterns(r->act, m, 1000), 0);
    uint32_t dup[2];
    assert_int_equal(at_match_compile(m, dup), 0);
    const char *text = "Erdoğan met Erdogan, ERDOGAN, and Vladimir Putin; PUTIN; putin";
    size_t n = at_match_scan(m, text, strlen(text), NULL, NULL);
    assert_int_equal(n, 5);
    at_match_destroy(&m);

    /* Every alias has a form; surnames-only forms are single words. */
    size_t surnames = 0, context = 0;
    for (size_t i = 0; i < at_actors_alias_count(r->act); i++) {
        const at_actor_alias_t *a = at_actors_alias(r->act, i);
        if (a->form != AT_FORM_FULL)
            assert_null(strchr(a->text, ' '));
        surnames += a->form == AT_FORM_SURNAME;
        context += a->form == AT_FORM_SURNAME_CONTEXT;
        /* "Cameron" alone must never be a plain surname form. */
        if (strcmp(a->text, "Cameron") == 0)
            assert_int_equal(a->form, AT_FORM_SURNAME_CONTEXT);
    }
    assert_true(surnames > 0);
    assert_true(context > 0);
}

/* --- broken copies -------------------------------------------------------- */

static int load_actors(td_fixture_t *f)
{
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    int rc = a ? 0 : -1;
    at_actors_destroy(&a);
    return rc;
}

static int setup(void **state)
{
    return td_setup_copy(state, load_actors);
}

/* Replace `from` by `to` in file, expect exactly `reason` on the line where
 * `from` was, and restore the file. reason may contain one %d, replaced by
 * the line number of `other` (for errors that point at a second row). */
static void breaks2(td_fixture_t *f, const char *file, const char *from, const char *to,
                    const char *other, const char *reason)
{
    int line = td_line_of(f->dir, file, from);
    char msg[1024];
    if (other)
        snprintf(msg, sizeof msg, reason, td_line_of(f->dir, file, other));
    else
        snprintf(msg, sizeof msg, "%s", reason);
    assert_int_equal(td_edit(f->dir, file, from, to), 0);
    td_expect_exact(f, file, line, msg);
    assert_int_equal(td_edit(f->dir, file, to, from), 0);
}

static void breaks(td_fixture_t *f, const char *file, const char *from, const char *to,
                   const char *reason)
{
    breaks2(f, file, from, to, NULL, reason);
}

/* Apply an edit that must load (a documented way out), then undo it. */
static void loads(td_fixture_t *f, const char *file, const char *from, const char *to)
{
    assert_int_equal(td_edit(f->dir, file, from, to), 0);
    if (f->load(f) != 0)
        fail_msg("expected %s to load after the edit: %s", file, f->err);
    assert_int_equal(td_edit(f->dir, file, to, from), 0);
}

static void test_real_copy_loads(void **state)
{
    td_fixture_t *f = *state;
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    assert_non_null(a);
    at_actors_destroy(&a);
    /* Without an "as of" day, nothing is compared with it. */
    a = at_actors_new(f->dir, f->gaz, AT_DAY_NONE, f->err, sizeof f->err);
    assert_non_null(a);
    at_actors_destroy(&a);
    assert_null(at_actors_new(NULL, f->gaz, AT_DAY_NONE, f->err, sizeof f->err));
    assert_string_equal(f->err, "at_actors_new: invalid arguments");
}

/* One broken table per kind of error in actors.tsv. */
static void test_bad_actors(void **state)
{
    td_fixture_t *f = *state;
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "Putin\tVladimir Putin\tRUS",
           "id 'Putin' is neither a Wikidata QID (Q123) nor a local id (attache:first-last)");
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "attache:Putin\tVladimir Putin\tRUS",
           "id 'attache:Putin' is not a local id (attache: and lowercase ASCII words joined by "
           "single hyphens, at most 64 bytes)");
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "Q07747\tVladimir Putin\tRUS",
           "id 'Q07747' is not a Wikidata QID (Q123)");
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "Q7747x\tVladimir Putin\tRUS",
           "id 'Q7747x' is not a Wikidata QID (Q123)");
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "Q7747\tVladimir Putin\tSU",
           "unknown country code 'SU' (not in countries.tsv)");
    breaks(f, "actors.tsv", "Q7747\tVladimir Putin\tRUS", "Q7747\t\tRUS",
           "column 'name' must not be empty");
    breaks(f, "actors.tsv", "Q23530\tDmitry Medvedev", "Q7747\tDmitry Medvedev",
           "duplicate actor 'Q7747'");
    breaks(f, "actors.tsv", "id\tname\tcountry", "qid\tname\tcountry",
           "header column 1 must be 'id'");
}

/* ... in actor_aliases.tsv. */
static void test_bad_aliases(void **state)
{
    td_fixture_t *f = *state;
    breaks(f, "actor_aliases.tsv", "Q7747\tPutin\tsurname", "Q1\tPutin\tsurname",
           "unknown actor 'Q1' (not in actors.tsv)");
    breaks(f, "actor_aliases.tsv", "Q7747\tPutin\tsurname", "Q7747\tPutin\tnickname",
           "column 'form': 'nickname' is not one of: full, surname, surname_context");
    breaks(f, "actor_aliases.tsv", "Q7747\tPutin\tsurname\tcaps", "Q7747\tPutin\tsurname\tCAPS",
           "column 'case': 'CAPS' is not one of: exact, caps");
    breaks(f, "actor_aliases.tsv", "Q7747\tPutin\tsurname", "Q7747\t\"Putin\"\tsurname",
           "alias '\"Putin\"' does not start with a letter or digit");
    breaks(f, "actor_aliases.tsv", "\tErdoğan\tsurname\texact", "\tErdoğan\tsurname\tcaps",
           "alias 'Erdoğan': case 'caps' needs an ASCII spelling");
    breaks(f, "actor_aliases.tsv", "Q7747\tVladimir Putin\tfull", "Q7747\tVladimir Putin\tsurname",
           "alias 'Vladimir Putin' has a space: form 'surname' is for a surname alone");
    breaks(f, "actor_aliases.tsv", "actor\talias\tform", "actor\talias\tcase",
           "header column 3 must be 'form'");
}

/* ... in roles.tsv. The US presidency rows: Trump [2017-01-20, 2021-01-20),
 * Biden [2021-01-20, 2025-01-20), Trump [2025-01-20, open). */
#define TRUMP1                                                                                     \
    "Q22686\thead_of_state\tUSA\tPresident of the United States\t2017-01-20\t\t2021-01-20\t\tsole"
#define BIDEN                                                                                      \
    "Q6279\thead_of_state\tUSA\tPresident of the United States\t2021-01-20\t\t2025-01-20\t\tsole"
#define TRUMP2 "Q22686\thead_of_state\tUSA\tPresident of the United States\t2025-01-20\t\t\t\tsole"

static void test_bad_roles(void **state)
{
    td_fixture_t *f = *state;
    /* Dates. */
    breaks(f, "roles.tsv", "2021-01-20\t\t2025-01-20", "2021-01-20\t\t2021-01-20",
           "end must be after start (intervals are [start, end))");
    breaks(f, "roles.tsv", "2021-01-20\t\t2025-01-20", "2021-01-20\t\t2020-01-20",
           "end must be after start (intervals are [start, end))");
    breaks(f, "roles.tsv", "2021-01-20\t\t2025-01-20", "\t\t2025-01-20",
           "start is empty: give it, or first_seen when the first day in office is not known");
    breaks(f, "roles.tsv", "2021-01-20\t\t2025-01-20", "2021-01-20\t\t2025-01-32",
           "column 'end': '2025-01-32' is not a valid YYYY-MM-DD date");
    /* Nothing after the data version: an open term is one running on that
     * day, and a term cannot be known to end later. */
    breaks(f, "roles.tsv", TRUMP2,
           "Q22686\thead_of_state\tUSA\tPresident of the United States\t2027-01-20\t\t\t\tsole",
           "start 2027-01-20 is after the data version 2026-11-28");
    breaks(f, "roles.tsv", TRUMP2,
           "Q22686\thead_of_state\tUSA\tPresident of the United "
           "States\t2025-01-20\t\t2029-01-20\t\tsole",
           "end 2029-01-20 is after the data version 2026-11-28");
    /* One actor, the same office twice at once. */
    breaks2(f, "roles.tsv", TRUMP2,
            "Q22686\thead_of_state\tUSA\tPresident of the United States\t2021-01-19\t\t\t\tsole",
            TRUMP1,
            "head_of_state [2021-01-19, open) overlaps the same actor's [2017-01-20, 2021-01-20) "
            "on line %d");
    /* Two sole holders of a single-holder office. */
    breaks2(
        f, "roles.tsv", BIDEN,
        "Q6279\thead_of_state\tUSA\tPresident of the United "
        "States\t2020-01-20\t\t2025-01-20\t\tsole",
        TRUMP1,
        "head_of_state of USA [2020-01-20, 2025-01-20) overlaps Q22686's [2017-01-20, 2021-01-20) "
        "on line %d: one sole holder at a time (mark an acting or shared holder as such)");
    /* A finished term left open. */
    assert_int_equal(
        td_edit(
            f->dir, "roles.tsv", TRUMP1,
            "Q22686\thead_of_state\tUSA\tPresident of the United States\t2017-01-20\t\t\t\tsole"),
        0);
    {
        char msg[512];
        snprintf(
            msg, sizeof msg,
            "head_of_state of USA [2021-01-20, 2025-01-20) overlaps Q22686's open term from "
            "line %d: a finished term needs its end date (or mark one holder acting/shared)",
            td_line_of(f->dir, "roles.tsv",
                       "Q22686\thead_of_state\tUSA\tPresident of the United States\t2017-01-20"));
        td_expect_exact(f, "roles.tsv", td_line_of(f->dir, "roles.tsv", BIDEN), msg);
    }
    assert_int_equal(
        td_edit(
            f->dir, "roles.tsv",
            "Q22686\thead_of_state\tUSA\tPresident of the United States\t2017-01-20\t\t\t\tsole",
            TRUMP1),
        0);
    /* last_seen: only without an end, not before start, not after the data
     * version, and the term counts up to it for the one-holder check. */
    breaks(f, "roles.tsv", BIDEN,
           "Q6279\thead_of_state\tUSA\tPresident of the United States\t2021-01-20\t\t2025-01-20\t"
           "2024-06-01\tsole",
           "last_seen is for a term whose end is not known: leave it empty when end is set");
    breaks(f, "roles.tsv", BIDEN,
           "Q6279\thead_of_state\tUSA\tPresident of the United States\t2021-01-20\t\t\t"
           "2021-01-19\tsole",
           "last_seen is before start");
    breaks(f, "roles.tsv", TRUMP2,
           "Q22686\thead_of_state\tUSA\tPresident of the United States\t2025-01-20\t\t\t"
           "2026-11-29\tsole",
           "last_seen 2026-11-29 is after the data version 2026-11-28");
    breaks(f, "roles.tsv", BIDEN,
           "Q6279\thead_of_state\tUSA\tPresident of the United States\t2021-01-20\t\t\t"
           "2024-13-01\tsole",
           "column 'last_seen': '2024-13-01' is not a valid YYYY-MM-DD date");
    loads(f, "roles.tsv", BIDEN,
          "Q6279\thead_of_state\tUSA\tPresident of the United States\t2021-01-20\t\t\t"
          "2024-06-01\tsole");
    assert_int_equal(td_edit(f->dir, "roles.tsv", BIDEN,
                             "Q6279\thead_of_state\tUSA\tPresident of the United "
                             "States\t2021-01-20\t\t\t2025-02-01\tsole"),
                     0);
    {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "head_of_state of USA [2025-01-20, open) overlaps Q6279's [2021-01-20, last seen "
                 "2025-02-01] on line %d: one sole holder at a time (mark an acting or shared "
                 "holder as such)",
                 td_line_of(f->dir, "roles.tsv", "Q6279\thead_of_state\tUSA"));
        td_expect_exact(f, "roles.tsv", td_line_of(f->dir, "roles.tsv", TRUMP2), msg);
    }
    assert_int_equal(td_edit(f->dir, "roles.tsv",
                             "Q6279\thead_of_state\tUSA\tPresident of the United "
                             "States\t2021-01-20\t\t\t2025-02-01\tsole",
                             BIDEN),
                     0);
    /* first_seen: only without a start (then required), a valid day, not
     * after the data version, before end and last_seen, and the term
     * counts from it for the one-holder check. */
#define BIDEN_FROM(first, end, last)                                                               \
    "Q6279\thead_of_state\tUSA\tPresident of the United States\t\t" first "\t" end "\t" last       \
    "\tsole"
    breaks(f, "roles.tsv", BIDEN,
           "Q6279\thead_of_state\tUSA\tPresident of the United "
           "States\t2021-01-20\t2021-02-01\t2025-01-20\t\tsole",
           "first_seen is for a term whose start is not known: leave it empty when start is set");
    breaks(f, "roles.tsv", BIDEN, BIDEN_FROM("2021-13-01", "2025-01-20", ""),
           "column 'first_seen': '2021-13-01' is not a valid YYYY-MM-DD date");
    breaks(f, "roles.tsv", BIDEN, BIDEN_FROM("2025-01-20", "2025-01-20", ""),
           "end must be after first_seen (intervals are [first_seen, end))");
    breaks(f, "roles.tsv", BIDEN, BIDEN_FROM("2021-06-01", "", "2021-05-31"),
           "last_seen is before first_seen");
    breaks(f, "roles.tsv", TRUMP2,
           "Q22686\thead_of_state\tUSA\tPresident of the United States\t\t2026-11-29\t\t\tsole",
           "first_seen 2026-11-29 is after the data version 2026-11-28");
    breaks2(f, "roles.tsv", BIDEN, BIDEN_FROM("2020-06-01", "2025-01-20", ""), TRUMP1,
            "head_of_state of USA [first seen 2020-06-01, 2025-01-20) overlaps Q22686's "
            "[2017-01-20, 2021-01-20) on line %d: one sole holder at a time (mark an acting or "
            "shared holder as such)");
    loads(f, "roles.tsv", BIDEN, BIDEN_FROM("2021-06-01", "2025-01-20", ""));
    loads(f, "roles.tsv", BIDEN, BIDEN_FROM("2021-06-01", "", "2024-06-01"));
    /* The documented ways out: an acting or a shared holder may sit beside
     * a sole one (but one person still never holds one office twice). */
    loads(f, "roles.tsv", BIDEN,
          "Q6279\thead_of_state\tUSA\tPresident of the United "
          "States\t2020-01-20\t\t2025-01-20\t\tacting");
    loads(f, "roles.tsv", BIDEN,
          "Q6279\thead_of_state\tUSA\tPresident of the United "
          "States\t2020-01-20\t\t2025-01-20\t\tshared");
    /* Offices other than the four single-holder ones are not checked
     * across people (several deputy prime ministers at once). */
    loads(f, "roles.tsv", BIDEN,
          "Q6279\tdeputy_head\tUSA\tPresident of the United "
          "States\t2020-01-20\t\t2025-01-20\t\tsole");
    breaks(f, "roles.tsv", BIDEN,
           "Q6279\thead_of_state\tUSA\tPresident of the United "
           "States\t2021-01-20\t\t2025-01-20\t\tinterim",
           "column 'holder': 'interim' is not one of: sole, acting, shared");
    breaks(f, "roles.tsv", "head_of_state\tUSA\tPresident of the United States\t2021",
           "head_of_state\tUS\tPresident of the United States\t2021",
           "unknown country code 'US' (not in countries.tsv)");
    breaks(f, "roles.tsv", "head_of_state\tUSA\tPresident of the United States\t2021",
           "Head of State\tUSA\tPresident of the United States\t2021",
           "role 'Head of State' must be [a-z0-9_]+");
    breaks(f, "roles.tsv", "Q6279\thead_of_state", "Q9999999\thead_of_state",
           "unknown actor 'Q9999999' (not in actors.tsv)");
    breaks(f, "roles.tsv", "President of the United States\t2021-01-20", "\t2021-01-20",
           "column 'title' must not be empty");
    breaks(f, "roles.tsv", "start\tfirst_seen\tend\tlast_seen\tholder",
           "start\tfirst_seen\tend\tlast_seen\tkind", "header column 9 must be 'holder'");
}

/* ... in warrants.tsv. */
#define PUTIN_W   "Q7747\tICC\tICC-01/22\t2023-03-17\toutstanding\t\t"
#define GADDAFI_W "Q19878\tICC\tICC-01/11-01/11\t2011-06-27\tterminated\t2011-11-22\t"

static void test_bad_warrants(void **state)
{
    td_fixture_t *f = *state;
    breaks(f, "warrants.tsv", PUTIN_W, "Q7747\tICC\tICC-01/22\t2023-03-17\tarrested\t\t",
           "column 'status': 'arrested' is not one of: outstanding, executed, withdrawn, "
           "terminated");
    breaks(f, "warrants.tsv", PUTIN_W,
           "Q7747\tICC\tICC-01/22\t2023-03-17\toutstanding\t2024-01-01\t",
           "status_date must be empty while the warrant is outstanding");
    breaks(f, "warrants.tsv", PUTIN_W, "Q7747\tICC\tICC-01/22\t2023-03-17\texecuted\t\t",
           "status 'executed' needs a status_date");
    breaks(f, "warrants.tsv", GADDAFI_W,
           "Q19878\tICC\tICC-01/11-01/11\t2011-06-27\tterminated\t2011-06-26\t",
           "status_date is before issued");
    breaks(f, "warrants.tsv", PUTIN_W, "Q7747\tICC\tICC-01/22\t2027-03-17\toutstanding\t\t",
           "issued 2027-03-17 is after the data version 2026-11-28");
    breaks(f, "warrants.tsv", PUTIN_W, "Q7747\tICC\tICC-01/22\t2023-03-17\twithdrawn\t2027-01-01\t",
           "status_date 2027-01-01 is after the data version 2026-11-28");
    breaks(f, "warrants.tsv", PUTIN_W, "Q7747\tICC\tICC-01/22\t2023-03-17\twithdrawn\t2023-03-32\t",
           "column 'status_date': '2023-03-32' is not a valid YYYY-MM-DD date");
    breaks(f, "warrants.tsv", PUTIN_W, "Q7747\tICC\t\t2023-03-17\toutstanding\t\t",
           "column 'case' must not be empty");
    breaks(f, "warrants.tsv", PUTIN_W, "Q7747\tICC\tICC-01/22\t\toutstanding\t\t",
           "column 'issued' must not be empty");
    breaks(f, "warrants.tsv", PUTIN_W, "Q7747\t\tICC-01/22\t2023-03-17\toutstanding\t\t",
           "column 'court' must not be empty");
    breaks(f, "warrants.tsv", PUTIN_W, "Q9999999\tICC\tICC-01/22\t2023-03-17\toutstanding\t\t",
           "unknown actor 'Q9999999' (not in actors.tsv)");
    breaks(f, "warrants.tsv", "status\tstatus_date", "end_status\tstatus_date",
           "header column 5 must be 'status'");
    /* The same warrant twice. */
    {
        char *s = td_read(f->dir, "warrants.tsv");
        assert_non_null(s);
        const char *row = strstr(s, PUTIN_W);
        assert_non_null(row);
        const char *eol = strchr(row, '\n');
        char dup[1024];
        snprintf(dup, sizeof dup, "%.*s", (int)(eol - row + 1), row);
        free(s);
        int first = td_line_of(f->dir, "warrants.tsv", PUTIN_W);
        assert_int_equal(td_append(f->dir, "warrants.tsv", dup), 0);
        s = td_read(f->dir, "warrants.tsv");
        int last = 0;
        for (char *p = s; *p; p++)
            last += *p == '\n';
        free(s);
        char msg[128];
        snprintf(msg, sizeof msg, "duplicate of the warrant on line %d", first);
        td_expect_exact(f, "warrants.tsv", last, msg);
    }
}

/* A warrant that ended loads and reports its end status from that day. */
static void test_ended_warrant_loads(void **state)
{
    td_fixture_t *f = *state;
    assert_int_equal(td_edit(f->dir, "warrants.tsv", PUTIN_W,
                             "Q7747\tICC\tICC-01/22\t2023-03-17\twithdrawn\t2024-01-01\t"),
                     0);
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    assert_non_null(a);
    size_t i;
    assert_int_equal(at_actors_find(a, "Q7747", &i), 0);
    const at_warrant_t *w = &at_actors_get(a, i)->warrants[0];
    assert_string_equal(at_warrant_status(w, td_day("2023-12-31")), "outstanding");
    assert_string_equal(at_warrant_status(w, td_day("2024-01-01")), "withdrawn");
    at_actors_destroy(&a);
}

/* A person keyed by a local id (no confirmed QID) loads like any other:
 * aliases, roles and warrants attach to the id. The rows are made up for the
 * test and undone after it. */
static void test_local_id_actor(void **state)
{
    td_fixture_t *f = *state;
    const char *ah = "id\tname\tcountry\tsource\tchecked_on";
    const char *lh = "actor\talias\tform\tcase\tnote\tsource\tchecked_on";
    const char *rh = "actor\trole\tcountry\ttitle\tstart\tfirst_seen\tend\tlast_"
                     "seen\tholder\tsource\tchecked_on";
    const char *wh = "actor\tcourt\tcase\tissued\tstatus\tstatus_date\tsource\tchecked_on";
    char a2[256], l2[256], r2[256], w2[256];
    snprintf(a2, sizeof a2, "%s\nattache:test-person\tTest Person\tRUS\ttest\t2026-11-28", ah);
    snprintf(l2, sizeof l2,
             "%s\nattache:test-person\tTestperson Zyx\tfull\tcaps\t\ttest\t2026-11-28", lh);
    snprintf(
        r2, sizeof r2,
        "%s\nattache:test-person\tcommissioner\tRUS\tCommissioner\t2021-10-27\t\t\t\tsole\ttest\t"
        "2026-11-28",
        rh);
    snprintf(w2, sizeof w2,
             "%s\nattache:test-person\tICC\tICC-01/22\t2023-03-17\toutstanding\t\ttest\t2026-11-28",
             wh);
    assert_int_equal(td_edit(f->dir, "actors.tsv", ah, a2), 0);
    assert_int_equal(td_edit(f->dir, "actor_aliases.tsv", lh, l2), 0);
    assert_int_equal(td_edit(f->dir, "roles.tsv", rh, r2), 0);
    assert_int_equal(td_edit(f->dir, "warrants.tsv", wh, w2), 0);
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    if (!a)
        fail_msg("local id did not load: %s", f->err);
    size_t i;
    assert_int_equal(at_actors_find(a, "attache:test-person", &i), 0);
    const at_actor_t *p = at_actors_get(a, i);
    assert_int_equal(p->nroles, 1);
    assert_true(at_role_held(&p->roles[0], td_day("2023-03-17")));
    assert_false(at_role_held(&p->roles[0], td_day("2021-10-26")));
    assert_int_equal(p->nwarrants, 1);
    assert_string_equal(at_warrant_status(&p->warrants[0], td_day("2023-03-17")), "outstanding");
    assert_null(at_warrant_status(&p->warrants[0], td_day("2023-03-16")));
    at_actors_destroy(&a);
    assert_int_equal(td_edit(f->dir, "warrants.tsv", w2, wh), 0);
    assert_int_equal(td_edit(f->dir, "roles.tsv", r2, rh), 0);
    assert_int_equal(td_edit(f->dir, "actor_aliases.tsv", l2, lh), 0);
    assert_int_equal(td_edit(f->dir, "actors.tsv", a2, ah), 0);
}

/* Rewrite the shipped roles.tsv in an older format: drop the fields at
 * the 0-based indices in drop (ascending) from the header and every row.
 * A row with a value in a dropped field cannot be written in that format
 * and is left out. */
static void write_older_roles(td_fixture_t *f, const int *drop, size_t ndrop)
{
    char *s = td_read(f->dir, "roles.tsv");
    assert_non_null(s);
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t o = 0;
    for (char *line = s; *line;) {
        char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line + 1) : strlen(line);
        if (line[0] == '#' || line[0] == '\n') {
            memcpy(out + o, line, len);
            o += len;
            line += len;
            continue;
        }
        int header = strncmp(line, "actor\t", 6) == 0, keep = 1;
        size_t o0 = o, d = 0;
        char *field = line;
        for (int i = 0; field < line + len; i++) {
            char *end = field;
            while (*end != '\t' && *end != '\n' && *end)
                end++;
            size_t flen = (size_t)(end - field) + (*end ? 1 : 0);
            if (d < ndrop && drop[d] == i) {
                d++;
                if (!header && end > field)
                    keep = 0;
            } else {
                memcpy(out + o, field, flen);
                o += flen;
            }
            field += flen;
        }
        if (!keep)
            o = o0;
        line += len;
    }
    out[o] = '\0';
    assert_int_equal(td_write(f->dir, "roles.tsv", out, o), 0);
    free(out);
    free(s);
}

/* The shipped tables in an older roles.tsv format load with Putin's terms. */
static void expect_putin_loads(td_fixture_t *f)
{
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    if (!a)
        fail_msg("%s", f->err);
    size_t i;
    assert_int_equal(at_actors_find(a, "Q7747", &i), 0);
    const at_actor_t *putin = at_actors_get(a, i);
    assert_true(putin->nroles >= 5);
    int held_2010 = 0;
    for (size_t k = 0; k < putin->nroles; k++) {
        held_2010 += at_role_held(&putin->roles[k], td_day("2010-06-01"));
        assert_int_equal(putin->roles[k].first_seen, AT_DAY_NONE);
    }
    assert_int_equal(held_2010, 1);
    at_actors_destroy(&a);
}

/* roles.tsv in the first format, before `last_seen` and `first_seen`
 * (nine columns), still loads with the same terms: a user's own tables
 * keep working. */
static void test_roles_v1_format(void **state)
{
    td_fixture_t *f = *state;
    static const int drop[] = {5, 7}; /* first_seen, last_seen */
    write_older_roles(f, drop, 2);
    int header = td_line_of(f->dir, "roles.tsv", "start\tend\tholder\tsource");
    expect_putin_loads(f);
    /* A broken v1 file gets the current format's message. */
    assert_int_equal(td_edit(f->dir, "roles.tsv", "start\tend\tholder", "start\tend\tkind"), 0);
    td_expect_exact(f, "roles.tsv", header, "header column 6 must be 'first_seen'");
}

/* The second format, with `last_seen` but before `first_seen` (ten
 * columns), loads too, last_seen days included. */
static void test_roles_v2_format(void **state)
{
    td_fixture_t *f = *state;
    static const int drop[] = {5}; /* first_seen */
    write_older_roles(f, drop, 1);
    assert_true(td_line_of(f->dir, "roles.tsv", "start\tend\tlast_seen\tholder") > 0);
    expect_putin_loads(f);
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    assert_non_null(a);
    size_t seen = 0;
    for (size_t i = 0; i < at_actors_count(a); i++) {
        const at_actor_t *p = at_actors_get(a, i);
        for (size_t k = 0; k < p->nroles; k++)
            seen += p->roles[k].last_seen != AT_DAY_NONE;
    }
    assert_true(seen > 0);
    at_actors_destroy(&a);
    /* A row of the current format in a v2 file. */
    const char *v2 = "Q22686\thead_of_state\tUSA\tPresident of the United "
                     "States\t2017-01-20\t2021-01-20\t\tsole";
    int line = td_line_of(f->dir, "roles.tsv", v2);
    assert_int_equal(td_edit(f->dir, "roles.tsv", v2, TRUMP1), 0);
    td_expect_exact(f, "roles.tsv", line, "expected 10 columns, found 11");
}

/* A term whose first day is not known (first_seen) is held from the first
 * day a record shows, never before, and reports no start. */
static void test_first_seen_term(void **state)
{
    td_fixture_t *f = *state;
    assert_int_equal(
        td_edit(f->dir, "roles.tsv", BIDEN, BIDEN_FROM("2021-06-01", "2025-01-20", "")), 0);
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    if (!a)
        fail_msg("%s", f->err);
    size_t i;
    assert_int_equal(at_actors_find(a, "Q6279", &i), 0);
    const at_actor_t *biden = at_actors_get(a, i);
    const at_role_t *hos = NULL;
    for (size_t k = 0; k < biden->nroles; k++)
        if (strcmp(biden->roles[k].role, "head_of_state") == 0)
            hos = &biden->roles[k];
    assert_non_null(hos);
    assert_int_equal(hos->start, AT_DAY_NONE);
    assert_int_equal(at_role_from(hos), td_day("2021-06-01"));
    assert_false(at_role_held(hos, td_day("2021-05-31")));
    assert_true(at_role_held(hos, td_day("2021-06-01")));
    assert_true(at_role_held(hos, td_day("2025-01-19")));
    assert_false(at_role_held(hos, td_day("2025-01-20")));
    /* Sorted by the first day known: the vice presidency comes first. */
    for (size_t k = 1; k < biden->nroles; k++)
        assert_true(at_role_from(&biden->roles[k - 1]) <= at_role_from(&biden->roles[k]));
    at_actors_destroy(&a);
    assert_int_equal(
        td_edit(f->dir, "roles.tsv", BIDEN_FROM("2021-06-01", "2025-01-20", ""), BIDEN), 0);
}

static void test_role_until(void **state)
{
    (void)state;
    at_role_t r = {.start = 10, .first_seen = AT_DAY_NONE, .end = 20, .last_seen = AT_DAY_NONE};
    assert_int_equal(at_role_from(&r), 10);
    assert_int_equal(at_role_until(&r), 20);
    r.end = AT_DAY_NONE;
    assert_int_equal(at_role_until(&r), AT_DAY_NONE);
    assert_true(at_role_held(&r, 1000000));
    r.last_seen = 15;
    assert_int_equal(at_role_until(&r), 16);
    assert_true(at_role_held(&r, 15));
    assert_false(at_role_held(&r, 16));
    assert_false(at_role_held(&r, 9));
    assert_int_equal(at_role_until(NULL), AT_DAY_NONE);
    /* Start not known: from first_seen on. */
    r.start = AT_DAY_NONE;
    r.first_seen = 12;
    assert_int_equal(at_role_from(&r), 12);
    assert_false(at_role_held(&r, 11));
    assert_true(at_role_held(&r, 12));
    assert_int_equal(at_role_from(NULL), AT_DAY_NONE);
}

/* executives.tsv: a small table of the test's own (the shipped one may
 * grow), then one broken copy per kind of error. */
#define EXEC_HEADER "country\thead_of_government\tsince\tsource\tchecked_on\n"
#define EXEC_GBR    "GBR\tseparate\t\tUK Cabinet Manual\t2026-11-28\n"
#define EXEC_USA    "USA\thead_of_state\t\tU.S. Constitution, art. II\t2026-11-28\n"
#define EXEC_V1     "country\thead_of_government\tsource\tchecked_on\n"

static void write_executives_as(td_fixture_t *f, const char *header, const char *rows)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "# test table\n%s%s", header, rows);
    assert_int_equal(td_write_str(f->dir, "executives.tsv", buf), 0);
}

static void write_executives(td_fixture_t *f, const char *rows)
{
    write_executives_as(f, EXEC_HEADER, rows);
}

/* The loader's error for the table as written: "" when it loads. */
static const char *load_error(td_fixture_t *f)
{
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    if (!a)
        return f->err;
    at_actors_destroy(&a);
    return "";
}

static void test_executives(void **state)
{
    td_fixture_t *f = *state;
    size_t gbr, usa, isr;
    assert_int_equal(at_gazetteer_country_find(f->gaz, "GBR", &gbr), 0);
    assert_int_equal(at_gazetteer_country_find(f->gaz, "USA", &usa), 0);
    assert_int_equal(at_gazetteer_country_find(f->gaz, "ISR", &isr), 0);

    /* Optional: without the file every state is unknown. */
    char path[1200];
    snprintf(path, sizeof path, "%s/executives.tsv", f->dir);
    unlink(path);
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    if (!a)
        fail_msg("%s", f->err);
    assert_int_equal(at_actors_executive_count(a), 0);
    assert_int_equal(at_actors_executive(a, gbr), AT_EXEC_UNKNOWN);
    at_actors_destroy(&a);

    write_executives(f, EXEC_GBR EXEC_USA);
    a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    if (!a)
        fail_msg("%s", f->err);
    assert_int_equal(at_actors_executive_count(a), 2);
    assert_int_equal(at_actors_executive(a, gbr), AT_EXEC_SEPARATE);
    assert_int_equal(at_actors_executive(a, usa), AT_EXEC_HEAD_OF_STATE);
    assert_int_equal(at_actors_executive(a, isr), AT_EXEC_UNKNOWN);
    assert_int_equal(at_actors_executive(a, (size_t)-1), AT_EXEC_UNKNOWN);
    assert_int_equal(at_actors_executive(NULL, gbr), AT_EXEC_UNKNOWN);
    at_actors_destroy(&a);

    /* Each kind of error, with its line. */
    breaks(f, "executives.tsv", "GBR\tseparate", "UK\tseparate",
           "unknown country code 'UK' (not in countries.tsv)");
    breaks(f, "executives.tsv", "GBR\tseparate", "GBR\tprime_minister",
           "column 'head_of_government': 'prime_minister' is not one of: separate, "
           "head_of_state");
    breaks(f, "executives.tsv", "\tUK Cabinet Manual\t2026", "\t\t2026",
           "column 'source' must not be empty");
    breaks(f, "executives.tsv", "Manual\t2026-11-28", "Manual\t2026-11-31",
           "column 'checked_on': '2026-11-31' is not a valid YYYY-MM-DD date");
    breaks(f, "executives.tsv", "country\thead_of_government", "state\thead_of_government",
           "header column 1 must be 'country'");
    breaks2(f, "executives.tsv", "USA\thead_of_state", "GBR\thead_of_state", "GBR\tseparate",
            "duplicate row for GBR (first on line %d)");

    /* A head_of_government term open on the data version day where the
     * head of state heads the government: the error points at the role. */
    write_executives(f, EXEC_GBR EXEC_USA "IND\thead_of_state\t\ta mistake\t2026-11-28\n");
    {
        const char *modi = "Q1058\thead_of_government\tIND\tPrime Minister of India\t2014-05-26";
        char msg[1400];
        snprintf(msg, sizeof msg,
                 "head_of_government term of Q1058 is open on the data version 2026-11-28, "
                 "but %s/executives.tsv:%d says the head of state heads IND's government (end "
                 "the term, or fix that row)",
                 f->dir, td_line_of(f->dir, "executives.tsv", "IND\t"));
        td_expect_exact(f, "roles.tsv", td_line_of(f->dir, "roles.tsv", modi), msg);
    }
    /* Finished terms are history: India's earlier prime ministers do not
     * count, only the open one. Without an "as of" day nothing is open. */
    a = at_actors_new(f->dir, f->gaz, AT_DAY_NONE, f->err, sizeof f->err);
    if (!a)
        fail_msg("%s", f->err);
    at_actors_destroy(&a);
    /* Nor does a term last seen before the data version day (Netanyahu's,
     * last seen 2026-10-05): it is not known to run on that day. */
    write_executives(f, EXEC_GBR EXEC_USA "ISR\thead_of_state\t\ta mistake\t2026-11-28\n");
    assert_string_equal(load_error(f), "");

    /* `since`: no head_of_government term may run on it or later. Lapid's
     * term ends on 2022-12-29 (half-open), so that day passes for him and
     * fails for Netanyahu, who starts on it; a day earlier fails for Lapid.
     * Without an "as of" day the check still applies. */
    write_executives(f,
                     EXEC_GBR EXEC_USA "ISR\thead_of_state\t2022-12-29\ta mistake\t2026-11-28\n");
    {
        char msg[1400];
        snprintf(msg, sizeof msg,
                 "head_of_government term of Q43723 runs on 2022-12-29 or later, but "
                 "%s/executives.tsv:%d says the head of state heads ISR's government since "
                 "2022-12-29 (end the term by then, or fix that row)",
                 f->dir, td_line_of(f->dir, "executives.tsv", "ISR\t"));
        td_expect_exact(f, "roles.tsv",
                        td_line_of(f->dir, "roles.tsv",
                                   "Q43723\thead_of_government\tISR\tPrime Minister of Israel\t"
                                   "2022-12-29"),
                        msg);
        a = at_actors_new(f->dir, f->gaz, AT_DAY_NONE, f->err, sizeof f->err);
        assert_null(a);
    }
    write_executives(f,
                     EXEC_GBR EXEC_USA "ISR\thead_of_state\t2022-12-28\ta mistake\t2026-11-28\n");
    assert_non_null(
        strstr(load_error(f), "head_of_government term of Q1396120 runs on 2022-12-28"));

    /* A valid `since`, its errors, and the first format without it. */
    write_executives(f, EXEC_GBR "USA\thead_of_state\t1789-04-30\tart. II\t2026-11-28\n");
    a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    if (!a)
        fail_msg("%s", f->err);
    assert_int_equal(at_actors_executive_since(a, usa), td_day("1789-04-30"));
    assert_int_equal(at_actors_executive_since(a, gbr), AT_DAY_NONE);
    assert_int_equal(at_actors_executive_since(a, isr), AT_DAY_NONE);
    assert_int_equal(at_actors_executive_since(NULL, usa), AT_DAY_NONE);
    at_actors_destroy(&a);
    breaks(f, "executives.tsv", "\t1789-04-30\t", "\t1789-02-30\t",
           "column 'since': '1789-02-30' is not a valid YYYY-MM-DD date");
    breaks(f, "executives.tsv", "\t1789-04-30\t", "\t2026-11-29\t",
           "since 2026-11-29 is after the data version 2026-11-28");
    write_executives_as(f, EXEC_V1,
                        "GBR\tseparate\tUK Cabinet Manual\t2026-11-28\n"
                        "USA\thead_of_state\tU.S. Constitution\t2026-11-28\n");
    a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    if (!a)
        fail_msg("%s", f->err);
    assert_int_equal(at_actors_executive(a, usa), AT_EXEC_HEAD_OF_STATE);
    assert_int_equal(at_actors_executive_since(a, usa), AT_DAY_NONE);
    at_actors_destroy(&a);
    /* A broken first-format file gets the current format's error. */
    write_executives_as(f, "country\thead_of_government\tsource\n", "GBR\tseparate\tx\n");
    assert_non_null(strstr(load_error(f), "header column 3 must be 'since'"));
}

/* A `surname_context` spelling several actors share forms one chain: the
 * first row goes to the matcher, the later ones link from it. The same
 * actor listing the spelling twice is an error. */
static void test_shared_spellings(void **state)
{
    td_fixture_t *f = *state;
    const char *ed = "Q216594\tEdward Miliband\tfull";
    assert_int_equal(td_edit(f->dir, "actor_aliases.tsv", ed,
                             "Q192\tMiliband\tsurname_context\tcaps\t\tx\t2026-11-28\n"
                             "Q216594\tEdward Miliband\tfull"),
                     0);
    at_actors_t *a = at_actors_new(f->dir, f->gaz, td_day(AS_OF), f->err, sizeof f->err);
    if (!a)
        fail_msg("%s", f->err);
    size_t first = AT_ALIAS_NONE, n = 0, in_matcher = 0;
    for (size_t i = 0; i < at_actors_alias_count(a); i++) {
        const at_actor_alias_t *al = at_actors_alias(a, i);
        if (strcmp(al->text, "Miliband") != 0)
            continue;
        n++;
        in_matcher += !al->shared;
        if (first == AT_ALIAS_NONE)
            first = i;
    }
    assert_int_equal(n, 3);
    assert_int_equal(in_matcher, 1);
    const char *want[] = {"Q272670", "Q192", "Q216594"}; /* file order */
    size_t k = first;
    for (size_t i = 0; i < 3; i++, k = at_actors_alias(a, k)->next_shared) {
        assert_true(k != AT_ALIAS_NONE);
        assert_string_equal(at_actors_get(a, at_actors_alias(a, k)->actor)->id, want[i]);
    }
    assert_true(k == AT_ALIAS_NONE);
    at_actors_destroy(&a);

    /* The same actor twice: the later row is named, with the first. */
    assert_int_equal(td_edit(f->dir, "actor_aliases.tsv", ed,
                             "Q192\tMiliband\tsurname_context\tcaps\t\ty\t2026-11-28\n"
                             "Q216594\tEdward Miliband\tfull"),
                     0);
    char msg[256];
    snprintf(msg, sizeof msg, "alias 'Miliband' is listed twice for Q192 (first on line %d)",
             td_line_of(f->dir, "actor_aliases.tsv", "Q192\tMiliband\tsurname_context\tcaps\t\tx"));
    td_expect_exact(
        f, "actor_aliases.tsv",
        td_line_of(f->dir, "actor_aliases.tsv", "Q192\tMiliband\tsurname_context\tcaps\t\ty"), msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_actors, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_role_edges, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_real_executives, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_warrants, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_one_holder_at_a_time, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_patterns, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_real_copy_loads, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_bad_actors, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_bad_aliases, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_bad_roles, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_bad_warrants, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_ended_warrant_loads, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_local_id_actor, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_executives, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_shared_spellings, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_roles_v1_format, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_roles_v2_format, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_first_seen_term, setup, td_teardown_copy),
        cmocka_unit_test(test_role_until),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
