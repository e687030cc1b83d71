# Helpers for tests that run the six real services and a real redis-server on loopback.
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
BIN=${FULCRUM_SERVICE_DIR:?}
PROBE=${MESH_PROBE:?}
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed (deploy/bootstrap.sh installs it)"; exit 77; }
PIDS=()
# The admin token every service started here accepts for a config reload (runtime/access.h).
export FULCRUM_TOKEN_ADMIN="test-admin:$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ -n "${REDIS_PID:-}" ] && kill -9 "$REDIS_PID" 2>/dev/null
  wait 2>/dev/null
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# A free loopback port this test has not handed out before: a port chosen but not yet bound
# is still free, so a second call could otherwise return it again.
port() {
  local p
  while :; do
    p=$("$PROBE" free-port) || return 1
    grep -qx "$p" "$WORK/.ports-handed-out" 2>/dev/null || break
  done
  echo "$p" >>"$WORK/.ports-handed-out"
  echo "$p"
}
ep() { echo "tcp://127.0.0.1:$(port)"; }

# need_ws_capture: sets CAP to the real WebSocket capture in ../shared, or skips the test.
need_ws_capture() {
  CAP="$SRC/../shared/data/binance-um/ws/btcusdt_20240808.gz"
  [ -f "$CAP" ] || { echo "SKIP: $CAP is absent (../shared/data not beside the repo)"; exit 77; }
}
need_openssl() { command -v openssl >/dev/null || { echo "SKIP: openssl not installed (deploy/bootstrap.sh installs it)"; exit 77; }; }

# make_test_ca DIR: a CA (ca.pem), a server certificate for localhost signed by it
# (server.pem, server.key), and a second, unrelated CA (rogue.pem).
make_test_ca() {
  local d=$1 ca
  mkdir -p "$d"
  for ca in ca rogue; do
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/$ca.key" -out "$d/$ca.pem" -days 1 -subj "/CN=Fulcrum test $ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null || fail "openssl: no $ca"
  done
  openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=localhost" 2>/dev/null || fail "openssl: no server key"
  printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$d/ext.cnf"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -out "$d/server.pem" -days 1 -extfile "$d/ext.cnf" 2>/dev/null ||
    fail "openssl: no server certificate"
}

# start_double ARGS... : the exchange double on the real capture ($CAP), over TLS with the
# certificate make_test_ca made in $T; sets DOUBLE_PID and DP (its port).
start_double() {
  "$BIN/exchange-double" --capture "$CAP" --tls-cert "$T/server.pem" --tls-key "$T/server.key" --ready-file "$WORK/double.port" "$@" >"$WORK/double.log" 2>&1 &
  DOUBLE_PID=$!
  PIDS+=("$DOUBLE_PID")
  for _ in $(seq 100); do [ -s "$WORK/double.port" ] && break; sleep 0.05; done
  [ -s "$WORK/double.port" ] || { cat "$WORK/double.log" >&2; fail "the double did not start"; }
  DP=$(cat "$WORK/double.port")
}

start_redis() {  # start_redis PORT
  redis-server --port "$1" --bind 127.0.0.1 --dir "$WORK" --save "" --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  fail "redis-server did not start on $1"
}

# The shipped config with its `mesh:` section (the file's last) removed, so a test can
# append its own; data paths made absolute.
base_config() { sed -e '/^mesh:/,$d' -e "s|\.\./sample|$SRC/deploy/sample|g" "$SRC/deploy/config/backtest.yaml"; }
# Cut to a short window so a lockstep run takes seconds; same data and knobs.
short_config() {  # short_config TO_DATE > file
  base_config | sed -e "s|^  to: .*|  to: $1|"
}
# mesh.risk lines (inside a test's own `mesh:` block) that loosen seed 001's liquidation,
# loss-at-stop and VaR checks: with the seed's values the gate denies most entries, and a
# test that needs orders flowing would wait for them.
LOOSE_RISK='  risk:\n    min_liquidation_buffer: 0\n    max_loss_at_stop: 1\n    max_var: 100\n'

# launch NAME ARGS... : starts a service, waits for its ready file, sets <NAME>_METRICS and
# <NAME>_CONTROL (dashes become underscores) and records its pid.
launch() { launch_as "$1" "$@"; }
# launch_as INSTANCE SERVICE ARGS... : the same for a second instance of a service
# (leverage-B): its own log, ready file and variables.
launch_as() {
  local name=$1 service=$2; shift 2
  local var=${name//-/_}
  rm -f "$WORK/$name.ready"
  "$BIN/$service" --ready-file "$WORK/$name.ready" "$@" >>"$WORK/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  eval "${var}_PID=$pid"
  for _ in $(seq 200); do
    if [ -f "$WORK/$name.ready" ]; then
      eval "${var}_METRICS=$(sed -n 's/^metrics_port=//p' "$WORK/$name.ready")"
      eval "${var}_CONTROL=$(sed -n 's/^control_port=//p' "$WORK/$name.ready")"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.log" >&2; fail "$name exited at start"; }
    sleep 0.05
  done
  cat "$WORK/$name.log" >&2
  fail "$name not ready"
}
metric() { "$PROBE" metric "$@"; }
# wait_for SECONDS CONDITION: polls the shell condition every 0.1 s until it holds or time runs out.
wait_for() {
  local t=$1; shift
  for _ in $(seq $((t * 10))); do eval "$*" && return 0; sleep 0.1; done
  return 1
}
# launch_strategy_stages COMMON_ARGS... : leverage (account fixed), signal-engine and
# feature-engine on $LEV, $SIG and $FEAT, fed by market-data at $MD and the router at
# $ROUTER / $ACKS.
launch_strategy_stages() {
  launch leverage "$@" --bind "$LEV" --signals "$SIG" --router "$ROUTER" --router-acks "$ACKS" --accounts fixed
  launch signal-engine "$@" --bind "$SIG" --features "$FEAT"
  launch feature-engine "$@" --bind "$FEAT" --market "$MD"
}
same_files() {  # same_files DIR_A DIR_B PATTERN...
  local a=$1 b=$2; shift 2
  for pat in "$@"; do
    local n=0
    for f in "$a"/$pat; do
      [ -f "$f" ] || fail "no $pat in $a"
      cmp -s "$f" "$b/$(basename "$f")" || { diff "$f" "$b/$(basename "$f")" | head -5 >&2; fail "$(basename "$f") differs between $a and $b"; }
      n=$((n + 1))
    done
    echo "  identical: $n × $pat"
  done
}
