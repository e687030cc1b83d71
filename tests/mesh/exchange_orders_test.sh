# Signed orders against the exchange double's trading endpoints over TLS, through
# `fulcrum exchange` (the code a venue adapter uses):
#  - the exchange's clock is measured and every request lands inside recvWindow;
#  - an entry on a flat symbol sets its leverage first; an add under the open position
#    goes at the position's leverage and says why;
#  - the answer to an accepted order is withheld: the client finds the order by its
#    client id and never sends it again (the double counts every id placed);
#  - fills come from the user-data stream, each once; a listenKey that expires (3 s here,
#    60 minutes on Binance) is made again and the stream followed on;
#  - an order answered HTTP 503 "Unknown error" after the exchange took it is found the same way;
#  - a wrong secret is refused with -1022, and no secret ever reaches a log or output.
source "$(dirname "$0")/lib.sh"
need_ws_capture
need_openssl
T="$WORK/tls"
make_test_ca "$T"
export FULCRUM_EXCHANGE_API_KEY="k$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export FULCRUM_EXCHANGE_API_SECRET="s$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
start_double --speed 5 --loop --trading --withhold-order 2 --fail-order-5xx 3 --listen-key-ttl-ms 3000
sleep 1  # book tops to price the market orders
ex() { "$FULCRUM" exchange --rest "https://localhost:$(cat "$WORK/double.port")" --ca-file "$T/ca.pem" "$@"; }
cfg=(--config "$SRC/deploy/config/backtest.yaml")
ex user-stream --ws "wss://localhost:$(cat "$WORK/double.port")" --duration 8 >"$WORK/user.out" 2>"$WORK/user.err" &
USER_PID=$!
PIDS+=("$USER_PID")
for _ in $(seq 100); do grep -q "listenKey 1 made" "$WORK/user.out" 2>/dev/null && break; sleep 0.05; done
sleep 0.5  # connected

expect_exit 0 ex time
expect_in "$WORK/out" "exchange clock offset"
expect_exit 0 ex order "${cfg[@]}" --client-id t-1 --quantity 0.002 --leverage 10 --reference-price 60000
expect_in "$WORK/out" '"status":"FILLED"'
expect_in "$WORK/err" "flat: symbol leverage 20x -> 10x before the entry"
expect_in "$WORK/err" "sends=1 queries=0"
echo "  t-1: leverage set to 10x on the flat symbol, then filled"
# Order 2's answer is withheld by the double: found by its id, not sent again.
expect_exit 0 ex order "${cfg[@]}" --client-id t-2 --quantity 0.002 --leverage 5 --reference-price 60000
expect_in "$WORK/out" '"clientOrderId":"t-2"'
expect_in "$WORK/out" '"status":"FILLED"'
expect_in "$WORK/err" "add at the position's 10x, not the 5x asked"
expect_in "$WORK/err" "sends=1 queries=1"
echo "  t-2: its answer withheld; found by client id with one query, sent once; added at the position's 10x, not the 5x asked"
expect_exit 0 ex positions
python3 - "$WORK/out" <<'PY' || fail "the position is not the two fills"
import json, sys
p = {x["symbol"]: x for x in json.load(open(sys.argv[1]))}
assert p["BTCUSDT"]["positionAmt"] == "0.004" and p["BTCUSDT"]["leverage"] == "10", p
PY
wait "$USER_PID" || { cat "$WORK/user.err" >&2; fail "user-stream failed"; }
[ "$(grep -c '^fill t-1 BUY 0.002 @' "$WORK/user.out")" = 1 ] || { cat "$WORK/user.out" >&2; fail "t-1's fill not in the user-data stream exactly once"; }
[ "$(grep -c '^fill t-2 BUY 0.002 @' "$WORK/user.out")" = 1 ] || { cat "$WORK/user.out" >&2; fail "t-2's fill (its REST answer withheld) not in the stream exactly once"; }
expect_in "$WORK/user.out" "net from fills BTCUSDT 0.004"
expect_in "$WORK/user.out" "position BTCUSDT 0.004 (ORDER)"
expect_in "$WORK/user.out" "listenKey expired: making a new one"
expect_in "$WORK/user.out" "listenKey 2 made"
echo "  user-data stream: both fills once each (t-2's too, whose REST answer was lost), position 0.004; the listenKey expired and was made again"
# Order 3 is taken and fills, but answered HTTP 503 "Unknown error" (execution status
# unknown): found by its client id with one query, never sent again.
expect_exit 0 ex order "${cfg[@]}" --client-id t-5 --side SELL --quantity 0.002 --reference-price 60000 --reduce-only
expect_in "$WORK/out" '"clientOrderId":"t-5"'
expect_in "$WORK/out" '"status":"FILLED"'
expect_in "$WORK/err" "sends=1 queries=1"
expect_in "$WORK/double.log" "fault: order 3 taken, answered 503 (execution status unknown)"
echo "  t-5: answered 503 after the exchange took it; found by client id with one query, sent once"
# Refusals: a filter the exchange would refuse is refused before sending; a wrong secret by the exchange.
expect_exit 3 ex order "${cfg[@]}" --client-id t-3 --quantity 0.0015 --reference-price 60000
expect_in "$WORK/err" "refused before sending: -1111"
FULCRUM_EXCHANGE_API_SECRET=wrong expect_exit 3 ex order "${cfg[@]}" --client-id t-4 --quantity 0.002 --reference-price 60000
expect_in "$WORK/err" "-1022 Signature for this request is not valid."
expect_exit 2 env -u FULCRUM_EXCHANGE_API_KEY "$FULCRUM" exchange --rest "https://localhost:1" time
kill -TERM "$DOUBLE_PID"; wait "$DOUBLE_PID"
grep -q "orders: 3 accepted, 0 client ids placed twice" "$WORK/double.log" || { tail -5 "$WORK/double.log" >&2; fail "the double saw an order sent twice"; }
for f in "$WORK"/*; do
  [ -f "$f" ] || continue
  grep -qF -- "$FULCRUM_EXCHANGE_API_SECRET" "$f" && fail "the API secret is in $f"
done
echo "  refusals: -1111 before sending, -1022 from the exchange; the double: 3 orders, none placed twice; the secret in no log or output"

# An Ed25519 API key (the type Binance recommends): the double holds the public key only;
# the client signs with the private key, read whole from FULCRUM_EXCHANGE_API_SECRET_FILE.
openssl genpkey -algorithm ed25519 -out "$WORK/ed25519.pem" 2>/dev/null || fail "openssl cannot make an Ed25519 key"
openssl pkey -in "$WORK/ed25519.pem" -pubout -out "$WORK/ed25519.pub" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$WORK/other.pem" 2>/dev/null
rm -f "$WORK/double.port"
unset FULCRUM_EXCHANGE_API_SECRET
start_double --speed 5 --loop --trading --ed25519-public-key "$WORK/ed25519.pub"
expect_in "$WORK/double.log" "an Ed25519 API key"
sleep 1  # book tops
FULCRUM_EXCHANGE_API_SECRET_FILE="$WORK/ed25519.pem" expect_exit 0 ex order "${cfg[@]}" --client-id e-1 --quantity 0.002 --leverage 10 --reference-price 60000
expect_in "$WORK/out" '"status":"FILLED"'
FULCRUM_EXCHANGE_API_SECRET_FILE="$WORK/ed25519.pem" expect_exit 0 ex positions
expect_in "$WORK/out" '"positionAmt":"0.002"'
FULCRUM_EXCHANGE_API_SECRET_FILE="$WORK/other.pem" expect_exit 3 ex order "${cfg[@]}" --client-id e-2 --quantity 0.002 --reference-price 60000
expect_in "$WORK/err" "-1022 Signature for this request is not valid."
FULCRUM_EXCHANGE_API_SECRET=an-hmac-secret expect_exit 3 ex order "${cfg[@]}" --client-id e-3 --quantity 0.002 --reference-price 60000
expect_in "$WORK/err" "-1022"
# An RSA key is refused at the client, by type, before anything is sent.
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out "$WORK/rsa.pem" 2>/dev/null
FULCRUM_EXCHANGE_API_SECRET_FILE="$WORK/rsa.pem" expect_exit 2 ex time
expect_in "$WORK/err" "RSA key: only Ed25519 and HMAC keys are supported"
kill -TERM "$DOUBLE_PID"; wait "$DOUBLE_PID"
grep -q "orders: 1 accepted, 0 client ids placed twice" "$WORK/double.log" || { tail -5 "$WORK/double.log" >&2; fail "the Ed25519 double did not take exactly the one order signed by its key"; }
key_line=$(sed -n 2p "$WORK/ed25519.pem")
for f in "$WORK"/*; do
  [ -f "$f" ] && [ "$f" != "$WORK/ed25519.pem" ] && [ "$f" != "$WORK/other.pem" ] || continue
  grep -qF -- "$key_line" "$f" && fail "the Ed25519 private key is in $f"
done
echo "  Ed25519 key: an order signed with it filled; another Ed25519 key and an HMAC secret refused (-1022); an RSA key refused by type; the private key in no log or output"

# The double keeps Binance's request weight per minute: each run here costs GET time (1) and
# GET positionRisk (5), so with a budget of 12 the third run within a minute is answered 429
# with Retry-After and Binance's -1003 (a minute turning between runs only delays it).
rm -f "$WORK/double.port"
export FULCRUM_EXCHANGE_API_SECRET="s$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
start_double --speed 5 --loop --trading --weight-limit-1m 12
throttled=0
for run in 1 2 3 4 5 6; do
  ex positions >"$WORK/out" 2>"$WORK/err" && continue
  grep -q "429" "$WORK/err" && grep -q -- "-1003" "$WORK/err" && { throttled=$run; break; }
  cat "$WORK/err" >&2
  fail "run $run failed for another reason than the rate limit"
done
[ "$throttled" -ge 3 ] || fail "no 429 within 6 runs of weight 6 on a budget of 12 (throttled at run $throttled)"
expect_in "$WORK/double.log" "rate limit: 429 for GET"
grep -q "Retry-After\|retry after [0-9]* s" "$WORK/double.log" || fail "the 429 named no Retry-After"
kill -TERM "$DOUBLE_PID"; wait "$DOUBLE_PID"
echo "  the double's request weight: run $throttled of weight 6 on a budget of 12 answered 429 (-1003, Retry-After)"
echo "PASS: signed orders on the double: clock, leverage per entry, a withheld or 503 answer found by id, never sent twice; HMAC and Ed25519 keys; the request weight"
