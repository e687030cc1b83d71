// Seed 003 worked examples and seed 001 caps.
#include <gtest/gtest.h>

#include <cmath>

#include "fulcrum/risk/caps.h"
#include "fulcrum/risk/sizing.h"

using namespace fulcrum::risk;

TEST(Kelly, SeedExamples) {
  EXPECT_NEAR(kelly_fraction(0.55, 2.0), 0.325, 1e-12);           // seed 003: 32.5 %
  EXPECT_NEAR(kelly_fraction(0.6, 1.5) / 2, (0.9 - 0.4) / 1.5 / 2, 1e-12);  // seed 001 half-Kelly
  EXPECT_LT(kelly_fraction(0.3, 1.0), 0) << "no edge";
  EXPECT_THROW(kelly_fraction(0.5, 0), std::invalid_argument);
}

TEST(RiskParity, SeedExampleWeights) {
  const auto w = risk_parity_weights({0.20, 0.10, 0.05});
  EXPECT_NEAR(w[0], 1.0 / 7, 1e-12);  // 14.3 %
  EXPECT_NEAR(w[1], 2.0 / 7, 1e-12);  // 28.6 %
  EXPECT_NEAR(w[2], 4.0 / 7, 1e-12);  // 57.1 %
  EXPECT_THROW(risk_parity_weights({0.1, 0}), std::invalid_argument);
}

TEST(PositionSize, SeedCalculatorExample) {
  // 50 000 equity, 2 % risk, entry 19 500, stop 19 450, 20 per point → 1 contract, 1 000 at risk.
  EXPECT_NEAR(position_size_from_risk(50'000, 0.02, 19'500, 19'450, 20), 1.0, 1e-12);
  EXPECT_THROW(position_size_from_risk(1, 0.02, 100, 100), std::invalid_argument);
}

TEST(FixedRatio, JonesRuleNeedsNTimesDeltaForTheNextUnit) {
  EXPECT_EQ(fixed_ratio_units_jones(6'000, 2'000), 3);   // seed 003
  EXPECT_EQ(fixed_ratio_units_jones(12'000, 2'000), 4);  // seed 003
  EXPECT_EQ(fixed_ratio_units_jones(0, 2'000), 1);
  EXPECT_EQ(fixed_ratio_units_jones(-500, 2'000), 1);
  // Against the rule itself: N units need delta · N(N−1)/2 of profit.
  for (double profit = 0; profit < 200'000; profit += 777) {
    int n = 1;
    while (2'000.0 * (n + 1) * n / 2 <= profit) ++n;
    EXPECT_EQ(fixed_ratio_units_jones(profit, 2'000), n) << profit;
  }
}

TEST(FixedRatio, DocumentsLinearForm) {
  EXPECT_EQ(fixed_ratio_units_linear(2'000, 2'000), 2);
  EXPECT_EQ(fixed_ratio_units_linear(6'000, 2'000), 4);   // seed 003
  EXPECT_EQ(fixed_ratio_units_linear(12'000, 2'000), 7);  // seed 003
}

TEST(Var, OneDayParametric) { EXPECT_NEAR(one_day_var95(100'000, 0.02), 1.6448536269514722 * 2'000, 1e-9); }

TEST(GlobalCaps, AtrAboveOneAndAHalfTimesItsMeanCapsAtFive) {
  GlobalCapsConfig cfg;
  cfg.max_leverage_x = 30;
  MarketRiskContext ctx;
  ctx.atr_ratio = 1.6;
  auto r = apply_global_caps(20, ctx, cfg);
  EXPECT_EQ(r.leverage_x, 5);
  ASSERT_EQ(r.caps_applied.size(), 1u);
  ctx.atr_ratio = 1.4;
  EXPECT_EQ(apply_global_caps(20, ctx, cfg).leverage_x, 20);
  ctx.greed_index = 80;
  EXPECT_EQ(apply_global_caps(20, ctx, cfg).leverage_x, 3);
  ctx.exchange_reserves_falling = true;
  EXPECT_EQ(apply_global_caps(20, ctx, cfg).leverage_x, 2);
  EXPECT_EQ(apply_global_caps(50, MarketRiskContext{}, cfg).leverage_x, 30);
}
