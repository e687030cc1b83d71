# The pre-trade gate runs in the backtest too: with limits tight enough to deny orders on
# the sample, `fulcrum up` and `fulcrum backtest` still write identical ledgers and trades,
# and the backtest's decisions show each denial with its reason.
source "$(dirname "$0")/lib.sh"
cfg="$WORK/cfg.yaml"
{ short_config 2025-02-01; printf 'mesh:\n  risk:\n    max_leverage_x: 15\n    max_order_notional: 8000\n    max_orders_per_instant: 1\n'; } >"$cfg"
expect_exit 0 "$FULCRUM" backtest --config "$cfg" --no-progress --out "$WORK/backtest"
expect_exit 0 "$FULCRUM" up --config "$cfg" --out "$WORK/mesh" --state-file "$WORK/state.json" --summary-every-ms 5000
same_files "$WORK/backtest/latest" "$WORK/mesh/latest" 'ledger-*.csv' 'trades-*.csv' summary.csv
for reason in LEVERAGE_ABOVE_LIMIT NOTIONAL_ABOVE_LIMIT; do
  n=$(cat "$WORK"/backtest/latest/decisions-*.csv | grep -c "DENIED: $reason" || true)
  [ "$n" -gt 0 ] || fail "no decision was denied for $reason: the limits did not bite"
  echo "  denied $reason: $n"
done
grep -q "DENIED: LEVERAGE_ABOVE_LIMIT: leverage 20x above mesh.risk.max_leverage_x 15x" "$WORK/backtest/latest/decisions-fixed.csv" || fail "the fixed 20x policy's denials do not name the limit"
trades=$(tail -n +2 -q "$WORK"/backtest/latest/trades-*.csv | wc -l)
[ "$trades" -gt 0 ] || fail "no policy traded at all: parity of two empty ledgers proves nothing"
echo "PASS: gate parity: $trades trades, identical ledgers with the gate denying orders"
