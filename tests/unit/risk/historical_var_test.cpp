// Historical-simulation VaR against an independent computation: the same scenarios built
// by hand from the closes, the loss quantile taken with nth_element.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "fulcrum/risk/historical_var.h"

using namespace fulcrum;

namespace {
constexpr core::TimestampMs kDay0 = 1'735'689'600'000;  // 2025-01-01T00:00Z
// Day d's closes of two symbols, deterministic and uneven.
double close_a(int d) { return 100 * (1 + 0.03 * std::sin(d * 1.3) + 0.001 * d); }
double close_b(int d) { return 20 * (1 + 0.05 * std::cos(d * 0.7)); }
}  // namespace

TEST(HistoricalVar, MatchesAnIndependentQuantileOfTheScenarioPnL) {
  const int days = 60, window = 40;
  risk::DailyReturns returns(2, window);
  for (int d = 0; d < days; ++d) {
    // Several bars a day; the day's last close is what counts.
    for (int bar = 1; bar <= 4; ++bar) {
      const auto t = kDay0 + d * core::kMsPerDay + bar * 6 * core::kMsPerHour;
      returns.on_close(0, t, bar == 4 ? close_a(d) : close_a(d) * 0.99);
      returns.on_close(1, t, bar == 4 ? close_b(d) : close_b(d) * 1.01);
    }
  }
  // The closes of the last (unfinished) day are not a return yet: day 59 is still open.
  const std::vector<double> book{50'000, -30'000};
  std::vector<double> pnl;
  for (int d = days - 1 - window; d < days - 1; ++d)
    pnl.push_back(book[0] * (close_a(d) / close_a(d - 1) - 1) + book[1] * (close_b(d) / close_b(d - 1) - 1));
  ASSERT_EQ(pnl.size(), static_cast<size_t>(window));
  const size_t k = static_cast<size_t>(std::floor(0.05 * window));  // 2: the third-worst day
  std::nth_element(pnl.begin(), pnl.begin() + static_cast<long>(k), pnl.end());
  const double expected = std::max(0.0, -pnl[k]);
  const auto var = returns.value_at_risk(book, 0.95, 30);
  ASSERT_TRUE(var);
  EXPECT_NEAR(*var, expected, 1e-6);
  EXPECT_GT(*var, 0);
  EXPECT_FALSE(returns.value_at_risk(book, 0.95, 41)) << "fewer days than asked: unknown, not zero";
  EXPECT_EQ(returns.value_at_risk({0, 0}, 0.95, 30).value_or(-1), 0) << "a flat book risks nothing";
}
