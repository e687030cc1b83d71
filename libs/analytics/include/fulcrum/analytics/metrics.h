#pragma once
// Performance figures of one policy's account, in the seed report's terms.
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/core/clock.h"

namespace fulcrum::analytics {

using core::TimestampMs;

struct EquityPoint {
  TimestampMs time_ms = 0;
  double equity = 0;
};

struct TradeSummary {
  TimestampMs open_ms = 0, close_ms = 0;
  double net_pnl = 0;        // realised − fees + funding
  double margin = 0;         // the most margin the position held
  double equity_at_open = 0;
  bool liquidated = false;
};

struct MonthReturn {
  std::string month;  // 2025-02
  double return_fraction = 0;
};

struct PolicyMetrics {
  std::string policy;
  std::vector<MonthReturn> monthly;
  double mean_monthly_return = 0;
  double total_return = 0;
  double final_equity = 0;
  double initial_equity = 0;
  size_t trades = 0, wins = 0, losses = 0;
  double win_rate = 0;
  double trades_per_month = 0;
  double mean_return_on_margin = 0, max_return_on_margin = 0, min_return_on_margin = 0;
  double mean_return_on_equity = 0, max_return_on_equity = 0, min_return_on_equity = 0;
  double max_drawdown = 0;
  double sharpe = 0, sortino = 0, calmar = 0;  // daily returns, annualised over 365 days
  size_t liquidations = 0;
  double fees_paid = 0;
  double funding_net = 0;  // + received, − paid
  double time_in_market = 0;  // fraction of the window with any position open
  double window_days = 0;
  std::vector<double> daily;  // the daily returns Sharpe and Sortino come from (paired tests use them)
  TimestampMs daily_first_end_ms = 0;  // the UTC midnight daily[0] ends at: rows of different windows pair by it
  // Total return compounded to a 30-day rate: comparable across windows of any length,
  // unlike a mean of calendar months that a short window cuts into pieces.
  double return_per_30_days() const;
  // Set when the policy opened no trade in the window's last 30 days (or its last quarter,
  // whichever is longer): since its last entry, or since the window's start. A policy that
  // has stopped trading is a finding about the policy, not a result to rank.
  std::optional<TimestampMs> inactive_since;
};

struct MetricsInput {
  std::string policy;
  TimestampMs from_ms = 0, to_ms = 0;
  double initial_equity = 0;
  std::vector<EquityPoint> equity_curve;  // time-ordered, within [from, to]
  std::vector<TradeSummary> trades;
  double fees_paid = 0;
  double funding_net = 0;
};

PolicyMetrics compute_metrics(const MetricsInput& in);

// `in` restricted to [from_ms, to_ms]: the curve inside it, starting from the equity at
// from_ms (the slice's initial equity), and the trades opened inside it; fees and funding
// are left to the caller, who holds the ledger. A leaderboard row that covers part of a run (one version's time) is this.
MetricsInput slice_metrics_input(const MetricsInput& in, TimestampMs from_ms, TimestampMs to_ms);
double equity_at(const std::vector<EquityPoint>& curve, double initial_equity, TimestampMs t);

double max_drawdown(const std::vector<EquityPoint>& curve, double initial_equity);
// Equity at each UTC day boundary in the window, then simple returns between them.
std::vector<double> daily_returns(const std::vector<EquityPoint>& curve, double initial_equity, TimestampMs from_ms, TimestampMs to_ms);
double sharpe_ratio(const std::vector<double>& daily);
double sortino_ratio(const std::vector<double>& daily);

}  // namespace fulcrum::analytics
