/*
 * fuzz_time: the timestamp and date parsers of at_time (at_time_parse for
 * "published" in JSON input and feeds, at_day_parse for every date in the
 * reference data and in Event messages), plus the day arithmetic on
 * integers taken from the input.
 *
 * Checks (at_time.h): an accepted timestamp lies in years 0000..9999 and
 * survives RFC 3339 formatting and re-parsing; an accepted day formats
 * back to exactly the input; day <-> civil conversions round-trip; the
 * formatters never write past the length they are given (the buffers are
 * allocated to exactly that length).
 */
#include <string.h>

#include "at_fuzz.h"
#include "at_time.h"

#define TIME_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define TIME_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */
#define DAY_MIN  (-719528)        /* 0000-01-01 */
#define DAY_MAX  2932896          /* 9999-12-31 */

/* Next `bytes` bytes of the input as a little-endian integer (missing
 * bytes read as zero). */
static uint64_t take(const uint8_t **p, size_t *n, size_t bytes)
{
    uint64_t v = 0;
    size_t k = bytes < *n ? bytes : *n;
    for (size_t i = 0; i < k; i++)
        v |= (uint64_t)(*p)[i] << (8 * i);
    *p += k;
    *n -= k;
    return v;
}

static void check_parsers(const char *s)
{
    int64_t t;
    if (at_time_parse(s, &t) == 0) {
        AT_FUZZ_CHECK(t >= TIME_MIN && t <= TIME_MAX, "'%s' -> %lld outside 0000..9999", s,
                      (long long)t);
        char buf[32];
        at_time_format_rfc3339(t, buf, sizeof buf);
        int64_t back;
        AT_FUZZ_CHECK(at_time_parse(buf, &back) == 0 && back == t,
                      "'%s' -> %lld -> '%s' does not parse back", s, (long long)t, buf);
    }
    at_day_t day;
    if (at_day_parse(s, &day) == 0) {
        char buf[16];
        at_day_format(day, buf, sizeof buf);
        AT_FUZZ_CHECK(strcmp(buf, s) == 0, "day '%s' formats as '%s'", s, buf);
        AT_FUZZ_CHECK(day >= DAY_MIN && day <= DAY_MAX, "day '%s' out of range", s);
        /* Every valid day is also a valid timestamp (midnight UTC). */
        int64_t t0;
        AT_FUZZ_CHECK(at_time_parse(s, &t0) == 0 && t0 == (int64_t)day * 86400,
                      "day '%s' is not midnight as a timestamp", s);
    }
}

static void check_arithmetic(const uint8_t *p, size_t n)
{
    int64_t t = (int64_t)take(&p, &n, 8);
    at_day_t day = (at_day_t)(uint32_t)take(&p, &n, 4);
    int years = (int)(uint32_t)take(&p, &n, 4);
    size_t len = (size_t)take(&p, &n, 1) % 24;

    AT_FUZZ_CHECK(at_day_from_unix(t) != AT_DAY_NONE, "from_unix(%lld) is NONE", (long long)t);

    /* Formatters, with exactly len bytes of room. */
    char *buf = malloc(len ? len : 1);
    AT_FUZZ_CHECK(buf != NULL, "out of memory");
    at_day_format(day, buf, len);
    if (len)
        AT_FUZZ_CHECK(memchr(buf, '\0', len) != NULL, "day_format not terminated");
    at_time_format_rfc3339(t, buf, len);
    if (len)
        AT_FUZZ_CHECK(memchr(buf, '\0', len) != NULL, "rfc3339 not terminated");
    free(buf);

    if (day == AT_DAY_NONE) {
        AT_FUZZ_CHECK(at_day_first_of_next_month(day) == AT_DAY_NONE, "NONE + month");
        AT_FUZZ_CHECK(at_day_add_years(day, years) == AT_DAY_NONE, "NONE + years");
        return;
    }
    int y;
    unsigned m, d;
    at_day_to_civil(day, &y, &m, &d);
    AT_FUZZ_CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31, "to_civil(%d) = %d-%u-%u", day, y, m, d);
    AT_FUZZ_CHECK(at_day_from_civil(y, m, d) == day, "civil round trip of %d", day);

    at_day_t next = at_day_first_of_next_month(day);
    at_day_t later = at_day_add_years(day, years);
    AT_FUZZ_CHECK(next != AT_DAY_NONE && later != AT_DAY_NONE, "arithmetic gave NONE");
    if (day >= DAY_MIN && day <= DAY_MAX) {
        int ny;
        unsigned nm, nd;
        at_day_to_civil(next, &ny, &nm, &nd);
        AT_FUZZ_CHECK(next > day && nd == 1 && next - day <= 31,
                      "first_of_next_month(%d-%02u-%02u) = %d-%02u-%02u", y, m, d, ny, nm, nd);
        if (years >= -9999 && years <= 9999) {
            at_day_to_civil(later, &ny, &nm, &nd);
            int leap_day = m == 2 && d == 29;
            AT_FUZZ_CHECK(ny == y + years || (leap_day && ny == y + years),
                          "add_years(%d-%02u-%02u, %d) = %d-%02u-%02u", y, m, d, years, ny, nm, nd);
            AT_FUZZ_CHECK((nm == m && nd == d) || (leap_day && nm == 3 && nd == 1),
                          "add_years(%d-%02u-%02u, %d) = %d-%02u-%02u", y, m, d, years, ny, nm, nd);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = at_fuzz_strndup(data, size);
    check_parsers(s);
    free(s);
    check_arithmetic(data, size);
    return 0;
}
