# `fulcrum up --source binance --venue double`: the order router trades the exchange
# double's account through the Binance venue adapter (binance::ExchangeVenue), not a paper
# venue:
#  - at start it measures the exchange's clock, reads the symbols' filters from
#    exchangeInfo, takes the account's USDT balance as its deposit, and reconciles open orders, Algo orders and positions before any order;
#  - the user-data stream is its source of fills: an order an operator places on the same
#    account is booked (and named a foreign fill), and the account stays equal to the
#    exchange's;
#  - a router killed mid-run comes back with the account booked from the exchange's history
#    since the run's start, and reconciles clean;
#  - the kill switch's flatten goes to the exchange as a signed reduce-only market order,
#    and both the router's book and the exchange end flat, at the same wallet balance;
#  - no client id is placed twice; no key, secret or listenKey reaches a log;
#  - shadow mode: the first variant's account on the exchange, the other's on paper beside it.
source "$(dirname "$0")/lib.sh"
need_ws_capture
need_openssl
# Two leverage variants A/B on the one exchange account (split mode).
{
  awk '/^ab:/{skip=1} /^output:/{skip=0} /^mesh:/{exit} !skip' "$SRC/deploy/config/backtest.yaml" | sed -e "s|\.\./sample|$SRC/deploy/sample|g"
  cat <<'EOF'
ab:
  mode: split
  variants:
    - {id: fixed_5x, policy: fixed, margin_budget: 0.5, leverage: {fixed: {leverage_x: 5}}}
    - {id: fixed_10x, policy: fixed, margin_budget: 0.5, leverage: {fixed: {leverage_x: 10}}}
mesh:
  replay: realtime
EOF
} > "$WORK/split.yaml"
"$FULCRUM" up --config "$WORK/split.yaml" --out "$WORK/runs" --source binance --exchange-double "$CAP" --venue double --kline-interval 1m \
  --double-funding-every-ms 1500 --state-file "$WORK/state.json" --duration 60 >"$WORK/up.log" 2>&1 &
UP_PID=$!
# The launcher stops its children on SIGINT (a kill -9 would orphan them).
stop_up() {
  kill -INT "$UP_PID" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$UP_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$UP_PID" 2>/dev/null
}
trap 'stop_up; cleanup' EXIT
wait_for 30 'ls -d "$WORK"/runs/2*/ >/dev/null 2>&1 && grep -q "event=reconciled why=\"user stream connected\"" "$WORK"/runs/2*/logs/order-router.log 2>/dev/null' ||
  { cat "$WORK/up.log" >&2; fail "the router did not reconcile with the double and follow its user stream"; }
run=$(ls -d "$WORK"/runs/2*/ | head -1)
R="$run/logs/order-router.log"
expect_in "$R" "event=exchange_connected"
grep -q "event=exchange_connected .* usdt_balance=10000" "$R" || fail "the deposit is not the double's balance: $(grep exchange_connected "$R")"
grep -q 'event=reconciled why="start" open_orders=0' "$R" || fail "no reconciliation before the first order"
grep -q "event=exchange_filters symbols=[1-9][0-9]* differences=0" "$R" || fail "the symbols' filters were not read from exchangeInfo: $(grep exchange_filter "$R" | head -2)"
grep -q "event=exchange_brackets symbols=[1-9][0-9]* differences=0" "$R" || fail "the account's brackets were not read from leverageBracket: $(grep exchange_bracket "$R" | head -2)"
echo "  router on the double's account: clock measured, filters from exchangeInfo, brackets from leverageBracket, deposit 10000 USDT read from the exchange, reconciled at start and when the user stream connected"
# The gatekeeper caps leverage by the account's brackets, as the router read them: the
# config's 8 symbols, BTCUSDT's first tier 125x in the double's (Binance's shipped) table.
G="$run/logs/risk-gatekeeper.log"
wait_for 10 'grep -q "event=account_brackets state=read symbols=8 first_tier=BTCUSDT:125x,DOGEUSDT:75x" "$G"' ||
  fail "the gatekeeper did not read the account's brackets the router wrote: $(grep -m2 account_brackets "$G")"
echo "  gatekeeper: the account's brackets read from the router's copy (BTCUSDT 125x first tier); entries above them are denied"

# The double's account keys, made by the launcher for this run (its environment only).
DOUBLE=$(pgrep -f "exchange-double --capture $CAP --tls-cert $run" | head -1)
[ -n "$DOUBLE" ] || fail "no exchange double running"
KEY=$(tr '\0' '\n' < "/proc/$DOUBLE/environ" | sed -n 's/^FULCRUM_EXCHANGE_API_KEY=//p')
SECRET=$(tr '\0' '\n' < "/proc/$DOUBLE/environ" | sed -n 's/^FULCRUM_EXCHANGE_API_SECRET=//p')
[ -n "$KEY" ] && [ -n "$SECRET" ] || fail "the double has no keys in its environment"
tr '\0' ' ' < "/proc/$DOUBLE/cmdline" | grep -qF "$SECRET" && fail "the secret is on the double's command line"
PORT=$(cat "$run/.exchange-double/port")
ex() { FULCRUM_EXCHANGE_API_KEY="$KEY" FULCRUM_EXCHANGE_API_SECRET="$SECRET" "$FULCRUM" exchange --rest "https://localhost:$PORT" --ca-file "$run/exchange-double-ca.pem" "$@"; }

# An operator's order on the same account: the router books it from the user stream.
expect_exit 0 ex order --config "$WORK/split.yaml" --client-id operator-1 --quantity 0.002 --reference-price 60000
expect_in "$WORK/out" '"status":"FILLED"'
wait_for 10 'grep -q "event=exchange_fill client_id=operator-1 symbol=BTCUSDT side=BUY qty=0.002" "$R"' || fail "the operator's fill never reached the router's book"
expect_in "$R" "event=foreign_fill count=1"
echo "  an operator's order on the account: booked from the user stream, named a foreign fill"
# The double settles funding every 1.5 s at the default rate 0.0001: the long pays.
wait_for 10 'grep -q "event=exchange_funding symbol=BTCUSDT amount=-0\.0" "$R"' || { grep -E "funding|FUNDING" "$R" | tail -3 >&2; fail "no funding payment booked from the stream"; }
echo "  funding: the double's FUNDING_FEE account updates booked into the ledger, $(grep -c 'event=exchange_funding' "$R") so far"

# The router dies mid-run and the launcher starts it again: the new life replays its journal
# without sending anything, books the account since the run's start from the exchange's
# history (the operator's fill too), and reconciles clean before any new order.
ROUTER=$(pgrep -f "order-router --config $WORK/split.yaml" | head -1)
[ -n "$ROUTER" ] || fail "no order-router to kill"
kill -9 "$ROUTER"
wait_for 30 'grep -q "event=adopted_account" "$R"' || { tail -5 "$R" >&2; fail "the restarted router did not adopt the account from the exchange"; }
grep -q "event=adopted_account since_ms=[0-9]* trades=1 open_orders=0 funding_payments=[1-9]" "$R" || fail "adoption did not find the one fill and the funding paid: $(grep adopted_account "$R")"
grep -q "event=exchange_connected .* deposit=10000 .* restarted=true" "$R" || fail "the restarted router did not keep the run's deposit: $(grep exchange_connected "$R" | tail -1)"
wait_for 10 '[ "$(grep -c "event=reconciled why=\"start\"" "$R")" -ge 2 ]' || fail "the restarted router did not reconcile clean"
grep -q "event=reconciliation_difference" "$R" && fail "a reconciliation found a difference: $(grep reconciliation_difference "$R" | head -1)"
echo "  order-router killed mid-run: restarted, the account adopted from the exchange's history (1 fill, deposit kept), reconciled clean"

# The kill switch's flatten: a signed reduce-only market order to the exchange.
wait_for 30 'python3 -c "import json,sys; json.load(open(sys.argv[1]))[\"services\"][\"risk-gatekeeper\"]" "$WORK/state.json" 2>/dev/null' ||
  fail "the mesh never finished starting (no state file)"
expect_exit 0 "$FULCRUM" ctl kill --state-file "$WORK/state.json" --mode flatten --reason "live venue test"
wait_for 15 'grep -q "event=exchange_fill client_id=kill-[0-9]*-BTCUSDT symbol=BTCUSDT side=SELL qty=0.002" "$R"' ||
  { grep -E "kill|exchange" "$R" | tail -5 >&2; fail "the flatten did not close the position on the exchange"; }
expect_exit 0 ex positions
python3 - "$WORK/out" <<'PY' || fail "the exchange does not show BTCUSDT flat after the flatten"
import json, sys
text = open(sys.argv[1]).read()
rows = json.loads(text[text.index("["):])
assert all(float(r["positionAmt"]) == 0 for r in rows if r["symbol"] == "BTCUSDT"), rows
PY
# The router's wallet after the last fill equals the double's own balance.
router_wallet=$(grep "event=exchange_fill" "$R" | tail -1 | sed -n 's/.*wallet_after=\([-0-9.]*\).*/\1/p')
expect_exit 0 ex balance
double_wallet=$(sed -n 's/^USDT \([-0-9.]*\).*/\1/p' "$WORK/out")
[ -n "$router_wallet" ] && [ "$router_wallet" = "$double_wallet" ] || fail "the router's wallet $router_wallet is not the double's $double_wallet"
echo "  kill switch flatten: sent to the exchange reduce-only and filled; both flat; wallet $router_wallet USDT on both sides"

stop_up
grep -q "0 client ids placed twice" "$run/logs/exchange-double.log" || fail "the double saw a client id placed twice: $(grep 'placed twice' "$run/logs/exchange-double.log")"
for s in "$KEY" "$SECRET"; do
  ! grep -rqF "$s" "$run/logs" "$WORK/up.log" || fail "a key or secret reached a log"
done
grep -rq "private/ws/[0-9a-f]\{20,\}" "$run/logs" && fail "a listenKey reached a log"
echo "  no client id placed twice; no key, secret or listenKey in any log"

# Shadow mode: each variant its own account. The first (fixed_5x) trades the exchange
# account; fixed_10x trades a paper venue on the same live data, with the exchange's filters
# and the exchange account's deposit. An operator's fill and the kill switch's flatten touch
# the exchange account only; the shadow's book stays its own.
sed -e 's/  mode: split/  mode: shadow/' -e 's/, margin_budget: 0.5//' "$WORK/split.yaml" > "$WORK/shadow.yaml"
"$FULCRUM" up --config "$WORK/shadow.yaml" --out "$WORK/runs-shadow" --source binance --exchange-double "$CAP" --venue double --kline-interval 1m \
  --state-file "$WORK/state-shadow.json" --duration 60 >"$WORK/shadow.log" 2>&1 &
UP_PID=$!
wait_for 30 'grep -q "event=reconciled why=\"user stream connected\"" "$WORK"/runs-shadow/2*/logs/order-router.log 2>/dev/null' ||
  { tail -5 "$WORK/shadow.log" >&2; fail "the shadow run's router did not reconcile with the double"; }
run=$(ls -d "$WORK"/runs-shadow/2*/ | head -1)
R="$run/logs/order-router.log"
grep -q "event=shadow_accounts live=fixed_5x paper=fixed_10x" "$R" || fail "the shadow accounts are not named: $(grep -m1 shadow "$R")"
grep -q "event=exchange_connected .* deposit=10000" "$R" || fail "no exchange account under the shadow run"
DOUBLE=$(pgrep -f "exchange-double --capture $CAP --tls-cert $run" | head -1)
KEY=$(tr '\0' '\n' < "/proc/$DOUBLE/environ" | sed -n 's/^FULCRUM_EXCHANGE_API_KEY=//p')
SECRET=$(tr '\0' '\n' < "/proc/$DOUBLE/environ" | sed -n 's/^FULCRUM_EXCHANGE_API_SECRET=//p')
PORT=$(cat "$run/.exchange-double/port")
expect_exit 0 ex order --config "$WORK/shadow.yaml" --client-id operator-2 --quantity 0.003 --reference-price 60000
wait_for 10 'grep -q "event=exchange_fill client_id=operator-2 symbol=BTCUSDT side=BUY qty=0.003" "$R"' || fail "the operator's fill never reached the live account"
wait_for 30 'python3 -c "import json,sys; json.load(open(sys.argv[1]))[\"services\"][\"risk-gatekeeper\"]" "$WORK/state-shadow.json" 2>/dev/null' ||
  fail "the shadow mesh never finished starting (no state file)"
expect_exit 0 "$FULCRUM" ctl kill --state-file "$WORK/state-shadow.json" --mode flatten --reason "shadow test"
wait_for 15 'grep -q "event=exchange_fill client_id=kill-[0-9]*-BTCUSDT symbol=BTCUSDT side=SELL qty=0.003" "$R"' ||
  { grep -E "kill|exchange" "$R" | tail -5 >&2; fail "the flatten did not close the live account's position on the exchange"; }
# The report is written at stop once market data has reached the router (after the warm-up).
wait_for 20 'grep -q "event=warmup_done" "$run/logs/market-data.log"' || fail "market-data never finished its warm-up"
sleep 2
stop_up
trap cleanup EXIT
report=$(ls -d "$run"/report 2>/dev/null || echo "$run")
for a in fixed_5x fixed_10x; do [ -f "$report/ledger-$a.csv" ] || fail "no ledger for $a in $report: $(ls "$report" | head)"; done
python3 - "$report" <<'PY' || fail "the shadow accounts' ledgers are wrong"
import csv, sys
d = sys.argv[1]
live = list(csv.DictReader(open(f"{d}/ledger-fixed_5x.csv")))
paper = list(csv.DictReader(open(f"{d}/ledger-fixed_10x.csv")))
fees = [r for r in live if r["kind"] == "TRADE_FEE"]
assert len(fees) == 2, f"the live account booked {len(fees)} fees, not the operator's and the flatten's: {live}"
assert not [r for r in paper if r["kind"] != "DEPOSIT"], f"the shadow account booked what the exchange account did: {paper}"
print(f"  live account: {len(fees)} fills from the exchange; shadow account: untouched on paper")
PY
grep -q "0 client ids placed twice" "$run/logs/exchange-double.log" || fail "the double saw a client id placed twice"
echo "  shadow mode: fixed_5x on the exchange account, fixed_10x on paper beside it, each its own book"
echo "PASS: the order router trades a Binance account through the venue seam, against the exchange double"
