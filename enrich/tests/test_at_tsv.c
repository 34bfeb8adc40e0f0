/*
 * test_at_tsv: the strict TSV reader accepts exactly the documented format
 * and names file:line for every kind of malformed, truncated, oversized or
 * wrongly encoded input; the loaders' helpers (paths, row arrays,
 * identifiers) do what they promise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>

#include "at_testdata.h"
#include "at_tsv.h"

static const char *const cols[] = {"a", "b", "c"};

typedef struct {
    char *dir;
    char err[1024];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->dir = td_mkdtemp();
    assert_non_null(f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    td_rmdir(&f->dir);
    free(f);
    return 0;
}

/* Open t.tsv holding `content` (len bytes) and read it to the end.
 * Returns 0 when everything parsed, -1 on the first error (in f->err). */
static int parse(fixture_t *f, const char *content, size_t len, size_t *rows)
{
    char path[1024];
    assert_int_equal(td_write(f->dir, "t.tsv", content, len), 0);
    snprintf(path, sizeof path, "%s/t.tsv", f->dir);
    f->err[0] = '\0';
    at_tsv_t *t = at_tsv_open(path, cols, 3, f->err, sizeof f->err);
    if (!t)
        return -1;
    int rc;
    size_t n = 0;
    while ((rc = at_tsv_next(t, f->err, sizeof f->err)) == 1)
        n++;
    at_tsv_destroy(&t);
    assert_null(t);
    if (rows)
        *rows = n;
    return rc;
}

static int parse_str(fixture_t *f, const char *content)
{
    return parse(f, content, strlen(content), NULL);
}

static void expect_error(fixture_t *f, const char *content, size_t len, int line,
                         const char *reason)
{
    assert_int_equal(parse(f, content, len, NULL), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", line, reason));
}

/* For string literals that may hold NUL bytes. */
#define B(lit)                       lit, sizeof(lit) - 1
#define EXPECT(f, lit, line, reason) expect_error((f), B(lit), (line), (reason))

static void test_valid_file(void **state)
{
    fixture_t *f = *state;
    const char *s = "# comment before the header\n"
                    "\n"
                    "a\tb\tc\r\n"
                    "1\t\tthree\n"
                    "# a comment between rows\n"
                    "\n"
                    "x\ty\tz\r\n"
                    "Türkiye\t—\t\n";
    char path[1024];
    assert_int_equal(td_write_str(f->dir, "t.tsv", s), 0);
    snprintf(path, sizeof path, "%s/t.tsv", f->dir);
    at_tsv_t *t = at_tsv_open(path, cols, 3, f->err, sizeof f->err);
    assert_non_null(t);
    assert_string_equal(at_tsv_path(t), path);

    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 1);
    assert_int_equal(at_tsv_line(t), 4);
    assert_string_equal(at_tsv_field(t, 0), "1");
    assert_string_equal(at_tsv_field(t, 1), "");
    assert_string_equal(at_tsv_field(t, 2), "three");
    assert_int_equal(at_tsv_required(t, 1, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 4, "column 'b' must not be empty"));

    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 1);
    assert_int_equal(at_tsv_line(t), 7);
    assert_string_equal(at_tsv_field(t, 2), "z"); /* CR stripped */

    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 1);
    assert_int_equal(at_tsv_line(t), 8);
    assert_string_equal(at_tsv_field(t, 0), "Türkiye");
    assert_string_equal(at_tsv_field(t, 2), "");
    assert_string_equal(at_tsv_field(t, 99), ""); /* out of range is "" */

    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 0);
    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 0);
    at_tsv_destroy(&t);
    assert_null(t);
    at_tsv_destroy(&t); /* NULL-safe */
    at_tsv_destroy(NULL);
}

static void test_header_only_is_empty_table(void **state)
{
    fixture_t *f = *state;
    size_t rows = 99;
    assert_int_equal(parse(f, "a\tb\tc\n", 6, &rows), 0);
    assert_int_equal(rows, 0);
}

static void test_header_errors(void **state)
{
    fixture_t *f = *state;
    EXPECT(f, "", 1, "missing header");
    EXPECT(f, "# only\n# comments\n", 2, "missing header");
    EXPECT(f, "a\tx\tc\n", 1, "header column 2 must be 'b'");
    EXPECT(f, "a\tb\n", 1, "header column 3 must be 'c'");
    EXPECT(f, "a\tb\tc\td\n", 1, "header has 4 columns, expected 3");
    EXPECT(f, "\n# c\nb\ta\tc\n", 3, "header column 1 must be 'a'");
}

static void test_column_count(void **state)
{
    fixture_t *f = *state;
    const char *few = "a\tb\tc\n1\t2\t3\n1\t2\n";
    expect_error(f, few, strlen(few), 3, "expected 3 columns, found 2");
    const char *many = "a\tb\tc\n1\t2\t3\t4\n";
    expect_error(f, many, strlen(many), 2, "expected 3 columns, found 4");
    const char *one = "a\tb\tc\n# ok\njust one field\n";
    expect_error(f, one, strlen(one), 3, "expected 3 columns, found 1");
}

static void test_truncated(void **state)
{
    fixture_t *f = *state;
    const char *s = "a\tb\tc\n1\t2\t3\n4\t5\t6";
    expect_error(f, s, strlen(s), 3, "truncated");
    /* A header without its newline is truncated too. */
    EXPECT(f, "a\tb\tc", 1, "truncated");
}

static void test_long_line(void **state)
{
    fixture_t *f = *state;
    size_t n = AT_TSV_MAX_LINE + 100;
    char *s = malloc(n + 32);
    strcpy(s, "a\tb\tc\nx\ty\t");
    size_t len = strlen(s);
    memset(s + len, 'z', n);
    len += n;
    s[len++] = '\n';
    expect_error(f, s, len, 2, "line longer than 4096 bytes");

    /* Exactly the limit is fine. */
    len = strlen("a\tb\tc\nx\ty\t");
    memset(s + len, 'z', AT_TSV_MAX_LINE - 4);
    len += AT_TSV_MAX_LINE - 4;
    s[len++] = '\n';
    assert_int_equal(parse(f, s, len, NULL), 0);
    free(s);
}

static void test_file_too_large(void **state)
{
    fixture_t *f = *state;
    char path[1024];
    snprintf(path, sizeof path, "%s/t.tsv", f->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)AT_TSV_MAX_FILE + 1), 0); /* sparse: fast */
    close(fd);
    at_tsv_t *t = at_tsv_open(path, cols, 3, f->err, sizeof f->err);
    assert_null(t);
    assert_non_null(strstr(f->err, "file larger than"));
    assert_true(strncmp(f->err, path, strlen(path)) == 0);
}

static void test_missing_file(void **state)
{
    fixture_t *f = *state;
    char path[1024];
    snprintf(path, sizeof path, "%s/nope.tsv", f->dir);
    assert_null(at_tsv_open(path, cols, 3, f->err, sizeof f->err));
    assert_true(td_err_is(f->err, f->dir, "nope.tsv", 0, "cannot open"));
}

static void test_encoding(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *bytes;
        size_t len;
        const char *why;
    } bad[] = {
        {B("a\tb\tc\nx\t\xC3\x28\tz\n"), "invalid UTF-8 at byte 3"}, /* bad continuation */
        {B("a\tb\tc\nx\t\xC0\xAF\tz\n"), "invalid UTF-8"},           /* overlong '/' */
        {B("a\tb\tc\nx\t\xE0\x80\xAF\tz\n"), "invalid UTF-8"},       /* overlong 3-byte */
        {B("a\tb\tc\nx\t\xED\xA0\x80\tz\n"), "invalid UTF-8"},       /* surrogate */
        {B("a\tb\tc\nx\t\xF4\x90\x80\x80\tz\n"), "invalid UTF-8"},   /* > U+10FFFF */
        {B("a\tb\tc\nx\t\xF5\x80\x80\x80\tz\n"), "invalid UTF-8"},   /* F5 lead */
        {B("a\tb\tc\nx\t\xFF\tz\n"), "invalid UTF-8"},               /* FF */
        {B("a\tb\tc\nx\ty\t\xE2\x80\n"), "invalid UTF-8"},           /* cut sequence */
        {B("a\tb\tc\nx\ty\tz\x80\n"), "invalid UTF-8"},              /* lone continuation */
        {B("a\tb\tc\nx\t\0\tz\n"), "control character 0x00"},        /* NUL */
        {B("a\tb\tc\nx\t\x1b[0m\tz\n"), "control character 0x1b"},   /* escape */
        {B("a\tb\tc\nx\ty\x7f\tz\n"), "control character 0x7f"},     /* DEL */
        {B("a\tb\tc\nx\ty\rz\tw\n"), "stray carriage return"},       /* CR inside */
        {B("a\tb\tc\nx\ty\tz\r\r\n"), "stray carriage return"},      /* CR CR LF */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(f, bad[i].bytes, bad[i].len, 2, bad[i].why);
    /* A comment line is validated too: bad bytes anywhere are an error. */
    EXPECT(f, "a\tb\tc\n# \xFF\n", 2, "invalid UTF-8");
    /* UTF-16 (as a Windows editor may save it) fails on its NUL bytes. */
    EXPECT(f,
           "\xFF\xFE"
           "a\0\n\0",
           1, "invalid UTF-8");
    /* A byte order mark is refused with its own message. */
    EXPECT(f,
           "\xEF\xBB\xBF"
           "a\tb\tc\n",
           1, "byte order mark");
}

static void test_spaces(void **state)
{
    fixture_t *f = *state;
    const char *lead = "a\tb\tc\nx\t y\tz\n";
    expect_error(f, lead, strlen(lead), 2, "column 'b': leading or trailing space");
    const char *trail = "a\tb\tc\nx\ty\tz \n";
    expect_error(f, trail, strlen(trail), 2, "column 'c': leading or trailing space");
    /* Inner spaces are content. */
    assert_int_equal(parse_str(f, "a\tb\tc\nNew York\tx y z\t1\n"), 0);
}

static void test_field_helpers(void **state)
{
    fixture_t *f = *state;
    char path[1024];
    assert_int_equal(
        td_write_str(f->dir, "t.tsv", "a\tb\tc\n2024-02-29\t\tyes\n2023-02-29\tmaybe\t2024-1-01\n"),
        0);
    snprintf(path, sizeof path, "%s/t.tsv", f->dir);
    at_tsv_t *t = at_tsv_open(path, cols, 3, f->err, sizeof f->err);
    assert_non_null(t);
    static const char *const yn[] = {"no", "yes"};
    at_day_t d;
    int v;

    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 1);
    assert_int_equal(at_tsv_day(t, 0, 0, &d, f->err, sizeof f->err), 0);
    assert_int_equal(d, at_day_from_civil(2024, 2, 29));
    assert_int_equal(at_tsv_day(t, 1, 1, &d, f->err, sizeof f->err), 0);
    assert_int_equal(d, AT_DAY_NONE);
    assert_int_equal(at_tsv_day(t, 1, 0, &d, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 2, "column 'b' must not be empty"));
    assert_int_equal(at_tsv_choice(t, 2, yn, 2, &v, f->err, sizeof f->err), 0);
    assert_int_equal(v, 1);

    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 1);
    assert_int_equal(at_tsv_day(t, 0, 0, &d, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 3, "'2023-02-29' is not a valid YYYY-MM-DD"));
    assert_int_equal(at_tsv_day(t, 2, 1, &d, f->err, sizeof f->err), -1);
    assert_int_equal(at_tsv_choice(t, 1, yn, 2, &v, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 3, "'maybe' is not one of: no, yes"));
    assert_int_equal(at_tsv_provenance(t, 1, 0, f->err, sizeof f->err), -1);
    at_tsv_destroy(&t);
}

/* A table that gained column "b": the current format reads as usual; the
 * first one (without "b") reads with the current indices, "b" giving ""
 * and errors naming the current columns; anything else gets the current
 * format's error. */
static at_tsv_t *open_compat(fixture_t *f, const char *content)
{
    char path[1024];
    assert_int_equal(td_write_str(f->dir, "t.tsv", content), 0);
    snprintf(path, sizeof path, "%s/t.tsv", f->dir);
    f->err[0] = '\0';
    static const size_t added[] = {1};
    return at_tsv_open_compat(path, cols, 3, added, 1, f->err, sizeof f->err);
}

static void test_open_compat(void **state)
{
    fixture_t *f = *state;
    at_tsv_t *t = open_compat(f, "a\tb\tc\nx\ty\tz\n");
    assert_non_null(t);
    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 1);
    assert_string_equal(at_tsv_field(t, 1), "y");
    assert_string_equal(at_tsv_field(t, 2), "z");
    at_tsv_destroy(&t);

    t = open_compat(f, "# first format\na\tc\nx\tz\nx2\t z2\n");
    assert_non_null(t);
    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 1);
    assert_string_equal(at_tsv_field(t, 0), "x");
    assert_string_equal(at_tsv_field(t, 1), "");
    assert_string_equal(at_tsv_field(t, 2), "z");
    assert_string_equal(at_tsv_field(t, 3), "");
    at_day_t d;
    assert_int_equal(at_tsv_day(t, 1, 1, &d, f->err, sizeof f->err), 0);
    assert_int_equal(d, AT_DAY_NONE);
    assert_int_equal(at_tsv_required(t, 1, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 3, "column 'b' must not be empty"));
    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 4, "column 'c': leading or trailing space"));
    at_tsv_destroy(&t);

    /* A row of the first format in a current file, and the reverse. */
    t = open_compat(f, "a\tb\tc\nx\tz\n");
    assert_non_null(t);
    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 2, "expected 3 columns, found 2"));
    at_tsv_destroy(&t);
    t = open_compat(f, "a\tc\nx\ty\tz\n");
    assert_non_null(t);
    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 2, "expected 2 columns, found 3"));
    at_tsv_destroy(&t);

    /* Neither format: the current format's error. */
    assert_null(open_compat(f, "a\tx\n"));
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 1, "header column 2 must be 'b'"));
    assert_null(open_compat(f, "a\tc\tb\n"));
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 1, "header column 2 must be 'b'"));
    /* An added column out of range is just at_tsv_open. */
    char path[1024];
    snprintf(path, sizeof path, "%s/t.tsv", f->dir);
    static const size_t bad[] = {3};
    assert_null(at_tsv_open_compat(path, cols, 3, bad, 1, f->err, sizeof f->err));
}

/* A table that gained two columns, "d" (second format) and then "b"
 * (third): each of the three formats reads with the current indices;
 * a file with the newer column but not the older one is no format. */
static at_tsv_t *open_compat2(fixture_t *f, const char *content)
{
    static const char *const cols4[] = {"a", "b", "c", "d"};
    static const size_t added[] = {3, 1};
    char path[1024];
    assert_int_equal(td_write_str(f->dir, "t.tsv", content), 0);
    snprintf(path, sizeof path, "%s/t.tsv", f->dir);
    f->err[0] = '\0';
    return at_tsv_open_compat(path, cols4, 4, added, 2, f->err, sizeof f->err);
}

static void test_open_compat_two_added(void **state)
{
    fixture_t *f = *state;
    static const char *const want[][4] = {
        {"w", "x", "y", "z"}, /* current */
        {"w", "", "y", "z"},  /* second format, before b */
        {"w", "", "y", ""},   /* first format */
    };
    static const char *const files[] = {"a\tb\tc\td\nw\tx\ty\tz\n", "a\tc\td\nw\ty\tz\n",
                                        "a\tc\nw\ty\n"};
    for (size_t k = 0; k < 3; k++) {
        at_tsv_t *t = open_compat2(f, files[k]);
        assert_non_null(t);
        assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), 1);
        for (size_t c = 0; c < 4; c++)
            assert_string_equal(at_tsv_field(t, c), want[k][c]);
        at_tsv_destroy(&t);
    }
    /* Errors name the current columns in every format. */
    at_tsv_t *t = open_compat2(f, "a\tc\n\t \n");
    assert_non_null(t);
    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 2, "column 'c': leading or trailing space"));
    at_tsv_destroy(&t);
    t = open_compat2(f, "a\tc\td\nw\ty\t z\n");
    assert_non_null(t);
    assert_int_equal(at_tsv_next(t, f->err, sizeof f->err), -1);
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 2, "column 'd': leading or trailing space"));
    at_tsv_destroy(&t);
    /* b without d was never a format. */
    assert_null(open_compat2(f, "a\tb\tc\nw\tx\ty\n"));
    assert_true(td_err_is(f->err, f->dir, "t.tsv", 1, "header column 4 must be 'd'"));
}

static void test_utf8_validator(void **state)
{
    (void)state;
    const unsigned char ok[] = "plain Türkiye Ерд 中文 \xF0\x9F\x98\x80";
    assert_int_equal(at_tsv_utf8_valid(ok, sizeof ok - 1), sizeof ok - 1);
    assert_int_equal(at_tsv_utf8_valid((const unsigned char *)"ab\xC3", 3), 2);
    assert_int_equal(at_tsv_utf8_valid((const unsigned char *)"\xEF\xBF\xBF", 3), 3); /* U+FFFF */
    assert_int_equal(at_tsv_utf8_valid((const unsigned char *)"\xF4\x8F\xBF\xBF", 4), 4);
    assert_int_equal(at_tsv_utf8_valid((const unsigned char *)"x\xF0\x8F\xBF\xBF", 5), 1);
    assert_int_equal(at_tsv_utf8_valid((const unsigned char *)"", 0), 0);
}

/* The helpers the table loaders share. */
static void test_loader_helpers(void **state)
{
    (void)state;
    char *p = at_tsv_join("data", "roles.tsv");
    assert_string_equal(p, "data/roles.tsv");
    free(p);

    int *arr = NULL;
    size_t cap = 0;
    for (size_t n = 0; n < 100; n++) {
        assert_int_equal(at_tsv_grow((void **)&arr, &cap, n, sizeof *arr), 0);
        assert_true(n < cap);
        arr[n] = (int)n;
    }
    assert_int_equal(cap, 128);
    assert_int_equal(arr[99], 99);
    free(arr);

    assert_int_equal(at_tsv_is_identifier("rome_statute"), 1);
    assert_int_equal(at_tsv_is_identifier("art12_3"), 1);
    assert_int_equal(at_tsv_is_identifier(""), 0);
    assert_int_equal(at_tsv_is_identifier("Rome"), 0);
    assert_int_equal(at_tsv_is_identifier("head of state"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_only_is_empty_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_column_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_field_helpers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_compat_two_added, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_compat, setup, teardown),
        cmocka_unit_test(test_utf8_validator),
        cmocka_unit_test(test_loader_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
