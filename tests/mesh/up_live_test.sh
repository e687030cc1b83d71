# `fulcrum up --source binance --exchange-double CAPTURE`: the whole mesh on live market data
# from the local double over TLS (a CA the launcher makes for the run):
#  - every service starts, market-data connects to the double's routed paths, and orders'
#    tick-to-order latency is measured through the mesh as on a replay;
#  - every message is recorded to <run>/capture.txt;
#  - at stop the double is gone and the run's private keys with it;
#  - a lockstep config is refused for live data, naming mesh.replay.
source "$(dirname "$0")/lib.sh"
need_ws_capture
need_openssl
{ base_config; printf 'mesh:\n  replay: realtime\n'; } > "$WORK/live.yaml"
"$FULCRUM" up --config "$WORK/live.yaml" --out "$WORK/runs" --source binance --exchange-double "$CAP" --kline-interval 1m --record --duration 10 \
  >"$WORK/up.log" 2>&1
rc=$?
run=$(ls -d "$WORK"/runs/2*/ | head -1)
[ "$rc" -eq 0 ] || { cat "$WORK/up.log" >&2; fail "fulcrum up exited $rc"; }
expect_in "$WORK/up.log" "exchange double on wss://localhost:"
grep -q "event=ws_connected connection=0 url=tls://localhost:[0-9]*/public/stream" "$run/logs/market-data.log" || fail "market-data did not reach /public"
grep -q "event=ws_connected connection=1 url=tls://localhost:[0-9]*/market/stream" "$run/logs/market-data.log" || fail "market-data did not reach /market"
grep -q "event=depth_snapshot symbol=BTCUSDT .* synced=true" "$run/logs/market-data.log" || fail "no depth snapshot synced BTCUSDT's book"
# Paper venues on live data fill under the exchange's filters (exchangeInfo, public), read at start.
grep -q "event=paper_on_exchange_rules rest=https://localhost:[0-9]* symbols_listed=[1-9]" "$run/logs/order-router.log" ||
  fail "the paper venues did not read the exchange's filters: $(grep -m1 exchange_rules "$run/logs/order-router.log")"
grep -q "event=exchange_filters symbols=[1-9][0-9]* differences=" "$run/logs/order-router.log" || fail "the exchange's filters were not applied to the config's symbols"
grep -q "account_brackets" "$run/logs/risk-gatekeeper.log" && fail "a paper run's gatekeeper waits for account brackets it will never get"
p50=$(sed -n 's/^final .*tick→order p50 \([0-9.]*\) ms.*/\1/p' "$WORK/up.log")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)" "${p50:-0}" || fail "no tick-to-order latency measured on live data"
lines=$(wc -l < "$run/capture.txt")
[ "$lines" -gt 500 ] || fail "only $lines messages recorded"
grep -qv '^[0-9]* {"stream":"[a-z]*@' "$run/capture.txt" && fail "a recorded line is not '<receive ns> <combined-stream json>'"
[ ! -e "$run/.exchange-double" ] || fail "the run's TLS scratch (private keys) was left behind"
pgrep -f "exchange-double --capture $CAP" >/dev/null && fail "the exchange double outlived the run"
echo "  live mesh on the double: /public and /market connected, book synced, paper venues on the exchange's filters, tick-to-order p50 $p50 ms, $lines messages recorded, scratch and double gone"
{ base_config; printf 'mesh:\n  replay: lockstep\n'; } > "$WORK/lockstep.yaml"
expect_exit 2 "$FULCRUM" up --config "$WORK/lockstep.yaml" --out "$WORK/runs2" --source binance --duration 1
expect_in "$WORK/err" "mesh.replay"
echo "  lockstep with live data: refused (exit 2), naming mesh.replay"
echo "PASS: fulcrum up runs the mesh on live market data from the exchange double"
