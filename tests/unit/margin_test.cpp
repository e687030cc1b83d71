// Worked examples: Binance's bracket table, its liquidation formula, the seed-001 example.
#include <gtest/gtest.h>

#include "fulcrum/risk/margin.h"
#include "test_support.h"

using namespace fulcrum;

namespace {
// LP must put the margin balance exactly at maintenance margin — the formula's definition.
double margin_gap_at(const risk::LiquidationInput& in, const risk::LiquidationResult& r) {
  const double balance = in.wallet_balance - in.other_maintenance + in.other_unrealized_pnl + in.side * in.quantity * (r.price - in.entry_price);
  const double maintenance = in.quantity * r.price * r.mmr - r.cum;
  return balance - maintenance;
}
}  // namespace

TEST(MarginBrackets, DerivedMaintenanceAmountsMatchBinancesPublishedTable) {
  // Binance publishes cum for BTCUSDT as 0, 50, 1 300, 46 300, 421 300, 1 921 300,
  // 3 921 300, 6 421 300, 26 421 300, 101 421 300; we derive them from floors and rates.
  const double published[] = {0, 50, 1'300, 46'300, 421'300, 1'921'300, 3'921'300, 6'421'300, 26'421'300, 101'421'300};
  const auto table = model::default_binance_brackets();
  ASSERT_EQ(table.size(), std::size(published));
  for (size_t i = 0; i < table.size(); ++i) EXPECT_DOUBLE_EQ(table[i].maintenance_amount.to_double(), published[i]) << "bracket " << i + 1;
}

TEST(MarginBrackets, LookupByNotional) {
  const auto t = model::default_binance_brackets();
  EXPECT_EQ(risk::max_leverage_for_notional(t, 49'999), 125);
  EXPECT_EQ(risk::max_leverage_for_notional(t, 50'000), 100);
  EXPECT_EQ(risk::max_leverage_for_notional(t, 5'000'000), 20);
  // 5 000 000 · 2.5 % − 46 300
  EXPECT_DOUBLE_EQ(risk::maintenance_margin(t, 5'000'000), 78'700);
  EXPECT_DOUBLE_EQ(risk::initial_margin(50'000, 20), 2'500);  // seed 001: 20x on 1 BTC at 50 000
}

TEST(Liquidation, SeedDocumentExampleInItsSimplifiedForm) {
  // Seed 001: long at 50 000, 20x, MMR 3 % → 50 000 · (1 − 5 % + 3 %) = 49 000.
  EXPECT_DOUBLE_EQ(risk::liquidation_price_simplified(1, 50'000, 20, 0.03), 49'000);
  EXPECT_DOUBLE_EQ(risk::liquidation_price_simplified(-1, 50'000, 20, 0.03), 51'000);
}

TEST(Liquidation, IsolatedLongAndShortByHand) {
  const auto t = model::default_binance_brackets();
  // 1 BTC at 50 000, 20x → WB 2 500; notional 50 000 is bracket 2 (0.5 %, cum 50).
  // Long: with bracket 2, (2 500 + 50 − 50 000) / (0.005 − 1) = 47 688.44, where the
  // notional (47 688) falls in bracket 1, so Binance re-solves with 0.4 %, cum 0:
  // (2 500 − 50 000) / (0.004 − 1) = 47 690.7630…
  // Short: (2 500 + 50 + 50 000) / (0.005 + 1) = 52 288.5572…, still bracket 2.
  risk::LiquidationInput lng{1, 1.0, 50'000, 2'500, 0, 0};
  risk::LiquidationInput sht{-1, 1.0, 50'000, 2'500, 0, 0};
  const auto l = risk::liquidation_price(t, lng);
  const auto s = risk::liquidation_price(t, sht);
  EXPECT_NEAR(l.price, 47'500.0 / 0.996, 1e-6);
  EXPECT_NEAR(s.price, 52'550.0 / 1.005, 1e-6);
  EXPECT_EQ(l.bracket_index, 0) << "at 47 688 the notional is back in bracket 1";
  EXPECT_NEAR(margin_gap_at(lng, l), 0, 1e-6);
  EXPECT_NEAR(margin_gap_at(sht, s), 0, 1e-6);
}

TEST(Liquidation, ResolvesTheBracketAtTheLiquidationNotional) {
  const auto t = model::default_binance_brackets();
  // 5.01 BTC at 50 000 = 250 500 (bracket 3), but at ~47 700 it is 239 000 (bracket 2):
  // (12 525 + 50 − 250 500) / (5.01 · 0.005 − 5.01) = 47 728.66…
  risk::LiquidationInput in{1, 5.01, 50'000, 12'525, 0, 0};
  const auto r = risk::liquidation_price(t, in);
  EXPECT_EQ(r.bracket_index, 1);
  EXPECT_NEAR(r.price, (12'525.0 + 50 - 250'500) / (5.01 * 0.005 - 5.01), 1e-6);
  EXPECT_NEAR(margin_gap_at(in, r), 0, 1e-6);
}

TEST(Liquidation, LargePositionDeepBracketShort) {
  const auto t = model::default_binance_brackets();
  // 100 BTC short at 50 000 = 5 M (bracket 4: 2.5 %, cum 46 300), 20x → WB 250 000.
  // (250 000 + 46 300 + 5 000 000) / (2.5 + 100) = 51 671.21…
  risk::LiquidationInput in{-1, 100, 50'000, 250'000, 0, 0};
  const auto r = risk::liquidation_price(t, in);
  EXPECT_EQ(r.bracket_index, 3);
  EXPECT_NEAR(r.price, 5'296'300.0 / 102.5, 1e-6);
  EXPECT_NEAR(margin_gap_at(in, r), 0, 1e-6);
}

TEST(Liquidation, CrossUsesTheOtherPositionsMaintenanceAndPnl) {
  const auto t = model::default_binance_brackets();
  // Cross wallet 10 000; another position needs 300 maintenance and is 1 200 under water.
  risk::LiquidationInput in{1, 2.0, 40'000, 10'000, 300, -1'200};
  const auto r = risk::liquidation_price(t, in);
  // Bracket 2 (0.5 %, cum 50) holds at ~36 000 · 2 = 72 000: (10 000 − 300 − 1 200 + 50 − 80 000) / (0.01 − 2)
  EXPECT_NEAR(r.price, (10'000.0 - 300 - 1'200 + 50 - 80'000) / (2 * 0.005 - 2), 1e-6);
  EXPECT_NEAR(margin_gap_at(in, r), 0, 1e-6);
  // More cross wallet pushes the long's liquidation price down.
  in.wallet_balance = 20'000;
  EXPECT_LT(risk::liquidation_price(t, in).price, r.price);
}

TEST(Liquidation, OverCollateralisedLongCannotBeLiquidated) {
  const auto t = model::default_binance_brackets();
  risk::LiquidationInput in{1, 1.0, 50'000, 60'000, 0, 0};  // 1x with spare margin
  EXPECT_LE(risk::liquidation_price(t, in).price, 0);
}
