#pragma once
// A local order book kept from a REST snapshot and the diff stream, by Binance's documented
// procedure for USDⓈ-M ("How to manage a local order book correctly"):
//  - diffs that arrive before the snapshot are buffered;
//  - a diff whose final update id u < the snapshot's lastUpdateId is dropped;
//  - the first applied diff must have U <= lastUpdateId <= u (or pu = lastUpdateId: a
//    snapshot taken at a diff's end, which the next diff continues exactly);
//  - every later diff's pu must equal the previous diff's u, else the book is out of sync
//    and must start again from a new snapshot;
//  - quantities are absolute; 0 removes the level, and removing a level the book does not
//    hold is normal.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fulcrum/core/fixed_point.h"

namespace fulcrum::binance {

struct DepthLevel {
  core::Price price;
  core::Qty qty;
};

struct DepthDiff {
  std::string symbol;
  int64_t event_time_ms = 0, transaction_time_ms = 0;
  int64_t first_update_id = 0;     // U
  int64_t final_update_id = 0;     // u
  int64_t previous_final_id = 0;   // pu
  std::vector<DepthLevel> bids, asks;
};

struct DepthSnapshot {
  int64_t last_update_id = 0;
  int64_t event_time_ms = 0, transaction_time_ms = 0;
  std::vector<DepthLevel> bids, asks;
};

class DepthBook {
 public:
  enum class State { kAwaitingSnapshot, kSynced };
  enum class DiffResult {
    kBuffered,     // no snapshot yet: kept for when it comes
    kStale,        // older than the snapshot: dropped
    kApplied,
    kGap,          // pu broke the chain (or no diff bridged the snapshot): resync needed
  };

  explicit DepthBook(size_t max_buffered = 10'000) : max_buffered_(max_buffered) {}

  // A diff from the stream. On kGap the book is cleared and awaits a snapshot; the caller
  // fetches one (and counts the resync).
  DiffResult on_diff(const DepthDiff& diff);
  // The REST snapshot. Applies the buffered diffs that follow it; returns false (and awaits
  // another snapshot) when none bridges it or the chain breaks in the buffer.
  bool on_snapshot(const DepthSnapshot& snapshot);

  State state() const { return state_; }
  bool synced() const { return state_ == State::kSynced; }
  int64_t last_update_id() const { return last_u_; }
  const std::map<int64_t, int64_t, std::greater<>>& bids() const { return bids_; }  // price raw → qty raw, best first
  const std::map<int64_t, int64_t>& asks() const { return asks_; }
  // False while empty or unsynced.
  bool best(DepthLevel& bid, DepthLevel& ask) const;
  uint64_t resyncs_needed() const { return gaps_; }
  size_t buffered() const { return buffer_.size(); }

 private:
  void apply(const DepthDiff& diff);
  void reset();

  size_t max_buffered_;
  State state_ = State::kAwaitingSnapshot;
  std::map<int64_t, int64_t, std::greater<>> bids_;
  std::map<int64_t, int64_t> asks_;
  std::vector<DepthDiff> buffer_;
  int64_t last_u_ = 0;
  bool bridged_ = false;  // the first diff after the snapshot has been applied
  uint64_t gaps_ = 0;
};

}  // namespace fulcrum::binance
