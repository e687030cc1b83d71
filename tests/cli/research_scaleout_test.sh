# `fulcrum research walk-forward` scaled out gives the report of one process, byte for byte:
#  - one process, --jobs 2 (a process per fold), and fold-by-fold runs in any order (as an
#    Indexed Job's pods) followed by `research merge`, write the same research.md, trades.csv
#    and dataset.csv.gz;
#  - a fold already done is not computed again (a retried pod, a re-run after a failure);
#  - a merge refuses folds of another config, another dataset, a missing fold, and a job
#    sized for another number of folds, each named.
source "$(dirname "$0")/lib.sh"
# The sample is 83 days: shorter folds than the shipped research: section's.
sed -e "s|\.\./sample/|$SRC/deploy/sample/|" -e 's/^  train_days: [0-9]*/  train_days: 30/' -e 's/^  test_days: [0-9]*/  test_days: 15/' \
    -e 's/^  null_draws: [0-9]*/  null_draws: 500/' -e 's/^  bootstrap_resamples: [0-9]*/  bootstrap_resamples: 200/' \
    "$SRC/deploy/config/backtest.yaml" > "$WORK/r.yaml"
grep -q '^  train_days: 30' "$WORK/r.yaml" || fail "the sample config has no research.train_days to shorten"

expect_exit 0 "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --list-folds
n=$(sed -n 's/^folds: \([0-9]*\) .*/\1/p' "$WORK/out")
[ "${n:-0}" -ge 3 ] || fail "expected at least 3 folds on the sample, got '${n:-none}': $(cat "$WORK/out")"
[ ! -e "$WORK/one" ] || fail "--list-folds wrote something"

expect_exit 0 "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --out "$WORK/one"
one=$(readlink -f "$WORK/one/latest")
expect_exit 0 "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --out "$WORK/jobs" --jobs 2
expect_in "$WORK/err" "worker 2/2: folds 2"
jobs=$(readlink -f "$WORK/jobs/latest")
[ -s "$jobs/logs/worker-1.log" ] || fail "--jobs wrote no per-worker log"

# As an Indexed Job: pods in any order, one retried, the merge waiting for the last.
for k in $(seq "$n" -1 2); do
  expect_exit 0 "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --out "$WORK/pods" --run job --fold "$k" --expect-folds "$n"
  expect_in "$WORK/out" "fold $k/$n written"
done
expect_exit 0 "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --out "$WORK/pods" --run job --fold 2 --expect-folds "$n"
expect_in "$WORK/out" "fold 2/$n was already done"
expect_exit 1 "$FULCRUM" research merge --config "$WORK/r.yaml" --out "$WORK/pods" --run job
expect_in "$WORK/err" "holds $((n - 1)) of $n folds; missing: 1"
[ ! -e "$WORK/pods/job/research.md" ] || fail "a merge with a fold missing wrote a report"
( sleep 3; "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --out "$WORK/pods" --run job --fold 1 --expect-folds "$n" >/dev/null 2>&1 ) &
expect_exit 0 "$FULCRUM" research merge --config "$WORK/r.yaml" --out "$WORK/pods" --run job --wait 120
wait
expect_in "$WORK/err" "of $n folds done; waiting"
[ -s "$WORK/pods/job/dataset.csv.gz" ] || fail "fold 1 did not write the dataset"

for f in research.md trades.csv dataset.csv.gz; do
  cmp -s "$one/$f" "$jobs/$f" || fail "$f differs between one process and --jobs 2"
  cmp -s "$one/$f" "$WORK/pods/job/$f" || fail "$f differs between one process and the fold-by-fold run"
done
for k in $(seq 1 "$n"); do
  cmp -s "$one/fold-$k/trade_quality.json" "$WORK/pods/job/fold-$k/trade_quality.json" || fail "fold $k's model differs"
done
grep -q "^| $n | " "$one/research.md" || fail "the report does not list fold $n"
echo "  one process, --jobs 2 and $n pods + merge: research.md, trades.csv, dataset.csv.gz and the models identical"

# Refusals, each named.
expect_exit 2 "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --out "$WORK/pods" --run job2 --fold 1 --expect-folds $((n + 1))
expect_in "$WORK/err" "the plan has $n folds"
expect_exit 2 "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --out "$WORK/pods" --fold 1
expect_in "$WORK/err" "--fold needs --run NAME"
expect_exit 2 "$FULCRUM" research merge --config "$WORK/r.yaml" --out "$WORK/pods" --run ../escape
expect_in "$WORK/err" "must be a plain folder name"
[ ! -e "$WORK/escape" ] || fail "a merge wrote outside its output root"
expect_exit 2 "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --out "$WORK/pods" --run job --fold $((n + 1))
expect_in "$WORK/err" "fold $((n + 1)) does not exist"
# Another config's fold in the same run folder: the fold run refuses the folder, the merge the fold.
sed -e 's/^  seed: [0-9]*/  seed: 7/' "$WORK/r.yaml" > "$WORK/other.yaml"
grep -q '^  seed: 7' "$WORK/other.yaml" || fail "no research.seed to change"
expect_exit 2 "$FULCRUM" research walk-forward --config "$WORK/other.yaml" --out "$WORK/pods" --run job --fold 1
expect_in "$WORK/err" "belongs to another run"
expect_exit 3 "$FULCRUM" research merge --config "$WORK/other.yaml" --out "$WORK/pods" --run job
expect_in "$WORK/err" "fold-1/outcome.json"
expect_in "$WORK/err" "this merge's config"
# A fold that read other data (one symbol fewer) cannot join the run.
cp -r "$WORK/pods/job" "$WORK/pods/mixed"
rm -rf "$WORK/pods/mixed/fold-2"
symbols=$(ls "$SRC/deploy/sample/klines-5m" | sed -n 's/^\([A-Z0-9]*USDT\).*/\1/p' | sort -u | head -2 | paste -sd,)
expect_exit 0 "$FULCRUM" research walk-forward --config "$WORK/r.yaml" --out "$WORK/pods" --run mixed --fold 2 --symbols "$symbols"
expect_exit 3 "$FULCRUM" research merge --config "$WORK/r.yaml" --out "$WORK/pods" --run mixed
expect_in "$WORK/err" "the folds read different data"
# A damaged outcome is named with its field.
sed -i 's/"samples": [0-9]*/"samples": "many"/' "$WORK/pods/mixed/fold-2/outcome.json"
expect_exit 3 "$FULCRUM" research merge --config "$WORK/r.yaml" --out "$WORK/pods" --run mixed
expect_in "$WORK/err" "fold-2/outcome.json"
expect_in "$WORK/err" "samples must be an integer"
echo "PASS: scaled-out research gives the single process's report and refuses what does not belong to the run"
