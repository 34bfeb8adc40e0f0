/*
 * at_utf8: the one UTF-8 decoder attache's own code uses.
 *
 * Strict well-formedness as in Unicode table 3-7: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF. Every module that
 * checks or walks UTF-8 by hand (JSON validation, feed charset detection,
 * HTML to text) calls these, so they all agree on what is valid.
 */
#ifndef AT_UTF8_H
#define AT_UTF8_H

#include <stddef.h>

/* Length (1..4) of the well-formed UTF-8 sequence at s, which has n >= 1
 * bytes left; 0 if the bytes there are not one. When cp is not NULL it
 * receives the code point (on success only). */
size_t at_utf8_decode(const unsigned char *s, size_t n, unsigned *cp);

/* Encode a code point (<= 0x10FFFF, not a surrogate) into out (4 bytes).
 * Returns the length; invalid code points are encoded as U+FFFD. */
size_t at_utf8_encode(unsigned cp, char *out);

/* 1 if the n bytes at s are entirely well-formed UTF-8, else 0. */
int at_utf8_valid(const char *s, size_t n);

#endif
