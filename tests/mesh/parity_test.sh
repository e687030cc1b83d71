# Parity: `fulcrum up` (six processes, lockstep, embedded Redis) on the bundled sample gives
# the same ledgers, trades, decisions, order outcomes and summary as the in-process
# backtest, for every policy, with every pre-trade check on.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$FULCRUM" backtest --config "$SRC/deploy/config/backtest.yaml" --no-progress --out "$WORK/backtest"
expect_exit 0 "$FULCRUM" up --config "$SRC/deploy/config/backtest.yaml" --out "$WORK/mesh" --state-file "$WORK/state.json" --summary-every-ms 5000
expect_in "$WORK/out" "(embedded)"
expect_in "$WORK/out" "final ["
expect_in "$WORK/out" "report: $WORK/mesh"
same_files "$WORK/backtest/latest" "$WORK/mesh/latest" 'ledger-*.csv' 'trades-*.csv' 'decisions-*.csv' 'orders-*.csv' summary.csv summary.json gate_denials.csv leaderboard.json leaderboard.txt
[ "$(ls "$WORK"/mesh/latest/ledger-*.csv | wc -l)" -eq 9 ] || fail "expected a ledger for each of the 9 policies"
# The ledgers hold real activity, not two empty files that agree, and seed 001's checklist
# (every check on, the shipped defaults) denied entries in both the same way.
[ "$(wc -l <"$WORK/mesh/latest/ledger-fixed.csv")" -gt 40 ] || fail "fixed policy ledger is nearly empty"
[ "$(wc -l <"$WORK/mesh/latest/gate_denials.csv")" -gt 5 ] || fail "the gate denied nothing: parity with every check on is not shown"
grep -q "final .*orders [1-9]" "$WORK/out" || fail "the live summary counted no orders"
# Refusals anywhere on the path count, the planner's gate first among them (it denies most here).
grep -q "final .*rejected [1-9]" "$WORK/out" || fail "the live summary counted no rejection, though the gate denied orders"
[ ! -e "$WORK/state.json" ] || fail "state file left behind after a clean stop"
echo "PASS: mesh parity with the in-process backtest"
