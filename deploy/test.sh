#!/usr/bin/env bash
# README command 2: install, build everything with warnings as errors, run every test.
# FULCRUM_SANITIZE=1 builds with ASan and UBSan into build-asan/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/bootstrap.sh
build_dir=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DFULCRUM_WERROR=ON)
if [ "${FULCRUM_SANITIZE:-0}" = 1 ]; then
  build_dir=build-asan
  flags=(-DCMAKE_BUILD_TYPE=Debug -DFULCRUM_SANITIZE=ON -DFULCRUM_WERROR=ON)
fi
cmake -S . -B "$build_dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$build_dir"
# Benchmarks print figures and are run by hand (see README); they are not tests.
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" -LE bench
