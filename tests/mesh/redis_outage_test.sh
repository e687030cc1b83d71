# Redis stopped mid-run: the services keep running and orders keep flowing, because the
# trading state the gatekeeper and the router enforce lives in their memory and local
# fsynced copies (Redis holds a copy, not the truth; kill_switch_test engages with Redis
# down). Once Redis is back on the same port the order router's state writes resume.
source "$(dirname "$0")/lib.sh"
RP=$(port)
start_redis "$RP"
short_config 2025-03-01 > "$WORK/cfg.yaml"
{ cat "$WORK/cfg.yaml"; printf 'mesh:\n  replay: realtime\n  speed: 60000\n  state_flush_ms: 100\n'; } > "$WORK/rt.yaml"
MD=$(ep); FEAT=$(ep); SIG=$(ep); LEV=$(ep); ORD=$(ep); ROUTER=$(ep); ACKS=$(ep)
common=(--config "$WORK/rt.yaml" --redis "redis://127.0.0.1:$RP" --namespace "t$$")
launch order-router "${common[@]}" --bind "$ROUTER" --bind-acks "$ACKS" --market "$MD" --orders "$ORD" --accounts fixed
launch risk-gatekeeper "${common[@]}" --bind "$ORD" --decisions "$LEV"
launch_strategy_stages "${common[@]}"
"$BIN/market-data" "${common[@]}" --bind "$MD" >"$WORK/market-data.log" 2>&1 &
MD_PID=$!
PIDS+=("$MD_PID")

passed() { metric "$risk_gatekeeper_METRICS" fulcrum_messages_published_total; }
orders() { metric "$order_router_METRICS" fulcrum_orders_total; }
wait_for 20 '[ "$(orders)" -gt 0 ]' || fail "no orders before the outage"
echo "  orders flowing: $(orders)"
kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null; REDIS_PID=
echo "  Redis killed"
wait_for 5 '[ "$(metric "$order_router_METRICS" fulcrum_redis_up)" -eq 0 ]' || fail "order-router does not report Redis down"
down_at=$(orders)
wait_for 30 '[ "$(orders)" -gt "$down_at" ]' || fail "orders stopped while Redis was down"
before=$(orders)
grep -q "event=redis_unavailable" "$WORK/order-router.log" || fail "order-router did not log the outage"
for svc in order-router risk-gatekeeper leverage signal-engine feature-engine; do
  kill -0 "$(eval echo \$${svc//-/_}_PID)" || fail "$svc died with Redis"
done
echo "  while down: orders kept flowing ($down_at → $before), all services alive"
start_redis "$RP"
echo "  Redis back on $RP"
wait_for 30 '[ "$(orders)" -gt "$before" ]' || fail "orders stopped after Redis came back"
wait_for 10 '[ "$(metric "$order_router_METRICS" fulcrum_redis_up)" -eq 1 ]' || fail "order-router did not reconnect"
wait_for 10 '[ "$(redis-cli -p "$RP" hget "t$$:account:fixed" equity)" != "" ]' || fail "account state not rewritten after recovery"
grep -q "event=redis_recovered" "$WORK/order-router.log" || fail "no recovery logged"
echo "  recovered: orders $before → $(orders), account state back in Redis"
echo "PASS: a Redis outage stops neither orders nor services, and state writes recover"
