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

// What a row is a row of: a version of a variant over the time it ran (0, 0: the run).
struct RowKey {
  std::string variant, version, config_hash;
  TimestampMs from_ms = 0, to_ms = 0;
};

struct LeaderboardRow {
  std::string variant, version, config_hash;
  TimestampMs from_ms = 0, to_ms = 0;
  int rank = 0;  // 1 = highest final equity
  const PolicyMetrics* metrics = nullptr;
  bool baseline = false;
  HacTest mean_difference;          // daily return − baseline's, Newey–West t
  SharpeDifference sharpe_difference;
  double sharpe_p_holm = 1;         // the bootstrap p, Holm-adjusted across the non-baseline rows
  std::string verdict;              // BASELINE, PASS, FAIL: …, NO VERDICT: …
};

// keys[i] names metrics[i]. The baseline is the first row of the baseline variant; rows
// pair with it over the days both cover (PolicyMetrics::daily_first_end_ms).
std::vector<LeaderboardRow> build_leaderboard(const std::vector<PolicyMetrics>& metrics, const std::vector<RowKey>& keys, const LeaderboardSettings& settings = {});
// One row per account, named by its policy, all of `version` and `config_hash`.
std::vector<LeaderboardRow> build_leaderboard(const std::vector<PolicyMetrics>& metrics, const std::string& version, const std::string& config_hash,
                                              const LeaderboardSettings& settings = {});
// The days two rows both cover, as two equal-length return series.
std::pair<std::vector<double>, std::vector<double>> common_days(const PolicyMetrics& a, const PolicyMetrics& b);
std::string render_leaderboard_text(const std::vector<LeaderboardRow>& rows, const LeaderboardSettings& settings = {});
std::string render_leaderboard_json(const std::vector<LeaderboardRow>& rows, const LeaderboardSettings& settings = {});

}  // namespace fulcrum::analytics
