// The pre-trade gate: each check rejects its bad order with its code, the observed value
// and the limit, and passes its good one.
#include <gtest/gtest.h>

#include "fulcrum/risk/pre_trade_gate.h"
#include "test_support.h"

using namespace fulcrum;
using core::Money;
using core::Price;
using core::Qty;
using risk::GateReason;

namespace {
risk::PreTradeLimits limits() {
  risk::PreTradeLimits l;
  l.max_leverage_x = 20;
  l.max_order_notional = Money::from_int(10'000);
  l.max_orders_per_instant = 2;
  return l;
}
risk::GateOrder order(const char* qty, const char* price, int lev) { return {*Qty::parse(qty), *Price::parse(price), lev}; }
}  // namespace

TEST(PreTradeGate, LeverageAboveTheLimit) {
  risk::PreTradeGate gate(limits());
  const auto v = gate.check(order("0.01", "50000", 21));
  EXPECT_EQ(v.reason, GateReason::kLeverageAboveLimit);
  EXPECT_EQ(v.observed, 21);
  EXPECT_EQ(v.limit, 20);
  EXPECT_TRUE(gate.check(order("0.01", "50000", 20)).allowed());
}

TEST(PreTradeGate, NotionalAboveTheLimitIsExactFixedPoint) {
  risk::PreTradeGate gate(limits());
  // 0.2 × 50 000 = 10 000 exactly: at the limit passes; one step more does not.
  EXPECT_TRUE(gate.check(order("0.2", "50000", 5)).allowed());
  gate.begin_instant();
  const auto v = gate.check(order("0.20001", "50000", 5));
  EXPECT_EQ(v.reason, GateReason::kNotionalAboveLimit);
  EXPECT_DOUBLE_EQ(v.observed, 10'000.5);
  EXPECT_DOUBLE_EQ(v.limit, 10'000);
  EXPECT_NE(v.detail.find("notional 10000.5 above mesh.risk.max_order_notional 10000"), std::string::npos) << v.detail;
}

TEST(PreTradeGate, OrdersPerInstantCountOnlyWhatPassedAndRestartEachInstant) {
  risk::PreTradeGate gate(limits());
  EXPECT_TRUE(gate.check(order("0.01", "50000", 5)).allowed());
  EXPECT_FALSE(gate.check(order("0.01", "50000", 50)).allowed()) << "a denied order does not use up the instant's budget";
  EXPECT_TRUE(gate.check(order("0.01", "50000", 5)).allowed());
  const auto third = gate.check(order("0.01", "50000", 5));
  EXPECT_EQ(third.reason, GateReason::kOrdersPerInstantAboveLimit);
  EXPECT_EQ(third.observed, 3);
  EXPECT_EQ(third.limit, 2);
  gate.begin_instant();
  EXPECT_TRUE(gate.check(order("0.01", "50000", 5)).allowed());
}

TEST(PreTradeGate, TheTradingStateWinsAndAnOverflowIsARefusal) {
  risk::PreTradeGate gate(limits());
  const risk::GateVerdict halted{GateReason::kTradingHalted, 0, 0, "trading halted: test"};
  EXPECT_EQ(gate.check(order("0.01", "50000", 5), halted).reason, GateReason::kTradingHalted);
  EXPECT_TRUE(gate.check(order("0.01", "50000", 5), risk::GateVerdict{}).allowed()) << "an ACTIVE state passes";
  EXPECT_EQ(gate.check({Qty::from_int(90'000'000'000), Price::from_int(1'000'000), 1}).reason, GateReason::kValueOutOfRange);
}


// --- Seed 001's checklist: each check denies its bad order with its code and passes its good one ---

namespace {
// A 0.01 BTC long at 50 000, 10x, on a 10 000 USDT account: passes every check.
risk::GateContext good_context() {
  risk::GateContext c;
  c.time_ms = 1'700'000'000'000;
  c.side = 1;
  c.opens_position = true;
  c.equity = 10'000;
  c.margin_in_use = 1'000;
  c.open_positions = 2;
  c.bracket_max_leverage_x = 125;
  c.atr_ratio = 1.0;
  c.stop_price = 49'000;         // loss at stop 10 = 0.1 % of equity
  c.liquidation_price = 45'000;  // 8.2 % beyond the stop
  c.var_after = 100;             // 1 % of equity
  c.funding_rate = 0.0001;       // 10.95 % a year
  c.top_of_book_qty = 5;
  return c;
}
risk::PreTradeLimits seed_limits() { return {}; }  // the defaults are the seed's values
struct Case {
  const char* name;
  std::function<void(risk::GateContext&, risk::GateOrder&)> spoil;
  GateReason want;
  double observed, limit;
};
}  // namespace

TEST(PreTradeGate, EveryCheckOfTheSeedChecklist) {
  const std::vector<Case> cases{
      {"leverage above the bracket at this notional", [](auto& c, auto&) { c.bracket_max_leverage_x = 8; }, GateReason::kLeverageAboveBracket, 10, 8},
      {"leverage above 5x while ATR is 1.6x its mean", [](auto& c, auto&) { c.atr_ratio = 1.6; }, GateReason::kLeverageInHighVolatility, 10, 5},
      {"liquidation inside the 3 % buffer", [](auto& c, auto&) { c.liquidation_price = 48'000; }, GateReason::kLiquidationBeforeStop, 1'000.0 / 49'000, 0.03},
      {"liquidation before the stop", [](auto& c, auto&) { c.liquidation_price = 49'500; }, GateReason::kLiquidationBeforeStop, -500.0 / 49'000, 0.03},
      {"loss at the stop above 2 %", [](auto& c, auto& o) { o.quantity = *Qty::parse("0.25"), c.stop_price = 49'000, c.liquidation_price = 40'000; },
       GateReason::kLossAtStopAboveLimit, 0.025, 0.02},
      {"VaR above 3 %", [](auto& c, auto&) { c.var_after = 301; }, GateReason::kVarAboveLimit, 0.0301, 0.03},
      {"margin above 100 % of equity", [](auto& c, auto&) { c.margin_in_use = 9'980; }, GateReason::kMarginAboveLimit, 1.003, 1.0},
      {"an 11th position", [](auto& c, auto&) { c.open_positions = 10; }, GateReason::kOpenPositionsAboveLimit, 11, 10},
      {"funding 0.02 % per hour against a long: 175 % a year",
       [](auto& c, auto&) { c.funding_rate = 0.0002, c.funding_interval_hours = 1; }, GateReason::kFundingAbnormal, 1.752, 0.5},
      {"top of book under 10x the order", [](auto& c, auto&) { c.top_of_book_qty = 0.09; }, GateReason::kBookTooThin, 9, 10},
  };
  const risk::GateOrder base{*Qty::parse("0.01"), *Price::parse("50000"), 10};
  {
    risk::PreTradeGate gate(seed_limits());
    auto c = good_context();
    EXPECT_TRUE(gate.check(base, std::nullopt, &c).allowed()) << gate.check(base, std::nullopt, &c).detail;
  }
  for (const auto& k : cases) {
    risk::PreTradeGate gate(seed_limits());
    auto c = good_context();
    auto o = base;
    k.spoil(c, o);
    const auto v = gate.check(o, std::nullopt, &c);
    EXPECT_EQ(v.reason, k.want) << k.name << ": " << risk::to_string(v.reason) << " " << v.detail;
    EXPECT_NEAR(v.observed, k.observed, 1e-9) << k.name;
    EXPECT_DOUBLE_EQ(v.limit, k.limit) << k.name;
    EXPECT_FALSE(v.detail.empty()) << k.name;
  }
}

TEST(PreTradeGate, FundingAgainstTheOtherSideAndAShortsLiquidation) {
  risk::PreTradeGate gate;
  auto c = good_context();
  c.funding_rate = 0.002;  // 219 % a year, paid by longs: a short receives it
  c.side = -1;
  c.stop_price = 51'000;
  c.liquidation_price = 55'000;
  EXPECT_TRUE(gate.check({*Qty::parse("0.01"), *Price::parse("50000"), 10}, std::nullopt, &c).allowed());
  c.liquidation_price = 52'000;  // a short's liquidation above its stop, but within 3 %
  EXPECT_EQ(gate.check({*Qty::parse("0.01"), *Price::parse("50000"), 10}, std::nullopt, &c).reason, GateReason::kLiquidationBeforeStop);
}

TEST(PreTradeGate, MissingInputsSkipOrFailClosedByConfig) {
  auto c = good_context();
  c.stop_price.reset();
  c.liquidation_price.reset();
  c.var_after.reset();
  const risk::GateOrder o{*Qty::parse("0.01"), *Price::parse("50000"), 10};
  risk::PreTradeGate skipping;
  EXPECT_TRUE(skipping.check(o, std::nullopt, &c).allowed());
  auto strict = seed_limits();
  strict.stop_missing = risk::OnMissing::kFailClosed;
  EXPECT_EQ(risk::PreTradeGate(strict).check(o, std::nullopt, &c).reason, GateReason::kInputMissing);
  strict = seed_limits();
  strict.var_missing = risk::OnMissing::kFailClosed;
  const auto v = risk::PreTradeGate(strict).check(o, std::nullopt, &c);
  EXPECT_EQ(v.reason, GateReason::kInputMissing);
  EXPECT_NE(v.detail.find("VaR"), std::string::npos);
}

TEST(PreTradeGate, ReduceOnlyPassesEverythingButTheStateAndNaNIsRefused) {
  risk::PreTradeGate gate;
  auto c = good_context();
  c.reduce_only = true;
  c.margin_in_use = 1e9;
  c.atr_ratio = 9;
  EXPECT_TRUE(gate.check({*Qty::parse("5"), *Price::parse("50000"), 10}, std::nullopt, &c).allowed());
  auto n = good_context();
  n.equity = std::numeric_limits<double>::quiet_NaN();  // NaN compares false with every limit: it must not pass
  EXPECT_EQ(gate.check({*Qty::parse("0.01"), *Price::parse("50000"), 10}, std::nullopt, &n).reason, GateReason::kValueOutOfRange);
}

TEST(PreTradeGate, TheOrderRateCountsOneSecondOfExchangeTime) {
  auto l = seed_limits();
  l.max_orders_per_second = 3;
  l.max_orders_per_instant = 100;
  risk::PreTradeGate gate(l);
  auto c = good_context();
  const risk::GateOrder o{*Qty::parse("0.01"), *Price::parse("50000"), 10};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(gate.check(o, std::nullopt, &c).allowed());
  const auto v = gate.check(o, std::nullopt, &c);
  EXPECT_EQ(v.reason, GateReason::kOrderRateAboveLimit);
  EXPECT_EQ(v.observed, 4);
  c.time_ms += 1000;  // a second later the window is empty again
  EXPECT_TRUE(gate.check(o, std::nullopt, &c).allowed());
}

TEST(PreTradeGate, ReloadAuditNamesEveryChangedLimit) {
  auto a = seed_limits(), b = seed_limits();
  EXPECT_EQ(risk::describe_changes(a, b), "");
  b.max_var = 0.05;
  b.var_missing = risk::OnMissing::kFailClosed;
  EXPECT_EQ(risk::describe_changes(a, b), "max_var 0.03->0.05 var_missing skip->fail_closed");
}

TEST(PreTradeGate, TheMarginAlertIsEquityWithin120PercentOfMaintenance) {
  // Maintenance 1 000: equity 1 200 is exactly 120 % (alert), 1 200.01 is not; in Binance's
  // terms the alert starts at a margin ratio of 1 000 / 1 200 = 83.3 %.
  EXPECT_TRUE(risk::margin_alert(1'000, 1'200, 1.2));
  EXPECT_FALSE(risk::margin_alert(1'000, 1'200.01, 1.2));
  EXPECT_TRUE(risk::margin_alert(1'000, 900, 1.2));  // past it: still alerting, liquidation nears
  EXPECT_FALSE(risk::margin_alert(0, 0, 1.2)) << "no position, no alert";
  EXPECT_TRUE(risk::margin_alert(1'000, -5, 1.2));
}

// The live feed's health, as market-data writes it and the gatekeeper reads it: fail closed.
TEST(FeedHealth, RoundTripsAndDeniesEntriesOnAStaleOrUnreportedFeed) {
  const risk::FeedHealth written{1'764'000'000'000, {"BTCUSDT", "ETHUSDT"}};
  EXPECT_EQ(risk::encode_feed_health(written), "1764000000000 BTCUSDT,ETHUSDT");
  const auto read = risk::parse_feed_health(risk::encode_feed_health(written));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->reported_ms, written.reported_ms);
  EXPECT_EQ(read->stale_symbols, written.stale_symbols);
  ASSERT_TRUE(risk::parse_feed_health("1764000000000").has_value());
  EXPECT_TRUE(risk::parse_feed_health("1764000000000")->stale_symbols.empty());
  for (const char* bad : {"", "soon", "-5", "0", "17640x BTCUSDT", "1764000000000 BTCUSDT,,ETHUSDT", "1764000000000 "})
    EXPECT_FALSE(risk::parse_feed_health(bad).has_value()) << "'" << bad << "'";

  const int64_t now = written.reported_ms + 1'000;
  // Fresh, and BTCUSDT stale: entries on BTCUSDT denied, on SOLUSDT allowed, reductions always allowed.
  const auto btc = risk::feed_verdict(read, now, 3'000, "BTCUSDT", false);
  ASSERT_TRUE(btc.has_value());
  EXPECT_EQ(btc->reason, risk::GateReason::kFeedStale);
  EXPECT_STREQ(risk::to_string(btc->reason), "FEED_STALE");
  EXPECT_FALSE(risk::feed_verdict(read, now, 3'000, "SOLUSDT", false).has_value());
  EXPECT_FALSE(risk::feed_verdict(read, now, 3'000, "BTCUSDT", true).has_value());
  // Reported 4 s ago with a 3 s limit: market-data went quiet, every entry is denied.
  const auto old = risk::feed_verdict(read, written.reported_ms + 4'000, 3'000, "SOLUSDT", false);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->observed, 4'000);
  EXPECT_EQ(old->limit, 3'000);
  // Never reported (or unreadable): denied too.
  const auto none = risk::feed_verdict(std::nullopt, now, 3'000, "SOLUSDT", false);
  ASSERT_TRUE(none.has_value());
  EXPECT_NE(none->detail.find("not reported"), std::string::npos);
  EXPECT_FALSE(risk::feed_verdict(std::nullopt, now, 3'000, "SOLUSDT", true).has_value());
  // Through the gate: the feed's denial arrives as the state input and wins over every check.
  risk::PreTradeGate gate;
  gate.begin_instant();
  const auto v = gate.check({*core::Qty::parse("0.001"), *core::Price::parse("60000"), 5}, btc);
  EXPECT_EQ(v.reason, risk::GateReason::kFeedStale);
}

// The live account's own brackets, as the gatekeeper knows them: an order above the tier's
// maximum at its notional is denied, and so is every order while the brackets are unread.
TEST(AccountBrackets, DenyLeverageAboveTheAccountsTierAndFailClosedUntilRead) {
  // A capped account, tiers by hand: [0, 10 000) 20x, [10 000, 50 000) 10x, [50 000, 1 000 000) 5x.
  std::vector<model::MarginBracket> tiers{
      {Money::from_int(0), Money::from_int(10'000), 20, *core::Rate::parse("0.01"), Money{}},
      {Money::from_int(10'000), Money::from_int(50'000), 10, *core::Rate::parse("0.025"), Money{}},
      {Money::from_int(50'000), Money::from_int(1'000'000), 5, *core::Rate::parse("0.05"), Money{}},
  };
  model::derive_maintenance_amounts(tiers);
  ASSERT_TRUE(model::bracket_table_problems(tiers).empty());
  const risk::BracketTable account{{"BTCUSDT", tiers}};
  // 0.1 × 60 000 = 6 000: the first tier, 20x at most.
  EXPECT_FALSE(risk::account_bracket_verdict(&account, "BTCUSDT", order("0.1", "60000", 20), false).has_value());
  const auto above = risk::account_bracket_verdict(&account, "BTCUSDT", order("0.1", "60000", 21), false);
  ASSERT_TRUE(above.has_value());
  EXPECT_EQ(above->reason, GateReason::kLeverageAboveBracket);
  EXPECT_EQ(above->observed, 21);
  EXPECT_EQ(above->limit, 20);
  // 0.5 × 60 000 = 30 000: the second tier caps at 10x; exactly 10 000 is already the second tier (floors are inclusive).
  const auto second = risk::account_bracket_verdict(&account, "BTCUSDT", order("0.5", "60000", 11), false);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->limit, 10);
  EXPECT_NE(second->detail.find("30000"), std::string::npos) << second->detail;
  EXPECT_FALSE(risk::account_bracket_verdict(&account, "BTCUSDT", order("0.5", "60000", 10), false).has_value());
  EXPECT_EQ(risk::account_bracket_verdict(&account, "BTCUSDT", order("0.25", "40000", 11), false)->limit, 10);
  EXPECT_FALSE(risk::account_bracket_verdict(&account, "BTCUSDT", order("0.2499", "40000", 20), false).has_value());
  // A reduction always passes, whatever its leverage or the table.
  EXPECT_FALSE(risk::account_bracket_verdict(&account, "BTCUSDT", order("5", "60000", 125), true).has_value());
  EXPECT_FALSE(risk::account_bracket_verdict(nullptr, "BTCUSDT", order("5", "60000", 125), true).has_value());
  // Fail closed: brackets not read yet, or none for the symbol.
  const auto unread = risk::account_bracket_verdict(nullptr, "BTCUSDT", order("0.001", "60000", 1), false);
  ASSERT_TRUE(unread.has_value());
  EXPECT_EQ(unread->reason, GateReason::kLeverageAboveBracket);
  EXPECT_NE(unread->detail.find("not read yet"), std::string::npos);
  const auto unlisted = risk::account_bracket_verdict(&account, "ETHUSDT", order("0.001", "3000", 1), false);
  ASSERT_TRUE(unlisted.has_value());
  EXPECT_NE(unlisted->detail.find("ETHUSDT"), std::string::npos);
  // A notional that does not fit 64-bit money is refused as out of range, never wrapped onto a tier.
  const auto huge = risk::account_bracket_verdict(&account, "BTCUSDT", {Qty::from_raw(INT64_MAX), Price::from_raw(INT64_MAX), 2}, false);
  ASSERT_TRUE(huge.has_value());
  EXPECT_EQ(huge->reason, GateReason::kValueOutOfRange);
  // Through the gate: the account's denial arrives as the state input and wins.
  risk::PreTradeGate gate;
  gate.begin_instant();
  EXPECT_EQ(gate.check(order("0.1", "60000", 21), above).reason, GateReason::kLeverageAboveBracket);
}
