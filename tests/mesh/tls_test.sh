# Mutual TLS on the control plane: the gatekeeper and the router serve gRPC over TLS and
# demand a client certificate from the mesh's CA. A plaintext caller and a TLS caller
# without a certificate get nothing; a caller with one engages the kill switch, and the
# gatekeeper's push to the router (its own mutual-TLS call) is acknowledged.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl not installed (deploy/bootstrap.sh installs it)"; exit 77; }
PKI="$WORK/pki"; mkdir -p "$PKI"
cd "$PKI" || fail "no pki folder"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=fulcrum-test-ca" >/dev/null 2>&1 || fail "openssl: CA"
issue() {  # issue NAME SUBJECT_ALT_NAME
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" >/dev/null 2>&1 || fail "openssl: $1 request"
  printf 'subjectAltName=%s\n' "$2" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext" >/dev/null 2>&1 || fail "openssl: $1 cert"
}
issue mesh "IP:127.0.0.1"
issue operator "DNS:operator"
cd - >/dev/null || true
RP=$(port)
start_redis "$RP"
short_config 2025-02-01 > "$WORK/cfg.yaml"
TOK="$WORK/tokens"; mkdir -p "$TOK"
for k in engage release mesh; do echo "t-$k $(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$TOK/$k"; done
RCTL="127.0.0.1:$(port)"
tls=(--tls-cert "$PKI/mesh.pem" --tls-key "$PKI/mesh.key" --tls-ca "$PKI/ca.pem")
common=(--config "$WORK/cfg.yaml" --redis "redis://127.0.0.1:$RP" --namespace "s$$" --tokens "$TOK" "${tls[@]}")
launch order-router "${common[@]}" --control "$RCTL" --bind "$(ep)" --bind-acks "$(ep)" --market "$(ep)" --orders "$(ep)" --accounts fixed
HEALTH_PORT=$(port)
launch risk-gatekeeper "${common[@]}" --router-control "$RCTL" --bind "$(ep)" --decisions "$(ep)" --health "127.0.0.1:$HEALTH_PORT"
GK="127.0.0.1:$risk_gatekeeper_CONTROL"
# Kubernetes' gRPC probes speak plaintext: --health serves them beside the TLS control port.
"$PROBE" health "$HEALTH_PORT" > "$WORK/health" || { cat "$WORK/health" >&2; fail "the plaintext health port does not answer SERVING"; }
expect_in "$WORK/health" "SERVING"
grep -q "^health_port=$HEALTH_PORT$" "$WORK/risk-gatekeeper.ready" || fail "the ready file does not name the health port"
"$PROBE" health "$risk_gatekeeper_CONTROL" > "$WORK/health" && fail "the TLS control port answered a plaintext health check"
echo "  plaintext health on its own port while the control port speaks TLS"

expect_exit 1 "$FULCRUM" ctl status --control "$GK" --timeout-ms 2000
echo "  plaintext caller: refused"
expect_exit 1 "$FULCRUM" ctl status --control "$GK" --tls-ca "$PKI/ca.pem" --timeout-ms 2000
echo "  TLS caller without a client certificate: refused"
op=(--control "$GK" --tls-ca "$PKI/ca.pem" --tls-cert "$PKI/operator.pem" --tls-key "$PKI/operator.key" --tokens "$TOK")
expect_exit 0 "$FULCRUM" ctl kill "${op[@]}" --reason "over mutual TLS"
expect_in "$WORK/out" "acknowledged epoch 1"
expect_exit 0 "$FULCRUM" ctl status "${op[@]}" --json
expect_in "$WORK/out" '"router_acked_epoch": 1'
echo "  with the CA's client certificate: engaged, and the router acknowledged over the gatekeeper's own mutual-TLS call"
echo "PASS: mutual TLS on the control plane"
