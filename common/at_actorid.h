/*
 * at_actorid: the syntax of an actor id.
 *
 * Actors are keyed by their Wikidata QID ("Q7747": "Q" and digits without a
 * leading zero). A person whose QID no stored record confirms yet, but whose
 * name, offices or warrants are confirmed, is keyed by a local id instead:
 * "attache:" and a slug of lowercase ASCII words joined by single hyphens
 * ("attache:maria-lvova-belova"), at most AT_ACTORID_MAX bytes in all. A
 * local id is replaced by the QID once one is confirmed (docs/data.md,
 * "actors.tsv"). The enrich loader and the sink's actor= filter share these
 * checks so both accept exactly the same ids.
 */
#ifndef AT_ACTORID_H
#define AT_ACTORID_H

#define AT_ACTORID_LOCAL_PREFIX "attache:"
#define AT_ACTORID_MAX          64

typedef enum {
    AT_ACTORID_INVALID = 0,
    AT_ACTORID_QID,   /* Q[1-9][0-9]* */
    AT_ACTORID_LOCAL, /* attache:[a-z0-9]+(-[a-z0-9]+)* */
} at_actorid_kind_t;

/* What kind of id `s` is; AT_ACTORID_INVALID for NULL, "" and anything else. */
at_actorid_kind_t at_actorid_kind(const char *s);

/* Fill `err` with why `s` is not an actor id ("id 'Q07747' is not a Wikidata
 * QID (Q123)"); `what` names the field ("id", "actor=") in the message. */
void at_actorid_explain(const char *what, const char *s, char *err, size_t errlen);

#endif
