# `fulcrum status` over two `fulcrum up` runs at once: each keeps its own state file, both
# are listed HEALTHY; when one's embedded Redis dies, status shows that mesh DEGRADED (its
# services still answer health, since risk fails closed rather than going down) and exits 1.
source "$(dirname "$0")/lib.sh"
export TMPDIR="$WORK/tmp"; mkdir -p "$TMPDIR"   # the default state files land here
cfg="$WORK/cfg.yaml"; short_config 2025-03-30 >"$cfg"
"$FULCRUM" up --config "$cfg" --out "$WORK/a" --summary-every-ms 60000 >"$WORK/a.out" 2>&1 & A=$!
"$FULCRUM" up --config "$cfg" --out "$WORK/b" --summary-every-ms 60000 >"$WORK/b.out" 2>&1 & B=$!
for _ in $(seq 300); do [ "$(ls "$TMPDIR"/fulcrum-up-*.json 2>/dev/null | wc -l)" -eq 2 ] && break; sleep 0.05; done
[ "$(ls "$TMPDIR"/fulcrum-up-*.json | wc -l)" -eq 2 ] || { cat "$WORK/a.out" "$WORK/b.out" >&2; fail "two runs do not keep two state files"; }
expect_exit 0 "$FULCRUM" status --json
python3 - "$WORK/out" <<'PY' || fail "status --json of two healthy meshes"
import json, sys
meshes = json.load(open(sys.argv[1]))
assert isinstance(meshes, list) and len(meshes) == 2, meshes
for m in meshes:
    assert m["mesh"] == "HEALTHY" and m["redis"]["up"] is True, m
    assert len(m["services"]) == 6 and all(s["health"] == "SERVING" for s in m["services"].values()), m
PY
state_a=$(ls "$TMPDIR"/fulcrum-up-*-"$A".json)
kill -9 "$(python3 -c "import json; print(json.load(open('$state_a'))['redis_pid'])")"
sleep 0.5
expect_exit 1 "$FULCRUM" status --state-file "$state_a"
expect_in "$WORK/out" "mesh DEGRADED"
expect_in "$WORK/out" "DOWN"
kill -INT "$A" "$B"; wait "$A" "$B" 2>/dev/null
[ -z "$(ls "$TMPDIR")" ] || { ls -la "$TMPDIR" >&2; fail "state files left behind"; }
echo "PASS: two runs, two state files, both HEALTHY; one's Redis killed: DEGRADED, exit 1"
