// Worked examples: Binance's bracket table, its liquidation formula, the seed-001 example.
#include <gtest/gtest.h>

#include "fulcrum/risk/margin.h"
#include "test_support.h"

using namespace fulcrum;

namespace {
using core::Money;
using core::Price;
using core::Qty;
Money M(double v) { return Money::from_double(v); }

risk::LiquidationInput input(int side, double qty, double entry, double wallet, double other_mm = 0, double other_upnl = 0) {
  return {side, Qty::from_double(qty), Price::from_double(entry), M(wallet), M(other_mm), M(other_upnl)};
}
double price_of(const risk::LiquidationResult& r) {
  EXPECT_TRUE(r.price.has_value());
  return r.price ? r.price->to_double() : 0.0;
}
// LP must put the margin balance exactly at maintenance margin — the formula's definition,
// evaluated independently here in doubles.
double margin_gap_at(const risk::LiquidationInput& in, const risk::LiquidationResult& r) {
  const double q = in.quantity.to_double(), lp = price_of(r);
  const double balance = in.wallet_balance.to_double() - in.other_maintenance.to_double() + in.other_unrealized_pnl.to_double() +
                         in.side * q * (lp - in.entry_price.to_double());
  const double maintenance = q * lp * r.mmr.to_double() - r.cum.to_double();
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
  EXPECT_EQ(risk::max_leverage_for_notional(t, M(49'999)), 125);
  EXPECT_EQ(risk::max_leverage_for_notional(t, M(50'000)), 100);
  EXPECT_EQ(risk::max_leverage_for_notional(t, M(5'000'000)), 20);
  // 5 000 000 · 2.5 % − 46 300
  EXPECT_EQ(risk::maintenance_margin(t, M(5'000'000)), M(78'700));
  EXPECT_EQ(risk::initial_margin(M(50'000), 20), M(2'500));  // seed 001: 20x on 1 BTC at 50 000
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
  const auto lng = input(1, 1.0, 50'000, 2'500);
  const auto sht = input(-1, 1.0, 50'000, 2'500);
  const auto l = risk::liquidation_price(t, lng);
  const auto s = risk::liquidation_price(t, sht);
  EXPECT_NEAR(price_of(l), 47'500.0 / 0.996, 1e-7);
  EXPECT_NEAR(price_of(s), 52'550.0 / 1.005, 1e-7);
  // Exact to the 8th decimal, rounded half away from zero: 47 690.76305220883…
  EXPECT_EQ(*l.price, *Price::parse("47690.76305221"));
  EXPECT_EQ(l.bracket_index, 0) << "at 47 688 the notional is back in bracket 1";
  EXPECT_NEAR(margin_gap_at(lng, l), 0, 1e-6);
  EXPECT_NEAR(margin_gap_at(sht, s), 0, 1e-6);
}

TEST(Liquidation, ResolvesTheBracketAtTheLiquidationNotional) {
  const auto t = model::default_binance_brackets();
  // 5.01 BTC at 50 000 = 250 500 (bracket 3), but at ~47 700 it is 239 000 (bracket 2):
  // (12 525 + 50 − 250 500) / (5.01 · 0.005 − 5.01) = 47 728.66…
  const auto in = input(1, 5.01, 50'000, 12'525);
  const auto r = risk::liquidation_price(t, in);
  EXPECT_EQ(r.bracket_index, 1);
  EXPECT_NEAR(price_of(r), (12'525.0 + 50 - 250'500) / (5.01 * 0.005 - 5.01), 1e-7);
  EXPECT_NEAR(margin_gap_at(in, r), 0, 1e-6);
}

TEST(Liquidation, LargePositionDeepBracketShort) {
  const auto t = model::default_binance_brackets();
  // 100 BTC short at 50 000 = 5 M (bracket 4: 2.5 %, cum 46 300), 20x → WB 250 000.
  // (250 000 + 46 300 + 5 000 000) / (2.5 + 100) = 51 671.21…
  const auto in = input(-1, 100, 50'000, 250'000);
  const auto r = risk::liquidation_price(t, in);
  EXPECT_EQ(r.bracket_index, 3);
  EXPECT_NEAR(price_of(r), 5'296'300.0 / 102.5, 1e-7);
  EXPECT_NEAR(margin_gap_at(in, r), 0, 1e-6);
}

TEST(Liquidation, CrossUsesTheOtherPositionsMaintenanceAndPnl) {
  const auto t = model::default_binance_brackets();
  // Cross wallet 10 000; another position needs 300 maintenance and is 1 200 under water.
  auto in = input(1, 2.0, 40'000, 10'000, 300, -1'200);
  const auto r = risk::liquidation_price(t, in);
  // Bracket 2 (0.5 %, cum 50) holds at ~36 000 · 2 = 72 000: (10 000 − 300 − 1 200 + 50 − 80 000) / (0.01 − 2)
  EXPECT_NEAR(price_of(r), (10'000.0 - 300 - 1'200 + 50 - 80'000) / (2 * 0.005 - 2), 1e-7);
  EXPECT_NEAR(margin_gap_at(in, r), 0, 1e-6);
  // More cross wallet pushes the long's liquidation price down.
  in.wallet_balance = M(20'000);
  EXPECT_LT(price_of(risk::liquidation_price(t, in)), price_of(r));
}

TEST(Liquidation, OverCollateralisedLongCannotBeLiquidated) {
  const auto t = model::default_binance_brackets();
  const auto in = input(1, 1.0, 50'000, 60'000);  // 1x with spare margin
  EXPECT_FALSE(risk::liquidation_price(t, in).price.has_value());
}

TEST(Liquidation, InputsTooLargeToRepresentThrowInsteadOfWrapping) {
  const auto t = model::default_binance_brackets();
  // 9e10 USDT of wallet: the exact numerator · 1e20 exceeds 128 bits.
  risk::LiquidationInput in{1, Qty::from_int(1), Price::from_int(50'000), Money::from_raw(9'000'000'000'000'000'000LL), {}, {}};
  EXPECT_THROW(risk::liquidation_price(t, in), core::ArithmeticOverflow);
}

TEST(MarginBrackets, BinancesTableIsSound) { EXPECT_TRUE(model::bracket_table_problems(model::default_binance_brackets()).empty()); }

TEST(MarginBrackets, ImpossibleTablesAreNamed) {
  auto t = model::default_binance_brackets();
  auto problems_with = [](std::vector<model::MarginBracket> b) {
    std::string all;
    for (const auto& p : model::bracket_table_problems(b)) all += p + "\n";
    return all;
  };
  auto high_mmr = t;
  high_mmr[0].maintenance_rate = core::Rate::from_double(0.9);  // 0.9 ≥ 1/125
  model::derive_maintenance_amounts(high_mmr);
  EXPECT_NE(problems_with(high_mmr).find("bracket 1: maintenance rate 0.9 must be below the initial margin rate 1/125"), std::string::npos)
      << problems_with(high_mmr);
  auto rising_leverage = t;
  rising_leverage[2].max_leverage_x = 110;
  EXPECT_NE(problems_with(rising_leverage).find("bracket 3: max leverage 110x must not exceed the previous tier's 100x"), std::string::npos);
  auto bad_cum = t;
  bad_cum[3].maintenance_amount = M(46'000);
  EXPECT_NE(problems_with(bad_cum).find("bracket 4: cum 46000 disagrees with the derived 46300"), std::string::npos);
  auto gap = t;
  gap[2].notional_floor = M(260'000);
  EXPECT_NE(problems_with(gap).find("bracket 3: notional floor 260000 must equal the previous cap 250000"), std::string::npos);
}
