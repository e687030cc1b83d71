# Kill switch benchmark: Engage → acknowledged by the order router, on loopback with the
# real gatekeeper and router and orders flowing (a free-running replay), N engage/release
# cycles. Prints p50/p99 (goal: p99 ≤ 5 ms) and the invariant that no order reaches the
# venue between an Engage's answer and its Release. Usage: kill_switch_bench.sh BUILD_DIR [N]
set -uo pipefail
BUILD=$(realpath "${1:?build dir}")
N=${2:-200}
export FULCRUM_BIN=$BUILD/services/fulcrum/fulcrum FULCRUM_SERVICE_DIR=$BUILD/bin MESH_PROBE=$BUILD/tests/mesh_probe
export FULCRUM_SOURCE_DIR=$(realpath "$(dirname "$0")/../..")
source "$FULCRUM_SOURCE_DIR/tests/mesh/lib.sh"
RP=$(port)
start_redis "$RP"
{ short_config 2025-04-01; printf 'mesh:\n  replay: realtime\n  speed: 60000\n'"$LOOSE_RISK"; } > "$WORK/rt.yaml"
TOK="$WORK/tokens"; mkdir -p "$TOK"
for k in engage release mesh; do echo "bench-$k $(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$TOK/$k"; done
MD=$(ep); FEAT=$(ep); SIG=$(ep); LEV=$(ep); ORD=$(ep); ROUTER=$(ep); ACKS=$(ep); RCTL="127.0.0.1:$(port)"
common=(--config "$WORK/rt.yaml" --redis "redis://127.0.0.1:$RP" --namespace "b$$" --tokens "$TOK")
launch order-router "${common[@]}" --control "$RCTL" --trading-state-file "$WORK/r.txt" --bind "$ROUTER" --bind-acks "$ACKS" --market "$MD" --orders "$ORD" --accounts fixed
launch risk-gatekeeper "${common[@]}" --router-control "$RCTL" --trading-state-file "$WORK/g.txt" --bind "$ORD" --decisions "$LEV"
launch_strategy_stages "${common[@]}"
"$BIN/market-data" "${common[@]}" --bind "$MD" >"$WORK/market-data.log" 2>&1 &
PIDS+=("$!")
# Orders must be flowing, or the invariant holds vacuously.
for _ in $(seq 900); do [ "$(metric "$order_router_METRICS" fulcrum_orders_total)" -gt 0 ] && break; sleep 0.1; done
[ "$(metric "$order_router_METRICS" fulcrum_orders_total)" -gt 0 ] || fail "no order flow to halt"
secret() { awk '{print $2}' "$TOK/$1"; }
"$PROBE" kill-bench "127.0.0.1:$risk_gatekeeper_CONTROL" "$order_router_METRICS" "$(secret engage)" "$(secret release)" "$N"
