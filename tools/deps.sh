#!/usr/bin/env bash
# tools/deps.sh: install the Debian 12 packages attache needs to build, run
# and test. Installs only what is missing; runs apt-get update at most once.
# Uses sudo when not root. Safe to run repeatedly.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config git         # toolchain
  libzmq3-dev                                  # transport
  libprotobuf-c-dev protobuf-c-compiler        # wire format
  libjansson-dev                               # JSON contracts
  libinih-dev                                  # INI config files
  libsystemd-dev systemd                       # sd_notify; systemd-analyze for tests
  libxxhash-dev                                # item ids, dedup
  libutf8proc-dev                              # word boundaries in matching
  libxml2-dev libcurl4-openssl-dev libsqlite3-dev  # live feeds: parse, poll, remember
  librdkafka-dev kcat                          # Kafka transport; kcat for the interop test
  libmicrohttpd-dev                            # /metrics, /healthz, /readyz
  libpq-dev                                    # the PostgreSQL sink
  postgresql sqlite3                           # sink tests' real server; sqlite3 CLI (bench anchor)
  libvectorscan-dev time                       # bench: matcher choice (vectorscan), GNU time
  ripgrep                                      # bench: the enrichment anchor (rg)
  libcmocka-dev                                # unit tests
  protobuf-compiler                            # interop test: protoc --decode
  python3 python3-zmq                          # integration tests, benchmarks
  clang-format                                 # style check
  clang libclang-rt-14-dev                     # libFuzzer (CI runs each fuzz target briefly)
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
