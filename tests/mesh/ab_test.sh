# A/B of the leverage service with the real binaries and a real Redis:
#  1. `fulcrum up` on seed 002's four modes (four leverage services), shadow and split:
#     ledgers, trades, decisions and the leaderboard byte-identical to the backtest's;
#  2. two variants by hand, the gatekeeper's SUB bound so each variant connects to it:
#     variant B's version swapped at run time opens a new leaderboard row at the swap
#     instant, while A's and B's orders stay those of the backtest; the leaderboard's rows,
#     the per-variant metrics (the entry-leverage histograms too) and the accounts agree;
#  3. membership: Leave and Join over gRPC need the admin token; a variant that stops
#     answering is tainted after ab.deadline_ms and the run goes on without it.
source "$(dirname "$0")/lib.sh"

# 1. fulcrum up, shadow then split, against the in-process backtest.
sed -e "s|\.\./sample|$SRC/deploy/sample|g" -e "s|^  to: .*|  to: 2025-02-20|" -e "s|\.\./\.\./out/four-modes|$WORK/out|" \
  "$SRC/deploy/config/four-modes.yaml" > "$WORK/shadow.yaml"
sed -e "s|^  mode: shadow|  mode: split|" "$WORK/shadow.yaml" > "$WORK/split.yaml"
for mode in shadow split; do
  expect_exit 0 "$FULCRUM" backtest --config "$WORK/$mode.yaml" --no-progress --out "$WORK/bt-$mode"
  expect_exit 0 "$FULCRUM" up --config "$WORK/$mode.yaml" --out "$WORK/up-$mode" --state-file "$WORK/state.json" --summary-every-ms 5000
  same_files "$WORK/bt-$mode/latest" "$WORK/up-$mode/latest" 'ledger-*.csv' 'trades-*.csv' 'decisions-*.csv' summary.json leaderboard.json leaderboard.txt
  for v in mode_0_no_risk mode_1_vpin_only mode_2_liquidity_only mode_3_full_risk; do
    grep -q "\"variant\": \"$v\"" "$WORK/up-$mode/latest/leaderboard.json" || fail "$mode: no leaderboard row for $v"
  done
done
[ "$(ls "$WORK"/up-shadow/latest/ledger-*.csv | wc -l)" -eq 4 ] || fail "shadow: expected an account per mode"
[ "$(ls "$WORK"/up-split/latest/ledger-*.csv | wc -l)" -eq 1 ] || fail "split: expected the one shared account"
[ "$(tail -n +2 "$WORK/up-split/latest/trades-split.csv" | wc -l)" -gt 10 ] || fail "split: the shared account hardly traded"
# Split attribution: every trade is some mode's, and each row counts its own.
python3 - "$WORK/up-split/latest" <<'EOF' || fail "split attribution does not add up"
import csv, json, sys
d = sys.argv[1]
rows = {r["variant"]: r for r in json.load(open(d + "/leaderboard.json"))["rows"]}
counts = {v: 0 for v in rows}
for t in csv.DictReader(open(d + "/trades-split.csv")):
    owner = max((v for v in rows if t["opened_by"].startswith(v + "-")), key=len, default=None)
    assert owner, "a trade no mode opened: " + t["opened_by"]
    counts[owner] += 1
for v, r in rows.items():
    assert r["trades"] == counts[v], (v, r["trades"], counts[v])
summary = json.load(open(d + "/summary.json"))["results"][0]
total = sum(r["equity"] for r in rows.values())
assert abs(total - summary["final_equity"]) < 0.01, (total, summary["final_equity"])
print("  split: %d trades attributed to %d modes; row equities sum to the account's %.2f" % (sum(counts.values()), len(rows), total))
EOF

# 2. Two variants by hand; B's version swapped mid-run.
RP=$(port)
start_redis "$RP"
{ base_config | sed -e "s|^  to: .*|  to: 2025-03-01|" -e '/^ab:/,/^output:/{/^output:/!d}'
  printf 'ab:\n  mode: shadow\n  baseline: A\n  variants:\n'
  printf '    - {id: A, version: v1, policy: fixed, leverage: {fixed: {leverage_x: 5}}}\n'
  printf '    - {id: B, version: v1, policy: fixed, leverage: {fixed: {leverage_x: 3}}, filters: {max_vpin: 0.45}}\n'
  printf 'mesh:\n'"$LOOSE_RISK"; } > "$WORK/ab.yaml"
expect_exit 0 "$FULCRUM" backtest --config "$WORK/ab.yaml" --no-progress --out "$WORK/bt-ab"
# start_ab_mesh CONFIG NAMESPACE ROUTER_ARGS... : every service but market-data, variants
# A and B each a leverage service connecting to the gatekeeper's bound SUB.
start_ab_mesh() {
  local config=$1 ns=$2; shift 2
  MD=$(ep); FEAT=$(ep); SIG=$(ep); LEV=$(ep); ORD=$(ep); ROUTER=$(ep); ACKS=$(ep)
  RCTL="127.0.0.1:$(port)"
  common=(--config "$config" --redis "redis://127.0.0.1:$RP" --namespace "$ns")
  launch order-router "${common[@]}" --control "$RCTL" --bind "$ROUTER" --bind-acks "$ACKS" --market "$MD" --orders "$ORD" "$@"
  launch risk-gatekeeper "${common[@]}" --router-control "$RCTL" --bind "$ORD" --decisions "@$LEV"
  lev_args=(--bind ">$LEV" --signals "$SIG" --router "$ROUTER" --router-acks "$ACKS")
  launch_as leverage-A leverage "${common[@]}" "${lev_args[@]}" --variant A
  launch_as leverage-B leverage "${common[@]}" "${lev_args[@]}" --variant B
  launch signal-engine "${common[@]}" --bind "$SIG" --features "$FEAT"
  launch feature-engine "${common[@]}" --bind "$FEAT" --market "$MD"
}
start_ab_mesh "$WORK/ab.yaml" "ab$$" --out "$WORK/run"
instants() { "$PROBE" status "${RCTL#*:}" | sed -n 's/.* instants=\([0-9]*\).*/\1/p'; }
"$BIN/market-data" "${common[@]}" --bind "$MD" --acks "$ACKS" >"$WORK/market-data.log" 2>&1 &
MD_PID=$!
PIDS+=("$MD_PID")
for _ in $(seq 300); do n=$(instants); [ "${n:-0}" -gt 3000 ] && break; sleep 0.1; done
[ "$(instants)" -gt 3000 ] || fail "the run did not get going"
kill -STOP "$MD_PID"  # hold the replay while B changes version, so the swap has a known instant
kill "$leverage_B_PID"; wait "$leverage_B_PID" 2>/dev/null
swap_after=$(instants)
launch_as leverage-B leverage "${common[@]}" "${lev_args[@]}" --variant B --version v2
kill -CONT "$MD_PID"
wait "$MD_PID" || fail "market-data failed"
for _ in $(seq 100); do [ -f "$WORK/run/run.json" ] && break; sleep 0.1; done
[ -f "$WORK/run/run.json" ] || fail "the router wrote no report"
echo "  B swapped to v2 after $swap_after instants"
same_files "$WORK/bt-ab/latest" "$WORK/run" 'ledger-*.csv' 'trades-*.csv' 'decisions-*.csv'
python3 - "$WORK/run/leaderboard.json" "$WORK/bt-ab/latest/leaderboard.json" <<'EOF' || fail "the leaderboard rows are not one per version"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
keys = sorted((r["variant"], r["version"]) for r in rows)
assert keys == [("A", "v1"), ("B", "v1"), ("B", "v2")], keys
b1 = next(r for r in rows if r["variant"] == "B" and r["version"] == "v1")
b2 = next(r for r in rows if r["variant"] == "B" and r["version"] == "v2")
assert b1["to_ms"] == b2["from_ms"] > b1["from_ms"], (b1["from_ms"], b1["to_ms"], b2["from_ms"])
bt = {r["variant"]: r for r in json.load(open(sys.argv[2]))["rows"]}
a = next(r for r in rows if r["variant"] == "A")
assert abs(a["equity"] - bt["A"]["equity"]) < 1e-6 and a["trades"] == bt["A"]["trades"], "A's row moved with B's swap"
assert abs(b2["equity"] - bt["B"]["equity"]) < 1e-6, "B's account is B's account whatever its version"
assert b1["trades"] + b2["trades"] == bt["B"]["trades"], (b1["trades"], b2["trades"], bt["B"]["trades"])
print("  rows: A v1, B v1 until %d, B v2 from it; B's trades %d + %d = the backtest's %d" % (b2["from_ms"], b1["trades"], b2["trades"], bt["B"]["trades"]))
EOF
# The live metrics name the same rows with the same figures (the board refreshes every 2 s).
sleep 2.5
python3 - "$WORK/run/leaderboard.json" "$order_router_METRICS" "$PROBE" <<'EOF' || fail "the per-variant metrics disagree with the leaderboard"
import json, subprocess, sys
rows = json.load(open(sys.argv[1]))["rows"]
def metric(name, r):
    out = subprocess.run([sys.argv[3], "metric", sys.argv[2], name, "variant=" + r["variant"], "version=" + r["version"]], capture_output=True, text=True, check=True)
    return float(out.stdout)
for r in rows:
    assert abs(metric("fulcrum_leaderboard_equity_usd", r) - r["equity"]) < 0.01, (r["variant"], r["version"], "equity")
    assert metric("fulcrum_leaderboard_trades", r) == r["trades"], (r["variant"], r["version"], "trades")
    assert metric("fulcrum_leaderboard_liquidations", r) == r["liquidations"], (r["variant"], r["version"], "liquidations")
print("  metrics: equity, trades and liquidations per (variant, version) equal the leaderboard's %d rows" % len(rows))
EOF
# The leverage distribution: each (variant, version)'s histogram holds exactly the entries
# its decisions submitted (A at 5x, B at 3x by config), split at B's swap instant.
python3 - "$WORK/run" "$order_router_METRICS" <<'EOF' || fail "the entry-leverage histograms disagree with the decisions"
import csv, datetime, glob, json, sys, urllib.request
run, port = sys.argv[1], sys.argv[2]
swap = next(r["from_ms"] for r in json.load(open(run + "/leaderboard.json"))["rows"] if r["version"] == "v2")
want = {}
for f in glob.glob(run + "/decisions-*.csv"):
    for d in csv.DictReader(open(f)):
        if d["outcome"] != "SUBMITTED": continue
        t = int(datetime.datetime.strptime(d["time_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
        key = (d["variant"], "v2" if d["variant"] == "B" and t >= swap else "v1")
        n, levs = want.get(key, (0, set()))
        want[key] = (n + 1, levs | {int(d["leverage_x"])})
assert want[("A", "v1")][1] == {5} and want[("B", "v1")][1] == {3} and ("B", "v2") in want, want
series = {}
for line in urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5).read().decode().splitlines():
    if not line.startswith("fulcrum_entry_leverage"): continue
    name, value = line.rsplit(" ", 1)
    labels = {k: v.strip('"') for k, v in (kv.split("=", 1) for kv in name[name.index("{") + 1:-1].split(","))}
    series[(name[:name.index("{")], labels["variant"], labels["version"], labels.get("le"))] = float(value)
for (variant, version), (n, levs) in want.items():
    lev = min(levs)
    assert series[("fulcrum_entry_leverage_count", variant, version, None)] == n, (variant, version, n, series)
    assert abs(series[("fulcrum_entry_leverage_sum", variant, version, None)] - n * lev) < 1e-9, (variant, version)
    below = max(b for b in (1, 2, 3, 5, 8) if b < lev)
    assert series[("fulcrum_entry_leverage_bucket", variant, version, "%d" % below)] == 0, (variant, version, "below")
    assert series[("fulcrum_entry_leverage_bucket", variant, version, "%d" % lev)] == n, (variant, version, "at")
print("  entry leverage: %s, as the decisions submitted them" % ", ".join("%s %s %d at %dx" % (v, ver, n, min(l)) for (v, ver), (n, l) in sorted(want.items())))
EOF
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done  # not a bare wait: Redis is a child too
PIDS=()

# 3. Membership: split mode with a deadline; B stops answering and is tainted.
{ sed -e '/^ab:/,$d' "$WORK/ab.yaml"
  printf 'ab:\n  mode: split\n  deadline_ms: 1500\n  on_taint: fallback\n  fallback: A\n  variants:\n'
  printf '    - {id: A, policy: fixed, margin_budget: 0.5}\n'
  printf '    - {id: B, policy: fixed, margin_budget: 0.5}\n'
  printf 'mesh:\n  replay: lockstep\n'"$LOOSE_RISK"; } > "$WORK/split-ab.yaml"
redis-cli -p "$RP" flushall >/dev/null
start_ab_mesh "$WORK/split-ab.yaml" "ms$$"
ctl() { "$FULCRUM" ctl --control "$RCTL" "$@"; }
# Refusals first: no token, a wrong one.
saved_admin=$FULCRUM_TOKEN_ADMIN
unset FULCRUM_TOKEN_ADMIN
expect_exit 4 ctl leave --variant B
FULCRUM_TOKEN_ADMIN="x:wrong-secret-of-enough-length" expect_exit 4 ctl leave --variant B
export FULCRUM_TOKEN_ADMIN=$saved_admin
expect_exit 3 ctl leave --variant Z --reason "no such variant"
"$BIN/market-data" "${common[@]}" --bind "$MD" --acks "$ACKS" >"$WORK/market-data.log" 2>&1 &
MD_PID=$!
PIDS+=("$MD_PID")
for _ in $(seq 300); do n=$(instants); [ "${n:-0}" -gt 500 ] && break; sleep 0.1; done
kill -STOP "$leverage_B_PID"
stalled_at=$(instants)
for _ in $(seq 100); do [ "$(metric "$order_router_METRICS" fulcrum_ab_tainted_total variant=B)" = 1 ] && break; sleep 0.1; done
[ "$(metric "$order_router_METRICS" fulcrum_ab_tainted_total variant=B)" = 1 ] || fail "B was not tainted after its deadline"
[ "$(metric "$order_router_METRICS" fulcrum_ab_member variant=B)" = 0 ] || fail "a tainted B is still a member"
for _ in $(seq 100); do [ "$(instants)" -gt $((stalled_at + 200)) ] && break; sleep 0.1; done
[ "$(instants)" -gt $((stalled_at + 200)) ] || fail "the run stopped with B: $(instants) instants, stalled at $stalled_at"
ctl members > "$WORK/members"
expect_in "$WORK/members" "B on split: TAINTED, out (missed the 1500 ms deadline"
expect_in "$WORK/members" "A on split: member"
kill -CONT "$leverage_B_PID"
expect_exit 0 ctl join --variant B --reason "B is back"
expect_in "$WORK/out" "B on split: member (B is back)"
[ "$(metric "$order_router_METRICS" fulcrum_ab_member variant=B)" = 1 ] || fail "B did not rejoin"
epoch=$(ctl members --json | python3 -c "import json,sys; print(json.load(sys.stdin)['epoch'])")
[ "$epoch" = 3 ] || fail "membership epoch $epoch after a taint and a join, not 3"
wait "$MD_PID" || fail "market-data failed"
grep -q "event=variant_tainted variant=B" "$WORK/order-router.log" || fail "the taint is not in the router's log"
grep -q "event=membership_changed variant=B join=true" "$WORK/order-router.log" || fail "the join is not in the router's log"
echo "PASS: A/B shadow and split match the backtest; a version swap opens a row and changes no order; membership is guarded and a late variant is tainted"
