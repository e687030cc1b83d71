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

