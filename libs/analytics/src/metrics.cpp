#include "fulcrum/analytics/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fulcrum/core/time_format.h"

namespace fulcrum::analytics {
namespace {

double mean(const std::vector<double>& v) { return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

}  // namespace

// Equity as of time t: the last point at or before t (the initial equity before any).
double equity_at(const std::vector<EquityPoint>& curve, double initial, TimestampMs t) {
  auto it = std::upper_bound(curve.begin(), curve.end(), t, [](TimestampMs v, const EquityPoint& p) { return v < p.time_ms; });
  return it == curve.begin() ? initial : std::prev(it)->equity;
}

MetricsInput slice_metrics_input(const MetricsInput& in, TimestampMs from_ms, TimestampMs to_ms) {
  MetricsInput out;
  out.policy = in.policy;
  out.from_ms = std::max(from_ms, in.from_ms);
  out.to_ms = std::max(out.from_ms + 1, std::min(to_ms, in.to_ms));
  out.initial_equity = equity_at(in.equity_curve, in.initial_equity, out.from_ms);
  for (const auto& p : in.equity_curve)
    if (p.time_ms > out.from_ms && p.time_ms <= out.to_ms) out.equity_curve.push_back(p);
  for (const auto& t : in.trades)
    if (t.open_ms >= out.from_ms && t.open_ms < out.to_ms) out.trades.push_back(t);
  return out;  // fees and funding stay 0: they are ledger totals, which the caller sums over the window
}

double max_drawdown(const std::vector<EquityPoint>& curve, double initial_equity) {
  double peak = initial_equity, worst = 0;
  for (const auto& p : curve) {
    peak = std::max(peak, p.equity);
    if (peak > 0) worst = std::max(worst, 1 - p.equity / peak);
  }
  return worst;
}

std::vector<double> daily_returns(const std::vector<EquityPoint>& curve, double initial, TimestampMs from_ms, TimestampMs to_ms) {
  std::vector<double> out;
  double prev = initial;
  for (TimestampMs t = from_ms - from_ms % core::kMsPerDay + core::kMsPerDay; t <= to_ms; t += core::kMsPerDay) {
    const double e = equity_at(curve, initial, t);
    if (prev > 0) out.push_back(e / prev - 1);
    prev = e;
  }
  return out;
}

double sharpe_ratio(const std::vector<double>& daily) {
  if (daily.size() < 2) return 0;
  const double m = mean(daily);
  double var = 0;
  for (double r : daily) var += (r - m) * (r - m);
  const double sd = std::sqrt(var / static_cast<double>(daily.size() - 1));
  return sd > 0 ? m / sd * std::sqrt(365.0) : 0;
}

double sortino_ratio(const std::vector<double>& daily) {
  if (daily.size() < 2) return 0;
  double down = 0;
  for (double r : daily) down += r < 0 ? r * r : 0;
  const double dd = std::sqrt(down / static_cast<double>(daily.size()));
  return dd > 0 ? mean(daily) / dd * std::sqrt(365.0) : 0;
}

double PolicyMetrics::return_per_30_days() const {
  if (!(window_days > 0) || total_return <= -1) return total_return;
  return std::pow(1 + total_return, 30.0 / window_days) - 1;
}

PolicyMetrics compute_metrics(const MetricsInput& in) {
  PolicyMetrics m;
  m.policy = in.policy;
  m.window_days = static_cast<double>(in.to_ms - in.from_ms) / static_cast<double>(core::kMsPerDay);
  {
    TimestampMs last_open = in.from_ms;
    for (const auto& t : in.trades) last_open = std::max(last_open, t.open_ms);
    const TimestampMs quiet = std::max<TimestampMs>(30 * core::kMsPerDay, (in.to_ms - in.from_ms) / 4);
    if (in.to_ms - last_open > quiet) m.inactive_since = last_open;
  }
  m.final_equity = in.equity_curve.empty() ? in.initial_equity : in.equity_curve.back().equity;
  m.total_return = in.initial_equity > 0 ? m.final_equity / in.initial_equity - 1 : 0;

  for (TimestampMs start = in.from_ms; start < in.to_ms;) {
    const TimestampMs end = std::min(core::next_month_start_ms(start), in.to_ms);
    const double e0 = equity_at(in.equity_curve, in.initial_equity, start);
    const double e1 = equity_at(in.equity_curve, in.initial_equity, end);
    m.monthly.push_back({core::format_utc_month(start), e0 > 0 ? e1 / e0 - 1 : 0});
    start = end;
  }
  double sum = 0;
  for (const auto& mr : m.monthly) sum += mr.return_fraction;
  m.mean_monthly_return = m.monthly.empty() ? 0 : sum / static_cast<double>(m.monthly.size());

  m.trades = in.trades.size();
  std::vector<double> rom, roe;
  for (const auto& t : in.trades) {
    if (t.net_pnl > 0) ++m.wins;
    else ++m.losses;
    if (t.liquidated) ++m.liquidations;
    if (t.margin > 0) rom.push_back(t.net_pnl / t.margin);
    if (t.equity_at_open > 0) roe.push_back(t.net_pnl / t.equity_at_open);
  }
  m.win_rate = m.trades ? static_cast<double>(m.wins) / static_cast<double>(m.trades) : 0;
  const double months = static_cast<double>(in.to_ms - in.from_ms) / (30.436875 * core::kMsPerDay);
  m.trades_per_month = months > 0 ? static_cast<double>(m.trades) / months : 0;
  if (!rom.empty()) {
    m.mean_return_on_margin = mean(rom);
    m.max_return_on_margin = *std::max_element(rom.begin(), rom.end());
    m.min_return_on_margin = *std::min_element(rom.begin(), rom.end());
  }
  if (!roe.empty()) {
    m.mean_return_on_equity = mean(roe);
    m.max_return_on_equity = *std::max_element(roe.begin(), roe.end());
    m.min_return_on_equity = *std::min_element(roe.begin(), roe.end());
  }

  m.max_drawdown = max_drawdown(in.equity_curve, in.initial_equity);
  const auto daily = daily_returns(in.equity_curve, in.initial_equity, in.from_ms, in.to_ms);
  m.sharpe = sharpe_ratio(daily);
  m.daily = daily;
  m.daily_first_end_ms = in.from_ms - in.from_ms % core::kMsPerDay + core::kMsPerDay;
  m.initial_equity = in.initial_equity;
  m.sortino = sortino_ratio(daily);
  const double years = static_cast<double>(in.to_ms - in.from_ms) / (365.0 * core::kMsPerDay);
  const double annual = years > 0 && m.final_equity > 0 ? std::pow(m.final_equity / in.initial_equity, 1 / years) - 1 : -1;
  m.calmar = m.max_drawdown > 0 ? annual / m.max_drawdown : 0;

  m.fees_paid = in.fees_paid;
  m.funding_net = in.funding_net;

  // Union of holding intervals, clipped to the window.
  std::vector<std::pair<TimestampMs, TimestampMs>> spans;
  for (const auto& t : in.trades) spans.emplace_back(std::max(t.open_ms, in.from_ms), std::min(t.close_ms, in.to_ms));
  std::sort(spans.begin(), spans.end());
  TimestampMs covered = 0, cur_start = 0, cur_end = -1;
  for (const auto& [a, b] : spans) {
    if (b <= a) continue;
    if (a > cur_end) {
      if (cur_end > cur_start) covered += cur_end - cur_start;
      cur_start = a, cur_end = b;
    } else {
      cur_end = std::max(cur_end, b);
    }
  }
  if (cur_end > cur_start) covered += cur_end - cur_start;
  m.time_in_market = in.to_ms > in.from_ms ? static_cast<double>(covered) / static_cast<double>(in.to_ms - in.from_ms) : 0;
  return m;
}

}  // namespace fulcrum::analytics
