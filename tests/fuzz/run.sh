#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, ASan and UBSan in build-fuzz/ and runs each for
# SECONDS (default 60) of wall time on one core, seeded from the bundled sample (and the
# real WebSocket capture in ../shared when present). Prints each target's CPU time,
# executions and crashes; a crash's input lands in build-fuzz/crashes/<target>/ and
# belongs in a regression test. Not part of the default test command: CI has 90 minutes.
#   tests/fuzz/run.sh 600                      # ≥ 10 minutes per target
#   FUZZ_TARGETS="fuzz_config" tests/fuzz/run.sh 120
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
targets=${FUZZ_TARGETS:-fuzz_klines fuzz_funding fuzz_config fuzz_ws_json fuzz_proto}
bash deploy/bootstrap.sh --fuzz >/dev/null
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFULCRUM_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build build-fuzz --target $targets

seed=build-fuzz/seed
rm -rf "$seed" && mkdir -p "$seed"/{fuzz_klines,fuzz_funding,fuzz_config,fuzz_ws_json,fuzz_proto}
for f in deploy/sample/klines-5m/*.csv.gz deploy/sample/markprice-1h/*.csv.gz; do
  { zcat "$f" | head -60 || true; } >"$seed/fuzz_klines/$(basename "$f" .csv.gz)-$(basename "$(dirname "$f")")"
done
for f in deploy/sample/funding/*.csv.gz; do { zcat "$f" | head -40 || true; } >"$seed/fuzz_funding/$(basename "$f" .csv.gz)"; done
cp deploy/config/*.yaml "$seed/fuzz_config/"
printf '? [a, b]\n: 1' >"$seed/fuzz_config/complex-key.yaml"
capture=../shared/data/binance-um/ws/btcusdt_20240808.gz
if [ -f "$capture" ]; then
  { zcat "$capture" | head -300 || true; } | awk '{ print > ("'"$seed"'/fuzz_ws_json/line-" NR) }'
else
  echo '1 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":1,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1,"E":1}}' >"$seed/fuzz_ws_json/book"
  echo '2 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":5,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}' >"$seed/fuzz_ws_json/trade"
fi
printf '\x0a\x00' >"$seed/fuzz_proto/empty-header"

status=0
printf '%-14s %10s %12s %8s\n' target cpu_s execs crashes
for t in $targets; do
  corpus=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t
  mkdir -p "$corpus" "$crashes"
  log=build-fuzz/$t.log
  /usr/bin/env time -f '%U %S' -o "build-fuzz/$t.time" "build-fuzz/tests/fuzz/$t" "$corpus" "$seed/$t" -max_total_time="$secs" \
    -artifact_prefix="$crashes/" -print_final_stats=1 -rss_limit_mb=4096 -timeout=10 >"$log" 2>&1 || status=1
  cpu=$(awk '{printf "%.0f", $1 + $2}' "build-fuzz/$t.time")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(find "$crashes" -type f | wc -l)
  printf '%-14s %10s %12s %8s\n' "$t" "$cpu" "${execs:-?}" "$found"
  [ "$found" -eq 0 ] || { status=1; grep -m3 -E "ERROR|runtime error|deadly" "$log" || true; }
done
exit $status
