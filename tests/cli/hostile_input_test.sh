#!/usr/bin/env bash
# Hostile input against the real binary. Every case states its exit code and a text its
# message must contain; for every case the harness also checks that nothing crashed
# (no exit ≥ 128, no abort text) and that the --out root is exactly as it was: nothing
# written into it, nothing deleted from it. Cases: bad data files (backtest --strict),
# bad configs (config check, and a sample through backtest and up), bad calculator calls,
# and --out targets that are not Fulcrum's.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 not installed (deploy/bootstrap.sh installs it)"; exit 77; }

ROOT="$WORK/root"   # a Fulcrum output root holding one earlier run and the user's notes
cp "$SRC/deploy/config/backtest.yaml" "$WORK/cfg.yaml"
sed -i 's|../sample|'"$SRC"'/deploy/sample|' "$WORK/cfg.yaml"
expect_exit 0 "$FULCRUM" backtest --config "$WORK/cfg.yaml" --policies fixed --symbols BTCUSDT --out "$ROOT" --no-progress
echo "keep me" > "$ROOT/notes.txt"
snapshot() { (cd "$ROOT" && find . -printf '%p %s %T@\n' | sort | md5sum); }
before=$(snapshot)

passed=0
check() {  # check KIND NAME WANT_RC TEXT cmd...
  local kind=$1 name=$2 want=$3 text=$4; shift 4
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  cat "$WORK/out" "$WORK/err" >"$WORK/all"
  [ "$got" -lt 128 ] || { cat "$WORK/all" >&2; fail "$kind/$name: crashed with exit $got"; }
  ! grep -qE "terminate called|Aborted|Segmentation|AddressSanitizer|runtime error:" "$WORK/all" || { cat "$WORK/all" >&2; fail "$kind/$name: abort text"; }
  [ "$got" -eq "$want" ] || { cat "$WORK/all" >&2; fail "$kind/$name: exit $got, wanted $want"; }
  grep -qF -- "$text" "$WORK/all" || { cat "$WORK/all" >&2; fail "$kind/$name: message lacks '$text'"; }
  [ "$(snapshot)" = "$before" ] || { ls -laR "$ROOT" >&2; fail "$kind/$name: the --out root changed"; }
  passed=$((passed + 1))
}

# ---- Bad data files: BTCUSDT from the bundled sample, corrupted one way each.
python3 - "$SRC/deploy/sample" "$WORK/data" <<'PY'
import gzip, io, os, sys, zipfile
sample, out = sys.argv[1], sys.argv[2]
kl = gzip.open(os.path.join(sample, "klines-5m", "BTCUSDT.csv.gz"), "rt").read().splitlines()
fu = gzip.open(os.path.join(sample, "funding", "BTCUSDT.csv.gz"), "rt").read().splitlines()
header, rows = kl[0], kl[1:]
fheader, frows = fu[0], fu[1:]

def case(name, klines=None, funding=None, files=None):
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "klines"), exist_ok=True)
    os.makedirs(os.path.join(d, "funding"), exist_ok=True)
    if files:
        for rel, data in files.items():
            with open(os.path.join(d, rel), "wb") as f: f.write(data)
    if klines is not None:
        with open(os.path.join(d, "klines", "BTCUSDT.csv"), "w") as f: f.write(klines)
    if funding is not None:
        with open(os.path.join(d, "funding", "BTCUSDT.csv"), "w") as f: f.write(funding)
    elif not (files and any(k.startswith("funding") for k in files)):
        with open(os.path.join(d, "funding", "BTCUSDT.csv"), "w") as f: f.write("\n".join(fu) + "\n")

def with_row(i, new):   # replace data row i (file line i + 2)
    r = list(rows); r[i] = new
    return header + "\n" + "\n".join(r) + "\n"
def field(i, k, value):
    parts = rows[i].split(","); parts[k] = value
    return with_row(i, ",".join(parts))
good = header + "\n" + "\n".join(rows) + "\n"
t = lambda i: rows[i].split(",")[0]

case("empty", klines="")
case("one-byte", klines="x")
case("header-only", klines=header + "\n")
case("binary-garbage", files={"klines/BTCUSDT.csv": bytes((i * 7919) % 256 for i in range(8192))})
case("seven-columns", klines="\n".join(r + ",1" for r in rows) + "\n")
case("funding-rows-as-klines", klines="\n".join(fu) + "\n")
case("non-numeric-price", klines=field(100, 2, "abc"))
case("nan-price", klines=field(100, 2, "nan"))
case("inf-price", klines=field(100, 4, "inf"))
case("negative-price", klines=field(100, 3, "-5"))
case("zero-low", klines=field(100, 3, "0"))
case("high-below-low", klines=field(100, 2, "1"))
case("duplicate-row", klines=with_row(101, rows[100]))
case("backwards-time", klines=field(101, 0, t(50)))
case("year-2100", klines=field(1000, 0, "4102444800000"))
case("price-spike", klines=field(100, 2, str(float(rows[100].split(",")[2]) * 1000)))
case("int64-high", klines=field(100, 2, "92233720368"))
case("overflowing-number", klines=field(100, 2, "99999999999999999999999"))
case("huge-exponent", klines=field(100, 4, "1e400"))
case("missing-bars", klines=header + "\n" + "\n".join(rows[:100] + rows[110:]) + "\n")
case("non-numeric-time", klines=field(100, 0, "yesterday"))
case("empty-field", klines=field(100, 5, ""))
case("megabyte-field", klines=field(100, 2, "1" * 1_000_000))
case("negative-volume", klines=field(100, 5, "-10"))
z = io.BytesIO(); zipfile.ZipFile(z, "w").writestr("README.txt", "about\n")
case("zip-readme-only", files={"klines/BTCUSDT-5m-2025-01.zip": z.getvalue()})
z = io.BytesIO(); zf = zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED); zf.writestr("BTCUSDT.csv", "\n" * (64 << 20)); zf.close()
case("zip-bomb", files={"klines/BTCUSDT-5m-2025-01.zip": z.getvalue()})
case("gzip-bomb", files={"klines/BTCUSDT.csv.gz": gzip.compress(b"\n" * (64 << 20))})
gz = gzip.compress(good.encode())
case("truncated-gzip", files={"klines/BTCUSDT.csv.gz": gz[: len(gz) // 2]})
case("not-a-zip", files={"klines/BTCUSDT-5m-2025-01.zip": b"PK\x03\x04 this is not a zip archive" * 10})
case("funding-rate-9e6", klines=good, funding=fheader + "\n" + "\n".join(frows[:5] + [frows[5].rsplit(",", 1)[0] + ",9000000"] + frows[6:]) + "\n")
case("funding-rate-nan", klines=good, funding=fheader + "\n" + "\n".join(frows[:5] + [frows[5].rsplit(",", 1)[0] + ",nan"] + frows[6:]) + "\n")
case("funding-interval-zero", klines=good, funding=fheader + "\n" + "\n".join(frows[:5] + [frows[5].split(",")[0] + ",0," + frows[5].split(",")[2]] + frows[6:]) + "\n")
case("funding-two-columns", klines=good, funding="\n".join(r.rsplit(",", 1)[0] for r in frows) + "\n")
half = len(rows) // 3
case("missing-month-between-files", files={"klines/BTCUSDT-2025-01.csv": (header + "\n" + "\n".join(rows[:half]) + "\n").encode(),
                                            "klines/BTCUSDT-2025-03.csv": (header + "\n" + "\n".join(rows[2 * half:]) + "\n").encode()})
case("overlapping-files", files={"klines/BTCUSDT-2025-01.csv": (header + "\n" + "\n".join(rows[: half + 10]) + "\n").encode(),
                                  "klines/BTCUSDT-2025-02.csv": (header + "\n" + "\n".join(rows[half:]) + "\n").encode()})
PY
data_case() {  # data_case NAME WANT_RC TEXT
  check data "$1" "$2" "$3" "$FULCRUM" backtest --config "$WORK/cfg.yaml" --data "$WORK/data/$1/klines" --funding "$WORK/data/$1/funding" \
    --mark-price none --symbols BTCUSDT --policies fixed --strict --out "$ROOT" --no-progress
}
data_case empty 3 "BTCUSDT.csv: no data rows"
data_case one-byte 3 "BTCUSDT.csv: no data rows"
data_case header-only 3 "BTCUSDT.csv: no data rows"
data_case binary-garbage 3 "BTCUSDT.csv"
data_case seven-columns 3 "bad-column-count"
data_case funding-rows-as-klines 3 "bad-column-count"
data_case non-numeric-price 3 "BTCUSDT.csv:102: non-numeric: field high"
data_case nan-price 3 "BTCUSDT.csv:102: non-numeric: field high: 'nan'"
data_case inf-price 3 "BTCUSDT.csv:102: non-numeric: field close: 'inf'"
data_case negative-price 3 "BTCUSDT.csv:102: impossible-ohlc: open=93646.7 high=93657.6 low=-5"
data_case zero-low 3 "BTCUSDT.csv:102: impossible-ohlc"
data_case high-below-low 3 "BTCUSDT.csv:102: impossible-ohlc"
data_case duplicate-row 3 "BTCUSDT.csv:103: duplicate"
data_case backwards-time 3 "BTCUSDT.csv:103: non-monotonic"
data_case year-2100 3 "BTCUSDT.csv:1002: non-monotonic: open_time 4102444800000 is out of sequence"
data_case price-spike 3 "BTCUSDT.csv:102: implausible"
data_case int64-high 3 "BTCUSDT.csv:102: implausible: high 92233720368"
data_case overflowing-number 3 "BTCUSDT.csv:102: non-numeric: field high"
data_case huge-exponent 3 "BTCUSDT.csv:102: non-numeric: field close"
data_case missing-bars 3 "BTCUSDT.csv:102: gap: 10 missing bar(s)"
data_case non-numeric-time 3 "BTCUSDT.csv:102: non-numeric: field open_time"
data_case empty-field 3 "BTCUSDT.csv:102: non-numeric: field volume"
data_case megabyte-field 3 "BTCUSDT.csv:102: non-numeric: field high"
data_case negative-volume 3 "BTCUSDT.csv:102: impossible-ohlc"
data_case zip-readme-only 3 "no .csv entry (entries: README.txt)"
data_case zip-bomb 3 "BTCUSDT-5m-2025-01.zip/BTCUSDT.csv: inflates more than 200×"
data_case gzip-bomb 3 "decompression bomb"
data_case truncated-gzip 3 "truncated or corrupt gzip"
data_case not-a-zip 3 "cannot open zip archive"
data_case funding-rate-9e6 3 "implausible: funding rate 9000000"
data_case funding-rate-nan 3 "non-numeric: field last_funding_rate: 'nan'"
data_case funding-interval-zero 3 "field funding_interval_hours: '0'"
data_case funding-two-columns 3 "expected 3 columns"
data_case missing-month-between-files 3 "BTCUSDT-2025-03.csv: gap:"
data_case overlapping-files 3 "overlaps the previous file"
check data no-such-folder 3 "no such file or folder" "$FULCRUM" backtest --config "$WORK/cfg.yaml" --data "$WORK/nowhere" --out "$ROOT" --no-progress
data_cases=$passed

# ---- Bad configs: `config check` names the field (exit 2).
cfg_case() {  # cfg_case NAME TEXT YAML
  printf '%b' "$3" >"$WORK/c-$1.yaml"
  check config "$1" 2 "$2" "$FULCRUM" config check "$WORK/c-$1.yaml"
}
cfg_case complex-key "(top level): keys must be plain names" '? [a, b]\n: 1'
cfg_case unknown-top "colour: unknown key" 'colour: blue\n'
cfg_case typo-nested "mesh.risk.max_leverge_x: unknown key" 'mesh:\n  risk:\n    max_leverge_x: 5\n'
cfg_case duplicate-key "venue.taker_fee: duplicate key" 'venue:\n  taker_fee: 0.001\n  taker_fee: 0.002\n'
cfg_case policies-nested "backtest.policies: element [0] must be a plain string" 'backtest:\n  policies: [[fixed]]\n'
cfg_case policies-unknown "unknown policy 'yolo'" 'backtest:\n  policies: [fixed, yolo]\n'
cfg_case policies-number "backtest.policies: must be 'all' or a list" 'backtest:\n  policies: 5\n'
cfg_case maker-nan "venue.maker_fee: must be a finite number" 'venue:\n  maker_fee: .nan\n'
cfg_case taker-inf "venue.taker_fee: must be a finite number" 'venue:\n  taker_fee: .inf\n'
cfg_case research-typo "research.boosting.max_dept: unknown key" 'research:\n  boosting:\n    max_dept: 4\n'
cfg_case research-levs "research.candidate_leverages: must be a list of 1–32 distinct integers" 'research:\n  candidate_leverages: [1, 2, 2]\n'
cfg_case research-null "research.null_draws: must be ≥ 500" 'research:\n  null_draws: 10\n'
cfg_case tq-threshold-nan "leverage.trade_quality.min_probability: must be a finite number" 'leverage:\n  trade_quality:\n    min_probability: .nan\n'
cfg_case taker-negative "venue.taker_fee: must be ≥" 'venue:\n  taker_fee: -1\n'
cfg_case liq-fee-high "venue.liquidation_fee: must be ≤" 'venue:\n  liquidation_fee: 0.5\n'
cfg_case slippage-text "venue.slippage: must be a number" 'venue:\n  slippage: lots\n'
cfg_case margin-mode "venue.margin_mode: must be 'isolated' or 'cross'" 'venue:\n  margin_mode: hedge\n'
cfg_case bracket-mmr "must be below the initial margin rate 1/50" 'venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 10000, max_leverage_x: 50, maintenance_rate: 0.9}\n'
cfg_case bracket-leverage-rises "must not exceed the previous tier" 'venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 10000, max_leverage_x: 20, maintenance_rate: 0.01}\n      - {notional_cap: 50000, max_leverage_x: 50, maintenance_rate: 0.015}\n'
cfg_case bracket-cap-falls "must be above the previous bracket" 'venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 10000, max_leverage_x: 20, maintenance_rate: 0.01}\n      - {notional_cap: 5000, max_leverage_x: 10, maintenance_rate: 0.02}\n'
cfg_case bracket-cum "cum 7 disagrees with the derived 100" 'venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 10000, max_leverage_x: 50, maintenance_rate: 0.01}\n      - {notional_cap: 50000, max_leverage_x: 25, maintenance_rate: 0.02, cum: 7}\n'
cfg_case bracket-leverage-zero "max_leverage_x: must be ≥ 1" 'venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 10000, max_leverage_x: 0, maintenance_rate: 0.01}\n'
cfg_case brackets-empty "must be 'binance', 'binance_btcusdt' or a non-empty list" 'venue:\n  default_instrument:\n    brackets: []\n'
cfg_case brackets-name "must be 'binance', 'binance_btcusdt' or a non-empty list" 'venue:\n  default_instrument:\n    brackets: bogus\n'
cfg_case bracket-mmr-nan "maintenance_rate: must be a finite number" 'venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 10000, max_leverage_x: 5, maintenance_rate: .nan}\n'
cfg_case tick-negative "venue.default_instrument.tick_size: must be a non-negative decimal" 'venue:\n  default_instrument: {tick_size: "-1"}\n'
cfg_case tick-zero "venue.default_instrument.tick_size: must be positive" 'venue:\n  default_instrument: {tick_size: "0"}\n'
cfg_case step-text "venue.default_instrument.step_size: must be a non-negative decimal" 'venue:\n  default_instrument: {step_size: abc}\n'
cfg_case min-notional-nan "min_notional: must be a non-negative decimal" 'venue:\n  default_instrument: {min_notional: .nan}\n'
cfg_case max-qty-zero "max_qty: must be positive" 'venue:\n  default_instrument: {max_qty: "0"}\n'
cfg_case instruments-scalar "venue.instruments: must be a mapping" 'venue:\n  instruments: 5\n'
cfg_case instruments-list-key "venue.instruments: keys must be symbol names" 'venue:\n  instruments:\n    ? [BTC]\n    : {}\n'
cfg_case symbols-scalar "data.symbols: must be a list" 'data:\n  symbols: BTCUSDT\n'
cfg_case symbols-nested "data.symbols: element [0]" 'data:\n  symbols: [[BTCUSDT]]\n'
cfg_case validation-mode "data.validation: must be 'report' or 'strict'" 'data:\n  validation: lenient\n'
cfg_case funding-cap "data.max_abs_funding_rate: must be ≤" 'data:\n  max_abs_funding_rate: 5\n'
cfg_case jump-factor "data.max_price_jump_factor: must be ≥" 'data:\n  max_price_jump_factor: 1\n'
cfg_case from-date "backtest.from: must be a UTC date" 'backtest:\n  from: last tuesday\n'
cfg_case to-before-from "backtest.to: must be after 'from'" 'backtest:\n  from: 2025-03-01\n  to: 2025-02-01\n'
cfg_case equity-zero "backtest.initial_equity: must be ≥" 'backtest:\n  initial_equity: 0\n'
cfg_case equity-nan "backtest.initial_equity: must be a finite number" 'backtest:\n  initial_equity: .nan\n'
cfg_case leverage-500 "leverage.fixed.leverage_x: must be ≤ 125" 'leverage:\n  fixed: {leverage_x: 500}\n'
cfg_case margin-fraction "leverage.fixed.margin_fraction: must be ≤" 'leverage:\n  fixed: {margin_fraction: 2}\n'
cfg_case kelly-payoff-nan "leverage.kelly.prior_payoff: must be a finite number" 'leverage:\n  kelly: {prior_payoff: .nan}\n'
cfg_case trailing-callback "strategy.trailing_callback: must be ≤" 'strategy:\n  trailing_callback: 0.5\n'
cfg_case rsi-order "signal.rsi_min: must not exceed rsi_max" 'signal:\n  rsi_min: 90\n  rsi_max: 10\n'
cfg_case ewma "features.ewma_lambda: must be ≤" 'features:\n  ewma_lambda: 2\n'
cfg_case replay "mesh.replay: must be lockstep, flat or realtime" 'mesh:\n  replay: warp\n'
cfg_case log-level "mesh.log_level: must be one of" 'mesh:\n  log_level: loud\n'
cfg_case log-levels-service "mesh.log_levels.nope: unknown service" 'mesh:\n  log_levels: {nope: info}\n'
cfg_case max-message "mesh.max_message_bytes: must be ≥" 'mesh:\n  max_message_bytes: 10\n'
cfg_case symbol-table-wait "mesh.symbol_table_wait_ms: must be ≤" 'mesh:\n  symbol_table_wait_ms: 9999999\n'
cfg_case order-notional-nan "mesh.risk.max_order_notional: must be a finite number" 'mesh:\n  risk:\n    max_order_notional: .nan\n'
cfg_case speed "mesh.speed: must be ≥" 'mesh:\n  speed: -1\n'
cfg_case var-nan "mesh.risk.max_var: must be a finite number" 'mesh:\n  risk:\n    max_var: .nan\n'
cfg_case var-confidence "mesh.risk.var_confidence: must be ≤" 'mesh:\n  risk:\n    var_confidence: 2\n'
cfg_case var-days "mesh.risk.var_min_days: must be ≤ var_window_days" 'mesh:\n  risk:\n    var_window_days: 20\n    var_min_days: 30\n'
cfg_case stop-missing "mesh.risk.stop_missing: must be skip or fail_closed" 'mesh:\n  risk:\n    stop_missing: maybe\n'
cfg_case drawdown "mesh.risk.max_drawdown: must be ≤" 'mesh:\n  risk:\n    max_drawdown: 1.5\n'
cfg_case margin-alert "mesh.risk.margin_alert_ratio: must be ≥" 'mesh:\n  risk:\n    margin_alert_ratio: 0.5\n'
cfg_case heartbeat "mesh.kill_switch.router_heartbeat_ms: must be ≥" 'mesh:\n  kill_switch:\n    router_heartbeat_ms: -1\n'
cfg_case kill-switch-typo "mesh.kill_switch.rejection_bust: unknown key" 'mesh:\n  kill_switch:\n    rejection_bust: 3\n'
cfg_case curve-type "mesh.curve" 'mesh:\n  curve: sometimes\n'
cfg_case root-list "(top level): must be a mapping" '- a\n- b\n'
cfg_case section-scalar "venue: must be a mapping" 'venue: 5\n'
cfg_case syntax "(file): line 2: end of sequence flow not found" 'a: [\n'
check config directory 2 "cannot open config file" "$FULCRUM" config check "$WORK/data"
config_cases=$((passed - data_cases))
# The same parser guards backtest and up: a sample of the above through both.
for c in complex-key maker-nan bracket-mmr policies-nested; do
  check config "backtest-$c" 2 "$(head -c 0 /dev/null)invalid config" "$FULCRUM" backtest --config "$WORK/c-$c.yaml" --out "$ROOT" --no-progress
  check config "up-$c" 2 "invalid config" "$FULCRUM" up --config "$WORK/c-$c.yaml" --out "$ROOT"
done

# ---- Bad calculator calls: exit 2 naming the argument; never a number.
calc_case() {  # calc_case NAME TEXT args...
  local name=$1 text=$2; shift 2
  check calc "$name" 2 "$text" "$FULCRUM" calc "$@"
}
L=(liq --entry 50000 --qty 1)
calc_case lev-negative "--leverage: must be at least 1x" "${L[@]}" --leverage -5
calc_case lev-zero "--leverage: must be at least 1x" "${L[@]}" --leverage 0
calc_case lev-above-bracket "200x exceeds the bracket's maximum 100x at notional 50000" "${L[@]}" --leverage 200
calc_case lev-text "--leverage" "${L[@]}" --leverage lots
calc_case entry-nan "--entry: must be a finite number" liq --entry nan --qty 1
calc_case entry-inf "--entry: must be a finite number" liq --entry inf --qty 1
calc_case entry-negative "--entry: must be positive" liq --entry -1 --qty 1
calc_case entry-zero "--entry: must be positive" liq --entry 0 --qty 1
calc_case qty-zero "--qty: must be positive" liq --entry 50000 --qty 0
calc_case qty-negative "--qty: must be positive" liq --entry 50000 --qty -1
calc_case qty-nan "--qty: must be a finite number" liq --entry 50000 --qty nan
calc_case qty-dust "--qty: rounds to 0" liq --entry 50000 --qty 1e-12
calc_case wallet-negative "--wallet: must not be negative" "${L[@]}" --wallet -5
calc_case wallet-nan "--wallet: must be a finite number" "${L[@]}" --wallet nan
calc_case side "--side: must be long or short" "${L[@]}" --side sideways
calc_case mode "--mode: must be isolated or cross" "${L[@]}" --mode hedge
calc_case symbol "--symbol: 'NOPEUSDT' has no built-in bracket table" "${L[@]}" --symbol NOPEUSDT
calc_case notional-overflow "notional entry × qty does not fit" liq --entry 1e9 --qty 1e9
calc_case other-mm-negative "--other-maintenance: must not be negative" "${L[@]}" --mode cross --other-maintenance -1
calc_case other-upnl-nan "--other-upnl: must be a finite number" "${L[@]}" --mode cross --other-upnl nan
calc_case margin-lev "--leverage: must be at least 1x" margin --entry 50000 --qty 1 --leverage -1
calc_case margin-entry "--entry: must be a finite number" margin --entry nan --qty 1
calc_case size-equity "--equity: must be positive" size --equity -1 --entry 100 --stop 95
calc_case size-equity-nan "--equity: must be a finite number" size --equity nan --entry 100 --stop 95
calc_case size-risk "--risk: is a fraction of equity" size --equity 1000 --risk 2 --entry 100 --stop 95
calc_case size-stop "--stop: must differ from --entry" size --equity 1000 --entry 100 --stop 100
calc_case size-contract "--contract-value: must be positive" size --equity 1000 --entry 100 --stop 95 --contract-value 0
calc_case kelly-p "--win-rate: must be a probability" kelly -p 1.5 -b 2
calc_case kelly-p-nan "--win-rate: must be a finite number" kelly -p nan -b 2
calc_case kelly-b "--payoff: must be positive" kelly -p 0.5 -b 0
calc_case kelly-b-inf "--payoff: must be a finite number" kelly -p 0.5 -b inf
calc_case ratio-profit-nan "--profit: must be a finite number" fixed-ratio --profit nan --delta 2000
calc_case ratio-delta "--delta: must be positive" fixed-ratio --profit 1000 --delta 0
calc_case ratio-huge "too many units to count" fixed-ratio --profit 1e300 --delta 1
calc_case parity-zero "--vol[1]: must be positive" risk-parity --vol 0.2,0,0.1
calc_case parity-nan "--vol[0]: must be a finite number" risk-parity --vol nan
calc_case funding-qty "--qty: must be positive" funding --symbol BTCUSDT --qty -1 --funding "$SRC/deploy/sample/funding" --mark-price "$SRC/deploy/sample/markprice-1h" --from 2025-01-01 --to 2025-02-01
calc_case missing-qty "--qty is required" liq --entry 50000
calc_case unknown-calc "A subcommand is required" teleport
calc_cases=$((passed - data_cases - config_cases - 8))

# ---- --out targets that are not Fulcrum's are refused before any work, and kept intact.
mkdir -p "$WORK/user"; echo "my notes" >"$WORK/user/notes.txt"; mkdir -p "$WORK/user/sub"; echo x >"$WORK/user/sub/keep"
check out user-folder 2 "is not empty and was not made by Fulcrum" "$FULCRUM" backtest --config "$WORK/cfg.yaml" --out "$WORK/user" --no-progress
[ "$(cat "$WORK/user/notes.txt")" = "my notes" ] && [ -f "$WORK/user/sub/keep" ] || fail "the user's folder was touched"
check out user-folder-up 2 "is not empty and was not made by Fulcrum" "$FULCRUM" up --config "$WORK/cfg.yaml" --out "$WORK/user"
(cd "$WORK/user" && check out dot 2 "'.' is not empty" "$FULCRUM" backtest --config "$WORK/cfg.yaml" --out . --no-progress) || exit 1
[ -f "$WORK/user/notes.txt" ] || fail "--out . deleted the working folder's files"
echo "x" >"$WORK/a-file"
check out a-file 2 "exists and is not a folder" "$FULCRUM" backtest --config "$WORK/cfg.yaml" --out "$WORK/a-file" --no-progress
[ "$(ls "$WORK/user" | wc -l)" -eq 2 ] || fail "something was added to the user's folder"
ls "$ROOT" | grep -q partial && fail "scratch output left in the root"

echo "PASS: hostile input: $data_cases data files, $config_cases configs (+8 through backtest and up), $calc_cases calculator calls, 5 --out targets; no crash, nothing left in or deleted from --out"
