#include "fulcrum/transport/sequence_tracker.h"

namespace fulcrum::transport {

SequenceCheck SequenceTracker::check(const std::string& stream, uint64_t seq) {
  auto it = last_.find(stream);
  if (it == last_.end()) {
    last_.emplace(stream, seq);
    return {SequenceCheck::Kind::kFirst, seq, seq};
  }
  const uint64_t expected = it->second + 1;
  it->second = seq;
  if (seq == expected) return {SequenceCheck::Kind::kInOrder, expected, seq};
  if (seq > expected) {
    ++gaps_;
    missing_ += seq - expected;
    return {SequenceCheck::Kind::kGap, expected, seq};
  }
  return {SequenceCheck::Kind::kDuplicateOrRestart, expected, seq};
}

}  // namespace fulcrum::transport
