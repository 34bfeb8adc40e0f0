/*
 * at_executives: loading data/executives.tsv (see at_executives.h and
 * docs/data.md, "executives.tsv").
 */
#include "at_executives.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "at_tsv.h"

struct at_executives {
    char *path;
    size_t ncountries;
    unsigned char *value; /* at_exec_t per gazetteer country */
    at_day_t *since;      /* the row's `since`, AT_DAY_NONE when empty */
    size_t *line;         /* its row's line, 0 when none */
    size_t nrows;
};

enum { EX_COUNTRY, EX_HEAD_OF_GOVERNMENT, EX_SINCE, EX_SOURCE, EX_CHECKED, EX_NCOLS };
static const char *const cols[] = {"country", "head_of_government", "since", "source",
                                   "checked_on"};
/* In at_exec_t order, after AT_EXEC_UNKNOWN. */
static const char *const values[] = {"separate", "head_of_state"};

void at_executives_destroy(at_executives_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_executives_t *self = *self_p;
    free(self->path);
    free(self->value);
    free(self->since);
    free(self->line);
    free(self);
    *self_p = NULL;
}

static int load(at_executives_t *self, const at_gazetteer_t *gaz, char *err, size_t errlen)
{
    /* The first format, before `since`, still loads: a user's own table. */
    static const size_t added[] = {EX_SINCE};
    at_tsv_t *t = at_tsv_open_compat(self->path, cols, EX_NCOLS, added, 1, err, errlen);
    if (!t)
        return -1;
    int rc;
    while ((rc = at_tsv_next(t, err, errlen)) == 1) {
        const char *code = at_tsv_field(t, EX_COUNTRY);
        size_t country;
        int value;
        if (at_gazetteer_country_col(gaz, t, EX_COUNTRY, &country, err, errlen) != 0) {
            rc = -1;
            break;
        }
        if (self->line[country]) {
            rc = at_tsv_fail(t, err, errlen, "duplicate row for %s (first on line %zu)", code,
                             self->line[country]);
            break;
        }
        at_day_t since = AT_DAY_NONE;
        if (at_tsv_choice(t, EX_HEAD_OF_GOVERNMENT, values, sizeof values / sizeof *values, &value,
                          err, errlen) ||
            at_tsv_day(t, EX_SINCE, 1, &since, err, errlen) ||
            at_tsv_provenance(t, EX_SOURCE, EX_CHECKED, err, errlen)) {
            rc = -1;
            break;
        }
        self->value[country] = (unsigned char)(value + 1);
        self->since[country] = since;
        self->line[country] = at_tsv_line(t);
        self->nrows++;
    }
    at_tsv_destroy(&t);
    return rc;
}

at_executives_t *at_executives_new(const char *data_dir, const at_gazetteer_t *gaz, char *err,
                                   size_t errlen)
{
    if (!data_dir || !gaz) {
        snprintf(err, errlen, "at_executives_new: invalid arguments");
        return NULL;
    }
    at_executives_t *self = calloc(1, sizeof *self);
    size_t n = at_gazetteer_country_count(gaz);
    if (self) {
        self->ncountries = n;
        self->path = at_tsv_join(data_dir, "executives.tsv");
        self->value = calloc(n ? n : 1, sizeof *self->value);
        self->since = malloc((n ? n : 1) * sizeof *self->since);
        self->line = calloc(n ? n : 1, sizeof *self->line);
    }
    if (!self || !self->path || !self->value || !self->since || !self->line) {
        snprintf(err, errlen, "%s: out of memory", data_dir);
        at_executives_destroy(&self);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        self->since[i] = AT_DAY_NONE;
    /* Optional: only a file that is not there at all is skipped. Any other
     * failure to open it (permissions, a directory) is reported by the
     * reader like for every other table. */
    struct stat st;
    if (stat(self->path, &st) != 0 && errno == ENOENT)
        return self;
    if (load(self, gaz, err, errlen) != 0) {
        at_executives_destroy(&self);
        return NULL;
    }
    return self;
}

at_exec_t at_executives_get(const at_executives_t *self, size_t country)
{
    return self && country < self->ncountries ? (at_exec_t)self->value[country] : AT_EXEC_UNKNOWN;
}

at_day_t at_executives_since(const at_executives_t *self, size_t country)
{
    return self && country < self->ncountries ? self->since[country] : AT_DAY_NONE;
}

size_t at_executives_line(const at_executives_t *self, size_t country)
{
    return self && country < self->ncountries ? self->line[country] : 0;
}

const char *at_executives_path(const at_executives_t *self)
{
    return self ? self->path : NULL;
}

size_t at_executives_count(const at_executives_t *self)
{
    return self ? self->nrows : 0;
}
