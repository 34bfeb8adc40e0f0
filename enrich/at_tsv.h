/*
 * at_tsv: strict reader for the reference-data tables under data/.
 *
 * The tables are hand-edited, reviewed in diffs and loaded into a daemon
 * that decides whether someone must be arrested, so the reader refuses
 * anything it is not sure it understood rather than guessing: every error
 * names the file and line ("data/countries.tsv:12: reason") and the caller
 * fails the whole load.
 *
 * Format (docs/data.md):
 *   - UTF-8 text (no byte order mark), lines end in LF or CR LF, and the last
 *     line must end in a newline too (a missing one means a truncated file);
 *   - lines starting with '#' are comments, empty lines are skipped;
 *   - the first other line is the header: exactly the expected column names,
 *     in order, separated by single tabs;
 *   - each row has exactly as many tab-separated fields as the header; no
 *     quoting, no escapes; no control characters; no field starts or ends
 *     with a space;
 *   - a line is at most AT_TSV_MAX_LINE bytes, a file at most
 *     AT_TSV_MAX_FILE bytes.
 *
 * It also holds the small helpers every table loader (at_gazetteer,
 * at_treaty, at_actors) needs: a table's path in the data directory, the
 * growth of a row array, and the identifier syntax of ids and keys.
 */
#ifndef AT_TSV_H
#define AT_TSV_H

#include <stddef.h>

#include "at_time.h"

/* Longest accepted line, in bytes, without its line ending. */
#define AT_TSV_MAX_LINE 4096
/* Largest accepted file, in bytes. The full world tables are well under
 * 1 MiB; anything near this limit is a wrong file, not data. */
#define AT_TSV_MAX_FILE (16u * 1024u * 1024u)

typedef struct at_tsv at_tsv_t;

/* Read the whole file at `path` and check its header against `columns`
 * (ncolumns names, in order). Returns the reader positioned before the
 * first row, or NULL with "path:line: reason" in err. Caller owns the
 * result and must destroy it. */
at_tsv_t *at_tsv_open(const char *path, const char *const *columns, size_t ncolumns, char *err,
                      size_t errlen);

/* Most columns at_tsv_open_compat handles. */
#define AT_TSV_MAX_COLUMNS 32

/* Open a table that gained columns after its first format, so that a
 * user's own tables keep loading. added[0..nadded) are the indices in
 * `columns` of the columns added since the first format, oldest first. A
 * file with the current header reads as with at_tsv_open; a file in an
 * earlier format (the current header without the last k added columns,
 * 1 <= k <= nadded) reads with the current column indices, each missing
 * column giving "" on every row, and errors name the current columns. A
 * file in none of the formats gets the current format's error. At most
 * AT_TSV_MAX_COLUMNS columns. */
at_tsv_t *at_tsv_open_compat(const char *path, const char *const *columns, size_t ncolumns,
                             const size_t *added, size_t nadded, char *err, size_t errlen);

/* Destroy; NULL-safe, nulls the caller's pointer. */
void at_tsv_destroy(at_tsv_t **self_p);

/* Advance to the next row. Returns 1 when a row is ready, 0 at the end of
 * the file, -1 with "path:line: reason" in err on a malformed line. */
int at_tsv_next(at_tsv_t *self, char *err, size_t errlen);

/* Field `col` of the current row (column order as passed to at_tsv_open).
 * The string lives until the next at_tsv_next or destroy; "" when empty. */
const char *at_tsv_field(const at_tsv_t *self, size_t col);

/* The current line number (1-based) and the path given to at_tsv_open. */
size_t at_tsv_line(const at_tsv_t *self);
const char *at_tsv_path(const at_tsv_t *self);

/* Format "path:line: <fmt...>" into err for the current line. Always
 * returns -1 so loaders can `return at_tsv_fail(...)`. */
int at_tsv_fail(const at_tsv_t *self, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Field `col` must be non-empty; returns 0, or -1 with an error naming
 * the column. */
int at_tsv_required(const at_tsv_t *self, size_t col, char *err, size_t errlen);

/* Parse field `col` as a "YYYY-MM-DD" civil day into *out. An empty field
 * gives AT_DAY_NONE when `optional`, an error otherwise. Returns 0 or -1
 * with an error naming the column. */
int at_tsv_day(const at_tsv_t *self, size_t col, int optional, at_day_t *out, char *err,
               size_t errlen);

/* Field `col` must be one of the n strings in `names`; *out is its index.
 * Returns 0 or -1 with an error listing the allowed values. */
int at_tsv_choice(const at_tsv_t *self, size_t col, const char *const *names, size_t n, int *out,
                  char *err, size_t errlen);

/* Check the two columns every table carries: `source` (non-empty) and
 * `checked_on` (a valid day). Returns 0 or -1 with an error. */
int at_tsv_provenance(const at_tsv_t *self, size_t source_col, size_t checked_col, char *err,
                      size_t errlen);

/* "dir/name": a table's path in the data directory, or NULL when out of
 * memory. Caller owns the result and must free it. */
char *at_tsv_join(const char *dir, const char *name);

/* Make room for element n in *arr, an array of *cap elements of `size`
 * bytes (doubling, from 32): the row arrays of the loaders. Returns 0, or
 * -1 when out of memory (*arr and *cap are then unchanged). */
int at_tsv_grow(void **arr, size_t *cap, size_t n, size_t size);

/* 1 when s is a non-empty [a-z0-9_]+ identifier (treaty ids, role names,
 * declaration keys), else 0. */
int at_tsv_is_identifier(const char *s);

/* Length of the valid UTF-8 prefix of s[0..len): len when all of it is
 * valid (no overlong forms, surrogates or code points above U+10FFFF). */
size_t at_tsv_utf8_valid(const unsigned char *s, size_t len);

#endif
