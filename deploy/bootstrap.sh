#!/usr/bin/env bash
# Installs every Debian bookworm package Fulcrum builds, tests or runs with.
# Idempotent: packages already present are skipped, and apt is not touched when none is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates python3
  zlib1g-dev libssl-dev libcurl4-openssl-dev openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libzmq3-dev cppzmq-dev
  libhiredis-dev redis-server
  prometheus-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libsimdjson-dev libzip-dev
  libxgboost-dev
  prometheus
)

# --fuzz adds what tests/fuzz/run.sh needs: clang with its libFuzzer runtime, and time(1).
[ "${1:-}" = "--fuzz" ] && PACKAGES+=(clang libclang-rt-14-dev time)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
