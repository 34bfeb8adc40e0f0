/*
 * test_at_context: the word-level helpers of the disambiguation rules,
 * on short sentences written for the purpose: cue words near a match,
 * neighbouring words and name-likeness, Title Case headlines, office
 * titles, demonyms used as language names, ALL-CAPS surroundings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "at_context.h"

/* Offset of the first occurrence of word in s. */
static size_t at(const char *s, const char *word)
{
    const char *p = strstr(s, word);
    assert_non_null(p);
    return (size_t)(p - s);
}

static int cue(const char *s, const char *match, const char *c, size_t window, size_t *dist)
{
    return at_context_cue_near(s, strlen(s), at(s, match), strlen(match), c, strlen(c), window,
                               dist);
}

static void test_cues(void **state)
{
    (void)state;
    size_t d = 99;
    const char *s = "Voters in Fulton County, Georgia, lined up early.";
    assert_true(cue(s, "Georgia", "county", AT_CONTEXT_WINDOW, &d)); /* lower-case cue, "County" */
    assert_int_equal(d, 2);
    assert_false(cue(s, "Georgia", "Atlanta", AT_CONTEXT_WINDOW, &d));
    assert_false(cue(s, "Georgia", "Fulton County", 1, &d)); /* outside a 1-byte window */
    assert_true(cue(s, "Georgia", "Fulton County", SIZE_MAX, &d));
    /* Whole words, and a capitalised cue only as written. */
    assert_false(cue("An Atlantan in Georgia.", "Georgia", "Atlanta", SIZE_MAX, &d));
    assert_false(cue("the county of Georgia", "Georgia", "County", SIZE_MAX, &d));
    /* A cue that contains the match is at distance 0. */
    assert_true(cue("Northern Irish voters", "Irish", "Northern Irish", AT_CONTEXT_WINDOW, &d));
    assert_int_equal(d, 0);
    /* The nearest occurrence counts; a cue ending in '.' works. */
    s = "Ga. officials met; later Savannah, Ga. said so.";
    assert_true(cue(s, "Savannah", "Ga.", AT_CONTEXT_WINDOW, &d));
    assert_int_equal(d, 2);
}

static void test_neighbour_words(void **state)
{
    (void)state;
    size_t s, n;
    const char *t = "Michael Jordan scored; Russia\xE2\x80\x99s Putin\xC2\xA0"
                    "Daybell spoke.";
    assert_true(at_context_prev_word(t, at(t, "Jordan"), &s, &n));
    assert_int_equal(n, 7);
    assert_memory_equal(t + s, "Michael", 7);
    assert_true(at_context_prev_word(t, at(t, "Putin"), &s, &n));
    assert_memory_equal(t + s, "Russia\xE2\x80\x99s", n);
    assert_true(at_context_next_word(t, strlen(t), at(t, "Putin") + 5, &s, &n)); /* after NBSP */
    assert_memory_equal(t + s, "Daybell", n);
    assert_false(at_context_next_word(t, strlen(t), at(t, "scored") + 6, &s, &n)); /* ";" */
    assert_false(at_context_prev_word(t, 0, &s, &n));
    const char *j = "Donald J. Trump";
    assert_true(at_context_prev_word(j, at(j, "Trump"), &s, &n));
    assert_memory_equal(j + s, "J.", 2);
}

static int name_like(const char *w)
{
    return at_context_name_like(w, strlen(w));
}

static void test_name_like(void **state)
{
    (void)state;
    assert_true(name_like("Daybell"));
    assert_true(name_like("Adesanya"));
    assert_true(name_like("\xC5\x81ukasz")); /* Łukasz */
    assert_true(name_like("Bryant"));
    assert_false(name_like("President"));
    assert_false(name_like("The"));
    assert_false(name_like("Monday"));
    assert_false(name_like("Northern"));
    assert_false(name_like("Agreement"));
    assert_false(name_like("Saint-Germain"));
    assert_false(name_like("Recently"));
    assert_false(name_like("Russia's"));
    assert_false(name_like("J."));
    assert_false(name_like("NATO"));
    assert_false(name_like("daybell"));
    assert_false(name_like("B52s"));
}

static void test_title_case(void **state)
{
    (void)state;
    const char *tc = "Kobe Bryant Dies In Helicopter Crash";
    const char *sc = "Former basketball player Kobe Bryant dies in helicopter crash";
    assert_true(at_context_title_case(tc, strlen(tc)));
    assert_false(at_context_title_case(sc, strlen(sc)));
    assert_false(at_context_title_case("Chad Smith", 10)); /* too short to tell */
}

static void test_titles(void **state)
{
    (void)state;
    const char *s = "Prime Minister Cameron, prime minister Cameron, PM Cameron, Mr Cameron, "
                    "pm Cameron, Foreign Secretary Cameron, the President Cameron";
    const char *p = s;
    const at_title_t *t = at_context_title_before(s, at(p, "Cameron"));
    assert_non_null(t);
    assert_string_equal(t->phrase, "Prime Minister");
    assert_true(t->strong);
    p = strstr(s, "prime minister Cameron");
    t = at_context_title_before(s, (size_t)(p - s) + 15);
    assert_non_null(t);
    assert_string_equal(t->phrase, "Prime Minister");
    p = strstr(s, "PM Cameron");
    assert_string_equal(at_context_title_before(s, (size_t)(p - s) + 3)->role_id,
                        "head_of_government");
    p = strstr(s, "Mr Cameron");
    t = at_context_title_before(s, (size_t)(p - s) + 3);
    assert_non_null(t);
    assert_false(t->strong);
    p = strstr(s, "pm Cameron");
    assert_null(at_context_title_before(s, (size_t)(p - s) + 3));
    p = strstr(s, "Foreign Secretary Cameron");
    assert_string_equal(at_context_title_before(s, (size_t)(p - s) + 18)->role_id,
                        "foreign_minister");
    assert_null(at_context_title_before(s, 0));
    const char *k = "Supreme Leader Khamenei and Crown Prince Mohammed";
    assert_string_equal(at_context_title_before(k, at(k, "Khamenei"))->phrase, "Supreme Leader");
    assert_string_equal(at_context_title_before(k, at(k, "Mohammed"))->phrase, "Crown Prince");
}

static int past(const char *s, const char *name)
{
    return at_context_title_past(s, at(s, name));
}

/* A title marked as a past office: "former", "then", "late", "ex", as a
 * word or glued with a hyphen; nothing else before the title counts. */
static void test_title_past(void **state)
{
    (void)state;
    assert_true(past("the former Foreign Secretary Miliband said", "Miliband"));
    assert_true(past("Former Prime Minister Cameron", "Cameron"));
    assert_true(past("then-Foreign Secretary Miliband", "Miliband"));
    assert_true(past("then Prime Minister Cameron", "Cameron"));
    assert_true(past("ex-President Trump", "Trump"));
    assert_true(past("Ex-President Trump", "Trump"));
    assert_true(past("the late President Mugabe", "Mugabe"));
    assert_false(past("Foreign Secretary Miliband", "Miliband"));
    assert_false(past("the Prime Minister Cameron", "Cameron"));
    assert_false(past("formerly Prime Minister Cameron", "Cameron"));
    assert_false(past("translate President Trump", "Trump"));
    assert_false(past("co-President Ortega", "Ortega"));
    assert_false(past("former Mr Cameron", "Cameron")); /* "Mr" is a title, not an office */
    assert_false(past("former Cameron", "Cameron"));    /* no title */
    assert_false(past("-President Trump", "Trump"));
    assert_false(at_context_title_past(NULL, 0));
}

static int lang(const char *s, const char *demonym)
{
    return at_context_language_use(s, strlen(s), at(s, demonym), strlen(demonym));
}

static void test_language_use(void **state)
{
    (void)state;
    assert_true(lang("a quote ((es))Spanish language: hola", "Spanish"));
    assert_true(lang("French-speaking Africa", "French"));
    assert_true(lang("the Persian script", "Persian"));
    assert_true(lang("The decree was translated into Spanish.", "Spanish"));
    assert_true(lang("He speaks Polish", "Polish"));
    assert_false(lang("Spanish officials said", "Spanish"));
    assert_false(lang("boats in Spanish waters", "Spanish"));
    assert_false(lang("the Spanish-led mission", "Spanish"));
}

static int caps(const char *s, const char *m)
{
    return at_context_all_caps_around(s, strlen(s), at(s, m), strlen(m));
}

static void test_all_caps(void **state)
{
    (void)state;
    assert_true(caps("TELL US WHY", "US"));
    assert_true(caps("JOIN US", "US"));
    assert_false(caps("the US said", "US"));
    assert_false(caps("FBI, US officials", "US"));
    assert_false(caps("(US)", "US"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cues),         cmocka_unit_test(test_neighbour_words),
        cmocka_unit_test(test_name_like),    cmocka_unit_test(test_title_case),
        cmocka_unit_test(test_titles),       cmocka_unit_test(test_title_past),
        cmocka_unit_test(test_language_use), cmocka_unit_test(test_all_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
