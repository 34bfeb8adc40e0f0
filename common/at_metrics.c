/*
 * at_metrics: metric registry and Prometheus text rendering. See
 * at_metrics.h.
 *
 * Doubles that several threads update (gauges, histogram sums) are kept as
 * their bit pattern in an _Atomic uint64_t and changed with a CAS loop:
 * C11 has no atomic fetch-add for floating point, and a mutex on the data
 * path is what this module exists to avoid.
 */
#include "at_metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct at_metric {
    struct family *fam;
    char **labels;             /* name, value, name, value, ..., NULL */
    _Atomic uint64_t value;    /* counter; gauge bits; histogram sum bits */
    _Atomic uint64_t *buckets; /* histogram: nbounds + 1 (the last is +Inf) */
};

struct family {
    char *name, *help;
    at_metric_type_t type;
    double *bounds;
    size_t nbounds;
    at_metric_t **series;
    size_t nseries, capseries;
};

struct at_metrics {
    pthread_mutex_t lock;
    struct family **fams;
    size_t nfams, capfams;
    char **const_labels; /* name, value, ..., NULL */
    size_t nconst;
};

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double bitsd(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static void atomic_add_double(_Atomic uint64_t *p, double delta)
{
    uint64_t old = atomic_load_explicit(p, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(p, &old, dbits(bitsd(old) + delta),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

at_metrics_t *at_metrics_new(void)
{
    at_metrics_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->const_labels = calloc(1, sizeof *self->const_labels);
    if (!self->const_labels) {
        free(self);
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    return self;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void at_metrics_destroy(at_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_metrics_t *self = *self_p;
    for (size_t f = 0; f < self->nfams; f++) {
        struct family *fam = self->fams[f];
        for (size_t s = 0; s < fam->nseries; s++) {
            free_strv(fam->series[s]->labels);
            free(fam->series[s]->buckets);
            free(fam->series[s]);
        }
        free(fam->series);
        free(fam->name);
        free(fam->help);
        free(fam->bounds);
        free(fam);
    }
    free(self->fams);
    free_strv(self->const_labels);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

static bool valid_name(const char *s, bool colon)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (colon && c == ':') || (p != s && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

static bool valid_label(const char *s)
{
    return valid_name(s, false) && strncmp(s, "__", 2) != 0;
}

int at_metrics_const_label(at_metrics_t *self, const char *name, const char *value)
{
    if (!valid_label(name) || !value)
        return -1;
    char **v = realloc(self->const_labels, (self->nconst * 2 + 3) * sizeof *v);
    if (!v)
        return -1;
    self->const_labels = v;
    v[self->nconst * 2] = strdup(name);
    v[self->nconst * 2 + 1] = strdup(value);
    v[self->nconst * 2 + 2] = NULL;
    if (!v[self->nconst * 2] || !v[self->nconst * 2 + 1]) {
        free(v[self->nconst * 2]);
        free(v[self->nconst * 2 + 1]);
        v[self->nconst * 2] = NULL;
        return -1;
    }
    self->nconst++;
    return 0;
}

static bool same_labels(char **a, const char *const *b)
{
    size_t i = 0;
    for (; a[i] && b && b[i]; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return !a[i] && (!b || !b[i]);
}

static char **copy_labels(const char *const *labels)
{
    size_t n = 0;
    while (labels && labels[n])
        n++;
    char **v = calloc(n + 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] = strdup(labels[i]))) {
            free_strv(v);
            return NULL;
        }
    }
    return v;
}

static bool labels_ok(const at_metrics_t *self, const char *const *labels, bool histogram)
{
    size_t n = 0;
    while (labels && labels[n])
        n++;
    if (n % 2)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        if (!valid_label(labels[i]) || (histogram && strcmp(labels[i], "le") == 0))
            return false;
        for (size_t j = 0; j < i; j += 2)
            if (strcmp(labels[i], labels[j]) == 0)
                return false;
        for (size_t j = 0; self->const_labels[j]; j += 2)
            if (strcmp(labels[i], self->const_labels[j]) == 0)
                return false;
    }
    return true;
}

static at_metric_t *add_series(at_metrics_t *self, const char *name, const char *help,
                               at_metric_type_t type, const char *const *labels,
                               const double *bounds, size_t nbounds)
{
    if (!valid_name(name, true) || !labels_ok(self, labels, type == AT_METRIC_HISTOGRAM))
        return NULL;
    if (type == AT_METRIC_HISTOGRAM) {
        for (size_t i = 0; i < nbounds; i++)
            if (!isfinite(bounds[i]) || (i && !(bounds[i] > bounds[i - 1])))
                return NULL;
    }
    at_metric_t *m = NULL;
    pthread_mutex_lock(&self->lock);
    struct family *fam = NULL;
    for (size_t f = 0; f < self->nfams; f++)
        if (strcmp(self->fams[f]->name, name) == 0)
            fam = self->fams[f];
    if (fam) {
        if (fam->type != type || (type == AT_METRIC_HISTOGRAM &&
                                  (fam->nbounds != nbounds ||
                                   memcmp(fam->bounds, bounds, nbounds * sizeof *bounds) != 0)))
            goto out;
        for (size_t s = 0; s < fam->nseries; s++)
            if (same_labels(fam->series[s]->labels, labels)) {
                m = fam->series[s];
                goto out;
            }
    } else {
        if (self->nfams == self->capfams) {
            size_t cap = self->capfams ? self->capfams * 2 : 16;
            struct family **n = realloc(self->fams, cap * sizeof *n);
            if (!n)
                goto out;
            self->fams = n;
            self->capfams = cap;
        }
        fam = calloc(1, sizeof *fam);
        if (!fam)
            goto out;
        fam->type = type;
        fam->name = strdup(name);
        fam->help = strdup(help ? help : "");
        fam->nbounds = nbounds;
        fam->bounds = type == AT_METRIC_HISTOGRAM ? calloc(nbounds + 1, sizeof *bounds) : NULL;
        if (!fam->name || !fam->help || (type == AT_METRIC_HISTOGRAM && !fam->bounds)) {
            free(fam->name);
            free(fam->help);
            free(fam->bounds);
            free(fam);
            goto out;
        }
        if (nbounds)
            memcpy(fam->bounds, bounds, nbounds * sizeof *bounds);
        self->fams[self->nfams++] = fam;
    }
    if (fam->nseries == fam->capseries) {
        size_t cap = fam->capseries ? fam->capseries * 2 : 4;
        at_metric_t **n = realloc(fam->series, cap * sizeof *n);
        if (!n)
            goto out;
        fam->series = n;
        fam->capseries = cap;
    }
    m = calloc(1, sizeof *m);
    if (!m)
        goto out;
    m->fam = fam;
    m->labels = copy_labels(labels);
    if (type == AT_METRIC_HISTOGRAM)
        m->buckets = calloc(nbounds + 1, sizeof *m->buckets);
    if (!m->labels || (type == AT_METRIC_HISTOGRAM && !m->buckets)) {
        free_strv(m->labels);
        free(m->buckets);
        free(m);
        m = NULL;
        goto out;
    }
    if (type != AT_METRIC_COUNTER)
        atomic_init(&m->value, dbits(0.0));
    fam->series[fam->nseries++] = m;
out:
    pthread_mutex_unlock(&self->lock);
    return m;
}

at_metric_t *at_metrics_counter(at_metrics_t *self, const char *name, const char *help,
                                const char *const *labels)
{
    return add_series(self, name, help, AT_METRIC_COUNTER, labels, NULL, 0);
}

at_metric_t *at_metrics_gauge(at_metrics_t *self, const char *name, const char *help,
                              const char *const *labels)
{
    return add_series(self, name, help, AT_METRIC_GAUGE, labels, NULL, 0);
}

at_metric_t *at_metrics_histogram(at_metrics_t *self, const char *name, const char *help,
                                  const char *const *labels, const double *bounds, size_t nbounds)
{
    return add_series(self, name, help, AT_METRIC_HISTOGRAM, labels, bounds, nbounds);
}

void at_metric_inc(at_metric_t *m)
{
    at_metric_add(m, 1);
}

void at_metric_add(at_metric_t *m, uint64_t n)
{
    if (m && m->fam->type == AT_METRIC_COUNTER)
        atomic_fetch_add_explicit(&m->value, n, memory_order_relaxed);
}

void at_metric_store(at_metric_t *m, uint64_t v)
{
    if (m && m->fam->type == AT_METRIC_COUNTER)
        atomic_store_explicit(&m->value, v, memory_order_relaxed);
    else if (m && m->fam->type == AT_METRIC_GAUGE)
        at_metric_set(m, (double)v);
}

uint64_t at_metric_value(const at_metric_t *m)
{
    if (!m || m->fam->type != AT_METRIC_COUNTER)
        return 0;
    return atomic_load_explicit(&((at_metric_t *)m)->value, memory_order_relaxed);
}

void at_metric_set(at_metric_t *m, double v)
{
    if (m && m->fam->type == AT_METRIC_GAUGE)
        atomic_store_explicit(&m->value, dbits(v), memory_order_relaxed);
}

void at_metric_gauge_add(at_metric_t *m, double delta)
{
    if (m && m->fam->type == AT_METRIC_GAUGE)
        atomic_add_double(&m->value, delta);
}

double at_metric_gauge_value(const at_metric_t *m)
{
    if (!m || m->fam->type != AT_METRIC_GAUGE)
        return 0;
    return bitsd(atomic_load_explicit(&((at_metric_t *)m)->value, memory_order_relaxed));
}

void at_metric_observe(at_metric_t *m, double v)
{
    if (!m || m->fam->type != AT_METRIC_HISTOGRAM || isnan(v))
        return;
    size_t i = 0;
    while (i < m->fam->nbounds && v > m->fam->bounds[i])
        i++;
    atomic_add_double(&m->value, v);
    atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
}

uint64_t at_metric_count(const at_metric_t *m)
{
    if (!m || m->fam->type != AT_METRIC_HISTOGRAM)
        return 0;
    uint64_t n = 0;
    for (size_t i = 0; i <= m->fam->nbounds; i++)
        n += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
    return n;
}

void at_metrics_lock(at_metrics_t *self)
{
    pthread_mutex_lock(&self->lock);
}

void at_metrics_unlock(at_metrics_t *self)
{
    pthread_mutex_unlock(&self->lock);
}

void at_metrics_format_double(double v, char *buf, size_t len)
{
    if (isnan(v)) {
        snprintf(buf, len, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
        return;
    }
    /* The shortest of %.15g..%.17g that reads back exactly: 0.005 stays
     * "0.005", not "0.0050000000000000001". */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* HELP text escapes backslash and newline; label values also '"'. */
static void put_escaped(FILE *out, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", out);
        else if (*s == '\n')
            fputs("\\n", out);
        else if (quote && *s == '"')
            fputs("\\\"", out);
        else
            fputc(*s, out);
    }
}

static void put_pairs(FILE *out, char **v, bool *first)
{
    for (size_t i = 0; v[i]; i += 2) {
        fprintf(out, "%s%s=\"", *first ? "" : ",", v[i]);
        put_escaped(out, v[i + 1], true);
        fputc('"', out);
        *first = false;
    }
}

/* name{const..., labels..., extra="value"} */
static void put_series_name(FILE *out, const at_metrics_t *self, const char *name,
                            const char *suffix, char **labels, const char *extra_name,
                            const char *extra_value)
{
    fprintf(out, "%s%s", name, suffix);
    if (!self->const_labels[0] && !labels[0] && !extra_name)
        return;
    bool first = true;
    fputc('{', out);
    put_pairs(out, self->const_labels, &first);
    put_pairs(out, labels, &first);
    if (extra_name)
        fprintf(out, "%s%s=\"%s\"", first ? "" : ",", extra_name, extra_value);
    fputc('}', out);
}

static void render_histogram(FILE *out, const at_metrics_t *self, const struct family *fam,
                             at_metric_t *m)
{
    /* Each bucket is read once and the cumulative counts, +Inf and _count
     * are built from those reads, so they agree with each other even
     * while observations land concurrently. */
    uint64_t cum = 0;
    char le[64];
    for (size_t i = 0; i <= fam->nbounds; i++) {
        cum += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
        if (i < fam->nbounds)
            at_metrics_format_double(fam->bounds[i], le, sizeof le);
        else
            snprintf(le, sizeof le, "+Inf");
        put_series_name(out, self, fam->name, "_bucket", m->labels, "le", le);
        fprintf(out, " %llu\n", (unsigned long long)cum);
    }
    char sum[64];
    at_metrics_format_double(bitsd(atomic_load_explicit(&m->value, memory_order_relaxed)), sum,
                             sizeof sum);
    put_series_name(out, self, fam->name, "_sum", m->labels, NULL, NULL);
    fprintf(out, " %s\n", sum);
    put_series_name(out, self, fam->name, "_count", m->labels, NULL, NULL);
    fprintf(out, " %llu\n", (unsigned long long)cum);
}

int at_metrics_render(at_metrics_t *self, FILE *out)
{
    static const char *const type_names[] = {"counter", "gauge", "histogram"};
    pthread_mutex_lock(&self->lock);
    for (size_t f = 0; f < self->nfams; f++) {
        const struct family *fam = self->fams[f];
        fprintf(out, "# HELP %s ", fam->name);
        put_escaped(out, fam->help, false);
        fprintf(out, "\n# TYPE %s %s\n", fam->name, type_names[fam->type]);
        for (size_t s = 0; s < fam->nseries; s++) {
            at_metric_t *m = fam->series[s];
            if (fam->type == AT_METRIC_HISTOGRAM) {
                render_histogram(out, self, fam, m);
                continue;
            }
            put_series_name(out, self, fam->name, "", m->labels, NULL, NULL);
            uint64_t raw = atomic_load_explicit(&m->value, memory_order_relaxed);
            if (fam->type == AT_METRIC_COUNTER) {
                fprintf(out, " %llu\n", (unsigned long long)raw);
            } else {
                char v[64];
                at_metrics_format_double(bitsd(raw), v, sizeof v);
                fprintf(out, " %s\n", v);
            }
        }
    }
    pthread_mutex_unlock(&self->lock);
    return ferror(out) ? -1 : 0;
}
