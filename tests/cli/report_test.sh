#!/usr/bin/env bash
# README command 1's job on the sample: every policy in every output, identical reruns.
source "$(dirname "$0")/lib.sh"

cp "$SRC/deploy/config/backtest.yaml" "$WORK/cfg.yaml"
sed -i 's|../sample|'"$SRC"'/deploy/sample|' "$WORK/cfg.yaml"
expect_exit 0 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --out "$WORK/a" --no-progress
cp "$WORK/out" "$WORK/stdout-a"
for p in fixed risk_parity vol_target trend_confirmation confidence rule_engine kelly fixed_ratio risk_percent; do
  expect_in "$WORK/stdout-a" "$p"
  for f in summary.md summary.csv summary.json equity.svg; do expect_in "$WORK/a/latest/$f" "$p"; done
  [ -s "$WORK/a/latest/ledger-$p.csv" ] || fail "no ledger for $p"
  expect_in "$WORK/a/latest/trades-$p.csv" "leverage_decision_reason"
done
expect_in "$WORK/a/latest/summary.md" "| policy |"
expect_in "$WORK/stdout-a" "leaderboard (leaderboard.txt, leaderboard.json):"
python3 -c "
import json
b = json.load(open('$WORK/a/latest/leaderboard.json'))
rows = b['rows']
assert len(rows) == 9, len(rows)
assert [r['rank'] for r in rows] == list(range(1, 10)), rows
assert sorted(r['equity'] for r in rows)[::-1] == [r['equity'] for r in rows], 'not ranked by equity'
assert sum(r['baseline'] for r in rows) == 1 and next(r for r in rows if r['baseline'])['variant'] == 'fixed'
assert all('sharpe_difference' in r for r in rows if not r['baseline'])
s = {x['policy']: x for x in json.load(open('$WORK/a/latest/summary.json'))['results']}
for r in rows:
    assert abs(r['equity'] - s[r['variant']]['final_equity']) < 1e-6, r['variant']
" || fail "leaderboard.json disagrees with summary.json"
expect_in "$WORK/a/latest/summary.md" "Monthly return by policy"
python3 -c "
import json
d = json.load(open('$WORK/a/latest/summary.json'))
assert isinstance(d, dict), type(d)
assert len(d['results']) == 9, len(d['results'])
assert d['complete'] is True and d['from'].startswith('2025-01-08') and len(d['symbols']) == 8, d
assert 'sharpe_convention' in d and len(d['config_sha256']) == 64, d
" || fail "summary.json"
expect_exit 0 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --out "$WORK/b" --no-progress
for f in "$WORK"/a/latest/ledger-*.csv "$WORK"/a/latest/trades-*.csv; do cmp -s "$f" "$WORK/b/latest/$(basename "$f")" || fail "$(basename "$f") differs between runs"; done

expect_exit 0 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --walk-forward --train-days 30 --test-days 14 --out "$WORK/wf" --no-progress
expect_in "$WORK/out" "IS per 30 d"
expect_in "$WORK/wf/latest/walk_forward.md" "OOS Sharpe"
expect_in "$WORK/wf/latest/walk_forward.md" "Across folds, out of sample"
# Valid Markdown: every row of every table has as many cells as its header.
python3 - "$WORK/wf/latest/walk_forward.md" <<'PY' || fail "walk_forward.md has a table row with the wrong number of cells"
import sys
header = None
rows = 0
for line in open(sys.argv[1]):
    if not line.startswith("|"):
        header = None
        continue
    cells = line.rstrip("\n").strip("|").split("|")
    if header is None:
        header = len(cells)
    else:
        assert len(cells) == header, (len(cells), header, line)
        rows += 1
assert rows > 10, rows
PY
[ "$(grep -c '^| [a-z_]* | [0-9]* |' "$WORK/wf/latest/walk_forward.md")" -eq 9 ] || fail "the summary across folds lacks a row per policy"
# Each run is a folder of its own, with what made it.
python3 - "$WORK/a/latest/run.json" <<'PY' || fail "run.json"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["complete"] is True and m["command"] == "backtest", m
assert len(m["config_sha256"]) == 64 and len(m["symbols"]) == 8 and len(m["policies"]) == 9, m
assert m["bars_in_window"] > 0 and m["warmup_bars"] > 0, m
PY
cmp -s "$WORK/cfg.yaml" "$WORK/a/latest/config.yaml" || fail "the run folder's config.yaml is not the config used"
for p in fixed kelly; do expect_in "$WORK/a/latest/orders-$p.csv" "time_utc,client_order_id,symbol,end,reason"; done
expect_exit 0 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --out "$WORK/a" --no-progress
[ "$(find "$WORK/a" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 2 ] || fail "a second run into the same root must add a folder, not replace one"
echo "report: all outputs present and reruns identical"
