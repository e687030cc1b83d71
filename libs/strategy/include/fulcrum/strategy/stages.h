#pragma once
// The strategy as stages, each a plain object the backtest calls in-process and a
// service hosts in the mesh:
//   FeatureStage  (feature-engine): base bars → signal bars → features, per instant
//   SignalStage   (signal-engine):  features → universe, market context, signals
//   OrderPlanner  (leverage):       signals + account → decisions, orders, amendments
// One code path: the same inputs in the same order give the same orders either way.
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/features/feature_set.h"
#include "fulcrum/marketdata/aggregation.h"
#include "fulcrum/signals/breakout.h"

namespace fulcrum::strategy {

using core::TimestampMs;

struct ClosedBar {
  size_t symbol = 0;
  features::FeatureSnapshot features;
};

class FeatureStage {
 public:
  FeatureStage(size_t symbols, const features::FeatureConfig& cfg, TimestampMs signal_interval_ms);
  void on_bar(size_t symbol, const model::Bar& bar);
  // The signal bars that closed since the last call, ordered by symbol.
  std::vector<ClosedBar> take_closed();

 private:
  std::vector<features::FeatureSet> features_;
  std::vector<marketdata::BarAggregator> aggregators_;
  std::vector<ClosedBar> closed_;
};

// What one instant brings the planner: every symbol whose signal bar closed (in symbol
// order), the signal on it if any passed the filters and the universe, and the context.
struct InstantEntry {
  size_t symbol = 0;
  features::FeatureSnapshot features;
  std::optional<signals::Signal> signal;
};

struct InstantSignals {
  TimestampMs time_ms = 0;
  bool trading = false;  // inside the trading window
  std::vector<InstantEntry> entries;
  double reference_volatility = 0;
  double market_atr_ratio = 0;
};

class SignalStage {
 public:
  SignalStage(std::vector<std::string> symbols, const signals::BreakoutConfig& cfg, TimestampMs signal_interval_ms,
              TimestampMs trading_from_ms);
  InstantSignals on_instant(TimestampMs time_ms, const std::vector<ClosedBar>& closed);
  size_t signals_emitted() const { return signals_; }

 private:
  std::vector<std::string> symbols_;
  signals::BreakoutConfig cfg_;
  TimestampMs interval_ms_, from_ms_;
  std::vector<features::FeatureSnapshot> latest_;
  size_t signals_ = 0;
};

}  // namespace fulcrum::strategy
