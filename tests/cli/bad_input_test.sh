#!/usr/bin/env bash
# Bad config and bad data: a clear error naming the field or file, a non-zero exit,
# and no report left behind.
source "$(dirname "$0")/lib.sh"

cp "$SRC/deploy/config/backtest.yaml" "$WORK/cfg.yaml"
sed -i 's|../sample|'"$SRC"'/deploy/sample|' "$WORK/cfg.yaml"
printf 'signal:\n  rsi_mn: 60\n' > "$WORK/unknown.yaml"
expect_exit 2 "$FULCRUM" backtest --config "$WORK/unknown.yaml" --out "$WORK/r0"
expect_in "$WORK/err" "signal.rsi_mn: unknown key"
[ ! -e "$WORK/r0" ] || fail "a report was written for a rejected config"

expect_exit 2 "$FULCRUM" config check "$WORK/unknown.yaml"
expect_exit 0 "$FULCRUM" config check "$SRC/deploy/config/backtest.yaml"

# A truncated gzip in the middle of the data set.
mkdir -p "$WORK/data"
cp -r "$SRC/deploy/sample/klines-5m" "$WORK/data/"
f="$WORK/data/klines-5m/ETHUSDT.csv.gz"
truncate -s $(( $(stat -c %s "$f") / 2 )) "$f"
expect_exit 3 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --data "$WORK/data/klines-5m" --out "$WORK/r1" --no-progress
expect_in "$WORK/err" "ETHUSDT.csv.gz"
expect_in "$WORK/err" "truncated or corrupt"
[ ! -e "$WORK/r1" ] || fail "a partial report was left behind"
ls "$WORK" | grep -q partial && fail "scratch output left behind"

# Strict mode stops at the first bad row and names its line.
mkdir -p "$WORK/bad"
{ echo "open_time,open,high,low,close,volume"; echo "0,1,2,0.5,1.5,10"; echo "300000,1,abc,0.5,1.5,10"; } > "$WORK/bad/XUSDT.csv"
expect_exit 3 "$FULCRUM" validate --strict "$WORK/bad/XUSDT.csv"
expect_in "$WORK/err" "XUSDT.csv:3: non-numeric: field high"
expect_exit 5 "$FULCRUM" validate "$WORK/bad/XUSDT.csv"
expect_in "$WORK/out" "1 non-numeric"

expect_exit 2 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --policies fixed,yolo --out "$WORK/r2"
expect_in "$WORK/err" "unknown policy 'yolo'"
echo "bad input: 9 checks passed"
