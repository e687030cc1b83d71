#!/usr/bin/env bash
# `fulcrum calc` prints the seed's worked examples, as text and as JSON.
source "$(dirname "$0")/lib.sh"
json() { python3 -c "import json,sys; print(json.load(open('$WORK/out'))$1)"; }

expect_exit 0 "$FULCRUM" calc --json kelly -p 0.55 -b 2
python3 -c "import json; d=json.load(open('$WORK/out')); assert abs(d['kelly']-0.325)<1e-12 and abs(d['half_kelly']-0.1625)<1e-12, d" || fail kelly
expect_exit 0 "$FULCRUM" calc --json fixed-ratio --profit 12000 --delta 2000
[ "$(json "['jones_units']")" = "4" ] && [ "$(json "['linear_units']")" = "7" ] || fail "fixed ratio"
expect_exit 0 "$FULCRUM" calc --json size --equity 50000 --risk 0.02 --entry 19500 --stop 19450 --contract-value 20
[ "$(json "['quantity']")" = "1.0" ] || fail "size $(json "['quantity']")"
expect_exit 0 "$FULCRUM" calc --json risk-parity --vol 0.2,0.1,0.05
python3 -c "import json; w=json.load(open('$WORK/out'))['weights']; assert abs(w[2]-4/7)<1e-12" || fail "risk parity"
expect_exit 0 "$FULCRUM" calc --json liq --entry 50000 --qty 1 --leverage 20 --side long
python3 -c "import json; d=json.load(open('$WORK/out')); assert abs(d['liquidation_price']-47500/0.996)<1e-6, d" || fail "liq"
expect_exit 0 "$FULCRUM" calc liq --entry 50000 --qty 1 --leverage 20 --side short
expect_in "$WORK/out" "liquidation_price: 52288.5572"
expect_exit 0 "$FULCRUM" calc --json funding --symbol BTCUSDT --side long --qty 1 \
  --funding "$SRC/deploy/sample/funding" --mark-price "$SRC/deploy/sample/markprice-1h" --from 2025-01-01 --to 2025-02-01
python3 -c "import json; d=json.load(open('$WORK/out')); assert d['events']==92 and d['events_without_mark']==1 and d['funding_received']<0, d" || fail "funding"
"$FULCRUM" calc kelly -p 2 -b 1 >"$WORK/out" 2>"$WORK/err" && fail "a win rate of 2 was accepted"
expect_in "$WORK/err" "win-rate"
echo "calc: worked examples match"
