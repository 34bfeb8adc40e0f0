/*
 * at_config: table-driven configuration. See at_config.h.
 *
 * Values are stored as text and converted by the getters; validation
 * happens once, in at_config_set, so a getter never fails on user input.
 */
#include "at_config.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *name;
    char *value;
    char *origin; /* "path:line" or "command line", for library errors */
} pt_entry_t;

struct at_config {
    const at_cfg_def_t *defs;
    size_t ndefs;
    char **values; /* one per def (NULL for passthrough defs) */
    pt_entry_t *pt;
    size_t npt, cappt;
};

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "");
}

at_config_t *at_config_new(const at_cfg_def_t *defs)
{
    at_config_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->defs = defs;
    while (defs[self->ndefs].key)
        self->ndefs++;
    self->values = calloc(self->ndefs ? self->ndefs : 1, sizeof(char *));
    if (!self->values) {
        free(self);
        return NULL;
    }
    for (size_t i = 0; i < self->ndefs; i++) {
        if (defs[i].type == AT_CFG_PASSTHROUGH)
            continue;
        self->values[i] = xstrdup(defs[i].def);
        if (!self->values[i]) {
            at_config_destroy(&self);
            return NULL;
        }
    }
    return self;
}

void at_config_destroy(at_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_config_t *self = *self_p;
    for (size_t i = 0; i < self->ndefs; i++)
        free(self->values[i]);
    free(self->values);
    for (size_t i = 0; i < self->npt; i++) {
        free(self->pt[i].name);
        free(self->pt[i].value);
        free(self->pt[i].origin);
    }
    free(self->pt);
    free(self);
    *self_p = NULL;
}

static long find_def(const at_config_t *self, const char *key)
{
    for (size_t i = 0; i < self->ndefs; i++)
        if (self->defs[i].type != AT_CFG_PASSTHROUGH && strcmp(self->defs[i].key, key) == 0)
            return (long)i;
    return -1;
}

/* A passthrough def "kafka.*" matches "kafka.<something non-empty>". */
static long find_passthrough(const at_config_t *self, const char *key)
{
    for (size_t i = 0; i < self->ndefs; i++) {
        if (self->defs[i].type != AT_CFG_PASSTHROUGH)
            continue;
        size_t plen = strlen(self->defs[i].key) - 1; /* keep the '.' */
        if (strncmp(self->defs[i].key, key, plen) == 0 && key[plen] != '\0')
            return (long)i;
    }
    return -1;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int parse_int(const char *v, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end != '\0')
        return -1;
    *out = n;
    return 0;
}

static bool enum_has(const char *choices, const char *v)
{
    size_t vlen = strlen(v);
    const char *p = choices;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == vlen && strncmp(p, v, len) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

static int validate(const at_cfg_def_t *d, const char *value, char *why, size_t whylen)
{
    long long n;
    bool b;
    switch (d->type) {
    case AT_CFG_INT:
        if (parse_int(value, &n) < 0) {
            snprintf(why, whylen, "not an integer");
            return -1;
        }
        if (n < d->min || n > d->max) {
            snprintf(why, whylen, "out of range [%lld, %lld]", d->min, d->max);
            return -1;
        }
        return 0;
    case AT_CFG_BOOL:
        if (parse_bool(value, &b) < 0) {
            snprintf(why, whylen, "not a boolean (true/false/yes/no/on/off/1/0)");
            return -1;
        }
        return 0;
    case AT_CFG_ENUM:
        if (!enum_has(d->choices, value)) {
            snprintf(why, whylen, "must be one of %s", d->choices);
            return -1;
        }
        return 0;
    default:
        return 0;
    }
}

static int add_passthrough(at_config_t *self, const char *key, const char *value,
                           const char *origin)
{
    for (size_t i = 0; i < self->npt; i++) {
        if (strcmp(self->pt[i].name, key) == 0) {
            char *v = xstrdup(value), *o = xstrdup(origin);
            if (!v || !o) {
                free(v);
                free(o);
                return -1;
            }
            free(self->pt[i].value);
            free(self->pt[i].origin);
            self->pt[i].value = v;
            self->pt[i].origin = o;
            return 0;
        }
    }
    if (self->npt == self->cappt) {
        size_t cap = self->cappt ? self->cappt * 2 : 8;
        pt_entry_t *n = realloc(self->pt, cap * sizeof *n);
        if (!n)
            return -1;
        self->pt = n;
        self->cappt = cap;
    }
    pt_entry_t e = {xstrdup(key), xstrdup(value), xstrdup(origin)};
    if (!e.name || !e.value || !e.origin) {
        free(e.name);
        free(e.value);
        free(e.origin);
        return -1;
    }
    self->pt[self->npt++] = e;
    return 0;
}

int at_config_set(at_config_t *self, const char *key, const char *value, const char *origin,
                  char *err, size_t errlen)
{
    long i = find_def(self, key);
    if (i < 0) {
        if (find_passthrough(self, key) >= 0) {
            if (add_passthrough(self, key, value, origin) < 0) {
                snprintf(err, errlen, "%s: out of memory", origin);
                return -1;
            }
            return 0;
        }
        snprintf(err, errlen, "%s: unknown key '%s'", origin, key);
        return -1;
    }
    char why[160];
    if (validate(&self->defs[i], value, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: %s = '%s': %s", origin, key, value, why);
        return -1;
    }
    char *v = xstrdup(value);
    if (!v) {
        snprintf(err, errlen, "%s: out of memory", origin);
        return -1;
    }
    free(self->values[i]);
    self->values[i] = v;
    return 0;
}

int at_config_set_pair(at_config_t *self, const char *pair, const char *origin, char *err,
                       size_t errlen)
{
    const char *eq = strchr(pair, '=');
    if (!eq || eq == pair) {
        snprintf(err, errlen, "%s: expected KEY=VALUE, got '%s'", origin, pair);
        return -1;
    }
    char key[256];
    size_t klen = (size_t)(eq - pair);
    if (klen >= sizeof key) {
        snprintf(err, errlen, "%s: key too long", origin);
        return -1;
    }
    memcpy(key, pair, klen);
    key[klen] = '\0';
    return at_config_set(self, key, eq + 1, origin, err, errlen);
}

typedef struct {
    at_config_t *cfg;
    FILE *f;
    int lineno;   /* line inih is working on; counted by read_line */
    int mid_line; /* the last chunk read did not end a line */
    const char *path;
    char *err;
    size_t errlen;
    int failed;
    int fail_line;
} load_ctx_t;

/* Debian's libinih is built without INI_HANDLER_LINENO, so the handler is
 * not told the line; count lines in the reader instead (inih reads a line,
 * then calls the handler for it). */
static char *read_line(char *str, int num, void *stream)
{
    load_ctx_t *ctx = stream;
    char *s = fgets(str, num, ctx->f);
    if (s) {
        if (!ctx->mid_line)
            ctx->lineno++;
        ctx->mid_line = strchr(s, '\n') == NULL;
    }
    return s;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    load_ctx_t *ctx = user;
    int lineno = ctx->lineno;
    if (ctx->failed)
        return 0;
    char origin[512];
    snprintf(origin, sizeof origin, "%s:%d", ctx->path, lineno);
    char key[256];
    if (snprintf(key, sizeof key, "%s%s%s", section, *section ? "." : "", name) >=
        (int)sizeof key) {
        snprintf(ctx->err, ctx->errlen, "%s: key too long", origin);
        ctx->failed = 1;
        ctx->fail_line = lineno;
        return 0;
    }
    if (at_config_set(ctx->cfg, key, value ? value : "", origin, ctx->err, ctx->errlen) < 0) {
        ctx->failed = 1;
        ctx->fail_line = lineno;
        return 0;
    }
    return 1;
}

int at_config_load_file(at_config_t *self, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    load_ctx_t ctx = {self, f, 0, 0, path, err, errlen, 0, 0};
    int rc = ini_parse_stream(read_line, &ctx, on_ini, &ctx);
    fclose(f);
    /* inih goes on after a syntax error; report whichever error came first. */
    if (ctx.failed && (rc <= 0 || ctx.fail_line <= rc))
        return -1;
    if (rc != 0) {
        /* inih reports the first line it could not parse (or -2 on OOM). */
        if (rc > 0)
            snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)", path,
                     rc);
        else
            snprintf(err, errlen, "%s: cannot parse (%d)", path, rc);
        return -1;
    }
    return 0;
}

static long def_or_die(const at_config_t *self, const char *key)
{
    long i = find_def(self, key);
    if (i < 0) {
        fprintf(stderr, "at_config: undeclared key '%s' (programming error)\n", key);
        abort();
    }
    return i;
}

const char *at_config_str(const at_config_t *self, const char *key)
{
    return self->values[def_or_die(self, key)];
}

long long at_config_int(const at_config_t *self, const char *key)
{
    long long n = 0;
    parse_int(self->values[def_or_die(self, key)], &n);
    return n;
}

bool at_config_bool(const at_config_t *self, const char *key)
{
    bool b = false;
    parse_bool(self->values[def_or_die(self, key)], &b);
    return b;
}

int at_config_passthrough_each(const at_config_t *self, const char *prefix,
                               int (*fn)(void *arg, const char *property, const char *value),
                               void *arg)
{
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < self->npt; i++) {
        const char *name = self->pt[i].name;
        if (strncmp(name, prefix, plen) == 0 && name[plen] == '.') {
            int rc = fn(arg, name + plen + 1, self->pt[i].value);
            if (rc)
                return rc;
        }
    }
    return 0;
}

const char *at_config_origin(const at_config_t *self, const char *key)
{
    for (size_t i = 0; i < self->npt; i++)
        if (strcmp(self->pt[i].name, key) == 0)
            return self->pt[i].origin;
    return "config";
}

bool at_config_changed(const at_config_t *a, const at_config_t *b, const char *key)
{
    return strcmp(at_config_str(a, key), at_config_str(b, key)) != 0;
}

void at_config_print(const at_config_t *self, FILE *out)
{
    for (size_t i = 0; i < self->ndefs; i++)
        if (self->defs[i].type != AT_CFG_PASSTHROUGH)
            fprintf(out, "%s = %s\n", self->defs[i].key, self->values[i]);
    for (size_t i = 0; i < self->npt; i++)
        fprintf(out, "%s = %s\n", self->pt[i].name, self->pt[i].value);
}

static const char *type_name(const at_cfg_def_t *d)
{
    switch (d->type) {
    case AT_CFG_INT:
        return "integer";
    case AT_CFG_BOOL:
        return "boolean";
    case AT_CFG_ENUM:
        return "enum";
    case AT_CFG_PASSTHROUGH:
        return "passthrough";
    default:
        return "string";
    }
}

void at_config_print_markdown(const at_cfg_def_t *defs, FILE *out)
{
    fprintf(out, "| key | type | default | range | reload | description |\n");
    fprintf(out, "|---|---|---|---|---|---|\n");
    for (const at_cfg_def_t *d = defs; d->key; d++) {
        char range[96] = "";
        if (d->type == AT_CFG_INT)
            snprintf(range, sizeof range, "%lld..%lld", d->min, d->max);
        else if (d->type == AT_CFG_ENUM)
            snprintf(range, sizeof range, "%s", d->choices);
        /* '|' inside a Markdown cell must be escaped. */
        char esc[128];
        size_t j = 0;
        for (const char *p = range; *p && j + 2 < sizeof esc; p++) {
            if (*p == '|')
                esc[j++] = '\\';
            esc[j++] = *p;
        }
        esc[j] = '\0';
        char def[256];
        if (d->def && *d->def)
            snprintf(def, sizeof def, "`%s`", d->def);
        else
            snprintf(def, sizeof def, "(empty)");
        fprintf(out, "| `%s` | %s | %s | %s | %s | %s |\n", d->key, type_name(d), def, esc,
                d->reloadable ? "yes" : "restart", d->desc);
    }
}
