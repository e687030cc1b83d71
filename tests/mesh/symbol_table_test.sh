# The symbol table travels once per run through Redis (<namespace>:symbol_table), so a
# service without the data folder (a pod, a live feed) can run: it waits for market-data's
# table, fails with the key named when none comes, and two different tables in one
# namespace are refused instead of silently mis-indexing every symbol.
source "$(dirname "$0")/lib.sh"
RP=$(port)
start_redis "$RP"
{ short_config 2025-01-20; printf 'mesh:\n  symbol_table_wait_ms: 20000\n'; } >"$WORK/data.yaml"
# The same run seen from a pod: no data folder.
sed -e "s|^  klines: .*|  klines: $WORK/not-mounted/klines|" -e "s|^  mark_price: .*|  mark_price: \"\"|" -e "s|^  funding: .*|  funding: \"\"|" \
  "$WORK/data.yaml" >"$WORK/pod.yaml"
redis=(--redis "redis://127.0.0.1:$RP")

# 1. signal-engine without the data waits; market-data publishes the table; it starts.
SIG=$(ep) FEAT=$(ep) MD=$(ep)
"$BIN/signal-engine" --config "$WORK/pod.yaml" "${redis[@]}" --namespace t1 --bind "$SIG" --features "$FEAT" --ready-file "$WORK/sig.ready" >"$WORK/sig.log" 2>&1 &
sig=$!; PIDS+=("$sig")
sleep 1
[ ! -f "$WORK/sig.ready" ] || fail "signal-engine was ready without a symbol table"
grep -q "event=waiting_for_symbol_table key=t1:symbol_table" "$WORK/sig.log" || { cat "$WORK/sig.log" >&2; fail "no wait logged"; }
launch market-data --config "$WORK/data.yaml" "${redis[@]}" --namespace t1 --bind "$MD" --max-instants 1
for _ in $(seq 100); do [ -f "$WORK/sig.ready" ] && break; sleep 0.05; done
[ -f "$WORK/sig.ready" ] || { cat "$WORK/sig.log" >&2; fail "signal-engine did not start once the table was published"; }
table=$(redis-cli -p "$RP" --raw GET t1:symbol_table)
for sym in BTCUSDT ETHUSDT SOLUSDT; do grep -q "$sym" <<<"$table" || fail "$sym not in the table: $table"; done
echo "  a service without the data folder waited for the table and started on it"

# 2. Nobody publishes: it gives up, naming the key, with the startup exit code.
{ sed '/^mesh:/,$d' "$WORK/pod.yaml"; printf 'mesh:\n  symbol_table_wait_ms: 300\n'; } >"$WORK/pod-short.yaml"
expect_exit 7 "$BIN/feature-engine" --config "$WORK/pod-short.yaml" "${redis[@]}" --namespace t2 --bind "$(ep)" --market "$(ep)"
expect_in "$WORK/err" "no symbol table at t2:symbol_table within 300 ms"
echo "  no table: exit 7 naming the key"

# 3. Another run's table in the namespace: refused, not mis-indexed.
{ sed -e "s|^  symbols: \[\]|  symbols: [BTCUSDT, ETHUSDT]|" -e '/^mesh:/,$d' "$WORK/data.yaml"; } >"$WORK/two.yaml"
expect_exit 2 "$BIN/market-data" --config "$WORK/two.yaml" "${redis[@]}" --namespace t1 --bind "$(ep)" --max-instants 1
expect_in "$WORK/err" "t1:symbol_table already holds another run's 8 symbols (this data has 2)"
echo "PASS: the symbol table travels through Redis"
