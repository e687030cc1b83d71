#!/usr/bin/env bash
# README command 1's job on the sample: every policy in every output, identical reruns.
source "$(dirname "$0")/lib.sh"

cp "$SRC/deploy/config/backtest.yaml" "$WORK/cfg.yaml"
sed -i 's|../sample|'"$SRC"'/deploy/sample|' "$WORK/cfg.yaml"
expect_exit 0 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --out "$WORK/a" --no-progress
cp "$WORK/out" "$WORK/stdout-a"
for p in fixed risk_parity vol_target trend_confirmation confidence rule_engine kelly fixed_ratio risk_percent; do
  expect_in "$WORK/stdout-a" "$p"
  for f in summary.md summary.csv summary.json equity.svg; do expect_in "$WORK/a/$f" "$p"; done
  [ -s "$WORK/a/ledger-$p.csv" ] || fail "no ledger for $p"
  expect_in "$WORK/a/trades-$p.csv" "leverage_decision_reason"
done
expect_in "$WORK/a/summary.md" "| policy |"
expect_in "$WORK/a/summary.md" "Monthly return by policy"
python3 -c "import json,sys; d=json.load(open('$WORK/a/summary.json')); assert len(d)==9, len(d)" || fail "summary.json"
expect_exit 0 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --out "$WORK/b" --no-progress
for f in "$WORK"/a/ledger-*.csv "$WORK"/a/trades-*.csv; do cmp -s "$f" "$WORK/b/$(basename "$f")" || fail "$(basename "$f") differs between runs"; done

expect_exit 0 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --walk-forward --train-days 30 --test-days 14 --out "$WORK/wf" --no-progress
expect_in "$WORK/out" "IS monthly"
expect_in "$WORK/wf/walk_forward.md" "OOS Sharpe"
echo "report: all outputs present and reruns identical"
