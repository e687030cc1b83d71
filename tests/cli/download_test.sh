# `fulcrum download` against a local HTTP mirror of data.binance.vision (python3's
# http.server), through the real libcurl fetcher: a published month is fetched and
# verified, a missing one is reported as not published yet, a partial left by a dropped
# connection is completed (this server ignores byte ranges, so the fetcher starts over),
# a corrupt archive is refused by its checksum, and --out data gives data/futures/um/….
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 absent (deploy/bootstrap.sh installs it)"; exit 0; }
mirror="$WORK/mirror"
publish() {  # publish MONTH CONTENT
  local dir="$mirror/data/futures/um/monthly/klines/BTCUSDT/1m" name="BTCUSDT-1m-$1.zip"
  mkdir -p "$dir"
  printf '%s' "$2" >"$dir/$name"
  (cd "$dir" && sha256sum "$name" >"$name.CHECKSUM")
}
publish 2024-01 "$(head -c 200000 /dev/urandom | base64)"
publish 2024-03 "$(head -c 50000 /dev/urandom | base64)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$mirror" >"$WORK/http.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break; sleep 0.05; done

cd "$WORK"
local_dir=data/futures/um/monthly/klines/BTCUSDT/1m
# A dropped connection left half of March behind.
mkdir -p "$local_dir"
head -c 30000 "$mirror/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03.zip" >"$local_dir/BTCUSDT-1m-2024-03.zip.part"
expect_exit 4 "$FULCRUM" download --symbols BTCUSDT --from-month 2024-01 --to-month 2024-03 --base-url "http://127.0.0.1:$port" --out data --parallel 3
expect_in "$WORK/out" "ok data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip"
expect_in "$WORK/out" "ok data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03.zip"
expect_in "$WORK/out" "FAILED data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-02.zip: checksum: not published yet (HTTP 404)"
for m in 01 03; do
  cmp -s "$local_dir/BTCUSDT-1m-2024-$m.zip" "$mirror/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-$m.zip" || fail "2024-$m differs from the mirror"
done
[ ! -e data/data ] || fail "data/data/ nesting"
[ ! -e "$local_dir/BTCUSDT-1m-2024-03.zip.part" ] || fail "the partial was left behind"
echo "  fetched and verified 2 months (one resumed from a partial), 404 reported as not published yet"

# Verified files are not fetched again.
requests=$(grep -c 'GET ' "$WORK/http.log")
expect_exit 0 "$FULCRUM" download --symbols BTCUSDT --from-month 2024-01 --to-month 2024-01 --base-url "http://127.0.0.1:$port" --out data
expect_in "$WORK/out" "ok (already verified)"
[ "$(grep -c 'GET ' "$WORK/http.log")" -eq "$requests" ] || fail "a verified archive was fetched again"

# An archive that does not match its published checksum is refused and not kept.
publish 2024-05 "genuine"
printf 'tampered' >"$mirror/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-05.zip"
expect_exit 4 "$FULCRUM" download --symbols BTCUSDT --from-month 2024-05 --to-month 2024-05 --base-url "http://127.0.0.1:$port" --out data
expect_in "$WORK/out" "does not match published"
[ ! -e "$local_dir/BTCUSDT-1m-2024-05.zip" ] || fail "a tampered archive was kept"

# A month that has not begun is a usage error naming the option.
expect_exit 2 "$FULCRUM" download --symbols BTCUSDT --from-month 2024-01 --to-month 2999-01 --base-url "http://127.0.0.1:$port" --out data
expect_in "$WORK/err" "to-month"
echo "PASS: download over libcurl"
