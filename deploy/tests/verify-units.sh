#!/usr/bin/env bash
# verify-units.sh: the ctest deploy_systemd_verify. Runs `systemd-analyze
# verify` on the attache systemd units as CMake configured them for
# installation, with their Exec*= paths pointed at the daemons in the build
# tree, and fails on any error or warning about our units.
#
#   verify-units.sh --bindir BUILD_BIN --installed-bindir INSTALL_BIN UNIT...
#
# BUILD_BIN is where the build put attache-ingest, attache-enrich and
# attache-sink; INSTALL_BIN is the bindir the units were configured with
# (CMAKE_INSTALL_FULL_BINDIR). Each UNIT is copied into a temporary directory
# with every INSTALL_BIN/ prefix rewritten to BUILD_BIN/, because
# systemd-analyze verify checks that each Exec*= binary exists and is
# executable, and the installed paths do not exist on a build machine.
#
# Exit status: 0 when the units verify clean; 1 on a problem in our units,
# a daemon binary missing from BUILD_BIN, or bad arguments; 77 (ctest
# SKIP_RETURN_CODE) when systemd-analyze is not installed.
set -euo pipefail

usage() {
    echo "usage: $0 --bindir BUILD_BIN --installed-bindir INSTALL_BIN UNIT..." >&2
    exit 1
}

bindir=
installed_bindir=
units=()
while [ $# -gt 0 ]; do
    case "$1" in
    --bindir) bindir=${2:?}; shift 2 ;;
    --installed-bindir) installed_bindir=${2:?}; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *) units+=("$1"); shift ;;
    esac
done
if [ -z "$bindir" ] || [ -z "$installed_bindir" ] || [ ${#units[@]} -eq 0 ]; then
    usage
fi
# systemd wants absolute paths; trailing slashes would defeat the prefix
# rewrite below.
if [ ! -d "$bindir" ]; then
    echo "FAIL: $bindir does not exist; build the daemons first (cmake --build)"
    exit 1
fi
bindir=$(cd "$bindir" && pwd -P)
installed_bindir=${installed_bindir%/}

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIP: systemd-analyze not found (no systemd on this machine); units not verified"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/attache-verify-units.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail=0
names=()
declare -A reported=()
for unit in "${units[@]}"; do
    name=$(basename "$unit")
    names+=("$name")
    if [ ! -f "$unit" ]; then
        echo "FAIL: unit file $unit does not exist"
        fail=1
        continue
    fi
    # A placeholder configure_file did not replace would install as is.
    if grep -nE '@[A-Za-z_]+@' "$unit"; then
        echo "FAIL: $unit still has @VARIABLE@ placeholders (lines above)"
        fail=1
    fi
    # Plain string replacement, not sed: the paths may hold regex characters.
    while IFS= read -r line || [ -n "$line" ]; do
        printf '%s\n' "${line//"$installed_bindir/"/"$bindir/"}"
    done <"$unit" >"$tmp/$name"

    # Every Exec*= command must be one of ours in BUILD_BIN (after the
    # rewrite) or an absolute system tool, and must exist. systemd-analyze
    # checks only the first command of each Exec*= setting (not the
    # ExecReload=/bin/kill after the --check-config one), and does not say
    # which build step is missing.
    while IFS= read -r cmd; do
        # Strip systemd's command prefixes (-@:+!) to get the path.
        path=${cmd#"${cmd%%/*}"}
        case "$path" in
        "$bindir"/*)
            if [ ! -x "$path" ] && [ -z "${reported[$path]:-}" ]; then
                echo "FAIL: $name runs $path, which is missing or not executable;" \
                    "build the daemons first (cmake --build)"
                reported[$path]=1
                fail=1
            fi
            ;;
        /*)
            # A system tool such as /bin/kill.
            if [ ! -x "$path" ] && [ -z "${reported[$path]:-}" ]; then
                echo "FAIL: $name runs $path, which is missing or not executable"
                reported[$path]=1
                fail=1
            fi
            ;;
        *)
            echo "FAIL: $name: Exec command '$cmd' is not an absolute path" \
                "under $installed_bindir or a system directory"
            fail=1
            ;;
        esac
    done < <(sed -n 's/^Exec[A-Za-z]*=[[:space:]]*\([^[:space:]]*\).*/\1/p' "$tmp/$name")

    if [[ $name == *.service ]] && ! grep '^ExecStart=' "$tmp/$name" | grep -qF "=$bindir/"; then
        echo "FAIL: $name has no ExecStart= under $installed_bindir" \
            "(configured with another bindir?)"
        fail=1
    fi
done

# systemd loads a unit named in PartOf=, After=, WantedBy=... that does not
# exist as an empty "not found" unit without a word, so a typo in a reference
# between our units would pass verify. Check every attache* unit named in a
# dependency setting here.
depkeys='After|Before|Requires|Requisite|Wants|BindsTo|PartOf|Upholds|Conflicts'
depkeys+='|OnFailure|OnSuccess|PropagatesReloadTo|ReloadPropagatedFrom'
depkeys+='|PropagatesStopTo|StopPropagatedFrom|JoinsNamespaceOf'
depkeys+='|WantedBy|RequiredBy|UpheldBy|Also'
while IFS= read -r ref; do
    found=0
    for name in "${names[@]}"; do
        [ "$ref" = "$name" ] && found=1
    done
    if [ "$found" -eq 0 ]; then
        echo "FAIL: a unit refers to $ref, which is not one of ours: ${names[*]}"
        grep -n -F "$ref" "$tmp"/* | grep -v '^[^:]*:[0-9]*:#' | sed 's/^/  | /'
        fail=1
    fi
done < <(grep -h -E "^($depkeys)=" "$tmp"/* | cut -d= -f2- | tr -s '[:blank:]' '\n' |
    grep '^attache' | sort -u)
[ "$fail" -eq 0 ] || exit 1

# --man=no: the units name no man pages, and the host may have none.
# --recursive-errors=no: the exit status reflects our units only, not the
# host's units they pull in by default dependencies (sysinit.target, ...).
set +e
(cd "$tmp" && systemd-analyze verify --man=no --recursive-errors=no "${names[@]/#/$tmp/}") \
    >"$tmp/verify.log" 2>&1
rc=$?
set -e

# systemd-analyze also prints messages about the host that are none of our
# business, e.g. warnings about the distribution's own units it loads as
# dependencies, or about running outside a booted system (in containers,
# chroots). A message concerns us if it names one of our units or a file in
# our temporary directory (problems with the build tree's binaries are
# reported under the unit's name). Those fail the test, and so does a
# non-zero exit status even when no message names our units (with
# --recursive-errors=no it can only come from them). The rest is shown as
# ignored so that a reader can still see it.
patterns=(-e "$tmp")
for name in "${names[@]}"; do
    patterns+=(-e "$name")
done
ours=$(grep -F "${patterns[@]}" "$tmp/verify.log" || true)
others=$(grep -vF "${patterns[@]}" "$tmp/verify.log" || true)

if [ -n "$others" ]; then
    echo "systemd-analyze said, about the host rather than our units (ignored):"
    printf '%s\n' "$others" | sed 's/^/  | /'
fi
if [ -n "$ours" ] || [ "$rc" -ne 0 ]; then
    echo "FAIL: systemd-analyze verify (exit status $rc) on ${names[*]}:"
    printf '%s\n' "${ours:-(no message names our units; see the output above)}" | sed 's/^/  | /'
    exit 1
fi
echo "OK: systemd-analyze verify found nothing to say about ${names[*]}"
