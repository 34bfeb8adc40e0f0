/*
 * Tests for at_fold: what folds to what, the offset map back to the
 * original text, and bad input (invalid UTF-8, NULs, empty text).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "at_fold.h"

static void expect_fold(const char *in, const char *want)
{
    size_t n = 0;
    char *got = at_fold_str(in, strlen(in), &n);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
    free(got);
}

static void test_case_and_diacritics(void **state)
{
    (void)state;
    expect_fold("ERDOĞAN", "erdogan");
    expect_fold("Erdoğan", "erdogan");
    expect_fold("Erdogan", "erdogan");
    expect_fold("Côte d’Ivoire", "cote d'ivoire");
    expect_fold("Türkiye", "turkiye");
    expect_fold("São Tomé and Príncipe", "sao tome and principe");
    expect_fold("Zelenskyy", "zelenskyy");
    expect_fold("Straße", "strasse");
    expect_fold("İSTANBUL", "istanbul");
    expect_fold("Diyarbakır", "diyarbakir");
    expect_fold("Łódź", "lodz");
    expect_fold("Tromsø", "tromso");
    expect_fold("Đukanović", "dukanovic");
    expect_fold("ÅLAND", "aland");
}

static void test_compatibility_forms(void **state)
{
    (void)state;
    expect_fold("ﬁnland", "finland");           /* ligature */
    expect_fold("ＵＳＡ", "usa");               /* full-width */
    expect_fold("New\xc2\xa0York", "new york"); /* NBSP */
    expect_fold("Guinea\xe2\x80\x91"
                "Bissau",
                "guinea-bissau"); /* non-breaking hyphen */
    expect_fold("Kyiv\xc2\xad"
                "ska",
                "kyivska"); /* soft hyphen is ignorable */
    expect_fold("", "");
}

static void test_map(void **state)
{
    (void)state;
    const char *in = "A Ğ ß!";
    at_fold_t f = {0};
    assert_int_equal(at_fold(&f, in, strlen(in)), 0);
    assert_string_equal(f.text, "a g ss!");
    /* a<-0, ' '<-1, g<-2 (Ğ is 2 bytes), ' '<-4, s,s<-5 (ß is 2 bytes), !<-7, end 8 */
    const uint32_t want[] = {0, 1, 2, 4, 5, 5, 7, 8};
    assert_int_equal(f.len + 1, sizeof want / sizeof *want);
    for (size_t i = 0; i <= f.len; i++)
        assert_int_equal(f.map[i], want[i]);
    /* A folded span maps back to the original bytes. */
    const char *g = strstr(f.text, "ss");
    size_t s = (size_t)(g - f.text), e = s + 2;
    assert_int_equal(f.map[e] - f.map[s], 2);
    assert_memory_equal(in + f.map[s], "ß", 2);
    at_fold_free(&f);
}

static void test_bad_input(void **state)
{
    (void)state;
    /* Invalid bytes are copied through; valid text around them folds. */
    const char in[] = "Ab\xff\xc3("
                      "C\0D";
    at_fold_t f = {0};
    assert_int_equal(at_fold(&f, in, sizeof in - 1), 0);
    assert_int_equal(f.len, 8);
    assert_memory_equal(f.text, "ab\xff\xc3(c\0d", 8);
    assert_int_equal(f.map[f.len], sizeof in - 1);
    /* Reuse of the same buffers for a second, longer text. */
    char big[10000];
    memset(big, 'X', sizeof big);
    assert_int_equal(at_fold(&f, big, sizeof big), 0);
    assert_int_equal(f.len, sizeof big);
    assert_int_equal(f.text[9999], 'x');
    assert_int_equal(f.map[f.len], sizeof big);
    at_fold_free(&f);
    at_fold_free(&f); /* zeroed: safe twice */
}

static void test_expanding_text(void **state)
{
    (void)state;
    /* Every code point expands (ß -> ss, ﬃ -> ffi): the buffer must grow
     * past the input length. */
    char in[3 * 2000 + 1];
    size_t n = 0;
    for (int i = 0; i < 2000; i++) {
        memcpy(in + n, "\xef\xac\x83", 3); /* ﬃ */
        n += 3;
    }
    at_fold_t f = {0};
    assert_int_equal(at_fold(&f, in, n), 0);
    assert_int_equal(f.len, 6000);
    assert_int_equal(f.map[5999], 3 * 1999);
    assert_int_equal(f.map[6000], n);
    at_fold_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_and_diacritics),
        cmocka_unit_test(test_compatibility_forms),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_expanding_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
