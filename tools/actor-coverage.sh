#!/bin/sh
# actor-coverage.sh: counts of the actor tables (docs/data.md, "Coverage of
# the actor tables"): rows per table, actors by kind of id (Wikidata QID or
# local id), aliases by form, and roles per office
# and state with the years they cover. Usage: tools/actor-coverage.sh [DATA_DIR]
set -eu
dir=${1:-data}
# Table rows without comments and blank lines (the loader skips both).
body() { grep -v '^#' "$dir/$1" | grep -v '^$' || true; }
rows() { body "$1" | grep -vc "^$2	" || true; }
echo "| table | rows |"
echo "|---|---|"
for t in actors.tsv:id actor_aliases.tsv:actor roles.tsv:actor warrants.tsv:actor; do
    echo "| ${t%%:*} | $(rows "${t%%:*}" "${t#*:}") |"
done
echo
echo "| actor id | actors |"
echo "|---|---|"
body actors.tsv | awk -F'\t' 'NR > 1 { if ($1 ~ /^attache:/) l++; else q++ }
END { printf "| Wikidata QID | %d |\n| local id (`attache:`, QID not confirmed) | %d |\n", q, l }'
echo
echo "| alias form | count |"
echo "|---|---|"
body actor_aliases.tsv | awk -F'\t' 'NR > 1 { n[$3]++ } END { for (f in n) printf "| %s | %d |\n", f, n[f] }' | sort
echo
echo "| state | office | terms | from | to |"
echo "|---|---|---|---|---|"
body roles.tsv | awk -F'\t' -v asof="$(cat "$dir/VERSION")" '
# Columns by header name: the format gained last_seen, then first_seen.
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
    k = $col["country"] " | " $col["role"]
    n[k]++
    # The first day known: a start, or a first_seen (the first day a
    # record shows; marked, since the term may have begun earlier).
    s = $col["start"]; f = s
    if (s == "" && ("first_seen" in col)) { s = $col["first_seen"]; f = "first seen " s }
    if (!(k in lo) || s < lo[k]) { lo[k] = s; lf[k] = f }
    # The latest term by the day it is last known to run: an end, a
    # last_seen (the day after it), or open (after every day).
    ls = ("last_seen" in col) ? $col["last_seen"] : ""
    if ($col["end"] != "") { d = $col["end"]; e = d }
    else if (ls ~ /^[0-9]/) { d = ls "+"; e = "last seen " ls }
    else { d = "9999"; e = "open (" asof ")" }
    if (!(k in hd) || d > hd[k]) { hd[k] = d; hi[k] = e }
}
END { for (k in n) printf "| %s | %d | %s | %s |\n", k, n[k], lf[k], hi[k] }' | sort
echo
echo "| warrant status | count |"
echo "|---|---|"
body warrants.tsv | awk -F'\t' 'NR > 1 { n[$5]++ } END { for (s in n) printf "| %s | %d |\n", s, n[s] }' | sort
