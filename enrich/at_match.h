/*
 * at_match: whole-word, leftmost-longest multi-pattern matching over UTF-8
 * text, insensitive to diacritics and compatibility forms, exact about
 * case.
 *
 * Text and patterns are folded (at_fold: NFKD, case folding, marks
 * stripped) and searched with one Aho–Corasick automaton (at_ac). Every
 * occurrence is then checked on the original text:
 *   - whole word: the character before and the character after it are not
 *     word characters;
 *   - case: its letters have the case of the pattern's letters, one by
 *     one (diacritics ignored). So "Erdogan" and "Erdoğan" match the
 *     pattern "Erdoğan", but "turkey" does not match "Turkey" and "us" does
 *     not match "US". A case rule that also accepts ALL CAPS is written by
 *     adding the capitals as a second pattern (at_match_add_spelling).
 *
 * Word characters are ASCII letters and digits and every non-ASCII code
 * point whose Unicode category is a letter, mark or number (utf8proc).
 * Non-ASCII punctuation and spaces (’ “ ” — – NBSP) are boundaries, because
 * news text writes "Putin’s" and "Kyiv—" far more often than not; bytes that
 * are not valid UTF-8 count as word characters, so nothing matches next to
 * garbage.
 *
 * Leftmost-longest: among the occurrences that pass, the earliest start
 * wins and, there, the longest, then the scan continues after it. So
 * "Papua New Guinea" never also yields "Guinea", and "Nigeria" never
 * yields "Niger" (no word boundary after "Niger"). Two patterns at the same
 * span (spellings that fold alike) resolve to the one written exactly as
 * in the text, else the one added first.
 */
#ifndef AT_MATCH_H
#define AT_MATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct at_match at_match_t;

/* Called once per match, in text order: byte offset and length of the
 * match, and the value the pattern was added with. */
typedef void(at_match_fn)(void *arg, size_t offset, size_t len, uint32_t value);

/* New empty matcher. Caller owns the result and must destroy it. NULL on
 * allocation failure. */
at_match_t *at_match_new(void);

/* Destroy; NULL-safe, nulls the caller's pointer. */
void at_match_destroy(at_match_t **self_p);

/* Add a pattern (copied; len bytes, 1..255 bytes) with a caller-chosen
 * value. Returns 0, or -1 on an empty/over-long pattern, allocation
 * failure, or when the matcher is already compiled. */
int at_match_add(at_match_t *self, const char *pattern, size_t len, uint32_t value);

/* Add a spelling with a case rule: as written and, when `caps`, also in
 * ALL CAPS ("Moscow" and "MOSCOW", "Erdoğan" and "ERDOĞAN"), both with the
 * same value. Returns 0 or -1 as at_match_add. */
int at_match_add_spelling(at_match_t *self, const char *s, size_t len, int caps, uint32_t value);

/* Prepare for scanning; must be called once after the last add. Returns 0,
 * or -1 when two patterns are byte-identical, with their values in dup[0]
 * and dup[1] so the caller can name both origins. */
int at_match_compile(at_match_t *self, uint32_t dup[2]);

/* Number of patterns added. */
size_t at_match_count(const at_match_t *self);

/* Scan text[0..len) and call fn for every match. Returns the number of
 * matches, or AT_MATCH_ERROR (before any call of fn) when memory for the
 * folded text ran out. Safe on any bytes (invalid UTF-8, NULs); read-only,
 * so concurrent scans of one compiled matcher are safe. */
#define AT_MATCH_ERROR ((size_t)-1)
size_t at_match_scan(const at_match_t *self, const char *text, size_t len, at_match_fn *fn,
                     void *arg);

/* Why s[0..len) can never match as a whole word, or NULL when it can be a
 * pattern: it must be 1..255 bytes, start with a word character, and end
 * with one or with '.' (abbreviations such as "U.S."). Loaders use this to
 * reject aliases that would silently never match. */
const char *at_match_pattern_problem(const char *s, size_t len);

/* Whether the character that starts at text[i] / ends just before text[i]
 * is a word character (false at the ends of the text). */
int at_match_word_at(const char *text, size_t len, size_t i);
int at_match_word_before(const char *text, size_t i);

#endif
