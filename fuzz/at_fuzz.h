/*
 * at_fuzz: what every fuzz target under fuzz/ shares (docs/fuzzing.md).
 *
 * Each fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput and is built two
 * ways from the same source: as a libFuzzer binary (-DATTACHE_FUZZ=ON,
 * clang) and, in every normal build, linked with replay_main.c into
 * replay_<name>, which ctest runs over fuzz/corpus/<name>/ plus a fixed
 * set of deterministic mutations. Nothing here may depend on which of the
 * two drivers is calling.
 *
 * The helpers cover the two things decoders need that a byte buffer is
 * not: a file path (at_config, at_tsv and at_enrich read files by name)
 * and the reference data directory; and the round-trip check of news
 * items.
 */
#ifndef AT_FUZZ_H
#define AT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The libFuzzer entry points. Targets define the first; the second is
 * optional (replay_main.c calls it when a target defines it). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property the code under test promised was broken: print why and
 * abort(), which libFuzzer and the replay driver both report as a crash
 * with the input that caused it. Use for contract violations, never for
 * inputs that are merely invalid. */
#define AT_FUZZ_CHECK(cond, ...)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz check failed: %s: ", __FILE__, __LINE__, #cond);          \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A file whose contents a target replaces on every input, reachable by a
 * path. Backed by a memfd (path /proc/self/fd/N) where the kernel has
 * them, else by a temporary file under $TMPDIR that is removed at exit. */
typedef struct at_fuzz_file at_fuzz_file_t;

/* Create one; aborts on failure (a broken harness must not look like a
 * passing run). Lives until the process exits. */
at_fuzz_file_t *at_fuzz_file_new(const char *name);

/* Replace the contents with data[0..size). Aborts on I/O errors. */
void at_fuzz_file_set(at_fuzz_file_t *f, const uint8_t *data, size_t size);

/* The path to open it by. */
const char *at_fuzz_file_path(const at_fuzz_file_t *f);

/* The reference data directory: $ATTACHE_DATA_DIR, else the source tree's
 * data/ (compiled in as AT_FUZZ_DEFAULT_DATA_DIR). */
const char *at_fuzz_data_dir(void);

/* A NUL-terminated malloc'd copy of data[0..size) (embedded NULs stay and
 * simply end the C string early). Aborts on allocation failure. */
char *at_fuzz_strndup(const uint8_t *data, size_t size);

/* 1 when a and b hold the same text, NULL counting as "" (a protobuf-c
 * string may be either), else 0. */
int at_fuzz_same_str(const char *a, const char *b);

/* The round-trip check of a NewsItem: abort (as AT_FUZZ_CHECK) unless a
 * and b have the same id, url, title, body, summary, source, language,
 * guid, published, fetched, authors, categories and enclosures. `what`
 * names the round trip in the report. */
struct Attache__V1__NewsItem;
void at_fuzz_check_same_item(const struct Attache__V1__NewsItem *a,
                             const struct Attache__V1__NewsItem *b, const char *what);

#endif
