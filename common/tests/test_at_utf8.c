/*
 * Tests for at_utf8: the boundaries of Unicode table 3-7 (overlongs,
 * surrogates, > U+10FFFF, truncated sequences), encoding round trips for
 * every code point, and the ASCII fast path at every alignment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "at_utf8.h"

static size_t dec(const char *s, size_t n, unsigned *cp)
{
    return at_utf8_decode((const unsigned char *)s, n, cp);
}

static void test_decode_edges(void **state)
{
    (void)state;
    unsigned cp = 0;
    assert_int_equal(dec("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(dec("\xC3\xA9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(dec("\xE2\x80\xA8", 3, &cp), 3);
    assert_int_equal(cp, 0x2028);
    assert_int_equal(dec("\xF0\x9F\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(dec("\xF4\x8F\xBF\xBF", 4, &cp), 4);
    assert_int_equal(cp, 0x10FFFF);
    /* Ill-formed. */
    assert_int_equal(dec("\xC0\xAF", 2, NULL), 0);         /* overlong '/' */
    assert_int_equal(dec("\xC1\xBF", 2, NULL), 0);         /* overlong */
    assert_int_equal(dec("\xE0\x80\xAF", 3, NULL), 0);     /* overlong */
    assert_int_equal(dec("\xED\xA0\x80", 3, NULL), 0);     /* U+D800 */
    assert_int_equal(dec("\xED\xBF\xBF", 3, NULL), 0);     /* U+DFFF */
    assert_int_equal(dec("\xF0\x80\x80\x80", 4, NULL), 0); /* overlong */
    assert_int_equal(dec("\xF4\x90\x80\x80", 4, NULL), 0); /* > U+10FFFF */
    assert_int_equal(dec("\xF5\x80\x80\x80", 4, NULL), 0);
    assert_int_equal(dec("\xFF", 1, NULL), 0);
    assert_int_equal(dec("\x80", 1, NULL), 0);     /* lone continuation */
    assert_int_equal(dec("\xC3", 1, NULL), 0);     /* truncated */
    assert_int_equal(dec("\xE2\x80", 2, NULL), 0); /* truncated */
    assert_int_equal(dec("\xC3\x28", 2, NULL), 0); /* bad continuation */
}

static void test_encode_roundtrip(void **state)
{
    (void)state;
    char buf[4];
    for (unsigned cp = 0; cp <= 0x10FFFF; cp++) {
        size_t n = at_utf8_encode(cp, buf);
        unsigned back = 0;
        assert_int_equal(at_utf8_decode((const unsigned char *)buf, n, &back), n);
        if (cp >= 0xD800 && cp <= 0xDFFF)
            assert_int_equal(back, 0xFFFD);
        else
            assert_int_equal(back, cp);
    }
    assert_int_equal(at_utf8_encode(0x110000, buf), 3); /* U+FFFD */
}

static void test_valid(void **state)
{
    (void)state;
    char s[64];
    assert_true(at_utf8_valid("", 0));
    for (size_t off = 0; off < 16; off++) {
        memset(s, 'a', sizeof s);
        memcpy(s + off, "\xC3\xA9", 2);
        assert_true(at_utf8_valid(s, sizeof s));
        s[off] = (char)0xFF;
        assert_false(at_utf8_valid(s, sizeof s));
        memset(s, 'a', sizeof s);
        s[sizeof s - 1] = (char)0xC3; /* truncated at the very end */
        assert_false(at_utf8_valid(s, sizeof s));
    }
    assert_false(at_utf8_valid("abc\xED\xA0\x80", 6));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_decode_edges),
                                       cmocka_unit_test(test_encode_roundtrip),
                                       cmocka_unit_test(test_valid)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
