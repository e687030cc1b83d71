// The leaderboard: ranked by equity, one baseline, the seed's verdicts, and statistics that
// are the comparison functions' own (recomputed here) with Holm across the rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "fulcrum/analytics/leaderboard.h"

using namespace fulcrum;

namespace {
analytics::PolicyMetrics row(const std::string& name, double equity, double sharpe, double dd, size_t trades, size_t liquidations, uint64_t seed, double edge) {
  analytics::PolicyMetrics m;
  m.policy = name;
  m.initial_equity = 10'000;
  m.final_equity = equity;
  m.total_return = equity / 10'000 - 1;
  m.sharpe = sharpe;
  m.max_drawdown = dd;
  m.trades = trades;
  m.liquidations = liquidations;
  std::mt19937_64 common(1), own(seed);
  std::normal_distribution<double> n(0, 0.01);
  for (int d = 0; d < 300; ++d) m.daily.push_back(n(common) + 0.3 * n(own) + edge);
  return m;
}
}  // namespace

TEST(Leaderboard, RanksByEquityTestsAgainstTheBaselineAndGivesTheSeedsVerdicts) {
  const std::vector<analytics::PolicyMetrics> m{
      row("fixed", 10'500, 1.0, 0.10, 1500, 0, 2, 0.0),
      row("better", 12'000, 1.2, 0.07, 1500, 0, 3, 0.002),    // +20 % Sharpe, −30 % DD: PASS
      row("greedy", 13'000, 1.5, 0.30, 1500, 0, 4, 0.001),    // Sharpe up, drawdown up: FAIL
      row("reckless", 14'000, 2.0, 0.05, 1500, 1, 5, 0.003),  // a liquidation: FAIL whatever else
      row("young", 9'000, 3.0, 0.01, 999, 0, 6, 0.0),         // too few trades: no verdict
  };
  analytics::LeaderboardSettings s;
  s.resamples = 300;
  const auto rows = analytics::build_leaderboard(m, "1.2.3", "abc123", s);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].variant, "reckless");
  EXPECT_EQ(rows[0].rank, 1);
  EXPECT_EQ(rows[4].variant, "young");
  for (const auto& r : rows) {
    EXPECT_EQ(r.version, "1.2.3");
    EXPECT_EQ(r.config_hash, "abc123");
    const std::map<std::string, std::string> want{{"fixed", "BASELINE"},
                                                  {"better", "PASS"},
                                                  {"greedy", "FAIL: max DD 30.00% > 8.00%"},
                                                  {"reckless", "FAIL: 1 liquidation(s)"},
                                                  {"young", "NO VERDICT: 999 trades < 1000"}};
    EXPECT_EQ(r.verdict, want.at(r.variant));
  }
  // The statistics are the comparison functions' on the paired daily returns, and the
  // Holm adjustment runs over the four non-baseline rows in their input order.
  std::vector<double> p;
  for (size_t i = 1; i < m.size(); ++i) p.push_back(analytics::sharpe_difference(m[i].daily, m[0].daily, 0.95, 300).p_value);
  const auto holm = analytics::holm_adjust(p);
  for (size_t i = 1; i < m.size(); ++i) {
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.variant == m[i].policy; });
    EXPECT_DOUBLE_EQ(it->sharpe_p_holm, holm[i - 1]) << m[i].policy;
    EXPECT_DOUBLE_EQ(it->mean_difference.t, analytics::paired_hac_test(m[i].daily, m[0].daily).t) << m[i].policy;
  }
  const auto text = analytics::render_leaderboard_text(rows, s);
  EXPECT_NE(text.find("🥇 1 reckless"), std::string::npos) << text;
  EXPECT_NE(text.find("Ledoit-Wolf"), std::string::npos);
  const auto json = analytics::render_leaderboard_json(rows, s);
  EXPECT_NE(json.find("\"multiple_comparisons\": \"Holm (1979) on the bootstrap p-values\""), std::string::npos);
}
