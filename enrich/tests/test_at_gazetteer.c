/*
 * test_at_gazetteer: the country tables load and cross-check, spellings
 * feed the matcher with their case rules, datelines are recognized, and
 * every broken table fails the whole load with file:line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_gazetteer.h"
#include "at_testdata.h"

static const char *code_of(const at_gazetteer_t *g, size_t country)
{
    return at_gazetteer_country(g, country)->code;
}

static void test_real_data(void **state)
{
    (void)state;
    at_gazetteer_t *g = td_real_gazetteer();
    assert_true(at_gazetteer_country_count(g) >= 30);
    assert_true(at_gazetteer_alias_count(g) >= 100);
    size_t i;
    assert_int_equal(at_gazetteer_country_find(g, "KAZ", &i), 0);
    assert_string_equal(at_gazetteer_country(g, i)->name, "Kazakhstan");
    assert_string_equal(at_gazetteer_country(g, i)->alpha2, "KZ");
    assert_int_equal(at_gazetteer_country_find(g, "TUR", &i), 0);
    assert_string_equal(at_gazetteer_country(g, i)->name, "Türkiye");
    assert_int_equal(at_gazetteer_country_find(g, "XXX", &i), -1);
    assert_int_equal(at_gazetteer_country_find(g, "kaz", &i), -1);
    assert_null(at_gazetteer_country(g, 100000));
    assert_null(at_gazetteer_alias(g, 100000));

    /* Every place spelling carries its canonical name. */
    int nur_sultan = 0;
    for (size_t k = 0; k < at_gazetteer_alias_count(g); k++) {
        const at_alias_t *a = at_gazetteer_alias(g, k);
        if (a->blocker) {
            assert_null(a->place);
            continue;
        }
        if (a->kind == ATTACHE__V1__MENTION_KIND__MENTION_KIND_CAPITAL ||
            a->kind == ATTACHE__V1__MENTION_KIND__MENTION_KIND_CITY)
            assert_non_null(a->place);
        else
            assert_null(a->place);
        if (strcmp(a->text, "Nur-Sultan") == 0) {
            nur_sultan = 1;
            assert_string_equal(a->place, "Astana");
            assert_string_equal(code_of(g, a->country), "KAZ");
        }
    }
    assert_true(nur_sultan);

    /* Coverage: every country has a name in aliases.tsv; every UN member
     * state has a capital, except Israel (Jerusalem is left out, see
     * docs/data.md); at least 600 distinct places. */
    size_t nc = at_gazetteer_country_count(g), places = 0;
    for (size_t c = 0; c < nc; c++) {
        const at_country_t *country = at_gazetteer_country(g, c);
        int named = 0, capital = 0;
        for (size_t k = 0; k < at_gazetteer_alias_count(g); k++) {
            const at_alias_t *a = at_gazetteer_alias(g, k);
            if (a->country != c || a->blocker)
                continue;
            named |= a->kind == ATTACHE__V1__MENTION_KIND__MENTION_KIND_NAME;
            capital |= a->kind == ATTACHE__V1__MENTION_KIND__MENTION_KIND_CAPITAL;
        }
        if (!named)
            fail_msg("%s has no name in aliases.tsv", country->code);
        if (country->un_member == AT_UN_MEMBER && !capital && strcmp(country->code, "ISR") != 0)
            fail_msg("UN member %s has no capital in places.tsv", country->code);
    }
    for (size_t k = 0; k < at_gazetteer_alias_count(g); k++) {
        const at_alias_t *a = at_gazetteer_alias(g, k);
        if (a->place && strcmp(a->text, a->place) == 0)
            places++;
    }
    assert_true(places >= 600);
    at_gazetteer_destroy(&g);
    assert_null(g);
    at_gazetteer_destroy(&g);
    at_gazetteer_destroy(NULL);
}

typedef struct {
    const at_gazetteer_t *g;
    char codes[256];
} scan_t;

static void on_hit(void *arg, size_t off, size_t len, uint32_t value)
{
    scan_t *s = arg;
    const at_alias_t *a = at_gazetteer_alias(s->g, value);
    if (a->blocker || a->shadowed) /* as at_enrich does: these mean nothing */
        return;
    if (s->codes[0])
        strncat(s->codes, " ", sizeof s->codes - strlen(s->codes) - 1);
    strncat(s->codes, code_of(s->g, a->country), sizeof s->codes - strlen(s->codes) - 1);
}

/* The codes matched in text, space-separated, in order. */
static void expect_codes(const at_gazetteer_t *g, const at_match_t *m, const char *text,
                         const char *want)
{
    scan_t s = {.g = g};
    at_match_scan(m, text, strlen(text), on_hit, &s);
    if (strcmp(s.codes, want) != 0)
        fail_msg("\"%s\": got \"%s\", want \"%s\"", text, s.codes, want);
}

static void test_matching_real_spellings(void **state)
{
    (void)state;
    at_gazetteer_t *g = td_real_gazetteer();
    at_match_t *m = at_match_new();
    assert_int_equal(at_gazetteer_add_patterns(g, m, 0), 0);
    uint32_t dup[2];
    assert_int_equal(at_match_compile(m, dup), 0);

    expect_codes(g, m, "Nigeria", "NGA");
    expect_codes(g, m, "Niger and Nigeria and Nigerian", "NER NGA NGA");
    expect_codes(g, m, "Papua New Guinea", "PNG");
    expect_codes(g, m, "Guinea, Papua New Guinea", "GIN PNG");
    expect_codes(g, m, "Equatorial Guinea, Guinea-Bissau, Guinea-", "GNQ GNB GIN");
    expect_codes(g, m, "Democratic People's Republic of Korea; Republic of Korea", "PRK KOR");
    /* Turkey is `exact`: neither "turkey" nor "TURKEY"; Turkish is `caps`. */
    expect_codes(g, m, "roast turkey; TURKEY; Turkey; Türkiye; TURKISH; Turkish",
                 "TUR TUR TUR TUR");
    expect_codes(g, m, "Kyiv, Kiev, KYIV, Kazakh, Kazakhstani, Astana, Nur-Sultan, NUR-SULTAN",
                 "UKR UKR UKR KAZ KAZ KAZ KAZ KAZ");
    expect_codes(g, m, "Ulaanbaatar or Ulan Bator, Mongolian", "MNG MNG MNG");
    expect_codes(g, m, "U.S. US USA American United States us", "USA USA USA USA USA");
    expect_codes(g, m, "UK U.K. Britain British London", "GBR GBR GBR GBR GBR");
    expect_codes(g, m, "China Chinese Beijing china", "CHN CHN CHN");
    expect_codes(g, m, "Georgia Georgian Tbilisi", "GEO GEO GEO");
    /* Washington alone is dateline-only; the D.C. forms are not. */
    expect_codes(g, m, "George Washington; Washington, D.C.; Washington D.C.", "USA USA");
    /* Rome is dateline-only, so the Rome Statute does not locate Italy. */
    expect_codes(g, m, "the Rome Statute", "");

    /* Longest match through blockers: the longer names in longest_match
     * cues win and tag nothing. */
    expect_codes(g, m, "New Mexico; Mexico; Gulf of Mexico; Mexico City", "MEX MEX");
    expect_codes(g, m, "Inner Mongolia and Mongolia; INNER MONGOLIA", "MNG");
    expect_codes(g, m, "the Indian Ocean, Indian troops, Latin American and American", "IND USA");
    expect_codes(g, m, "New Jersey, Jersey, Georgia Tech, Georgia, South Georgia", "JEY GEO SGS");
    expect_codes(g, m, "the Shanghai Cooperation Organisation in Shanghai", "CHN");
    expect_codes(g, m, "Republic of China; People's Republic of China; China", "TWN CHN CHN");
    expect_codes(g, m, "Geneva Conventions; Geneva", "CHE");
    expect_codes(g, m, "Niger Delta; Niger; Nigeria", "NER NGA");

    /* One spelling, several rows: the default is matched, and a spelling
     * without a default is not matched at all. */
    expect_codes(g, m, "London; Birmingham; Santiago; Tripoli; Hyderabad; San Juan",
                 "GBR GBR CHL LBY IND PRI");
    expect_codes(g, m, "Congolese; Congo; Valencia; Cordoba; San Jose; Brest", "");
    /* The matcher folds diacritics, but "San Jose", shared with no default,
     * still wins its span and so does not become CRI's "San José". */
    expect_codes(g, m, "San José; San Jose", "CRI");
    expect_codes(g, m, "Dominican; San Jos\xC3\xA9; C\xC3\xB3rdoba", "DOM CRI");
    /* Common words by case; new names and abbreviations. */
    expect_codes(g, m, "chad, jersey, china, chile, panama, guinea, cologne", "");
    expect_codes(g, m, "Swaziland Eswatini Burma Myanmar Ivory Coast C\xC3\xB4te d'Ivoire",
                 "SWZ SWZ MMR MMR CIV CIV");
    expect_codes(g, m, "Czech Republic Czechia Holland UAE Emirati DRC PRC ROK DPRK",
                 "CZE CZE NLD ARE ARE COD CHN KOR PRK");
    expect_codes(g, m, "Kyrgyz Filipino Philippine Kazakhstani Emirati", "KGZ PHL PHL KAZ ARE");
    at_match_destroy(&m);
    at_gazetteer_destroy(&g);
}

static void expect_dateline(const at_gazetteer_t *g, const char *body, const char *code,
                            const char *place)
{
    const at_alias_t *a = at_gazetteer_dateline(g, body, strlen(body));
    if (!code) {
        if (a)
            fail_msg("\"%s\": unexpected dateline %s", body, a->text);
        return;
    }
    if (!a)
        fail_msg("\"%s\": no dateline, want %s", body, place);
    assert_string_equal(code_of(g, a->country), code);
    assert_string_equal(a->place, place);
}

static void test_datelines(void **state)
{
    (void)state;
    at_gazetteer_t *g = td_real_gazetteer();
    expect_dateline(g, "ASTANA, July 3 (Reuters) - Russian President", "KAZ", "Astana");
    expect_dateline(g, "ULAANBAATAR \xE2\x80\x94 Putin arrived", "MNG", "Ulaanbaatar");
    expect_dateline(g, "ULAANBAATAR\xE2\x80\x94Putin arrived", "MNG", "Ulaanbaatar");
    expect_dateline(g, "Astana, Kazakhstan \xE2\x80\x94 The summit", "KAZ", "Astana");
    expect_dateline(g, "  \n\tKYIV, Ukraine (AP) \xE2\x80\x93 Air raid", "UKR", "Kyiv");
    expect_dateline(g, "KIEV, Jan 5 (Reuters) - ", "UKR", "Kyiv");
    expect_dateline(g, "NUR-SULTAN, June 5 (Reuters) - ", "KAZ", "Astana");
    expect_dateline(g, "ULAN BATOR (AFP) - ", "MNG", "Ulaanbaatar");
    expect_dateline(g, "WASHINGTON (AP) \xE2\x80\x94 The White House", "USA", "Washington");
    expect_dateline(g, "WASHINGTON, D.C. -- officials", "USA", "Washington");
    expect_dateline(g, "ROME, March 3 (Reuters) - ", "ITA", "Rome");
    expect_dateline(g, "MOSCOW -- ", "RUS", "Moscow");

    /* Not datelines. */
    expect_dateline(g, "", NULL, NULL);
    expect_dateline(g, "   \n ", NULL, NULL);
    expect_dateline(g, "Astana hosted the summit.", NULL, NULL);           /* no dash */
    expect_dateline(g, "London, the capital, said - no", "GBR", "London"); /* shape fits */
    expect_dateline(g, "London, the capital, said.\nNext - line", NULL,
                    NULL);                               /* dash on next line */
    expect_dateline(g, "astana, July 3 - ", NULL, NULL); /* neither caps nor exact */
    expect_dateline(g, "AsTaNa - ", NULL, NULL);
    expect_dateline(g, "Washington state - ", NULL, NULL);
    expect_dateline(g, "PARIS, TEXAS - ", "FRA", "Paris");           /* known limitation */
    expect_dateline(g, "LONDON, Ont. - ", "GBR", "London");          /* the default */
    expect_dateline(g, "VALENCIA, Spain - ", NULL, NULL);            /* no default */
    expect_dateline(g, "VICTORIA, British Columbia - ", NULL, NULL); /* no default */
    expect_dateline(g, "SANTIAGO (Reuters) - ", "CHL", "Santiago");
    expect_dateline(g, "SINGAPORE, Nov 28 (Reuters) - ", "SGP", "Singapore");
    expect_dateline(g, "HONG KONG - ", "HKG", "Hong Kong");
    expect_dateline(g, "NAYPYITAW - ", "MMR", "Naypyidaw");
    expect_dateline(g, "GOMA, Congo (AP) \xE2\x80\x94 ", "COD", "Goma");
    expect_dateline(g, "SPRINGFIELD, Ill. (AP) - ", NULL, NULL); /* unknown place */
    expect_dateline(g, "Kazakhstan - a country", NULL, NULL);    /* a country is not a place */
    char longplace[300];
    memset(longplace, 'A', 200);
    strcpy(longplace + 200, " - x");
    expect_dateline(g, longplace, NULL, NULL);
    /* Invalid bytes: no crash, no match. */
    expect_dateline(g, "\xFF\xFE\xFD - ", NULL, NULL);
    expect_dateline(g, "ASTANA\xE2\x80", NULL, NULL);
    assert_null(at_gazetteer_dateline(g, NULL, 10));
    assert_null(at_gazetteer_dateline(NULL, "ASTANA - ", 9));
    /* Length-bounded: only the first 6 bytes are the body here. */
    assert_null(at_gazetteer_dateline(g, "ASTANA - ", 6));
    at_gazetteer_destroy(&g);
}

/* --- broken tables ------------------------------------------------------- */

static int load_gazetteer(td_fixture_t *f)
{
    at_gazetteer_t *g = at_gazetteer_new(f->dir, f->err, sizeof f->err);
    int rc = g ? 0 : -1;
    at_gazetteer_destroy(&g);
    return rc;
}

static int setup(void **state)
{
    return td_setup_copy(state, load_gazetteer);
}

static void test_copy_loads(void **state)
{
    td_fixture_t *f = *state;
    at_gazetteer_t *g = at_gazetteer_new(f->dir, f->err, sizeof f->err);
    assert_non_null(g);
    at_gazetteer_destroy(&g);
}

static void test_bad_countries(void **state)
{
    td_fixture_t *f = *state;
    int line = td_line_of(f->dir, "countries.tsv", "KAZ\tKZ");
    assert_int_equal(td_edit(f->dir, "countries.tsv", "KAZ\tKZ", "KAZ\tKZX"), 0);
    td_expect_fail(f, "countries.tsv", line, "alpha2 'KZX'");

    assert_int_equal(td_edit(f->dir, "countries.tsv", "KAZ\tKZX", "Kaz\tKZ"), 0);
    td_expect_fail(f, "countries.tsv", line, "code 'Kaz'");

    assert_int_equal(td_edit(f->dir, "countries.tsv", "Kaz\tKZ", "MNG\tKZ"), 0);
    /* Reported where the second MNG appears (the file is sorted by code). */
    td_expect_fail(f, "countries.tsv", td_line_of(f->dir, "countries.tsv", "MNG\tMN\t"),
                   "duplicate country code MNG");

    assert_int_equal(td_edit(f->dir, "countries.tsv", "MNG\tKZ\t398", "KAZ\tKZ\t39"), 0);
    td_expect_fail(f, "countries.tsv", line, "numeric '39' is not an ISO 3166-1 numeric code");

    assert_int_equal(td_edit(f->dir, "countries.tsv", "KAZ\tKZ\t39\tKazakhstan\tyes",
                             "KAZ\tKZ\t398\tKazakhstan\tmember"),
                     0);
    td_expect_fail(f, "countries.tsv", line, "un_member");
}

static void test_alias_unknown_country(void **state)
{
    td_fixture_t *f = *state;
    int line = td_line_of(f->dir, "aliases.tsv", "KAZ\tKazakh\t");
    assert_int_equal(td_edit(f->dir, "aliases.tsv", "KAZ\tKazakh\t", "KAX\tKazakh\t"), 0);
    td_expect_fail(f, "aliases.tsv", line, "unknown country code 'KAX'");
}

static void test_alias_bad_fields(void **state)
{
    td_fixture_t *f = *state;
    int line = td_line_of(f->dir, "aliases.tsv", "\tKazakh\t");
    assert_int_equal(td_edit(f->dir, "aliases.tsv", "\tKazakh\tdemonym", "\tKazakh\tcapital"), 0);
    td_expect_fail(f, "aliases.tsv", line, "'capital' is not one of: name, demonym, abbreviation");
    assert_int_equal(
        td_edit(f->dir, "aliases.tsv", "\tKazakh\tcapital\tcaps", "\tKazakh\tdemonym\tupper"), 0);
    td_expect_fail(f, "aliases.tsv", line, "'upper' is not one of: exact, caps");
    assert_int_equal(
        td_edit(f->dir, "aliases.tsv", "\tKazakh\tdemonym\tupper", "\tKazakh,\tdemonym\tcaps"), 0);
    td_expect_fail(f, "aliases.tsv", line, "does not end with a letter");
    assert_int_equal(td_edit(f->dir, "aliases.tsv", "\tKazakh,\t", "\tQazaq\xC3\xA9\t"), 0);
    td_expect_fail(f, "aliases.tsv", line, "case 'caps' needs an ASCII spelling");
    assert_int_equal(td_edit(f->dir, "aliases.tsv", "\tQazaq\xC3\xA9\t", "\tKazakh\t"), 0);
    assert_int_equal(td_edit(f->dir, "aliases.tsv",
                             "\tKazakh\tdemonym\tcaps\t\t\t\t\thttps://en.wikipedia.org/wiki/"
                             "List_of_adjectival_and_demonymic_forms_for_countries_and_nations\t",
                             "\tKazakh\tdemonym\tcaps\t\t\t\t\t\t"),
                     0);
    td_expect_fail(f, "aliases.tsv", line, "column 'source' must not be empty");
}

static void test_alias_bad_date(void **state)
{
    td_fixture_t *f = *state;
    int line = td_line_of(f->dir, "aliases.tsv", "\tKazakhstani\t");
    char *s = td_read(f->dir, "aliases.tsv");
    char *row = strstr(s, "\tKazakhstani\t");
    char *nl = strchr(row, '\n');
    /* The checked_on column is the last one on the row. */
    memcpy(nl - 10, "2026-13-01", 10);
    assert_int_equal(td_write_str(f->dir, "aliases.tsv", s), 0);
    free(s);
    td_expect_fail(f, "aliases.tsv", line, "column 'checked_on': '2026-13-01'");
}

static void test_places(void **state)
{
    td_fixture_t *f = *state;
    int line = td_line_of(f->dir, "places.tsv", "\tNur-Sultan\t");
    assert_int_equal(td_edit(f->dir, "places.tsv", "KAZ\tAstana\tNur-Sultan\tcapital",
                             "KAZ\tAstana\tNur-Sultan\tcity"),
                     0);
    td_expect_fail(f, "places.tsv", line, "place 'Astana' has another kind");

    assert_int_equal(td_edit(f->dir, "places.tsv", "KAZ\tAstana\tNur-Sultan\tcity",
                             "KAZ\tAstana\tNur-Sultan\tcapital\tcaps\tsomewhere"),
                     0);
    /* The replacement doubled the case/scope columns: now 14 columns. */
    td_expect_fail(f, "places.tsv", line, "expected 12 columns, found 14");

    assert_int_equal(td_edit(f->dir, "places.tsv", "\tcapital\tcaps\tsomewhere", "\tcapital"), 0);
    assert_int_equal(
        td_edit(f->dir, "places.tsv", "KAZ\tAstana\tNur-Sultan", "KAZ\tAstana City\tNur-Sultan"),
        0);
    td_expect_fail(f, "places.tsv", line, "place 'Astana City' has no row whose alias is");
}

/* The Kazakh row of aliases.tsv with the given ambiguity columns. */
#define KAZAKH_SRC                                                                                 \
    "https://en.wikipedia.org/wiki/List_of_adjectival_and_demonymic_forms_for_countries_and_"      \
    "nations\t2026-11-28\n"
static void set_kazakh(td_fixture_t *f, const char *amb, const char *dis, const char *cues)
{
    char *s = td_read(f->dir, "aliases.tsv");
    assert_non_null(s);
    char *row = strstr(s, "KAZ\tKazakh\tdemonym\tcaps\t");
    assert_non_null(row);
    char *end = strchr(row, '\n') + 1;
    char *out = malloc(strlen(s) + strlen(amb) + strlen(dis) + strlen(cues) + 512);
    assert_non_null(out);
    size_t head = (size_t)(row - s);
    memcpy(out, s, head);
    sprintf(out + head, "KAZ\tKazakh\tdemonym\tcaps\t%s\t%s\t%s\t\t" KAZAKH_SRC "%s", amb, dis,
            cues, end);
    assert_int_equal(td_write_str(f->dir, "aliases.tsv", out), 0);
    free(out);
    free(s);
}

/* One test per kind of error in the ambiguity columns, with its message. */
static void test_marks_errors(void **state)
{
    td_fixture_t *f = *state;
    int line = td_line_of(f->dir, "aliases.tsv", "KAZ\tKazakh\tdemonym");
    static const struct {
        const char *amb, *dis, *cues, *reason;
    } cases[] = {
        {"vague", "", "",
         "ambiguity 'vague' is not one of: common_word, given_name, other_place, part_of_name"},
        {"given_name", "guess", "",
         "disambiguation 'guess' is not one of: case, context, longest_match, given_name, "
         "default"},
        {"given_name;given_name", "given_name", "", "ambiguity 'given_name' is listed twice"},
        {"", "case", "", "alias 'Kazakh': disambiguation 'case' given, but no ambiguity"},
        {"common_word", "", "",
         "alias 'Kazakh': ambiguity 'common_word' needs disambiguation 'case' or 'context'"},
        {"part_of_name", "case", "",
         "alias 'Kazakh': ambiguity 'part_of_name' needs disambiguation 'longest_match'"},
        {"common_word", "case;given_name", "",
         "alias 'Kazakh': disambiguation 'given_name' settles no ambiguity listed (it settles "
         "'given_name')"},
        {"", "", "context:Astana", "alias 'Kazakh': cues given, but no disambiguation"},
        {"other_place", "context", "",
         "disambiguation 'context' needs cues 'context:word|...' or 'against:word|...'"},
        {"part_of_name", "longest_match", "",
         "disambiguation 'longest_match' needs cues 'longest_match:longer name|...'"},
        {"other_place", "context", "Astana", "cues entry 'Astana' is not kind:word|word|..."},
        {"other_place", "context", "near:Astana",
         "cues kind 'near' is not one of: context, against, longest_match"},
        {"other_place", "context", "context:Astana;context:Almaty",
         "cues 'context' are given twice"},
        {"common_word", "case", "context:Astana", "cues 'context' need disambiguation 'context'"},
        {"other_place", "context", "context:Astana||Almaty", "cues 'context' have an empty word"},
        {"other_place", "context", "against:Almaty| Astana",
         "cue ' Astana' starts or ends with a space"},
        {"part_of_name", "longest_match", "longest_match:Kazakhstan",
         "longest_match cue 'Kazakhstan' does not contain 'Kazakh' as a whole word"},
        {"part_of_name", "longest_match", "longest_match:Kazakh Khanate-",
         "longest_match cue 'Kazakh Khanate-' does not end with a letter, digit or '.'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        set_kazakh(f, cases[i].amb, cases[i].dis, cases[i].cues);
        td_expect_exact(f, "aliases.tsv", line, cases[i].reason);
    }
    /* And a row that gets everything right loads. */
    set_kazakh(f, "part_of_name;given_name", "longest_match;context",
               "longest_match:Kazakh Khanate;against:Mr. Kazakh");
    at_gazetteer_t *g = at_gazetteer_new(f->dir, f->err, sizeof f->err);
    if (!g)
        fail_msg("%s", f->err);
    at_gazetteer_destroy(&g);
}

/* One spelling on several rows: the errors, each with its message. */
static void test_shared_spelling_errors(void **state)
{
    td_fixture_t *f = *state;
    char want[2048];
    int kazakh = td_line_of(f->dir, "aliases.tsv", "KAZ\tKazakh\tdemonym");
    char *s = td_read(f->dir, "aliases.tsv");
    int last = 0;
    for (char *p = s; *p; p++)
        last += *p == '\n';
    free(s);

    /* Unmarked: the same spelling for another country. */
    assert_int_equal(
        td_append(f->dir, "aliases.tsv", "MNG\tKazakh\tdemonym\tcaps\t\t\t\t\tsrc\t2026-11-28\n"),
        0);
    snprintf(want, sizeof want,
             "alias 'Kazakh' (or its ALL-CAPS form) is also at %s/aliases.tsv:%d; a spelling on "
             "several rows must be marked ambiguity 'other_place' on each",
             f->dir, kazakh);
    td_expect_exact(f, "aliases.tsv", last + 1, want);

    /* Marked on one row only: still an error. */
    assert_int_equal(td_edit(f->dir, "aliases.tsv", "MNG\tKazakh\tdemonym\tcaps\t\t\t\t",
                             "MNG\tKazakh\tdemonym\tcaps\tother_place\tcontext\tcontext:Mongol\t"),
                     0);
    td_expect_exact(f, "aliases.tsv", last + 1, want);

    /* Marked on both, but both rows mean the same country. */
    set_kazakh(f, "other_place", "context", "context:Astana");
    assert_int_equal(td_edit(f->dir, "aliases.tsv", "MNG\tKazakh\t", "KAZ\tKazakh\t"), 0);
    snprintf(want, sizeof want,
             "alias 'Kazakh' (or its ALL-CAPS form) names the same country as %s/aliases.tsv:%d",
             f->dir, kazakh);
    td_expect_exact(f, "aliases.tsv", last + 1, want);

    /* Two countries, both marked: loads, and with no default neither
     * row is matched. */
    assert_int_equal(td_edit(f->dir, "aliases.tsv", "KAZ\tKazakh\tdemonym\tcaps\tother_place",
                             "MNG\tKazakh\tdemonym\tcaps\tother_place"),
                     0);
    /* (td_edit changed the first match: the real row; swap back.) */
    assert_int_equal(td_edit(f->dir, "aliases.tsv", "MNG\tKazakh\tdemonym\tcaps\tother_place",
                             "KAZ\tKazakh\tdemonym\tcaps\tother_place"),
                     0);
    s = td_read(f->dir, "aliases.tsv");
    char *appended = strstr(strstr(s, "KAZ\tKazakh\tdemonym") + 1, "KAZ\tKazakh\tdemonym");
    assert_non_null(appended);
    memcpy(appended, "MNG", 3);
    assert_int_equal(td_write_str(f->dir, "aliases.tsv", s), 0);
    free(s);
    at_gazetteer_t *g = at_gazetteer_new(f->dir, f->err, sizeof f->err);
    if (!g)
        fail_msg("%s", f->err);
    size_t shadowed = 0;
    for (size_t k = 0; k < at_gazetteer_alias_count(g); k++) {
        const at_alias_t *a = at_gazetteer_alias(g, k);
        if (strcmp(a->text, "Kazakh") == 0) {
            assert_true(a->shadowed);
            shadowed++;
        }
    }
    assert_int_equal(shadowed, 2);
    at_gazetteer_destroy(&g);

    /* Both marked default. */
    set_kazakh(f, "other_place", "context;default", "context:Astana");
    assert_int_equal(td_edit(f->dir, "aliases.tsv",
                             "MNG\tKazakh\tdemonym\tcaps\tother_place\tcontext\t",
                             "MNG\tKazakh\tdemonym\tcaps\tother_place\tcontext;default\t"),
                     0);
    snprintf(want, sizeof want,
             "alias 'Kazakh' is marked 'default' here and at %s/aliases.tsv:%d; one row of a "
             "spelling at most is the default",
             f->dir, kazakh);
    td_expect_exact(f, "aliases.tsv", last + 1, want);

    /* A default on a spelling no other row has. */
    assert_int_equal(td_edit(f->dir, "aliases.tsv",
                             "MNG\tKazakh\tdemonym\tcaps\tother_place\tcontext;default\t",
                             "MNG\tKazakh\tdemonym\tcaps\tother_place\tcontext\t"),
                     0);
    g = at_gazetteer_new(f->dir, f->err, sizeof f->err); /* KAZ is the default: fine */
    if (!g)
        fail_msg("%s", f->err);
    at_gazetteer_destroy(&g);
    assert_int_equal(td_edit(f->dir, "aliases.tsv", "MNG\tKazakh\tdemonym", "MNG\tKazak\tdemonym"),
                     0);
    td_expect_exact(f, "aliases.tsv", kazakh,
                    "alias 'Kazakh' is marked 'default', but no other row has its spelling");
}

/* The real data's shared spellings: who is the default, who is shadowed,
 * and a shadowed row stays out of datelines too. */
static void test_real_shared_spellings(void **state)
{
    (void)state;
    at_gazetteer_t *g = td_real_gazetteer();
    int london_gbr = 0, london_can = 0, georgia = 0;
    for (size_t k = 0; k < at_gazetteer_alias_count(g); k++) {
        const at_alias_t *a = at_gazetteer_alias(g, k);
        const char *code = code_of(g, a->country);
        if (strcmp(a->text, "London") == 0 && strcmp(code, "GBR") == 0) {
            london_gbr = 1;
            assert_false(a->shadowed);
            assert_true(a->disambiguation & AT_DIS_DEFAULT);
        }
        if (strcmp(a->text, "London") == 0 && strcmp(code, "CAN") == 0) {
            london_can = 1;
            assert_true(a->shadowed);
            assert_true(a->dateline_shadowed);
        }
        if (strcmp(a->text, "Georgia") == 0 && !a->blocker) {
            georgia = 1;
            assert_int_equal(a->ambiguity,
                             AT_AMB_GIVEN_NAME | AT_AMB_OTHER_PLACE | AT_AMB_PART_OF_NAME);
            assert_int_equal(a->disambiguation,
                             AT_DIS_GIVEN_NAME | AT_DIS_CONTEXT | AT_DIS_LONGEST_MATCH);
            assert_non_null(strstr(a->cues, "against:Atlanta|Ga.|governor"));
            assert_false(a->shadowed);
        }
    }
    assert_true(london_gbr && london_can && georgia);
    at_gazetteer_destroy(&g);
}

static void test_missing_and_truncated_files(void **state)
{
    td_fixture_t *f = *state;
    char path[1200];
    snprintf(path, sizeof path, "%s/places.tsv", f->dir);
    unlink(path);
    td_expect_fail(f, "places.tsv", 0, "cannot open");

    /* Cut aliases.tsv in the middle of a row. */
    char *s = td_read(td_data_dir(), "aliases.tsv");
    size_t half = (size_t)(strchr(s + strlen(s) / 2, '\t') - s) + 1;
    assert_int_equal(td_write(f->dir, "aliases.tsv", s, half), 0);
    int line = 1;
    for (size_t i = 0; i < half; i++)
        line += s[i] == '\n';
    free(s);
    at_gazetteer_t *g = at_gazetteer_new(f->dir, f->err, sizeof f->err);
    assert_null(g);
    assert_true(td_err_is(f->err, f->dir, "aliases.tsv", line, "truncated"));
}

static void test_empty_countries(void **state)
{
    td_fixture_t *f = *state;
    assert_int_equal(td_write_str(f->dir, "countries.tsv",
                                  "code\talpha2\tnumeric\tname\tun_member\tsource\tchecked_on\n"),
                     0);
    td_expect_fail(f, "countries.tsv", 1, "no countries");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_data),
        cmocka_unit_test(test_matching_real_spellings),
        cmocka_unit_test(test_datelines),
        cmocka_unit_test_setup_teardown(test_copy_loads, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_bad_countries, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_alias_unknown_country, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_alias_bad_fields, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_alias_bad_date, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_places, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_marks_errors, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_shared_spelling_errors, setup, td_teardown_copy),
        cmocka_unit_test(test_real_shared_spellings),
        cmocka_unit_test_setup_teardown(test_missing_and_truncated_files, setup, td_teardown_copy),
        cmocka_unit_test_setup_teardown(test_empty_countries, setup, td_teardown_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
