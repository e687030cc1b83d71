#include "fulcrum/marketdata/aggregation.h"

#include <algorithm>
#include <stdexcept>

namespace fulcrum::marketdata {

BarAggregator::BarAggregator(core::TimestampMs target_interval_ms, Emit emit)
    : target_ms_(target_interval_ms), emit_(std::move(emit)) {
  if (target_ms_ <= 0) throw std::invalid_argument("BarAggregator: target interval must be positive");
}

void BarAggregator::emit_current(bool partial) {
  if (partial) ++partial_buckets_;
  emit_(*current_, partial);
  current_.reset();
  covered_ms_ = 0;
}

void BarAggregator::on_bar(const model::Bar& base) {
  if (base.interval_ms <= 0 || target_ms_ % base.interval_ms != 0)
    throw std::invalid_argument("BarAggregator: base interval does not divide the target interval");
  const auto bucket_open = base.open_time_ms - (base.open_time_ms % target_ms_);
  if (current_ && current_->open_time_ms != bucket_open) emit_current(true);
  if (!current_) {
    current_ = base;
    current_->open_time_ms = bucket_open;
    current_->interval_ms = target_ms_;
  } else {
    current_->high = std::max(current_->high, base.high);
    current_->low = std::min(current_->low, base.low);
    current_->close = base.close;
    current_->volume += base.volume;
    if (current_->taker_buy_volume && base.taker_buy_volume) *current_->taker_buy_volume += *base.taker_buy_volume;
    else current_->taker_buy_volume.reset();
  }
  covered_ms_ += base.interval_ms;
  if (base.close_time_ms() == bucket_open + target_ms_) emit_current(covered_ms_ != target_ms_);
}

void BarAggregator::flush() {
  if (current_) emit_current(true);
}

}  // namespace fulcrum::marketdata
