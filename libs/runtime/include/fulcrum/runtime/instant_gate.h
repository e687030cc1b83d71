#pragma once
// Every mesh stage keys its work by replay instant. A message for the instant it finished
// last is a re-send (its source timed out waiting for the ack): answer it again, from
// cache. An older one is stale and dropped. This is what makes lockstep re-sends, and a
// restarted downstream service, harmless.
#include <string>
#include <utility>
#include <vector>

#include "fulcrum/core/clock.h"

namespace fulcrum::runtime {

class InstantGate {
 public:
  enum class Verdict { kNew, kRepeat, kStale };
  Verdict classify(core::TimestampMs t) const {
    if (!any_ || t > done_) return Verdict::kNew;
    return t == done_ ? Verdict::kRepeat : Verdict::kStale;
  }
  // Instant `t` is done; `outputs` are what a repeat of it gets again.
  void finish(core::TimestampMs t, std::vector<std::string> outputs) {
    done_ = t;
    any_ = true;
    outputs_ = std::move(outputs);
  }
  const std::vector<std::string>& outputs() const { return outputs_; }
  core::TimestampMs done() const { return done_; }
  bool any() const { return any_; }

 private:
  core::TimestampMs done_ = 0;
  bool any_ = false;
  std::vector<std::string> outputs_;
};

}  // namespace fulcrum::runtime
