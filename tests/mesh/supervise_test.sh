# fulcrum up supervises: each of the six services is SIGKILLed mid-run in its own run, and
# the launcher restarts it with backoff. Every one restarts exactly: the router,
# feature-engine, signal-engine and leverage replay their input journals, the gatekeeper
# keeps no state across instants, and market-data resumes after the router's last
# acknowledged instant. The run's ledgers, trades and decisions are byte-identical to the
# backtest's, and launcher.json says the results match an uninterrupted run.
source "$(dirname "$0")/lib.sh"
cfg="$WORK/cfg.yaml"; short_config 2025-02-20 >"$cfg"
expect_exit 0 "$FULCRUM" backtest --config "$cfg" --no-progress --out "$WORK/backtest"
for svc in order-router risk-gatekeeper market-data feature-engine signal-engine leverage; do
  out="$WORK/up-$svc" state="$WORK/state-$svc.json"
  "$FULCRUM" up --config "$cfg" --out "$out" --state-file "$state" --summary-every-ms 60000 >"$WORK/up-$svc.out" 2>&1 &
  launcher=$!
  for _ in $(seq 200); do [ -f "$state" ] && break; sleep 0.05; done
  [ -f "$state" ] || { cat "$WORK/up-$svc.out" >&2; fail "$svc: the mesh did not start"; }
  sleep 1.5
  pid=$(python3 -c "import json; print(json.load(open('$state'))['services']['$svc']['pid'])")
  kill -9 "$pid" || fail "$svc: not running at kill time (pid $pid)"
  wait "$launcher"; rc=$?
  [ "$rc" -eq 0 ] || { cat "$WORK/up-$svc.out" >&2; fail "$svc: fulcrum up exited $rc after the kill"; }
  grep -q "$svc exited with 137; restart 1 of 5" "$WORK/up-$svc.out" || { cat "$WORK/up-$svc.out" >&2; fail "$svc: no restart reported"; }
  run=$(ls -d "$out"/2*/ | head -1)
  python3 - "$run/launcher.json" "$svc" <<'PY' || fail "$svc: launcher.json"
import json, sys
j = json.load(open(sys.argv[1])); svc = sys.argv[2]
assert j["complete"] is True and j["stopped_by"] == "replay end", j
assert j["restarts"][svc] == 1, j
assert j["results_match_an_uninterrupted_run"] is True, j
assert "cold_restarts" not in j, j
PY
  if [ "$svc" != market-data ] && [ "$svc" != risk-gatekeeper ]; then
    grep -q "event=recovered journal_entries=[1-9]" "$run/logs/$svc.log" || { tail -5 "$run/logs/$svc.log" >&2; fail "$svc: did not recover from its journal"; }
  fi
  same_files "$WORK/backtest/latest" "$run" 'ledger-*.csv' 'trades-*.csv' 'decisions-*.csv' 'orders-*.csv' summary.csv >/dev/null
  echo "  $svc: killed, restarted, ledgers, trades, decisions and orders identical to the backtest"
done
echo "PASS: 6 of 6 services killed mid-run, restarted by the launcher, results byte-identical to the backtest"
