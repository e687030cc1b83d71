// The statistics a research report judges with, each against an independent computation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "fulcrum/analytics/inference.h"
#include "fulcrum/analytics/metrics.h"

using namespace fulcrum::analytics;

TEST(Inference, AucIsTheShareOfPositiveNegativePairsRankedRight) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> coarse(0, 9);  // coarse scores: many ties
  std::vector<double> s;
  std::vector<int> y;
  for (int i = 0; i < 300; ++i) {
    y.push_back(i % 3 == 0);
    s.push_back(coarse(rng) + (y.back() ? 2 : 0));
  }
  double right = 0, pairs = 0;
  for (size_t i = 0; i < s.size(); ++i)
    for (size_t j = 0; j < s.size(); ++j)
      if (y[i] == 1 && y[j] == 0) pairs += 1, right += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
  EXPECT_NEAR(roc_auc(s, y), right / pairs, 1e-12);
  const auto ci = auc_interval(s, y);
  EXPECT_LT(ci.low, ci.estimate);
  EXPECT_GT(ci.high, ci.estimate);
  EXPECT_EQ(roc_auc({1, 2, 3}, {1, 1, 1}), 0.5) << "one class: no skill can be measured";
}

TEST(Inference, NormalQuantileMatchesTabulatedValues) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(normal_quantile(1e-10), -6.361340902404056, 1e-9);
  EXPECT_NEAR(normal_cdf(normal_quantile(0.8)), 0.8, 1e-14);
}

TEST(Inference, DeflatedSharpeIsTheProbabilisticSharpeForOneTrialAndFallsWithMoreTrials) {
  std::mt19937 rng(11);
  std::normal_distribution<double> r(0.001, 0.02);
  std::vector<double> x;
  for (int i = 0; i < 400; ++i) x.push_back(r(rng));
  // PSR by hand: moments with 1/n, Sharpe with n − 1.
  const double n = static_cast<double>(x.size());
  double m = 0;
  for (const double v : x) m += v;
  m /= n;
  double m2 = 0, m3 = 0, m4 = 0, ss = 0;
  for (const double v : x) m2 += std::pow(v - m, 2) / n, m3 += std::pow(v - m, 3) / n, m4 += std::pow(v - m, 4) / n, ss += std::pow(v - m, 2);
  const double sr = m / std::sqrt(ss / (n - 1));
  const double g3 = m3 / std::pow(m2, 1.5), g4 = m4 / (m2 * m2);
  const double psr = 0.5 * std::erfc(-(sr * std::sqrt(n - 1) / std::sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr * sr)) / std::sqrt(2.0));
  EXPECT_NEAR(deflated_sharpe_ratio(x, {sr}), psr, 1e-12);
  const double few = deflated_sharpe_ratio(x, {sr, sr - 0.02, sr + 0.01});
  const double many = deflated_sharpe_ratio(x, {sr, sr - 0.05, sr + 0.04, sr - 0.03, sr + 0.02, sr - 0.06, sr + 0.05, sr, sr - 0.01, sr + 0.03});
  EXPECT_LT(few, psr);
  EXPECT_LT(many, few) << "more and more dispersed trials raise the bar luck alone clears";
}

TEST(Inference, SharpeIntervalHasTheWidthTheoryGivesForIidReturns) {
  std::mt19937 rng(5);
  std::normal_distribution<double> r(0.002, 0.02);
  std::vector<double> x;
  for (int i = 0; i < 1000; ++i) x.push_back(r(rng));
  const auto ci = sharpe_interval(x);
  EXPECT_DOUBLE_EQ(ci.estimate, sharpe_ratio(x));
  EXPECT_LT(ci.low, ci.estimate);
  EXPECT_GT(ci.high, ci.estimate);
  // Lo (2002): se(SR per day) ≈ √((1 + SR²/2)/T), annualised by √365.
  const double daily = ci.estimate / std::sqrt(365.0);
  const double theory = 2 * 1.96 * std::sqrt((1 + daily * daily / 2) / 1000.0) * std::sqrt(365.0);
  EXPECT_NEAR(ci.high - ci.low, theory, 0.25 * theory);
}
