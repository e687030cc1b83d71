# mesh.curve on: the six services talk over CURVE (orders flow end to end), while
#  - a foreign subscriber reads nothing from market-data: neither a plain one nor a CURVE
#    client whose key is not the mesh's (refused by the ZAP handler, and logged);
#  - a foreign publisher injects nothing: feature-engine also connects to an endpoint a
#    forger binds, and counts none of its garbage, where the same garbage sent to a
#    feature-engine without CURVE is counted (the control: the check can fail).
source "$(dirname "$0")/lib.sh"
RP=$(port)
start_redis "$RP"
short_config 2025-04-01 > "$WORK/cfg.yaml"
{ cat "$WORK/cfg.yaml"; printf 'mesh:\n  replay: realtime\n  speed: 60000\n  curve: true\n'"$LOOSE_RISK"; } > "$WORK/curve.yaml"
{ cat "$WORK/cfg.yaml"; printf 'mesh:\n  replay: realtime\n  speed: 60000\n'"$LOOSE_RISK"; } > "$WORK/plain.yaml"
KEYS="$WORK/curve"; mkdir -p "$KEYS"
"$PROBE" curve-keys "$KEYS" server market-data feature-engine signal-engine leverage risk-gatekeeper order-router
OUTSIDER="$WORK/outsider"; mkdir -p "$OUTSIDER"
"$PROBE" curve-keys "$OUTSIDER" intruder
cp "$KEYS/server.public" "$OUTSIDER/"   # the intruder knows the server's public key, not a mesh client key

# Without the keys a CURVE mesh does not start.
expect_exit 2 "$BIN/feature-engine" --config "$WORK/curve.yaml" --redis "redis://127.0.0.1:$RP" --namespace "c$$" --bind "$(ep)" --market "$(ep)"
expect_in "$WORK/err" "mesh.curve is on: pass --curve-keys DIR"

MD=$(ep); FEAT=$(ep); SIG=$(ep); LEV=$(ep); ORD=$(ep); ROUTER=$(ep); ACKS=$(ep); FORGE=$(ep); FORGE_PLAIN=$(ep)
common=(--config "$WORK/curve.yaml" --redis "redis://127.0.0.1:$RP" --namespace "c$$" --curve-keys "$KEYS")
launch order-router "${common[@]}" --bind "$ROUTER" --bind-acks "$ACKS" --market "$MD" --orders "$ORD" --accounts fixed
launch risk-gatekeeper "${common[@]}" --bind "$ORD" --decisions "$LEV"
launch leverage "${common[@]}" --bind "$LEV" --signals "$SIG" --router "$ROUTER" --router-acks "$ACKS" --accounts fixed
launch signal-engine "${common[@]}" --bind "$SIG" --features "$FEAT"
launch feature-engine "${common[@]}" --bind "$FEAT" --market "$MD" --market "$FORGE"
fe_curve_METRICS=$feature_engine_METRICS
"$BIN/market-data" "${common[@]}" --bind "$MD" >"$WORK/market-data.log" 2>&1 &
MD_PID=$!
PIDS+=("$MD_PID")
# The control: a feature-engine without CURVE, in another namespace, listening to a forger.
launch feature-engine --config "$WORK/plain.yaml" --redis "redis://127.0.0.1:$RP" --namespace "p$$" --bind "$(ep)" --market "$FORGE_PLAIN"
fe_plain_METRICS=$feature_engine_METRICS

for _ in $(seq 600); do [ "$(metric "$order_router_METRICS" fulcrum_orders_total)" -gt 0 ] && break; sleep 0.1; done
[ "$(metric "$order_router_METRICS" fulcrum_orders_total)" -gt 0 ] || fail "no order made it through the CURVE mesh"
echo "  orders flow end to end over CURVE: $(metric "$order_router_METRICS" fulcrum_orders_total)"

plain=$("$PROBE" tap "$MD" 2)
intruder=$("$PROBE" tap "$MD" 2 "$OUTSIDER" intruder)
member=$("$PROBE" tap "$MD" 2 "$KEYS" signal-engine)   # the control: a mesh key reads
[ "$plain" -eq 0 ] || fail "a plain subscriber read $plain frames from market-data"
[ "$intruder" -eq 0 ] || fail "a CURVE client with a foreign key read $intruder frames"
[ "$member" -gt 0 ] || fail "even a mesh key read nothing: the tap proves nothing"
grep -q "event=zap_denied" "$WORK/market-data.log" || fail "market-data did not log the refused handshake"
echo "  foreign subscribers read 0 frames (plain, and CURVE with a foreign key: zap_denied logged); a mesh key reads $member"

"$PROBE" garbage "$FORGE" 200 market >/dev/null 2>&1 &
G1=$!
"$PROBE" garbage "$FORGE_PLAIN" 200 market >/dev/null 2>&1 &
G2=$!
wait "$G1" "$G2"
sleep 0.5
plain_counted=$(metric "$fe_plain_METRICS" fulcrum_malformed_frames_total)
curve_counted=$(metric "$fe_curve_METRICS" fulcrum_malformed_frames_total)
[ "$plain_counted" -gt 0 ] || fail "the plain feature-engine saw no garbage: the forger proves nothing"
[ "$curve_counted" -eq 0 ] || fail "the CURVE feature-engine took $curve_counted forged frames"
echo "  a foreign publisher: $plain_counted forged frames reached a plain feature-engine, 0 the CURVE one"
echo "PASS: CURVE keeps foreign readers and writers out of the mesh"
