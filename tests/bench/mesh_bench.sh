#!/usr/bin/env bash
# Mesh benchmark: prints one table. These 2-vCPU VMs move 20–40 % between runs, so every
# figure is measured in this run, beside a bare six-hop ZeroMQ relay over the same
# transport (tcp loopback, PUB/SUB, same HWM) whose source is paced the way market-data's
# --rate paces.
#   - tick-to-order latency through all six services, paced at 1 000 to 70 000 events/s,
#     every event forced through to an order (leverage --force-orders);
#   - the highest paced rate the full path carries without loss or queueing;
#   - market-data → feature-engine ingest flat out, with its loss;
#   - the p50/p99 of a gRPC control call (GetStatus on a kept channel);
#   - the CPU each service and Redis spend per event, which caps the sustained rate on two
#     cores (market-data's without loading its data, which happens before its first event).
# Usage: tests/bench/mesh_bench.sh [build_dir=build]
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
export FULCRUM_BIN=$BUILD/services/fulcrum/fulcrum FULCRUM_SERVICE_DIR=$BUILD/bin MESH_PROBE=$BUILD/tests/mesh_probe FULCRUM_SOURCE_DIR=$PWD
source tests/mesh/lib.sh
RP=$(port)
start_redis "$RP"
# One symbol, no mark or funding stream: one market event per instant, so events/s = instants/s.
base_config | sed -e 's|^  symbols: \[\]|  symbols: [BTCUSDT]|' -e 's|^  mark_price: .*|  mark_price: ""|' \
    -e 's|^  funding: .*|  funding: ""|' -e 's|^  from: .*|  from: 2025-01-02|' > "$WORK/one.yaml"
{ cat "$WORK/one.yaml"; printf 'mesh:\n  replay: flat\n  log_level: warn\n'; } > "$WORK/flat.yaml"
base_config > "$WORK/all.yaml"
{ cat "$WORK/all.yaml"; printf 'mesh:\n  replay: flat\n  log_level: warn\n'; } > "$WORK/all-flat.yaml"

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait "${PIDS[@]}" 2>/dev/null; PIDS=(); }
# mesh_run RATE INSTANTS → "sent observed p50 p99 p999 grpc_p50 grpc_p99" (µs)
mesh_run() {
  local rate=$1 n=$2
  MD=$(ep); FEAT=$(ep); SIG=$(ep); LEV=$(ep); ORD=$(ep); ROUTER=$(ep); ACKS=$(ep)
  local common=(--config "$WORK/flat.yaml" --redis "redis://127.0.0.1:$RP" --namespace "b$$-$rate")
  launch order-router "${common[@]}" --bind "$ROUTER" --bind-acks "$ACKS" --market "$MD" --orders "$ORD" --accounts fixed
  launch risk-gatekeeper "${common[@]}" --bind "$ORD" --decisions "$LEV"
  launch leverage "${common[@]}" --bind "$LEV" --signals "$SIG" --router "$ROUTER" --accounts fixed --force-orders
  launch signal-engine "${common[@]}" --bind "$SIG" --features "$FEAT"
  launch feature-engine "${common[@]}" --bind "$FEAT" --market "$MD"
  sleep 1  # subscribers joined
  # CPU per event, per service and Redis (user + sys from /proc/<pid>/stat, clock ticks),
  # over the run: the budget that caps the sustained rate on these two cores.
  local tick cpu0=() names=() sampled=("${PIDS[@]}" "$REDIS_PID")
  tick=$(getconf CLK_TCK)
  for p in "${sampled[@]}"; do cpu0+=("$(awk '{print $14 + $15}' "/proc/$p/stat")"); names+=("$(basename "$(tr '\0' ' ' <"/proc/$p/cmdline" | awk '{print $1}')")"); done
  local TIMEFORMAT='%U %S'
  { time "$BIN/market-data" "${common[@]}" --bind "$MD" --rate "$rate" --max-instants "$n" >>"$WORK/md.log" 2>&1; } 2>"$WORK/md-cpu.txt"
  sleep 1.5
  {
    awk -v n="$n" -v load="$MD_LOAD_CPU" '{ c = $1 + $2 - load; printf "market-data %.1f\n", (c > 0 ? c : 0) * 1e6 / n }' "$WORK/md-cpu.txt"
    local i=0
    for p in "${sampled[@]}"; do
      awk -v n="$n" -v t0="${cpu0[$i]}" -v hz="$tick" -v name="${names[$i]}" '{ printf "%s %.1f\n", name, ($14 + $15 - t0) / hz * 1e6 / n }' "/proc/$p/stat"
      i=$((i + 1))
    done
  } >"$WORK/cpu-$rate.txt"
  local seen p50 p99 p999
  seen=$(metric "$order_router_METRICS" fulcrum_tick_to_order_latency_seconds_count)
  p50=$("$PROBE" quantile "$order_router_METRICS" fulcrum_tick_to_order_latency_seconds 0.5)
  p99=$("$PROBE" quantile "$order_router_METRICS" fulcrum_tick_to_order_latency_seconds 0.99)
  p999=$("$PROBE" quantile "$order_router_METRICS" fulcrum_tick_to_order_latency_seconds 0.999)
  "$PROBE" order-path "$order_router_METRICS" >"$WORK/path-$rate.txt"
  local grpc
  grpc=$("$PROBE" grpc-bench "$leverage_CONTROL" 2000)
  stop_all
  echo "$n $seen $p50 $p99 $p999 $grpc"
}

echo "== bare relay, same transport and socket settings, source paced as market-data paces (sleeping to each due time) =="
# The mesh's rates, past the 50 000 target so the table shows where it stops keeping up.
RATES=(1000 10000 20000 30000 40000 50000 60000 70000)
"$BUILD/tests/zmq_relay_bench" 3 tcp sleep "${RATES[@]}" 100000 200000 | tee "$WORK/relay.txt"
relay() { awk -v r="$1" -v c="$2" '$1==r {print $c}' "$WORK/relay${3:-}.txt"; }  # relay RATE COLUMN [-spin]
# For reference only: a source that busy-waits keeps one core out of idle, which on these
# VMs makes every wake-up at 1 000/s cheaper. market-data sleeps, so this is not the baseline.
echo "== the same relay with a busy-waiting source (reference) =="
"$BUILD/tests/zmq_relay_bench" 3 tcp spin 1000 10000 | tee "$WORK/relay-spin.txt"

# market-data loads its data before its first event, outside the stream's budget: its CPU
# (the least of three runs of one instant each, with no subscriber) is taken out of its row.
MD_LOAD_CPU=$(for _ in 1 2 3; do
  { TIMEFORMAT='%U %S'; time "$BIN/market-data" --config "$WORK/flat.yaml" --redis "redis://127.0.0.1:$RP" --namespace "b$$-load" \
      --bind "$(ep)" --rate 1000 --max-instants 1 --join-wait-ms 0 >>"$WORK/md.log" 2>&1; } 2>&1 | awk '{ print $1 + $2 }'
done | sort -g | head -1)
declare -A SENT SEEN P50 P99 P999 G50 G99
for rate in "${RATES[@]}"; do
  n=$((rate * 3)); [ "$n" -gt 25000 ] && n=25000
  read -r SENT[$rate] SEEN[$rate] P50[$rate] P99[$rate] P999[$rate] G50[$rate] G99[$rate] < <(mesh_run "$rate" "$n")
done

# Ingest alone: market-data → feature-engine, 8 symbols with mark and funding, paced.
{ cat "$WORK/all.yaml"; printf 'mesh:\n  replay: flat\n'; } > "$WORK/all-flat.yaml"
declare -A ING_SENT ING_GOT ING_RATE
for rate in 100000 200000 300000 0; do
  MD=$(ep); FEAT=$(ep)
  common=(--config "$WORK/all-flat.yaml" --redis "redis://127.0.0.1:$RP" --namespace "b$$-ingest")
  launch feature-engine "${common[@]}" --bind "$FEAT" --market "$MD"
  sleep 1
  "$BIN/market-data" "${common[@]}" --bind "$MD" --rate "$rate" 2>"$WORK/ingest.log"
  sleep 1
  ING_GOT[$rate]=$(metric "$feature_engine_METRICS" fulcrum_messages_received_total)
  stop_all
  line=$(grep -o 'messages=[0-9]* resends=[0-9]* seconds=[0-9.]*' "$WORK/ingest.log")
  ING_SENT[$rate]=$(sed 's/messages=\([0-9]*\).*/\1/' <<<"$line")
  ING_RATE[$rate]=$(div "${ING_SENT[$rate]}" "$(sed 's/.*seconds=//' <<<"$line")")
done

echo
echo "== mesh: tick-to-order through six services (tcp loopback, every event forced to an order) =="
printf '%9s %8s %8s %11s %11s %11s | %11s %11s %11s | %6s %6s\n' events/s sent lost "p50 µs" "p99 µs" "p99.9 µs" "relay p50" "relay p99" "relay p99.9" p50× p99×
best=0 held=1
for rate in "${RATES[@]}"; do
  lost=$((SENT[$rate] - SEEN[$rate]))
  rp50=$(relay "$rate" 4); rp99=$(relay "$rate" 5); rp999=$(relay "$rate" 6)
  printf '%9s %8s %8s %11s %11s %11s | %11s %11s %11s | %6s %6s\n' "$rate" "${SENT[$rate]}" "$lost" "${P50[$rate]}" "${P99[$rate]}" "${P999[$rate]}" \
    "$rp50" "$rp99" "$rp999" "$(div "${P50[$rate]}" "$rp50")" "$(div "${P99[$rate]}" "$rp99")"
  # Sustained: nothing lost and not queueing (p50 within 2× the relay's at that rate), at
  # this rate and every one below it: a lucky pass above a failed rate does not count.
  if [ "$held" = 1 ] && [ "$lost" -eq 0 ] && awk -v m="${P50[$rate]}" -v r="$rp50" 'BEGIN { exit !(m <= 2 * r) }'; then best=$rate; else held=0; fi
done
echo "highest sustained rate (no loss, p50 ≤ 2× relay, there and at every lower rate), full path: $best events/s (relay: $(grep -o '[0-9]* msgs/s' "$WORK/relay.txt" | tail -1))"
for rate in 1000 10000; do
  echo "   at $rate/s against the busy-waiting relay (reference): p50 ${P50[$rate]} µs against $(relay "$rate" 4 -spin) µs, $(div "${P50[$rate]}" "$(relay "$rate" 4 -spin)")×"
done
echo
echo "== ingest market-data → feature-engine (8 symbols, bars + mark + funding + instant ends) =="
printf '%12s %12s %10s %8s\n' "asked msg/s" "achieved" sent lost
for rate in 100000 200000 300000 0; do
  printf '%12s %12s %10s %8s\n' "$([ "$rate" = 0 ] && echo "flat out" || echo "$rate")" "${ING_RATE[$rate]}" "${ING_SENT[$rate]}" "$((ING_SENT[$rate] - ING_GOT[$rate]))"
done
echo
echo "== where tick-to-order goes, per stage (p50 / p99 µs, from the hop timestamps of every batch) =="
echo "   transit = previous service's send → this one's receive (encode, ZeroMQ, queueing); work = receive → send (decode, stage, journal)"
printf '%-16s %-8s %18s %18s\n' stage part "1 000/s p50 / p99" "10 000/s p50 / p99"
paste -d' ' "$WORK/path-1000.txt" "$WORK/path-10000.txt" | awk '{ printf "%-16s %-8s %9s / %-8s %9s / %-8s\n", $1, $2, $3, $4, $7, $8 }'
echo "   relay, per hop at the same rates (p50): $(awk '$1==1000 {printf "%.1f", $4/6}' "$WORK/relay.txt") µs and $(awk '$1==10000 {printf "%.1f", $4/6}' "$WORK/relay.txt") µs"
echo
echo "== CPU per event, each service and Redis (µs of user + sys, clock-tick resolution; two cores give 2 000 000 µs a second) =="
printf '%-16s' service; for rate in "${RATES[@]}"; do printf '%12s' "$rate/s"; done; echo
for svc in market-data feature-engine signal-engine leverage risk-gatekeeper order-router redis-server; do
  printf '%-16s' "$svc"; for rate in "${RATES[@]}"; do printf '%12s' "$(awk -v s="$svc" '$1==s {print $2}' "$WORK/cpu-$rate.txt")"; done; echo
done
printf '%-16s' total; for rate in "${RATES[@]}"; do printf '%12s' "$(awk '{t += $2} END {printf "%.1f", t}' "$WORK/cpu-$rate.txt")"; done; echo
echo "   a sustained rate R needs total × R ≤ 2 000 000 µs/s (redis-server: the router's journal, mostly; market-data: streaming only,"
echo "   its loading, $(awk -v c="$MD_LOAD_CPU" 'BEGIN { printf "%.0f", c * 1000 }') ms of CPU before the first event, is left out)"
g50=${G50[10000]}; g99=${G99[10000]}
echo "gRPC control call (GetStatus on a kept channel, 2 000 calls, mesh idle after the 10 000/s run): p50 $g50 µs, p99 $g99 µs"
