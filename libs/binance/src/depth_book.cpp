#include "fulcrum/binance/depth_book.h"

namespace fulcrum::binance {

void DepthBook::reset() {
  bids_.clear();
  asks_.clear();
  state_ = State::kAwaitingSnapshot;
  bridged_ = false;
}

void DepthBook::apply(const DepthDiff& diff) {
  for (const auto& l : diff.bids) {
    if (l.qty.is_zero()) bids_.erase(l.price.raw);
    else bids_[l.price.raw] = l.qty.raw;
  }
  for (const auto& l : diff.asks) {
    if (l.qty.is_zero()) asks_.erase(l.price.raw);
    else asks_[l.price.raw] = l.qty.raw;
  }
  last_u_ = diff.final_update_id;
}

DepthBook::DiffResult DepthBook::on_diff(const DepthDiff& diff) {
  if (state_ == State::kAwaitingSnapshot) {
    // Bounded: a snapshot that never comes must not grow memory without end; the oldest
    // diffs are the ones a snapshot would make stale anyway.
    if (buffer_.size() >= max_buffered_) buffer_.erase(buffer_.begin());
    buffer_.push_back(diff);
    return DiffResult::kBuffered;
  }
  if (diff.final_update_id < last_u_ && !bridged_) return DiffResult::kStale;
  if (!bridged_) {
    // The documented bridge is U <= lastUpdateId <= u. A snapshot taken exactly at the end
    // of a diff (as the exchange double's always are, and the exchange's can be) is bridged
    // by the next diff, whose U is past it but whose pu names it: that diff continues the
    // snapshot exactly, so it is accepted too.
    if ((diff.first_update_id <= last_u_ && diff.final_update_id >= last_u_) || diff.previous_final_id == last_u_) {
      apply(diff);
      bridged_ = true;
      return DiffResult::kApplied;
    }
    ++gaps_;
    reset();
    return DiffResult::kGap;
  }
  // A diff the book already holds (a duplicate frame, a re-send after a reconnect) is old
  // news, not a break in the chain.
  if (diff.final_update_id <= last_u_) return DiffResult::kStale;
  if (diff.previous_final_id != last_u_) {
    ++gaps_;
    reset();
    return DiffResult::kGap;
  }
  apply(diff);
  return DiffResult::kApplied;
}

bool DepthBook::on_snapshot(const DepthSnapshot& snapshot) {
  reset();
  for (const auto& l : snapshot.bids)
    if (!l.qty.is_zero()) bids_[l.price.raw] = l.qty.raw;
  for (const auto& l : snapshot.asks)
    if (!l.qty.is_zero()) asks_[l.price.raw] = l.qty.raw;
  last_u_ = snapshot.last_update_id;
  state_ = State::kSynced;
  auto pending = std::move(buffer_);
  buffer_.clear();
  for (const auto& d : pending)
    if (on_diff(d) == DiffResult::kGap) return false;
  return true;
}

bool DepthBook::best(DepthLevel& bid, DepthLevel& ask) const {
  if (!synced() || bids_.empty() || asks_.empty()) return false;
  bid = {core::Price::from_raw(bids_.begin()->first), core::Qty::from_raw(bids_.begin()->second)};
  ask = {core::Price::from_raw(asks_.begin()->first), core::Qty::from_raw(asks_.begin()->second)};
  return true;
}

}  // namespace fulcrum::binance
