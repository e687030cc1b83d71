// The order planner against hand-built signals, through the snapshot gateway the mesh uses.
#include <gtest/gtest.h>

#include "fulcrum/strategy/account_view.h"
#include "fulcrum/strategy/order_planner.h"
#include "test_support.h"

using namespace fulcrum;
using test::kT0;

namespace {

struct Planned {
  std::vector<strategy::PlannedCommand> commands;
  std::vector<strategy::DecisionRecord> decisions;
};

// One signal on BTCUSDT at 100 with its stop at 97, planned by the fixed policy at `lev`.
Planned plan_one(int lev, strategy::PlannerConfig pc, int open_positions_elsewhere = 0) {
  std::vector<model::InstrumentSpec> specs{test::spec("BTCUSDT", "0.01", "0.001"), test::spec("ETHUSDT", "0.01", "0.001")};
  leverage::PolicySuiteConfig policies;
  policies.fixed.leverage_x = lev;
  policies.caps.max_leverage_x = 125;
  venue::PaperVenue v({}, specs, core::Money::from_int(10'000), kT0);
  v.on_bar(0, test::bar(kT0, 100, 100, 100, 100));
  v.on_bar(1, test::bar(kT0, 100, 100, 100, 100));
  if (open_positions_elsewhere) {
    model::OrderRequest r;
    r.client_order_id = "held";
    r.symbol = "ETHUSDT";
    r.quantity = core::Qty::from_int(1);
    r.leverage_x = 5;
    EXPECT_TRUE(v.submit(r, kT0).accepted());  // pending: an entry that has not filled
  }
  // The planner's mechanics: at 20x a 3 % stop sits within seed 001's 3 % of liquidation,
  // and the gate's checklist has its own tests (tests/unit/risk).
  pc.pre_trade.min_liquidation_buffer = 0;
  pc.pre_trade.max_loss_at_stop = 1;
  strategy::VariantSpec fixed;
  fixed.id = fixed.policy = "fixed";
  fixed.policies = policies;
  strategy::OrderPlanner planner(fixed, pc, specs, 10'000);
  const auto view = strategy::view_of(v, 50, kT0 + test::k5m);
  strategy::SnapshotGateway gw(view, specs, core::Rate::from_double(0.0005));
  strategy::InstantSignals in;
  in.time_ms = kT0 + test::k5m;
  in.trading = true;
  signals::Signal sig;
  sig.symbol = "BTCUSDT";
  sig.reference_price = 100;
  sig.stop_price = 97;
  sig.score = 70;
  sig.confidence = 0.7;
  in.entries.push_back({0, {}, sig});
  planner.on_instant(in, gw);
  return {gw.take_commands(), planner.take_decisions()};
}

}  // namespace

TEST(OrderPlanner, TheSeedsTrailingRuleMovesTheExitWithLeverageAndThePriceRuleDoesNot) {
  strategy::PlannerConfig roe;
  strategy::PlannerConfig price;
  price.trailing_arm = strategy::PlannerConfig::TrailingArm::kPrice;
  price.trailing_arm_price_move = 0.0075;
  auto activation = [](const Planned& p) {
    EXPECT_EQ(p.commands.size(), 1u);
    return p.commands.empty() ? 0.0 : p.commands[0].order.attached_trailing_activation.to_double();
  };
  // +15 % ROE is a 3 % move at 5x and a 0.75 % move at 20x.
  EXPECT_DOUBLE_EQ(activation(plan_one(5, roe)), 103.0);
  EXPECT_DOUBLE_EQ(activation(plan_one(20, roe)), 100.75);
  EXPECT_DOUBLE_EQ(activation(plan_one(5, price)), 100.75);
  EXPECT_DOUBLE_EQ(activation(plan_one(20, price)), 100.75);
}

TEST(OrderPlanner, APendingEntryCountsTowardThePositionCapAndTheBlockIsRecorded) {
  strategy::PlannerConfig pc;
  pc.max_open_positions = 1;
  const auto p = plan_one(5, pc, 1);
  EXPECT_TRUE(p.commands.empty()) << "the ETH entry has not filled, but it holds the one slot";
  ASSERT_EQ(p.decisions.size(), 1u);
  EXPECT_EQ(p.decisions[0].outcome, "BLOCKED: MAX_OPEN_POSITIONS: 1 open or pending, cap 1");
}

TEST(OrderPlanner, TheGateDeniesBeforeSubmitAndTheDecisionSaysWhy) {
  strategy::PlannerConfig pc;
  pc.pre_trade.max_leverage_x = 10;
  const auto p = plan_one(20, pc);
  EXPECT_TRUE(p.commands.empty());
  ASSERT_EQ(p.decisions.size(), 1u);
  EXPECT_EQ(p.decisions[0].outcome, "DENIED: LEVERAGE_ABOVE_LIMIT: leverage 20x above mesh.risk.max_leverage_x 10x");
  EXPECT_EQ(p.decisions[0].leverage_x, 20) << "the decision records the leverage the order would have carried";
}
