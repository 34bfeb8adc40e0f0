/*
 * at_sinkspec: output spec parsing. See at_sinkspec.h.
 */
#include "at_sinkspec.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "at_jsonl.h"
#include "at_sinkbe.h"

void at_sinkspec_destroy(at_sinkspec_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_sinkspec_t *self = *self_p;
    for (size_t i = 0; i < self->nopts; i++) {
        free(self->opts[i].key);
        free(self->opts[i].value);
    }
    free(self->opts);
    at_filter_destroy(&self->filter);
    free(self->name);
    free(self->text);
    free(self->shown);
    free(self->target);
    free(self);
    *self_p = NULL;
}

const char *at_sinkspec_opt(const at_sinkspec_t *self, const char *key, const char *def)
{
    const char *v = def;
    for (size_t i = 0; i < self->nopts; i++)
        if (strcmp(self->opts[i].key, key) == 0)
            v = self->opts[i].value;
    return v;
}

int at_sinkspec_number(const char *s, int suffixes, long long *out)
{
    if (!*s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno)
        return -1;
    long long mul = 1;
    if (suffixes == AT_SFX_SIZE && *end) {
        switch (*end++) {
        case 'K':
        case 'k':
            mul = 1024LL;
            break;
        case 'M':
        case 'm':
            mul = 1024LL * 1024;
            break;
        case 'G':
        case 'g':
            mul = 1024LL * 1024 * 1024;
            break;
        default:
            return -1;
        }
    } else if (suffixes == AT_SFX_MS && *end) {
        if (strcmp(end, "ms") == 0)
            mul = 1, end += 2;
        else if (strcmp(end, "s") == 0)
            mul = 1000, end++;
        else if (strcmp(end, "m") == 0)
            mul = 60000, end++;
        else if (strcmp(end, "h") == 0)
            mul = 3600000, end++;
        else if (strcmp(end, "d") == 0)
            mul = 86400000, end++;
        else
            return -1;
    }
    if (*end || v > (long long)(9e18 / (double)mul))
        return -1;
    *out = v * mul;
    return 0;
}

int at_sinkspec_opt_int(const at_sinkspec_t *self, const char *key, long long def, long long min,
                        long long max, int suffixes, long long *out, char *err, size_t errlen)
{
    const char *v = at_sinkspec_opt(self, key, NULL);
    if (!v) {
        *out = def;
        return 0;
    }
    long long n;
    if (at_sinkspec_number(v, suffixes, &n) < 0 || n < min || n > max) {
        snprintf(err, errlen, "%s=%s: expected %s from %lld to %lld", key, v,
                 suffixes == AT_SFX_SIZE ? "a size (bytes, or with K/M/G)"
                 : suffixes == AT_SFX_MS ? "a duration in ms (or with s/m/h/d)"
                                         : "an integer",
                 min, max);
        return -1;
    }
    *out = n;
    return 0;
}

int at_sinkspec_check_writable(const char *what, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s %s: is a directory", what, path);
            return -1;
        }
        if (access(path, W_OK) != 0) {
            snprintf(err, errlen, "%s %s: not writable: %s", what, path, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
        return -1;
    }
    char *copy = strdup(path);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *dir = dirname(copy);
    int rc = 0;
    if (stat(dir, &st) != 0) {
        snprintf(err, errlen, "%s %s: directory %s: %s", what, path, dir, strerror(errno));
        rc = -1;
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s %s: %s is not a directory", what, path, dir);
        rc = -1;
    } else if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "%s %s: cannot create files in %s: %s", what, path, dir,
                 strerror(errno));
        rc = -1;
    }
    free(copy);
    return rc;
}

static int add_opt(at_sinkspec_t *self, const char *k, size_t klen, const char *v, size_t vlen)
{
    at_sinkopt_t *n = realloc(self->opts, (self->nopts + 1) * sizeof *n);
    if (!n)
        return -1;
    self->opts = n;
    n[self->nopts].key = strndup(k, klen);
    n[self->nopts].value = strndup(v, vlen);
    if (!n[self->nopts].key || !n[self->nopts].value) {
        free(n[self->nopts].key);
        free(n[self->nopts].value);
        return -1;
    }
    self->nopts++;
    return 0;
}

/* Is key among the space-separated words? */
static int word_in(const char *key, const char *words)
{
    size_t n = strlen(key);
    for (const char *p = words; p && *p;) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (w == n && strncmp(p, key, n) == 0)
            return 1;
        p += w;
    }
    return 0;
}

/* Parse "[k=v,...]" at text; returns the rest, or NULL with err. */
static const char *parse_options(at_sinkspec_t *self, const char *text, char *err, size_t errlen)
{
    if (*text != '[')
        return text;
    const char *close = strchr(text, ']');
    if (!close) {
        snprintf(err, errlen, "option list '[' is not closed with ']'");
        return NULL;
    }
    const char *p = text + 1;
    while (p < close) {
        const char *end = memchr(p, ',', (size_t)(close - p));
        if (!end)
            end = close;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq || eq == p) {
            snprintf(err, errlen, "option '%.*s': expected key=value", (int)(end - p), p);
            return NULL;
        }
        if (add_opt(self, p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1)) < 0) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        p = end + 1;
    }
    return close + 1;
}

static int apply_common(at_sinkspec_t *self, char *err, size_t errlen)
{
    for (size_t i = 0; i < self->nopts; i++) {
        const char *k = self->opts[i].key, *v = self->opts[i].value;
        if (at_filter_is_key(k)) {
            if (at_filter_add(self->filter, k, v, err, errlen) < 0)
                return -1;
        } else if (strcmp(k, "on_full") == 0) {
            if (strcmp(v, "block") == 0)
                self->on_full = AT_ONFULL_BLOCK;
            else if (strcmp(v, "drop") == 0)
                self->on_full = AT_ONFULL_DROP;
            else {
                snprintf(err, errlen, "on_full=%s: expected block or drop", v);
                return -1;
            }
        } else if (strcmp(k, "queue") != 0 && !word_in(k, self->be->options)) {
            snprintf(err, errlen,
                     "unknown option '%s' for %s (options: queue on_full rule "
                     "severity country actor%s%s)",
                     k, self->be->usage, *self->be->options ? " " : "", self->be->options);
            return -1;
        }
    }
    long long q;
    if (at_sinkspec_opt_int(self, "queue", AT_SINKSPEC_DEFAULT_QUEUE, 1, 10000000, AT_SFX_NONE, &q,
                            err, errlen) < 0)
        return -1;
    self->queue = (size_t)q;
    return 0;
}

char *at_sinkspec_redact(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(n + 4 * 8 + 1); /* each redaction adds at most "***" */
    if (!out)
        return NULL;
    size_t o = 0, redactions = 0;
    for (size_t i = 0; i < n;) {
        /* libpq key=value: password=SECRET (up to white space). */
        if (redactions < 8 && strncmp(text + i, "password=", 9) == 0 &&
            (i == 0 || isspace((unsigned char)text[i - 1]) || text[i - 1] == ':' ||
             text[i - 1] == '?' || text[i - 1] == '&')) {
            memcpy(out + o, "password=***", 12);
            o += 12;
            i += 9;
            while (i < n && !isspace((unsigned char)text[i]) && text[i] != '&')
                i++;
            redactions++;
            continue;
        }
        /* URI user info: scheme://user:SECRET@host. */
        if (redactions < 8 && text[i] == ':' && i >= 1 && o > 0) {
            const char *at = strchr(text + i, '@');
            const char *slashes = strstr(text, "://");
            const char *next_slash = strchr(text + i, '/');
            if (at && slashes && slashes + 3 <= text + i && (!next_slash || at < next_slash) &&
                !memchr(slashes + 3, '@', (size_t)(text + i - (slashes + 3)))) {
                memcpy(out + o, ":***", 4);
                o += 4;
                i = (size_t)(at - text);
                redactions++;
                continue;
            }
        }
        out[o++] = text[i++];
    }
    out[o] = '\0';
    return out;
}

at_sinkspec_t *at_sinkspec_parse(const char *name, const char *text, long long flush_ms, char *err,
                                 size_t errlen)
{
    at_sinkspec_t *self = calloc(1, sizeof *self);
    char why[768] = "";
    if (!self || !(self->name = strdup(name)) || !(self->text = strdup(text)) ||
        !(self->shown = at_sinkspec_redact(text)) || !(self->filter = at_filter_new())) {
        snprintf(err, errlen, "out of memory");
        at_sinkspec_destroy(&self);
        return NULL;
    }
    self->flush_ms = flush_ms;
    self->component = "attache-sink";
    self->on_full = AT_ONFULL_BLOCK;
    const char *rest = parse_options(self, text, why, sizeof why);
    if (!rest)
        goto fail;
    size_t skip = 0;
    if (!*rest) {
        snprintf(why, sizeof why, "no target (expected one of: %s)", at_sinkbe_list());
        goto fail;
    }
    if (strcmp(rest, "-") == 0) {
        self->be = &at_jsonl_backend;
    } else if ((self->be = at_sinkbe_find(rest, &skip))) {
        rest += skip;
    } else {
        size_t n = 0;
        if (isalpha((unsigned char)rest[0])) {
            n = strspn(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
            if (rest[n] != ':')
                n = 0;
        }
        if (n) {
            snprintf(why, sizeof why, "unknown output scheme '%.*s:' (expected one of: %s)", (int)n,
                     rest, at_sinkbe_list());
            goto fail;
        }
        self->be = &at_jsonl_backend; /* a bare path */
    }
    if (!(self->target = strdup(rest))) {
        snprintf(why, sizeof why, "out of memory");
        goto fail;
    }
    if (apply_common(self, why, sizeof why) < 0 || self->be->check(self, why, sizeof why) < 0)
        goto fail;
    return self;
fail:
    if (self && self->shown)
        snprintf(err, errlen, "output %s '%s': %s", name, self->shown, why);
    else
        snprintf(err, errlen, "output %s: %s", name, why);
    at_sinkspec_destroy(&self);
    return NULL;
}
