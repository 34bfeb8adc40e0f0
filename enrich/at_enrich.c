/*
 * at_enrich: the reference data put to work on one news item (see
 * at_enrich.h; the rules are in docs/data.md).
 *
 * One matcher holds every country and actor spelling, so leftmost-longest
 * applies across both kinds of name. An item is scanned once (title, then
 * body or summary) and every hit is kept; the disambiguation rules
 * (docs/data.md, "Rules of the engine": context cues, given names,
 * language names, short forms, surnames and titles) then decide each hit
 * with the words around it and the rest of the item, the hits that stand
 * are folded into per-country and per-actor tallies, and the event is
 * assembled the way protobuf-c's unpack would
 * allocate it: every set string strdup'd, unset strings left at
 * protobuf_c_empty_string, repeated fields as malloc'd arrays. That lets
 * at_enrich_event_free() free an event with
 * protobuf_c_message_free_unpacked() whether it came from here or off the
 * wire.
 */
#include "at_enrich.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_actors.h"
#include "at_alerts.h"
#include "at_gazetteer.h"
#include "at_match.h"
#include "at_pbstr.h"
#include "at_time.h"
#include "at_treaty.h"
#include "at_tsv.h"
#include "at_context.h"

/* Bytes of title plus text that are scanned. Offsets in events are 32-bit,
 * and no real article comes near this; the rest of a larger text is left
 * unscanned rather than refused, so the item still flows. */
#define MAX_SCAN (16u * 1024u * 1024u)

struct at_enrich {
    char version[16];
    at_day_t as_of; /* the same, as a day */
    at_gazetteer_t *gaz;
    at_treaty_t *treaty;
    at_actors_t *actors;
    at_match_t *match;
    size_t rome;               /* index of the Rome Statute in the treaty table */
    uint32_t actor_base;       /* matcher values >= this are actor spellings */
    at_alerts_config_t alerts; /* the alert rules' settings (at_alerts.h) */
};

/* data/VERSION: one line holding the "as of" day of the whole data set. */
int at_enrich_read_version(const char *dir, char version[11], at_day_t *day, char *err,
                           size_t errlen)
{
    char *path = at_tsv_join(dir, "VERSION");
    if (!path) {
        snprintf(err, errlen, "%s/VERSION:0: out of memory", dir);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s:0: cannot open", path);
        free(path);
        return -1;
    }
    char buf[64];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Exactly "YYYY-MM-DD" and a line end: anything else means someone
     * edited the wrong file or the file was cut. */
    size_t len = n;
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    if (len != 10 || memchr(buf, '\0', n) || len == n) {
        snprintf(err, errlen, "%s:1: expected one line \"YYYY-MM-DD\" ending in a newline", path);
        free(path);
        return -1;
    }
    buf[len] = '\0';
    if (at_day_parse(buf, day) != 0) {
        snprintf(err, errlen, "%s:1: '%s' is not a valid YYYY-MM-DD date", path, buf);
        free(path);
        return -1;
    }
    memcpy(version, buf, len + 1);
    free(path);
    return 0;
}

static int load_version(at_enrich_t *self, const char *dir, char *err, size_t errlen)
{
    return at_enrich_read_version(dir, self->version, &self->as_of, err, errlen);
}

/* Where a matcher value came from, for duplicate-spelling errors. */
static void describe(const at_enrich_t *self, uint32_t value, const char **text, const char **path,
                     size_t *line)
{
    if (value < self->actor_base) {
        const at_alias_t *a = at_gazetteer_alias(self->gaz, value);
        *text = a->text;
        *path = a->path;
        *line = a->line;
    } else {
        const at_actor_alias_t *a = at_actors_alias(self->actors, value - self->actor_base);
        *text = a->text;
        *path = a->path;
        *line = a->line;
    }
}

static int build_matcher(at_enrich_t *self, char *err, size_t errlen)
{
    self->match = at_match_new();
    self->actor_base = (uint32_t)at_gazetteer_alias_count(self->gaz);
    if (!self->match || at_gazetteer_add_patterns(self->gaz, self->match, 0) != 0 ||
        at_actors_add_patterns(self->actors, self->match, self->actor_base) != 0) {
        snprintf(err, errlen, "matcher: out of memory");
        return -1;
    }
    uint32_t dup[2] = {UINT32_MAX, UINT32_MAX};
    if (at_match_compile(self->match, dup) != 0 && dup[0] == UINT32_MAX) {
        snprintf(err, errlen, "matcher: out of memory"); /* no duplicate was named */
        return -1;
    }
    if (dup[0] != UINT32_MAX) {
        /* One spelling, two meanings: the small engine cannot choose, so
         * the data must not ask it to (see docs/data.md, "Matching"). */
        const char *t0, *t1, *p0, *p1;
        size_t l0, l1;
        describe(self, dup[0], &t0, &p0, &l0);
        describe(self, dup[1], &t1, &p1, &l1);
        snprintf(err, errlen,
                 "%s:%zu: alias '%s' (or its ALL-CAPS form) is the same as '%s' at %s:%zu", p1, l1,
                 t1, t0, p0, l0);
        return -1;
    }
    return 0;
}

at_enrich_t *at_enrich_new(const char *data_dir, char *err, size_t errlen)
{
    char scratch[8];
    if (!err || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    err[0] = '\0';
    if (!data_dir) {
        snprintf(err, errlen, "at_enrich_new: no data directory");
        return NULL;
    }
    at_enrich_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "%s: out of memory", data_dir);
        return NULL;
    }
    if (load_version(self, data_dir, err, errlen) != 0 ||
        !(self->gaz = at_gazetteer_new(data_dir, err, errlen)) ||
        !(self->treaty = at_treaty_new(data_dir, self->gaz, err, errlen)) ||
        !(self->actors = at_actors_new(data_dir, self->gaz, self->as_of, err, errlen)))
        goto fail;
    if (at_treaty_find(self->treaty, AT_TREATY_ROME_STATUTE, &self->rome) != 0) {
        snprintf(err, errlen, "%s/treaties.tsv:0: no '%s' row (the warrant rule needs it)",
                 data_dir, AT_TREATY_ROME_STATUTE);
        goto fail;
    }
    if (build_matcher(self, err, errlen) != 0)
        goto fail;
    at_alerts_config_default(&self->alerts);
    return self;
fail:
    at_enrich_destroy(&self);
    return NULL;
}

void at_enrich_destroy(at_enrich_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_enrich_t *self = *self_p;
    at_match_destroy(&self->match);
    at_actors_destroy(&self->actors);
    at_treaty_destroy(&self->treaty);
    at_gazetteer_destroy(&self->gaz);
    free(self);
    *self_p = NULL;
}

void at_enrich_set_alerts(at_enrich_t *self, const at_alerts_config_t *cfg)
{
    if (self && cfg)
        self->alerts = *cfg;
}

const char *at_enrich_data_version(const at_enrich_t *self)
{
    return self ? self->version : "";
}

size_t at_enrich_country_count(const at_enrich_t *self)
{
    return self ? at_gazetteer_country_count(self->gaz) : 0;
}

size_t at_enrich_alias_count(const at_enrich_t *self)
{
    return self ? at_gazetteer_alias_count(self->gaz) : 0;
}

size_t at_enrich_actor_count(const at_enrich_t *self)
{
    return self ? at_actors_count(self->actors) : 0;
}

void at_enrich_event_free(Attache__V1__Event **ev_p)
{
    if (!ev_p || !*ev_p)
        return;
    protobuf_c_message_free_unpacked(&(*ev_p)->base, NULL);
    *ev_p = NULL;
}

/* --- one item ------------------------------------------------------------ */

typedef struct {
    uint32_t mentions;
    size_t first; /* absolute offset of the first mention */
    int in_title;
    unsigned kinds; /* bit per Attache__V1__MentionKind */
} tally_t;

/* One hit of the matcher, kept until the whole item is scanned: the
 * rules below look at its neighbours and at the rest of the item. */
typedef struct {
    uint32_t off;   /* byte offset within its segment */
    uint32_t len;   /* bytes */
    uint32_t value; /* matcher value */
    uint32_t row;   /* the gazetteer row it resolved to; DROPPED: none */
    uint8_t seg;    /* 0 title, 1 body (or summary) */
    int8_t verdict; /* context cues near it: CUE_NONE, CUE_FOR, CUE_AGAINST */
} hit_t;

#define DROPPED UINT32_MAX
/* scan_t.rowflags: what the item says about a row, computed once. */
enum {
    ROW_AGAINST = 1, /* a hit of the row had an against word near it */
    ROW_FOR = 2,     /* a hit of the row had a context word near it */
    ROW_CHECKED = 4, /* ROW_IN_ITEM is known */
    ROW_IN_ITEM = 8, /* a context word of the row occurs in the item */
};
enum { CUE_NONE = 0, CUE_FOR = 1, CUE_AGAINST = -1 };

typedef struct {
    const at_enrich_t *self;
    at_day_t day;
    tally_t *countries;
    tally_t *actors;
    const char *segs[2]; /* title, body */
    size_t seglen[2];
    size_t segbase[2]; /* offset of each segment in title + "\n\n" + body */
    int title_case;    /* the title is a Title Case headline */
    uint8_t cur;       /* the segment being scanned */
    hit_t *hits;
    size_t nhits, cap;
    int oom;
    uint8_t *rowflags;             /* per gazetteer row: ROW_* bits, for this item */
    const at_alias_t *title_place; /* first capital/city in the title */
    const at_alias_t *travel;      /* first place/country after a travel phrase */
    const at_alias_t *title_name;  /* first country named (not a demonym) in the title */
} scan_t;

/* Phrases that put the actor of a sentence in the place named next:
 * "arrived in Ulaanbaatar", "trip to Kazakhstan", "a summit in Astana",
 * "hosted by Mongolia". Lower case; compared with the words just before
 * a mention, ignoring ASCII case and an article "the". */
static const char *const travel_phrases[] = {
    "visit",        "visits",        "visited",     "visiting",       "visit to",    "arrive in",
    "arrives in",   "arrived in",    "arriving in", "arrival in",     "land in",     "lands in",
    "landed in",    "landing in",    "travel to",   "travels to",     "traveled to", "travelled to",
    "traveling to", "travelling to", "fly to",      "flies to",       "flew to",     "flying to",
    "trip to",      "summit in",     "hosted by",   "state visit to",
};

/* Whether the text just before seg[off] ends with a travel phrase, as
 * whole words. */
static int after_travel_phrase(const char *seg, size_t off)
{
    char buf[40];
    size_t n = off < sizeof buf - 1 ? off : sizeof buf - 1;
    for (size_t i = 0; i < n; i++) {
        char c = seg[off - n + i];
        buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    buf[n] = '\0';
    while (n > 0 && buf[n - 1] == ' ')
        buf[--n] = '\0';
    if (n >= 4 && memcmp(buf + n - 4, " the", 4) == 0) {
        n -= 4;
        buf[n] = '\0';
        while (n > 0 && buf[n - 1] == ' ')
            buf[--n] = '\0';
    }
    for (size_t i = 0; i < sizeof travel_phrases / sizeof *travel_phrases; i++) {
        size_t k = strlen(travel_phrases[i]);
        if (k <= n && memcmp(buf + n - k, travel_phrases[i], k) == 0) {
            char before = k < n ? buf[n - k - 1] : ' ';
            if (!((before >= 'a' && before <= 'z') || (before >= '0' && before <= '9')))
                return 1;
        }
    }
    return 0;
}

static void tally(tally_t *t, size_t off, int in_title)
{
    if (t->mentions == 0 || off < t->first)
        t->first = off;
    if (t->mentions < UINT32_MAX)
        t->mentions++;
    t->in_title |= in_title;
}

static void on_match(void *arg, size_t offset, size_t len, uint32_t value)
{
    scan_t *s = arg;
    if (s->nhits == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        hit_t *nh = realloc(s->hits, ncap * sizeof *nh);
        if (!nh) {
            s->oom = 1;
            return;
        }
        s->hits = nh;
        s->cap = ncap;
    }
    /* Segments are at most MAX_SCAN bytes, so offsets fit. */
    s->hits[s->nhits++] =
        (hit_t){(uint32_t)offset, (uint32_t)len, value, DROPPED, s->cur, CUE_NONE};
}

/* --- disambiguation rules (docs/data.md, "Ambiguity") --------------------- */

/* The nearest `kind` cue ("context" or "against") of row a to hit h:
 * within `window` bytes in h's segment, or (window SIZE_MAX) anywhere in
 * the item. SIZE_MAX when there is none. */
static size_t nearest_cue(const scan_t *s, const hit_t *h, const at_alias_t *a, const char *kind,
                          size_t window)
{
    size_t best = SIZE_MAX, klen = strlen(kind);
    if (!a->cues)
        return best;
    for (const char *c = a->cues; *c;) {
        size_t span = strcspn(c, ";");
        if (span > klen && c[klen] == ':' && memcmp(c, kind, klen) == 0) {
            for (const char *w = c + klen + 1; w < c + span;) {
                size_t wl = strcspn(w, "|;");
                for (int g = 0; g < 2; g++) {
                    if (window != SIZE_MAX && g != h->seg)
                        continue;
                    size_t d, o = g == h->seg ? h->off : 0, l = g == h->seg ? h->len : 0;
                    if (at_context_cue_near(s->segs[g], s->seglen[g], o, l, w, wl, window, &d) &&
                        d < best)
                        best = d;
                }
                w += wl + (w[wl] == '|');
            }
        }
        c += span + (c[span] == ';');
    }
    return best;
}

/* Whether a context word of row `row` occurs anywhere in the item
 * (searched once per item and row). */
static int context_in_item(scan_t *s, const hit_t *h, uint32_t row)
{
    uint8_t *f = &s->rowflags[row];
    if (!(*f & ROW_CHECKED)) {
        *f |= ROW_CHECKED;
        if (nearest_cue(s, h, at_gazetteer_alias(s->self->gaz, row), "context", SIZE_MAX) !=
            SIZE_MAX)
            *f |= ROW_IN_ITEM;
    }
    return (*f & ROW_IN_ITEM) != 0;
}

/* What the cues of row a say about hit h: the nearest cue within the
 * window decides (a context word for this row, an against word for the
 * other meaning); a tie goes to the context word. */
static int local_verdict(const scan_t *s, const hit_t *h, const at_alias_t *a)
{
    size_t dc = nearest_cue(s, h, a, "context", AT_CONTEXT_WINDOW);
    size_t da = nearest_cue(s, h, a, "against", AT_CONTEXT_WINDOW);
    if (dc == SIZE_MAX && da == SIZE_MAX)
        return CUE_NONE;
    return dc <= da ? CUE_FOR : CUE_AGAINST;
}

/* A spelling on several rows (London: GBR and CAN): the row its context
 * cues point to. A row with a context word nearest within the window
 * wins; rows with an against word nearby are out; of the rest, the one
 * row whose context words occur anywhere in the item, else the `default`
 * row, else none. Returns the row, or DROPPED. */
#define MAX_SIBLINGS 8
static uint32_t choose_row(scan_t *s, const hit_t *h, uint32_t hit)
{
    const at_gazetteer_t *gaz = s->self->gaz;
    size_t rows[MAX_SIBLINGS], k = 0;
    size_t r = hit;
    do {
        rows[k++] = r;
        r = at_gazetteer_alias(gaz, r)->next_same;
    } while (r != hit && k < MAX_SIBLINGS);
    size_t best = SIZE_MAX, best_d = SIZE_MAX, in_item = SIZE_MAX, n_in_item = 0, dflt = SIZE_MAX;
    int out[MAX_SIBLINGS] = {0};
    for (size_t j = 0; j < k; j++) {
        const at_alias_t *a = at_gazetteer_alias(gaz, rows[j]);
        size_t dc = nearest_cue(s, h, a, "context", AT_CONTEXT_WINDOW);
        size_t da = nearest_cue(s, h, a, "against", AT_CONTEXT_WINDOW);
        if (dc != SIZE_MAX && dc <= da && dc < best_d) {
            best = rows[j];
            best_d = dc;
        }
        out[j] = da != SIZE_MAX && da < dc; /* the other meaning, here */
    }
    if (best != SIZE_MAX)
        return (uint32_t)best;
    for (size_t j = 0; j < k; j++) {
        const at_alias_t *a = at_gazetteer_alias(gaz, rows[j]);
        if (out[j])
            continue;
        if (context_in_item(s, h, (uint32_t)rows[j])) {
            in_item = rows[j];
            n_in_item++;
        }
        if (a->disambiguation & AT_DIS_DEFAULT)
            dflt = rows[j];
    }
    if (n_in_item == 1)
        return (uint32_t)in_item;
    return dflt != SIZE_MAX ? (uint32_t)dflt : DROPPED;
}

/* Whether another hit ends exactly at `end` / starts exactly at `start`
 * in h's segment (the neighbouring word is a known spelling, not a
 * person's name). Hits are in text order, so only the adjacent ones can. */
static int hit_ends_at(const scan_t *s, size_t i, size_t end)
{
    return i > 0 && s->hits[i - 1].seg == s->hits[i].seg &&
           s->hits[i - 1].off + s->hits[i - 1].len == end;
}

static int hit_starts_at(const scan_t *s, size_t i, size_t start)
{
    return i + 1 < s->nhits && s->hits[i + 1].seg == s->hits[i].seg && s->hits[i + 1].off == start;
}

/* The given-name rule: the spelling is part of a person's name when the
 * word right before or right after it looks like a name ("Michael
 * Jordan", "Chad Daybell", "Kobe Bryant") and is not itself a spelling.
 * Not applied in Title Case headlines, where every word has a capital. */
static int name_before(const scan_t *s, size_t i)
{
    const hit_t *h = &s->hits[i];
    size_t ws, wl;
    if (h->seg == 0 && s->title_case)
        return 0;
    return at_context_prev_word(s->segs[h->seg], h->off, &ws, &wl) &&
           at_context_name_like(s->segs[h->seg] + ws, wl) && !hit_ends_at(s, i, ws + wl);
}

static int name_after(const scan_t *s, size_t i)
{
    const hit_t *h = &s->hits[i];
    size_t ws, wl;
    if (h->seg == 0 && s->title_case)
        return 0;
    return at_context_next_word(s->segs[h->seg], s->seglen[h->seg], h->off + h->len, &ws, &wl) &&
           at_context_name_like(s->segs[h->seg] + ws, wl) && !hit_starts_at(s, i, ws);
}

/* An ALL-CAPS abbreviation whose lower-case form is a word ("US"). */
static int caps_abbreviation(const at_alias_t *a)
{
    if (!(a->disambiguation & AT_DIS_CASE) || a->caps)
        return 0;
    for (const char *p = a->text; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || *p == '.'))
            return 0;
    return 1;
}

/* Resolve a country/place hit to its row, or DROPPED (docs/data.md,
 * "Ambiguity": context cues, the given-name rule, language names,
 * abbreviations in ALL-CAPS text). */
static uint32_t resolve_place(scan_t *s, size_t i)
{
    hit_t *h = &s->hits[i];
    const at_gazetteer_t *gaz = s->self->gaz;
    const at_alias_t *a = at_gazetteer_alias(gaz, h->value);
    int multi = a->shadowed || (a->disambiguation & AT_DIS_DEFAULT);
    if (a->blocker)
        return DROPPED; /* "New Mexico": matched so that "Mexico" is not */
    uint32_t row = multi ? choose_row(s, h, h->value) : h->value;
    if (row == DROPPED)
        return DROPPED;
    const at_alias_t *r = at_gazetteer_alias(gaz, row);
    const char *seg = s->segs[h->seg];
    if (!multi && (r->disambiguation & AT_DIS_CONTEXT)) {
        h->verdict = (int8_t)local_verdict(s, h, r);
        s->rowflags[row] |= h->verdict == CUE_AGAINST ? ROW_AGAINST
                            : h->verdict == CUE_FOR   ? ROW_FOR
                                                      : 0;
        if (h->verdict == CUE_AGAINST)
            return DROPPED;
    }
    if ((r->disambiguation & AT_DIS_GIVEN_NAME) && h->verdict != CUE_FOR &&
        (name_before(s, i) || name_after(s, i)))
        return DROPPED;
    if (r->kind == ATTACHE__V1__MENTION_KIND__MENTION_KIND_DEMONYM &&
        at_context_language_use(seg, s->seglen[h->seg], h->off, h->len))
        return DROPPED;
    if (caps_abbreviation(r) && at_context_all_caps_around(seg, s->seglen[h->seg], h->off, h->len))
        return DROPPED;
    return row;
}

/* One sense per item: a mention of a context row with no cue near it
 * follows the item's other mentions of that row. It is dropped when
 * some mention had an against word near it, none had a context word,
 * and no context word of the row occurs anywhere in the item ("Atlanta,
 * Georgia ... Georgia's governor ... Georgia"). */
static int discourse_against(scan_t *s, size_t i)
{
    const hit_t *h = &s->hits[i];
    uint8_t f = s->rowflags[h->row];
    return (f & ROW_AGAINST) && !(f & ROW_FOR) && !context_in_item(s, h, h->row);
}

static int ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t k = 0;
        while (k < n && hay[k] && ((hay[k] | 0x20) == (needle[k] | 0x20) || hay[k] == needle[k]))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

/* Whether the actor holds an office the title names on day, or, for a
 * title marked as past ("former Prime Minister", past != 0), held one on
 * or before it: "Prime Minister Cameron" fits David Cameron in 2015,
 * "President Johnson" never fits Boris Johnson, and "Foreign Secretary
 * Miliband" in 2026 does not fit David Miliband (Foreign Secretary
 * 2007–2010) while "former Foreign Secretary Miliband" does. A term whose
 * end is not known (open, or last seen before day) still fits, and so
 * does one whose start is not known (first seen after day). */
static int title_fits(const at_actor_t *a, const at_title_t *t, int past, at_day_t day)
{
    if (!t || !t->strong)
        return 0;
    for (size_t r = 0; r < a->nroles; r++) {
        const at_role_t *ro = &a->roles[r];
        if (ro->start != AT_DAY_NONE && ro->start > day)
            continue;
        if (!past && ro->end != AT_DAY_NONE && ro->end <= day)
            continue;
        if ((t->in_role && ci_contains(ro->title, t->in_role)) ||
            (t->role_id && strcmp(ro->role, t->role_id) == 0))
            return 1;
    }
    return 0;
}

/* Which actor an actor hit names (docs/data.md, "Matching"), or
 * AT_ALIAS_NONE: a surname right after another name-like word is someone
 * else's ("Hunter Biden", "James Cameron"); a surname shared with others
 * (`surname_context`) counts only after the actor was named earlier in the
 * item, or right after an office title the actor holds ("Prime Minister
 * Cameron"). A spelling several actors share (a chain of aliases) names
 * the one actor of the chain that passes that test, and nobody when none
 * or more than one does ("Miliband" after both brothers were named). */
static size_t actor_named(const scan_t *s, size_t i)
{
    const hit_t *h = &s->hits[i];
    const at_actors_t *actors = s->self->actors;
    size_t first = h->value - s->self->actor_base;
    const at_actor_alias_t *a = at_actors_alias(actors, first);
    if (a->form == AT_FORM_FULL)
        return a->actor;
    const char *seg = s->segs[h->seg];
    const at_title_t *t = at_context_title_before(seg, h->off);
    if (!t && name_before(s, i))
        return AT_ALIAS_NONE;
    if (a->form == AT_FORM_SURNAME)
        return a->actor;
    int past = t && at_context_title_past(seg, h->off); /* no second scan without a title */
    size_t found = AT_ALIAS_NONE;
    for (size_t k = first; k != AT_ALIAS_NONE; k = at_actors_alias(actors, k)->next_shared) {
        size_t actor = at_actors_alias(actors, k)->actor;
        if (s->actors[actor].mentions == 0 &&
            !title_fits(at_actors_get(actors, actor), t, past, s->day))
            continue;
        if (found != AT_ALIAS_NONE)
            return AT_ALIAS_NONE;
        found = actor;
    }
    return found;
}

static void count_place(scan_t *s, const hit_t *h)
{
    const at_alias_t *a = at_gazetteer_alias(s->self->gaz, h->row);
    size_t off = s->segbase[h->seg] + h->off;
    int in_title = h->seg == 0;
    tally_t *t = &s->countries[a->country];
    tally(t, off, in_title);
    t->kinds |= 1u << a->kind;
    if (in_title && a->place && !s->title_place)
        s->title_place = a;
    if (in_title && !s->title_name && a->kind != ATTACHE__V1__MENTION_KIND__MENTION_KIND_DEMONYM)
        s->title_name = a;
    if (!s->travel && a->kind != ATTACHE__V1__MENTION_KIND__MENTION_KIND_DEMONYM &&
        after_travel_phrase(s->segs[h->seg], h->off))
        s->travel = a;
}

/* Every hit of the item, in text order: actors at once (the surname rule
 * looks back only), places once each has its row, then the item-wide
 * context rule, then the tallies. */
static void resolve_hits(scan_t *s)
{
    for (size_t i = 0; i < s->nhits; i++) {
        hit_t *h = &s->hits[i];
        if (h->value >= s->self->actor_base) {
            size_t actor = actor_named(s, i);
            if (actor != AT_ALIAS_NONE)
                tally(&s->actors[actor], s->segbase[h->seg] + h->off, h->seg == 0);
            continue;
        }
        h->row = resolve_place(s, i);
    }
    for (size_t i = 0; i < s->nhits; i++) {
        hit_t *h = &s->hits[i];
        if (h->value >= s->self->actor_base || h->row == DROPPED)
            continue;
        if (h->verdict == CUE_NONE &&
            (at_gazetteer_alias(s->self->gaz, h->row)->disambiguation & AT_DIS_CONTEXT) &&
            h->row == h->value && discourse_against(s, i))
            continue;
        count_place(s, h);
    }
}

static int set_day(char **field, at_day_t day)
{
    char buf[16];
    if (day == AT_DAY_NONE)
        return 0;
    return at_pbstr_set(field, at_day_format(day, buf, sizeof buf));
}

/* Allocate a repeated message field of n entries; elements are added with
 * push so that a failure half-way leaves a message free_unpacked can free. */
static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

/* Sort helper: indices ordered by their tally's first offset. */
typedef struct {
    size_t index;
    size_t first;
} order_t;

static int cmp_order(const void *a, const void *b)
{
    const order_t *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

static order_t *mentioned(const tally_t *t, size_t n, size_t *count)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += t[i].mentions > 0;
    *count = k;
    order_t *o = malloc((k ? k : 1) * sizeof *o);
    if (!o)
        return NULL;
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].mentions > 0)
            o[k++] = (order_t){i, t[i].first};
    if (k > 1)
        qsort(o, k, sizeof *o, cmp_order);
    return o;
}

static int add_treaty_status(const at_enrich_t *self, Attache__V1__CountryMention *cm,
                             size_t country, at_day_t day)
{
    size_t nt = at_treaty_count(self->treaty);
    if (at_pb_reserve((void ***)&cm->treaties, &cm->n_treaties, nt) != 0)
        return -1;
    for (size_t t = 0; t < nt; t++) {
        at_treaty_status_t st;
        at_treaty_status(self->treaty, t, country, day, &st);
        /* Unknown is left out rather than reported as a status. */
        if (st.state == ATTACHE__V1__TREATY_STATE__TREATY_STATE_UNSPECIFIED)
            continue;
        Attache__V1__TreatyStatus *ts = at_pb_add((void **)cm->treaties, &cm->n_treaties,
                                                  &attache__v1__treaty_status__descriptor);
        if (!ts)
            return -1;
        ts->status = st.state;
        if (at_pbstr_set(&ts->treaty, at_treaty_id(self->treaty, t)) ||
            set_day(&ts->signed_, st.signed_on) ||
            at_pbstr_set(&ts->consent_type, st.consent_type) || set_day(&ts->consent, st.consent) ||
            set_day(&ts->in_force, st.in_force) || set_day(&ts->in_force_by, st.in_force_by) ||
            set_day(&ts->withdrawal_notified, st.withdrawal_notified) ||
            set_day(&ts->withdrawal_effective, st.withdrawal_effective) ||
            set_day(&ts->signature_withdrawn, st.signature_withdrawn) ||
            set_day(&ts->withdrawal_revoked, st.withdrawal_revoked) ||
            set_day(&ts->consent_withdrawn, st.consent_withdrawn) ||
            at_pbstr_set(&ts->source, st.source))
            return -1;
    }
    return 0;
}

static int add_countries(const at_enrich_t *self, Attache__V1__Event *ev, const tally_t *tallies,
                         at_day_t day)
{
    size_t n;
    order_t *order = mentioned(tallies, at_gazetteer_country_count(self->gaz), &n);
    if (!order)
        return -1;
    int rc = at_pb_reserve((void ***)&ev->countries, &ev->n_countries, n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const tally_t *t = &tallies[order[i].index];
        const at_country_t *c = at_gazetteer_country(self->gaz, order[i].index);
        Attache__V1__CountryMention *cm = at_pb_add((void **)ev->countries, &ev->n_countries,
                                                    &attache__v1__country_mention__descriptor);
        if (!cm) {
            rc = -1;
            break;
        }
        cm->mentions = t->mentions;
        cm->first_offset = (uint32_t)t->first;
        cm->in_title = t->in_title;
        size_t nk = 0;
        for (unsigned k = 0; k < 32; k++)
            nk += (t->kinds >> k) & 1u;
        cm->kinds = malloc((nk ? nk : 1) * sizeof *cm->kinds);
        if (!cm->kinds || at_pbstr_set(&cm->code, c->code) || at_pbstr_set(&cm->name, c->name)) {
            rc = -1;
            break;
        }
        for (unsigned k = 0; k < 32; k++)
            if ((t->kinds >> k) & 1u)
                cm->kinds[cm->n_kinds++] = (Attache__V1__MentionKind)k;
        rc = add_treaty_status(self, cm, order[i].index, day);
    }
    free(order);
    return rc;
}

static int add_roles(const at_enrich_t *self, Attache__V1__ActorMention *am, const at_actor_t *a,
                     at_day_t day)
{
    size_t n = 0;
    for (size_t r = 0; r < a->nroles; r++)
        n += at_role_held(&a->roles[r], day);
    if (at_pb_reserve((void ***)&am->roles, &am->n_roles, n) != 0)
        return -1;
    for (size_t r = 0; r < a->nroles; r++) {
        const at_role_t *ro = &a->roles[r];
        if (!at_role_held(ro, day))
            continue;
        Attache__V1__Role *m =
            at_pb_add((void **)am->roles, &am->n_roles, &attache__v1__role__descriptor);
        if (!m)
            return -1;
        if (at_pbstr_set(&m->role, ro->role) ||
            at_pbstr_set(&m->country, at_gazetteer_country(self->gaz, ro->country)->code) ||
            at_pbstr_set(&m->title, ro->title) || set_day(&m->start, ro->start) ||
            set_day(&m->first_seen, ro->first_seen) || set_day(&m->end, ro->end) ||
            set_day(&m->last_seen, ro->last_seen))
            return -1;
    }
    return 0;
}

static int add_warrants(Attache__V1__ActorMention *am, const at_actor_t *a, at_day_t day)
{
    size_t n = 0;
    for (size_t w = 0; w < a->nwarrants; w++)
        n += at_warrant_status(&a->warrants[w], day) != NULL;
    if (at_pb_reserve((void ***)&am->warrants, &am->n_warrants, n) != 0)
        return -1;
    for (size_t w = 0; w < a->nwarrants; w++) {
        const at_warrant_t *wa = &a->warrants[w];
        const char *status = at_warrant_status(wa, day);
        if (!status)
            continue;
        Attache__V1__Warrant *m =
            at_pb_add((void **)am->warrants, &am->n_warrants, &attache__v1__warrant__descriptor);
        if (!m)
            return -1;
        if (at_pbstr_set(&m->court, wa->court) || set_day(&m->issued, wa->issued) ||
            at_pbstr_set(&m->status, status) ||
            set_day(&m->status_date, at_warrant_status_date(wa, day)) ||
            at_pbstr_set(&m->reference, wa->reference) || at_pbstr_set(&m->source, wa->source))
            return -1;
    }
    return 0;
}

static int add_actors(const at_enrich_t *self, Attache__V1__Event *ev, const tally_t *tallies,
                      at_day_t day)
{
    size_t n;
    order_t *order = mentioned(tallies, at_actors_count(self->actors), &n);
    if (!order)
        return -1;
    int rc = at_pb_reserve((void ***)&ev->actors, &ev->n_actors, n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const tally_t *t = &tallies[order[i].index];
        const at_actor_t *a = at_actors_get(self->actors, order[i].index);
        Attache__V1__ActorMention *am =
            at_pb_add((void **)ev->actors, &ev->n_actors, &attache__v1__actor_mention__descriptor);
        if (!am) {
            rc = -1;
            break;
        }
        am->mentions = t->mentions;
        am->first_offset = (uint32_t)t->first;
        if (at_pbstr_set(&am->id, a->id) || at_pbstr_set(&am->name, a->name) ||
            at_pbstr_set(&am->country, at_gazetteer_country(self->gaz, a->country)->code) ||
            add_roles(self, am, a, day) || add_warrants(am, a, day))
            rc = -1;
    }
    free(order);
    return rc;
}

static int add_location(const at_enrich_t *self, Attache__V1__Event *ev, const at_alias_t *place,
                        const char *basis)
{
    Attache__V1__Location *loc =
        at_pb_add((void **)ev->locations, &ev->n_locations, &attache__v1__location__descriptor);
    if (!loc)
        return -1;
    const at_country_t *c = at_gazetteer_country(self->gaz, place->country);
    if (at_pbstr_set(&loc->code, c->code) || at_pbstr_set(&loc->place, place->place) ||
        at_pbstr_set(&loc->basis, basis))
        return -1;
    return 0;
}

/* Locations an event can get: three strong ones (dateline, travel,
 * title) and two weak ones (title_country, most_mentioned). */
#define MAX_LOCATIONS 5

/* Append to ev->locations, which has room for MAX_LOCATIONS. */
static int add_country_location(const at_enrich_t *self, Attache__V1__Event *ev, size_t country,
                                const char *basis)
{
    Attache__V1__Location *loc =
        at_pb_add((void **)ev->locations, &ev->n_locations, &attache__v1__location__descriptor);
    if (!loc)
        return -1;
    const at_country_t *c = at_gazetteer_country(self->gaz, country);
    return at_pbstr_set(&loc->code, c->code) || at_pbstr_set(&loc->basis, basis) ? -1 : 0;
}

/* Whether the event already has a location in this country. */
static int seen_country(const Attache__V1__Event *ev, const at_enrich_t *self, size_t country)
{
    const char *code = at_gazetteer_country(self->gaz, country)->code;
    for (size_t i = 0; i < ev->n_locations; i++)
        if (strcmp(ev->locations[i]->code, code) == 0)
            return 1;
    return 0;
}

/* Whether the event already has this place (or, for a country name, this
 * country) as a location. */
static int seen_location(const Attache__V1__Event *ev, const at_enrich_t *self, const at_alias_t *a)
{
    const char *code = at_gazetteer_country(self->gaz, a->country)->code;
    for (size_t i = 0; i < ev->n_locations; i++) {
        const Attache__V1__Location *l = ev->locations[i];
        if (strcmp(l->code, code) == 0 && (!a->place || strcmp(l->place, a->place) == 0))
            return 1;
    }
    return 0;
}

Attache__V1__Event *at_enrich_item(const at_enrich_t *self, Attache__V1__NewsItem **item_p,
                                   int64_t now)
{
    if (!item_p || !*item_p)
        return NULL;
    Attache__V1__NewsItem *item = *item_p;
    *item_p = NULL;
    Attache__V1__Event *ev = self ? malloc(sizeof *ev) : NULL;
    if (!ev) {
        attache__v1__news_item__free_unpacked(item, NULL);
        return NULL;
    }
    attache__v1__event__init(ev);
    ev->item = item; /* from here on, freeing ev frees the item too */
    ev->enriched = now;

    size_t nc = at_gazetteer_country_count(self->gaz), na = at_actors_count(self->actors);
    scan_t scan = {.self = self};
    scan.countries = calloc(nc ? nc : 1, sizeof *scan.countries);
    scan.actors = calloc(na ? na : 1, sizeof *scan.actors);
    scan.rowflags = calloc(self->actor_base ? self->actor_base : 1, 1);
    if (!scan.countries || !scan.actors || !scan.rowflags)
        goto fail;

    at_day_t day = item->published ? at_day_from_unix(item->published)
                   : item->fetched ? at_day_from_unix(item->fetched)
                                   : at_day_from_unix(now);
    if (at_pbstr_set(&ev->id, item->id) || at_pbstr_set(&ev->data_version, self->version) ||
        set_day(&ev->reference_date, day))
        goto fail;

    /* Offsets refer to title + "\n\n" + text. Scanning the two parts
     * separately gives the same matches: "\n\n" is a word boundary and no
     * spelling contains a newline. */
    const char *title = str_or_empty(item->title);
    const char *text = str_or_empty(item->body);
    if (!*text)
        text = str_or_empty(item->summary);
    size_t tlen = strlen(title), xlen = strlen(text);
    if (tlen > MAX_SCAN)
        tlen = MAX_SCAN;
    if (xlen > MAX_SCAN - tlen)
        xlen = MAX_SCAN - tlen;
    scan.day = day;
    scan.segs[0] = title;
    scan.seglen[0] = tlen;
    scan.segs[1] = text;
    scan.seglen[1] = xlen;
    scan.segbase[1] = tlen + 2;
    scan.title_case = at_context_title_case(title, tlen);
    scan.cur = 0;
    if (at_match_scan(self->match, title, tlen, on_match, &scan) == AT_MATCH_ERROR)
        goto fail;
    scan.cur = 1;
    if (at_match_scan(self->match, text, xlen, on_match, &scan) == AT_MATCH_ERROR || scan.oom)
        goto fail;
    resolve_hits(&scan);

    if (add_countries(self, ev, scan.countries, day) != 0 ||
        add_actors(self, ev, scan.actors, day) != 0)
        goto fail;

    /* Locations, strongest evidence first (docs/data.md, "Locations"):
     * the dateline; a place or country right after a travel
     * phrase; the first capital or city in the title. Only these place
     * the event, so only these feed the alert rules. Weaker guesses
     * follow for consumers that want one anyway: the first country named
     * in the title, then the most mentioned country. */
    size_t loc_country[3], nloc = 0;
    const char *loc_where[3];
    if (at_pb_reserve((void ***)&ev->locations, &ev->n_locations, MAX_LOCATIONS) != 0)
        goto fail;
    const at_alias_t *strong[3] = {at_gazetteer_dateline(self->gaz, text, xlen), scan.travel,
                                   scan.title_place};
    static const char *const strong_basis[3] = {"dateline", "travel", "title"};
    for (size_t i = 0; i < 3; i++) {
        if (!strong[i] || seen_location(ev, self, strong[i]))
            continue;
        if (add_location(self, ev, strong[i], strong_basis[i]) != 0)
            goto fail;
        size_t k = 0;
        while (k < nloc && loc_country[k] != strong[i]->country)
            k++;
        if (k == nloc) {
            loc_where[nloc] = i == 1 ? "is reported travelling to" : "is reported in";
            loc_country[nloc++] = strong[i]->country;
        }
    }
    if (scan.title_name && !seen_country(ev, self, scan.title_name->country)) {
        if (add_country_location(self, ev, scan.title_name->country, "title_country") != 0)
            goto fail;
    }
    size_t best = SIZE_MAX;
    for (size_t c = 0; c < nc; c++) {
        const tally_t *t = &scan.countries[c];
        if (t->mentions && (best == SIZE_MAX || t->mentions > scan.countries[best].mentions ||
                            (t->mentions == scan.countries[best].mentions &&
                             t->first < scan.countries[best].first)))
            best = c;
    }
    if (best != SIZE_MAX && !seen_country(ev, self, best)) {
        if (add_country_location(self, ev, best, "most_mentioned") != 0)
            goto fail;
    }
    at_alerts_place_t places[3];
    for (size_t i = 0; i < nloc; i++)
        places[i] = (at_alerts_place_t){.country = loc_country[i], .where = loc_where[i]};
    const at_alerts_data_t adata = {
        .gaz = self->gaz, .treaty = self->treaty, .actors = self->actors, .rome = self->rome};
    if (at_alerts_apply(&self->alerts, &adata, ev, places, nloc, day) != 0)
        goto fail;

    free(scan.countries);
    free(scan.actors);
    free(scan.hits);
    free(scan.rowflags);
    return ev;
fail:
    free(scan.countries);
    free(scan.actors);
    free(scan.hits);
    free(scan.rowflags);
    at_enrich_event_free(&ev);
    return NULL;
}
