// A/B variants: the split's hash is deterministic, follows its weights and sticks to a
// position's holder; the budget gateway shows a variant its share of the shared account
// and refuses what does not fit; entry filters block what they name.
#include <gtest/gtest.h>

#include <map>

#include "fulcrum/strategy/account_view.h"
#include "fulcrum/strategy/variant.h"
#include "test_support.h"

using namespace fulcrum;
using test::k5m;
using test::kT0;

namespace {

strategy::VariantSpec variant(const std::string& id, double weight = 1, double budget = 1) {
  strategy::VariantSpec v;
  v.id = id;
  v.policy = "fixed";
  v.weight = weight;
  v.margin_budget = budget;
  return v;
}

}  // namespace

TEST(Split, TheAssigneeIsAFunctionOfSymbolAndInstantAlone) {
  const std::vector<strategy::VariantSpec> ab{variant("A"), variant("B"), variant("C")};
  for (int i = 0; i < 200; ++i) {
    const auto t = kT0 + i * k5m;
    const auto first = strategy::split_assignee(ab, "BTCUSDT", t, "");
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first, strategy::split_assignee(ab, "BTCUSDT", t, ""));
    // Another process builds its own list from the same config: same answer.
    const std::vector<strategy::VariantSpec> copy = ab;
    EXPECT_EQ(first, strategy::split_assignee(copy, "BTCUSDT", t, ""));
  }
}

TEST(Split, SharesFollowTheWeights) {
  const std::vector<strategy::VariantSpec> ab{variant("A", 3), variant("B", 1), variant("Z", 0)};
  std::map<size_t, int> count;
  const int n = 8000;
  const char* symbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"};
  for (int i = 0; i < n; ++i) ++count[*strategy::split_assignee(ab, symbols[i % 4], kT0 + (i / 4) * k5m, "")];
  // Binomial(8000, 0.75): σ ≈ 39 signals, so ±2 % is over 4σ.
  EXPECT_NEAR(count[0] / static_cast<double>(n), 0.75, 0.02);
  EXPECT_NEAR(count[1] / static_cast<double>(n), 0.25, 0.02);
  EXPECT_EQ(count.count(2), 0u) << "a variant of weight 0 never takes a signal";
}

TEST(Split, AnOpenPositionStaysWithItsHolderAndATaintedVariantsShareIsSkippedOrFallsBack) {
  const std::vector<strategy::VariantSpec> ab{variant("A"), variant("B"), variant("C")};
  int to_a = 0;
  for (int i = 0; i < 300; ++i) {
    const auto t = kT0 + i * k5m;
    EXPECT_EQ(strategy::split_assignee(ab, "ETHUSDT", t, "B"), std::optional<size_t>(1));
    EXPECT_EQ(strategy::split_assignee(ab, "ETHUSDT", t, "B", {"B"}, "C"), std::nullopt) << "a tainted holder's symbol is frozen";
    const auto all = *strategy::split_assignee(ab, "ETHUSDT", t, "");
    const auto skip = strategy::split_assignee(ab, "ETHUSDT", t, "", {"A"});
    const auto fallback = strategy::split_assignee(ab, "ETHUSDT", t, "", {"A"}, "C");
    if (all == 0) {
      ++to_a;
      EXPECT_EQ(skip, std::nullopt) << "skip: A's share is not traded";
      EXPECT_EQ(fallback, std::optional<size_t>(2)) << "fallback: A's share goes to C";
    } else {
      EXPECT_EQ(skip, std::optional<size_t>(all)) << "a taint never moves another variant's signals";
      EXPECT_EQ(fallback, std::optional<size_t>(all));
    }
  }
  EXPECT_GT(to_a, 50) << "A's third of 300 picks";
  EXPECT_EQ(strategy::split_assignee(ab, "ETHUSDT", kT0, "", {"A", "B", "C"}, "A"), std::nullopt) << "an excluded fallback takes nothing";
}

TEST(Split, OrdersAreAttributedByTheLongestVariantPrefix) {
  const std::vector<strategy::VariantSpec> ab{variant("mode"), variant("mode_1"), variant("B")};
  EXPECT_EQ(strategy::variant_of_order(ab, "mode_1-17"), "mode_1");
  EXPECT_EQ(strategy::variant_of_order(ab, "mode-3"), "mode");
  EXPECT_EQ(strategy::variant_of_order(ab, "B-1.sl"), "B");
  EXPECT_EQ(strategy::variant_of_order(ab, "kill-4-BTCUSDT"), "");
  EXPECT_EQ(strategy::variant_of_order(ab, "mode_1"), "") << "an id alone is no order of it";
  EXPECT_EQ(strategy::variant_of_order(ab, "Bx-1"), "");
}

namespace {

// A shared account with B's open long on BTCUSDT (entry 100 000, 0.1 BTC, 5x: margin 2 000).
struct SharedAccount {
  std::vector<model::InstrumentSpec> specs{test::spec("BTCUSDT"), test::spec("ETHUSDT", "0.01")};
  strategy::AccountView view;
  SharedAccount() {
    view.equity = core::Money::from_int(10'000);
    view.available_balance = core::Money::from_int(7'500);
    view.positions.resize(2);
    view.positions[0].qty = *core::Qty::parse("0.1");
    view.positions[0].entry_price = core::Price::from_int(100'000);
    view.positions[0].leverage_x = 5;
    view.positions[0].opened_by = "B-1";
    view.has_open_orders = {false, false};
    view.last_prices = {core::Price::from_int(100'000), core::Price::from_int(3'000)};
    view.resting_stop_ids = {"B-1.sl"};
  }
};

}  // namespace

TEST(BudgetGateway, AVariantSeesItsShareAndOnlyItsOwnPositions) {
  SharedAccount acct;
  strategy::SnapshotGateway shared(acct.view, acct.specs, core::Rate::from_double(0.0005));
  strategy::BudgetGateway b(shared, variant("B", 1, 0.4), acct.specs);
  // Budget 40 % of 10 000 = 4 000, less B's 2 000 of margin: 2 000 free (under the account's 7 500).
  EXPECT_EQ(b.equity(), core::Money::from_int(4'000));
  EXPECT_EQ(b.available_balance(), core::Money::from_int(2'000));
  EXPECT_EQ(b.open_position_count(), 1);
  EXPECT_FALSE(b.position(0).qty.is_zero());

  strategy::BudgetGateway a(shared, variant("A", 1, 0.6), acct.specs);
  EXPECT_EQ(a.equity(), core::Money::from_int(6'000));
  EXPECT_EQ(a.available_balance(), core::Money::from_int(6'000));
  EXPECT_EQ(a.open_position_count(), 0);
  EXPECT_TRUE(a.position(0).qty.is_zero()) << "B's position is not A's";
  EXPECT_FALSE(a.amend_stop("B-1.sl", core::Price::from_int(99'000))) << "nor are B's stops";
  EXPECT_TRUE(b.amend_stop("B-1.sl", core::Price::from_int(99'000)));
}

TEST(BudgetGateway, AnEntryBeyondTheBudgetIsRefusedAndOneWithinItGoesThrough) {
  SharedAccount acct;
  strategy::SnapshotGateway shared(acct.view, acct.specs, core::Rate::from_double(0.0005));
  strategy::BudgetGateway a(shared, variant("A", 1, 0.2), acct.specs);  // 2 000 of budget
  auto order = test::market_order("A-1", model::Side::kBuy, "10", 10);  // ETH 10 × 3 000 / 10x = 3 000 of margin
  order.symbol = "ETHUSDT";
  const auto refused = a.submit(order, kT0, "{}");
  EXPECT_EQ(refused.reason, venue::RejectReason::kInsufficientMargin);
  EXPECT_NE(refused.detail.find("variant budget"), std::string::npos);
  order.quantity = *core::Qty::parse("5");  // 1 500 of margin
  EXPECT_TRUE(a.submit(order, kT0, "{}").accepted());
  order.client_order_id = "A-2";
  EXPECT_EQ(a.submit(order, kT0, "{}").reason, venue::RejectReason::kInsufficientMargin) << "the first entry used the budget";
  EXPECT_EQ(shared.take_commands().size(), 1u);
}

TEST(Split, ASymbolWithAPositionGoesToItsHolderWhateverTheHash) {
  SharedAccount acct;
  const std::vector<strategy::VariantSpec> ab{variant("A"), variant("B")};
  strategy::InstantSignals in;
  in.trading = true;
  for (int i = 0; i < 40; ++i) {
    in.time_ms = kT0 + i * k5m;
    in.entries.clear();
    for (size_t s = 0; s < 2; ++s) {
      strategy::InstantEntry e;
      e.symbol = s;
      e.signal = signals::Signal{};
      e.signal->symbol = acct.specs[s].symbol;
      in.entries.push_back(e);
    }
    const auto split = strategy::split_assignment(ab, in, acct.view, {"A", "B"}, "");
    EXPECT_TRUE(split[1][0]) << "BTCUSDT is B's while its position is open";
    EXPECT_FALSE(split[0][0]);
    EXPECT_NE(split[0][1], split[1][1]) << "ETHUSDT goes to exactly one variant";
    const auto b_out = strategy::split_assignment(ab, in, acct.view, {"A"}, "");
    EXPECT_FALSE(b_out[0][0] || b_out[1][0]) << "B's symbol is nobody's while B is out";
    EXPECT_EQ(b_out[0][1], split[0][1]) << "skip: A keeps its own picks, B's are not traded";
    EXPECT_FALSE(b_out[1][1]);
    const auto fallback = strategy::split_assignment(ab, in, acct.view, {"A"}, "A");
    EXPECT_FALSE(fallback[0][0]) << "even with a fallback, B's held symbol stays frozen";
    EXPECT_TRUE(fallback[0][1]) << "fallback: A takes every free signal";
  }
}

// Free-running, an instant's signals can reach the desk before the router's first snapshot
// does, and the next instant's after them: both wait and are planned in order, none lost.
// In lockstep a desk plans an instant only on that instant's view.
TEST(PlanningDesk, SignalsThatComeBeforeTheFirstViewAreEachPlannedInOrder) {
  strategy::RunConfig run;
  run.from_ms = kT0;
  run.to_ms = kT0 + 100 * k5m;
  const std::vector<model::InstrumentSpec> specs{test::spec("BTCUSDT")};
  strategy::AccountView view;
  view.equity = view.available_balance = view.wallet_balance = core::Money::from_int(10'000);
  view.positions.resize(1);
  view.has_open_orders = {false};
  view.last_prices = {core::Price::from_int(100'000)};
  const auto signals_at = [](core::TimestampMs t) {
    strategy::InstantSignals s;
    s.time_ms = t;
    s.trading = true;
    return s;
  };

  strategy::PlanningDesk free_running({variant("A")}, run, specs, false);
  free_running.on_signals(signals_at(kT0));
  EXPECT_FALSE(free_running.plan()) << "no view yet";
  free_running.on_signals(signals_at(kT0 + k5m));
  view.instant_ms = kT0 + k5m;
  ASSERT_TRUE(free_running.on_view(0, view));
  std::vector<core::TimestampMs> planned;
  while (const auto t = free_running.pending_instant()) {
    const auto plan = free_running.plan();
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->size(), 1u);
    planned.push_back(*t);
  }
  EXPECT_EQ(planned, (std::vector<core::TimestampMs>{kT0, kT0 + k5m}));
  EXPECT_FALSE(free_running.plan());

  strategy::PlanningDesk lockstep({variant("A")}, run, specs, true);
  lockstep.on_signals(signals_at(kT0));
  EXPECT_FALSE(lockstep.plan()) << "the view is of another instant";
  view.instant_ms = kT0;
  ASSERT_TRUE(lockstep.on_view(0, view));
  EXPECT_TRUE(lockstep.plan());
  EXPECT_FALSE(lockstep.pending_instant());
}
