# deploy/prometheus with the real promtool: the scrape config and the alert rules are
# valid, every alert's unit tests (firing and not firing) pass, and a broken expectation
# fails, so the tests are not vacuous.
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { echo "SKIP: promtool not installed (deploy/bootstrap.sh installs Debian's prometheus)"; exit 77; }
P="$SRC/deploy/prometheus"
expect_exit 0 promtool check config "$P/prometheus.yml"
expect_exit 0 promtool check rules "$P"/rules/*.yml
expect_exit 0 promtool test rules "$P"/tests/*.test.yml
expect_in "$WORK/out" "SUCCESS"
# Every alert has a firing test and a not-firing one.
for alert in $(sed -n 's/^ *- alert: //p' "$P"/rules/*.yml); do
  firing=$(grep -c "alertname: $alert$" "$P"/tests/*.test.yml)
  quiet=$(grep -c "alertname: $alert, exp_alerts: \[\]" "$P"/tests/*.test.yml)
  [ "$firing" -ge 1 ] && [ "$quiet" -ge 1 ] || fail "$alert: $firing firing and $quiet not-firing tests"
done
echo "  $(grep -c '^ *- alert:' "$P"/rules/*.yml) alerts, each tested firing and not firing"
# A wrong expectation must fail.
sed -e "s|\.\./rules/|$P/rules/|" -e 's/45.5ms/40ms/' "$P/tests/fulcrum-alerts.test.yml" > "$WORK/broken.test.yml"
expect_exit 1 promtool test rules "$WORK/broken.test.yml"
cat "$WORK/out" "$WORK/err" > "$WORK/all"
expect_in "$WORK/all" "FAILED"
echo "PASS: promtool checks the scrape config and the rules; the rule tests pass and can fail"
