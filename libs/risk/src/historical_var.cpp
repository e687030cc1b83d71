#include "fulcrum/risk/historical_var.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace fulcrum::risk {

void DailyReturns::on_close(size_t symbol, core::TimestampMs time_ms, double close) {
  if (symbol >= symbols_.size() || !(close > 0) || !std::isfinite(close)) return;
  auto& s = symbols_[symbol];
  // A bar closing exactly at 00:00 belongs to the day it ends.
  const int64_t day = (time_ms - 1) / core::kMsPerDay;
  if (s.day >= 0 && day > s.day) {
    if (s.prev_day_close > 0) s.returns.emplace_back(s.day, s.close / s.prev_day_close - 1);
    s.prev_day_close = s.close;
    while (!s.returns.empty() && s.returns.front().first <= day - 1 - window_days_) s.returns.pop_front();
  }
  s.day = std::max(s.day, day);
  s.close = close;
}

std::optional<double> DailyReturns::value_at_risk(const std::vector<double>& signed_notional, double confidence, int min_days) const {
  std::map<int64_t, double> pnl_by_day;
  std::map<int64_t, size_t> exposed_by_day;
  size_t exposed = 0;
  for (size_t s = 0; s < symbols_.size() && s < signed_notional.size(); ++s) {
    if (signed_notional[s] == 0) continue;
    ++exposed;
    for (const auto& [day, r] : symbols_[s].returns) {
      pnl_by_day[day] += signed_notional[s] * r;
      ++exposed_by_day[day];
    }
  }
  if (exposed == 0) return 0.0;
  std::vector<double> pnl;
  for (const auto& [day, p] : pnl_by_day)
    if (exposed_by_day[day] == exposed) pnl.push_back(p);
  if (static_cast<int>(pnl.size()) < min_days || pnl.empty()) return std::nullopt;
  std::sort(pnl.begin(), pnl.end());
  const auto k = static_cast<size_t>(std::floor((1 - confidence) * static_cast<double>(pnl.size())));
  return std::max(0.0, -pnl[std::min(k, pnl.size() - 1)]);
}

}  // namespace fulcrum::risk
