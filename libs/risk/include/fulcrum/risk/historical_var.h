#pragma once
// One-day value at risk by historical simulation: each of the last `window_days` UTC days
// is a scenario in which every symbol moves by its close-to-close return of that day; the
// book's PnL in each scenario is Σ signed notional × return, and the VaR at confidence c is
// the loss at the lower empirical (1 − c) quantile (nearest rank, no interpolation). The
// notional is the position's full size, so the VaR is the leveraged one.
#include <deque>
#include <optional>
#include <vector>

#include "fulcrum/core/clock.h"

namespace fulcrum::risk {

class DailyReturns {
 public:
  DailyReturns(size_t symbols, int window_days) : window_days_(window_days), symbols_(symbols) {}
  // Closes in time order per symbol; the first close of a new UTC day ends the previous
  // day, whose return against the day before becomes a scenario.
  void on_close(size_t symbol, core::TimestampMs time_ms, double close);
  // The VaR (a positive loss in USDT, 0 when every scenario gains) of `signed_notional`
  // (per symbol, + long, − short), over the days on which every exposed symbol has a
  // return; nullopt with fewer than `min_days` such days.
  std::optional<double> value_at_risk(const std::vector<double>& signed_notional, double confidence, int min_days) const;
  // The last close seen for `symbol` (0 before any).
  double last_close(size_t symbol) const { return symbols_[symbol].close; }

 private:
  struct Series {
    int64_t day = -1;
    double close = 0;           // the latest close (of `day`)
    double prev_day_close = 0;  // the close that ended the day before `day`
    std::deque<std::pair<int64_t, double>> returns;  // (day, return), oldest first
  };
  int window_days_;
  std::vector<Series> symbols_;
};

}  // namespace fulcrum::risk
