#pragma once
// Builds longer bars (15m, 1h, …) from shorter ones, incrementally and without inventing
// data: a bucket with missing sub-bars is emitted from what it has and marked partial.
#include <functional>
#include <optional>

#include "fulcrum/model/market.h"

namespace fulcrum::marketdata {

class BarAggregator {
 public:
  using Emit = std::function<void(const model::Bar& bar, bool partial)>;
  BarAggregator(core::TimestampMs target_interval_ms, Emit emit);
  // Base bars must arrive in time order and divide the target interval evenly.
  void on_bar(const model::Bar& base);
  void flush();  // emits an unfinished bucket, partial
  size_t partial_buckets() const { return partial_buckets_; }

 private:
  void emit_current(bool partial);
  core::TimestampMs target_ms_;
  Emit emit_;
  std::optional<model::Bar> current_;
  core::TimestampMs covered_ms_ = 0;
  size_t partial_buckets_ = 0;
};

}  // namespace fulcrum::marketdata
