/*
 * at_context: the words around a match, for the disambiguation rules of
 * the enrichment engine (docs/data.md, "Ambiguity" and "Matching").
 *
 * Everything here looks at one segment of an item (its title, or its
 * body) as UTF-8 bytes, around a match at seg[off .. off+len):
 *   - cue words (`context:` / `against:` cues of aliases.tsv and
 *     places.tsv), found as whole words, nearest first, within a window
 *     or anywhere in the segment;
 *   - the neighbouring words, and whether one of them looks like a
 *     person's name ("Chad Daybell", "Michael Jordan");
 *   - an office title right before a name ("President", "Prime
 *     Minister", "Secretary of State");
 *   - a demonym used as a language name ("Spanish language",
 *     "French-speaking", "written in Persian.");
 *   - ALL-CAPS surroundings ("TELL US WHY"), where letter case cannot
 *     tell "US" from "us";
 *   - Title Case headlines, where a capital letter says nothing.
 * The functions are pure and read-only; they never allocate.
 */
#ifndef AT_CONTEXT_H
#define AT_CONTEXT_H

#include <stddef.h>

/* How far (bytes, each side) a cue counts as "near" a match: about a
 * sentence or two of news prose. */
#define AT_CONTEXT_WINDOW 150

/* Whether the cue word cue[0..cuelen) occurs in seg[0..len) as whole
 * words, and where the nearest occurrence is relative to the match at
 * [off, off+mlen): its distance in bytes (0 when it overlaps the match,
 * as "Northern Irish" overlaps "Irish") goes to *dist. Only occurrences
 * within `window` bytes count; window SIZE_MAX searches the whole
 * segment. A cue written in lower case also matches with a capital first
 * letter ("county" in "Fulton County"); any other cue matches as written. */
int at_context_cue_near(const char *seg, size_t len, size_t off, size_t mlen, const char *cue,
                        size_t cuelen, size_t window, size_t *dist);

/* The word right before seg[off] (separated by exactly one space or
 * NBSP, on the same line) or right after seg[end] (the same). A word is a
 * run of word characters, apostrophes, hyphens and a final '.'; 0 when
 * there is none, else 1 with its start and length. */
int at_context_prev_word(const char *seg, size_t off, size_t *start, size_t *wlen);
int at_context_next_word(const char *seg, size_t len, size_t end, size_t *start, size_t *wlen);

/* Whether w[0..n) looks like part of a person's name: a capital letter
 * then at least one lower-case letter ("Daybell", "Adesanya", "Łukasz"),
 * not a possessive ("Russia's"), and not a capitalised function word,
 * office title, month, weekday, compass word or common noun of
 * institution names ("The", "President", "Monday", "Northern",
 * "Agreement", "Airways"): see the list in at_context.c. An initial
 * ("J.") is not name-like either. */
int at_context_name_like(const char *w, size_t n);

/* Whether seg[0..len) is a Title Case headline: at least three words,
 * and at least 70% of the words of four or more letters start with a
 * capital. There a capital letter cannot mark a name. */
int at_context_title_case(const char *seg, size_t len);

/* Office titles that may stand right before a name. */
typedef struct {
    const char *phrase;  /* as it appears in text, e.g. "Prime Minister" */
    const char *in_role; /* a role title containing this (case-insensitive) matches... */
    const char *role_id; /* ...or a role with this id (NULL: none) */
    int strong;          /* names an office ("President"), not just "Mr" */
} at_title_t;

/* The office title that ends right before seg[off] (one space between,
 * case-insensitive for the first letter of each word: "President",
 * "president", "Prime Minister", "prime minister"), or NULL. */
const at_title_t *at_context_title_before(const char *seg, size_t off);

/* Whether that title names an office (`strong`) and is marked as past:
 * preceded by "former", "then", "late" or "ex" (a word, or glued with a
 * hyphen: "ex-President", "then-Foreign Secretary"; case-insensitive). 0
 * without such a title. */
int at_context_title_past(const char *seg, size_t off);

/* Whether the demonym at seg[off .. off+mlen) names a language or a
 * cuisine rather than the country: followed by "language(s)",
 * "-language", "speaking", "-speaking", "speaker(s)", "dialect(s)",
 * "cuisine", "food", "translation", "subtitles", "alphabet" or "script";
 * or it is the object of "in", "into", "speak(s)", "spoke", "speaking"
 * or "fluent in" and ends the phrase (followed by punctuation, a line end
 * or the end of the segment): "translated into Spanish.". */
int at_context_language_use(const char *seg, size_t len, size_t off, size_t mlen);

/* Whether the match sits in ALL-CAPS text: the words on both sides
 * (where there is one) have letters and none in lower case, and there
 * is at least one such word. */
int at_context_all_caps_around(const char *seg, size_t len, size_t off, size_t mlen);

#endif
