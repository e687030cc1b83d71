# The chart's Redis, wired as rendered, against a real redis-server (no cluster needed):
#  - its init container's command and environment, resolved from the rendered Secret, run
#    through the real `fulcrum redis-acl` and produce the ACL file;
#  - every Deployment logs in as its own user (its --redis URL) with the password its
#    FULCRUM_REDIS_PASSWORD names, writes its own keys, and is refused another's;
#  - the readiness probe's admin login works; anonymous access is refused;
#  - no two users share a password, and a pod's env holds only its own;
#  - `fulcrum redis-acl` refuses a missing or unfit password, naming the variable.
source "$(dirname "$0")/lib.sh"
HELM=${FULCRUM_TOOLS_DIR:-$SRC/build/tools}/helm
[ -x "$HELM" ] || { echo "SKIP: no helm at $HELM (deploy/bootstrap.sh fetches it from npm; was npm unreachable?)"; exit 77; }
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed (deploy/bootstrap.sh installs it)"; exit 77; }
"$HELM" template rel "$SRC/helm/fulcrum" --kube-version 1.30 -f "$SRC/helm/fulcrum/ci/two-variants-values.yaml" > "$WORK/chart.yaml" 2>"$WORK/helm.err" ||
  { cat "$WORK/helm.err" >&2; fail "helm template"; }

python3 - "$WORK/chart.yaml" "$FULCRUM" "$WORK" <<'PY' || fail "the chart's Redis ACL wiring is wrong"
import os, socket, subprocess, sys, time, yaml
chart, fulcrum, work = sys.argv[1:]
docs = [d for d in yaml.safe_load_all(open(chart)) if d]
secret = next(d for d in docs if d["kind"] == "Secret" and "redis-password" in d.get("stringData", {}))["stringData"]
def resolve(env):
    out = {}
    for e in env:
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref: out[e["name"]] = secret[ref["key"]]
        elif "value" in e: out[e["name"]] = e["value"]
    return out

# The init container, run as rendered (its binary is the one built here).
redis = next(d for d in docs if d["kind"] == "StatefulSet" and d["metadata"]["name"].endswith("-redis"))
pod = redis["spec"]["template"]["spec"]
init = next(c for c in pod["initContainers"] if c["name"] == "redis-acl")
acl = os.path.join(work, "users.acl")
cmd = [fulcrum] + [a.replace("--out=/etc/redis-acl/users.acl", "--out=" + acl) for a in init["command"][1:]]
assert init["command"][0] == "/usr/bin/fulcrum" and any(a.startswith("--out=/etc/redis-acl/") for a in init["command"]), init["command"]
env = {"PATH": os.environ["PATH"], **resolve(init["env"])}
subprocess.run(cmd, env=env, check=True, capture_output=True)
assert oct(os.stat(acl).st_mode & 0o777) == "0o600", "the ACL file is readable by others"
mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
assert mounts.get("acl") == "/etc/redis-acl", mounts
assert next(v for v in pod["volumes"] if v["name"] == "acl")["emptyDir"]["medium"] == "Memory"
server_args = pod["containers"][0]["command"]
assert server_args[server_args.index("--aclfile") + 1] == "/etc/redis-acl/users.acl", server_args

s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
args = [a if a != "/etc/redis-acl/users.acl" else acl for a in server_args]
args = [a if a != "/data" else work for a in args]
args[args.index("6379")] = str(port)
proc = subprocess.Popen(args + ["--bind", "127.0.0.1", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    def cli(user, password, *command):
        e = {"PATH": os.environ["PATH"]}
        if password is not None: e["REDISCLI_AUTH"] = password
        pre = ["--user", user] if user else []
        r = subprocess.run(["redis-cli", "-p", str(port)] + pre + list(command), env=e, capture_output=True, text=True)
        return (r.stdout + r.stderr).strip()
    for _ in range(100):
        if "NOAUTH" in cli(None, None, "ping"): break
        time.sleep(0.05)
    assert "NOAUTH" in cli(None, None, "get", "rel:risk:trading_state"), "anonymous access allowed"
    # The readiness probe: admin, its password from the env the container has.
    probe_env = resolve(pod["containers"][0]["env"])
    assert cli("admin", probe_env["REDISCLI_AUTH"], "ping") == "PONG"

    passwords = {}
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert len(deployments) >= 7, len(deployments)  # six services, two leverage variants
    for d in deployments:
        c = d["spec"]["template"]["spec"]["containers"][0]
        service = c["command"][0].rsplit("/", 1)[1]
        url = next(a for a in c["args"] if a.startswith("--redis="))[len("--redis="):]
        user = url.split("//", 1)[1].split("@", 1)[0]
        ns = next(a for a in c["args"] if a.startswith("--namespace="))[len("--namespace="):]
        assert user == service, (d["metadata"]["name"], url)
        mine = resolve(c["env"])
        password = mine["FULCRUM_REDIS_PASSWORD"]
        assert "redis-password" not in [e.get("valueFrom", {}).get("secretKeyRef", {}).get("key") for e in c["env"]], "a service holds the admin password"
        passwords[user] = password
        name = d["metadata"]["name"]
        # Its own keys, as runtime::Service writes them (every leverage variant is "leverage").
        assert cli(user, password, "hset", ns + ":service:" + user, "probe", "1") in ("0", "1"), (name, "own key")
        assert cli(user, password, "xadd", ns + ":audit:" + user, "*", "probe", "1").count("-") == 1, (name, "own audit stream")
        assert cli(user, password, "get", ns + ":risk:trading_state") == "", (name, "read")
        forbidden = ns + (":account:x" if user == "risk-gatekeeper" else ":risk:trading_state")
        assert "NOPERM" in cli(user, password, "set", forbidden, "forged"), (name, forbidden)
        assert "WRONGPASS" in cli(user, password + "x", "ping"), (name, "a wrong password")
    assert len(set(passwords.values())) == len(passwords) == 6, sorted(passwords)
    assert probe_env["REDISCLI_AUTH"] not in passwords.values()
    print("  %d Deployments log in as their own user (%s): own keys written, others' refused; admin probe PONG; anonymous NOAUTH"
          % (len(deployments), ", ".join(sorted(passwords))))
finally:
    proc.terminate(); proc.wait()
PY

# Refusals name the variable or the user.
unset FULCRUM_REDIS_ADMIN_PASSWORD
expect_exit 2 env -i PATH="$PATH" "$FULCRUM" redis-acl --namespace rel --out "$WORK/x.acl"
expect_in "$WORK/err" "FULCRUM_REDIS_ADMIN_PASSWORD is not set"
all=(FULCRUM_REDIS_ADMIN_PASSWORD=admin-0123456789abcdef)
for s in MARKET_DATA FEATURE_ENGINE SIGNAL_ENGINE LEVERAGE RISK_GATEKEEPER ORDER_ROUTER; do all+=("FULCRUM_REDIS_PASSWORD_$s=pw-$s-0123456789abcdef"); done
expect_exit 2 env -i PATH="$PATH" "${all[@]}" FULCRUM_REDIS_PASSWORD_LEVERAGE="two words 0123456789" "$FULCRUM" redis-acl --namespace rel --out "$WORK/x.acl"
expect_in "$WORK/err" "redis user 'leverage': the password has a character outside printable ASCII"
expect_exit 2 env -i PATH="$PATH" "${all[@]}" FULCRUM_REDIS_PASSWORD_ORDER_ROUTER=short "$FULCRUM" redis-acl --namespace rel --out "$WORK/x.acl"
expect_in "$WORK/err" "redis user 'order-router': the password is shorter than 16 characters"
expect_exit 2 env -i PATH="$PATH" "${all[@]}" "$FULCRUM" redis-acl --namespace "rel space" --out "$WORK/x.acl"
expect_in "$WORK/err" "namespace 'rel space' is not a plain name"
[ ! -e "$WORK/x.acl" ] || fail "a refused run wrote the file"
mkdir "$WORK/folder"
expect_exit 2 env -i PATH="$PATH" "${all[@]}" "$FULCRUM" redis-acl --namespace rel --out "$WORK/folder"
expect_in "$WORK/err" "is a folder"
[ -d "$WORK/folder" ] || fail "--out removed a folder"
echo "  fulcrum redis-acl: a missing, spaced or short password, a bad namespace and a folder for --out refused, naming them"
echo "PASS: the chart's Redis lets each Deployment in as its own user with fulcrum up's rights, and no one else"
