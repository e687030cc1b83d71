# deploy/grafana's dashboards: valid against a strict schema generated from @grafana/schema's
# types (pinned in deploy/tools; skipped without npm), fixed uids, a templated datasource and
# no __inputs (so they provision as they are), and every panel's PromQL parses (wrapped as
# recording rules for the real promtool). That the metrics they name exist is checked against a running mesh
# by tests/mesh/prometheus_test.sh.
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { echo "SKIP: promtool not installed (deploy/bootstrap.sh installs Debian's prometheus)"; exit 77; }
to_rules() {  # to_rules DASHBOARD... > rules.yml: every expr as a recording rule
  python3 - "$@" <<'PY'
import json, re, sys
# Grafana puts a duration in for its interval variables before it sends the query.
GRAFANA_DURATIONS = {"$__interval": "1m", "$__rate_interval": "2m", "$__range": "1h"}
def as_sent(expr):
    return re.sub(r"\$__(rate_interval|interval|range)\b", lambda m: GRAFANA_DURATIONS[m.group(0)], expr)
print("groups:")
for path in sys.argv[1:]:
    d = json.load(open(path))
    assert d.get("uid", "").startswith("fulcrum-"), path + ": no fixed uid"
    assert "__inputs" not in d, path + ": __inputs would make it an import, not a provisioned dashboard"
    names = [v["name"] for v in d["templating"]["list"]]
    assert "datasource" in names, path + ": no datasource variable"
    print("  - name: " + json.dumps(d["uid"]) + "\n    rules:")
    for p in d["panels"]:
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, path + ": panel '" + p["title"] + "' is not on the templated datasource"
        assert p["targets"], path + ": panel '" + p["title"] + "' has no query"
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${datasource}", path + ": a query of '" + p["title"] + "' names a datasource"
            print("      - record: panel_" + str(p["id"]) + "_" + t["refId"] + "\n        expr: " + json.dumps(as_sent(t["expr"])))
PY
}
D="$SRC/deploy/grafana/dashboards"
MODULES=${FULCRUM_TOOLS_DIR:-$SRC/build/tools}/npm/node_modules
if [ -d "$MODULES/@grafana/schema" ] && command -v node >/dev/null; then
  validate() { node "$SRC/deploy/tools/validate-dashboards.cjs" --modules "$MODULES" "$@"; }
  expect_exit 0 validate --write-schema "$WORK/dashboard.schema.json" "$D"/*.json
  # The generated schema is strict: objects without an index signature take no other keys.
  python3 - "$WORK/dashboard.schema.json" <<'PY' || fail "the generated schema is not strict"
import json, sys
s = json.load(open(sys.argv[1]))["definitions"]
for name in ("Dashboard", "Panel", "RowPanel", "GridPos", "VariableModel", "DataSourceRef"):
    assert s[name].get("additionalProperties") is False, name
PY
  # It can fail, and says where: a misspelt key, a wrong type, an enum value out of range.
  python3 - "$D/fulcrum-mesh.json" "$WORK/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["panels"][0]["gridpos"] = d["panels"][0].pop("gridPos")
d["refresh"] = 5
d["graphTooltip"] = 7
json.dump(d, open(sys.argv[2], "w"))
PY
  expect_exit 1 validate "$WORK/bad.json"
  expect_in "$WORK/out" "/panels/0 must NOT have additional properties: 'gridpos'"
  expect_in "$WORK/out" "/refresh must be string"
  expect_in "$WORK/out" "/graphTooltip must be equal to one of the allowed values"
  echo "  $(ls "$D"/*.json | wc -l) dashboards valid against the strict schema from $(node -p "require('$MODULES/@grafana/schema/package.json').version" | sed 's/^/@grafana\/schema /') (and a broken one caught, naming the path)"
else
  echo "  SKIP schema: no @grafana/schema in $MODULES (deploy/bootstrap.sh installs it with npm)"
fi
to_rules "$D"/*.json > "$WORK/panels.yml" || fail "a dashboard breaks the conventions"
expect_exit 0 promtool check rules "$WORK/panels.yml"
echo "  $(grep -c 'record:' "$WORK/panels.yml") panel queries in $(ls "$D"/*.json | wc -l) dashboards parse"
[ "$(python3 -c "import json,glob,sys; print(len({json.load(open(f))['uid'] for f in glob.glob(sys.argv[1] + '/*.json')}))" "$D")" = "$(ls "$D"/*.json | wc -l)" ] || fail "two dashboards share a uid"
# The check can fail: a broken query is caught.
sed 's/sum by (service) (rate(/sum by (service (rate(/' "$D/fulcrum-mesh.json" > "$WORK/broken.json"
to_rules "$WORK/broken.json" > "$WORK/broken.yml"
expect_exit 1 promtool check rules "$WORK/broken.yml"
echo "PASS: the dashboards match the strict @grafana/schema, provision as they are, and every panel query parses"
