#!/bin/sh
# actor-coverage.sh: counts of the actor tables (docs/data.md, "Coverage of
# the actor tables"): rows per table, aliases by form, and roles per office
# and state with the years they cover. Usage: tools/actor-coverage.sh [DATA_DIR]
set -eu
dir=${1:-data}
rows() { grep -v '^#' "$dir/$1" | grep -vc "^$2	" || true; }
echo "| table | rows |"
echo "|---|---|"
for t in actors.tsv:id actor_aliases.tsv:actor roles.tsv:actor warrants.tsv:actor; do
    echo "| ${t%%:*} | $(rows "${t%%:*}" "${t#*:}") |"
done
echo
echo "| alias form | count |"
echo "|---|---|"
grep -v '^#' "$dir/actor_aliases.tsv" | awk -F'\t' 'NR > 1 { n[$3]++ } END { for (f in n) printf "| %s | %d |\n", f, n[f] }' | sort
echo
echo "| state | office | terms | from | to |"
echo "|---|---|---|---|---|"
grep -v '^#' "$dir/roles.tsv" | awk -F'\t' -v asof="$(cat "$dir/VERSION")" '
NR > 1 {
    k = $3 " | " $2
    n[k]++
    if (!(k in lo) || $5 < lo[k]) lo[k] = $5
    e = ($6 != "") ? $6 : ($7 ~ /^[0-9]/) ? "last seen " $7 : "open (" asof ")"
    if (!(k in hi) || e > hi[k]) hi[k] = e
}
END { for (k in n) printf "| %s | %d | %s | %s |\n", k, n[k], lo[k], hi[k] }' | sort
echo
echo "| warrant status | count |"
echo "|---|---|"
grep -v '^#' "$dir/warrants.tsv" | awk -F'\t' 'NR > 1 { n[$5]++ } END { for (s in n) printf "| %s | %d |\n", s, n[s] }' | sort
