# The images, as far as this machine can check them without a Docker engine:
#  - both Dockerfiles pass dockerfile-utils' lint (pinned by deploy/tools/package-lock.json);
#  - `cmake --install` lays the binaries, the sample and the configs out as the image does,
#    in a scratch root; run from there as a non-root user (uid 10001, the image's), they
#    answer and a backtest on the installed sample writes its report.
# Not run here: `docker build` itself, and the images' runtime package list (ldd → dpkg -S).
source "$(dirname "$0")/lib.sh"
LINT=${FULCRUM_TOOLS_DIR:-$SRC/build/tools}/npm/node_modules/.bin/dockerfile-utils
if [ -x "$LINT" ]; then
  for f in "$SRC"/deploy/docker/*Dockerfile; do
    "$LINT" lint "$f" > "$WORK/lint" 2>&1 || { cat "$WORK/lint" >&2; fail "dockerfile-utils lint: $f"; }
  done
  printf 'FROMM debian\nUSER\n' > "$WORK/bad.Dockerfile"
  "$LINT" lint "$WORK/bad.Dockerfile" > "$WORK/lint" 2>&1 && fail "the lint passed a broken Dockerfile"
  echo "  dockerfile-utils lint: both Dockerfiles clean (and a broken one caught)"
else
  echo "  SKIP lint: no dockerfile-utils at $LINT (deploy/bootstrap.sh installs it with npm)"
fi
BUILD=${FULCRUM_BUILD_DIR:?}
ROOT="$WORK/root"
DESTDIR="$ROOT" cmake --install "$BUILD" --prefix /usr > "$WORK/install.log" 2>&1 || { cat "$WORK/install.log" >&2; fail "cmake --install"; }
# The image builds exactly the targets it installs: a binary added to the install rules but
# not to the Dockerfile's --target list would fail the image's cmake --install.
built=$(sed -n 's/.*cmake --build \/build --target \(.*\) \\$/\1/p' "$SRC/deploy/docker/Dockerfile" | tr ' ' '\n' | sort)
installed=$(ls "$ROOT/usr/bin" | sort)
[ -n "$built" ] && [ "$built" = "$installed" ] || fail "the Dockerfile builds [$(echo $built)] but the install rules lay out [$(echo $installed)]"
for b in $built; do
  [ -x "$ROOT/usr/bin/$b" ] || fail "no /usr/bin/$b in the image layout"
done
[ -d "$ROOT/usr/share/fulcrum/sample/klines-5m" ] || fail "no sample in the image layout"
[ -f "$ROOT/usr/share/fulcrum/config/four-modes.yaml" ] || fail "no configs in the image layout"
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) not found"; exit 77; }
as_user() { if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=10001 --regid=10001 --clear-groups "$@"; else "$@"; fi; }
chmod -R a+rX "$WORK"
mkdir -p "$WORK/run" && chmod 777 "$WORK/run"
as_user "$ROOT/usr/bin/fulcrum" --version > "$WORK/version" || fail "fulcrum does not run from the image layout as uid 10001"
as_user "$ROOT/usr/bin/leverage" --help > "$WORK/help" || fail "leverage does not run from the image layout"
expect_in "$WORK/help" "--variant"
sed -e "s|\.\./sample|$ROOT/usr/share/fulcrum/sample|g" -e "s|^  to: .*|  to: 2025-02-01|" -e "s|\.\./\.\./out/four-modes|$WORK/run/out|" \
  "$ROOT/usr/share/fulcrum/config/four-modes.yaml" > "$WORK/run/cfg.yaml"
as_user "$ROOT/usr/bin/fulcrum" backtest --config "$WORK/run/cfg.yaml" --no-progress > "$WORK/bt" 2>&1 || { cat "$WORK/bt" >&2; fail "a backtest from the image layout failed"; }
[ -f "$WORK/run/out/latest/leaderboard.json" ] || fail "the installed backtest wrote no report"
echo "  image layout: 7 binaries, sample and configs; run as uid 10001: $(cat "$WORK/version"), a four-mode backtest wrote its report"
echo "PASS: the Dockerfiles lint clean and the image's layout runs as a non-root user"
