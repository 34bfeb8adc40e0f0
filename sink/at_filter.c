/*
 * at_filter: per-output event filters. See at_filter.h.
 */
#include "at_filter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_actorid.h"

typedef struct {
    char **v;
    size_t n;
} strset_t;

struct at_filter {
    strset_t rules, countries, actors;
    int any_rule;     /* rule=* */
    int min_severity; /* 0 = no severity filter */
};

static const char *const severities[] = {"unspecified", "info", "notice", "warning", "critical"};

int at_filter_severity(const char *name)
{
    for (int i = 1; i < 5; i++)
        if (strcmp(name, severities[i]) == 0)
            return i;
    return -1;
}

at_filter_t *at_filter_new(void)
{
    return calloc(1, sizeof(at_filter_t));
}

static void strset_free(strset_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

void at_filter_destroy(at_filter_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_filter_t *self = *self_p;
    strset_free(&self->rules);
    strset_free(&self->countries);
    strset_free(&self->actors);
    free(self);
    *self_p = NULL;
}

int at_filter_is_key(const char *key)
{
    return strcmp(key, "rule") == 0 || strcmp(key, "severity") == 0 ||
           strcmp(key, "country") == 0 || strcmp(key, "actor") == 0;
}

static int strset_add(strset_t *s, const char *v)
{
    char **nv = realloc(s->v, (s->n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    s->v = nv;
    if (!(s->v[s->n] = strdup(v)))
        return -1;
    s->n++;
    return 0;
}

static bool strset_has(const strset_t *s, const char *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (v && strcmp(s->v[i], v) == 0)
            return true;
    return false;
}

int at_filter_add(at_filter_t *self, const char *key, const char *value, char *err, size_t errlen)
{
    if (strcmp(key, "severity") == 0) {
        int s = at_filter_severity(value);
        if (s < 0) {
            snprintf(err, errlen, "severity=%s: not one of info, notice, warning, critical", value);
            return -1;
        }
        /* Repeated severities are OR'ed: the lowest one decides. */
        if (!self->min_severity || s < self->min_severity)
            self->min_severity = s;
        return 0;
    }
    if (strcmp(key, "rule") == 0) {
        if (!*value) {
            snprintf(err, errlen, "rule=: empty rule name (use rule=* for any alert)");
            return -1;
        }
        if (strcmp(value, "*") == 0) {
            self->any_rule = 1;
            return 0;
        }
        return strset_add(&self->rules, value) < 0 ? (snprintf(err, errlen, "out of memory"), -1)
                                                   : 0;
    }
    if (strcmp(key, "country") == 0) {
        if (strlen(value) != 3 || !isupper((unsigned char)value[0]) ||
            !isupper((unsigned char)value[1]) || !isupper((unsigned char)value[2])) {
            snprintf(err, errlen, "country=%s: expected an ISO 3166-1 alpha-3 code (KAZ)", value);
            return -1;
        }
        return strset_add(&self->countries, value) < 0
                   ? (snprintf(err, errlen, "out of memory"), -1)
                   : 0;
    }
    if (strcmp(key, "actor") == 0) {
        if (at_actorid_kind(value) == AT_ACTORID_INVALID) {
            snprintf(err, errlen,
                     "actor=%s: expected a Wikidata QID (Q7747) or a local id "
                     "(attache:maria-lvova-belova)",
                     value);
            return -1;
        }
        return strset_add(&self->actors, value) < 0 ? (snprintf(err, errlen, "out of memory"), -1)
                                                    : 0;
    }
    snprintf(err, errlen, "%s: not a filter option", key);
    return -1;
}

bool at_filter_empty(const at_filter_t *self)
{
    return !self->rules.n && !self->any_rule && !self->min_severity && !self->countries.n &&
           !self->actors.n;
}

static bool alerts_match(const at_filter_t *self, const Attache__V1__Event *ev)
{
    if (!self->rules.n && !self->any_rule && !self->min_severity)
        return true;
    for (size_t i = 0; i < ev->n_alerts; i++) {
        const Attache__V1__Alert *a = ev->alerts[i];
        if (self->rules.n && !strset_has(&self->rules, a->rule))
            continue;
        if (self->min_severity && (int)a->severity < self->min_severity)
            continue;
        return true;
    }
    return false;
}

static bool country_match(const at_filter_t *self, const Attache__V1__Event *ev)
{
    if (!self->countries.n)
        return true;
    for (size_t i = 0; i < ev->n_countries; i++)
        if (strset_has(&self->countries, ev->countries[i]->code))
            return true;
    for (size_t i = 0; i < ev->n_locations; i++)
        if (strset_has(&self->countries, ev->locations[i]->code))
            return true;
    return false;
}

static bool actor_match(const at_filter_t *self, const Attache__V1__Event *ev)
{
    if (!self->actors.n)
        return true;
    for (size_t i = 0; i < ev->n_actors; i++)
        if (strset_has(&self->actors, ev->actors[i]->id))
            return true;
    return false;
}

bool at_filter_match(const at_filter_t *self, const Attache__V1__Event *ev)
{
    return alerts_match(self, ev) && country_match(self, ev) && actor_match(self, ev);
}
