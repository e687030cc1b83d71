#pragma once
// The leaderboard: one row per (variant, version, config hash), never merged, ranked by
// final equity (🥇🥈🥉), each row against the baseline with the statistics of
// analytics/comparison.h on the paired daily returns (Holm-adjusted across rows), and the
// seed's success test: Sharpe at least 10 % above the baseline's and max drawdown at least
// 20 % below it; any liquidation fails. No verdict is printed below `min_trades` trades.
#include <map>
#include <string>
#include <vector>

#include "fulcrum/analytics/comparison.h"
#include "fulcrum/analytics/metrics.h"

namespace fulcrum::analytics {

struct LeaderboardSettings {
  std::string baseline = "fixed";  // the row every other is tested against (first row if absent)
  size_t min_trades = 1000;        // the seed's minimum sample before a verdict
  double sharpe_gain = 0.10;       // the seed's success test
  double drawdown_cut = 0.20;
  double confidence = 0.95;
  int resamples = 2000;
};

struct LeaderboardRow {
  std::string variant, version, config_hash;
  int rank = 0;  // 1 = highest final equity
  const PolicyMetrics* metrics = nullptr;
  bool baseline = false;
  HacTest mean_difference;          // daily return − baseline's, Newey–West t
  SharpeDifference sharpe_difference;
  double sharpe_p_holm = 1;         // the bootstrap p, Holm-adjusted across the non-baseline rows
  std::string verdict;              // BASELINE, PASS, FAIL: …, NO VERDICT: …
};

// `versions`: a variant's own version label where it has one (a live leverage variant's
// policy_version), else `version`.
std::vector<LeaderboardRow> build_leaderboard(const std::vector<PolicyMetrics>& metrics, const std::string& version, const std::string& config_hash,
                                              const LeaderboardSettings& settings = {}, const std::map<std::string, std::string>& versions = {});
std::string render_leaderboard_text(const std::vector<LeaderboardRow>& rows, const LeaderboardSettings& settings = {});
std::string render_leaderboard_json(const std::vector<LeaderboardRow>& rows, const LeaderboardSettings& settings = {});

}  // namespace fulcrum::analytics
