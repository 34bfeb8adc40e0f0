/*
 * at_gazetteer: countries, their names in the news, and their places.
 *
 * Loads three tables (docs/data.md):
 *   countries.tsv  one row per country: ISO 3166-1 alpha-3 and alpha-2
 *                  codes, display name;
 *   aliases.tsv    spellings that name a country in running text: names,
 *                  demonyms, abbreviations ("Russia", "Russian", "U.S.");
 *   places.tsv     capitals and cities, each spelling on its own row, tied
 *                  to a canonical place name ("Ulan Bator" -> "Ulaanbaatar").
 *
 * Every spelling carries a case rule: `exact` matches only as written
 * (so "Turkey" never matches "turkey"), `caps` also matches the ASCII
 * ALL-CAPS form (headlines, wire datelines). Places carry a scope: `text`
 * places are tagged anywhere, `dateline` places only when they open the
 * body as a dateline (ambiguous names such as "Washington").
 *
 * Every spelling may also carry ambiguity marks (docs/data.md,
 * "Ambiguity"): what else the spelling can mean in English text
 * (`ambiguity`), how a reader or a later engine must decide
 * (`disambiguation`), and the words that decide (`cues`). The loader
 * validates them and prepares what the matcher needs:
 *   - a spelling may be on several rows (London in GBR and CAN) only when
 *     every one of those rows is marked `other_place`;
 *   - of such rows, the one marked `default` is matched and the others are
 *     "shadowed" (not matched, not used for datelines); with no `default`,
 *     one of them is matched as a stand-in ("Congolese": COD or COG);
 *     at_enrich picks the row from the context cues of all of them, or the
 *     default, or none;
 *   - the longer names in `longest_match` cues that are not spellings
 *     themselves are added to the matcher as "blockers" whose hits mean
 *     nothing, so "New Mexico" no longer yields Mexico.
 * The `context` and `given_name` rules are applied by at_enrich on each hit
 * (docs/data.md, "Rules of the engine").
 * Clashes are looked for among the rows the text matcher sees (all but
 * dateline-only places) and, separately, among place rows (datelines).
 *
 * The gazetteer feeds its spellings into an at_match matcher (shared with
 * the actor names, so leftmost-longest works across both) and recognizes
 * datelines.
 */
#ifndef AT_GAZETTEER_H
#define AT_GAZETTEER_H

#include <stddef.h>
#include <stdint.h>

#include "at_match.h"
#include "at_tsv.h"
#include "attache/v1/attache.pb-c.h"

typedef struct at_gazetteer at_gazetteer_t;

/* countries.tsv `un_member`. */
typedef enum { AT_UN_NO = 0, AT_UN_MEMBER = 1, AT_UN_OBSERVER = 2 } at_un_member_t;

typedef struct {
    char code[4];    /* ISO 3166-1 alpha-3 */
    char alpha2[3];  /* ISO 3166-1 alpha-2 */
    char numeric[4]; /* ISO 3166-1 numeric; "" for XKX */
    at_un_member_t un_member;
    char *name; /* display name */
    char *source;
} at_country_t;

/* `ambiguity`: what else a spelling can mean (bit set). */
enum {
    AT_AMB_COMMON_WORD = 1u << 0,  /* an ordinary word, in some letter case */
    AT_AMB_GIVEN_NAME = 1u << 1,   /* a person's given name or surname */
    AT_AMB_OTHER_PLACE = 1u << 2,  /* another place or country has it */
    AT_AMB_PART_OF_NAME = 1u << 3, /* inside longer names of other things */
};

/* `disambiguation`: how to decide (bit set). */
enum {
    AT_DIS_CASE = 1u << 0,          /* letter case decides */
    AT_DIS_CONTEXT = 1u << 1,       /* context words (cues "context:...") */
    AT_DIS_LONGEST_MATCH = 1u << 2, /* longer names win (cues "longest_match:...") */
    AT_DIS_GIVEN_NAME = 1u << 3,    /* a person when right next to another name */
    AT_DIS_DEFAULT = 1u << 4,       /* the present engine's pick among rows */
};

typedef struct {
    char *text;     /* the spelling, as written in the table */
    size_t country; /* index of the country */
    Attache__V1__MentionKind kind;
    int caps;          /* case rule `caps`: the ALL-CAPS form matches too */
    int dateline_only; /* places with scope `dateline` */
    char *place;       /* canonical place name (capitals, cities); NULL otherwise */
    const char *path;  /* table it came from and line, for error messages */
    size_t line;
    unsigned ambiguity;      /* AT_AMB_* bits; 0 = unambiguous */
    unsigned disambiguation; /* AT_DIS_* bits */
    char *cues;              /* the `cues` column as written; NULL when empty */
    int shadowed;            /* shares its spelling with other text rows and is
                              * not the default: not matched in text */
    int dateline_shadowed;   /* the same among place rows, for datelines */
    int blocker;             /* a longer name from a longest_match cue ("New Mexico" on
                              * the Mexico row): matched only so that the spelling inside
                              * it is not; its hits must be ignored (at_enrich does) */
    size_t next_same;        /* the next text row with the same spelling (a cycle over
                              * London GBR and CAN, ...); its own index when none */
} at_alias_t;

/* Load countries.tsv, aliases.tsv and places.tsv from data_dir. Any error
 * fails the whole load: NULL with "file:line: reason" in err. Caller owns
 * the result and must destroy it. */
at_gazetteer_t *at_gazetteer_new(const char *data_dir, char *err, size_t errlen);

/* Destroy; NULL-safe, nulls the caller's pointer. */
void at_gazetteer_destroy(at_gazetteer_t **self_p);

/* Countries, in table order. */
size_t at_gazetteer_country_count(const at_gazetteer_t *self);
const at_country_t *at_gazetteer_country(const at_gazetteer_t *self, size_t i);

/* Index of the country with alpha-3 `code`. Returns 0 and sets *index, or
 * -1 when there is no such country. */
int at_gazetteer_country_find(const at_gazetteer_t *self, const char *code, size_t *index);

/* The same for field `col` of a table row that names a country: 0 and
 * *index, or -1 with "path:line: unknown country code 'XX' (not in
 * countries.tsv)" in err. Every table loader reports a bad code this way. */
int at_gazetteer_country_col(const at_gazetteer_t *self, const at_tsv_t *t, size_t col,
                             size_t *index, char *err, size_t errlen);

/* Spellings from aliases.tsv then places.tsv, in table order, then the
 * blockers made from longest_match cues (at_alias_t.blocker). */
size_t at_gazetteer_alias_count(const at_gazetteer_t *self);
const at_alias_t *at_gazetteer_alias(const at_gazetteer_t *self, size_t i);

/* Add every spelling that may match in running text to m, with value
 * base + alias index (both forms of a `caps` spelling get the same
 * value). Dateline-only places are not added; of shadowed rows only one
 * per spelling that has no `default`, so that it wins its span over
 * spellings that merely fold alike, and its hits are ignored (as a
 * blocker's). Returns 0 or -1 on allocation failure. */
int at_gazetteer_add_patterns(const at_gazetteer_t *self, at_match_t *m, uint32_t base);

/* Recognize a dateline at the start of `body` (after leading white space)
 * and return the place it names, or NULL. A dateline is a place name
 * followed, on the same line and within the first 160 bytes, by a dash
 * ("-", "–", "—"), optionally with a comma part and a parenthesized agency
 * in between:
 *     "ASTANA, July 3 (Reuters) -", "ULAANBAATAR —", "Astana, Kazakhstan —".
 * An ALL-CAPS place name is compared with every capital/city spelling
 * ignoring ASCII case; any other form must match a spelling exactly.
 * Shadowed rows are skipped, so an ambiguous name yields its default. */
const at_alias_t *at_gazetteer_dateline(const at_gazetteer_t *self, const char *body, size_t len);

#endif
