// The leaderboard's statistics against worked examples and independent computations.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "fulcrum/analytics/comparison.h"

using namespace fulcrum;

TEST(Comparison, NeweyWestTOnAWorkedExample) {
  // d = 1,2,3,4 (b = 0), lag 1: mean 2.5; γ0 = (2.25+0.25+0.25+2.25)/4 = 1.25;
  // γ1 = ((−0.5)(−1.5) + (0.5)(−0.5) + (1.5)(0.5))/4 = 0.3125; weight 1 − 1/2:
  // long-run variance 1.25 + 2·0.5·0.3125 = 1.5625; se = √(1.5625/4) = 0.625; t = 4.
  const auto r = analytics::paired_hac_test({1, 2, 3, 4}, {0, 0, 0, 0}, 1);
  EXPECT_DOUBLE_EQ(r.mean_difference, 2.5);
  EXPECT_DOUBLE_EQ(r.standard_error, 0.625);
  EXPECT_DOUBLE_EQ(r.t, 4.0);
  EXPECT_NEAR(r.p_value, 6.334248366623996e-05, 1e-15);  // 2·(1 − Φ(4))
  EXPECT_EQ(analytics::newey_west_lag(100), 4);
  EXPECT_EQ(analytics::newey_west_lag(365), 5);  // ⌊4·3.65^(2/9)⌋ = ⌊5.33⌋
}

TEST(Comparison, HolmOnAWorkedExample) {
  // Sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → monotone 0.06.
  const auto adj = analytics::holm_adjust({0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(adj.size(), 4u);
  EXPECT_DOUBLE_EQ(adj[0], 0.03);
  EXPECT_DOUBLE_EQ(adj[1], 0.06);
  EXPECT_DOUBLE_EQ(adj[2], 0.06);
  EXPECT_DOUBLE_EQ(adj[3], 0.02);
}

TEST(Comparison, SharpeDifferenceStandardErrorMatchesTheDeltaMethodByHand) {
  // Lag 0: Ψ is the plain covariance of (a−μa, b−μb, a²−E a², b²−E b²); ∇ᵀΨ∇ written out as
  // the full 4×4 sum, a different path from the library's projected series.
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::vector<double> a, b;
  for (int t = 0; t < 500; ++t) {
    const double common = noise(rng);
    a.push_back(0.001 + common + noise(rng));
    b.push_back(0.0002 + common + 0.5 * noise(rng));
  }
  const double n = 500;
  double ma = 0, mb = 0, ga = 0, gb = 0;
  for (int t = 0; t < 500; ++t) ma += a[t] / n, mb += b[t] / n, ga += a[t] * a[t] / n, gb += b[t] * b[t] / n;
  const double va = ga - ma * ma, vb = gb - mb * mb;
  const double g[4] = {ga / std::pow(va, 1.5), -gb / std::pow(vb, 1.5), -ma / (2 * std::pow(va, 1.5)), mb / (2 * std::pow(vb, 1.5))};
  double psi[4][4] = {};
  for (int t = 0; t < 500; ++t) {
    const double y[4] = {a[t] - ma, b[t] - mb, a[t] * a[t] - ga, b[t] * b[t] - gb};
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) psi[i][j] += y[i] * y[j] / n;
  }
  double q = 0;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) q += g[i] * psi[i][j] * g[j];
  EXPECT_NEAR(analytics::sharpe_difference_se(a, b, 0), std::sqrt(q / n), 1e-12);
  const auto d = analytics::sharpe_difference(a, b, 0.95, 500);
  EXPECT_NEAR(d.delta, ma / std::sqrt(va) - mb / std::sqrt(vb), 1e-12);
}

TEST(Comparison, TheBootstrapIsReproducibleSymmetricAndSeesAClearWinner) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::vector<double> base, better, same;
  for (int t = 0; t < 400; ++t) {
    const double x = noise(rng);
    base.push_back(x);
    better.push_back(x + 0.004 + 0.3 * noise(rng));  // the same days plus a steady edge
  }
  const auto d1 = analytics::sharpe_difference(better, base, 0.95, 1000, 0, 42);
  const auto d2 = analytics::sharpe_difference(better, base, 0.95, 1000, 0, 42);
  EXPECT_EQ(d1.ci_low, d2.ci_low);
  EXPECT_EQ(d1.p_value, d2.p_value);
  EXPECT_GT(d1.delta, 0);
  EXPECT_LT(d1.ci_low, d1.delta);
  EXPECT_GT(d1.ci_high, d1.delta);
  EXPECT_GT(d1.ci_low, 0) << "a steady edge on the same days is not luck";
  EXPECT_LT(d1.p_value, 0.01);
  EXPECT_EQ(d1.block, 8u);  // ⌈400^(1/3)⌉
  const auto mirrored = analytics::sharpe_difference(base, better, 0.95, 1000, 0, 42);
  EXPECT_NEAR(mirrored.delta, -d1.delta, 1e-12);
  EXPECT_NEAR(mirrored.standard_error, d1.standard_error, 1e-12);
  const auto nothing = analytics::sharpe_difference(base, base, 0.95, 200);
  EXPECT_EQ(nothing.delta, 0);
  EXPECT_EQ(nothing.p_value, 1);  // no difference: the studentized statistic is undefined, nothing is claimed
}
