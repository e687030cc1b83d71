#include "fulcrum/core/clock.h"

#include <chrono>

namespace fulcrum::core {

bool ReplayClock::advance_to_ns(TimestampNs t_ns) {
  if (t_ns < now_ns_) return false;
  now_ns_ = t_ns;
  return true;
}

TimestampNs WallClock::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace fulcrum::core
