/*
 * at_ac: Aho–Corasick multi-pattern search over bytes. The states near
 * the root are compiled to a DFA (one table lookup per input byte, no
 * failure-link walking); the deeper states, where a scan of news text
 * spends a few per cent of its bytes, keep their trie children and walk
 * failure links.
 *
 * Written by hand rather than taken from a library: Debian's vectorscan
 * (libvectorscan-dev) is the alternative, and docs/enrich-bench.md records
 * the measurement behind the choice (faster inside attache, 20x quicker
 * to build, no extra runtime dependency). The matcher here reports every
 * occurrence of every pattern, including overlapping ones and patterns
 * that are suffixes of others; choosing among them (leftmost-longest,
 * whole words, case rules) is the caller's job (at_match).
 *
 * Size: the alphabet is compressed to the bytes that occur in some
 * pattern (plus one class for all other bytes). The states up to the dense
 * depth hold a full row (classes × 4 bytes); deeper states hold their trie
 * children and a failure link, about 20 bytes each (at_ac.c). For the
 * 7,424 folded spellings of session 9: 9,354 of 53,734 states have a row
 * (85 classes), 3.2 MB instead of 18.3 MB.
 */
#ifndef AT_AC_H
#define AT_AC_H

#include <stddef.h>
#include <stdint.h>

typedef struct at_ac at_ac_t;

/* Called for every occurrence, in order of its end offset: the match is
 * text[end - len, end) and value is what the pattern was added with. */
typedef void(at_ac_fn)(void *arg, size_t end, size_t len, uint32_t value);

/* New empty automaton. NULL on allocation failure. */
at_ac_t *at_ac_new(void);

/* Destroy; NULL-safe, nulls the caller's pointer. */
void at_ac_destroy(at_ac_t **self_p);

/* States up to this many bytes deep get a full transition row; deeper
 * ones a list of children. Any depth gives the same matches: a larger one
 * trades memory and build time for scan speed on text that goes deep into
 * patterns. Set before compile; returns 0, or -1 after compile. */
#define AT_AC_DENSE_DEPTH 5
int at_ac_set_dense_depth(at_ac_t *self, unsigned depth);

/* Add a pattern (copied, 1..AT_AC_MAX_PATTERN bytes). The same bytes may
 * be added more than once; every copy is reported. Returns 0, or -1 on an
 * empty or over-long pattern, allocation failure, or after compile. */
#define AT_AC_MAX_PATTERN 1024
int at_ac_add(at_ac_t *self, const char *pattern, size_t len, uint32_t value);

/* Build the automaton; call once after the last add. Returns 0 or -1 on
 * allocation failure (or when called twice). */
int at_ac_compile(at_ac_t *self);

/* Scan text[0..len) and call fn for each occurrence. Returns the number of
 * occurrences. Read-only on the automaton: concurrent scans are safe. */
size_t at_ac_scan(const at_ac_t *self, const char *text, size_t len, at_ac_fn *fn, void *arg);

/* Patterns added, states (all, and those with a full row), byte classes,
 * and bytes of heap the automaton holds (for metrics and the benchmark). */
size_t at_ac_pattern_count(const at_ac_t *self);
size_t at_ac_state_count(const at_ac_t *self);
size_t at_ac_dense_count(const at_ac_t *self);
size_t at_ac_class_count(const at_ac_t *self);
size_t at_ac_memory(const at_ac_t *self);

#endif
