/*
 * at_actorid: the syntax of an actor id (Wikidata QID or attache-local id).
 * See at_actorid.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "at_actorid.h"

static int is_qid(const char *s)
{
    if (s[0] != 'Q' || s[1] < '1' || s[1] > '9')
        return 0;
    size_t n = 2;
    for (s += 2; *s; s++, n++)
        if (*s < '0' || *s > '9' || n >= AT_ACTORID_MAX)
            return 0;
    return 1;
}

static int is_local(const char *s)
{
    size_t plen = sizeof AT_ACTORID_LOCAL_PREFIX - 1;
    if (strncmp(s, AT_ACTORID_LOCAL_PREFIX, plen) != 0 || strlen(s) > AT_ACTORID_MAX)
        return 0;
    s += plen;
    if (!*s || *s == '-')
        return 0;
    for (; *s; s++) {
        int word = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9');
        /* A hyphen only between two word characters. */
        if (!word && !(*s == '-' && s[1] && s[1] != '-'))
            return 0;
    }
    return 1;
}

at_actorid_kind_t at_actorid_kind(const char *s)
{
    if (!s || !*s)
        return AT_ACTORID_INVALID;
    if (is_qid(s))
        return AT_ACTORID_QID;
    if (is_local(s))
        return AT_ACTORID_LOCAL;
    return AT_ACTORID_INVALID;
}

void at_actorid_explain(const char *what, const char *s, char *err, size_t errlen)
{
    if (!s)
        s = "";
    if (s[0] == 'Q')
        snprintf(err, errlen, "%s '%s' is not a Wikidata QID (Q123)", what, s);
    else if (strncmp(s, AT_ACTORID_LOCAL_PREFIX, sizeof AT_ACTORID_LOCAL_PREFIX - 1) == 0)
        snprintf(err, errlen,
                 "%s '%s' is not a local id (attache: and lowercase ASCII words joined by "
                 "single hyphens, at most %d bytes)",
                 what, s, AT_ACTORID_MAX);
    else
        snprintf(err, errlen,
                 "%s '%s' is neither a Wikidata QID (Q123) nor a local id (attache:first-last)",
                 what, s);
}
