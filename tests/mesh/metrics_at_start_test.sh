# Every documented series exists at 0 before the first event, so rate() and alerts have a
# series to work on; fulcrum_build_info says which build runs. Checked on the order router
# and the risk gatekeeper right after they start, before any message flows.
source "$(dirname "$0")/lib.sh"
RP=$(port); start_redis "$RP"
cfg="$WORK/cfg.yaml"; short_config 2025-01-10 >"$cfg"
common=(--config "$cfg" --redis "redis://127.0.0.1:$RP" --namespace "m$$")
MD=$(ep); ORD=$(ep); LEV=$(ep)
launch order-router "${common[@]}" --bind "$(ep)" --bind-acks "$(ep)" --market "$MD" --orders "$ORD" --accounts fixed kelly
launch risk-gatekeeper "${common[@]}" --bind "$ORD" --decisions "$LEV"
scrape() {  # scrape PORT > text (raw exposition, so an absent series is absent)
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  cat <&3
  exec 3<&-
}
scrape "$order_router_METRICS" >"$WORK/router.prom"
scrape "$risk_gatekeeper_METRICS" >"$WORK/gate.prom"
has() {  # has FILE NAME VALUE [label="value" …]: a series of NAME with every label, at VALUE
  local file=$1 name=$2 value=$3; shift 3
  local lines
  lines=$(grep -E "^$name(\{| )" "$file")
  for label in "$@"; do lines=$(grep -F -- "$label" <<<"$lines"); done
  grep -qE " $value\$" <<<"$lines" || { grep -E "^$name" "$file" >&2; fail "$(basename "$file"): no $name{$*} at $value"; }
}
for f in "$WORK/router.prom" "$WORK/gate.prom"; do
  for name in fulcrum_malformed_frames_total fulcrum_sequence_gaps_total fulcrum_missing_messages_total fulcrum_messages_dropped_total fulcrum_redis_errors_total; do
    has "$f" "$name" 0
  done
  has "$f" fulcrum_build_info 1 'version="'
  has "$f" fulcrum_redis_up 1
  has "$f" fulcrum_tick_to_order_latency_seconds_count 0
done
has "$WORK/router.prom" fulcrum_messages_received_total 0 'topic="md"'
has "$WORK/router.prom" fulcrum_messages_received_total 0 'topic="ord"'
has "$WORK/router.prom" fulcrum_messages_published_total 0 'topic="acct"'
has "$WORK/router.prom" fulcrum_messages_published_total 0 'topic="ack"'
has "$WORK/router.prom" fulcrum_orders_total 0 'account="kelly"'
has "$WORK/router.prom" fulcrum_order_rejections_total 0 'account="fixed"' 'reason="INSUFFICIENT_MARGIN"'
has "$WORK/router.prom" fulcrum_order_rejections_total 0 'account="kelly"' 'reason="VALUE_OUT_OF_RANGE"'
has "$WORK/gate.prom" fulcrum_messages_received_total 0 'topic="lev"'
has "$WORK/gate.prom" fulcrum_messages_published_total 0 'topic="ord"'
echo "PASS: every documented series exists at 0 from the start on the router and the gatekeeper"
