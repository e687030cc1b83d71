#pragma once
// The research backtest: one pass over merged real data, features and signals computed
// once, and one paper-venue account per leverage policy, so every policy sees the same
// signals at the same instants.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/report/run_result.h"
#include "fulcrum/strategy/run_config.h"

namespace fulcrum::backtest {

using core::TimestampMs;

using ProgressFn = std::function<void(double fraction)>;

report::RunResult run_backtest(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& cfg, const ProgressFn& progress = {});

// Splits [from, to) into consecutive (train, test) windows stepped by the test length.
struct WalkForwardFold {
  TimestampMs train_from_ms, train_to_ms, test_from_ms, test_to_ms;
};
std::vector<WalkForwardFold> walk_forward_folds(TimestampMs from_ms, TimestampMs to_ms, TimestampMs train_ms, TimestampMs test_ms);

}  // namespace fulcrum::backtest
