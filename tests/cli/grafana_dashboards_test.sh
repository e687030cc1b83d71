# deploy/grafana's dashboards: fixed uids, a templated datasource and no __inputs (so they
# provision as they are), and every panel's PromQL parses (wrapped as recording rules for
# the real promtool). That the metrics they name exist is checked against a running mesh
# by tests/mesh/prometheus_test.sh.
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { echo "SKIP: promtool not installed (deploy/bootstrap.sh installs Debian's prometheus)"; exit 77; }
to_rules() {  # to_rules DASHBOARD... > rules.yml: every expr as a recording rule
  python3 - "$@" <<'PY'
import json, sys
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
            print("      - record: panel_" + str(p["id"]) + "_" + t["refId"] + "\n        expr: " + json.dumps(t["expr"]))
PY
}
D="$SRC/deploy/grafana/dashboards"
to_rules "$D"/*.json > "$WORK/panels.yml" || fail "a dashboard breaks the conventions"
expect_exit 0 promtool check rules "$WORK/panels.yml"
echo "  $(grep -c 'record:' "$WORK/panels.yml") panel queries in $(ls "$D"/*.json | wc -l) dashboards parse"
[ "$(python3 -c "import json,glob,sys; print(len({json.load(open(f))['uid'] for f in glob.glob(sys.argv[1] + '/*.json')}))" "$D")" = "$(ls "$D"/*.json | wc -l)" ] || fail "two dashboards share a uid"
# The check can fail: a broken query is caught.
sed 's/sum by (service) (rate(/sum by (service (rate(/' "$D/fulcrum-mesh.json" > "$WORK/broken.json"
to_rules "$WORK/broken.json" > "$WORK/broken.yml"
expect_exit 1 promtool check rules "$WORK/broken.yml"
echo "PASS: the dashboards provision as they are and every panel query parses"
