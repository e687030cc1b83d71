#include <gtest/gtest.h>

#include <cmath>

#include "fulcrum/analytics/metrics.h"
#include "fulcrum/analytics/report.h"
#include "fulcrum/core/time_format.h"

using namespace fulcrum;
using analytics::EquityPoint;

namespace {
const core::TimestampMs kJan1 = *core::parse_utc_ms("2025-01-01");
const core::TimestampMs kDay = core::kMsPerDay;
}  // namespace

TEST(Metrics, DrawdownMonthlyReturnsAndTimeInMarket) {
  analytics::MetricsInput in;
  in.policy = "p";
  in.from_ms = kJan1;
  in.to_ms = *core::parse_utc_ms("2025-03-01");
  in.initial_equity = 100;
  in.equity_curve = {{kJan1 + 10 * kDay, 110}, {kJan1 + 20 * kDay, 99}, {*core::parse_utc_ms("2025-02-01"), 120}, {in.to_ms, 90}};
  in.trades = {{kJan1, kJan1 + 10 * kDay, 10, 5, 100, false}, {kJan1 + 5 * kDay, kJan1 + 15 * kDay, -11, 5, 110, true},
               {kJan1 + 40 * kDay, kJan1 + 45 * kDay, 21, 7, 99, false}};
  const auto m = analytics::compute_metrics(in);
  EXPECT_NEAR(m.max_drawdown, 0.25, 1e-12);  // 120 → 90
  ASSERT_EQ(m.monthly.size(), 2u);
  EXPECT_EQ(m.monthly[0].month, "2025-01");
  EXPECT_NEAR(m.monthly[0].return_fraction, 0.20, 1e-12);  // 100 → 120 at Feb 1
  EXPECT_NEAR(m.monthly[1].return_fraction, -0.25, 1e-12);
  EXPECT_NEAR(m.mean_monthly_return, -0.025, 1e-12);
  EXPECT_EQ(m.wins, 2u);
  EXPECT_EQ(m.losses, 1u);
  EXPECT_EQ(m.liquidations, 1u);
  EXPECT_NEAR(m.mean_return_on_margin, (2.0 - 2.2 + 3.0) / 3, 1e-12);
  EXPECT_NEAR(m.max_return_on_margin, 3.0, 1e-12);
  EXPECT_NEAR(m.time_in_market, 20.0 / 59, 1e-12);  // [0,15] ∪ [40,45] of 59 days
}

TEST(Metrics, SharpeAndSortinoFromDailyReturns) {
  const std::vector<double> r = {0.01, -0.02, 0.015, 0.0, 0.005};
  double mean = 0;
  for (double x : r) mean += x;
  mean /= 5;
  double var = 0, down = 0;
  for (double x : r) var += (x - mean) * (x - mean), down += x < 0 ? x * x : 0;
  EXPECT_NEAR(analytics::sharpe_ratio(r), mean / std::sqrt(var / 4) * std::sqrt(365.0), 1e-12);
  EXPECT_NEAR(analytics::sortino_ratio(r), mean / std::sqrt(down / 5) * std::sqrt(365.0), 1e-12);
  const std::vector<EquityPoint> curve = {{kJan1 + kDay, 110}, {kJan1 + 2 * kDay, 99}};
  const auto d = analytics::daily_returns(curve, 100, kJan1, kJan1 + 2 * kDay);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NEAR(d[0], 0.10, 1e-12);
  EXPECT_NEAR(d[1], -0.10, 1e-12);
}

TEST(Report, EveryFormatCarriesEveryPolicy) {
  analytics::PolicyMetrics a, b;
  a.policy = "fixed";
  b.policy = "kelly";
  a.monthly = {{"2025-01", 0.1}};
  b.monthly = {{"2025-01", -0.05}};
  const std::vector<analytics::PolicyMetrics> all = {a, b};
  for (const auto& text : {analytics::render_text_table(all), analytics::render_markdown(all), analytics::render_csv(all), analytics::render_json(all)}) {
    EXPECT_NE(text.find("fixed"), std::string::npos);
    EXPECT_NE(text.find("kelly"), std::string::npos);
  }
  EXPECT_NE(analytics::render_markdown(all).find("| 2025-01 |"), std::string::npos);
  const auto svg = analytics::render_equity_svg({{"fixed", {{kJan1, 100}, {kJan1 + kDay, 120}}}}, "t", 100);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("polyline"), std::string::npos);
}

TEST(Metrics, TheEquityChartReadsAtAGlance) {
  // Three policies over Jan–Mar 2025: one ends at 10× its start, one halves, one is flat.
  std::vector<analytics::NamedCurve> curves{{"halving", {}}, {"tenfold", {}}, {"flat", {}}};
  for (int d = 0; d <= 89; ++d) {
    const auto t = kJan1 + d * kDay;
    curves[0].curve.push_back({t, 10'000 - 5'000.0 * d / 89});
    curves[1].curve.push_back({t, 10'000 * std::pow(10.0, d / 89.0) * (d == 89 ? 1.2 : 1.0)});
    curves[2].curve.push_back({t, 10'000});
  }
  const auto svg = analytics::render_equity_svg(curves, "t", 10'000);
  // Over 10× from the lowest to the highest value: log scale, with 1-2-5 ticks.
  EXPECT_NE(svg.find("(log scale)"), std::string::npos);
  EXPECT_NE(svg.find(">20k</text>"), std::string::npos);
  EXPECT_NE(svg.find(">50k</text>"), std::string::npos);
  // A dashed line at the initial equity.
  EXPECT_NE(svg.find("initial 10k"), std::string::npos);
  // Calendar ticks on month starts for a three-month span.
  EXPECT_NE(svg.find(">2025-02-01</text>"), std::string::npos);
  EXPECT_NE(svg.find(">2025-03-01</text>"), std::string::npos);
  // Legend by final equity: tenfold, flat, halving.
  const auto tenfold = svg.find(">tenfold ("), flat = svg.find(">flat ("), halving = svg.find(">halving (");
  ASSERT_NE(tenfold, std::string::npos);
  EXPECT_LT(tenfold, flat);
  EXPECT_LT(flat, halving);
  // A drawdown panel with round steps past the halving's −50 %, and a month × policy heatmap: January's
  // return of the halving policy is its equity on Jan 31 over its start, −16.9 %.
  EXPECT_NE(svg.find(">drawdown</text>"), std::string::npos);
  EXPECT_NE(svg.find(">-40%</text>"), std::string::npos);
  EXPECT_NE(svg.find(">-60%</text>"), std::string::npos);
  const double jan = (10'000 - 5'000.0 * 30 / 89) / 10'000 - 1;
  char want[32];
  std::snprintf(want, sizeof want, ">%.1f</text>", jan * 100);
  EXPECT_NE(svg.find(want), std::string::npos) << want;
  EXPECT_NE(svg.find(">2025-03</text>"), std::string::npos);

  // A narrow range stays linear, with round ticks.
  const auto linear = analytics::render_equity_svg({{"a", {{kJan1, 10'000}, {kJan1 + 10 * kDay, 10'730}}}}, "t", 10'000);
  EXPECT_EQ(linear.find("(log scale)"), std::string::npos);
  EXPECT_NE(linear.find(">10200</text>"), std::string::npos);
  EXPECT_NE(linear.find(">2025-01-05</text>"), std::string::npos) << "day ticks for a ten-day span";
}

TEST(Metrics, APolicyThatStoppedTradingIsFlaggedInactive) {
  analytics::MetricsInput in;
  in.policy = "kelly";
  in.from_ms = kJan1;
  in.to_ms = *core::parse_utc_ms("2025-05-01");  // 120 days: a quarter is 30 days
  in.initial_equity = 100;
  in.trades = {{kJan1 + 5 * kDay, kJan1 + 6 * kDay, -1, 10, 100, false}, {kJan1 + 40 * kDay, kJan1 + 41 * kDay, 2, 10, 99, false}};
  auto m = analytics::compute_metrics(in);
  ASSERT_TRUE(m.inactive_since.has_value()) << "no entry in the last 80 days";
  EXPECT_EQ(*m.inactive_since, kJan1 + 40 * kDay);
  EXPECT_NE(analytics::render_markdown({m}).find("**kelly is inactive**: no trade opened since 2025-02-10"), std::string::npos);
  EXPECT_NE(analytics::render_json({m}).find("\"inactive_since\": \"2025-02-10T00:00:00Z\""), std::string::npos);
  in.trades.push_back({in.to_ms - 10 * kDay, in.to_ms - 9 * kDay, 1, 10, 101, false});
  EXPECT_FALSE(analytics::compute_metrics(in).inactive_since.has_value()) << "an entry 10 days before the end";
  in.trades.clear();
  EXPECT_EQ(analytics::compute_metrics(in).inactive_since, kJan1) << "never traded: inactive since the start";
}
