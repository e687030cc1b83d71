# A live start warms the features up from the exchange's history before the streams:
# market-data asks GET /fapi/v1/klines (the double, started 200 s into the real capture, has
# three closed minutes of it), sends those bars first, marked warm-up, and then the kline
# stream's bars with none missing and none twice. Downstream the mark travels: every
# warm-up instant's signals are not traded, every live one inside the window is. A symbol
# the exchange does not list gets a named warning and warms up on live bars instead.
source "$(dirname "$0")/lib.sh"
need_ws_capture
need_openssl
T="$WORK/tls"
make_test_ca "$T"
START_S=200
start_double --speed 10 --start-at-s "$START_S"
RP=$(port)
start_redis "$RP"
# The capture's day inside the trading window; two symbols, one the double does not list.
{ base_config | sed -e 's|^  symbols: .*|  symbols: [BTCUSDT, ETHUSDT]|' -e 's|^  from: .*|  from: 2024-08-01|' -e 's|^  to: .*|  to: 2024-08-10|'
  printf 'mesh:\n  replay: flat\n'; } > "$WORK/cfg.yaml"
MD=$(ep); FEAT=$(ep); SIG=$(ep)
common=(--config "$WORK/cfg.yaml" --redis "redis://127.0.0.1:$RP" --namespace "w$$")
launch signal-engine "${common[@]}" --bind "$SIG" --features "$FEAT"
launch feature-engine "${common[@]}" --bind "$FEAT" --market "$MD"
"$PROBE" dump 16 "$MD" "$SIG" > "$WORK/dump.txt" &
PROBE_PID=$!
sleep 0.5
launch market-data "${common[@]}" --bind "$MD" --source binance --binance-ws "wss://localhost:$DP" --binance-rest "https://localhost:$DP" \
  --kline-interval 1m --ca-file "$T/ca.pem" --duration-s 13
wait "$market_data_PID" || { tail -20 "$WORK/market-data.log" >&2; fail "market-data did not end cleanly"; }
wait "$PROBE_PID"
L="$WORK/market-data.log"
grep -q "event=warmup symbol=BTCUSDT bars=[1-9]" "$L" || { grep -i warmup "$L" >&2; fail "no BTCUSDT history was sent first"; }
grep -q 'event=warmup_failed symbol=ETHUSDT why=".*HTTP 400.*Invalid symbol' "$L" || { grep -i warmup "$L" >&2; fail "the unlisted symbol's refusal is not named"; }
grep -q "event=binance_live_done .* bar_gaps=0" "$L" || fail "bars went missing: $(grep binance_live_done "$L")"

# The warm-up bars are the capture's minutes closed when market-data asked, aggregated here
# from its raw trade lines; the live bars follow them minute by minute. The double's replay
# runs from its own start, so a start-up that is slow (a loaded machine) asks later and
# finds more minutes closed: at least those closed at START_S, and each in full.
python3 - "$CAP" "$WORK/dump.txt" "$START_S" <<'PY' || fail "the bars published do not join the capture's history to its stream"
import gzip, json, sys
cap, dump, start_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
t0, minutes, at_start = None, {}, None
with gzip.open(cap, "rt") as f:
    for line in f:
        ns, text = line.split(" ", 1)
        if t0 is None:
            if '"lastUpdateId"' in text: t0 = int(ns)
            continue
        if at_start is None and int(ns) - t0 >= start_s * 1e9: at_start = sorted(minutes)
        if int(ns) - t0 >= (start_s + 600) * 1e9: break
        d = json.loads(text).get("data", {})
        if d.get("e") != "trade": continue
        m = d["T"] // 60000 * 60000
        minutes.setdefault(m, []).append(d["p"])
closed = at_start[:-1]  # the last minute was still open at the start
bars = [l.split() for l in open(dump) if l.startswith("bar BTCUSDT")]
warm = [b for b in bars if b[4] == "1"]
live = [b for b in bars if b[4] == "0"]
assert warm and live, f"{len(warm)} warm-up and {len(live)} live bars"
opens = [int(b[2]) for b in warm]
assert opens[:len(closed)] == closed, f"warm-up opens {opens}, capture's closed minutes at the start {closed}"
assert opens == sorted(minutes)[:len(opens)], f"warm-up opens {opens} are not the capture's first minutes {sorted(minutes)[:len(opens)]}"
for b in warm:
    want = round(float(minutes[int(b[2])][-1]) * 1e8)
    assert int(b[3]) == want, f"bar {b[2]} closes {b[3]}, the capture's last trade {want}"
opens = [int(b[2]) for b in bars]
assert all(b - a == 60000 for a, b in zip(opens, opens[1:])), f"opens not one minute apart: {opens}"
print(f"  {len(warm)} warm-up bars = the capture's minutes closed when market-data asked ({len(closed)} closed at {start_s:.0f} s; last trade of each), then {len(live)} live bars, none missing or twice")
PY
# The mark down the path: warm-up signals never trade; live ones, inside the window, do.
awk '$1 == "end" && $3 == 1' "$WORK/dump.txt" > "$WORK/warm-ends.txt"
awk '$1 == "signals" && $5 == 1' "$WORK/dump.txt" > "$WORK/warm-signals.txt"
awk '$1 == "signals" && $5 == 0' "$WORK/dump.txt" > "$WORK/live-signals.txt"
[ -s "$WORK/warm-signals.txt" ] || fail "signal-engine published no warm-up instant"
[ "$(wc -l < "$WORK/warm-signals.txt")" -eq "$(wc -l < "$WORK/warm-ends.txt")" ] || fail "$(wc -l < "$WORK/warm-ends.txt") warm-up instants, $(wc -l < "$WORK/warm-signals.txt") warm-up signals"
awk '$3 != 0 { bad = 1 } END { exit bad }' "$WORK/warm-signals.txt" || fail "a warm-up instant was traded: $(awk '$3 != 0' "$WORK/warm-signals.txt" | head -1)"
[ -s "$WORK/live-signals.txt" ] || fail "no live instant reached signal-engine"
awk '$3 != 1 { bad = 1 } END { exit bad }' "$WORK/live-signals.txt" || fail "a live instant inside the window was not traded: $(awk '$3 != 1' "$WORK/live-signals.txt" | head -1)"
echo "  signals: $(wc -l < "$WORK/warm-signals.txt") warm-up instants, none traded; $(wc -l < "$WORK/live-signals.txt") live instants, all traded"
echo "PASS: a live start sends the exchange's history first, marked warm-up, joins the stream without a gap, and never trades it"
