# Clean stops: 20 start/stop cycles of `fulcrum up`, half ended by --duration (exit 0) and
# half by Ctrl-C (SIGINT to the launcher: exit 130). Every service must exit 0 after its
# final flush, no log may show an abort, every run keeps its logs in its own output folder
# with a partial report marked complete: false, and nothing is left in /tmp: no launcher
# folder, no state file, no Redis scratch.
source "$(dirname "$0")/lib.sh"
export TMPDIR="$WORK/tmp"  # the launcher's temp files, if any, land where this test can see them
mkdir -p "$TMPDIR"
cycles=${STOP_CYCLES:-20}
for i in $(seq "$cycles"); do
  out="$WORK/runs"
  if [ $((i % 2)) -eq 0 ]; then
    "$FULCRUM" up --config "$SRC/deploy/config/backtest.yaml" --out "$out" --state-file "$WORK/state.json" --duration 1.5 >"$WORK/up.out" 2>&1
    rc=$? want=0
  else
    "$FULCRUM" up --config "$SRC/deploy/config/backtest.yaml" --out "$out" --state-file "$WORK/state.json" >"$WORK/up.out" 2>&1 &
    launcher=$!
    for _ in $(seq 100); do grep -q "replaying" "$WORK/up.out" 2>/dev/null && break; sleep 0.05; done
    sleep 0.5
    kill -INT "$launcher"
    wait "$launcher"
    rc=$? want=130
  fi
  [ "$rc" -eq "$want" ] || { cat "$WORK/up.out" >&2; fail "cycle $i: fulcrum up exited $rc, wanted $want"; }
  grep -q "run incomplete" "$WORK/up.out" || { cat "$WORK/up.out" >&2; fail "cycle $i: the stop did not say the run is incomplete"; }
  ! grep -q "exited with" "$WORK/up.out" || { cat "$WORK/up.out" >&2; fail "cycle $i: a service did not exit 0 at stop"; }
  run_dir=$(ls -td "$out"/*/ | head -1)
  [ "$(ls "$run_dir/logs"/*.log | wc -l)" -ge 6 ] || fail "cycle $i: the run's logs are not in its folder $run_dir"
  if grep -lE "terminate called|Aborted|std::length_error|bad_alloc|AddressSanitizer|runtime error:" "$run_dir"/logs/*.log; then fail "cycle $i: an abort in the logs above"; fi
  [ ! -e "$WORK/state.json" ] || fail "cycle $i: state file left behind"
  python3 -c "import json,sys; j=json.load(open('$run_dir/launcher.json')); assert j['complete'] is False, j" || fail "cycle $i: launcher.json"
  if [ -f "$run_dir/run.json" ]; then
    python3 -c "import json; m=json.load(open('$run_dir/run.json')); assert m['complete'] is False, m" || fail "cycle $i: a partial report not marked incomplete"
  fi
  [ ! -e "$run_dir/.redis" ] || fail "cycle $i: embedded Redis scratch left behind"
  ls "$run_dir" | grep -q '^\.ready' && fail "cycle $i: ready files left behind"
  [ -z "$(ls -A "$TMPDIR")" ] || { ls -la "$TMPDIR" >&2; fail "cycle $i: left files in the temp folder"; }
done
[ "$(ls -d "$WORK"/runs/*/ | wc -l)" -eq "$cycles" ] || fail "expected one run folder per cycle"
echo "PASS: $cycles start/stop cycles, every service exited 0, no abort, nothing left in the temp folder"
