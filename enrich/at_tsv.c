/*
 * at_tsv: strict reader for the reference-data tables (see at_tsv.h).
 *
 * The file is read whole (it is small and bounded by AT_TSV_MAX_FILE) and
 * split in place: each line is validated completely before any of its
 * fields is handed out, so a loader never sees half a bad row. The
 * loaders' shared helpers (paths, row arrays, identifiers) are at the end.
 */
#include "at_tsv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "at_err.h"

struct at_tsv {
    char *path;
    char *buf;                /* whole file, NUL-terminated, split in place */
    size_t size;              /* bytes in buf (without the terminator) */
    size_t pos;               /* start of the next unread line */
    size_t line;              /* number of the current line (1-based) */
    size_t ncols;             /* columns per row in the file */
    const char *const *names; /* the current format's column names */
    const char **fields;      /* ncols pointers into buf */
    uint32_t absent;          /* bit i: the file lacks current column i */
};

/* The current format's index of the file's column i: the i-th column
 * that is not absent. */
static size_t current_col(const at_tsv_t *self, size_t i)
{
    size_t c = 0;
    for (;; c++) {
        if (c < 32 && (self->absent >> c) & 1u)
            continue;
        if (i-- == 0)
            return c;
    }
}

size_t at_tsv_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned long cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i; /* continuation byte as lead, C0/C1 overlong leads, F5..FF */
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        /* Overlong three- and four-byte forms, UTF-16 surrogates, and
         * code points past the Unicode range are all invalid UTF-8. */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

static void vformat(const at_tsv_t *self, size_t line, char *err, size_t errlen, const char *fmt,
                    va_list ap)
{
    if (!err || errlen == 0)
        return;
    int n = snprintf(err, errlen, "%s:%zu: ", self->path, line);
    if (n < 0 || (size_t)n >= errlen)
        return;
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

int at_tsv_fail(const at_tsv_t *self, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(self, self->line, err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Read at most AT_TSV_MAX_FILE bytes; one more means the file is too big. */
static int slurp(at_tsv_t *self, char *err, size_t errlen)
{
    FILE *f = fopen(self->path, "rb");
    if (!f) {
        at_err_set(err, errlen, "%s:0: cannot open: %s", self->path, strerror(errno));
        return -1;
    }
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        at_err_set(err, errlen, "%s:0: out of memory", self->path);
        return -1;
    }
    for (;;) {
        if (len == cap) {
            if (cap > AT_TSV_MAX_FILE)
                break;
            size_t ncap = cap * 2;
            char *nbuf = realloc(buf, ncap + 1);
            if (!nbuf) {
                free(buf);
                fclose(f);
                at_err_set(err, errlen, "%s:0: out of memory", self->path);
                return -1;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        at_err_set(err, errlen, "%s:0: read error", self->path);
        return -1;
    }
    if (len > AT_TSV_MAX_FILE) {
        size_t lines = 1;
        for (size_t i = 0; i < AT_TSV_MAX_FILE; i++)
            lines += buf[i] == '\n';
        free(buf);
        at_err_set(err, errlen, "%s:%zu: file larger than %u bytes", self->path, lines,
                   AT_TSV_MAX_FILE);
        return -1;
    }
    buf[len] = '\0';
    self->buf = buf;
    self->size = len;
    return 0;
}

/* Take the next physical line, validate it as text, and NUL-terminate it.
 * Returns 1 with *line set, 0 at end of file, -1 on error. */
static int next_line(at_tsv_t *self, char **line, size_t *len, char *err, size_t errlen)
{
    if (self->pos >= self->size)
        return 0;
    self->line++;
    char *start = self->buf + self->pos;
    size_t avail = self->size - self->pos;
    char *nl = memchr(start, '\n', avail);
    if (!nl)
        return at_tsv_fail(self, err, errlen, "truncated: last line has no newline");
    size_t n = (size_t)(nl - start);
    self->pos += n + 1;
    if (n > 0 && start[n - 1] == '\r')
        n--;
    if (n > AT_TSV_MAX_LINE)
        return at_tsv_fail(self, err, errlen, "line longer than %d bytes", AT_TSV_MAX_LINE);
    if (self->line == 1 && n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0)
        return at_tsv_fail(self, err, errlen, "UTF-8 byte order mark is not allowed");
    /* Encoding first: a file in another encoding (UTF-16, Latin-1) should
     * be reported as such, not by whichever odd byte comes first. */
    size_t ok = at_tsv_utf8_valid((const unsigned char *)start, n);
    if (ok != n)
        return at_tsv_fail(self, err, errlen, "invalid UTF-8 at byte %zu", ok + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)start[i];
        if (c == '\r')
            return at_tsv_fail(self, err, errlen, "stray carriage return at byte %zu", i + 1);
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return at_tsv_fail(self, err, errlen, "control character 0x%02x at byte %zu", c, i + 1);
    }
    start[n] = '\0';
    *line = start;
    *len = n;
    return 1;
}

/* Next line that is neither empty nor a comment, split into fields. */
static int next_record(at_tsv_t *self, size_t *nfields, char *err, size_t errlen)
{
    char *line = NULL;
    size_t len = 0;
    for (;;) {
        int rc = next_line(self, &line, &len, err, errlen);
        if (rc <= 0)
            return rc;
        if (len > 0 && line[0] != '#')
            break;
    }
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *tab = strchr(p, '\t');
        if (n < self->ncols)
            self->fields[n] = p;
        n++;
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    *nfields = n;
    return 1;
}

at_tsv_t *at_tsv_open(const char *path, const char *const *columns, size_t ncolumns, char *err,
                      size_t errlen)
{
    if (!path || !columns || ncolumns == 0) {
        at_err_set(err, errlen, "at_tsv_open: invalid arguments");
        return NULL;
    }
    at_tsv_t *self = calloc(1, sizeof *self);
    if (!self) {
        at_err_set(err, errlen, "%s:0: out of memory", path);
        return NULL;
    }
    self->path = strdup(path);
    self->fields = calloc(ncolumns, sizeof *self->fields);
    self->ncols = ncolumns;
    self->names = columns;
    self->absent = 0;
    if (!self->path || !self->fields) {
        at_err_set(err, errlen, "%s:0: out of memory", path);
        at_tsv_destroy(&self);
        return NULL;
    }
    if (slurp(self, err, errlen) != 0) {
        at_tsv_destroy(&self);
        return NULL;
    }
    size_t n;
    int rc = next_record(self, &n, err, errlen);
    if (rc < 0) {
        at_tsv_destroy(&self);
        return NULL;
    }
    if (rc == 0) {
        /* The header is what tells us the file is the table we expect; an
         * empty file is as wrong as a wrong file. */
        at_err_set(err, errlen, "%s:%zu: missing header line", path, self->line ? self->line : 1);
        at_tsv_destroy(&self);
        return NULL;
    }
    for (size_t i = 0; i < ncolumns; i++) {
        if (i >= n || strcmp(self->fields[i], columns[i]) != 0) {
            at_tsv_fail(self, err, errlen, "header column %zu must be '%s'", i + 1, columns[i]);
            at_tsv_destroy(&self);
            return NULL;
        }
    }
    if (n != ncolumns) {
        at_tsv_fail(self, err, errlen, "header has %zu columns, expected %zu", n, ncolumns);
        at_tsv_destroy(&self);
        return NULL;
    }
    return self;
}

at_tsv_t *at_tsv_open_compat(const char *path, const char *const *columns, size_t ncolumns,
                             const size_t *added, size_t nadded, char *err, size_t errlen)
{
    at_tsv_t *self = at_tsv_open(path, columns, ncolumns, err, errlen);
    if (self || ncolumns > AT_TSV_MAX_COLUMNS || nadded >= ncolumns)
        return self;
    for (size_t i = 0; i < nadded; i++)
        if (added[i] >= ncolumns)
            return NULL;
    /* Older formats, newest first: the current header without the last
     * k added columns. Their names go on the stack (no allocation), so a
     * failure here can only mean the file is in none of the formats, and
     * the current format's error stands. */
    uint32_t absent = 0;
    for (size_t k = nadded; k-- > 0;) {
        const char *older[AT_TSV_MAX_COLUMNS];
        size_t n = 0;
        absent |= 1u << added[k];
        for (size_t i = 0; i < ncolumns; i++)
            if (!((absent >> i) & 1u))
                older[n++] = columns[i];
        char err1[256];
        self = at_tsv_open(path, older, n, err1, sizeof err1);
        if (self) {
            self->names = columns;
            self->absent = absent;
            return self;
        }
    }
    return NULL;
}

void at_tsv_destroy(at_tsv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_tsv_t *self = *self_p;
    free(self->path);
    free(self->buf);
    free(self->fields);
    free(self);
    *self_p = NULL;
}

int at_tsv_next(at_tsv_t *self, char *err, size_t errlen)
{
    size_t n;
    int rc = next_record(self, &n, err, errlen);
    if (rc <= 0)
        return rc;
    if (n != self->ncols)
        return at_tsv_fail(self, err, errlen, "expected %zu columns, found %zu", self->ncols, n);
    for (size_t i = 0; i < n; i++) {
        const char *f = self->fields[i];
        size_t len = strlen(f);
        /* A stray space is invisible in review and would make an alias or
         * a code silently never match, so it is an error, not trimmed. */
        if (len > 0 && (f[0] == ' ' || f[len - 1] == ' '))
            return at_tsv_fail(self, err, errlen, "column '%s': leading or trailing space",
                               self->names[current_col(self, i)]);
    }
    return 1;
}

const char *at_tsv_field(const at_tsv_t *self, size_t col)
{
    if (!self || (col < 32 && (self->absent >> col) & 1u))
        return "";
    /* The file's index: the current one less the absent columns before it. */
    for (size_t c = 0, n = col < 32 ? col : 32; c < n; c++)
        col -= (self->absent >> c) & 1u;
    if (col >= self->ncols || !self->fields[col])
        return "";
    return self->fields[col];
}

size_t at_tsv_line(const at_tsv_t *self)
{
    return self ? self->line : 0;
}

const char *at_tsv_path(const at_tsv_t *self)
{
    return self ? self->path : "";
}

int at_tsv_required(const at_tsv_t *self, size_t col, char *err, size_t errlen)
{
    if (at_tsv_field(self, col)[0] == '\0')
        return at_tsv_fail(self, err, errlen, "column '%s' must not be empty", self->names[col]);
    return 0;
}

int at_tsv_day(const at_tsv_t *self, size_t col, int optional, at_day_t *out, char *err,
               size_t errlen)
{
    const char *f = at_tsv_field(self, col);
    if (f[0] == '\0') {
        if (!optional)
            return at_tsv_fail(self, err, errlen, "column '%s' must not be empty",
                               self->names[col]);
        *out = AT_DAY_NONE;
        return 0;
    }
    if (at_day_parse(f, out) != 0)
        return at_tsv_fail(self, err, errlen, "column '%s': '%s' is not a valid YYYY-MM-DD date",
                           self->names[col], f);
    return 0;
}

int at_tsv_choice(const at_tsv_t *self, size_t col, const char *const *names, size_t n, int *out,
                  char *err, size_t errlen)
{
    const char *f = at_tsv_field(self, col);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(f, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    char allowed[256];
    size_t used = 0;
    allowed[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof allowed; i++) {
        int w = snprintf(allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return at_tsv_fail(self, err, errlen, "column '%s': '%s' is not one of: %s", self->names[col],
                       f, allowed);
}

int at_tsv_provenance(const at_tsv_t *self, size_t source_col, size_t checked_col, char *err,
                      size_t errlen)
{
    at_day_t d;
    if (at_tsv_required(self, source_col, err, errlen) != 0)
        return -1;
    return at_tsv_day(self, checked_col, 0, &d, err, errlen);
}

char *at_tsv_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int at_tsv_grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 32;
    void *p = realloc(*arr, ncap * size);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

int at_tsv_is_identifier(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}
