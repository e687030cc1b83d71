# The kill switch's automatic triggers against the real binaries, each configured on:
#  - router heartbeat: the order router frozen (SIGSTOP) past mesh.kill_switch.
#    router_heartbeat_ms → the gatekeeper halts globally as auto:router_heartbeat; thawed,
#    the router acknowledges the halt;
#  - rejection burst: the gatekeeper's limits tightened by an (authenticated) reload until
#    it denies what the planners send → after rejection_burst denials it halts as
#    auto:rejection_burst.
# Both are audited, and only a release lifts them.
source "$(dirname "$0")/lib.sh"
RP=$(port)
start_redis "$RP"
short_config 2025-04-01 > "$WORK/cfg.yaml"
{ cat "$WORK/cfg.yaml"; printf 'mesh:\n  replay: realtime\n  speed: 60000\n  state_flush_ms: 100\n  kill_switch:\n    router_heartbeat_ms: 1500\n    rejection_burst: 2\n    rejection_window_ms: 600000\n'"$LOOSE_RISK"; } > "$WORK/rt.yaml"
TOK="$WORK/tokens"; mkdir -p "$TOK"
for k in engage release mesh; do echo "t-$k $(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$TOK/$k"; done
NS="a$$"
MD=$(ep); FEAT=$(ep); SIG=$(ep); LEV=$(ep); ORD=$(ep); ROUTER=$(ep); ACKS=$(ep); RCTL="127.0.0.1:$(port)"
common=(--config "$WORK/rt.yaml" --redis "redis://127.0.0.1:$RP" --namespace "$NS" --tokens "$TOK")
launch order-router "${common[@]}" --control "$RCTL" --bind "$ROUTER" --bind-acks "$ACKS" --market "$MD" --orders "$ORD" --accounts fixed
launch risk-gatekeeper "${common[@]}" --router-control "$RCTL" --bind "$ORD" --decisions "$LEV"
ctl() { "$FULCRUM" ctl --control "127.0.0.1:$risk_gatekeeper_CONTROL" --tokens "$TOK" "$@"; }
state() { ctl status --json | python3 -c "import json,sys; s=json.load(sys.stdin); print(s['epoch'], s['router_acked_epoch'], ','.join(e['by'] for e in s['engagements']))"; }

# Heartbeat: heard once, then frozen.
wait_for 10 'ctl status --json | grep -q "\"router_last_ack_age_ms\": [0-9]"' || fail "the gatekeeper never heard the router"
kill -STOP "$order_router_PID"
wait_for 10 '[ "$(state | cut -d" " -f3)" = auto:router_heartbeat ]' || { kill -CONT "$order_router_PID"; fail "no automatic halt with the router frozen: $(state)"; }
kill -CONT "$order_router_PID"
wait_for 10 '[ "$(state | cut -d" " -f2)" = 1 ]' || fail "the thawed router did not acknowledge the automatic halt: $(state)"
grep -q "event=kill_switch_tripped trigger=router_heartbeat" "$WORK/risk-gatekeeper.log" || fail "the trip is not logged"
echo "  router frozen past 1500 ms: halted as auto:router_heartbeat at epoch 1; thawed, the router acknowledges it"
expect_exit 0 ctl release --epoch 1 --reason "router back"

# Rejection burst: orders flowing, then the gatekeeper alone tightened to 1x.
launch_strategy_stages "${common[@]}"
"$BIN/market-data" "${common[@]}" --bind "$MD" >"$WORK/market-data.log" 2>&1 &
PIDS+=("$!")
{ cat "$WORK/cfg.yaml"; printf 'mesh:\n  replay: realtime\n  speed: 60000\n  state_flush_ms: 100\n  kill_switch:\n    router_heartbeat_ms: 1500\n    rejection_burst: 2\n    rejection_window_ms: 600000\n'"$LOOSE_RISK"'    max_leverage_x: 1\n'; } > "$WORK/tight.yaml"
"$PROBE" reload "$risk_gatekeeper_CONTROL" "$WORK/tight.yaml" > "$WORK/reload" || { cat "$WORK/reload"; fail "reload refused"; }
expect_in "$WORK/reload" "accepted"
wait_for 60 'state | grep -q auto:rejection_burst' || fail "no automatic halt after the denials: $(state)"
[ "$(metric "$risk_gatekeeper_METRICS" fulcrum_order_rejections_total reason=LEVERAGE_ABOVE_LIMIT)" -ge 2 ] || fail "fewer denials than the burst"
grep -q "event=audit action=reload outcome=applied.*mesh.risk changed: max_leverage_x 125->1" "$WORK/risk-gatekeeper.log" || fail "the limit change is not audited"
redis-cli -p "$RP" xrange "$NS:audit:risk-gatekeeper" - + > "$WORK/audit"
grep -qx "auto:rejection_burst" "$WORK/audit" || fail "the automatic halt is not in the audit stream"
echo "  two gate denials within the window: halted as auto:rejection_burst; audited, with the reload that caused them"
echo "PASS: automatic triggers halt the mesh and say why"
