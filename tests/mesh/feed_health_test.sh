# The risk gate watches the live feed (fulcrum up --source binance gives the gatekeeper
# --feed-health): market-data writes its streams' health to Redis twice a second; when it goes
# quiet (here: frozen with SIGSTOP), the gatekeeper marks the feed unreported within its 3 s
# limit and denies every new entry (FEED_STALE, unit-tested in tests/unit/risk); when
# market-data speaks again the feed is fresh again.
source "$(dirname "$0")/lib.sh"
need_ws_capture
need_openssl
# The capture holds BTCUSDT alone: another symbol's streams would be silent, so stale, all along.
{ base_config | sed -e 's|^  symbols: \[\]|  symbols: [BTCUSDT]|'; printf 'mesh:\n  replay: realtime\n'; } > "$WORK/live.yaml"
grep -q "symbols: \[BTCUSDT\]" "$WORK/live.yaml" || fail "the base config has no symbols: [] to narrow"
"$FULCRUM" up --config "$WORK/live.yaml" --out "$WORK/runs" --source binance --exchange-double "$CAP" --kline-interval 1m --duration 40 \
  --state-file "$WORK/state.json" >"$WORK/up.log" 2>&1 &
UP_PID=$!
stop_up() {
  [ -n "${MD:-}" ] && kill -CONT "$MD" 2>/dev/null
  kill -INT "$UP_PID" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$UP_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$UP_PID" 2>/dev/null
}
trap 'stop_up; cleanup' EXIT
G() { ls "$WORK"/runs/2*/logs/risk-gatekeeper.log 2>/dev/null | head -1; }
wait_for 30 'grep -q "event=feed_health state=fresh" "$(G)" 2>/dev/null' || { cat "$WORK/up.log" >&2; fail "the gatekeeper never saw the live feed fresh"; }
grep -q -- "--feed-health" <(tr '\0' ' ' < "/proc/$(pgrep -f "risk-gatekeeper --config $WORK/live.yaml" | head -1)/cmdline") || fail "the gatekeeper was not started with --feed-health"
MD=$(pgrep -f "market-data --config $WORK/live.yaml" | head -1)
[ -n "$MD" ] || fail "no market-data"
count() { grep -c "event=feed_health state=$1" "$(G)"; }
unreported=$(count unreported)  # before market-data's first report, the feed is unreported too
fresh=$(count fresh)
kill -STOP "$MD"
wait_for 8 '[ "$(count unreported)" -gt "$unreported" ]' || { tail -5 "$(G)" >&2; fail "market-data frozen for 8 s, and the gate still thinks the feed is fresh"; }
echo "  market-data frozen: the gate marks the feed unreported and denies every entry"
kill -CONT "$MD"
MD=""
wait_for 15 '[ "$(count fresh)" -gt "$fresh" ]' || { tail -5 "$(G)" >&2; fail "the feed never came back fresh"; }
echo "  market-data resumed: fresh again"
echo "PASS: the risk gate follows the live feed's health and fails closed when it goes quiet"
