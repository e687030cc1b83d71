#pragma once
// The strategy as stages, each a plain object the backtest calls in-process and a
// service hosts in the mesh:
//   FeatureStage  (feature-engine): base bars → signal bars → features, per instant
//   FlowStage     (feature-engine): book tops and trades → spread, depth, imbalance, flow
//   SignalStage   (signal-engine):  features → universe, market context, signals
//   OrderPlanner  (leverage):       signals + account → decisions, orders, amendments
// One code path: the same inputs in the same order give the same orders either way.
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/features/feature_set.h"
#include "fulcrum/features/indicators.h"
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

// One symbol's top of book and trade flow since the last instant (WebSocket replays).
struct SymbolFlow {
  size_t symbol = 0;
  TimestampMs book_time_ms = 0;
  features::BookMeasures book;
  double buy_volume = 0, sell_volume = 0;  // base quantity by aggressor side
  uint64_t trades = 0;
};

class FlowStage {
 public:
  explicit FlowStage(size_t symbols) : flows_(symbols), moved_(symbols, false) {}
  const features::BookMeasures& on_book_top(size_t symbol, const model::BookTop& top);
  void on_trade(size_t symbol, const model::Trade& trade);
  // Every symbol whose book or trades moved since the last call, in symbol order; the
  // trade flow starts again from zero, the book stays as it stands.
  std::vector<SymbolFlow> take_moved();

 private:
  std::vector<SymbolFlow> flows_;
  std::vector<bool> moved_;
};

// The schedule both the backtest and the mesh keep: the account's equity is sampled (for
// the report's curve and the planner's drawdown view) on every whole UTC hour of the
// trading window.
inline bool is_equity_sample_instant(TimestampMs t, TimestampMs trading_from_ms) { return t >= trading_from_ms && t % core::kMsPerHour == 0; }

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
  // `warmup`: history a live start sent (v1::Header::warmup); it updates the features and is
  // never traded, whatever its time.
  InstantSignals on_instant(TimestampMs time_ms, const std::vector<ClosedBar>& closed, bool warmup = false);
  size_t signals_emitted() const { return signals_; }

 private:
  std::vector<std::string> symbols_;
  signals::BreakoutConfig cfg_;
  TimestampMs interval_ms_, from_ms_;
  std::vector<features::FeatureSnapshot> latest_;
  size_t signals_ = 0;
};

}  // namespace fulcrum::strategy
