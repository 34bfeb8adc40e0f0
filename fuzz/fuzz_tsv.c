/*
 * fuzz_tsv: at_tsv, the strict reader under every reference-data table
 * (the .tsv files under data/), on arbitrary file bytes, driven the way the loaders drive
 * it (required fields, choices, optional days, provenance columns).
 *
 * Checks (at_tsv.h): every error is "path:line: reason"; every field of
 * every accepted row is valid UTF-8 without control characters, tabs, or
 * leading/trailing spaces; rows have exactly the header's columns; and
 * at_tsv_utf8_valid agrees with an independent validator (Unicode table
 * 3-7) on every prefix of the input.
 */
#include <string.h>

#include "at_fuzz.h"
#include "at_tsv.h"

static const char *const cols[] = {"code", "name", "kind", "day", "source", "checked_on"};
#define NCOLS (sizeof cols / sizeof cols[0])
static const char *const kinds[] = {"name", "demonym", "abbreviation"};

static at_fuzz_file_t *file;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    file = at_fuzz_file_new("table.tsv");
    return 0;
}

/* Length of the longest valid UTF-8 prefix, per Unicode 15 table 3-7. */
static size_t ref_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c <= 0x7F) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c == 0xE0) {
            k = 2, lo = 0xA0;
        } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
            k = 2;
        } else if (c == 0xED) {
            k = 2, hi = 0x9F;
        } else if (c == 0xF0) {
            k = 3, lo = 0x90;
        } else if (c >= 0xF1 && c <= 0xF3) {
            k = 3;
        } else if (c == 0xF4) {
            k = 3, hi = 0x8F;
        } else {
            return i;
        }
        if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xBF)
                return i;
        i += k + 1;
    }
    return n;
}

static void check_field(const char *f, size_t col)
{
    size_t n = strlen(f);
    AT_FUZZ_CHECK(ref_utf8((const uint8_t *)f, n) == n, "column %zu not UTF-8", col);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)f[i];
        AT_FUZZ_CHECK(c >= 0x20 && c != 0x7f, "column %zu has byte 0x%02x", col, c);
    }
    AT_FUZZ_CHECK(n == 0 || (f[0] != ' ' && f[n - 1] != ' '), "column %zu has edge spaces", col);
}

static void check_err(const char *err, const char *path)
{
    size_t n = strlen(path);
    AT_FUZZ_CHECK(strncmp(err, path, n) == 0 && err[n] == ':', "error without path:line: %s", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The validator on its own, against the reference, on a few prefixes. */
    for (size_t cut = size; cut > 0 && size - cut < 8; cut--)
        AT_FUZZ_CHECK(at_tsv_utf8_valid(data, cut) == ref_utf8(data, cut), "utf8_valid(%zu) %zu",
                      cut, at_tsv_utf8_valid(data, cut));
    AT_FUZZ_CHECK(at_tsv_utf8_valid(data, 0) == 0, "empty is valid");

    at_fuzz_file_set(file, data, size);
    const char *path = at_fuzz_file_path(file);
    char err[512] = "";
    at_tsv_t *t = at_tsv_open(path, cols, NCOLS, err, sizeof err);
    if (!t) {
        check_err(err, path);
        return 0;
    }
    AT_FUZZ_CHECK(strcmp(at_tsv_path(t), path) == 0, "path not kept");
    int rc;
    size_t rows = 0, last_line = at_tsv_line(t);
    while ((rc = at_tsv_next(t, err, sizeof err)) == 1) {
        rows++;
        AT_FUZZ_CHECK(at_tsv_line(t) > last_line, "line number did not advance");
        last_line = at_tsv_line(t);
        for (size_t c = 0; c < NCOLS; c++)
            check_field(at_tsv_field(t, c), c);
        AT_FUZZ_CHECK(at_tsv_field(t, NCOLS)[0] == '\0', "field past the last column");
        /* What the loaders ask of a row; failures are per-row errors. */
        int kind;
        at_day_t day;
        if (at_tsv_required(t, 0, err, sizeof err) != 0 ||
            at_tsv_choice(t, 2, kinds, 3, &kind, err, sizeof err) != 0 ||
            at_tsv_day(t, 3, 1, &day, err, sizeof err) != 0 ||
            at_tsv_provenance(t, 4, 5, err, sizeof err) != 0)
            check_err(err, path);
        else
            AT_FUZZ_CHECK(kind >= 0 && kind < 3, "choice %d", kind);
        AT_FUZZ_CHECK(at_tsv_fail(t, err, sizeof err, "x %s", "y") == -1, "fail != -1");
        check_err(err, path);
    }
    if (rc != 0) {
        AT_FUZZ_CHECK(rc == -1, "at_tsv_next returned %d", rc);
        check_err(err, path);
    }
    at_tsv_destroy(&t);
    AT_FUZZ_CHECK(t == NULL, "destroy did not null the pointer");
    return 0;
}
