/*
 * at_time: dates and instants for attache.
 *
 * attache is exact about time: every dated fact is a half-open interval of
 * civil days [start, end) in UTC, and every "as of" computation is done on the
 * item's reference date. This module parses the timestamp formats news
 * producers send (RFC 3339, RFC 822/2822 and their common broken variants),
 * formats RFC 3339 UTC, and does proleptic Gregorian day arithmetic without
 * touching the process time zone (no mktime, no TZ).
 */
#ifndef AT_TIME_H
#define AT_TIME_H

#include <stddef.h>
#include <stdint.h>

/* A civil day as a count of days since 1970-01-01 (may be negative). */
typedef int32_t at_day_t;

/* Sentinel for "no date". Sorts after every real day, so an open-ended
 * interval [start, AT_DAY_NONE) contains every later day. */
#define AT_DAY_NONE INT32_MAX

/* Days since 1970-01-01 for a proleptic Gregorian y-m-d. Does not validate
 * (an invalid m or d gives an unspecified day, never undefined behaviour);
 * results beyond the at_day_t range are clamped and never AT_DAY_NONE. */
at_day_t at_day_from_civil(int y, unsigned m, unsigned d);

/* Inverse of at_day_from_civil. Any of y, m, d may be NULL. */
void at_day_to_civil(at_day_t day, int *y, unsigned *m, unsigned *d);

/* Parse "YYYY-MM-DD" (exactly, whole string). Returns 0 and sets *out, or -1
 * if the text is not a valid calendar date (2023-02-29 is invalid). An empty
 * string is -1. */
int at_day_parse(const char *s, at_day_t *out);

/* Format a day as "YYYY-MM-DD" into buf (at least 11 bytes). Returns buf.
 * AT_DAY_NONE formats as "". Days outside years 0000..9999 are written with
 * more digits (or a sign) and truncated to len; len 0 writes nothing. */
char *at_day_format(at_day_t day, char *buf, size_t len);

/* Day of a Unix instant (seconds, UTC), rounding toward the past (-1 is
 * 1969-12-31). Clamped to the at_day_t range, never AT_DAY_NONE. */
at_day_t at_day_from_unix(int64_t t);

/* The first day of the month that follows day's month: 2002-04-11 ->
 * 2002-05-01, 2024-12-31 -> 2025-01-01 (Rome Statute art. 126 entry into
 * force). AT_DAY_NONE stays AT_DAY_NONE. */
at_day_t at_day_first_of_next_month(at_day_t day);

/* Same calendar day `years` years later (or earlier, if negative); Feb 29
 * maps to Mar 1 of a non-leap year (the convention used for "one year after
 * notification", art. 127). AT_DAY_NONE stays AT_DAY_NONE. */
at_day_t at_day_add_years(at_day_t day, int years);

/* Parse a timestamp as news producers write it into seconds since the Unix
 * epoch, UTC. Accepts:
 *   - RFC 3339 / ISO 8601: 2024-07-03T10:15:00Z, +02:00 / +0200 / +02
 *     offsets, fractional seconds (truncated), lowercase t/z, a space
 *     instead of T, missing seconds, no zone or a "UTC"/"GMT" suffix (both
 *     taken as UTC), and a bare date (midnight UTC);
 *   - RFC 822 / 2822: "Wed, 03 Jul 2024 10:15:00 +0000", optional weekday
 *     (full or abbreviated, not checked against the date, since feeds get
 *     it wrong), 2-, 3- or 4-digit years (RFC 2822 4.3 rules), a one-digit
 *     hour, missing seconds, missing time (midnight UTC), missing zone
 *     (UTC), "+00:00" offsets, obsolete zones (GMT, UT, UTC, Z, EST, EDT,
 *     CST, CDT, MST, MDT, PST, PDT; military letters treated as UTC as RFC
 *     2822 advises), "GMT+2"/"UTC+05:30", full month names and "Sept",
 *     "03-Jul-2024", and a trailing "(comment)".
 * Names are ASCII, case-insensitive and independent of the locale.
 * Leading/trailing whitespace is ignored. Second 60 (a leap second) counts
 * as the next second. Returns 0 and sets *out on success; -1 if the text is
 * not a recognizable, valid timestamp: out of range fields (month 13,
 * 2024-02-30, 25:00, offsets beyond +-23:59) and results outside years
 * 0000..9999 UTC are -1. */
int at_time_parse(const char *s, int64_t *out);

/* Format an instant as RFC 3339 UTC with second precision:
 * "2024-07-03T10:15:00Z" into buf (at least 21 bytes). Returns buf. Any
 * int64_t is safe; instants outside years 0000..9999 need more room and
 * are truncated to len. */
char *at_time_format_rfc3339(int64_t t, char *buf, size_t len);

#endif
