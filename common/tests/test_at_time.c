/*
 * test_at_time.c: unit tests for at_time (civil-day arithmetic and the
 * timestamp parser/formatter).
 *
 * The day arithmetic is checked against an independent day-by-day walk of
 * the calendar over years 1..9999, so every leap day and month end is
 * covered; fixed values come from `date -u`. The parser is fed the formats
 * feeds really send and a list of hostile or invalid inputs that must all
 * be rejected without crashing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "at_time.h"

/* Expected instant from civil fields; at_day_from_civil is verified on its
 * own by test_calendar_walk. */
static int64_t T(int y, unsigned mo, unsigned d, int h, int mi, int s)
{
    return (int64_t)at_day_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static int ref_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned ref_dim(int y, unsigned m)
{
    static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ref_leap(y) ? 29 : dim[m - 1];
}

/* Walk every day of years 1..9999 with a naive calendar and compare. */
static void test_calendar_walk(void **state)
{
    int y = 1;
    unsigned m = 1, d = 1;
    int64_t day = -719162; /* 0001-01-01: 719162 days before the epoch */
    char want[32], got[32];
    for (;;) {
        assert_int_equal(at_day_from_civil(y, m, d), day);
        int cy;
        unsigned cm, cd;
        at_day_to_civil((at_day_t)day, &cy, &cm, &cd);
        if (cy != y || cm != m || cd != d) {
            snprintf(want, sizeof want, "%04d-%02u-%02u", y, m, d);
            snprintf(got, sizeof got, "%04d-%02u-%02u", cy, cm, cd);
            assert_string_equal(got, want);
        }
        if (y == 9999 && m == 12 && d == 31)
            break;
        if (++d > ref_dim(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        day++;
    }
    assert_int_equal(day, 2932896); /* 9999-12-31 */
}

static void test_known_days(void **state)
{
    assert_int_equal(at_day_from_civil(1970, 1, 1), 0);
    assert_int_equal(at_day_from_civil(1969, 12, 31), -1);
    assert_int_equal(at_day_from_civil(2024, 2, 29), 19782);
    assert_int_equal(at_day_from_civil(2000, 2, 29) * 86400LL, 951782400);
    assert_int_equal(at_day_from_civil(1900, 3, 1) * 86400LL, -2203891200LL);
    assert_int_equal(at_day_from_civil(2025, 3, 1) * 86400LL, 1740787200);
    /* Negative years (proleptic) and year 0 still round-trip. */
    for (int y = -1000; y <= 1; y++) {
        int cy;
        unsigned cm, cd;
        at_day_to_civil(at_day_from_civil(y, 2, 28), &cy, &cm, &cd);
        assert_int_equal(cy, y);
        assert_int_equal(cm, 2);
        assert_int_equal(cd, 28);
    }
    /* NULL out-parameters are allowed. */
    at_day_to_civil(0, NULL, NULL, NULL);
    /* Extreme years are clamped, never the sentinel. */
    assert_true(at_day_from_civil(2147483647, 12, 31) != AT_DAY_NONE);
    assert_true(at_day_from_civil(-2147483647 - 1, 1, 1) == INT32_MIN);
    /* Invalid fields give some day without undefined behaviour. */
    (void)at_day_from_civil(2024, 0, 0);
    (void)at_day_from_civil(2024, 99, 4000000000u);
}

static void test_day_parse(void **state)
{
    at_day_t d = 42;
    assert_int_equal(at_day_parse("2024-02-29", &d), 0);
    assert_int_equal(d, 19782);
    assert_int_equal(at_day_parse("2000-02-29", &d), 0);
    assert_int_equal(at_day_parse("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(at_day_parse("0000-01-01", &d), 0);
    assert_int_equal(at_day_parse("9999-12-31", &d), 0);
    assert_int_equal(d, 2932896);
    assert_int_equal(at_day_parse("2024-12-31", &d), 0);
    assert_int_equal(at_day_parse("2024-04-30", &d), 0);

    static const char *const bad[] = {
        "",
        "2024",
        "2024-02",
        "2023-02-29",
        "1900-02-29",
        "2100-02-29",
        "2024-02-30",
        "2024-04-31",
        "2024-06-31",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-01-32",
        "2024-2-03",
        "2024-02-3",
        "2024-02-030",
        " 2024-02-01",
        "2024-02-01 ",
        "2024/02/01",
        "+024-02-01",
        "-024-02-01",
        "2024-02-01T00:00:00Z",
        "20240201",
        "2024-0a-01",
        "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-02-01",
        "2024-02-0\xff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = 42;
        if (at_day_parse(bad[i], &d) != -1)
            fail_msg("accepted bad day \"%s\"", bad[i]);
        assert_int_equal(d, 42);
    }
    assert_int_equal(at_day_parse(NULL, &d), -1);
    assert_int_equal(at_day_parse("2024-01-01", NULL), -1);
}

static void test_day_format(void **state)
{
    char buf[32];
    assert_string_equal(at_day_format(0, buf, sizeof buf), "1970-01-01");
    assert_string_equal(at_day_format(-1, buf, sizeof buf), "1969-12-31");
    assert_string_equal(at_day_format(19782, buf, sizeof buf), "2024-02-29");
    assert_string_equal(at_day_format(AT_DAY_NONE, buf, sizeof buf), "");
    assert_string_equal(at_day_format(at_day_from_civil(0, 1, 1), buf, sizeof buf), "0000-01-01");
    /* Exactly 11 bytes is enough. */
    char small[11];
    assert_string_equal(at_day_format(2932896, small, sizeof small), "9999-12-31");
    /* Too small: truncated, still terminated. */
    char tiny[5];
    assert_string_equal(at_day_format(0, tiny, sizeof tiny), "1970");
    /* len 0 writes nothing. */
    buf[0] = 'x';
    at_day_format(0, buf, 0);
    assert_int_equal(buf[0], 'x');
    /* Extreme days do not crash and stay terminated. */
    at_day_format(INT32_MIN, buf, sizeof buf);
    at_day_format(AT_DAY_NONE - 1, buf, sizeof buf);
    at_day_format(INT32_MIN, small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    /* format then parse is the identity over a wide range */
    for (at_day_t day = -719528; day <= 2932896; day += 7) {
        at_day_t back;
        assert_int_equal(at_day_parse(at_day_format(day, buf, sizeof buf), &back), 0);
        assert_int_equal(back, day);
    }
}

static void test_day_from_unix(void **state)
{
    assert_int_equal(at_day_from_unix(0), 0);
    assert_int_equal(at_day_from_unix(86399), 0);
    assert_int_equal(at_day_from_unix(86400), 1);
    assert_int_equal(at_day_from_unix(-1), -1);
    assert_int_equal(at_day_from_unix(-86400), -1);
    assert_int_equal(at_day_from_unix(-86401), -2);
    assert_int_equal(at_day_from_unix(1720001700), at_day_from_civil(2024, 7, 3));
    assert_true(at_day_from_unix(INT64_MAX) != AT_DAY_NONE);
    assert_int_equal(at_day_from_unix(INT64_MAX), AT_DAY_NONE - 1);
    assert_int_equal(at_day_from_unix(INT64_MIN), INT32_MIN);
}

static void test_first_of_next_month(void **state)
{
    struct {
        int y;
        unsigned m, d;
        int ey;
        unsigned em;
    } cases[] = {
        {2002, 4, 11, 2002, 5},  {2024, 12, 31, 2025, 1},  {2024, 12, 1, 2025, 1},
        {2024, 1, 31, 2024, 2},  {2024, 2, 29, 2024, 3},   {2023, 2, 28, 2023, 3},
        {1999, 12, 31, 2000, 1}, {2024, 11, 30, 2024, 12}, {1969, 12, 31, 1970, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        at_day_t got =
            at_day_first_of_next_month(at_day_from_civil(cases[i].y, cases[i].m, cases[i].d));
        assert_int_equal(got, at_day_from_civil(cases[i].ey, cases[i].em, 1));
    }
    /* Rome Statute art. 126: deposit 2002-04-11, 60th day after it is
     * 2002-06-10, entry into force 2002-07-01. */
    at_day_t deposit = at_day_from_civil(2002, 4, 11);
    assert_int_equal(at_day_first_of_next_month(deposit + 60), at_day_from_civil(2002, 7, 1));
    assert_int_equal(at_day_first_of_next_month(AT_DAY_NONE), AT_DAY_NONE);
    /* Every day of a leap and a common year lands on a first of month. */
    for (at_day_t day = at_day_from_civil(2023, 1, 1); day < at_day_from_civil(2025, 1, 1); day++) {
        int y;
        unsigned m, d;
        at_day_t next = at_day_first_of_next_month(day);
        at_day_to_civil(next, &y, &m, &d);
        assert_int_equal(d, 1);
        assert_true(next > day);
        assert_true(next - day <= 31);
    }
    /* Near the top of the range: clamped, not the sentinel. */
    assert_true(at_day_first_of_next_month(AT_DAY_NONE - 1) != AT_DAY_NONE);
}

static void test_add_years(void **state)
{
    assert_int_equal(at_day_add_years(at_day_from_civil(2024, 2, 29), 1),
                     at_day_from_civil(2025, 3, 1));
    assert_int_equal(at_day_add_years(at_day_from_civil(2024, 2, 29), 4),
                     at_day_from_civil(2028, 2, 29));
    assert_int_equal(at_day_add_years(at_day_from_civil(2096, 2, 29), 4),
                     at_day_from_civil(2100, 3, 1));
    assert_int_equal(at_day_add_years(at_day_from_civil(1996, 2, 29), 4),
                     at_day_from_civil(2000, 2, 29));
    assert_int_equal(at_day_add_years(at_day_from_civil(2024, 2, 29), -1),
                     at_day_from_civil(2023, 3, 1));
    assert_int_equal(at_day_add_years(at_day_from_civil(2024, 2, 28), 1),
                     at_day_from_civil(2025, 2, 28));
    assert_int_equal(at_day_add_years(at_day_from_civil(2023, 3, 15), 1),
                     at_day_from_civil(2024, 3, 15));
    assert_int_equal(at_day_add_years(at_day_from_civil(2024, 12, 31), 1),
                     at_day_from_civil(2025, 12, 31));
    /* Art. 127: withdrawal notified 2016-10-27 takes effect 2017-10-27. */
    assert_int_equal(at_day_add_years(at_day_from_civil(2016, 10, 27), 1),
                     at_day_from_civil(2017, 10, 27));
    assert_int_equal(at_day_add_years(at_day_from_civil(2024, 5, 5), 0),
                     at_day_from_civil(2024, 5, 5));
    assert_int_equal(at_day_add_years(AT_DAY_NONE, 1), AT_DAY_NONE);
    /* Huge steps clamp instead of overflowing. */
    assert_true(at_day_add_years(0, 2147483647) != AT_DAY_NONE);
    assert_int_equal(at_day_add_years(0, -2147483647 - 1), INT32_MIN);
}

/* --- at_time_parse ------------------------------------------------------- */

struct good {
    const char *text;
    int64_t want;
};

static void test_parse_rfc3339(void **state)
{
    const int64_t t0 = 1720001700; /* 2024-07-03T10:15:00Z per date -u */
    assert_int_equal(T(2024, 7, 3, 10, 15, 0), t0);
    const struct good cases[] = {
        {"2024-07-03T10:15:00Z", t0},
        {"2024-07-03t10:15:00z", t0},
        {"2024-07-03 10:15:00Z", t0},
        {"2024-07-03T10:15Z", t0},
        {"2024-07-03T10:15:00.123456Z", t0},
        {"2024-07-03T10:15:00,5Z", t0},
        {"2024-07-03T10:15:00.999999999999999999999999Z", t0},
        {"2024-07-03T12:15:00+02:00", t0},
        {"2024-07-03T12:15:00+0200", t0},
        {"2024-07-03T12:15:00+02", t0},
        {"2024-07-03T04:45:00-05:30", t0},
        {"2024-07-04T00:15:00+14:00", t0},
        {"2024-07-02T22:15:00-12:00", t0},
        {"2024-07-03T10:15:00-00:00", t0},
        {"2024-07-03T10:15:00+00:00", t0},
        {"2024-07-03T10:15:00", t0},
        {"2024-07-03T10:15", t0},
        {"2024-07-03T10:15:00 UTC", t0},
        {"2024-07-03 10:15:00 GMT", t0},
        {"2024-07-03T12:15:00 +02:00", t0},
        {"  2024-07-03T10:15:00Z \r\n", t0},
        {"\t2024-07-03T10:15:00Z", t0},
        {"2024-07-03", T(2024, 7, 3, 0, 0, 0)},
        {"2024-02-29", T(2024, 2, 29, 0, 0, 0)},
        {"2000-02-29T23:59:59Z", T(2000, 2, 29, 23, 59, 59)},
        {"2024-12-31T23:59:59Z", T(2024, 12, 31, 23, 59, 59)},
        {"2016-12-31T23:59:60Z", 1483228800}, /* leap second -> next second */
        {"2024-01-01T01:00:00+02:00", T(2023, 12, 31, 23, 0, 0)},
        {"1969-12-31T23:59:59Z", -1},
        {"1970-01-01T00:00:00Z", 0},
        {"0000-01-01T00:00:00Z", -62167219200LL},
        {"9999-12-31T23:59:59Z", 253402300799LL},
        {"0000-01-01T01:00:00+01:00", -62167219200LL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = 12345;
        if (at_time_parse(cases[i].text, &got) != 0)
            fail_msg("rejected \"%s\"", cases[i].text);
        if (got != cases[i].want)
            fail_msg("\"%s\": got %lld want %lld", cases[i].text, (long long)got,
                     (long long)cases[i].want);
    }
}

static void test_parse_rfc822(void **state)
{
    const int64_t t0 = 1720001700;
    const struct good cases[] = {
        {"Wed, 03 Jul 2024 10:15:00 +0000", t0},
        {"Wed, 03 Jul 2024 10:15:00 GMT", t0},
        {"Wed, 3 Jul 2024 10:15:00 GMT", t0},
        {"Wed 03 Jul 2024 10:15:00 GMT", t0},
        {"Wed,03 Jul 2024 10:15:00 GMT", t0},
        {"Wed ,  03  Jul  2024  10:15:00  GMT", t0},
        {"03 Jul 2024 10:15:00 GMT", t0},
        {"Wednesday, 03 July 2024 10:15:00 GMT", t0},
        {"wed, 03 jul 2024 10:15:00 gmt", t0},
        {"WED, 03 JUL 2024 10:15:00 GMT", t0},
        {"Wed, 03 Jul 2024 10:15 GMT", t0},
        {"Wed, 03 Jul 2024 6:15:00 EDT", t0},
        {"Wed, 03 Jul 2024 06:15:00 -0400", t0},
        {"Wed, 03 Jul 2024 05:15:00 EST", t0},
        {"Wed, 03 Jul 2024 05:15:00 CDT", t0},
        {"Wed, 03 Jul 2024 04:15:00 CST", t0},
        {"Wed, 03 Jul 2024 04:15:00 MDT", t0},
        {"Wed, 03 Jul 2024 03:15:00 MST", t0},
        {"Wed, 03 Jul 2024 03:15:00 PDT", t0},
        {"Wed, 03 Jul 2024 02:15:00 PST", t0},
        {"Wed, 03 Jul 2024 10:15:00 UT", t0},
        {"Wed, 03 Jul 2024 10:15:00 UTC", t0},
        {"Wed, 03 Jul 2024 10:15:00 Z", t0},
        {"Wed, 03 Jul 2024 10:15:00 A", t0},
        {"Wed, 03 Jul 2024 10:15:00 m", t0},
        {"Wed, 03 Jul 2024 10:15:00 -0000", t0},
        {"Wed, 03 Jul 2024 12:15:00 +02:00", t0},
        {"Wed, 03 Jul 2024 12:15:00 GMT+2", t0},
        {"Wed, 03 Jul 2024 12:15:00 GMT+0200", t0},
        {"Wed, 03 Jul 2024 15:45:00 UTC+05:30", t0},
        {"Wed, 03 Jul 2024 04:45:00 GMT-05:30", t0},
        {"Wed, 03 Jul 2024 10:15:00 +0000 (UTC)", t0},
        {"Wed, 03 Jul 2024 03:15:00 -0700 (Pacific Daylight Time)", t0},
        {"Wed, 03 Jul 2024 10:15:00 (no zone, just a comment)", t0},
        {"Wed, 03 Jul 2024 10:15:00", t0},
        {"Wed, 03 Jul 2024 10:15:00.250 GMT", t0},
        {"Wed, 03 Jul 24 10:15:00 GMT", t0},
        {"03 Jul 124 10:15:00 GMT", t0},
        {"Sat, 03 Jul 99 10:15:00 GMT", T(1999, 7, 3, 10, 15, 0)},
        {"Sat, 03 Jul 49 10:15:00 GMT", T(2049, 7, 3, 10, 15, 0)},
        {"Sat, 03 Jul 50 10:15:00 GMT", T(1950, 7, 3, 10, 15, 0)},
        {"Tue, 03 Sept 2024 10:15:00 GMT", T(2024, 9, 3, 10, 15, 0)},
        {"Tue, 03 September 2024 10:15:00 GMT", T(2024, 9, 3, 10, 15, 0)},
        {"03-Jul-2024 10:15:00 GMT", t0},
        {"Wed, 03 Jul 2024", T(2024, 7, 3, 0, 0, 0)},
        {"3 Jul 2024", T(2024, 7, 3, 0, 0, 0)},
        /* Wrong weekday: the date wins (feeds get weekdays wrong). */
        {"Mon, 03 Jul 2024 10:15:00 GMT", t0},
        {"Thu, 29 Feb 2024 00:00:00 GMT", T(2024, 2, 29, 0, 0, 0)},
        {"Sun, 31 Dec 2023 23:00:00 -0100", T(2024, 1, 1, 0, 0, 0)},
        {"Fri, 29 Feb 2000 12:00:00 +1400", T(2000, 2, 28, 22, 0, 0)},
        {" \tWed, 03 Jul 2024 10:15:00 GMT\n", t0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = 12345;
        if (at_time_parse(cases[i].text, &got) != 0)
            fail_msg("rejected \"%s\"", cases[i].text);
        if (got != cases[i].want)
            fail_msg("\"%s\": got %lld want %lld", cases[i].text, (long long)got,
                     (long long)cases[i].want);
    }
}

static void test_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        " ",
        "\t\r\n",
        "garbage",
        "now",
        "0",
        "1720001700",
        "2024",
        "2024-07",
        "2024-7-03",
        "2024-07-3",
        "2024-13-01",
        "2024-00-01",
        "2024-02-30",
        "2023-02-29",
        "1900-02-29T00:00:00Z",
        "2024-04-31",
        "2024-07-03T25:00:00Z",
        "2024-07-03T24:00:00Z",
        "2024-07-03T10:60:00Z",
        "2024-07-03T10:15:61Z",
        "2024-07-03T1:15:00Z",
        "2024-07-03T10:15:00+24:00",
        "2024-07-03T10:15:00+02:60",
        "2024-07-03T10:15:00+2:00",
        "2024-07-03T10:15:00+020",
        "2024-07-03T10:15:00+02:0",
        "2024-07-03T10:15:00+",
        "2024-07-03T10:15:00Zjunk",
        "2024-07-03T10:15:00ZZ",
        "2024-07-03T10:15:00.Z",
        "2024-07-03T10:15:00.",
        "2024-07-03T",
        "2024-07-03T10",
        "2024-07-03T10:1",
        "2024-07-03T10:15:0",
        "2024-07-03x",
        "2024-07-03TT10:15:00Z",
        "2024-07-03T10:15:00 EST",
        "2024-07-03T10:15:00 UTC+2",
        "2024-07-03T10:15:00 (UTC)",
        "-2024-07-03",
        "12024-07-03",
        "2024 -07-03",
        "2024-07-03T10:15:00Z 2024-07-03T10:15:00Z",
        "0000-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59-00:01",
        "Thu, 31 Jun 2024 10:15:00 GMT",
        "Fri, 30 Feb 2024 10:15:00 GMT",
        "Thu, 29 Feb 2023 10:15:00 GMT",
        "Thu, 29 Feb 1900 10:15:00 GMT",
        "Wed, 32 Jul 2024 10:15:00 GMT",
        "Wed, 00 Jul 2024 10:15:00 GMT",
        "Wed, 003 Jul 2024 10:15:00 GMT",
        "Wed, 03 Jux 2024 10:15:00 GMT",
        "Wed, 03 Ju 2024 10:15:00 GMT",
        "Wed, 03 Julyy 2024 10:15:00 GMT",
        "Wed, 03 Jul 20245 10:15:00 GMT",
        "Wed, 03 Jul 2 10:15:00 GMT",
        "Wed, 03 Jul 2024 10:15:00 XYZ",
        "Wed, 03 Jul 2024 10:15:00 J",
        "Wed, 03 Jul 2024 10:15:00 +02000",
        "Wed, 03 Jul 2024 10:15:00 +2",
        "Wed, 03 Jul 2024 10:15:00 +2400",
        "Wed, 03 Jul 2024 10:15:00 GMT junk",
        "Wed, 03 Jul 2024 10:15:00 GMT+",
        "Wed, 03 Jul 2024 10:15:00 GMT+123",
        "Wed, 03 Jul 2024 10:15:00 EST+2",
        "Wed, 03 Jul 2024 10:15:00 +0000 (unclosed",
        "Wed, 03 Jul 2024 10:15:00 +0000 (",
        "Wed, 03 Jul 2024 10:15:00 +0000 ) (",
        "Wed, 03 Jul 2024 10:15:00 +0000 (a) b",
        "Wed, 03 Jul 2024 123:15:00 GMT",
        "Wed, 03 Jul 2024 10:5:00 GMT",
        "Wed, 03 Jul 2024 24:00:00 GMT",
        "Wed, 03 Jul 2024 10:15:00:00 GMT",
        "Wed, 03 Jul 2024 10 GMT",
        "Wed, 03 Jul 2024 10:15 :00 GMT",
        "Wed, 03 Jul2024 10:15:00 GMT",
        "Wed, 03Jul 2024 10:15:00 GMT",
        "03-Jul 2024 10:15:00 GMT",
        "03 Jul-2024 10:15:00 GMT",
        "Foo, 03 Jul 2024 10:15:00 GMT",
        "We, 03 Jul 2024 10:15:00 GMT",
        "Wednesdayyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy, 03 Jul 2024 10:15:00 GMT",
        ", 03 Jul 2024 10:15:00 GMT",
        "Wed, Jul 03 2024 10:15:00 GMT",
        "Wed Jul  3 10:15:00 2024",
        "Wed, 03 Jul 2024 10:15:00 GMT\xff",
        "\xff\xfe\xfd",
        "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-07-03",
        "2024\xe2\x80\x90"
        "07\xe2\x80\x90"
        "03",
        "Wed, 03 Jul 2024 10:15:00 G\xc3\xa9T",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t got = 12345;
        if (at_time_parse(bad[i], &got) != -1)
            fail_msg("accepted \"%s\" as %lld", bad[i], (long long)got);
        assert_int_equal(got, 12345);
    }
    int64_t got;
    assert_int_equal(at_time_parse(NULL, &got), -1);
    assert_int_equal(at_time_parse("2024-07-03", NULL), -1);
}

/* Large inputs: linear time, no overflow in any digit run. */
static void test_parse_oversized(void **state)
{
    const size_t n = 1 << 20;
    char *s = malloc(n + 64);
    assert_non_null(s);
    int64_t got;

    memset(s, 'A', n);
    s[n] = '\0';
    assert_int_equal(at_time_parse(s, &got), -1);

    memset(s, '9', n);
    assert_int_equal(at_time_parse(s, &got), -1);

    memset(s, ' ', n);
    assert_int_equal(at_time_parse(s, &got), -1);

    /* Digits that would overflow any integer, in every field position. */
    snprintf(s, n, "2024-07-03T10:15:%s", "99999999999999999999999999Z");
    assert_int_equal(at_time_parse(s, &got), -1);
    snprintf(s, n, "Wed, 99999999999999999999 Jul 2024 10:15:00 GMT");
    assert_int_equal(at_time_parse(s, &got), -1);
    snprintf(s, n, "Wed, 03 Jul 99999999999999999999 10:15:00 GMT");
    assert_int_equal(at_time_parse(s, &got), -1);
    snprintf(s, n, "Wed, 03 Jul 2024 10:15:00 +99999999999999999999");
    assert_int_equal(at_time_parse(s, &got), -1);

    /* A very long fraction is still one valid timestamp (truncated). */
    strcpy(s, "2024-07-03T10:15:00.");
    size_t len = strlen(s);
    memset(s + len, '7', n - len - 2);
    s[n - 2] = 'Z';
    s[n - 1] = '\0';
    assert_int_equal(at_time_parse(s, &got), 0);
    assert_int_equal(got, 1720001700);

    /* A long comment after a valid RFC 822 date is accepted. */
    strcpy(s, "Wed, 03 Jul 2024 10:15:00 GMT (");
    len = strlen(s);
    memset(s + len, 'x', n - len - 2);
    s[n - 2] = ')';
    s[n - 1] = '\0';
    assert_int_equal(at_time_parse(s, &got), 0);
    assert_int_equal(got, 1720001700);

    /* Long whitespace padding around a valid value. */
    memset(s, ' ', n);
    memcpy(s + n / 2, "2024-07-03T10:15:00Z", 20);
    s[n] = '\0';
    assert_int_equal(at_time_parse(s, &got), 0);
    assert_int_equal(got, 1720001700);
    free(s);
}

/* Every printable single character and pairs of them: no crash, and the
 * only accepted results are in range. */
static void test_parse_short_garbage(void **state)
{
    char s[4];
    int64_t got;
    for (int a = 1; a < 256; a++) {
        for (int b = 0; b < 256; b++) {
            s[0] = (char)a;
            s[1] = (char)b;
            s[2] = '\0';
            assert_int_equal(at_time_parse(s, &got), -1);
        }
    }
    /* Truncations of a valid timestamp: each prefix is handled. */
    const char *full = "Wed, 03 Jul 2024 10:15:00 +0000 (UTC)";
    char buf[64];
    for (size_t i = 0; i <= strlen(full); i++) {
        memcpy(buf, full, i);
        buf[i] = '\0';
        (void)at_time_parse(buf, &got);
    }
    const char *iso = "2024-07-03T10:15:00.123+05:30";
    for (size_t i = 0; i <= strlen(iso); i++) {
        memcpy(buf, iso, i);
        buf[i] = '\0';
        if (at_time_parse(buf, &got) == 0)
            assert_true(got >= -62167219200LL && got <= 253402300799LL);
    }
}

/* --- formatting ---------------------------------------------------------- */

static void test_format(void **state)
{
    char buf[64];
    assert_string_equal(at_time_format_rfc3339(0, buf, sizeof buf), "1970-01-01T00:00:00Z");
    assert_string_equal(at_time_format_rfc3339(-1, buf, sizeof buf), "1969-12-31T23:59:59Z");
    assert_string_equal(at_time_format_rfc3339(1720001700, buf, sizeof buf),
                        "2024-07-03T10:15:00Z");
    assert_string_equal(at_time_format_rfc3339(951782400, buf, sizeof buf), "2000-02-29T00:00:00Z");
    assert_string_equal(at_time_format_rfc3339(-2203891200LL, buf, sizeof buf),
                        "1900-03-01T00:00:00Z");
    assert_string_equal(at_time_format_rfc3339(253402300799LL, buf, sizeof buf),
                        "9999-12-31T23:59:59Z");
    assert_string_equal(at_time_format_rfc3339(-62167219200LL, buf, sizeof buf),
                        "0000-01-01T00:00:00Z");
    /* 21 bytes is enough for years 0000..9999. */
    char exact[21];
    assert_string_equal(at_time_format_rfc3339(1720001700, exact, sizeof exact),
                        "2024-07-03T10:15:00Z");
    char tiny[5];
    assert_string_equal(at_time_format_rfc3339(1720001700, tiny, sizeof tiny), "2024");
    buf[0] = 'x';
    at_time_format_rfc3339(0, buf, 0);
    assert_int_equal(buf[0], 'x');
    /* Any int64_t is safe. */
    at_time_format_rfc3339(INT64_MIN, buf, sizeof buf);
    at_time_format_rfc3339(INT64_MAX, buf, sizeof buf);
    at_time_format_rfc3339(INT64_MIN, exact, sizeof exact);
    assert_true(strlen(exact) < sizeof exact);
}

static void test_format_parse_roundtrip(void **state)
{
    char buf[32];
    /* A prime step so seconds, minutes, hours and days all vary. */
    for (int64_t t = -62167219200LL; t <= 253402300799LL; t += 7919 * 86400 + 3607) {
        int64_t back;
        assert_int_equal(at_time_parse(at_time_format_rfc3339(t, buf, sizeof buf), &back), 0);
        assert_int_equal(back, t);
    }
    int64_t back;
    assert_int_equal(at_time_parse(at_time_format_rfc3339(253402300799LL, buf, sizeof buf), &back),
                     0);
    assert_int_equal(back, 253402300799LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calendar_walk),   cmocka_unit_test(test_known_days),
        cmocka_unit_test(test_day_parse),       cmocka_unit_test(test_day_format),
        cmocka_unit_test(test_day_from_unix),   cmocka_unit_test(test_first_of_next_month),
        cmocka_unit_test(test_add_years),       cmocka_unit_test(test_parse_rfc3339),
        cmocka_unit_test(test_parse_rfc822),    cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_oversized), cmocka_unit_test(test_parse_short_garbage),
        cmocka_unit_test(test_format),          cmocka_unit_test(test_format_parse_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
