#!/usr/bin/env bash
# README command 1: install what Fulcrum needs, build it, and run the six-service mesh on
# the bundled real sample: embedded Redis, lockstep replay, live summary, then the
# comparison table of every leverage policy (identical to `fulcrum backtest`).
# Extra arguments go to `fulcrum up` (e.g. --duration 30, --accounts fixed kelly).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target fulcrum market-data feature-engine signal-engine leverage risk-gatekeeper order-router
exec ./build/services/fulcrum/fulcrum up --config deploy/config/backtest.yaml "$@"
