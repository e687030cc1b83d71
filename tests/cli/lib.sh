# Helpers for tests that drive the real `fulcrum` binary. Each test prints what it
# checked and exits non-zero on the first mismatch.
set -uo pipefail
FULCRUM=$(realpath "${FULCRUM_BIN:?FULCRUM_BIN must name the fulcrum binary}")
SRC=${FULCRUM_SOURCE_DIR:?}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_exit() {  # expect_exit CODE cmd...
  local want=$1; shift
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  [ "$got" -eq "$want" ] || { cat "$WORK/out" "$WORK/err" >&2; fail "exit $got, wanted $want: $*"; }
}
expect_in() {  # expect_in FILE TEXT
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "'$2' not in $1"; }
}
