#include <gtest/gtest.h>

#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/config/app_config.h"
#include "fulcrum/core/error.h"
#include "test_support.h"

using namespace fulcrum;

namespace {
std::vector<core::ConfigIssue> issues_of(const std::string& yaml) {
  try {
    config::parse_app_config(yaml, "test.yaml", ".");
  } catch (const core::ConfigError& e) {
    return e.issues();
  }
  return {};
}
bool has_issue(const std::vector<core::ConfigIssue>& issues, const std::string& path, const std::string& words) {
  for (const auto& i : issues)
    if (i.field_path == path && i.message.find(words) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST(Config, TheShippedConfigLoadsAndTheEmptyConfigIsTheDefaults) {
  const auto cfg = config::load_app_config(std::string(FULCRUM_SOURCE_DIR) + "/deploy/config/backtest.yaml");
  EXPECT_EQ(cfg.instruments.size(), 8u);
  EXPECT_EQ(cfg.spec_for("BTCUSDT").tick_size, *core::Price::parse("0.1"));
  // Each symbol's own table from Binance's leverageBracket response of 2024-10-24.
  const auto sol = cfg.spec_for("SOLUSDT").brackets;
  ASSERT_EQ(sol.size(), 10u);
  EXPECT_EQ(sol[0].max_leverage_x, 100);
  EXPECT_EQ(sol[0].notional_cap, core::Money::from_int(20'000));
  EXPECT_EQ(sol[0].maintenance_rate, core::Rate::from_double(0.005));
  EXPECT_EQ(cfg.spec_for("BTCUSDT").brackets.size(), 12u);
  const auto defaults = config::parse_app_config("", "empty.yaml", ".");
  EXPECT_EQ(defaults.backtest.policies.fixed.leverage_x, 20);
  EXPECT_DOUBLE_EQ(defaults.backtest.signal.rsi_min, 65);
}

TEST(Config, UnknownKeysAreErrorsNamingTheirPath) {
  const auto issues = issues_of("signal:\n  rsi_mn: 60\nleverage:\n  kelly:\n    fraction: 0.5\nbogus: 1\n");
  EXPECT_TRUE(has_issue(issues, "signal.rsi_mn", "unknown key"));
  EXPECT_TRUE(has_issue(issues, "leverage.kelly.fraction", "unknown key"));
  EXPECT_TRUE(has_issue(issues, "bogus", "unknown key"));
  EXPECT_EQ(issues.size(), 3u) << "all problems reported at once";
}

TEST(Config, OutOfRangeWrongTypeAndBadEnumsAreErrors) {
  const auto issues = issues_of(
      "leverage:\n  fixed:\n    leverage_x: 500\n  kelly:\n    fraction_of_kelly: lots\n"
      "venue:\n  margin_mode: portfolio\n  instruments:\n    BTCUSDT: {tick_size: \"-1\"}\n"
      "backtest:\n  from: 2025-13-01\n  policies: [fixed, yolo]\n"
      "signal:\n  rsi_min: 80\n  rsi_max: 70\n");
  EXPECT_TRUE(has_issue(issues, "leverage.fixed.leverage_x", "≤ 125"));
  EXPECT_TRUE(has_issue(issues, "leverage.kelly.fraction_of_kelly", "must be a number"));
  EXPECT_TRUE(has_issue(issues, "venue.margin_mode", "isolated"));
  EXPECT_TRUE(has_issue(issues, "venue.instruments.BTCUSDT.tick_size", "non-negative decimal"));
  EXPECT_TRUE(has_issue(issues, "backtest.from", "UTC date"));
  EXPECT_TRUE(has_issue(issues, "backtest.policies", "yolo"));
  EXPECT_TRUE(has_issue(issues, "signal.rsi_min", "rsi_max"));
}

TEST(Config, BracketTablesAreValidatedAndTheirCumDerived) {
  auto issues = issues_of("venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 100, max_leverage_x: 50, maintenance_rate: 0.01}\n"
                          "      - {notional_cap: 50, max_leverage_x: 20, maintenance_rate: 0.02}\n");
  EXPECT_FALSE(issues.empty());
  const auto cfg = config::parse_app_config(
      "venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 10000, max_leverage_x: 50, maintenance_rate: 0.01}\n"
      "      - {notional_cap: 50000, max_leverage_x: 25, maintenance_rate: 0.02}\n",
      "t.yaml", ".");
  const auto b = cfg.spec_for("XYZUSDT").brackets;
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].maintenance_amount, core::Money::from_int(100));  // 10 000 · (2 % − 1 %)
}

TEST(Config, YamlSyntaxErrorsNameTheLine) {
  try {
    config::parse_app_config("signal:\n  rsi_min: [1, 2\n", "broken.yaml", ".");
    FAIL();
  } catch (const core::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.yaml"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("line"), std::string::npos);
  }
}

TEST(Config, DuplicateKeysAreErrorsNotSilentlyFirstWins) {
  const auto issues = issues_of("mesh:\n  replay: flat\nmesh:\n  replay: lockstep\nsignal:\n  rsi_min: 60\n  rsi_min: 70\n");
  EXPECT_TRUE(has_issue(issues, "mesh", "duplicate key"));
  EXPECT_TRUE(has_issue(issues, "signal.rsi_min", "duplicate key"));
}

TEST(Config, MeshSectionDefaultsAndLimits) {
  const auto defaults = config::parse_app_config("", "empty.yaml", ".");
  EXPECT_EQ(defaults.mesh.replay, config::ReplayMode::kLockstep);
  EXPECT_EQ(defaults.mesh.risk.max_leverage_x, 125);
  const auto issues = issues_of(
      "mesh:\n  replay: turbo\n  speed: 0\n  log_level: loud\n  log_levels: {order-router: debug, pricer: info}\n"
      "  risk: {max_leverage_x: 126, max_orders_per_instant: 0}\n");
  EXPECT_TRUE(has_issue(issues, "mesh.replay", "lockstep, flat or realtime"));
  EXPECT_TRUE(has_issue(issues, "mesh.speed", "≥"));
  EXPECT_TRUE(has_issue(issues, "mesh.log_level", "must be one of"));
  EXPECT_TRUE(has_issue(issues, "mesh.log_levels.pricer", "unknown service"));
  EXPECT_TRUE(has_issue(issues, "mesh.risk.max_leverage_x", "≤ 125"));
  EXPECT_TRUE(has_issue(issues, "mesh.risk.max_orders_per_instant", "≥ 1"));
  EXPECT_EQ(issues.size(), 6u);
}

// ---- Hostile configs: every one is a ConfigError naming the field, never a crash.

TEST(HostileConfig, AComplexKeyIsAnErrorNotAnAbort) {
  // Reported: this 12-byte file aborted config check, backtest and up (exit 134) through
  // an exception thrown from a destructor, and killed the mesh through a gRPC reload.
  const std::string twelve_bytes = "? [a, b]\n: 1";
  ASSERT_EQ(twelve_bytes.size(), 12u);
  EXPECT_TRUE(has_issue(issues_of(twelve_bytes), "(top level)", "keys must be plain names"));
  EXPECT_TRUE(has_issue(issues_of("venue:\n  ? {x: 1}\n  : 2\n"), "venue", "keys must be plain names"));
  EXPECT_TRUE(has_issue(issues_of("venue:\n  instruments:\n    ? [BTC]\n    : {tick_size: '0.1'}\n"), "venue.instruments", "symbol names"));
}

TEST(HostileConfig, ListsOfTheWrongShapeNameTheFieldAndElement) {
  EXPECT_TRUE(has_issue(issues_of("backtest:\n  policies: [[fixed]]\n"), "backtest.policies", "element [0] must be a plain string, got a list"));
  EXPECT_TRUE(has_issue(issues_of("data:\n  symbols: [{a: 1}]\n"), "data.symbols", "element [0] must be a plain string, got a mapping"));
  EXPECT_TRUE(has_issue(issues_of("data:\n  symbols: BTCUSDT\n"), "data.symbols", "must be a list"));
}

TEST(HostileConfig, NanAndInfinityFailEveryRangeCheck) {
  for (const char* bad : {".nan", ".NaN", ".inf", "-.inf"}) {
    const std::string v = bad;
    EXPECT_TRUE(has_issue(issues_of("venue:\n  taker_fee: " + v + "\n"), "venue.taker_fee", "finite")) << v;
    EXPECT_TRUE(has_issue(issues_of("mesh:\n  risk:\n    max_order_notional: " + v + "\n"), "mesh.risk.max_order_notional", "finite")) << v;
    EXPECT_TRUE(has_issue(issues_of("leverage:\n  fixed: {margin_fraction: " + v + "}\n"), "leverage.fixed.margin_fraction", "finite")) << v;
    EXPECT_TRUE(has_issue(issues_of("venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 1000, max_leverage_x: 10, maintenance_rate: " + v + "}\n"),
                          "venue.default_instrument.brackets", "finite"))
        << v;
  }
}

TEST(HostileConfig, ImpossibleBracketTablesAreRefused) {
  // Reported: maintenance_rate 0.9 on a 50x bracket gave 212 "liquidations" at prices
  // better than the market and +1 007 %.
  EXPECT_TRUE(has_issue(issues_of("venue:\n  default_instrument:\n    brackets:\n      - {notional_cap: 10000, max_leverage_x: 50, maintenance_rate: 0.9}\n"),
                        "venue.default_instrument.brackets", "must be below the initial margin rate 1/50"));
  EXPECT_TRUE(has_issue(issues_of("venue:\n  default_instrument:\n    brackets:\n"
                                  "      - {notional_cap: 10000, max_leverage_x: 20, maintenance_rate: 0.01}\n"
                                  "      - {notional_cap: 50000, max_leverage_x: 25, maintenance_rate: 0.02}\n"),
                        "venue.default_instrument.brackets", "must not exceed the previous tier's 20x"));
  EXPECT_TRUE(has_issue(issues_of("venue:\n  default_instrument:\n    brackets:\n"
                                  "      - {notional_cap: 10000, max_leverage_x: 50, maintenance_rate: 0.01}\n"
                                  "      - {notional_cap: 50000, max_leverage_x: 25, maintenance_rate: 0.02, cum: 99}\n"),
                        "venue.default_instrument.brackets", "cum 99 disagrees with the derived 100"));
  // A published cum that matches is accepted.
  EXPECT_TRUE(issues_of("venue:\n  default_instrument:\n    brackets:\n"
                        "      - {notional_cap: 10000, max_leverage_x: 50, maintenance_rate: 0.01}\n"
                        "      - {notional_cap: 50000, max_leverage_x: 25, maintenance_rate: 0.02, cum: 100}\n")
                  .empty());
  EXPECT_TRUE(has_issue(issues_of("venue:\n  default_instrument: {max_qty: '0'}\n"), "venue.default_instrument.max_qty", "must be positive"));
  EXPECT_TRUE(has_issue(issues_of("data:\n  max_abs_funding_rate: 5\n"), "data.max_abs_funding_rate", "must be ≤"));
  EXPECT_TRUE(has_issue(issues_of("mesh:\n  max_message_bytes: 10\n"), "mesh.max_message_bytes", "must be ≥"));
}

TEST(Instruments, TheBuiltInBinanceTableHas318SoundContracts) {
  const auto& tables = model::binance_usdm_brackets();
  EXPECT_EQ(tables.size(), 318u);
  for (const auto& [symbol, table] : tables) EXPECT_TRUE(model::bracket_table_problems(table).empty()) << symbol;
  // Spot checks against the response itself: ZECUSDT's first tier, and BTCSTUSDT's
  // "no cap" (Long.MAX_VALUE) read as the venue's 1e10 USDT bound.
  EXPECT_EQ(tables.at("ZECUSDT")[0].max_leverage_x, 50);
  EXPECT_EQ(tables.at("ZECUSDT")[0].maintenance_rate, core::Rate::from_double(0.015));
  EXPECT_EQ(tables.at("BTCSTUSDT").back().notional_cap, core::Money::from_int(10'000'000'000));
}

TEST(Instruments, ASymbolWithoutBracketsIsNamedAndTheMeshNeedsListedFilters) {
  const auto cfg = config::load_app_config(std::string(FULCRUM_SOURCE_DIR) + "/deploy/config/backtest.yaml");
  try {
    cfg.spec_for("ORCAUSDT");  // listed after 2024-10-24, and not under venue.instruments here
    FAIL() << "a symbol with no brackets anywhere must be an error";
  } catch (const core::ConfigError& e) {
    EXPECT_TRUE(has_issue(e.issues(), "venue.instruments.ORCAUSDT.brackets", "not in Binance's bracket table"));
  }
  EXPECT_FALSE(cfg.spec_for("BNBUSDT").filters_from_config) << "in the table but not listed: brackets known, filters not";
  EXPECT_TRUE(cfg.spec_for("SOLUSDT").filters_from_config);
  try {
    cfg.mesh_specs({"SOLUSDT", "BNBUSDT"});
    FAIL() << "the mesh cannot infer filters";
  } catch (const core::ConfigError& e) {
    EXPECT_TRUE(has_issue(e.issues(), "venue.instruments.BNBUSDT", "tick_size and step_size are not listed"));
  }
}

TEST(Instruments, UnlistedFiltersAreInferredFromTheDatasOwnIncrements) {
  // A sub-cent coin: prices on a 0.0001 grid, volumes in whole units.
  auto spec = config::default_app_config().default_instrument;
  std::vector<model::Bar> bars{test::bar(0, 0.1234, 0.1250, 0.1201, 0.1240, 1500), test::bar(300'000, 0.1240, 0.1262, 0.1239, 0.1262, 20)};
  marketdata::infer_filters(spec, bars);
  EXPECT_EQ(spec.tick_size, *core::Price::parse("0.0001"));
  EXPECT_EQ(spec.step_size, core::Qty::from_int(1)) << "whole units; the inferred increment is at most 1";
  bars = {test::bar(0, 101.5, 102, 101, 101.5, 0.15), test::bar(300'000, 101.5, 103, 101.5, 102.5, 2.3)};
  marketdata::infer_filters(spec, bars);
  EXPECT_EQ(spec.tick_size, *core::Price::parse("0.1"));
  EXPECT_EQ(spec.step_size, *core::Qty::parse("0.01"));
}

TEST(AbConfig, TheFourModesLoadWithTheirOwnLeverageAndFiltersOverTheTopLevel) {
  const auto cfg = config::load_app_config(std::string(FULCRUM_SOURCE_DIR) + "/deploy/config/four-modes.yaml");
  const auto& ab = cfg.backtest.ab;
  ASSERT_EQ(ab.variants.size(), 4u);
  EXPECT_EQ(ab.baseline, "mode_0_no_risk");
  EXPECT_EQ(ab.variants[0].policies.fixed.leverage_x, 5);
  EXPECT_EQ(ab.variants[1].policies.fixed.leverage_x, 3);
  EXPECT_DOUBLE_EQ(ab.variants[1].policies.fixed.margin_fraction, cfg.backtest.policies.fixed.margin_fraction) << "unlisted keys come from leverage:";
  EXPECT_FALSE(ab.variants[0].filters.any());
  EXPECT_LT(ab.variants[1].filters.max_vpin, 1.0);
  EXPECT_GT(ab.variants[2].filters.min_quote_volume, 0.0);
  EXPECT_TRUE(ab.variants[3].filters.any());
  EXPECT_EQ(strategy::account_list(cfg.backtest), (std::vector<std::string>{"mode_0_no_risk", "mode_1_vpin_only", "mode_2_liquidity_only", "mode_3_full_risk"}));
}

TEST(AbConfig, EveryMistakeNamesItsField) {
  const std::string two = "ab:\n  mode: split\n  variants:\n    - {id: A, policy: fixed, margin_budget: 0.7}\n    - {id: B, policy: kelly, margin_budget: 0.6}\n";
  EXPECT_TRUE(has_issue(issues_of(two), "ab.variants", "add up to"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  variants:\n    - {id: A, policy: fixed}\n    - {id: A, policy: fixed}\n"), "ab.variants[1].id", "already"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  variants:\n    - {id: a-b, policy: fixed}\n"), "ab.variants[0].id", "letters"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  variants:\n    - {id: A, policy: martingale}\n"), "ab.variants[0].policy", "martingale"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  variants:\n    - {id: A, policy: fixed, filters: {max_vpin: 2}}\n"), "ab.variants[0].filters.max_vpin", "≤"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  variants:\n    - {id: A, policy: fixed, leverage: {fixed: {leverage_x: 500}}}\n"),
                        "ab.variants[0].leverage.fixed.leverage_x", "≤"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  variants:\n    - {id: A, policy: fixed, colour: red}\n"), "ab.variants[0].colour", "unknown key"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  baseline: Z\n  variants:\n    - {id: A, policy: fixed}\n"), "ab.baseline", "not a variant"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  on_taint: fallback\n  variants:\n    - {id: A, policy: fixed}\n"), "ab.fallback", "fallback"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  mode: split\n"), "ab.variants", "split mode needs"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  mode: both\n"), "ab.mode", "shadow"));
  EXPECT_TRUE(has_issue(issues_of("backtest: {policies: [fixed]}\nab:\n  variants:\n    - {id: A, policy: fixed}\n"), "ab.variants", "backtest.policies"));
  EXPECT_TRUE(has_issue(issues_of("ab:\n  variants: {id: A}\n"), "ab.variants", "non-empty list"));
  EXPECT_TRUE(issues_of("ab:\n  mode: split\n  on_taint: fallback\n  fallback: B\n  variants:\n    - {id: A, policy: fixed, margin_budget: 0.5}\n"
                        "    - {id: B, policy: kelly, margin_budget: 0.5, weight: 2}\n")
                  .empty());
}
