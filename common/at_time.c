/*
 * at_time.c: civil-day arithmetic and the timestamp parser/formatter of
 * attache (see at_time.h).
 *
 * Why this is hand-written rather than strptime/timegm/getdate:
 *   - strptime is locale-dependent (%a/%b match the process locale's names,
 *     so a daemon started under de_DE rejects "Jul"), and %z/%Z handling
 *     differs between C libraries; mktime depends on TZ.
 *   - strptime is too lenient for untrusted input: it stops at the first
 *     unmatched character and reports success, accepts out-of-range fields
 *     ("2024-02-30" becomes March 1st after normalization) and does not say
 *     which parts it consumed.
 *   - Feeds send RFC 822 dates with missing seconds, full month names,
 *     colon offsets, "GMT+2" and trailing "(UTC)" comments; no library in
 *     Debian parses those variants while rejecting garbage.
 * The parser below is a small recursive-descent scanner over a bounded
 * [p, end) range: no allocation, no global state, no locale, and every
 * numeric field has a fixed maximum number of digits, so no input can
 * overflow an integer.
 *
 * Day arithmetic uses the days-from-civil / civil-from-days method described
 * by Howard Hinnant ("chrono-Compatible Low-Level Date Algorithms"): shift
 * the year to start in March so the leap day is the last day of the year,
 * then count 400-year eras of 146097 days. Internally everything is int64_t
 * so no intermediate can overflow; results are clamped to at_day_t.
 */
#include "at_time.h"

#include <stdio.h>
#include <string.h>

/* Instants at_time_parse accepts: years 0000..9999 in UTC, so that every
 * accepted instant formats as RFC 3339 with a four-digit year. */
#define AT_TIME_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define AT_TIME_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

#define SECS_PER_DAY 86400

/* --- civil days ---------------------------------------------------------- */

static int64_t days_from_civil64(int64_t y, unsigned m, unsigned d)
{
    /* Years start on March 1st, so February's length only matters at the
     * very end of a (shifted) year. Unsigned arithmetic keeps invalid
     * month/day input free of undefined behaviour (garbage in, garbage out,
     * as documented). */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);             /* [0, 399] */
    unsigned mp = m > 2 ? m - 3 : m + 9;                  /* March = 0 */
    unsigned doy = (153 * mp + 2) / 5 + d - 1;            /* [0, 365] */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468;          /* 719468: 0000-03-01 .. 1970-01-01 */
}

static void civil_from_days64(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Clamp to at_day_t, never producing the AT_DAY_NONE sentinel by accident. */
static at_day_t clamp_day(int64_t day)
{
    if (day < INT32_MIN)
        return INT32_MIN;
    if (day > (int64_t)AT_DAY_NONE - 1)
        return AT_DAY_NONE - 1;
    return (at_day_t)day;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int valid_civil(int64_t y, unsigned m, unsigned d)
{
    return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* Floor division of an instant into (day, second of day) without the
 * multiplication that would overflow for INT64_MIN. */
static void split_instant(int64_t t, int64_t *day, int64_t *sod)
{
    int64_t q = t / SECS_PER_DAY;
    int64_t r = t % SECS_PER_DAY;
    if (r < 0) {
        r += SECS_PER_DAY;
        q -= 1;
    }
    *day = q;
    *sod = r;
}

at_day_t at_day_from_civil(int y, unsigned m, unsigned d)
{
    return clamp_day(days_from_civil64(y, m, d));
}

void at_day_to_civil(at_day_t day, int *y, unsigned *m, unsigned *d)
{
    int64_t yy;
    unsigned mm, dd;
    civil_from_days64(day, &yy, &mm, &dd);
    /* |day| < 2^31 keeps the year within +-5.9 million: fits in int. */
    if (y)
        *y = (int)yy;
    if (m)
        *m = mm;
    if (d)
        *d = dd;
}

/* Read exactly n ASCII digits (isdigit would accept locale digits). */
static int fixed_digits(const char **pp, const char *end, int n, unsigned *out)
{
    const char *p = *pp;
    unsigned v = 0;
    if (end - p < n)
        return -1;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    *pp = p + n;
    *out = v;
    return 0;
}

/* Read between 1 and max ASCII digits; returns how many were read (0 if
 * none, -1 if more than max follow, which is never a valid field). */
static int var_digits(const char **pp, const char *end, int max, unsigned *out)
{
    const char *p = *pp;
    unsigned v = 0;
    int n = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (n == max)
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
        p++;
        n++;
    }
    *pp = p;
    *out = v;
    return n;
}

int at_day_parse(const char *s, at_day_t *out)
{
    if (!s || !out)
        return -1;
    size_t len = strnlen(s, 11);
    if (len != 10)
        return -1;
    const char *p = s, *end = s + len;
    unsigned y, m, d;
    if (fixed_digits(&p, end, 4, &y) || *p++ != '-' || fixed_digits(&p, end, 2, &m) ||
        *p++ != '-' || fixed_digits(&p, end, 2, &d))
        return -1;
    if (!valid_civil(y, m, d))
        return -1;
    *out = at_day_from_civil((int)y, m, d);
    return 0;
}

char *at_day_format(at_day_t day, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    if (day == AT_DAY_NONE) {
        buf[0] = '\0';
        return buf;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days64(day, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02u-%02u", (long long)y, m, d);
    return buf;
}

at_day_t at_day_from_unix(int64_t t)
{
    int64_t day, sod;
    split_instant(t, &day, &sod);
    return clamp_day(day);
}

at_day_t at_day_first_of_next_month(at_day_t day)
{
    if (day == AT_DAY_NONE)
        return AT_DAY_NONE;
    int64_t y;
    unsigned m, d;
    civil_from_days64(day, &y, &m, &d);
    if (m == 12) {
        y += 1;
        m = 1;
    } else {
        m += 1;
    }
    return clamp_day(days_from_civil64(y, m, 1));
}

at_day_t at_day_add_years(at_day_t day, int years)
{
    if (day == AT_DAY_NONE)
        return AT_DAY_NONE;
    int64_t y;
    unsigned m, d;
    civil_from_days64(day, &y, &m, &d);
    y += years;
    if (m == 2 && d == 29 && !is_leap(y)) {
        m = 3;
        d = 1;
    }
    return clamp_day(days_from_civil64(y, m, d));
}

/* --- timestamp parsing --------------------------------------------------- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char to_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Skip whitespace; returns how many characters were skipped. */
static size_t skip_space(const char **pp, const char *end)
{
    const char *p = *pp;
    while (p < end && is_space(*p))
        p++;
    size_t n = (size_t)(p - *pp);
    *pp = p;
    return n;
}

/* Read a run of ASCII letters, lowercased, into buf (size bufsize). Returns
 * its length, or -1 if it does not fit (no valid word is that long). */
static int read_word(const char **pp, const char *end, char *buf, size_t bufsize)
{
    const char *p = *pp;
    size_t n = 0;
    while (p < end && is_alpha(*p)) {
        if (n + 1 >= bufsize)
            return -1;
        buf[n++] = to_lower(*p++);
    }
    buf[n] = '\0';
    *pp = p;
    return (int)n;
}

/* Index in names[] whose full name or three-letter prefix equals word. */
static int match_name(const char *word, const char *const *names, int count)
{
    size_t len = strlen(word);
    for (int i = 0; i < count; i++) {
        if (strcmp(word, names[i]) == 0 || (len == 3 && strncmp(word, names[i], 3) == 0))
            return i;
    }
    return -1;
}

static const char *const month_names[12] = {"january",   "february", "march",    "april",
                                            "may",       "june",     "july",     "august",
                                            "september", "october",  "november", "december"};

static const char *const weekday_names[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                             "friday", "saturday", "sunday"};

/* Numeric zone offset after its sign: HHMM, HH:MM or HH; with `short_ok`
 * (after "GMT"/"UTC") also a single-digit H. Hours 0..23, minutes 0..59. */
static int parse_offset_digits(const char **pp, const char *end, int short_ok, int64_t *secs)
{
    const char *p = *pp;
    unsigned hh, mm = 0, v;
    int n = var_digits(&p, end, 4, &v);
    if (n == 4) {
        hh = v / 100;
        mm = v % 100;
    } else if (n == 2 || (n == 1 && short_ok)) {
        hh = v;
        if (p < end && *p == ':') {
            p++;
            if (fixed_digits(&p, end, 2, &mm))
                return -1;
        }
    } else {
        return -1;
    }
    if (hh > 23 || mm > 59)
        return -1;
    *secs = (int64_t)hh * 3600 + (int64_t)mm * 60;
    *pp = p;
    return 0;
}

/* A signed numeric offset "+HH:MM" etc.; *secs is east of UTC. */
static int parse_signed_offset(const char **pp, const char *end, int short_ok, int64_t *secs)
{
    const char *p = *pp;
    if (p >= end || (*p != '+' && *p != '-'))
        return -1;
    int neg = *p == '-';
    p++;
    int64_t s;
    if (parse_offset_digits(&p, end, short_ok, &s))
        return -1;
    *secs = neg ? -s : s;
    *pp = p;
    return 0;
}

/* A zone name as RFC 822/2822 and feeds write it, optionally followed by a
 * numeric offset for "GMT+2" / "UTC+05:30". Returns 0 and *secs east of UTC. */
static int parse_named_zone(const char **pp, const char *end, int64_t *secs)
{
    static const struct {
        const char *name;
        int hours;
    } zones[] = {
        {"ut", 0},   {"utc", 0},  {"gmt", 0},  {"z", 0},    {"est", -5}, {"edt", -4},
        {"cst", -6}, {"cdt", -5}, {"mst", -7}, {"mdt", -6}, {"pst", -8}, {"pdt", -7},
    };
    char word[8];
    const char *p = *pp;
    int n = read_word(&p, end, word, sizeof word);
    if (n <= 0)
        return -1;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (strcmp(word, zones[i].name) != 0)
            continue;
        *secs = (int64_t)zones[i].hours * 3600;
        if (zones[i].hours == 0 && n > 1 && p < end && (*p == '+' || *p == '-')) {
            if (parse_signed_offset(&p, end, 1, secs))
                return -1;
        }
        *pp = p;
        return 0;
    }
    /* RFC 2822 4.3: military single letters had their signs published
     * backwards, so their meaning is unknown; treat them as UTC ("-0000").
     * 'J' is not a zone. */
    if (n == 1 && word[0] != 'j') {
        *secs = 0;
        *pp = p;
        return 0;
    }
    return -1;
}

/* HH:MM[:SS[.fraction]] with ranges checked; hour may have one digit when
 * `short_hour` (RFC 822 feeds write "9:05"). Leap second 60 is accepted and
 * counted as the next second, as POSIX time does. */
static int parse_clock(const char **pp, const char *end, int short_hour, int64_t *secs)
{
    const char *p = *pp;
    unsigned hh, mm, ss = 0;
    int n = var_digits(&p, end, 2, &hh);
    if (n != 2 && !(n == 1 && short_hour))
        return -1;
    if (p >= end || *p++ != ':' || fixed_digits(&p, end, 2, &mm))
        return -1;
    if (p < end && *p == ':') {
        p++;
        if (fixed_digits(&p, end, 2, &ss))
            return -1;
        if (p < end && (*p == '.' || *p == ',')) {
            /* Fractions are truncated: instants are whole seconds. */
            p++;
            const char *start = p;
            while (p < end && *p >= '0' && *p <= '9')
                p++;
            if (p == start)
                return -1;
        }
    }
    if (hh > 23 || mm > 59 || ss > 60)
        return -1;
    *secs = (int64_t)hh * 3600 + (int64_t)mm * 60 + ss;
    *pp = p;
    return 0;
}

/* RFC 3339 / ISO 8601 extended: YYYY-MM-DD[(T|t|space)HH:MM[:SS[.f]][zone]] */
static int parse_iso(const char *p, const char *end, int64_t *out)
{
    unsigned y, m, d;
    if (fixed_digits(&p, end, 4, &y) || p >= end || *p++ != '-' || fixed_digits(&p, end, 2, &m) ||
        p >= end || *p++ != '-' || fixed_digits(&p, end, 2, &d))
        return -1;
    if (!valid_civil(y, m, d))
        return -1;
    int64_t t = days_from_civil64(y, m, d) * SECS_PER_DAY;
    if (p == end) {
        *out = t;
        return 0;
    }
    if (*p == 'T' || *p == 't')
        p++;
    else if (skip_space(&p, end) == 0)
        return -1;
    int64_t clock, offset = 0;
    if (parse_clock(&p, end, 0, &clock))
        return -1;
    /* Zone: none (taken as UTC), Z, numeric, or a UTC/GMT name; a space
     * before it is a common producer quirk. */
    skip_space(&p, end);
    if (p < end) {
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p == '+' || *p == '-') {
            if (parse_signed_offset(&p, end, 0, &offset))
                return -1;
        } else {
            char word[8];
            if (read_word(&p, end, word, sizeof word) <= 0 ||
                (strcmp(word, "utc") != 0 && strcmp(word, "gmt") != 0 && strcmp(word, "ut") != 0))
                return -1;
        }
    }
    if (p != end)
        return -1;
    *out = t + clock - offset;
    return 0;
}

/* RFC 822 / 2822 and feed variants:
 *   [weekday[,]] D[D] Mon YYYY [H]H:MM[:SS] [zone] [(comment)]
 * Fields are separated by whitespace; day, month and year may also be
 * joined by '-' ("03-Jul-2024"). */
static int parse_rfc822(const char *p, const char *end, int64_t *out)
{
    char word[16];
    if (p < end && is_alpha(*p)) {
        /* The weekday is checked to be a weekday name but not against the
         * date: feeds get it wrong often, and the date is what counts. */
        if (read_word(&p, end, word, sizeof word) <= 0 || match_name(word, weekday_names, 7) < 0)
            return -1;
        skip_space(&p, end);
        if (p < end && *p == ',')
            p++;
        skip_space(&p, end);
    }
    unsigned d, y;
    if (var_digits(&p, end, 2, &d) <= 0)
        return -1;
    char sep = p < end && *p == '-' ? '-' : ' ';
    if (sep == '-')
        p++;
    else if (skip_space(&p, end) == 0)
        return -1;
    /* "Sept" is a common abbreviation outside RFC 822's list. */
    if (read_word(&p, end, word, sizeof word) <= 0)
        return -1;
    int mi = strcmp(word, "sept") == 0 ? 8 : match_name(word, month_names, 12);
    if (mi < 0)
        return -1;
    if (sep == '-') {
        if (p >= end || *p++ != '-')
            return -1;
    } else if (skip_space(&p, end) == 0) {
        return -1;
    }
    int ny = var_digits(&p, end, 4, &y);
    if (ny == 2) /* RFC 2822 4.3: 00-49 -> 20xx, 50-99 -> 19xx */
        y += y < 50 ? 2000 : 1900;
    else if (ny == 3) /* RFC 2822 4.3: three digits -> add 1900 */
        y += 1900;
    else if (ny != 4)
        return -1;
    unsigned m = (unsigned)mi + 1;
    if (!valid_civil(y, m, d))
        return -1;
    int64_t t = days_from_civil64(y, m, d) * SECS_PER_DAY;
    /* A date without a time: midnight UTC, as for a bare RFC 3339 date. */
    if (p == end) {
        *out = t;
        return 0;
    }
    if (skip_space(&p, end) == 0)
        return -1;
    int64_t clock, offset = 0;
    if (parse_clock(&p, end, 1, &clock))
        return -1;
    skip_space(&p, end);
    if (p < end && *p != '(') {
        if (*p == '+' || *p == '-') {
            if (parse_signed_offset(&p, end, 0, &offset))
                return -1;
        } else if (parse_named_zone(&p, end, &offset)) {
            return -1;
        }
        skip_space(&p, end);
    }
    /* A trailing comment such as "(UTC)" or "(Pacific Daylight Time)"; its
     * content is informative only. It must close at the very end. */
    if (p < end && *p == '(') {
        if (end[-1] != ')' || end - p < 2)
            return -1;
        p = end;
    }
    if (p != end)
        return -1;
    *out = t + clock - offset;
    return 0;
}

int at_time_parse(const char *s, int64_t *out)
{
    if (!s || !out)
        return -1;
    const char *p = s, *end = s + strlen(s);
    skip_space(&p, end);
    while (end > p && is_space(end[-1]))
        end--;
    if (p == end)
        return -1;
    int64_t t;
    int rc;
    if (end - p >= 5 && p[4] == '-' && p[0] >= '0' && p[0] <= '9')
        rc = parse_iso(p, end, &t);
    else
        rc = parse_rfc822(p, end, &t);
    if (rc != 0 || t < AT_TIME_MIN || t > AT_TIME_MAX)
        return -1;
    *out = t;
    return 0;
}

char *at_time_format_rfc3339(int64_t t, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    int64_t day, sod, y;
    unsigned m, d;
    split_instant(t, &day, &sod);
    civil_from_days64(day, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
             (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60), (unsigned)(sod % 60));
    return buf;
}
