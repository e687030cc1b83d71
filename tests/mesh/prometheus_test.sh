# A real Prometheus scrapes the local mesh: `fulcrum up --with-prometheus` on seed 002's
# four modes. Checks:
#  - every process is a target, found through the targets file fulcrum up writes;
#  - every metric name the alert rules use is exported by some service;
#  - after a flatten, Prometheus agrees with the services themselves: the kill-switch
#    state (`fulcrum status`), each variant's equity and the tick-to-order p99 (the router's
#    own /metrics);
#  - FulcrumKillSwitchEngaged fires in Prometheus.
source "$(dirname "$0")/lib.sh"
command -v prometheus >/dev/null || { echo "SKIP: prometheus not installed (deploy/bootstrap.sh installs Debian's)"; exit 77; }
sed -e "s|\.\./sample|$SRC/deploy/sample|g" -e "s|\.\./\.\./out/four-modes|$WORK/out|" "$SRC/deploy/config/four-modes.yaml" > "$WORK/cfg.yaml"
# Realtime at 40 000× keeps the three months running for about three minutes: long enough to look.
printf 'mesh:\n  replay: realtime\n  speed: 40000\n' >> "$WORK/cfg.yaml"
"$FULCRUM" up --config "$WORK/cfg.yaml" --out "$WORK/up" --with-prometheus --state-file "$WORK/state.json" --duration 150 >"$WORK/up.log" 2>&1 &
UP_PID=$!
PIDS+=("$UP_PID")
for _ in $(seq 300); do [ -s "$WORK/state.json" ] && grep -q '"prometheus"' "$WORK/state.json" && break; sleep 0.1; done
grep -q '"prometheus"' "$WORK/state.json" || { cat "$WORK/up.log" >&2; fail "fulcrum up did not start Prometheus"; }
URL=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['prometheus'])" "$WORK/state.json")
RUN_DIR=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['run_dir'])" "$WORK/state.json")
ROUTER_METRICS=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['services']['order-router']['metrics_port'])" "$WORK/state.json")
q() { python3 - "$URL" "$1" <<'EOF'
import json, sys, urllib.parse, urllib.request
r = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[2]}), timeout=5))["data"]["result"]
for s in r: print(json.dumps(s["metric"], sort_keys=True), s["value"][1])
EOF
}
wait_for 30 '[ "$(q "count(up{job=\"fulcrum\"} == 1)" | awk "{print \$NF}")" = 9 ]' || { q 'up'; fail "Prometheus does not see the 9 processes up"; }
echo "  Prometheus $URL scrapes 9 processes from the targets file"

# Every metric the rules and the dashboards name exists.
q '{__name__=~"fulcrum_.+"}' | sed -n 's/.*"__name__": "\([^"]*\)".*/\1/p' | sort -u > "$WORK/exported"
grep -ho 'fulcrum_[a-z_]*' "$SRC"/deploy/prometheus/rules/*.yml "$SRC"/deploy/grafana/dashboards/*.json | grep -v '^fulcrum_$' | sort -u > "$WORK/used"
# A histogram is exported as NAME_bucket, _sum and _count: its base name counts as exported.
sed -n 's/_bucket$//p' "$WORK/exported" >> "$WORK/exported"
sort -u -o "$WORK/exported" "$WORK/exported"
missing=$(comm -23 "$WORK/used" "$WORK/exported")
[ -z "$missing" ] || fail "the rules or dashboards use metrics no service exports: $missing"
echo "  all $(wc -l <"$WORK/used") metric names in the rules and dashboards are exported ($(wc -l <"$WORK/exported") fulcrum_* names in all)"

# Flatten everything, so the accounts stand still, then compare.
wait_for 60 '[ "$(metric "$ROUTER_METRICS" fulcrum_orders_total)" != 0 ]' || fail "no orders before the flatten"
# The per-symbol notionals add up to each account's exposure (one scrape, two computations).
wait_for 60 '[ -n "$(q "sum(fulcrum_position_notional_usd) > 0")" ]' || fail "no open position's notional ever showed"
python3 - "$URL" <<'EOF' || fail "per-symbol notionals do not add up to the accounts' exposure"
import json, sys, urllib.parse, urllib.request
u = sys.argv[1]
q = lambda e: {r["metric"].get("account"): float(r["value"][1]) for r in json.load(urllib.request.urlopen(u + "/api/v1/query?" + urllib.parse.urlencode({"query": e})))["data"]["result"]}
by_symbol, exposure = q("sum by (account) (fulcrum_position_notional_usd)"), q("sum by (account) (fulcrum_account_exposure_notional_usd)")
assert by_symbol.keys() == exposure.keys(), (by_symbol, exposure)
for a in exposure: assert abs(by_symbol[a] - exposure[a]) <= 0.01 + 1e-6 * exposure[a], (a, by_symbol[a], exposure[a])
print("  per-symbol notionals add up to each account's exposure (%s)" % ", ".join("%s %.0f" % kv for kv in sorted(exposure.items())))
EOF
expect_exit 0 "$FULCRUM" ctl kill --state-file "$WORK/state.json" --mode flatten --reason "prometheus test"
epoch=$(sed -n 's/.* at epoch \([0-9]*\);.*/\1/p' "$WORK/out")
[ -n "$epoch" ] || fail "no epoch in: $(cat "$WORK/out")"
wait_for 20 '[ "$(q "fulcrum_trading_state_epoch" | awk "{print \$NF}")" = "$epoch" ]' || fail "Prometheus never saw epoch $epoch"
# Status counters refresh every mesh.status_interval_ms (1 s), the gauge every turn: Prometheus
# can see the epoch first, so status gets a few refreshes to agree.
status_epoch() {
  "$FULCRUM" status --json --state-file "$WORK/state.json" > "$WORK/status.json" || return 1
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['services']['order-router']['counters']['trading_state_epoch'])" "$WORK/status.json"
}
wait_for 5 '[ "$(status_epoch)" = "$epoch" ]' || fail "fulcrum status says epoch $(status_epoch), Prometheus $epoch"
[ "$(q 'fulcrum_trading_state_engagements{state="HALTED"}' | awk '{print $NF}')" = 1 ] || fail "Prometheus does not show the HALTED scope"
wait_for 30 '[ -n "$(q "ALERTS{alertname=\"FulcrumKillSwitchEngaged\",alertstate=\"firing\"}")" ]' || fail "FulcrumKillSwitchEngaged did not fire"
echo "  kill switch at epoch $epoch: fulcrum status and Prometheus agree; FulcrumKillSwitchEngaged fires"

sleep 3  # flat accounts, and Prometheus's next scrape
for v in mode_0_no_risk mode_1_vpin_only mode_2_liquidity_only mode_3_full_risk; do
  prom=$(q "fulcrum_account_equity_usd{account=\"$v\"}" | awk '{print $NF}')
  own=$(metric "$ROUTER_METRICS" fulcrum_account_equity_usd "account=$v")
  python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(0 if abs(a - b) < 0.01 else 1)" "$prom" "$own" ||
    fail "$v: Prometheus says equity $prom, the router $own"
done
# The halted mesh still books batches: the histogram moves between Prometheus's scrape and
# the router's own read, so both are read again until one scrape meets the router's state.
p99_agree() {
  prom_p99=$(q 'histogram_quantile(0.99, sum by (le) (fulcrum_tick_to_order_latency_seconds_bucket))' | awk '{print $NF * 1e6}')
  own_p99=$("$PROBE" quantile "$ROUTER_METRICS" fulcrum_tick_to_order_latency_seconds 0.99)
  python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(0 if a > 0 and abs(a - b) <= 0.2 * b else 1)" "$prom_p99" "$own_p99"
}
wait_for 15 p99_agree || fail "tick-to-order p99: Prometheus $prom_p99 µs, the router $own_p99 µs"
echo "  equity per variant equal; tick-to-order p99 Prometheus ${prom_p99} µs, the router ${own_p99} µs"
kill -INT "$UP_PID"
wait "$UP_PID"
[ ! -e "$RUN_DIR/.prometheus-data" ] || fail "Prometheus's scratch data was left behind"
echo "PASS: a real Prometheus scrapes the mesh through fulcrum up's targets; names, state, equity and p99 agree"
