#pragma once
// The research backtest: one pass over merged real data, features and signals computed
// once, and one paper-venue account per leverage policy, so every policy sees the same
// signals at the same instants.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fulcrum/analytics/metrics.h"
#include "fulcrum/features/feature_set.h"
#include "fulcrum/leverage/policies.h"
#include "fulcrum/signals/breakout.h"
#include "fulcrum/strategy/order_planner.h"
#include "fulcrum/venue/paper_venue.h"

namespace fulcrum::backtest {

using core::TimestampMs;

struct SymbolData {
  model::InstrumentSpec spec;
  std::vector<model::Bar> bars;          // base bars (1m, 5m …), time-ordered
  std::vector<model::Bar> mark_bars;     // optional
  std::vector<model::FundingEvent> funding;
};

struct BacktestConfig {
  TimestampMs from_ms = 0;            // trading window; earlier data only warms features up
  TimestampMs to_ms = 0;
  double initial_equity = 10'000;
  venue::VenueConfig venue;
  features::FeatureConfig features;
  signals::BreakoutConfig signal;
  leverage::PolicySuiteConfig policies;
  strategy::PlannerConfig strategy;
  std::vector<std::string> policy_names;  // empty: all
};

using strategy::DecisionRecord;

struct PolicyRun {
  std::string policy;
  std::unique_ptr<venue::PaperVenue> venue;
  std::vector<analytics::EquityPoint> equity_curve;
  std::vector<DecisionRecord> decisions;
};

struct BacktestResult {
  TimestampMs from_ms = 0, to_ms = 0;
  size_t base_bars = 0;    // inside [from, to)
  size_t warmup_bars = 0;  // before from: features only
  size_t signal_bars = 0, signals = 0;
  std::vector<PolicyRun> runs;
};

using ProgressFn = std::function<void(double fraction)>;

// The policies a run trades, one account each: the config's list, or every policy.
std::vector<std::string> policy_list(const BacktestConfig& cfg);
// Records the account's equity at `t` on its curve (replacing a point already at `t`) and
// returns it. The backtest and the mesh's order router sample at the same instants.
double sample_equity(PolicyRun& run, TimestampMs t);

BacktestResult run_backtest(const std::vector<SymbolData>& data, const BacktestConfig& cfg, const ProgressFn& progress = {});

// Splits [from, to) into consecutive (train, test) windows stepped by the test length.
struct WalkForwardFold {
  TimestampMs train_from_ms, train_to_ms, test_from_ms, test_to_ms;
};
std::vector<WalkForwardFold> walk_forward_folds(TimestampMs from_ms, TimestampMs to_ms, TimestampMs train_ms, TimestampMs test_ms);

}  // namespace fulcrum::backtest
