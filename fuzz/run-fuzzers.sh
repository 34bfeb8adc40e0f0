#!/usr/bin/env bash
# run-fuzzers.sh: run every libFuzzer target for a while (docs/fuzzing.md).
#
#   fuzz/run-fuzzers.sh BUILD_DIR [SECONDS] [PARALLEL] [TARGET...]
#
# BUILD_DIR is a build configured with CC=clang -DATTACHE_FUZZ=ON. Each
# target runs for SECONDS (default 60) on a scratch copy of its corpus
# (fuzz/corpus/<name> is never written), with its dictionary when there is
# one; PARALLEL targets run at once (default: the number of CPUs). Results
# go to $ATTACHE_FUZZ_OUT (default /tmp/attache-fuzz): <name>.log with the
# final stats, corpus-<name>/ with what the run found interesting, and
# crash-*/leak-*/timeout-* reproducers. Exits non-zero if any target found
# something.
#
# For CI, ATTACHE_FUZZ_RUNS=N runs N inputs per target instead of SECONDS,
# and ATTACHE_FUZZ_SEED=S fixes libFuzzer's seed: the same build then
# explores the same inputs everywhere, so a CI run repeats what passed
# here instead of gambling on new random inputs.
set -u
build=${1:?usage: run-fuzzers.sh BUILD_DIR [SECONDS] [PARALLEL] [TARGET...]}
secs=${2:-60}
par=${3:-$(nproc)}
[ $# -ge 3 ] && shift 3 || shift $#
here=$(cd "$(dirname "$0")" && pwd)
out=${ATTACHE_FUZZ_OUT:-/tmp/attache-fuzz}
mkdir -p "$out"
export ATTACHE_DATA_DIR=${ATTACHE_DATA_DIR:-$here/../data}

targets=${*:-$(cd "$build/fuzz" && ls fuzz_* | sed 's/^fuzz_//')}

dict_for() {
    case $1 in
    json_item | oom | ninjs) echo json ;;
    time) echo time ;;
    config) echo config ;;
    endpoint) echo endpoint ;;
    tsv | enrich_data) echo tsv ;;
    *) echo "" ;;
    esac
}

run_one() {
    name=$1
    work=$out/corpus-$name
    mkdir -p "$work"
    cp -n "$here/corpus/$name/"* "$work/" 2>/dev/null || true
    d=$(dict_for "$name")
    if [ -n "${ATTACHE_FUZZ_RUNS:-}" ]; then
        set -- -runs="$ATTACHE_FUZZ_RUNS"
    else
        set -- -max_total_time="$secs"
    fi
    [ -n "${ATTACHE_FUZZ_SEED:-}" ] && set -- "$@" -seed="$ATTACHE_FUZZ_SEED"
    set -- "$@" -print_final_stats=1 -artifact_prefix="$out/$name-" -timeout=10 \
        -rss_limit_mb=4096
    [ -n "$d" ] && set -- "$@" -dict="$here/dict/$d.dict"
    if "$build/fuzz/fuzz_$name" "$@" "$work" >"$out/$name.log" 2>&1; then
        echo "$name: ok"
    else
        echo "$name: FOUND SOMETHING, see $out/$name.log"
        return 1
    fi
}

status=0
running=0
for t in $targets; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$par" ]; then
        wait -n || status=1
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || status=1
    running=$((running - 1))
done
for t in $targets; do
    grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|cov: .*ft:" \
        "$out/$t.log" | tail -4 | sed "s/^/$t: /"
done
exit $status
