// A/B runs on the bundled sample (deploy/config/four-modes.yaml): the filters block what
// they name, the split account's attribution adds up to the account, and every leaderboard
// row's figures and statistics match an independent computation from the run's own curves.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>

#include "fulcrum/analytics/leaderboard.h"
#include "fulcrum/backtest/engine.h"
#include "fulcrum/config/app_config.h"
#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/report/report_writer.h"
#include "test_support.h"

using namespace fulcrum;

namespace {

struct FourModes {
  config::AppConfig cfg = config::load_app_config(std::string(FULCRUM_SOURCE_DIR) + "/deploy/config/four-modes.yaml");
  marketdata::LoadedData data = marketdata::load_data(cfg.data, [this](const std::string& s) { return cfg.spec_for(s); });
};

// Equity at each UTC midnight after `from` through `to`, as simple returns: written here
// from the definition, not with analytics::daily_returns.
std::vector<double> daily_from_curve(const std::vector<analytics::EquityPoint>& curve, double initial, core::TimestampMs from, core::TimestampMs to) {
  std::vector<double> out;
  double prev = initial;
  for (core::TimestampMs day = from - from % core::kMsPerDay + core::kMsPerDay; day <= to; day += core::kMsPerDay) {
    double e = initial;
    for (const auto& p : curve)
      if (p.time_ms <= day) e = p.equity;
    out.push_back(e / prev - 1);
    prev = e;
  }
  return out;
}

double sharpe_of(const std::vector<double>& r) {
  const double m = std::accumulate(r.begin(), r.end(), 0.0) / static_cast<double>(r.size());
  double v = 0;
  for (double x : r) v += (x - m) * (x - m);
  return m / std::sqrt(v / static_cast<double>(r.size() - 1)) * std::sqrt(365.0);
}

// Newey–West t of the mean of d, Bartlett weights, lag floor(4 (n/100)^(2/9)).
std::pair<double, double> newey_west(const std::vector<double>& d) {
  const auto n = static_cast<double>(d.size());
  const double m = std::accumulate(d.begin(), d.end(), 0.0) / n;
  const int lag = static_cast<int>(std::floor(4 * std::pow(n / 100, 2.0 / 9)));
  double s = 0;
  for (double x : d) s += (x - m) * (x - m);
  s /= n;
  for (int l = 1; l <= lag; ++l) {
    double g = 0;
    for (size_t t = static_cast<size_t>(l); t < d.size(); ++t) g += (d[t] - m) * (d[t - static_cast<size_t>(l)] - m);
    s += 2 * (1 - l / (lag + 1.0)) * g / n;
  }
  return {m, m / std::sqrt(s / n)};
}

}  // namespace

TEST(AbBacktest, FiltersBlockExactlyTheSignalsTheyName) {
  FourModes f;
  const auto result = backtest::run_backtest(f.data.symbols, f.cfg.backtest);
  ASSERT_EQ(result.runs.size(), 4u);
  const double max_vpin = f.cfg.backtest.ab.variants[1].filters.max_vpin;
  size_t blocked = 0, entered = 0;
  for (const auto& d : result.runs[1].decisions) {
    const auto at = d.reason_json.find("\"vpin\":\"");
    ASSERT_NE(at, std::string::npos) << "every signal's decision records its VPIN";
    const double vpin = std::stod(d.reason_json.substr(at + 8));
    if (d.outcome.rfind("BLOCKED: VPIN_FILTER", 0) == 0) {
      ++blocked;
      EXPECT_GT(vpin, max_vpin) << d.outcome;
    } else if (d.outcome == "SUBMITTED" && d.reason_json.find("pyramid_add") == std::string::npos) {
      ++entered;
      EXPECT_LE(vpin, max_vpin + 5e-4) << "the record rounds VPIN to 4 digits";
    }
  }
  EXPECT_GT(blocked, 10u);
  EXPECT_GT(entered, 10u);
  for (const auto& d : result.runs[0].decisions) EXPECT_EQ(d.outcome.find("FILTER"), std::string::npos) << "mode_0 has no filter";
}

TEST(AbBacktest, ShadowRowsAreEachVariantsOwnAccountAndTheStatisticsCheckOut) {
  FourModes f;
  const auto result = backtest::run_backtest(f.data.symbols, f.cfg.backtest);
  const double initial = f.cfg.backtest.initial_equity;
  const auto input = report::leaderboard_input(result, initial, std::nullopt, "test", "hash");
  ASSERT_EQ(input.metrics.size(), 4u);
  analytics::LeaderboardSettings settings;
  settings.baseline = result.baseline;
  settings.resamples = 200;
  const auto rows = analytics::build_leaderboard(input.metrics, input.keys, settings);
  const auto base_daily = daily_from_curve(result.runs[0].equity_curve, initial, result.from_ms, result.to_ms);
  for (const auto& row : rows) {
    size_t r = 0;
    while (result.runs[r].policy != row.variant) ++r;
    const auto& venue = *result.runs[r].venue;
    EXPECT_EQ(row.version, "seed-002");
    EXPECT_NEAR(row.metrics->final_equity, venue.equity().to_double(), 1e-6) << row.variant;
    EXPECT_EQ(row.metrics->trades, venue.closed_trades().size());
    const auto daily = daily_from_curve(result.runs[r].equity_curve, initial, result.from_ms, result.to_ms);
    EXPECT_NEAR(row.metrics->sharpe, sharpe_of(daily), 1e-9) << row.variant;
    if (row.baseline) {
      EXPECT_EQ(row.variant, "mode_0_no_risk");
      continue;
    }
    std::vector<double> diff(daily.size());
    for (size_t i = 0; i < daily.size(); ++i) diff[i] = daily[i] - base_daily[i];
    const auto [mean, t] = newey_west(diff);
    EXPECT_NEAR(row.mean_difference.mean_difference, mean, 1e-12) << row.variant;
    EXPECT_NEAR(row.mean_difference.t, t, 1e-9) << row.variant;
  }
}

TEST(AbBacktest, SplitAttributionAddsUpToTheSharedAccount) {
  FourModes f;
  f.cfg.backtest.ab.mode = strategy::AbMode::kSplit;
  const auto result = backtest::run_backtest(f.data.symbols, f.cfg.backtest);
  ASSERT_EQ(result.runs.size(), 1u);
  const auto& run = result.runs[0];
  EXPECT_EQ(run.policy, "split");
  const auto& variants = run.split_variants;
  ASSERT_EQ(variants.size(), 4u);
  std::map<std::string, size_t> trades;
  for (const auto& t : run.venue->closed_trades()) {
    const auto v = strategy::variant_of_order(variants, t.opened_by);
    ASSERT_FALSE(v.empty()) << "every trade was opened by a variant: " << t.opened_by;
    ++trades[v];
  }
  EXPECT_GE(trades.size(), 3u) << "the hash spreads the signals";
  double attributed = 0;
  for (const auto& v : variants) attributed += report::attributed_equity(run, v);
  EXPECT_NEAR(attributed, run.venue->equity().to_double(), 0.01) << "the budgets sum to 1: the shares are the whole account";

  const auto input = report::leaderboard_input(result, f.cfg.backtest.initial_equity, std::nullopt, "test", "hash");
  ASSERT_EQ(input.metrics.size(), 4u);
  double rows_equity = 0;
  for (size_t i = 0; i < input.metrics.size(); ++i) {
    const auto& m = input.metrics[i];
    EXPECT_EQ(m.trades, trades[input.keys[i].variant]) << input.keys[i].variant;
    EXPECT_NEAR(m.initial_equity, f.cfg.backtest.initial_equity * variants[i].margin_budget, 1e-9);
    rows_equity += m.final_equity;
  }
  EXPECT_NEAR(rows_equity, run.venue->equity().to_double(), 0.01);
}

TEST(AbBacktest, SplitIsDeterministicAndEachSymbolsPositionHasOneHolder) {
  FourModes f;
  f.cfg.backtest.ab.mode = strategy::AbMode::kSplit;
  const auto a = backtest::run_backtest(f.data.symbols, f.cfg.backtest);
  const auto b = backtest::run_backtest(f.data.symbols, f.cfg.backtest);
  EXPECT_EQ(report::ledger_csv(a.runs[0].venue->ledger()), report::ledger_csv(b.runs[0].venue->ledger()));
  // One-way mode nets a symbol's orders: an add or exit by another variant would show as a
  // fill whose order prefix differs from the trade's opener.
  const auto& variants = a.runs[0].split_variants;
  std::map<std::string, std::string> holder;  // symbol → variant of the open position
  std::map<std::string, core::Qty> net;
  size_t checked = 0;
  for (const auto& fill : a.runs[0].venue->fills()) {
    const auto v = strategy::variant_of_order(variants, fill.client_order_id);
    auto& qty = net[fill.symbol];
    if (qty.is_zero()) {
      holder[fill.symbol] = v;
    } else if (!v.empty()) {
      EXPECT_EQ(v, holder[fill.symbol]) << fill.symbol << " " << fill.client_order_id;
      ++checked;
    }
    qty = fill.side == model::Side::kBuy ? qty + fill.quantity : qty - fill.quantity;
  }
  EXPECT_GT(checked, 10u) << "exits and adds were checked, not only entries";
}
