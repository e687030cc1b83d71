# market-data replays the recorded Binance WebSocket capture (book tops and trades) into
# feature-engine, which measures spread, OBI and trade flow. The traded volume by aggressor
# side must equal a sum computed independently from the raw capture with awk.
source "$(dirname "$0")/lib.sh"
need_ws_capture
RP=$(port)
start_redis "$RP"
{ base_config; printf 'mesh:\n  replay: flat\n'; } > "$WORK/cfg.yaml"
MD=$(ep); FEAT=$(ep)
common=(--config "$WORK/cfg.yaml" --redis "redis://127.0.0.1:$RP" --namespace "w$$")
launch feature-engine "${common[@]}" --bind "$FEAT" --market "$MD"
"$BIN/market-data" "${common[@]}" --bind "$MD" --ws "$CAP" --rate 25000 >"$WORK/md.log" 2>&1 || { cat "$WORK/md.log"; fail "ws replay failed"; }
grep -q "event=ws_capture" "$WORK/md.log" || fail "no ws_capture line"
sleep 0.5
# Paced well under the ingest limit (even under ASan): this test is about values, not speed.
missing=$(metric "$feature_engine_METRICS" fulcrum_missing_messages_total)
[ "$missing" = 0 ] || fail "feature-engine lost $missing messages: the comparison below would be meaningless"
read -r want_buy want_sell <<<"$(zcat "$CAP" | awk '/"e":"trade"/ {
  match($0, /"q":"[0-9.]+"/); q = substr($0, RSTART + 5, RLENGTH - 6) + 0
  if ($0 ~ /"m":true/) sell += q; else buy += q } END { printf "%.3f %.3f", buy, sell }')"
got_buy=$(metric "$feature_engine_METRICS" fulcrum_trade_volume_total symbol=BTCUSDT aggressor=buy)
got_sell=$(metric "$feature_engine_METRICS" fulcrum_trade_volume_total symbol=BTCUSDT aggressor=sell)
awk -v a="$want_buy" -v b="$got_buy" -v c="$want_sell" -v d="$got_sell" 'BEGIN { exit !(a - b < 5e-4 && b - a < 5e-4 && c - d < 5e-4 && d - c < 5e-4) }' ||
  fail "trade volume buy/sell: feature-engine $got_buy/$got_sell, capture $want_buy/$want_sell"
echo "  taker volume buy $want_buy sell $want_sell BTC: feature-engine agrees"
# The last bookTicker of the capture, independently: its spread in bps of the mid.
want_spread=$(zcat "$CAP" | grep '"e":"bookTicker"' | tail -1 | awk '{
  match($0, /"b":"[0-9.]+"/); b = substr($0, RSTART + 5, RLENGTH - 6) + 0
  match($0, /"a":"[0-9.]+"/); a = substr($0, RSTART + 5, RLENGTH - 6) + 0
  printf "%.4f", (a - b) / ((a + b) / 2) * 10000 }')
got_spread=$("$PROBE" metric "$feature_engine_METRICS" fulcrum_book_spread_bps symbol=BTCUSDT)
[ "$(metric "$feature_engine_METRICS" fulcrum_malformed_frames_total)" -eq 0 ] || fail "malformed frames on a clean replay"
awk -v a="$want_spread" -v b="$got_spread" 'BEGIN { exit !(a - b < 1e-3 && b - a < 1e-3) }' || fail "last spread: capture $want_spread bps, gauge $got_spread"
echo "  last spread: capture $want_spread bps, gauge $got_spread"
echo "PASS: WebSocket capture replay"
