# Bad input at start: an unknown config key names the key; an unreachable Redis is a clear
# error with its own exit code; a bad Redis URL is a config error. Nothing starts half-way.
source "$(dirname "$0")/lib.sh"
RP=$(port)
start_redis "$RP"
short_config 2025-02-01 > "$WORK/good.yaml"
{ cat "$WORK/good.yaml"; printf 'mesh:\n  replay: lockstep\n  risk:\n    max_leverge_x: 20\n'; } > "$WORK/typo.yaml"
for svc in market-data feature-engine signal-engine leverage risk-gatekeeper order-router; do
  args=(--config "$WORK/typo.yaml" --redis "redis://127.0.0.1:$RP")
  case $svc in
    feature-engine) args+=(--market tcp://127.0.0.1:1) ;;
    signal-engine) args+=(--features tcp://127.0.0.1:1) ;;
    leverage) args+=(--signals tcp://127.0.0.1:1 --router tcp://127.0.0.1:1) ;;
    risk-gatekeeper) args+=(--decisions tcp://127.0.0.1:1) ;;
    order-router) args+=(--market tcp://127.0.0.1:1 --orders tcp://127.0.0.1:1) ;;
  esac
  expect_exit 2 "$BIN/$svc" "${args[@]}"
  expect_in "$WORK/err" "mesh.risk.max_leverge_x: unknown key"
done
echo "  unknown key rejected by all six services, naming mesh.risk.max_leverge_x"
expect_exit 2 "$FULCRUM" up --config "$WORK/typo.yaml" --out "$WORK/o"
expect_in "$WORK/err" "mesh.risk.max_leverge_x"
echo "  fulcrum up refuses it before starting anything"

DEAD=$(port)
expect_exit 6 "$BIN/feature-engine" --config "$WORK/good.yaml" --redis "redis://127.0.0.1:$DEAD" --market tcp://127.0.0.1:1
expect_in "$WORK/err" "Redis unreachable at start"
expect_in "$WORK/err" "127.0.0.1:$DEAD"
echo "  unreachable Redis: exit 6 naming 127.0.0.1:$DEAD"
expect_exit 1 "$FULCRUM" up --config "$WORK/good.yaml" --redis "redis://127.0.0.1:$DEAD" --out "$WORK/o"
expect_in "$WORK/err" "Redis unreachable at redis://127.0.0.1:$DEAD"
expect_exit 2 "$BIN/order-router" --config "$WORK/good.yaml" --redis "http://nope" --market tcp://127.0.0.1:1 --orders tcp://127.0.0.1:1
expect_in "$WORK/err" "must start with redis://"
echo "PASS: bad start-up input fails clearly"
