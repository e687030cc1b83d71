#pragma once
// A finished (or stopped) run's accounts, as the backtest engine and the mesh's order
// router both hold them: one paper venue per policy, its equity curve and its decisions.
// The report writer turns this into files; nothing here knows where it came from.
#include <memory>
#include <string>
#include <vector>

#include "fulcrum/analytics/metrics.h"
#include "fulcrum/strategy/order_planner.h"
#include "fulcrum/venue/paper_venue.h"

namespace fulcrum::report {

using core::TimestampMs;

struct PolicyRun {
  std::string policy;
  std::unique_ptr<venue::PaperVenue> venue;
  std::vector<analytics::EquityPoint> equity_curve;
  std::vector<strategy::DecisionRecord> decisions;
};

struct RunResult {
  TimestampMs from_ms = 0, to_ms = 0;
  size_t base_bars = 0;    // inside [from, to)
  size_t warmup_bars = 0;  // before from: features only
  size_t signal_bars = 0, signals = 0;
  std::vector<PolicyRun> runs;
};

// Records the account's equity at `t` on its curve (replacing a point already at `t`) and
// returns it. The backtest and the mesh's order router sample at the same instants
// (strategy::is_equity_sample_instant).
double sample_equity(PolicyRun& run, TimestampMs t);

}  // namespace fulcrum::report
