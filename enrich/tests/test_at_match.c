/*
 * test_at_match: whole-word, case-sensitive, leftmost-longest matching,
 * Unicode-aware word boundaries, and safety on hostile bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "at_match.h"

#define MAX_HITS 64

typedef struct {
    size_t n;
    size_t off[MAX_HITS], len[MAX_HITS];
    uint32_t val[MAX_HITS];
} hits_t;

static void collect(void *arg, size_t offset, size_t len, uint32_t value)
{
    hits_t *h = arg;
    if (h->n < MAX_HITS) {
        h->off[h->n] = offset;
        h->len[h->n] = len;
        h->val[h->n] = value;
    }
    h->n++;
}

enum {
    NIGER = 1,
    NIGERIA,
    GUINEA,
    PNG,
    TURKEY,
    US,
    USDOTS,
    USA_DOTS,
    NEWYORK,
    YORK,
    PUTIN,
    MOSCOW,
    TURKIYE
};

static at_match_t *make(void)
{
    at_match_t *m = at_match_new();
    assert_non_null(m);
    assert_int_equal(at_match_add(m, "Niger", 5, NIGER), 0);
    assert_int_equal(at_match_add(m, "Nigeria", 7, NIGERIA), 0);
    assert_int_equal(at_match_add(m, "Guinea", 6, GUINEA), 0);
    assert_int_equal(at_match_add(m, "Papua New Guinea", 16, PNG), 0);
    assert_int_equal(at_match_add(m, "Turkey", 6, TURKEY), 0);
    assert_int_equal(at_match_add(m, "US", 2, US), 0);
    assert_int_equal(at_match_add(m, "U.S.", 4, USDOTS), 0);
    assert_int_equal(at_match_add(m, "U.S.A.", 6, USA_DOTS), 0);
    assert_int_equal(at_match_add(m, "New York", 8, NEWYORK), 0);
    assert_int_equal(at_match_add(m, "York", 4, YORK), 0);
    assert_int_equal(at_match_add_spelling(m, "Putin", 5, 1, PUTIN), 0);
    assert_int_equal(at_match_add_spelling(m, "Moscow", 6, 1, MOSCOW), 0);
    assert_int_equal(at_match_add(m, "Türkiye", strlen("Türkiye"), TURKIYE), 0);
    uint32_t dup[2];
    assert_int_equal(at_match_compile(m, dup), 0);
    return m;
}

static hits_t scan(const at_match_t *m, const char *text)
{
    hits_t h = {0};
    size_t n = at_match_scan(m, text, strlen(text), collect, &h);
    assert_int_equal(n, h.n);
    return h;
}

static void test_longest_and_whole_word(void **state)
{
    (void)state;
    at_match_t *m = make();
    hits_t h = scan(m, "Nigeria and Niger");
    assert_int_equal(h.n, 2);
    assert_int_equal(h.val[0], NIGERIA);
    assert_int_equal(h.off[0], 0);
    assert_int_equal(h.val[1], NIGER);
    assert_int_equal(h.off[1], 12);

    h = scan(m, "Papua New Guinea, not Guinea");
    assert_int_equal(h.n, 2);
    assert_int_equal(h.val[0], PNG);
    assert_int_equal(h.len[0], 16);
    assert_int_equal(h.val[1], GUINEA);
    assert_int_equal(h.off[1], 22);

    /* No match inside words. */
    h = scan(m, "Nigerian NigerX xNiger Niger2 Guineas");
    assert_int_equal(h.n, 0);

    h = scan(m, "New York, York");
    assert_int_equal(h.n, 2);
    assert_int_equal(h.val[0], NEWYORK);
    assert_int_equal(h.val[1], YORK);
    at_match_destroy(&m);
    assert_null(m);
}

static void test_case_sensitive(void **state)
{
    (void)state;
    at_match_t *m = make();
    hits_t h = scan(m, "a turkey for Thanksgiving; TURKEY; turKey");
    assert_int_equal(h.n, 0);
    h = scan(m, "Turkey and Türkiye");
    assert_int_equal(h.n, 2);
    assert_int_equal(h.val[0], TURKEY);
    assert_int_equal(h.val[1], TURKIYE);
    /* add_spelling with caps adds the ALL-CAPS form, not other cases. */
    h = scan(m, "PUTIN in MOSCOW; putin in moscow; PuTin");
    assert_int_equal(h.n, 2);
    assert_int_equal(h.val[0], PUTIN);
    assert_int_equal(h.val[1], MOSCOW);
    h = scan(m, "us and Us but US");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.off[0], 14);
    at_match_destroy(&m);
}

static void test_abbreviations_with_periods(void **state)
{
    (void)state;
    at_match_t *m = make();
    hits_t h = scan(m, "the U.S. and the U.S.A. and U.S.-led and U.S.");
    assert_int_equal(h.n, 4);
    assert_int_equal(h.val[0], USDOTS);
    assert_int_equal(h.val[1], USA_DOTS);
    assert_int_equal(h.val[2], USDOTS);
    assert_int_equal(h.val[3], USDOTS);
    /* "U.S.A" without the last period: "U.S." is followed by a letter. */
    h = scan(m, "U.S.A");
    assert_int_equal(h.n, 0);
    at_match_destroy(&m);
}

static void test_unicode_boundaries(void **state)
{
    (void)state;
    at_match_t *m = make();
    /* Curly apostrophe, em dash, NBSP, quotes: boundaries. */
    hits_t h =
        scan(m, "Putin\xE2\x80\x99s plane \xE2\x80\x94Moscow\xE2\x80\x94 "
                "\xC2\xA0Putin\xC2\xA0 \xE2\x80\x9CMoscow\xE2\x80\x9D \xC2\xABPutin\xC2\xBB");
    assert_int_equal(h.n, 5);
    /* Non-ASCII letters are word characters: no match inside "ÜPutin",
     * "Putiné", "ПутинPutin". */
    h = scan(m, "\xC3\x9CPutin Putin\xC3\xA9 \xD0\x9F\xD1\x83Putin");
    assert_int_equal(h.n, 0);
    /* Invalid bytes next to a name count as word characters (no match),
     * but do not stop matches elsewhere. */
    h = scan(m, "\xFFPutin Putin\xFE \x80Putin Putin\xC3 Moscow");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.val[0], MOSCOW);
    at_match_destroy(&m);
}

static void test_word_helpers(void **state)
{
    (void)state;
    const char *s = "a\xE2\x80\x99"
                    "b\xC3\xA9";
    size_t n = strlen(s);
    assert_true(at_match_word_at(s, n, 0));
    assert_false(at_match_word_at(s, n, 1)); /* ’ */
    assert_true(at_match_word_at(s, n, 4));
    assert_true(at_match_word_at(s, n, 5)); /* é */
    assert_false(at_match_word_at(s, n, n));
    assert_false(at_match_word_before(s, 0));
    assert_true(at_match_word_before(s, 1));
    assert_false(at_match_word_before(s, 4));
    assert_true(at_match_word_before(s, n));
    /* A cut sequence at the end is not a valid character: word. */
    assert_true(at_match_word_at("\xE2\x80", 2, 0));
    assert_true(at_match_word_before("x\xE2\x80", 3));
    assert_false(at_match_word_at(NULL, 0, 0));
}

static void test_duplicates_and_limits(void **state)
{
    (void)state;
    at_match_t *m = at_match_new();
    assert_int_equal(at_match_add(m, "Georgia", 7, 10), 0);
    assert_int_equal(at_match_add(m, "Georgian", 8, 11), 0);
    assert_int_equal(at_match_add_spelling(m, "Georgia", 7, 0, 12), 0);
    uint32_t dup[2] = {0, 0};
    assert_int_equal(at_match_compile(m, dup), -1);
    assert_int_equal(dup[0], 10);
    assert_int_equal(dup[1], 12);
    at_match_destroy(&m);

    /* An ALL-CAPS form colliding with a literal spelling is a duplicate. */
    m = at_match_new();
    assert_int_equal(at_match_add_spelling(m, "Usa", 3, 1, 1), 0);
    assert_int_equal(at_match_add(m, "USA", 3, 2), 0);
    assert_int_equal(at_match_compile(m, dup), -1);
    at_match_destroy(&m);

    m = at_match_new();
    char big[300];
    memset(big, 'a', sizeof big);
    assert_int_equal(at_match_add(m, big, 256, 1), -1);
    assert_int_equal(at_match_add(m, big, 255, 1), 0);
    assert_int_equal(at_match_add(m, "", 0, 1), -1);
    assert_int_equal(at_match_add(m, NULL, 3, 1), -1);
    assert_int_equal(at_match_count(m), 1);
    assert_int_equal(at_match_compile(m, NULL), 0);
    assert_int_equal(at_match_add(m, "late", 4, 2), -1); /* compiled */
    at_match_destroy(&m);
    at_match_destroy(&m);
    at_match_destroy(NULL);

    /* Empty matcher scans fine. */
    m = at_match_new();
    assert_int_equal(at_match_compile(m, NULL), 0);
    assert_int_equal(at_match_scan(m, "text", 4, collect, NULL), 0);
    at_match_destroy(&m);
}

static void test_pattern_problem(void **state)
{
    (void)state;
    assert_null(at_match_pattern_problem("U.S.", 4));
    assert_null(at_match_pattern_problem("Türkiye", strlen("Türkiye")));
    assert_null(at_match_pattern_problem("Washington, D.C.", 16));
    assert_non_null(at_match_pattern_problem("", 0));
    assert_non_null(at_match_pattern_problem(" Russia", 7));
    assert_non_null(at_match_pattern_problem("Russia,", 7));
    assert_non_null(at_match_pattern_problem("(Russia", 7));
    assert_non_null(at_match_pattern_problem("\xE2\x80\x99Russia", 9));
}

static void test_hostile_text(void **state)
{
    (void)state;
    at_match_t *m = make();
    /* Embedded NULs: scan is length-based. */
    const char nul[] = "Putin\0Moscow\0\0Niger";
    hits_t h = {0};
    assert_int_equal(at_match_scan(m, nul, sizeof nul - 1, collect, &h), 3);
    /* A pattern cut by the end of the text does not match or over-read. */
    assert_int_equal(at_match_scan(m, "Papua New Guin", 14, collect, &h), 0);
    assert_int_equal(at_match_scan(m, "Nigeri", 6, NULL, NULL), 0);
    assert_int_equal(at_match_scan(m, "Niger", 5, NULL, NULL), 1);
    assert_int_equal(at_match_scan(m, "", 0, NULL, NULL), 0);
    assert_int_equal(at_match_scan(m, NULL, 10, NULL, NULL), 0);
    assert_int_equal(at_match_scan(NULL, "Niger", 5, NULL, NULL), 0);
    at_match_destroy(&m);
}

static void test_random_bytes(void **state)
{
    (void)state;
    at_match_t *m = make();
    size_t n = 1u << 20;
    unsigned char *buf = malloc(n);
    assert_non_null(buf);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
    /* Plant a name between separators at a known place. */
    memcpy(buf + 1000, " Moscow ", 8);
    hits_t h = {0};
    at_match_scan(m, (const char *)buf, n, collect, &h);
    int found = 0;
    for (size_t i = 0; i < h.n && i < MAX_HITS; i++)
        found |= h.off[i] == 1001 && h.val[i] == MOSCOW;
    assert_true(found);
    /* Every possible truncation point of the tail is safe. */
    for (size_t cut = 0; cut < 16; cut++)
        at_match_scan(m, (const char *)buf + n - 16, cut, NULL, NULL);
    free(buf);
    at_match_destroy(&m);
}

/* Folding: diacritics, compatibility forms and ALL CAPS reach one pattern,
 * while case still separates a name from a common word. */
static void test_folded_matching(void **state)
{
    (void)state;
    at_match_t *m = at_match_new();
    assert_non_null(m);
    assert_int_equal(at_match_add_spelling(m, "Erdoğan", strlen("Erdoğan"), 1, 1), 0);
    assert_int_equal(at_match_add(m, "Côte d'Ivoire", strlen("Côte d'Ivoire"), 2), 0);
    /* Folds like the previous one: allowed, and the exact spelling wins. */
    assert_int_equal(at_match_add(m, "Cote d'Ivoire", strlen("Cote d'Ivoire"), 3), 0);
    assert_int_equal(at_match_add(m, "US", 2, 4), 0);
    assert_int_equal(at_match_add(m, "Turkey", 6, 5), 0);
    uint32_t dup[2];
    assert_int_equal(at_match_compile(m, dup), 0);

    const char *yes[] = {"Erdoğan", "Erdogan", "ERDOĞAN", "ERDOGAN",
                         "Erdog\xcc\x86"
                         "an"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        hits_t h = scan(m, yes[i]);
        assert_int_equal(h.n, 1);
        assert_int_equal(h.val[0], 1);
        assert_int_equal(h.off[0], 0);
        assert_int_equal(h.len[0], strlen(yes[i])); /* the original span */
    }
    /* Case is per letter: mixed forms are not the name. */
    assert_int_equal(scan(m, "erdogan").n, 0);
    assert_int_equal(scan(m, "ErDogan").n, 0);

    hits_t h = scan(m, "in C\xc3\xb4te d\xe2\x80\x99Ivoire and Cote d'Ivoire");
    assert_int_equal(h.n, 2);
    assert_int_equal(h.val[0], 2); /* "Côte d’Ivoire": the diacritic picks 2 */
    assert_int_equal(h.off[0], 3);
    assert_int_equal(h.len[0], strlen("C\xc3\xb4te d\xe2\x80\x99Ivoire"));
    assert_int_equal(h.val[1], 3); /* written exactly as pattern 3 */

    assert_int_equal(scan(m, "tell us about turkey").n, 0);
    assert_int_equal(scan(m, "Us and Turkey").n, 1);
    h = scan(m, "the US and the ＵＳ");
    assert_int_equal(h.n, 2); /* full-width capitals are capitals */
    at_match_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_longest_and_whole_word),
        cmocka_unit_test(test_case_sensitive),
        cmocka_unit_test(test_abbreviations_with_periods),
        cmocka_unit_test(test_unicode_boundaries),
        cmocka_unit_test(test_word_helpers),
        cmocka_unit_test(test_duplicates_and_limits),
        cmocka_unit_test(test_pattern_problem),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_folded_matching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
