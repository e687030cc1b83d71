#pragma once
// Per-stream sequence checking on the subscriber side: each stream's numbers must rise by
// one. A jump is a gap (messages lost, e.g. dropped at a high-water mark); a repeat or a
// step back is a duplicate or a publisher restart.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace fulcrum::transport {

struct SequenceCheck {
  enum class Kind { kFirst, kInOrder, kGap, kDuplicateOrRestart } kind;
  uint64_t expected = 0;
  uint64_t got = 0;
  uint64_t missing() const { return kind == Kind::kGap ? got - expected : 0; }
};

class SequenceTracker {
 public:
  SequenceCheck check(const std::string& stream, uint64_t seq);
  uint64_t gaps() const { return gaps_; }
  uint64_t missing_messages() const { return missing_; }

 private:
  std::unordered_map<std::string, uint64_t> last_;
  uint64_t gaps_ = 0;
  uint64_t missing_ = 0;
};

}  // namespace fulcrum::transport
