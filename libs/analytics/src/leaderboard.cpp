#include "fulcrum/analytics/leaderboard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "fulcrum/core/number_format.h"

namespace fulcrum::analytics {
namespace {

using core::percent;
std::string num(double v, const char* fmt = "%.3f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string verdict_for(const PolicyMetrics& m, const PolicyMetrics& base, const LeaderboardSettings& s) {
  if (m.liquidations > 0) return "FAIL: " + std::to_string(m.liquidations) + " liquidation(s)";
  if (m.trades < s.min_trades) return "NO VERDICT: " + std::to_string(m.trades) + " trades < " + std::to_string(s.min_trades);
  // "+10 %" of a negative Sharpe is read as 10 % of its size above it.
  const double sharpe_needed = base.sharpe + s.sharpe_gain * std::abs(base.sharpe);
  const double drawdown_allowed = base.max_drawdown * (1 - s.drawdown_cut);
  std::string why;
  if (m.sharpe < sharpe_needed) why += "Sharpe " + num(m.sharpe, "%.2f") + " < " + num(sharpe_needed, "%.2f");
  if (m.max_drawdown > drawdown_allowed) why += std::string(why.empty() ? "" : ", ") + "max DD " + percent(m.max_drawdown) + " > " + percent(drawdown_allowed);
  return why.empty() ? "PASS" : "FAIL: " + why;
}

}  // namespace

std::pair<std::vector<double>, std::vector<double>> common_days(const PolicyMetrics& a, const PolicyMetrics& b) {
  const auto day_index = [](const PolicyMetrics& m, TimestampMs t) { return (t - m.daily_first_end_ms) / core::kMsPerDay; };
  const TimestampMs first = std::max(a.daily_first_end_ms, b.daily_first_end_ms);
  const auto a_from = day_index(a, first), b_from = day_index(b, first);
  const auto n = std::min(static_cast<int64_t>(a.daily.size()) - a_from, static_cast<int64_t>(b.daily.size()) - b_from);
  std::pair<std::vector<double>, std::vector<double>> out;
  if (n <= 0) return out;
  out.first.assign(a.daily.begin() + a_from, a.daily.begin() + a_from + n);
  out.second.assign(b.daily.begin() + b_from, b.daily.begin() + b_from + n);
  return out;
}

std::vector<LeaderboardRow> build_leaderboard(const std::vector<PolicyMetrics>& metrics, const std::string& version, const std::string& config_hash,
                                              const LeaderboardSettings& s) {
  std::vector<RowKey> keys;
  for (const auto& m : metrics) keys.push_back({m.policy, version, config_hash, 0, 0});
  return build_leaderboard(metrics, keys, s);
}

std::vector<LeaderboardRow> build_leaderboard(const std::vector<PolicyMetrics>& metrics, const std::vector<RowKey>& keys, const LeaderboardSettings& s) {
  std::vector<LeaderboardRow> rows;
  if (metrics.empty() || keys.size() != metrics.size()) return rows;
  size_t base_index = 0;
  while (base_index < keys.size() && keys[base_index].variant != s.baseline) ++base_index;
  const PolicyMetrics& base = metrics[base_index < keys.size() ? base_index : 0];
  std::vector<double> p;
  for (size_t i = 0; i < metrics.size(); ++i) {
    const auto& m = metrics[i];
    LeaderboardRow r;
    r.variant = keys[i].variant;
    r.version = keys[i].version;
    r.config_hash = keys[i].config_hash;
    r.from_ms = keys[i].from_ms;
    r.to_ms = keys[i].to_ms;
    r.metrics = &m;
    r.baseline = &m == &base;
    if (r.baseline) {
      r.verdict = "BASELINE";
    } else {
      const auto [mine, theirs] = common_days(m, base);
      r.mean_difference = paired_hac_test(mine, theirs);
      r.sharpe_difference = sharpe_difference(mine, theirs, s.confidence, s.resamples);
      p.push_back(r.sharpe_difference.p_value);
      r.verdict = verdict_for(m, base, s);
    }
    rows.push_back(std::move(r));
  }
  const auto adjusted = holm_adjust(p);
  size_t k = 0;
  for (auto& r : rows)
    if (!r.baseline) r.sharpe_p_holm = adjusted[k++];
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rows[a].metrics->final_equity > rows[b].metrics->final_equity; });
  for (size_t i = 0; i < order.size(); ++i) rows[order[i]].rank = static_cast<int>(i + 1);
  std::sort(rows.begin(), rows.end(), [](const LeaderboardRow& a, const LeaderboardRow& b) { return a.rank < b.rank; });
  return rows;
}

std::string render_leaderboard_text(const std::vector<LeaderboardRow>& rows, const LeaderboardSettings& s) {
  static const char* kMedals[] = {"🥇", "🥈", "🥉"};
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "     %-22s %-14s %-12s %12s %9s %7s %8s %7s %4s  %-26s %-28s %s\n", "variant", "version", "config", "equity", "return", "trades", "max DD",
                "Sharpe", "liq", "mean diff/day (NW t)", "ΔSharpe/day [95% CI] p_holm", "verdict");
  out += line;
  for (const auto& r : rows) {
    const auto& m = *r.metrics;
    const std::string medal = r.rank >= 1 && r.rank <= 3 ? kMedals[r.rank - 1] : "  ";
    std::string mean_diff = "-", sharpe = "-";
    if (!r.baseline) {
      mean_diff = num(r.mean_difference.mean_difference * 100, "%+.4f%%") + " (t " + num(r.mean_difference.t, "%.2f") + ")";
      sharpe = num(r.sharpe_difference.delta, "%+.3f") + " [" + num(r.sharpe_difference.ci_low, "%+.3f") + "," + num(r.sharpe_difference.ci_high, "%+.3f") +
               "] " + num(r.sharpe_p_holm, "%.3f");
    }
    std::snprintf(line, sizeof line, "%s %d %-22s %-14s %-12s %12.2f %9s %7zu %8s %7.2f %4zu  %-26s %-28s %s\n", medal.c_str(), r.rank, r.variant.c_str(), r.version.substr(0, 14).c_str(),
                  r.config_hash.substr(0, 12).c_str(), m.final_equity, percent(m.total_return).c_str(), m.trades, percent(m.max_drawdown).c_str(), m.sharpe,
                  m.liquidations, mean_diff.c_str(), sharpe.c_str(), r.verdict.c_str());
    out += line;
  }
  out += "method: paired daily returns against " + (rows.empty() ? std::string("-") : std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.baseline; })->variant) +
         "; mean difference with a Newey-West (Bartlett) t; Sharpe difference with Ledoit-Wolf (2008) HAC errors and a studentized circular block "
         "bootstrap (" + std::to_string(s.resamples) + " resamples), p Holm-adjusted across variants; verdict: the seed's test (Sharpe +" +
         num(s.sharpe_gain * 100, "%.0f") + " %, max drawdown -" + num(s.drawdown_cut * 100, "%.0f") + " %, no liquidation) once a row has " +
         std::to_string(s.min_trades) + " trades\n";
  return out;
}

std::string render_leaderboard_json(const std::vector<LeaderboardRow>& rows, const LeaderboardSettings& s) {
  nlohmann::json j;
  j["method"] = {{"returns", "daily, paired over the same days"},
                 {"mean_difference", "Newey-West (1987) t, Bartlett kernel, lag floor(4 (n/100)^(2/9))"},
                 {"sharpe_difference", "Ledoit-Wolf (2008): HAC delta-method standard error, studentized circular block bootstrap"},
                 {"resamples", s.resamples},
                 {"confidence", s.confidence},
                 {"multiple_comparisons", "Holm (1979) on the bootstrap p-values"},
                 {"success_test", {{"sharpe_gain", s.sharpe_gain}, {"drawdown_cut", s.drawdown_cut}, {"liquidation", "hard fail"}, {"min_trades", s.min_trades}}}};
  j["rows"] = nlohmann::json::array();
  for (const auto& r : rows) {
    const auto& m = *r.metrics;
    nlohmann::json row{{"rank", r.rank},          {"variant", r.variant},       {"version", r.version},   {"config_hash", r.config_hash},
                       {"from_ms", r.from_ms},    {"to_ms", r.to_ms},
                       {"baseline", r.baseline},  {"equity", m.final_equity},   {"pnl", m.final_equity - m.initial_equity},
                       {"return", m.total_return}, {"win_rate", m.win_rate},     {"trades", m.trades},     {"max_drawdown", m.max_drawdown},
                       {"sharpe", m.sharpe},      {"liquidations", m.liquidations}, {"verdict", r.verdict}};
    if (!r.baseline) {
      row["mean_difference"] = {{"n", r.mean_difference.n}, {"lag", r.mean_difference.lag}, {"mean", r.mean_difference.mean_difference},
                                {"se", r.mean_difference.standard_error}, {"t", r.mean_difference.t}, {"p", r.mean_difference.p_value}};
      row["sharpe_difference"] = {{"delta_per_day", r.sharpe_difference.delta}, {"se", r.sharpe_difference.standard_error},
                                  {"ci_low", r.sharpe_difference.ci_low},      {"ci_high", r.sharpe_difference.ci_high},
                                  {"block", r.sharpe_difference.block},        {"p", r.sharpe_difference.p_value},
                                  {"p_holm", r.sharpe_p_holm}};
    }
    j["rows"].push_back(row);
  }
  return j.dump(2) + "\n";
}

}  // namespace fulcrum::analytics
