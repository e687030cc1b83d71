#!/usr/bin/env bash
# README command 1: install what Fulcrum needs, build it, and compare every leverage
# policy on the bundled real sample. Extra arguments go to `fulcrum backtest`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target fulcrum
exec ./build/services/fulcrum/fulcrum backtest --config deploy/config/backtest.yaml "$@"
