# `fulcrum up`'s embedded Redis lets no one in: no anonymous access, a password per service,
# and each service may write only its own keys: only the gatekeeper writes the trading
# state (risk:*), only the router writes account state, fills and its journal. Each refusal
# is checked against the real redis-server with the real ACL file, next to a write the same
# user is allowed (so a refusal is the ACL, not a broken login). The run itself completes
# under these ACLs in parity_test and supervise_test.
source "$(dirname "$0")/lib.sh"
short_config 2025-04-01 > "$WORK/cfg.yaml"
{ cat "$WORK/cfg.yaml"; printf 'mesh:\n  replay: realtime\n  speed: 20000\n'; } > "$WORK/rt.yaml"
"$FULCRUM" up --config "$WORK/rt.yaml" --out "$WORK/mesh" --state-file "$WORK/state.json" --duration 60 >"$WORK/up.log" 2>&1 &
UP=$!
PIDS+=("$UP")
for _ in $(seq 300); do [ -s "$WORK/state.json" ] && break; sleep 0.1; done
[ -s "$WORK/state.json" ] || { cat "$WORK/up.log" >&2; fail "fulcrum up did not start"; }
read -r RUN PORT < <(python3 -c "import json; s=json.load(open('$WORK/state.json')); print(s['run_dir'], s['redis'].rsplit(':',1)[1])")
ACL="$RUN/.redis/users.acl"
[ "$(stat -c %a "$ACL")" = 600 ] || fail "the ACL file is readable by others"
NS=$(python3 -c "import re; print(re.search(r'%W~(\S+):service:', open('$ACL').read()).group(1))")
pw() { sed -n "s/^user $1 on >\([0-9a-f]*\) .*/\1/p" "$ACL"; }
as() {  # as USER redis-cli-args...
  local u=$1; shift
  REDISCLI_AUTH=$(pw "$u") redis-cli --user "$u" -p "$PORT" "$@" 2>&1
}
must() {  # must EXPECTED_SUBSTRING USER args...
  local want=$1; shift
  local got; got=$(as "$@")
  if [ "${want#=}" != "$want" ]; then [ "$got" = "${want#=}" ] || fail "as $1: '${*:2}' answered '$got', wanted exactly '${want#=}'"; return; fi
  case "$got" in *"$want"*) ;; *) fail "as $1: '${*:2}' answered '$got', wanted '$want'";; esac
}

out=$(redis-cli -p "$PORT" get "$NS:risk:trading_state" 2>&1)
case "$out" in *NOAUTH*) ;; *) fail "anonymous access answered '$out'";; esac
echo "  anonymous: NOAUTH"
must NOPERM order-router set "$NS:risk:trading_state" forged
must NOPERM leverage set "$NS:risk:trading_state" forged
must =OK risk-gatekeeper set "$NS:risk:acl-probe" allowed
must NOPERM risk-gatekeeper hset "$NS:account:fixed" equity 1
must NOPERM leverage rpush "$NS:router:journal" forged
must NOPERM feature-engine rpush "$NS:fills:fixed" forged
must =1 order-router hset "$NS:account:acl-probe" equity 1
must NOPERM order-router rpush "$NS:journal:leverage-A" forged
must NOPERM market-data flushall
# Reading the namespace is every service's right.
must "fulcrum-trading-state" order-router get "$NS:risk:trading_state"
# Captured first: with pipefail, grep -q closing the pipe early would fail the pipeline.
wrong=$(REDISCLI_AUTH=wrong redis-cli --user order-router -p "$PORT" ping 2>&1)
case "$wrong" in *WRONGPASS*) ;; *) fail "a wrong password was answered '$wrong'";; esac
echo "  only the gatekeeper writes risk:*, only the router account state and journals; FLUSHALL refused; wrong password refused"
status=$("$FULCRUM" status --state-file "$WORK/state.json")
case "$status" in *HEALTHY*) ;; *) fail "fulcrum status cannot see the locked Redis: $status";; esac
echo "  fulcrum status: HEALTHY through the launcher's own ACL user"
kill -INT "$UP"; wait "$UP"
echo "PASS: the embedded Redis is locked down per service"
