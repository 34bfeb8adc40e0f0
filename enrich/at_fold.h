/*
 * at_fold: fold UTF-8 text for matching, with a map back to the original.
 *
 * Folding makes "ERDOĞAN", "Erdoğan" and "Erdogan" the same bytes, so one
 * alias matches all three. Each code point is decomposed for compatibility
 * (NFKD: ligatures, full-width forms, NBSP become their plain forms), case
 * folded (Unicode full case folding: "ß" becomes "ss"), and stripped of
 * combining marks (diacritics). A few letters that carry no decomposition
 * in Unicode but that news text writes both ways are mapped by hand:
 * dotless ı → i, ł → l, ø → o, đ → d, and typographic apostrophes and
 * hyphens become ASCII ' and - ("Côte d’Ivoire", "Guinea‑Bissau").
 *
 * Bytes that are not valid UTF-8 are copied through unchanged, so folding
 * never fails on bad input and garbage never turns into a word.
 *
 * The map: for every byte i of the folded text, map[i] is the offset in
 * the original text of the code point it came from, and map[len] is the
 * original length. A match on folded bytes [s, e) covers the original
 * bytes [map[s], map[e]) — the original span, whatever folding did.
 *
 * Patterns and text must be folded by the same function; at_fold_str does
 * it for short strings without the map.
 */
#ifndef AT_FOLD_H
#define AT_FOLD_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *text;    /* folded bytes, NUL-terminated */
    size_t len;    /* folded length */
    uint32_t *map; /* len + 1 offsets into the original */
    size_t cap;    /* capacity of text and map, in bytes/entries */
} at_fold_t;

/* Largest input at_fold accepts (offsets are 32-bit). */
#define AT_FOLD_MAX_INPUT ((size_t)UINT32_MAX - 1)

/* Fold text[0..len) into f, reusing f's buffers (start from a zeroed
 * at_fold_t). Returns 0, or -1 on allocation failure or an input over
 * AT_FOLD_MAX_INPUT (f is then empty). */
int at_fold(at_fold_t *f, const char *text, size_t len);

/* Free f's buffers and zero it. */
void at_fold_free(at_fold_t *f);

/* Fold s[0..len) into a new NUL-terminated string (caller frees); *outlen
 * gets its length. NULL on allocation failure. */
char *at_fold_str(const char *s, size_t len, size_t *outlen);

#endif
