# The six real services on loopback with a real Redis, replaying real data in lockstep while
# (1) garbage frames are injected on every subscribing socket, (2) the risk gatekeeper and
# (3) the order router (which owns the venue and the accounts) are each killed with SIGKILL
# and restarted mid-run; the router rebuilds its accounts from its Redis journal. Afterwards the ledgers must still equal the
# in-process backtest (no fill lost, no order applied twice), every service must have
# counted the garbage, and gRPC health, status and a rejected and an accepted reload answer.
source "$(dirname "$0")/lib.sh"
RP=$(port)
start_redis "$RP"
short_config 2025-02-10 > "$WORK/cfg.yaml"
expect_exit 0 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --no-progress --out "$WORK/backtest"

MD=$(ep); FEAT=$(ep); SIG=$(ep); LEV=$(ep); ORD=$(ep); ROUTER=$(ep); ACKS=$(ep); JUNK=$(ep)
common=(--config "$WORK/cfg.yaml" --redis "redis://127.0.0.1:$RP" --namespace "t$$")
router=(order-router "${common[@]}" --bind "$ROUTER" --bind-acks "$ACKS" --market "$MD" "$JUNK" --orders "$ORD" "$JUNK" --out "$WORK/mesh")
launch "${router[@]}"
gatekeeper=(risk-gatekeeper "${common[@]}" --bind "$ORD" --decisions "$LEV" "$JUNK")
launch "${gatekeeper[@]}"
launch leverage "${common[@]}" --bind "$LEV" --signals "$SIG" "$JUNK" --router "$ROUTER" --router-acks "$ACKS" --version canary-7
launch signal-engine "${common[@]}" --bind "$SIG" --features "$FEAT" "$JUNK"
launch feature-engine "${common[@]}" --bind "$FEAT" --market "$MD" "$JUNK"

# gRPC control on every service before the replay starts.
for svc in order-router risk-gatekeeper leverage signal-engine feature-engine; do
  var=${svc//-/_}_CONTROL
  "$PROBE" health "${!var}" >"$WORK/h" || { cat "$WORK/h"; fail "$svc not SERVING"; }
done
"$PROBE" status "$leverage_CONTROL" >"$WORK/status"
expect_in "$WORK/status" "service=leverage"
expect_in "$WORK/status" "policy=fixed,risk_parity"
expect_in "$WORK/status" "policy_version=canary-7"
expect_in "$WORK/status" "config_hash=$(sha256sum "$WORK/cfg.yaml" | cut -c1-64)"
{ cat "$WORK/cfg.yaml"; printf 'mesh:\n  risk:\n    max_leverage_x: 500\n'; } > "$WORK/bad-reload.yaml"
# A reload needs the admin token: without it, or with a wrong one, it is refused and audited.
saved_admin=$FULCRUM_TOKEN_ADMIN
unset FULCRUM_TOKEN_ADMIN
"$PROBE" reload "$risk_gatekeeper_CONTROL" "$WORK/bad-reload.yaml" >"$WORK/reload" && fail "a reload without a token was answered"
expect_in "$WORK/reload" "UNAUTHENTICATED: no authorization metadata"
FULCRUM_TOKEN_ADMIN="x:wrong-secret-of-enough-length" "$PROBE" reload "$risk_gatekeeper_CONTROL" "$WORK/bad-reload.yaml" >"$WORK/reload" && fail "a reload with a wrong token was answered"
expect_in "$WORK/reload" "UNAUTHENTICATED: wrong admin token"
export FULCRUM_TOKEN_ADMIN=$saved_admin
grep -q "event=audit action=reload outcome=unauthenticated" "$WORK/risk-gatekeeper.log" || fail "the refused reload was not audited"
"$PROBE" reload "$risk_gatekeeper_CONTROL" "$WORK/bad-reload.yaml" >"$WORK/reload"
expect_in "$WORK/reload" "rejected"
expect_in "$WORK/reload" "mesh.risk.max_leverage_x: must be ≤ 125"
"$PROBE" status "$risk_gatekeeper_CONTROL" >"$WORK/status"
expect_in "$WORK/status" "config_hash=$(sha256sum "$WORK/cfg.yaml" | cut -c1-64)"
echo "  health SERVING ×5, status names policy/version/config hash, tokenless and wrong-token reloads refused and audited, bad reload rejected and old config kept"
{ cat "$WORK/cfg.yaml"; printf 'mesh:\n  log_level: debug\n'; } > "$WORK/good-reload.yaml"
"$PROBE" reload "$feature_engine_CONTROL" "$WORK/good-reload.yaml" >"$WORK/reload"
expect_in "$WORK/reload" "accepted hash=$(sha256sum "$WORK/good-reload.yaml" | cut -c1-64)"

"$BIN/market-data" "${common[@]}" --bind "$MD" --acks "$ACKS" "$JUNK" >"$WORK/market-data.log" 2>&1 &
MD_PID=$!
PIDS+=("$MD_PID")
routed() { metric "$order_router_METRICS" fulcrum_tick_to_order_latency_seconds_count; }
until [ "$(routed)" -gt 2000 ]; do kill -0 "$MD_PID" || fail "replay ended early"; sleep 0.1; done
kill -9 "$risk_gatekeeper_PID"
echo "  killed risk-gatekeeper (SIGKILL) mid-run"
sleep 0.5
launch "${gatekeeper[@]}"
echo "  restarted risk-gatekeeper"
before=$(routed)
until [ "$(routed)" -gt $((before + 3000)) ]; do kill -0 "$MD_PID" || fail "replay ended early"; sleep 0.1; done
kill -9 "$order_router_PID"
echo "  killed order-router (SIGKILL) mid-run"
sleep 0.3
launch "${router[@]}"
grep -q "event=recovered journal_entries=[1-9]" "$WORK/order-router.log" || { tail -5 "$WORK/order-router.log"; fail "order-router did not recover from its journal"; }
echo "  restarted order-router: $(grep -o 'event=recovered.*' "$WORK/order-router.log" | tail -1)"
# Garbage on every subscribing socket, while the replay runs.
"$PROBE" garbage "$JUNK" 50 md feat sig ord >"$WORK/garbage.out"
kill -0 "$MD_PID" 2>/dev/null || fail "the replay ended before the garbage went in; the test proves nothing"
for _ in $(seq 600); do kill -0 "$MD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$MD_PID" || { tail "$WORK/market-data.log"; fail "market-data did not finish the replay cleanly"; }
grep -q "event=replay_done" "$WORK/market-data.log" || fail "no replay_done"

same_files "$WORK/backtest/latest" "$WORK/mesh" 'ledger-*.csv' 'trades-*.csv' summary.csv
for svc in order-router risk-gatekeeper leverage signal-engine feature-engine; do
  var=${svc//-/_}_METRICS
  n=$(metric "${!var}" fulcrum_malformed_frames_total)
  [ "$n" -gt 0 ] || fail "$svc counted no malformed frames"
  kill -0 "$(eval echo \$${svc//-/_}_PID)" || fail "$svc died"
  echo "  $svc survived and counted $n malformed frames"
done
orders=$(metric "$order_router_METRICS" fulcrum_orders_total)
[ "$orders" -gt 0 ] || fail "no orders reached the venue"
ticks=$(metric "$order_router_METRICS" fulcrum_tick_to_order_latency_seconds_count)
[ "$ticks" -gt 1000 ] || fail "tick-to-order histogram has only $ticks observations"
hops=$(metric "$order_router_METRICS" fulcrum_hop_latency_seconds_count from=risk-gatekeeper)
[ "$hops" -gt 1000 ] || fail "hop latency from risk-gatekeeper has only $hops observations"
eq=$(metric "$order_router_METRICS" fulcrum_account_equity_usd account=fixed)
awk -v e="$eq" 'BEGIN { exit !(e > 0) }' || fail "equity gauge for account fixed is $eq"
sleep 0.6  # one state flush
fills=$(redis-cli -p "$RP" llen "t$$:fills:fixed")
want=$(grep -cE ",(TRADE_FEE|LIQUIDATION_FEE)," "$WORK/mesh/ledger-fixed.csv" || true)
[ "$fills" -gt 0 ] && [ "$fills" -eq "$want" ] || fail "Redis holds $fills fills for account fixed, the ledger $want fee-paying fills"
redis-cli -p "$RP" hgetall "t$$:account:fixed" >"$WORK/acct"
for field in equity wallet_balance available_balance open_positions open_orders fills closed_trades; do
  grep -qx "$field" "$WORK/acct" || fail "account hash in Redis lacks '$field'"
done
want_eq=$(tail -1 "$WORK/mesh/ledger-fixed.csv" | cut -d, -f7)
[ "$(redis-cli -p "$RP" hget "t$$:account:fixed" wallet_balance)" = "$want_eq" ] || fail "Redis wallet balance differs from the ledger's last balance $want_eq"
echo "  orders=$orders tick→order observations=$ticks; Redis fills for 'fixed' = ledger's $want; wallet $want_eq in Redis"
echo "PASS: mesh survives garbage, a gatekeeper kill and a router kill with ledgers identical to the backtest"
