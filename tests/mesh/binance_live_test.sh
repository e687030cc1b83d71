# market-data --source binance against the exchange double, over real TLS (a CA made here,
# SNI, certificate and host-name checks), with the double's faults on: every WebSocket
# dropped every 2.5 s, the 400th depth diff withheld, every 97th frame sent twice.
#  - the feed reconnects after each drop, and the book resynchronises from a REST snapshot
#    after the withheld diff and after the diffs a reconnect missed;
#  - feature-engine downstream takes the live book tops and trades as it takes a replay's;
#  - the trades published equal the double's distinct real trades, none twice, none lost;
#  - every message is recorded as "<receive ns> <json>";
#  - a client that trusts another CA never connects, and says why.
source "$(dirname "$0")/lib.sh"
need_ws_capture
need_openssl
T="$WORK/tls"
make_test_ca "$T"

start_double --speed 20 --drop-every-ms 2500 --skip-diff 400 --duplicate-every 97
RP=$(port)
start_redis "$RP"
{ base_config; printf 'mesh:\n  replay: flat\n'; } > "$WORK/cfg.yaml"
MD=$(ep); FEAT=$(ep)
common=(--config "$WORK/cfg.yaml" --redis "redis://127.0.0.1:$RP" --namespace "b$$")
launch feature-engine "${common[@]}" --bind "$FEAT" --market "$MD"
live=(--source binance --binance-ws "wss://localhost:$DP" --binance-rest "https://localhost:$DP" --kline-interval 1m)
launch market-data "${common[@]}" --bind "$MD" "${live[@]}" --ca-file "$T/ca.pem" --record "$WORK/record.txt" --duration-s 14
sleep 11
m() { metric "$market_data_METRICS" "$@"; }
reconnects=$(m fulcrum_ws_reconnects_total)
resyncs=$(m fulcrum_depth_resyncs_total symbol=BTCUSDT)
[ "$reconnects" -ge 3 ] || fail "only $reconnects reconnects after drops every 2.5 s"
# A drop loses the diffs sent while the feed reconnects, so each reconnect may need a new
# snapshot too; duplicates never do (the unit tests hold that line exactly).
[ "$resyncs" -ge 2 ] && [ "$resyncs" -le $((reconnects + 2)) ] || fail "BTCUSDT's book synced $resyncs times with $reconnects reconnects"
spread=$(metric "$feature_engine_METRICS" fulcrum_book_spread_bps symbol=BTCUSDT)
[ -n "$spread" ] || fail "feature-engine never saw a BTCUSDT book top"
wait "$market_data_PID" || { tail -20 "$WORK/market-data.log" >&2; fail "market-data did not end cleanly"; }
grep -q "fault: depth diff 400 .* withheld" "$WORK/double.log" || fail "the double did not withhold the diff"
grep -q "event=depth_snapshot symbol=BTCUSDT .* synced=true" "$WORK/market-data.log" || fail "no snapshot synced the book"
echo "  $reconnects reconnects, $resyncs depth syncs (first, withheld diff, reconnect gaps), feature-engine's BTCUSDT spread ${spread} bps"

# Trades: feature-engine's traded volume by aggressor equals, to the last unit, the sum over
# the record's distinct aggTrade ids computed here (duplicates and reconnect repeats aside).
published=$(grep -o 'event=binance_live_done published=[0-9]*' "$WORK/market-data.log" | cut -d= -f3)
[ "${published:-0}" -gt 1000 ] || fail "only ${published:-0} events published"
read -r want_buy want_sell repeats lines < <(python3 - "$WORK/record.txt" <<'EOF'
import json, sys
seen, buy, sell, repeats, lines = set(), 0.0, 0.0, 0, 0
for line in open(sys.argv[1]):
    ns, text = line.split(" ", 1)
    assert ns.isdigit(), "a record line without its receive time"
    d = json.loads(text)["data"]
    lines += 1
    if d["e"] != "aggTrade": continue
    if d["a"] in seen:
        repeats += 1
        continue
    seen.add(d["a"])
    if d["m"]: sell += float(d["q"])
    else: buy += float(d["q"])
print("%.6f %.6f %d %d" % (buy, sell, repeats, lines))
EOF
)
[ "${repeats:-0}" -gt 0 ] || fail "the double's duplicates never showed in the record: the check proves nothing"
got_buy=$(metric "$feature_engine_METRICS" fulcrum_trade_volume_total symbol=BTCUSDT aggressor=buy)
got_sell=$(metric "$feature_engine_METRICS" fulcrum_trade_volume_total symbol=BTCUSDT aggressor=sell)
python3 -c "import sys; a = list(map(float, sys.argv[1:])); sys.exit(0 if abs(a[0] - a[2]) < 1e-6 and abs(a[1] - a[3]) < 1e-6 else 1)" \
  "$want_buy" "$want_sell" "$got_buy" "$got_sell" || fail "feature-engine's volume buy $got_buy sell $got_sell; the record's distinct trades buy $want_buy sell $want_sell"
echo "  record: $lines lines; feature-engine's volume (buy $got_buy, sell $got_sell) equals the record's distinct trades ($repeats repeats dropped)"

# Trusting another CA: no connection, and the log says why.
launch_as market-data-rogue market-data --config "$WORK/cfg.yaml" --redis "redis://127.0.0.1:$RP" --namespace "r$$" --bind "$(ep)" "${live[@]}" \
  --ca-file "$T/rogue.pem" --duration-s 3 --join-wait-ms 0
wait "$market_data_rogue_PID"
grep -q "event=ws_connected" "$WORK/market-data-rogue.log" && fail "connected to a server its CA did not sign"
grep -qi "certificate verify failed" "$WORK/market-data-rogue.log" || { tail -5 "$WORK/market-data-rogue.log" >&2; fail "the refusal does not say why"; }
echo "  a client trusting another CA: refused (certificate verify failed), never connected"
echo "PASS: live market data over TLS from the double: reconnects, a resync after a withheld diff, duplicates dropped, recorded"
